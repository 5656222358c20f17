// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/provider_file.c (DTrace provider files, as
 * tools/dtrace reads them) and compiler/provider_emit.c (what -h and -G
 * write): the providers, probes and argument types of files in the forms
 * applications write them, what is skipped (C declarations) and skipped
 * with a warning (translators, pragmas, directives without -C), the
 * locations cpp's line markers give, the errors with their file:line:col,
 * and the names the header and the semaphores' source use.  Building a
 * program with the outputs and tracing it is tests/e2e/dtrace.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

static struct cc_arena *A;
static struct cc_diag D;
static char *msgs; /* what D printed */
static size_t msgs_len;
static struct cc_vec P;

static int setup(void **state)
{
	(void)state;
	A = cc_arena_new();
	memset(&D, 0, sizeof(D));
	memset(&P, 0, sizeof(P));
	D.out = open_memstream(&msgs, &msgs_len);
	return D.out ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(D.out);
	free(msgs);
	msgs = NULL;
	cc_diag_release(&D);
	cc_arena_free(A);
	return 0;
}

static int parse(const char *text, bool preprocessed)
{
	static struct cc_srcfile f;
	int r;

	f = (struct cc_srcfile){.name = "p.d", .text = text, .len = strlen(text)};
	r = cc_provider_file_parse(A, &D, &f, preprocessed, &P);
	fflush(D.out);
	return r;
}

static const struct cc_provider_probe *probe(int prov, int i)
{
	const struct cc_provider *pv = P.v[prov];

	assert_true(i < pv->probes.n);
	return pv->probes.v[i];
}

static void assert_printed(const char *want)
{
	if (!msgs || !strstr(msgs, want))
		fail_msg("no '%s' in:\n%s", want, msgs ? msgs : "");
}

static void test_providers(void **state)
{
	const struct cc_provider_probe *pr;

	(void)state;
	assert_int_equal(
	    parse("/* the application's probes */\n"
		  "typedef struct conn { int fd; } conn_t;\n"
		  "struct req { char *url; };\n"
		  "provider myapp {\n"
		  "\tprobe request__start(const char *url, int len);\n"
		  "\tprobe tick(long) // a comment\n"
		  "\tprobe none();\n"
		  "\tprobe nothing(void);\n"
		  "\tprobe many(char **argv, struct req*r, unsigned long long, int [4]);\n"
		  "\tprobe conv(conn_t *c) : (struct conn *c);\n"
		  "};\n"
		  "provider other { probe x(int); }\n"
		  "provider myapp { probe later(int); };\n",
		  false),
	    0);
	assert_int_equal(D.nerrors + D.nwarnings, 0);
	assert_int_equal(P.n, 2);
	assert_string_equal(((struct cc_provider *)P.v[0])->name, "myapp");
	assert_string_equal(((struct cc_provider *)P.v[1])->name, "other");
	/* a second block of a provider adds to it */
	assert_int_equal(((struct cc_provider *)P.v[0])->probes.n, 7);
	pr = probe(0, 0);
	assert_string_equal(pr->name, "request__start");
	assert_int_equal(pr->loc.line, 5);
	assert_int_equal(pr->loc.col, 8);
	assert_int_equal(pr->nargs, 2);
	assert_string_equal(pr->args[0], "const char *url");
	assert_string_equal(pr->args[1], "int len");
	pr = probe(0, 1);
	assert_int_equal(pr->nargs, 1);
	assert_string_equal(pr->args[0], "long");
	assert_int_equal(probe(0, 2)->nargs, 0);
	/* (void) is no argument, as in C */
	assert_int_equal(probe(0, 3)->nargs, 0);
	pr = probe(0, 4);
	assert_int_equal(pr->nargs, 4);
	assert_string_equal(pr->args[0], "char **argv");
	assert_string_equal(pr->args[1], "struct req *r");
	assert_string_equal(pr->args[2], "unsigned long long");
	assert_string_equal(pr->args[3], "int[4]");
	/* the translated list after ':' is not the marker's */
	pr = probe(0, 5);
	assert_int_equal(pr->nargs, 1);
	assert_string_equal(pr->args[0], "conn_t *c");
	assert_string_equal(probe(0, 6)->name, "later");
	assert_string_equal(probe(1, 0)->name, "x");
}

