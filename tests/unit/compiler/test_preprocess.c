// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/preprocess.c.
 *
 * Each test lexes and preprocesses a text with chosen script arguments,
 * kernel version, architecture and kernel config (set in the context, so
 * the results do not depend on the machine), and compares the output
 * token list, rendered back as text with numbers and strings by value,
 * with what is expected.  Error tests check the count of diagnostics and
 * the first headline, and that the output still ends with an EOF token.
 * Expansion that would never end (recursive or doubling macros, deep
 * nesting) must be cut off with one error, quickly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/compiler.h"

struct pp {
	struct cc_ctx cx;
	char *diag;
	size_t diaglen;
	char *out; /* the output tokens as text, malloc'd */
	int ntoks;
};

static void render(struct pp *P, const struct cc_token *t)
{
	FILE *f;
	size_t n;

	f = open_memstream(&P->out, &n);
	assert_non_null(f);
	for (; t->kind != TK_EOF; t = t->next) {
		if (P->ntoks++)
			fputc(' ', f);
		if (t->kind == TK_NUM)
			fprintf(f, "%lld", (long long)t->num);
		else if (t->kind == TK_STR)
			fprintf(f, "\"%s\"", t->str);
		else
			fprintf(f, "%.*s", t->len, t->text);
	}
	assert_null(t->next);
	fclose(f);
}

/* Preprocess text with argc script arguments from argv. */
static void run(struct pp *P, const char *text, int argc, char **argv)
{
	struct cc_srcfile *f;

	memset(P, 0, sizeof(*P));
	cc_ctx_init(&P->cx);
	P->cx.diag.out = open_memstream(&P->diag, &P->diaglen);
	assert_non_null(P->cx.diag.out);
	P->cx.argc = argc;
	P->cx.argv = argv;
	/* a fixed kernel, whatever the machine runs */
	strcpy(P->cx.kern.release, "6.1.0-18-amd64");
	strcpy(P->cx.kern.version, "6.1.0");
	strcpy(P->cx.kern.arch, "x86_64");
	P->cx.config_loaded = true;
	cc_vec_push(P->cx.arena, &P->cx.config, "CONFIG_HZ=250");
	cc_vec_push(P->cx.arena, &P->cx.config, "CONFIG_BPF=y");
	cc_vec_push(P->cx.arena, &P->cx.config, "CONFIG_LOCALVERSION=\"-test\"");
	f = cc_source_text(&P->cx, "t.stp", text);
	render(P, cc_preprocess(&P->cx, cc_lex(&P->cx, f)));
	fflush(P->cx.diag.out);
}

static void done(struct pp *P)
{
	fclose(P->cx.diag.out);
	P->cx.diag.out = NULL;
	free(P->diag);
	free(P->out);
	cc_ctx_release(&P->cx);
}

/* Expect text to preprocess, without errors, to want. */
static void expect_out(const char *text, const char *want)
{
	static char *args[] = {"7", "hello", "sys_*", NULL};
	struct pp P;

	run(&P, text, 3, args);
	if (P.cx.diag.nerrors)
		fprintf(stderr, "unexpected errors for '%.200s':\n%.2000s", text, P.diag);
	assert_int_equal(P.cx.diag.nerrors, 0);
	assert_string_equal(P.out, want);
	done(&P);
}

/* Expect n errors, the first being headline. */
static void expect_err(const char *text, int n, const char *headline)
{
	static char *args[] = {"7", NULL};
	struct pp P;

	run(&P, text, 1, args);
	if (P.cx.diag.nerrors != n || !P.cx.diag.first || strcmp(P.cx.diag.first, headline))
		fprintf(stderr, "for '%.200s':\n%.2000s", text, P.diag);
	assert_int_equal(P.cx.diag.nerrors, n);
	assert_non_null(P.cx.diag.first);
	assert_string_equal(P.cx.diag.first, headline);
	done(&P);
}

