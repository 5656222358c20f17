// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/class_store.c.
 *
 * Records carry a number in their payload so every check is exact: the
 * overwrite policy keeps exactly the newest records that fit, in order,
 * and counts the rest; discard keeps the oldest and counts the drops; a
 * record is never split at the end of the ring; a store written by a
 * child that is then killed with SIGKILL reads back whole; a reader
 * running concurrently with the writer sees an increasing sequence and
 * accounts for every record it missed; corrupt files are refused.
 *
 * The stress test (stress_no_torn_record) is the class store's memory
 * ordering check: one writer overwriting a small store as fast as it can,
 * readers validating every record they accept against what the writer
 * wrote for that sequence number (size, timestamp and every payload word
 * derive from it).  One accepted torn record fails it.  On x86 (TSO) the
 * missing fences the store guards against cannot show, so the same file
 * is also built with ThreadSanitizer (no data race) and with each
 * ordering fault injected (RH_STORE_FAULT in class_store.c), where it
 * must find a torn record: `make unit` runs all three.
 *
 *   test_class_store                 the cmocka tests, the stress for
 *                                    RH_STORE_STRESS_MS (2000) ms
 *   test_class_store stress SECONDS  the stress alone, with its figures
 *                                    (bench/hub.sh): exit 1 on a torn
 *                                    record (or garbage where records were)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

struct numrec {
	struct th_rec h;
	uint64_t n;
	uint64_t pad[3]; /* 64 bytes in all */
};

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/th-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static const char *path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void make_rec(struct numrec *r, uint64_t n, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->h.size = size;
	r->h.fmt = TH_FMT_FIRST;
	r->n = n;
}

struct collect {
	uint64_t *got;
	size_t n, cap;
	uint64_t last_seq;
	bool seq_ok;
};

static int collect(void *arg, const void *rec, size_t len)
{
	struct collect *c = arg;
	const struct numrec *r = rec;

	assert_true(len >= sizeof(struct th_rec) + 8);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->got = realloc(c->got, c->cap * sizeof(*c->got));
	}
	c->got[c->n++] = r->n;
	if (r->h.seq <= c->last_seq)
		c->seq_ok = false;
	c->last_seq = r->h.seq;
	return 0;
}

static void read_all(struct rh_store *s, struct collect *c, struct rh_cursor *cur)
{
	uint8_t buf[TH_REC_MAX];

	c->seq_ok = true;
	assert_true(rh_store_read(s, cur, buf, sizeof(buf), collect, c) >= 0);
}

static void overwrite_keeps_newest(void **state)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE, .cls = "bulk" };
	struct rh_store *s;
	struct rh_store_stats st;
	struct rh_cursor cur = { 0 };
	struct collect c = { 0 };
	struct numrec r;
	uint64_t i, N = 1000;
	size_t k;

	assert_int_equal(rh_store_create(path("ow"), &o, &s), 0);
	for (i = 0; i < N; i++) {
		make_rec(&r, i, sizeof(r));
		assert_int_equal(rh_store_append(s, &r, sizeof(r)), 0);
	}
	rh_cursor_init(s, &cur);
	read_all(s, &c, &cur);
	/* 4096 / 64 = 64 records fit, exactly the newest ones, in order */
	assert_int_equal(c.n, 64);
	/* a cursor made now starts at the oldest kept: nothing lost for it */
	assert_int_equal(cur.lost, 0);
	for (k = 0; k < c.n; k++)
		assert_int_equal(c.got[k], N - 64 + k);
	assert_true(c.seq_ok);
	rh_store_stats(s, &st);
	assert_int_equal(st.written, N);
	assert_int_equal(st.overwritten, N - 64);
	assert_int_equal(st.dropped, 0);
	assert_string_equal(st.cls, "bulk");
	free(c.got);
	/*
	 * A cursor made before a flood, at the 64 kept: it reads the newest 64
	 * and misses the 64 it started at and N - 64 new ones, exactly.
	 */
	memset(&c, 0, sizeof(c));
	rh_cursor_init(s, &cur);
	for (i = 0; i < N; i++) {
		make_rec(&r, N + i, sizeof(r));
		assert_int_equal(rh_store_append(s, &r, sizeof(r)), 0);
	}
	read_all(s, &c, &cur);
	assert_int_equal(c.n, 64);
	assert_int_equal(c.got[0], 2 * N - 64);
	assert_int_equal(cur.lost, N);
	free(c.got);
	rh_store_close(s);
	/* a store is never replaced */
	assert_int_equal(rh_store_create(path("ow"), &o, &s), -EEXIST);
}

