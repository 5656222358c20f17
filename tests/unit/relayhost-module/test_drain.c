// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/drain.c and ring_peek.c, with real BPF
 * ring buffers (root only: skipped otherwise).  Records are written into
 * a ring by a tiny BPF_PROG_TYPE_SYSCALL program run with
 * BPF_PROG_TEST_RUN: a numbered record of a given ring length, committed
 * or discarded, as a probe would.
 *
 * - The ring positions the drain hands out are exact: each record's end
 *   is its start + 8 + its length rounded up to 8, discarded records
 *   included, and the kernel's consumer position is the last one.
 * - rh_ring_peek skips what is before a start position, and skips nothing
 *   when that position is not one of the ring's record boundaries.
 * - A drain killed at any instruction between taking one record and the
 *   next (the store's append, the ring's consumer move: the crash window
 *   of a hub killed mid-stream, tests/e2e/hub_recover.sh): the store and
 *   the ring together give every record exactly once, and a record a full
 *   discard store dropped is counted, never recovered.  Made deterministic
 *   by single-stepping the draining child with ptrace and reading, at
 *   every step, what recovery would read if it were killed there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "relayhost-module/rh.h"
#include "ring_writer.h"
#include "taphub/record.h"

#define RING_BYTES 4096u
#define CRASH_RING_BYTES 16384u /* 120 records of 48 ring bytes */
/* ring lengths of the records written: 40 is a bare numbered record */
static const uint32_t lens[] = { 40, 44, 52, 64, 100 };
#define NLENS (sizeof(lens) / sizeof(lens[0]))

static char store_path[64], pin[128];
static int prog[NLENS];
static struct rh_ring view; /* the test's own read-only map of the ring */
static pid_t child;         /* a draining child the test steps, killed however it ends */

/* Write record n of ring length lens[li]; its ring bytes. */
static uint64_t put(int li, uint32_t n, bool discard)
{
	uint64_t prod = atomic_load(view.producer), bytes = RH_RING_HDR + ((lens[li] + 7) & ~7u);

	assert_int_equal(write_record(prog[li], n, discard, TH_FMT_FIRST, 0), 0);
	/* it is in the ring (a full ring would refuse it) */
	assert_int_equal(atomic_load(view.producer), prod + bytes);
	return bytes;
}

static void unload(void)
{
	size_t i;

	for (i = 0; i < NLENS; i++)
		if (prog[i] > 0)
			close(prog[i]);
	memset(prog, 0, sizeof(prog));
	rh_ring_unmap(&view);
}

/* A fresh ring of bytes with its writers, pinned at pin; skips the test without BPF. */
static int new_ring(uint32_t bytes)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "th_test_ring", 0, 0, bytes, NULL);
	size_t i;

	if (fd < 0 && (errno == EPERM || geteuid()))
		skip();
	assert_true(fd >= 0);
	for (i = 0; i < NLENS; i++) {
		prog[i] = load_writer(fd, lens[i]);
		assert_true(prog[i] > 0);
	}
	unlink(pin);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	assert_int_equal(rh_ring_map(&view, fd, false), 0);
	return fd;
}

static int setup(void **state)
{
	snprintf(store_path, sizeof(store_path), "/tmp/th-drain-%d.store", getpid());
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/th-test-drain-%d", getpid());
	return 0;
}

static int teardown(void **state)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	unload();
	unlink(pin);
	unlink(store_path);
	return 0;
}

static uint64_t rec_n(const void *rec)
{
	uint64_t n;

	memcpy(&n, (const uint8_t *)rec + sizeof(struct th_rec), 8);
	return n;
}

/* ---- exact positions ------------------------------------------------------------------- */

#define MAXREC 4096

struct seen {
	uint64_t n[MAXREC], end[MAXREC];
	size_t len[MAXREC];
	size_t count;
	int stop_after; /* return -EINTR after this many (0 never) */
};

static int note(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct seen *s = arg;

	assert_true(s->count < MAXREC);
	s->n[s->count] = rec_n(rec);
	s->len[s->count] = len;
	s->end[s->count] = ring_end;
	s->count++;
	return s->stop_after && (int)s->count == s->stop_after ? -EINTR : 0;
}

static uint64_t kernel_consumer(void)
{
	return atomic_load(view.consumer);
}

