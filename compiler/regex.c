// SPDX-License-Identifier: MIT
/*
 * Regular expressions: the right side of =~ and !~, compiled when the
 * script is, into the tables guest-runtime runs (struct grt_regex).
 *
 * The dialect is SystemTap's, a POSIX extended regular expression:
 *
 *   regex   = branch ("|" branch)*
 *   branch  = piece*                       (an empty branch matches "")
 *   piece   = atom ("*" | "+" | "?" | "{" m "}" | "{" m ",}" | "{" m "," n "}")*
 *   atom    = "(" regex ")" | "(?:" regex ")" | "[" bracket "]" | "." | "^" | "$"
 *           | "\" byte | byte      (a ")" only when no group is open)
 *   bracket = "^"? item+                   (a "]" first is a member)
 *   item    = "[:" class ":]" | end ("-" end)?      end = "\" byte | byte
 *
 * A ')' that closes no group is an ordinary byte, as POSIX has it (and
 * stap's tests expect: "abc)" compiles).
 *
 * The string was already unescaped once by the lexer (so the script's
 * "\\." is the pattern \.); a backslash in the pattern takes the next
 * byte literally, in brackets too, as stap does.  Classes: alpha alnum
 * blank cntrl digit xdigit graph lower print punct space upper, and stap's
 * d l s u.  "." and negated brackets match any byte but NUL.  Not in the
 * dialect (reported as errors): back-references, [= =] and [. .].
 *
 * The pipeline: parse into a tree (errors carry the byte offset, which
 * cc_regex_intern() turns into the column of the literal in the script),
 * compile the tree to an NFA program of Pike-VM instructions (repetitions
 * expanded, at most CC_REGEX_MAX_INSTS), split the bytes into classes
 * that every byte set of the program treats alike, build the DFA by the
 * subset construction (at most CC_REGEX_MAX_STATES states), and minimise
 * it by partition refinement (Moore).  One file, over the size the other
 * files keep, because it is one pipeline whose stages share the tree, the
 * program and the byte classes, and nothing outside calls a stage alone.
 *
 * The DFA searches: its start state holds the pattern's start with ^
 * allowed, and every later state holds it again with ^ refused, which is
 * the DFA of ".*(re)" without the cost of a second pattern.  A state
 * holding MATCH accepts and loops on itself, so a walker may stop at the
 * first accepting state; a state whose $ threads reach MATCH accepts when
 * the string ends there.  Anchors follow stap: ^ holds only before the
 * first byte, and after a $ only more $ can hold (stap reads $ as a
 * virtual end byte, so "$^" never matches).
 *
 * Why the bounds: the kernel walks the tables one byte per bpf_loop()
 * step, so their size costs nothing in verified instructions but sits in
 * the object's .rodata and in the kernel's memory while the script runs;
 * CC_REGEX_MAX_STATES (1024 states after minimisation) keeps the largest
 * table (1024 states x 256 classes x 2 bytes) at 512 KB, while the
 * scripts' patterns (paths, names, alternations of words) need tens.  The
 * subset construction may make more states than minimisation leaves
 * (a(a|b){12} is 2^12 sets of pending positions, 14 states once
 * minimised), so it is bounded apart, by CC_REGEX_MAX_BUILD states and
 * by CC_REGEX_MAX_WORK steps (NFA instructions visited, table cells
 * compared) for construction and minimisation together: 2 x 10^7 steps
 * are about 60 ms (two seconds in a sanitizer build), and the patterns
 * of scripts take under 10^6 (a path with alternatives and classes:
 * 10^4; [a-z]{1000}$: 5 x 10^6).
 * Patterns that blow up for real — a(a|b){12}$ needs 2^13 states — are
 * refused with the limit named instead of building for minutes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

/* ---- the tree ------------------------------------------------------------------- */

enum rx_kind {
	RX_SET = 1, /* one byte of a set */
	RX_CAT,     /* kids in sequence (none: the empty string) */
	RX_ALT,     /* one of the kids, the first preferred */
	RX_REPEAT,  /* kids[0] min..max times (max -1: unbounded), greedy */
	RX_GROUP,   /* kids[0], captured as group (-1: not captured) */
	RX_BOL,
	RX_EOL,
};

struct rx {
	int kind;
	size_t off;   /* where it starts in the pattern, for messages */
	int min, max; /* RX_REPEAT */
	int group;    /* RX_GROUP */
	int set;      /* RX_SET: index into the set table */
	struct cc_vec kids;
};

typedef uint8_t rx_set[32];

struct rxc {
	struct cc_arena *a;  /* the tree and the work tables */
	const unsigned char *p;
	size_t len, pos;
	int depth;
	int open;            /* groups open at c->pos: a ')' closes one, else it is a byte */
	int ngroups;         /* group 0 is the whole match */
	rx_set *sets;        /* distinct byte sets */
	int nsets, capsets;
	int *settab;         /* hash table of set indexes + 1, 0 empty */
	uint32_t tabsets;    /* its size, a power of two */
	/* NFA program */
	struct grt_re_inst *insts;
	uint32_t ninsts, capinsts;
	/* the first error */
	bool failed;
	char *err;
	size_t errlen;
	size_t erroff;
	int errcode;
};

/* Nesting of groups and repetitions: the passes recurse over it. */
#define RX_MAX_DEPTH 100

static void __attribute__((format(printf, 3, 4))) rx_fail(struct rxc *c, size_t off,
							  const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	c->erroff = off;
	c->errcode = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

static struct rx *rx_new(struct rxc *c, int kind, size_t off)
{
	struct rx *n = cc_alloc(c->a, sizeof(*n));

	n->kind = kind;
	n->off = off;
	n->group = -1;
	return n;
}

static uint32_t set_hash(const rx_set set)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(rx_set); i++)
		h = (h ^ set[i]) * 16777619u;
	return h;
}

/* The index of a set in c->sets, added when new (a hash table: a long pattern has many). */
static int set_add(struct rxc *c, const rx_set set)
{
	uint32_t h = set_hash(set), k;

	for (k = h & (c->tabsets - 1); c->tabsets && c->settab[k]; k = (k + 1) & (c->tabsets - 1))
		if (!memcmp(c->sets[c->settab[k] - 1], set, sizeof(rx_set)))
			return c->settab[k] - 1;
	if (c->nsets == c->capsets) {
		int cap = c->capsets ? 2 * c->capsets : 8, i;
		rx_set *n = cc_alloc(c->a, sizeof(rx_set) * (size_t)cap);

		if (c->nsets)
			memcpy(n, c->sets, sizeof(rx_set) * (size_t)c->nsets);
		c->sets = n;
		c->capsets = cap;
		/* the table stays at most half full */
		c->tabsets = 2 * cap;
		c->settab = cc_alloc(c->a, sizeof(int) * (size_t)c->tabsets);
		for (i = 0; i < c->nsets; i++) {
			for (k = set_hash(c->sets[i]) & (c->tabsets - 1); c->settab[k];
			     k = (k + 1) & (c->tabsets - 1))
				;
			c->settab[k] = i + 1;
		}
	}
	memcpy(c->sets[c->nsets], set, sizeof(rx_set));
	for (k = h & (c->tabsets - 1); c->settab[k]; k = (k + 1) & (c->tabsets - 1))
		;
	c->settab[k] = c->nsets + 1;
	return c->nsets++;
}

