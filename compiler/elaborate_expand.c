// SPDX-License-Identifier: MIT
/*
 * elaborate_expand.c - expansion of probe points: aliases (with suffixes,
 * prologues and epilogues), wildcards and brace lists, into the derived
 * probes; the raw tracepoint check.
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

/* ---- expansion ----------------------------------------------------------------- */

/*
 * Does the alias name match the first k components of the point (k: all
 * of them, or fewer for an alias suffix)?
 */
static bool alias_matches(const struct cc_point *pattern, int k, const struct cc_point *name)
{
	int i;

	if (k != name->ncomps)
		return false;
	for (i = 0; i < k; i++) {
		const struct cc_comp *p = &pattern->comps[i], *a = &name->comps[i];

		if (fnmatch(p->name, a->name, 0))
			return false;
		if (p->has_arg != a->has_arg)
			return false;
		if (p->has_arg && (p->arg_is_str != a->arg_is_str ||
				   (p->arg_is_str ? strcmp(p->str, a->str) : p->num != a->num)))
			return false;
	}
	return true;
}

static struct cc_node *make_block(struct elab *E, const struct cc_loc *loc, struct cc_vec *stmts)
{
	struct cc_node *b = cc_alloc(E->cx->arena, sizeof(*b));

	b->kind = N_BLOCK;
	b->loc = *loc;
	b->sort_by = -2;
	b->args = (struct cc_node **)stmts->v;
	b->nargs = stmts->n;
	return b;
}

/*
 * tap -t names each probe as stap does: its script probe's place and the
 * points it was derived from, innermost first (" from: kernel.trace(...)
 * from: syscall.read").
 */
static void timing_names(struct elab *E, struct cc_dprobe *d, const struct chain *ch, int depth)
{
	struct cc_ctx *cx = E->cx;
	const struct cc_probe *p = cx->script->probes.v[E->cur_probe];
	int i;

	d->where = cc_sprintf(cx->arena, "%s:%d:%d", p->loc.file ? p->loc.file->name : "?",
			      p->loc.line, p->loc.col);
	d->from = cc_strdup(cx->arena, "");
	for (i = depth; i >= 0; i--)
		d->from = cc_sprintf(cx->arena, "%s from: %s", d->from, cc_point_str(cx, ch->pts[i]));
}

