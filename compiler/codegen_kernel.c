// SPDX-License-Identifier: MIT
/*
 * codegen_kernel.c - the kernel file, guest.bpf.c: maps, globals, frames, probe bodies
 * (shared where equal), the programs and their sections.
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

/* ---- the kernel file ----------------------------------------------------------------------- */

/*
 * What both generated files define first.  TH_ABORTED is the handler's
 * error state after abort(): negative, so it ends the run like an error
 * but is neither reported nor caught.
 */
void cg_gen_common_defines(struct gen *G, FILE *o)
{
	fprintf(o, "#define TH_MAXSTR %lld\n#define TH_STRLEN %lld\n",
		(long long)G->cx->lim.maxstringlen, (long long)G->cx->lim.strlen);
	fprintf(o, "#define TH_ABORTED (-1)\n");
}

/* Kernel-shared scalars: the same layout in the eBPF object and the user object. */
bool cg_any_kernel_scalar(struct gen *G)
{
	int i;

	for (i = 0; i < G->prog->globals.n; i++) {
		struct cc_sym *s = G->prog->globals.v[i];

		if (s->used_kernel && !s->is_array && s->type != TY_STATS)
			return true;
	}
	return false;
}

void cg_gen_globals_struct(struct gen *G, FILE *o)
{
	int i;

	if (!cg_any_kernel_scalar(G))
		return;
	fprintf(o, "struct th_globals {\n");
	for (i = 0; i < G->prog->globals.n; i++) {
		struct cc_sym *s = G->prog->globals.v[i];

		if (s->used_kernel && !s->is_array && s->type != TY_STATS)
			fprintf(o, s->type == TY_STRING ? "\tchar g_%s[TH_MAXSTR];\n" : "\t__s64 g_%s;\n",
				s->name);
	}
	fprintf(o, "};\n");
}

static const char *kvaltype(struct gen *G, struct cc_sym *s)
{
	if (s->type == TY_STATS)
		return cg_fmt(G, "struct th_st%d", s->index);
	return cg_ctype_val(s);
}

/* The C types of kernel globals: emitted before the frames that use them. */
static void gen_kernel_types(struct gen *G, FILE *o)
{
	struct cc_prog *P = G->prog;
	int i, j;

	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];

		if (!s->used_kernel)
			continue;
		if (s->type == TY_STATS)
			fprintf(o, "struct th_st%d { __s64 v[%d]; };\n", s->index, cg_stat_slots(s));
		if (s->is_array) {
			fprintf(o, "struct th_k%d {", s->index);
			for (j = 0; j < s->nkeys; j++)
				fprintf(o, s->keytype[j] == TY_STRING ? " char k%d[TH_MAXSTR];" : " __s64 k%d;",
					j);
			fprintf(o, " };\n");
		}
	}
	fprintf(o, "struct th_vstr { char s[TH_MAXSTR]; };\n");
	cg_gen_globals_struct(G, o);
}

/*
 * A wrapped array (a%[N]) drops its least recently used element when full,
 * as stap's wrap drops its oldest, instead of failing: an LRU map, of
 * statistics too (process/errsnoop.stp's error%[6000] <<< 1 overflowed).
 */
static const char *map_type(const struct cc_sym *s)
{
	if (s->type == TY_STATS)
		return s->wrapped ? "BPF_MAP_TYPE_LRU_PERCPU_HASH" : "BPF_MAP_TYPE_PERCPU_HASH";
	return s->wrapped ? "BPF_MAP_TYPE_LRU_HASH" : "BPF_MAP_TYPE_HASH";
}

/* The maps of kernel arrays and aggregates: after grt_bpf.h. */
static void gen_kernel_maps(struct gen *G, FILE *o)
{
	struct cc_prog *P = G->prog;
	int i;

	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];
		int64_t max = s->maxsize ? s->maxsize : G->cx->lim.maxmapentries;

		if (!s->used_kernel)
			continue;
		if (s->is_array) {
			fprintf(o,
				"struct {\n\t__uint(type, %s);\n\t__uint(max_entries, %lld);\n"
				"\t__type(key, struct th_k%d);\n\t__type(value, %s);\n} th_m%d SEC(\".maps\");\n",
				map_type(s),
				(long long)max, s->index, kvaltype(G, s), s->index);
		} else if (s->type == TY_STATS) {
			fprintf(o,
				"struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, "
				"1);\n\t__type(key, __u32);\n\t__type(value, %s);\n} th_m%d SEC(\".maps\");\n",
				kvaltype(G, s), s->index);
		}
	}
}

static void gen_kernel_globals_data(struct gen *G, FILE *o)
{
	struct cc_prog *P = G->prog;
	bool any = false;
	int i;

	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];

		if (s->used_kernel && !s->is_array && s->type != TY_STATS)
			any = true;
	}
	if (!any)
		return;
	fprintf(o, "struct th_globals th_g SEC(\".data.th_g\") = {\n");
	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];

		if (!s->used_kernel || s->is_array || s->type == TY_STATS || !s->init)
			continue;
		if (s->init->kind == N_NUM)
			fprintf(o, "\t.g_%s = %s,\n", s->name, cg_num(G, s->init->num));
		else
			fprintf(o, "\t.g_%s = %s,\n", s->name, cg_strlit(G, s->init->str, s->init->slen));
	}
	fprintf(o, "};\n");
}

