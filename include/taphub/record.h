/* SPDX-License-Identifier: MIT */
/*
 * The record: the one binary event layout shared by the eBPF side (which
 * writes records into a class's ring), the hub's drain and class store
 * (which copies them), trace files and every reader.
 *
 * A record is a fixed 32-byte header followed by the packed arguments of
 * its format.  Arguments are packed in the order of the format's argument
 * types, without padding:
 *
 *   long    8 bytes, little endian, two's complement
 *   string  u16 length n, then n bytes (no NUL), n <= MAXSTRINGLEN - 1
 *
 * The total size is rounded up to a multiple of 8 (TH_REC_ALIGN); the pad
 * bytes are zero.  Records never contain pointers: everything a reader
 * needs is in the record and the guest's format table.
 *
 * This header is included from eBPF C (clang -target bpf) and from user C,
 * so it only uses the __u* types of <linux/types.h>.
 */
#ifndef TAPHUB_RECORD_H
#define TAPHUB_RECORD_H

#include <linux/types.h>

#define TH_REC_ALIGN 8u
#define TH_REC_MAX 65528u /* largest record, header included */

struct th_rec {
	__u32 size;  /* bytes, header included, multiple of TH_REC_ALIGN */
	__u16 fmt;   /* format id: TH_FMT_* below, or a guest format */
	__u8 cls;    /* class index within the guest's class table */
	__u8 flags;  /* TH_RECF_* */
	__u32 guest; /* guest id: 0 for the single guest of a local session */
	__u32 cpu;   /* CPU the probe ran on */
	__u64 seq;   /* class sequence, assigned by the drain (0 in the ring) */
	__u64 ts;    /* CLOCK_MONOTONIC nanoseconds when the probe ran */
};

/*
 * Format ids below TH_FMT_FIRST are records the runtime itself emits; the
 * compiler numbers a guest's own formats from TH_FMT_FIRST up.
 */
enum th_fmt_special {
	TH_FMT_NONE = 0,
	TH_FMT_EXIT = 1,      /* exit() was called: no arguments */
	TH_FMT_ERROR = 2,     /* runtime error: long site id, string message */
	TH_FMT_PRINTSTAT = 3, /* print a stats/array global: long global id, long hist kind */
	TH_FMT_WARN = 4,      /* warn(msg): string message */
	TH_FMT_LOST = 5,      /* lost-record marker: long count (stores and traces only) */
	TH_FMT_TEXT = 6,      /* output a runner produced: string (already formatted) */
	/* trace files only (docs/trace-format.md): u32 length, u32 aux, bytes */
	TH_FMT_META = 7,      /* the guest's format table (guest.meta text) */
	TH_FMT_INFO = 8,      /* "key=value" lines about the trace */
	TH_FMT_CLASS = 9,     /* aux = class index, bytes = its name */
	/* what the probes ask of the reader (docs/language.md, "Functions") */
	TH_FMT_STACK = 10,    /* print a stack: long flags (TH_STACK_*), long pid, long n, n longs (addresses) */
	TH_FMT_SYSTEM = 11,   /* system(cmd): string; the runner runs it, never the hub */
	TH_FMT_PRINTK = 12,   /* printk(level, msg): long, string, for the kernel log (/dev/kmsg) */
	TH_FMT_SWITCH = 13,   /* switch_file(): no arguments */
	TH_FMT_FIRST = 16,
};

/* Runtime error kinds carried in TH_FMT_ERROR's site table (see meta). */
enum th_err_kind {
	TH_ERR_USER = 0,    /* error("...") called by the script */
	TH_ERR_DIVZERO = 1, /* division or modulo by 0 */
	TH_ERR_OVERFLOW = 2, /* array full (MAXMAPENTRIES) */
	TH_ERR_MAXACTION = 3, /* too many loop iterations (MAXACTION) */
	TH_ERR_STRREAD = 4, /* bad kernel/user string or memory read */
	TH_ERR_NOSTAT = 5,  /* extractor on an empty aggregate */
	TH_ERR_NOKEY = 6,   /* reading an element that is not there, where fatal */
};

