/* SPDX-License-Identifier: MIT */
/*
 * relayhost-module: the buffers records travel through.
 *
 * Sections, one per file:
 *   ring.c         a BPF ring buffer's memory, as the next two walk it
 *                  (internal to this module)
 *   drain.c        consuming the kernel rings of a buffer (one BPF ring per
 *                  class), handing each record to a callback in ring order
 *   class_store.c  a class's drained records: a file-backed ring with an
 *                  overwrite or discard policy, readable after a crash
 *   trace.c        binary trace files: their header, special records, reader
 *   meta_store.c   a host's guest format tables, in a crash-proof file
 *   ring_peek.c    records left in a pinned kernel ring after a crash
 *   backend_maps.c a relay host's kernel buffers as BPF ring maps: one
 *                  implementation of struct rh_backend_ops
 *   mark_ring.c    a no-trap marker's shared-memory ring (taphub/marker.h):
 *                  made for one process, consumed like a kernel ring
 *   mark_peek.c    a marker ring nobody consumes (a dead session's), read
 *                  as the untrusted file it is
 *   mark_pin.c     a hub host's marker rings kept for recovery: their
 *                  second names and descriptions
 *   host.c         a relay host: its classes' kernel buffers (through a
 *                  backend) and stores, its drain, its guests' registry
 *
 * The path of one record: an eBPF probe reserves and commits it in its
 * class's ring (backend_maps.c made the ring), the drain (host.c's thread,
 * drain.c walking ring.c's mapping) appends it to the class store
 * (class_store.c), readers and writers of the hub read it from there.
 */
#ifndef RH_H
#define RH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taphub/record.h"

/* ---- ring.c (internal: drain.c, ring_peek.c) ----------------------------- */

/* Each record in a BPF ring is preceded by this header (BPF_RINGBUF_HDR_SZ). */
#define RH_RING_HDR 8u

/* A BPF ring buffer mapped; positions are bytes since the ring was made. */
struct rh_ring {
	size_t page;
	uint64_t size;                    /* data bytes, a power of 2 */
	_Atomic uint64_t *consumer;       /* writable when mapped to consume */
	const _Atomic uint64_t *producer;
	const uint8_t *data;              /* mapped twice in a row: no record wraps */
};

enum { RH_RING_BUSY = 1, RH_RING_DISCARDED = 2 };

/* Map ring map fd (consume: the consumer position writable). */
int rh_ring_map(struct rh_ring *r, int fd, bool consume);
void rh_ring_unmap(struct rh_ring *r);
/*
 * The record at pos (below the producer position): its bytes and length,
 * whether it is busy or discarded (RH_RING_*), and the ring bytes it
 * takes, header and padding included (the next record is there); 0 when
 * its header is not sane.
 */
uint64_t rh_ring_record(const struct rh_ring *r, uint64_t pos, const void **ret_data,
			uint32_t *ret_len, unsigned *ret_state);

/* ---- drain.c ------------------------------------------------------------ */

struct rh_drain;

/*
 * Called for each record, in the order the ring committed them.  ring_end
 * is the ring position just past the record: once the callback returns,
 * the drain moves the ring's consumer position there.  A negative return
 * stops the drain there (the record is consumed) and is returned.
 */
typedef int (*rh_record_fn)(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end);

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
/*
 * How long the caller may wait before it consumes again, from the rate
 * seen since the last call: rings kept below their wake mark, at least
 * min_ms, idle_ms when nothing came.
 */
int rh_drain_next_tick_ms(struct rh_drain *d, int min_ms, int idle_ms);

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
	char ring_pin[256]; /* the kernel ring's bpffs pin ("" none) */
	bool clean;         /* closed by the hub, not left by a crash */
};

/* A reader's place in a store. */
struct rh_cursor {
	uint64_t pos;
	uint64_t last_seq; /* of the last record handed out (rh_cursor_init: the one before) */
	uint64_t lost;     /* records overwritten before this reader got them */
};

typedef int (*rh_store_fn)(void *arg, const void *rec, size_t len);

