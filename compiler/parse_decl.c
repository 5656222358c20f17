// SPDX-License-Identifier: MIT
/*
 * parse_decl.c - declarations: probes and their points, globals,
 * functions; the top level and the entry points (cc_parse,
 * cc_parse_point), cc_node_clone and cc_point_str.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"
#include "compiler/parse.h"

/* ---- declarations ------------------------------------------------------------ */

/*
 * constant = ["-"] number
 *
 * One constant, as stap reads probe point parameters and initializers:
 * the sign belongs to the literal, so -9223372036854775808 is INT64_MIN
 * and a magnitude above 2^63 is an error.  False when there is none.
 */
static bool constant(struct parser *ps, int64_t *ret)
{
	struct cc_token *t = ps->t;

	if (t->kind == TK_NUM) {
		*ret = t->num;
		ps->t = t->next;
		return true;
	}
	if (!cc_tok_is(t, "-") || t->next->kind != TK_NUM)
		return false;
	if (!cc_num_negate(t->next->num, ret)) {
		cc_error_at(&ps->cx->diag, &t->loc, "number '-%.*s' out of range for a 64-bit long",
			    t->next->len, t->next->text);
		*ret = 0;
	}
	ps->t = t->next->next;
	return true;
}

/*
 * Probe points.  Braces expand to several points, as in SystemTap:
 * `syscall.{open,close}.return` is the two points syscall.open.return and
 * syscall.close.return (the product of what each component expands to,
 * nested braces included).  '?', '!' and a condition end a point: inside
 * braces they belong to the alternative they follow and carry over to the
 * points it makes; written after a component that more components follow,
 * they are an error.  A wildcard like `syscall.*` can expand to hundreds
 * of points later; braces multiply what the script wrote, so their
 * product is bounded.
 */
#define PARSE_MAX_POINTS 1024

/*
 * component = (ident | "*" | number)+ glued without spaces ["(" literal ")"]
 * literal   = string+ | constant
 */
static void component(struct parser *ps, struct cc_comp *c)
{
	struct cc_token *t = ps->t;
	char buf[512];
	size_t n = 0;

	c->loc = t->loc;
	for (;;) {
		const char *piece;
		int len;

		t = ps->t;
		if (n && t->space_before)
			break;
		if (t->kind == TK_IDENT) {
			piece = t->text;
			len = t->len;
		} else if (cc_tok_is(t, "*")) {
			piece = "*";
			len = 1;
		} else if (t->kind == TK_NUM && n) {
			piece = t->text;
			len = t->len;
		} else {
			break;
		}
		if (n + (size_t)len >= sizeof(buf))
			ps_fail_msg(ps, &t->loc, "probe point component too long");
		memcpy(buf + n, piece, (size_t)len);
		n += (size_t)len;
		ps->t = t->next;
	}
	if (!n)
		ps_fail(ps, ps->t, "a probe point component");
	c->name = cc_strndup(ps->cx->arena, buf, n);
	if (ps_is(ps, "(")) {
		ps->t = ps->t->next;
		c->has_arg = true;
		if (ps->t->kind == TK_STR) {
			size_t slen;

			/* "a" "b" and @1 "b" (a script argument) are one string */
			c->arg_is_str = true;
			c->str = ps_string_run(ps, &slen);
		} else if (!constant(ps, &c->num)) {
			ps_fail(ps, ps->t, "a number or string as probe point parameter");
		}
		ps_expect(ps, ")");
	}
}

static struct cc_vec points(struct parser *ps, bool allow_cond);

/* pre.suf: the components of both, and the end marks of suf. */
static struct cc_point *join(struct parser *ps, const struct cc_point *pre,
			     const struct cc_point *suf)
{
	struct cc_point *p = cc_alloc(ps->cx->arena, sizeof(*p));

	*p = *suf;
	p->loc = pre->loc;
	p->ncomps = pre->ncomps + suf->ncomps;
	p->comps = cc_alloc(ps->cx->arena, sizeof(*p->comps) * (size_t)p->ncomps);
	memcpy(p->comps, pre->comps, sizeof(*p->comps) * (size_t)pre->ncomps);
	memcpy(p->comps + pre->ncomps, suf->comps, sizeof(*p->comps) * (size_t)suf->ncomps);
	return p;
}

/*
 * Does the '{' at t open a group of probe points rather than a body?
 * `probe begin. { exit() }` lost a component: saying so beats a message
 * about `exit(` as a point.  A group holds names, literals, '*', '.',
 * ',', '?', '!' and parenthesised parameters or conditions, and is
 * followed by what may follow a part of a point.
 */
