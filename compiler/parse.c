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
#include "compiler/parse.h"

static struct cc_node *stmt(struct parser *ps);

/* Like cc_tok_describe(), but calls a reserved word a keyword. */
static const char *describe(struct parser *ps, const struct cc_token *t)
{
	if (t->kind == TK_IDENT && ps_is_reserved(t->str))
		return cc_sprintf(ps->cx->arena, "keyword '%s'", t->str);
	return cc_tok_describe(ps->cx, t);
}

__attribute__((noreturn)) void ps_fail(struct parser *ps, const struct cc_token *t,
				       const char *what)
{
	cc_error_at(&ps->cx->diag, &t->loc, "expected %s, found %s", what, describe(ps, t));
	longjmp(ps->recover, 1);
}

__attribute__((noreturn)) void ps_fail_msg(struct parser *ps, const struct cc_loc *loc,
					   const char *msg)
{
	cc_error_at(&ps->cx->diag, loc, "%s", msg);
	longjmp(ps->recover, 1);
}

bool ps_is(struct parser *ps, const char *op)
{
	return cc_tok_is(ps->t, op);
}

bool ps_is_kw(const struct cc_token *t, const char *kw)
{
	return t->kind == TK_IDENT && !strcmp(t->str, kw);
}

bool ps_accept(struct parser *ps, const char *op)
{
	if (!ps_is(ps, op))
		return false;
	ps->t = ps->t->next;
	return true;
}

struct cc_token *ps_expect(struct parser *ps, const char *op)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		ps_fail(ps, t, cc_sprintf(ps->cx->arena, "'%s'", op));
	ps->t = t->next;
	return t;
}

/* A closing bracket: the message says which opening one it would close. */
struct cc_token *ps_expect_close(struct parser *ps, const char *op, const struct cc_token *open)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		ps_fail(ps, t,
		     cc_sprintf(ps->cx->arena, "'%s' to close the '%.*s' at %d:%d", op, open->len,
				open->text, open->loc.line, open->loc.col));
	ps->t = t->next;
	return t;
}

/* The end of a comma-separated list: a missing comma is the likely mistake. */
struct cc_token *ps_expect_list_close(struct parser *ps, const char *op,
				      const struct cc_token *open)
{
	struct cc_token *t = ps->t;

	if (!cc_tok_is(t, op))
		ps_fail(ps, t,
		     cc_sprintf(ps->cx->arena, "',' or '%s' to close the '%.*s' at %d:%d", op,
				open->len, open->text, open->loc.line, open->loc.col));
	ps->t = t->next;
	return t;
}

struct cc_token *ps_expect_ident(struct parser *ps, const char *what)
{
	struct cc_token *t = ps->t;

	if (t->kind != TK_IDENT)
		ps_fail(ps, t, what);
	ps->t = t->next;
	return t;
}

/* A name the script chooses: an identifier that is not a keyword. */
struct cc_token *ps_expect_name(struct parser *ps, const char *what)
{
	struct cc_token *t = ps->t;

	if (t->kind != TK_IDENT || ps_is_reserved(t->str))
		ps_fail(ps, t, what);
	ps->t = t->next;
	return t;
}

void ps_enter(struct parser *ps)
{
	if (++ps->depth > PARSE_MAX_DEPTH)
		ps_fail_msg(ps, &ps->t->loc,
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
	ps_enter(ps);
	(*chain)++;
}

struct cc_node *cc_node_new(struct cc_ctx *cx, int kind, const struct cc_loc *loc)
{
	struct cc_node *n = cc_alloc(cx->arena, sizeof(*n));

	n->kind = kind;
	n->loc = *loc;
	n->sort_by = -2; /* foreach's "not sorted" */
	return n;
}

struct cc_node *ps_new_node(struct parser *ps, int kind, const struct cc_token *at)
{
	return cc_node_new(ps->cx, kind, &at->loc);
}

static const char *op_of(struct parser *ps, const struct cc_token *t)
{
	return cc_strndup(ps->cx->arena, t->text, (size_t)t->len);
}

static struct cc_node *binop(struct parser *ps, const struct cc_token *op, struct cc_node *l,
			     struct cc_node *r)
{
	struct cc_node *n = ps_new_node(ps, N_BINOP, op);

	n->op = op_of(ps, op);
	n->lhs = l;
	n->rhs = r;
	return n;
}

bool ps_is_reserved(const char *s)
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
char *ps_string_run(struct parser *ps, size_t *ret_len)
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
		if (ps_is(ps, "*") && (cc_tok_is(ps->t->next, ",") || cc_tok_is(ps->t->next, "]"))) {
			push_arg(ps, n, &v, ps_new_node(ps, N_WILDCARD, ps->t));
			ps->t = ps->t->next;
		} else {
			push_arg(ps, n, &v, ps_expr(ps));
		}
	} while (ps_accept(ps, ","));
}

