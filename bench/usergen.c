// SPDX-License-Identifier: MIT
/*
 * bench/usergen N: calls usergen_hit(i) N times, a function with one SDT
 * marker (bench:hit, its argument i), and prints the wall ns per call
 * with one decimal (what bench/lib.sh's gen_ns reads).  The probed
 * program of bench/user.sh: a uprobe on the function and one on the
 * marker cost a trap each, which is what the benchmark compares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>

__attribute__((noipa)) long usergen_hit(long i);
__attribute__((noipa)) long usergen_hit(long i)
{
	STAP_PROBE1(bench, hit, i);
	return i + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i, s = 0;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		s += usergen_hit(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
				 (double)(n ? n : 1));
	return s == -1;
}
