// SPDX-License-Identifier: MIT
/*
 * User-space probe points: the file a process(...) point names, then the
 * kind of probe (probe_sdt.c markers, probe_ufunc.c functions).
 *
 *   process("PATH")...        PATH; without a slash, looked up in $PATH
 *                             as stap does
 *   process(PID)...           the program process PID runs
 *   process...                the program of -c CMD, or of -x PID
 *   ....library("LIB")...     LIB in that program's view: its run path
 *                             (DT_RUNPATH, $ORIGIN), LD_LIBRARY_PATH, the
 *                             dynamic linker's default directories
 *
 * process...begin/.end and .thread.begin/.end are probe_uproc.c's.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"

#define MULTIARCH_DIR "/usr/lib/x86_64-linux-gnu"

bool cc_user_is_pattern(const char *path)
{
	return path && strpbrk(path, "*?[") != NULL;
}

/*
 * /lib*\/NAME, /usr/lib64/NAME...: NAME in the multiarch directory, where
 * Debian and Ubuntu keep the 64-bit libraries; else NULL
 */
char *cc_user_multiarch(struct cc_ctx *cx, const char *pattern)
{
	const char *base = strrchr(pattern, '/');
	size_t dir = (size_t)(base - pattern);

	if (!(dir >= 4 && !strncmp(pattern, "/lib", 4)) &&
	    !(dir >= 8 && !strncmp(pattern, "/usr/lib", 8)))
		return NULL;
	if (memchr(pattern + 1, '/', dir - 1) && strncmp(pattern, "/usr/lib", 8))
		return NULL; /* /lib*\/x/NAME: a subdirectory the pattern chose */
	if (!strncmp(pattern, "/usr/lib", 8) && memchr(pattern + 5, '/', dir - 5))
		return NULL;
	return cc_sprintf(cx->arena, MULTIARCH_DIR "%s", base);
}

/* name in the directories of list (':'-separated): the first executable file */
static char *search(struct cc_ctx *cx, const char *name, const char *list, int mode)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ":");
		char *path = cc_sprintf(cx->arena, "%.*s/%s", (int)n, n ? p : ".", name);

		if (access(path, mode) == 0)
			return path;
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/*
 * The file a process() or library() argument names, absolute; NULL: why.
 * A library name is looked up as the dynamic linker would for the
 * program: its run path, LD_LIBRARY_PATH, then the default directories.
 */
static char *file_of(struct cc_ctx *cx, const char *arg, const char *prog, const char **why)
{
	static const char lib_dirs[] = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:"
				       "/usr/lib64:/lib:/usr/lib:/usr/local/lib";
	char real[PATH_MAX], *path = NULL;

	if (strchr(arg, '/')) {
		path = (char *)arg;
	} else if (prog) {
		const char *run = cc_elf_runpath(cx->arena, prog), *env = getenv("LD_LIBRARY_PATH");

		if (run)
			path = search(cx, arg, run, R_OK);
		if (!path && env)
			path = search(cx, arg, env, R_OK);
		if (!path)
			path = search(cx, arg, lib_dirs, R_OK);
	} else {
		path = search(cx, arg, getenv("PATH"), X_OK);
	}
	if (!path) {
		*why = prog ? "is not in the program's run path, LD_LIBRARY_PATH or the library "
			      "directories"
			    : "is not in $PATH";
		return NULL;
	}
	if (!realpath(path, real)) {
		*why = cc_sprintf(cx->arena, "cannot be opened: %s", strerror(errno));
		return NULL;
	}
	return cc_strdup(cx->arena, real);
}

char *cc_user_program(struct cc_ctx *cx, const char *arg, const char **why)
{
	return file_of(cx, arg, NULL, why);
}

/* process(PID), process with -x PID or -c CMD: the program it runs */
static char *file_of_target(struct cc_ctx *cx, const struct cc_point *pt, const char **why)
{
	const struct cc_comp *c = &pt->comps[0];

	if (c->has_arg && c->arg_is_str)
		return file_of(cx, c->str, NULL, why);
	if (c->has_arg && c->num <= 0) {
		*why = "names no program: give a path, or run with -c CMD or -x PID";
		return NULL;
	}
	return cc_user_target_file(cx, c->has_arg ? (long)c->num : 0, why);
}

char *cc_user_target_file(struct cc_ctx *cx, long pid, const char **why)
{
	char link[64], real[PATH_MAX];
	ssize_t n;

	if (!pid && cx->target_cmd) {
		char *path = file_of(cx, cx->target_cmd, NULL, why);

		if (!path)
			*why = cc_sprintf(cx->arena, "is -c's program '%s', which %s", cx->target_cmd,
					  *why);
		return path;
	}
	if (!pid)
		pid = cx->target_pid;
	if (pid <= 0) {
		*why = "names no program: give a path, or run with -c CMD or -x PID";
		return NULL;
	}
	snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0) {
		*why = cc_sprintf(cx->arena, "names process %ld: %s", pid, strerror(errno));
		return NULL;
	}
	real[n] = 0;
	return cc_strdup(cx->arena, real);
}

/*
 * process("/lib64/libc.so.6"), as a script written for a distribution with
 * /lib64 names it: on a multiarch one (Debian, Ubuntu) the file is in
 * /usr/lib/x86_64-linux-gnu. NULL: no such file there either.
 */
