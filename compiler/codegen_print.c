// SPDX-License-Identifier: MIT
/*
 * codegen_print.c - print, printf and sprintf in both contexts, and histograms.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- printing ---------------------------------------------------------------------------- */

/* A format for print/println/printd from the argument types. */
char *cg_print_format(struct gen *G, struct cc_node *call, int first, const char *delim,
		      bool newline, int *types, int *ntypes)
{
	char *f = cc_strdup(G->cx->arena, "");
	int i;

	*ntypes = 0;
	for (i = first; i < call->nargs; i++) {
		struct cc_node *a = call->args[i];

		if (i > first && delim)
			f = cg_fmt(G, "%s%s", f, delim);
		f = cg_fmt(G, "%s%s", f, a->type == TY_STRING ? "%s" : "%d");
		types[(*ntypes)++] = a->type == TY_STRING ? TY_STRING : TY_LONG;
	}
	if (newline)
		f = cg_fmt(G, "%s\n", f);
	return f;
}

char *cg_escape_pct(struct gen *G, const char *s, size_t n)
{
	char *o = cc_alloc(G->cx->arena, n * 2 + 1), *p = o;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%')
			*p++ = '%';
		*p++ = s[i];
	}
	*p = 0;
	return o;
}

/*
 * usymfileline(a), usymfile(a), usymline(a) as a value printed from a
 * kernel probe: the reader makes its text from the process's files (a
 * probe has no DWARF to read), so the record carries the process id and
 * the address; anywhere else in a kernel probe they are the address in
 * hex.  The value's format type (enum cc_fmt_usym), or 0.
 */
static int usym_value(const struct cc_node *a)
{
	if (a->kind != N_CALL || a->func)
		return 0;
	switch (a->builtin) {
	case B_USYMFILELINE: return CC_FMT_USYM_FILELINE;
	case B_USYMFILE: return CC_FMT_USYM_FILE;
	case B_USYMLINE: return CC_FMT_USYM_LINE;
	default: return 0;
	}
}

/* printf in kernel context: a record into the unit's class ring. */
const char *cg_kprintf(struct gen *G, const char *f, size_t flen, struct cc_node **args, int nargs,
		       const int *types)
{
	int ftypes[64], id, slots = 0;
	char *code = cc_strdup(G->cx->arena, "({");
	bool strings = false;
	size_t size = sizeof(struct th_rec);
	int i, u = cg_uniq(G);

	for (i = 0; i < nargs; i++) {
		ftypes[i] = types[i] == TY_STRING && usym_value(args[i]) ? usym_value(args[i]) : types[i];
		if (ftypes[i] >= CC_FMT_USYM_FILELINE) {
			/* the process and the address: two longs */
			size += 16;
			code = cg_fmt(G,
				      "%s __s64 a%d_%d = (__s64)(bpf_get_current_pid_tgid() >> 32);"
				      " __s64 b%d_%d = %s;",
				      code, u, i, u, i, cg_ex(G, args[i]->args[0]));
		} else if (types[i] == TY_STRING) {
			strings = true;
			size += 2 + (size_t)G->cx->lim.maxstringlen;
			code = cg_fmt(G, "%s const char *a%d_%d = %s;", code, u, i, cg_ex(G, args[i]));
		} else {
			size += 8;
			code = cg_fmt(G, "%s __s64 a%d_%d = %s;", code, u, i, cg_ex(G, args[i]));
		}
	}
	id = cg_add_fmt(G, f, flen, ftypes, nargs);
	/* after an error in the same statement the handler is aborting: emit nothing */
	code = cg_fmt(G, "%s if (!H->err) {", code);
	if (!strings) {
		code = cg_fmt(G, "%s struct th_rec *r%d = th_reserve(%d, %zu, %d); if (r%d) {", code, u,
			   G->cls, size, id, u);
		for (i = 0; i < nargs; i++) {
			code = cg_fmt(G, "%s ((__s64 *)(r%d + 1))[%d] = a%d_%d;", code, u, slots++, u, i);
			if (ftypes[i] >= CC_FMT_USYM_FILELINE)
				code = cg_fmt(G, "%s ((__s64 *)(r%d + 1))[%d] = b%d_%d;", code, u,
					      slots++, u, i);
		}
		return cg_fmt(G, "%s th_commit(%d, r%d, false); } } 0; })", code, G->cls, u);
	}
	if (size > G->recmax)
		G->recmax = size;
	code = cg_fmt(G,
		      "%s __u32 o%d = sizeof(struct th_rec); th_rec_header((struct th_rec "
		      "*)F->rec, 0, %d, %d);",
		      code, u, id, G->cls);
	for (i = 0; i < nargs; i++) {
		if (ftypes[i] >= CC_FMT_USYM_FILELINE)
			code = cg_fmt(G,
				      "%s th_put_long(F->rec, &o%d, TH_RECMASK, a%d_%d);"
				      " th_put_long(F->rec, &o%d, TH_RECMASK, b%d_%d);",
				      code, u, u, i, u, u, i);
		else if (types[i] == TY_STRING)
			code = cg_fmt(G, "%s th_put_str(F->rec, &o%d, TH_RECMASK, a%d_%d);", code, u, u, i);
		else
			code = cg_fmt(G, "%s th_put_long(F->rec, &o%d, TH_RECMASK, a%d_%d);", code, u, u,
				      i);
	}
	return cg_fmt(G, "%s th_output_rec(%d, F->rec, o%d, false); } 0; })", code, G->cls, u);
}