static void test_twelve_arguments(void **state)
{
	(void)state;
	assert_int_equal(parse("provider p { probe twelve(int, int, int, int, int, int, int, int, "
			       "int, int, int, int); };",
			       false),
			 0);
	assert_int_equal(probe(0, 0)->nargs, 12);
}

static void test_ignored_with_warnings(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("#pragma D attributes Evolving/Evolving/Common provider myapp provider\n"
		  "#pragma D attributes Private/Private/Unknown provider myapp module\n"
		  "translator conninfo_t < conn_t *c > {\n"
		  "\tci_fd = c->fd;\n"
		  "};\n"
		  "#define T int\n"
		  "provider myapp { probe a(T); };\n",
		  false),
	    0);
	assert_int_equal(D.nerrors, 0);
	/* one warning per kind, not one per pragma line */
	assert_int_equal(D.nwarnings, 3);
	assert_printed("p.d:1:1: warning: #pragma ignored");
	assert_printed("p.d:3:1: warning: translator ignored");
	assert_printed("p.d:6:1: warning: preprocessor directive ignored: run with -C");
	assert_string_equal(probe(0, 0)->args[0], "T");
}

/* cpp's output: line markers say which file and line each line was */
static void test_line_markers(void **state)
{
	(void)state;
	assert_int_equal(parse("# 0 \"app.d\"\n"
			       "# 0 \"<built-in>\"\n"
			       "# 1 \"/usr/include/stdc-predef.h\" 1 3 4\n"
			       "# 1 \"app.d\"\n"
			       "\n"
			       "provider app {\n"
			       "# 10 \"app.d\"\n"
			       "  probe ok(int);\n"
			       "  probe bad int);\n"
			       "};\n",
			       true),
			 -EINVAL);
	assert_int_equal(D.nerrors, 1);
	/* no warning for the markers of a preprocessed file */
	assert_int_equal(D.nwarnings, 0);
	assert_printed("app.d:11:13: error: expected '(' and the probe's argument types, found "
		       "'int'\n"
		       "      probe bad int);\n"
		       "                ^\n");
	assert_int_equal(probe(0, 0)->loc.line, 10);
	assert_string_equal(probe(0, 0)->loc.file->name, "app.d");
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"provider { probe a(); };",
	     "p.d:1:10: error: expected the provider's name, found '{'"},
	    {"provider p { probe a(int,); };",
	     "p.d:1:26: error: expected an argument type, found ')'"},
	    {"provider p { probe a(int; };", "p.d:1:21: error: unbalanced '(': no ')' ends"},
	    {"provider p { probe a(int) probe a(long); };",
	     "p.d:1:33: error: probe 'a' of provider 'p' declared twice (first at p.d:1:20)"},
	    {"provider p { probe (int); };",
	     "p.d:1:20: error: expected the probe's name, found '('"},
	    {"provider p { probe a(int) int b; };",
	     "p.d:1:27: error: expected ';' after the probe, found 'int'"},
	    {"provider p { int x; probe ok(); };",
	     "p.d:1:14: error: expected 'probe' or '}', found 'int'"},
	    {"provider p { probe a(int);",
	     "p.d:1:12: error: unbalanced '{': provider 'p' has no '}'"},
	    {"provider p { probe a(); }; /* unterminated", "p.d:1:28: error: unterminated comment"},
	    {"typedef int x",
	     "p.d:1:1: error: expected ';' to end this declaration, found end of file"},
	    {"provider p { probe a(); }; }; ", "p.d:1:28: error: unbalanced '}'"},
	    {"translator x < int y > { a = \"b; };", "p.d:1:30: error: unterminated string"},
	    {"provider p { probe a(int, int, int, int, int, int, int, int, int, int, int, int, "
	     "int); };",
	     "p.d:1:82: error: probe 'a' has more than 12 arguments, the most a <sys/sdt.h> marker "
	     "takes"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown(NULL);
		setup(NULL);
		if (parse(bad[i].text, false) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].text);
		assert_printed(bad[i].msg);
	}
}

