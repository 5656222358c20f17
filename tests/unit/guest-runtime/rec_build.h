/* SPDX-License-Identifier: MIT */
/*
 * Records made by hand for the record consumer's tests: a header and the
 * packed arguments (longs 8 bytes, strings u16 length + bytes), padded to
 * TH_REC_ALIGN, as include/taphub/record.h lays them out.
 */
#ifndef TEST_REC_BUILD_H
#define TEST_REC_BUILD_H

#include <string.h>

#include "taphub/record.h"

struct rec_build {
	union {
		struct th_rec h;
		unsigned char b[512];
	};
	size_t len;
};

static inline void rec_start(struct rec_build *r, uint16_t fmt, uint32_t guest, uint8_t cls)
{
	memset(r, 0, sizeof(*r));
	r->h.fmt = fmt;
	r->h.guest = guest;
	r->h.cls = cls;
	r->h.cpu = 3;
	r->h.ts = 5;
	r->len = sizeof(r->h);
}

static inline void rec_long(struct rec_build *r, int64_t v)
{
	memcpy(r->b + r->len, &v, 8);
	r->len += 8;
}

static inline void rec_str(struct rec_build *r, const char *s)
{
	uint16_t n = (uint16_t)strlen(s);

	memcpy(r->b + r->len, &n, 2);
	memcpy(r->b + r->len + 2, s, n);
	r->len += 2 + n;
}

/* The size, rounded up; returns it. */
static inline size_t rec_end(struct rec_build *r)
{
	r->len = (r->len + TH_REC_ALIGN - 1) / TH_REC_ALIGN * TH_REC_ALIGN;
	r->h.size = (uint32_t)r->len;
	return r->len;
}

#endif /* TEST_REC_BUILD_H */
