// SPDX-License-Identifier: MIT
/*
 * Probes on kernel functions, without debuginfo:
 *
 *   kernel.function("PAT")[.call][.exported][.return]
 *   module("MOD").function("PAT")[.call][.exported][.return]
 *   kprobe[.module("MOD")].function("PAT")[.return]
 *
 * A kernel.function attaches through a BPF trampoline (fentry/fexit)
 * where the kernel has them and the function is in BTF: the cheapest way
 * in, and its arguments are a plain array.  Otherwise, and always for
 * kprobe.*, through a kprobe or kretprobe.  Whether trampolines work is
 * asked of the kernel itself, once per compile, by loading and attaching
 * an empty fentry program: a kernel may be built with everything it needs
 * and still refuse them (this project's host does), and only the attempt
 * tells.
 *
 * A pattern is matched against the functions the running kernel can
 * attach: TRACEFS/available_filter_functions (what ftrace can patch, the
 * entry points of both kprobes on function entry and trampolines), minus
 * the kprobe blacklist (DEBUGFS/kprobes/blacklist) for kprobes.  .call
 * (not inlined) is what both ways attach to anyway; .exported keeps the
 * functions /proc/kallsyms has a __ksymtab_ entry for.
 *
 * Parameters are $name with their types from the function's BTF
 * prototype: integers, enums and pointers are longs (a char * too: read
 * it with kernel_string()), $return in .return, $$parms as stap prints
 * it; $param->member chains go through elaborate_btf.c (CO-RE).  Functions of modules attach (kprobes), their parameters stay
 * unread: their prototypes are in the modules' split BTF, which the
 * prototype lookup does not read yet.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compiler/compiler.h"

/* Derived probes one pattern may make: each is a program loaded and attached. */
#define CC_KFUNC_MAX_MATCHES 512
/* The registers x86_64 passes arguments in: parameters past them are on the stack. */
#define CC_KFUNC_MAX_ARGS 6

struct kfunc {
	const char *name;
	const char *module; /* NULL: vmlinux */
};

struct kfuncs {
	struct kfunc *v; /* sorted by name, then module */
	int n;
	int err;          /* reading available_filter_functions: 0 or -errno */
	const char *path; /* its path, for messages */
	char **black;     /* the kprobe blacklist, sorted */
	int nblack;
	char **exported;  /* names with a __ksymtab_ entry, sorted, read on first .exported */
	int nexported;
	bool exported_read;
	int ngroups;      /* kprobe_multi groups made so far (cc_dprobe.kmulti) */
};

static bool comp_is(const struct cc_point *pt, int i, const char *name)
{
	return i < pt->ncomps && !strcmp(pt->comps[i].name, name);
}

static int point_error(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why)
{
	if (!quiet)
		cc_error_at(&cx->diag, &pt->loc, "probe point '%s' %s", cc_point_str(cx, pt), why);
	return -1;
}

static int cmp_kfunc(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (!x->module || !y->module)
		return !!x->module - !!y->module;
	return strcmp(x->module, y->module);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(char **v, int n, const char *name)
{
	return n && bsearch(&name, v, (size_t)n, sizeof(*v), cmp_str);
}

/* Lines of a file into arena strings; -errno when it cannot be read. */
static int read_lines(struct cc_ctx *cx, const char *path, struct cc_vec *out)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = 0;
		cc_vec_push(cx->arena, out, cc_strndup(cx->arena, line, n));
	}
	fclose(f);
	return 0;
}

static struct kfuncs *kfuncs_load(struct cc_ctx *cx)
{
	struct kfuncs *K = cx->kfuncs;
	struct cc_vec lines = { 0 };
	int i;

