// SPDX-License-Identifier: MIT
/*
 * The marker of tests/e2e/sdtprog.c that has a semaphore: <sys/sdt.h>
 * gives every marker of a file one, or none, so it has a file of its own.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short taptest_guarded_semaphore __attribute__((unused, section(".probes")));

int sdtprog_guarded(int i);

/* 1 when a probe was attached (the kernel raised the semaphore) and hit */
int sdtprog_guarded(int i)
{
	if (!taptest_guarded_semaphore)
		return 0;
	STAP_PROBE1(taptest, guarded, i);
	return 1;
}
