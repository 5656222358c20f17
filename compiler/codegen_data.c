// SPDX-License-Identifier: MIT
/*
 * codegen_data.c - array slices, aggregates (statistics and their extractors) and target
 * variables of tracepoints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- array slices: a[k, *] in delete, 'in' and foreach ------------------------------- */

/* Bit i set: key i is a '*'.  0: not a slice. */
unsigned cg_slice_mask(struct cc_node **args, int n)
{
	unsigned m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (args[i]->kind == N_WILDCARD)
			m |= 1u << i;
	return m;
}

/*
 * Kernel: a bpf_for_each_map_elem() callback for array s and a slice
 * mask, which deletes (del) or finds the elements whose fixed keys equal
 * those of the key buffer the context points at.  The verifier checks
 * the callback once, whatever the number of elements; a run costs one
 * call per element (at most the array's size).  One callback per (array,
 * mask, operation), shared by every use.
 */
static const char *slice_callback(struct gen *G, struct cc_sym *s, unsigned mask, bool del)
{
	const char *name = cg_fmt(G, "th_slice%d_%x_%s", s->index, mask, del ? "del" : "in");
	int i;

	for (i = 0; i < G->slicefns.n; i++)
		if (!strcmp(G->slicefns.v[i], name))
			return name;
	cc_vec_push(G->cx->arena, &G->slicefns, (void *)name);
	fprintf(G->slices,
		"static long %s(void *map, struct th_k%d *k, void *v, struct th_slice_ctx *c)\n{\n"
		"\tconst struct th_k%d *w = c->key;\n\n\t(void)v;\n\t(void)w;\n",
		name, s->index, s->index);
	for (i = 0; i < s->nkeys; i++) {
		if (mask & (1u << i))
			continue;
		if (s->keytype[i] == TY_STRING)
			fprintf(G->slices, "\tif (!th_keystr_eq(k->k%d, w->k%d))\n\t\treturn 0;\n", i, i);
		else
			fprintf(G->slices, "\tif (k->k%d != w->k%d)\n\t\treturn 0;\n", i, i);
	}
	/*
	 * The verifier walks a callback again per possible caller state
	 * until they converge: a found flag converges, a counter would not.
	 */
	if (del)
		fprintf(G->slices, "\tbpf_map_delete_elem(map, k);\n\treturn 0;\n}\n\n");
	else
		fprintf(G->slices, "\tc->found = 1;\n\treturn 1; /* one is enough */\n}\n\n");
	return name;
}

/* delete a[k, *] (and delete a: every key a '*'), either side. */
void cg_slice_delete(struct gen *G, struct cc_sym *s, struct cc_node **args, int n, unsigned mask)
{
	char *pre = "";
	const char *key = n ? cg_keys(G, s, args, n, &pre) : NULL;

	if (!G->kernel) {
		cg_emit(G, "{%s grt_arr_delete_slice(U, %d, %s, 0x%xu); }", pre, s->index,
		     key ? key : "NULL", mask);
		return;
	}
	if (!key) {
		/* the whole array: a key buffer only for the callback's type */
		cg_use_key(G, s->index);
		key = cg_fmt(G, "&F->k%d", s->index);
	}
	cg_emit(G, "{%s struct th_slice_ctx c = { .key = %s }; bpf_for_each_map_elem(&%s, %s, &c, 0); }",
	     pre, key, cg_kmap(G, s), slice_callback(G, s, mask, true));
}

/* [k, *] in a */
const char *cg_slice_in(struct gen *G, struct cc_sym *s, struct cc_node **args, int n,
			unsigned mask)
{
	char *pre;
	const char *key = cg_keys(G, s, args, n, &pre);

	if (!G->kernel)
		return cg_fmt(G, "({%s (__s64)grt_arr_exists_slice(U, %d, %s, 0x%xu); })", pre, s->index,
			   key, mask);
	return cg_fmt(G,
		   "({%s struct th_slice_ctx c = { .key = %s }; bpf_for_each_map_elem(&%s, %s, &c, "
		   "0); (__s64)c.found; })",
		   pre, key, cg_kmap(G, s), slice_callback(G, s, mask, false));
}

/* ---- aggregates ---------------------------------------------------------------------- */

static int hist_buckets(const struct cc_sym *s)
{
	if (s->hist_kind == TH_HIST_LOG)
		return TH_HIST_LOG_BUCKETS;
	if (s->hist_kind == TH_HIST_LINEAR)
		return th_hist_linear_nbuckets(s->hist_lo, s->hist_hi, s->hist_step);
	return 0;
}

