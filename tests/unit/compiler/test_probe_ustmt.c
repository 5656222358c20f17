// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/probe_ustmt.c's "FUNC@FILE:LINE" specs, which
 * statement("...") and function("NAME@FILE[:LINE]") share: the parts, the
 * line forms (N, N-M, *, none) and the specs refused.  What the specs
 * resolve to in a program's DWARF is tested end to end
 * (tests/e2e/uvars.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compiler/compiler.h"

static struct cc_arena *A;

static int setup(void **state)
{
	(void)state;
	A = cc_arena_new();
	return A ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cc_arena_free(A);
	return 0;
}

static void test_forms(void **state)
{
	static const struct {
		const char *spec;
		bool need_line;
		const char *func, *file;
		int lo, hi;
	} ok[] = {
		{"walk@app.c:15", true, "walk", "app.c", 15, 15},
		{"*@src/net.c:10-20", true, "*", "src/net.c", 10, 20},
		{"w*@app.c:*", true, "w*", "app.c", 1, INT32_MAX},
		{"main@app.c", false, "main", "app.c", 1, INT32_MAX},
		{"f@a.c:7-7", false, "f", "a.c", 7, 7},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *func, *file;
		int lo, hi;

		if (!cc_ustmt_parse(A, ok[i].spec, &func, &file, &lo, &hi, ok[i].need_line))
			fail_msg("'%s' was refused", ok[i].spec);
		assert_string_equal(func, ok[i].func);
		assert_string_equal(file, ok[i].file);
		assert_int_equal(lo, ok[i].lo);
		assert_int_equal(hi, ok[i].hi);
	}
}

static void test_refused(void **state)
{
	static const struct {
		const char *spec;
		bool need_line;
	} bad[] = {
		{"walk", false},        /* no file */
		{"@app.c:3", false},    /* no function */
		{"walk@:3", false},     /* no file name */
		{"walk@app.c", true},   /* a statement needs its line */
		{"walk@app.c:", false}, /* a colon and no line */
		{"walk@app.c:0", false},
		{"walk@app.c:x", false},
		{"walk@app.c:12x", false},
		{"walk@app.c:20-10", false}, /* a range backwards */
		{"walk@app.c:5-", false},
		{"walk@app.c:99999999999", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *func, *file;
		int lo, hi;

		if (cc_ustmt_parse(A, bad[i].spec, &func, &file, &lo, &hi, bad[i].need_line))
			fail_msg("'%s' was accepted", bad[i].spec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
