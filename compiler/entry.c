// SPDX-License-Identifier: MIT
/*
 * @entry(expr) in return probes: the value expr had when the call began.
 *
 * SystemTap evaluates expr in an extra probe on the call's entry and
 * hands the value to the return probe through per-thread storage.  We do
 * the same with the script language itself, before names are resolved:
 * for a return probe whose entry probe we know, each @entry(expr)
 * becomes
 *
 *   entry probe:   __tap_entryN[tid()] = expr
 *   return probe:  __tap_entryN_v = __tap_entryN[tid()]
 *                  delete __tap_entryN[tid()]
 *                  ... __tap_entryN_v where @entry(expr) was ...
 *
 * so types, contexts and code come from the ordinary passes, and expr's
 * $fields and syscall arguments (pointer_arg(1)) are the entry's.  One
 * map per @entry in the script (the wildcard copies of a body share it),
 * an LRU hash: a thread that never returns (exit) must not fill it.
 * A thread is in one system call at a time, so the thread id is the
 * whole key: syscalls do not nest.
 *
 * Pairs known: a syscall's sys_exit_X tracepoint (syscall.X.return, and
 * the raw sys_exit it is attached as) with its sys_enter_X,
 * raw_syscalls:sys_exit (syscall_any.return) with raw_syscalls:sys_enter,
 * and a kernel function's .return (fexit, kretprobe) with its entry
 * (fentry, kprobe).  A kernel function may recurse, which the thread id
 * alone does not tell apart: the innermost call's value is the one kept,
 * and the outer return finds none (0), as with a lost entry.
 */
#include <stdio.h>
#include <string.h>

#include "compiler/compiler.h"

struct entry_site {
	const struct cc_srcfile *file;
	int off;
	struct cc_sym *map;
};

struct entry_pass {
	struct cc_ctx *cx;
	struct cc_file *gen; /* the generated maps, as a tapset file */
	struct cc_vec sites; /* struct entry_site* */
	struct cc_vec slots; /* struct cc_node **: the @entry nodes of one probe */
	struct cc_dprobe *d; /* that probe */
};

static struct cc_node *mk_var(struct cc_ctx *cx, const char *name, const struct cc_loc *loc)
{
	struct cc_node *n = cc_node_new(cx, N_VAR, loc);

	n->name = (char *)name;
	return n;
}

/* map[tid()] */
static struct cc_node *mk_elem(struct cc_ctx *cx, struct cc_sym *map, const struct cc_loc *loc)
{
	struct cc_node *n = cc_node_new(cx, N_INDEX, loc);
	struct cc_node *tid = cc_node_new(cx, N_CALL, loc);

	tid->name = "tid";
	n->lhs = mk_var(cx, map->name, loc);
	n->args = cc_alloc(cx->arena, sizeof(*n->args));
	n->args[0] = tid;
	n->nargs = 1;
	return n;
}

static struct cc_node *mk_stmt(struct cc_ctx *cx, struct cc_node *e)
{
	struct cc_node *s = cc_node_new(cx, N_EXPR, &e->loc);

	s->lhs = e;
	return s;
}

static struct cc_node *mk_assign(struct cc_ctx *cx, struct cc_node *l, struct cc_node *r)
{
	struct cc_node *a = cc_node_new(cx, N_ASSIGN, &l->loc);

	a->op = "=";
	a->lhs = l;
	a->rhs = r;
	return mk_stmt(cx, a);
}

/*
 * @defined(@entry($p)) or @defined($p), $p a kernel function's
 * parameter name alone: whether the function has it (1, 0), known here
 * from its BTF prototype; -1 for any other condition.
 */
static int param_defined(struct entry_pass *P, const struct cc_node *c)
{
	struct cc_btf_type t;

	if (!c || c->kind != N_DEFINED || P->d->kind != PK_KFUNC)
		return -1;
	c = c->lhs;
	if (c->kind == N_ENTRY)
		c = c->lhs;
	if (c->kind != N_TARGET || c->nargs || c->name[0] == '$' || !strcmp(c->name, "return"))
		return -1;
	return cc_kfunc_param_type(P->cx, P->d, c->name, &t) == 0;
}

