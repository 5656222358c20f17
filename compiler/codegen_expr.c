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
		return builtin(G, n);
	for (i = 0; i < n->nargs; i++)
		args = fmt(G, "%s, %s", args, ex(G, n->args[i]));
	if (f->rettype == TY_STRING)
		ret = temp(G);
	if (G->kernel) {
		G->uses_ff = true;
		return fmt(G, "th_kf_%s(H, %s, %s%s)", cc_func_cname(f), G->func ? "FF" : "&F->ff",
			   ret ? ret : "0", args);
	}
	return fmt(G, "th_uf_%s(U, %s%s)", cc_func_cname(f), ret ? ret : "0", args);
}

static const char *strcmp_of(struct gen *G, const char *a, const char *b)
{
	return G->kernel ? fmt(G, "th_strcmp(%s, %s)", a, b) : fmt(G, "strcmp(%s, %s)", a, b);
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
	const char *s = ex(G, n->lhs);

	if (!r || !r->re)
		return "0"; /* reported at pass 2 */
	if (cc_regex_use(G->cx, r, G->kernel, &n->rhs->loc) < 0)
		return "0";
	if (G->kernel)
		return fmt(G, "((__s64)%sth_re_match(%s, TH_RE%d_BASE, TH_RE%d_CLS))", neg, s, r->id,
			   r->id);
	if (G->prog->re_captures) {
		int site = add_site(G, TH_ERR_USER, "", fmt(G, "operator '%s'", n->op), &n->loc);

		return fmt(G, "((__s64)%sgrt_re_search(U, &th_re%d, %s, %d))", neg, r->id, s, site);
	}
	return fmt(G, "((__s64)%sgrt_regex_test(&th_re%d, %s))", neg, r->id, s);
}

