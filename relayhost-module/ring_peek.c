// SPDX-License-Identifier: MIT
/*
 * Records a dead hub left in its kernel rings.  The hub pins every class
 * ring in bpffs, so the ring outlives a kill -9 (the probes go with the
 * process's links, the ring stays with its pin).  What the drain had not
 * consumed sits between the ring's consumer and producer positions; this
 * walks that span read-only (ring.c), without moving the consumer
 * position, so recovery can be run any number of times.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

int rh_ring_peek(const char *pin, rh_store_fn fn, void *arg, struct rh_ring_peek *ret)
{
	struct rh_ring r;
	uint64_t cons, prod, pos;
	int fd, err;

	memset(ret, 0, sizeof(*ret));
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -errno;
	err = rh_ring_map(&r, fd, false);
	if (err)
		goto out;
	cons = atomic_load_explicit(r.consumer, memory_order_acquire);
	prod = atomic_load_explicit(r.producer, memory_order_acquire);
	for (pos = cons; pos < prod;) {
		const struct th_rec *rec;
		uint32_t n;
		unsigned state;
		uint64_t total = rh_ring_record(&r, pos, (const void **)&rec, &n, &state);

		if (!total) {
			err = -EBADMSG;
			break;
		}
		if (state & RH_RING_BUSY) {
			ret->busy++;
		} else if (!(state & RH_RING_DISCARDED) && n >= sizeof(*rec) &&
			   rec->size <= n && rec->size >= sizeof(*rec) &&
			   !(rec->size % TH_REC_ALIGN)) {
			/* only what looks like a record: the ring is not ours to trust */
			ret->records++;
			ret->bytes += rec->size;
			if (fn && fn(arg, rec, rec->size))
				break;
		}
		pos += total;
	}
	rh_ring_unmap(&r);
out:
	close(fd);
	return err;
}
