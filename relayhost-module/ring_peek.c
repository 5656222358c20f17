// SPDX-License-Identifier: MIT
/*
 * Records a dead hub left in its kernel rings.  The hub pins every class
 * ring in bpffs, so the ring outlives a kill -9 (the probes go with the
 * process's links, the ring stays with its pin).  What the drain had not
 * consumed sits between the ring's consumer and producer positions; this
 * walks that span read-only (ring.c), without moving the consumer
 * position, so recovery can be run any number of times.
 *
 * The drain moves the consumer position only after the class store has
 * the record, so a hub killed in between leaves that record in both: the
 * caller passes the position up to which the store holds the ring's
 * records (rh_store_ring_pos), and the records before it are skipped.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

/*
 * Where to start: from when it is a record boundary between the consumer
 * and producer positions (the records before it counted as skipped), else
 * the consumer position (from is older than it, or does not belong to
 * this ring: then nothing may be skipped).
 */
static uint64_t start_at(const struct rh_ring *r, uint64_t cons, uint64_t prod, uint64_t from,
			 struct rh_ring_peek *ret)
{
	uint64_t pos = cons, skipped = 0;

	if (from <= cons)
		return cons;
	while (pos < from && pos < prod) {
		const void *rec;
		uint32_t len;
		unsigned state;
		uint64_t total = rh_ring_record(r, pos, &rec, &len, &state);

		if (!total)
			break;
		if (!state)
			skipped++;
		pos += total;
	}
	if (pos != from) {
		ret->mismatch = true;
		return cons;
	}
	ret->skipped = skipped;
	return pos;
}

int rh_ring_peek(const char *pin, uint64_t from, rh_store_fn fn, void *arg,
		 struct rh_ring_peek *ret)
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
	for (pos = start_at(&r, cons, prod, from, ret); pos < prod;) {
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
		} else if (!(state & RH_RING_DISCARDED) && n >= sizeof(*rec) && rec->size <= n &&
			   rec->size >= sizeof(*rec) && !(rec->size % TH_REC_ALIGN)) {
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
