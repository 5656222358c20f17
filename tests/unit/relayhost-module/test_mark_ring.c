// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/mark_ring.c with the writer of
 * include/taphub/marker.h, in one process (the ring is made for our own
 * pid, at its real path, and mapped twice: as the session and as the
 * marked process):
 *
 * - a record written through a site comes out whole: format, class and
 *   guest from the table, its long and string arguments, a string longer
 *   than strmax truncated and flagged;
 * - a site whose marker the table does not enable takes the SDT site;
 * - records of many sizes through a small lane wrap (pad records) and
 *   come out in order, every one, none lost;
 * - a lane the consumer does not drain drops what does not fit and counts
 *   each dropped record exactly;
 * - four writer threads and a consumer: every record exactly once,
 *   written + lost = hits; with one lane each thread's in its order (with
 *   several, a thread that moves to another CPU's lane may be merged out
 *   of its order: the merge goes by the time taken after the reserve);
 * - once the session ends the ring, sites stop writing into it;
 * - a ring left by a session that died is ignored by the process and
 *   replaced by the next session; a live one is not;
 * - a dead session's ring with records it had not consumed: the next
 *   session counts exactly those and the lane's drops as lost, ends the
 *   old ring (the process comes to the new one) and removes it;
 * - the same ring pinned by a hub's host (mark_pin.c): kept, not lost; the
 *   pin holds exactly the records not consumed after the well-known name
 *   goes; a ring its session closes takes its pin with it;
 * - whatever else is at the ring's path (garbage, a truncated ring, sizes
 *   out of bounds, a lane whose positions or records make no sense, a
 *   record never committed, a FIFO, a link, a directory, another user's
 *   file, a ring of another process) is never trusted: counted only as
 *   far as it is sane, or removed unread, or refused; never a crash or a
 *   hang.
 *
 * Not under ThreadSanitizer: writer and consumer map the file at two
 * addresses, as two processes do, and TSan ties an atomic's ordering to
 * its address, so it sees no ordering between them at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "relayhost-module/rh.h"
#include "taphub/marker.h"

#define FMT TH_FMT_FIRST
#define CLS 3
#define GUEST 7

static struct rh_mark_ring *ring;

static struct th_mark_site site_a = {.provider = "tprov", .name = "a", .types = "ls"};
static struct th_mark_site site_other = {.provider = "tprov", .name = "other"};

struct got {
	uint64_t n;
	int64_t last[8]; /* per writer thread: the last number seen */
	uint8_t *seen;	 /* lanes > 1: a bit per record instead (see below) */
	bool bad;
	char str[128];
	int64_t v;
	uint8_t flags, cls;
	uint32_t guest;
	uint16_t fmt;
	uint64_t ts;
};

/* A ring for our pid, over what a dead session may have left there. */
static int make_ring_keep(uint32_t nlanes, uint64_t lane_size, uint32_t strmax)
{
	struct rh_mark_ring_opts o = {
	    .pid = getpid(),
	    .uid = geteuid(),
	    .gid = getegid(),
	    .nlanes = nlanes,
	    .lane_size = lane_size,
	    .guest = GUEST,
	    .strmax = strmax,
	};

	/* a site looks for a ring at most every TH_MARK_LOOK_NS: look now */
	th_mark_proc_state.next_look_ns = 0;
	return rh_mark_ring_create(&o, &ring);
}

/* A new ring for our pid. */
static int make_ring(uint32_t nlanes, uint64_t lane_size, uint32_t strmax)
{
	char path[128];

	rh_mark_ring_path(getpid(), path, sizeof(path));
	unlink(path); /* a run killed before its teardown */
	return make_ring_keep(nlanes, lane_size, strmax);
}

static int teardown(void **state)
{
	(void)state;
	rh_mark_ring_close(ring);
	ring = NULL;
	return 0;
}

/* A record of site_a: (long v, string s). */
static int on_a(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct got *g = arg;
	const struct th_rec *r = rec;
	const uint8_t *p = (const uint8_t *)(r + 1);
	uint16_t sl;

	(void)ring_end;
	if (len != r->size || len < sizeof(*r) + 10 || cls != r->cls) {
		g->bad = true;
		return 0;
	}
	memcpy(&g->v, p, 8);
	memcpy(&sl, p + 8, 2);
	if (sl >= sizeof(g->str) || sizeof(*r) + 10 + sl > len) {
		g->bad = true;
		return 0;
	}
	memcpy(g->str, p + 10, sl);
	g->str[sl] = 0;
	g->flags = r->flags;
	g->cls = r->cls;
	g->guest = r->guest;
	g->fmt = r->fmt;
	g->ts = r->ts;
	g->n++;
	return 0;
}