	if (K)
		return K;
	K = cc_alloc(cx->arena, sizeof(*K));
	cx->kfuncs = K;
	K->path = cc_sprintf(cx->arena, "%s/available_filter_functions", cc_tracefs());
	K->err = read_lines(cx, K->path, &lines);
	K->v = cc_alloc(cx->arena, sizeof(*K->v) * (size_t)(lines.n + 1));
	for (i = 0; i < lines.n; i++) {
		/* "name" or "name [module]" */
		char *l = lines.v[i], *sp = strchr(l, ' ');

		if (sp) {
			char *end = strchr(sp, ']');

			*sp = 0;
			if (sp[1] == '[' && end) {
				*end = 0;
				K->v[K->n].module = sp + 2;
			}
		}
		if (!*l)
			continue;
		K->v[K->n++].name = l;
	}
	qsort(K->v, (size_t)K->n, sizeof(*K->v), cmp_kfunc);
	/* "0xSTART-0xEND\tname": blacklisted ranges, by the function they are in */
	lines.n = 0;
	if (read_lines(cx, "/sys/kernel/debug/kprobes/blacklist", &lines) == 0) {
		K->black = cc_alloc(cx->arena, sizeof(char *) * (size_t)(lines.n + 1));
		for (i = 0; i < lines.n; i++) {
			char *tab = strchr(lines.v[i], '\t');

			if (tab && tab[1])
				K->black[K->nblack++] = tab + 1;
		}
		qsort(K->black, (size_t)K->nblack, sizeof(char *), cmp_str);
	}
	return K;
}

/* .exported: the names /proc/kallsyms has a __ksymtab_NAME for */
static void exported_load(struct cc_ctx *cx, struct kfuncs *K)
{
	struct cc_vec lines = { 0 };
	int i;

	if (K->exported_read)
		return;
	K->exported_read = true;
	if (read_lines(cx, "/proc/kallsyms", &lines))
		return;
	K->exported = cc_alloc(cx->arena, sizeof(char *) * (size_t)(lines.n + 1));
	for (i = 0; i < lines.n; i++) {
		char *s = strstr(lines.v[i], " __ksymtab_");
		char *end;

		if (!s)
			continue;
		s += strlen(" __ksymtab_");
		end = strpbrk(s, " \t");
		if (end)
			*end = 0;
		K->exported[K->nexported++] = s;
	}
	qsort(K->exported, (size_t)K->nexported, sizeof(char *), cmp_str);
}

/*
 * Whether BPF trampolines attach on this kernel: an empty fentry program
 * on func (a function in BTF) loaded and attached, then closed at once.
 * TAPHUB_KFUNC=kprobe says no without asking (the kprobe way on a kernel
 * that has both: tests and benchmarks).
 */
/* The refusal of every kernel-function form on a kernel without kprobes. */
static int refuse_no_kprobes(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	cx->nkfunc_refused++;
	return point_error(cx, pt, quiet,
			   "is not supported on this kernel: it needs kprobes, and this "
			   "kernel has none (CONFIG_KPROBES is not set); use a tracepoint "
			   "instead (tap -l 'kernel.trace(\"*\")' lists them)");
}

static bool fentry_works(struct cc_ctx *cx, const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const char *force = getenv("TAPHUB_KFUNC");
	struct cc_btf_param *args;
	struct cc_btf *b;
	int id, pfd, lfd;

	if (cx->kern.has_fentry)
		return cx->kern.has_fentry > 0;
	cx->kern.has_fentry = -1;
	if (force && !strcmp(force, "kprobe"))
		return false;
	if (!cx->kern.has_btf)
		return false;
	/*
	 * A function BTF lacks says nothing of the kernel: ask with one it
	 * has.  Looked up in our model first: libbpf prints what it misses.
	 */
	if (cc_ctx_btf(cx, &b) < 0)
		return false;
	if (cc_btf_func_args(b, NULL, func, &args) < 0)
		func = "vfs_read";
	if (cc_btf_func_args(b, NULL, func, &args) < 0)
		return false;
	id = libbpf_find_vmlinux_btf_id(func, BPF_TRACE_FENTRY);
	if (id <= 0)
		return false;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)id);

		pfd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "th_fentry_probe", "GPL", insns,
				    sizeof(insns) / sizeof(insns[0]), &o);
	}
	if (pfd < 0)
		return false;
	lfd = bpf_raw_tracepoint_open(NULL, pfd);
	if (lfd >= 0) {
		cx->kern.has_fentry = 1;
		close(lfd);
	}
	close(pfd);
	return cx->kern.has_fentry > 0;
}

