// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/fp.c: stap's floating point helpers.  The
 * renderings are those of SystemTap's testsuite/systemtap.base/
 * floatingpoint.exp, and of its f64_to_str(): scaled below 1e18 with an
 * "eN" suffix, decimals truncated but the last, which the next digit
 * rounds with no carry into the others.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

static void check(const char *in, int64_t prec, const char *want)
{
	double d = 0;
	char out[128];

	assert_int_equal(grt_fp_parse(in, &d), 0);
	grt_fp_format(out, sizeof(out), d, prec);
	assert_string_equal(out, want);
}

static void test_stap_cases(void **state)
{
	(void)state;
	/* floatingpoint.exp */
	check("0.00001", 8, "0.00001000");
	check("-0.00001", 8, "-0.00001000");
	check("3.14159", 5, "3.14159");
	check("89898298323423423423987293485342893.00000001", 10,
	      "898982983234234624.0000000000e17");
	check("-89898298323423423423987293485342893.00000001", 10,
	      "-898982983234234624.0000000000e17");
	check("9223372036854775807", 0, "922337203685477760e1");
}

static void test_format(void **state)
{
	char out[64];

	(void)state;
	check("2.5", 0, "2"); /* no decimals: the integer part, truncated */
	check("1.25", 1, "1.3"); /* the last decimal rounded by the next digit */
	check("1.96", 1, "1.10"); /* ... with no carry, as stap's f64_to_str */
	check("+7", 2, "7.00");
	check("1e3", 1, "1000.0");
	check("2.5E-1", 2, "0.25");
	grt_fp_format(out, sizeof(out), INFINITY, 2);
	assert_string_equal(out, "Infinity");
	grt_fp_format(out, sizeof(out), -INFINITY, 2);
	assert_string_equal(out, "-Infinity");
	grt_fp_format(out, sizeof(out), NAN, 2);
	assert_string_equal(out, "NaN");
	/* cut to the buffer */
	grt_fp_format(out, 6, 3.14159, 5);
	assert_string_equal(out, "3.141");
}

static void test_parse_errors(void **state)
{
	double d;

	(void)state;
	assert_int_equal(grt_fp_parse("abc", &d), -EINVAL);
	assert_int_equal(grt_fp_parse("1.5x", &d), -EINVAL);
	assert_int_equal(grt_fp_parse("1 ", &d), -EINVAL);
	/* stap accepts an empty number as 0 */
	assert_int_equal(grt_fp_parse("", &d), 0);
	assert_true(d == 0);
}

static int64_t bits(double d)
{
	int64_t b;

	memcpy(&b, &d, 8);
	return b;
}

static void test_ops(void **state)
{
	float f = 1.5f;
	uint32_t fb;

	(void)state;
	assert_int_equal(grt_fp_op(GRT_FP_FROM_LONG, 3, 0, 0), bits(3.0));
	assert_int_equal(grt_fp_op(GRT_FP_ADD, bits(1.5), bits(2.25), 0), bits(3.75));
	assert_int_equal(grt_fp_op(GRT_FP_SUB, bits(1.5), bits(2.25), 0), bits(-0.75));
	assert_int_equal(grt_fp_op(GRT_FP_MUL, bits(1.5), bits(-2), 0), bits(-3.0));
	assert_int_equal(grt_fp_op(GRT_FP_DIV, bits(1), bits(4), 0), bits(0.25));
	assert_int_equal(grt_fp_op(GRT_FP_REM, bits(7), bits(4), 0), bits(-1.0)); /* IEEE */
	assert_int_equal(grt_fp_op(GRT_FP_SQRT, bits(2.25), 0, 0), bits(1.5));
	assert_int_equal(grt_fp_op(GRT_FP_EQ, bits(1.5), bits(1.5), 0), 1);
	assert_int_equal(grt_fp_op(GRT_FP_LE, bits(2), bits(1.5), 0), 0);
	assert_int_equal(grt_fp_op(GRT_FP_LT, bits(1), bits(1.5), 0), 1);
	/* SoftFloat's rounding modes: near_even, minMag, min, max, near_maxMag */
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(2.5), 0, 0), 2);
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(-2.7), 1, 0), -2);
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(-2.2), 2, 0), -3);
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(2.2), 3, 0), 3);
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(2.5), 4, 0), 3);
	assert_int_equal(grt_fp_op(GRT_FP_TO_LONG, bits(1e30), 0, 0), INT64_MAX);
	memcpy(&fb, &f, 4);
	assert_int_equal(grt_fp_op(GRT_FP_FROM_FP32, fb, 0, 0), bits(1.5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stap_cases),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
