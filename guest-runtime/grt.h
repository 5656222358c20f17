/* SPDX-License-Identifier: MIT */
/*
 * guest-runtime: what every compiled script links with on the user side.
 *
 * Sections, one per file:
 *   buf.c     growable output buffer
 *   printf.c  SystemTap printf: compile a format once, render it from
 *             values or from a record's packed arguments
 *   hist.c    @hist_log / @hist_linear printing in SystemTap's ASCII format
 *   stats.c   aggregate (<<<) update, merge and extractors
 *   assoc.c   user-space associative arrays (globals only user probes touch)
 *   table.c   snapshots of arrays for sorted foreach, and the sort itself
 *   strfn.c   the string functions of the language (substr, str_replace, ...)
 *   tokenize.c  tokenize(): stap's strsep() walk over a kept copy
 *   fp.c      stap's floating point helpers (fp_to_string ...)
 *   backtrace.c  symbols: kallsyms, a process's ELF files; stack printing
 *             (lines.c below it: source lines, private)
 *   stackfn.c    print_stack(), sprint_stack(), usym*(): in user-context probes
 *   system.c  what system() and printk() do, for the programs that run them
 *   regex.c   running compiled regular expressions (=~, !~, matched())
 *
 * Library code never prints and never exits: it returns -errno (or a count)
 * and leaves reporting to the program.
 */
#ifndef GRT_H
#define GRT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "taphub/stat.h"

/* ---- buf.c ------------------------------------------------------------ */

/*
 * Zero-initialise to start empty.  Whenever data is not NULL, data[len] is
 * '\0', so data can be used as a C string (when the bytes hold no NUL).
 */
struct grt_buf {
	char *data;
	size_t len;
	size_t cap;
};

int grt_buf_reserve(struct grt_buf *b, size_t extra); /* room for extra more bytes */
int grt_buf_put(struct grt_buf *b, const void *p, size_t n);
int grt_buf_puts(struct grt_buf *b, const char *s);
int grt_buf_putc(struct grt_buf *b, char c);
void grt_buf_reset(struct grt_buf *b); /* len = 0, keeps memory */
void grt_buf_free(struct grt_buf *b);

/* ---- escape.c: one escaper per output syntax ------------------------- */

/* s[0..n) as a JSON string, quotes included; 0 or -ENOMEM. */
int grt_json_str(struct grt_buf *b, const char *s, size_t n);
/*
 * Byte c inside a C/stap literal quoted with quote: 0 when it stands as it
 * is, else the length (1 or 3) of what follows its backslash, put in esc.
 */
int grt_c_escape(unsigned char c, char quote, char esc[3]);

/* ---- printf.c --------------------------------------------------------- */

enum grt_type {
	GRT_NONE = 0,
	GRT_LONG = 1,
	GRT_STRING = 2,
	GRT_STATS = 3,
};

/* One argument value: a long, or a string given by pointer and length. */
struct grt_arg {
	int type; /* GRT_LONG or GRT_STRING */
	int64_t l;
	const char *s;
	size_t slen;
};

struct grt_fmt; /* a compiled format: literal segments and conversions */

/*
 * Compile a SystemTap printf format.  On error returns -EINVAL and writes
 * a one-line reason and the byte offset of the bad directive into
 * err/ret_erroff (when not NULL).
 */
int grt_fmt_compile(const char *fmt, size_t len, struct grt_fmt **ret,
		    char *err, size_t errlen, size_t *ret_erroff);
void grt_fmt_free(struct grt_fmt *f);
/* Number of values the format consumes (a `*` width or precision counts). */
int grt_fmt_nargs(const struct grt_fmt *f);
/* GRT_LONG or GRT_STRING for value i. */
int grt_fmt_argtype(const struct grt_fmt *f, int i);
/* Append the rendering to out.  Returns 0 or -errno. */
int grt_fmt_render(struct grt_buf *out, const struct grt_fmt *f,
		   const struct grt_arg *args, int nargs);
