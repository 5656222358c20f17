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
 * The shape of the ring and its table are read from our own copy, never
 * from the header the process can write.
 *
 * A session that dies (kill -9) leaves its ring behind with what it had
 * not consumed.  The next session for the process finds it unlocked: it
 * ends it (a process still writing into it stops and comes to the new
 * ring), counts what the writers committed past the consumer's tail and
 * what they dropped (mark_peek.c, reading the file as the untrusted input
 * it is), reports that as lost unless a crashed hub's host keeps the file
 * for recovery (mark_pin.c), and only then removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/marker.h"

_Static_assert(RH_MARK_MAX_MARKS == TH_MARK_MAX_MARKS, "rh.h's copy of the table's size");

/* A writer between its reserve and its commit takes microseconds: wait for it this long. */
#define STALE_SETTLE_MS 20

struct rh_mark_ring {
	struct th_mark_ring *h;
	size_t size;
	int fd; /* holds a shared flock: the ring is read (taphub/marker.h) */
	char path[128];
	char pin[256]; /* its second name, kept after a crash ("" none) */
	bool unlink_at_close;
	/* what we made it with: the header's copy is the process's to scribble on */
	struct rh_mark_geom geom;
	uint64_t lane_stride;
	uint32_t pid, guest;
	uint32_t nmarks;
	uint16_t fmt[TH_MARK_MAX_MARKS];
	uint8_t cls[TH_MARK_MAX_MARKS];
	struct rh_mark_stale stale; /* what a dead session left at path */
	uint64_t stale_lost;        /* ... of it, counted lost */
	uint64_t broken; /* lanes given up on: a record in them made no sense */
	bool lane_broken[TH_MARK_MAX_LANES];
	uint8_t rec[TH_REC_MAX]; /* the record being handed out, copied */
	bool tsc;		 /* writers may stamp with the TSC: clock converts */
	struct rh_clock clock;
};

static struct th_mark_lane *lane(const struct rh_mark_ring *r, uint32_t i)
{
	return (struct th_mark_lane *)((uint8_t *)r->h + r->geom.hdr_size + i * r->lane_stride);
}

int rh_mark_ring_path(pid_t pid, char *buf, size_t len)
{
	int n = snprintf(buf, len, TH_MARK_RING_DIR "/" TH_MARK_RING_PREFIX "%d", (int)pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* path is still the file st describes: what we checked is what we remove */
static void unlink_same(const char *path, const struct stat *st)
{
	struct stat now;

	if (lstat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		unlink(path);
}

/* Not a ring to read: removed as it is, nothing in it counted. */
static int stale_unread(struct rh_mark_ring *r, const struct stat *st, const char *why)
{
	r->stale.kind = RH_MARK_STALE_UNREAD;
	r->stale.why = why;
	unlink_same(r->path, st);
	return 0;
}

/*
 * What a dead session left at our path: ended, counted, removed (0), or
 * -EEXIST when a live session holds it, -EISDIR for a directory.
 */
static int take_stale(struct rh_mark_ring *r, const struct rh_mark_ring_opts *o)
{
	static const uint32_t one = 1;
	struct rh_mark_stale *s = &r->stale;
	struct stat lst, st;
	const char *why;
	int fd, err, i;

	if (lstat(r->path, &lst))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(lst.st_mode))
		return -EISDIR;
	/* a link, a FIFO, a socket: nothing a session makes (and opening a FIFO blocks) */
	if (!S_ISREG(lst.st_mode))
		return stale_unread(r, &lst, "not a regular file");
	/* a session made it as root and gave it to the process: nobody else's is read */
	if (lst.st_uid != 0 && lst.st_uid != o->uid)
		return stale_unread(r, &lst, "owned by another user than the process's");
	fd = open(r->path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) || st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		close(fd);
		return -EEXIST; /* replaced under us: someone else is at it */
	}
	/* a live session holds a shared lock: another session marks the process */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -EEXIST;
	}
	err = rh_mark_peek_fd(fd, NULL, NULL, NULL, &s->got, &why);
	if (!err && s->got.pid != (uint32_t)o->pid) {
		err = -EBADMSG;
		why = "made for another process";
	}
	if (err) {
		close(fd);
		return stale_unread(r, &st, why);
	}
	/*
	 * A process still writing into it (another tracer raised its
	 * semaphores) stops at its next hit, which reads closed, and looks
	 * for a ring again: ours, made next.
	 */
	if (pwrite(fd, &one, sizeof(one), offsetof(struct th_mark_ring, closed)) != sizeof(one)) {
		close(fd);
		return stale_unread(r, &st, "cannot be written");
	}
	/* one may be between its reserve and its commit: let it commit */
	for (i = 0; s->got.uncommitted && i < STALE_SETTLE_MS; i++) {
		usleep(1000);
		if (rh_mark_peek_fd(fd, NULL, NULL, NULL, &s->got, &why))
			break;
	}
	/* a crashed hub's host keeps it: recovery reads it, nothing is lost */
	if (st.st_nlink > 1 && rh_mark_pin_find(&st, s->pin, sizeof(s->pin)) == 0) {
		s->kind = RH_MARK_STALE_KEPT;
	} else {
		s->kind = RH_MARK_STALE_LOST;
		r->stale_lost = s->got.records + s->got.dropped;
	}
	unlink_same(r->path, &st);
	close(fd); /* its lock with it */
	return 0;
}

