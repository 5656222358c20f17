// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/types.c: whole-program type inference.
 *
 * Each case parses and elaborates a small script (user-context probes
 * only, so no kernel and no tracefs are needed) and checks the types the
 * pass gave to globals, array keys, locals, parameters and return values,
 * or that it reported the expected conflict at the expected place.
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
#include "elab.h"

static struct cc_sym *global(struct run *r, const char *name)
{
	int i;

	for (i = 0; i < r->cx.prog->globals.n; i++) {
		struct cc_sym *s = r->cx.prog->globals.v[i];

		if (!strcmp(s->name, name))
			return s;
	}
	fail_msg("global %s not found", name);
	return NULL;
}

static struct cc_func *func(struct run *r, const char *name)
{
	int i;

	for (i = 0; i < r->cx.prog->funcs.n; i++) {
		struct cc_func *f = r->cx.prog->funcs.v[i];

		if (!strcmp(f->name, name))
			return f;
	}
	fail_msg("function %s not found", name);
	return NULL;
}

static struct cc_sym *local(struct run *r, int probe, const char *name)
{
	struct cc_dprobe *d = r->cx.prog->probes.v[probe];
	int i;

	for (i = 0; i < d->locals.n; i++) {
		struct cc_sym *s = d->locals.v[i];

		if (!strcmp(s->name, name))
			return s;
	}
	fail_msg("local %s not found", name);
	return NULL;
}

