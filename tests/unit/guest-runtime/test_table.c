// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/table.c: snapshots and foreach ordering.
 *
 * SystemTap sorts foreach by value (a-/a+), by one key column ([k+]) or,
 * for aggregates, by an extractor (@max-, default @count); longs
 * numerically, strings with strcmp; `limit n` keeps the first n.  The
 * header adds the tie rule tested here: equal rows ordered by all keys
 * ascending, and otherwise stable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"

static void add_ll(struct grt_table *t, int64_t k, int64_t v)
{
	struct grt_cell key = {.l = k}, val = {.l = v};

	assert_int_equal(grt_table_add(t, &key, &val, NULL), 0);
}

static void expect_keys(const struct grt_table *t, const int64_t *keys, size_t n)
{
	assert_int_equal(t->n, n);
	for (size_t i = 0; i < n; i++)
		if (t->rows[i].key[0].l != keys[i])
			fail_msg("row %zu: key %lld, want %lld", i, (long long)t->rows[i].key[0].l,
				 (long long)keys[i]);
}

#define KEYS(...) (const int64_t[]){__VA_ARGS__}, sizeof((const int64_t[]){__VA_ARGS__}) / 8

static const struct grt_assoc_spec ll = {
    .nkeys = 1, .keytype = {GRT_LONG}, .valtype = GRT_LONG, .maxstrlen = 128};

static void fill_ll(struct grt_table *t)
{
	grt_table_init(t, &ll);
	add_ll(t, 3, 20);
	add_ll(t, 1, 10);
	add_ll(t, 4, -5);
	add_ll(t, 2, 20);
	add_ll(t, 5, INT64_MIN);
	add_ll(t, 0, INT64_MAX);
}

static void test_by_long_value(void **state)
{
	(void)state;
	struct grt_table t;

	/* Ties (3 and 2 at 20) by key ascending, in both directions. */
	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_COUNT, 0), 0);
	expect_keys(&t, KEYS(5, 4, 1, 2, 3, 0));
	grt_table_free(&t);

	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_COUNT, 0), 0);
	expect_keys(&t, KEYS(0, 2, 3, 1, 4, 5));
	assert_int_equal(t.rows[0].val.l, INT64_MAX);
	assert_int_equal(t.rows[5].val.l, INT64_MIN);
	grt_table_free(&t);
}

static void test_by_key_and_limit(void **state)
{
	(void)state;
	struct grt_table t;

	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, 0, 1, GRT_X_COUNT, 0), 0);
	expect_keys(&t, KEYS(0, 1, 2, 3, 4, 5));
	grt_table_free(&t);

	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, 0, -1, GRT_X_COUNT, 3), 0);
	expect_keys(&t, KEYS(5, 4, 3));
	grt_table_free(&t);

	/* dir 0: insertion order, limit still applies. */
	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, -1, 0, GRT_X_COUNT, 2), 0);
	expect_keys(&t, KEYS(3, 1));
	grt_table_free(&t);

	/* A limit at or beyond the size, or <= 0, keeps everything. */
	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, -1, 0, GRT_X_COUNT, 6), 0);
	assert_int_equal(grt_table_sort(&t, -1, 0, GRT_X_COUNT, 0), 0);
	assert_int_equal(grt_table_sort(&t, -1, 0, GRT_X_COUNT, -4), 0);
	expect_keys(&t, KEYS(3, 1, 4, 2, 5, 0));
	grt_table_free(&t);

	/* Bad arguments leave the table alone. */
	fill_ll(&t);
	assert_int_equal(grt_table_sort(&t, 1, 1, GRT_X_COUNT, 0), -EINVAL);
	assert_int_equal(grt_table_sort(&t, -2, 1, GRT_X_COUNT, 0), -EINVAL);
	assert_int_equal(grt_table_sort(&t, -1, 1, 9, 0), -EINVAL);
	assert_int_equal(grt_table_sort(NULL, -1, 1, GRT_X_COUNT, 0), -EINVAL);
	expect_keys(&t, KEYS(3, 1, 4, 2, 5, 0));
	grt_table_free(&t);

	/* Empty and single-row tables. */
	grt_table_init(&t, &ll);
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_COUNT, 5), 0);
	add_ll(&t, 1, 1);
	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_COUNT, 5), 0);
	expect_keys(&t, KEYS(1));
	grt_table_free(&t);
	grt_table_free(NULL);
}