/*
 * Same, with the values packed as in a record (include/taphub/record.h).
 * Returns -EBADMSG when data is too short for the format.
 */
int grt_fmt_render_packed(struct grt_buf *out, const struct grt_fmt *f,
			  const void *data, size_t len);

/* ---- hist.c ----------------------------------------------------------- */

/* Append the histogram of a merged aggregate (see taphub/stat.h). */
int grt_hist_log_print(struct grt_buf *out, const int64_t *stat);
int grt_hist_linear_print(struct grt_buf *out, const int64_t *stat,
			  int64_t lo, int64_t hi, int64_t step);

/* ---- stats.c ---------------------------------------------------------- */

/* Histogram description of one stats variable. */
struct grt_histspec {
	int kind; /* TH_HIST_* */
	int64_t lo, hi, step; /* linear only */
	bool variance;  /* @variance is read: TH_STAT_VAR_SLOTS after the buckets */
	int vshift;     /* its bit shift */
};

/* Number of int64_t slots an aggregate with this histogram occupies. */
size_t grt_stat_slots(const struct grt_histspec *h);
void grt_stat_init(int64_t *st, const struct grt_histspec *h); /* empty aggregate */
void grt_stat_add(int64_t *st, const struct grt_histspec *h, int64_t v);
/* dst += src (count/sum add, min/max combine, buckets add). */
void grt_stat_merge(int64_t *dst, const int64_t *src, const struct grt_histspec *h);

enum grt_extractor {
	GRT_X_COUNT = 0,
	GRT_X_SUM,
	GRT_X_MIN,
	GRT_X_MAX,
	GRT_X_AVG,
	GRT_X_VARIANCE, /* grt_stat_variance(), not grt_stat_extract() */
};
/*
 * Value of an extractor.  @min/@max/@avg of an empty aggregate are an
 * error in SystemTap: returns -ENODATA then, 0 otherwise.
 */
int grt_stat_extract(const int64_t *st, int x, int64_t *ret);
/*
 * @variance, SystemTap's formula: after merging n copies of an aggregate
 * into dst (copy i at copies + i * stride), combine their Welford states
 * into dst's variance slots; then grt_stat_variance() reads it from dst
 * (-ENODATA when empty, -EINVAL without the slots).
 */
void grt_stat_variance_merge(int64_t *dst, const int64_t *copies, size_t stride, int n,
			     const struct grt_histspec *h);
int grt_stat_variance(const int64_t *st, const struct grt_histspec *h, int64_t *ret);

/* ---- assoc.c ---------------------------------------------------------- */

#define GRT_MAXKEYS 9 /* SystemTap's limit on array dimensions */
/*
 * Most entries an array may be declared with (global a[N], MAXMAPENTRIES):
 * meta files come from clients, so what a loader sizes maps by is
 * bounded; the compiler refuses bigger sizes with the script's line.
 */
#define GRT_MAX_MAP_ENTRIES (1 << 24)

/* A key or value cell.  Strings are owned by the container. */
struct grt_cell {
	int64_t l;
	char *s; /* NUL-terminated, NULL for longs */
};

struct grt_assoc; /* hash map: key tuple -> long | string | aggregate */

struct grt_assoc_spec {
	int nkeys;
	uint8_t keytype[GRT_MAXKEYS]; /* GRT_LONG / GRT_STRING */
	uint8_t valtype;              /* GRT_LONG / GRT_STRING / GRT_STATS */
	struct grt_histspec hist;     /* GRT_STATS only */
	size_t maxentries;            /* 0: unlimited */
	size_t maxstrlen;             /* strings truncated to maxstrlen - 1 bytes; 0: no limit */
};

