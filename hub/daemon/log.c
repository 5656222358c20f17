// SPDX-License-Identifier: MIT
/*
 * taphubd's log: syslog, or stderr with a timestamp in the foreground.
 * A line a flood repeats (refused connections, accept failing) is logged
 * at most every LOG_EVERY_S seconds, the others counted and said once the
 * window is over.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "hub/daemon/internal.h"

#define LOG_EVERY_S 10 /* a flood's log lines: one per 10 s, the rest counted */

void hub_log(struct hub_ctx *hub, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hub->foreground) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s taphubd: %s\n", when, msg);
	} else {
		syslog(LOG_INFO, "%s", msg);
	}
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* What a window of hub_log_limited held back, once the window is over (the tick). */
void hub_log_limited_flush(struct hub_ctx *hub, struct hub_log_limit *l)
{
	if (!l->more || mono_s() - l->last < LOG_EVERY_S)
		return;
	hub_log(hub, "%llu more like this since; the last: %s", (unsigned long long)l->more,
		l->what);
	l->more = 0;
	l->last = mono_s();
}

/* A line a flood repeats: logged at most every LOG_EVERY_S s, the rest counted. */
void hub_log_limited(struct hub_ctx *hub, struct hub_log_limit *l, const char *fmt, ...)
{
	char msg[sizeof(l->what)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->last && mono_s() - l->last < LOG_EVERY_S) {
		l->more++;
		memcpy(l->what, msg, sizeof(msg));
		return;
	}
	hub_log_limited_flush(hub, l);
	hub_log(hub, "%s", msg);
	l->last = mono_s();
}
