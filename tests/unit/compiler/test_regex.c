// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/regex.c (patterns -> DFA and NFA tables) and
 * the matchers of guest-runtime/regex.c that run those tables.
 *
 * - Patterns the dialect refuses, with the reason and the offset of the
 *   offending byte; the bounds (CC_REGEX_MAX_*) named when exceeded.
 * - Match tables written from SystemTap's semantics: the DFA's yes/no,
 *   and the leftmost-longest match with its subexpressions.
 * - A differential test against the C library's regcomp/regexec
 *   (REG_EXTENDED, the C locale): thousands of generated patterns over a
 *   small alphabet, each on many generated strings; the DFA's answer and
 *   the Pike VM's match (group 0) must equal glibc's.
 * - The pass-2 hook: a bad pattern in a script is reported at its
 *   line:col with a caret under the offending character of the literal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

struct rx {
	struct cc_arena *a;
	struct grt_regex *re;
	int rc;
	char err[256];
	size_t off;
};

static void rx_compile(struct rx *r, const char *pat)
{
	memset(r, 0, sizeof(*r));
	r->a = cc_arena_new();
	r->off = 12345;
	r->rc = cc_regex_compile(r->a, pat, strlen(pat), &r->re, r->err, sizeof(r->err), &r->off);
}

static void rx_done(struct rx *r)
{
	cc_arena_free(r->a);
}

/* The DFA's answer and the Pike VM's must agree; returns the answer. */
static int rx_test(const struct grt_regex *re, const char *s)
{
	int32_t caps[2 * CC_REGEX_MAX_GROUPS];
	int dfa = grt_regex_test(re, s), vm = grt_regex_exec(re, s, strlen(s), caps);

	if (dfa != vm)
		fail_msg("DFA says %d, Pike VM says %d on '%s'", dfa, vm, s);
	return dfa;
}

/* ---- refused patterns ------------------------------------------------------------ */

/* pat is refused with rc and a message holding msg, at byte off (SIZE_MAX: the whole) */
static void expect_refused(const char *pat, int rc, size_t off, const char *msg)
{
	struct rx r;

	rx_compile(&r, pat);
	if (r.rc != rc || r.off != off || !strstr(r.err, msg))
		fail_msg("'%.60s': got rc %d at %zu \"%s\", expected %d at %zu \"%s\"", pat, r.rc,
			 r.off, r.err, rc, off, msg);
	rx_done(&r);
}

static void expect_bad(const char *pat, size_t off, const char *msg)
{
	expect_refused(pat, -EINVAL, off, msg);
}

static void refused_patterns(void **state)
{
	(void)state;
	expect_bad("a(b", 1, "unbalanced '(': no ')' closes it");
	expect_bad("((a)", 0, "unbalanced '('");
	expect_bad("(a|(b)", 0, "unbalanced '('");
	expect_bad("*a", 0, "'*' has nothing to repeat");
	expect_bad("a|+b", 2, "'+' has nothing to repeat");
	expect_bad("(?b)", 0, "non-capturing group");
	expect_bad("^*", 1, "'*' cannot repeat the anchor '^'");
	expect_bad("a$+", 2, "'+' cannot repeat the anchor '$'");
	expect_bad("ab\\", 2, "escapes nothing");
	expect_bad("a[bc", 1, "unclosed bracket expression");
	expect_bad("a[]", 1, "unclosed bracket expression");
	expect_bad("a[b-d}+", 1, "unclosed bracket expression");
	expect_bad("x[z-a]", 2, "bad range 'z-a'");
	expect_bad("[[:alfa:]]", 1, "unknown character class '[:alfa:]'");
	expect_bad("[[:alpha]", 1, "unclosed character class");
	expect_bad("[[=a=]]", 1, "equivalence classes");
	expect_bad("[[.a.]]", 1, "collating elements");
	expect_bad("a{", 2, "expected a number");
	expect_bad("a{,3}", 2, "expected a number");
	expect_bad("a{2", 3, "expected '}'");
	expect_bad("a{2,x}", 4, "expected a number");
	expect_bad("a{3,2}", 1, "bad repetition '{3,2}'");
	expect_bad("a{99999}", 2, "repetition count too large");
	expect_bad("{1}", 0, "'{' has nothing to repeat");
}

