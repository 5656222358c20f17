// SPDX-License-Identifier: MIT
/*
 * strfn.c - the string functions of the language, with SystemTap's
 * semantics (tapset/string.stp and runtime/stp_string.c).
 *
 * Every result goes into a caller buffer of maxlen bytes (MAXSTRINGLEN)
 * and is cut at maxlen - 1 bytes, always NUL terminated, the way stap's
 * strlcpy/strlcat into its fixed-size return value cut it.  A maxlen of 0
 * writes nothing.  grt_str_copy, grt_str_concat and grt_str_substr accept
 * a dst that is one of their inputs (s = s . t is common); the others
 * need dst apart from their inputs.
 *
 * - substr(s, start, len): the bytes from start (0-based) on, at most len
 *   of them; "" when start < 0, start >= strlen(s) or len <= 0.
 * - str_replace(s, from, to): every non-overlapping occurrence, left to
 *   right; an empty from returns s unchanged.
 * - isinstr(s, sub): 1 when sub occurs in s (always for an empty sub).
 * - strtol(s, base): the kernel's simple_strtol: an optional '-' (no '+',
 *   no leading blanks), base 0 guessing 16/8/10 from "0x"/"0", a "0x"
 *   skipped in base 16, digits 0-9 a-f only, stopping at the first byte
 *   that is not a digit of the base, wrapping modulo 2^64 on overflow;
 *   0 when there are no digits.
 * - text_str(s): printable ASCII except " and \ verbatim; \a \b \f \n \r
 *   \t \v \" \\ as C escapes; valid multi-byte UTF-8 as \uXXXX or
 *   \UXXXXXXXX; any other byte as a 3-digit octal escape; an escape that
 *   no longer fits is left out whole.
 */
#include <stdint.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "taphub/utf8.h"

/* Copy n bytes of s (which may overlap dst) and terminate, cut to maxlen - 1. */
static void put_cut(char *dst, size_t maxlen, const char *s, size_t n)
{
	if (!maxlen)
		return;
	if (n > maxlen - 1)
		n = maxlen - 1;
	memmove(dst, s, n);
	dst[n] = '\0';
}

void grt_str_copy(char *dst, size_t maxlen, const char *s)
{
	if (!s)
		s = "";
	put_cut(dst, maxlen, s, maxlen ? strnlen(s, maxlen - 1) : 0);
}

void grt_str_substr(char *dst, size_t maxlen, const char *s, int64_t start, int64_t len)
{
	size_t n;

	if (!maxlen)
		return;
	if (!s)
		s = "";
	n = strlen(s);
	if (start < 0 || (uint64_t)start >= n || len <= 0) {
		dst[0] = '\0';
		return;
	}
	n -= (size_t)start;
	if ((uint64_t)len < n)
		n = (size_t)len;
	put_cut(dst, maxlen, s + start, n);
}

void grt_str_concat(char *dst, size_t maxlen, const char *a, const char *b)
{
	size_t la, lb;

	if (!maxlen)
		return;
	if (!a)
		a = "";
	if (!b)
		b = "";
	la = strnlen(a, maxlen - 1);
	lb = strnlen(b, maxlen - 1 - la);
	/* b first: when dst is a, a's bytes are already in place and b may
	 * be a too; when dst is b, b moves right before a overwrites it. */
	memmove(dst + la, b, lb);
	memmove(dst, a, la);
	dst[la + lb] = '\0';
}

void grt_str_replace(char *dst, size_t maxlen, const char *s, const char *from, const char *to)
{
	size_t nfrom, nto, len = 0;
	const char *hit;

	if (!maxlen)
		return;
	if (!s)
		s = "";
	if (!from || !*from) {
		grt_str_copy(dst, maxlen, s);
		return;
	}
	if (!to)
		to = "";
	nfrom = strlen(from);
	nto = strlen(to);
	while (len < maxlen - 1 && (hit = strstr(s, from))) {
		size_t n = (size_t)(hit - s);

		if (n > maxlen - 1 - len)
			n = maxlen - 1 - len;
		memcpy(dst + len, s, n);
		len += n;
		n = nto < maxlen - 1 - len ? nto : maxlen - 1 - len;
		memcpy(dst + len, to, n);
		len += n;
		s = hit + nfrom;
	}
	if (len < maxlen - 1) {
		size_t n = strnlen(s, maxlen - 1 - len);

		memcpy(dst + len, s, n);
		len += n;
	}
	dst[len] = '\0';
}

int64_t grt_str_isinstr(const char *s, const char *sub)
{
	return strstr(s ? s : "", sub ? sub : "") != NULL;
}

static int is_xdigit(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The kernel's simple_strtoull(), fixup of the radix included. */
static uint64_t parse_unsigned(const char *s, unsigned base)
{
	uint64_t res = 0;

	if (base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && is_xdigit(s[2]))
				base = 16;
			else
				base = 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	for (;; s++) {
		unsigned c = (unsigned char)*s, lc = c | 0x20, val;

		if (c >= '0' && c <= '9')
			val = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		res = res * base + val; /* wraps, as the kernel's does */
	}
	return res;
}

int64_t grt_str_strtol(const char *s, int64_t base)
{
	/* simple_strtol() takes an unsigned int base: the script's long is
	 * truncated on the way in. */
	unsigned b = (unsigned)(uint64_t)base;

	if (!s)
		return 0;
	if (*s == '-')
		return (int64_t)(0 - parse_unsigned(s + 1, b));
	return (int64_t)parse_unsigned(s, b);
}

void grt_str_long(char *dst, size_t maxlen, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		*--p = '-';
	put_cut(dst, maxlen, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* One UTF-8 sequence at s (n bytes available), as taphub/utf8.h decodes it */
static int decode_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	__u8 b[4] = { 0 };
	size_t i;

	for (i = 0; i < 4 && i < n; i++)
		b[i] = s[i];
	*cp = s[0];
	return th_utf8_decode(b, cp);
}

void grt_str_text(char *dst, size_t maxlen, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *in = (const unsigned char *)(s ? s : "");
	size_t inlen, left, out = 0;

	if (!maxlen)
		return;
	inlen = strnlen((const char *)in, maxlen - 1);
	left = maxlen - 1;
	while (inlen > 0 && left > 0) {
		char esc[3];
		uint32_t c;
		int n = decode_utf8(in, inlen, &c), k;
		size_t need;

		if (n > 1) {
			need = c <= 0xFFFF ? 6 : 10;
			if (left < need)
				break;
			dst[out++] = '\\';
			dst[out++] = c <= 0xFFFF ? 'u' : 'U';
			for (int i = (int)need - 3; i >= 0; i--)
				dst[out++] = hex[(c >> (i * 4)) & 0xF];
		} else if (!(k = grt_c_escape((unsigned char)c, '"', esc))) {
			need = 1;
			dst[out++] = (char)c;
		} else {
			need = 1 + (size_t)k;
			if (left < need)
				break;
			dst[out++] = '\\';
			memcpy(dst + out, esc, (size_t)k);
			out += (size_t)k;
		}
		in += n;
		inlen -= (size_t)n;
		left -= need;
	}
	dst[out] = '\0';
}
