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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overwrite_keeps_newest),
		cmocka_unit_test(discard_keeps_oldest),
		cmocka_unit_test(records_never_split),
		cmocka_unit_test(survives_sigkill_of_writer),
		cmocka_unit_test(concurrent_reader_accounts_for_everything),
		cmocka_unit_test(refuses_bad_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
