// SPDX-License-Identifier: MIT
/*
 * The preprocessor works on tokens, as SystemTap's does:
 *
 *   %( CONDITION %? TOKENS [ %: TOKENS ] %)   conditional, nestable
 *   @define NAME [ (PARAM, ...) ] %( BODY %)  macro definition
 *   @NAME [ (ARG, ...) ]                      macro use; @PARAM inside a body
 *   $1 .. $N   script argument as a number (or, when it is not a number,
 *              as the tokens it lexes to, so `probe $1 {}` works)
 *   @1 .. @N   script argument as a string literal
 *   $# / @#    the number of script arguments
 *
 * Conditions compare kernel_v, kernel_vr, systemtap_v (version order),
 * arch, runtime, CONFIG_* (glob match) and $# / @# / numbers (numeric),
 * joined by && and || with parentheses.  The output is a new token list;
 * tokens coming from macro bodies are copied so a body can be used twice.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "compiler/compiler.h"

/* The SystemTap language level we implement, for systemtap_v tests. */
#define PP_SYSTEMTAP_V "5.0"
#define PP_MAX_EXPANSION_DEPTH 64

struct macro {
	char *name;
	char **params;
	int nparams;
	struct cc_token *body; /* list ending with an EOF token */
	struct macro *next;
};

struct pp {
	struct cc_ctx *cx;
	struct macro *macros;
	struct cc_token head, *tail;
	int depth;
};

/* One macro parameter binding while a body expands. */
struct binding {
	const struct macro *m;
	struct cc_token **args; /* each an EOF-terminated list */
	const struct binding *up;
};

static void emit(struct pp *pp, const struct cc_token *t)
{
	struct cc_token *c = cc_alloc(pp->cx->arena, sizeof(*c));

	*c = *t;
	c->next = NULL;
	pp->tail->next = c;
	pp->tail = c;
}

static bool is_op(const struct cc_token *t, const char *op)
{
	return t && cc_tok_is(t, op);
}

int cc_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long x = strtoull(a, (char **)&a, 10);
			unsigned long long y = strtoull(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		/* A missing component sorts before a present one: 6.1 < 6.1.2. */
		if (!*a)
			return -1;
		if (!*b)
			return 1;
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return 0;
}

/* ---- kernel config ------------------------------------------------------ */

static void load_config(struct cc_ctx *cx)
{
	char path[300], line[512];
	gzFile gz;

	cx->config_loaded = true;
	gz = gzopen("/proc/config.gz", "rb");
	if (!gz) {
		snprintf(path, sizeof(path), "/boot/config-%s", cx->kern.release);
		gz = gzopen(path, "rb"); /* reads plain files too */
	}
	if (!gz)
		return;
	while (gzgets(gz, line, sizeof(line))) {
		size_t n = strlen(line);

		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (!strncmp(line, "CONFIG_", 7) && strchr(line, '='))
			cc_vec_push(cx->arena, &cx->config, cc_strdup(cx->arena, line));
	}
	gzclose(gz);
}

const char *cc_kconfig(struct cc_ctx *cx, const char *name)
{
	size_t n = strlen(name);
	int i;

	if (!cx->config_loaded)
		load_config(cx);
	for (i = 0; i < cx->config.n; i++) {
		const char *l = cx->config.v[i];

		if (!strncmp(l, name, n) && l[n] == '=') {
			const char *v = l + n + 1;
			size_t vn = strlen(v);

			/* string options are quoted in .config */
			if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"')
				return cc_strndup(cx->arena, v + 1, vn - 2);
			return v;
		}
	}
	return "";
}

/* ---- conditions ------------------------------------------------------------ */

struct cond {
	struct pp *pp;
	struct cc_token *t; /* cursor */
	bool bad;
};

static void cond_error(struct cond *c, const struct cc_token *t, const char *what)
{
	if (!c->bad)
		cc_error_at(&c->pp->cx->diag, &t->loc, "%s in preprocessor condition, found %s",
			    what, cc_tok_describe(c->pp->cx, t));
	c->bad = true;
}

static bool cmp_result(int r, const char *op)
{
	if (!strcmp(op, "=="))
		return r == 0;
	if (!strcmp(op, "!="))
		return r != 0;
	if (!strcmp(op, "<"))
		return r < 0;
	if (!strcmp(op, "<="))
		return r <= 0;
	if (!strcmp(op, ">"))
		return r > 0;
	return r >= 0;
}

