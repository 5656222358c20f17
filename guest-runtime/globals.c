// SPDX-License-Identifier: MIT
/*
 * The guest's globals as the generated user code reaches them: arrays
 * (get, set, add, exists, delete, slices, clear, snapshot tables for
 * foreach), aggregates (read across CPUs, add, clear, extractors,
 * histogram printing) and stap's automatic printing of unread globals.
 *
 * A global lives either in a BPF map shared with the kernel probes (its fd
 * in the runtime's map_fds; per-CPU for aggregates) or, when no kernel
 * probe touches it, in a user-only hash table (grt_assoc) or slot array;
 * the meta says which, so the generated code does not need to know.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "guest-runtime/rt_internal.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- arrays ------------------------------------------------------------------------------ */

/* Key struct of a kernel map from cells: longs as 8 bytes, strings as maxstr bytes. */
static void kkey(struct grt_rt *rt, const struct grt_meta_global *g, const struct grt_cell *key,
		 unsigned char *buf)
{
	size_t off = 0, ms = (size_t)rt->meta->maxstr;
	int i;

	memset(buf, 0, grt_meta_key_size(rt->meta, g) + 8);
	if (!g->array) {
		/* scalar aggregate: a PERCPU_ARRAY indexed by 0 */
		return;
	}
	for (i = 0; i < g->nkeys; i++) {
		if (g->keytype[i] == GRT_STRING) {
			const char *s = key[i].s ? key[i].s : "";
			size_t n = strnlen(s, (size_t)rt->meta->strlen - 1);

			memcpy(buf + off, s, n);
			off += ms;
		} else {
			memcpy(buf + off, &key[i].l, 8);
			off += 8;
		}
	}
}

static void kkey_cells(struct grt_rt *rt, const struct grt_meta_global *g,
		       const unsigned char *buf, struct grt_cell *key, char *strs)
{
	size_t off = 0, ms = (size_t)rt->meta->maxstr;
	int i;

	for (i = 0; i < g->nkeys; i++) {
		if (g->keytype[i] == GRT_STRING) {
			char *s = strs + (size_t)i * ms;

			memcpy(s, buf + off, ms);
			s[ms - 1] = 0;
			key[i].s = s;
			key[i].l = 0;
			off += ms;
		} else {
			memcpy(&key[i].l, buf + off, 8);
			key[i].s = NULL;
			off += 8;
		}
	}
}

static int kfd(struct grt_rt *rt, int gid)
{
	return rt->o.map_fds ? rt->o.map_fds[gid] : -1;
}

static void arr_error(struct grt_uctx *u, int64_t site)
{
	if (!u->err)
		u->err = site + 1;
}

int64_t grt_arr_get_long(struct grt_uctx *u, int gid, const struct grt_cell *key)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	int64_t v = 0;

	if (!g)
		return 0;
	if (!g->kernel) {
		struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, false);

		return c ? c->l : 0;
	}
	kkey(rt, g, key, kb);
	if (bpf_map_lookup_elem(kfd(rt, gid), kb, &v))
		return 0;
	return v;
}

void grt_arr_get_str(struct grt_uctx *u, int gid, const struct grt_cell *key, char *dst)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	char vb[4096];

	dst[0] = 0;
	if (!g)
		return;
	if (!g->kernel) {
		struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, false);

		if (c && c->s)
			grt_str_copy(dst, (size_t)rt->meta->strlen, c->s);
		return;
	}
	kkey(rt, g, key, kb);
	if (bpf_map_lookup_elem(kfd(rt, gid), kb, vb) == 0) {
		vb[rt->meta->maxstr - 1] = 0;
		grt_str_copy(dst, (size_t)rt->meta->strlen, vb);
	}
}

void grt_arr_set_long(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
		      int64_t site)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];

	if (!g)
		return;
	if (!g->kernel) {
		struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, true);

		if (!c)
			arr_error(u, site);
		else
			c->l = v;
		return;
	}
	kkey(rt, g, key, kb);
	if (bpf_map_update_elem(kfd(rt, gid), kb, &v, BPF_ANY))
		arr_error(u, site);
}

void grt_arr_set_str(struct grt_uctx *u, int gid, const struct grt_cell *key, const char *v,
		     int64_t site)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	char vb[4096];

	if (!g)
		return;
	if (!g->kernel) {
		struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, true);

		if (!c || grt_assoc_set_str(rt->uarr[gid], c, v) < 0)
			arr_error(u, site);
		return;
	}
	memset(vb, 0, (size_t)rt->meta->maxstr);
	grt_str_copy(vb, (size_t)rt->meta->strlen, v);
	kkey(rt, g, key, kb);
	if (bpf_map_update_elem(kfd(rt, gid), kb, vb, BPF_ANY))
		arr_error(u, site);
}

