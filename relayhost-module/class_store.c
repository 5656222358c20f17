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
 * in the hub's threads or other processes.  The writer publishes a record
 * by storing head with release order after the record's bytes; it retires
 * records by storing tail (release) *before* overwriting their bytes.
 * A reader loads head (acquire), copies a record, then loads tail
 * (acquire): if tail passed the record's start, the copy may be torn and
 * is discarded (counted as lost for that reader).  Positions are 64-bit,
 * so they never wrap.
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

#define STORE_MAGIC 0x3145524f54534854ull /* "THSTORE1" little endian */
#define STORE_VERSION 1
#define STORE_HDR 4096u

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

/* Size of the record at pos, 0 when it is not a sane record header. */
static uint32_t rec_size_at(const struct rh_store *s, uint64_t pos)
{
	uint64_t off = pos_off(s, pos);
	uint32_t sz;

	if (s->size - off < 8)
		return 0;
	memcpy(&sz, s->data + off, 4);
	if (sz < 8 || sz % 8 || sz > s->size - off)
		return 0;
	return sz;
}

static bool is_pad(const struct rh_store *s, uint64_t pos)
{
	uint16_t fmt;

	memcpy(&fmt, s->data + pos_off(s, pos) + 4, 2);
	return fmt == TH_FMT_NONE;
}

/* Retire the oldest record (overwrite policy); false if the ring looks corrupt. */
static bool retire_one(struct rh_store *s)
{
	uint64_t tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);
	uint32_t sz = rec_size_at(s, tail);

	if (!sz)
		return false;
	if (!is_pad(s, tail))
		atomic_fetch_add_explicit(&s->h->overwritten, 1, memory_order_relaxed);
	/* pairs with the readers' acquire of tail: they drop a copy of this record */
	atomic_store_explicit(&s->h->tail, tail + sz, memory_order_release);
	return true;
}

/* Make room for n bytes at head; returns false when the policy refuses. */
static bool reserve(struct rh_store *s, uint64_t head, uint64_t n)
{
	for (;;) {
		uint64_t tail = atomic_load_explicit(&s->h->tail, memory_order_relaxed);

		if (head + n - tail <= s->size)
			return true;
		if (s->h->policy == RH_DISCARD)
			return false;
		if (!retire_one(s)) {
			/* a corrupt record in our own ring: restart it empty */
			atomic_store_explicit(&s->h->tail, head, memory_order_release);
			return head + n - head <= s->size;
		}
	}
}

