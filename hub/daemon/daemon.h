/* SPDX-License-Identifier: MIT */
/*
 * hub/daemon: taphubd — the control socket and its clients, sessions and
 * the hub's view of their relay hosts, attached readers and -o writers,
 * access control.  It uses the client library (hub/hub.h) for the
 * protocol's codec, loading guests and output files; tools/taphubd.c is
 * its one user.
 *
 * Sections, one per file:
 *   daemon.c  the control loop
 *   service.c what the boot-time service runs, kept across hubs (internal.h)
 *   access.c  who may connect and run what (credentials; taphubdev, taphubusr)
 */
#ifndef HUB_DAEMON_H
#define HUB_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "hub/hub.h"

/* ---- daemon.c ------------------------------------------------------------------ */

#define HUB_BPFFS "/sys/fs/bpf"

/*
 * Connections at once (docs/hub.md "Limits").  Every connection holds an
 * fd of the hub's, and an attached reader a thread and its batch buffer
 * too.  256 is a quarter of the soft RLIMIT_NOFILE services usually get
 * (1024): the rest is for what the hub is for, every guest's programs,
 * links and maps and every host's rings and stores.  64 per uid is a
 * user's terminals, attached readers and the runners of their sessions,
 * generously, while four users flooding at once still leave the others
 * room.  Root is not held to the per-uid cap and may go HUB_ROOT_RESERVE
 * beyond the total, as file systems keep blocks for root: `tapctl list`
 * and `tapctl stop` always get in to end a flood.  A session's runner is
 * never refused for a cap (it is counted; see hub_conn_admit in conns.c).
 */
#define HUB_MAX_CLIENTS 256
#define HUB_MAX_CLIENTS_PER_UID 64
#define HUB_ROOT_RESERVE 8
#define HUB_MAX_CLIENTS_LIMIT (1 << 20) /* the most --max-clients takes: counts stay ints */

struct hub_daemon_opts {
	const char *socket;    /* NULL: HUB_DEFAULT_SOCKET */
	const char *state_dir; /* NULL: HUB_DEFAULT_STATE_DIR */
	const char *group;     /* taphubdev's other name; NULL: "taphub" */
	const char *artifact_dir; /* taphubusr's installed artifacts */
	bool foreground;       /* log to stderr, else syslog */
	int ready_fd;          /* written once listening, then closed (-1: none) */
	int max_clients;       /* connections at once (0: HUB_MAX_CLIENTS) */
	int max_clients_per_uid; /* of one uid but root (0: HUB_MAX_CLIENTS_PER_UID) */
};

/* Run taphubd until SIGTERM/SIGINT; returns the exit status. */
int hub_daemon_run(const struct hub_daemon_opts *o);

/* ---- access.c ------------------------------------------------------------------ */

gid_t hub_group_gid(const char *name); /* (gid_t)-1 when there is no such group */

#endif /* HUB_DAEMON_H */