static bool opens_points(const struct cc_token *t)
{
	static const char *const ops[] = { "*", ".", ",", "?", "!", "-", "{", "}", "(", ")", NULL };
	int braces = 0, parens = 0, i;

	for (; t->kind != TK_EOF; t = t->next) {
		if (parens && !cc_tok_is(t, "(") && !cc_tok_is(t, ")"))
			continue;
		if (t->kind == TK_OP) {
			for (i = 0; ops[i] && !cc_tok_is(t, ops[i]); i++)
				;
			if (!ops[i])
				return false;
		} else if (t->kind != TK_IDENT && t->kind != TK_NUM && t->kind != TK_STR) {
			return false;
		}
		parens += cc_tok_is(t, "(") - cc_tok_is(t, ")");
		braces += cc_tok_is(t, "{") - cc_tok_is(t, "}");
		if (!braces) {
			t = t->next;
			return cc_tok_is(t, ".") || cc_tok_is(t, ",") || cc_tok_is(t, "?") ||
			       cc_tok_is(t, "!") || cc_tok_is(t, "{") || cc_tok_is(t, "}") ||
			       cc_tok_is(t, "=") || cc_tok_is(t, "+=") || ps_is_kw(t, "if");
		}
	}
	return false;
}

/*
 * components = part ("." part)* ("?" | "!")* ["if" "(" expr ")"]
 * part       = "{" points "}" | component
 */
static struct cc_vec components(struct parser *ps, bool allow_cond)
{
	struct cc_vec pts = { 0 };
	struct cc_token *start = ps->t;
	int i, j, marks;

	do {
		struct cc_vec alt = { 0 };
		struct cc_token *t = ps->t;

		if (cc_tok_is(t, "{")) {
			if (!opens_points(t))
				ps_fail(ps, t, "a probe point component");
			ps_enter(ps);
			ps->t = t->next;
			alt = points(ps, allow_cond);
			ps_expect_close(ps, "}", t);
			ps->depth--;
		} else {
			struct cc_point *p = cc_alloc(ps->cx->arena, sizeof(*p));

			p->loc = t->loc;
			p->ncomps = 1;
			p->comps = cc_alloc(ps->cx->arena, sizeof(*p->comps));
			component(ps, p->comps);
			cc_vec_push(ps->cx->arena, &alt, p);
		}
		if (!pts.n) {
			pts = alt;
			continue;
		}
		if ((size_t)pts.n * (size_t)alt.n > PARSE_MAX_POINTS)
			ps_fail_msg(ps, &start->loc,
				 cc_sprintf(ps->cx->arena,
					    "the braces of this probe point expand to more than %d points",
					    PARSE_MAX_POINTS));
		{
			struct cc_vec prod = { 0 };

			for (i = 0; i < pts.n; i++) {
				const struct cc_point *pre = pts.v[i];

				if (pre->optional || pre->cond)
					ps_fail_msg(ps, &t->loc,
						 "'?', '!' and 'if' may only end a probe point, not a "
						 "part that more components follow");
				if (pre->ncomps + 1 > 32)
					ps_fail_msg(ps, &t->loc, "probe point has too many components");
				for (j = 0; j < alt.n; j++)
					cc_vec_push(ps->cx->arena, &prod, join(ps, pre, alt.v[j]));
			}
			pts = prod;
		}
	} while (ps_accept(ps, "."));
	for (marks = 0;; marks++) {
		struct cc_token *t = ps->t;
		bool suff = cc_tok_is(t, "!");

		if (!suff && !cc_tok_is(t, "?"))
			break;
		for (i = 0; i < pts.n; i++) {
			struct cc_point *p = pts.v[i];

			/* {a?,b}? marks a twice: stap refuses that too */
			if (!marks && p->optional)
				ps_fail_msg(ps, &t->loc, "'?' or '!' given twice for one probe point");
			p->optional = true;
			p->sufficient |= suff;
		}
		ps->t = t->next;
	}
	if (allow_cond && ps_is_kw(ps->t, "if")) {
		struct cc_token *kw = ps->t, *open;
		struct cc_node *cond;

		ps->t = kw->next;
		open = ps_expect(ps, "(");
		cond = ps_expr(ps);
		ps_expect_close(ps, ")", open);
		for (i = 0; i < pts.n; i++) {
			struct cc_point *p = pts.v[i];

			if (p->cond)
				ps_fail_msg(ps, &kw->loc, "a probe point condition given twice");
			p->cond = cond;
		}
	}
	return pts;
}

/* points = components ("," components)* */
static struct cc_vec points(struct parser *ps, bool allow_cond)
{
	struct cc_vec all = { 0 };
	int i;

