// SPDX-License-Identifier: MIT
/*
 * The client side of the control protocol, for tap, tapctl and runners:
 * connecting (and starting taphubd when root asks for a hub feature and
 * none is running), request/reply calls, and attached streams.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "hub/hub.h"

static uint32_t next_seq = 1;

uint32_t hub_next_seq(void)
{
	return next_seq++;
}

int hub_check_len(const char *opt, const char *s, size_t max, char *err, size_t errlen)
{
	if (strlen(s) <= max)
		return 0;
	snprintf(err, errlen, "%s: the value is %zu bytes long; the limit is %zu", opt, strlen(s),
		 max);
	return -EINVAL;
}

int hub_check_name(const char *opt, const char *s, char *err, size_t errlen)
{
	if (strlen(s) > HUB_NAME_MAX) {
		snprintf(err, errlen, "%s: the name is %zu characters long; the limit is %d", opt,
			 strlen(s), HUB_NAME_MAX);
		return -EINVAL;
	}
	if (!hub_name_valid(s)) {
		snprintf(err, errlen,
			 "%s: a name is letters, digits and '_', not starting with a digit: '%s'",
			 opt, s);
		return -EINVAL;
	}
	return 0;
}

/*
 * hub_msg_recv with a reason for every failure: a read error or EOF
 * comes back without one, and the tools print err.
 */
static int recv_reply(int fd, struct hub_req *q, char *err, size_t errlen)
{
	int r;

	err[0] = 0;
	r = hub_msg_recv(fd, q, err, errlen);
	if (r == -ECONNRESET)
		snprintf(err, errlen, "taphubd closed the connection");
	else if (r && !err[0])
		snprintf(err, errlen, "cannot read from taphubd: %s", strerror(-r));
	return r;
}

static int try_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Start taphubd (found beside this program) and wait until it listens. */
static int spawn_hub(const char *path, const char *state_dir, char *err, size_t errlen)
{
	char exe[4096], hubd[4200], why[1024], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int p[2], st;
	pid_t pid;

	if (n <= 0) {
		snprintf(err, errlen, "cannot find taphubd: %s", strerror(errno));
		return -ENOENT;
	}
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(hubd, sizeof(hubd), "%s/taphubd", exe);
	if (access(hubd, X_OK)) {
		snprintf(err, errlen, "taphubd is not running and %s is missing", hubd);
		return -ENOENT;
	}
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot start taphubd: %s", strerror(errno));
		return -EIO;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start taphubd: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -EIO;
	}
	if (pid == 0) {
		char fdarg[32];
		char *argv[10];
		int k = 0;

		/* the daemon detaches itself; it tells us through the pipe when it listens */
		close(p[0]);
		snprintf(fdarg, sizeof(fdarg), "--ready-fd=%d", p[1]);
		fcntl(p[1], F_SETFD, 0);
		argv[k++] = hubd;
		argv[k++] = fdarg;
		argv[k++] = "--socket";
		argv[k++] = (char *)path;
		if (state_dir) {
			argv[k++] = "--state-dir";
			argv[k++] = (char *)state_dir;
		}
		argv[k] = NULL;
		execv(hubd, argv);
		_exit(127);
	}
	close(p[1]);
	/* "r": it listens; "e" and a reason, or EOF: it failed (the reason is in its log too) */
	n = read(p[0], why, sizeof(why) - 1);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (n >= 1 && why[0] == 'r')
		return 0;
	if (n > 1 && why[0] == 'e') {
		why[n] = 0;
		snprintf(err, errlen, "taphubd did not start: %s", why + 1);
	} else {
		snprintf(err, errlen, "taphubd did not start (see the system log)");
	}
	return -EIO;
}

int hub_connect(const char *path, bool start, const char *state_dir, char *err, size_t errlen)
{
	int fd, r;

	if (!path)
		path = getenv("TAPHUB_SOCKET");
	if (!path)
		path = HUB_DEFAULT_SOCKET;
	fd = try_connect(path);
	if (fd >= 0)
		return fd;
	if (fd == -ENAMETOOLONG) {
		snprintf(err, errlen, "the socket path %s is longer than %d bytes", path,
			 HUB_SOCKET_PATH_MAX);
		return fd;
	}
	if ((fd != -ENOENT && fd != -ECONNREFUSED) || !start) {
		snprintf(err, errlen, "cannot connect to taphubd at %s: %s%s", path, strerror(-fd),
			 fd == -ENOENT || fd == -ECONNREFUSED ? " (is it running?)" : "");
		return fd;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "taphubd is not running, and only root can start it (systemctl start "
			 "taphubd)");
		return -EPERM;
	}
	/* a hub that owns the state dir but does not answer here: a second one would fail */
	{
		const char *dir = state_dir ? state_dir : hub_state_dir_default();
		pid_t holder = hub_state_lock_holder(dir);

		if (holder) {
			if (holder > 0)
				snprintf(err, errlen,
					 "taphubd pid %d holds the state directory %s but does not "
					 "answer on %s (another --socket?); not starting a second hub",
					 (int)holder, dir, path);
			else
				snprintf(err, errlen,
					 "a taphubd holds the state directory %s but does not answer on "
					 "%s; not starting a second hub",
					 dir, path);
			return -EBUSY;
		}
	}
	r = spawn_hub(path, state_dir, err, errlen);
	if (r)
		return r;
	fd = try_connect(path);
	if (fd < 0)
		snprintf(err, errlen, "cannot connect to the taphubd just started: %s", strerror(-fd));
	return fd;
}

