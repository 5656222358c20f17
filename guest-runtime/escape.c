// SPDX-License-Identifier: MIT
/*
 * String escaping for output syntaxes other than the script's own: one
 * function per syntax, so a reader of our JSON (tap-read -j, tapctl -j)
 * sees the same escapes whichever program wrote it.
 *
 * JSON (RFC 8259): '"' and '\\' get a backslash, \n and \t their short
 * forms, every other byte below 0x20 \u00XX.  Bytes from 0x7f up pass as
 * they are: the text a script prints is UTF-8 by convention, and JSON
 * readers take UTF-8; a byte sequence that is not valid UTF-8 passes too
 * (the record holds it, we do not repair it).  A NUL inside the string is
 * a control byte like the others (\u0000): lengths are explicit.
 */
#include <stdio.h>

#include "guest-runtime/grt.h"

int grt_json_str(struct grt_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	int r;

	if ((r = grt_buf_putc(b, '"')))
		return r;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		/* the plain bytes before this one, in one copy */
		if (run && (r = grt_buf_put(b, s + i - run, run)))
			return r;
		run = 0;
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		if ((r = grt_buf_puts(b, esc)))
			return r;
	}
	if (run && (r = grt_buf_put(b, s + n - run, run)))
		return r;
	return grt_buf_putc(b, '"');
}
