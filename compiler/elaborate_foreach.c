// SPDX-License-Identifier: MIT
/*
 * elaborate_foreach.c - an array may not change while a foreach walks it,
 * as in SystemTap: assigning an element of it, ++/--, <<< or delete, in
 * the body or in a function the body calls (at any depth), is an error at
 * pass 2 with stap's words:
 *
 *   variable 'a' modified during 'foreach' iteration
 *   function call modifies var 'a' during 'foreach' iteration
 *
 * Both sides iterate a snapshot (the user side a table, kernel probes a
 * per-CPU copy), so a change would not be seen by the loop; stap refuses
 * it, and a script that relies on it would behave differently there.
 * Other probes, on other CPUs, may change the array meanwhile: the
 * snapshot is what the loop sees.
 */
#include <string.h>

#include "compiler/compiler.h"
#include "compiler/elaborate.h"

/* What a function changes, itself or through its callees. */
struct fe_fn {
	struct cc_func *f;
	struct cc_vec writes; /* struct cc_sym*, each once */
	bool busy;	      /* being computed (recursion in user code) */
};

struct fe_walk {
	struct cc_ctx *cx;
	struct cc_vec fns;	/* struct fe_fn* */
	struct cc_vec iterated; /* struct cc_sym*: the arrays of the enclosing foreach loops */
	struct cc_vec reported; /* struct cc_node*: clones share the source place; say it once */
};

/* The array a statement or expression n changes, or NULL. */
static struct cc_sym *fe_target(const struct cc_node *n)
{
	const struct cc_node *x;

	switch (n->kind) {
	case N_ASSIGN:
	case N_INCDEC:
	case N_AGG:
	case N_DELETE:
		x = n->lhs;
		break;
	default:
		return NULL;
	}
	if (!x)
		return NULL;
	if (x->kind == N_INDEX && x->lhs && x->lhs->sym && x->lhs->sym->is_array)
		return x->lhs->sym;
	if (n->kind == N_DELETE && x->kind == N_VAR && x->sym && x->sym->is_array)
		return x->sym;
	return NULL;
}

static void fe_add(struct cc_ctx *cx, struct cc_vec *v, struct cc_sym *s)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->v[i] == s)
			return;
	cc_vec_push(cx->arena, v, s);
}

static struct fe_fn *fe_fn_writes(struct fe_walk *W, struct cc_func *f);

struct fe_collecting {
	struct fe_walk *W;
	struct cc_vec *out;
};

/* every array n changes, directly or through calls, into C->out */
static void fe_collect(void *arg, struct cc_node *n)
{
	struct fe_collecting *C = arg;
	struct cc_sym *t = fe_target(n);
	int i;

	if (t)
		fe_add(C->W->cx, C->out, t);
	if (n->kind == N_CALL && n->func) {
		struct fe_fn *c = fe_fn_writes(C->W, n->func);

		for (i = 0; c && i < c->writes.n; i++)
			fe_add(C->W->cx, C->out, c->writes.v[i]);
	}
	cc_node_each(n, fe_collect, C);
}

/*
 * f's changes, computed once.  A recursive call (user code may recurse)
 * adds nothing the outer walk of f does not find itself.
 */
static struct fe_fn *fe_fn_writes(struct fe_walk *W, struct cc_func *f)
{
	struct fe_fn *e = NULL;
	int i;

	for (i = 0; i < W->fns.n; i++)
		if (((struct fe_fn *)W->fns.v[i])->f == f)
			e = W->fns.v[i];
	if (e)
		return e->busy ? NULL : e;
	e = cc_alloc(W->cx->arena, sizeof(*e));
	e->f = f;
	cc_vec_push(W->cx->arena, &W->fns, e);
	e->busy = true;
	if (f->body) {
		struct fe_collecting C = { W, &e->writes };

		fe_collect(&C, f->body);
	}
	e->busy = false;
	return e;
}

static bool fe_iterated(const struct fe_walk *W, const struct cc_sym *s)
{
	int i;

	for (i = 0; i < W->iterated.n; i++)
		if (W->iterated.v[i] == s)
			return true;
	return false;
}

static bool fe_first_report(struct fe_walk *W, const struct cc_node *n)
{
	int i;

	for (i = 0; i < W->reported.n; i++) {
		const struct cc_node *m = W->reported.v[i];

		if (m->loc.file == n->loc.file && m->loc.off == n->loc.off)
			return false;
	}
	cc_vec_push(W->cx->arena, &W->reported, (void *)n);
	return true;
}

static void fe_check(void *arg, struct cc_node *n)
{
	struct fe_walk *W = arg;
	struct cc_sym *t = fe_target(n);
	int i, depth = W->iterated.n;

	if (t && fe_iterated(W, t) && fe_first_report(W, n->lhs))
		cc_error_at(&W->cx->diag, &n->lhs->loc, "variable '%s' modified during 'foreach' iteration",
			    t->name);
	if (n->kind == N_CALL && n->func && W->iterated.n) {
		struct fe_fn *c = fe_fn_writes(W, n->func);

		for (i = 0; c && i < c->writes.n; i++)
			if (fe_iterated(W, c->writes.v[i]) && fe_first_report(W, n))
				cc_error_at(&W->cx->diag, &n->loc,
					    "function call modifies var '%s' during 'foreach' iteration",
					    ((struct cc_sym *)c->writes.v[i])->name);
	}
	/* as stap: the array is held for the whole statement, its limit too */
	if (n->kind == N_FOREACH && n->rhs && n->rhs->sym)
		cc_vec_push(W->cx->arena, &W->iterated, n->rhs->sym);
	cc_node_each(n, fe_check, W);
	W->iterated.n = depth;
}

void elab_foreach_check(struct elab *E)
{
	struct fe_walk W = {.cx = E->cx};
	int i;

	for (i = 0; i < E->prog->probes.n; i++) {
		struct cc_dprobe *d = E->prog->probes.v[i];

		if (d->body)
			fe_check(&W, d->body);
	}
	for (i = 0; i < E->prog->funcs.n; i++) {
		struct cc_func *f = E->prog->funcs.v[i];

		if (f->body)
			fe_check(&W, f->body);
	}
}
