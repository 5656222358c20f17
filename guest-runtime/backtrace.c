// SPDX-License-Identifier: MIT
/*
 * backtrace.c - addresses to symbols, in user space, and the printing of
 * stacks in SystemTap's forms (runtime/sym.c, _stp_snprint_addr).
 *
 * Kernel addresses resolve with /proc/kallsyms, read once, sorted, then
 * binary-searched (it needs root: without CAP_SYSLOG every address there
 * is 0, and addresses stay hex).  vmlinux's symbols are in module
 * "kernel", as stap names it.
 *
 * A process's addresses resolve with the process's own files: its
 * /proc/PID/maps, read when the address is resolved (the record is read
 * soon after the probe fired; a process gone by then leaves hex), gives
 * the file and the offset in it; the file's program headers turn that
 * into the address its symbol table uses; .symtab (or .dynsym when the
 * file is stripped) names it, and its DWARF line table (lines.c) gives
 * the source line of that address.  Symbol tables are read with libelf
 * once per file and kept, with the file's DWARF once a line is asked for
 * (at most MAX_FILES files, dropped oldest first: file_drop frees both).
 * The hub's readers resolve stacks from several threads: the caches are
 * locked, and a name or line found is copied out before the lock goes.
 * The kernel's lines would need vmlinux's DWARF, which is not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "guest-runtime/lines.h"

/* ---- kallsyms ---------------------------------------------------------------- */

struct sym {
	uint64_t addr, size; /* size 0: up to the next symbol */
	char *name;
	char *module; /* kallsyms: NULL for vmlinux */
	int rank;     /* among aliases of one address, the lowest names it */
};

static struct sym *ksyms;
static size_t nksyms;
static pthread_once_t ksyms_once = PTHREAD_ONCE_INIT;

/* By address; aliases by rank (global before weak before local), then name. */
static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

static void load_ksyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	size_t cap = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		unsigned long long addr;
		int k = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);

		/* text and data symbols; addresses are 0 without CAP_SYSLOG */
		if (k < 3 || !addr)
			continue;
		if (nksyms == cap) {
			struct sym *n;

			cap = cap ? cap * 2 : 65536;
			n = realloc(ksyms, cap * sizeof(*n));
			if (!n)
				break;
			ksyms = n;
		}
		ksyms[nksyms].addr = addr;
		ksyms[nksyms].size = 0;
		/* kallsyms' type letter: upper case global, lower case local */
		ksyms[nksyms].rank = type >= 'a' && type <= 'z';
		ksyms[nksyms].name = strdup(name);
		ksyms[nksyms].module = k == 4 ? strdup(mod) : NULL;
		if (!ksyms[nksyms].name)
			break;
		nksyms++;
	}
	fclose(f);
	if (nksyms > 1)
		qsort(ksyms, nksyms, sizeof(*ksyms), by_addr);
}

/* The last symbol at or below addr of a sorted table; NULL when none. */
static const struct sym *sym_find(const struct sym *v, size_t n, uint64_t addr, uint64_t *size)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	lo--;
	/* the first alias of that address; its size: its own, else up to the next symbol */
	for (hi = lo + 1; hi < n && v[hi].addr == v[lo].addr; hi++)
		;
	while (lo > 0 && v[lo - 1].addr == v[lo].addr)
		lo--;
	*size = v[lo].size ? v[lo].size : hi < n ? v[hi].addr - v[lo].addr : 0;
	return &v[lo];
}

/* ---- the forms ------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* What is known of an address; any part may be missing (NULL; line 0). */
struct addr_info {
	const char *name;   /* its symbol */
	uint64_t off, size; /* in the symbol; the symbol's size */
	const char *module; /* its file (kernel: "kernel" or a module) */
	uint64_t moff, msize; /* in the file's extent in the process; that extent */
	const char *file;   /* its source file, from the DWARF line table */
	uint64_t line;
};

