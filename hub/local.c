// SPDX-License-Identifier: MIT
/*
 * The embedded session: `tap script.stp` without a hub.  tap loads the
 * guest itself, runs its begin probes, attaches the kernel probes and then
 * loops on one epoll set:
 *
 *   the rings   records -> text, through the guest's runtime
 *   timers      one timerfd per timer.* probe (user context, here)
 *   signals     SIGINT/SIGTERM end the session, SIGCHLD ends a -c session
 *   a tick      drains the rings: producers wake us only when a ring is
 *               a quarter full, to keep wakeups off the probe's path, so
 *               we come back on our own, paced to the rate (see
 *               rh_drain_next_tick_ms), at most poll_ms apart
 *
 * At the end: detach, drain what is left, end probes, the automatic
 * printing of unread globals, then the loss and error reports, as stap
 * prints them.
 *
 * With -o the output goes into a sink (sink.c: rotation, SIGUSR2 switches
 * to the next file).  A binary trace takes the records as they come from
 * the rings, without formatting them here; only the special records (exit,
 * errors, histogram prints) still go through the runtime, and what user
 * probes print goes in as TEXT records.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "hub/hub.h"
#include "relayhost-module/rh.h"

#define MAX_TIMERS 64

struct timer {
	int fd;
	int probe; /* index into desc->probes */
	int64_t period_ns, jitter_ns;
};

struct local {
	const struct hub_local_opts *o;
	struct hub_guest *g;
	struct grt_rt *rt;
	struct rh_drain *drain;
	struct timer timers[MAX_TIMERS];
	int ntimers;
	int epfd, sigfd;
	pid_t child;
	bool child_done;
	int child_status;
	uint64_t out_lost; /* bytes the output could not take */
	bool out_failed;
	uint64_t seed;
	bool binary;        /* the sink writes a binary trace */
	uint64_t marked_drops[TH_MAX_CLASSES]; /* ring drops already in the trace */
	int64_t drops_ns;   /* when the counters were last read */
};

static int64_t mono_ns(void);

/* The drain comes back at least this often while records flow. */
#define MIN_TICK_MS 1

