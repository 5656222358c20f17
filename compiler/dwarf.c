// SPDX-License-Identifier: MIT
/*
 * User-space variables and source lines from DWARF (libdw), for
 * process("PATH").function(...) and .statement(...) probes.
 *
 * A probe sits on one address (its pc, link-time).  The variables there
 * are those of the scopes around pc (dwarf_getscopes: lexical blocks,
 * inlined and out-of-line functions, then the CU's globals), the innermost
 * of a name winning; where each is comes from its location at pc
 * (dwarf_loc.c).  $v->a[i] then walks the types: a pointer is read and
 * followed, a member adds its offset, an index its multiple of the
 * element's size; the last step is loaded with the size and sign of its
 * type.  A struct is not a value (only $v$ prints it); an array is its
 * address, so user_string($buf) reads a char buf[N], as with stap.
 *
 * The DWARF is the file's own, or a separate debug file found by build id
 * under /usr/lib/debug/.build-id/ (Debian's -dbgsym packages).  The call
 * frame info is the file's own .eh_frame.  Each call opens the DWARF and
 * closes it again: elaboration asks a few times per probe, and libdw finds
 * an address's CU through .debug_aranges without reading the others.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/dwarf.h"

/* pt_regs offset of rax: a function's integer return value */
#define PT_REGS_AX 80
/* Depth of typedefs and qualifiers followed, and of anonymous members searched. */
#define DW_MAX_TYPE_DEPTH 32
/* Variables listed for $$vars and -L. */
#define DW_MAX_VARS 128
/* Addresses one line pattern may make probes of. */
#define DW_MAX_LINES 512

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

char *cc_debug_file(struct cc_arena *a, const char *path)
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

/* Open path's DWARF (or its debug file's) and its call frame info: 0, or -errno and *why. */
static int dw_open(struct cc_arena *a, const char *path, struct dw_at *at, const char **why)
{
	memset(at, 0, sizeof(*at));
	at->a = a;
	at->fn = at->frame = -1;
	at->elf_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (at->elf_fd < 0) {
		*why = strerror(errno);
		return -errno;
	}
	elf_version(EV_CURRENT);
	at->elf = elf_begin(at->elf_fd, ELF_C_READ, NULL);
	at->fd = open(path, O_RDONLY | O_CLOEXEC);
	at->dw = at->fd >= 0 ? dwarf_begin(at->fd, DWARF_C_READ) : NULL;
	if (!at->dw) {
		char *dbg = cc_debug_file(a, path);

		if (at->fd >= 0)
			close(at->fd);
		at->fd = dbg ? open(dbg, O_RDONLY | O_CLOEXEC) : -1;
		at->dw = at->fd >= 0 ? dwarf_begin(at->fd, DWARF_C_READ) : NULL;
	}
	if (!at->dw) {
		*why = "the program has no DWARF (build it with -g, or install its debug symbols)";
		return -ENOENT;
	}
	/* .eh_frame's is ours to end; .debug_frame's belongs to the Dwarf */
	at->cfi = at->elf ? dwarf_getcfi_elf(at->elf) : NULL;
	at->own_cfi = at->cfi != NULL;
	if (!at->cfi)
		at->cfi = dwarf_getcfi(at->dw);
	return 0;
}

static void dw_close(struct dw_at *at)
{
	free(at->scopes);
	if (at->own_cfi)
		dwarf_cfi_end(at->cfi);
	if (at->dw)
		dwarf_end(at->dw);
	if (at->fd >= 0)
		close(at->fd);
	if (at->elf)
		elf_end(at->elf);
	if (at->elf_fd >= 0)
		close(at->elf_fd);
}

