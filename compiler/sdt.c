// SPDX-License-Identifier: MIT
/*
 * SDT markers (DTrace-compatible, <sys/sdt.h>) of an ELF file, read with
 * libelf: where each marker is, its semaphore, and how to find each of its
 * arguments.
 *
 * Each marker is an ELF note of owner "stapsdt", type 3, in section
 * .note.stapsdt.  Its descriptor is three addresses (the marker's pc, the
 * link-time address of section .stapsdt.base, the semaphore or 0) and
 * three strings: provider, name, argument specs.  When a tool such as
 * prelink moved the file after linking, .stapsdt.base's address differs
 * from the recorded one by how far everything moved: pc and semaphore
 * move by the same amount.
 *
 * A uprobe goes at a file offset, and so does its reference counter (the
 * semaphore, which the kernel increments while a probe is attached so a
 * guarded marker's `if (PROVIDER_NAME_ENABLED())` runs it): both come
 * from the loadable segment that holds the address.
 *
 * Argument specs are what the compiler's asm operand constraints gave,
 * written as GNU as prints them, one per argument, separated by spaces:
 * `[-]SIZE@OPERAND`, a negative size for a signed value, with OPERAND one
 * of x86-64's forms: `%reg`, `$imm`, `disp(%base)`, `disp(%base,%index,
 * scale)`, `(,%index,scale)`, `sym+off(%rip)`.  Only x86-64 is read: the
 * one architecture taphub builds for.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"
#include "taphub/marker.h"

#define NT_STAPSDT 3

/* x86_64's struct pt_regs (arch/x86/include/asm/ptrace.h): a fixed ABI */
static const struct {
	const char *name[4]; /* 64, 32, 16, 8 bit names */
	int off;
} regs[] = {
    {{"rax", "eax", "ax", "al"}, 80},	   {{"rbx", "ebx", "bx", "bl"}, 40},
    {{"rcx", "ecx", "cx", "cl"}, 88},	   {{"rdx", "edx", "dx", "dl"}, 96},
    {{"rsi", "esi", "si", "sil"}, 104},	   {{"rdi", "edi", "di", "dil"}, 112},
    {{"rbp", "ebp", "bp", "bpl"}, 32},	   {{"rsp", "esp", "sp", "spl"}, 152},
    {{"r8", "r8d", "r8w", "r8b"}, 72},	   {{"r9", "r9d", "r9w", "r9b"}, 64},
    {{"r10", "r10d", "r10w", "r10b"}, 56}, {{"r11", "r11d", "r11w", "r11b"}, 48},
    {{"r12", "r12d", "r12w", "r12b"}, 24}, {{"r13", "r13d", "r13w", "r13b"}, 16},
    {{"r14", "r14d", "r14w", "r14b"}, 8},  {{"r15", "r15d", "r15w", "r15b"}, 0},
};

#define PT_REGS_IP 128

/* %name at *p: its pt_regs offset (and, for %ah-style, a shift); -1: unknown */
static int parse_reg(const char **p, int *shift)
{
	static const struct {
		const char *name;
		int off;
	} high[] = {{"ah", 80}, {"bh", 40}, {"ch", 88}, {"dh", 96}};
	const char *s = *p;
	size_t n, i, k;

	if (*s != '%')
		return -1;
	s++;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789");
	*shift = 0;
	for (i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
		if (strlen(high[i].name) == n && !strncmp(s, high[i].name, n)) {
			*shift = 8;
			*p = s + n;
			return high[i].off;
		}
	}
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (k = 0; k < 4; k++)
			if (strlen(regs[i].name[k]) == n && !strncmp(s, regs[i].name[k], n)) {
				*p = s + n;
				return regs[i].off;
			}
	if (n == 3 && !strncmp(s, "rip", 3)) {
		*p = s + n;
		return PT_REGS_IP;
	}
	return -1;
}

static bool parse_num(const char **p, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 0);
	if (end == *p || errno)
		return false;
	*p = end;
	return true;
}

static int arg_error(const char **err, const char *why)
{
	*err = why;
	return -EINVAL;
}