/* args = "(" [expr ("," expr)*] ")" */
static void call_args(struct parser *ps, struct cc_node *n)
{
	struct cc_vec v = { 0 };
	struct cc_token *open = ps_expect(ps, "(");

	if (!ps_accept(ps, ")")) {
		do
			push_arg(ps, n, &v, ps_expr(ps));
		while (ps_accept(ps, ","));
		ps_expect_list_close(ps, ")", open);
	}
}

/* "$" or "$$" right after a value: stap's pretty-printing of a debuginfo value */
static bool pretty_suffix(const struct cc_token *t)
{
	return t->kind == TK_TARGET && !t->space_before && strspn(t->str, "$") == strlen(t->str);
}

/*
 * chain = ("->" ident | "[" expr "]")* ["$" | "$$"]: kept as N_STR names
 * and index expressions after the node's own arguments (num says how
 * many those are); the pretty-printing suffix is kept in str
 */
static void member_chain(struct parser *ps, struct cc_node *n)
{
	struct cc_vec v = { 0 };
	int i;

	n->num = n->nargs;
	for (i = 0; i < n->nargs; i++)
		cc_vec_push(ps->cx->arena, &v, n->args[i]);
	for (;;) {
		if (ps_is(ps, "->")) {
			struct cc_token *f;
			struct cc_node *m;

			ps->t = ps->t->next;
			f = ps_expect_ident(ps, "a field name after '->'");
			m = ps_new_node(ps, N_STR, f);
			m->op = "->"; /* a member's name, not an index that is a string */
			m->str = f->str;
			m->slen = strlen(f->str);
			push_arg(ps, n, &v, m);
		} else if (ps_is(ps, "[") && !ps->t->space_before) {
			struct cc_token *open = ps->t;

			ps->t = ps->t->next;
			push_arg(ps, n, &v, ps_expr(ps));
			ps_expect_close(ps, "]", open);
		} else {
			break;
		}
	}
	if (pretty_suffix(ps->t)) {
		n->str = ps->t->str;
		ps->t = ps->t->next;
	}
}

/* target = $name chain */
static struct cc_node *target(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n = ps_new_node(ps, N_TARGET, t);

	n->name = t->str;
	ps->t = t->next;
	/*
	 * a format field takes an index ($args[i]), a C argument a chain
	 * read through BTF ($prev->mm->arg_start, elaborate_btf.c)
	 */
	member_chain(ps, n);
	return n;
}

/*
 * deref = ("@kderef" | "@uderef") "(" size "," expr ")"
 *
 * stap's reads of SIZE (1, 2, 4 or 8) bytes at an address of kernel or
 * user memory, zero-extended, an error when the memory cannot be read:
 * the reads kernel_char ... kernel_long and user_uint8_error ...
 * user_uint64_error already are, which they become here.
 */
static struct cc_node *deref(struct parser *ps)
{
	static const char *const kfn[] = { "kernel_char", "kernel_short", "kernel_int", "kernel_long" };
	static const char *const ufn[] = { "user_uint8_error", "user_uint16_error",
					   "user_uint32_error", "user_uint64_error" };
	struct cc_token *t = ps->t, *open, *size;
	bool user = t->str[0] == 'u';
	struct cc_node *n, *mask;
	int lg;

