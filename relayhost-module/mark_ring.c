// SPDX-License-Identifier: MIT
/*
 * The session's side of a no-trap marker ring (include/taphub/marker.h):
 * making the shared-memory file a marked process looks for, filling its
 * table with the markers the session enables, and consuming what the
 * process writes, lane by lane, oldest record first.
 *
 * The process is not trusted: nothing it wrote is followed without a
 * bounds check, each record is copied out of the shared memory before it
 * is checked (the writer could change it meanwhile), its class and guest
 * are the table's, not what it says, and a record that makes no sense
 * ends the consumption of its lane (counted as broken, reported as lost).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/marker.h"

struct rh_mark_ring {
	struct th_mark_ring *h;
	size_t size;
	int fd; /* holds a shared flock: the ring is read (taphub/marker.h) */
	char path[128];
	bool unlink_at_close;
	uint64_t broken; /* lanes given up on: a record in them made no sense */
	bool lane_broken[TH_MARK_MAX_LANES];
	uint8_t rec[TH_REC_MAX]; /* the record being handed out, copied */
	bool tsc;		 /* writers may stamp with the TSC: clock converts */
	struct rh_clock clock;
};

static struct th_mark_lane *lane(const struct rh_mark_ring *r, uint32_t i)
{
	return (struct th_mark_lane *)((uint8_t *)r->h + r->h->hdr_size + i * r->h->lane_stride);
}

