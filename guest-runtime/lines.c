// SPDX-License-Identifier: MIT
/*
 * lines.c - the source file and line of an address of an ELF file, from
 * its DWARF line table (libdw): usymfileline(), usymfile(), usymline()
 * and the frames of print_ubacktrace_fileline().
 *
 * The DWARF is the file's own or, for a stripped file, the debug file a
 * Debian -dbgsym package installs under /usr/lib/debug/.build-id/ (where
 * the compiler looks for it too, compiler/dwarf.c).  A file's DWARF is
 * opened once and kept by its owner, backtrace.c's cache of a process's
 * files; libdw keeps each CU's line table once it has read it, so a
 * profile's repeated addresses cost a search of .debug_aranges and a
 * binary search of the CU's rows.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest-runtime/lines.h"

/* A build id is a SHA-1 (20 bytes) in practice; longer ones are not looked up. */
#define BUILD_ID_MAX 64

struct grt_lines {
	Dwarf *dw;
	int fd; /* the file dw reads */
};

/* The debug file of the file open at fd, by its build id; -1 when none. */
static int open_debug_file(int fd)
{
	char path[sizeof("/usr/lib/debug/.build-id/xx/.debug") + 2 * BUILD_ID_MAX];
	const unsigned char *id;
	const void *p = NULL;
	ssize_t n, i;
	int k, dfd = -1;
	Elf *e;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return -1;
	n = dwelf_elf_gnu_build_id(e, &p);
	id = p;
	if (n >= 2 && n <= BUILD_ID_MAX) {
		k = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (i = 1; i < n; i++)
			k += snprintf(path + k, sizeof(path) - (size_t)k, "%02x", id[i]);
		snprintf(path + k, sizeof(path) - (size_t)k, ".debug");
		dfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	elf_end(e);
	return dfd;
}

struct grt_lines *grt_lines_open(const char *path)
{
	struct grt_lines *l = calloc(1, sizeof(*l));
	int fd;

	if (!l)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out_free;
	l->fd = fd;
	l->dw = dwarf_begin(fd, DWARF_C_READ);
	if (!l->dw) {
		/* stripped: its DWARF may be in a debug file */
		l->fd = open_debug_file(fd);
		close(fd);
		l->dw = l->fd >= 0 ? dwarf_begin(l->fd, DWARF_C_READ) : NULL;
	}
	if (l->dw)
		return l;
	if (l->fd >= 0)
		close(l->fd);
out_free:
	free(l);
	return NULL;
}

/*
 * The CU around pc, looked for in every CU: for a file without
 * .debug_aranges (clang's default), where dwarf_addrdie finds nothing.
 */
static bool cu_walk(Dwarf *dw, uint64_t pc, Dwarf_Die *ret)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	uint8_t type;

	while (!dwarf_get_units(dw, cu, &cu, NULL, &type, &die, NULL))
		if (dwarf_haspc(&die, pc) > 0) {
			*ret = die;
			return true;
		}
	return false;
}

int grt_lines_find(struct grt_lines *l, uint64_t vaddr, const char **ret_file,
		   uint64_t *ret_line)
{
	Dwarf_Line *line;
	const char *file;
	Dwarf_Die cu;
	int n;

	if (!dwarf_addrdie(l->dw, vaddr, &cu) && !cu_walk(l->dw, vaddr, &cu))
		return -ENOENT;
	line = dwarf_getsrc_die(&cu, vaddr);
	if (!line || dwarf_lineno(line, &n) || !(file = dwarf_linesrc(line, NULL, NULL)))
		return -ENOENT;
	*ret_file = file;
	*ret_line = n > 0 ? (uint64_t)n : 0;
	return 0;
}

void grt_lines_close(struct grt_lines *l)
{
	if (!l)
		return;
	dwarf_end(l->dw);
	close(l->fd);
	free(l);
}
