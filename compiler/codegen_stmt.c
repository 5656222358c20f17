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
	cg_emit(G, "if (%s->err) %s;", G->kernel ? "H" : "U", G->errjump);
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
	int u = cg_uniq(G);

	cg_emit(G, "{");
	G->ind++;
	G->errjump = cg_fmt(G, "goto th_catch%d", u);
	cg_st(G, n->body);
	G->errjump = outer;
	cg_emit(G, "goto th_tried%d;", u);
	cg_emit(G, "th_catch%d: __attribute__((unused));", u);
	cg_emit(G, "if (%s->err < 0 || %s->actions > TH_MAXACTION) %s;", h, h, outer);
	if (n->lhs && n->lhs->sym) {
		if (G->kernel) {
			G->catch_msg = true;
			cg_emit(G, "th_catch_msg(H, %s);", cg_var_ref(G, n->lhs->sym));
		} else {
			cg_emit(G, "grt_catch_msg(U, %s, TH_STRLEN);", cg_var_ref(G, n->lhs->sym));
		}
	}
	cg_emit(G, "%s->err = 0;", h);
	/* a probe's frame has errmsg (and a catch needs the frame); a function's has not */
	cg_emit(G, !G->kernel ? "U->errmsg[0] = 0;" : G->func ? "H->errmsg[0] = 0;" : "F->errmsg[0] = 0;");
	cg_st(G, n->els);
	cg_emit(G, "th_tried%d: ;", u);
	G->ind--;
	cg_emit(G, "}");
}

/*
 * A loop of a kernel probe, on a kernel with open-coded iterators: the
 * verifier checks its body until the states at its head converge, once
 * whatever the count, instead of once per iteration up to MAXACTION (a
 * walk up task parents called three times, or two nested loops over user
 * memory, passed its million instructions: profiling/container_check.stp,
 * io/traceaio.stp).  The iterator yields at most MAXACTION iterations and
 * must be destroyed on every way out: an error, next or return in the
 * body leaves through the loop's own labels (loop_close).  H->actions
 * starts unknown to the verifier (th_unknown_zero), or its exact value
 * would differ on every pass and never converge.
 */
struct loop {
	int it;			/* the iterator's number, or -1: a plain C loop */
	const char *errjump, *outjump;
	struct cc_vec assigned; /* the long locals the loop assigns */
};

struct assigned {
	struct gen *G;
	struct cc_vec *out;
};

static void assigned_walk(void *arg, struct cc_node *n)
{
	struct assigned *A = arg;
	int i;

	if ((n->kind == N_ASSIGN || n->kind == N_INCDEC) && n->lhs && n->lhs->kind == N_VAR &&
	    n->lhs->sym && n->lhs->sym->kind != SYM_GLOBAL && n->lhs->sym->type == TY_LONG) {
		for (i = 0; i < A->out->n && A->out->v[i] != n->lhs->sym; i++)
			;
		if (i == A->out->n)
			cc_vec_push(A->G->cx->arena, A->out, n->lhs->sym);
	}
	cc_node_each(n, assigned_walk, A);
}

/* the long locals (and parameters) n assigns, each once */
void cg_loop_assigned(struct gen *G, struct cc_node *n, struct cc_vec *out)
{
	struct assigned A = { G, out };

	if (n)
		assigned_walk(&A, n);
}

static struct loop loop_open(struct gen *G, struct cc_node *n)
{
	struct loop l = { -1, G->errjump, G->outjump, { 0 } };

	if (!G->kernel || !G->iter_loops)
		return l;
	cg_loop_assigned(G, n, &l.assigned);
	l.it = cg_uniq(G);
	cg_emit(G, "{");
	G->ind++;
	cg_emit(G, "struct bpf_iter_num it%d;", l.it);
	cg_emit(G, "bpf_iter_num_new(&it%d, 0, TH_MAXACTION);", l.it);
	G->errjump = cg_fmt(G, "goto th_it%d_err", l.it);
	G->outjump = cg_fmt(G, "goto th_it%d_out", l.it);
	return l;
}