/*
 * Whether kprobe_multi links attach on this kernel (5.18+, with fprobe):
 * an empty kprobe.multi program loaded and linked to func, then closed at
 * once.  As with trampolines, only the attempt tells (the link type may
 * be known and fprobe missing).  TAPHUB_KPROBE_MULTI=0 says no without
 * asking: one kprobe per function, to compare both ways.
 */
static bool kprobe_multi_works(struct cc_ctx *cx, const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const char *force = getenv("TAPHUB_KPROBE_MULTI");
	const char *syms[] = { func };
	int pfd, lfd;

	if (cx->kern.has_kprobe_multi)
		return cx->kern.has_kprobe_multi > 0;
	cx->kern.has_kprobe_multi = -1;
	if ((force && !strcmp(force, "0")) || !cx->kern.has_kprobes)
		return false;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);

		pfd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "th_kmulti_probe", "GPL", insns,
				    sizeof(insns) / sizeof(insns[0]), &o);
	}
	if (pfd < 0)
		return false;
	{
		LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.syms = syms,
			    .kprobe_multi.cnt = 1);

		lfd = bpf_link_create(pfd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	}
	if (lfd >= 0) {
		cx->kern.has_kprobe_multi = 1;
		close(lfd);
	}
	close(pfd);
	return cx->kern.has_kprobe_multi > 0;
}

/* The function's parameters from BTF into d (fentry needs their count for $return). */
int cc_kfunc_nargs(struct cc_ctx *cx, struct cc_dprobe *d)
{
	struct cc_btf *b;

	if (d->nkargs != -1)
		return d->nkargs;
	d->nkargs = -2;
	if (cc_ctx_btf(cx, &b) < 0)
		return d->nkargs;
	d->nkargs = cc_btf_func_args(b, d->module, d->func, &d->kargs);
	if (d->nkargs < 0)
		d->nkargs = -2;
	return d->nkargs;
}

static const char *point_name(struct cc_ctx *cx, const char *module, bool kp, const char *func,
			      const char *suffix)
{
	if (kp)
		return module ? cc_sprintf(cx->arena, "kprobe.module(\"%s\").function(\"%s\")%s",
					   module, func, suffix)
			      : cc_sprintf(cx->arena, "kprobe.function(\"%s\")%s", func, suffix);
	return module ? cc_sprintf(cx->arena, "module(\"%s\").function(\"%s\")%s", module, func,
				   suffix)
		      : cc_sprintf(cx->arena, "kernel.function(\"%s\")%s", func, suffix);
}

struct kreq {
	const char *module; /* module pattern, NULL: vmlinux */
	const char *pat;
	bool kp, ret, exported;
	const char *suffix; /* .call, .exported as written, then .return */
};

/*
 * One function: how it attaches, or why it cannot (NULL).  fentry where
 * trampolines work and BTF has a prototype with its arguments in
 * registers; a kprobe where the kernel has them and the function is not
 * blacklisted.
 */
static const char *attach_way(struct cc_ctx *cx, const struct kreq *R, struct kfuncs *K,
			      struct cc_dprobe *d)
{
	if (!R->kp && !d->module && cx->kern.has_fentry > 0 && cc_kfunc_nargs(cx, d) >= 0 &&
	    d->nkargs <= CC_KFUNC_MAX_ARGS) {
		d->kprobe = false;
		return "fentry";
	}
	if (!cx->kern.has_kprobes)
		return NULL;
	if (in_sorted(K->black, K->nblack, d->func))
		return NULL;
	d->kprobe = true;
	return "kprobe";
}

