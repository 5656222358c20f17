// SPDX-License-Identifier: MIT
/*
 * The parser: preprocessed tokens -> AST (struct cc_file), by recursive
 * descent.  Each function carries its grammar rule.  Operator precedence
 * follows SystemTap's, loosest first:
 *
 *   assignment (= += ... <<<, right assoc) > ?: > || > && > | > ^ > &
 *   > in > comparison (< > <= >= == != =~ !~) > << >> > . > + - > * / %
 *   > unary (- + ! ~ ++ --) > postfix (++ --) > value
 *
 * Statement terminators are optional, as in SystemTap.  On an error the
 * parser reports it and resynchronises at the next top-level keyword
 * (probe, global, function, private) so one run reports several errors.
 * A missing closing bracket is reported with the place of the opening
 * one, and a keyword where a name belongs is called a keyword.
 *
 * Every later pass walks the tree recursively, so the tree's depth is
 * bounded here: nesting (parentheses, blocks, unary and right-associative
 * operators) and the length of left-associative chains (a + b + c ...)
 * together may not exceed PARSE_MAX_DEPTH.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

struct parser {
	struct cc_ctx *cx;
	struct cc_token *t;
	struct cc_file *file;
	jmp_buf recover; /* back to the top level after an error */
	int depth;       /* expression/statement nesting, bounded */
};

/* Deeper nesting than this is refused instead of overflowing the stack. */
#define PARSE_MAX_DEPTH 500
/* Parameters of one function (checked pairwise for duplicates). */
#define PARSE_MAX_PARAMS 64

static struct cc_node *expr(struct parser *ps);
static struct cc_node *stmt(struct parser *ps);
static struct cc_node *block(struct parser *ps);

static bool is_reserved(const char *s);

/* Like cc_tok_describe(), but calls a reserved word a keyword. */
static const char *describe(struct parser *ps, const struct cc_token *t)
{
	if (t->kind == TK_IDENT && is_reserved(t->str))
		return cc_sprintf(ps->cx->arena, "keyword '%s'", t->str);
	return cc_tok_describe(ps->cx, t);
}

static __attribute__((noreturn)) void fail(struct parser *ps, const struct cc_token *t,
					    const char *what)
{
	cc_error_at(&ps->cx->diag, &t->loc, "expected %s, found %s", what, describe(ps, t));
	longjmp(ps->recover, 1);
}

static __attribute__((noreturn)) void fail_msg(struct parser *ps, const struct cc_loc *loc,
						const char *msg)
{
	cc_error_at(&ps->cx->diag, loc, "%s", msg);
	longjmp(ps->recover, 1);
}

static bool is(struct parser *ps, const char *op)
{
	return cc_tok_is(ps->t, op);
}

static bool is_kw(const struct cc_token *t, const char *kw)
{
	return t->kind == TK_IDENT && !strcmp(t->str, kw);
}

static bool accept(struct parser *ps, const char *op)
{
	if (!is(ps, op))
		return false;
	ps->t = ps->t->next;
	return true;
}

static struct cc_token *expect(struct parser *ps, const char *op)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		fail(ps, t, cc_sprintf(ps->cx->arena, "'%s'", op));
	ps->t = t->next;
	return t;
}

/* A closing bracket: the message says which opening one it would close. */
static struct cc_token *expect_close(struct parser *ps, const char *op,
				     const struct cc_token *open)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		fail(ps, t,
		     cc_sprintf(ps->cx->arena, "'%s' to close the '%.*s' at %d:%d", op, open->len,
				open->text, open->loc.line, open->loc.col));
	ps->t = t->next;
	return t;
}

/* The end of a comma-separated list: a missing comma is the likely mistake. */
static struct cc_token *expect_list_close(struct parser *ps, const char *op,
					  const struct cc_token *open)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		fail(ps, t,
		     cc_sprintf(ps->cx->arena, "',' or '%s' to close the '%.*s' at %d:%d", op,
				open->len, open->text, open->loc.line, open->loc.col));
	ps->t = t->next;
	return t;
}

static struct cc_token *expect_ident(struct parser *ps, const char *what)
{
	struct cc_token *t = ps->t;

	if (t->kind != TK_IDENT)
		fail(ps, t, what);
	ps->t = t->next;
	return t;
}

/* A name the script chooses: an identifier that is not a keyword. */
static struct cc_token *expect_name(struct parser *ps, const char *what)
{
	struct cc_token *t = ps->t;

	if (t->kind != TK_IDENT || is_reserved(t->str))
		fail(ps, t, what);
	ps->t = t->next;
	return t;
}

static void enter(struct parser *ps)
{
	if (++ps->depth > PARSE_MAX_DEPTH)
		fail_msg(ps, &ps->t->loc,
			 cc_sprintf(ps->cx->arena,
				    "expression or statement nesting too deep (more than %d levels)",
				    PARSE_MAX_DEPTH));
}

/*
 * A left-associative chain a + b + c ... builds a tree as deep as the
 * chain is long, and later passes walk trees recursively: each link
 * counts as one level of nesting until the chain ends.
 */
static void chain_link(struct parser *ps, int *chain)
{
	enter(ps);
	(*chain)++;
}

static struct cc_node *new_node(struct parser *ps, int kind, const struct cc_token *at)
{
	struct cc_node *n = cc_alloc(ps->cx->arena, sizeof(*n));

	n->kind = kind;
	n->loc = at->loc;
	n->sort_by = -2;
	return n;
}