static void write_all(struct local *L, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* disk full, closed pipe: count it, say it once, go on */
			if (!L->out_failed) {
				char m[256];
				int k = snprintf(m, sizeof(m), "WARNING: cannot write output: %s\n",
						 strerror(w < 0 ? errno : EIO));

				L->out_failed = true;
				if (k > 0 && fd != 2)
					(void)!write(2, m, (size_t)k);
			}
			L->out_lost += n;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void sink(void *arg, int stream, const char *data, size_t len)
{
	struct local *L = arg;

	if (stream != GRT_MSG && L->o->sink)
		hub_sink_text(L->o->sink, data, len); /* counts its own losses */
	else
		write_all(L, stream == GRT_MSG ? 2 : L->o->out_fd, data, len);
}

static int on_record(void *arg, int cls, const void *rec, size_t len)
{
	struct local *L = arg;
	const struct th_rec *r = rec;

	(void)cls;
	if (L->binary) {
		/*
		 * A histogram print needs the maps, a stack the process's files
		 * while it runs: they go in as the text they make.
		 */
		if (r->fmt != TH_FMT_PRINTSTAT && r->fmt != TH_FMT_STACK)
			hub_sink_record(L->o->sink, rec, len);
		if (r->fmt >= TH_FMT_FIRST || r->fmt == TH_FMT_TEXT)
			return 0;
	}
	grt_rt_record(L->rt, rec, len);
	return 0;
}

/* What the probes ask of tap: system(), printk(), switch_file() (guest-runtime/system.c). */
static void act(void *arg, int kind, const char *text, size_t len)
{
	struct local *L = arg;
	char m[512], *cmd;
	int r = 0, n;

	switch (kind) {
	case TH_FMT_SYSTEM:
		cmd = strndup(text, len);
		r = cmd ? grt_system_spawn(cmd) : -ENOMEM;
		free(cmd);
		break;
	case TH_FMT_PRINTK:
		r = grt_printk_write(text, len);
		break;
	case TH_FMT_SWITCH:
		/* as SIGUSR2: the output goes on in the next -o file */
		if (L->o->sink)
			hub_sink_switch(L->o->sink);
		break;
	}
	if (r) {
		n = snprintf(m, sizeof(m), "WARNING: %s(\"%.*s\") failed: %s\n",
			     kind == TH_FMT_SYSTEM ? "system" : "printk", (int)(len < 200 ? len : 200),
			     text, strerror(-r));
		write_all(L, 2, m, (size_t)n < sizeof(m) ? (size_t)n : sizeof(m) - 1);
	}
}

/* Binary traces: ring-full drops become LOST markers where they happened. */
static void mark_drops(struct local *L, bool now)
{
	const struct grt_meta *m = hub_guest_meta(L->g);
	int64_t t = mono_ns();
	int c;

	if (!L->binary || (!now && t - L->drops_ns < 100000000))
		return;
	L->drops_ns = t;
	for (c = 0; c < m->nclasses && c < TH_MAX_CLASSES; c++) {
		struct th_class_counters k;

		if (hub_guest_counters(L->g, c, &k) == 0 && k.dropped > L->marked_drops[c]) {
			hub_sink_lost(L->o->sink, c, k.dropped - L->marked_drops[c], 0);
			L->marked_drops[c] = k.dropped;
		}
	}
}

static void arm_timer(struct local *L, struct timer *t)
{
	struct itimerspec its = { 0 };
	int64_t ns = t->period_ns;

	if (t->jitter_ns) {
		/* uniformly in [period - jitter, period + jitter] */
		L->seed = L->seed * 6364136223846793005ull + 1442695040888963407ull;
		ns += (int64_t)((L->seed >> 33) % (uint64_t)(2 * t->jitter_ns + 1)) - t->jitter_ns;
	}
	its.it_value.tv_sec = ns / 1000000000LL;
	its.it_value.tv_nsec = ns % 1000000000LL;
	if (!t->jitter_ns)
		its.it_interval = its.it_value;
	timerfd_settime(t->fd, 0, &its, NULL);
}

static int setup_timers(struct local *L)
{
	const struct grt_guest_desc *d = hub_guest_desc(L->g);
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	for (i = 0; d && i < d->nprobes; i++) {
		struct timer *t;

		if (d->probes[i].kind != GRT_UP_TIMER)
			continue;
		if (L->ntimers == MAX_TIMERS)
			return -E2BIG;
		t = &L->timers[L->ntimers];
		t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (t->fd < 0)
			return -errno;
		t->probe = i;
		t->period_ns = d->probes[i].period_ns;
		t->jitter_ns = d->probes[i].jitter_ns;
		ev.data.u32 = 1000 + (uint32_t)L->ntimers;
		L->ntimers++;
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, t->fd, &ev))
			return -errno;
		arm_timer(L, t);
	}
	return 0;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void drain_all(struct local *L)
{
	if (L->drain)
		rh_drain_consume(L->drain);
	if (L->o->sink)
		hub_sink_flush(L->o->sink);
}

static void on_signal(struct local *L, bool *stop)
{
	struct signalfd_siginfo si;

	while (read(L->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			int st;

			if (L->child > 0 && waitpid(L->child, &st, WNOHANG) == L->child) {
				L->child_done = true;
				L->child_status = st;
				*stop = true;
			}
		} else if (si.ssi_signo == SIGUSR2) {
			/* as staprun: go on in the next output file (for backup) */
			if (L->o->sink)
				hub_sink_switch(L->o->sink);
		} else {
			*stop = true;
		}
	}
}

