// SPDX-License-Identifier: MIT
/*
 * Type inference over the whole program, as SystemTap does it: every
 * variable, array key and value, function parameter and return value is
 * long, string or (for aggregates) stats, and types flow both ways —
 * from uses to variables and from variables to uses — until nothing
 * changes.  A variable typed two ways is reported at the second use with
 * the place of the first; a variable still untyped at the end is
 * reported too.
 *
 * It also checks what only types can tell: printf formats against their
 * arguments, @hist_* parameters, and that aggregates, arrays and scalars
 * are not mixed up.
 */
#include <errno.h>
#include <string.h>

#include "compiler/compiler.h"
#include "taphub/stat.h"

#define MAX_ITERATIONS 32

struct typer {
	struct cc_ctx *cx;
	struct cc_func *func; /* function being typed, NULL in a probe */
	bool changed;
	bool report; /* last pass: report what is still unknown */
};

const char *cc_type_name(int t)
{
	switch (t) {
	case TY_LONG:
		return "long";
	case TY_STRING:
		return "string";
	case TY_STATS:
		return "stats";
	case TY_VOID:
		return "void";
	default:
		return "unknown";
	}
}

/*
 * The directive grammar is SystemTap's (and guest-runtime/printf.c's):
 *   "%" flag? ("*" | digits)? ("." ("*" | digits)?)? "l"? conv
 * with at most one flag; a lone "%" at the very end prints itself.
 */
int cc_format_types(const char *fmt, size_t len, int *types, int max, const char **ret_err,
		    size_t *ret_off)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t start = i;

		if (fmt[i++] != '%')
			continue;
		if (i == len || fmt[i] == '%') {
			i++;
			continue;
		}
		if (strchr("-+ #0", fmt[i]))
			i++;
		if (i < len && fmt[i] == '*') {
			if (n < max)
				types[n] = TY_LONG;
			n++;
			i++;
		} else {
			while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
				i++;
		}
		if (i < len && fmt[i] == '.') {
			i++;
			if (i < len && fmt[i] == '*') {
				if (n < max)
					types[n] = TY_LONG;
				n++;
				i++;
			} else {
				while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
					i++;
			}
		}
		if (i < len && fmt[i] == 'l')
			i++;
		if (i >= len) {
			*ret_err = "incomplete conversion at the end of the format";
			*ret_off = start;
			return -1;
		}
		switch (fmt[i]) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'c':
		case 'p': case 'b':
			if (n < max)
				types[n] = TY_LONG;
			n++;
			break;
		case 's':
			if (n < max)
				types[n] = TY_STRING;
			n++;
			break;
		case 'm': case 'M':
			*ret_err = "%m and %M (memory dumps) are not supported";
			*ret_off = start;
			return -1;
		default:
			*ret_err = strchr("-+ #0", fmt[i]) ? "only one flag is allowed per conversion"
							   : "unknown conversion";
			*ret_off = start;
			return -1;
		}
		i++;
	}
	return n;
}

static int infer(struct typer *T, struct cc_node *n, int want);

static void mismatch(struct typer *T, const struct cc_loc *loc, const char *what, int have,
		     int want, const struct cc_loc *first)
{
	if (first && first->file)
		cc_error_at(&T->cx->diag, loc,
			    "type mismatch: %s is %s here but %s at %s:%d:%d", what,
			    cc_type_name(want), cc_type_name(have), first->file->name, first->line,
			    first->col);
	else
		cc_error_at(&T->cx->diag, loc, "type mismatch: %s is %s, expected %s", what,
			    cc_type_name(have), cc_type_name(want));
}

/* Unify a symbol's (value) type with want at loc; returns the type. */
static int unify_sym(struct typer *T, struct cc_sym *s, int want, const struct cc_loc *loc)
{
	if (want == TY_UNKNOWN || want == TY_VOID)
		return s->type;
	if (s->type == TY_UNKNOWN) {
		s->type = want;
		s->tloc = *loc;
		T->changed = true;
		return want;
	}
	if (s->type != want) {
		mismatch(T, loc, cc_sprintf(T->cx->arena, "'%s'", s->name), s->type, want, &s->tloc);
		/* report once: pretend it matched */
		return want;
	}
	return s->type;
}