int rh_mark_ring_path(pid_t pid, char *buf, size_t len)
{
	int n = snprintf(buf, len, TH_MARK_RING_DIR "/" TH_MARK_RING_PREFIX "%d", (int)pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * The ring at path of a session that died (nobody holds its lock): removed,
 * 0.  -EEXIST when a session reads it.
 */
static int remove_stale(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = -EEXIST;

	if (fd < 0)
		return -EEXIST;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
		r = 0;
	close(fd);
	return r;
}

int rh_mark_ring_create(const struct rh_mark_ring_opts *o, struct rh_mark_ring **ret)
{
	uint64_t lsize = 4096, hdr;
	struct rh_mark_ring *r;
	int fd, err;

	if (o->nlanes < 1 || o->nlanes > TH_MARK_MAX_LANES || o->lane_size > RH_MARK_LANE_MAX ||
	    o->strmax > 65535)
		return -EINVAL;
	while (lsize < o->lane_size)
		lsize <<= 1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = rh_mark_ring_path(o->pid, r->path, sizeof(r->path));
	if (err)
		goto out_free;
	hdr = (sizeof(struct th_mark_ring) + 4095) & ~4095ull;
	r->size = hdr + o->nlanes * (TH_MARK_LANE_HDR + lsize);
	/* O_EXCL: one session per process at a time; never someone else's file */
	fd = open(r->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	err = fd < 0 ? -errno : 0;
	if (err == -EEXIST) {
		err = remove_stale(r->path);
		if (!err) {
			fd =
			    open(r->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
			err = fd < 0 ? -errno : 0;
		}
	}
	if (err)
		goto out_free;
	r->unlink_at_close = true;
	/* before the magic is there: the process sees a live ring or an incomplete one */
	if (flock(fd, LOCK_SH)) {
		err = -errno;
		goto out_close;
	}
	/* the process maps it as itself: it owns the file (root made it, nobody else can) */
	if (fchown(fd, o->uid, o->gid) || ftruncate(fd, (off_t)r->size)) {
		err = -errno;
		goto out_close;
	}
	r->h = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->h == MAP_FAILED) {
		err = -errno;
		r->h = NULL;
		goto out_close;
	}
	r->fd = fd;
	r->h->hdr_size = (uint32_t)hdr;
	r->h->nlanes = o->nlanes;
	r->h->lane_size = lsize;
	r->h->lane_stride = TH_MARK_LANE_HDR + lsize;
	r->h->file_size = r->size;
	r->h->pid = (uint32_t)o->pid;
	r->h->guest = o->guest;
	r->h->strmax = o->strmax;
	r->h->version = TH_MARK_VERSION;
	r->tsc = rh_clock_tsc_usable();
	if (r->tsc)
		rh_clock_init(&r->clock);
	r->h->ts_tsc = r->tsc;
	/* the magic last: a process that maps the file early sees it incomplete and leaves */
	__atomic_store_n(&r->h->magic, TH_MARK_MAGIC, __ATOMIC_RELEASE);
	*ret = r;
	return 0;
out_close:
	close(fd);
	unlink(r->path);
out_free:
	free(r);
	return err;
}

int rh_mark_ring_enable(struct rh_mark_ring *r, const char *provider, const char *name,
			uint16_t fmt, uint8_t cls)
{
	uint32_t n = r->h->nmarks;
	struct th_mark_entry *e;

	if (strlen(provider) >= TH_MARK_NAME_MAX || strlen(name) >= TH_MARK_NAME_MAX ||
	    fmt < TH_FMT_FIRST || cls >= TH_MAX_CLASSES)
		return -EINVAL;
	if (n >= TH_MARK_MAX_MARKS)
		return -ENOSPC;
	e = &r->h->marks[n];
	snprintf(e->provider, sizeof(e->provider), "%s", provider);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->fmt = fmt;
	e->cls = cls;
	/* publish the entry: a process reading nmarks (acquire) sees it whole */
	__atomic_store_n(&r->h->nmarks, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The class the table gives fmt, or -1: a format this ring never enabled. */
static int class_of(const struct rh_mark_ring *r, uint16_t fmt)
{
	uint32_t i;

	for (i = 0; i < r->h->nmarks && i < TH_MARK_MAX_MARKS; i++)
		if (r->h->marks[i].fmt == fmt)
			return r->h->marks[i].cls;
	return -1;
}

/*
 * The committed record at lane i's tail (its size, its time), skipping pad
 * records, copied into r->rec when copy; 0 when none is committed yet,
 * -EBADMSG when the lane holds nonsense.
 */
static int peek(struct rh_mark_ring *r, uint32_t i, bool copy, uint64_t *ret_tail, uint64_t *ret_ts)
{
	struct th_mark_lane *l = lane(r, i);
	uint64_t lsize = r->h->lane_size, tail, off;
	uint8_t *data = (uint8_t *)l + TH_MARK_LANE_HDR;
	uint32_t size;
	struct th_rec *rec;

	if (r->lane_broken[i])
		return 0;
	tail = l->tail; /* only we write it */
	for (;;) {
		/*
		 * The bytes from the tail on are zero until a writer commits a
		 * record there: its size says so, and the head (the writers'
		 * line) is not read at every record.
		 */
		off = tail & (lsize - 1);
		rec = (struct th_rec *)(data + off);
		/* pairs with the writer's release of size: the record's bytes are there */
		size = __atomic_load_n(&rec->size, __ATOMIC_ACQUIRE);
		if (!size)
			return 0; /* nothing, or reserved and not yet committed */
		if (size % TH_REC_ALIGN || size > lsize - off)
			return -EBADMSG;
		if (rec->fmt != TH_FMT_NONE)
			break;
		/* a pad record: give its bytes back zeroed, as a consumed record's */
		memset(data + off, 0, size);
		tail += size;
		__atomic_store_n(&l->tail, tail, __ATOMIC_RELEASE);
	}
	if (size < sizeof(struct th_rec) || size > TH_REC_MAX)
		return -EBADMSG;
	*ret_ts = rec->ts;
	/* a hostile writer's flag on a ring without a clock: its time stays as it is */
	if ((rec->flags & TH_RECF_TSC) && r->tsc)
		*ret_ts = rh_clock_ns(&r->clock, *ret_ts);
	*ret_tail = tail;
	if (!copy)
		return (int)size;
	memcpy(r->rec, rec, size);
	rec = (struct th_rec *)r->rec;
	rec->size = size;
	rec->ts = *ret_ts;
	rec->flags &= (uint8_t)~TH_RECF_TSC;
	return (int)size;
}

/* Give the record at lane i's tail back: zeroed, then the tail moved. */
static void release(struct rh_mark_ring *r, uint32_t i, uint64_t tail, uint32_t size)
{
	struct th_mark_lane *l = lane(r, i);
	uint8_t *data = (uint8_t *)l + TH_MARK_LANE_HDR;

	memset(data + (tail & (r->h->lane_size - 1)), 0, size);
	/* the zeroes before the new tail: a writer acquires tail before it reuses them */
	__atomic_store_n(&l->tail, tail + size, __ATOMIC_RELEASE);
}

int rh_mark_ring_consume(struct rh_mark_ring *r, rh_record_fn fn, void *arg)
{
	return rh_mark_ring_consume_until(r, UINT64_MAX, fn, arg);
}

int rh_mark_ring_consume_until(struct rh_mark_ring *r, uint64_t max_ts, rh_record_fn fn,
			       void *arg)
{
	uint32_t nl = r->h->nlanes, i;
	int n = 0, ret;

	if (r->tsc)
		rh_clock_update(&r->clock);
	for (;;) {
		uint64_t best_ts = UINT64_MAX, best_tail = 0, tail, ts;
		int best = -1, best_size = 0, size;
		struct th_rec *rec;

		/* the oldest committed record of all lanes first: the session sees time order */
		for (i = 0; i < nl; i++) {
			size = peek(r, i, false, &tail, &ts);
			if (size == -EBADMSG) {
				r->lane_broken[i] = true;
				r->broken++;
				continue;
			}
			if (size > 0 && ts < best_ts) {
				best_ts = ts;
				best = (int)i;
				best_tail = tail;
				best_size = size;
			}
		}
		if (best < 0 || best_ts > max_ts)
			break;
		/* copy it out now; the writer may have changed it since: check it again */
		size = peek(r, (uint32_t)best, true, &tail, &ts);
		if (size != best_size || tail != best_tail) {
			r->lane_broken[best] = true;
			r->broken++;
			continue;
		}
		rec = (struct th_rec *)r->rec;
		release(r, (uint32_t)best, tail, (uint32_t)best_size);
		ret = class_of(r, rec->fmt);
		if (ret < 0) {
			r->broken++; /* a format the session never enabled: dropped, counted */
			continue;
		}
		rec->cls = (uint8_t)ret;
		rec->guest = r->h->guest;
		rec->seq = 0;
		n++;
		ret = fn(arg, rec->cls, rec, (size_t)best_size, 0);
		if (ret < 0)
			return ret;
	}
	/*
	 * Once a round, not at each record (the head is the writers' line): a
	 * tail past the head means a size was written where nothing was
	 * reserved.  Only a broken or hostile process does that: its lane is
	 * given up.
	 */
	for (i = 0; i < nl; i++) {
		struct th_mark_lane *l = lane(r, i);
		uint64_t head = __atomic_load_n(&l->head, __ATOMIC_RELAXED);

		if (!r->lane_broken[i] && l->tail != head && l->tail - head < (1ull << 63)) {
			r->lane_broken[i] = true;
			r->broken++;
		}
	}
	return n;
}

uint64_t rh_mark_ring_lost(const struct rh_mark_ring *r)
{
	uint64_t n = r->broken;
	uint32_t i;

	for (i = 0; i < r->h->nlanes; i++)
		n += __atomic_load_n(&lane(r, i)->lost, __ATOMIC_RELAXED);
	return n;
}

void rh_mark_ring_end(struct rh_mark_ring *r)
{
	/* writers acquire closed: they stop and look for a new ring at the next session */
	if (r)
		__atomic_store_n(&r->h->closed, 1, __ATOMIC_RELEASE);
}

void rh_mark_ring_close(struct rh_mark_ring *r)
{
	if (!r)
		return;
	rh_mark_ring_end(r);
	if (r->unlink_at_close)
		unlink(r->path);
	if (r->h)
		munmap(r->h, r->size);
	close(r->fd); /* the lock goes with it */
	free(r);
}