static void discard_keeps_oldest(void **state)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_DISCARD };
	struct rh_store *s;
	struct rh_store_stats st;
	struct rh_cursor cur = { 0 };
	struct collect c = { 0 };
	struct numrec r;
	uint64_t i, drops = 0;

	assert_int_equal(rh_store_create(path("dc"), &o, &s), 0);
	for (i = 0; i < 100; i++) {
		make_rec(&r, i, sizeof(r));
		if (rh_store_append(s, &r, sizeof(r)) == -ENOSPC)
			drops++;
	}
	read_all(s, &c, &cur);
	assert_int_equal(c.n, 64);
	assert_int_equal(c.got[0], 0);
	assert_int_equal(c.got[63], 63);
	rh_store_stats(s, &st);
	assert_int_equal(st.dropped, 36);
	assert_int_equal(drops, 36);
	free(c.got);
	rh_store_close(s);
}

/* A record too big for the store is dropped and counted, never lost unseen. */
static void oversized_record_counted(void **state)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE };
	static uint8_t big[4096];
	struct rh_store *s;
	struct rh_store_stats st;
	struct th_rec *r = (struct th_rec *)big;

	assert_int_equal(rh_store_create(path("big"), &o, &s), 0);
	r->size = 2048 + 8; /* over half of the store */
	r->fmt = TH_FMT_FIRST;
	assert_int_equal(rh_store_append(s, big, r->size), -E2BIG);
	r->size = 2048; /* half fits */
	assert_int_equal(rh_store_append(s, big, r->size), 0);
	rh_store_stats(s, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.dropped, 1);
	rh_store_close(s);
}

static void records_never_split(void **state)
{
	/* 40-byte records do not divide 4096: the ring must pad, not split */
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE };
	struct rh_store *s;
	struct rh_cursor cur = { 0 };
	struct collect c = { 0 };
	struct numrec r;
	uint64_t i;
	size_t k;

	assert_int_equal(rh_store_create(path("pad"), &o, &s), 0);
	for (i = 0; i < 500; i++) {
		make_rec(&r, i, 40);
		assert_int_equal(rh_store_append(s, &r, 40), 0);
	}
	cur.pos = rh_store_tail(s);
	read_all(s, &c, &cur);
	assert_true(c.n >= 100 && c.n <= 102);
	for (k = 0; k < c.n; k++)
		assert_int_equal(c.got[k], 500 - c.n + k);
	free(c.got);
	rh_store_close(s);
}

/*
 * 40-byte records leave a 16-byte pad at the end of a 4096-byte ring: a
 * cursor made while the tail is at that pad (shorter than a record
 * header) starts at the oldest record and counts nothing as lost.
 */
static void cursor_at_a_short_pad(void **state)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE };
	struct rh_store *s;
	struct rh_cursor cur;
	struct collect c = { 0 };
	struct numrec r;
	uint64_t i;

	assert_int_equal(rh_store_create(path("shortpad"), &o, &s), 0);
	for (i = 0; i < 10000 && rh_store_tail(s) % 4096 != 4096 - 16; i++) {
		make_rec(&r, i, 40);
		assert_int_equal(rh_store_append(s, &r, 40), 0);
	}
	assert_int_equal(rh_store_tail(s) % 4096, 4096 - 16);
	rh_cursor_init(s, &cur);
	read_all(s, &c, &cur);
	assert_int_equal(cur.lost, 0);
	assert_true(c.n > 90);
	assert_int_equal(c.got[c.n - 1], i - 1);
	free(c.got);
	rh_store_close(s);
}

static void survives_sigkill_of_writer(void **state)
{
	struct rh_store_opts o = { .data_size = 1 << 16, .policy = RH_OVERWRITE };
	struct rh_store *s;
	struct rh_cursor cur = { 0 };
	struct collect c = { 0 };
	int p[2], status;
	uint64_t done = 0;
	pid_t pid;
	size_t k;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct numrec r;
		uint64_t i;

		if (rh_store_create(path("crash"), &o, &s))
			_exit(1);
		for (i = 0; i < 300; i++) {
			make_rec(&r, i, sizeof(r));
			rh_store_append(s, &r, sizeof(r));
		}
		if (write(p[1], &i, sizeof(i)) != sizeof(i))
			_exit(1);
		pause(); /* killed with the store still mapped */
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &done, sizeof(done)), (ssize_t)sizeof(done));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	assert_int_equal(rh_store_open(path("crash"), false, &s), 0);
	cur.pos = rh_store_tail(s);
	read_all(s, &c, &cur);
	assert_int_equal(c.n, done);
	for (k = 0; k < c.n; k++)
		assert_int_equal(c.got[k], k);
	free(c.got);
	/* read-only: appending is refused */
	{
		struct numrec r;

		make_rec(&r, 0, sizeof(r));
		assert_int_equal(rh_store_append(s, &r, sizeof(r)), -EROFS);
	}
	rh_store_close(s);
}