static const char *op_of(struct parser *ps, const struct cc_token *t)
{
	return cc_strndup(ps->cx->arena, t->text, (size_t)t->len);
}

static struct cc_node *binop(struct parser *ps, const struct cc_token *op, struct cc_node *l,
			     struct cc_node *r)
{
	struct cc_node *n = new_node(ps, N_BINOP, op);

	n->op = op_of(ps, op);
	n->lhs = l;
	n->rhs = r;
	return n;
}

static bool is_reserved(const char *s)
{
	static const char *const kw[] = {
		"probe", "global", "function", "if", "else", "while", "for", "foreach", "in",
		"limit", "break", "continue", "return", "next", "delete", "try", "catch",
		"private", "string", "long", NULL,
	};
	int i;

	for (i = 0; kw[i]; i++)
		if (!strcmp(s, kw[i]))
			return true;
	return false;
}

static void push_arg(struct parser *ps, struct cc_node *n, struct cc_vec *v, struct cc_node *a)
{
	cc_vec_push(ps->cx->arena, v, a);
	n->args = (struct cc_node **)v->v;
	n->nargs = v->n;
}

/* ---- expressions ------------------------------------------------------------ */

/*
 * string+: adjacent literals concatenate, as in C and stap (also in probe
 * point parameters, where @1 "suffix" is common).  One copy for the run.
 */
static char *string_run(struct parser *ps, size_t *ret_len)
{
	struct cc_token *t = ps->t, *u;
	size_t len = 0;
	char *s;

	if (t->next->kind != TK_STR) {
		ps->t = t->next;
		*ret_len = t->slen;
		return t->str;
	}
	for (u = t; u->kind == TK_STR; u = u->next)
		len += u->slen;
	s = cc_alloc(ps->cx->arena, len + 1);
	for (len = 0, u = t; u->kind == TK_STR; u = u->next) {
		memcpy(s + len, u->str, u->slen);
		len += u->slen;
	}
	ps->t = u;
	*ret_len = len;
	return s;
}

/*
 * keys = key ("," key)* ; key = expr | "*"
 * A '*' key makes a slice; elaboration says where one may stand.
 */
static void index_keys(struct parser *ps, struct cc_node *n)
{
	struct cc_vec v = { 0 };

	do {
		if (is(ps, "*") && (cc_tok_is(ps->t->next, ",") || cc_tok_is(ps->t->next, "]"))) {
			push_arg(ps, n, &v, new_node(ps, N_WILDCARD, ps->t));
			ps->t = ps->t->next;
		} else {
			push_arg(ps, n, &v, expr(ps));
		}
	} while (accept(ps, ","));
}

/* args = "(" [expr ("," expr)*] ")" */
static void call_args(struct parser *ps, struct cc_node *n)
{
	struct cc_vec v = { 0 };
	struct cc_token *open = expect(ps, "(");

	if (!accept(ps, ")")) {
		do
			push_arg(ps, n, &v, expr(ps));
		while (accept(ps, ","));
		expect_list_close(ps, ")", open);
	}
}

/* "$" or "$$" right after a value: stap's pretty-printing of a debuginfo value */
static bool pretty_suffix(const struct cc_token *t)
{
	return t->kind == TK_TARGET && !t->space_before && strspn(t->str, "$") == strlen(t->str);
}

/*
 * chain = ("->" ident | "[" expr "]")* ["$" | "$$"]: kept as N_STR names
 * and index expressions; the pretty-printing suffix is dropped
 */
static void member_chain(struct parser *ps, struct cc_node *n)
{
	struct cc_vec v = { 0 };
	int i;

	for (i = 0; i < n->nargs; i++)
		cc_vec_push(ps->cx->arena, &v, n->args[i]);
	for (;;) {
		if (is(ps, "->")) {
			struct cc_token *f;
			struct cc_node *m;

			ps->t = ps->t->next;
			f = expect_ident(ps, "a field name after '->'");
			m = new_node(ps, N_STR, f);
			m->str = f->str;
			m->slen = strlen(f->str);
			push_arg(ps, n, &v, m);
		} else if (is(ps, "[") && !ps->t->space_before) {
			struct cc_token *open = ps->t;

			ps->t = ps->t->next;
			push_arg(ps, n, &v, expr(ps));
			expect_close(ps, "]", open);
		} else {
			break;
		}
	}
	if (pretty_suffix(ps->t))
		ps->t = ps->t->next;
}

/* target = $name chain */
static struct cc_node *target(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n = new_node(ps, N_TARGET, t);

	n->name = t->str;
	ps->t = t->next;
	/*
	 * member accesses are refused by elaboration, an index is an array
	 * field's ($args[i]); $var[1]$$ is the same value here (tracepoint
	 * fields are plain values)
	 */
	member_chain(ps, n);
	return n;
}

/*
 * stat_op = ("@count" | "@sum" | "@min" | "@max" | "@avg") "(" expr ")"
 *         | "@variance" "(" expr ["," expr] ")"
 * entry   = "@entry" "(" expr ")" | "@defined" "(" expr ")"
 * hist    = "@hist_log" "(" expr ")" | "@hist_linear" "(" expr "," num "," num "," num ")"
 */
static struct cc_node *at_value(struct parser *ps)
{
	struct cc_token *t = ps->t;
	const char *name = t->str;
	struct cc_node *n;

