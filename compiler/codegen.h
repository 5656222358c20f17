// SPDX-License-Identifier: MIT
/*
 * codegen.h - what the files of the code generator (codegen*.c) share: the
 * generator's state and the walker's functions.  Private to compiler/.
 */
#ifndef TAPHUB_COMPILER_CODEGEN_H
#define TAPHUB_COMPILER_CODEGEN_H

#include <stdio.h>

#include "compiler/compiler.h"

struct gen {
	struct cc_ctx *cx;
	struct cc_prog *prog;
	bool kernel;
	FILE *o;
	int ind;
	struct cc_dprobe *probe;    /* current unit: a probe ... */
	struct cc_func *func;	    /* ... or a function */
	struct kbody {		    /* a kernel probe body, maybe shared */
		int id;		    /* the first probe's index: th_hID, th_frame_pID */
		char *frame, *text; /* text: string literals as LIT_MARK k LIT_MARK */
		char *kloops;	    /* its loops' callbacks (codegen_kloop.c), as text */
		int users;
		const char *pp;
		struct cc_vec probes; /* struct cc_dprobe*, the users */
		struct cc_vec lits;   /* struct cc_vec* of each user's literals (C-quoted) */
		size_t lit_w;	      /* the widest user's row (lits_width) */
		bool lit_table;	      /* users' literals differ: a table, a row per user */
	} * bodies;
	int nbodies, cap_bodies;
	bool sys_dispatch;	/* syscall probes tail-called by number */
	struct cc_dprobe **sys; /* syscall probes by (exit, nr) */
	int nsys;
	int ntemps;	     /* string temporaries in this unit */
	int nvals;	     /* unique C names */
	int ntables;	     /* user: foreach tables in this unit */
	struct cc_vec keys;  /* kernel: gids whose key buffer the unit uses */
	bool uses_ff;	     /* kernel: the unit calls functions */
	struct cc_vec *lits; /* kernel probe: its string literals, in order (C-quoted) */
	size_t recmax;	     /* kernel: largest record built in the frame */
	size_t recmax_all;   /* kernel: largest record of all units */
	int cls;
	const char *errjump;	/* what leaves the unit, or the try block, after an error */
	const char *outjump;	/* what leaves the unit for next/return (th_out, or a loop's exit) */
	bool iter_loops;	/* kernel: loops are open-coded iterators (bpf_iter_num, 6.4+) */
	bool catch_msg;		/* kernel: a catch reads the message of an error site */
	struct cc_vec slicefns; /* kernel: names of the slice callbacks generated */
	FILE *slices;		/* kernel: their definitions */
	struct cc_vec btf_locals; /* kernel: local CO-RE definitions (codegen_btf.c) */
	struct cc_vec fesites;	  /* kernel: the foreach statements, one per site (codegen_foreach.c) */
	int in_kloop;		  /* kernel: in how many loops made bpf_loop() callbacks (codegen_kloop.c) */
	FILE *kloops;		  /* kernel function: its loops' callbacks */
	struct cc_vec kloop_fields; /* kernel function: their frame fields (char *) */
};

/*
 * Marks a string literal's number in a kernel probe's body text.  cg_cquote()
 * escapes every control byte, so generated C never holds one otherwise.
 */
#define LIT_MARK '\001'

struct unit {
	char *body;
	size_t len;
	int ntemps, ntables;
	struct cc_vec keys;
	bool uses_ff;
	size_t recmax;
};

/* codegen_emit.c */
void __attribute__((format(printf, 2, 3))) cg_emit(struct gen *G, const char *fmt, ...);
char *__attribute__((format(printf, 2, 3))) cg_fmt(struct gen *G, const char *f, ...);
char *cg_cquote(struct gen *G, const char *s, size_t n);
char *cg_strlit(struct gen *G, const char *s, size_t n);
char *cg_num(struct gen *G, int64_t v);
int cg_uniq(struct gen *G);
char *cg_temp(struct gen *G);
void cg_use_key(struct gen *G, int gid);
int cg_add_fmt(struct gen *G, const char *f, size_t len, const int *types, int ntypes);
int cg_add_site(struct gen *G, int kind, const char *msg, const char *near,
		const struct cc_loc *loc);
const char *cg_err_set(struct gen *G, int site);
const char *cg_var_ref(struct gen *G, struct cc_sym *s);
const char *cg_ctype_val(const struct cc_sym *s);
const char *cg_keys(struct gen *G, struct cc_sym *s, struct cc_node **args, int n, char **pre);
const char *cg_kmap(struct gen *G, const struct cc_sym *s);

/* codegen_kernel.c */
const char *cg_kctx_type(const struct cc_dprobe *d);

/* codegen_kloop.c */
bool cg_kloop_wanted(const struct gen *G);
void cg_kloop(struct gen *G, struct cc_node *n);

/* codegen_data.c */
unsigned cg_slice_mask(struct cc_node **args, int n);
void cg_slice_delete(struct gen *G, struct cc_sym *s, struct cc_node **args, int n, unsigned mask);
const char *cg_slice_in(struct gen *G, struct cc_sym *s, struct cc_node **args, int n,
			unsigned mask);