int grt_assoc_new(const struct grt_assoc_spec *spec, struct grt_assoc **ret);
void grt_assoc_free(struct grt_assoc *a);
size_t grt_assoc_count(const struct grt_assoc *a);
/*
 * Find the value cell of a key; with create, insert it (zero or empty
 * string or empty aggregate) when missing.  Returns NULL when missing
 * (create == false, errno = ENOENT) or when full (errno = E2BIG) or out
 * of memory.  The cell stays put until its key is deleted or the array
 * cleared.  A string value's s is read-only: change it with
 * grt_assoc_set_str().  For GRT_STATS the cell's payload is reached with
 * grt_assoc_stat().
 */
struct grt_cell *grt_assoc_get(struct grt_assoc *a, const struct grt_cell *key, bool create);
int64_t *grt_assoc_stat(struct grt_assoc *a, struct grt_cell *val);
int grt_assoc_set_str(struct grt_assoc *a, struct grt_cell *val, const char *s);
int grt_assoc_delete(struct grt_assoc *a, const struct grt_cell *key); /* 0 or -ENOENT */
void grt_assoc_clear(struct grt_assoc *a);

/* ---- table.c ---------------------------------------------------------- */

/*
 * A snapshot of an array for foreach: rows of key cells and a value.
 * Kernel (BPF map) and user (grt_assoc) arrays are both copied into a
 * table, sorted, then iterated, so a foreach body may modify the array.
 */
struct grt_row {
	struct grt_cell key[GRT_MAXKEYS];
	struct grt_cell val;
	int64_t *stat; /* merged aggregate, GRT_STATS only */
};

struct grt_table {
	struct grt_assoc_spec spec;
	size_t n, cap;
	struct grt_row *rows;
};

void grt_table_init(struct grt_table *t, const struct grt_assoc_spec *spec);
void grt_table_free(struct grt_table *t);
/* Append a row; strings and the aggregate are copied. */
int grt_table_add(struct grt_table *t, const struct grt_cell *key,
		  const struct grt_cell *val, const int64_t *stat);
/*
 * Append every element of a, in insertion order (what an unsorted foreach
 * sees); t is initialised, and takes a's spec when empty.  On failure t
 * is unchanged.  (Implemented in assoc.c, which owns that order.)
 */
int grt_table_from_assoc(struct grt_table *t, struct grt_assoc *a);

/*
 * Sort for `foreach`: by = -1 sorts by the value (for aggregates by the
 * extractor x, @count when the script names none), by = i sorts by key i.
 * dir > 0 ascending, dir < 0 descending, 0 leaves insertion order.  Ties
 * are broken by the keys in order, ascending, so output is deterministic.
 * limit > 0 keeps only the first limit rows after sorting.  Returns 0,
 * -EINVAL for a bad by or x, or -ENOMEM (the table is then unchanged).
 */
int grt_table_sort(struct grt_table *t, int by, int dir, int x, int64_t limit);
/*
 * Array slices: a row matches key when every key i without bit i in mask
 * is equal (bit i: key i was '*').  The filter drops the other rows.
 */
bool grt_table_row_matches(const struct grt_table *t, const struct grt_row *r,
			   const struct grt_cell *key, uint32_t mask);
void grt_table_filter(struct grt_table *t, const struct grt_cell *key, uint32_t mask);

/* ---- strfn.c ---------------------------------------------------------- */

/*
 * The language's string functions.  dst has room for maxlen bytes
 * (MAXSTRINGLEN) and is always NUL terminated; results are truncated as
 * SystemTap truncates them.
 */
void grt_str_substr(char *dst, size_t maxlen, const char *s, int64_t start, int64_t len);
void grt_str_replace(char *dst, size_t maxlen, const char *s, const char *from, const char *to);
int64_t grt_str_isinstr(const char *s, const char *sub);
int64_t grt_str_strtol(const char *s, int64_t base); /* 0 on no digits, like stap */
void grt_str_concat(char *dst, size_t maxlen, const char *a, const char *b);
void grt_str_copy(char *dst, size_t maxlen, const char *s);
void grt_str_text(char *dst, size_t maxlen, const char *s); /* text_str(): escape non-printables */
void grt_str_long(char *dst, size_t maxlen, int64_t v);    /* sprint(long) */

