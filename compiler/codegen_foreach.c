// SPDX-License-Identifier: MIT
/*
 * codegen_foreach.c - foreach in kernel probes (and the functions they
 * call): a snapshot of the array, sorted when asked, then the body once
 * per row.  The runtime side, and why it is built so, is in
 * guest-runtime/bpf/grt_bpf_foreach.h.
 *
 * Each foreach statement of kernel code is a site, numbered in the order
 * the generator meets them; the clones of one body (wildcards, aliases)
 * meet the same statement, found by its place in the source, so their
 * code stays equal and shared.  A site has:
 *
 *   struct th_fer<s>    a row: the key (struct th_k<g>) and the value
 *                       (kept when the loop reads it or sorts by it)
 *   th_fe<s>            the snapshot: TH_FE_CAP rows per CPU
 *   th_fe<s>_copy()     the bpf_for_each_map_elem() callback that fills it
 *   th_fe<s>_cmp()      how two rows compare: the sort word first, then
 *                       the sort column in full and the keys ascending
 *   th_fe<s>_step()     one bpf_loop() step of its merge sort
 *
 * The loop over the rows is, like while and for, an open-coded iterator
 * on kernels that have them (codegen_stmt.c, loop_open) and a plain C
 * loop before 6.4.  Every way out of it (the end, break, an error, next,
 * return) gives the snapshot back (th_fe<u>_err / _out labels).
 */
#include <stdio.h>
#include <string.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "taphub/record.h"

/* The site of foreach n: the same statement (a clone's too) is one site. */
static int fe_site(struct gen *G, struct cc_node *n, bool *fresh)
{
	int i;

	for (i = 0; i < G->fesites.n; i++) {
		const struct cc_node *m = G->fesites.v[i];

		if (m->loc.file == n->loc.file && m->loc.off == n->loc.off)
			return i;
	}
	cc_vec_push(G->cx->arena, &G->fesites, n);
	*fresh = true;
	return G->fesites.n - 1;
}

/* Whether rows keep the value: the loop reads it, or the sort is by it. */
static bool fe_keeps_value(const struct cc_node *n)
{
	const struct cc_sym *a = n->rhs->sym;

	return a->type != TY_STATS && (n->lhs || n->sort_by == -1);
}

/*
 * The sort word of the element at key k (struct th_k<g> *) and value v
 * (void *): a long that orders the rows as the sort column does, up or
 * down (~x reverses a signed order without overflow); a string column
 * orders by its first 8 bytes here, and in full in th_fe<s>_cmp.
 */
static const char *fe_sort_word(struct gen *G, const struct cc_node *n)
{
	const struct cc_sym *a = n->rhs->sym;
	const char *w;

	if (n->sort_by >= 0)
		w = a->keytype[n->sort_by] == TY_STRING
			? cg_fmt(G, "th_fe_strword(k->k%d)", n->sort_by)
			: cg_fmt(G, "k->k%d", n->sort_by);
	else if (a->type == TY_STATS && n->sort_x == 5) /* @variance */
		w = cg_fmt(G, "({ __s64 cnt; th_stat_var_merged(&%s, k, %d, %d, &cnt); })",
			   cg_kmap(G, a), cg_stat_var_slot(a), a->var_shift);
	else if (a->type == TY_STATS)
		/* an empty aggregate sorts as 0, as the user side sorts it */
		w = cg_fmt(G, "({ __s64 cnt; th_stat_merged(&%s, k, %d, &cnt); })", cg_kmap(G, a),
			   n->sort_x >= 0 ? n->sort_x : 0);
	else if (a->type == TY_STRING)
		w = "th_fe_strword(((struct th_vstr *)v)->s)";
	else
		w = "*(__s64 *)v";
	return n->sort_dir < 0 ? cg_fmt(G, "~(%s)", w) : w;
}

/*
 * Site s's sort: how two rows compare (the sort words, then on a tie the
 * sort column in full and the keys ascending), the bpf_loop() step of
 * the merge sort, and the sort itself.  The compare and the sort are
 * global functions, which the verifier checks once each, by themselves,
 * instead of at each call (th_fe_strcmp() says what that saved).
 */
