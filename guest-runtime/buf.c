// SPDX-License-Identifier: MIT
/*
 * buf.c - the growable output buffer every renderer appends to.
 *
 * A grt_buf is a plain (data, len, cap) triple that callers may read
 * directly.  It grows by doubling so that appending n bytes one call at a
 * time costs O(n) overall.  One byte beyond len is always reserved and,
 * whenever data is not NULL, kept at '\0', so data can be handed to a C
 * string API without a copy; the renderers of this module that write into
 * data directly (after grt_buf_reserve()) store that NUL themselves.
 * A zero-initialised struct is an empty buffer; nothing is allocated until
 * the first byte is appended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"

/* Largest buffer we agree to grow to: far above any sane output, and low
 * enough that cap * 2 and len + extra + 1 can never overflow size_t. */
#define GRT_BUF_MAX ((size_t)1 << 40)

int grt_buf_reserve(struct grt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > GRT_BUF_MAX || b->len > GRT_BUF_MAX - extra)
		return -ENOMEM;
	need = b->len + extra + 1; /* + 1: the terminating NUL */
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	p[b->len] = '\0'; /* a first allocation is a valid empty string too */
	b->data = p;
	b->cap = cap;
	return 0;
}

int grt_buf_put(struct grt_buf *b, const void *p, size_t n)
{
	int err = grt_buf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int grt_buf_puts(struct grt_buf *b, const char *s)
{
	return grt_buf_put(b, s, strlen(s));
}

int grt_buf_putc(struct grt_buf *b, char c)
{
	int err = grt_buf_reserve(b, 1);

	if (err)
		return err;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

void grt_buf_reset(struct grt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void grt_buf_free(struct grt_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
