// SPDX-License-Identifier: MIT
/*
 * codegen_expr.c - expressions: calls, operators, indexing, assignment.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- expressions ---------------------------------------------------------------------- */

static const char *call(struct gen *G, struct cc_node *n)
{
	struct cc_func *f = n->func;
	char *args = cc_strdup(G->cx->arena, "");
	const char *ret = NULL;
	int i;

	if (!f)
		return cg_builtin(G, n);
	for (i = 0; i < n->nargs; i++)
		args = cg_fmt(G, "%s, %s", args, cg_ex(G, n->args[i]));
	if (f->rettype == TY_STRING)
		ret = cg_temp(G);
	if (G->kernel) {
		G->uses_ff = true;
		return cg_fmt(G, "th_kf_%s(H, %s, %s%s)", cc_func_cname(f), G->func ? "FF" : "&F->ff",
			   ret ? ret : "0", args);
	}
	return cg_fmt(G, "th_uf_%s(U, %s%s)", cc_func_cname(f), ret ? ret : "0", args);
}

static const char *strcmp_of(struct gen *G, const char *a, const char *b)
{
	return G->kernel ? cg_fmt(G, "th_strcmp(%s, %s)", a, b) : cg_fmt(G, "strcmp(%s, %s)", a, b);
}

static bool is_cmp(const char *op)
{
	return !strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, "<=") || !strcmp(op, ">=") ||
	       !strcmp(op, "==") || !strcmp(op, "!=");
}

/*
 * s compared with a short literal, in a kernel probe: the n + 1 bytes
 * that can differ (the literal's and its NUL), compared in line:
 * `execname() == "bash"` and `$prev->comm == "x"` are the common string
 * tests, and the literal copied into a temporary then walked by
 * th_strcmp()'s bpf_loop() (a helper call, and an indirect call a byte)
 * cost more than the rest of such a probe.  Written out here, not as a
 * loop for clang to unroll (it does not always).  The indexes are
 * constants below MAXSTRINGLEN, in bounds of the buffer s is.  The value
 * has th_strcmp()'s sign.  The literal is in the code even in a body
 * shared by several probes (cg_str_value's table): such bodies differ
 * then, and are not shared, only if they compare with different literals.
 * NULL when lit is not such a literal.
 */
#define CG_CMP_LIT_MAX 32

static const char *strcmp_lit(struct gen *G, struct cc_node *s, struct cc_node *lit)
{
	int u;
	size_t i;
	char *c;

	if (lit->kind != N_STR || lit->slen > CG_CMP_LIT_MAX ||
	    lit->slen + 1 > (size_t)G->cx->lim.strlen || memchr(lit->str, 0, lit->slen))
		return NULL;
	u = cg_uniq(G);
	c = cg_fmt(G, "({ const unsigned char *s%d = (const unsigned char *)(%s); (__s64)(", u,
		   cg_ex(G, s));
	for (i = 0; i <= lit->slen; i++) {
		unsigned y = i < lit->slen ? (unsigned char)lit->str[i] : 0;

		if (y)
			c = cg_fmt(G, "%ss%d[%zu] != %u ? (s%d[%zu] < %u ? -1 : 1) : ", c, u, i, y, u, i, y);
		else /* the literal's end: a byte there makes s the greater */
			c = cg_fmt(G, "%ss%d[%zu] ? 1 : ", c, u, i);
	}
	return cg_fmt(G, "%s0); })", c);
}

/*
 * s =~ "re": the DFA's tables are emitted once per pattern (regex.c); the
 * kernel walks them with a bpf_loop() (grt_bpf_regex.h), user code with
 * grt_regex_test(), or grt_re_search() when the script reads matched().
 */