static const char *rel_op(const struct cc_token *t)
{
	static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">" };
	size_t i;

	for (i = 0; i < 6; i++)
		if (cc_tok_is(t, ops[i]))
			return ops[i];
	return NULL;
}

static bool cond_or(struct cond *c);

/* cond_term = "(" cond ")" | "!" term | operand relop literal | literal */
static bool cond_term(struct cond *c)
{
	struct cc_ctx *cx = c->pp->cx;
	struct cc_token *lhs = c->t;
	const char *op;
	struct cc_token *rhs;

	if (is_op(lhs, "(")) {
		bool v;

		c->t = lhs->next;
		v = cond_or(c);
		if (!is_op(c->t, ")"))
			cond_error(c, c->t, "expected ')'");
		else
			c->t = c->t->next;
		return v;
	}
	if (is_op(lhs, "!")) {
		c->t = lhs->next;
		return !cond_term(c);
	}
	op = rel_op(lhs->next);
	if (!op) {
		/* A bare number is true when non-zero. */
		if (lhs->kind == TK_NUM) {
			c->t = lhs->next;
			return lhs->num != 0;
		}
		cond_error(c, lhs->next, "expected a comparison operator");
		return false;
	}
	rhs = lhs->next->next;
	c->t = rhs->next;

	if (lhs->kind == TK_IDENT &&
	    (!strcmp(lhs->str, "kernel_v") || !strcmp(lhs->str, "kernel_vr") ||
	     !strcmp(lhs->str, "systemtap_v"))) {
		const char *mine = !strcmp(lhs->str, "kernel_v") ? cx->kern.version
				   : !strcmp(lhs->str, "kernel_vr") ? cx->kern.release
								   : PP_SYSTEMTAP_V;

		if (rhs->kind != TK_STR) {
			cond_error(c, rhs, "expected a version string");
			return false;
		}
		/* == and != take globs, as in stap: kernel_v == "6.*" */
		if (!strcmp(op, "==") || !strcmp(op, "!="))
			return (fnmatch(rhs->str, mine, 0) == 0) == (op[0] == '=');
		return cmp_result(cc_version_cmp(mine, rhs->str), op);
	}
	if (lhs->kind == TK_IDENT &&
	    (!strcmp(lhs->str, "arch") || !strcmp(lhs->str, "runtime") ||
	     !strncmp(lhs->str, "CONFIG_", 7) || !strcmp(lhs->str, "systemtap_privilege"))) {
		const char *mine;

		if (!strcmp(lhs->str, "arch"))
			mine = cx->kern.arch;
		else if (!strcmp(lhs->str, "runtime"))
			mine = "bpf";
		else if (!strcmp(lhs->str, "systemtap_privilege"))
			mine = "stapdev";
		else
			mine = cc_kconfig(cx, lhs->str);
		if (rhs->kind == TK_NUM && !strncmp(lhs->str, "CONFIG_", 7))
			return cmp_result(strtoll(mine, NULL, 0) < rhs->num ? -1 :
					  strtoll(mine, NULL, 0) > rhs->num ? 1 : 0, op);
		if (rhs->kind != TK_STR) {
			cond_error(c, rhs, "expected a string");
			return false;
		}
		if (!strcmp(op, "==") || !strcmp(op, "!="))
			return (fnmatch(rhs->str, mine, 0) == 0) == (op[0] == '=');
		return cmp_result(strcmp(mine, rhs->str), op);
	}
	if (lhs->kind == TK_IDENT && !strcmp(lhs->str, "guru_mode")) {
		/* Guru mode (-g) is refused, so it is always 0 here. */
		if (rhs->kind != TK_NUM) {
			cond_error(c, rhs, "expected a number");
			return false;
		}
		return cmp_result(0 < rhs->num ? -1 : 0 > rhs->num ? 1 : 0, op);
	}
	if (lhs->kind == TK_NUM && rhs->kind == TK_NUM)
		return cmp_result(lhs->num < rhs->num ? -1 : lhs->num > rhs->num, op);
	if (lhs->kind == TK_STR && rhs->kind == TK_STR)
		return cmp_result(strcmp(lhs->str, rhs->str), op);
	if (lhs->kind == TK_IDENT)
		cc_error_at(&cx->diag, &lhs->loc,
			    "unknown preprocessor variable '%s' (expected kernel_v, kernel_vr, "
			    "arch, runtime, systemtap_v, CONFIG_*, guru_mode, $#, @#)",
			    lhs->str);
	else
		cond_error(c, lhs, "operands of different types");
	c->bad = true;
	return false;
}

