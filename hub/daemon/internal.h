/* SPDX-License-Identifier: MIT */
/*
 * taphubd's internals, shared by the files of hub/daemon/ only (taphubd
 * uses daemon.h).
 * Sections: session.c (sessions and runners, and the hub's view of their
 * relay hosts: the hosts themselves are relayhost-module's, rh.h),
 * reader.c (attached readers), log.c (the daemon's log), conns.c (its
 * connections); daemon.c (the control loop) is daemon.h's.
 */
#ifndef HUB_INTERNAL_H
#define HUB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/types.h>
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "hub/daemon/daemon.h"
#include "relayhost-module/rh.h"

/* ---- access.c ------------------------------------------------------------------ */

/*
 * The groups of the access model (docs/service.md "Who may run what"):
 * taphubdev (and its old name, taphub or --group) may do anything root
 * may with the hub; taphubusr may run installed artifacts and handle its
 * own sessions.  (gid_t)-1: no such group on this machine.
 */
struct hub_groups {
	gid_t dev, dev_alias, usr;
};

struct hub_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool root;
	bool dev; /* in taphubdev or taphub: compiles and runs anything */
	bool usr; /* in taphubusr: installed artifacts only */
};

int hub_peer_get(int sock, const struct hub_groups *g, struct hub_peer *ret);
/* The groups by name (NULL: the default names); false when none exists. */
bool hub_groups_find(struct hub_groups *g, const char *dev_alias);
/*
 * May peer run the guest of request q?  root and taphubdev: anything;
 * taphubusr: an artifact installed under artifact_dir, root's all the way
 * down, whose path without links (real, PATH_MAX bytes) is what the hub
 * then opens: nothing a user can change lies on it.  0, or -EPERM with err.
 */
int hub_peer_may_run(const struct hub_peer *p, const char *artifact, const char *artifact_dir,
		     char *real, char *err, size_t errlen);
bool hub_peer_admitted(const struct hub_peer *p);
bool hub_peer_owns(const struct hub_peer *p, uid_t owner);

/* ---- session.c: the hub's hosts ---------------------------------------------------- */

/* A relay host as the hub keeps it: the host, and who may use it how. */
struct hub_host {
	struct rh_host *rh;
	uid_t owner;
	bool joinable;             /* a relay host others' guests may join */
	struct hub_writer *writer; /* -o of the host's session: all guests */
};

struct hub_guest_add {
	const char *meta_text;
	size_t meta_len;
	const void *obj;
	size_t obj_len;
	const char *cls;     /* route the guest's default class here (NULL: first) */
	int64_t target_pid;
	int64_t maxerrors; /* -1: never stop on errors */
};

/* ---- session.c --------------------------------------------------------------- */

#define HUB_MAX_SESSIONS 256

enum hub_session_state {
	HUB_SS_WAIT_RUNNER = 1, /* loaded; the runner runs begin probes first */
	HUB_SS_RECORDING,
	HUB_SS_STOPPING,        /* detached; the runner runs end probes */
	HUB_SS_RECOVERED,       /* a crashed hub's host, read-only until removed */
};

struct hub_session {
	struct hub_session *next;
	uint64_t id;
	char name[64];
	char script[128];
	uid_t owner;
	gid_t gid;
	int state;
	struct hub_host *host;
	bool owns_host;       /* created for this session */
	bool is_host_session; /* created as a relay host others may join */
	uint32_t guest_id;
	struct hub_guest *guest; /* NULL when the guest has no eBPF part */
	struct rh_mark_ring *mark; /* the target's no-trap markers write here (NULL: none) */
	char mark_note[512];       /* what became of a dead session's ring there ("" nothing) */
	bool guest_loaded;
	bool has_so;
	bool suppress_errors;
	int runner_fd;        /* the runner's control connection, -1 none */
	pid_t runner_pid;
	bool runner_seen, runner_gone;
	time_t runner_died; /* when the runner went away while recording (0: it did not) */
	int stop_fd;          /* who waits for the stop to finish, -1 none */
	uint32_t stop_seq;
	int64_t stop_deadline;
	int64_t started;
	struct hub_writer *writer; /* -o FILE of a relay guest (its records only) */
	bool recovered;            /* shows what a previous hub left (read-only) */
	bool discard;              /* stopped with --discard: its records go with it */
	char last_error[256];      /* its runner's last ERROR line ("" none) */
};

