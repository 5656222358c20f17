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
 *   TH_ITER_LOOPS  defined when loops are open-coded iterators (6.4+)
 *   TH_FE_NSITES   foreach statements of kernel code, when there are any,
 *   TH_FE_CAP      and the rows of their snapshots, MAXFOREACH (grt_bpf_foreach.h)
 *
 * What lives here: the maps every guest has (rings, counters, frames,
 * configuration), record emission, the string helpers (probe_read_*_str
 * copies, masked indexes so every access is provably in bounds, and
 * bpf_loop() scans built so the verifier's cost of each helper is fixed,
 * whatever MAXSTRINGLEN is: see "strings" below), signed division (the
 * eBPF ISA we target has only unsigned division), and the context
 * functions (pid, ppid, execname ...).
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
#include "taphub/utf8.h"

#ifndef TH_MAXSTR
#error "TH_MAXSTR must be defined"
#endif
#ifndef TH_STRLEN
#define TH_STRLEN TH_MAXSTR
#endif

#define TH_MAX_CPUS 512 /* bound of the per-CPU merge loops */
/*
 * Constant tables go to .rodata by name: clang puts a constant of 4, 8,
 * 16 or 32 bytes in a mergeable .rodata.cstN section but describes it in
 * .rodata's BTF at offset 0, where another variable sits, and the kernel
 * then refuses the object's BTF ("Invalid offset"), and with it any
 * program that calls a subprogram ("missing btf func_info").
 */
#define TH_RO __attribute__((section(".rodata")))

#ifndef TH_ZERO_SIZE
#define TH_ZERO_SIZE 8
#endif
/* zero bytes for inserting a new map value, and for large keys (the largest of both) */
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
	void *ctx;      /* the program's context, for stack walks */
	bool perf;      /* ctx is a perf sample's: its stacks are the sample's */
#ifdef TH_ITER_LOOPS
	__s64 *unk;     /* a slot of the frame, for th_unknown() */
#endif
};

/*
 * What a loop made a bpf_loop() callback (compiler/codegen_kloop.c) needs
 * of its function or probe: the pointers, which the verifier keeps typed
 * on the caller's stack (the numbers go through the unit's frame).
 */
struct th_ffall;
struct th_kloop_ctx {
	struct th_hctx *H;
	struct th_ffall *FF; /* a function's */
	char *ret;
	void *F; /* a probe's: its frame, context, probe point, literals */
	void *ctx;
	const char *pp;
	const void *lits;
	__u32 hidx;
};

#ifdef TH_ITER_LOOPS
/*
 * The kernel's numbers iterator (kernel/bpf/bpf_iter.c, 6.4+): a loop
 * over it is verified until its states converge, not once per
 * iteration (compiler/codegen_stmt.c, loop_open).
 */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/*
 * v, written to the handler's frame (a map value) and read back, so that
 * the verifier no longer knows it: H->actions at the start, and at each
 * pass over a loop the locals the loop assigns, whose exact values would
 * otherwise differ on every pass (`i == 50` made them precise) and keep
 * the loop's states from converging.
 */
static __always_inline __s64 th_unknown(struct th_hctx *H, __s64 v)
{
	*(volatile __s64 *)H->unk = v;
	return *(volatile __s64 *)H->unk;
}
#endif

/*
 * A raw tracepoint's argument i, loaded from ctx itself.  Written as
 * ctx->args[i], clang may keep &ctx->args[i] in a register (or spill it)
 * across many reads of it (a $$parms$, an @cast(...)$ of tens of
 * members), and the verifier refuses a load through a ctx pointer moved
 * off its start ("dereference of modified ctx ptr").
 */
#define th_rawarg(ctx, i) ({ __u64 v_; \
	asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(v_) : "r"(ctx), "i"((i) * 8)); v_; })

/*
 * The same as a number in a tp_btf program, where the load gives a
 * pointer to a struct the verifier's type (PTR_TO_BTF_ID), which it
 * refuses in arithmetic but + and - ($prev & 0xfff): read as bytes, it is
 * a number.  The ctx is the kernel's array of the arguments: no fault.
 */
