// SPDX-License-Identifier: MIT
/*
 * The guest meta file: what a loader needs to run a compiled guest
 * without running its native code — record formats, error sites, the
 * globals and their layout, the eBPF programs and where they attach.
 * The compiler writes it (compiler/codegen.c); this file reads it, for
 * tap, the hub and the recovery tools.  The format is line based text,
 * one record per line, strings C-quoted; docs/guest-meta.md describes it.
 *
 * The hub reads meta files that clients send, so the parser trusts
 * nothing: every number is range checked, ids must be dense and in order,
 * and any surprise is an error naming the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-runtime/grt.h"
#include "taphub/record.h"

#define META_MAX_BYTES (8u << 20)
#define META_MAX_ITEMS 100000

struct mp {
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
	int failed;
};

static int __attribute__((format(printf, 2, 3))) bad(struct mp *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->failed++)
		return -EINVAL;
	n = snprintf(m->err, m->errlen, "line %d: ", m->line);
	if (n < 0 || (size_t)n >= m->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(m->err + n, m->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_sp(struct mp *m)
{
	while (m->p < m->end && *m->p == ' ')
		m->p++;
}

static bool at_eol(struct mp *m)
{
	skip_sp(m);
	return m->p >= m->end || *m->p == '\n';
}

/* A bare word up to the next space or newline (malloc'd). */
static char *word(struct mp *m)
{
	const char *s;
	char *w;

	skip_sp(m);
	s = m->p;
	while (m->p < m->end && *m->p != ' ' && *m->p != '\n')
		m->p++;
	if (m->p == s) {
		bad(m, "missing field");
		return NULL;
	}
	w = strndup(s, (size_t)(m->p - s));
	if (!w)
		bad(m, "out of memory");
	return w;
}

static bool num(struct mp *m, int64_t lo, int64_t hi, int64_t *ret)
{
	char buf[32], *end;
	size_t n = 0;
	long long v;

	skip_sp(m);
	while (m->p < m->end && *m->p != ' ' && *m->p != '\n' && n < sizeof(buf) - 1)
		buf[n++] = *m->p++;
	buf[n] = 0;
	if (!n) {
		bad(m, "missing number");
		return false;
	}
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		bad(m, "bad number '%s' (expected %lld..%lld)", buf, (long long)lo, (long long)hi);
		return false;
	}
	*ret = v;
	return true;
}

static bool inum(struct mp *m, int lo, int hi, int *ret)
{
	int64_t v;

	if (!num(m, lo, hi, &v))
		return false;
	*ret = (int)v;
	return true;
}

/* "quoted" with \\ \" \n \t \ooo escapes; *ret_len gets the length. */
static char *quoted(struct mp *m, size_t *ret_len)
{
	char *out, *o;

	skip_sp(m);
	if (m->p >= m->end || *m->p != '"') {
		bad(m, "expected a quoted string");
		return NULL;
	}
	m->p++;
	out = malloc((size_t)(m->end - m->p) + 1);
	if (!out) {
		bad(m, "out of memory");
		return NULL;
	}
	o = out;
	for (;;) {
		if (m->p >= m->end || *m->p == '\n') {
			free(out);
			bad(m, "unterminated string");
			return NULL;
		}
		if (*m->p == '"') {
			m->p++;
			break;
		}
		if (*m->p != '\\') {
			*o++ = *m->p++;
			continue;
		}
		m->p++;
		if (m->p >= m->end)
			continue;
		switch (*m->p) {
		case 'n': *o++ = '\n'; m->p++; break;
		case 't': *o++ = '\t'; m->p++; break;
		case '\\': *o++ = '\\'; m->p++; break;
		case '"': *o++ = '"'; m->p++; break;
		default:
			if (m->end - m->p >= 3 && m->p[0] >= '0' && m->p[0] <= '3' && m->p[1] >= '0' &&
			    m->p[1] <= '7' && m->p[2] >= '0' && m->p[2] <= '7') {
				*o++ = (char)((m->p[0] - '0') * 64 + (m->p[1] - '0') * 8 + (m->p[2] - '0'));
				m->p += 3;
			} else {
				free(out);
				bad(m, "bad escape in string");
				return NULL;
			}
		}
	}
	*o = 0;
	if (ret_len)
		*ret_len = (size_t)(o - out);
	return out;
}

/*
 * Names a loader turns into paths or attach points (class stores, tracefs
 * events) or prints (globals): identifiers only, so a client's meta cannot
 * say "../../x".  first_digit: whether a leading digit is fine.
 */
