// SPDX-License-Identifier: MIT
/*
 * hist.c - print(@hist_log(s)) and print(@hist_linear(s, lo, hi, step)),
 * byte for byte as SystemTap's _stp_stat_print_histogram() prints them.
 *
 * The layout, for a log histogram of the values 1, 2, 3 and 3:
 *
 *   value |-------------------------------------------------- count
 *       0 |                                                   0
 *       1 |@                                                  1
 *       2 |@@@                                                3
 *       4 |                                                   0
 *       8 |                                                   0
 *   <blank line>
 *
 * - Rows run from the first to the last non-empty bucket, widened by up
 *   to two empty buckets on each side; a log histogram without negative
 *   values never widens below the 0 row.  A linear histogram then drops
 *   its under/overflow rows again when they are empty; those rows print
 *   as "<lo" and ">edge".
 * - The value column is right-aligned to the width of the widest label
 *   (never less than 5, "value"); for linear histograms stap computes
 *   that width from lo and from lo + step * (last row index), one step
 *   beyond the last label, and we keep that quirk.
 * - Bars are '@' x count / scale, where scale = ceil(max count / 50) once
 *   the largest count exceeds 50; counts are right-aligned so that they
 *   end one column plus the width of the largest count after the bar
 *   area.
 * - A row is elided when it and its two neighbours on each side (within
 *   the shown range) are all empty; each run of elided rows prints one
 *   "~" line in the bar column.
 * - An empty aggregate prints nothing: stap reports "empty aggregate"
 *   instead, here -ENODATA.
 */
#include <errno.h>
#include <string.h>

#include "guest-runtime/grt.h"

#define HIST_WIDTH 50  /* stap's default HIST_WIDTH: bar columns */
#define HIST_ELISION 2 /* stap's default HIST_ELISION: empty rows kept around data */

/* Columns "%lld" takes for v (stap's needed_space). */
static int needed_space(int64_t v)
{
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = v < 0 ? 1 : 0;

	do {
		n++;
		m /= 10;
	} while (m);
	return n;
}

