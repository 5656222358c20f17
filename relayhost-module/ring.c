// SPDX-License-Identifier: MIT
/*
 * A BPF ring buffer (BPF_MAP_TYPE_RINGBUF) as user space maps it, for the
 * two that walk one: the drain (drain.c), which consumes, and the reading
 * of a dead hub's ring (ring_peek.c), which does not.
 *
 * The kernel's layout: page 0 holds the consumer position, the only page
 * user space may write (and only to consume); page 1 the producer
 * position; then the data area, mapped twice in a row so that a record
 * that wraps around the end reads as contiguous.  Positions are bytes
 * since the ring was made, so a record's place is the same for everyone
 * who walks the ring: the drain tells the class store the position past
 * each record it hands over, and recovery compares it with the positions
 * of what the ring still holds.  Each record has an 8-byte header, a u32
 * length with a busy bit (reserved, not committed yet) and a discard bit
 * (committed as nothing), and a u32 the kernel uses; it takes the header
 * plus its length rounded up to 8.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "relayhost-module/rh.h"

#define RING_BUSY (1u << 31)
#define RING_DISCARD (1u << 30)

int rh_ring_map(struct rh_ring *r, int fd, bool consume)
{
	struct bpf_map_info info;
	__u32 info_len = sizeof(info);
	void *cons, *area;

	memset(r, 0, sizeof(*r));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	/* a ring map's max_entries is its data size, a power of 2 */
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	cons = mmap(NULL, r->page, PROT_READ | (consume ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	area = mmap(NULL, r->page + 2 * r->size, PROT_READ, MAP_SHARED, fd, (off_t)r->page);
	if (area == MAP_FAILED) {
		int err = -errno;

		munmap(cons, r->page);
		return err;
	}
	r->consumer = cons;
	r->producer = area;
	r->data = (const uint8_t *)area + r->page;
	return 0;
}

void rh_ring_unmap(struct rh_ring *r)
{
	if (!r->consumer)
		return;
	munmap((void *)r->producer, r->page + 2 * r->size);
	munmap(r->consumer, r->page);
	r->consumer = NULL;
}

uint64_t rh_ring_record(const struct rh_ring *r, uint64_t pos, const void **ret_data,
			uint32_t *ret_len, unsigned *ret_state)
{
	const uint8_t *hdr = r->data + (pos & (r->size - 1));
	/* acquire: pairs with the kernel's commit, which clears busy after the bytes */
	uint32_t len = atomic_load_explicit((const _Atomic uint32_t *)hdr, memory_order_acquire);
	uint64_t n = len & ~(RING_BUSY | RING_DISCARD);
	uint64_t total = (RH_RING_HDR + n + 7) & ~7ull;

	*ret_data = hdr + RH_RING_HDR;
	*ret_len = (uint32_t)n;
	*ret_state = len & RING_BUSY ? RH_RING_BUSY : len & RING_DISCARD ? RH_RING_DISCARDED : 0;
	return total > r->size ? 0 : total;
}
