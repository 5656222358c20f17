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
 *
 * C, as stap quotes (text_str(), printf's %#c): \a \b \f \n \r \t \v,
 * the quote and the backslash by letter, every other byte outside
 * printable ASCII as three octal digits (never \x: a hex escape would eat
 * the digits after it).
 */
#include <stdio.h>
#include <string.h>

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

int grt_c_escape(unsigned char c, char quote, char esc[3])
{
	static const char from[] = "\a\b\f\n\r\t\v\\";
	static const char to[] = "abfnrtv\\";
	const char *hit;

	if (c >= 0x20 && c < 0x7f && c != (unsigned char)quote && c != '\\')
		return 0;
	if (c && c == (unsigned char)quote) {
		esc[0] = quote;
		return 1;
	}
	hit = c ? memchr(from, c, sizeof(from) - 1) : NULL;
	if (hit) {
		esc[0] = to[hit - from];
		return 1;
	}
	esc[0] = (char)('0' + ((c >> 6) & 3));
	esc[1] = (char)('0' + ((c >> 3) & 7));
	esc[2] = (char)('0' + (c & 7));
	return 3;
}
