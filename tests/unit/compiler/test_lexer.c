// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/lexer.c.
 *
 * Each test lexes a small text in a fresh compilation context whose
 * diagnostics go to a memory stream, then checks the token list (kind,
 * spelling, decoded value, location, space_before) and the diagnostics:
 * their count, and the first one's headline.  Errors must never stop the
 * lexer: several mistakes in one text give several reports and the list
 * still ends with an EOF token.
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

struct lx {
	struct cc_ctx cx;
	char *diag; /* all diagnostics printed */
	size_t diaglen;
	struct cc_token *toks;
	int ntoks; /* without the EOF */
};

/* Lex text (may contain NUL bytes: len given) into L; diagnostics captured. */
static void lex_n(struct lx *L, const char *text, size_t len)
{
	struct cc_srcfile *f;
	struct cc_token *t;
	char *copy;

	memset(L, 0, sizeof(*L));
	cc_ctx_init(&L->cx);
	L->cx.diag.out = open_memstream(&L->diag, &L->diaglen);
	assert_non_null(L->cx.diag.out);
	f = cc_alloc(L->cx.arena, sizeof(*f));
	copy = cc_alloc(L->cx.arena, len + 1);
	memcpy(copy, text, len);
	f->name = "t.stp";
	f->text = copy;
	f->len = len;
	L->toks = cc_lex(&L->cx, f);
	fflush(L->cx.diag.out);
	assert_non_null(L->toks);
	for (t = L->toks; t->kind != TK_EOF; t = t->next)
		L->ntoks++;
	assert_null(t->next);
}

static void lex(struct lx *L, const char *text)
{
	lex_n(L, text, strlen(text));
}

static void done(struct lx *L)
{
	fclose(L->cx.diag.out);
	L->cx.diag.out = NULL;
	free(L->diag);
	cc_ctx_release(&L->cx);
}

static struct cc_token *tok(struct lx *L, int i)
{
	struct cc_token *t = L->toks;

	while (i-- > 0) {
		assert_int_not_equal(t->kind, TK_EOF);
		t = t->next;
	}
	return t;
}

static void assert_tok(const struct cc_token *t, int kind, const char *text)
{
	assert_int_equal(t->kind, kind);
	assert_int_equal(t->len, (int)strlen(text));
	assert_memory_equal(t->text, text, strlen(text));
}

static void assert_first_error(struct lx *L, const char *headline)
{
	assert_non_null(L->cx.diag.first);
	assert_string_equal(L->cx.diag.first, headline);
}

/* ---- tokens ---------------------------------------------------------------------- */

static void test_kinds(void **state)
{
	struct lx L;

	lex(&L, "probe begin { x_1 = $pid + @count(s) + $$parms + \"s\" + 42 } %{ c %}");
	assert_int_equal(L.cx.diag.nerrors, 0);
	assert_int_equal(L.ntoks, 19);
	assert_tok(tok(&L, 0), TK_IDENT, "probe");
	assert_string_equal(tok(&L, 0)->str, "probe");
	assert_tok(tok(&L, 1), TK_IDENT, "begin");
	assert_tok(tok(&L, 2), TK_OP, "{");
	assert_tok(tok(&L, 3), TK_IDENT, "x_1");
	assert_tok(tok(&L, 4), TK_OP, "=");
	assert_tok(tok(&L, 5), TK_TARGET, "$pid");
	assert_string_equal(tok(&L, 5)->str, "pid");
	assert_tok(tok(&L, 7), TK_AT, "@count");
	assert_string_equal(tok(&L, 7)->str, "count");
	assert_tok(tok(&L, 12), TK_TARGET, "$$parms");
	assert_string_equal(tok(&L, 12)->str, "$parms");
	assert_tok(tok(&L, 14), TK_STR, "\"s\"");
	assert_string_equal(tok(&L, 14)->str, "s");
	assert_tok(tok(&L, 16), TK_NUM, "42");
	assert_int_equal(tok(&L, 16)->num, 42);
	assert_tok(tok(&L, 17), TK_OP, "}");
	assert_tok(tok(&L, 18), TK_EMBEDDED, "%{ c %}");
	done(&L);
}

