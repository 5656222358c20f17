// SPDX-License-Identifier: MIT
/*
 * elaborate_btf.c - target variables from BTF (docs/btf.md): a
 * tracepoint's C arguments ($prev, $skb) with their member chains
 * ($prev->mm->arg_start), @cast(p, "task_struct")->pid, @task(p),
 * &$x->field and the C arguments of $$parms.  Each becomes an N_TARGET
 * node with a struct cc_btf_read (the base, the resolved chain, what is
 * read) that codegen_btf.c writes as CO-RE accesses.
 *
 * A tracepoint's format fields come first: a name that is both a field
 * and a C argument (sched_switch's prev_state) is the field, as it was
 * before C arguments were known, and a probe that only reads fields
 * stays a tp/ program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "compiler/elaborate.h"

static struct cc_btf *open_btf(struct elab *E, const struct cc_loc *loc, bool quiet)
{
	struct cc_btf *b = NULL;
	int r = cc_ctx_btf(E->cx, &b);

	if (r < 0 && !quiet)
		cc_error_at(&E->cx->diag, loc,
			    "kernel types (BTF) are needed here and cannot be read: %s",
			    b ? cc_btf_error(b) : strerror(-r));
	return r < 0 ? NULL : b;
}

/* The C arguments of the probe's tracepoint, or -errno (none: not a tracepoint). */
int elab_btf_tp_args(struct elab *E, const struct cc_dprobe *d, struct cc_btf_param **ret)
{
	struct cc_btf *b = NULL;

	struct cc_btf_param *args;
	int i, n;

	if (!d || d->kind != PK_TRACE || !d->event || cc_ctx_btf(E->cx, &b) < 0)
		return -ENOENT;
	n = cc_btf_tp_args(b, d->event, &args);
	if (n > 0 && d->tp_argn) {
		/* kernel.tracepoint(): stap numbers the arguments, $arg1 first */
		struct cc_btf_param *num = cc_alloc(E->cx->arena, sizeof(*num) * (size_t)n);

		for (i = 0; i < n; i++) {
			num[i] = args[i];
			num[i].name = cc_sprintf(E->cx->arena, "arg%d", i + 1);
		}
		args = num;
	}
	*ret = args;
	return n;
}

/* How the script wrote head's chain, for messages: $prev->se, $x->a[...] */
static const char *chain_text(struct elab *E, const struct cc_node *t, const char *head)
{
	char *s = cc_strdup(E->cx->arena, head);
	int i;

	for (i = (int)t->num; i < t->nargs; i++) {
		const struct cc_node *a = t->args[i];

		if (a->kind == N_STR && a->op && !strcmp(a->op, "->"))
			s = cc_sprintf(E->cx->arena, "%s->%s", s, a->str);
		else if (a->kind == N_NUM)
			s = cc_sprintf(E->cx->arena, "%s[%lld]", s, (long long)a->num);
		else
			s = cc_sprintf(E->cx->arena, "%s[...]", s);
	}
	return s;
}

/*
 * Resolve the ->/[] chain of node t (its args from t->num on) on a value
 * of type base into r, the runtime indexes resolved and left as t's args.
 * An error points at the member that is not there.
 */
static bool resolve_chain(struct elab *E, struct cc_node *t,
			  struct cc_btf_type base, struct cc_btf_read *r, bool quiet)
{
	struct cc_ctx *cx = E->cx;
	struct cc_btf *b = open_btf(E, &t->loc, quiet);
	int first = (int)t->num, n = t->nargs - first, i, k, nidx = 0;
	struct cc_btf_path_elem *path;
	struct cc_node **idx;

	if (!b)
		return false;
	path = cc_alloc(cx->arena, sizeof(*path) * (size_t)(n ? n : 1));
	idx = cc_alloc(cx->arena, sizeof(*idx) * (size_t)(n ? n : 1));
	if (!n && cc_btf_resolve(b, base, path, 0, &r->acc) < 0) /* the value itself */
		return false;
	for (i = 0; i < n; i++) {
		struct cc_node *a = t->args[first + i];

		if (a->kind == N_STR && a->op && !strcmp(a->op, "->")) {
			path[i].member = a->str;
		} else {
			/* a runtime index: the model checks 0, codegen checks the value */
			path[i].index = a->kind == N_NUM ? a->num : 0;
			idx[nidx++] = a->kind == N_NUM ? NULL : a;
		}
		if (cc_btf_resolve(b, base, path, i + 1, &r->acc) < 0) {
			if (!quiet)
				cc_error_at(&cx->diag, &a->loc, "%s", cc_btf_error(b));
			return false;
		}
	}
	if (quiet)
		return true;
	r->base = base;
	r->idx = idx;
	/* the node keeps only what codegen evaluates: the runtime indexes (the caller resolves them) */
	for (i = k = 0; i < nidx; i++)
		if (idx[i])
			t->args[k++] = idx[i];
	t->nargs = k;
	t->num = 0;
	return true;
}

