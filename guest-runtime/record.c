// SPDX-License-Identifier: MIT
/*
 * The record consumer: one record, whatever its kind, into text or JSON.
 * Every program that shows records goes through grt_record_consume: tap's
 * embedded session (hub/local.c, the live rings), the hub's attached
 * readers and file writers (hub/daemon/reader.c, the class stores),
 * tap-read (binary traces) and recovery (what a crashed hub left), the
 * last two through hub/fmt.c.  So a kind is shown the same way wherever
 * it is read.
 *
 *   guest formats, ERROR, WARN, STACK   the writing guest's runtime formats
 *                                       them from its format table (rt.c)
 *   EXIT, SYSTEM, PRINTK, SWITCH        handed to the runtime too: the live
 *                                       session acts on them, a runtime that
 *                                       only reads back (no act callback)
 *                                       shows nothing for them
 *   PRINTSTAT                           the runtime prints the histogram when
 *                                       it has the session's maps
 *   TEXT                                what a runner printed, as it is
 *   LOST                                "WARNING: N records lost in class C"
 *   NONE (a pad), META, INFO, CLASS     nothing: no text of their own
 *   other specials (a later version)    skipped, as a reader of an older
 *                                       minor version must
 *
 * In JSON, each record is one object on a line: its time (realtime
 * seconds.nanoseconds), cpu, class, guest, the class store's sequence when
 * it has one, its text and its messages; a LOST record is
 * {"time","class","lost"}.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "taphub/record.h"

void grt_out_write(void *arg, int stream, const char *data, size_t len)
{
	struct grt_out *o = arg;

	grt_buf_put(stream == GRT_MSG ? &o->msg : &o->out, data, len);
}

void grt_out_reset(struct grt_out *o)
{
	grt_buf_reset(&o->out);
	grt_buf_reset(&o->msg);
}

void grt_out_free(struct grt_out *o)
{
	grt_buf_free(&o->out);
	grt_buf_free(&o->msg);
}

static void put_time(struct grt_buf *b, const struct th_rec *r, int64_t mono_to_real)
{
	int64_t real = (int64_t)r->ts + mono_to_real;
	char t[64];

	snprintf(t, sizeof(t), "{\"time\":%lld.%09lld", (long long)(real / 1000000000),
		 (long long)(real % 1000000000));
	grt_buf_puts(b, t);
}

static void put_lost(const struct grt_record_ctx *c, const struct th_rec *r, size_t len,
		     struct grt_out *o)
{
	uint64_t count = 0;
	char line[256];

	if (len >= sizeof(*r) + 8)
		memcpy(&count, (const char *)r + sizeof(*r), 8);
	if (!c->json) {
		snprintf(line, sizeof(line), "WARNING: %" PRIu64 " records lost in class %s\n", count,
			 c->cls);
		grt_buf_puts(&o->msg, line);
		return;
	}
	put_time(&o->out, r, c->mono_to_real);
	grt_buf_puts(&o->out, ",\"class\":");
	grt_json_str(&o->out, c->cls, strlen(c->cls));
	snprintf(line, sizeof(line), ",\"lost\":%" PRIu64 "}\n", count);
	grt_buf_puts(&o->out, line);
}

/* The text and messages of one record, appended to o from out0 and msg0 on, as a JSON line. */
static int put_json(const struct grt_record_ctx *c, const struct th_rec *r, struct grt_out *o,
		    size_t out0, size_t msg0)
{
	struct grt_buf line = { 0 };
	char num[96];
	int err;

	put_time(&line, r, c->mono_to_real);
	snprintf(num, sizeof(num), ",\"cpu\":%u,\"class\":", r->cpu);
	grt_buf_puts(&line, num);
	grt_json_str(&line, c->cls, strlen(c->cls));
	snprintf(num, sizeof(num), ",\"guest\":%u", r->guest);
	grt_buf_puts(&line, num);
	if (r->seq) { /* a class store's sequence; local traces have none */
		snprintf(num, sizeof(num), ",\"seq\":%" PRIu64, (uint64_t)r->seq);
		grt_buf_puts(&line, num);
	}
	grt_buf_puts(&line, ",\"text\":");
	grt_json_str(&line, o->out.data ? o->out.data + out0 : "", o->out.len - out0);
	if (o->msg.len > msg0) {
		grt_buf_puts(&line, ",\"message\":");
		grt_json_str(&line, o->msg.data + msg0, o->msg.len - msg0);
	}
	err = grt_buf_puts(&line, "}\n");
	/* the record's text and messages are in the line now */
	o->out.len = out0;
	o->msg.len = msg0;
	if (o->out.data)
		o->out.data[out0] = 0;
	if (o->msg.data)
		o->msg.data[msg0] = 0;
	if (!err)
		err = grt_buf_put(&o->out, line.data, line.len);
	grt_buf_free(&line);
	return err;
}

/* The kinds the guest's runtime formats (or acts on), its output flushed unless the caller batches. */
static int by_runtime(const struct grt_record_ctx *c, const void *rec, size_t len)
{
	int err = grt_rt_record(c->rt, rec, len);

	if (!c->batch)
		grt_rt_flush(c->rt);
	return err;
}

int grt_record_consume(const struct grt_record_ctx *c, const void *rec, size_t len,
		       struct grt_out *o)
{
	const struct th_rec *r = rec;
	size_t out0 = o->out.len, msg0 = o->msg.len;
	int err = 0;

	if (len < sizeof(*r))
		return -EBADMSG;
	/* the common case first: a guest's own format, as text (tap's drain, millions a second) */
	if (r->fmt >= TH_FMT_FIRST && !c->json && c->rt)
		return by_runtime(c, rec, len);
	switch (r->fmt) {
	case TH_FMT_NONE:
	case TH_FMT_META:
	case TH_FMT_INFO:
	case TH_FMT_CLASS:
		return 0;
	case TH_FMT_LOST:
		put_lost(c, r, len, o);
		return 0;
	case TH_FMT_TEXT: {
		uint16_t n;

		if (len >= sizeof(*r) + 2) {
			memcpy(&n, (const char *)rec + sizeof(*r), 2);
			if (sizeof(*r) + 2 + n <= len)
				grt_buf_put(&o->out, (const char *)rec + sizeof(*r) + 2, n);
		}
		break;
	}
	default: /* EXIT ERROR PRINTSTAT WARN STACK SYSTEM PRINTK SWITCH, guest formats */
		if (r->fmt < TH_FMT_FIRST && r->fmt > TH_FMT_SWITCH)
			return 0; /* a special record of a later minor version: skipped */
		if (!c->rt)
			return r->fmt == TH_FMT_EXIT ? 0 : -ENOENT;
		err = by_runtime(c, rec, len);
		break;
	}
	/*
	 * A JSON line per record that shows something of its own: requests
	 * (exit, system, printk, switch_file) and a histogram print without
	 * the maps show nothing.
	 */
	if (c->json && (r->fmt >= TH_FMT_FIRST || r->fmt == TH_FMT_TEXT || r->fmt == TH_FMT_ERROR ||
			r->fmt == TH_FMT_WARN || r->fmt == TH_FMT_STACK || o->out.len > out0 ||
			o->msg.len > msg0)) {
		int r2 = put_json(c, r, o, out0, msg0);

		if (r2)
			return r2;
	}
	return err;
}