static void loop_close(struct gen *G, struct loop *l)
{
	if (l->it < 0)
		return;
	G->errjump = l->errjump;
	G->outjump = l->outjump;
	cg_emit(G, "bpf_iter_num_destroy(&it%d);", l->it);
	cg_emit(G, "goto th_it%d_done;", l->it);
	cg_emit(G, "th_it%d_err: bpf_iter_num_destroy(&it%d); %s;", l->it, l->it, G->errjump);
	cg_emit(G, "th_it%d_out: bpf_iter_num_destroy(&it%d); %s;", l->it, l->it,
		G->outjump ? G->outjump : "goto th_out");
	cg_emit(G, "th_it%d_done: ;", l->it);
	G->ind--;
	cg_emit(G, "}");
}

/* one more iteration; l NULL or without an iterator: a plain C loop */
static void loop_guard(struct gen *G, struct cc_node *n, const char *kw, const struct loop *l)
{
	int site = cg_add_site(G, TH_ERR_MAXACTION, "MAXACTION exceeded", cg_fmt(G, "keyword '%s'", kw),
			    &n->loc);
	const char *h = G->kernel ? "H" : "U";

	if (l && l->it >= 0) {
		int i;

		/*
		 * before the iterator's next(), where the verifier compares
		 * the states of the passes: every way through the body then
		 * arrives there with the same unknown values
		 */
		for (i = 0; i < l->assigned.n; i++) {
			const char *v = cg_var_ref(G, l->assigned.v[i]);

			cg_emit(G, "%s = th_unknown(H, %s);", v, v);
		}
		cg_emit(G, "if (!bpf_iter_num_next(&it%d) || ++H->actions > TH_MAXACTION) { %s; %s; }",
			l->it, cg_err_set(G, site), G->errjump);
	} else
		cg_emit(G, "if (++%s->actions > TH_MAXACTION) { %s; %s; }", h, cg_err_set(G, site),
			G->errjump);
}

/* a plain C loop's guard, for a loop of another shape (codegen_kloop.c) */
void cg_loop_guard(struct gen *G, struct cc_node *n, const char *kw)
{
	loop_guard(G, n, kw, NULL);
}

static void assign_key_var(struct gen *G, struct cc_node *var, const char *cell, int type)
{
	struct cc_sym *s = var->sym;

	if (!s)
		return;
	if (type == TY_STRING)
		cg_emit(G, "grt_str_copy(%s, TH_STRLEN, %s.s);", cg_var_ref(G, s), cell);
	else
		cg_emit(G, "%s = %s.l;", cg_var_ref(G, s), cell);
}

static void foreach_stmt(struct gen *G, struct cc_node *n)
{
	struct cc_sym *a = n->rhs->sym;
	int t, u, i;
	int x = n->sort_x >= 0 ? n->sort_x : 0;

	if (!a)
		return;
	if (G->kernel) {
		cg_kforeach(G, n);
		return;
	}
	t = G->ntables++;
	u = cg_uniq(G);
	cg_emit(G, "{");
	G->ind++;
	cg_emit(G, "__s64 lim%d = %s;", u, n->cond ? cg_ex(G, n->cond) : "0");
	errcheck(G);
	/* stap's `limit N` with N <= 0 runs no iteration */
	if (n->cond)
		cg_emit(G, "if (lim%d <= 0) goto th_fe%d_done;", u, u);
	cg_emit(G, "grt_table_free(&T%d);", t);
	cg_emit(G, "grt_arr_table(U, %d, &T%d);", a->index, t);
	if (n->inc) {
		/* a slice: the rows whose fixed keys match, before sorting and the limit */
		char *pre;
		const char *key = cg_keys(G, a, n->inc->args, n->inc->nargs, &pre);

		cg_emit(G, "{%s grt_table_filter(&T%d, %s, 0x%xu); }", pre, t, key,
		     cg_slice_mask(n->inc->args, n->inc->nargs));
	}
	cg_emit(G, "grt_table_sort(&T%d, %d, %d, %d, lim%d);", t, n->sort_by == -2 ? 0 : n->sort_by,
	     n->sort_by == -2 ? 0 : n->sort_dir, x, u);
	cg_emit(G, "for (size_t i%d = 0; i%d < T%d.n; i%d++) {", u, u, t, u);
	G->ind++;
	loop_guard(G, n, "foreach", NULL); /* user space only */
	for (i = 0; i < n->nargs; i++)
		assign_key_var(G, n->args[i], cg_fmt(G, "T%d.rows[i%d].key[%d]", t, u, i),
			       a->keytype[i]);
	if (n->lhs)
		assign_key_var(G, n->lhs, cg_fmt(G, "T%d.rows[i%d].val", t, u), a->type);
	cg_st(G, n->body);
	G->ind--;
	cg_emit(G, "}");
	cg_emit(G, "grt_table_free(&T%d);", t);
	if (n->cond)
		cg_emit(G, "th_fe%d_done: ;", u);
	G->ind--;
	cg_emit(G, "}");
}

