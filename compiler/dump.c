// SPDX-License-Identifier: MIT
/*
 * Listings for -p1 (the parse tree, printed back as script text) and -p2
 * (the elaborated program: globals with their types, functions, and the
 * derived probes with their locals), in the spirit of stap's own dumps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

static void node(const struct cc_node *n, FILE *o, int ind);

static void indent(FILE *o, int ind)
{
	while (ind-- > 0)
		fputs("  ", o);
}

static void args(const struct cc_node *n, FILE *o)
{
	int i;

	for (i = 0; i < n->nargs; i++) {
		if (i)
			fputs(", ", o);
		node(n->args[i], o, 0);
	}
}

static void stmt(const struct cc_node *n, FILE *o, int ind)
{
	indent(o, ind);
	node(n, o, ind);
	if (n->kind != N_BLOCK && n->kind != N_IF && n->kind != N_WHILE && n->kind != N_FOR &&
	    n->kind != N_FOREACH && n->kind != N_TRY)
		fputc('\n', o);
}

static void node(const struct cc_node *n, FILE *o, int ind)
{
	int i;

	if (!n)
		return;
	switch (n->kind) {
	case N_NUM:
		fprintf(o, "%lld", (long long)n->num);
		break;
	case N_STR:
		cc_fquote(o, n->str, n->slen);
		break;
	case N_VAR:
		fputs(n->name, o);
		break;
	case N_INDEX:
		fprintf(o, "%s[", n->lhs->name);
		args(n, o);
		fputc(']', o);
		break;
	case N_TARGET:
		fprintf(o, "$%s", n->name);
		for (i = 0; i < n->nargs; i++)
			fprintf(o, "->%s", n->args[i]->str ? n->args[i]->str : "?");
		break;
	case N_CALL:
		fprintf(o, "%s(", n->name);
		args(n, o);
		fputc(')', o);
		break;
	case N_BINOP:
	case N_ASSIGN:
	case N_AGG:
		fputc('(', o);
		node(n->lhs, o, ind);
		fprintf(o, " %s ", n->op);
		node(n->rhs, o, ind);
		fputc(')', o);
		break;
	case N_UNOP:
		fprintf(o, "%s(", n->op);
		node(n->lhs, o, ind);
		fputc(')', o);
		break;
	case N_INCDEC:
		if (!n->postfix)
			fputs(n->op, o);
		node(n->lhs, o, ind);
		if (n->postfix)
			fputs(n->op, o);
		break;
	case N_TERNARY:
		fputc('(', o);
		node(n->cond, o, ind);
		fputs(" ? ", o);
		node(n->then, o, ind);
		fputs(" : ", o);
		node(n->els, o, ind);
		fputc(')', o);
		break;
	case N_IN:
		fputc('[', o);
		args(n, o);
		fprintf(o, "] in %s", n->lhs->name);
		break;
	case N_STATOP:
		fprintf(o, "@%s(", n->name);
		node(n->lhs, o, ind);
		fputc(')', o);
		break;
	case N_HIST:
		fprintf(o, "@%s(", n->name);
		args(n, o);
		fputc(')', o);
		break;
	case N_HISTIDX:
		/* without an index: the number of buckets (a foreach over it) */
		if (!n->rhs)
			fputs("@buckets(", o);
		node(n->lhs, o, ind);
		if (n->rhs) {
			fputc('[', o);
			node(n->rhs, o, ind);
			fputc(']', o);
		} else {
			fputc(')', o);
		}
		break;
	case N_WILDCARD:
		fputc('*', o);
		break;
	case N_DWARF:
		if (n->lhs) {
			if (n->name[0] == '&')
				fputc('&', o);
			node(n->lhs, o, ind);
			if (n->name[0] == '-')
				for (i = 0; i < n->nargs; i++)
					fprintf(o, "->%s", n->args[i]->str ? n->args[i]->str : "[]");
			break;
		}
		fprintf(o, "%s(", n->name);
		args(n, o);
		fputc(')', o);
		break;
	case N_ENTRY:
		fputs("@entry(", o);
		node(n->lhs, o, ind);
		fputc(')', o);
		break;
	case N_DEFINED:
		fputs("@defined(", o);
		node(n->lhs, o, ind);
		fputc(')', o);
		break;
	case N_BLOCK:
		fputs("{\n", o);
		for (i = 0; i < n->nargs; i++)
			stmt(n->args[i], o, ind + 1);
		indent(o, ind);
		fputs("}\n", o);
		break;
	case N_EXPR:
		node(n->lhs, o, ind);
		break;
	case N_IF:
		fputs("if (", o);
		node(n->cond, o, ind);
		fputs(") ", o);
		if (n->then->kind != N_BLOCK)
			fputc('\n', o);
		stmt(n->then, o, n->then->kind == N_BLOCK ? 0 : ind + 1);
		if (n->els) {
			indent(o, ind);
			fputs("else ", o);
			if (n->els->kind != N_BLOCK)
				fputc('\n', o);
			stmt(n->els, o, n->els->kind == N_BLOCK ? 0 : ind + 1);
		}
		break;
	case N_WHILE:
		fputs("while (", o);
		node(n->cond, o, ind);
		fputs(") ", o);
		stmt(n->body, o, 0);
		break;
	case N_FOR:
		fputs("for (", o);
		node(n->init, o, ind);
		fputs("; ", o);
		node(n->cond, o, ind);
		fputs("; ", o);
		node(n->inc, o, ind);
		fputs(") ", o);
		stmt(n->body, o, 0);
		break;
	case N_FOREACH:
		fputs("foreach (", o);
		if (n->lhs)
			fprintf(o, "%s = ", n->lhs->name);
		fputc('[', o);
		for (i = 0; i < n->nargs; i++)
			fprintf(o, "%s%s%s", i ? ", " : "", n->args[i]->name,
				n->sort_by == i ? (n->sort_dir > 0 ? "+" : "-") : "");
		fprintf(o, "] in %s", n->rhs->name);
		if (n->inc) {
			fputc('[', o);
			args(n->inc, o);
			fputc(']', o);
		}
		fputs(n->sort_by == -1 ? (n->sort_dir > 0 ? "+" : "-") : "", o);
		if (n->cond) {
			fputs(" limit ", o);
			node(n->cond, o, ind);
		}
		fputs(") ", o);
		stmt(n->body, o, 0);
		break;
	case N_BREAK:
		fputs("break", o);
		break;
	case N_CONTINUE:
		fputs("continue", o);
		break;
	case N_NEXT:
		fputs("next", o);
		break;
	case N_RETURN:
		fputs("return", o);
		if (n->lhs) {
			fputc(' ', o);
			node(n->lhs, o, ind);
		}
		break;
	case N_DELETE:
		fputs("delete ", o);
		node(n->lhs, o, ind);
		break;
	case N_NOP:
		fputc(';', o);
		break;
	case N_TRY:
		fputs("try ", o);
		stmt(n->body, o, 0);
		indent(o, ind);
		fputs("catch ", o);
		if (n->lhs)
			fprintf(o, "(%s) ", n->lhs->name);
		stmt(n->els, o, 0);
		break;
	}
}

