// SPDX-License-Identifier: MIT
/*
 * table.c - snapshots of arrays for `foreach`, and their sort.
 *
 * A table is a growable array of rows, each owning copies of its key
 * strings, its string value or its merged aggregate, so the array it was
 * taken from (a BPF map, or a grt_assoc through grt_table_from_assoc() in
 * assoc.c) may change while the foreach body runs.
 *
 * grt_table_sort() implements foreach's ordering clauses:
 *
 *   foreach (v = [k1, k2] in a-)      by = -1, dir < 0   (by value)
 *   foreach ([k1, k2+] in a)          by = 1,  dir > 0   (by key 1)
 *   foreach ([k] in s @max- limit 10) by = -1, dir < 0, x = GRT_X_MAX
 *
 * Longs compare numerically, strings with strcmp (bytes as unsigned
 * char, like the kernel's); an aggregate compares by the extractor's
 * value (an empty aggregate, which stap would never hold, as 0).  Rows
 * that tie are ordered by all their keys, first to last, ascending; and
 * since the sort is a merge sort, it is stable beyond that.  It sorts an
 * index array and then permutes the rows in place along the cycles of
 * that permutation, so a row (168 bytes) moves at most once.  `limit`
 * keeps the first rows after sorting, also when dir is 0 (insertion
 * order).
 *
 * grt_table_filter() keeps the rows of an array slice (foreach ([a, b]
 * in x[*, 3])), in their order; delete and 'in' with a slice use the
 * same match through grt_table_row_matches().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"

#define TABLE_MIN_ROWS 16
#define SORT_RUN 16 /* runs this short are insertion-sorted */

void grt_table_init(struct grt_table *t, const struct grt_assoc_spec *spec)
{
	memset(t, 0, sizeof(*t));
	if (spec)
		t->spec = *spec;
}

static void row_free(const struct grt_assoc_spec *spec, struct grt_row *r)
{
	for (int i = 0; i < spec->nkeys; i++)
		if (spec->keytype[i] == GRT_STRING)
			free(r->key[i].s);
	if (spec->valtype == GRT_STRING)
		free(r->val.s);
	free(r->stat);
}

void grt_table_free(struct grt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		row_free(&t->spec, &t->rows[i]);
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
	t->cap = 0;
}

static char *dup_cut(const char *s, size_t maxstrlen)
{
	size_t n = strnlen(s ? s : "", maxstrlen ? maxstrlen - 1 : SIZE_MAX);
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s ? s : "", n);
		p[n] = '\0';
	}
	return p;
}

int grt_table_add(struct grt_table *t, const struct grt_cell *key, const struct grt_cell *val,
		  const int64_t *stat)
{
	const struct grt_assoc_spec *spec;
	struct grt_row *r;

	if (!t || !key)
		return -EINVAL;
	spec = &t->spec;
	if (spec->nkeys < 1 || spec->nkeys > GRT_MAXKEYS)
		return -EINVAL;
	if (spec->valtype == GRT_STATS ? !stat : !val)
		return -EINVAL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : TABLE_MIN_ROWS;
		struct grt_row *rows;

		if (cap > SIZE_MAX / sizeof(*rows))
			return -ENOMEM;
		rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->cap = cap;
	}

	r = &t->rows[t->n];
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < spec->nkeys; i++) {
		if (spec->keytype[i] != GRT_STRING) {
			r->key[i].l = key[i].l;
			continue;
		}
		r->key[i].s = dup_cut(key[i].s, spec->maxstrlen);
		if (!r->key[i].s)
			goto fail;
	}
	if (spec->valtype == GRT_LONG) {
		r->val.l = val->l;
	} else if (spec->valtype == GRT_STRING) {
		r->val.s = dup_cut(val->s, spec->maxstrlen);
		if (!r->val.s)
			goto fail;
	} else {
		size_t n = grt_stat_slots(&spec->hist);

		r->stat = malloc(n * sizeof(*r->stat));
		if (!r->stat)
			goto fail;
		memcpy(r->stat, stat, n * sizeof(*r->stat));
	}
	t->n++;
	return 0;

fail:
	row_free(spec, r); /* the zeroed row makes every free safe */
	return -ENOMEM;
}

/* ---- sorting ----------------------------------------------------------- */

struct item {
	int64_t v; /* the numeric sort value when sorting by value */
	size_t row;
};

struct sort_ctx {
	const struct grt_table *t;
	int by, dir;
	int numeric_val; /* by value, and the value is a long or an aggregate */
};

static inline int sign_of(int c)
{
	return (c > 0) - (c < 0);
}

static inline int cmp_cell(int type, const struct grt_cell *a, const struct grt_cell *b)
{
	if (type == GRT_STRING)
		return sign_of(strcmp(a->s, b->s));
	return (a->l > b->l) - (a->l < b->l);
}