/* ---- conditionals ----------------------------------------------------------------- */

static void test_conditionals(void **state)
{
	expect_out("a %( 1 %? b %: c %) d", "a b d");
	expect_out("a %( 0 %? b %: c %) d", "a c d");
	expect_out("a %( 0 %? b %) d", "a d");
	expect_out("%( 1 %? %)", "");
	/* nesting, in both branches */
	expect_out("%( 1 %? x %( 0 %? y %: z %) %: w %( 1 %? v %) %)", "x z");
	expect_out("%( 0 %? x %( 1 %? y %) %: w %( 1 %? v %: u %) %)", "w v");
	/* conditionals may cut through statements: they work on tokens */
	expect_out("if (%( 1 %? a %: b %) > 0) {", "if ( a > 0 ) {");
}

static void test_condition_operators(void **state)
{
	expect_out("%( 1 == 1 && 2 > 1 %? y %: n %)", "y");
	expect_out("%( 1 == 2 || 2 >= 2 %? y %: n %)", "y");
	expect_out("%( 1 != 1 %? y %: n %)", "n");
	expect_out("%( 2 < 1 || 1 <= 0 %? y %: n %)", "n");
	expect_out("%( !(1 == 2) %? y %: n %)", "y");
	expect_out("%( ! 1 %? y %: n %)", "n");
	/* && binds tighter than || */
	expect_out("%( 1 == 1 || 1 == 2 && 1 == 2 %? y %: n %)", "y");
	expect_out("%( (1 == 1 || 1 == 2) && 1 == 2 %? y %: n %)", "n");
	expect_out("%( \"abc\" < \"abd\" %? y %: n %)", "y");
}

static void test_condition_variables(void **state)
{
	expect_out("%( kernel_v >= \"6.1\" %? y %: n %)", "y");
	expect_out("%( kernel_v > \"6.1\" %? y %: n %)", "y");	/* 6.1.0 > 6.1 */
	expect_out("%( kernel_v < \"6.10\" %? y %: n %)", "y"); /* version order */
	expect_out("%( kernel_v == \"6.*\" %? y %: n %)", "y"); /* == takes globs */
	expect_out("%( kernel_v != \"5.*\" %? y %: n %)", "y");
	expect_out("%( kernel_vr == \"6.1.0-18-amd64\" %? y %: n %)", "y");
	expect_out("%( arch == \"x86_64\" && arch != \"arm*\" %? y %: n %)", "y");
	expect_out("%( runtime == \"bpf\" %? y %: n %)", "y");
	expect_out("%( systemtap_v >= \"4.0\" %? y %: n %)", "y");
	expect_out("%( guru_mode == 0 %? y %: n %)", "y");
	expect_out("%( CONFIG_HZ == 250 && CONFIG_HZ > 100 %? y %: n %)", "y");
	expect_out("%( CONFIG_BPF == \"y\" %? y %: n %)", "y");
	expect_out("%( CONFIG_LOCALVERSION == \"-test\" %? y %: n %)", "y");
	expect_out("%( CONFIG_NOT_THERE == \"y\" %? y %: n %)", "n");
	expect_out("%( $# == 3 && @# == \"3\" %? y %: n %)", "y");
	expect_out("%( $1 > 5 %? y %: n %)", "y");
	expect_out("%( @2 == \"hello\" %? y %: n %)", "y");
}

