// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/parse.c.
 *
 * Expressions are checked by their tree shape: each is parsed as the
 * only statement of a probe and printed with cc_dump_node(), which
 * parenthesises every binary operation, so precedence and associativity
 * show directly: "a - b - c" must print "((a - b) - c)".  Statements and
 * declarations are checked field by field.  Error tests check the first
 * headline, the number of errors (recovery resumes at the next top-level
 * declaration, so several mistakes give several reports), and that deep
 * or long input is refused with a message instead of overflowing the
 * stack.
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

struct ps {
	struct cc_ctx cx;
	char *diag;
	size_t diaglen;
	struct cc_file *file;
};

static void parse(struct ps *P, const char *text)
{
	struct cc_srcfile *f;

	memset(P, 0, sizeof(*P));
	cc_ctx_init(&P->cx);
	P->cx.diag.out = open_memstream(&P->diag, &P->diaglen);
	assert_non_null(P->cx.diag.out);
	f = cc_source_text(&P->cx, "t.stp", text);
	P->file = cc_parse_source(&P->cx, f);
	fflush(P->cx.diag.out);
	assert_non_null(P->file);
}

static void done(struct ps *P)
{
	fclose(P->cx.diag.out);
	P->cx.diag.out = NULL;
	free(P->diag);
	cc_ctx_release(&P->cx);
}

static void assert_clean(struct ps *P)
{
	if (P->cx.diag.nerrors)
		fprintf(stderr, "%.2000s", P->diag);
	assert_int_equal(P->cx.diag.nerrors, 0);
}

static struct cc_probe *probe(struct ps *P, int i)
{
	assert_true(i < P->file->probes.n);
	return P->file->probes.v[i];
}

/* The dump of a node, in a static buffer. */
static const char *dump(const struct cc_node *n)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	cc_dump_node(n, f);
	fclose(f);
	return buf;
}

/* Parse "probe begin { STMT }" and compare the statement's dump. */
static void expect_stmt(const char *stmt, const char *want)
{
	char text[2048];
	struct ps P;
	struct cc_node *body;

	snprintf(text, sizeof(text), "probe begin { %s }", stmt);
	parse(&P, text);
	assert_clean(&P);
	body = probe(&P, 0)->body;
	assert_int_equal(body->kind, N_BLOCK);
	assert_int_equal(body->nargs, 1);
	if (strcmp(dump(body->args[0]), want))
		fprintf(stderr, "'%s' parsed as '%s'\n", stmt, dump(body->args[0]));
	assert_string_equal(dump(body->args[0]), want);
	done(&P);
}

/* Expect n errors from text, the first being headline. */
static void expect_err(const char *text, int n, const char *headline)
{
	struct ps P;

	parse(&P, text);
	if (P.cx.diag.nerrors != n || !P.cx.diag.first || strcmp(P.cx.diag.first, headline))
		fprintf(stderr, "for '%.200s':\n%.3000s", text, P.diag);
	assert_int_equal(P.cx.diag.nerrors, n);
	assert_string_equal(P.cx.diag.first, headline);
	done(&P);
}

/* ---- precedence and associativity ------------------------------------------------ */

static void test_precedence(void **state)
{
	expect_stmt("x = 1 + 2 * 3", "(x = (1 + (2 * 3)))");
	expect_stmt("x = 1 * 2 + 3", "(x = ((1 * 2) + 3))");
	expect_stmt("x = a % b / c * d", "(x = (((a % b) / c) * d))");
	/* . binds looser than + and tighter than << */
	expect_stmt("s = a . b + c", "(s = (a . (b + c)))");
	expect_stmt("x = a << b . c", "(x = (a << (b . c)))");
	/* comparisons below shifts, 'in' below comparisons */
	expect_stmt("x = a < b << c", "(x = (a < (b << c)))");
	expect_stmt("x = a == b < c", "(x = ((a == b) < c))");
	expect_stmt("x = k in arr & 1", "(x = ([k] in arr & 1))");
	/* & > ^ > | > && > || */
	expect_stmt("x = a | b ^ c & d", "(x = (a | (b ^ (c & d))))");
	expect_stmt("x = a || b && c | d", "(x = (a || (b && (c | d))))");
	expect_stmt("x = a && b || c && d", "(x = ((a && b) || (c && d)))");
	/* ?: below || and above assignment */
	expect_stmt("x = a || b ? c : d", "(x = ((a || b) ? c : d))");
	/* unary binds tightest, postfix tighter still */
	expect_stmt("x = -a * !b + ~c", "(x = ((-(a) * !(b)) + ~(c)))");
	expect_stmt("x = - - a", "(x = -(-(a)))");
	expect_stmt("x = -a++", "(x = -(a++))");
	expect_stmt("x = ++a + b--", "(x = (++a + b--))");
	/* parentheses */
	expect_stmt("x = (1 + 2) * 3", "(x = ((1 + 2) * 3))");
	expect_stmt("x = ((((a))))", "(x = a)");
}

