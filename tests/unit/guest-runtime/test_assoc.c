// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/assoc.c: lookups and inserts over tuples of
 * long and string keys, string and aggregate values, truncation of
 * strings to maxstrlen - 1 bytes, the maxentries limit (E2BIG), deletion
 * while other elements are in use, growth, insertion order, and a long
 * randomised run checked against a plain reference array.
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

static struct grt_assoc *new_assoc(int nkeys, const uint8_t *types, int valtype, size_t maxentries,
				   size_t maxstrlen)
{
	struct grt_assoc_spec spec = {
	    .nkeys = nkeys,
	    .valtype = (uint8_t)valtype,
	    .maxentries = maxentries,
	    .maxstrlen = maxstrlen,
	};
	struct grt_assoc *a = NULL;

	memcpy(spec.keytype, types, (size_t)nkeys);
	if (valtype == GRT_STATS)
		spec.hist.kind = TH_HIST_LOG;
	assert_int_equal(grt_assoc_new(&spec, &a), 0);
	assert_non_null(a);
	return a;
}

static const uint8_t LONG1[] = {GRT_LONG};
static const uint8_t STR1[] = {GRT_STRING};

static struct grt_cell *get_l(struct grt_assoc *a, int64_t k, bool create)
{
	struct grt_cell key = {.l = k};

	return grt_assoc_get(a, &key, create);
}

static void test_new_errors(void **state)
{
	(void)state;
	struct grt_assoc_spec spec = {.nkeys = 1, .keytype = {GRT_LONG}, .valtype = GRT_LONG};
	struct grt_assoc *a = (struct grt_assoc *)0x1;

	spec.nkeys = 0;
	assert_int_equal(grt_assoc_new(&spec, &a), -EINVAL);
	spec.nkeys = GRT_MAXKEYS + 1;
	assert_int_equal(grt_assoc_new(&spec, &a), -EINVAL);
	spec.nkeys = 1;
	spec.keytype[0] = GRT_STATS;
	assert_int_equal(grt_assoc_new(&spec, &a), -EINVAL);
	spec.keytype[0] = GRT_LONG;
	spec.valtype = GRT_NONE;
	assert_int_equal(grt_assoc_new(&spec, &a), -EINVAL);
	assert_int_equal(grt_assoc_new(NULL, &a), -EINVAL);
	assert_ptr_equal(a, (struct grt_assoc *)0x1);
	grt_assoc_free(NULL);
	grt_assoc_clear(NULL);
	assert_int_equal(grt_assoc_count(NULL), 0);
}

static void test_long_keys(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, LONG1, GRT_LONG, 0, 128);
	struct grt_cell *v;

	errno = 0;
	assert_null(get_l(a, 5, false));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(grt_assoc_count(a), 0);

	v = get_l(a, 5, true);
	assert_non_null(v);
	assert_int_equal(v->l, 0); /* a new long is 0 */
	assert_null(v->s);
	v->l = 55;
	assert_ptr_equal(get_l(a, 5, false), v);
	assert_ptr_equal(get_l(a, 5, true), v);
	assert_int_equal(grt_assoc_count(a), 1);

	/* Extreme keys are distinct keys. */
	get_l(a, INT64_MIN, true)->l = 1;
	get_l(a, INT64_MAX, true)->l = 2;
	get_l(a, 0, true)->l = 3;
	get_l(a, -1, true)->l = 4;
	assert_int_equal(get_l(a, INT64_MIN, false)->l, 1);
	assert_int_equal(get_l(a, INT64_MAX, false)->l, 2);
	assert_int_equal(get_l(a, 0, false)->l, 3);
	assert_int_equal(get_l(a, -1, false)->l, 4);
	assert_int_equal(grt_assoc_count(a), 5);

	/* Growth keeps every element, and every cell where it was. */
	for (int64_t k = 100; k < 20100; k++)
		get_l(a, k, true)->l = k * 3;
	assert_int_equal(grt_assoc_count(a), 20005);
	assert_ptr_equal(get_l(a, 5, false), v);
	assert_int_equal(v->l, 55);
	for (int64_t k = 100; k < 20100; k++)
		assert_int_equal(get_l(a, k, false)->l, k * 3);
	assert_null(get_l(a, 20100, false));

	assert_null(grt_assoc_get(NULL, &(struct grt_cell){0}, true));
	assert_int_equal(errno, EINVAL);
	assert_null(grt_assoc_get(a, NULL, true));
	grt_assoc_free(a);
}