/* ---- tokenize.c ------------------------------------------------------- */

/*
 * tokenize(input, delim) as stap: a non-empty input starts over on a copy
 * of it (cut to maxlen - 1 bytes); each call returns the next token that
 * is not empty, "" when none is left.  Zero-initialise the state.
 */
struct grt_tokenizer {
	char buf[4096];
	size_t pos;
	bool live;
};
void grt_tokenize_next(struct grt_tokenizer *t, char *dst, size_t maxlen, const char *input,
		       const char *delim);

/* ---- fp.c ------------------------------------------------------------- */

/*
 * fp_to_string(fp, precision): stap's rendering of a double: scaled below
 * 1e18 by powers of ten (counted in an "eN" suffix), the integer part,
 * then precision decimals, truncated but for the last, rounded by the
 * digit after it.  string_to_fp: [+-]digits[.digits][(e|E)[+-]digits],
 * -EINVAL for anything else.
 */
void grt_fp_format(char *dst, size_t maxlen, double v, int64_t precision);
int grt_fp_parse(const char *s, double *ret);

/* ---- backtrace.c ------------------------------------------------------ */

/*
 * Symbols of addresses, in SystemTap's forms (runtime/sym.c):
 *   GRT_SYM_NAME    "name"                                 (symname)
 *   GRT_SYM_DATA    "name+0x12/0x40 [module]"               (symdata)
 *   GRT_SYM_SIMPLE  "name+0x12 [module]" (module basename)  (sprint_*backtrace)
 *   GRT_SYM_FULL    " 0x... : name+0x12/0x40 [module]"     (print_*backtrace)
 *   GRT_SYM_FULLER  " 0x... : name+0x12/0x40 at file.c:12 [module]"
 *                                                 (print_*backtrace_fileline)
 *   GRT_SYM_FILELINE  "/src/file.c:12"                      (symfileline)
 *   GRT_SYM_FILE    "/src/file.c"                           (symfile)
 *   GRT_SYM_LINE    "12"                                    (symline)
 * An address without a symbol is "0x..." (" 0x..." in FULL), without a
 * source line "0x..." in the last three (FULLER is FULL then).  The
 * kernel's module is "kernel" for vmlinux, and its lines are unknown (its
 * DWARF is not read); a process's module is the path of the mapped file,
 * from /proc/PID/maps, read as the address is resolved, its lines those
 * of the file's DWARF (or of its debug file, by build id: lines.c).
 * NAME and DATA are 0 and 1: generated code passes the style.
 */
enum grt_sym_style {
	GRT_SYM_NAME,
	GRT_SYM_DATA,
	GRT_SYM_SIMPLE,
	GRT_SYM_FULL,
	GRT_SYM_FULLER,
	GRT_SYM_FILELINE, /* from here on: a source line's */
	GRT_SYM_FILE,
	GRT_SYM_LINE,
};
void grt_sym_kernel(char *dst, size_t len, uint64_t addr, int style);
void grt_sym_user(char *dst, size_t len, int64_t pid, uint64_t addr, int style);
/* The kernel module of addr ("kernel" for vmlinux's), or -ENOENT: no symbol holds it. */
int grt_module_kernel(char *dst, size_t len, uint64_t addr);
/* The path of the file mapped at addr in process pid, or -ENOENT. */
int grt_module_user(char *dst, size_t len, int64_t pid, uint64_t addr);
/*
 * A TH_FMT_STACK record's frames, one line each in style FULL or FULLER
 * (user ones hex unless resolve).
 */
int grt_stack_print(struct grt_buf *out, bool user, bool resolve, int style, int64_t pid,
		    const uint64_t *ips, int n);
