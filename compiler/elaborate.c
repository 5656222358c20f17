// SPDX-License-Identifier: MIT
/*
 * Elaboration (stap's pass 2): from the parsed script and tapsets to a
 * program of derived probes.
 *
 *  1. Every probe point of the script is expanded: a point matching alias
 *     names (globs allowed) expands into the alias's points, recursively,
 *     collecting the alias bodies (prologues run before the user's body,
 *     innermost first; epilogues after); a point no alias matches is a
 *     built-in one (probepoint.c).  Each resulting attach point gets its
 *     own copy of the combined body, so symbols and types can differ per
 *     point (two tracepoints may type $fd differently).
 *  2. Names are resolved: function parameters, then locals of the probe
 *     or function, then globals (script, then tapsets); an unknown scalar
 *     name becomes a new local.  Calls resolve to script functions, then
 *     built-ins.  $targets resolve against the tracepoint's format;
 *     @defined() folds to 0/1 and a branch it makes dead is dropped before
 *     its target variables are looked at, as in SystemTap.
 *  3. Types are inferred (types.c), then contexts are marked: which
 *     globals and functions kernel (eBPF) code uses and which user code
 *     uses, and what kernel context cannot do is refused with a reason.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "compiler/compiler.h"
#include "taphub/record.h"
#include "taphub/stat.h"
#include "compiler/elaborate.h"

static void resolve(struct elab *E, struct scope *S, struct cc_node **np, bool write);
static void resolve_func(struct elab *E, struct cc_func *f);

/* ---- lookups ----------------------------------------------------------------- */

/*
 * Globals by name.  Code of a tapset (an alias's prologue, a tapset
 * function) does not see the script's globals: a script's `global n`
 * must not capture the `n = $n` of syscall.read's prologue, or a tapset
 * function's `s`; what a tapset shares it declares itself.
 */
static struct cc_sym *find_global_from(struct cc_ctx *cx, const char *name, bool from_tapset)
{
	int i, j;

	for (i = 0; !from_tapset && i < cx->script->globals.n; i++) {
		struct cc_sym *s = cx->script->globals.v[i];

		if (!strcmp(s->name, name))
			return s;
	}
	for (j = 0; j < cx->tapsets.n; j++) {
		struct cc_file *f = cx->tapsets.v[j];

		for (i = 0; i < f->globals.n; i++) {
			struct cc_sym *s = f->globals.v[i];

			if (!strcmp(s->name, name))
				return s;
		}
	}
	return NULL;
}

/*
 * Functions by name and arity.  SystemTap overloads functions by their
 * number of parameters (ansi_set_color(fg), (fg, bg), (fg, bg, attr)):
 * the script's definitions come first, then the tapsets'; among them the
 * first with nargs parameters wins, else the first of that name (whose
 * arity the caller reports).  nargs < 0: any arity.
 */
static struct cc_func *find_func(struct cc_ctx *cx, const char *name, int nargs)
{
	struct cc_func *first = NULL;
	int i, j;

	for (j = -1; j < cx->tapsets.n; j++) {
		struct cc_file *tf = j < 0 ? cx->script : cx->tapsets.v[j];

		for (i = 0; i < tf->funcs.n; i++) {
			struct cc_func *f = tf->funcs.v[i];

			if (strcmp(f->name, name))
				continue;
			if (nargs < 0 || f->nparams == nargs)
				return f;
			if (!first)
				first = f;
		}
	}
	return first;
}

/* Is another function of this name defined (an overload)? */
static bool overloaded(struct cc_ctx *cx, const struct cc_func *f)
{
	int i, j;

	for (j = -1; j < cx->tapsets.n; j++) {
		struct cc_file *tf = j < 0 ? cx->script : cx->tapsets.v[j];

		for (i = 0; i < tf->funcs.n; i++) {
			struct cc_func *o = tf->funcs.v[i];

			if (o != f && !strcmp(o->name, f->name))
				return true;
		}
	}
	return false;
}

static void check_duplicates(struct cc_ctx *cx, struct cc_file *f)
{
	int i, j;

	for (i = 0; i < f->globals.n; i++)
		for (j = 0; j < i; j++) {
			struct cc_sym *a = f->globals.v[i], *b = f->globals.v[j];

			if (!strcmp(a->name, b->name))
				cc_error_at(&cx->diag, &a->loc,
					    "global '%s' is declared twice (first at %s:%d:%d)", a->name,
					    b->loc.file->name, b->loc.line, b->loc.col);
		}
	for (i = 0; i < f->funcs.n; i++)
		for (j = 0; j < i; j++) {
			struct cc_func *a = f->funcs.v[i], *b = f->funcs.v[j];

			if (!strcmp(a->name, b->name) && a->nparams == b->nparams)
				cc_error_at(&cx->diag, &a->loc,
					    "function '%s' is defined twice (first at %s:%d:%d)", a->name,
					    b->loc.file->name, b->loc.line, b->loc.col);
		}
	for (i = 0; i < f->funcs.n; i++) {
		struct cc_func *fn = f->funcs.v[i];

		if (cc_builtin_find(fn->name) && !f->src->is_tapset)
			cc_error_at(&cx->diag, &fn->loc,
				    "function '%s' has the name of a built-in function", fn->name);
	}
}

static struct cc_sym *new_local(struct elab *E, struct scope *S, const char *name,
				const struct cc_loc *loc)
{
	struct cc_sym *s = cc_alloc(E->cx->arena, sizeof(*s));

	s->name = (char *)name;
	s->kind = SYM_LOCAL;
	s->loc = *loc;
	s->index = S->locals->n;
	cc_vec_push(E->cx->arena, S->locals, s);
	return s;
}

static void use_global(struct elab *E, struct cc_sym *s)
{
	int i;

	for (i = 0; i < E->prog->globals.n; i++)
		if (E->prog->globals.v[i] == s)
			return;
	s->index = E->prog->globals.n;
	cc_vec_push(E->cx->arena, &E->prog->globals, s);
}