	if (!strcmp(name, "count") || !strcmp(name, "sum") || !strcmp(name, "min") ||
	    !strcmp(name, "max") || !strcmp(name, "avg") || !strcmp(name, "variance")) {
		struct cc_token *open;

		n = new_node(ps, N_STATOP, t);
		n->name = t->str;
		ps->t = t->next;
		open = expect(ps, "(");
		n->lhs = expr(ps);
		/* @variance(s, N): N is a bit shift for the integer arithmetic */
		if (!strcmp(name, "variance") && accept(ps, ","))
			n->rhs = expr(ps);
		expect_list_close(ps, ")", open);
		return n;
	}
	if (!strcmp(name, "hist_log") || !strcmp(name, "hist_linear")) {
		n = new_node(ps, N_HIST, t);
		n->name = t->str;
		ps->t = t->next;
		call_args(ps, n);
		if (n->nargs < 1)
			fail_msg(ps, &t->loc,
				 cc_sprintf(ps->cx->arena, "@%s needs an aggregate argument", name));
		return n; /* the aggregate is args[0] */
	}
	if (!strcmp(name, "defined") || !strcmp(name, "entry")) {
		struct cc_token *open;

		n = new_node(ps, name[0] == 'd' ? N_DEFINED : N_ENTRY, t);
		ps->t = t->next;
		open = expect(ps, "(");
		n->lhs = expr(ps);
		expect_close(ps, ")", open);
		return n;
	}
	if (!strcmp(name, "cast") || !strcmp(name, "var") ||
	    !strcmp(name, "kregister") || !strcmp(name, "uregister") ||
	    !strcmp(name, "probewrite") || !strcmp(name, "const") || !strcmp(name, "perf")) {
		/*
		 * Parsed whole, with its ->member/[index] chain, and refused at
		 * pass 2 (elaborate.c): under @defined() it is simply not
		 * defined, which tapset-style fallbacks rely on.
		 */
		n = new_node(ps, N_DWARF, t);
		n->name = cc_sprintf(ps->cx->arena, "@%s", name);
		ps->t = t->next;
		if (is(ps, "("))
			call_args(ps, n);
		member_chain(ps, n);
		return n;
	}
	fail_msg(ps, &t->loc,
		 cc_sprintf(ps->cx->arena,
			    "'@%s' is neither a macro (@define %s %%( ... %%)) nor a built-in "
			    "operator",
			    name, name));
}

/*
 * value = number | string | "(" expr ")" | target | at_value
 *       | ident "(" args ")" | ident "[" keys "]" | ident
 */
static struct cc_node *value(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n;

	switch (t->kind) {
	case TK_NUM:
		n = new_node(ps, N_NUM, t);
		n->num = t->num;
		ps->t = t->next;
		return n;
	case TK_STR:
		n = new_node(ps, N_STR, t);
		n->str = string_run(ps, &n->slen);
		return n;
	case TK_TARGET:
		return target(ps);
	case TK_AT:
		return at_value(ps);
	case TK_EMBEDDED:
		fail_msg(ps, &t->loc,
			 "embedded C ('%{ %}') is not supported: taphub runs only verified eBPF, "
			 "and -g (guru mode) is refused");
	case TK_IDENT:
		if (is_reserved(t->str))
			fail(ps, t, "an expression");
		ps->t = t->next;
		if (is(ps, "(")) {
			n = new_node(ps, N_CALL, t);
			n->name = t->str;
			call_args(ps, n);
			return n;
		}
		n = new_node(ps, N_VAR, t);
		n->name = t->str;
		if (is(ps, "->")) {
			/* x->field: stap's autocast of a variable holding a typed pointer */
			struct cc_node *d = new_node(ps, N_DWARF, t);

			d->name = "->";
			d->lhs = n;
			member_chain(ps, d);
			return d;
		}
		if (is(ps, "[")) {
			struct cc_token *ix_open = ps->t;
			/* located at the name: messages point at the array, not the '[' */
			struct cc_node *ix = new_node(ps, N_INDEX, t);

			ix->lhs = n;
			ps->t = ps->t->next;
			index_keys(ps, ix);
			expect_list_close(ps, "]", ix_open);
			return ix;
		}
		return n;
	default:
		if (cc_tok_is(t, "(")) {
			ps->t = t->next;
			n = expr(ps);
			expect_close(ps, ")", t);
			return n;
		}
		fail(ps, t, "an expression");
	}
}

static bool is_lvalue(const struct cc_node *n)
{
	return n->kind == N_VAR || n->kind == N_INDEX || n->kind == N_TARGET;
}

/* postfix = value ["++" | "--"] */
static struct cc_node *postfix(struct parser *ps)
{
	struct cc_node *n = value(ps);

	if (is(ps, "++") || is(ps, "--")) {
		struct cc_node *c = new_node(ps, N_INCDEC, ps->t);

		if (!is_lvalue(n))
			fail_msg(ps, &ps->t->loc, "'++'/'--' needs a variable or array element");
		c->op = op_of(ps, ps->t);
		c->postfix = true;
		c->lhs = n;
		ps->t = ps->t->next;
		return c;
	}
	return n;
}

/*
 * unary = ("-" | "+" | "!" | "~") unary | ("++" | "--") unary | "&" unary | postfix
 *
 * '&' takes the address of a debuginfo-typed value (&$var->field,
 * &@cast(...)->f): parsed, and refused at pass 2 like @cast.
 */