static void test_args_and_counts(void **state)
{
	struct lx L;

	lex(&L, "$1 @2 $# @# $var$ $$vars$$ $ @");
	assert_tok(tok(&L, 0), TK_TARGET, "$1");
	assert_string_equal(tok(&L, 0)->str, "1");
	assert_tok(tok(&L, 1), TK_AT, "@2");
	assert_string_equal(tok(&L, 1)->str, "2");
	assert_tok(tok(&L, 2), TK_TARGET, "$#");
	assert_string_equal(tok(&L, 2)->str, "#");
	assert_tok(tok(&L, 3), TK_AT, "@#");
	assert_tok(tok(&L, 4), TK_TARGET, "$var$");
	assert_string_equal(tok(&L, 4)->str, "var$");
	assert_tok(tok(&L, 5), TK_TARGET, "$$vars$$");
	assert_string_equal(tok(&L, 5)->str, "$vars$$");
	/* a lone $ is a target with no name (the suffix of x->f$); a lone @ is no token */
	assert_tok(tok(&L, 6), TK_TARGET, "$");
	assert_string_equal(tok(&L, 6)->str, "");
	assert_int_equal(L.ntoks, 7);
	assert_int_equal(L.cx.diag.nerrors, 1);
	assert_first_error(&L, "t.stp:1:30: error: unexpected character '@'");
	done(&L);
}

/* Punctuators match longest first. */
static void test_punctuators(void **state)
{
	static const char *const ops[] = {
	    "<<<", "<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "!~", "=~", "&&", "||", "++",
	    "--",  "+=",  "-=",	 "*=", "/=", "%=", "&=", "|=", "^=", ".=", "->", "%(", "%?", "%:",
	    "%)",  "+",	  "-",	 "*",  "/",  "%",  "&",	 "|",  "^",  "!",  "~",	 "<",  ">",  "=",
	    ".",   ",",	  ";",	 ":",  "?",  "(",  ")",	 "[",  "]",  "{",  "}",	 NULL,
	};
	char text[512] = "";
	struct lx L;
	int i;

	for (i = 0; ops[i]; i++) {
		strcat(text, ops[i]);
		strcat(text, " ");
	}
	lex(&L, text);
	assert_int_equal(L.cx.diag.nerrors, 0);
	for (i = 0; ops[i]; i++) {
		assert_tok(tok(&L, i), TK_OP, ops[i]);
		assert_true(cc_tok_is(tok(&L, i), ops[i]));
	}
	assert_int_equal(L.ntoks, i);
	done(&L);

	/* without spaces: greedy */
	lex(&L, "a<<<=b>>=c.=d->e%(f");
	assert_tok(tok(&L, 1), TK_OP, "<<<");
	assert_tok(tok(&L, 2), TK_OP, "=");
	assert_tok(tok(&L, 4), TK_OP, ">>=");
	assert_tok(tok(&L, 6), TK_OP, ".=");
	assert_tok(tok(&L, 8), TK_OP, "->");
	assert_tok(tok(&L, 10), TK_OP, "%(");
	assert_false(cc_tok_is(tok(&L, 1), "<<"));
	done(&L);
}

/* ---- numbers --------------------------------------------------------------------- */

static void test_numbers(void **state)
{
	struct lx L;

	lex(&L, "0 7 010 0x1f 0XfF 9223372036854775807 9223372036854775808 "
		"0xffffffffffffffff 01777777777777777777777 9223372036854775809 "
		"18446744073709551615 0x8000000000000000 01000000000000000000000");
	assert_int_equal(L.cx.diag.nerrors, 0);
	assert_int_equal(tok(&L, 0)->num, 0);
	assert_int_equal(tok(&L, 1)->num, 7);
	assert_int_equal(tok(&L, 2)->num, 8);
	assert_int_equal(tok(&L, 3)->num, 31);
	assert_int_equal(tok(&L, 4)->num, 255);
	assert_true(tok(&L, 5)->num == INT64_MAX);
	/* all 64 bits in every base, modulo 2^64 as a signed long, as stap */
	assert_true(tok(&L, 6)->num == INT64_MIN);
	assert_true(tok(&L, 7)->num == -1);
	assert_true(tok(&L, 8)->num == -1);
	assert_true(tok(&L, 9)->num == INT64_MIN + 1);
	assert_true(tok(&L, 10)->num == -1);
	assert_true(tok(&L, 11)->num == INT64_MIN);
	assert_true(tok(&L, 12)->num == INT64_MIN);
	assert_int_equal(L.ntoks, 13);
	done(&L);
}

