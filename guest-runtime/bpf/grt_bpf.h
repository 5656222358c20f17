/* SPDX-License-Identifier: MIT */
/*
 * The eBPF side of the guest runtime: included by every generated
 * guest.bpf.c after it has defined the limits:
 *
 *   TH_MAXSTR      bytes of a string buffer: MAXSTRINGLEN rounded up to a power
 *                  of two (indexes are masked with TH_MAXSTR - 1)
 *   TH_STRLEN      MAXSTRINGLEN: bytes a string keeps, with its NUL (every
 *                  producer of a string cuts there)
 *   TH_MAXACTION   loop iterations a handler may run
 *   TH_NHANDLERS   kernel handlers in the guest (frames per CPU)
 *   TH_NCLASSES    classes (rings) the guest writes to, >= 1
 *   union th_frame the largest per-handler frame (declared before include)
 *
 * What lives here: the maps every guest has (rings, counters, frames,
 * configuration), record emission, the string helpers (probe_read_*_str
 * copies, masked indexes so every access is provably in bounds, and
 * bpf_loop() for scans whose length depends on the data: a bounded loop
 * would make the verifier walk every possible length, multiplied by the
 * next scan's), signed division (the eBPF ISA we target has only unsigned
 * division), and the context functions (pid, ppid, execname ...).
 *
 * Hot path: a probe's printf is one ring reservation and the stores of its
 * arguments; no formatting happens here.  Wakeups of the reader are
 * batched: a commit wakes it only when the ring is over a quarter full
 * (th_wake_flags), the reader polls on a paced timer otherwise.
 */
#ifndef GRT_BPF_H
#define GRT_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "taphub/record.h"
#include "taphub/stat.h"

#ifndef TH_MAXSTR
#error "TH_MAXSTR must be defined"
#endif
#ifndef TH_STRLEN
#define TH_STRLEN TH_MAXSTR
#endif

#define TH_MAX_CPUS 512 /* bound of the per-CPU merge loops */

#ifndef TH_ZERO_SIZE
#define TH_ZERO_SIZE 8
#endif
/* zero bytes for inserting a new map value (the largest value size) */
const volatile char th_zero[TH_ZERO_SIZE] SEC(".rodata.th_zero") = {};

struct th_control th_ctl SEC(".data.th_ctl") = {};

/* Set by the loader before load (frozen, read only for the programs). */
const volatile struct th_config th_cfg SEC(".rodata.th_cfg") = {};

/* One frame per (CPU, handler): string locals, temporaries, record buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader sets ncpus * TH_NHANDLERS */
	__type(key, __u32);
	__type(value, union th_frame);
} th_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TH_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct th_class_counters);
} th_counters SEC(".maps");

/* The rings: one per class the guest writes to (sizes set by the loader). */
#define TH_RING(n)                                                                             \
	struct {                                                                               \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                                            \
		__uint(max_entries, 4096);                                                     \
	} th_ring##n SEC(".maps")

TH_RING(0);
#if TH_NCLASSES > 1
TH_RING(1);
#endif
#if TH_NCLASSES > 2
TH_RING(2);
#endif
#if TH_NCLASSES > 3
TH_RING(3);
#endif
#if TH_NCLASSES > 4
#error "at most 4 classes per guest"
#endif

static __always_inline void *th_ring(int cls)
{
#if TH_NCLASSES > 1
	if (cls == 1)
		return &th_ring1;
#endif
#if TH_NCLASSES > 2
	if (cls == 2)
		return &th_ring2;
#endif
#if TH_NCLASSES > 3
	if (cls == 3)
		return &th_ring3;
#endif
	return &th_ring0;
}

/* Handler state: error site and loop budget. */
struct th_hctx {
	__s64 err;      /* 0, or 1 + error site id */
	__s64 actions;  /* loop iterations so far */
	const char *pp; /* probe point, for pp() */
	char *errmsg;   /* error("...") text, in the handler's frame */
};

static __always_inline void *th_frame(__u32 handler)
{
	__u32 key = bpf_get_smp_processor_id() * TH_NHANDLERS + handler;

	return bpf_map_lookup_elem(&th_frames, &key);
}

