// SPDX-License-Identifier: MIT
/*
 * gen: the workload generator of the tests and benchmarks.  It makes known
 * numbers of events so a script's counts can be checked exactly:
 *
 *   gen getppid N            N getppid() calls
 *   gen write N SIZE [FILE]  N writes of SIZE bytes (to /dev/null by default)
 *   gen open FILE N          N openat(FILE, O_RDONLY) + close
 *   gen fork N               N children that exit at once (waited for)
 *   gen kill N SIG           N signals SIG to a child that ignores them
 *   gen ctxsw N              N round trips between two threads over pipes
 *   gen udp N PORT           N datagrams to 127.0.0.1:PORT
 *   gen flood MS             getpid() as fast as possible for MS milliseconds
 *   gen spin MS              burn CPU for MS milliseconds
 *   gen sleep MS             sleep MS milliseconds
 *
 * With -t first, it prints the nanoseconds per event (wall clock), for the
 * benchmarks: "gen -t getppid 1000000".  Every event is made by this
 * process (or its threads) so `tap -c` and pid()/target() can filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long arg(char **argv, int i, int argc, const char *what)
{
	char *end;
	long v;

	if (i >= argc) {
		fprintf(stderr, "gen: missing %s\n", what);
		exit(2);
	}
	v = strtol(argv[i], &end, 0);
	if (*end || v < 0) {
		fprintf(stderr, "gen: bad %s '%s'\n", what, argv[i]);
		exit(2);
	}
	return v;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int pipes[2][2];

static void *pong(void *unused)
{
	char c;

	(void)unused;
	while (read(pipes[0][0], &c, 1) == 1)
		if (write(pipes[1][1], &c, 1) != 1)
			break;
	return NULL;
}

int main(int argc, char **argv)
{
	int i = 1, timing = 0;
	long n = 0, k;
	const char *cmd;
	double t0;

	if (i < argc && !strcmp(argv[i], "-t")) {
		timing = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: gen [-t] getppid|write|open|fork|kill|ctxsw|udp|flood|spin|sleep ...\n");
		return 2;
	}
	cmd = argv[i++];
	t0 = now_ns();
	if (!strcmp(cmd, "getppid")) {
		n = arg(argv, i, argc, "count");
		for (k = 0; k < n; k++)
			syscall(SYS_getppid);
	} else if (!strcmp(cmd, "write")) {
		long size;
		const char *path;
		char *buf;
		int fd;

		n = arg(argv, i, argc, "count");
		size = arg(argv, i + 1, argc, "size");
		path = i + 2 < argc ? argv[i + 2] : "/dev/null";
		buf = calloc(1, (size_t)size + 1);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !buf) {
			perror(path);
			return 1;
		}
		memset(buf, 'x', (size_t)size);
		for (k = 0; k < n; k++)
			if (write(fd, buf, (size_t)size) != size)
				return 1;
		close(fd);
		free(buf);
	} else if (!strcmp(cmd, "open")) {
		const char *path = i < argc ? argv[i] : "/dev/null";

		n = arg(argv, i + 1, argc, "count");
		for (k = 0; k < n; k++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
	} else if (!strcmp(cmd, "fork")) {
		n = arg(argv, i, argc, "count");
		for (k = 0; k < n; k++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
	} else if (!strcmp(cmd, "kill")) {
		long sig;
		pid_t p;

		n = arg(argv, i, argc, "count");
		sig = arg(argv, i + 1, argc, "signal");
		p = fork();
		if (p == 0) {
			signal((int)sig, SIG_IGN);
			for (;;)
				pause();
		}
		usleep(20000); /* let the child install its handler */
		for (k = 0; k < n; k++)
			kill(p, (int)sig);
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	} else if (!strcmp(cmd, "ctxsw")) {
		pthread_t th;
		char c = 'x';

		n = arg(argv, i, argc, "count");
		if (pipe(pipes[0]) || pipe(pipes[1]))
			return 1;
		pthread_create(&th, NULL, pong, NULL);
		for (k = 0; k < n; k++)
			if (write(pipes[0][1], &c, 1) != 1 || read(pipes[1][0], &c, 1) != 1)
				return 1;
		close(pipes[0][1]);
		pthread_join(th, NULL);
	} else if (!strcmp(cmd, "udp")) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		n = arg(argv, i, argc, "count");
		a.sin_port = htons((uint16_t)arg(argv, i + 1, argc, "port"));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (k = 0; k < n; k++)
			sendto(s, "taphub", 6, 0, (struct sockaddr *)&a, sizeof(a));
		close(s);
	} else if (!strcmp(cmd, "flood")) {
		long ms = arg(argv, i, argc, "milliseconds");

		/* check the clock every 4096 calls: the loop is the syscall */
		while (now_ns() - t0 < (double)ms * 1e6)
			for (k = 0; k < 4096; k++, n++)
				syscall(SYS_getpid);
	} else if (!strcmp(cmd, "spin")) {
		long ms = arg(argv, i, argc, "milliseconds");
		volatile unsigned long x = 0;

		while (now_ns() - t0 < (double)ms * 1e6)
			x++;
		n = 1;
	} else if (!strcmp(cmd, "sleep")) {
		long ms = arg(argv, i, argc, "milliseconds");

		usleep((useconds_t)ms * 1000);
		n = 1;
	} else {
		fprintf(stderr, "gen: unknown workload '%s'\n", cmd);
		return 2;
	}
	if (timing)
		printf("%.1f\n", n ? (now_ns() - t0) / (double)n : 0.0);
	return 0;
}