static struct cc_sym *lookup(struct elab *E, struct scope *S, const char *name,
			     const struct cc_loc *at)
{
	struct cc_sym *g;
	int i;

	if (S->func)
		for (i = 0; i < S->func->nparams; i++)
			if (!strcmp(S->func->params[i]->name, name))
				return S->func->params[i];
	for (i = 0; i < S->locals->n; i++) {
		struct cc_sym *s = S->locals->v[i];

		if (strcmp(s->name, name))
			continue;
		/*
		 * The script's own global wins over a local an alias made in
		 * tapset code: `global n; probe syscall.* { n[name]++ }` counts
		 * into the global even where the prologue has `n = $n`.
		 */
		if (at->file && !at->file->is_tapset && s->loc.file && s->loc.file->is_tapset &&
		    (g = find_global_from(E->cx, name, false)) && !g->loc.file->is_tapset) {
			use_global(E, g);
			return g;
		}
		return s;
	}
	g = find_global_from(E->cx, name, at->file && at->file->is_tapset);
	if (g)
		use_global(E, g);
	return g;
}

/* ---- target variables ----------------------------------------------------------- */

/* What a read through BTF evaluates: @cast's pointer, the chain's runtime indexes. */
static void resolve_kread(struct elab *E, struct scope *S, struct cc_node *n)
{
	int i;

	if (!n->kread)
		return;
	resolve(E, S, &n->lhs, false);
	for (i = 0; i < n->nargs; i++)
		resolve(E, S, &n->args[i], false);
}


static const struct cc_tpfield *find_field(const struct cc_dprobe *d, const char *name)
{
	int i;

	if (!d || !d->tpf)
		return NULL;
	for (i = 0; i < d->tpf->nfields; i++)
		if (!strcmp(d->tpf->fields[i].name, name))
			return &d->tpf->fields[i];
	return NULL;
}

static const char *field_names(struct elab *E, const struct cc_dprobe *d)
{
	char *s = cc_strdup(E->cx->arena, "");
	int i;

	for (i = 0; d->tpf && i < d->tpf->nfields; i++)
		s = cc_sprintf(E->cx->arena, "%s%s$%s", s, i ? " " : "", d->tpf->fields[i].name);
	return *s ? s : "none";
}

/*
 * $$parms / $$vars: "name=0x%x name2=\"%s\" ..." as a sprintf call: of
 * the tracepoint's C arguments when BTF has them (as stap), else of its
 * format fields.
 */
static struct cc_node *parms_node(struct elab *E, struct scope *S, struct cc_node *t)
{
	struct cc_ctx *cx = E->cx;
	struct cc_btf_param *cargs;
	int i, nc = elab_btf_tp_args(E, S->probe, &cargs);
	struct cc_parms p;

	cc_parms_init(&p, cx, &t->loc);
	for (i = 0; i < nc; i++) {
		struct cc_node *a = cc_node_new(cx, N_TARGET, &t->loc);

		a->name = (char *)cargs[i].name;
		/* $$parms$, $$parms$$: a pointer is pretty-printed ({.pid=1, ...} for a struct) */
		if (t->str && cargs[i].cls.kind == CC_BTF_PTR)
			a->str = t->str;
		/* an argument that is no value (a struct passed by value) is left out */
		if (!elab_btf_target(E, S, &a, cargs[i].name, false, true) ||
		    !elab_btf_target(E, S, &a, cargs[i].name, false, false))
			continue;
		cc_parms_add(&p, " ", cargs[i].name, a->kind == N_CALL ? "=%s" : "=0x%x", a);
	}
	for (i = 0; nc <= 0 && t->aux && i < ((struct cc_tpformat *)t->aux)->nfields; i++) {
		const struct cc_tpfield *f = &((struct cc_tpformat *)t->aux)->fields[i];
		bool str = f->kind == CC_TPF_CHARARRAY || f->kind == CC_TPF_DATALOC_STR;

		if (f->kind != CC_TPF_OTHER)
			cc_parms_target(&p, f->name, f->name, str ? "\"%s\"" : "0x%x");
	}
	return cc_parms_call(&p);
}

/*
 * $name of a netfilter probe (probe_netfilter.c): $skb and $state are the
 * context's two pointers; $hooknum, $in and $out members of the state,
 * read as the chain $state->hook with the script's own chain after it
 * ($in->name is $state->in->name).  The base value is a node of its own
 * (t->lhs), which resolves to the pointer: codegen reads it from ctx.
 */
static bool nf_target(struct elab *E, struct scope *S, struct cc_node **np, bool quiet)
{
	static const int slots[3] = { 0, 1, 2 }; /* state, skb, $verdict */
	struct cc_ctx *cx = E->cx;
	struct cc_node *t = *np, *v, *m, **args;
	struct cc_btf_type st;
	const char *member;
	int slot, r = cc_nf_var(cx, t->name, &slot, &st, &member), i;

	/* $verdict: what the program returns (written only with -g, elaborate's N_TARGET) */
	if (!strcmp(t->name, "verdict") && !t->nargs && !t->str) {
		if (!quiet) {
			t->aux = (void *)&slots[2];
			t->type = TY_LONG;
			S->probe->verdict = true;
		}
		return true;
	}
	if (r == -ENOENT) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "unable to find target variable '$%s' in %s (its variables: %s)",
				    t->name, S->probe->pp, cc_nf_var_names);
		return false;
	}
	if (r < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s' needs the kernel's types (BTF), which cannot be read: %s",
				    t->name, strerror(-r));
		return false;
	}
	if (t->str) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s$': pretty-printing is not supported in netfilter probes",
				    t->name);
		return false;
	}
	if (!member && t->nargs == (int)t->num) {
		/* the pointer itself */
		if (!quiet) {
			t->aux = (void *)&slots[slot];
			t->type = TY_LONG;
		}
		return true;
	}
	if (member) {
		m = cc_node_new(cx, N_STR, &t->loc);
		m->op = "->";
		m->str = (char *)member;
		args = cc_alloc(cx->arena, sizeof(*args) * (size_t)(t->nargs + 1));
		for (i = 0; i < (int)t->num; i++)
			args[i] = t->args[i];
		args[t->num] = m;
		for (i = (int)t->num; i < t->nargs; i++)
			args[i + 1] = t->args[i];
		if (!quiet) {
			t->args = args;
			t->nargs++;
		} else {
			/* @defined must not change the node: resolve a copy */
			struct cc_node *c = cc_alloc(cx->arena, sizeof(*c));

			*c = *t;
			c->args = args;
			c->nargs++;
			t = c;
		}
	}
	v = cc_node_new(cx, N_TARGET, &t->loc);
	v->name = slot ? "skb" : "state";
	if (!elab_btf_chain(E, t, v, st, false, quiet))
		return false;
	if (!quiet)
		resolve_kread(E, S, t);
	return true;
}