/* A log line a flood repeats: said at most every few seconds, the rest counted. */
struct hub_log_limit {
	int64_t last;   /* CLOCK_MONOTONIC seconds of the last line */
	uint64_t more;  /* occurrences not logged since */
	char what[256]; /* the latest of them */
};

/* One uid's connections: the main loop's clients and attached readers. */
struct hub_uid_conns {
	uid_t uid;
	int n;
	int pending; /* of n: let in over a cap for a runner (hub_conn_admit) */
};

struct hub_ctx {
	char sock_path[HUB_PATH_MAX];
	char state_dir[HUB_PATH_MAX];
	char pin_root[HUB_PATH_MAX]; /* bpffs: the hosts' ring pins ("" none) */
	int lfd, epfd, sigfd, flag_efd, tick_fd;
	struct hub_groups groups;
	char artifact_dir[HUB_PATH_MAX]; /* taphubusr's installed artifacts */
	bool foreground;
	/*
	 * A hub stop (SIGTERM, SIGINT): the sessions are stopped as by
	 * tapctl stop, their end probes run (until shutdown_deadline), and
	 * everything they recorded stays in the state dir; stopping is set
	 * once the main loop ends.
	 */
	bool shutting_down;
	int64_t shutdown_deadline;
	bool stopping;
	int lock_fd; /* the state dir's lock (statedir.c) */
	struct hub_session *sessions;
	int nsessions;
	uint64_t next_session_id;
	struct hub_host **hosts;
	int nhosts;
	struct hub_client **clients; /* indexed by fd */
	int nclients_cap;
	int max_clients, max_clients_per_uid;
	bool listen_paused;          /* accept failed: lfd is out of the epoll set */
	struct hub_log_limit refused_log, accept_log;
	/*
	 * readers_mu: what reader threads change, nreaders and the connection
	 * counts (a reader's connection is counted until its thread closes it).
	 */
	pthread_mutex_t readers_mu;
	int nreaders;
	int nconns;                  /* connections, all uids */
	struct hub_uid_conns *uids;  /* uids with connections */
	int nuids, uids_cap;
};

struct hub_session *hub_session_find(struct hub_ctx *hub, const char *name, uint64_t id);
struct hub_host *hub_host_find(struct hub_ctx *hub, const char *name);
int hub_host_guests(struct hub_ctx *hub, const struct hub_host *h);
/* A guest's kernel counters into its host's registry (ring-full drops). */
void hub_host_note_counters(struct hub_host *h, uint32_t id, const struct hub_guest *g);
/* Out of the hub's list: its writer stopped, its reference put. */
void hub_host_free(struct hub_host *h);
int hub_session_create(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
		       struct hub_session **ret, char *err, size_t errlen);
int hub_session_runner(struct hub_ctx *hub, struct hub_session *s, int fd, pid_t pid,
		       struct hub_msg *reply);
int hub_session_runner_ready(struct hub_session *s, char *err, size_t errlen);
void hub_session_runner_gone(struct hub_ctx *hub, struct hub_session *s);
/* discard: delete what the session recorded (else its host directory stays) */
int hub_session_stop(struct hub_ctx *hub, struct hub_session *s, int waiter_fd, uint32_t seq,
		     bool discard);
/* A runner's error: shown by tapctl list and written into the session's output. */
void hub_session_runner_error(struct hub_session *s, const char *msg);
/* SIGTERM: stop every session, keeping what they recorded. */
void hub_sessions_shutdown(struct hub_ctx *hub);
/* Sessions still running their end probes during a shutdown. */
int hub_sessions_stopping(struct hub_ctx *hub);
void hub_session_finish(struct hub_ctx *hub, struct hub_session *s);
int hub_host_create_cmd(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
			char *err, size_t errlen);
int hub_host_destroy_cmd(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
			 char *err, size_t errlen);
void hub_sessions_poll(struct hub_ctx *hub);
int64_t hub_now_s(void); /* CLOCK_MONOTONIC seconds */
/* At start: every host directory a previous hub left becomes a session. */
void hub_sessions_recover(struct hub_ctx *hub);

/* ---- service.c: what the boot-time service runs, kept across hubs ---------------- */

/* TH_MSG_SERVICE: record (or forget, DISCARD) that the service runs NAME. */
int hub_service_note(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
		     char *err, size_t errlen);