static const char *section(struct gen *G, struct cc_dprobe *d)
{
	switch (d->kind) {
	case PK_SYSCALL:
		return d->sysexit ? "raw_tp/sys_exit" : "raw_tp/sys_enter";
	case PK_RAWTRACE:
		return cg_fmt(G, "%s/%s", d->tpbtf ? "tp_btf" : "raw_tp", d->event);
	case PK_TRACE:
		return cg_fmt(G, "tp/%s/%s", d->subsys, d->event);
	case PK_KFUNC:
		return cg_kfunc_section(G, d);
	case PK_UPROBE:
		return "uprobe"; /* attached by the loader: the file and offset are in the meta */
	case PK_NETFILTER:
		return "netfilter"; /* linked by the loader to the hook the meta names */
	default:
		return "perf_event";
	}
}

/*
 * An LSM program whose body sets $return: 6.12's verifier takes only
 * -MAX_ERRNO..0 in R0, as a 64-bit value, so the handler's int is widened
 * and bounded here, one comparison at a time on the same register (the
 * asm keeps clang from merging them into an add and one unsigned compare,
 * whose bounds the verifier does not carry back).  Stopping allows.
 */
static void gen_lsm_program(struct gen *G, FILE *defs, struct cc_dprobe *d)
{
	fprintf(defs,
		"SEC(\"%s\")\nlong th_p%d(void *ctx)\n{\n\tlong r;\n\n\tif (th_ctl.stop)\n\t\treturn 0;\n"
		"\tr = %s;\n\tif (r > 0)\n\t\tr = -1;\n\tasm volatile(\"\" : \"+r\"(r));\n"
		"\tif (r < -%d)\n\t\tr = -1;\n\treturn r;\n}\n\n",
		section(G, d), d->index, cg_hcall(G, d), CC_LSM_MAX_ERRNO);
}

/*
 * How deep a function's calls go: 1 for a leaf, else 1 + its tallest
 * callee's.  Kernel functions cannot recurse (elaboration refuses it), so
 * the walk ends; depth caps it anyway.
 */
static int call_height(const struct cc_node *n, int depth)
{
	int h = 0, i;

	if (!n || depth > 64)
		return 0;
	if (n->kind == N_CALL && n->func)
		h = 1 + call_height(n->func->body, depth + 1);
#define TALLER(x)                                     \
	do {                                          \
		int h_ = call_height((x), depth);     \
		if (h_ > h)                           \
			h = h_;                       \
	} while (0)
	TALLER(n->lhs);
	TALLER(n->rhs);
	TALLER(n->cond);
	TALLER(n->then);
	TALLER(n->els);
	TALLER(n->init);
	TALLER(n->inc);
	TALLER(n->body);
	for (i = 0; i < n->nargs; i++)
		TALLER(n->args[i]);
#undef TALLER
	return h;
}

/*
 * A kernel function is inlined where it is called, unless it is big: then
 * it is compiled once, as an eBPF subprogram that every handler calls.
 * syscall.* makes hundreds of handlers, and a tapset function like
 * errno_str() (a search through 130 numbers) inlined into each of them
 * made clang's time grow with their number (errsnoop.stp took minutes).
 * The verifier still checks a static subprogram at each call with the
 * caller's argument values, so its cost is the same either way.
 *
 * Two eBPF rules bound it: a call passes at most 5 arguments (H, FF, ret
 * and at most 2 parameters), and a program has at most 8 frames: the
 * program, its shared handler body, the nested bpf_loop() callbacks of
 * the string helpers (up to 3), which leaves CC_KFUNC_SUBPROG_DEPTH for
 * the chain of functions.  A subprogram's callees all have a smaller
 * height, so a chain of subprograms is at most as long as the height of
 * its first.
 */
#define CC_KFUNC_SUBPROG_BYTES 4096 /* generated C of a body, about 100 lines */
#define CC_KFUNC_SUBPROG_DEPTH 3

static bool kfunc_subprog(const struct cc_func *f, size_t body_len)
{
	return body_len >= CC_KFUNC_SUBPROG_BYTES && f->nparams <= 2 &&
	       1 + call_height(f->body, 0) <= CC_KFUNC_SUBPROG_DEPTH;
}

static void gen_kernel_func(struct gen *G, FILE *decls, FILE *defs, FILE *frames,
			    struct cc_func *f)
{
	struct unit u;
	const char *attr;
	int i;

	char *kl;
	size_t kl_len;

	/* its loops' bpf_loop() callbacks (codegen_kloop.c) go before it */
	G->kloops = open_memstream(&kl, &kl_len);
	G->kloop_fields.n = 0;
	cg_unit(G, f, NULL, &u);
	fclose(G->kloops);
	G->kloops = NULL;
	fputs(kl, defs);
	free(kl);
	/* a function's callees use the caller's FF: no frames of its own */
	u.uses_ff = false;
	attr = kfunc_subprog(f, u.len) ? "__noinline" : "__always_inline";

	fprintf(frames, "struct th_ff_%s {\n", cc_func_cname(f));
	cg_frame_fields(G, frames, &u, &f->locals, f->params, f->nparams);
	for (i = 0; i < G->kloop_fields.n; i++)
		fputs(G->kloop_fields.v[i], frames);
	if (u.recmax)
		fprintf(frames, "\tchar rec[TH_RECBUF];\n");
	fprintf(frames, "\tchar pad_;\n};\n");