/* One spec, [s, e): an argument. */
static int parse_one(struct cc_arena *a, const char *s, const char *e, struct cc_sdt_arg *r,
		     const char **err)
{
	char *spec = cc_strndup(a, s, (size_t)(e - s)), *at = strchr(spec, '@');
	const char *p = spec;
	int shift;

	memset(r, 0, sizeof(*r));
	r->reg = r->index = -1;
	r->size = 8;
	r->is_signed = true; /* no size given: a long, as stap takes it */
	if (at) {
		int64_t n;

		if (!parse_num(&p, &n) || p != at ||
		    (n != 1 && n != 2 && n != 4 && n != 8 && n != -1 && n != -2 && n != -4 &&
		     n != -8))
			return arg_error(err, "bad size before '@'");
		r->size = (int)(n < 0 ? -n : n);
		r->is_signed = n < 0;
		p = at + 1;
	}
	if (*p == '%') {
		r->kind = CC_SDT_REG;
		r->reg = parse_reg(&p, &shift);
		r->shift = shift;
		if (r->reg < 0 || r->reg == PT_REGS_IP)
			return arg_error(err, "unknown register");
	} else if (*p == '$') {
		p++;
		r->kind = CC_SDT_IMM;
		if (!parse_num(&p, &r->val))
			return arg_error(err,
					 "immediate operand is not a number (a symbol's address?)");
	} else {
		r->kind = CC_SDT_MEM;
		/* the displacement: numbers and at most one symbol, added (8+pr.0, sym-4) */
		while (*p && *p != '(') {
			bool neg = false;
			int64_t n;

			if (*p == '+' || *p == '-')
				neg = *p++ == '-';
			if (*p >= '0' && *p <= '9') {
				if (!parse_num(&p, &n))
					return arg_error(err, "bad displacement");
				r->val += neg ? -n : n;
			} else {
				size_t k = strcspn(p, "+-(");

				if (!k || neg || r->sym)
					return arg_error(err, "bad displacement");
				r->sym = cc_strndup(a, p, k);
				p += k;
			}
		}
		if (*p != '(')
			return arg_error(err, "expected '(' in a memory operand");
		p++;
		if (*p == '%') {
			r->reg = parse_reg(&p, &shift);
			if (r->reg < 0 || shift)
				return arg_error(err, "unknown base register");
			r->rip = r->reg == PT_REGS_IP;
		}
		if (*p == ',') {
			int64_t sc = 1;

			p++;
			r->index = parse_reg(&p, &shift);
			if (r->index < 0 || shift || r->index == PT_REGS_IP)
				return arg_error(err, "unknown index register");
			if (*p == ',') {
				p++;
				if (!parse_num(&p, &sc) ||
				    (sc != 1 && sc != 2 && sc != 4 && sc != 8))
					return arg_error(err, "bad scale");
			}
			r->scale = (int)sc;
		}
		if (*p != ')')
			return arg_error(err, "expected ')' in a memory operand");
		p++;
		if (r->reg < 0 && r->index < 0)
			return arg_error(err, "absolute addresses are not supported");
		if ((r->sym != NULL) != r->rip)
			return arg_error(
			    err, r->rip ? "%rip without a symbol"
					: "a symbol's address is only read relative to %rip");
	}
	if (*p)
		return arg_error(err, "unexpected text after the operand");
	return 0;
}

int cc_sdt_parse_args(struct cc_arena *a, const char *spec, struct cc_sdt_arg *v, int max,
		      const char **err)
{
	const char *p = spec;
	int n = 0;

	for (;;) {
		const char *e;

		p += strspn(p, " \t");
		if (!*p)
			return n;
		if (n == max)
			return arg_error(err, "more arguments than SDT markers have (12)");
		e = p + strcspn(p, " \t");
		if (parse_one(a, p, e, &v[n], err) < 0)
			return -EINVAL;
		n++;
		p = e;
	}
}

/* The file offset of a link-time address, through the loadable segments. */
static bool file_offset(Elf *e, uint64_t addr, uint64_t *off)
{
	size_t n, i;

	if (elf_getphdrnum(e, &n))
		return false;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

static bool find_section(Elf *e, const char *want, GElf_Shdr *ret, Elf_Scn **scn_ret)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, ret))
			continue;
		name = elf_strptr(e, shstrndx, ret->sh_name);
		if (name && !strcmp(name, want)) {
			if (scn_ret)
				*scn_ret = scn;
			return true;
		}
	}
	return false;
}

