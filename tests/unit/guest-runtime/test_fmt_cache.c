// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/fmt_cache.c: a runtime's compiled printf formats,
 * keyed by the literal's address.  ASan (the unit build) checks that
 * grt_fmt_cache_free() frees every compiled format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest-runtime/fmt_cache.h"

static void test_same_site_compiled_once(void **state)
{
	static const char site[] = "%d %s\n";
	struct grt_fmt_cache c = { 0 };
	struct grt_fmt *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(grt_fmt_cache_get(&c, site, &a), 0);
	assert_int_equal(grt_fmt_cache_get(&c, site, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(grt_fmt_nargs(a), 2);
	assert_int_equal(c.n, 1);
	grt_fmt_cache_free(&c);
	assert_int_equal(c.cap, 0);
}

/* Two sites with equal text but distinct storage are two keys: the cache
 * never compares text, so it cannot confuse sites. */
static void test_distinct_sites(void **state)
{
	char one[] = "%d\n", two[] = "%d\n";
	struct grt_fmt_cache c = { 0 };
	struct grt_fmt *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(grt_fmt_cache_get(&c, one, &a), 0);
	assert_int_equal(grt_fmt_cache_get(&c, two, &b), 0);
	assert_ptr_not_equal(a, b);
	assert_int_equal(c.n, 2);
	grt_fmt_cache_free(&c);
}

/* More sites than the first table holds: it grows, and every site still
 * finds the format it compiled first. */
static void test_grows(void **state)
{
	enum { N = 1000 };
	static char text[N][16];
	static struct grt_fmt *first[N];
	struct grt_fmt_cache c = { 0 };
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(text[i], sizeof(text[i]), "%d:%%d\n", i);
		assert_int_equal(grt_fmt_cache_get(&c, text[i], &first[i]), 0);
	}
	assert_int_equal(c.n, N);
	assert_true(c.cap >= 2 * N);
	for (i = 0; i < N; i++) {
		struct grt_fmt *f = NULL;

		assert_int_equal(grt_fmt_cache_get(&c, text[i], &f), 0);
		assert_ptr_equal(f, first[i]);
	}
	grt_fmt_cache_free(&c);
}

static void test_bad_format_not_cached(void **state)
{
	static const char bad[] = "%q\n";
	struct grt_fmt_cache c = { 0 };
	struct grt_fmt *f = NULL;

	(void)state;
	assert_int_equal(grt_fmt_cache_get(&c, bad, &f), -EINVAL);
	assert_int_equal(c.n, 0);
	grt_fmt_cache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_site_compiled_once),
		cmocka_unit_test(test_distinct_sites),
		cmocka_unit_test(test_grows),
		cmocka_unit_test(test_bad_format_not_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
