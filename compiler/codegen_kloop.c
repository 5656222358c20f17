// SPDX-License-Identifier: MIT
/*
 * codegen_kloop.c - a while or for loop of a kernel probe or function on
 * a kernel without open-coded iterators (before 6.4: Debian 12's 6.1), as
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
 * one iteration hands the next live in the unit's frame, a map value:
 * the long locals (and a function's parameters and rv), H->actions, and
 * how the iteration ended.  Read from there, each is any number to the
 * verifier, so it checks one iteration from any state: all of them.  The
 * pointers (H, a function's FF and ret, a probe's frame, context, probe
 * point and literals) stay on the caller's stack, in a struct
 * th_kloop_ctx, where the verifier keeps their types.
 *
 * The callback runs one iteration: the MAXACTION guard, the condition,
 * the body, the for's step.  The body's own C comes from the ordinary
 * statement code: a `break` leaves the one-pass C loop around it, a
 * `continue` goes to its step, which ends the iteration; an error, a
 * `return` or a `next` jumps to the callback's labels.  A loop nested in
 * the body is a callback of its own, defined before its caller's, down
 * to KL_DEPTH.  A callback's name has its unit's, as the C names of a
 * unit (u) start again at each.
 */
#include <stdio.h>
#include <stdlib.h>

#include "compiler/codegen.h"

/*
 * Loops nested deeper stay plain C loops: each level is a frame of the
 * eBPF call stack, which has eight (codegen_kernel.c counts the others).
 */
#define KL_DEPTH 2

/* how an iteration ended: F->kl<u>[1] */
enum { KL_NEXT = 0, KL_BREAK = 1, KL_ERR = 2, KL_OUT = 3 };

/*
 * The scalars an iteration hands the next: a function's rv and long
 * parameters, and the unit's long locals.
 */
static void carried(struct gen *G, struct cc_vec *out)
{
	struct cc_func *f = G->func;
	struct cc_vec *locals = f ? &f->locals : &G->probe->locals;
	int i;

	if (f) {
		cc_vec_push(G->cx->arena, out, "rv");
		for (i = 0; i < f->nparams; i++)
			if (f->params[i]->type != TY_STRING)
				cc_vec_push(G->cx->arena, out, cg_fmt(G, "l_%s", f->params[i]->name));
	}
	for (i = 0; i < locals->n; i++) {
		struct cc_sym *s = locals->v[i];

		if (s->type != TY_STRING)
			cc_vec_push(G->cx->arena, out, cg_fmt(G, "l_%s", s->name));
	}
}

/*
 * A probe's body qualifies unless it keeps C variables of its own a
 * callback would not see: a BTF tracepoint's stash (th_rec), a netfilter
 * verdict or an LSM probe's (th_verdict).
 */
bool cg_kloop_wanted(const struct gen *G)
{
	if (!G->kernel || G->iter_loops || G->in_kloop >= KL_DEPTH || !G->kloops)
		return false;
	return G->func || (G->probe && !G->probe->stash && !G->probe->verdict);
}

/*
 * The callback's head: the unit's pointers and numbers, named as its body
 * names them.  A probe's is written as its body is, for all the probes
 * that share it: the frame type th_frame_pFRAME and the literals' table
 * (pLITSDECL) are filled in with the body (gen_kernel_bodies).
 */
static void head(struct gen *G, int u, const struct cc_vec *vars)
{
	FILE *o = G->kloops;
	int i;

	if (G->func) {
		const char *name = cc_func_cname(G->func);

		fprintf(o,
			"static long th_kloop_%s_%d(__u32 idx, void *arg)\n{\n"
			"\tstruct th_kloop_ctx *c = arg;\n\tstruct th_hctx *H = c->H;\n"
			"\tstruct th_ffall *FF = c->FF;\n\tchar *ret = c->ret;\n"
			"\tstruct th_ff_%s *F = &FF->f_%s;\n",
			name, u, name, name);
	} else {
		fprintf(o,
			"static long th_kloop_pFRAME_%d(__u32 idx, void *arg)\n{\n"
			"\tstruct th_kloop_ctx *c = arg;\n\tstruct th_hctx *H = c->H;\n"
			"\tstruct th_frame_pFRAME *F = c->F;\n\t%sctx = c->ctx;\n"
			"\tconst char *pp = c->pp;\n\t__u32 hidx = c->hidx;\n\tpLITSDECL\n",
			u, cg_kctx_type(G->probe));
	}
	for (i = 0; i < vars->n; i++)
		fprintf(o, "\t__s64 %s = F->kl%d[%d];\n", (const char *)vars->v[i], u, i + 2);
	fprintf(o, "\n\t(void)idx;\n");
	if (G->func)
		fprintf(o, "\t(void)ret;\n");
	else
		fprintf(o, "\t(void)ctx;\n\t(void)pp;\n\t(void)hidx;\n");
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
	G->in_kloop++;
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
	G->in_kloop--;
	G->errjump = errjump;
	G->outjump = outjump;
	return buf;
}

void cg_kloop(struct gen *G, struct cc_node *n)
{
	const char *name = G->func ? cc_func_cname(G->func) : "pFRAME";
	struct cc_vec vars = { 0 };
	int u = cg_uniq(G), i;
	char *body;

	carried(G, &vars);
	if (n->kind == N_FOR && n->init) {
		cg_emit(G, "(void)%s;", cg_ex(G, n->init));
		cg_emit(G, "if (H->err) %s;", G->errjump);
	}
	body = iteration(G, n, u, &vars);
	if (!body) {
		cc_error(&G->cx->diag, "out of memory");
		return;
	}
	/* the callback and its state in the frame, with the unit (gen_kernel_func, _probe) */
	head(G, u, &vars);
	fprintf(G->kloops, "\tH->actions = F->kl%d[0];\n%s}\n\n", u, body);
	free(body);
	cc_vec_push(G->cx->arena, &G->kloop_fields,
		    cg_fmt(G, "\t__s64 kl%d[%d];\n", u, vars.n + 2));

	/* the caller: the state in, the loop, the state out, where the last iteration left */
	cg_emit(G, "{");
	G->ind++;
	if (G->func)
		cg_emit(G, "struct th_kloop_ctx c%d = { .H = H, .FF = FF, .ret = ret };", u);
	else
		cg_emit(G,
			"struct th_kloop_ctx c%d = { .H = H, .F = F, .ctx = ctx, .pp = pp, "
			".hidx = hidx, .lits = pLITSARG };",
			u);
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
