/* SPDX-License-Identifier: MIT */
/*
 * compiler: SystemTap script -> eBPF C + user C -> cached objects.
 *
 * One header for the whole module, a section per file, like chibicc.
 * Everything not declared here is static to its file.
 */
#ifndef CC_COMPILER_H
#define CC_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- sha256.c: FIPS 180-4 SHA-256, for cache keys ----------------------- */

struct cc_sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	uint8_t buf[64];
	size_t nbuf;
};

void cc_sha256_init(struct cc_sha256 *s);
void cc_sha256_update(struct cc_sha256 *s, const void *data, size_t len);
void cc_sha256_final(struct cc_sha256 *s, uint8_t out[32]);
/* Lower-case hex of a digest into hex[65] (NUL terminated). */
void cc_sha256_hex(const uint8_t digest[32], char hex[65]);

/* ---- cache.c: the compile cache ------------------------------------------ */

/*
 * Layout: DIR/<k0k1>/<key>/ holds one compiled guest (its files are
 * whatever the driver put in the staging dir).  DIR/tmp/ holds staging
 * dirs.  Entries are published with rename(2), so concurrent tap runs
 * never see half-written entries; a lost publish race keeps the winner.
 * Trimming removes least recently used entries (mtime, refreshed on each
 * hit) until the total is under the limit, never an entry used in the
 * last CC_CACHE_MIN_AGE seconds.
 */
#define CC_CACHE_DEFAULT_LIMIT (256ull << 20)
#define CC_CACHE_MIN_AGE 60

struct cc_cache;

/* dir NULL: $TAPHUB_CACHE, else $HOME/.cache/taphub.  Creates it (0700). */
int cc_cache_open(const char *dir, uint64_t limit_bytes, struct cc_cache **ret);
void cc_cache_close(struct cc_cache *c);
const char *cc_cache_dir(const struct cc_cache *c);
/* Hit: 0 and *ret_dir (malloc'd path of the entry).  Miss: -ENOENT. */
int cc_cache_lookup(struct cc_cache *c, const char *key, char **ret_dir);
/* A fresh empty staging dir to build into (malloc'd path). */
int cc_cache_stage(struct cc_cache *c, char **ret_tmpdir);
/* Publish tmpdir under key; *ret_dir is the entry (ours or a racer's). */
int cc_cache_commit(struct cc_cache *c, const char *key, const char *tmpdir, char **ret_dir);
/* Remove a staging dir that will not be committed. */
void cc_cache_discard(struct cc_cache *c, const char *tmpdir);
/* Trim to the limit; returns bytes removed or -errno. */
int64_t cc_cache_trim(struct cc_cache *c);
/*
 * A second name for an entry: DIR/idx/<ikey> holds the key of the entry
 * last committed from those inputs (the driver's inputs key leaves the
 * compilers out, so an entry is found where they are gone).  get: -ENOENT
 * when there is none; the entry itself may since have been trimmed.
 */
int cc_cache_index_put(struct cc_cache *c, const char *ikey, const char *key);
int cc_cache_index_get(struct cc_cache *c, const char *ikey, char key[65]);

/* ---- tpformat.c: tracefs event formats ----------------------------------- */

enum cc_tpf_kind {
	CC_TPF_INT = 1,     /* integer of size 1, 2, 4 or 8 */
	CC_TPF_CHARARRAY,   /* char name[N]: a string of at most N bytes */
	CC_TPF_DATALOC_STR, /* __data_loc char[] name: u32 (len << 16 | offset) */
	CC_TPF_PTR,         /* any pointer: a long */
	CC_TPF_OTHER,       /* arrays of non-char, __data_loc of non-char: unsupported */
};

struct cc_tpfield {
	char *name;
	char *type; /* as tracefs spells it, e.g. "const char *" */
	int offset;
	int size;
	bool is_signed;
	int kind; /* enum cc_tpf_kind */
};

struct cc_tpformat {
	char *subsys;
	char *event;
	int id;
	int nfields; /* fields after the common_* ones */
	struct cc_tpfield *fields;
};

/* Parse the text of an events/SUBSYS/EVENT/format file. */
int cc_tp_parse(const char *text, size_t len, struct cc_tpformat **ret);
/* Read and parse TRACEFS/events/SUBSYS/EVENT/format. */
int cc_tp_load(const char *tracefs, const char *subsys, const char *event,
	       struct cc_tpformat **ret);
void cc_tp_free(struct cc_tpformat *f);
/* tracefs mount point: $TAPHUB_TRACEFS, /sys/kernel/tracing or .../debug/tracing. */
const char *cc_tracefs(void);
/*
 * All events "subsys:event" whose subsys and event match the fnmatch(3)
 * patterns, sorted.  Returns the count; *ret is a NULL-terminated
 * malloc'd array of malloc'd strings.
 */
int cc_tp_list(const char *tracefs, const char *subsys_pat, const char *event_pat,
	       char ***ret);
void cc_strv_free(char **v);
/* Element size of an integer array field ("unsigned long[6]"), 0 otherwise. */
int cc_tp_array_elem(const struct cc_tpfield *f);

/* ---- btf.c: kernel types from BTF --------------------------------------- */

/*
 * The kernel's types, read from BTF (/sys/kernel/btf/vmlinux and the
 * split BTF of modules beside it), for target variables: a tracepoint's
 * C arguments ($prev, $skb), member chains ($p->mm->arg_start), @cast,
 * pretty printing ($$parms, $var$).  No debuginfo is needed.
 *
 * The model is CO-RE by name.  A resolved chain (struct cc_btf_access)
 * lists, for every step, the C container type and the member name, and
 * this kernel's offset.  Codegen must write the accesses through the
 * names: minimal local definitions such as
 *   struct task_struct___tap { struct mm_struct___tap *mm; }
 *	__attribute__((preserve_access_index));
 * read with bpf_probe_read_kernel(), so clang emits a CO-RE relocation per
 * member and libbpf fixes the offsets for the kernel the object is loaded
 * on (the 6.1 test kernel's task_struct is not this one's).  Offsets are
 * given for listings and tests only: an object with plain offsets would
 * read garbage on another kernel.  Anonymous struct/union steps are
 * listed (flagged anon) but a local definition may flatten them: libbpf
 * looks a local member up through the target's anonymous members.
 *
 * Every string and array returned lives in the cc_btf's own arena, until
 * cc_btf_close().  Failures return -errno and leave a message for the
 * user in cc_btf_error() (libraries do not print).
 */
struct cc_btf;
struct cc_ctx;

/* A type: which BTF (0: vmlinux, else a module's split BTF) and its id. */
struct cc_btf_type {
	int mod;
	uint32_t id; /* 0: void */
};

enum cc_btf_class_kind {
	CC_BTF_INT = 1, /* integer, bool, char: size, is_signed */
	CC_BTF_ENUM,    /* enum: size, is_signed */
	CC_BTF_PTR,     /* pointer to anything but char */
	CC_BTF_STRING,  /* char[N] (nelem N) or char * (nelem 0): a string candidate */
	CC_BTF_STRUCT,  /* struct: pretty-printable */
	CC_BTF_UNION,
	CC_BTF_ARRAY,   /* array of anything but char: nelem, elem_size */
	CC_BTF_OTHER,   /* void, float, function: not readable as a value */
};

/* What a type is once typedef, const and volatile are stripped. */
struct cc_btf_class {
	int kind;       /* enum cc_btf_class_kind */
	int size;       /* bytes: of the value (a pointer is 8) */
	bool is_signed;
	int nelem;      /* CC_BTF_ARRAY, CC_BTF_STRING char[N]; 0 for a flexible array */
	int elem_size;  /* CC_BTF_ARRAY */
	const char *cname; /* C spelling of the unstripped type: "struct task_struct*" */
};

enum cc_btf_step_op {
	CC_BTF_DEREF = 1, /* the current value is a pointer: what it points to is the base now */
	CC_BTF_MEMBER,    /* base += member offset */
	CC_BTF_INDEX,     /* base += index * element size (an array, or a pointer after DEREF) */
};

struct cc_btf_step {
	int op;                 /* enum cc_btf_step_op */
	struct cc_btf_type owner; /* MEMBER: the struct/union (stripped); INDEX: the array or pointer */
	const char *owner_name; /* MEMBER: "struct task_struct", "union (anon)" */
	const char *member;     /* MEMBER: its name; NULL for an anonymous member */
	bool anon;              /* MEMBER: an anonymous struct/union the script did not name */
	int64_t index;          /* INDEX */
	struct cc_btf_type type; /* the type this step yields (unstripped) */
	int64_t offset;         /* MEMBER, INDEX: bytes added to the base, on this kernel */
	uint32_t bit_offset;    /* MEMBER bitfield: bits from the member's byte offset */
	uint32_t bitfield_size; /* MEMBER: bits of a bitfield, 0 for a whole member */
};

/* One step of what the script wrote: ->name (or .name), or [index]. */
struct cc_btf_path_elem {
	const char *member; /* NULL: an index */
	int64_t index;
};

struct cc_btf_access {
	struct cc_btf_step *steps;
	int nsteps;
	struct cc_btf_type type;  /* the final type */
	struct cc_btf_class cls;  /* and what it is */
	uint32_t bitfield_size;   /* the final member is a bitfield of this many bits */
};

/* A C argument of a tracepoint or function, and for pretty printers a field. */
struct cc_btf_param {
	const char *name;
	struct cc_btf_type type;
	struct cc_btf_class cls;
	struct cc_btf_access acc; /* fields of a pretty-print plan: from the struct to the field */
};

/* path NULL: $TAPHUB_BTF, else /sys/kernel/btf/vmlinux.  Modules: files beside it. */
int cc_btf_open(const char *path, struct cc_btf **ret);
void cc_btf_close(struct cc_btf *b);
/* The message of the last failure, for the user ("struct x has no member ..."). */
const char *cc_btf_error(const struct cc_btf *b);
/* The compile's BTF: opened on first call, closed by cc_ctx_release(). */
int cc_ctx_btf(struct cc_ctx *cx, struct cc_btf **ret);

