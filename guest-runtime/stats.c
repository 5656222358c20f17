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
 * integer quotient sum / count, truncated toward zero.  @variance keeps
 * Welford's state per copy in two more slots and combines the copies
 * with stap's formula (grt_stat_variance_merge), in integers, so it
 * prints what stap prints.
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
	return TH_STAT_HDR + hist_nbuckets(h) + (h && h->variance ? TH_STAT_VAR_SLOTS : 0);
}

/* The first @variance slot: after the buckets. */
static size_t var_slot(const struct grt_histspec *h)
{
	return TH_STAT_HDR + hist_nbuckets(h);
}

/* _stp_div64(): C's truncating division, 0 for a zero divisor (stap ignores that error). */
static int64_t div64(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return (int64_t)(0 - (uint64_t)x);
	return x / y;
}

static inline int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t shl(int64_t v, int n)
{
	return (int64_t)((uint64_t)v << n);
}

/*
 * One step of Welford's algorithm, after v was counted: stap's
 * __stp_stat_add() exactly, whose difference is an int (so it wraps at
 * 32 bits, as there).  The eBPF side has the same in th_stat_var_add().
 */
static void var_add(int64_t *st, const struct grt_histspec *h, int64_t v)
{
	size_t k = var_slot(h);
	int64_t vs = shl(v, h->vshift);
	int32_t delta;

	if (st[TH_STAT_COUNT] <= 1) {
		st[k] = vs;
		st[k + 1] = 0;
		return;
	}
	delta = (int32_t)(uint32_t)(uint64_t)(vs - st[k]);
	st[k] += div64(delta, st[TH_STAT_COUNT]);
	st[k + 1] = wrap_add(st[k + 1], wrap_mul(delta, vs - st[k]));
}

/*
 * stap's _stp_stat_get(): the mean of the whole from the total sum, then
 * the "total variance" of the copies: S1 = sum of count * (mean_i -
 * mean)^2, S2 = sum of (count - 1) * var_i with var_i = M2_i / (count - 1)
 * as each copy last computed it, variance = (S1 + S2) / (count - 1)
 * scaled back by 2^(2 * shift).
 */
void grt_stat_variance_merge(int64_t *dst, const int64_t *copies, size_t stride, int n,
			     const struct grt_histspec *h)
{
	size_t k;
	int64_t avg, s1 = 0, s2 = 0, var;
	int i;

	if (!h || !h->variance)
		return;
	k = var_slot(h);
	avg = div64(shl(dst[TH_STAT_SUM], h->vshift), dst[TH_STAT_COUNT]);
	for (i = 0; i < n; i++) {
		const int64_t *c = copies + (size_t)i * stride;
		int64_t cnt = c[TH_STAT_COUNT], d = c[k] - avg;

		if (!cnt)
			continue;
		s1 = wrap_add(s1, wrap_mul(wrap_mul(cnt, d), d));
		if (cnt >= 2)
			s2 = wrap_add(s2, wrap_mul(cnt - 1, div64(c[k + 1], cnt - 1)));
	}
	var = div64(wrap_add(s1, s2), dst[TH_STAT_COUNT] - 1);
	dst[k] = avg;
	/* a shift past 62 bits is x86's, masked (C leaves >= 64 undefined); eBPF does the same */
	dst[k + 1] = var >> ((2 * h->vshift) & 63);
}

int grt_stat_variance(const int64_t *st, const struct grt_histspec *h, int64_t *ret)
{
	if (!h || !h->variance)
		return -EINVAL;
	if (st[TH_STAT_COUNT] <= 0)
		return -ENODATA;
	*ret = st[var_slot(h) + 1];
	return 0;
}

void grt_stat_init(int64_t *st, const struct grt_histspec *h)
{
	memset(st, 0, grt_stat_slots(h) * sizeof(*st));
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
	if (h && h->variance)
		var_add(st, h, v);
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