/* Create a new store file; refuses to replace an existing one (-EEXIST). */
int rh_store_create(const char *path, const struct rh_store_opts *o, struct rh_store **ret);
/* Open an existing store (after a restart, for recovery); validates its header. */
int rh_store_open(const char *path, bool rw, struct rh_store **ret);
void rh_store_close(struct rh_store *s);
/* A read-only store over memory someone else owns (a core dump's segment). */
int rh_store_view(const void *mem, size_t len, struct rh_store **ret);
/* Whether mem starts with a store header (magic only: rh_store_view checks). */
bool rh_store_is(const void *mem, size_t len);
/* Header and data: the bytes a view needs. */
size_t rh_store_file_size(const struct rh_store *s);
void rh_store_set_ring_pin(struct rh_store *s, const char *path);
/* The kernel ring's drops for this class so far (from the guests' counters). */
void rh_store_set_kernel_lost(struct rh_store *s, uint64_t n);
/* The hub closed the store itself: what it holds is complete. */
void rh_store_set_clean(struct rh_store *s);
/* Append one record (assigns its seq): 0, or -ENOSPC when discard drops it. */
int rh_store_append(struct rh_store *s, const void *rec, size_t len);
/*
 * Append a record the drain took from the class's kernel ring, ending at
 * ring position ring_end: the store keeps that position with the record,
 * exactly, whenever the writer dies (rh_store_ring_pos).
 */
int rh_store_append_ring(struct rh_store *s, const void *rec, size_t len, uint64_t ring_end);
/*
 * After the writer died: the ring position up to which every record of the
 * class's kernel ring is in the store, or was counted as dropped by it.
 * -ENODATA: a store from before ring positions were kept.
 */
int rh_store_ring_pos(const struct rh_store *s, uint64_t *ret_pos);
void rh_store_add_kernel_lost(struct rh_store *s, uint64_t n);
void rh_store_stats(const struct rh_store *s, struct rh_store_stats *st);
int rh_store_read(struct rh_store *s, struct rh_cursor *c, void *buf, size_t buflen,
		  rh_store_fn fn, void *arg);
uint64_t rh_store_tail(const struct rh_store *s);
void rh_cursor_init(const struct rh_store *s, struct rh_cursor *c);
struct th_rec;
const struct th_rec *rh_store_next(const struct rh_store *s, uint64_t *pos, bool *bad);
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

/* ---- meta_store.c ---------------------------------------------------------------- */

#define RH_METAS_MAGIC 0x31534154454d4854ull /* "THMETAS1" little endian */
#define RH_METAS_MAX_BYTES (1ull << 30)

struct rh_metas;

typedef int (*rh_metas_fn)(void *arg, uint32_t guest, const char *text, size_t len);

int rh_metas_create(const char *path, uint64_t capacity, const char *host, struct rh_metas **ret);
int rh_metas_open(const char *path, struct rh_metas **ret);
/* Read-only over memory someone else owns (a core dump's segment). */
int rh_metas_view(const void *mem, size_t len, struct rh_metas **ret);
void rh_metas_close(struct rh_metas *m);
int rh_metas_add(struct rh_metas *m, uint32_t guest, const char *text, size_t len);
/* Visit every table: count, or fn's non-zero, or -EBADMSG at damage. */
int rh_metas_each(const struct rh_metas *m, rh_metas_fn fn, void *arg);
const char *rh_metas_host(const struct rh_metas *m);
size_t rh_metas_size(const struct rh_metas *m);

/* ---- ring_peek.c ------------------------------------------------------------------ */

struct rh_ring_peek {
	uint64_t records;   /* committed records not yet consumed, from the start position */
	uint64_t skipped;   /* ... before it: the store has them */
	uint64_t busy;      /* reserved and never committed (a probe cut off) */
	uint64_t bytes;
	bool mismatch;      /* the start position is no record boundary of this
			       ring: nothing was skipped */
};

/*
 * Visit the records a pinned BPF ring buffer still holds (between the
 * consumer and producer positions) without consuming them: a dead hub's
 * undrained records.  Those ending at or before ring position from are
 * skipped (counted): the class store holds them (rh_store_ring_pos).
 * -ENOENT when the pin is gone.
 */
int rh_ring_peek(const char *pin, uint64_t from, rh_store_fn fn, void *arg,
		 struct rh_ring_peek *ret);

/* ---- backend_maps.c: a host's kernel buffers ------------------------------------- */

/*
 * A backend makes and drains the kernel buffers of one host: one per class.
 * Records are laid out as in a BPF ring (ring.c): a backend hands each to
 * the host's callback with its ring position (rh_record_fn), in the order
 * the buffer committed them.
 */
struct rh_backend {
	const struct rh_backend_ops *ops;
};