/* Open path's DWARF at pc: the scopes around it. */
static int dw_open_at(struct cc_arena *a, const char *path, uint64_t pc, struct dw_at *at,
		      const char **why)
{
	int r = dw_open(a, path, at, why), i;

	if (r < 0)
		return r;
	at->pc = pc;
	if (!dwarf_addrdie(at->dw, pc, &at->cu) ||
	    (at->nscopes = dwarf_getscopes(&at->cu, pc, &at->scopes)) <= 0) {
		*why = cc_sprintf(a, "the program's DWARF does not cover address 0x%llx",
				  (unsigned long long)pc);
		at->nscopes = 0;
		return -ENOENT;
	}
	for (i = 0; i < at->nscopes; i++) {
		int tag = dwarf_tag(&at->scopes[i]);

		if (at->fn < 0 && (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine))
			at->fn = i;
		if (at->frame < 0 && tag == DW_TAG_subprogram)
			at->frame = i;
	}
	return 0;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_name, &attr) ? dwarf_formstring(&attr) : NULL;
}

/* The C name of a stripped type, as -L prints it: "long" for what reads as a number. */
static const char *type_name_of(struct cc_arena *a, Dwarf_Die t)
{
	Dwarf_Die p;
	const char *n;

	switch (dwarf_tag(&t)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		n = die_name(&t);
		return cc_sprintf(a, "%s %s", dwarf_tag(&t) == DW_TAG_union_type ? "union" : "struct",
				  n ? n : "{...}");
	case DW_TAG_pointer_type:
		if (strip(&t, &p) &&
		    (dwarf_tag(&p) == DW_TAG_structure_type || dwarf_tag(&p) == DW_TAG_union_type)) {
			n = die_name(&p);
			return cc_sprintf(a, "%s %s*",
					  dwarf_tag(&p) == DW_TAG_union_type ? "union" : "struct",
					  n ? n : "{...}");
		}
		return "long";
	default:
		return "long";
	}
}

/* The C name of the type of var (a variable, a member, a function: what has a DW_AT_type). */
static const char *type_name(struct cc_arena *a, Dwarf_Die *var)
{
	Dwarf_Die t;

	return strip(var, &t) ? type_name_of(a, t) : "long";
}

/* Each variable or parameter in scope at at->pc, innermost first, a name once. */
static int scope_vars(struct dw_at *at, Dwarf_Die *dies, struct cc_uvar *vars, int max)
{
	int i, k, n = 0;

	for (i = 0; i < at->nscopes; i++) {
		Dwarf_Die c;

		if (dwarf_child(&at->scopes[i], &c))
			continue;
		do {
			int tag = dwarf_tag(&c);
			const char *name = die_name(&c);

			if ((tag != DW_TAG_variable && tag != DW_TAG_formal_parameter) || !name)
				continue;
			for (k = 0; k < n && strcmp(vars[k].name, name); k++)
				;
			if (k < n || n == max)
				continue;
			vars[n].name = cc_strdup(at->a, name);
			vars[n].param = tag == DW_TAG_formal_parameter && i <= at->fn;
			vars[n].global = i == at->nscopes - 1;
			vars[n].type = type_name(at->a, &c);
			dies[n++] = c;
		} while (dwarf_siblingof(&c, &c) == 0);
		/* past the out-of-line function: only the CU's globals are left */
		if (i == at->frame && i + 1 < at->nscopes)
			i = at->nscopes - 2;
	}
	return n;
}

int cc_dwarf_vars(struct cc_arena *a, const char *path, uint64_t pc, struct cc_uvar **ret,
		  int *nret, const char **why)
{
	Dwarf_Die *dies = cc_alloc(a, sizeof(*dies) * DW_MAX_VARS);
	struct cc_uvar *v = cc_alloc(a, sizeof(*v) * DW_MAX_VARS), *sorted;
	struct dw_at at;
	int r, n, i, k = 0;

	*nret = 0;
	r = dw_open_at(a, path, pc, &at, why);
	if (r < 0)
		goto out;
	n = scope_vars(&at, dies, v, DW_MAX_VARS);
	/* parameters first, in their order; locals after, innermost first; no globals */
	sorted = cc_alloc(a, sizeof(*sorted) * (size_t)(n ? n : 1));
	for (i = 0; i < n; i++)
		if (v[i].param)
			sorted[k++] = v[i];
	for (i = 0; i < n; i++)
		if (!v[i].param && !v[i].global)
			sorted[k++] = v[i];
	*ret = sorted;
	*nret = k;
out:
	dw_close(&at);
	return r;
}

