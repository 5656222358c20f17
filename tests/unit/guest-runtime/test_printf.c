// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/printf.c (and the grt_buf it writes into).
 *
 * Expected outputs come from SystemTap's documented printf (language
 * reference, "Formatted output") and from how its translator parses a
 * format and its runtime renders one: one flag at most, a single 'l'
 * modifier, %p == %#x, '#' prefixes even for zero, zero padding kept
 * with a precision, width and precision clamped to [0, 8192], %b raw
 * bytes, %c escapes with '#', %s followed by a NUL with the 0 flag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"

#define L(x) ((struct grt_arg){.type = GRT_LONG, .l = (x)})
#define S(x) ((struct grt_arg){.type = GRT_STRING, .s = (x), .slen = strlen(x)})

/* Render fmt with args into a fresh buffer; the caller frees it. */
static struct grt_buf render(const char *fmt, const struct grt_arg *args, int nargs)
{
	struct grt_buf b = {0};
	struct grt_fmt *f = NULL;
	char err[128];
	size_t off = 0;
	int r;

	r = grt_fmt_compile(fmt, strlen(fmt), &f, err, sizeof(err), &off);
	if (r)
		fail_msg("compile \"%s\": %d %s at %zu", fmt, r, err, off);
	assert_int_equal(grt_fmt_nargs(f), nargs);
	assert_int_equal(grt_fmt_render(&b, f, args, nargs), 0);
	grt_fmt_free(f);
	return b;
}

static void expect_bytes(const char *fmt, const struct grt_arg *args, int nargs, const char *want,
			 size_t wantlen)
{
	struct grt_buf b = render(fmt, args, nargs);

	if (b.len != wantlen || memcmp(b.data, want, wantlen))
		fail_msg("\"%s\": got \"%.*s\" (%zu bytes), want \"%s\" (%zu)", fmt, (int)b.len,
			 b.data, b.len, want, wantlen);
	assert_int_equal(b.data[b.len], '\0');
	grt_buf_free(&b);
}

static void expect(const char *fmt, const struct grt_arg *args, int nargs, const char *want)
{
	expect_bytes(fmt, args, nargs, want, strlen(want));
}

static void expect_l(const char *fmt, int64_t v, const char *want)
{
	struct grt_arg a = L(v);

	expect(fmt, &a, 1, want);
}

static void expect_s(const char *fmt, const char *s, const char *want)
{
	struct grt_arg a = S(s);

	expect(fmt, &a, 1, want);
}