static struct cc_dprobe *new_kprobe(struct cc_ctx *cx, const struct cc_point *pt,
				    const struct kreq *R, const char *func, const char *module)
{
	struct cc_dprobe *d = cc_alloc(cx->arena, sizeof(*d));

	d->kind = PK_KFUNC;
	d->kernel = true;
	d->loc = pt->loc;
	d->func = cc_strdup(cx->arena, func);
	d->module = module ? cc_strdup(cx->arena, module) : NULL;
	d->kret = R->ret;
	d->nkargs = -1;
	d->pp = (char *)point_name(cx, module, R->kp, func, R->suffix);
	return d;
}

/*
 * A wildcard's kprobes of vmlinux functions (from out->v[first] on) go
 * through one kprobe_multi link where the kernel has them: one program
 * and one attach for hundreds of functions, where a kprobe each costs a
 * perf event, a program and a registration apiece.  Modules' functions
 * keep a kprobe each: before 6.5 a kprobe_multi link does not hold the
 * module it points into.  Trampolines (fentry) have no such link: each
 * function is a program of its own.
 */
static void kmulti_group(struct cc_ctx *cx, struct kfuncs *K, struct cc_vec *out, int first)
{
	struct cc_dprobe *lead = NULL;
	int i, n = 0;

	for (i = first; i < out->n; i++) {
		struct cc_dprobe *d = out->v[i];

		if (d->kprobe && !d->module && !n++)
			lead = d;
	}
	if (n < 2 || !kprobe_multi_works(cx, lead->func))
		return;
	K->ngroups++;
	for (i = first; i < out->n; i++) {
		struct cc_dprobe *d = out->v[i];

		if (d->kprobe && !d->module)
			d->kmulti = K->ngroups;
	}
}