/* The value of "-" NUMBER read as one constant. */
static void test_num_negate(void **state)
{
	int64_t v = 42;

	assert_true(cc_num_negate(0, &v));
	assert_true(v == 0);
	assert_true(cc_num_negate(1, &v));
	assert_true(v == -1);
	assert_true(cc_num_negate(INT64_MAX, &v));
	assert_true(v == -INT64_MAX);
	/* 9223372036854775808 lexes to INT64_MIN; negated it stays INT64_MIN */
	assert_true(cc_num_negate(INT64_MIN, &v));
	assert_true(v == INT64_MIN);
	/* 9223372036854775809 and up (-1 is 18446744073709551615): no long */
	v = 42;
	assert_false(cc_num_negate(INT64_MIN + 1, &v));
	assert_false(cc_num_negate(-1, &v));
	assert_true(v == 42); /* untouched on failure */

	assert_true(cc_num_wrap(0) == 0);
	assert_true(cc_num_wrap(INT64_MAX) == INT64_MAX);
	assert_true(cc_num_wrap((uint64_t)INT64_MAX + 1) == INT64_MIN);
	assert_true(cc_num_wrap(UINT64_MAX) == -1);
}

static void test_bad_numbers(void **state)
{
	struct lx L;

	lex(&L, "x = 0129");
	assert_int_equal(L.cx.diag.nerrors, 1);
	assert_first_error(&L, "t.stp:1:8: error: invalid digit '9' in octal number");
	assert_int_equal(L.ntoks, 3); /* the bad number is one token */
	done(&L);

	lex(&L, "12abc");
	assert_first_error(&L, "t.stp:1:3: error: invalid digit 'a' in decimal number");
	assert_int_equal(L.ntoks, 1);
	done(&L);

	lex(&L, "0x 0xg");
	assert_int_equal(L.cx.diag.nerrors, 2);
	assert_first_error(&L, "t.stp:1:1: error: hexadecimal number without digits");
	done(&L);

	lex(&L, "99999999999999999999");
	assert_first_error(&L, "t.stp:1:1: error: number '99999999999999999999' out of range "
			       "for a 64-bit long");
	done(&L);

	/* one past 64 bits, in each base: with the source line and a caret */
	lex(&L, "x = 18446744073709551616 +\n  0x10000000000000000 02000000000000000000000");
	assert_int_equal(L.cx.diag.nerrors, 3);
	assert_first_error(&L, "t.stp:1:5: error: number '18446744073709551616' out of range "
			       "for a 64-bit long");
	assert_non_null(strstr(L.diag, "t.stp:1:5: error: number '18446744073709551616' out of "
				       "range for a 64-bit long\n"
				       "    x = 18446744073709551616 +\n"
				       "        ^\n"));
	assert_non_null(strstr(L.diag, "t.stp:2:3: error: number '0x10000000000000000'"));
	assert_non_null(strstr(L.diag, "t.stp:2:23: error: number '02000000000000000000000'"));
	done(&L);
}

/* ---- strings ---------------------------------------------------------------------- */

