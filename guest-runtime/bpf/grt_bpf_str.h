/* SPDX-License-Identifier: MIT */
/*
 * Strings of kernel probes: copies, comparisons, concatenation, the
 * conversions and the string functions of the tapsets, each with a
 * verification cost bounded by design (docs/performance.md).
 *
 * Included by grt_bpf.h, in its place there: it uses what comes before.
 */
/* ---- strings -------------------------------------------------------------------- */

/*
 * The verifier's cost of a string helper is bounded by design, the same
 * on every kernel and for every MAXSTRINGLEN:
 *
 *   - no loop is a C loop over the buffer: the verifier walks a bounded
 *     loop once per iteration (a cost times MAXSTRINGLEN, and past 8192
 *     jumps in one path it gives up), and a loop nested in it multiplies;
 *   - a scan is a bpf_loop() whose callback keeps nothing from one
 *     iteration to the next in registers or on the stack: it reads the
 *     loop index, constants of the call (pointers, lengths), and where a
 *     position must advance (str_replace) or a number accumulate
 *     (strtol), state in a frame temporary the caller hands in.  Map
 *     memory is not tracked by the verifier, so the callback starts from
 *     the same state every time: kernels that check a callback once do
 *     that, and those (6.8 on) that check it again until its entry state
 *     repeats stop at the second visit.  Counters kept on the stack
 *     instead were checked once per value they took (str_replace was
 *     refused on 6.18: "BPF program is too large");
 *   - an inner scan (a match at one position, a copy) is a bpf_loop()
 *     nested in the outer callback, never a loop in it;
 *   - what a helper returns is one unknown number (a bpf_loop() count,
 *     a byte from a buffer), so the code after it is checked once, not
 *     once per possible length: the cost of a handler is the sum of its
 *     helpers', not their product;
 *   - copies of a known length are one bpf_probe_read_kernel_str().
 *
 * Open-coded iterators (bpf_iter_num_*, Linux 6.4) would do as well (a
 * str_replace made of them cost 486 insns against 868 with bpf_loop(), both
 * fixed), but bpf_loop() (5.17) also runs on older kernels (Debian 12's
 * 6.1), so one implementation serves all.
 *
 * Every index into a TH_MAXSTR buffer is masked (th_idx), so every access
 * is in bounds whatever the verifier knows of the value.
 */

static __always_inline char *th_strcpy(char *dst, const char *src)
{
	if (bpf_probe_read_kernel_str(dst, TH_STRLEN, src) < 0)
		dst[0] = 0;
	return dst;
}

static __always_inline char *th_strcat(char *dst, const char *a, const char *b)
{
	long n = bpf_probe_read_kernel_str(dst, TH_STRLEN, a);
	__u32 off;

	if (n < 1) {
		dst[0] = 0;
		n = 1;
	}
	off = (__u32)(n - 1);
	if (off >= TH_STRLEN - 1)
		return dst;
	bpf_probe_read_kernel_str(dst + off, TH_STRLEN - off, b);
	return dst;
}

/*
 * An index into a TH_MAXSTR buffer, masked after a compiler barrier:
 * clang drops a mask it can prove redundant from an earlier bounds check,
 * but the verifier does not follow that proof.
 */
static __always_inline __u32 th_idx(__u32 v)
{
	asm volatile("" : "+r"(v));
	return v & (TH_MAXSTR - 1);
}

/* A length for a copy into a TH_MAXSTR buffer, with its NUL: 1..TH_STRLEN. */
static __always_inline __u32 th_size(__s64 n)
{
	__u32 v = n < 1 ? 1 : n > TH_STRLEN ? TH_STRLEN : (__u32)n;

	/* behind a barrier, as th_idx: the verifier must see the clamp */
	asm volatile("" : "+r"(v));
	return v > TH_STRLEN ? TH_STRLEN : v;
}

/* 1 at the NUL: bpf_loop() then returns its index + 1 */
static long th_strlen_cb(__u64 i, void *arg)
{
	const char *s = *(const char **)arg;

	return !s[i & (TH_MAXSTR - 1)];
}

static __always_inline __s64 th_strlen(const char *s)
{
	/* loops performed: the NUL's index + 1, or TH_MAXSTR without a NUL */
	long n = bpf_loop(TH_MAXSTR, th_strlen_cb, &s, 0);

	if (n <= 0)
		return 0;
	return n > TH_MAXSTR - 1 ? TH_MAXSTR - 1 : n - 1;
}

struct th_cmp_ctx {
	const char *a, *b;
};

/* 1 at the first byte that differs, or at the common NUL */
static long th_strcmp_cb(__u64 i, void *arg)
{
	struct th_cmp_ctx *c = arg;
	char x = c->a[i & (TH_MAXSTR - 1)];

	return x != c->b[i & (TH_MAXSTR - 1)] || !x;
}

