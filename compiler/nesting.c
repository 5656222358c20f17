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

/*
 * Each function's height (the most calls in a chain below it) is worked
 * out once (nest_h, nest_st), so a script whose functions call each other
 * many times costs one visit per call site, not one per path.  A call
 * back into the chain being walked is recursion: it counts as one call,
 * as stap's walk counts the repeated call and stops there.
 */
struct nestwalk {
	int max;
	bool recursive;
};

static int nest_height(struct nestwalk *W, struct cc_func *f);

struct nestbody {
	struct nestwalk *W;
	int h; /* the highest call below, so far */
};

static void nest_node(void *arg, struct cc_node *n)
{
	struct nestbody *B = arg;

	if (n->kind == N_CALL && n->func) {
		int h = 1 + nest_height(B->W, n->func);

		if (h > B->h)
			B->h = h;
	}
	cc_node_each(n, nest_node, B);
}

static int nest_height(struct nestwalk *W, struct cc_func *f)
{
	struct nestbody B = { .W = W };

	if (f->nest_st == 1) { /* on the chain: recursion */
		W->recursive = true;
		return 0;
	}
	if (f->nest_st == 2)
		return f->nest_h;
	f->nest_st = 1;
	if (f->body)
		nest_node(&B, f->body);
	f->nest_st = 2;
	f->nest_h = B.h;
	return B.h;
}

/* Second pass: each call site from a function, with the heights known. */
static void nest_sites(void *arg, struct cc_node *n)
{
	struct nestwalk *W = arg;

	if (n->kind == N_CALL && n->func && 1 + n->func->nest_h > W->max)
		W->max = 1 + n->func->nest_h;
	cc_node_each(n, nest_sites, W);
}

int64_t cc_default_maxnesting(const struct cc_prog *P)
{
	struct nestwalk W = { 0 };
	int i;

	for (i = 0; i < P->funcs.n; i++)
		nest_height(&W, P->funcs.v[i]);
	/*
	 * stap walks each function's body with nothing on the chain, so a
	 * called function's own chain is counted from its call: 1 + its height
	 */
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		if (f->body)
			nest_sites(&W, f->body);
	}
	return W.max + 1 + (W.recursive ? 10 : 0);
}
