// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/sha256.c.
 *
 * The NIST example vectors (FIPS 180-4 examples, also in RFC 6234) pin the
 * algorithm; lengths around the 55/56/64-byte padding boundaries pin the
 * padding; and feeding a 200-byte input in two pieces split at every offset,
 * and one byte at a time, checks that the block buffering in update() gives
 * the same digest however the input is cut.  Digests of the 200-byte input
 * come from an independent implementation (Python's hashlib).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compiler/compiler.h"

static void digest_hex(const void *data, size_t len, char hex[65])
{
	struct cc_sha256 s;
	uint8_t d[32];

	cc_sha256_init(&s);
	cc_sha256_update(&s, data, len);
	cc_sha256_final(&s, d);
	cc_sha256_hex(d, hex);
}

static void check(const char *msg, const char *want)
{
	char hex[65];

	digest_hex(msg, strlen(msg), hex);
	assert_string_equal(hex, want);
}

static void test_nist_empty(void **state)
{
	check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_nist_abc(void **state)
{
	check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_nist_448(void **state)
{
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_nist_896(void **state)
{
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_nist_million_a(void **state)
{
	/* Fed in odd-sized chunks so the buffered path is exercised too. */
	static char chunk[997];
	struct cc_sha256 s;
	size_t left = 1000000, n;
	uint8_t d[32];
	char hex[65];

	memset(chunk, 'a', sizeof(chunk));
	cc_sha256_init(&s);
	for (; left; left -= n) {
		n = left < sizeof(chunk) ? left : sizeof(chunk);
		cc_sha256_update(&s, chunk, n);
	}
	cc_sha256_final(&s, d);
	cc_sha256_hex(d, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

#define INPUT_LEN 200
#define INPUT_DIGEST "2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46"

static void make_input(uint8_t *b)
{
	int i;

	for (i = 0; i < INPUT_LEN; i++)
		b[i] = (uint8_t)(i * 7 + 3);
}

static void test_padding_boundaries(void **state)
{
	/* clang-format off */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
		{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
		{ 57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73" },
		{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
		{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
		{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
		{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
	};
	/* clang-format on */
	uint8_t b[INPUT_LEN];
	char hex[65];
	size_t i;

	make_input(b);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		digest_hex(b, v[i].len, hex);
		assert_string_equal(hex, v[i].hex);
	}
	digest_hex(b, INPUT_LEN, hex);
	assert_string_equal(hex, INPUT_DIGEST);
}

static void test_split_every_offset(void **state)
{
	uint8_t b[INPUT_LEN], d[32];
	struct cc_sha256 s;
	char hex[65];
	int i;

	make_input(b);
	for (i = 0; i <= INPUT_LEN; i++) {
		cc_sha256_init(&s);
		cc_sha256_update(&s, b, i);
		cc_sha256_update(&s, b + i, INPUT_LEN - i);
		cc_sha256_final(&s, d);
		cc_sha256_hex(d, hex);
		assert_string_equal(hex, INPUT_DIGEST);
	}
}

static void test_byte_at_a_time(void **state)
{
	uint8_t b[INPUT_LEN], d[32];
	struct cc_sha256 s;
	char hex[65];
	int i;

	make_input(b);
	cc_sha256_init(&s);
	for (i = 0; i < INPUT_LEN; i++) {
		cc_sha256_update(&s, b + i, 1);
		cc_sha256_update(&s, NULL, 0); /* empty updates change nothing */
	}
	cc_sha256_final(&s, d);
	cc_sha256_hex(d, hex);
	assert_string_equal(hex, INPUT_DIGEST);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_empty),
		cmocka_unit_test(test_nist_abc),
		cmocka_unit_test(test_nist_448),
		cmocka_unit_test(test_nist_896),
		cmocka_unit_test(test_nist_million_a),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_split_every_offset),
		cmocka_unit_test(test_byte_at_a_time),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
