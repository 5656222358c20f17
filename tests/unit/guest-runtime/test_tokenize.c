// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/tokenize.c against stap's tapset/tokenize.stp:
 * strsep() over a kept copy, empty tokens skipped, tokenize("", d) going
 * on where the last call stopped, "" once the copy is used up, a new
 * non-empty input starting over, and the cut to maxlen - 1 bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "guest-runtime/grt.h"

#define MAXSTR 128

static void test_walk(void **state)
{
	struct grt_tokenizer t = { 0 };
	char d[MAXSTR];

	(void)state;
	grt_tokenize_next(&t, d, sizeof(d), "a,,b c,d", ",");
	assert_string_equal(d, "a");
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "b c"); /* the empty token between ",," is skipped */
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "d");
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "");
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "");
	/* a new input starts over */
	grt_tokenize_next(&t, d, sizeof(d), "x y", " ");
	assert_string_equal(d, "x");
	grt_tokenize_next(&t, d, sizeof(d), "p q", " ");
	assert_string_equal(d, "p");
	grt_tokenize_next(&t, d, sizeof(d), "", " ");
	assert_string_equal(d, "q");
}

static void test_edges(void **state)
{
	struct grt_tokenizer t = { 0 };
	char d[MAXSTR];

	(void)state;
	/* nothing tokenized yet */
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "");
	/* only delimiters */
	grt_tokenize_next(&t, d, sizeof(d), ",,,", ",");
	assert_string_equal(d, "");
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "");
	/* no delimiters: the whole input, once */
	grt_tokenize_next(&t, d, sizeof(d), "abc", "");
	assert_string_equal(d, "abc");
	grt_tokenize_next(&t, d, sizeof(d), "", "");
	assert_string_equal(d, "");
	/* several delimiter bytes, leading and trailing ones */
	grt_tokenize_next(&t, d, sizeof(d), " -a- b-", " -");
	assert_string_equal(d, "a");
	grt_tokenize_next(&t, d, sizeof(d), "", " -");
	assert_string_equal(d, "b");
	grt_tokenize_next(&t, d, sizeof(d), "", " -");
	assert_string_equal(d, "");
	/* the delimiters may change between calls */
	grt_tokenize_next(&t, d, sizeof(d), "a:b,c", ",");
	assert_string_equal(d, "a:b");
	grt_tokenize_next(&t, d, sizeof(d), "x:y,z", ":");
	assert_string_equal(d, "x");
	grt_tokenize_next(&t, d, sizeof(d), "", ",");
	assert_string_equal(d, "y");
}

static void test_maxlen(void **state)
{
	struct grt_tokenizer t = { 0 };
	char d[8];

	(void)state;
	/* the kept copy is cut at maxlen - 1 bytes, as stap's strlcpy */
	grt_tokenize_next(&t, d, sizeof(d), "abc defgh", " ");
	assert_string_equal(d, "abc");
	grt_tokenize_next(&t, d, sizeof(d), "", " ");
	assert_string_equal(d, "def");
	grt_tokenize_next(&t, d, sizeof(d), "", " ");
	assert_string_equal(d, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_maxlen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
