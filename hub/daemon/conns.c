// SPDX-License-Identifier: MIT
/*
 * taphubd's connections: admitted, counted per uid and in all, capped,
 * and closed; the listening socket paused while accept fails.  The control
 * loop (daemon.c) admits and dispatches; the sessions close their runners'
 * connections here, and reader threads release theirs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "hub/daemon/internal.h"

/* ---- connections: counted per uid, capped ------------------------------------------ */

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
enum hub_conn_admit hub_conn_admit(struct hub_ctx *hub, const struct hub_peer *p, char *why,
				  size_t len)
{
	int all = hub->max_clients + (p->root ? HUB_ROOT_RESERVE : 0);
	enum hub_conn_admit r = HUB_CONN_ADMITTED;
	struct hub_uid_conns *e;

	pthread_mutex_lock(&hub->readers_mu);
	e = uid_conns(hub, p->uid, false);
	if ((!p->root && e && e->n >= hub->max_clients_per_uid) || hub->nconns >= all) {
		r = HUB_CONN_RUNNER_ONLY;
		if ((e ? e->pending : 0) >= runners_awaited(hub, p->uid)) {
			conn_cap_reason(hub, p, e ? e->n : 0, why, len);
			r = HUB_CONN_REFUSED;
		}
	}
	if (r != HUB_CONN_REFUSED) {
		e = uid_conns(hub, p->uid, true);
		if (e) {
			e->n++;
			e->pending += r == HUB_CONN_RUNNER_ONLY;
			hub->nconns++;
		} else {
			snprintf(why, len, "taphubd is out of memory");
			r = HUB_CONN_REFUSED;
		}
	}
	pthread_mutex_unlock(&hub->readers_mu);
	return r;
}

/* A connection of uid is closed (pending: it was let in for a runner only). */
void hub_conn_put(struct hub_ctx *hub, uid_t uid, bool pending)
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
	hub_conn_put(hub, uid, false);
}

/* A connection let in for a runner became one: it is an ordinary connection now. */
void hub_conn_unpend(struct hub_ctx *hub, uid_t uid)
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
void hub_conn_refuse(int fd, const char *why)
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
void hub_listen_pause(struct hub_ctx *hub, int err)
{
	struct rlimit rl = { 0 };

	if (epoll_ctl(hub->epfd, EPOLL_CTL_DEL, hub->lfd, NULL) == 0)
		hub->listen_paused = true;
	getrlimit(RLIMIT_NOFILE, &rl);
	hub_log_limited(hub, &hub->accept_log,
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

struct hub_client *hub_client_of(struct hub_ctx *hub, int fd)
{
	return fd >= 0 && fd < hub->nclients_cap ? hub->clients[fd] : NULL;
}

void hub_client_forget(struct hub_ctx *hub, int fd)
{
	struct hub_client *c = hub_client_of(hub, fd);

	if (!c)
		return;
	epoll_ctl(hub->epfd, EPOLL_CTL_DEL, fd, NULL);
	hub->clients[fd] = NULL;
	free(c);
}

void hub_client_close_fd(struct hub_ctx *hub, int fd)
{
	struct hub_client *c = hub_client_of(hub, fd);
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
	hub_client_forget(hub, fd);
	close(fd);
	hub_conn_put(hub, uid, pending);
	/* an fd is free: accept again if the open files limit stopped us */
	listen_resume(hub);
}

/* A connection let in over a cap for a runner that is no runner: told, closed. */
void hub_client_refuse_runner_only(struct hub_ctx *hub, struct hub_client *c, uint32_t seq)
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
void hub_conns_tick(struct hub_ctx *hub)
{
	int fd;

	listen_resume(hub);
	hub_log_limited_flush(hub, &hub->refused_log);
	hub_log_limited_flush(hub, &hub->accept_log);
	for (fd = 0; fd < hub->nclients_cap; fd++) {
		struct hub_client *c = hub->clients[fd];

		if (c && c->runner_only && !runners_awaited(hub, c->peer.uid)) {
			hub_client_refuse_runner_only(hub, c, 0);
			hub_client_close_fd(hub, fd);
		}
	}
}

int hub_client_add(struct hub_ctx *hub, int fd, const struct hub_peer *peer)
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
