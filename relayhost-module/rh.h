/* SPDX-License-Identifier: MIT */
/*
 * relayhost-module: the buffers records travel through.
 *
 * Sections, one per file:
 *   drain.c        consuming the kernel rings of a buffer (one BPF ring per
 *                  class), handing each record to a callback in ring order
 *   class_store.c  a class's drained records: a file-backed ring with an
 *                  overwrite or discard policy, readable after a crash
 *   trace.c        binary trace files: their header, special records, reader
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
/* Ring bytes consumed so far (record headers and padding included). */
uint64_t rh_drain_bytes(const struct rh_drain *d);
/* Data size of the smallest ring added, in bytes. */
uint64_t rh_drain_ring_bytes(const struct rh_drain *d);

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

/* ---- trace.c ------------------------------------------------------------------ */

#define RH_TRACE_MAGIC "TAPTRACE"
#define RH_TRACE_MAJOR 1
#define RH_TRACE_MINOR 0

struct rh_trace_hdr {
	char magic[8];           /* "TAPTRACE" */
	uint16_t major, minor;   /* a reader refuses a newer major */
	uint32_t hdr_size;       /* records start here */
	uint64_t created_ns;     /* CLOCK_REALTIME when the file was started */
	int64_t mono_to_real_ns; /* add to a record's ts for realtime */
	uint32_t rec_align;      /* 8 */
	uint32_t flags;
	uint8_t reserved[24];
};

struct rh_trace;

void rh_trace_header(struct rh_trace_hdr *h);
/* Build a META/INFO/CLASS record into buf; returns its size, 0 if too big. */
size_t rh_trace_blob(void *buf, size_t cap, uint16_t fmt, uint32_t guest, uint32_t aux,
		     const void *data, size_t len);
/* Output already formatted (user probes, histograms) as a TEXT record. */
#define RH_TRACE_TEXT_MAX 60000
size_t rh_trace_text(void *buf, size_t cap, uint32_t guest, int cls, const char *text,
		     size_t len);
/* A lost-record marker: count records of class cls were lost before ts. */
size_t rh_trace_lost(void *buf, size_t cap, int cls, uint64_t count, uint64_t ts);
int rh_trace_open(const char *path, struct rh_trace **ret, char *err, size_t errlen);
void rh_trace_close(struct rh_trace *t);
const struct rh_trace_hdr *rh_trace_hdr(const struct rh_trace *t);
int64_t rh_trace_each(struct rh_trace *t, rh_store_fn fn, void *arg, uint64_t *ret_bad);
const void *rh_trace_blob_data(const void *rec, size_t len, size_t *ret_len, uint32_t *ret_aux);

#endif /* RH_H */