/*
 * What a resolved chain reads, and the script type of it: a long
 * (integers, enums, pointers, char *), a string (char[N]), or with want_addr
 * the address of its last member.  A struct, a union or an array is no
 * value.
 */
static bool read_mode(struct elab *E, struct cc_node *t, struct cc_btf_read *r, const char *what,
		      bool want_addr, bool quiet)
{
	const struct cc_btf_class *c = &r->acc.cls;
	const char *why = NULL;

	if (want_addr && !r->acc.nsteps)
		why = "has no address: it is a value the tracepoint passes, not a member";
	else if (want_addr && r->acc.bitfield_size)
		why = "is a bitfield: it has no address";
	else if (want_addr)
		r->mode = CC_BTF_READ_ADDR;
	else if (c->kind == CC_BTF_STRING && c->nelem)
		r->mode = CC_BTF_READ_STRING;
	else if (c->kind == CC_BTF_INT || c->kind == CC_BTF_ENUM || c->kind == CC_BTF_PTR ||
		 c->kind == CC_BTF_STRING)
		r->mode = CC_BTF_READ_VALUE;
	else if (c->kind == CC_BTF_STRUCT || c->kind == CC_BTF_UNION || c->kind == CC_BTF_ARRAY)
		why = cc_sprintf(E->cx->arena,
				 "is a %s, not a value: read one of its members%s", c->cname,
				 c->kind == CC_BTF_ARRAY ? " or index it" : "");
	else
		why = cc_sprintf(E->cx->arena, "has type %s, which cannot be read as a value",
				 c->cname);
	if (why) {
		if (!quiet)
			cc_error_at(&E->cx->diag, &t->loc, "'%s' %s", what, why);
		return false;
	}
	t->type = r->mode == CC_BTF_READ_STRING ? TY_STRING : TY_LONG;
	return true;
}

/* ---- pretty printing: $var$, $var$$ ------------------------------------------------- */

/* A sprintf call being built: its format and its arguments. */
struct pretty {
	struct cc_node *call;
	char *fmt;
	int max; /* arguments it may take */
	bool full; /* MAXSTRINGLEN reached: the rest is cut */
};

/* A read of path more steps after r's chain (a DEREF first when r ends at a pointer). */
static struct cc_node *field_read(struct elab *E, const struct cc_node *t,
				  const struct cc_btf_read *r, const struct cc_btf_access *f,
				  int mode)
{
	struct cc_ctx *cx = E->cx;
	struct cc_btf *b = NULL;
	struct cc_node *a = cc_alloc(cx->arena, sizeof(*a));
	struct cc_btf_read *fr = cc_alloc(cx->arena, sizeof(*fr));
	struct cc_btf_step *st;
	bool deref = r->acc.cls.kind == CC_BTF_PTR;
	int n = r->acc.nsteps + deref + f->nsteps;

	cc_ctx_btf(cx, &b);
	*fr = *r;
	st = cc_alloc(cx->arena, sizeof(*st) * (size_t)(n ? n : 1));
	memcpy(st, r->acc.steps, sizeof(*st) * (size_t)r->acc.nsteps);
	if (deref)
		st[r->acc.nsteps] = (struct cc_btf_step){ .op = CC_BTF_DEREF,
							  .owner = cc_btf_strip(b, r->acc.type),
							  .type = cc_btf_elem(b, r->acc.type) };
	memcpy(st + r->acc.nsteps + deref, f->steps, sizeof(*st) * (size_t)f->nsteps);
	fr->acc = *f;
	fr->acc.steps = st;
	fr->acc.nsteps = n;
	fr->mode = mode;
	a->kind = N_TARGET;
	a->name = t->name;
	a->loc = t->loc;
	a->sort_by = -2;
	a->lhs = t->lhs; /* @cast's pointer, resolved already (elab_btf_cast) */
	a->kread = fr;
	a->type = mode == CC_BTF_READ_STRING ? TY_STRING : TY_LONG;
	return a;
}