static void test_escapes(void **state)
{
	struct lx L;

	lex(&L, "\"\\n\\t\\r\\a\\b\\f\\v\\\\\\\"\\'\\?\" \"\\101\\x41\\x4a\\7\\0101\" \"a\\\nb\"");
	assert_int_equal(L.cx.diag.nerrors, 0);
	assert_int_equal(tok(&L, 0)->slen, 11);
	assert_memory_equal(tok(&L, 0)->str, "\n\t\r\a\b\f\v\\\"'?", 11);
	/* \ooo takes at most three digits, \x at most two */
	assert_string_equal(tok(&L, 1)->str, "AAJ\a\0101");
	assert_int_equal(tok(&L, 1)->slen, 6);
	/* backslash-newline continues the string, and the line count goes on */
	assert_string_equal(tok(&L, 2)->str, "ab");
	assert_int_equal(tok(&L, 3)->loc.line, 2);
	done(&L);
}

static void test_bad_strings(void **state)
{
	struct lx L;

	lex(&L, "\"ab\\qc\"");
	assert_first_error(&L, "t.stp:1:4: error: unknown escape sequence '\\q'");
	assert_string_equal(tok(&L, 0)->str, "abqc");
	done(&L);

	lex(&L, "x = \"\\xzz\"");
	assert_first_error(&L, "t.stp:1:6: error: \\x used with no following hex digits");
	assert_int_equal(L.cx.diag.nerrors, 1);
	assert_string_equal(tok(&L, 2)->str, "zz");
	done(&L);

	lex(&L, "\"a\\0b\" \"\\x00\" \"\\x01\"");
	assert_int_equal(L.cx.diag.nerrors, 2);
	assert_first_error(&L, "t.stp:1:3: error: a string cannot contain a NUL byte (strings "
			       "end at the first NUL)");
	done(&L);

	lex_n(&L, "\"a\0b\"", 5);
	assert_first_error(&L, "t.stp:1:3: error: a string cannot contain a NUL byte (strings "
			       "end at the first NUL)");
	done(&L);

	/* an unterminated string ends at the newline; lexing goes on */
	lex(&L, "x = \"abc\ny = 1");
	assert_first_error(&L, "t.stp:1:5: error: unterminated string literal");
	assert_int_equal(L.cx.diag.nerrors, 1);
	assert_tok(tok(&L, 3), TK_IDENT, "y");
	assert_int_equal(tok(&L, 3)->loc.line, 2);
	done(&L);

	lex(&L, "\"abc\\");
	assert_first_error(&L, "t.stp:1:1: error: unterminated string literal");
	done(&L);
}

/* ---- comments, whitespace, locations ------------------------------------------------ */

static void test_comments(void **state)
{
	struct lx L;

	lex(&L, "#!/usr/bin/tap\na # x\n// y\n/* z\n z */ b/**/c\n\t d");
	assert_int_equal(L.cx.diag.nerrors, 0);
	assert_int_equal(L.ntoks, 4);
	assert_tok(tok(&L, 0), TK_IDENT, "a");
	assert_int_equal(tok(&L, 0)->loc.line, 2);
	assert_tok(tok(&L, 1), TK_IDENT, "b");
	assert_int_equal(tok(&L, 1)->loc.line, 5);
	assert_int_equal(tok(&L, 1)->loc.col, 7);
	assert_true(tok(&L, 1)->space_before);
	/* a comment counts as space */
	assert_tok(tok(&L, 2), TK_IDENT, "c");
	assert_true(tok(&L, 2)->space_before);
	assert_int_equal(tok(&L, 3)->loc.line, 6);
	assert_int_equal(tok(&L, 3)->loc.col, 3);
	assert_int_equal(tok(&L, 3)->loc.off, (int)strlen("#!/usr/bin/tap\na # x\n// y\n/* z\n "
							  "z */ b/**/c\n\t "));
	done(&L);

	lex(&L, "a /* never closed\n\n");
	assert_first_error(&L, "t.stp:1:3: error: unterminated comment");
	assert_int_equal(L.ntoks, 1);
	done(&L);

	lex(&L, "/*/");
	assert_first_error(&L, "t.stp:1:1: error: unterminated comment");
	done(&L);
}