/* Resolve $name; quiet: only report whether it resolves (for @defined). */
static bool resolve_target(struct elab *E, struct scope *S, struct cc_node **np, bool quiet)
{
	struct cc_ctx *cx = E->cx;
	struct cc_node *t = *np;
	struct cc_dprobe *d = S->probe;
	const struct cc_tpfield *f;
	const char *name = t->name;
	size_t nl = strlen(name);

	if (!d) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "target variable '$%s' used in a function: pass it as an argument "
				    "from the probe", name);
		return false;
	}
	if (d->kind == PK_INPUT && !strcmp(name, "value") && !t->nargs) {
		/* the byte or line read: codegen takes it from the run's context */
		if (!quiet)
			t->type = TY_STRING;
		return true;
	}
	if (d->kind == PK_UPROBE) {
		int r = d->sdt ? cc_sdt_target(cx, d, np, quiet) : cc_ufunc_target(cx, d, np, quiet), i;

		if (r == 1)
			resolve(E, S, np, false);
		/* $v[$i]: the runtime indexes are script expressions */
		for (i = 0; r == 0 && !quiet && !d->sdt && i < (*np)->nargs; i++)
			resolve(E, S, &(*np)->args[i], false);
		return r >= 0;
	}
	if (d->kind == PK_KFUNC) {
		struct cc_btf_type pt;
		int r = d->lsm ? cc_lsm_target(cx, d, np, quiet) : -ENOENT;

		/* an LSM probe's $ctx and $return; its parameters are its stub's */
		if (r != -ENOENT)
			return r >= 0;

		/* $param->chain: the parameter, read by probe_kfunc.c, then BTF's chain */
		if (t->nargs && !t->str && cc_kfunc_param_type(cx, d, t->name, &pt) == 0) {
			struct cc_node *v = cc_node_new(cx, N_TARGET, &t->loc);

			v->name = t->name;
			if (!elab_btf_chain(E, t, v, pt, false, quiet))
				return false;
			if (!quiet)
				resolve_kread(E, S, t);
			return true;
		}
		r = cc_kfunc_target(cx, d, np, quiet);
		if (r == 1)
			resolve(E, S, np, false);
		return r >= 0;
	}
	if (d->kind == PK_NETFILTER)
		return nf_target(E, S, np, quiet);
	if (!d->tpf) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "target variable '$%s' is not available in probe '%s': only "
				    "tracepoint probes%s have $fields", name, d->pp,
				    d->kind == PK_INPUT ? " and $value of input probes" : "");
		return false;
	}
	while (nl && name[nl - 1] == '$') /* $var$ / $$parms$: same values here */
		nl--;
	/* $prev$, $prev$$: the lexer kept the suffix in the name; a chain's is in str */
	if (!t->str && name[nl])
		t->str = name[nl + 1] ? "$" : "";
	name = cc_strndup(cx->arena, name, nl);
	/*
	 * stap's $$name and $$system: the tracepoint's event and subsystem,
	 * constants of the derived probe (a kernel.trace("*") body shares its
	 * code across events: its literals differ, codegen_kernel.c)
	 */
	if ((!strcmp(name, "$name") || !strcmp(name, "$system")) && !t->nargs) {
		if (quiet)
			return true;
		t->kind = N_STR;
		t->str = name[1] == 'n' ? d->event : d->subsys;
		t->slen = strlen(t->str);
		return true;
	}
	if (!strcmp(name, "$parms") || !strcmp(name, "$vars") || !strcmp(name, "$locals") ||
	    !strcmp(name, "$return")) {
		if (quiet)
			return true;
		if (!strcmp(name, "$locals")) {
			t->kind = N_STR;
			t->str = "";
			t->slen = 0;
			return true;
		}
		t->aux = d->tpf;
		*np = parms_node(E, S, t);
		resolve(E, S, np, false);
		return true;
	}
	f = find_field(d, name);
	/*
	 * A C argument (elaborate_btf.c), or its pretty-printing sprintf.  A
	 * field comes first, but one followed by ->/[] (timer_expire_entry's
	 * $timer->function: the format has the pointer's value) is the C
	 * argument of its name when there is one: it has the type to follow.
	 */
	if ((!f || (t->nargs && f->kind != CC_TPF_OTHER)) &&
	    elab_btf_target(E, S, np, name, false, quiet)) {
		if (!quiet && (*np)->kind == N_CALL)
			resolve(E, S, np, false);
		else if (!quiet)
			resolve_kread(E, S, *np);
		return true;
	}
	if (!f) {
		const char *cargs = d->kind == PK_TRACE ? elab_btf_arg_names(E, d) : "";

		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "unable to find target variable '$%s' in %s (its fields: %s%s%s)",
				    name, d->pp, field_names(E, d), *cargs ? "; its C arguments: " : "",
				    cargs);
		return false;
	}
	if (f->kind == CC_TPF_OTHER) {
		int esz = cc_tp_array_elem(f);

		/* an array of integers: $args[i] (raw_syscalls' argument array) */
		if (esz > 0 && t->nargs == 1 && t->args[0]->kind != N_STR) {
			if (quiet)
				return true;
			resolve(E, S, &t->args[0], false);
			t->name = (char *)name;
			t->aux = (void *)f;
			t->type = TY_LONG;
			d->uses_fields = true;
			return true;
		}
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    esz > 0 ? "field '$%s' of %s is an array: index it, $%s[i]"
					    : "field '$%s' of %s has type '%s', which taphub cannot read yet",
				    name, d->pp, esz > 0 ? name : f->type);
		return false;
	}
	if (t->nargs) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s' is a plain %s: member and index access on tracepoint "
				    "fields needs kernel debuginfo",
				    name, f->kind == CC_TPF_PTR ? "pointer value" : "value");
		return false;
	}
	if (quiet)
		return true;
	t->name = (char *)name;
	t->aux = (void *)f;
	t->type = f->kind == CC_TPF_CHARARRAY || f->kind == CC_TPF_DATALOC_STR ? TY_STRING : TY_LONG;
	d->uses_fields = true;
	return true;
}

/* ---- constant conditions (for @defined pruning) --------------------------------- */