int cc_kfunc_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	struct kreq R = { .suffix = "" };
	struct kfuncs *K;
	int i = 1, j, nmatch = 0;
	bool glob;

	R.kp = comp_is(pt, 0, "kprobe");
	if (comp_is(pt, 0, "module") || (R.kp && comp_is(pt, 1, "module"))) {
		const struct cc_comp *m = &pt->comps[R.kp ? 1 : 0];

		if (!m->has_arg || !m->arg_is_str || !*m->str)
			return point_error(cx, pt, quiet, "expects a module name: module(\"NAME\")");
		R.module = m->str;
		i = R.kp ? 2 : 1;
	}
	/*
	 * Statements and labels are kprobes at an address: on a kernel
	 * without kprobes that, not the missing DWARF, is what stops them
	 * (and what an admin can change).
	 */
	if ((comp_is(pt, i, "statement") || comp_is(pt, i, "label")) && !cx->kern.has_kprobes)
		return refuse_no_kprobes(cx, pt, quiet);
	if (comp_is(pt, i, "statement") || comp_is(pt, i, "label") || comp_is(pt, 0, "process"))
		return point_error(cx, pt, quiet,
				   "needs the kernel's DWARF line tables (debuginfo), which taphub "
				   "does not read; probe a function instead");
	if (comp_is(pt, i, "data") && i == 1 && comp_is(pt, 0, "kernel"))
		return cc_data_resolve(cx, pt, quiet, out);
	if (comp_is(pt, i, "data"))
		return point_error(cx, pt, quiet,
				   "is not supported: a module's data is watched by its address, "
				   "kernel.data(ADDR)");
	if (!comp_is(pt, i, "function") || !pt->comps[i].has_arg || !pt->comps[i].arg_is_str ||
	    !*pt->comps[i].str)
		return point_error(cx, pt, quiet,
				   "is not a kernel function probe point (kernel.function(\"NAME\"), "
				   "module(\"MOD\").function(\"NAME\"), kprobe.function(\"NAME\"))");
	R.pat = pt->comps[i].str;
	for (i++; i < pt->ncomps; i++) {
		const struct cc_comp *c = &pt->comps[i];

		if (c->has_arg)
			return point_error(cx, pt, quiet, "has unexpected components");
		if (!strcmp(c->name, "return") && !R.ret && i == pt->ncomps - 1) {
			R.ret = true;
		} else if (!R.kp && !strcmp(c->name, "call")) {
			R.suffix = cc_sprintf(cx->arena, "%s.call", R.suffix);
		} else if (!R.kp && !strcmp(c->name, "exported")) {
			R.exported = true;
			R.suffix = cc_sprintf(cx->arena, "%s.exported", R.suffix);
		} else if (!strcmp(c->name, "inline") || !strcmp(c->name, "callee") ||
			   !strcmp(c->name, "callees")) {
			return point_error(cx, pt, quiet,
					   "needs the kernel's DWARF (debuginfo) to find inlined "
					   "instances and call sites, which taphub does not read");
		} else {
			return point_error(cx, pt, quiet, "has unexpected components");
		}
	}
	if (R.ret)
		R.suffix = cc_sprintf(cx->arena, "%s.return", R.suffix);
	if (strpbrk(R.pat, "@:") && !cx->kern.has_kprobes &&
	    (R.kp || R.module || !fentry_works(cx, "vfs_read")))
		return refuse_no_kprobes(cx, pt, quiet);
	if (strpbrk(R.pat, "@:"))
		return point_error(cx, pt, quiet,
				   "names a source file or line, which needs the kernel's DWARF "
				   "(debuginfo); name the function alone");
	glob = strpbrk(R.pat, "*?[") != NULL;
	/* the way in: trampolines (not for kprobe.*, not for modules here) or kprobes */
	if (!R.kp && !R.module)
		fentry_works(cx, glob ? "vfs_read" : R.pat);
	if (!cx->kern.has_kprobes && (R.kp || R.module || cx->kern.has_fentry <= 0))
		return refuse_no_kprobes(cx, pt, quiet);
	K = kfuncs_load(cx);
	if (K->err && (glob || R.module))
		return point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "cannot be matched: the functions this kernel can "
					      "probe are listed in %s, which cannot be read (%s)",
					      K->path, strerror(-K->err)));
	if (R.exported)
		exported_load(cx, K);
	if (K->err) {
		/* a plain name without the list: the loader tells if it is not there */
		struct cc_dprobe *d = new_kprobe(cx, pt, &R, R.pat, NULL);

		if (!attach_way(cx, &R, K, d))
			return point_error(cx, pt, quiet, "cannot be attached on this kernel");
		cc_vec_push(cx->arena, out, d);
		return 1;
	}
	for (j = 0; j < K->n; j++) {
		const struct kfunc *f = &K->v[j];
		struct cc_dprobe *d;

		if (fnmatch(R.pat, f->name, 0))
			continue;
		/* the compiler's clones (foo.isra.0, foo.cold): only by their own name */
		if (glob && strchr(f->name, '.'))
			continue;
		if (R.module ? !f->module || fnmatch(R.module, f->module, 0) : f->module != NULL)
			continue;
		/* a static function of the same name twice: one probe (the kernel picks) */
		if (j && !strcmp(K->v[j - 1].name, f->name) &&
		    (K->v[j - 1].module == f->module ||
		     (K->v[j - 1].module && f->module && !strcmp(K->v[j - 1].module, f->module))))
			continue;
		if (R.exported && !in_sorted(K->exported, K->nexported, f->name))
			continue;
		d = new_kprobe(cx, pt, &R, f->name, f->module);
		if (!attach_way(cx, &R, K, d)) {
			if (!cx->kern.has_kprobes)
				cx->nkfunc_refused++;
			if (glob)
				continue;
			return point_error(
				cx, pt, quiet,
				cx->kern.has_kprobes
					? "cannot be attached: the function is on the kernel's kprobe "
					  "blacklist"
					: "cannot be attached: the function is not in the kernel's BTF "
					  "and this kernel has no kprobes");
		}
		if (++nmatch > CC_KFUNC_MAX_MATCHES)
			return point_error(cx, pt, quiet,
					   cc_sprintf(cx->arena,
						      "matches more than %d functions: narrow the "
						      "pattern",
						      CC_KFUNC_MAX_MATCHES));
		cc_vec_push(cx->arena, out, d);
	}
	if (glob && nmatch > 1)
		kmulti_group(cx, K, out, out->n - nmatch);
	if (!nmatch && !glob)
		return point_error(
			cx, pt, quiet,
			cc_sprintf(cx->arena,
				   "names no function this kernel can probe: '%s' is not in %s%s "
				   "(inlined, notrace or absent)",
				   R.pat, K->path,
				   R.exported ? " among the exported ones" : ""));
	return nmatch;
}