static const char *binop(struct gen *G, struct cc_node *n)
{
	const char *op = n->op;
	const char *a, *b;
	int site;

	if (!strcmp(op, "&&") || !strcmp(op, "||"))
		return fmt(G, "((__s64)((%s) %s (%s)))", ex(G, n->lhs), op, ex(G, n->rhs));
	if (!strcmp(op, "=~") || !strcmp(op, "!~"))
		return regex_match(G, n);
	a = ex(G, n->lhs);
	b = ex(G, n->rhs);
	if (!strcmp(op, ".")) {
		const char *t = temp(G);

		if (G->kernel)
			return fmt(G, "th_strcat(%s, %s, %s)", t, a, b);
		return fmt(G, "({ grt_str_concat(%s, TH_STRLEN, %s, %s); %s; })", t, a, b, t);
	}
	if (n->lhs->type == TY_STRING &&
	    (!strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, "<=") || !strcmp(op, ">=") ||
	     !strcmp(op, "==") || !strcmp(op, "!=")))
		return fmt(G, "((__s64)(%s %s 0))", strcmp_of(G, a, b), op);
	if (!strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, "<=") || !strcmp(op, ">=") ||
	    !strcmp(op, "==") || !strcmp(op, "!="))
		return fmt(G, "((__s64)((%s) %s (%s)))", a, op, b);
	if (!strcmp(op, "+") || !strcmp(op, "-") || !strcmp(op, "*"))
		return fmt(G, "((__s64)((__u64)(%s) %s (__u64)(%s)))", a, op, b);
	if (!strcmp(op, "&") || !strcmp(op, "|") || !strcmp(op, "^"))
		return fmt(G, "((%s) %s (%s))", a, op, b);
	if (!strcmp(op, "<<"))
		return fmt(G, "th_shl(%s, %s)", a, b);
	if (!strcmp(op, ">>"))
		return fmt(G, "th_shr(%s, %s)", a, b);
	if (!strcmp(op, "/") || !strcmp(op, "%")) {
		site = add_site(G, TH_ERR_DIVZERO, "division by 0", fmt(G, "operator '%s'", op),
				&n->loc);
		return fmt(G, "th_%s(%s, %s, %s, %d)", op[0] == '/' ? "div" : "mod",
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
	const char *key = keys(G, s, n->args, n->nargs, &pre);
	int u = uniq(G);

	if (!G->kernel) {
		if (s->type == TY_STRING) {
			const char *t = temp(G);

			return fmt(G, "({%s grt_arr_get_str(U, %d, %s, %s); %s; })", pre, s->index, key, t,
				   t);
		}
		return fmt(G, "({%s grt_arr_get_long(U, %d, %s); })", pre, s->index, key);
	}
	if (s->type == TY_STRING) {
		const char *t = temp(G);

		return fmt(G,
			   "({%s char *v%d = bpf_map_lookup_elem(&%s, %s); v%d ? th_strcpy(%s, v%d) "
			   ": ({ %s[0] = 0; %s; }); })",
			   pre, u, kmap(G, s), key, u, t, u, t, t);
	}
	return fmt(G, "({%s __s64 *v%d = bpf_map_lookup_elem(&%s, %s); v%d ? *v%d : 0; })", pre, u,
		   kmap(G, s), key, u, u);
}

/* Assignment and compound assignment, to a variable or an array element. */
static const char *assign(struct gen *G, struct cc_node *lhs, const char *op,
			  struct cc_node *rhs_node, const char *rhs, bool postfix)
{
	struct cc_sym *s = lhs->sym;
	int u = uniq(G);
	char bop[4] = { 0 };
	bool is_s;

	if (!s)
		return "0";
	is_s = s->type == TY_STRING;
	if (strcmp(op, "="))
		memcpy(bop, op, strlen(op) - 1); /* "+=" -> "+" */

	if (lhs->kind == N_VAR) {
		const char *v = var_ref(G, s);

		if (is_s) {
			if (!strcmp(op, "=")) {
				if (G->kernel)
					return fmt(G, "th_strcpy(%s, %s)", v, rhs);
				return fmt(G, "({ grt_str_copy(%s, TH_STRLEN, %s); %s; })", v, rhs, v);
			}
			/* .= */
			if (G->kernel) {
				const char *t = temp(G);

				return fmt(G, "({ th_strcat(%s, %s, %s); th_strcpy(%s, %s); })", t, v, rhs,
					   v, t);
			}
			{
				const char *t = temp(G);

				return fmt(G,
					   "({ grt_str_concat(%s, TH_STRLEN, %s, %s); grt_str_copy(%s, "
					   "TH_STRLEN, %s); %s; })",
					   t, v, rhs, v, t, v);
			}
		}
		if (!strcmp(op, "="))
			return fmt(G, "(%s = %s)", v, rhs);
		/* shared kernel globals: atomic read-modify-write where eBPF has one */
		if (G->kernel && s->kind == SYM_GLOBAL &&
		    (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "|") ||
		     !strcmp(bop, "&") || !strcmp(bop, "^"))) {
			const char *fn = bop[0] == '+' || bop[0] == '-' ? "add"
					 : bop[0] == '|'		 ? "or"
					 : bop[0] == '&'		 ? "and"
									 : "xor";
			const char *r = bop[0] == '-' ? fmt(G, "(__s64)(0 - (__u64)r%d)", u)
						      : fmt(G, "r%d", u);
			const char *newv = bop[0] == '+' || bop[0] == '-'
						   ? fmt(G, "(__s64)((__u64)o%d + (__u64)%s)", u, r)
						   : fmt(G, "(o%d %s r%d)", u, bop, u);

			return fmt(G,
				   "({ __s64 r%d = %s; __s64 o%d = __sync_fetch_and_%s(&%s, %s); %s; })",
				   u, rhs, u, fn, v, r, postfix ? fmt(G, "o%d", u) : newv);
		}
		{
			struct cc_node tmp = { .kind = N_BINOP, .op = bop, .loc = lhs->loc };
			const char *nv;

			tmp.lhs = lhs;
			tmp.rhs = rhs_node;
			(void)tmp;
			/* o = v; v = o op r */
			if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
				int site = add_site(G, TH_ERR_DIVZERO, "division by 0",
						    fmt(G, "operator '%s'", op), &lhs->loc);

				nv = fmt(G, "th_%s(%s, o%d, r%d, %d)", bop[0] == '/' ? "div" : "mod",
					 G->kernel ? "H" : "&U->err", u, u, site);
			} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
				nv = fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
			} else if (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "*")) {
				nv = fmt(G, "(__s64)((__u64)o%d %s (__u64)r%d)", u, bop, u);
			} else {
				nv = fmt(G, "(o%d %s r%d)", u, bop, u);
			}
			return fmt(G, "({ __s64 r%d = %s; __s64 o%d = %s; %s = %s; %s; })", u, rhs, u, v,
				   v, nv, postfix ? fmt(G, "o%d", u) : v);
		}
	}

	/* array element */
	{
		char *pre;
		const char *key;
		int site = add_site(G, TH_ERR_OVERFLOW, "Array overflow, check MAXMAPENTRIES",
				    fmt(G, "identifier '%s'", s->name), &lhs->loc);
		const char *rdecl = is_s ? fmt(G, "const char *r%d = %s;", u, rhs)
					 : fmt(G, "__s64 r%d = %s;", u, rhs);

		key = keys(G, s, lhs->args, lhs->nargs, &pre);
		if (!G->kernel) {
			if (is_s && !strcmp(op, "="))
				return fmt(G, "({ %s%s grt_arr_set_str(U, %d, %s, r%d, %d); (char *)r%d; })",
					   rdecl, pre, s->index, key, u, site, u);
			if (is_s) {
				const char *t = temp(G), *t2 = temp(G);

				return fmt(G,
					   "({ %s%s grt_arr_get_str(U, %d, %s, %s); grt_str_concat(%s, "
					   "TH_STRLEN, %s, r%d); grt_arr_set_str(U, %d, %s, %s, %d); %s; })",
					   rdecl, pre, s->index, key, t, t2, t, u, s->index, key, t2, site,
					   t2);
			}
			if (!strcmp(op, "="))
				return fmt(G, "({ %s%s grt_arr_set_long(U, %d, %s, r%d, %d); r%d; })", rdecl,
					   pre, s->index, key, u, site, u);
			if (!strcmp(bop, "+") || !strcmp(bop, "-")) {
				const char *r = bop[0] == '-' ? fmt(G, "(__s64)(0 - (__u64)r%d)", u)
							      : fmt(G, "r%d", u);

				return fmt(G,
					   "({ %s%s __s64 n%d = grt_arr_add_long(U, %d, %s, %s, %d); %s; })",
					   rdecl, pre, u, s->index, key, r, site,
					   postfix ? fmt(G, "(__s64)((__u64)n%d - (__u64)%s)", u, r)
						   : fmt(G, "n%d", u));
			}
			{
				const char *nv;

				if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
					int dsite = add_site(G, TH_ERR_DIVZERO, "division by 0",
							     fmt(G, "operator '%s'", op), &lhs->loc);

					nv = fmt(G, "th_%s(&U->err, o%d, r%d, %d)",
						 bop[0] == '/' ? "div" : "mod", u, u, dsite);
				} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
					nv = fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
				} else if (!strcmp(bop, "*")) {
					nv = fmt(G, "(__s64)((__u64)o%d * (__u64)r%d)", u, u);
				} else {
					nv = fmt(G, "(o%d %s r%d)", u, bop, u);
				}
				return fmt(G,
					   "({ %s%s __s64 o%d = grt_arr_get_long(U, %d, %s); __s64 n%d = "
					   "%s; grt_arr_set_long(U, %d, %s, n%d, %d); %s; })",
					   rdecl, pre, u, s->index, key, u, nv, s->index, key, u, site,
					   postfix ? fmt(G, "o%d", u) : fmt(G, "n%d", u));
			}
		}
		/* kernel */
		if (is_s) {
			if (!strcmp(op, "="))
				return fmt(G,
					   "({ %s const char *b%d = th_strcpy(%s, r%d);%s if "
					   "(bpf_map_update_elem(&%s, %s, b%d, BPF_ANY)) %s; (char *)b%d; })",
					   rdecl, u, temp(G), u, pre, kmap(G, s), key, u, err_set(G, site), u);
			{
				const char *t = temp(G);

				return fmt(G,
					   "({ %s%s char *v%d = bpf_map_lookup_elem(&%s, %s); th_strcat(%s, "
					   "v%d ? v%d : \"\", r%d); if (bpf_map_update_elem(&%s, %s, %s, "
					   "BPF_ANY)) %s; %s; })",
					   rdecl, pre, u, kmap(G, s), key, t, u, u, u, kmap(G, s), key, t,
					   err_set(G, site), t);
			}
		}
		if (!strcmp(op, "="))
			return fmt(G,
				   "({ %s%s if (bpf_map_update_elem(&%s, %s, &r%d, BPF_ANY)) %s; r%d; })",
				   rdecl, pre, kmap(G, s), key, u, err_set(G, site), u);
		if (!strcmp(bop, "+") || !strcmp(bop, "-") || !strcmp(bop, "|") || !strcmp(bop, "&") ||
		    !strcmp(bop, "^")) {
			const char *fn = bop[0] == '+' || bop[0] == '-' ? "add"
					 : bop[0] == '|'		 ? "or"
					 : bop[0] == '&'		 ? "and"
									 : "xor";
			const char *r = bop[0] == '-' ? fmt(G, "(__s64)(0 - (__u64)r%d)", u)
						      : fmt(G, "r%d", u);
			const char *newv = bop[0] == '+' || bop[0] == '-'
						   ? fmt(G, "(__s64)((__u64)o%d + (__u64)%s)", u, r)
						   : fmt(G, "(o%d %s r%d)", u, bop, u);

			return fmt(G,
				   "({ %s%s __s64 *v%d = th_lookup_init(H, &%s, %s, %d); __s64 o%d = v%d "
				   "? __sync_fetch_and_%s(v%d, %s) : 0; %s; })",
				   rdecl, pre, u, kmap(G, s), key, site, u, u, fn, u, r,
				   postfix ? fmt(G, "o%d", u) : newv);
		}
		{
			const char *nv;

			if (!strcmp(bop, "/") || !strcmp(bop, "%")) {
				int dsite = add_site(G, TH_ERR_DIVZERO, "division by 0",
						     fmt(G, "operator '%s'", op), &lhs->loc);

				nv = fmt(G, "th_%s(H, o%d, r%d, %d)", bop[0] == '/' ? "div" : "mod", u, u,
					 dsite);
			} else if (!strcmp(bop, "<<") || !strcmp(bop, ">>")) {
				nv = fmt(G, "th_sh%c(o%d, r%d)", bop[0] == '<' ? 'l' : 'r', u, u);
			} else {
				nv = fmt(G, "(__s64)((__u64)o%d * (__u64)r%d)", u, u);
			}
			return fmt(G,
				   "({ %s%s __s64 *v%d = th_lookup_init(H, &%s, %s, %d); __s64 o%d = v%d "
				   "? *v%d : 0; __s64 n%d = %s; if (v%d) *v%d = n%d; %s; })",
				   rdecl, pre, u, kmap(G, s), key, site, u, u, u, u, nv, u, u, u,
				   postfix ? fmt(G, "o%d", u) : fmt(G, "n%d", u));
		}
	}
}