static void pretty_text(struct elab *E, struct pretty *P, const char *s)
{
	P->fmt = cc_sprintf(E->cx->arena, "%s%s", P->fmt, s);
}

/*
 * The members of the struct r reads (or points to), in stap's format:
 * {.pid=1, .comm="bash", .mm=0xffff..., .se={...}, .cpus_mask=[...]};
 * depth 2 ($var$$) opens the nested structs one level.  The text stops
 * at MAXSTRINGLEN, where stap's string would end.
 */
static void pretty_struct(struct elab *E, struct pretty *P, const struct cc_node *t,
			  const struct cc_btf_read *r, int depth)
{
	struct cc_ctx *cx = E->cx;
	struct cc_btf *b = NULL;
	struct cc_btf_param *f;
	int i, n;

	cc_ctx_btf(cx, &b);
	n = cc_btf_pretty_plan(b, r->acc.type, &f);
	pretty_text(E, P, "{");
	for (i = 0; i < n && !P->full; i++) {
		const struct cc_btf_class *c = &f[i].cls;
		struct cc_node **args = P->call->args;
		int mode = c->kind == CC_BTF_STRING && c->nelem ? CC_BTF_READ_STRING
							       : CC_BTF_READ_VALUE;

		if ((int64_t)strlen(P->fmt) >= cx->lim.strlen || P->call->nargs >= P->max) {
			P->full = true;
			break;
		}
		pretty_text(E, P, cc_sprintf(cx->arena, "%s.%s=", i ? ", " : "", f[i].name));
		switch (c->kind) {
		case CC_BTF_INT:
		case CC_BTF_ENUM:
		case CC_BTF_PTR:
		case CC_BTF_STRING:
			pretty_text(E, P, mode == CC_BTF_READ_STRING ? "\"%s\""
					  : c->kind == CC_BTF_PTR || c->kind == CC_BTF_STRING ? "0x%x"
											       : "%d");
			args[P->call->nargs++] = field_read(E, t, r, &f[i].acc, mode);
			break;
		case CC_BTF_STRUCT:
		case CC_BTF_UNION:
			if (depth > 1) {
				struct cc_node *inner = field_read(E, t, r, &f[i].acc, CC_BTF_READ_VALUE);

				pretty_struct(E, P, t, inner->kread, depth - 1);
			} else {
				pretty_text(E, P, "{...}");
			}
			break;
		case CC_BTF_ARRAY:
			pretty_text(E, P, "[...]");
			break;
		default:
			pretty_text(E, P, "?");
			break;
		}
	}
	pretty_text(E, P, P->full || i < n ? ", ...}" : "}");
	P->full = P->full || i < n;
}