static const char *regex_match(struct gen *G, struct cc_node *n)
{
	struct cc_regex *r = cc_regex_find(G->cx, n->rhs->str, n->rhs->slen);
	const char *neg = n->op[0] == '!' ? "!" : "";
	const char *s = cg_ex(G, n->lhs);

	if (!r || !r->re)
		return "0"; /* reported at pass 2 */
	if (cc_regex_use(G->cx, r, G->kernel, &n->rhs->loc) < 0)
		return "0";
	if (G->kernel)
		return cg_fmt(G, "((__s64)%sth_re_match(%s, TH_RE%d_BASE, TH_RE%d_CLS))", neg, s, r->id,
			   r->id);
	if (G->prog->re_captures) {
		int site = cg_add_site(G, TH_ERR_USER, "", cg_fmt(G, "operator '%s'", n->op), &n->loc);

		return cg_fmt(G, "((__s64)%sgrt_re_search(U, &th_re%d, %s, %d))", neg, r->id, s, site);
	}
	return cg_fmt(G, "((__s64)%sgrt_regex_test(&th_re%d, %s))", neg, r->id, s);
}

/* a call that returns nothing counts as 0 in && and || (types.c) */
static const char *logic_operand(struct gen *G, struct cc_node *n)
{
	if (n->type == TY_VOID)
		return cg_fmt(G, "({ (void)%s; (__s64)0; })", cg_ex(G, n));
	return cg_ex(G, n);
}

static const char *binop(struct gen *G, struct cc_node *n)
{
	const char *op = n->op;
	const char *a, *b;
	int site;

	if (!strcmp(op, "&&") || !strcmp(op, "||"))
		return cg_fmt(G, "((__s64)((%s) %s (%s)))", logic_operand(G, n->lhs), op,
			      logic_operand(G, n->rhs));
	if (!strcmp(op, "=~") || !strcmp(op, "!~"))
		return regex_match(G, n);
	if (G->kernel && n->lhs->type == TY_STRING && is_cmp(op)) {
		const char *c = strcmp_lit(G, n->lhs, n->rhs);

		if (!c && (c = strcmp_lit(G, n->rhs, n->lhs)))
			c = cg_fmt(G, "(0 - %s)", c); /* "lit" op s is s op' "lit" */
		if (c)
			return cg_fmt(G, "((__s64)(%s %s 0))", c, op);
	}
	a = cg_ex(G, n->lhs);
	b = cg_ex(G, n->rhs);
	if (!strcmp(op, ".")) {
		const char *t = cg_temp(G);

		if (G->kernel)
			return cg_fmt(G, "th_strcat(%s, %s, %s)", t, a, b);
		return cg_fmt(G, "({ grt_str_concat(%s, TH_STRLEN, %s, %s); %s; })", t, a, b, t);
	}
	if (n->lhs->type == TY_STRING && is_cmp(op))
		return cg_fmt(G, "((__s64)(%s %s 0))", strcmp_of(G, a, b), op);
	if (is_cmp(op))
		return cg_fmt(G, "((__s64)((%s) %s (%s)))", a, op, b);
	if (!strcmp(op, "+") || !strcmp(op, "-") || !strcmp(op, "*"))
		return cg_fmt(G, "((__s64)((__u64)(%s) %s (__u64)(%s)))", a, op, b);
	if (!strcmp(op, "&") || !strcmp(op, "|") || !strcmp(op, "^"))
		return cg_fmt(G, "((%s) %s (%s))", a, op, b);
	if (!strcmp(op, "<<"))
		return cg_fmt(G, "th_shl(%s, %s)", a, b);
	if (!strcmp(op, ">>"))
		return cg_fmt(G, "th_shr(%s, %s)", a, b);
	if (!strcmp(op, "/") || !strcmp(op, "%")) {
		site = cg_add_site(G, TH_ERR_DIVZERO, "division by 0", cg_fmt(G, "operator '%s'", op),
				&n->loc);
		return cg_fmt(G, "th_%s(%s, %s, %s, %d)", op[0] == '/' ? "div" : "mod",
			   G->kernel ? "H" : "&U->err", a, b, site);
	}
	cc_error_at(&G->cx->diag, &n->loc, "operator '%s' has no code generator", op);
	return "0";
}