/* A string literal's value. */
const char *str_value(struct gen *G, const char *str, size_t len)
{
	if (G->kernel && G->lits) {
		/* a placeholder: the literal goes back in, or comes from a table */
		cc_vec_push(G->cx->arena, G->lits, strlit(G, str, len));
		return fmt(G, "th_strcpy(%s, %c%d%c)", temp(G), LIT_MARK, G->lits->n - 1, LIT_MARK);
	}
	if (G->kernel)
		return fmt(G, "th_strcpy(%s, %s)", temp(G), strlit(G, str, len));
	return fmt(G, "((char *)%s)", strlit(G, str, len));
}

const char *ex(struct gen *G, struct cc_node *n)
{
	switch (n->kind) {
	case N_NUM:
		return num(G, n->num);
	case N_STR:
		return str_value(G, n->str, n->slen);
	case N_VAR:
		if (!n->sym)
			return "0";
		return var_ref(G, n->sym);
	case N_INDEX:
		return index_read(G, n);
	case N_TARGET:
		return target(G, n);
	case N_CALL:
		return call(G, n);
	case N_BINOP:
		return binop(G, n);
	case N_UNOP:
		if (!strcmp(n->op, "-"))
			return fmt(G, "((__s64)(0 - (__u64)(%s)))", ex(G, n->lhs));
		if (!strcmp(n->op, "+"))
			return ex(G, n->lhs);
		if (!strcmp(n->op, "!"))
			return fmt(G, "((__s64)!(%s))", ex(G, n->lhs));
		return fmt(G, "(~(%s))", ex(G, n->lhs));
	case N_ASSIGN:
		return assign(G, n->lhs, n->op, n->rhs, ex(G, n->rhs), false);
	case N_INCDEC:
		return assign(G, n->lhs, n->op[0] == '+' ? "+=" : "-=", NULL, "((__s64)1)",
			      n->postfix);
	case N_AGG:
		return stat_add(G, n);
	case N_TERNARY:
		return fmt(G, "((%s) ? (%s) : (%s))", ex(G, n->cond), ex(G, n->then), ex(G, n->els));
	case N_IN: {
		char *pre;
		const char *key;
		struct cc_sym *s = n->lhs->sym;

		if (!s)
			return "0";
		if (slice_mask(n->args, n->nargs))
			return slice_in(G, s, n->args, n->nargs, slice_mask(n->args, n->nargs));
		key = keys(G, s, n->args, n->nargs, &pre);
		if (G->kernel)
			return fmt(G, "({%s (__s64)(bpf_map_lookup_elem(&%s, %s) != 0); })", pre,
				   kmap(G, s), key);
		return fmt(G, "({%s (__s64)grt_arr_exists(U, %d, %s); })", pre, s->index, key);
	}
	case N_STATOP:
		return stat_op(G, n);
	default:
		cc_error_at(&G->cx->diag, &n->loc, "expression has no code generator");
		return "0";
	}
}