/* $chain$ / $chain$$: a sprintf call of the value or of the struct's members. */
static struct cc_node *pretty_node(struct elab *E, const struct cc_node *t,
				   const struct cc_btf_read *r, int depth)
{
	struct cc_ctx *cx = E->cx;
	struct pretty P = { .fmt = cc_strdup(cx->arena, ""), .max = 32 };
	const struct cc_btf_class *c = &r->acc.cls;
	struct cc_node *call = cc_alloc(cx->arena, sizeof(*call));
	struct cc_btf *b = NULL;
	struct cc_btf_param *f;

	cc_ctx_btf(cx, &b);
	call->kind = N_CALL;
	call->name = "sprintf";
	call->loc = t->loc;
	call->sort_by = -2;
	call->args = cc_alloc(cx->arena, sizeof(*call->args) * (size_t)(P.max + 1));
	call->nargs = 1; /* the format, set at the end */
	P.call = call;
	if (c->kind == CC_BTF_STRUCT || c->kind == CC_BTF_UNION ||
	    (c->kind == CC_BTF_PTR && cc_btf_pretty_plan(b, r->acc.type, &f) >= 0)) {
		pretty_struct(E, &P, t, r, depth);
	} else {
		struct cc_btf_access none = { .type = r->acc.type, .cls = *c };
		struct cc_btf_read plain = *r;
		int mode = c->kind == CC_BTF_STRING && c->nelem ? CC_BTF_READ_STRING
							       : CC_BTF_READ_VALUE;

		bool cstr = c->kind == CC_BTF_STRING && !c->nelem;

		/*
		 * a scalar: its value, as the same format prints it in a
		 * struct; a char * the string it points to, quoted, as stap
		 * prints $filename$ (kernel memory, else the user's: a
		 * __user pointer is not marked in every kernel's BTF)
		 */
		pretty_text(E, &P, mode == CC_BTF_READ_STRING ? "\"%s\""
				   : cstr ? "%s"
				   : c->kind == CC_BTF_INT || c->kind == CC_BTF_ENUM ? "%d"
										       : "0x%x");
		plain.acc.cls.kind = CC_BTF_INT; /* no DEREF added */
		call->args[call->nargs++] = field_read(E, t, &plain, &none, mode);
		call->args[1]->kread->acc = r->acc;
		if (cstr) {
			struct cc_node *q = cc_alloc(cx->arena, sizeof(*q));

			q->kind = N_CALL;
			q->name = "kernel_or_user_string_quoted";
			q->loc = t->loc;
			q->args = cc_alloc(cx->arena, sizeof(*q->args));
			q->args[0] = call->args[1];
			q->nargs = 1;
			call->args[1] = q;
		}
	}
	call->args[0] = cc_alloc(cx->arena, sizeof(struct cc_node));
	call->args[0]->kind = N_STR;
	call->args[0]->str = P.fmt;
	call->args[0]->slen = strlen(P.fmt);
	call->args[0]->loc = t->loc;
	return call;
}

/*
 * $name as one of the tracepoint's C arguments, with its chain.  true:
 * it is one (an error in its chain is reported, unless quiet: then
 * false); false and nothing reported when the probe has no such
 * argument: the caller reports the unknown name.
 */
bool elab_btf_target(struct elab *E, struct scope *S, struct cc_node **np, const char *name,
		     bool want_addr, bool quiet)
{
	struct cc_node *t = *np;
	struct cc_dprobe *d = S->probe;
	struct cc_btf_param *args;
	struct cc_btf_read *r;
	const char *what;
	int i, n = elab_btf_tp_args(E, d, &args);

	for (i = 0; i < n && strcmp(args[i].name, name); i++)
		;
	if (i >= n)
		return false;
	r = cc_alloc(E->cx->arena, sizeof(*r));
	r->argi = i;
	what = chain_text(E, t, cc_sprintf(E->cx->arena, "$%s", name));
	if (!resolve_chain(E, t, args[i].type, r, quiet))
		return quiet ? false : true;
	if (t->str && !want_addr) {
		/* $var$ ("" after the chain) or $var$$ ("$"): the caller resolves the sprintf */
		if (t->nargs) {
			if (!quiet)
				cc_error_at(&E->cx->diag, &t->loc,
					    "'%s$': pretty-printing a chain with a computed index is "
					    "not supported: index it with a number",
					    what);
			return quiet ? false : true;
		}
		if (quiet)
			return true;
		*np = pretty_node(E, t, r, *t->str ? 2 : 1);
		d->uses_args = true;
		return true;
	}
	if (!read_mode(E, t, r, what, want_addr, quiet))
		return quiet ? false : true;
	if (quiet)
		return true;
	elab_btf_note_typed(E, t, r->acc.type, want_addr);
	t->name = (char *)name;
	t->kread = r;
	d->uses_args = true;
	return true;
}

/* The names of the C arguments no field hides, for the message about an unknown one. */
const char *elab_btf_arg_names(struct elab *E, const struct cc_dprobe *d)
{
	struct cc_btf_param *args;
	char *s = cc_strdup(E->cx->arena, "");
	int i, j, n = elab_btf_tp_args(E, d, &args);

	for (i = 0; i < n; i++) {
		for (j = 0; j < d->tpf->nfields && strcmp(d->tpf->fields[j].name, args[i].name); j++)
			;
		if (j == d->tpf->nfields)
			s = cc_sprintf(E->cx->arena, "%s%s$%s", s, *s ? " " : "", args[i].name);
	}
	return s;
}

