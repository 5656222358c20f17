/* SPDX-License-Identifier: MIT */
/*
 * foreach in kernel probes: the snapshot, its sort, and what the code
 * compiler/codegen_foreach.c generates for each foreach calls.
 *
 * Included by grt_bpf.h when the guest has one (TH_FE_NSITES, the number
 * of foreach statements of kernel code, and TH_FE_CAP, MAXFOREACH: the
 * rows of a snapshot).
 *
 * A run of a foreach:
 *
 *   1. th_fe_open() takes the statement's header (th_feh, per CPU, one
 *      per statement): a probe does not nest in itself on a CPU, but a
 *      body shared by several programs, or a function called from
 *      several probes, may; a header found busy is the run's error,
 *      never a snapshot overwritten under a loop that still reads it.
 *   2. bpf_for_each_map_elem() over the array calls the statement's copy
 *      callback per element, which copies key and value into a row of the
 *      statement's snapshot map (per CPU, TH_FE_CAP rows) and its sort
 *      word into the header.  Elements beyond TH_FE_CAP are the error
 *      `foreach over more than N elements` -- except for a sorted foreach
 *      with `limit L`, L <= TH_FE_CAP / 2: a full snapshot is then sorted
 *      and cut to its L first rows (the rows it drops are those the loop
 *      would never reach), so it sees any number of elements.  An
 *      unsorted foreach with a limit stops the walk after L elements.
 *   3. A sorted foreach sorts the header's order ix[0][0..n): a bottom-up
 *      merge sort, one output element per bpf_loop() step, so the
 *      verifier checks one step whatever the number of rows; stable, and
 *      ties broken by the keys ascending, as the user side sorts
 *      (guest-runtime/table.c).
 *   4. The body runs once per row of ix[0][0..n) (the generated loop).
 *
 * Everything a callback changes lives in the header, a map value the
 * verifier knows nothing about: a counter on the caller's stack would be
 * a different state at every call and keep the verifier's walks of the
 * callback from converging.
 */

/* ix[] holds row numbers in 16 bits; a power of two: indexes are masked */
#if TH_FE_CAP > 65536 || (TH_FE_CAP & (TH_FE_CAP - 1))
#error "TH_FE_CAP must be a power of two, at most 65536"
#endif

/*
 * A row number, masked after a compiler barrier (as th_idx): clang folds
 * bounds checks it can prove (two of them into one test of a | b), which
 * the verifier then cannot follow to each index.
 */
static __always_inline __u32 th_fe_row(__u32 v)
{
	asm volatile("" : "+r"(v));
	return v & (TH_FE_CAP - 1);
}

struct th_fe_hdr {
	__u32 n;      /* rows of the snapshot, in the order ix[0][0..n) */
	__u32 busy;   /* a run of this foreach holds the snapshot on this CPU */
	__u32 over;   /* the array had more elements than the snapshot rows */
	__u32 inited; /* ix[0] is a permutation of 0..TH_FE_CAP-1 */
	/* the merge sort's state (th_fe_merge_step) */
	__u32 len, w, src, l, le, r, re, k;
	__s64 sw[TH_FE_CAP];     /* each row's sort word */
	__u16 ix[2][TH_FE_CAP];  /* ix[0]: the order of the rows; ix[1]: the sort's scratch */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TH_FE_NSITES);
	__type(key, __u32);
	__type(value, struct th_fe_hdr);
} th_feh SEC(".maps");

/* What a copy callback reads from its caller's stack (and never changes). */
struct th_fe_ctx {
	struct th_fe_hdr *h;
	const void *key; /* a slice's fixed keys: the handler's key buffer */
	__s64 lim;       /* `limit N` (> 0), or 0 */
	__u32 sorted;
	__u32 compact;   /* sorted, lim <= TH_FE_CAP / 2: a full snapshot keeps its lim first */
};

/* What the sort's callbacks get: the header. */
struct th_fe_sortctx {
	struct th_fe_hdr *h;
};