/*
 * A tracepoint's C arguments ("sched_switch": preempt, prev, next,
 * prev_state), the ctx pointer skipped: types from the btf_trace_<event>
 * typedef, names from the event's __traceiter_<event> function.  Returns
 * the count; -ENOENT: no such event in BTF.
 */
int cc_btf_tp_args(struct cc_btf *b, const char *event, struct cc_btf_param **ret);
/*
 * A kernel function's parameters (FUNC -> FUNC_PROTO), of vmlinux (module
 * NULL) or of a module (its split BTF); -ENOENT: none by that name.
 */
int cc_btf_func_args(struct cc_btf *b, const char *module, const char *func,
		     struct cc_btf_param **ret);
/*
 * The names of vmlinux's functions that start with prefix, prefix cut off
 * (the BPF LSM's "bpf_lsm_" stubs: its hooks), pushed to out in BTF's
 * order; returns how many.  The strings live as long as b.
 */
/*
 * Whether t is a C header's type (@cast(p, "T", "kernel<uapi/linux/x.h>"),
 * compiled by btf_header.c), read at its header's offsets, not relocated.
 */
bool cc_btf_is_header(const struct cc_btf *b, struct cc_btf_type t);
/*
 * btf_header.c: the BTF of type in C header (a path under /usr/include, or
 * a kernel tree's uapi/... path), compiled by clang; -errno with a
 * one-line reason in *ret_why.
 */
struct btf;
struct cc_arena;
int cc_btf_header_compile(struct cc_arena *a, const char *header, const char *type,
			  struct btf **ret, const char **ret_why);
struct cc_vec;
int cc_btf_func_names(struct cc_btf *b, const char *prefix, struct cc_vec *out);
/* What a kernel function returns (CC_BTF_OTHER: void); -ENOENT: no such function. */
int cc_btf_func_ret(struct cc_btf *b, const char *module, const char *func,
		    struct cc_btf_class *ret);
/*
 * @cast's type: "task_struct", "struct sock", "union x", "enum x", a
 * typedef; module NULL or "kernel" is vmlinux, else a module, or several
 * separated by ':' (tried in order).  -ENOENT: not found.
 */
int cc_btf_find_type(struct cc_btf *b, const char *name, const char *module,
		     struct cc_btf_type *ret);
/* What a type is (never fails: a bad id is CC_BTF_OTHER). */
struct cc_btf_class cc_btf_classify(struct cc_btf *b, struct cc_btf_type t);
/*
 * Resolve path on a value of type base: a pointer is followed by ->
 * (stap writes -> for both), arrays and pointers take [i].  A struct or
 * union base stands for the object at the value's address (@cast(p,
 * "task_struct") is p taken as a struct task_struct, no DEREF step).  -ENOENT: an
 * unknown member (message with the nearest names), -EINVAL: a member of
 * a non-struct, an index of a non-array, or an index out of bounds.
 */
int cc_btf_resolve(struct cc_btf *b, struct cc_btf_type base, const struct cc_btf_path_elem *path,
		   int npath, struct cc_btf_access *ret);
/*
 * The fields $var$ prints for a struct or union (or a pointer to one):
 * the members at depth 1, anonymous members flattened into their parent,
 * in declaration order, each with its access from the struct.  Count or
 * -EINVAL when t is no struct.
 */
int cc_btf_pretty_plan(struct cc_btf *b, struct cc_btf_type t, struct cc_btf_param **ret);
/* An enum's enumerators in declaration order (count), for @enumname. */
struct cc_btf_enumval {
	const char *name;
	int64_t value;
};
int cc_btf_enum_values(struct cc_btf *b, struct cc_btf_type t, struct cc_btf_enumval **ret);
/* @enum("NAME", module): the value of an enumerator of any enum; -ENOENT: none. */
int cc_btf_enumerator(struct cc_btf *b, const char *name, const char *module, int64_t *ret);
/*
 * For codegen's local CO-RE definitions: t without typedefs and
 * qualifiers; the tag of a struct or union ("" when anonymous, NULL for
 * any other kind) and whether it is a union; what an array holds or a
 * pointer points to ({0, 0} otherwise).
 */
struct cc_btf_type cc_btf_strip(struct cc_btf *b, struct cc_btf_type t);
const char *cc_btf_tag(struct cc_btf *b, struct cc_btf_type t, bool *is_union);
struct cc_btf_type cc_btf_elem(struct cc_btf *b, struct cc_btf_type t);
/* Pointer t points through a type tag but __rcu (__user, __percpu): no direct loads. */
bool cc_btf_ptr_tagged(struct cc_btf *b, struct cc_btf_type t);

/*
 * A target variable read through BTF, what elaborate_btf.c decides and
 * codegen_btf.c writes: a base value (a tracepoint's C argument, or the
 * pointer of @cast) of type base, then the resolved chain.  The chain's
 * runtime indexes are the node's args, in the order of its INDEX steps
 * (NULL in idx: the step's constant index).
 */
enum cc_btf_read_mode {
	CC_BTF_READ_VALUE = 1, /* a long: integer, enum, pointer, char * */
	CC_BTF_READ_STRING,    /* char[N] as a string */
	CC_BTF_READ_ADDR,      /* &chain: the address of the last member */
};

struct cc_btf_read {
	int argi; /* the base is ctx->args[argi]; -1: the node's lhs (@cast, @task) */
	struct cc_btf_type base;
	struct cc_btf_access acc;
	struct cc_node **idx; /* per INDEX step: the runtime index, or NULL */
	int mode;             /* enum cc_btf_read_mode */
};

/* ---- arena.c: one arena per compilation; freed all at once ------------- */

