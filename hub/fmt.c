// SPDX-License-Identifier: MIT
/*
 * Records to text away from the session that made them: tap-read (binary
 * traces) and tapctl recover (stores a crashed hub left).  Each source (a
 * trace file, a recovered host) has its own guests' format tables and
 * class names, so the same guest id in two sources is two guests.  What
 * a record shows is the record consumer's (guest-runtime/record.c), with
 * a runtime per guest without maps: everything a record prints is in the
 * record.
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
	struct grt_out out;   /* what the record in hand makes */
	uint64_t unformatted; /* records without a table */
};

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
	grt_out_free(&f->out);
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
	struct grt_rt_opts ro = { .sz = sizeof(ro), .write = grt_out_write, .maxerrors = INT64_MAX };
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
	ro.arg = &f->out;
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

int hub_fmt_record(struct hub_fmt *f, int src, const void *rec, size_t len, int64_t mono_to_real)
{
	const struct th_rec *r = rec;
	struct fmt_guest *g;
	struct grt_record_ctx c = { .json = f->o.json, .mono_to_real = mono_to_real };
	int err;

	if (len < sizeof(*r))
		return -EBADMSG;
	g = guest_of(f, src, r->guest);
	c.rt = g ? g->rt : NULL;
	c.cls = hub_fmt_class(f, src, r->cls);
	grt_out_reset(&f->out);
	err = grt_record_consume(&c, rec, len, &f->out);
	if (err == -ENOENT)
		f->unformatted++;
	if (f->out.out.len)
		fwrite(f->out.out.data, 1, f->out.out.len, f->o.out);
	if (f->out.msg.len && f->o.msgs)
		fwrite(f->out.msg.data, 1, f->out.msg.len, f->o.msgs);
	return err == -ENOENT ? err : 0;
}