/*
 * Rows are copied with stores where clang can (a key of longs, or a
 * short string), through the helper beyond: clang's eBPF target expands
 * a memcpy into at most 128 stores, of the width the types' alignment
 * allows (one byte each for a struct of strings).
 */
#define TH_FE_INLINE_COPY 128

static __always_inline void th_fe_copy(void *dst, const void *src, __u32 size)
{
	if (size <= TH_FE_INLINE_COPY)
		__builtin_memcpy(dst, src, size);
	else
		bpf_probe_read_kernel(dst, size, src);
}

static long th_fe_init_cb(__u64 i, void *ctx)
{
	struct th_fe_hdr *h = ((struct th_fe_sortctx *)ctx)->h;

	if (i >= TH_FE_CAP)
		return 1;
	h->ix[0][th_fe_row(i)] = (__u16)i;
	return 0;
}

/*
 * The header of foreach `site` for a run, NULL with the handler's error
 * set (site err) when a run of it is already under way on this CPU.  The
 * first run on a CPU numbers the rows; from then on ix[0] stays a
 * permutation of them, which the sort only reorders.
 */
static __always_inline struct th_fe_hdr *th_fe_open(struct th_hctx *H, __u32 site, __s64 err)
{
	struct th_fe_hdr *h = bpf_map_lookup_elem(&th_feh, &site);

	if (!h || h->busy) {
		if (!H->err)
			H->err = err + 1;
		return 0;
	}
	if (!h->inited) {
		struct th_fe_sortctx c = { h };

		bpf_loop(TH_FE_CAP, th_fe_init_cb, &c, 0);
		h->inited = 1;
	}
	h->busy = 1;
	h->n = 0;
	h->over = 0;
	return h;
}

/* -1, 0, 1 as rows a and b (row numbers) compare: generated per foreach */
typedef int (*th_fe_cmp_fn)(struct th_fe_hdr *h, __u32 a, __u32 b);

/*
 * One step of the bottom-up merge sort of ix[src][0..len) into
 * ix[src ^ 1]: the next element of the current pair of runs (width w),
 * taking the left run's on a tie (stable).  After the last pass the
 * order is in ix[src]; the step then returns 1, which ends bpf_loop().
 */
static __always_inline long th_fe_merge_step(struct th_fe_hdr *h, th_fe_cmp_fn cmp)
{
	__u32 n = h->len, w = h->w, s = h->src & 1, l = h->l, le = h->le, r = h->r, re = h->re;
	__u32 k = h->k;
	__u16 x;

	if (k >= re) {
		/* this pair is merged: the next one, or the next pass */
		__u32 lo = re;

		if (lo >= n) {
			s ^= 1;
			w <<= 1;
			lo = 0;
			h->src = s;
			h->w = w;
			if (w >= n)
				return 1;
		}
		l = lo;
		le = lo + w < n ? lo + w : n;
		r = le;
		re = le + w < n ? le + w : n;
		k = lo;
		h->le = le;
		h->re = re;
	}
	if (k >= n || (l >= le && r >= re))
		return 1; /* cannot be */
	if (l < le && (r >= re || cmp(h, h->ix[s][th_fe_row(l)], h->ix[s][th_fe_row(r)]) <= 0))
		x = h->ix[s][th_fe_row(l++)];
	else
		x = h->ix[s][th_fe_row(r++)];
	h->ix[s ^ 1][th_fe_row(k)] = x;
	h->l = l;
	h->r = r;
	h->k = k + 1;
	return 0;
}

static long th_fe_back_cb(__u64 i, void *ctx)
{
	struct th_fe_hdr *h = ((struct th_fe_sortctx *)ctx)->h;

	if (i >= TH_FE_CAP)
		return 1;
	h->ix[0][th_fe_row(i)] = h->ix[1][th_fe_row(i)];
	return 0;
}