/* One address in a style, from what is known of it (stap's _stp_snprint_addr). */
static void render(char *dst, size_t len, uint64_t addr, int style, const struct addr_info *k)
{
	const char *mod = k->module && style == GRT_SYM_SIMPLE ? base_name(k->module) : k->module;
	bool full = style == GRT_SYM_FULL || style == GRT_SYM_FULLER;
	bool at = style == GRT_SYM_FULLER && k->file;
	const char *pre = full ? " " : "";
	char hex[24], line[24] = "";

	snprintf(hex, sizeof(hex), "0x%" PRIx64, addr);
	if (k->line)
		snprintf(line, sizeof(line), ":%" PRIu64, k->line);
	switch (style) {
	case GRT_SYM_FILELINE: /* "file:line", "file" without a line */
		if (k->file) {
			snprintf(dst, len, "%s%s", k->file, line);
			return;
		}
		break;
	case GRT_SYM_FILE:
		if (k->file) {
			snprintf(dst, len, "%s", k->file);
			return;
		}
		break;
	case GRT_SYM_LINE:
		if (k->line) {
			snprintf(dst, len, "%" PRIu64, k->line);
			return;
		}
		break;
	default:
		break;
	}
	if (style >= GRT_SYM_FILELINE) {
		/* no line: the address, as stap says it */
		snprintf(dst, len, "%s", hex);
		return;
	}
	if (k->name) {
		char off[64];

		if (style == GRT_SYM_NAME) {
			snprintf(dst, len, "%s", k->name);
			return;
		}
		if (style == GRT_SYM_SIMPLE)
			snprintf(off, sizeof(off), "+0x%" PRIx64, k->off);
		else
			snprintf(off, sizeof(off), "+0x%" PRIx64 "/0x%" PRIx64, k->off, k->size);
		/* FULLER: " 0x... : name+0x12/0x40 at file:line [module]" */
		snprintf(dst, len, "%s%s%s%s%s%s%s%s%s%s%s", pre, full ? hex : "", full ? " : " : "",
			 k->name, off, at ? " at " : "", at ? k->file : "", at ? line : "",
			 mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
		return;
	}
	if (mod && style != GRT_SYM_NAME) {
		/* a file's address without a symbol: where in the file */
		if (style == GRT_SYM_SIMPLE)
			snprintf(dst, len, "%s [%s+0x%" PRIx64 "]", hex, mod, k->moff);
		else
			snprintf(dst, len, "%s%s [%s+0x%" PRIx64 "/0x%" PRIx64 "]%s%s%s", pre, hex, mod,
				 k->moff, k->msize, at ? " at " : "", at ? k->file : "", at ? line : "");
		return;
	}
	snprintf(dst, len, "%s%s", pre, hex);
}

void grt_sym_kernel(char *dst, size_t len, uint64_t addr, int style)
{
	const struct sym *s;
	uint64_t size = 0;
	struct addr_info k = { 0 };

	/* the kernel's DWARF is not read: its lines are unknown (stap without debuginfo) */
	pthread_once(&ksyms_once, load_ksyms);
	s = sym_find(ksyms, nksyms, addr, &size);
	if (s) {
		k.name = s->name;
		k.off = addr - s->addr;
		k.size = size;
		k.module = s->module ? s->module : "kernel";
	}
	render(dst, len, addr, style, &k);
}

int grt_module_kernel(char *dst, size_t len, uint64_t addr)
{
	const struct sym *s;
	uint64_t size = 0;

	pthread_once(&ksyms_once, load_ksyms);
	s = sym_find(ksyms, nksyms, addr, &size);
	/* past the last symbol's end is no symbol's, as %pS has it */
	if (!s || (size && addr - s->addr >= size))
		return -ENOENT;
	snprintf(dst, len, "%s", s->module ? s->module : "kernel");
	return 0;
}

/* ---- a process's files --------------------------------------------------------- */

#define MAX_FILES 32  /* symbol tables (and DWARF line tables) kept */
#define MAX_SEGS 16   /* PT_LOAD headers of one file */
#define MAX_MAPS 4096 /* lines of /proc/PID/maps looked at */

struct elf_file {
	char *path;
	dev_t dev;
	ino_t ino;
	struct sym *syms;
	size_t nsyms;
	struct {
		uint64_t off, vaddr, filesz;
	} segs[MAX_SEGS];
	int nsegs;
	struct grt_lines *lines; /* its DWARF, opened on the first line asked for */
	bool lines_tried;        /* opened, or found to have none */
	uint64_t used; /* the cache's clock when last used */
};

static struct elf_file files[MAX_FILES];
static uint64_t files_clock;
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;

static void file_drop(struct elf_file *f)
{
	size_t i;

	for (i = 0; i < f->nsyms; i++)
		free(f->syms[i].name);
	free(f->syms);
	free(f->path);
	grt_lines_close(f->lines);
	memset(f, 0, sizeof(*f));
}

/* Functions and objects of one symbol table section, appended to f->syms. */
static int read_symtab(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct elf_file *f,
		       size_t *cap)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (i = 0; d && i < n; i++) {
		GElf_Sym s;
		const char *name;
		int t;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		t = GELF_ST_TYPE(s.st_info);
		if ((t != STT_FUNC && t != STT_OBJECT) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (f->nsyms == *cap) {
			struct sym *v;

			*cap = *cap ? *cap * 2 : 1024;
			v = realloc(f->syms, *cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			f->syms = v;
		}
		f->syms[f->nsyms].addr = s.st_value;
		f->syms[f->nsyms].size = s.st_size;
		f->syms[f->nsyms].module = NULL;
		f->syms[f->nsyms].rank = GELF_ST_BIND(s.st_info) == STB_GLOBAL ? 0
					 : GELF_ST_BIND(s.st_info) == STB_WEAK ? 1
									       : 2;
		f->syms[f->nsyms].name = strdup(name);
		if (!f->syms[f->nsyms].name)
			return -ENOMEM;
		f->nsyms++;
	}
	return 0;
}

/* Read a file's load segments and symbols (.symtab, else .dynsym). */
static int file_load(struct elf_file *f, const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr dynsh;
	bool have_symtab = false;
	size_t i, nph = 0, cap = 0;
	Elf *e;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &nph)) {
		err = -ENOEXEC;
		goto out_close;
	}
	f->path = strdup(path);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	for (i = 0; i < nph && f->nsegs < MAX_SEGS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
			f->segs[f->nsegs].off = ph.p_offset;
			f->segs[f->nsegs].vaddr = ph.p_vaddr;
			f->segs[f->nsegs].filesz = ph.p_filesz;
			f->nsegs++;
		}
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			have_symtab = true;
			err = read_symtab(e, scn, &sh, f, &cap);
		} else if (sh.sh_type == SHT_DYNSYM) {
			dyn = scn;
			dynsh = sh;
		}
		if (err)
			goto out_end;
	}
	if (!have_symtab && dyn)
		err = read_symtab(e, dyn, &dynsh, f, &cap);
	if (!err && f->nsyms > 1)
		qsort(f->syms, f->nsyms, sizeof(*f->syms), by_addr);