/* pat repeated n times, between head and tail, into buf */
static const char *repeat(char *buf, const char *head, const char *pat, int n, const char *tail)
{
	int i;

	strcpy(buf, head);
	for (i = 0; i < n; i++)
		strcat(buf, pat);
	return strcat(buf, tail);
}

static void bounds_are_named(void **state)
{
	struct rx r;
	char buf[1000];
	int i;

	(void)state;
	/* 2^12 states: the 13th byte from the end must be an a */
	expect_refused("a(a|b){12}$", -E2BIG, SIZE_MAX, "CC_REGEX_MAX_STATES");
	/* ... while 2^9 fit */
	rx_compile(&r, "a(a|b){8}$");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.re->nstates, 512);
	assert_int_equal(rx_test(r.re, "bbabbbbbbb"), 0);
	assert_int_equal(rx_test(r.re, "babbbbbbbb"), 1);
	rx_done(&r);
	/* the search stops at the first match, so without the $ it is small */
	rx_compile(&r, "a(a|b){12}");
	assert_int_equal(r.rc, 0);
	assert_true(r.re->nstates < 20);
	rx_done(&r);
	/* many overlapping ranges: few states, but each a large set of threads */
	buf[0] = 0;
	for (i = 0; i < 90; i++)
		sprintf(buf + strlen(buf), "[%c-~]", 33 + i);
	expect_refused(strcat(buf, "$"), -E2BIG, SIZE_MAX, "CC_REGEX_MAX_WORK");
	expect_refused("(ab{100}){100}", -E2BIG, 2, "CC_REGEX_MAX_INSTS");
	/* nesting is bounded (the passes recurse over it): groups, repetitions */
	expect_refused(repeat(buf, "", "(?:", 120, "a"), -EINVAL, 300, "nest more than 100");
	expect_refused(repeat(buf, "a", "*", 120, ""), -EINVAL, 101, "nest more than 100");
	/* CC_REGEX_MAX_GROUPS counts group 0 */
	rx_compile(&r, repeat(buf, "", "(a)", CC_REGEX_MAX_GROUPS - 1, ""));
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.re->ngroups, CC_REGEX_MAX_GROUPS);
	rx_done(&r);
	expect_refused(repeat(buf, "", "(a)", CC_REGEX_MAX_GROUPS, ""), -EINVAL,
		       3 * (CC_REGEX_MAX_GROUPS - 1), "more than 63 subexpressions");
}

/* ---- matching -------------------------------------------------------------------- */

struct mcase {
	const char *pat, *s;
	int want;
};

