// SPDX-License-Identifier: MIT
/*
 * codegen_stmt.c - statements, and units (a probe's or a function's body with its frame).
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

/* ---- statements ------------------------------------------------------------------------- */

static void errcheck(struct gen *G)
{
	emit(G, "if (%s->err) %s;", G->kernel ? "H" : "U", G->errjump);
}

/*
 * try { body } catch (msg) { handler }: an error in body (its error
 * checks jump to this try's catch label instead of leaving the unit; an
 * error in a function it calls returns from the function first) runs
 * the handler with the error cleared.  abort() and MAXACTION go on to
 * the enclosing catch or out of the unit: stap does not let a script
 * catch them either.
 */
static void try_stmt(struct gen *G, struct cc_node *n)
{
	const char *outer = G->errjump, *h = G->kernel ? "H" : "U";
	int u = uniq(G);

	emit(G, "{");
	G->ind++;
	G->errjump = fmt(G, "goto th_catch%d", u);
	st(G, n->body);
	G->errjump = outer;
	emit(G, "goto th_tried%d;", u);
	emit(G, "th_catch%d: __attribute__((unused));", u);
	emit(G, "if (%s->err < 0 || %s->actions > TH_MAXACTION) %s;", h, h, outer);
	if (n->lhs && n->lhs->sym) {
		if (G->kernel) {
			G->catch_msg = true;
			emit(G, "th_catch_msg(H, %s);", var_ref(G, n->lhs->sym));
		} else {
			emit(G, "grt_catch_msg(U, %s, TH_STRLEN);", var_ref(G, n->lhs->sym));
		}
	}
	emit(G, "%s->err = 0;", h);
	/* a probe's frame has errmsg (and a catch needs the frame); a function's has not */
	emit(G, !G->kernel ? "U->errmsg[0] = 0;" : G->func ? "H->errmsg[0] = 0;" : "F->errmsg[0] = 0;");
	st(G, n->els);
	emit(G, "th_tried%d: ;", u);
	G->ind--;
	emit(G, "}");
}

static void loop_guard(struct gen *G, struct cc_node *n, const char *kw)
{
	int site = add_site(G, TH_ERR_MAXACTION, "MAXACTION exceeded", fmt(G, "keyword '%s'", kw),
			    &n->loc);
	const char *h = G->kernel ? "H" : "U";

	emit(G, "if (++%s->actions > TH_MAXACTION) { %s; %s; }", h, err_set(G, site), G->errjump);
}

static void assign_key_var(struct gen *G, struct cc_node *var, const char *cell, int type)
{
	struct cc_sym *s = var->sym;

	if (!s)
		return;
	if (type == TY_STRING)
		emit(G, "grt_str_copy(%s, TH_STRLEN, %s.s);", var_ref(G, s), cell);
	else
		emit(G, "%s = %s.l;", var_ref(G, s), cell);
}

static void foreach_stmt(struct gen *G, struct cc_node *n)
{
	struct cc_sym *a = n->rhs->sym;
	int t = G->ntables++, u = uniq(G), i;
	int x = n->sort_x >= 0 ? n->sort_x : 0;

	if (!a)
		return;
	emit(G, "{");
	G->ind++;
	emit(G, "__s64 lim%d = %s;", u, n->cond ? ex(G, n->cond) : "0");
	errcheck(G);
	emit(G, "grt_table_free(&T%d);", t);
	emit(G, "grt_arr_table(U, %d, &T%d);", a->index, t);
	if (n->inc) {
		/* a slice: the rows whose fixed keys match, before sorting and the limit */
		char *pre;
		const char *key = keys(G, a, n->inc->args, n->inc->nargs, &pre);

		emit(G, "{%s grt_table_filter(&T%d, %s, 0x%xu); }", pre, t, key,
		     slice_mask(n->inc->args, n->inc->nargs));
	}
	emit(G, "grt_table_sort(&T%d, %d, %d, %d, lim%d);", t, n->sort_by == -2 ? 0 : n->sort_by,
	     n->sort_by == -2 ? 0 : n->sort_dir, x, u);
	emit(G, "for (size_t i%d = 0; i%d < T%d.n; i%d++) {", u, u, t, u);
	G->ind++;
	loop_guard(G, n, "foreach");
	for (i = 0; i < n->nargs; i++)
		assign_key_var(G, n->args[i], fmt(G, "T%d.rows[i%d].key[%d]", t, u, i),
			       a->keytype[i]);
	if (n->lhs)
		assign_key_var(G, n->lhs, fmt(G, "T%d.rows[i%d].val", t, u), a->type);
	st(G, n->body);
	G->ind--;
	emit(G, "}");
	emit(G, "grt_table_free(&T%d);", t);
	G->ind--;
	emit(G, "}");
}

