// SPDX-License-Identifier: MIT
/*
 * register("rdi"), u_register("eax"), and int_arg(N)... in a uprobe or a
 * kernel function's probe: the probed thread's registers, read from the
 * probe's struct pt_regs (an fentry/fexit program has the function's
 * arguments as an array of u64 instead, as many as its prototype has).
 *
 * A uprobe's context is that pt_regs (the user's registers at the probed
 * instruction), and a perf event's starts with it (struct
 * bpf_perf_event_data): x86-64's entry frame, a fixed ABI, so the offsets
 * are constants. The names are stap's (its x86_64 registers.stp): the
 * 64-bit ones, their 32-, 16- and 8-bit parts (eax, ax, al, ah); register()
 * sign-extends a part, u_register() does not. The verifier takes only
 * aligned 8-byte loads of the context, so a part is the containing
 * register shifted and truncated.
 */
#include <string.h>

#include "compiler/codegen.h"

static const struct {
	const char *name;
	int off, bits, shift;
} regs[] = {
	{ "r15", 0, 64, 0 },	  { "r14", 8, 64, 0 },	    { "r13", 16, 64, 0 },
	{ "r12", 24, 64, 0 },	  { "rbp", 32, 64, 0 },	    { "rbx", 40, 64, 0 },
	{ "r11", 48, 64, 0 },	  { "r10", 56, 64, 0 },	    { "r9", 64, 64, 0 },
	{ "r8", 72, 64, 0 },	  { "rax", 80, 64, 0 },	    { "rcx", 88, 64, 0 },
	{ "rdx", 96, 64, 0 },	  { "rsi", 104, 64, 0 },    { "rdi", 112, 64, 0 },
	{ "orig_rax", 120, 64, 0 }, { "rip", 128, 64, 0 },  { "xcs", 136, 64, 0 },
	{ "eflags", 144, 64, 0 }, { "rsp", 152, 64, 0 },    { "xss", 160, 64, 0 },
	{ "ebp", 32, 32, 0 },	  { "ebx", 40, 32, 0 },	    { "eax", 80, 32, 0 },
	{ "ecx", 88, 32, 0 },	  { "edx", 96, 32, 0 },	    { "esi", 104, 32, 0 },
	{ "edi", 112, 32, 0 },	  { "orig_eax", 120, 32, 0 }, { "eip", 128, 32, 0 },
	{ "esp", 152, 32, 0 },	  { "bp", 32, 16, 0 },	    { "bx", 40, 16, 0 },
	{ "ax", 80, 16, 0 },	  { "cx", 88, 16, 0 },	    { "dx", 96, 16, 0 },
	{ "si", 104, 16, 0 },	  { "di", 112, 16, 0 },	    { "orig_ax", 120, 16, 0 },
	{ "ip", 128, 16, 0 },	  { "cs", 136, 16, 0 },	    { "flags", 144, 16, 0 },
	{ "sp", 152, 16, 0 },	  { "ss", 160, 16, 0 },	    { "al", 80, 8, 0 },
	{ "ah", 80, 8, 8 },	  { "bl", 40, 8, 0 },	    { "bh", 40, 8, 8 },
	{ "cl", 88, 8, 0 },	  { "ch", 88, 8, 8 },	    { "dl", 96, 8, 0 },
	{ "dh", 96, 8, 8 },
};

/* a function's arguments, as the x86-64 SysV ABI passes them */
static const int abi_args[] = { 112, 104, 96, 88, 72, 64 };

static const char *load(struct gen *G, int off)
{
	return cg_fmt(G, "(*(__u64 *)((char *)ctx + %d))", off);
}

const char *cg_register(struct gen *G, struct cc_node *n, bool sign)
{
	struct cc_ctx *cx = G->cx;
	int kind = G->probe ? G->probe->kind : 0;
	const char *name;
	size_t i;

	if (kind != PK_UPROBE && kind != PK_PERF && kind != PK_PROFILE) {
		cc_error_at(&cx->diag, &n->loc,
			    "%s() reads the registers of a process(...) probe or of a perf or "
			    "timer.profile sample, not of %s",
			    n->name, G->probe ? G->probe->pp : "a function");
		return "0";
	}
	if (n->args[0]->kind != N_STR) {
		cc_error_at(&cx->diag, &n->args[0]->loc,
			    "%s() takes the register's name as a string literal", n->name);
		return "0";
	}
	name = n->args[0]->str;
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (!strcmp(regs[i].name, name))
			break;
	if (i == sizeof(regs) / sizeof(regs[0])) {
		cc_error_at(&cx->diag, &n->args[0]->loc, "unknown register '%s' (x86-64: rax, eax, "
			    "ax, al, ... r8-r15, rip, rsp, eflags)", name);
		return "0";
	}
	if (regs[i].bits == 64)
		return cg_fmt(G, "((__s64)%s)", load(G, regs[i].off));
	return cg_fmt(G, "((__s64)(%s%d)(%s >> %d))", sign ? "__s" : "__u", regs[i].bits,
		      load(G, regs[i].off), regs[i].shift);
}

const char *cg_uprobe_arg(struct gen *G, struct cc_node *n, const char *cast)
{
	const char *idx = cg_ex(G, n->args[0]);
	const char *v = "0";
	int u = cg_uniq(G), k;

	struct cc_dprobe *d = G->probe;
	bool array = d->kind == PK_KFUNC && !d->kprobe;

	/*
	 * A kretprobe's or uretprobe's registers are the return's: the
	 * argument registers hold whatever the function left there.  With a
	 * number N, entry.c made this an @entry(int_arg(N)); any other N
	 * cannot be read at the entry, where its value is not known.
	 */
	if ((d->kind == PK_KFUNC && d->kret && d->kprobe) || (d->kind == PK_UPROBE && d->uret)) {
		cc_error_at(&G->cx->diag, &n->loc,
			    "%s() in the return probe '%s' would read the registers of the return, "
			    "which no longer hold the arguments: write @entry(%s(N)), or %s(N) with "
			    "N a number (then read at the entry)",
			    n->name, d->pp, n->name, n->name);
		return "0";
	}
	if (array)
		cc_kfunc_nargs(G->cx, d);
	/* stap numbers arguments from 1; past the sixth they are on the stack: 0 here */
	for (k = 5; k >= 0; k--) {
		if (array && k >= d->nkargs)
			continue; /* the verifier takes ctx[i] within the prototype only */
		v = cg_fmt(G, "i%d == %d ? %s : %s", u, k + 1,
			   array ? cg_fmt(G, "((__u64 *)ctx)[%d]", k) : load(G, abi_args[k]), v);
	}
	return cg_fmt(G, "({ __s64 i%d = %s; %s(%s); })", u, idx, cast, v);
}