struct cc_arena;
struct cc_arena *cc_arena_new(void);
void cc_arena_free(struct cc_arena *a);
void *cc_alloc(struct cc_arena *a, size_t n); /* zeroed; aborts only on OOM */
/* Out of memory: fn is called (tap says so), then the compiler aborts. */
void cc_arena_set_oom(void (*fn)(void));
char *cc_strndup(struct cc_arena *a, const char *s, size_t n);
char *cc_strdup(struct cc_arena *a, const char *s);
char *cc_sprintf(struct cc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers, arena backed. */
struct cc_vec {
	void **v;
	int n, cap;
};
void cc_vec_push(struct cc_arena *a, struct cc_vec *vec, void *p);

/* ---- diag.c: diagnostics ---------------------------------------------- */

struct cc_srcfile {
	const char *name; /* as given: path, "<input>" for -e, "tapset/x.stp" */
	const char *text;
	size_t len;
	bool is_tapset;
};

struct cc_loc {
	const struct cc_srcfile *file;
	int line, col; /* 1-based */
	int off;       /* byte offset in file->text */
};

struct cc_diag {
	int nerrors;
	int nwarnings;
	int maxerrors; /* stop collecting after this many (default 20) */
	FILE *out;     /* where diagnostics go (tap: stderr); NULL, the default, collects silently */
	char *first;   /* first error's "file:line:col: error: msg" (malloc'd) */
	bool no_warnings; /* -w: warnings are counted, not printed */
	bool warn_errors; /* -W: a warning is an error (reported and counted as one) */
};

/*
 * file:line:col: error: message, then the source line and a caret under
 * the column.  Errors are counted, never fatal here: passes stop at their
 * end when nerrors > 0.
 */
void cc_error_at(struct cc_diag *d, const struct cc_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cc_warn_at(struct cc_diag *d, const struct cc_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cc_error(struct cc_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cc_diag_release(struct cc_diag *d);

/* ---- the compilation context ------------------------------------------- */

/*
 * MAXFOREACH (taphub's): the rows of the snapshot a foreach of a kernel
 * probe iterates (docs/language.md says what it costs); at most what keeps
 * the snapshot's header (12 bytes a row) in a per-CPU map value (32 KB).
 */
#define CC_MAXFOREACH_DEFAULT 256
#define CC_MAXFOREACH_MAX 2048

/* Limits, SystemTap's names; every one can be set with -D NAME=VALUE. */
struct cc_limits {
	int64_t maxstringlen;  /* string buffers: MAXSTRINGLEN rounded up to a power of two */
	int64_t strlen;        /* MAXSTRINGLEN itself: bytes a string keeps, incl. NUL */
	int64_t maxmapentries; /* MAXMAPENTRIES: default array size */
	int64_t maxaction;     /* MAXACTION: loop iterations per handler run */
	int64_t maxforeach;    /* MAXFOREACH: rows of a kernel foreach's snapshot */
	/* MAXACTION_INTERRUPTIBLE: the same for user-context probes (begin, end,
	 * timers, input); 0: 10 * maxaction, as stap's default */
	int64_t maxaction_interruptible;
	int64_t maxtrylock;    /* MAXTRYLOCK: accepted for compatibility */
	int64_t maxnesting;    /* MAXNESTING: function call depth; 0: stap's default (nesting.c) */
	int64_t maxerrors;     /* MAXERRORS: runtime errors tolerated with --suppress-handler-errors */
	int64_t bufsize_mb;    /* -s: ring size in MB */
};

/* Probe-point support this kernel has, filled by the driver. */
struct cc_kernel {
	char release[128]; /* uname -r, e.g. 6.1.0-18-amd64 */
	char version[64];  /* kernel_v: release without the -suffix */
	char arch[32];
	bool has_kprobes;
	bool has_uprobes;
	bool has_btf;
	int has_fentry;    /* BPF trampolines attach here: 0 not asked yet, 1 yes, -1 no */
	int has_kprobe_multi; /* kprobe_multi links attach here: 0 not asked yet, 1 yes, -1 no */
	int has_lsm;       /* BPF LSM programs attach here: 0 not asked yet, 1 yes, -1 no */
	const char *lsm_why; /* has_lsm -1: why not, for the refusal */
	char btf_id[72];   /* a hash of /sys/kernel/btf/vmlinux, for the cache key */
};

struct cc_ctx {
	struct cc_arena *arena;
	struct cc_diag diag;
	struct cc_limits lim;
	struct cc_kernel kern;

	/* inputs */
	char **argv; /* script arguments $1.. / @1.. */
	int argc;
	char **defines; /* -D NAME[=VALUE] */
	int ndefines;
	char **incdirs; /* -I DIR: extra tapset dirs */
	int nincdirs;
	char **gopts; /* -G NAME=VALUE: initial values of the script's globals */
	int ngopts;
	/*
	 * -E TEXT: more script text, as stap's: its probes, functions and
	 * globals join the script's (and its aliases are listed by -l)
	 */
	char **extra_scripts;
	int nextra_scripts;
	/*
	 * -d FILE (absolute paths; kernel modules by name) and --ldd: the
	 * binaries whose symbols backtraces should name, for the symbolizer.
	 */
	char **symbol_files;
	int nsymbol_files;
	bool symbol_ldd;
	int verbose;
	bool guru;   /* -g: a netfilter probe may set $verdict, an LSM probe $return; embedded C stays refused */
	const char *relay_class; /* -DRELAY_CLASS / --class */
	bool want_syscall_aliases; /* generate syscall.* aliases even without a script (tap -l) */
	bool timing; /* tap -t: time every probe run (codegen), for the report at the end */
	bool unoptimized; /* tap -u: keep assignments nobody reads (no cc_optimize) */
	const char *compatible; /* --compatible VERSION: what systemtap_v is, else CC_SYSTEMTAP_V */
	const char *target_cmd; /* -c CMD: its program, for process.mark("...") without a path */
	long target_pid;        /* -x PID: likewise */
	/* probe_uproc.c: the filters of process lifecycle probes, bit = position */
	struct cc_vec uprocs; /* struct cc_uproc* */
	/* probe_perf.c: the perf counters of the target (index = @perf's) and the
	 * programs perf.*.process("PATH") samples are filtered on */
	struct cc_vec perfctrs; /* struct cc_perfctr* */
	struct cc_vec perfexes; /* char*: absolute paths */

	/* parsed */
	struct cc_file *script;
	struct cc_vec tapsets; /* struct cc_file* */
	struct cc_vec config;  /* char*: "CONFIG_X=y" lines, loaded on demand */
	bool config_loaded;
	struct cc_vec tpformats; /* struct cc_tpformat*, malloc'd: freed with the ctx */
	void *macro_lib; /* preprocess.c: the macros of the *.stpm files, read on first need */
	void *kfuncs;    /* probe_kfunc.c: the kernel functions this kernel can probe, read on first need */
	/*
	 * kernel function points refused, quietly or not, because this kernel
	 * has neither kprobes nor trampolines: an alias built on them
	 * (vfs.open) is then refused for that reason (elaborate_expand.c)
	 */
	int nkfunc_refused;
	struct cc_btf *btf; /* btf.c: the kernel's types, opened on first need (cc_ctx_btf) */

	/* elaborated program, see elaborate.c */
	struct cc_prog *prog;
	uint64_t cloned_nodes; /* by cc_node_clone: wildcards copy bodies */
};

/* ---- lexer.c: text -> tokens -------------------------------------------- */

enum cc_tok_kind {
	TK_EOF = 0,
	TK_IDENT,    /* name */
	TK_TARGET,   /* $name, $$parms, $1 is turned into TK_NUM by the preprocessor */
	TK_AT,       /* @name: @count, @hist_log, @defined, @define, @1 ... */
	TK_NUM,
	TK_STR,
	TK_OP,       /* punctuator, see cc_tok_is() */
	TK_EMBEDDED, /* %{ ... %} */
};

struct cc_token {
	int kind;
	const char *text; /* points into the source */
	int len;
	int64_t num;   /* TK_NUM: the literal as written, modulo 2^64 (cc_num_wrap) */
	char *str;     /* TK_STR: decoded; TK_IDENT/TK_TARGET/TK_AT: the name */
	size_t slen;   /* decoded length of str */
	bool space_before; /* whitespace or comment before the token */
	struct cc_loc loc;
	struct cc_token *next;
};

struct cc_prog;
/* Lex a whole file.  Errors go to the diag; returns NULL only on no input. */
struct cc_token *cc_lex(struct cc_ctx *cx, const struct cc_srcfile *f);
bool cc_tok_is(const struct cc_token *t, const char *op);
/* A printable rendering of a token for messages: "identifier 'foo'". */
const char *cc_tok_describe(struct cc_ctx *cx, const struct cc_token *t);
/*
 * A number literal's value is what was written, up to 2^64 - 1, modulo
 * 2^64 as a signed long (stap's rule): cc_num_wrap().  Where the grammar
 * reads "-" NUMBER as one constant (probe point parameters, global
 * initializers, histogram bounds), cc_num_negate() gives its value, or
 * false when the magnitude written is above 2^63 (no 64-bit long).
 */
int64_t cc_num_wrap(uint64_t v);
bool cc_num_negate(int64_t written, int64_t *ret);

/* ---- preprocess.c: %( %? %: %), @define, $N / @N ------------------------ */

struct cc_token *cc_preprocess(struct cc_ctx *cx, struct cc_token *toks);
/* Value of a kernel config option ("y", "m", "250"), "" when unset. */
const char *cc_kconfig(struct cc_ctx *cx, const char *name);
/* Compare two dotted versions like "6.1.0-rc2": <0, 0, >0. */
int cc_version_cmp(const char *a, const char *b);
/* The SystemTap language level we implement, for systemtap_v tests. */
#define CC_SYSTEMTAP_V "5.0"

/* ---- the AST --------------------------------------------------------------- */

enum cc_type {
	TY_UNKNOWN = 0,
	TY_LONG,
	TY_STRING,
	TY_STATS,
	TY_VOID, /* functions without a return value */
};

enum cc_node_kind {
	/* expressions */
	N_NUM = 1,
	N_STR,
	N_VAR,      /* name: local, parameter or global scalar/array as a whole */
	N_INDEX,    /* lhs=array var, args=keys */
	N_TARGET,   /* $name (tracepoint field, context variable) */
	N_CALL,     /* name(args): script function or builtin */
	N_BINOP,    /* op: + - * / % << >> & | ^ . && || < > <= >= == != */
	N_UNOP,     /* op: - + ! ~ */
	N_ASSIGN,   /* op: = += -= ... .= ; lhs, rhs */
	N_AGG,      /* lhs <<< rhs */
	N_INCDEC,   /* op "++"/"--", postfix flag */
	N_TERNARY,  /* cond ? then : els */
	N_IN,       /* [args] in lhs */
	N_STATOP,   /* @count(x) ... : name = "count" ..., lhs = x (var or index) */
	N_HIST,     /* @hist_log(x) / @hist_linear(x, lo, hi, step): name, args[0] = x */
	N_HISTIDX,  /* @hist_*(x)[i]: bucket i's count; lhs the N_HIST, rhs i (NULL: the bucket count) */
	N_DEFINED,  /* @defined(expr): num = result after elaboration */
	N_WILDCARD, /* '*' as an array key: a slice (delete, in, foreach) */
	N_ENTRY,    /* @entry(lhs): lhs evaluated at the entry of a return probe */
	N_DWARF,    /* @cast, @var, &x ...: needs debuginfo; name = what, for the message */
	/* statements */
	N_BLOCK,
	N_EXPR,
	N_IF,
	N_WHILE,
	N_FOR,
	N_FOREACH,
	N_BREAK,
	N_CONTINUE,
	N_NEXT,
	N_RETURN,
	N_DELETE,
	N_NOP,
	N_TRY,      /* try body catch [(lhs)] els */
};

struct cc_sym;
struct cc_func;

struct cc_node {
	int kind;
	const char *op; /* operator spelling */
	struct cc_loc loc;
	int type; /* enum cc_type, of the expression */
	bool postfix;

	struct cc_node *lhs, *rhs;
	struct cc_node *cond, *then, *els; /* if, ternary, while, for */
	struct cc_node *init, *inc, *body; /* for, foreach body */
	struct cc_node **args;             /* call args, index keys, block statements */
	int nargs;

	char *name;  /* N_VAR, N_CALL, N_TARGET, N_STATOP, N_HIST */
	int64_t num; /* N_NUM; N_TARGET, N_DWARF: args before the ->/[] chain */
	char *str;   /* N_STR; N_TARGET, N_DWARF: the pretty-print suffix "$"/"$$", or NULL */
	size_t slen;

	struct cc_sym *sym;   /* resolved variable */
	struct cc_func *func; /* resolved script function (N_CALL) */
	int builtin;          /* resolved builtin function (N_CALL), index+1 */

	/* foreach: keys in args (N_VAR each), value var in lhs (or NULL),
	 * the array in rhs; sort_by = -1 value, i = key i, -2 none;
	 * sort_dir +1/-1; sort_x extractor for aggregates; limit expr in cond;
	 * a slice `in a[k, *]` in inc (an N_INDEX of the array) */
	int sort_by, sort_dir, sort_x; /* sort_x: @count @sum @min @max @avg @variance = 0..5 */

	int id; /* codegen: format id, error site id, temp slot ... */
	void *aux; /* pass-private data */
	struct cc_btf_read *kread; /* N_TARGET read through BTF (elaborate_btf.c) */
};

/*
 * Call fn(arg, kid) for each child of n that is there: lhs, rhs, cond,
 * then, els, init, inc, body, then the args, in that order.  For the
 * walks that treat every child alike.
 */
static inline void cc_node_each(struct cc_node *n, void (*fn)(void *arg, struct cc_node *kid),
				void *arg)
{
	struct cc_node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->init, n->inc, n->body };
	int i;

	for (i = 0; i < (int)(sizeof(kids) / sizeof(kids[0])); i++)
		if (kids[i])
			fn(arg, kids[i]);
	for (i = 0; i < n->nargs; i++)
		if (n->args[i])
			fn(arg, n->args[i]);
}

enum cc_sym_kind {
	SYM_GLOBAL = 1,
	SYM_LOCAL,
	SYM_PARAM,
};

struct cc_sym {
	char *name;
	int kind;
	struct cc_loc loc;
	int type;     /* scalar type, or value type of an array */
	struct cc_loc tloc; /* where the type was first decided, for messages */
	bool is_array;
	bool is_scalar_use; /* used as a plain scalar somewhere */
	int nkeys;    /* arrays: number of keys, 0 until known */
	int keytype[9];
	int64_t maxsize; /* global a[N]: N; 0 = MAXMAPENTRIES */
	bool is_private;
	struct cc_node *init; /* global initializer (literal) */
	bool typed_decl; /* type came from a declaration (param:long) */
	/* usage, set by elaboration */
	bool read, written;
	bool used_kernel, used_user;
	int hist_kind; /* TH_HIST_*: which histogram the script prints */
	int64_t hist_lo, hist_hi, hist_step;
	struct cc_loc hist_loc;
	bool variance; /* @variance is read: the aggregate keeps Welford's state */
	int var_shift; /* its bit shift, @variance(s, N) */
	int index;    /* position among globals / locals */
	bool wrapped; /* %: wrap when full (a[N]%) */
	/*
	 * stap's autocast: a local assigned the address of a kernel struct
	 * (fh = &@cast(p, "T")->fh, fh = $file) reads members as that
	 * struct's (fh->fh_dentry): its type, from BTF
	 */
	struct cc_btf_type autocast;
	bool has_autocast;
};

/* One probe point as written: comp(.comp)* with optional ? ! and condition. */
struct cc_comp {
	char *name;    /* may contain * wildcards */
	bool has_arg;
	bool arg_is_str;
	int64_t num;
	char *str;
	struct cc_loc loc;
};

struct cc_point {
	struct cc_comp *comps;
	int ncomps;
	bool optional;   /* ? */
	bool sufficient; /* ! */
	struct cc_node *cond; /* if (expr) */
	struct cc_loc loc;
};

struct cc_probe {
	struct cc_point **points;
	int npoints;
	struct cc_node *body;
	struct cc_node *epilogue; /* probe NAME = points {prologue}, {epilogue} */
	struct cc_loc loc;
	bool is_alias;    /* probe NAME = points {prologue} */
	bool is_epilogue; /* probe NAME += points {epilogue} */
	struct cc_point *alias_name; /* for aliases */
	bool privileged_tapset; /* defined in a tapset */
};

struct cc_func {
	char *name;
	struct cc_loc loc;
	struct cc_sym **params;
	int nparams;
	int rettype;
	bool typed_ret;
	struct cc_node *body;
	struct cc_vec locals;
	bool used;
	bool used_kernel, used_user;
	bool is_private;
	bool has_embedded; /* %{ %} body: refused */
	bool visiting;  /* recursion check */
	unsigned char nest_st; /* nesting.c: 0 not seen, 1 on the chain, 2 nest_h known */
	int nest_h;
	int index;
	/* C name of an overloaded function (name__NPARAMS), else NULL: see cc_func_cname */
	char *cname;
};

/* The C identifier part of a function: its name, or name__N when overloaded by arity. */
static inline const char *cc_func_cname(const struct cc_func *f)
{
	return f->cname ? f->cname : f->name;
}

/* What one file (script or tapset) parses into. */
struct cc_file {
	const struct cc_srcfile *src;
	struct cc_vec probes;  /* struct cc_probe*, aliases included */
	struct cc_vec globals; /* struct cc_sym* */
	struct cc_vec funcs;   /* struct cc_func* */
};

/* ---- parse.c: tokens -> AST -------------------------------------------- */

struct cc_file *cc_parse(struct cc_ctx *cx, struct cc_token *toks, const struct cc_srcfile *src);
/* Parse a lone probe point (for tap -l/-L patterns); NULL after errors. */
struct cc_point *cc_parse_point(struct cc_ctx *cx, struct cc_token *toks);
/* A fresh node of kind at loc (passes that write script code: @entry, $$parms). */
struct cc_node *cc_node_new(struct cc_ctx *cx, int kind, const struct cc_loc *loc);
/* "probe point 'P' WHY" at the point, unless quiet; -1 (parse_decl.c) */
int cc_point_error(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why);
/* Component i of pt is name */
bool cc_comp_is(const struct cc_point *pt, int i, const char *name);
/* A point as written: "kernel.trace(\"sched:sched_switch\")" (parse_decl.c). */
char *cc_point_str(struct cc_ctx *cx, const struct cc_point *pt);
/* Deep copy of a statement/expression tree (for alias and wildcard expansion). */
struct cc_node *cc_node_clone(struct cc_ctx *cx, const struct cc_node *n);

/* ---- elaborate.c: aliases, tapsets, wildcards, symbols ----------------- */

/*
 * How to read a user-space variable at a probe's address (dwarf_loc.c): a
 * little stack program codegen_uvar.c turns into C.  The DWARF location
 * expression, then the member and index steps of $v->a[i], then the load.
 */
enum cc_uop_kind {
	CC_UOP_REG = 1, /* push the register at struct pt_regs offset val */
	CC_UOP_CONST,   /* push val */
	CC_UOP_PCREL,   /* push the probe's run-time address + val (a link-time address - the probe's) */
	CC_UOP_PLUS,    /* top += val */
	CC_UOP_ADD,     /* pop b, pop a, push a + b */
	CC_UOP_SUB,     /* pop b, pop a, push a - b */
	CC_UOP_DEREF,   /* top = the val bytes of user memory at top */
	CC_UOP_INDEX,   /* top += val * (runtime index number idx: the node's args[idx]) */
	CC_UOP_ARG,     /* push the node's lhs, a script value (@cast's pointer) */
};
struct cc_uop {
	int op; /* enum cc_uop_kind */
	int64_t val;
	int idx;
};
#define CC_ULOC_MAX_OPS 64
struct cc_uloc {
	struct cc_uop ops[CC_ULOC_MAX_OPS];
	int nops;
	int size;       /* bytes of the value the top is (after the last DEREF), 1..8 */
	bool is_signed;
};

enum cc_pkind {
	PK_BEGIN = 1,
	PK_END,
	PK_ERROR,
	PK_NEVER,
	PK_TIMER,    /* user-side periodic timer (timer.s/ms/us/ns/hz/jiffies) */
	PK_PROFILE,  /* timer.profile: perf cpu-clock sampling on every CPU */
	PK_PERF,     /* perf.sw/hw.<event>.sample(N) */
	PK_TRACE,    /* tracepoint program; $fields from the tracefs format */
	PK_RAWTRACE, /* raw tracepoint: cheaper, used when no $field is read */
	PK_SYSCALL,  /* raw sys_enter/sys_exit filtered on one syscall number */
	PK_INPUT,    /* user side: each byte (or line) tap reads on its stdin; $value */
	PK_KFUNC,    /* a kernel function's entry or return: fentry/fexit or kprobe/kretprobe */
	PK_UPROBE,   /* a user-space SDT marker: a uprobe on a file (probe_sdt.c) */
	PK_NETFILTER, /* a netfilter hook: an eBPF netfilter program (probe_netfilter.c) */
	PK_UPROC,    /* a process's or a thread's begin or end (probe_uproc.c) */
};

/* A derived probe: one attach point with its own copy of the body. */
struct cc_dprobe {
	int kind;
	bool kernel;  /* runs in kernel (eBPF) context */
	char *pp;     /* canonical probe point: what pp() returns */
	struct cc_loc loc;
	struct cc_node *body;
	struct cc_vec locals; /* struct cc_sym* */
	/* tracepoints */
	char *subsys, *event;
	struct cc_tpformat *tpf;
	int sysnr;    /* PK_SYSCALL */
	bool sysexit; /* PK_SYSCALL: sys_exit */
	bool input_line; /* PK_INPUT: a whole line, else one byte */
	/* PK_KFUNC (probe_kfunc.c) */
	const char *func;   /* the function's name */
	const char *module; /* its module, NULL for vmlinux */
	bool kret;          /* .return: fexit or kretprobe */
	bool kprobe;        /* through a kprobe, else through a BPF trampoline (fentry) */
	/*
	 * An LSM hook (probe_lsm.c): a BPF LSM program on the hook, whose
	 * func is its bpf_lsm_HOOK stub (the parameters' BTF); $return is
	 * the verdict the program returns.
	 */
	bool lsm;
	/*
	 * A wildcard's kprobes that may share one kprobe_multi link: the
	 * group's number (0: none).  Codegen makes one program of those of a
	 * group with the same body: kgroup on its first (their programs, in
	 * cookie order), kfollower on the others (no program of their own).
	 * PK_UPROBE uses kgroup and kfollower the same way: uprobes with one
	 * body share a program (codegen_kernel.c's gather).
	 */
	int kmulti;
	struct cc_vec kgroup;
	bool kfollower;
	struct cc_btf_param *kargs; /* its parameters from BTF, read on first $name */
	int nkargs;         /* their count; -1 until read, -2 when BTF has no prototype */
	/* PK_UPROBE (probe_sdt.c: markers, probe_ufunc.c: functions) */
	const char *upath;                /* the file, absolute */
	uint64_t uoff, uref;              /* file offsets: the probe, the semaphore (0: none) */
	const char *ucheck;               /* hex of the bytes at uoff when compiled (the loader compares) */
	bool uret;                        /* a uretprobe: .return of a function */
	bool uplt;                        /* a PLT stub: func is the function it calls */
	const struct cc_sdt_note *sdt;    /* a marker: its arguments; NULL for a function */
	uint64_t uaddr;                   /* link-time address of the probe (DWARF's pc) */
	const char *ufile, *uline;        /* a statement probe: its file and line, for -L */
	/* PK_UPROC (probe_uproc.c) */
	int upev;  /* enum cc_uproc_event */
	int upbit; /* its filter: a bit of the tracking map (cx->uprocs), -1: every process */
	bool uses_fields;
	bool uses_args; /* reads the tracepoint's C arguments: a raw tracepoint */
	bool tp_argn;   /* kernel.tracepoint("NAME"): the C arguments are $arg1 ... (stap's names) */
	/* both: a tp program stashes the format fields for the raw_tp one (codegen_btf.c) */
	bool stash;
	/* codegen: the raw tracepoint is BTF-typed (tp_btf/), its member chains loaded directly */
	bool tpbtf;
	/* timers and perf */
	int64_t period_ns, jitter_ns;
	int perf_type;
	int64_t perf_config;
	int64_t sample; /* period, or frequency with freq */
	bool freq;
	/* PK_PERF of a process (probe_perf.c) */
	bool perf_task; /* per-task events on the -c/-x target, inherited by its threads */
	int perf_exe;   /* per-CPU events filtered on a program: cx->perfexes index + 1 */
	bool perfctr;   /* perf...counter("NAME"): a counter, no probe (not in prog->probes) */
	/* PK_PERF of PERF_TYPE_BREAKPOINT: kernel.data() (probe_data.c) */
	uint64_t bp_addr;   /* the address watched, 0 with bp_sym */
	const char *bp_sym; /* or the symbol the loader looks up */
	int bp_len;         /* bytes: 1, 2, 4, 8 */
	bool bp_rw;         /* reads too, else writes only */
	/* PK_NETFILTER: the protocol family, hook and priority of the hook */
	int nf_pf, nf_hook, nf_prio;
	/*
	 * The body sets the program's return (guru mode): a netfilter probe's
	 * $verdict, an LSM probe's $return
	 */
	bool verdict;
	int64_t seq; /* begin(N), end(N), error(N) order */
	int index;
	int hidx;    /* codegen: its frame slot (kernel probes) */
	int uprobe;  /* the script probe it comes from (position in the script) */
	int body_id; /* codegen: the probe whose body it shares */
	int lit_row; /* codegen: its row of that body's table of string literals, or -1 */
	int cls;     /* class index for its records */
	char *where, *from; /* tap -t: its script probe's place, the points it came from */
	char *pn;    /* pn(): the script-level point it is (an alias's name, not what it expands to) */
	int maxtemps, maxstr; /* codegen: frame needs */
};

struct cc_prog {
	struct cc_vec probes;  /* struct cc_dprobe* */
	struct cc_vec globals; /* struct cc_sym*, used ones, index = position */
	struct cc_vec funcs;   /* struct cc_func*, used ones */
	bool has_kernel;       /* any kernel probe: a BPF object is built */
	bool has_user;         /* any user probe: a shared object is built */
	struct cc_vec classes; /* char*: class names, [0] = "default" */
	struct cc_vec fmts;    /* struct cc_fmt*: kernel record formats */
	struct cc_vec sites;   /* struct cc_site*: runtime error sites */
	struct cc_vec regexes; /* struct cc_regex*: the patterns of =~ and !~, see regex.c */
	bool re_captures;      /* user code calls matched(), matched_str() or ngroups() */
	bool re_kernel_full;   /* CC_REGEX_MAX_KERNEL_BYTES was reported */
	char *hash;            /* hex SHA-256 of everything that shapes the output */
};

/* A printf-style format of the guest's table (records refer to it by id). */
struct cc_fmt {
	int id;
	char *fmt;
	size_t len;
	int ntypes;
	int types[64]; /* enum cc_type, or enum cc_fmt_usym */
};

/*
 * A format value the reader makes text of, beyond enum cc_type:
 * usymfileline(a), usymfile(a), usymline(a) printed straight from a kernel
 * probe carry the process and the address, and the reader looks the line
 * up in the process's files (codegen_print.c, cg_kprintf).
 */
enum cc_fmt_usym {
	CC_FMT_USYM_FILELINE = 16,
	CC_FMT_USYM_FILE,
	CC_FMT_USYM_LINE,
};

/* A place that can raise a runtime error (division, array full ...). */
struct cc_site {
	int id;
	int kind;    /* enum th_err_kind */
	char *msg;   /* "division by 0" */
	char *near;  /* "operator '/'" */
	struct cc_loc loc;
};

/* Parse the tapsets and the script (already in cx), expand and resolve. */
int cc_elaborate(struct cc_ctx *cx);

/* ---- entry.c: @entry(expr) in return probes ------------------------------------ */

/*
 * After expansion, before resolution: every @entry(expr) of a derived
 * probe becomes a read of the value expr had at the matching entry
 * probe, which this adds to the program.  Errors are reported.
 */
void cc_entry_expand(struct cc_ctx *cx);

/* ---- types.c: type inference over the whole program --------------------- */

int cc_infer_types(struct cc_ctx *cx);
const char *cc_type_name(int t);
/*
 * Scan a printf format: the types its directives consume (TY_LONG,
 * TY_STRING) into types[] (at most max).  Returns the count, or -1 with
 * *ret_err and *ret_off describing the bad directive.
 */
int cc_format_types(const char *fmt, size_t len, int *types, int max, const char **ret_err,
		    size_t *ret_off);

/* ---- sources.c: embedded files, tapset and macro library files ----------- */

/* Files built into tap (scripts/embed.sh): runtime headers and tapsets. */
struct cc_embedded {
	const char *name; /* "grt_bpf.h", "taphub/record.h", "tapset/x.stp" */
	const char *data;
	size_t size;
};
extern const struct cc_embedded th_embedded[];
const struct cc_embedded *cc_embedded_find(const char *name);
/* The built-in tapset/NAME files ending in suffix, into out (struct cc_srcfile *). */
void cc_embedded_sources(struct cc_ctx *cx, const char *suffix, struct cc_vec *out);
/* The files of dir ending in suffix, read, in name order, into out (struct cc_srcfile *). */
int cc_dir_sources(struct cc_ctx *cx, const char *dir, const char *suffix, struct cc_vec *out);
/* The macro library files (*.stpm), built-in then -I dirs, as struct cc_srcfile *. */
int cc_macro_sources(struct cc_ctx *cx, struct cc_vec *out);

/* ---- tapsets.c: tapset loading -------------------------------------------- */

/* Parse the built-in tapsets and every *.stp in the -I dirs into cx->tapsets. */
int cc_load_tapsets(struct cc_ctx *cx);
/* Lex, preprocess and parse one source. */
struct cc_file *cc_parse_source(struct cc_ctx *cx, struct cc_srcfile *src);

/* ---- dprobe.c: a derived probe of a point -------------------------------- */

/* A derived probe of pt: kind, context, point and pp(), pushed onto out. */
struct cc_dprobe *cc_new_dprobe(struct cc_ctx *cx, const struct cc_point *pt, int kind,
				bool kernel, struct cc_vec *out);

/* ---- probepoint.c: the probe points this backend knows ------------------- */
/*
 * Resolve a point that no alias matched.  Appends derived probes (body
 * and locals left empty) to *out.  Returns the number added, 0 when the
 * point is valid but matched nothing (e.g. a tracepoint glob), or -1
 * after reporting an error (unless quiet, for optional points).
 */
int cc_resolve_builtin_point(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			     struct cc_vec *out);
/*
 * A point stap has that taphub cannot have here (its tapset probes on
 * kprobes, procfs, prometheus): 1 after reporting why (unless quiet), 0
 * when it is not one.  Elaboration asks before trying alias suffixes, so
 * vm.pagefault.return is refused, not read as vm.pagefault + .return.
 */
int cc_point_refused(struct cc_ctx *cx, const struct cc_point *pt, bool quiet);
/*
 * SystemTap's other names of the syscall tapset (nd_syscall, tp_syscall
 * ...): the point as syscall.* names it, or NULL when pt is not one.
 */
struct cc_point *cc_point_syscall_family(struct cc_ctx *cx, const struct cc_point *pt);
/* --dump-probe-types: the built-in probe point types, as stap lists them. */
void cc_dump_probe_types(FILE *out);

/* ---- probe_kfunc.c: kernel.function, module().function, kprobe.function ---- */

/* The function's parameter count from BTF (read once into d); -2: no prototype. */
int cc_kfunc_nargs(struct cc_ctx *cx, struct cc_dprobe *d);

/*
 * Resolve kernel.function("PAT")[.call|.exported][.return],
 * module("M").function(...), kprobe[.module("M")].function("PAT")[.return]
 * (pt->comps[0] is kernel, module or kprobe).  Same contract as
 * cc_resolve_builtin_point.
 */
int cc_kfunc_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);
/* The entry probe of a PK_KFUNC return probe (for @entry), body empty. */
struct cc_dprobe *cc_kfunc_entry_of(struct cc_ctx *cx, const struct cc_dprobe *d);
/*
 * $name, $return, $$parms in a PK_KFUNC probe (elaborate.c's
 * resolve_target): -1 after an error (reported unless quiet), 0 when *np
 * is resolved, 1 when *np was replaced by an expression still to resolve
 * ($$parms: a sprintf of the parameters).
 */
int cc_kfunc_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet);
/* The BTF type of parameter name of d's function; -ENOENT: no such parameter. */
int cc_kfunc_param_type(struct cc_ctx *cx, struct cc_dprobe *d, const char *name,
			struct cc_btf_type *ret);
/* What a resolved $name of a PK_KFUNC probe reads (the node's aux). */
struct cc_kfunc_arg {
	int idx;        /* parameter index; -1: $return; CC_LSM_CTX, CC_LSM_RETURN (probe_lsm.c) */
	int size;       /* bytes of its value (8 for pointers) */
	bool is_signed;
};
/* -L: the probe's variables as " $name:long" ... */
char *cc_kfunc_vars(struct cc_ctx *cx, struct cc_dprobe *d);

/* ---- probe_netfilter.c: netfilter.hook("H").pf("P")[.priority("N")] ---------- */

/* Resolve a netfilter point (pt->comps[0] is netfilter); contract of cc_resolve_builtin_point. */
int cc_nf_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);
/*
 * $name of a netfilter probe ($skb, $state, $hooknum, $in, $out): the
 * pointer of the program's context it stands on (0: the struct
 * nf_hook_state, 1: the struct sk_buff), that pointer's struct, and the
 * member of it the name is (NULL: the pointer itself).  -ENOENT: none.
 */
