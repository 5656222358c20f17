// SPDX-License-Identifier: MIT
/*
 * timeit: the start-up clock of bench/run.sh.
 *
 *   timeit [-m TEXT] [-g] [-t SECONDS] -- CMD [ARGS...]
 *
 * Runs CMD with its standard output on a pipe that timeit reads (and
 * discards), and prints one line on its own standard output:
 *
 *   MATCH_MS EXIT_MS STATUS
 *
 * MATCH_MS is the time from just before fork() to the first output line
 * containing TEXT (-1 without -m or when it never came), EXIT_MS the time
 * until CMD exited, STATUS its exit status (128 + signal when killed).
 *
 * With -g, timeit itself calls getppid() every 100 us until TEXT is seen:
 * the event a tracer under test is waiting for, so MATCH_MS is launch (or
 * compile) to first event, attach included.  -t kills CMD (by its pid,
 * SIGTERM, then SIGKILL a second later) after SECONDS; default 60.
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
#include <sys/syscall.h>
#include <sys/wait.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fputs("usage: timeit [-m TEXT] [-g] [-t SECONDS] -- CMD [ARGS...]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *text = NULL;
	int getppid_until_match = 0, c, p[2], status = 0;
	double limit_s = 60, t0, match_ms = -1, exit_ms = -1;
	char buf[65536 + 1], line[4096];
	size_t linelen = 0;
	int eof = 0, killed = 0;
	pid_t pid;

	while ((c = getopt(argc, argv, "+m:gt:")) != -1) {
		switch (c) {
		case 'm':
			text = optarg;
			break;
		case 'g':
			getppid_until_match = 1;
			break;
		case 't':
			limit_s = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (pipe2(p, O_CLOEXEC))
		return perror("pipe"), 1;

	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		dup2(p[1], 1);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "timeit: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);

	while (!eof) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		int n;

		if (getppid_until_match && match_ms < 0)
			ts.tv_nsec = 100 * 1000;
		n = ppoll(&pfd, 1, &ts, NULL);
		if (n < 0 && errno != EINTR)
			break;
		if (getppid_until_match && match_ms < 0)
			syscall(SYS_getppid);
		if (!killed && now_ms() - t0 > limit_s * 1e3) {
			kill(pid, SIGTERM);
			killed = 1;
		} else if (killed == 1 && now_ms() - t0 > limit_s * 1e3 + 1e3) {
			kill(pid, SIGKILL);
			killed = 2;
		}
		if (n <= 0)
			continue;
		for (;;) {
			ssize_t r = read(p[0], buf, sizeof(buf) - 1);
			ssize_t i;

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			if (r <= 0) {
				eof = 1;
				break;
			}
			/* lines, for -m: the match must be within one line */
			for (i = 0; i < r && text && match_ms < 0; i++) {
				if (buf[i] != '\n') {
					if (linelen < sizeof(line) - 1)
						line[linelen++] = buf[i];
					continue;
				}
				line[linelen] = 0;
				linelen = 0;
				if (strstr(line, text))
					match_ms = now_ms() - t0;
			}
		}
	}
	if (waitpid(pid, &status, 0) == pid)
		exit_ms = now_ms() - t0;
	if (text && match_ms < 0 && linelen) {
		line[linelen] = 0;
		if (strstr(line, text))
			match_ms = exit_ms;
	}
	printf("%.2f %.2f %d\n", match_ms, exit_ms,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