static void test_string_keys(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, STR1, GRT_LONG, 0, 8);
	struct grt_cell k = {.s = "abcdefgXYZ"};
	struct grt_cell *v;

	/* 7 bytes kept: keys differing after them are one key. */
	v = grt_assoc_get(a, &k, true);
	v->l = 7;
	k.s = "abcdefgQQQ";
	assert_ptr_equal(grt_assoc_get(a, &k, false), v);
	k.s = "abcdefg";
	assert_ptr_equal(grt_assoc_get(a, &k, false), v);
	k.s = "abcdef";
	assert_null(grt_assoc_get(a, &k, false));
	assert_int_equal(grt_assoc_count(a), 1);

	/* The empty string, and NULL as the empty string. */
	k.s = "";
	grt_assoc_get(a, &k, true)->l = 9;
	k.s = NULL;
	assert_int_equal(grt_assoc_get(a, &k, false)->l, 9);

	/* Keys are copied: the caller's buffer may change. */
	char buf[16];

	strcpy(buf, "mutable");
	k.s = buf;
	grt_assoc_get(a, &k, true)->l = 11;
	strcpy(buf, "changed");
	assert_null(grt_assoc_get(a, &k, false));
	k.s = "mutable";
	assert_int_equal(grt_assoc_get(a, &k, false)->l, 11);

	/* Prefixes of each other are different keys. */
	k.s = "ab";
	grt_assoc_get(a, &k, true)->l = 2;
	k.s = "abc";
	grt_assoc_get(a, &k, true)->l = 3;
	k.s = "ab";
	assert_int_equal(grt_assoc_get(a, &k, false)->l, 2);
	assert_int_equal(grt_assoc_count(a), 5);
	grt_assoc_free(a);
}

static void test_tuple_keys(void **state)
{
	(void)state;
	static const uint8_t types[] = {GRT_LONG, GRT_STRING, GRT_LONG};
	struct grt_assoc *a = new_assoc(3, types, GRT_LONG, 0, 128);
	struct grt_cell k[3] = {{.l = 1}, {.s = "x"}, {.l = 2}};

	grt_assoc_get(a, k, true)->l = 12;
	k[0].l = 2, k[2].l = 1; /* the same values in other columns */
	grt_assoc_get(a, k, true)->l = 21;
	k[1].s = "y";
	assert_null(grt_assoc_get(a, k, false));
	k[1].s = "x";
	assert_int_equal(grt_assoc_get(a, k, false)->l, 21);
	k[0].l = 1, k[2].l = 2;
	assert_int_equal(grt_assoc_get(a, k, false)->l, 12);
	assert_int_equal(grt_assoc_count(a), 2);
	grt_assoc_free(a);

	/* The most keys there can be. */
	uint8_t nine[GRT_MAXKEYS];
	struct grt_cell k9[GRT_MAXKEYS];

	for (int i = 0; i < GRT_MAXKEYS; i++) {
		nine[i] = i % 2 ? GRT_STRING : GRT_LONG;
		k9[i] = (struct grt_cell){.l = i, .s = i % 2 ? "s" : NULL};
	}
	a = new_assoc(GRT_MAXKEYS, nine, GRT_LONG, 0, 128);
	grt_assoc_get(a, k9, true)->l = 99;
	assert_int_equal(grt_assoc_get(a, k9, false)->l, 99);
	k9[GRT_MAXKEYS - 1].l = 100;
	assert_null(grt_assoc_get(a, k9, false));
	grt_assoc_free(a);
}