static void test_condition_errors(void **state)
{
	expect_err("%( 1 %? a", 1, "t.stp:1:1: error: unterminated conditional: '%(' without '%)'");
	expect_err("%( 1 %) a", 1,
		   "t.stp:1:6: error: expected '%?' after the condition of '%(', found '%)'");
	expect_err("%( 1 a", 1,
		   "t.stp:1:1: error: expected '%?' after the condition of '%(', found end of "
		   "input");
	expect_err("%( kernel_v \"6\" %? a %)", 1,
		   "t.stp:1:13: error: expected a comparison operator after identifier "
		   "'kernel_v' in preprocessor condition, found string \"6\"");
	expect_err("%( kernel_v >= %? a %)", 1,
		   "t.stp:1:16: error: expected a value after '>=' in preprocessor condition, "
		   "found '%?'");
	expect_err("%( %? a %)", 1,
		   "t.stp:1:4: error: expected a condition in preprocessor condition, found '%?'");
	expect_err("%( kernel_v >= 6 %? a %)", 1,
		   "t.stp:1:16: error: expected a version string in preprocessor condition, "
		   "found number '6'");
	expect_err("%( nonsense == 1 %? a %)", 1,
		   "t.stp:1:4: error: unknown preprocessor variable 'nonsense' (expected "
		   "kernel_v, kernel_vr, arch, runtime, systemtap_v, CONFIG_*, guru_mode, $#, "
		   "@#)");
	expect_err("%( 1 == \"1\" %? a %)", 1,
		   "t.stp:1:4: error: cannot compare number '1' with string \"1\" in "
		   "preprocessor condition (numbers compare with numbers, strings with "
		   "strings)");
	expect_err("%( 1 1 %? a %)", 1,
		   "t.stp:1:6: error: expected '&&', '||' or '%?' in preprocessor condition, "
		   "found number '1'");
	expect_err("%( (1 %? a %)", 1,
		   "t.stp:1:7: error: expected ')' in preprocessor condition, found '%?'");
	expect_err("%( arch == 1 %? a %)", 1,
		   "t.stp:1:12: error: expected a string in preprocessor condition, found "
		   "number '1'");
	expect_err("%( guru_mode == \"1\" %? a %)", 1,
		   "t.stp:1:17: error: expected a number in preprocessor condition, found "
		   "string \"1\"");
	expect_err("a %: b %) c %?", 3, "t.stp:1:3: error: '%:' outside of a '%(' conditional");
	/* a skipped branch is not checked, but its nesting is */
	expect_err("%( 0 %? %( nonsense %? %) %: b %) %( 1 %? %( %)", 2,
		   "t.stp:1:46: error: expected '%?' after the condition of '%(', found '%)'");
}

/* Conditions nest; too deep is refused, not a stack overflow. */
static void test_deep_nesting(void **state)
{
	static char text[64 * 1024];
	size_t n = 0;
	int i;

	for (i = 0; i < 5000; i++)
		n += (size_t)sprintf(text + n, "%%( 1 %%? ");
	for (i = 0; i < 5000; i++)
		n += (size_t)sprintf(text + n, "%%) ");
	expect_err(text, 1, "t.stp:1:513: error: conditionals nest more than 64 deep");

	n = 0;
	n += (size_t)sprintf(text + n, "%%( ");
	for (i = 0; i < 10000; i++)
		n += (size_t)sprintf(text + n, "(");
	n += (size_t)sprintf(text + n, " %%? a %%)");
	expect_err(text, 1,
		   "t.stp:1:68: error: nesting too deep in preprocessor condition, "
		   "found '('");

	n = 0;
	n += (size_t)sprintf(text + n, "%%( ");
	for (i = 0; i < 10000; i++)
		n += (size_t)sprintf(text + n, "!");
	n += (size_t)sprintf(text + n, "1 %%? a %%)");
	expect_err(text, 1,
		   "t.stp:1:68: error: nesting too deep in preprocessor condition, "
		   "found '!'");
}

/* ---- macros ----------------------------------------------------------------------- */

