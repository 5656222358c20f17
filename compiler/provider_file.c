// SPDX-License-Identifier: MIT
/*
 * DTrace provider files (.d), as `dtrace -h` and `dtrace -G` read them
 * (tools/dtrace.c): the providers and, for each probe, its name and the
 * types of its arguments.
 *
 *   provider myapp {
 *           probe request__start(const char *url, int len);
 *           probe tick(long);
 *   };
 *
 * What D allows around providers (typedefs, struct, enum and inline
 * declarations, translators, #pragma D stability attributes) is skipped:
 * none of it changes the markers <sys/sdt.h> emits.  Translators and
 * pragmas are named in a warning, as they would mean something to a
 * DTrace consumer; C declarations are skipped quietly, as SystemTap's
 * dtrace does, since the types they declare are the application's own.
 *
 * The text is either the file itself, where a `#` line other than a
 * pragma is a preprocessor directive ignored with a warning (stap's
 * dtrace ignores them silently: -C runs cpp), or cpp's output, whose line
 * markers (`# 12 "probes.d"`) make every location name the file and line
 * cpp read it from.
 *
 * Errors are collected with their location and parsing goes on at the
 * next probe or declaration, so one run reports several.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

enum pf_kind {
	PF_EOF = 0,
	PF_WORD,  /* [A-Za-z0-9_$]+: names, keywords, numbers */
	PF_STR,	  /* "..." or '...' */
	PF_PUNCT, /* one other character */
};

struct pf_tok {
	int kind;
	const char *text;
	int len;
	struct cc_loc loc;
};

struct pf_lexer {
	struct cc_arena *a;
	struct cc_diag *d;
	const struct cc_srcfile *src;  /* the text */
	const struct cc_srcfile *file; /* whose name locations carry (line markers change it) */
	const char *p, *end, *line_start;
	int line;     /* of the text */
	int line_adj; /* added to line for what locations say (line markers) */
	bool preprocessed;
	bool warned_pragma, warned_directive;
	struct pf_tok *toks;
	int ntoks, cap;
};

struct pf_parser {
	struct cc_arena *a;
	struct cc_diag *d;
	const struct pf_tok *t; /* the current token; the array ends with PF_EOF */
	struct cc_vec *providers;
};

static struct cc_loc pf_here(const struct pf_lexer *lx, const char *at)
{
	struct cc_loc loc = {
	    .file = lx->file,
	    .line = lx->line + lx->line_adj,
	    .col = (int)(at - lx->line_start) + 1,
	    .off = (int)(at - lx->src->text),
	};
	return loc;
}

static void pf_newline(struct pf_lexer *lx, const char *nl)
{
	lx->line++;
	lx->line_start = nl + 1;
}

static bool pf_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static void pf_push(struct pf_lexer *lx, int kind, const char *at, int len)
{
	if (lx->ntoks == lx->cap) {
		int cap = lx->cap ? 2 * lx->cap : 64;
		struct pf_tok *v = cc_alloc(lx->a, (size_t)cap * sizeof(*v));

		if (lx->ntoks)
			memcpy(v, lx->toks, (size_t)lx->ntoks * sizeof(*v));
		lx->toks = v;
		lx->cap = cap;
	}
	lx->toks[lx->ntoks++] =
	    (struct pf_tok){.kind = kind, .text = at, .len = len, .loc = pf_here(lx, at)};
}

/*
 * A line marker of cpp, `# 12 "file" 1 3` (or `#line 12 "file"`): the
 * next line is line 12 of file.  at: just after the '#' and spaces; e:
 * the end of the line.  Returns false when the line is not one.
 */