/* Written from SystemTap's semantics (its runok/regex tests cover the same ground). */
static const struct mcase mcases[] = {
	{ "", "", 1 },
	{ "", "abc", 1 },
	{ "abc", "xabcy", 1 },
	{ "abc", "ab", 0 },
	{ "abc", "", 0 },
	{ "^abc", "abc", 1 },
	{ "^abc", "zabc", 0 },
	{ "abc$", "aabc", 1 },
	{ "^abc$", "abcc", 0 },
	{ "^$", "", 1 },
	{ "^$", "a", 0 },
	{ "^", "abc", 1 },
	{ "$", "abc", 1 },
	/* anchors in the middle: ^ only before the first byte, $ only at the end */
	{ "a^", "abc", 0 },
	{ "a^b", "a^b", 0 },
	{ "e$f", "ef", 0 },
	{ ".*^", "", 1 },
	{ ".*^", "a", 1 },
	{ ".+^", "a", 0 },
	{ "$.*", "", 1 },
	{ "$.*", "a", 1 },
	{ "$.+", "a", 0 },
	{ "$^", "", 0 },
	{ "$a^", "a", 0 },
	{ "a$$", "a", 1 },
	{ "^^a", "a", 1 },
	{ "a*^b", "b", 1 },
	{ "(^|x)b", "b", 1 },
	{ "(^|x)b", "ab", 0 },
	{ "(^|x)b", "axb", 1 },
	{ "a|$", "", 1 },
	{ "^a|h$", "h", 1 },
	/* repetitions */
	{ "ab*bc", "abbbbc", 1 },
	{ "ab+bc", "abc", 0 },
	{ "ab?bc", "abbbbc", 0 },
	{ "a{2}", "a", 0 },
	{ "a{2}", "xaay", 1 },
	{ "^a{2,3}$", "aaaa", 0 },
	{ "^a{2,3}$", "aaa", 1 },
	{ "^a{2,}$", "aaaaaaa", 1 },
	{ "^a{0}b$", "b", 1 },
	{ "ab{0}c", "abc", 0 },
	{ "ab{1}{1}c", "abc", 1 },
	{ "^ab{2}{2}c$", "abbbbc", 1 },
	{ "^ab{2}{2}c$", "abbbc", 0 },
	{ "a**", "", 1 },
	{ "(a*)*", "b", 1 },
	{ "(a|)*", "b", 1 },
	{ "()ef", "def", 1 },
	/* brackets */
	{ "a[b-d]e", "ace", 1 },
	{ "a[b-d]e", "abd", 0 },
	{ "a[-b]", "a-", 1 },
	{ "a[b-]", "a-", 1 },
	{ "a[]]b", "a]b", 1 },
	{ "a[^]b]c", "a]c", 0 },
	{ "a[^]b]c", "adc", 1 },
	{ "a[^-b]c", "a-c", 0 },
	{ "[^ab]*", "", 1 },
	{ "[k]", "ab", 0 },
	{ "a]", "a]", 1 },
	/* a ')' that closes nothing is a byte, as POSIX has it */
	{ "abc)", "-", 0 },
	{ "abc)", "xabc)", 1 },
	{ "(a))", "a)", 1 },
	{ "(a))", "a", 0 },
	{ "^[[:digit:]]+$", "01234", 1 },
	{ "^[[:digit:]]*$", "01234a", 0 },
	{ "^[[:xdigit:]]*$", "01234a", 1 },
	{ "^[[:alnum:][:space:]]*$", "Hello world", 1 },
	{ "^[[:graph:]]+$", "two words", 0 },
	{ "^[[:print:]]+$", "two words", 1 },
	{ "^[[:cntrl:]]$", "q", 0 },
	{ "^[[:cntrl:]]$", "\t", 1 },
	{ "^[[:punct:]]+$", "!-/:@[`{~", 1 },
	{ "^[[:space:]]+$", " \t\n\v\f\r", 1 },
	{ "^[[:d:]][[:l:]][[:u:]][[:s:]]$", "1aB ", 1 },
	{ "^[[:upper:][:lower:]]+$", "aZ", 1 },
	{ "^[[:blank:]]$", "\n", 0 },
	/* backslash: the next byte literally, in brackets too */
	{ "\\\\", "\\", 1 },
	{ "a\\(*b", "a((b", 1 },
	{ "a\\.c", "abc", 0 },
	{ "a\\.c", "a.c", 1 },
	{ "[\\^a]", "a", 1 },
	{ "[\\^a]", "b", 0 },
	{ "[\\[:alpha:]]", ":]", 1 },
	{ "[\\[:alpha:]]", ":", 0 },
	{ "[\\]]", "]", 1 },
	/* non-capturing groups, alternation, bytes above 127 */
	{ "^(?:ab|cd)+$", "abcdab", 1 },
	{ "^(ab|cd)e", "abcde", 0 },
	{ "(bc+d$|ef*g.|h?i(j|k))", "effg", 0 },
	{ "(bc+d$|ef*g.|h?i(j|k))", "reffgz", 1 },
	{ "multiple words", "multiple words, yeah", 1 },
	{ "b.*foo", "b\xc3\xa4rfoo", 1 },
	{ "^.$", "\xff", 1 },
	{ "^[^a]$", "\n", 1 },
	{ "(\\.tar\\.(gz|bz2|xz)|\\.zip|\\.tgz|\\.tbz)$", "/x/a.tar.gz", 1 },
	{ "(\\.tar\\.(gz|bz2|xz)|\\.zip|\\.tgz|\\.tbz)$", "/x/a.tar.gzip", 0 },
	{ "AF_INET*", "AF_INET6", 1 },
	{ "AF_INET*", "AF_UNIX", 0 },
};