	/* the prototypes go first: functions call each other in any order */
	fprintf(decls, "struct th_hctx;\nstruct th_ffall;\nstatic %s %s th_kf_%s("
		       "struct th_hctx *H, struct th_ffall *FF, char *ret%s);\n",
		attr, cg_ret_type(f), cc_func_cname(f), cg_param_list(G, f));
	fprintf(defs, "static %s %s th_kf_%s(struct th_hctx *H, struct th_ffall *FF, "
		      "char *ret%s)\n{\n",
		attr, cg_ret_type(f), cc_func_cname(f), cg_param_list(G, f));
	fprintf(defs, "\tstruct th_ff_%s *F = &FF->f_%s;\n\t__s64 rv = 0;\n", cc_func_cname(f),
		cc_func_cname(f));
	cg_long_locals(defs, &f->locals);
	for (i = 0; i < f->nparams; i++)
		if (f->params[i]->type == TY_STRING)
			fprintf(defs, "\tth_strcpy(F->l_%s, p_%s);\n", f->params[i]->name,
				f->params[i]->name);
	for (i = 0; i < f->locals.n; i++) {
		struct cc_sym *s = f->locals.v[i];

		if (s->type == TY_STRING)
			fprintf(defs, "\tF->l_%s[0] = 0;\n", s->name);
	}
	if (f->rettype == TY_STRING)
		fprintf(defs, "\tret[0] = 0;\n");
	fputs(u.body, defs);
	fprintf(defs, "th_out: __attribute__((unused));\n\t(void)FF;\n\treturn %s;\n}\n\n",
		f->rettype == TY_STRING ? "ret" : "rv");
}

const char *cg_kctx_type(const struct cc_dprobe *d)
{
	return d->kind == PK_SYSCALL || d->kind == PK_RAWTRACE || d->kind == PK_UPROC
		       ? "struct bpf_raw_tracepoint_args *"
							       : "void *";
}

/* The width of a row of literals: the longest, with its NUL (quoted: at least that). */
static size_t lits_width(const struct cc_vec *lits)
{
	size_t w = 1;
	int i;

	for (i = 0; i < lits->n; i++)
		if (strlen(lits->v[i]) - 1 > w)
			w = strlen(lits->v[i]) - 1;
	return w;
}

/*
 * Whether body b's table of literals, which a row per user pads to the
 * longest, stays under CC_LIT_TABLE_MAX_BYTES with one more user's: a
 * body with long literals and many users is not shared beyond that
 * (the object's .rodata is allocated in one piece by the kernel).
 */
#define CC_LIT_TABLE_MAX_BYTES (256u << 10)

static bool lits_fit(const struct kbody *b, const struct cc_vec *lits)
{
	size_t w = lits_width(lits);

	if (b->lit_w > w)
		w = b->lit_w;
	return (size_t)(b->users + 1) * (size_t)lits->n * w <= CC_LIT_TABLE_MAX_BYTES;
}

/*
 * Whether this kernel has the numbers iterator (6.4+) for loops
 * (codegen_stmt.c, loop_open); without it (the 6.1 test bed) a while
 * or for loop is a bpf_loop() callback (codegen_kloop.c), a foreach a
 * plain C loop, verified once per iteration.  The compile cache keys
 * on the kernel's BTF, so the choice is made for the kernel it loads on.
 */
static bool has_iter_num(struct cc_ctx *cx)
{
	struct cc_btf_class cls;
	struct cc_btf *b;

	return cx->kern.has_btf && !cc_ctx_btf(cx, &b) &&
	       !cc_btf_func_ret(b, NULL, "bpf_iter_num_new", &cls);
}

/*
 * Whether n runs a while, for or foreach loop, itself or in a function it calls
 * (kernel functions do not recurse; depth bounds the walk anyway).  Only
 * such code gets the iterators' frame slot and prologue, so an object
 * without loops is the same whatever the kernel (tests/vm/carry.stp).
 */
static bool runs_loop(const struct cc_node *n, int depth)
{
	int i;

	if (!n || depth > 64)
		return false;
	if (n->kind == N_WHILE || n->kind == N_FOR || n->kind == N_FOREACH)
		return true;
	if (n->kind == N_CALL && n->func && runs_loop(n->func->body, depth + 1))
		return true;
	if (runs_loop(n->lhs, depth) || runs_loop(n->rhs, depth) || runs_loop(n->cond, depth) ||
	    runs_loop(n->then, depth) || runs_loop(n->els, depth) || runs_loop(n->init, depth) ||
	    runs_loop(n->inc, depth) || runs_loop(n->body, depth))
		return true;
	for (i = 0; i < n->nargs; i++)
		if (runs_loop(n->args[i], depth))
			return true;
	return false;
}

/* iterator loops: on a kernel that has them, in a program with kernel loops */
static bool use_iter_loops(struct gen *G)
{
	struct cc_prog *P = G->prog;
	int i;

	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kernel && runs_loop(d->body, 0))
			return has_iter_num(G->cx);
	}
	return false;
}

/*
 * A kernel probe's body, as an inline function th_hN(ctx); the programs
 * (gen_kernel_programs) call it.  Its per-CPU frame is looked up only when
 * the body uses it: a counter like `n++` needs none.
 */