#define th_rawarg_num(ctx, i) ({ __u64 v_ = 0; \
	bpf_probe_read_kernel(&v_, sizeof(v_), (const char *)(ctx) + (i) * 8); v_; })

/*
 * The address of a program's context as a number (an LSM probe's $ctx):
 * read back through bpf_probe_read_kernel(), since the verifier keeps
 * the PTR_TO_CTX itself out of the arithmetic a script does with it.
 */
static __always_inline __u64 th_ctx_addr(const void *ctx)
{
	const void *p = ctx;
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

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
	else if (what == 2)
		c->errors++;
	else
		c->skipped++; /* 3: a run that could not have its inputs (codegen_btf.c) */
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

#include "grt_bpf_str.h"

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

#include "grt_bpf_task.h"

#include "grt_bpf_agg.h"

#ifdef TH_FE_NSITES
#include "grt_bpf_foreach.h"
#endif

/* ---- utility functions of the tapsets (docs/language.md, "Functions") ------------ */

/*
 * A length or offset a bpf_loop() callback reads from its caller's
 * context: the mask is a no-op (the values are below 64 K) but makes a new
 * value the verifier does not link to the caller's slot, so a branch in
 * the callback does not split the caller's state per value.
 */
#define TH_UNLINK(v) ((v) & 0xffff)

/*
 * Scratch space of the functions below, one per CPU (a probe does not
 * nest in itself on a CPU): stack frames, one symbol rendering, a copy of
 * a process's arguments, and tokenize()'s state, which lives on from one
 * call to the next as stap keeps it in its per-CPU context.
 */
#define TH_SYMBUF 256      /* one " 0x... : name+0x1/0x2 [module]" line */
#define TH_ARGBUF 4096     /* argv bytes cmdline_args() looks at */
#define TH_PATH_DEPTH 64   /* names of a path kept, from the file up (grt_bpf_path.h) */

struct th_scratch {
	__u64 ips[TH_MAXBACKTRACE];
	char sym[TH_SYMBUF];
	char line[TH_SYMBUF];
	char args[TH_ARGBUF];
	char tok[TH_MAXSTR];
	__u32 tok_pos;  /* next byte of tok to look at */
	__u32 tok_live; /* tok holds a string being tokenized */
	__u8 delims[32]; /* bit set of the delimiter bytes */
	__u64 names[TH_PATH_DEPTH]; /* a path's names, from the file up */
	char path[2 * TH_MAXSTR];   /* the path put together (grt_bpf_path.h) */
	/*
	 * Never written, so 0; read from the map it is any number to the
	 * verifier.  Counters a bpf_loop() callback advances start from it:
	 * starting from a constant 0 the verifier would check the callback
	 * once per value of the counter instead of once for all.
	 */
	__u32 zero;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct th_scratch);
} th_scratch SEC(".maps");

static __always_inline struct th_scratch *th_scratch_get(void)
{
	__u32 z = 0;

	return bpf_map_lookup_elem(&th_scratch, &z);
}

#include "grt_bpf_regex.h"

/* Copy byte c at *o of dst (a TH_MAXSTR buffer), keeping room for the NUL. */
static __always_inline bool th_putc(char *dst, __u32 *o, char c)
{
	if (*o >= TH_STRLEN - 1)
		return false;
	dst[th_idx(*o)] = c;
	*o += 1;
	return true;
}

/* The kernel and user structures read here, CO-RE relocated (names: ___th flavors). */
struct percpu_counter___th {
	__s64 count;
} __attribute__((preserve_access_index));

struct mm_rss_stat___th {
	long count[4];
} __attribute__((preserve_access_index));

struct file___th;
struct fs_struct___th;
struct files_struct___th;

struct mm_struct___th {
	unsigned long total_vm, data_vm, stack_vm, start_code, end_code;
	unsigned long arg_start, arg_end;
	struct percpu_counter___th rss_stat[4]; /* since 6.2 */
	struct file___th *exe_file;
} __attribute__((preserve_access_index));

struct mm_struct___th_old {
	struct mm_rss_stat___th rss_stat; /* before 6.2 */
} __attribute__((preserve_access_index));

struct task_struct___th {
	__u64 utime, stime;
	int pid, tgid;
	struct task_struct___th *real_parent;
	struct mm_struct___th *mm;
	struct fs_struct___th *fs;
	struct files_struct___th *files;
	char comm[16];
} __attribute__((preserve_access_index));