static bool const_value(const struct cc_node *n, int64_t *v)
{
	int64_t a, b;

	if (n->kind == N_NUM) {
		*v = n->num;
		return true;
	}
	if (n->kind == N_UNOP && !strcmp(n->op, "!") && const_value(n->lhs, &a)) {
		*v = !a;
		return true;
	}
	if (n->kind == N_BINOP && (!strcmp(n->op, "&&") || !strcmp(n->op, "||")) &&
	    const_value(n->lhs, &a) && const_value(n->rhs, &b)) {
		*v = n->op[0] == '&' ? (a && b) : (a || b);
		return true;
	}
	return false;
}

/* ---- resolution ---------------------------------------------------------------- */

static void mark(struct cc_sym *s, bool write)
{
	if (!s)
		return;
	if (write)
		s->written = true;
	else
		s->read = true;
}

static void resolve_call(struct elab *E, struct scope *S, struct cc_node *n)
{
	struct cc_ctx *cx = E->cx;
	struct cc_func *f = find_func(cx, n->name, n->nargs);
	const struct cc_builtin *b;
	int i;

	for (i = 0; i < n->nargs; i++)
		resolve(E, S, &n->args[i], false);
	if (f) {
		n->func = f;
		if (n->nargs != f->nparams)
			cc_error_at(&cx->diag, &n->loc,
				    "function '%s' takes %d argument%s, %d given (defined at %s:%d:%d)",
				    f->name, f->nparams, f->nparams == 1 ? "" : "s", n->nargs,
				    f->loc.file->name, f->loc.line, f->loc.col);
		if (!f->used) {
			f->used = true;
			if (overloaded(cx, f))
				f->cname = cc_sprintf(cx->arena, "%s__%d", f->name, f->nparams);
			f->index = E->prog->funcs.n;
			cc_vec_push(cx->arena, &E->prog->funcs, f);
			resolve_func(E, f);
		}
		return;
	}
	b = cc_builtin_find(n->name);
	if (!b) {
		cc_error_at(&cx->diag, &n->loc, "unresolved function call '%s'", n->name);
		return;
	}
	n->builtin = b->id;
	if (n->nargs < b->minargs || (b->maxargs >= 0 && n->nargs > b->maxargs)) {
		if (b->minargs == b->maxargs)
			cc_error_at(&cx->diag, &n->loc, "function '%s' takes %d argument%s, %d given",
				    b->name, b->minargs, b->minargs == 1 ? "" : "s", n->nargs);
		else
			cc_error_at(&cx->diag, &n->loc,
				    "function '%s' takes %d to %d arguments, %d given", b->name,
				    b->minargs, b->maxargs, n->nargs);
	}
}

/*
 * @cast(...)->f, @task(...)->f, &$x->f, &@cast(...)->f: kernel memory
 * read through BTF (elaborate_btf.c), in kernel probes only.  A function
 * may read it too: whether it is called from user context is known only
 * when contexts are marked (mark_ctx refuses it there).
 */
/*
 * v->chain of a local v that was assigned the address of a kernel
 * struct earlier in the probe (stap's autocast; the assignment is seen
 * first, as it comes first in the body or an alias's prologue).  False:
 * v has no such type, the caller says why.
 */
static bool autocast(struct elab *E, struct scope *S, struct cc_node **np)
{
	struct cc_node *n = *np;
	struct cc_sym *s;

	if (n->lhs->kind != N_VAR || !(S->probe ? S->probe->kernel : S->func != NULL))
		return false;
	s = lookup(E, S, n->lhs->name, &n->lhs->loc);
	if (!s || !s->has_autocast)
		return false;
	if (elab_btf_autocast(E, n, s->autocast, false, false))
		resolve_kread(E, S, n);
	return true;
}

static void btf_value(struct elab *E, struct scope *S, struct cc_node **np)
{
	struct cc_ctx *cx = E->cx;
	struct cc_node *n = *np, *v = n->name[0] == '&' ? n->lhs : n;
	bool addr = v != n, kernel = S->probe ? S->probe->kernel : S->func != NULL;
	bool cast = v->kind == N_DWARF && (!strcmp(v->name, "@cast") || !strcmp(v->name, "@task"));
	const char *what = v->kind == N_TARGET ? cc_sprintf(cx->arena, "$%s", v->name) : v->name;

	/*
	 * &@cast(p, "T")->m may read nothing (elab_btf_cast makes it p plus
	 * an offset, a constant for a constant p: @cast_sizeof and @offsetof
	 * are), in any probe or function
	 */
	/*
	 * @cast chains in user context are read through the runner's BPF
	 * reader (guest-runtime/kread.c); a target variable has no probe
	 * context there
	 */
	if (!kernel && !cast) {
		cc_error_at(&cx->diag, &n->loc,
			    "'%s' reads kernel memory: only in kernel probes and the functions "
			    "they call, not in a user-context probe", what);
		return;
	}
	if (cast) {
		/* @cast(p, "T")$: p is in every member's read, resolved once here */
		if (v->str && !addr && v->nargs)
			resolve(E, S, &v->args[0], false);
		if (elab_btf_cast(E, S, &v, addr, false)) {
			if (v->kread)
				resolve_kread(E, S, v);
			else /* &@cast(p, "T") is p; @cast(...)$ its sprintf */
				resolve(E, S, &v, false);
			*np = v;
		}
		return;
	}
	if (v->kind == N_DWARF && !strcmp(v->name, "@var")) {
		cc_error_at(&cx->diag, &n->loc,
			    "'&@var(...)', a program variable's address, is not supported: @var "
			    "reads its value (in a probe of the program's functions)");
		return;
	}
	if (v->kind != N_TARGET) {
		cc_error_at(&cx->diag, &n->loc,
			    "'&' takes the address of a kernel member ($x->f, @cast(...)->f)");
		return;
	}
	if (find_field(S->probe, v->name) && !v->nargs) {
		cc_error_at(&cx->diag, &n->loc,
			    "'&$%s': a format field has no address (it is a copy the tracepoint "
			    "records)",
			    v->name);
		return;
	}
	if (S->probe && S->probe->kind == PK_KFUNC && v->nargs && !v->str) {
		/* &$param->chain of a kernel function: the member's address (futexes2's &$q->key) */
		struct cc_btf_type pt;
		struct cc_node *base;

		if (cc_kfunc_param_type(cx, S->probe, v->name, &pt) == 0) {
			base = cc_node_new(cx, N_TARGET, &v->loc);
			base->name = v->name;
			if (elab_btf_chain(E, v, base, pt, true, false)) {
				resolve_kread(E, S, v);
				*np = v;
			}
			return;
		}
	}
	if (!elab_btf_target(E, S, &v, v->name, true, false)) {
		resolve_target(E, S, &v, false); /* reports the unknown name */
		return;
	}
	resolve_kread(E, S, v);
	*np = v;
}

