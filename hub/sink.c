// SPDX-License-Identifier: MIT
/*
 * A session's output sink: text (formatted as on stdout) or a binary trace
 * (docs/trace-format.md), into -o files with rotation (outfile.c).
 *
 * Binary files must each read alone, so every new file of a rotation set
 * starts with the trace header, an INFO record, the class names and the
 * format table of every guest seen so far; a guest first seen later gets
 * its table written just before its first record.  Lost-record counts
 * become LOST markers in binary traces and, in text, the WARNING line the
 * record consumer makes of such a marker (guest-runtime/record.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/record.h"

#define SINK_MAX_GUESTS 4096

struct sink_guest {
	uint32_t id;
	char *meta;
	size_t len;
	bool written; /* in the current file */
};

struct hub_sink {
	struct hub_sink_opts o;
	struct hub_outfile *f;
	struct sink_guest *guests;
	int nguests;
	char *classes[TH_MAX_CLASSES];
	char *info; /* every file of a set starts with it */
	/*
	 * The clock offset of the set's first file, given to every later one:
	 * recomputed per file, it moves by tens of ns, and a reader merging
	 * the set by real time would put a file's last records after the
	 * next file's first ones.
	 */
	int64_t mono_to_real;
	bool have_off;
	uint8_t *buf;
	size_t cap;
};

static int reserve(struct hub_sink *s, size_t n)
{
	uint8_t *b;

	if (n <= s->cap)
		return 0;
	b = realloc(s->buf, n);
	if (!b)
		return -ENOMEM;
	s->buf = b;
	s->cap = n;
	return 0;
}

static int write_blob_to(struct hub_sink *s, struct hub_outfile *f, bool start, uint16_t fmt,
			 uint32_t guest, uint32_t aux, const void *data, size_t len)
{
	size_t n;

	if (reserve(s, len + 64))
		return -ENOMEM;
	n = rh_trace_blob(s->buf, s->cap, fmt, guest, aux, data, len);
	if (!n)
		return -E2BIG;
	return start ? hub_outfile_write_start(f, s->buf, n) : hub_outfile_write(f, s->buf, n);
}

static int write_blob(struct hub_sink *s, uint16_t fmt, uint32_t guest, uint32_t aux,
		      const void *data, size_t len)
{
	return write_blob_to(s, s->f, false, fmt, guest, aux, data, len);
}

/* Start of every binary file: header, INFO, classes, the tables known so far. */
static void opened(void *arg, struct hub_outfile *f)
{
	struct hub_sink *s = arg;
	struct rh_trace_hdr h;
	int i;

	if (!s->o.binary)
		return;
	rh_trace_header(&h);
	if (s->have_off)
		h.mono_to_real_ns = s->mono_to_real;
	s->mono_to_real = h.mono_to_real_ns;
	s->have_off = true;
	if (hub_outfile_write_start(f, &h, sizeof(h)))
		return;
	if (s->info)
		write_blob_to(s, f, true, TH_FMT_INFO, 0, 0, s->info, strlen(s->info));
	for (i = 0; i < TH_MAX_CLASSES; i++)
		if (s->classes[i])
			write_blob_to(s, f, true, TH_FMT_CLASS, 0, (uint32_t)i, s->classes[i],
				      strlen(s->classes[i]));
	for (i = 0; i < s->nguests; i++) {
		write_blob_to(s, f, true, TH_FMT_META, s->guests[i].id, 0, s->guests[i].meta,
			      s->guests[i].len);
		s->guests[i].written = true;
	}
}

static void sink_error(void *arg, const char *msg)
{
	struct hub_sink *s = arg;

	s->o.error(s->o.arg, msg);
}