static __always_inline struct task_struct___th *th_current(void)
{
	return (struct task_struct___th *)bpf_get_current_task();
}

/* modname(), umodname(), the path functions, pstrace() */
#include "grt_bpf_path.h"

/* task_utime()/task_stime(): the current thread's CPU time (ns); another thread: 0 */
static __always_inline __s64 th_task_cputime(bool sys, bool has_tid, __s64 tid)
{
	struct task_struct___th *t = th_current();

	if (has_tid && tid != BPF_CORE_READ(t, pid))
		return 0;
	return sys ? (__s64)BPF_CORE_READ(t, stime) : (__s64)BPF_CORE_READ(t, utime);
}

/* One of the mm's resident page counters (MM_FILEPAGES 0, ANONPAGES 1, SHMEMPAGES 3). */
static __always_inline __s64 th_mm_counter(struct mm_struct___th *mm, int k)
{
	__s64 v;

	if (bpf_core_type_exists(struct mm_rss_stat___th)) {
		struct mm_struct___th_old *old = (void *)mm;

		if (k == 0)
			v = BPF_CORE_READ(old, rss_stat.count[0]);
		else if (k == 1)
			v = BPF_CORE_READ(old, rss_stat.count[1]);
		else
			v = BPF_CORE_READ(old, rss_stat.count[3]);
	} else if (k == 0) {
		v = BPF_CORE_READ(mm, rss_stat[0].count);
	} else if (k == 1) {
		v = BPF_CORE_READ(mm, rss_stat[1].count);
	} else {
		v = BPF_CORE_READ(mm, rss_stat[3].count);
	}
	/* per-CPU counters are approximate: a sum can lag below zero */
	return v < 0 ? 0 : v;
}

/*
 * proc_mem_size/rss/shr/txt/data() in pages, as stap's proc_mem.stp
 * counts them; what: 0..4.  A probe can only read the current process's
 * mm (eBPF cannot look a task up by pid): another pid reads 0.
 */
static __always_inline __s64 th_proc_mem(int what, bool has_pid, __s64 pid)
{
	struct task_struct___th *t = th_current();
	struct mm_struct___th *mm;
	__u64 s, e;

	if (has_pid && pid != BPF_CORE_READ(t, tgid))
		return 0;
	mm = BPF_CORE_READ(t, mm);
	if (!mm)
		return 0;
	switch (what) {
	case 0:
		return BPF_CORE_READ(mm, total_vm);
	case 1:
		return th_mm_counter(mm, 0) + th_mm_counter(mm, 1) + th_mm_counter(mm, 3);
	case 2:
		return th_mm_counter(mm, 0);
	case 3:
		/* the pages the text spans: start rounded down, end up (4 KB pages) */
		s = BPF_CORE_READ(mm, start_code) & ~4095ULL;
		e = (BPF_CORE_READ(mm, end_code) + 4095) & ~4095ULL;
		return e > s ? (__s64)((e - s) >> 12) : 0;
	default:
		return BPF_CORE_READ(mm, data_vm) + BPF_CORE_READ(mm, stack_vm);
	}
}

static __always_inline char *th_pexecname(char *dst)
{
	struct task_struct___th *p = BPF_CORE_READ(th_current(), real_parent);

	dst[0] = 0;
	if (p && bpf_probe_read_kernel_str(dst, TH_MAXSTR < 16 ? TH_MAXSTR : 16,
					   __builtin_preserve_access_index(&p->comm)) < 0)
		dst[0] = 0;
	return dst;
}

/*
 * cmdline_args(n, m, delim): arguments n..m (m < 0: to the last) of the
 * current process joined by delim, an empty one after the first as "",
 * as stap's context.stp builds it.  One bpf_loop() step per byte of argv.
 */
struct th_args_ctx {
	const char *raw, *delim;
	char *dst;
	__u32 len, o, nr;
	__s64 n, m;
	bool start; /* at the first byte of argument nr */
};