static void gen_kernel_probe(struct gen *G, FILE *defs, FILE *frames, struct cc_dprobe *d,
			     int hidx)
{
	struct unit u;
	FILE *saved, *fo, *bo;
	char *buf, *ftext, *btext, *ktext;
	size_t len, flen, blen, klen;
	int i, sites = G->prog->sites.n;
	struct cc_vec *lits = cc_alloc(G->cx->arena, sizeof(*lits));
	bool frame, iter;
	const char *ret = "0";

	G->func = NULL;
	G->probe = d;
	G->cls = d->cls;
	G->errjump = "goto th_err";
	G->outjump = NULL;
	G->lits = lits;
	d->tpbtf = cg_btf_tp_direct(G, d);
	/* its loops' bpf_loop() callbacks (codegen_kloop.c), shared with the body */
	G->kloops = open_memstream(&ktext, &klen);
	G->kloop_fields.n = 0;
	cg_unit_begin(G, &saved, &buf, &len);
	if (d->stash)
		cg_btf_stash_take(G, d);
	cg_st(G, d->body);
	cg_unit_end(G, saved, &u, &buf, &len);
	fclose(G->kloops);
	G->kloops = NULL;
	G->lits = NULL;
	/* errors need the frame for their record; functions may raise them */
	frame = strstr(u.body, "F->") || G->prog->sites.n != sites || u.uses_ff;
	/* th_unknown() goes through the frame: an iterator loop needs it */
	iter = G->iter_loops && runs_loop(d->body, 0);
	if (iter)
		frame = true;
	d->hidx = hidx;

	/* the frame's fields and the function, without the probe's own number */
	fo = open_memstream(&ftext, &flen);
	fprintf(fo, "\tchar rec[TH_RECBUF];\n\tchar errmsg[TH_MAXSTR];\n");
	if (iter)
		fprintf(fo, "\t__s64 unk;\n");
	cg_frame_fields(G, fo, &u, &d->locals, NULL, 0);
	for (i = 0; i < G->kloop_fields.n; i++)
		fputs(G->kloop_fields.v[i], fo);
	fclose(fo);
	bo = open_memstream(&btext, &blen);
	fprintf(bo, "(%sctx, const char *pp, __u32 hidx)\n{\n", cg_kctx_type(d));
	fprintf(bo, "\tstruct th_hctx H_ = { 0 }, *H = &H_;\n");
	cg_long_locals(bo, &d->locals);
	if (frame) {
		fprintf(bo, "\tstruct th_frame_pFRAME *F = th_frame(hidx);\n\n\tif (!F)\n\t\treturn 0;\n");
		fprintf(bo, "\tH->errmsg = F->errmsg;\n\tF->errmsg[0] = 0;\n");
		if (iter)
			fprintf(bo, "\tH->unk = &F->unk;\n\tH->actions = th_unknown(H, 0);\n");
		for (i = 0; i < d->locals.n; i++) {
			struct cc_sym *s = d->locals.v[i];

			if (s->type == TY_STRING)
				fprintf(bo, "\tF->l_%s[0] = 0;\n", s->name);
		}
	}
	fprintf(bo, "\tH->pp = pp;\n\tH->ctx = ctx;\n");
	if (d->verdict && d->lsm)
		fprintf(bo, "\t__s64 th_verdict = (__s32)th_rawarg_num(ctx, %d); /* the previous verdict */\n",
			d->nkargs);
	else if (d->verdict)
		fprintf(bo, "\t__s64 th_verdict = 1; /* NF_ACCEPT */\n");
	if (d->kind == PK_PERF || d->kind == PK_PROFILE)
		fprintf(bo, "\tH->perf = true;\n");
	fputs(u.body, bo);
	fprintf(bo, "th_err: __attribute__((unused));\n");
	if (frame)
		fprintf(bo, "\tif (H->err > 0)\n\t\tth_error_rec(H, %d, F->rec);\n", d->cls);
	/*
	 * A netfilter program's return is the packet's verdict: NF_ACCEPT
	 * (1), or NF_DROP (0) when a guru script set $verdict to 0; the
	 * verifier takes no other value from such a program.
	 */
	/*
	 * An LSM program's return is the verdict: 0 allows, -errno denies,
	 * and the kernel takes nothing outside -MAX_ERRNO..0: any other
	 * value a guru script set denies with -EPERM (-1), as any non-zero
	 * verdict means to deny (gen_lsm_program bounds it again for the
	 * verifier).
	 */
	if (d->lsm && d->verdict)
		ret = cg_fmt(G, "th_verdict < -%d || th_verdict > 0 ? -1 : th_verdict",
			     CC_LSM_MAX_ERRNO);
	else if (d->kind == PK_NETFILTER)
		ret = d->verdict ? "th_verdict != 0" : "1";
	fprintf(bo, "th_out: __attribute__((unused));\n\t(void)ctx;\n\t(void)hidx;\n\treturn %s;\n}\n\n",
		ret);
	fclose(bo);

	/*
	 * Wildcards (syscall.*, sched:*) make hundreds of probes with the same
	 * code but for their probe point and their string literals (the
	 * `name = "read"` of each syscall.*.return): those share one body,
	 * compiled once as an eBPF subprogram, instead of hundreds of inlined
	 * copies.  Bodies are compared with their literals left out.
	 */
	d->lit_row = -1;
	for (i = 0; i < G->nbodies; i++) {
		struct kbody *b = &G->bodies[i];

		if (!strcmp(b->frame, ftext) && !strcmp(b->text, btext) &&
		    !strcmp(b->kloops, ktext) && lits_fit(b, lits)) {
			d->body_id = b->id;
			b->users++;
			cc_vec_push(G->cx->arena, &b->probes, d);
			cc_vec_push(G->cx->arena, &b->lits, lits);
			if (lits_width(lits) > b->lit_w)
				b->lit_w = lits_width(lits);
			free(ftext);
			free(btext);
			free(ktext);
			return;
		}
	}
	if (G->nbodies == G->cap_bodies) {
		G->cap_bodies = G->cap_bodies ? G->cap_bodies * 2 : 64;
		G->bodies = realloc(G->bodies, sizeof(*G->bodies) * (size_t)G->cap_bodies);
	}
	G->bodies[G->nbodies] = (struct kbody){
		.id = d->index,
		.frame = cc_strdup(G->cx->arena, ftext),
		.text = cc_strdup(G->cx->arena, btext),
		.kloops = cc_strdup(G->cx->arena, ktext),
		.users = 1,
		.pp = d->pp,
		.lit_w = lits_width(lits),
	};
	cc_vec_push(G->cx->arena, &G->bodies[G->nbodies].probes, d);
	cc_vec_push(G->cx->arena, &G->bodies[G->nbodies].lits, lits);
	G->nbodies++;
	d->body_id = d->index;
	fprintf(frames, "struct th_frame_p%d {\n%s};\n", d->index, ftext);
	free(ftext);
	free(btext);
	free(ktext);
}

