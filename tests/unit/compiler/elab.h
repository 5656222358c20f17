/* SPDX-License-Identifier: MIT */
/*
 * Test helper shared by the compiler tests that need a whole pass 2:
 * parse a script as "t.stp", load the tapsets and elaborate, as tap -p2
 * does, with the diagnostics captured in memory.  Everything is static
 * inline: each test file uses what it needs.
 */
#ifndef TEST_ELAB_H
#define TEST_ELAB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

struct run {
	struct cc_ctx cx;
	int rc;
	char *diag; /* everything the diagnostics printed */
	size_t diaglen;
};

/* When set, called on each fresh context before parsing (a fixed kernel config ...). */
static void (*run_prepare)(struct cc_ctx *cx);

/*
 * Elaborate text as the script "t.stp": timing as tap -t, args the
 * script's arguments ($1 ...), nargs of them.
 */
static inline void run_full(struct run *r, const char *text, bool timing, char **args,
			    int nargs)
{
	FILE *out;

	memset(r, 0, sizeof(*r));
	cc_ctx_init(&r->cx);
	r->cx.timing = timing;
	r->cx.argv = args;
	r->cx.argc = nargs;
	out = open_memstream(&r->diag, &r->diaglen);
	r->cx.diag.out = out;
	if (run_prepare)
		run_prepare(&r->cx);
	r->cx.script = cc_parse_source(&r->cx, cc_source_text(&r->cx, "t.stp", text));
	r->rc = r->cx.diag.nerrors ? -1 : 0;
	if (!r->rc)
		r->rc = cc_load_tapsets(&r->cx);
	if (!r->rc)
		r->rc = cc_elaborate(&r->cx);
	fclose(out);
}

static inline void run_opts(struct run *r, const char *text, bool timing)
{
	run_full(r, text, timing, NULL, 0);
}

static inline void run_args(struct run *r, const char *text, char **args, int nargs)
{
	run_full(r, text, false, args, nargs);
}

static inline void run(struct run *r, const char *text)
{
	run_full(r, text, false, NULL, 0);
}

static inline void done(struct run *r)
{
	cc_ctx_release(&r->cx);
	free(r->diag);
}

/* Elaboration fails and says msg (a substring) somewhere. */
static inline void expect_error(const char *text, const char *msg)
{
	struct run r;

	run(&r, text);
	assert_int_not_equal(r.rc, 0);
	if (!r.diag || !strstr(r.diag, msg))
		fail_msg("expected '%s' in:\n%s", msg, r.diag ? r.diag : "(nothing)");
	done(&r);
}

/* Elaborate text, which must be right, and generate its code into *out (cc_output_free). */
static inline void codegen(const char *text, struct cc_output *out)
{
	struct run r;

	run(&r, text);
	if (r.rc)
		fail_msg("unexpected errors:\n%s", r.diag ? r.diag : "(nothing)");
	assert_int_equal(cc_codegen(&r.cx, out), 0);
	done(&r);
}

#endif /* TEST_ELAB_H */