static void loop(struct local *L)
{
	struct epoll_event evs[16];
	int poll_ms = L->o->poll_ms > 0 ? L->o->poll_ms : 100, tick_ms = poll_ms;
	bool stop = false;

	if (L->drain)
		rh_drain_next_tick_ms(L->drain, MIN_TICK_MS, poll_ms); /* starts the clock */
	while (!stop && !grt_rt_exit_requested(L->rt)) {
		int n = epoll_wait(L->epfd, evs, 16, tick_ms), i;

		if (n < 0 && errno != EINTR)
			break;
		/* records first: a timer's report covers what came before it */
		drain_all(L);
		if (L->drain)
			tick_ms = rh_drain_next_tick_ms(L->drain, MIN_TICK_MS, poll_ms);
		mark_drops(L, false);
		for (i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;

			if (id == 1) {
				on_signal(L, &stop);
			} else if (id >= 1000 && id < 1000 + (uint32_t)L->ntimers) {
				struct timer *t = &L->timers[id - 1000];
				uint64_t exp;

				if (read(t->fd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				if (t->jitter_ns)
					arm_timer(L, t);
				grt_rt_run_one(L->rt, t->probe);
				grt_rt_flush(L->rt);
			}
		}
		grt_rt_flush(L->rt);
	}
}

/* The -c command: forked now, held until the guest is loaded, so target() is right. */
static int start_child(struct local *L, int *release_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		char c;
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(p[1]);
		/* wait for the go (or EOF when tap gave up) */
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		execvp(L->o->cmd[0], L->o->cmd);
		fprintf(stderr, "tap: cannot run '%s': %s\n", L->o->cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	L->child = pid;
	*release_fd = p[1];
	return 0;
}

static void report_losses(struct local *L)
{
	const struct grt_meta *m = hub_guest_meta(L->g);
	uint64_t lost = 0, errors = 0;
	char line[256];
	int c, n;

	/* what the end probes printed is out, so its failures are counted */
	if (L->o->sink)
		hub_sink_flush(L->o->sink);
	for (c = 0; c < m->nclasses; c++) {
		struct th_class_counters k;

		if (hub_guest_counters(L->g, c, &k) == 0) {
			lost += k.dropped;
			errors += k.errors;
		}
	}
	(void)errors;
	if (lost) {
		n = snprintf(line, sizeof(line), "WARNING: %llu records lost\n",
			     (unsigned long long)lost);
		write_all(L, 2, line, (size_t)n);
	}
	if (L->out_lost) {
		n = snprintf(line, sizeof(line), "WARNING: %llu bytes of output lost\n",
			     (unsigned long long)L->out_lost);
		write_all(L, 2, line, (size_t)n);
	}
	if (L->o->sink && hub_sink_lost_writes(L->o->sink)) {
		n = snprintf(line, sizeof(line),
			     "WARNING: %llu %s of output lost: the output file could not be written\n",
			     (unsigned long long)hub_sink_lost_writes(L->o->sink),
			     L->binary ? "records" : "lines");
		write_all(L, 2, line, (size_t)n);
	}
}

int hub_run_local(const struct hub_local_opts *o)
{
	struct local L = { .o = o, .epfd = -1, .sigfd = -1, .child = -1 };
	struct hub_guest_opts go = {
		.sz = sizeof(go), .dir = o->dir, .ring_bytes = o->ring_bytes,
		.target_pid = o->target_pid, .load_so = true, .verbose = o->verbose,
		/* the probes stop themselves past MAXERRORS, unless errors are suppressed */
		.maxerrors = o->suppress_errors ? -1 : o->maxerrors,
	};
	struct grt_rt_opts ro = { .sz = sizeof(ro) };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask, old;
	char err[4096];
	int release_fd = -1, status = 1, r, c;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (o->sink)
		sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, &old);
	L.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();

	if (o->cmd) {
		r = start_child(&L, &release_fd);
		if (r) {
			fprintf(stderr, "tap: cannot start '%s': %s\n", o->cmd[0], strerror(-r));
			goto out;
		}
		go.target_pid = L.child;
	}
	r = hub_guest_open(&go, &L.g, err, sizeof(err));
	if (r) {
		fprintf(stderr, "tap: %s\n", err);
		goto out;
	}
	for (c = 0; o->sink && c < hub_guest_meta(L.g)->nclasses; c++)
		hub_sink_add_class(o->sink, c, hub_guest_meta(L.g)->classes[c]);
	if (o->sink && hub_sink_binary(o->sink)) {
		char path[4096], *text = NULL;
		size_t len = 0;
		FILE *f;

		/* the trace carries the guest's format table */
		L.binary = true;
		snprintf(path, sizeof(path), "%s/guest.meta", o->dir);
		f = fopen(path, "re");
		if (f) {
			text = malloc(1 << 20);
			if (text)
				len = fread(text, 1, 1 << 20, f);
			fclose(f);
		}
		if (!text || hub_sink_add_guest(o->sink, go.guest_id, text, len)) {
			fprintf(stderr, "tap: cannot read %s\n", path);
			free(text);
			goto out;
		}
		free(text);
	}
	ro.meta = hub_guest_meta(L.g);
	ro.desc = hub_guest_desc(L.g);
	ro.globals = hub_guest_globals(L.g);
	ro.map_fds = hub_guest_map_fds(L.g);
	ro.ncpus = hub_guest_ncpus(L.g);
	ro.target_pid = go.target_pid;
	ro.suppress_errors = o->suppress_errors;
	ro.maxerrors = o->maxerrors;
	ro.write = sink;
	ro.act = act;
	ro.user_symbols = true;
	ro.arg = &L;
	r = grt_rt_new(&ro, &L.rt);
	if (r) {
		fprintf(stderr, "tap: cannot set up the runtime: %s\n", strerror(-r));
		goto out;
	}
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	L.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (L.epfd < 0 || L.sigfd < 0) {
		fprintf(stderr, "tap: %s\n", strerror(errno));
		goto out;
	}
	ev.data.u32 = 1;
	epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.sigfd, &ev);
	if (ro.meta->has_bpf) {
		r = rh_drain_new(&L.drain);
		for (c = 0; !r && c < ro.meta->nclasses; c++)
			r = rh_drain_add_ring(L.drain, hub_guest_ring_fd(L.g, c), c, on_record, &L);
		if (r) {
			fprintf(stderr, "tap: cannot read the rings: %s\n", strerror(-r));
			goto out;
		}
		/*
		 * Edge-triggered: one wakeup, one full drain.  Level-triggered,
		 * epoll_wait returns at once while any record is in the ring, so
		 * after a producer's wakeup we would spin on tiny batches (and a
		 * write() each) as long as records keep coming.
		 */
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u32 = 2;
		epoll_ctl(L.epfd, EPOLL_CTL_ADD, rh_drain_epoll_fd(L.drain), &ev);
		ev.events = EPOLLIN;
	}

	grt_rt_run_kind(L.rt, GRT_UP_BEGIN);
	grt_rt_flush(L.rt);
	if (!grt_rt_exit_requested(L.rt)) {
		r = hub_guest_attach(L.g, err, sizeof(err));
		if (r) {
			fprintf(stderr, "tap: %s\n", err);
			goto out_end;
		}
		r = setup_timers(&L);
		if (r) {
			fprintf(stderr, "tap: cannot set up timers: %s\n", strerror(-r));
			goto out_end;
		}
		if (release_fd >= 0) {
			(void)!write(release_fd, "g", 1);
			close(release_fd);
			release_fd = -1;
		}
		loop(&L);
	}
	hub_guest_detach(L.g);
	/* what the probes wrote before the detach is still in the rings */
	drain_all(&L);
	status = 0;
out_end:
	grt_rt_run_kind(L.rt, GRT_UP_END);
	grt_rt_autoprint(L.rt);
	grt_rt_flush(L.rt);
	drain_all(&L);
	grt_rt_flush(L.rt);
	mark_drops(&L, true);
	report_losses(&L);
	if (grt_rt_errors(L.rt) || hub_guest_skipped(L.g)) {
		char line[128];
		int n = snprintf(line, sizeof(line),
				 "WARNING: Number of errors: %lld, skipped probes: %llu\n",
				 (long long)grt_rt_errors(L.rt),
				 (unsigned long long)hub_guest_skipped(L.g));

		write_all(&L, 2, line, (size_t)n);
		if (grt_rt_errors(L.rt))
			status = 1;
	}
out:
	if (release_fd >= 0)
		close(release_fd); /* the child sees EOF and exits */
	if (L.child > 0 && !L.child_done) {
		kill(L.child, SIGTERM);
		waitpid(L.child, NULL, 0);
	}
	for (c = 0; c < L.ntimers; c++)
		close(L.timers[c].fd);
	rh_drain_free(L.drain);
	grt_rt_free(L.rt);
	hub_guest_close(L.g);
	if (L.epfd >= 0)
		close(L.epfd);
	if (L.sigfd >= 0)
		close(L.sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