static void scalars_from_literals(void **state)
{
	struct run r;

	run(&r, "global n, s\nprobe begin { n = 1; s = \"x\"; m = n + 2; t = s . \"y\" }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(global(&r, "n")->type, TY_LONG);
	assert_int_equal(global(&r, "s")->type, TY_STRING);
	assert_int_equal(local(&r, 0, "m")->type, TY_LONG);
	assert_int_equal(local(&r, 0, "t")->type, TY_STRING);
	done(&r);
}

static void types_flow_backwards(void **state)
{
	struct run r;

	/* x gets its type from a later use, y from x, then the function from y */
	run(&r, "global x\nfunction f(a) { return a }\n"
		"probe begin { y = x; x = strlen(\"abc\"); z = f(y) }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(global(&r, "x")->type, TY_LONG);
	assert_int_equal(local(&r, 0, "y")->type, TY_LONG);
	assert_int_equal(func(&r, "f")->params[0]->type, TY_LONG);
	assert_int_equal(func(&r, "f")->rettype, TY_LONG);
	assert_int_equal(local(&r, 0, "z")->type, TY_LONG);
	done(&r);
}

static void arrays_keys_and_values(void **state)
{
	struct run r;

	run(&r, "global a, b\nprobe begin { a[\"k\", 1] = 2; b[3] = \"v\"; "
		"foreach ([s, n] in a) x = s }");
	assert_int_equal(r.rc, 0);
	assert_true(global(&r, "a")->is_array);
	assert_int_equal(global(&r, "a")->nkeys, 2);
	assert_int_equal(global(&r, "a")->keytype[0], TY_STRING);
	assert_int_equal(global(&r, "a")->keytype[1], TY_LONG);
	assert_int_equal(global(&r, "a")->type, TY_LONG);
	assert_int_equal(global(&r, "b")->keytype[0], TY_LONG);
	assert_int_equal(global(&r, "b")->type, TY_STRING);
	assert_int_equal(local(&r, 0, "s")->type, TY_STRING);
	assert_int_equal(local(&r, 0, "n")->type, TY_LONG);
	assert_int_equal(local(&r, 0, "x")->type, TY_STRING);
	done(&r);
}

static void aggregates(void **state)
{
	struct run r;

	run(&r, "global s, t\nprobe begin { s <<< 1; t[1] <<< 2; "
		"print(@hist_linear(t[1], 0, 100, 10)); n = @count(s) }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(global(&r, "s")->type, TY_STATS);
	assert_int_equal(global(&r, "t")->type, TY_STATS);
	assert_int_equal(global(&r, "t")->hist_kind, 2);
	assert_int_equal(global(&r, "t")->hist_step, 10);
	assert_int_equal(local(&r, 0, "n")->type, TY_LONG);
	done(&r);
}

static void declared_types(void **state)
{
	struct run r;

	run(&r, "function f:string(a:long, b) { return sprintf(\"%d%s\", a, b) }\n"
		"function g(a:string):long { return strlen(a) }\n"
		"probe begin { x = f(1, \"z\"); y = g(x) }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(func(&r, "f")->rettype, TY_STRING);
	assert_int_equal(func(&r, "f")->params[1]->type, TY_STRING);
	assert_int_equal(func(&r, "g")->rettype, TY_LONG);
	done(&r);
}

static void printf_formats_type_arguments(void **state)
{
	struct run r;

	run(&r, "probe begin { printf(\"%s %d %*d\\n\", a, b, c, d) }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(local(&r, 0, "a")->type, TY_STRING);
	assert_int_equal(local(&r, 0, "b")->type, TY_LONG);
	assert_int_equal(local(&r, 0, "c")->type, TY_LONG);
	done(&r);
}

/*
 * Histogram bounds are constants: INT64_MIN can be written, a magnitude
 * above 2^63 cannot, and the bucket count is checked without overflow
 * (the whole long range in steps of 1 is 2^64 - 1 buckets, not 2).
 */
static void hist_linear_extremes(void **state)
{
	struct run r;

	run(&r, "global s\nprobe begin { s <<< 1; "
		"print(@hist_linear(s, -9223372036854775808, -9223372036854775800, 2)) }");
	assert_int_equal(r.rc, 0);
	assert_true(global(&r, "s")->hist_lo == INT64_MIN);
	assert_true(global(&r, "s")->hist_hi == INT64_MIN + 8);
	done(&r);

	run(&r, "global s\nprobe begin { s <<< 1; "
		"print(@hist_linear(s, 9223372036854775000, 18446744073709551615, 1)) }");
	assert_int_not_equal(r.rc, 0); /* hi is -1 */
	done(&r);

	expect_error("global s\nprobe begin { s <<< 1; "
		     "print(@hist_linear(s, -18446744073709551615, 0, 1)) }",
		     "t.stp:2:46: error: number '-18446744073709551615' out of range for a 64-bit "
		     "long");
	expect_error("global s\nprobe begin { s <<< 1; "
		     "print(@hist_linear(s, -9223372036854775808, 9223372036854775807, 1)) }",
		     "t.stp:2:30: error: @hist_linear(-9223372036854775808, 9223372036854775807, "
		     "1) has too many buckets (at most 1021)");
	/* the largest that fits: (hi - lo) / step + 3 == 1024 */
	run(&r, "global s\nprobe begin { s <<< 1; print(@hist_linear(s, 0, 1021, 1)) }");
	assert_int_equal(r.rc, 0);
	done(&r);
	expect_error("global s\nprobe begin { s <<< 1; print(@hist_linear(s, 0, 1022, 1)) }",
		     "too many buckets");
}

static void conflicts_name_both_places(void **state)
{
	expect_error("global x\nprobe begin { x = 1 }\nprobe end { x = \"s\" }",
		     "t.stp:3:17: error: type mismatch: 'x' is string here but long at t.stp:2:15");
}

static void conflicts(void **state)
{
	expect_error("probe begin { a = 1 . \"x\" }", "left operand of '.'");
	expect_error("probe begin { if (\"a\" == 1) next }", "comparing a string with a long");
	expect_error("global a\nprobe begin { a[1] = 1; a[\"x\"] = 2 }", "key 1 of array 'a'");
	expect_error("global a\nprobe begin { a[1] = 1; a[1, 2] = 2 }", "indexed with 2 keys");
	expect_error("global a\nprobe begin { a = 1; a[1] = 2 }", "both as a scalar and an array");
	expect_error("global s\nprobe begin { s <<< 1; x = s + 1 }", "aggregate");
	expect_error("probe begin { x <<< 1 }", "must be a global");
	expect_error("probe begin { printf(\"%d\\n\", \"s\") }", "argument 2 of printf");
	expect_error("probe begin { printf(\"%d %d\\n\", 1) }", "expects 2 arguments");
	expect_error("probe begin { printf(\"%q\\n\", 1) }", "bad format directive");
	expect_error("function f() { return 1 }\nfunction g() { return \"s\" }\n"
		     "probe begin { x = f(); x = g() }",
		     "type mismatch");
	expect_error("probe begin { x = y }", "unresolved type of local 'x'");
	expect_error("global s\nprobe begin { s <<< 1; print(@hist_linear(s, 10, 0, 1)) }",
		     "low < high");
	expect_error("global s\nprobe begin { s <<< 1; print(@hist_log(s)); "
		     "print(@hist_linear(s, 0, 10, 1)) }",
		     "different histogram");
}

/* The forms of issue 10: catch variables, slices, @variance, @entry, library macros. */
static void language_forms(void **state)
{
	struct run r;

	/* a catch variable is a string; a '*' key leaves the key type to other uses */
	run(&r, "global a\nprobe begin { try { a[1, \"x\"] = 1 } catch (m) { n = strlen(m) }\n"
		"delete a[*, \"y\"]; if ([2, *] in a) next; foreach ([k, v] in a[*, \"x\"]) w = v }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(local(&r, 0, "m")->type, TY_STRING);
	assert_int_equal(global(&r, "a")->keytype[1], TY_STRING);
	assert_int_equal(local(&r, 0, "w")->type, TY_STRING);
	done(&r);

	/* @variance: one shift per aggregate; a nonzero one wins over 0 */
	run(&r, "global s\nprobe begin { s <<< 1; x = @variance(s); y = @variance(s, 4) }");
	assert_int_equal(r.rc, 0);
	assert_true(global(&r, "s")->variance);
	assert_int_equal(global(&r, "s")->var_shift, 4);
	done(&r);

	/* @this1 and @choose_defined come from the tapsets' macros.stpm */
	run(&r, "probe begin { @this1 = 5; x = @this1 + @choose_defined($nosuch, 1) }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(global(&r, "__this_var1")->type, TY_LONG);
	assert_true(global(&r, "__this_var1")->wrapped);
	done(&r);
}

static void language_form_errors(void **state)
{
	expect_error("probe begin { try { } catch (m) { m = 1 } }", "type mismatch");
	expect_error("global s\nprobe begin { s <<< 1; println(@variance(s, 2) + @variance(s, 3)) }",
		     "conflicting bit shifts declared for 's' (previously");
	expect_error("global s\nprobe begin { s <<< 1; println(@variance(s, 63)) }",
		     "t.stp:2:45: error: bit shift (63) out of range <0..62>");
	expect_error("global a\nprobe begin { a[1] = 2; x = a[*] }",
		     "t.stp:2:31: error: a '*' key (an array slice) is only allowed in delete");
	expect_error("global a\nprobe begin { a[1] = 2; delete a[a[*]] }",
		     "only allowed in delete");
	expect_error("probe begin { x = @entry(1) }",
		     "t.stp:1:19: error: '@entry' needs a return probe with an entry");
	expect_error("probe begin { x = &y }", "taking an address ('&') needs kernel debuginfo");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scalars_from_literals),
		cmocka_unit_test(types_flow_backwards),
		cmocka_unit_test(arrays_keys_and_values),
		cmocka_unit_test(aggregates),
		cmocka_unit_test(hist_linear_extremes),
		cmocka_unit_test(declared_types),
		cmocka_unit_test(printf_formats_type_arguments),
		cmocka_unit_test(conflicts_name_both_places),
		cmocka_unit_test(conflicts),
		cmocka_unit_test(language_forms),
		cmocka_unit_test(language_form_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
