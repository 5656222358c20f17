// SPDX-License-Identifier: MIT
/*
 * The runtime of one loaded guest on the user side: turns its records into
 * text and runs its user-context probes.
 *
 * Records from the kernel are formatted here from the guest's format table
 * (grt_rt_record), never in the kernel.  The special records act: exit()
 * requests the end of the session, a runtime error is handled the way
 * stap handles it, a print of a histogram reads the aggregate from its map
 * and prints it.
 *
 * Runtime errors, as stap: each is reported ("ERROR: division by 0 near
 * operator '/' at f.stp:3:9") and counted; the one that makes the count
 * exceed MAXERRORS (default 0) stops the session in error, and then the
 * error probes run at the end instead of the end probes (and of the
 * printing of unread globals).  With --suppress-handler-errors an error
 * only ends its handler: it is counted, not reported, and never stops the
 * session.
 *
 * The generated user code (guest.so) calls the grt_* functions below for
 * output, runtime errors and context values; arrays and aggregates are in
 * globals.c, the state both share in rt_internal.h.
 *
 * Output is batched in a buffer and handed to the runner's sink callback
 * when it grows past OUT_FLUSH_BYTES, before any message (so an ERROR line
 * comes after the output that preceded it) and on grt_rt_flush().
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <bpf/bpf.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"
#include "guest-runtime/rt_internal.h"

static void msg(struct grt_rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg(struct grt_rt *rt, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	flush(rt);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rt->o.write(rt->o.arg, GRT_MSG, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int grt_rt_new(const struct grt_rt_opts *o, struct grt_rt **ret)
{
	struct grt_rt *rt;
	int i;

	if (!o || o->sz < sizeof(*o) || !o->meta || !o->write)
		return -EINVAL;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->o = *o;
	rt->meta = o->meta;
	rt->desc = o->desc;
	rt->rand = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	rt->uarr = calloc((size_t)rt->meta->nglobals + 1, sizeof(*rt->uarr));
	rt->ustat = calloc((size_t)rt->meta->nglobals + 1, sizeof(*rt->ustat));
	if (!rt->uarr || !rt->ustat)
		goto out_nomem;
	if (o->timing && rt->desc && rt->desc->nprobes) {
		rt->timing = calloc((size_t)rt->desc->nprobes, sizeof(*rt->timing));
		if (!rt->timing)
			goto out_nomem;
	}
	for (i = 0; i < rt->meta->nglobals; i++) {
		const struct grt_meta_global *g = &rt->meta->globals[i];

		if (g->kernel)
			continue;
		if (g->array) {
			struct grt_assoc_spec spec = {
				.nkeys = g->nkeys,
				.valtype = (uint8_t)g->valtype,
				.hist = g->hist,
				.maxentries = (size_t)g->maxentries,
				.maxstrlen = (size_t)rt->meta->strlen,
			};

			memcpy(spec.keytype, g->keytype, sizeof(spec.keytype));
			if (grt_assoc_new(&spec, &rt->uarr[i]) < 0)
				goto out_nomem;
		} else if (g->valtype == GRT_STATS) {
			rt->ustat[i] = calloc(grt_stat_slots(&g->hist), sizeof(int64_t));
			if (!rt->ustat[i])
				goto out_nomem;
			grt_stat_init(rt->ustat[i], &g->hist);
		}
	}
	*ret = rt;
	return 0;
out_nomem:
	grt_rt_free(rt);
	return -ENOMEM;
}

void grt_rt_free(struct grt_rt *rt)
{
	int i;

	if (!rt)
		return;
	flush(rt);
	for (i = 0; rt->meta && i < rt->meta->nglobals; i++) {
		if (rt->uarr)
			grt_assoc_free(rt->uarr[i]);
		if (rt->ustat)
			free(rt->ustat[i]);
	}
	free(rt->uarr);
	free(rt->ustat);
	free(rt->timing);
	free(rt->line);
	for (i = 0; i < rt->nacts; i++)
		free(rt->acts[i].text);
	grt_buf_free(&rt->out);
	grt_fmt_cache_free(&rt->fmts);
	grt_kread_free(rt->kread);
	free(rt);
}

void grt_rt_flush(struct grt_rt *rt)
{
	flush(rt);
}

bool grt_rt_exit_requested(const struct grt_rt *rt)
{
	return rt->exit_req;
}

void grt_rt_request_exit(struct grt_rt *rt)
{
	rt->exit_req = true;
}

int64_t grt_rt_maxstr(const struct grt_rt *rt)
{
	return rt->meta->strlen;
}

int64_t grt_rt_errors(const struct grt_rt *rt)
{
	return rt->errors;
}

struct grt_tokenizer *grt_rt_tokenizer(struct grt_rt *rt)
{
	return &rt->tok;
}

/* ---- system(), printk(), switch_file() -------------------------------------------- */