	ps->t = t->next;
	open = ps_expect(ps, "(");
	size = ps->t;
	if (size->kind != TK_NUM || (size->num != 1 && size->num != 2 && size->num != 4 &&
				     size->num != 8))
		ps_fail(ps, size, "a size of 1, 2, 4 or 8 (bytes)");
	lg = size->num == 1 ? 0 : size->num == 2 ? 1 : size->num == 4 ? 2 : 3;
	ps->t = size->next;
	ps_expect(ps, ",");
	n = ps_new_node(ps, N_CALL, t);
	n->name = (char *)(user ? ufn[lg] : kfn[lg]);
	n->nargs = 1;
	n->args = cc_alloc(ps->cx->arena, sizeof(*n->args));
	n->args[0] = ps_expr(ps);
	ps_expect_close(ps, ")", open);
	if (user || lg == 3)
		return n;
	/* kernel_char/short/int sign-extend: keep the SIZE bytes only */
	mask = ps_new_node(ps, N_NUM, t);
	mask->num = (int64_t)((1ull << (8 << lg)) - 1);
	n = binop(ps, t, n, mask);
	n->op = "&";
	return n;
}

/*
 * stat_op = ("@count" | "@sum" | "@min" | "@max" | "@avg") "(" expr ")"
 *         | "@variance" "(" expr ["," expr] ")"
 * entry   = "@entry" "(" expr ")" | "@defined" "(" expr ")"
 * hist    = "@hist_log" "(" expr ")" | "@hist_linear" "(" expr "," num "," num "," num ")"
 * typed   = ("@cast" | "@task" | "@enum" | "@enumname" | ...) ["(" args ")"] chain
 */
static struct cc_node *at_value(struct parser *ps)
{
	struct cc_token *t = ps->t;
	const char *name = t->str;
	struct cc_node *n;

	if (!strcmp(name, "count") || !strcmp(name, "sum") || !strcmp(name, "min") ||
	    !strcmp(name, "max") || !strcmp(name, "avg") || !strcmp(name, "variance")) {
		struct cc_token *open;

		n = ps_new_node(ps, N_STATOP, t);
		n->name = t->str;
		ps->t = t->next;
		open = ps_expect(ps, "(");
		n->lhs = ps_expr(ps);
		/* @variance(s, N): N is a bit shift for the integer arithmetic */
		if (!strcmp(name, "variance") && ps_accept(ps, ","))
			n->rhs = ps_expr(ps);
		ps_expect_list_close(ps, ")", open);
		return n;
	}
	if (!strcmp(name, "hist_log") || !strcmp(name, "hist_linear")) {
		n = ps_new_node(ps, N_HIST, t);
		n->name = t->str;
		ps->t = t->next;
		call_args(ps, n);
		if (n->nargs < 1)
			ps_fail_msg(ps, &t->loc,
				 cc_sprintf(ps->cx->arena, "@%s needs an aggregate argument", name));
		if (ps_is(ps, "[")) {
			/* @hist_log(x)[i]: the count of bucket i */
			struct cc_token *open = ps->t;
			struct cc_node *h = ps_new_node(ps, N_HISTIDX, open);

			ps->t = open->next;
			h->lhs = n;
			h->rhs = ps_expr(ps);
			ps_expect_close(ps, "]", open);
			return h;
		}
		return n; /* the aggregate is args[0] */
	}
	if (!strcmp(name, "defined") || !strcmp(name, "entry")) {
		struct cc_token *open;

		n = ps_new_node(ps, name[0] == 'd' ? N_DEFINED : N_ENTRY, t);
		ps->t = t->next;
		open = ps_expect(ps, "(");
		n->lhs = ps_expr(ps);
		ps_expect_close(ps, ")", open);
		return n;
	}
	if (!strcmp(name, "kderef") || !strcmp(name, "uderef"))
		return deref(ps);
	if (!strcmp(name, "cast") || !strcmp(name, "task") || !strcmp(name, "var") ||
	    !strcmp(name, "enum") ||
	    !strcmp(name, "kregister") || !strcmp(name, "uregister") ||
	    !strcmp(name, "probewrite") || !strcmp(name, "const") || !strcmp(name, "perf") ||
	    !strcmp(name, "enum") || !strcmp(name, "enumname")) {
		/*
		 * Parsed whole, with its ->member/[index] chain: @cast and
		 * @task are read through BTF (elaborate_btf.c), the others are
		 * refused at pass 2 (elaborate.c): under @defined() they are
		 * simply not defined, which tapset-style fallbacks rely on.
		 */
		n = ps_new_node(ps, N_DWARF, t);
		n->name = cc_sprintf(ps->cx->arena, "@%s", name);
		ps->t = t->next;
		if (ps_is(ps, "("))
			call_args(ps, n);
		member_chain(ps, n);
		return n;
	}
	ps_fail_msg(ps, &t->loc,
		 cc_sprintf(ps->cx->arena,
			    "'@%s' is neither a macro (@define %s %%( ... %%)) nor a built-in "
			    "operator",
			    name, name));
}

