// SPDX-License-Identifier: MIT
/*
 * The built-in functions: their names, arities, types and the contexts
 * they may be called in.  Code generation for each lives in gen_bpf.c
 * and gen_user.c; this table is what elaboration and type inference
 * check calls against.  Tapset functions written in the script language
 * (compiler/tapset/) need no entry here.
 */
#include <string.h>

#include "compiler/compiler.h"

#define L TY_LONG
#define S TY_STRING
#define U TY_UNKNOWN

static const struct cc_builtin builtins[] = {
	{ "pid", 0, 0, L, { 0 }, BC_BOTH, B_PID },
	{ "tid", 0, 0, L, { 0 }, BC_BOTH, B_TID },
	{ "ppid", 0, 0, L, { 0 }, BC_BOTH, B_PPID },
	{ "uid", 0, 0, L, { 0 }, BC_BOTH, B_UID },
	{ "gid", 0, 0, L, { 0 }, BC_BOTH, B_GID },
	{ "euid", 0, 0, L, { 0 }, BC_BOTH, B_EUID },
	{ "egid", 0, 0, L, { 0 }, BC_BOTH, B_EGID },
	{ "execname", 0, 0, S, { 0 }, BC_BOTH, B_EXECNAME },
	{ "cpu", 0, 0, L, { 0 }, BC_BOTH, B_CPU },
	{ "target", 0, 0, L, { 0 }, BC_BOTH, B_TARGET },
	{ "gettimeofday_s", 0, 0, L, { 0 }, BC_BOTH, B_GTOD_S },
	{ "gettimeofday_ms", 0, 0, L, { 0 }, BC_BOTH, B_GTOD_MS },
	{ "gettimeofday_us", 0, 0, L, { 0 }, BC_BOTH, B_GTOD_US },
	{ "gettimeofday_ns", 0, 0, L, { 0 }, BC_BOTH, B_GTOD_NS },
	{ "local_clock_s", 0, 0, L, { 0 }, BC_BOTH, B_LCLOCK_S },
	{ "local_clock_ms", 0, 0, L, { 0 }, BC_BOTH, B_LCLOCK_MS },
	{ "local_clock_us", 0, 0, L, { 0 }, BC_BOTH, B_LCLOCK_US },
	{ "local_clock_ns", 0, 0, L, { 0 }, BC_BOTH, B_LCLOCK_NS },
	{ "get_cycles", 0, 0, L, { 0 }, BC_BOTH, B_GET_CYCLES },
	{ "pp", 0, 0, S, { 0 }, BC_BOTH, B_PP },
	{ "pn", 0, 0, S, { 0 }, BC_BOTH, B_PN },
	{ "probefunc", 0, 0, S, { 0 }, BC_BOTH, B_PROBEFUNC },
	/* stap's ppfunc(): the function pp() names; only function probes name one here */
	{ "ppfunc", 0, 0, S, { 0 }, BC_BOTH, B_PROBEFUNC },
	{ "exit", 0, 0, TY_VOID, { 0 }, BC_BOTH, B_EXIT },
	{ "abort", 0, 0, TY_VOID, { 0 }, BC_BOTH, B_ABORT },
	{ "error", 1, 1, TY_VOID, { S }, BC_BOTH, B_ERROR },
	{ "warn", 1, 1, TY_VOID, { S }, BC_BOTH, B_WARN },
	{ "log", 1, 1, TY_VOID, { S }, BC_BOTH, B_LOG },
	{ "printf", 1, -1, TY_VOID, { S }, BC_BOTH, B_PRINTF },
	{ "print", 0, -1, TY_VOID, { 0 }, BC_BOTH, B_PRINT },
	{ "println", 0, -1, TY_VOID, { 0 }, BC_BOTH, B_PRINTLN },
	{ "printd", 1, -1, TY_VOID, { S }, BC_BOTH, B_PRINTD },
	{ "printdln", 1, -1, TY_VOID, { S }, BC_BOTH, B_PRINTDLN },
	{ "sprintf", 1, -1, S, { S }, BC_BOTH, B_SPRINTF },
	{ "sprint", 0, -1, S, { 0 }, BC_BOTH, B_SPRINT },
	{ "sprintln", 0, -1, S, { 0 }, BC_BOTH, B_SPRINTLN },
	{ "sprintd", 1, -1, S, { S }, BC_BOTH, B_SPRINTD },
	{ "strlen", 1, 1, L, { S }, BC_BOTH, B_STRLEN },
	{ "substr", 3, 3, S, { S, L, L }, BC_BOTH, B_SUBSTR },
	{ "isinstr", 2, 2, L, { S, S }, BC_BOTH, B_ISINSTR },
	{ "strtol", 2, 2, L, { S, L }, BC_BOTH, B_STRTOL },
	{ "str_replace", 3, 3, S, { S, S, S }, BC_BOTH, B_STR_REPLACE },
	{ "stringat", 2, 2, L, { S, L }, BC_BOTH, B_STRINGAT },
	{ "text_str", 1, 1, S, { S }, BC_BOTH, B_TEXT_STR },
	{ "kernel_string", 1, 2, S, { L, S }, BC_BOTH, B_KERNEL_STRING },
	{ "kernel_string_n", 2, 2, S, { L, L }, BC_BOTH, B_KERNEL_STRING_N },
	{ "user_string", 1, 2, S, { L, S }, BC_KERNEL, B_USER_STRING },
	{ "user_string_n", 2, 3, S, { L, L, S }, BC_KERNEL, B_USER_STRING_N },
	{ "randint", 1, 1, L, { L }, BC_BOTH, B_RANDINT },
	{ "num_online_cpus", 0, 0, L, { 0 }, BC_BOTH, B_NUM_CPUS },
	{ "stp_pid", 0, 0, L, { 0 }, BC_BOTH, B_STP_PID },
	{ "task_current", 0, 0, L, { 0 }, BC_BOTH, B_TASK_CURRENT },
	{ "task_pid", 1, 1, L, { L }, BC_BOTH, B_TASK_PID },
	{ "task_tid", 1, 1, L, { L }, BC_BOTH, B_TASK_TID },
	{ "task_parent", 1, 1, L, { L }, BC_BOTH, B_TASK_PARENT },
	{ "task_execname", 1, 1, S, { L }, BC_BOTH, B_TASK_EXECNAME },
	{ "task_state", 1, 1, L, { L }, BC_BOTH, B_TASK_STATE },
	{ "task_prio", 1, 1, L, { L }, BC_BOTH, B_TASK_PRIO },
	{ "task_nice", 1, 1, L, { L }, BC_BOTH, B_TASK_NICE },
	{ "task_cpu", 1, 1, L, { L }, BC_BOTH, B_TASK_CPU },
	{ "task_uid", 1, 1, L, { L }, BC_BOTH, B_TASK_UID },
	{ "task_gid", 1, 1, L, { L }, BC_BOTH, B_TASK_GID },
	{ "kernel_long", 1, 1, L, { L }, BC_BOTH, B_KERNEL_LONG },
	{ "kernel_int", 1, 1, L, { L }, BC_BOTH, B_KERNEL_INT },
	{ "kernel_short", 1, 1, L, { L }, BC_BOTH, B_KERNEL_SHORT },
	{ "kernel_char", 1, 1, L, { L }, BC_BOTH, B_KERNEL_CHAR },
	{ "kernel_pointer", 1, 1, L, { L }, BC_BOTH, B_KERNEL_POINTER },
	{ "user_long", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	{ "user_int", 1, 1, L, { L }, BC_KERNEL, B_USER_INT },
	{ "user_short", 1, 1, L, { L }, BC_KERNEL, B_USER_SHORT },
	{ "user_char", 1, 1, L, { L }, BC_KERNEL, B_USER_CHAR },
	{ "user_ulong", 1, 1, L, { L }, BC_KERNEL, B_USER_ULONG },
	{ "user_uint32", 1, 1, L, { L }, BC_KERNEL, B_USER_UINT },
	{ "user_ushort", 1, 1, L, { L }, BC_KERNEL, B_USER_USHORT },
	{ "user_int8", 1, 1, L, { L }, BC_KERNEL, B_USER_INT8 },
	{ "user_uint8", 1, 1, L, { L }, BC_KERNEL, B_USER_UINT8 },
	/* uconversions.stp's other names: the same reads */
	{ "user_int16", 1, 1, L, { L }, BC_KERNEL, B_USER_SHORT },
	{ "user_uint16", 1, 1, L, { L }, BC_KERNEL, B_USER_USHORT },
	{ "user_int32", 1, 1, L, { L }, BC_KERNEL, B_USER_INT },
	{ "user_int64", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	{ "user_uint64", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	/* ... and those that make a bad address a runtime error (codegen: the suffix) */
	{ "user_long_error", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	{ "user_int_error", 1, 1, L, { L }, BC_KERNEL, B_USER_INT },
	{ "user_short_error", 1, 1, L, { L }, BC_KERNEL, B_USER_SHORT },
	{ "user_char_error", 1, 1, L, { L }, BC_KERNEL, B_USER_CHAR },
	{ "user_ulong_error", 1, 1, L, { L }, BC_KERNEL, B_USER_ULONG },
	{ "user_ushort_error", 1, 1, L, { L }, BC_KERNEL, B_USER_USHORT },
	{ "user_int8_error", 1, 1, L, { L }, BC_KERNEL, B_USER_INT8 },
	{ "user_uint8_error", 1, 1, L, { L }, BC_KERNEL, B_USER_UINT8 },
	{ "user_int16_error", 1, 1, L, { L }, BC_KERNEL, B_USER_SHORT },
	{ "user_uint16_error", 1, 1, L, { L }, BC_KERNEL, B_USER_USHORT },
	{ "user_int32_error", 1, 1, L, { L }, BC_KERNEL, B_USER_INT },
	{ "user_uint32_error", 1, 1, L, { L }, BC_KERNEL, B_USER_UINT },
	{ "user_int64_error", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	{ "user_uint64_error", 1, 1, L, { L }, BC_KERNEL, B_USER_LONG },
	{ "pointer_arg", 1, 1, L, { L }, BC_KERNEL, B_POINTER_ARG },
	{ "int_arg", 1, 1, L, { L }, BC_KERNEL, B_INT_ARG },
	{ "uint_arg", 1, 1, L, { L }, BC_KERNEL, B_UINT_ARG },
	{ "long_arg", 1, 1, L, { L }, BC_KERNEL, B_LONG_ARG },
	{ "ulong_arg", 1, 1, L, { L }, BC_KERNEL, B_ULONG_ARG },
	{ "s32_arg", 1, 1, L, { L }, BC_KERNEL, B_S32_ARG },
	{ "u32_arg", 1, 1, L, { L }, BC_KERNEL, B_U32_ARG },
	{ "s64_arg", 1, 1, L, { L }, BC_KERNEL, B_S64_ARG },
	{ "u64_arg", 1, 1, L, { L }, BC_KERNEL, B_U64_ARG },
	{ "register", 1, 1, L, { S }, BC_KERNEL, B_REGISTER },
	{ "u_register", 1, 1, L, { S }, BC_KERNEL, B_U_REGISTER },
	{ "raise", 1, 1, TY_VOID, { L }, BC_KERNEL, B_RAISE },
	{ "probing_32bit_app", 0, 0, L, { 0 }, BC_BOTH, B_PROBING_32BIT },
	{ "ctime", 0, 1, S, { L }, BC_BOTH, B_CTIME },
	{ "tz_ctime", 1, 1, S, { L }, BC_BOTH, B_TZ_CTIME },
	{ "cmdline_str", 0, 0, S, { 0 }, BC_BOTH, B_CMDLINE_STR },
	{ "symname", 1, 1, S, { L }, BC_BOTH, B_SYMNAME },
	{ "symdata", 1, 1, S, { L }, BC_BOTH, B_SYMDATA },
	/* issue 10: the utility functions of SystemTap's tapsets (docs/language.md) */
	{ "sprintdln", 1, -1, S, { S }, BC_BOTH, B_SPRINTDLN },
	{ "tokenize", 1, 2, S, { S, S }, BC_BOTH, B_TOKENIZE },
	/* kernel_string(s) of a string: the string itself (types.c picks it) */
	{ "kernel_string", 1, 2, S, { S, S }, BC_BOTH, B_KERNEL_STRING_S },
	/* kernel_string_n(s, n) of a string: its first n bytes at most */
	{ "kernel_string_n", 2, 2, S, { S, L }, BC_BOTH, B_KERNEL_STRING_NS },
	{ "user_mode", 0, 0, L, { 0 }, BC_BOTH, B_USER_MODE },
	{ "addr", 0, 0, L, { 0 }, BC_BOTH, B_ADDR },
	{ "uaddr", 0, 0, L, { 0 }, BC_BOTH, B_UADDR },
	{ "task_utime", 0, 1, L, { L }, BC_BOTH, B_TASK_UTIME },
	{ "task_utime_tid", 1, 1, L, { L }, BC_BOTH, B_TASK_UTIME },
	{ "task_stime", 0, 1, L, { L }, BC_BOTH, B_TASK_STIME },
	{ "task_stime_tid", 1, 1, L, { L }, BC_BOTH, B_TASK_STIME },
	{ "mem_page_size", 0, 0, L, { 0 }, BC_BOTH, B_MEM_PAGE_SIZE },
	{ "proc_mem_size", 0, 1, L, { L }, BC_BOTH, B_PROC_MEM_SIZE },
	{ "proc_mem_size_pid", 1, 1, L, { L }, BC_BOTH, B_PROC_MEM_SIZE },
	{ "proc_mem_rss", 0, 1, L, { L }, BC_BOTH, B_PROC_MEM_RSS },
	{ "proc_mem_rss_pid", 1, 1, L, { L }, BC_BOTH, B_PROC_MEM_RSS },
	{ "proc_mem_shr", 0, 1, L, { L }, BC_BOTH, B_PROC_MEM_SHR },
	{ "proc_mem_shr_pid", 1, 1, L, { L }, BC_BOTH, B_PROC_MEM_SHR },
	{ "proc_mem_txt", 0, 1, L, { L }, BC_BOTH, B_PROC_MEM_TXT },
	{ "proc_mem_txt_pid", 1, 1, L, { L }, BC_BOTH, B_PROC_MEM_TXT },
	{ "proc_mem_data", 0, 1, L, { L }, BC_BOTH, B_PROC_MEM_DATA },
	{ "proc_mem_data_pid", 1, 1, L, { L }, BC_BOTH, B_PROC_MEM_DATA },
	{ "pexecname", 0, 0, S, { 0 }, BC_BOTH, B_PEXECNAME },
	{ "cpu_clock_ns", 0, 1, L, { L }, BC_BOTH, B_CPU_CLOCK_NS },
	{ "cpu_clock_us", 0, 1, L, { L }, BC_BOTH, B_CPU_CLOCK_US },
	{ "cpu_clock_ms", 0, 1, L, { L }, BC_BOTH, B_CPU_CLOCK_MS },
	{ "cpu_clock_s", 0, 1, L, { L }, BC_BOTH, B_CPU_CLOCK_S },
	{ "cmdline_args", 3, 3, S, { L, L, S }, BC_BOTH, B_CMDLINE_ARGS },
	{ "system", 1, 1, TY_VOID, { S }, BC_BOTH, B_SYSTEM },
	{ "printk", 2, 2, TY_VOID, { L, S }, BC_BOTH, B_PRINTK },
	{ "switch_file", 0, 0, TY_VOID, { 0 }, BC_BOTH, B_SWITCH_FILE },
	{ "fp_to_string", 2, 2, S, { L, L }, BC_USER, B_FP_TO_STRING },
	{ "string_to_fp", 1, 1, L, { S }, BC_USER, B_STRING_TO_FP },
	{ "long_to_fp", 1, 1, L, { L }, BC_USER, B_LONG_TO_FP },
	{ "fp_to_long", 3, 3, L, { L, L, L }, BC_USER, B_FP_TO_LONG },
	{ "fp_add", 2, 2, L, { L, L }, BC_USER, B_FP_ADD },
	{ "fp_sub", 2, 2, L, { L, L }, BC_USER, B_FP_SUB },
	{ "fp_mul", 2, 2, L, { L, L }, BC_USER, B_FP_MUL },
	{ "fp_div", 2, 2, L, { L, L }, BC_USER, B_FP_DIV },
	{ "fp_rem", 2, 2, L, { L, L }, BC_USER, B_FP_REM },
	{ "fp_sqrt", 1, 1, L, { L }, BC_USER, B_FP_SQRT },
	{ "fp_eq", 2, 2, L, { L, L }, BC_USER, B_FP_EQ },
	{ "fp_le", 2, 2, L, { L, L }, BC_USER, B_FP_LE },
	{ "fp_lt", 2, 2, L, { L, L }, BC_USER, B_FP_LT },
	{ "fp32_to_fp64", 1, 1, L, { L }, BC_USER, B_FP32_TO_FP64 },
	{ "backtrace", 0, 0, S, { 0 }, BC_KERNEL, B_BACKTRACE },
	{ "print_backtrace", 0, 0, TY_VOID, { 0 }, BC_KERNEL, B_PRINT_BACKTRACE },
	{ "sprint_backtrace", 0, 0, S, { 0 }, BC_KERNEL, B_SPRINT_BACKTRACE },
	{ "ubacktrace", 0, 0, S, { 0 }, BC_KERNEL, B_UBACKTRACE },
	{ "print_ubacktrace", 0, 0, TY_VOID, { 0 }, BC_KERNEL, B_PRINT_UBACKTRACE },
	{ "sprint_ubacktrace", 0, 0, S, { 0 }, BC_KERNEL, B_SPRINT_UBACKTRACE },
	{ "print_stack", 1, 1, TY_VOID, { S }, BC_BOTH, B_PRINT_STACK },
	{ "sprint_stack", 1, 1, S, { S }, BC_BOTH, B_SPRINT_STACK },
	{ "print_ustack", 1, 1, TY_VOID, { S }, BC_BOTH, B_PRINT_USTACK },
	{ "sprint_ustack", 1, 1, S, { S }, BC_BOTH, B_SPRINT_USTACK },
	{ "usymname", 1, 1, S, { L }, BC_BOTH, B_USYMNAME },
	{ "usymdata", 1, 1, S, { L }, BC_BOTH, B_USYMDATA },
	/* source lines of addresses (docs/language.md, "Source lines of addresses") */
	{ "usymfileline", 1, 1, S, { L }, BC_BOTH, B_USYMFILELINE },
	{ "usymfile", 1, 1, S, { L }, BC_BOTH, B_USYMFILE },
	{ "usymline", 1, 1, S, { L }, BC_BOTH, B_USYMLINE },
	{ "symfileline", 1, 1, S, { L }, BC_BOTH, B_SYMFILELINE },
	{ "symfile", 1, 1, S, { L }, BC_BOTH, B_SYMFILE },
	{ "symline", 1, 1, S, { L }, BC_BOTH, B_SYMLINE },
	{ "print_backtrace_fileline", 0, 0, TY_VOID, { 0 }, BC_KERNEL, B_PRINT_BACKTRACE_FILELINE },
	{ "print_ubacktrace_fileline", 0, 0, TY_VOID, { 0 }, BC_KERNEL, B_PRINT_UBACKTRACE_FILELINE },
	/* the last =~ match of the handler run: user context only (regex.c) */
	{ "matched", 1, 1, S, { L }, BC_USER, B_MATCHED },
	{ "matched_str", 0, 0, S, { 0 }, BC_USER, B_MATCHED_STR },
	{ "ngroups", 0, 0, L, { 0 }, BC_USER, B_NGROUPS },
	/* the module of an address, paths of files (docs/language.md) */
	{ "modname", 1, 1, S, { L }, BC_BOTH, B_MODNAME },
	{ "umodname", 1, 1, S, { L }, BC_BOTH, B_UMODNAME },
	{ "task_cwd_path", 1, 1, L, { L }, BC_BOTH, B_TASK_CWD_PATH },
	{ "current_exe_file", 0, 0, L, { 0 }, BC_BOTH, B_TASK_EXE_FILE },
	{ "task_exe_file", 1, 1, L, { L }, BC_BOTH, B_TASK_EXE_FILE },
	{ "task_fd_lookup", 2, 2, L, { L, L }, BC_KERNEL, B_TASK_FD_LOOKUP },
	{ "fullpath_struct_path", 1, 1, S, { L }, BC_BOTH, B_FULLPATH_PATH },
	{ "fullpath_struct_file", 2, 2, S, { L, L }, BC_BOTH, B_FULLPATH_FILE },
	{ "task_dentry_path", 3, 3, S, { L, L, L }, BC_BOTH, B_TASK_DENTRY_PATH },
	{ "pstrace", 1, 1, S, { L }, BC_KERNEL, B_PSTRACE },
	/* @perf("NAME") once resolved (probe_perf.c): no script can call it by this name */
	{ "@perf", 1, 1, L, { L }, BC_KERNEL, B_PERF },
};

#undef L
#undef S
#undef U

const struct cc_builtin *cc_builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

const struct cc_builtin *cc_builtin_get(int id)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (builtins[i].id == id)
			return &builtins[i];
	return NULL;
}

const char *cc_builtin_why(const struct cc_builtin *b)
{
	if (b->id >= B_FP_TO_STRING && b->id <= B_FP32_TO_FP64)
		return "eBPF has no floating point; call it in a begin, end or timer probe";
	if ((b->id >= B_BACKTRACE && b->id <= B_SPRINT_BACKTRACE) ||
	    b->id == B_PRINT_BACKTRACE_FILELINE)
		return "begin, end and timer probes run in user space (tap), which has no kernel "
		       "stack to unwind";
	if ((b->id >= B_UBACKTRACE && b->id <= B_SPRINT_UBACKTRACE) ||
	    b->id == B_PRINT_UBACKTRACE_FILELINE)
		return "begin, end and timer probes run in tap, not in a traced process: there is "
		       "no user stack to unwind";
	if (b->id == B_PERF)
		return "a perf counter of a process is read in that process's context, in a probe "
		       "that fires in it (process(\"PATH\").function(...) ...), not in tap";
	return NULL;
}
