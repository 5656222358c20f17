/* SPDX-License-Identifier: MIT */
/*
 * relayhost-module: the buffers records travel through.
 *
 * Sections, one per file:
 *   drain.c        consuming the kernel rings of a buffer (one BPF ring per
 *                  class), handing each record to a callback in ring order
 *   class_store.c  a class's drained records: a file-backed ring with an
 *                  overwrite or discard policy, readable after a crash
 */
#ifndef RH_H
#define RH_H

#include <stdbool.h>
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

/* ---- class_store.c ---------------------------------------------------------- */

#define RH_STORE_MAX_BYTES (64ull << 30)

enum rh_policy {
	RH_OVERWRITE = 1, /* flight recorder: the newest records are kept */
	RH_DISCARD = 2,   /* the oldest are kept; new records are dropped and counted */
};

struct rh_store;

struct rh_store_opts {
	uint64_t data_size; /* bytes for records (rounded up to 8) */
	int policy;         /* enum rh_policy */
	const char *host;   /* names recorded in the header, for recovery */
	const char *cls;
};

struct rh_store_stats {
	uint64_t data_size;
	int policy;
	uint64_t head, tail; /* bytes held: head - tail */
	uint64_t written, overwritten, dropped, kernel_lost, next_seq;
	uint64_t created_ns, mono_ref_ns;
	char host[64], cls[64];
};

/* A reader's place in a store. */
struct rh_cursor {
	uint64_t pos;
	uint64_t last_seq; /* of the last record handed out; 0 before the first */
	uint64_t lost;     /* records overwritten before this reader got them */
};

typedef int (*rh_store_fn)(void *arg, const void *rec, size_t len);

/* Create a new store file; refuses to replace an existing one (-EEXIST). */
int rh_store_create(const char *path, const struct rh_store_opts *o, struct rh_store **ret);
/* Open an existing store (after a restart, for recovery); validates its header. */
int rh_store_open(const char *path, bool rw, struct rh_store **ret);
void rh_store_close(struct rh_store *s);
/* Append one record (assigns its seq): 0, or -ENOSPC when discard drops it. */
int rh_store_append(struct rh_store *s, const void *rec, size_t len);
void rh_store_add_kernel_lost(struct rh_store *s, uint64_t n);
void rh_store_stats(const struct rh_store *s, struct rh_store_stats *st);
int rh_store_read(struct rh_store *s, struct rh_cursor *c, void *buf, size_t buflen,
		  rh_store_fn fn, void *arg);
uint64_t rh_store_tail(const struct rh_store *s);
uint64_t rh_store_head(const struct rh_store *s);

#endif /* RH_H */