static __always_inline void th_count(int cls, int what)
{
	__u32 key = (__u32)cls;
	struct th_class_counters *c = bpf_map_lookup_elem(&th_counters, &key);

	if (!c)
		return;
	/* per-CPU slot, and a handler does not nest in itself: plain adds */
	if (what == 0)
		c->written++;
	else if (what == 1)
		c->dropped++;
	else
		c->errors++;
}

/*
 * Wake the reader on every commit while its ring is over a quarter full.
 * The readers pace their own ticks to keep the rings below that, so a
 * steady flood costs no wakeup; a burst faster than the reader gets one
 * per event (the irq_work is not queued twice while pending).  Waking
 * only on crossings of the mark, or once per 1/16 or 1/256 of the ring,
 * was tried: bursts of 5000 events at ~2.5 M/s then overflowed a 256 KB
 * ring by 5-17% (tests/e2e/loss.sh), none with this.
 * Each ring's own size sets the mark, so a small class of a host with a
 * big one is woken as early as the big one.
 * reserved: the record is already counted in the ring's data.
 */
static __always_inline __u64 th_wake_flags(void *rb, __u32 size, bool reserved)
{
	__u64 len = (size + 8 + 7) & ~7ULL; /* the kernel's 8-byte header, rounded */
	__u64 avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) + (reserved ? 0 : len);

	return avail >= bpf_ringbuf_query(rb, BPF_RB_RING_SIZE) / 4 ? BPF_RB_FORCE_WAKEUP
								   : BPF_RB_NO_WAKEUP;
}

static __always_inline void th_rec_header(struct th_rec *r, __u32 size, __u16 fmt, int cls)
{
	r->size = size;
	r->fmt = fmt;
	r->cls = (__u8)cls;
	r->flags = 0;
	r->guest = th_cfg.guest_id;
	r->cpu = bpf_get_smp_processor_id();
	r->seq = 0;
	r->ts = bpf_ktime_get_ns();
}

/* Reserve a fixed-size record (formats without strings). NULL: counted drop. */
static __always_inline struct th_rec *th_reserve(int cls, __u32 size, __u16 fmt)
{
	struct th_rec *r = bpf_ringbuf_reserve(th_ring(cls), size, 0);

	if (!r) {
		th_count(cls, 1);
		return 0;
	}
	th_rec_header(r, size, fmt, cls);
	return r;
}

static __always_inline void th_commit(int cls, struct th_rec *r, bool urgent)
{
	/*
	 * Nothing counted on success: a map lookup and an add per event (about
	 * 20 ns, docs/performance.md) for a number the drain knows anyway.
	 */
	bpf_ringbuf_submit(r, urgent ? BPF_RB_FORCE_WAKEUP : th_wake_flags(th_ring(cls), r->size, true));
}

/* Records built in a frame buffer (with strings): copied into the ring. */
static __always_inline void th_output(int cls, void *buf, __u32 size, bool urgent)
{
	struct th_rec *r = buf;
	void *rb = th_ring(cls);

	r->size = size;
	if (size > TH_REC_MAX)
		return;
	if (bpf_ringbuf_output(rb, buf, size, urgent ? BPF_RB_FORCE_WAKEUP : th_wake_flags(rb, size, false)))
		th_count(cls, 1);
}

/*
 * Append a string argument (u16 length + bytes) at *off in buf, which has
 * room for bufmax + TH_MAXSTR + 2 bytes; bufmax is a power of two so the
 * mask keeps the verifier convinced the write stays inside.
 */
static __always_inline void th_put_str(void *buf, __u32 *off, __u32 bufmask, const char *s)
{
	__u32 o = *off & bufmask;
	long n = bpf_probe_read_kernel_str((char *)buf + o + 2, TH_STRLEN, s);

	if (n < 1)
		n = 1;
	*(__u16 *)((char *)buf + o) = (__u16)(n - 1);
	*off = o + 2 + (__u32)(n - 1);
}

static __always_inline void th_put_long(void *buf, __u32 *off, __u32 bufmask, __s64 v)
{
	__u32 o = *off & bufmask;

	__builtin_memcpy((char *)buf + o, &v, 8);
	*off = o + 8;
}

