// SPDX-License-Identifier: MIT
/*
 * hubconn: open many connections to taphubd and hold them (the connection
 * flood of tests/e2e/hub_flood.sh; the tests cannot count on python3).
 *
 *   hubconn [-H] SOCKET N
 *
 * Opens up to N connections, one after the other.  With -H each sends a
 * HELLO and waits (at most 5 s) for the reply before the next one opens,
 * as tap and tapctl do: the reply is OK (served) or ERROR (refused, its
 * message kept).  Without -H the connections send nothing, so the hub
 * holds every one it accepts, and a connect that finds the listen backlog
 * full (EAGAIN) ends the opening early.
 *
 * Then it prints one summary and holds every connection until SIGTERM:
 *
 *   connected C served S refused R
 *   error MESSAGE            (the first refusal's message, with -H)
 *   holding
 *
 * Only include/taphub/proto.h (the wire format) is used, not the hub
 * library, so this is a client as foreign as any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "taphub/proto.h"

#define REPLY_WAIT_MS 5000

static int open_one(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The MESSAGE attribute of an ERROR reply, or "" */
static void error_text(const uint8_t *buf, size_t n, char *out, size_t len)
{
	size_t off = sizeof(struct th_msg_hdr);

	out[0] = 0;
	while (off + sizeof(struct th_attr_hdr) <= n) {
		struct th_attr_hdr a;

		memcpy(&a, buf + off, sizeof(a));
		off += sizeof(a);
		if (off + a.len > n)
			return;
		if (a.type == TH_A_MESSAGE && a.len > 0) {
			snprintf(out, len, "%.*s", (int)a.len - 1, (const char *)buf + off);
			return;
		}
		off += (a.len + 3u) & ~3u;
	}
}

/* 1: served, 0: refused (message in why), -errno: no reply */
static int hello(int fd, char *why, size_t len)
{
	struct th_msg_hdr h = {
		.magic = TH_PROTO_MAGIC, .version = TH_PROTO_VERSION, .type = TH_MSG_HELLO,
		.len = sizeof(h), .seq = 1,
	};
	static uint8_t buf[TH_PROTO_MAX_MSG];
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	struct th_msg_hdr r;
	ssize_t n;

	/* a hub that refused us may have shut its side already: read why anyway */
	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) < 0 && errno != EPIPE)
		return -errno;
	if (poll(&pf, 1, REPLY_WAIT_MS) <= 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(r))
		return -ECONNRESET;
	memcpy(&r, buf, sizeof(r));
	if (r.type == TH_MSG_OK)
		return 1;
	error_text(buf, (size_t)n, why, len);
	return 0;
}

int main(int argc, char **argv)
{
	char first[512] = "", why[512];
	int served = 0, refused = 0, failed = 0, n = 0, want, i;
	bool do_hello = false;
	const char *path;
	int *fds;

	if (argc > 1 && !strcmp(argv[1], "-H")) {
		do_hello = true;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fputs("usage: hubconn [-H] SOCKET N\n", stderr);
		return 2;
	}
	path = argv[1];
	want = atoi(argv[2]);
	fds = calloc((size_t)(want > 0 ? want : 1), sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < want; i++) {
		int fd = open_one(path), r;

		if (fd == -EAGAIN)
			break; /* the backlog is full: the hub accepts nothing more */
		if (fd < 0) {
			fprintf(stderr, "hubconn: connect %d: %s\n", i, strerror(-fd));
			return 1;
		}
		fds[n++] = fd;
		if (!do_hello)
			continue;
		r = hello(fd, why, sizeof(why));
		if (r == 1) {
			served++;
		} else if (r == 0) {
			refused++;
			if (!first[0])
				snprintf(first, sizeof(first), "%s", why);
		} else {
			failed++;
			if (!first[0])
				snprintf(first, sizeof(first), "no reply: %s", strerror(-r));
		}
	}
	printf("connected %d served %d refused %d failed %d\n", n, served, refused, failed);
	if (first[0])
		printf("error %s\n", first);
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}