static bool pf_line_marker(struct pf_lexer *lx, const char *at, const char *e)
{
	const char *q, *name;
	const char *end;
	size_t len;
	long n;

	if (e - at > 4 && !strncmp(at, "line", 4) && (at[4] == ' ' || at[4] == '\t'))
		at += 5;
	while (at < e && (*at == ' ' || *at == '\t'))
		at++;
	if (at == e || !isdigit((unsigned char)*at))
		return false;
	/* by hand: the text has no NUL at e for strtol */
	for (n = 0, end = at; end < e && isdigit((unsigned char)*end); end++) {
		n = 10 * n + (*end - '0');
		if (n > 1 << 30)
			return false;
	}
	/* the line after this one is line n: line counts this one still */
	lx->line_adj = (int)n - (lx->line + 1);
	for (q = end; q < e && *q != '"'; q++)
		;
	if (q == e)
		return true; /* a number only: the file stays */
	name = ++q;
	while (q < e && *q != '"')
		q++;
	len = (size_t)(q - name);
	if (strlen(lx->file->name) != len || strncmp(lx->file->name, name, len)) {
		struct cc_srcfile *f = cc_alloc(lx->a, sizeof(*f));

		/* the same text, under the name of the file cpp read it from */
		*f = *lx->src;
		f->name = cc_strndup(lx->a, name, len);
		lx->file = f;
	}
	return true;
}

/*
 * A line that starts with '#': a line marker, a pragma, or (in a file
 * cpp has not read) another directive; each is skipped to its end, with
 * its backslash-newline continuations.
 */
static void pf_directive(struct pf_lexer *lx)
{
	const char *hash = lx->p, *at = lx->p + 1, *e = at;
	struct cc_loc loc = pf_here(lx, hash);

	while (e < lx->end && *e != '\n') {
		if (*e == '\\' && e + 1 < lx->end && e[1] == '\n') {
			pf_newline(lx, e + 1);
			e++;
		}
		e++;
	}
	lx->p = e;
	while (at < e && (*at == ' ' || *at == '\t'))
		at++;
	if (pf_line_marker(lx, at, e))
		return;
	if (e - at >= 6 && !strncmp(at, "pragma", 6)) {
		/* #pragma D attributes/binding: stability, nothing a marker carries */
		if (!lx->warned_pragma)
			cc_warn_at(lx->d, &loc,
				   "#pragma ignored: SDT markers have no stability "
				   "attributes (and no other pragma is used)");
		lx->warned_pragma = true;
		return;
	}
	if (at == e)
		return; /* a lone '#' is the null directive */
	if (!lx->preprocessed && !lx->warned_directive)
		cc_warn_at(lx->d, &loc,
			   "preprocessor directive ignored: run with -C to preprocess the file");
	lx->warned_directive = true;
}

/* A quoted string or character literal starting at lx->p. */
static void pf_quoted(struct pf_lexer *lx)
{
	const char *s = lx->p;
	char q = *s;
	const char *e = s + 1;

	while (e < lx->end && *e != q && *e != '\n') {
		if (*e == '\\' && e + 1 < lx->end && e[1] != '\n')
			e++;
		e++;
	}
	if (e == lx->end || *e != q) {
		struct cc_loc loc = pf_here(lx, s);

		cc_error_at(lx->d, &loc, "unterminated %s",
			    q == '"' ? "string" : "character literal");
		lx->p = e;
		return;
	}
	pf_push(lx, PF_STR, s, (int)(e + 1 - s));
	lx->p = e + 1;
}