struct rh_ring_peek;

struct rh_backend_ops {
	const char *name;
	/* A host's buffers, none made yet. */
	int (*create)(struct rh_backend **ret);
	/*
	 * Class cls's buffer, of at least bytes (the backend rounds up to what
	 * it can make); consume hands its records to fn(arg, cls, ...).
	 */
	int (*create_class_ring)(struct rh_backend *b, int cls, uint64_t bytes, rh_record_fn fn,
				 void *arg);
	/*
	 * What a guest's loader needs to route its records into class cls:
	 * maps: the BPF ring map fd its ring map is replaced with.
	 */
	int (*ring_fd_for_guest)(struct rh_backend *b, int cls);
	/* Consume all there is without waiting: records, or -errno. */
	int (*consume)(struct rh_backend *b);
	/* An fd that polls readable when a buffer asks to be drained (edge-triggered use). */
	int (*wait_fd)(struct rh_backend *b);
	/* How long the drain may sleep, from the rate (rh_drain_next_tick_ms). */
	int (*next_tick_ms)(struct rh_backend *b, int min_ms, int idle_ms);
	/* Keep class cls's buffer past the process, at path: what a crash leaves. */
	int (*pin_ring)(struct rh_backend *b, int cls, const char *path);
	int (*unpin_ring)(const char *path);
	/* Visit what a dead drain left in a pinned buffer (as rh_ring_peek). */
	int (*recover_ring)(const char *pin, uint64_t from, rh_store_fn fn, void *arg,
			    struct rh_ring_peek *ret);
	/* Closes the buffers (their pins stay); NULL is fine. */
	void (*destroy)(struct rh_backend *b);
};

extern const struct rh_backend_ops rh_backend_maps;

/* ---- mark_ring.c: a no-trap marker ring ---------------------------------------- */

#include <sys/types.h>

/* A lane's record bytes at most (the marker's header checks 4 GB; we stay well below). */
#define RH_MARK_LANE_MAX (256ull << 20)
/* Markers one ring's table enables at most (TH_MARK_MAX_MARKS, checked in mark_ring.c). */
#define RH_MARK_MAX_MARKS 64

struct rh_mark_ring;

/* A ring's shape: the header's bytes, its lanes and their record bytes. */
struct rh_mark_geom {
	uint32_t hdr_size;
	uint32_t nlanes;
	uint64_t lane_size;
};

/* ---- mark_clock.c: a marker record's time-stamp counter, as CLOCK_MONOTONIC ns ---- */

struct rh_clock_point {
	uint64_t tsc, ns;
};

struct rh_clock {
	struct rh_clock_point a, b; /* a before b */
};

/* The kernel keeps CLOCK_MONOTONIC on the time-stamp counter (clocksource tsc). */
bool rh_clock_tsc_usable(void);
/* Two first points, span_ns apart (it spins that long): the rate's error is ~40 ns / span. */
void rh_clock_init(struct rh_clock *c, uint64_t span_ns);
/* A new point when the last is old enough: call before converting a batch. */
void rh_clock_update(struct rh_clock *c);
/* A counter value as CLOCK_MONOTONIC nanoseconds. */
uint64_t rh_clock_ns(const struct rh_clock *c, uint64_t tsc);

struct rh_mark_ring_opts {
	pid_t pid;          /* the process: the ring's path is made from it */
	uid_t uid;          /* its owner, who must be able to map it */
	gid_t gid;
	uint32_t nlanes;    /* one per CPU is best: a writer takes its CPU's */
	uint64_t lane_size; /* record bytes per lane, rounded up to a power of 2 */
	uint32_t guest;     /* the guest id its records carry */
	uint32_t strmax;    /* bytes a string argument keeps at most */
	/*
	 * A second name for the file, in a directory only root writes (NULL:
	 * none): it keeps the ring, and what the session had not consumed,
	 * when the session dies (a hub's host: mark_pin.c, recovery).
	 */
	const char *pin;
};

/* What a ring nobody consumes holds (mark_peek.c). */
struct rh_mark_peek {
	uint32_t pid, guest;      /* as its header says (untrusted) */
	struct rh_mark_geom geom; /* likewise, checked */
	uint64_t records;         /* committed past the consumer's tail */
	uint64_t dropped;         /* its writers' counters: records a full lane dropped */
	uint32_t lanes_cut;       /* lanes not walked to their head: records is a lower bound */
	uint32_t uncommitted;     /* ... of those, at a record reserved and never committed */
};

