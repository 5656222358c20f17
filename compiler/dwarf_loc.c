// SPDX-License-Identifier: MIT
/*
 * Where a user-space variable is at a probe's address, from its DWARF
 * location (libdw): the expression that holds at that address (a location
 * list picks one by address range) translated into a struct cc_uloc, the
 * small stack program codegen_uvar.c turns into C that reads struct
 * pt_regs and user memory.
 *
 * A location is a register (DW_OP_regN: the register holds the value), a
 * computed address (DW_OP_bregN, DW_OP_fbreg, DW_OP_addr, arithmetic,
 * DW_OP_deref) or a computed value (... DW_OP_stack_value, a constant).
 * DW_OP_fbreg is relative to the function's frame base (DW_AT_frame_base),
 * itself usually DW_OP_call_frame_cfa: the canonical frame address, which
 * the call frame info (.eh_frame) gives for each address as a register
 * plus an offset (rsp + 8 at the first instruction, rbp + 16 once the
 * frame is set up).  DW_OP_addr is a link-time address: the probe's own
 * run-time address (regs->ip, which the kernel sets back to the probed
 * instruction) minus its link-time one is the load bias, so the variable
 * is read at ip + (addr - pc), position-independent or not.
 *
 * Not translated, each with its reason: values split in pieces, values
 * known only from the caller (DW_OP_entry_value), implicit pointers.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/dwarf.h"

/* The DWARF register numbers of x86-64 (the psABI's) to struct pt_regs offsets. */
static const int dw_regs[] = {
	80,  /* 0 rax */ 96,  /* 1 rdx */ 88,  /* 2 rcx */ 40,  /* 3 rbx */
	104, /* 4 rsi */ 112, /* 5 rdi */ 32,  /* 6 rbp */ 152, /* 7 rsp */
	72,  /* 8 r8 */  64,  /* 9 r9 */  56,  /* 10 r10 */ 48, /* 11 r11 */
	24,  /* 12 r12 */ 16, /* 13 r13 */ 8,  /* 14 r14 */ 0,  /* 15 r15 */
	128, /* 16 the return address column: rip */
};

/* Nesting of frame base and CFA expressions (each is used by the other at most once). */
#define DW_LOC_MAX_DEPTH 4
/* Ranges named in a "not available" message. */
#define DW_LOC_MAX_RANGES 4

int dw_push(struct cc_uloc *loc, int op, int64_t val, int idx)
{
	if (loc->nops == CC_ULOC_MAX_OPS)
		return -E2BIG;
	loc->ops[loc->nops].op = op;
	loc->ops[loc->nops].val = val;
	loc->ops[loc->nops].idx = idx;
	loc->nops++;
	return 0;
}

static int reg_of(uint64_t r, const char **why)
{
	if (r >= sizeof(dw_regs) / sizeof(dw_regs[0])) {
		*why = "it is in a register that is not a general-purpose one (an SSE register)";
		return -EINVAL;
	}
	return dw_regs[r];
}

static int translate(struct dw_at *at, const Dwarf_Op *ops, size_t n, struct cc_uloc *l,
		     bool *is_addr, int depth, const char **why);

/* The canonical frame address at at->pc, from the call frame info. */
static int cfa(struct dw_at *at, struct cc_uloc *l, int depth, const char **why)
{
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	size_t n;
	bool is_addr;
	int r;

	if (!at->cfi || dwarf_cfi_addrframe(at->cfi, at->pc, &frame) ||
	    dwarf_frame_cfa(frame, &ops, &n)) {
		free(frame);
		*why = "the program's call frame info (.eh_frame) does not cover the address";
		return -EINVAL;
	}
	r = translate(at, ops, n, l, &is_addr, depth + 1, why);
	free(frame);
	return r;
}

/* The frame base of the function around at->pc (DW_AT_frame_base). */
static int frame_base(struct dw_at *at, struct cc_uloc *l, int depth, const char **why)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	bool is_addr;

	if (at->frame < 0 || !dwarf_attr_integrate(&at->scopes[at->frame], DW_AT_frame_base, &attr) ||
	    dwarf_getlocation_addr(&attr, at->pc, &ops, &n, 1) != 1) {
		*why = "its function's frame base is not known at the address";
		return -EINVAL;
	}
	return translate(at, ops, n, l, &is_addr, depth + 1, why);
}