static void set_byte(rx_set s, unsigned b)
{
	/* NUL ends every string: no set holds it, so nothing reads past the end */
	if (b)
		s[b >> 3] |= (uint8_t)(1u << (b & 7));
}

static void set_range(rx_set s, unsigned lo, unsigned hi)
{
	unsigned b;

	for (b = lo; b <= hi; b++)
		set_byte(s, b);
}

static struct rx *rx_byteset(struct rxc *c, const rx_set set, size_t off)
{
	struct rx *n = rx_new(c, RX_SET, off);

	n->set = set_add(c, set);
	return n;
}

/* ---- parsing -------------------------------------------------------------------- */

static bool at_end(const struct rxc *c)
{
	return c->pos >= c->len;
}

static int peek(const struct rxc *c)
{
	return at_end(c) ? -1 : c->p[c->pos];
}

static struct rx *parse_alt(struct rxc *c);

struct rx_class {
	const char *name;
	const char *ranges; /* pairs lo, hi */
};

/* POSIX's classes in the C locale, and stap's short names for four of them. */
static const struct rx_class rx_classes[] = {
	{ "alpha", "AZaz" },
	{ "alnum", "AZaz09" },
	{ "blank", "  \t\t" },
	{ "cntrl", "\001\037\177\177" },
	{ "digit", "09" },
	{ "d", "09" },
	{ "xdigit", "09afAF" },
	{ "graph", "!~" },
	{ "lower", "az" },
	{ "l", "az" },
	{ "print", " ~" },
	{ "punct", "!/:@[`{~" },
	{ "space", "  \t\r" }, /* \t \n \v \f \r */
	{ "s", "  \t\r" },
	{ "upper", "AZ" },
	{ "u", "AZ" },
};

/* "[:name:]" at c->pos (just after the '['): add the class to s. */
static void parse_class(struct rxc *c, rx_set s, size_t open)
{
	size_t start = c->pos + 1, end = start;
	size_t i, k;

	while (end + 1 < c->len && !(c->p[end] == ':' && c->p[end + 1] == ']'))
		end++;
	if (end + 1 >= c->len) {
		rx_fail(c, open, "unclosed character class: '[:' needs ':]'");
		return;
	}
	for (i = 0; i < sizeof(rx_classes) / sizeof(rx_classes[0]); i++) {
		const char *r = rx_classes[i].ranges;

		if (strlen(rx_classes[i].name) != end - start ||
		    memcmp(rx_classes[i].name, c->p + start, end - start))
			continue;
		for (k = 0; r[k]; k += 2)
			set_range(s, (unsigned char)r[k], (unsigned char)r[k + 1]);
		c->pos = end + 2;
		return;
	}
	rx_fail(c, open, "unknown character class '[:%.*s:]'", (int)(end - start), c->p + start);
}

/* One end of a range: a byte, or a backslash and the byte it escapes. */
static int bracket_byte(struct rxc *c)
{
	if (peek(c) == '\\') {
		c->pos++;
		if (at_end(c)) {
			rx_fail(c, c->pos - 1, "a '\\' at the end of the pattern escapes nothing");
			return -1;
		}
	}
	return c->p[c->pos++];
}

/* bracket = "^"? item+ "]"   (c->pos is just after the '[') */
static struct rx *parse_bracket(struct rxc *c)
{
	size_t open = c->pos - 1;
	rx_set s = { 0 };
	bool neg = false, first = true;

	if (peek(c) == '^') {
		neg = true;
		c->pos++;
	}
	for (;;) {
		size_t at = c->pos;
		int lo, hi;

		if (at_end(c)) {
			rx_fail(c, open, "unclosed bracket expression: '[' needs a ']'");
			return NULL;
		}
		if (peek(c) == ']' && !first) {
			c->pos++;
			break;
		}
		first = false;
		if (peek(c) == '[' && c->pos + 1 < c->len &&
		    (c->p[c->pos + 1] == '=' || c->p[c->pos + 1] == '.')) {
			rx_fail(c, at, "equivalence classes and collating elements ('[=', '[.') "
				       "are not supported");
			return NULL;
		}
		if (peek(c) == '[' && c->pos + 1 < c->len && c->p[c->pos + 1] == ':') {
			c->pos++;
			parse_class(c, s, at);
			if (c->failed)
				return NULL;
			continue;
		}
		lo = bracket_byte(c);
		if (lo < 0)
			return NULL;
		hi = lo;
		/* a '-' last (before the ']') is a member, not a range */
		if (peek(c) == '-' && c->pos + 1 < c->len && c->p[c->pos + 1] != ']') {
			c->pos++;
			hi = bracket_byte(c);
			if (hi < 0)
				return NULL;
			if (hi < lo) {
				rx_fail(c, at, "bad range '%.*s': it ends below its start",
					(int)(c->pos - at), c->p + at);
				return NULL;
			}
		}
		set_range(s, (unsigned)lo, (unsigned)hi);
	}
	if (neg) {
		size_t i;

		for (i = 0; i < sizeof(s); i++)
			s[i] = (uint8_t)~s[i];
		s[0] &= (uint8_t)~1u; /* never NUL */
	}
	return rx_byteset(c, s, open);
}

/* A repetition count: digits, at most CC_REGEX_MAX_REPEAT. */
static int parse_count(struct rxc *c)
{
	size_t at = c->pos;
	long v = 0;

	if (peek(c) < '0' || peek(c) > '9') {
		rx_fail(c, at, "expected a number in the repetition '{...}'");
		return -1;
	}
	while (peek(c) >= '0' && peek(c) <= '9') {
		v = v * 10 + (peek(c) - '0');
		c->pos++;
		if (v > CC_REGEX_MAX_REPEAT) {
			rx_fail(c, at, "repetition count too large (at most %d)", CC_REGEX_MAX_REPEAT);
			return -1;
		}
	}
	return (int)v;
}

