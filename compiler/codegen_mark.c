// SPDX-License-Identifier: MIT
/*
 * Which marker probes a marked program serves itself: a no-trap marker
 * (include/taphub/marker.h) writes its record into the session's ring
 * instead of trapping into the uprobe, when the probe's whole body is
 * that record:
 *
 *   probe process("app").mark("m") { printf("...", $arg1, user_string($arg2)) }
 *
 * one printf whose arguments are the marker's, in order: $argK for an
 * integer argument, user_string($argK) for a string.  The probe is still
 * compiled and attached as a uprobe (its semaphore enables the marker, and
 * a process without a ring, or a marker the table does not list, takes
 * the trap); the meta's `mark FMT PROVIDER NAME` line after its program
 * says which format the marker's own records use.  Two probes on one
 * site, a condition, anything else in the body: the trap, as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"

/* argument k (0-based) of a marker, as the printf passes it: $argK+1 or user_string($argK+1) */
static bool is_arg(const struct cc_node *a, int k, char type)
{
	char want[16];

	if (type == 's') {
		if (a->kind != N_CALL || a->builtin != B_USER_STRING || a->nargs != 1)
			return false;
		a = a->args[0];
	}
	snprintf(want, sizeof(want), "arg%d", k + 1);
	return a->kind == N_TARGET && !a->nargs && a->name && !strcmp(a->name, want);
}

int cg_mark_fmt(struct gen *G, const struct cc_dprobe *d)
{
	const struct cc_sdt_note *m = d->sdt;
	const struct cc_node *b = d->body, *call;
	int types[64], nt, i;
	const char *err;
	size_t off;

	if (d->kind != PK_UPROBE || !m || !m->mark_types || d->uret)
		return 0;
	/* the site writes one record per hit: one probe on it */
	for (i = 0; i < G->prog->probes.n; i++) {
		const struct cc_dprobe *e = G->prog->probes.v[i];

		if (e != d && e->kind == PK_UPROBE && e->uoff == d->uoff &&
		    !strcmp(e->upath, d->upath))
			return 0;
	}
	while (b && b->kind == N_BLOCK && b->nargs == 1)
		b = b->args[0];
	if (!b || b->kind != N_EXPR || !b->lhs)
		return 0;
	call = b->lhs;
	if (call->kind != N_CALL || call->builtin != B_PRINTF || call->nargs != m->nargs + 1 ||
	    call->args[0]->kind != N_STR)
		return 0;
	nt = cc_format_types(call->args[0]->str, call->args[0]->slen, types, 64, &err, &off);
	if (nt != m->nargs)
		return 0;
	for (i = 0; i < nt; i++) {
		char t = m->mark_types[i];

		if ((t == 's') != (types[i] == TY_STRING) || !is_arg(call->args[i + 1], i, t))
			return 0;
	}
	/* the format the uprobe's program registered for the same printf */
	return cg_add_fmt(G, call->args[0]->str, call->args[0]->slen, types, nt);
}