/*
 * print_stack() of backtrace()'s string: each hex address as " ADDR :
 * symdata\n" (user: of this process); with max, only the lines that fit
 * whole in max bytes.
 */
void grt_stack_lines(struct grt_buf *out, const char *stk, size_t max, bool user);

/* ---- system.c --------------------------------------------------------- */

/*
 * system(cmd): `sh -c cmd` in the background, as stap's staprun does (a
 * grandchild, so nothing is left to reap; descriptors above 2 closed).
 * printk(msg): one line in the kernel log, through /dev/kmsg.  Both for
 * the program that runs a session's probes (tap, its runner), never the
 * hub.  0 or -errno.
 */
int grt_system_spawn(const char *cmd);
int grt_printk_write(const char *msg, size_t len);
/* ---- regex.c ---------------------------------------------------------- */

/*
 * A regular expression as compiler/regex.c builds it and generated code
 * holds it, in static tables.  Two views of one pattern:
 *
 *  - a DFA deciding whether the pattern occurs anywhere in a string (the
 *    search is unanchored: every state also holds the pattern's start).
 *    Bytes map to classes (cls), next[state * nclasses + class] is the
 *    following state, the start state is 0.  =~ and !~ run this, in both
 *    contexts (the eBPF side walks the same tables, grt_bpf_regex.h);
 *  - the NFA program the DFA was built from, which a Pike VM runs for the
 *    leftmost-longest match and its subexpressions (matched(n)).
 *
 * Anchors work as in SystemTap: ^ holds before the first byte, $ after
 * the last; nothing but $ (or the end of the pattern) can follow a $.
 */
enum grt_re_flag {
	GRT_RE_ACCEPT = 1,     /* a match has been seen: the answer is yes */
	GRT_RE_ACCEPT_END = 2, /* a match if the string ends here ($ is satisfied) */
	GRT_RE_DEAD = 4,       /* no match can come any more (anchored patterns) */
};

enum grt_re_op {
	GRT_RE_SET = 1, /* one byte of sets[arg], then pc + 1 */
	GRT_RE_SPLIT,   /* go on at x, or (less preferred) at y */
	GRT_RE_JMP,     /* go on at x */
	GRT_RE_SAVE,    /* record the position in capture slot arg, then pc + 1 */
	GRT_RE_BOL,     /* ^, then pc + 1 */
	GRT_RE_EOL,     /* $, then pc + 1 */
	GRT_RE_MATCH,
};

struct grt_re_inst {
	uint16_t op;  /* enum grt_re_op */
	uint16_t arg; /* SET: set index; SAVE: slot (2 * group, + 1 for its end) */
	uint32_t x, y;
};

struct grt_regex {
	uint32_t nstates, nclasses;
	const uint8_t *cls;   /* [256]: byte -> class */
	const uint16_t *next; /* [nstates * nclasses] */
	const uint8_t *flags; /* [nstates]: enum grt_re_flag */
	uint32_t ninsts, nsets;
	const struct grt_re_inst *insts; /* starts with SAVE 0, ends with SAVE 1, MATCH */
	const uint8_t (*sets)[32];       /* bitmaps of bytes; byte 0 is never in one */
	uint32_t ngroups;                /* subexpressions, counting the whole match as 0 */
};

/* 1 when the pattern occurs in the NUL-terminated s, else 0. */
int grt_regex_test(const struct grt_regex *re, const char *s);
/*
 * The leftmost-longest match in s (len bytes) and its subexpressions:
 * caps[2k], caps[2k + 1] are the start and end offsets of group k, -1
 * when the group took no part.  Of the ways to make that match, the one a
 * backtracking matcher would find first wins (alternatives left to right,
 * repetitions greedy).  Returns 1, 0 (no match; caps untouched) or
 * -ENOMEM.
 */
int grt_regex_exec(const struct grt_regex *re, const char *s, size_t len, int32_t *caps);

