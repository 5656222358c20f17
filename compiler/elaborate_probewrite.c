// SPDX-License-Identifier: MIT
/*
 * elaborate_probewrite.c - @probewrite(var): 1 when the body the script
 * wrote for a probe assigns var, else 0.
 *
 * It is how an alias's epilogue learns what the user's body did (did it
 * set `var` itself, or should the epilogue supply a default?), so only the
 * user's body counts: an alias's own prologue writing var does not make
 * @probewrite(var) true.  A question about the program text, answered
 * when the derived probe's body is put together (elaborate_expand.c): the
 * operator becomes the number 0 or 1, no code and no debuginfo.  Writes
 * are assignments (=, +=, ...), ++/--, <<< and a foreach's key or value
 * variable; $target = ... (guru mode) counts for @probewrite($target).
 */
#include <string.h>

#include "compiler/compiler.h"
#include "compiler/elaborate.h"

struct pw_find {
	const struct cc_node *var; /* the N_VAR or N_TARGET asked about */
	bool written;
};

static bool pw_same(const struct cc_node *a, const struct cc_node *b)
{
	return a && b && a->kind == b->kind && a->name && b->name && !strcmp(a->name, b->name);
}

static void pw_scan(void *arg, struct cc_node *n)
{
	struct pw_find *f = arg;
	int i;

	if (f->written)
		return;
	switch (n->kind) {
	case N_ASSIGN:
	case N_INCDEC:
	case N_AGG:
		if (pw_same(n->lhs, f->var))
			f->written = true;
		break;
	case N_FOREACH:
		for (i = 0; i < n->nargs; i++)
			if (pw_same(n->args[i], f->var))
				f->written = true;
		if (pw_same(n->lhs, f->var))
			f->written = true;
		break;
	default:
		break;
	}
	cc_node_each(n, pw_scan, f);
}

struct pw_resolve {
	struct cc_ctx *cx;
	struct cc_node *user_body;
};

static void pw_resolve(void *arg, struct cc_node *n)
{
	struct pw_resolve *r = arg;
	struct pw_find f = { 0 };

	if (n->kind != N_DWARF || !n->name || strcmp(n->name, "@probewrite")) {
		cc_node_each(n, pw_resolve, r);
		return;
	}
	if (n->num != 1 || n->nargs != 1 ||
	    (n->args[0]->kind != N_VAR && n->args[0]->kind != N_TARGET)) {
		cc_error_at(&r->cx->diag, &n->loc,
			    "'@probewrite' takes one variable: @probewrite(var) or "
			    "@probewrite($var)");
		return;
	}
	f.var = n->args[0];
	pw_scan(&f, r->user_body);
	n->kind = N_NUM;
	n->num = f.written;
	n->nargs = 0;
	n->args = NULL;
	n->type = TY_LONG;
}

void elab_probewrite_resolve(struct cc_ctx *cx, struct cc_node *body, struct cc_node *user_body)
{
	struct pw_resolve r = { cx, user_body };

	pw_resolve(&r, body);
}