static void collect(struct entry_pass *P, struct cc_node **np, bool inside)
{
	struct cc_node *n = *np;
	int i, def;

	if (!n)
		return;
	/*
	 * @defined(@entry($sk)) ? @entry($sk) : @entry($sock->sk)
	 * (tcpipstat.stp, for kernels of either prototype): the branch the
	 * function's parameters rule out is dropped here, before its @entry
	 * goes to the entry probe, where it could not resolve.
	 */
	if ((n->kind == N_TERNARY || n->kind == N_IF) && (def = param_defined(P, n->cond)) >= 0) {
		struct cc_node *keep = def ? n->then : n->els;

		if (n->kind == N_TERNARY) {
			*np = keep;
			collect(P, np, inside);
			return;
		}
		n->cond = cc_node_new(P->cx, N_NUM, &n->cond->loc);
		n->cond->num = def;
		n->cond->type = TY_LONG;
		if (def)
			n->els = NULL;
		else {
			n->then = cc_node_new(P->cx, N_BLOCK, &n->loc);
			n->then->sort_by = -2;
		}
		collect(P, def ? &n->then : &n->els, inside);
		return;
	}
	if (n->kind == N_ENTRY) {
		if (inside) {
			cc_error_at(&P->cx->diag, &n->loc, "'@entry' cannot be nested in '@entry'");
			return;
		}
		cc_vec_push(P->cx->arena, &P->slots, np);
		collect(P, &n->lhs, true);
		return;
	}
	collect(P, &n->lhs, inside);
	collect(P, &n->rhs, inside);
	collect(P, &n->cond, inside);
	collect(P, &n->then, inside);
	collect(P, &n->els, inside);
	collect(P, &n->init, inside);
	collect(P, &n->inc, inside);
	collect(P, &n->body, inside);
	for (i = 0; i < n->nargs; i++)
		collect(P, &n->args[i], inside);
}

/* The entry tracepoint of a return probe's, "subsys:event", or NULL. */
static const char *entry_of(struct entry_pass *P, const struct cc_dprobe *d)
{
	if ((d->kind == PK_KFUNC && d->kret) || (d->kind == PK_UPROBE && d->uret))
		return d->pp; /* its entry probe is made from it (pair) */
	if (!d->kernel || !d->subsys || !d->event)
		return NULL;
	if (!strcmp(d->subsys, "syscalls") && !strncmp(d->event, "sys_exit_", 9))
		return cc_sprintf(P->cx->arena, "syscalls:sys_enter_%s", d->event + 9);
	if (!strcmp(d->subsys, "raw_syscalls") && !strcmp(d->event, "sys_exit"))
		return "raw_syscalls:sys_enter";
	return NULL;
}

static struct cc_sym *site_map(struct entry_pass *P, const struct cc_node *x)
{
	struct cc_ctx *cx = P->cx;
	struct entry_site *s;
	int i;

	for (i = 0; i < P->sites.n; i++) {
		s = P->sites.v[i];
		if (s->file == x->loc.file && s->off == x->loc.off)
			return s->map;
	}
	s = cc_alloc(cx->arena, sizeof(*s));
	s->file = x->loc.file;
	s->off = x->loc.off;
	s->map = cc_alloc(cx->arena, sizeof(*s->map));
	s->map->name = cc_sprintf(cx->arena, "__tap_entry%d", P->sites.n);
	s->map->kind = SYM_GLOBAL;
	s->map->loc = x->loc;
	s->map->wrapped = true;
	cc_vec_push(cx->arena, &P->sites, s);
	cc_vec_push(cx->arena, &P->gen->globals, s->map);
	return s->map;
}

/* The entry probe for d, with the body that stores every @entry of d. */
static void pair(struct entry_pass *P, struct cc_dprobe *d, const char *tp)
{
	struct cc_ctx *cx = P->cx;
	struct cc_prog *prog = cx->prog;
	struct cc_comp comps[2] = {{0}};
	struct cc_point pt = {.comps = comps, .ncomps = 2, .loc = d->loc};
	struct cc_vec ds = {0}, store = {0}, pre = {0}, done = {0};
	struct cc_dprobe *e;
	struct cc_node *body;
	int i, j;

	comps[0].name = "kernel";
	comps[1].name = "trace";
	comps[1].has_arg = comps[1].arg_is_str = true;
	comps[1].str = (char *)tp;
	comps[0].loc = comps[1].loc = d->loc;
	if (d->kind == PK_KFUNC)
		cc_vec_push(cx->arena, &ds, cc_kfunc_entry_of(cx, d));
	else if (d->kind == PK_UPROBE)
		cc_vec_push(cx->arena, &ds, cc_ufunc_entry_of(cx, d));
	else if (cc_resolve_builtin_point(cx, &pt, true, &ds) <= 0) {
		struct cc_node *x = *(struct cc_node **)P->slots.v[0];

		cc_error_at(&cx->diag, &x->loc,
			    "'@entry' in '%s' needs its entry tracepoint %s, which this kernel "
			    "lacks",
			    d->pp, tp);
		return;
	}
	for (i = 0; i < P->slots.n; i++) {
		struct cc_node **slot = P->slots.v[i], *x = *slot;
		struct cc_sym *map = site_map(P, x);
		const char *v = cc_sprintf(cx->arena, "%s_v", map->name);

		/* once per map in this probe (a macro can repeat one @entry) */
		for (j = 0; j < done.n && done.v[j] != map; j++)
			;
		if (j == done.n) {
			cc_vec_push(cx->arena, &done, map);
			cc_vec_push(
			    cx->arena, &store,
			    mk_assign(cx, mk_elem(cx, map, &x->loc), cc_node_clone(cx, x->lhs)));
			cc_vec_push(
			    cx->arena, &pre,
			    mk_assign(cx, mk_var(cx, v, &x->loc), mk_elem(cx, map, &x->loc)));
		}
		*slot = mk_var(cx, v, &x->loc);
	}
	/* the reads, then the deletes (the values are the return probe's now), then the body */
	for (i = 0; i < done.n; i++) {
		struct cc_node *del = cc_node_new(cx, N_DELETE, &d->loc);

		del->lhs = mk_elem(cx, done.v[i], &d->loc);
		cc_vec_push(cx->arena, &pre, del);
	}
	cc_vec_push(cx->arena, &pre, d->body);
	body = cc_node_new(cx, N_BLOCK, &d->body->loc);
	body->args = (struct cc_node **)pre.v;
	body->nargs = pre.n;
	d->body = body;

	e = ds.v[0];
	e->body = cc_node_new(cx, N_BLOCK, &d->body->loc);
	e->body->args = (struct cc_node **)store.v;
	e->body->nargs = store.n;
	e->uprobe = d->uprobe;
	e->cls = d->cls;
	e->index = prog->probes.n;
	cc_vec_push(cx->arena, &prog->probes, e);
}