static int translate(struct dw_at *at, const Dwarf_Op *ops, size_t n, struct cc_uloc *l,
		     bool *is_addr, int depth, const char **why)
{
	size_t i;
	int r = 0, reg;

	*is_addr = true;
	if (depth > DW_LOC_MAX_DEPTH) {
		*why = "its location refers to itself";
		return -EINVAL;
	}
	if (!n) {
		*why = "it is optimised out at the address";
		return -EINVAL;
	}
	for (i = 0; i < n && !r; i++) {
		uint8_t op = ops[i].atom;

		if ((op >= DW_OP_reg0 && op <= DW_OP_reg31) || op == DW_OP_regx) {
			reg = reg_of(op == DW_OP_regx ? ops[i].number : (uint64_t)(op - DW_OP_reg0), why);
			if (reg < 0)
				return reg;
			/* a register holds the value itself: nothing may follow but its piece */
			if (i + 1 < n && ops[i + 1].atom != DW_OP_piece)
				goto unknown;
			*is_addr = false;
			r = dw_push(l, CC_UOP_REG, reg, -1);
			i = n;
			break;
		} else if ((op >= DW_OP_breg0 && op <= DW_OP_breg31) || op == DW_OP_bregx) {
			reg = reg_of(op == DW_OP_bregx ? ops[i].number : (uint64_t)(op - DW_OP_breg0), why);
			if (reg < 0)
				return reg;
			r = dw_push(l, CC_UOP_REG, reg, -1);
			if (!r)
				r = dw_push(l, CC_UOP_PLUS,
					    (int64_t)(op == DW_OP_bregx ? ops[i].number2 : ops[i].number),
					    -1);
		} else if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
			r = dw_push(l, CC_UOP_CONST, op - DW_OP_lit0, -1);
		} else {
			switch (op) {
			case DW_OP_fbreg:
				r = frame_base(at, l, depth, why);
				if (!r)
					r = dw_push(l, CC_UOP_PLUS, (int64_t)ops[i].number, -1);
				break;
			case DW_OP_call_frame_cfa:
				r = cfa(at, l, depth, why);
				break;
			case DW_OP_addr:
				r = dw_push(l, CC_UOP_PCREL, (int64_t)(ops[i].number - at->pc), -1);
				break;
			case DW_OP_const1u:
			case DW_OP_const2u:
			case DW_OP_const4u:
			case DW_OP_const8u:
			case DW_OP_constu:
			case DW_OP_const1s:
			case DW_OP_const2s:
			case DW_OP_const4s:
			case DW_OP_const8s:
			case DW_OP_consts:
				r = dw_push(l, CC_UOP_CONST, (int64_t)ops[i].number, -1);
				break;
			case DW_OP_plus_uconst:
				r = dw_push(l, CC_UOP_PLUS, (int64_t)ops[i].number, -1);
				break;
			case DW_OP_plus:
				r = dw_push(l, CC_UOP_ADD, 0, -1);
				break;
			case DW_OP_minus:
				r = dw_push(l, CC_UOP_SUB, 0, -1);
				break;
			case DW_OP_deref:
				r = dw_push(l, CC_UOP_DEREF, 8, -1);
				break;
			case DW_OP_deref_size:
				if (ops[i].number != 1 && ops[i].number != 2 && ops[i].number != 4 &&
				    ops[i].number != 8)
					goto unknown;
				r = dw_push(l, CC_UOP_DEREF, (int64_t)ops[i].number, -1);
				break;
			case DW_OP_stack_value:
				/* the value computed, not an address: the end of the expression */
				*is_addr = false;
				i = n;
				break;
			case DW_OP_piece:
				/* one piece that is the whole variable is the variable */
				if (i + 1 == n && i > 0)
					break;
				*why = "it is split into pieces (parts in different registers)";
				return -EINVAL;
			case DW_OP_entry_value:
			case DW_OP_GNU_entry_value:
				*why = "it is known only as a value its caller passed "
				       "(DW_OP_entry_value), which is gone at the address";
				return -EINVAL;
			case DW_OP_implicit_pointer:
			case DW_OP_GNU_implicit_pointer:
				*why = "it is a pointer the compiler optimised away";
				return -EINVAL;
			default:
				goto unknown;
			}
		}
	}
	if (r == -E2BIG)
		*why = "its location is too long an expression";
	return r;
