// SPDX-License-Identifier: MIT
/*
 * A no-trap marker ring (include/taphub/marker.h) that no session
 * consumes any more: a dead session's, found by the next session for the
 * same process, or one a crashed hub pinned for recovery.  What the
 * writers committed past the consumer's tail, record by record, and what
 * they counted as dropped, without consuming anything.
 *
 * The file is untrusted input: the marked process owns it and may have
 * written anything into it, may even truncate it while we read.  So it is
 * not mapped (a truncated mapping is a SIGBUS) but read with pread into
 * private memory, a short read meaning a truncated file; every field of
 * the header is checked before it is used, each lane is walked from the
 * consumer's tail up to the writers' head, and each record's size is
 * checked before it is followed.  A lane that cannot be walked to its
 * head (a record reserved and never committed, a writer killed in the
 * middle; or bytes that make no sense) stops there: the records before
 * are counted, and the caller is told the count is a lower bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/marker.h"

/* The header's bytes before lane 0 at most: the table fits in far less. */
#define PEEK_HDR_MAX (1u << 20)

/* All len bytes at off, or -EBADMSG: the file ends before (truncated). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EBADMSG;
		got += (size_t)n;
	}
	return 0;
}

/* The header of the ring open at fd, checked whole; why says what is wrong. */
static int read_header(int fd, const struct rh_mark_geom *expect, struct th_mark_ring *h,
		       const char **why)
{
	struct stat st;
	int r;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EBADMSG;
	}
	r = read_at(fd, h, sizeof(*h), 0);
	if (r) {
		*why = "shorter than a ring's header";
		return r;
	}
	if (h->magic != TH_MARK_MAGIC) {
		*why = "no marker ring's magic";
		return -EBADMSG;
	}
	if (h->version != TH_MARK_VERSION) {
		*why = "a ring of another version";
		return -EPROTONOSUPPORT;
	}
	/* as the writer checks it (th_mark_map), and within our own limits */
	if (h->hdr_size < sizeof(*h) || h->hdr_size % 4096 || h->hdr_size > PEEK_HDR_MAX ||
	    h->nlanes < 1 || h->nlanes > TH_MARK_MAX_LANES || h->lane_size < 4096 ||
	    (h->lane_size & (h->lane_size - 1)) || h->lane_size > RH_MARK_LANE_MAX ||
	    h->lane_stride != TH_MARK_LANE_HDR + h->lane_size ||
	    h->file_size != h->hdr_size + h->nlanes * h->lane_stride) {
		*why = "its sizes are not a ring's";
		return -EBADMSG;
	}
	if (expect && (h->hdr_size != expect->hdr_size || h->nlanes != expect->nlanes ||
		       h->lane_size != expect->lane_size)) {
		*why = "its sizes are not those its session made";
		return -EBADMSG;
	}
	if ((uint64_t)st.st_size < h->file_size) {
		*why = "truncated";
		return -EBADMSG;
	}
	return 0;
}

/*
 * Walk lane i from its tail to its head: count (and hand to fn) the
 * committed records, add its writers' drop counter.
 */
static int walk_lane(int fd, const struct th_mark_ring *h, uint32_t i, rh_mark_peek_fn fn,
		     void *arg, uint8_t *buf, struct rh_mark_peek *ret)
{
	uint64_t base = h->hdr_size + (uint64_t)i * h->lane_stride, lsize = h->lane_size;
	struct th_mark_lane l;
	bool first = true;
	uint64_t pos;
	int r;

	r = read_at(fd, &l, sizeof(l), base);
	if (r)
		return r;
	ret->dropped += l.lost;
	/* the head runs ahead of the tail by a lane at most: else nothing here is sane */
	if (l.head - l.tail > lsize) {
		ret->lanes_cut++;
		return 0;
	}
	for (pos = l.tail; pos != l.head;) {
		uint64_t off = pos & (lsize - 1);
		struct th_rec rec;
		size_t n = lsize - off < sizeof(rec) ? (size_t)(lsize - off) : sizeof(rec);

		/* a pad record may be smaller than a header: read what the lane has */
		memset(&rec, 0, sizeof(rec));
		r = read_at(fd, &rec, n, base + TH_MARK_LANE_HDR + off);
		if (r)
			return r;
		if (!rec.size) {
			ret->uncommitted++; /* reserved, never committed: what follows is unknown */
			ret->lanes_cut++;
			return 0;
		}
		if (rec.size % TH_REC_ALIGN || rec.size > lsize - off || rec.size > l.head - pos) {
			ret->lanes_cut++;
			return 0;
		}
		if (rec.fmt == TH_FMT_NONE) {
			pos += rec.size; /* a pad record: the rest of the lane before it wraps */
			continue;
		}
		if (rec.size < sizeof(rec) || rec.size > TH_REC_MAX) {
			ret->lanes_cut++;
			return 0;
		}
		ret->records++;
		if (fn) {
			r = read_at(fd, buf, rec.size, base + TH_MARK_LANE_HDR + off);
			if (r)
				return r;
			/* the size we checked, whatever the writer put there since */
			memcpy(buf, &rec.size, sizeof(rec.size));
			r = fn(arg, (const struct th_rec *)buf, rec.size, first);
			if (r < 0)
				return r;
		}
		first = false;
		pos += rec.size;
	}
	return 0;
}

int rh_mark_peek_fd(int fd, const struct rh_mark_geom *expect, rh_mark_peek_fn fn, void *arg,
		    struct rh_mark_peek *ret, const char **ret_why)
{
	struct th_mark_ring h;
	struct rh_mark_peek p = { 0 };
	const char *why = NULL;
	uint8_t *buf = NULL; /* a record copied out, for fn */
	uint32_t i;
	int r;

	r = read_header(fd, expect, &h, &why);
	if (r)
		goto out;
	if (fn) {
		buf = malloc(TH_REC_MAX);
		if (!buf) {
			r = -ENOMEM;
			goto out;
		}
	}
	p.pid = h.pid;
	p.guest = h.guest;
	p.geom.hdr_size = h.hdr_size;
	p.geom.nlanes = h.nlanes;
	p.geom.lane_size = h.lane_size;
	for (i = 0; i < h.nlanes; i++) {
		r = walk_lane(fd, &h, i, fn, arg, buf, &p);
		if (r == -EBADMSG)
			why = "truncated";
		if (r)
			break;
	}
	free(buf);
out:
	if (!r)
		*ret = p;
	if (ret_why)
		*ret_why = why ? why : r ? strerror(-r) : NULL;
	return r;
}