int hub_sink_open(const struct hub_sink_opts *o, struct hub_sink **ret, char *err, size_t errlen)
{
	struct hub_outfile_opts fo = {
		.pattern = o->pattern, .size_limit = o->size_limit, .count = o->count,
		.keep_existing = o->keep_existing,
		.error = o->error, .opened = opened,
	};
	struct hub_sink *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->o.info = NULL;
	if (o->info && !(s->info = strdup(o->info))) {
		free(s);
		return -ENOMEM;
	}
	fo.arg = s;
	/* the outfile's error callback gets the sink: forward to the caller's */
	fo.error = o->error ? sink_error : NULL;
	r = hub_outfile_open(&fo, &s->f, err, errlen);
	if (r) {
		free(s->info);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

bool hub_sink_binary(const struct hub_sink *s)
{
	return s->o.binary;
}

void hub_sink_close(struct hub_sink *s)
{
	int i;

	if (!s)
		return;
	hub_outfile_close(s->f);
	for (i = 0; i < s->nguests; i++)
		free(s->guests[i].meta);
	for (i = 0; i < TH_MAX_CLASSES; i++)
		free(s->classes[i]);
	free(s->guests);
	free(s->info);
	free(s->buf);
	free(s);
}

int hub_sink_add_class(struct hub_sink *s, int cls, const char *name)
{
	if (cls < 0 || cls >= TH_MAX_CLASSES)
		return -EINVAL;
	free(s->classes[cls]);
	s->classes[cls] = strdup(name);
	if (s->o.binary)
		write_blob(s, TH_FMT_CLASS, 0, (uint32_t)cls, name, strlen(name));
	return s->classes[cls] ? 0 : -ENOMEM;
}

int hub_sink_add_guest(struct hub_sink *s, uint32_t guest, const char *meta, size_t len)
{
	struct sink_guest *g;
	int i;

	for (i = 0; i < s->nguests; i++)
		if (s->guests[i].id == guest)
			return 0;
	if (s->nguests == SINK_MAX_GUESTS)
		return -E2BIG;
	g = realloc(s->guests, sizeof(*g) * (size_t)(s->nguests + 1));
	if (!g)
		return -ENOMEM;
	s->guests = g;
	g = &s->guests[s->nguests];
	g->id = guest;
	g->len = len;
	g->written = false;
	g->meta = malloc(len + 1);
	if (!g->meta)
		return -ENOMEM;
	memcpy(g->meta, meta, len);
	g->meta[len] = 0;
	s->nguests++;
	return 0;
}

/*
 * Text comes in batches (a reader that fell behind sends a megabyte at
 * once) and goes to the file in pieces of whole lines, at most TEXT_PIECE
 * bytes each unless one line is longer: the file rotates between writes,
 * and a whole batch in one write could make a file larger than -S allows.
 */
#define TEXT_PIECE (64u << 10)

static size_t text_piece(const char *data, size_t len)
{
	const char *nl;

	if (len <= TEXT_PIECE)
		return len;
	nl = memrchr(data, '\n', TEXT_PIECE);
	if (nl)
		return (size_t)(nl - data) + 1;
	/* one line longer than a piece: it goes whole */
	nl = memchr(data + TEXT_PIECE, '\n', len - TEXT_PIECE);
	return nl ? (size_t)(nl - data) + 1 : len;
}

/* A text file's records are its lines. */
static uint64_t count_lines(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	uint64_t lines = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		lines++;
		p++;
	}
	return lines ? lines : 1;
}

int hub_sink_text(struct hub_sink *s, const char *data, size_t len)
{
	int r = 0;

	if (!s->o.binary) {
		while (len) {
			size_t n = text_piece(data, len);
			int w = hub_outfile_write_n(s->f, data, n, count_lines(data, n));

			r = w ? w : r;
			data += n;
			len -= n;
		}
		return r;
	}
	/* in a binary trace, formatted text is a TEXT record (or several) */
	while (len && !r) {
		size_t chunk = len > RH_TRACE_TEXT_MAX ? RH_TRACE_TEXT_MAX : len, n;

		if (reserve(s, chunk + 64))
			return -ENOMEM;
		n = rh_trace_text(s->buf, s->cap, 0, 0, data, chunk);
		r = n ? hub_outfile_write(s->f, s->buf, n) : -E2BIG;
		data += chunk;
		len -= chunk;
	}
	return r;
}

int hub_sink_record(struct hub_sink *s, const void *rec, size_t len)
{
	const struct th_rec *r = rec;
	int i;

	if (!s->o.binary)
		return -EINVAL;
	/* its table goes before a guest's first record in this file */
	for (i = 0; i < s->nguests; i++) {
		if (s->guests[i].id != r->guest)
			continue;
		if (!s->guests[i].written) {
			write_blob(s, TH_FMT_META, r->guest, 0, s->guests[i].meta, s->guests[i].len);
			s->guests[i].written = true;
		}
		break;
	}
	return hub_outfile_write(s->f, rec, len);
}

enum hub_sink_take hub_sink_take(const struct grt_meta *m, uint16_t fmt)
{
	const struct grt_meta_fmt *f = m ? grt_meta_find_fmt(m, fmt) : NULL;

	/*
	 * A histogram print needs the session's maps, a stack (or a format
	 * printing usymfileline()) the process's files while it runs: none
	 * can be shown later from the trace.
	 */
	if (fmt == TH_FMT_PRINTSTAT || fmt == TH_FMT_STACK || (f && f->resolves))
		return HUB_SINK_TEXT;
	/* a guest's formats and runner text show nothing but what the trace holds */
	if (fmt >= TH_FMT_FIRST || fmt == TH_FMT_TEXT)
		return HUB_SINK_RAW;
	return HUB_SINK_RAW_SHOW;
}

int hub_sink_lost(struct hub_sink *s, int cls, uint64_t count, uint64_t ts)
{
	char buf[256];
	size_t n;
	int r;

	if (!count)
		return 0;
	n = rh_trace_lost(buf, sizeof(buf), cls, count, ts);
	if (!s->o.binary) {
		/* a text file gets the line the record consumer makes of the marker */
		struct grt_record_ctx c = {
			.cls = cls >= 0 && cls < TH_MAX_CLASSES && s->classes[cls] ? s->classes[cls] : "?",
		};
		struct grt_out o = { 0 };

		r = grt_record_consume(&c, buf, n, &o);
		if (!r)
			r = hub_outfile_write(s->f, o.msg.data, o.msg.len);
		grt_out_free(&o);
		return r;
	}
	return hub_outfile_write(s->f, buf, n);
}

int hub_sink_flush(struct hub_sink *s)
{
	return s ? hub_outfile_flush(s->f) : 0;
}

void hub_sink_switch(struct hub_sink *s)
{
	hub_outfile_switch(s->f);
}

uint64_t hub_sink_lost_writes(const struct hub_sink *s)
{
	return hub_outfile_lost(s->f);
}