static void test_macros(void **state)
{
	expect_out("@define N %( 42 %) x = @N + @N", "x = 42 + 42");
	expect_out("@define SQ(x) %( (@x * @x) %) y = @SQ(a + 1)", "y = ( a + 1 * a + 1 )");
	expect_out("@define ADD(a, b) %( @a + @b %) @ADD(f(1, 2), [3])", "f ( 1 , 2 ) + [ 3 ]");
	/* a macro using another, and a macro argument using a macro */
	expect_out("@define ONE %( 1 %) @define TWO %( @ONE + @ONE %) @TWO", "1 + 1");
	expect_out("@define ID(x) %( @x %) @ID(@ID(5))", "5");
	/* a parameter shadows a macro of the same name inside the body */
	expect_out("@define x %( 9 %) @define F(x) %( @x %) @F(1) @x", "1 9");
	/* empty body, empty argument */
	expect_out("@define E %( %) a @E b", "a b");
	expect_out("@define F(x) %( [@x] %) @F()", "[ ]");
	/* conditionals inside a body, and $N inside a body */
	expect_out("@define C %( %( 1 %? yes %: no %) $1 %) @C", "yes 7");
	/* built-in @ operators pass through */
	expect_out("@count(x) @hist_log(y) @defined($z)",
		   "@count ( x ) @hist_log ( y ) @defined ( $z )");
}

/* The tapsets' *.stpm macros (compiler/tapset/macros.stpm) serve every file. */
static void test_library_macros(void **state)
{
	expect_out("x = @choose_defined($a, 1)", "x = ( @defined ( $a ) ? ( $a ) : ( 1 ) )");
	expect_out("@this2 = 5", "__this_var2 [ tid ( ) ] = 5");
	expect_out("@try_assign(v, f(), 0)", "try { v = f ( ) } catch { v = 0 }");
	/* a file's own definition wins, and is not a second definition */
	expect_out("@define this1 %( mine %) @this1", "mine");
	expect_err("@define this1 %( a %) @define this1 %( b %)", 1,
		   "t.stp:1:31: error: macro @this1 defined twice (first at 1:9)");
}

