// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/strfn.c, against SystemTap's tapset/string.stp
 * and runtime _stp_text_str(): substr's clamping, str_replace of every
 * non-overlapping match, isinstr, strtol as the kernel's simple_strtol
 * (no blanks or '+', base 0 guessing, wrap on overflow), text_str's
 * escapes (\n \" \\ ... \ooo, \uXXXX for UTF-8) and truncation of every
 * result to maxlen - 1 bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "guest-runtime/grt.h"

#define MAXSTR 128

static void test_substr(void **state)
{
	(void)state;
	char d[MAXSTR];

	grt_str_substr(d, sizeof(d), "hello", 1, 3);
	assert_string_equal(d, "ell");
	grt_str_substr(d, sizeof(d), "hello", 0, 5);
	assert_string_equal(d, "hello");
	grt_str_substr(d, sizeof(d), "hello", 0, 100);
	assert_string_equal(d, "hello");
	grt_str_substr(d, sizeof(d), "hello", 4, 1);
	assert_string_equal(d, "o");
	grt_str_substr(d, sizeof(d), "hello", 3, INT64_MAX);
	assert_string_equal(d, "lo");
	/* Out of range starts and non-positive lengths give "". */
	grt_str_substr(d, sizeof(d), "hello", 5, 1);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "hello", -1, 3);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "hello", INT64_MIN, 3);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "hello", INT64_MAX, 3);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "hello", 1, 0);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "hello", 1, -5);
	assert_string_equal(d, "");
	grt_str_substr(d, sizeof(d), "", 0, 1);
	assert_string_equal(d, "");
	/* Cut to maxlen - 1. */
	grt_str_substr(d, 4, "hello", 0, 10);
	assert_string_equal(d, "hel");
	/* In place: s = substr(s, 2, 3). */
	strcpy(d, "abcdefg");
	grt_str_substr(d, sizeof(d), d, 2, 3);
	assert_string_equal(d, "cde");
}

static void test_replace(void **state)
{
	(void)state;
	char d[MAXSTR];

	grt_str_replace(d, sizeof(d), "hello world", "o", "0");
	assert_string_equal(d, "hell0 w0rld");
	grt_str_replace(d, sizeof(d), "aaa", "a", "bb");
	assert_string_equal(d, "bbbbbb");
	grt_str_replace(d, sizeof(d), "aaaa", "aa", "b");
	assert_string_equal(d, "bb");
	grt_str_replace(d, sizeof(d), "aaa", "aa", "b"); /* left to right, no overlap */
	assert_string_equal(d, "ba");
	grt_str_replace(d, sizeof(d), "abcabc", "bc", "");
	assert_string_equal(d, "aa");
	grt_str_replace(d, sizeof(d), "abc", "x", "y");
	assert_string_equal(d, "abc");
	grt_str_replace(d, sizeof(d), "abc", "", "y"); /* empty search: unchanged */
	assert_string_equal(d, "abc");
	grt_str_replace(d, sizeof(d), "abc", "abc", "");
	assert_string_equal(d, "");
	grt_str_replace(d, sizeof(d), "", "a", "b");
	assert_string_equal(d, "");
	/* The result is cut: "aXYZcaXYZc" to 5 bytes. */
	grt_str_replace(d, 6, "abcabc", "b", "XYZ");
	assert_string_equal(d, "aXYZc");
	grt_str_replace(d, 3, "abcabc", "b", "XYZ");
	assert_string_equal(d, "aX");
	grt_str_replace(d, 3, "abc", "", "y");
	assert_string_equal(d, "ab");
}

static void test_isinstr(void **state)
{
	(void)state;
	assert_int_equal(grt_str_isinstr("hello", "ell"), 1);
	assert_int_equal(grt_str_isinstr("hello", "hello"), 1);
	assert_int_equal(grt_str_isinstr("hello", ""), 1);
	assert_int_equal(grt_str_isinstr("", ""), 1);
	assert_int_equal(grt_str_isinstr("", "a"), 0);
	assert_int_equal(grt_str_isinstr("abc", "abcd"), 0);
	assert_int_equal(grt_str_isinstr("abc", "C"), 0);
}