static bool same_lits(const struct cc_vec *a, const struct cc_vec *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/*
 * A shared body whose users' literals differ reads them from a table in
 * .rodata, a row per user; each program passes its row (a constant
 * address, so the verifier, which checks the subprogram at each call,
 * knows what it reads).  The rows are as wide as the longest literal.
 */
static void gen_body_lits(FILE *defs, struct kbody *b)
{
	int i, j, k = ((struct cc_vec *)b->lits.v[0])->n;

	fprintf(defs, "static const TH_RO char th_lits%d[%d][%d][%zu] = {\n", b->id, b->lits.n, k,
		b->lit_w);
	for (i = 0; i < b->lits.n; i++) {
		const struct cc_vec *l = b->lits.v[i];

		fprintf(defs, "\t{");
		for (j = 0; j < l->n; j++)
			fprintf(defs, " %s,", (const char *)l->v[j]);
		fprintf(defs, " },\n");
		((struct cc_dprobe *)b->probes.v[i])->lit_row = i;
	}
	fprintf(defs, "};\n");
}

/*
 * Text t of body b (its function, or its loops' callbacks) as the first
 * user's: its frame type, its literals or its row's.  *params: the
 * function's parameter list is still to be given the row (NULL: none).
 */
static void body_text(FILE *defs, const struct kbody *b, const char *t, const char *num,
		      bool *params)
{
	const struct cc_vec *lits0 = b->lits.v[0];
	const char *p;

	while ((p = strpbrk(t, "p_\001"))) {
		fwrite(t, 1, (size_t)(p - t), defs);
		if (*p == LIT_MARK) {
			char *e;
			long k = strtol(p + 1, &e, 10);

			if (b->lit_table)
				fprintf(defs, "lits[%ld]", k);
			else
				fputs(lits0->v[k], defs);
			t = e + 1;
		} else if (!strncmp(p, "pFRAME", 6)) {
			fprintf(defs, "p%s", num);
			t = p + 6;
		} else if (!strncmp(p, "pLITSDECL", 9)) {
			/* a loop's callback (codegen_kloop.c) reads the row its caller got */
			if (b->lit_table)
				fprintf(defs, "const char (*lits)[%zu] = c->lits;", b->lit_w);
			t = p + 9;
		} else if (!strncmp(p, "pLITSARG", 8)) {
			fputs(b->lit_table ? "lits" : "0", defs);
			t = p + 8;
		} else if (params && b->lit_table && !*params && !strncmp(p, "__u32 hidx)", 11)) {
			fprintf(defs, "__u32 hidx, const char (*lits)[%zu])", b->lit_w);
			*params = true;
			t = p + 11;
		} else {
			fputc(*p, defs);
			t = p + 1;
		}
	}
	fputs(t, defs);
}

/* The bodies, once all probes are known: shared ones become subprograms. */
static void gen_kernel_bodies(struct gen *G, FILE *defs)
{
	int i, j;

	for (i = 0; i < G->nbodies; i++) {
		struct kbody *b = &G->bodies[i];
		const struct cc_vec *lits0 = b->lits.v[0];
		char num[16];
		bool params = false; /* the parameter list is done */

		for (j = 1; j < b->lits.n && !b->lit_table; j++)
			b->lit_table = !same_lits(lits0, b->lits.v[j]);
		if (b->lit_table)
			gen_body_lits(defs, b);
		snprintf(num, sizeof(num), "%d", b->id);
		body_text(defs, b, b->kloops, num, NULL);
		fprintf(defs, "/* %s%s */\nstatic %s int th_h%d", b->pp,
			b->users > 1 ? cg_fmt(G, " and %d more", b->users - 1) : "",
			b->users > 1 ? "__noinline" : "__always_inline", b->id);
		body_text(defs, b, b->text, num, &params);
	}
	free(G->bodies);
	G->bodies = NULL;
}

/*
 * Probes that share one program: the first of each group leads (kgroup,
 * in cookie order), the others follow (kfollower, no program of their
 * own).  same(G, d, e): may e follow d; same(G, d, d): may d lead.
 *
 * kprobe_multi (probe_kfunc.c's kmulti_group): the probes of a group with
 * the same body and direction; a group of one stays a kprobe.
 *
 * Uprobes with the same body and direction (a wildcard's functions, a
 * library's PLT stubs: ltrace.stp's 1,097) are attached at every point
 * with the point's place in the group as its cookie.  The verifier then
 * checks one program, not one per point: that, not attaching, is what a
 * session with a thousand uprobes waited for.  A no-trap marker's program
 * (it enables the marker's own writer) stays alone.  Groups are of the
 * same record class.
 */
static bool kmulti_same(struct gen *G, const struct cc_dprobe *d, const struct cc_dprobe *e)
{
	(void)G;
	return e->kernel && e->kind == PK_KFUNC && e->kmulti && e->kmulti == d->kmulti &&
	       e->kret == d->kret && e->body_id == d->body_id && !e->stash;
}

static bool ugroup_same(struct gen *G, const struct cc_dprobe *d, const struct cc_dprobe *e)
{
	return e->kernel && e->kind == PK_UPROBE && e->uret == d->uret &&
	       e->body_id == d->body_id && e->cls == d->cls && cg_mark_fmt(G, e) <= 0;
}

static void gather(struct gen *G,
		   bool (*same)(struct gen *, const struct cc_dprobe *, const struct cc_dprobe *))
{
	struct cc_prog *P = G->prog;
	int i, j;

	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kfollower || d->kgroup.n || !same(G, d, d))
			continue;
		for (j = i + 1; j < P->probes.n; j++) {
			struct cc_dprobe *e = P->probes.v[j];

			if (!e->kfollower && !e->kgroup.n && same(G, d, e)) {
				if (!d->kgroup.n)
					cc_vec_push(G->cx->arena, &d->kgroup, d);
				cc_vec_push(G->cx->arena, &d->kgroup, e);
				e->kfollower = true;
			}
		}
	}
}

