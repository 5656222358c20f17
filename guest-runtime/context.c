// SPDX-License-Identifier: MIT
/*
 * Context functions of user-context probes that need more than a system
 * call: ctime()/tz_ctime(), cmdline_str(), and symname()/symdata() and
 * modname(), which resolve kernel addresses with /proc/kallsyms, and
 * umodname(), with /proc/self/maps (backtrace.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

static size_t maxstr(struct grt_uctx *u)
{
	return (size_t)grt_rt_maxstr(u->rt);
}

void grt_ctime(struct grt_uctx *u, char *dst, int64_t secs, int local, int64_t past,
	       int64_t future)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)secs;
	struct tm tm;
	int64_t shown;

	dst[0] = 0;
	if (!(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm))) {
		if (!u->err)
			u->err = (secs < 0 ? past : future) + 1;
		return;
	}
	/*
	 * stap converts what 32-bit seconds hold (1901-12-13 to 2038-01-19),
	 * the local time's when local (its tz_ctime is ctime of the shifted
	 * seconds), and refuses the rest with an error a catch can take
	 */
	shown = secs + (local ? tm.tm_gmtoff : 0);
	if (shown < INT32_MIN || shown > INT32_MAX) {
		if (!u->err)
			u->err = (shown < 0 ? past : future) + 1;
		return;
	}
	/* stap's format, never the locale's: "Wed Jun 30 21:49:08 1993" */
	sprintf(dst, "%s %s %2d %02d:%02d:%02d %d%s%s", wd[tm.tm_wday % 7], mo[tm.tm_mon % 12],
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900, local ? " " : "",
		local && tm.tm_zone ? tm.tm_zone : "");
}

void grt_cmdline(struct grt_uctx *u, char *dst)
{
	size_t max = maxstr(u) - 1, i;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, dst, max) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		dst[0] = 0;
		return;
	}
	for (i = 0; i < (size_t)n; i++)
		if (!dst[i])
			dst[i] = ' ';
	/* the last argument's NUL became a space: drop it */
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = 0;
}

void grt_symbol(struct grt_uctx *u, char *dst, uint64_t addr, int style)
{
	/* stap's forms: "name", "name+0x10/0x80 [kernel]", "0x..." for a line (backtrace.c) */
	grt_sym_kernel(dst, maxstr(u), addr, style);
}

void grt_modname(struct grt_uctx *u, char *dst, uint64_t addr, int64_t site)
{
	if (grt_module_kernel(dst, maxstr(u), addr) < 0) {
		dst[0] = 0;
		if (!u->err)
			u->err = site + 1;
	}
}

void grt_umodname(struct grt_uctx *u, char *dst, uint64_t addr, int64_t site)
{
	if (grt_module_user(dst, maxstr(u), getpid(), addr) < 0) {
		dst[0] = 0;
		if (!u->err)
			u->err = site + 1;
	}
}
