// SPDX-License-Identifier: MIT
/*
 * assoc.c - user-space associative arrays: key tuple -> long, string or
 * statistics aggregate, for the globals only user-side probes touch.
 *
 * A separately chained hash table whose bucket count is a power of two
 * and doubles (a full rehash, from the hash each entry keeps) once there
 * are more entries than buckets, so lookups stay O(1) on average.  Each
 * entry is one allocation: links, hash, value cell, key cells, the
 * aggregate's slots, then the key strings, which never change.  A string
 * value is the only other allocation.  Entries never move, so the value
 * cell grt_assoc_get() returns stays valid until its own key is deleted
 * or the array cleared, whatever else is inserted or deleted meanwhile.
 *
 * Entries are also kept on a list in insertion order (a re-inserted key
 * goes to the end), which is the order an unsorted foreach sees, like
 * the insertion-ordered entry list of SystemTap's maps.
 * grt_table_from_assoc() lives here because it walks that list.
 *
 * Strings, keys and values alike, keep at most maxstrlen - 1 bytes
 * (MAXSTRINGLEN - 1), so two keys that differ only beyond that are the
 * same key, as in stap.  maxentries bounds the array (MAXMAPENTRIES);
 * inserting beyond it fails with E2BIG, which the caller reports.
 * Hashes are seeded per array from getrandom() so that traced data
 * cannot be chosen to collide.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "guest-runtime/grt.h"

#define ASSOC_MIN_BUCKETS 16

struct entry {
	struct entry *hnext;	   /* hash chain */
	struct entry *prev, *next; /* insertion order */
	uint64_t hash;
	struct grt_cell val;
	struct grt_cell key[]; /* nkeys; then the aggregate at stat_off; then key bytes */
};

struct grt_assoc {
	struct grt_assoc_spec spec;
	struct entry **bucket;
	size_t nbuckets; /* power of two */
	size_t count;
	struct entry *head, *tail;
	uint64_t seed;
	size_t stat_off; /* aggregate offset within an entry, 8-aligned */
	size_t nslots;	 /* aggregate slots, 0 unless GRT_STATS */
	size_t maxstr;	 /* bytes a string keeps */
};

/* The value of a fresh string element; never written, never freed. */
static char empty_string[1];

static inline uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	uint64_t w;

	h ^= n * 0x9e3779b97f4a7c15ULL;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	return mix64(h ^ w);
}

/* The key as this array stores it: string lengths after truncation. */
struct lookup {
	const char *s[GRT_MAXKEYS];
	size_t len[GRT_MAXKEYS];
	uint64_t hash;
};

static void lookup_init(const struct grt_assoc *a, const struct grt_cell *key, struct lookup *lk)
{
	uint64_t h = a->seed;

	for (int i = 0; i < a->spec.nkeys; i++) {
		if (a->spec.keytype[i] == GRT_STRING) {
			lk->s[i] = key[i].s ? key[i].s : "";
			lk->len[i] = strnlen(lk->s[i], a->maxstr);
			h = hash_bytes(h, lk->s[i], lk->len[i]);
		} else {
			h = mix64(h ^ (uint64_t)key[i].l) + 0x9e3779b97f4a7c15ULL;
		}
	}
	lk->hash = h;
}

static int entry_matches(const struct grt_assoc *a, const struct entry *e,
			 const struct grt_cell *key, const struct lookup *lk)
{
	if (e->hash != lk->hash)
		return 0;
	for (int i = 0; i < a->spec.nkeys; i++) {
		if (a->spec.keytype[i] == GRT_STRING) {
			if (memcmp(e->key[i].s, lk->s[i], lk->len[i]) || e->key[i].s[lk->len[i]])
				return 0;
		} else if (e->key[i].l != key[i].l) {
			return 0;
		}
	}
	return 1;
}

/* The link that points at key's entry (or at the NULL ending its chain). */
static struct entry **find(struct grt_assoc *a, const struct grt_cell *key, const struct lookup *lk)
{
	struct entry **pp = &a->bucket[lk->hash & (a->nbuckets - 1)];