/* ---- arithmetic -------------------------------------------------------------- */

static __always_inline __s64 th_div(struct th_hctx *H, __s64 a, __s64 b, __s64 site)
{
	__u64 ua, ub, q;
	bool neg;

	if (b == 0) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	/* signed division from unsigned: the v3 eBPF ISA has no sdiv */
	neg = (a < 0) != (b < 0);
	ua = a < 0 ? (__u64)0 - (__u64)a : (__u64)a;
	ub = b < 0 ? (__u64)0 - (__u64)b : (__u64)b;
	q = ua / ub;
	return neg ? (__s64)((__u64)0 - q) : (__s64)q;
}

static __always_inline __s64 th_mod(struct th_hctx *H, __s64 a, __s64 b, __s64 site)
{
	__u64 ua, ub, r;

	if (b == 0) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	/* C semantics: the remainder takes the sign of the dividend */
	ua = a < 0 ? (__u64)0 - (__u64)a : (__u64)a;
	ub = b < 0 ? (__u64)0 - (__u64)b : (__u64)b;
	r = ua % ub;
	return a < 0 ? (__s64)((__u64)0 - r) : (__s64)r;
}

/* Shifts by out-of-range amounts are undefined in C; stap masks them. */
static __always_inline __s64 th_shl(__s64 a, __s64 b)
{
	return (__s64)((__u64)a << (b & 63));
}

static __always_inline __s64 th_shr(__s64 a, __s64 b)
{
	return a >> (b & 63);
}

/* ---- strings -------------------------------------------------------------------- */

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
 * A bounded loop would return its count as a precise value, so every
 * possible length becomes a verifier state of its own, multiplied by the
 * lengths of the next string the handler measures.  bpf_loop() returns
 * the count as one unknown value instead.
 */
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

