// SPDX-License-Identifier: MIT
/*
 * SDT markers of user-space programs (DTrace-compatible, <sys/sdt.h>):
 *
 *   process("PATH").mark("NAME")
 *   process("PATH").provider("PROVIDER").mark("NAME")
 *   process("PATH").library("LIB").mark("NAME")    (and .provider)
 *   process(PID).mark("NAME"), process.mark("NAME")  (-x PID / -c CMD)
 *
 * (The file a point names is probe_user.c's.)  NAME and PROVIDER are
 * shell patterns.  Each marker site the file's .note.stapsdt has for a
 * match (a marker in an inlined function has several) is one derived
 * probe: a uprobe at the site's file offset, with the kernel's reference
 * counter on the marker's semaphore so that guarded markers
 * (`if (PROVIDER_NAME_ENABLED())`) run while the probe is on.  A uprobe on
 * a file fires in every process that maps it, as stap's do.
 *
 * The arguments are $arg1..$argN from the note's specs (compiler/sdt.c),
 * read from the probed thread's registers and memory; $$name and
 * $$provider are the marker's names; $$parms and $$vars print every
 * argument as stap does, `$arg1=%#x $arg2=%#x`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* "a:b, c:d" of the markers, for the error when none matches */
static char *marker_list(struct cc_ctx *cx, const struct cc_sdt_note *v, int n)
{
	char *s = cc_strdup(cx->arena, "");
	int i, shown = 0;

	for (i = 0; i < n && shown < 16; i++) {
		int k;

		for (k = 0; k < i; k++)
			if (!strcmp(v[k].name, v[i].name) && !strcmp(v[k].provider, v[i].provider))
				break;
		if (k < i)
			continue; /* another site of the same marker */
		s = cc_sprintf(cx->arena, "%s%s%s:%s", s, shown ? ", " : "", v[i].provider,
			       v[i].name);
		shown++;
	}
	return i < n ? cc_sprintf(cx->arena, "%s ...", s) : s;
}

/* probefunc() of a marker: the function whose code holds it, from the symbol table */
static const char *around(struct cc_ctx *cx, const char *path, uint64_t pc,
			  struct cc_elf_func **funcs, int *n)
{
	const char *why;
	int i;

	if (*n < 0 && cc_elf_funcs(cx->arena, path, funcs, n, &why) < 0)
		*n = 0;
	for (i = 0; i < *n; i++)
		if (pc >= (*funcs)[i].addr && pc < (*funcs)[i].addr + (*funcs)[i].size)
			return (*funcs)[i].name;
	return NULL;
}

int cc_sdt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		   bool quiet, struct cc_vec *out)
{
	const char *why = NULL, *prov = NULL, *name;
	struct cc_elf_func *funcs = NULL;
	struct cc_sdt_note *v;
	int n, found = 0, nfuncs = -1;

	if (cc_comp_is(pt, i, "provider")) {
		if (!pt->comps[i].has_arg || !pt->comps[i].arg_is_str)
			return cc_point_error(cx, pt, quiet,
					      "needs a provider name: provider(\"NAME\")");
		prov = pt->comps[i++].str;
	}
	if (!cc_comp_is(pt, i, "mark") || !pt->comps[i].has_arg || !pt->comps[i].arg_is_str ||
	    i + 1 != pt->ncomps)
		return cc_point_error(cx, pt, quiet,
				      "is a user-space probe taphub does not support yet (it has "
				      "process(\"PATH\") with [.provider(\"P\")].mark(\"NAME\"), "
				      ".function(\"NAME[@FILE[:LINE]]\")[.call|.inline][.return], "
				      ".statement(\"FUNC@FILE:LINE\") and .plt(\"NAME\")[.return])");
	name = cc_sdt_mark_pattern(cx->arena, pt->comps[i].str);
	if (cc_sdt_read(cx->arena, path, &v, &n, &why) < 0)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "cannot read %s: %s", path, why));
	for (i = 0; i < n; i++) {
		struct cc_dprobe *d;

		if (fnmatch(name, v[i].name, 0) || (prov && fnmatch(prov, v[i].provider, 0)))
			continue;
		found++;
		if (v[i].nargs < 0)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "matches marker %s:%s of %s, whose "
							 "arguments '%s' taphub cannot read: %s",
							 v[i].provider, v[i].name, path, v[i].args,
							 v[i].err));
		d = cc_alloc(cx->arena, sizeof(*d));
		d->kind = PK_UPROBE;
		d->kernel = true;
		d->loc = pt->loc;
		d->sdt = &v[i];
		d->upath = path;
		d->uoff = v[i].off;
		d->uref = v[i].sem_off;
		d->ucheck = cc_file_hex(cx->arena, path, v[i].off);
		d->func = around(cx, path, v[i].pc, &funcs, &nfuncs);
		d->pp =
		    prov ? cc_sprintf(cx->arena, "process(\"%s\").provider(\"%s\").mark(\"%s\")",
				      path, v[i].provider, v[i].name)
			 : cc_sprintf(cx->arena, "process(\"%s\").mark(\"%s\")", path, v[i].name);
		cc_vec_push(cx->arena, out, d);
	}
	if (!found)
		return cc_point_error(
		    cx, pt, quiet,
		    n ? cc_sprintf(cx->arena,
				   "matches no SDT marker of %s (its markers: "
				   "%s)",
				   path, marker_list(cx, v, n))
		      : cc_sprintf(cx->arena, "matches no SDT marker: %s has none", path));
	return found;
}

