// SPDX-License-Identifier: MIT
/*
 * lineprog.c - the program of tests/e2e/fileline.sh, built there with -g
 * (and stripped copies of it): prints its pid and the run-time address of
 * lineprog_leaf(), calls lineprog_leaf() through lineprog_mid() N times
 * (argv[1], default 2), prints the sum (N^2), then waits for SIGTERM.
 * It waits so that its files are still mapped when tap reads the records:
 * a process's addresses are resolved while it runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int lineprog_leaf(int x);
__attribute__((noinline)) int lineprog_mid(int x);

int lineprog_leaf(int x)
{
	int y = x * 2;

	return y;
}

int lineprog_mid(int x)
{
	int r = lineprog_leaf(x);

	return r + 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2, i, sum = 0;

	printf("pid=%d leaf=%p\n", (int)getpid(), (void *)lineprog_leaf);
	fflush(stdout);
	for (i = 0; i < n; i++)
		sum += lineprog_mid(i);
	printf("sum=%d\n", sum);
	fflush(stdout);
	/* SIGTERM's default action ends it */
	for (;;)
		pause();
	return 0;
}