	do {
		struct cc_vec one = components(ps, allow_cond);

		if ((size_t)all.n + (size_t)one.n > PARSE_MAX_POINTS)
			ps_fail_msg(ps, &ps->t->loc,
				 cc_sprintf(ps->cx->arena, "more than %d probe points in one probe",
					    PARSE_MAX_POINTS));
		for (i = 0; i < one.n; i++)
			cc_vec_push(ps->cx->arena, &all, one.v[i]);
	} while (ps_accept(ps, ","));
	return all;
}

/*
 * probe = "probe" points block
 *       | "probe" components ("=" | "+=") points block
 *       | "probe" components "=" points block "," block    (prologue, epilogue)
 */
static void probe_decl(struct parser *ps)
{
	struct cc_token *kw = ps->t;
	struct cc_probe *pr = cc_alloc(ps->cx->arena, sizeof(*pr));
	struct cc_vec pts;

	ps->t = kw->next;
	pr->loc = kw->loc;
	pr->privileged_tapset = ps->file->src->is_tapset;
	pts = components(ps, true);
	if (ps_is(ps, "=") || ps_is(ps, "+=")) {
		struct cc_point *first = pts.v[0];

		if (pts.n > 1)
			ps_fail_msg(ps, &first->loc, "an alias name cannot expand to several points");
		if (first->cond || first->optional)
			ps_fail_msg(ps, &first->loc, "an alias name cannot be optional or conditional");
		pr->is_alias = true;
		pr->is_epilogue = ps_is(ps, "+=");
		pr->alias_name = first;
		ps->t = ps->t->next;
		pts = points(ps, true);
	} else if (ps_accept(ps, ",")) {
		struct cc_vec more = points(ps, true);
		int i;

		for (i = 0; i < more.n; i++)
			cc_vec_push(ps->cx->arena, &pts, more.v[i]);
	}
	pr->points = (struct cc_point **)pts.v;
	pr->npoints = pts.n;
	if (ps->t->kind == TK_EMBEDDED)
		ps_fail_msg(ps, &ps->t->loc,
			 "embedded C ('%{ %}') is not supported: taphub runs only verified eBPF, "
			 "even in guru mode (-g)");
	if (!ps_is(ps, "{"))
		ps_fail(ps, ps->t,
		     pr->npoints == 1 && !pr->points[0]->cond
			     ? "'{' or ',' after the probe point"
			     : "'{' to start the probe's body");
	pr->body = ps_block(ps);
	/* stap's combined form: probe a = b { prologue }, { epilogue } */
	if (pr->is_alias && ps_is(ps, ",") && cc_tok_is(ps->t->next, "{")) {
		if (pr->is_epilogue)
			ps_fail_msg(ps, &ps->t->loc,
				 "an epilogue alias ('+=') cannot have a second, epilogue body");
		ps->t = ps->t->next;
		pr->epilogue = ps_block(ps);
	}
	cc_vec_push(ps->cx->arena, &ps->file->probes, pr);
}

static int type_name(struct parser *ps)
{
	struct cc_token *t = ps_expect_ident(ps, "a type ('long' or 'string')");

	if (!strcmp(t->str, "long"))
		return TY_LONG;
	if (!strcmp(t->str, "string"))
		return TY_STRING;
	ps_fail_msg(ps, &t->loc,
		 cc_sprintf(ps->cx->arena, "unknown type '%s' (expected 'long' or 'string')", t->str));
}

/*
 * global = "global" gdecl ("," gdecl)* [";"]  |  "private" gdecl ("," gdecl)* [";"]
 * gdecl  = ident ["[" number "]"] ["%"] ["=" (constant | string+)]
 *
 * `private x` is stap's shorthand for `private global x`.
 */