void cg_st(struct gen *G, struct cc_node *n)
{
	int i;

	if (!n)
		return;
	switch (n->kind) {
	case N_BLOCK:
		cg_emit(G, "{");
		G->ind++;
		for (i = 0; i < n->nargs; i++)
			cg_st(G, n->args[i]);
		G->ind--;
		cg_emit(G, "}");
		return;
	case N_NOP:
		return;
	case N_EXPR:
		cg_emit(G, "(void)%s;", cg_ex(G, n->lhs));
		errcheck(G);
		return;
	case N_IF: {
		/* an error in the condition must not run a branch first: a catch may follow */
		int u = cg_uniq(G);

		cg_emit(G, "{");
		G->ind++;
		cg_emit(G, "__s64 c%d = !!(%s);", u, cg_ex(G, n->cond));
		errcheck(G);
		cg_emit(G, "if (c%d) {", u);
		G->ind++;
		cg_st(G, n->then);
		G->ind--;
		if (n->els) {
			cg_emit(G, "} else {");
			G->ind++;
			cg_st(G, n->els);
			G->ind--;
		}
		cg_emit(G, "}");
		G->ind--;
		cg_emit(G, "}");
		errcheck(G);
		return;
	}
	case N_WHILE: {
		struct loop l;

		if (cg_kloop_wanted(G)) {
			cg_kloop(G, n);
			errcheck(G);
			return;
		}
		l = loop_open(G, n);

		cg_emit(G, "for (;;) {");
		G->ind++;
		loop_guard(G, n, "while", &l);
		cg_emit(G, "if (!(%s)) break;", cg_ex(G, n->cond));
		errcheck(G);
		cg_st(G, n->body);
		G->ind--;
		cg_emit(G, "}");
		loop_close(G, &l);
		errcheck(G);
		return;
	}
	case N_FOR: {
		struct loop l;

		if (cg_kloop_wanted(G)) {
			cg_kloop(G, n);
			errcheck(G);
			return;
		}
		if (n->init) {
			cg_emit(G, "(void)%s;", cg_ex(G, n->init));
			errcheck(G);
		}
		l = loop_open(G, n);
		cg_emit(G, "for (;; %s) {", n->inc ? cg_fmt(G, "(void)%s", cg_ex(G, n->inc)) : "");
		G->ind++;
		errcheck(G);
		loop_guard(G, n, "for", &l);
		if (n->cond) {
			cg_emit(G, "if (!(%s)) break;", cg_ex(G, n->cond));
			errcheck(G);
		}
		cg_st(G, n->body);
		G->ind--;
		cg_emit(G, "}");
		loop_close(G, &l);
		errcheck(G);
		return;
	}
	case N_FOREACH:
		foreach_stmt(G, n);
		errcheck(G);
		return;
	case N_TRY:
		try_stmt(G, n);
		errcheck(G);
		return;
	case N_BREAK:
		cg_emit(G, "break;");
		return;
	case N_CONTINUE:
		cg_emit(G, "continue;");
		return;
	case N_NEXT:
		if (G->func) {
			cc_error_at(&G->cx->diag, &n->loc, "'next' is only allowed in a probe");
			return;
		}
		cg_emit(G, "%s;", G->outjump ? G->outjump : "goto th_out");
		return;
	case N_RETURN:
		if (!G->func) {
			cg_emit(G, "%s;", G->outjump ? G->outjump : "goto th_out");
			return;
		}
		if (n->lhs) {
			if (G->func->rettype == TY_STRING)
				cg_emit(G, G->kernel ? "th_strcpy(ret, %s);" : "grt_str_copy(ret, TH_STRLEN, %s);",
				     cg_ex(G, n->lhs));
			else
				cg_emit(G, "rv = %s;", cg_ex(G, n->lhs));
			/* an error in the value is the try's around the return, if any */
			errcheck(G);
		}
		cg_emit(G, "%s;", G->outjump ? G->outjump : "goto th_out");
		return;
	case N_DELETE: {
		struct cc_node *x = n->lhs;
		struct cc_sym *s = x->sym;

		if (!s)
			return;
		if (x->kind == N_INDEX && cg_slice_mask(x->args, x->nargs)) {
			cg_slice_delete(G, s, x->args, x->nargs, cg_slice_mask(x->args, x->nargs));
		} else if (x->kind == N_VAR && s->is_array && G->kernel) {
			cg_slice_delete(G, s, NULL, 0, (1u << s->nkeys) - 1);
		} else if (x->kind == N_INDEX) {
			char *pre;
			const char *key = cg_keys(G, s, x->args, x->nargs, &pre);

			if (G->kernel)
				cg_emit(G, "{%s bpf_map_delete_elem(&%s, %s); }", pre, cg_kmap(G, s), key);
			else
				cg_emit(G, "{%s grt_arr_delete(U, %d, %s); }", pre, s->index, key);
		} else if (s->is_array) {
			cg_emit(G, "grt_arr_clear(U, %d);", s->index);
		} else if (s->type == TY_STATS) {
			if (G->kernel)
				cc_error_at(&G->cx->diag, &n->loc,
					    "deleting an aggregate in a kernel probe is not supported "
					    "yet: do it in an end or timer probe");
			else
				cg_emit(G, "grt_stat_clear_g(U, %d);", s->index);
		} else if (s->type == TY_STRING) {
			cg_emit(G, "%s[0] = 0;", cg_var_ref(G, s));
		} else {
			cg_emit(G, "%s = 0;", cg_var_ref(G, s));
		}
		errcheck(G);
		return;
	}
	default:
		cc_error_at(&G->cx->diag, &n->loc, "statement has no code generator");
	}
}