/* One byte of the delimiter into dst. */
static long th_delim_cb(__u64 j, void *arg)
{
	struct th_args_ctx *c = arg;
	char ch = c->delim[j & (TH_MAXSTR - 1)];
	__u32 o = TH_UNLINK(c->o);

	if (!ch || !th_putc(c->dst, &o, ch))
		return 1;
	c->o = o;
	return 0;
}

static long th_args_cb(__u64 i, void *arg)
{
	struct th_args_ctx *c = arg;
	__u32 nr = TH_UNLINK(c->nr);
	char ch;

	if (i >= TH_UNLINK(c->len) || i >= TH_ARGBUF)
		return 1;
	ch = c->raw[i & (TH_ARGBUF - 1)];
	if (nr >= c->n && (c->m < 0 || nr <= c->m)) {
		if (c->start && nr > c->n) {
			bpf_loop(TH_MAXSTR, th_delim_cb, c, 0);
			if (!ch) {
				th_putc(c->dst, &c->o, '"');
				th_putc(c->dst, &c->o, '"');
			}
		}
		if (ch)
			th_putc(c->dst, &c->o, ch);
	}
	c->start = !ch;
	if (!ch) {
		c->nr = nr + 1;
		if (c->m >= 0 && nr + 1 > c->m)
			return 1;
	}
	return 0;
}

static __always_inline char *th_cmdline_args(char *dst, __s64 n, __s64 m, const char *delim)
{
	struct task_struct___th *t = th_current();
	struct mm_struct___th *mm = BPF_CORE_READ(t, mm);
	struct th_scratch *S = th_scratch_get();
	struct th_args_ctx c = { .delim = delim, .dst = dst, .n = n, .m = m, .start = true };
	unsigned long start, end;

	dst[0] = 0;
	if (!mm || !S || n < 0)
		return dst;
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	if (!start || end <= start)
		return dst;
	c.len = end - start > TH_ARGBUF ? TH_ARGBUF : (__u32)(end - start);
	if (bpf_probe_read_user(S->args, c.len, (void *)start))
		return dst;
	c.raw = S->args;
	c.o = S->zero;
	c.nr = S->zero;
	bpf_loop(TH_ARGBUF, th_args_cb, &c, 0);
	dst[th_idx(c.o)] = 0;
	return dst;
}

/*
 * tokenize(input, delim): stap's strsep() walk.  A non-empty input
 * starts over on a copy of it; each call returns the next token that is
 * not empty, "" once there is none left.  The delimiters become a bit
 * set, so each byte is one lookup.
 */
struct th_tok_ctx {
	struct th_scratch *S;
	const char *delim;
	char *dst;
	__u32 i, o;
	int phase; /* 0: skipping delimiters, 1: in the token */
};

static long th_delims_cb(__u64 j, void *arg)
{
	struct th_tok_ctx *c = arg;
	__u8 ch = (__u8)c->delim[j & (TH_MAXSTR - 1)];

	if (!ch)
		return 1;
	c->S->delims[(ch >> 3) & 31] |= (__u8)(1u << (ch & 7));
	return 0;
}

static long th_tok_cb(__u64 k, void *arg)
{
	struct th_tok_ctx *c = arg;
	struct th_scratch *S = c->S;
	__u32 i = TH_UNLINK(c->i);
	__u8 ch;
	bool delim;

	if (i >= TH_MAXSTR) {
		S->tok_live = 0;
		return 1;
	}
	ch = (__u8)S->tok[th_idx(i)];
	if (!ch) {
		S->tok_live = 0; /* strsep() reached the end: nothing after this */
		return 1;
	}
	delim = S->delims[(ch >> 3) & 31] & (1u << (ch & 7));
	c->i = i + 1;
	if (c->phase == 0) {
		if (!delim) {
			c->phase = 1;
			th_putc(c->dst, &c->o, (char)ch);
		}
		return 0;
	}
	if (delim) {
		S->tok_pos = i + 1;
		return 1;
	}
	th_putc(c->dst, &c->o, (char)ch);
	return 0;
}