unknown:
	*why = "its DWARF location uses an operation taphub does not translate";
	return -EINVAL;
}

/*
 * "sdtprog.c:42 (0x1139-0x1150), ..." : the ranges of a location list where
 * the variable can be read (its expression there translates), or NULL.
 */
static const char *where_available(struct dw_at *at, Dwarf_Attribute *attr)
{
	Dwarf_Addr base, start, end, pc = at->pc;
	struct cc_uloc scratch;
	const char *why;
	char *s = NULL;
	ptrdiff_t off = 0;
	Dwarf_Op *expr;
	bool is_addr;
	size_t len;
	int k = 0;

	while ((off = dwarf_getlocations(attr, off, &base, &start, &end, &expr, &len)) > 0) {
		Dwarf_Line *line;
		const char *f = NULL;
		int ln = 0, r;

		/* the frame base and the CFA of the range's own start */
		at->pc = start;
		memset(&scratch, 0, sizeof(scratch));
		r = translate(at, expr, len, &scratch, &is_addr, 0, &why);
		at->pc = pc;
		if (!len || r < 0)
			continue;
		if (k++ == DW_LOC_MAX_RANGES) {
			s = cc_sprintf(at->a, "%s, ...", s);
			break;
		}
		line = dwarf_getsrc_die(&at->cu, start);
		if (line && (f = dwarf_linesrc(line, NULL, NULL)) && strrchr(f, '/'))
			f = strrchr(f, '/') + 1;
		if (line)
			dwarf_lineno(line, &ln);
		s = cc_sprintf(at->a, "%s%s%s%s%.0d%s0x%llx-0x%llx%s", s ? s : "", s ? ", " : "",
			       f ? f : "", f ? ":" : "", f ? ln : 0, f ? " (" : "",
			       (unsigned long long)start, (unsigned long long)end, f ? ")" : "");
	}
	return s;
}

int dw_location(struct dw_at *at, Dwarf_Die *die, struct cc_uloc *loc, bool *is_addr,
		const char **why)
{
	Dwarf_Attribute attr;
	const char *w;
	Dwarf_Op *ops;
	size_t n;
	int k, r;

	memset(loc, 0, sizeof(*loc));
	if (dwarf_attr_integrate(die, DW_AT_const_value, &attr)) {
		Dwarf_Sword v;

		if (dwarf_formsdata(&attr, &v)) {
			*why = "it is a constant taphub cannot read (not an integer)";
			return -EINVAL;
		}
		*is_addr = false;
		return dw_push(loc, CC_UOP_CONST, v, -1);
	}
	/* not integrated: an inlined copy's location is its own, never its origin's */
	if (!dwarf_attr(die, DW_AT_location, &attr)) {
		*why = "it is optimised out (no location anywhere)";
		return -EINVAL;
	}
	k = dwarf_getlocation_addr(&attr, at->pc, &ops, &n, 1);
	r = k <= 0 || !n ? -EINVAL : translate(at, ops, n, loc, is_addr, 0, why);
	if (r == 0)
		return 0;
	/* stap's way: say where it can be read instead */
	w = where_available(at, &attr);
	if (k <= 0 || !n)
		*why = w ? cc_sprintf(at->a, "it is not available at 0x%llx; it is at %s",
				      (unsigned long long)at->pc, w)
			 : "it is optimised out (no location anywhere)";
	else if (w)
		*why = cc_sprintf(at->a, "%s; it can be read at %s", *why, w);
	return r;
}
