// SPDX-License-Identifier: MIT
/*
 * Built-in probe points: the ones a point resolves to once no alias
 * matches it.  Each becomes one or more derived probes (struct
 * cc_dprobe) that say how the probe attaches; elaboration then gives
 * each its own copy of the body.
 *
 *   begin[(N)] end[(N)] error[(N)] never          user context (runner)
 *   timer.{s,sec,ms,msec,us,usec,ns,nsec,hz,jiffies}(N)[.randomize(M)]
 *                                                  user context
 *   timer.profile                                  perf cpu-clock per CPU
 *   perf.{sw,hw}.EVENT[.sample(N)|.hz(N)], perf.type(T).config(C)...
 *                                                  (.process, .counter:
 *                                                  probe_perf.c)
 *   kernel.trace("SUBSYS:EVENT")                   globs allowed in both
 *   __stdin, __stdin.line                          user context: what tap
 *                                                  reads on its stdin, one
 *                                                  byte or line per run, in
 *                                                  $value (input.char and
 *                                                  input.line stand on them)
 *
 *   kernel.function, module().function, kprobe.*  probe_kfunc.c
 *   netfilter.hook("H").pf("P")[.priority("N")]    probe_netfilter.c
 *   lsm.HOOK, kernel.lsm("HOOK")                    probe_lsm.c
 *   glib.*, stap.* (refused: applications' tapsets)  probe_apps.c
 *   kernel.data(ADDR|"SYM")[.length(N)].write|.rw  probe_data.c
 *   process(...).mark(...), .function(...)          probe_user.c
 *   process[(...)][.thread].begin/.end              probe_uproc.c
 *
 * Probe types this kernel cannot do (kernel.function without kprobes or
 * BPF trampolines) are errors that name the point and the reason, at
 * pass 2.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "compiler/compiler.h"

#define DEFAULT_PERF_SAMPLE 1000000
#define MAX_TIMER_HZ 1000000 /* timer.hz(N): at most 1 MHz */

/*
 * stap has the syscall tapset several times over: nd_syscall.* (kprobes,
 * no debuginfo), nd1_ and nd2_ (its two halves), tp_syscall.* (the
 * tracepoints), dw_syscall.* (DWARF), each with the variables of
 * syscall.*.  taphub's syscall.* already is the debuginfo-less kind, on
 * tracepoints, so every family is an other name for it.
 */
static const char *const syscall_families[] = {
	"nd_syscall", "nd1_syscall", "nd2_syscall", "tp_syscall", "dw_syscall", NULL,
};

struct cc_point *cc_point_syscall_family(struct cc_ctx *cx, const struct cc_point *pt)
{
	struct cc_point *p;
	int i;

	for (i = 0; syscall_families[i]; i++)
		if (pt->ncomps && !strcmp(pt->comps[0].name, syscall_families[i]))
			break;
	if (!syscall_families[i])
		return NULL;
	p = cc_alloc(cx->arena, sizeof(*p));
	*p = *pt;
	p->comps = cc_alloc(cx->arena, sizeof(*p->comps) * (size_t)pt->ncomps);
	memcpy(p->comps, pt->comps, sizeof(*p->comps) * (size_t)pt->ncomps);
	p->comps[0].name = "syscall";
	return p;
}

static int64_t kernel_hz(struct cc_ctx *cx)
{
	const char *hz = cc_kconfig(cx, "CONFIG_HZ");
	long v = hz && *hz ? strtol(hz, NULL, 10) : 0;

	/* a tick is a whole number of ns: timer.jiffies divides by it */
	return v > 0 && v <= 1000000000L ? v : 250;
}

/* begin / end / error / never, with an optional sequence number */
static int resolve_simple(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, int kind,
			  struct cc_vec *out)
{
	struct cc_dprobe *d;

	if (pt->ncomps != 1)
		return cc_point_error(cx, pt, quiet, "has unexpected components");
	if (pt->comps[0].has_arg && (pt->comps[0].arg_is_str || kind == PK_NEVER))
		return cc_point_error(cx, pt, quiet, "takes no string parameter");
	d = cc_new_dprobe(cx, pt, kind, false, out);
	d->seq = pt->comps[0].has_arg ? pt->comps[0].num : 0;
	return 1;
}

