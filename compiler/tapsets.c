// SPDX-License-Identifier: MIT
/*
 * Tapsets: library scripts of probe aliases, functions and globals that a
 * user script may use without declaring them.  The built-in ones are
 * compiled into tap (the .stp files of compiler/tapset/, embedded by scripts/embed.sh)
 * so an installed tap is self-contained and the compile cache key covers
 * them through the elaborated program; -I DIR adds a directory of *.stp
 * files, as stap's -I does.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

struct cc_file *cc_parse_source(struct cc_ctx *cx, struct cc_srcfile *src)
{
	struct cc_token *toks = cc_lex(cx, src);

	toks = cc_preprocess(cx, toks);
	return cc_parse(cx, toks, src);
}

/* -E TEXT number i, a source of its own so that errors name it ("<-E 1>:1:7") */
struct cc_file *cc_parse_extra(struct cc_ctx *cx, int i)
{
	char *name = cc_sprintf(cx->arena, "<-E %d>", i + 1);

	return cc_parse_source(cx, cc_source_text(cx, name, cx->extra_scripts[i]));
}

static void vec_append(struct cc_ctx *cx, struct cc_vec *to, const struct cc_vec *from)
{
	int i;

	for (i = 0; i < from->n; i++)
		cc_vec_push(cx->arena, to, from->v[i]);
}

/*
 * The user's script: src and the -E texts after it, as one file.  stap
 * treats them alike (user files, not tapsets: their probes run, their
 * globals are printed at the end); what two of them both define is a
 * duplicate, as within one file.
 */
struct cc_file *cc_parse_script(struct cc_ctx *cx, struct cc_srcfile *src)
{
	struct cc_file *f = cc_parse_source(cx, src);
	int i;

	for (i = 0; i < cx->nextra_scripts; i++) {
		struct cc_file *e = cc_parse_extra(cx, i);

		vec_append(cx, &f->probes, &e->probes);
		vec_append(cx, &f->globals, &e->globals);
		vec_append(cx, &f->funcs, &e->funcs);
	}
	return f;
}

static int load_dir(struct cc_ctx *cx, const char *dir)
{
	struct cc_vec srcs = { 0 };
	int i, err = cc_dir_sources(cx, dir, ".stp", &srcs);

	for (i = 0; i < srcs.n; i++)
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, srcs.v[i]));
	return err;
}

/* ---- syscall.NAME for every syscall the tapsets do not cover ------------------ */

static bool point_is_syscall(struct cc_ctx *cx, const struct cc_point *pt)
{
	return pt->ncomps && (!strcmp(pt->comps[0].name, "syscall") ||
			      !fnmatch(pt->comps[0].name, "syscall", 0) ||
			      cc_point_syscall_family(cx, pt));
}

/* Does the script (or a listing) name syscall.* points? Only then pay for the scan. */
static bool wants_syscalls(struct cc_ctx *cx)
{
	int i, j;

	if (cx->want_syscall_aliases)
		return true;
	for (i = 0; cx->script && i < cx->script->probes.n; i++) {
		struct cc_probe *p = cx->script->probes.v[i];

		for (j = 0; j < p->npoints; j++)
			if (point_is_syscall(cx, p->points[j]))
				return true;
	}
	return false;
}

static bool alias_defined(struct cc_ctx *cx, const char *name, bool ret)
{
	int f, i;

	for (f = 0; f < cx->tapsets.n; f++) {
		struct cc_file *file = cx->tapsets.v[f];

		for (i = 0; i < file->probes.n; i++) {
			struct cc_probe *p = file->probes.v[i];
			struct cc_point *a = p->alias_name;

			if (p->is_alias && a->ncomps == (ret ? 3 : 2) &&
			    !strcmp(a->comps[0].name, "syscall") && !strcmp(a->comps[1].name, name) &&
			    (!ret || !strcmp(a->comps[2].name, "return")))
				return true;
		}
	}
	return false;
}

/*
 * A hand-written alias already on this tracepoint (syscall.stat on
 * sys_enter_newstat): no generic one, or syscall.* would fire twice.
 */
static bool tracepoint_aliased(struct cc_ctx *cx, const char *event)
{
	char want[160];
	int f, i, j;

	snprintf(want, sizeof(want), "syscalls:%s", event);
	for (f = 0; f < cx->tapsets.n; f++) {
		struct cc_file *file = cx->tapsets.v[f];

		for (i = 0; i < file->probes.n; i++) {
			struct cc_probe *p = file->probes.v[i];

			for (j = 0; p->is_alias && j < p->npoints; j++) {
				const struct cc_point *pt = p->points[j];

				if (pt->ncomps == 2 && !strcmp(pt->comps[0].name, "kernel") &&
				    !strcmp(pt->comps[1].name, "trace") && pt->comps[1].arg_is_str &&
				    pt->comps[1].str && !strcmp(pt->comps[1].str, want))
					return true;
			}
		}
	}
	return false;
}

