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
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "taphub/marker.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i;
	char name[32];

	/* -x PID: tap attaches to a running process, then says go */
	for (i = 0; argc > 2 && i < 60000 && access(argv[2], F_OK); i++)
		usleep(1000);

	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "m-%d", i);
		TAPHUB_MARK(taptest, mtick, i, -3L * i, name);
		TAPHUB_MARK(taptest, mbare, i);
	}
	printf("hits=%d\npid=%d\nring=%d\n", n, (int)getpid(), th_mark_proc_state.ring != NULL);
	return 0;
}