static int resolve_timer(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			 struct cc_vec *out)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "s", 1000000000LL }, { "sec", 1000000000LL }, { "ms", 1000000LL },
		{ "msec", 1000000LL }, { "us", 1000LL }, { "usec", 1000LL },
		{ "ns", 1LL }, { "nsec", 1LL }, { "hz", 0 }, { "jiffies", -1 },
	};
	const struct cc_comp *c;
	struct cc_dprobe *d;
	int64_t unit = 0;
	size_t i;

	if (cc_comp_is(pt, 1, "profile")) {
		if (pt->ncomps > 3 || (pt->ncomps == 3 && !cc_comp_is(pt, 2, "tick")))
			return cc_point_error(cx, pt, quiet, "has unexpected components");
		d = cc_new_dprobe(cx, pt, PK_PROFILE, true, out);
		d->perf_type = PERF_TYPE_SOFTWARE;
		d->perf_config = PERF_COUNT_SW_CPU_CLOCK;
		d->sample = kernel_hz(cx);
		d->freq = true;
		return 1;
	}
	if (pt->ncomps < 2)
		return cc_point_error(cx, pt, quiet, "needs a unit, e.g. timer.s(1) or timer.ms(100)");
	c = &pt->comps[1];
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(c->name, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return cc_point_error(cx, pt, quiet,
				   "has an unknown timer unit (s, ms, us, ns, hz, jiffies, profile)");
	unit = units[i].ns;
	if (!c->has_arg || c->arg_is_str || c->num <= 0)
		return cc_point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena, "needs a positive %s, e.g. timer.%s(%d)",
					      unit == 0 ? "frequency" : "period", c->name,
					      unit == 1000000000LL ? 1 : unit == 0 ? 100 : 10));
	d = cc_new_dprobe(cx, pt, PK_TIMER, false, out);
	if (unit < 0) /* jiffies: ns per tick */
		unit = 1000000000LL / kernel_hz(cx);
	if (unit == 0) {
		if (c->num > MAX_TIMER_HZ)
			return cc_point_error(cx, pt, quiet, "frequency is above timer.hz(1000000)");
		d->period_ns = 1000000000LL / c->num;
	} else {
		if (c->num > INT64_MAX / unit)
			return cc_point_error(cx, pt, quiet, "period is too long");
		d->period_ns = c->num * unit;
	}
	if (d->period_ns < 1000) /* 1 us: below that the runner would do nothing else */
		return cc_point_error(cx, pt, quiet, "period is below 1 microsecond");
	if (pt->ncomps == 3) {
		const struct cc_comp *r = &pt->comps[2];
		/* randomize(N) is in the period's unit; for timer.hz in periods */
		int64_t per = unit ? unit : d->period_ns;

		if (strcmp(r->name, "randomize") || !r->has_arg || r->arg_is_str || r->num < 0)
			return cc_point_error(cx, pt, quiet, "expects .randomize(N) after the period");
		/* N * per < period, checked before multiplying: N may be huge */
		if (r->num > (d->period_ns - 1) / per)
			return cc_point_error(cx, pt, quiet,
					   "randomization must be less than the period");
		d->jitter_ns = r->num * per;
	} else if (pt->ncomps > 3) {
		return cc_point_error(cx, pt, quiet, "has unexpected components");
	}
	return 1;
}