static int check(struct typer *T, struct cc_node *n, int got, int want, const char *what)
{
	if (want != TY_UNKNOWN && got != TY_UNKNOWN && got != want) {
		if (got == TY_STATS)
			cc_error_at(&T->cx->diag, &n->loc,
				    "%s: an aggregate can only be read with @count, @sum, @min, "
				    "@max, @avg or @hist_*",
				    what);
		else
			cc_error_at(&T->cx->diag, &n->loc, "type mismatch: %s is %s, expected %s",
				    what, cc_type_name(got), cc_type_name(want));
	}
	return got != TY_UNKNOWN ? got : want;
}

static void set_array(struct typer *T, struct cc_sym *s, const struct cc_node *at)
{
	if (!s)
		return;
	if (s->kind != SYM_GLOBAL) {
		cc_error_at(&T->cx->diag, &at->loc, "'%s' is a local and cannot be an array", s->name);
		return;
	}
	if (!s->is_array) {
		s->is_array = true;
		T->changed = true;
	}
}

static void type_keys(struct typer *T, struct cc_sym *s, struct cc_node **keys, int nkeys,
		      const struct cc_node *at)
{
	int i;

	if (!s)
		return;
	if (nkeys > 9) {
		cc_error_at(&T->cx->diag, &at->loc, "arrays take at most 9 keys, %d given", nkeys);
		return;
	}
	if (!s->nkeys) {
		s->nkeys = nkeys;
		T->changed = true;
	} else if (s->nkeys != nkeys) {
		cc_error_at(&T->cx->diag, &at->loc,
			    "array '%s' is indexed with %d key%s here but %d elsewhere", s->name,
			    nkeys, nkeys == 1 ? "" : "s", s->nkeys);
		return;
	}
	for (i = 0; i < nkeys; i++) {
		int kt = infer(T, keys[i], s->keytype[i]);

		if (kt == TY_STATS || kt == TY_VOID) {
			cc_error_at(&T->cx->diag, &keys[i]->loc, "an array key must be a long or string");
			continue;
		}
		if (kt != TY_UNKNOWN && s->keytype[i] == TY_UNKNOWN) {
			s->keytype[i] = kt;
			T->changed = true;
		} else if (kt != TY_UNKNOWN && s->keytype[i] != kt) {
			cc_error_at(&T->cx->diag, &keys[i]->loc,
				    "type mismatch: key %d of array '%s' is %s here but %s elsewhere",
				    i + 1, s->name, cc_type_name(kt), cc_type_name(s->keytype[i]));
		}
	}
}

/* The aggregate operand of @count(x), @hist_log(x), x <<< v */
static struct cc_sym *stats_operand(struct typer *T, struct cc_node *x)
{
	struct cc_sym *s = x->sym;

	if (x->kind != N_VAR && x->kind != N_INDEX) {
		cc_error_at(&T->cx->diag, &x->loc, "expected a statistics variable or array element");
		return NULL;
	}
	if (!s)
		return NULL;
	if (s->kind != SYM_GLOBAL) {
		cc_error_at(&T->cx->diag, &x->loc,
			    "aggregate '%s' must be a global: declare it with 'global %s'", s->name,
			    s->name);
		return NULL;
	}
	if (x->kind == N_INDEX) {
		set_array(T, s, x);
		type_keys(T, s, x->args, x->nargs, x);
	} else if (s->is_array) {
		cc_error_at(&T->cx->diag, &x->loc, "'%s' is an array: index it", s->name);
		return NULL;
	}
	unify_sym(T, s, TY_STATS, &x->loc);
	return s;
}