/* Frames of a backtrace and of a TH_FMT_STACK record, stap's MAXBACKTRACE. */
#define TH_MAXBACKTRACE 20

/* A TH_FMT_STACK record's flags. */
#define TH_STACK_USER 0x1  /* a process's stack (else the kernel's) */
#define TH_STACK_LINES 0x2 /* with source lines: print_*backtrace_fileline() */

#define TH_RECF_TRUNC 0x01 /* a string argument was truncated */
/*
 * ts is the CPU's time-stamp counter, not nanoseconds: a no-trap marker's
 * record in its ring (taphub/marker.h); the session converts it and clears
 * the flag before anyone else sees the record
 */
#define TH_RECF_TSC 0x02

/* Per-class counters, one slot per CPU in the guest's th_counters map. */
struct th_class_counters {
	__u64 written;  /* unused (0): the drain and the stores count records */
	__u64 dropped;  /* reservations that failed: ring full */
	__u64 errors;   /* handler errors (all kinds) */
	__u64 skipped;  /* handler runs skipped by the kernel (recursion) */
};

#define TH_MAX_CLASSES 16

/*
 * A guest's read-only configuration, set by the loader before the eBPF
 * object is loaded (the .rodata.th_cfg section).
 */
struct th_config {
	__u64 target_pid;   /* target(): -x PID or the -c child */
	__s64 realtime_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC at load, ns */
	__u32 ncpus;        /* possible CPUs: frames are ncpus * handlers */
	__u32 guest_id;
	__s64 maxerrors;    /* errors tolerated before the probes stop; -1: never */
	__s64 tz_off;       /* local time minus UTC, seconds (tz_ctime) */
	char tz_name[8];    /* local time zone abbreviation */
	__u64 loader_pid;   /* stp_pid(): the process that loaded the guest (tap, or taphubd for -F) */
};

/*
 * Writable control of a guest (the .data.th_ctl section, mapped by the
 * runner too): once stop is set, every probe returns at once.  The probes
 * set it themselves on exit() and on the error past maxerrors, so nothing
 * more is recorded while the runner catches up, as stap stops its probes.
 */
struct th_control {
	__u32 stop;
	__u32 pad;
	__u64 errors;
};

/*
 * Process lifecycle probes (process.begin, .end, .thread.*): the maps the
 * loader fills before attaching and the eBPF side reads.  th_upfiles maps
 * a program file (struct th_upfile: the kernel's dev_t of its super block
 * and its inode number) to the filter bits of process("PATH") probes;
 * th_upprocs maps a tgid to the bits of the filters its process matches
 * (its program, its pid, being in -c/-x's tree).  Bit TH_UPROC_HELD marks
 * the -c child held before its exec: that exec is its begin, the image
 * before it (tap's own) neither began nor ends.
 */
#define TH_UPROC_MAX_FILTERS 63
#define TH_UPROC_HELD (1ULL << 63)
#define TH_UPROC_MAX_FILES 64
/* processes tracked at once: each entry is the tgid and 8 bytes of bits */
#define TH_UPROC_MAX_PROCS 32768

struct th_upfile {
	__u64 dev; /* MKDEV(major, minor) as the kernel encodes it: major << 20 | minor */
	__u64 ino;
};

/*
 * Perf events of a process (compiler/probe_perf.c): th_perfexe[i] is the
 * program file (a struct th_upfile) perf.*.process("PATH") samples are
 * filtered on; th_perfctrs holds the target's counters, a slot of one
 * event per counter for each thread (index slot * counters + counter),
 * and th_perftasks maps a tid to its slot.  Each is a file descriptor of
 * the loader: 16 counters of 128 threads are 2048.
 */
#define TH_PERF_MAX_EXES 16
#define TH_PERF_MAX_COUNTERS 16
#define TH_PERF_MAX_TASKS 128

#endif /* TAPHUB_RECORD_H */