/* The postfix operators after an atom: "*" "+" "?" "{m}" "{m,}" "{m,n}". */
static struct rx *parse_postfix(struct rxc *c, struct rx *atom)
{
	for (;;) {
		int ch = peek(c), min, max;
		size_t at = c->pos;
		struct rx *r;

		if (ch != '*' && ch != '+' && ch != '?' && ch != '{')
			return atom;
		c->pos++;
		if (atom->kind == RX_BOL || atom->kind == RX_EOL) {
			rx_fail(c, at, "'%c' cannot repeat the anchor '%c'", ch,
				atom->kind == RX_BOL ? '^' : '$');
			return NULL;
		}
		if (++c->depth > RX_MAX_DEPTH) {
			rx_fail(c, at, "repetitions and groups nest more than %d deep", RX_MAX_DEPTH);
			return NULL;
		}
		if (ch == '*') {
			min = 0;
			max = -1;
		} else if (ch == '+') {
			min = 1;
			max = -1;
		} else if (ch == '?') {
			min = 0;
			max = 1;
		} else {
			min = max = parse_count(c);
			if (min < 0)
				return NULL;
			if (peek(c) == ',') {
				c->pos++;
				if (peek(c) == '}') {
					max = -1;
				} else {
					max = parse_count(c);
					if (max < 0)
						return NULL;
				}
			}
			if (peek(c) != '}') {
				rx_fail(c, c->pos, "expected '}' to end the repetition '{...}'");
				return NULL;
			}
			c->pos++;
			if (max >= 0 && max < min) {
				rx_fail(c, at, "bad repetition '%.*s': its maximum is below its minimum",
					(int)(c->pos - at), c->p + at);
				return NULL;
			}
		}
		r = rx_new(c, RX_REPEAT, at);
		r->min = min;
		r->max = max;
		cc_vec_push(c->a, &r->kids, atom);
		atom = r;
	}
}

/* atom, followed by its postfix operators */
static struct rx *parse_piece(struct rxc *c)
{
	size_t at = c->pos;
	int ch = c->p[c->pos++];
	int depth = c->depth;
	struct rx *n;
	rx_set s = { 0 };

	switch (ch) {
	case '*': case '+': case '?': case '{':
		rx_fail(c, at, "'%c' has nothing to repeat (write \\%c for the character)", ch, ch);
		return NULL;
	case '(': {
		int group = -1;

		if (++c->depth > RX_MAX_DEPTH) {
			rx_fail(c, at, "repetitions and groups nest more than %d deep", RX_MAX_DEPTH);
			return NULL;
		}
		if (peek(c) == '?') {
			if (c->pos + 1 >= c->len || c->p[c->pos + 1] != ':') {
				rx_fail(c, at, "'(?' starts a non-capturing group '(?:...)', the only "
					       "kind supported");
				return NULL;
			}
			c->pos += 2;
		} else {
			if (c->ngroups >= CC_REGEX_MAX_GROUPS) {
				rx_fail(c, at, "more than %d subexpressions", CC_REGEX_MAX_GROUPS - 1);
				return NULL;
			}
			group = c->ngroups++;
		}
		n = rx_new(c, RX_GROUP, at);
		n->group = group;
		c->open++;
		cc_vec_push(c->a, &n->kids, parse_alt(c));
		c->open--;
		if (c->failed)
			return NULL;
		if (peek(c) != ')') {
			rx_fail(c, at, "unbalanced '(': no ')' closes it");
			return NULL;
		}
		c->pos++;
		break;
	}
	case '[':
		n = parse_bracket(c);
		if (!n)
			return NULL;
		break;
	case '.':
		set_range(s, 1, 255);
		n = rx_byteset(c, s, at);
		break;
	case '^':
		n = rx_new(c, RX_BOL, at);
		break;
	case '$':
		n = rx_new(c, RX_EOL, at);
		break;
	case '\\':
		if (at_end(c)) {
			rx_fail(c, at, "a '\\' at the end of the pattern escapes nothing");
			return NULL;
		}
		ch = c->p[c->pos++];
		/* fall through */
	default:
		set_byte(s, (unsigned char)ch);
		n = rx_byteset(c, s, at);
		break;
	}
	n = parse_postfix(c, n);
	c->depth = depth;
	return n;
}

/* branch = piece* */
static struct rx *parse_branch(struct rxc *c)
{
	struct rx *cat = rx_new(c, RX_CAT, c->pos);

	while (!at_end(c) && peek(c) != '|' && (peek(c) != ')' || !c->open)) {
		struct rx *p = parse_piece(c);

		if (!p)
			return cat;
		cc_vec_push(c->a, &cat->kids, p);
	}
	return cat;
}

/* regex = branch ("|" branch)* */
static struct rx *parse_alt(struct rxc *c)
{
	struct rx *alt = rx_new(c, RX_ALT, c->pos);

	cc_vec_push(c->a, &alt->kids, parse_branch(c));
	while (!c->failed && peek(c) == '|') {
		c->pos++;
		cc_vec_push(c->a, &alt->kids, parse_branch(c));
	}
	return alt->kids.n == 1 ? alt->kids.v[0] : alt;
}

/* ---- the NFA program ------------------------------------------------------------- */

static uint32_t emit(struct rxc *c, int op, int arg, uint32_t x, uint32_t y, size_t off)
{
	if (c->failed)
		return 0;
	if (c->ninsts >= CC_REGEX_MAX_INSTS) {
		rx_fail(c, off, "the pattern is too large: more than %d NFA instructions once "
				"its repetitions are written out (CC_REGEX_MAX_INSTS)",
			CC_REGEX_MAX_INSTS);
		c->errcode = -E2BIG;
		return 0;
	}
	if (c->ninsts == c->capinsts) {
		uint32_t cap = c->capinsts ? 2 * c->capinsts : 64;
		struct grt_re_inst *n = cc_alloc(c->a, sizeof(*n) * cap);

		if (c->ninsts)
			memcpy(n, c->insts, sizeof(*n) * c->ninsts);
		c->insts = n;
		c->capinsts = cap;
	}
	c->insts[c->ninsts] = (struct grt_re_inst){ .op = (uint16_t)op, .arg = (uint16_t)arg,
						     .x = x, .y = y };
	return c->ninsts++;
}

static void gen(struct rxc *c, const struct rx *n);

/* e?, greedy: SPLIT body, out */
static void gen_optional(struct rxc *c, const struct rx *e, size_t off)
{
	uint32_t split = emit(c, GRT_RE_SPLIT, 0, 0, 0, off);

	c->insts[split].x = c->ninsts;
	gen(c, e);
	if (!c->failed)
		c->insts[split].y = c->ninsts;
}