int cc_nf_var(struct cc_ctx *cx, const char *name, int *ret_slot, struct cc_btf_type *ret_struct,
	      const char **ret_member);
/* The names of the variables, for messages and -L. */
extern const char cc_nf_var_names[];

/* ---- probe_data.c: kernel.data(ADDR|"SYM")[.length(N)].write|.rw --------------- */

/* Resolve a watchpoint (pt->comps: kernel, data, ...); contract of cc_resolve_builtin_point. */
int cc_data_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);

/* ---- probe_apps.c: glib.*, stap.* ---------------------------------------------- */

/*
 * Refuse a point of SystemTap's application tapsets (glib.*, stap.*: on the
 * application's own markers) with the reason this machine gives; -1.
 */
int cc_apps_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet);

/* ---- probe_lsm.c: lsm.HOOK, kernel.lsm("HOOK") ------------------------------------ */

/* Resolve an LSM point (lsm.HOOK or kernel.lsm("HOOK")); contract of cc_resolve_builtin_point. */
int cc_lsm_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);
/*
 * $ctx and $return of an LSM probe (the hook's parameters are a kernel
 * function's: cc_kfunc_target); contract of cc_kfunc_target, -ENOENT
 * (nothing reported) for any other name.
 */
int cc_lsm_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet);
/* Whether the hook of LSM probe d returns void (it has no $return). */
bool cc_lsm_returns_void(struct cc_ctx *cx, const struct cc_dprobe *d);
/* -L's variables of an LSM hook: its parameters (cc_kfunc_vars), $ctx, $return */
char *cc_lsm_vars(struct cc_ctx *cx, struct cc_dprobe *d);
/* cc_kfunc_arg.idx of an LSM probe's $ctx (the context's address) and $return (its verdict) */
#define CC_LSM_CTX (-2)
#define CC_LSM_RETURN (-3)
/* The kernel's MAX_ERRNO: an LSM program's verdict is -4095..0 (0 allows) */
#define CC_LSM_MAX_ERRNO 4095