static void type_hist(struct typer *T, struct cc_node *n)
{
	struct cc_sym *s = stats_operand(T, n->args[0]);
	int kind = !strcmp(n->name, "hist_log") ? TH_HIST_LOG : TH_HIST_LINEAR;
	int64_t lo = 0, hi = 0, step = 0;
	int i;

	if (kind == TH_HIST_LOG && n->nargs != 1) {
		cc_error_at(&T->cx->diag, &n->loc, "@hist_log takes one argument");
		return;
	}
	if (kind == TH_HIST_LINEAR) {
		if (n->nargs != 4) {
			cc_error_at(&T->cx->diag, &n->loc,
				    "@hist_linear takes four arguments: (aggregate, low, high, step)");
			return;
		}
		for (i = 1; i < 4; i++) {
			struct cc_node *a = n->args[i];
			int64_t v;

			if (a->kind == N_UNOP && !strcmp(a->op, "-") && a->lhs->kind == N_NUM) {
				if (!cc_num_negate(a->lhs->num, &v)) {
					cc_error_at(&T->cx->diag, &a->loc,
						    "number '-%llu' out of range for a 64-bit long",
						    (unsigned long long)a->lhs->num);
					return;
				}
			} else if (a->kind == N_NUM) {
				v = a->num;
			} else {
				cc_error_at(&T->cx->diag, &a->loc,
					    "@hist_linear parameters must be number literals");
				return;
			}
			if (i == 1)
				lo = v;
			else if (i == 2)
				hi = v;
			else
				step = v;
		}
		if (step <= 0 || hi <= lo) {
			cc_error_at(&T->cx->diag, &n->loc,
				    "@hist_linear needs low < high and a positive step");
			return;
		}
		/*
		 * in unsigned: hi - lo overflows a signed long for extreme bounds,
		 * and the quotient may be 2^64 - 1, so no + 3 on it
		 */
		if (((uint64_t)hi - (uint64_t)lo) / (uint64_t)step >
		    TH_HIST_LINEAR_MAX_BUCKETS - 3) {
			cc_error_at(&T->cx->diag, &n->loc,
				    "@hist_linear(%lld, %lld, %lld) has too many buckets (at most %d)",
				    (long long)lo, (long long)hi, (long long)step,
				    TH_HIST_LINEAR_MAX_BUCKETS - 3);
			return;
		}
	}
	if (!s)
		return;
	if (!s->hist_kind) {
		s->hist_kind = kind;
		s->hist_lo = lo;
		s->hist_hi = hi;
		s->hist_step = step;
		s->hist_loc = n->loc;
	} else if (s->hist_kind != kind || s->hist_lo != lo || s->hist_hi != hi ||
		   s->hist_step != step) {
		cc_error_at(&T->cx->diag, &n->loc,
			    "'%s' is printed as a different histogram at %s:%d:%d: one aggregate "
			    "keeps one histogram",
			    s->name, s->hist_loc.file->name, s->hist_loc.line, s->hist_loc.col);
	}
}

/*
 * @variance(s[, N]): s keeps the state for it, with bit shift N (0..62,
 * a literal).  As in stap, one aggregate has one shift: two different
 * nonzero shifts are an error, and a nonzero one wins over 0 (stap lets
 * a later shift replace a 0 only; types are inferred in several passes
 * here, so the order does not matter).
 */
static void type_variance(struct typer *T, struct cc_sym *s, struct cc_node *shift,
			  const struct cc_node *at)
{
	int64_t v = 0;

	if (shift) {
		if (shift->kind != N_NUM) {
			cc_error_at(&T->cx->diag, &shift->loc,
				    "the bit shift of @variance must be a number literal");
			return;
		}
		v = shift->num;
		if (v < 0 || v > 62) {
			cc_error_at(&T->cx->diag, &shift->loc, "bit shift (%lld) out of range <0..62>",
				    (long long)v);
			return;
		}
	}
	if (!s)
		return;
	if (s->variance && v && s->var_shift && s->var_shift != v) {
		cc_error_at(&T->cx->diag, &at->loc,
			    "conflicting bit shifts declared for '%s' (previously %d)", s->name,
			    s->var_shift);
		return;
	}
	if (!s->variance || (v && !s->var_shift)) {
		s->variance = true;
		s->var_shift = (int)v;
		T->changed = true;
	}
}