/* space_before lets the parser glue probe point components back together. */
static void test_space_before(void **state)
{
	struct lx L;

	lex(&L, "sys_*open at");
	assert_true(tok(&L, 0)->space_before); /* the first token */
	assert_false(tok(&L, 1)->space_before);
	assert_false(tok(&L, 2)->space_before);
	assert_true(tok(&L, 3)->space_before);
	done(&L);
}

static void test_embedded(void **state)
{
	struct lx L;

	lex(&L, "%{ a\n b %} x");
	assert_int_equal(L.cx.diag.nerrors, 0);
	assert_int_equal(tok(&L, 0)->kind, TK_EMBEDDED);
	assert_int_equal(tok(&L, 1)->loc.line, 2);
	done(&L);

	lex(&L, "x\n%{ never closed");
	assert_first_error(&L, "t.stp:2:1: error: unterminated embedded C block '%{'");
	done(&L);
}

/* ---- errors and recovery ---------------------------------------------------------- */

static void test_bad_characters(void **state)
{
	struct lx L;

	lex(&L, "a ` b \x01 c \xc3\xa9 d");
	assert_int_equal(L.cx.diag.nerrors, 3);
	assert_first_error(&L, "t.stp:1:3: error: unexpected character '`'");
	assert_non_null(strstr(L.diag, "t.stp:1:7: error: unexpected control character 0x01"));
	/* one report for the two bytes of one UTF-8 character */
	assert_non_null(strstr(L.diag, "t.stp:1:11: error: unexpected byte 0xc3: outside "
				       "strings and comments a script is ASCII"));
	assert_int_equal(L.ntoks, 4);
	assert_tok(tok(&L, 3), TK_IDENT, "d");
	done(&L);
}

/* The diagnostic format: headline, source line, caret under the column (tabs kept). */
static void test_diagnostic_format(void **state)
{
	struct lx L;

	lex(&L, "probe begin {\n\tx = 1 ` 2\n}\n");
	assert_string_equal(L.diag, "t.stp:2:8: error: unexpected character '`'\n"
				    "    \tx = 1 ` 2\n"
				    "    \t      ^\n");
	done(&L);
}

/* Errors never stop the lexer: every mistake is reported, up to the limit. */
static void test_many_errors(void **state)
{
	char text[200];
	struct lx L;
	int i;

	for (i = 0; i < 60; i++)
		text[i] = '`';
	text[60] = 0;
	lex(&L, text);
	assert_int_equal(L.cx.diag.nerrors, 60);
	assert_non_null(strstr(L.diag, "too many errors, stopping"));
	done(&L);
}

/* Memory grows with the text, not with strings times text (it once did). */
static void test_many_strings(void **state)
{
	static char text[5 * 100000 + 1];
	struct lx L;
	int i;

	for (i = 0; i < 100000; i++)
		memcpy(text + 5 * i, "\"ab\" ", 5);
	lex(&L, text);
	assert_int_equal(L.ntoks, 100000);
	assert_string_equal(tok(&L, 99999)->str, "ab");
	done(&L);
}

static void test_describe(void **state)
{
	struct lx L;

	lex(&L, "name $t @c 12 \"a string that is quite long, longer than forty bytes\" + %{ %}");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 0)), "identifier 'name'");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 1)), "target variable '$t'");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 2)), "'@c'");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 3)), "number '12'");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 4)),
			    "string \"a string that is quite long, longer than...\"");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 5)), "'+'");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 6)), "embedded C code");
	assert_string_equal(cc_tok_describe(&L.cx, tok(&L, 7)), "end of input");
	done(&L);
}

static void test_empty(void **state)
{
	struct lx L;

	lex(&L, "");
	assert_int_equal(L.ntoks, 0);
	assert_int_equal(L.toks->kind, TK_EOF);
	assert_int_equal(L.toks->loc.line, 1);
	done(&L);

	lex(&L, "  \n # only a comment");
	assert_int_equal(L.ntoks, 0);
	assert_int_equal(L.cx.diag.nerrors, 0);
	done(&L);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_args_and_counts),
		cmocka_unit_test(test_punctuators),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_num_negate),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_space_before),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_diagnostic_format),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_many_strings),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_empty),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
