// SPDX-License-Identifier: MIT
/*
 * The class store: where a class's records live once drained from the
 * kernel ring.  One file per class, mapped shared, so everything appended
 * survives a kill -9 of the hub (the page cache keeps it) and can be read
 * back by the recovery tool or by a restarted hub.
 *
 * Layout: a 4 KB header page, then a data region used as a ring.  The
 * header holds only offsets and counters, never pointers: head and tail
 * are byte positions that only grow (offset = position % data size), so
 * "how much is held" is head - tail with no wrap ambiguity.  A record that
 * does not fit before the end of the region is preceded by a pad record
 * (fmt TH_FMT_NONE) filling the rest, so a record is never split.
 *
 * Policies: overwrite (the flight recorder) advances the tail past the
 * oldest records to make room, counting them as overwritten; discard keeps
 * the oldest and counts the new record as dropped.
 *
 * Concurrency: one writer (the host's drain thread), any number of readers
 * in the hub's threads or in other processes (the file is shared).  It is
 * a seqlock whose sequence is tail: the writer retires the oldest records
 * by moving tail past them, and only then overwrites their bytes; a reader
 * copies a record, then checks that tail has not passed it, else drops
 * the copy (the sequence gap counts it as lost for that reader).  Every
 * word of the data region is accessed with relaxed atomics (records and
 * pads are multiples of 8 bytes at offsets that are), so a copy racing
 * with the writer is no data race: it may mix old and new words, and the
 * check says when it might have.  Positions are 64-bit: they never wrap.
 *
 * What pairs with what, W the writer's steps in program order, R a
 * reader's:
 *
 *   W1 tail = T (release)       retire everything below T; release: the
 *                               heads stored before it come with it, so a
 *                               reader that sees T sees a head >= T
 *   W2 release fence            W1 before every later store of the writer
 *   W3 the record's words       relaxed; a pad first if it wraps
 *   W4 next_seq (release)       see rh_cursor_init
 *   W5 head = H (release)       publish: W3 and W4 before it
 *
 *   R1 head (acquire)           pairs with W5: every record below head is
 *                               visible as published, or newer (overwritten)
 *   R2 the record's words       relaxed
 *   R3 acquire fence            R2 before R4
 *   R4 tail > pos (relaxed)?    then the copy may be torn: drop it
 *
 * If a word R2 loaded was stored by an append that overwrote the record,
 * the W2 preceding that store synchronises with R3 (fence to fence), so
 * the W1 before it, which moved tail past pos (an append overwrites the
 * byte at position p + size only after tail > p), happens before R4: R4
 * sees tail > pos and drops the copy.  A copy R4 accepts therefore holds
 * only the words the record was published with.  The release at W1 alone
 * would not do: it orders what comes before it, and a weakly ordered CPU
 * (arm64) may make the W3 stores visible before the new tail; nor would
 * R4's acquire: without R3, R2's loads may be satisfied after R4.  On x86
 * (TSO) both orders hold anyway and the fences are compiler barriers.
 *
 * Ring positions: the drain appends a record, and only then moves the
 * kernel ring's consumer position past it, so a hub killed in between
 * leaves the record both here and in the ring, which recovery also reads.
 * So the store keeps, exactly with its records, the ring position up to
 * which it holds the ring's records (or counted them as dropped), through
 * a write-ahead intent (rh_store_append_ring):
 *
 *   I1 pending_head = head, pending_dropped = dropped   the store before
 *   I2 pending_ring_pos = E                             the intent is valid
 *   I3 the append: head moves (W1-W5), or dropped does
 *   I4 ring_pos = E                                     done
 *
 * After a kill at any instruction, the position is pending_ring_pos if
 * the intent is open (pending_ring_pos != ring_pos) and I3 took effect
 * (head or dropped differs from its snapshot), else ring_pos: the record
 * is in the ring's part of the recovery or in the store's, never both,
 * never neither.  next_seq could not serve as the evidence: it moves
 * before the record is published (W4 before W5), and a dropped record
 * takes no number.  Records not from the ring (a runner's output) leave
 * the intent closed and do not disturb it.  The observer here is whoever
 * reads the file after the process died, at an instruction boundary: what
 * must be ordered is the program order of the stores, which compiler
 * (signal) fences give; no CPU fence is needed.  The fields live in what
 * was the header's reserved space, flagged STORE_F_RING_POS: a store from
 * before them opens as before, without a position (-ENODATA).
 *
 * RH_STORE_FAULT (tests only) removes one of the two orders on purpose,
 * so that the stress test can show on x86 that it catches what a weakly
 * ordered CPU would do (tests/unit/relayhost-module/test_class_store.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

/*
 * Test builds only: model on x86 what a weakly ordered CPU may do without
 * one of the fences.  LATE_TAIL: the new tail becomes visible only after
 * the words that overwrite (no W2); EARLY_CHECK: the reader's loads of a
 * record are satisfied after its check of tail (no R3).
 */