int64_t grt_arr_add_long(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
			 int64_t site)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	int64_t n;

	if (!g)
		return 0;
	if (!g->kernel) {
		struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, true);

		if (!c) {
			arr_error(u, site);
			return 0;
		}
		c->l = (int64_t)((uint64_t)c->l + (uint64_t)v);
		return c->l;
	}
	n = (int64_t)((uint64_t)grt_arr_get_long(u, gid, key) + (uint64_t)v);
	grt_arr_set_long(u, gid, key, n, site);
	return n;
}

int grt_arr_exists(struct grt_uctx *u, int gid, const struct grt_cell *key)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	unsigned char *vb;
	int r;

	if (!g)
		return 0;
	if (!g->kernel)
		return grt_assoc_get(rt->uarr[gid], key, false) != NULL;
	kkey(rt, g, key, kb);
	/* per-CPU maps return a value per CPU */
	vb = malloc(grt_meta_val_size(rt->meta, g) * (size_t)(rt->o.ncpus > 0 ? rt->o.ncpus : 1));
	if (!vb)
		return 0;
	r = bpf_map_lookup_elem(kfd(rt, gid), kb, vb) == 0;
	free(vb);
	return r;
}

void grt_arr_delete(struct grt_uctx *u, int gid, const struct grt_cell *key)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];

	if (!g)
		return;
	if (!g->kernel) {
		grt_assoc_delete(rt->uarr[gid], key);
		return;
	}
	kkey(rt, g, key, kb);
	bpf_map_delete_elem(kfd(rt, gid), kb);
}

/*
 * Slices scan the whole array (a snapshot, as foreach takes): user code
 * runs off the probes' path, and a hash table cannot find partial keys.
 */
void grt_arr_delete_slice(struct grt_uctx *u, int gid, const struct grt_cell *key,
			  uint32_t mask)
{
	struct grt_table t;
	size_t i;

	if (grt_arr_table(u, gid, &t) < 0)
		return;
	for (i = 0; i < t.n; i++)
		if (grt_table_row_matches(&t, &t.rows[i], key, mask))
			grt_arr_delete(u, gid, t.rows[i].key);
	grt_table_free(&t);
}

int grt_arr_exists_slice(struct grt_uctx *u, int gid, const struct grt_cell *key,
			 uint32_t mask)
{
	struct grt_table t;
	size_t i;
	int found = 0;

	if (grt_arr_table(u, gid, &t) < 0)
		return 0;
	for (i = 0; i < t.n && !found; i++)
		found = grt_table_row_matches(&t, &t.rows[i], key, mask);
	grt_table_free(&t);
	return found;
}

void grt_arr_clear(struct grt_uctx *u, int gid)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char *k, *next;
	size_t ks;
	int fd;

	if (!g)
		return;
	if (!g->kernel) {
		if (rt->uarr[gid])
			grt_assoc_clear(rt->uarr[gid]);
		return;
	}
	fd = kfd(rt, gid);
	ks = grt_meta_key_size(rt->meta, g);
	k = malloc(ks);
	next = malloc(ks);
	if (!k || !next)
		goto out;
	/* deleting the first key each time is safe against concurrent inserts */
	while (bpf_map_get_next_key(fd, NULL, next) == 0)
		if (bpf_map_delete_elem(fd, next) && errno != ENOENT)
			break;
out:
	free(k);
	free(next);
}

int grt_arr_table(struct grt_uctx *u, int gid, struct grt_table *t)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	struct grt_assoc_spec spec = { 0 };
	size_t ks, vs, ncpu;
	unsigned char *k = NULL, *next = NULL, *vb = NULL;
	char *strs = NULL;
	int64_t *merged = NULL;
	int err = 0, fd, c;

	if (!g)
		return -EINVAL;
	spec.nkeys = g->nkeys;
	memcpy(spec.keytype, g->keytype, sizeof(spec.keytype));
	spec.valtype = (uint8_t)g->valtype;
	spec.hist = g->hist;
	spec.maxstrlen = (size_t)rt->meta->strlen;
	grt_table_init(t, &spec);
	if (!g->kernel)
		return rt->uarr[gid] ? grt_table_from_assoc(t, rt->uarr[gid]) : 0;
	fd = kfd(rt, gid);
	ks = grt_meta_key_size(rt->meta, g);
	vs = grt_meta_val_size(rt->meta, g);
	ncpu = g->valtype == GRT_STATS ? (size_t)(rt->o.ncpus > 0 ? rt->o.ncpus : 1) : 1;
	k = calloc(1, ks + 8);
	next = calloc(1, ks + 8);
	vb = calloc(ncpu, vs + 8);
	strs = calloc(GRT_MAXKEYS, (size_t)rt->meta->maxstr);
	if (g->valtype == GRT_STATS)
		merged = calloc(grt_stat_slots(&g->hist), sizeof(int64_t));
	if (!k || !next || !vb || !strs || (g->valtype == GRT_STATS && !merged)) {
		err = -ENOMEM;
		goto out;
	}
	while (bpf_map_get_next_key(fd, t->n ? k : NULL, next) == 0) {
		struct grt_cell key[GRT_MAXKEYS], val = { 0 };

		memcpy(k, next, ks);
		if (bpf_map_lookup_elem(fd, k, vb))
			continue; /* deleted meanwhile */
		kkey_cells(rt, g, k, key, strs);
		if (g->valtype == GRT_STATS) {
			grt_stat_init(merged, &g->hist);
			for (c = 0; c < (int)ncpu; c++)
				grt_stat_merge(merged, (int64_t *)(vb + (size_t)c * vs), &g->hist);
			grt_stat_variance_merge(merged, (int64_t *)vb, vs / 8, (int)ncpu, &g->hist);
		} else if (g->valtype == GRT_STRING) {
			vb[rt->meta->maxstr - 1] = 0;
			val.s = (char *)vb;
		} else {
			memcpy(&val.l, vb, 8);
		}
		err = grt_table_add(t, key, &val, merged);
		if (err)
			break;
	}