/* A second name for the file we just made, in a directory of root's (mark_pin.c). */
static void pin_file(struct rh_mark_ring *r, const char *pin)
{
	if (!pin || !*pin || strlen(pin) >= sizeof(r->pin))
		return;
	/* an orphan of a hub killed as it closed a ring: guest ids are not reused */
	unlink(pin);
	/* root's file still, in a sticky directory: path is the file we made */
	if (link(r->path, pin) == 0)
		snprintf(r->pin, sizeof(r->pin), "%s", pin);
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
		err = take_stale(r, o);
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
	pin_file(r, o->pin);
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
	r->geom.hdr_size = (uint32_t)hdr;
	r->geom.nlanes = o->nlanes;
	r->geom.lane_size = lsize;
	r->lane_stride = TH_MARK_LANE_HDR + lsize;
	r->pid = (uint32_t)o->pid;
	r->guest = o->guest;
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
		rh_clock_init(&r->clock, 1000000);
	r->h->ts_tsc = r->tsc;
	/* the magic last: a process that maps the file early sees it incomplete and leaves */
	__atomic_store_n(&r->h->magic, TH_MARK_MAGIC, __ATOMIC_RELEASE);
	*ret = r;
	return 0;
out_close:
	close(fd);
	unlink(r->path);
	if (r->pin[0])
		unlink(r->pin);
out_free:
	free(r);
	return err;
}

int rh_mark_ring_enable(struct rh_mark_ring *r, const char *provider, const char *name,
			uint16_t fmt, uint8_t cls)
{
	uint32_t n = r->nmarks;
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
	r->fmt[n] = fmt;
	r->cls[n] = cls;
	r->nmarks = n + 1;
	/* publish the entry: a process reading nmarks (acquire) sees it whole */
	__atomic_store_n(&r->h->nmarks, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The class the table gives fmt, or -1: a format this ring never enabled. */
static int class_of(const struct rh_mark_ring *r, uint16_t fmt)
{
	uint32_t i;

	for (i = 0; i < r->nmarks; i++)
		if (r->fmt[i] == fmt)
			return r->cls[i];
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
	uint64_t lsize = r->geom.lane_size, tail, off;
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

	memset(data + (tail & (r->geom.lane_size - 1)), 0, size);
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
	uint32_t nl = r->geom.nlanes, i;
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
		ret = class_of(r, rec->fmt);
		if (ret < 0) {
			release(r, (uint32_t)best, tail, (uint32_t)best_size);
			r->broken++; /* a format the session never enabled: dropped, counted */
			continue;
		}
		rec->cls = (uint8_t)ret;
		rec->guest = r->guest;
		rec->seq = 0;
		n++;
		/*
		 * Handed on (into the store), then given back: a hub killed in
		 * between leaves it in both, which recovery sees (it is the
		 * store's last record), rather than in neither.
		 */
		ret = fn(arg, rec->cls, rec, (size_t)best_size, 0);
		release(r, (uint32_t)best, tail, (uint32_t)best_size);
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
	uint64_t n = r->broken + r->stale_lost;
	uint32_t i;

	for (i = 0; i < r->geom.nlanes; i++)
		n += __atomic_load_n(&lane(r, i)->lost, __ATOMIC_RELAXED);
	return n;
}

const struct rh_mark_stale *rh_mark_ring_stale(const struct rh_mark_ring *r)
{
	return &r->stale;
}

uint64_t rh_mark_ring_stale_lost(const struct rh_mark_ring *r)
{
	return r->stale_lost;
}

bool rh_mark_ring_pinned(const struct rh_mark_ring *r)
{
	return r->pin[0] != 0;
}

void rh_mark_ring_describe(const struct rh_mark_ring *r, struct rh_mark_desc *ret)
{
	uint32_t i;

	memset(ret, 0, sizeof(*ret));
	ret->pid = r->pid;
	ret->guest = r->guest;
	ret->geom = r->geom;
	ret->nmarks = (int)r->nmarks;
	for (i = 0; i < r->nmarks; i++) {
		ret->fmt[i] = r->fmt[i];
		ret->cls[i] = r->cls[i];
	}
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
	/* consumed whole: nothing is left for a recovery to read */
	if (r->pin[0])
		unlink(r->pin);
	if (r->h)
		munmap(r->h, r->size);
	close(r->fd); /* the lock goes with it */
	free(r);
}