void cc_dump_node(const struct cc_node *n, FILE *out)
{
	node(n, out, 0);
}

static void point(struct cc_ctx *cx, const struct cc_point *p, FILE *o)
{
	fputs(cc_point_str(cx, p), o);
	if (p->sufficient)
		fputc('!', o);
	else if (p->optional)
		fputc('?', o);
	if (p->cond) {
		fputs(" if (", o);
		node(p->cond, o, 0);
		fputc(')', o);
	}
}

void cc_dump_file(struct cc_ctx *cx, const struct cc_file *f, FILE *o)
{
	int i, j;

	fprintf(o, "# parse tree dump\n# file %s\n", f->src->name);
	for (i = 0; i < f->globals.n; i++) {
		const struct cc_sym *s = f->globals.v[i];

		fprintf(o, "global %s", s->name);
		if (s->maxsize)
			fprintf(o, "[%lld]", (long long)s->maxsize);
		if (s->init) {
			fputs(" = ", o);
			node(s->init, o, 0);
		}
		fputc('\n', o);
	}
	for (i = 0; i < f->funcs.n; i++) {
		const struct cc_func *fn = f->funcs.v[i];

		fprintf(o, "function %s(", fn->name);
		for (j = 0; j < fn->nparams; j++)
			fprintf(o, "%s%s", j ? ", " : "", fn->params[j]->name);
		fputs(") ", o);
		node(fn->body, o, 0);
	}
	for (i = 0; i < f->probes.n; i++) {
		const struct cc_probe *p = f->probes.v[i];

		fputs("probe ", o);
		if (p->is_alias) {
			point(cx, p->alias_name, o);
			fputs(p->is_epilogue ? " += " : " = ", o);
		}
		for (j = 0; j < p->npoints; j++) {
			if (j)
				fputs(", ", o);
			point(cx, p->points[j], o);
		}
		fputc(' ', o);
		node(p->body, o, 0);
		if (p->epilogue) {
			fputs(", ", o);
			node(p->epilogue, o, 0);
		}
	}
}

static const char *sym_type(struct cc_ctx *cx, const struct cc_sym *s)
{
	char *t = cc_strdup(cx->arena, cc_type_name(s->type));
	int i;

	if (!s->is_array)
		return t;
	t = cc_sprintf(cx->arena, "%s [", t);
	for (i = 0; i < s->nkeys; i++)
		t = cc_sprintf(cx->arena, "%s%s%s", t, i ? ", " : "", cc_type_name(s->keytype[i]));
	return cc_sprintf(cx->arena, "%s]", t);
}

