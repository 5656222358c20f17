/* SPDX-License-Identifier: MIT */
/*
 * The user side of a compiled guest: what generated guest.user.c includes
 * and calls.  The shared object exports one symbol, `th_guest`, a
 * struct grt_guest_desc listing its user-context probes (begin, end,
 * error, timers) and its init/autoprint hooks.  Everything it needs from
 * the session — output, arrays (kernel maps or user hash tables alike),
 * kernel-shared scalars, context values, errors — goes through the grt_*
 * functions below, which the runner (tap, or a background tap for hub
 * sessions) provides when it dlopen()s the object.
 *
 * Arrays are addressed by global id and keys as grt_cell tuples; the
 * runtime knows from the guest's meta whether an array is a BPF map (and
 * its key layout) or user-only, so generated code never depends on that.
 */
#ifndef GRT_USER_H
#define GRT_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "guest-runtime/grt.h"

#define GRT_ABI 1
#define GRT_ERRMSG_MAX 256

struct grt_rt; /* one loaded guest: maps, globals, output, error policy */

/* One run of a user-context handler. */
struct grt_uctx {
	struct grt_rt *rt;
	int64_t err;     /* 0, or 1 + error site id */
	int64_t actions; /* loop iterations in this run (MAXACTION) */
	int64_t depth;   /* function nesting (MAXNESTING) */
	const char *pp;  /* probe point of the running handler */
	const char *input; /* input probes: the byte or line read ($value) */
	char errmsg[GRT_ERRMSG_MAX]; /* error("...") text */
	struct grt_rematch *rematch; /* the last =~ for matched(): regex.c, freed after the run */
};

enum grt_uprobe_kind {
	GRT_UP_BEGIN = 1,
	GRT_UP_END,
	GRT_UP_ERROR,
	GRT_UP_TIMER,
	GRT_UP_NEVER,
	GRT_UP_INPUT, /* a byte (or with input_line, a line) read on stdin */
};

struct grt_uprobe {
	int kind;
	int64_t seq; /* begin(N) ordering */
	int64_t period_ns, jitter_ns;
	void (*fn)(struct grt_uctx *u);
	const char *pp;
	int input_line; /* GRT_UP_INPUT: runs once per line, else per byte */
};

struct grt_guest_desc {
	uint32_t abi; /* GRT_ABI */
	uint32_t maxstr;
	size_t globals_size; /* sizeof(struct th_globals), 0 when none */
	int nprobes;
	const struct grt_uprobe *probes;
	void (*autoprint)(struct grt_uctx *u); /* prints written-but-unread globals */
};

/* ---- what generated code calls (implemented in guest-runtime/rt.c) ---- */

void *grt_globals(struct grt_rt *rt); /* kernel-shared scalars (struct th_globals) */

/* fmt is a literal of the generated object: its address keys the compiled form */
void grt_printf(struct grt_uctx *u, const char *fmt, const struct grt_arg *a, int n);
void grt_sprintf(struct grt_uctx *u, char *dst, const char *fmt, const struct grt_arg *a, int n);
void grt_exit(struct grt_uctx *u);
void grt_warn(struct grt_uctx *u, const char *msg);
void grt_error_report(struct grt_uctx *u); /* u->err is set: report it */
/* catch (msg): the text of the error in u->err (as stap's catch sees it) into dst */
void grt_catch_msg(struct grt_uctx *u, char *dst, size_t max);

enum grt_ctxval {
	GRT_CV_PID = 1, GRT_CV_TID, GRT_CV_PPID, GRT_CV_UID, GRT_CV_GID, GRT_CV_EUID,
	GRT_CV_EGID, GRT_CV_CPU, GRT_CV_TARGET, GRT_CV_GTOD_S, GRT_CV_GTOD_MS,
	GRT_CV_GTOD_US, GRT_CV_GTOD_NS, GRT_CV_CLOCK_S, GRT_CV_CLOCK_MS, GRT_CV_CLOCK_US,
	GRT_CV_CLOCK_NS, GRT_CV_CYCLES, GRT_CV_NCPUS, GRT_CV_STP_PID,
};
int64_t grt_ctx_long(struct grt_uctx *u, int what);
void grt_execname(struct grt_uctx *u, char *dst);
int64_t grt_randint(struct grt_uctx *u, int64_t n, int64_t site);
/*
 * Kernel memory in user context (kread.c): the runner's task; an integer
 * of size bytes, a bad address a runtime error at site; a string of at
 * most maxlen bytes (0: MAXSTRINGLEN) into dst, NULL when the address is bad.
 */
