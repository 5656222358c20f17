// SPDX-License-Identifier: MIT
/*
 * bench/markgen N: calls markgen_hit(i) N times, a function with one
 * marker of two integer arguments (i, -i), and prints the wall ns per
 * call with two decimals.  One call before the clock starts: what a
 * marker does once (taphub's maps its ring; LTTng-UST registers in a
 * constructor) is not in the figure.  Built three ways by
 * bench/marker.sh, the same loop each time:
 *
 *   -DMARKGEN_TAPHUB   TAPHUB_MARK(bench, hit, i, -i)  (include/taphub/marker.h)
 *   -DMARKGEN_LTTNG    tracepoint(bench, hit, i, -i)   (LTTng-UST, markgen_tp.h)
 *   -DMARKGEN_CLOCK    clock_gettime(CLOCK_MONOTONIC) alone: what both take
 *                      for the event's time, the floor of an enabled marker
 *   none of them       no marker: the cost of the loop and the call alone
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(MARKGEN_TAPHUB)
#include "taphub/marker.h"
#define HIT(a, b) TAPHUB_MARK(bench, hit, a, b)
#elif defined(MARKGEN_LTTNG)
#define TRACEPOINT_DEFINE
#define TRACEPOINT_CREATE_PROBES
#include "markgen_tp.h"
#define HIT(a, b) tracepoint(bench, hit, a, b)
#elif defined(MARKGEN_CLOCK)
#define HIT(a, b)                                                                                  \
	do {                                                                                       \
		struct timespec ts_;                                                               \
		(void)(a);                                                                         \
		(void)(b);                                                                         \
		clock_gettime(CLOCK_MONOTONIC, &ts_);                                              \
		__asm__ __volatile__("" : : "r"(ts_.tv_nsec));                                     \
	} while (0)
#else
#define HIT(a, b) ((void)(a), (void)(b))
#endif

__attribute__((noipa)) long markgen_hit(long i);
__attribute__((noipa)) long markgen_hit(long i)
{
	HIT(i, -i);
	return i + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i, s = 0;
	struct timespec a, b;

	s += markgen_hit(-1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		s += markgen_hit(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
			     (double)(n ? n : 1));
	return s == -2;
}