static void test_strtol(void **state)
{
	(void)state;
	assert_int_equal(grt_str_strtol("123", 10), 123);
	assert_int_equal(grt_str_strtol("-123", 10), -123);
	assert_int_equal(grt_str_strtol("12abc", 10), 12);
	assert_int_equal(grt_str_strtol("0", 10), 0);
	assert_int_equal(grt_str_strtol("007", 10), 7);
	assert_int_equal(grt_str_strtol("101", 2), 5);
	assert_int_equal(grt_str_strtol("2", 2), 0);
	assert_int_equal(grt_str_strtol("777", 8), 511);
	assert_int_equal(grt_str_strtol("1f", 16), 31);
	assert_int_equal(grt_str_strtol("1F", 16), 31);
	assert_int_equal(grt_str_strtol("0x1f", 16), 31);
	assert_int_equal(grt_str_strtol("0X1f", 16), 31);
	assert_int_equal(grt_str_strtol("-0x10", 16), -16);
	/* Base 0 guesses from the prefix. */
	assert_int_equal(grt_str_strtol("0x1f", 0), 31);
	assert_int_equal(grt_str_strtol("017", 0), 15);
	assert_int_equal(grt_str_strtol("019", 0), 1);
	assert_int_equal(grt_str_strtol("17", 0), 17);
	assert_int_equal(grt_str_strtol("0", 0), 0);
	assert_int_equal(grt_str_strtol("0xg", 0), 0); /* octal "0", then 'x' */
	assert_int_equal(grt_str_strtol("ff", 0), 0);
	assert_int_equal(grt_str_strtol("0x", 16), 0);
	/* No digits: 0.  No blanks, no '+'. */
	assert_int_equal(grt_str_strtol("", 10), 0);
	assert_int_equal(grt_str_strtol("abc", 10), 0);
	assert_int_equal(grt_str_strtol(" 5", 10), 0);
	assert_int_equal(grt_str_strtol("+5", 10), 0);
	assert_int_equal(grt_str_strtol("--5", 10), 0);
	assert_int_equal(grt_str_strtol("-", 10), 0);
	assert_int_equal(grt_str_strtol(NULL, 10), 0);
	/* Only 0-9 and a-f are digits, even in larger bases. */
	assert_int_equal(grt_str_strtol("z", 36), 0);
	assert_int_equal(grt_str_strtol("fg", 36), 15);
	/* The limits, and wrapping beyond them. */
	assert_int_equal(grt_str_strtol("9223372036854775807", 10), INT64_MAX);
	assert_int_equal(grt_str_strtol("-9223372036854775808", 10), INT64_MIN);
	assert_int_equal(grt_str_strtol("9223372036854775808", 10), INT64_MIN);
	assert_int_equal(grt_str_strtol("18446744073709551615", 10), -1);
	assert_int_equal(grt_str_strtol("18446744073709551616", 10), 0);
	assert_int_equal(grt_str_strtol("ffffffffffffffff", 16), -1);
}

static void test_text(void **state)
{
	(void)state;
	char d[MAXSTR];

	grt_str_text(d, sizeof(d), "plain text 123 ~!@#$%^&*()'");
	assert_string_equal(d, "plain text 123 ~!@#$%^&*()'");
	grt_str_text(d, sizeof(d), "a\tb\nc\rd");
	assert_string_equal(d, "a\\tb\\nc\\rd");
	grt_str_text(d, sizeof(d), "\a\b\f\v");
	assert_string_equal(d, "\\a\\b\\f\\v");
	grt_str_text(d, sizeof(d), "say \"hi\" \\o/");
	assert_string_equal(d, "say \\\"hi\\\" \\\\o/");
	grt_str_text(d, sizeof(d), "\x01\x1b\x7f");
	assert_string_equal(d, "\\001\\033\\177");
	grt_str_text(d, sizeof(d), "");
	assert_string_equal(d, "");
	/* Valid UTF-8 becomes \u / \U escapes, upper-case hex. */
	grt_str_text(d, sizeof(d), "caf\xc3\xa9");
	assert_string_equal(d, "caf\\u00E9");
	grt_str_text(d, sizeof(d), "\xe2\x82\xac");
	assert_string_equal(d, "\\u20AC");
	grt_str_text(d, sizeof(d), "\xf0\x9f\x98\x80");
	assert_string_equal(d, "\\U0001F600");
	/* Anything else byte by byte in octal. */
	grt_str_text(d, sizeof(d), "\xff");
	assert_string_equal(d, "\\377");
	grt_str_text(d, sizeof(d), "\xc3");
	assert_string_equal(d, "\\303");
	grt_str_text(d, sizeof(d), "\xc3(");
	assert_string_equal(d, "\\303(");
	grt_str_text(d, sizeof(d), "\xc0\x80"); /* overlong NUL */
	assert_string_equal(d, "\\300\\200");
	grt_str_text(d, sizeof(d), "\xed\xa0\x80"); /* a surrogate */
	assert_string_equal(d, "\\355\\240\\200");
	grt_str_text(d, sizeof(d), "\xf4\x90\x80\x80"); /* above U+10FFFF */
	assert_string_equal(d, "\\364\\220\\200\\200");
	/* An escape that does not fit whole is left out. */
	grt_str_text(d, 4, "\t\t");
	assert_string_equal(d, "\\t");
	grt_str_text(d, 4, "ab\t");
	assert_string_equal(d, "ab");
	grt_str_text(d, 4, "\x01");
	assert_string_equal(d, "");
	grt_str_text(d, 5, "\x01");
	assert_string_equal(d, "\\001");
	grt_str_text(d, 6, "\xc3\xa9");
	assert_string_equal(d, "");
	grt_str_text(d, 7, "\xc3\xa9");
	assert_string_equal(d, "\\u00E9");
	grt_str_text(d, 3, "abcdef");
	assert_string_equal(d, "ab");
}