/* ---- units: probes and functions ----------------------------------------------------- */


void cg_unit_begin(struct gen *G, FILE **saved, char **buf, size_t *len)
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

void cg_unit_end(struct gen *G, FILE *saved, struct unit *u, char **buf, size_t *len)
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

/*
 * A function's (f) or a user probe's (d) body as one unit; an error
 * leaves a function for its caller (th_out), a probe for its report
 * (th_err).
 */
void cg_unit(struct gen *G, struct cc_func *f, struct cc_dprobe *d, struct unit *u)
{
	FILE *saved;
	char *buf;
	size_t len;

	G->func = f;
	G->probe = d;
	G->errjump = f ? "goto th_out" : "goto th_err";
	G->outjump = NULL;
	cg_unit_begin(G, &saved, &buf, &len);
	cg_st(G, f ? f->body : d->body);
	cg_unit_end(G, saved, u, &buf, &len);
}

/* string locals and params live in the kernel frame */
void cg_frame_fields(struct gen *G, FILE *o, struct unit *u, struct cc_vec *locals,
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

void cg_long_locals(FILE *o, struct cc_vec *locals)
{
	int i;

	for (i = 0; locals && i < locals->n; i++) {
		struct cc_sym *s = locals->v[i];

		if (s->type != TY_STRING)
			fprintf(o, "\t__s64 l_%s = 0;\n", s->name);
	}
}

const char *cg_param_list(struct gen *G, struct cc_func *f)
{
	char *p = cc_strdup(G->cx->arena, "");
	int i;

	for (i = 0; i < f->nparams; i++) {
		struct cc_sym *s = f->params[i];

		p = s->type == TY_STRING ? cg_fmt(G, "%s, const char *p_%s", p, s->name)
					 : cg_fmt(G, "%s, __s64 l_%s", p, s->name);
	}
	return p;
}

const char *cg_ret_type(const struct cc_func *f)
{
	return f->rettype == TY_STRING ? "char *" : "__s64";
}