/* The derived probe's body: condition check, prologues, body, epilogues. */
static void finish_dprobe(struct elab *E, struct cc_dprobe *d, const struct chain *ch,
			  const struct cc_node *user_body, int depth)
{
	struct cc_ctx *cx = E->cx;
	struct cc_vec stmts = { 0 };
	struct cc_node *cond = NULL, *mine;
	int i;

	/* a perf counter (probe_perf.c) is no event: @perf reads it */
	if (d->perfctr) {
		if (user_body->kind != N_BLOCK || user_body->nargs)
			cc_warn_at(&cx->diag, &user_body->loc,
				   "the body of '%s' never runs: a counter is read with @perf",
				   d->pp);
		return;
	}
	/*
	 * Every derived probe gets its own copy of the body: a wildcard over
	 * thousands of tracepoints times a long body is memory and time we
	 * will not spend (a hub compiles what users send it).
	 */
	if (cx->cloned_nodes > CC_MAX_CLONED_NODES) {
		if (!E->too_big) {
			E->too_big = true;
			cc_error_at(&cx->diag, &user_body->loc,
				    "this probe expands to %d probes so far, each with its own copy of "
				    "the body: too large (over %d expression nodes); narrow the "
				    "wildcard or move the body into a function",
				    E->prog->probes.n, CC_MAX_CLONED_NODES);
		}
		return;
	}
	for (i = 0; i < ch->ncond; i++) {
		struct cc_node *c = cc_node_clone(cx, ch->cond[i]);

		if (!cond) {
			cond = c;
		} else {
			struct cc_node *a = cc_alloc(cx->arena, sizeof(*a));

			a->kind = N_BINOP;
			a->op = "&&";
			a->loc = c->loc;
			a->lhs = cond;
			a->rhs = c;
			cond = a;
		}
	}
	if (cond) {
		struct cc_node *neg = cc_alloc(cx->arena, sizeof(*neg));
		struct cc_node *iff = cc_alloc(cx->arena, sizeof(*iff));
		struct cc_node *next = cc_alloc(cx->arena, sizeof(*next));

		neg->kind = N_UNOP;
		neg->op = "!";
		neg->lhs = cond;
		neg->loc = cond->loc;
		next->kind = N_NEXT;
		next->loc = cond->loc;
		iff->kind = N_IF;
		iff->cond = neg;
		iff->then = next;
		iff->loc = cond->loc;
		cc_vec_push(cx->arena, &stmts, iff);
	}
	for (i = ch->n - 1; i >= 0; i--)
		if (!ch->epilogue[i])
			cc_vec_push(cx->arena, &stmts, cc_node_clone(cx, ch->body[i]));
	mine = cc_node_clone(cx, user_body);
	cc_vec_push(cx->arena, &stmts, mine);
	for (i = 0; i < ch->n; i++)
		if (ch->epilogue[i])
			cc_vec_push(cx->arena, &stmts, cc_node_clone(cx, ch->body[i]));
	/* @probewrite asks about the user's body, wherever it is asked */
	for (i = 0; i < stmts.n; i++)
		elab_probewrite_resolve(cx, stmts.v[i], mine);
	/*
	 * Two aliases of one wildcard on the same event (syscall.pread and
	 * syscall.pread64 under syscall.*) would run the handler twice per
	 * event: the first one stands.
	 */
	for (i = E->point_first; i < E->prog->probes.n; i++) {
		const struct cc_dprobe *o = E->prog->probes.v[i];

		if (o->kind == d->kind && !strcmp(o->pp, d->pp))
			return;
	}
	d->body = make_block(E, &user_body->loc, &stmts);
	/* pn(): the script's point, after wildcard expansion (syscall.read of syscall.*) */
	d->pn = ch->pn ? cc_strdup(cx->arena, ch->pn) : d->pp;
	if (cx->timing)
		timing_names(E, d, ch, depth);
	d->index = E->prog->probes.n;
	d->uprobe = E->cur_probe;
	d->cls = E->cur_cls;
	if (d->cls && !d->kernel)
		cc_error_at(&cx->diag, &d->loc,
			    "class(\"%s\") applies to kernel probes: what '%s' prints goes to the "
			    "session's own class",
			    (char *)E->prog->classes.v[d->cls], d->pp);
	cc_vec_push(cx->arena, &E->prog->probes, d);
}

static int expand_point(struct elab *E, const struct cc_point *pt, struct chain *ch,
			const struct cc_node *user_body, bool quiet, int depth);

/* An alias's points, each with the components of pt from k on appended (a suffix). */
static int expand_alias(struct elab *E, const struct cc_probe *a, const struct cc_point *pt,
			int k, struct chain *ch, const struct cc_node *user_body, bool quiet,
			int depth)
{
	struct cc_ctx *cx = E->cx;
	const struct cc_comp *suffix = pt->comps + k;
	int nsuffix = pt->ncomps - k;
	const char *pn = ch->pn;
	bool failed = false;
	int made = 0, j, r;

	/*
	 * pn() is the first alias on the way, as the script names it:
	 * syscall.read.return for syscall.*.return (alias syscall.read and
	 * the suffix .return)
	 */
	if (!pn) {
		struct cc_point named = *a->alias_name;

		named.ncomps = a->alias_name->ncomps + nsuffix;
		named.comps = cc_alloc(cx->arena, sizeof(*named.comps) * (size_t)named.ncomps);
		memcpy(named.comps, a->alias_name->comps,
		       sizeof(*named.comps) * (size_t)a->alias_name->ncomps);
		memcpy(named.comps + a->alias_name->ncomps, suffix,
		       sizeof(*named.comps) * (size_t)nsuffix);
		ch->pn = cc_point_str(cx, &named);
	}

	/* an alias's prologue and, with `= ... { } , { }`, its epilogue */
	ch->body[ch->n] = a->body;
	ch->epilogue[ch->n] = a->is_epilogue;
	ch->n++;
	if (a->epilogue) {
		ch->body[ch->n] = a->epilogue;
		ch->epilogue[ch->n] = true;
		ch->n++;
	}
	for (j = 0; j < a->npoints; j++) {
		const struct cc_point *ap = a->points[j];
		struct cc_point *sp;

		if (nsuffix) {
			sp = cc_alloc(cx->arena, sizeof(*sp));
			*sp = *ap;
			sp->loc = pt->loc; /* errors point at what the script wrote */
			sp->ncomps = ap->ncomps + nsuffix;
			sp->comps = cc_alloc(cx->arena, sizeof(*sp->comps) * (size_t)sp->ncomps);
			memcpy(sp->comps, ap->comps, sizeof(*sp->comps) * (size_t)ap->ncomps);
			memcpy(sp->comps + ap->ncomps, suffix, sizeof(*sp->comps) * (size_t)nsuffix);
			ap = sp;
		}
		r = expand_point(E, ap, ch, user_body, quiet || ap->optional, depth + 1);
		if (r > 0) {
			made += r;
			if (ap->sufficient)
				break;
		} else if (r < 0 && !ap->optional && !quiet) {
			failed = true;
		}
	}
	ch->n -= a->epilogue ? 2 : 1;
	ch->pn = pn;
	return failed ? -1 : made;
}