static bool name_ok(const char *s, size_t max, bool first_digit)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9' && (i || first_digit))))
			return false;
	}
	return i > 0 && i <= max;
}

/* a kernel function: a C name, or a compiler's clone of one (foo.isra.0, foo.cold) */
static bool kfunc_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");

	return n > 0 && n <= 255 && !s[n] && s[0] != '.';
}

static int type_of(char c)
{
	return c == 'l' ? GRT_LONG : c == 's' ? GRT_STRING : c == 'S' ? GRT_STATS : 0;
}

/*
 * A format's user address the reader resolves (guest-meta.md): its letter
 * to its style, -1 for any other letter.
 */
static int usym_of(char c)
{
	return c == 'F' ? GRT_SYM_FILELINE : c == 'P' ? GRT_SYM_FILE : c == 'N' ? GRT_SYM_LINE : -1;
}

/* "ls" / "-" type strings; usym (formats only, else NULL): each value's usym_of */
static int types(struct mp *m, uint8_t *out, int max, bool stats_ok, int8_t *usym)
{
	char *w = word(m);
	int n = 0;

	if (!w)
		return -1;
	if (strcmp(w, "-")) {
		for (n = 0; w[n]; n++) {
			int s = usym ? usym_of(w[n]) : -1;
			/* a resolved address is a string to the format */
			int t = s >= 0 ? GRT_STRING : type_of(w[n]);

			if (n >= max || !t || (t == GRT_STATS && !stats_ok)) {
				free(w);
				bad(m, "bad type list");
				return -1;
			}
			out[n] = (uint8_t)t;
			if (usym)
				usym[n] = (int8_t)s;
		}
	}
	free(w);
	return n;
}

static void *grow(struct mp *m, void *arr, int n, size_t elem)
{
	void *p;

	if (n >= META_MAX_ITEMS) {
		bad(m, "too many items");
		return NULL;
	}
	/* grow in powers of two */
	if (n & (n - 1))
		return arr;
	p = realloc(arr, elem * (size_t)(n ? n * 2 : 1));
	if (!p)
		bad(m, "out of memory");
	return p;
}

static bool parse_global(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_global *x, *arr = grow(m, g->globals, g->nglobals, sizeof(*x));
	int gid, hk;
	int64_t v;
	char *w;

	if (!arr)
		return false;
	g->globals = arr;
	x = &g->globals[g->nglobals];
	memset(x, 0, sizeof(*x));
	if (!inum(m, 0, INT_MAX, &gid))
		return false;
	if (gid != g->nglobals)
		return bad(m, "global id %d out of order", gid), false;
	g->nglobals++;
	x->gid = gid;
	x->name = word(m);
	if (!x->name)
		return false;
	if (!name_ok(x->name, 255, false))
		return bad(m, "bad global name"), false;
	w = word(m);
	if (!w)
		return false;
	x->kernel = !strcmp(w, "k");
	if (strcmp(w, "k") && strcmp(w, "u"))
		bad(m, "bad storage '%s'", w);
	free(w);
	w = word(m);
	if (!w)
		return false;
	x->array = !strcmp(w, "a");
	if (strcmp(w, "a") && strcmp(w, "s"))
		bad(m, "bad shape '%s'", w);
	free(w);
	w = word(m);
	if (!w)
		return false;
	x->valtype = strlen(w) == 1 ? type_of(w[0]) : 0;
	free(w);
	if (!x->valtype)
		return bad(m, "bad value type"), false;
	if (!inum(m, 0, GRT_MAXKEYS, &x->nkeys))
		return false;
	if (types(m, x->keytype, GRT_MAXKEYS, false, NULL) != x->nkeys)
		return bad(m, "key types do not match the key count"), false;
	if (x->array != (x->nkeys > 0))
		return bad(m, "an array needs keys, a scalar none"), false;
	if (!inum(m, 0, 2, &hk))
		return false;
	x->hist.kind = hk;
	if (!num(m, INT64_MIN, INT64_MAX, &x->hist.lo) || !num(m, INT64_MIN, INT64_MAX, &x->hist.hi) ||
	    !num(m, 0, INT64_MAX, &x->hist.step))
		return false;
	/* unsigned: hi - lo overflows a signed long for extreme bounds */
	if (hk == TH_HIST_LINEAR &&
	    (x->hist.step <= 0 || x->hist.hi <= x->hist.lo ||
	     ((uint64_t)x->hist.hi - (uint64_t)x->hist.lo) / (uint64_t)x->hist.step >
		     TH_HIST_LINEAR_MAX_BUCKETS - 3))
		return bad(m, "bad linear histogram"), false;
	if (hk && x->valtype != GRT_STATS)
		return bad(m, "histogram on a non-aggregate"), false;
	if (!num(m, 1, GRT_MAX_MAP_ENTRIES, &x->maxentries))
		return false;
	if (!num(m, 0, 1, &v))
		return false;
	x->autoprint = v;
	if (!num(m, 0, 1, &v))
		return false;
	x->wrap = v;
	/* VSHIFT, optional (older metas end before it): -1, or @variance's bit shift */
	if (!at_eol(m)) {
		if (!num(m, -1, 62, &v))
			return false;
		if (v >= 0 && x->valtype != GRT_STATS)
			return bad(m, "@variance on a non-aggregate"), false;
		x->hist.variance = v >= 0;
		x->hist.vshift = v >= 0 ? (int)v : 0;
	}
	return true;
}

