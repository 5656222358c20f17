// SPDX-License-Identifier: MIT
/*
 * tap-read: print binary taphub traces (tap -o FILE --format=binary,
 * hub sessions, tapctl recover) as text or JSON lines.
 *
 *   tap-read [--json] [--class NAME] [--guest ID] [--from T] [--to T] FILE...
 *
 * Several files (a rotation set, per-class files, traces of several
 * sessions) are merged by timestamp.  Each record is formatted with the
 * format table of the guest that wrote it, carried in the same file.
 * T is seconds since the epoch, or +S for S seconds after the first
 * record.  A damaged file is read up to the damage, which is reported
 * with its offset; a trace of a newer major version is refused.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest-runtime/grt.h"
#include "relayhost-module/rh.h"
#include "taphub/record.h"

struct tfile {
	const char *path;
	struct rh_trace *t;
	int64_t mono_to_real;
	char *classes[TH_MAX_CLASSES];
	struct {
		uint32_t id;
		struct grt_meta *meta;
		struct grt_rt *rt;
	} guests[256];
	int nguests;
};

struct item {
	const struct th_rec *r;
	uint32_t size;
	int file;
	uint64_t order;
};

struct reader {
	struct tfile *files;
	int nfiles, cur;
	struct item *items;
	size_t n, cap;
	uint64_t order;
	bool json;
	const char *cls;
	uint32_t guest;
	bool has_guest;
	struct grt_buf out, msg;
	int status;
};

static struct reader R;

static void sink(void *arg, int stream, const char *data, size_t len)
{
	(void)arg;
	grt_buf_put(stream == GRT_MSG ? &R.msg : &R.out, data, len);
}

static struct grt_rt *rt_for(struct tfile *f, uint32_t guest)
{
	int i;

	for (i = 0; i < f->nguests; i++)
		if (f->guests[i].id == guest)
			return f->guests[i].rt;
	return NULL;
}

/* First pass over a file: its tables; everything else is an item. */
static int scan(void *arg, const void *rec, size_t len)
{
	struct tfile *f = &R.files[R.cur];
	const struct th_rec *r = rec;
	size_t n = 0;
	uint32_t aux = 0;
	const char *data;
	char err[256];

	(void)arg;
	switch (r->fmt) {
	case TH_FMT_META:
		data = rh_trace_blob_data(rec, len, &n, &aux);
		if (data && f->nguests < 256 && !rt_for(f, r->guest)) {
			struct grt_rt_opts ro = { .sz = sizeof(ro), .write = sink, .maxerrors = INT64_MAX };
			int k = f->nguests;

			if (grt_meta_parse(data, n, &f->guests[k].meta, err, sizeof(err))) {
				fprintf(stderr, "tap-read: %s: bad format table of guest %u: %s\n",
					f->path, r->guest, err);
				R.status = 1;
				return 0;
			}
			ro.meta = f->guests[k].meta;
			if (grt_rt_new(&ro, &f->guests[k].rt)) {
				grt_meta_free(f->guests[k].meta);
				return 0;
			}
			f->guests[k].id = r->guest;
			f->nguests++;
		}
		return 0;
	case TH_FMT_CLASS:
		data = rh_trace_blob_data(rec, len, &n, &aux);
		if (data && aux < TH_MAX_CLASSES) {
			free(f->classes[aux]);
			f->classes[aux] = strndup(data, n);
		}
		return 0;
	case TH_FMT_INFO:
		return 0;
	default:
		break;
	}
	if (R.n == R.cap) {
		size_t cap = R.cap ? R.cap * 2 : 65536;
		struct item *it = realloc(R.items, cap * sizeof(*it));

		if (!it)
			return -ENOMEM;
		R.items = it;
		R.cap = cap;
	}
	R.items[R.n].r = r;
	R.items[R.n].size = (uint32_t)len;
	R.items[R.n].file = R.cur;
	R.items[R.n].order = R.order++;
	R.n++;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int64_t tx = (int64_t)x->r->ts + R.files[x->file].mono_to_real;
	int64_t ty = (int64_t)y->r->ts + R.files[y->file].mono_to_real;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static double parse_time(const char *s, double first)
{
	char *end;
	double v = strtod(s[0] == '+' ? s + 1 : s, &end);

	if (end == s || *end) {
		fprintf(stderr, "tap-read: bad time '%s' (seconds since the epoch, or +SECONDS)\n", s);
		exit(2);
	}
	return s[0] == '+' ? first + v : v;
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

static const char *class_name(struct tfile *f, int cls)
{
	return cls >= 0 && cls < TH_MAX_CLASSES && f->classes[cls] ? f->classes[cls] : "default";
}

static void emit(const struct item *it)
{
	struct tfile *f = &R.files[it->file];
	const struct th_rec *r = it->r;
	int64_t real = (int64_t)r->ts + f->mono_to_real;

	grt_buf_reset(&R.out);
	grt_buf_reset(&R.msg);
	if (r->fmt == TH_FMT_LOST) {
		uint64_t count = 0;

		if (it->size >= sizeof(*r) + 8)
			memcpy(&count, (const char *)r + sizeof(*r), 8);
		if (R.json)
			printf("{\"time\":%lld.%09lld,\"class\":\"%s\",\"lost\":%" PRIu64 "}\n",
			       (long long)(real / 1000000000), (long long)(real % 1000000000),
			       class_name(f, r->cls), count);
		else
			fprintf(stderr, "WARNING: %" PRIu64 " records lost in class %s\n", count,
				class_name(f, r->cls));
		return;
	}
	if (r->fmt == TH_FMT_TEXT) {
		uint16_t n;

		if (it->size >= sizeof(*r) + 2) {
			memcpy(&n, (const char *)r + sizeof(*r), 2);
			if (sizeof(*r) + 2 + n <= it->size)
				grt_buf_put(&R.out, (const char *)r + sizeof(*r) + 2, n);
		}
	} else if (r->fmt != TH_FMT_EXIT) {
		struct grt_rt *rt = rt_for(f, r->guest);

		if (!rt) {
			fprintf(stderr, "tap-read: %s: record of guest %u without its format table\n",
				f->path, r->guest);
			R.status = 1;
			return;
		}
		grt_rt_record(rt, r, it->size);
		grt_rt_flush(rt);
	} else {
		return;
	}
	if (R.json) {
		printf("{\"time\":%lld.%09lld,\"cpu\":%u,\"class\":", (long long)(real / 1000000000),
		       (long long)(real % 1000000000), r->cpu);
		json_str(stdout, class_name(f, r->cls), strlen(class_name(f, r->cls)));
		printf(",\"guest\":%u", r->guest);
		if (r->seq) /* a class store's sequence; local traces have none */
			printf(",\"seq\":%" PRIu64, (uint64_t)r->seq);
		printf(",\"text\":");
		json_str(stdout, R.out.data ? R.out.data : "", R.out.len);
		if (R.msg.len) {
			printf(",\"message\":");
			json_str(stdout, R.msg.data, R.msg.len);
		}
		printf("}\n");
		return;
	}
	if (R.out.len)
		fwrite(R.out.data, 1, R.out.len, stdout);
	if (R.msg.len)
		fwrite(R.msg.data, 1, R.msg.len, stderr);
}

static void usage(FILE *f)
{
	fputs("Usage: tap-read [--json] [--class NAME] [--guest ID] [--from T] [--to T] FILE...\n"
	      "\n"
	      "Print binary taphub traces, merged by timestamp.  T is seconds since the\n"
	      "epoch, or +S: S seconds after the first record.  --json prints one JSON\n"
	      "object per record: time, cpu, class, guest, seq, text.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "class", required_argument, NULL, 'c' },
		{ "guest", required_argument, NULL, 'g' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL;
	double first = 0, tfrom = -1, tto = -1;
	size_t i;
	int c, k;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			R.json = true;
			break;
		case 'c':
			R.cls = optarg;
			break;
		case 'g':
			R.guest = (uint32_t)strtoul(optarg, NULL, 10);
			R.has_guest = true;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	R.nfiles = argc - optind;
	R.files = calloc((size_t)R.nfiles, sizeof(*R.files));
	if (!R.files)
		return 1;
	for (k = 0; k < R.nfiles; k++) {
		struct tfile *f = &R.files[k];
		char err[512];
		uint64_t bad = 0;
		int64_t n;

		f->path = argv[optind + k];
		if (rh_trace_open(f->path, &f->t, err, sizeof(err))) {
			fprintf(stderr, "tap-read: %s\n", err);
			R.status = 1;
			continue;
		}
		f->mono_to_real = rh_trace_hdr(f->t)->mono_to_real_ns;
		R.cur = k;
		n = rh_trace_each(f->t, scan, NULL, &bad);
		if (n == -EBADMSG) {
			/* what came before the damage is printed; say where it stopped */
			fprintf(stderr, "tap-read: %s: damaged or truncated at byte %" PRIu64
					"; reading what came before\n",
				f->path, bad);
			R.status = 1;
		}
	}
	qsort(R.items, R.n, sizeof(*R.items), by_time);
	if (R.n)
		first = (double)((int64_t)R.items[0].r->ts + R.files[R.items[0].file].mono_to_real) / 1e9;
	if (from)
		tfrom = parse_time(from, first);
	if (to)
		tto = parse_time(to, first);
	for (i = 0; i < R.n; i++) {
		const struct item *it = &R.items[i];
		struct tfile *f = &R.files[it->file];
		double t = (double)((int64_t)it->r->ts + f->mono_to_real) / 1e9;

		if ((tfrom >= 0 && t < tfrom) || (tto >= 0 && t > tto))
			continue;
		if (R.has_guest && it->r->guest != R.guest && it->r->fmt != TH_FMT_LOST)
			continue;
		if (R.cls && strcmp(class_name(f, it->r->cls), R.cls))
			continue;
		emit(it);
	}
	for (k = 0; k < R.nfiles; k++) {
		struct tfile *f = &R.files[k];
		int g;

		for (g = 0; g < f->nguests; g++) {
			grt_rt_free(f->guests[g].rt);
			grt_meta_free(f->guests[g].meta);
		}
		for (g = 0; g < TH_MAX_CLASSES; g++)
			free(f->classes[g]);
		rh_trace_close(f->t);
	}
	free(R.items);
	free(R.files);
	grt_buf_free(&R.out);
	grt_buf_free(&R.msg);
	return R.status;
}