/*
 * Sort ix[0][0..n) with step, the foreach's bpf_loop() callback around
 * th_fe_merge_step(): n steps a pass, at most 16 passes (n < 65536), and
 * one more that ends it; the result is copied back when it ended in the
 * scratch.  ix[0][n..] is not touched, so ix[0] stays a permutation.
 */
static __always_inline void th_fe_sort(struct th_fe_hdr *h, __u32 n, void *step)
{
	struct th_fe_sortctx c = { h };

	if (n < 2 || n > TH_FE_CAP)
		return;
	h->len = n;
	h->w = 1;
	h->src = 0;
	h->l = h->le = h->r = h->re = h->k = 0;
	bpf_loop(n * 16 + 1, step, &c, 0);
	if (h->src & 1)
		bpf_loop(n, th_fe_back_cb, &c, 0);
}

/* a foreach's sort of its h->n rows: a global function (checked once) per foreach */
typedef int (*th_fe_sort_fn)(struct th_fe_hdr *h);

/*
 * The row the next element goes to, or TH_FE_CAP: stop the walk (h->over
 * set when that is the run's error).  sort: the foreach's sort, for the
 * compaction of a full snapshot (NULL: unsorted).
 */
static __always_inline __u32 th_fe_take(struct th_fe_hdr *h, const struct th_fe_ctx *c,
					th_fe_sort_fn sort)
{
	__u32 n = h->n;

	if (c->lim > 0 && !c->sorted && n >= c->lim)
		return TH_FE_CAP; /* unsorted: the first lim elements are the iteration */
	if (n >= TH_FE_CAP) {
		if (!c->compact || !sort) {
			h->over = 1;
			return TH_FE_CAP;
		}
		/* keep the lim first of the sorted rows: the others cannot be reached */
		sort(h);
		n = h->n = (__u32)c->lim;
	}
	if (n >= TH_FE_CAP)
		return TH_FE_CAP;
	return h->ix[0][th_fe_row(n)];
}

/*
 * A string's 8 bytes from byte 8 * i, up to its NUL (the bytes after it
 * zeroed: a string value's buffer may hold old bytes there), the first
 * byte most significant, so that words compare as strcmp() compares
 * unsigned bytes.  *end: the NUL is in this word.  The lowest zero byte
 * the bit trick finds is exact (false hits lie above a true one).
 */
static __always_inline __u64 th_fe_word(const char *s, __u32 i, bool *end)
{
	__u64 w, t;

	__builtin_memcpy(&w, s + 8 * i, 8);
	t = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
	if (t) {
		w &= ((t & -t) >> 7) - 1;
		*end = true;
	}
	return __builtin_bswap64(w);
}

/* A string's first 8 bytes as a signed sort word (strcmp order). */
static __always_inline __s64 th_fe_strword(const char *s)
{
	bool end = false;

	return (__s64)(th_fe_word(s, 0, &end) ^ (1ULL << 63));
}

/* a key's string (char[TH_MAXSTR]) as th_fe_strcmp() takes it */
#define TH_FE_VSTR(k) ((const struct th_vstr *)(k))

/*
 * strcmp() of two TH_MAXSTR buffers, word by word: -1, 0, 1.  A global
 * function, which the verifier checks once, by itself, whatever calls
 * it: inlined, its loop of TH_MAXSTR / 8 words was walked again at
 * each comparison of each sort (86,000 instructions for one foreach
 * sorted by a string key).
 */
__noinline int th_fe_strcmp(const struct th_vstr *sa, const struct th_vstr *sb)
{
	const char *a = sa ? sa->s : 0, *b = sb ? sb->s : 0;
	__u32 i;

	if (!a || !b)
		return 0;
	for (i = 0; i < TH_MAXSTR / 8; i++) {
		bool ea = false, eb = false;
		__u64 x = th_fe_word(a, i, &ea), y = th_fe_word(b, i, &eb);

		if (x != y)
			return x < y ? -1 : 1;
		if (ea || eb)
			return 0;
	}
	return 0;
}
