/* SPDX-License-Identifier: MIT */
/*
 * hub: taphubd's library — guests loaded into the kernel, and sessions.
 *
 * Sections, one per file:
 *   guest.c   one compiled guest: its eBPF object loaded, verified and
 *             attached, its maps and rings, its user-side object
 *   local.c   the embedded (no daemon) session: tap runs a guest itself
 *             and prints its output (ARCHITECTURE.md "Embedded default")
 *   proto.c   the control protocol's codec: build, send, receive, validate
 *
 * Library code never prints; errors come back as -errno plus a one-line
 * reason in a caller's buffer.
 */
#ifndef HUB_H
#define HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taphub/proto.h"
#include "taphub/record.h"

struct grt_meta;
struct grt_guest_desc;

/* ---- guest.c -------------------------------------------------------------- */

struct hub_guest;

struct hub_guest_opts {
	size_t sz;            /* sizeof(struct hub_guest_opts) */
	const char *dir;      /* compiled guest: guest.meta, guest.bpf.o, guest.so */
	uint64_t ring_bytes;  /* per-class ring size; rounded up to a power of two */
	int64_t target_pid;   /* target() */
	uint32_t guest_id;
	bool load_so;         /* dlopen the user-side object (runners only) */
	int verbose;
};

int hub_guest_open(const struct hub_guest_opts *o, struct hub_guest **ret, char *err,
		   size_t errlen);
int hub_guest_attach(struct hub_guest *g, char *err, size_t errlen);
void hub_guest_detach(struct hub_guest *g);
void hub_guest_close(struct hub_guest *g);

const struct grt_meta *hub_guest_meta(const struct hub_guest *g);
const struct grt_guest_desc *hub_guest_desc(const struct hub_guest *g);
void *hub_guest_globals(const struct hub_guest *g);
const int *hub_guest_map_fds(const struct hub_guest *g); /* per gid, -1 if none */
int hub_guest_ring_fd(const struct hub_guest *g, int cls); /* -1 without eBPF */
int hub_guest_ncpus(const struct hub_guest *g);
/* Counters of a class summed over CPUs. */
int hub_guest_counters(const struct hub_guest *g, int cls, struct th_class_counters *out);

/* ---- local.c ---------------------------------------------------------------- */

struct hub_local_opts {
	size_t sz;               /* sizeof(struct hub_local_opts) */
	const char *dir;         /* compiled guest */
	uint64_t ring_bytes;
	int64_t target_pid;      /* -x */
	char *const *cmd;        /* -c: argv of a command to run; ends the session */
	int out_fd;              /* output: stdout or an -o file */
	bool suppress_errors;
	int64_t maxerrors;
	int verbose;
	int poll_ms;             /* drain period when no wakeup comes (default 100) */
};

/* Run the session to its end; returns the process exit status for tap. */
int hub_run_local(const struct hub_local_opts *o);

/* ---- proto.c ------------------------------------------------------------------ */

/* A message being built (include/taphub/proto.h). */
struct hub_msg {
	uint8_t buf[TH_PROTO_MAX_MSG];
	size_t len;
	int fds[TH_PROTO_MAX_FDS];
	int nfds;
};

int hub_msg_init(struct hub_msg *m, int type, uint32_t seq);
int hub_msg_put(struct hub_msg *m, int attr, const void *v, size_t n);
int hub_msg_put_u32(struct hub_msg *m, int attr, uint32_t v);
int hub_msg_put_u64(struct hub_msg *m, int attr, uint64_t v);
int hub_msg_put_str(struct hub_msg *m, int attr, const char *s);
int hub_msg_put_fd(struct hub_msg *m, int attr, int fd); /* fd stays the caller's */
int hub_msg_send(int sock, const struct hub_msg *m);

#define HUB_MAX_REPEAT 256

/* A received message, validated. */
struct hub_req {
	struct th_msg_hdr h;
	struct {
		const uint8_t *v;
		uint16_t len;
		bool present;
	} attrs[TH_A__MAX]; /* the last occurrence of each type */
	struct {
		uint16_t type;
		uint16_t len;
		const uint8_t *v;
	} rep[HUB_MAX_REPEAT]; /* all attributes in order (repeated ones) */
	int nrep;
	int fds[TH_PROTO_MAX_FDS]; /* owned until taken or closed */
	int nfds;
	uint8_t buf[TH_PROTO_MAX_MSG];
};

/* Validate bytes as a message; nfds is how many fds came with it. */
int hub_msg_decode(const uint8_t *data, size_t len, int nfds, struct hub_req *r, char *err,
		   size_t errlen);
/* recvmsg + decode; -ECONNRESET at EOF; on error no fd is left open. */
int hub_msg_recv(int sock, struct hub_req *r, char *err, size_t errlen);
void hub_req_close_fds(struct hub_req *r);
bool hub_req_has(const struct hub_req *r, int attr);
bool hub_req_u32(const struct hub_req *r, int attr, uint32_t *out);
bool hub_req_u64(const struct hub_req *r, int attr, uint64_t *out);
const char *hub_req_str(const struct hub_req *r, int attr);
const void *hub_req_bytes(const struct hub_req *r, int attr, size_t *len);
int hub_req_take_fd(struct hub_req *r, int attr); /* the caller owns the fd */
int hub_reply_error(int sock, uint32_t seq, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* HUB_H */