/* The value of symbol name in .symtab, else .dynsym. */
static bool find_symbol(Elf *e, const char *name, uint64_t *val)
{
	static const char *const tabs[] = {".symtab", ".dynsym"};
	size_t t;

	for (t = 0; t < 2; t++) {
		GElf_Shdr sh;
		Elf_Scn *scn;
		Elf_Data *d;
		size_t i, n;

		if (!find_section(e, tabs[t], &sh, &scn) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; d && i < n; i++) {
			GElf_Sym s;
			const char *sn;

			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF)
				continue;
			sn = elf_strptr(e, sh.sh_link, s.st_name);
			if (sn && !strcmp(sn, name)) {
				*val = s.st_value;
				return true;
			}
		}
	}
	return false;
}

/* An x86-64 ELF file, opened: 0, or -errno and *err (nothing left open) */
static int elf_open(const char *path, int *fdp, Elf **ep, const char **err)
{
	GElf_Ehdr eh;
	Elf *e;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = strerror(errno);
		return -errno;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64) {
		*err = e && elf_kind(e) == ELF_K_ELF ? "not an x86-64 ELF file" : "not an ELF file";
		if (e)
			elf_end(e);
		close(fd);
		return -EINVAL;
	}
	*fdp = fd;
	*ep = e;
	return 0;
}

/* The descriptor of one note: addresses, then the three strings. */
static int read_note(struct cc_arena *a, Elf *e, const char *desc, size_t len, bool is64,
		     struct cc_sdt_note *m)
{
	size_t w = is64 ? 8 : 4, at = 3 * w, pl, nl;
	uint64_t addr[3] = {0};
	int i;

	if (len < at + 3)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		if (is64) {
			memcpy(&addr[i], desc + (size_t)i * w, 8);
		} else {
			uint32_t v;

			memcpy(&v, desc + (size_t)i * w, 4);
			addr[i] = v;
		}
	}
	pl = strnlen(desc + at, len - at);
	if (at + pl + 1 >= len)
		return -EINVAL;
	nl = strnlen(desc + at + pl + 1, len - at - pl - 1);
	if (at + pl + 1 + nl + 1 > len)
		return -EINVAL;
	m->provider = cc_strndup(a, desc + at, pl);
	m->name = cc_strndup(a, desc + at + pl + 1, nl);
	at += pl + 1 + nl + 1;
	m->args = cc_strndup(a, desc + at, at < len ? strnlen(desc + at, len - at) : 0);
	m->pc = addr[0];
	m->base = addr[1];
	m->sem = addr[2];
	(void)e;
	return 0;
}

/*
 * A no-trap marker's site (include/taphub/marker.h) starts at its
 * semaphore: the semaphore, a version, a magic, then one type letter per
 * argument.  The types, or NULL when the marker is a plain SDT one.
 */
static const char *mark_types(struct cc_arena *a, int fd, uint64_t sem_off, int nargs)
{
	struct th_mark_site site;
	size_t i;

	if (pread(fd, &site, offsetof(struct th_mark_site, gen), (off_t)sem_off) !=
		    (ssize_t)offsetof(struct th_mark_site, gen) ||
	    site.magic != TH_MARK_SITE_MAGIC || site.version != TH_MARK_SITE_VERSION)
		return NULL;
	for (i = 0; i < sizeof(site.types) && site.types[i]; i++)
		if (site.types[i] != 'l' && site.types[i] != 's')
			return NULL;
	if ((int)i != nargs)
		return NULL;
	return cc_strndup(a, site.types, i);
}

