/* SPDX-License-Identifier: MIT */
/*
 * A runtime's compiled printf formats, keyed by the format literal's
 * address (fmt_cache.c).  Private to guest-runtime/.
 */
#ifndef GRT_FMT_CACHE_H
#define GRT_FMT_CACHE_H

#include <stddef.h>

#include "guest-runtime/grt.h"

struct grt_fmt_slot {
	const char *key;
	struct grt_fmt *fmt;
};

struct grt_fmt_cache {
	struct grt_fmt_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* The compiled form of fmt, compiled on first use; -EINVAL or -ENOMEM. */
int grt_fmt_cache_get(struct grt_fmt_cache *c, const char *fmt, struct grt_fmt **ret);
void grt_fmt_cache_free(struct grt_fmt_cache *c);

#endif
