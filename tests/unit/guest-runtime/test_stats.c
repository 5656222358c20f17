// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/stats.c and the bucket functions of
 * taphub/stat.h.
 *
 * Expected values follow SystemTap: @avg is the integer quotient
 * sum / count; @count and @sum of an empty aggregate are 0 while @min,
 * @max and @avg are an error; log buckets as _stp_val_to_bucket() places
 * values (0 -> 64, 1 -> 65, 2..3 -> 66, -1 -> 63, INT64_MIN -> 0); linear
 * buckets as __stp_stat_add() does with (hi - lo) / step + 3 buckets,
 * where a value equal to hi still has its own bucket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "guest-runtime/grt.h"

static const struct grt_histspec none = {.kind = TH_HIST_NONE};
static const struct grt_histspec logh = {.kind = TH_HIST_LOG};
static const struct grt_histspec lin = {.kind = TH_HIST_LINEAR, .lo = 0, .hi = 100, .step = 10};

static int64_t x(const int64_t *st, int which)
{
	int64_t v = 0x5a5a;

	assert_int_equal(grt_stat_extract(st, which, &v), 0);
	return v;
}

static void test_slots(void **state)
{
	(void)state;
	assert_int_equal(grt_stat_slots(&none), 4);
	assert_int_equal(grt_stat_slots(NULL), 4);
	assert_int_equal(grt_stat_slots(&logh), 4 + 128);
	assert_int_equal(grt_stat_slots(&lin), 4 + 13);

	struct grt_histspec h = {.kind = TH_HIST_LINEAR, .lo = 0, .hi = 95, .step = 10};

	assert_int_equal(grt_stat_slots(&h), 4 + 12);
	h = (struct grt_histspec){.kind = TH_HIST_LINEAR, .lo = -20, .hi = 20, .step = 10};
	assert_int_equal(grt_stat_slots(&h), 4 + 7);
	/* Malformed specs get no buckets rather than a wild size. */
	h = (struct grt_histspec){.kind = TH_HIST_LINEAR, .lo = 0, .hi = 100, .step = 0};
	assert_int_equal(grt_stat_slots(&h), 4);
	h = (struct grt_histspec){.kind = TH_HIST_LINEAR, .lo = 0, .hi = 100, .step = -1};
	assert_int_equal(grt_stat_slots(&h), 4);
	h = (struct grt_histspec){.kind = TH_HIST_LINEAR, .lo = 10, .hi = 10, .step = 1};
	assert_int_equal(grt_stat_slots(&h), 4);
	h = (struct grt_histspec){
	    .kind = TH_HIST_LINEAR, .lo = INT64_MIN, .hi = INT64_MAX, .step = 1};
	assert_int_equal(grt_stat_slots(&h), 4);
	h = (struct grt_histspec){.kind = TH_HIST_LINEAR, .lo = 0, .hi = 1021, .step = 1};
	assert_int_equal(grt_stat_slots(&h), 4 + 1024);
	h.hi = 1022;
	assert_int_equal(grt_stat_slots(&h), 4);
	h = (struct grt_histspec){.kind = 7};
	assert_int_equal(grt_stat_slots(&h), 4);
}

static void test_log_buckets(void **state)
{
	(void)state;
	assert_int_equal(th_hist_log_bucket(0), 64);
	assert_int_equal(th_hist_log_bucket(1), 65);
	assert_int_equal(th_hist_log_bucket(2), 66);
	assert_int_equal(th_hist_log_bucket(3), 66);
	assert_int_equal(th_hist_log_bucket(4), 67);
	assert_int_equal(th_hist_log_bucket(7), 67);
	assert_int_equal(th_hist_log_bucket(8), 68);
	assert_int_equal(th_hist_log_bucket(1023), 74);
	assert_int_equal(th_hist_log_bucket(1024), 75);
	assert_int_equal(th_hist_log_bucket(INT64_MAX), 127);
	assert_int_equal(th_hist_log_bucket(-1), 63);
	assert_int_equal(th_hist_log_bucket(-2), 62);
	assert_int_equal(th_hist_log_bucket(-3), 62);
	assert_int_equal(th_hist_log_bucket(-4), 61);
	assert_int_equal(th_hist_log_bucket(-INT64_MAX), 1);
	assert_int_equal(th_hist_log_bucket(INT64_MIN), 0);

	assert_int_equal(th_hist_log_value(64), 0);
	assert_int_equal(th_hist_log_value(65), 1);
	assert_int_equal(th_hist_log_value(66), 2);
	assert_int_equal(th_hist_log_value(75), 1024);
	assert_int_equal(th_hist_log_value(127), (int64_t)1 << 62);
	assert_int_equal(th_hist_log_value(63), -1);
	assert_int_equal(th_hist_log_value(62), -2);
	assert_int_equal(th_hist_log_value(1), -((int64_t)1 << 62));
	assert_int_equal(th_hist_log_value(0), INT64_MIN);
	/* Every bucket's label value lands in that bucket. */
	for (int b = 0; b < TH_HIST_LOG_BUCKETS; b++)
		assert_int_equal(th_hist_log_bucket(th_hist_log_value(b)), b);
}

