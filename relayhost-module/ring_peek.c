// SPDX-License-Identifier: MIT
/*
 * Records a dead hub left in its kernel rings.  The hub pins every class
 * ring in bpffs, so the ring outlives a kill -9 (the probes go with the
 * process's links, the ring stays with its pin).  What the drain had not
 * consumed sits between the ring's consumer and producer positions; this
 * walks that span read-only, without moving the consumer position, so
 * recovery can be run any number of times.
 *
 * The ring's memory, as the kernel maps it to user space: page 0 holds the
 * consumer position (the only page user space may write), page 1 the
 * producer position, then the data area mapped twice in a row, so a record
 * that wraps around the end reads as contiguous.  Every record has an
 * 8-byte header: u32 length with a busy bit (reserved, not yet committed)
 * and a discard bit, and u32 page offset; the record is the header plus
 * length rounded up to 8.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

#define RING_HDR 8u
#define RING_BUSY (1u << 31)
#define RING_DISCARD (1u << 30)

int rh_ring_peek(const char *pin, rh_store_fn fn, void *arg, struct rh_ring_peek *ret)
{
	struct bpf_map_info info;
	__u32 info_len = sizeof(info);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	const uint8_t *cons_page, *area, *data;
	uint64_t cons, prod, pos;
	int fd, err = 0;

	memset(ret, 0, sizeof(*ret));
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		goto out;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		err = -EINVAL;
		goto out;
	}
	size = info.max_entries;
	cons_page = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons_page == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	area = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (area == MAP_FAILED) {
		err = -errno;
		munmap((void *)cons_page, page);
		goto out;
	}
	data = area + page;
	cons = atomic_load_explicit((_Atomic uint64_t *)cons_page, memory_order_acquire);
	prod = atomic_load_explicit((_Atomic uint64_t *)area, memory_order_acquire);
	for (pos = cons; pos < prod;) {
		uint32_t len, total;
		const uint8_t *hdr = data + (pos & (size - 1));

		len = atomic_load_explicit((_Atomic uint32_t *)hdr, memory_order_acquire);
		total = ((len & ~(RING_BUSY | RING_DISCARD)) + RING_HDR + 7) & ~7u;
		if (total > size || total < RING_HDR) {
			err = -EBADMSG;
			break;
		}
		if (len & RING_BUSY) {
			ret->busy++;
		} else if (!(len & RING_DISCARD)) {
			const struct th_rec *r = (const struct th_rec *)(hdr + RING_HDR);
			uint32_t n = len & ~(RING_BUSY | RING_DISCARD);

			/* only what looks like a record: the ring is not ours to trust */
			if (n >= sizeof(*r) && r->size <= n && r->size >= sizeof(*r) &&
			    !(r->size % TH_REC_ALIGN)) {
				ret->records++;
				ret->bytes += r->size;
				if (fn && fn(arg, r, r->size))
					break;
			}
		}
		pos += total;
	}
	munmap((void *)area, page + 2 * size);
	munmap((void *)cons_page, page);
out:
	close(fd);
	return err;
}
