// SPDX-License-Identifier: MIT
/*
 * The lexer: script text -> a linked list of tokens.
 *
 * SystemTap's lexical grammar: three comment styles (# // and C's block
 * comments), identifiers, $target variables ($name, $$parms, $1), @names
 * (@count, @define, @1), decimal/octal/hex integers, double-quoted strings
 * with C escapes, the preprocessor brackets %( %? %: %), embedded C
 * %{ %} (which we only lex in order to refuse it with a good message),
 * and the punctuators, matched longest first.
 *
 * Each token records whether whitespace preceded it: the parser needs that
 * to glue probe point components like `sys_*` back together, since `*` is
 * also an operator.  Errors are reported and lexing continues.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* Longest first within each leading character. */
static const char *const puncts[] = {
	"<<<", "<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "!~", "=~", "&&", "||",
	"++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", ".=", "->",
	"%(", "%?", "%:", "%)",
	"+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "<", ">", "=", ".", ",",
	";", ":", "?", "(", ")", "[", "]", "{", "}",
};

struct lexer {
	struct cc_ctx *cx;
	const struct cc_srcfile *f;
	const char *p, *end;
	int line;
	const char *line_start;
};

static struct cc_loc here(const struct lexer *lx, const char *at)
{
	struct cc_loc loc = {
		.file = lx->f,
		.line = lx->line,
		.col = (int)(at - lx->line_start) + 1,
		.off = (int)(at - lx->f->text),
	};
	return loc;
}

static void newline(struct lexer *lx, const char *nl)
{
	lx->line++;
	lx->line_start = nl + 1;
}

