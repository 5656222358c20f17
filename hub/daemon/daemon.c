// SPDX-License-Identifier: MIT
/*
 * taphubd's control loop: the socket, the clients, the dispatch.
 *
 * One thread runs this loop over an epoll set: the listening socket, every
 * client connection, a signalfd (SIGTERM/SIGINT end the daemon), an
 * eventfd the drain threads bump when a guest called exit() or hit an
 * error, and a one-second tick for timeouts.  Control messages are small
 * and quick; anything long-running lives elsewhere (drain threads per
 * host, a thread per attached reader), so one slow client never holds the
 * others up.
 *
 * Every message is validated by hub_msg_recv() before it is looked at.  A
 * malformed one gets an error reply, a log line, and its connection is
 * closed; the hub and every session go on.
 *
 * A flood of connections neither exhausts the hub nor makes it spin:
 * connections are counted per uid and in all (attached readers too, until
 * their threads close them), and one over a cap is told so and closed
 * before the hub keeps anything of it (HUB_MAX_CLIENTS in hub.h).  When
 * accept itself fails (the open files limit), the listening socket leaves
 * the epoll set until a client goes away or the next tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "guest-runtime/grt.h"
#include "hub/daemon/internal.h"
#include "relayhost-module/rh.h"

#define EV_LISTEN 1
#define EV_SIGNAL 2
#define EV_FLAGS 3
#define EV_TICK 4
#define EV_CLIENT 16 /* + fd */

#define LOG_EVERY_S 10 /* a flood's log lines: one per 10 s, the rest counted */

struct hub_client {
	int fd;
	struct hub_peer peer;
	struct hub_session *runner_of;
	bool refused; /* told why; closed once it hangs up or sends anything */
	bool runner_only; /* let in over a cap: may only become a runner (conn_admit) */
};

void hub_log(struct hub_ctx *hub, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hub->foreground) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s taphubd: %s\n", when, msg);
	} else {
		syslog(LOG_INFO, "%s", msg);
	}
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* What a window of log_limited held back, once the window is over (the tick). */
static void log_limited_flush(struct hub_ctx *hub, struct hub_log_limit *l)
{
	if (!l->more || mono_s() - l->last < LOG_EVERY_S)
		return;
	hub_log(hub, "%llu more like this since; the last: %s", (unsigned long long)l->more,
		l->what);
	l->more = 0;
	l->last = mono_s();
}

/* A line a flood repeats: logged at most every LOG_EVERY_S s, the rest counted. */
static void __attribute__((format(printf, 3, 4)))
log_limited(struct hub_ctx *hub, struct hub_log_limit *l, const char *fmt, ...)
{
	char msg[sizeof(l->what)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->last && mono_s() - l->last < LOG_EVERY_S) {
		l->more++;
		memcpy(l->what, msg, sizeof(msg));
		return;
	}
	log_limited_flush(hub, l);
	hub_log(hub, "%s", msg);
	l->last = mono_s();
}

/* ---- connections: counted per uid, capped ------------------------------------------ */

enum conn_admit {
	CONN_REFUSED,
	CONN_ADMITTED,
	CONN_RUNNER_ONLY, /* over a cap, for a session waiting for its runner */
};

/* uid's entry, added when add (NULL: none, or no memory).  Under readers_mu. */
static struct hub_uid_conns *uid_conns(struct hub_ctx *hub, uid_t uid, bool add)
{
	int i;

	for (i = 0; i < hub->nuids; i++)
		if (hub->uids[i].uid == uid)
			return &hub->uids[i];
	if (!add)
		return NULL;
	if (hub->nuids == hub->uids_cap) {
		int cap = hub->uids_cap ? 2 * hub->uids_cap : 16;
		struct hub_uid_conns *n = realloc(hub->uids, sizeof(*n) * (size_t)cap);

		if (!n)
			return NULL;
		hub->uids = n;
		hub->uids_cap = cap;
	}
	hub->uids[hub->nuids] = (struct hub_uid_conns){ .uid = uid };
	return &hub->uids[hub->nuids++];
}

/* Sessions of uid waiting for a runner that has not connected yet. */
static int runners_awaited(struct hub_ctx *hub, uid_t uid)
{
	struct hub_session *s;
	int n = 0;

	for (s = hub->sessions; s; s = s->next)
		if (s->owner == uid && s->state == HUB_SS_WAIT_RUNNER && !s->runner_seen)
			n++;
	return n;
}

/* The cap a connection of p's is over, when p holds n others. */
static void conn_cap_reason(const struct hub_ctx *hub, const struct hub_peer *p, int n, char *why,
			    size_t len)
{
	if (!p->root && n >= hub->max_clients_per_uid)
		snprintf(why, len, "too many connections from uid %u (at most %d)", p->uid,
			 hub->max_clients_per_uid);
	else if (p->root)
		snprintf(why, len, "too many connections to taphubd (at most %d, and %d more for root)",
			 hub->max_clients, HUB_ROOT_RESERVE);
	else
		snprintf(why, len, "too many connections to taphubd (at most %d)", hub->max_clients);
}