static void fe_define_sort(struct gen *G, struct cc_node *n, int s)
{
	struct cc_sym *a = n->rhs->sym;
	FILE *o = G->slices;
	int i;

	fprintf(
	    o,
	    "__noinline int th_fe%d_cmp(struct th_fe_hdr *h, __u32 a, __u32 b)\n{\n"
	    "\tstruct th_fer%d *x, *y;\n\tint c = 0;\n\n"
	    "\tif (!h)\n\t\treturn 0;\n"
	    "\ta = th_fe_row(a);\n\tb = th_fe_row(b);\n"
	    "\tif (h->sw[a] != h->sw[b])\n\t\treturn h->sw[a] < h->sw[b] ? -1 : 1;\n"
	    "\tx = bpf_map_lookup_elem(&th_fe%d, &a);\n\ty = bpf_map_lookup_elem(&th_fe%d, &b);\n"
	    "\tif (!x || !y)\n\t\treturn 0;\n",
	    s, s, s, s);
	if (n->sort_by == -1 && a->type == TY_STRING)
		fprintf(o, "\tc = th_fe_strcmp(&x->v, &y->v);\n\tif (c)\n\t\treturn %s;\n",
			n->sort_dir < 0 ? "-c" : "c");
	else if (n->sort_by >= 0 && a->keytype[n->sort_by] == TY_STRING)
		fprintf(o,
			"\tc = th_fe_strcmp(TH_FE_VSTR(x->k.k%d), TH_FE_VSTR(y->k.k%d));\n"
			"\tif (c)\n\t\treturn %s;\n",
			n->sort_by, n->sort_by, n->sort_dir < 0 ? "-c" : "c");
	for (i = 0; i < a->nkeys; i++) {
		if (a->keytype[i] == TY_STRING) {
			fprintf(o,
				"\tc = th_fe_strcmp(TH_FE_VSTR(x->k.k%d), TH_FE_VSTR(y->k.k%d));\n"
				"\tif (c)\n\t\treturn c;\n",
				i, i);
		} else {
			fprintf(o, "\tif (x->k.k%d != y->k.k%d)\n", i, i);
			fprintf(o, "\t\treturn x->k.k%d < y->k.k%d ? -1 : 1;\n", i, i);
		}
	}
	fprintf(o, "\treturn c;\n}\n\n");
	fprintf(o,
		"static long th_fe%d_step(__u64 i, void *ctx)\n{\n"
		"\treturn th_fe_merge_step(((struct th_fe_sortctx *)ctx)->h, th_fe%d_cmp);\n}\n\n",
		s, s);
	fprintf(o,
		"__noinline int th_fe%d_sort(struct th_fe_hdr *h)\n{\n"
		"\tif (h)\n\t\tth_fe_sort(h, h->n, th_fe%d_step);\n\treturn 0;\n}\n\n",
		s, s);
}

