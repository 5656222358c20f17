/* SPDX-License-Identifier: MIT */
/*
 * Statistics aggregates (`s <<< v`) as both sides store them.
 *
 * An aggregate is an array of __s64: TH_STAT_HDR fixed slots followed by
 * the histogram buckets of the one histogram kind the script uses on that
 * variable (none, log or linear).  The eBPF side keeps one such array per
 * CPU (a per-CPU map value); user space merges the CPUs with
 * grt_stat_merge() and extracts @count/@sum/@min/@max/@avg from the merged
 * array.  Keeping the layout a flat __s64 array means the kernel value and
 * the user copy are byte-identical and no translation is needed.
 *
 * The bucket functions are static inline so the eBPF code and the user
 * runtime put a value in the same bucket by construction.
 */
#ifndef TAPHUB_STAT_H
#define TAPHUB_STAT_H

#include <linux/types.h>

enum {
	TH_STAT_COUNT = 0,
	TH_STAT_SUM = 1,
	TH_STAT_MIN = 2,
	TH_STAT_MAX = 3,
	TH_STAT_HDR = 4, /* first bucket slot */
};

/*
 * @variance: an aggregate whose variance the script reads has two more
 * slots after its buckets, each copy's state of Welford's algorithm as
 * SystemTap keeps it (runtime/stat-common.c), in integers scaled by 2^N
 * for @variance(s, N): the running mean of v << N, and the sum of the
 * squared differences.  Merging the copies (grt_stat_variance_merge)
 * replaces them with the mean of the whole and the variance.
 */
#define TH_STAT_VAR_SLOTS 2

enum th_hist_kind {
	TH_HIST_NONE = 0,
	TH_HIST_LOG = 1,
	TH_HIST_LINEAR = 2,
};

/*
 * Log histogram, as SystemTap's _stp_val_to_bucket() fills it: bucket
 * TH_HIST_LOG_ZERO holds 0; a positive v goes to ZERO + 1 + floor(log2(v))
 * (1 -> ZERO+1, 2..3 -> ZERO+2, 4..7 -> ZERO+3 ... INT64_MAX -> 127); a
 * negative v mirrors that below ZERO (-1 -> ZERO-1, -2..-3 -> ZERO-2 ...
 * INT64_MIN -> 0).  128 buckets cover all of __s64.  The row label stap
 * prints for bucket b is th_hist_log_value(b): 0, 1, 2, 4 ... and -1, -2,
 * -4 ... -2^63.
 */
#define TH_HIST_LOG_BUCKETS 128
#define TH_HIST_LOG_ZERO 64

/* Largest linear histogram a script may ask for (buckets incl. under/over). */
#define TH_HIST_LINEAR_MAX_BUCKETS 1024

static inline int th_ilog2_u64(__u64 v)
{
	int r = 0;

	/* Binary search keeps the eBPF verifier's path count small. */
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

static inline int th_hist_log_bucket(__s64 v)
{
	__u64 m;

	if (v == 0)
		return TH_HIST_LOG_ZERO;
	if (v > 0)
		return TH_HIST_LOG_ZERO + 1 + th_ilog2_u64((__u64)v);
	m = (__u64)0 - (__u64)v; /* well defined for INT64_MIN too */
	return TH_HIST_LOG_ZERO - 1 - th_ilog2_u64(m);
}

/* Smallest magnitude a log bucket holds (stap's _stp_bucket_to_val). */
static inline __s64 th_hist_log_value(int b)
{
	if (b == TH_HIST_LOG_ZERO)
		return 0;
	if (b > TH_HIST_LOG_ZERO)
		return (__s64)((__u64)1 << (b - TH_HIST_LOG_ZERO - 1));
	return (__s64)((__u64)0 - ((__u64)1 << (TH_HIST_LOG_ZERO - 1 - b)));
}

/*
 * Linear histogram @hist_linear(v, lo, hi, step), as SystemTap's
 * _stp_stat_calc_buckets() and __stp_stat_add() lay it out:
 * nbuckets = (hi - lo) / step + 3, and
 *
 *   bucket 0            v < lo                    printed "<lo"
 *   bucket i, 1..nb-2   lo + (i-1)*step <= v < lo + i*step, printed
 *                       lo + (i-1)*step
 *   bucket nb-1         v >= lo + (nb-2)*step     printed ">" followed by
 *                                                 lo + (nb-3)*step
 *
 * So with (hi - lo) a multiple of step, a value equal to hi (up to
 * hi + step - 1) still gets its own row labelled hi; only values from
 * hi + step on count as overflow.  The caller guarantees step > 0,
 * hi > lo and nbuckets <= TH_HIST_LINEAR_MAX_BUCKETS (the compiler
 * checks the script's constants).  The arithmetic is unsigned so that it
 * neither overflows for extreme values nor needs the signed division
 * older eBPF targets lack.
 */
static inline int th_hist_linear_nbuckets(__s64 lo, __s64 hi, __s64 step)
{
	return (int)(((__u64)hi - (__u64)lo) / (__u64)step) + 3;
}

static inline int th_hist_linear_bucket(__s64 v, __s64 lo, __s64 hi, __s64 step)
{
	int nb = th_hist_linear_nbuckets(lo, hi, step);
	__u64 i;

	if (v < lo)
		return 0;
	i = ((__u64)v - (__u64)lo) / (__u64)step; /* exact: v >= lo */
	if (i >= (__u64)(nb - 2))
		return nb - 1;
	return 1 + (int)i;
}

/*
 * tap -t: the run times of one probe, in nanoseconds.  Kernel probes keep
 * one per CPU (a per-CPU array map, th_timing, indexed by the probe's
 * number); user probes one in the runtime.  Both sides add a run with
 * th_probe_timing_add, and the report merges the CPUs with
 * th_probe_timing_merge.  sumsq gives the variance stap prints; it wraps
 * only past 2^64 ns^2 in total (4 s runs, four at a time), far beyond a
 * handler's real times.
 */
struct th_probe_timing {
	__u64 count, sum, min, max, sumsq;
};

static inline void th_probe_timing_add(struct th_probe_timing *t, __u64 ns)
{
	if (!t->count || ns < t->min)
		t->min = ns;
	if (ns > t->max)
		t->max = ns;
	t->count++;
	t->sum += ns;
	t->sumsq += ns * ns;
}

static inline void th_probe_timing_merge(struct th_probe_timing *dst,
					 const struct th_probe_timing *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
}

#endif /* TAPHUB_STAT_H */
