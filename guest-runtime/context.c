// SPDX-License-Identifier: MIT
/*
 * Context functions of user-context probes that need more than a system
 * call: ctime()/tz_ctime(), cmdline_str(), and symname()/symdata(), which
 * resolve kernel addresses with /proc/kallsyms (read once, sorted, then
 * binary-searched; kernel probes cannot do this, so the compiler keeps
 * symname() to user context: record the address, resolve it at print).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
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

void grt_ctime(char *dst, int64_t secs, int local)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)secs;
	struct tm tm;

	if (secs < 0 || !(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm))) {
		strcpy(dst, "a long, long time ago...");
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

/* ---- kallsyms -------------------------------------------------------------- */

struct ksym {
	uint64_t addr;
	char *name;
	char *module;
};

static struct ksym *ksyms;
static size_t nksyms;
static pthread_once_t ksyms_once = PTHREAD_ONCE_INIT;

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_ksyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	size_t cap = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		unsigned long long addr;
		int k = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);

		/* text and data symbols; addresses are 0 without CAP_SYSLOG */
		if (k < 3 || !addr)
			continue;
		if (nksyms == cap) {
			struct ksym *n;

			cap = cap ? cap * 2 : 65536;
			n = realloc(ksyms, cap * sizeof(*n));
			if (!n)
				break;
			ksyms = n;
		}
		ksyms[nksyms].addr = addr;
		ksyms[nksyms].name = strdup(name);
		ksyms[nksyms].module = k == 4 ? strdup(mod) : NULL;
		if (!ksyms[nksyms].name)
			break;
		nksyms++;
	}
	fclose(f);
	if (nksyms > 1)
		qsort(ksyms, nksyms, sizeof(*ksyms), by_addr);
}

void grt_symbol(struct grt_uctx *u, char *dst, uint64_t addr, int with_offset)
{
	size_t lo = 0, hi, max = maxstr(u);

	pthread_once(&ksyms_once, load_ksyms);
	hi = nksyms;
	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		/* unknown: stap prints the address */
		snprintf(dst, max, "0x%" PRIx64, addr);
		return;
	}
	lo--;
	if (!with_offset) {
		snprintf(dst, max, "%s", ksyms[lo].name);
		return;
	}
	snprintf(dst, max, "%s+0x%" PRIx64 "/0x%" PRIx64 "%s%s%s", ksyms[lo].name,
		 addr - ksyms[lo].addr,
		 lo + 1 < nksyms ? ksyms[lo + 1].addr - ksyms[lo].addr : (uint64_t)0,
		 ksyms[lo].module ? " [" : "", ksyms[lo].module ? ksyms[lo].module : "",
		 ksyms[lo].module ? "]" : "");
}