/* The row type, the snapshot map and the callbacks of site s (foreach n). */
static void fe_define(struct gen *G, struct cc_node *n, int s)
{
	struct cc_sym *a = n->rhs->sym;
	FILE *o = G->slices;
	bool sorted = n->sort_by != -2;
	unsigned mask = n->inc ? cg_slice_mask(n->inc->args, n->inc->nargs) : 0;
	int g = a->index, i;

	fprintf(o, "/* foreach at line %d:%d, over '%s' */\n", n->loc.line, n->loc.col, a->name);
	fprintf(o, "struct th_fer%d {\n\tstruct th_k%d k;\n", s, g);
	if (fe_keeps_value(n))
		fprintf(o, "\t%s v;\n", cg_ctype_val(a));
	fprintf(o, "};\n");
	fprintf(o,
		"struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n"
		"\t__uint(max_entries, TH_FE_CAP);\n\t__type(key, __u32);\n"
		"\t__type(value, struct th_fer%d);\n} th_fe%d SEC(\".maps\");\n\n",
		s, s);

	if (sorted)
		fe_define_sort(G, n, s);

	/* copy: one element into the next row (a slice's first: its fixed keys must match) */
	fprintf(o, "static long th_fe%d_copy(void *map, struct th_k%d *k, void *v,\n", s, g);
	fprintf(o, "\t\t\t  struct th_fe_ctx *c)\n{\n\tstruct th_fe_hdr *h = c->h;\n"
		   "\tstruct th_fer%d *r;\n\t__u32 slot;\n\n\t(void)v;\n",
		s);
	if (mask) {
		fprintf(o, "\tconst struct th_k%d *w = c->key;\n\n", g);
		for (i = 0; i < a->nkeys; i++) {
			if (mask & (1u << i))
				continue;
			if (a->keytype[i] == TY_STRING)
				fprintf(o, "\tif (!th_keystr_eq(k->k%d, w->k%d))\n\t\treturn 0;\n",
					i, i);
			else
				fprintf(o, "\tif (k->k%d != w->k%d)\n\t\treturn 0;\n", i, i);
		}
	}
	fprintf(o,
		"\tslot = th_fe_take(h, c, %s);\n\tif (slot >= TH_FE_CAP)\n\t\treturn 1;\n"
		"\tr = bpf_map_lookup_elem(&th_fe%d, &slot);\n\tif (!r)\n\t\treturn 1;\n"
		"\tth_fe_copy(&r->k, k, sizeof(r->k));\n",
		sorted ? cg_fmt(G, "th_fe%d_sort", s) : "0", s);
	if (fe_keeps_value(n))
		fprintf(o, "\tth_fe_copy(&r->v, v, sizeof(r->v));\n");
	if (sorted)
		fprintf(o, "\th->sw[th_fe_row(slot)] = %s;\n", fe_sort_word(G, n));
	fprintf(o, "\th->n++;\n\treturn 0;\n}\n\n");
}

/* key or value variable var gets the row's field (a C lvalue) */
static void fe_assign(struct gen *G, struct cc_node *var, const char *field, int type)
{
	const char *v;

	if (!var->sym)
		return;
	v = cg_var_ref(G, var->sym);
	if (type == TY_STRING)
		cg_emit(G, "th_strcpy(%s, %s);", v, field);
	else /* the body may not read it: a use for clang's -Wunused-but-set-variable */
		cg_emit(G, "%s = %s; (void)%s;", v, field, v);
}