static __always_inline __s64 th_strcmp(const char *a, const char *b)
{
	int i;

	for (i = 0; i < TH_MAXSTR; i++) {
		char x = a[i], y = b[i];

		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

static __always_inline char *th_substr(char *dst, const char *s, __s64 start, __s64 len)
{
	__s64 n = th_strlen(s);
	int i;

	dst[0] = 0;
	if (start < 0 || len <= 0 || start >= n)
		return dst;
	if (len > n - start)
		len = n - start;
	for (i = 0; i < TH_MAXSTR - 1; i++) {
		__u32 j = (__u32)(start + i);

		if (i >= len || j >= TH_MAXSTR)
			break;
		dst[i & (TH_MAXSTR - 1)] = s[j & (TH_MAXSTR - 1)];
	}
	dst[i & (TH_MAXSTR - 1)] = 0;
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
	return (unsigned char)s[pos & (TH_MAXSTR - 1)];
}

/*
 * Searching needs two nested loops; unrolled by the verifier that is
 * MAXSTR * MAXSTR branches, beyond its limits.  So the outer loop is a
 * bpf_loop() whose callback the verifier checks once, for any index.
 */
/*
 * Lengths and offsets a bpf_loop() callback reads from its caller's
 * stack: the mask is a no-op (they are below TH_MAXSTR <= 4096) but makes
 * a new value the verifier does not link to the caller's slot, so a
 * branch in the callback does not split the caller's state per value.
 */
#define TH_UNLINK(v) ((v) & 0xffff)

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

struct th_find_ctx {
	const char *s, *sub;
	__s64 n, m;
	__s64 found;
};

/* Does sub occur at position i of s?  Stops the loop when it does. */
static long th_find_cb(__u64 i, void *arg)
{
	struct th_find_ctx *c = arg;
	const char *s = c->s, *sub = c->sub;
	__s64 m = TH_UNLINK(c->m);
	int j;

	if ((__s64)i + m > TH_UNLINK(c->n))
		return 1;
	for (j = 0; j < TH_MAXSTR; j++) {
		if (j >= m) {
			c->found = 1;
			return 1;
		}
		if (s[(i + j) & (TH_MAXSTR - 1)] != sub[j & (TH_MAXSTR - 1)])
			return 0;
	}
	return 0;
}

static __always_inline __s64 th_isinstr(const char *s, const char *sub)
{
	struct th_find_ctx c = { .s = s, .sub = sub, .n = th_strlen(s), .m = th_strlen(sub) };

	if (c.m == 0)
		return 1;
	if (c.m > c.n)
		return 0;
	bpf_loop((__u32)(c.n - c.m + 1), th_find_cb, &c, 0);
	return c.found;
}

/*
 * strtol: the kernel's simple_strtol(), as the user side has it: an
 * optional '-', base 0 guessing 16/8/10 from "0x"/"0", a "0x" skipped in
 * base 16, digits 0-9 a-f only, wrapping on overflow.  The digits are a
 * bpf_loop() so the verifier checks them once.
 */
struct th_strtol_ctx {
	const char *s;
	__u64 v;
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
	__u32 i = TH_UNLINK(c->i) + (__u32)k, d;

	if (i >= TH_MAXSTR)
		return 1;
	d = th_xdigit(c->s[th_idx(i)]);
	if (d >= c->base)
		return 1;
	c->v = c->v * c->base + d;
	return 0;
}

static __always_inline __s64 th_strtol(const char *s, __s64 base)
{
	/* simple_strtol() takes an unsigned int base */
	struct th_strtol_ctx c = { .s = s, .base = (__u32)base };
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
	bpf_loop(TH_MAXSTR, th_strtol_cb, &c, 0);
	return neg ? (__s64)((__u64)0 - c.v) : (__s64)c.v;
}

/* str_replace: one bpf_loop step copies `to` for a match or one byte of s. */
struct th_repl_ctx {
	const char *s, *from, *to;
	char *dst;
	__s64 m, k;
	__u32 i, o;
};

static long th_repl_cb(__u64 step, void *arg)
{
	struct th_repl_ctx *c = arg;
	const char *s = c->s, *from = c->from, *to = c->to;
	char *dst = c->dst;
	__u32 i = TH_UNLINK(c->i), o = TH_UNLINK(c->o);
	__s64 m = TH_UNLINK(c->m), k = TH_UNLINK(c->k);
	int j;

	if (i >= TH_MAXSTR || o >= TH_STRLEN - 1 || !s[th_idx(i)])
		return 1;
	for (j = 0; j < TH_MAXSTR; j++) {
		if (j >= m)
			break;
		if (i + j >= TH_MAXSTR || s[th_idx(i + j)] != from[th_idx(j)]) {
			dst[th_idx(o)] = s[th_idx(i)];
			c->i = i + 1;
			c->o = o + 1;
			return 0;
		}
	}
	for (j = 0; j < TH_MAXSTR; j++) {
		if (j >= k || o >= TH_STRLEN - 1)
			break;
		dst[th_idx(o)] = to[th_idx(j)];
		o++;
	}
	c->i = i + (__u32)m;
	c->o = o;
	return 0;
}

static __always_inline char *th_str_replace(char *dst, const char *s, const char *from,
					    const char *to)
{
	struct th_repl_ctx c = { .s = s, .from = from, .to = to, .dst = dst };

	c.m = th_strlen(from);
	c.k = th_strlen(to);
	if (c.m == 0)
		return th_strcpy(dst, s);
	/*
	 * Start at 0, but a 0 read back from the map: the verifier takes it
	 * for any byte, so it checks the callback for a range of positions
	 * at once instead of once per position.
	 */
	dst[0] = 0;
	c.i = *(volatile unsigned char *)dst;
	c.o = c.i;
	bpf_loop(TH_MAXSTR, th_repl_cb, &c, 0);
	dst[th_idx(c.o)] = 0;
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

/* =~ and !~: a DFA walk over tables the generated code defines */
#include "grt_bpf_regex.h"

/* ---- context ------------------------------------------------------------------- */

/* The few kernel structures we read; CO-RE relocates the offsets. */
struct th_kuid {
	unsigned int val;
} __attribute__((preserve_access_index));

struct cred {
	struct th_kuid uid;
	struct th_kuid gid;
	struct th_kuid euid;
	struct th_kuid egid;
} __attribute__((preserve_access_index));

struct thread_info {
	__u32 cpu;
} __attribute__((preserve_access_index));

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	unsigned int __state;
	int prio;
	int static_prio;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct mm_struct *mm;
	const struct cred *cred;
	char comm[16];
} __attribute__((preserve_access_index));

/* kernels before 5.14 called __state state */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __s64 th_ppid(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, real_parent, tgid);
}

static __always_inline __s64 th_euid(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, cred, euid.val);
}