static bool parse_fmt(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_fmt *f, *arr = grow(m, g->fmts, g->nfmts, sizeof(*f));
	char err[160];
	size_t off;
	int id, i;

	if (!arr)
		return false;
	g->fmts = arr;
	f = &g->fmts[g->nfmts];
	memset(f, 0, sizeof(*f));
	if (!inum(m, TH_FMT_FIRST, 65535, &id))
		return false;
	if (id != TH_FMT_FIRST + g->nfmts)
		return bad(m, "format id %d out of order", id), false;
	g->nfmts++;
	f->id = id;
	f->ntypes = types(m, f->types, 64, false, f->usym);
	if (f->ntypes < 0)
		return false;
	for (i = 0; i < f->ntypes; i++)
		f->resolves |= f->usym[i] >= 0;
	f->text = quoted(m, &f->len);
	if (!f->text)
		return false;
	if (grt_fmt_compile(f->text, f->len, &f->fmt, err, sizeof(err), &off) < 0)
		return bad(m, "bad format: %s", err), false;
	if (grt_fmt_nargs(f->fmt) != f->ntypes)
		return bad(m, "format takes %d values, %d types given", grt_fmt_nargs(f->fmt),
			   f->ntypes), false;
	for (i = 0; i < f->ntypes; i++)
		if (grt_fmt_argtype(f->fmt, i) != f->types[i])
			return bad(m, "format value %d has the wrong type", i + 1), false;
	return true;
}

static bool parse_site(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_site *s, *arr = grow(m, g->sites, g->nsites, sizeof(*s));
	int id;

	if (!arr)
		return false;
	g->sites = arr;
	s = &g->sites[g->nsites];
	memset(s, 0, sizeof(*s));
	if (!inum(m, 0, INT_MAX, &id))
		return false;
	if (id != g->nsites)
		return bad(m, "site id %d out of order", id), false;
	g->nsites++;
	s->id = id;
	if (!inum(m, 0, 64, &s->kind))
		return false;
	s->msg = quoted(m, NULL);
	if (!s->msg)
		return false;
	s->near = quoted(m, NULL);
	if (!s->near)
		return false;
	s->where = quoted(m, NULL);
	return s->where != NULL;
}

/* HEX: 1 to 8 bytes, what a uprobe's offset held when the script was compiled */
static bool ucheck(struct mp *m, unsigned char *check, int *ncheck)
{
	char *w = word(m);
	size_t n = w ? strlen(w) : 0, i;
	bool ok = n >= 2 && n <= 16 && n % 2 == 0 && strspn(w, "0123456789abcdef") == n;

	for (i = 0; ok && i < n / 2; i++) {
		unsigned v;

		sscanf(w + 2 * i, "%2x", &v);
		check[i] = (unsigned char)v;
	}
	*ncheck = ok ? (int)(n / 2) : 0;
	free(w);
	if (!ok && w)
		bad(m, "bad uprobe check bytes");
	return ok;
}

