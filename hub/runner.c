// SPDX-License-Identifier: MIT
/*
 * The runner of a hub session: the owner's background process that runs
 * the session's user-context probes (begin, end, error, timers), so the
 * hub itself never runs native code compiled from a script
 * (ARCHITECTURE.md, Isolation).
 *
 * It connects as the session's runner and gets, over SCM_RIGHTS, the
 * guest's kernel maps: the kernel-shared scalars (mapped here) and the
 * arrays and aggregates, so user probes read and write the same globals
 * the kernel probes do.  Its output goes to the hub (OUTPUT), which stores
 * it in the session's buffer between the kernel records.  It runs begin
 * probes, tells the hub (RUNNER_READY, the hub then attaches), runs timer
 * probes, and on SESSION_STOP runs end probes, prints unread globals,
 * sends END and exits.  If it dies, the session records on without it.
 * With -T it asks the hub to stop the session when the time is up, as
 * exit() in a probe does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "hub/hub.h"

#define MAX_TIMERS 64

struct runner {
	const struct hub_runner_opts *o;
	int fd;
	struct hub_guest *g;
	struct grt_rt *rt;
	int *map_fds;
	void *globals;
	size_t globals_len;
	int timer_fd[MAX_TIMERS], timer_probe[MAX_TIMERS];
	int64_t timer_period[MAX_TIMERS], timer_jitter[MAX_TIMERS];
	int ntimers;
	struct grt_buf out;
	char error[256]; /* the last ERROR line, for the hub's listing ("" none) */
	uint64_t seed;
	bool hub_gone;
};

static void flush_out(struct runner *R)
{
	struct hub_msg *m;
	size_t off = 0;

	if (!R->out.len || R->hub_gone)
		goto out;
	m = malloc(sizeof(*m));
	if (!m)
		goto out;
	while (off < R->out.len) {
		size_t n = R->out.len - off > 60000 ? 60000 : R->out.len - off;

		hub_msg_init(m, TH_MSG_OUTPUT, 0);
		hub_msg_put(m, TH_A_TEXT, R->out.data + off, n);
		if (R->error[0]) {
			hub_msg_put_str(m, TH_A_ERROR, R->error);
			R->error[0] = 0;
		}
		if (hub_msg_send(R->fd, m)) {
			R->hub_gone = true;
			break;
		}
		off += n;
	}
	free(m);
out:
	grt_buf_reset(&R->out);
}

static void sink(void *arg, int stream, const char *data, size_t len)
{
	struct runner *R = arg;

	/* the runtime's ERROR lines: the last one is shown by tapctl list */
	if (stream == GRT_MSG && len >= 5 && !strncmp(data, "ERROR", 5)) {
		size_t n = len;

		while (n && data[n - 1] == '\n')
			n--;
		snprintf(R->error, sizeof(R->error), "%.*s", (int)n, data);
	}
	grt_buf_put(&R->out, data, len);
	if (R->out.len > 256 * 1024)
		flush_out(R);
}

/*
 * What the user probes ask: system() and printk() run here, with the
 * session owner's identity, never in the hub; switch_file() asks the hub
 * to switch the session's output file (its answer is read, and ignored,
 * by the main loop).
 */
static void act(void *arg, int kind, const char *text, size_t len)
{
	struct runner *R = arg;
	struct hub_msg *m;
	char *cmd;

	switch (kind) {
	case TH_FMT_SYSTEM:
		cmd = strndup(text, len);
		if (cmd)
			grt_system_spawn(cmd);
		free(cmd);
		break;
	case TH_FMT_PRINTK:
		grt_printk_write(text, len);
		break;
	case TH_FMT_SWITCH:
		m = malloc(sizeof(*m));
		if (!m || R->hub_gone)
			break;
		hub_msg_init(m, TH_MSG_SWITCH, hub_next_seq());
		hub_msg_put_u64(m, TH_A_SESSION_ID, R->o->session_id);
		if (hub_msg_send(R->fd, m))
			R->hub_gone = true;
		free(m);
		break;
	}
}

static int simple(struct runner *R, int type)
{
	struct hub_msg *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	hub_msg_init(m, type, hub_next_seq());
	hub_msg_put_u64(m, TH_A_SESSION_ID, R->o->session_id);
	r = hub_msg_send(R->fd, m);
	free(m);
	return r;
}

static void arm(struct runner *R, int i)
{
	struct itimerspec its = { 0 };
	int64_t ns = R->timer_period[i];

	if (R->timer_jitter[i]) {
		R->seed = R->seed * 6364136223846793005ull + 1442695040888963407ull;
		ns += (int64_t)((R->seed >> 33) % (uint64_t)(2 * R->timer_jitter[i] + 1)) -
		      R->timer_jitter[i];
	}
	its.it_value.tv_sec = ns / 1000000000LL;
	its.it_value.tv_nsec = ns % 1000000000LL;
	if (!R->timer_jitter[i])
		its.it_interval = its.it_value;
	timerfd_settime(R->timer_fd[i], 0, &its, NULL);
}

