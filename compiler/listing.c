// SPDX-License-Identifier: MIT
/*
 * tap -l / -L: the probe points a pattern matches, the aliases of the
 * tapsets and the built-in points, with -L the variables each gives a
 * probe body.  It sits above elaboration (alias_vars elaborates a script
 * to learn an alias's variables), so probepoint.c, which elaboration
 * uses, does not call back up into it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

static bool comp_is(const struct cc_point *pt, int i, const char *name)
{
	return i < pt->ncomps && !strcmp(pt->comps[i].name, name);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *field_type(const struct cc_tpfield *f)
{
	switch (f->kind) {
	case CC_TPF_CHARARRAY:
	case CC_TPF_DATALOC_STR:
		return "string";
	case CC_TPF_OTHER:
		return "unsupported";
	default:
		return "long";
	}
}

/*
 * A tracepoint's C arguments from BTF, spelled as stap lists them
 * ($prev:struct task_struct*), but those a format field of the same name
 * hides (the field is what $name reads, docs/btf.md).
 */
static char *c_args(struct cc_ctx *cx, const struct cc_dprobe *d, char *s)
{
	struct cc_btf_param *args;
	struct cc_btf *b;
	int i, j, n;

	if (cc_ctx_btf(cx, &b) < 0)
		return s;
	n = cc_btf_tp_args(b, d->event, &args);
	for (i = 0; i < n; i++) {
		if (d->tp_argn) {
			/* kernel.tracepoint(): $arg1 ... only, as stap lists them */
			s = cc_sprintf(cx->arena, "%s $arg%d:%s", s, i + 1, args[i].cls.cname);
			continue;
		}
		for (j = 0; j < d->tpf->nfields && strcmp(d->tpf->fields[j].name, args[i].name); j++)
			;
		if (j == d->tpf->nfields)
			s = cc_sprintf(cx->arena, "%s $%s:%s", s, args[i].name, args[i].cls.cname);
	}
	return s;
}

/*
 * tap -L for aliases: the variables an alias's prologue sets, with their
 * types, found the honest way: elaborate a script probing each alias
 * (one per line, optional) and read the locals of what it expands to.
 */
static void alias_vars(struct cc_ctx *cx, struct cc_vec *lines)
{
	struct cc_srcfile *src = cc_alloc(cx->arena, sizeof(*src));
	char *text = cc_strdup(cx->arena, "");
	FILE *saved = cx->diag.out;
	int i, j, ne = cx->diag.nerrors;

	for (i = 0; i < lines->n; i++)
		text = cc_sprintf(cx->arena, "%sprobe %s ? {}\n", text, (char *)lines->v[i]);
	src->name = "<listing>";
	src->text = text;
	src->len = strlen(text);
	cx->diag.out = NULL; /* an alias this kernel cannot do is simply listed bare */
	cx->script = cc_parse_source(cx, src);
	if (cx->diag.nerrors == ne && cc_elaborate(cx) == 0) {
		for (i = 0; i < cx->prog->probes.n; i++) {
			struct cc_dprobe *d = cx->prog->probes.v[i];
			int line = d->uprobe;
			char *s;

			if (line < 0 || line >= lines->n || strchr(lines->v[line], ' '))
				continue; /* a second point of the same alias */
			s = lines->v[line];
			for (j = 0; j < d->locals.n; j++) {
				struct cc_sym *v = d->locals.v[j];

				if (v->name[0] != '_' && v->type != TY_UNKNOWN)
					s = cc_sprintf(cx->arena, "%s %s:%s", s, v->name,
						       cc_type_name(v->type));
			}
			lines->v[line] = s;
		}
	}
	cx->diag.out = saved;
	cx->diag.nerrors = ne;
}