static struct cc_node *unary(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n;

	enter(ps);
	if (is(ps, "&")) {
		ps->t = t->next;
		n = new_node(ps, N_DWARF, t);
		n->name = "&";
		n->lhs = unary(ps);
	} else if (is(ps, "-") || is(ps, "+") || is(ps, "!") || is(ps, "~")) {
		ps->t = t->next;
		n = new_node(ps, N_UNOP, t);
		n->op = op_of(ps, t);
		n->lhs = unary(ps);
	} else if (is(ps, "++") || is(ps, "--")) {
		ps->t = t->next;
		n = new_node(ps, N_INCDEC, t);
		n->op = op_of(ps, t);
		n->lhs = unary(ps);
		if (!is_lvalue(n->lhs))
			fail_msg(ps, &t->loc, "'++'/'--' needs a variable or array element");
	} else {
		n = postfix(ps);
	}
	ps->depth--;
	return n;
}

/* mul = unary (("*" | "/" | "%") unary)* */
static struct cc_node *mul(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = unary(ps);

	while (is(ps, "*") || is(ps, "/") || is(ps, "%")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, unary(ps));
	}
	ps->depth -= chain;
	return n;
}

/* add = mul (("+" | "-") mul)* */
static struct cc_node *add(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = mul(ps);

	while (is(ps, "+") || is(ps, "-")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, mul(ps));
	}
	ps->depth -= chain;
	return n;
}

/* concat = add ("." add)* */
static struct cc_node *concat(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = add(ps);

	while (is(ps, ".")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, add(ps));
	}
	ps->depth -= chain;
	return n;
}

/* shift = concat (("<<" | ">>") concat)* */
static struct cc_node *shift(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = concat(ps);

	while (is(ps, "<<") || is(ps, ">>")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, concat(ps));
	}
	ps->depth -= chain;
	return n;
}

/*
 * comparison = shift (("<" | ">" | "<=" | ">=" | "==" | "!=") shift
 *                     | ("=~" | "!~") string)*
 * The pattern of =~ is compiled with the script (compiler/regex.c), so it
 * must be a literal, as in stap.
 */
static struct cc_node *comparison(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = shift(ps);

	while (is(ps, "<") || is(ps, ">") || is(ps, "<=") || is(ps, ">=") || is(ps, "==") ||
	       is(ps, "!=") || is(ps, "=~") || is(ps, "!~")) {
		struct cc_token *op = ps->t;
		struct cc_node *r;

		chain_link(ps, &chain);
		ps->t = op->next;
		r = shift(ps);
		if ((cc_tok_is(op, "=~") || cc_tok_is(op, "!~")) && r->kind != N_STR)
			fail_msg(ps, &r->loc,
				 cc_sprintf(ps->cx->arena,
					    "the right side of '%.*s' must be a string literal: "
					    "regular expressions are compiled with the script",
					    op->len, op->text));
		n = binop(ps, op, n, r);
	}
	ps->depth -= chain;
	return n;
}

/* array_in = "[" keys "]" "in" ident | comparison ["in" ident] */
static struct cc_node *array_in(struct parser *ps)
{
	struct cc_node *n;
	struct cc_token *t = ps->t;
	struct cc_vec v = { 0 };

	if (is(ps, "[")) {
		n = new_node(ps, N_IN, t);
		ps->t = t->next;
		index_keys(ps, n);
		expect_list_close(ps, "]", t);
		if (!is_kw(ps->t, "in"))
			fail(ps, ps->t, "'in' after an index list");
	} else {
		struct cc_node *k = comparison(ps);

		if (!is_kw(ps->t, "in"))
			return k;
		n = new_node(ps, N_IN, ps->t);
		push_arg(ps, n, &v, k);
	}
	ps->t = ps->t->next; /* in */
	{
		struct cc_token *a = expect_name(ps, "an array name after 'in'");

		n->lhs = new_node(ps, N_VAR, a);
		n->lhs->name = a->str;
	}
	return n;
}

/* band = array_in ("&" array_in)*;  bxor = band ("^" band)*;  bor = bxor ("|" bxor)* */
static struct cc_node *band(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = array_in(ps);

	while (is(ps, "&")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, array_in(ps));
	}
	ps->depth -= chain;
	return n;
}

static struct cc_node *bxor(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = band(ps);

	while (is(ps, "^")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, band(ps));
	}
	ps->depth -= chain;
	return n;
}

static struct cc_node *bor(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = bxor(ps);

	while (is(ps, "|")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, bxor(ps));
	}
	ps->depth -= chain;
	return n;
}

/* land = bor ("&&" bor)*;  lor = land ("||" land)* */
static struct cc_node *land(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = bor(ps);

	while (is(ps, "&&")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, bor(ps));
	}
	ps->depth -= chain;
	return n;
}

static struct cc_node *lor(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = land(ps);

	while (is(ps, "||")) {
		struct cc_token *op = ps->t;

		chain_link(ps, &chain);
		ps->t = op->next;
		n = binop(ps, op, n, land(ps));
	}
	ps->depth -= chain;
	return n;
}

/* ternary = lor ["?" expr ":" ternary] */
static struct cc_node *ternary(struct parser *ps)
{
	struct cc_node *n = lor(ps);

	if (is(ps, "?")) {
		struct cc_node *t = new_node(ps, N_TERNARY, ps->t);

		enter(ps);
		ps->t = ps->t->next;
		t->cond = n;
		t->then = expr(ps);
		expect(ps, ":");
		t->els = ternary(ps);
		ps->depth--;
		return t;
	}
	return n;
}