static int type_builtin(struct typer *T, struct cc_node *n)
{
	const struct cc_builtin *b = cc_builtin_get(n->builtin);
	int i, first = 0;

	switch (n->builtin) {
	case B_PRINTF:
	case B_SPRINTF: {
		int types[64];
		const char *err;
		size_t off;
		int nt;

		if (n->args[0]->kind != N_STR) {
			cc_error_at(&T->cx->diag, &n->args[0]->loc,
				    "the format of %s must be a string literal", b->name);
			for (i = 0; i < n->nargs; i++)
				infer(T, n->args[i], TY_UNKNOWN);
			return b->ret;
		}
		nt = cc_format_types(n->args[0]->str, n->args[0]->slen, types, 64, &err, &off);
		if (nt < 0) {
			struct cc_loc loc = n->args[0]->loc;

			/* point at the directive when the literal is on one line */
			loc.col += (int)off + 1;
			loc.off += (int)off + 1;
			cc_error_at(&T->cx->diag, &loc, "bad format directive: %s", err);
			return b->ret;
		}
		if (nt != n->nargs - 1) {
			cc_error_at(&T->cx->diag, &n->loc,
				    "format of %s expects %d argument%s, %d given", b->name, nt,
				    nt == 1 ? "" : "s", n->nargs - 1);
			for (i = 1; i < n->nargs; i++)
				infer(T, n->args[i], TY_UNKNOWN);
			return b->ret;
		}
		for (i = 1; i < n->nargs; i++) {
			int t = infer(T, n->args[i], types[i - 1]);

			check(T, n->args[i], t, types[i - 1],
			      cc_sprintf(T->cx->arena, "argument %d of %s", i + 1, b->name));
		}
		return b->ret;
	}
	case B_KERNEL_STRING:
	case B_KERNEL_STRING_N:
		/*
		 * kernel_string(s) of what is a string here (a tracepoint's
		 * char[] field, a char[N] member, where stap has an address to
		 * read) is s itself; kernel_string_n(s, n) its first n bytes.
		 */
		if (infer(T, n->args[0], TY_UNKNOWN) == TY_STRING) {
			n->builtin = n->builtin == B_KERNEL_STRING ? B_KERNEL_STRING_S
								    : B_KERNEL_STRING_NS;
			b = cc_builtin_get(n->builtin);
		}
		for (i = 0; i < n->nargs; i++) {
			int t = infer(T, n->args[i], b->argt[i]);

			check(T, n->args[i], t, b->argt[i],
			      cc_sprintf(T->cx->arena, "argument %d of %s()", i + 1, b->name));
		}
		return b->ret;
	case B_PRINTD:
	case B_PRINTDLN:
	case B_SPRINTD:
	case B_SPRINTDLN:
		check(T, n->args[0], infer(T, n->args[0], TY_STRING), TY_STRING,
		      "the delimiter of printd");
		first = 1;
		/* fallthrough */
	case B_PRINT:
	case B_PRINTLN:
	case B_SPRINT:
	case B_SPRINTLN:
		for (i = first; i < n->nargs; i++) {
			struct cc_node *a = n->args[i];
			int t;

			if (a->kind == N_HIST) {
				if (n->builtin != B_PRINT && n->builtin != B_PRINTLN)
					cc_error_at(&T->cx->diag, &a->loc,
						    "@%s can only be printed with print/println",
						    a->name);
				type_hist(T, a);
				continue;
			}
			t = infer(T, a, TY_UNKNOWN);
			if (t == TY_STATS || t == TY_VOID)
				cc_error_at(&T->cx->diag, &a->loc,
					    "cannot print a %s value; use @count/@sum/... or @hist_*",
					    cc_type_name(t));
		}
		return b->ret;
	default:
		for (i = 0; i < n->nargs; i++) {
			int want = i < 4 ? b->argt[i] : TY_UNKNOWN;
			int t = infer(T, n->args[i], want);

			check(T, n->args[i], t, want,
			      cc_sprintf(T->cx->arena, "argument %d of %s()", i + 1, b->name));
		}
		return b->ret;
	}
}

static int type_call(struct typer *T, struct cc_node *n, int want)
{
	struct cc_func *f = n->func;
	int i;

	if (!f)
		return n->builtin ? type_builtin(T, n) : TY_UNKNOWN;
	for (i = 0; i < n->nargs && i < f->nparams; i++) {
		struct cc_sym *p = f->params[i];
		int t = infer(T, n->args[i], p->type);

		if (t == TY_STATS || t == TY_VOID) {
			cc_error_at(&T->cx->diag, &n->args[i]->loc,
				    "argument %d of '%s' must be a long or string", i + 1, f->name);
			continue;
		}
		unify_sym(T, p, t, &n->args[i]->loc);
	}
	if (f->rettype == TY_UNKNOWN && want != TY_UNKNOWN && want != TY_VOID) {
		f->rettype = want;
		T->changed = true;
	}
	return f->rettype;
}

static bool is_arith(const char *op)
{
	static const char *const ops[] = { "+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^",
					   "&&", "||", NULL };
	int i;

	for (i = 0; ops[i]; i++)
		if (!strcmp(op, ops[i]))
			return true;
	return false;
}

