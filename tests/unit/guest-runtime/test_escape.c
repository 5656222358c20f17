// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/escape.c: the JSON string escaper every JSON
 * writer uses (tap-read -j, tapctl -j).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "guest-runtime/grt.h"

static void expect_json(const char *in, size_t n, const char *want)
{
	struct grt_buf b = { 0 };

	assert_int_equal(grt_json_str(&b, in, n), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	grt_buf_free(&b);
}

static void test_plain(void **state)
{
	(void)state;
	expect_json("", 0, "\"\"");
	expect_json("hello world", 11, "\"hello world\"");
}

static void test_quote_backslash(void **state)
{
	(void)state;
	expect_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_json("\\", 1, "\"\\\\\"");
}

static void test_control(void **state)
{
	(void)state;
	expect_json("l1\nl2\t.", 7, "\"l1\\nl2\\t.\"");
	expect_json("\r\x01\x1f", 3, "\"\\u000d\\u0001\\u001f\"");
	/* DEL is not a JSON control character */
	expect_json("\x7f", 1, "\"\x7f\"");
}

static void test_nul_inside(void **state)
{
	(void)state;
	/* the length is explicit: a NUL does not end the string */
	expect_json("a\0b", 3, "\"a\\u0000b\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* multi-byte UTF-8 passes as it is, invalid bytes too */
	expect_json("h\xc3\xa9llo \xe2\x82\xac", 10, "\"h\xc3\xa9llo \xe2\x82\xac\"");
	expect_json("\xff\xfe", 2, "\"\xff\xfe\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	  cmocka_unit_test(test_quote_backslash),
		cmocka_unit_test(test_control),	  cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
