// SPDX-License-Identifier: MIT
/*
 * The parameters of a user-space function from DWARF (libdw), for
 * process("PATH").function("NAME") probes: names, and where each is at
 * the function's first instruction.
 *
 * The probe sits on that first instruction, before the prologue, where
 * the System V x86-64 calling convention still says where every argument
 * is: the first six of class INTEGER (integers, enums, pointers, bool,
 * char, up to 8 bytes) in rdi, rsi, rdx, rcx, r8, r9, in order.  That
 * needs no location list and holds at -O2 as at -O0.  An argument of
 * another class (a float in an SSE register, a struct passed by value, a
 * long double or __int128) is not read; after an aggregate the register
 * order depends on its layout, so the ones after it are not read either,
 * each with the reason.
 *
 * The DWARF is the file's own, or a separate debug file found by build id
 * under /usr/lib/debug/.build-id/ (Debian's -dbgsym packages).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* pt_regs offsets of rdi, rsi, rdx, rcx, r8, r9 (arch/x86/include/asm/ptrace.h) */
static const int arg_regs[] = {112, 104, 96, 88, 72, 64};

/* The type under typedefs and qualifiers; false at the end of the chain (void). */
static bool strip(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	Dwarf_Die cur = *die;
	int i;

	for (i = 0; i < 32; i++) {
		if (!dwarf_attr_integrate(&cur, DW_AT_type, &at) || !dwarf_formref_die(&at, out))
			return false;
		switch (dwarf_tag(out)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			cur = *out;
			continue;
		default:
			return true;
		}
	}
	return false;
}

/* How a parameter of type die is passed: 0 INTEGER (size, sign), 1 SSE, 2 other. */
static int classify(Dwarf_Die *die, int *size, bool *is_signed)
{
	Dwarf_Die t;
	Dwarf_Word enc = 0;
	Dwarf_Attribute at;
	int sz;

	*size = 8;
	*is_signed = false;
	if (!strip(die, &t))
		return 2;
	sz = dwarf_bytesize(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return 0;
	case DW_TAG_enumeration_type: {
		Dwarf_Die base;

		*size = sz > 0 && sz <= 8 ? sz : 4;
		/* the underlying type's sign, when DWARF 3+ says it; unsigned in C otherwise */
		if (strip(&t, &base) && dwarf_attr_integrate(&base, DW_AT_encoding, &at) &&
		    !dwarf_formudata(&at, &enc))
			*is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		return 0;
	}
	case DW_TAG_base_type:
		if (!dwarf_attr_integrate(&t, DW_AT_encoding, &at) || dwarf_formudata(&at, &enc))
			return 2;
		if (enc == DW_ATE_float)
			return sz <= 8 ? 1 : 2;
		if (sz <= 0 || sz > 8)
			return 2;
		*size = sz;
		*is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		return 0;
	default:
		return 2;
	}
}

/* A separate debug file by build id, or NULL. */
static char *debug_file(struct cc_arena *a, const char *path)
{
	char *ret = NULL, *hex;
	Elf_Scn *scn = NULL;
	size_t shstr;
	Elf *e;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstr))
		goto out;
	while ((scn = elf_nextscn(e, scn)) && !ret) {
		size_t off = 0, noff, nameoff, descoff, i;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (noff = gelf_getnote(d, off, &nh, &nameoff, &descoff)) > 0) {
			const unsigned char *id = (unsigned char *)d->d_buf + descoff;

			off = noff;
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_descsz < 2 || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + nameoff, "GNU", 4))
				continue;
			hex = cc_alloc(a, nh.n_descsz * 2 + 1);
			for (i = 1; i < nh.n_descsz; i++)
				sprintf(hex + 2 * (i - 1), "%02x", id[i]);
			ret = cc_sprintf(a, "/usr/lib/debug/.build-id/%02x/%s.debug", id[0], hex);
			if (access(ret, R_OK))
				ret = NULL;
			break;
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

/* The definition of func among the children of die (a CU or a namespace). */
static bool find_func(Dwarf_Die *parent, const char *func, Dwarf_Die *out)
{
	Dwarf_Die c;

	if (dwarf_child(parent, &c))
		return false;
	do {
		const char *n;
		Dwarf_Addr lo;

		if (dwarf_tag(&c) != DW_TAG_subprogram)
			continue;
		n = dwarf_diename(&c);
		/* a definition: it has code (a declaration or an inline-only copy does not) */
		if (n && !strcmp(n, func) &&
		    (dwarf_lowpc(&c, &lo) == 0 || dwarf_hasattr(&c, DW_AT_ranges))) {
			*out = c;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

int cc_dwarf_params(struct cc_arena *a, const char *path, const char *func, struct cc_uparam **ret,
		    int *nret, struct cc_uparam *rv, const char **why)
{
	struct cc_uparam *v = NULL;
	Dwarf_Off off = 0, next;
	const char *file = path;
	size_t hsize;
	int fd, n = 0, r = -ENOENT, ireg = 0;
	bool lost = false, found = false;
	Dwarf_Die fn, c;
	Dwarf *dw;

	*ret = NULL;
	*nret = 0;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return -errno;
	}
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		char *dbg = debug_file(a, path);

		close(fd);
		fd = dbg ? open(dbg, O_RDONLY | O_CLOEXEC) : -1;
		dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
		if (!dw) {
			*why = "the program has no DWARF (build it with -g, or install its debug "
			       "symbols)";
			if (fd >= 0)
				close(fd);
			return -ENOENT;
		}
	}
	while (!found && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu))
			found = find_func(&cu, func, &fn);
		off = next;
	}
	if (!found) {
		*why = cc_sprintf(a, "no DWARF definition of %s", func);
		goto out;
	}
	r = 0;
	/* the return value: rax for class INTEGER; void has no DW_AT_type */
	memset(rv, 0, sizeof(*rv));
	rv->name = "return";
	rv->reg = -1;
	if (dwarf_hasattr_integrate(&fn, DW_AT_type)) {
		if (classify(&fn, &rv->size, &rv->is_signed) == 0)
			rv->reg = 80;
		else
			rv->why = "it is not returned in rax (a float, a struct)";
	}
	if (dwarf_child(&fn, &c) == 0) {
		do {
			struct cc_uparam *p;
			int cls;

			if (dwarf_tag(&c) != DW_TAG_formal_parameter)
				continue;
			v = n ? v : cc_alloc(a, sizeof(*v) * 64);
			if (n == 64)
				break;
			p = &v[n++];
			p->name = cc_strdup(a, dwarf_diename(&c) ? dwarf_diename(&c) : "");
			p->reg = -1;
			cls = classify(&c, &p->size, &p->is_signed);
			if (lost) {
				p->why =
				    "it follows an argument passed by value in a way taphub does "
				    "not follow (a struct, a long double)";
			} else if (cls == 1) {
				p->why = "it is a floating-point value, passed in an SSE register";
			} else if (cls == 2) {
				p->why = "it is passed by value as an aggregate";
				lost = true;
			} else if (ireg == 6) {
				p->why =
				    "it is passed on the stack (past the sixth integer argument)";
			} else {
				p->reg = arg_regs[ireg++];
			}
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	*ret = v;
	*nret = n;
out:
	dwarf_end(dw);
	close(fd);
	return r;
}