/* ---- sdt.c: SDT markers (<sys/sdt.h>) of an ELF file -------------------------- */

#define CC_SDT_MAX_ARGS 12
enum cc_sdt_kind { CC_SDT_REG = 1, CC_SDT_IMM, CC_SDT_MEM };
/* Where one argument of a marker is (x86-64 only). */
struct cc_sdt_arg {
	int kind;        /* enum cc_sdt_kind */
	int size;        /* bytes of the value: 1, 2, 4, 8 */
	bool is_signed;
	int reg;         /* REG: its struct pt_regs offset; MEM: the base's, or -1 */
	int shift;       /* REG: 8 for %ah, %bh, %ch, %dh */
	int index;       /* MEM: the index register's pt_regs offset, or -1 */
	int scale;       /* MEM: the index's scale */
	int64_t val;     /* IMM: the value; MEM: the displacement (rip: from the marker's pc) */
	bool rip;        /* MEM: relative to the marker's address at run time */
	const char *sym; /* MEM: the symbol the displacement names (rip only) */
};
struct cc_sdt_note {
	const char *provider, *name, *args; /* args: the specs as written */
	uint64_t pc, base, sem; /* link-time addresses (after a prelink move) */
	uint64_t off, sem_off;  /* file offsets: the uprobe's, the semaphore's (0: none) */
	int nargs;              /* -EINVAL when args do not parse: err says why */
	struct cc_sdt_arg arg[CC_SDT_MAX_ARGS];
	/* a no-trap marker (taphub/marker.h): 'l'/'s' per argument; NULL: plain SDT */
	const char *mark_types;
	const char *err;
};
/*
 * The markers of the ELF file at path, in note order (none: 0 and *n 0);
 * -errno with a one-line reason in *err when the file cannot be read.
 */
