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

/* target = $name ( "->" name | "[" expr "]" | "." name )* */
static struct cc_node *target(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n = new_node(ps, N_TARGET, t);
	struct cc_vec v = { 0 };

	n->name = t->str;
	ps->t = t->next;
	/* member/array accesses are kept as strings, refused by elaboration */
	for (;;) {
		if (is(ps, "->")) {
			struct cc_token *f;

			ps->t = ps->t->next;
			f = expect_ident(ps, "a field name after '->'");
			push_arg(ps, n, &v, new_node(ps, N_STR, f));
			n->args[n->nargs - 1]->str = f->str;
		} else if (is(ps, "[") && !ps->t->space_before) {
			struct cc_token *open = ps->t;

			ps->t = ps->t->next;
			push_arg(ps, n, &v, expr(ps));
			expect_close(ps, "]", open);
		} else {
			break;
		}
	}
	return n;
}

/*
 * stat_op = ("@count" | "@sum" | "@min" | "@max" | "@avg") "(" expr ")"
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
		expect_close(ps, ")", open);
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
	if (!strcmp(name, "defined")) {
		struct cc_token *open;

		n = new_node(ps, N_DEFINED, t);
		ps->t = t->next;
		open = expect(ps, "(");
		n->lhs = expr(ps);
		expect_close(ps, ")", open);
		return n;
	}
	if (!strcmp(name, "entry") || !strcmp(name, "cast") || !strcmp(name, "var") ||
	    !strcmp(name, "kregister") || !strcmp(name, "uregister") ||
	    !strcmp(name, "probewrite") || !strcmp(name, "const")) {
		cc_error_at(&ps->cx->diag, &t->loc,
			    "'@%s' needs kernel debuginfo (DWARF), which this backend does not use",
			    name);
		ps->t = t->next;
		n = new_node(ps, N_NUM, t);
		if (is(ps, "(")) {
			struct cc_node dummy = { 0 };

			call_args(ps, &dummy);
		}
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
 *       | ident "(" args ")" | ident "[" expr ("," expr)* "]" | ident
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
		n->str = t->str;
		n->slen = t->slen;
		ps->t = t->next;
		/* adjacent literals concatenate, as in C and stap: one copy for the run */
		if (ps->t->kind == TK_STR) {
			const struct cc_token *u;
			size_t len = 0;
			char *s;

			for (u = t; u->kind == TK_STR; u = u->next)
				len += u->slen;
			s = cc_alloc(ps->cx->arena, len + 1);
			for (len = 0, u = t; u->kind == TK_STR; u = u->next) {
				memcpy(s + len, u->str, u->slen);
				len += u->slen;
			}
			n->str = s;
			n->slen = len;
			ps->t = (struct cc_token *)u;
		}
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
		if (is(ps, "[")) {
			struct cc_token *ix_open = ps->t;
			/* located at the name: messages point at the array, not the '[' */
			struct cc_node *ix = new_node(ps, N_INDEX, t);
			struct cc_vec v = { 0 };

			ix->lhs = n;
			ps->t = ps->t->next;
			do
				push_arg(ps, ix, &v, expr(ps));
			while (accept(ps, ","));
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

/* unary = ("-" | "+" | "!" | "~") unary | ("++" | "--") unary | postfix */
static struct cc_node *unary(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n;

	enter(ps);
	if (is(ps, "-") || is(ps, "+") || is(ps, "!") || is(ps, "~")) {
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

/* array_in = "[" expr ("," expr)* "]" "in" ident | comparison ["in" ident] */
static struct cc_node *array_in(struct parser *ps)
{
	struct cc_node *n;
	struct cc_token *t = ps->t;
	struct cc_vec v = { 0 };

	if (is(ps, "[")) {
		n = new_node(ps, N_IN, t);
		ps->t = t->next;
		do
			push_arg(ps, n, &v, expr(ps));
		while (accept(ps, ","));
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
 * foreach = "foreach" "(" [ident "="] (ident [sort] | "[" ident [sort] ("," ident [sort])* "]")
 *           "in" ident ["@" extractor] [sort] ["limit" expr] ")" stmt
 * sort = "+" | "-"
 */
static struct cc_node *foreach_stmt(struct parser *ps, struct cc_token *kw)
{
	struct cc_node *n = new_node(ps, N_FOREACH, kw);
	struct cc_vec keys = { 0 };
	int nsorts = 0;
	struct cc_token *open = expect(ps, "(");

	/* value variable: ident "=" */
	if (ps->t->kind == TK_IDENT && cc_tok_is(ps->t->next, "=")) {
		n->lhs = new_node(ps, N_VAR, ps->t);
		n->lhs->name = ps->t->str;
		ps->t = ps->t->next->next;
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
	}
	n->sort_x = -1;
	if (ps->t->kind == TK_AT) {
		static const char *const xs[] = { "count", "sum", "min", "max", "avg" };
		int i;

		for (i = 0; i < 5; i++)
			if (!strcmp(ps->t->str, xs[i]))
				break;
		if (i == 5)
			fail(ps, ps->t, "an extractor (@count, @sum, @min, @max, @avg)");
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

/*
 * stmt = block | ";" | "if" "(" expr ")" stmt ["else" stmt] | "while" "(" expr ")" stmt
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
		fail_msg(ps, &t->loc, "try/catch is not supported yet");
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
 * component = (ident | "*" | number)+ glued without spaces ["(" (number | string) ")"]
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
			c->arg_is_str = true;
			c->str = ps->t->str;
		} else if (ps->t->kind == TK_NUM) {
			c->num = ps->t->num;
		} else if (cc_tok_is(ps->t, "-") && ps->t->next->kind == TK_NUM) {
			ps->t = ps->t->next;
			c->num = -ps->t->num;
		} else {
			fail(ps, ps->t, "a number or string as probe point parameter");
		}
		ps->t = ps->t->next;
		expect(ps, ")");
	}
}

/* point = component ("." component)* ("?" | "!")* ["if" "(" expr ")"] */
static struct cc_point *point(struct parser *ps, bool allow_cond)
{
	struct cc_point *p = cc_alloc(ps->cx->arena, sizeof(*p));
	struct cc_comp comps[32];
	int n = 0;

	p->loc = ps->t->loc;
	do {
		if (n == 32)
			fail_msg(ps, &ps->t->loc, "probe point has too many components");
		memset(&comps[n], 0, sizeof(comps[n]));
		component(ps, &comps[n++]);
	} while (accept(ps, "."));
	p->comps = cc_alloc(ps->cx->arena, sizeof(*p->comps) * (size_t)n);
	memcpy(p->comps, comps, sizeof(*p->comps) * (size_t)n);
	p->ncomps = n;
	for (;;) {
		if (accept(ps, "?"))
			p->optional = true;
		else if (accept(ps, "!"))
			p->optional = p->sufficient = true;
		else
			break;
	}
	if (allow_cond && is_kw(ps->t, "if")) {
		struct cc_token *open;

		ps->t = ps->t->next;
		open = expect(ps, "(");
		p->cond = expr(ps);
		expect_close(ps, ")", open);
	}
	return p;
}

/* probe = "probe" point ("," point)* block | "probe" point ("=" | "+=") point ("," point)* block */
static void probe_decl(struct parser *ps)
{
	struct cc_token *kw = ps->t;
	struct cc_probe *pr = cc_alloc(ps->cx->arena, sizeof(*pr));
	struct cc_vec pts = { 0 };
	struct cc_point *first;

	ps->t = kw->next;
	pr->loc = kw->loc;
	pr->privileged_tapset = ps->file->src->is_tapset;
	first = point(ps, true);
	if (is(ps, "=") || is(ps, "+=")) {
		if (first->cond || first->optional)
			fail_msg(ps, &first->loc, "an alias name cannot be optional or conditional");
		pr->is_alias = true;
		pr->is_epilogue = is(ps, "+=");
		pr->alias_name = first;
		ps->t = ps->t->next;
		first = point(ps, true);
	}
	cc_vec_push(ps->cx->arena, &pts, first);
	while (accept(ps, ","))
		cc_vec_push(ps->cx->arena, &pts, point(ps, true));
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
 * global = "global" gdecl ("," gdecl)* [";"]
 * gdecl  = ident ["[" number "]"] ["%"] ["=" literal]
 */
static void global_decl(struct parser *ps, bool is_private)
{
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
			if (cc_tok_is(v, "-") && v->next->kind == TK_NUM) {
				init = new_node(ps, N_NUM, v);
				init->num = (int64_t)(0 - (uint64_t)v->next->num);
				ps->t = v->next->next;
			} else if (v->kind == TK_NUM) {
				init = new_node(ps, N_NUM, v);
				init->num = v->num;
				ps->t = v->next;
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
		else if (is_kw(t, "global"))
			global_decl(&ps, priv);
		else if (is_kw(t, "function"))
			function_decl(&ps, priv);
		else if (t->kind == TK_EMBEDDED)
			fail_msg(&ps, &t->loc,
				 "embedded C ('%{ %}') is not supported: taphub runs only verified "
				 "eBPF, and -g (guru mode) is refused");
		else
			fail(&ps, t, priv ? "'global' or 'function' after 'private'"
					  : "'probe', 'global' or 'function'");
	}
	return ps.file;
}

struct cc_point *cc_parse_point(struct cc_ctx *cx, struct cc_token *toks)
{
	struct parser ps = { .cx = cx, .t = toks };
	struct cc_point *p;
	static const struct cc_srcfile none = { .name = "<pattern>" };

	ps.file = cc_alloc(cx->arena, sizeof(*ps.file));
	ps.file->src = &none;
	if (setjmp(ps.recover))
		return NULL;
	p = point(&ps, false);
	if (ps.t->kind != TK_EOF)
		fail(&ps, ps.t, "end of the probe point");
	return p;
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