static void test_associativity(void **state)
{
	expect_stmt("x = a - b - c", "(x = ((a - b) - c))");
	expect_stmt("x = a / b / c", "(x = ((a / b) / c))");
	expect_stmt("x = a . b . c", "(x = ((a . b) . c))");
	expect_stmt("x = a << b >> c", "(x = ((a << b) >> c))");
	expect_stmt("x = a < b < c", "(x = ((a < b) < c))");
	expect_stmt("x = a || b || c", "(x = ((a || b) || c))");
	/* assignment and ?: are right associative */
	expect_stmt("a = b = c", "(a = (b = c))");
	expect_stmt("a += b -= c", "(a += (b -= c))");
	expect_stmt("x = a ? b : c ? d : e", "(x = (a ? b : (c ? d : e)))");
	expect_stmt("x = a ? b ? c : d : e", "(x = (a ? (b ? c : d) : e))");
	expect_stmt("s <<< a = 1", "(s <<< (a = 1))");
}

static void test_operators(void **state)
{
	static const char *const assign[] = {
	    "=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", ".=", NULL,
	};
	char in[64], want[64];
	int i;

	for (i = 0; assign[i]; i++) {
		snprintf(in, sizeof(in), "x %s 1", assign[i]);
		snprintf(want, sizeof(want), "(x %s 1)", assign[i]);
		expect_stmt(in, want);
	}
	expect_stmt("x <= y", "(x <= y)");
	expect_stmt("x >= y", "(x >= y)");
	expect_stmt("x != y", "(x != y)");
	expect_stmt("x > y", "(x > y)");
	expect_stmt("x ^ y", "(x ^ y)");
	expect_stmt("a[1, \"k\"]++", "a[1, \"k\"]++");
	expect_stmt("[a, b] in arr", "[a, b] in arr");
	expect_stmt("s <<< 5", "(s <<< 5)");
}

static void test_values(void **state)
{
	expect_stmt("x = \"a\" \"b\"  \"c\"", "(x = \"abc\")");
	expect_stmt("x = f()", "(x = f())");
	expect_stmt("x = f(1, g(2), h())", "(x = f(1, g(2), h()))");
	expect_stmt("x = $pid", "(x = $pid)");
	expect_stmt("x = $$parms", "(x = $$parms)");
	expect_stmt("x = @count(s[1])", "(x = @count(s[1]))");
	expect_stmt("print(@hist_linear(s, 0, 100, 10))", "print(@hist_linear(s, 0, 100, 10))");
	expect_stmt("x = @defined($foo) ? $foo : 0", "(x = (@defined($foo) ? $foo : 0))");
	expect_stmt("x = 0x10 + 010", "(x = (16 + 8))");
	/* @kderef/@uderef: stap's sized reads, zero-extended, as the read functions */
	expect_stmt("x = @kderef(1, a)", "(x = (kernel_char(a) & 255))");
	expect_stmt("x = @kderef(4, a + 8)", "(x = (kernel_int((a + 8)) & 4294967295))");
	expect_stmt("x = @kderef(8, a)", "(x = kernel_long(a))");
	expect_stmt("x = @uderef(2, $p)", "(x = user_uint16_error($p))");
	expect_stmt("x = @uderef(8, $p)", "(x = user_uint64_error($p))");
	expect_err("probe begin { x = @uderef(3, a) }", 1,
		   "t.stp:1:27: error: expected a size of 1, 2, 4 or 8 (bytes), found number '3'");
	expect_err("probe begin { x = @kderef(n, a) }", 1,
		   "t.stp:1:27: error: expected a size of 1, 2, 4 or 8 (bytes), found identifier 'n'");
}

/* ---- statements -------------------------------------------------------------------- */

static void test_statements(void **state)
{
	expect_stmt("if (a) b = 1 else b = 2", "if (a) \n  (b = 1)\nelse \n  (b = 2)\n");
	expect_stmt("if (a) if (b) c() else d()",
		    "if (a) \n  if (b) \n    c()\n  else \n    d()\n");
	expect_stmt("while (i < 3) i++", "while ((i < 3)) i++\n");
	expect_stmt("for (i = 0; i < 3; i++) {}", "for ((i = 0); (i < 3); i++) {\n}\n");
	expect_stmt("for (;;) break", "for (; ; ) break\n");
	expect_stmt("{ next; continue; return; return 1 }",
		    "{\n  next\n  continue\n  return\n  return 1\n}\n");
	expect_stmt("delete a[1]", "delete a[1]");
	expect_stmt("delete a", "delete a");
	expect_stmt(";", ";");
	/* semicolons are optional between statements */
	expect_stmt("{ a = 1 b = 2; c = 3 }", "{\n  (a = 1)\n  (b = 2)\n  (c = 3)\n}\n");
}