int64_t grt_task_current(struct grt_uctx *u);
int64_t grt_kread_int(struct grt_uctx *u, uint64_t addr, int size, int is_signed, int64_t site);
char *grt_kread_str(struct grt_uctx *u, char *dst, uint64_t addr, int64_t maxlen);
/*
 * Paths of kernel objects in user context (kpath.c): the offsets of the
 * members walked, from this kernel's BTF (the compiler fills them in)
 */
struct grt_kpath_layout {
	uint64_t task_fs, task_mm, fs_root, fs_pwd, mm_exe_file, file_f_path;
	uint64_t path_mnt, path_dentry, dentry_parent, dentry_name, dentry_inode, inode_ino;
	uint64_t vfsmount_root, vfsmount_sb, sb_magic, mount_parent, mount_mountpoint, mount_mnt;
};
/* task_cwd_path(task): the address of its fs->pwd; a bad task is the error at site */
int64_t grt_task_cwd_path(struct grt_uctx *u, const struct grt_kpath_layout *L, int64_t task,
			  int64_t site);
/* task_exe_file(task) (0: the runner's, as current_exe_file()); 0 when it has none */
int64_t grt_task_exe_file(struct grt_uctx *u, const struct grt_kpath_layout *L, int64_t task);
char *grt_task_dentry_path(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			   int64_t task, int64_t dentry, int64_t vfsmnt);
char *grt_fullpath_path(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			int64_t path);
char *grt_fullpath_file(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			int64_t task, int64_t file);

/* arrays: gid is the global's id; key has the array's nkeys cells */
int64_t grt_arr_get_long(struct grt_uctx *u, int gid, const struct grt_cell *key);
void grt_arr_get_str(struct grt_uctx *u, int gid, const struct grt_cell *key, char *dst);
void grt_arr_set_long(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
		      int64_t site);
void grt_arr_set_str(struct grt_uctx *u, int gid, const struct grt_cell *key, const char *v,
		     int64_t site);
/* a[k] op= v for longs; returns the new value */
int64_t grt_arr_add_long(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
			 int64_t site);
int grt_arr_exists(struct grt_uctx *u, int gid, const struct grt_cell *key);
void grt_arr_delete(struct grt_uctx *u, int gid, const struct grt_cell *key);
/* slices: bit i of mask set means key i is '*' (matches anything) */
void grt_arr_delete_slice(struct grt_uctx *u, int gid, const struct grt_cell *key,
			  uint32_t mask);
int grt_arr_exists_slice(struct grt_uctx *u, int gid, const struct grt_cell *key,
			 uint32_t mask);
void grt_arr_clear(struct grt_uctx *u, int gid);
/* snapshot for foreach (rows sorted by the caller) */
int grt_arr_table(struct grt_uctx *u, int gid, struct grt_table *t);
/* aggregates: key NULL for a scalar aggregate */
void grt_stat_add_g(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
		    int64_t site);
/* merged copy into out (grt_stat_slots() of the global's histogram) */
void grt_stat_get_g(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t *out);
int64_t grt_stat_x(struct grt_uctx *u, const int64_t *st, int x, int64_t site);
int64_t grt_stat_variance_g(struct grt_uctx *u, int gid, const int64_t *st, int64_t site);
void grt_print_hist_g(struct grt_uctx *u, int gid, const int64_t *st);
void grt_stat_clear_g(struct grt_uctx *u, int gid);
size_t grt_stat_slots_g(struct grt_uctx *u, int gid);

/* ctime()/tz_ctime(), cmdline_str(), symname()/symdata()/symfileline()... in user context */
/*
 * ctime(secs) (tz_ctime with local): stap's 32-bit range, else the error
 * at site past (too early) or future (too late)
 */
void grt_ctime(struct grt_uctx *u, char *dst, int64_t secs, int local, int64_t past,
	       int64_t future);
void grt_cmdline(struct grt_uctx *u, char *dst);
/* a kernel address in style (enum grt_sym_style) */
void grt_symbol(struct grt_uctx *u, char *dst, uint64_t addr, int style);
/* modname(addr), umodname(addr) (tap's own process): an error at site when unknown */
void grt_modname(struct grt_uctx *u, char *dst, uint64_t addr, int64_t site);
void grt_umodname(struct grt_uctx *u, char *dst, uint64_t addr, int64_t site);