struct cc_dprobe *cc_kfunc_entry_of(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	struct cc_dprobe *e = cc_alloc(cx->arena, sizeof(*e));
	const char *ret;

	*e = *d;
	e->kret = false;
	e->body = NULL;
	memset(&e->locals, 0, sizeof(e->locals));
	ret = strstr(d->pp, ".return");
	e->pp = ret ? cc_strndup(cx->arena, d->pp, (size_t)(ret - d->pp)) : d->pp;
	return e;
}

/* ---- target variables ----------------------------------------------------------- */

static const char *param_names(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	for (i = 0; i < d->nkargs; i++)
		s = cc_sprintf(cx->arena, "%s%s$%s", s, i ? " " : "", d->kargs[i].name);
	return *s ? s : "none";
}

/* Whether a parameter of class c reads as a long: integers, enums, pointers (char * too). */
static bool readable(const struct cc_btf_class *c)
{
	return c->kind == CC_BTF_INT || c->kind == CC_BTF_ENUM || c->kind == CC_BTF_PTR ||
	       (c->kind == CC_BTF_STRING && c->nelem == 0);
}

/* $$parms ($$return): "name=0x%x ..." of what reads as a long, as stap prints it */
static struct cc_node *parms_call(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node *t,
				  bool ret)
{
	struct cc_parms p;
	int i;

	cc_parms_init(&p, cx, &t->loc);
	for (i = 0; !ret && i < d->nkargs && i < CC_KFUNC_MAX_ARGS; i++)
		if (readable(&d->kargs[i].cls))
			cc_parms_target(&p, d->kargs[i].name, d->kargs[i].name, "0x%x");
	if (ret)
		cc_parms_target(&p, "return", "return", "0x%x");
	return cc_parms_call(&p);
}