static void global_decl(struct parser *ps, bool is_private)
{
	if (ps_is_kw(ps->t, "global"))
		ps->t = ps->t->next;
	do {
		struct cc_token *name = ps_expect_name(ps, "a global variable name");
		struct cc_sym *s = cc_alloc(ps->cx->arena, sizeof(*s));

		s->name = name->str;
		s->kind = SYM_GLOBAL;
		s->loc = name->loc;
		s->is_private = is_private;
		if (ps_accept(ps, "%"))
			s->wrapped = true;
		if (ps_accept(ps, "[")) {
			struct cc_token *sz = ps->t;

			if (sz->kind != TK_NUM || sz->num <= 0)
				ps_fail(ps, sz, "a positive array size");
			/* the runtime refuses bigger maps: say so here, at the line */
			if (sz->num > GRT_MAX_MAP_ENTRIES)
				cc_error_at(&ps->cx->diag, &sz->loc,
					    "array size %lld is above the limit of %d entries",
					    (long long)sz->num, GRT_MAX_MAP_ENTRIES);
			s->is_array = true;
			s->maxsize = sz->num;
			ps->t = sz->next;
			ps_expect(ps, "]");
			if (ps_accept(ps, "%"))
				s->wrapped = true;
		}
		if (ps_accept(ps, "=")) {
			struct cc_token *v = ps->t;
			struct cc_node *init;

			if (s->is_array)
				ps_fail_msg(ps, &v->loc, "an array cannot have an initializer");
			if (v->kind == TK_NUM || cc_tok_is(v, "-")) {
				init = ps_new_node(ps, N_NUM, v);
				if (!constant(ps, &init->num))
					ps_fail(ps, v, "a number or string literal as initializer");
			} else if (v->kind == TK_STR) {
				init = ps_value(ps); /* adjacent literals concatenate here too */
			} else {
				ps_fail(ps, v, "a number or string literal as initializer");
			}
			s->init = init;
			s->type = init->kind == N_NUM ? TY_LONG : TY_STRING;
		}
		cc_vec_push(ps->cx->arena, &ps->file->globals, s);
	} while (ps_accept(ps, ","));
	ps_accept(ps, ";");
}

/*
 * function = "function" ident [":" type] "(" [param ("," param)*] ")" [":" type]
 *            (block | embedded)
 * param = ident [":" type]
 */
static void function_decl(struct parser *ps, bool is_private)
{
	struct cc_token *name;
	struct cc_func *f = cc_alloc(ps->cx->arena, sizeof(*f));
	struct cc_vec params = { 0 };
	struct cc_token *open;

	ps->t = ps->t->next;
	name = ps_expect_name(ps, "a function name");
	f->name = name->str;
	f->loc = name->loc;
	f->is_private = is_private;
	if (ps_accept(ps, ":")) {
		f->rettype = type_name(ps);
		f->typed_ret = true;
	}
	open = ps_expect(ps, "(");
	if (!ps_is(ps, ")")) {
		do {
			struct cc_token *pn = ps_expect_name(ps, "a parameter name");
			struct cc_sym *s = cc_alloc(ps->cx->arena, sizeof(*s));
			int i;

			s->name = pn->str;
			s->kind = SYM_PARAM;
			s->loc = pn->loc;
			s->index = params.n;
			if (ps_accept(ps, ":")) {
				s->type = type_name(ps);
				s->typed_decl = true;
			}
			if (params.n == PARSE_MAX_PARAMS)
				ps_fail_msg(ps, &pn->loc,
					 cc_sprintf(ps->cx->arena,
						    "function '%s' has more than %d parameters",
						    f->name, PARSE_MAX_PARAMS));
			for (i = 0; i < params.n; i++)
				if (!strcmp(((struct cc_sym *)params.v[i])->name, s->name))
					cc_error_at(&ps->cx->diag, &pn->loc,
						    "duplicate parameter '%s' in function '%s'", s->name,
						    f->name);
			cc_vec_push(ps->cx->arena, &params, s);
		} while (ps_accept(ps, ","));
	}
	ps_expect_list_close(ps, ")", open);
	if (ps_accept(ps, ":")) {
		if (f->typed_ret)
			ps_fail_msg(ps, &ps->t->loc, "return type given twice");
		f->rettype = type_name(ps);
		f->typed_ret = true;
	}
	f->params = (struct cc_sym **)params.v;
	f->nparams = params.n;
	if (ps->t->kind == TK_EMBEDDED) {
		f->has_embedded = true;
		cc_error_at(&ps->cx->diag, &ps->t->loc,
			    "function '%s' is embedded C ('%%{ %%}'), which is not supported: "
			    "taphub runs only verified eBPF, even in guru mode (-g)",
			    f->name);
		ps->t = ps->t->next;
		return;
	}
	if (!ps_is(ps, "{"))
		ps_fail(ps, ps->t,
		     cc_sprintf(ps->cx->arena, "'{' to start the body of function '%s'", f->name));
	f->body = ps_block(ps);
	cc_vec_push(ps->cx->arena, &ps->file->funcs, f);
}

/* Skip to the next top-level keyword after an error. */
static void resync(struct parser *ps)
{
	while (ps->t->kind != TK_EOF) {
		if (ps_is_kw(ps->t, "probe") || ps_is_kw(ps->t, "global") || ps_is_kw(ps->t, "function") ||
		    ps_is_kw(ps->t, "private"))
			return;
		ps->t = ps->t->next;
	}
}