/*
 * &@cast(p, "T")->chain with no pointer followed and no runtime index:
 * no memory is read, the address is p plus the chain's offsets, so it is
 * allowed in any probe or function (stap's target_set tapset passes
 * &@cast(uaddr, "struct timespec")->tv_sec to user_long in a function).
 * With a constant p it is a constant, known at pass 2: what stap's
 * @cast_sizeof (&@cast(0, "T")[1]) and @offsetof (&@cast(0, "T")->m) are
 * made of.  The offsets are this kernel's (as stap's from debuginfo):
 * such a constant is not relocated for another kernel.
 */
static bool offset_addr(struct elab *E, struct cc_node *t, const struct cc_btf_read *r,
			struct cc_node *ptr)
{
	int64_t off = 0;
	int i;

	if (t->nargs) /* a runtime index */
		return false;
	for (i = 0; i < r->acc.nsteps; i++) {
		if (r->acc.steps[i].op == CC_BTF_DEREF)
			return false;
		off += r->acc.steps[i].offset;
	}
	t->type = TY_LONG;
	t->kread = NULL;
	if (ptr->kind == N_NUM) {
		t->kind = N_NUM;
		t->num = ptr->num + off;
		t->lhs = NULL;
		return true;
	}
	t->kind = N_BINOP;
	t->op = "+";
	t->lhs = ptr;
	t->rhs = cc_node_new(E->cx, N_NUM, &t->loc);
	t->rhs->num = off;
	t->rhs->type = TY_LONG;
	t->name = NULL;
	return true;
}

/*
 * Remember t as the address of a struct when it is one (addr: t is the
 * address of a value of type ty; else t's value is ty, a pointer), for
 * an assignment to give its local stap's autocast.
 */
void elab_btf_note_typed(struct elab *E, const struct cc_node *t, struct cc_btf_type ty, bool addr)
{
	struct elab_typed *e;
	struct cc_btf *b;
	bool is_union;

	if (cc_ctx_btf(E->cx, &b) < 0)
		return;
	if (!addr)
		ty = cc_btf_elem(b, cc_btf_strip(b, ty));
	if (!ty.id || !cc_btf_tag(b, ty, &is_union))
		return;
	e = cc_alloc(E->cx->arena, sizeof(*e));
	e->node = t;
	e->type = cc_btf_strip(b, ty);
	cc_vec_push(E->cx->arena, &E->typed, e);
}

/*
 * t, a chain r resolved on the struct at pointer ptr (@cast's, an
 * autocast local's), becomes its read; with want_addr the last member's
 * address, ptr plus the offsets when no pointer is followed.  The
 * chain's runtime indexes are t's args; the caller resolves them and ptr.
 */
static void pointer_read(struct elab *E, struct cc_node *t, struct cc_btf_read *r,
			 struct cc_node *ptr, bool want_addr)
{
	elab_btf_note_typed(E, t, r->acc.type, want_addr);
	if (want_addr && offset_addr(E, t, r, ptr))
		return;
	t->kind = N_TARGET;
	t->lhs = ptr;
	t->kread = r;
}

/*
 * @cast(p, "type"[, "module"])->chain and @task(p)->chain (stap's
 * @cast(p, "task_struct", "kernel")): the node becomes an N_TARGET whose
 * lhs is p.  @defined(@cast(...)->x) asks quietly.
 */