/* ---- meta.c: a guest's meta file (docs/guest-meta.md) ---------------------- */

struct grt_meta_global {
	int gid;
	char *name;
	bool kernel;  /* lives in the eBPF object (map or .data) */
	bool array;
	int valtype;  /* GRT_LONG / GRT_STRING / GRT_STATS */
	int nkeys;
	uint8_t keytype[GRT_MAXKEYS];
	struct grt_histspec hist;
	int64_t maxentries;
	bool autoprint;
	bool wrap;
};

struct grt_meta_fmt {
	int id;
	int ntypes;
	uint8_t types[64];
	/*
	 * Per value: -1, or it is a process's address the reader resolves
	 * in this style (enum grt_sym_style; usymfileline() printed from a
	 * kernel probe): its type is GRT_STRING, its record slot two longs,
	 * the process id and the address.
	 */
	int8_t usym[64];
	bool resolves; /* some value is such an address */
	char *text;
	size_t len;
	struct grt_fmt *fmt; /* compiled on load */
};

struct grt_meta_site {
	int id;
	int kind; /* enum th_err_kind */
	char *msg, *near, *where;
};

enum grt_prog_kind {
	GRT_PROG_SYSCALL = 1, /* raw_tp sys_enter/sys_exit */
	GRT_PROG_RAWTP,
	GRT_PROG_TP,
	GRT_PROG_PERF,
	GRT_PROG_KFUNC, /* a kernel function: fentry, fexit, kprobe, kretprobe; an LSM hook (lsm) */
	GRT_PROG_UPROBE, /* a uprobe on a file: an SDT marker */
	GRT_PROG_NETFILTER, /* an eBPF netfilter program on a hook */
	GRT_PROG_BP,        /* a perf breakpoint event per CPU: kernel.data() */
};

struct grt_meta_prog {
	char *name;  /* program name in the object: th_pN */
	int kind;
	char *subsys, *event; /* TP: both; RAWTP: event; KFUNC: the way in, the function;
			       * UPROBE: event is the file's absolute path */
	int64_t uoff, uref;   /* UPROBE: file offsets of the probe and its semaphore (0: none) */
	unsigned char ucheck[8]; /* UPROBE: the bytes at uoff when it was compiled */
	int nucheck;
	bool exit;   /* SYSCALL: sys_exit; UPROBE: a uretprobe */
	int64_t nr;  /* SYSCALL */
	int perf_type;
	int64_t perf_config, sample;
	bool freq;
	bool task;   /* PERF: per-task events on the -c/-x target (perf...process) */
	int nf_pf, nf_hook, nf_prio; /* NETFILTER: protocol family, hook, priority */
	uint64_t bp_addr;  /* BP: the address watched; 0: look event (a symbol) up */
	int bp_len;        /* BP: bytes watched */
	bool bp_rw;        /* BP: reads too */
	int cls;
	char *pp;
	/* UPROBE of a no-trap marker: the format it writes itself (0: none), its names */
	int mark_fmt;
	char *mark_provider, *mark_name;
	/* KFUNC kprobe.multi / kretprobe.multi: its functions, the cookie of each is its index */
	char **funcs;
	int nfuncs;
	/*
	 * UPROBE of a group: one program at many points (a wildcard's), the
	 * cookie of each its index; none: the program's own point above.
	 */
	struct grt_meta_upoint {
		char *path, *pp;
		int64_t uoff, uref;
		unsigned char ucheck[8];
		int nucheck;
	} *upts;
	int nupts;
};