/*
 * stap's returnval() and returnstr(FMT) read the register a function
 * returns in, where DWARF gave no $return.  Here every function probe's
 * .return has $return (BTF's or the ABI's type, rax for a stripped
 * binary): returnval() is that, returnstr(FMT) is return_str(FMT,
 * $return).  Elsewhere rax holds whatever the probed code left in it, so
 * instead of stap's guess they are an error naming where they work.
 * A script's own function of that name wins.  Returns whether *np was
 * handled.
 */
static bool returnval_call(struct elab *E, struct scope *S, struct cc_node **np)
{
	struct cc_ctx *cx = E->cx;
	struct cc_node *n = *np, *t;
	struct cc_dprobe *d = S->probe;
	bool str = !strcmp(n->name, "returnstr");

	if ((strcmp(n->name, "returnval") || n->nargs != 0) && (!str || n->nargs != 1))
		return false;
	if (find_func(cx, n->name, n->nargs))
		return false;
	if (!d || !((d->kind == PK_KFUNC && d->kret) || (d->kind == PK_UPROBE && d->uret))) {
		cc_error_at(&cx->diag, &n->loc,
			    "'%s()' reads a function's return value: only in the .return probe "
			    "of a kernel or user-space function (%s)",
			    n->name, d ? d->pp : "here in a function: pass $return from the probe");
		n->kind = N_NUM;
		n->num = 0;
		n->nargs = 0;
		return true;
	}
	t = cc_node_new(cx, N_TARGET, &n->loc);
	t->name = "return";
	if (str) {
		/* return_str(FMT, $return): its tapset function, resolved as a call */
		struct cc_node **a = cc_alloc(cx->arena, 2 * sizeof(*a));

		a[0] = n->args[0];
		a[1] = t;
		n->name = "return_str";
		n->args = a;
		n->nargs = 2;
		resolve_call(E, S, n);
		return true;
	}
	*np = t;
	resolve(E, S, np, false);
	return true;
}

/*
 * @cast's third argument names a user program (a path: "/bin/ls",
 * "./a.out"), not the kernel or a module, whose header spec may hold a
 * '/' too ("kernel<linux/sched.h>", "mod<net/sock.h>"): a '/' before any '<'.
 */
static bool ucast_module(const char *m)
{
	const char *lt = strchr(m, '<'), *sl = strchr(m, '/');

	return sl && (!lt || sl < lt);
}