int cc_kfunc_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet)
{
	struct cc_node *t = *np;
	struct cc_kfunc_arg *a;
	size_t nl = strlen(t->name);
	const char *name;
	bool pretty;
	int i;

	while (nl && t->name[nl - 1] == '$') /* $var$ / $$parms$: the same values here */
		nl--;
	pretty = nl < strlen(t->name);
	name = cc_strndup(cx->arena, t->name, nl);
	cc_kfunc_nargs(cx, d);
	if (!strcmp(name, "$locals") || !strcmp(name, "$vars") || !strcmp(name, "$parms") ||
	    !strcmp(name, "$return")) {
		if (!strcmp(name, "$return") && !d->kret)
			return cc_parms_no_return(cx, d->pp, &t->loc, true, quiet);
		if (quiet)
			return 0;
		if (!strcmp(name, "$locals")) {
			/* no DWARF, no locals: an empty string, as stap with none */
			t->kind = N_STR;
			t->str = "";
			t->slen = 0;
			t->type = TY_STRING;
			return 0;
		}
		*np = parms_call(cx, d, t, !strcmp(name, "$return"));
		return 1;
	}
	a = cc_alloc(cx->arena, sizeof(*a));
	if (!strcmp(name, "return")) {
		struct cc_btf_class rc = { .kind = CC_BTF_INT, .size = 8, .is_signed = true };
		struct cc_btf *b;

		if (!d->kret)
			return cc_parms_no_return(cx, d->pp, &t->loc, false, quiet);
		if (cc_ctx_btf(cx, &b) == 0)
			cc_btf_func_ret(b, d->module, d->func, &rc);
		if (rc.kind == CC_BTF_OTHER && rc.size == 0) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc, "'$return': %s returns void", d->func);
			return -1;
		}
		a->idx = -1;
		a->size = readable(&rc) && rc.size > 0 ? rc.size : 8;
		a->is_signed = rc.kind == CC_BTF_PTR ? false : rc.is_signed;
		i = -1;
	} else {
		for (i = 0; i < d->nkargs; i++)
			if (!strcmp(d->kargs[i].name, name))
				break;
		if (d->nkargs < 0 || i == d->nkargs) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    d->nkargs < 0
						    ? "unable to find target variable '$%s' in %s: the "
						      "function has no prototype in the BTF of %s"
						    : "unable to find target variable '$%s' in %s (its "
						      "parameters: %s)",
					    name, d->pp,
					    d->nkargs >= 0 ? param_names(cx, d)
					    : d->module    ? cc_sprintf(cx->arena, "module %s", d->module)
							   : "the kernel");
			return -1;
		}
		if (!readable(&d->kargs[i].cls) || i >= CC_KFUNC_MAX_ARGS) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    i >= CC_KFUNC_MAX_ARGS
						    ? "'$%s' of %s is passed on the stack, which taphub "
						      "does not read"
						    : "'$%s' of %s has type '%s', which taphub cannot read "
						      "as a value",
					    name, d->pp,
					    i >= CC_KFUNC_MAX_ARGS ? "" : d->kargs[i].cls.cname);
			return -1;
		}
		a->idx = i;
		a->size = d->kargs[i].cls.size;
		a->is_signed = d->kargs[i].cls.kind != CC_BTF_PTR &&
			       d->kargs[i].cls.kind != CC_BTF_STRING && d->kargs[i].cls.is_signed;
	}
	if (t->nargs) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s' is a plain value here: member and index access need a "
				    "parameter with a BTF type",
				    name);
		return -1;
	}
	if (quiet)
		return 0;
	t->name = (char *)name;
	t->aux = a;
	t->type = TY_LONG;
	if (pretty && i >= 0 && d->kargs[i].cls.kind == CC_BTF_STRING &&
	    !d->kargs[i].cls.nelem) {
		/* $filename$ of a char *: the string, quoted, as stap prints it */
		struct cc_node *q = cc_node_new(cx, N_CALL, &t->loc);

		q->name = "kernel_or_user_string_quoted";
		q->args = cc_alloc(cx->arena, sizeof(*q->args));
		q->args[0] = t;
		q->nargs = 1;
		*np = q;
		return 1;
	}
	return 0;
}

int cc_kfunc_param_type(struct cc_ctx *cx, struct cc_dprobe *d, const char *name,
			struct cc_btf_type *ret)
{
	int i;

	cc_kfunc_nargs(cx, d);
	for (i = 0; i < d->nkargs && i < CC_KFUNC_MAX_ARGS; i++)
		if (!strcmp(d->kargs[i].name, name)) {
			*ret = d->kargs[i].type;
			return 0;
		}
	return -ENOENT;
}

char *cc_kfunc_vars(struct cc_ctx *cx, struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	cc_kfunc_nargs(cx, d);
	for (i = 0; i < d->nkargs && i < CC_KFUNC_MAX_ARGS; i++)
		if (readable(&d->kargs[i].cls))
			s = cc_sprintf(cx->arena, "%s $%s:long", s, d->kargs[i].name);
	if (d->kret)
		s = cc_sprintf(cx->arena, "%s $return:long", s);
	return s; /* an LSM hook's $ctx and $return: cc_lsm_vars adds them */
}