/* Slots of one copy of s: header, buckets, and @variance's two (see stat.h). */
int cg_stat_slots(const struct cc_sym *s)
{
	return TH_STAT_HDR + hist_buckets(s) + (s->variance ? TH_STAT_VAR_SLOTS : 0);
}

/* The first of @variance's slots in a copy of s: after the buckets. */
int cg_stat_var_slot(const struct cc_sym *s)
{
	return TH_STAT_HDR + hist_buckets(s);
}

/* After th_stat_add(st, v ...): @variance's update of the copy, when the script reads it. */
static const char *kvar_add(struct gen *G, const struct cc_sym *s, int u)
{
	if (!s->variance)
		return "";
	return cg_fmt(G, " if (st%d) th_stat_var_add(st%d, v%d, %d, %d);", u, u, u,
		   cg_stat_var_slot(s), s->var_shift);
}

const char *cg_stat_add(struct gen *G, struct cc_node *n)
{
	struct cc_node *x = n->lhs;
	struct cc_sym *s = x->sym;
	const char *v = cg_ex(G, n->rhs);
	char *pre = "";
	const char *key = NULL;
	int u = cg_uniq(G);

	if (x->kind == N_INDEX)
		key = cg_keys(G, s, x->args, x->nargs, &pre);
	if (!G->kernel) {
		int site = cg_add_site(G, TH_ERR_OVERFLOW, "Array overflow, check MAXMAPENTRIES",
				    cg_fmt(G, "identifier '%s'", s->name), &x->loc);

		return cg_fmt(G, "({ __s64 v%d = %s;%s grt_stat_add_g(U, %d, %s, v%d, %d); 0; })", u, v,
			   pre, s->index, key ? key : "NULL", u, site);
	}
	if (!key) {
		return cg_fmt(G,
			   "({ __s64 v%d = %s; __u32 z%d = 0; __s64 *st%d = "
			   "bpf_map_lookup_elem(&%s, &z%d); if (st%d) th_stat_add(st%d, v%d, %d, "
			   "%s, %s, %s, %d);%s 0; })",
			   u, v, u, u, cg_kmap(G, s), u, u, u, u, s->hist_kind, cg_num(G, s->hist_lo),
			   cg_num(G, s->hist_hi), cg_num(G, s->hist_step), hist_buckets(s),
			   kvar_add(G, s, u));
	}
	{
		int site = cg_add_site(G, TH_ERR_OVERFLOW, "Array overflow, check MAXMAPENTRIES",
				    cg_fmt(G, "identifier '%s'", s->name), &x->loc);

		return cg_fmt(G,
			   "({ __s64 v%d = %s;%s __s64 *st%d = th_lookup_init(H, &%s, %s, %d); if "
			   "(st%d) th_stat_add(st%d, v%d, %d, %s, %s, %s, %d);%s 0; })",
			   u, v, pre, u, cg_kmap(G, s), key, site, u, u, u, s->hist_kind,
			   cg_num(G, s->hist_lo), cg_num(G, s->hist_hi), cg_num(G, s->hist_step),
			   hist_buckets(s), kvar_add(G, s, u));
	}
}

static int extractor(const char *name)
{
	static const char *const xs[] = { "count", "sum", "min", "max", "avg" };
	int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(name, xs[i]))
			return i;
	return -1;
}

const char *cg_stat_op(struct gen *G, struct cc_node *n)
{
	struct cc_node *x = n->lhs;
	struct cc_sym *s = x->sym;
	int xi = extractor(n->name), u = cg_uniq(G);
	char *pre = "";
	const char *key = NULL;
	int site;

	if (xi < 0 && strcmp(n->name, "variance")) {
		cc_error_at(&G->cx->diag, &n->loc, "@%s is not supported", n->name);
		return "0";
	}
	site = cg_add_site(G, TH_ERR_NOSTAT, "empty aggregate", cg_fmt(G, "identifier '%s'", s->name),
			&n->loc);
	if (x->kind == N_INDEX)
		key = cg_keys(G, s, x->args, x->nargs, &pre);
	if (!G->kernel && xi < 0)
		return cg_fmt(G,
			   "({%s int64_t st%d[%d]; grt_stat_get_g(U, %d, %s, st%d); "
			   "grt_stat_variance_g(U, %d, st%d, %d); })",
			   pre, u, cg_stat_slots(s), s->index, key ? key : "NULL", u, s->index, u, site);
	if (!G->kernel)
		return cg_fmt(G,
			   "({%s int64_t st%d[%d]; grt_stat_get_g(U, %d, %s, st%d); grt_stat_x(U, "
			   "st%d, %d, %d); })",
			   pre, u, cg_stat_slots(s), s->index, key ? key : "NULL", u, u, xi, site);
	if (!key) {
		key = cg_fmt(G, "&z%d", u);
		pre = cg_fmt(G, " __u32 z%d = 0;", u);
	}
	if (xi < 0)
		/* the CPUs' Welford states merged as the user side merges them */
		return cg_fmt(G, "({%s th_stat_variance(H, &%s, %s, %d, %d, %d); })", pre,
			      cg_kmap(G, s), key, cg_stat_var_slot(s), s->var_shift, site);
	return cg_fmt(G, "({%s th_stat_x(H, &%s, %s, %d, %d); })", pre, cg_kmap(G, s), key, xi, site);
}