/* Skip whitespace and comments; returns true when anything was skipped. */
static bool skip_space(struct lexer *lx)
{
	bool skipped = false;

	while (lx->p < lx->end) {
		const char *p = lx->p;

		if (*p == '\n') {
			newline(lx, p);
			lx->p++;
		} else if (isspace((unsigned char)*p)) {
			lx->p++;
		} else if (*p == '#' || (*p == '/' && p + 1 < lx->end && p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (*p == '/' && p + 1 < lx->end && p[1] == '*') {
			struct cc_loc start = here(lx, p);

			lx->p += 2;
			for (;;) {
				if (lx->p + 1 >= lx->end) {
					cc_error_at(&lx->cx->diag, &start, "unterminated comment");
					lx->p = lx->end;
					break;
				}
				if (lx->p[0] == '*' && lx->p[1] == '/') {
					lx->p += 2;
					break;
				}
				if (*lx->p == '\n')
					newline(lx, lx->p);
				lx->p++;
			}
		} else {
			break;
		}
		skipped = true;
	}
	return skipped;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void lex_number(struct lexer *lx, struct cc_token *t)
{
	const char *p = lx->p;
	unsigned long long v = 0;
	int base = 10;
	bool overflow = false;

	if (p[0] == '0' && p + 1 < lx->end && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	while (p < lx->end && is_ident_char((unsigned char)*p)) {
		int d = hexval((unsigned char)*p);

		if (d < 0 || d >= base) {
			struct cc_loc loc = here(lx, p);

			cc_error_at(&lx->cx->diag, &loc, "invalid digit '%c' in %s number", *p,
				    base == 16 ? "hexadecimal" : base == 8 ? "octal" : "decimal");
			while (p < lx->end && is_ident_char((unsigned char)*p))
				p++;
			break;
		}
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			overflow = true;
		v = v * (unsigned)base + (unsigned)d;
		p++;
	}
	if (base == 16 && p == lx->p + 2) {
		struct cc_loc loc = here(lx, lx->p);

		cc_error_at(&lx->cx->diag, &loc, "hexadecimal number without digits");
	}
	/*
	 * As in stap, a literal may use all 64 bits in every base and is
	 * taken modulo 2^64 into a signed long: 9223372036854775808 is
	 * INT64_MIN (so -9223372036854775808 can be written) and
	 * 18446744073709551615 is -1.  Only what does not fit 64 bits is
	 * refused.
	 */
	if (overflow) {
		struct cc_loc loc = here(lx, lx->p);

		cc_error_at(&lx->cx->diag, &loc, "number '%.*s' out of range for a 64-bit long",
			    (int)(p - lx->p), lx->p);
	}
	t->kind = TK_NUM;
	t->num = cc_num_wrap(v);
	lx->p = p;
}

int64_t cc_num_wrap(uint64_t v)
{
	/* not (int64_t)v: that conversion is implementation-defined above INT64_MAX */
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)~v - 1;
}

bool cc_num_negate(int64_t written, int64_t *ret)
{
	uint64_t m = (uint64_t)written;

	if (m > (uint64_t)INT64_MAX + 1)
		return false;
	*ret = cc_num_wrap(0 - m);
	return true;
}

static void lex_string(struct lexer *lx, struct cc_token *t)
{
	const char *start = lx->p;
	char *buf;
	size_t n = 0;
	const char *p = lx->p + 1;
	struct cc_loc nul = { 0 }, esc; /* where the first NUL comes from */

	/*
	 * The decoded string is never longer than its source, which ends at
	 * the closing quote, or at a newline or the end when unterminated.
	 * (Sized by a first scan: sizing by the rest of the file would make
	 * a script of many strings quadratic in memory.)
	 */
	{
		const char *q = p;

		while (q < lx->end && *q != '"' && *q != '\n')
			q += *q == '\\' && q + 1 < lx->end ? 2 : 1;
		buf = cc_alloc(lx->cx->arena, (size_t)(q - p) + 1);
	}
	for (;;) {
		if (p >= lx->end || *p == '\n') {
			struct cc_loc loc = here(lx, start);

			cc_error_at(&lx->cx->diag, &loc, "unterminated string literal");
			break;
		}
		if (*p == '"') {
			p++;
			break;
		}
		if (*p != '\\') {
			if (!*p && !nul.file)
				nul = here(lx, p);
			buf[n++] = *p++;
			continue;
		}
		esc = here(lx, p);
		p++;
		if (p >= lx->end)
			continue;
		switch (*p) {
		case 'n': buf[n++] = '\n'; p++; break;
		case 't': buf[n++] = '\t'; p++; break;
		case 'r': buf[n++] = '\r'; p++; break;
		case 'a': buf[n++] = '\a'; p++; break;
		case 'b': buf[n++] = '\b'; p++; break;
		case 'f': buf[n++] = '\f'; p++; break;
		case 'v': buf[n++] = '\v'; p++; break;
		case '\\': buf[n++] = '\\'; p++; break;
		case '"': buf[n++] = '"'; p++; break;
		case '\'': buf[n++] = '\''; p++; break;
		case '?': buf[n++] = '?'; p++; break;
		case '\n':
			/* backslash-newline continues the string */
			newline(lx, p);
			p++;
			break;
		case 'x': {
			int v = 0, k = 0;

			p++;
			while (k < 2 && p < lx->end && hexval((unsigned char)*p) >= 0) {
				v = v * 16 + hexval((unsigned char)*p++);
				k++;
			}
			if (!k) {
				cc_error_at(&lx->cx->diag, &esc, "\\x used with no following hex digits");
				break;
			}
			if (!v && !nul.file)
				nul = esc;
			buf[n++] = (char)v;
			break;
		}
		default:
			if (*p >= '0' && *p <= '7') {
				int v = 0, k = 0;

				while (k < 3 && p < lx->end && *p >= '0' && *p <= '7') {
					v = v * 8 + (*p++ - '0');
					k++;
				}
				if (!v && !nul.file)
					nul = esc;
				buf[n++] = (char)v;
			} else {
				if (isprint((unsigned char)*p))
					cc_error_at(&lx->cx->diag, &esc, "unknown escape sequence '\\%c'",
						    *p);
				else
					cc_error_at(&lx->cx->diag, &esc,
						    "unknown escape sequence: '\\' then byte 0x%02x",
						    (unsigned char)*p);
				buf[n++] = *p++;
			}
		}
	}
	buf[n] = 0;
	if (memchr(buf, 0, n))
		cc_error_at(&lx->cx->diag, nul.file ? &nul : &t->loc,
			    "a string cannot contain a NUL byte (strings end at the first NUL)");
	t->kind = TK_STR;
	t->str = buf;
	t->slen = n;
	lx->p = p;
}

static void lex_embedded(struct lexer *lx, struct cc_token *t)
{
	const char *start = lx->p;
	struct cc_loc loc = here(lx, start);

	lx->p += 2;
	for (;;) {
		if (lx->p + 1 >= lx->end) {
			cc_error_at(&lx->cx->diag, &loc, "unterminated embedded C block '%%{'");
			lx->p = lx->end;
			break;
		}
		if (lx->p[0] == '%' && lx->p[1] == '}') {
			lx->p += 2;
			break;
		}
		if (*lx->p == '\n')
			newline(lx, lx->p);
		lx->p++;
	}
	t->kind = TK_EMBEDDED;
}

static bool lex_punct(struct lexer *lx, struct cc_token *t)
{
	size_t i;

	for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
		size_t n;

		if (puncts[i][0] != *lx->p) /* cheap first: this runs for every operator */
			continue;
		n = strlen(puncts[i]);
		if ((size_t)(lx->end - lx->p) >= n && !memcmp(lx->p, puncts[i], n)) {
			t->kind = TK_OP;
			lx->p += n;
			return true;
		}
	}
	return false;
}

struct cc_token *cc_lex(struct cc_ctx *cx, const struct cc_srcfile *f)
{
	struct lexer lx = {
		.cx = cx, .f = f, .p = f->text, .end = f->text + f->len,
		.line = 1, .line_start = f->text,
	};
	struct cc_token head = { 0 }, *tail = &head, *t = NULL;
	bool bad = false; /* a character was skipped: it separates tokens */

	/* An executable script may start with "#!"; it is a comment anyway. */
	for (;;) {
		bool space = skip_space(&lx);
		const char *start;

		/* reuse the token a skipped character left unused: no garbage per byte */
		if (t)
			memset(t, 0, sizeof(*t));
		else
			t = cc_alloc(cx->arena, sizeof(*t));
		t->space_before = space || bad || tail == &head;
		bad = false;
		t->loc = here(&lx, lx.p);
		start = lx.p;
		if (lx.p >= lx.end) {
			t->kind = TK_EOF;
			t->text = lx.p;
			tail->next = t;
			break;
		}
		if (is_ident_start((unsigned char)*lx.p)) {
			while (lx.p < lx.end && is_ident_char((unsigned char)*lx.p))
				lx.p++;
			t->kind = TK_IDENT;
			t->str = cc_strndup(cx->arena, start, (size_t)(lx.p - start));
		} else if (isdigit((unsigned char)*lx.p)) {
			lex_number(&lx, t);
		} else if (*lx.p == '"') {
			lex_string(&lx, t);
		} else if ((*lx.p == '$' || *lx.p == '@') && lx.p + 1 < lx.end &&
			   (is_ident_char((unsigned char)lx.p[1]) || lx.p[1] == '#' ||
			    (*lx.p == '$' && lx.p[1] == '$'))) {
			const char *n = lx.p + 1;

			if (*n == '#') {
				n++;
			} else {
				if (*n == '$')
					n++;
				while (n < lx.end && is_ident_char((unsigned char)*n))
					n++;
				/* $$parms$ and $var$$: pretty-printing suffixes */
				while (n < lx.end && *n == '$')
					n++;
			}
			t->kind = *lx.p == '$' ? TK_TARGET : TK_AT;
			t->str = cc_strndup(cx->arena, lx.p + 1, (size_t)(n - lx.p - 1));
			lx.p = n;
		} else if (*lx.p == '$') {
			/* a lone '$': the pretty-printing suffix of @cast(...)->f$, x$ */
			t->kind = TK_TARGET;
			t->str = cc_strdup(cx->arena, "");
			lx.p++;
		} else if (lx.p + 1 < lx.end && lx.p[0] == '%' && lx.p[1] == '{') {
			lex_embedded(&lx, t);
		} else if (!lex_punct(&lx, t)) {
			unsigned char c = (unsigned char)*lx.p;

			if (c >= 0x80)
				cc_error_at(&cx->diag, &t->loc,
					    "unexpected byte 0x%02x: outside strings and comments a "
					    "script is ASCII",
					    c);
			else if (isprint(c))
				cc_error_at(&cx->diag, &t->loc, "unexpected character '%c'", c);
			else
				cc_error_at(&cx->diag, &t->loc, "unexpected control character 0x%02x",
					    c);
			/* one report for a run of non-ASCII bytes (one UTF-8 character) */
			lx.p++;
			while (c >= 0x80 && lx.p < lx.end && (unsigned char)*lx.p >= 0x80)
				lx.p++;
			bad = true;
			continue;
		}
		t->text = start;
		t->len = (int)(lx.p - start);
		tail->next = t;
		tail = t;
		t = NULL;
	}
	return head.next;
}

bool cc_tok_is(const struct cc_token *t, const char *op)
{
	return t->kind == TK_OP && (size_t)t->len == strlen(op) && !memcmp(t->text, op, (size_t)t->len);
}

const char *cc_tok_describe(struct cc_ctx *cx, const struct cc_token *t)
{
	switch (t->kind) {
	case TK_EOF:
		return "end of input";
	case TK_IDENT:
		return cc_sprintf(cx->arena, "identifier '%s'", t->str);
	case TK_TARGET:
		return cc_sprintf(cx->arena, "target variable '$%s'", t->str);
	case TK_AT:
		return cc_sprintf(cx->arena, "'@%s'", t->str);
	case TK_NUM:
		return cc_sprintf(cx->arena, "number '%.*s'", t->len, t->text);
	case TK_STR:
		/* as written, shortened: the message is about where, not what */
		if (t->len > 42)
			return cc_sprintf(cx->arena, "string \"%.40s...\"", t->text + 1);
		return cc_sprintf(cx->arena, "string \"%.*s\"", t->len < 2 ? 0 : t->len - 2,
				  t->text + 1);
	case TK_EMBEDDED:
		return "embedded C code";
	default:
		return cc_sprintf(cx->arena, "'%.*s'", t->len, t->text);
	}
}
