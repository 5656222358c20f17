// SPDX-License-Identifier: MIT
/*
 * Binary trace files (docs/trace-format.md): records exactly as they are
 * in the buffers, plus what a reader needs to format them.
 *
 *   file header   64 bytes: magic "TAPTRACE", major/minor version, header
 *                 size, creation time, the CLOCK_MONOTONIC -> realtime
 *                 offset of the records' timestamps
 *   records       struct th_rec + payload, 8-byte aligned, back to back;
 *                 special format ids carry the rest: TH_FMT_INFO (text
 *                 key=value lines), TH_FMT_META (a guest's format table,
 *                 before its first record), TH_FMT_CLASS (a class name),
 *                 TH_FMT_LOST (a lost-record marker: class, count)
 *
 * Every file of a rotation set starts with the header and the tables it
 * needs, so each file reads alone.  A reader trusts nothing: a record
 * whose size is not a multiple of 8, smaller than a header or running
 * past the end stops the read and reports the offset of the damage;
 * everything before it is still returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rh_trace_header(struct rh_trace_hdr *h)
{
	uint64_t rt = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, RH_TRACE_MAGIC, 8);
	h->major = RH_TRACE_MAJOR;
	h->minor = RH_TRACE_MINOR;
	h->hdr_size = sizeof(*h);
	h->created_ns = rt;
	h->mono_to_real_ns = (int64_t)(rt - mono);
	h->rec_align = TH_REC_ALIGN;
}

/* A special record carrying bytes: u32 length, the bytes, zero padding. */
size_t rh_trace_blob(void *buf, size_t cap, uint16_t fmt, uint32_t guest, uint32_t aux,
		     const void *data, size_t len)
{
	struct th_rec *r = buf;
	size_t size = (sizeof(*r) + 8 + len + 7) & ~(size_t)7;
	uint32_t n = (uint32_t)len;

	if (size > cap || size > TH_REC_MAX * 64ull)
		return 0;
	memset(buf, 0, size);
	r->size = (uint32_t)size;
	r->fmt = fmt;
	r->guest = guest;
	r->ts = now_ns(CLOCK_MONOTONIC);
	memcpy((char *)buf + sizeof(*r), &n, 4);
	memcpy((char *)buf + sizeof(*r) + 4, &aux, 4);
	memcpy((char *)buf + sizeof(*r) + 8, data, len);
	return size;
}

size_t rh_trace_lost(void *buf, size_t cap, int cls, uint64_t count, uint64_t ts)
{
	struct th_rec *r = buf;
	size_t size = sizeof(*r) + 8;

	if (cap < size)
		return 0;
	memset(buf, 0, size);
	r->size = (uint32_t)size;
	r->fmt = TH_FMT_LOST;
	r->cls = (uint8_t)cls;
	r->ts = ts ? ts : now_ns(CLOCK_MONOTONIC);
	memcpy((char *)buf + sizeof(*r), &count, 8);
	return size;
}

size_t rh_trace_text(void *buf, size_t cap, uint32_t guest, int cls, const char *text,
		     size_t len)
{
	struct th_rec *r = buf;
	size_t size = (sizeof(*r) + 2 + len + 7) & ~(size_t)7;
	uint16_t n = (uint16_t)len;

	if (len > RH_TRACE_TEXT_MAX || size > cap)
		return 0;
	memset(buf, 0, size);
	r->size = (uint32_t)size;
	r->fmt = TH_FMT_TEXT;
	r->cls = (uint8_t)cls;
	r->guest = guest;
	r->ts = now_ns(CLOCK_MONOTONIC);
	memcpy((char *)buf + sizeof(*r), &n, 2);
	memcpy((char *)buf + sizeof(*r) + 2, text, len);
	return size;
}

/* ---- reading -------------------------------------------------------------------- */

struct rh_trace {
	int fd;
	uint8_t *map;
	size_t len;
	struct rh_trace_hdr hdr;
};

int rh_trace_open(const char *path, struct rh_trace **ret, char *err, size_t errlen)
{
	struct rh_trace *t = calloc(1, sizeof(*t));
	struct stat st;
	int r;

	if (!t)
		return -ENOMEM;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(t);
		return r;
	}
	if (fstat(t->fd, &st) < 0 || (size_t)st.st_size < sizeof(t->hdr)) {
		snprintf(err, errlen, "%s: not a taphub trace (too short)", path);
		r = -EBADMSG;
		goto out_close;
	}
	t->len = (size_t)st.st_size;
	t->map = mmap(NULL, t->len, PROT_READ, MAP_PRIVATE, t->fd, 0);
	if (t->map == MAP_FAILED) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	memcpy(&t->hdr, t->map, sizeof(t->hdr));
	if (memcmp(t->hdr.magic, RH_TRACE_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a taphub trace (bad magic)", path);
		r = -EBADMSG;
		goto out_unmap;
	}
	if (t->hdr.major > RH_TRACE_MAJOR) {
		snprintf(err, errlen,
			 "%s: trace format version %u.%u is newer than this reader (%u.%u): "
			 "use a newer tap-read",
			 path, t->hdr.major, t->hdr.minor, RH_TRACE_MAJOR, RH_TRACE_MINOR);
		r = -EPROTONOSUPPORT;
		goto out_unmap;
	}
	if (t->hdr.hdr_size < sizeof(t->hdr) || t->hdr.hdr_size > t->len ||
	    t->hdr.hdr_size % TH_REC_ALIGN) {
		snprintf(err, errlen, "%s: damaged header", path);
		r = -EBADMSG;
		goto out_unmap;
	}
	*ret = t;
	return 0;
out_unmap:
	munmap(t->map, t->len);
out_close:
	close(t->fd);
	free(t);
	return r;
}

void rh_trace_close(struct rh_trace *t)
{
	if (!t)
		return;
	munmap(t->map, t->len);
	close(t->fd);
	free(t);
}

const struct rh_trace_hdr *rh_trace_hdr(const struct rh_trace *t)
{
	return &t->hdr;
}

/*
 * Visit every record in file order.  Returns the count, or -EBADMSG after
 * visiting everything before the damage (its offset in *ret_bad).
 */
int64_t rh_trace_each(struct rh_trace *t, rh_store_fn fn, void *arg, uint64_t *ret_bad)
{
	size_t off = t->hdr.hdr_size;
	int64_t n = 0;

	while (off < t->len) {
		const struct th_rec *r = (const struct th_rec *)(t->map + off);
		uint32_t size;

		if (t->len - off < sizeof(*r)) {
			if (ret_bad)
				*ret_bad = off;
			return -EBADMSG;
		}
		memcpy(&size, &r->size, 4);
		if (size < sizeof(*r) || size % TH_REC_ALIGN || size > t->len - off) {
			if (ret_bad)
				*ret_bad = off;
			return -EBADMSG;
		}
		if (fn(arg, r, size))
			break;
		n++;
		off += size;
	}
	return n;
}

/* The bytes of a blob record (META, INFO, CLASS): NULL when malformed. */
const void *rh_trace_blob_data(const void *rec, size_t len, size_t *ret_len, uint32_t *ret_aux)
{
	uint32_t n, aux;

	if (len < sizeof(struct th_rec) + 8)
		return NULL;
	memcpy(&n, (const char *)rec + sizeof(struct th_rec), 4);
	memcpy(&aux, (const char *)rec + sizeof(struct th_rec) + 4, 4);
	if (n > len - sizeof(struct th_rec) - 8)
		return NULL;
	*ret_len = n;
	if (ret_aux)
		*ret_aux = aux;
	return (const char *)rec + sizeof(struct th_rec) + 8;
}
