/* SPDX-License-Identifier: MIT */
/*
 * Aggregates of kernel probes (statistics, histograms, @variance) and the
 * callbacks of array slices.
 *
 * Included by grt_bpf.h, in its place there: it uses what comes before.
 */
/* ---- aggregates ---------------------------------------------------------------- */

static __always_inline void th_stat_add(__s64 *st, __s64 v, int hkind, __s64 lo, __s64 hi,
					__s64 step, int nb)
{
	int b;

	if (st[TH_STAT_COUNT] == 0 || v < st[TH_STAT_MIN])
		st[TH_STAT_MIN] = v;
	if (st[TH_STAT_COUNT] == 0 || v > st[TH_STAT_MAX])
		st[TH_STAT_MAX] = v;
	st[TH_STAT_COUNT]++;
	st[TH_STAT_SUM] += v;
	if (hkind == TH_HIST_LOG) {
		b = th_hist_log_bucket(v);
	} else if (hkind == TH_HIST_LINEAR) {
		/* (v - lo) / step with unsigned division, as the ISA needs */
		if (v < lo)
			b = 0;
		else if ((__u64)(v - lo) / (__u64)step >= (__u64)(nb - 2))
			b = nb - 1;
		else
			b = 1 + (int)((__u64)(v - lo) / (__u64)step);
	} else {
		return;
	}
	/*
	 * clang knows b is in range (each branch above bounds it) and drops
	 * the check; the verifier cannot follow the division and refuses the
	 * access ("unbounded memory access") unless the check is there
	 */
	asm volatile("" : "+r"(b));
	if (b >= 0 && b < nb)
		st[TH_STAT_HDR + b]++;
}

/* Records the generated code emits through the frame buffer. */
static __always_inline void th_output_rec(int cls, char *buf, __u32 off, bool urgent)
{
	__u32 o = off & TH_RECMASK;

	/* zero the pad to the 8-byte boundary: no stale frame bytes leave */
	*(__u64 *)(buf + o) = 0;
	o = (o + 7) & ~7u;
	if (o > TH_RECMASK + 1)
		o = TH_RECMASK + 1;
	th_output(cls, buf, o, urgent);
}

static __always_inline void th_exit_rec(int cls)
{
	struct th_rec *r = th_reserve(cls, sizeof(struct th_rec), TH_FMT_EXIT);

	/* the current handler finishes; no new one starts */
	th_ctl.stop = 1;
	if (r)
		th_commit(cls, r, true);
}

static __always_inline void th_error_rec(struct th_hctx *H, int cls, char *buf)
{
	__u32 o = sizeof(struct th_rec);

	th_count(cls, 2);
	if (th_cfg.maxerrors >= 0 &&
	    __sync_add_and_fetch(&th_ctl.errors, 1) > (__u64)th_cfg.maxerrors)
		th_ctl.stop = 1;
	th_rec_header((struct th_rec *)buf, 0, TH_FMT_ERROR, cls);
	th_put_long(buf, &o, TH_RECMASK, H->err - 1);
	th_put_str(buf, &o, TH_RECMASK, H->errmsg);
	th_output_rec(cls, buf, o, true);
}

/*
 * Zero an array key before its fields are stored: the bytes after a
 * string's NUL are part of the key.  clang's eBPF target inlines a memset
 * of at most 128 stores of 8 bytes and refuses a bigger one (two string
 * keys at MAXSTRINGLEN 1024, one at 2048): those are one copy of th_zero.
 */
#define TH_INLINE_ZERO_MAX 1024

static __always_inline void th_zero_key(void *key, __u32 size)
{
	if (size <= TH_INLINE_ZERO_MAX)
		__builtin_memset(key, 0, size);
	else
		bpf_probe_read_kernel(key, size, (const void *)th_zero);
}

/* Array element for update in place; inserts a zero value when missing. */
static __always_inline void *th_lookup_init_sz(struct th_hctx *H, void *map, const void *key,
					       __s64 site)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* a racing insert from another CPU makes ours fail with EEXIST: fine */
	bpf_map_update_elem(map, key, (const void *)th_zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v && !H->err)
		H->err = site + 1;
	return v;
}
#define th_lookup_init(H, map, key, site) th_lookup_init_sz(H, map, key, site)