struct writer {
	struct rh_store *s;
	uint64_t n;
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	struct numrec r;
	uint64_t i;

	for (i = 0; i < w->n; i++) {
		make_rec(&r, i, sizeof(r));
		rh_store_append(w->s, &r, sizeof(r));
	}
	return NULL;
}

static void concurrent_reader_accounts_for_everything(void **state)
{
	struct rh_store_opts o = { .data_size = 8192, .policy = RH_OVERWRITE };
	struct writer w = { .n = 200000 };
	struct rh_cursor cur = { 0 };
	struct collect c = { 0 };
	uint8_t buf[TH_REC_MAX];
	pthread_t th;
	size_t k;

	assert_int_equal(rh_store_create(path("conc"), &o, &w.s), 0);
	rh_cursor_init(w.s, &cur);
	assert_int_equal(pthread_create(&th, NULL, write_many, &w), 0);
	c.seq_ok = true;
	while (c.n == 0 || c.got[c.n - 1] != w.n - 1)
		assert_true(rh_store_read(w.s, &cur, buf, sizeof(buf), collect, &c) >= 0);
	pthread_join(th, NULL);
	/* what the reader saw is increasing, and saw + lost covers every record */
	assert_true(c.seq_ok);
	for (k = 1; k < c.n; k++)
		assert_true(c.got[k] > c.got[k - 1]);
	assert_int_equal(c.n + cur.lost, w.n);
	free(c.got);
	rh_store_close(w.s);
}

static void refuses_bad_files(void **state)
{
	struct rh_store *s;
	int fd;
	char junk[8192];

	memset(junk, 0x5a, sizeof(junk));
	fd = open(path("junk"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(rh_store_open(path("junk"), false, &s), -EBADMSG);
	assert_int_equal(rh_store_open(path("missing"), false, &s), -ENOENT);
	{
		struct rh_store_opts o = { .data_size = 10, .policy = RH_OVERWRITE };

		assert_int_equal(rh_store_create(path("tiny"), &o, &s), -EINVAL);
		o.data_size = 4096;
		o.policy = 7;
		assert_int_equal(rh_store_create(path("tiny"), &o, &s), -EINVAL);
	}
}


/* ---- the stress test: torn records --------------------------------------------------- */

#define STRESS_READERS 3
/* record sizes 40..264 bytes: pads and every alignment against the ring's end */
#define STRESS_MIN 40u
#define STRESS_STEPS 29u

struct stress;

struct stress_reader {
	struct stress *st;
	pthread_t th;
	uint64_t checked, lost, last_seq;
	uint64_t torn_seq; /* the seq field of the torn record it accepted */
	bool torn, garbage; /* garbage: -EBADMSG where records were published */
};

struct stress {
	struct rh_store *s;
	atomic_bool stop;
	uint64_t until_ms; /* CLOCK_MONOTONIC */
	uint64_t appended;
	struct stress_reader r[STRESS_READERS];
};

static uint32_t stress_size(uint64_t seq)
{
	return STRESS_MIN + 8 * (uint32_t)(seq * 7 % STRESS_STEPS);
}

/* Word i of the payload of record seq: differs between records and words. */
static uint64_t stress_word(uint64_t seq, size_t i)
{
	return seq * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xbf58476d1ce4e5b9ull;
}

static void *stress_write(void *arg)
{
	struct stress *st = arg;
	uint64_t w[STRESS_MIN / 8 + STRESS_STEPS + 1];
	struct th_rec *h = (struct th_rec *)w;
	uint64_t seq;

	/* a fresh store numbers its records from 1, and overwrite never refuses */
	for (seq = 1; !atomic_load_explicit(&st->stop, memory_order_relaxed); seq++) {
		size_t i, n = stress_size(seq) / 8;

		memset(h, 0, sizeof(*h));
		h->size = stress_size(seq);
		h->fmt = TH_FMT_FIRST;
		h->ts = seq;
		for (i = sizeof(*h) / 8; i < n; i++)
			w[i] = stress_word(seq, i);
		if (rh_store_append(st->s, w, h->size))
			break;
	}
	st->appended = seq - 1;
	return NULL;
}

/* Is this exactly the record the writer appended as rec->seq? */
static int stress_check(void *arg, const void *rec, size_t len)
{
	struct stress_reader *r = arg;
	const struct th_rec *h = rec;
	bool ok = len == stress_size(h->seq) && h->size == len && h->fmt == TH_FMT_FIRST &&
		  h->ts == h->seq && h->seq > r->last_seq;
	size_t i;

	for (i = sizeof(*h) / 8; ok && i < len / 8; i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)rec + 8 * i, 8);
		ok = v == stress_word(h->seq, i);
	}
	if (!ok) {
		r->torn = true;
		r->torn_seq = h->seq;
		atomic_store(&r->st->stop, true);
		return 1;
	}
	r->last_seq = h->seq;
	r->checked++;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void *stress_read(void *arg)
{
	struct stress_reader *r = arg;
	struct rh_cursor cur;
	uint8_t buf[TH_REC_MAX];

	rh_cursor_init(r->st->s, &cur);
	while (!atomic_load_explicit(&r->st->stop, memory_order_relaxed) &&
	       mono_ms() < r->st->until_ms)
		if (rh_store_read(r->st->s, &cur, buf, sizeof(buf), stress_check, r) < 0) {
			r->garbage = true;
			atomic_store(&r->st->stop, true);
		}
	r->lost = cur.lost;
	return NULL;
}

/* Run for ms milliseconds, or until a reader finds a torn record. */
static void stress_run(struct stress *st, const char *store_path, long ms)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE };
	pthread_t w;
	int i;

	memset(st, 0, sizeof(*st));
	st->until_ms = mono_ms() + (uint64_t)ms;
	assert_int_equal(rh_store_create(store_path, &o, &st->s), 0);
	assert_int_equal(pthread_create(&w, NULL, stress_write, st), 0);
	for (i = 0; i < STRESS_READERS; i++) {
		st->r[i].st = st;
		assert_int_equal(pthread_create(&st->r[i].th, NULL, stress_read, &st->r[i]), 0);
	}
	for (i = 0; i < STRESS_READERS; i++)
		pthread_join(st->r[i].th, NULL);
	atomic_store(&st->stop, true);
	pthread_join(w, NULL);
	rh_store_close(st->s);
}