/*
 * An operand of && or ||. A call of a function that returns nothing is
 * accepted and counts as 0: stap types such a function long when its
 * value is used and it then returns 0, so scripts write the shell idiom
 * `count && (++n == count) && exit()` (lwtools/biolatency-nd.stp).
 */
static void logic_operand(struct typer *T, struct cc_node *n, const char *side,
			  const char *op)
{
	int t = infer(T, n, TY_LONG);

	if (t == TY_VOID && n->kind == N_CALL)
		return;
	check(T, n, t, TY_LONG, cc_sprintf(T->cx->arena, "%s operand of '%s'", side, op));
}

static int type_var(struct typer *T, struct cc_node *n, int want)
{
	struct cc_sym *s = n->sym;

	if (!s)
		return TY_UNKNOWN;
	if (s->is_array) {
		cc_error_at(&T->cx->diag, &n->loc,
			    "'%s' is an array: index it, or use it in foreach, 'in' or delete",
			    s->name);
		return TY_UNKNOWN;
	}
	if (!s->is_scalar_use) {
		s->is_scalar_use = true;
		T->changed = true;
	}
	if (s->type == TY_STATS && want != TY_STATS && want != TY_UNKNOWN) {
		cc_error_at(&T->cx->diag, &n->loc,
			    "'%s' is an aggregate: read it with @count, @sum, @min, @max, @avg "
			    "or @hist_*",
			    s->name);
		return want;
	}
	return unify_sym(T, s, want, &n->loc);
}