static __always_inline char *th_tokenize(char *dst, const char *input, const char *delim)
{
	struct th_scratch *S = th_scratch_get();
	struct th_tok_ctx c = { .delim = delim, .dst = dst };
	int j;

	dst[0] = 0;
	if (!S)
		return dst;
	c.S = S;
	if (input[0]) {
		th_strcpy(S->tok, input);
		S->tok_pos = 0;
		S->tok_live = 1;
	}
	if (!S->tok_live)
		return dst;
	for (j = 0; j < 32; j++)
		S->delims[j] = 0;
	bpf_loop(TH_MAXSTR, th_delims_cb, &c, 0);
	c.i = S->tok_pos;
	c.o = S->zero;
	bpf_loop(TH_MAXSTR, th_tok_cb, &c, 0);
	dst[th_idx(c.o)] = 0;
	return dst;
}

/* ---- stacks ------------------------------------------------------------------------- */

/* Frames of the kernel (or user) stack of the probe into S->ips: their number. */
static __always_inline __u32 th_stack(struct th_hctx *H, struct th_scratch *S, bool user)
{
	long r;

	if (!H->ctx)
		return 0;
	/* a tracepoint's kernel stack starts in this program: skip its frame */
	r = bpf_get_stack(H->ctx, S->ips, sizeof(S->ips),
			  user ? BPF_F_USER_STACK : H->perf ? 0 : 1);
	return r > 0 ? (__u32)((__u64)r / 8) : 0;
}

/*
 * user_mode(): did the probe interrupt user space?  Only a perf sample
 * (timer.profile, perf.*) can: its kernel stack is then empty; a
 * tracepoint always fires in the kernel.
 */
static __always_inline __s64 th_user_mode(struct th_hctx *H)
{
	struct th_scratch *S = th_scratch_get();

	if (!H->perf || !S || !H->ctx)
		return 0;
	return th_stack(H, S, false) == 0;
}

/* addr(): the address the probe interrupted (kernel, else user); uaddr(): the user one. */
static __always_inline __s64 th_addr(struct th_hctx *H, bool user_only)
{
	struct th_scratch *S = th_scratch_get();

	if (!S)
		return 0;
	if (!user_only && th_stack(H, S, false))
		return (__s64)S->ips[0];
	if (th_stack(H, S, true))
		return (__s64)S->ips[0];
	return 0;
}

/*
 * The symbolic forms of a kernel address, from the kernel's %pS
 * ("name+0x12/0x40 [module]", bare "name+0x12/0x40" for vmlinux):
 *   TH_SYM_HEX     "0x..."                           (backtrace(), user addresses)
 *   TH_SYM_SIMPLE  "name+0x12 [kernel]"              (sprint_backtrace())
 *   TH_SYM_FULL    " 0x... : name+0x12/0x40 [kernel]" (print_stack/sprint_stack)
 *   TH_SYM_DATA    "name+0x12/0x40 [kernel]"          (symdata())
 *   TH_SYM_UFULL   " 0x... : 0x..."                   (sprint_ustack(): no user symbols here)
 * each followed by sep (' ', '\n', or 0 for none).
 */
enum { TH_SYM_HEX = 0, TH_SYM_SIMPLE, TH_SYM_FULL, TH_SYM_DATA, TH_SYM_UFULL };

struct th_frames_ctx {
	struct th_scratch *S;
	char *dst;
	__u32 n, o;
	__u32 lo; /* bytes of S->line */
	int style;
	char sep;
	bool whole_lines; /* a line that does not fit is left out, not cut */
	bool skip, plus, module;
};

/* One byte of a %pS rendering into S->line, rewritten into stap's form. */
static long th_symbyte_cb(__u64 k, void *arg)
{
	struct th_frames_ctx *c = arg;
	struct th_scratch *S = c->S;
	char ch = S->sym[k & (TH_SYMBUF - 1)];
	__u32 lo = TH_UNLINK(c->lo);

	if (!ch || lo >= TH_SYMBUF - 16)
		return 1;
	if (c->style != TH_SYM_HEX && c->style != TH_SYM_UFULL) {
		if (ch == '+')
			c->plus = true;
		else if (ch == '[')
			c->module = true;
		else if (ch == '/' && c->style == TH_SYM_SIMPLE)
			c->skip = true; /* the symbol's size: not in this form */
		else if (ch == ' ')
			c->skip = false;
	}
	if (!c->skip) {
		S->line[lo & (TH_SYMBUF - 1)] = ch;
		c->lo = lo + 1;
	}
	return 0;
}

