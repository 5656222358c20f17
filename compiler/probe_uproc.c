// SPDX-License-Identifier: MIT
/*
 * Process lifecycle probes, as stap's utrace-based ones:
 *
 *   process.begin, process.end                  every process; with -c or
 *   process.thread.begin, process.thread.end    -x, the target and what it
 *                                               forks
 *   process("PATH").begin ... .thread.end       processes running PATH
 *   process(PID).begin ... .thread.end          process PID
 *
 * Each is a derived probe on a few tracepoints (codegen_uproc.c writes the
 * programs): a new process or thread begins in its own context, at its
 * first return from fork/clone (sys_exit with 0); a process that exec()s
 * ends (its old program) and begins (the new one) at sched_process_exec;
 * a thread ends at sched_process_exit, a process with its last thread.
 *
 * A filter is a bit of the guest's tracking map (tgid -> bits): the
 * program file's bit is set when a process forks from or exec()s a file
 * of that device and inode (the loader stats PATH when it loads, so a
 * symlink or another spelling of the path is the same file, and a file
 * renamed over it is not), the pid's bit when the loader seeds the map,
 * the tree's bit for -c's or -x's process and, at fork, for its children.
 * The map is what tells an exiting process's program: the kernel has
 * dropped its memory map by sched_process_exit.
 */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "compiler/compiler.h"
#include "taphub/record.h"

static const char *const event_names[] = { "begin", "end", "thread.begin", "thread.end" };

/*
 * Does component i on name event ev (enum cc_uproc_event)?  Components
 * may be globs, each matching one of the event's: `process.*` is begin
 * and end, `process.*.*` the thread's.
 */
static bool is_event(const struct cc_point *pt, int i, int ev)
{
	bool thread = ev == CC_UPROC_TBEGIN || ev == CC_UPROC_TEND;
	int k;

	if (pt->ncomps != i + 1 + thread)
		return false;
	for (k = i; k < pt->ncomps; k++)
		if (pt->comps[k].has_arg)
			return false;
	if (thread && fnmatch(pt->comps[i++].name, "thread", 0))
		return false;
	return !fnmatch(pt->comps[i].name, thread ? event_names[ev] + 7 : event_names[ev], 0);
}

bool cc_uproc_is(const struct cc_point *pt)
{
	int ev;

	if (pt->ncomps < 2 || strcmp(pt->comps[0].name, "process"))
		return false;
	for (ev = CC_UPROC_BEGIN; ev <= CC_UPROC_TEND; ev++)
		if (is_event(pt, 1, ev))
			return true;
	return false;
}

/* The bit of a filter, shared by the probes that name the same one; -1: too many. */
static int filter_bit(struct cc_ctx *cx, int kind, const char *path, long pid)
{
	struct cc_uproc *f;
	int i;

	for (i = 0; i < cx->uprocs.n; i++) {
		f = cx->uprocs.v[i];
		if (f->kind == kind && f->pid == pid &&
		    (kind != CC_UPF_FILE || !strcmp(f->path, path)))
			return i;
	}
	/* each a bit of a __u64, less TH_UPROC_HELD; th_upfiles has room for them all */
	if (cx->uprocs.n == TH_UPROC_MAX_FILTERS)
		return -1;
	f = cc_alloc(cx->arena, sizeof(*f));
	f->kind = kind;
	f->path = path;
	f->pid = pid;
	cc_vec_push(cx->arena, &cx->uprocs, f);
	return cx->uprocs.n - 1;
}

int cc_uproc_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	const struct cc_comp *c = &pt->comps[0];
	int ev, bit = -1, next, n = 0;
	const char *what = "process";
	struct cc_dprobe *d;

	if (c->has_arg && c->arg_is_str) {
		char *path = cc_user_file(cx, pt, quiet, &next);

		if (!path)
			return -1;
		bit = filter_bit(cx, CC_UPF_FILE, path, 0);
		what = cc_sprintf(cx->arena, "process(\"%s\")", path);
	} else if (c->has_arg) {
		/* stap refuses a pid that runs nothing; it may not be ours to signal */
		if (c->num <= 0 || c->num > INT32_MAX || (kill((pid_t)c->num, 0) && errno == ESRCH))
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena, "names no running process: %lld",
							 (long long)c->num));
		bit = filter_bit(cx, CC_UPF_PID, NULL, (long)c->num);
		what = cc_sprintf(cx->arena, "process(%lld)", (long long)c->num);
	} else if (cx->target_cmd || cx->target_pid > 0) {
		bit = filter_bit(cx, CC_UPF_TREE, NULL, 0);
	}
	if (bit < 0 && (c->has_arg || cx->target_cmd || cx->target_pid > 0))
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena,
						 "is one filter too many: a script's process "
						 "lifecycle probes name at most %d programs and "
						 "pids together",
						 TH_UPROC_MAX_FILTERS));
	for (ev = CC_UPROC_BEGIN; ev <= CC_UPROC_TEND; ev++) {
		if (!is_event(pt, 1, ev))
			continue;
		n++;
		d = cc_alloc(cx->arena, sizeof(*d));
		d->kind = PK_UPROC;
		d->kernel = true;
		d->loc = pt->loc;
		d->upev = ev;
		d->upbit = bit;
		d->pp = cc_sprintf(cx->arena, "%s.%s", what, event_names[ev]);
		cc_vec_push(cx->arena, out, d);
	}
	return n;
}