static void test_macro_errors(void **state)
{
	expect_err("@define F(a) %( @a %) @F(1, 2)", 1,
		   "t.stp:1:25: error: macro @F takes 1 argument, 2 given");
	expect_err("@define F(a, b) %( @a %) x = @F", 1,
		   "t.stp:1:30: error: macro @F takes 2 arguments: @F(...)");
	expect_err("@define F(a) %( @a %) probe begin { @F(1 }", 1,
		   "t.stp:1:39: error: unterminated argument list of macro @F: '(' without ')'");
	expect_err("@define N %( 1", 1, "t.stp:1:9: error: unterminated body of @define N");
	expect_err("@define N 1 %)", 2,
		   "t.stp:1:11: error: expected '%(' to open the body of @define N");
	expect_err("@define %( 1 %)", 2,
		   "t.stp:1:9: error: expected a macro name after @define, found '%('");
	expect_err("@define F(a b) %( %) @F(1)", 1,
		   "t.stp:1:13: error: expected ',' or ')' in @define F, found identifier 'b'");
	expect_err("@define F(1) %( %)", 1,
		   "t.stp:1:11: error: expected a parameter name in @define F, found number '1'");
	expect_err("@define F(a, a) %( %)", 1,
		   "t.stp:1:14: error: duplicate parameter 'a' in @define F");
	expect_err("@define N %( 1 %)\n@define N %( 2 %)", 1,
		   "t.stp:2:9: error: macro @N defined twice (first at 1:9)");
	expect_err("@define sum %( 1 %)", 1,
		   "t.stp:1:9: error: cannot define macro @sum: @sum is a built-in operator");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Expansions that would never end stop with one error, and soon. */
static void test_runaway_macros(void **state)
{
	char text[4096];
	double t0 = now();
	int i;

	expect_err("@define R %( @R %) a @R b", 1,
		   "t.stp:1:14: error: macro @R expands more than 64 levels deep (does it use "
		   "itself?)");
	/* doubling recursion: one report, not 2^64 */
	expect_err("@define R %( @R @R %) a @R b @R", 1,
		   "t.stp:1:14: error: macro @R expands more than 64 levels deep (does it use "
		   "itself?)");
	/* mutual recursion through arguments */
	expect_err("@define F(x) %( @G(@x) %) @define G(x) %( @F(@x) %) @F(1)", 1,
		   "t.stp:1:17: error: macro @G expands more than 64 levels deep (does it use "
		   "itself?)");
	/* 30 macros each using the previous one twice: 2^30 tokens */
	strcpy(text, "@define M0 %( x x x x x x x x %)\n");
	for (i = 1; i < 30; i++)
		sprintf(text + strlen(text), "@define M%d %%( @M%d @M%d %%)\n", i, i - 1, i - 1);
	strcat(text, "a @M29 b");
	expect_err(text, 1,
		   "t.stp:31:3: error: expanding @M29 gives more than 131072 tokens "
		   "(macros that use each other several times?)");
	/* the same with empty bodies: nothing emitted, the work still bounded */
	strcpy(text, "@define M0 %( %)\n");
	for (i = 1; i < 40; i++)
		sprintf(text + strlen(text), "@define M%d %%( @M%d @M%d %%)\n", i, i - 1, i - 1);
	strcat(text, "a @M39 b");
	expect_err(text, 1,
		   "t.stp:41:3: error: expanding @M39 takes more than 131072 macro "
		   "expansions (macros that use each other several times?)");
	/* recursion through conditions: the nesting bound drops the expansion (fuzzer find) */
	expect_err("@define L %(%(%(@L%)%)%(%)%(@L%)%)@L", 1,
		   "t.stp:1:13: error: conditionals nest more than 64 deep");
	assert_true(now() - t0 < 20);
}

/* Many macros: lookups stay cheap (a hash table), definitions too. */
static void test_many_macros(void **state)
{
	static char text[50000 * 40];
	double t0 = now();
	struct pp P;
	size_t n = 0;
	int i;

	for (i = 0; i < 50000; i++)
		n += (size_t)sprintf(text + n, "@define M%d %%( %d %%)\n", i, i);
	for (i = 0; i < 50000; i += 7)
		n += (size_t)sprintf(text + n, "@M%d ", i);
	run(&P, text, 0, NULL);
	assert_int_equal(P.cx.diag.nerrors, 0);
	assert_int_equal(P.ntoks, (50000 + 6) / 7);
	assert_non_null(strstr(P.out, " 49994"));
	done(&P);
	assert_true(now() - t0 < 20);
}

/* ---- script arguments ------------------------------------------------------------- */

static void test_script_args(void **state)
{
	expect_out("$1 @1 @2 $# @#", "7 \"7\" \"hello\" 3 \"3\"");
	/* an argument that is not a number is spliced in as tokens */
	expect_out("probe kernel.trace($3) {}", "probe kernel . trace ( sys_ * ) { }");
	expect_out("x = $2", "x = hello");
	/* in conditions */
	expect_out("%( $# > 2 %? many %: few %)", "many");
}

/*
 * A negative argument is "-" and its magnitude, as stap pastes it: a
 * number token is a literal as written, so probe begin(-$1) is the
 * parser's constant and INT64_MIN comes through; numbers past 64 bits
 * wrap like literals.  Conditions still compare them as numbers.
 */
static void test_script_args_signed(void **state)
{
	static char *args[] = {"-5", "-9223372036854775808", "18446744073709551615",
			       "0x8000000000000000", NULL};
	struct pp P;

	run(&P, "$1 $2 $3 $4 -$1 x-$2", 4, args);
	assert_int_equal(P.cx.diag.nerrors, 0);
	assert_string_equal(P.out, "- 5 - -9223372036854775808 -1 -9223372036854775808 - - 5 x - "
				   "- -9223372036854775808");
	done(&P);

	run(&P, "%( $1 < 0 && $1 == -5 && $2 < -5 && -6 < $1 %? neg %: pos %) "
		"%( $2 < -9223372036854775807 && $3 == -1 %? min %: no %)",
		4, args);
	assert_int_equal(P.cx.diag.nerrors, 0);
	assert_string_equal(P.out, "neg min");
	done(&P);

	run(&P, "%( 1 == -18446744073709551615 %? a %: b %) c", 4, args);
	assert_int_equal(P.cx.diag.nerrors, 1);
	assert_string_equal(P.cx.diag.first, "t.stp:1:9: error: number '-18446744073709551615' "
					     "out of range for a 64-bit long");
	done(&P);
}

static void test_script_arg_errors(void **state)
{
	static char *none[] = {NULL};
	static char *bad[] = {"1 `", NULL};
	struct pp P;

	run(&P, "x = $1 + @1", 0, none);
	assert_int_equal(P.cx.diag.nerrors, 2);
	assert_string_equal(P.cx.diag.first, "t.stp:1:5: error: command line argument index 1 "
					     "out of range [1-0] (no arguments given)");
	/* a placeholder keeps the parser going */
	assert_string_equal(P.out, "x = 0 + \"\"");
	done(&P);

	expect_err("x = $2", 1,
		   "t.stp:1:5: error: command line argument index 2 out of range "
		   "[1-1]");
	expect_err("x = @0", 1,
		   "t.stp:1:5: error: command line argument index 0 out of range "
		   "[1-1]");
	expect_err("x = $1x", 1,
		   "t.stp:1:5: error: '$1x' is not a script argument: they are $1 .. "
		   "$N, and $#");
	expect_err("x = $99999999999999999999", 1,
		   "t.stp:1:5: error: command line argument index 99999999999999999999 out of "
		   "range [1-1]");

	/* splicing is bounded like macro output */
	{
		static char many[3 * 140000 + 1];
		static char *big[] = { "a b c d e f g h", NULL };
		int i;

		for (i = 0; i < 140000; i++)
			memcpy(many + 3 * i, "$1 ", 3);
		run(&P, many, 1, big);
		assert_int_equal(P.cx.diag.nerrors, 1);
		assert_string_equal(P.cx.diag.first, "t.stp:1:49153: error: script arguments spliced "
						     "into the script give more than 131072 tokens");
		done(&P);
	}

	run(&P, "x = $1", 1, bad);
	assert_int_equal(P.cx.diag.nerrors, 2);
	assert_string_equal(P.cx.diag.first, "argument $1:1:3: error: unexpected character '`'");
	assert_non_null(strstr(P.diag, "t.stp:1:5: error: argument $1 ('1 `') is not a number"));
	done(&P);
}

/* ---- cc_version_cmp --------------------------------------------------------------- */

static void test_version_cmp(void **state)
{
	assert_int_equal(cc_version_cmp("6.1", "6.1"), 0);
	assert_true(cc_version_cmp("6.1", "6.10") < 0);
	assert_true(cc_version_cmp("6.10", "6.9") > 0);
	assert_true(cc_version_cmp("6.1", "6.1.2") < 0);
	assert_true(cc_version_cmp("6.1.2", "6.1") > 0);
	assert_true(cc_version_cmp("6.1.0-rc2", "6.1.0-rc10") < 0);
	assert_true(cc_version_cmp("", "1") < 0);
	assert_true(cc_version_cmp("99999999999999999999999", "1") > 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditionals),
		cmocka_unit_test(test_condition_operators),
		cmocka_unit_test(test_condition_variables),
		cmocka_unit_test(test_condition_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_library_macros),
		cmocka_unit_test(test_macro_errors),
		cmocka_unit_test(test_runaway_macros),
		cmocka_unit_test(test_many_macros),
		cmocka_unit_test(test_script_args),
		cmocka_unit_test(test_script_args_signed),
		cmocka_unit_test(test_script_arg_errors),
		cmocka_unit_test(test_version_cmp),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
