// SPDX-License-Identifier: MIT
/*
 * The embedded session: `tap script.stp` without a hub.  tap loads the
 * guest itself, runs its begin probes, attaches the kernel probes and then
 * loops on one epoll set:
 *
 *   the rings   records -> text, through the record consumer
 *               (guest-runtime/record.c) and the guest's live runtime
 *   timers      one timerfd per timer.* probe (user context, here)
 *   signals     SIGINT/SIGTERM end the session, SIGCHLD ends a -c session
 *   a tick      drains the rings: producers wake us only when a ring is
 *               a quarter full, to keep wakeups off the probe's path, so
 *               we come back on our own, paced to the rate (see
 *               rh_drain_next_tick_ms), at most poll_ms apart
 *
 *   stdin       with input probes (input.char, input.line): what tap reads
 *               runs them, as stap's runner feeds them
 *   -T          a timerfd that ends the session as exit() would
 *
 * At the end: detach, drain what is left, end probes, the automatic
 * printing of unread globals, then (-t) the probe hit report, the loss
 * and error reports, as stap prints them.
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
#include <termios.h>
#include <bpf/bpf.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/stat.h"

#define MAX_TIMERS 64
/* Bytes of stdin read at once for input probes. */
#define INPUT_CHUNK 4096

/* epoll ids: the rings, signals, stdin, -T; timers from EV_TIMER0 */
enum {
	EV_SIGNAL = 1,
	EV_RINGS = 2,
	EV_STDIN = 3,
	EV_TIMEOUT = 4,
	EV_TIMER0 = 1000,
};

struct timer {
	int fd;
	int probe; /* index into desc->probes */
	int64_t period_ns, jitter_ns;
};

struct local {
	const struct hub_local_opts *o;
	struct hub_guest *g;
	struct grt_rt *rt;
	/* the record consumer's context (the live runtime, which batches) and its spill */
	struct grt_record_ctx rec;
	struct grt_out text;
	struct rh_host *host; /* the rings, drained here (NULL: no kernel part) */
	struct rh_mark_ring *mark; /* the target's no-trap markers write here (NULL: none) */
	bool mark_busy;            /* the last drain found marker records: come back soon */
	uint64_t *mark_hits;       /* records the markers wrote, per format (tap -t) */
	struct timer timers[MAX_TIMERS];
	int ntimers;
	int epfd, sigfd;
	pid_t child;
	bool child_done;
	int child_status;
	int exec_fd;        /* the -c child's exec error (an errno), EOF when it ran */
	uint64_t out_lost; /* bytes the output could not take */
	bool out_failed;
	uint64_t seed;
	bool binary;        /* the sink writes a binary trace */
	uint64_t marked_drops[TH_MAX_CLASSES]; /* ring drops already in the trace */
	uint64_t marked_mark_drops;             /* ... the marker ring's */
	int64_t drops_ns;   /* when the counters were last read */
	int timeout_fd;     /* -T */
	bool input;         /* stdin feeds input probes */
	bool input_polled;  /* stdin cannot be in epoll (a file): read it every turn */
	bool tty_saved;     /* the terminal's mode is ours until the end */
	struct termios tty;
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
				if (k > 0 && fd != L->o->msg_fd)
					(void)!write(L->o->msg_fd, m, (size_t)k);
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

	/* -w, as staprun -w: the runtime's warnings are not shown */
	if (stream == GRT_MSG && L->o->no_warnings && len >= 9 && !memcmp(data, "WARNING: ", 9))
		return;

	if (stream != GRT_MSG && L->o->sink)
		hub_sink_text(L->o->sink, data, len); /* counts its own losses */
	else
		write_all(L, stream == GRT_MSG ? L->o->msg_fd : L->o->out_fd, data, len);
}