/*
 * One program for the functions of a group, attached through one
 * kprobe_multi link (or for the points of a uprobe group, through a
 * link per file or per point); the hub gives each its place in the group
 * as the link's cookie (codegen_meta.c lists them in that order), which
 * picks the function's probe point and row of literals (probefunc())
 * from tables.  A cookie beyond them cannot come; the checks are for the
 * verifier, which then knows the reads stay in the tables.
 */
static void gen_kmulti_program(struct gen *G, FILE *defs, struct cc_dprobe *d)
{
	size_t w = 1;
	int i, n = d->kgroup.n;

	for (i = 0; i < n; i++) {
		const struct cc_dprobe *e = d->kgroup.v[i];

		if (strlen(e->pp) + 1 > w)
			w = strlen(e->pp) + 1;
	}
	fprintf(defs, "static const TH_RO char th_kpp%d[%d][%zu] = {\n", d->index, n, w);
	for (i = 0; i < n; i++) {
		const struct cc_dprobe *e = d->kgroup.v[i];

		fprintf(defs, "\t%s,\n", cg_cquote(G, e->pp, strlen(e->pp)));
	}
	fprintf(defs, "};\n");
	if (d->lit_row >= 0) {
		fprintf(defs, "static const TH_RO __u32 th_krow%d[%d] = {", d->index, n);
		for (i = 0; i < n; i++)
			fprintf(defs, " %d,", ((const struct cc_dprobe *)d->kgroup.v[i])->lit_row);
		fprintf(defs, " };\n");
	}
	if (G->cx->timing) {
		/* tap -t: each function's runs in its own probe's slot */
		fprintf(defs, "static const TH_RO __u32 th_kslot%d[%d] = {", d->index, n);
		for (i = 0; i < n; i++)
			fprintf(defs, " %d,", ((const struct cc_dprobe *)d->kgroup.v[i])->index);
		fprintf(defs, " };\n");
	}
	fprintf(defs, "SEC(\"%s%s\")\nint th_p%d(void *ctx)\n{\n"
		      "\t__u64 k = bpf_get_attach_cookie(ctx);\n\t__u32 r;\n\n"
		      "\t(void)r;\n\tif (th_ctl.stop || k >= %d)\n\t\treturn 0;\n",
		d->kind == PK_UPROBE ? "uprobe" : cg_kfunc_way(d), d->kind == PK_UPROBE ? "" : ".multi",
		d->index, n);
	if (d->lit_row >= 0) {
		fprintf(defs, "\tr = th_krow%d[k];\n"
			      "\tif (r >= sizeof(th_lits%d) / sizeof(th_lits%d[0]))\n\t\treturn 0;\n",
			d->index, d->body_id, d->body_id);
	}
	fprintf(defs, "\treturn %s;\n}\n\n",
		cg_hcall_from(G, d, cg_fmt(G, "th_kpp%d[k]", d->index), d->lit_row >= 0 ? "r" : NULL,
			   G->cx->timing ? cg_fmt(G, "th_kslot%d[k]", d->index) : NULL));
}

/*
 * tap -t: a per-CPU slot of run times per probe (include/taphub/stat.h),
 * read and merged by the runner for the report at the end.
 */
static void gen_kernel_timing(struct gen *G, FILE *o)
{
	if (!G->cx->timing)
		return;
	fprintf(o, "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, %d);\n"
		   "\t__type(key, __u32);\n\t__type(value, struct th_probe_timing);\n} th_timing "
		   "SEC(\".maps\");\n\n",
		G->prog->probes.n);
	fprintf(o, "static __always_inline int th_timed(int r, __u32 idx, __u64 t0)\n{\n"
		   "\tstruct th_probe_timing *t = bpf_map_lookup_elem(&th_timing, &idx);\n\n"
		   "\tif (t)\n\t\tth_probe_timing_add(t, bpf_ktime_get_ns() - t0);\n"
		   "\treturn r;\n}\n\n");
}

/*
 * The eBPF programs.  Every probe is one program, except syscall probes
 * when there are many distinct syscalls (syscall.* is hundreds): then one
 * program on sys_enter (and one on sys_exit) tail-calls, by syscall
 * number, into a program per number that runs all probes of that number.
 * A syscall nobody probes then costs one failed tail call, not hundreds
 * of programs each comparing the number.
 */
#define SYSCALL_DIRECT_MAX 4

static int sys_group_cmp(const void *a, const void *b)
{
	const struct cc_dprobe *x = *(struct cc_dprobe *const *)a, *y = *(struct cc_dprobe *const *)b;

	if (x->sysexit != y->sysexit)
		return x->sysexit - y->sysexit;
	if (x->sysnr != y->sysnr)
		return x->sysnr - y->sysnr;
	return x->index - y->index;
}