static void test_strings(void **state)
{
	(void)state;
	static const struct grt_assoc_spec spec = {
	    .nkeys = 2,
	    .keytype = {GRT_STRING, GRT_LONG},
	    .valtype = GRT_STRING,
	    .maxstrlen = 6,
	};
	static const struct {
		const char *k;
		int64_t k2;
		const char *v;
	} rows[] = {
	    {"bash", 2, "zeta"}, {"Bash", 1, "alpha"}, {"bash", 1, "zeta"},
	    {"", 9, "mid"},	 {"\xc3\xa9", 0, ""},  {"bashful", 3, "alphabet"},
	};
	struct grt_table t;

	grt_table_init(&t, &spec);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct grt_cell key[2] = {{.s = (char *)rows[i].k}, {.l = rows[i].k2}};
		struct grt_cell val = {.s = (char *)rows[i].v};

		assert_int_equal(grt_table_add(&t, key, &val, NULL), 0);
	}
	/* Strings are copied, cut to maxstrlen - 1. */
	assert_string_equal(t.rows[5].key[0].s, "bashf");
	assert_string_equal(t.rows[5].val.s, "alpha");

	/* By value ascending (strcmp: "" < "alpha" < "mid" < "zeta"); ties
	 * by key 0 (strcmp, bytes unsigned), then key 1 numerically. */
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_COUNT, 0), 0);
	assert_string_equal(t.rows[0].val.s, "");
	assert_string_equal(t.rows[1].key[0].s, "Bash");
	assert_string_equal(t.rows[2].key[0].s, "bashf");
	assert_string_equal(t.rows[3].val.s, "mid");
	assert_string_equal(t.rows[4].key[0].s, "bash");
	assert_int_equal(t.rows[4].key[1].l, 1);
	assert_int_equal(t.rows[5].key[1].l, 2);

	/* By key 0 descending: "\xc3\xa9" sorts above ASCII. */
	assert_int_equal(grt_table_sort(&t, 0, -1, GRT_X_COUNT, 0), 0);
	assert_string_equal(t.rows[0].key[0].s, "\xc3\xa9");
	assert_string_equal(t.rows[1].key[0].s, "bashf");
	assert_string_equal(t.rows[2].key[0].s, "bash");
	assert_int_equal(t.rows[2].key[1].l, 1); /* ties: key 1 ascending */
	assert_int_equal(t.rows[3].key[1].l, 2);
	assert_string_equal(t.rows[4].key[0].s, "Bash");
	assert_string_equal(t.rows[5].key[0].s, "");

	/* By key 1 ascending. */
	assert_int_equal(grt_table_sort(&t, 1, 1, GRT_X_COUNT, 4), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.rows[0].key[1].l, 0);
	assert_string_equal(t.rows[1].key[0].s, "Bash");
	assert_string_equal(t.rows[2].key[0].s, "bash");
	assert_int_equal(t.rows[3].key[1].l, 2);
	grt_table_free(&t);
}

static void test_aggregates(void **state)
{
	(void)state;
	static const struct grt_assoc_spec spec = {
	    .nkeys = 1,
	    .keytype = {GRT_LONG},
	    .valtype = GRT_STATS,
	    .hist = {.kind = TH_HIST_NONE},
	};
	/* key: values; @count, @sum, @min, @max, @avg */
	static const int64_t data[][4] = {
	    {1, 10, 20, 30}, /* 3, 60, 10, 30, 20 */
	    {2, -5, 0, 0},   /* 3, -5, -5, 0, -1 */
	    {3, 100, 0, 0},  /* 3, 100, 0, 100, 33 */
	    {4, 7, 7, 0},    /* 3, 14, 0, 7, 4 */
	};
	struct grt_table t;

	grt_table_init(&t, &spec);
	for (size_t i = 0; i < 4; i++) {
		int64_t st[4];
		struct grt_cell key = {.l = data[i][0]};

		grt_stat_init(st, &spec.hist);
		for (int j = 1; j < 4; j++)
			grt_stat_add(st, &spec.hist, data[i][j]);
		assert_int_equal(grt_table_add(&t, &key, NULL, st), 0);
	}
	assert_int_equal(grt_table_add(&t, &(struct grt_cell){.l = 9}, NULL, NULL), -EINVAL);

	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_SUM, 0), 0);
	expect_keys(&t, KEYS(3, 1, 4, 2));
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_MIN, 0), 0);
	expect_keys(&t, KEYS(2, 3, 4, 1));
	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_MAX, 2), 0);
	expect_keys(&t, KEYS(3, 1));
	assert_int_equal(t.rows[0].stat[TH_STAT_SUM], 100);
	grt_table_free(&t);

	grt_table_init(&t, &spec);
	for (size_t i = 0; i < 4; i++) {
		int64_t st[4];

		grt_stat_init(st, &spec.hist);
		for (int j = 1; j < 4; j++)
			grt_stat_add(st, &spec.hist, data[i][j]);
		assert_int_equal(grt_table_add(&t, &(struct grt_cell){.l = data[i][0]}, NULL, st),
				 0);
	}
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_AVG, 0), 0);
	expect_keys(&t, KEYS(2, 4, 1, 3));
	/* All counts equal: @count falls back on the keys. */
	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_COUNT, 0), 0);
	expect_keys(&t, KEYS(1, 2, 3, 4));
	grt_table_free(&t);
}