static void gen_repeat(struct rxc *c, const struct rx *n)
{
	const struct rx *e = n->kids.v[0];
	uint32_t *fix;
	int i, nfix = 0;

	if (n->max < 0) {
		/* min - 1 copies, then L: body; SPLIT L, out (or for min 0:
		 * L: SPLIT body, out; body; JMP L) */
		uint32_t loop;

		for (i = 1; i < n->min && !c->failed; i++)
			gen(c, e);
		if (n->min) {
			loop = c->ninsts;
			gen(c, e);
			emit(c, GRT_RE_SPLIT, 0, loop, c->ninsts + 1, n->off);
			return;
		}
		loop = emit(c, GRT_RE_SPLIT, 0, 0, 0, n->off);
		c->insts[loop].x = c->ninsts;
		gen(c, e);
		emit(c, GRT_RE_JMP, 0, loop, 0, n->off);
		if (!c->failed)
			c->insts[loop].y = c->ninsts;
		return;
	}
	for (i = 0; i < n->min && !c->failed; i++)
		gen(c, e);
	/* up to max - min more, each only after the one before: (e(e(e)?)?)? */
	fix = cc_alloc(c->a, sizeof(*fix) * (size_t)(n->max - n->min + 1));
	for (i = n->min; i < n->max && !c->failed; i++) {
		fix[nfix++] = emit(c, GRT_RE_SPLIT, 0, 0, 0, n->off);
		c->insts[fix[nfix - 1]].x = c->ninsts;
		gen(c, e);
	}
	if (c->failed)
		return;
	for (i = 0; i < nfix; i++)
		c->insts[fix[i]].y = c->ninsts;
}

static void gen(struct rxc *c, const struct rx *n)
{
	int i;

	if (c->failed)
		return;
	switch (n->kind) {
	case RX_SET:
		emit(c, GRT_RE_SET, n->set, 0, 0, n->off);
		break;
	case RX_CAT:
		for (i = 0; i < n->kids.n; i++)
			gen(c, n->kids.v[i]);
		break;
	case RX_ALT: {
		/* SPLIT a, L1; a; JMP out; L1: SPLIT b, L2; b; JMP out; L2: c */
		uint32_t *jmps = cc_alloc(c->a, sizeof(*jmps) * (size_t)n->kids.n);

		for (i = 0; i < n->kids.n && !c->failed; i++) {
			uint32_t split = 0;

			if (i + 1 < n->kids.n) {
				split = emit(c, GRT_RE_SPLIT, 0, 0, 0, n->off);
				c->insts[split].x = c->ninsts;
			}
			gen(c, n->kids.v[i]);
			if (i + 1 < n->kids.n) {
				jmps[i] = emit(c, GRT_RE_JMP, 0, 0, 0, n->off);
				if (!c->failed)
					c->insts[split].y = c->ninsts;
			}
		}
		for (i = 0; i + 1 < n->kids.n && !c->failed; i++)
			c->insts[jmps[i]].x = c->ninsts;
		break;
	}
	case RX_REPEAT:
		if (n->min == 0 && n->max == 1)
			gen_optional(c, n->kids.v[0], n->off);
		else
			gen_repeat(c, n);
		break;
	case RX_GROUP:
		if (n->group >= 0)
			emit(c, GRT_RE_SAVE, 2 * n->group, 0, 0, n->off);
		gen(c, n->kids.v[0]);
		if (n->group >= 0)
			emit(c, GRT_RE_SAVE, 2 * n->group + 1, 0, 0, n->off);
		break;
	case RX_BOL:
		emit(c, GRT_RE_BOL, 0, 0, 0, n->off);
		break;
	case RX_EOL:
		emit(c, GRT_RE_EOL, 0, 0, 0, n->off);
		break;
	}
}

/* ---- the DFA --------------------------------------------------------------------- */

/*
 * A DFA state during construction: the NFA threads it stands for, as the
 * sorted program counters where they wait — at a SET (reading a byte), at
 * MATCH, or at a $ that only the end of the string satisfies.  Those
 * decide everything that can follow, so equal sets are one state.
 */
struct dstate {
	uint32_t *pcs;
	uint32_t npcs;
	uint32_t hash;
	uint8_t flags;
};

struct dfa {
	struct rxc *c;
	uint32_t nclasses;
	uint8_t cls[256];
	uint8_t rep[256];    /* a byte of each class */
	struct dstate *st;
	uint32_t nst, capst;
	uint32_t *next;      /* [capst * nclasses] */
	uint32_t *table;     /* hash table of state ids + 1, 0 empty */
	uint32_t tabsize;
	/* closure work */
	uint32_t *mark;      /* [ninsts]: generation a pc was visited in */
	uint32_t *fmark;     /* [ninsts]: generation a pc was found in */
	uint32_t gen;
	uint32_t *stack, *found;
	uint32_t nfound;
	uint64_t work;       /* instructions visited and table cells compared, CC_REGEX_MAX_WORK */
	uint32_t *restart;   /* the closure of the pattern's start without ^, sorted */
	uint32_t nrestart;
	bool restart_match;
	uint32_t *merged;    /* [2 * ninsts]: a closure merged with the restart */
	uint32_t *setcls, *setcls_start; /* the classes of set k: setcls[start[k] .. start[k + 1]] */
};

/* Charge n steps of work; false (and the error) once over the budget. */
static bool dfa_charge(struct dfa *D, uint64_t n)
{
	D->work += n;
	if (D->work <= CC_REGEX_MAX_WORK)
		return true;
	rx_fail(D->c, SIZE_MAX,
		"the pattern takes too much work to turn into a DFA (more than %d steps, "
		"CC_REGEX_MAX_WORK): simplify it, or split it into several matches",
		CC_REGEX_MAX_WORK);
	D->c->errcode = -E2BIG;
	return false;
}