/* file = (probe | global | function | "private" (global | function) | ";")* */
struct cc_file *cc_parse(struct cc_ctx *cx, struct cc_token *toks, const struct cc_srcfile *src)
{
	struct parser ps = { .cx = cx, .t = toks };
	volatile int nerr_guard = 0;

	ps.file = cc_alloc(cx->arena, sizeof(*ps.file));
	ps.file->src = src;
	if (setjmp(ps.recover)) {
		ps.depth = 0;
		if (++nerr_guard > 50 || cx->diag.nerrors >= (cx->diag.maxerrors ? cx->diag.maxerrors : 20))
			return ps.file;
		if (ps.t->kind != TK_EOF)
			ps.t = ps.t->next;
		resync(&ps);
	}
	while (ps.t->kind != TK_EOF) {
		struct cc_token *t = ps.t;
		bool priv = false;

		if (cc_tok_is(t, ";")) {
			ps.t = t->next;
			continue;
		}
		if (ps_is_kw(t, "private")) {
			priv = true;
			ps.t = t->next;
			t = ps.t;
		}
		if (ps_is_kw(t, "probe") && !priv)
			probe_decl(&ps);
		else if (ps_is_kw(t, "global") || (priv && t->kind == TK_IDENT && !ps_is_reserved(t->str)))
			global_decl(&ps, priv);
		else if (ps_is_kw(t, "function"))
			function_decl(&ps, priv);
		else if (t->kind == TK_EMBEDDED)
			ps_fail_msg(&ps, &t->loc,
				 "embedded C ('%{ %}') is not supported: taphub runs only verified "
				 "eBPF, even in guru mode (-g)");
		else
			ps_fail(&ps, t, priv ? "'global', 'function' or a variable name after 'private'"
					  : "'probe', 'global' or 'function'");
	}
	return ps.file;
}

struct cc_point *cc_parse_point(struct cc_ctx *cx, struct cc_token *toks)
{
	struct parser ps = { .cx = cx, .t = toks };
	struct cc_vec pts;
	static const struct cc_srcfile none = { .name = "<pattern>" };

	ps.file = cc_alloc(cx->arena, sizeof(*ps.file));
	ps.file->src = &none;
	if (setjmp(ps.recover))
		return NULL;
	pts = components(&ps, false);
	if (ps.t->kind != TK_EOF)
		ps_fail(&ps, ps.t, "end of the probe point");
	if (pts.n > 1)
		ps_fail_msg(&ps, &((struct cc_point *)pts.v[0])->loc,
			 "a pattern is one probe point: its braces expand to several");
	return pts.v[0];
}

struct cc_node *cc_node_clone(struct cc_ctx *cx, const struct cc_node *n)
{
	struct cc_node *c;
	int i;

	if (!n)
		return NULL;
	c = cc_alloc(cx->arena, sizeof(*c));
	*c = *n;
	cx->cloned_nodes++;
	c->lhs = cc_node_clone(cx, n->lhs);
	c->rhs = cc_node_clone(cx, n->rhs);
	c->cond = cc_node_clone(cx, n->cond);
	c->then = cc_node_clone(cx, n->then);
	c->els = cc_node_clone(cx, n->els);
	c->init = cc_node_clone(cx, n->init);
	c->inc = cc_node_clone(cx, n->inc);
	c->body = cc_node_clone(cx, n->body);
	if (n->nargs) {
		c->args = cc_alloc(cx->arena, sizeof(*c->args) * (size_t)n->nargs);
		for (i = 0; i < n->nargs; i++)
			c->args[i] = cc_node_clone(cx, n->args[i]);
	}
	/* resolution happens after cloning: never share symbols */
	c->sym = NULL;
	return c;
}

/* A point as written, its parameters quoted: kernel.trace("sched:sched_switch"). */
bool cc_comp_is(const struct cc_point *pt, int i, const char *name)
{
	return i < pt->ncomps && !strcmp(pt->comps[i].name, name);
}

int cc_point_error(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why)
{
	if (!quiet)
		cc_error_at(&cx->diag, &pt->loc, "probe point '%s' %s", cc_point_str(cx, pt), why);
	return -1;
}

char *cc_point_str(struct cc_ctx *cx, const struct cc_point *pt)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	for (i = 0; i < pt->ncomps; i++) {
		const struct cc_comp *c = &pt->comps[i];

		s = cc_sprintf(cx->arena, "%s%s%s", s, i ? "." : "", c->name);
		if (c->has_arg) {
			if (c->arg_is_str)
				s = cc_sprintf(cx->arena, "%s(\"%s\")", s, c->str);
			else
				s = cc_sprintf(cx->arena, "%s(%lld)", s, (long long)c->num);
		}
	}
	return s;
}