/*
 * Hand a request to the program (tap, the runner), after what the probes
 * printed before it.  A printk message becomes its kernel log line:
 * "<level>msg\n", stap's KERN_* levels 0-7 (any other: the default).
 */
static void act(struct grt_rt *rt, int kind, int64_t level, const char *text, size_t len)
{
	char line[4200];
	int n;

	if (!rt->o.act)
		return;
	flush(rt);
	if (kind != TH_FMT_PRINTK) {
		rt->o.act(rt->o.arg, kind, text, len);
		return;
	}
	if (level >= 0 && level <= 7)
		n = snprintf(line, sizeof(line), "<%d>%.*s\n", (int)level, (int)len, text);
	else
		n = snprintf(line, sizeof(line), "%.*s\n", (int)len, text);
	if (n > 0)
		rt->o.act(rt->o.arg, kind, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void grt_action(struct grt_uctx *u, int kind, int64_t level, const char *text)
{
	struct grt_rt *rt = u->rt;
	struct action *a;
	char *line = NULL;

	if (u->err || !rt->o.act)
		return;
	if (rt->nacts == MAX_ACTIONS) {
		if (!rt->acts_dropped)
			msg(rt, "WARNING: more than %d system()/printk() requests in one probe run: "
				"the rest are dropped\n", MAX_ACTIONS);
		rt->acts_dropped = true;
		return;
	}
	if (kind == TH_FMT_PRINTK && level >= 0 && level <= 7) {
		if (asprintf(&line, "<%d>%s", (int)level, text) < 0)
			return;
	} else if (!(line = strdup(text ? text : ""))) {
		return;
	}
	a = &rt->acts[rt->nacts++];
	a->kind = kind;
	a->text = line;
}

/* The requests of the user probe that just returned, in order. */
static void run_actions(struct grt_rt *rt)
{
	int i;

	for (i = 0; i < rt->nacts; i++) {
		struct action *a = &rt->acts[i];

		/* the level is in the line already */
		act(rt, a->kind, -1, a->text, strlen(a->text));
		free(a->text);
	}
	rt->nacts = 0;
}

/* ---- errors ----------------------------------------------------------------------- */

static void report_error(struct grt_rt *rt, int64_t site, const char *text)
{
	const struct grt_meta_site *s =
		site >= 0 && site < rt->meta->nsites ? &rt->meta->sites[site] : NULL;

	rt->errors++;
	if (rt->o.suppress_errors)
		return;
	if (!s)
		msg(rt, "ERROR: %s\n", text && *text ? text : "unknown runtime error");
	else if (s->kind == TH_ERR_USER && text && *text)
		msg(rt, "ERROR: %s near %s at %s\n", text, s->near, s->where);
	else
		msg(rt, "ERROR: %s near %s at %s\n", s->msg, s->near, s->where);
	if (rt->errors > rt->o.maxerrors) {
		rt->error_stop = true;
		rt->exit_req = true;
	}
}

void grt_error_report(struct grt_uctx *u)
{
	report_error(u->rt, u->err - 1, u->errmsg);
}

/* error("text") carries its text; every other site its fixed message */
void grt_catch_msg(struct grt_uctx *u, char *dst, size_t max)
{
	const struct grt_meta *m = u->rt->meta;
	int64_t site = u->err - 1;
	const char *text = u->errmsg;

	if (site >= 0 && site < m->nsites && m->sites[site].msg[0])
		text = m->sites[site].msg;
	grt_str_copy(dst, max, text);
}

/* ---- records ----------------------------------------------------------------------- */

static int64_t get_long(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void print_stat_record(struct grt_rt *rt, const unsigned char *a, size_t n)
{
	const struct grt_meta_global *g;
	struct grt_cell key[GRT_MAXKEYS];
	char strs[GRT_MAXKEYS][4096];
	struct grt_uctx u = { .rt = rt };
	int64_t *st;
	size_t off = 8;
	int i;

	if (n < 8)
		return;
	g = global(rt, (int)get_long(a));
	if (!g || g->valtype != GRT_STATS)
		return;
	for (i = 0; i < g->nkeys; i++) {
		if (g->keytype[i] == GRT_STRING) {
			uint16_t len;

			if (off + 2 > n)
				return;
			memcpy(&len, a + off, 2);
			off += 2;
			if (off + len > n || len >= sizeof(strs[i]))
				return;
			memcpy(strs[i], a + off, len);
			strs[i][len] = 0;
			key[i].s = strs[i];
			key[i].l = 0;
			off += len;
		} else {
			if (off + 8 > n)
				return;
			key[i].l = get_long(a + off);
			key[i].s = NULL;
			off += 8;
		}
	}
	st = calloc(grt_stat_slots(&g->hist), sizeof(int64_t));
	if (!st)
		return;
	grt_stat_get_g(&u, g->gid, g->nkeys ? key : NULL, st);
	grt_print_hist_g(&u, g->gid, st);
	free(st);
}

/*
 * A record of a format with process addresses to resolve (usymfileline()
 * printed from a kernel probe): its values decoded, each address made
 * text with the process's files as the record is read (in the hub, which
 * parses no file a user can make, the address in hex, stap's form for an
 * unknown line), then formatted as any values.
 */
static int render_resolved(struct grt_rt *rt, const struct grt_meta_fmt *f,
			   const unsigned char *p, size_t n)
{
	size_t max = (size_t)grt_rt_maxstr(rt), off = 0;
	struct grt_arg a[64];
	char *text[64] = { 0 };
	int i, err = 0;

	for (i = 0; i < f->ntypes && !err; i++) {
		a[i].type = f->types[i];
		if (f->usym[i] >= 0) {
			int64_t pid, addr;

			if (off + 16 > n || !(text[i] = malloc(max))) {
				err = off + 16 > n ? -EBADMSG : -ENOMEM;
				break;
			}
			pid = get_long(p + off);
			addr = get_long(p + off + 8);
			off += 16;
			if (rt->o.user_symbols)
				grt_sym_user(text[i], max, pid, (uint64_t)addr, f->usym[i]);
			else
				snprintf(text[i], max, "0x%" PRIx64, (uint64_t)addr);
			a[i].s = text[i];
			a[i].slen = strlen(text[i]);
		} else if (f->types[i] == GRT_STRING) {
			uint16_t sl;

			if (off + 2 > n) {
				err = -EBADMSG;
				break;
			}
			memcpy(&sl, p + off, 2);
			if (off + 2 + sl > n) {
				err = -EBADMSG;
				break;
			}
			a[i].s = (const char *)p + off + 2;
			a[i].slen = sl;
			off += 2 + (size_t)sl;
		} else {
			if (off + 8 > n) {
				err = -EBADMSG;
				break;
			}
			a[i].l = get_long(p + off);
			off += 8;
		}
	}
	if (!err)
		err = grt_fmt_render(&rt->out, f->fmt, a, f->ntypes);
	for (i = 0; i < f->ntypes; i++)
		free(text[i]);
	return err;
}

static int record(struct grt_rt *rt, const void *rec, size_t len)
{
	const struct th_rec *r = rec;
	const unsigned char *args = (const unsigned char *)rec + sizeof(*r);
	size_t alen;
	int err = 0;

	if (len < sizeof(*r) || r->size < sizeof(*r) || r->size > len)
		return -EBADMSG;
	alen = r->size - sizeof(*r);
	switch (r->fmt) {
	case TH_FMT_EXIT:
		rt->exit_req = true;
		break;
	case TH_FMT_ERROR: {
		char text[4200] = "";
		uint16_t sl = 0;

		if (alen < 10)
			return -EBADMSG;
		memcpy(&sl, args + 8, 2);
		if (10 + (size_t)sl > alen || sl >= sizeof(text))
			return -EBADMSG;
		memcpy(text, args + 10, sl);
		text[sl] = 0;
		report_error(rt, get_long(args), text);
		break;
	}
	case TH_FMT_WARN: {
		uint16_t sl = 0;

		if (alen < 2)
			return -EBADMSG;
		memcpy(&sl, args, 2);
		if (2 + (size_t)sl > alen)
			return -EBADMSG;
		msg(rt, "WARNING: %.*s\n", (int)sl, (const char *)args + 2);
		break;
	}
	case TH_FMT_PRINTSTAT:
		print_stat_record(rt, args, alen);
		break;
	case TH_FMT_STACK: {
		uint64_t ips[TH_MAXBACKTRACE];
		int64_t n, flags;

		if (alen < 24)
			return -EBADMSG;
		n = get_long(args + 16);
		if (n < 0 || n > TH_MAXBACKTRACE || alen < 24 + 8 * (size_t)n)
			return -EBADMSG;
		memcpy(ips, args + 24, 8 * (size_t)n);
		flags = get_long(args);
		grt_stack_print(&rt->out, flags & TH_STACK_USER, rt->o.user_symbols,
				flags & TH_STACK_LINES ? GRT_SYM_FULLER : GRT_SYM_FULL,
				get_long(args + 8), ips, (int)n);
		maybe_flush(rt);
		break;
	}
	case TH_FMT_SYSTEM:
	case TH_FMT_PRINTK: {
		size_t off = r->fmt == TH_FMT_PRINTK ? 8 : 0;
		uint16_t sl = 0;

		if (alen < off + 2)
			return -EBADMSG;
		memcpy(&sl, args + off, 2);
		if (off + 2 + (size_t)sl > alen)
			return -EBADMSG;
		act(rt, r->fmt, off ? get_long(args) : 0, (const char *)args + off + 2, sl);
		break;
	}
	case TH_FMT_SWITCH:
		act(rt, r->fmt, 0, "", 0);
		break;
	default: {
		const struct grt_meta_fmt *f = grt_meta_find_fmt(rt->meta, r->fmt);

		if (!f)
			return -EBADMSG;
		err = f->resolves ? render_resolved(rt, f, args, alen)
				  : grt_fmt_render_packed(&rt->out, f->fmt, args, alen);
		maybe_flush(rt);
	}
	}
	return err;
}

int grt_rt_record(struct grt_rt *rt, const void *rec, size_t len)
{
	int err = record(rt, rec, len);

	/* a record that does not parse is a bug of the writer: say it, once */
	if (err == -EBADMSG && !rt->bad_records++)
		msg(rt, "WARNING: a malformed record was dropped (a bug in tap: please report "
			"it)\n");
	return err;
}

/* ---- user probes ---------------------------------------------------------------------- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void run_probe(struct grt_rt *rt, int index, const char *input)
{
	const struct grt_uprobe *p;
	struct grt_uctx u = { .rt = rt, .input = input };
	int64_t t0 = 0;

	if (!rt->desc || index < 0 || index >= rt->desc->nprobes)
		return;
	p = &rt->desc->probes[index];
	u.pp = p->pp;
	if (rt->timing)
		t0 = mono_ns();
	p->fn(&u);
	/* the handler's own time, as the kernel probes measure theirs: not the flush */
	if (rt->timing)
		th_probe_timing_add(&rt->timing[index], (__u64)(mono_ns() - t0));
	grt_rematch_free(u.rematch);
	maybe_flush(rt);
	/* stap runs them once the probe has returned */
	if (rt->nacts)
		run_actions(rt);
}

void grt_rt_run_one(struct grt_rt *rt, int index)
{
	run_probe(rt, index, NULL);
}

void grt_rt_run_timer(struct grt_rt *rt, int index, uint64_t expirations)
{
	uint64_t i;

	/*
	 * stap's timers are kernel hrtimers: a busy machine delays them but
	 * each period still fires.  A timerfd read late reports the periods
	 * that passed; each is one run, as there, up to a bound so that a
	 * runner stopped for long (SIGSTOP, a debugger) does not replay
	 * minutes of ticks.
	 */
	if (expirations > GRT_TIMER_CATCHUP)
		expirations = GRT_TIMER_CATCHUP;
	for (i = 0; i < expirations && !rt->exit_req; i++)
		run_probe(rt, index, NULL);
}

int grt_rt_probe_timing(const struct grt_rt *rt, int index, struct th_probe_timing *ret)
{
	if (!rt->timing || !rt->desc || index < 0 || index >= rt->desc->nprobes)
		return -ENOENT;
	*ret = rt->timing[index];
	return 0;
}

bool grt_rt_has_input(const struct grt_rt *rt)
{
	int i;

	for (i = 0; rt->desc && i < rt->desc->nprobes; i++)
		if (rt->desc->probes[i].kind == GRT_UP_INPUT)
			return true;
	return false;
}

/* Every input probe of one kind (byte or line), in the script's order. */
static void run_input(struct grt_rt *rt, bool line, const char *value)
{
	int i;

	for (i = 0; i < rt->desc->nprobes && !rt->exit_req && !rt->error_stop; i++)
		if (rt->desc->probes[i].kind == GRT_UP_INPUT &&
		    !!rt->desc->probes[i].input_line == line)
			run_probe(rt, i, value);
}

void grt_rt_input(struct grt_rt *rt, const char *data, size_t len)
{
	size_t keep = rt->meta->strlen > 1 ? (size_t)rt->meta->strlen - 1 : 0, i;
	char byte[2] = { 0 };

	if (!rt->desc || rt->input_done)
		return;
	if (!len) {
		/* as stap: a last line without its newline never runs input.line */
		rt->input_done = true;
		return;
	}
	if (!rt->line) {
		rt->line = malloc(keep + 1);
		if (!rt->line)
			return;
	}
	for (i = 0; i < len; i++) {
		byte[0] = data[i];
		run_input(rt, false, byte);
		if (rt->line_len < keep)
			rt->line[rt->line_len++] = data[i];
		if (data[i] == '\n') {
			rt->line[rt->line_len] = 0;
			run_input(rt, true, rt->line);
			rt->line_len = 0;
		}
	}
}

void grt_rt_run_kind(struct grt_rt *rt, int kind)
{
	const struct grt_uprobe *ps;
	int n, i, j, *order;

	if (!rt->desc)
		return;
	/* a session stopped by errors ends with its error probes, not end ones */
	if (kind == GRT_UP_END && rt->error_stop)
		kind = GRT_UP_ERROR;
	ps = rt->desc->probes;
	n = rt->desc->nprobes;
	order = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!order)
		return;
	/* begin(N) order: by sequence number, then as written (stable) */
	for (i = 0, j = 0; i < n; i++)
		if (ps[i].kind == kind)
			order[j++] = i;
	for (i = 1; i < j; i++) {
		int k = order[i], m = i;

		while (m > 0 && ps[order[m - 1]].seq > ps[k].seq) {
			order[m] = order[m - 1];
			m--;
		}
		order[m] = k;
	}
	for (i = 0; i < j; i++) {
		/* after exit() in begin the remaining begin probes still run, as in
		 * stap; after an error that stops the session they do not */
		if (kind == GRT_UP_BEGIN && rt->error_stop)
			break;
		grt_rt_run_one(rt, order[i]);
	}
	free(order);
}

void grt_rt_autoprint(struct grt_rt *rt)
{
	struct grt_uctx u = { .rt = rt, .pp = "end" };

	/* stap prints them from end probes, which an error stop skips */
	if (rt->error_stop)
		return;
	if (rt->desc && rt->desc->autoprint)
		rt->desc->autoprint(&u);
	flush(rt);
}

/* ---- output from generated code ----------------------------------------------------------- */

void *grt_globals(struct grt_rt *rt)
{
	return rt->o.globals;
}

void grt_printf(struct grt_uctx *u, const char *fmt, const struct grt_arg *a, int n)
{
	struct grt_rt *rt = u->rt;
	struct grt_fmt *f;

	/* an error earlier in the statement: the handler is being aborted */
	if (u->err)
		return;
	if (grt_fmt_cache_get(&rt->fmts, fmt, &f) < 0)
		return;
	grt_fmt_render(&rt->out, f, a, n);
	maybe_flush(rt);
}

void grt_sprintf(struct grt_uctx *u, char *dst, const char *fmt, const struct grt_arg *a, int n)
{
	struct grt_buf b = { 0 };
	size_t max = (size_t)u->rt->meta->strlen - 1;
	struct grt_fmt *f;

	dst[0] = 0;
	if (grt_fmt_cache_get(&u->rt->fmts, fmt, &f) < 0)
		return;
	if (grt_fmt_render(&b, f, a, n) == 0 && b.len) {
		size_t k = b.len < max ? b.len : max;

		memcpy(dst, b.data, k);
		dst[k] = 0;
	}
	grt_buf_free(&b);
}

void grt_exit(struct grt_uctx *u)
{
	u->rt->exit_req = true;
}

void grt_warn(struct grt_uctx *u, const char *m)
{
	msg(u->rt, "WARNING: %s\n", m);
}

/* ---- context values ---------------------------------------------------------------------- */

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t grt_ctx_long(struct grt_uctx *u, int what)
{
	switch (what) {
	case GRT_CV_PID: return getpid();
	case GRT_CV_TID: return gettid();
	case GRT_CV_PPID: return getppid();
	case GRT_CV_UID: return getuid();
	case GRT_CV_GID: return getgid();
	case GRT_CV_EUID: return geteuid();
	case GRT_CV_EGID: return getegid();
	case GRT_CV_CPU: return sched_getcpu();
	case GRT_CV_TARGET: return u->rt->o.target_pid;
	case GRT_CV_GTOD_S: return clock_ns(CLOCK_REALTIME) / 1000000000LL;
	case GRT_CV_GTOD_MS: return clock_ns(CLOCK_REALTIME) / 1000000LL;
	case GRT_CV_GTOD_US: return clock_ns(CLOCK_REALTIME) / 1000LL;
	case GRT_CV_GTOD_NS: return clock_ns(CLOCK_REALTIME);
	case GRT_CV_CLOCK_S: return clock_ns(CLOCK_MONOTONIC) / 1000000000LL;
	case GRT_CV_CLOCK_MS: return clock_ns(CLOCK_MONOTONIC) / 1000000LL;
	case GRT_CV_CLOCK_US: return clock_ns(CLOCK_MONOTONIC) / 1000LL;
	case GRT_CV_CLOCK_NS: return clock_ns(CLOCK_MONOTONIC);
	case GRT_CV_CYCLES: return (int64_t)__builtin_ia32_rdtsc();
	case GRT_CV_NCPUS: return u->rt->o.ncpus;
	/* the user probes run in the process that loaded the guest, as th_cfg.loader_pid says */
	case GRT_CV_STP_PID: return getpid();
	default: return 0;
	}
}

void grt_execname(struct grt_uctx *u, char *dst)
{
	char comm[17] = "";

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	grt_str_copy(dst, (size_t)u->rt->meta->strlen, comm);
}

int64_t grt_randint(struct grt_uctx *u, int64_t n, int64_t site)
{
	uint64_t x = u->rt->rand;

	if (n <= 0 || n > 0xffffffffLL) {
		if (!u->err)
			u->err = site + 1;
		return 0;
	}
	/* xorshift64*: good enough for sampling decisions */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	u->rt->rand = x;
	return (int64_t)((x * 0x2545F4914F6CDD1Dull) >> 32) % n;
}
