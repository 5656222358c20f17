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

#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/record.h"

struct tfile {
	const char *path;
	struct rh_trace *t;
	int64_t mono_to_real;
	int src; /* its tables in the formatter */
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
	struct hub_fmt *fmt;
	int status;
};

static struct reader R;

/* First pass over a file: its tables go to the formatter; the rest are items. */
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
		if (data && hub_fmt_add_guest(R.fmt, f->src, r->guest, data, n, err, sizeof(err))) {
			fprintf(stderr, "tap-read: %s: bad format table of guest %u: %s\n", f->path,
				r->guest, err);
			R.status = 1;
		}
		return 0;
	case TH_FMT_CLASS:
		data = rh_trace_blob_data(rec, len, &n, &aux);
		if (data)
			hub_fmt_set_class(R.fmt, f->src, (int)aux, data, n);
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
	const char *from = NULL, *to = NULL, *cls = NULL;
	struct hub_fmt_opts fo = { .out = stdout, .msgs = stderr };
	double first = 0, tfrom = -1, tto = -1;
	uint32_t guest = 0;
	bool has_guest = false;
	size_t i;
	int c, k;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			fo.json = true;
			break;
		case 'c':
			cls = optarg;
			break;
		case 'g': {
			char *end;

			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			guest = (uint32_t)v;
			if (errno || end == optarg || *end || optarg[0] == '-' || v > UINT32_MAX) {
				fprintf(stderr, "tap-read: --guest expects a guest id, not '%s'\n", optarg);
				return 2;
			}
			has_guest = true;
			break;
		}
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
	if (!R.files || hub_fmt_new(&fo, &R.fmt)) {
		fputs("tap-read: out of memory\n", stderr);
		return 1;
	}
	for (k = 0; k < R.nfiles; k++) {
		struct tfile *f = &R.files[k];
		char err[512];
		uint64_t bad = 0;
		int64_t n;

		f->path = argv[optind + k];
		f->src = hub_fmt_source(R.fmt);
		if (f->src < 0) {
			fprintf(stderr, "tap-read: %s: %s\n", f->path, strerror(-f->src));
			return 1;
		}
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
		} else if (n < 0) {
			fprintf(stderr, "tap-read: %s: %s\n", f->path, strerror((int)-n));
			R.status = 1;
		}
	}
	if (R.n > 1)
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
		if (has_guest && it->r->guest != guest && it->r->fmt != TH_FMT_LOST)
			continue;
		if (cls && strcmp(hub_fmt_class(R.fmt, f->src, it->r->cls), cls))
			continue;
		if (hub_fmt_record(R.fmt, f->src, it->r, it->size, f->mono_to_real) == -ENOENT &&
		    hub_fmt_unformatted(R.fmt) == 1) {
			fprintf(stderr, "tap-read: %s: records of guest %u without its format table\n",
				f->path, it->r->guest);
			R.status = 1;
		}
	}
	/* a full disk or a closed pipe loses what was printed: an error */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tap-read: cannot write the output: %s\n", strerror(errno));
		R.status = 1;
	}
	for (k = 0; k < R.nfiles; k++)
		rh_trace_close(R.files[k].t);
	hub_fmt_free(R.fmt);
	free(R.items);
	free(R.files);
	return R.status;
}