static const struct {
	const char *name;
	int type;
	int config;
} perf_events[] = {
	{ "cpu_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "context_switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu_migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "page_faults_min", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "page_faults_maj", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "alignment_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
	{ "cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache_references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branch_instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "ref_cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
};

static int resolve_perf(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			struct cc_vec *out)
{
	int next, type;
	int64_t config;
	size_t i;

	if (cc_comp_is(pt, 1, "type")) {
		if (!pt->comps[1].has_arg || pt->comps[1].arg_is_str || !cc_comp_is(pt, 2, "config") ||
		    !pt->comps[2].has_arg || pt->comps[2].arg_is_str)
			return cc_point_error(cx, pt, quiet, "expects perf.type(T).config(C)");
		/* what perf_event_open(2) and the runtime's loader take */
		if (pt->comps[1].num < 0 || pt->comps[1].num >= PERF_TYPE_MAX)
			return cc_point_error(
				cx, pt, quiet,
				cc_sprintf(cx->arena, "has a perf type out of range 0..%d",
					   PERF_TYPE_MAX - 1));
		if (pt->comps[2].num < 0)
			return cc_point_error(cx, pt, quiet, "has a negative perf config");
		/* a breakpoint needs an address and a length, which perf.type() cannot give */
		if (pt->comps[1].num == PERF_TYPE_BREAKPOINT)
			return cc_point_error(cx, pt, quiet,
					      "is a hardware breakpoint (perf type 5): watch an "
					      "address with kernel.data(ADDR).write or .rw");
		type = (int)pt->comps[1].num;
		config = pt->comps[2].num;
		next = 3;
	} else if ((cc_comp_is(pt, 1, "sw") || cc_comp_is(pt, 1, "hw")) && pt->ncomps >= 3) {
		for (i = 0; i < sizeof(perf_events) / sizeof(perf_events[0]); i++)
			if (!strcmp(pt->comps[2].name, perf_events[i].name) &&
			    (perf_events[i].type == PERF_TYPE_SOFTWARE) == cc_comp_is(pt, 1, "sw"))
				break;
		if (i == sizeof(perf_events) / sizeof(perf_events[0]))
			return cc_point_error(cx, pt, quiet, "names an unknown perf event");
		type = perf_events[i].type;
		config = perf_events[i].config;
		next = 3;
	} else {
		return cc_point_error(cx, pt, quiet,
				   "is not a perf event (perf.sw.EVENT, perf.hw.EVENT, "
				   "perf.type(T).config(C))");
	}
	/* .sample/.hz, .process, .counter: probe_perf.c */
	return cc_perf_resolve(cx, pt, next, type, config, DEFAULT_PERF_SAMPLE, quiet, out);
}

/* Syscall tracepoints become raw sys_enter/sys_exit probes on one number. */
static void classify_trace(struct cc_ctx *cx, struct cc_dprobe *d)
{
	const char *name = NULL;

	if (!strcmp(d->subsys, "syscalls")) {
		if (!strncmp(d->event, "sys_enter_", 10))
			name = d->event + 10;
		else if (!strncmp(d->event, "sys_exit_", 9))
			name = d->event + 9;
	}
	if (name) {
		int nr = cc_syscall_nr(name);

		if (nr >= 0) {
			d->kind = PK_SYSCALL;
			d->sysnr = nr;
			d->sysexit = d->event[4] == 'e' && d->event[5] == 'x';
		}
	}
}

/* kernel.trace("[SUBSYS:]EVENT") (spec), each event a probe */
static int resolve_trace(struct cc_ctx *cx, const struct cc_point *pt, const char *what,
			 bool quiet, struct cc_vec *out)
{
	char *spec, *colon, **names;
	const char *subsys, *event;
	int n, i;

	spec = cc_strdup(cx->arena, what);
	colon = strchr(spec, ':');
	if (colon) {
		*colon = 0;
		subsys = spec;
		event = colon + 1;
	} else {
		subsys = "*";
		event = spec;
	}
	if (!*event || !*subsys)
		return cc_point_error(cx, pt, quiet, "has an empty subsystem or event name");
	n = cc_tp_list(cc_tracefs(), subsys, event, &names);
	if (n == 0 && !quiet && !colon && !strpbrk(event, "*?[")) {
		/* kernel.trace("EVENT"): an event of another kernel (renamed, removed) */
		cc_strv_free(names);
		return cc_point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "is not supported on this kernel: no subsystem has a "
					      "tracepoint '%s' (tap -l 'kernel.trace(\"*\")' lists "
					      "them all)",
					      event));
	}
	if (n == 0 && !quiet && !strpbrk(subsys, "*?[") && !strpbrk(event, "*?[")) {
		char **all;
		int m = cc_tp_list(cc_tracefs(), subsys, "*", &all);

		/* a plain name that is not there: say which half is wrong */
		cc_strv_free(names);
		if (m >= 0)
			cc_strv_free(all);
		if (m > 0)
			return cc_point_error(cx, pt, quiet,
					   cc_sprintf(cx->arena,
						      "names no tracepoint: subsystem '%s' has no "
						      "event '%s' (tap -l 'kernel.trace(\"%s:*\")' "
						      "lists its events)",
						      subsys, event, subsys));
		return cc_point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "names no tracepoint: there is no subsystem '%s' "
					      "(tap -l 'kernel.trace(\"*\")' lists them all)",
					      subsys));
	}
	if (n < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &pt->loc,
				    "cannot list tracepoints for '%s': %s (is tracefs mounted at "
				    "/sys/kernel/tracing?)",
				    cc_point_str(cx, pt), strerror(-n));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct cc_dprobe *d;
		char *ev = strchr(names[i], ':');
		struct cc_tpformat *f;
		int err;

		*ev++ = 0;
		err = cc_tp_load(cc_tracefs(), names[i], ev, &f);
		if (err < 0) {
			/* a listed event without a readable format is skipped only in globs */
			if (n == 1 && !quiet)
				cc_error_at(&cx->diag, &pt->loc, "cannot read the format of %s:%s: %s",
					    names[i], ev, strerror(-err));
			continue;
		}
		d = cc_new_dprobe(cx, pt, PK_TRACE, true, out);
		d->subsys = cc_strdup(cx->arena, names[i]);
		d->event = cc_strdup(cx->arena, ev);
		d->pp = cc_sprintf(cx->arena, "kernel.trace(\"%s:%s\")", d->subsys, d->event);
		/* the format lives as long as the compilation */
		d->tpf = f;
		cc_vec_push(cx->arena, &cx->tpformats, f);
		classify_trace(cx, d);
	}
	cc_strv_free(names);
	return out->n ? 1 : 0;
}