static const char *const assign_ops[] = {
	"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", ".=", NULL,
};

/* assignment = ternary [(assign_op | "<<<") assignment] */
static struct cc_node *assignment(struct parser *ps)
{
	struct cc_node *n = ternary(ps);
	int i;

	if (is(ps, "<<<")) {
		struct cc_node *a = new_node(ps, N_AGG, ps->t);

		if (n->kind != N_VAR && n->kind != N_INDEX)
			fail_msg(ps, &ps->t->loc, "'<<<' needs a statistics variable or array element");
		enter(ps);
		ps->t = ps->t->next;
		a->op = "<<<";
		a->lhs = n;
		a->rhs = assignment(ps);
		ps->depth--;
		return a;
	}
	for (i = 0; assign_ops[i]; i++) {
		if (is(ps, assign_ops[i])) {
			struct cc_node *a = new_node(ps, N_ASSIGN, ps->t);

			if (!is_lvalue(n))
				fail_msg(ps, &ps->t->loc,
					 cc_sprintf(ps->cx->arena,
						    "left side of '%s' is not a variable or array element",
						    assign_ops[i]));
			enter(ps);
			a->op = assign_ops[i];
			ps->t = ps->t->next;
			a->lhs = n;
			a->rhs = assignment(ps);
			ps->depth--;
			return a;
		}
	}
	return n;
}

static struct cc_node *expr(struct parser *ps)
{
	struct cc_node *n;

	enter(ps);
	n = assignment(ps);
	ps->depth--;
	return n;
}

/* ---- statements ------------------------------------------------------------- */

/*
 * foreach = "foreach" "(" [ident [sort] "="] (ident [sort] | "[" ident [sort] ("," ident [sort])* "]")
 *           "in" ident ["[" keys "]"] ["@" extractor] [sort] ["limit" expr] ")" stmt
 * sort = "+" | "-"
 */
static struct cc_node *foreach_stmt(struct parser *ps, struct cc_token *kw)
{
	struct cc_node *n = new_node(ps, N_FOREACH, kw);
	struct cc_vec keys = { 0 };
	int nsorts = 0;
	struct cc_token *open = expect(ps, "(");

	/* value variable: ident [sort] "=" */
	if (ps->t->kind == TK_IDENT &&
	    (cc_tok_is(ps->t->next, "=") ||
	     ((cc_tok_is(ps->t->next, "+") || cc_tok_is(ps->t->next, "-")) &&
	      cc_tok_is(ps->t->next->next, "=")))) {
		n->lhs = new_node(ps, N_VAR, ps->t);
		n->lhs->name = ps->t->str;
		ps->t = ps->t->next;
		if (!is(ps, "=")) {
			n->sort_by = -1;
			n->sort_dir = is(ps, "+") ? 1 : -1;
			nsorts++;
			ps->t = ps->t->next;
		}
		ps->t = ps->t->next;
	}
	if (is(ps, "[")) {
		struct cc_token *kopen = ps->t;

		ps->t = ps->t->next;
		do {
			struct cc_token *k = expect_name(ps, "a key variable");
			struct cc_node *kv = new_node(ps, N_VAR, k);

			kv->name = k->str;
			push_arg(ps, n, &keys, kv);
			if (is(ps, "+") || is(ps, "-")) {
				n->sort_by = n->nargs - 1;
				n->sort_dir = is(ps, "+") ? 1 : -1;
				nsorts++;
				ps->t = ps->t->next;
			}
		} while (accept(ps, ","));
		expect_list_close(ps, "]", kopen);
	} else {
		struct cc_token *k = expect_name(ps, "a key variable or '['");
		struct cc_node *kv = new_node(ps, N_VAR, k);

		kv->name = k->str;
		push_arg(ps, n, &keys, kv);
		if (is(ps, "+") || is(ps, "-")) {
			n->sort_by = 0;
			n->sort_dir = is(ps, "+") ? 1 : -1;
			nsorts++;
			ps->t = ps->t->next;
		}
	}
	if (!is_kw(ps->t, "in"))
		fail(ps, ps->t, "'in'");
	ps->t = ps->t->next;
	{
		struct cc_token *a = expect_name(ps, "an array name after 'in'");

		n->rhs = new_node(ps, N_VAR, a);
		n->rhs->name = a->str;
		if (is(ps, "[")) {
			struct cc_token *sopen = ps->t;

			n->inc = new_node(ps, N_INDEX, a);
			n->inc->lhs = new_node(ps, N_VAR, a);
			n->inc->lhs->name = a->str;
			ps->t = sopen->next;
			index_keys(ps, n->inc);
			expect_list_close(ps, "]", sopen);
		}
	}
	n->sort_x = -1;
	if (ps->t->kind == TK_AT) {
		static const char *const xs[] = { "count", "sum", "min", "max", "avg", "variance" };
		int i;

		for (i = 0; i < 6; i++)
			if (!strcmp(ps->t->str, xs[i]))
				break;
		if (i == 6)
			fail(ps, ps->t, "an extractor (@count, @sum, @min, @max, @avg, @variance)");
		n->sort_x = i;
		ps->t = ps->t->next;
	}
	if (is(ps, "+") || is(ps, "-")) {
		n->sort_by = -1;
		n->sort_dir = is(ps, "+") ? 1 : -1;
		nsorts++;
		ps->t = ps->t->next;
	}
	if (nsorts > 1)
		fail_msg(ps, &kw->loc, "foreach may sort by only one key or the value");
	if (is_kw(ps->t, "limit")) {
		ps->t = ps->t->next;
		n->cond = expr(ps);
	}
	expect_close(ps, ")", open);
	n->body = stmt(ps);
	return n;
}

