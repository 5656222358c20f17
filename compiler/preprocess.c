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
 *
 * Scripts come from anyone (a hub compiles what clients send), so every
 * recursion and every expansion is bounded: conditional nesting, macro
 * depth, and the work and output of one top-level macro use.  Hitting a
 * bound is one error, after which that expansion is dropped; the output
 * always ends with an EOF token.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "compiler/compiler.h"

#define PP_MAX_EXPANSION_DEPTH 64
/* Nested %( conditionals and ( in conditions: bounded, as the recursion is. */
#define PP_MAX_NESTING 64
/*
 * Tokens macro expansion may produce: macros that each use the previous
 * one twice double the output per definition, so without a bound a few
 * lines would expand for ever.
 */
#define PP_MAX_TOKENS (1u << 17)

struct macro {
	char *name;
	struct cc_loc loc;
	bool too_deep; /* reported as expanding too deeply: once is enough */
	char **params;
	int nparams;
	struct cc_token *body; /* list ending with an EOF token */
	struct macro *next;
};

struct pp {
	struct cc_ctx *cx;
	struct macros *defs; /* shared with the sub-walkers of conditions */
	struct cc_token head, *tail;
	int depth;       /* macro expansion depth */
	int nest;        /* %( nesting */
	unsigned ntoks;  /* tokens macro expansions emitted */
	unsigned nexp;   /* macro expansions */
	unsigned nsplice; /* tokens of non-number script arguments spliced in */
	struct cc_token **argtoks; /* [argc]: each such argument lexed, once */
	bool limit_hit;  /* a PP_MAX_TOKENS limit was reported: no more expansions */
	bool unwind;     /* too deep: finish the current top-level expansion quietly */
	bool library;    /* reading the macro library: defs is the library's */
	const struct cc_token *use; /* the top-level macro use being expanded */
};

/*
 * The macro table: a hash table (a script may define many macros, and
 * every @name looks one up), growing by doubling, in the arena.  Chains
 * are most recent first, so a macro defined twice (an error) finds the
 * later one.
 */
struct macros {
	struct macro **buckets;
	unsigned nbuckets; /* a power of two, or 0 */
	unsigned n;
};

/* One macro parameter binding while a body expands. */
struct binding {
	const struct macro *m;
	struct cc_token **args; /* each an EOF-terminated list */
	const struct binding *up;
};

