/* SPDX-License-Identifier: MIT */
/*
 * The no-trap marker: a header-only tracing macro for applications.
 *
 *   #include <taphub/marker.h>
 *   TAPHUB_MARK(myapp, request, id, len, "GET");   (up to 6 integer or string args)
 *
 * C (gnu11, or C11 with _GNU_SOURCE defined before any #include: it needs
 * POSIX, flock and MAP_POPULATE), GCC or clang, x86-64 Linux.
 *
 * Each use is a valid SDT marker (a .note.stapsdt entry with a semaphore),
 * so `tap`'s process("app").mark("request"), stap's and bpftrace's usdt:
 * see it.  What makes it different is what happens while a session probes
 * it:
 *
 *   disabled   the kernel's uprobe reference counter (the semaphore) is 0:
 *              one load and a branch predicted not taken.
 *   enabled    a probe is attached: the kernel raised the semaphore, in
 *              every process that maps the file, also those that exec it
 *              later.  On the first such hit the process looks for a ring
 *              a tap session made for it at TH_MARK_RING_DIR/taphub-mark.PID
 *              (a shared-memory file) whose table enables this marker.
 *              Found: from then on the marker writes its record into that
 *              ring itself (no trap, no system call: reserve, copy, commit)
 *              and skips the SDT site.  Not found (another process, a
 *              session that compiled the probe as an ordinary uprobe): it
 *              goes through the SDT site, where the kernel's uprobe runs
 *              the session's eBPF program, exactly as a <sys/sdt.h>
 *              marker would.
 *
 * The record is the one of include/taphub/record.h (struct th_rec and the
 * packed arguments: a long is 8 bytes, a string a u16 length and its
 * bytes), its ts CLOCK_MONOTONIC through the vDSO, as bpf_ktime_get_ns, so
 * user and kernel records merge by time.  Its format id and class come
 * from the ring's table: the session compiled the probe's body (one printf
 * of the marker's arguments in order) into that format.
 *
 * The ring (all offsets, no pointers; every field checked before use):
 *
 *   struct th_mark_ring    header: magic, version, sizes, the table
 *   lane 0 .. nlanes-1     at hdr_size + i * lane_stride: struct
 *                          th_mark_lane, then lane_size bytes of records
 *
 * A writer takes the lane of its CPU (rseq's cpu_id, so no system call),
 * reserves bytes by compare-and-swap on the lane's head (several threads
 * and processes may share a lane: multi-producer), writes the record and
 * commits it by storing its size last, with release.  The consumer (the
 * session) reads a committed size with acquire, takes the record, zeroes
 * its bytes and moves the tail with release; a writer reads the tail with
 * acquire before it reuses those bytes.  A record that would not fit
 * before the lane's end leaves a pad record (fmt TH_FMT_NONE) there and
 * starts at the lane's beginning.  A full lane drops the record and counts
 * it in the lane's lost counter, which the session reports.
 *
 * The session holds a shared flock on the file as long as it reads it; a
 * ring nobody holds is a dead session's, and the process ignores it.  The
 * next session for the process sets closed in it (the process leaves it
 * at its next hit), counts what it holds and removes it: this header's
 * process is untrusted there, nothing it wrote is followed unchecked.
 *
 * A writer killed between reserve and commit blocks its lane (the session
 * sees the record never committed), as a BPF ring does.  A child forked
 * by a marked process writes into its parent's ring: its records are the
 * hits the kernel's uprobe would have seen in it too.
 */
#ifndef TAPHUB_MARKER_H
#define TAPHUB_MARKER_H

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define TH_MARK_HAVE_RSEQ 1
#endif
#endif

#include "taphub/record.h"

/* ---- what crosses the process boundary: the ring file ------------------------------- */

#define TH_MARK_RING_DIR "/dev/shm"
#define TH_MARK_RING_PREFIX "taphub-mark."
#define TH_MARK_MAGIC 0x4b52414d50415448ull /* "THAPMARK" little endian */
#define TH_MARK_VERSION 1u
#define TH_MARK_MAX_MARKS 64   /* markers one session enables in one process */
#define TH_MARK_MAX_LANES 256
#define TH_MARK_NAME_MAX 64    /* provider and name, NUL included */
#define TH_MARK_LANE_HDR 256u  /* a lane's counters: three cache lines and room */

