// SPDX-License-Identifier: MIT
/*
 * The state directory and who owns it.
 *
 * One hub at a time may own a state directory: two hubs on one directory
 * took each other's live hosts for a crash's leftovers and deleted them.
 * The owner holds an exclusive flock(2) on STATE/taphubd.lock for its whole
 * life, and writes its pid into the file so that whoever finds the lock
 * held can say by whom.  flock belongs to the open file description, so
 * the lock goes with the process however it ends (kill -9 included) and
 * is never left stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "hub/hub.h"

#define LOCK_NAME "taphubd.lock"

const char *hub_state_dir_default(void)
{
	const char *e = getenv("TAPHUB_STATE_DIR");

	return e && *e ? e : HUB_DEFAULT_STATE_DIR;
}

static int lock_path(const char *state_dir, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", state_dir, LOCK_NAME) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The pid written in a lock file, 0 when there is none. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long v;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	v = strtol(buf, NULL, 10);
	return v > 0 && v < (1L << 30) ? (pid_t)v : 0;
}

int hub_state_lock(const char *state_dir, int *ret_fd, pid_t *ret_holder)
{
	char path[HUB_STATE_PATH_MAX], pid[32];
	int fd, n, r;

	*ret_holder = 0;
	r = lock_path(state_dir, path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = -errno;
		if (r == -EWOULDBLOCK) {
			*ret_holder = read_pid(fd);
			r = -EBUSY;
		}
		close(fd);
		return r;
	}
	/* ours now: say who we are (the pid of the process that runs the hub) */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

pid_t hub_state_lock_holder(const char *state_dir)
{
	char path[HUB_STATE_PATH_MAX];
	pid_t pid = 0;
	int fd;

	if (lock_path(state_dir, path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	/* a shared lock is refused only while an owner holds the exclusive one */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
	} else if (errno == EWOULDBLOCK) {
		pid = read_pid(fd);
		if (!pid)
			pid = -1; /* held, by a process that has not written its pid yet */
	}
	close(fd);
	return pid;
}