static void test_string_values(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, LONG1, GRT_STRING, 0, 6);
	struct grt_cell *v = get_l(a, 1, true);

	assert_string_equal(v->s, ""); /* a new string is empty */
	assert_int_equal(grt_assoc_set_str(a, v, "hello"), 0);
	assert_string_equal(get_l(a, 1, false)->s, "hello");
	/* Cut to maxstrlen - 1 = 5 bytes. */
	assert_int_equal(grt_assoc_set_str(a, v, "goodbye"), 0);
	assert_string_equal(v->s, "goodb");
	/* Setting a value from itself (s = substr(s, ...) style). */
	assert_int_equal(grt_assoc_set_str(a, v, v->s + 2), 0);
	assert_string_equal(v->s, "odb");
	assert_int_equal(grt_assoc_set_str(a, v, NULL), 0);
	assert_string_equal(v->s, "");
	/* Another element's empty string is not this one's. */
	struct grt_cell *w = get_l(a, 2, true);

	assert_int_equal(grt_assoc_set_str(a, w, "w"), 0);
	assert_string_equal(v->s, "");
	assert_null(grt_assoc_stat(a, v)); /* not an aggregate array */

	struct grt_assoc *l = new_assoc(1, LONG1, GRT_LONG, 0, 6);

	assert_int_equal(grt_assoc_set_str(l, get_l(l, 1, true), "x"), -EINVAL);
	grt_assoc_free(l);
	grt_assoc_free(a);
}

static void test_stats_values(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, STR1, GRT_STATS, 0, 128);
	struct grt_histspec h = {.kind = TH_HIST_LOG};
	struct grt_cell k = {.s = "read"};
	struct grt_cell *v = grt_assoc_get(a, &k, true);
	int64_t *st = grt_assoc_stat(a, v), n;

	assert_non_null(st);
	for (size_t i = 0; i < grt_stat_slots(&h); i++)
		assert_int_equal(st[i], 0);
	grt_stat_add(st, &h, 10);
	grt_stat_add(st, &h, 20);

	/* Other elements get their own aggregate, and growth moves none. */
	for (int i = 0; i < 5000; i++) {
		char name[16];
		struct grt_cell kk = {.s = name};

		snprintf(name, sizeof(name), "k%d", i);
		grt_stat_add(grt_assoc_stat(a, grt_assoc_get(a, &kk, true)), &h, i);
	}
	assert_ptr_equal(grt_assoc_stat(a, grt_assoc_get(a, &k, false)), st);
	assert_int_equal(grt_stat_extract(st, GRT_X_COUNT, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(grt_stat_extract(st, GRT_X_AVG, &n), 0);
	assert_int_equal(n, 15);
	assert_null(grt_assoc_stat(NULL, v));
	grt_assoc_free(a);
}

static void test_maxentries(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, LONG1, GRT_LONG, 3, 128);

	assert_non_null(get_l(a, 1, true));
	assert_non_null(get_l(a, 2, true));
	assert_non_null(get_l(a, 3, true));
	errno = 0;
	assert_null(get_l(a, 4, true));
	assert_int_equal(errno, E2BIG);
	assert_int_equal(grt_assoc_count(a), 3);
	/* Existing keys are still found, with or without create. */
	assert_non_null(get_l(a, 2, true));
	/* Room again after a delete. */
	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 1}), 0);
	assert_non_null(get_l(a, 4, true));
	assert_null(get_l(a, 5, true));
	assert_int_equal(errno, E2BIG);
	grt_assoc_free(a);
}

/* Keys in insertion order, through a table snapshot. */
static void expect_order(struct grt_assoc *a, const int64_t *keys, size_t n)
{
	struct grt_table t;

	grt_table_init(&t, NULL);
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	assert_int_equal(t.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t.rows[i].key[0].l, keys[i]);
	grt_table_free(&t);
}

static void test_delete_and_order(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, LONG1, GRT_LONG, 0, 128);
	struct grt_cell *v3;

	for (int64_t k = 1; k <= 5; k++)
		get_l(a, k, true)->l = k * 10;
	expect_order(a, (const int64_t[]){1, 2, 3, 4, 5}, 5);
	v3 = get_l(a, 3, false);

	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 2}), 0);
	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 2}), -ENOENT);
	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 9}), -ENOENT);
	assert_int_equal(grt_assoc_delete(NULL, &(struct grt_cell){.l = 9}), -EINVAL);
	/* Deleting others leaves a held cell valid. */
	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 1}), 0);
	assert_int_equal(grt_assoc_delete(a, &(struct grt_cell){.l = 5}), 0);
	assert_int_equal(v3->l, 30);
	assert_ptr_equal(get_l(a, 3, false), v3);
	expect_order(a, (const int64_t[]){3, 4}, 2);

	/* A re-inserted key starts over: zero, and last in order. */
	assert_int_equal(get_l(a, 1, true)->l, 0);
	get_l(a, 5, true);
	expect_order(a, (const int64_t[]){3, 4, 1, 5}, 4);
	assert_int_equal(grt_assoc_count(a), 4);

	grt_assoc_clear(a);
	assert_int_equal(grt_assoc_count(a), 0);
	assert_null(get_l(a, 3, false));
	expect_order(a, NULL, 0);
	get_l(a, 8, true)->l = 8;
	expect_order(a, (const int64_t[]){8}, 1);
	grt_assoc_free(a);
}

