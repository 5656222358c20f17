// SPDX-License-Identifier: MIT
/*
 * Kernel memory for user-context code: task_current(), kernel_long(),
 * kernel_string() and @cast(p, "T")->chain in begin, end, error and timer
 * probes, where stap's probes run in the kernel and ours run in the runner.
 *
 * The runner cannot read kernel memory itself.  A BPF_PROG_TYPE_SYSCALL
 * program can (bpf_probe_read_kernel), and BPF_PROG_TEST_RUN runs it
 * synchronously in the caller's own task: one bpf(2) call per read, no
 * attach, nothing left in the kernel when the runner exits.  Its context
 * is a struct kread_ctx the caller fills (address, length) and the kernel
 * copies back (error, current task); the bytes land in a one-element
 * array map the runner has mmap()ed (a helper may not write into a
 * syscall program's context).  Built lazily on the first read, so a guest
 * that never reads the kernel from user context costs nothing; a kernel
 * without syscall programs (before 5.14) makes every read a runtime error
 * saying why, once.
 *
 * task_current() is the runner's task: stap's begin probes run in the
 * context of the process that started the session, and pid() there is
 * stp_pid(), the runner.  Not thread-safe: a runtime's user-context
 * handlers run one at a time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "guest-runtime/rt_internal.h"

#define KREAD_BUF 4096u /* bytes one run reads: a string, a struct member */

struct kread_ctx {
	uint64_t addr; /* in: what to read */
	uint32_t len;  /* in: how many bytes (<= KREAD_BUF) */
	int32_t err;   /* out: bpf_probe_read_kernel's result */
	uint64_t task; /* out: bpf_get_current_task() */
};

struct grt_kread {
	int prog_fd, map_fd;
	unsigned char *buf; /* the map's value, mmap()ed */
	int err;            /* set up failed: -errno */
	bool said;          /* and the warning about it was given */
};

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int kread_setup(struct grt_kread *k)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = KREAD_BUF;
	a.max_entries = 1;
	a.map_flags = BPF_F_MMAPABLE;
	k->map_fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (k->map_fd < 0)
		return -errno;
	k->buf = mmap(NULL, KREAD_BUF, PROT_READ, MAP_SHARED, k->map_fd, 0);
	if (k->buf == MAP_FAILED) {
		k->buf = NULL;
		return -errno;
	}
	{
		/*
		 * r6 = ctx; ctx->task = current; r1 = &value (ld_imm64 of the
		 * map's value); r2 = ctx->len, bounded for the verifier;
		 * ctx->err = bpf_probe_read_kernel(r1, r2, ctx->addr)
		 */
		struct bpf_insn p[] = {
			INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task),
			INSN(BPF_STX | BPF_MEM | BPF_DW, 6, 0, 16, 0),
			INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_VALUE, 0, k->map_fd),
			INSN(0, 0, 0, 0, 0),
			INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 8, 0),
			INSN(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 4, KREAD_BUF),
			INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0),
			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel),
			INSN(BPF_STX | BPF_MEM | BPF_W, 6, 0, 12, 0),
			INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};

		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SYSCALL;
		a.insns = (uint64_t)(uintptr_t)p;
		a.insn_cnt = sizeof(p) / sizeof(p[0]);
		a.license = (uint64_t)(uintptr_t) "GPL";
		a.prog_flags = BPF_F_SLEEPABLE;
		memcpy(a.prog_name, "th_kread", sizeof("th_kread"));
		k->prog_fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
		if (k->prog_fd < 0)
			return -errno;
	}
	return 0;
}

void grt_kread_free(struct grt_kread *k)
{
	if (!k)
		return;
	if (k->buf)
		munmap(k->buf, KREAD_BUF);
	if (k->prog_fd >= 0)
		close(k->prog_fd);
	if (k->map_fd >= 0)
		close(k->map_fd);
	free(k);
}

/* One run: ctx in and out; the bytes, if any, in k->buf. */
static int kread_run(struct grt_rt *rt, uint64_t addr, uint32_t len, uint64_t *ret_task)
{
	struct grt_kread *k = rt->kread;
	struct kread_ctx c = { .addr = addr, .len = len };
	union bpf_attr a;

	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		k->prog_fd = k->map_fd = -1;
		k->err = kread_setup(k);
		rt->kread = k;
	}
	if (k->err)
		return k->err;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)k->prog_fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)&c;
	a.test.ctx_size_in = sizeof(c);
	if (sys_bpf(BPF_PROG_TEST_RUN, &a))
		return -errno;
	if (ret_task)
		*ret_task = c.task;
	return len ? c.err : 0;
}

/*
 * Why every read fails when the reader could not be made: said once, on
 * the session's message stream (after its output so far, as rt.c's
 * messages are).
 */
static void kread_said(struct grt_uctx *u, int err)
{
	struct grt_rt *rt = u->rt;
	struct grt_kread *k = rt->kread;
	const char *m;

	if (!k || !k->err || k->err != err || k->said)
		return;
	k->said = true;
	m = err == -EINVAL || err == -EPERM
		    ? "WARNING: kernel reads in user context need BPF syscall programs (Linux "
		      "5.14+, CAP_BPF): they read as errors here\n"
		    : "WARNING: kernel reads in user context: the BPF reader could not be made: "
		      "they read as errors here\n";
	flush(rt);
	rt->o.write(rt->o.arg, GRT_MSG, m, strlen(m));
}

int64_t grt_task_current(struct grt_uctx *u)
{
	uint64_t task = 0;

	if (kread_run(u->rt, 0, 0, &task))
		return 0;
	return (int64_t)task;
}

int64_t grt_kread_int(struct grt_uctx *u, uint64_t addr, int size, int is_signed, int64_t site)
{
	int r = kread_run(u->rt, addr, (uint32_t)size, NULL);
	const unsigned char *b = u->rt->kread ? u->rt->kread->buf : NULL;

	if (r || !b) {
		kread_said(u, r);
		if (!u->err)
			u->err = site + 1;
		return 0;
	}
	switch (size) {
	case 1:
		return is_signed ? (int64_t)(int8_t)b[0] : (int64_t)b[0];
	case 2: {
		uint16_t v;

		memcpy(&v, b, 2);
		return is_signed ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;

		memcpy(&v, b, 4);
		return is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default: {
		uint64_t v;

		memcpy(&v, b, 8);
		return (int64_t)v;
	}
	}
}

char *grt_kread_str(struct grt_uctx *u, char *dst, uint64_t addr, int64_t maxlen)
{
	size_t cap = u->rt->meta->maxstr, n = 0;

	dst[0] = 0;
	if (maxlen > 0 && (size_t)maxlen + 1 < cap)
		cap = (size_t)maxlen + 1;
	/*
	 * A string may end just before an unmapped page: read it in pieces
	 * that do not cross a page, as the kernel's string copy does.
	 */
	while (n + 1 < cap) {
		uint32_t piece = 4096u - (uint32_t)((addr + n) & 4095u);
		const unsigned char *b;
		size_t i;
		int r;

		if (piece > cap - 1 - n)
			piece = (uint32_t)(cap - 1 - n);
		r = kread_run(u->rt, addr + n, piece, NULL);
		if (r && !n) {
			kread_said(u, r);
			return NULL;
		}
		if (r)
			break;
		b = u->rt->kread->buf;
		for (i = 0; i < piece && b[i]; i++)
			dst[n + i] = (char)b[i];
		n += i;
		dst[n] = 0;
		if (i < piece)
			break;
	}
	return dst;
}