void cg_kforeach(struct gen *G, struct cc_node *n)
{
	struct cc_sym *a = n->rhs->sym;
	bool fresh = false, sorted = n->sort_by != -2, iter = G->iter_loops;
	int s = fe_site(G, n, &fresh), u = cg_uniq(G), i;
	const char *errjump = G->errjump, *outjump = G->outjump, *key = "0";
	const char *leave = iter ? cg_fmt(G, "bpf_iter_num_destroy(&it%d); ", u) : "";
	int busy = cg_add_site(G, TH_ERR_USER, "foreach entered again on this CPU by a nested probe",
			       "keyword 'foreach'", &n->loc);
	int over = cg_add_site(G, TH_ERR_OVERFLOW,
			       cg_fmt(G, "foreach over more than %lld elements, check MAXFOREACH",
				      (long long)G->cx->lim.maxforeach),
			       cg_fmt(G, "identifier '%s'", a->name), &n->rhs->loc);
	int act = cg_add_site(G, TH_ERR_MAXACTION, "MAXACTION exceeded", "keyword 'foreach'",
			      &n->loc);
	struct cc_vec assigned = { 0 };

	if (fresh)
		fe_define(G, n, s);
	cg_emit(G, "{");
	G->ind++;
	/* the limit, once, before anything; stap's `limit N` with N <= 0 runs no iteration */
	cg_emit(G, "__s64 lim%d = %s;", u, n->cond ? cg_ex(G, n->cond) : "0");
	cg_emit(G, "if (H->err) %s;", errjump);
	if (n->cond)
		cg_emit(G, "if (lim%d > 0) {", u);
	else
		cg_emit(G, "{");
	G->ind++;
	if (n->inc) {
		char *pre;

		key = cg_keys(G, a, n->inc->args, n->inc->nargs, &pre);
		cg_emit(G, "{%s }", pre);
		cg_emit(G, "if (H->err) %s;", errjump);
	}
	cg_emit(G, "struct th_fe_hdr *fh%d = th_fe_open(H, %d, %d);", u, s, busy);
	cg_emit(G, "if (!fh%d) %s;", u, errjump);
	if (iter) {
		cg_emit(G, "struct bpf_iter_num it%d;", u);
		cg_emit(G, "bpf_iter_num_new(&it%d, 0, TH_FE_CAP);", u);
	}
	G->errjump = cg_fmt(G, "goto th_fe%d_err", u);
	G->outjump = cg_fmt(G, "goto th_fe%d_out", u);
	cg_emit(G,
		"{ struct th_fe_ctx c = { .h = fh%d, .key = %s, .lim = lim%d, .sorted = %d, "
		".compact = %d && lim%d > 0 && lim%d <= TH_FE_CAP / 2 }; "
		"bpf_for_each_map_elem(&%s, th_fe%d_copy, &c, 0); }",
		u, key, u, sorted, sorted, u, u, cg_kmap(G, a), s);
	cg_emit(G, "if (fh%d->over) { %s; %s; }", u, cg_err_set(G, over), G->errjump);
	if (sorted)
		cg_emit(G, "th_fe%d_sort(fh%d);", s, u);
	cg_emit(G, "if (lim%d > 0 && fh%d->n > lim%d) fh%d->n = lim%d;", u, u, u, u, u);

	/* the rows, in order */
	if (iter) {
		cg_loop_assigned(G, n->body, &assigned);
		cg_emit(G, "for (;;) {");
		G->ind++;
		for (i = 0; i < assigned.n; i++) {
			const char *v = cg_var_ref(G, assigned.v[i]);

			cg_emit(G, "%s = th_unknown(H, %s);", v, v);
		}
		cg_emit(G, "int *p%d = bpf_iter_num_next(&it%d);", u, u);
		cg_emit(G, "if (!p%d) break;", u);
		cg_emit(G, "__u32 i%d = *p%d;", u, u);
	} else {
		cg_emit(G, "for (__u32 i%d = 0; i%d < TH_FE_CAP; i%d++) {", u, u, u);
		G->ind++;
	}
	cg_emit(G, "if (i%d >= fh%d->n || i%d >= TH_FE_CAP) break;", u, u, u);
	cg_emit(G, "if (++H->actions > TH_MAXACTION) { %s; %s; }", cg_err_set(G, act), G->errjump);
	cg_emit(G, "__u32 slot%d = fh%d->ix[0][th_fe_row(i%d)];", u, u, u);
	cg_emit(G, "struct th_fer%d *r%d = bpf_map_lookup_elem(&th_fe%d, &slot%d);", s, u, s, u);
	cg_emit(G, "if (!r%d) break;", u);
	for (i = 0; i < n->nargs; i++)
		fe_assign(G, n->args[i], cg_fmt(G, "r%d->k.k%d", u, i), a->keytype[i]);
	if (n->lhs)
		fe_assign(G, n->lhs,
			  a->type == TY_STRING ? cg_fmt(G, "r%d->v.s", u) : cg_fmt(G, "r%d->v", u),
			  a->type);
	cg_st(G, n->body);
	G->ind--;
	cg_emit(G, "}");
	G->errjump = errjump;
	G->outjump = outjump;
	cg_emit(G, "%sfh%d->busy = 0;", leave, u);
	cg_emit(G, "goto th_fe%d_done;", u);
	cg_emit(G, "th_fe%d_err: %sfh%d->busy = 0; %s;", u, leave, u, errjump);
	cg_emit(G, "th_fe%d_out: %sfh%d->busy = 0; %s;", u, leave, u,
		outjump ? outjump : "goto th_out");
	cg_emit(G, "th_fe%d_done: ;", u);
	G->ind--;
	cg_emit(G, "}");
	G->ind--;
	cg_emit(G, "}");
}