static void gen_kernel_programs(struct gen *G, FILE *defs)
{
	struct cc_prog *P = G->prog;
	struct cc_dprobe **sys = NULL;
	int i, nsys = 0, ngroups = 0;

	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kernel && d->kind == PK_SYSCALL)
			nsys++;
	}
	gather(G, kmulti_same);
	gather(G, ugroup_same);
	if (nsys)
		sys = cc_alloc(G->cx->arena, sizeof(*sys) * (size_t)nsys);
	nsys = 0;
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (!d->kernel)
			continue;
		if (d->kind == PK_SYSCALL) {
			sys[nsys++] = d;
			continue;
		}
		if (d->kfollower || d->kind == PK_UPROC) /* PK_UPROC: cg_uproc_programs */
			continue;
		if (d->kgroup.n) {
			gen_kmulti_program(G, defs, d);
			continue;
		}
		if (d->stash)
			cg_btf_stash_prog(G, defs, d);
		if (d->lsm && d->verdict) {
			gen_lsm_program(G, defs, d);
			continue;
		}
		/* a netfilter program stopping lets the packets through (NF_ACCEPT) */
		fprintf(defs, "SEC(\"%s\")\nint th_p%d(%sctx)\n{\n\tif (th_ctl.stop)\n\t\treturn %d;\n"
			      "%s\treturn %s;\n}\n\n",
			section(G, d), d->index, cg_kctx_type(d), d->kind == PK_NETFILTER,
			cg_perf_filter(G, d), cg_hcall(G, d));
	}
	cg_uproc_programs(G, defs);
	if (!nsys)
		return;
	qsort(sys, (size_t)nsys, sizeof(*sys), sys_group_cmp);
	for (i = 0; i < nsys; i++)
		if (!i || sys[i - 1]->sysnr != sys[i]->sysnr || sys[i - 1]->sysexit != sys[i]->sysexit)
			ngroups++;
	G->sys_dispatch = ngroups > SYSCALL_DIRECT_MAX;
	if (!G->sys_dispatch) {
		for (i = 0; i < nsys; i++) {
			struct cc_dprobe *d = sys[i];

			fprintf(defs, "SEC(\"%s\")\nint th_p%d(struct bpf_raw_tracepoint_args *ctx)\n{\n",
				section(G, d), d->index);
			if (d->sysexit)
				fprintf(defs, "\tif (th_sysnr_exit(ctx) != %d)\n\t\treturn 0;\n", d->sysnr);
			else
				fprintf(defs, "\tif (ctx->args[1] != %d)\n\t\treturn 0;\n", d->sysnr);
			fprintf(defs, "\tif (th_ctl.stop)\n\t\treturn 0;\n\treturn %s;\n}\n\n",
				cg_hcall(G, d));
		}
		return;
	}
	for (i = 0; i < nsys;) {
		int j = i;

		fprintf(defs, "SEC(\"raw_tp\")\nint th_s%c%d(struct bpf_raw_tracepoint_args *ctx)\n{\n",
			sys[i]->sysexit ? 'x' : 'e', sys[i]->sysnr);
		for (; j < nsys && sys[j]->sysnr == sys[i]->sysnr && sys[j]->sysexit == sys[i]->sysexit; j++)
			fprintf(defs, "\t%s;\n", cg_hcall(G, sys[j]));
		fprintf(defs, "\treturn 0;\n}\n\n");
		i = j;
	}
	for (i = 0; i < 2; i++)
		fprintf(defs,
			"struct {\n\t__uint(type, BPF_MAP_TYPE_PROG_ARRAY);\n\t__uint(max_entries, %d);\n"
			"\t__type(key, __u32);\n\t__type(value, __u32);\n} th_systab_%s SEC(\".maps\");\n\n",
			CC_SYSCALL_TABLE, i ? "exit" : "enter");
	/* a dispatcher only for the directions probed: sys_exit costs too */
	if (!sys[0]->sysexit)
		fprintf(defs, "SEC(\"raw_tp/sys_enter\")\nint th_sysenter(struct "
			      "bpf_raw_tracepoint_args *ctx)\n{\n"
			      "\tif (th_ctl.stop)\n\t\treturn 0;\n"
			      "\tbpf_tail_call(ctx, &th_systab_enter, "
			      "(__u32)ctx->args[1]);\n\treturn 0;\n}\n\n");
	if (sys[nsys - 1]->sysexit)
		fprintf(defs, "SEC(\"raw_tp/sys_exit\")\nint th_sysexit(struct bpf_raw_tracepoint_args *ctx)\n{\n"
			      "\tif (th_ctl.stop)\n\t\treturn 0;\n"
			      "\tbpf_tail_call(ctx, &th_systab_exit, (__u32)th_sysnr_exit(ctx));\n\treturn 0;\n}\n\n");
	G->sys = sys;
	G->nsys = nsys;
}

/*
 * catch (msg) in a kernel probe: the message of the error site in H->err,
 * from a table of the sites' messages (error("...")'s own text is in
 * H->errmsg; its site's entry is empty).  Every kernel site is known once
 * the kernel units are generated; user-side ones never reach here.
 */