static void stress_no_torn_record(void **state)
{
	const char *env = getenv("RH_STORE_STRESS_MS");
	struct stress st;
	int i;

	stress_run(&st, path("stress"), env ? atol(env) : 2000);
	for (i = 0; i < STRESS_READERS; i++) {
		assert_false(st.r[i].torn);
		assert_false(st.r[i].garbage);
		/* the race was run: the reader read records and was overtaken */
		assert_true(st.r[i].checked > 0);
		assert_true(st.r[i].lost > 0);
	}
}

/* `stress SECONDS`: figures ("KEY VALUE") for bench/hub.sh; 1 on a torn record. */
static int stress_main(long seconds)
{
	struct stress st;
	uint64_t checked = 0, lost = 0;
	int i, torn = 0;

	if (setup(NULL))
		return 2;
	stress_run(&st, path("stress"), seconds * 1000);
	teardown(NULL);
	for (i = 0; i < STRESS_READERS; i++) {
		checked += st.r[i].checked;
		lost += st.r[i].lost;
		if (st.r[i].torn)
			printf("reader %d accepted a torn record (its seq field: %llu)\n", i,
			       (unsigned long long)st.r[i].torn_seq);
		if (st.r[i].garbage)
			printf("reader %d was told of garbage where records were published\n", i);
		torn |= st.r[i].torn || st.r[i].garbage;
	}
	printf("%llu records appended, %d readers: %llu checked, %llu overwritten before "
	       "a reader got them\n",
	       (unsigned long long)st.appended, STRESS_READERS, (unsigned long long)checked,
	       (unsigned long long)lost);
	printf("store_appended %llu\nstore_checked %llu\nstore_lost %llu\n",
	       (unsigned long long)st.appended, (unsigned long long)checked,
	       (unsigned long long)lost);
	return torn;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overwrite_keeps_newest),
		cmocka_unit_test(discard_keeps_oldest),
		cmocka_unit_test(oversized_record_counted),
		cmocka_unit_test(records_never_split),
		cmocka_unit_test(cursor_at_a_short_pad),
		cmocka_unit_test(survives_sigkill_of_writer),
		cmocka_unit_test(concurrent_reader_accounts_for_everything),
		cmocka_unit_test(refuses_bad_files),
		cmocka_unit_test(stress_no_torn_record),
	};

	if (argc == 3 && !strcmp(argv[1], "stress"))
		return stress_main(atol(argv[2]));

	return cmocka_run_group_tests(tests, setup, teardown);
}