static bool parse_prog(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_prog *p, *arr = grow(m, g->progs, g->nprogs, sizeof(*p));
	char *kind;
	int64_t v;

	if (!arr)
		return false;
	g->progs = arr;
	p = &g->progs[g->nprogs++];
	memset(p, 0, sizeof(*p));
	p->name = word(m);
	if (!p->name)
		return false;
	/* th_pN, th_qN (the stash of th_pN's format fields), or a syscall dispatcher */
	/* th_up*: the programs of process lifecycle probes (codegen_uproc.c) */
	if (strcmp(p->name, "th_sysenter") && strcmp(p->name, "th_sysexit") &&
	    strcmp(p->name, "th_upfork") && strcmp(p->name, "th_upbegin") &&
	    strcmp(p->name, "th_upexec") && strcmp(p->name, "th_upexit") &&
	    strcmp(p->name, "th_upfree") &&
	    ((strncmp(p->name, "th_p", 4) && strncmp(p->name, "th_q", 4)) || !name_ok(p->name + 4, 10, true) ||
	     strspn(p->name + 4, "0123456789") != strlen(p->name + 4)))
		return bad(m, "bad program name"), false;
	kind = word(m);
	if (!kind)
		return false;
	if (!strcmp(kind, "syscall")) {
		char *dir = word(m);

		p->kind = GRT_PROG_SYSCALL;
		if (!dir) {
			free(kind);
			return false;
		}
		p->exit = !strcmp(dir, "exit");
		if (strcmp(dir, "exit") && strcmp(dir, "enter"))
			bad(m, "bad syscall direction");
		free(dir);
		if (!num(m, 0, 4095, &p->nr))
			goto fail;
	} else if (!strcmp(kind, "rawtp")) {
		p->kind = GRT_PROG_RAWTP;
		p->event = word(m);
		if (!p->event)
			goto fail;
		if (!name_ok(p->event, 255, true)) {
			bad(m, "bad event name");
			goto fail;
		}
	} else if (!strcmp(kind, "tp")) {
		p->kind = GRT_PROG_TP;
		p->subsys = word(m);
		p->event = p->subsys ? word(m) : NULL;
		if (!p->event)
			goto fail;
		if (!name_ok(p->subsys, 255, true) || !name_ok(p->event, 255, true)) {
			bad(m, "bad tracepoint name");
			goto fail;
		}
	} else if (!strcmp(kind, "kfunc")) {
		p->kind = GRT_PROG_KFUNC;
		p->subsys = word(m);
		p->event = p->subsys ? word(m) : NULL;
		if (!p->event)
			goto fail;
		if ((strcmp(p->subsys, "fentry") && strcmp(p->subsys, "fexit") &&
		     strcmp(p->subsys, "kprobe") && strcmp(p->subsys, "kretprobe") &&
		     strcmp(p->subsys, "kprobe.multi") && strcmp(p->subsys, "kretprobe.multi") &&
		     strcmp(p->subsys, "lsm")) ||
		    !kfunc_name_ok(p->event)) {
			bad(m, "bad kernel function program");
			goto fail;
		}
	} else if (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe")) {
		p->kind = GRT_PROG_UPROBE;
		p->exit = kind[1] == 'r';
		p->event = quoted(m, NULL);
		if (!p->event)
			goto fail;
		if (p->event[0] != '/') {
			bad(m, "uprobe path is not absolute");
			goto fail;
		}
		if (!num(m, 0, INT64_MAX, &p->uoff) || !num(m, 0, INT64_MAX, &p->uref))
			goto fail;
		if (!ucheck(m, p->ucheck, &p->nucheck))
			goto fail;
	} else if (!strcmp(kind, "perf") || !strcmp(kind, "perftask")) {
		p->kind = GRT_PROG_PERF;
		p->task = kind[4] == 't';
		if (!num(m, 0, 5, &v))
			goto fail;
		p->perf_type = (int)v;
		if (!num(m, 0, INT64_MAX, &p->perf_config) || !num(m, 1, INT64_MAX, &p->sample) ||
		    !num(m, 0, 1, &v))
			goto fail;
		p->freq = v;
	} else if (!strcmp(kind, "bp")) {
		/* bp w|rw LEN HEXADDR "SYMBOL" (0 and a symbol: the loader looks it up) */
		char *rw = word(m), *hex, *end;
		bool ok = rw && (!strcmp(rw, "rw") || !strcmp(rw, "w"));

		p->kind = GRT_PROG_BP;
		p->bp_rw = ok && !strcmp(rw, "rw");
		free(rw);
		if (!ok) {
			bad(m, "bad breakpoint type");
			goto fail;
		}
		if (!inum(m, 1, 8, &p->bp_len))
			goto fail;
		if (p->bp_len & (p->bp_len - 1)) {
			bad(m, "bad breakpoint length");
			goto fail;
		}
		hex = word(m);
		errno = 0;
		p->bp_addr = hex ? strtoull(hex, &end, 16) : 0;
		ok = hex && *hex && !*end && !errno;
		free(hex);
		if (!ok) {
			bad(m, "bad breakpoint address");
			goto fail;
		}
		p->event = quoted(m, NULL);
		if (!p->event)
			goto fail;
		if (!p->bp_addr && !name_ok(p->event, 255, false)) {
			bad(m, "bad breakpoint symbol");
			goto fail;
		}
	} else if (!strcmp(kind, "netfilter")) {
		/* the kernel checks the family and hook; these bounds keep them ints */
		p->kind = GRT_PROG_NETFILTER;
		if (!inum(m, 0, 255, &p->nf_pf) || !inum(m, 0, 255, &p->nf_hook) ||
		    !inum(m, INT_MIN, INT_MAX, &p->nf_prio))
			goto fail;
	} else {
		bad(m, "unknown program kind '%s'", kind);
		goto fail;
	}
	free(kind);
	if (!inum(m, 0, TH_MAX_CLASSES - 1, &p->cls))
		return false;
	p->pp = quoted(m, NULL);
	return p->pp != NULL;
fail:
	free(kind);
	return false;
}