/* What a session found at its ring's path, left by a session that died. */
enum rh_mark_stale_kind {
	RH_MARK_STALE_NONE,   /* nothing was there */
	RH_MARK_STALE_LOST,   /* a dead session's ring: what it held is counted lost */
	RH_MARK_STALE_KEPT,   /* ... pinned by a dead hub's host: recovery reads it */
	RH_MARK_STALE_UNREAD, /* not a ring to trust (why): removed without reading it */
};

struct rh_mark_stale {
	enum rh_mark_stale_kind kind;
	const char *why;         /* UNREAD: what is wrong with it */
	struct rh_mark_peek got; /* LOST, KEPT: what it held */
	char pin[256];           /* KEPT: where it is kept */
};

/* The well-known path of pid's ring (taphub/marker.h). */
int rh_mark_ring_path(pid_t pid, char *buf, size_t len);
/*
 * Make pid's ring.  A file a dead session left there is ended (the
 * process stops writing into it), counted (rh_mark_ring_stale; its
 * records are in rh_mark_ring_lost unless a pin keeps them) and removed.
 * -EEXIST when a live session holds the ring; -EISDIR when a directory is
 * in the way.
 */
int rh_mark_ring_create(const struct rh_mark_ring_opts *o, struct rh_mark_ring **ret);
/* What create found and removed (kind NONE: nothing). */
const struct rh_mark_stale *rh_mark_ring_stale(const struct rh_mark_ring *r);
/* Records of the dead session's ring counted lost (a part of rh_mark_ring_lost). */
uint64_t rh_mark_ring_stale_lost(const struct rh_mark_ring *r);
/* Whether opts.pin names the file (the link may fail: then no recovery). */
bool rh_mark_ring_pinned(const struct rh_mark_ring *r);
/* Enable marker provider:name: its records are of format fmt, in class cls. */
int rh_mark_ring_enable(struct rh_mark_ring *r, const char *provider, const char *name,
			uint16_t fmt, uint8_t cls);
/* What the ring was made with and enables (its table's classes: the guest's). */
struct rh_mark_desc;
void rh_mark_ring_describe(const struct rh_mark_ring *r, struct rh_mark_desc *ret);
/* Hand every committed record to fn, oldest first: records, or fn's -errno. */
int rh_mark_ring_consume(struct rh_mark_ring *r, rh_record_fn fn, void *arg);
/* The same, those of a time up to max_ts only (to merge with another stream). */
int rh_mark_ring_consume_until(struct rh_mark_ring *r, uint64_t max_ts, rh_record_fn fn,
			       void *arg);
/* Records lost so far: dropped by writers on a full lane, broken, a dead session's. */
uint64_t rh_mark_ring_lost(const struct rh_mark_ring *r);
/* Tell the process the session ended (it stops writing); consume once more after. */
void rh_mark_ring_end(struct rh_mark_ring *r);
/* End, remove the file (and its pin), unmap; NULL is fine. */
void rh_mark_ring_close(struct rh_mark_ring *r);

/* ---- mark_peek.c: a marker ring nobody consumes, read without trusting it ------- */

/* A record of a ring nobody consumes; lane_first: the oldest its lane holds. */
typedef int (*rh_mark_peek_fn)(void *arg, const struct th_rec *rec, size_t len, bool lane_first);
/*
 * What the ring open at fd holds: each committed record past the
 * consumer's tail to fn (a copy; lane after lane, each lane oldest first;
 * fn NULL: count only), its writers' drop counters.  expect (NULL: any)
 * is the shape its session made it with.  -EBADMSG: not a ring, or
 * truncated; -EPROTONOSUPPORT: another version (*ret_why says which).
 */
int rh_mark_peek_fd(int fd, const struct rh_mark_geom *expect, rh_mark_peek_fn fn, void *arg,
		    struct rh_mark_peek *ret, const char **ret_why);

/* ---- mark_pin.c: a host's marker rings, kept for recovery after a crash ---------- */

/*
 * What the host knows of one guest's ring, in the host's directory
 * (trusted: the ring's own header is the process's to scribble on): its
 * shape, and the host class of each format it enabled.
 */