static __always_inline __s64 th_strcmp(const char *a, const char *b)
{
	struct th_cmp_ctx c = { .a = a, .b = b };
	long n = bpf_loop(TH_MAXSTR, th_strcmp_cb, &c, 0);
	unsigned char x, y;
	__u32 i;

	if (n <= 0)
		return 0;
	/* the loop stopped at index n - 1: the bytes there decide */
	i = th_idx((__u32)(n - 1));
	x = (unsigned char)a[i];
	y = (unsigned char)b[i];
	return x == y ? 0 : x < y ? -1 : 1;
}

static __always_inline char *th_substr(char *dst, const char *s, __s64 start, __s64 len)
{
	__s64 n = th_strlen(s);

	dst[0] = 0;
	if (start < 0 || len <= 0 || start >= n)
		return dst;
	if (len > n - start)
		len = n - start;
	/* len bytes from s + start and a NUL: a string read of len + 1 */
	if (bpf_probe_read_kernel_str(dst, th_size(len + 1), s + th_idx((__u32)start)) < 0)
		dst[0] = 0;
	return dst;
}

static __always_inline __s64 th_stringat(struct th_hctx *H, const char *s, __s64 pos,
					 __s64 site)
{
	__s64 n = th_strlen(s);

	if (pos < 0 || pos >= n) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	return (unsigned char)s[th_idx((__u32)pos)];
}

/* Does sub (m bytes, m >= 1) occur at s + i?  For isinstr and str_replace. */
struct th_match_ctx {
	const char *s, *sub;
	__s64 m;
	__u32 i;
};

/* 1 at the first byte of sub that differs, and at j == m: all matched */
static long th_match_cb(__u64 j, void *arg)
{
	struct th_match_ctx *c = arg;

	if ((__s64)j >= c->m)
		return 1;
	return c->s[th_idx(c->i + (__u32)j)] != c->sub[th_idx((__u32)j)];
}

static __always_inline bool th_match_at(const char *s, const char *sub, __s64 m, __u32 i)
{
	struct th_match_ctx c = { .s = s, .sub = sub, .m = m, .i = i };

	/* the first byte decides most places without a nested loop */
	if (s[th_idx(i)] != sub[0])
		return false;
	/* m + 1 steps: only a full match reaches the last one */
	return bpf_loop((__u32)m + 1, th_match_cb, &c, 0) == m + 1;
}

struct th_find_ctx {
	const char *s, *sub;
	__s64 n, m;
};

/* 1 where sub occurs, and past the last place it could start */
static long th_find_cb(__u64 i, void *arg)
{
	struct th_find_ctx *c = arg;

	if ((__s64)i + c->m > c->n)
		return 1;
	return th_match_at(c->s, c->sub, c->m, (__u32)i);
}

static __always_inline __s64 th_isinstr(const char *s, const char *sub)
{
	struct th_find_ctx c = { .s = s, .sub = sub, .n = th_strlen(s), .m = th_strlen(sub) };
	__u32 starts;

	if (c.m == 0)
		return 1;
	if (c.m > c.n)
		return 0;
	/* n - m + 1 places, and one more where the callback stops: not found */
	starts = (__u32)(c.n - c.m + 1);
	return bpf_loop(starts + 1, th_find_cb, &c, 0) <= starts;
}

/*
 * strtol: the kernel's simple_strtol(), as the user side has it: an
 * optional '-', base 0 guessing 16/8/10 from "0x"/"0", a "0x" skipped in
 * base 16, digits 0-9 a-f only, wrapping on overflow.  The value
 * accumulates in *v, in the frame temporary the caller hands in.
 */
struct th_strtol_ctx {
	const char *s;
	__u64 *v;
	__u32 i, base;
};

static __always_inline __u32 th_xdigit(char c)
{
	__u32 lc = (__u32)(unsigned char)c | 0x20;

	if (c >= '0' && c <= '9')
		return (__u32)(c - '0');
	if (lc >= 'a' && lc <= 'f')
		return lc - 'a' + 10;
	return 99;
}

static long th_strtol_cb(__u64 k, void *arg)
{
	struct th_strtol_ctx *c = arg;
	__u32 i = c->i + (__u32)k, d;

	if (i >= TH_MAXSTR)
		return 1;
	d = th_xdigit(c->s[th_idx(i)]);
	if (d >= c->base)
		return 1;
	*c->v = *c->v * c->base + d;
	return 0;
}