/* The offset of member name in struct or union t, searching anonymous members; -1: none. */
static int64_t member_offset(Dwarf_Die *t, const char *name, Dwarf_Die *ret, int depth)
{
	Dwarf_Die c;

	if (depth > DW_MAX_TYPE_DEPTH || dwarf_child(t, &c))
		return -1;
	do {
		Dwarf_Attribute attr;
		Dwarf_Word off = 0;
		const char *n;

		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (dwarf_attr(&c, DW_AT_data_member_location, &attr) && dwarf_formudata(&attr, &off))
			continue; /* an offset as an expression: C never makes one */
		n = dwarf_diename(&c);
		if (n && !strcmp(n, name)) {
			if (dwarf_hasattr(&c, DW_AT_bit_size) || dwarf_hasattr(&c, DW_AT_data_bit_offset))
				return -2;
			*ret = c;
			return (int64_t)off;
		}
		if (!n) { /* an anonymous struct or union: its members are the parent's */
			Dwarf_Die at;
			int64_t o;

			if (strip(&c, &at) && (o = member_offset(&at, name, ret, depth + 1)) >= 0)
				return (int64_t)off + o;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return -1;
}

/* The element count of an array type (its one dimension), or 0 when unknown. */
static int array_count(Dwarf_Die *t, int *ndims)
{
	Dwarf_Die c;
	Dwarf_Word v;
	Dwarf_Attribute attr;
	int n = 0;

	*ndims = 0;
	if (dwarf_child(t, &c))
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if (++*ndims > 1)
			continue;
		if (dwarf_attr(&c, DW_AT_count, &attr) && !dwarf_formudata(&attr, &v))
			n = (int)v;
		else if (dwarf_attr(&c, DW_AT_upper_bound, &attr) && !dwarf_formudata(&attr, &v))
			n = (int)v + 1;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

static bool is_char(Dwarf_Die *t)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;

	return dwarf_tag(t) == DW_TAG_base_type && dwarf_bytesize(t) == 1 &&
	       dwarf_attr_integrate(t, DW_AT_encoding, &attr) && !dwarf_formudata(&attr, &enc) &&
	       (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char);
}

/* The integer size and sign of a scalar type t; false: not a scalar. */
static bool scalar(Dwarf_Die *t, int *size, bool *is_signed)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc = DW_ATE_unsigned;
	Dwarf_Die base;
	int sz = dwarf_bytesize(t);

	*is_signed = false;
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		*size = 8;
		return true;
	case DW_TAG_enumeration_type:
		/* the underlying type's sign, when DWARF 3+ says it; unsigned in C otherwise */
		if (strip(t, &base) && dwarf_attr_integrate(&base, DW_AT_encoding, &attr))
			dwarf_formudata(&attr, &enc);
		break;
	case DW_TAG_base_type:
		if (!dwarf_attr_integrate(t, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &enc) ||
		    enc == DW_ATE_float || enc == DW_ATE_complex_float)
			return false;
		break;
	default:
		return false;
	}
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
		return false;
	*size = sz;
	*is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	return true;
}

/* The last part of a path equals file ("x.c", "src/x.c" of "/a/src/x.c"). */
static bool path_ends(const char *path, const char *file)
{
	size_t pl = strlen(path), fl = strlen(file);

	return pl >= fl && !strcmp(path + pl - fl, file) && (pl == fl || path[pl - fl - 1] == '/');
}

/*
 * @var("NAME@FILE"): the variable NAME defined at the top of a CU whose
 * name ends with FILE (any CU for "NAME@*"), a global or a file's static.
 */