/*
 * The CPUs' copies of a per-CPU aggregate merged: extractor x (@count 0,
 * @sum 1, @min 2, @max 3, @avg 4); *count gets the count (0: empty, where
 * @min, @max and @avg are 0).  A foreach callback sorts by it too
 * (grt_bpf_foreach.h), where there is no handler to take an error.
 */
static __always_inline __s64 th_stat_merged(void *map, const void *key, int x, __s64 *count)
{
	__s64 n = 0, sum = 0, min = 0, max = 0;
	__u32 cpu;

	for (cpu = 0; cpu < TH_MAX_CPUS; cpu++) {
		__s64 *st;

		if (cpu >= th_cfg.ncpus)
			break;
		st = bpf_map_lookup_percpu_elem(map, key, cpu);
		if (!st || !st[TH_STAT_COUNT])
			continue;
		if (!n || st[TH_STAT_MIN] < min)
			min = st[TH_STAT_MIN];
		if (!n || st[TH_STAT_MAX] > max)
			max = st[TH_STAT_MAX];
		n += st[TH_STAT_COUNT];
		sum += st[TH_STAT_SUM];
	}
	*count = n;
	if (x == 0)
		return n;
	if (x == 1)
		return sum;
	if (!n)
		return 0;
	if (x == 2)
		return min;
	if (x == 3)
		return max;
	/* @avg: signed sum / n (n > 0) from unsigned division, as th_div */
	if (sum < 0)
		return (__s64)((__u64)0 - ((__u64)0 - (__u64)sum) / (__u64)n);
	return (__s64)((__u64)sum / (__u64)n);
}

/* @count/@sum/@min/@max/@avg across CPUs of a per-CPU aggregate. */
static __always_inline __s64 th_stat_x(struct th_hctx *H, void *map, const void *key, int x,
				       __s64 site)
{
	__s64 count, v = th_stat_merged(map, key, x, &count);

	if (x >= 2 && !count) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	return v;
}

/* Tracepoint char[N] / __data_loc strings into a frame buffer. */
static __always_inline char *th_tp_str(char *dst, const char *src, int size)
{
	__u32 lim = size <= 0 ? 1 : (__u32)size + 1;

	if (lim > TH_STRLEN)
		lim = TH_STRLEN;
	if (bpf_probe_read_kernel_str(dst, lim, src) < 0)
		dst[0] = 0;
	return dst;
}

/*
 * Syscall arguments from the pt_regs of a raw sys_enter: x86-64 passes
 * them in di, si, dx, r10, r8, r9 (offsets of the UAPI struct pt_regs).
 */
static __always_inline __u64 th_sysarg(struct bpf_raw_tracepoint_args *ctx, int i)
{
	static const int off[6] = { 112, 104, 96, 56, 72, 64 };
	const char *regs = (const char *)ctx->args[0];
	__u64 v = 0;

	if (i < 0 || i > 5)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), regs + off[i]);
	return v;
}

/* The syscall number at sys_exit: orig_ax of the pt_regs. */
static __always_inline long th_sysnr_exit(struct bpf_raw_tracepoint_args *ctx)
{
	const char *regs = (const char *)ctx->args[0];
	long nr = -1;

	bpf_probe_read_kernel(&nr, sizeof(nr), regs + 120);
	return nr;
}

/* ---- array slices ---------------------------------------------------------------- */

/*
 * delete a[k, *] and [k, *] in a: bpf_for_each_map_elem() calls a
 * generated callback per element, which compares the fixed keys with the
 * key buffer `key` points at (the handler's frame), and deletes the
 * element or sets found.
 */
struct th_slice_ctx {
	const void *key;
	__u64 found;
};

/*
 * String keys are zero-padded to TH_MAXSTR (the key buffers are cleared
 * before the copy, user space pads them too), so equal strings are equal
 * words: TH_MAXSTR / 8 compares, no search for the NUL.
 */
