// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/hist.c: histograms printed byte for byte as
 * SystemTap's _stp_stat_print_histogram() prints them.
 *
 * Each expected text was worked out by hand from stap's rules: header
 * "value |" + 50 dashes + " count"; rows from the first to the last
 * non-empty bucket widened by two empty ones each side (log histograms
 * not below 0 without negatives; linear ones losing empty under/overflow
 * rows); value column as wide as the widest label and at least 5; bars
 * of count / ceil(max / 50) '@'; counts right-aligned in a field of
 * 50 - bar + 1 + digits(max); rows with two empty neighbours each side
 * elided behind one "~" line; a blank line at the end.  The spacing
 * numbers in the row() calls below are those hand computations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "guest-runtime/grt.h"

static void rep(struct grt_buf *b, char c, int n)
{
	while (n-- > 0)
		assert_int_equal(grt_buf_putc(b, c), 0);
}

static void header(struct grt_buf *w, int val_space)
{
	rep(w, ' ', val_space - 5);
	grt_buf_puts(w, "value |");
	rep(w, '-', 50);
	grt_buf_puts(w, " count\n");
}

/* label (already padded) " |", bars '@', pad spaces, count, newline */
static void row(struct grt_buf *w, const char *label, int bars, int pad, const char *count)
{
	grt_buf_puts(w, label);
	grt_buf_puts(w, " |");
	rep(w, '@', bars);
	rep(w, ' ', pad);
	grt_buf_puts(w, count);
	grt_buf_putc(w, '\n');
}

static void tilde(struct grt_buf *w, int val_space)
{
	rep(w, ' ', val_space);
	grt_buf_puts(w, " ~\n");
}

static void check(struct grt_buf *got, struct grt_buf *want)
{
	grt_buf_putc(want, '\n');
	if (got->len != want->len || memcmp(got->data, want->data, want->len))
		fail_msg("got:\n%s\nwant:\n%s", got->data, want->data);
	grt_buf_free(got);
	grt_buf_free(want);
}

static const struct grt_histspec logh = {.kind = TH_HIST_LOG};

static void test_log_basic(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	grt_stat_add(st, &logh, 1);
	grt_stat_add(st, &logh, 2);
	grt_stat_add(st, &logh, 3);
	grt_stat_add(st, &logh, 3);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* Data in buckets 1 and 2; widened down to 0 (not below) and up
	 * to 8.  Largest count 3: counts end 50 + 1 + 1 columns on. */
	header(&want, 5);
	row(&want, "    0", 0, 51, "0");
	row(&want, "    1", 1, 50, "1");
	row(&want, "    2", 3, 48, "3");
	row(&want, "    4", 0, 51, "0");
	row(&want, "    8", 0, 51, "0");
	check(&got, &want);
}

static void test_log_elision(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	grt_stat_add(st, &logh, 1);
	grt_stat_add(st, &logh, 1024);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* Rows 0 .. 4096; 8 .. 128 are elided: each has two empty rows on
	 * both sides.  The widest label, 4096, fits in "value". */
	header(&want, 5);
	row(&want, "    0", 0, 51, "0");
	row(&want, "    1", 1, 50, "1");
	row(&want, "    2", 0, 51, "0");
	row(&want, "    4", 0, 51, "0");
	tilde(&want, 5);
	row(&want, "  256", 0, 51, "0");
	row(&want, "  512", 0, 51, "0");
	row(&want, " 1024", 1, 50, "1");
	row(&want, " 2048", 0, 51, "0");
	row(&want, " 4096", 0, 51, "0");
	check(&got, &want);
}

static void test_log_negative(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	grt_stat_add(st, &logh, -3);
	grt_stat_add(st, &logh, -1);
	grt_stat_add(st, &logh, 0);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* With negatives the range widens below 0: -2 .. 0 plus two. */
	header(&want, 5);
	row(&want, "   -8", 0, 51, "0");
	row(&want, "   -4", 0, 51, "0");
	row(&want, "   -2", 1, 50, "1");
	row(&want, "   -1", 1, 50, "1");
	row(&want, "    0", 1, 50, "1");
	row(&want, "    1", 0, 51, "0");
	row(&want, "    2", 0, 51, "0");
	check(&got, &want);
}