struct grt_meta {
	int64_t maxstr, maxaction, maxmapentries;
	int64_t strlen;    /* MAXSTRINGLEN: strings keep strlen - 1 bytes; maxstr is their buffer */
	int64_t nhandlers; /* kernel probe bodies: frames per CPU */
	bool has_bpf, has_so;
	int nclasses;
	char **classes;
	int nglobals, nfmts, nsites, nprogs;
	struct grt_meta_global *globals; /* indexed by gid */
	struct grt_meta_fmt *fmts;
	struct grt_meta_site *sites;     /* indexed by site id */
	struct grt_meta_prog *progs;
	/* tail-call targets: th_s{e,x}NR run the probes of syscall NR */
	struct grt_meta_tail {
		char *name;
		bool exit;
		int nr;
	} *tails;
	int ntails;
	/* tap -t: the probes of the timing report, in stap's order */
	struct grt_meta_timing {
		bool kernel; /* slot: index in the th_timing map; else in desc->probes */
		int slot;
		char *pp, *where, *from; /* "file:line:col", " from: alias ..." */
	} *timings;
	int ntimings;
	/* process lifecycle probes: the filters the loader fills in (compiler/probe_uproc.c) */
	struct grt_meta_uproc {
		int kind; /* enum grt_uproc_kind */
		int bit;  /* in th_upprocs' values */
		char *path;
		int64_t pid;
	} *uprocs;
	int nuprocs;
	/* perf events of a process (compiler/probe_perf.c) */
	char **perfexes; /* the programs perf...process("PATH") samples: th_perfexe[i] */
	int nperfexes;
	struct grt_meta_perfctr { /* the target's counters, index = @perf's */
		int type;
		int64_t config;
		char *name;
		char *path; /* "" or the program it counts in, which is the target's */
		char *pp;
	} *perfctrs;
	int nperfctrs;
};

enum grt_uproc_kind {
	GRT_UPROC_FILE, /* process("PATH"): the loader stats PATH into th_upfiles */
	GRT_UPROC_PID,  /* process(PID): seeded into th_upprocs */
	GRT_UPROC_TREE, /* process with -c/-x: the target seeded, its children inherit */
};

/* Parse; on error -EINVAL and "line N: reason" in err. */
int grt_meta_parse(const char *text, size_t len, struct grt_meta **ret, char *err, size_t errlen);
int grt_meta_load(const char *path, struct grt_meta **ret, char *err, size_t errlen);
/*
 * A whole regular file of at most max bytes, malloc'd and NUL-terminated
 * (read_file.c): -EINVAL not a regular file, -EFBIG larger, else -errno.
 */
int grt_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
void grt_meta_free(struct grt_meta *m);
const struct grt_meta_fmt *grt_meta_find_fmt(const struct grt_meta *m, int id);
/* Bytes of one array key / value in a kernel map, as the eBPF code lays them out. */
size_t grt_meta_key_size(const struct grt_meta *m, const struct grt_meta_global *g);
size_t grt_meta_val_size(const struct grt_meta *m, const struct grt_meta_global *g);

/* ---- rt.c: one loaded guest's user-side runtime ------------------------------ */

struct grt_rt;
struct grt_guest_desc;
struct th_rec;

enum grt_stream {
	GRT_OUT = 0, /* the session's output: stdout or -o file */
	GRT_MSG = 1, /* ERROR / WARNING lines: stderr */
};

struct grt_rt_opts {
	size_t sz; /* sizeof(struct grt_rt_opts) */
	const struct grt_meta *meta;
	const struct grt_guest_desc *desc; /* NULL without user code */
	void *globals;   /* mmapped kernel-shared scalars, or NULL */
	const int *map_fds; /* per gid: BPF map fd of kernel arrays/aggregates, else -1 */
	int ncpus;       /* possible CPUs, for per-CPU maps */
	int64_t target_pid;
	bool suppress_errors; /* --suppress-handler-errors */
	int64_t maxerrors;
	bool timing;          /* tap -t: time every user probe run */
	/* output sink; len bytes at data; must not fail (it counts its own losses) */
	void (*write)(void *arg, int stream, const char *data, size_t len);
	void *arg;
	/*
	 * What the probes ask of the program, after the probe that asked:
	 * kind TH_FMT_SYSTEM (run text), TH_FMT_PRINTK (log text),
	 * TH_FMT_SWITCH (next output file).  NULL: ignored (the hub's readers).
	 */
	void (*act)(void *arg, int kind, const char *text, size_t len);
	/*
	 * Resolve user stacks with the process's files (libelf).  The hub's
	 * readers do not: running as root, they parse no file a user can
	 * make; their user frames stay hex.
	 */
	bool user_symbols;
};