/* ---- the utility functions of the tapsets (docs/language.md, "Functions") ---- */

/* tokenize.c: tokenize(input, delim), stap's strsep() walk */
void grt_tokenize(struct grt_uctx *u, char *dst, const char *input, const char *delim);

/* proc.c: what the kernel keeps about a process (pid: has_pid ? pid : this one) */
enum grt_procinfo {
	GRT_PI_UTIME = 1, GRT_PI_STIME, GRT_PI_PAGESIZE,
	GRT_PI_MEM_SIZE, GRT_PI_MEM_RSS, GRT_PI_MEM_SHR, GRT_PI_MEM_TXT, GRT_PI_MEM_DATA,
};
int64_t grt_proc_long(struct grt_uctx *u, int what, int has_pid, int64_t pid);
void grt_pexecname(struct grt_uctx *u, char *dst);
void grt_cmdline_args(struct grt_uctx *u, char *dst, int64_t n, int64_t m, const char *delim);
int64_t grt_cpu_clock(struct grt_uctx *u, int has_cpu, int64_t cpu, int64_t site);

/* rt.c: system(), printk(), switch_file() (kind: TH_FMT_SYSTEM ...), done after the probe */
void grt_action(struct grt_uctx *u, int kind, int64_t level, const char *text);

/* fp.c: stap's floating point helpers, IEEE doubles carried in longs */
enum grt_fp_op {
	GRT_FP_FROM_LONG = 0, GRT_FP_TO_LONG, GRT_FP_ADD, GRT_FP_SUB, GRT_FP_MUL, GRT_FP_DIV,
	GRT_FP_REM, GRT_FP_SQRT, GRT_FP_EQ, GRT_FP_LE, GRT_FP_LT, GRT_FP_FROM_FP32,
};
void grt_fp_to_string(struct grt_uctx *u, char *dst, int64_t fp, int64_t precision);
int64_t grt_string_to_fp(struct grt_uctx *u, const char *s, int64_t site);
int64_t grt_fp_op(int op, int64_t a, int64_t b, int64_t c);

/* stackfn.c: stacks from backtrace()'s (user: this process's) string; user symbols */
void grt_print_stack(struct grt_uctx *u, const char *stk, int user);
void grt_sprint_stack(struct grt_uctx *u, char *dst, const char *stk, int user);
/* usymname(), usymdata(), usymfileline() ... of tap's own process: style is enum grt_sym_style */
void grt_usym(struct grt_uctx *u, char *dst, uint64_t addr, int style);
/*
 * =~ when the script reads subexpressions (guest-runtime/regex.c): the
 * match is kept in u->rematch for matched(n), matched_str() (matched(0))
 * and ngroups(), which raise a runtime error at site when the last =~ of
 * the run failed, or n is not a group of its pattern.
 */
struct grt_rematch;
int64_t grt_re_search(struct grt_uctx *u, const struct grt_regex *re, const char *s,
		      int64_t site);
void grt_re_matched(struct grt_uctx *u, char *dst, size_t maxlen, int64_t n, int64_t site);
int64_t grt_re_ngroups(struct grt_uctx *u, int64_t site);
void grt_rematch_free(struct grt_rematch *m);

/* end-of-session printing of written-but-unread globals */
void grt_autoprint_stat(struct grt_uctx *u, int gid, const char *name);
void grt_autoprint_array(struct grt_uctx *u, int gid, const char *name);

/* ---- arithmetic with stap semantics (inline: hot in loops) ---------------- */

/* __s64/__u64 come from <linux/types.h>, via taphub/stat.h */
static inline __s64 th_div(int64_t *err, __s64 a, __s64 b, __s64 site)
{
	if (b == 0) {
		if (!*err)
			*err = site + 1;
		return 0;
	}
	/* INT64_MIN / -1 overflows in C; wrap like the kernel side does */
	if (b == -1)
		return (__s64)(0 - (__u64)a);
	return a / b;
}

static inline __s64 th_mod(int64_t *err, __s64 a, __s64 b, __s64 site)
{
	if (b == 0) {
		if (!*err)
			*err = site + 1;
		return 0;
	}
	if (b == -1)
		return 0;
	return a % b;
}

static inline __s64 th_shl(__s64 a, __s64 b)
{
	return (__s64)((__u64)a << (b & 63));
}

static inline __s64 th_shr(__s64 a, __s64 b)
{
	return a >> (b & 63);
}

#endif /* GRT_USER_H */
