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
 *   and sdtprog_walk(items, 3) over 3 items, k = 0..2:
 *     id 10 i + k, vals {k, 2 k, 3 k + i}, label "item-k", tag "t<k>",
 *     inner {a = i, b = -k}; it returns the sum of id * vals[2]
 *     (statement probes: the locals it, k and acc on the line
 *     marked WALK_LINE, tests/e2e/uvars.sh),
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

struct item {
	long id;
	int vals[3];
	const char *label;
	char tag[8];
	struct pair inner;
};

/* a call in the loop keeps k in a register the call preserves */
__attribute__((noipa)) void sdtprog_seen(int k);
__attribute__((noipa)) void sdtprog_seen(int k)
{
	(void)k;
}

/* noipa: its locals live in registers with location lists at -O2 */
__attribute__((noipa)) long sdtprog_walk(struct item *items, int n);
__attribute__((noipa)) long sdtprog_walk(struct item *items, int n)
{
	long acc = 0;
	int k;

	for (k = 0; k < n; k++) {
		struct item *it = &items[k];

		sdtprog_seen(k);
		acc += it->id * it->vals[2]; /* WALK_LINE */
	}
	return acc;
}

static const char *const labels[] = { "item-0", "item-1", "item-2" };

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i, guarded = 0;
	static volatile struct pair pr;
	char name[32];
	struct item items[3];
	int k;

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
		for (k = 0; k < 3; k++) {
			items[k].id = 10L * i + k;
			items[k].vals[0] = k;
			items[k].vals[1] = 2 * k;
			items[k].vals[2] = 3 * k + i;
			items[k].label = labels[k];
			snprintf(items[k].tag, sizeof(items[k].tag), "t%d", k);
			items[k].inner.a = i;
			items[k].inner.b = -k;
		}
		sdtprog_walk(items, 3);
	}
	printf("guarded=%d\n", guarded);
	return 0;
}
