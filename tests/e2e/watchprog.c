// SPDX-License-Identifier: MIT
/*
 * watchprog W R: W writes and then R reads of the global th_watched, for
 * the data watchpoints of tests/e2e/watch.sh.  Built without PIE, so the
 * variable's address is the one nm prints, known before the program runs
 * (stap's kernel-hw-breakpoint-addr tests do the same).
 */
#include <stdio.h>
#include <stdlib.h>

volatile int th_watched;

int main(int argc, char **argv)
{
	long w = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	long r = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long i, sum = 0;

	/* volatile: each is one store or one load of the 4 bytes */
	for (i = 0; i < w; i++)
		th_watched = (int)i;
	for (i = 0; i < r; i++)
		sum += th_watched;
	printf("%ld\n", sum);
	return 0;
}
