// SPDX-License-Identifier: MIT
/*
 * The eBPF side of user-space variables from DWARF (dwarf.c): a read's
 * stack program (struct cc_uloc) as one C statement expression.
 *
 * The stack is a handful of __u64 locals, one per depth, so the C is
 * straight-line: registers come from the uprobe's struct pt_regs (ctx), a
 * link-time address is the probed instruction's run-time address (regs->ip)
 * plus its distance from the probe, memory is read with
 * bpf_probe_read_user (th_read_mem).  A read that faults is the run-time
 * error "user read fault" naming the variable, as stap's; the chain goes
 * on with 0, and the error ends the probe's run.
 */
#include "compiler/codegen.h"
#include "taphub/record.h"

#define PT_REGS_IP 128
/* Depth of the stack a location may use: DWARF locations use two or three. */
#define UVAR_MAX_DEPTH 8

const char *cg_uvar_target(struct gen *G, struct cc_node *n)
{
	const struct cc_uread *rd = n->aux;
	const struct cc_uloc *l = &rd->loc;
	int u = cg_uniq(G), sp = 0, i, site;
	char *code;

	site = cg_add_site(G, TH_ERR_STRREAD, "user read fault",
			   cg_fmt(G, "identifier '$%s'", n->name), &n->loc);
	code = cg_fmt(G, "({ __u64 u%d_s[%d] = {}; ", u, UVAR_MAX_DEPTH);
	for (i = 0; i < l->nops; i++) {
		const struct cc_uop *o = &l->ops[i];
		const char *top = cg_fmt(G, "u%d_s[%d]", u, sp - 1);
		const char *under = cg_fmt(G, "u%d_s[%d]", u, sp - 2);

		switch (o->op) {
		case CC_UOP_REG:
		case CC_UOP_CONST:
		case CC_UOP_PCREL:
		case CC_UOP_ARG:
			if (sp == UVAR_MAX_DEPTH) {
				cc_error_at(&G->cx->diag, &n->loc, "'$%s': its location needs too deep a stack",
					    n->name);
				return "0";
			}
			top = cg_fmt(G, "u%d_s[%d]", u, sp++);
			if (o->op == CC_UOP_ARG)
				code = cg_fmt(G, "%s%s = (__u64)(%s); ", code, top, cg_ex(G, n->lhs));
			else if (o->op == CC_UOP_CONST)
				code = cg_fmt(G, "%s%s = (__u64)%lldLL; ", code, top, (long long)o->val);
			else
				code = cg_fmt(G, "%s%s = *(__u64 *)((char *)ctx + %d)%s; ", code, top,
					      o->op == CC_UOP_REG ? (int)o->val : PT_REGS_IP,
					      o->op == CC_UOP_PCREL
						  ? cg_fmt(G, " + (__u64)%lldLL", (long long)o->val)
						  : "");
			break;
		case CC_UOP_PLUS:
			code = cg_fmt(G, "%s%s += (__u64)%lldLL; ", code, top, (long long)o->val);
			break;
		case CC_UOP_ADD:
		case CC_UOP_SUB:
			code = cg_fmt(G, "%s%s %s= %s; ", code, under, o->op == CC_UOP_ADD ? "+" : "-", top);
			sp--;
			break;
		case CC_UOP_DEREF:
			code = cg_fmt(G, "%s%s = th_read_mem(H, %s, %d, true, %d); ", code, top, top,
				      (int)o->val, site);
			break;
		case CC_UOP_INDEX:
			code = cg_fmt(G, "%s%s += (__u64)(%s) * %lld; ", code, top, cg_ex(G, n->args[o->idx]),
				      (long long)o->val);
			break;
		}
		if (sp < 1) {
			cc_error_at(&G->cx->diag, &n->loc, "'$%s': its location uses an empty stack",
				    n->name);
			return "0";
		}
	}
	return cg_fmt(G, "%s%su%d_s[%d]; })", code, cg_int_cast(l->size, l->is_signed), u, sp - 1);
}