/*
 * @hist_*(x)[i] (user probes; elaborate.c refuses kernel ones): bucket i's
 * count in the merged copy, stap's error for a bucket that is not there;
 * without i, the number of buckets (what a foreach over it walks).
 */
const char *cg_hist_index(struct gen *G, struct cc_node *n)
{
	struct cc_node *x = n->lhs->args[0];
	struct cc_sym *s = x->sym;
	int nb = hist_buckets(s), u = cg_uniq(G), site;
	char *pre = "";
	const char *key = NULL;

	if (!n->rhs)
		return cg_num(G, nb);
	site = cg_add_site(G, TH_ERR_USER, "histogram index out of range",
			   cg_fmt(G, "identifier '%s'", s->name), &n->loc);
	if (x->kind == N_INDEX)
		key = cg_keys(G, s, x->args, x->nargs, &pre);
	return cg_fmt(G,
		      "({%s int64_t st%d[%d]; int64_t b%d = %s; grt_stat_get_g(U, %d, %s, st%d); "
		      "(b%d >= 0 && b%d < %d) ? st%d[%d + b%d] : (%s, 0); })",
		      pre, u, cg_stat_slots(s), u, cg_ex(G, n->rhs), s->index, key ? key : "NULL",
		      u, u, u, nb, u, TH_STAT_HDR, u, cg_err_set(G, site));
}

/* ---- target variables ----------------------------------------------------------------- */

/* Width and signedness of a tracepoint field's C type. */
static const char *narrow(struct gen *G, const struct cc_tpfield *f)
{
	static const struct {
		const char *name;
		const char *cast;
	} ints[] = {
		{ "int", "(__s32)" }, { "unsigned int", "(__u32)" }, { "pid_t", "(__s32)" },
		{ "uid_t", "(__u32)" }, { "gid_t", "(__u32)" }, { "umode_t", "(__u16)" },
		{ "clockid_t", "(__s32)" }, { "key_serial_t", "(__s32)" }, { "mqd_t", "(__s32)" },
		{ "key_t", "(__s32)" }, { "rwf_t", "(__s32)" }, { "timer_t", "(__s32)" },
		{ "qid_t", "(__u32)" }, { "u32", "(__u32)" }, { "__u32", "(__u32)" },
		{ "s32", "(__s32)" }, { "__s32", "(__s32)" }, { "u16", "(__u16)" },
		{ "__u16", "(__u16)" }, { "s16", "(__s16)" }, { "short", "(__s16)" },
		{ "unsigned short", "(__u16)" }, { "u8", "(__u8)" }, { "__u8", "(__u8)" },
		{ "char", "(__s8)" }, { "unsigned char", "(__u8)" }, { "bool", "(__u8)" },
		{ "gfp_t", "(__u32)" }, { "dev_t", "(__u32)" },
	};
	const char *t = f->type;
	size_t i;

	if (f->kind == CC_TPF_PTR)
		return "(__s64)(__u64)";
	if (!strncmp(t, "const ", 6))
		t += 6;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(t, ints[i].name))
			return cg_fmt(G, "(__s64)%s", ints[i].cast);
	return cg_int_cast(f->size, f->is_signed);
}

/* The cast that makes a long of an integer of size bytes. */
const char *cg_int_cast(int size, bool is_signed)
{
	switch (size) {
	case 1:
		return is_signed ? "(__s64)(__s8)" : "(__s64)(__u8)";
	case 2:
		return is_signed ? "(__s64)(__s16)" : "(__s64)(__u16)";
	case 4:
		return is_signed ? "(__s64)(__s32)" : "(__s64)(__u32)";
	default:
		return "(__s64)";
	}
}