/*
 * value = number | string | "(" expr ")" | target | at_value
 *       | ident "(" args ")" | ident "[" keys "]" | ident
 */
struct cc_node *ps_value(struct parser *ps)
{
	struct cc_token *t = ps->t;
	struct cc_node *n;

	switch (t->kind) {
	case TK_NUM:
		n = ps_new_node(ps, N_NUM, t);
		n->num = t->num;
		ps->t = t->next;
		return n;
	case TK_STR:
		n = ps_new_node(ps, N_STR, t);
		n->str = ps_string_run(ps, &n->slen);
		return n;
	case TK_TARGET:
		return target(ps);
	case TK_AT:
		return at_value(ps);
	case TK_EMBEDDED:
		ps_fail_msg(ps, &t->loc,
			 "embedded C ('%{ %}') is not supported: taphub runs only verified eBPF, "
			 "even in guru mode (-g)");
	case TK_IDENT:
		if (ps_is_reserved(t->str))
			ps_fail(ps, t, "an expression");
		ps->t = t->next;
		if (ps_is(ps, "(")) {
			n = ps_new_node(ps, N_CALL, t);
			n->name = t->str;
			call_args(ps, n);
			return n;
		}
		n = ps_new_node(ps, N_VAR, t);
		n->name = t->str;
		if (ps_is(ps, "->")) {
			/* x->field: stap's autocast of a variable holding a typed pointer */
			struct cc_node *d = ps_new_node(ps, N_DWARF, t);

			d->name = "->";
			d->lhs = n;
			member_chain(ps, d);
			return d;
		}
		if (ps_is(ps, "[")) {
			struct cc_token *ix_open = ps->t;
			/* located at the name: messages point at the array, not the '[' */
			struct cc_node *ix = ps_new_node(ps, N_INDEX, t);

			ix->lhs = n;
			ps->t = ps->t->next;
			index_keys(ps, ix);
			ps_expect_list_close(ps, "]", ix_open);
			return ix;
		}
		return n;
	default:
		if (cc_tok_is(t, "(")) {
			ps->t = t->next;
			n = ps_expr(ps);
			ps_expect_close(ps, ")", t);
			return n;
		}
		ps_fail(ps, t, "an expression");
	}
}

static bool is_lvalue(const struct cc_node *n)
{
	return n->kind == N_VAR || n->kind == N_INDEX || n->kind == N_TARGET;
}

/* postfix = value ["++" | "--"] */
static struct cc_node *postfix(struct parser *ps)
{
	struct cc_node *n = ps_value(ps);