#define RH_STORE_FAULT_LATE_TAIL 1
#define RH_STORE_FAULT_EARLY_CHECK 2
#ifndef RH_STORE_FAULT
#define RH_STORE_FAULT 0
#endif

#define STORE_MAGIC 0x3145524f54534854ull /* "THSTORE1" little endian */
#define STORE_VERSION 1
#define STORE_HDR 4096u
/* flags: the ring position fields are kept (older stores have zeros there) */
#define STORE_F_RING_POS 0x1u

struct rh_store_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t data_size;
	uint32_t policy;
	uint32_t flags;
	char host[64];
	char cls[64];
	/* positions and counters: written by the writer only */
	_Atomic uint64_t head;
	_Atomic uint64_t tail;
	_Atomic uint64_t next_seq;
	_Atomic uint64_t written;
	_Atomic uint64_t overwritten;
	_Atomic uint64_t dropped;
	_Atomic uint64_t kernel_lost; /* reported by the drain from the ring counters */
	uint64_t created_ns;          /* CLOCK_REALTIME at creation */
	uint64_t mono_ref_ns;         /* CLOCK_MONOTONIC at creation, to convert timestamps */
	char ring_pin[256];           /* bpffs path of the class's kernel ring, "" if none */
	uint32_t clean;               /* 1: the hub closed it (no crash) */
	uint32_t reserved0;
	/* STORE_F_RING_POS: how far the kernel ring is drained in here (I1-I4) */
	_Atomic uint64_t ring_pos;
	_Atomic uint64_t pending_ring_pos;
	_Atomic uint64_t pending_head;
	_Atomic uint64_t pending_dropped;
};

_Static_assert(sizeof(struct rh_store_hdr) <= STORE_HDR, "store header fits its page");

struct rh_store {
	int fd;
	uint8_t *map;
	size_t maplen;
	struct rh_store_hdr *h;
	uint8_t *data;
	uint64_t size;
	bool readonly;
	bool view; /* someone else's memory (a core dump): not ours to unmap */
};

static uint64_t pos_off(const struct rh_store *s, uint64_t pos)
{
	return pos % s->size;
}

static int map_file(struct rh_store *s, int fd, bool rw)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < STORE_HDR + 64)
		return -EBADMSG;
	s->maplen = (size_t)st.st_size;
	s->map = mmap(NULL, s->maplen, PROT_READ | (rw ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return -errno;
	}
	s->fd = fd;
	s->h = (struct rh_store_hdr *)s->map;
	s->data = s->map + STORE_HDR;
	return 0;
}

/* Never trust sizes in a file: they bound every later access. */
static int check_hdr(const struct rh_store_hdr *h, size_t len)
{
	if (len < STORE_HDR + 64 || h->magic != STORE_MAGIC || h->hdr_size != STORE_HDR)
		return -EBADMSG;
	if (h->version != STORE_VERSION)
		return -EPROTONOSUPPORT;
	if (h->data_size < 64 || h->data_size % 8 || h->data_size > len - STORE_HDR)
		return -EBADMSG;
	return 0;
}