/* One byte of S->line into dst. */
static long th_linebyte_cb(__u64 k, void *arg)
{
	struct th_frames_ctx *c = arg;
	__u32 o = TH_UNLINK(c->o);

	if (k >= TH_UNLINK(c->lo) || !th_putc(c->dst, &o, c->S->line[k & (TH_SYMBUF - 1)]))
		return 1;
	c->o = o;
	return 0;
}

static long th_frame_cb(__u64 i, void *arg)
{
	static const char fhex[] = "0x%llx";
	static const char fsimple[] = "%pS";
	static const char ffull[] = " 0x%llx : %pS";
	static const char fufull[] = " 0x%llx : 0x%llx";
	struct th_frames_ctx *c = arg;
	struct th_scratch *S = c->S;
	__u64 a[2];
	__u32 lo, k;

	if (i >= TH_UNLINK(c->n) || i >= TH_MAXBACKTRACE)
		return 1;
	a[0] = a[1] = S->ips[i];
	if (c->style == TH_SYM_SIMPLE || c->style == TH_SYM_DATA)
		bpf_snprintf(S->sym, TH_SYMBUF, fsimple, a, 8);
	else if (c->style == TH_SYM_FULL)
		bpf_snprintf(S->sym, TH_SYMBUF, ffull, a, 16);
	else if (c->style == TH_SYM_UFULL)
		bpf_snprintf(S->sym, TH_SYMBUF, fufull, a, 16);
	else
		bpf_snprintf(S->sym, TH_SYMBUF, fhex, a, 8);
	c->lo = S->zero;
	c->skip = c->plus = c->module = false;
	bpf_loop(TH_SYMBUF, th_symbyte_cb, c, 0);
	lo = TH_UNLINK(c->lo);
	/* vmlinux: %pS names no module, stap says [kernel] */
	if (c->plus && !c->module)
		for (k = 0; k < 9; k++)
			S->line[(lo + k) & (TH_SYMBUF - 1)] = " [kernel]"[k];
	if (c->plus && !c->module)
		lo += 9;
	if (c->sep)
		S->line[lo++ & (TH_SYMBUF - 1)] = c->sep;
	c->lo = lo;
	if (c->whole_lines && TH_UNLINK(c->o) + lo > TH_STRLEN - 1)
		return 1;
	bpf_loop(TH_SYMBUF, th_linebyte_cb, c, 0);
	return 0;
}

/* Format S->ips[0..n) into dst. */
static __always_inline char *th_frames_str(struct th_scratch *S, char *dst, __u32 n, int style,
					   char sep, bool whole_lines)
{
	struct th_frames_ctx c = { .S = S, .dst = dst, .n = n, .style = style, .sep = sep,
				   .whole_lines = whole_lines, .o = S->zero };

	dst[0] = 0;
	bpf_loop(TH_MAXBACKTRACE, th_frame_cb, &c, 0);
	dst[th_idx(c.o)] = 0;
	return dst;
}

/*
 * backtrace(), sprint_backtrace(), ubacktrace(), sprint_ubacktrace():
 * stap's forms.  User addresses stay hex: their symbols are in the
 * process's files, which a probe cannot read (print_ubacktrace()
 * resolves them in user space).
 */
static __always_inline char *th_backtrace_str(struct th_hctx *H, char *dst, bool user, bool sym)
{
	struct th_scratch *S = th_scratch_get();
	__u32 n;

	if (!S) {
		dst[0] = 0;
		return dst;
	}
	n = th_stack(H, S, user);
	if (!sym)
		return th_frames_str(S, dst, n, TH_SYM_HEX, ' ', false);
	return th_frames_str(S, dst, n, user ? TH_SYM_HEX : TH_SYM_SIMPLE, '\n', false);
}

/* "0xffffffff81000000 0x..." (backtrace()'s form) back into addresses. */
struct th_parse_ctx {
	struct th_scratch *S;
	const char *s;
	__u64 v;
	__u32 n;
	bool digits;
};