/* Value of an array element. */
static const char *index_read(struct gen *G, struct cc_node *n)
{
	struct cc_sym *s = n->sym;
	char *pre;
	const char *key = cg_keys(G, s, n->args, n->nargs, &pre);
	int u = cg_uniq(G);

	if (!G->kernel) {
		if (s->type == TY_STRING) {
			const char *t = cg_temp(G);

			return cg_fmt(G, "({%s grt_arr_get_str(U, %d, %s, %s); %s; })", pre, s->index, key, t,
				   t);
		}
		return cg_fmt(G, "({%s grt_arr_get_long(U, %d, %s); })", pre, s->index, key);
	}
	if (s->type == TY_STRING) {
		const char *t = cg_temp(G);

		return cg_fmt(G,
			   "({%s char *v%d = bpf_map_lookup_elem(&%s, %s); v%d ? th_strcpy(%s, v%d) "
			   ": ({ %s[0] = 0; %s; }); })",
			   pre, u, cg_kmap(G, s), key, u, t, u, t, t);
	}
	return cg_fmt(G, "({%s __s64 *v%d = bpf_map_lookup_elem(&%s, %s); v%d ? *v%d : 0; })", pre, u,
		   cg_kmap(G, s), key, u, u);
}

/* Assignment and compound assignment, to a variable or an array element. */
/*
 * An atomic read-modify-write of bop (+ - | & ^) as eBPF has it: the
 * __sync_fetch_and_ function, the operand (r<u>, negated for -) and the
 * new value from the old one (o<u>), for the expression's result.
 */
static void atomic_op(struct gen *G, const char *bop, int u, const char **fn, const char **r,
		      const char **newv)
{
	*fn = bop[0] == '+' || bop[0] == '-' ? "add"
	      : bop[0] == '|'		     ? "or"
	      : bop[0] == '&'		     ? "and"
					     : "xor";
	*r = bop[0] == '-' ? cg_fmt(G, "(__s64)(0 - (__u64)r%d)", u) : cg_fmt(G, "r%d", u);
	*newv = bop[0] == '+' || bop[0] == '-' ? cg_fmt(G, "(__s64)((__u64)o%d + (__u64)%s)", u, *r)
					       : cg_fmt(G, "(o%d %s r%d)", u, bop, u);
}

/*
 * Does n assign sym (=, op=, ++, --) anywhere in it?  `g = a & (g = b)`
 * then needs its right side evaluated before the store: in C the two
 * stores would be unsequenced.
 */
static bool writes_sym(const struct cc_node *n, const struct cc_sym *sym)
{
	int i;

	if (!n)
		return false;
	if ((n->kind == N_ASSIGN || n->kind == N_INCDEC) && n->lhs && n->lhs->sym == sym)
		return true;
	if (writes_sym(n->lhs, sym) || writes_sym(n->rhs, sym) || writes_sym(n->cond, sym) ||
	    writes_sym(n->then, sym) || writes_sym(n->els, sym))
		return true;
	for (i = 0; i < n->nargs; i++)
		if (writes_sym(n->args[i], sym))
			return true;
	return false;
}

static const char *assign(struct gen *G, struct cc_node *lhs, const char *op,
			  struct cc_node *rhs_node, const char *rhs, bool postfix)
{
	struct cc_sym *s = lhs->sym;
	int u = cg_uniq(G);
	char bop[4] = { 0 };
	bool is_s;

	/* the only target variable elaboration lets a script write: a netfilter $verdict */
	if (lhs->kind == N_TARGET)
		return postfix ? cg_fmt(G, "({ __s64 r%d = th_verdict; th_verdict %s (%s); r%d; })", u,
					op, rhs, u)
			       : cg_fmt(G, "(th_verdict %s (%s))", op, rhs);
	if (!s)
		return "0";
	is_s = s->type == TY_STRING;
	if (strcmp(op, "="))
		memcpy(bop, op, strlen(op) - 1); /* "+=" -> "+" */