out:
	free(k);
	free(next);
	free(vb);
	free(strs);
	free(merged);
	return err;
}

/* ---- aggregates ---------------------------------------------------------------------------- */

size_t grt_stat_slots_g(struct grt_uctx *u, int gid)
{
	const struct grt_meta_global *g = global(u->rt, gid);

	return g ? grt_stat_slots(&g->hist) : TH_STAT_HDR;
}

void grt_stat_get_g(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t *out)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	size_t vs, ncpu;
	unsigned char *vb;
	int c;

	if (!g)
		return;
	grt_stat_init(out, &g->hist);
	if (!g->kernel) {
		const int64_t *one = NULL;

		if (!g->array) {
			one = rt->ustat[gid];
		} else {
			struct grt_cell *v = grt_assoc_get(rt->uarr[gid], key, false);

			if (v)
				one = grt_assoc_stat(rt->uarr[gid], v);
		}
		if (one) {
			/* one copy, but @variance is still stap's merge of it */
			memcpy(out, one, grt_stat_slots(&g->hist) * sizeof(int64_t));
			grt_stat_variance_merge(out, one, 0, 1, &g->hist);
		}
		return;
	}
	vs = grt_meta_val_size(rt->meta, g);
	ncpu = (size_t)(rt->o.ncpus > 0 ? rt->o.ncpus : 1);
	vb = calloc(ncpu, vs);
	if (!vb)
		return;
	kkey(rt, g, key, kb);
	if (bpf_map_lookup_elem(kfd(rt, gid), kb, vb) == 0) {
		for (c = 0; c < (int)ncpu; c++)
			grt_stat_merge(out, (int64_t *)(vb + (size_t)c * vs), &g->hist);
		grt_stat_variance_merge(out, (int64_t *)vb, vs / 8, (int)ncpu, &g->hist);
	}
	free(vb);
}

void grt_stat_add_g(struct grt_uctx *u, int gid, const struct grt_cell *key, int64_t v,
		    int64_t site)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[GRT_MAXKEYS * 4096 + 8];
	size_t vs, ncpu;
	unsigned char *vb;

	if (!g)
		return;
	if (!g->kernel) {
		if (!g->array) {
			grt_stat_add(rt->ustat[gid], &g->hist, v);
		} else {
			struct grt_cell *c = grt_assoc_get(rt->uarr[gid], key, true);

			if (!c)
				arr_error(u, site);
			else
				grt_stat_add(grt_assoc_stat(rt->uarr[gid], c), &g->hist, v);
		}
		return;
	}
	/* user code adding to a kernel aggregate: into CPU 0's slot */
	vs = grt_meta_val_size(rt->meta, g);
	ncpu = (size_t)(rt->o.ncpus > 0 ? rt->o.ncpus : 1);
	vb = calloc(ncpu, vs);
	if (!vb)
		return;
	kkey(rt, g, key, kb);
	if (bpf_map_lookup_elem(kfd(rt, gid), kb, vb))
		grt_stat_init((int64_t *)vb, &g->hist);
	grt_stat_add((int64_t *)vb, &g->hist, v);
	if (bpf_map_update_elem(kfd(rt, gid), kb, vb, BPF_ANY))
		arr_error(u, site);
	free(vb);
}

