// SPDX-License-Identifier: MIT
/*
 * system.c - what system(cmd) and printk(level, msg) do, for the programs
 * that run a session's probes (tap, and a hub session's runner).  The
 * probes only ask (a record from the kernel, a queued request from a
 * user probe, see rt.c); the program acts after the probe has finished,
 * as stap's staprun does.  The hub never calls these: it runs no command
 * a script names.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "guest-runtime/grt.h"

/*
 * `sh -c cmd` in the background: a child that forks the command and
 * exits at once, so the command is nobody's child to reap (a session's
 * SIGCHLD handling is for its -c command) and its end is not waited for.
 * Descriptors above stderr are closed in the command: our rings, maps and
 * sockets are not its business.
 */
int grt_system_spawn(const char *cmd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pid_t g = fork();

		if (g < 0)
			_exit(1);
		if (g > 0)
			_exit(0);
		/* the command gets the signals a shell's command gets, not ours */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		closefrom(3);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

/* One record of the kernel log; msg may start with a "<level>" prefix. */
int grt_printk_write(const char *msg, size_t len)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, msg, len);
	close(fd);
	if (n < 0)
		return -errno;
	return 0;
}