int cc_sdt_read(struct cc_arena *a, const char *path, struct cc_sdt_note **ret, int *nret,
		const char **err)
{
	struct cc_sdt_note *v = NULL;
	int fd, n = 0, cap = 0, r, i;
	GElf_Shdr sh, base_sh;
	Elf_Scn *scn;
	Elf_Data *d;
	bool has_base, is64;
	size_t off = 0, noff, nameoff, descoff;
	GElf_Nhdr nh;
	Elf *e;

	*ret = NULL;
	*nret = 0;
	r = elf_open(path, &fd, &e, err);
	if (r < 0)
		return r;
	is64 = gelf_getclass(e) == ELFCLASS64;
	r = 0;
	if (!find_section(e, ".note.stapsdt", &sh, &scn) || sh.sh_type != SHT_NOTE)
		goto out; /* no markers */
	has_base = find_section(e, ".stapsdt.base", &base_sh, NULL);
	d = elf_getdata(scn, NULL);
	while (d && (noff = gelf_getnote(d, off, &nh, &nameoff, &descoff)) > 0) {
		struct cc_sdt_note *m;

		off = noff;
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)d->d_buf + nameoff, "stapsdt", 8))
			continue;
		if (n == cap) {
			struct cc_sdt_note *nv;

			cap = cap ? cap * 2 : 16;
			nv = cc_alloc(a, sizeof(*nv) * (size_t)cap);
			if (n)
				memcpy(nv, v, sizeof(*nv) * (size_t)n);
			v = nv;
		}
		m = &v[n];
		memset(m, 0, sizeof(*m));
		if (read_note(a, e, (char *)d->d_buf + descoff, nh.n_descsz, is64, m) < 0) {
			*err = "a malformed .note.stapsdt entry";
			r = -EINVAL;
			goto out;
		}
		if (has_base && m->base != base_sh.sh_addr) {
			/* moved after linking (prelink): everything moved alike */
			uint64_t delta = base_sh.sh_addr - m->base;

			m->pc += delta;
			if (m->sem)
				m->sem += delta;
		}
		if (!file_offset(e, m->pc, &m->off)) {
			*err = "a marker's address is in no loadable segment";
			r = -EINVAL;
			goto out;
		}
		if (m->sem && !file_offset(e, m->sem, &m->sem_off)) {
			*err = "a marker's semaphore is in no loadable segment";
			r = -EINVAL;
			goto out;
		}
		m->nargs = cc_sdt_parse_args(a, m->args, m->arg, CC_SDT_MAX_ARGS, &m->err);
		if (m->sem_off && m->nargs >= 0)
			m->mark_types = mark_types(a, fd, m->sem_off, m->nargs);
		for (i = 0; m->nargs > 0 && i < m->nargs; i++) {
			struct cc_sdt_arg *g = &m->arg[i];
			uint64_t sv;

			if (!g->sym)
				continue;
			if (!find_symbol(e, g->sym, &sv)) {
				m->err = cc_sprintf(a,
						    "symbol '%s' of argument %d is not in the "
						    "symbol table",
						    g->sym, i + 1);
				m->nargs = -EINVAL;
				break;
			}
			/* the operand's address relative to the marker's: the probe knows its ip */
			g->val = (int64_t)(sv - m->pc) + g->val;
		}
		n++;
	}
	*ret = v;
	*nret = n;
out:
	if (e)
		elf_end(e);
	close(fd);
	return r;
}