static int infer(struct typer *T, struct cc_node *n, int want)
{
	struct cc_ctx *cx = T->cx;
	int lt, rt, i;

	if (!n)
		return TY_UNKNOWN;
	switch (n->kind) {
	case N_NUM:
		return n->type = TY_LONG;
	case N_STR:
		return n->type = TY_STRING;
	case N_VAR:
		return n->type = type_var(T, n, want);
	case N_INDEX: {
		struct cc_sym *s = n->sym;

		if (!s)
			return TY_UNKNOWN;
		if (s->is_scalar_use) {
			cc_error_at(&cx->diag, &n->loc, "'%s' is used both as a scalar and an array",
				    s->name);
			return TY_UNKNOWN;
		}
		set_array(T, s, n);
		type_keys(T, s, n->args, n->nargs, n);
		if (s->type == TY_STATS && want != TY_STATS && want != TY_UNKNOWN) {
			cc_error_at(&cx->diag, &n->loc,
				    "'%s' holds aggregates: read them with @count, @sum, ... or "
				    "@hist_*",
				    s->name);
			return n->type = want;
		}
		return n->type = unify_sym(T, s, want, &n->loc);
	}
	case N_TARGET:
		/* read through BTF: @cast's pointer and the chain's indexes are longs */
		if (n->kread && n->lhs)
			check(T, n->lhs, infer(T, n->lhs, TY_LONG), TY_LONG, "the pointer of @cast");
		for (i = 0; n->kread && i < n->nargs; i++)
			check(T, n->args[i], infer(T, n->args[i], TY_LONG), TY_LONG, "an index");
		return n->type;
	case N_WILDCARD:
		return TY_UNKNOWN; /* a slice's '*' matches a key of any type */
	case N_CALL:
		return n->type = type_call(T, n, want);
	case N_BINOP:
		if (!strcmp(n->op, ".")) {
			check(T, n->lhs, infer(T, n->lhs, TY_STRING), TY_STRING,
			      "left operand of '.'");
			check(T, n->rhs, infer(T, n->rhs, TY_STRING), TY_STRING,
			      "right operand of '.'");
			return n->type = TY_STRING;
		}
		if (!strcmp(n->op, "&&") || !strcmp(n->op, "||")) {
			logic_operand(T, n->lhs, "left", n->op);
			logic_operand(T, n->rhs, "right", n->op);
			return n->type = TY_LONG;
		}
		if (is_arith(n->op)) {
			check(T, n->lhs, infer(T, n->lhs, TY_LONG), TY_LONG,
			      cc_sprintf(cx->arena, "left operand of '%s'", n->op));
			check(T, n->rhs, infer(T, n->rhs, TY_LONG), TY_LONG,
			      cc_sprintf(cx->arena, "right operand of '%s'", n->op));
			return n->type = TY_LONG;
		}
		if (!strcmp(n->op, "=~") || !strcmp(n->op, "!~")) {
			/* the parser made sure the pattern is a literal */
			check(T, n->lhs, infer(T, n->lhs, TY_STRING), TY_STRING,
			      cc_sprintf(cx->arena, "the string matched with '%s'", n->op));
			n->rhs->type = TY_STRING;
			cc_regex_intern(cx, n->rhs->str, n->rhs->slen, &n->rhs->loc);
			return n->type = TY_LONG;
		}
		/* comparison: both sides one type */
		lt = infer(T, n->lhs, TY_UNKNOWN);
		rt = infer(T, n->rhs, lt);
		if (lt == TY_UNKNOWN && rt != TY_UNKNOWN)
			lt = infer(T, n->lhs, rt);
		if (lt == TY_STATS || rt == TY_STATS)
			cc_error_at(&cx->diag, &n->loc, "cannot compare aggregates");
		else if (lt != TY_UNKNOWN && rt != TY_UNKNOWN && lt != rt)
			cc_error_at(&cx->diag, &n->loc,
				    "type mismatch: comparing a %s with a %s using '%s'",
				    cc_type_name(lt), cc_type_name(rt), n->op);
		n->lhs->type = n->rhs->type = lt != TY_UNKNOWN ? lt : rt;
		return n->type = TY_LONG;
	case N_UNOP:
		check(T, n->lhs, infer(T, n->lhs, TY_LONG), TY_LONG,
		      cc_sprintf(cx->arena, "operand of '%s'", n->op));
		return n->type = TY_LONG;
	case N_INCDEC:
		check(T, n->lhs, infer(T, n->lhs, TY_LONG), TY_LONG,
		      cc_sprintf(cx->arena, "operand of '%s'", n->op));
		return n->type = TY_LONG;
	case N_ASSIGN:
		if (!strcmp(n->op, ".=")) {
			check(T, n->lhs, infer(T, n->lhs, TY_STRING), TY_STRING, "left side of '.='");
			check(T, n->rhs, infer(T, n->rhs, TY_STRING), TY_STRING, "right side of '.='");
			return n->type = TY_STRING;
		}
		if (strcmp(n->op, "=")) {
			check(T, n->lhs, infer(T, n->lhs, TY_LONG), TY_LONG,
			      cc_sprintf(cx->arena, "left side of '%s'", n->op));
			check(T, n->rhs, infer(T, n->rhs, TY_LONG), TY_LONG,
			      cc_sprintf(cx->arena, "right side of '%s'", n->op));
			return n->type = TY_LONG;
		}
		lt = infer(T, n->lhs, want);
		rt = infer(T, n->rhs, lt);
		if (rt == TY_VOID) {
			cc_error_at(&cx->diag, &n->rhs->loc, "the right side of '=' has no value");
			return TY_UNKNOWN;
		}
		if (rt == TY_STATS || lt == TY_STATS) {
			cc_error_at(&cx->diag, &n->loc,
				    "aggregates cannot be assigned: add values with '<<<'");
			return TY_UNKNOWN;
		}
		if (lt == TY_UNKNOWN && rt != TY_UNKNOWN)
			lt = infer(T, n->lhs, rt);
		else if (lt != TY_UNKNOWN && rt != TY_UNKNOWN && lt != rt && n->lhs->sym)
			/* name the variable and where its type was decided */
			mismatch(T, &n->rhs->loc, cc_sprintf(cx->arena, "'%s'", n->lhs->sym->name), lt, rt,
				 &n->lhs->sym->tloc);
		else if (lt != TY_UNKNOWN && rt != TY_UNKNOWN && lt != rt)
			check(T, n->rhs, rt, lt, "the right side of '='");
		return n->type = lt;
	case N_AGG:
		stats_operand(T, n->lhs);
		check(T, n->rhs, infer(T, n->rhs, TY_LONG), TY_LONG, "the value added with '<<<'");
		return n->type = TY_VOID;
	case N_TERNARY:
		check(T, n->cond, infer(T, n->cond, TY_LONG), TY_LONG, "the condition of '?:'");
		lt = infer(T, n->then, want);
		rt = infer(T, n->els, lt != TY_UNKNOWN ? lt : want);
		if (lt == TY_UNKNOWN && rt != TY_UNKNOWN)
			lt = infer(T, n->then, rt);
		if (lt != TY_UNKNOWN && rt != TY_UNKNOWN && lt != rt)
			cc_error_at(&cx->diag, &n->loc,
				    "type mismatch: the branches of '?:' are %s and %s",
				    cc_type_name(lt), cc_type_name(rt));
		return n->type = lt;
	case N_IN:
		if (n->lhs->sym) {
			set_array(T, n->lhs->sym, n);
			type_keys(T, n->lhs->sym, n->args, n->nargs, n);
		}
		return n->type = TY_LONG;
	case N_STATOP: {
		struct cc_sym *a = stats_operand(T, n->lhs);

		if (!strcmp(n->name, "variance"))
			type_variance(T, a, n->rhs, n);
		return n->type = TY_LONG;
	}
	case N_HIST:
		cc_error_at(&cx->diag, &n->loc,
			    "@%s can only be printed (print(@%s(x))), indexed (@%s(x)[i]) or "
			    "walked (foreach (n = i in @%s(x)))",
			    n->name, n->name, n->name, n->name);
		return TY_VOID;
	case N_HISTIDX:
		type_hist(T, n->lhs);
		if (n->rhs)
			check(T, n->rhs, infer(T, n->rhs, TY_LONG), TY_LONG, "a histogram's bucket");
		return n->type = TY_LONG;
	/* statements */
	case N_BLOCK:
		for (i = 0; i < n->nargs; i++)
			infer(T, n->args[i], TY_UNKNOWN);
		return TY_VOID;
	case N_EXPR:
		infer(T, n->lhs, TY_UNKNOWN);
		return TY_VOID;
	case N_IF:
	case N_WHILE:
	case N_FOR:
		infer(T, n->init, TY_UNKNOWN);
		if (n->cond)
			check(T, n->cond, infer(T, n->cond, TY_LONG), TY_LONG, "the condition");
		infer(T, n->inc, TY_UNKNOWN);
		infer(T, n->then, TY_UNKNOWN);
		infer(T, n->els, TY_UNKNOWN);
		infer(T, n->body, TY_UNKNOWN);
		return TY_VOID;
	case N_FOREACH: {
		struct cc_sym *a = n->rhs->sym;

		if (a) {
			set_array(T, a, n);
			type_keys(T, a, n->args, n->nargs, n);
			if (n->inc)
				type_keys(T, a, n->inc->args, n->inc->nargs, n->inc);
			if (n->lhs) {
				if (a->type == TY_STATS)
					cc_error_at(&cx->diag, &n->lhs->loc,
						    "'%s' holds aggregates: read the value with "
						    "@count(%s[...]) and friends",
						    a->name, a->name);
				else
					unify_sym(T, a, infer(T, n->lhs, a->type), &n->lhs->loc);
			}
			if (n->sort_x == 5) /* @variance */
				type_variance(T, a, NULL, n);
			if (n->sort_x >= 0 && a->type != TY_STATS && a->type != TY_UNKNOWN)
				cc_error_at(&cx->diag, &n->loc,
					    "an extractor (@count, @sum ...) sorts aggregates only, "
					    "'%s' holds %ss",
					    a->name, cc_type_name(a->type));
		}
		if (n->cond)
			check(T, n->cond, infer(T, n->cond, TY_LONG), TY_LONG, "the limit");
		infer(T, n->body, TY_UNKNOWN);
		return TY_VOID;
	}
	case N_RETURN:
		if (!T->func) {
			if (n->lhs)
				cc_error_at(&cx->diag, &n->loc,
					    "a probe cannot return a value (use 'next' to leave it)");
			return TY_VOID;
		}
		if (!n->lhs) {
			if (T->func->rettype != TY_UNKNOWN && T->func->rettype != TY_VOID)
				cc_error_at(&cx->diag, &n->loc, "function '%s' must return a %s",
					    T->func->name, cc_type_name(T->func->rettype));
			return TY_VOID;
		}
		lt = infer(T, n->lhs, T->func->rettype);
		if (lt == TY_STATS || lt == TY_VOID) {
			cc_error_at(&cx->diag, &n->lhs->loc, "a function returns a long or a string");
		} else if (lt != TY_UNKNOWN && T->func->rettype == TY_UNKNOWN) {
			T->func->rettype = lt;
			T->changed = true;
		} else if (lt != TY_UNKNOWN && lt != T->func->rettype) {
			cc_error_at(&cx->diag, &n->lhs->loc,
				    "type mismatch: function '%s' returns %s here, %s elsewhere",
				    T->func->name, cc_type_name(lt), cc_type_name(T->func->rettype));
		}
		return TY_VOID;
	case N_TRY:
		infer(T, n->body, TY_UNKNOWN);
		if (n->lhs)
			check(T, n->lhs, infer(T, n->lhs, TY_STRING), TY_STRING,
			      "the variable of 'catch' (the error message)");
		infer(T, n->els, TY_UNKNOWN);
		return TY_VOID;
	case N_DELETE:
		if (n->lhs->kind == N_INDEX)
			infer(T, n->lhs, TY_UNKNOWN);
		/* delete of a whole variable: any type */
		return TY_VOID;
	default:
		return TY_VOID;
	}
}