static __always_inline bool th_keystr_eq(const char *a, const char *b)
{
	int i;

	for (i = 0; i < TH_MAXSTR / 8; i++)
		if (((const __u64 *)a)[i] != ((const __u64 *)b)[i])
			return false;
	return true;
}

/* ---- @variance ------------------------------------------------------------------- */

/*
 * a / b truncated toward zero, 0 for b == 0 (stap's _stp_div64 without
 * its error), from unsigned division: the v3 ISA has no sdiv.
 */
static __always_inline __s64 th_sdiv0(__s64 a, __s64 b)
{
	__u64 ua = a < 0 ? (__u64)0 - (__u64)a : (__u64)a;
	__u64 ub = b < 0 ? (__u64)0 - (__u64)b : (__u64)b;
	__u64 q;

	if (!b)
		return 0;
	q = ua / ub;
	return (a < 0) != (b < 0) ? (__s64)((__u64)0 - q) : (__s64)q;
}

/*
 * One step of Welford's algorithm on this CPU's copy, after th_stat_add()
 * counted v, with SystemTap's integer arithmetic (__stp_stat_add): values
 * scaled by 2^shift, the difference kept in an int, divisions truncating
 * toward zero.  slot is the first of the TH_STAT_VAR_SLOTS.
 */
static __always_inline void th_stat_var_add(__s64 *st, __s64 v, int slot, int shift)
{
	__s64 n = st[TH_STAT_COUNT], vs = (__s64)((__u64)v << shift), delta;

	if (n <= 1) {
		st[slot] = vs;
		st[slot + 1] = 0;
		return;
	}
	delta = (int)(vs - st[slot]);
	st[slot] += th_sdiv0(delta, n);
	st[slot + 1] = (__s64)((__u64)st[slot + 1] + (__u64)delta * (__u64)(vs - st[slot]));
}

/*
 * @variance(s[, shift]) of a per-CPU aggregate, the CPUs' copies merged
 * as the user side merges them (grt_stat_variance_merge in stats.c, stap's
 * formula): the mean of the whole from the total sum, then
 * (sum of count_i * (mean_i - mean)^2 + sum of (count_i - 1) * var_i)
 * / (count - 1), scaled back by 2^(2 * shift).  Products wrap as there.
 * *count gets the count; an empty aggregate's variance is 0 (a foreach
 * sorts by it, where there is no handler to take the error).
 */
static __always_inline __s64 th_stat_var_merged(void *map, const void *key, int slot, int shift,
						__s64 *count)
{
	__s64 n, avg;
	__u64 s1 = 0, s2 = 0;
	__u32 cpu;

	avg = th_stat_merged(map, key, 1, &n);
	*count = n;
	if (!n)
		return 0;
	avg = th_sdiv0((__s64)((__u64)avg << shift), n);
	for (cpu = 0; cpu < TH_MAX_CPUS; cpu++) {
		__s64 *st, c, d;

		if (cpu >= th_cfg.ncpus)
			break;
		st = bpf_map_lookup_percpu_elem(map, key, cpu);
		if (!st || !st[TH_STAT_COUNT])
			continue;
		c = st[TH_STAT_COUNT];
		d = st[slot] - avg;
		s1 += (__u64)c * (__u64)d * (__u64)d;
		if (c >= 2)
			s2 += (__u64)(c - 1) * (__u64)th_sdiv0(st[slot + 1], c - 1);
	}
	/* stats.c shifts by (2 * shift) & 63 too: x86's shift, defined for every shift */
	return th_sdiv0((__s64)(s1 + s2), n - 1) >> ((2 * shift) & 63);
}

/* @variance in a kernel probe: stap's error on an empty aggregate. */
static __always_inline __s64 th_stat_variance(struct th_hctx *H, void *map, const void *key,
					      int slot, int shift, __s64 site)
{
	__s64 count, v = th_stat_var_merged(map, key, slot, shift, &count);

	if (!count && !H->err)
		H->err = site + 1;
	return v;
}
