// SPDX-License-Identifier: MIT
/*
 * The drain: consumes the kernel rings of a buffer.  Each class of a
 * buffer is one BPF ring buffer (MPSC: every CPU reserves in it, so a
 * ring's records are in commit order across CPUs); libbpf maps it and
 * walks the records in place, so a record is handed to the callback
 * without being copied.  The producers wake the drain only while a ring
 * is over a quarter full (th_wake_flags), so the caller also polls on a
 * timer, and rh_drain_next_tick_ms() paces that timer to the rate so the
 * rings stay below the mark.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "relayhost-module/rh.h"

#define RH_MAX_RINGS 16

/* Each record in a BPF ring is preceded by this header (BPF_RINGBUF_HDR_SZ). */
#define RH_RINGBUF_HDR 8u

struct rh_drain;

struct ring_cb {
	rh_record_fn fn;
	void *arg;
	int cls;
	struct rh_drain *d;
};

struct rh_drain {
	struct ring_buffer *rb;
	struct ring_cb cbs[RH_MAX_RINGS];
	int nrings;
	uint64_t bytes;	     /* ring bytes consumed so far, headers included */
	uint64_t ring_bytes; /* size of the smallest ring */
	uint64_t paced_bytes; /* bytes and CLOCK_MONOTONIC ns at the last pacing */
	uint64_t paced_ns;
};

int rh_drain_new(struct rh_drain **ret)
{
	struct rh_drain *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	*ret = d;
	return 0;
}

void rh_drain_free(struct rh_drain *d)
{
	if (!d)
		return;
	ring_buffer__free(d->rb);
	free(d);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ring_cb *cb = ctx;

	/* as the ring accounts it: header, then the sample rounded up to 8 */
	cb->d->bytes += RH_RINGBUF_HDR + ((size + 7) & ~(size_t)7);
	return cb->fn(cb->arg, cb->cls, data, size);
}

int rh_drain_add_ring(struct rh_drain *d, int map_fd, int cls, rh_record_fn fn, void *arg)
{
	struct bpf_map_info info;
	__u32 info_len = sizeof(info);
	struct ring_cb *cb;
	int err;

	if (d->nrings == RH_MAX_RINGS)
		return -E2BIG;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	cb = &d->cbs[d->nrings];
	cb->fn = fn;
	cb->arg = arg;
	cb->cls = cls;
	cb->d = d;
	if (!d->rb) {
		d->rb = ring_buffer__new(map_fd, on_sample, cb, NULL);
		if (!d->rb)
			return -errno;
	} else {
		err = ring_buffer__add(d->rb, map_fd, on_sample, cb);
		if (err)
			return err;
	}
	d->nrings++;
	/* a ring map's max_entries is its data size in bytes */
	if (!d->ring_bytes || info.max_entries < d->ring_bytes)
		d->ring_bytes = info.max_entries;
	return 0;
}

int rh_drain_poll(struct rh_drain *d, int timeout_ms)
{
	int n;

	if (!d->rb)
		return 0;
	n = ring_buffer__poll(d->rb, timeout_ms);
	if (n == -EINTR)
		return 0;
	if (n < 0)
		return n;
	return n + rh_drain_consume(d);
}

int rh_drain_consume(struct rh_drain *d)
{
	int n;

	if (!d->rb)
		return 0;
	n = ring_buffer__consume(d->rb);
	return n == -EINTR ? 0 : n;
}

int rh_drain_epoll_fd(struct rh_drain *d)
{
	return d->rb ? ring_buffer__epoll_fd(d->rb) : -1;
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
