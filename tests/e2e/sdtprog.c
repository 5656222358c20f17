// SPDX-License-Identifier: MIT
/*
 * A program with SDT markers of known arguments, for tests/e2e/sdt.sh.
 *
 *   sdtprog N     hits each marker N times, i = 1..N:
 *     taptest:tick(i, -i)                  an int and a negative long
 *     taptest:sizes(c, s, i, l, uc, g)     signed char -i, short -2i, int i,
 *                                          long -i * 2^33, unsigned char 200,
 *                                          a global long (i * 10)
 *     taptest:field(p->a, p->b, name)      members of a struct in memory,
 *                                          and a string: "tick-<i>"
 *     taptest:guarded(i)                   behind a semaphore: counted only
 *                                          when a probe is attached
 *                                          (sdtprog_sem.c)
 *   and calls sdtprog_add(100 * i, -i, name, 7), which returns
 *   99 * i + strlen(name) + 7 (function probes: $a $b $s $c, $return),
 *   then prints "guarded=K" (how many times the semaphore was set).
 *   sdtprog N FILE    the same once FILE exists (at most 60 s), for -x PID
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

int sdtprog_guarded(int i); /* sdtprog_sem.c: the marker with a semaphore */

struct pair {
	long a;
	int b;
};

long g_value;

/* out of line, so the markers' operands come from registers and memory */
static __attribute__((noinline)) void hit(int i, volatile struct pair *p, const char *name)
{
	signed char c = (signed char)-i;
	short s = (short)(-2 * i);
	long l = -(long)i * (1L << 33);
	unsigned char uc = 200;

	STAP_PROBE2(taptest, tick, i, -(long)i);
	STAP_PROBE6(taptest, sizes, c, s, i, l, uc, g_value);
	STAP_PROBE3(taptest, field, p->a, p->b, name);
}

/* noipa: a plain function at its symbol, arguments where the ABI puts them */
__attribute__((noipa)) long sdtprog_add(long a, int b, const char *s, unsigned char c);
__attribute__((noipa)) long sdtprog_add(long a, int b, const char *s, unsigned char c)
{
	long n = 0;

	while (s[n])
		n++;
	return a + b + n + c;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i, guarded = 0;
	static volatile struct pair pr;
	char name[32];

	/* -x PID: tap attaches to a running process, then says go */
	for (i = 0; argc > 2 && i < 60000 && access(argv[2], F_OK); i++)
		usleep(1000);

	for (i = 1; i <= n; i++) {
		pr.a = 1000 + i;
		pr.b = -i;
		g_value = 10L * i;
		snprintf(name, sizeof(name), "tick-%d", i);
		hit(i, &pr, name);
		sdtprog_add(100L * i, -i, name, 7);
		guarded += sdtprog_guarded(i);
	}
	printf("guarded=%d\n", guarded);
	return 0;
}