/*
 * May p open one more connection?  A uid but root holds at most
 * max_clients_per_uid, all together at most max_clients, and root
 * HUB_ROOT_RESERVE more, so root can always list and stop sessions.
 *
 * A session's runner is never refused: tap -F starts it while tap's own
 * connection is still open, and a refused runner would leave the session
 * without its begin probes.  The hub cannot tell a runner before its first
 * message, so over a cap a uid gets one connection per session of its
 * waiting for a runner, which may only become a runner (dispatch); one
 * nobody waits for any more is closed by the tick.  Runners are counted
 * like any connection, so they leave less room for the uid's others.
 *
 * Counted when admitted; why gets the refusal, one line.
 */
static enum conn_admit conn_admit(struct hub_ctx *hub, const struct hub_peer *p, char *why,
				  size_t len)
{
	int all = hub->max_clients + (p->root ? HUB_ROOT_RESERVE : 0);
	enum conn_admit r = CONN_ADMITTED;
	struct hub_uid_conns *e;

	pthread_mutex_lock(&hub->readers_mu);
	e = uid_conns(hub, p->uid, false);
	if ((!p->root && e && e->n >= hub->max_clients_per_uid) || hub->nconns >= all) {
		r = CONN_RUNNER_ONLY;
		if ((e ? e->pending : 0) >= runners_awaited(hub, p->uid)) {
			conn_cap_reason(hub, p, e ? e->n : 0, why, len);
			r = CONN_REFUSED;
		}
	}
	if (r != CONN_REFUSED) {
		e = uid_conns(hub, p->uid, true);
		if (e) {
			e->n++;
			e->pending += r == CONN_RUNNER_ONLY;
			hub->nconns++;
		} else {
			snprintf(why, len, "taphubd is out of memory");
			r = CONN_REFUSED;
		}
	}
	pthread_mutex_unlock(&hub->readers_mu);
	return r;
}

/* A connection of uid is closed (pending: it was let in for a runner only). */
static void conn_put(struct hub_ctx *hub, uid_t uid, bool pending)
{
	struct hub_uid_conns *e;

	pthread_mutex_lock(&hub->readers_mu);
	e = uid_conns(hub, uid, false);
	if (e) {
		hub->nconns--;
		e->pending -= pending;
		if (!--e->n) {
			*e = hub->uids[--hub->nuids];
			/* no connection left: nothing is kept (nor left at exit) */
			if (!hub->nuids) {
				free(hub->uids);
				hub->uids = NULL;
				hub->uids_cap = 0;
			}
		}
	}
	pthread_mutex_unlock(&hub->readers_mu);
}

void hub_conn_release(struct hub_ctx *hub, uid_t uid)
{
	conn_put(hub, uid, false);
}

/* A connection let in for a runner became one: it is an ordinary connection now. */
static void conn_unpend(struct hub_ctx *hub, uid_t uid)
{
	struct hub_uid_conns *e;

	pthread_mutex_lock(&hub->readers_mu);
	e = uid_conns(hub, uid, false);
	if (e)
		e->pending--;
	pthread_mutex_unlock(&hub->readers_mu);
}

/*
 * Tell a connection the hub keeps nothing of why, and close it.  Closing
 * with a request of the client's still unread would reset the connection,
 * and the client would read ECONNRESET instead of the reason: shut our
 * receiving side first (the client's sends fail with EPIPE from then on,
 * and hub_call reads the reply past that), drop what it sent before, then
 * close.
 */
static void conn_refuse(int fd, const char *why)
{
	char junk;

	hub_reply_error(fd, 0, EAGAIN, "%s", why);
	shutdown(fd, SHUT_RD);
	/* the queue only shrinks now; MSG_TRUNC: each message whole, its fds closed */
	while (recv(fd, &junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) > 0)
		;
	close(fd);
}

/*
 * accept4 failed for a reason that lasts (EMFILE at the open files limit,
 * ENFILE, ENOBUFS ...): the listening socket stays readable, and polling
 * it would return at once, forever.  It leaves the epoll set until a
 * client goes away (hub_client_close_fd) or the next tick (fds freed by
 * reader threads or sessions); connections wait in the listen backlog
 * meanwhile, and are served then.
 *
 * Not the other way, a spare fd closed to accept and refuse with: the
 * hub's other threads (readers, writers rotating files, drains) open fds
 * too and may take the freed one first, and a connection that would be
 * served a moment later would be refused instead.
 */
static void listen_pause(struct hub_ctx *hub, int err)
{
	struct rlimit rl = { 0 };

	if (epoll_ctl(hub->epfd, EPOLL_CTL_DEL, hub->lfd, NULL) == 0)
		hub->listen_paused = true;
	getrlimit(RLIMIT_NOFILE, &rl);
	log_limited(hub, &hub->accept_log,
		    "cannot accept connections: %s (open files limit %llu); waiting for a client "
		    "to leave%s",
		    strerror(err), (unsigned long long)rl.rlim_cur,
		    err == EMFILE ? " (raise the limit, or lower --max-clients)" : "");
}

static void listen_resume(struct hub_ctx *hub)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_LISTEN };

	if (hub->listen_paused && epoll_ctl(hub->epfd, EPOLL_CTL_ADD, hub->lfd, &ev) == 0)
		hub->listen_paused = false;
}

/* ---- clients -------------------------------------------------------------------------- */

static struct hub_client *client_of(struct hub_ctx *hub, int fd)
{
	return fd >= 0 && fd < hub->nclients_cap ? hub->clients[fd] : NULL;
}