static void match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		struct rx r;

		rx_compile(&r, mcases[i].pat);
		if (r.rc)
			fail_msg("'%s' does not compile: %s", mcases[i].pat, r.err);
		if (rx_test(r.re, mcases[i].s) != mcases[i].want)
			fail_msg("'%s' =~ '%s' should be %d", mcases[i].s, mcases[i].pat,
				 mcases[i].want);
		rx_done(&r);
	}
}

struct ccase {
	const char *pat, *s;
	const char *groups[4]; /* NULL: no more groups to check */
};

/* leftmost-longest, subexpressions as stap's tagged DFA gives them */
static const struct ccase ccases[] = {
	{ "a*", "aaa", { "aaa" } },
	{ "a?", "aaa", { "a" } },
	{ "(ab)*", "abab", { "abab", "ab" } },
	{ "c(ab)?", "cabab", { "cab", "ab" } },
	{ "(a*)a*a", "aaa", { "aaa", "aa" } },
	{ "re(gex)", "regex", { "regex", "gex" } },
	{ "(long|longer)", "longer", { "longer", "longer" } },
	{ "a|b", "ab", { "a" } },
	{ "a+|b", "baaab", { "b" } },
	{ "a*|b", "baaab", { "b" } },
	{ "b|a*", "baaab", { "b" } },
	{ "(.*).*", "abcdef", { "abcdef", "abcdef" } },
	{ "(a+|b)*", "ab", { "ab", "b" } },
	{ "([abc])*d", "abbbcd", { "abbbcd", "c" } },
	{ "(ab|cd)e$", "abcde", { "cde", "cd" } },
	{ "(bc+d$|ef*g.|h?i(j|k))", "00effg12", { "effg1", "effg1", "" } },
	{ "(bc+d$|ef*g.|h?i(j|k))", "ij", { "ij", "ij", "j" } },
	{ "^#! */.*/(k|ba||pdk|z)sh", "#! /bin/sh", { "#! /bin/sh", "" } },
	{ "[abc]*d", "foacabdxy", { "acabd" } },
	{ "(^|foo)bar", "bar", { "bar", "" } },
	{ "(foo|^)bar", "bazfoobar", { "foobar", "foo" } },
	{ "a t.st", "This is a test.", { "a test" } },
	{ "a|(b)", "a", { "a", "" } },
	{ "a(b)(c)", "abc", { "abc", "b", "c" } },
	{ "x(?:y)(z)", "xyz", { "xyz", "z" } },
	{ "(a$)", "ba", { "a", "a" } },
	{ "(a)(b)?$", "a", { "a", "a", "" } },
};

static void captures(void **state)
{
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *c = &ccases[i];
		int32_t caps[2 * CC_REGEX_MAX_GROUPS];
		struct rx r;

		rx_compile(&r, c->pat);
		assert_int_equal(r.rc, 0);
		assert_int_equal(grt_regex_exec(r.re, c->s, strlen(c->s), caps), 1);
		for (k = 0; k < 4 && c->groups[k]; k++) {
			char got[64] = "";

			assert_true((uint32_t)k < r.re->ngroups);
			if (caps[2 * k] >= 0)
				snprintf(got, sizeof(got), "%.*s", caps[2 * k + 1] - caps[2 * k],
					 c->s + caps[2 * k]);
			if (strcmp(got, c->groups[k]))
				fail_msg("'%s' =~ '%s': group %d is '%s', expected '%s'", c->s, c->pat, k,
					 got, c->groups[k]);
		}
		rx_done(&r);
	}
}