out_end:
	elf_end(e);
out_close:
	close(fd);
	if (err || !f->path) {
		file_drop(f);
		return err ? err : -ENOMEM;
	}
	return 0;
}

/* The cached tables of a file (locked by the caller); NULL when it cannot be read. */
static struct elf_file *file_get(const char *path)
{
	struct elf_file *f, *oldest = &files[0];
	struct stat st;
	int i;

	if (stat(path, &st))
		return NULL;
	for (i = 0; i < MAX_FILES; i++) {
		f = &files[i];
		if (f->path && f->dev == st.st_dev && f->ino == st.st_ino) {
			f->used = ++files_clock;
			return f;
		}
		if (!f->path || f->used < oldest->used)
			oldest = f;
	}
	f = oldest;
	file_drop(f);
	if (file_load(f, path, &st))
		return NULL;
	f->used = ++files_clock;
	return f;
}

/* One file mapping of /proc/PID/maps. */
struct map {
	uint64_t start, end, off;
	char path[256];
};

/* The file mappings of a process; their number (0: gone, or none). */
static int read_maps(int64_t pid, struct map **ret)
{
	char name[64], line[512];
	struct map *v = NULL;
	int n = 0, cap = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%lld/maps", (long long)pid);
	f = fopen(name, "re");
	if (!f)
		return 0;
	while (n < MAX_MAPS && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, o;
		char path[256] = "";

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %255s", &s, &e, &o, path) < 3 ||
		    path[0] != '/')
			continue;
		if (n == cap) {
			struct map *m;

			cap = cap ? cap * 2 : 64;
			m = realloc(v, sizeof(*m) * (size_t)cap);
			if (!m)
				break;
			v = m;
		}
		v[n].start = s;
		v[n].end = e;
		v[n].off = o;
		snprintf(v[n].path, sizeof(v[n].path), "%s", path);
		n++;
	}
	fclose(f);
	*ret = v;
	return n;
}

/* The styles that name a source line. */
static bool wants_line(int style)
{
	return style == GRT_SYM_FULLER || style >= GRT_SYM_FILELINE;
}

