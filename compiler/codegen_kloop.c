// SPDX-License-Identifier: MIT
/*
 * codegen_kloop.c - a while or for loop of a kernel-context function on a
 * kernel without open-coded iterators (before 6.4: Debian 12's 6.1), as
 * a bpf_loop() callback.
 *
 * There a plain C loop is verified once per iteration, up to MAXACTION
 * of them, and every branch of the body that both ways can take leaves
 * a state for later: tcpipstat.stp's filter_key(), a loop over its
 * filters with eight map lookups and conditions in the body, passed the
 * verifier's 8192 pending branches ("The sequence of 8193 jumps is too
 * complex").  That kernel checks a bpf_loop() callback once, whatever
 * the count.
 *
 * Once, from the state of its first call: what the callback reads must
 * be what the verifier cannot see through, or it takes the first
 * iteration's constants for every iteration's and removes the branches
 * they rule out as dead code (grt_bpf_regex.h met that).  So the values
 * one iteration hands the next live in the function's frame, a map
 * value: the long locals and parameters, rv, H->actions, and how the
 * iteration ended.  Read from there, each is any number to the
 * verifier, so it checks one iteration from any state: all of them.
 * The pointers (H, FF, ret) stay on the caller's stack, in a struct
 * th_kloop_ctx, where the verifier keeps their types.
 *
 * The callback runs one iteration: the MAXACTION guard, the condition,
 * the body, the for's step.  Its name has the function's, as the C names
 * of a unit (u) start again at each.  The body's own C comes from the ordinary
 * statement code: a `break` leaves the one-pass C loop around it, a
 * `continue` goes to its step, which ends the iteration; an error or a
 * `return` jumps to the callback's labels.  Loops nested in the body
 * stay plain C loops (one callback frame per function: the eBPF call
 * stack has eight, codegen_kernel.c counts them).
 */
#include <stdio.h>
#include <stdlib.h>

#include "compiler/codegen.h"

/* how an iteration ended: F->kl<u>[1] */
enum { KL_NEXT = 0, KL_BREAK = 1, KL_ERR = 2, KL_OUT = 3 };

/* The scalars an iteration hands the next: rv, the long parameters and locals. */
static void carried(struct gen *G, struct cc_func *f, struct cc_vec *out)
{
	int i;

	cc_vec_push(G->cx->arena, out, "rv");
	for (i = 0; i < f->nparams; i++)
		if (f->params[i]->type != TY_STRING)
			cc_vec_push(G->cx->arena, out, cg_fmt(G, "l_%s", f->params[i]->name));
	for (i = 0; i < f->locals.n; i++) {
		struct cc_sym *s = f->locals.v[i];

		if (s->type != TY_STRING)
			cc_vec_push(G->cx->arena, out, cg_fmt(G, "l_%s", s->name));
	}
}

bool cg_kloop_wanted(const struct gen *G)
{
	return G->kernel && !G->iter_loops && G->func && !G->in_kloop;
}

/* The end of an iteration: its state into the frame, for the next or the caller. */
static void save(struct gen *G, int u, const struct cc_vec *vars, int how)
{
	int i;

	cg_emit(G, "F->kl%d[0] = H->actions;", u);
	cg_emit(G, "F->kl%d[1] = %d;", u, how);
	for (i = 0; i < vars->n; i++)
		cg_emit(G, "F->kl%d[%d] = %s;", u, i + 2, (const char *)vars->v[i]);
	/* bpf_loop(): 0 calls again, 1 stops */
	cg_emit(G, "return %d;", how != KL_NEXT);
}