int rh_store_create(const char *path, const struct rh_store_opts *o, struct rh_store **ret)
{
	struct rh_store *s;
	uint64_t size;
	int fd, err;
	struct timespec rt, mt;

	if (!o || o->data_size < 4096 || o->data_size > RH_STORE_MAX_BYTES ||
	    (o->policy != RH_OVERWRITE && o->policy != RH_DISCARD))
		return -EINVAL;
	size = (o->data_size + 7) & ~7ull;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* O_EXCL: an old store (e.g. from before a crash) is never overwritten */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (ftruncate(fd, (off_t)(STORE_HDR + size)) < 0) {
		err = -errno;
		goto out_unlink;
	}
	err = map_file(s, fd, true);
	if (err)
		goto out_unlink;
	s->size = size;
	memset(s->h, 0, sizeof(*s->h));
	s->h->version = STORE_VERSION;
	s->h->hdr_size = STORE_HDR;
	s->h->data_size = size;
	s->h->policy = (uint32_t)o->policy;
	s->h->flags = STORE_F_RING_POS;
	snprintf(s->h->host, sizeof(s->h->host), "%s", o->host ? o->host : "");
	snprintf(s->h->cls, sizeof(s->h->cls), "%s", o->cls ? o->cls : "");
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	s->h->created_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	s->h->mono_ref_ns = (uint64_t)mt.tv_sec * 1000000000ull + (uint64_t)mt.tv_nsec;
	atomic_store_explicit(&s->h->next_seq, 1, memory_order_relaxed);
	/* the magic last: a half-initialised file is not a store */
	atomic_thread_fence(memory_order_release);
	s->h->magic = STORE_MAGIC;
	*ret = s;
	return 0;
out_unlink:
	unlink(path);
	close(fd);
out_free:
	free(s);
	return err;
}

int rh_store_open(const char *path, bool rw, struct rh_store **ret)
{
	struct rh_store *s = calloc(1, sizeof(*s));
	int fd, err;

	if (!s)
		return -ENOMEM;
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(s);
		return err;
	}
	err = map_file(s, fd, rw);
	if (err)
		goto out_close;
	err = check_hdr(s->h, s->maplen);
	if (err)
		goto out_unmap;
	s->size = s->h->data_size;
	s->readonly = !rw;
	*ret = s;
	return 0;
out_unmap:
	munmap(s->map, s->maplen);
out_close:
	close(fd);
	free(s);
	return err;
}

int rh_store_view(const void *mem, size_t len, struct rh_store **ret)
{
	struct rh_store *s;
	int err = check_hdr(mem, len);

	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->map = (uint8_t *)mem;
	s->maplen = len;
	s->h = (struct rh_store_hdr *)s->map;
	s->data = s->map + STORE_HDR;
	s->size = s->h->data_size;
	s->readonly = true;
	s->view = true;
	*ret = s;
	return 0;
}

size_t rh_store_file_size(const struct rh_store *s)
{
	return STORE_HDR + (size_t)s->size;
}

bool rh_store_is(const void *mem, size_t len)
{
	return len >= sizeof(uint64_t) && ((const struct rh_store_hdr *)mem)->magic == STORE_MAGIC;
}