/* Split the bytes into classes no set of the program tells apart. */
static void dfa_classes(struct dfa *D)
{
	struct rxc *c = D->c;
	uint32_t remap[512];
	int b, k;

	memset(D->cls, 0, sizeof(D->cls));
	D->nclasses = 1;
	for (k = 0; k < c->nsets; k++) {
		uint32_t n = 0;

		for (b = 0; b < 512; b++)
			remap[b] = UINT32_MAX;
		for (b = 0; b < 256; b++) {
			uint32_t key = 2u * D->cls[b] + ((c->sets[k][b >> 3] >> (b & 7)) & 1u);

			if (remap[key] == UINT32_MAX)
				remap[key] = n++;
			D->cls[b] = (uint8_t)remap[key];
		}
		D->nclasses = n;
	}
	for (b = 255; b >= 0; b--)
		D->rep[D->cls[b]] = (uint8_t)b;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Everything reachable from the seeds without reading a byte, into
 * D->found (sorted): where threads wait.  ^ passes only when bol; $ is a
 * place to wait unless end, when it passes (and SETs are dropped: no byte
 * follows the end).  Returns true when MATCH was reached.
 */
static bool closure(struct dfa *D, const uint32_t *seeds, uint32_t nseeds, bool bol, bool end)
{
	const struct grt_re_inst *insts = D->c->insts;
	uint32_t top = 0, i;
	bool match = false;

	D->gen++;
	D->nfound = 0;
	for (i = nseeds; i-- > 0;)
		D->stack[top++] = seeds[i];
	while (top) {
		uint32_t pc = D->stack[--top];

		for (;;) {
			const struct grt_re_inst *in = &insts[pc];

			if (D->mark[pc] == D->gen)
				break;
			D->mark[pc] = D->gen;
			D->work++;
			if (in->op == GRT_RE_JMP) {
				pc = in->x;
			} else if (in->op == GRT_RE_SPLIT) {
				D->stack[top++] = in->y;
				pc = in->x;
			} else if (in->op == GRT_RE_SAVE || (in->op == GRT_RE_BOL && bol) ||
				   (in->op == GRT_RE_EOL && end)) {
				pc++;
			} else {
				if (in->op == GRT_RE_MATCH)
					match = true;
				if (in->op == GRT_RE_MATCH || (!end && in->op != GRT_RE_BOL))
					D->found[D->nfound++] = pc;
				break;
			}
		}
	}
	/* canonical order: a few pcs are sorted, many are picked in order from the marks */
	if ((uint64_t)D->nfound * 16 < D->c->ninsts) {
		qsort(D->found, D->nfound, sizeof(uint32_t), cmp_u32);
	} else {
		uint32_t n = 0, pc;

		for (i = 0; i < D->nfound; i++)
			D->fmark[D->found[i]] = D->gen;
		for (pc = 0; pc < D->c->ninsts; pc++)
			if (D->fmark[pc] == D->gen)
				D->found[n++] = pc;
		D->work += D->c->ninsts;
	}
	return match;
}

static uint32_t hash_pcs(const uint32_t *pcs, uint32_t n)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ pcs[i]) * 16777619u;
	return h;
}

static void dfa_rehash(struct dfa *D)
{
	uint32_t i;

	D->tabsize = D->tabsize ? 2 * D->tabsize : 256;
	D->table = cc_alloc(D->c->a, sizeof(uint32_t) * D->tabsize);
	for (i = 0; i < D->nst; i++) {
		uint32_t h = D->st[i].hash & (D->tabsize - 1);

		while (D->table[h])
			h = (h + 1) & (D->tabsize - 1);
		D->table[h] = i + 1;
	}
}

/* The state for the threads in D->found: an existing one, or a new one. */
static int64_t dfa_state(struct dfa *D, bool match)
{
	uint32_t h = hash_pcs(D->found, D->nfound), k, i;
	struct dstate *s;

	for (k = h & (D->tabsize - 1); D->table[k]; k = (k + 1) & (D->tabsize - 1)) {
		s = &D->st[D->table[k] - 1];
		if (s->hash == h && s->npcs == D->nfound &&
		    !memcmp(s->pcs, D->found, sizeof(uint32_t) * D->nfound))
			return D->table[k] - 1;
	}
	if (D->nst >= CC_REGEX_MAX_BUILD) {
		rx_fail(D->c, SIZE_MAX,
			"the pattern needs more than %d DFA states before minimisation "
			"(CC_REGEX_MAX_BUILD): simplify it, or split it into several matches",
			CC_REGEX_MAX_BUILD);
		D->c->errcode = -E2BIG;
		return -1;
	}
	if (D->nst == D->capst) {
		uint32_t cap = D->capst ? 2 * D->capst : 64;
		struct dstate *ns = cc_alloc(D->c->a, sizeof(*ns) * cap);
		uint32_t *nn = cc_alloc(D->c->a, sizeof(uint32_t) * cap * D->nclasses);

		if (D->nst) {
			memcpy(ns, D->st, sizeof(*ns) * D->nst);
			memcpy(nn, D->next, sizeof(uint32_t) * D->nst * D->nclasses);
		}
		D->st = ns;
		D->next = nn;
		D->capst = cap;
	}
	s = &D->st[D->nst];
	s->pcs = cc_alloc(D->c->a, sizeof(uint32_t) * (D->nfound ? D->nfound : 1));
	memcpy(s->pcs, D->found, sizeof(uint32_t) * D->nfound);
	s->npcs = D->nfound;
	s->hash = h;
	s->flags = match ? GRT_RE_ACCEPT : 0;
	/* does a $ thread reach MATCH when the string ends here? */
	if (!match) {
		uint32_t *eol = cc_alloc(D->c->a, sizeof(uint32_t) * (D->nfound ? D->nfound : 1));
		uint32_t n = 0;

		for (i = 0; i < s->npcs; i++)
			if (D->c->insts[s->pcs[i]].op == GRT_RE_EOL)
				eol[n++] = s->pcs[i] + 1;
		if (n && closure(D, eol, n, false, true))
			s->flags |= GRT_RE_ACCEPT_END;
	}
	D->nst++;
	if (2 * D->nst > D->tabsize)
		dfa_rehash(D);
	else {
		for (k = h & (D->tabsize - 1); D->table[k]; k = (k + 1) & (D->tabsize - 1))
			;
		D->table[k] = D->nst;
	}
	return D->nst - 1;
}

/*
 * Where the search's restart goes: the pattern's start without ^, in
 * every state but the first.  Computed once, then merged (sorted union)
 * into each transition's closure instead of being walked again.
 */
static bool dfa_merge_restart(struct dfa *D, bool match)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < D->nfound || j < D->nrestart) {
		uint32_t a = i < D->nfound ? D->found[i] : UINT32_MAX;
		uint32_t b = j < D->nrestart ? D->restart[j] : UINT32_MAX;

		D->merged[n++] = a < b ? a : b;
		i += a <= b;
		j += b <= a;
	}
	memcpy(D->found, D->merged, sizeof(uint32_t) * n);
	D->nfound = n;
	return dfa_charge(D, n) && (match || D->restart_match);
}

/* For each byte set, the classes it holds: a set is a union of classes. */
static void dfa_set_classes(struct dfa *D)
{
	struct rxc *c = D->c;
	uint32_t k, cl, n = 0;

	D->setcls_start = cc_alloc(c->a, sizeof(uint32_t) * ((size_t)c->nsets + 1));
	for (k = 0; k < (uint32_t)c->nsets; k++)
		for (cl = 0; cl < D->nclasses; cl++)
			n += D->rep[cl] && (c->sets[k][D->rep[cl] >> 3] >> (D->rep[cl] & 7) & 1);
	D->setcls = cc_alloc(c->a, sizeof(uint32_t) * (n ? n : 1));
	n = 0;
	for (k = 0; k < (uint32_t)c->nsets; k++) {
		D->setcls_start[k] = n;
		for (cl = 0; cl < D->nclasses; cl++)
			if (D->rep[cl] && (c->sets[k][D->rep[cl] >> 3] >> (D->rep[cl] & 7) & 1))
				D->setcls[n++] = cl;
	}
	D->setcls_start[c->nsets] = n;
}

