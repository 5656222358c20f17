/* SPDX-License-Identifier: MIT */
/*
 * One UTF-8 sequence, as both sides decode it for text_str() and
 * string_quoted() (stap's _stp_decode_utf8): the user runtime
 * (guest-runtime/strfn.c) and the eBPF one (grt_bpf_str.h) hand in the
 * next four bytes of the string, zeros past its end, so a character is
 * escaped the same way in every probe by construction.
 */
#ifndef TAPHUB_UTF8_H
#define TAPHUB_UTF8_H

#include <linux/types.h>

/*
 * The length of the sequence starting b[0] and its code point in *cp; 1
 * (and *cp untouched) when it is not a well-formed, shortest-form,
 * non-surrogate sequence of two to four bytes up to U+10FFFF: the byte
 * is then one on its own.  A NUL is no continuation byte, so a sequence
 * never runs past the end of a string.  No loop and constant indexes:
 * the verifier checks it as it is.
 */
static inline int th_utf8_decode(const __u8 b[4], __u32 *cp)
{
	__u32 c;
	int len;

	if ((b[0] & 0xE0) == 0xC0)
		len = 2, c = b[0] & 0x1F;
	else if ((b[0] & 0xF0) == 0xE0)
		len = 3, c = b[0] & 0x0F;
	else if ((b[0] & 0xF8) == 0xF0)
		len = 4, c = b[0] & 0x07;
	else
		return 1;
	if ((b[1] & 0xC0) != 0x80)
		return 1;
	c = (c << 6) | (b[1] & 0x3F);
	if (len > 2) {
		if ((b[2] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (b[2] & 0x3F);
	}
	if (len > 3) {
		if ((b[3] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (b[3] & 0x3F);
	}
	if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF || c < 0x80 || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000))
		return 1;
	*cp = c;
	return len;
}

#endif