/* try = "try" block "catch" ["(" ident ")"] block */
static struct cc_node *try_stmt(struct parser *ps, struct cc_token *kw)
{
	struct cc_node *n = new_node(ps, N_TRY, kw);

	ps->t = kw->next;
	if (!is(ps, "{"))
		fail(ps, ps->t, "'{' to start the try block");
	n->body = block(ps);
	if (!is_kw(ps->t, "catch"))
		fail(ps, ps->t, "'catch' after the try block");
	ps->t = ps->t->next;
	if (is(ps, "(")) {
		struct cc_token *open = ps->t, *v;

		ps->t = open->next;
		v = expect_name(ps, "a variable for the error message");
		n->lhs = new_node(ps, N_VAR, v);
		n->lhs->name = v->str;
		expect_close(ps, ")", open);
	}
	if (!is(ps, "{"))
		fail(ps, ps->t, "'{' to start the catch block");
	n->els = block(ps);
	return n;
}

/*
 * stmt = block | ";" | try | "if" "(" expr ")" stmt ["else" stmt] | "while" "(" expr ")" stmt
 *      | "for" "(" [expr] ";" [expr] ";" [expr] ")" stmt | foreach
 *      | "break" | "continue" | "next" | "return" [expr] | "delete" expr | expr
 */
static struct cc_node *stmt(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n;

	enter(ps);
	if (cc_tok_is(t, "{")) {
		n = block(ps);
	} else if (cc_tok_is(t, ";")) {
		ps->t = t->next;
		n = new_node(ps, N_NOP, t);
	} else if (is_kw(t, "if")) {
		struct cc_token *open;

		n = new_node(ps, N_IF, t);
		ps->t = t->next;
		open = expect(ps, "(");
		n->cond = expr(ps);
		expect_close(ps, ")", open);
		n->then = stmt(ps);
		if (is_kw(ps->t, "else")) {
			ps->t = ps->t->next;
			n->els = stmt(ps);
		}
	} else if (is_kw(t, "while")) {
		struct cc_token *open;

		n = new_node(ps, N_WHILE, t);
		ps->t = t->next;
		open = expect(ps, "(");
		n->cond = expr(ps);
		expect_close(ps, ")", open);
		n->body = stmt(ps);
	} else if (is_kw(t, "for")) {
		struct cc_token *open;

		n = new_node(ps, N_FOR, t);
		ps->t = t->next;
		open = expect(ps, "(");
		if (!is(ps, ";"))
			n->init = expr(ps);
		expect(ps, ";");
		if (!is(ps, ";"))
			n->cond = expr(ps);
		expect(ps, ";");
		if (!is(ps, ")"))
			n->inc = expr(ps);
		expect_close(ps, ")", open);
		n->body = stmt(ps);
	} else if (is_kw(t, "foreach")) {
		ps->t = t->next;
		n = foreach_stmt(ps, t);
	} else if (is_kw(t, "break") || is_kw(t, "continue") || is_kw(t, "next")) {
		n = new_node(ps, is_kw(t, "break") ? N_BREAK : is_kw(t, "continue") ? N_CONTINUE : N_NEXT,
			     t);
		ps->t = t->next;
		accept(ps, ";");
	} else if (is_kw(t, "return")) {
		n = new_node(ps, N_RETURN, t);
		ps->t = t->next;
		/* "return" alone ends at ; or } */
		if (!is(ps, ";") && !is(ps, "}"))
			n->lhs = expr(ps);
		accept(ps, ";");
	} else if (is_kw(t, "delete")) {
		n = new_node(ps, N_DELETE, t);
		ps->t = t->next;
		n->lhs = expr(ps);
		if (n->lhs->kind != N_VAR && n->lhs->kind != N_INDEX)
			fail_msg(ps, &n->lhs->loc, "delete needs a variable, array or array element");
		accept(ps, ";");
	} else if (is_kw(t, "try")) {
		n = try_stmt(ps, t);
	} else if (is_kw(t, "else")) {
		fail_msg(ps, &t->loc, "'else' without a matching 'if'");
	} else {
		n = new_node(ps, N_EXPR, t);
		n->lhs = expr(ps);
		accept(ps, ";");
	}
	ps->depth--;
	return n;
}

/* block = "{" stmt* "}" */
static struct cc_node *block(struct parser *ps)
{
	struct cc_token *open = expect(ps, "{");
	struct cc_node *n = new_node(ps, N_BLOCK, open);
	struct cc_vec v = { 0 };