static void emit(struct pp *pp, const struct cc_token *t)
{
	struct cc_token *c;

	if (pp->depth > 0 && ++pp->ntoks > PP_MAX_TOKENS) {
		if (!pp->limit_hit)
			cc_error_at(&pp->cx->diag, &pp->use->loc,
				    "expanding @%s gives more than %u tokens (macros that use each "
				    "other several times?)",
				    pp->use->str, PP_MAX_TOKENS);
		pp->limit_hit = true;
		return;
	}
	c = cc_alloc(pp->cx->arena, sizeof(*c));
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

/*
 * A condition is evaluated from its own token list, which ends with an
 * EOF token standing for the '%?' that closed it; the cursor never moves
 * past that EOF.
 */
struct cond {
	struct pp *pp;
	struct cc_token *t; /* cursor */
	int depth;          /* parentheses and '!' */
	bool bad;
};

static const char *cond_describe(struct cond *c, const struct cc_token *t)
{
	return t->kind == TK_EOF ? "'%?'" : cc_tok_describe(c->pp->cx, t);
}

static void cond_error(struct cond *c, const struct cc_token *t, const char *what)
{
	if (!c->bad)
		cc_error_at(&c->pp->cx->diag, &t->loc, "%s in preprocessor condition, found %s",
			    what, cond_describe(c, t));
	c->bad = true;
}

static struct cc_token *cond_next(const struct cc_token *t)
{
	return t->kind == TK_EOF ? (struct cc_token *)t : t->next;
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

/*
 * A negative number ("-" NUMBER, e.g. $1 given as -5) as one number
 * token, so that it compares as a number; any other token as it is.
 */
static struct cc_token *cond_operand(struct cond *c, struct cc_token *t)
{
	struct cc_ctx *cx = c->pp->cx;
	struct cc_token *n;

	if (!is_op(t, "-") || t->next->kind != TK_NUM)
		return t;
	n = cc_alloc(cx->arena, sizeof(*n));
	*n = *t->next; /* and so n->next is what follows the number */
	n->loc = t->loc;
	n->text = cc_sprintf(cx->arena, "-%.*s", t->next->len, t->next->text);
	n->len = (int)strlen(n->text);
	if (!cc_num_negate(t->next->num, &n->num)) {
		if (!c->bad)
			cc_error_at(&cx->diag, &t->loc,
				    "number '%s' out of range for a 64-bit long", n->text);
		c->bad = true;
		n->num = 0;
	}
	return n;
}

static bool cond_or(struct cond *c);

/*
 * cond_term = "(" cond ")" | "!" term | operand relop operand | number
 * operand   = ident | string | ["-"] number
 */
static bool cond_term(struct cond *c)
{
	struct cc_ctx *cx = c->pp->cx;
	struct cc_token *lhs = cond_operand(c, c->t);
	const char *op;
	struct cc_token *rhs;
	bool v;

	if (lhs->kind == TK_EOF) {
		cond_error(c, lhs, "expected a condition");
		return false;
	}
	if (is_op(lhs, "(") || is_op(lhs, "!")) {
		if (++c->depth > PP_MAX_NESTING) {
			cond_error(c, lhs, "nesting too deep");
			return false;
		}
		c->t = lhs->next;
		if (is_op(lhs, "!")) {
			v = !cond_term(c);
		} else {
			v = cond_or(c);
			if (!is_op(c->t, ")"))
				cond_error(c, c->t, "expected ')'");
			else
				c->t = c->t->next;
		}
		c->depth--;
		return v;
	}
	op = rel_op(lhs->next);
	if (!op) {
		/* A bare number is true when non-zero. */
		if (lhs->kind == TK_NUM) {
			c->t = lhs->next;
			return lhs->num != 0;
		}
		cond_error(c, lhs->next,
			   cc_sprintf(cx->arena, "expected a comparison operator after %s",
				      cc_tok_describe(cx, lhs)));
		return false;
	}
	rhs = cond_operand(c, lhs->next->next);
	c->t = cond_next(rhs);
	if (rhs->kind == TK_EOF) {
		cond_error(c, rhs, cc_sprintf(cx->arena, "expected a value after '%s'", op));
		return false;
	}

	if (lhs->kind == TK_IDENT &&
	    (!strcmp(lhs->str, "kernel_v") || !strcmp(lhs->str, "kernel_vr") ||
	     !strcmp(lhs->str, "systemtap_v"))) {
		const char *mine = !strcmp(lhs->str, "kernel_v")    ? cx->kern.version
				   : !strcmp(lhs->str, "kernel_vr") ? cx->kern.release
				   : cx->compatible		    ? cx->compatible
								    : CC_SYSTEMTAP_V;

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
		int64_t guru = cx->guru; /* -g */

		if (rhs->kind != TK_NUM) {
			cond_error(c, rhs, "expected a number");
			return false;
		}
		return cmp_result(guru < rhs->num ? -1 : guru > rhs->num ? 1 : 0, op);
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
	else if (!c->bad)
		cc_error_at(&cx->diag, &lhs->loc,
			    "cannot compare %s with %s in preprocessor condition (numbers compare "
			    "with numbers, strings with strings)",
			    cc_tok_describe(cx, lhs), cond_describe(c, rhs));
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

/* What stops a walk (returned, not consumed): the conditional's operators. */
enum {
	STOP_THEN = 1, /* %? */
	STOP_ELSE = 2, /* %: */
	STOP_END = 4,  /* %) */
};

static struct cc_token *walk(struct pp *pp, struct cc_token *t, const struct binding *b,
			     int stops, bool skipping);

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void add_macro(struct pp *pp, struct macro *m)
{
	struct macros *d = pp->defs;
	unsigned i;

	if (d->n >= d->nbuckets) {
		unsigned nb = d->nbuckets ? 2 * d->nbuckets : 64;
		struct macro **b = cc_alloc(pp->cx->arena, sizeof(*b) * nb);

		/* rehash oldest first within each chain, keeping most recent first */
		for (i = 0; i < d->nbuckets; i++) {
			struct macro *c = d->buckets[i], *rev = NULL, *next;

			for (; c; c = next) {
				next = c->next;
				c->next = rev;
				rev = c;
			}
			for (c = rev; c; c = next) {
				unsigned h = name_hash(c->name) & (nb - 1);

				next = c->next;
				c->next = b[h];
				b[h] = c;
			}
		}
		d->buckets = b;
		d->nbuckets = nb;
	}
	i = name_hash(m->name) & (d->nbuckets - 1);
	m->next = d->buckets[i];
	d->buckets[i] = m;
	d->n++;
}

static struct macro *find_in(const struct macros *d, const char *name)
{
	struct macro *m;

	if (!d || !d->nbuckets)
		return NULL;
	for (m = d->buckets[name_hash(name) & (d->nbuckets - 1)]; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/*
 * The macro library: the @defines of the tapsets' *.stpm files
 * (@choose_defined, @this1 ...), which every file may use, as in stap.
 * Read once per compilation, when a file first uses a macro it does not
 * define itself; the files' other tokens are dropped.
 */
static const struct macros *library(struct cc_ctx *cx)
{
	struct macros *lib = cx->macro_lib;
	struct cc_vec srcs = { 0 };
	int i;

	if (lib)
		return lib;
	lib = cc_alloc(cx->arena, sizeof(*lib));
	cx->macro_lib = lib;
	cc_macro_sources(cx, &srcs);
	for (i = 0; i < srcs.n; i++) {
		struct pp pp = { .cx = cx, .defs = lib, .library = true };

		pp.argtoks = cc_alloc(cx->arena, sizeof(*pp.argtoks) * (size_t)(cx->argc + 1));
		pp.tail = &pp.head;
		walk(&pp, cc_lex(cx, srcs.v[i]), NULL, 0, false);
	}
	return lib;
}

/* A file's own macros first; then, unless it is the library, the library's. */
static struct macro *find_macro(struct pp *pp, const char *name)
{
	struct macro *m = find_in(pp->defs, name);

	if (m || pp->library)
		return m;
	return find_in(library(pp->cx), name);
}

/* Script argument $N / @N as tokens. */
static void emit_arg(struct pp *pp, const struct cc_token *t, bool as_string)
{
	struct cc_ctx *cx = pp->cx;
	char *end;
	long idx = strtol(t->str, &end, 10);
	struct cc_token nt = *t, *at;
	const char *arg;
	long long v;

	if (*end || idx < 1 || idx > cx->argc) {
		if (*end)
			cc_error_at(&cx->diag, &t->loc,
				    "'%c%s' is not a script argument: they are %c1 .. %cN, and %c#",
				    as_string ? '@' : '$', t->str, as_string ? '@' : '$',
				    as_string ? '@' : '$', as_string ? '@' : '$');
		else
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
		/*
		 * A negative one is "-" and its magnitude, as stap, which pastes
		 * the argument's text, reads it: a number token is always a
		 * literal as written (see cc_num_wrap), so -$1 and a[$1] mean
		 * what they do in stap.
		 */
		if (v < 0) {
			struct cc_token minus = nt;

			minus.kind = TK_OP;
			minus.text = "-";
			minus.len = 1;
			minus.str = NULL;
			emit(pp, &minus);
			nt.space_before = false;
		}
		nt.kind = TK_NUM;
		nt.num = v < 0 ? cc_num_wrap(0 - (uint64_t)v) : v;
		emit(pp, &nt);
		return;
	}
	/*
	 * Not a number: splice in its tokens, located at the $N.  They are
	 * lexed once (and a mistake in them reported once) however often $N
	 * is used, and what all uses splice in is bounded like macro output.
	 */
	if (!pp->argtoks[idx - 1]) {
		struct cc_srcfile *f = cc_alloc(cx->arena, sizeof(*f));
		int ne = cx->diag.nerrors;

		f->name = cc_sprintf(cx->arena, "argument $%ld", idx);
		f->text = cc_strdup(cx->arena, arg);
		f->len = strlen(arg);
		pp->argtoks[idx - 1] = cc_lex(cx, f);
		if (cx->diag.nerrors != ne)
			cc_error_at(&cx->diag, &t->loc, "argument $%ld ('%s') is not a number", idx,
				    arg);
	}
	for (at = pp->argtoks[idx - 1]; at->kind != TK_EOF; at = at->next) {
		if (++pp->nsplice > PP_MAX_TOKENS) {
			if (pp->nsplice == PP_MAX_TOKENS + 1)
				cc_error_at(&cx->diag, &t->loc,
					    "script arguments spliced into the script give more than "
					    "%u tokens",
					    PP_MAX_TOKENS);
			return;
		}
		nt = *at;
		nt.loc = t->loc;
		nt.space_before = at == pp->argtoks[idx - 1] ? t->space_before : at->space_before;
		emit(pp, &nt);
	}
}

/*
 * Split "( a, b(c, d), e )" into argument token lists.  t points at "(".
 * Returns the token after ")" (or the EOF token when there is none) and
 * sets *ret, or NULL after an error.
 */
static struct cc_token *macro_args(struct pp *pp, struct cc_token *t, const struct macro *m,
				   struct cc_token ***ret)
{
	struct cc_ctx *cx = pp->cx;
	struct cc_token **args = cc_alloc(cx->arena, sizeof(*args) * (size_t)(m->nparams + 1));
	struct cc_token *open = t, head, *tail;
	int depth = 0, n = 0;

	*ret = NULL;
	t = t->next;
	head.next = NULL;
	tail = &head;
	for (;;) {
		if (t->kind == TK_EOF) {
			cc_error_at(&cx->diag, &open->loc,
				    "unterminated argument list of macro @%s: '(' without ')'", m->name);
			return t;
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
		return t->next;
	}
	*ret = args;
	return t->next;
}

/* The @operators of the language, which a macro may not shadow. */
static bool is_builtin_at(const char *name)
{
	static const char *const ops[] = {
		"define", "count", "sum", "min", "max", "avg", "variance", "hist_log",
		"hist_linear", "defined", "entry", "cast", "var", "kregister", "uregister",
		"probewrite", "const", NULL,
	};
	int i;

	for (i = 0; ops[i]; i++)
		if (!strcmp(ops[i], name))
			return true;
	return false;
}

/*
 * After a mistake in a parameter list: on to its ')' (or the body's '%(')
 * so the body is still read as the body and the macro still defined,
 * which keeps one mistake one error.
 */
static struct cc_token *skip_params(struct cc_token *t)
{
	while (t->kind != TK_EOF && !is_op(t, ")") && !is_op(t, "%("))
		t = t->next;
	return t;
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
	m->loc = name->loc;
	if (is_builtin_at(m->name))
		cc_error_at(&cx->diag, &name->loc,
			    "cannot define macro @%s: @%s is a built-in operator", m->name, m->name);
	t = name->next;
	if (is_op(t, "(")) {
		struct cc_vec params = { 0 };
		int i;

		t = t->next;
		while (!is_op(t, ")")) {
			if (t->kind != TK_IDENT) {
				cc_error_at(&cx->diag, &t->loc,
					    "expected a parameter name in @define %s, found %s",
					    m->name, cc_tok_describe(cx, t));
				t = skip_params(t);
				break;
			}
			for (i = 0; i < params.n; i++)
				if (!strcmp(params.v[i], t->str))
					cc_error_at(&cx->diag, &t->loc,
						    "duplicate parameter '%s' in @define %s", t->str,
						    m->name);
			cc_vec_push(cx->arena, &params, t->str);
			t = t->next;
			if (is_op(t, ","))
				t = t->next;
			else if (!is_op(t, ")")) {
				cc_error_at(&cx->diag, &t->loc,
					    "expected ',' or ')' in @define %s, found %s", m->name,
					    cc_tok_describe(cx, t));
				t = skip_params(t);
				break;
			}
		}
		if (is_op(t, ")"))
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
	{
		/* a file may redefine a library macro for itself, not its own twice */
		const struct macro *prev = find_in(pp->defs, m->name);

		if (prev)
			cc_error_at(&cx->diag, &name->loc, "macro @%s defined twice (first at %d:%d)",
				    m->name, prev->loc.line, prev->loc.col);
	}
	add_macro(pp, m);
	return t->next;
}

/* Whether a bound was hit in the macro expansion under way: it is being dropped. */
static bool dropping(const struct pp *pp)
{
	return pp->depth > 0 && (pp->unwind || pp->limit_hit);
}

/* Skip a conditional nested too deeply: to its matching %), without recursion. */
static struct cc_token *skip_conditional(struct cc_token *t)
{
	int depth = 0;

	for (; t->kind != TK_EOF; t = t->next) {
		if (is_op(t, "%("))
			depth++;
		else if (is_op(t, "%)") && --depth == 0)
			return t->next;
	}
	return t;
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

	if (pp->nest >= PP_MAX_NESTING) {
		if (!skipping)
			cc_error_at(&cx->diag, &open->loc,
				    "conditionals nest more than %d deep", PP_MAX_NESTING);
		/* in a macro body this is runaway recursion: drop the whole expansion */
		if (pp->depth > 0)
			pp->unwind = true;
		return skip_conditional(open);
	}
	pp->nest++;
	/*
	 * The condition may use $N and macros, so run it through the walker
	 * into a private list first, then evaluate that.
	 */
	sub = *pp;
	sub.head.next = NULL;
	sub.tail = &sub.head;
	t = walk(&sub, t->next, b, STOP_THEN | STOP_ELSE | STOP_END, skipping);
	pp->ntoks = sub.ntoks;
	pp->nexp = sub.nexp;
	pp->nsplice = sub.nsplice;
	pp->limit_hit = sub.limit_hit;
	pp->unwind = sub.unwind;
	pp->use = sub.use;
	/* a limit hit inside the condition drops this conditional quietly */
	skipping = skipping || dropping(pp);
	ctoks.next = sub.head.next;
	for (ctail = &ctoks; ctail->next; ctail = ctail->next)
		;
	eof = cc_alloc(cx->arena, sizeof(*eof));
	eof->kind = TK_EOF;
	eof->loc = t->loc;
	ctail->next = eof;
	if (!is_op(t, "%?")) {
		if (!skipping)
			cc_error_at(&cx->diag, t->kind == TK_EOF ? &open->loc : &t->loc,
				    "expected '%%?' after the condition of '%%(', found %s",
				    cc_tok_describe(cx, t));
		/* recover after the %) that ends this conditional, if there is one */
		if (!is_op(t, "%)"))
			t = walk(pp, t, b, STOP_END, true);
		pp->nest--;
		return is_op(t, "%)") ? t->next : t;
	}
	if (!skipping) {
		c.t = ctoks.next;
		v = cond_or(&c);
		if (!c.bad && c.t->kind != TK_EOF)
			cond_error(&c, c.t, "expected '&&', '||' or '%?'");
	}
	t = walk(pp, t->next, b, STOP_ELSE | STOP_END, skipping || !v);
	if (is_op(t, "%:"))
		t = walk(pp, t->next, b, STOP_END, skipping || v);
	pp->nest--;
	if (!is_op(t, "%)")) {
		/* only EOF ends the walks above without a %) */
		if (!dropping(pp))
			cc_error_at(&cx->diag, &open->loc,
				    "unterminated conditional: '%%(' without '%%)'");
		return t;
	}
	return t->next;
}

static bool stops_at(const struct cc_token *t, int stops)
{
	return ((stops & STOP_THEN) && is_op(t, "%?")) || ((stops & STOP_ELSE) && is_op(t, "%:")) ||
	       ((stops & STOP_END) && is_op(t, "%)"));
}

/* Expand a macro use (t is @NAME, m its macro); returns the token after it. */
static struct cc_token *expand_macro(struct pp *pp, struct cc_token *t, struct macro *m,
				     const struct binding *b)
{
	struct cc_ctx *cx = pp->cx;
	struct binding nb = { .m = m, .up = b };
	struct cc_token *after = t->next;

	if (m->nparams) {
		if (!is_op(t->next, "(")) {
			cc_error_at(&cx->diag, &t->loc, "macro @%s takes %d argument%s: @%s(...)",
				    m->name, m->nparams, m->nparams == 1 ? "" : "s", m->name);
			return t->next;
		}
		after = macro_args(pp, t->next, m, &nb.args);
		if (!nb.args)
			return after;
	}
	if (pp->limit_hit)
		return after;
	if (!pp->depth)
		pp->use = t;
	if (++pp->nexp > PP_MAX_TOKENS) {
		cc_error_at(&cx->diag, &pp->use->loc,
			    "expanding @%s takes more than %u macro expansions (macros that use "
			    "each other several times?)",
			    pp->use->str, PP_MAX_TOKENS);
		pp->limit_hit = true;
		return after;
	}
	if (pp->depth + 1 >= PP_MAX_EXPANSION_DEPTH) {
		if (!m->too_deep)
			cc_error_at(&cx->diag, &t->loc,
				    "macro @%s expands more than %d levels deep (does it use itself?)",
				    m->name, PP_MAX_EXPANSION_DEPTH);
		m->too_deep = true;
		/* one report: a recursive macro would otherwise report at every leaf */
		pp->unwind = true;
		return after;
	}
	pp->depth++;
	walk(pp, m->body, &nb, 0, false);
	if (--pp->depth == 0)
		pp->unwind = false;
	return after;
}

/*
 * Copy tokens to the output until one of the stop operators appears at
 * this nesting level (returned, not consumed) or EOF.  With skipping, the
 * tokens are only scanned for nesting.  After an expansion limit was hit,
 * macro bodies are only scanned too.
 */
static struct cc_token *walk(struct pp *pp, struct cc_token *t, const struct binding *b,
			     int stops, bool skipping)
{
	struct cc_ctx *cx = pp->cx;

	while (t && t->kind != TK_EOF) {
		bool skip = skipping || dropping(pp);

		if (stops_at(t, stops))
			return t;
		if (is_op(t, "%(")) {
			t = conditional(pp, t, b, skip);
			continue;
		}
		if (is_op(t, "%?") || is_op(t, "%:") || is_op(t, "%)")) {
			if (!skip)
				cc_error_at(&cx->diag, &t->loc, "'%.*s' outside of a '%%(' conditional",
					    t->len, t->text);
			t = t->next;
			continue;
		}
		if (skip) {
			t = t->next;
			continue;
		}
		if (t->kind == TK_AT && !strcmp(t->str, "define")) {
			t = define_macro(pp, t);
			continue;
		}
		if ((t->kind == TK_TARGET || t->kind == TK_AT) && !strcmp(t->str, "#")) {
			struct cc_token nt = *t;

			/* $# is the number, @# the same as a string literal (stap(1)) */
			if (t->kind == TK_AT) {
				nt.kind = TK_STR;
				nt.str = cc_sprintf(cx->arena, "%d", cx->argc);
				nt.slen = strlen(nt.str);
			} else {
				nt.kind = TK_NUM;
				nt.num = cx->argc;
			}
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

			/* a parameter of an enclosing macro? its tokens, in the caller's scope */
			for (bb = b; bb; bb = bb->up) {
				int i;

				for (i = 0; i < bb->m->nparams; i++)
					if (!strcmp(bb->m->params[i], t->str))
						break;
				if (i < bb->m->nparams) {
					walk(pp, bb->args[i], bb->up, 0, false);
					break;
				}
			}
			if (bb) {
				t = t->next;
				continue;
			}
			m = find_macro(pp, t->str);
			if (m) {
				t = expand_macro(pp, t, m, b);
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
	struct cc_token *t, *eof;

	pp.defs = cc_alloc(cx->arena, sizeof(*pp.defs));
	pp.argtoks = cc_alloc(cx->arena, sizeof(*pp.argtoks) * (size_t)(cx->argc + 1));
	pp.tail = &pp.head;
	t = walk(&pp, toks, NULL, 0, false);
	/*
	 * Always end with an EOF token (the lexer's, for its location), even
	 * after an expansion limit stopped emit(): the parser relies on it.
	 */
	eof = cc_alloc(cx->arena, sizeof(*eof));
	if (t)
		*eof = *t;
	eof->kind = TK_EOF;
	eof->next = NULL;
	pp.tail->next = eof;
	return pp.head.next;
}