static void resolve(struct elab *E, struct scope *S, struct cc_node **np, bool write)
{
	struct cc_ctx *cx = E->cx;
	struct cc_node *n = *np;
	int64_t v;
	int i;

	if (!n)
		return;
	switch (n->kind) {
	case N_NUM:
	case N_STR:
		return;
	case N_VAR:
		n->sym = lookup(E, S, n->name, &n->loc);
		if (!n->sym) {
			/*
			 * A name that is also a function is a local when it is
			 * written (stap's tapsets have `pid = $pid`); read before
			 * any write, it is a call that lost its parentheses.
			 */
			if (!write && (cc_builtin_find(n->name) || find_func(cx, n->name, -1))) {
				cc_error_at(&cx->diag, &n->loc,
					    "'%s' is a function: call it as %s()", n->name, n->name);
				return;
			}
			n->sym = new_local(E, S, n->name, &n->loc);
		}
		mark(n->sym, write);
		return;
	case N_INDEX: {
		/* '*' keys (a slice) only where a caller allowed them, not in its keys */
		bool slice_ok = E->slice_ok;

		E->slice_ok = false;
		n->lhs->sym = lookup(E, S, n->lhs->name, &n->lhs->loc);
		if (!n->lhs->sym || n->lhs->sym->kind != SYM_GLOBAL) {
			cc_error_at(&cx->diag, &n->lhs->loc,
				    "'%s' is used as an array but is not a global: declare it with "
				    "'global %s'",
				    n->lhs->name, n->lhs->name);
			return;
		}
		n->sym = n->lhs->sym;
		mark(n->sym, write);
		for (i = 0; i < n->nargs; i++) {
			if (n->args[i]->kind == N_WILDCARD && !slice_ok)
				cc_error_at(&cx->diag, &n->args[i]->loc,
					    "a '*' key (an array slice) is only allowed in delete, "
					    "'[...] in' and foreach");
			resolve(E, S, &n->args[i], false);
		}
		return;
	}
	case N_WILDCARD:
		return;
	case N_DWARF:
		if (!strcmp(n->name, "@cast") && n->num == 3 && n->args[2]->kind == N_STR &&
		    n->args[1]->kind == N_STR && ucast_module(n->args[2]->str)) {
			/* a user program's type, from its DWARF: read in user memory */
			if (!(S->probe ? S->probe->kernel : S->func != NULL)) {
				cc_error_at(&cx->diag, &n->loc,
					    "'@cast' of a user-space type reads the probed process's "
					    "memory: only in kernel-context probes");
				return;
			}
			if (cc_ucast(cx, np) == 0) {
				resolve(E, S, &(*np)->lhs, false);
				for (i = 0; i < (*np)->nargs; i++)
					resolve(E, S, &(*np)->args[i], false);
			}
			return;
		}
		if (!strcmp(n->name, "@cast") || !strcmp(n->name, "@task") ||
		    (n->name[0] == '&' && (n->lhs->kind == N_TARGET || n->lhs->kind == N_DWARF))) {
			btf_value(E, S, np);
			return;
		}
		if (!strcmp(n->name, "@const")) {
			elab_const(E, n);
			return;
		}
		if (!strcmp(n->name, "@enum") || !strcmp(n->name, "@enumname")) {
			if (n->name[5] && n->nargs >= 1)
				resolve(E, S, &n->args[0], false);
			if (elab_btf_enum(E, n) && n->kind == N_CALL)
				resolve_call(E, S, n);
			return;
		}
		if (!strcmp(n->name, "@var") && S->probe && S->probe->kind == PK_UPROBE &&
		    !S->probe->sdt && n->num >= 1 && n->args[0]->kind == N_STR) {
			/*
			 * a user program's global, from its DWARF: a target named
			 * NAME@FILE; NAME alone is the one of any source file (stap:
			 * cve-2023-4911's @var("__libc_enable_secure") in ld.so)
			 */
			if (n->num > 1)
				cc_error_at(&cx->diag, &n->args[1]->loc,
					    "'@var' in a user-space probe reads the probed file's "
					    "variables: name no other file");
			n->kind = N_TARGET;
			n->name = strchr(n->args[0]->str, '@')
				      ? n->args[0]->str
				      : cc_sprintf(cx->arena, "%s@*", n->args[0]->str);
			resolve_target(E, S, np, false);
			return;
		}
		if (!strcmp(n->name, "@var") && S->probe &&
		    (!S->probe->kernel || S->probe->kind == PK_UPROC)) {
			/* the variable's run-time address comes from the probed instruction's (regs->ip) */
			cc_error_at(&cx->diag, &n->loc,
				    "'@var' reads a program's variable (DWARF) only in a probe of "
				    "the program's code (process(\"PATH\").function or .statement), "
				    "not in '%s'",
				    S->probe->pp);
			return;
		}
		if (!strcmp(n->name, "@perf")) {
			/* a counter of the target (probe_perf.c): a built-in's call */
			if (cc_perf_read(cx, n) == 0)
				resolve_call(E, S, n);
			return;
		}
		if (!strcmp(n->name, "@probewrite"))
			/* those of probes became numbers (elaborate_probewrite.c) */
			cc_error_at(&cx->diag, &n->loc,
				    "'@probewrite' asks whether a probe's body writes a variable: "
				    "use it in a probe or an alias, not in a function");
		else if (n->name[0] == '&')
			cc_error_at(&cx->diag, &n->loc,
				    "taking an address ('&') needs kernel debuginfo (DWARF), which "
				    "this backend does not use");
		else if (n->name[0] == '-' && autocast(E, S, np))
			return;
		else if (n->name[0] == '-')
			cc_error_at(&cx->diag, &n->loc,
				    "'%s->' reads a member through a variable (stap's autocast): taphub "
				    "knows a local's type only when it was assigned a kernel pointer "
				    "($param, $p->member, @cast(p, \"T\")->member, &...) earlier in the "
				    "probe",
				    n->lhs->name);
		else
			cc_error_at(&cx->diag, &n->loc,
				    "'%s' needs kernel debuginfo (DWARF), which this backend does "
				    "not use",
				    n->name);
		return;
	case N_ENTRY:
		/* those of return probes are gone (entry.c): this one is in a function */
		cc_error_at(&cx->diag, &n->loc,
			    "'@entry' can only be used in the body of a return probe, not in a "
			    "function");
		return;
	case N_TARGET: {
		/* a netfilter or LSM probe's verdict is its program's return, not kernel memory */
		const struct cc_dprobe *d = S->probe;
		const char *verdict = !write || !d || n->nargs ? NULL
				      : d->kind == PK_NETFILTER && !strcmp(n->name, "verdict")
					      ? "drop packets"
				      : d->lsm && !strcmp(n->name, "return") ? "deny the operation"
									     : NULL;

		if (verdict && !cx->guru) {
			cc_error_at(&cx->diag, &n->loc,
				    "'$%s' can only be set in guru mode: run tap -g (as stap -g) to "
				    "let the probe %s",
				    n->name, verdict);
			return;
		}
		if (write && !verdict) {
			cc_error_at(&cx->diag, &n->loc,
				    "target variable '$%s' cannot be written (guru mode only in stap): "
				    "taphub runs only verified eBPF, which does not write kernel "
				    "memory, even in guru mode (-g)",
				    n->name);
			return;
		}
		if (!n->kread) /* $$parms' arguments are resolved already */
			resolve_target(E, S, np, false);
		return;
	}
	case N_CALL:
		if (returnval_call(E, S, np))
			return;
		resolve_call(E, S, n);
		return;
	case N_DEFINED: {
		bool def = true;

		if (n->lhs->kind == N_TARGET)
			def = resolve_target(E, S, &n->lhs, true);
		else if (n->lhs->kind == N_DWARF && n->lhs->name[0] == '&' &&
			 n->lhs->lhs->kind == N_DWARF)
			/* @defined(&@cast(0, "T")->m): a question about the type, anywhere */
			def = (!strcmp(n->lhs->lhs->name, "@cast") ||
			       !strcmp(n->lhs->lhs->name, "@task")) &&
			      elab_btf_cast(E, S, &n->lhs->lhs, true, true);
		else if (n->lhs->kind == N_DWARF)
			def = (!strcmp(n->lhs->name, "@cast") || !strcmp(n->lhs->name, "@task")) &&
			      elab_btf_cast(E, S, &n->lhs, false, true);
		n->kind = N_NUM;
		n->num = def;
		n->lhs = NULL;
		return;
	}
	case N_ASSIGN: {
		const struct elab_typed *typed = NULL;

		E->typed.n = 0;
		resolve(E, S, &n->rhs, false);
		if (n->rhs->kind == N_TARGET && !n->rhs->kread && S->probe &&
		    S->probe->kind == PK_KFUNC) {
			/* a kernel function's pointer parameter, read as a plain value */
			struct cc_btf_type pt;

			if (cc_kfunc_param_type(cx, S->probe, n->rhs->name, &pt) == 0)
				elab_btf_note_typed(E, n->rhs, pt, false);
		}
		for (i = 0; i < E->typed.n; i++)
			if (((const struct elab_typed *)E->typed.v[i])->node == n->rhs)
				typed = E->typed.v[i];
		resolve(E, S, &n->lhs, true);
		if (strcmp(n->op, "="))
			resolve(E, S, &n->lhs, false);
		/* v = the address of a kernel struct: v->member reads it (autocast) */
		else if (typed && n->lhs->kind == N_VAR && n->lhs->sym &&
			 n->lhs->sym->kind != SYM_GLOBAL) {
			n->lhs->sym->autocast = typed->type;
			n->lhs->sym->has_autocast = true;
		}
		return;
	}
	case N_EXPR:
		/* a statement `hits[k]++` is a pure write, as stap counts it: the
		 * array stays unread and is printed at the end */
		if (n->lhs->kind == N_INCDEC) {
			resolve(E, S, &n->lhs->lhs, true);
			return;
		}
		/* so is a statement `total += n` (stap's global_end test) */
		if (n->lhs->kind == N_ASSIGN && strcmp(n->lhs->op, "=") && strcmp(n->lhs->op, ".=")) {
			resolve(E, S, &n->lhs->rhs, false);
			resolve(E, S, &n->lhs->lhs, true);
			return;
		}
		resolve(E, S, &n->lhs, false);
		return;
	case N_INCDEC:
		/* its value is used (`id = rest--`): a read too */
		resolve(E, S, &n->lhs, true);
		mark(n->lhs->sym, false);
		return;
	case N_AGG:
		resolve(E, S, &n->rhs, false);
		resolve(E, S, &n->lhs, true);
		return;
	case N_DELETE:
		E->slice_ok = n->lhs->kind == N_INDEX;
		resolve(E, S, &n->lhs, true);
		return;
	case N_TERNARY:
	case N_IF:
		resolve(E, S, &n->cond, false);
		if (const_value(n->cond, &v)) {
			/* @defined() and friends: drop the dead branch unresolved */
			struct cc_node *keep = v ? n->then : n->els;

			if (n->kind == N_TERNARY) {
				*np = keep;
				resolve(E, S, np, write);
				return;
			}
			if (!keep) {
				n->kind = N_NOP;
				return;
			}
			*np = keep;
			resolve(E, S, np, false);
			return;
		}
		resolve(E, S, &n->then, false);
		resolve(E, S, &n->els, false);
		return;
	case N_FOREACH:
		resolve(E, S, &n->rhs, false);
		if (n->rhs->sym && n->rhs->sym->kind != SYM_GLOBAL) {
			cc_error_at(&cx->diag, &n->rhs->loc, "foreach needs a global array, '%s' is not",
				    n->rhs->name);
			n->rhs->sym = NULL;
		}
		for (i = 0; i < n->nargs; i++)
			resolve(E, S, &n->args[i], true);
		if (n->lhs)
			resolve(E, S, &n->lhs, true);
		if (n->inc) {
			E->slice_ok = true;
			resolve(E, S, &n->inc, false);
		}
		resolve(E, S, &n->cond, false);
		resolve(E, S, &n->body, false);
		return;
	case N_IN:
		for (i = 0; i < n->nargs; i++)
			resolve(E, S, &n->args[i], false);
		resolve(E, S, &n->lhs, false);
		if (n->lhs->sym && n->lhs->sym->kind != SYM_GLOBAL) {
			cc_error_at(&cx->diag, &n->lhs->loc, "'in' needs a global array, '%s' is not",
				    n->lhs->name);
			n->lhs->sym = NULL;
		}
		return;
	case N_HIST:
		for (i = 0; i < n->nargs; i++)
			resolve(E, S, &n->args[i], false);
		return;
	case N_TRY:
		resolve(E, S, &n->body, false);
		resolve(E, S, &n->lhs, true); /* the catch variable gets the message */
		resolve(E, S, &n->els, false);
		return;
	default:
		resolve(E, S, &n->lhs, false);
		resolve(E, S, &n->rhs, false);
		resolve(E, S, &n->cond, false);
		resolve(E, S, &n->then, false);
		resolve(E, S, &n->els, false);
		resolve(E, S, &n->init, false);
		resolve(E, S, &n->inc, false);
		resolve(E, S, &n->body, false);
		for (i = 0; i < n->nargs; i++)
			resolve(E, S, &n->args[i], false);
		return;
	}
}