static int global_var(struct dw_at *at, const char *spec, Dwarf_Die *ret, const char **why)
{
	const char *at_sign = strchr(spec, '@'), *file = at_sign + 1;
	char *name = cc_strndup(at->a, spec, (size_t)(at_sign - spec));
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (dwarf_nextcu(at->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		const char *cn;
		Dwarf_Die cu, c;

		if (!dwarf_offdie(at->dw, off + hsize, &cu)) {
			off = next;
			continue;
		}
		off = next;
		cn = dwarf_diename(&cu);
		if (!cn || (strcmp(file, "*") && !path_ends(cn, file)) || dwarf_child(&cu, &c))
			continue;
		do {
			const char *n = die_name(&c);

			/* the definition: a declaration (extern) has no location */
			if (dwarf_tag(&c) == DW_TAG_variable && n && !strcmp(n, name) &&
			    (dwarf_hasattr(&c, DW_AT_location) || dwarf_hasattr(&c, DW_AT_const_value))) {
				*ret = c;
				return 0;
			}
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	*why = cc_sprintf(at->a, "no variable %s is defined at the top of a source file %s", name,
			  file);
	return -EINVAL;
}

static int walk_chain(struct dw_at *at, const char *what, bool is_addr, bool has_type, Dwarf_Die t,
		      const struct cc_uchain *chain, int nchain, struct cc_uread *ret,
		      Dwarf_Die *type, const char **why);

/*
 * Find $name at pc and walk chain: ret->loc reads the last step; *type the
 * stripped type it has (false: void).  -ENOENT, -EINVAL with *why.
 */
static int walk(struct dw_at *at, const char *name, const struct cc_uchain *chain, int nchain,
		struct cc_uread *ret, Dwarf_Die *type, const char **why)
{
	Dwarf_Die dies[DW_MAX_VARS], var, t;
	struct cc_uvar vars[DW_MAX_VARS];
	struct cc_uloc *l = &ret->loc;
	const char *what = cc_sprintf(at->a, "$%s", name);
	bool is_addr = false, has_type;
	int n, i, r = 0;

	memset(ret, 0, sizeof(*ret));
	if (strchr(name, '@')) {
		r = global_var(at, name, &var, why);
		if (r == 0)
			r = dw_location(at, &var, l, &is_addr, why);
	} else if (!strcmp(name, "return")) {
		if (at->fn < 0 || !dwarf_hasattr_integrate(&at->scopes[at->fn], DW_AT_type)) {
			*why = "the function returns void";
			return -EINVAL;
		}
		var = at->scopes[at->fn];
		r = dw_push(l, CC_UOP_REG, PT_REGS_AX, -1);
	} else {
		n = scope_vars(at, dies, vars, DW_MAX_VARS);
		for (i = 0; i < n && strcmp(vars[i].name, name); i++)
			;
		if (i == n) {
			char *s = NULL;

			for (i = 0; i < n; i++)
				if (!vars[i].global)
					s = cc_sprintf(at->a, "%s%s$%s", s ? s : "", s ? " " : "",
						       vars[i].name);
			*why = s ? s : "none";
			return -ESRCH;
		}
		var = dies[i];
		r = dw_location(at, &var, l, &is_addr, why);
	}
	if (r < 0)
		return r;
	has_type = strip(&var, &t);
	return walk_chain(at, what, is_addr, has_type, t, chain, nchain, ret, type, why);
}

/*
 * From a value of type t (has_type false: void) whose location is
 * ret->loc (is_addr: its top is the value's address), the steps of chain,
 * then how the last one reads.
 */
static int walk_chain(struct dw_at *at, const char *what, bool is_addr, bool has_type, Dwarf_Die t,
		      const struct cc_uchain *chain, int nchain, struct cc_uread *ret,
		      Dwarf_Die *type, const char **why)
{
	struct cc_uloc *l = &ret->loc;
	int i, r = 0;

	for (i = 0; i < nchain && has_type; i++) {
		const struct cc_uchain *c = &chain[i];
		int tag = dwarf_tag(&t), nd;
		Dwarf_Die next;

		if (tag == DW_TAG_pointer_type) {
			/* the pointer's value is the address of what it points to */
			if (is_addr)
				r = dw_push(l, CC_UOP_DEREF, 8, -1);
			is_addr = true;
			has_type = strip(&t, &next);
			if (!has_type)
				break;
			if (!c->member) {
				int esz = dwarf_bytesize(&next);

				if (esz <= 0) {
					*why = cc_sprintf(at->a, "'%s' points to a type of no size", what);
					return -EINVAL;
				}
				r = r ? r : c->idx >= 0 ? dw_push(l, CC_UOP_INDEX, esz, c->idx)
						       : dw_push(l, CC_UOP_PLUS, c->index * esz, -1);
				t = next;
				what = cc_sprintf(at->a, "%s[]", what);
				continue;
			}
			t = next;
			tag = dwarf_tag(&t);
		}
		if (!is_addr) {
			*why = cc_sprintf(at->a, "'%s' is held in a register here, not in memory: "
					  "it has no members or elements", what);
			return -EINVAL;
		}
		if (c->member) {
			int64_t off;

			if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
			    tag != DW_TAG_class_type) {
				*why = cc_sprintf(at->a, "'%s' is not a struct or a pointer to one: "
						  "it has no member '%s'", what, c->member);
				return -EINVAL;
			}
			off = member_offset(&t, c->member, &next, 0);
			if (off < 0) {
				*why = cc_sprintf(at->a, off == -2 ? "'%s' is a bitfield of %s"
								   : "'%s' is not a member of %s",
						  c->member, type_name_of(at->a, t));
				return -EINVAL;
			}
			r = r ? r : dw_push(l, CC_UOP_PLUS, off, -1);
			what = cc_sprintf(at->a, "%s->%s", what, c->member);
			has_type = strip(&next, &t);
		} else {
			Dwarf_Die el;
			int esz;

			if (tag != DW_TAG_array_type) {
				*why = cc_sprintf(at->a, "'%s' is not an array or a pointer: it "
						  "cannot be indexed", what);
				return -EINVAL;
			}
			array_count(&t, &nd);
			if (nd > 1 || !strip(&t, &el) || (esz = dwarf_bytesize(&el)) <= 0) {
				*why = cc_sprintf(at->a, "'%s' is an array taphub cannot index (of "
						  "several dimensions, or of elements of no size)",
						  what);
				return -EINVAL;
			}
			r = r ? r : c->idx >= 0 ? dw_push(l, CC_UOP_INDEX, esz, c->idx)
					       : dw_push(l, CC_UOP_PLUS, c->index * esz, -1);
			what = cc_sprintf(at->a, "%s[]", what);
			t = el;
		}
	}
	if (r < 0) {
		*why = "the chain is too long";
		return r;
	}
	if (!has_type) {
		*why = cc_sprintf(at->a, "'%s' has type void", what);
		return -EINVAL;
	}
	*type = t;
	ret->type = type_name_of(at->a, t);
	ret->text = what;
	switch (dwarf_tag(&t)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		ret->kind = CC_UREAD_STRUCT;
		break;
	case DW_TAG_array_type: {
		Dwarf_Die el;
		int nd;

		ret->nelem = array_count(&t, &nd);
		ret->kind = strip(&t, &el) && is_char(&el) && nd == 1 ? CC_UREAD_STRING
								      : CC_UREAD_VALUE;
		ret->loc.size = 8; /* an array is its address */
		break;
	}
	default:
		ret->kind = CC_UREAD_VALUE;
		ret->is_ptr = dwarf_tag(&t) == DW_TAG_pointer_type;
		if (!scalar(&t, &ret->loc.size, &ret->loc.is_signed)) {
			*why = cc_sprintf(at->a, "'%s' is not an integer or a pointer (a float?): "
					  "taphub reads integers", what);
			return -EINVAL;
		}
		if (is_addr)
			return dw_push(l, CC_UOP_DEREF, ret->loc.size, -1);
		return 0;
	}
	if (!is_addr) {
		*why = cc_sprintf(at->a, "'%s' is held in registers here, not in memory", what);
		return -EINVAL;
	}
	return 0;
}

int cc_dwarf_read(struct cc_arena *a, const char *path, uint64_t pc, const char *name,
		  const struct cc_uchain *chain, int nchain, struct cc_uread *ret, const char **why)
{
	struct dw_at at;
	Dwarf_Die t;
	int r = dw_open_at(a, path, pc, &at, why);

	if (r == 0)
		r = walk(&at, name, chain, nchain, ret, &t, why);
	dw_close(&at);
	return r;
}

int cc_dwarf_members(struct cc_arena *a, const char *path, uint64_t pc, const char *name,
		     const struct cc_uchain *chain, int nchain, const char ***ret, int *nret,
		     const char **why)
{
	struct cc_uread rd;
	struct dw_at at;
	Dwarf_Die t, c;
	int r = dw_open_at(a, path, pc, &at, why), n = 0;

	*nret = 0;
	if (r == 0)
		r = walk(&at, name, chain, nchain, &rd, &t, why);
	if (r == 0 && rd.kind == CC_UREAD_STRUCT && dwarf_child(&t, &c) == 0) {
		*ret = cc_alloc(a, sizeof(**ret) * DW_MAX_VARS);
		do {
			const char *m = dwarf_diename(&c);

			if (dwarf_tag(&c) == DW_TAG_member && m && n < DW_MAX_VARS)
				(*ret)[n++] = cc_strdup(a, m);
		} while (dwarf_siblingof(&c, &c) == 0);
		*nret = n;
	}
	dw_close(&at);
	return r;
}

/* The name of the function (out-of-line or inlined) around addr in cu, or NULL. */
static const char *func_at(Dwarf_Die *cu, uint64_t addr)
{
	Dwarf_Die *sc = NULL;
	const char *name = NULL;
	int n = dwarf_getscopes(cu, addr, &sc), i;

	for (i = n - 1; i >= 0 && !name; i--)
		if (dwarf_tag(&sc[i]) == DW_TAG_subprogram)
			name = die_name(&sc[i]);
	free(sc);
	return name;
}

int cc_dwarf_lines(struct cc_arena *a, const char *path, const char *func, const char *file,
		   int lo, int hi, struct cc_uline **ret, int *nret, const char **why)
{
	struct cc_uline *v = cc_alloc(a, sizeof(*v) * DW_MAX_LINES);
	Dwarf_Off off = 0, next;
	struct dw_at at;
	size_t hsize;
	int r, n = 0;

	*nret = 0;
	r = dw_open(a, path, &at, why);
	if (r < 0)
		goto out;
	while (dwarf_nextcu(at.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Lines *lines;
		Dwarf_Die cu;
		size_t nl, i;

		if (!dwarf_offdie(at.dw, off + hsize, &cu) || dwarf_getsrclines(&cu, &lines, &nl)) {
			off = next;
			continue;
		}
		off = next;
		for (i = 0; i < nl; i++) {
			Dwarf_Line *line = dwarf_onesrcline(lines, i);
			const char *f = dwarf_linesrc(line, NULL, NULL), *fn;
			Dwarf_Addr addr;
			bool stmt = false, end = false;
			int ln, k;

			if (dwarf_lineno(line, &ln) || ln < lo || ln > hi || dwarf_lineaddr(line, &addr) ||
			    dwarf_linebeginstatement(line, &stmt) || !stmt ||
			    dwarf_lineendsequence(line, &end) || end)
				continue;
			/* "file.c" names the file whatever its directory: a whole last part */
			if (!f || !path_ends(f, file))
				continue;
			fn = func_at(&cu, addr);
			if (!fn || fnmatch(func, fn, 0))
				continue;
			/* the first address of each line of each function */
			for (k = 0; k < n && !(v[k].line == ln && !strcmp(v[k].func, fn)); k++)
				;
			if (k < n) {
				if (addr < v[k].addr)
					v[k].addr = addr;
				continue;
			}
			if (n == DW_MAX_LINES) {
				*why = cc_sprintf(a, "matches more than %d lines: narrow it", DW_MAX_LINES);
				r = -E2BIG;
				goto out;
			}
			v[n].file = cc_strdup(a, strrchr(f, '/') ? strrchr(f, '/') + 1 : f);
			v[n].line = ln;
			v[n].addr = addr;
			v[n++].func = cc_strdup(a, fn);
		}
	}
	*ret = v;
	*nret = n;
out:
	dw_close(&at);
	return r;
}

/* The search of cc_dwarf_funcs: its pattern and what it found. */
struct func_search {
	struct cc_arena *a;
	const char *pat, *file;
	int lo, hi;
	bool inl;
	struct cc_ufn *v;
	int n;
};

/* Functions defined one in another (C++ classes, namespaces, inlined copies in inlined copies). */
#define DW_MAX_NESTING 64

static int cmp_ufn(const void *x, const void *y)
{
	const struct cc_ufn *a = x, *b = y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int search_funcs(struct func_search *F, Dwarf_Die *parent, int depth)
{
	Dwarf_Die c;

	if (depth > DW_MAX_NESTING || dwarf_child(parent, &c))
		return 0;
	do {
		int tag = dwarf_tag(&c), line = 0, r;
		const char *name, *df;
		Dwarf_Addr pc;
		bool want;

		want = F->inl ? tag == DW_TAG_inlined_subroutine
			      : tag == DW_TAG_subprogram && !dwarf_hasattr(&c, DW_AT_declaration);
		name = want ? die_name(&c) : NULL;
		if (name && !fnmatch(F->pat, name, 0) && dwarf_entrypc(&c, &pc) == 0 && pc) {
			df = dwarf_decl_file(&c);
			dwarf_decl_line(&c, &line);
			if ((!F->file || (df && path_ends(df, F->file))) && line >= F->lo &&
			    line <= F->hi) {
				if (F->n == DW_MAX_LINES)
					return -E2BIG;
				F->v[F->n].name = cc_strdup(F->a, name);
				F->v[F->n].file = df ? cc_strdup(F->a, strrchr(df, '/') ? strrchr(df, '/') + 1 : df)
						     : "";
				F->v[F->n].line = line;
				F->v[F->n++].addr = pc;
			}
		}
		/* inlined copies are inside functions, lexical blocks, other copies */
		if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
		    tag == DW_TAG_inlined_subroutine || tag == DW_TAG_namespace ||
		    tag == DW_TAG_class_type || tag == DW_TAG_structure_type) {
			r = search_funcs(F, &c, depth + 1);
			if (r < 0)
				return r;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

int cc_dwarf_funcs(struct cc_arena *a, const char *path, const char *pat, const char *file,
		   int lo, int hi, bool inl, struct cc_ufn **ret, int *nret, const char **why)
{
	struct func_search F = {.a = a, .pat = pat, .file = file, .lo = lo, .hi = hi, .inl = inl};
	Dwarf_Off off = 0, next;
	struct dw_at at;
	size_t hsize;
	int r, i, k;

	*nret = 0;
	F.v = cc_alloc(a, sizeof(*F.v) * DW_MAX_LINES);
	r = dw_open(a, path, &at, why);
	while (r == 0 && dwarf_nextcu(at.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(at.dw, off + hsize, &cu))
			r = search_funcs(&F, &cu, 0);
		off = next;
	}
	if (r == -E2BIG)
		*why = cc_sprintf(a, "matches more than %d functions: narrow it", DW_MAX_LINES);
	if (r == 0) {
		/* one per address: a function the DWARF names twice (a C++ declaration and definition) */
		qsort(F.v, (size_t)F.n, sizeof(*F.v), cmp_ufn);
		for (i = k = 0; i < F.n; i++)
			if (!k || F.v[k - 1].addr != F.v[i].addr)
				F.v[k++] = F.v[i];
		*ret = F.v;
		*nret = k;
	}
	dw_close(&at);
	return r;
}

/*
 * A type named tname at the top of a CU: "struct X", "union X", "enum X",
 * or X (a typedef, a base type, or a struct, union or enum of that name).
 * Its definition: a declaration (struct X;) has no members.
 */
static int find_type(struct dw_at *at, const char *tname, Dwarf_Die *ret, const char **why)
{
	static const struct {
		const char *kw;
		int tag;
	} kws[] = {{"struct ", DW_TAG_structure_type}, {"union ", DW_TAG_union_type},
		   {"enum ", DW_TAG_enumeration_type}, {"class ", DW_TAG_class_type}};
	Dwarf_Off off = 0, next;
	const char *name = tname;
	size_t hsize, i;
	int tag = 0;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strncmp(tname, kws[i].kw, strlen(kws[i].kw))) {
			name = tname + strlen(kws[i].kw);
			tag = kws[i].tag;
		}
	while (dwarf_nextcu(at->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c;

		if (!dwarf_offdie(at->dw, off + hsize, &cu) || dwarf_child(&cu, &c)) {
			off = next;
			continue;
		}
		off = next;
		do {
			int ct = dwarf_tag(&c);
			const char *n = dwarf_diename(&c);

			if (!n || strcmp(n, name) || dwarf_hasattr(&c, DW_AT_declaration))
				continue;
			if (tag ? ct == tag
				: ct == DW_TAG_typedef || ct == DW_TAG_base_type ||
					  ct == DW_TAG_structure_type || ct == DW_TAG_union_type ||
					  ct == DW_TAG_enumeration_type || ct == DW_TAG_class_type) {
				*ret = c;
				return 0;
			}
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	*why = cc_sprintf(at->a, "no type '%s' is defined in the DWARF", tname);
	return -ESRCH;
}

int cc_dwarf_cast(struct cc_arena *a, const char *path, const char *tname,
		  const struct cc_uchain *chain, int nchain, struct cc_uread *ret, const char **why)
{
	struct dw_at at;
	Dwarf_Die t, type;
	int r = dw_open(a, path, &at, why);

	memset(ret, 0, sizeof(*ret));
	if (r == 0)
		r = find_type(&at, tname, &t, why);
	if (r == 0) {
		/* typedefs and qualifiers of the type itself: strip from a DIE whose type it is */
		while (dwarf_tag(&t) == DW_TAG_typedef || dwarf_tag(&t) == DW_TAG_const_type ||
		       dwarf_tag(&t) == DW_TAG_volatile_type) {
			Dwarf_Die u;

			if (!strip(&t, &u))
				break;
			t = u;
		}
		/* the pointer is the object's address; @cast(p, "T")[i] the i-th T from there */
		r = dw_push(&ret->loc, CC_UOP_ARG, 0, -1);
		if (r == 0 && nchain && !chain[0].member) {
			Dwarf_Word size;

			if (dwarf_aggregate_size(&t, &size) || !size) {
				*why = cc_sprintf(a, "'%s' has no size: it cannot be indexed", tname);
				r = -EINVAL;
			} else {
				r = chain[0].idx >= 0 ? dw_push(&ret->loc, CC_UOP_INDEX, (int64_t)size, chain[0].idx)
						      : dw_push(&ret->loc, CC_UOP_PLUS, chain[0].index * (int64_t)size, -1);
			}
			chain++;
			nchain--;
		}
		if (r == 0)
			r = walk_chain(&at, cc_sprintf(a, "@cast(..., \"%s\")", tname), true, true, t, chain,
				       nchain, ret, &type, why);
	}
	dw_close(&at);
	return r;
}