/*
 * A runner that cannot run says why, as a RUNNER request with an error:
 * its stderr is /dev/null (it is detached), so the hub is the only place
 * the owner will look (tapctl list, the session's output).
 */
static void report_failure(struct runner *R, const char *why)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	char err[256];

	if (m && q && R->fd >= 0) {
		hub_msg_init(m, TH_MSG_RUNNER, hub_next_seq());
		hub_msg_put_u64(m, TH_A_SESSION_ID, R->o->session_id);
		hub_msg_put_str(m, TH_A_ERROR, why);
		if (hub_call(R->fd, m, q, err, sizeof(err)) == 0)
			hub_req_close_fds(q);
	}
	free(m);
	free(q);
}

/* RUNNER: the hub answers with the guest's maps. */
static int register_runner(struct runner *R, char *err, size_t errlen)
{
	const struct grt_meta *meta = hub_guest_meta(R->g);
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	const uint32_t *pairs;
	size_t n = 0, i;
	int r, gfd;

	if (!m || !q) {
		r = -ENOMEM;
		goto out;
	}
	hub_msg_init(m, TH_MSG_RUNNER, hub_next_seq());
	hub_msg_put_u64(m, TH_A_SESSION_ID, R->o->session_id);
	r = hub_call(R->fd, m, q, err, errlen);
	if (r)
		goto out;
	R->map_fds = malloc(sizeof(int) * (size_t)(meta->nglobals + 1));
	if (!R->map_fds) {
		r = -ENOMEM;
		goto out_fds;
	}
	for (i = 0; i <= (size_t)meta->nglobals; i++)
		R->map_fds[i] = -1;
	pairs = hub_req_bytes(q, TH_A_GID_MAP, &n);
	for (i = 0; pairs && i + 1 < n / 4; i += 2) {
		uint32_t gid = pairs[i], idx = pairs[i + 1];

		/* trust the hub, but not blindly: indexes and ids must make sense */
		if (gid >= (uint32_t)meta->nglobals || idx >= (uint32_t)q->nfds || q->fds[idx] < 0)
			continue;
		R->map_fds[gid] = q->fds[idx];
		q->fds[idx] = -1;
	}
	gfd = hub_req_take_fd(q, TH_A_FD_GLOBALS);
	if (gfd >= 0) {
		struct bpf_map_info info = { 0 };
		uint32_t ilen = sizeof(info);
		size_t page = (size_t)sysconf(_SC_PAGESIZE);

		if (bpf_obj_get_info_by_fd(gfd, &info, &ilen) == 0) {
			R->globals_len = ((size_t)info.value_size + page - 1) & ~(page - 1);
			R->globals = mmap(NULL, R->globals_len, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, 0);
			if (R->globals == MAP_FAILED)
				R->globals = NULL;
		}
		close(gfd);
	}
out_fds:
	hub_req_close_fds(q);
out:
	free(m);
	free(q);
	return r;
}

static int setup_timers(struct runner *R, int epfd)
{
	const struct grt_guest_desc *d = hub_guest_desc(R->g);
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	for (i = 0; d && i < d->nprobes; i++) {
		int k = R->ntimers;

		if (d->probes[i].kind != GRT_UP_TIMER)
			continue;
		if (k == MAX_TIMERS)
			return -E2BIG;
		R->timer_fd[k] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (R->timer_fd[k] < 0)
			return -errno;
		R->timer_probe[k] = i;
		R->timer_period[k] = d->probes[i].period_ns;
		R->timer_jitter[k] = d->probes[i].jitter_ns;
		R->ntimers++;
		ev.data.u32 = 100 + (uint32_t)k;
		epoll_ctl(epfd, EPOLL_CTL_ADD, R->timer_fd[k], &ev);
		arm(R, k);
	}
	return 0;
}

static void finish(struct runner *R)
{
	grt_rt_run_kind(R->rt, GRT_UP_END);
	grt_rt_autoprint(R->rt);
	grt_rt_flush(R->rt);
	flush_out(R);
	simple(R, TH_MSG_END);
}