static void resolve_func(struct elab *E, struct cc_func *f)
{
	struct scope S = { .func = f, .locals = &f->locals };

	resolve(E, &S, &f->body, false);
}

/* ---- contexts ------------------------------------------------------------------- */

struct ctxwalk {
	struct elab *E;
	bool kernel;
	const char *where; /* probe point or function, for messages */
	struct cc_func *stack[64];
	int depth;
};

static void mark_ctx(struct ctxwalk *W, struct cc_node *n);

static void mark_func(struct ctxwalk *W, struct cc_node *call, struct cc_func *f)
{
	struct cc_ctx *cx = W->E->cx;
	bool *seen = W->kernel ? &f->used_kernel : &f->used_user;
	int i;

	for (i = 0; i < W->depth; i++) {
		if (W->stack[i] == f) {
			if (W->kernel) {
				cc_error_at(&cx->diag, &call->loc,
					    "recursive call of '%s' from a kernel probe: eBPF cannot "
					    "recurse; use a loop",
					    f->name);
			} else {
				/* user side: recursion is plain C, bounded by MAXNESTING */
			}
			return;
		}
	}
	if (*seen && !W->kernel)
		return;
	if (W->depth >= 64) {
		cc_error_at(&cx->diag, &call->loc, "function calls nest too deeply");
		return;
	}
	*seen = true;
	W->stack[W->depth++] = f;
	mark_ctx(W, f->body);
	W->depth--;
}

static void mark_sym(struct ctxwalk *W, struct cc_sym *s)
{
	if (!s || s->kind != SYM_GLOBAL)
		return;
	if (W->kernel)
		s->used_kernel = true;
	else
		s->used_user = true;
}

static void mark_ctx(struct ctxwalk *W, struct cc_node *n)
{
	struct cc_ctx *cx = W->E->cx;
	int i;

	if (!n)
		return;
	mark_sym(W, n->sym);
	if (n->lhs)
		mark_sym(W, n->lhs->sym);
	switch (n->kind) {
	case N_CALL:
		if (n->func) {
			mark_func(W, n, n->func);
		} else if (n->builtin) {
			const struct cc_builtin *b = cc_builtin_get(n->builtin);
			const char *why = cc_builtin_why(b);
			bool re = b->id == B_MATCHED || b->id == B_MATCHED_STR || b->id == B_NGROUPS;

			if (re && !W->kernel)
				W->E->prog->re_captures = true;
			if (re && W->kernel)
				cc_error_at(&cx->diag, &n->loc,
					    "function '%s' is not available in kernel probes (%s): "
					    "the subexpressions of a regular expression match are "
					    "kept in user-context probes only (begin, end, error, "
					    "timer.*); a kernel probe can test with =~ and !~",
					    b->name, W->where);
			else if (W->kernel && !(b->ctx & BC_KERNEL))
				cc_error_at(&cx->diag, &n->loc,
					    "function '%s' is not available in kernel probes (%s)%s%s",
					    b->name, W->where, why ? ": " : "", why ? why : "");
			if (!W->kernel && !(b->ctx & BC_USER) && why)
				cc_error_at(&cx->diag, &n->loc,
					    "function '%s' is only available in kernel probes, not in "
					    "'%s': %s",
					    b->name, W->where, why);
			else if (!W->kernel && !(b->ctx & BC_USER))
				cc_error_at(&cx->diag, &n->loc,
					    "function '%s' reads kernel or process memory and is only "
					    "available in kernel probes, not in '%s'",
					    b->name, W->where);
		}
		break;
	case N_HIST:
		break;
	case N_HISTIDX:
		/* the CPUs' copies are merged in user space */
		if (W->kernel)
			cc_error_at(&cx->diag, &n->loc,
				    "a histogram's buckets (@%s(x)[i], foreach over @%s(x)) in a "
				    "kernel probe (%s) are not supported: read them in an end or timer "
				    "probe",
				    n->lhs->name, n->lhs->name, W->where);
		break;
	default:
		break;
	}
	mark_ctx(W, n->lhs);
	mark_ctx(W, n->rhs);
	mark_ctx(W, n->cond);
	mark_ctx(W, n->then);
	mark_ctx(W, n->els);
	mark_ctx(W, n->init);
	mark_ctx(W, n->inc);
	mark_ctx(W, n->body);
	for (i = 0; i < n->nargs; i++)
		mark_ctx(W, n->args[i]);
}

