// SPDX-License-Identifier: MIT
/*
 * codegen_kread.c - kernel memory read from user-context code: @cast(p,
 * "T")->chain, task_*(task) and kernel_long() and friends in begin, end,
 * error and timer probes and the functions they call.
 *
 * The generated user C cannot dereference kernel addresses: every load is
 * a call of the runner's reader (guest-runtime/kread.c, one BPF syscall
 * program run per load).  A chain is walked here with the offsets this
 * kernel's BTF gives (elaboration resolved them): a member adds its
 * offset, a pointer is loaded, an index adds index times the element's
 * size.  Unlike the eBPF side these offsets are not CO-RE relocations:
 * the object is for the kernel it was compiled on, which the cache key
 * (release and BTF) already ties it to.
 */
#include <string.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "taphub/record.h"

/* The value of the chain's last member at address a<u> (a bitfield, an integer) */
static const char *final_value(struct gen *G, const struct cc_btf_access *acc, int u, int site)
{
	const struct cc_btf_step *last = acc->nsteps ? &acc->steps[acc->nsteps - 1] : NULL;
	int size = acc->cls.size > 0 && acc->cls.size <= 8 ? acc->cls.size : 8;

	if (last && last->op == CC_BTF_MEMBER && last->bitfield_size) {
		/* the bits from bit_offset, in the 8 bytes at the member's byte offset */
		uint32_t bits = last->bitfield_size, sh = last->bit_offset;

		if (acc->cls.is_signed)
			return cg_fmt(G,
				      "((__s64)((__u64)grt_kread_int(U, a%d, 8, 0, %d) << %u) >> %u)", u,
				      site, 64 - sh - bits, 64 - bits);
		return cg_fmt(G, "((__s64)(((__u64)grt_kread_int(U, a%d, 8, 0, %d) >> %u) & %lluull))", u,
			      site, sh, bits >= 64 ? ~0ull : (1ull << bits) - 1);
	}
	return cg_fmt(G, "grt_kread_int(U, a%d, %d, %d, %d)", u, size,
		      acc->cls.kind != CC_BTF_PTR && acc->cls.is_signed, site);
}

const char *cg_kread_chain(struct gen *G, const char *base, const struct cc_btf_read *r,
			   struct cc_node *n)
{
	const struct cc_btf_access *acc = &r->acc;
	const char *name = n->name ? n->name : "@cast";
	int u = cg_uniq(G), i, k = 0, ai = 0;
	int site = cg_add_site(G, TH_ERR_STRREAD, "kernel read fault",
			       cg_fmt(G, "identifier '%s'", name), &n->loc);
	char *code = cg_fmt(G, "({ __u64 a%d = (__u64)(%s); ", u, base);

	for (i = 0; i < acc->nsteps; i++) {
		const struct cc_btf_step *s = &acc->steps[i];

		switch (s->op) {
		case CC_BTF_DEREF:
			/* a NULL pointer followed reads address 0 + offset: a fault */
			code = cg_fmt(G, "%sa%d = (__u64)grt_kread_int(U, a%d, 8, 0, %d); ", code, u, u,
				      site);
			break;
		case CC_BTF_MEMBER:
			if (s->offset)
				code = cg_fmt(G, "%sa%d += %lld; ", code, u, (long long)s->offset);
			break;
		case CC_BTF_INDEX: {
			struct cc_node *ix = r->idx && r->idx[k] ? n->args[ai++] : NULL;
			struct cc_btf_class ec = cc_btf_classify(G->cx->btf, s->type);

			k++;
			if (!ix) {
				code = cg_fmt(G, "%sa%d += %lld; ", code, u, (long long)s->offset);
				break;
			}
			code = cg_fmt(G, "%sa%d += (__u64)(%s) * %d; ", code, u, cg_ex(G, ix),
				      ec.size > 0 ? ec.size : 1);
			break;
		}
		}
	}
	switch (r->mode) {
	case CC_BTF_READ_ADDR:
		return cg_fmt(G, "%s(__s64)a%d; })", code, u);
	case CC_BTF_READ_STRING: {
		const char *t = cg_temp(G);
		int ss = cg_add_site(G, TH_ERR_STRREAD, "kernel string copy fault",
				     cg_fmt(G, "identifier '%s'", name), &n->loc);

		return cg_fmt(G, "%sif (!grt_kread_str(U, %s, a%d, %d)) %s; %s; })", code, t, u,
			      acc->cls.nelem > 0 ? acc->cls.nelem : 0, cg_err_set(G, ss), t);
	}
	default:
		if (!acc->nsteps) /* @cast(p, "long"): p itself */
			return cg_fmt(G, "%s%sa%d; })", code, cg_int_cast(acc->cls.size, acc->cls.is_signed),
				      u);
		return cg_fmt(G, "%s%s; })", code, final_value(G, acc, u, site));
	}
}