static void test_log_scaled(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	for (int i = 0; i < 120; i++)
		grt_stat_add(st, &logh, 1);
	grt_stat_add(st, &logh, 4);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* Max 120 > 50: scale ceil(120 / 50) = 3, so 40 '@' and 0 for a
	 * count of 1; counts end 50 + 1 + 3 columns after the bar start. */
	header(&want, 5);
	row(&want, "    0", 0, 53, "0");
	row(&want, "    1", 40, 11, "120");
	row(&want, "    2", 0, 53, "0");
	row(&want, "    4", 0, 53, "1");
	row(&want, "    8", 0, 53, "0");
	row(&want, "   16", 0, 53, "0");
	check(&got, &want);
}

static void test_log_full_width(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	for (int i = 0; i < 50; i++)
		grt_stat_add(st, &logh, 2);
	for (int i = 0; i < 51; i++)
		grt_stat_add(st, &logh, 8);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* 51 > 50: scale 2, so 25 and 25 bars; 2 count digits. */
	header(&want, 5);
	row(&want, "    0", 0, 52, "0");
	row(&want, "    1", 0, 52, "0");
	row(&want, "    2", 25, 26, "50");
	row(&want, "    4", 0, 52, "0");
	row(&want, "    8", 25, 26, "51");
	row(&want, "   16", 0, 52, "0");
	row(&want, "   32", 0, 52, "0");
	check(&got, &want);
}

static void test_log_extremes(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &logh);
	grt_stat_add(st, &logh, INT64_MIN);
	grt_stat_add(st, &logh, INT64_MAX);
	assert_int_equal(grt_hist_log_print(&got, st), 0);

	/* Buckets 0 and 127: no room to widen; labels up to 20 columns. */
	header(&want, 20);
	row(&want, "-9223372036854775808", 1, 50, "1");
	row(&want, "-4611686018427387904", 0, 51, "0");
	row(&want, "-2305843009213693952", 0, 51, "0");
	tilde(&want, 20);
	row(&want, " 1152921504606846976", 0, 51, "0");
	row(&want, " 2305843009213693952", 0, 51, "0");
	row(&want, " 4611686018427387904", 1, 50, "1");
	check(&got, &want);
}

static void test_linear(void **state)
{
	(void)state;
	struct grt_histspec h = {.kind = TH_HIST_LINEAR, .lo = 0, .hi = 100, .step = 10};
	int64_t st[4 + 13];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &h);
	grt_stat_add(st, &h, 5);
	grt_stat_add(st, &h, 15);
	grt_stat_add(st, &h, 15);
	grt_stat_add(st, &h, 100);
	grt_stat_add(st, &h, 150);
	grt_stat_add(st, &h, -3);
	assert_int_equal(grt_hist_linear_print(&got, st, 0, 100, 10), 0);

	/* Underflow "<0" and overflow ">100" rows; 100 itself has a row.
	 * Width: max(len("0") + 1, len("120") + 1) = 4, so 5. */
	header(&want, 5);
	row(&want, "   <0", 1, 50, "1");
	row(&want, "    0", 1, 50, "1");
	row(&want, "   10", 2, 49, "2");
	row(&want, "   20", 0, 51, "0");
	row(&want, "   30", 0, 51, "0");
	tilde(&want, 5);
	row(&want, "   80", 0, 51, "0");
	row(&want, "   90", 0, 51, "0");
	row(&want, "  100", 1, 50, "1");
	row(&want, " >100", 1, 50, "1");
	check(&got, &want);
}