static void groups_counted(void **state)
{
	struct rx r;

	(void)state;
	rx_compile(&r, "a");
	assert_int_equal(r.re->ngroups, 1);
	rx_done(&r);
	rx_compile(&r, "(a)(?:b)((c)|d)");
	assert_int_equal(r.re->ngroups, 4);
	rx_done(&r);
	/* groups inside {0} count, and never match */
	rx_compile(&r, "x(y){0}");
	assert_int_equal(r.re->ngroups, 2);
	rx_done(&r);
}

/* ---- against glibc ----------------------------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	/* xorshift64*: reproducible across runs and libcs */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (unsigned)((rnd_state * 2685821657736338717ull) >> 33) % n;
}

struct gen {
	char buf[256];
	size_t n;
	int depth;
};

static void put(struct gen *g, const char *s)
{
	size_t l = strlen(s);

	if (g->n + l < sizeof(g->buf) - 1) {
		memcpy(g->buf + g->n, s, l);
		g->n += l;
		g->buf[g->n] = 0;
	}
}

static void gen_alt(struct gen *g);

/*
 * Atoms both dialects read alike: literals, escaped specials, ".",
 * brackets without backslashes, groups.  Anchors only where an ERE
 * author puts them, at the start and end of the pattern's branches:
 * elsewhere glibc and stap differ ("$^"), and glibc lets a ^ inside a
 * repeated group match after the first byte ("(^a){1,2}" takes "aa").
 */
static void gen_atom(struct gen *g)
{
	static const char *const atoms[] = {
		"a", "b", "c", "a", "b", ".", "[ab]", "[^a]", "[a-c]", "[^bc]", "[]a]",
		"[[:alpha:]]", "[b-c-]", "\\.", "\\*", "x",
	};
	unsigned k = rnd(g->depth < 3 ? 20 : 16);

	if (k >= 16) {
		g->depth++;
		put(g, "(");
		gen_alt(g);
		put(g, ")");
		g->depth--;
		return;
	}
	put(g, atoms[k]);
}

static void gen_piece(struct gen *g)
{
	static const char *const ops[] = { "*", "+", "?", "{2}", "{1,2}", "{0,1}", "{2,}", "{0}" };

	gen_atom(g);
	if (rnd(3) == 0)
		put(g, ops[rnd(8)]);
}

static void gen_branch(struct gen *g)
{
	unsigned n = 1 + rnd(4), i;

	if (!g->depth && rnd(8) == 0)
		put(g, "^");
	for (i = 0; i < n; i++)
		gen_piece(g);
	if (!g->depth && rnd(8) == 0)
		put(g, "$");
}

static void gen_alt(struct gen *g)
{
	gen_branch(g);
	while (rnd(4) == 0) {
		put(g, "|");
		gen_branch(g);
	}
}

static void against_glibc(void **state)
{
	unsigned npat, nstr = 0, ncmp = 0, nbig = 0;

	(void)state;
	for (npat = 0; npat < 3000; npat++) {
		struct gen g = { .n = 0 };
		regex_t oracle;
		struct rx r;
		unsigned k;

		g.buf[0] = 0;
		gen_alt(&g);
		if (regcomp(&oracle, g.buf, REG_EXTENDED))
			continue; /* glibc refuses what POSIX leaves undefined */
		rx_compile(&r, g.buf);
		if (r.rc == -E2BIG) {
			/* a generated $ after a long repetition can need too many states */
			nbig++;
			regfree(&oracle);
			rx_done(&r);
			continue;
		}
		if (r.rc)
			fail_msg("'%s' does not compile: %s", g.buf, r.err);
		for (k = 0; k < 40; k++) {
			char s[16];
			unsigned len = rnd(10), i;
			regmatch_t m[1];
			int32_t caps[2 * CC_REGEX_MAX_GROUPS];
			int want, got, vm;

			for (i = 0; i < len; i++)
				s[i] = "abcx.*]-"[rnd(k < 20 ? 3 : 8)];
			s[len] = 0;
			want = regexec(&oracle, s, 1, m, 0) == 0;
			got = grt_regex_test(r.re, s);
			vm = grt_regex_exec(r.re, s, len, caps);
			if (got != want || vm != want)
				fail_msg("'%s' =~ '%s': glibc %d, DFA %d, Pike VM %d", s, g.buf, want, got,
					 vm);
			if (want && (caps[0] != m[0].rm_so || caps[1] != m[0].rm_eo))
				fail_msg("'%s' =~ '%s': glibc matches [%d,%d), the Pike VM [%d,%d)", s,
					 g.buf, (int)m[0].rm_so, (int)m[0].rm_eo, caps[0], caps[1]);
			ncmp++;
		}
		nstr++;
		regfree(&oracle);
		rx_done(&r);
	}
	/* most generated patterns must be ones glibc takes, or this tests little */
	assert_true(nstr > 2500);
	assert_true(nbig < 30);
	print_message("compared %u patterns, %u strings (%u patterns over the limits)\n", nstr,
		      ncmp, nbig);
}

