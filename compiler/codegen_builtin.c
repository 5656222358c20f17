// SPDX-License-Identifier: MIT
/*
 * codegen_builtin.c - the built-in functions (context, strings, time, maps ...) in both contexts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- builtins ------------------------------------------------------------------------ */

static const char *kctx_long(int id)
{
	switch (id) {
	case B_PID: return "((__s64)(bpf_get_current_pid_tgid() >> 32))";
	case B_TID: return "((__s64)(__u32)bpf_get_current_pid_tgid())";
	case B_PPID: return "th_ppid()";
	case B_UID: return "((__s64)(__u32)bpf_get_current_uid_gid())";
	case B_GID: return "((__s64)(bpf_get_current_uid_gid() >> 32))";
	case B_EUID: return "th_euid()";
	case B_EGID: return "th_egid()";
	case B_CPU: return "((__s64)bpf_get_smp_processor_id())";
	case B_TARGET: return "((__s64)th_cfg.target_pid)";
	case B_GTOD_S: return "((__s64)((bpf_ktime_get_ns() + th_cfg.realtime_off) / 1000000000ULL))";
	case B_GTOD_MS: return "((__s64)((bpf_ktime_get_ns() + th_cfg.realtime_off) / 1000000ULL))";
	case B_GTOD_US: return "((__s64)((bpf_ktime_get_ns() + th_cfg.realtime_off) / 1000ULL))";
	case B_GTOD_NS: return "((__s64)(bpf_ktime_get_ns() + th_cfg.realtime_off))";
	case B_LCLOCK_S: return "((__s64)(bpf_ktime_get_ns() / 1000000000ULL))";
	case B_LCLOCK_MS: return "((__s64)(bpf_ktime_get_ns() / 1000000ULL))";
	case B_LCLOCK_US: return "((__s64)(bpf_ktime_get_ns() / 1000ULL))";
	case B_LCLOCK_NS: return "((__s64)bpf_ktime_get_ns())";
	case B_GET_CYCLES: return "((__s64)bpf_ktime_get_ns())";
	case B_NUM_CPUS: return "((__s64)th_cfg.ncpus)";
	case B_STP_PID: return "((__s64)th_cfg.loader_pid)";
	default: return NULL;
	}
}

static int ctxval(int id)
{
	switch (id) {
	case B_PID: return GRT_CV_PID;
	case B_TID: return GRT_CV_TID;
	case B_PPID: return GRT_CV_PPID;
	case B_UID: return GRT_CV_UID;
	case B_GID: return GRT_CV_GID;
	case B_EUID: return GRT_CV_EUID;
	case B_EGID: return GRT_CV_EGID;
	case B_CPU: return GRT_CV_CPU;
	case B_TARGET: return GRT_CV_TARGET;
	case B_GTOD_S: return GRT_CV_GTOD_S;
	case B_GTOD_MS: return GRT_CV_GTOD_MS;
	case B_GTOD_US: return GRT_CV_GTOD_US;
	case B_GTOD_NS: return GRT_CV_GTOD_NS;
	case B_LCLOCK_S: return GRT_CV_CLOCK_S;
	case B_LCLOCK_MS: return GRT_CV_CLOCK_MS;
	case B_LCLOCK_US: return GRT_CV_CLOCK_US;
	case B_LCLOCK_NS: return GRT_CV_CLOCK_NS;
	case B_GET_CYCLES: return GRT_CV_CYCLES;
	case B_NUM_CPUS: return GRT_CV_NCPUS;
	case B_STP_PID: return GRT_CV_STP_PID;
	default: return 0;
	}
}

/* The room a record of `size` bytes needs in the unit's frame buffer. */
static void need_rec(struct gen *G, size_t size)
{
	if (size > G->recmax)
		G->recmax = size;
}

/*
 * The utility functions of SystemTap's tapsets (docs/language.md,
 * "Functions"): kernel side in grt_bpf.h (th_*), user side in
 * guest-runtime (grt_*: tokenize.c, proc.c, fp.c, backtrace.c, rt.c).
 */
/* The runtime's style (enum grt_sym_style) of a symbol function of user context. */
static const char *sym_style(int builtin)
{
	switch (builtin) {
	case B_USYMDATA: case B_SYMDATA: return "GRT_SYM_DATA";
	case B_USYMFILELINE: case B_SYMFILELINE: return "GRT_SYM_FILELINE";
	case B_USYMFILE: case B_SYMFILE: return "GRT_SYM_FILE";
	case B_USYMLINE: case B_SYMLINE: return "GRT_SYM_LINE";
	default: return "GRT_SYM_NAME";
	}
}