static bool is_kmulti(const struct grt_meta_prog *p)
{
	return p->kind == GRT_PROG_KFUNC && strstr(p->subsys, ".multi");
}

/* kfn NAME: one more function of the kprobe_multi program just before */
static bool parse_kfn(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_prog *p = g->nprogs ? &g->progs[g->nprogs - 1] : NULL;
	char **arr;

	if (!p || !is_kmulti(p))
		return bad(m, "kfn without a kprobe_multi program before it"), false;
	arr = grow(m, p->funcs, p->nfuncs, sizeof(*arr));
	if (!arr)
		return false;
	p->funcs = arr;
	p->funcs[p->nfuncs] = word(m);
	if (!p->funcs[p->nfuncs])
		return false;
	if (!kfunc_name_ok(p->funcs[p->nfuncs++]))
		return bad(m, "bad kernel function name"), false;
	return true;
}

/* upt "PATH" OFF REF CHECK "PP": one more point of the uprobe program just before */
static bool parse_upt(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_prog *p = g->nprogs ? &g->progs[g->nprogs - 1] : NULL;
	struct grt_meta_upoint *arr, *u;

	if (!p || p->kind != GRT_PROG_UPROBE)
		return bad(m, "upt without a uprobe program before it"), false;
	arr = grow(m, p->upts, p->nupts, sizeof(*arr));
	if (!arr)
		return false;
	p->upts = arr;
	u = &p->upts[p->nupts++];
	memset(u, 0, sizeof(*u));
	u->path = quoted(m, NULL);
	if (!u->path)
		return false;
	if (u->path[0] != '/')
		return bad(m, "uprobe path is not absolute"), false;
	if (!num(m, 0, INT64_MAX, &u->uoff) || !num(m, 0, INT64_MAX, &u->uref) ||
	    !ucheck(m, u->ucheck, &u->nucheck))
		return false;
	u->pp = quoted(m, NULL);
	return u->pp != NULL;
}

/*
 * mark FMT "PROVIDER" "NAME": the uprobe program just before is a no-trap
 * marker's (include/taphub/marker.h) that writes its records, of format
 * FMT, itself while a session enables it.
 */
static bool parse_mark(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_prog *p = g->nprogs ? &g->progs[g->nprogs - 1] : NULL;

	if (!p || p->kind != GRT_PROG_UPROBE || p->exit || p->mark_fmt || !p->uref)
		return bad(m, "mark without a marker's uprobe program before it"), false;
	if (!inum(m, TH_FMT_FIRST, 65535, &p->mark_fmt))
		return false;
	p->mark_provider = quoted(m, NULL);
	p->mark_name = p->mark_provider ? quoted(m, NULL) : NULL;
	if (!p->mark_name)
		return false;
	if (!p->mark_provider[0] || strlen(p->mark_provider) >= 64 || !p->mark_name[0] ||
	    strlen(p->mark_name) >= 64)
		return bad(m, "bad marker name"), false;
	return true;
}

/* tail NAME enter|exit NR */
static bool parse_tail(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_tail *t, *arr = grow(m, g->tails, g->ntails, sizeof(*t));
	char *dir;
	int64_t nr;

	if (!arr)
		return false;
	g->tails = arr;
	t = &g->tails[g->ntails++];
	memset(t, 0, sizeof(*t));
	t->name = word(m);
	if (!t->name)
		return false;
	if ((strncmp(t->name, "th_se", 5) && strncmp(t->name, "th_sx", 5)) ||
	    !name_ok(t->name + 5, 5, true) || strspn(t->name + 5, "0123456789") != strlen(t->name + 5))
		return bad(m, "bad tail program name"), false;
	dir = word(m);
	if (!dir)
		return false;
	t->exit = !strcmp(dir, "exit");
	if (strcmp(dir, "exit") && strcmp(dir, "enter")) {
		free(dir);
		return bad(m, "bad syscall direction"), false;
	}
	free(dir);
	if (!num(m, 0, 1023, &nr))
		return false;
	t->nr = (int)nr;
	return true;
}