/*
 * Alias suffixes, as stap has them: when no alias is named like the whole
 * point, an alias named like its beginning expands with the rest of the
 * point appended to each of its points (timer.profile.freq.hz(99) is
 * perf.sw.cpu_clock.hz(99)).  Longest alias name first; *matched says
 * whether any alias took the point.
 */
static int expand_suffixed(struct elab *E, const struct cc_point *pt, struct chain *ch,
			   const struct cc_node *user_body, bool quiet, int depth, bool *matched)
{
	struct cc_ctx *cx = E->cx;
	int made = 0, f, i, k, r;

	for (k = pt->ncomps - 1; k > 0 && !*matched; k--) {
		for (f = -1; f < cx->tapsets.n; f++) {
			struct cc_file *file = f < 0 ? cx->script : cx->tapsets.v[f];

			for (i = 0; i < file->probes.n; i++) {
				struct cc_probe *a = file->probes.v[i];

				if (!a->is_alias || !alias_matches(pt, k, a->alias_name))
					continue;
				*matched = true;
				r = expand_alias(E, a, pt, k, ch, user_body, quiet, depth);
				made = r < 0 || made < 0 ? -1 : made + r;
			}
		}
	}
	return made;
}

/* Returns derived probes made (>= 0), or -1 after an error. */
static int expand_point(struct elab *E, const struct cc_point *pt, struct chain *ch,
			const struct cc_node *user_body, bool quiet, int depth)
{
	struct cc_ctx *cx = E->cx;
	struct cc_vec ds = { 0 };
	struct cc_point *fam;
	bool any_alias = false;
	int made = 0, f, i, r;

	if (depth >= MAX_ALIAS_DEPTH) {
		cc_error_at(&cx->diag, &pt->loc, "probe alias expansion too deep (recursive alias?)");
		return -1;
	}
	ch->pts[depth] = pt;
	/* nd_syscall.open and friends are syscall.open (probepoint.c) */
	fam = cc_point_syscall_family(cx, pt);
	if (fam)
		return expand_point(E, fam, ch, user_body, quiet, depth + 1);
	ch->cond[ch->ncond] = pt->cond;
	if (pt->cond)
		ch->ncond++;
	/* aliases named by the whole point (alias suffixes: expand_suffixed) */
	for (f = -1; f < cx->tapsets.n; f++) {
		struct cc_file *file = f < 0 ? cx->script : cx->tapsets.v[f];

		for (i = 0; i < file->probes.n; i++) {
			struct cc_probe *a = file->probes.v[i];

			if (!a->is_alias || !alias_matches(pt, pt->ncomps, a->alias_name))
				continue;
			any_alias = true;
			r = expand_alias(E, a, pt, pt->ncomps, ch, user_body, quiet, depth);
			made = r < 0 || made < 0 ? -1 : made + r;
		}
	}
	if (any_alias)
		goto out;
	if (cc_point_refused(cx, pt, quiet)) {
		made = -1;
		goto out;
	}
	made = expand_suffixed(E, pt, ch, user_body, quiet, depth, &any_alias);
	if (any_alias)
		goto out;
	made = 0;
	r = cc_resolve_builtin_point(cx, pt, quiet, &ds);
	if (r < 0) {
		made = -1;
		goto out;
	}
	for (i = 0; i < ds.n; i++)
		finish_dprobe(E, ds.v[i], ch, user_body, depth);
	made = ds.n;
out:
	if (pt->cond)
		ch->ncond--;
	return made;
}