void rh_store_close(struct rh_store *s)
{
	if (!s)
		return;
	if (s->map && !s->view)
		munmap(s->map, s->maplen);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

void rh_store_set_ring_pin(struct rh_store *s, const char *path)
{
	snprintf(s->h->ring_pin, sizeof(s->h->ring_pin), "%s", path ? path : "");
}

void rh_store_set_kernel_lost(struct rh_store *s, uint64_t n)
{
	atomic_store_explicit(&s->h->kernel_lost, n, memory_order_relaxed);
}

void rh_store_set_clean(struct rh_store *s)
{
	s->h->clean = 1;
}

/*
 * The data region, a word at a time (see Concurrency above): relaxed
 * atomic loads and stores compile to the plain moves a memcpy would do,
 * but a reader racing with the writer is then no data race in C11.  The
 * other side of each copy is the caller's, so it may be unaligned.
 * Unrolled: a word per iteration, a 2 KB append took 3x memcpy's time
 * (320 ns against 100); eight per iteration, the same as memcpy.
 */
static _Atomic uint64_t *word_at(const struct rh_store *s, uint64_t off)
{
	return (_Atomic uint64_t *)(s->data + off);
}

static void words_load(void *dst, const struct rh_store *s, uint64_t off, size_t n)
{
	_Atomic uint64_t *w = word_at(s, off);
	size_t i;

#pragma GCC unroll 8
	for (i = 0; i < n / 8; i++) {
		uint64_t v = atomic_load_explicit(&w[i], memory_order_relaxed);

		memcpy((uint8_t *)dst + 8 * i, &v, 8);
	}
}

static void words_store(struct rh_store *s, uint64_t off, const void *src, size_t n)
{
	_Atomic uint64_t *w = word_at(s, off);
	size_t i;

#pragma GCC unroll 8
	for (i = 0; i < n / 8; i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)src + 8 * i, 8);
		atomic_store_explicit(&w[i], v, memory_order_relaxed);
	}
}

/*
 * Size of the record at pos, 0 when it is not a sane record header; its
 * format id in *fmt (TH_FMT_NONE: a pad).
 */
static uint32_t rec_at(const struct rh_store *s, uint64_t pos, uint16_t *fmt)
{
	uint64_t off = pos_off(s, pos);
	struct th_rec r;

	if (s->size - off < 8)
		return 0;
	words_load(&r, s, off, 8);
	*fmt = r.fmt;
	if (r.size < 8 || r.size % 8 || r.size > s->size - off)
		return 0;
	return r.size;
}

/*
 * R3, R4: did the writer retire the record at pos while we loaded it?
 * The fence orders every load of its words before the load of tail (it
 * pairs with W2 in retire()).
 */
static bool overtaken(const struct rh_store *s, uint64_t pos)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->h->tail, memory_order_relaxed) > pos;
}

/* R2-R4: copy n bytes of the record at pos; false when the copy may be torn. */
static bool copy_record(const struct rh_store *s, uint64_t pos, void *dst, size_t n)
{
#if RH_STORE_FAULT == RH_STORE_FAULT_EARLY_CHECK
	if (overtaken(s, pos))
		return false;
	words_load(dst, s, pos_off(s, pos), n);
	return true;
#else
	words_load(dst, s, pos_off(s, pos), n);
	return !overtaken(s, pos);
#endif
}

#define NO_ROOM UINT64_MAX

/*
 * Where tail must move for n bytes at head: past the oldest records, which
 * the overwrite policy gives up (counted here); NO_ROOM when the discard
 * policy refuses.  Only the writer walks its own records: no race.
 */
static uint64_t tail_for(struct rh_store *s, uint64_t head, uint64_t n)
{
	uint64_t tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);

	while (head + n - tail > s->size) {
		uint32_t sz;
		uint16_t fmt;

		if (s->h->policy == RH_DISCARD)
			return NO_ROOM;
		sz = rec_at(s, tail, &fmt);
		if (!sz)
			return head; /* a corrupt record in our own ring: restart it empty */
		if (fmt != TH_FMT_NONE)
			atomic_fetch_add_explicit(&s->h->overwritten, 1, memory_order_relaxed);
		tail += sz;
	}
	return tail;
}

/* W1, W2: records below tail are gone, before any byte of theirs changes. */
static void retire(struct rh_store *s, uint64_t tail)
{
	/* release: a reader that sees this tail sees the heads before it */
	atomic_store_explicit(&s->h->tail, tail, memory_order_release);
	/*
	 * Pairs with the readers' acquire fence in overtaken(): this tail
	 * before every word stored after it (the release store above orders
	 * only what precedes it).
	 */
	atomic_thread_fence(memory_order_release);
}