static void positions_are_exact(void **state)
{
	int fd = new_ring(RING_BYTES), round;
	struct seen *s = calloc(1, sizeof(*s));
	struct rh_drain *d;
	uint64_t pos = 0, n = 0;
	size_t k = 0;

	assert_int_equal(rh_drain_new(&d), 0);
	assert_int_equal(rh_drain_add_ring(d, fd, 3, note, s), 0);
	/* 60 rounds of ~1.2 KB through a 4 KB ring: it wraps many times */
	for (round = 0; round < 60; round++) {
		uint64_t ends[32], want_len[32];
		int i, want = 0;

		s->count = 0;
		for (i = 0; i < 20; i++) {
			int li = (int)((n + (uint64_t)round) % NLENS);
			/* every third discarded, and some rounds end on a discard */
			bool discard = (n % 3) == 2;

			pos += put(li, (uint32_t)++n, discard);
			if (!discard) {
				want_len[want] = lens[li];
				ends[want++] = pos;
			}
		}
		assert_int_equal(rh_drain_consume(d), want);
		assert_int_equal(s->count, want);
		for (k = 0; k < s->count; k++) {
			assert_int_equal(s->end[k], ends[k]);
			/* the length as written, not rounded */
			assert_int_equal(s->len[k], want_len[k]);
		}
		/* the kernel's consumer position is where the drain says the ring is */
		assert_int_equal(kernel_consumer(), pos);
	}
	assert_true(pos > 10 * RING_BYTES);
	rh_drain_free(d);
	free(s);
	close(fd);
}

/* ---- peek from a position ------------------------------------------------------------------ */

static int keep_n(void *arg, const void *rec, size_t len)
{
	struct seen *s = arg;

	s->n[s->count++] = rec_n(rec);
	return 0;
}

static void peek_skips_before_from(void **state)
{
	int fd = new_ring(RING_BYTES);
	struct seen *s = calloc(1, sizeof(*s)), *got = calloc(1, sizeof(*got));
	struct rh_ring_peek pk;
	struct rh_drain *d;
	uint64_t end7;
	uint32_t i;

	for (i = 1; i <= 30; i++)
		put((int)(i % NLENS), i, i == 12);
	/* the drain takes records 1..5 and stops */
	s->stop_after = 5;
	assert_int_equal(rh_drain_new(&d), 0);
	assert_int_equal(rh_drain_add_ring(d, fd, 0, note, s), 0);
	assert_int_equal(rh_drain_consume(d), -EINTR);
	assert_int_equal(kernel_consumer(), s->end[4]);
	rh_drain_free(d);
	/* from the consumer: 6..30 (12 was discarded) */
	assert_int_equal(rh_ring_peek(pin, 0, keep_n, got, &pk), 0);
	assert_int_equal(pk.records, 24);
	assert_int_equal(pk.skipped, 0);
	assert_int_equal(got->n[0], 6);
	got->count = 0;
	/* from record 7's end: 6 and 7 skipped (they are in a store) */
	end7 = s->end[4];
	for (i = 6; i <= 7; i++)
		end7 += RH_RING_HDR + ((lens[i % NLENS] + 7) & ~7u);
	assert_int_equal(rh_ring_peek(pin, end7, keep_n, got, &pk), 0);
	assert_int_equal(pk.skipped, 2);
	assert_int_equal(pk.records, 22);
	assert_false(pk.mismatch);
	assert_int_equal(got->n[0], 8);
	assert_int_equal(got->n[got->count - 1], 30);
	/* inside a record: no boundary of this ring, nothing skipped */
	got->count = 0;
	assert_int_equal(rh_ring_peek(pin, end7 + 8, keep_n, got, &pk), 0);
	assert_true(pk.mismatch);
	assert_int_equal(pk.skipped, 0);
	assert_int_equal(got->n[0], 6);
	/* beyond the producer: likewise */
	got->count = 0;
	assert_int_equal(rh_ring_peek(pin, 1u << 30, keep_n, got, &pk), 0);
	assert_true(pk.mismatch);
	assert_int_equal(pk.records, 24);
	/* before the consumer: everything from the consumer, no mismatch */
	got->count = 0;
	assert_int_equal(rh_ring_peek(pin, 8, keep_n, got, &pk), 0);
	assert_false(pk.mismatch);
	assert_int_equal(pk.records, 24);
	free(s);
	free(got);
	close(fd);
}