int rh_store_append(struct rh_store *s, const void *rec, size_t len)
{
	const struct th_rec *r = rec;
	uint64_t head, off, need;
	uint32_t size;
	struct th_rec *dst;

	if (s->readonly)
		return -EROFS;
	if (len < sizeof(*r) || r->size < sizeof(*r) || r->size > len || r->size % 8 ||
	    r->size > s->size / 2)
		return -EINVAL;
	size = r->size;
	head = atomic_load_explicit(&s->h->head, memory_order_relaxed);
	off = pos_off(s, head);
	/* a record that would cross the end goes to the start, after a pad */
	need = s->size - off < size ? (s->size - off) + size : size;
	if (!reserve(s, head, need)) {
		atomic_fetch_add_explicit(&s->h->dropped, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	if (need != size) {
		uint32_t pad = (uint32_t)(s->size - off);
		uint16_t fmt = TH_FMT_NONE;

		memcpy(s->data + off, &pad, 4);
		memcpy(s->data + off + 4, &fmt, 2);
		head += pad;
		off = 0;
	}
	dst = (struct th_rec *)(s->data + off);
	memcpy(dst, rec, size);
	dst->seq = atomic_load_explicit(&s->h->next_seq, memory_order_relaxed);
	atomic_store_explicit(&s->h->next_seq, dst->seq + 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->h->written, 1, memory_order_relaxed);
	/* publish: the record's bytes before the new head (readers acquire head) */
	atomic_store_explicit(&s->h->head, head + size, memory_order_release);
	return 0;
}

void rh_store_add_kernel_lost(struct rh_store *s, uint64_t n)
{
	atomic_fetch_add_explicit(&s->h->kernel_lost, n, memory_order_relaxed);
}

void rh_store_stats(const struct rh_store *s, struct rh_store_stats *st)
{
	st->data_size = s->size;
	st->policy = (int)s->h->policy;
	st->head = atomic_load_explicit(&s->h->head, memory_order_acquire);
	st->tail = atomic_load_explicit(&s->h->tail, memory_order_acquire);
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
	uint64_t head = atomic_load_explicit(&s->h->head, memory_order_acquire);
	uint64_t p = c->pos;
	int n = 0, r;

	for (;;) {
		uint64_t tail = atomic_load_explicit(&s->h->tail, memory_order_acquire);
		const struct th_rec *rec = buf;
		uint32_t sz;

		if (p < tail)
			p = tail; /* overtaken: the sequence gap counts the loss */
		if (p >= head)
			break;
		sz = rec_size_at(s, p);
		if (!sz || sz > buflen || p + sz > head) {
			/* maybe the writer is recycling it right now */
			if (atomic_load_explicit(&s->h->tail, memory_order_acquire) > p)
				continue;
			c->pos = p;
			return -EBADMSG;
		}
		memcpy(buf, s->data + pos_off(s, p), sz);
		/* pairs with retire_one's release store: was it overwritten under us? */
		if (atomic_load_explicit(&s->h->tail, memory_order_acquire) > p)
			continue;
		if (rec->fmt == TH_FMT_NONE) {
			p += sz; /* a pad */
			continue;
		}
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
 * ring is damaged there).  *pos moves past the record returned.
 */
const struct th_rec *rh_store_next(const struct rh_store *s, uint64_t *pos, bool *bad)
{
	uint64_t head = atomic_load_explicit(&s->h->head, memory_order_acquire);

	*bad = false;
	while (*pos < head) {
		const struct th_rec *r;
		uint32_t sz = rec_size_at(s, *pos);

		if (!sz || *pos + sz > head) {
			*bad = true;
			return NULL;
		}
		r = (const struct th_rec *)(s->data + pos_off(s, *pos));
		*pos += sz;
		if (r->fmt == TH_FMT_NONE)
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
		uint64_t t = atomic_load_explicit(&s->h->tail, memory_order_acquire);
		uint64_t h = atomic_load_explicit(&s->h->head, memory_order_acquire);
		uint64_t ns = atomic_load_explicit(&s->h->next_seq, memory_order_acquire);
		uint64_t p = t, seq = 0;
		bool raced = false;

		while (p < h) {
			uint32_t sz = rec_size_at(s, p);
			struct th_rec r;

			if (!sz || p + sz > h || sz < sizeof(r)) {
				raced = true;
				break;
			}
			memcpy(&r, s->data + pos_off(s, p), sizeof(r));
			if (atomic_load_explicit(&s->h->tail, memory_order_acquire) > p) {
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
		 * bumps next_seq before it publishes head, so an unchanged head
		 * means ns is that record's number or the one after it is
		 * already taken by a record not yet visible: either way no gap
		 * is invented.
		 */
		if (!seq && atomic_load_explicit(&s->h->head, memory_order_acquire) != h)
			continue;
		c->pos = t;
		c->last_seq = (seq ? seq : ns) - 1;
		return;
	}
	/* a damaged store: read from the tail, count from the first record */
	c->pos = atomic_load_explicit(&s->h->tail, memory_order_acquire);
}

uint64_t rh_store_tail(const struct rh_store *s)
{
	return atomic_load_explicit(&s->h->tail, memory_order_acquire);
}

uint64_t rh_store_head(const struct rh_store *s)
{
	return atomic_load_explicit(&s->h->head, memory_order_acquire);
}
