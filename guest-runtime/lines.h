/* SPDX-License-Identifier: MIT */
/*
 * The source lines of one ELF file (lines.c), for backtrace.c's cache of
 * a process's files.  Private to guest-runtime/: it names libdw's types
 * nowhere, so its users need no libdw header.
 */
#ifndef GRT_LINES_H
#define GRT_LINES_H

#include <stdint.h>

struct grt_lines;

/*
 * The DWARF of the file at path, or of its debug file found by build id;
 * NULL when it has none (stripped, or built without -g) or on an error.
 */
struct grt_lines *grt_lines_open(const char *path);
/*
 * The source file and line of link-time address vaddr: 0, or -ENOENT when
 * the line table does not cover it.  *ret_file lives as long as l.
 */
int grt_lines_find(struct grt_lines *l, uint64_t vaddr, const char **ret_file,
		   uint64_t *ret_line);
void grt_lines_close(struct grt_lines *l);

#endif