/*
 * A member chain of struct task_struct read in user context, NULL when
 * this kernel's BTF has no such member.
 */
static const char *task_chain(struct gen *G, const char *task, struct cc_node *n,
			      const struct cc_btf_path_elem *path, int npath, int mode)
{
	struct cc_btf *b = NULL;
	struct cc_btf_read *r = cc_alloc(G->cx->arena, sizeof(*r));

	if (cc_ctx_btf(G->cx, &b) || cc_btf_find_type(b, "task_struct", NULL, &r->base) ||
	    cc_btf_resolve(b, r->base, path, npath, &r->acc))
		return NULL;
	r->argi = -1;
	r->mode = mode;
	return cg_kread_chain(G, task, r, n);
}

/* task_pid(t) ... task_execname(t): the members the eBPF side reads (grt_bpf_task.h) */
const char *cg_kread_task(struct gen *G, struct cc_node *n)
{
	const char *t = cg_fmt(G, "(__u64)(%s)", cg_ex(G, n->args[0])), *v;
	struct cc_btf_path_elem p[3] = { { 0 } };
	int np = 1;

	switch (n->builtin) {
	case B_TASK_EXECNAME:
		p[0].member = "comm";
		v = task_chain(G, t, n, p, 1, CC_BTF_READ_STRING);
		return v ? v : "\"\"";
	case B_TASK_PID: p[0].member = "tgid"; break;
	case B_TASK_TID: p[0].member = "pid"; break;
	case B_TASK_PARENT: p[0].member = "real_parent"; break;
	case B_TASK_STATE:
		p[0].member = "__state";
		if ((v = task_chain(G, t, n, p, 1, CC_BTF_READ_VALUE)))
			return v;
		p[0].member = "state"; /* before 5.14 */
		break;
	case B_TASK_PRIO:
		p[0].member = "prio";
		v = task_chain(G, t, n, p, 1, CC_BTF_READ_VALUE);
		return v ? cg_fmt(G, "(%s - 100)", v) : "0";
	case B_TASK_NICE:
		p[0].member = "static_prio";
		v = task_chain(G, t, n, p, 1, CC_BTF_READ_VALUE);
		return v ? cg_fmt(G, "(%s - 120)", v) : "0";
	case B_TASK_CPU:
		p[0].member = "thread_info";
		p[1].member = "cpu";
		np = 2;
		if ((v = task_chain(G, t, n, p, 2, CC_BTF_READ_VALUE)))
			return v;
		p[0].member = "cpu";
		np = 1;
		break;
	default: /* uid, gid: the task's credentials */
		p[0].member = "cred";
		p[1].member = n->builtin == B_TASK_UID ? "uid" : "gid";
		p[2].member = "val";
		np = 3;
		break;
	}
	v = task_chain(G, t, n, p, np, CC_BTF_READ_VALUE);
	return v ? v : "0";
}

