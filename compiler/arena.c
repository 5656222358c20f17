// SPDX-License-Identifier: MIT
/*
 * Arena allocation for the compiler.  A compilation allocates thousands of
 * small objects (tokens, nodes, strings) that all live until it ends, so
 * they come from large chunks freed together by cc_arena_free().  This
 * also gives every error path in the parser and elaborator one cleanup:
 * there is nothing to free individually.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

#define ARENA_CHUNK (64u << 10)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct cc_arena {
	struct chunk *head;
};

static void (*oom_fn)(void);

void cc_arena_set_oom(void (*fn)(void))
{
	oom_fn = fn;
}

static void oom(void)
{
	/* The only abort in the compiler: out of memory while compiling. */
	if (oom_fn)
		oom_fn();
	abort();
}

struct cc_arena *cc_arena_new(void)
{
	struct cc_arena *a = calloc(1, sizeof(*a));

	if (!a)
		oom();
	return a;
}

void cc_arena_free(struct cc_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *cc_alloc(struct cc_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t align = sizeof(max_align_t);
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			oom();
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *cc_strndup(struct cc_arena *a, const char *s, size_t n)
{
	char *p = cc_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *cc_strdup(struct cc_arena *a, const char *s)
{
	return cc_strndup(a, s, strlen(s));
}

char *cc_sprintf(struct cc_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = cc_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void cc_vec_push(struct cc_arena *a, struct cc_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		int cap = vec->cap ? vec->cap * 2 : 8;
		void **v = cc_alloc(a, sizeof(void *) * (size_t)cap);

		if (vec->n)
			memcpy(v, vec->v, sizeof(void *) * (size_t)vec->n);
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
}