void st(struct gen *G, struct cc_node *n)
{
	int i;

	if (!n)
		return;
	switch (n->kind) {
	case N_BLOCK:
		emit(G, "{");
		G->ind++;
		for (i = 0; i < n->nargs; i++)
			st(G, n->args[i]);
		G->ind--;
		emit(G, "}");
		return;
	case N_NOP:
		return;
	case N_EXPR:
		emit(G, "(void)%s;", ex(G, n->lhs));
		errcheck(G);
		return;
	case N_IF: {
		/* an error in the condition must not run a branch first: a catch may follow */
		int u = uniq(G);

		emit(G, "{");
		G->ind++;
		emit(G, "__s64 c%d = !!(%s);", u, ex(G, n->cond));
		errcheck(G);
		emit(G, "if (c%d) {", u);
		G->ind++;
		st(G, n->then);
		G->ind--;
		if (n->els) {
			emit(G, "} else {");
			G->ind++;
			st(G, n->els);
			G->ind--;
		}
		emit(G, "}");
		G->ind--;
		emit(G, "}");
		errcheck(G);
		return;
	}
	case N_WHILE:
		emit(G, "for (;;) {");
		G->ind++;
		loop_guard(G, n, "while");
		emit(G, "if (!(%s)) break;", ex(G, n->cond));
		errcheck(G);
		st(G, n->body);
		G->ind--;
		emit(G, "}");
		errcheck(G);
		return;
	case N_FOR:
		if (n->init) {
			emit(G, "(void)%s;", ex(G, n->init));
			errcheck(G);
		}
		emit(G, "for (;; %s) {", n->inc ? fmt(G, "(void)%s", ex(G, n->inc)) : "");
		G->ind++;
		errcheck(G);
		loop_guard(G, n, "for");
		if (n->cond) {
			emit(G, "if (!(%s)) break;", ex(G, n->cond));
			errcheck(G);
		}
		st(G, n->body);
		G->ind--;
		emit(G, "}");
		errcheck(G);
		return;
	case N_FOREACH:
		foreach_stmt(G, n);
		errcheck(G);
		return;
	case N_TRY:
		try_stmt(G, n);
		errcheck(G);
		return;
	case N_BREAK:
		emit(G, "break;");
		return;
	case N_CONTINUE:
		emit(G, "continue;");
		return;
	case N_NEXT:
		if (G->func) {
			cc_error_at(&G->cx->diag, &n->loc, "'next' is only allowed in a probe");
			return;
		}
		emit(G, "goto th_out;");
		return;
	case N_RETURN:
		if (!G->func) {
			emit(G, "goto th_out;");
			return;
		}
		if (n->lhs) {
			if (G->func->rettype == TY_STRING)
				emit(G, G->kernel ? "th_strcpy(ret, %s);" : "grt_str_copy(ret, TH_STRLEN, %s);",
				     ex(G, n->lhs));
			else
				emit(G, "rv = %s;", ex(G, n->lhs));
			/* an error in the value is the try's around the return, if any */
			errcheck(G);
		}
		emit(G, "goto th_out;");
		return;
	case N_DELETE: {
		struct cc_node *x = n->lhs;
		struct cc_sym *s = x->sym;

		if (!s)
			return;
		if (x->kind == N_INDEX && slice_mask(x->args, x->nargs)) {
			slice_delete(G, s, x->args, x->nargs, slice_mask(x->args, x->nargs));
		} else if (x->kind == N_VAR && s->is_array && G->kernel) {
			slice_delete(G, s, NULL, 0, (1u << s->nkeys) - 1);
		} else if (x->kind == N_INDEX) {
			char *pre;
			const char *key = keys(G, s, x->args, x->nargs, &pre);

			if (G->kernel)
				emit(G, "{%s bpf_map_delete_elem(&%s, %s); }", pre, kmap(G, s), key);
			else
				emit(G, "{%s grt_arr_delete(U, %d, %s); }", pre, s->index, key);
		} else if (s->is_array) {
			emit(G, "grt_arr_clear(U, %d);", s->index);
		} else if (s->type == TY_STATS) {
			if (G->kernel)
				cc_error_at(&G->cx->diag, &n->loc,
					    "deleting an aggregate in a kernel probe is not supported "
					    "yet: do it in an end or timer probe");
			else
				emit(G, "grt_stat_clear_g(U, %d);", s->index);
		} else if (s->type == TY_STRING) {
			emit(G, "%s[0] = 0;", var_ref(G, s));
		} else {
			emit(G, "%s = 0;", var_ref(G, s));
		}
		errcheck(G);
		return;
	}
	default:
		cc_error_at(&G->cx->diag, &n->loc, "statement has no code generator");
	}
}