/* int_arg(N) and its kin: a function's argument N, read from its register */
static bool is_arg_call(const struct cc_node *n)
{
	static const char *const args[] = { "pointer_arg", "int_arg", "uint_arg",
					    "long_arg",	   "ulong_arg", "s32_arg",
					    "u32_arg",	   "s64_arg",	"u64_arg" };
	size_t i;

	if (n->kind != N_CALL || n->nargs != 1)
		return false;
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		if (!strcmp(n->name, args[i]))
			return true;
	return false;
}

/*
 * A kretprobe (or a uretprobe) sees the registers of the return: a parameter there is
 * what the function left in its register.  stap reads a .return probe's
 * $parameters at the entry; so do we, by making each an @entry($name).
 * (fexit has the arguments as they came: nothing to do.)  Only the
 * function's own parameters: a name it lacks stays where it is, for
 * @defined to drop (a wildcard's body written for some of its
 * functions) or for resolution to refuse, instead of failing in the
 * entry probe that no @defined guards.  int_arg(N) there would read the
 * same dead registers (stap reads them anyway): with N a number it
 * becomes @entry(int_arg(N)) too; any other N is refused at code
 * generation (cg_uprobe_arg), as its value at the entry is not known.
 */
static void entry_params(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np)
{
	struct cc_node *n = *np;
	struct cc_btf_type t;
	int i;

	if (!n || n->kind == N_ENTRY || n->kind == N_DEFINED)
		return;
	if ((is_arg_call(n) && n->args[0]->kind == N_NUM) ||
	    (n->kind == N_TARGET && strcmp(n->name, "return") && strcmp(n->name, "$return") &&
	     (n->name[0] == '$' || d->kind == PK_UPROBE ||
	      cc_kfunc_param_type(cx, d, n->name, &t) == 0))) {
		struct cc_node *e = cc_node_new(cx, N_ENTRY, &n->loc);

		e->lhs = n;
		*np = e;
		return;
	}
	entry_params(cx, d, &n->lhs);
	entry_params(cx, d, &n->rhs);
	entry_params(cx, d, &n->cond);
	entry_params(cx, d, &n->then);
	entry_params(cx, d, &n->els);
	entry_params(cx, d, &n->init);
	entry_params(cx, d, &n->inc);
	entry_params(cx, d, &n->body);
	for (i = 0; i < n->nargs; i++)
		entry_params(cx, d, &n->args[i]);
}

void cc_entry_expand(struct cc_ctx *cx)
{
	struct entry_pass P = {.cx = cx};
	struct cc_prog *prog = cx->prog;
	int i, n = prog->probes.n;

	for (i = 0; i < n; i++) {
		struct cc_dprobe *d = prog->probes.v[i];
		const char *tp;

		P.slots.n = 0;
		/* parameters in a return probe are their values at entry, as in stap */
		if ((d->kind == PK_KFUNC && d->kret && d->kprobe) || (d->kind == PK_UPROBE && d->uret))
			entry_params(cx, d, &d->body);
		P.d = d;
		collect(&P, &d->body, false);
		if (!P.slots.n)
			continue;
		tp = entry_of(&P, d);
		if (!tp) {
			struct cc_node *x = *(struct cc_node **)P.slots.v[0];

			cc_error_at(&cx->diag, &x->loc,
				    "'@entry' needs a return probe with an entry to pair with; "
				    "'%s' has none (taphub pairs system call and kernel function "
				    "returns with their entries)",
				    d->pp);
			continue;
		}
		if (!P.gen) {
			struct cc_srcfile *src = cc_alloc(cx->arena, sizeof(*src));

			src->name = "<@entry>";
			src->is_tapset = true;
			P.gen = cc_alloc(cx->arena, sizeof(*P.gen));
			P.gen->src = src;
			cc_vec_push(cx->arena, &cx->tapsets, P.gen);
		}
		pair(&P, d, tp);
	}
}