/* One marker the session enables: its records are fmt in class cls. */
struct th_mark_entry {
	char provider[TH_MARK_NAME_MAX];
	char name[TH_MARK_NAME_MAX];
	__u16 fmt;
	__u8 cls;
	__u8 pad[5];
	__u64 reserved;
};

struct th_mark_ring {
	__u64 magic;       /* TH_MARK_MAGIC */
	__u32 version;     /* TH_MARK_VERSION: a writer of another version stays away */
	__u32 hdr_size;    /* bytes before lane 0, a multiple of the page size */
	__u32 nlanes;      /* 1 .. TH_MARK_MAX_LANES */
	__u32 nmarks;      /* entries of marks[] in use */
	__u64 lane_size;   /* record bytes of a lane, a power of 2 */
	__u64 lane_stride; /* TH_MARK_LANE_HDR + lane_size */
	__u64 file_size;   /* hdr_size + nlanes * lane_stride */
	__u32 pid;         /* the process it was made for */
	__u32 guest;       /* the guest id records carry */
	__u32 strmax;      /* bytes a string argument keeps at most (MAXSTRINGLEN - 1) */
	/* set by the session when it ends (release; writers acquire): stop writing */
	__u32 closed;
	/*
	 * 1: the session converts the CPU's time-stamp counter to its clock
	 * (the kernel's clocksource is the TSC): a record may carry rdtsc
	 * with TH_RECF_TSC instead of clock_gettime()'s, 20 ns cheaper. A
	 * writer that does not know this field stamps nanoseconds, as before.
	 */
	__u32 ts_tsc;
	__u8 reserved[60];
	struct th_mark_entry marks[TH_MARK_MAX_MARKS];
};

/* At the start of each lane, each counter on its own cache line. */
struct th_mark_lane {
	__u64 head; /* bytes reserved since the lane was made (writers, CAS) */
	/*
	 * The tail as a writer last read it (writers: release after their
	 * acquire of tail; acquired by the others).  Never past the tail, so
	 * room it shows is there: a writer reads the consumer's line only when
	 * this says the lane may be full, not at every record.
	 */
	__u64 tail_seen;
	__u8 pad0[48];
	__u64 tail; /* bytes the session consumed (it stores with release) */
	__u8 pad1[56];
	__u64 lost; /* records dropped because the lane was full */
	__u8 pad2[56];
	__u8 reserved[TH_MARK_LANE_HDR - 192];
};

/* ---- in the program: a marker's site ----------------------------------------------- */

#define TH_MARK_SITE_MAGIC 0x4b52414du /* "MARK" */
#define TH_MARK_SITE_VERSION 1u
#define TH_MARK_MAX_ARGS 6

/*
 * A marker's site, in the .probes section as an SDT semaphore is: its
 * first two bytes are the semaphore the kernel raises while a uprobe is
 * attached (ref_ctr_offset).  The compiler recognises a no-trap marker by
 * the magic right after them in the file, and reads its argument types.
 * The rest is this process's own state, never shared.
 */
struct th_mark_site {
	__u16 sem;       /* the SDT semaphore */
	__u16 version;   /* TH_MARK_SITE_VERSION */
	__u32 magic;     /* TH_MARK_SITE_MAGIC */
	char types[8];   /* 'l' (long) or 's' (string) per argument, NUL after */
	/* this process: what the ring's table said, for process generation gen */
	__u32 gen;
	__u16 fmt;
	__u8 cls;
	__u8 nargs;
	const char *provider, *name;
};

/* The process's view of its ring: one per executable or library using the header. */
struct th_mark_proc {
	struct th_mark_ring *ring; /* NULL: none mapped */
	__u64 size;                /* the mapping */
	__u32 gen;                 /* bumped at each map and unmap; 0 never valid */
	__u32 busy;                /* a thread is looking for the ring */
	__s64 next_look_ns;        /* no ring: when to look again */
	__u32 nlanes;              /* copied once validated: writers trust only these */
	__u64 lane_size, lane_stride, hdr_size;
	__u32 guest, strmax;
	__u32 tsc; /* the ring's ts_tsc */
};

__attribute__((weak, visibility("hidden"))) struct th_mark_proc th_mark_proc_state;

/* One argument of a hit, as the macro collected it. */
struct th_mark_arg {
	long l;
	const char *s; /* a string argument; NULL for a long */
};

/* ---- the slow path: finding the ring (once per process and session) -------------- */