void grt_stat_clear_g(struct grt_uctx *u, int gid)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	unsigned char kb[8] = { 0 };
	unsigned char *vb;
	size_t vs, ncpu;

	if (!g)
		return;
	if (g->array) {
		grt_arr_clear(u, gid);
		return;
	}
	if (!g->kernel) {
		grt_stat_init(rt->ustat[gid], &g->hist);
		return;
	}
	vs = grt_meta_val_size(rt->meta, g);
	ncpu = (size_t)(rt->o.ncpus > 0 ? rt->o.ncpus : 1);
	vb = calloc(ncpu, vs);
	if (!vb)
		return;
	bpf_map_update_elem(kfd(rt, gid), kb, vb, BPF_ANY);
	free(vb);
}

int64_t grt_stat_variance_g(struct grt_uctx *u, int gid, const int64_t *st, int64_t site)
{
	const struct grt_meta_global *g = global(u->rt, gid);
	int64_t v = 0;

	if (!g || grt_stat_variance(st, &g->hist, &v) < 0)
		arr_error(u, site);
	return v;
}

int64_t grt_stat_x(struct grt_uctx *u, const int64_t *st, int x, int64_t site)
{
	int64_t v = 0;

	if (grt_stat_extract(st, x, &v) < 0)
		arr_error(u, site);
	return v;
}

void grt_print_hist_g(struct grt_uctx *u, int gid, const int64_t *st)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);

	if (!g)
		return;
	if (g->hist.kind == TH_HIST_LOG)
		grt_hist_log_print(&rt->out, st);
	else if (g->hist.kind == TH_HIST_LINEAR)
		grt_hist_linear_print(&rt->out, st, g->hist.lo, g->hist.hi, g->hist.step);
	maybe_flush(rt);
}

/* ---- auto-printing -------------------------------------------------------------------------- */

/*
 * What stap prints for written-but-unread globals (elaborate.cxx,
 * add_global_var_display): scalars as "name=%#x", strings quoted; arrays
 * one "name[k1,"k2"]=v" line per element, biggest value first; aggregates
 * their five extractors in decimal (no histogram), or "@count=0x0" when
 * empty.
 */
static void put_stat_line(struct grt_rt *rt, const int64_t *st)
{
	char line[256];
	int64_t avg = 0;

	if (!st[TH_STAT_COUNT]) {
		grt_buf_puts(&rt->out, " @count=0x0\n");
		return;
	}
	grt_stat_extract(st, GRT_X_AVG, &avg);
	snprintf(line, sizeof(line), " @count=%lld @min=%lld @max=%lld @sum=%lld @avg=%lld\n",
		 (long long)st[TH_STAT_COUNT], (long long)st[TH_STAT_MIN],
		 (long long)st[TH_STAT_MAX], (long long)st[TH_STAT_SUM], (long long)avg);
	grt_buf_puts(&rt->out, line);
}

void grt_autoprint_stat(struct grt_uctx *u, int gid, const char *name)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	int64_t *st;

	if (!g)
		return;
	st = calloc(grt_stat_slots(&g->hist), sizeof(int64_t));
	if (!st)
		return;
	grt_stat_get_g(u, gid, NULL, st);
	grt_buf_puts(&rt->out, name);
	put_stat_line(rt, st);
	free(st);
	maybe_flush(rt);
}

static void put_cell(struct grt_rt *rt, const struct grt_cell *c, int type)
{
	char num[32];

	if (type == GRT_STRING) {
		grt_buf_putc(&rt->out, '"');
		grt_buf_puts(&rt->out, c->s ? c->s : "");
		grt_buf_putc(&rt->out, '"');
	} else {
		snprintf(num, sizeof(num), "%lld", (long long)c->l);
		grt_buf_puts(&rt->out, num);
	}
}

void grt_autoprint_array(struct grt_uctx *u, int gid, const char *name)
{
	struct grt_rt *rt = u->rt;
	const struct grt_meta_global *g = global(rt, gid);
	struct grt_table t;
	size_t i;
	int k;

	if (!g || grt_arr_table(u, gid, &t) < 0)
		return;
	/* foreach ([k] in a-): by value (aggregates: @count), biggest first */
	grt_table_sort(&t, -1, -1, GRT_X_COUNT, 0);
	for (i = 0; i < t.n; i++) {
		grt_buf_puts(&rt->out, name);
		grt_buf_putc(&rt->out, '[');
		for (k = 0; k < g->nkeys; k++) {
			if (k)
				grt_buf_putc(&rt->out, ',');
			put_cell(rt, &t.rows[i].key[k], g->keytype[k]);
		}
		grt_buf_putc(&rt->out, ']');
		if (g->valtype == GRT_STATS) {
			put_stat_line(rt, t.rows[i].stat);
		} else {
			grt_buf_putc(&rt->out, '=');
			put_cell(rt, &t.rows[i].val, g->valtype);
			grt_buf_putc(&rt->out, '\n');
		}
		maybe_flush(rt);
	}
	grt_table_free(&t);
}