static long th_parse_cb(__u64 i, void *arg)
{
	struct th_parse_ctx *c = arg;
	char ch = c->s[i & (TH_MAXSTR - 1)];
	__u32 d = th_xdigit(ch), n;

	if (ch == 'x' || ch == 'X') {
		c->v = 0; /* the 0x prefix */
		return 0;
	}
	if (d < 16) {
		c->v = c->v * 16 + d;
		c->digits = true;
		return 0;
	}
	n = TH_UNLINK(c->n);
	if (c->digits && n < TH_MAXBACKTRACE) {
		c->S->ips[n] = c->v;
		c->n = n + 1;
	}
	c->v = 0;
	c->digits = false;
	return !ch;
}

static __always_inline __u32 th_parse_stack(struct th_scratch *S, const char *s)
{
	struct th_parse_ctx c = { .S = S, .s = s, .n = S->zero };

	bpf_loop(TH_MAXSTR, th_parse_cb, &c, 0);
	return c.n;
}

/*
 * sprint_stack(stk): " 0x... : name+0x12/0x40 [kernel]" lines, whole lines
 * only; sprint_ustack(stk): " 0x... : 0x...", usymdata() in a probe.
 */
static __always_inline char *th_sprint_stack(char *dst, const char *stk, bool user)
{
	struct th_scratch *S = th_scratch_get();

	if (!S) {
		dst[0] = 0;
		return dst;
	}
	return th_frames_str(S, dst, th_parse_stack(S, stk), user ? TH_SYM_UFULL : TH_SYM_FULL,
			     '\n', true);
}

/*
 * print_backtrace(), print_ubacktrace(), print_stack(stk), print_ustack(stk),
 * print_[u]backtrace_fileline(): a TH_FMT_STACK record with the addresses;
 * the reader resolves them (kallsyms, the process's ELF files and their
 * DWARF) as the record is formatted.  flags: TH_STACK_*.  stk: NULL, or
 * backtrace()'s (ubacktrace()'s) string.
 */
static __always_inline void th_stack_rec(struct th_hctx *H, int cls, char *buf, __s64 flags,
					 const char *stk)
{
	struct th_scratch *S = th_scratch_get();
	__u32 o = sizeof(struct th_rec), n, i;

	if (!S)
		return;
	n = stk ? th_parse_stack(S, stk) : th_stack(H, S, flags & TH_STACK_USER);
	th_rec_header((struct th_rec *)buf, 0, TH_FMT_STACK, cls);
	th_put_long(buf, &o, TH_RECMASK, flags);
	th_put_long(buf, &o, TH_RECMASK, bpf_get_current_pid_tgid() >> 32);
	th_put_long(buf, &o, TH_RECMASK, n);
	for (i = 0; i < TH_MAXBACKTRACE; i++) {
		if (i >= n)
			break;
		th_put_long(buf, &o, TH_RECMASK, (__s64)S->ips[i]);
	}
	th_output_rec(cls, buf, o, false);
}

/* symdata(addr): "name+0x12/0x40 [kernel]", as user context and stap say it */
static __always_inline char *th_symdata(char *dst, __u64 addr)
{
	struct th_scratch *S = th_scratch_get();

	if (!S) {
		dst[0] = 0;
		return dst;
	}
	S->ips[0] = addr;
	return th_frames_str(S, dst, 1, TH_SYM_DATA, 0, false);
}

/* usymname()/usymdata() in a probe: the address in hex, as stap without the symbols */
static __always_inline char *th_hex(char *dst, __u64 v)
{
	static const char f[] = "0x%llx";
	__u64 a[1] = { v };

	if (bpf_snprintf(dst, TH_STRLEN, f, a, sizeof(a)) < 0)
		dst[0] = 0;
	return dst;
}

/* system(cmd), printk(level, msg), switch_file(): records the reader acts on */
static __always_inline void th_action_rec(int cls, char *buf, int fmt, __s64 level, const char *s)
{
	__u32 o = sizeof(struct th_rec);

	th_rec_header((struct th_rec *)buf, 0, (__u16)fmt, cls);
	if (fmt == TH_FMT_PRINTK)
		th_put_long(buf, &o, TH_RECMASK, level);
	if (s)
		th_put_str(buf, &o, TH_RECMASK, s);
	th_output_rec(cls, buf, o, false);
}

#endif /* GRT_BPF_H */