/*
 * SystemTap tapset probes this kernel has no tracepoint for: stap builds
 * them on kprobes of kernel functions.  taphub's aliases (and those of
 * -I DIR) are looked up before this list, which only words the refusal
 * of what is left.  Patterns are fnmatch(3)ed against the point's
 * component names joined with dots.
 */
static const char *const kprobe_points[] = {
	"vm.write_shared", "vm.write_shared_copy",
	"tcp.disconnect", "tcp.disconnect.return",
	"tcp.setsockopt", "tcp.setsockopt.return", "tcp.ipv4.*", "tcp.ipv6.*",
	"udp.disconnect", "udp.disconnect.return",
	"scheduler.tick", "scheduler.balance", "scheduler.signal_send",
	"signal.check_ignored*", "signal.checkperm*", "signal.do_action*", "signal.flush",
	"signal.force_segv*", "signal.handle.return", "signal.handle_stop", "signal.pending*",
	"signal.procmask*", "signal.send.return", "signal.send_sig_queue*",
	"signal.sys*kill.return", "signal.wakeup",
	"vfs.*", "_vfs.*", "generic.fop.*", "nfs.*", "nfsd.*", "sunrpc.*", "socket.*", "scsi.*",
	"tty.*", "ipmib.*", "tcpmib.*", "linuxmib.*", "workqueue.*",
};

/*
 * The points SystemTap serves from its kernel module's procfs files:
 * procfs("PATH").read/.write itself, stap-exporter's prometheus and the
 * JSON tapset's json_data (compiler/tapset/json.stp).
 */
static const struct {
	const char *name;
	const char *why;
} module_points[] = {
	{ "procfs", "is not supported: procfs probes are files that SystemTap's kernel module "
		    "creates under /proc/systemtap; taphub loads no kernel module, only verified "
		    "eBPF" },
	{ "prometheus", "is not supported: stap-exporter reads prometheus probes from the procfs "
			"files of SystemTap's kernel module; taphub loads no kernel module, only "
			"verified eBPF" },
	{ "json_data", "is not supported: SystemTap serves json_data as "
		       "/proc/systemtap/MODULE/data.json, a procfs file of its kernel module; "
		       "taphub loads no kernel module, only verified eBPF" },
};