/* ---- tapsets' own probes ------------------------------------------------------- */

static bool file_used(struct elab *E, const struct cc_file *f)
{
	int i;

	for (i = 0; i < f->globals.n; i++) {
		const struct cc_sym *g = f->globals.v[i];
		int k;

		for (k = 0; k < E->prog->globals.n; k++)
			if (E->prog->globals.v[k] == g)
				return true;
	}
	for (i = 0; i < f->funcs.n; i++)
		if (((const struct cc_func *)f->funcs.v[i])->used)
			return true;
	return false;
}

/*
 * A tapset's plain probes (argv.stp's begin probe, which fills argv[])
 * join the program once it uses one of that tapset's globals or
 * functions, as stap pulls in a tapset file for the symbols it defines;
 * a tapset nobody uses adds nothing.  What they use may pull in more.
 */
static void include_tapset_probes(struct elab *E)
{
	struct cc_ctx *cx = E->cx;
	bool *done = cc_alloc(cx->arena, sizeof(bool) * (size_t)(cx->tapsets.n + 1));
	bool more = true;
	int j, i;

	while (more && !cx->diag.nerrors) {
		more = false;
		for (j = 0; j < cx->tapsets.n; j++) {
			struct cc_file *f = cx->tapsets.v[j];
			int first = E->prog->probes.n;

			if (done[j] || !file_used(E, f))
				continue;
			done[j] = true;
			E->cur_probe = -1; /* not a line of the script (tap -L) */
			for (i = 0; i < f->probes.n; i++) {
				struct cc_probe *p = f->probes.v[i];

				if (!p->is_alias)
					elab_expand_probe(E, p, false);
			}
			for (i = first; i < E->prog->probes.n; i++) {
				struct cc_dprobe *d = E->prog->probes.v[i];
				struct scope S = { .probe = d, .locals = &d->locals };

				resolve(E, &S, &d->body, false);
				more = true;
			}
		}
	}
}

/* ---- the pass ------------------------------------------------------------------- */

int cc_elaborate(struct cc_ctx *cx)
{
	struct elab E = { .cx = cx };
	struct cc_prog *prog = cc_alloc(cx->arena, sizeof(*prog));
	int i;

	E.prog = prog;
	cx->prog = prog;
	cc_vec_push(cx->arena, &prog->classes, "default");
	check_duplicates(cx, cx->script);
	for (i = 0; i < cx->tapsets.n; i++)
		check_duplicates(cx, cx->tapsets.v[i]);

	for (i = 0; i < cx->script->probes.n; i++) {
		struct cc_probe *p = cx->script->probes.v[i];

		E.cur_probe = i;
		if (!p->is_alias)
			elab_expand_probe(&E, p, false);
	}
	/*
	 * Nothing resolved, and every point said it may not: say why each
	 * does not (a probe type this kernel lacks is the usual reason),
	 * rather than only that there is nothing to run.
	 */
	for (i = 0; !prog->probes.n && !cx->diag.nerrors && i < cx->script->probes.n; i++) {
		struct cc_probe *p = cx->script->probes.v[i];

		E.cur_probe = i;
		if (!p->is_alias)
			elab_expand_probe(&E, p, true);
	}
	if (!prog->probes.n && !cx->diag.nerrors)
		cc_error(&cx->diag, "no probes found");
	if (cx->diag.nerrors)
		goto out;
	cc_entry_expand(cx);
	if (cx->diag.nerrors)
		goto out;

	for (i = 0; i < prog->probes.n; i++) {
		struct cc_dprobe *d = prog->probes.v[i];
		struct scope S = { .probe = d, .locals = &d->locals };

		resolve(&E, &S, &d->body, false);
	}
	include_tapset_probes(&E);
	/* globals initialised in the script count as written */
	for (i = 0; i < prog->globals.n; i++) {
		struct cc_sym *g = prog->globals.v[i];

		if (g->init)
			g->written = true;
	}
	if (cx->diag.nerrors)
		goto out;
	if (cc_infer_types(cx) < 0)
		goto out;
	/* before contexts are marked: an elided tapset variable needs nothing */
	if (!cx->unoptimized)
		cc_optimize(cx);
	elab_foreach_check(&E);

	for (i = 0; i < prog->probes.n; i++) {
		struct cc_dprobe *d = prog->probes.v[i];
		struct ctxwalk W = { .E = &E, .kernel = d->kernel, .where = d->pp };

		/* C arguments are a raw tracepoint's; with fields too, a stash (codegen_btf.c) */
		if (d->kind == PK_TRACE && d->uses_args) {
			d->stash = d->uses_fields;
			d->kind = PK_RAWTRACE;
		}
		if (d->kind == PK_TRACE && !d->uses_fields && elab_has_raw_tracepoint(&E, d->event))
			d->kind = PK_RAWTRACE;
		if (d->kernel)
			prog->has_kernel = true;
		else
			prog->has_user = true;
		mark_ctx(&W, d->body);
	}
	/* end probes print unread globals, so globals need user access then */
	for (i = 0; i < prog->globals.n; i++) {
		struct cc_sym *g = prog->globals.v[i];

		if (g->written && !g->read)
			g->used_user = true;
		if (g->used_user)
			prog->has_user = true;
	}
out:
	if (E.btf)
		btf__free(E.btf);
	return cx->diag.nerrors ? -EINVAL : 0;
}