int cc_sdt_read(struct cc_arena *a, const char *path, struct cc_sdt_note **ret, int *n,
		const char **err);
/* A function of an ELF file's symbol table. */
struct cc_elf_func {
	const char *name;
	uint64_t addr, size; /* link-time */
	uint64_t off;        /* file offset of its first instruction */
};
/* The functions of .symtab (else .dynsym), one per name, sorted by name; -errno and *err. */
int cc_elf_funcs(struct cc_arena *a, const char *path, struct cc_elf_func **ret, int *n,
		 const char **err);
/* ---- read_fd.c ---------------------------------------------------------------- */

/*
 * fd read to its end into *ret_buf (malloc'd, NUL-terminated; *ret_len
 * bytes): -E2BIG past max bytes, -ENOMEM, or read's -errno.
 */
int cc_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len);

/* ---- provider_file.c: DTrace provider files (.d), for tools/dtrace ---------- */

/* One `probe NAME(TYPE, ...);` of a provider. */
struct cc_provider_probe {
	const char *name; /* as declared, "__" kept: the marker's name in the note */
	struct cc_loc loc;
	int nargs;        /* at most CC_SDT_MAX_ARGS: sys/sdt.h's most */
	const char *args[CC_SDT_MAX_ARGS]; /* each type as written: "const char *" */
};
/* `provider NAME { probe ...; };` (two blocks of one name are one provider) */
struct cc_provider {
	const char *name;
	struct cc_loc loc;
	struct cc_vec probes; /* struct cc_provider_probe * */
};
/*
 * Parse src into ret_providers (struct cc_provider *, in file order).
 * Errors and warnings go to d; returns 0, or -EINVAL when there were
 * errors.  preprocessed: src is cpp's output (line markers map locations
 * back to the files cpp read); otherwise directives are ignored, with a
 * warning that -C runs them.
 */
int cc_provider_file_parse(struct cc_arena *a, struct cc_diag *d, const struct cc_srcfile *src,
			   bool preprocessed, struct cc_vec *ret_providers);

/* ---- provider_emit.c: the header (dtrace -h) and semaphores (dtrace -G) ---- */

/*
 * The header of a provider file: PROVIDER_PROBE(arg1, ...) macros
 * emitting <sys/sdt.h> markers and PROVIDER_PROBE_ENABLED() reading the
 * semaphores.  source: the .d file's name (for the comment); guard: the
 * include guard's macro.  -EIO when writing failed.
 */
int cc_provider_emit_header(FILE *out, const struct cc_vec *providers, const char *source,
			    const char *guard);
/* The C source defining every probe's semaphore, for the -G object. */
int cc_provider_emit_semaphores(FILE *out, const struct cc_vec *providers, const char *source);

/* ---- dwarf.c, dwarf_loc.c: user-space variables and lines (libdw) ---------- */

/* A variable in scope at an address: -L and $$vars list them. */
struct cc_uvar {
	const char *name;
	bool param;       /* a parameter (of the innermost function, inlined or not) */
	bool global;      /* a variable of the CU (not in $$vars) */
	const char *type; /* its C type, as -L prints it ("long", "struct pair*") */
};
/* One step of $v->a[i] (parse.c's chain): a member's name, else an index. */
struct cc_uchain {
	const char *member;
	int64_t index; /* a number */
	int idx;       /* a runtime index: its number among the node's args, or -1 */
};
/* What cc_dwarf_read found $name[chain] to be. */
enum cc_uread_kind {
	CC_UREAD_VALUE = 1, /* loc's top is the value */
	CC_UREAD_STRUCT,    /* a struct or union: loc's top its address (only $v$ uses it) */
	CC_UREAD_STRING,    /* a char array: loc's top its address, nelem its size */
};
struct cc_uread {
	int kind;
	struct cc_uloc loc;
	int nelem;
	bool is_ptr;
	const char *type;
	const char *text; /* "$v->a[]", for messages */
};
/*
 * The variables in scope at pc (a link-time address) of the ELF file
 * path, innermost first, parameters before locals; -ENOENT with *why when
 * the file has no DWARF or nothing covers pc.
 */
int cc_dwarf_vars(struct cc_arena *a, const char *path, uint64_t pc, struct cc_uvar **ret,
		  int *n, const char **why);
/*
 * $name with its chain at pc ("return": the function's return value in
 * rax); -ESRCH: no such variable (why lists those there are), -EINVAL:
 * cannot be read there (why says where it can), -ENOENT: no DWARF; *why
 * as one line.
 */
int cc_dwarf_read(struct cc_arena *a, const char *path, uint64_t pc, const char *name,
		  const struct cc_uchain *chain, int nchain, struct cc_uread *ret,
		  const char **why);
/*
 * @cast(p, "TYPE", "PATH")->chain: TYPE ("struct item", "item") from
 * path's DWARF, p (CC_UOP_ARG) the address of one; as cc_dwarf_read.
 */
int cc_dwarf_cast(struct cc_arena *a, const char *path, const char *tname,
		  const struct cc_uchain *chain, int nchain, struct cc_uread *ret,
		  const char **why);
/* The members of the struct $name[chain] is at pc, for $v$: names, in order. */
int cc_dwarf_members(struct cc_arena *a, const char *path, uint64_t pc, const char *name,
		     const struct cc_uchain *chain, int nchain, const char ***ret, int *n,
		     const char **why);
/* One address of a source line (dwarf.c). */
struct cc_uline {
	const char *file; /* as the line table names it */
	int line;
	uint64_t addr;    /* link-time */
	const char *func; /* the function around it */
};
/*
 * The addresses of lines lo..hi of the source file whose name ends with
 * file, in functions matching the shell pattern func: the first address
 * of each line in each function, by address.
 */
int cc_dwarf_lines(struct cc_arena *a, const char *path, const char *func, const char *file,
		   int lo, int hi, struct cc_uline **ret, int *n, const char **why);
/* A function (or an inlined copy of one) found in the DWARF (dwarf.c). */
struct cc_ufn {
	const char *name;
	const char *file; /* its declaration's file, last part */
	int line;         /* and line */
	uint64_t addr;    /* its entry, link-time */
};
/*
 * The functions matching the shell pattern pat declared in a file whose
 * name ends with file (NULL: any) on a line lo..hi: defined out of line
 * (with code of their own), or with inl, their inlined copies (one per
 * copy); by address.
 */
int cc_dwarf_funcs(struct cc_arena *a, const char *path, const char *pat, const char *file,
		   int lo, int hi, bool inl, struct cc_ufn **ret, int *n, const char **why);
/* The PLT stubs of an ELF file, named for the functions they call, in stub order (sdt.c). */
int cc_elf_plt(struct cc_arena *a, const char *path, struct cc_elf_func **ret, int *n,
	       const char **err);