void cc_dump_prog(struct cc_ctx *cx, FILE *o)
{
	struct cc_prog *P = cx->prog;
	int i, j;

	if (P->globals.n)
		fputs("# globals\n", o);
	for (i = 0; i < P->globals.n; i++) {
		const struct cc_sym *s = P->globals.v[i];

		fprintf(o, "%s:%s%s%s\n", s->name, sym_type(cx, s), s->used_kernel ? " (kernel)" : "",
			s->used_user ? " (user)" : "");
	}
	if (P->funcs.n)
		fputs("# functions\n", o);
	for (i = 0; i < P->funcs.n; i++) {
		const struct cc_func *f = P->funcs.v[i];

		fprintf(o, "%s:%s (", f->name, cc_type_name(f->rettype));
		for (j = 0; j < f->nparams; j++)
			fprintf(o, "%s%s:%s", j ? ", " : "", f->params[j]->name,
				cc_type_name(f->params[j]->type));
		fputs(")\n", o);
		for (j = 0; j < f->locals.n; j++) {
			const struct cc_sym *s = f->locals.v[j];

			fprintf(o, "  %s:%s\n", s->name, cc_type_name(s->type));
		}
	}
	fputs("# probes\n", o);
	for (i = 0; i < P->probes.n; i++) {
		const struct cc_dprobe *d = P->probes.v[i];
		/* by enum cc_pkind */
		static const char *const kinds[] = { "", "begin", "end", "error", "never", "timer",
						      "profile", "perf", "tracepoint",
						      "raw tracepoint", "raw syscall", "input",
						      "kernel function", "uprobe" };
		bool known = d->kind >= 0 && d->kind < (int)(sizeof(kinds) / sizeof(kinds[0]));

		fprintf(o, "%s /* %s, %s context */\n", d->pp, known ? kinds[d->kind] : "?",
			d->kernel ? "kernel" : "user");
		for (j = 0; j < d->locals.n; j++) {
			const struct cc_sym *s = d->locals.v[j];

			fprintf(o, "  %s:%s\n", s->name, cc_type_name(s->type));
		}
	}
}

/* ---- --dump-functions ---------------------------------------------------------- */

static const char *sig_type(int t)
{
	/* stap prints a function without a value as "unknown" */
	return t == TY_LONG || t == TY_STRING || t == TY_STATS ? cc_type_name(t) : "unknown";
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * stap --dump-functions: every function a script may call, sorted, as
 * "name:type (arg:type, ...)".  The tapsets' functions with their declared
 * types (unknown when only a call would tell), and the built-in ones with
 * arguments named arg1, arg2 ...; names starting with '_' are internal and
 * listed only with verbose.  The print family is a statement in stap, not
 * a function, and is not listed.
 */
void cc_dump_functions(struct cc_ctx *cx, bool all, FILE *out)
{
	struct cc_vec lines = { 0 };
	int i, j, f;

	for (f = 0; f < cx->tapsets.n; f++) {
		const struct cc_file *file = cx->tapsets.v[f];

		for (i = 0; i < file->funcs.n; i++) {
			const struct cc_func *fn = file->funcs.v[i];
			char *s;

			if ((fn->name[0] == '_' && !all) || fn->has_embedded)
				continue;
			s = cc_sprintf(cx->arena, "%s:%s (", fn->name,
				       sig_type(fn->typed_ret ? fn->rettype : TY_UNKNOWN));
			for (j = 0; j < fn->nparams; j++)
				s = cc_sprintf(cx->arena, "%s%s%s:%s", s, j ? ", " : "",
					       fn->params[j]->name,
					       sig_type(fn->params[j]->typed_decl ? fn->params[j]->type
										  : TY_UNKNOWN));
			cc_vec_push(cx->arena, &lines, cc_sprintf(cx->arena, "%s)", s));
		}
	}
	for (i = 1; i < B__COUNT; i++) {
		const struct cc_builtin *b = cc_builtin_get(i);
		char *s;

		if (!b || b->maxargs < 0)
			continue;
		s = cc_sprintf(cx->arena, "%s:%s (", b->name, sig_type(b->ret));
		for (j = 0; j < b->maxargs; j++)
			s = cc_sprintf(cx->arena, "%s%sarg%d:%s", s, j ? ", " : "", j + 1,
				       sig_type(j < 4 ? b->argt[j] : TY_UNKNOWN));
		cc_vec_push(cx->arena, &lines, cc_sprintf(cx->arena, "%s)", s));
	}
	if (lines.n)
		qsort(lines.v, (size_t)lines.n, sizeof(void *), cmp_line);
	for (i = 0; i < lines.n; i++)
		/* a name in two places (a builtin also in a tapset) is listed once */
		if (!i || strcmp(lines.v[i], lines.v[i - 1]))
			fprintf(out, "%s\n", (char *)lines.v[i]);
}