/* timing k|u SLOT "pp" "file:line:col" "derivation" */
static bool parse_timing(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_timing *t, *arr = grow(m, g->timings, g->ntimings, sizeof(*t));
	char *kind;

	if (!arr)
		return false;
	g->timings = arr;
	t = &g->timings[g->ntimings++];
	memset(t, 0, sizeof(*t));
	kind = word(m);
	if (!kind)
		return false;
	t->kernel = !strcmp(kind, "k");
	if (strcmp(kind, "k") && strcmp(kind, "u")) {
		free(kind);
		return bad(m, "bad timing kind"), false;
	}
	free(kind);
	if (!inum(m, 0, 1 << 20, &t->slot))
		return false;
	t->pp = quoted(m, NULL);
	t->where = t->pp ? quoted(m, NULL) : NULL;
	t->from = t->where ? quoted(m, NULL) : NULL;
	return t->from != NULL;
}

/* uproc BIT file "PATH" | uproc BIT pid PID | uproc BIT tree */
static bool parse_uproc(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_uproc *u, *arr = grow(m, g->uprocs, g->nuprocs, sizeof(*u));
	char *kind;
	int i;

	if (!arr)
		return false;
	g->uprocs = arr;
	u = &g->uprocs[g->nuprocs++];
	memset(u, 0, sizeof(*u));
	if (!inum(m, 0, TH_UPROC_MAX_FILTERS - 1, &u->bit))
		return false;
	for (i = 0; i < g->nuprocs - 1; i++)
		if (g->uprocs[i].bit == u->bit)
			return bad(m, "uproc bit %d given twice", u->bit), false;
	kind = word(m);
	if (!kind)
		return false;
	if (!strcmp(kind, "file")) {
		u->kind = GRT_UPROC_FILE;
		u->path = quoted(m, NULL);
		if (u->path && u->path[0] != '/')
			bad(m, "uproc path is not absolute");
	} else if (!strcmp(kind, "pid")) {
		u->kind = GRT_UPROC_PID;
		num(m, 1, INT32_MAX, &u->pid);
	} else if (!strcmp(kind, "tree")) {
		u->kind = GRT_UPROC_TREE;
	} else {
		bad(m, "unknown uproc filter '%s'", kind);
	}
	free(kind);
	return !m->failed;
}

/* perfexe K "PATH" (K: the next one; PATH "" or absolute) */
static bool parse_perfexe(struct mp *m, struct grt_meta *g)
{
	char **arr = grow(m, g->perfexes, g->nperfexes, sizeof(*arr));
	int k;

	if (!arr)
		return false;
	g->perfexes = arr;
	if (!inum(m, 0, TH_PERF_MAX_EXES - 1, &k))
		return false;
	if (k != g->nperfexes)
		return bad(m, "perfexe %d out of order", k), false;
	arr[g->nperfexes] = quoted(m, NULL);
	if (!arr[g->nperfexes])
		return false;
	/* "": a program not found when compiled, which no process runs */
	if (arr[g->nperfexes][0] && arr[g->nperfexes][0] != '/')
		return g->nperfexes++, bad(m, "perfexe path is not absolute"), false;
	g->nperfexes++;
	return true;
}

/* perfctr K TYPE CONFIG "NAME" "PATH" "PP" (K: the next one; PATH "" or absolute) */
static bool parse_perfctr(struct mp *m, struct grt_meta *g)
{
	struct grt_meta_perfctr *c, *arr = grow(m, g->perfctrs, g->nperfctrs, sizeof(*c));
	int k;

	if (!arr)
		return false;
	g->perfctrs = arr;
	c = &arr[g->nperfctrs++];
	memset(c, 0, sizeof(*c));
	if (!inum(m, 0, TH_PERF_MAX_COUNTERS - 1, &k))
		return false;
	if (k != g->nperfctrs - 1)
		return bad(m, "perfctr %d out of order", k), false;
	if (!inum(m, 0, 5, &c->type) || !num(m, 0, INT64_MAX, &c->config))
		return false;
	c->name = quoted(m, NULL);
	c->path = c->name ? quoted(m, NULL) : NULL;
	c->pp = c->path ? quoted(m, NULL) : NULL;
	if (!c->pp)
		return false;
	if (c->path[0] && c->path[0] != '/')
		return bad(m, "perfctr path is not absolute"), false;
	return true;
}

