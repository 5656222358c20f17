/* SPDX-License-Identifier: MIT */
/*
 * hub: taphubd's library — guests loaded into the kernel, and sessions.
 *
 * Sections, one per file:
 *   guest.c   one compiled guest: its eBPF object loaded, verified and
 *             attached, its maps and rings, its user-side object
 *   local.c   the embedded (no daemon) session: tap runs a guest itself
 *             and prints its output (ARCHITECTURE.md "Embedded default")
 *
 * Library code never prints; errors come back as -errno plus a one-line
 * reason in a caller's buffer.
 */
#ifndef HUB_H
#define HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif /* HUB_H */
