// SPDX-License-Identifier: MIT
/*
 * Perf events bound to a process, as stap's:
 *
 *   perf.EVENT.process                        samples of the -c/-x target
 *   perf.EVENT.process("PATH")                samples of processes running PATH
 *   perf.EVENT[.process[("PATH")]].counter("NAME")
 *                                             a counter of the target, read
 *                                             with @perf("NAME")
 *
 * EVENT is sw.NAME, hw.NAME or type(T).config(C) (probepoint.c);
 * .sample(N) or .hz(N) may come before or after .process.
 *
 * How each runs (the loader's part is hub/guest_perf.c):
 *
 * - .process: per-task events the loader opens on the target's threads
 *   (pid = each, cpu = -1) with inherit, so the threads and children the
 *   target makes later get theirs from the kernel, as stap does with -c.
 *   No sample of another process is taken.  -c's child is held before its
 *   exec: its events start at the exec (enable_on_exec).
 * - .process("PATH"): the per-CPU events of a system-wide perf probe; the
 *   program returns at once unless the task sampled runs PATH (the device
 *   and inode of its mm->exe_file against those of PATH, which the loader
 *   stats: guest-runtime/bpf/grt_bpf_perf.h).  The cost is every CPU's
 *   samples entering the program, a map lookup and a few kernel reads for
 *   those dropped; in exchange nothing has to watch processes of PATH
 *   start, and none misses its first instructions while user space would
 *   open its events (stap's way).
 * - .counter: a counting event (no sampling) per thread of the target,
 *   opened by the loader: its fd in th_perfctrs, a perf event array, at
 *   slot * counters + counter, the thread in th_perftasks (tid -> slot).
 *   @perf reads it with bpf_perf_event_read_value, which the kernel allows
 *   on the current task's own event only, and not on an inherited one: a
 *   counter is per thread, those the target has when the probes attach.
 *   A thread started later, and any other process, has none: @perf reads
 *   0 there, as stap reads a task it set no counter up for.  A counter of
 *   process("PATH") must be the target's: taphub opens counters on the
 *   -c/-x process only (checked here; for -x by the loader again, since a
 *   cached guest may meet another process).
 *
 * A counter's probe has no event of its own: its body never runs, and
 * the derived probe is dropped once resolved (elaborate_expand.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/compiler.h"
#include "taphub/record.h"

static bool has_target(const struct cc_ctx *cx)
{
	return cx->target_cmd || cx->target_pid > 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* The index of a program perf.*.process("PATH") filters on ("": none); -1: too many. */
static int exe_index(struct cc_ctx *cx, const char *path)
{
	int i;

	for (i = 0; i < cx->perfexes.n; i++)
		if (!strcmp(cx->perfexes.v[i], path))
			return i;
	if (cx->perfexes.n == TH_PERF_MAX_EXES)
		return -1;
	cc_vec_push(cx->arena, &cx->perfexes, (void *)path);
	return cx->perfexes.n - 1;
}

static struct cc_dprobe *new_perf(struct cc_ctx *cx, const struct cc_point *pt, int type,
				  int64_t config, struct cc_vec *out)
{
	struct cc_dprobe *d = cc_new_dprobe(cx, pt, PK_PERF, true, out);

	d->perf_type = type;
	d->perf_config = config;
	return d;
}

/* .counter("NAME"), of process("PATH") (proc) or of the target */
static int add_counter(struct cc_ctx *cx, const struct cc_point *pt, const struct cc_comp *c,
		       const struct cc_comp *proc, int type, int64_t config, bool quiet,
		       struct cc_vec *out)
{
	const char *why, *path = NULL;
	struct cc_perfctr *k;
	struct cc_dprobe *d;
	int i;

	if (!has_target(cx))
		return cc_point_error(
		    cx, pt, quiet,
		    "is a counter of the target process: run with -c CMD or -x PID (taphub "
		    "opens a process's counters on the target only)");
	if (proc && proc->has_arg) {
		char *p = cc_user_program(cx, proc->str, &why), *t;

		if (!p)
			return cc_point_error(
			    cx, pt, quiet,
			    cc_sprintf(cx->arena, "names '%s', which %s", proc->str, why));
		t = cc_user_target_file(cx, 0, &why);
		if (!t)
			return cc_point_error(
			    cx, pt, quiet,
			    cc_sprintf(cx->arena, "counts in the target, which %s", why));
		if (!same_file(p, t))
			return cc_point_error(
			    cx, pt, quiet,
			    cc_sprintf(
				cx->arena,
				"counts in process(\"%s\"), which is not the target (it runs "
				"%s): taphub opens a process's counters when it is the -c or "
				"-x target",
				proc->str, t));
		path = p;
	}
	for (i = 0; i < cx->perfctrs.n; i++) {
		k = cx->perfctrs.v[i];
		if (strcmp(k->name, c->str))
			continue;
		/* the same point resolved again, to say why nothing else did */
		if (k->loc.file == pt->loc.file && k->loc.line == pt->loc.line &&
		    k->loc.col == pt->loc.col)
			break;
		return cc_point_error(
		    cx, pt, quiet,
		    cc_sprintf(cx->arena, "defines perf counter '%s' again (first at %s:%d:%d)",
			       c->str, k->loc.file->name, k->loc.line, k->loc.col));
	}
	if (i == cx->perfctrs.n) {
		if (cx->perfctrs.n == TH_PERF_MAX_COUNTERS)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "is one perf counter too many: a script "
							 "has at most %d",
							 TH_PERF_MAX_COUNTERS));
		k = cc_alloc(cx->arena, sizeof(*k));
		k->name = c->str;
		k->type = type;
		k->config = config;
		k->path = path;
		k->pp = cc_point_str(cx, pt);
		k->loc = pt->loc;
		cc_vec_push(cx->arena, &cx->perfctrs, k);
	}
	d = new_perf(cx, pt, type, config, out);
	d->perfctr = true;
	return 1;
}