	while (*pp && !entry_matches(a, *pp, key, lk))
		pp = &(*pp)->hnext;
	return pp;
}

int grt_assoc_new(const struct grt_assoc_spec *spec, struct grt_assoc **ret)
{
	struct grt_assoc *a;

	if (!spec || !ret || spec->nkeys < 1 || spec->nkeys > GRT_MAXKEYS)
		return -EINVAL;
	for (int i = 0; i < spec->nkeys; i++)
		if (spec->keytype[i] != GRT_LONG && spec->keytype[i] != GRT_STRING)
			return -EINVAL;
	if (spec->valtype != GRT_LONG && spec->valtype != GRT_STRING && spec->valtype != GRT_STATS)
		return -EINVAL;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->spec = *spec;
	a->nbuckets = ASSOC_MIN_BUCKETS;
	a->bucket = calloc(a->nbuckets, sizeof(*a->bucket));
	if (!a->bucket) {
		free(a);
		return -ENOMEM;
	}
	a->maxstr = spec->maxstrlen ? spec->maxstrlen - 1 : SIZE_MAX;
	a->nslots = spec->valtype == GRT_STATS ? grt_stat_slots(&spec->hist) : 0;
	a->stat_off = offsetof(struct entry, key) + (size_t)spec->nkeys * sizeof(struct grt_cell);
	a->stat_off = (a->stat_off + 7) & ~(size_t)7;
	if (getrandom(&a->seed, sizeof(a->seed), GRND_NONBLOCK) != sizeof(a->seed))
		a->seed = mix64((uint64_t)(uintptr_t)a); /* ASLR still varies it */
	*ret = a;
	return 0;
}

static void entry_free(struct entry *e)
{
	if (e->val.s && e->val.s != empty_string)
		free(e->val.s);
	free(e);
}