static int dfa_build(struct dfa *D)
{
	struct rxc *c = D->c;
	uint32_t nc = D->nclasses, s, k, i, zero = 0;
	uint32_t *count = cc_alloc(c->a, sizeof(uint32_t) * (nc + 1));
	uint32_t capseeds = c->ninsts + 1;
	uint32_t *seeds = cc_alloc(c->a, sizeof(uint32_t) * capseeds);
	bool m;

	D->mark = cc_alloc(c->a, sizeof(uint32_t) * c->ninsts);
	D->fmark = cc_alloc(c->a, sizeof(uint32_t) * c->ninsts);
	D->stack = cc_alloc(c->a, sizeof(uint32_t) * (c->ninsts + 1));
	D->found = cc_alloc(c->a, sizeof(uint32_t) * (c->ninsts + 1));
	D->merged = cc_alloc(c->a, sizeof(uint32_t) * (2 * c->ninsts + 1));
	dfa_set_classes(D);
	dfa_rehash(D);
	D->restart_match = closure(D, &zero, 1, false, false);
	D->nrestart = D->nfound;
	D->restart = cc_alloc(c->a, sizeof(uint32_t) * (D->nfound + 1));
	memcpy(D->restart, D->found, sizeof(uint32_t) * D->nfound);
	m = closure(D, &zero, 1, true, false);
	if (dfa_state(D, m) < 0)
		return -1;
	for (s = 0; s < D->nst; s++) {
		struct dstate *st = &D->st[s];
		uint32_t total;

		if (st->flags & GRT_RE_ACCEPT) {
			for (k = 0; k < nc; k++)
				D->next[s * nc + k] = s;
			continue;
		}
		/* bucket the threads that read a byte by the classes they accept:
		 * count[k] .. count[k + 1] are the seeds of class k */
		memset(count, 0, sizeof(uint32_t) * (nc + 1));
		for (i = 0; i < st->npcs; i++) {
			const struct grt_re_inst *in = &c->insts[st->pcs[i]];

			if (in->op == GRT_RE_SET)
				for (k = D->setcls_start[in->arg]; k < D->setcls_start[in->arg + 1]; k++)
					count[D->setcls[k] + 1]++;
		}
		for (k = 0; k < nc; k++)
			count[k + 1] += count[k];
		total = count[nc];
		if (!dfa_charge(D, (uint64_t)st->npcs + total + nc))
			return -1;
		if (total > capseeds) {
			capseeds = 2 * total;
			seeds = cc_alloc(c->a, sizeof(uint32_t) * capseeds);
		}
		for (i = 0; i < st->npcs; i++) {
			const struct grt_re_inst *in = &c->insts[st->pcs[i]];

			if (in->op == GRT_RE_SET)
				for (k = D->setcls_start[in->arg]; k < D->setcls_start[in->arg + 1]; k++)
					seeds[count[D->setcls[k]]++] = st->pcs[i] + 1;
		}
		/* count[k] is now the end of class k's seeds, count[k - 1] its start */
		for (k = 0; k < nc; k++) {
			uint32_t from = k ? count[k - 1] : 0;
			int64_t to;

			m = closure(D, seeds + from, count[k] - from, false, false);
			/* the search goes on: the pattern may start at the next byte */
			m = dfa_merge_restart(D, m);
			if (D->c->failed)
				return -1;
			to = dfa_state(D, m);
			if (to < 0)
				return -1;
			D->next[s * nc + k] = (uint32_t)to;
			st = &D->st[s]; /* dfa_state may have moved the states */
		}
	}
	return 0;
}

/*
 * Moore's partition refinement: states start in blocks by their flags and
 * are split by the blocks their transitions lead to, until nothing splits.
 * Blocks are numbered in order of their first state, so the start state
 * stays 0.  Returns the number of blocks; block[] maps states to them.
 */
static uint32_t dfa_minimize(struct dfa *D, uint32_t *block)
{
	uint32_t n = D->nst, nc = D->nclasses, nb = 0, s, k, i;
	uint32_t *sig = cc_alloc(D->c->a, sizeof(uint32_t) * (nc + 1));
	uint32_t *nblock = cc_alloc(D->c->a, sizeof(uint32_t) * n);
	uint32_t *first = cc_alloc(D->c->a, sizeof(uint32_t) * n); /* a state of each new block */
	uint32_t tabsize = 1, *tab;

	while (tabsize < 2 * n)
		tabsize *= 2;
	tab = cc_alloc(D->c->a, sizeof(uint32_t) * tabsize);
	{
		int byflags[8];

		for (i = 0; i < 8; i++)
			byflags[i] = -1;
		for (s = 0; s < n; s++) {
			if (byflags[D->st[s].flags] < 0)
				byflags[D->st[s].flags] = (int)nb++;
			block[s] = (uint32_t)byflags[D->st[s].flags];
		}
	}
	for (;;) {
		uint32_t nnb = 0;

		/* a round reads every cell of the table */
		if (!dfa_charge(D, (uint64_t)n * (nc + 1)))
			return 0;
		memset(tab, 0, sizeof(uint32_t) * tabsize);
		for (s = 0; s < n; s++) {
			uint32_t h = 2166136261u, slot;

			sig[0] = block[s];
			for (k = 0; k < nc; k++)
				sig[k + 1] = block[D->next[s * nc + k]];
			for (k = 0; k <= nc; k++)
				h = (h ^ sig[k]) * 16777619u;
			for (slot = h & (tabsize - 1);; slot = (slot + 1) & (tabsize - 1)) {
				uint32_t t;

				if (!tab[slot]) {
					tab[slot] = nnb + 1;
					first[nnb] = s;
					nblock[s] = nnb++;
					break;
				}
				t = first[tab[slot] - 1];
				if (block[t] != sig[0])
					continue;
				for (k = 0; k < nc; k++)
					if (block[D->next[t * nc + k]] != sig[k + 1])
						break;
				if (k == nc) {
					nblock[s] = tab[slot] - 1;
					break;
				}
			}
		}
		memcpy(block, nblock, sizeof(uint32_t) * n);
		if (nnb == nb)
			return nb;
		nb = nnb;
	}
}

/* ---- the whole ------------------------------------------------------------------- */