static const char *builtin_util(struct gen *G, struct cc_node *n)
{
	struct cc_ctx *cx = G->cx;
	bool has1 = n->nargs > 0;
	const char *a0 = has1 ? cg_ex(G, n->args[0]) : "0";
	const char *t;
	int site, u;

	switch (n->builtin) {
	case B_TOKENIZE: {
		/* tokenize(delim) is tokenize("", delim) */
		const char *in = n->nargs == 2 ? a0 : "\"\"";
		const char *d = cg_ex(G, n->args[n->nargs - 1]);

		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_tokenize(%s, %s, %s)", t, in, d);
		return cg_fmt(G, "({ grt_tokenize(U, %s, %s, %s); %s; })", t, in, d, t);
	}
	case B_KERNEL_STRING_S:
		return a0;
	case B_KERNEL_STRING_NS:
		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_substr(%s, %s, 0, %s)", t, a0, cg_ex(G, n->args[1]));
		return cg_fmt(G, "({ grt_str_substr(%s, TH_STRLEN, %s, 0, %s); %s; })", t, a0,
			   cg_ex(G, n->args[1]), t);
	case B_MODNAME: case B_UMODNAME: {
		bool user = n->builtin == B_UMODNAME;

		/* stap's errors for an address no module holds */
		site = cg_add_site(G, TH_ERR_USER,
				user ? "module cannot be found" : "Cannot determine kernel module name",
				cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		t = cg_temp(G);
		if (G->kernel && user)
			return cg_fmt(G, "th_umodname(H, %s, (__u64)%s, %d)", t, a0, site);
		if (G->kernel)
			return cg_fmt(G, "th_modname(H, %s, %s, (__u64)%s, %d)", cg_temp(G), t, a0, site);
		return cg_fmt(G, "({ grt_%smodname(U, %s, (__u64)%s, %d); %s; })", user ? "u" : "", t,
			   a0, site, t);
	}
	case B_TASK_CWD_PATH:
		site = cg_add_site(G, TH_ERR_USER, "invalid task_struct pointer",
				cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		if (!G->kernel) /* through the runner's kernel reader (guest-runtime/kpath.c) */
			return cg_kread_path(G, n, a0, site);
		return cg_fmt(G, "th_task_cwd_path(H, %s, %d)", a0, site);
	case B_TASK_FD_LOOKUP:
		site = cg_add_site(G, TH_ERR_USER, "cannot find file in task",
				cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		return cg_fmt(G, "th_task_fd_lookup(H, %s, %s, %d)", a0, cg_ex(G, n->args[1]), site);
	case B_TASK_EXE_FILE:
		if (!G->kernel)
			return cg_kread_path(G, n, a0, -1);
		return cg_fmt(G, "th_task_exe_file(%s)", a0);
	case B_FULLPATH_PATH:
		if (!G->kernel)
			return cg_kread_path(G, n, a0, -1);
		return cg_fmt(G, "th_fullpath_path(%s, %s)", cg_temp(G), a0);
	case B_FULLPATH_FILE:
		if (!G->kernel)
			return cg_kread_path(G, n, a0, -1);
		return cg_fmt(G, "th_fullpath_file(%s, %s, %s)", cg_temp(G), a0, cg_ex(G, n->args[1]));
	case B_PN:
		/* a literal of each probe (in a function: its caller's, which a literal cannot be) */
		if (!G->probe) {
			cc_error_at(&cx->diag, &n->loc,
				    "pn() names the probe: call it in the probe's body, not in a "
				    "function");
			return "\"\"";
		}
		return cg_str_value(G, G->probe->pn, strlen(G->probe->pn));
	case B_PSTRACE:
		return cg_fmt(G, "th_pstrace(%s, %s)", cg_temp(G), a0);
	case B_TASK_DENTRY_PATH:
		if (!G->kernel)
			return cg_kread_path(G, n, a0, -1);
		return cg_fmt(G, "th_task_dentry_path(%s, %s, %s, %s)", cg_temp(G), a0, cg_ex(G, n->args[1]),
			   cg_ex(G, n->args[2]));
	case B_USER_MODE:
		if (!G->kernel)
			return "((__s64)0)";
		return "th_user_mode(H)";
	case B_ADDR: case B_UADDR:
		if (!G->kernel)
			return "((__s64)0)";
		return cg_fmt(G, "th_addr(H, %s)", n->builtin == B_UADDR ? "true" : "false");
	case B_TASK_UTIME: case B_TASK_STIME: {
		bool sys = n->builtin == B_TASK_STIME;

		if (G->kernel)
			return cg_fmt(G, "th_task_cputime(%s, %s, %s)", sys ? "true" : "false",
				   has1 ? "true" : "false", a0);
		return cg_fmt(G, "grt_proc_long(U, %d, %d, %s)", sys ? GRT_PI_STIME : GRT_PI_UTIME,
			   has1, a0);
	}
	case B_MEM_PAGE_SIZE:
		return G->kernel ? cg_num(G, sysconf(_SC_PAGESIZE))
				 : cg_fmt(G, "grt_proc_long(U, %d, 0, 0)", GRT_PI_PAGESIZE);
	case B_PROC_MEM_SIZE: case B_PROC_MEM_RSS: case B_PROC_MEM_SHR: case B_PROC_MEM_TXT:
	case B_PROC_MEM_DATA: {
		int what = n->builtin - B_PROC_MEM_SIZE;

		if (G->kernel)
			return cg_fmt(G, "th_proc_mem(%d, %s, %s)", what, has1 ? "true" : "false", a0);
		return cg_fmt(G, "grt_proc_long(U, %d, %d, %s)", GRT_PI_MEM_SIZE + what, has1, a0);
	}
	case B_PEXECNAME:
		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_pexecname(%s)", t);
		return cg_fmt(G, "({ grt_pexecname(U, %s); %s; })", t, t);
	case B_CPU_CLOCK_NS: case B_CPU_CLOCK_US: case B_CPU_CLOCK_MS: case B_CPU_CLOCK_S: {
		static const char *const div[] = { "1ULL", "1000ULL", "1000000ULL",
						   "1000000000ULL" };
		const char *d = div[n->builtin - B_CPU_CLOCK_NS];

		/*
		 * stap's cpu_clock(cpu) is that CPU's sched_clock; the clocks of
		 * the CPUs agree on the machines eBPF runs on, so this is the
		 * monotonic clock, after stap's check of the CPU number.
		 */
		site = cg_add_site(G, TH_ERR_USER, "cpu is not online", cg_fmt(G, "identifier '%s'", n->name),
				&n->loc);
		u = cg_uniq(G);
		if (G->kernel)
			return cg_fmt(G,
				   "({ __s64 c%d = %s; (%d && (c%d < 0 || c%d >= th_cfg.ncpus)) ? (%s, 0) "
				   ": (__s64)(bpf_ktime_get_ns() / %s); })",
				   u, a0, has1, u, u, cg_err_set(G, site), d);
		return cg_fmt(G, "((__s64)((__u64)grt_cpu_clock(U, %d, %s, %d) / %s))", has1, a0, site, d);
	}
	case B_CMDLINE_ARGS:
		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_cmdline_args(%s, %s, %s, %s)", t, a0, cg_ex(G, n->args[1]),
				   cg_ex(G, n->args[2]));
		return cg_fmt(G, "({ grt_cmdline_args(U, %s, %s, %s, %s); %s; })", t, a0,
			   cg_ex(G, n->args[1]), cg_ex(G, n->args[2]), t);
	case B_SYSTEM: case B_PRINTK: case B_SWITCH_FILE: {
		/* system(cmd), printk(level, msg), switch_file() */
		int f = n->builtin == B_SYSTEM ? TH_FMT_SYSTEM
			: n->builtin == B_PRINTK ? TH_FMT_PRINTK : TH_FMT_SWITCH;
		const char *level = n->nargs == 2 ? a0 : "0";
		const char *text = n->nargs ? (n->nargs == 2 ? cg_ex(G, n->args[1]) : a0) : NULL;

		if (!G->kernel)
			return cg_fmt(G, "({ grt_action(U, %d, %s, %s); 0; })", f, level,
				   text ? text : "NULL");
		need_rec(G, sizeof(struct th_rec) + 8 + 2 + (size_t)cx->lim.maxstringlen);
		return cg_fmt(G, "({ if (!H->err) th_action_rec(%d, F->rec, %d, %s, %s); 0; })", G->cls,
			   f, level, text ? text : "0");
	}
	case B_FP_TO_STRING:
		t = cg_temp(G);
		return cg_fmt(G, "({ grt_fp_to_string(U, %s, %s, %s); %s; })", t, a0, cg_ex(G, n->args[1]),
			   t);
	case B_STRING_TO_FP:
		site = cg_add_site(G, TH_ERR_USER, "invalid format", "identifier 'string_to_fp'", &n->loc);
		return cg_fmt(G, "grt_string_to_fp(U, %s, %d)", a0, site);
	case B_LONG_TO_FP: case B_FP_TO_LONG: case B_FP_ADD: case B_FP_SUB: case B_FP_MUL:
	case B_FP_DIV: case B_FP_REM: case B_FP_SQRT: case B_FP_EQ: case B_FP_LE: case B_FP_LT:
	case B_FP32_TO_FP64:
		return cg_fmt(G, "grt_fp_op(%d, %s, %s, %s)", n->builtin - B_LONG_TO_FP, a0,
			   n->nargs > 1 ? cg_ex(G, n->args[1]) : "0", n->nargs > 2 ? cg_ex(G, n->args[2]) : "0");
	case B_BACKTRACE: case B_SPRINT_BACKTRACE: case B_UBACKTRACE: case B_SPRINT_UBACKTRACE: {
		bool user = n->builtin == B_UBACKTRACE || n->builtin == B_SPRINT_UBACKTRACE;
		bool sym = n->builtin == B_SPRINT_BACKTRACE || n->builtin == B_SPRINT_UBACKTRACE;

		return cg_fmt(G, "th_backtrace_str(H, %s, %s, %s)", cg_temp(G), user ? "true" : "false",
			   sym ? "true" : "false");
	}
	case B_PRINT_BACKTRACE: case B_PRINT_UBACKTRACE: case B_PRINT_STACK: case B_PRINT_USTACK:
	case B_PRINT_BACKTRACE_FILELINE: case B_PRINT_UBACKTRACE_FILELINE: {
		bool user = n->builtin == B_PRINT_UBACKTRACE || n->builtin == B_PRINT_USTACK ||
			    n->builtin == B_PRINT_UBACKTRACE_FILELINE;
		bool lines = n->builtin == B_PRINT_BACKTRACE_FILELINE ||
			     n->builtin == B_PRINT_UBACKTRACE_FILELINE;

		if (!G->kernel)
			return cg_fmt(G, "({ grt_print_stack(U, %s, %d); 0; })", a0, user);
		/* header, flags, pid, count and the frames */
		need_rec(G, sizeof(struct th_rec) + 8 * (3 + TH_MAXBACKTRACE));
		return cg_fmt(G, "({ if (!H->err) th_stack_rec(H, %d, F->rec, %d, %s); 0; })", G->cls,
			   (user ? TH_STACK_USER : 0) | (lines ? TH_STACK_LINES : 0),
			   has1 ? a0 : "0");
	}
	case B_SPRINT_STACK: case B_SPRINT_USTACK: {
		bool user = n->builtin == B_SPRINT_USTACK;

		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_sprint_stack(%s, %s, %s)", t, a0, user ? "true" : "false");
		return cg_fmt(G, "({ grt_sprint_stack(U, %s, %s, %d); %s; })", t, a0, user, t);
	}
	case B_USYMNAME: case B_USYMDATA: case B_USYMFILELINE: case B_USYMFILE: case B_USYMLINE:
		/* printed straight from a probe, a line is the reader's (cg_kprintf) */
		t = cg_temp(G);
		if (G->kernel)
			return cg_fmt(G, "th_hex(%s, (__u64)%s)", t, a0);
		return cg_fmt(G, "({ grt_usym(U, %s, (__u64)%s, %s); %s; })", t, a0,
			   sym_style(n->builtin), t);
	default:
		cc_error_at(&cx->diag, &n->loc, "built-in '%s' has no code generator", n->name);
		return "0";
	}
}

const char *cg_builtin(struct gen *G, struct cc_node *n)
{
	struct cc_ctx *cx = G->cx;
	const char *k;
	int site;

	if (G->kernel && (k = kctx_long(n->builtin)))
		return k;
	switch (n->builtin) {
	case B_PID: case B_TID: case B_PPID: case B_UID: case B_GID: case B_EUID: case B_EGID:
	case B_CPU: case B_TARGET: case B_GTOD_S: case B_GTOD_MS: case B_GTOD_US:
	case B_GTOD_NS: case B_LCLOCK_S: case B_LCLOCK_MS: case B_LCLOCK_US: case B_LCLOCK_NS:
	case B_GET_CYCLES: case B_NUM_CPUS: case B_STP_PID:
		return cg_fmt(G, "grt_ctx_long(U, %d)", ctxval(n->builtin));
	case B_EXECNAME:
		if (G->kernel)
			return cg_fmt(G, "th_execname(%s)", cg_temp(G));
		{
			const char *t = cg_temp(G);

			return cg_fmt(G, "({ grt_execname(U, %s); %s; })", t, t);
		}
	case B_PP:
		if (G->kernel)
			return cg_fmt(G, "th_strcpy(%s, H->pp)", cg_temp(G));
		return "((char *)U->pp)";
	case B_PROBEFUNC:
		/* a kernel function's probe knows its function: a literal of the body */
		if (G->kernel && G->probe && (G->probe->kind == PK_KFUNC ||
					      (G->probe->kind == PK_UPROBE && G->probe->func)))
			return cg_str_value(G, G->probe->func, strlen(G->probe->func));
		if (G->kernel) {
			/* no function here: an empty temporary (not another one's bytes) */
			const char *t = cg_temp(G);

			return cg_fmt(G, "({ %s[0] = 0; %s; })", t, t);
		}
		return "((char *)\"\")";
	case B_EXIT:
		return G->kernel ? cg_fmt(G, "({ th_exit_rec(%d); 0; })", G->cls) : "({ grt_exit(U); 0; })";
	case B_ABORT:
		/* exit() that also ends this run at once: no error, and no catch stops it */
		return G->kernel ? cg_fmt(G, "({ th_exit_rec(%d); H->err = TH_ABORTED; 0; })", G->cls)
				 : "({ grt_exit(U); U->err = TH_ABORTED; 0; })";
	case B_ERROR:
		site = cg_add_site(G, TH_ERR_USER, "", "identifier 'error'", &n->loc);
		if (G->kernel)
			return cg_fmt(G, "({ th_strcpy(H->errmsg, %s); %s; 0; })", cg_ex(G, n->args[0]),
				   cg_err_set(G, site));
		return cg_fmt(G, "({ grt_str_copy(U->errmsg, sizeof(U->errmsg), %s); %s; 0; })",
			   cg_ex(G, n->args[0]), cg_err_set(G, site));
	case B_WARN:
		if (G->kernel) {
			size_t size = sizeof(struct th_rec) + 2 + (size_t)cx->lim.maxstringlen;

			if (size > G->recmax)
				G->recmax = size;
			return cg_fmt(G,
				   "({ const char *w = %s; __u32 o = sizeof(struct th_rec); "
				   "th_rec_header((struct th_rec *)F->rec, 0, %d, %d); th_put_str(F->rec, "
				   "&o, TH_RECMASK, w); th_output_rec(%d, F->rec, o, true); 0; })",
				   cg_ex(G, n->args[0]), TH_FMT_WARN, G->cls, G->cls);
		}
		return cg_fmt(G, "({ grt_warn(U, %s); 0; })", cg_ex(G, n->args[0]));
	case B_LOG: {
		int t = TY_STRING;

		return G->kernel ? cg_kprintf(G, "%s\n", 3, n->args, 1, &t)
				 : cg_uprintf(G, "%s\n", 3, n->args, 1, &t, NULL);
	}
	case B_PRINTF:
	case B_SPRINTF: {
		int types[64];
		const char *err;
		size_t off;
		int nt = cc_format_types(n->args[0]->str, n->args[0]->slen, types, 64, &err, &off);

		if (nt < 0)
			return "0";
		if (n->builtin == B_SPRINTF)
			return G->kernel ? cg_ksprintf(G, n, n->args[0]->str, n->args[0]->slen, n->args + 1,
						    n->nargs - 1)
					 : cg_uprintf(G, n->args[0]->str, n->args[0]->slen, n->args + 1,
						   n->nargs - 1, types, cg_temp(G));
		return G->kernel ? cg_kprintf(G, n->args[0]->str, n->args[0]->slen, n->args + 1,
					   n->nargs - 1, types)
				 : cg_uprintf(G, n->args[0]->str, n->args[0]->slen, n->args + 1,
					   n->nargs - 1, types, NULL);
	}
	case B_PRINT: case B_PRINTLN: case B_PRINTD: case B_PRINTDLN:
		return cg_print_call(G, n);
	case B_SPRINT: case B_SPRINTLN: case B_SPRINTD: case B_SPRINTDLN: {
		const char *r;
		bool delim = n->builtin == B_SPRINTD || n->builtin == B_SPRINTDLN;
		int types[64], nt, first = delim ? 1 : 0;
		char *f;

		if (delim && n->args[0]->kind != N_STR) {
			cc_error_at(&cx->diag, &n->args[0]->loc,
				    "the delimiter of %s must be a string literal", n->name);
			return "0";
		}
		if (!G->kernel) {
			r = cg_print_call(G, n);
			return r;
		}
		f = cg_print_format(G, n, first,
				 first ? cg_escape_pct(G, n->args[0]->str, n->args[0]->slen) : NULL,
				 n->builtin == B_SPRINTLN || n->builtin == B_SPRINTDLN, types, &nt);
		return cg_ksprintf(G, n, f, strlen(f), n->args ? n->args + first : NULL, nt);
	}
	case B_STRLEN:
		return G->kernel ? cg_fmt(G, "th_strlen(%s)", cg_ex(G, n->args[0]))
				 : cg_fmt(G, "((__s64)strlen(%s))", cg_ex(G, n->args[0]));
	case B_SUBSTR: {
		const char *t = cg_temp(G);

		if (G->kernel)
			return cg_fmt(G, "th_substr(%s, %s, %s, %s)", t, cg_ex(G, n->args[0]),
				   cg_ex(G, n->args[1]), cg_ex(G, n->args[2]));
		return cg_fmt(G, "({ grt_str_substr(%s, TH_STRLEN, %s, %s, %s); %s; })", t,
			   cg_ex(G, n->args[0]), cg_ex(G, n->args[1]), cg_ex(G, n->args[2]), t);
	}
	case B_ISINSTR:
		return G->kernel ? cg_fmt(G, "th_isinstr(%s, %s)", cg_ex(G, n->args[0]), cg_ex(G, n->args[1]))
				 : cg_fmt(G, "grt_str_isinstr(%s, %s)", cg_ex(G, n->args[0]),
				       cg_ex(G, n->args[1]));
	case B_STRTOL:
		/* kernel: a temporary holds the number while bpf_loop() reads the digits */
		return G->kernel ? cg_fmt(G, "th_strtol(%s, %s, %s)", cg_temp(G), cg_ex(G, n->args[0]),
				       cg_ex(G, n->args[1]))
				 : cg_fmt(G, "grt_str_strtol(%s, %s)", cg_ex(G, n->args[0]),
				       cg_ex(G, n->args[1]));
	case B_STR_REPLACE: {
		const char *t = cg_temp(G);

		/* kernel: a second temporary holds the positions of the bpf_loop() */
		if (G->kernel)
			return cg_fmt(G, "th_str_replace(%s, %s, %s, %s, %s)", cg_temp(G), t,
				   cg_ex(G, n->args[0]), cg_ex(G, n->args[1]), cg_ex(G, n->args[2]));
		return cg_fmt(G, "({ grt_str_replace(%s, TH_STRLEN, %s, %s, %s); %s; })", t,
			   cg_ex(G, n->args[0]), cg_ex(G, n->args[1]), cg_ex(G, n->args[2]), t);
	}
	case B_STRINGAT:
		site = cg_add_site(G, TH_ERR_USER, "Failed to extract character: index out of range",
				"identifier 'stringat'", &n->loc);
		if (G->kernel)
			return cg_fmt(G, "th_stringat(H, %s, %s, %d)", cg_ex(G, n->args[0]), cg_ex(G, n->args[1]),
				   site);
		{
			int u = cg_uniq(G);

			return cg_fmt(G,
				   "({ const char *s%d = %s; __s64 p%d = %s; (p%d < 0 || p%d >= "
				   "(__s64)strlen(s%d)) ? (%s, 0) : (__s64)(unsigned char)s%d[p%d]; })",
				   u, cg_ex(G, n->args[0]), u, cg_ex(G, n->args[1]), u, u, u, cg_err_set(G, site),
				   u, u);
		}
	case B_TEXT_STR: {
		const char *t = cg_temp(G);

		/* kernel: a second temporary holds the positions of the bpf_loop() */
		if (G->kernel)
			return cg_fmt(G, "th_str_text(%s, %s, %s)", cg_temp(G), t, cg_ex(G, n->args[0]));
		return cg_fmt(G, "({ grt_str_text(%s, TH_STRLEN, %s); %s; })", t, cg_ex(G, n->args[0]), t);
	}
	case B_KERNEL_STRING: case B_KERNEL_STRING_N: case B_USER_STRING: case B_USER_STRING_N: {
		bool user = n->builtin == B_USER_STRING || n->builtin == B_USER_STRING_N;
		bool has_n = n->builtin == B_KERNEL_STRING_N || n->builtin == B_USER_STRING_N;
		int defarg = has_n ? 2 : 1;
		const char *t = cg_temp(G);
		int u = cg_uniq(G);

		site = cg_add_site(G, TH_ERR_STRREAD,
				user ? "user string copy fault" : "kernel string copy fault",
				cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		if (!G->kernel) /* kernel_string() in user context: the runner's reader */
			return cg_fmt(G, "({ char *r%d = grt_kread_str(U, %s, (__u64)%s, %s); if (!r%d) { %s; } %s; })",
				      u, t, cg_ex(G, n->args[0]), has_n ? cg_ex(G, n->args[1]) : "0", u,
				      n->nargs > defarg ? cg_fmt(G, "grt_str_copy(%s, TH_STRLEN, %s)", t,
								 cg_ex(G, n->args[defarg]))
							: cg_err_set(G, site),
				      t);
		return cg_fmt(G, "({ char *r%d = th_read_str(%s, (__u64)%s, %s, %s); if (!r%d) { %s; } %s; })",
			   u, t, cg_ex(G, n->args[0]), has_n ? cg_ex(G, n->args[1]) : "0",
			   user ? "true" : "false", u,
			   n->nargs > defarg ? cg_fmt(G, "th_strcpy(%s, %s)", t, cg_ex(G, n->args[defarg]))
					     : cg_err_set(G, site),
			   t);
	}
	case B_RANDINT:
		site = cg_add_site(G, TH_ERR_USER, "randint: invalid range", "identifier 'randint'",
				&n->loc);
		if (G->kernel) {
			int u = cg_uniq(G);

			return cg_fmt(G,
				   "({ __s64 n%d = %s; (n%d <= 0 || n%d > 0xffffffffLL) ? (%s, 0) : "
				   "(__s64)(bpf_get_prandom_u32() %% (__u32)n%d); })",
				   u, cg_ex(G, n->args[0]), u, u, cg_err_set(G, site), u);
		}
		return cg_fmt(G, "grt_randint(U, %s, %d)", cg_ex(G, n->args[0]), site);
	case B_TASK_CURRENT:
		if (!G->kernel) /* the runner's own task, as stap's begin runs in stapio's */
			return "grt_task_current(U)";
		return "((__s64)bpf_get_current_task())";
	case B_TASK_PID: case B_TASK_TID: case B_TASK_PARENT: case B_TASK_STATE: case B_TASK_PRIO:
	case B_TASK_NICE: case B_TASK_CPU: case B_TASK_UID: case B_TASK_GID: {
		if (!G->kernel)
			return cg_kread_task(G, n);
		static const int which[] = {
			[B_TASK_PID - B_TASK_PID] = 0, [B_TASK_TID - B_TASK_PID] = 1,
			[B_TASK_PARENT - B_TASK_PID] = 2, [B_TASK_STATE - B_TASK_PID] = 3,
			[B_TASK_PRIO - B_TASK_PID] = 4, [B_TASK_NICE - B_TASK_PID] = 5,
			[B_TASK_CPU - B_TASK_PID] = 6, [B_TASK_UID - B_TASK_PID] = 7,
			[B_TASK_GID - B_TASK_PID] = 8,
		};
		int w = n->builtin == B_TASK_EXECNAME ? 0 : which[n->builtin - B_TASK_PID];

		return cg_fmt(G, "th_task_field((__u64)%s, %d)", cg_ex(G, n->args[0]), w);
	}
	case B_PERF: /* a counter of the target (probe_perf.c, grt_bpf_perf.h) */
		return cg_fmt(G, "th_perf_read(%lld)", (long long)n->args[0]->num);
	case B_TASK_EXECNAME:
		if (!G->kernel)
			return cg_kread_task(G, n);
		return cg_fmt(G, "th_task_execname(%s, (__u64)%s)", cg_temp(G), cg_ex(G, n->args[0]));
	case B_KERNEL_LONG: case B_KERNEL_INT: case B_KERNEL_SHORT: case B_KERNEL_CHAR:
	case B_KERNEL_POINTER: case B_USER_LONG: case B_USER_INT: case B_USER_SHORT:
	case B_USER_CHAR: case B_USER_ULONG: case B_USER_UINT: case B_USER_USHORT:
	case B_USER_INT8: case B_USER_UINT8: {
		bool user = n->builtin >= B_USER_LONG;
		int size;
		const char *cast;

		switch (n->builtin) {
		case B_KERNEL_LONG: case B_USER_LONG: size = 8; cast = "(__s64)"; break;
		case B_KERNEL_POINTER: case B_USER_ULONG: size = 8; cast = "(__s64)(__u64)"; break;
		case B_KERNEL_INT: case B_USER_INT: size = 4; cast = "(__s64)(__s32)"; break;
		case B_USER_UINT: size = 4; cast = "(__s64)(__u32)"; break;
		case B_KERNEL_SHORT: case B_USER_SHORT: size = 2; cast = "(__s64)(__s16)"; break;
		case B_USER_USHORT: size = 2; cast = "(__s64)(__u16)"; break;
		case B_USER_UINT8: size = 1; cast = "(__s64)(__u8)"; break;
		default: size = 1; cast = "(__s64)(__s8)"; break;
		}
		/*
		 * As stap's: kernel_long() and user_long_error() make a bad
		 * address a runtime error, user_long() reads it as 0.
		 */
		if (user && !strstr(n->name, "_error"))
			site = -1;
		else
			site = cg_add_site(G, TH_ERR_STRREAD,
					user ? "user read fault" : "kernel read fault",
					cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		if (!G->kernel) /* kernel_long() in user context: the runner's reader */
			return cg_fmt(G, "(%sgrt_kread_int(U, (__u64)%s, %d, 0, %d))", cast,
				      cg_ex(G, n->args[0]), size, site);
		/*
		 * An LSM probe's context is the kernel's array of the hook's
		 * arguments, and stap's eBPF runtime reads user_long($ctx + 8)
		 * with a read that takes kernel addresses too (its example,
		 * cve-2026-31431bpf.stp): an address inside that array is read
		 * from the kernel, any other from user space.
		 */
		if (user && G->probe && G->probe->lsm && !G->func) {
			int u = cg_uniq(G);

			return cg_fmt(G,
				      "({ __u64 a%d = (__u64)%s; (%sth_read_mem(H, a%d, %d, a%d - "
				      "th_ctx_addr(ctx) >= %d, %d)); })",
				      u, cg_ex(G, n->args[0]), cast, u, size, u,
				      8 * (G->probe->nkargs + 1), site);
		}
		return cg_fmt(G, "(%sth_read_mem(H, (__u64)%s, %d, %s, %d))", cast, cg_ex(G, n->args[0]),
			   size, user ? "true" : "false", site);
	}
	case B_POINTER_ARG: case B_INT_ARG: case B_UINT_ARG: case B_LONG_ARG: case B_ULONG_ARG:
	case B_S32_ARG: case B_U32_ARG: case B_S64_ARG: case B_U64_ARG: {
		const char *cast = n->builtin == B_INT_ARG || n->builtin == B_S32_ARG ? "(__s64)(__s32)"
				   : n->builtin == B_UINT_ARG || n->builtin == B_U32_ARG ? "(__s64)(__u32)"
				   : n->builtin == B_LONG_ARG || n->builtin == B_S64_ARG ? "(__s64)"
											: "(__s64)(__u64)";

		/*
		 * At sys_exit too: the registers the call was made with are
		 * still in its pt_regs (only ax holds the return value), and
		 * stap's tp_syscall.*.return aliases read them there
		 * (__set_syscall_pt_regs), so int_arg(1) in
		 * nd_syscall.kill.return is kill's pid (lwtools/killsnoop-nd).
		 */
		if (G->probe && (G->probe->kind == PK_UPROBE || G->probe->kind == PK_KFUNC))
			return cg_uprobe_arg(G, n, cast);
		if (!G->probe || G->probe->kind != PK_SYSCALL) {
			cc_error_at(&cx->diag, &n->loc,
				    "%s() reads a system call's or a function's arguments: it works "
				    "in syscall probes (kernel.trace(\"syscalls:sys_enter_*\") and "
				    "sys_exit_*, syscall.*), kernel.function() and process(...) "
				    "probes, not in %s",
				    n->name, G->probe ? G->probe->pp : "a function");
			return "0";
		}
		/* stap numbers arguments from 1; a number out of 1..6 reads as 0 */
		{
			const char *idx = cg_ex(G, n->args[0]);
			int u = cg_uniq(G);

			return cg_fmt(G,
				   "({ __s64 i%d = %s; (i%d >= 1 && i%d <= 6) ? (%sth_sysarg(ctx, "
				   "(int)i%d - 1)) : 0; })",
				   u, idx, u, u, cast, u);
		}
	}
	case B_PROBING_32BIT:
		/*
		 * stap's: a process(...) probe's thread is a 32-bit program's
		 * (its user code segment is the compat one, __USER32_CS); 0 in
		 * any other probe, whose registers are not a program's
		 */
		if (!G->kernel || !G->probe || G->probe->kind != PK_UPROBE)
			return "((__s64)0)";
		return "((__s64)((*(__u64 *)((char *)ctx + 136) & 0xffff) == 0x23))";
	case B_REGISTER: case B_U_REGISTER:
		return cg_register(G, n, n->builtin == B_REGISTER);
	case B_RAISE:
		/*
		 * stap's guru-signal tapset: a signal to the current thread,
		 * which bpf_send_signal_thread() sends when the probe returns
		 * (the band-aids' raise(9) of a process about to be exploited)
		 */
		if (!cx->guru) {
			cc_error_at(&cx->diag, &n->loc,
				    "raise() sends a signal to the traced thread: it needs guru "
				    "mode (-g), as in stap");
			return "0";
		}
		return cg_fmt(G, "((void)bpf_send_signal_thread((__u32)%s), 0)", cg_ex(G, n->args[0]));
	case B_CTIME: case B_TZ_CTIME: {
		const char *secs = n->nargs ? cg_ex(G, n->args[0]) : NULL;
		const char *near = cg_fmt(G, "identifier '%s'", n->name);
		/* stap's errors outside what 32-bit seconds hold */
		int past = cg_add_site(G, TH_ERR_USER, "Time too far in the past to be converted",
				       near, &n->loc);
		int future = cg_add_site(G, TH_ERR_USER, "Time too far in the future to be converted",
					 near, &n->loc);

		if (G->kernel) {
			if (!secs)
				secs = kctx_long(B_GTOD_S);
			if (n->builtin == B_TZ_CTIME)
				return cg_fmt(G, "th_ctime(H, %s, (%s) + th_cfg.tz_off, "
						 "(const char *)th_cfg.tz_name, %d, %d)",
					   cg_temp(G), secs, past, future);
			return cg_fmt(G, "th_ctime(H, %s, %s, 0, %d, %d)", cg_temp(G), secs, past,
				      future);
		}
		{
			const char *t = cg_temp(G);

			return cg_fmt(G, "({ grt_ctime(U, %s, %s, %d, %d, %d); %s; })", t,
				   secs ? secs : "grt_ctx_long(U, GRT_CV_GTOD_S)",
				   n->builtin == B_TZ_CTIME, past, future, t);
		}
	}
	case B_CMDLINE_STR:
		if (G->kernel)
			return cg_fmt(G, "th_cmdline(%s)", cg_temp(G));
		{
			const char *t = cg_temp(G);

			return cg_fmt(G, "({ grt_cmdline(U, %s); %s; })", t, t);
		}
	case B_SYMNAME: case B_SYMDATA: case B_SYMFILELINE: case B_SYMFILE: case B_SYMLINE: {
		const char *t = cg_temp(G);

		if (G->kernel && n->builtin == B_SYMDATA)
			return cg_fmt(G, "th_symdata(%s, (__u64)%s)", t, cg_ex(G, n->args[0]));
		if (G->kernel && n->builtin == B_SYMNAME)
			return cg_fmt(G, "th_symbol(%s, (__u64)%s, 0)", t, cg_ex(G, n->args[0]));
		/* the kernel's lines are in its DWARF, not read: stap's form without them */
		if (G->kernel)
			return cg_fmt(G, "th_hex(%s, (__u64)%s)", t, cg_ex(G, n->args[0]));
		return cg_fmt(G, "({ grt_symbol(U, %s, (__u64)%s, %s); %s; })", t, cg_ex(G, n->args[0]),
			   sym_style(n->builtin), t);
	}
	case B_MATCHED: case B_MATCHED_STR: {
		const char *t;

		if (G->kernel)
			return "0"; /* refused at pass 2 */
		t = cg_temp(G);
		site = cg_add_site(G, TH_ERR_USER, "", cg_fmt(G, "identifier '%s'", n->name), &n->loc);
		return cg_fmt(G, "({ grt_re_matched(U, %s, TH_STRLEN, %s, %d); %s; })", t,
			   n->builtin == B_MATCHED ? cg_ex(G, n->args[0]) : "0", site, t);
	}
	case B_NGROUPS:
		if (G->kernel)
			return "0";
		site = cg_add_site(G, TH_ERR_USER, "", "identifier 'ngroups'", &n->loc);
		return cg_fmt(G, "grt_re_ngroups(U, %d)", site);
	default:
		return builtin_util(G, n);
	}
}