/* The file offset of a link-time address of path (in a PT_LOAD); -errno. */
int cc_elf_offset(const char *path, uint64_t addr, uint64_t *ret);
/* Up to 8 bytes of path at off, as hex (the loader checks the file did not change). */
const char *cc_file_hex(struct cc_arena *a, const char *path, uint64_t off);
/* The DT_RUNPATH (else DT_RPATH) of an ELF file, $ORIGIN expanded; NULL: none. */
const char *cc_elf_runpath(struct cc_arena *a, const char *path);
/* The DT_NEEDED names of an ELF file, pushed to out (char*); how many, -errno. */
int cc_elf_needed(struct cc_arena *a, const char *path, struct cc_vec *out);
/* path's separate debug file, by build id under /usr/lib/debug/.build-id; NULL: none */
char *cc_debug_file(struct cc_arena *a, const char *path);
/*
 * A mark("NAME") pattern as the notes spell it: DTrace writes a probe
 * declared a__b as a-b, and so may scripts (stap's rule): each '-' is "__".
 */
const char *cc_sdt_mark_pattern(struct cc_arena *a, const char *pat);
/* Argument specs ("-4@%edi 8@-16(%rbp)") into v: how many, or -EINVAL and *err. */
int cc_sdt_parse_args(struct cc_arena *a, const char *spec, struct cc_sdt_arg *v, int max,
		      const char **err);

/* ---- probe_user.c, probe_sdt.c: process(...) points, SDT markers --------------- */

/* Resolve a process(...) point; as cc_resolve_builtin_point. */
int cc_user_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);
/* From component i ([.provider(...)].mark(...)) on, in the file path: markers. */
int cc_sdt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		   bool quiet, struct cc_vec *out);
/* $argN, $$name, $$provider, $$parms, $$vars, $$locals: as cc_kfunc_target; aux is the cc_sdt_arg */
int cc_sdt_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet);
/* -L: " $arg1:long $arg2:long" */
char *cc_sdt_vars(struct cc_ctx *cx, const struct cc_dprobe *d);
/* The first component after process(...)[.library(...)]: the file probed, absolute; NULL after an error. */
char *cc_user_file(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, int *next);
/* A program named as process("NAME") names it ($PATH for a bare name), absolute; NULL: why. */
char *cc_user_program(struct cc_ctx *cx, const char *arg, const char **why);
/* The program process PID runs; pid 0: the -c command's or the -x process's.  NULL: why. */
char *cc_user_target_file(struct cc_ctx *cx, long pid, const char **why);

/* A path with wildcards (* ? [). */
bool cc_user_is_pattern(const char *path);
/* /lib*\/NAME, /usr/lib64/NAME...: NAME in the multiarch directory (a pattern still); else NULL */
char *cc_user_multiarch(struct cc_ctx *cx, const char *path);

/* ---- probe_uglob.c: process("PATTERN")..., a path with wildcards ---------------- */

/* Each ELF file PATTERN matches, as process("FILE")...; as cc_resolve_builtin_point. */
int cc_uglob_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);

/* ---- probe_uproc.c: process[(PATH|PID)][.thread].begin / .end ------------------- */

enum cc_uproc_event {
	CC_UPROC_BEGIN,  /* a process: forked, or exec()ed the program */
	CC_UPROC_END,    /* a process: its last thread exited, or it exec()ed another program */
	CC_UPROC_TBEGIN, /* a thread other than the first */
	CC_UPROC_TEND,   /* a thread other than the last */
};

enum cc_uproc_kind {
	CC_UPF_FILE, /* process("PATH"): the program file, by its device and inode at load */
	CC_UPF_PID,  /* process(PID) */
	CC_UPF_TREE, /* process with -c or -x: the target and what it forks */
};

/* One filter: a bit of the guest's tracking map (the loader fills what it needs). */
struct cc_uproc {
	int kind; /* enum cc_uproc_kind */
	const char *path;
	long pid;
};

/* Is pt process[(...)][.thread].begin/.end? */
bool cc_uproc_is(const struct cc_point *pt);
/* Resolve it; as cc_resolve_builtin_point. */
int cc_uproc_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out);

/* ---- probe_perf.c: perf events of a process, perf...counter("NAME"), @perf ------ */

/* A counter of the target process: perf.EVENT[.process[("PATH")]].counter("NAME"). */
struct cc_perfctr {
	const char *name;
	int type;
	int64_t config;
	const char *path; /* the program process("PATH") named (the target's), or NULL */
	const char *pp;   /* the point, for messages */
	struct cc_loc loc;
};

/*
 * The components of a perf point after its event (from i): .sample(N) or
 * .hz(N), .process or .process("PATH"), .counter("NAME").  Makes the
 * derived probe (a counter's is marked perfctr and never joins the
 * program); as cc_resolve_builtin_point.
 */
int cc_perf_resolve(struct cc_ctx *cx, const struct cc_point *pt, int i, int type,
		    int64_t config, int64_t default_sample, bool quiet, struct cc_vec *out);
/*
 * @perf("NAME") (an N_DWARF): becomes the call of the built-in that reads
 * counter NAME.  0, or -1 after an error at n.
 */
int cc_perf_read(struct cc_ctx *cx, struct cc_node *n);

/* ---- probe_ufunc.c: process("PATH").function("NAME")[.call][.return] ---------- */

/* Resolve from component i (function); path is the file. As cc_resolve_builtin_point. */
int cc_ufunc_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		     bool quiet, struct cc_vec *out);
/* $param, $return, $$parms ... of a function probe: as cc_sdt_target */
int cc_ufunc_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet);
/* The entry probe of a .return function probe (for @entry), body empty. */
struct cc_dprobe *cc_ufunc_entry_of(struct cc_ctx *cx, const struct cc_dprobe *d);
char *cc_ufunc_vars(struct cc_ctx *cx, struct cc_dprobe *d);
/*
 * @cast(p, "TYPE", "PATH")->chain of a user program's type (PATH has a
 * '/'): an N_TARGET named "@cast" whose lhs is p, read by codegen_uvar.c;
 * -1 after an error.  The caller resolves lhs and the runtime indexes.
 */
int cc_ucast(struct cc_ctx *cx, struct cc_node **np);

/* process("PATH").plt("PAT")[.return] from component i (plt). */
int cc_uplt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		    bool quiet, struct cc_vec *out);

/* ---- parms.c: $$parms-like strings as sprintf("a=0x%x ...", $a, ...) ---------- */

struct cc_parms {
	struct cc_ctx *cx;
	struct cc_loc loc;
	char *fmt;
	struct cc_vec args; /* struct cc_node*: the values, in order */
	bool more;          /* some were left out (parms.c's bound) */
};
void cc_parms_init(struct cc_parms *p, struct cc_ctx *cx, const struct cc_loc *loc);
/* label then conv ("=%#x", or text alone with arg NULL), after sep unless it is the first piece */
void cc_parms_add(struct cc_parms *p, const char *sep, const char *label, const char *conv,
		  struct cc_node *arg);
/* " label=conv" of the target variable $name */
void cc_parms_target(struct cc_parms *p, const char *label, const char *name, const char *conv);
/* The sprintf call of what was added. */
struct cc_node *cc_parms_call(struct cc_parms *p);
/*
 * $return or $$return (twice) of an entry probe, the function probes'
 * error; -1, said unless quiet.
 */
int cc_parms_no_return(struct cc_ctx *cx, const char *pp, const struct cc_loc *loc, bool twice,
		       bool quiet);

/* ---- probe_ustmt.c: process("PATH").statement("FUNC@FILE:LINE") -------------- */

/* Resolve from component i (statement); as cc_ufunc_resolve. */
int cc_ustmt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		     bool quiet, struct cc_vec *out);
/* "FUNC@FILE[:LINE]" (LINE: N, N-M, *): the parts; false when malformed or, need_line, without LINE. */
bool cc_ustmt_parse(struct cc_arena *a, const char *spec, const char **func, const char **file,
		    int *lo, int *hi, bool need_line);

/* ---- listing.c: tap -l / -L ------------------------------------------------ */

/* Print the points matching a pattern (tap -l / -L). */
int cc_list_points(struct cc_ctx *cx, const char *pattern, bool with_vars, FILE *out);

/* ---- syscalls (generated): name -> number of this architecture ------------ */

struct cc_syscall {
	const char *name;
	int nr;
};
extern const struct cc_syscall cc_syscalls[];
#define CC_SYSCALL_TABLE 1024 /* tail-call slots: syscall numbers below this */
int cc_syscall_nr(const char *name); /* -1 when unknown (probepoint.c) */

/* ---- regex.c: regular expressions -> DFA and NFA tables --------------------- */

#define CC_REGEX_MAX_STATES 1024 /* DFA states of one pattern (regex.c says why) */
#define CC_REGEX_MAX_BUILD 16384 /* states the subset construction may make before minimising */
#ifndef CC_REGEX_MAX_WORK /* the fuzz build sets a smaller one (Makefile) */
#define CC_REGEX_MAX_WORK 20000000 /* steps of construction and minimisation */
#endif
#define CC_REGEX_MAX_INSTS 10000 /* NFA instructions, repetitions written out */
#define CC_REGEX_MAX_GROUPS 64   /* subexpressions, the whole match (group 0) included */
#define CC_REGEX_MAX_REPEAT 10000 /* a count in {m,n} */
/* .rodata of all kernel regexes: the kernel allocates it at once (kmalloc'd map value) */
#define CC_REGEX_MAX_KERNEL_BYTES (2 << 20)

struct grt_regex; /* guest-runtime/grt.h: the tables */

struct cc_regex {
	const char *pattern;
	size_t len;
	struct grt_regex *re; /* NULL: it did not compile (reported once) */
	int id;               /* position in prog->regexes: th_re<id> */
	int kid;              /* place in the kernel tables, -1 when no kernel code uses it */
	bool used_user;
};

/*
 * Compile a pattern (the string value of the literal, escapes already
 * decoded) into tables allocated from out.  Returns 0, or -EINVAL (bad
 * pattern) or -E2BIG (over a CC_REGEX_MAX_* limit) with the reason in err
 * and the offending byte's offset in *ret_off (SIZE_MAX: the whole).
 */
int cc_regex_compile(struct cc_arena *out, const char *pat, size_t len, struct grt_regex **ret,
		     char *err, size_t errlen, size_t *ret_off);
