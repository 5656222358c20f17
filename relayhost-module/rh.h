/* SPDX-License-Identifier: MIT */
/*
 * relayhost-module: the buffers records travel through.
 *
 * Sections, one per file:
 *   drain.c   consuming the kernel rings of a buffer (one BPF ring per
 *             class), handing each record to a callback in ring order
 */
#ifndef RH_H
#define RH_H

#include <stddef.h>
#include <stdint.h>

/* ---- drain.c ------------------------------------------------------------ */

struct rh_drain;

/* Called for each record, in the order the ring committed them. */
typedef int (*rh_record_fn)(void *arg, int cls, const void *rec, size_t len);

int rh_drain_new(struct rh_drain **ret);
void rh_drain_free(struct rh_drain *d);
/* Consume ring map_fd (a BPF_MAP_TYPE_RINGBUF) as class cls. */
int rh_drain_add_ring(struct rh_drain *d, int map_fd, int cls, rh_record_fn fn, void *arg);
/* Wait up to timeout_ms for data, then consume all there is: records or -errno. */
int rh_drain_poll(struct rh_drain *d, int timeout_ms);
/* Consume all there is without waiting. */
int rh_drain_consume(struct rh_drain *d);
/* An fd that becomes readable when a ring has data, for a caller's epoll. */
int rh_drain_epoll_fd(struct rh_drain *d);

#endif /* RH_H */