int grt_rt_new(const struct grt_rt_opts *o, struct grt_rt **ret);
void grt_rt_free(struct grt_rt *rt);
/* Format one record (header + args) to the sink; special records act. */
int grt_rt_record(struct grt_rt *rt, const void *rec, size_t len);
/* Run every user probe of a kind (begin/end/error) in seq order. */
void grt_rt_run_kind(struct grt_rt *rt, int kind);
void grt_rt_run_one(struct grt_rt *rt, int index); /* desc->probes[index] */
/* A timer probe whose timerfd reported that many periods: one run each (at most GRT_TIMER_CATCHUP) */
#define GRT_TIMER_CATCHUP 100
void grt_rt_run_timer(struct grt_rt *rt, int index, uint64_t expirations);
void grt_rt_autoprint(struct grt_rt *rt);
bool grt_rt_exit_requested(const struct grt_rt *rt);
void grt_rt_request_exit(struct grt_rt *rt);
int64_t grt_rt_errors(const struct grt_rt *rt);
int64_t grt_rt_maxstr(const struct grt_rt *rt); /* MAXSTRINGLEN of the guest (its strlen) */
struct grt_tokenizer *grt_rt_tokenizer(struct grt_rt *rt); /* tokenize()'s state */
/* Flush the sink buffer (the runtime batches small writes). */
void grt_rt_flush(struct grt_rt *rt);
/* Does the guest have input probes (input.char, input.line)? */
bool grt_rt_has_input(const struct grt_rt *rt);
/*
 * Bytes read on stdin: each runs the byte input probes, and each line
 * (through its '\n') the line ones; a line keeps its first
 * MAXSTRINGLEN - 1 bytes.  len 0: end of input, nothing more runs.
 */
void grt_rt_input(struct grt_rt *rt, const char *data, size_t len);
/* tap -t: the run times of user probe desc->probes[index] so far. */
struct th_probe_timing;
int grt_rt_probe_timing(const struct grt_rt *rt, int index, struct th_probe_timing *ret);

/* ---- record.c: the record consumer, one record of any kind to text or JSON -- */

/* What records make, by stream: a grt_rt_opts.write (arg: the grt_out) appends here. */
struct grt_out {
	struct grt_buf out; /* output (GRT_OUT) */
	struct grt_buf msg; /* ERROR/WARNING lines (GRT_MSG) */
};

void grt_out_write(void *arg, int stream, const char *data, size_t len);
void grt_out_reset(struct grt_out *o);
void grt_out_free(struct grt_out *o);

struct grt_record_ctx {
	/*
	 * The writing guest's runtime, made with .write = grt_out_write and
	 * .arg = the grt_out given to grt_record_consume (the live session's
	 * writes to its outputs itself, and sets batch); NULL when the
	 * guest's format table is unknown.
	 */
	struct grt_rt *rt;
	const char *cls;      /* the record's class name (loss notices, JSON) */
	bool json;            /* one JSON object a line instead of the text */
	int64_t mono_to_real; /* JSON time: CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	bool batch;           /* the caller flushes rt (the live session batches) */
};

/*
 * One record (header + args, len bytes) to o, whatever its kind (record.c
 * lists them).  0; -ENOENT: it needs a format table and ctx->rt is NULL
 * (nothing appended); -EBADMSG: it does not parse.
 */
int grt_record_consume(const struct grt_record_ctx *c, const void *rec, size_t len,
		       struct grt_out *o);

#endif /* GRT_H */