/* ---- in a script: pass 2 reports at the literal ------------------------------------- */

static char *compile_script(const char *text, int *ret_rc)
{
	struct cc_ctx cx;
	char *diag = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&diag, &len);
	int rc;

	cc_ctx_init(&cx);
	cx.diag.out = out;
	cx.script = cc_parse_source(&cx, cc_source_text(&cx, "t.stp", text));
	rc = cx.diag.nerrors ? -1 : 0;
	if (!rc)
		rc = cc_load_tapsets(&cx);
	if (!rc)
		rc = cc_elaborate(&cx);
	fclose(out);
	cc_ctx_release(&cx);
	*ret_rc = rc;
	return diag;
}

static void script_errors_point_into_the_literal(void **state)
{
	int rc;
	char *d;

	(void)state;
	/* the ']' that should close is missing: the caret is under the '[' */
	d = compile_script("probe begin { print(\"abc\" =~ \"a[b-d}+\") }", &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d, "t.stp:1:32: error: bad regular expression: unclosed bracket "
				  "expression: '[' needs a ']'\n"
				  "    probe begin { print(\"abc\" =~ \"a[b-d}+\") }\n"
				  "                                   ^\n"));
	free(d);
	/* escapes of the literal are walked: the script's \\( is the pattern's \( */
	d = compile_script("probe begin { if (\"x\" !~ \"\\\\(a)*(\") next }", &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d, "t.stp:1:33: error: bad regular expression: unbalanced '('"));
	free(d);
	/* reported once per pattern, however often it is used */
	d = compile_script("probe begin { a = \"x\" =~ \"(\"; b = \"y\" =~ \"(\" }", &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d, "t.stp:1:27: error: bad regular expression: unbalanced '('"));
	assert_null(strstr(strstr(d, "unbalanced") + 1, "unbalanced"));
	free(d);
	d = compile_script("probe begin { x = 1 =~ \"a\" }", &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d, "the string matched with '=~' is long, expected string"));
	free(d);
	d = compile_script("probe begin { if (\"ab\" =~ \"(a)\") print(matched(1), ngroups(), "
			   "matched_str()) }",
			   &rc);
	assert_int_equal(rc, 0);
	free(d);
}

static void kernel_probes_refuse_matched(void **state)
{
	int rc;
	char *d;

	(void)state;
	d = compile_script("probe kernel.trace(\"sched:sched_switch\") { if (\"ab\" =~ \"(a)\") "
			   "print(matched(1)) }",
			   &rc);
	if (!strstr(d, "sched_switch")) {
		/* no tracefs here: the probe point is refused first */
		free(d);
		skip();
	}
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d, "error: function 'matched' is not available in kernel probes "
				  "(kernel.trace(\"sched:sched_switch\")): the subexpressions"));
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_patterns),
		cmocka_unit_test(bounds_are_named),
		cmocka_unit_test(match_table),
		cmocka_unit_test(captures),
		cmocka_unit_test(groups_counted),
		cmocka_unit_test(against_glibc),
		cmocka_unit_test(script_errors_point_into_the_literal),
		cmocka_unit_test(kernel_probes_refuse_matched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