/* $$parms: "$arg1=0x1 $arg2=0x2", as stap prints a marker's */
static struct cc_node *parms_call(struct cc_ctx *cx, const struct cc_dprobe *d,
				  const struct cc_node *t)
{
	struct cc_parms p;
	int i;

	cc_parms_init(&p, cx, &t->loc);
	for (i = 0; i < d->sdt->nargs; i++)
		cc_parms_target(&p, cc_sprintf(cx->arena, "$arg%d", i + 1),
				cc_sprintf(cx->arena, "arg%d", i + 1), "%#x");
	return cc_parms_call(&p);
}

static struct cc_node *str_node(struct cc_node *t, const char *s)
{
	t->kind = N_STR;
	t->str = (char *)s;
	t->slen = strlen(s);
	t->type = TY_STRING;
	return t;
}

int cc_sdt_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet)
{
	struct cc_node *t = *np;
	size_t nl = strlen(t->name);
	const char *name;
	char *end;
	long k;

	while (nl && t->name[nl - 1] == '$') /* $$parms$: the same values here */
		nl--;
	name = cc_strndup(cx->arena, t->name, nl);
	if (t->nargs) {
		if (!quiet)
			cc_error_at(
			    &cx->diag, &t->loc,
			    "'$%s' of an SDT marker is a plain value: member and index access "
			    "need the program's DWARF, which taphub does not read yet (use "
			    "@cast or user_int/user_string on it)",
			    name);
		return -1;
	}
	if (!strcmp(name, "$name") || !strcmp(name, "$provider")) {
		if (!quiet)
			str_node(t, name[1] == 'n' ? d->sdt->name : d->sdt->provider);
		return 0;
	}
	if (!strcmp(name, "$parms") || !strcmp(name, "$vars") || !strcmp(name, "$locals")) {
		if (quiet)
			return 0;
		if (name[1] == 'l') {
			str_node(t, ""); /* a marker has no locals */
			return 0;
		}
		*np = parms_call(cx, d, t);
		return 1;
	}
	k = strncmp(name, "arg", 3) ? 0 : strtol(name + 3, &end, 10);
	if (k < 1 || k > d->sdt->nargs || *end) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    d->sdt->nargs
					? "unable to find target variable '$%s' in %s (its "
					  "arguments: $arg1..$arg%d)"
					: "unable to find target variable '$%s' in %s (the "
					  "marker has no arguments)",
				    name, d->pp, d->sdt->nargs);
		return -1;
	}
	if (quiet)
		return 0;
	t->name = (char *)name;
	t->aux = (void *)&d->sdt->arg[k - 1]; /* read only, by codegen */
	t->type = TY_LONG;
	return 0;
}

char *cc_sdt_vars(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	for (i = 0; i < d->sdt->nargs; i++)
		s = cc_sprintf(cx->arena, "%s $arg%d:long", s, i + 1);
	return s;
}