	if (lhs->kind == N_VAR) {
		const char *v = cg_var_ref(G, s);

		if (is_s) {
			if (!strcmp(op, "=")) {
				if (G->kernel)
					return cg_fmt(G, "th_strcpy(%s, %s)", v, rhs);
				return cg_fmt(G, "({ grt_str_copy(%s, TH_STRLEN, %s); %s; })", v, rhs, v);
			}
			/* .= */
			if (G->kernel) {
				const char *t = cg_temp(G);

				return cg_fmt(G, "({ th_strcat(%s, %s, %s); th_strcpy(%s, %s); })", t, v, rhs,
					   v, t);
			}
			{
				const char *t = cg_temp(G);

				return cg_fmt(G,
					   "({ grt_str_concat(%s, TH_STRLEN, %s, %s); grt_str_copy(%s, "
					   "TH_STRLEN, %s); %s; })",
					   t, v, rhs, v, t, v);
			}
		}
		if (!strcmp(op, "=") && writes_sym(rhs_node, s))
			return cg_fmt(G, "({ __s64 r%d = %s; %s = r%d; })", u, rhs, v, u);
		if (!strcmp(op, "="))
			return cg_fmt(G, "(%s = %s)", v, rhs);
		/* shared kernel globals: atomic read-modify-write where eBPF has one */
		if (G->kernel && s->kind == SYM_GLOBAL &&
		    (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "|") ||
		     !strcmp(bop, "&") || !strcmp(bop, "^"))) {
			const char *fn, *r, *newv;

			atomic_op(G, bop, u, &fn, &r, &newv);

			return cg_fmt(G,
				   "({ __s64 r%d = %s; __s64 o%d = __sync_fetch_and_%s(&%s, %s); %s; })",
				   u, rhs, u, fn, v, r, postfix ? cg_fmt(G, "o%d", u) : newv);
		}
		{
			struct cc_node tmp = { .kind = N_BINOP, .op = bop, .loc = lhs->loc };
			const char *nv;

			tmp.lhs = lhs;
			tmp.rhs = rhs_node;
			(void)tmp;
			/* o = v; v = o op r */
			if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
				int site = cg_add_site(G, TH_ERR_DIVZERO, "division by 0",
						    cg_fmt(G, "operator '%s'", op), &lhs->loc);

				nv = cg_fmt(G, "th_%s(%s, o%d, r%d, %d)", bop[0] == '/' ? "div" : "mod",
					 G->kernel ? "H" : "&U->err", u, u, site);
			} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
				nv = cg_fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
			} else if (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "*")) {
				nv = cg_fmt(G, "(__s64)((__u64)o%d %s (__u64)r%d)", u, bop, u);
			} else {
				nv = cg_fmt(G, "(o%d %s r%d)", u, bop, u);
			}
			return cg_fmt(G, "({ __s64 r%d = %s; __s64 o%d = %s; %s = %s; %s; })", u, rhs, u, v,
				   v, nv, postfix ? cg_fmt(G, "o%d", u) : v);
		}
	}

	/* array element */
	{
		char *pre;
		const char *key;
		int site = cg_add_site(G, TH_ERR_OVERFLOW, "Array overflow, check MAXMAPENTRIES",
				    cg_fmt(G, "identifier '%s'", s->name), &lhs->loc);
		const char *rdecl = is_s ? cg_fmt(G, "const char *r%d = %s;", u, rhs)
					 : cg_fmt(G, "__s64 r%d = %s;", u, rhs);

		key = cg_keys(G, s, lhs->args, lhs->nargs, &pre);
		if (!G->kernel) {
			if (is_s && !strcmp(op, "="))
				return cg_fmt(G, "({ %s%s grt_arr_set_str(U, %d, %s, r%d, %d); (char *)r%d; })",
					   rdecl, pre, s->index, key, u, site, u);
			if (is_s) {
				const char *t = cg_temp(G), *t2 = cg_temp(G);

				return cg_fmt(G,
					   "({ %s%s grt_arr_get_str(U, %d, %s, %s); grt_str_concat(%s, "
					   "TH_STRLEN, %s, r%d); grt_arr_set_str(U, %d, %s, %s, %d); %s; })",
					   rdecl, pre, s->index, key, t, t2, t, u, s->index, key, t2, site,
					   t2);
			}
			if (!strcmp(op, "="))
				return cg_fmt(G, "({ %s%s grt_arr_set_long(U, %d, %s, r%d, %d); r%d; })", rdecl,
					   pre, s->index, key, u, site, u);
			if (!strcmp(bop, "+") || !strcmp(bop, "-")) {
				const char *r = bop[0] == '-' ? cg_fmt(G, "(__s64)(0 - (__u64)r%d)", u)
							      : cg_fmt(G, "r%d", u);

				return cg_fmt(G,
					   "({ %s%s __s64 n%d = grt_arr_add_long(U, %d, %s, %s, %d); %s; })",
					   rdecl, pre, u, s->index, key, r, site,
					   postfix ? cg_fmt(G, "(__s64)((__u64)n%d - (__u64)%s)", u, r)
						   : cg_fmt(G, "n%d", u));
			}
			{
				const char *nv;

				if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
					int dsite = cg_add_site(G, TH_ERR_DIVZERO, "division by 0",
							     cg_fmt(G, "operator '%s'", op), &lhs->loc);

					nv = cg_fmt(G, "th_%s(&U->err, o%d, r%d, %d)",
						 bop[0] == '/' ? "div" : "mod", u, u, dsite);
				} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
					nv = cg_fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
				} else if (!strcmp(bop, "*")) {
					nv = cg_fmt(G, "(__s64)((__u64)o%d * (__u64)r%d)", u, u);
				} else {
					nv = cg_fmt(G, "(o%d %s r%d)", u, bop, u);
				}
				return cg_fmt(G,
					   "({ %s%s __s64 o%d = grt_arr_get_long(U, %d, %s); __s64 n%d = "
					   "%s; grt_arr_set_long(U, %d, %s, n%d, %d); %s; })",
					   rdecl, pre, u, s->index, key, u, nv, s->index, key, u, site,
					   postfix ? cg_fmt(G, "o%d", u) : cg_fmt(G, "n%d", u));
			}
		}
		/* kernel */
		if (is_s) {
			if (!strcmp(op, "="))
				return cg_fmt(G,
					   "({ %s const char *b%d = th_strcpy(%s, r%d);%s if "
					   "(bpf_map_update_elem(&%s, %s, b%d, BPF_ANY)) %s; (char *)b%d; })",
					   rdecl, u, cg_temp(G), u, pre, cg_kmap(G, s), key, u, cg_err_set(G, site), u);
			{
				const char *t = cg_temp(G);

				return cg_fmt(G,
					   "({ %s%s char *v%d = bpf_map_lookup_elem(&%s, %s); th_strcat(%s, "
					   "v%d ? v%d : \"\", r%d); if (bpf_map_update_elem(&%s, %s, %s, "
					   "BPF_ANY)) %s; %s; })",
					   rdecl, pre, u, cg_kmap(G, s), key, t, u, u, u, cg_kmap(G, s), key, t,
					   cg_err_set(G, site), t);
			}
		}
		if (!strcmp(op, "="))
			return cg_fmt(G,
				   "({ %s%s if (bpf_map_update_elem(&%s, %s, &r%d, BPF_ANY)) %s; r%d; })",
				   rdecl, pre, cg_kmap(G, s), key, u, cg_err_set(G, site), u);
		if (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "|") || !strcmp(bop, "&") ||
		    !strcmp(bop, "^")) {
			const char *fn, *r, *newv;

			atomic_op(G, bop, u, &fn, &r, &newv);

			return cg_fmt(G,
				   "({ %s%s __s64 *v%d = th_lookup_init(H, &%s, %s, %d); __s64 o%d = v%d "
				   "? __sync_fetch_and_%s(v%d, %s) : 0; %s; })",
				   rdecl, pre, u, cg_kmap(G, s), key, site, u, u, fn, u, r,
				   postfix ? cg_fmt(G, "o%d", u) : newv);
		}
		{
			const char *nv;

			if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
				int dsite = cg_add_site(G, TH_ERR_DIVZERO, "division by 0",
						     cg_fmt(G, "operator '%s'", op), &lhs->loc);

				nv = cg_fmt(G, "th_%s(H, o%d, r%d, %d)", bop[0] == '/' ? "div" : "mod", u, u,
					 dsite);
			} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
				nv = cg_fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
			} else {
				nv = cg_fmt(G, "(__s64)((__u64)o%d * (__u64)r%d)", u, u);
			}
			return cg_fmt(G,
				   "({ %s%s __s64 *v%d = th_lookup_init(H, &%s, %s, %d); __s64 o%d = v%d "
				   "? *v%d : 0; __s64 n%d = %s; if (v%d) *v%d = n%d; %s; })",
				   rdecl, pre, u, cg_kmap(G, s), key, site, u, u, u, u, nv, u, u, u,
				   postfix ? cg_fmt(G, "o%d", u) : cg_fmt(G, "n%d", u));
		}
	}
}