static void test_concat_copy(void **state)
{
	(void)state;
	char d[MAXSTR];

	grt_str_concat(d, sizeof(d), "ab", "cd");
	assert_string_equal(d, "abcd");
	grt_str_concat(d, sizeof(d), "", "");
	assert_string_equal(d, "");
	grt_str_concat(d, 4, "ab", "cd");
	assert_string_equal(d, "abc");
	grt_str_concat(d, 4, "abcdef", "gh");
	assert_string_equal(d, "abc");
	grt_str_concat(d, 1, "ab", "cd");
	assert_string_equal(d, "");
	/* s = s . t, s = t . s, s = s . s */
	strcpy(d, "foo");
	grt_str_concat(d, sizeof(d), d, "bar");
	assert_string_equal(d, "foobar");
	strcpy(d, "bar");
	grt_str_concat(d, sizeof(d), "foo", d);
	assert_string_equal(d, "foobar");
	strcpy(d, "ab");
	grt_str_concat(d, sizeof(d), d, d);
	assert_string_equal(d, "abab");
	strcpy(d, "abc");
	grt_str_concat(d, 6, d, d);
	assert_string_equal(d, "abcab");

	grt_str_copy(d, sizeof(d), "hello");
	assert_string_equal(d, "hello");
	grt_str_copy(d, 3, "hello");
	assert_string_equal(d, "he");
	grt_str_copy(d, sizeof(d), NULL);
	assert_string_equal(d, "");
	strcpy(d, "self");
	grt_str_copy(d, sizeof(d), d);
	assert_string_equal(d, "self");
	strcpy(d, "abcdef");
	grt_str_copy(d, sizeof(d), d + 2);
	assert_string_equal(d, "cdef");
}

static void test_long(void **state)
{
	(void)state;
	char d[MAXSTR];

	grt_str_long(d, sizeof(d), 0);
	assert_string_equal(d, "0");
	grt_str_long(d, sizeof(d), 42);
	assert_string_equal(d, "42");
	grt_str_long(d, sizeof(d), -1);
	assert_string_equal(d, "-1");
	grt_str_long(d, sizeof(d), INT64_MAX);
	assert_string_equal(d, "9223372036854775807");
	grt_str_long(d, sizeof(d), INT64_MIN);
	assert_string_equal(d, "-9223372036854775808");
	grt_str_long(d, 3, 12345);
	assert_string_equal(d, "12");
}

static void test_maxlen_zero(void **state)
{
	(void)state;
	char d[4] = "xyz";

	/* No room at all: nothing is written, not even a NUL. */
	grt_str_substr(d, 0, "abc", 0, 2);
	grt_str_replace(d, 0, "abc", "b", "c");
	grt_str_concat(d, 0, "a", "b");
	grt_str_copy(d, 0, "abc");
	grt_str_text(d, 0, "abc");
	grt_str_long(d, 0, 5);
	assert_memory_equal(d, "xyz", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_substr),  cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_isinstr), cmocka_unit_test(test_strtol),
	    cmocka_unit_test(test_text),    cmocka_unit_test(test_concat_copy),
	    cmocka_unit_test(test_long),    cmocka_unit_test(test_maxlen_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
