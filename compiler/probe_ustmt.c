// SPDX-License-Identifier: MIT
/*
 * Source lines of user-space programs, from the DWARF line table:
 *
 *   process("PATH")[.library("LIB")].statement("FUNC@FILE:LINE")
 *   process("PATH")[.library("LIB")].statement("FUNC@FILE")
 *
 * FUNC is a shell pattern over function names (inlined copies are named
 * for the function they are in), FILE the end of a source file's name
 * ("sdtprog.c", "src/x.c"), LINE a number, a range N-M, or * for every line.
 * Each line of each matching function is one uprobe, on the first address
 * the line table gives it (its first is_stmt row): where a debugger stops
 * for "break FILE:LINE".  A line that has no code (a comment, a
 * declaration folded away) is not in the table: no probe, and an error
 * naming the lines near it that have one.  With no line, as stap's, the
 * probe is on the function's entry: its lowest address in the table,
 * before the prologue a function probe skips.
 *
 * Variables are those in scope at that address (dwarf.c), as for
 * function probes; probefunc() is the function around the line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* Lines searched around a line with no code, for the error's suggestion. */
#define USTMT_NEAR 10

/* "FUNC@FILE:LINE" into its parts; lo..hi is the range (* is 1..INT32_MAX); false: malformed. */
bool cc_ustmt_parse(struct cc_arena *a, const char *spec, const char **func, const char **file,
		    int *lo, int *hi, bool need_line)
{
	const char *at = strchr(spec, '@'), *colon;
	char *end;
	long v;

	if (!at || at == spec)
		return false;
	*func = cc_strndup(a, spec, (size_t)(at - spec));
	colon = strchr(at + 1, ':');
	*lo = 1;
	*hi = INT32_MAX;
	if (!colon) {
		*file = cc_strdup(a, at + 1);
		return !need_line && **file;
	}
	*file = cc_strndup(a, at + 1, (size_t)(colon - at - 1));
	if (!**file)
		return false;
	if (!strcmp(colon + 1, "*"))
		return true;
	v = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || v <= 0 || v > INT32_MAX)
		return false;
	*lo = *hi = (int)v;
	if (*end == '-') {
		const char *s = end + 1;

		v = strtol(s, &end, 10);
		if (end == s || v < *lo || v > INT32_MAX)
			return false;
		*hi = (int)v;
	}
	return !*end;
}

int cc_ustmt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		     bool quiet, struct cc_vec *out)
{
	const struct cc_comp *c = &pt->comps[i];
	const char *func, *file, *why;
	struct cc_uline *v;
	int lo, hi, n, k, j;
	bool entry;

	if (!c->has_arg || !c->arg_is_str || i + 1 != pt->ncomps ||
	    !cc_ustmt_parse(cx->arena, c->str, &func, &file, &lo, &hi, false))
		return cc_point_error(cx, pt, quiet,
				      "needs a function and a file, and maybe a line: "
				      "statement(\"FUNC@FILE[:LINE]\") (LINE: N, N-M or *)");
	/* "FUNC@FILE", no line: the function's entry, its lowest address in the table */
	entry = !strchr(strchr(c->str, '@'), ':');
	if (cc_dwarf_lines(cx->arena, path, func, file, lo, hi, &v, &n, &why) < 0)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "cannot be found in %s: %s", path, why));
	for (k = 0; entry && k < n; k++)
		for (j = 0; j < n; j++)
			if (j != k && !strcmp(v[j].func, v[k].func) && v[j].addr < v[k].addr) {
				v[k--] = v[--n]; /* not the entry of its function */
				break;
			}
	if (!n) {
		char *near = NULL;

		/* a line with no code: say which lines around it have some */
		if (lo == hi &&
		    cc_dwarf_lines(cx->arena, path, func, file, lo > USTMT_NEAR ? lo - USTMT_NEAR : 1,
				   hi + USTMT_NEAR, &v, &n, &why) == 0)
			for (k = 0; k < n; k++)
				near = cc_sprintf(cx->arena, "%s%s%d", near ? near : "", near ? " " : "",
						  v[k].line);
		return cc_point_error(
		    cx, pt, quiet,
		    near ? cc_sprintf(cx->arena,
				      "names no line with code in %s (lines near it with code: %s)",
				      path, near)
			 : cc_sprintf(cx->arena,
				      "matches no line of a function '%s' in a file '%s' of %s's "
				      "DWARF line table",
				      func, file, path));
	}
	for (k = 0; k < n; k++) {
		struct cc_dprobe *d = cc_alloc(cx->arena, sizeof(*d));
		uint64_t off;

		if (cc_elf_offset(path, v[k].addr, &off) < 0)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "line %d is at 0x%llx, in no loadable "
							 "segment of %s",
							 v[k].line, (unsigned long long)v[k].addr, path));
		d->kind = PK_UPROBE;
		d->kernel = true;
		d->loc = pt->loc;
		d->upath = path;
		d->uoff = off;
		d->uaddr = v[k].addr;
		d->ucheck = cc_file_hex(cx->arena, path, off);
		d->func = v[k].func;
		d->pp = cc_sprintf(cx->arena, "process(\"%s\").statement(\"%s@%s:%d\")", path,
				   v[k].func, v[k].file, v[k].line);
		cc_vec_push(cx->arena, out, d);
	}
	return n;
}