const char *cg_uprintf(struct gen *G, const char *f, size_t flen, struct cc_node **args, int nargs,
		       const int *types, const char *sdst)
{
	char *code = cc_strdup(G->cx->arena, "({");
	int i, u = cg_uniq(G);

	code = cg_fmt(G, "%s struct grt_arg a%d[%d] = {", code, u, nargs ? nargs : 1);
	for (i = 0; i < nargs; i++) {
		if (types[i] == TY_STRING) {
			int v = cg_uniq(G);

			/* strlen once: the arg needs the length */
			code = cg_fmt(G, "%s { .type = GRT_STRING, .s = %s },", code, cg_ex(G, args[i]));
			(void)v;
		} else {
			code = cg_fmt(G, "%s { .type = GRT_LONG, .l = %s },", code, cg_ex(G, args[i]));
		}
	}
	code = cg_fmt(G, "%s };", code);
	for (i = 0; i < nargs; i++)
		if (types[i] == TY_STRING)
			code = cg_fmt(G, "%s a%d[%d].slen = strlen(a%d[%d].s);", code, u, i, u, i);
	if (sdst)
		return cg_fmt(G, "%s grt_sprintf(U, %s, %s, a%d, %d); %s; })", code, sdst,
			   cg_cquote(G, f, flen), u, nargs, sdst);
	return cg_fmt(G, "%s grt_printf(U, %s, a%d, %d); 0; })", code, cg_cquote(G, f, flen), u, nargs);
}

/* print(@hist_log(s)): kernel asks the reader to print it (a record); user prints it. */
static const char *print_hist(struct gen *G, struct cc_node *h)
{
	struct cc_node *x = h->args[0];
	struct cc_sym *s = x->sym;
	char *pre = "";
	const char *key = NULL;
	int u = cg_uniq(G);

	if (x->kind == N_INDEX)
		key = cg_keys(G, s, x->args, x->nargs, &pre);
	if (!G->kernel)
		return cg_fmt(G,
			   "({%s int64_t st%d[%d]; grt_stat_get_g(U, %d, %s, st%d); "
			   "grt_print_hist_g(U, %d, st%d); 0; })",
			   pre, u, cg_stat_slots(s), s->index, key ? key : "NULL", u,
			   s->index, u);
	/* the record carries the global id and the key cells */
	{
		int types[10], i;
		char *code;
		size_t size = sizeof(struct th_rec) + 8;

		types[0] = TY_LONG;
		for (i = 0; i < x->nargs; i++) {
			types[i + 1] = s->keytype[i];
			size += s->keytype[i] == TY_STRING ? 2 + (size_t)G->cx->lim.maxstringlen : 8;
		}
		if (size > G->recmax)
			G->recmax = size;
		code = cg_fmt(G,
			   "({%s __u32 o%d = sizeof(struct th_rec); th_rec_header((struct th_rec "
			   "*)F->rec, 0, %d, %d); th_put_long(F->rec, &o%d, TH_RECMASK, %d);",
			   pre, u, TH_FMT_PRINTSTAT, G->cls, u, s->index);
		for (i = 0; i < x->nargs; i++)
			code = s->keytype[i] == TY_STRING
				       ? cg_fmt(G, "%s th_put_str(F->rec, &o%d, TH_RECMASK, F->k%d.k%d);",
					     code, u, s->index, i)
				       : cg_fmt(G, "%s th_put_long(F->rec, &o%d, TH_RECMASK, F->k%d.k%d);",
					     code, u, s->index, i);
		(void)types;
		return cg_fmt(G, "%s th_output_rec(%d, F->rec, o%d, false); 0; })", code, G->cls, u);
	}
}