int hub_run_runner(const struct hub_runner_opts *o)
{
	struct runner R = { .o = o, .fd = -1 };
	struct hub_guest_opts go = {
		.sz = sizeof(go), .dir = o->dir, .load_so = true, .skip_bpf = true,
		.target_pid = o->target_pid,
	};
	struct grt_rt_opts ro = { .sz = sizeof(ro) };
	struct epoll_event ev = { .events = EPOLLIN };
	char err[4096];
	sigset_t mask;
	int epfd = -1, sigfd = -1, tofd = -1, status = 1, i;
	bool stop = false;

	R.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	R.fd = hub_connect(o->socket, false, NULL, err, sizeof(err));
	if (R.fd < 0) {
		hub_print("%s", err);
		return 1;
	}
	if (hub_guest_open(&go, &R.g, err, sizeof(err))) {
		char why[4200];

		snprintf(why, sizeof(why), "the runner cannot load the script's user probes: %s", err);
		report_failure(&R, why);
		goto out;
	}
	if (register_runner(&R, err, sizeof(err))) {
		hub_print("%s", err);
		goto out;
	}
	ro.meta = hub_guest_meta(R.g);
	ro.desc = hub_guest_desc(R.g);
	ro.globals = R.globals;
	ro.map_fds = R.map_fds;
	ro.ncpus = hub_guest_ncpus(R.g);
	ro.target_pid = o->target_pid;
	ro.suppress_errors = o->suppress_errors;
	ro.maxerrors = o->maxerrors;
	ro.write = sink;
	ro.act = act;
	ro.user_symbols = true;
	ro.arg = &R;
	if (grt_rt_new(&ro, &R.rt)) {
		report_failure(&R, "the runner cannot start the script's runtime (out of memory?)");
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (epfd < 0 || sigfd < 0)
		goto out;
	ev.data.u32 = 1;
	epoll_ctl(epfd, EPOLL_CTL_ADD, R.fd, &ev);
	ev.data.u32 = 2;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);

	grt_rt_run_kind(R.rt, GRT_UP_BEGIN);
	grt_rt_flush(R.rt);
	flush_out(&R);
	if (grt_rt_exit_requested(R.rt))
		simple(&R, TH_MSG_SESSION_STOP);
	simple(&R, TH_MSG_RUNNER_READY);
	if (o->timeout_ms > 0) {
		struct itimerspec its = { .it_value = { .tv_sec = o->timeout_ms / 1000,
							.tv_nsec = (o->timeout_ms % 1000) * 1000000 } };

		tofd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		ev.data.u32 = 3;
		if (tofd < 0 || timerfd_settime(tofd, 0, &its, NULL) ||
		    epoll_ctl(epfd, EPOLL_CTL_ADD, tofd, &ev)) {
			snprintf(err, sizeof(err), "ERROR: the runner cannot arm -T: %s\n",
				 strerror(errno));
			sink(&R, GRT_MSG, err, strlen(err));
			flush_out(&R);
		}
	}
	i = setup_timers(&R, epfd);
	if (i) {
		snprintf(err, sizeof(err), "ERROR: the runner cannot arm the timer probes: %s\n",
			 i == -E2BIG ? "too many timers" : strerror(-i));
		sink(&R, GRT_MSG, err, strlen(err));
		flush_out(&R);
		goto out;
	}
	while (!stop && !R.hub_gone) {
		struct epoll_event evs[16];
		int n = epoll_wait(epfd, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;

			if (id == 1) {
				struct hub_req *q = malloc(sizeof(*q));

				if (!q || hub_msg_recv(R.fd, q, err, sizeof(err))) {
					/* the hub went away: nothing left to run for */
					R.hub_gone = true;
				} else if (q->h.type == TH_MSG_SESSION_STOP) {
					finish(&R);
					status = 0;
					stop = true;
				}
				if (q)
					hub_req_close_fds(q);
				free(q);
			} else if (id == 3) {
				uint64_t exp;

				/* -T: the time is up; the hub stops the session (end probes here) */
				if (read(tofd, &exp, sizeof(exp)) == sizeof(exp))
					simple(&R, TH_MSG_SESSION_STOP);
			} else if (id == 2) {
				struct signalfd_siginfo si;

				/* killed by its owner: the hub sees it go, recording goes on */
				while (read(sigfd, &si, sizeof(si)) == sizeof(si))
					stop = true;
			} else if (id >= 100 && id < 100 + (uint32_t)R.ntimers) {
				int k = (int)id - 100;
				uint64_t exp;

				if (read(R.timer_fd[k], &exp, sizeof(exp)) != sizeof(exp))
					continue;
				if (R.timer_jitter[k])
					arm(&R, k);
				grt_rt_run_timer(R.rt, R.timer_probe[k], exp);
				grt_rt_flush(R.rt);
				flush_out(&R);
				if (grt_rt_exit_requested(R.rt)) {
					/* exit() in a user probe: ask the hub to stop us properly */
					simple(&R, TH_MSG_SESSION_STOP);
					for (k = 0; k < R.ntimers; k++) {
						struct itimerspec none = { 0 };

						timerfd_settime(R.timer_fd[k], 0, &none, NULL);
					}
				}
			}
		}
	}
out:
	if (tofd >= 0)
		close(tofd);
	for (i = 0; i < R.ntimers; i++)
		close(R.timer_fd[i]);
	if (sigfd >= 0)
		close(sigfd);
	if (epfd >= 0)
		close(epfd);
	grt_rt_free(R.rt);
	grt_buf_free(&R.out);
	if (R.map_fds) {
		for (i = 0; i < hub_guest_meta(R.g)->nglobals; i++)
			if (R.map_fds[i] >= 0)
				close(R.map_fds[i]);
		free(R.map_fds);
	}
	if (R.globals)
		munmap(R.globals, R.globals_len);
	if (R.fd >= 0)
		close(R.fd);
	hub_guest_close(R.g);
	return status;
}