static void sym_user(char *dst, size_t len, const struct map *maps, int nmaps, uint64_t addr,
		     int style)
{
	const struct map *m = NULL;
	uint64_t base = 0, top = 0, foff, vaddr = 0, size = 0;
	struct addr_info k = { 0 };
	struct elf_file *f;
	int i;

	for (i = 0; i < nmaps; i++)
		if (addr >= maps[i].start && addr < maps[i].end)
			m = &maps[i];
	if (!m) {
		render(dst, len, addr, style, &k);
		return;
	}
	/* the file's extent in the process, for an address no symbol covers */
	for (i = 0; i < nmaps; i++) {
		if (strcmp(maps[i].path, m->path))
			continue;
		if (!base || maps[i].start < base)
			base = maps[i].start;
		if (maps[i].end > top)
			top = maps[i].end;
	}
	k.module = m->path;
	k.moff = addr - base;
	k.msize = top - base;
	foff = addr - m->start + m->off;
	/* the file's names stay the cache's: rendered before it is unlocked */
	pthread_mutex_lock(&files_lock);
	f = file_get(m->path);
	for (i = 0; f && i < f->nsegs; i++)
		if (foff >= f->segs[i].off && foff < f->segs[i].off + f->segs[i].filesz)
			vaddr = foff - f->segs[i].off + f->segs[i].vaddr;
	if (f && vaddr) {
		const struct sym *s = sym_find(f->syms, f->nsyms, vaddr, &size);

		if (s && (!s->size || vaddr < s->addr + s->size)) {
			k.name = s->name;
			k.off = vaddr - s->addr;
			k.size = size;
		}
		if (wants_line(style) && !f->lines_tried) {
			f->lines = grt_lines_open(f->path);
			f->lines_tried = true;
		}
		if (wants_line(style) && f->lines)
			grt_lines_find(f->lines, vaddr, &k.file, &k.line);
	}
	render(dst, len, addr, style, &k);
	pthread_mutex_unlock(&files_lock);
}

void grt_sym_user(char *dst, size_t len, int64_t pid, uint64_t addr, int style)
{
	struct map *maps = NULL;
	int n = read_maps(pid, &maps);

	sym_user(dst, len, maps, n, addr, style);
	free(maps);
}

int grt_stack_print(struct grt_buf *out, bool user, bool resolve, int style, int64_t pid,
		    const uint64_t *ips, int n)
{
	struct map *maps = NULL;
	int nmaps = user && resolve ? read_maps(pid, &maps) : 0, i, err = 0;
	/* a frame's line: its symbol, module and source file are paths at most */
	char line[3 * PATH_MAX];

	for (i = 0; i < n && !err; i++) {
		if (user)
			sym_user(line, sizeof(line), maps, nmaps, ips[i], style);
		else
			grt_sym_kernel(line, sizeof(line), ips[i], style);
		err = grt_buf_puts(out, line);
		if (!err)
			err = grt_buf_putc(out, '\n');
	}
	free(maps);
	return err;
}

/* ---- stacks as strings (backtrace()'s) ---------------------------------------- */

/*
 * print_stack()/sprint_stack() of backtrace()'s string: each hex address
 * as " ADDR : symdata\n", the address as the string has it (stap's
 * print_syms); print_ustack()/sprint_ustack() of ubacktrace()'s, with
 * usymdata (this process's: the current one).  sprint_* keep whole lines.
 */
void grt_stack_lines(struct grt_buf *out, const char *stk, size_t max, bool user)
{
	struct map *maps = NULL;
	int nmaps = user ? read_maps(getpid(), &maps) : 0;
	const char *p = stk;

	while (*p) {
		char tok[32], sym[512], line[600];
		size_t n;
		int k;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (!n)
			break;
		snprintf(tok, sizeof(tok), "%.*s", (int)(n < sizeof(tok) - 1 ? n : sizeof(tok) - 1), p);
		p += n;
		if (user)
			sym_user(sym, sizeof(sym), maps, nmaps, strtoull(tok, NULL, 16), GRT_SYM_DATA);
		else
			grt_sym_kernel(sym, sizeof(sym), strtoull(tok, NULL, 16), GRT_SYM_DATA);
		k = snprintf(line, sizeof(line), " %s : %s\n", tok, sym);
		if (k < 0 || (max && out->len + (size_t)k > max))
			break;
		grt_buf_puts(out, line);
	}
	free(maps);
}

int grt_module_user(char *dst, size_t len, int64_t pid, uint64_t addr)
{
	struct map *maps = NULL;
	int n = read_maps(pid, &maps), i, r = -ENOENT;

	for (i = 0; i < n; i++) {
		if (addr >= maps[i].start && addr < maps[i].end) {
			snprintf(dst, len, "%s", maps[i].path);
			r = 0;
			break;
		}
	}
	free(maps);
	return r;
}
