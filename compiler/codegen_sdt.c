// SPDX-License-Identifier: MIT
/*
 * The eBPF side of SDT markers (probe_sdt.c): how a program reads an
 * argument from the spec of its note (compiler/sdt.c).
 *
 * A uprobe's context is the probed thread's struct pt_regs, whose layout
 * on x86_64 is the kernel's entry frame, a fixed ABI: the spec's register
 * offsets are used as they are.  The handler runs with regs->ip set back
 * to the probed instruction, the marker's address, so %rip-relative
 * operands are that ip plus a distance the compiler worked out from the
 * file.  Memory operands are read with bpf_probe_read_user; a fault is the
 * runtime error "user read fault", as with stap.
 */
#include "compiler/codegen.h"
#include "taphub/record.h"

#define PT_REGS_IP 128

static const char *reg(struct gen *G, int off)
{
	return cg_fmt(G, "(*(__u64 *)((char *)ctx + %d))", off);
}

/* v of a spec's size, sign-extended where the size is negative */
static int64_t truncate_imm(int64_t v, int size, bool is_signed)
{
	switch (size) {
	case 1:
		return is_signed ? (int64_t)(int8_t)v : (int64_t)(uint8_t)v;
	case 2:
		return is_signed ? (int64_t)(int16_t)v : (int64_t)(uint16_t)v;
	case 4:
		return is_signed ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v;
	default:
		return v;
	}
}

const char *cg_sdt_target(struct gen *G, struct cc_node *n)
{
	const struct cc_sdt_arg *a = n->aux;
	const char *cast = cg_int_cast(a->size, a->is_signed), *addr;
	int u, site;

	switch (a->kind) {
	case CC_SDT_IMM:
		return cg_num(G, truncate_imm(a->val, a->size, a->is_signed));
	case CC_SDT_REG:
		return cg_fmt(G, "(%s(%s >> %d))", cast, reg(G, a->reg), a->shift);
	default:
		break;
	}
	addr = cg_fmt(G, "(__u64)%lldLL", (long long)a->val);
	if (a->reg >= 0)
		addr = cg_fmt(G, "%s + %s", reg(G, a->rip ? PT_REGS_IP : a->reg), addr);
	if (a->index >= 0)
		addr = cg_fmt(G, "%s + %s * %d", addr, reg(G, a->index), a->scale);
	u = cg_uniq(G);
	site = cg_add_site(G, TH_ERR_STRREAD, "user read fault",
			   cg_fmt(G, "identifier '$%s'", n->name), &n->loc);
	return cg_fmt(G,
		      "({ __u64 v%d = 0; if (bpf_probe_read_user(&v%d, %d, (void *)(%s))) %s; "
		      "%sv%d; })",
		      u, u, a->size, addr, cg_err_set(G, site), cast, u);
}