int cc_list_points(struct cc_ctx *cx, const char *pattern, bool with_vars, FILE *out)
{
	struct cc_srcfile *src = cc_alloc(cx->arena, sizeof(*src));
	struct cc_point *pt, *fam;
	struct cc_vec lines = { 0 };
	const char *family = NULL;
	int i, j, k;

	/* the aliases an -E text defines are listed as a tapset's (stap -l PATTERN -E TEXT) */
	for (i = 0; i < cx->nextra_scripts; i++)
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_extra(cx, i));
	src->name = "<pattern>";
	src->text = pattern;
	src->len = strlen(pattern);
	pt = cc_parse_point(cx, cc_preprocess(cx, cc_lex(cx, src)));
	if (!pt)
		return -EINVAL;
	/* nd_syscall.*: list syscall.* under the name asked for */
	fam = cc_point_syscall_family(cx, pt);
	if (fam) {
		family = pt->comps[0].name;
		pt = fam;
	}
	/* aliases from tapsets and -I dirs */
	for (i = 0; i < cx->tapsets.n; i++) {
		struct cc_file *f = cx->tapsets.v[i];

		for (j = 0; j < f->probes.n; j++) {
			struct cc_probe *p = f->probes.v[j];
			bool match;

			if (!p->is_alias || p->alias_name->ncomps != pt->ncomps)
				continue;
			match = true;
			for (k = 0; k < pt->ncomps && match; k++)
				match = fnmatch(pt->comps[k].name, p->alias_name->comps[k].name, 0) == 0;
			if (match) {
				char *s = cc_point_str(cx, p->alias_name);
				int m;

				if (family)
					s = cc_sprintf(cx->arena, "%s%s", family, s + strlen("syscall"));

				for (m = 0; m < lines.n; m++)
					if (!strcmp(lines.v[m], s))
						break;
				if (m == lines.n)
					cc_vec_push(cx->arena, &lines, s);
			}
		}
	}
	if (lines.n && with_vars)
		alias_vars(cx, &lines);
	if (!lines.n && (comp_is(pt, 0, "kernel") || comp_is(pt, 0, "module") ||
			 comp_is(pt, 0, "kprobe") || comp_is(pt, 0, "begin") ||
			 comp_is(pt, 0, "end") || comp_is(pt, 0, "timer") || comp_is(pt, 0, "perf") ||
			 comp_is(pt, 0, "error") || comp_is(pt, 0, "never") ||
			 comp_is(pt, 0, "process") || comp_is(pt, 0, "lsm"))) {
		struct cc_vec ds = { 0 };
		int ne = cx->diag.nerrors;

		if (cc_resolve_builtin_point(cx, pt, false, &ds) < 0 || cx->diag.nerrors != ne)
			return -EINVAL;
		for (i = 0; i < ds.n; i++) {
			struct cc_dprobe *d = ds.v[i];
			char *s = d->pp;

			if (with_vars && d->kind == PK_KFUNC)
				s = cc_sprintf(cx->arena, "%s%s", s,
					       d->lsm ? cc_lsm_vars(cx, d) : cc_kfunc_vars(cx, d));
			if (with_vars && d->kind == PK_UPROBE)
				s = cc_sprintf(cx->arena, "%s%s", s,
					       d->sdt ? cc_sdt_vars(cx, d) : cc_ufunc_vars(cx, d));
			if (with_vars && d->tpf && !d->tp_argn)
				for (j = 0; j < d->tpf->nfields; j++)
					s = cc_sprintf(cx->arena, "%s $%s:%s", s, d->tpf->fields[j].name,
						       field_type(&d->tpf->fields[j]));
			if (with_vars && d->kind == PK_TRACE)
				s = c_args(cx, d, s);
			cc_vec_push(cx->arena, &lines, s);
		}
	}
	if (lines.n)
		qsort(lines.v, (size_t)lines.n, sizeof(void *), cmp_line);
	for (i = j = 0; i < lines.n; i++) {
		/* one line per point: a marker inlined at several sites is one */
		if (i && !strcmp(lines.v[i], lines.v[i - 1]))
			continue;
		fprintf(out, "%s\n", (char *)lines.v[i]);
		j++;
	}
	return j;
}
