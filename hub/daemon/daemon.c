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
 * before the hub keeps anything of it (HUB_MAX_CLIENTS in daemon.h, the
 * counting in conns.c).  When accept itself fails (the open files limit),
 * the listening socket leaves the epoll set until a client goes away or
 * the next tick.
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
		hub_msg_put_u64(m, TH_A_UPTIME, (uint64_t)(hub_now_s() - s->started));
		send_free(c->fd, m);
	}
	hub_services_list(hub, &c->peer, c->fd, seq);
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
		hub_client_refuse_runner_only(hub, c, seq);
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
				/* a dead session's marker ring: what became of its records */
				if (s->mark_note[0])
					hub_msg_put_str(m, TH_A_MESSAGE, s->mark_note);
			}
			send_free(c->fd, m);
			hub_log(hub, "session %s (id %llu) of uid %u: %s, host %s, guest %u", s->name,
				(unsigned long long)s->id, s->owner, s->script, rh_host_name(s->host->rh),
				s->guest_id);
		}
		return false;
	case TH_MSG_SERVICE:
		r = hub_service_note(hub, &c->peer, q, err, sizeof(err));
		if (r)
			hub_reply_error(c->fd, seq, -r, "%s", err);
		else
			reply_ok(c->fd, seq);
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
		const char *name = hub_req_str(q, TH_A_NAME);
		struct hub_host *h;

		s = session_of(hub, q);
		/* no session of that name: a host with files of its own (tapctl host create -o) */
		h = !s && name ? hub_host_find(hub, name) : NULL;
		if (h && h->writer && hub_peer_owns(&c->peer, h->owner)) {
			hub_writer_switch(h->writer);
			send_free(c->fd, reply_new(TH_MSG_OK, seq));
			return false;
		}
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
		hub_client_forget(hub, c->fd);
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
			hub_conn_unpend(hub, c->peer.uid);
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
	struct hub_client *c = hub_client_of(hub, fd);
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
		if (hub_client_of(hub, fd) && hub_client_of(hub, fd)->runner_of)
			hub_session_runner_gone(hub, hub_client_of(hub, fd)->runner_of);
		hub_client_close_fd(hub, fd);
	}
	/* fds nobody took are closed */
	hub_req_close_fds(q);
	free(q);
}

static void on_accept(struct hub_ctx *hub)
{
	struct hub_peer peer;
	enum hub_conn_admit a;
	char why[160];
	int fd = accept4(hub->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		/* gone before it was taken, or nothing there: the next one may do */
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			hub_listen_pause(hub, errno);
		return;
	}
	if (hub_peer_get(fd, &hub->groups, &peer)) {
		close(fd);
		return;
	}
	/* the caps first: the hub keeps nothing of a connection it refuses */
	a = hub_conn_admit(hub, &peer, why, sizeof(why));
	if (a == HUB_CONN_REFUSED) {
		hub_log_limited(hub, &hub->refused_log, "refused uid %u pid %d: %s", peer.uid, peer.pid,
			    why);
		hub_conn_refuse(fd, why);
		return;
	}
	if (hub_client_add(hub, fd, &peer)) {
		close(fd);
		hub_conn_put(hub, peer.uid, a == HUB_CONN_RUNNER_ONLY);
		return;
	}
	hub->clients[fd]->runner_only = a == HUB_CONN_RUNNER_ONLY;
	if (!hub_peer_admitted(&peer)) {
		/* limited: with the socket 0666, anyone may knock in a loop */
		hub_log_limited(hub, &hub->refused_log,
				"refused uid %u pid %d: not root, not in taphubdev, taphub or taphubusr",
				peer.uid, peer.pid);
		hub_reply_error(fd, 0, EACCES,
				"permission denied: taphubd admits root and members of group taphub, "
				"taphubdev or taphubusr");
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
	/*
	 * Root and the groups may connect; the hub checks again per peer.
	 * A socket has one group: with one of them on the machine the file
	 * system keeps the others out, with several the hub does, at accept
	 * (on_accept: refused before any request is read).  Then the socket
	 * is 0666 and that check is the only barrier.
	 */
	{
		const struct hub_groups *g = &hub->groups;
		gid_t one = (gid_t)-1;
		int n = 0;

		if (g->dev != (gid_t)-1)
			one = g->dev, n++;
		if (g->dev_alias != (gid_t)-1 && g->dev_alias != one)
			one = g->dev_alias, n++;
		if (g->usr != (gid_t)-1 && g->usr != one)
			one = g->usr, n++;
		if (n == 1 && chown(hub->sock_path, 0, one) == 0)
			chmod(hub->sock_path, 0660);
		else if (n > 1)
			chmod(hub->sock_path, 0666);
		else
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
	hub_groups_find(&hub->groups, o->group);
	snprintf(hub->artifact_dir, sizeof(hub->artifact_dir), "%s", o->artifact_dir);
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
		hub->groups.dev == (gid_t)-1 && hub->groups.dev_alias == (gid_t)-1 &&
				hub->groups.usr == (gid_t)-1
			? " (no taphubdev, taphub or taphubusr group: root only)"
			: "");
	if (o->ready_fd >= 0) {
		(void)!write(o->ready_fd, "r", 1);
		close(o->ready_fd);
	}
	/* the service's scripts come back once the hub answers (service.c) */
	hub_services_resume(hub);
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
					hub_conns_tick(hub);
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