static void test_foreach(void **state)
{
	struct ps P;
	struct cc_node *n;

	expect_stmt("foreach (k in a) x = k", "foreach ([k] in a) (x = k)\n");
	expect_stmt("foreach ([k1, k2] in a) {}", "foreach ([k1, k2] in a) {\n}\n");
	expect_stmt("foreach ([k1, k2+] in a) {}", "foreach ([k1, k2+] in a) {\n}\n");
	expect_stmt("foreach (v = [k] in a- limit 5) {}", "foreach (v = [k] in a- limit 5) {\n}\n");
	expect_stmt("foreach (k- in a) {}", "foreach ([k-] in a) {\n}\n");
	/* over a histogram: a loop over its buckets (stap's foreach_value.stp) */
	expect_stmt("foreach (n = i in @hist_log(s)) x += n",
		    "for ((i = 0); (i < @buckets(@hist_log(s))); i++) {\n  (n = @hist_log(s)[i])\n"
		    "  (x += n)\n}\n");
	expect_stmt("foreach (i in @hist_linear(t[k], 0, 10, 2)) {}",
		    "for ((i = 0); (i < @buckets(@hist_linear(t[k], 0, 10, 2))); i++) {\n  {\n  }\n}\n");
	expect_stmt("x = @hist_log(s)[i + 1]", "(x = @hist_log(s)[(i + 1)])");
	expect_err("probe end { foreach (n = i+ in @hist_log(s)) {} }", 1,
		   "t.stp:1:13: error: foreach over a histogram takes one key (the bucket) and no "
		   "sort or limit: foreach ([n =] i in @hist_log(x))");
	expect_err("probe end { foreach ([i, j] in @hist_log(s)) {} }", 1,
		   "t.stp:1:13: error: foreach over a histogram takes one key (the bucket) and no "
		   "sort or limit: foreach ([n =] i in @hist_log(x))");

	parse(&P, "probe end { foreach (k in s @sum+ limit n + 1) {} }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0];
	assert_int_equal(n->kind, N_FOREACH);
	assert_int_equal(n->sort_by, -1);
	assert_int_equal(n->sort_dir, 1);
	assert_int_equal(n->sort_x, 1); /* @sum */
	assert_string_equal(dump(n->cond), "(n + 1)");
	assert_string_equal(n->rhs->name, "s");
	assert_null(n->lhs);
	done(&P);

	parse(&P, "probe end { foreach (v = [a, b-] in arr) {} }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0];
	assert_int_equal(n->nargs, 2);
	assert_int_equal(n->sort_by, 1);
	assert_int_equal(n->sort_dir, -1);
	assert_int_equal(n->sort_x, -1);
	assert_string_equal(n->lhs->name, "v");
	assert_null(n->cond);
	done(&P);
}

/* ---- declarations ------------------------------------------------------------------ */

static void test_globals(void **state)
{
	struct ps P;
	struct cc_sym *s;

	parse(&P, "global a, b[100], c = 5, d = -9223372036854775808, e = \"x\" \"y\"; "
		  "global f%, g[8]%\nprivate global h");
	assert_clean(&P);
	assert_int_equal(P.file->globals.n, 8);
	s = P.file->globals.v[1];
	assert_string_equal(s->name, "b");
	assert_true(s->is_array);
	assert_int_equal(s->maxsize, 100);
	s = P.file->globals.v[2];
	assert_int_equal(s->init->num, 5);
	assert_int_equal(s->type, TY_LONG);
	s = P.file->globals.v[3];
	assert_true(s->init->num == INT64_MIN);
	s = P.file->globals.v[4];
	assert_int_equal(s->type, TY_STRING);
	assert_string_equal(s->init->str, "xy");
	s = P.file->globals.v[5];
	assert_true(s->wrapped);
	assert_false(s->is_array);
	s = P.file->globals.v[6];
	assert_true(s->wrapped && s->is_array);
	s = P.file->globals.v[7];
	assert_true(s->is_private);
	assert_int_equal(s->loc.line, 2);
	assert_int_equal(s->loc.col, 16);
	done(&P);
}

/*
 * "-" NUMBER where the grammar takes a constant (probe point parameters,
 * initializers) is one constant: INT64_MIN can be written, no magnitude
 * above 2^63 can, and nothing negates a signed long (UBSan would say).
 */
static void test_constants(void **state)
{
	struct ps P;
	struct cc_sym *s;

	parse(&P, "global a = -9223372036854775808, b = 18446744073709551615, c = -0, "
		  "d = 9223372036854775808, e = -9223372036854775807\n"
		  "probe begin(-9223372036854775808), end(18446744073709551615), "
		  "error(-1) {}");
	assert_clean(&P);
	s = P.file->globals.v[0];
	assert_true(s->init->num == INT64_MIN);
	s = P.file->globals.v[1];
	assert_true(s->init->num == -1);
	s = P.file->globals.v[2];
	assert_true(s->init->num == 0);
	s = P.file->globals.v[3];
	assert_true(s->init->num == INT64_MIN);
	s = P.file->globals.v[4];
	assert_true(s->init->num == -INT64_MAX);
	assert_true(probe(&P, 0)->points[0]->comps[0].num == INT64_MIN);
	assert_string_equal(cc_point_str(&P.cx, probe(&P, 0)->points[0]),
			    "begin(-9223372036854775808)");
	assert_true(probe(&P, 0)->points[1]->comps[0].num == -1);
	assert_true(probe(&P, 0)->points[2]->comps[0].num == -1);
	done(&P);

	/* an expression's unary minus wraps instead: -(2^63) is 2^63 */
	expect_stmt("x = -9223372036854775808", "(x = -(-9223372036854775808))");

	expect_err("probe begin(-9223372036854775809) {}", 1,
		   "t.stp:1:13: error: number '-9223372036854775809' out of range for a 64-bit "
		   "long");
	expect_err("probe begin(-18446744073709551615) {}", 1,
		   "t.stp:1:13: error: number '-18446744073709551615' out of range for a 64-bit "
		   "long");
	expect_err("global g = -0x8000000000000001", 1,
		   "t.stp:1:12: error: number '-0x8000000000000001' out of range for a 64-bit "
		   "long");
	expect_err("probe begin(18446744073709551616) {}", 1,
		   "t.stp:1:13: error: number '18446744073709551616' out of range for a 64-bit "
		   "long");
	expect_err("global g = -", 1,
		   "t.stp:1:12: error: expected a number or string literal as initializer, found "
		   "'-'");
}

static void test_functions(void **state)
{
	struct ps P;
	struct cc_func *f;

	parse(&P, "function a() {}\n"
		  "function b:string(x:long, y) { return \"\" }\n"
		  "function c(x):long { return x }\n"
		  "private function d(s:string) {}");
	assert_clean(&P);
	assert_int_equal(P.file->funcs.n, 4);
	f = P.file->funcs.v[0];
	assert_int_equal(f->nparams, 0);
	assert_false(f->typed_ret);
	f = P.file->funcs.v[1];
	assert_int_equal(f->rettype, TY_STRING);
	assert_true(f->typed_ret);
	assert_int_equal(f->nparams, 2);
	assert_int_equal(f->params[0]->type, TY_LONG);
	assert_true(f->params[0]->typed_decl);
	assert_int_equal(f->params[1]->type, TY_UNKNOWN);
	assert_int_equal(f->params[1]->index, 1);
	f = P.file->funcs.v[2];
	assert_int_equal(f->rettype, TY_LONG);
	f = P.file->funcs.v[3];
	assert_true(f->is_private);
	assert_int_equal(f->params[0]->type, TY_STRING);
	done(&P);
}

static void test_probes(void **state)
{
	struct ps P;
	struct cc_probe *p;
	struct cc_point *pt;

	parse(&P, "probe begin, end(5), timer.ms(-1) {}\n"
		  "probe kernel.trace(\"sched:*\")?, perf.sw.cpu_clock! {}\n"
		  "probe syscall.open = kernel.trace(\"syscalls:sys_enter_open*\") { x = 1 }\n"
		  "probe syscall.open += kernel.trace(\"x:y\") if (x > 1) {}\n"
		  "probe sys_*ope*n.ret2urn {}\n"
		  "probe foo . bar {}");
	assert_clean(&P);
	assert_int_equal(P.file->probes.n, 6);

	p = probe(&P, 0);
	assert_int_equal(p->npoints, 3);
	assert_false(p->is_alias);
	pt = p->points[1];
	assert_string_equal(pt->comps[0].name, "end");
	assert_true(pt->comps[0].has_arg);
	assert_int_equal(pt->comps[0].num, 5);
	pt = p->points[2];
	assert_int_equal(pt->ncomps, 2);
	assert_int_equal(pt->comps[1].num, -1);
	assert_string_equal(cc_point_str(&P.cx, pt), "timer.ms(-1)");

	p = probe(&P, 1);
	assert_true(p->points[0]->optional);
	assert_false(p->points[0]->sufficient);
	assert_true(p->points[0]->comps[1].arg_is_str);
	assert_string_equal(p->points[0]->comps[1].str, "sched:*");
	assert_true(p->points[1]->optional && p->points[1]->sufficient);

	p = probe(&P, 2);
	assert_true(p->is_alias);
	assert_false(p->is_epilogue);
	assert_string_equal(cc_point_str(&P.cx, p->alias_name), "syscall.open");

	p = probe(&P, 3);
	assert_true(p->is_epilogue);
	assert_string_equal(dump(p->points[0]->cond), "(x > 1)");

	/* components glue back across '*' and digits without spaces */
	p = probe(&P, 4);
	assert_int_equal(p->points[0]->ncomps, 2);
	assert_string_equal(p->points[0]->comps[0].name, "sys_*ope*n");
	assert_string_equal(p->points[0]->comps[1].name, "ret2urn");

	p = probe(&P, 5);
	assert_string_equal(cc_point_str(&P.cx, p->points[0]), "foo.bar");
	done(&P);
}

/* Braces in probe points expand to the product of their alternatives. */
static void test_brace_expansion(void **state)
{
	struct ps P;
	struct cc_probe *p;
	char all[1024] = "";
	int i;

	parse(&P, "probe syscall.{open,close}.return?, kernel.{trace(\"a\")!, trace(\"b\")} {}\n"
		  "probe a.{b.{c,d},e}.f if (x) {}\n"
		  "probe {begin,end} {}\n"
		  "probe x.{y?,z} {}");
	assert_clean(&P);
	p = probe(&P, 0);
	assert_int_equal(p->npoints, 4);
	for (i = 0; i < p->npoints; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s%s%s ",
			 cc_point_str(&P.cx, p->points[i]), p->points[i]->optional ? "?" : "",
			 p->points[i]->sufficient ? "!" : "", p->points[i]->cond ? " if" : "");
	assert_string_equal(all, "syscall.open.return? syscall.close.return? kernel.trace(\"a\")?! "
				 "kernel.trace(\"b\") ");
	p = probe(&P, 1);
	assert_int_equal(p->npoints, 3);
	assert_string_equal(cc_point_str(&P.cx, p->points[0]), "a.b.c.f");
	assert_string_equal(cc_point_str(&P.cx, p->points[1]), "a.b.d.f");
	assert_string_equal(cc_point_str(&P.cx, p->points[2]), "a.e.f");
	/* the condition after the point is every expansion's */
	for (i = 0; i < 3; i++)
		assert_string_equal(dump(p->points[i]->cond), "x");
	p = probe(&P, 2);
	assert_int_equal(p->npoints, 2);
	assert_string_equal(cc_point_str(&P.cx, p->points[1]), "end");
	p = probe(&P, 3);
	assert_true(p->points[0]->optional);
	assert_false(p->points[1]->optional);
	done(&P);

	expect_err("probe a.{b?,c}.d {}", 1,
		   "t.stp:1:16: error: '?', '!' and 'if' may only end a probe point, not a part "
		   "that more components follow");
	expect_err("probe a.{b?,c}? {}", 1,
		   "t.stp:1:15: error: '?' or '!' given twice for one probe point");
	expect_err("probe {a,b} = begin {}", 1,
		   "t.stp:1:8: error: an alias name cannot expand to several points");
	expect_err("probe a.{b,c {}", 1,
		   "t.stp:1:9: error: expected a probe point component, found '{'");
	/* 2^11 points: the product is bounded */
	expect_err("probe a.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c}.{b,c} {}", 1,
		   "t.stp:1:7: error: the braces of this probe point expand to more than 1024 "
		   "points");
}

/* Adjacent string literals in a point's parameter, as @1 "suffix" makes them. */
static void test_point_strings(void **state)
{
	struct ps P;
	struct cc_comp *c;

	parse(&P, "probe kernel.trace(\"sched:\" \"sched_\" \"switch\") {}");
	assert_clean(&P);
	c = &probe(&P, 0)->points[0]->comps[1];
	assert_true(c->arg_is_str);
	assert_string_equal(c->str, "sched:sched_switch");
	done(&P);
}

static void test_try_catch(void **state)
{
	struct ps P;
	struct cc_node *n;

	expect_stmt("try { x = 1 / 0 } catch (msg) { println(msg) }",
		    "try {\n  (x = (1 / 0))\n}\ncatch (msg) {\n  println(msg)\n}\n");
	expect_stmt("try { } catch { }", "try {\n}\ncatch {\n}\n");
	parse(&P, "probe begin { try { error(\"x\") } catch (m) { try {} catch {} } }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0];
	assert_int_equal(n->kind, N_TRY);
	assert_int_equal(n->body->kind, N_BLOCK);
	assert_string_equal(n->lhs->name, "m");
	assert_int_equal(n->els->args[0]->kind, N_TRY);
	assert_null(n->els->args[0]->lhs);
	done(&P);
}

static void test_entry(void **state)
{
	struct ps P;
	struct cc_node *n;

	expect_stmt("t = gettimeofday_us() - @entry(gettimeofday_us())",
		    "(t = (gettimeofday_us() - @entry(gettimeofday_us())))");
	parse(&P, "probe syscall.read.return { x = @entry($fd + 1) }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0]->lhs->rhs;
	assert_int_equal(n->kind, N_ENTRY);
	assert_string_equal(dump(n->lhs), "($fd + 1)");
	done(&P);
	expect_err("probe begin { x = @entry 1 }", 1,
		   "t.stp:1:26: error: expected '(', found number '1'");
}

/* What needs debuginfo parses whole (refused at pass 2, not defined under @defined). */
static void test_debuginfo_forms(void **state)
{
	struct ps P;
	struct cc_node *n;

	expect_stmt("x = @cast(p, \"task_struct\", \"kernel\")->mm[1]->pid",
		    "(x = @cast(p, \"task_struct\", \"kernel\", \"mm\", 1, \"pid\"))");
	expect_stmt("x = &$skb->len", "(x = &$skb->len)");
	/* binary '&' stays binary */
	expect_stmt("x = a & b", "(x = (a & b))");
	/* a variable holding a typed pointer (stap's autocast) */
	expect_stmt("x = fh->fh_dentry->d_name", "(x = fh->fh_dentry->d_name)");
	/* pretty-printing suffixes: $ and $$ after a chain or a call */
	expect_stmt("x = @cast(t, \"task_struct\")->comm$", "(x = @cast(t, \"task_struct\", \"comm\"))");
	expect_stmt("x = @var(\"foo\")$$ . \"\"", "(x = (@var(\"foo\") . \"\"))");
	expect_stmt("x = $times[1]$$ + 1", "(x = ($times->? + 1))");
	parse(&P, "probe begin { x = @defined(@var(\"jiffies\")) }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0]->lhs->rhs->lhs;
	assert_int_equal(n->kind, N_DWARF);
	assert_string_equal(n->name, "@var");
	done(&P);
}

static void test_slices(void **state)
{
	struct ps P;
	struct cc_node *n;

	expect_stmt("delete a[pid(), *]", "delete a[pid(), *]");
	expect_stmt("x = [*, k] in a", "(x = [*, k] in a)");
	expect_stmt("foreach ([k, j] in x[*, 3]) {}", "foreach ([k, j] in x[*, 3]) {\n}\n");
	expect_stmt("foreach ([k+] in x[*] limit 2) {}", "foreach ([k+] in x[*] limit 2) {\n}\n");
	/* '*' followed by more than ',' or ']' is a product, not a key */
	expect_stmt("x = a[b * c]", "(x = a[(b * c)])");
	parse(&P, "probe begin { foreach (v = [k, j] in x[1, *]- limit 3) {} }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0];
	assert_int_equal(n->inc->kind, N_INDEX);
	assert_int_equal(n->inc->nargs, 2);
	assert_int_equal(n->inc->args[1]->kind, N_WILDCARD);
	assert_int_equal(n->sort_by, -1);
	assert_int_equal(n->sort_dir, -1);
	done(&P);
}

/* Smaller forms stap accepts. */
static void test_grammar_forms(void **state)
{
	struct ps P;
	struct cc_node *n;
	struct cc_probe *p;
	struct cc_sym *g;

	/* foreach (value- = key in a): the value's sort written on it */
	parse(&P, "probe begin { foreach (n- = i in longs) {} }");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0];
	assert_string_equal(n->lhs->name, "n");
	assert_int_equal(n->sort_by, -1);
	assert_int_equal(n->sort_dir, -1);
	done(&P);
	expect_err("probe begin { foreach (n- = [i+] in a) {} }", 1,
		   "t.stp:1:15: error: foreach may sort by only one key or the value");

	/* private x: private global x */
	parse(&P, "private x = 7, y\nprivate global z");
	assert_clean(&P);
	assert_int_equal(P.file->globals.n, 3);
	g = P.file->globals.v[0];
	assert_true(g->is_private);
	assert_int_equal(g->init->num, 7);
	done(&P);

	/* probe a = b { prologue }, { epilogue } */
	parse(&P, "probe a = begin { x = 1 }, { y = 2 }");
	assert_clean(&P);
	p = probe(&P, 0);
	assert_true(p->is_alias);
	assert_false(p->is_epilogue);
	assert_string_equal(dump(p->body->args[0]), "(x = 1)");
	assert_string_equal(dump(p->epilogue->args[0]), "(y = 2)");
	done(&P);
	expect_err("probe a += begin { }, { }", 1,
		   "t.stp:1:21: error: an epilogue alias ('+=') cannot have a second, epilogue body");
}

static void test_locations(void **state)
{
	struct ps P;
	struct cc_node *n;

	parse(&P, "probe begin {\n\tx = a[1] +\n\t\tf(2)\n}");
	assert_clean(&P);
	n = probe(&P, 0)->body->args[0]->lhs; /* x = ... */
	assert_int_equal(n->kind, N_ASSIGN);
	assert_int_equal(n->loc.line, 2);
	assert_int_equal(n->loc.col, 4);
	n = n->rhs; /* + */
	assert_int_equal(n->loc.col, 11);
	/* an element is located at its array's name */
	assert_int_equal(n->lhs->kind, N_INDEX);
	assert_int_equal(n->lhs->loc.col, 6);
	assert_int_equal(n->rhs->loc.line, 3);
	assert_int_equal(n->rhs->loc.col, 3);
	done(&P);
}

/* ---- errors and recovery ---------------------------------------------------------- */

static void test_errors(void **state)
{
	expect_err("probe begin { x = 1 + }", 1,
		   "t.stp:1:23: error: expected an expression, found '}'");
	expect_err("probe begin { f(1 2) }", 1,
		   "t.stp:1:19: error: expected ',' or ')' to close the '(' at 1:16, found number "
		   "'2'");
	expect_err("probe begin { if (x { } }", 1,
		   "t.stp:1:21: error: expected ')' to close the '(' at 1:18, found '{'");
	expect_err("probe begin { x = a[1 }", 1,
		   "t.stp:1:23: error: expected ',' or ']' to close the '[' at 1:20, found '}'");
	expect_err("probe begin { x = 1", 1,
		   "t.stp:1:13: error: unterminated block: '{' without '}'");
	expect_err("probe begin x = 1 }", 1,
		   "t.stp:1:13: error: expected '{' or ',' after the probe point, found "
		   "identifier 'x'");
	expect_err("function f(x) x", 1,
		   "t.stp:1:15: error: expected '{' to start the body of function 'f', found "
		   "identifier 'x'");
	expect_err("probe begin { 1 = x }", 1,
		   "t.stp:1:17: error: left side of '=' is not a variable or array element");
	expect_err("probe begin { f() += 1 }", 1,
		   "t.stp:1:19: error: left side of '+=' is not a variable or array element");
	expect_err("probe begin { x = 1++ }", 1,
		   "t.stp:1:20: error: '++'/'--' needs a variable or array element");
	expect_err("probe begin { x = --1 }", 1,
		   "t.stp:1:19: error: '++'/'--' needs a variable or array element");
	expect_err("probe begin { 1 <<< 2 }", 1,
		   "t.stp:1:17: error: '<<<' needs a statistics variable or array element");
	expect_err("probe begin { delete f() }", 1,
		   "t.stp:1:22: error: delete needs a variable, array or array element");
	expect_err("probe begin { foreach ([a+, b-] in x) {} }", 1,
		   "t.stp:1:15: error: foreach may sort by only one key or the value");
	expect_err("probe begin { foreach (k in x @med) {} }", 1,
		   "t.stp:1:31: error: expected an extractor (@count, @sum, @min, @max, @avg, "
		   "@variance), found '@med'");
	expect_err("probe begin { foreach (k x) {} }", 1,
		   "t.stp:1:26: error: expected 'in', found identifier 'x'");
	expect_err("probe begin { x = @nosuch(1) }", 1,
		   "t.stp:1:19: error: '@nosuch' is neither a macro (@define nosuch %( ... %)) "
		   "nor a built-in operator");
	expect_err("probe begin { try { } }", 1,
		   "t.stp:1:23: error: expected 'catch' after the try block, found '}'");
	expect_err("probe begin { try x = 1 catch { } }", 1,
		   "t.stp:1:19: error: expected '{' to start the try block, found identifier 'x'");
	expect_err("probe begin { try { } catch (1) { } }", 1,
		   "t.stp:1:30: error: expected a variable for the error message, found number '1'");
	expect_err("probe begin { try { } catch (m { } }", 1,
		   "t.stp:1:32: error: expected ')' to close the '(' at 1:29, found '{'");
	expect_err("probe begin { a = \"re\"; if (\"x\" =~ a) {} }", 1,
		   "t.stp:1:36: error: the right side of '=~' must be a string literal: "
		   "regular expressions are compiled with the script");
	expect_err("probe begin { if (\"x\" !~ \"a\" . \"b\") {} }", 1,
		   "t.stp:1:30: error: the right side of '!~' must be a string literal: "
		   "regular expressions are compiled with the script");
	expect_err("probe begin { else {} }", 1,
		   "t.stp:1:15: error: 'else' without a matching 'if'");
	expect_err("probe begin %{ x %}", 1,
		   "t.stp:1:13: error: embedded C ('%{ %}') is not supported: taphub runs only "
		   "verified eBPF, even in guru mode (-g)");
	expect_err("function f() %{ x %}", 1,
		   "t.stp:1:14: error: function 'f' is embedded C ('%{ %}'), which is not "
		   "supported: taphub runs only verified eBPF, even in guru mode (-g)");
	expect_err("%{ #include <x> %}", 1,
		   "t.stp:1:1: error: embedded C ('%{ %}') is not supported: taphub runs only "
		   "verified eBPF, even in guru mode (-g)");
	expect_err("probe begin { %{ x %} }", 1,
		   "t.stp:1:15: error: embedded C ('%{ %}') is not supported: taphub runs only "
		   "verified eBPF, even in guru mode (-g)");
	expect_err("x = 1", 1,
		   "t.stp:1:1: error: expected 'probe', 'global' or 'function', found identifier "
		   "'x'");
	expect_err("private probe begin {}", 1,
		   "t.stp:1:9: error: expected 'global', 'function' or a variable name after "
		   "'private', found keyword 'probe'");
}

static void test_declaration_errors(void **state)
{
	expect_err("global limit", 1,
		   "t.stp:1:8: error: expected a global variable name, found keyword 'limit'");
	expect_err("global a[0]", 1,
		   "t.stp:1:10: error: expected a positive array size, found number '0'");
	expect_err("global a[-1]", 1,
		   "t.stp:1:10: error: expected a positive array size, found '-'");
	expect_err("global a[18446744073709551615]", 1,
		   "t.stp:1:10: error: expected a positive array size, found number "
		   "'18446744073709551615'");
	/* the runtime refuses maps above GRT_MAX_MAP_ENTRIES: refused here, located */
	expect_err("global a[2000000000], b[16777216]", 1,
		   "t.stp:1:10: error: array size 2000000000 is above the limit of 16777216 "
		   "entries");
	expect_err("global a[16777217]", 1,
		   "t.stp:1:10: error: array size 16777217 is above the limit of 16777216 entries");
	expect_err("global a[4] = 1", 1, "t.stp:1:15: error: an array cannot have an initializer");
	expect_err("global a = b", 1,
		   "t.stp:1:12: error: expected a number or string literal as initializer, found "
		   "identifier 'b'");
	expect_err("function if() {}", 1,
		   "t.stp:1:10: error: expected a function name, found keyword 'if'");
	expect_err("function f(in) {}", 1,
		   "t.stp:1:12: error: expected a parameter name, found keyword 'in'");
	expect_err("function f(a, a) {}", 1,
		   "t.stp:1:15: error: duplicate parameter 'a' in function 'f'");
	expect_err("function f:int() {}", 1,
		   "t.stp:1:12: error: unknown type 'int' (expected 'long' or 'string')");
	expect_err("function f:long():long {}", 1, "t.stp:1:19: error: return type given twice");
	expect_err("probe a? = begin {}", 1,
		   "t.stp:1:7: error: an alias name cannot be optional or conditional");
	expect_err("probe begin. {}", 1,
		   "t.stp:1:14: error: expected a probe point component, found '{'");
	expect_err("probe timer.ms(x) {}", 1,
		   "t.stp:1:16: error: expected a number or string as probe point parameter, found "
		   "identifier 'x'");
	expect_err("probe begin { string = 1 }", 1,
		   "t.stp:1:15: error: expected an expression, found keyword 'string'");
	expect_err("probe begin { foreach (next in a) {} }", 1,
		   "t.stp:1:24: error: expected a key variable or '[', found keyword 'next'");
}

/* After an error the parser resumes at the next declaration: one report each. */
static void test_recovery(void **state)
{
	struct ps P;

	parse(&P, "probe begin { x = }\n"
		  "global 1\n"
		  "probe end { ok = 1 }\n"
		  "function f( {}\n"
		  "probe timer.s(1) { if ( }\n"
		  "function g() { return 2 }\n");
	assert_int_equal(P.cx.diag.nerrors, 4);
	assert_string_equal(P.cx.diag.first,
			    "t.stp:1:19: error: expected an expression, found '}'");
	assert_non_null(strstr(P.diag, "t.stp:2:8: error: expected a global variable name"));
	assert_non_null(strstr(P.diag, "t.stp:4:13: error: expected a parameter name"));
	assert_non_null(strstr(P.diag, "t.stp:5:25: error: expected an expression"));
	/* the good declarations between the bad ones are all there */
	assert_int_equal(P.file->probes.n, 1);
	assert_string_equal(cc_point_str(&P.cx, probe(&P, 0)->points[0]), "end");
	assert_int_equal(P.file->funcs.n, 1);
	done(&P);
}

/* Deep nesting and long chains are refused with a message, not a crash. */
static void test_limits(void **state)
{
	static char text[200000];
	struct ps P;
	size_t n;
	int i;

	/* nested parentheses */
	n = (size_t)sprintf(text, "probe begin { x = ");
	for (i = 0; i < 20000; i++)
		text[n++] = '(';
	text[n++] = '1';
	for (i = 0; i < 20000; i++)
		text[n++] = ')';
	strcpy(text + n, " }");
	parse(&P, text);
	assert_int_equal(P.cx.diag.nerrors, 1);
	assert_non_null(strstr(P.cx.diag.first, "nesting too deep (more than 500 levels)"));
	done(&P);

	/* long left-associative chains, right-associative chains, blocks, unary */
	{
		static const char *const pieces[][3] = {
		    {"probe begin { x = 1", " + 1", " }"},
		    {"probe begin { x = \"\"", " . \"a\"", " }"},
		    {"probe begin { x", " = x", " }"},
		    {"probe begin { x = 1", " ? 1 : 1", " }"},
		    {"probe begin { x = ", "-", "1 }"},
		    {"probe begin ", "{", ""},
		    {"probe begin { ", "if (1) ", "x = 1 }"},
		    {"probe begin { x = a", "[1]", " }"},
		};
		size_t k;

		for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			n = (size_t)sprintf(text, "%s", pieces[k][0]);
			for (i = 0; i < 20000; i++)
				n += (size_t)sprintf(text + n, "%s", pieces[k][1]);
			strcpy(text + n, pieces[k][2]);
			parse(&P, text);
			assert_true(P.cx.diag.nerrors >= 1);
			done(&P);
		}
	}

	/* a long run of adjacent literals is one copy, not one per literal */
	n = (size_t)sprintf(text, "probe begin { x = ");
	for (i = 0; i < 40000; i++)
		n += (size_t)sprintf(text + n, "\"ab\"");
	strcpy(text + n, " }");
	parse(&P, text);
	assert_clean(&P);
	assert_int_equal(probe(&P, 0)->body->args[0]->lhs->rhs->slen, 80000);
	done(&P);

	/* parameters are bounded (duplicates are checked pairwise) */
	n = (size_t)sprintf(text, "function f(p0");
	for (i = 1; i < 100; i++)
		n += (size_t)sprintf(text + n, ", p%d", i);
	strcpy(text + n, ") {}");
	expect_err(text, 1, "t.stp:1:322: error: function 'f' has more than 64 parameters");

	/* at the limit's edge a chain is still fine */
	n = (size_t)sprintf(text, "probe begin { x = 1");
	for (i = 0; i < 400; i++)
		n += (size_t)sprintf(text + n, " + 1");
	strcpy(text + n, " }");
	parse(&P, text);
	assert_clean(&P);
	done(&P);
}

/* ---- cc_parse_point and cc_node_clone ---------------------------------------------- */

static void test_parse_point(void **state)
{
	struct cc_ctx cx;
	struct cc_srcfile *f;
	struct cc_point *pt;

	cc_ctx_init(&cx);
	cx.diag.out = NULL;
	f = cc_source_text(&cx, "<pattern>", "kernel.trace(\"sched:*\")");
	pt = cc_parse_point(&cx, cc_preprocess(&cx, cc_lex(&cx, f)));
	assert_non_null(pt);
	assert_string_equal(cc_point_str(&cx, pt), "kernel.trace(\"sched:*\")");
	f = cc_source_text(&cx, "<pattern>", "timer.s(1) x");
	assert_null(cc_parse_point(&cx, cc_preprocess(&cx, cc_lex(&cx, f))));
	assert_string_equal(cx.diag.first, "<pattern>:1:12: error: expected end of the probe "
					   "point, found identifier 'x'");
	cc_ctx_release(&cx);
}

static void test_clone(void **state)
{
	struct ps P;
	struct cc_node *body, *copy;
	char *before;

	parse(&P,
	      "probe begin { foreach ([k] in a) { if (k > 1) x[k] = f(k, \"s\") else y <<< 2 } }");
	assert_clean(&P);
	body = probe(&P, 0)->body;
	before = strdup(dump(body));
	copy = cc_node_clone(&P.cx, body);
	assert_ptr_not_equal(copy, body);
	assert_ptr_not_equal(copy->args[0], body->args[0]);
	assert_string_equal(dump(copy), before);
	/* changing the copy leaves the original alone */
	copy->args[0]->rhs->name = "b";
	assert_string_equal(dump(body), before);
	assert_null(cc_node_clone(&P.cx, NULL));
	free(before);
	done(&P);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_associativity),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_globals),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_brace_expansion),
		cmocka_unit_test(test_point_strings),
		cmocka_unit_test(test_try_catch),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_debuginfo_forms),
		cmocka_unit_test(test_grammar_forms),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_declaration_errors),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_parse_point),
		cmocka_unit_test(test_clone),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
