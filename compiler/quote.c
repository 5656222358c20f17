// SPDX-License-Identifier: MIT
/*
 * quote.c - a string written as a quoted literal: "..." with \" \\ \n \t
 * and \ooo for every other byte outside printable ASCII.  One syntax for
 * what the compiler prints (-p1/-p2 listings, dump.c) and what it writes
 * for the loader (guest.meta, read back by guest-runtime/meta.c), so a
 * listing shows a format exactly as the meta carries it.
 */
#include <stdio.h>

#include "compiler/compiler.h"

void cc_fquote(FILE *o, const char *s, size_t n)
{
	size_t i;

	fputc('"', o);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", o);
		else if (c == '\t')
			fputs("\\t", o);
		else if (c < 32 || c >= 127)
			fprintf(o, "\\%03o", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}