int cg_stat_slots(const struct cc_sym *s);
int cg_stat_var_slot(const struct cc_sym *s);
const char *cg_stat_add(struct gen *G, struct cc_node *n);
const char *cg_stat_op(struct gen *G, struct cc_node *n);
const char *cg_hist_index(struct gen *G, struct cc_node *n);
const char *cg_int_cast(int size, bool is_signed);
const char *cg_target(struct gen *G, struct cc_node *n);
/* codegen_kfunc.c: a kernel function's $parameter or $return, and its program's section */
const char *cg_kfunc_target(struct gen *G, struct cc_node *n);
const char *cg_kfunc_section(struct gen *G, const struct cc_dprobe *d);
const char *cg_kfunc_way(const struct cc_dprobe *d); /* fentry fexit kprobe kretprobe lsm */
/* codegen_mark.c: the format a no-trap marker writes for probe d itself; 0: it traps */
int cg_mark_fmt(struct gen *G, const struct cc_dprobe *d);
const char *cg_sdt_target(struct gen *G, struct cc_node *n); /* $argN of a marker */
/* codegen_regs.c: register()/u_register(); int_arg(N)... in a uprobe (cast: the C cast) */
const char *cg_register(struct gen *G, struct cc_node *n, bool sign);
const char *cg_uprobe_arg(struct gen *G, struct cc_node *n, const char *cast);
const char *cg_uvar_target(struct gen *G, struct cc_node *n); /* $var of a user function (DWARF) */
/*
 * codegen_hcall.c: the call of d's body from its program; pp, row and
 * slot, when not NULL, are C expressions for its pp(), its literals' row
 * and its tap -t slot (a kprobe_multi program picks them by the cookie).
 */
const char *cg_hcall_from(struct gen *G, const struct cc_dprobe *d, const char *pp,
			  const char *row, const char *slot);
const char *cg_hcall(struct gen *G, const struct cc_dprobe *d);
/* codegen_uproc.c: the programs of process lifecycle probes, and their meta lines */
void cg_uproc_programs(struct gen *G, FILE *o);
void cg_uproc_meta(struct gen *G, FILE *o);
/*
 * codegen_perf.c: perf events of a process: the maps and helpers (after
 * grt_bpf.h), the filter a program starts with ("" for none), meta lines
 */
void cg_perf_header(struct gen *G, FILE *o);
const char *cg_perf_filter(struct gen *G, const struct cc_dprobe *d);
void cg_perf_meta(struct gen *G, FILE *o);

/* codegen_btf.c */
/* codegen_kread.c: the same read in user context, through the runner's reader */
const char *cg_kread_chain(struct gen *G, const char *base, const struct cc_btf_read *r,
			   struct cc_node *n);
const char *cg_kread_task(struct gen *G, struct cc_node *n);
/* task_cwd_path(), *_exe_file(), fullpath_struct_*(), task_dentry_path(); site: a bad task */
const char *cg_kread_path(struct gen *G, struct cc_node *n, const char *a0, int site);
const char *cg_btf_read(struct gen *G, const char *base, const struct cc_btf_read *r,
			struct cc_node *n);
void cg_btf_emit_locals(struct gen *G, FILE *o);
bool cg_btf_tp_direct(struct gen *G, const struct cc_dprobe *d);
void cg_btf_stash_decl(struct gen *G, FILE *o, const struct cc_dprobe *d);
void cg_btf_stash_prog(struct gen *G, FILE *o, const struct cc_dprobe *d);
void cg_btf_stash_take(struct gen *G, struct cc_dprobe *d);

/* codegen_print.c */
char *cg_print_format(struct gen *G, struct cc_node *call, int first, const char *delim,
		      bool newline, int *types, int *ntypes);
char *cg_escape_pct(struct gen *G, const char *s, size_t n);
const char *cg_kprintf(struct gen *G, const char *f, size_t flen, struct cc_node **args, int nargs,
		       const int *types);
const char *cg_uprintf(struct gen *G, const char *f, size_t flen, struct cc_node **args, int nargs,
		       const int *types, const char *sdst);
const char *cg_print_call(struct gen *G, struct cc_node *n);
const char *cg_ksprintf(struct gen *G, struct cc_node *n, const char *f, size_t flen,
			struct cc_node **args, int nargs);

/* codegen_builtin.c */
const char *cg_builtin(struct gen *G, struct cc_node *n);

/* codegen_expr.c */
const char *cg_str_value(struct gen *G, const char *str, size_t len);
const char *cg_ex(struct gen *G, struct cc_node *n);

/* codegen_stmt.c */
void cg_st(struct gen *G, struct cc_node *n);
void cg_loop_assigned(struct gen *G, struct cc_node *n, struct cc_vec *out);
void cg_loop_guard(struct gen *G, struct cc_node *n, const char *kw);
/* codegen_foreach.c: foreach in kernel code */
void cg_kforeach(struct gen *G, struct cc_node *n);
void cg_unit_begin(struct gen *G, FILE **saved, char **buf, size_t *len);
void cg_unit_end(struct gen *G, FILE *saved, struct unit *u, char **buf, size_t *len);
void cg_unit(struct gen *G, struct cc_func *f, struct cc_dprobe *d, struct unit *u);
void cg_frame_fields(struct gen *G, FILE *o, struct unit *u, struct cc_vec *locals,
		     struct cc_sym **params, int nparams);
void cg_long_locals(FILE *o, struct cc_vec *locals);
const char *cg_param_list(struct gen *G, struct cc_func *f);
const char *cg_ret_type(const struct cc_func *f);

/* codegen_kernel.c */
void cg_gen_common_defines(struct gen *G, FILE *o);
bool cg_any_kernel_scalar(struct gen *G);
void cg_gen_globals_struct(struct gen *G, FILE *o);
char *cg_gen_kernel(struct gen *G);

/* codegen_user.c */
char *cg_gen_user(struct gen *G);

/* codegen_meta.c */
char *cg_gen_meta(struct gen *G);

#endif