static void test_delete_while_iterating(void **state)
{
	(void)state;
	struct grt_assoc *a = new_assoc(1, STR1, GRT_STRING, 0, 32);
	char name[32];
	struct grt_cell k = {.s = name};

	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "key-%d", i);
		assert_int_equal(grt_assoc_set_str(a, grt_assoc_get(a, &k, true), name + 4), 0);
	}
	/* A foreach body deleting every even element of its snapshot. */
	struct grt_table t;

	grt_table_init(&t, NULL);
	assert_int_equal(grt_table_from_assoc(&t, a), 0);
	for (size_t r = 0; r < t.n; r++)
		if (atoi(t.rows[r].val.s) % 2 == 0)
			assert_int_equal(grt_assoc_delete(a, t.rows[r].key), 0);
	grt_table_free(&t);
	assert_int_equal(grt_assoc_count(a), 5000);

	for (int i = 0; i < 10000; i++) {
		struct grt_cell *v;

		snprintf(name, sizeof(name), "key-%d", i);
		v = grt_assoc_get(a, &k, false);
		if (i % 2) {
			assert_non_null(v);
			assert_int_equal(atoi(v->s), i);
		} else {
			assert_null(v);
			assert_non_null(grt_assoc_get(a, &k, true)); /* re-insert */
		}
	}
	assert_int_equal(grt_assoc_count(a), 10000);
	grt_assoc_free(a);
}

/* xorshift64*: a reproducible sequence for the randomised test. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void test_random_against_reference(void **state)
{
	(void)state;
	enum { KEYS = 512, OPS = 200000 };
	static const uint8_t types[] = {GRT_LONG, GRT_STRING};
	struct grt_assoc *a = new_assoc(2, types, GRT_LONG, 0, 128);
	int64_t ref[KEYS];
	bool present[KEYS] = {false};
	size_t count = 0;
	uint64_t seed = 0x1234567;
	char name[16];

	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed);
		int i = (int)(r % KEYS);
		struct grt_cell k[2] = {{.l = (int64_t)(i * 7919) - 1000}, {.s = name}};
		struct grt_cell *v;

		snprintf(name, sizeof(name), "n%d", i % 37);
		switch ((r >> 32) % 4) {
		case 0:
		case 1: /* upsert */
			v = grt_assoc_get(a, k, true);
			assert_non_null(v);
			if (!present[i]) {
				assert_int_equal(v->l, 0);
				present[i] = true;
				count++;
			}
			v->l = ref[i] = (int64_t)r;
			break;
		case 2: /* delete */
			assert_int_equal(grt_assoc_delete(a, k), present[i] ? 0 : -ENOENT);
			if (present[i]) {
				present[i] = false;
				count--;
			}
			break;
		default: /* lookup */
			v = grt_assoc_get(a, k, false);
			if (present[i])
				assert_int_equal(v->l, ref[i]);
			else
				assert_null(v);
			break;
		}
		assert_int_equal(grt_assoc_count(a), count);
	}
	grt_assoc_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_errors),
	    cmocka_unit_test(test_long_keys),
	    cmocka_unit_test(test_string_keys),
	    cmocka_unit_test(test_tuple_keys),
	    cmocka_unit_test(test_string_values),
	    cmocka_unit_test(test_stats_values),
	    cmocka_unit_test(test_maxentries),
	    cmocka_unit_test(test_delete_and_order),
	    cmocka_unit_test(test_delete_while_iterating),
	    cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