int hub_call(int fd, struct hub_msg *req, struct hub_req *reply, char *err, size_t errlen)
{
	uint32_t seq = ((struct th_msg_hdr *)req->buf)->seq;
	int r = hub_msg_send(fd, req);

	/* a hub that refused us already said why: read that rather than EPIPE */
	if (r && r != -EPIPE && r != -ECONNRESET) {
		snprintf(err, errlen, "cannot send to taphubd: %s", strerror(-r));
		return r;
	}
	for (;;) {
		r = recv_reply(fd, reply, err, errlen);
		if (r)
			return r;
		if (reply->h.seq != seq && reply->h.type != TH_MSG_ERROR) {
			hub_req_close_fds(reply);
			continue; /* not ours (a stream in flight) */
		}
		if (reply->h.type == TH_MSG_ERROR) {
			uint32_t e = EPROTO;
			const char *m = hub_req_str(reply, TH_A_MESSAGE);

			hub_req_u32(reply, TH_A_ERRNO, &e);
			snprintf(err, errlen, "%s", m ? m : strerror((int)e));
			return -(int)e;
		}
		return 0;
	}
}

/*
 * Stop a session (by name, or by id when name is all digits), copying the
 * output of its end probes to out_fd until the hub says it is done.
 */
int hub_stop(int fd, const char *name, bool discard, int out_fd, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	uint32_t seq = hub_next_seq();
	char *end;
	unsigned long long id;
	int r;

	if (!m || !q) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	hub_msg_init(m, TH_MSG_SESSION_STOP, seq);
	id = strtoull(name, &end, 10);
	if (*name && !*end)
		r = hub_msg_put_u64(m, TH_A_SESSION_ID, id);
	else
		r = hub_msg_put_str(m, TH_A_NAME, name);
	if (!r && discard)
		r = hub_msg_put_u32(m, TH_A_DISCARD, 1);
	if (r) {
		snprintf(err, errlen, "the session name is too long: %s", strerror(-r));
		goto out;
	}
	r = hub_msg_send(fd, m);
	if (r) {
		snprintf(err, errlen, "cannot send to taphubd: %s", strerror(-r));
		goto out;
	}
	for (;;) {
		r = recv_reply(fd, q, err, errlen);
		if (r)
			break;
		if (q->h.type == TH_MSG_DATA) {
			size_t n = 0;
			const char *t = hub_req_bytes(q, TH_A_TEXT, &n);
			uint32_t stream = 0;

			/* stream 1: warnings (losses), for stderr as stap prints them */
			hub_req_u32(q, TH_A_STREAM, &stream);
			if (t && n && write(stream == 1 ? 2 : out_fd, t, n) < 0) {
				/* the stop goes on in the hub; its end output is lost */
				r = -errno;
				snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
				break;
			}
			continue;
		}
		if (q->h.type == TH_MSG_ERROR) {
			uint32_t e = EPROTO;
			const char *msg = hub_req_str(q, TH_A_MESSAGE);

			hub_req_u32(q, TH_A_ERRNO, &e);
			snprintf(err, errlen, "%s", msg ? msg : strerror((int)e));
			r = -(int)e;
			break;
		}
		if (q->h.type == TH_MSG_OK && q->h.seq == seq)
			break;
	}
	hub_req_close_fds(q);
out:
	free(m);
	free(q);
	return r;
}

/*
 * Attach to a session and copy its stream to out_fd (messages to msg_fd)
 * until the session ends or SIGINT/SIGQUIT/SIGTERM arrives: then detach,
 * leaving the session recording.  Returns 0, or -errno with err set.
 */
int hub_attach(int fd, const char *name, const char *cls, uint32_t guest, int out_fd,
	       int msg_fd, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	struct pollfd pf[2];
	sigset_t mask, old;
	int sigfd = -1, r;

	if (!m || !q) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	hub_msg_init(m, TH_MSG_ATTACH, hub_next_seq());
	r = hub_msg_put_str(m, TH_A_NAME, name);
	if (!r && cls)
		r = hub_msg_put_str(m, TH_A_CLASS, cls);
	if (!r && guest)
		r = hub_msg_put_u32(m, TH_A_GUEST, guest);
	if (r) {
		snprintf(err, errlen, "the session or class name is too long: %s", strerror(-r));
		goto out_sig;
	}
	r = hub_call(fd, m, q, err, errlen);
	if (r)
		goto out_sig;
	pf[0].fd = fd;
	pf[0].events = POLLIN;
	pf[1].fd = sigfd;
	pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, sigfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			snprintf(err, errlen, "cannot wait for taphubd: %s", strerror(errno));
			break;
		}
		if (sigfd >= 0 && (pf[1].revents & POLLIN)) {
			/* detach: the hub ends our reader, the session records on */
			hub_msg_init(m, TH_MSG_DETACH, hub_next_seq());
			hub_msg_send(fd, m);
			break;
		}
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = recv_reply(fd, q, err, errlen);
		if (r == -ECONNRESET) {
			/* the hub ended the stream with the session */
			r = 0;
			break;
		}
		if (r)
			break;
		if (q->h.type == TH_MSG_END)
			break;
		if (q->h.type == TH_MSG_DATA) {
			uint32_t stream = 0;
			size_t n = 0;
			const char *t = hub_req_bytes(q, TH_A_TEXT, &n);

			hub_req_u32(q, TH_A_STREAM, &stream);
			while (t && n) {
				ssize_t w = write(stream ? msg_fd : out_fd, t, n);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					/* what we print is the point: stop, leave the session be */
					r = w < 0 ? -errno : -EIO;
					snprintf(err, errlen, "cannot write the output: %s",
						 strerror(-r));
					break;
				}
				t += w;
				n -= (size_t)w;
			}
		}
		hub_req_close_fds(q);
		if (r) {
			hub_msg_init(m, TH_MSG_DETACH, hub_next_seq());
			hub_msg_send(fd, m);
			break;
		}
	}
out_sig:
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	free(m);
	free(q);
	return r;
}
