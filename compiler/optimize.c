// SPDX-License-Identifier: MIT
/*
 * Optimisation after elaboration: elide assignments whose value nobody
 * reads.
 *
 * Tapset aliases compute many variables for every event (`name`,
 * `argstr`, `filename` ...) and a probe usually reads one or two of them.
 * SystemTap drops the rest ("eliding unused variables"); so do we: an
 * expression statement `local = expr` where the local is never read in
 * its probe or function, and expr has no side effect, becomes a no-op.
 * Removing one assignment can leave another local unread, so the pass
 * repeats until nothing changes.  That is what keeps `probe syscall.* { n++ }`
 * as cheap as a bare counter: no string is built for an unread argstr.
 *
 * Side effects are: assignments, ++/--, <<<, delete, printing, exit(),
 * abort(), error(), warn(), divisions by anything but a non-zero literal (they can
 * fail), and calls of script functions that have any of those
 * (transitively).  A failed string read inside an elided expression is
 * not reported, as in stap.
 */
#include <string.h>

#include "compiler/compiler.h"

/* Builtins without side effects (everything that only computes a value). */
static bool builtin_pure(int id)
{
	switch (id) {
	case B_EXIT: case B_ABORT: case B_ERROR: case B_WARN: case B_LOG:
	case B_PRINTF: case B_PRINT: case B_PRINTLN: case B_PRINTD: case B_PRINTDLN:
	case B_RANDINT: /* advances the generator */
		return false;
	default:
		return true;
	}
}

static bool pure(const struct cc_node *n, int depth);

static bool func_pure(struct cc_func *f, int depth)
{
	/* aux caches the verdict: 1 pure, 2 impure; recursion counts as impure */
	if (depth > 32)
		return false;
	if (f->body && f->body->aux)
		return f->body->aux == (void *)1;
	if (f->visiting)
		return false;
	f->visiting = true;
	{
		bool p = pure(f->body, depth + 1);

		f->visiting = false;
		if (f->body)
			f->body->aux = p ? (void *)1 : (void *)2;
		return p;
	}
}

static bool pure(const struct cc_node *n, int depth)
{
	int i;

	if (!n)
		return true;
	switch (n->kind) {
	case N_ASSIGN:
		/* assigning a function's own locals is fine; anything else is not */
		if (n->lhs->kind != N_VAR || !n->lhs->sym || n->lhs->sym->kind == SYM_GLOBAL)
			return false;
		return pure(n->rhs, depth);
	case N_INCDEC:
		if (n->lhs->kind != N_VAR || !n->lhs->sym || n->lhs->sym->kind == SYM_GLOBAL)
			return false;
		return true;
	case N_AGG:
	case N_DELETE:
	case N_NEXT:
		return false;
	case N_BINOP:
		/* a division that can fail is a side effect: its error must show */
		if ((!strcmp(n->op, "/") || !strcmp(n->op, "%")) &&
		    (n->rhs->kind != N_NUM || n->rhs->num == 0))
			return false;
		/* a match is what matched() reads afterwards */
		if (!strcmp(n->op, "=~") || !strcmp(n->op, "!~"))
			return false;
		break;
	case N_CALL:
		if (n->func && !func_pure(n->func, depth))
			return false;
		if (n->builtin && !builtin_pure(n->builtin))
			return false;
		break;
	default:
		break;
	}
	if (!pure(n->lhs, depth) || !pure(n->rhs, depth) || !pure(n->cond, depth) ||
	    !pure(n->then, depth) || !pure(n->els, depth) || !pure(n->init, depth) ||
	    !pure(n->inc, depth) || !pure(n->body, depth))
		return false;
	for (i = 0; i < n->nargs; i++)
		if (!pure(n->args[i], depth))
			return false;
	return true;
}

/* Mark every local that is read somewhere (written-only locals stay unmarked). */
static void mark_reads(struct cc_node *n, bool *changed)
{
	int i;

	if (!n)
		return;
	if (n->kind == N_VAR && n->sym && n->sym->kind != SYM_GLOBAL)
		n->sym->read = true;
	if (n->kind == N_ASSIGN && n->lhs->kind == N_VAR) {
		/* x = e does not read x; x += e does */
		if (strcmp(n->op, "=") && n->lhs->sym && n->lhs->sym->kind != SYM_GLOBAL)
			n->lhs->sym->read = true;
		mark_reads(n->rhs, changed);
		return;
	}
	if (n->kind == N_FOREACH) {
		/* key and value variables are written, not read, by foreach itself */
		mark_reads(n->rhs, changed);
		mark_reads(n->cond, changed);
		mark_reads(n->body, changed);
		return;
	}
	mark_reads(n->lhs, changed);
	mark_reads(n->rhs, changed);
	mark_reads(n->cond, changed);
	mark_reads(n->then, changed);
	mark_reads(n->els, changed);
	mark_reads(n->init, changed);
	mark_reads(n->inc, changed);
	mark_reads(n->body, changed);
	for (i = 0; i < n->nargs; i++)
		mark_reads(n->args[i], changed);
}

static void elide(struct cc_node *n, bool *changed)
{
	int i;

	if (!n)
		return;
	if (n->kind == N_EXPR && n->lhs->kind == N_ASSIGN && !strcmp(n->lhs->op, "=") &&
	    n->lhs->lhs->kind == N_VAR && n->lhs->lhs->sym &&
	    n->lhs->lhs->sym->kind == SYM_LOCAL && !n->lhs->lhs->sym->read &&
	    pure(n->lhs->rhs, 0)) {
		n->kind = N_NOP;
		n->lhs = NULL;
		*changed = true;
		return;
	}
	elide(n->then, changed);
	elide(n->els, changed);
	elide(n->body, changed);
	for (i = 0; i < n->nargs; i++)
		if (n->kind == N_BLOCK)
			elide(n->args[i], changed);
}

static void clear_reads(struct cc_vec *locals)
{
	int i;

	for (i = 0; i < locals->n; i++)
		((struct cc_sym *)locals->v[i])->read = false;
}

static void optimize_unit(struct cc_node *body, struct cc_vec *locals)
{
	bool changed;
	int rounds = 0;

	do {
		changed = false;
		clear_reads(locals);
		mark_reads(body, &changed);
		elide(body, &changed);
	} while (changed && ++rounds < 64);
	/* leave the read marks right for later passes */
	clear_reads(locals);
	mark_reads(body, &changed);
}

int cc_optimize(struct cc_ctx *cx)
{
	struct cc_prog *P = cx->prog;
	int i;

	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		optimize_unit(d->body, &d->locals);
	}
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		optimize_unit(f->body, &f->locals);
	}
	return 0;
}
