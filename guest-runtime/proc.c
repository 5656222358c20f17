// SPDX-License-Identifier: MIT
/*
 * proc.c - what the kernel keeps about a process, for user-context probes:
 * task_utime()/task_stime(), proc_mem_*(), mem_page_size(), pexecname(),
 * cmdline_args(), cpu_clock_*().  A user probe runs in tap (or the
 * session's runner), so "the current process" is that one, as stap's
 * begin and end probes run in its own helper; the _pid forms read any
 * process through /proc.
 *
 * Units are stap's: CPU times in the kernel's cputime, nanoseconds since
 * Linux 4.11 (what the kernel side reads from task_struct); memory in
 * pages, counted as proc_mem.stp counts them: size total_vm, rss the
 * file + anon + shmem pages, shr the file pages alone, txt the pages the
 * text spans, data data_vm + stack_vm (/proc/PID/statm and status have
 * them all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

/* Read a small /proc file into buf (NUL terminated); bytes read or -errno. */
static ssize_t read_proc(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static int64_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* "Key:   1234 kB" of /proc/PID/status, in pages; -1 when missing. */
static int64_t status_pages(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	if (!p)
		return -1;
	return strtoll(p + strlen(key), NULL, 10) * 1024 / page_size();
}

static int64_t mem(int what, int64_t pid)
{
	char path[64], buf[4096];
	long long size, res, shared, text, lib, data;
	int64_t file;

	snprintf(path, sizeof(path), "/proc/%lld/statm", (long long)pid);
	if (read_proc(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lld %lld %lld %lld %lld %lld", &size, &res, &shared, &text, &lib, &data) != 6)
		return 0; /* no such process: stap's 0 for a task it cannot find */
	switch (what) {
	case GRT_PI_MEM_SIZE: return size;
	case GRT_PI_MEM_RSS: return res;
	case GRT_PI_MEM_TXT: return text;
	case GRT_PI_MEM_DATA: return data;
	default: break;
	}
	/* statm's shared counts shmem too; stap's shr is the file pages alone */
	snprintf(path, sizeof(path), "/proc/%lld/status", (long long)pid);
	if (read_proc(path, buf, sizeof(buf)) < 0 || (file = status_pages(buf, "RssFile:")) < 0)
		return shared;
	return file;
}

/* utime or stime of a thread of this process or any other, from /proc/PID/task/TID/stat. */
static int64_t cputime(bool sys, int64_t tid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;

	snprintf(path, sizeof(path), "/proc/%lld/task/%lld/stat", (long long)getpid(),
		 (long long)tid);
	if (read_proc(path, buf, sizeof(buf)) < 0) {
		snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)tid);
		if (read_proc(path, buf, sizeof(buf)) < 0)
			return 0;
	}
	/* after "(comm)", which may hold spaces: state, then fields 4..15 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return 0;
	/* clock ticks to the kernel's nanoseconds */
	return (int64_t)((sys ? st : ut) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

int64_t grt_proc_long(struct grt_uctx *u, int what, int has_pid, int64_t pid)
{
	struct rusage ru;

	(void)u;
	switch (what) {
	case GRT_PI_UTIME:
	case GRT_PI_STIME:
		if (has_pid)
			return cputime(what == GRT_PI_STIME, pid);
		/* this thread, to the microsecond */
		if (getrusage(RUSAGE_THREAD, &ru))
			return 0;
		{
			struct timeval *tv = what == GRT_PI_STIME ? &ru.ru_stime : &ru.ru_utime;

			return (int64_t)tv->tv_sec * 1000000000LL + (int64_t)tv->tv_usec * 1000;
		}
	case GRT_PI_PAGESIZE:
		return page_size();
	default:
		return mem(what, has_pid ? pid : getpid());
	}
}

void grt_pexecname(struct grt_uctx *u, char *dst)
{
	char path[64], comm[64];
	size_t n;

	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)getppid());
	if (read_proc(path, comm, sizeof(comm)) < 0) {
		dst[0] = 0;
		return;
	}
	n = strcspn(comm, "\n");
	comm[n] = 0;
	grt_str_copy(dst, (size_t)grt_rt_maxstr(u->rt), comm);
}

/*
 * stap's cmdline_args(n, m, delim) (context.stp): argument n, then up to
 * m (m < 0: all) each after delim, an empty one after the first written
 * as "", over this process's arguments.
 */
void grt_cmdline_args(struct grt_uctx *u, char *dst, int64_t n, int64_t m, const char *delim)
{
	size_t max = (size_t)grt_rt_maxstr(u->rt);
	char buf[8192];
	ssize_t len = read_proc("/proc/self/cmdline", buf, sizeof(buf));
	struct grt_buf out = { 0 };
	int64_t nr = 0;
	ssize_t i = 0;

	dst[0] = 0;
	if (len <= 0 || n < 0)
		return;
	while (i < len && (m < 0 || nr <= m)) {
		const char *arg = buf + i;

		if (nr == n) {
			grt_buf_puts(&out, arg);
		} else if (nr > n) {
			grt_buf_puts(&out, delim);
			grt_buf_puts(&out, *arg ? arg : "\"\"");
		}
		i += (ssize_t)strlen(arg) + 1;
		nr++;
	}
	grt_str_copy(dst, max, out.data ? out.data : "");
	grt_buf_free(&out);
}

int64_t grt_cpu_clock(struct grt_uctx *u, int has_cpu, int64_t cpu, int64_t site)
{
	struct timespec ts;

	/* stap refuses a CPU that is not there (the kernel side has the same bound) */
	if (has_cpu && (cpu < 0 || cpu >= grt_ctx_long(u, GRT_CV_NCPUS))) {
		if (!u->err)
			u->err = site + 1;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
