// SPDX-License-Identifier: MIT
/*
 * Uprobes through uprobe_multi links (Linux 6.6+), not perf events.
 *
 * A uprobe attached as a perf event is detached under the kernel's
 * trace-event mutex, and each detach waits there for a grace period
 * (about 0.12 s on this machine's 6.18): the 1,097 uprobes of SystemTap's
 * ltrace.stp on ls took two minutes to detach, one after another, however
 * many threads closed them.  A BPF_TRACE_UPROBE_MULTI link holds no such
 * mutex, and one link serves every point of a file that a program
 * probes (hub/guest.c's attach_uprobes), so it waits once per file.  libbpf 1.1 knows neither the attach
 * type nor its part of union bpf_attr, so both are the kernel's numbers
 * (include/uapi/linux/bpf.h) and the link is made by bpf(2) itself.
 * The program must be loaded with that expected attach type, so the
 * choice is made before the object is loaded, by asking the kernel once.
 * TAPHUB_UPROBE=perf keeps the perf-event way (for tests of both).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"

#define UMULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
#define UMULTI_RETURN 1u      /* BPF_F_UPROBE_MULTI_RETURN */

/* union bpf_attr's link_create with its uprobe_multi member */
struct umulti_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t umulti_flags;
	uint32_t pid;
};

/* A link at n points of one file, cookies first .. first + n - 1. */
static int umulti_create(int prog_fd, const char *path, const uint64_t *offs, const uint64_t *refs,
			 const uint64_t *cookies, uint32_t n, bool ret)
{
	struct umulti_attr a = {
		.prog_fd = (uint32_t)prog_fd,
		.attach_type = UMULTI_ATTACH_TYPE,
		.path = (uint64_t)(uintptr_t)path,
		.offsets = (uint64_t)(uintptr_t)offs,
		.ref_ctr_offsets = (uint64_t)(uintptr_t)refs,
		.cookies = (uint64_t)(uintptr_t)cookies,
		.cnt = n,
		.umulti_flags = ret ? UMULTI_RETURN : 0,
	};
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));

	return fd < 0 ? -errno : fd;
}

/*
 * Does this kernel make uprobe_multi links?  A program of that attach
 * type linked to a path that does not exist: ENOENT where the kernel
 * looked the path up, EINVAL where it does not know the attach type.
 */
static bool umulti_probe(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = (enum bpf_attach_type)UMULTI_ATTACH_TYPE);
	uint64_t off = 0;
	int pfd, r;

	pfd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "th_umulti", "GPL", insns, 2, &o);
	if (pfd < 0)
		return false;
	r = umulti_create(pfd, "/nonexistent/taphub-uprobe-multi-probe", &off, NULL, NULL, 1, false);
	if (r >= 0)
		close(r);
	close(pfd);
	return r == -ENOENT;
}

bool hub_umulti_supported(void)
{
	static int known; /* 0: not asked yet, 1: yes, -1: no */
	const char *force = getenv("TAPHUB_UPROBE");

	if (force && !strcmp(force, "perf"))
		return false;
	if (!known)
		known = umulti_probe() ? 1 : -1;
	return known > 0;
}

int hub_umulti_prepare(const struct grt_meta *m, struct bpf_object *obj)
{
	int i, r;

	if (!hub_umulti_supported())
		return 0;
	for (i = 0; i < m->nprogs; i++) {
		const struct grt_meta_prog *p = &m->progs[i];
		struct bpf_program *prog;

		if (p->kind != GRT_PROG_UPROBE)
			continue;
		prog = bpf_object__find_program_by_name(obj, p->name);
		if (!prog)
			return -ENOENT;
		r = bpf_program__set_expected_attach_type(
			prog, (enum bpf_attach_type)UMULTI_ATTACH_TYPE);
		if (r)
			return r;
	}
	return 1;
}

int hub_umulti_link(int prog_fd, const struct grt_meta_upoint *pts, int n, int first, bool ret)
{
	uint64_t *offs = calloc((size_t)n, 3 * sizeof(uint64_t)), *refs, *cookies;
	int i, r;

	if (!offs)
		return -ENOMEM;
	refs = offs + n;
	cookies = refs + n;
	for (i = 0; i < n; i++) {
		offs[i] = (uint64_t)pts[i].uoff;
		refs[i] = (uint64_t)pts[i].uref;
		cookies[i] = (uint64_t)(first + i);
	}
	r = umulti_create(prog_fd, pts[0].path, offs, refs, cookies, (uint32_t)n, ret);
	free(offs);
	return r;
}