static void gen_catch_msg(struct gen *G, FILE *o)
{
	struct cc_prog *P = G->prog;
	size_t w = 1;
	int i;

	for (i = 0; i < P->sites.n; i++) {
		struct cc_site *s = P->sites.v[i];

		if (strlen(s->msg) + 1 > w)
			w = strlen(s->msg) + 1;
	}
	fprintf(o, "static const TH_RO char th_sitemsg[%d][%zu] = {\n", P->sites.n ? P->sites.n : 1, w);
	for (i = 0; i < P->sites.n; i++) {
		struct cc_site *s = P->sites.v[i];

		fprintf(o, "\t%s,\n", cg_cquote(G, s->msg, strlen(s->msg)));
	}
	fprintf(o, "};\n\n");
	fprintf(o, "static __always_inline void th_catch_msg(struct th_hctx *H, char *dst)\n{\n"
		   "\t__u64 site = (__u64)(H->err - 1);\n\n"
		   "\tif (site < %d && th_sitemsg[site][0])\n\t\tth_strcpy(dst, th_sitemsg[site]);\n"
		   "\telse\n\t\tth_strcpy(dst, H->errmsg);\n}\n\n",
		P->sites.n);
}

static int pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n)
		p <<= 1;
	return (int)p;
}

char *cg_gen_kernel(struct gen *G)
{
	struct cc_prog *P = G->prog;
	char *decls_b, *frames_b, *defs_b, *slices_b, *out;
	size_t decls_n, frames_n, defs_n, slices_n, out_n;
	FILE *decls = open_memstream(&decls_b, &decls_n);
	FILE *frames = open_memstream(&frames_b, &frames_n);
	FILE *defs = open_memstream(&defs_b, &defs_n);
	FILE *o;
	int i, h = 0;

	G->kernel = true;
	G->iter_loops = use_iter_loops(G);
	G->slices = open_memstream(&slices_b, &slices_n);
	/* every handler may report an error: site id and error() text */
	G->recmax_all = sizeof(struct th_rec) + 8 + 2 + (size_t)G->cx->lim.maxstringlen;
	gen_kernel_maps(G, decls);

	/* functions: prototypes in decls, definitions in defs (no recursion here) */
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		if (f->used_kernel)
			gen_kernel_func(G, decls, defs, frames, f);
	}
	fprintf(frames, "struct th_ffall {\n");
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		if (f->used_kernel)
			fprintf(frames, "\tstruct th_ff_%s f_%s;\n", cc_func_cname(f), cc_func_cname(f));
	}
	fprintf(frames, "\tchar pad_;\n};\n");
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kernel && d->stash)
			cg_btf_stash_decl(G, decls, d);
		if (d->kernel)
			gen_kernel_probe(G, defs, frames, d, h++);
	}
	gen_kernel_bodies(G, defs);
	gen_kernel_timing(G, defs);
	gen_kernel_programs(G, defs);
	fclose(decls);
	fclose(frames);
	fclose(defs);
	fclose(G->slices);
	G->slices = NULL;

	o = open_memstream(&out, &out_n);
	fprintf(o, "/* generated by tap %s: kernel-context probes */\n", TAPHUB_VERSION);
	cg_gen_common_defines(G, o);
	fprintf(o, "#define TH_MAXACTION %lld\n", (long long)G->cx->lim.maxaction);
	if (G->iter_loops)
		fprintf(o, "#define TH_ITER_LOOPS 1\n");
	if (G->fesites.n)
		fprintf(o, "#define TH_FE_NSITES %d\n#define TH_FE_CAP %lld\n", G->fesites.n,
			(long long)G->cx->lim.maxforeach);
	fprintf(o, "#define TH_NHANDLERS %d\n", h ? h : 1);
	fprintf(o, "#define TH_NCLASSES %d\n", P->classes.n);
	{
		size_t zero = 8;

		for (i = 0; i < P->globals.n; i++) {
			struct cc_sym *s = P->globals.v[i];
			size_t vs = s->type == TY_STATS	   ? (size_t)cg_stat_slots(s) * 8
				    : s->type == TY_STRING ? (size_t)G->cx->lim.maxstringlen
							   : 8;

			if (s->used_kernel && vs > zero)
				zero = vs;
			/* th_zero_key() zeroes large keys from th_zero too */
			if (s->used_kernel && s->nkeys > 0) {
				size_t ks = 0;
				int j;

				for (j = 0; j < s->nkeys; j++)
					ks += s->keytype[j] == TY_STRING ? (size_t)G->cx->lim.maxstringlen : 8;
				if (ks > zero)
					zero = ks;
			}
		}
		fprintf(o, "#define TH_ZERO_SIZE %zu\n", zero);
	}
	/* record buffer: a power of two for masking, plus room for one more string */
	fprintf(o, "#define TH_RECMASK %d\n", pow2_at_least(G->recmax_all + 64) - 1);
	fprintf(o, "#define TH_RECBUF (TH_RECMASK + 1 + TH_MAXSTR + 16)\n");
	fprintf(o, "#include <linux/types.h>\n");
	gen_kernel_types(G, o);
	cc_regex_emit_bpf(G->cx, o);
	fprintf(o, "%s", frames_b);
	fprintf(o, "union th_frame {\n");
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kernel && d->body_id == d->index)
			fprintf(o, "\tstruct th_frame_p%d p%d;\n", d->index, d->index);
	}
	fprintf(o, "\tchar pad_;\n};\n");
	fprintf(o, "#include \"grt_bpf.h\"\n\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n\n");
	cg_perf_header(G, o);
	fprintf(o, "%s", decls_b);
	cg_btf_emit_locals(G, o);
	if (G->catch_msg)
		gen_catch_msg(G, o);
	fputs(slices_b, o);
	gen_kernel_globals_data(G, o);
	fprintf(o, "\n%s", defs_b);
	fclose(o);
	free(decls_b);
	free(frames_b);
	free(defs_b);
	free(slices_b);
	return out;
}
