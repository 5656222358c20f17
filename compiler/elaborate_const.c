// SPDX-License-Identifier: MIT
/*
 * elaborate_const.c - @const("NAME"): a constant of the kernel or of the
 * runtime, as a number.
 *
 * stap pastes NAME into the C of its kernel module, so any macro or
 * expression the kernel's headers define works there, in guru mode only.
 * taphub compiles no C against the kernel's headers (BTF types, no
 * macros), so it knows NAME only when it can tell its value honestly:
 * the runtime's own switches (a short table), and the kernel's enumerators,
 * which BTF has (as @enum). Any other name is an error that says so,
 * never a guess. Guru mode (-g) is required, as in stap.
 */
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"
#include "compiler/elaborate.h"

/* The runtime's switches stap's scripts and tapsets ask @const about. */
static bool const_runtime(const char *name, int64_t *ret)
{
	if (!strcmp(name, "STP_SKIP_BADVARS")) {
		/* stap's --skip-badvars, which taphub has not: a bad $var is always an error */
		*ret = 0;
		return true;
	}
	if (!strcmp(name, "TASK_COMM_LEN")) {
		/* part of the kernel's ABI (prctl(PR_SET_NAME)): 16 on every kernel */
		*ret = 16;
		return true;
	}
	if (!strcmp(name, "PAGE_SIZE") || !strcmp(name, "PAGE_SHIFT")) {
		/* of the kernel the object is compiled for: this one (the cache key says so) */
		long sz = sysconf(_SC_PAGESIZE);

		*ret = sz;
		if (!strcmp(name, "PAGE_SHIFT"))
			for (*ret = 0; (1L << *ret) < sz; (*ret)++)
				;
		return true;
	}
	return false;
}

bool elab_const(struct elab *E, struct cc_node *n)
{
	struct cc_ctx *cx = E->cx;
	const char *name;
	struct cc_btf *b = NULL;
	int64_t val;

	if (!cx->guru) {
		cc_error_at(&cx->diag, &n->loc,
			    "'@const' is not permitted without guru mode (-g), as in stap");
		return false;
	}
	if (n->num != 1 || n->nargs != 1 || n->args[0]->kind != N_STR) {
		cc_error_at(&cx->diag, &n->loc, "'@const' takes one string literal: @const(\"NAME\")");
		return false;
	}
	name = n->args[0]->str;
	if (!const_runtime(name, &val) &&
	    (cc_ctx_btf(cx, &b) < 0 || cc_btf_enumerator(b, name, NULL, &val) < 0)) {
		cc_error_at(&cx->diag, &n->args[0]->loc,
			    "@const(\"%s\"): taphub does not compile C against the kernel's headers, "
			    "so it knows only the kernel's enumerators (from BTF) and STP_SKIP_BADVARS, "
			    "TASK_COMM_LEN, PAGE_SIZE, PAGE_SHIFT; '%s' is none of them",
			    name, name);
		return false;
	}
	n->kind = N_NUM;
	n->num = val;
	n->nargs = 0;
	n->args = NULL;
	return true;
}
