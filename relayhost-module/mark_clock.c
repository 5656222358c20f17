// SPDX-License-Identifier: MIT
/*
 * The time of a no-trap marker's record, from the CPU's time-stamp counter.
 *
 * A marker that stamps its record with clock_gettime(CLOCK_MONOTONIC)
 * spends most of its cost there (35 ns of about 60 here, bench/marker.sh's
 * "clock" row); reading the counter itself (rdtsc) takes about 15. Where
 * the kernel keeps its clock on that counter (clocksource "tsc": it checked
 * the counter is constant-rate and the same on every CPU), CLOCK_MONOTONIC
 * is the counter scaled and offset, adjusted slowly by NTP. So the writer
 * stores the counter (TH_RECF_TSC) and the session, which reads records
 * within milliseconds, turns it into CLOCK_MONOTONIC nanoseconds by
 * interpolating between two (counter, clock) points it samples as it
 * drains, at least RH_CLOCK_SPAN_NS apart: the result is the kernel's clock
 * to within the jitter of sampling a point (tens of ns) plus NTP's slew
 * over the span (a few ppm: below 0.1 us), so marker records and the
 * kernel's (bpf_ktime_get_ns) merge in time order.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "relayhost-module/rh.h"

#define RH_CLOCK_SPAN_NS 10000000ull /* 10 ms between the two points at least */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tsc(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

/* A (counter, clock) point: the tightest of a few reads, the clock at its middle. */
static struct rh_clock_point sample(void)
{
	struct rh_clock_point best = { 0, 0 };
	uint64_t best_w = UINT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t a = mono_ns(), c = tsc(), b = mono_ns();

		if (b - a < best_w) {
			best_w = b - a;
			best.tsc = c;
			best.ns = a + (b - a) / 2;
		}
	}
	return best;
}

bool rh_clock_tsc_usable(void)
{
#if defined(__x86_64__)
	char cs[32] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (!f)
		return false;
	if (!fgets(cs, sizeof(cs), f))
		cs[0] = 0;
	fclose(f);
	return !strcmp(cs, "tsc\n");
#else
	return false;
#endif
}

void rh_clock_init(struct rh_clock *c, uint64_t span_ns)
{
	/*
	 * A session's first rate is from a millisecond: its points then drift
	 * apart as it drains, and each span of RH_CLOCK_SPAN_NS refines it
	 */
	c->a = sample();
	do
		c->b = sample();
	while (c->b.ns - c->a.ns < span_ns || c->b.tsc == c->a.tsc);
}

void rh_clock_update(struct rh_clock *c)
{
	struct rh_clock_point p = sample();

	if (p.ns - c->b.ns < RH_CLOCK_SPAN_NS || p.tsc <= c->b.tsc)
		return;
	c->a = c->b;
	c->b = p;
}

uint64_t rh_clock_ns(const struct rh_clock *c, uint64_t t)
{
	double rate = (double)(c->b.ns - c->a.ns) / (double)(c->b.tsc - c->a.tsc);
	double d = (double)(int64_t)(t - c->a.tsc) * rate;

	/* between the points, or past either end on the line through them */
	return d < -(double)c->a.ns ? 0 : c->a.ns + (uint64_t)(int64_t)d;
}