struct rh_mark_desc {
	uint32_t pid, guest;
	struct rh_mark_geom geom;
	int drop_cls; /* the host class a lane's drops are counted in */
	int nmarks;
	uint16_t fmt[RH_MARK_MAX_MARKS];
	uint8_t cls[RH_MARK_MAX_MARKS]; /* host classes */
};

/* The directory of host_dir's ring pins (made, root's only, when create). */
int rh_mark_pin_dir(const char *host_dir, bool create, char *buf, size_t len);
/* The pin (its path into buf) of the file st is: a crashed hub's host keeps it; -ENOENT. */
struct stat;
int rh_mark_pin_find(const struct stat *st, char *buf, size_t len);
/* Guest's pin path in it. */
int rh_mark_pin_path(const char *host_dir, uint32_t guest, bool create, char *buf, size_t len);
/* Keep, forget the description of guest's pinned ring. */
int rh_mark_desc_write(const char *host_dir, const struct rh_mark_desc *d);
void rh_mark_desc_remove(const char *host_dir, uint32_t guest);
/* Each description host_dir holds, with its pin's path; fn's -errno stops. */
typedef int (*rh_mark_desc_fn)(void *arg, const struct rh_mark_desc *d, const char *pin);
int rh_mark_desc_each(const char *host_dir, rh_mark_desc_fn fn, void *arg);
/* Remove every pin and description of host_dir, and its pin directory. */
void rh_mark_pins_remove(const char *host_dir);

/* ---- host.c: a relay host ------------------------------------------------------ */

#define RH_PATH_MAX 1024

/* A class of a host: its name, its store's size and policy. */
struct rh_class_spec {
	char name[64];
	uint64_t size;      /* store bytes */
	int policy;         /* enum rh_policy */
	uint64_t ring_size; /* kernel buffer bytes; 0: from size (host.c) */
};

/*
 * A guest's entry in its host's registry: what readers need to format its
 * records.  It lives as long as the host (records of a guest that left
 * stay readable); the drain thread and the host's owner update the atomics.
 */
struct rh_guest {
	uint32_t id;
	struct grt_meta *meta;
	char *meta_text;   /* as the client sent it: binary traces carry it */
	size_t meta_len;
	int cls_map[TH_MAX_CLASSES]; /* guest class -> host class */
	atomic_bool gone;
	atomic_bool exit_req;        /* an exit() record was drained */
	atomic_uint_fast64_t errors; /* error records drained */
	/* ring-full drops per guest class, as its owner last read them
	 * (rh_host_set_kernel_drops); readers read */
	atomic_uint_fast64_t kdropped[TH_MAX_CLASSES];
};

struct grt_meta;
struct rh_host;

struct rh_host_opts {
	const char *name;     /* names its directory: no '/', not starting with '.' */
	/*
	 * The host's directory is made under STATE_DIR/hosts: its class
	 * stores and format tables.  NULL: a host without stores (tap's own
	 * buffer): every record drained goes to on_record(arg, ...) instead.
	 */
	const char *state_dir;
	rh_record_fn on_record;
	void *arg;
	const char *pin_root; /* bpffs directory for ring pins (NULL: no pins) */
	const struct rh_class_spec *classes;
	int nclasses;
	const struct rh_backend_ops *backend; /* NULL: rh_backend_maps */
	/* no drain thread: the caller drains (rh_host_drain, rh_host_wait_fd) */
	bool caller_drains;
	int notify_fd;        /* an eventfd written when a guest's exit()/error is drained, -1 */
};

/* What a guest's loader gets from rh_host_add_guest. */
struct rh_guest_load {
	uint32_t id;                 /* the guest's id: its records carry it */
	const struct grt_meta *meta;
	const int *ring_fds;         /* guest class i writes into ring_fds[i] */
};

struct rh_guest_opts {
	const char *meta_text; /* its format table (guest.meta) */
	size_t meta_len;
	const char *cls;       /* route the guest's default class here (NULL: the first) */
	/* load the guest's kernel part into the host's rings (NULL: nothing to load) */
	int (*load)(void *arg, const struct rh_guest_load *l, char *err, size_t errlen);
	/* undo a load that succeeded, when the guest cannot be registered after all */
	void (*unload)(void *arg);
	void *arg;
};

int rh_host_create(const struct rh_host_opts *o, struct rh_host **ret, char *err,
		   size_t errlen);