/*
 * The pattern of the literal at loc, compiled once per program (pass 2);
 * an error is reported once, at the offending character of the literal.
 * NULL after an error.
 */
struct cc_regex *cc_regex_intern(struct cc_ctx *cx, const char *pat, size_t len,
				 const struct cc_loc *loc);
struct cc_regex *cc_regex_find(struct cc_ctx *cx, const char *pat, size_t len);
/*
 * Code generation uses r in kernel or user code: its tables are emitted.
 * The kernel's tables of all regexes together are bounded: -E2BIG after
 * reporting, at loc, that this one is over.
 */
int cc_regex_use(struct cc_ctx *cx, struct cc_regex *r, bool kernel, const struct cc_loc *loc);
/* The tables as C: for the eBPF object (before grt_bpf.h), for the user object. */
void cc_regex_emit_bpf(struct cc_ctx *cx, FILE *o);
void cc_regex_emit_user(struct cc_ctx *cx, FILE *o);

/* ---- codegen.c: C for both sides, and the meta ------------------------------ */

struct cc_output {
	char *bpf_c;  /* NULL when the script has no kernel probes */
	size_t bpf_len;
	char *user_c; /* NULL when nothing runs in user context */
	size_t user_len;
	char *meta;
	size_t meta_len;
};

int cc_codegen(struct cc_ctx *cx, struct cc_output *out); /* buffers malloc'd */
void cc_output_free(struct cc_output *o);

/* ---- driver.c: passes, the cache, clang and cc ------------------------------ */

void cc_ctx_init(struct cc_ctx *cx);
void cc_ctx_release(struct cc_ctx *cx);
/* A -D limit (MAXSTRINGLEN ...): 1 applied, 0 not a limit, -EINVAL bad value. */
int cc_set_limit(struct cc_ctx *cx, const char *name, const char *value);
/* Whether NAME is one of those limits. */
/* MAXNESTING when -D does not set it: stap's, from the call graph (nesting.c). */
int64_t cc_default_maxnesting(const struct cc_prog *P);
bool cc_limit_known(const char *name);
/* Whether NAME is a -D tunable of SystemTap's kernel module (MAXSKIPPED ...), not ours. */
bool cc_stap_tunable(const char *name);
/* --compatible VERSION: 0, or -EINVAL (not a version, or newer than CC_SYSTEMTAP_V). */
int cc_set_compatible(struct cc_ctx *cx, const char *version);
struct cc_srcfile *cc_source_file(struct cc_ctx *cx, const char *path); /* "-": stdin */
struct cc_srcfile *cc_source_text(struct cc_ctx *cx, const char *name, const char *text);
/* Parse the script src and the -E texts (cx->extra_scripts) into one file. */
struct cc_file *cc_parse_script(struct cc_ctx *cx, struct cc_srcfile *src);
/* Parse -E text number i on its own (tap -l lists its aliases). */
struct cc_file *cc_parse_extra(struct cc_ctx *cx, int i);

struct cc_build_opts {
	int last_pass;      /* 1..4: stop and print; 5: build for running */
	FILE *out;          /* where -p1..-p4 print */
	const char *cache_dir; /* NULL: default */
	uint64_t cache_limit;  /* 0: default */
	bool keep_tmp;      /* -k: build in /tmp/tapXXXXXX, keep it, skip the cache */
};

struct cc_artifact {
	char *dir;     /* guest.meta, guest.bpf.o, guest.so */
	bool has_bpf, has_so;
	bool cache_hit;
	char key[65];
};

int cc_build(struct cc_ctx *cx, struct cc_srcfile *src, const struct cc_build_opts *bo,
	     struct cc_artifact *art);
void cc_artifact_release(struct cc_artifact *a);

/* ---- quote.c ----------------------------------------------------------------- */

/* s as a quoted literal: \" \\ \n \t, \ooo for other bytes outside printable ASCII */
void cc_fquote(FILE *o, const char *s, size_t n);

/* ---- dump.c: -p1 and -p2 listings --------------------------------------------- */

void cc_dump_file(struct cc_ctx *cx, const struct cc_file *f, FILE *out);
void cc_dump_prog(struct cc_ctx *cx, FILE *out);
void cc_dump_node(const struct cc_node *n, FILE *out);
/* --dump-functions: the functions scripts may call, as stap lists them. */
void cc_dump_functions(struct cc_ctx *cx, bool all, FILE *out);

/* ---- optimize.c: elide assignments nobody reads ---------------------------- */

int cc_optimize(struct cc_ctx *cx);

/* ---- builtins.c: the functions every script may call ------------------------ */

enum cc_bctx {
	BC_KERNEL = 1, /* callable in kernel context */
	BC_USER = 2,   /* callable in user context */
	BC_BOTH = 3,
};

enum cc_builtin_id {
	B_PID = 1, B_TID, B_PPID, B_UID, B_GID, B_EUID, B_EGID, B_EXECNAME, B_CPU, B_TARGET,
	B_GTOD_S, B_GTOD_MS, B_GTOD_US, B_GTOD_NS,
	B_LCLOCK_S, B_LCLOCK_MS, B_LCLOCK_US, B_LCLOCK_NS, B_GET_CYCLES,
	B_PP, B_PROBEFUNC, B_EXIT, B_ERROR, B_WARN, B_LOG,
	B_ABORT,
	B_PRINTF, B_PRINT, B_PRINTLN, B_PRINTD, B_PRINTDLN,
	B_SPRINTF, B_SPRINT, B_SPRINTLN, B_SPRINTD,
	B_STRLEN, B_SUBSTR, B_ISINSTR, B_STRTOL, B_STR_REPLACE, B_STRINGAT, B_TEXT_STR,
	B_KERNEL_STRING, B_KERNEL_STRING_N, B_USER_STRING, B_USER_STRING_N,
	B_RANDINT, B_NUM_CPUS, B_STP_PID,
	/* tasks (kernel context: a task pointer is a long) */
	B_TASK_CURRENT, B_TASK_PID, B_TASK_TID, B_TASK_PARENT, B_TASK_EXECNAME, B_TASK_STATE,
	B_TASK_PRIO, B_TASK_NICE, B_TASK_CPU, B_TASK_UID, B_TASK_GID,
	/* memory reads */
	B_KERNEL_LONG, B_KERNEL_INT, B_KERNEL_SHORT, B_KERNEL_CHAR, B_KERNEL_POINTER,
	B_USER_LONG, B_USER_INT, B_USER_SHORT, B_USER_CHAR, B_USER_ULONG, B_USER_UINT,
	B_USER_USHORT, B_USER_INT8, B_USER_UINT8,
	/* syscall arguments (syscall probes) */
	B_POINTER_ARG, B_INT_ARG, B_UINT_ARG, B_LONG_ARG, B_ULONG_ARG, B_S32_ARG, B_U32_ARG,
	B_S64_ARG, B_U64_ARG, B_REGISTER, B_U_REGISTER, B_RAISE, B_PROBING_32BIT,
	/* time and process */
	B_CTIME, B_TZ_CTIME, B_CMDLINE_STR, B_SYMNAME, B_SYMDATA,
	/* issue 10: utility functions (docs/language.md, "Functions") */
	B_SPRINTDLN, B_TOKENIZE, B_KERNEL_STRING_S, B_KERNEL_STRING_NS,
	B_USER_MODE, B_ADDR, B_UADDR, B_TASK_UTIME, B_TASK_STIME, B_MEM_PAGE_SIZE,
	B_PROC_MEM_SIZE, B_PROC_MEM_RSS, B_PROC_MEM_SHR, B_PROC_MEM_TXT, B_PROC_MEM_DATA,
	B_PEXECNAME, B_CPU_CLOCK_NS, B_CPU_CLOCK_US, B_CPU_CLOCK_MS, B_CPU_CLOCK_S,
	B_CMDLINE_ARGS,
	B_SYSTEM, B_PRINTK, B_SWITCH_FILE,
	B_FP_TO_STRING, B_STRING_TO_FP, B_LONG_TO_FP, B_FP_TO_LONG, B_FP_ADD, B_FP_SUB,
	B_FP_MUL, B_FP_DIV, B_FP_REM, B_FP_SQRT, B_FP_EQ, B_FP_LE, B_FP_LT, B_FP32_TO_FP64,
	B_BACKTRACE, B_PRINT_BACKTRACE, B_SPRINT_BACKTRACE,
	B_UBACKTRACE, B_PRINT_UBACKTRACE, B_SPRINT_UBACKTRACE,
	B_PRINT_STACK, B_SPRINT_STACK, B_PRINT_USTACK, B_SPRINT_USTACK, B_USYMNAME, B_USYMDATA,
	/* regular expression subexpressions */
	B_MATCHED, B_MATCHED_STR, B_NGROUPS,
	/* modules and paths (grt_bpf_path.h) */
	B_MODNAME, B_UMODNAME, B_TASK_CWD_PATH, B_TASK_EXE_FILE, B_FULLPATH_PATH,
	B_FULLPATH_FILE, B_TASK_DENTRY_PATH, B_PSTRACE, B_PN, B_TASK_FD_LOOKUP,
	/* source lines of addresses */
	B_USYMFILELINE, B_USYMFILE, B_USYMLINE, B_SYMFILELINE, B_SYMFILE, B_SYMLINE,
	B_PRINT_BACKTRACE_FILELINE, B_PRINT_UBACKTRACE_FILELINE,
	/* @perf("NAME"): its one argument the counter's index (probe_perf.c) */
	B_PERF,
	B__COUNT
};

struct cc_builtin {
	const char *name;
	int minargs, maxargs; /* maxargs -1: variadic (print family) */
	int ret;              /* TY_*; TY_UNKNOWN: depends (print family) */
	int argt[4];          /* types of the first args, TY_UNKNOWN = any */
	int ctx;              /* enum cc_bctx */
	int id;
};

const struct cc_builtin *cc_builtin_find(const char *name);
const struct cc_builtin *cc_builtin_get(int id);
/* Why the context b lacks cannot have it, for messages; NULL: no particular reason. */
const char *cc_builtin_why(const struct cc_builtin *b);

#endif /* CC_COMPILER_H */