/* The records as "service" entries of a listing (root and taphubdev only). */
void hub_services_list(struct hub_ctx *hub, const struct hub_peer *peer, int fd, uint32_t seq);
/* At start: tapctl service resume, when the service ran scripts under the last hub. */
void hub_services_resume(struct hub_ctx *hub);

/* ---- reader.c ------------------------------------------------------------------ */

struct hub_reader_opts {
	int fd;              /* the client's connection; the reader owns it */
	struct rh_host *host; /* a reference the reader drops */
	uint32_t guest;      /* only this guest's records (0: all) */
	int cls;             /* only this class (-1: all) */
	uint32_t seq;
	struct hub_ctx *hub;
	uid_t uid;           /* the client's: its connection is counted until closed */
};

int hub_reader_start(const struct hub_reader_opts *o);

/* A session's -o writer: a reader thread whose client is a file. */
struct hub_writer;

struct hub_writer_opts {
	struct rh_host *host;  /* a reference the writer drops */
	uint32_t guest;         /* only this guest (0: all) */
	uid_t uid;              /* files are created as the session's owner */
	gid_t gid;
	struct hub_sink_opts sink;
	struct hub_ctx *hub;
	char session[64];
};

int hub_writer_start(const struct hub_writer_opts *o, struct hub_writer **ret, char *err,
		     size_t errlen);
/* Write out everything stored so far, then stop and close (session stop). */
void hub_writer_stop(struct hub_writer *w);
void hub_writer_switch(struct hub_writer *w);
/* Records counted lost because the files could not be written. */
uint64_t hub_writer_lost(const struct hub_writer *w);

/* ---- log.c ------------------------------------------------------------------------ */

void hub_log(struct hub_ctx *hub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line a flood repeats: logged at most every few seconds, the rest counted. */
void hub_log_limited(struct hub_ctx *hub, struct hub_log_limit *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* What a window of hub_log_limited held back, once the window is over (the tick). */
void hub_log_limited_flush(struct hub_ctx *hub, struct hub_log_limit *l);

/* ---- conns.c ---------------------------------------------------------------------- */

/* The control loop's epoll ids. */
#define EV_LISTEN 1
#define EV_SIGNAL 2
#define EV_FLAGS 3
#define EV_TICK 4
#define EV_CLIENT 16 /* + fd */

struct hub_client {
	int fd;
	struct hub_peer peer;
	struct hub_session *runner_of;
	bool refused; /* told why; closed once it hangs up or sends anything */
	bool runner_only; /* let in over a cap: may only become a runner (hub_conn_admit) */
};

enum hub_conn_admit {
	HUB_CONN_REFUSED,
	HUB_CONN_ADMITTED,
	HUB_CONN_RUNNER_ONLY, /* over a cap, for a session waiting for its runner */
};

/* Counted when admitted; why gets the refusal, one line. */
enum hub_conn_admit hub_conn_admit(struct hub_ctx *hub, const struct hub_peer *p, char *why,
				   size_t len);
/* A connection of uid is closed (pending: it was let in for a runner only). */
void hub_conn_put(struct hub_ctx *hub, uid_t uid, bool pending);
/* A connection of uid was closed off the main loop (a reader thread). */
void hub_conn_release(struct hub_ctx *hub, uid_t uid);
/* A connection let in for a runner became one. */
void hub_conn_unpend(struct hub_ctx *hub, uid_t uid);
/* Tell a connection the hub keeps nothing of why, and close it. */
void hub_conn_refuse(int fd, const char *why);
/* accept4 failed for a reason that lasts: stop polling the listening socket. */
void hub_listen_pause(struct hub_ctx *hub, int err);
struct hub_client *hub_client_of(struct hub_ctx *hub, int fd);
int hub_client_add(struct hub_ctx *hub, int fd, const struct hub_peer *peer);
/* Out of the table and the epoll set, not closed (a reader thread takes it). */
void hub_client_forget(struct hub_ctx *hub, int fd);
void hub_client_close_fd(struct hub_ctx *hub, int fd);
/* A connection let in for a runner that is no runner: told why. */
void hub_client_refuse_runner_only(struct hub_ctx *hub, struct hub_client *c, uint32_t seq);
/* Once a second, from the control loop's tick. */
void hub_conns_tick(struct hub_ctx *hub);

#endif /* HUB_INTERNAL_H */