static int put_record(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct local *L = arg;
	const struct th_rec *r = rec;

	if (L->binary) {
		enum hub_sink_take take = hub_sink_take(hub_guest_meta(L->g), r->fmt);

		if (take != HUB_SINK_TEXT)
			hub_sink_record(L->o->sink, rec, len);
		if (take == HUB_SINK_RAW)
			return 0;
	}
	/* only a loss marker shows its class (tap's own output is never JSON) */
	if (r->fmt < TH_FMT_FIRST) {
		const struct grt_meta *m = hub_guest_meta(L->g);

		L->rec.cls = cls >= 0 && cls < m->nclasses ? m->classes[cls] : "default";
	}
	grt_record_consume(&L->rec, rec, len, &L->text);
	/* the runtime writes to our outputs itself; the kinds it does not format come back here */
	if (L->text.out.len || L->text.msg.len) {
		if (L->text.out.len)
			sink(L, GRT_OUT, L->text.out.data, L->text.out.len);
		if (L->text.msg.len)
			sink(L, GRT_MSG, L->text.msg.data, L->text.msg.len);
		grt_out_reset(&L->text);
	}
	return 0;
}

/*
 * A record of the kernel rings.  The marker ring's records of an earlier
 * time go first: the two streams come out as one, in time order (both
 * are stamped with CLOCK_MONOTONIC).
 */
/* A record a marker wrote itself: counted for -t (no eBPF program ran for it). */
static int put_mark_record(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct local *L = arg;
	int f = ((const struct th_rec *)rec)->fmt - TH_FMT_FIRST;

	if (L->mark_hits && f >= 0 && f < hub_guest_meta(L->g)->nfmts)
		L->mark_hits[f]++;
	return put_record(arg, cls, rec, len, ring_end);
}

static int on_record(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct local *L = arg;

	if (L->mark && len >= sizeof(struct th_rec))
		rh_mark_ring_consume_until(L->mark, ((const struct th_rec *)rec)->ts,
					   put_mark_record, L);
	return put_record(arg, cls, rec, len, ring_end);
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
	/* the marker ring's: its lanes do not tell classes apart, the guest's first */
	if (L->mark && rh_mark_ring_lost(L->mark) > L->marked_mark_drops) {
		hub_sink_lost(L->o->sink, 0, rh_mark_ring_lost(L->mark) - L->marked_mark_drops, 0);
		L->marked_mark_drops = rh_mark_ring_lost(L->mark);
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
		ev.data.u32 = EV_TIMER0 + (uint32_t)L->ntimers;
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
	if (L->host)
		rh_host_drain(L->host);
	if (L->mark)
		L->mark_busy = rh_mark_ring_consume(L->mark, put_mark_record, L) > 0;
	if (L->o->sink)
		hub_sink_flush(L->o->sink);
}

/*
 * The guest's rings: a relay host of its own, without stores (its records
 * go to on_record) and drained by this loop, one ring per class of the
 * -s size.  A guest without a kernel part has none.
 */
static int open_rings(struct local *L, int *ring_fds, char *err, size_t errlen)
{
	struct rh_class_spec cs[TH_MAX_CLASSES];
	struct rh_host_opts ho = {
		.name = "tap",
		.on_record = on_record,
		.arg = L,
		.classes = cs,
		.caller_drains = true,
		.notify_fd = -1,
	};
	struct grt_meta *m;
	char path[4096];
	int c, r;

	snprintf(path, sizeof(path), "%s/guest.meta", L->o->dir);
	/* hub_guest_open loads it again, and says what is wrong with it */
	if (grt_meta_load(path, &m, err, errlen))
		return 0;
	if (!m->has_bpf || m->nclasses < 1 || m->nclasses > TH_MAX_CLASSES) {
		grt_meta_free(m);
		return 0;
	}
	memset(cs, 0, sizeof(cs));
	for (c = 0; c < m->nclasses; c++) {
		snprintf(cs[c].name, sizeof(cs[c].name), "%s", m->classes[c]);
		cs[c].ring_size = L->o->ring_bytes ? L->o->ring_bytes : HUB_BUF_DEFAULT;
	}
	ho.nclasses = m->nclasses;
	grt_meta_free(m);
	r = rh_host_create(&ho, &L->host, err, errlen);
	if (r)
		return r;
	for (c = 0; c < ho.nclasses; c++)
		ring_fds[c] = rh_host_ring_fd(L->host, c);
	return 0;
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

/* One read of stdin into the input probes; at its end they stop. */
static void read_input(struct local *L)
{
	char buf[INPUT_CHUNK];
	ssize_t n = read(0, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		grt_rt_input(L->rt, buf, (size_t)n);
		grt_rt_flush(L->rt);
		return;
	}
	/* end of input (or an error reading it): stap stops reading, the session goes on */
	grt_rt_input(L->rt, NULL, 0);
	if (!L->input_polled)
		epoll_ctl(L->epfd, EPOLL_CTL_DEL, 0, NULL);
	L->input_polled = false;
	L->input = false;
}

/*
 * Input probes read tap's stdin.  A terminal goes to non-canonical mode
 * without echo, as stap's runner sets it, so each key is a byte at once;
 * a file, which epoll refuses, is read a chunk per turn of the loop.
 */
static int setup_input(struct local *L)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_STDIN };

	L->input = true;
	if (isatty(0) && tcgetattr(0, &L->tty) == 0) {
		struct termios raw = L->tty;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(0, TCSANOW, &raw) == 0)
			L->tty_saved = true;
	}
	if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, 0, &ev) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	L->input_polled = true;
	return 0;
}