static __always_inline __s64 th_egid(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, cred, egid.val);
}

/* ---- tasks: task_pid(task_current()) and friends ---------------------------------- */

#define TH_MAX_RT_PRIO 100 /* the kernel's MAX_RT_PRIO: stap reports prio - 100 */

static __always_inline __s64 th_task_field(__u64 task, int which)
{
	struct task_struct *t = (struct task_struct *)task;

	if (!t)
		return 0;
	switch (which) {
	case 0:
		return BPF_CORE_READ(t, tgid);
	case 1:
		return BPF_CORE_READ(t, pid);
	case 2:
		return (__s64)(__u64)BPF_CORE_READ(t, real_parent);
	case 3:
		if (bpf_core_field_exists(t->__state))
			return BPF_CORE_READ(t, __state);
		return BPF_CORE_READ((struct task_struct___old *)t, state);
	case 4:
		return BPF_CORE_READ(t, prio) - TH_MAX_RT_PRIO;
	case 5:
		return BPF_CORE_READ(t, static_prio) - TH_MAX_RT_PRIO - 20;
	case 6:
		return BPF_CORE_READ(t, thread_info.cpu);
	case 7:
		return BPF_CORE_READ(t, cred, uid.val);
	default:
		return BPF_CORE_READ(t, cred, gid.val);
	}
}

static __always_inline char *th_task_execname(char *dst, __u64 task)
{
	struct task_struct *t = (struct task_struct *)task;

	dst[0] = 0;
	if (t && bpf_probe_read_kernel_str(dst, TH_MAXSTR < 16 ? TH_MAXSTR : 16,
					   __builtin_preserve_access_index(&t->comm)) < 0)
		dst[0] = 0;
	return dst;
}

/* kernel_int(addr), user_long(addr) ...: a bad address is a runtime error */
static __always_inline __u64 th_read_mem(struct th_hctx *H, __u64 addr, int size, bool user,
					 __s64 site)
{
	__u64 v = 0;
	long r;

	if (size == 1)
		r = user ? bpf_probe_read_user(&v, 1, (void *)addr) : bpf_probe_read_kernel(&v, 1, (void *)addr);
	else if (size == 2)
		r = user ? bpf_probe_read_user(&v, 2, (void *)addr) : bpf_probe_read_kernel(&v, 2, (void *)addr);
	else if (size == 4)
		r = user ? bpf_probe_read_user(&v, 4, (void *)addr) : bpf_probe_read_kernel(&v, 4, (void *)addr);
	else
		r = user ? bpf_probe_read_user(&v, 8, (void *)addr) : bpf_probe_read_kernel(&v, 8, (void *)addr);
	if (r && !H->err)
		H->err = site + 1;
	return v;
}

