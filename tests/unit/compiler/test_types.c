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
#include "compiler/test_script.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scalars_from_literals),
		cmocka_unit_test(types_flow_backwards),
		cmocka_unit_test(arrays_keys_and_values),
		cmocka_unit_test(aggregates),
		cmocka_unit_test(declared_types),
		cmocka_unit_test(printf_formats_type_arguments),
		cmocka_unit_test(conflicts_name_both_places),
		cmocka_unit_test(conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