const char *cg_print_call(struct gen *G, struct cc_node *n)
{
	int first = 0, types[64], nt, i;
	const char *delim = NULL;
	bool newline = n->builtin == B_PRINTLN || n->builtin == B_PRINTDLN ||
		       n->builtin == B_SPRINTLN || n->builtin == B_SPRINTDLN;
	bool to_string = n->builtin == B_SPRINT || n->builtin == B_SPRINTLN ||
			 n->builtin == B_SPRINTD || n->builtin == B_SPRINTDLN;
	char *f;
	struct cc_node **args;

	if (n->builtin == B_PRINTD || n->builtin == B_PRINTDLN || n->builtin == B_SPRINTD ||
	    n->builtin == B_SPRINTDLN) {
		if (n->args[0]->kind != N_STR) {
			cc_error_at(&G->cx->diag, &n->args[0]->loc,
				    "the delimiter of %s must be a string literal", n->name);
			return "0";
		}
		delim = cg_escape_pct(G, n->args[0]->str, n->args[0]->slen);
		first = 1;
	}
	for (i = first; i < n->nargs; i++)
		if (n->args[i]->kind == N_HIST)
			break;
	if (i < n->nargs) {
		/* histograms: print piecewise, in order */
		char *code = cc_strdup(G->cx->arena, "({");

		for (i = first; i < n->nargs; i++) {
			struct cc_node *a = n->args[i];

			if (i > first && delim) {
				struct cc_node lit = { .kind = N_STR, .type = TY_STRING };
				int t = TY_STRING;
				struct cc_node *pa = &lit;

				lit.str = n->args[0]->str;
				lit.slen = n->args[0]->slen;
				lit.loc = n->loc;
				code = cg_fmt(G, "%s %s;", code,
					   G->kernel ? cg_kprintf(G, "%s", 2, &pa, 1, &t)
						     : cg_uprintf(G, "%s", 2, &pa, 1, &t, NULL));
			}
			if (a->kind == N_HIST) {
				code = cg_fmt(G, "%s %s;", code, print_hist(G, a));
			} else {
				int t = a->type == TY_STRING ? TY_STRING : TY_LONG;
				const char *pf = t == TY_STRING ? "%s" : "%d";

				code = cg_fmt(G, "%s %s;", code,
					   G->kernel ? cg_kprintf(G, pf, 2, &n->args[i], 1, &t)
						     : cg_uprintf(G, pf, 2, &n->args[i], 1, &t, NULL));
			}
		}
		if (newline) {
			code = cg_fmt(G, "%s %s;", code,
				   G->kernel ? cg_kprintf(G, "\n", 1, NULL, 0, NULL)
					     : cg_uprintf(G, "\n", 1, NULL, 0, NULL, NULL));
		}
		return cg_fmt(G, "%s 0; })", code);
	}
	f = cg_print_format(G, n, first, delim, newline, types, &nt);
	/* print() has no arguments at all: NULL + 0 is undefined in C */
	args = n->args ? n->args + first : NULL;
	if (to_string) {
		if (G->kernel)
			return NULL; /* handled by the caller via sprintf */
		return cg_uprintf(G, f, strlen(f), args, nt, types, cg_temp(G));
	}
	return G->kernel ? cg_kprintf(G, f, strlen(f), args, nt, types)
			 : cg_uprintf(G, f, strlen(f), args, nt, types, NULL);
}

/*
 * sprintf in kernel context: bpf_snprintf does the formatting, so the
 * stap format is translated to its dialect: 64-bit conversions need ll;
 * it has flags, width and %d %i %u %x %X %s %c, but no precision, no '#',
 * no '*' and no %o.  A string precision is applied to the argument
 * instead (a substring), "%#x" without a width is "0x%llx" (stap's '#'
 * prefixes even a zero); the rest is refused here rather than by the
 * verifier at load time.
 */