int cc_perf_resolve(struct cc_ctx *cx, const struct cc_point *pt, int i, int type, int64_t config,
		    int64_t default_sample, bool quiet, struct cc_vec *out)
{
	const struct cc_comp *sample = NULL, *proc = NULL, *ctr = NULL;
	struct cc_dprobe *d;
	const char *why;

	for (; i < pt->ncomps; i++) {
		const struct cc_comp *c = &pt->comps[i];

		if (ctr)
			return cc_point_error(cx, pt, quiet,
					      "has components after .counter(\"NAME\")");
		if (!strcmp(c->name, "sample") || !strcmp(c->name, "hz")) {
			if (sample || !c->has_arg || c->arg_is_str || c->num <= 0)
				return cc_point_error(cx, pt, quiet,
						      "expects one .sample(N) or .hz(N), N > 0");
			sample = c;
		} else if (!strcmp(c->name, "process")) {
			if (proc || (c->has_arg && !c->arg_is_str))
				return cc_point_error(cx, pt, quiet,
						      "expects one .process (the -c/-x target) or "
						      ".process(\"PATH\")");
			proc = c;
		} else if (!strcmp(c->name, "counter")) {
			if (!c->has_arg || !c->arg_is_str || !*c->str)
				return cc_point_error(cx, pt, quiet, "expects .counter(\"NAME\")");
			ctr = c;
		} else {
			return cc_point_error(cx, pt, quiet,
					      "expects .sample(N) or .hz(N), .process[(\"PATH\")] "
					      "and .counter(\"NAME\") after the event");
		}
	}
	if (ctr && sample)
		return cc_point_error(cx, pt, quiet,
				      "is a counter: it counts and does not sample, so it takes no "
				      ".sample(N) or .hz(N)");
	if (ctr)
		return add_counter(cx, pt, ctr, proc, type, config, quiet, out);
	if (proc && !proc->has_arg && !has_target(cx))
		return cc_point_error(cx, pt, quiet,
				      "samples the target process: run with -c CMD or -x PID, or "
				      "name a program: .process(\"PATH\")");
	d = new_perf(cx, pt, type, config, out);
	d->sample = sample ? sample->num : default_sample;
	d->freq = sample && !strcmp(sample->name, "hz");
	if (proc && !proc->has_arg) {
		d->perf_task = true;
	} else if (proc) {
		char *path = cc_user_program(cx, proc->str, &why);
		int k;

		/*
		 * As stap's: a program that is not there runs in no process,
		 * and the probe never fires (its filter matches no file).
		 */
		if (!path && !quiet)
			cc_warn_at(&cx->diag, &pt->loc, "process(\"%s\") %s: '%s' never fires",
				   proc->str, why, d->pp);
		k = exe_index(cx, path ? path : "");
		if (k < 0)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "is one program too many: perf probes "
							 "of a script name at most %d",
							 TH_PERF_MAX_EXES));
		d->perf_exe = k + 1;
	}
	return 1;
}

int cc_perf_read(struct cc_ctx *cx, struct cc_node *n)
{
	struct cc_node *arg;
	int i;

	if (n->num != 1 || n->nargs != 1 || n->args[0]->kind != N_STR) {
		cc_error_at(&cx->diag, &n->loc,
			    "'@perf' expects a counter's name: @perf(\"NAME\")");
		return -1;
	}
	arg = n->args[0];
	for (i = 0; i < cx->perfctrs.n; i++)
		if (!strcmp(((struct cc_perfctr *)cx->perfctrs.v[i])->name, arg->str))
			break;
	if (i == cx->perfctrs.n) {
		cc_error_at(&cx->diag, &arg->loc,
			    "no perf counter '%s' is defined: define it with a probe "
			    "perf.EVENT[.process(\"PATH\")].counter(\"%s\") {}",
			    arg->str, arg->str);
		return -1;
	}
	arg->kind = N_NUM;
	arg->num = i;
	arg->str = NULL;
	arg->slen = 0;
	n->kind = N_CALL;
	n->name = "@perf";
	n->str = NULL;
	n->num = 0;
	return 0;
}
