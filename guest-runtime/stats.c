// SPDX-License-Identifier: MIT
/*
 * stats.c - statistics aggregates (`s <<< v`) on the user side: update,
 * merge of per-CPU copies, and the @count/@sum/@min/@max/@avg extractors.
 *
 * An aggregate is the flat int64_t array of taphub/stat.h: count, sum,
 * min, max, then the buckets of its one histogram.  An all-zero array is
 * the empty aggregate, which is what a fresh eBPF per-CPU map value looks
 * like, so min and max only mean something while count > 0 and every
 * combining step looks at count first.  Sums wrap modulo 2^64 like the
 * kernel's do rather than overflow (undefined behaviour in C).
 *
 * As in SystemTap, @count and @sum of an empty aggregate are 0 while
 * @min, @max and @avg are an error ("empty aggregate"); @avg is the
 * integer quotient sum / count, truncated toward zero.
 */
#include <errno.h>
#include <string.h>

#include "guest-runtime/grt.h"

/* Buckets of h, or 0 for no histogram or one the compiler should have
 * refused (then the aggregate just has no buckets). */
static size_t hist_nbuckets(const struct grt_histspec *h)
{
	if (!h)
		return 0;
	switch (h->kind) {
	case TH_HIST_LOG:
		return TH_HIST_LOG_BUCKETS;
	case TH_HIST_LINEAR:
		if (h->step <= 0 || h->hi <= h->lo)
			return 0;
		/* Divide first: hi - lo itself may not fit an int. */
		if (((uint64_t)h->hi - (uint64_t)h->lo) / (uint64_t)h->step >
		    TH_HIST_LINEAR_MAX_BUCKETS - 3)
			return 0;
		return (size_t)th_hist_linear_nbuckets(h->lo, h->hi, h->step);
	default:
		return 0;
	}
}

size_t grt_stat_slots(const struct grt_histspec *h)
{
	return TH_STAT_HDR + hist_nbuckets(h);
}

void grt_stat_init(int64_t *st, const struct grt_histspec *h)
{
	memset(st, 0, grt_stat_slots(h) * sizeof(*st));
}

static inline int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

void grt_stat_add(int64_t *st, const struct grt_histspec *h, int64_t v)
{
	size_t nb = hist_nbuckets(h);

	if (st[TH_STAT_COUNT] == 0) {
		st[TH_STAT_MIN] = v;
		st[TH_STAT_MAX] = v;
	} else {
		if (v < st[TH_STAT_MIN])
			st[TH_STAT_MIN] = v;
		if (v > st[TH_STAT_MAX])
			st[TH_STAT_MAX] = v;
	}
	st[TH_STAT_COUNT]++;
	st[TH_STAT_SUM] = wrap_add(st[TH_STAT_SUM], v);
	if (!nb)
		return;
	if (h->kind == TH_HIST_LOG)
		st[TH_STAT_HDR + th_hist_log_bucket(v)]++;
	else
		st[TH_STAT_HDR + th_hist_linear_bucket(v, h->lo, h->hi, h->step)]++;
}

void grt_stat_merge(int64_t *dst, const int64_t *src, const struct grt_histspec *h)
{
	size_t nb = hist_nbuckets(h);

	if (src[TH_STAT_COUNT] == 0)
		return; /* an empty copy: its min/max are meaningless zeros */
	if (dst[TH_STAT_COUNT] == 0) {
		dst[TH_STAT_MIN] = src[TH_STAT_MIN];
		dst[TH_STAT_MAX] = src[TH_STAT_MAX];
	} else {
		if (src[TH_STAT_MIN] < dst[TH_STAT_MIN])
			dst[TH_STAT_MIN] = src[TH_STAT_MIN];
		if (src[TH_STAT_MAX] > dst[TH_STAT_MAX])
			dst[TH_STAT_MAX] = src[TH_STAT_MAX];
	}
	dst[TH_STAT_COUNT] = wrap_add(dst[TH_STAT_COUNT], src[TH_STAT_COUNT]);
	dst[TH_STAT_SUM] = wrap_add(dst[TH_STAT_SUM], src[TH_STAT_SUM]);
	for (size_t i = 0; i < nb; i++)
		dst[TH_STAT_HDR + i] = wrap_add(dst[TH_STAT_HDR + i], src[TH_STAT_HDR + i]);
}

int grt_stat_extract(const int64_t *st, int x, int64_t *ret)
{
	int64_t count = st[TH_STAT_COUNT];

	switch (x) {
	case GRT_X_COUNT:
		*ret = count;
		return 0;
	case GRT_X_SUM:
		*ret = st[TH_STAT_SUM];
		return 0;
	case GRT_X_MIN:
	case GRT_X_MAX:
	case GRT_X_AVG:
		break;
	default:
		return -EINVAL;
	}
	if (count <= 0)
		return -ENODATA;
	if (x == GRT_X_MIN)
		*ret = st[TH_STAT_MIN];
	else if (x == GRT_X_MAX)
		*ret = st[TH_STAT_MAX];
	else
		*ret = st[TH_STAT_SUM] / count; /* C truncates toward 0, as _stp_div64 */
	return 0;
}