const char *cg_ksprintf(struct gen *G, struct cc_node *n, const char *f, size_t flen,
			struct cc_node **args, int nargs)
{
	char *kf = cc_alloc(G->cx->arena, flen * 3 + 1), *p = kf;
	const char **argx = cc_alloc(G->cx->arena, sizeof(*argx) * (size_t)(nargs + 1));
	char *code;
	size_t i = 0;
	int u = cg_uniq(G), k = 0;
	const char *dst = cg_temp(G);

	if (nargs > 12) {
		cc_error_at(&G->cx->diag, &n->loc,
			    "sprintf in a kernel probe takes at most 12 values, %d given", nargs);
		return "0";
	}
	while (i < flen) {
		size_t start = i, wstart, wend;
		char flag = 0, conv;
		long prec = -1;
		bool ok = true;

		if (f[i] != '%') {
			*p++ = f[i++];
			continue;
		}
		i++;
		if (i < flen && f[i] == '%') {
			p += sprintf(p, "%%%%");
			i++;
			continue;
		}
		if (i < flen && strchr("-+ #0", f[i]))
			flag = f[i++];
		wstart = i;
		while (i < flen && f[i] >= '0' && f[i] <= '9')
			i++;
		wend = i;
		if (i < flen && f[i] == '*')
			ok = false;
		if (i < flen && f[i] == '.') {
			i++;
			if (i < flen && f[i] == '*')
				ok = false;
			prec = 0;
			while (i < flen && f[i] >= '0' && f[i] <= '9')
				prec = prec * 10 + (f[i++] - '0');
		}
		while (i < flen && f[i] == 'l')
			i++;
		if (i >= flen || k >= nargs)
			break; /* types.c checked the format: not reached */
		conv = f[i++];
		argx[k] = cg_ex(G, args[k]);
		switch (conv) {
		case 'd': case 'i': case 'u': case 'x': case 'X':
			if (prec >= 0) {
				ok = false;
			} else if (flag == '#') {
				/* stap's '#' adds the prefix even to 0, like this */
				if (wend != wstart || (conv != 'x' && conv != 'X'))
					ok = false;
				else
					p += sprintf(p, "0%c%%ll%c", conv, conv);
			} else {
				p += sprintf(p, "%%%s%.*sll%c", flag ? (char[]){ flag, 0 } : "",
					     (int)(wend - wstart), f + wstart, conv);
			}
			break;
		case 's': case 'c':
			if (flag == '#')
				ok = false;
			p += sprintf(p, "%%%s%.*s%c", flag ? (char[]){ flag, 0 } : "",
				     (int)(wend - wstart), f + wstart, conv);
			if (conv == 's' && prec >= 0)
				argx[k] = cg_fmt(G, "th_substr(%s, %s, 0, %ld)", cg_temp(G), argx[k], prec);
			else if (conv == 'c' && prec >= 0)
				ok = false;
			break;
		case 'p':
			/* stap's %p is %#x: 0x and the hex digits */
			if (wend != wstart || flag || prec >= 0)
				ok = false;
			p += sprintf(p, "0x%%llx");
			break;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			cc_error_at(&G->cx->diag, &n->loc,
				    "sprintf in a kernel probe cannot format '%.*s' (the kernel's "
				    "bpf_snprintf lacks it); format it in a user probe",
				    (int)(i - start), f + start);
			return "0";
		}
		k++;
	}
	*p = 0;
	code = cg_fmt(G, "({ static const char kf%d[] = %s; __u64 d%d[%d];", u,
		   cg_cquote(G, kf, strlen(kf)), u, nargs ? nargs : 1);
	for (k = 0; k < nargs; k++)
		code = cg_fmt(G, "%s d%d[%d] = (__u64)%s;", code, u, k, argx[k] ? argx[k] : "0");
	return cg_fmt(G, "%s if (bpf_snprintf(%s, TH_STRLEN, kf%d, d%d, %d) < 0) %s[0] = 0; %s; })",
		   code, dst, u, u, nargs * 8, dst, dst);
}