/* ---- the crash window ---------------------------------------------------------------------- */

static int count_n(void *arg, const void *rec, size_t len)
{
	uint8_t *count = arg;

	count[rec_n(rec)]++;
	return 0;
}

/*
 * If the writer died now: what recovery reads (the store's records, then
 * the ring's from the store's ring position) holds every record 1..total
 * once, but those the store counted as dropped, which it holds not at all.
 */
static void check_once(struct rh_store *s, uint32_t total)
{
	uint8_t count[MAXREC] = { 0 };
	struct rh_store_stats st;
	struct rh_ring_peek pk;
	const struct th_rec *r;
	uint64_t p, from, none = 0;
	uint32_t n;
	bool bad;

	rh_store_stats(s, &st);
	for (p = st.tail; (r = rh_store_next(s, &p, &bad));)
		count[rec_n(r)]++;
	assert_false(bad);
	assert_int_equal(rh_store_ring_pos(s, &from), 0);
	assert_int_equal(rh_ring_peek(pin, from, count_n, count, &pk), 0);
	assert_false(pk.mismatch);
	for (n = 1; n <= total; n++) {
		if (count[n] > 1)
			fail_msg("record %u is recovered %u times", n, count[n]);
		none += !count[n];
	}
	assert_int_equal(none, st.dropped);
}

struct child {
	struct rh_store *s;
	uint64_t stop_at;
};

static int append_stopping(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct child *c = arg;

	/* the parent single-steps from here to the same place of the next record */
	if (rec_n(rec) == c->stop_at || rec_n(rec) == c->stop_at + 1)
		raise(SIGSTOP);
	rh_store_append_ring(c->s, rec, len, ring_end);
	return 0;
}

/*
 * Records 1..total in the ring; a child drains them into a store of
 * store_bytes (policy), stopping before record stop_at.  The parent steps
 * it one instruction at a time (ptrace) through that record's append and
 * the consumer's move, to the next record, and at every instruction
 * boundary checks what recovery would read if the child were killed
 * there: a stopped process's stores are in the file, as a killed one's.
 * Returns the instructions stepped.
 */
static uint64_t every_instruction(int policy, uint64_t store_bytes, uint32_t total,
				  uint64_t stop_at)
{
	struct rh_store_opts o = { .data_size = store_bytes, .policy = policy };
	struct child c = { .stop_at = stop_at };
	int fd = new_ring(CRASH_RING_BYTES), status;
	struct rh_store *s;
	uint64_t steps = 0;
	uint32_t i;

	for (i = 1; i <= total; i++)
		put(0, i, false);
	assert_int_equal(rh_store_create(store_path, &o, &c.s), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct rh_drain *d;

		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || rh_drain_new(&d) ||
		    rh_drain_add_ring(d, fd, 0, append_stopping, &c))
			_exit(2);
		rh_drain_consume(d);
		_exit(3);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	/* recovery's view: the file opened afresh, read-only */
	assert_int_equal(rh_store_open(store_path, false, &s), 0);
	for (;;) {
		check_once(s, total);
		assert_int_equal(ptrace(PTRACE_SINGLESTEP, child, NULL, NULL), 0);
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_true(WIFSTOPPED(status));
		steps++;
		if (WSTOPSIG(status) == SIGSTOP)
			break; /* at the next record */
		assert_int_equal(WSTOPSIG(status), SIGTRAP);
	}
	check_once(s, total);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	child = 0;
	rh_store_close(s);
	rh_store_close(c.s);
	close(fd);
	unload();
	return steps;
}

static void killed_anywhere_gives_each_once(void **state)
{
	/* a store large enough for all */
	uint64_t steps = every_instruction(RH_OVERWRITE, 1 << 16, 50, 20);

	print_message("  (%llu instructions stepped)\n", (unsigned long long)steps);
	assert_true(steps > 100);
}

static void killed_anywhere_counts_a_drop_once(void **state)
{
	/* a 4 KB discard store holds 102 records of 40 bytes: 103 and on are dropped */
	uint64_t steps = every_instruction(RH_DISCARD, 4096, 120, 110);

	print_message("  (%llu instructions stepped)\n", (unsigned long long)steps);
	assert_true(steps > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(positions_are_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(peek_skips_before_from, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_anywhere_gives_each_once, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_anywhere_counts_a_drop_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