int grt_meta_parse(const char *text, size_t len, struct grt_meta **ret, char *err, size_t errlen)
{
	struct mp m = { .p = text, .end = text + len, .line = 1, .err = err, .errlen = errlen };
	struct grt_meta *g;
	bool seen_end = false, ok = true;
	char dummy[1];
	int i;

	if (!err || !errlen) {
		m.err = dummy;
		m.errlen = sizeof(dummy);
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->maxstr = 128;
	if (len < 15 || memcmp(text, "taphub-guest 1\n", 15)) {
		bad(&m, "not a taphub guest meta file (version 1)");
		goto fail;
	}
	m.p += 15;
	m.line = 2;
	while (ok && m.p < m.end && !seen_end) {
		char *kw = word(&m);

		if (!kw)
			goto fail;
		if (!strcmp(kw, "maxstr")) {
			ok = num(&m, 16, 4096, &g->maxstr);
			if (ok && (g->maxstr & (g->maxstr - 1)))
				ok = !bad(&m, "maxstr must be a power of two");
		} else if (!strcmp(kw, "strlen")) {
			ok = num(&m, 2, 4096, &g->strlen);
		} else if (!strcmp(kw, "maxaction")) {
			ok = num(&m, 1, INT64_MAX, &g->maxaction);
		} else if (!strcmp(kw, "handlers")) {
			ok = num(&m, 1, 100000, &g->nhandlers);
		} else if (!strcmp(kw, "maxmapentries")) {
			ok = num(&m, 1, INT64_MAX, &g->maxmapentries);
		} else if (!strcmp(kw, "bpf") || !strcmp(kw, "so")) {
			int64_t v;

			ok = num(&m, 0, 1, &v);
			if (kw[0] == 'b')
				g->has_bpf = v;
			else
				g->has_so = v;
		} else if (!strcmp(kw, "classes")) {
			if (g->classes)
				ok = !bad(&m, "classes given twice");
			else
				ok = inum(&m, 1, TH_MAX_CLASSES, &g->nclasses);
			if (ok) {
				g->classes = calloc((size_t)g->nclasses, sizeof(char *));
				ok = g->classes != NULL;
			}
			for (i = 0; ok && i < g->nclasses; i++) {
				int j;

				ok = (g->classes[i] = word(&m)) != NULL;
				if (ok && !name_ok(g->classes[i], 64, false))
					ok = !bad(&m, "bad class name");
				for (j = 0; ok && j < i; j++)
					if (!strcmp(g->classes[i], g->classes[j]))
						ok = !bad(&m, "class %s given twice", g->classes[i]);
			}
		} else if (!strcmp(kw, "global")) {
			ok = parse_global(&m, g);
		} else if (!strcmp(kw, "fmt")) {
			ok = parse_fmt(&m, g);
		} else if (!strcmp(kw, "site")) {
			ok = parse_site(&m, g);
		} else if (!strcmp(kw, "prog")) {
			ok = parse_prog(&m, g);
		} else if (!strcmp(kw, "kfn")) {
			ok = parse_kfn(&m, g);
		} else if (!strcmp(kw, "upt")) {
			ok = parse_upt(&m, g);
		} else if (!strcmp(kw, "mark")) {
			ok = parse_mark(&m, g);
		} else if (!strcmp(kw, "tail")) {
			ok = parse_tail(&m, g);
		} else if (!strcmp(kw, "timing")) {
			ok = parse_timing(&m, g);
		} else if (!strcmp(kw, "uproc")) {
			ok = parse_uproc(&m, g);
		} else if (!strcmp(kw, "perfexe")) {
			ok = parse_perfexe(&m, g);
		} else if (!strcmp(kw, "perfctr")) {
			ok = parse_perfctr(&m, g);
		} else if (!strcmp(kw, "end")) {
			seen_end = true;
		} else {
			bad(&m, "unknown keyword '%s'", kw);
			ok = false;
		}
		free(kw);
		if (ok && !m.failed && !at_eol(&m))
			ok = !bad(&m, "trailing text");
		if (m.failed)
			ok = false;
		if (ok && m.p < m.end)
			m.p++; /* newline */
		m.line++;
	}
	if (!ok || m.failed)
		goto fail;
	if (!seen_end) {
		bad(&m, "truncated: no 'end' line");
		goto fail;
	}
	if (!g->nclasses) {
		bad(&m, "no classes");
		goto fail;
	}
	/* strlen came with MAXSTRINGLEN that is not a power of two; older metas lack it */
	if (!g->strlen)
		g->strlen = g->maxstr;
	if (g->strlen > g->maxstr) {
		bad(&m, "strlen %lld is larger than maxstr %lld", (long long)g->strlen,
		    (long long)g->maxstr);
		goto fail;
	}
	for (i = 0; i < g->nprogs; i++) {
		if (g->progs[i].cls >= g->nclasses) {
			bad(&m, "program %s uses class %d of %d", g->progs[i].name, g->progs[i].cls,
			    g->nclasses);
			goto fail;
		}
		if (is_kmulti(&g->progs[i]) && !g->progs[i].nfuncs) {
			bad(&m, "program %s has no functions", g->progs[i].name);
			goto fail;
		}
	}
	*ret = g;
	return 0;
fail:
	grt_meta_free(g);
	return -EINVAL;
}

int grt_meta_load(const char *path, struct grt_meta **ret, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int r = grt_read_file(path, META_MAX_BYTES, &buf, &len);

	if (r == -EINVAL || r == -EFBIG) {
		snprintf(err, errlen, "%s: %s", path,
			 r == -EFBIG ? "too large" : "not a regular file");
		return r;
	}
	if (r) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	r = grt_meta_parse(buf, len, ret, err, errlen);
	free(buf);
	return r;
}

void grt_meta_free(struct grt_meta *g)
{
	int i, j;

	if (!g)
		return;
	for (i = 0; g->classes && i < g->nclasses; i++)
		free(g->classes[i]);
	free(g->classes);
	for (i = 0; i < g->nglobals; i++)
		free(g->globals[i].name);
	free(g->globals);
	for (i = 0; i < g->nfmts; i++) {
		free(g->fmts[i].text);
		grt_fmt_free(g->fmts[i].fmt);
	}
	free(g->fmts);
	for (i = 0; i < g->nsites; i++) {
		free(g->sites[i].msg);
		free(g->sites[i].near);
		free(g->sites[i].where);
	}
	free(g->sites);
	for (i = 0; i < g->nprogs; i++) {
		free(g->progs[i].name);
		free(g->progs[i].subsys);
		free(g->progs[i].event);
		free(g->progs[i].mark_provider);
		free(g->progs[i].mark_name);
		free(g->progs[i].pp);
		for (j = 0; j < g->progs[i].nfuncs; j++)
			free(g->progs[i].funcs[j]);
		free(g->progs[i].funcs);
		for (j = 0; j < g->progs[i].nupts; j++) {
			free(g->progs[i].upts[j].path);
			free(g->progs[i].upts[j].pp);
		}
		free(g->progs[i].upts);
	}
	free(g->progs);
	for (i = 0; i < g->ntails; i++)
		free(g->tails[i].name);
	free(g->tails);
	for (i = 0; i < g->nuprocs; i++)
		free(g->uprocs[i].path);
	free(g->uprocs);
	for (i = 0; i < g->nperfexes; i++)
		free(g->perfexes[i]);
	free(g->perfexes);
	for (i = 0; i < g->nperfctrs; i++) {
		free(g->perfctrs[i].name);
		free(g->perfctrs[i].path);
		free(g->perfctrs[i].pp);
	}
	free(g->perfctrs);
	for (i = 0; i < g->ntimings; i++) {
		free(g->timings[i].pp);
		free(g->timings[i].where);
		free(g->timings[i].from);
	}
	free(g->timings);
	free(g);
}

const struct grt_meta_fmt *grt_meta_find_fmt(const struct grt_meta *m, int id)
{
	int i = id - TH_FMT_FIRST;

	return i >= 0 && i < m->nfmts ? &m->fmts[i] : NULL;
}

size_t grt_meta_key_size(const struct grt_meta *m, const struct grt_meta_global *g)
{
	size_t n = 0;
	int i;

	for (i = 0; i < g->nkeys; i++)
		n += g->keytype[i] == GRT_STRING ? (size_t)m->maxstr : 8;
	return n;
}

size_t grt_meta_val_size(const struct grt_meta *m, const struct grt_meta_global *g)
{
	if (g->valtype == GRT_STRING)
		return (size_t)m->maxstr;
	if (g->valtype == GRT_STATS)
		return grt_stat_slots(&g->hist) * 8;
	return 8;
}