static __always_inline __s64 th_strtol(char *scratch, const char *s, __s64 base)
{
	/* simple_strtol() takes an unsigned int base */
	struct th_strtol_ctx c = { .s = s, .v = (__u64 *)scratch, .base = (__u32)base };
	bool neg = s[0] == '-';
	__u32 i = neg ? 1 : 0;

	if (c.base == 0) {
		if (s[th_idx(i)] != '0')
			c.base = 10;
		else if ((s[th_idx(i + 1)] | 0x20) == 'x' && th_xdigit(s[th_idx(i + 2)]) < 16)
			c.base = 16;
		else
			c.base = 8;
	}
	if (c.base == 16 && s[th_idx(i)] == '0' && (s[th_idx(i + 1)] | 0x20) == 'x')
		i += 2;
	c.i = i;
	*c.v = 0;
	bpf_loop(TH_MAXSTR, th_strtol_cb, &c, 0);
	return neg ? (__s64)((__u64)0 - *c.v) : (__s64)*c.v;
}

/*
 * str_replace: each step of the outer bpf_loop() either finds `from` at
 * s + i (a nested bpf_loop) and copies `to` (another), or copies the byte
 * s[i].  i and o, the positions in s and dst, are in the frame temporary
 * the caller hands in: they advance by a length only known at run time.
 */
struct th_repl_pos {
	__u32 i, o;
};

struct th_repl_ctx {
	const char *s, *from, *to;
	char *dst;
	struct th_repl_pos *pos;
	__s64 m, k;
};

struct th_copy_ctx {
	const char *src;
	char *dst;
	__u32 o;
};

static long th_copy_cb(__u64 j, void *arg)
{
	struct th_copy_ctx *c = arg;

	c->dst[th_idx(c->o + (__u32)j)] = c->src[th_idx((__u32)j)];
	return 0;
}

static long th_repl_cb(__u64 step, void *arg)
{
	struct th_repl_ctx *c = arg;
	struct th_copy_ctx cp = { .src = c->to, .dst = c->dst };
	__u32 i = c->pos->i, o = c->pos->o, n;

	if (i >= TH_MAXSTR || o >= TH_STRLEN - 1 || !c->s[th_idx(i)])
		return 1;
	if (!th_match_at(c->s, c->from, c->m, i)) {
		c->dst[th_idx(o)] = c->s[th_idx(i)];
		c->pos->i = i + 1;
		c->pos->o = o + 1;
		return 0;
	}
	/* as much of `to` as dst has room for */
	n = (__u32)c->k;
	if (n > TH_STRLEN - 1 - o)
		n = TH_STRLEN - 1 - o;
	cp.o = o;
	bpf_loop(n, th_copy_cb, &cp, 0);
	c->pos->i = i + (__u32)c->m;
	c->pos->o = o + n;
	return 0;
}

static __always_inline char *th_str_replace(char *scratch, char *dst, const char *s,
					    const char *from, const char *to)
{
	struct th_repl_ctx c = { .s = s, .from = from, .to = to, .dst = dst,
				 .pos = (struct th_repl_pos *)scratch };

	c.m = th_strlen(from);
	c.k = th_strlen(to);
	if (c.m == 0)
		return th_strcpy(dst, s);
	c.pos->i = 0;
	c.pos->o = 0;
	/* a step consumes at least one byte of s */
	bpf_loop(TH_MAXSTR, th_repl_cb, &c, 0);
	dst[th_idx(c.pos->o)] = 0;
	return dst;
}

/*
 * text_str(s), as user probes escape it (grt_str_text, strfn.c, stap's
 * _stp_text_str): a well-formed, shortest-form UTF-8 sequence of two to
 * four bytes up to U+10FFFF (no surrogate) as \uXXXX or \UXXXXXXXX, the
 * quote, the backslash and \a \b \f \n \r \t \v by letter, any other
 * byte outside printable ASCII as \ooo; an escape that does not fit ends
 * the string.  One bpf_loop() step per sequence, i and o in the frame
 * temporary the caller hands in (as th_str_replace's).
 */
struct th_text_ctx {
	const char *s;
	char *dst;
	struct th_repl_pos *pos;
};

/* The sequence at s + i (taphub/utf8.h): its length, and its code point in *cp */
static __always_inline __u32 th_utf8_at(const char *s, __u32 i, __u32 *cp)
{
	__u8 b[4];

	b[0] = (__u8)s[th_idx(i)];
	b[1] = (__u8)s[th_idx(i + 1)];
	b[2] = (__u8)s[th_idx(i + 2)];
	b[3] = (__u8)s[th_idx(i + 3)];
	return (__u32)th_utf8_decode(b, cp);
}