static int cmp_items(const struct sort_ctx *c, const struct item *a, const struct item *b)
{
	const struct grt_assoc_spec *spec = &c->t->spec;
	const struct grt_row *ra = &c->t->rows[a->row], *rb = &c->t->rows[b->row];
	int r;

	if (c->by >= 0)
		r = cmp_cell(spec->keytype[c->by], &ra->key[c->by], &rb->key[c->by]);
	else if (c->numeric_val)
		r = (a->v > b->v) - (a->v < b->v);
	else
		r = cmp_cell(GRT_STRING, &ra->val, &rb->val);
	if (c->dir < 0)
		r = -r;
	for (int i = 0; !r && i < spec->nkeys; i++)
		r = cmp_cell(spec->keytype[i], &ra->key[i], &rb->key[i]);
	return r;
}

/* Stable: an item only passes another that compares strictly greater. */
static void msort(struct item *a, struct item *tmp, size_t n, const struct sort_ctx *c)
{
	size_t h, i, j, k;

	if (n <= SORT_RUN) {
		for (i = 1; i < n; i++) {
			struct item x = a[i];

			for (j = i; j > 0 && cmp_items(c, &a[j - 1], &x) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	h = n / 2;
	msort(a, tmp, h, c);
	msort(a + h, tmp, n - h, c);
	if (cmp_items(c, &a[h - 1], &a[h]) <= 0)
		return; /* already in order: common for nearly sorted input */
	memcpy(tmp, a, h * sizeof(*a));
	/* Merge tmp[0, h) and a[h, n) into a: the write index k never
	 * passes the read index j of the right half. */
	for (i = 0, j = h, k = 0; i < h && j < n; k++)
		a[k] = cmp_items(c, &tmp[i], &a[j]) <= 0 ? tmp[i++] : a[j++];
	while (i < h)
		a[k++] = tmp[i++];
}

int grt_table_sort(struct grt_table *t, int by, int dir, int x, int64_t limit)
{
	struct sort_ctx c = {.t = t, .by = by, .dir = dir};
	struct item *items;
	size_t n;

	if (!t || by < -1 || by >= t->spec.nkeys || x < GRT_X_COUNT || x > GRT_X_VARIANCE)
		return -EINVAL;
	n = t->n;
	if (dir && n > 1) {
		items = malloc(n * sizeof(*items) + (n / 2 + 1) * sizeof(*items));
		if (!items)
			return -ENOMEM;
		c.numeric_val = by < 0 && t->spec.valtype != GRT_STRING;
		for (size_t i = 0; i < n; i++) {
			const struct grt_row *r = &t->rows[i];
			int64_t v = 0;

			if (c.numeric_val) {
				if (t->spec.valtype == GRT_STATS) {
					if (x == GRT_X_VARIANCE ? grt_stat_variance(r->stat, &t->spec.hist, &v)
								: grt_stat_extract(r->stat, x, &v))
						v = 0;
				} else {
					v = r->val.l;
				}
			}
			items[i].v = v;
			items[i].row = i;
		}
		msort(items, items + n, n, &c);

		/* Put row items[k].row at k, one cycle of the permutation at a
		 * time; a placed position is marked by row = SIZE_MAX. */
		for (size_t k = 0; k < n; k++) {
			struct grt_row saved;
			size_t j = k;

			if (items[k].row == SIZE_MAX || items[k].row == k)
				continue;
			saved = t->rows[k];
			for (;;) {
				size_t src = items[j].row;

				items[j].row = SIZE_MAX;
				if (src == k) {
					t->rows[j] = saved;
					break;
				}
				t->rows[j] = t->rows[src];
				j = src;
			}
		}
		free(items);
	}
	if (limit > 0 && (uint64_t)limit < n) {
		for (size_t i = (size_t)limit; i < n; i++)
			row_free(&t->spec, &t->rows[i]);
		t->n = (size_t)limit;
	}
	return 0;
}

/* Do a row's keys equal key where mask has no bit?  (Strings as stored: cut.) */
bool grt_table_row_matches(const struct grt_table *t, const struct grt_row *r,
			   const struct grt_cell *key, uint32_t mask)
{
	size_t max = t->spec.maxstrlen ? t->spec.maxstrlen - 1 : SIZE_MAX;

	for (int i = 0; i < t->spec.nkeys; i++) {
		if (mask & (1u << i))
			continue;
		if (t->spec.keytype[i] == GRT_STRING) {
			if (strncmp(r->key[i].s, key[i].s ? key[i].s : "", max))
				return false;
		} else if (r->key[i].l != key[i].l) {
			return false;
		}
	}
	return true;
}

void grt_table_filter(struct grt_table *t, const struct grt_cell *key, uint32_t mask)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!grt_table_row_matches(t, &t->rows[i], key, mask)) {
			row_free(&t->spec, &t->rows[i]);
			continue;
		}
		t->rows[k++] = t->rows[i];
	}
	t->n = k;
}