bool elab_btf_cast(struct elab *E, struct scope *S, struct cc_node **np, bool want_addr,
		   bool quiet)
{
	struct cc_ctx *cx = E->cx;
	struct cc_node *t = *np;
	bool task = !strcmp(t->name, "@task");
	int ncall = (int)t->num;
	const char *tname = "task_struct", *mod = NULL, *what;
	struct cc_btf_type base;
	struct cc_btf_read *r;
	struct cc_node *ptr;
	struct cc_btf *b;

	if (ncall != (task ? 1 : 2) && (task || ncall != 3)) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    task ? "@task takes one argument: @task(pointer)"
					 : "@cast takes 2 or 3 arguments: @cast(pointer, \"type\"[, "
					   "\"module\"])");
		return false;
	}
	if (!task) {
		if (t->args[1]->kind != N_STR || (ncall == 3 && t->args[2]->kind != N_STR)) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->args[1]->loc,
					    "@cast's type and module are string literals");
			return false;
		}
		tname = t->args[1]->str;
		mod = ncall == 3 ? t->args[2]->str : NULL;
	}
	b = open_btf(E, &t->loc, quiet);
	if (!b)
		return false;
	if (cc_btf_find_type(b, tname, mod, &base) < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->args[task ? 0 : 1]->loc, "%s", cc_btf_error(b));
		return false;
	}
	r = cc_alloc(cx->arena, sizeof(*r));
	r->argi = -1;
	ptr = t->args[0];
	what = chain_text(E, t, task ? "@task(...)" : "@cast(...)");
	if (!resolve_chain(E, t, base, r, quiet))
		return false;
	if (want_addr && !r->acc.nsteps) {
		/* &@cast(p, "T"): the struct's address, p itself */
		if (!quiet) {
			*np = ptr;
			elab_btf_note_typed(E, ptr, base, true);
		}
		return true;
	}
	if (t->str && !want_addr) {
		/*
		 * @cast(p, "T")$, ...->se$$: each member read is a read from p,
		 * which the caller resolved first (and only once)
		 */
		if (t->nargs) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    "'%s$': pretty-printing a chain with a computed index is "
					    "not supported: index it with a number",
					    what);
			return false;
		}
		if (!quiet) {
			t->lhs = ptr;
			*np = pretty_node(E, t, r, *t->str ? 2 : 1);
		}
		return true;
	}
	if (!read_mode(E, t, r, what, want_addr, quiet))
		return false;
	if (!quiet)
		pointer_read(E, t, r, ptr, want_addr);
	return true;
}

/*
 * v->chain where the local v was assigned the address of a struct of
 * type base: @cast(v, "T")->chain, the type from the assignment (stap's
 * autocast).  t is the "->" node, its lhs v (the caller resolves it).
 */
bool elab_btf_autocast(struct elab *E, struct cc_node *t, struct cc_btf_type base, bool want_addr,
		       bool quiet)
{
	struct cc_btf_read *r = cc_alloc(E->cx->arena, sizeof(*r));
	const char *what = chain_text(E, t, cc_sprintf(E->cx->arena, "%s", t->lhs->name));
	struct cc_node *ptr = t->lhs;

	r->argi = -1;
	if (!resolve_chain(E, t, base, r, quiet) || !read_mode(E, t, r, what, want_addr, quiet))
		return false;
	if (!quiet)
		pointer_read(E, t, r, ptr, want_addr);
	return true;
}

/*
 * $param->chain of a kernel function probe: the parameter (base_val, an
 * N_TARGET that probe_kfunc.c reads) of type base, then the chain, as
 * @cast's pointer is.  The caller resolves base_val and the indexes.
 */
bool elab_btf_chain(struct elab *E, struct cc_node *t, struct cc_node *base_val,
		    struct cc_btf_type base, bool want_addr, bool quiet)
{
	struct cc_btf_read *r = cc_alloc(E->cx->arena, sizeof(*r));
	const char *what = chain_text(E, t, cc_sprintf(E->cx->arena, "$%s", t->name));

	r->argi = -1;
	if (!resolve_chain(E, t, base, r, quiet) || !read_mode(E, t, r, what, want_addr, quiet))
		return false;
	if (quiet)
		return true;
	elab_btf_note_typed(E, t, r->acc.type, want_addr);
	t->lhs = base_val;
	t->kread = r;
	return true;
}

/* ---- @enum and @enumname ------------------------------------------------------------------ */

/* The enum type of a resolved value: a C argument's or member's, or a format field's. */
static bool enum_type_of(struct elab *E, struct cc_btf *b, const struct cc_node *v,
			 struct cc_btf_type *ret)
{
	const struct cc_tpfield *f = v->kind == N_TARGET && !v->kread ? v->aux : NULL;

	(void)E;
	if (v->kread) {
		const struct cc_btf_read *r = v->kread;

		*ret = r->acc.nsteps ? r->acc.type : r->base;
		return cc_btf_classify(b, *ret).kind == CC_BTF_ENUM;
	}
	/* a format field spells its type as C does: "enum skb_drop_reason" */
	return f && f->type && !strncmp(f->type, "enum ", 5) &&
	       !cc_btf_find_type(b, f->type, NULL, ret);
}

/*
 * @enum("NAME"[, "module"]) becomes the enumerator's value, a number;
 * @enumname(v[, "enum T"[, "module"]]) a call of __enumname_M_ID(v), a
 * function written here for T and parsed as a tapset's (once per type):
 * one if per enumerator, the first of a value winning, and v in decimal
 * when none has it, as stap prints it.  Without a type, v is a target
 * variable of an enum type, resolved by the caller.  Being a function of
 * numbers and literals, it runs in kernel and user probes alike.
 */