void grt_assoc_clear(struct grt_assoc *a)
{
	struct entry *e, *next;

	if (!a)
		return;
	for (e = a->head; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	memset(a->bucket, 0, a->nbuckets * sizeof(*a->bucket));
	a->head = a->tail = NULL;
	a->count = 0;
}

void grt_assoc_free(struct grt_assoc *a)
{
	if (!a)
		return;
	grt_assoc_clear(a);
	free(a->bucket);
	free(a);
}

size_t grt_assoc_count(const struct grt_assoc *a)
{
	return a ? a->count : 0;
}

/* Double the buckets; on allocation failure keep the old, longer chains. */
static void grow(struct grt_assoc *a)
{
	size_t n = a->nbuckets * 2;
	struct entry **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (struct entry *e = a->head; e; e = e->next) {
		struct entry **slot = &b[e->hash & (n - 1)];

		e->hnext = *slot;
		*slot = e;
	}
	free(a->bucket);
	a->bucket = b;
	a->nbuckets = n;
}

static struct entry *insert(struct grt_assoc *a, const struct grt_cell *key,
			    const struct lookup *lk, struct entry **link)
{
	size_t size = a->stat_off + a->nslots * sizeof(int64_t);
	struct entry *e;
	char *str;

	for (int i = 0; i < a->spec.nkeys; i++)
		if (a->spec.keytype[i] == GRT_STRING)
			size += lk->len[i] + 1;
	e = calloc(1, size);
	if (!e)
		return NULL;
	e->hash = lk->hash;
	str = (char *)e + a->stat_off + a->nslots * sizeof(int64_t);
	for (int i = 0; i < a->spec.nkeys; i++) {
		if (a->spec.keytype[i] == GRT_STRING) {
			memcpy(str, lk->s[i], lk->len[i]);
			str[lk->len[i]] = '\0';
			e->key[i].s = str;
			str += lk->len[i] + 1;
		} else {
			e->key[i].l = key[i].l;
		}
	}
	if (a->spec.valtype == GRT_STRING)
		e->val.s = empty_string;
	else if (a->spec.valtype == GRT_STATS)
		grt_stat_init((int64_t *)((char *)e + a->stat_off), &a->spec.hist);

	*link = e; /* the end of its chain */
	e->prev = a->tail;
	if (a->tail)
		a->tail->next = e;
	else
		a->head = e;
	a->tail = e;
	a->count++;
	if (a->count > a->nbuckets)
		grow(a);
	return e;
}

struct grt_cell *grt_assoc_get(struct grt_assoc *a, const struct grt_cell *key, bool create)
{
	struct entry **link, *e;
	struct lookup lk;

	if (!a || !key) {
		errno = EINVAL;
		return NULL;
	}
	lookup_init(a, key, &lk);
	link = find(a, key, &lk);
	if (*link)
		return &(*link)->val;
	if (!create) {
		errno = ENOENT;
		return NULL;
	}
	if (a->spec.maxentries && a->count >= a->spec.maxentries) {
		errno = E2BIG;
		return NULL;
	}
	e = insert(a, key, &lk, link);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	return &e->val;
}

static struct entry *entry_of(struct grt_cell *val)
{
	return (struct entry *)((char *)val - offsetof(struct entry, val));
}

int64_t *grt_assoc_stat(struct grt_assoc *a, struct grt_cell *val)
{
	if (!a || !val || a->spec.valtype != GRT_STATS)
		return NULL;
	return (int64_t *)((char *)entry_of(val) + a->stat_off);
}

int grt_assoc_set_str(struct grt_assoc *a, struct grt_cell *val, const char *s)
{
	size_t n;
	char *p;

	if (!a || !val || a->spec.valtype != GRT_STRING)
		return -EINVAL;
	if (!s)
		s = "";
	n = strnlen(s, a->maxstr);
	p = malloc(n + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, s, n); /* before the free: s may be the old value */
	p[n] = '\0';
	if (val->s != empty_string)
		free(val->s);
	val->s = p;
	return 0;
}

int grt_assoc_delete(struct grt_assoc *a, const struct grt_cell *key)
{
	struct entry **link, *e;
	struct lookup lk;

	if (!a || !key)
		return -EINVAL;
	lookup_init(a, key, &lk);
	link = find(a, key, &lk);
	e = *link;
	if (!e)
		return -ENOENT;
	*link = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		a->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		a->tail = e->prev;
	a->count--;
	entry_free(e);
	return 0;
}

int grt_table_from_assoc(struct grt_table *t, struct grt_assoc *a)
{
	struct grt_table tmp;
	struct grt_row *rows;
	int r;

	if (!t || !a)
		return -EINVAL;
	if (t->n && (t->spec.nkeys != a->spec.nkeys || t->spec.valtype != a->spec.valtype ||
		     memcmp(t->spec.keytype, a->spec.keytype, (size_t)a->spec.nkeys)))
		return -EINVAL;

	/* Fill a table of our own, so that a failure leaves t as it was. */
	grt_table_init(&tmp, &a->spec);
	for (struct entry *e = a->head; e; e = e->next) {
		r = grt_table_add(&tmp, e->key, &e->val,
				  a->nslots ? (int64_t *)((char *)e + a->stat_off) : NULL);
		if (r) {
			grt_table_free(&tmp);
			return r;
		}
	}
	if (!t->n) {
		free(t->rows);
		*t = tmp;
		return 0;
	}
	if (!tmp.n) {
		free(tmp.rows);
		return 0;
	}
	/* Rows own their strings and aggregate: moving the structs moves them. */
	rows = realloc(t->rows, (t->n + tmp.n) * sizeof(*rows));
	if (!rows) {
		grt_table_free(&tmp);
		return -ENOMEM;
	}
	memcpy(rows + t->n, tmp.rows, tmp.n * sizeof(*rows));
	t->rows = rows;
	t->n += tmp.n;
	t->cap = t->n;
	free(tmp.rows);
	return 0;
}