/*
 * PROBEPOINT.class("NAME") sends the probe's records to the class NAME of
 * the session's buffer (docs/hub.md): a taphub extension written as one
 * more probe point component, so unmodified SystemTap scripts are never
 * affected.  Returns the class index (0: none) and the point without it.
 */
static int point_class(struct elab *E, const struct cc_point *pt, struct cc_point *out)
{
	struct cc_ctx *cx = E->cx;
	const struct cc_comp *c;
	struct cc_vec *cl = &E->prog->classes;
	const char *name;
	size_t k;
	int i;

	*out = *pt;
	if (pt->ncomps < 2 || strcmp(pt->comps[pt->ncomps - 1].name, "class"))
		return 0;
	c = &pt->comps[pt->ncomps - 1];
	out->ncomps--;
	if (!c->has_arg || !c->arg_is_str) {
		cc_error_at(&cx->diag, &c->loc, "class expects a class name: .class(\"NAME\")");
		return 0;
	}
	name = c->str;
	for (k = 0; name[k]; k++)
		if (!(name[k] == '_' || (name[k] >= 'a' && name[k] <= 'z') ||
		      (name[k] >= 'A' && name[k] <= 'Z') || (k && name[k] >= '0' && name[k] <= '9')))
			break;
	if (!k || name[k] || k > 63) {
		cc_error_at(&cx->diag, &c->loc,
			    "'%s' is not a class name (letters, digits and '_', at most 63)", name);
		return 0;
	}
	for (i = 0; i < cl->n; i++)
		if (!strcmp(cl->v[i], name))
			return i;
	if (cl->n == TH_MAX_CLASSES) {
		cc_error_at(&cx->diag, &c->loc, "more than %d classes", TH_MAX_CLASSES);
		return 0;
	}
	cc_vec_push(cx->arena, cl, cc_strdup(cx->arena, name));
	return cl->n - 1;
}

/* loud: report why optional points resolve to nothing (see cc_elaborate) */
void elab_expand_probe(struct elab *E, struct cc_probe *p, bool loud)
{
	struct cc_ctx *cx = E->cx;
	int i;

	for (i = 0; i < p->npoints; i++) {
		struct chain ch = { 0 };
		struct cc_point stripped;
		const struct cc_point *pt = &stripped;
		int r, refused;

		E->cur_cls = point_class(E, p->points[i], &stripped);
		E->point_first = E->prog->probes.n;
		refused = cx->nkfunc_refused;
		r = expand_point(E, pt, &ch, p->body, pt->optional && !loud, 0);

		/*
		 * An alias standing on kernel functions only (vfs.open), on a
		 * kernel that can probe none: that is why it matched nothing.
		 */
		if (r == 0 && (!pt->optional || loud) && cx->nkfunc_refused > refused)
			cc_error_at(&cx->diag, &pt->loc,
				    "probe point '%s' is not supported on this kernel: taphub builds "
				    "it on kernel functions, which need kprobes or BPF trampolines, "
				    "and this kernel has neither (CONFIG_KPROBES is not set)",
				    cc_point_str(cx, pt));
		else if (r == 0 && !pt->optional)
			cc_error_at(&cx->diag, &pt->loc,
				    "probe point '%s' matched nothing (add '?' to make it optional)",
				    cc_point_str(cx, pt));
		if (r > 0 && pt->sufficient)
			break;
	}
}

/* ---- raw tracepoint check ------------------------------------------------------- */

bool elab_has_raw_tracepoint(struct elab *E, const char *event)
{
	char name[256];

	if (!E->btf_tried) {
		E->btf_tried = true;
		/* libbpf 1.x returns NULL and sets errno on failure */
		E->btf = btf__load_vmlinux_btf();
	}
	if (!E->btf)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return btf__find_by_name_kind(E->btf, name, BTF_KIND_TYPEDEF) > 0;
}