const char *cg_target(struct gen *G, struct cc_node *n)
{
	struct cc_dprobe *d = G->probe;
	const struct cc_tpfield *f = n->aux;
	/* the trace record: ctx of a tp/ program, or the stash of one (codegen_btf.c) */
	const char *rec = d && d->stash ? "th_rec" : "ctx";
	int i, argi = 0;

	if (n->name && !strcmp(n->name, "@cast") && n->aux) /* a user type's (probe_ufunc.c) */
		return cg_uvar_target(G, n);
	if (n->kread) /* a C argument (NULL: its program's) or @cast, read through BTF */
		return cg_btf_read(G, n->kread->argi >= 0 ? NULL : cg_ex(G, n->lhs), n->kread, n);
	if (d->kind == PK_INPUT)
		return "((char *)U->input)"; /* $value: what tap read on stdin */
	if (d->kind == PK_KFUNC)
		return cg_kfunc_target(G, n);
	if (d->kind == PK_UPROBE)
		return d->sdt ? cg_sdt_target(G, n) : cg_uvar_target(G, n);
	/*
	 * A netfilter program's context is struct bpf_nf_ctx, its state and
	 * skb pointers: read as bytes, each is a number (loaded from ctx it
	 * would be a PTR_TO_BTF_ID, which the verifier keeps out of arithmetic)
	 */
	if (d->kind == PK_NETFILTER && *(const int *)n->aux == 2)
		return "th_verdict"; /* $verdict: the handler's local (codegen_kernel.c) */
	if (d->kind == PK_NETFILTER)
		return cg_fmt(G, "((__s64)th_rawarg_num(ctx, %d))", *(const int *)n->aux);
	if (d->kind == PK_SYSCALL) {
		if (d->sysexit)
			return "((__s64)ctx->args[1])";
		for (i = 0; i < d->tpf->nfields; i++) {
			if (&d->tpf->fields[i] == f)
				break;
			if (strcmp(d->tpf->fields[i].name, "__syscall_nr"))
				argi++;
		}
		return cg_fmt(G, "(%s th_sysarg(ctx, %d))", narrow(G, f), argi);
	}
	/* tracepoint program: ctx is the trace record */
	if (f->kind == CC_TPF_OTHER && n->nargs == 1) {
		/* $array[i]: a bounds-checked read (a ctx access needs a constant offset) */
		int esz = cc_tp_array_elem(f), cnt = f->size / (esz ? esz : 1);
		const char *idx = cg_ex(G, n->args[0]);
		int u = cg_uniq(G);
		const char *cast = esz == 8   ? "(__s64)"
				   : esz == 4 ? (f->is_signed ? "(__s64)(__s32)" : "(__s64)(__u32)")
				   : esz == 2 ? (f->is_signed ? "(__s64)(__s16)" : "(__s64)(__u16)")
					      : (f->is_signed ? "(__s64)(__s8)" : "(__s64)(__u8)");

		return cg_fmt(G,
			   "({ __s64 i%d = %s; __u64 v%d = 0; if (i%d >= 0 && i%d < %d) "
			   "bpf_probe_read_kernel(&v%d, %d, (const char *)%s + %d + i%d * %d); %sv%d; })",
			   u, idx, u, u, u, cnt, u, esz, rec, f->offset, u, esz, cast, u);
	}
	switch (f->kind) {
	case CC_TPF_CHARARRAY:
		return cg_fmt(G, "th_tp_str(%s, (const char *)%s + %d, %d)", cg_temp(G), rec, f->offset,
			   f->size);
	case CC_TPF_DATALOC_STR: {
		int u = cg_uniq(G);

		return cg_fmt(G,
			   "({ __u32 dl%d = *(__u32 *)((char *)%s + %d); th_tp_str(%s, (const char "
			   "*)%s + (dl%d & 0xffff), (int)(dl%d >> 16)); })",
			   u, rec, f->offset, cg_temp(G), rec, u, u);
	}
	default:
		switch (f->size) {
		case 1:
			return cg_fmt(G, "(%s *(__u8 *)((char *)%s + %d))", narrow(G, f), rec, f->offset);
		case 2:
			return cg_fmt(G, "(%s *(__u16 *)((char *)%s + %d))", narrow(G, f), rec, f->offset);
		case 4:
			return cg_fmt(G, "(%s *(__u32 *)((char *)%s + %d))", narrow(G, f), rec, f->offset);
		default:
			return cg_fmt(G, "(%s *(__u64 *)((char *)%s + %d))", narrow(G, f), rec, f->offset);
		}
	}
}