/* The callback's body: one iteration of n, into its own text. */
static char *iteration(struct gen *G, struct cc_node *n, int u, const struct cc_vec *vars)
{
	FILE *saved = G->o;
	const char *errjump = G->errjump, *outjump = G->outjump;
	int ind = G->ind;
	char *buf;
	size_t len;

	G->o = open_memstream(&buf, &len);
	if (!G->o) {
		G->o = saved;
		return NULL;
	}
	G->ind = 1;
	G->in_kloop = true;
	G->errjump = cg_fmt(G, "goto th_kl%d_err", u);
	G->outjump = cg_fmt(G, "goto th_kl%d_out", u);
	cg_loop_guard(G, n, n->kind == N_FOR ? "for" : "while");
	if (n->cond) {
		cg_emit(G, "if (!(%s)) goto th_kl%d_break;", cg_ex(G, n->cond), u);
		cg_emit(G, "if (H->err) %s;", G->errjump);
	}
	/* a break in the body leaves this C loop, a continue goes to its step: next */
	cg_emit(G, "for (int k%d = 0;; k%d = 1) {", u, u);
	G->ind++;
	cg_emit(G, "if (k%d) goto th_kl%d_next;", u, u);
	cg_st(G, n->body);
	cg_emit(G, "goto th_kl%d_next;", u);
	G->ind--;
	cg_emit(G, "}");
	cg_emit(G, "th_kl%d_break: __attribute__((unused));", u);
	save(G, u, vars, KL_BREAK);
	cg_emit(G, "th_kl%d_err: __attribute__((unused));", u);
	save(G, u, vars, KL_ERR);
	cg_emit(G, "th_kl%d_out: __attribute__((unused));", u);
	save(G, u, vars, KL_OUT);
	cg_emit(G, "th_kl%d_next: __attribute__((unused));", u);
	if (n->kind == N_FOR && n->inc) {
		cg_emit(G, "(void)%s;", cg_ex(G, n->inc));
		cg_emit(G, "if (H->err) %s;", G->errjump);
	}
	save(G, u, vars, KL_NEXT);
	fclose(G->o);
	G->o = saved;
	G->ind = ind;
	G->in_kloop = false;
	G->errjump = errjump;
	G->outjump = outjump;
	return buf;
}

void cg_kloop(struct gen *G, struct cc_node *n)
{
	struct cc_func *f = G->func;
	const char *name = cc_func_cname(f);
	struct cc_vec vars = { 0 };
	int u = cg_uniq(G), i;
	char *body;

	carried(G, f, &vars);
	if (n->kind == N_FOR && n->init) {
		cg_emit(G, "(void)%s;", cg_ex(G, n->init));
		cg_emit(G, "if (H->err) %s;", G->errjump);
	}
	body = iteration(G, n, u, &vars);
	if (!body) {
		cc_error(&G->cx->diag, "out of memory");
		return;
	}
	/* the callback and its state in the frame, with the function (gen_kernel_func) */
	fprintf(G->kloops,
		"static long th_kloop_%s_%d(__u32 idx, void *arg)\n{\n"
		"\tstruct th_kloop_ctx *c = arg;\n\tstruct th_hctx *H = c->H;\n"
		"\tstruct th_ffall *FF = c->FF;\n\tchar *ret = c->ret;\n"
		"\tstruct th_ff_%s *F = &FF->f_%s;\n",
		name, u, name, name);
	for (i = 0; i < vars.n; i++)
		fprintf(G->kloops, "\t__s64 %s = F->kl%d[%d];\n", (const char *)vars.v[i], u, i + 2);
	fprintf(G->kloops, "\n\t(void)idx;\n\t(void)ret;\n\tH->actions = F->kl%d[0];\n%s}\n\n", u,
		body);
	free(body);
	cc_vec_push(G->cx->arena, &G->kloop_fields,
		    cg_fmt(G, "\t__s64 kl%d[%d];\n", u, vars.n + 2));

	/* the caller: the state in, the loop, the state out, where the last iteration left */
	cg_emit(G, "{");
	G->ind++;
	cg_emit(G, "struct th_kloop_ctx c%d = { .H = H, .FF = FF, .ret = ret };", u);
	cg_emit(G, "F->kl%d[0] = H->actions;", u);
	cg_emit(G, "F->kl%d[1] = %d;", u, KL_NEXT);
	for (i = 0; i < vars.n; i++)
		cg_emit(G, "F->kl%d[%d] = %s;", u, i + 2, (const char *)vars.v[i]);
	/* one more than MAXACTION: the guard, not the count, ends a runaway loop */
	cg_emit(G, "bpf_loop(TH_MAXACTION + 1, th_kloop_%s_%d, &c%d, 0);", name, u, u);
	cg_emit(G, "H->actions = F->kl%d[0];", u);
	for (i = 0; i < vars.n; i++)
		cg_emit(G, "%s = F->kl%d[%d];", (const char *)vars.v[i], u, i + 2);
	cg_emit(G, "if (F->kl%d[1] == %d) %s;", u, KL_ERR, G->errjump);
	cg_emit(G, "if (F->kl%d[1] == %d) %s;", u, KL_OUT, G->outjump ? G->outjump : "goto th_out");
	G->ind--;
	cg_emit(G, "}");
}