static inline __s64 th_mark_now(void)
{
	struct timespec ts;

	/* the vDSO: no system call; the clock of bpf_ktime_get_ns */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* How often a process without a ring looks again (a later session may make one). */
#define TH_MARK_LOOK_NS 100000000LL

/* Map and check the ring the session made for this process; 0 or -1. */
static inline int th_mark_map(struct th_mark_proc *p)
{
	char path[64];
	struct th_mark_ring h;
	struct stat st;
	void *m;
	int fd;

	snprintf(path, sizeof(path), TH_MARK_RING_DIR "/" TH_MARK_RING_PREFIX "%d", (int)getpid());
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	/* made by root (the session) or by ourselves: nobody else feeds us a ring */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()))
		goto fail;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto fail;
	if (h.magic != TH_MARK_MAGIC || h.version != TH_MARK_VERSION ||
	    h.hdr_size < sizeof(h) || h.nlanes < 1 || h.nlanes > TH_MARK_MAX_LANES ||
	    h.lane_size < 4096 || (h.lane_size & (h.lane_size - 1)) || h.lane_size > (1ull << 32) ||
	    h.lane_stride != TH_MARK_LANE_HDR + h.lane_size ||
	    h.file_size != h.hdr_size + h.nlanes * h.lane_stride ||
	    (__u64)st.st_size < h.file_size || h.nmarks > TH_MARK_MAX_MARKS || h.closed ||
	    h.strmax > 65535)
		goto fail;
	/*
	 * The session holds a shared lock on the file while it reads it: a
	 * file we can lock exclusively was left by a session that died (and
	 * our pid may be a reused one): nobody would read what we wrote.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		goto fail;
	/* populated now, once: no page fault on the writers' path later */
	m = mmap(NULL, h.file_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	close(fd);
	p->nlanes = h.nlanes;
	p->lane_size = h.lane_size;
	p->lane_stride = h.lane_stride;
	p->hdr_size = h.hdr_size;
	p->guest = h.guest;
	p->strmax = h.strmax;
	p->tsc = h.ts_tsc == 1;
	p->size = h.file_size;
	/* the fields above before the ring: readers acquire it */
	__atomic_store_n(&p->ring, (struct th_mark_ring *)m, __ATOMIC_RELEASE);
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * The semaphore is up and this site is not set up for the process's
 * current ring: look the ring up (once per session; without a ring, again
 * after TH_MARK_LOOK_NS), then the site in its table.  1: the site writes
 * into the ring; 0: it takes the SDT site (the kernel's uprobe).
 */
static __attribute__((noinline, cold, unused)) int th_mark_setup(struct th_mark_site *s)
{
	struct th_mark_proc *p = &th_mark_proc_state;
	struct th_mark_ring *r;
	__u32 i, n;
	__s64 now;

	r = __atomic_load_n(&p->ring, __ATOMIC_ACQUIRE); /* pairs with the release below */
	if (r && __atomic_load_n(&r->closed, __ATOMIC_ACQUIRE)) {
		/*
		 * That session ended: forget its ring (the mapping stays: other
		 * threads may be writing into it; one per session is the cost).
		 */
		if (__atomic_compare_exchange_n(&p->ring, &r, NULL, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			__atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
		r = NULL;
	}
	if (!r) {
		now = th_mark_now();
		if (now < __atomic_load_n(&p->next_look_ns, __ATOMIC_RELAXED))
			return 0;
		/* one thread looks; the others take the SDT site meanwhile */
		if (__atomic_exchange_n(&p->busy, 1, __ATOMIC_ACQUIRE))
			return 0;
		r = __atomic_load_n(&p->ring, __ATOMIC_ACQUIRE); /* another looker's, maybe */
		if (!r && th_mark_map(p) == 0) {
			r = p->ring;
			/* a new generation: sites set up for an older ring set up again */
			__atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
		} else if (!r) {
			__atomic_store_n(&p->next_look_ns, now + TH_MARK_LOOK_NS, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
		if (!r)
			return 0;
	}
	n = __atomic_load_n(&r->nmarks, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && i < TH_MARK_MAX_MARKS; i++) {
		const struct th_mark_entry *e = &r->marks[i];

		if (!strncmp(e->provider, s->provider, TH_MARK_NAME_MAX) &&
		    !strncmp(e->name, s->name, TH_MARK_NAME_MAX) && e->fmt >= TH_FMT_FIRST &&
		    e->cls < TH_MAX_CLASSES) {
			s->fmt = e->fmt;
			s->cls = e->cls;
			/* the fields before gen, which the fast path checks (acquire) */
			__atomic_store_n(&s->gen, __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
			return 1;
		}
	}
	return 0;
}

/* ---- the fast path: reserve, write, commit ----------------------------------------- */

static inline __u32 th_mark_cpu(void)
{
#ifdef TH_MARK_HAVE_RSEQ
	if (__rseq_size) {
		const struct rseq *rs =
		    (const struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);

		return __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
	}
#endif
	return 0; /* no rseq: every thread in lane 0 (still correct, more contention) */
}

/* Bytes a record of these arguments takes, header included, rounded up. */
static inline __u32 th_mark_size(const struct th_mark_arg *a, int n, __u32 strmax, __u8 *trunc)
{
	__u32 size = sizeof(struct th_rec);
	int i;

	for (i = 0; i < n; i++) {
		if (a[i].s) {
			size_t l = strlen(a[i].s);

			if (l > strmax) {
				l = strmax;
				*trunc = TH_RECF_TRUNC;
			}
			size += 2 + (__u32)l;
		} else {
			size += 8;
		}
	}
	return (size + TH_REC_ALIGN - 1) & ~(TH_REC_ALIGN - 1);
}

/*
 * Reserve size bytes in lane l: the record's place, or NULL when the lane
 * is full (counted).  A record that would cross the lane's end leaves a
 * pad record in the rest and starts at offset 0.
 */
static inline struct th_rec *th_mark_reserve(struct th_mark_lane *l, __u8 *data, __u64 lsize,
					     __u32 size)
{
	__u64 head, tail, off, pad;

	head = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
	do {
		/*
		 * The bytes below the tail are zero again: the consumer's release
		 * of tail, acquired here or by the writer that stored tail_seen
		 * (release), which we acquire.
		 */
		tail = __atomic_load_n(&l->tail_seen, __ATOMIC_ACQUIRE);
		off = head & (lsize - 1);
		pad = off + size > lsize ? lsize - off : 0;
		if (head + pad + size - tail > lsize) {
			tail = __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE);
			__atomic_store_n(&l->tail_seen, tail, __ATOMIC_RELEASE);
			if (head + pad + size - tail > lsize) {
				__atomic_add_fetch(&l->lost, 1, __ATOMIC_RELAXED);
				return NULL;
			}
		}
	} while (!__atomic_compare_exchange_n(&l->head, &head, head + pad + size, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	if (pad) {
		struct th_rec *p = (struct th_rec *)(data + off);

		p->fmt = TH_FMT_NONE;
		/* commit the pad: the consumer acquires size, then reads fmt */
		__atomic_store_n(&p->size, (__u32)pad, __ATOMIC_RELEASE);
		off = 0;
	}
	return (struct th_rec *)(data + off);
}

static inline void th_mark_write(struct th_mark_site *s, const struct th_mark_arg *a, int n)
{
	struct th_mark_proc *p = &th_mark_proc_state;
	struct th_mark_ring *ring = __atomic_load_n(&p->ring, __ATOMIC_ACQUIRE);
	struct th_mark_lane *l;
	struct th_rec *r;
	__u8 *data, *o, trunc = 0;
	__u32 size, cpu;
	int i;

	if (!ring)
		return;
	cpu = th_mark_cpu();
	l = (struct th_mark_lane *)((__u8 *)ring + p->hdr_size + (cpu % p->nlanes) * p->lane_stride);
	data = (__u8 *)l + TH_MARK_LANE_HDR;
	size = th_mark_size(a, n, p->strmax, &trunc);
	if (size > p->lane_size / 2) {
		__atomic_add_fetch(&l->lost, 1, __ATOMIC_RELAXED);
		return;
	}
	r = th_mark_reserve(l, data, p->lane_size, size);
	if (!r)
		return;
	r->fmt = s->fmt;
	r->cls = s->cls;
	r->guest = p->guest;
	r->cpu = cpu;
	r->seq = 0;
#if defined(__x86_64__)
	if (p->tsc) {
		r->ts = __builtin_ia32_rdtsc();
		r->flags = trunc | TH_RECF_TSC;
	} else
#endif
	{
		r->ts = (__u64)th_mark_now();
		r->flags = trunc;
	}
	o = (__u8 *)(r + 1);
	for (i = 0; i < n; i++) {
		if (a[i].s) {
			size_t len = strlen(a[i].s);
			__u16 l16;

			if (len > p->strmax)
				len = p->strmax;
			l16 = (__u16)len;
			memcpy(o, &l16, 2);
			memcpy(o + 2, a[i].s, len);
			o += 2 + len;
		} else {
			__s64 v = a[i].l;

			memcpy(o, &v, 8);
			o += 8;
		}
	}
	/* the pad bytes stay zero: the consumer zeroed them */
	/* commit: the record's bytes before its size (the consumer acquires size) */
	__atomic_store_n(&r->size, size, __ATOMIC_RELEASE);
}

/*
 * A hit with the semaphore up: 1 when the record went (or was dropped and
 * counted) into the ring, 0 when the SDT site must run.  Out of line: the
 * marked function keeps no registers or stack for it, so what a disabled
 * marker costs it is the load and the branch alone.
 */
static __attribute__((noinline, unused)) int th_mark_hit(struct th_mark_site *s, const struct th_mark_arg *a, int n)
{
	__u32 gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE); /* pairs with th_mark_setup */
	struct th_mark_ring *r;

	if (gen && gen == __atomic_load_n(&th_mark_proc_state.gen, __ATOMIC_ACQUIRE))
		r = __atomic_load_n(&th_mark_proc_state.ring, __ATOMIC_ACQUIRE);
	else
		r = NULL;
	/* NULL: another thread is forgetting an ended ring right now */
	if (!r || __atomic_load_n(&r->closed, __ATOMIC_RELAXED)) {
		if (!th_mark_setup(s))
			return 0;
	}
	th_mark_write(s, a, n);
	return 1;
}

/* ---- the macro ----------------------------------------------------------------------- */

#define TH_MARK_T_(x) _Generic((x), char *: 's', const char *: 's', default: 'l')
#define TH_MARK_A_(x)                                                                      \
	_Generic((x), char *: th_mark_arg_s, const char *: th_mark_arg_s, default: th_mark_arg_l)(x)

static inline struct th_mark_arg th_mark_arg_s(const char *s)
{
	struct th_mark_arg a = { 0, s ? s : "" };

	return a;
}

static inline struct th_mark_arg th_mark_arg_l(long l)
{
	struct th_mark_arg a = { l, NULL };

	return a;
}

#define TH_MARK_N_(_0, _1, _2, _3, _4, _5, _6, N, ...) N
#define TH_MARK_NARGS_(...) TH_MARK_N_(_0, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define TH_MARK_CAT_(a, b) a##b
#define TH_MARK_XCAT_(a, b) TH_MARK_CAT_(a, b)

/* apply M to each argument, comma-separated */
#define TH_MARK_MAP0_(M)
#define TH_MARK_MAP1_(M, a) M(a)
#define TH_MARK_MAP2_(M, a, ...) M(a), TH_MARK_MAP1_(M, __VA_ARGS__)
#define TH_MARK_MAP3_(M, a, ...) M(a), TH_MARK_MAP2_(M, __VA_ARGS__)
#define TH_MARK_MAP4_(M, a, ...) M(a), TH_MARK_MAP3_(M, __VA_ARGS__)
#define TH_MARK_MAP5_(M, a, ...) M(a), TH_MARK_MAP4_(M, __VA_ARGS__)
#define TH_MARK_MAP6_(M, a, ...) M(a), TH_MARK_MAP5_(M, __VA_ARGS__)
#define TH_MARK_MAP_(M, ...)                                                               \
	TH_MARK_XCAT_(TH_MARK_MAP, TH_MARK_XCAT_(TH_MARK_NARGS_(__VA_ARGS__), _))(M, ##__VA_ARGS__)

/* the SDT argument specs: "-8@%0 -8@%1 ..." with operands 1.. (operand 0 is the site) */
#define TH_MARK_SPEC0_ ""
#define TH_MARK_SPEC1_ "-8@%1"
#define TH_MARK_SPEC2_ TH_MARK_SPEC1_ " -8@%2"
#define TH_MARK_SPEC3_ TH_MARK_SPEC2_ " -8@%3"
#define TH_MARK_SPEC4_ TH_MARK_SPEC3_ " -8@%4"
#define TH_MARK_SPEC5_ TH_MARK_SPEC4_ " -8@%5"
#define TH_MARK_SPEC6_ TH_MARK_SPEC5_ " -8@%6"
/* each argument as an asm operand, each after a comma (none: nothing) */
#define TH_MARK_OPS0_()
#define TH_MARK_OPS1_(a) , "nor"((long)(a))
#define TH_MARK_OPS2_(a, ...) TH_MARK_OPS1_(a) TH_MARK_OPS1_(__VA_ARGS__)
#define TH_MARK_OPS3_(a, ...) TH_MARK_OPS1_(a) TH_MARK_OPS2_(__VA_ARGS__)
#define TH_MARK_OPS4_(a, ...) TH_MARK_OPS1_(a) TH_MARK_OPS3_(__VA_ARGS__)
#define TH_MARK_OPS5_(a, ...) TH_MARK_OPS1_(a) TH_MARK_OPS4_(__VA_ARGS__)
#define TH_MARK_OPS6_(a, ...) TH_MARK_OPS1_(a) TH_MARK_OPS5_(__VA_ARGS__)
#define TH_MARK_OPS_(...) TH_MARK_XCAT_(TH_MARK_OPS, TH_MARK_XCAT_(TH_MARK_NARGS_(__VA_ARGS__), _))(__VA_ARGS__)

/*
 * The SDT site: a nop the kernel's uprobe replaces, and its note (type 3,
 * owner "stapsdt": its address, .stapsdt.base's, the semaphore's, then
 * provider, name and argument specs), with the .stapsdt.base section the
 * note's readers use to notice a prelinked move.
 */
#define TH_MARK_SDT_(prov_, name_, site, n, ops)                                               \
	__asm__ __volatile__(                                                                \
	    "990: nop\n"                                                                     \
	    ".pushsection .note.stapsdt,\"\",\"note\"\n"                                     \
	    ".balign 4\n"                                                                    \
	    ".4byte 992f-991f, 994f-993f, 3\n"                                               \
	    "991: .asciz \"stapsdt\"\n"                                                      \
	    "992: .balign 4\n"                                                               \
	    "993: .8byte 990b\n"                                                             \
	    ".8byte _.stapsdt.base\n"                                                        \
	    ".8byte %c0\n"                                                                   \
	    ".asciz \"" #prov_ "\"\n"                                                        \
	    ".asciz \"" #name_ "\"\n"                                                        \
	    ".asciz \"" TH_MARK_XCAT_(TH_MARK_SPEC, TH_MARK_XCAT_(n, _)) "\"\n"              \
	    "994: .balign 4\n"                                                               \
	    ".popsection\n"                                                                  \
	    ".ifndef _.stapsdt.base\n"                                                       \
	    ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"          \
	    ".weak _.stapsdt.base\n"                                                         \
	    ".hidden _.stapsdt.base\n"                                                       \
	    "_.stapsdt.base: .space 1\n"                                                     \
	    ".size _.stapsdt.base, 1\n"                                                      \
	    ".popsection\n"                                                                  \
	    ".endif\n"                                                                       \
	    :                                                                                \
	    : "i"(&(site)) ops)

/*
 * TAPHUB_MARK(provider, name, args...): provider and name are identifiers;
 * each arg an integer (a long in the record) or a string (char *).
 */
#define TAPHUB_MARK(prov_, name_, ...)                                                         \
	do {                                                                                 \
		static struct th_mark_site th_mark_site_                                       \
		    __attribute__((section(".probes"), used, aligned(8))) = {                 \
			.version = TH_MARK_SITE_VERSION,                                       \
			.magic = TH_MARK_SITE_MAGIC,                                           \
			.types = { TH_MARK_MAP_(TH_MARK_T_, ##__VA_ARGS__) },                   \
			.nargs = TH_MARK_NARGS_(__VA_ARGS__),                                  \
			.provider = #prov_,                                                    \
			.name = #name_,                                                        \
		};                                                                             \
		if (__builtin_expect(__atomic_load_n(&th_mark_site_.sem, __ATOMIC_RELAXED), 0)) { \
			struct th_mark_arg th_mark_a_[TH_MARK_NARGS_(__VA_ARGS__) + 1] = {        \
				TH_MARK_MAP_(TH_MARK_A_, ##__VA_ARGS__)                        \
			};                                                                     \
			if (!th_mark_hit(&th_mark_site_, th_mark_a_,                           \
					 TH_MARK_NARGS_(__VA_ARGS__)))                         \
				TH_MARK_SDT_(prov_, name_, th_mark_site_,                        \
					     TH_MARK_NARGS_(__VA_ARGS__),                      \
					     TH_MARK_OPS_(__VA_ARGS__));                       \
		}                                                                              \
	} while (0)

#endif /* TAPHUB_MARKER_H */