/* The offset of member chain path (no pointer followed) in struct type; false: not in BTF */
static bool layout_off(struct cc_btf *b, const char *type, const char *m1, const char *m2,
		       uint64_t *ret)
{
	struct cc_btf_path_elem p[2] = { { .member = m1 }, { .member = m2 } };
	struct cc_btf_access acc;
	struct cc_btf_type t;
	int i;

	if (cc_btf_find_type(b, type, NULL, &t) || cc_btf_resolve(b, t, p, m2 ? 2 : 1, &acc))
		return false;
	*ret = 0;
	for (i = 0; i < acc.nsteps; i++) {
		if (acc.steps[i].op != CC_BTF_MEMBER)
			return false;
		*ret += (uint64_t)acc.steps[i].offset;
	}
	return true;
}

/*
 * The path functions in user context (guest-runtime/kpath.c) walk kernel
 * structs at the offsets of this kernel: a struct grt_kpath_layout literal
 * of them, NULL (and an error at n) when BTF lacks one.
 */
static const char *kpath_layout(struct gen *G, struct cc_node *n)
{
	static const struct {
		const char *type, *m1, *m2;
	} members[] = {
		/* in struct grt_kpath_layout's order */
		{ "task_struct", "fs", NULL },
		{ "task_struct", "mm", NULL },
		{ "fs_struct", "root", NULL },
		{ "fs_struct", "pwd", NULL },
		{ "mm_struct", "exe_file", NULL },
		{ "file", "f_path", NULL },
		{ "path", "mnt", NULL },
		{ "path", "dentry", NULL },
		{ "dentry", "d_parent", NULL },
		{ "dentry", "d_name", "name" },
		{ "dentry", "d_inode", NULL },
		{ "inode", "i_ino", NULL },
		{ "vfsmount", "mnt_root", NULL },
		{ "vfsmount", "mnt_sb", NULL },
		{ "super_block", "s_magic", NULL },
		{ "mount", "mnt_parent", NULL },
		{ "mount", "mnt_mountpoint", NULL },
		{ "mount", "mnt", NULL },
	};
	struct cc_btf *b = NULL;
	const char *lit = "(&(const struct grt_kpath_layout){ ";
	uint64_t off;
	size_t i;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (cc_ctx_btf(G->cx, &b) ||
		    !layout_off(b, members[i].type, members[i].m1, members[i].m2, &off)) {
			cc_error_at(&G->cx->diag, &n->loc,
				    "'%s' in user context needs struct %s's member %s in this "
				    "kernel's BTF",
				    n->name, members[i].type, members[i].m1);
			return NULL;
		}
		lit = cg_fmt(G, "%s%lluull, ", lit, (unsigned long long)off);
	}
	return cg_fmt(G, "%s})", lit);
}

const char *cg_kread_path(struct gen *G, struct cc_node *n, const char *a0, int site)
{
	const char *L = kpath_layout(G, n);

	if (!L)
		return "0";
	switch (n->builtin) {
	case B_TASK_CWD_PATH:
		return cg_fmt(G, "grt_task_cwd_path(U, %s, %s, %d)", L, a0, site);
	case B_TASK_EXE_FILE:
		return cg_fmt(G, "grt_task_exe_file(U, %s, %s)", L, a0);
	case B_FULLPATH_PATH:
		return cg_fmt(G, "grt_fullpath_path(U, %s, %s, %s)", L, cg_temp(G), a0);
	case B_FULLPATH_FILE:
		return cg_fmt(G, "grt_fullpath_file(U, %s, %s, %s, %s)", L, cg_temp(G), a0,
			      cg_ex(G, n->args[1]));
	default: /* B_TASK_DENTRY_PATH */
		return cg_fmt(G, "grt_task_dentry_path(U, %s, %s, %s, %s, %s)", L, cg_temp(G), a0,
			      cg_ex(G, n->args[1]), cg_ex(G, n->args[2]));
	}
}