static void expect_error(const char *fmt, size_t want_off, const char *want_msg)
{
	struct grt_fmt *f = (struct grt_fmt *)0x1; /* must stay untouched */
	char err[128] = "";
	size_t off = 9999;

	assert_int_equal(grt_fmt_compile(fmt, strlen(fmt), &f, err, sizeof(err), &off), -EINVAL);
	assert_ptr_equal(f, (struct grt_fmt *)0x1);
	assert_int_equal(off, want_off);
	if (!strstr(err, want_msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", fmt, err, want_msg);
}

static void test_literals(void **state)
{
	(void)state;
	expect("", NULL, 0, "");
	expect("plain text\n", NULL, 0, "plain text\n");
	expect("a%%b", NULL, 0, "a%b");
	expect("%%%%", NULL, 0, "%%");
	expect("100%", NULL, 0, "100%"); /* a lone trailing % is literal */
}

static void test_decimal(void **state)
{
	(void)state;
	expect_l("%d", 0, "0");
	expect_l("%d", 42, "42");
	expect_l("%d", -1, "-1");
	expect_l("%i", -42, "-42");
	expect_l("%d", INT64_MAX, "9223372036854775807");
	expect_l("%d", INT64_MIN, "-9223372036854775808");
	expect_l("%u", -1, "18446744073709551615");
	expect_l("%u", INT64_MIN, "9223372036854775808");
	expect_l("<%d>", 7, "<7>");
}

static void test_hex_octal(void **state)
{
	(void)state;
	expect_l("%x", 255, "ff");
	expect_l("%X", 255, "FF");
	expect_l("%x", -1, "ffffffffffffffff");
	expect_l("%X", INT64_MIN, "8000000000000000");
	expect_l("%x", 0, "0");
	expect_l("%o", 8, "10");
	expect_l("%o", 0, "0");
	expect_l("%o", -1, "1777777777777777777777");
	/* '#' prefixes even zero, unlike C. */
	expect_l("%#x", 255, "0xff");
	expect_l("%#x", 0, "0x0");
	expect_l("%#X", 255, "0XFF");
	expect_l("%#o", 8, "010");
	expect_l("%#o", 0, "00");
	expect_l("%#d", 5, "5");
	expect_l("%#10x", 255, "      0xff");
}

static void test_flags_width(void **state)
{
	(void)state;
	expect_l("%5d", 42, "   42");
	expect_l("%-5d|", 42, "42   |");
	expect_l("%05d", 42, "00042");
	expect_l("%05d", -42, "-0042");
	expect_l("%05x", 255, "000ff");
	expect_l("%+d", 5, "+5");
	expect_l("%+d", 0, "+0");
	expect_l("%+d", -5, "-5");
	expect_l("% d", 5, " 5");
	expect_l("% d", -5, "-5");
	expect_l("%+5d", 5, "   +5");
	expect_l("%+u", 5, "5"); /* signs only for %d/%i */
	expect_l("% x", 255, "ff");
	expect_l("%2d", 12345, "12345"); /* width never truncates */
	expect_l("%-0d", 1, "1");	 /* "-" flag, then width 0: nothing */
	/* One flag only: after '+', "05" is the width, not zero padding. */
	expect_l("%+05d", 5, "   +5");
	expect_l("%-05d|", 5, "5    |");
	/* A single 'l' is accepted and ignored. */
	expect_l("%ld", -3, "-3");
	expect_l("%lu", 3, "3");
	expect_l("%lx", 255, "ff");
	expect_l("%5ld", 3, "    3");
}

static void test_precision(void **state)
{
	(void)state;
	expect_l("%.3d", 5, "005");
	expect_l("%.3d", -5, "-005");
	expect_l("%8.3d", 5, "     005");
	expect_l("%-8.3d|", 5, "005     |");
	expect_l("%.3x", 255, "0ff");
	expect_l("%#.4x", 255, "0x00ff");
	/* stap keeps the 0 flag with a precision: pads with zeros. */
	expect_l("%08.3d", 5, "00000005");
	/* A static precision of 0 is dropped by the translator... */
	expect_l("%.0d", 0, "0");
	expect_l("%.d", 7, "7");
	/* ...and a dynamic 0 still prints the digit of zero. */
	struct grt_arg a[2] = {L(0), L(0)};

	expect("%.*d", a, 2, "0");
}

static void test_pointer(void **state)
{
	(void)state;
	expect_l("%p", 0xbc614e, "0xbc614e");
	expect_l("%p", 0, "0x0");
	expect_l("%p", -1, "0xffffffffffffffff");
	/* The langref's example, with explicit zero padding. */
	expect_l("%018p", 0xbc614e, "0x0000000000bc614e");
	expect_l("%12p", 255, "        0xff");
	expect_l("%-8p|", 255, "0xff    |");
}

static void test_string(void **state)
{
	(void)state;
	expect_s("%s", "hello", "hello");
	expect_s("[%s]", "", "[]");
	expect_s("%10s", "hi", "        hi");
	expect_s("%-10s|", "hi", "hi        |");
	expect_s("%1s", "hello", "hello");
	expect_s("%.3s", "abcdef", "abc");
	expect_s("%.10s", "abc", "abc");
	expect_s("%5.2s|", "abcdef", "   ab|");
	expect_s("%ls", "x", "x");
	/* A static precision of 0 is dropped: the whole string. */
	expect_s("%.0s", "abc", "abc");
	/* With the 0 flag, a NUL byte follows the (space-padded) string. */
	struct grt_arg s = S("ab");

	expect_bytes("%05s", &s, 1, "   ab\0", 6);
	expect_bytes("%0s|", &s, 1, "ab\0|", 4);

	/* A string ends at its first NUL, whatever its length says. */
	struct grt_arg nul = {.type = GRT_STRING, .s = "ab\0cd", .slen = 5};

	expect("%s|", &nul, 1, "ab|");

	/* A NULL string is empty. */
	struct grt_arg null = {.type = GRT_STRING, .s = NULL, .slen = 3};

	expect("[%s]", &null, 1, "[]");
}

static void test_char(void **state)
{
	(void)state;
	expect_l("%c", 'A', "A");
	expect_l("%c", 0x141, "A"); /* the low byte */
	expect_l("%3c", 'A', "  A");
	expect_l("%-3c|", 'A', "A  |");
	expect_l("%03c", 'A', "  A"); /* never zero padded */
	expect_l("%lc", 'z', "z");
	expect_bytes("%c", &L(0), 1, "\0", 1);
	expect_bytes("%c", &L(0xff), 1, "\xff", 1);
	/* '#' escapes what is not printable ASCII, and ' and \. */
	expect_l("%#c", 'A', "A");
	expect_l("%#c", '\n', "\\n");
	expect_l("%#c", '\t', "\\t");
	expect_l("%#c", '\a', "\\a");
	expect_l("%#c", '\v', "\\v");
	expect_l("%#c", '\'', "\\'");
	expect_l("%#c", '\\', "\\\\");
	expect_l("%#c", '"', "\"");
	expect_l("%#c", 0, "\\000");
	expect_l("%#c", 1, "\\001");
	expect_l("%#c", 0x7f, "\\177");
	expect_l("%#c", 0xff, "\\377");
	expect_l("%#5c", '\n', "   \\n");
}

static void test_binary(void **state)
{
	(void)state;
	/* The language reference's examples. */
	struct grt_arg hello[5] = {L(72), L(101), L(108), L(87), L(111)};

	expect("%1b%1b%1blo %1b%1brld\n", hello, 5, "Hello World\n");

	struct grt_arg two[2] = {L(0xc0dedbad), L(0x12345678)};

	expect_bytes("%b%b", two, 2,
		     "\xad\xdb\xde\xc0\x00\x00\x00\x00\x78\x56\x34\x12\x00\x00\x00\x00", 16);

	struct grt_arg v = L(0x0102030405060708);

	expect_bytes("%b", &v, 1, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	expect_bytes("%8b", &v, 1, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	expect_bytes("%4b", &v, 1, "\x08\x07\x06\x05", 4);
	expect_bytes("%2b", &v, 1, "\x08\x07", 2);
	expect_bytes("%1b", &v, 1, "\x08", 1);
	expect_bytes("%.2b", &v, 1, "\x08\x07", 2);
	/* A width beyond the size pads with NULs, on the left or with -. */
	expect_bytes("%4.2b", &v, 1, "\0\0\x08\x07", 4);
	expect_bytes("%-4.2b", &v, 1, "\x08\x07\0\0", 4);
	expect_bytes("%10b", &v, 1, "\0\0\x08\x07\x06\x05\x04\x03\x02\x01", 10);
	/* Neither a size nor a multiple of one: 8 bytes. */
	expect_bytes("%3b", &v, 1, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	expect_bytes("%.3b", &v, 1, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	expect_bytes("%2.4b", &v, 1, "\x08\x07\x06\x05", 4);
	struct grt_arg m = L(-1);

	expect_bytes("%2b", &m, 1, "\xff\xff", 2);
}

static void test_dynamic(void **state)
{
	(void)state;
	struct grt_arg a[3];

	a[0] = L(5), a[1] = L(42);
	expect("%*d", a, 2, "   42");
	a[0] = L(-5); /* clamped to 0, not left-justified */
	expect("%*d|", a, 2, "42|");
	a[0] = L(((int64_t)1 << 32) + 3); /* truncated to int: 3 */
	expect("%*d", a, 2, " 42");
	a[0] = L(4), a[1] = L(1);
	expect("%-*d|", a, 2, "1   |");
	a[0] = L(6), a[1] = L(3), a[2] = L(7);
	expect("%*.*d", a, 3, "   007");
	a[0] = L(2), a[1] = S("abcdef");
	expect("%.*s", a, 2, "ab");
	a[0] = L(-1); /* clamped to 0: nothing of the string */
	expect("[%.*s]", a, 2, "[]");
	a[0] = L(6), a[1] = S("ab");
	expect("%*s", a, 2, "    ab");
	a[0] = L(3), a[1] = L('x');
	expect("%*c", a, 2, "  x");
	/* A `*` width of a valid size is the size too. */
	a[0] = L(4), a[1] = L(0x4142);
	expect_bytes("%*b", a, 2, "\x42\x41\0\0", 4);
	a[0] = L(12);
	expect_bytes("%*b", a, 2, "\0\0\0\0\x42\x41\0\0\0\0\0\0", 12);
}

static void test_clamp(void **state)
{
	(void)state;
	struct grt_buf b;
	struct grt_arg a[2];
	char *big = malloc(10001);

	assert_non_null(big);
	memset(big, 'x', 10000);
	big[10000] = '\0';

	/* Widths and precisions clamp to STP_BUFFER_SIZE, 8192. */
	a[0] = L(1);
	b = render("%9000d", a, 1);
	assert_int_equal(b.len, 8192);
	assert_int_equal(b.data[8190], ' ');
	assert_int_equal(b.data[8191], '1');
	grt_buf_free(&b);

	a[0] = L(100000), a[1] = L(1);
	b = render("%*d", a, 2);
	assert_int_equal(b.len, 8192);
	grt_buf_free(&b);

	/* A string prints at most 8192 bytes, with or without flags. */
	a[0] = S(big);
	b = render("%s", a, 1);
	assert_int_equal(b.len, 8192);
	grt_buf_free(&b);
	b = render("%-s", a, 1);
	assert_int_equal(b.len, 8192);
	grt_buf_free(&b);
	free(big);
}

static void test_nargs_types(void **state)
{
	(void)state;
	struct grt_fmt *f;

	const char *all = "%d %s %*.*x %c %b %p";

	assert_int_equal(grt_fmt_compile(all, strlen(all), &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_nargs(f), 8);
	assert_int_equal(grt_fmt_argtype(f, 0), GRT_LONG);
	assert_int_equal(grt_fmt_argtype(f, 1), GRT_STRING);
	for (int i = 2; i < 8; i++)
		assert_int_equal(grt_fmt_argtype(f, i), GRT_LONG);
	assert_int_equal(grt_fmt_argtype(f, 8), GRT_NONE);
	assert_int_equal(grt_fmt_argtype(f, -1), GRT_NONE);
	grt_fmt_free(f);

	assert_int_equal(grt_fmt_compile("%*s", 3, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_nargs(f), 2);
	assert_int_equal(grt_fmt_argtype(f, 0), GRT_LONG);
	assert_int_equal(grt_fmt_argtype(f, 1), GRT_STRING);
	grt_fmt_free(f);

	/* The length counts, not a NUL: a format may be a slice. */
	assert_int_equal(grt_fmt_compile("%d%s", 2, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_nargs(f), 1);
	grt_fmt_free(f);

	assert_int_equal(grt_fmt_compile(NULL, 0, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_nargs(f), 0);
	grt_fmt_free(f);
	grt_fmt_free(NULL);
	assert_int_equal(grt_fmt_nargs(NULL), 0);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_error("%q", 0, "invalid or missing conversion specifier 'q'");
	expect_error("ab %y", 3, "invalid or missing conversion specifier");
	expect_error("%d %-+5d", 3, "invalid or missing conversion specifier '+'");
	expect_error("%lld", 0, "invalid or missing conversion specifier 'l'");
	expect_error("x%hd", 1, "invalid or missing conversion specifier 'h'");
	expect_error("%5%", 0, "invalid or missing conversion specifier '%'");
	expect_error("%n", 0, "invalid or missing conversion specifier 'n'");
	expect_error("%f", 0, "invalid or missing conversion specifier");
	expect_error("ab%5", 2, "trailing incomplete print format conversion");
	expect_error("%-", 0, "trailing incomplete");
	expect_error("%.", 0, "trailing incomplete");
	expect_error("%l", 0, "trailing incomplete");
	expect_error("%.*", 0, "trailing incomplete");
	expect_error("%m", 0, "unsupported conversion");
	expect_error("%08M", 0, "unsupported conversion");

	/* err and the offset are optional. */
	struct grt_fmt *f;

	assert_int_equal(grt_fmt_compile("%q", 2, &f, NULL, 0, NULL), -EINVAL);
	assert_int_equal(grt_fmt_compile("%d", 2, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(grt_fmt_compile(NULL, 2, &f, NULL, 0, NULL), -EINVAL);

	/* A short err buffer is cut, still terminated. */
	char err[8];

	assert_int_equal(grt_fmt_compile("%q", 2, &f, err, sizeof(err), NULL), -EINVAL);
	assert_int_equal(strlen(err), 7);
}

static void test_render_errors(void **state)
{
	(void)state;
	struct grt_buf b = {0};
	struct grt_fmt *f;
	struct grt_arg a[2] = {L(1), S("x")};

	assert_int_equal(grt_fmt_compile("%d-%d", 5, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_buf_puts(&b, "keep"), 0);
	/* Too few and too many values. */
	assert_int_equal(grt_fmt_render(&b, f, a, 1), -EINVAL);
	assert_int_equal(grt_fmt_render(&b, f, a, 3), -EINVAL);
	/* A string for a %d: rejected, and the partial "1-" taken back. */
	assert_int_equal(grt_fmt_render(&b, f, a, 2), -EINVAL);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	assert_int_equal(grt_fmt_render(NULL, f, a, 2), -EINVAL);
	assert_int_equal(grt_fmt_render(&b, NULL, a, 2), -EINVAL);
	assert_int_equal(grt_fmt_render(&b, f, NULL, 2), -EINVAL);
	grt_fmt_free(f);

	assert_int_equal(grt_fmt_compile("%s", 2, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_render(&b, f, a, 1), -EINVAL);
	grt_fmt_free(f);
	grt_buf_free(&b);
}

/* Pack values as a record does: long 8 bytes LE, string u16 LE + bytes. */
static size_t pack_long(unsigned char *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)((uint64_t)v >> (8 * i));
	return 8;
}

static size_t pack_str(unsigned char *p, const char *s)
{
	size_t n = strlen(s);

	p[0] = (unsigned char)n;
	p[1] = (unsigned char)(n >> 8);
	memcpy(p + 2, s, n);
	return 2 + n;
}

static void test_packed(void **state)
{
	(void)state;
	unsigned char rec[64];
	struct grt_buf b = {0};
	struct grt_fmt *f;
	size_t n = 0;

	n += pack_str(rec + n, "bash");
	n += pack_long(rec + n, -1234);
	n += pack_long(rec + n, 6);
	n += pack_long(rec + n, 0xabc);
	assert_int_equal(grt_fmt_compile("%s[%d] %*x\n", 11, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_render_packed(&b, f, rec, n), 0);
	assert_string_equal(b.data, "bash[-1234]    abc\n");
	assert_int_equal(b.len, 19);

	/* Trailing record padding is fine. */
	memset(rec + n, 0, 8);
	assert_int_equal(grt_fmt_render_packed(&b, f, rec, n + 8), 0);
	assert_int_equal(b.len, 38);

	/* Any truncation is -EBADMSG and leaves the buffer as it was. */
	for (size_t cut = 0; cut < n; cut++) {
		assert_int_equal(grt_fmt_render_packed(&b, f, rec, cut), -EBADMSG);
		assert_int_equal(b.len, 38);
		assert_int_equal(b.data[38], '\0');
	}
	/* A string length running past the end. */
	rec[0] = 200;
	assert_int_equal(grt_fmt_render_packed(&b, f, rec, n), -EBADMSG);
	grt_fmt_free(f);

	/* Empty strings, and strings with a NUL inside. */
	n = 0;
	n += pack_str(rec + n, "");
	memcpy(rec + n,
	       "\x03\x00"
	       "a\0b",
	       5);
	n += 5;
	assert_int_equal(grt_fmt_compile("[%s][%s]", 8, &f, NULL, 0, NULL), 0);
	grt_buf_reset(&b);
	assert_int_equal(grt_fmt_render_packed(&b, f, rec, n), 0);
	assert_string_equal(b.data, "[][a]");
	grt_fmt_free(f);

	/* No arguments: no data needed. */
	assert_int_equal(grt_fmt_compile("hi", 2, &f, NULL, 0, NULL), 0);
	grt_buf_reset(&b);
	assert_int_equal(grt_fmt_render_packed(&b, f, NULL, 0), 0);
	assert_string_equal(b.data, "hi");
	assert_int_equal(grt_fmt_render_packed(&b, f, NULL, 3), -EINVAL);
	grt_fmt_free(f);
	grt_buf_free(&b);
}

/* The short path for %d/%u/%x must agree with the general one and C. */
static void test_fast_path(void **state)
{
	(void)state;
	static const int64_t vals[] = {0,
				       1,
				       -1,
				       9,
				       10,
				       99,
				       100,
				       -100,
				       12345678,
				       -987654321,
				       INT64_MAX,
				       INT64_MIN,
				       INT64_MIN + 1,
				       1LL << 32,
				       (1LL << 53) + 1,
				       0x7f,
				       0xdeadbeef,
				       -0xdeadbeefLL,
				       999999999999};
	char want[64], fmt[16];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct grt_arg a = L(vals[i]);

		snprintf(want, sizeof(want), "%lld", (long long)vals[i]);
		expect("%d", &a, 1, want);
		expect("%1d", &a, 1, want); /* general path */
		snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[i]);
		expect("%u", &a, 1, want);
		expect("%1u", &a, 1, want);
		snprintf(want, sizeof(want), "%llx", (unsigned long long)vals[i]);
		expect("%x", &a, 1, want);
		expect("%1x", &a, 1, want);
		snprintf(want, sizeof(want), "%llX", (unsigned long long)vals[i]);
		expect("%X", &a, 1, want);
		snprintf(want, sizeof(want), "%llo", (unsigned long long)vals[i]);
		expect("%o", &a, 1, want);
		snprintf(want, sizeof(want), "%+25lld|", (long long)vals[i]);
		snprintf(fmt, sizeof(fmt), "%%+25d|");
		expect(fmt, &a, 1, want);
	}
}

static void test_append_and_reuse(void **state)
{
	(void)state;
	struct grt_buf b = {0};
	struct grt_fmt *f;
	struct grt_arg a[2] = {S("n"), L(0)};

	assert_int_equal(grt_fmt_compile("%s=%d;", 6, &f, NULL, 0, NULL), 0);
	for (int i = 0; i < 1000; i++) {
		a[1] = L(i);
		assert_int_equal(grt_fmt_render(&b, f, a, 2), 0);
	}
	assert_int_equal(strncmp(b.data, "n=0;n=1;n=2;", 12), 0);
	assert_int_equal(b.len, strlen(b.data));
	assert_int_equal(strcmp(b.data + b.len - 6, "n=999;"), 0);
	grt_fmt_free(f);

	/* An empty format still leaves a terminated string. */
	struct grt_buf e = {0};

	assert_int_equal(grt_fmt_compile("", 0, &f, NULL, 0, NULL), 0);
	assert_int_equal(grt_fmt_render(&e, f, NULL, 0), 0);
	assert_non_null(e.data);
	assert_string_equal(e.data, "");
	grt_fmt_free(f);
	grt_buf_free(&e);
	grt_buf_free(&b);
}

static void test_buf(void **state)
{
	(void)state;
	struct grt_buf b = {0};

	/* Allocated but empty is still a terminated string. */
	assert_int_equal(grt_buf_reserve(&b, 100), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_true(b.cap > 100);

	assert_int_equal(grt_buf_put(&b, "ab", 2), 0);
	assert_int_equal(grt_buf_putc(&b, 'c'), 0);
	assert_int_equal(grt_buf_puts(&b, "def"), 0);
	assert_int_equal(grt_buf_put(&b, NULL, 0), 0);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "abcdef");
	assert_true(b.cap > b.len);

	for (int i = 0; i < 100000; i++)
		assert_int_equal(grt_buf_putc(&b, 'x'), 0);
	assert_int_equal(b.len, 100006);
	assert_int_equal(b.data[b.len], '\0');

	size_t cap = b.cap;

	grt_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(b.data, "");

	assert_int_equal(grt_buf_reserve(&b, 10), 0);
	assert_int_equal(grt_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	assert_int_equal(grt_buf_reserve(&b, SIZE_MAX / 2), -ENOMEM);
	assert_int_equal(b.len, 0);

	grt_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	grt_buf_free(&b);
	grt_buf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literals),
	    cmocka_unit_test(test_decimal),
	    cmocka_unit_test(test_hex_octal),
	    cmocka_unit_test(test_flags_width),
	    cmocka_unit_test(test_precision),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_string),
	    cmocka_unit_test(test_char),
	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_dynamic),
	    cmocka_unit_test(test_clamp),
	    cmocka_unit_test(test_nargs_types),
	    cmocka_unit_test(test_compile_errors),
	    cmocka_unit_test(test_render_errors),
	    cmocka_unit_test(test_packed),
	    cmocka_unit_test(test_fast_path),
	    cmocka_unit_test(test_append_and_reuse),
	    cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