static bool family_has_aliases(struct cc_ctx *cx, const char *first)
{
	int f, i;

	for (f = 0; f < cx->tapsets.n; f++) {
		const struct cc_file *file = cx->tapsets.v[f];

		for (i = 0; i < file->probes.n; i++) {
			const struct cc_probe *p = file->probes.v[i];

			if (p->is_alias && !strcmp(p->alias_name->comps[0].name, first))
				return true;
		}
	}
	return false;
}

int cc_point_refused(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	char *names = cc_strdup(cx->arena, "");
	size_t i;
	int k;

	for (i = 0; i < sizeof(module_points) / sizeof(module_points[0]); i++)
		if (!strcmp(pt->comps[0].name, module_points[i].name)) {
			cc_point_error(cx, pt, quiet, module_points[i].why);
			return 1;
		}
	for (k = 0; k < pt->ncomps; k++)
		names = cc_sprintf(cx->arena, "%s%s%s", names, k ? "." : "", pt->comps[k].name);
	for (i = 0; i < sizeof(kprobe_points) / sizeof(kprobe_points[0]); i++)
		if (!fnmatch(kprobe_points[i], names, 0))
			break;
	if (i == sizeof(kprobe_points) / sizeof(kprobe_points[0]))
		return 0;
	cc_point_error(cx, pt, quiet,
		    cc_sprintf(cx->arena,
			       "%s: SystemTap builds it on a kprobe of a kernel function, %s, and "
			       "no tracepoint stands in for it%s",
			       cx->kern.has_kprobes ? "is not supported yet"
						    : "is not supported on this kernel",
			       cx->kern.has_kprobes ? "for which taphub has no alias yet (probe the "
						      "function with kernel.function)"
						    : "this kernel has no kprobes",
			       family_has_aliases(cx, pt->comps[0].name)
				       ? cc_sprintf(cx->arena, " (tap -l '%s.*' lists what taphub has)",
						    pt->comps[0].name)
				       : ""));
	return 1;
}

/*
 * SystemTap feeds input.char/input.line from stdin through a procfs file
 * of its module; here tap reads its stdin itself and runs these user
 * probes (hub/local.c).
 */
static int resolve_stdin(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			 struct cc_vec *out)
{
	struct cc_dprobe *d;

	if (pt->comps[0].has_arg || pt->ncomps > 2 ||
	    (pt->ncomps == 2 && (!cc_comp_is(pt, 1, "line") || pt->comps[1].has_arg)))
		return cc_point_error(cx, pt, quiet, "expects __stdin or __stdin.line");
	d = cc_new_dprobe(cx, pt, PK_INPUT, false, out);
	d->input_line = pt->ncomps == 2;
	return 1;
}

/*
 * kernel.tracepoint("EVENT") and module("MOD").tracepoint("EVENT"):
 * stap's tracepoints through BTF, named without their subsystem, whose
 * C arguments are $arg1 ... $argN.  They are the events kernel.trace()
 * probes, with the same programs; pp() is the point as stap writes it.
 * A module's events are in tracefs once it is loaded, among the others.
 */
