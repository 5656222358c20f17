// SPDX-License-Identifier: MIT
/*
 * process("PATTERN")...: a path with shell wildcards, as stap takes it
 * (process("/lib*\/libc.so.6").function("malloc")). The pattern is
 * expanded with glob(3) when the script is compiled; every match that is
 * an ELF file this machine can probe (64-bit, x86-64, an executable or a
 * shared object) becomes one probe point with its real path, so pp() and
 * -l name the file, as stap's do. Two names of one file (/lib and /usr/lib
 * on a merged-/usr system, a symbolic link) are one match.
 *
 * A pattern that names a library directory (/lib*, /usr/lib*) and matches
 * no such file is tried again in the multiarch directory
 * (/usr/lib/x86_64-linux-gnu, where Debian and Ubuntu keep the 64-bit
 * libraries; /lib*\/libc.so.6 matches only the 32-bit /lib32/libc.so.6
 * there), with a warning that says so: the scripts were written for
 * distributions with /lib64.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* 0: an ELF file uprobes can take here; else why not (static text) */
static const char *unusable(const char *path)
{
	Elf64_Ehdr eh;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "cannot be opened";
	n = pread(fd, &eh, sizeof(eh), 0);
	close(fd);
	if (n != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return "not an ELF file";
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return "not an x86-64 ELF file";
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return "neither a program nor a shared object";
	return NULL;
}

struct match {
	char *path;
	dev_t dev;
	ino_t ino;
};

/*
 * The usable files pattern matches, sorted by name, one per inode, into
 * v (struct match*); *skipped: the first match that was not usable, and why.
 */
static void expand(struct cc_ctx *cx, const char *pattern, struct cc_vec *v, const char **skipped)
{
	glob_t g;
	size_t i;
	int k;

	if (glob(pattern, 0, NULL, &g) != 0) {
		globfree(&g);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		char real[PATH_MAX];
		const char *why;
		struct match *m;
		struct stat st;

		if (!realpath(g.gl_pathv[i], real) || stat(real, &st) || !S_ISREG(st.st_mode))
			continue;
		why = unusable(real);
		if (why) {
			if (!*skipped)
				*skipped = cc_sprintf(cx->arena, "%s: %s", g.gl_pathv[i], why);
			continue;
		}
		for (k = 0; k < v->n; k++) {
			const struct match *o = v->v[k];

			if (o->dev == st.st_dev && o->ino == st.st_ino)
				break;
		}
		if (k < v->n)
			continue;
		m = cc_alloc(cx->arena, sizeof(*m));
		m->path = cc_strdup(cx->arena, real);
		m->dev = st.st_dev;
		m->ino = st.st_ino;
		cc_vec_push(cx->arena, v, m);
	}
	globfree(&g);
}

/* one file: a name with '[' or '*' in it is a file, not a pattern, by now */
static int resolve_file(struct cc_ctx *cx, const struct cc_point *pt, bool quiet,
			struct cc_vec *out)
{
	return cc_uproc_is(pt) ? cc_uproc_resolve(cx, pt, quiet, out)
			       : cc_user_resolve(cx, pt, quiet, out);
}

int cc_uglob_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	const char *pattern = pt->comps[0].str, *skipped = NULL, *used = pattern;
	struct cc_vec v = { 0 };
	struct cc_point one = *pt;
	int i, n = 0;

	expand(cx, pattern, &v, &skipped);
	if (!v.n) {
		char *alt = cc_user_multiarch(cx, pattern);

		if (alt) {
			expand(cx, alt, &v, &skipped);
			used = alt;
		}
	}
	if (!v.n)
		return cc_point_error(
		    cx, pt, quiet,
		    skipped ? cc_sprintf(cx->arena,
					 "matches no file uprobes can take here (%s)", skipped)
			    : cc_sprintf(cx->arena, "matches no file: '%s' names none", pattern));
	if (used != pattern && !quiet)
		cc_warn_at(&cx->diag, &pt->loc,
			   "process(\"%s\") matches no 64-bit library here; using %s, the "
			   "multiarch directory's",
			   pattern, ((struct match *)v.v[0])->path);
	/*
	 * Each file where the rest of the point matches; stap's glob asks
	 * that of one file at least, not of each: libc.so* matches files
	 * without malloc too.
	 */
	for (i = 0; i < v.n; i++) {
		struct cc_vec ds = { 0 };
		int k;

		one.comps = cc_alloc(cx->arena, sizeof(*one.comps) * (size_t)pt->ncomps);
		memcpy(one.comps, pt->comps, sizeof(*one.comps) * (size_t)pt->ncomps);
		one.comps[0].str = ((struct match *)v.v[i])->path;
		if (resolve_file(cx, &one, true, &ds) <= 0)
			continue;
		for (k = 0; k < ds.n; k++)
			cc_vec_push(cx->arena, out, ds.v[k]);
		n += ds.n;
	}
	if (!n) {
		/* why, for the first file: the others would say the same */
		struct cc_vec ds = { 0 };

		one.comps[0].str = ((struct match *)v.v[0])->path;
		resolve_file(cx, &one, quiet, &ds);
		return -1;
	}
	return n;
}