int cc_elf_needed(struct cc_arena *a, const char *path, struct cc_vec *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	int fd, n = 0;
	size_t i;
	Elf *e;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && find_section(e, ".dynamic", &sh, &scn) && sh.sh_entsize) {
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *v;

			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			v = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (v) {
				cc_vec_push(a, out, cc_strdup(a, v));
				n++;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return n;
}

const char *cc_elf_runpath(struct cc_arena *a, const char *path)
{
	const char *ret = NULL, *dir;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	size_t i;
	int fd;
	Elf *e;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || !find_section(e, ".dynamic", &sh, &scn) || !sh.sh_entsize)
		goto out;
	d = elf_getdata(scn, NULL);
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Dyn dyn;
		const char *v;

		if (!gelf_getdyn(d, (int)i, &dyn) ||
		    (dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH))
			continue;
		v = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
		/* DT_RUNPATH wins over DT_RPATH, as in ld.so when both are there */
		if (v && (!ret || dyn.d_tag == DT_RUNPATH))
			ret = cc_strdup(a, v);
	}
	if (ret && strstr(ret, "$ORIGIN")) {
		/* $ORIGIN: the directory of the file itself */
		char *out = cc_strdup(a, ""), *slash;
		const char *p = ret;

		dir = cc_strdup(a, path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		while (*p) {
			const char *o = strstr(p, "$ORIGIN");

			if (!o) {
				out = cc_sprintf(a, "%s%s", out, p);
				break;
			}
			out = cc_sprintf(a, "%s%.*s%s", out, (int)(o - p), p, dir);
			p = o + strlen("$ORIGIN");
		}
		ret = out;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

static int cmp_func(const void *a, const void *b)
{
	const struct cc_elf_func *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

/*
 * The functions of symbol table tab of es, appended to *v; offsets are
 * those of the file em (es itself, or the file es is the debug file of:
 * its sections are empty there, its addresses the same).
 */
static void read_funcs(struct cc_arena *a, Elf *es, Elf *em, const char *tab,
		       struct cc_elf_func **v, int *n, int *cap)
{
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	size_t i;

	if (!find_section(es, tab, &sh, &scn) || !sh.sh_entsize)
		return;
	d = elf_getdata(scn, NULL);
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		const char *sn;
		uint64_t off;
		int ty;

		if (!gelf_getsym(d, (int)i, &s))
			continue;
		ty = GELF_ST_TYPE(s.st_info);
		if ((ty != STT_FUNC && ty != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
		    !s.st_value)
			continue;
		sn = elf_strptr(es, sh.sh_link, s.st_name);
		if (!sn || !*sn || !file_offset(em, s.st_value, &off))
			continue;
		if (*n == *cap) {
			struct cc_elf_func *nv;

			*cap = *cap ? *cap * 2 : 256;
			nv = cc_alloc(a, sizeof(*nv) * (size_t)*cap);
			if (*n)
				memcpy(nv, *v, sizeof(*nv) * (size_t)*n);
			*v = nv;
		}
		/* a .symver'd symbol is "pthread_mutex_init@@GLIBC_2.2.5" there: the name is before '@' */
		(*v)[*n].name = cc_strndup(a, sn, strcspn(sn, "@"));
		(*v)[*n].addr = s.st_value;
		(*v)[*n].size = s.st_size;
		(*v)[*n].off = off;
		(*n)++;
	}
}

int cc_elf_funcs(struct cc_arena *a, const char *path, struct cc_elf_func **ret, int *nret,
		 const char **err)
{
	struct cc_elf_func *v = NULL;
	int fd, n = 0, cap = 0, r, k;
	const char *dbg;
	size_t t;
	Elf *e;

	*ret = NULL;
	*nret = 0;
	r = elf_open(path, &fd, &e, err);
	if (r < 0)
		return r;
	r = 0;
	/*
	 * .symtab has every function; a stripped file keeps it in its debug
	 * file (Debian's -dbg and -dbgsym packages: libc6-dbg has
	 * _int_malloc), and the exported ones in .dynsym
	 */
	read_funcs(a, e, e, ".symtab", &v, &n, &cap);
	if (!n && (dbg = cc_debug_file(a, path))) {
		int dfd;
		Elf *de;
		const char *why;

		if (elf_open(dbg, &dfd, &de, &why) == 0) {
			read_funcs(a, de, e, ".symtab", &v, &n, &cap);
			elf_end(de);
			close(dfd);
		}
	}
	if (!n)
		read_funcs(a, e, e, ".dynsym", &v, &n, &cap);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_func);
	/* one per name (a versioned or duplicated symbol): the first address */
	for (k = 0, t = 0; (int)t < n; t++)
		if (!k || strcmp(v[k - 1].name, v[t].name))
			v[k++] = v[t];
	*ret = v;
	*nret = k;
	elf_end(e);
	close(fd);
	return r;
}

/* Up to 8 bytes of the file at off, in hex: what the loader expects to find there. */
const char *cc_file_hex(struct cc_arena *a, const char *path, uint64_t off)
{
	unsigned char b[8];
	char *hex = cc_alloc(a, 17);
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof(b), (off_t)off) : -1;

	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	return n > 0 ? hex : "00";
}

/* A '-' of a [a-z] range stays: it is the pattern's, not a name's. */
const char *cc_sdt_mark_pattern(struct cc_arena *a, const char *pat)
{
	size_t n = 0, i;
	bool range = false;
	char *s, *o;

	for (i = 0; pat[i]; i++)
		n += pat[i] == '-' ? 2 : 1;
	s = o = cc_alloc(a, n + 1);
	for (i = 0; pat[i]; i++) {
		if (pat[i] == '[')
			range = true;
		else if (pat[i] == ']')
			range = false;
		if (pat[i] == '-' && !range) {
			*o++ = '_';
			*o++ = '_';
		} else {
			*o++ = pat[i];
		}
	}
	return s;
}

int cc_elf_offset(const char *path, uint64_t addr, uint64_t *ret)
{
	const char *err;
	Elf *e;
	int fd, r;

	r = elf_open(path, &fd, &e, &err);
	if (r < 0)
		return r;
	r = file_offset(e, addr, ret) ? 0 : -ERANGE;
	elf_end(e);
	close(fd);
	return r;
}

/* The GOT slot an x86-64 PLT stub at addr jumps through (its bytes b), or 0. */
static uint64_t plt_slot(const unsigned char *b, size_t len, uint64_t addr)
{
	size_t i = 0;
	int32_t disp;

	/* endbr64 (IBT), then a bnd prefix (MPX): both optional */
	if (len >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
		i = 4;
	if (i < len && b[i] == 0xf2)
		i++;
	/* jmp *disp32(%rip) */
	if (i + 6 > len || b[i] != 0xff || b[i + 1] != 0x25)
		return 0;
	memcpy(&disp, b + i + 2, 4);
	return addr + i + 6 + (uint64_t)(int64_t)disp;
}

int cc_elf_plt(struct cc_arena *a, const char *path, struct cc_elf_func **ret, int *nret,
	       const char **err)
{
	GElf_Shdr rsh, psh, dsh;
	Elf_Scn *rscn, *pscn, *dscn;
	Elf_Data *rd, *pd, *dd;
	struct cc_elf_func *v = NULL;
	size_t nrel, i;
	int fd, r, n = 0;
	Elf *e;
	uint64_t off;

	*nret = 0;
	r = elf_open(path, &fd, &e, err);
	if (r < 0)
		return r;
	if (!find_section(e, ".rela.plt", &rsh, &rscn) || !rsh.sh_entsize ||
	    !(rd = elf_getdata(rscn, NULL)) ||
	    !(dscn = elf_getscn(e, rsh.sh_link)) || !gelf_getshdr(dscn, &dsh) ||
	    !(dd = elf_getdata(dscn, NULL)))
		goto out; /* no PLT: none */
	/* the stubs the code calls: .plt.sec with IBT, else .plt (its first entry is the resolver's) */
	if ((!find_section(e, ".plt.sec", &psh, &pscn) && !find_section(e, ".plt", &psh, &pscn)) ||
	    psh.sh_type != SHT_PROGBITS || !(pd = elf_getdata(pscn, NULL)))
		goto out;
	nrel = rsh.sh_size / rsh.sh_entsize;
	v = cc_alloc(a, sizeof(*v) * (nrel ? nrel : 1));
	for (i = 0; i + 16 <= psh.sh_size && i + 16 <= pd->d_size; i += 16) {
		uint64_t slot = plt_slot((unsigned char *)pd->d_buf + i, 16, psh.sh_addr + i);
		size_t k;

		for (k = 0; slot && k < nrel; k++) {
			GElf_Rela rel;
			GElf_Sym sym;
			const char *name;

			if (!gelf_getrela(rd, (int)k, &rel) || rel.r_offset != slot ||
			    GELF_R_TYPE(rel.r_info) != R_X86_64_JUMP_SLOT ||
			    !gelf_getsym(dd, (int)GELF_R_SYM(rel.r_info), &sym))
				continue;
			name = elf_strptr(e, dsh.sh_link, sym.st_name);
			if (!name || !*name || !file_offset(e, psh.sh_addr + i, &off))
				continue;
			v[n].name = cc_strdup(a, name);
			v[n].addr = psh.sh_addr + i;
			v[n].size = 16;
			v[n++].off = off;
			break;
		}
	}
out:
	*ret = v;
	*nret = n;
	elf_end(e);
	close(fd);
	return 0;
}
