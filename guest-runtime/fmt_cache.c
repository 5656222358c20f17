// SPDX-License-Identifier: MIT
/*
 * The compiled printf formats of one runtime, keyed by the format's address.
 *
 * A printf of user-side code compiles its format on first use.  The
 * compiled form once sat in a static of the generated object: never freed
 * (an ASan leak at every exit), and shared by every runtime that dlopen()s
 * the same cached object, which a hub may do twice for one script.  The
 * runtime owns the cache instead, and frees it with itself.  The key is
 * the literal's address in the generated object: one per call site, stable
 * while the object is loaded, which outlives the runtime.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/fmt_cache.h"

static size_t slot_of(const char *key, size_t mask)
{
	uintptr_t h = (uintptr_t)key;

	/* literals are close together and aligned: mix the bits */
	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & mask;
}

static int grow(struct grt_fmt_cache *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i;
	struct grt_fmt_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < c->cap; i++) {
		size_t j;

		if (!c->slots[i].key)
			continue;
		for (j = slot_of(c->slots[i].key, cap - 1); s[j].key; j = (j + 1) & (cap - 1))
			;
		s[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = s;
	c->cap = cap;
	return 0;
}

int grt_fmt_cache_get(struct grt_fmt_cache *c, const char *fmt, struct grt_fmt **ret)
{
	struct grt_fmt *f;
	size_t j;
	int r;

	if (c->cap) {
		for (j = slot_of(fmt, c->cap - 1); c->slots[j].key; j = (j + 1) & (c->cap - 1)) {
			if (c->slots[j].key == fmt) {
				*ret = c->slots[j].fmt;
				return 0;
			}
		}
	}
	/* at most half full, so a probe always ends at an empty slot */
	if ((c->n + 1) * 2 > c->cap && (r = grow(c)) < 0)
		return r;
	r = grt_fmt_compile(fmt, strlen(fmt), &f, NULL, 0, NULL);
	if (r < 0)
		return r;
	for (j = slot_of(fmt, c->cap - 1); c->slots[j].key; j = (j + 1) & (c->cap - 1))
		;
	c->slots[j].key = fmt;
	c->slots[j].fmt = f;
	c->n++;
	*ret = f;
	return 0;
}

void grt_fmt_cache_free(struct grt_fmt_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->slots[i].key)
			grt_fmt_free(c->slots[i].fmt);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
