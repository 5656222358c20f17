/* SPDX-License-Identifier: MIT */
/*
 * For the tests with real BPF rings (root only): a tiny
 * BPF_PROG_TYPE_SYSCALL program, run with BPF_PROG_TEST_RUN, that writes
 * one record into a ring as a probe would: reserve, fill, then commit or
 * discard.
 */
#ifndef TEST_RING_WRITER_H
#define TEST_RING_WRITER_H

#include <stdint.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "taphub/record.h"

/* The context the test passes to the program. */
struct wctx {
	uint32_t n;       /* the record's number: its ts and payload */
	uint32_t discard; /* discard instead of submit */
	uint32_t fmt;     /* the header's fmt, cls and flags word: fmt | cls << 16 */
	uint32_t guest;
};

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/*
 * A program that reserves len bytes in ring map_fd and writes a record
 * header (size 40, fmt and guest from the context, ts n) and the payload
 * n into it.
 */
static inline int load_writer(int map_fd, uint32_t len)
{
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),         /* r6 = ctx */
		INSN(BPF_LDX | BPF_MEM | BPF_W, 7, 6, 0, 0),           /* r7 = n */
		INSN(BPF_LDX | BPF_MEM | BPF_W, 8, 6, 4, 0),           /* r8 = discard */
		INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int)len),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 15, 0),          /* NULL: to the exit */
		INSN(BPF_ST | BPF_MEM | BPF_W, 0, 0, 0, 40),           /* size */
		INSN(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 8, 0),
		INSN(BPF_STX | BPF_MEM | BPF_W, 0, 1, 4, 0),           /* fmt, cls, flags */
		INSN(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 12, 0),
		INSN(BPF_STX | BPF_MEM | BPF_W, 0, 1, 8, 0),           /* guest */
		INSN(BPF_ST | BPF_MEM | BPF_W, 0, 0, 12, 0),           /* cpu */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 0, 0, 16, 0),          /* seq */
		INSN(BPF_STX | BPF_MEM | BPF_DW, 0, 7, 24, 0),         /* ts = n */
		INSN(BPF_STX | BPF_MEM | BPF_DW, 0, 7, 32, 0),         /* payload = n */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 8, 0, 2, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_submit),
		INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_discard),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_SLEEPABLE);

	return bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "th_test_writer", "Dual MIT/GPL", p,
			     sizeof(p) / sizeof(p[0]), &o);
}

/* Run writer prog: record n (fmt word, guest), committed or discarded; 0 or -errno. */
static inline int write_record(int prog, uint32_t n, bool discard, uint32_t fmt, uint32_t guest)
{
	struct wctx w = { .n = n, .discard = discard, .fmt = fmt, .guest = guest };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = &w, .ctx_size_in = sizeof(w));

	return bpf_prog_test_run_opts(prog, &t);
}

#endif /* TEST_RING_WRITER_H */
