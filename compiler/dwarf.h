// SPDX-License-Identifier: MIT
/*
 * dwarf.h - what dwarf.c and dwarf_loc.c share: a program's DWARF opened
 * at one probe address.  Private to compiler/ (it names libdw's types).
 */
#ifndef TAPHUB_COMPILER_DWARF_H
#define TAPHUB_COMPILER_DWARF_H

#include <elfutils/libdw.h>

#include "compiler/compiler.h"

/* A program's DWARF at one address: the scopes around it and its call frame info. */
struct dw_at {
	struct cc_arena *a;
	Dwarf *dw;
	Elf *elf;        /* the program's own file (its .eh_frame) */
	Dwarf_CFI *cfi;  /* .eh_frame's, else .debug_frame's; NULL: none */
	bool own_cfi;    /* .eh_frame's: dw_close ends it */
	uint64_t pc;     /* link-time */
	Dwarf_Die *scopes; /* innermost first, up to the CU (dwarf_getscopes) */
	int nscopes;
	int fn;          /* the innermost function (inlined or not) in scopes, or -1 */
	int frame;       /* the innermost out-of-line function (its frame base), or -1 */
	Dwarf_Die cu;
	int fd, elf_fd;
};

/*
 * The location of the variable die at at->pc as a stack program, with
 * *is_addr true when its top is the variable's address (false: its
 * value); -EINVAL and *why (where it is available, when it is somewhere).
 */
int dw_location(struct dw_at *at, Dwarf_Die *die, struct cc_uloc *loc, bool *is_addr,
		const char **why);
/* Append op to loc; -E2BIG past CC_ULOC_MAX_OPS. */
int dw_push(struct cc_uloc *loc, int op, int64_t val, int idx);

#endif
