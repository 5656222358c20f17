/* SPDX-License-Identifier: MIT */
/*
 * What the compiler tests that elaborate a script share: parse a script
 * with the built-in tapsets, elaborate it (stap's pass 2) and keep the
 * diagnostics it printed.  Included by one test file each, after cmocka.
 */
#ifndef TESTS_UNIT_COMPILER_ELAB_RUN_H
#define TESTS_UNIT_COMPILER_ELAB_RUN_H

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

/* Elaborate text as the script "t.stp"; timing: as tap -t. */
static inline void run_opts(struct run *r, const char *text, bool timing)
{
	FILE *out;

	memset(r, 0, sizeof(*r));
	cc_ctx_init(&r->cx);
	r->cx.timing = timing;
	out = open_memstream(&r->diag, &r->diaglen);
	r->cx.diag.out = out;
	r->cx.script = cc_parse_source(&r->cx, cc_source_text(&r->cx, "t.stp", text));
	r->rc = r->cx.diag.nerrors ? -1 : 0;
	if (!r->rc)
		r->rc = cc_load_tapsets(&r->cx);
	if (!r->rc)
		r->rc = cc_elaborate(&r->cx);
	fclose(out);
}

static inline void run(struct run *r, const char *text)
{
	run_opts(r, text, false);
}

static inline void done(struct run *r)
{
	cc_ctx_release(&r->cx);
	free(r->diag);
}

/* The script fails and the diagnostics say msg. */
static inline void expect_error(const char *text, const char *msg)
{
	struct run r;

	run(&r, text);
	assert_int_not_equal(r.rc, 0);
	if (!r.diag || !strstr(r.diag, msg))
		fail_msg("expected '%s' in:\n%s", msg, r.diag ? r.diag : "(nothing)");
	done(&r);
}

#endif /* TESTS_UNIT_COMPILER_ELAB_RUN_H */
