// SPDX-License-Identifier: MIT
/*
 * perfprog.c - the program of tests/e2e/perfproc.sh, built there with -g:
 * known work in functions a script probes, for perf counters to count.
 *
 *   perfprog pages N    perfprog_touch(N): writes to N fresh pages (N page
 *                       faults: huge pages are turned off for them), then
 *                       perfprog_empty()
 *   perfprog spin MS    perfprog_spin(MS): MS ms of this thread's CPU time
 *   perfprog fork N     perfprog_touch(N) here, then in a child
 *   perfprog wait N     calls perfprog_empty() every 10 ms until SIGUSR1,
 *                       then perfprog_touch(N)
 *
 * Each prints what it did when done.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long perfprog_touch(long n);
__attribute__((noinline)) long perfprog_empty(long x);
__attribute__((noinline)) long perfprog_spin(long ms);

static volatile sig_atomic_t go;

long perfprog_touch(long n)
{
	long page = sysconf(_SC_PAGESIZE), i;
	char *p = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	/* one fault per page: a huge page would take 512 of them at once */
	madvise(p, (size_t)(n * page), MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		p[i * page] = 1;
	munmap(p, (size_t)(n * page));
	return n;
}

long perfprog_empty(long x)
{
	return x;
}

static long cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

long perfprog_spin(long ms)
{
	long end = cpu_ns() + ms * 1000000L, n = 0;

	while (cpu_ns() < end)
		n++;
	return n;
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "pages")) {
		perfprog_touch(n);
		perfprog_empty(n);
		printf("touched %ld\n", n);
	} else if (!strcmp(mode, "spin")) {
		perfprog_spin(n);
		printf("spun %ld\n", n);
	} else if (!strcmp(mode, "fork")) {
		pid_t child;

		perfprog_touch(n);
		fflush(stdout);
		child = fork();
		if (child == 0) {
			perfprog_touch(n);
			_exit(0);
		}
		waitpid(child, NULL, 0);
		printf("forked %ld\n", n);
	} else if (!strcmp(mode, "wait")) {
		struct timespec ms10 = { 0, 10000000 };

		signal(SIGUSR1, on_usr1);
		while (!go) {
			perfprog_empty(0);
			nanosleep(&ms10, NULL);
		}
		perfprog_touch(n);
		printf("touched %ld\n", n);
	} else {
		fprintf(stderr, "usage: perfprog pages|spin|fork|wait N\n");
		return 2;
	}
	return 0;
}