static void test_linear_buckets(void **state)
{
	(void)state;
	assert_int_equal(th_hist_linear_nbuckets(0, 100, 10), 13);
	assert_int_equal(th_hist_linear_bucket(-1, 0, 100, 10), 0);
	assert_int_equal(th_hist_linear_bucket(INT64_MIN, 0, 100, 10), 0);
	assert_int_equal(th_hist_linear_bucket(0, 0, 100, 10), 1);
	assert_int_equal(th_hist_linear_bucket(9, 0, 100, 10), 1);
	assert_int_equal(th_hist_linear_bucket(10, 0, 100, 10), 2);
	assert_int_equal(th_hist_linear_bucket(99, 0, 100, 10), 10);
	/* hi has a bucket of its own; overflow starts a step later. */
	assert_int_equal(th_hist_linear_bucket(100, 0, 100, 10), 11);
	assert_int_equal(th_hist_linear_bucket(109, 0, 100, 10), 11);
	assert_int_equal(th_hist_linear_bucket(110, 0, 100, 10), 12);
	assert_int_equal(th_hist_linear_bucket(INT64_MAX, 0, 100, 10), 12);
	/* Not a multiple: (95 - 0) / 10 + 3 = 12 buckets, overflow from 100. */
	assert_int_equal(th_hist_linear_nbuckets(0, 95, 10), 12);
	assert_int_equal(th_hist_linear_bucket(95, 0, 95, 10), 10);
	assert_int_equal(th_hist_linear_bucket(100, 0, 95, 10), 11);
	/* Negative ranges. */
	assert_int_equal(th_hist_linear_bucket(-21, -20, 20, 10), 0);
	assert_int_equal(th_hist_linear_bucket(-20, -20, 20, 10), 1);
	assert_int_equal(th_hist_linear_bucket(-11, -20, 20, 10), 1);
	assert_int_equal(th_hist_linear_bucket(-10, -20, 20, 10), 2);
	assert_int_equal(th_hist_linear_bucket(20, -20, 20, 10), 5);
	assert_int_equal(th_hist_linear_bucket(30, -20, 20, 10), 6);
	/* v - lo beyond INT64_MAX must not wrap into the underflow bucket. */
	assert_int_equal(th_hist_linear_bucket(INT64_MAX, INT64_MIN, INT64_MIN + 100, 10), 12);
	assert_int_equal(th_hist_linear_bucket(INT64_MIN + 5, INT64_MIN, INT64_MIN + 100, 10), 1);
}

static void test_add_extract(void **state)
{
	(void)state;
	int64_t st[4 + 128];

	grt_stat_init(st, &logh);
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		assert_int_equal(st[i], 0);

	grt_stat_add(st, &logh, 5);
	assert_int_equal(x(st, GRT_X_COUNT), 1);
	assert_int_equal(x(st, GRT_X_SUM), 5);
	assert_int_equal(x(st, GRT_X_MIN), 5);
	assert_int_equal(x(st, GRT_X_MAX), 5);
	assert_int_equal(x(st, GRT_X_AVG), 5);

	grt_stat_add(st, &logh, -3);
	grt_stat_add(st, &logh, 0);
	grt_stat_add(st, &logh, 5);
	assert_int_equal(x(st, GRT_X_COUNT), 4);
	assert_int_equal(x(st, GRT_X_SUM), 7);
	assert_int_equal(x(st, GRT_X_MIN), -3);
	assert_int_equal(x(st, GRT_X_MAX), 5);
	assert_int_equal(x(st, GRT_X_AVG), 1); /* 7 / 4 */
	assert_int_equal(st[4 + 67], 2);       /* 5, 5 */
	assert_int_equal(st[4 + 64], 1);       /* 0 */
	assert_int_equal(st[4 + 62], 1);       /* -3 */

	/* Integer division truncates toward zero: -7 / 2 = -3. */
	grt_stat_init(st, &none);
	grt_stat_add(st, &none, -3);
	grt_stat_add(st, &none, -4);
	assert_int_equal(x(st, GRT_X_AVG), -3);

	/* Only negative values: min and max are not stuck at 0. */
	assert_int_equal(x(st, GRT_X_MAX), -3);
	assert_int_equal(x(st, GRT_X_MIN), -4);
}

