/* SPDX-License-Identifier: MIT */
/*
 * Shared by the compiler's unit tests (include after cmocka.h): parse and
 * elaborate a script with the built-in tapsets, collecting what the
 * diagnostics print.
 */
#ifndef TEST_SCRIPT_H
#define TEST_SCRIPT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

struct run {
	struct cc_ctx cx;
	int rc;
	char *diag;  /* everything the diagnostics printed */
	size_t diaglen;
};

/* args: the script's arguments ($1 ...), nargs of them */
static inline void run_args(struct run *r, const char *text, char **args, int nargs)
{
	FILE *out;

	memset(r, 0, sizeof(*r));
	cc_ctx_init(&r->cx);
	r->cx.argv = args;
	r->cx.argc = nargs;
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
	run_args(r, text, NULL, 0);
}

static inline void done(struct run *r)
{
	cc_ctx_release(&r->cx);
	free(r->diag);
}

/* The script fails with msg among its diagnostics. */
static inline void expect_error(const char *text, const char *msg)
{
	struct run r;

	run(&r, text);
	assert_int_not_equal(r.rc, 0);
	if (!r.diag || !strstr(r.diag, msg))
		fail_msg("expected '%s' in:\n%s", msg, r.diag ? r.diag : "(nothing)");
	done(&r);
}

#endif /* TEST_SCRIPT_H */