static bool cond_and(struct cond *c)
{
	bool v = cond_term(c);

	while (!c->bad && is_op(c->t, "&&")) {
		c->t = c->t->next;
		v = cond_term(c) && v;
	}
	return v;
}

static bool cond_or(struct cond *c)
{
	bool v = cond_and(c);

	while (!c->bad && is_op(c->t, "||")) {
		c->t = c->t->next;
		v = cond_and(c) || v;
	}
	return v;
}

/* ---- the walk ----------------------------------------------------------- */

static struct cc_token *walk(struct pp *pp, struct cc_token *t, const struct binding *b,
			     const char *stop1, const char *stop2, bool skipping);

static struct macro *find_macro(struct pp *pp, const char *name)
{
	struct macro *m;

	for (m = pp->macros; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* Script argument $N / @N as tokens. */
static void emit_arg(struct pp *pp, const struct cc_token *t, bool as_string)
{
	struct cc_ctx *cx = pp->cx;
	char *end;
	long idx = strtol(t->str, &end, 10);
	struct cc_token nt = *t;
	const char *arg;
	long long v;

	if (*end || idx < 1 || idx > cx->argc) {
		cc_error_at(&cx->diag, &t->loc,
			    "command line argument index %s out of range [1-%d]%s", t->str,
			    cx->argc, cx->argc ? "" : " (no arguments given)");
		nt.kind = as_string ? TK_STR : TK_NUM;
		nt.str = (char *)"";
		nt.num = 0;
		emit(pp, &nt);
		return;
	}
	arg = cx->argv[idx - 1];
	if (as_string) {
		nt.kind = TK_STR;
		nt.str = cc_strdup(cx->arena, arg);
		nt.slen = strlen(arg);
		emit(pp, &nt);
		return;
	}
	errno = 0;
	v = strtoll(arg, &end, 0);
	if (*arg && !*end && !errno) {
		nt.kind = TK_NUM;
		nt.num = v;
		emit(pp, &nt);
		return;
	}
	/* Not a number: splice in its tokens, located at the $N. */
	{
		struct cc_srcfile *f = cc_alloc(cx->arena, sizeof(*f));
		struct cc_token *at;
		int ne = cx->diag.nerrors;

		f->name = cc_sprintf(cx->arena, "argument $%ld", idx);
		f->text = cc_strdup(cx->arena, arg);
		f->len = strlen(arg);
		for (at = cc_lex(cx, f); at && at->kind != TK_EOF; at = at->next) {
			nt = *at;
			nt.loc = t->loc;
			nt.space_before = at == t ? t->space_before : at->space_before;
			emit(pp, &nt);
		}
		if (cx->diag.nerrors != ne)
			cc_error_at(&cx->diag, &t->loc, "argument $%ld ('%s') is not a number", idx,
				    arg);
	}
}

/*
 * Split "( a, b(c, d), e )" into argument token lists.  t points at "(".
 * Returns the token after ")", or NULL after an error.
 */
static struct cc_token *macro_args(struct pp *pp, struct cc_token *t, const struct macro *m,
				   struct cc_token ***ret)
{
	struct cc_ctx *cx = pp->cx;
	struct cc_token **args = cc_alloc(cx->arena, sizeof(*args) * (size_t)(m->nparams + 1));
	struct cc_token *open = t, head, *tail;
	int depth = 0, n = 0;

	t = t->next;
	head.next = NULL;
	tail = &head;
	for (;;) {
		if (t->kind == TK_EOF) {
			cc_error_at(&cx->diag, &open->loc, "unterminated argument list of macro @%s",
				    m->name);
			return NULL;
		}
		if (depth == 0 && (is_op(t, ",") || is_op(t, ")"))) {
			struct cc_token *eof = cc_alloc(cx->arena, sizeof(*eof));

			eof->kind = TK_EOF;
			eof->loc = t->loc;
			tail->next = eof;
			if (n < m->nparams)
				args[n] = head.next;
			n++;
			head.next = NULL;
			tail = &head;
			if (is_op(t, ")"))
				break;
			t = t->next;
			continue;
		}
		if (is_op(t, "(") || is_op(t, "[") || is_op(t, "{"))
			depth++;
		if (is_op(t, ")") || is_op(t, "]") || is_op(t, "}"))
			depth--;
		{
			struct cc_token *c = cc_alloc(cx->arena, sizeof(*c));

			*c = *t;
			c->next = NULL;
			tail->next = c;
			tail = c;
		}
		t = t->next;
	}
	if (n != m->nparams) {
		cc_error_at(&cx->diag, &open->loc, "macro @%s takes %d argument%s, %d given",
			    m->name, m->nparams, m->nparams == 1 ? "" : "s", n);
		return NULL;
	}
	*ret = args;
	return t->next;
}

/* @define NAME [(P, ...)] %( BODY %) ; t is the @define token */
static struct cc_token *define_macro(struct pp *pp, struct cc_token *t)
{
	struct cc_ctx *cx = pp->cx;
	struct macro *m = cc_alloc(cx->arena, sizeof(*m));
	struct cc_token head = { 0 }, *tail = &head, *name = t->next;
	int depth = 0;

	if (name->kind != TK_IDENT) {
		cc_error_at(&cx->diag, &name->loc, "expected a macro name after @define, found %s",
			    cc_tok_describe(cx, name));
		return name->kind == TK_EOF ? name : name->next;
	}
	m->name = name->str;
	t = name->next;
	if (is_op(t, "(")) {
		struct cc_vec params = { 0 };

		t = t->next;
		while (!is_op(t, ")")) {
			if (t->kind != TK_IDENT) {
				cc_error_at(&cx->diag, &t->loc,
					    "expected a parameter name in @define %s, found %s",
					    m->name, cc_tok_describe(cx, t));
				return t->kind == TK_EOF ? t : t->next;
			}
			cc_vec_push(cx->arena, &params, t->str);
			t = t->next;
			if (is_op(t, ","))
				t = t->next;
			else if (!is_op(t, ")")) {
				cc_error_at(&cx->diag, &t->loc, "expected ',' or ')' in @define %s",
					    m->name);
				return t->kind == TK_EOF ? t : t->next;
			}
		}
		t = t->next;
		m->params = (char **)params.v;
		m->nparams = params.n;
	}
	if (!is_op(t, "%(")) {
		cc_error_at(&cx->diag, &t->loc, "expected '%%(' to open the body of @define %s",
			    m->name);
		return t->kind == TK_EOF ? t : t->next;
	}
	for (t = t->next;; t = t->next) {
		struct cc_token *c;

		if (t->kind == TK_EOF) {
			cc_error_at(&cx->diag, &name->loc, "unterminated body of @define %s",
				    m->name);
			return t;
		}
		if (is_op(t, "%("))
			depth++;
		if (is_op(t, "%)") && depth-- == 0)
			break;
		c = cc_alloc(cx->arena, sizeof(*c));
		*c = *t;
		c->next = NULL;
		tail->next = c;
		tail = c;
	}
	tail->next = cc_alloc(cx->arena, sizeof(struct cc_token));
	tail->next->kind = TK_EOF;
	tail->next->loc = t->loc;
	m->body = head.next;
	if (find_macro(pp, m->name))
		cc_error_at(&cx->diag, &name->loc, "macro @%s defined twice", m->name);
	m->next = pp->macros;
	pp->macros = m;
	return t->next;
}

/* %( cond %? a %: b %) ; t is the %( token.  Returns the token after %). */
static struct cc_token *conditional(struct pp *pp, struct cc_token *t, const struct binding *b,
				    bool skipping)
{
	struct cc_ctx *cx = pp->cx;
	struct cc_token *open = t;
	struct cond c = { .pp = pp };
	bool v = false;
	struct cc_token ctoks = { 0 }, *ctail = &ctoks, *eof;
	struct pp sub;

	/*
	 * The condition may use $N and macros, so run it through the walker
	 * into a private list first, then evaluate that.
	 */
	sub = *pp;
	sub.head.next = NULL;
	sub.tail = &sub.head;
	t = walk(&sub, t->next, b, "%?", NULL, skipping);
	pp->macros = sub.macros;
	ctoks.next = sub.head.next;
	for (ctail = &ctoks; ctail->next; ctail = ctail->next)
		;
	eof = cc_alloc(cx->arena, sizeof(*eof));
	eof->kind = TK_EOF;
	eof->loc = t->loc;
	ctail->next = eof;
	if (!is_op(t, "%?")) {
		cc_error_at(&cx->diag, &open->loc, "expected '%%?' after the condition of '%%('");
		return t;
	}
	if (!skipping) {
		c.t = ctoks.next;
		v = cond_or(&c);
		if (!c.bad && c.t->kind != TK_EOF)
			cond_error(&c, c.t, "unexpected token");
	}
	t = walk(pp, t->next, b, "%:", "%)", skipping || !v);
	if (is_op(t, "%:"))
		t = walk(pp, t->next, b, "%)", NULL, skipping || v);
	if (!is_op(t, "%)")) {
		cc_error_at(&cx->diag, &open->loc, "unterminated conditional: '%%(' without '%%)'");
		return t;
	}
	return t->next;
}

/*
 * Copy tokens to the output until one of the stop operators appears at
 * this nesting level (returned, not consumed) or EOF.  With skipping, the
 * tokens are only scanned for nesting.
 */
static struct cc_token *walk(struct pp *pp, struct cc_token *t, const struct binding *b,
			     const char *stop1, const char *stop2, bool skipping)
{
	struct cc_ctx *cx = pp->cx;

	while (t && t->kind != TK_EOF) {
		if ((stop1 && is_op(t, stop1)) || (stop2 && is_op(t, stop2)))
			return t;
		if (is_op(t, "%(")) {
			t = conditional(pp, t, b, skipping);
			continue;
		}
		if (is_op(t, "%?") || is_op(t, "%:") || is_op(t, "%)")) {
			if (!skipping)
				cc_error_at(&cx->diag, &t->loc, "'%.*s' outside of a '%%(' conditional",
					    t->len, t->text);
			t = t->next;
			continue;
		}
		if (skipping) {
			t = t->next;
			continue;
		}
		if (t->kind == TK_AT && !strcmp(t->str, "define")) {
			t = define_macro(pp, t);
			continue;
		}
		if ((t->kind == TK_TARGET || t->kind == TK_AT) && !strcmp(t->str, "#")) {
			struct cc_token nt = *t;

			nt.kind = TK_NUM;
			nt.num = cx->argc;
			emit(pp, &nt);
			t = t->next;
			continue;
		}
		if ((t->kind == TK_TARGET || t->kind == TK_AT) && isdigit((unsigned char)t->str[0])) {
			emit_arg(pp, t, t->kind == TK_AT);
			t = t->next;
			continue;
		}
		if (t->kind == TK_AT) {
			const struct binding *bb;
			struct macro *m;

			/* a parameter of an enclosing macro? */
			for (bb = b; bb; bb = bb->up) {
				int i;

				for (i = 0; i < bb->m->nparams; i++)
					if (!strcmp(bb->m->params[i], t->str))
						break;
				if (i < bb->m->nparams) {
					pp->depth++;
					if (pp->depth < PP_MAX_EXPANSION_DEPTH)
						walk(pp, bb->args[i], bb->up, NULL, NULL, false);
					pp->depth--;
					break;
				}
			}
			if (bb) {
				t = t->next;
				continue;
			}
			m = find_macro(pp, t->str);
			if (m) {
				struct binding nb = { .m = m, .up = b };
				struct cc_token *after = t->next;

				if (m->nparams) {
					if (!is_op(t->next, "(")) {
						cc_error_at(&cx->diag, &t->loc,
							    "macro @%s takes %d argument%s", m->name,
							    m->nparams, m->nparams == 1 ? "" : "s");
						t = t->next;
						continue;
					}
					after = macro_args(pp, t->next, m, &nb.args);
					if (!after)
						return t->next->kind == TK_EOF ? t->next : t->next;
				}
				if (++pp->depth >= PP_MAX_EXPANSION_DEPTH) {
					cc_error_at(&cx->diag, &t->loc,
						    "macro @%s expands too deeply (recursive?)", m->name);
				} else {
					walk(pp, m->body, &nb, NULL, NULL, false);
				}
				pp->depth--;
				t = after;
				continue;
			}
		}
		emit(pp, t);
		t = t->next;
	}
	return t;
}

struct cc_token *cc_preprocess(struct cc_ctx *cx, struct cc_token *toks)
{
	struct pp pp = { .cx = cx };
	struct cc_token *t;

	pp.tail = &pp.head;
	t = walk(&pp, toks, NULL, NULL, NULL, false);
	/* keep the EOF token, for its location */
	if (!t) {
		t = cc_alloc(cx->arena, sizeof(*t));
		t->kind = TK_EOF;
	}
	emit(&pp, t);
	return pp.head.next;
}