/* ctime(): seconds since the epoch as "Wed Jun 30 21:49:08 1993", in eBPF */
/* 8 and 16 entries: the indexes are masked, for the verifier's sake */
static const char th_wdays[8][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed", "?" };
static const char th_months[16][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static __always_inline char *th_ctime(char *dst, __s64 secs, const char *zone)
{
	static const char fmt[] = "%s %s %2d %02d:%02d:%02d %d";
	static const char zfmt[] = "%s %s %2d %02d:%02d:%02d %d %s";
	__u64 args[8];
	/* unsigned: eBPF has no signed division, and clang may not prove signs */
	__u64 days, sod, z, era, doe, yoe, y, doy, mp, d, m, wd, mi;

	if (secs < 0) {
		/* before 1970 is rare in traces; stap prints the same placeholder */
		__builtin_memcpy(dst, "a long, long time ago...", 25);
		return dst;
	}
	days = (__u64)secs / 86400;
	sod = (__u64)secs % 86400;
	/* civil_from_days (H. Hinnant), for days >= 0 */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	/*
	 * The verifier does not bound a modulo: mask the indexes, behind an
	 * empty asm so clang cannot drop the mask as redundant.
	 */
	wd = days % 7;
	mi = m - 1; /* m is 1..12 */
	asm volatile("" : "+r"(wd), "+r"(mi));
	args[0] = (__u64)th_wdays[wd & 7];
	args[1] = (__u64)th_months[mi & 15];
	args[2] = (__u64)d;
	args[3] = (__u64)(sod / 3600);
	args[4] = (__u64)(sod / 60 % 60);
	args[5] = (__u64)(sod % 60);
	args[6] = (__u64)y;
	args[7] = (__u64)zone;
	/* volatile: zone is th_cfg's, which clang would read as its {} initializer */
	if ((zone && *(const volatile char *)zone ? bpf_snprintf(dst, TH_STRLEN, zfmt, args, sizeof(args))
			     : bpf_snprintf(dst, TH_STRLEN, fmt, args, sizeof(args) - 8)) < 0)
		dst[0] = 0;
	return dst;
}

/*
 * symname()/symdata() of a kernel address: the kernel's own %ps/%pS
 * ("name", "name+0x10/0x80 [module]"), or the address in hex when no
 * symbol holds it.
 */
static __always_inline char *th_symbol(char *dst, __u64 addr, int with_offset)
{
	static const char fs[] = "%ps";
	static const char fS[] = "%pS";
	__u64 args[1] = { addr };
	long r;

	/* two calls: the format must be a constant the verifier can read */
	if (with_offset)
		r = bpf_snprintf(dst, TH_STRLEN, fS, args, sizeof(args));
	else
		r = bpf_snprintf(dst, TH_STRLEN, fs, args, sizeof(args));
	if (r < 0)
		dst[0] = 0;
	return dst;
}

/* cmdline_str(): the current task's argv, joined by spaces */
struct th_cmdline_ctx {
	char *buf;
	__u32 len;
};

static long th_cmdline_cb(__u32 i, void *arg)
{
	struct th_cmdline_ctx *c = arg;

	if (i + 1 >= c->len)
		return 1;
	if (!c->buf[i & (TH_MAXSTR - 1)])
		c->buf[i & (TH_MAXSTR - 1)] = ' ';
	return 0;
}

static __always_inline char *th_cmdline(char *dst)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	__u32 len = end > start ? (__u32)(end - start) : 0;
	struct th_cmdline_ctx c = { .buf = dst };

	dst[0] = 0;
	if (len > TH_STRLEN - 1)
		len = TH_STRLEN - 1;
	if (!len || bpf_probe_read_user(dst, len & (TH_MAXSTR - 1), (void *)start))
		return dst;
	dst[len & (TH_MAXSTR - 1)] = 0;
	/* argv's NULs become spaces; the last one ends the string */
	c.len = len;
	bpf_loop(TH_MAXSTR, th_cmdline_cb, &c, 0);
	return dst;
}

static __always_inline char *th_execname(char *dst)
{
	if (bpf_get_current_comm(dst, TH_MAXSTR < 16 ? TH_MAXSTR : 16))
		dst[0] = 0;
	return dst;
}

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

/* @count/@sum/@min/@max/@avg across CPUs of a per-CPU aggregate. */
static __always_inline __s64 th_stat_x(struct th_hctx *H, void *map, const void *key, int x,
				       __s64 site)
{
	__s64 count = 0, sum = 0, min = 0, max = 0;
	__u32 cpu;

	for (cpu = 0; cpu < TH_MAX_CPUS; cpu++) {
		__s64 *st;

		if (cpu >= th_cfg.ncpus)
			break;
		st = bpf_map_lookup_percpu_elem(map, key, cpu);
		if (!st || !st[TH_STAT_COUNT])
			continue;
		if (!count || st[TH_STAT_MIN] < min)
			min = st[TH_STAT_MIN];
		if (!count || st[TH_STAT_MAX] > max)
			max = st[TH_STAT_MAX];
		count += st[TH_STAT_COUNT];
		sum += st[TH_STAT_SUM];
	}
	if (x == 0)
		return count;
	if (x == 1)
		return sum;
	if (!count) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	if (x == 2)
		return min;
	if (x == 3)
		return max;
	return th_div(H, sum, count, site);
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

#endif /* GRT_BPF_H */