/* an error in one probe: the next ones are still read (and checked) */
static void test_goes_on(void **state)
{
	(void)state;
	assert_int_equal(parse("provider p {\n"
			       "  probe a(int;\n"
			       "  probe b(int);\n"
			       "  probe c int);\n"
			       "  probe d();\n"
			       "};\n"
			       "provider { };\n",
			       false),
			 -EINVAL);
	assert_int_equal(D.nerrors, 3);
	assert_printed("p.d:2:10: error: unbalanced '('");
	assert_printed("p.d:4:11: error: expected '('");
	assert_printed("p.d:7:10: error: expected the provider's name");
}

static char *emit(bool header)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	if (header)
		assert_int_equal(cc_provider_emit_header(f, &P, "app.d", "G_H"), 0);
	else
		assert_int_equal(cc_provider_emit_semaphores(f, &P, "app.d"), 0);
	fclose(f);
	return s;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("no '%s' in:\n%s", want, text);
}

static void test_emit(void **state)
{
	char *h, *c;

	(void)state;
	assert_int_equal(parse("provider myapp { probe request__start(const char *, int); "
			       "probe none(); };",
			       false),
			 0);
	h = emit(true);
	/* the macro's name has one '_' for "__"; the marker keeps its name */
	assert_has(h,
		   "\n#define MYAPP_REQUEST_START(arg1, arg2) STAP_PROBE2(myapp, request__start, "
		   "arg1, arg2)\n");
	assert_has(h, "\n#define MYAPP_NONE() STAP_PROBE(myapp, none)\n");
	assert_has(h, "/* MYAPP_REQUEST_START(const char *, int): marker myapp:request__start */");
	assert_has(h, "\nTAPHUB_DTRACE_SEMAPHORE(myapp_request__start_semaphore);\n");
	assert_has(h, "\n#define MYAPP_REQUEST_START_ENABLED() "
		      "TAPHUB_DTRACE_ENABLED(myapp_request__start_semaphore)\n");
	assert_has(h, "\n#ifndef G_H\n#define G_H\n");
	assert_has(h, "\n#define _SDT_HAS_SEMAPHORES 1\n");
	assert_has(h, "\n#include <sys/sdt.h>\n");
	/* STAP_SDT_V1 named semaphores after the probe alone */
	assert_has(h, "#if defined STAP_SDT_V1\n#define myapp_none_semaphore none_semaphore\n");
	free(h);

	c = emit(false);
	assert_has(c, "\n__extension__ unsigned short myapp_request__start_semaphore\n"
		      "\t__attribute__((section(\".probes\"))) TAPHUB_DTRACE_VISIBILITY = 0;\n");
	assert_has(c, "\n__extension__ unsigned short myapp_none_semaphore\n");
	assert_has(c, "#define TAPHUB_DTRACE_VISIBILITY __attribute__((visibility(\"hidden\")))\n");
	free(c);
}

/* a file with no probe still gives a valid translation unit for -G */
static void test_emit_empty(void **state)
{
	char *c;

	(void)state;
	assert_int_equal(parse("/* nothing yet */\n", false), 0);
	assert_int_equal(P.n, 0);
	c = emit(false);
	assert_has(c, "typedef int taphub_dtrace_no_probes;");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_providers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_twelve_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ignored_with_warnings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_markers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_goes_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emit_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
