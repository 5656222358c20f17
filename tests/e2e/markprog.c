// SPDX-License-Identifier: MIT
/*
 * A program with no-trap markers (include/taphub/marker.h) of known
 * arguments, for tests/e2e/marker.sh.
 *
 *   markprog N          hits each marker N times, i = 1..N:
 *     taptest:mtick(i, -3 * i, "m-<i>")    a long, a negative long, a string
 *     taptest:mbare(i)                     one long
 *   then prints "hits=N", "pid=PID" (its ring would be /dev/shm/taphub-mark.PID)
 *   and "ring=1" when its markers found a session's ring (wrote without a trap).
 *   markprog N FILE     the same once FILE exists (at most 60 s), for -x PID
 *   markprog -s STEP... steps in order, i going on from one to the next:
 *                       a number K hits each marker K more times, then prints
 *                       "hits=TOTAL" (flushed: a test waits for it); anything
 *                       else is a file to wait for (at most 60 s); at the end
 *                       "pid=PID" and "ring=..." as above
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "taphub/marker.h"

/* -x PID: tap attaches to a running process, then says go (by making the file) */
static void wait_for(const char *file)
{
	int i;

	for (i = 0; i < 60000 && access(file, F_OK); i++)
		usleep(1000);
}

/* Hits i = from+1 .. from+n of both markers. */
static void hits(int from, int n)
{
	char name[32];
	int i;

	for (i = from + 1; i <= from + n; i++) {
		snprintf(name, sizeof(name), "m-%d", i);
		TAPHUB_MARK(taptest, mtick, i, -3L * i, name);
		TAPHUB_MARK(taptest, mbare, i);
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i;

	if (argc > 1 && !strcmp(argv[1], "-s")) {
		for (n = 0, i = 2; i < argc; i++) {
			if (isdigit((unsigned char)argv[i][0])) {
				hits(n, atoi(argv[i]));
				n += atoi(argv[i]);
				printf("hits=%d\n", n);
				fflush(stdout);
			} else {
				wait_for(argv[i]);
			}
		}
	} else {
		if (argc > 2)
			wait_for(argv[2]);
		hits(0, n);
		printf("hits=%d\n", n);
	}
	printf("pid=%d\nring=%d\n", (int)getpid(), th_mark_proc_state.ring != NULL);
	return 0;
}