static void test_empty(void **state)
{
	(void)state;
	int64_t st[4 + 13], v = 77;

	grt_stat_init(st, &lin);
	assert_int_equal(x(st, GRT_X_COUNT), 0);
	assert_int_equal(x(st, GRT_X_SUM), 0);
	assert_int_equal(grt_stat_extract(st, GRT_X_MIN, &v), -ENODATA);
	assert_int_equal(grt_stat_extract(st, GRT_X_MAX, &v), -ENODATA);
	assert_int_equal(grt_stat_extract(st, GRT_X_AVG, &v), -ENODATA);
	assert_int_equal(v, 77);
	assert_int_equal(grt_stat_extract(st, 5, &v), -EINVAL);
	assert_int_equal(grt_stat_extract(st, -1, &v), -EINVAL);
	assert_int_equal(v, 77);
}

static void test_extremes(void **state)
{
	(void)state;
	int64_t st[4 + 128];

	grt_stat_init(st, &logh);
	grt_stat_add(st, &logh, INT64_MAX);
	grt_stat_add(st, &logh, INT64_MIN);
	assert_int_equal(x(st, GRT_X_MIN), INT64_MIN);
	assert_int_equal(x(st, GRT_X_MAX), INT64_MAX);
	assert_int_equal(x(st, GRT_X_SUM), -1);
	assert_int_equal(x(st, GRT_X_AVG), 0); /* -1 / 2 */
	assert_int_equal(st[4 + 127], 1);
	assert_int_equal(st[4 + 0], 1);

	/* The sum wraps like the kernel's, with no undefined behaviour. */
	grt_stat_init(st, &none);
	grt_stat_add(st, &none, INT64_MAX);
	grt_stat_add(st, &none, 1);
	assert_int_equal(x(st, GRT_X_SUM), INT64_MIN);

	/* A linear histogram with values far outside its range. */
	int64_t l[4 + 13];

	grt_stat_init(l, &lin);
	grt_stat_add(l, &lin, INT64_MIN);
	grt_stat_add(l, &lin, INT64_MAX);
	grt_stat_add(l, &lin, 100);
	assert_int_equal(l[4 + 0], 1);
	assert_int_equal(l[4 + 11], 1);
	assert_int_equal(l[4 + 12], 1);
}

static void test_merge(void **state)
{
	(void)state;
	int64_t a[4 + 13], b[4 + 13], empty[4 + 13], v;

	grt_stat_init(a, &lin);
	grt_stat_init(b, &lin);
	grt_stat_init(empty, &lin);

	/* Merging an empty (all-zero, like a fresh per-CPU value) copy
	 * must not drag min/max to 0. */
	grt_stat_add(b, &lin, 50);
	grt_stat_add(b, &lin, 70);
	grt_stat_merge(a, empty, &lin);
	assert_int_equal(x(a, GRT_X_COUNT), 0);
	assert_int_equal(grt_stat_extract(a, GRT_X_MIN, &v), -ENODATA);
	grt_stat_merge(a, b, &lin);
	grt_stat_merge(a, empty, &lin);
	assert_int_equal(x(a, GRT_X_COUNT), 2);
	assert_int_equal(x(a, GRT_X_MIN), 50);
	assert_int_equal(x(a, GRT_X_MAX), 70);

	int64_t c[4 + 13];

	grt_stat_init(c, &lin);
	grt_stat_add(c, &lin, -5);
	grt_stat_add(c, &lin, 55);
	grt_stat_merge(a, c, &lin);
	assert_int_equal(x(a, GRT_X_COUNT), 4);
	assert_int_equal(x(a, GRT_X_SUM), 170);
	assert_int_equal(x(a, GRT_X_MIN), -5);
	assert_int_equal(x(a, GRT_X_MAX), 70);
	assert_int_equal(x(a, GRT_X_AVG), 42);
	assert_int_equal(a[4 + 0], 1); /* -5 */
	assert_int_equal(a[4 + 6], 2); /* 50, 55 */
	assert_int_equal(a[4 + 8], 1); /* 70 */

	/* Merging equals adding everything to one aggregate. */
	int64_t m[4 + 13], all[4 + 13];

	grt_stat_init(m, &lin);
	grt_stat_init(all, &lin);
	for (int cpu = 0; cpu < 4; cpu++) {
		int64_t pc[4 + 13];

		grt_stat_init(pc, &lin);
		for (int i = 0; i < 50; i++) {
			int64_t val = (i * 37 + cpu * 11) % 140 - 20;

			grt_stat_add(pc, &lin, val);
			grt_stat_add(all, &lin, val);
		}
		grt_stat_merge(m, pc, &lin);
	}
	assert_memory_equal(m, all, sizeof(m));
}