bool elab_btf_enum(struct elab *E, struct cc_node *n)
{
	struct cc_ctx *cx = E->cx;
	bool name = !strcmp(n->name, "@enumname");
	int nargs = (int)n->num, i, k;
	struct cc_btf_enumval *v;
	struct cc_btf_type t;
	struct cc_srcfile *src;
	struct cc_btf *b;
	const char *fname;
	char *text = NULL;
	size_t len = 0;
	FILE *o;

	if (n->nargs != nargs || nargs < 1 || nargs > (name ? 3 : 2)) {
		cc_error_at(&cx->diag, &n->loc,
			    name ? "@enumname takes 1 to 3 arguments: @enumname(value[, \"enum "
				   "type\"[, \"module\"]])"
				 : "@enum takes 1 or 2 arguments: @enum(\"NAME\"[, \"module\"])");
		return false;
	}
	for (i = name; i < nargs; i++)
		if (n->args[i]->kind != N_STR) {
			cc_error_at(&cx->diag, &n->args[i]->loc, "%s's %s are string literals",
				    n->name, name ? "type and module" : "name and module");
			return false;
		}
	b = open_btf(E, &n->loc, false);
	if (!b)
		return false;
	if (!name) {
		int64_t val;

		if (cc_btf_enumerator(b, n->args[0]->str, nargs > 1 ? n->args[1]->str : NULL,
				      &val) < 0) {
			cc_error_at(&cx->diag, &n->args[0]->loc, "%s", cc_btf_error(b));
			return false;
		}
		n->kind = N_NUM;
		n->num = val;
		n->nargs = 0;
		return true;
	}
	if (nargs == 1 && !enum_type_of(E, b, n->args[0], &t)) {
		cc_error_at(&cx->diag, &n->args[0]->loc,
			    "@enumname(value) needs a target variable of an enum type; name the "
			    "type otherwise: @enumname(value, \"enum type\")");
		return false;
	}
	if (nargs > 1 && (cc_btf_find_type(b, n->args[1]->str, nargs > 2 ? n->args[2]->str : NULL,
					   &t) < 0 ||
			  cc_btf_classify(b, t).kind != CC_BTF_ENUM)) {
		cc_error_at(&cx->diag, &n->args[1]->loc, "%s",
			    cc_btf_classify(b, t).kind == CC_BTF_ENUM || !t.id
				    ? cc_btf_error(b)
				    : cc_sprintf(cx->arena, "'%s' is not an enum", n->args[1]->str));
		return false;
	}
	t = cc_btf_strip(b, t);
	fname = cc_sprintf(cx->arena, "__enumname_%d_%u", t.mod, t.id);
	n->kind = N_CALL;
	n->name = (char *)fname;
	n->nargs = 1;
	for (i = 0; i < cx->tapsets.n; i++) {
		struct cc_file *tf = cx->tapsets.v[i];

		for (k = 0; k < tf->funcs.n; k++)
			if (!strcmp(((struct cc_func *)tf->funcs.v[k])->name, fname))
				return true;
	}
	k = cc_btf_enum_values(b, t, &v);
	o = open_memstream(&text, &len);
	if (!o || k < 0) {
		if (o)
			fclose(o);
		free(text);
		cc_error_at(&cx->diag, &n->loc, "@enumname: cannot list the enum: %s",
			    k < 0 ? cc_btf_error(b) : strerror(errno));
		return false;
	}
	fprintf(o, "function %s:string(v:long)\n{\n", fname);
	for (i = 0; i < k; i++)
		fprintf(o, "\tif (v == %lld) return \"%s\"\n", (long long)v[i].value, v[i].name);
	fprintf(o, "\treturn sprintf(\"%%d\", v)\n}\n");
	fclose(o);
	src = cc_alloc(cx->arena, sizeof(*src));
	src->name = cc_sprintf(cx->arena, "%s (generated for %s)", fname, n->args[0]->loc.file->name);
	src->text = cc_strndup(cx->arena, text, len);
	src->len = len;
	src->is_tapset = true;
	free(text);
	cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, src));
	return true;
}
