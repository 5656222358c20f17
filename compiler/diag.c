// SPDX-License-Identifier: MIT
/*
 * Diagnostics: "file:line:col: error: message", the offending source line
 * and a caret under the column, the way C compilers print them.  Errors
 * are collected and counted, never fatal: each pass runs to its end so
 * one run reports several mistakes, and the driver stops between passes
 * when there were errors.  The first error's headline is kept for callers
 * that report it elsewhere (the hub's error replies, tests).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

static void print_source_line(FILE *out, const struct cc_loc *loc)
{
	const char *text = loc->file->text, *b, *e;
	int col;

	if (loc->off < 0 || (size_t)loc->off > loc->file->len)
		return;
	b = text + loc->off;
	while (b > text && b[-1] != '\n')
		b--;
	e = text + loc->off;
	while ((size_t)(e - text) < loc->file->len && *e != '\n')
		e++;
	fprintf(out, "    %.*s\n    ", (int)(e - b), b);
	/* Keep tabs so the caret lines up under tabbed source. */
	for (col = 1; col < loc->col && b + col - 1 < e; col++)
		fputc(b[col - 1] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}

static void vreport(struct cc_diag *d, const struct cc_loc *loc, const char *kind,
		    const char *fmt, va_list ap)
{
	char msg[1024];
	char head[1400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (loc && loc->file)
		snprintf(head, sizeof(head), "%s:%d:%d: %s: %s", loc->file->name, loc->line,
			 loc->col, kind, msg);
	else
		snprintf(head, sizeof(head), "%s: %s", kind, msg);
	if (!d->first && kind[0] == 'e')
		d->first = strdup(head);
	if (!d->out)
		return;
	fprintf(d->out, "%s\n", head);
	if (loc && loc->file)
		print_source_line(d->out, loc);
}

void cc_error_at(struct cc_diag *d, const struct cc_loc *loc, const char *fmt, ...)
{
	va_list ap;
	int max = d->maxerrors ? d->maxerrors : 20;

	d->nerrors++;
	if (d->nerrors > max)
		return;
	va_start(ap, fmt);
	vreport(d, loc, "error", fmt, ap);
	va_end(ap);
	if (d->nerrors == max && d->out)
		fprintf(d->out, "too many errors, stopping\n");
}

void cc_warn_at(struct cc_diag *d, const struct cc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	d->nwarnings++;
	if (d->warn_errors)
		d->nerrors++;
	else if (d->no_warnings)
		return;
	va_start(ap, fmt);
	vreport(d, loc, d->warn_errors ? "error" : "warning", fmt, ap);
	va_end(ap);
}

void cc_error(struct cc_diag *d, const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	va_start(ap, fmt);
	vreport(d, NULL, "error", fmt, ap);
	va_end(ap);
}

void cc_diag_release(struct cc_diag *d)
{
	free(d->first);
	d->first = NULL;
}