	while (!is(ps, "}")) {
		if (ps->t->kind == TK_EOF)
			fail_msg(ps, &open->loc, "unterminated block: '{' without '}'");
		if (ps->t->kind == TK_EMBEDDED)
			fail_msg(ps, &ps->t->loc,
				 "embedded C ('%{ %}') is not supported: taphub runs only verified "
				 "eBPF, and -g (guru mode) is refused");
		push_arg(ps, n, &v, stmt(ps));
	}
	ps->t = ps->t->next;
	return n;
}

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
			fail_msg(ps, &t->loc, "probe point component too long");
		memcpy(buf + n, piece, (size_t)len);
		n += (size_t)len;
		ps->t = t->next;
	}
	if (!n)
		fail(ps, ps->t, "a probe point component");
	c->name = cc_strndup(ps->cx->arena, buf, n);
	if (is(ps, "(")) {
		ps->t = ps->t->next;
		c->has_arg = true;
		if (ps->t->kind == TK_STR) {
			size_t slen;

			/* "a" "b" and @1 "b" (a script argument) are one string */
			c->arg_is_str = true;
			c->str = string_run(ps, &slen);
		} else if (!constant(ps, &c->num)) {
			fail(ps, ps->t, "a number or string as probe point parameter");
		}
		expect(ps, ")");
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
			       cc_tok_is(t, "=") || cc_tok_is(t, "+=") || is_kw(t, "if");
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
				fail(ps, t, "a probe point component");
			enter(ps);
			ps->t = t->next;
			alt = points(ps, allow_cond);
			expect_close(ps, "}", t);
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
			fail_msg(ps, &start->loc,
				 cc_sprintf(ps->cx->arena,
					    "the braces of this probe point expand to more than %d points",
					    PARSE_MAX_POINTS));
		{
			struct cc_vec prod = { 0 };

			for (i = 0; i < pts.n; i++) {
				const struct cc_point *pre = pts.v[i];

				if (pre->optional || pre->cond)
					fail_msg(ps, &t->loc,
						 "'?', '!' and 'if' may only end a probe point, not a "
						 "part that more components follow");
				if (pre->ncomps + 1 > 32)
					fail_msg(ps, &t->loc, "probe point has too many components");
				for (j = 0; j < alt.n; j++)
					cc_vec_push(ps->cx->arena, &prod, join(ps, pre, alt.v[j]));
			}
			pts = prod;
		}
	} while (accept(ps, "."));
	for (marks = 0;; marks++) {
		struct cc_token *t = ps->t;
		bool suff = cc_tok_is(t, "!");

		if (!suff && !cc_tok_is(t, "?"))
			break;
		for (i = 0; i < pts.n; i++) {
			struct cc_point *p = pts.v[i];

			/* {a?,b}? marks a twice: stap refuses that too */
			if (!marks && p->optional)
				fail_msg(ps, &t->loc, "'?' or '!' given twice for one probe point");
			p->optional = true;
			p->sufficient |= suff;
		}
		ps->t = t->next;
	}
	if (allow_cond && is_kw(ps->t, "if")) {
		struct cc_token *kw = ps->t, *open;
		struct cc_node *cond;

		ps->t = kw->next;
		open = expect(ps, "(");
		cond = expr(ps);
		expect_close(ps, ")", open);
		for (i = 0; i < pts.n; i++) {
			struct cc_point *p = pts.v[i];

			if (p->cond)
				fail_msg(ps, &kw->loc, "a probe point condition given twice");
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
			fail_msg(ps, &ps->t->loc,
				 cc_sprintf(ps->cx->arena, "more than %d probe points in one probe",
					    PARSE_MAX_POINTS));
		for (i = 0; i < one.n; i++)
			cc_vec_push(ps->cx->arena, &all, one.v[i]);
	} while (accept(ps, ","));
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
	if (is(ps, "=") || is(ps, "+=")) {
		struct cc_point *first = pts.v[0];

		if (pts.n > 1)
			fail_msg(ps, &first->loc, "an alias name cannot expand to several points");
		if (first->cond || first->optional)
			fail_msg(ps, &first->loc, "an alias name cannot be optional or conditional");
		pr->is_alias = true;
		pr->is_epilogue = is(ps, "+=");
		pr->alias_name = first;
		ps->t = ps->t->next;
		pts = points(ps, true);
	} else if (accept(ps, ",")) {
		struct cc_vec more = points(ps, true);
		int i;

		for (i = 0; i < more.n; i++)
			cc_vec_push(ps->cx->arena, &pts, more.v[i]);
	}
	pr->points = (struct cc_point **)pts.v;
	pr->npoints = pts.n;
	if (ps->t->kind == TK_EMBEDDED)
		fail_msg(ps, &ps->t->loc,
			 "embedded C ('%{ %}') is not supported: taphub runs only verified eBPF, "
			 "and -g (guru mode) is refused");
	if (!is(ps, "{"))
		fail(ps, ps->t,
		     pr->npoints == 1 && !pr->points[0]->cond
			     ? "'{' or ',' after the probe point"
			     : "'{' to start the probe's body");
	pr->body = block(ps);
	/* stap's combined form: probe a = b { prologue }, { epilogue } */
	if (pr->is_alias && is(ps, ",") && cc_tok_is(ps->t->next, "{")) {
		if (pr->is_epilogue)
			fail_msg(ps, &ps->t->loc,
				 "an epilogue alias ('+=') cannot have a second, epilogue body");
		ps->t = ps->t->next;
		pr->epilogue = block(ps);
	}
	cc_vec_push(ps->cx->arena, &ps->file->probes, pr);
}