static void test_linear_inner(void **state)
{
	(void)state;
	struct grt_histspec h = {.kind = TH_HIST_LINEAR, .lo = 0, .hi = 100, .step = 10};
	int64_t st[4 + 13];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &h);
	grt_stat_add(st, &h, 50);
	assert_int_equal(grt_hist_linear_print(&got, st, 0, 100, 10), 0);
	header(&want, 5);
	row(&want, "   30", 0, 51, "0");
	row(&want, "   40", 0, 51, "0");
	row(&want, "   50", 1, 50, "1");
	row(&want, "   60", 0, 51, "0");
	row(&want, "   70", 0, 51, "0");
	check(&got, &want);

	/* Data in the first bucket: the empty underflow row is dropped. */
	grt_stat_init(st, &h);
	grt_stat_add(st, &h, 0);
	assert_int_equal(grt_hist_linear_print(&got, st, 0, 100, 10), 0);
	header(&want, 5);
	row(&want, "    0", 1, 50, "1");
	row(&want, "   10", 0, 51, "0");
	row(&want, "   20", 0, 51, "0");
	check(&got, &want);

	/* Data in the hi bucket: the empty overflow row is dropped. */
	grt_stat_init(st, &h);
	grt_stat_add(st, &h, 105);
	assert_int_equal(grt_hist_linear_print(&got, st, 0, 100, 10), 0);
	header(&want, 5);
	row(&want, "   80", 0, 51, "0");
	row(&want, "   90", 0, 51, "0");
	row(&want, "  100", 1, 50, "1");
	check(&got, &want);
}

static void test_linear_negative_wide(void **state)
{
	(void)state;
	struct grt_histspec h = {.kind = TH_HIST_LINEAR, .lo = -20, .hi = 20, .step = 10};
	struct grt_histspec w = {.kind = TH_HIST_LINEAR, .lo = 0, .hi = 1000000, .step = 100000};
	int64_t st[4 + 7], sw[4 + 13];
	struct grt_buf got = {0}, want = {0};

	grt_stat_init(st, &h);
	grt_stat_add(st, &h, -15);
	grt_stat_add(st, &h, 5);
	assert_int_equal(grt_hist_linear_print(&got, st, -20, 20, 10), 0);
	header(&want, 5);
	row(&want, "  -20", 1, 50, "1");
	row(&want, "  -10", 0, 51, "0");
	row(&want, "    0", 1, 50, "1");
	row(&want, "   10", 0, 51, "0");
	row(&want, "   20", 0, 51, "0");
	check(&got, &want);

	/* Wide labels: stap sizes the column from lo + step * 12 (1200000,
	 * one step past the last label) plus one for '>': 8 columns. */
	grt_stat_init(sw, &w);
	grt_stat_add(sw, &w, 5000000);
	assert_int_equal(grt_hist_linear_print(&got, sw, 0, 1000000, 100000), 0);
	header(&want, 8);
	row(&want, "  900000", 0, 51, "0");
	row(&want, " 1000000", 0, 51, "0");
	row(&want, ">1000000", 1, 50, "1");
	check(&got, &want);
}

static void test_errors(void **state)
{
	(void)state;
	int64_t st[4 + 128];
	struct grt_buf b = {0};

	grt_stat_init(st, &logh);
	assert_int_equal(grt_buf_puts(&b, "x"), 0);
	/* An empty aggregate: stap's "empty aggregate" error. */
	assert_int_equal(grt_hist_log_print(&b, st), -ENODATA);
	assert_int_equal(grt_hist_linear_print(&b, st, 0, 100, 10), -ENODATA);
	assert_int_equal(b.len, 1);
	/* A count but no bucket: nothing to draw. */
	st[TH_STAT_COUNT] = 1;
	assert_int_equal(grt_hist_log_print(&b, st), -ENODATA);
	/* Malformed linear parameters. */
	assert_int_equal(grt_hist_linear_print(&b, st, 0, 100, 0), -EINVAL);
	assert_int_equal(grt_hist_linear_print(&b, st, 100, 0, 10), -EINVAL);
	assert_int_equal(grt_hist_linear_print(&b, st, 0, 100000, 1), -EINVAL);
	assert_int_equal(grt_hist_log_print(NULL, st), -EINVAL);
	assert_int_equal(grt_hist_log_print(&b, NULL), -EINVAL);
	assert_string_equal(b.data, "x");
	grt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_basic),
	    cmocka_unit_test(test_log_elision),
	    cmocka_unit_test(test_log_negative),
	    cmocka_unit_test(test_log_scaled),
	    cmocka_unit_test(test_log_full_width),
	    cmocka_unit_test(test_log_extremes),
	    cmocka_unit_test(test_linear),
	    cmocka_unit_test(test_linear_inner),
	    cmocka_unit_test(test_linear_negative_wide),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