/*
 * A field name an alias can make a local of: not a keyword or a variable
 * the alias sets itself, and not a tapset's global (argv.stp's argv),
 * which would be the variable instead.
 */
static bool usable_var(struct cc_ctx *cx, const char *name)
{
	static const char *const reserved[] = { "probe", "global", "function", "if", "else",
		"while", "for", "foreach", "in", "limit", "break", "continue", "return", "next",
		"delete", "try", "catch", "private", "string", "long", "name", "argstr",
		"retval", "retstr", NULL };
	int i, f;

	for (i = 0; reserved[i]; i++)
		if (!strcmp(name, reserved[i]))
			return false;
	for (f = 0; f < cx->tapsets.n; f++) {
		struct cc_file *file = cx->tapsets.v[f];

		for (i = 0; i < file->globals.n; i++)
			if (!strcmp(((struct cc_sym *)file->globals.v[i])->name, name))
				return false;
	}
	return true;
}

/*
 * The syscalls the hand-written tapsets do not cover get generic aliases
 * from their tracepoints' formats: `name`, one variable per argument, and
 * `argstr` with the raw values (pointers in hex), as stap's nd_syscalls
 * fallback gives them; `.return` gives `retval` and `retstr`.
 */
static void gen_syscall_aliases(struct cc_ctx *cx)
{
	char **names, *buf;
	size_t len;
	FILE *o;
	int n, i, j;

	n = cc_tp_list(cc_tracefs(), "syscalls", "sys_enter_*", &names);
	if (n <= 0)
		return;
	o = open_memstream(&buf, &len);
	fputs("// generated by tap from this kernel's syscall tracepoints\n", o);
	for (i = 0; i < n; i++) {
		const char *sc = strchr(names[i], ':') + 1 + strlen("sys_enter_");
		struct cc_tpformat *f;
		char *args = cc_strdup(cx->arena, ""), *fmt = cc_strdup(cx->arena, "");
		char exitev[160];
		int k = 0;

		if (alias_defined(cx, sc, false) || tracepoint_aliased(cx, names[i] + strlen("syscalls:")) ||
		    cc_tp_load(cc_tracefs(), "syscalls", strchr(names[i], ':') + 1, &f))
			goto ret;
		fprintf(o, "probe syscall.%s = kernel.trace(\"syscalls:sys_enter_%s\") ?\n{\n\tname = \"%s\"\n",
			sc, sc, sc);
		for (j = 0; j < f->nfields; j++) {
			const struct cc_tpfield *fl = &f->fields[j];

			if (!strcmp(fl->name, "__syscall_nr") || fl->kind == CC_TPF_OTHER)
				continue;
			if (usable_var(cx, fl->name))
				fprintf(o, "\t%s = $%s\n", fl->name, fl->name);
			fmt = cc_sprintf(cx->arena, "%s%s%s", fmt, k ? ", " : "",
					 fl->kind == CC_TPF_PTR ? "%p" : "%d");
			args = cc_sprintf(cx->arena, "%s, $%s", args, fl->name);
			k++;
		}
		fprintf(o, "\targstr = sprintf(\"%s\"%s)\n}\n", fmt, args);
		cc_tp_free(f);
ret:
		snprintf(exitev, sizeof(exitev), "sys_exit_%s", sc);
		if (!alias_defined(cx, sc, true) && !tracepoint_aliased(cx, exitev))
			fprintf(o, "probe syscall.%s.return = kernel.trace(\"syscalls:sys_exit_%s\") ?\n"
				   "{\n\tname = \"%s\"\n\tretval = $ret\n\tretstr = sprintf(\"%%d\", $ret)\n}\n",
				sc, sc, sc);
	}
	cc_strv_free(names);
	fclose(o);
	{
		struct cc_srcfile *src = cc_alloc(cx->arena, sizeof(*src));

		src->name = "tapset/syscalls_generic.stp (generated)";
		src->text = cc_strndup(cx->arena, buf, len);
		src->len = len;
		src->is_tapset = true;
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, src));
	}
	free(buf);
}

int cc_load_tapsets(struct cc_ctx *cx)
{
	struct cc_vec srcs = { 0 };
	int i;

	/* tapset/x.stp; the .stpm macro libraries are the preprocessor's */
	cc_embedded_sources(cx, ".stp", &srcs);
	for (i = 0; i < srcs.n; i++)
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, srcs.v[i]));
	for (i = 0; i < cx->nincdirs; i++)
		load_dir(cx, cx->incdirs[i]);
	if (!cx->diag.nerrors && wants_syscalls(cx))
		gen_syscall_aliases(cx);
	return cx->diag.nerrors ? -EINVAL : 0;
}