int cc_regex_compile(struct cc_arena *out, const char *pat, size_t len, struct grt_regex **ret,
		     char *err, size_t errlen, size_t *ret_off)
{
	struct cc_arena *a = cc_arena_new();
	struct rxc c = { .a = a, .p = (const unsigned char *)pat, .len = len, .err = err,
			 .errlen = errlen, .ngroups = 1 };
	struct dfa D = { .c = &c };
	struct grt_regex *re;
	struct rx *tree;
	uint32_t *block, nb, s, k;
	uint16_t *next;
	uint8_t *flags, *cls;
	int rc;

	tree = parse_alt(&c);
	emit(&c, GRT_RE_SAVE, 0, 0, 0, 0);
	gen(&c, tree);
	emit(&c, GRT_RE_SAVE, 1, 0, 0, 0);
	emit(&c, GRT_RE_MATCH, 0, 0, 0, 0);
	if (c.failed)
		goto out_fail;
	dfa_classes(&D);
	if (dfa_build(&D) < 0)
		goto out_fail;
	block = cc_alloc(a, sizeof(uint32_t) * D.nst);
	nb = dfa_minimize(&D, block);
	if (c.failed)
		goto out_fail;
	if (nb > CC_REGEX_MAX_STATES) {
		rx_fail(&c, SIZE_MAX,
			"the pattern needs %u DFA states, more than %d (CC_REGEX_MAX_STATES): "
			"simplify it, or split it into several matches",
			nb, CC_REGEX_MAX_STATES);
		c.errcode = -E2BIG;
		goto out_fail;
	}

	re = cc_alloc(out, sizeof(*re));
	cls = cc_alloc(out, 256);
	memcpy(cls, D.cls, 256);
	next = cc_alloc(out, sizeof(uint16_t) * nb * D.nclasses);
	flags = cc_alloc(out, nb);
	for (s = 0; s < D.nst; s++) {
		uint32_t b = block[s];

		flags[b] = D.st[s].flags;
		for (k = 0; k < D.nclasses; k++)
			next[b * D.nclasses + k] = (uint16_t)block[D.next[s * D.nclasses + k]];
	}
	/* a state that neither accepts nor leaves: the walk can stop there */
	for (s = 0; s < nb; s++) {
		if (flags[s])
			continue;
		for (k = 0; k < D.nclasses && next[s * D.nclasses + k] == s; k++)
			;
		if (k == D.nclasses)
			flags[s] = GRT_RE_DEAD;
	}
	re->nstates = nb;
	re->nclasses = D.nclasses;
	re->cls = cls;
	re->next = next;
	re->flags = flags;
	re->ninsts = c.ninsts;
	re->insts = cc_alloc(out, sizeof(struct grt_re_inst) * c.ninsts);
	memcpy((void *)re->insts, c.insts, sizeof(struct grt_re_inst) * c.ninsts);
	re->nsets = (uint32_t)c.nsets;
	re->sets = cc_alloc(out, sizeof(rx_set) * (size_t)(c.nsets ? c.nsets : 1));
	if (c.nsets)
		memcpy((void *)re->sets, c.sets, sizeof(rx_set) * (size_t)c.nsets);
	re->ngroups = (uint32_t)c.ngroups;
	*ret = re;
	cc_arena_free(a);
	return 0;
out_fail:
	rc = c.errcode;
	if (ret_off)
		*ret_off = c.erroff;
	cc_arena_free(a);
	return rc;
}

/* ---- the script's regular expressions ---------------------------------------------- */

/*
 * Where byte off of a string literal's value is in the script: the
 * literal's text is walked, escape by escape, as the lexer decoded it.
 * When the value does not come from one plain literal (adjacent literals,
 * a macro argument, @1), the literal's own place is as close as it gets.
 */
static struct cc_loc literal_loc(const struct cc_loc *lit, size_t off)
{
	struct cc_loc l = *lit;
	const char *t, *p, *end;
	size_t d = 0;

	if (off == SIZE_MAX || !lit->file || !lit->file->text || (size_t)lit->off >= lit->file->len)
		return l;
	t = lit->file->text + lit->off;
	end = lit->file->text + lit->file->len;
	if (*t != '"')
		return l;
	for (p = t + 1; p < end && d < off; d++) {
		if (*p == '"' || *p == '\n')
			return l;
		if (*p != '\\') {
			p++;
			continue;
		}
		p++;
		if (p >= end || *p == '\n')
			return l;
		if (*p == 'x') {
			int k = 0;

			for (p++; k < 2 && p < end && *p && strchr("0123456789abcdefABCDEF", *p); k++)
				p++;
		} else if (*p >= '0' && *p <= '7') {
			int k = 0;

			for (; k < 3 && p < end && *p >= '0' && *p <= '7'; k++)
				p++;
		} else {
			p++;
		}
	}
	l.col += (int)(p - t);
	l.off += (int)(p - t);
	return l;
}

/* Bytes of .rodata a regex's kernel tables take (cls, flags, row, next). */
static uint64_t kernel_bytes(const struct grt_regex *re)
{
	return 256 + (uint64_t)re->nstates * (1 + 4) + (uint64_t)re->nstates * re->nclasses * 2;
}

int cc_regex_use(struct cc_ctx *cx, struct cc_regex *r, bool kernel, const struct cc_loc *loc)
{
	uint64_t total = kernel_bytes(r->re);
	int i, n = 0;

	if (!kernel) {
		r->used_user = true;
		return 0;
	}
	if (r->kid >= 0)
		return 0;
	for (i = 0; i < cx->prog->regexes.n; i++) {
		struct cc_regex *o = cx->prog->regexes.v[i];

		if (o->kid >= 0) {
			n++;
			total += kernel_bytes(o->re);
		}
	}
	if (total > CC_REGEX_MAX_KERNEL_BYTES) {
		/* said once: every pattern after this one is over too */
		if (cx->prog->re_kernel_full)
			return -E2BIG;
		cx->prog->re_kernel_full = true;
		cc_error_at(&cx->diag, loc,
			    "the regular expressions of the kernel probes need %llu bytes of "
			    "tables with this one, more than %d (CC_REGEX_MAX_KERNEL_BYTES): "
			    "match some in user context, or simplify them",
			    (unsigned long long)total, CC_REGEX_MAX_KERNEL_BYTES);
		return -E2BIG;
	}
	r->kid = n;
	return 0;
}

struct cc_regex *cc_regex_find(struct cc_ctx *cx, const char *pat, size_t len)
{
	int i;

	for (i = 0; cx->prog && i < cx->prog->regexes.n; i++) {
		struct cc_regex *r = cx->prog->regexes.v[i];

		if (r->len == len && !memcmp(r->pattern, pat, len))
			return r;
	}
	return NULL;
}

struct cc_regex *cc_regex_intern(struct cc_ctx *cx, const char *pat, size_t len,
				 const struct cc_loc *loc)
{
	struct cc_regex *r = cc_regex_find(cx, pat, len);
	char err[256];
	size_t off = SIZE_MAX;

	if (r)
		return r->re ? r : NULL;
	r = cc_alloc(cx->arena, sizeof(*r));
	r->pattern = cc_strndup(cx->arena, pat, len);
	r->len = len;
	r->id = cx->prog->regexes.n;
	r->kid = -1;
	cc_vec_push(cx->arena, &cx->prog->regexes, r);
	if (cc_regex_compile(cx->arena, pat, len, &r->re, err, sizeof(err), &off) < 0) {
		struct cc_loc at = literal_loc(loc, off);

		/* reported once: a failed pattern stays in the list without tables */
		r->re = NULL;
		cc_error_at(&cx->diag, &at, "bad regular expression: %s", err);
		return NULL;
	}
	return r;
}

