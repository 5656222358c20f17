// SPDX-License-Identifier: MIT
/*
 * The eBPF side of kernel function probes (probe_kfunc.c): where a
 * program attaches, and how it reads a parameter or the return value.
 *
 * An fentry/fexit program's context is the function's arguments as an
 * array of u64, then (fexit) the return value: ctx[i] is a constant
 * offset the verifier checks against the prototype.  A kprobe's context
 * is the struct pt_regs of the call, where x86_64 passes the first six
 * arguments in di, si, dx, cx, r8, r9 and returns in ax.  That layout is
 * the kernel's entry frame, a fixed ABI on x86_64 (arch/x86/include/asm/
 * ptrace.h), so its offsets are written here, not relocated.
 *
 * An LSM probe (probe_lsm.c) is a program of its own type on the hook's
 * stub, with fentry's context: the arguments, then the verdict of the
 * programs before it.  Its arguments are read as numbers through
 * th_rawarg_num(): loaded from ctx, a pointer would be a PTR_TO_BTF_ID,
 * which the verifier keeps out of the arithmetic a script does with it.
 */
#include <string.h>

#include "compiler/codegen.h"

/* offsets in x86_64's struct pt_regs: di si dx cx r8 r9, and ax */
static const int pt_regs_arg[] = { 112, 104, 96, 88, 72, 64 };
#define PT_REGS_AX 80

const char *cg_kfunc_way(const struct cc_dprobe *d)
{
	if (d->lsm)
		return "lsm";
	if (d->kprobe)
		return d->kret ? "kretprobe" : "kprobe";
	return d->kret ? "fexit" : "fentry";
}

const char *cg_kfunc_section(struct gen *G, const struct cc_dprobe *d)
{
	/* lsm/HOOK: libbpf finds the stub bpf_lsm_HOOK */
	if (d->lsm)
		return cg_fmt(G, "lsm/%s", d->func + strlen("bpf_lsm_"));
	return cg_fmt(G, "%s/%s", cg_kfunc_way(d), d->func);
}

const char *cg_kfunc_target(struct gen *G, struct cc_node *n)
{
	const struct cc_dprobe *d = G->probe;
	const struct cc_kfunc_arg *a = n->aux;
	const char *raw, *cast;

	if (a->idx == CC_LSM_CTX)
		return "((__s64)th_ctx_addr(ctx))";
	if (a->idx == CC_LSM_RETURN)
		return "th_verdict"; /* the handler's local (codegen_kernel.c) */
	if (d->lsm)
		raw = cg_fmt(G, "th_rawarg_num(ctx, %d)", a->idx < 0 ? d->nkargs : a->idx);
	else if (d->kprobe)
		raw = cg_fmt(G, "(*(__u64 *)((char *)ctx + %d))",
			     a->idx < 0 ? PT_REGS_AX : pt_regs_arg[a->idx]);
	else
		/* fexit: the return value follows the arguments */
		raw = cg_fmt(G, "((__u64 *)ctx)[%d]", a->idx < 0 ? d->nkargs : a->idx);
	switch (a->size) {
	case 1:
		cast = a->is_signed ? "(__s64)(__s8)" : "(__s64)(__u8)";
		break;
	case 2:
		cast = a->is_signed ? "(__s64)(__s16)" : "(__s64)(__u16)";
		break;
	case 4:
		cast = a->is_signed ? "(__s64)(__s32)" : "(__s64)(__u32)";
		break;
	default:
		cast = "(__s64)";
		break;
	}
	return cg_fmt(G, "(%s%s)", cast, raw);
}