	if (ps_is(ps, "++") || ps_is(ps, "--")) {
		struct cc_node *c = ps_new_node(ps, N_INCDEC, ps->t);

		if (!is_lvalue(n))
			ps_fail_msg(ps, &ps->t->loc, "'++'/'--' needs a variable or array element");
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

	ps_enter(ps);
	if (ps_is(ps, "&")) {
		ps->t = t->next;
		n = ps_new_node(ps, N_DWARF, t);
		n->name = "&";
		n->lhs = unary(ps);
	} else if (ps_is(ps, "-") || ps_is(ps, "+") || ps_is(ps, "!") || ps_is(ps, "~")) {
		ps->t = t->next;
		n = ps_new_node(ps, N_UNOP, t);
		n->op = op_of(ps, t);
		n->lhs = unary(ps);
	} else if (ps_is(ps, "++") || ps_is(ps, "--")) {
		ps->t = t->next;
		n = ps_new_node(ps, N_INCDEC, t);
		n->op = op_of(ps, t);
		n->lhs = unary(ps);
		if (!is_lvalue(n->lhs))
			ps_fail_msg(ps, &t->loc, "'++'/'--' needs a variable or array element");
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

	while (ps_is(ps, "*") || ps_is(ps, "/") || ps_is(ps, "%")) {
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

	while (ps_is(ps, "+") || ps_is(ps, "-")) {
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

	while (ps_is(ps, ".")) {
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

	while (ps_is(ps, "<<") || ps_is(ps, ">>")) {
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

	while (ps_is(ps, "<") || ps_is(ps, ">") || ps_is(ps, "<=") || ps_is(ps, ">=") || ps_is(ps, "==") ||
	       ps_is(ps, "!=") || ps_is(ps, "=~") || ps_is(ps, "!~")) {
		struct cc_token *op = ps->t;
		struct cc_node *r;

		chain_link(ps, &chain);
		ps->t = op->next;
		r = shift(ps);
		if ((cc_tok_is(op, "=~") || cc_tok_is(op, "!~")) && r->kind != N_STR)
			ps_fail_msg(ps, &r->loc,
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

	if (ps_is(ps, "[")) {
		n = ps_new_node(ps, N_IN, t);
		ps->t = t->next;
		index_keys(ps, n);
		ps_expect_list_close(ps, "]", t);
		if (!ps_is_kw(ps->t, "in"))
			ps_fail(ps, ps->t, "'in' after an index list");
	} else {
		struct cc_node *k = comparison(ps);

		if (!ps_is_kw(ps->t, "in"))
			return k;
		n = ps_new_node(ps, N_IN, ps->t);
		push_arg(ps, n, &v, k);
	}
	ps->t = ps->t->next; /* in */
	{
		struct cc_token *a = ps_expect_name(ps, "an array name after 'in'");

		n->lhs = ps_new_node(ps, N_VAR, a);
		n->lhs->name = a->str;
	}
	return n;
}

/* band = array_in ("&" array_in)*;  bxor = band ("^" band)*;  bor = bxor ("|" bxor)* */
static struct cc_node *band(struct parser *ps)
{
	int chain = 0;
	struct cc_node *n = array_in(ps);

	while (ps_is(ps, "&")) {
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

	while (ps_is(ps, "^")) {
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

	while (ps_is(ps, "|")) {
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

	while (ps_is(ps, "&&")) {
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

	while (ps_is(ps, "||")) {
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

	if (ps_is(ps, "?")) {
		struct cc_node *t = ps_new_node(ps, N_TERNARY, ps->t);

		ps_enter(ps);
		ps->t = ps->t->next;
		t->cond = n;
		t->then = ps_expr(ps);
		ps_expect(ps, ":");
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

	if (ps_is(ps, "<<<")) {
		struct cc_node *a = ps_new_node(ps, N_AGG, ps->t);

		if (n->kind != N_VAR && n->kind != N_INDEX)
			ps_fail_msg(ps, &ps->t->loc, "'<<<' needs a statistics variable or array element");
		ps_enter(ps);
		ps->t = ps->t->next;
		a->op = "<<<";
		a->lhs = n;
		a->rhs = assignment(ps);
		ps->depth--;
		return a;
	}
	for (i = 0; assign_ops[i]; i++) {
		if (ps_is(ps, assign_ops[i])) {
			struct cc_node *a = ps_new_node(ps, N_ASSIGN, ps->t);

			if (n->kind == N_DWARF && !strcmp(n->name, "@var"))
				/* stap -g writes the probed process's memory there */
				ps_fail_msg(ps, &ps->t->loc,
					 cc_sprintf(ps->cx->arena,
						    "'%s' to @var(...) is not supported: taphub does not "
						    "write a program's variables (stap does in guru mode)",
						    assign_ops[i]));
			if (!is_lvalue(n))
				ps_fail_msg(ps, &ps->t->loc,
					 cc_sprintf(ps->cx->arena,
						    "left side of '%s' is not a variable or array element",
						    assign_ops[i]));
			ps_enter(ps);
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

struct cc_node *ps_expr(struct parser *ps)
{
	struct cc_node *n;

	ps_enter(ps);
	n = assignment(ps);
	ps->depth--;
	return n;
}

/* ---- statements ------------------------------------------------------------- */

/*
 * foreach ([n =] i in @hist_log(x)) body: stap's walk over a histogram's
 * buckets, the first to the last, i the bucket's number and n its count.
 * It is the loop
 *
 *   for (i = 0; i < <buckets of @hist_log(x)>; i++) { n = @hist_log(x)[i]; body }
 *
 * so break, continue and MAXACTION work as in any loop.  The histogram
 * node is in the loop twice (both read the same aggregate); the key
 * variable gets a node per use.
 */
static struct cc_node *key_use(struct parser *ps, const struct cc_node *key)
{
	struct cc_node *v = cc_node_new(ps->cx, N_VAR, &key->loc);

	v->name = key->name;
	return v;
}

static struct cc_node *foreach_hist(struct parser *ps, struct cc_token *kw, struct cc_node *fe,
				    struct cc_node *hist)
{
	struct cc_node *f = ps_new_node(ps, N_FOR, kw), *key = fe->args[0], *n;
	struct cc_vec body = { 0 };

	if (fe->nargs != 1 || fe->sort_by != -2 || fe->cond)
		ps_fail_msg(ps, &kw->loc,
			    "foreach over a histogram takes one key (the bucket) and no sort or "
			    "limit: foreach ([n =] i in @hist_log(x))");
	f->init = ps_new_node(ps, N_ASSIGN, kw);
	f->init->op = "=";
	f->init->lhs = key;
	f->init->rhs = ps_new_node(ps, N_NUM, kw);
	n = ps_new_node(ps, N_HISTIDX, kw);
	n->lhs = hist;
	f->cond = ps_new_node(ps, N_BINOP, kw);
	f->cond->op = "<";
	f->cond->lhs = key_use(ps, key);
	f->cond->rhs = n;
	f->inc = ps_new_node(ps, N_INCDEC, kw);
	f->inc->op = "++";
	f->inc->postfix = true;
	f->inc->lhs = key_use(ps, key);
	f->body = ps_new_node(ps, N_BLOCK, kw);
	if (fe->lhs) {
		struct cc_node *e = ps_new_node(ps, N_EXPR, kw), *a = ps_new_node(ps, N_ASSIGN, kw);

		a->op = "=";
		a->lhs = fe->lhs;
		a->rhs = ps_new_node(ps, N_HISTIDX, kw);
		a->rhs->lhs = hist;
		a->rhs->rhs = key_use(ps, key);
		e->lhs = a;
		push_arg(ps, f->body, &body, e);
	}
	push_arg(ps, f->body, &body, fe->body);
	return f;
}

/*
 * foreach = "foreach" "(" [ident [sort] "="] (ident [sort] | "[" ident [sort] ("," ident [sort])*
 * "]") "in" (ident ["[" keys "]"] ["@" extractor] | hist) [sort] ["limit" expr] ")" stmt
 * sort = "+" | "-"
 */
static struct cc_node *foreach_stmt(struct parser *ps, struct cc_token *kw)
{
	struct cc_node *n = ps_new_node(ps, N_FOREACH, kw), *hist = NULL;
	struct cc_vec keys = { 0 };
	int nsorts = 0;
	struct cc_token *open = ps_expect(ps, "(");

	/* value variable: ident [sort] "=" */
	if (ps->t->kind == TK_IDENT &&
	    (cc_tok_is(ps->t->next, "=") ||
	     ((cc_tok_is(ps->t->next, "+") || cc_tok_is(ps->t->next, "-")) &&
	      cc_tok_is(ps->t->next->next, "=")))) {
		n->lhs = ps_new_node(ps, N_VAR, ps->t);
		n->lhs->name = ps->t->str;
		ps->t = ps->t->next;
		if (!ps_is(ps, "=")) {
			n->sort_by = -1;
			n->sort_dir = ps_is(ps, "+") ? 1 : -1;
			nsorts++;
			ps->t = ps->t->next;
		}
		ps->t = ps->t->next;
	}
	if (ps_is(ps, "[")) {
		struct cc_token *kopen = ps->t;

		ps->t = ps->t->next;
		do {
			struct cc_token *k = ps_expect_name(ps, "a key variable");
			struct cc_node *kv = ps_new_node(ps, N_VAR, k);

			kv->name = k->str;
			push_arg(ps, n, &keys, kv);
			if (ps_is(ps, "+") || ps_is(ps, "-")) {
				n->sort_by = n->nargs - 1;
				n->sort_dir = ps_is(ps, "+") ? 1 : -1;
				nsorts++;
				ps->t = ps->t->next;
			}
		} while (ps_accept(ps, ","));
		ps_expect_list_close(ps, "]", kopen);
	} else {
		struct cc_token *k = ps_expect_name(ps, "a key variable or '['");
		struct cc_node *kv = ps_new_node(ps, N_VAR, k);

		kv->name = k->str;
		push_arg(ps, n, &keys, kv);
		if (ps_is(ps, "+") || ps_is(ps, "-")) {
			n->sort_by = 0;
			n->sort_dir = ps_is(ps, "+") ? 1 : -1;
			nsorts++;
			ps->t = ps->t->next;
		}
	}
	if (!ps_is_kw(ps->t, "in"))
		ps_fail(ps, ps->t, "'in'");
	ps->t = ps->t->next;
	n->sort_x = -1;
	if (ps->t->kind == TK_AT &&
	    (!strcmp(ps->t->str, "hist_log") || !strcmp(ps->t->str, "hist_linear"))) {
		hist = ps_value(ps);
		if (hist->kind != N_HIST)
			ps_fail_msg(ps, &hist->loc, "foreach walks a histogram, not one of its buckets");
	} else {
		struct cc_token *a = ps_expect_name(ps, "an array name after 'in'");

		n->rhs = ps_new_node(ps, N_VAR, a);
		n->rhs->name = a->str;
		if (ps_is(ps, "[")) {
			struct cc_token *sopen = ps->t;

			n->inc = ps_new_node(ps, N_INDEX, a);
			n->inc->lhs = ps_new_node(ps, N_VAR, a);
			n->inc->lhs->name = a->str;
			ps->t = sopen->next;
			index_keys(ps, n->inc);
			ps_expect_list_close(ps, "]", sopen);
		}
	}
	if (!hist && ps->t->kind == TK_AT) {
		static const char *const xs[] = { "count", "sum", "min", "max", "avg", "variance" };
		int i;

		for (i = 0; i < 6; i++)
			if (!strcmp(ps->t->str, xs[i]))
				break;
		if (i == 6)
			ps_fail(ps, ps->t, "an extractor (@count, @sum, @min, @max, @avg, @variance)");
		n->sort_x = i;
		ps->t = ps->t->next;
	}
	if (ps_is(ps, "+") || ps_is(ps, "-")) {
		n->sort_by = -1;
		n->sort_dir = ps_is(ps, "+") ? 1 : -1;
		nsorts++;
		ps->t = ps->t->next;
	}
	if (nsorts > 1)
		ps_fail_msg(ps, &kw->loc, "foreach may sort by only one key or the value");
	if (ps_is_kw(ps->t, "limit")) {
		ps->t = ps->t->next;
		n->cond = ps_expr(ps);
	}
	ps_expect_close(ps, ")", open);
	n->body = stmt(ps);
	return hist ? foreach_hist(ps, kw, n, hist) : n;
}

/* try = "try" block "catch" ["(" ident ")"] block */
static struct cc_node *try_stmt(struct parser *ps, struct cc_token *kw)
{
	struct cc_node *n = ps_new_node(ps, N_TRY, kw);

	ps->t = kw->next;
	if (!ps_is(ps, "{"))
		ps_fail(ps, ps->t, "'{' to start the try block");
	n->body = ps_block(ps);
	if (!ps_is_kw(ps->t, "catch"))
		ps_fail(ps, ps->t, "'catch' after the try block");
	ps->t = ps->t->next;
	if (ps_is(ps, "(")) {
		struct cc_token *open = ps->t, *v;

		ps->t = open->next;
		v = ps_expect_name(ps, "a variable for the error message");
		n->lhs = ps_new_node(ps, N_VAR, v);
		n->lhs->name = v->str;
		ps_expect_close(ps, ")", open);
	}
	if (!ps_is(ps, "{"))
		ps_fail(ps, ps->t, "'{' to start the catch block");
	n->els = ps_block(ps);
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

	ps_enter(ps);
	if (cc_tok_is(t, "{")) {
		n = ps_block(ps);
	} else if (cc_tok_is(t, ";")) {
		ps->t = t->next;
		n = ps_new_node(ps, N_NOP, t);
	} else if (ps_is_kw(t, "if")) {
		struct cc_token *open;

		n = ps_new_node(ps, N_IF, t);
		ps->t = t->next;
		open = ps_expect(ps, "(");
		n->cond = ps_expr(ps);
		ps_expect_close(ps, ")", open);
		n->then = stmt(ps);
		if (ps_is_kw(ps->t, "else")) {
			ps->t = ps->t->next;
			n->els = stmt(ps);
		}
	} else if (ps_is_kw(t, "while")) {
		struct cc_token *open;

		n = ps_new_node(ps, N_WHILE, t);
		ps->t = t->next;
		open = ps_expect(ps, "(");
		n->cond = ps_expr(ps);
		ps_expect_close(ps, ")", open);
		n->body = stmt(ps);
	} else if (ps_is_kw(t, "for")) {
		struct cc_token *open;

		n = ps_new_node(ps, N_FOR, t);
		ps->t = t->next;
		open = ps_expect(ps, "(");
		if (!ps_is(ps, ";"))
			n->init = ps_expr(ps);
		ps_expect(ps, ";");
		if (!ps_is(ps, ";"))
			n->cond = ps_expr(ps);
		ps_expect(ps, ";");
		if (!ps_is(ps, ")"))
			n->inc = ps_expr(ps);
		ps_expect_close(ps, ")", open);
		n->body = stmt(ps);
	} else if (ps_is_kw(t, "foreach")) {
		ps->t = t->next;
		n = foreach_stmt(ps, t);
	} else if (ps_is_kw(t, "break") || ps_is_kw(t, "continue") || ps_is_kw(t, "next")) {
		n = ps_new_node(ps,
				ps_is_kw(t, "break")	  ? N_BREAK
				: ps_is_kw(t, "continue") ? N_CONTINUE
							  : N_NEXT,
				t);
		ps->t = t->next;
		ps_accept(ps, ";");
	} else if (ps_is_kw(t, "return")) {
		n = ps_new_node(ps, N_RETURN, t);
		ps->t = t->next;
		/* "return" alone ends at ; or } */
		if (!ps_is(ps, ";") && !ps_is(ps, "}"))
			n->lhs = ps_expr(ps);
		ps_accept(ps, ";");
	} else if (ps_is_kw(t, "delete")) {
		n = ps_new_node(ps, N_DELETE, t);
		ps->t = t->next;
		n->lhs = ps_expr(ps);
		if (n->lhs->kind != N_VAR && n->lhs->kind != N_INDEX)
			ps_fail_msg(ps, &n->lhs->loc, "delete needs a variable, array or array element");
		ps_accept(ps, ";");
	} else if (ps_is_kw(t, "try")) {
		n = try_stmt(ps, t);
	} else if (ps_is_kw(t, "else")) {
		ps_fail_msg(ps, &t->loc, "'else' without a matching 'if'");
	} else {
		n = ps_new_node(ps, N_EXPR, t);
		n->lhs = ps_expr(ps);
		ps_accept(ps, ";");
	}
	ps->depth--;
	return n;
}

/* block = "{" stmt* "}" */
struct cc_node *ps_block(struct parser *ps)
{
	struct cc_token *open = ps_expect(ps, "{");
	struct cc_node *n = ps_new_node(ps, N_BLOCK, open);
	struct cc_vec v = { 0 };

	while (!ps_is(ps, "}")) {
		if (ps->t->kind == TK_EOF)
			ps_fail_msg(ps, &open->loc, "unterminated block: '{' without '}'");
		if (ps->t->kind == TK_EMBEDDED)
			ps_fail_msg(ps, &ps->t->loc,
				 "embedded C ('%{ %}') is not supported: taphub runs only verified "
				 "eBPF, even in guru mode (-g)");
		push_arg(ps, n, &v, stmt(ps));
	}
	ps->t = ps->t->next;
	return n;
}
