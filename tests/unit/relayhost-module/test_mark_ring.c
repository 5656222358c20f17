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
 *   replaced by the next session; a live one is not.
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
	    cmocka_unit_test_teardown(time_is_the_kernels_clock, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
