// SPDX-License-Identifier: MIT
/*
 * The drain: consumes the kernel rings of a buffer.  Each class of a
 * buffer is one BPF ring buffer (MPSC: every CPU reserves in it, so a
 * ring's records are in commit order across CPUs); the drain maps it
 * (ring.c) and walks the records in place, so a record is handed to the
 * callback without being copied.  The producers wake the drain only while
 * a ring is over a quarter full (th_wake_flags), so the caller also polls
 * on a timer, and rh_drain_next_tick_ms() paces that timer to the rate so
 * the rings stay below the mark.
 *
 * It walks the rings itself rather than through libbpf's ring_buffer so
 * that it knows each record's exact ring position, discarded records
 * included (libbpf skips those unseen), and hands the position past the
 * record to the callback: the class store keeps it, and after a crash
 * recovery takes from the ring only what the store does not hold
 * (docs/recovery.md).  As in libbpf, the consumer position moves after
 * each record's callback returns, so the drain's own death can leave a
 * record both in the store and in the ring; the position says which.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "relayhost-module/rh.h"

#define RH_MAX_RINGS 16

struct drain_ring {
	struct rh_ring ring;
	rh_record_fn fn;
	void *arg;
	int cls;
};

struct rh_drain {
	struct drain_ring rings[RH_MAX_RINGS];
	int nrings;
	int epfd;	      /* readable when a ring has data; -1 until a ring is added */
	uint64_t bytes;	      /* ring bytes consumed so far, headers included */
	uint64_t ring_bytes;  /* size of the smallest ring */
	uint64_t paced_bytes; /* bytes and CLOCK_MONOTONIC ns at the last pacing */
	uint64_t paced_ns;
};

int rh_drain_new(struct rh_drain **ret)
{
	struct rh_drain *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->epfd = -1;
	*ret = d;
	return 0;
}

void rh_drain_free(struct rh_drain *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < d->nrings; i++)
		rh_ring_unmap(&d->rings[i].ring);
	if (d->epfd >= 0)
		close(d->epfd);
	free(d);
}

int rh_drain_add_ring(struct rh_drain *d, int map_fd, int cls, rh_record_fn fn, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct drain_ring *dr;
	int err;

	if (d->nrings == RH_MAX_RINGS)
		return -E2BIG;
	if (d->epfd < 0) {
		d->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (d->epfd < 0)
			return -errno;
	}
	dr = &d->rings[d->nrings];
	err = rh_ring_map(&dr->ring, map_fd, true);
	if (err)
		return err;
	/* a ring map polls readable while it holds records */
	ev.data.u32 = (uint32_t)d->nrings;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, map_fd, &ev)) {
		err = -errno;
		rh_ring_unmap(&dr->ring);
		return err;
	}
	dr->fn = fn;
	dr->arg = arg;
	dr->cls = cls;
	d->nrings++;
	if (!d->ring_bytes || dr->ring.size < d->ring_bytes)
		d->ring_bytes = dr->ring.size;
	return 0;
}

/*
 * Everything ring dr holds now, up to a record still being written: the
 * records handed out, or the callback's error.  The walk starts where the
 * consumer position is, so whatever moved it before (another consumer of
 * the ring) is respected.
 */
static int consume_ring(struct rh_drain *d, struct drain_ring *dr)
{
	struct rh_ring *r = &dr->ring;
	/* ours: only the drain moves it */
	uint64_t pos = atomic_load_explicit(r->consumer, memory_order_relaxed);
	int n = 0;

	for (;;) {
		/* acquire: pairs with the kernel's release of a new producer position */
		uint64_t prod = atomic_load_explicit(r->producer, memory_order_acquire);

		if (pos >= prod)
			return n;
		while (pos < prod) {
			const void *rec;
			uint32_t len;
			unsigned state;
			uint64_t total = rh_ring_record(r, pos, &rec, &len, &state);
			int err = 0;

			if (state & RH_RING_BUSY)
				return n; /* not committed yet: the rest waits */
			if (!total)
				return -EBADMSG; /* the kernel's header makes no sense */
			if (!(state & RH_RING_DISCARDED)) {
				err = dr->fn(dr->arg, dr->cls, rec, len, pos + total);
				n++;
			}
			pos += total;
			d->bytes += total;
			/*
			 * release: the callback's reads of the record (and the store's
			 * copy of it) before the kernel may reuse its space
			 */
			atomic_store_explicit(r->consumer, pos, memory_order_release);
			if (err < 0)
				return err;
		}
	}
}

int rh_drain_poll(struct rh_drain *d, int timeout_ms)
{
	struct epoll_event evs[RH_MAX_RINGS];

	if (d->epfd < 0)
		return 0;
	if (epoll_wait(d->epfd, evs, RH_MAX_RINGS, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	return rh_drain_consume(d);
}

int rh_drain_consume(struct rh_drain *d)
{
	int i, n = 0;

	for (i = 0; i < d->nrings; i++) {
		int r = consume_ring(d, &d->rings[i]);

		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

int rh_drain_epoll_fd(struct rh_drain *d)
{
	return d->epfd;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * When to drain next.  A producer that finds its ring over a quarter full
 * forces a wakeup on every commit (th_wake_flags) until we have drained
 * below that: an irq_work and a cross-CPU wakeup per event, and a reader
 * that then loops on small batches.  Measured on 2 vCPUs at ~500 k
 * records/s (4 MB ring, 100 ms tick): +30 ns per event inside the probe,
 * 217 ns of tap CPU per record instead of 46, a write() per 28 records
 * (docs/performance.md).  So come back before the ring gets there: when
 * the smallest ring should hold 1/16 of its size at the rate seen since
 * the last call, between min_ms and idle_ms (idle: idle_ms).
 */
int rh_drain_next_tick_ms(struct rh_drain *d, int min_ms, int idle_ms)
{
	uint64_t now = mono_ns(), bytes = d->bytes - d->paced_bytes, dt = now - d->paced_ns;
	double ms;

	d->paced_bytes = d->bytes;
	d->paced_ns = now;
	if (!bytes || !dt || !d->ring_bytes)
		return idle_ms;
	/* time for ring/16 bytes at bytes/dt; in double: both can be large */
	ms = (double)(d->ring_bytes / 16) * (double)dt / (double)bytes / 1e6;
	if (ms < min_ms)
		return min_ms;
	return ms < idle_ms ? (int)ms : idle_ms;
}