/* A string literal's value. */
const char *cg_str_value(struct gen *G, const char *str, size_t len)
{
	if (G->kernel && G->lits) {
		/* a placeholder: the literal goes back in, or comes from a table */
		cc_vec_push(G->cx->arena, G->lits, cg_strlit(G, str, len));
		return cg_fmt(G, "th_strcpy(%s, %c%d%c)", cg_temp(G), LIT_MARK, G->lits->n - 1, LIT_MARK);
	}
	if (G->kernel)
		return cg_fmt(G, "th_strcpy(%s, %s)", cg_temp(G), cg_strlit(G, str, len));
	return cg_fmt(G, "((char *)%s)", cg_strlit(G, str, len));
}

const char *cg_ex(struct gen *G, struct cc_node *n)
{
	switch (n->kind) {
	case N_NUM:
		return cg_num(G, n->num);
	case N_STR:
		return cg_str_value(G, n->str, n->slen);
	case N_VAR:
		if (!n->sym)
			return "0";
		return cg_var_ref(G, n->sym);
	case N_INDEX:
		return index_read(G, n);
	case N_TARGET:
		return cg_target(G, n);
	case N_CALL:
		return call(G, n);
	case N_BINOP:
		return binop(G, n);
	case N_UNOP:
		if (!strcmp(n->op, "-"))
			return cg_fmt(G, "((__s64)(0 - (__u64)(%s)))", cg_ex(G, n->lhs));
		if (!strcmp(n->op, "+"))
			return cg_ex(G, n->lhs);
		if (!strcmp(n->op, "!"))
			return cg_fmt(G, "((__s64)!(%s))", cg_ex(G, n->lhs));
		return cg_fmt(G, "(~(%s))", cg_ex(G, n->lhs));
	case N_ASSIGN:
		return assign(G, n->lhs, n->op, n->rhs, cg_ex(G, n->rhs), false);
	case N_INCDEC:
		return assign(G, n->lhs, n->op[0] == '+' ? "+=" : "-=", NULL, "((__s64)1)",
			      n->postfix);
	case N_AGG:
		return cg_stat_add(G, n);
	case N_TERNARY:
		return cg_fmt(G, "((%s) ? (%s) : (%s))", cg_ex(G, n->cond), cg_ex(G, n->then), cg_ex(G, n->els));
	case N_IN: {
		char *pre;
		const char *key;
		struct cc_sym *s = n->lhs->sym;

		if (!s)
			return "0";
		if (cg_slice_mask(n->args, n->nargs))
			return cg_slice_in(G, s, n->args, n->nargs, cg_slice_mask(n->args, n->nargs));
		key = cg_keys(G, s, n->args, n->nargs, &pre);
		if (G->kernel)
			return cg_fmt(G, "({%s (__s64)(bpf_map_lookup_elem(&%s, %s) != 0); })", pre,
				   cg_kmap(G, s), key);
		return cg_fmt(G, "({%s (__s64)grt_arr_exists(U, %d, %s); })", pre, s->index, key);
	}
	case N_STATOP:
		return cg_stat_op(G, n);
	case N_HISTIDX:
		return cg_hist_index(G, n);
	default:
		cc_error_at(&G->cx->diag, &n->loc, "expression has no code generator");
		return "0";
	}
}