static long th_text_cb(__u64 step, void *arg)
{
	struct th_text_ctx *c = arg;
	__u32 i = c->pos->i, o = c->pos->o, cp = 0, n, need, k;
	char *d = c->dst;
	__u8 b;

	if (i >= TH_MAXSTR || o >= TH_STRLEN - 1 || !(b = (__u8)c->s[th_idx(i)]))
		return 1;
	n = th_utf8_at(c->s, i, &cp);
	if (n > 1) {
		need = cp <= 0xFFFF ? 6 : 10;
		if (o + need > TH_STRLEN - 1)
			return 1;
		d[th_idx(o)] = '\\';
		d[th_idx(o + 1)] = cp <= 0xFFFF ? 'u' : 'U';
		for (k = 0; k < 8; k++) {
			__u32 x;

			if (k >= need - 2)
				break;
			x = (cp >> ((need - 3 - k) * 4)) & 0xF;
			d[th_idx(o + 2 + k)] = (char)(x < 10 ? '0' + x : 'A' + x - 10);
		}
	} else if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
		need = 1;
		d[th_idx(o)] = (char)b;
	} else {
		char e = b == '"' ? '"' : b == '\\' ? '\\' : b == '\a' ? 'a' : b == '\b' ? 'b' :
			 b == '\f' ? 'f' : b == '\n' ? 'n' : b == '\r' ? 'r' : b == '\t' ? 't' :
			 b == '\v' ? 'v' : 0;

		need = e ? 2 : 4;
		if (o + need > TH_STRLEN - 1)
			return 1;
		d[th_idx(o)] = '\\';
		if (e) {
			d[th_idx(o + 1)] = e;
		} else {
			d[th_idx(o + 1)] = (char)('0' + ((b >> 6) & 3));
			d[th_idx(o + 2)] = (char)('0' + ((b >> 3) & 7));
			d[th_idx(o + 3)] = (char)('0' + (b & 7));
		}
	}
	c->pos->i = i + n;
	c->pos->o = o + need;
	return 0;
}

static __always_inline char *th_str_text(char *scratch, char *dst, const char *s)
{
	struct th_text_ctx c = { .s = s, .dst = dst, .pos = (struct th_repl_pos *)scratch };

	c.pos->i = 0;
	c.pos->o = 0;
	/* a step consumes at least one byte of s */
	bpf_loop(TH_MAXSTR, th_text_cb, &c, 0);
	dst[th_idx(c.pos->o)] = 0;
	return dst;
}

/* kernel_string / user_string: NULL on a bad read (the caller reports). */
static __always_inline char *th_read_str(char *dst, __u64 addr, __s64 maxlen, bool user)
{
	long n;
	__u32 lim = maxlen <= 0 || maxlen >= TH_STRLEN ? TH_STRLEN : (__u32)maxlen + 1;

	if (lim > TH_STRLEN)
		lim = TH_STRLEN;
	if (user)
		n = bpf_probe_read_user_str(dst, lim, (const void *)addr);
	else
		n = bpf_probe_read_kernel_str(dst, lim, (const void *)addr);
	if (n < 0) {
		dst[0] = 0;
		return 0;
	}
	return dst;
}

/*
 * A kernel char[n] member as a string (n <= TH_STRLEN, a constant): one
 * bpf_probe_read_kernel() of the whole array and a NUL at its end, which
 * is the string bpf_probe_read_kernel_str() would give (at most n - 1
 * bytes, up to the first NUL) for less: the kernel copies n bytes at
 * once instead of looking for the NUL byte by byte ($prev->comm on every
 * context switch, docs/performance.md).  The bytes after the first NUL
 * are whatever the array holds; nothing reads past a string's NUL.
 * NULL on a bad read (the caller reports).
 */
static __always_inline char *th_read_karr(char *dst, __u64 addr, const __u32 n)
{
	if (bpf_probe_read_kernel(dst, n, (const void *)addr)) {
		dst[0] = 0;
		return 0;
	}
	dst[(n - 1) & (TH_MAXSTR - 1)] = 0;
	return dst;
}

/*
 * The same from a char[n] member of an object a tp_btf program reaches
 * through a PTR_TO_BTF_ID (src: the member's address): its bytes loaded,
 * eight at a time, which the JIT makes fault-safe (a fault reads 0s);
 * the verifier checks each load lies inside the member.
 */
static __always_inline char *th_load_karr(char *dst, const char *src, const __u32 n)
{
	__u32 i;

#pragma clang loop unroll(full)
	for (i = 0; i + 8 <= n; i += 8)
		*(__u64 *)(dst + i) = *(const __u64 *)(src + i);
#pragma clang loop unroll(full)
	for (i = n & ~7U; i < n; i++)
		dst[i] = src[i];
	dst[(n - 1) & (TH_MAXSTR - 1)] = 0;
	return dst;
}

/* =~ and !~: a DFA walk over tables the generated code defines */