static void pf_lex(struct pf_lexer *lx)
{
	bool line_begins = true; /* nothing but blanks before p on its line */

	while (lx->p < lx->end) {
		const char *p = lx->p;

		if (*p == '\n') {
			pf_newline(lx, p);
			lx->p++;
			line_begins = true;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			lx->p++;
			continue;
		}
		if (*p == '#' && line_begins) {
			pf_directive(lx);
			continue;
		}
		line_begins = false;
		if (p[0] == '/' && p + 1 < lx->end && p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (p[0] == '/' && p + 1 < lx->end && p[1] == '*') {
			struct cc_loc loc = pf_here(lx, p);
			const char *q = p + 2;

			while (q + 1 < lx->end && !(q[0] == '*' && q[1] == '/')) {
				if (*q == '\n')
					pf_newline(lx, q);
				q++;
			}
			if (q + 1 >= lx->end) {
				cc_error_at(lx->d, &loc, "unterminated comment");
				lx->p = lx->end;
			} else {
				lx->p = q + 2;
			}
		} else if (*p == '"' || *p == '\'') {
			pf_quoted(lx);
		} else if (pf_word_char(*p)) {
			const char *e = p;

			while (e < lx->end && pf_word_char(*e))
				e++;
			pf_push(lx, PF_WORD, p, (int)(e - p));
			lx->p = e;
		} else {
			pf_push(lx, PF_PUNCT, p, 1);
			lx->p++;
		}
	}
	pf_push(lx, PF_EOF, lx->end, 0);
}

/* ---- the grammar ------------------------------------------------------------- */

static bool pf_is(const struct pf_tok *t, const char *s)
{
	return t->kind != PF_EOF && t->kind != PF_STR && (size_t)t->len == strlen(s) &&
	       !strncmp(t->text, s, (size_t)t->len);
}

static bool pf_is_name(const struct pf_tok *t)
{
	return t->kind == PF_WORD && !isdigit((unsigned char)t->text[0]);
}

static const char *pf_describe(struct pf_parser *ps, const struct pf_tok *t)
{
	if (t->kind == PF_EOF)
		return "end of file";
	return cc_sprintf(ps->a, "'%.*s'", t->len, t->text);
}

static void pf_expected(struct pf_parser *ps, const char *what)
{
	cc_error_at(ps->d, &ps->t->loc, "expected %s, found %s", what, pf_describe(ps, ps->t));
}

static bool pf_open(const struct pf_tok *t)
{
	return pf_is(t, "(") || pf_is(t, "[") || pf_is(t, "{");
}

static bool pf_close(const struct pf_tok *t)
{
	return pf_is(t, ")") || pf_is(t, "]") || pf_is(t, "}");
}

/*
 * Skip tokens up to one of stop (single characters) at depth 0 of
 * brackets; the stop token is not consumed.  A closing bracket with no
 * opening one stops too.  Returns false at the end of the file.
 */
static bool pf_skip_to(struct pf_parser *ps, const char *stop)
{
	int depth = 0;

	for (; ps->t->kind != PF_EOF; ps->t++) {
		if (depth == 0 && ps->t->kind == PF_PUNCT && strchr(stop, ps->t->text[0]))
			return true;
		if (pf_open(ps->t))
			depth++;
		else if (pf_close(ps->t) && --depth < 0)
			return true;
	}
	return false;
}

/*
 * The text of tokens [b, e), one space between them but around the
 * brackets and after stars: "const char *", "char **s", "int[4]".
 */
static const char *pf_text(struct pf_parser *ps, const struct pf_tok *b, const struct pf_tok *e)
{
	size_t n = 0, i = 0;
	const struct pf_tok *t;
	char *s;

	for (t = b; t < e; t++)
		n += (size_t)t->len + 1;
	s = cc_alloc(ps->a, n + 1);
	for (t = b; t < e; t++) {
		bool glue = t == b || pf_is(t, ")") || pf_is(t, "]") || pf_is(t, "[") ||
			    pf_is(t - 1, "(") || pf_is(t - 1, "[") ||
			    (pf_is(t - 1, "*") && (pf_is(t, "*") || t->kind == PF_WORD));

		if (!glue)
			s[i++] = ' ';
		memcpy(s + i, t->text, (size_t)t->len);
		i += (size_t)t->len;
	}
	s[i] = '\0';
	return s;
}

/*
 * params = "(" (param ("," param)*)? ")"
 * param = token+            (brackets balanced; "void" alone: no parameter)
 *
 * Into pr->args (args false: only checked, the translated list after ':').
 */
static int pf_params(struct pf_parser *ps, struct cc_provider_probe *pr, bool args)
{
	const struct pf_tok *open = ps->t;

	if (!pf_is(ps->t, "(")) {
		pf_expected(ps, "'(' and the probe's argument types");
		return -EINVAL;
	}
	ps->t++;
	if (pf_is(ps->t, ")")) {
		ps->t++;
		return 0;
	}
	for (;;) {
		const struct pf_tok *b = ps->t;

		/* stopped at the end, a ';' (in no type), or a ']' or '}' nothing opened */
		if (!pf_skip_to(ps, ",);") || pf_is(ps->t, ";") || pf_is(ps->t, "]") ||
		    pf_is(ps->t, "}")) {
			cc_error_at(ps->d, &open->loc,
				    "unbalanced '(': no ')' ends the argument list");
			return -EINVAL;
		}
		if (b == ps->t) {
			pf_expected(ps, "an argument type");
			return -EINVAL;
		}
		if (args && pr->nargs == CC_SDT_MAX_ARGS) {
			cc_error_at(ps->d, &b->loc,
				    "probe '%s' has more than %d arguments, the most a <sys/sdt.h> "
				    "marker takes",
				    pr->name, CC_SDT_MAX_ARGS);
			return -EINVAL;
		}
		if (args)
			pr->args[pr->nargs++] = pf_text(ps, b, ps->t);
		if (pf_is(ps->t++, ")"))
			break;
	}
	/* probe p(void): no argument, as in C */
	if (args && pr->nargs == 1 && !strcmp(pr->args[0], "void"))
		pr->nargs = 0;
	return 0;
}

static const struct cc_provider_probe *pf_find_probe(const struct cc_provider *pv, const char *name)
{
	for (int i = 0; i < pv->probes.n; i++) {
		const struct cc_provider_probe *pr = pv->probes.v[i];

		if (!strcmp(pr->name, name))
			return pr;
	}
	return NULL;
}

/* probe = "probe" NAME params (":" params)? ";"? */
static int pf_probe(struct pf_parser *ps, struct cc_provider *pv)
{
	struct cc_provider_probe *pr = cc_alloc(ps->a, sizeof(*pr));
	const struct cc_provider_probe *old;

	ps->t++; /* "probe" */
	if (ps->t->kind != PF_WORD) {
		pf_expected(ps, "the probe's name");
		return -EINVAL;
	}
	pr->name = cc_strndup(ps->a, ps->t->text, (size_t)ps->t->len);
	pr->loc = ps->t->loc;
	ps->t++;
	if (pf_params(ps, pr, true))
		return -EINVAL;
	/* the translated types a DTrace consumer shows: the marker has the native ones */
	if (pf_is(ps->t, ":")) {
		ps->t++;
		if (pf_params(ps, pr, false))
			return -EINVAL;
	}
	/* ';' after a probe is optional, as SystemTap's dtrace has it */
	if (pf_is(ps->t, ";"))
		ps->t++;
	else if (!pf_is(ps->t, "probe") && !pf_is(ps->t, "}")) {
		pf_expected(ps, "';' after the probe");
		return -EINVAL;
	}
	old = pf_find_probe(pv, pr->name);
	if (old) {
		cc_error_at(ps->d, &pr->loc,
			    "probe '%s' of provider '%s' declared twice (first at %s:%d:%d)",
			    pr->name, pv->name, old->loc.file->name, old->loc.line, old->loc.col);
		return -EINVAL;
	}
	cc_vec_push(ps->a, &pv->probes, pr);
	return 0;
}

static struct cc_provider *pf_find_provider(struct pf_parser *ps, const char *name)
{
	for (int i = 0; i < ps->providers->n; i++) {
		struct cc_provider *pv = ps->providers->v[i];

		if (!strcmp(pv->name, name))
			return pv;
	}
	return NULL;
}

/*
 * After an error in a provider: on after the bad probe's ';', or at the
 * provider's '}' (braces counted, other brackets not: they may be the
 * unbalanced ones).
 */
static void pf_recover(struct pf_parser *ps)
{
	int depth = 0;

	for (; ps->t->kind != PF_EOF; ps->t++) {
		if (pf_is(ps->t, "{"))
			depth++;
		else if (pf_is(ps->t, "}") && --depth < 0)
			return;
		else if (depth == 0 && pf_is(ps->t, ";")) {
			ps->t++;
			return;
		}
	}
}

/* provider = "provider" NAME "{" probe* "}" ";"? */
static void pf_provider(struct pf_parser *ps)
{
	const struct pf_tok *open;
	struct cc_provider *pv;

	ps->t++; /* "provider" */
	if (!pf_is_name(ps->t)) {
		pf_expected(ps, "the provider's name");
		pf_skip_to(ps, ";");
		return;
	}
	pv = pf_find_provider(ps, cc_strndup(ps->a, ps->t->text, (size_t)ps->t->len));
	if (!pv) {
		pv = cc_alloc(ps->a, sizeof(*pv));
		pv->name = cc_strndup(ps->a, ps->t->text, (size_t)ps->t->len);
		pv->loc = ps->t->loc;
		cc_vec_push(ps->a, ps->providers, pv);
	}
	ps->t++;
	if (!pf_is(ps->t, "{")) {
		pf_expected(ps, "'{'");
		pf_skip_to(ps, ";");
		return;
	}
	open = ps->t++;
	while (!pf_is(ps->t, "}")) {
		if (ps->t->kind == PF_EOF) {
			cc_error_at(ps->d, &open->loc, "unbalanced '{': provider '%s' has no '}'",
				    pv->name);
			return;
		}
		if (pf_is(ps->t, "probe")) {
			if (!pf_probe(ps, pv))
				continue;
		} else {
			pf_expected(ps, "'probe' or '}'");
		}
		pf_recover(ps);
	}
	ps->t++;
	if (pf_is(ps->t, ";"))
		ps->t++;
}

/*
 * declaration = token+ ";"      (brackets balanced: typedef, struct, enum,
 *                                inline, translator ... { ... };)
 */
static void pf_declaration(struct pf_parser *ps)
{
	const struct pf_tok *first = ps->t;

	if (pf_is(ps->t, "translator"))
		cc_warn_at(ps->d, &ps->t->loc,
			   "translator ignored: SDT markers carry the native "
			   "argument types");
	for (;;) {
		if (!pf_skip_to(ps, ";")) {
			cc_error_at(ps->d, &first->loc,
				    "expected ';' to end this declaration, "
				    "found end of file");
			return;
		}
		if (pf_is(ps->t, ";"))
			break;
		/* a closing bracket with no opening one */
		cc_error_at(ps->d, &ps->t->loc, "unbalanced %s", pf_describe(ps, ps->t));
		ps->t++;
	}
	ps->t++;
}

/* file = (provider | ";" | declaration)* */
int cc_provider_file_parse(struct cc_arena *a, struct cc_diag *d, const struct cc_srcfile *src,
			   bool preprocessed, struct cc_vec *ret_providers)
{
	struct pf_lexer lx = {
	    .a = a,
	    .d = d,
	    .src = src,
	    .file = src,
	    .p = src->text,
	    .end = src->text + src->len,
	    .line_start = src->text,
	    .line = 1,
	    .preprocessed = preprocessed,
	};
	struct pf_parser ps = {.a = a, .d = d, .providers = ret_providers};
	int errors = d->nerrors;

	pf_lex(&lx);
	ps.t = lx.toks;
	while (ps.t->kind != PF_EOF) {
		if (pf_is(ps.t, "provider"))
			pf_provider(&ps);
		else if (pf_is(ps.t, ";"))
			ps.t++;
		else
			pf_declaration(&ps);
	}
	return d->nerrors > errors ? -EINVAL : 0;
}
