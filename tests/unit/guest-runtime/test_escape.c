// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/escape.c: the JSON string escaper every JSON
 * writer uses (tap-read -j, tapctl -j) and the C escape of one byte that
 * text_str() and printf's %#c share.
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

static void expect_c(unsigned char c, char quote, const char *want)
{
	char esc[3];
	int n = grt_c_escape(c, quote, esc);

	assert_int_equal(n, (int)strlen(want));
	if (n)
		assert_memory_equal(esc, want, (size_t)n);
}

static void test_c_escape(void **state)
{
	(void)state;
	expect_c('a', '"', "");
	expect_c('\'', '"', "");
	expect_c('"', '"', "\"");
	expect_c('\'', '\'', "'");
	expect_c('"', '\'', "");
	expect_c('\\', '"', "\\");
	expect_c('\n', '"', "n");
	expect_c('\a', '\'', "a");
	expect_c('\v', '"', "v");
	/* the rest by octal, NUL and bytes above ASCII too */
	expect_c(0, '"', "000");
	expect_c(0x1b, '"', "033");
	expect_c(0x7f, '"', "177");
	expect_c(0xe9, '\'', "351");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	  cmocka_unit_test(test_quote_backslash),
		cmocka_unit_test(test_control),	  cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_utf8),	  cmocka_unit_test(test_c_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
