// SPDX-License-Identifier: MIT
/*
 * Records to text away from the session that made them: tap-read (binary
 * traces) and tapctl recover (stores a crashed hub left).  Each source (a
 * trace file, a recovered host) has its own guests' format tables and
 * class names, so the same guest id in two sources is two guests.  A
 * record is formatted by the guest's runtime (guest-runtime/rt.c) without
 * maps: everything a record prints is in the record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"
#include "taphub/record.h"

struct fmt_guest {
	uint32_t id;
	struct grt_meta *meta;
	struct grt_rt *rt;
};

struct fmt_source {
	struct fmt_guest *guests;
	int nguests;
	char *classes[TH_MAX_CLASSES];
};

struct hub_fmt {
	struct hub_fmt_opts o;
	struct fmt_source *src;
	int nsrc;
	struct grt_buf out, msg;
	uint64_t unformatted; /* records without a table */
};

static void sink(void *arg, int stream, const char *data, size_t len)
{
	struct hub_fmt *f = arg;

	grt_buf_put(stream == GRT_MSG ? &f->msg : &f->out, data, len);
}

int hub_fmt_new(const struct hub_fmt_opts *o, struct hub_fmt **ret)
{
	struct hub_fmt *f;

	if (!o->out)
		return -EINVAL; /* the caller's stream: the library picks none */
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->o = *o;
	*ret = f;
	return 0;
}

void hub_fmt_free(struct hub_fmt *f)
{
	int s, g;

	if (!f)
		return;
	for (s = 0; s < f->nsrc; s++) {
		for (g = 0; g < f->src[s].nguests; g++) {
			grt_rt_free(f->src[s].guests[g].rt);
			grt_meta_free(f->src[s].guests[g].meta);
		}
		free(f->src[s].guests);
		for (g = 0; g < TH_MAX_CLASSES; g++)
			free(f->src[s].classes[g]);
	}
	free(f->src);
	grt_buf_free(&f->out);
	grt_buf_free(&f->msg);
	free(f);
}

int hub_fmt_source(struct hub_fmt *f)
{
	struct fmt_source *n = realloc(f->src, sizeof(*n) * (size_t)(f->nsrc + 1));

	if (!n)
		return -ENOMEM;
	f->src = n;
	memset(&f->src[f->nsrc], 0, sizeof(*n));
	return f->nsrc++;
}

static struct fmt_guest *guest_of(struct hub_fmt *f, int src, uint32_t id)
{
	int i;

	if (src < 0 || src >= f->nsrc)
		return NULL;
	for (i = 0; i < f->src[src].nguests; i++)
		if (f->src[src].guests[i].id == id)
			return &f->src[src].guests[i];
	return NULL;
}

int hub_fmt_add_guest(struct hub_fmt *f, int src, uint32_t id, const char *meta, size_t len,
		      char *err, size_t errlen)
{
	struct grt_rt_opts ro = { .sz = sizeof(ro), .write = sink, .maxerrors = INT64_MAX };
	struct fmt_source *s;
	struct fmt_guest *g;
	int r;

	if (src < 0 || src >= f->nsrc)
		return -EINVAL;
	if (guest_of(f, src, id))
		return 0; /* a rotation set repeats the tables: the first one holds */
	s = &f->src[src];
	g = realloc(s->guests, sizeof(*g) * (size_t)(s->nguests + 1));
	if (!g)
		return -ENOMEM;
	s->guests = g;
	g = &s->guests[s->nguests];
	memset(g, 0, sizeof(*g));
	r = grt_meta_parse(meta, len, &g->meta, err, errlen);
	if (r)
		return r;
	ro.meta = g->meta;
	ro.arg = f;
	r = grt_rt_new(&ro, &g->rt);
	if (r) {
		grt_meta_free(g->meta);
		snprintf(err, errlen, "cannot set up a runtime: %s", strerror(-r));
		return r;
	}
	g->id = id;
	s->nguests++;
	return 0;
}