static int hit_a(long v, const char *s)
{
	struct th_mark_arg a[2] = {th_mark_arg_l(v), th_mark_arg_s(s)};

	return th_mark_hit(&site_a, a, 2);
}

static void record_comes_out_whole(void **state)
{
	struct got g = {0};

	(void)state;
	assert_int_equal(make_ring(1, 4096, 10), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	assert_int_equal(hit_a(-42, "hello"), 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
	assert_false(g.bad);
	assert_int_equal(g.v, -42);
	assert_string_equal(g.str, "hello");
	assert_int_equal(g.fmt, FMT);
	assert_int_equal(g.cls, CLS);
	assert_int_equal(g.guest, GUEST);
	assert_int_equal(g.flags, 0);
	/* longer than strmax (10): cut and flagged */
	assert_int_equal(hit_a(1, "0123456789abcdef"), 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
	assert_string_equal(g.str, "0123456789");
	assert_int_equal(g.flags, TH_RECF_TRUNC);
	/* not in the table: the SDT site's turn */
	assert_int_equal(th_mark_hit(&site_other, NULL, 0), 0);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 0);
	assert_int_equal(rh_mark_ring_lost(ring), 0);
}

struct seq {
	uint64_t n, next;
	bool bad;
};

/* records carry v = their number: they come in order, every one */
static int on_seq(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct seq *s = arg;
	int64_t v;

	(void)cls;
	(void)len;
	(void)ring_end;
	memcpy(&v, (const uint8_t *)rec + sizeof(struct th_rec), 8);
	if ((uint64_t)v != s->next)
		s->bad = true;
	s->next = (uint64_t)v + 1;
	s->n++;
	return 0;
}

static void lanes_wrap_in_order(void **state)
{
	struct seq s = {0};
	char str[600];
	uint64_t i;

	(void)state;
	assert_int_equal(make_ring(1, 4096, 1000), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	memset(str, 'x', sizeof(str) - 1);
	str[sizeof(str) - 1] = 0;
	for (i = 0; i < 5000; i++) {
		/* sizes from 48 to ~640 bytes: records end everywhere in the lane */
		str[(i * 37) % (sizeof(str) - 1)] = 0;
		assert_int_equal(hit_a((long)i, str), 1);
		str[(i * 37) % (sizeof(str) - 1)] = 'x';
		if (i % 3 == 2)
			assert_true(rh_mark_ring_consume(ring, on_seq, &s) >= 1);
	}
	assert_true(rh_mark_ring_consume(ring, on_seq, &s) >= 0);
	assert_false(s.bad);
	assert_int_equal(s.n, 5000);
	assert_int_equal(rh_mark_ring_lost(ring), 0);
}

static void full_lane_counts_each_drop(void **state)
{
	struct seq s = {0};
	uint64_t i, hits = 1000;

	(void)state;
	assert_int_equal(make_ring(1, 4096, 100), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	for (i = 0; i < hits; i++)
		assert_int_equal(hit_a((long)i, "s"), 1);
	/* a record is 32 + 8 + 2 + 1 -> 48 bytes: 4096 / 48 = 85 fit */
	assert_int_equal(rh_mark_ring_consume(ring, on_seq, &s), 85);
	assert_false(s.bad);
	assert_int_equal(rh_mark_ring_lost(ring), hits - 85);
	/* room again */
	assert_int_equal(hit_a(85, "s"), 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_seq, &s), 1);
	assert_false(s.bad);
}

#define THREADS 4
#define PER_THREAD 200000

static atomic_bool writers_done;
static atomic_int sdt_hits; /* hits that went to the SDT site: none expected */

static void *writer(void *arg)
{
	long t = (long)(intptr_t)arg, i;
	char name[8] = {'t', (char)('0' + t), 0};

	for (i = 0; i < PER_THREAD; i++)
		if (hit_a(i, name) != 1)
			atomic_fetch_add(&sdt_hits, 1);
	return NULL;
}

static int on_thread(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct got *g = arg;
	const uint8_t *p = (const uint8_t *)rec + sizeof(struct th_rec);
	int64_t v;
	int t;

	(void)cls;
	(void)len;
	(void)ring_end;
	memcpy(&v, p, 8);
	t = p[11] - '0';
	if (t < 0 || t >= THREADS || v < 0 || v >= PER_THREAD) {
		g->bad = true;
		return 0;
	}
	if (g->seen) {
		uint64_t b = (uint64_t)t * PER_THREAD + (uint64_t)v;

		if (g->seen[b / 8] & (1u << (b % 8)))
			g->bad = true;
		g->seen[b / 8] |= (uint8_t)(1u << (b % 8));
	} else if (v <= g->last[t]) {
		g->bad = true;
	}
	g->last[t] = v;
	g->n++;
	return 0;
}

static void threads_each_once_in_order(void **state)
{
	pthread_t th[THREADS];
	struct got g = {0};
	uint64_t lost;
	long t;
	int n;

	(void)state;
	/* two lanes: threads share lanes (several writers per lane) whatever CPU they run on */
	assert_int_equal(make_ring(2, 1 << 16, 100), 0);
	g.seen = calloc(1, THREADS * PER_THREAD / 8 + 1);
	assert_non_null(g.seen);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	for (t = 0; t < THREADS; t++)
		g.last[t] = -1;
	/* the site finds the ring first: meanwhile another thread's hit would take the SDT site */
	assert_int_equal(th_mark_setup(&site_a), 1);
	atomic_store(&writers_done, false);
	for (t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t), 0);
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	do
		n = rh_mark_ring_consume(ring, on_thread, &g);
	while (n > 0);
	assert_int_equal(n, 0);
	assert_false(g.bad);
	lost = rh_mark_ring_lost(ring);
	assert_int_equal(atomic_load(&sdt_hits), 0);
	assert_int_equal(g.n + lost, (uint64_t)THREADS * PER_THREAD);
	assert_true(g.n > 0);
	free(g.seen);
}

/* the same with the consumer running while they write: nothing lost or torn */
static void *consumer(void *arg)
{
	struct got *g = arg;

	while (!atomic_load(&writers_done))
		if (rh_mark_ring_consume(ring, on_thread, g) < 0)
			g->bad = true;
	return NULL;
}

static void threads_with_live_consumer(void **state)
{
	pthread_t th[THREADS], c;
	struct got g = {0};
	long t;

	(void)state;
	assert_int_equal(make_ring(1, 1 << 20, 100), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	for (t = 0; t < THREADS; t++)
		g.last[t] = -1;
	assert_int_equal(th_mark_setup(&site_a), 1);
	atomic_store(&writers_done, false);
	assert_int_equal(pthread_create(&c, NULL, consumer, &g), 0);
	for (t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t), 0);
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	atomic_store(&writers_done, true);
	pthread_join(c, NULL);
	while (rh_mark_ring_consume(ring, on_thread, &g) > 0)
		;
	assert_false(g.bad);
	assert_int_equal(atomic_load(&sdt_hits), 0);
	assert_int_equal(g.n + rh_mark_ring_lost(ring), (uint64_t)THREADS * PER_THREAD);
}

static void ended_ring_takes_nothing(void **state)
{
	struct got g = {0};

	(void)state;
	assert_int_equal(make_ring(1, 4096, 100), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	assert_int_equal(hit_a(1, "x"), 1);
	rh_mark_ring_end(ring);
	/* the session ended: the site goes back to the SDT site */
	assert_int_equal(hit_a(2, "x"), 0);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
	assert_int_equal(g.v, 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 0);
}

static void dead_session_ring_ignored(void **state)
{
	struct got g = {0};
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(make_ring(1, 4096, 100), 0);
	rh_mark_ring_close(ring);
	ring = NULL;
	/* a session that dies with our ring: its file stays, its lock goes */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rh_mark_ring_opts o = {.pid = getppid(),
					      .uid = geteuid(),
					      .gid = getegid(),
					      .nlanes = 1,
					      .lane_size = 4096,
					      .strmax = 100};
		struct rh_mark_ring *r;

		_exit(rh_mark_ring_create(&o, &r) ||
		      rh_mark_ring_enable(r, "tprov", "a", FMT, CLS));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	th_mark_proc_state.next_look_ns = 0;
	assert_int_equal(hit_a(1, "x"), 0); /* nobody reads it: the SDT site */
	/* the next session replaces it */
	assert_int_equal(make_ring_keep(1, 4096, 100), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	th_mark_proc_state.next_look_ns = 0;
	assert_int_equal(hit_a(2, "y"), 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
	assert_int_equal(g.v, 2);
}

static void second_session_refused(void **state)
{
	struct rh_mark_ring_opts o = {.pid = getpid(), .nlanes = 1, .lane_size = 4096};
	struct rh_mark_ring *r2 = NULL;

	(void)state;
	o.uid = geteuid();
	o.gid = getegid();
	assert_int_equal(make_ring(1, 4096, 100), 0);
	assert_int_equal(rh_mark_ring_create(&o, &r2), -EEXIST);
	o.nlanes = 0;
	assert_int_equal(rh_mark_ring_create(&o, &r2), -EINVAL);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", 3, CLS), -EINVAL);
}


/* ---- what a dead session leaves -------------------------------------------------------- */

static int on_any(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	(void)arg;
	(void)cls;
	(void)rec;
	(void)len;
	(void)ring_end;
	return 0;
}

struct child {
	pid_t pid;
	int up, down; /* its messages to us, ours to it */
};

/*
 * A session in a child process: makes our ring (with pin, when not NULL),
 * enables "a", consumes all there is each time we send it a byte, and
 * dies without closing anything (as kill -9 leaves it) when we close our
 * end.
 */
static void child_session(struct child *c, const char *pin)
{
	int up[2], down[2];
	char b = 0;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		struct rh_mark_ring_opts o = {.pid = getppid(),
					      .uid = geteuid(),
					      .gid = getegid(),
					      .nlanes = 1,
					      .lane_size = 4096,
					      .guest = GUEST,
					      .strmax = 100,
					      .pin = pin};
		struct rh_mark_ring *r;

		close(up[0]);
		close(down[1]);
		if (rh_mark_ring_create(&o, &r) || rh_mark_ring_enable(r, "tprov", "a", FMT, CLS) ||
		    (pin && !rh_mark_ring_pinned(r)))
			_exit(1);
		(void)!write(up[1], "r", 1);
		while (read(down[0], &b, 1) == 1) {
			while (rh_mark_ring_consume(r, on_any, NULL) > 0)
				;
			(void)!write(up[1], "c", 1);
		}
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	c->up = up[0];
	c->down = down[1];
	assert_int_equal(read(c->up, &b, 1), 1);
	assert_int_equal(b, 'r');
	th_mark_proc_state.next_look_ns = 0;
}

static void child_consume(struct child *c)
{
	char b = 0;

	assert_int_equal(write(c->down, "g", 1), 1);
	assert_int_equal(read(c->up, &b, 1), 1);
	assert_int_equal(b, 'c');
}

static void child_dies(struct child *c)
{
	int st;

	close(c->down);
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(c->up);
}

/*
 * A session (pinned at pin, when not NULL) that consumes the process's
 * first 4 records and dies with unread more in its ring; what the next
 * session finds.
 */
static const struct rh_mark_stale *after_dead_session(const char *pin, long unread)
{
	struct child c;
	char path[128];
	long i;

	rh_mark_ring_path(getpid(), path, sizeof(path));
	unlink(path);
	child_session(&c, pin);
	for (i = 0; i < 4; i++)
		assert_int_equal(hit_a(i, "s"), 1);
	child_consume(&c);
	for (i = 4; i < 4 + unread; i++)
		assert_int_equal(hit_a(i, "s"), 1);
	child_dies(&c);
	assert_int_equal(make_ring_keep(1, 4096, 100), 0);
	return rh_mark_ring_stale(ring);
}

static void dead_session_ring_counted(void **state)
{
	const struct rh_mark_stale *st;
	struct got g = {0};

	(void)state;
	/* 200 the session never consumes: 85 fit, 115 dropped */
	st = after_dead_session(NULL, 200);
	assert_int_equal(st->kind, RH_MARK_STALE_LOST);
	/* the tail at 192: 4096 - 192 bytes to the end hold 81, a pad, then 4 more at 0 */
	assert_int_equal(st->got.records, 85);
	assert_int_equal(st->got.dropped, 115);
	assert_int_equal(st->got.lanes_cut, 0);
	assert_int_equal(rh_mark_ring_stale_lost(ring), 200);
	assert_int_equal(rh_mark_ring_lost(ring), 200);
	/* ended: the process leaves the old ring at its next hit and takes ours */
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	assert_int_equal(hit_a(500, "n"), 1);
	assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
	assert_int_equal(g.v, 500);
	assert_int_equal(rh_mark_ring_lost(ring), 200);
}


struct kept {
	int n;
	int64_t next;
	int firsts;
	bool bad;
};

static int on_kept(void *arg, const struct th_rec *rec, size_t len, bool lane_first)
{
	struct kept *k = arg;
	int64_t v;

	if (len != rec->size || len < sizeof(*rec) + 8 || rec->fmt != FMT) {
		k->bad = true;
		return 0;
	}
	memcpy(&v, rec + 1, 8);
	k->bad |= v != k->next++;
	k->firsts += lane_first;
	k->n++;
	return 0;
}

static void pinned_dead_session_ring_kept(void **state)
{
	char tmp[] = "/tmp/markring.XXXXXX", host[128], pin[RH_PATH_MAX], path[128];
	const struct rh_mark_stale *st;
	struct rh_mark_peek got;
	struct kept k = {.next = 4};
	const char *why;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(host, sizeof(host), "%s/hosts", tmp);
	assert_int_equal(mkdir(host, 0700), 0);
	snprintf(host, sizeof(host), "%s/hosts/h1", tmp);
	assert_int_equal(mkdir(host, 0700), 0);
	assert_int_equal(rh_mark_pin_path(host, GUEST, true, pin, sizeof(pin)), 0);
	rh_mark_ring_path(getpid(), path, sizeof(path));

	st = after_dead_session(pin, 5);
	assert_int_equal(st->kind, RH_MARK_STALE_KEPT);
	assert_string_equal(st->pin, pin);
	assert_int_equal(st->got.records, 5);
	assert_int_equal(rh_mark_ring_lost(ring), 0);
	/* the pin holds them after the well-known name went: 4..8, in order */
	fd = open(pin, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(rh_mark_peek_fd(fd, &st->got.geom, on_kept, &k, &got, &why), 0);
	close(fd);
	assert_false(k.bad);
	assert_int_equal(k.n, 5);
	assert_int_equal(k.firsts, 1);
	/* the shape its session made, or nothing is read */
	got.geom.lane_size *= 2;
	fd = open(pin, O_RDONLY | O_CLOEXEC);
	assert_int_equal(rh_mark_peek_fd(fd, &got.geom, on_kept, &k, &got, &why), -EBADMSG);
	close(fd);

	/* a ring its session closes leaves no pin behind */
	rh_mark_ring_close(ring);
	ring = NULL;
	{
		struct rh_mark_ring_opts o = {.pid = getpid(), .uid = geteuid(), .gid = getegid(),
					      .nlanes = 1, .lane_size = 4096, .pin = pin};
		struct stat sb;

		unlink(path);
		assert_int_equal(rh_mark_ring_create(&o, &ring), 0);
		assert_true(rh_mark_ring_pinned(ring));
		assert_int_equal(stat(pin, &sb), 0);
		assert_int_equal(sb.st_nlink, 2);
		rh_mark_ring_close(ring);
		ring = NULL;
		assert_int_equal(stat(pin, &sb), -1);
	}
	rh_mark_pins_remove(host);
	rmdir(host);
	snprintf(host, sizeof(host), "%s/hosts", tmp);
	rmdir(host);
	rmdir(tmp);
}

/* A ring file as a session makes it, for our pid, with one lane of 4096 bytes. */
#define FAKE_HDR ((sizeof(struct th_mark_ring) + 4095) & ~(size_t)4095)
struct fake {
	struct th_mark_ring h;
	uint8_t pad[FAKE_HDR - sizeof(struct th_mark_ring)];
	struct th_mark_lane l;
	uint8_t data[4096];
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->h.magic = TH_MARK_MAGIC;
	f->h.version = TH_MARK_VERSION;
	f->h.hdr_size = FAKE_HDR;
	f->h.nlanes = 1;
	f->h.lane_size = 4096;
	f->h.lane_stride = TH_MARK_LANE_HDR + 4096;
	f->h.file_size = sizeof(*f);
	f->h.pid = (uint32_t)getpid();
	f->h.guest = GUEST;
}

/* A record of fmt FMT and size bytes at offset off of the lane. */
static void fake_rec(struct fake *f, uint64_t off, uint32_t size, uint64_t ts)
{
	struct th_rec *r = (struct th_rec *)(f->data + off);

	r->size = size;
	r->fmt = FMT;
	r->ts = ts;
}

static void fake_write(const char *path, const struct fake *f, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, f, len), (ssize_t)len);
	close(fd);
}

/* No session, nothing at the path: the next file goes there. */
static void fresh(const char *path)
{
	rh_mark_ring_close(ring);
	ring = NULL;
	unlink(path);
}

/* What the next session makes of a file at the path (it always gets its ring). */
static const struct rh_mark_stale *after(const char *path)
{
	struct stat st;

	assert_int_equal(make_ring_keep(1, 4096, 100), 0);
	/* its own ring now, root's and a regular file */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	return rh_mark_ring_stale(ring);
}

/* What the next session makes of the file f (len bytes of it) at the path. */
static const struct rh_mark_stale *placed(const char *path, const struct fake *f, size_t len)
{
	fresh(path);
	fake_write(path, f, len);
	return after(path);
}

static void stale_files_not_trusted(void **state)
{
	const struct rh_mark_stale *st;
	char path[128], other[160];
	struct fake *f = calloc(1, sizeof(*f));
	struct stat sb;
	int fd;

	(void)state;
	assert_non_null(f);
	rh_mark_ring_path(getpid(), path, sizeof(path));

	/* a sane ring: two records up to the lane's end, one more at its start */
	fake_init(f);
	fake_rec(f, 4000, 48, 1);
	fake_rec(f, 4048, 48, 2);
	fake_rec(f, 0, 48, 3);
	f->l.tail = 4000;
	f->l.head = 4096 + 48;
	f->l.lost = 7;
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->kind, RH_MARK_STALE_LOST);
	assert_int_equal(st->got.records, 3);
	assert_int_equal(st->got.dropped, 7);
	assert_int_equal(rh_mark_ring_lost(ring), 10);

	/* the head a lane and more past the tail: nothing of it is sane, its drops are */
	f->l.head = f->l.tail + 4096 + 8;
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->kind, RH_MARK_STALE_LOST);
	assert_int_equal(st->got.records, 0);
	assert_int_equal(st->got.lanes_cut, 1);
	assert_int_equal(rh_mark_ring_lost(ring), 7);

	/* a record size off the alignment, one past the head: the walk stops there */
	f->l.head = 4096 + 48;
	fake_rec(f, 4048, 44, 2);
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->got.records, 1);
	assert_int_equal(st->got.lanes_cut, 1);
	fake_rec(f, 4048, 48 + 4096, 2);
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->got.records, 1);
	assert_int_equal(st->got.lanes_cut, 1);

	/* reserved and never committed (a writer killed in the middle): counted up to it */
	fake_rec(f, 4048, 0, 2);
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->kind, RH_MARK_STALE_LOST);
	assert_int_equal(st->got.records, 1);
	assert_int_equal(st->got.uncommitted, 1);
	fake_rec(f, 4048, 48, 2);

	/* truncated: the header says more than the file has */
	st = placed(path, f, sizeof(*f) - 100);
	assert_int_equal(st->kind, RH_MARK_STALE_UNREAD);
	assert_string_equal(st->why, "truncated");
	assert_int_equal(rh_mark_ring_lost(ring), 0);

	/* sizes no ring has: many lanes of a huge size, a lane size no power of 2 */
	f->h.nlanes = 100000;
	assert_int_equal(placed(path, f, sizeof(*f))->kind, RH_MARK_STALE_UNREAD);
	f->h.nlanes = 1;
	f->h.lane_size = 3000;
	assert_int_equal(placed(path, f, sizeof(*f))->kind, RH_MARK_STALE_UNREAD);
	f->h.lane_size = 1ull << 40;
	f->h.lane_stride = TH_MARK_LANE_HDR + f->h.lane_size;
	f->h.file_size = f->h.hdr_size + f->h.lane_stride;
	assert_int_equal(placed(path, f, sizeof(*f))->kind, RH_MARK_STALE_UNREAD);

	/* another process's ring; another version; garbage; nothing at all */
	fake_init(f);
	f->h.pid = 1;
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->kind, RH_MARK_STALE_UNREAD);
	assert_string_equal(st->why, "made for another process");
	fake_init(f);
	f->h.version = 99;
	assert_int_equal(placed(path, f, sizeof(*f))->kind, RH_MARK_STALE_UNREAD);
	memset(f, 0xa5, sizeof(*f));
	st = placed(path, f, sizeof(*f));
	assert_int_equal(st->kind, RH_MARK_STALE_UNREAD);
	assert_string_equal(st->why, "no marker ring's magic");
	assert_int_equal(placed(path, f, 0)->kind, RH_MARK_STALE_UNREAD);

	/* another user's file: not read, whatever it holds */
	fake_init(f);
	fresh(path);
	fake_write(path, f, sizeof(*f));
	assert_int_equal(chown(path, 12345, 12345), 0);
	st = after(path);
	assert_int_equal(st->kind, RH_MARK_STALE_UNREAD);
	assert_int_equal(rh_mark_ring_lost(ring), 0);

	/* a FIFO (opening it would block), a link: removed, the link's target stays */
	fresh(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	st = after(path);
	assert_int_equal(st->kind, RH_MARK_STALE_UNREAD);
	assert_string_equal(st->why, "not a regular file");
	snprintf(other, sizeof(other), "%s.target", path);
	fake_write(other, f, sizeof(*f));
	fresh(path);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(after(path)->kind, RH_MARK_STALE_UNREAD);
	assert_int_equal(stat(other, &sb), 0);
	unlink(other);

	/* a directory: refused, left as it is */
	fresh(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(make_ring_keep(1, 4096, 100), -EISDIR);
	assert_int_equal(rmdir(path), 0);

	/* a live session's ring (its lock held) is still refused */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	assert_int_equal(make_ring_keep(1, 4096, 100), -EEXIST);
	close(fd);
	unlink(path);
	free(f);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A record's time is CLOCK_MONOTONIC, as bpf_ktime_get_ns() stamps the
 * kernel's records, whether the writer took it from clock_gettime() or
 * (clocksource tsc) from the time-stamp counter the session converts:
 * between a clock read just before the hit and one just after, within the
 * conversion's error (1 us allowed; it is about 0.1), right after the ring
 * is made and 30 ms later, when the session has taken new clock points.
 */
static void time_is_the_kernels_clock(void **state)
{
	struct got g = {0};
	uint64_t before, after;
	int round;

	(void)state;
	assert_int_equal(make_ring(1, 4096, 10), 0);
	assert_int_equal(rh_mark_ring_enable(ring, "tprov", "a", FMT, CLS), 0);
	for (round = 0; round < 3; round++) {
		before = mono_ns();
		assert_int_equal(hit_a(round, "t"), 1);
		after = mono_ns();
		assert_int_equal(rh_mark_ring_consume(ring, on_a, &g), 1);
		assert_int_equal(g.flags, 0);
		assert_true(g.ts + 1000 >= before);
		assert_true(g.ts <= after + 1000);
		/* spin 15 ms: the session's clock points move on between rounds */
		while (mono_ns() - after < 15000000)
			;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(record_comes_out_whole, teardown),
	    cmocka_unit_test_teardown(lanes_wrap_in_order, teardown),
	    cmocka_unit_test_teardown(full_lane_counts_each_drop, teardown),
	    cmocka_unit_test_teardown(threads_each_once_in_order, teardown),
	    cmocka_unit_test_teardown(threads_with_live_consumer, teardown),
	    cmocka_unit_test_teardown(ended_ring_takes_nothing, teardown),
	    cmocka_unit_test_teardown(dead_session_ring_ignored, teardown),
	    cmocka_unit_test_teardown(second_session_refused, teardown),
	    cmocka_unit_test_teardown(dead_session_ring_counted, teardown),
	    cmocka_unit_test_teardown(pinned_dead_session_ring_kept, teardown),
	    cmocka_unit_test_teardown(stale_files_not_trusted, teardown),
	    cmocka_unit_test_teardown(time_is_the_kernels_clock, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
