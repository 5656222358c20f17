// SPDX-License-Identifier: MIT
/*
 * MAXNESTING when the user does not set it: as stap computes it, from the
 * call graph.  From each function's body, the deepest chain of calls that
 * does not repeat a function (a call back into the chain marks the script
 * recursive and ends the chain), plus one for the probe's own call, plus
 * 10 more when anything recurses.  A script whose functions never recurse
 * thus gets at least the depth it can reach; a recursive one, ten levels
 * more than its straight chains.  A call deeper than MAXNESTING fails
 * (codegen_user.c), as in stap.
 */
#include "compiler/compiler.h"

struct nestwalk {
	const struct cc_func *stack[64];
	int depth, max;
	bool recursive;
};

static void nest_node(void *arg, struct cc_node *n);

static void nest_call(struct nestwalk *W, const struct cc_func *f)
{
	int i;

	if (W->depth + 1 > W->max)
		W->max = W->depth + 1;
	for (i = 0; i < W->depth; i++) {
		if (W->stack[i] == f) {
			W->recursive = true;
			return;
		}
	}
	/* elaboration refuses deeper static chains ("function calls nest too deeply") */
	if (W->depth >= (int)(sizeof(W->stack) / sizeof(W->stack[0])))
		return;
	W->stack[W->depth++] = f;
	if (f->body)
		nest_node(W, f->body);
	W->depth--;
}

static void nest_node(void *arg, struct cc_node *n)
{
	struct nestwalk *W = arg;

	if (n->kind == N_CALL && n->func)
		nest_call(W, n->func);
	cc_node_each(n, nest_node, W);
}

int64_t cc_default_maxnesting(const struct cc_prog *P)
{
	struct nestwalk W = { .depth = 0 };
	int i;

	for (i = 0; i < P->funcs.n; i++) {
		const struct cc_func *f = P->funcs.v[i];

		/* stap walks each function's body with nothing on the chain */
		W.depth = 0;
		if (f->body)
			nest_node(&W, f->body);
	}
	return W.max + 1 + (W.recursive ? 10 : 0);
}