/* -T: a one-shot timer that ends the session. */
static int setup_timeout(struct local *L)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_TIMEOUT };
	struct itimerspec its = { 0 };

	L->timeout_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (L->timeout_fd < 0)
		return -errno;
	its.it_value.tv_sec = L->o->timeout_ms / 1000;
	its.it_value.tv_nsec = (L->o->timeout_ms % 1000) * 1000000;
	if (timerfd_settime(L->timeout_fd, 0, &its, NULL) ||
	    epoll_ctl(L->epfd, EPOLL_CTL_ADD, L->timeout_fd, &ev))
		return -errno;
	return 0;
}

static void loop(struct local *L)
{
	struct epoll_event evs[16];
	int poll_ms = L->o->poll_ms > 0 ? L->o->poll_ms : 100, tick_ms = poll_ms;
	bool stop = false;

	if (L->host)
		rh_host_next_tick_ms(L->host, MIN_TICK_MS, poll_ms); /* starts the clock */
	while (!stop && !grt_rt_exit_requested(L->rt)) {
		/* a file on stdin is always ready: read it between the other events */
		int n = epoll_wait(L->epfd, evs, 16, L->input_polled ? 0 : tick_ms), i;

		if (n < 0 && errno != EINTR)
			break;
		/* records first: a timer's report covers what came before it */
		drain_all(L);
		if (L->host)
			tick_ms = rh_host_next_tick_ms(L->host, MIN_TICK_MS, poll_ms);
		/* a marker ring wakes nobody: while records come, drain it each tick */
		if (L->mark_busy)
			tick_ms = MIN_TICK_MS;
		mark_drops(L, false);
		if (L->input_polled)
			read_input(L);
		for (i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;

			if (id == EV_SIGNAL) {
				on_signal(L, &stop);
			} else if (id == EV_TIMEOUT) {
				/* -T: the time is up; the session ends as exit() ends it */
				stop = true;
			} else if (id == EV_STDIN) {
				read_input(L);
			} else if (id >= EV_TIMER0 && id < EV_TIMER0 + (uint32_t)L->ntimers) {
				struct timer *t = &L->timers[id - EV_TIMER0];
				uint64_t exp;

				if (read(t->fd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				if (t->jitter_ns)
					arm_timer(L, t);
				grt_rt_run_timer(L->rt, t->probe, exp);
				grt_rt_flush(L->rt);
			}
		}
		grt_rt_flush(L->rt);
	}
}

/*
 * The child's own system calls before it waits for the go (restoring its
 * signal mask, closing the pipes' other ends) are the forked tap's, not
 * the command's: made after the probes attach, a script filtering on
 * target() saw them under the name "tap" (a loaded machine schedules the
 * child late).  So wait, at most a second, until the child sleeps in its
 * read of the go pipe (/proc/PID/syscall: "NR FD ..." names the call it
 * is blocked in).
 * What remains is inherent, as with stap: the return of that read and the
 * execve call.
 */
static void wait_child_parked(pid_t pid)
{
	char path[64], buf[128], want[24];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	snprintf(want, sizeof(want), "%ld ", (long)SYS_read);
	for (i = 0; i < 2000; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return; /* no such file here: nothing to wait on */
		buf[n] = 0;
		if (!strncmp(buf, want, strlen(want))) /* blocked in read */
			return;
		usleep(500);
	}
}

/*
 * The -c command: forked now, held until the guest is loaded, so target()
 * is right.  A command that cannot be run is an error of the session, not
 * the command's own exit status: the child sends execvp's errno through a
 * close-on-exec pipe, which a successful exec closes with nothing in it.
 */
static int start_child(struct local *L, int *release_fd)
{
	int p[2], e[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	if (pipe2(e, O_CLOEXEC)) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		close(e[0]);
		close(e[1]);
		return r;
	}
	if (pid == 0) {
		char c;
		int err;
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(p[1]);
		close(e[0]);
		/* wait for the go (or EOF when tap gave up) */
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		if (c == 'n') {
			/* input probes read tap's stdin: the command gets none, as with stap */
			int null = open("/dev/null", O_RDONLY);

			if (null < 0 || dup2(null, 0) < 0)
				_exit(127);
			if (null > 0)
				close(null);
		}
		execvp(L->o->cmd[0], L->o->cmd);
		err = errno;
		(void)!write(e[1], &err, sizeof(err));
		_exit(127);
	}
	close(p[0]);
	close(e[1]);
	L->child = pid;
	L->exec_fd = e[0];
	*release_fd = p[1];
	wait_child_parked(pid);
	return 0;
}

/* After the child ended: did its exec fail?  Then say why; returns true. */
static bool child_exec_failed(struct local *L)
{
	int err = 0;

	if (L->exec_fd < 0 || !L->child_done || read(L->exec_fd, &err, sizeof(err)) != sizeof(err))
		return false;
	hub_print("-c: cannot run '%s': %s", L->o->cmd[0], strerror(err));
	return true;
}

/* A kernel probe's run times, summed over the CPUs' slots of th_timing. */
static int kernel_timing(struct local *L, int fd, int slot, struct th_probe_timing *ret)
{
	int ncpus = hub_guest_ncpus(L->g), c;
	/* per-CPU values come rounded up to 8 bytes each */
	size_t vsz = (sizeof(*ret) + 7) & ~(size_t)7;
	char *buf = calloc((size_t)ncpus, vsz);
	__u32 key = (__u32)slot;

	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		free(buf);
		return -errno;
	}
	memset(ret, 0, sizeof(*ret));
	for (c = 0; c < ncpus; c++) {
		struct th_probe_timing t;

		memcpy(&t, buf + (size_t)c * vsz, sizeof(t));
		th_probe_timing_merge(ret, &t);
	}
	free(buf);
	return 0;
}

/*
 * tap -t: stap's probe hit report, one line per probe that ran: its point,
 * its script probe's place, runs, min/avg/max and variance of the run
 * time in ns, where it came from, its index.  stap prints it to its output
 * only when stdout is a terminal; tap prints it on stderr, always, so the
 * output proper stays what stap prints.
 */
/* Records the marker of kernel probe slot wrote itself (its program th_pSLOT did not run). */
static uint64_t marker_hits(struct local *L, int slot)
{
	const struct grt_meta *m = hub_guest_meta(L->g);
	char name[32];
	int i;

	snprintf(name, sizeof(name), "th_p%d", slot);
	for (i = 0; L->mark_hits && i < m->nprogs; i++)
		if (m->progs[i].mark_fmt && !strcmp(m->progs[i].name, name))
			return L->mark_hits[m->progs[i].mark_fmt - TH_FMT_FIRST];
	return 0;
}

static void report_timing(struct local *L)
{
	const struct grt_meta *m = hub_guest_meta(L->g);
	int fd = hub_guest_timing_fd(L->g), i;
	char line[4096], served[96];
	uint64_t by_mark;
	int n;

	n = snprintf(line, sizeof(line), "----- probe hit report: \n");
	write_all(L, L->o->msg_fd, line, (size_t)n);
	for (i = 0; i < m->ntimings; i++) {
		const struct grt_meta_timing *mt = &m->timings[i];
		struct th_probe_timing t = { 0 };
		long double var = 0;

		if (mt->kernel ? fd < 0 || kernel_timing(L, fd, mt->slot, &t)
			       : grt_rt_probe_timing(L->rt, mt->slot, &t))
			continue;
		by_mark = mt->kernel ? marker_hits(L, mt->slot) : 0;
		served[0] = 0;
		if (by_mark)
			snprintf(served, sizeof(served), " (%llu written by the marker itself, not timed)",
				 (unsigned long long)by_mark);
		if (!t.count && by_mark) {
			n = snprintf(line, sizeof(line), "%s, (%s), hits: %llu%s,%s, index: %d\n", mt->pp,
				     mt->where, (unsigned long long)by_mark, served, mt->from, i);
			if (n > 0)
				write_all(L, L->o->msg_fd, line,
					  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
			continue;
		}
		if (!t.count)
			continue;
		/* the sample variance, as stap's Welford sums give it */
		if (t.count > 1)
			var = ((long double)t.sumsq -
			       (long double)t.sum * (long double)t.sum / (long double)t.count) /
			      (long double)(t.count - 1);
		n = snprintf(line, sizeof(line),
			     "%s, (%s), hits: %llu%s, nsecs: %llumin/%lluavg/%llumax, variance: %lld,%s, "
			     "index: %d\n",
			     mt->pp, mt->where, (unsigned long long)(t.count + by_mark), served,
			     (unsigned long long)t.min, (unsigned long long)(t.sum / t.count),
			     (unsigned long long)t.max, (long long)(var > 0 ? var : 0), mt->from, i);
		if (n > 0)
			write_all(L, L->o->msg_fd, line,
				  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
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
	if (L->mark)
		lost += rh_mark_ring_lost(L->mark); /* full lanes of the marked process */
	if (lost) {
		n = snprintf(line, sizeof(line), "WARNING: %llu records lost\n",
			     (unsigned long long)lost);
		write_all(L, L->o->msg_fd, line, (size_t)n);
	}
	if (L->out_lost) {
		n = snprintf(line, sizeof(line), "WARNING: %llu bytes of output lost\n",
			     (unsigned long long)L->out_lost);
		write_all(L, L->o->msg_fd, line, (size_t)n);
	}
	if (L->o->sink && hub_sink_lost_writes(L->o->sink)) {
		n = snprintf(line, sizeof(line),
			     "WARNING: %llu %s of output lost: the output file could not be written\n",
			     (unsigned long long)hub_sink_lost_writes(L->o->sink),
			     L->binary ? "records" : "lines");
		write_all(L, L->o->msg_fd, line, (size_t)n);
	}
}

int hub_run_local(const struct hub_local_opts *o)
{
	struct local L = { .o = o, .epfd = -1, .sigfd = -1, .child = -1, .exec_fd = -1,
			   .timeout_fd = -1 };
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
	int ring_fds[TH_MAX_CLASSES];
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
			hub_print("cannot start '%s': %s", o->cmd[0], strerror(-r));
			goto out;
		}
		go.target_pid = L.child;
		go.target_held = true;
	}
	r = open_rings(&L, ring_fds, err, sizeof(err));
	if (r) {
		hub_print("%s", err);
		goto out;
	}
	go.ring_fds = L.host ? ring_fds : NULL;
	r = hub_guest_open(&go, &L.g, err, sizeof(err));
	if (r) {
		hub_print("%s", err);
		goto out;
	}
	if (o->on_loaded)
		o->on_loaded(L.g, o->on_loaded_arg);
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
			hub_print("cannot read %s", path);
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
	ro.timing = o->timing;
	ro.write = sink;
	ro.act = act;
	ro.user_symbols = true;
	ro.arg = &L;
	r = grt_rt_new(&ro, &L.rt);
	if (r) {
		hub_print("cannot set up the runtime: %s", strerror(-r));
		goto out;
	}
	/* the live runtime batches its output: the loop flushes it once a drain */
	L.rec.rt = L.rt;
	L.rec.batch = true;
	L.rec.cls = "default";
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	L.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (L.epfd < 0 || L.sigfd < 0) {
		hub_print("%s", strerror(errno));
		goto out;
	}
	ev.data.u32 = EV_SIGNAL;
	epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.sigfd, &ev);
	if (L.host) {
		/*
		 * Edge-triggered: one wakeup, one full drain.  Level-triggered,
		 * epoll_wait returns at once while any record is in the ring, so
		 * after a producer's wakeup we would spin on tiny batches (and a
		 * write() each) as long as records keep coming.
		 */
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u32 = EV_RINGS;
		epoll_ctl(L.epfd, EPOLL_CTL_ADD, rh_host_wait_fd(L.host), &ev);
		ev.events = EPOLLIN;
	}

	grt_rt_run_kind(L.rt, GRT_UP_BEGIN);
	grt_rt_flush(L.rt);
	if (!grt_rt_exit_requested(L.rt)) {
		/* before the attach raises the markers' semaphores */
		r = hub_mark_open(hub_guest_meta(L.g), (pid_t)go.target_pid, go.guest_id,
				  o->ring_bytes, NULL, &L.mark, err, sizeof(err));
		if (r) {
			hub_print("%s", err);
			goto out_end;
		}
		/* a dead session's ring was there: its records are in the losses now */
		r = (int)hub_mark_stale_note(L.mark, (pid_t)go.target_pid, err, sizeof(err) - 1);
		if (r) {
			err[r++] = '\n';
			write_all(&L, o->msg_fd, err, (size_t)r);
		}
		if (L.mark && o->timing)
			L.mark_hits = calloc((size_t)hub_guest_meta(L.g)->nfmts + 1,
					     sizeof(*L.mark_hits));
		r = hub_guest_attach(L.g, err, sizeof(err));
		if (r) {
			hub_print("%s", err);
			goto out_end;
		}
		r = setup_timers(&L);
		if (r) {
			hub_print("cannot set up timers: %s", strerror(-r));
			goto out_end;
		}
		if (o->timeout_ms > 0) {
			r = setup_timeout(&L);
			if (r) {
				hub_print("cannot set up -T: %s", strerror(-r));
				goto out_end;
			}
		}
		if (grt_rt_has_input(L.rt)) {
			r = setup_input(&L);
			if (r) {
				hub_print("cannot read stdin for input probes: %s",
					strerror(-r));
				goto out_end;
			}
		}
		if (release_fd >= 0) {
			/* go; 'n': go with stdin from /dev/null */
			(void)!write(release_fd, L.input ? "n" : "g", 1);
			close(release_fd);
			release_fd = -1;
		}
		loop(&L);
	}
	hub_guest_detach(L.g);
	/* the markers stop writing: what they wrote before is in the ring */
	rh_mark_ring_end(L.mark);
	/* what the probes wrote before the detach is still in the rings */
	drain_all(&L);
	status = child_exec_failed(&L) ? 1 : 0;
out_end:
	if (L.tty_saved)
		tcsetattr(0, TCSANOW, &L.tty);
	L.tty_saved = false;
	grt_rt_run_kind(L.rt, GRT_UP_END);
	grt_rt_autoprint(L.rt);
	grt_rt_flush(L.rt);
	drain_all(&L);
	grt_rt_flush(L.rt);
	mark_drops(&L, true);
	if (o->timing)
		report_timing(&L);
	report_losses(&L);
	if ((grt_rt_errors(L.rt) || hub_guest_skipped(L.g)) && !o->no_warnings) {
		char line[128];
		int n = snprintf(line, sizeof(line),
				 "WARNING: Number of errors: %lld, skipped probes: %llu\n",
				 (long long)grt_rt_errors(L.rt),
				 (unsigned long long)hub_guest_skipped(L.g));

		write_all(&L, o->msg_fd, line, (size_t)n);
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
	if (L.exec_fd >= 0)
		close(L.exec_fd);
	if (L.tty_saved)
		tcsetattr(0, TCSANOW, &L.tty);
	if (L.timeout_fd >= 0)
		close(L.timeout_fd);
	for (c = 0; c < L.ntimers; c++)
		close(L.timers[c].fd);
	grt_rt_free(L.rt);
	grt_out_free(&L.text);
	hub_guest_close(L.g);
	rh_mark_ring_close(L.mark);
	free(L.mark_hits);
	rh_host_put(L.host);
	if (L.epfd >= 0)
		close(L.epfd);
	if (L.sigfd >= 0)
		close(L.sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
