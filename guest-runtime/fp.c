// SPDX-License-Identifier: MIT
/*
 * fp.c - SystemTap's floating point helpers (tapset/floatingpoint.stp):
 * the script language has only longs, so a double travels as its IEEE 754
 * bits in a long.  stap computes them with SoftFloat in the kernel; here
 * the machine's doubles do the same IEEE operations (round to nearest
 * even), so results agree bit for bit.  The kernel side has none of this:
 * eBPF has no floating point, and the compiler keeps these functions to
 * user-context probes.
 *
 * The text forms are stap's own, not printf's: fp_to_string() divides by
 * ten until the value is below 1e18 and says how often in an "eN" suffix,
 * prints the integer part, then `precision` decimals each taken by
 * truncation, the last one rounded up when the next digit is 5 or more
 * (with no carry into the others: stap's f64_to_str).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

static double dbl(int64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static int64_t bits(double d)
{
	int64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* The digits of an integer-valued double below 1e18 (or of its truncation). */
static void put_int(char *dst, size_t maxlen, double v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)(int64_t)v);
	strncat(dst, num, maxlen - strlen(dst) - 1);
}

void grt_fp_format(char *dst, size_t maxlen, double v, int64_t precision)
{
	double ip, frac;
	int e10 = 0, i;

	if (!maxlen)
		return;
	dst[0] = 0;
	if (isnan(v)) {
		grt_str_copy(dst, maxlen, "NaN");
		return;
	}
	if (isinf(v)) {
		grt_str_copy(dst, maxlen, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (signbit(v))
		grt_str_copy(dst, maxlen, "-");
	v = fabs(v);
	while (v >= 1e18) {
		v /= 10;
		e10++;
	}
	ip = trunc(v);
	frac = v - ip;
	put_int(dst, maxlen, ip);
	if (precision > 0) {
		double last, next;

		strncat(dst, ".", maxlen - strlen(dst) - 1);
		for (i = 0; i < precision - 1 && strlen(dst) < maxlen - 1; i++) {
			double d;

			frac *= 10;
			d = trunc(frac);
			put_int(dst, maxlen, d);
			frac -= d;
		}
		frac *= 10;
		last = trunc(frac);
		frac = (frac - last) * 10;
		next = trunc(frac);
		put_int(dst, maxlen, next >= 5 ? last + 1 : last);
	}
	if (e10) {
		char e[16];

		snprintf(e, sizeof(e), "e%d", e10);
		strncat(dst, e, maxlen - strlen(dst) - 1);
	}
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * stap's str_to_f64: the digits accumulate as a double, times ten each,
 * the fraction's digits counted in a power of ten the value is divided
 * by at the end; an exponent scales that power ten at a time.
 */
int grt_fp_parse(const char *s, double *ret)
{
	double value = 0, power = 1, e = 0;
	bool neg = s[0] == '-';
	size_t i = 0;

	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; digit(s[i]); i++)
		value = value * 10 + (s[i] - '0');
	if (s[i] == '.')
		i++;
	for (; digit(s[i]); i++) {
		value = value * 10 + (s[i] - '0');
		power *= 10;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		bool eneg;

		i++;
		eneg = s[i] == '-';
		if (s[i] == '-' || s[i] == '+')
			i++;
		for (; digit(s[i]); i++)
			e = e * 10 + (s[i] - '0');
		/* one step per unit of the exponent, as stap (bounded by its size) */
		for (; e > 0 && e < 400; e--)
			power = eneg ? power * 10 : power / 10;
		if (e > 0)
			power = eneg ? INFINITY : 0;
	}
	if (s[i])
		return -EINVAL;
	*ret = (neg ? -1.0 : 1.0) * (value / power);
	return 0;
}

void grt_fp_to_string(struct grt_uctx *u, char *dst, int64_t fp, int64_t precision)
{
	grt_fp_format(dst, (size_t)grt_rt_maxstr(u->rt), dbl(fp), precision);
}

int64_t grt_string_to_fp(struct grt_uctx *u, const char *s, int64_t site)
{
	double d;

	if (grt_fp_parse(s, &d) < 0) {
		if (!u->err)
			u->err = site + 1;
		return 0;
	}
	return bits(d);
}

/* SoftFloat's rounding modes, as stap's fp_to_long() takes them */
enum { RND_NEAR_EVEN = 0, RND_MIN_MAG, RND_MIN, RND_MAX, RND_NEAR_MAX_MAG, RND_ODD = 6 };

static int64_t to_long(double d, int64_t mode)
{
	double r;

	switch (mode) {
	case RND_MIN_MAG: r = trunc(d); break;
	case RND_MIN: r = floor(d); break;
	case RND_MAX: r = ceil(d); break;
	case RND_NEAR_MAX_MAG: r = round(d); break;
	case RND_ODD:
		/* jamming: an inexact result takes the odd neighbour */
		r = trunc(d);
		if (r != d && fmod(r, 2) == 0)
			r += d > 0 ? 1 : -1;
		break;
	default: r = nearbyint(d); break;
	}
	/* SoftFloat's answer for what a long cannot hold */
	if (isnan(r) || r >= 9223372036854775808.0)
		return INT64_MAX;
	if (r < -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)r;
}

int64_t grt_fp_op(int op, int64_t a, int64_t b, int64_t c)
{
	double x = dbl(a), y = dbl(b);
	float f32;
	uint32_t lo = (uint32_t)a;

	(void)c; /* fp_to_long's `exact` only raises a SoftFloat flag nobody reads */
	switch (op) {
	case GRT_FP_FROM_LONG: return bits((double)a);
	case GRT_FP_TO_LONG: return to_long(x, b);
	case GRT_FP_ADD: return bits(x + y);
	case GRT_FP_SUB: return bits(x - y);
	case GRT_FP_MUL: return bits(x * y);
	case GRT_FP_DIV: return bits(x / y);
	case GRT_FP_REM: return bits(remainder(x, y));
	case GRT_FP_SQRT: return bits(sqrt(x));
	case GRT_FP_EQ: return x == y;
	case GRT_FP_LE: return x <= y;
	case GRT_FP_LT: return x < y;
	case GRT_FP_FROM_FP32:
		memcpy(&f32, &lo, sizeof(f32));
		return bits((double)f32);
	default: return 0;
	}
}