/*
 * @variance: SystemTap's integer Welford per copy and its merge of the
 * copies.  The expected values were computed by a transcription of stap's
 * __stp_stat_add() and _stp_stat_get() (runtime/stat-common.c, stat.c).
 */
static int64_t variance_of(const int64_t *vals, int n, int shift)
{
	struct grt_histspec h = {.kind = TH_HIST_NONE, .variance = true, .vshift = shift};
	int64_t st[6] = {0}, m[6] = {0}, v = 0;

	assert_int_equal(grt_stat_slots(&h), 6);
	for (int i = 0; i < n; i++)
		grt_stat_add(st, &h, vals[i]);
	grt_stat_merge(m, st, &h);
	grt_stat_variance_merge(m, st, 6, 1, &h);
	assert_int_equal(grt_stat_variance(m, &h, &v), 0);
	return v;
}

static void test_variance(void **state)
{
	static const int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	static const int64_t mixed[] = {5, -3, 100000, 7, -250, 12};
	/* the int difference of stap's update wraps: 2^32 + 1 counts as 1 */
	static const int64_t wide[] = {0, (1LL << 32) + 1};
	static const int64_t one[] = {7};
	struct grt_histspec h = {.kind = TH_HIST_LOG, .variance = true, .vshift = 2};
	int64_t copies[3][4 + 128 + 2], m[4 + 128 + 2], v;

	(void)state;
	/* without a shift the running mean truncates: stap prints 48, not 9 */
	assert_int_equal(variance_of(ten, 10, 0), 48);
	assert_int_equal(variance_of(ten, 10, 3), 9);
	assert_int_equal(variance_of(mixed, 6, 0), 1668228195);
	assert_int_equal(variance_of(wide, 2, 0), -9223372032559808511LL);
	assert_int_equal(variance_of(one, 1, 0), 0);

	/* three per-CPU copies (with a log histogram before the slots), merged */
	memset(copies, 0, sizeof(copies));
	for (int i = 1; i <= 4; i++)
		grt_stat_add(copies[0], &h, i);
	for (int i = 100; i <= 300; i += 100)
		grt_stat_add(copies[1], &h, i);
	grt_stat_add(copies[2], &h, 50);
	assert_int_equal(copies[0][4 + 128], 10); /* the copy's scaled mean */
	assert_int_equal(copies[0][4 + 128 + 1], 80);
	grt_stat_init(m, &h);
	for (int c = 0; c < 3; c++)
		grt_stat_merge(m, copies[c], &h);
	grt_stat_variance_merge(m, &copies[0][0], 4 + 128 + 2, 3, &h);
	assert_int_equal(grt_stat_variance(m, &h, &v), 0);
	assert_int_equal(v, 12582);
	assert_int_equal(x(m, GRT_X_COUNT), 8);

	/* empty: an error, as @min; without the slots: not asked for */
	grt_stat_init(m, &h);
	assert_int_equal(grt_stat_variance(m, &h, &v), -ENODATA);
	assert_int_equal(grt_stat_variance(m, &none, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slots),	   cmocka_unit_test(test_log_buckets),
	    cmocka_unit_test(test_linear_buckets), cmocka_unit_test(test_add_extract),
	    cmocka_unit_test(test_empty),	   cmocka_unit_test(test_extremes),
	    cmocka_unit_test(test_merge),	   cmocka_unit_test(test_variance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