static void client_forget(struct hub_ctx *hub, int fd)
{
	struct hub_client *c = client_of(hub, fd);

	if (!c)
		return;
	epoll_ctl(hub->epfd, EPOLL_CTL_DEL, fd, NULL);
	hub->clients[fd] = NULL;
	free(c);
}

void hub_client_close_fd(struct hub_ctx *hub, int fd)
{
	struct hub_client *c = client_of(hub, fd);
	struct hub_session *s;
	uid_t uid;
	bool pending;

	if (!c)
		return;
	/* a waiting stopper or runner: its session must not keep the fd */
	for (s = hub->sessions; s; s = s->next) {
		if (s->stop_fd == fd)
			s->stop_fd = -1;
		if (s->runner_fd == fd)
			s->runner_fd = -1;
	}
	uid = c->peer.uid;
	pending = c->runner_only;
	client_forget(hub, fd);
	close(fd);
	conn_put(hub, uid, pending);
	/* an fd is free: accept again if the open files limit stopped us */
	listen_resume(hub);
}

/* A connection let in over a cap for a runner that is no runner: told, closed. */
static void client_refuse_runner_only(struct hub_ctx *hub, struct hub_client *c, uint32_t seq)
{
	struct hub_uid_conns *e;
	char why[160];

	pthread_mutex_lock(&hub->readers_mu);
	e = uid_conns(hub, c->peer.uid, false);
	conn_cap_reason(hub, &c->peer, e ? e->n - 1 : 0, why, sizeof(why));
	pthread_mutex_unlock(&hub->readers_mu);
	hub_reply_error(c->fd, seq, EAGAIN, "%s", why);
}

/*
 * Once a second: accept again after a pause (fds freed off the main
 * loop), log what a flood's log lines held back, and close connections
 * let in for a runner that no session waits for any more.
 */
static void conns_tick(struct hub_ctx *hub)
{
	int fd;

	listen_resume(hub);
	log_limited_flush(hub, &hub->refused_log);
	log_limited_flush(hub, &hub->accept_log);
	for (fd = 0; fd < hub->nclients_cap; fd++) {
		struct hub_client *c = hub->clients[fd];

		if (c && c->runner_only && !runners_awaited(hub, c->peer.uid)) {
			client_refuse_runner_only(hub, c, 0);
			hub_client_close_fd(hub, fd);
		}
	}
}

