// SPDX-License-Identifier: MIT
/*
 * tokenize.c - tokenize(input, delim) in user context, with stap's
 * semantics (tapset/tokenize.stp): the tokenizer keeps a copy of the
 * last non-empty input and walks it as strsep(3) would, skipping the
 * empty tokens between adjacent delimiters.  tokenize("", delim) goes on
 * where the previous call stopped; once the copy is used up every call
 * returns "" until a new input comes.  The state belongs to the guest's
 * runtime (stap keeps it in the probe context): user probes of one guest
 * run one at a time, so they share it as stap's do on one CPU.
 */
#include <string.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

void grt_tokenize_next(struct grt_tokenizer *t, char *dst, size_t maxlen, const char *input,
		       const char *delim)
{
	size_t start, end, cap = maxlen < sizeof(t->buf) ? maxlen : sizeof(t->buf);

	if (maxlen)
		dst[0] = 0;
	if (!cap)
		return;
	if (input && input[0]) {
		grt_str_copy(t->buf, cap, input);
		t->pos = 0;
		t->live = true;
	}
	if (!t->live)
		return;
	if (!delim)
		delim = "";
	/* the empty tokens strsep() would return between delimiters */
	start = t->pos + strspn(t->buf + t->pos, delim);
	if (!t->buf[start]) {
		t->live = false;
		return;
	}
	end = start + strcspn(t->buf + start, delim);
	if (t->buf[end])
		t->pos = end + 1;
	else
		t->live = false; /* the last token: strsep() leaves nothing after it */
	if (end - start > maxlen - 1)
		end = start + maxlen - 1;
	memcpy(dst, t->buf + start, end - start);
	dst[end - start] = 0;
}

void grt_tokenize(struct grt_uctx *u, char *dst, const char *input, const char *delim)
{
	grt_tokenize_next(grt_rt_tokenizer(u->rt), dst, (size_t)grt_rt_maxstr(u->rt), input, delim);
}