static bool has_value_return(const struct cc_node *n)
{
	int i;

	if (!n)
		return false;
	if (n->kind == N_RETURN)
		return n->lhs != NULL;
	if (has_value_return(n->then) || has_value_return(n->els) || has_value_return(n->body))
		return true;
	if (n->kind == N_BLOCK)
		for (i = 0; i < n->nargs; i++)
			if (has_value_return(n->args[i]))
				return true;
	return false;
}

static void check_sym_typed(struct typer *T, struct cc_sym *s)
{
	if (s->type != TY_UNKNOWN)
		return;
	if (s->kind == SYM_GLOBAL && s->is_array && !s->written)
		cc_error_at(&T->cx->diag, &s->loc,
			    "unresolved type of array '%s': it is never assigned", s->name);
	else if (s->kind == SYM_GLOBAL)
		cc_error_at(&T->cx->diag, &s->loc, "unresolved type of global '%s'%s", s->name,
			    s->written ? "" : ": it is never assigned");
	else
		cc_error_at(&T->cx->diag, &s->loc, "unresolved type of %s '%s'%s",
			    s->kind == SYM_PARAM ? "parameter" : "local", s->name,
			    s->kind == SYM_LOCAL && !s->written ? ": it is never assigned" : "");
}

int cc_infer_types(struct cc_ctx *cx)
{
	struct cc_prog *prog = cx->prog;
	struct typer T = { .cx = cx };
	int iter, i, j, nerr = cx->diag.nerrors;

	for (i = 0; i < prog->funcs.n; i++) {
		struct cc_func *f = prog->funcs.v[i];

		if (!f->typed_ret && !has_value_return(f->body))
			f->rettype = TY_VOID;
	}
	for (iter = 0; iter < MAX_ITERATIONS; iter++) {
		T.changed = false;
		for (i = 0; i < prog->probes.n; i++) {
			struct cc_dprobe *d = prog->probes.v[i];

			T.func = NULL;
			infer(&T, d->body, TY_UNKNOWN);
		}
		for (i = 0; i < prog->funcs.n; i++) {
			T.func = prog->funcs.v[i];
			infer(&T, T.func->body, TY_UNKNOWN);
		}
		/* one error is enough: later passes would repeat it */
		if (cx->diag.nerrors != nerr)
			return -EINVAL;
		if (!T.changed)
			break;
	}
	for (i = 0; i < prog->globals.n; i++) {
		struct cc_sym *g = prog->globals.v[i];

		check_sym_typed(&T, g);
		if (g->is_array)
			for (j = 0; j < g->nkeys; j++)
				if (g->keytype[j] == TY_UNKNOWN)
					cc_error_at(&cx->diag, &g->loc,
						    "unresolved type of key %d of array '%s'", j + 1,
						    g->name);
		if (g->init && g->is_array)
			cc_error_at(&cx->diag, &g->loc, "array '%s' cannot have an initializer",
				    g->name);
	}
	for (i = 0; i < prog->probes.n; i++) {
		struct cc_dprobe *d = prog->probes.v[i];

		for (j = 0; j < d->locals.n; j++)
			check_sym_typed(&T, d->locals.v[j]);
	}
	for (i = 0; i < prog->funcs.n; i++) {
		struct cc_func *f = prog->funcs.v[i];

		for (j = 0; j < f->nparams; j++)
			check_sym_typed(&T, f->params[j]);
		for (j = 0; j < f->locals.n; j++)
			check_sym_typed(&T, f->locals.v[j]);
		if (f->rettype == TY_UNKNOWN)
			cc_error_at(&cx->diag, &f->loc, "unresolved return type of function '%s'",
				    f->name);
	}
	return cx->diag.nerrors != nerr ? -EINVAL : 0;
}