static int client_add(struct hub_ctx *hub, int fd, const struct hub_peer *peer)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_CLIENT + (uint64_t)fd };
	struct hub_client *c;

	if (fd >= hub->nclients_cap) {
		int cap = fd + 64;
		struct hub_client **n = realloc(hub->clients, sizeof(*n) * (size_t)cap);

		if (!n)
			return -ENOMEM;
		memset(n + hub->nclients_cap, 0, sizeof(*n) * (size_t)(cap - hub->nclients_cap));
		hub->clients = n;
		hub->nclients_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->peer = *peer;
	hub->clients[fd] = c;
	if (epoll_ctl(hub->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		hub->clients[fd] = NULL;
		free(c);
		return -errno;
	}
	return 0;
}

static struct hub_msg *reply_new(int type, uint32_t seq)
{
	struct hub_msg *m = malloc(sizeof(*m));

	if (m)
		hub_msg_init(m, type, seq);
	return m;
}

static void send_free(int fd, struct hub_msg *m)
{
	if (m) {
		hub_msg_send(fd, m);
		free(m);
	}
}

static void reply_ok(int fd, uint32_t seq)
{
	send_free(fd, reply_new(TH_MSG_OK, seq));
}

static const char *state_name(const struct hub_session *s)
{
	switch (s->state) {
	case HUB_SS_WAIT_RUNNER:
		return "starting";
	case HUB_SS_STOPPING:
		return "stopping";
	case HUB_SS_RECOVERED:
		return "recovered";
	default:
		return "recording";
	}
}

static void list_host(int fd, uint32_t seq, struct hub_ctx *hub, struct hub_host *h)
{
	int c;

	for (c = 0; c < rh_host_nclasses(h->rh); c++) {
		const struct rh_class_spec *cs = rh_host_class_spec(h->rh, c);
		struct hub_msg *m = reply_new(TH_MSG_ENTRY, seq);
		struct rh_store_stats st;
		struct hub_session *s;
		uint64_t klost = 0;

		if (!m)
			return;
		rh_store_stats(rh_host_store(h->rh, c), &st);
		/* ring drops are counted per guest, gone guests included */
		for (s = hub->sessions; s; s = s->next)
			if (s->host == h && s->guest)
				hub_host_note_counters(h, s->guest_id, s->guest);
		klost = rh_host_kdropped(h->rh, c, 0);
		hub_msg_put_str(m, TH_A_KIND, "class");
		hub_msg_put_str(m, TH_A_HOST, rh_host_name(h->rh));
		hub_msg_put_str(m, TH_A_CLASS, cs->name);
		hub_msg_put_u64(m, TH_A_SIZE, cs->size);
		hub_msg_put_str(m, TH_A_POLICY, cs->policy == RH_DISCARD ? "discard" : "overwrite");
		hub_msg_put_u64(m, TH_A_FILL, st.head - st.tail);
		hub_msg_put_u64(m, TH_A_RECORDS, st.written);
		hub_msg_put_u64(m, TH_A_OVERWRITTEN, st.overwritten);
		hub_msg_put_u64(m, TH_A_LOST, st.dropped + klost);
		send_free(fd, m);
	}
}

static void do_list(struct hub_ctx *hub, struct hub_client *c, uint32_t seq)
{
	struct hub_session *s;
	int i;

	reply_ok(c->fd, seq);
	for (i = 0; i < hub->nhosts; i++) {
		struct hub_host *h = hub->hosts[i];
		struct hub_msg *m;

		if (!hub_peer_owns(&c->peer, h->owner) && !h->joinable)
			continue;
		m = reply_new(TH_MSG_ENTRY, seq);
		if (!m)
			break;
		hub_msg_put_str(m, TH_A_KIND, "host");
		hub_msg_put_str(m, TH_A_NAME, rh_host_name(h->rh));
		hub_msg_put_u32(m, TH_A_OWNER, h->owner);
		hub_msg_put_u32(m, TH_A_GUEST, (uint32_t)hub_host_guests(hub, h));
		send_free(c->fd, m);
		if (hub_peer_owns(&c->peer, h->owner))
			list_host(c->fd, seq, hub, h);
	}
	for (s = hub->sessions; s; s = s->next) {
		struct hub_msg *m;

		/* other users' sessions are shown to root only */
		if (!hub_peer_owns(&c->peer, s->owner))
			continue;
		m = reply_new(TH_MSG_ENTRY, seq);
		if (!m)
			break;
		hub_msg_put_str(m, TH_A_KIND, "session");
		hub_msg_put_str(m, TH_A_NAME, s->name);
		hub_msg_put_u64(m, TH_A_SESSION_ID, s->id);
		hub_msg_put_u32(m, TH_A_OWNER, s->owner);
		hub_msg_put_str(m, TH_A_HOST, rh_host_name(s->host->rh));
		hub_msg_put_u32(m, TH_A_GUEST_ID, s->guest_id);
		hub_msg_put_str(m, TH_A_STATE, state_name(s));
		hub_msg_put_str(m, TH_A_SCRIPT, s->script);
		/* records the -o files could not take (disk full ...) */
		hub_msg_put_u64(m, TH_A_LOST,
				hub_writer_lost(s->writer ? s->writer
					       : s->owns_host ? s->host->writer : NULL));
		hub_msg_put_u32(m, TH_A_RUNNER_PID,
				s->has_so && s->runner_fd >= 0 ? (uint32_t)s->runner_pid : 0);
		if (s->has_so)
			hub_msg_put_str(m, TH_A_MESSAGE,
					s->runner_fd >= 0 ? "runner alive"
					: s->runner_seen  ? "runner gone"
							  : "runner not started");
		if (s->last_error[0])
			hub_msg_put_str(m, TH_A_ERROR, s->last_error);
		send_free(c->fd, m);
	}
	send_free(c->fd, reply_new(TH_MSG_END, seq));
}

static struct hub_session *session_of(struct hub_ctx *hub, struct hub_req *q)
{
	const char *name = hub_req_str(q, TH_A_NAME);
	uint64_t id;

	if (name)
		return hub_session_find(hub, name, 0);
	if (hub_req_u64(q, TH_A_SESSION_ID, &id))
		return hub_session_find(hub, NULL, id);
	return NULL;
}

/*
 * What a crash leaves must be recoverable (docs/recovery.md):
 * - the rings are pinned under bpffs in a directory named for the state
 *   dir (its device and inode), so two hubs with two state dirs never mix;
 * - a core dump of the hub must hold the stores and tables, which are
 *   file-backed shared mappings: bit 3 of coredump_filter.
 */
static void setup_crash_state(struct hub_ctx *hub)
{
	struct stat st;
	char buf[32];
	FILE *f;

	if (stat(hub->state_dir, &st) == 0 && access(HUB_BPFFS "/", W_OK) == 0) {
		snprintf(hub->pin_root, sizeof(hub->pin_root), "%s/taphub", HUB_BPFFS);
		mkdir(hub->pin_root, 0700);
		snprintf(hub->pin_root, sizeof(hub->pin_root), "%s/taphub/s%llx_%llx", HUB_BPFFS,
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		if (mkdir(hub->pin_root, 0700) && errno != EEXIST) {
			hub_log(hub, "cannot create %s: %s (records in kernel rings at a crash "
				     "will not be recoverable)",
				hub->pin_root, strerror(errno));
			hub->pin_root[0] = 0;
		}
	} else {
		hub_log(hub, "no bpffs at %s: records in kernel rings at a crash will not be "
			     "recoverable",
			HUB_BPFFS);
	}
	f = fopen("/proc/self/coredump_filter", "r+e");
	if (f) {
		unsigned long v = 0x33;

		if (fgets(buf, sizeof(buf), f))
			v = strtoul(buf, NULL, 16);
		rewind(f);
		fprintf(f, "0x%lx", v | 0x08);
		fclose(f);
	}
}

/* SIGTERM, SIGINT: stop the sessions as tapctl stop does, keeping their records. */
static void start_shutdown(struct hub_ctx *hub, int sig)
{
	int n = hub->nsessions;

	hub_log(hub, "%s: stopping %d session%s; what they recorded stays in %s/hosts",
		strsignal(sig), n, n == 1 ? "" : "s", hub->state_dir);
	hub_sessions_shutdown(hub);
	/* the 1 s tick times out end probes that take too long (hub_sessions_poll) */
}

/* SIGUSR2: every session's output goes on in a new file. */
static void switch_all(struct hub_ctx *hub)
{
	struct hub_session *s;
	int i;

	for (i = 0; i < hub->nhosts; i++)
		hub_writer_switch(hub->hosts[i]->writer);
	for (s = hub->sessions; s; s = s->next)
		hub_writer_switch(s->writer);
}

/* Returns true when the connection must be closed. */
static bool dispatch(struct hub_ctx *hub, struct hub_client *c, struct hub_req *q)
{
	uint32_t seq = q->h.seq;
	char err[4096] = "";
	struct hub_session *s;
	int r;

	if (c->runner_only && q->h.type != TH_MSG_RUNNER) {
		client_refuse_runner_only(hub, c, seq);
		return true;
	}
	switch (q->h.type) {
	case TH_MSG_HELLO: {
		struct hub_msg *m = reply_new(TH_MSG_OK, seq);

		if (m) {
			hub_msg_put_str(m, TH_A_VERSION_STR, TAPHUB_VERSION);
			hub_msg_put_u32(m, TH_A_UID, c->peer.uid);
		}
		send_free(c->fd, m);
		return false;
	}
	case TH_MSG_SESSION_CREATE:
		r = hub_session_create(hub, &c->peer, q, &s, err, sizeof(err));
		if (r) {
			hub_reply_error(c->fd, seq, -r, "%s", err);
		} else {
			struct hub_msg *m = reply_new(TH_MSG_OK, seq);

			if (m) {
				hub_msg_put_u64(m, TH_A_SESSION_ID, s->id);
				hub_msg_put_u32(m, TH_A_GUEST_ID, s->guest_id);
				hub_msg_put_str(m, TH_A_HOST, rh_host_name(s->host->rh));
			}
			send_free(c->fd, m);
			hub_log(hub, "session %s (id %llu) of uid %u: %s, host %s, guest %u", s->name,
				(unsigned long long)s->id, s->owner, s->script, rh_host_name(s->host->rh),
				s->guest_id);
		}
		return false;
	case TH_MSG_SESSION_STOP:
		s = session_of(hub, q);
		if (!s || !hub_peer_owns(&c->peer, s->owner)) {
			/* another user's session does not exist, as far as you can tell */
			hub_reply_error(c->fd, seq, ENOENT, "no session '%s'",
					hub_req_str(q, TH_A_NAME) ? hub_req_str(q, TH_A_NAME) : "?");
			return false;
		}
		/* a runner stopping its own session (exit() in a user probe) waits for nothing */
		{
			uint32_t discard = 0;

			hub_req_u32(q, TH_A_DISCARD, &discard);
			r = hub_session_stop(hub, s, c->runner_of == s ? -1 : c->fd, seq,
					     discard && c->runner_of != s);
		}
		if (r)
			hub_reply_error(c->fd, seq, -r, "session '%s' is already stopping", s->name);
		return false;
	case TH_MSG_SWITCH: {
		struct hub_writer *w;

		s = session_of(hub, q);
		if (!s || !hub_peer_owns(&c->peer, s->owner)) {
			hub_reply_error(c->fd, seq, ENOENT, "no session '%s'",
					hub_req_str(q, TH_A_NAME) ? hub_req_str(q, TH_A_NAME) : "?");
			return false;
		}
		w = s->writer ? s->writer : s->owns_host ? s->host->writer : NULL;
		if (!w) {
			hub_reply_error(c->fd, seq, EINVAL,
					"session '%s' has no output file (start it with -o FILE)",
					s->name);
			return false;
		}
		hub_writer_switch(w);
		send_free(c->fd, reply_new(TH_MSG_OK, seq));
		return false;
	}
	case TH_MSG_LIST:
		do_list(hub, c, seq);
		return false;
	case TH_MSG_ATTACH: {
		struct hub_reader_opts ro = {
			.fd = c->fd, .seq = seq, .hub = hub, .cls = -1, .uid = c->peer.uid,
		};
		const char *cls = hub_req_str(q, TH_A_CLASS);
		uint32_t guest = 0;

		s = session_of(hub, q);
		if (s && hub_peer_owns(&c->peer, s->owner)) {
			ro.host = s->host->rh;
			/* a guest of someone's host sees its own records; the host session all */
			ro.guest = s->is_host_session ? 0 : s->guest_id;
			if (hub_req_u32(q, TH_A_GUEST, &guest) && guest)
				ro.guest = s->is_host_session ? guest : s->guest_id;
		} else {
			/* a host made by tapctl host create has no session of its name */
			struct hub_host *h = hub_req_str(q, TH_A_NAME)
						     ? hub_host_find(hub, hub_req_str(q, TH_A_NAME))
						     : NULL;

			if (!h || !hub_peer_owns(&c->peer, h->owner)) {
				hub_reply_error(c->fd, seq, ENOENT, "no session or host '%s'",
						hub_req_str(q, TH_A_NAME) ? hub_req_str(q, TH_A_NAME)
									  : "?");
				return false;
			}
			ro.host = h->rh;
			if (hub_req_u32(q, TH_A_GUEST, &guest))
				ro.guest = guest;
		}
		if (cls) {
			ro.cls = rh_host_class(ro.host, cls);
			if (ro.cls < 0) {
				hub_reply_error(c->fd, seq, ENOENT, "host '%s' has no class '%s'",
						rh_host_name(ro.host), cls);
				return false;
			}
		}
		reply_ok(c->fd, seq);
		rh_host_get(ro.host);
		/* the reader thread takes the connection over */
		client_forget(hub, c->fd);
		if (hub_reader_start(&ro)) {
			close(ro.fd);
			hub_conn_release(hub, ro.uid);
			rh_host_put(ro.host);
		}
		return false; /* c is gone: the caller must not touch it */
	}
	case TH_MSG_HOST_CREATE:
		r = hub_host_create_cmd(hub, &c->peer, q, err, sizeof(err));
		if (r)
			hub_reply_error(c->fd, seq, -r, "%s", err);
		else
			reply_ok(c->fd, seq);
		return false;
	case TH_MSG_HOST_DESTROY:
		r = hub_host_destroy_cmd(hub, &c->peer, q, err, sizeof(err));
		if (r)
			hub_reply_error(c->fd, seq, -r, "%s", err);
		else
			reply_ok(c->fd, seq);
		return false;
	case TH_MSG_RUNNER: {
		struct hub_msg *m;

		s = session_of(hub, q);
		if (!s || s->owner != c->peer.uid) {
			hub_reply_error(c->fd, seq, EPERM, "no session of yours with that id");
			return true;
		}
		if (hub_req_str(q, TH_A_ERROR)) {
			/* a runner that could not start says why before it goes */
			hub_log(hub, "session %s: runner (pid %d): %s", s->name, c->peer.pid,
				hub_req_str(q, TH_A_ERROR));
			hub_session_runner_error(s, hub_req_str(q, TH_A_ERROR));
			reply_ok(c->fd, seq);
			if (s->runner_fd < 0) {
				s->runner_seen = true;
				hub_session_runner_gone(hub, s);
			}
			return true;
		}
		m = reply_new(TH_MSG_OK, seq);
		if (!m || (r = hub_session_runner(hub, s, c->fd, c->peer.pid, m))) {
			free(m);
			hub_reply_error(c->fd, seq, EBUSY, "session '%s' already has a runner", s->name);
			return true;
		}
		send_free(c->fd, m);
		c->runner_of = s;
		if (c->runner_only) {
			c->runner_only = false;
			conn_unpend(hub, c->peer.uid);
		}
		return false;
	}
	case TH_MSG_RUNNER_READY:
		if (!c->runner_of)
			break;
		if (hub_session_runner_ready(c->runner_of, err, sizeof(err)))
			hub_log(hub, "session %s: cannot attach: %s", c->runner_of->name, err);
		return false;
	case TH_MSG_OUTPUT: {
		size_t n = 0;
		const void *text = hub_req_bytes(q, TH_A_TEXT, &n);
		const struct rh_guest *g;

		if (!c->runner_of)
			break;
		if (hub_req_str(q, TH_A_ERROR))
			snprintf(c->runner_of->last_error, sizeof(c->runner_of->last_error), "%s",
				 hub_req_str(q, TH_A_ERROR));
		g = rh_host_guest(c->runner_of->host->rh, c->runner_of->guest_id);
		if (text && n)
			rh_host_inject(c->runner_of->host->rh, g ? g->cls_map[0] : 0,
					c->runner_of->guest_id, text, n);
		/* the end probes' output also goes to whoever is stopping the session */
		if (text && n && c->runner_of->state == HUB_SS_STOPPING && c->runner_of->stop_fd >= 0) {
			struct hub_msg *m = reply_new(TH_MSG_DATA, c->runner_of->stop_seq);

			if (m) {
				hub_msg_put_u32(m, TH_A_STREAM, 0);
				hub_msg_put(m, TH_A_TEXT, text, n);
			}
			send_free(c->runner_of->stop_fd, m);
		}
		return false;
	}
	case TH_MSG_END:
		/* the runner ran the end probes of a stopping session */
		if (!c->runner_of)
			break;
		s = c->runner_of;
		c->runner_of = NULL;
		if (s->state == HUB_SS_STOPPING) {
			s->runner_fd = -1;
			hub_session_finish(hub, s);
			/* finish() closed nothing of ours: the runner exits by itself */
		}
		return false;
	default:
		break;
	}
	hub_reply_error(c->fd, seq, EPROTO, "unexpected message type %u", q->h.type);
	hub_log(hub, "uid %u pid %d: unexpected message type %u; closing", c->peer.uid, c->peer.pid,
		q->h.type);
	return true;
}

static void on_client(struct hub_ctx *hub, int fd)
{
	struct hub_client *c = client_of(hub, fd);
	struct hub_req *q;
	char err[256] = "";
	int r;

	if (!c)
		return;
	if (c->refused) {
		char junk[256];

		(void)!recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
		hub_client_close_fd(hub, fd);
		return;
	}
	q = malloc(sizeof(*q));
	if (!q) {
		struct hub_session *s = c->runner_of;

		/* the message left unread would wake this loop again at once, forever */
		hub_log(hub, "uid %u pid %d: out of memory for its message; closing", c->peer.uid,
			c->peer.pid);
		hub_client_close_fd(hub, fd);
		if (s)
			hub_session_runner_gone(hub, s);
		return;
	}
	r = hub_msg_recv(fd, q, err, sizeof(err));
	if (r == -ECONNRESET || r == -EPIPE) {
		struct hub_session *s = c->runner_of;

		hub_client_close_fd(hub, fd);
		if (s) {
			hub_log(hub, "session %s: runner (pid %d) went away", s->name, s->runner_pid);
			hub_session_runner_gone(hub, s);
		}
		free(q);
		return;
	}
	if (r) {
		hub_log(hub, "uid %u pid %d: bad message: %s; closing", c->peer.uid, c->peer.pid, err);
		hub_reply_error(fd, 0, -r, "bad message: %s", err);
		if (c->runner_of)
			hub_session_runner_gone(hub, c->runner_of);
		hub_client_close_fd(hub, fd);
		free(q);
		return;
	}
	if (dispatch(hub, c, q)) {
		if (client_of(hub, fd) && client_of(hub, fd)->runner_of)
			hub_session_runner_gone(hub, client_of(hub, fd)->runner_of);
		hub_client_close_fd(hub, fd);
	}
	/* fds nobody took are closed */
	hub_req_close_fds(q);
	free(q);
}

static void on_accept(struct hub_ctx *hub)
{
	struct hub_peer peer;
	enum conn_admit a;
	char why[160];
	int fd = accept4(hub->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		/* gone before it was taken, or nothing there: the next one may do */
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			listen_pause(hub, errno);
		return;
	}
	if (hub_peer_get(fd, hub->group, &peer)) {
		close(fd);
		return;
	}
	/* the caps first: the hub keeps nothing of a connection it refuses */
	a = conn_admit(hub, &peer, why, sizeof(why));
	if (a == CONN_REFUSED) {
		log_limited(hub, &hub->refused_log, "refused uid %u pid %d: %s", peer.uid, peer.pid,
			    why);
		conn_refuse(fd, why);
		return;
	}
	if (client_add(hub, fd, &peer)) {
		close(fd);
		conn_put(hub, peer.uid, a == CONN_RUNNER_ONLY);
		return;
	}
	hub->clients[fd]->runner_only = a == CONN_RUNNER_ONLY;
	if (!hub_peer_admitted(&peer)) {
		hub_log(hub, "refused uid %u pid %d: not root and not in group taphub", peer.uid,
			peer.pid);
		hub_reply_error(fd, 0, EACCES,
				"permission denied: taphubd admits root and members of group taphub");
		/*
		 * Closing now would reset the connection if the client's first
		 * request is already queued here, and the client would never read
		 * why: close when it sends anything or hangs up instead.
		 */
		hub->clients[fd]->refused = true;
	}
}

static int listen_on(struct hub_ctx *hub)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[HUB_PATH_MAX], *slash;
	int fd;

	if (strlen(hub->sock_path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", hub->sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	strcpy(a.sun_path, hub->sock_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* a stale socket from a crashed hub: remove it if nobody answers */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(hub->sock_path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		int e = -errno;

		close(fd);
		return e;
	}
	/* root and the taphub group may connect; the hub checks again per peer */
	if (hub->group != (gid_t)-1) {
		if (chown(hub->sock_path, 0, hub->group) == 0)
			chmod(hub->sock_path, 0660);
	} else {
		chmod(hub->sock_path, 0600);
	}
	hub->lfd = fd;
	return 0;
}

/*
 * Why the hub could not start: in its log, and to whoever waits on the
 * ready fd (tap -F starting a hub), which otherwise learns only that it
 * did not start.
 */
static void start_failed(struct hub_ctx *hub, const struct hub_daemon_opts *o, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));
static void start_failed(struct hub_ctx *hub, const struct hub_daemon_opts *o, const char *fmt,
			 ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	hub_log(hub, "%s", msg + 1);
	if (o->ready_fd >= 0) {
		msg[0] = 'e'; /* "r" is ready, "e" and a reason is not */
		(void)!write(o->ready_fd, msg, 1 + (size_t)(n < (int)sizeof(msg) - 1 ? n : (int)sizeof(msg) - 2));
	}
}

int hub_daemon_run(const struct hub_daemon_opts *o)
{
	struct hub_ctx *hub = calloc(1, sizeof(*hub));
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec tick = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;
	int r = 1, i;

	if (!hub)
		return 1;
	rcu_register_thread();
	snprintf(hub->sock_path, sizeof(hub->sock_path), "%s", o->socket ? o->socket : HUB_DEFAULT_SOCKET);
	snprintf(hub->state_dir, sizeof(hub->state_dir), "%s",
		 o->state_dir ? o->state_dir : hub_state_dir_default());
	hub->foreground = o->foreground;
	hub->group = hub_group_gid(o->group);
	hub->max_clients = o->max_clients > 0 ? o->max_clients : HUB_MAX_CLIENTS;
	hub->max_clients_per_uid =
		o->max_clients_per_uid > 0 ? o->max_clients_per_uid : HUB_MAX_CLIENTS_PER_UID;
	hub->lfd = hub->epfd = hub->sigfd = hub->flag_efd = hub->tick_fd = -1;
	pthread_mutex_init(&hub->readers_mu, NULL);
	hub->lock_fd = -1;
	if (!hub->foreground)
		openlog("taphubd", LOG_PID, LOG_DAEMON);
	if (mkdir(hub->state_dir, 0700) && errno != EEXIST) {
		start_failed(hub, o, "cannot create the state dir %s: %s", hub->state_dir,
			     strerror(errno));
		goto out;
	}
	/* one hub per state dir: a second one took the first one's live hosts for a crash's */
	{
		pid_t holder = 0;

		r = hub_state_lock(hub->state_dir, &hub->lock_fd, &holder);
		if (r == -EBUSY) {
			start_failed(hub, o, "the state directory %s is in use by taphubd pid %d",
				     hub->state_dir, (int)holder);
			r = 1;
			goto out;
		} else if (r) {
			start_failed(hub, o, "cannot lock the state directory %s: %s", hub->state_dir,
				     strerror(-r));
			r = 1;
			goto out;
		}
		r = 1;
	}
	r = listen_on(hub);
	if (r) {
		start_failed(hub, o, "cannot listen on %s: %s", hub->sock_path,
			     r == -EADDRINUSE ? "another taphubd is running" : strerror(-r));
		r = 1;
		goto out;
	}
	setup_crash_state(hub);
	/* before any new host: an old directory is never reused anyway (hosts/NAME.N) */
	hub_sessions_recover(hub);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	hub->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	hub->epfd = epoll_create1(EPOLL_CLOEXEC);
	hub->flag_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	hub->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (hub->sigfd < 0 || hub->epfd < 0 || hub->flag_efd < 0 || hub->tick_fd < 0) {
		start_failed(hub, o, "cannot set up: %s", strerror(errno));
		r = 1;
		goto out;
	}
	timerfd_settime(hub->tick_fd, 0, &tick, NULL);
	ev.data.u64 = EV_LISTEN;
	epoll_ctl(hub->epfd, EPOLL_CTL_ADD, hub->lfd, &ev);
	ev.data.u64 = EV_SIGNAL;
	epoll_ctl(hub->epfd, EPOLL_CTL_ADD, hub->sigfd, &ev);
	ev.data.u64 = EV_FLAGS;
	epoll_ctl(hub->epfd, EPOLL_CTL_ADD, hub->flag_efd, &ev);
	ev.data.u64 = EV_TICK;
	epoll_ctl(hub->epfd, EPOLL_CTL_ADD, hub->tick_fd, &ev);
	hub_log(hub, "listening on %s, state in %s%s", hub->sock_path, hub->state_dir,
		hub->group == (gid_t)-1 ? " (no taphub group: root only)" : "");
	if (o->ready_fd >= 0) {
		(void)!write(o->ready_fd, "r", 1);
		close(o->ready_fd);
	}
	while (!hub->stopping) {
		struct epoll_event evs[32];
		int n = epoll_wait(hub->epfd, evs, 32, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			uint64_t id = evs[i].data.u64, v;

			if (id == EV_LISTEN) {
				on_accept(hub);
			} else if (id == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(hub->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGUSR2)
						switch_all(hub); /* as staprun: next file */
					else if (si.ssi_signo == SIGHUP)
						;
					else if (hub->shutting_down)
						hub->stopping = true; /* twice: now, end probes or not */
					else
						start_shutdown(hub, si.ssi_signo);
				}
			} else if (id == EV_FLAGS || id == EV_TICK) {
				(void)!read(id == EV_FLAGS ? hub->flag_efd : hub->tick_fd, &v, sizeof(v));
				hub_sessions_poll(hub);
				if (id == EV_TICK)
					conns_tick(hub);
			} else if (id >= EV_CLIENT) {
				on_client(hub, (int)(id - EV_CLIENT));
			}
		}
		/* a hub stop ends once every session ran its end probes (or timed out) */
		if (hub->shutting_down && !hub_sessions_stopping(hub))
			hub->stopping = true;
	}
	r = 0;
out:
	/*
	 * Whatever is left (recovered sessions, end probes that did not finish,
	 * a failed start) ends now; nothing recorded is deleted: every host
	 * stays in the state dir, drained and marked closed cleanly, and the
	 * next hub shows it as HOST_recovered.
	 */
	hub->shutting_down = true;
	while (hub->sessions) {
		struct hub_session *s = hub->sessions;

		if (s->guest)
			hub_guest_detach(s->guest);
		hub_session_finish(hub, s);
	}
	while (hub->nhosts) {
		hub->nhosts--;
		hub_host_free(hub->hosts[hub->nhosts]);
	}
	for (i = 0; i < hub->nclients_cap; i++)
		if (hub->clients[i])
			hub_client_close_fd(hub, i);
	free(hub->clients);
	free(hub->hosts);
	if (hub->lfd >= 0) {
		close(hub->lfd);
		unlink(hub->sock_path);
		/* empty unless a host is kept for the next hub (its pins stay) */
		if (hub->pin_root[0])
			rmdir(hub->pin_root);
	}
	if (hub->sigfd >= 0)
		close(hub->sigfd);
	if (hub->epfd >= 0)
		close(hub->epfd);
	if (hub->flag_efd >= 0)
		close(hub->flag_efd);
	if (hub->tick_fd >= 0)
		close(hub->tick_fd);
	/* readers hold host references; wait for them to finish */
	for (i = 0; i < 100; i++) {
		int left;

		pthread_mutex_lock(&hub->readers_mu);
		left = hub->nreaders;
		pthread_mutex_unlock(&hub->readers_mu);
		if (!left)
			break;
		usleep(20000);
	}
	if (hub->lock_fd >= 0)
		close(hub->lock_fd); /* last: the state dir is ours until everything is kept */
	rcu_unregister_thread();
	free(hub);
	return r;
}