static int resolve_tracepoint(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			      struct cc_vec *out)
{
	const struct cc_comp *m = &pt->comps[0], *c = &pt->comps[1];
	struct cc_vec tmp = { 0 };
	char *prefix = "kernel";
	struct cc_btf *b;
	int i, r, n = 0;

	if (!c->has_arg || !c->arg_is_str || !*c->str || strchr(c->str, ':'))
		return cc_point_error(cx, pt, quiet, "expects an event name: tracepoint(\"EVENT\")");
	if (pt->ncomps > 2)
		return cc_point_error(cx, pt, quiet, "has unexpected components after tracepoint()");
	if (!strcmp(m->name, "module")) {
		char path[PATH_MAX];

		if (!m->has_arg || !m->arg_is_str || !*m->str || strchr(m->str, '/'))
			return cc_point_error(cx, pt, quiet, "expects a module name: module(\"NAME\")");
		snprintf(path, sizeof(path), "/sys/module/%s", m->str);
		if (access(path, F_OK))
			return cc_point_error(cx, pt, quiet,
					   cc_sprintf(cx->arena,
						      "is not supported on this kernel: module '%s' is not loaded "
						      "(its tracepoints appear when it is)",
						      m->str));
		prefix = cc_sprintf(cx->arena, "module(\"%s\")", m->str);
	}
	r = resolve_trace(cx, pt, c->str, quiet, &tmp);
	if (r > 0 && cc_ctx_btf(cx, &b) < 0)
		b = NULL;
	for (i = 0; i < tmp.n; i++) {
		struct cc_dprobe *d = tmp.v[i];
		struct cc_btf_type t;

		/*
		 * stap's are the kernel's tracepoints, those with a
		 * btf_trace_EVENT type: not the syscalls:* events, which
		 * are ftrace's (kernel.trace() has them)
		 */
		if (b && cc_btf_find_type(b, cc_sprintf(cx->arena, "btf_trace_%s", d->event),
					  m->has_arg ? m->str : "kernel", &t) < 0)
			continue;
		d->pp = cc_sprintf(cx->arena, "%s.tracepoint(\"%s\")", prefix, d->event);
		d->tp_argn = true;
		cc_vec_push(cx->arena, out, d);
		n++;
	}
	if (r > 0 && !n)
		return cc_point_error(cx, pt, quiet,
				   "names no kernel tracepoint: the events it matches have no "
				   "btf_trace_ type (syscalls:* events are kernel.trace()'s)");
	return r < 0 ? r : n;
}

int cc_resolve_builtin_point(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			     struct cc_vec *out)
{
	const char *first = pt->comps[0].name;
	int before = out->n, r;

	if (!strcmp(first, "begin"))
		return resolve_simple(cx, pt, quiet, PK_BEGIN, out);
	if (!strcmp(first, "end"))
		return resolve_simple(cx, pt, quiet, PK_END, out);
	if (!strcmp(first, "error"))
		return resolve_simple(cx, pt, quiet, PK_ERROR, out);
	if (!strcmp(first, "never"))
		return resolve_simple(cx, pt, quiet, PK_NEVER, out);
	if (!strcmp(first, "timer"))
		return resolve_timer(cx, pt, quiet, out);
	if (!strcmp(first, "perf"))
		return resolve_perf(cx, pt, quiet, out);
	if (!strcmp(first, "__stdin"))
		return resolve_stdin(cx, pt, quiet, out);
	if (!strcmp(first, "kernel") && cc_comp_is(pt, 1, "trace")) {
		struct cc_vec tmp = { 0 };
		const struct cc_comp *c = &pt->comps[1];
		int i;

		if (!c->has_arg || !c->arg_is_str)
			return cc_point_error(cx, pt, quiet,
					   "expects a string: kernel.trace(\"subsys:event\")");
		if (pt->ncomps > 2)
			return cc_point_error(cx, pt, quiet,
					   "has unexpected components after kernel.trace()");
		r = resolve_trace(cx, pt, c->str, quiet, &tmp);
		for (i = 0; i < tmp.n; i++)
			cc_vec_push(cx->arena, out, tmp.v[i]);
		return r < 0 ? r : out->n - before;
	}
	if ((!strcmp(first, "kernel") && cc_comp_is(pt, 1, "tracepoint")) ||
	    (!strcmp(first, "module") && cc_comp_is(pt, 1, "tracepoint")))
		return resolve_tracepoint(cx, pt, quiet, out);
	if (!strcmp(first, "lsm") || (!strcmp(first, "kernel") && cc_comp_is(pt, 1, "lsm")))
		return cc_lsm_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "kernel") || !strcmp(first, "module") || !strcmp(first, "kprobe"))
		return cc_kfunc_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "process") && pt->comps[0].has_arg && pt->comps[0].arg_is_str &&
	    cc_user_is_pattern(pt->comps[0].str))
		return cc_uglob_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "process") && cc_uproc_is(pt))
		return cc_uproc_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "process"))
		return cc_user_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "netfilter"))
		return cc_nf_resolve(cx, pt, quiet, out);
	if (!strcmp(first, "glib") || !strcmp(first, "stap"))
		return cc_apps_resolve(cx, pt, quiet);
	if (!strcmp(first, "java") || !strcmp(first, "python2") ||
	    !strcmp(first, "python3") || !strcmp(first, "hrtimer"))
		return cc_point_error(cx, pt, quiet, "is a SystemTap probe type taphub does not support");
	return cc_point_error(cx, pt, quiet,
			   "does not match any probe alias or built-in probe point (built-in: "
			   "begin, end, error, never, timer.*, perf.*, kernel.trace(\"SUBSYS:EVENT\"), "
			   "netfilter.hook(\"HOOK\").pf(\"PF\"), lsm.HOOK)");
}