/* ---- tables as C ------------------------------------------------------------------- */

static void emit_bytes(FILE *o, const uint8_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(o, "%s%u,", i % 24 ? " " : "\n\t", v[i]);
	fprintf(o, "\n");
}

static void emit_u16(FILE *o, const uint16_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(o, "%s%u,", i % 16 ? " " : "\n\t", v[i]);
	fprintf(o, "\n");
}

static void emit_comment(FILE *o, const struct cc_regex *r)
{
	size_t i;

	fprintf(o, "/* regex %d: ", r->id);
	for (i = 0; i < r->len && i < 60; i++) {
		unsigned char ch = (unsigned char)r->pattern[i];

		/* printable, and no slash that could end or open a comment */
		fputc(ch >= 32 && ch < 127 && ch != '/' ? ch : '?', o);
	}
	fprintf(o, "%s */\n", r->len > 60 ? "..." : "");
}

void cc_regex_emit_user(struct cc_ctx *cx, FILE *o)
{
	int i;
	uint32_t k, j;

	for (i = 0; cx->prog && i < cx->prog->regexes.n; i++) {
		struct cc_regex *r = cx->prog->regexes.v[i];
		const struct grt_regex *re = r->re;

		if (!r->used_user || !re)
			continue;
		emit_comment(o, r);
		fprintf(o, "static const uint8_t th_re%d_cls[256] = {", r->id);
		emit_bytes(o, re->cls, 256);
		fprintf(o, "};\nstatic const uint16_t th_re%d_next[%u] = {", r->id,
			re->nstates * re->nclasses);
		emit_u16(o, re->next, (size_t)re->nstates * re->nclasses);
		fprintf(o, "};\nstatic const uint8_t th_re%d_flags[%u] = {", r->id, re->nstates);
		emit_bytes(o, re->flags, re->nstates);
		fprintf(o, "};\n");
		if (cx->prog->re_captures) {
			fprintf(o, "static const struct grt_re_inst th_re%d_insts[%u] = {\n", r->id,
				re->ninsts);
			for (k = 0; k < re->ninsts; k++)
				fprintf(o, "\t{ %u, %u, %u, %u },\n", re->insts[k].op, re->insts[k].arg,
					re->insts[k].x, re->insts[k].y);
			fprintf(o, "};\nstatic const uint8_t th_re%d_sets[%u][32] = {\n", r->id,
				re->nsets ? re->nsets : 1);
			for (k = 0; k < re->nsets; k++) {
				fprintf(o, "\t{");
				for (j = 0; j < 32; j++)
					fprintf(o, "%s%u", j ? ", " : " ", re->sets[k][j]);
				fprintf(o, " },\n");
			}
			fprintf(o, "};\n");
		}
		fprintf(o, "static const struct grt_regex th_re%d = {\n"
			   "\t.nstates = %u, .nclasses = %u, .cls = th_re%d_cls,\n"
			   "\t.next = th_re%d_next, .flags = th_re%d_flags, .ngroups = %u,\n",
			r->id, re->nstates, re->nclasses, r->id, r->id, r->id, re->ngroups);
		if (cx->prog->re_captures)
			fprintf(o, "\t.ninsts = %u, .insts = th_re%d_insts, .nsets = %u, "
				   ".sets = th_re%d_sets,\n",
				re->ninsts, r->id, re->nsets, r->id);
		fprintf(o, "};\n\n");
	}
}

/*
 * The kernel's tables: every regex of the kernel probes in one set of
 * arrays, so the matcher in grt_bpf_regex.h checks its indexes against
 * constants (TH_RE_*).  Each regex's states are numbered from its base in
 * th_re_flags/th_re_row; th_re_row[state] is where its row starts in
 * th_re_next, whose entries are state numbers local to the regex.
 */
void cc_regex_emit_bpf(struct cc_ctx *cx, FILE *o)
{
	struct cc_prog *P = cx->prog;
	uint32_t nstates = 0, nnext = 0, k;
	int i, nk = 0;
	bool first;

	for (i = 0; P && i < P->regexes.n; i++) {
		struct cc_regex *r = P->regexes.v[i];

		if (r->kid < 0 || !r->re)
			continue;
		emit_comment(o, r);
		fprintf(o, "#define TH_RE%d_BASE %u\n#define TH_RE%d_CLS %u\n", r->id, nstates, r->id,
			(unsigned)r->kid * 256);
		nstates += r->re->nstates;
		nnext += r->re->nstates * r->re->nclasses;
		nk++;
	}
	if (!nk)
		return;
	fprintf(o, "#define TH_RE_NSTATES %u\n#define TH_RE_NCLS %d\n#define TH_RE_NNEXT %u\n",
		nstates, nk * 256, nnext);
	/* in .rodata by name (before grt_bpf.h is included: its TH_RO says why) */
	fprintf(o, "#define TH_RE_RO __attribute__((section(\".rodata\")))\n");
	fprintf(o, "static const TH_RE_RO __u8 th_re_cls[TH_RE_NCLS] = {");
	for (i = 0; i < P->regexes.n; i++) {
		struct cc_regex *r = P->regexes.v[i];

		if (r->kid >= 0 && r->re)
			emit_bytes(o, r->re->cls, 256);
	}
	fprintf(o, "};\nstatic const TH_RE_RO __u8 th_re_flags[TH_RE_NSTATES] = {");
	for (i = 0; i < P->regexes.n; i++) {
		struct cc_regex *r = P->regexes.v[i];

		if (r->kid >= 0 && r->re)
			emit_bytes(o, r->re->flags, r->re->nstates);
	}
	fprintf(o, "};\nstatic const TH_RE_RO __u32 th_re_row[TH_RE_NSTATES] = {");
	nnext = 0;
	first = true;
	for (i = 0; i < P->regexes.n; i++) {
		struct cc_regex *r = P->regexes.v[i];

		if (r->kid < 0 || !r->re)
			continue;
		for (k = 0; k < r->re->nstates; k++) {
			fprintf(o, "%s%u,", first || k % 16 ? " " : "\n\t", nnext);
			first = false;
			nnext += r->re->nclasses;
		}
	}
	fprintf(o, "\n};\nstatic const TH_RE_RO __u16 th_re_next[TH_RE_NNEXT] = {");
	for (i = 0; i < P->regexes.n; i++) {
		struct cc_regex *r = P->regexes.v[i];

		if (r->kid >= 0 && r->re)
			emit_u16(o, r->re->next, (size_t)r->re->nstates * r->re->nclasses);
	}
	fprintf(o, "};\n\n");
}
