// SPDX-License-Identifier: MIT
/*
 * Closing many link fds at once.
 *
 * Closing a uprobe_multi link returns only when the kernel knows no CPU
 * still runs the probe: it waits for grace periods, about 0.07 s a link
 * on this machine's 6.18 kernel, so the 1,097 uprobes of SystemTap's
 * ltrace.stp on ls would take over a minute one after another.  The wait
 * holds no lock, and waiters in different threads share grace periods, so
 * many fds are closed by a pool of threads, each taking the next fd from a
 * shared counter; the call returns when every fd is closed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "hub/hub.h"

#define REAP_THREADS_MAX 32
#define REAP_PER_THREAD 4 /* fewer fds than this per thread: not worth a thread */

struct reap {
	const int *fds;
	int n;
	atomic_int next;
};

static void *reap_worker(void *arg)
{
	struct reap *r = arg;
	int i;

	while ((i = atomic_fetch_add(&r->next, 1)) < r->n)
		close(r->fds[i]);
	return NULL;
}

void hub_close_all(const int *fds, int n)
{
	struct reap r = { .fds = fds, .n = n };
	pthread_t t[REAP_THREADS_MAX];
	int want = n / REAP_PER_THREAD, nt = 0;

	atomic_init(&r.next, 0);
	if (want > REAP_THREADS_MAX)
		want = REAP_THREADS_MAX;
	/* a thread that cannot start leaves its share to the others and to us */
	while (nt < want && !pthread_create(&t[nt], NULL, reap_worker, &r))
		nt++;
	reap_worker(&r);
	while (nt > 0)
		pthread_join(t[--nt], NULL);
}