void rh_host_get(struct rh_host *h);
/* The last put closes the host; after rh_host_discard its files and pins go too. */
void rh_host_put(struct rh_host *h);
/* What the host recorded goes with it at its last put (nothing to keep). */
void rh_host_discard(struct rh_host *h);
/*
 * The host's records stay on disk after its session ended on purpose: a
 * marker says so, and the next hub does not show it as a session (tapctl
 * recover lists it).
 */
int rh_host_mark_ended(struct rh_host *h, const char *why);
#define RH_HOST_ENDED_FILE "ended"
/*
 * Lock a host directory (an fd to close to unlock): exclusive to record
 * into it or delete it, shared to read it; -EBUSY when the lock conflicts.
 */
int rh_host_dir_lock(const char *dir, bool shared);

/* A host a crashed hub left in dir: its stores, read-only, for readers. */
int rh_host_open_recovered(const char *dir, const char *name, struct rh_host **ret, char *err,
			   size_t errlen);
const char *rh_host_name(const struct rh_host *h);
const char *rh_host_dir(const struct rh_host *h);
int rh_host_nclasses(const struct rh_host *h);
const struct rh_class_spec *rh_host_class_spec(const struct rh_host *h, int cls);
struct rh_store *rh_host_store(const struct rh_host *h, int cls);
bool rh_host_is_recovered(const struct rh_host *h);
/* The host is closing: readers leave. */
bool rh_host_stopping(struct rh_host *h);
/* A reader attached (on) or left: while any is, the drain ticks faster. */
void rh_host_watch(struct rh_host *h, bool on);
int rh_host_class(const struct rh_host *h, const char *name);
/* Register a guest, after o->load put its kernel part into the host's rings. */
int rh_host_add_guest(struct rh_host *h, const struct rh_guest_opts *o, uint32_t *ret_id,
		      char *err, size_t errlen);
/* The guest's probes are gone (detached and unloaded by its loader). */
void rh_host_remove_guest(struct rh_host *h, uint32_t id);
/* Lookup in the registry (lock-free); valid for the host's life. */
const struct rh_guest *rh_host_guest(struct rh_host *h, uint32_t id);
/* Append runner output as TH_FMT_TEXT records (through the drain thread). */
int rh_host_inject(struct rh_host *h, int cls, uint32_t guest, const char *text, size_t len);
void rh_host_wait(struct rh_host *h, uint64_t *gen, int timeout_ms);
/* Records guest class cls of guest id lost so far to a full kernel ring. */
void rh_host_set_kernel_drops(struct rh_host *h, uint32_t id, int cls, uint64_t n);
/* Records host class cls lost to full kernel rings, of one guest (0: all). */
uint64_t rh_host_kdropped(struct rh_host *h, int cls, uint32_t guest);
/* ... of those, lost by marker rings: full lanes, broken records, a dead session's ring. */
uint64_t rh_host_mark_lost(struct rh_host *h, int cls, uint32_t guest);
void rh_host_kick(struct rh_host *h);
/* Return once the drain ran a whole round after the call: all that the
 * rings and injected output held then is in the stores. */
void rh_host_sync(struct rh_host *h);
/*
 * A drain the caller drives (caller_drains): one round now, without
 * waiting (records drained, or -errno); an fd to wait on (readable, as an
 * edge, when a buffer asks to be drained); how long to wait at most.
 */
int rh_host_drain(struct rh_host *h);
int rh_host_wait_fd(struct rh_host *h);
int rh_host_next_tick_ms(struct rh_host *h, int min_ms, int idle_ms);
/*
 * Guest id's target writes its no-trap markers into ring r: the drain
 * consumes it into the stores as the kernel rings (its losses count as
 * the guest's first class's).  Take it back (after rh_mark_ring_end and a
 * rh_host_sync) before closing it: the drain is out of it on return.
 * A ring made with the pin rh_host_mark_pin gave is described in the
 * host's directory for recovery (set: an error when that failed, the ring
 * is consumed all the same); take forgets that.
 */
int rh_host_mark_pin(struct rh_host *h, uint32_t id, char *buf, size_t len);
int rh_host_set_mark_ring(struct rh_host *h, uint32_t id, struct rh_mark_ring *r);
struct rh_mark_ring *rh_host_take_mark_ring(struct rh_host *h, uint32_t id);
/* What a guest's loader needs for class cls (the backend's ring_fd_for_guest). */
int rh_host_ring_fd(struct rh_host *h, int cls);

#endif /* RH_H */