static void test_stable(void **state)
{
	(void)state;
	struct grt_table t;

	/* A table may hold equal keys (snapshots of several maps); equal
	 * rows keep their insertion order. */
	grt_table_init(&t, &ll);
	for (int i = 0; i < 100; i++)
		add_ll(&t, i % 3, i % 2); /* value tags parity: order probe */
	for (int i = 0; i < 100; i++)
		t.rows[i].val.l = (i % 2) * 1000 + i; /* distinct, parity-major */
	assert_int_equal(grt_table_sort(&t, 0, 1, GRT_X_COUNT, 0), 0);
	for (size_t i = 1; i < t.n; i++) {
		const struct grt_row *a = &t.rows[i - 1], *b = &t.rows[i];

		assert_true(a->key[0].l <= b->key[0].l);
		if (a->key[0].l == b->key[0].l)
			assert_true(a->val.l % 1000 < b->val.l % 1000); /* inserted first */
	}
	grt_table_free(&t);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void test_large_random(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct grt_table t;
	uint64_t seed = 42, keysum = 0, got = 0;

	grt_table_init(&t, &ll);
	for (int i = 0; i < N; i++) {
		int64_t v = (int64_t)(rnd(&seed) % 1000) - 500;

		add_ll(&t, i, v);
		keysum += (uint64_t)i;
	}
	assert_int_equal(grt_table_sort(&t, -1, -1, GRT_X_COUNT, 0), 0);
	assert_int_equal(t.n, N);
	for (size_t i = 0; i < t.n; i++) {
		got += (uint64_t)t.rows[i].key[0].l;
		if (i == 0)
			continue;
		const struct grt_row *a = &t.rows[i - 1], *b = &t.rows[i];

		assert_true(a->val.l >= b->val.l);
		if (a->val.l == b->val.l)
			assert_true(a->key[0].l < b->key[0].l);
	}
	assert_int_equal(got, keysum); /* a permutation: every row once */

	/* Sorting sorted input (the merge's shortcut), and reverse. */
	assert_int_equal(grt_table_sort(&t, 0, 1, GRT_X_COUNT, 0), 0);
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.rows[i].key[0].l, (int64_t)i);
	assert_int_equal(grt_table_sort(&t, 0, 1, GRT_X_COUNT, 0), 0);
	assert_int_equal(grt_table_sort(&t, 0, -1, GRT_X_COUNT, 10), 0);
	expect_keys(&t,
		    KEYS(N - 1, N - 2, N - 3, N - 4, N - 5, N - 6, N - 7, N - 8, N - 9, N - 10));
	grt_table_free(&t);
}

static void test_from_assoc(void **state)
{
	(void)state;
	struct grt_assoc *a;
	struct grt_table t;
	struct grt_assoc_spec sspec = ll;

	assert_int_equal(grt_assoc_new(&ll, &a), 0);
	for (int64_t k = 10; k > 0; k--)
		grt_assoc_get(a, &(struct grt_cell){.l = k}, true)->l = k * k;

	grt_table_init(&t, NULL);
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	assert_int_equal(t.n, 10);
	assert_int_equal(t.spec.valtype, GRT_LONG);
	/* A second snapshot appends. */
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	assert_int_equal(t.n, 20);
	assert_int_equal(t.rows[10].key[0].l, 10);
	/* The snapshot is independent of the array. */
	grt_assoc_clear(a);
	assert_int_equal(t.rows[19].val.l, 1);
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	assert_int_equal(t.n, 20);
	assert_int_equal(grt_table_sort(&t, -1, 1, GRT_X_COUNT, 3), 0);
	expect_keys(&t, KEYS(1, 1, 2));
	grt_table_free(&t);

	/* An array of another shape cannot be appended. */
	struct grt_assoc *b;

	sspec.valtype = GRT_STRING;
	assert_int_equal(grt_assoc_new(&sspec, &b), 0);
	grt_assoc_get(b, &(struct grt_cell){.l = 1}, true);
	grt_table_init(&t, NULL);
	grt_assoc_get(a, &(struct grt_cell){.l = 1}, true);
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	assert_int_equal(grt_table_from_assoc(&t, b), -EINVAL);
	assert_int_equal(t.n, 1);
	assert_int_equal(grt_table_from_assoc(NULL, b), -EINVAL);
	grt_table_free(&t);
	grt_assoc_free(b);
	grt_assoc_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_by_long_value), cmocka_unit_test(test_by_key_and_limit),
	    cmocka_unit_test(test_strings),	  cmocka_unit_test(test_aggregates),
	    cmocka_unit_test(test_stable),	  cmocka_unit_test(test_large_random),
	    cmocka_unit_test(test_from_assoc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