void hub_fmt_set_class(struct hub_fmt *f, int src, int cls, const char *name, size_t len)
{
	if (src < 0 || src >= f->nsrc || cls < 0 || cls >= TH_MAX_CLASSES)
		return;
	free(f->src[src].classes[cls]);
	f->src[src].classes[cls] = strndup(name, len);
}

const char *hub_fmt_class(const struct hub_fmt *f, int src, int cls)
{
	if (src >= 0 && src < f->nsrc && cls >= 0 && cls < TH_MAX_CLASSES &&
	    f->src[src].classes[cls])
		return f->src[src].classes[cls];
	return "default";
}

uint64_t hub_fmt_unformatted(const struct hub_fmt *f)
{
	return f->unformatted;
}

static void json_str(FILE *o, const char *s, size_t n)
{
	size_t i;

	fputc('"', o);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", o);
		else if (c == '\t')
			fputs("\\t", o);
		else if (c < 32)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

static void put_time(FILE *o, int64_t real)
{
	fprintf(o, "%lld.%09lld", (long long)(real / 1000000000), (long long)(real % 1000000000));
}

int hub_fmt_record(struct hub_fmt *f, int src, const void *rec, size_t len, int64_t mono_to_real)
{
	const struct th_rec *r = rec;
	int64_t real = (int64_t)r->ts + mono_to_real;
	const char *cls = hub_fmt_class(f, src, r->cls);
	FILE *o = f->o.out;

	if (len < sizeof(*r))
		return -EBADMSG;
	grt_buf_reset(&f->out);
	grt_buf_reset(&f->msg);
	switch (r->fmt) {
	case TH_FMT_LOST: {
		uint64_t count = 0;

		if (len >= sizeof(*r) + 8)
			memcpy(&count, (const char *)rec + sizeof(*r), 8);
		if (f->o.json) {
			fputs("{\"time\":", o);
			put_time(o, real);
			fputs(",\"class\":", o);
			json_str(o, cls, strlen(cls));
			fprintf(o, ",\"lost\":%" PRIu64 "}\n", count);
		} else if (f->o.msgs) {
			fprintf(f->o.msgs, "WARNING: %" PRIu64 " records lost in class %s\n", count,
				cls);
		}
		return 0;
	}
	case TH_FMT_TEXT: {
		uint16_t n;

		if (len >= sizeof(*r) + 2) {
			memcpy(&n, (const char *)rec + sizeof(*r), 2);
			if (sizeof(*r) + 2 + n <= len)
				grt_buf_put(&f->out, (const char *)rec + sizeof(*r) + 2, n);
		}
		break;
	}
	case TH_FMT_EXIT:
	case TH_FMT_NONE:
	case TH_FMT_PRINTSTAT: /* needs the maps; writers put its text instead */
		return 0;
	default: {
		struct fmt_guest *g = guest_of(f, src, r->guest);

		if (r->fmt < TH_FMT_FIRST && r->fmt != TH_FMT_ERROR && r->fmt != TH_FMT_WARN)
			return 0; /* a special record of a later minor version: skipped */
		if (!g) {
			f->unformatted++;
			return -ENOENT;
		}
		grt_rt_record(g->rt, rec, len);
		grt_rt_flush(g->rt);
		break;
	}
	}
	if (f->o.json) {
		fputs("{\"time\":", o);
		put_time(o, real);
		fprintf(o, ",\"cpu\":%u,\"class\":", r->cpu);
		json_str(o, cls, strlen(cls));
		fprintf(o, ",\"guest\":%u", r->guest);
		if (r->seq) /* a class store's sequence; local traces have none */
			fprintf(o, ",\"seq\":%" PRIu64, (uint64_t)r->seq);
		fputs(",\"text\":", o);
		json_str(o, f->out.data ? f->out.data : "", f->out.len);
		if (f->msg.len) {
			fputs(",\"message\":", o);
			json_str(o, f->msg.data, f->msg.len);
		}
		fputs("}\n", o);
		return 0;
	}
	if (f->out.len)
		fwrite(f->out.data, 1, f->out.len, o);
	if (f->msg.len && f->o.msgs)
		fwrite(f->msg.data, 1, f->msg.len, f->o.msgs);
	return 0;
}
