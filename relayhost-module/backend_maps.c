// SPDX-License-Identifier: MIT
/*
 * The eBPF maps backend of a relay host: each class's kernel buffer is a
 * BPF ring buffer (BPF_MAP_TYPE_RINGBUF) the host creates.  A guest's
 * loader replaces the guest object's ring maps with these
 * (bpf_map__reuse_fd), so its probes reserve and commit straight into the
 * host's rings; the drain (drain.c) walks them in place; a ring pinned in
 * bpffs outlives the process, and ring_peek.c reads what a dead drain
 * left in it.
 *
 * What another backend (the kernel module of the next issue) provides in
 * its place is the table at the end: rh.h "backend_maps.c".
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "relayhost-module/rh.h"

struct maps_backend {
	struct rh_backend base;
	int ring_fd[TH_MAX_CLASSES];
	struct rh_drain *drain;
};

static struct maps_backend *maps(struct rh_backend *b)
{
	return (struct maps_backend *)((char *)b - offsetof(struct maps_backend, base));
}

static int maps_create(struct rh_backend **ret)
{
	struct maps_backend *m = calloc(1, sizeof(*m));
	int i, r;

	if (!m)
		return -ENOMEM;
	m->base.ops = &rh_backend_maps;
	for (i = 0; i < TH_MAX_CLASSES; i++)
		m->ring_fd[i] = -1;
	r = rh_drain_new(&m->drain);
	if (r) {
		free(m);
		return r;
	}
	*ret = &m->base;
	return 0;
}

/* A BPF ring's size: a power of 2 and a multiple of the page (4 KB here and up). */
static uint64_t ring_bytes(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v)
		p <<= 1;
	return p;
}

static int maps_create_class_ring(struct rh_backend *b, int cls, uint64_t bytes, rh_record_fn fn,
				  void *arg)
{
	struct maps_backend *m = maps(b);
	uint64_t size = ring_bytes(bytes);
	int r;

	if (cls < 0 || cls >= TH_MAX_CLASSES || m->ring_fd[cls] >= 0)
		return -EINVAL;
	if (size > (1ull << 31))
		return -E2BIG; /* max_entries is a u32 */
	m->ring_fd[cls] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "th_host_ring", 0, 0, (uint32_t)size,
					 NULL);
	if (m->ring_fd[cls] < 0) {
		r = -errno;
		m->ring_fd[cls] = -1;
		return r;
	}
	return rh_drain_add_ring(m->drain, m->ring_fd[cls], cls, fn, arg);
}

static int maps_ring_fd_for_guest(struct rh_backend *b, int cls)
{
	return cls >= 0 && cls < TH_MAX_CLASSES ? maps(b)->ring_fd[cls] : -1;
}

static int maps_consume(struct rh_backend *b)
{
	return rh_drain_consume(maps(b)->drain);
}

static int maps_wait_fd(struct rh_backend *b)
{
	return rh_drain_epoll_fd(maps(b)->drain);
}

static int maps_next_tick_ms(struct rh_backend *b, int min_ms, int idle_ms)
{
	return rh_drain_next_tick_ms(maps(b)->drain, min_ms, idle_ms);
}

static int maps_pin_ring(struct rh_backend *b, int cls, const char *path)
{
	int fd = maps_ring_fd_for_guest(b, cls);

	if (fd < 0)
		return -EINVAL;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static int maps_unpin_ring(const char *path)
{
	return unlink(path) ? -errno : 0;
}

static void maps_destroy(struct rh_backend *b)
{
	struct maps_backend *m;
	int i;

	if (!b)
		return;
	m = maps(b);
	/* unmapped before the maps close */
	rh_drain_free(m->drain);
	for (i = 0; i < TH_MAX_CLASSES; i++)
		if (m->ring_fd[i] >= 0)
			close(m->ring_fd[i]);
	free(m);
}

const struct rh_backend_ops rh_backend_maps = {
	.name = "maps",
	.create = maps_create,
	.create_class_ring = maps_create_class_ring,
	.ring_fd_for_guest = maps_ring_fd_for_guest,
	.consume = maps_consume,
	.wait_fd = maps_wait_fd,
	.next_tick_ms = maps_next_tick_ms,
	.pin_ring = maps_pin_ring,
	.unpin_ring = maps_unpin_ring,
	.recover_ring = rh_ring_peek,
	.destroy = maps_destroy,
};