int cc_tp_array_elem(const struct cc_tpfield *f)
{
	const char *open = f->type ? strrchr(f->type, '[') : NULL;
	long n;

	if (f->kind != CC_TPF_OTHER || !open || strncmp(f->type, "__data_loc", 10) == 0 ||
	    strstr(f->type, "char") || strstr(f->type, "struct") || strchr(f->type, '*'))
		return 0;
	n = strtol(open + 1, NULL, 10);
	if (n <= 0 || f->size % n || (f->size / n != 1 && f->size / n != 2 && f->size / n != 4 &&
				      f->size / n != 8))
		return 0;
	return f->size / (int)n;
}

int cc_syscall_nr(const char *name)
{
	const struct cc_syscall *s;

	for (s = cc_syscalls; s->name; s++)
		if (!strcmp(s->name, name))
			return s->nr;
	return -1;
}

/* ---- --dump-probe-types ------------------------------------------------------- */

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * stap --dump-probe-types: every built-in point with its parameters as
 * "(number)" or "(string)", sorted; aliases are not listed (tap -l does).
 */
void cc_dump_probe_types(FILE *out)
{
	static const char *const fixed[] = {
		"begin", "begin(number)", "end", "end(number)", "error", "error(number)", "never",
		"kernel.trace(string)", "timer.profile", "timer.profile.tick",
		"perf.type(number).config(number)", "perf.type(number).config(number).sample(number)",
		"perf.type(number).config(number).hz(number)",
		"perf.type(number).config(number).process",
		"perf.type(number).config(number).process(string)",
		"perf.type(number).config(number).counter(string)",
		"perf.type(number).config(number).process(string).counter(string)",
		"netfilter.hook(string).pf(string)", "netfilter.pf(string).hook(string)",
		"netfilter.hook(string).pf(string).priority(string)",
		"netfilter.pf(string).hook(string).priority(string)",
		"kernel.lsm(string)",
		"kernel.data(number).write", "kernel.data(number).rw",
		"kernel.data(number).length(number).write", "kernel.data(number).length(number).rw",
		"kernel.data(string).write", "kernel.data(string).rw",
		"kernel.data(string).length(number).write", "kernel.data(string).length(number).rw",
		"process.begin", "process.end", "process.thread.begin", "process.thread.end",
		"process(number).begin", "process(number).end", "process(number).thread.begin",
		"process(number).thread.end", "process(string).begin", "process(string).end",
		"process(string).thread.begin", "process(string).thread.end",
	};
	static const char *const units[] = { "s", "sec", "ms", "msec", "us", "usec", "ns", "nsec",
					     "hz", "jiffies" };
	char *lines[sizeof(fixed) / sizeof(fixed[0]) + 2 * 10 +
		    3 * sizeof(perf_events) / sizeof(perf_events[0])];
	size_t n = 0, i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (asprintf(&lines[n], "%s", fixed[i]) > 0)
			n++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (asprintf(&lines[n], "timer.%s(number)", units[i]) > 0)
			n++;
		if (asprintf(&lines[n], "timer.%s(number).randomize(number)", units[i]) > 0)
			n++;
	}
	for (i = 0; i < sizeof(perf_events) / sizeof(perf_events[0]); i++) {
		const char *k = perf_events[i].type == PERF_TYPE_SOFTWARE ? "sw" : "hw";

		if (asprintf(&lines[n], "perf.%s.%s", k, perf_events[i].name) > 0)
			n++;
		if (asprintf(&lines[n], "perf.%s.%s.sample(number)", k, perf_events[i].name) > 0)
			n++;
		if (asprintf(&lines[n], "perf.%s.%s.hz(number)", k, perf_events[i].name) > 0)
			n++;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s\n", lines[i]);
		free(lines[i]);
	}
}
