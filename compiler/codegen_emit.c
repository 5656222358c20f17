// SPDX-License-Identifier: MIT
/*
 * codegen_emit.c - the walker's output helpers, the record format and error-site tables, names
 * of variables and the key buffers of maps.
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

/* ---- output helpers ----------------------------------------------------------- */

void __attribute__((format(printf, 2, 3))) cg_emit(struct gen *G, const char *fmt, ...)
{
	va_list ap;
	int i;

	for (i = 0; i < G->ind; i++)
		fputc('\t', G->o);
	va_start(ap, fmt);
	vfprintf(G->o, fmt, ap);
	va_end(ap);
	fputc('\n', G->o);
}

char *__attribute__((format(printf, 2, 3))) cg_fmt(struct gen *G, const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = cc_alloc(G->cx->arena, (size_t)n + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* A C string literal for arbitrary bytes. */
char *cg_cquote(struct gen *G, const char *s, size_t n)
{
	char *out = cc_alloc(G->cx->arena, n * 4 + 3), *p = out;
	size_t i;

	*p++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else if (c == '\t') {
			*p++ = '\\';
			*p++ = 't';
		} else if (c < 32 || c >= 127 || c == '?') {
			/* octal, always 3 digits so a following digit is not absorbed */
			p += sprintf(p, "\\%03o", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = 0;
	return out;
}

/* A string value as a C literal: cut to MAXSTRINGLEN - 1 bytes, as stap keeps it. */
char *cg_strlit(struct gen *G, const char *s, size_t n)
{
	size_t max = (size_t)G->cx->lim.strlen - 1;

	return cg_cquote(G, s, n < max ? n : max);
}

/*
 * A long literal as C reads it in both outputs: -9223372036854775808LL
 * would be the negation of a constant too big for long long, so negative
 * values are written as their bits.
 */
char *cg_num(struct gen *G, int64_t v)
{
	if (v < 0)
		return cg_fmt(G, "((__s64)0x%llxULL)", (unsigned long long)v);
	return cg_fmt(G, "((__s64)%lldLL)", (long long)v);
}

int cg_uniq(struct gen *G)
{
	return G->nvals++;
}

char *cg_temp(struct gen *G)
{
	int k = G->ntemps++;

	return G->kernel ? cg_fmt(G, "F->t[%d]", k) : cg_fmt(G, "t%d", k);
}

void cg_use_key(struct gen *G, int gid)
{
	int i;

	for (i = 0; i < G->keys.n; i++)
		if ((intptr_t)G->keys.v[i] == gid)
			return;
	cc_vec_push(G->cx->arena, &G->keys, (void *)(intptr_t)gid);
}

/* ---- tables: formats and error sites ---------------------------------------------- */

int cg_add_fmt(struct gen *G, const char *f, size_t len, const int *types, int ntypes)
{
	struct cc_prog *P = G->prog;
	struct cc_fmt *e;
	int i;

	for (i = 0; i < P->fmts.n; i++) {
		e = P->fmts.v[i];
		if (e->len == len && !memcmp(e->fmt, f, len) && e->ntypes == ntypes &&
		    !memcmp(e->types, types, sizeof(int) * (size_t)ntypes))
			return e->id;
	}
	e = cc_alloc(G->cx->arena, sizeof(*e));
	e->id = TH_FMT_FIRST + P->fmts.n;
	e->fmt = cc_strndup(G->cx->arena, f, len);
	e->len = len;
	e->ntypes = ntypes;
	memcpy(e->types, types, sizeof(int) * (size_t)ntypes);
	cc_vec_push(G->cx->arena, &P->fmts, e);
	return e->id;
}

int cg_add_site(struct gen *G, int kind, const char *msg, const char *near,
		const struct cc_loc *loc)
{
	struct cc_prog *P = G->prog;
	struct cc_site *s;
	int i;

	/* clones of one body (wildcards, aliases) share their sites, so their
	 * code is identical and can be shared too */
	for (i = 0; i < P->sites.n; i++) {
		s = P->sites.v[i];
		if (s->kind == kind && s->loc.file == loc->file && s->loc.off == loc->off &&
		    !strcmp(s->msg, msg) && !strcmp(s->near, near))
			return s->id;
	}
	s = cc_alloc(G->cx->arena, sizeof(*s));
	s->id = P->sites.n;
	s->kind = kind;
	s->msg = (char *)msg;
	s->near = (char *)near;
	s->loc = *loc;
	cc_vec_push(G->cx->arena, &P->sites, s);
	return s->id;
}

const char *cg_err_set(struct gen *G, int site)
{
	return G->kernel ? cg_fmt(G, "({ if (!H->err) H->err = %d; })", site + 1)
			 : cg_fmt(G, "({ if (!U->err) U->err = %d; })", site + 1);
}

/* ---- names ------------------------------------------------------------------------ */

static bool is_str(const struct cc_sym *s)
{
	return s->type == TY_STRING;
}

/* The C lvalue of a scalar variable (long) or its buffer (string). */
const char *cg_var_ref(struct gen *G, struct cc_sym *s)
{
	if (s->kind != SYM_GLOBAL) {
		if (G->kernel && is_str(s))
			return cg_fmt(G, "F->l_%s", s->name);
		return cg_fmt(G, "l_%s", s->name);
	}
	if (G->kernel)
		return cg_fmt(G, "th_g.g_%s", s->name);
	if (s->used_kernel)
		return cg_fmt(G, "TH_G->g_%s", s->name);
	return cg_fmt(G, "ug_%s", s->name);
}

const char *cg_ctype_val(const struct cc_sym *s)
{
	return s->type == TY_STRING ? "struct th_vstr" : "__s64";
}

/* ---- keys -------------------------------------------------------------------------- */

/*
 * Evaluate the keys of an access to array s, then build them: in the
 * kernel into the unit's key buffer F->k<gid> (returned as "&F->k<gid>"),
 * in user code into a grt_cell array (returned as its name).  All key
 * expressions are evaluated before the buffer is touched, so a nested
 * access to the same array cannot clobber a half-built key.
 */
const char *cg_keys(struct gen *G, struct cc_sym *s, struct cc_node **args, int n, char **pre)
{
	char *code = cc_strdup(G->cx->arena, "");
	char *vals[9];
	int i, u = cg_uniq(G);

	for (i = 0; i < n; i++) {
		if (args[i]->kind == N_WILDCARD) {
			/* a slice's '*': any value, the key part stays zero/empty */
			vals[i] = s->keytype[i] == TY_STRING ? "\"\"" : "0";
		} else if (args[i]->type == TY_STRING) {
			vals[i] = cg_fmt(G, "ks%d_%d", u, i);
			code = cg_fmt(G, "%s const char *%s = %s;", code, vals[i], cg_ex(G, args[i]));
		} else {
			vals[i] = cg_fmt(G, "kl%d_%d", u, i);
			code = cg_fmt(G, "%s __s64 %s = %s;", code, vals[i], cg_ex(G, args[i]));
		}
	}
	if (G->kernel) {
		cg_use_key(G, s->index);
		code = cg_fmt(G, "%s th_zero_key(&F->k%d, sizeof(F->k%d));", code, s->index, s->index);
		for (i = 0; i < n; i++)
			if (args[i]->kind != N_WILDCARD)
				code = s->keytype[i] == TY_STRING
					       ? cg_fmt(G, "%s th_strcpy(F->k%d.k%d, %s);", code, s->index, i,
						     vals[i])
					       : cg_fmt(G, "%s F->k%d.k%d = %s;", code, s->index, i, vals[i]);
		*pre = code;
		return cg_fmt(G, "&F->k%d", s->index);
	}
	code = cg_fmt(G, "%s struct grt_cell K%d[%d] = {", code, u, n > 0 ? n : 1);
	for (i = 0; i < n; i++)
		code = s->keytype[i] == TY_STRING
			       ? cg_fmt(G, "%s { .s = (char *)%s },", code, vals[i])
			       : cg_fmt(G, "%s { .l = %s },", code, vals[i]);
	code = cg_fmt(G, "%s };", code);
	*pre = code;
	return cg_fmt(G, "K%d", u);
}

const char *cg_kmap(struct gen *G, const struct cc_sym *s)
{
	return cg_fmt(G, "th_m%d", s->index);
}