int rh_store_append(struct rh_store *s, const void *rec, size_t len)
{
	uint64_t head, off, need, tail, old_tail, seq;
	struct th_rec r;
	uint32_t size;

	if (s->readonly)
		return -EROFS;
	if (len < sizeof(r))
		return -EINVAL;
	memcpy(&r, rec, sizeof(r));
	if (r.size < sizeof(r) || r.size > len || r.size % 8)
		return -EINVAL;
	/*
	 * A record over half the store could not be kept next to any other:
	 * it is dropped, and counted as such (never silently: a 64 KB record
	 * of a MAXSTRINGLEN=4096 script in a 64 KB class).
	 */
	if (r.size > s->size / 2) {
		atomic_fetch_add_explicit(&s->h->dropped, 1, memory_order_relaxed);
		return -E2BIG;
	}
	size = r.size;
	head = atomic_load_explicit(&s->h->head, memory_order_relaxed);
	off = pos_off(s, head);
	/* a record that would cross the end goes to the start, after a pad */
	need = s->size - off < size ? (s->size - off) + size : size;
	old_tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);
	tail = tail_for(s, head, need);
	if (tail == NO_ROOM) {
		atomic_fetch_add_explicit(&s->h->dropped, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	if (tail != old_tail && RH_STORE_FAULT != RH_STORE_FAULT_LATE_TAIL)
		retire(s, tail);
	if (need != size) {
		struct th_rec pad = { .size = (uint32_t)(s->size - off), .fmt = TH_FMT_NONE };

		words_store(s, off, &pad, 8);
		head += pad.size;
		off = 0;
	}
	/* W3: the record, with the seq it gets */
	seq = atomic_load_explicit(&s->h->next_seq, memory_order_relaxed);
	r.seq = seq;
	words_store(s, off, &r, sizeof(r));
	words_store(s, off + sizeof(r), (const uint8_t *)rec + sizeof(r), size - sizeof(r));
	if (tail != old_tail && RH_STORE_FAULT == RH_STORE_FAULT_LATE_TAIL)
		retire(s, tail);
	/* W4: release, so that a reader seeing it sees the heads before it (rh_cursor_init) */
	atomic_store_explicit(&s->h->next_seq, seq + 1, memory_order_release);
	atomic_fetch_add_explicit(&s->h->written, 1, memory_order_relaxed);
	/* W5, publish: the record's words before the new head (readers acquire head) */
	atomic_store_explicit(&s->h->head, head + size, memory_order_release);
	return 0;
}

/*
 * I1-I4 in the header comment.  The signal fences keep the compiler from
 * moving these stores across each other and across the append's: a kill
 * stops the writer at an instruction boundary, and what it stored before
 * is in the file.
 */
int rh_store_append_ring(struct rh_store *s, const void *rec, size_t len, uint64_t ring_end)
{
	int r;

	if (s->readonly)
		return -EROFS;
	if (!(s->h->flags & STORE_F_RING_POS))
		return rh_store_append(s, rec, len);
	/* I1 */
	atomic_store_explicit(&s->h->pending_head,
			      atomic_load_explicit(&s->h->head, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_store_explicit(&s->h->pending_dropped,
			      atomic_load_explicit(&s->h->dropped, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	/* I2 */
	atomic_store_explicit(&s->h->pending_ring_pos, ring_end, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	/* I3 */
	r = rh_store_append(s, rec, len);
	atomic_signal_fence(memory_order_seq_cst);
	/* I4 */
	atomic_store_explicit(&s->h->ring_pos, ring_end, memory_order_relaxed);
	return r;
}

int rh_store_ring_pos(const struct rh_store *s, uint64_t *ret_pos)
{
	uint64_t pos, pending;

	if (!(s->h->flags & STORE_F_RING_POS))
		return -ENODATA;
	pos = atomic_load_explicit(&s->h->ring_pos, memory_order_relaxed);
	pending = atomic_load_explicit(&s->h->pending_ring_pos, memory_order_relaxed);
	/* an open intent whose append took effect: the record is here */
	if (pending != pos &&
	    (atomic_load_explicit(&s->h->head, memory_order_relaxed) !=
		     atomic_load_explicit(&s->h->pending_head, memory_order_relaxed) ||
	     atomic_load_explicit(&s->h->dropped, memory_order_relaxed) !=
		     atomic_load_explicit(&s->h->pending_dropped, memory_order_relaxed)))
		pos = pending;
	*ret_pos = pos;
	return 0;
}

void rh_store_add_kernel_lost(struct rh_store *s, uint64_t n)
{
	atomic_fetch_add_explicit(&s->h->kernel_lost, n, memory_order_relaxed);
}

/*
 * Each field as it is now, not all at one instant (the writer runs on):
 * they are counters to report.  R1 for head: the records below it are
 * visible to the caller.
 */
void rh_store_stats(const struct rh_store *s, struct rh_store_stats *st)
{
	st->data_size = s->size;
	st->policy = (int)s->h->policy;
	st->head = atomic_load_explicit(&s->h->head, memory_order_acquire);
	st->tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);
	st->written = atomic_load_explicit(&s->h->written, memory_order_relaxed);
	st->overwritten = atomic_load_explicit(&s->h->overwritten, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&s->h->dropped, memory_order_relaxed);
	st->kernel_lost = atomic_load_explicit(&s->h->kernel_lost, memory_order_relaxed);
	st->next_seq = atomic_load_explicit(&s->h->next_seq, memory_order_relaxed);
	st->created_ns = s->h->created_ns;
	st->mono_ref_ns = s->h->mono_ref_ns;
	snprintf(st->host, sizeof(st->host), "%.*s", (int)sizeof(s->h->host) - 1, s->h->host);
	snprintf(st->cls, sizeof(st->cls), "%.*s", (int)sizeof(s->h->cls) - 1, s->h->cls);
	snprintf(st->ring_pin, sizeof(st->ring_pin), "%.*s", (int)sizeof(s->h->ring_pin) - 1,
		 s->h->ring_pin);
	st->clean = s->h->clean != 0;
}

/*
 * Read records from the cursor's position up to head.  Each record is
 * copied into buf (buflen bytes, >= TH_REC_MAX) and handed to fn; records
 * the writer overwrote before we got to them are counted in c->lost from
 * the gap in sequence numbers.  Returns records read; fn returning non-zero
 * stops early and that record is read again next time (a full batch).
 * -EBADMSG when the ring holds garbage inside [tail, head).
 */
int rh_store_read(struct rh_store *s, struct rh_cursor *c, void *buf, size_t buflen,
		  rh_store_fn fn, void *arg)
{
	/* R1: the records below head are there to copy */
	uint64_t head = atomic_load_explicit(&s->h->head, memory_order_acquire);
	uint64_t p = c->pos;
	int n = 0, r;

	for (;;) {
		/* relaxed: a record at tail is below head, so R1 covers it too */
		uint64_t tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);
		const struct th_rec *rec = buf;
		uint32_t sz;
		uint16_t fmt;

		if (p < tail)
			p = tail; /* overtaken: the sequence gap counts the loss */
		if (p >= head)
			break;
		sz = rec_at(s, p, &fmt);
		if (!sz || sz > buflen || p + sz > head) {
			/* maybe the writer is recycling it right now */
			if (overtaken(s, p))
				continue;
			c->pos = p;
			return -EBADMSG;
		}
		if (fmt == TH_FMT_NONE) {
			/* a pad: only its size matters, and it is a real one unless overtaken */
			if (!overtaken(s, p))
				p += sz;
			continue;
		}
		if (!copy_record(s, p, buf, sz))
			continue;
		/* fn may refuse this record (its buffer is full): then it stays next */
		r = fn(arg, buf, sz);
		if (r) {
			c->pos = p;
			return r < 0 ? r : n;
		}
		p += sz;
		n++;
		if (rec->seq > c->last_seq + 1)
			c->lost += rec->seq - c->last_seq - 1;
		c->last_seq = rec->seq;
	}
	c->pos = p;
	return n;
}

/*
 * Walk a store no one writes (a crashed hub's, a view of a core) in place:
 * the record at *pos, skipping pads, or NULL at the end (*bad set when the
 * ring is damaged there).  *pos moves past the record returned.  The
 * writer is gone (its exit ordered its stores before our mapping), so the
 * record can be handed out where it is; a live store is read with
 * rh_store_read, which copies and checks.
 */
const struct th_rec *rh_store_next(const struct rh_store *s, uint64_t *pos, bool *bad)
{
	/* R1, should someone walk a live store after all */
	uint64_t head = atomic_load_explicit(&s->h->head, memory_order_acquire);

	*bad = false;
	while (*pos < head) {
		const struct th_rec *r;
		uint16_t fmt;
		uint32_t sz = rec_at(s, *pos, &fmt);

		if (!sz || *pos + sz > head) {
			*bad = true;
			return NULL;
		}
		r = (const struct th_rec *)(s->data + pos_off(s, *pos));
		*pos += sz;
		if (fmt == TH_FMT_NONE)
			continue; /* a pad */
		if (sz < sizeof(*r) || r->size != sz) {
			*bad = true;
			return NULL;
		}
		return r;
	}
	return NULL;
}

/*
 * A cursor at the oldest record, knowing the sequence number it expects
 * there: records overwritten before its first read are then counted like
 * any later gap (starting with last_seq 0 would hide them).
 */
void rh_cursor_init(const struct rh_store *s, struct rh_cursor *c)
{
	int tries;

	memset(c, 0, sizeof(*c));
	/* a writer recycling the oldest records under us: look again */
	for (tries = 0; tries < 1000; tries++) {
		/* acquire (W1's release): h below is at least t */
		uint64_t t = atomic_load_explicit(&s->h->tail, memory_order_acquire);
		/* R1 */
		uint64_t h = atomic_load_explicit(&s->h->head, memory_order_acquire);
		/* acquire (W4's release): the second load of head below sees the heads before it */
		uint64_t ns = atomic_load_explicit(&s->h->next_seq, memory_order_acquire);
		uint64_t p = t, seq = 0;
		bool raced = false;

		while (p < h) {
			struct th_rec r;
			uint16_t fmt;
			uint32_t sz = rec_at(s, p, &fmt);

			/* a pad may be shorter than a record header: it has only a size */
			if (!sz || p + sz > h || (fmt != TH_FMT_NONE && sz < sizeof(r)) ||
			    !copy_record(s, p, &r, fmt == TH_FMT_NONE ? 8 : sizeof(r))) {
				raced = true;
				break;
			}
			if (r.fmt != TH_FMT_NONE) {
				seq = r.seq;
				break;
			}
			p += sz; /* a pad */
		}
		if (raced)
			continue;
		/*
		 * Empty (pads only): the next record gets next_seq.  The writer
		 * stores next_seq (W4) before it publishes head (W5), and with
		 * release, after the head before it: so when head did not change,
		 * ns is the number of the next record at h, or of the one after it
		 * when that one is taken but not yet visible.  Either way no gap
		 * is invented (at worst that one record, if overwritten before
		 * this cursor reads it, goes uncounted).
		 */
		if (!seq && atomic_load_explicit(&s->h->head, memory_order_relaxed) != h)
			continue;
		c->pos = t;
		c->last_seq = (seq ? seq : ns) - 1;
		return;
	}
	/* a damaged store: read from the tail, count from the first record */
	c->pos = atomic_load_explicit(&s->h->tail, memory_order_relaxed);
}

uint64_t rh_store_tail(const struct rh_store *s)
{
	/* acquire: pairs with W1, so the caller's rh_store_head() is at least this */
	return atomic_load_explicit(&s->h->tail, memory_order_acquire);
}

uint64_t rh_store_head(const struct rh_store *s)
{
	/* R1 */
	return atomic_load_explicit(&s->h->head, memory_order_acquire);
}
