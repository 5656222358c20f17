// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/driver.c and what it hands to code generation:
 * -G NAME=VALUE (a global's initial value, type-checked), the limits
 * MAXACTION / MAXACTION_INTERRUPTIBLE of user-context probes, and tap -t's
 * instrumentation (the th_timing map, the meta's timing lines).  Each case
 * stops at pass 3 and reads the generated C and meta; user-context probes
 * only, so no kernel is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

struct build {
	struct cc_ctx cx;
	int rc;
	char *out;  /* what pass 3 printed: the C of both sides and the meta */
	size_t outlen;
	char *diag; /* the diagnostics */
	size_t diaglen;
};

/* Pass 3 of text with -G options (NULL-terminated) and -D limits. */
static void build(struct build *b, const char *text, char **gopts, const char *limit,
		  const char *value, bool timing)
{
	struct cc_build_opts bo = { .last_pass = 3 };
	struct cc_artifact art;
	FILE *diag;

	memset(b, 0, sizeof(*b));
	cc_ctx_init(&b->cx);
	diag = open_memstream(&b->diag, &b->diaglen);
	b->cx.diag.out = diag;
	b->cx.timing = timing;
	while (gopts && gopts[b->cx.ngopts])
		b->cx.ngopts++;
	b->cx.gopts = gopts;
	if (limit)
		assert_int_equal(cc_set_limit(&b->cx, limit, value), 1);
	bo.out = open_memstream(&b->out, &b->outlen);
	b->rc = cc_build(&b->cx, cc_source_text(&b->cx, "t.stp", text), &bo, &art);
	if (!b->rc && b->cx.diag.nerrors)
		b->rc = -1;
	fclose(bo.out);
	fclose(diag);
	cc_artifact_release(&art);
}

static void done(struct build *b)
{
	cc_ctx_release(&b->cx);
	free(b->out);
	free(b->diag);
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("expected '%s' in:\n%s", want, text);
}

static struct cc_sym *script_global(struct build *b, const char *name)
{
	int i;

	for (i = 0; i < b->cx.script->globals.n; i++) {
		struct cc_sym *g = b->cx.script->globals.v[i];

		if (!strcmp(g->name, name))
			return g;
	}
	fail_msg("no global %s", name);
	return NULL;
}

static void gopt_sets_initial_values(void **state)
{
	char *g[] = { "n=42", "s=hello", "t=7", "h=0x10", "m=-3", NULL };
	struct build b;

	build(&b, "global n, s, t = \"x\", h, m\n"
		  "probe begin { printf(\"%d %s %s %d %d\\n\", n, s, t, h, m) }",
		  g, NULL, NULL, false);
	assert_int_equal(b.rc, 0);
	assert_int_equal(script_global(&b, "n")->init->kind, N_NUM);
	assert_int_equal(script_global(&b, "n")->init->num, 42);
	assert_int_equal(script_global(&b, "s")->type, TY_STRING);
	assert_string_equal(script_global(&b, "s")->init->str, "hello");
	/* a string global keeps a number as its text */
	assert_int_equal(script_global(&b, "t")->init->kind, N_STR);
	assert_string_equal(script_global(&b, "t")->init->str, "7");
	assert_int_equal(script_global(&b, "h")->init->num, 16);
	assert_int_equal(script_global(&b, "m")->init->num, -3);
	/* user-only globals start with it */
	has(b.out, "static __s64 ug_n = ((__s64)42LL);");
	has(b.out, "static char ug_s[TH_MAXSTR] = \"hello\";");
	has(b.out, "static char ug_t[TH_MAXSTR] = \"7\";");
	/* and it counts as a write: n is read, so nothing is printed at the end */
	assert_true(script_global(&b, "n")->written);
	done(&b);
}

static void gopt_errors(void **state)
{
	static const struct {
		const char *script, *gopt, *msg;
	} cases[] = {
		{ "global n\nprobe begin { n = 1 }", "nope=1",
		  "error: -G nope=1: the script has no global 'nope'" },
		{ "global n = 5\nprobe begin { println(n) }", "n=abc",
		  "error: -G n=abc: 'n' is a number global, and 'abc' is not a number" },
		{ "global a[10]\nprobe begin { a[1] = 1 }", "a=1", "error: -G a=1: 'a' is an array" },
		/* an array known only from its uses: refused at its declaration */
		{ "global a\nprobe begin { a[1] = 1 }", "a=1",
		  "t.stp:1:8: error: array 'a' cannot have an initializer" },
		{ "global n\nprobe begin { n = 1 }", "n", "error: -G n: expected NAME=VALUE" },
		/* a string for a global the script uses as a number */
		{ "global u\nprobe begin { printf(\"%d\\n\", u) }", "u=abc",
		  "type mismatch: 'u' is string" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *g[] = { (char *)cases[i].gopt, NULL };
		struct build b;

		build(&b, cases[i].script, g, NULL, NULL, false);
		assert_int_not_equal(b.rc, 0);
		has(b.diag, cases[i].msg);
		done(&b);
	}
}

static void user_probes_get_maxaction_interruptible(void **state)
{
	struct build b;

	/* kernel probes would get MAXACTION; user ones ten times that, as stap */
	build(&b, "probe begin { }", NULL, NULL, NULL, false);
	assert_int_equal(b.rc, 0);
	has(b.out, "user-context probes */\n#define TH_MAXSTR 128\n#define TH_STRLEN 128\n");
	has(b.out, "#define TH_MAXACTION 10000\n");
	done(&b);
	build(&b, "probe begin { }", NULL, "MAXACTION", "50", false);
	has(b.out, "#define TH_MAXACTION 500\n");
	done(&b);
	build(&b, "probe begin { }", NULL, "MAXACTION_INTERRUPTIBLE", "123", false);
	has(b.out, "#define TH_MAXACTION 123\n");
	done(&b);
}

static void timing_meta_and_map(void **state)
{
	struct build b;

	build(&b, "probe begin { }\nprobe end { }", NULL, NULL, NULL, true);
	assert_int_equal(b.rc, 0);
	/* kind, slot in th_uprobes, pp, place, derivation */
	has(b.out, "timing u 0 \"begin\" \"t.stp:1:1\" \" from: begin\"\n"
		   "timing u 1 \"end\" \"t.stp:2:1\" \" from: end\"\nend\n");
	done(&b);
	build(&b, "probe begin { }", NULL, NULL, NULL, false);
	assert_null(strstr(b.out, "timing"));
	done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gopt_sets_initial_values),
		cmocka_unit_test(gopt_errors),
		cmocka_unit_test(user_probes_get_maxaction_interruptible),
		cmocka_unit_test(timing_meta_and_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