static int type_name(struct parser *ps)
{
	struct cc_token *t = expect_ident(ps, "a type ('long' or 'string')");

	if (!strcmp(t->str, "long"))
		return TY_LONG;
	if (!strcmp(t->str, "string"))
		return TY_STRING;
	fail_msg(ps, &t->loc,
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
	if (is_kw(ps->t, "global"))
		ps->t = ps->t->next;
	do {
		struct cc_token *name = expect_name(ps, "a global variable name");
		struct cc_sym *s = cc_alloc(ps->cx->arena, sizeof(*s));

		s->name = name->str;
		s->kind = SYM_GLOBAL;
		s->loc = name->loc;
		s->is_private = is_private;
		if (accept(ps, "%"))
			s->wrapped = true;
		if (accept(ps, "[")) {
			struct cc_token *sz = ps->t;

			if (sz->kind != TK_NUM || sz->num <= 0)
				fail(ps, sz, "a positive array size");
			/* the runtime refuses bigger maps: say so here, at the line */
			if (sz->num > GRT_MAX_MAP_ENTRIES)
				cc_error_at(&ps->cx->diag, &sz->loc,
					    "array size %lld is above the limit of %d entries",
					    (long long)sz->num, GRT_MAX_MAP_ENTRIES);
			s->is_array = true;
			s->maxsize = sz->num;
			ps->t = sz->next;
			expect(ps, "]");
			if (accept(ps, "%"))
				s->wrapped = true;
		}
		if (accept(ps, "=")) {
			struct cc_token *v = ps->t;
			struct cc_node *init;

			if (s->is_array)
				fail_msg(ps, &v->loc, "an array cannot have an initializer");
			if (v->kind == TK_NUM || cc_tok_is(v, "-")) {
				init = new_node(ps, N_NUM, v);
				if (!constant(ps, &init->num))
					fail(ps, v, "a number or string literal as initializer");
			} else if (v->kind == TK_STR) {
				init = value(ps); /* adjacent literals concatenate here too */
			} else {
				fail(ps, v, "a number or string literal as initializer");
			}
			s->init = init;
			s->type = init->kind == N_NUM ? TY_LONG : TY_STRING;
		}
		cc_vec_push(ps->cx->arena, &ps->file->globals, s);
	} while (accept(ps, ","));
	accept(ps, ";");
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
	name = expect_name(ps, "a function name");
	f->name = name->str;
	f->loc = name->loc;
	f->is_private = is_private;
	if (accept(ps, ":")) {
		f->rettype = type_name(ps);
		f->typed_ret = true;
	}
	open = expect(ps, "(");
	if (!is(ps, ")")) {
		do {
			struct cc_token *pn = expect_name(ps, "a parameter name");
			struct cc_sym *s = cc_alloc(ps->cx->arena, sizeof(*s));
			int i;

			s->name = pn->str;
			s->kind = SYM_PARAM;
			s->loc = pn->loc;
			s->index = params.n;
			if (accept(ps, ":")) {
				s->type = type_name(ps);
				s->typed_decl = true;
			}
			if (params.n == PARSE_MAX_PARAMS)
				fail_msg(ps, &pn->loc,
					 cc_sprintf(ps->cx->arena,
						    "function '%s' has more than %d parameters",
						    f->name, PARSE_MAX_PARAMS));
			for (i = 0; i < params.n; i++)
				if (!strcmp(((struct cc_sym *)params.v[i])->name, s->name))
					cc_error_at(&ps->cx->diag, &pn->loc,
						    "duplicate parameter '%s' in function '%s'", s->name,
						    f->name);
			cc_vec_push(ps->cx->arena, &params, s);
		} while (accept(ps, ","));
	}
	expect_list_close(ps, ")", open);
	if (accept(ps, ":")) {
		if (f->typed_ret)
			fail_msg(ps, &ps->t->loc, "return type given twice");
		f->rettype = type_name(ps);
		f->typed_ret = true;
	}
	f->params = (struct cc_sym **)params.v;
	f->nparams = params.n;
	if (ps->t->kind == TK_EMBEDDED) {
		f->has_embedded = true;
		cc_error_at(&ps->cx->diag, &ps->t->loc,
			    "function '%s' is embedded C ('%%{ %%}'), which is not supported: "
			    "taphub runs only verified eBPF, and -g (guru mode) is refused",
			    f->name);
		ps->t = ps->t->next;
		return;
	}
	if (!is(ps, "{"))
		fail(ps, ps->t,
		     cc_sprintf(ps->cx->arena, "'{' to start the body of function '%s'", f->name));
	f->body = block(ps);
	cc_vec_push(ps->cx->arena, &ps->file->funcs, f);
}

/* Skip to the next top-level keyword after an error. */
static void resync(struct parser *ps)
{
	while (ps->t->kind != TK_EOF) {
		if (is_kw(ps->t, "probe") || is_kw(ps->t, "global") || is_kw(ps->t, "function") ||
		    is_kw(ps->t, "private"))
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
		if (is_kw(t, "private")) {
			priv = true;
			ps.t = t->next;
			t = ps.t;
		}
		if (is_kw(t, "probe") && !priv)
			probe_decl(&ps);
		else if (is_kw(t, "global") || (priv && t->kind == TK_IDENT && !is_reserved(t->str)))
			global_decl(&ps, priv);
		else if (is_kw(t, "function"))
			function_decl(&ps, priv);
		else if (t->kind == TK_EMBEDDED)
			fail_msg(&ps, &t->loc,
				 "embedded C ('%{ %}') is not supported: taphub runs only verified "
				 "eBPF, and -g (guru mode) is refused");
		else
			fail(&ps, t, priv ? "'global', 'function' or a variable name after 'private'"
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
		fail(&ps, ps.t, "end of the probe point");
	if (pts.n > 1)
		fail_msg(&ps, &((struct cc_point *)pts.v[0])->loc,
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