/* ---- units: probes and functions ----------------------------------------------------- */


void unit_begin(struct gen *G, FILE **saved, char **buf, size_t *len)
{
	*saved = G->o;
	G->o = open_memstream(buf, len);
	G->ind = 1;
	G->nvals = 0; /* C names are per function: equal bodies get equal code */
	G->ntemps = 0;
	G->ntables = 0;
	G->keys.n = 0;
	G->keys.v = NULL;
	G->keys.cap = 0;
	G->uses_ff = false;
	G->recmax = 0;
}

void unit_end(struct gen *G, FILE *saved, struct unit *u, char **buf, size_t *len)
{
	/* open_memstream publishes the buffer on fclose */
	fclose(G->o);
	G->o = saved;
	u->body = cc_strndup(G->cx->arena, *buf, *len);
	u->len = *len;
	free(*buf);
	u->ntemps = G->ntemps;
	u->ntables = G->ntables;
	u->keys = G->keys;
	u->uses_ff = G->uses_ff;
	u->recmax = G->recmax;
	if (G->recmax > G->recmax_all)
		G->recmax_all = G->recmax;
}

/* string locals and params live in the kernel frame */
void frame_fields(struct gen *G, FILE *o, struct unit *u, struct cc_vec *locals,
			 struct cc_sym **params, int nparams)
{
	int i;

	if (u->ntemps)
		fprintf(o, "\tchar t[%d][TH_MAXSTR];\n", u->ntemps);
	for (i = 0; i < nparams; i++)
		if (params[i]->type == TY_STRING)
			fprintf(o, "\tchar l_%s[TH_MAXSTR];\n", params[i]->name);
	for (i = 0; locals && i < locals->n; i++) {
		struct cc_sym *s = locals->v[i];

		if (s->type == TY_STRING)
			fprintf(o, "\tchar l_%s[TH_MAXSTR];\n", s->name);
	}
	for (i = 0; i < u->keys.n; i++) {
		int gid = (int)(intptr_t)u->keys.v[i];

		fprintf(o, "\tstruct th_k%d k%d;\n", gid, gid);
	}
	if (u->uses_ff)
		fprintf(o, "\tstruct th_ffall ff;\n");
	(void)G;
}

void long_locals(FILE *o, struct cc_vec *locals)
{
	int i;

	for (i = 0; locals && i < locals->n; i++) {
		struct cc_sym *s = locals->v[i];

		if (s->type != TY_STRING)
			fprintf(o, "\t__s64 l_%s = 0;\n", s->name);
	}
}

const char *param_list(struct gen *G, struct cc_func *f)
{
	char *p = cc_strdup(G->cx->arena, "");
	int i;

	for (i = 0; i < f->nparams; i++) {
		struct cc_sym *s = f->params[i];

		p = s->type == TY_STRING ? fmt(G, "%s, const char *p_%s", p, s->name)
					 : fmt(G, "%s, __s64 l_%s", p, s->name);
	}
	return p;
}

const char *ret_type(const struct cc_func *f)
{
	return f->rettype == TY_STRING ? "char *" : "__s64";
}