static int put_repeat(struct grt_buf *b, char c, int n)
{
	int r;

	if (n <= 0)
		return 0;
	r = grt_buf_reserve(b, (size_t)n);
	if (r)
		return r;
	memset(b->data + b->len, c, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
	return 0;
}

/* printf("%*s", width, s): a negative width pads on the right. */
static int put_field(struct grt_buf *b, const char *s, int width)
{
	int n = (int)strlen(s), pad = (width < 0 ? -width : width) - n;
	int r = 0;

	if (width > 0)
		r = put_repeat(b, ' ', pad);
	if (!r)
		r = grt_buf_puts(b, s);
	if (!r && width < 0)
		r = put_repeat(b, ' ', pad);
	return r;
}

static int put_long(struct grt_buf *b, int64_t v, int width)
{
	char tmp[24];

	grt_str_long(tmp, sizeof(tmp), v);
	return put_field(b, tmp, width);
}

static inline int64_t wrap_muladd(int64_t a, int64_t b, int64_t c)
{
	return (int64_t)((uint64_t)a + (uint64_t)b * (uint64_t)c);
}

/* Label of row i; prefix gets "<", ">" or "". */
static int64_t row_value(int i, int linear, int nb, int64_t lo, int64_t step, const char **prefix)
{
	*prefix = "";
	if (!linear)
		return th_hist_log_value(i);
	if (i == 0) {
		*prefix = "<";
		return lo;
	}
	if (i == nb - 1) {
		*prefix = ">";
		return wrap_muladd(lo, i - 2, step);
	}
	return wrap_muladd(lo, i - 1, step);
}

static int print_rows(struct grt_buf *out, const int64_t *h, int linear, int nb, int64_t lo,
		      int64_t step)
{
	int low = -1, high = 0, under = 0, over = 0, val_space, cnt_space;
	int max_elide = HIST_ELISION < nb ? HIST_ELISION : nb;
	int eliding = 0, r;
	int64_t valmax = 0, scale;

	for (int i = 0; i < nb; i++) {
		if (h[i] > 0) {
			if (low < 0)
				low = i;
			high = i;
		}
		if (h[i] > valmax)
			valmax = h[i];
	}
	if (low < 0)
		return -ENODATA; /* a count but no bucket: nothing stap could draw */

	for (int k = 0; k < 2; k++) {
		if (linear ? low > 0 : (low != TH_HIST_LOG_ZERO && low > 0))
			low--;
		if (high < nb - 1)
			high++;
	}
	if (linear) {
		if (low == 0 && h[0] == 0)
			low++;
		if (high == nb - 1 && h[high] == 0)
			high--;
		under = low == 0;
		over = high == nb - 1;
	}

	scale = valmax <= HIST_WIDTH ? 1 : valmax / HIST_WIDTH + (valmax % HIST_WIDTH != 0);
	cnt_space = needed_space(valmax);
	if (linear) {
		int a = needed_space(lo) + under;
		int b = needed_space(wrap_muladd(lo, step, high)) + over;

		val_space = a > b ? a : b;
	} else {
		int a = needed_space(th_hist_log_value(high));
		int b = needed_space(th_hist_log_value(low));

		val_space = a > b ? a : b;
	}
	if (val_space < 5)
		val_space = 5;

	r = put_field(out, "value", val_space);
	if (!r)
		r = grt_buf_puts(out, " |");
	if (!r)
		r = put_repeat(out, '-', HIST_WIDTH);
	if (!r)
		r = grt_buf_puts(out, " count\n");

	for (int i = low; !r && i <= high; i++) {
		int mn = i - max_elide > low ? i - max_elide : low;
		int mx = i + max_elide < high ? i + max_elide : high;
		int elide = 1, bar;
		const char *prefix;
		int64_t val;

		for (int k = mn; k <= mx; k++)
			if (h[k] != 0)
				elide = 0;
		if (elide) {
			eliding = 1;
			continue;
		}
		if (eliding) {
			r = put_repeat(out, ' ', val_space);
			if (!r)
				r = grt_buf_puts(out, " ~\n");
			eliding = 0;
			if (r)
				break;
		}

		val = row_value(i, linear, nb, lo, step, &prefix);
		bar = h[i] > 0 ? (int)(h[i] / scale) : 0;
		r = put_field(out, prefix, val_space - needed_space(val));
		if (!r)
			r = put_long(out, val, 0);
		if (!r)
			r = grt_buf_puts(out, " |");
		if (!r)
			r = put_repeat(out, '@', bar);
		if (!r)
			r = put_long(out, h[i], HIST_WIDTH - bar + 1 + cnt_space);
		if (!r)
			r = grt_buf_putc(out, '\n');
	}
	if (!r)
		r = grt_buf_putc(out, '\n');
	return r;
}

static int print_hist(struct grt_buf *out, const int64_t *stat, int linear, int nb, int64_t lo,
		      int64_t step)
{
	size_t start = out->len;
	int r;

	if (stat[TH_STAT_COUNT] <= 0)
		return -ENODATA;
	r = print_rows(out, stat + TH_STAT_HDR, linear, nb, lo, step);
	if (r && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return r;
}

int grt_hist_log_print(struct grt_buf *out, const int64_t *stat)
{
	if (!out || !stat)
		return -EINVAL;
	return print_hist(out, stat, 0, TH_HIST_LOG_BUCKETS, 0, 0);
}

int grt_hist_linear_print(struct grt_buf *out, const int64_t *stat, int64_t lo, int64_t hi,
			  int64_t step)
{
	struct grt_histspec h = {.kind = TH_HIST_LINEAR, .lo = lo, .hi = hi, .step = step};
	size_t slots = grt_stat_slots(&h);

	if (!out || !stat || slots == TH_STAT_HDR)
		return -EINVAL; /* step <= 0, hi <= lo or too many buckets */
	return print_hist(out, stat, 1, (int)(slots - TH_STAT_HDR), lo, step);
}