static char *multiarch_file(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	const char *arg = pt->comps[0].str, *why;
	char *alt = cc_user_multiarch(cx, arg), *path;

	if (!alt || access(arg, F_OK) == 0 || !(path = file_of(cx, alt, NULL, &why)))
		return NULL;
	if (!quiet)
		cc_warn_at(&cx->diag, &pt->loc,
			   "process(\"%s\"): no such file here; using %s, the multiarch "
			   "directory's",
			   arg, path);
	return path;
}

char *cc_user_file(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, int *next)
{
	const char *why = NULL, *lib = NULL;
	int i = 1;
	char *path;

	if (cc_comp_is(pt, i, "library")) {
		if (!pt->comps[i].has_arg || !pt->comps[i].arg_is_str) {
			cc_point_error(cx, pt, quiet, "needs a library name: library(\"NAME\")");
			return NULL;
		}
		lib = pt->comps[i++].str;
	}
	*next = i;
	path = file_of_target(cx, pt, &why);
	if (!path && pt->comps[0].has_arg && pt->comps[0].arg_is_str)
		path = multiarch_file(cx, pt, quiet);
	if (path && lib) {
		path = file_of(cx, lib, path, &why);
		if (!path) {
			cc_point_error(
			    cx, pt, quiet,
			    cc_sprintf(cx->arena, "names library '%s', which %s", lib, why));
			return NULL;
		}
	}
	if (!path)
		cc_point_error(
		    cx, pt, quiet,
		    pt->comps[0].arg_is_str
			? cc_sprintf(cx->arena, "names '%s', which %s", pt->comps[0].str, why)
			: why);
	return path;
}

/* the probe kind from component i on, in the file path */
static int resolve_in(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		      bool quiet, struct cc_vec *out)
{
	if (cc_comp_is(pt, i, "function"))
		return cc_ufunc_resolve(cx, pt, path, i, quiet, out);
	if (cc_comp_is(pt, i, "statement"))
		return cc_ustmt_resolve(cx, pt, path, i, quiet, out);
	if (cc_comp_is(pt, i, "plt"))
		return cc_uplt_resolve(cx, pt, path, i, quiet, out);
	return cc_sdt_resolve(cx, pt, path, i, quiet, out);
}

/* the libraries prog needs, transitively, as the dynamic linker finds them; at most max */
static void needed(struct cc_ctx *cx, const char *prog, int max, struct cc_vec *files)
{
	struct cc_vec names = { 0 };
	const char *why;
	int i, k;

	cc_elf_needed(cx->arena, prog, &names);
	for (i = 0; i < names.n && files->n < max; i++) {
		char *f = file_of(cx, names.v[i], prog, &why);

		if (!f)
			continue;
		for (k = 0; k < files->n && strcmp(files->v[k], f); k++)
			;
		if (k < files->n)
			continue;
		cc_vec_push(cx->arena, files, f);
		cc_elf_needed(cx->arena, f, &names);
	}
}

/*
 * process(...).library("PATTERN")...: each library the program needs whose
 * name (or path) matches, as library("*").plt in stap's ltrace.stp; the
 * point must match in one of them at least, not in each.
 */
static int resolve_libraries(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			     struct cc_vec *out)
{
	const char *pat = pt->comps[1].str, *why = NULL;
	struct cc_vec files = { 0 }, matched = { 0 };
	char *prog = file_of_target(cx, pt, &why);
	int i, n = 0;

	if (!prog)
		return cc_point_error(cx, pt, quiet,
				      pt->comps[0].arg_is_str
					  ? cc_sprintf(cx->arena, "names '%s', which %s",
						       pt->comps[0].str, why)
					  : why);
	needed(cx, prog, 256, &files);
	for (i = 0; i < files.n; i++) {
		const char *f = files.v[i], *base = strrchr(f, '/') + 1;

		if (!fnmatch(pat, base, 0) || !fnmatch(pat, f, FNM_PATHNAME))
			cc_vec_push(cx->arena, &matched, (void *)f);
	}
	if (!matched.n)
		return cc_point_error(
		    cx, pt, quiet,
		    cc_sprintf(cx->arena, "names libraries '%s': none of the %d that %s needs", pat,
			       files.n, prog));
	for (i = 0; i < matched.n; i++) {
		struct cc_vec ds = { 0 };
		int k;

		if (resolve_in(cx, pt, matched.v[i], 2, true, &ds) <= 0)
			continue;
		for (k = 0; k < ds.n; k++)
			cc_vec_push(cx->arena, out, ds.v[k]);
		n += ds.n;
	}
	if (!n && !quiet)
		resolve_in(cx, pt, matched.v[0], 2, false, out);
	return n ? n : -1;
}

int cc_user_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	char *path;
	int i;

	if (cc_comp_is(pt, 1, "library") && pt->comps[1].has_arg && pt->comps[1].arg_is_str &&
	    cc_user_is_pattern(pt->comps[1].str))
		return resolve_libraries(cx, pt, quiet, out);
	path = cc_user_file(cx, pt, quiet, &i);
	if (!path)
		return -1;
	return resolve_in(cx, pt, path, i, quiet, out);
}
