// SPDX-License-Identifier: MIT
/*
 * LSM hooks: lsm.HOOK and SystemTap's kernel.lsm("HOOK"), HOOK a name or
 * a wildcard (lsm.socket_*).
 *
 * Each is a BPF LSM program (BPF_PROG_TYPE_LSM, attach type
 * BPF_LSM_MAC) on the kernel's bpf_lsm_HOOK stub: SEC("lsm/HOOK"), which
 * libbpf turns into the stub's BTF id at load and attaches as any other
 * section (hub/guest.c).  The hooks are the stubs in the kernel's BTF.
 * Like fentry, the program runs from a BPF trampoline, and its context
 * is the same array of u64: the hook's arguments, then the verdict of the
 * LSM programs before it.  So an LSM probe is a kernel-function probe on
 * the stub (d->kind PK_KFUNC, d->lsm): $name of a parameter, $$parms,
 * $param->member chains come from probe_kfunc.c and elaborate_btf.c.
 * What is its own is here:
 *
 *   $ctx     the address of that array, as stap's eBPF runtime gives it
 *            (its example reads the second argument as user_long($ctx + 8);
 *            codegen reads an address inside the array from the kernel).
 *   $return  the verdict: the program's return, 0 (allow) or -errno
 *            (deny).  It reads the previous program's verdict; a write
 *            needs guru mode (-g), as in stap.  The kernel takes only
 *            -4095..0 from an LSM program; codegen makes any other value
 *            -EPERM (deny), so a script's `$return = 1` still denies.
 *
 * Whether this kernel runs BPF LSM programs is asked at pass 2, once per
 * compile, so a script is refused with the reason, not at load: the BPF
 * LSM must be active (its name in securityfs' lsm list, CONFIG_LSM or
 * the lsm= boot parameter), and an empty program must load and attach
 * (the kernel may refuse the program type, as this project's host does).
 * TAPHUB_LSM=1 says yes without asking: to compile (-p4) for another
 * kernel, and for tests of the compiler on a host that refuses them.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compiler/compiler.h"

#define LSM_STUB_PREFIX "bpf_lsm_"
#define LSM_SECURITYFS "/sys/kernel/security"
#define LSM_LIST LSM_SECURITYFS "/lsm"
/* Derived probes one pattern may make; the kernel has ~250 hooks. */
#define CC_LSM_MAX_MATCHES 512

/*
 * Functions named bpf_lsm_* that are the BPF LSM's own code, not hook
 * stubs (kernel/bpf/bpf_lsm.c): attaching to them is refused.
 */
static const char *const lsm_not_hooks[] = {
	"find_cgroup_shim", "func_proto", "get_retval_range", "hook_returns_errno",
	"init", "is_sleepable_hook", "is_trusted", "verify_prog",
};

static bool is_hook(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(lsm_not_hooks) / sizeof(lsm_not_hooks[0]); i++)
		if (!strcmp(name, lsm_not_hooks[i]))
			return false;
	return true;
}

static int point_error(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why)
{
	if (!quiet)
		cc_error_at(&cx->diag, &pt->loc, "probe point '%s' %s", cc_point_str(cx, pt), why);
	return -1;
}

/*
 * The active LSMs ("lockdown,capability,landlock,bpf") into buf: read
 * from securityfs, mounted first where nothing is (a container or an
 * initramfs may not have it).  -errno when it cannot be read.
 */
static int lsm_list(char *buf, size_t len)
{
	FILE *f = fopen(LSM_LIST, "re");
	size_t n;

	if (!f && errno == ENOENT && access(LSM_SECURITYFS, F_OK) == 0 &&
	    mount("none", LSM_SECURITYFS, "securityfs", 0, NULL) == 0)
		f = fopen(LSM_LIST, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static bool list_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

/*
 * Whether BPF LSM programs attach here: the BPF LSM in the active list,
 * then an empty program loaded on hook (one in BTF) and attached, closed
 * at once (it allows everything while it is there).  The answer and the
 * reason for a no are kept in cx->kern.
 */
static bool lsm_works(struct cc_ctx *cx, const char *hook)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const char *force = getenv("TAPHUB_LSM");
	char list[256];
	int id, pfd, lfd, r;

	if (cx->kern.has_lsm)
		return cx->kern.has_lsm > 0;
	cx->kern.has_lsm = -1;
	if (force && !strcmp(force, "1")) {
		cx->kern.has_lsm = 1;
		return true;
	}
	r = lsm_list(list, sizeof(list));
	if (r < 0) {
		cx->kern.lsm_why = cc_sprintf(cx->arena,
					      "the active LSMs cannot be read from %s (%s): is "
					      "securityfs mounted?",
					      LSM_LIST, strerror(-r));
		return false;
	}
	if (!list_has(list, "bpf")) {
		cx->kern.lsm_why = cc_sprintf(cx->arena,
					      "the BPF LSM is not active on this kernel: %s lists "
					      "'%s' (it needs CONFIG_BPF_LSM and 'bpf' in "
					      "CONFIG_LSM or the lsm= boot parameter)",
					      LSM_LIST, list);
		return false;
	}
	id = libbpf_find_vmlinux_btf_id(hook, BPF_LSM_MAC);
	if (id <= 0) {
		cx->kern.lsm_why = cc_sprintf(cx->arena, "the kernel's BTF has no stub %s%s",
					      LSM_STUB_PREFIX, hook);
		return false;
	}
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_LSM_MAC,
			    .attach_btf_id = (__u32)id);

		pfd = bpf_prog_load(BPF_PROG_TYPE_LSM, "th_lsm_probe", "GPL", insns,
				    sizeof(insns) / sizeof(insns[0]), &o);
	}
	if (pfd < 0) {
		cx->kern.lsm_why = cc_sprintf(cx->arena,
					      "this kernel refuses BPF LSM programs: loading an "
					      "empty one fails (%s)",
					      strerror(errno));
		return false;
	}
	lfd = bpf_raw_tracepoint_open(NULL, pfd);
	if (lfd < 0) {
		cx->kern.lsm_why = cc_sprintf(cx->arena,
					      "this kernel refuses to attach BPF LSM programs (%s)",
					      strerror(errno));
	} else {
		cx->kern.has_lsm = 1;
		close(lfd);
	}
	close(pfd);
	return cx->kern.has_lsm > 0;
}

static struct cc_dprobe *new_probe(struct cc_ctx *cx, const struct cc_point *pt, const char *hook,
				   bool stap_form)
{
	struct cc_dprobe *d = cc_alloc(cx->arena, sizeof(*d));

	d->kind = PK_KFUNC;
	d->lsm = true;
	d->kernel = true;
	d->loc = pt->loc;
	d->func = cc_sprintf(cx->arena, "%s%s", LSM_STUB_PREFIX, hook);
	d->nkargs = -1;
	d->pp = stap_form ? cc_sprintf(cx->arena, "kernel.lsm(\"%s\")", hook)
			  : cc_sprintf(cx->arena, "lsm.%s", hook);
	return d;
}

int cc_lsm_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	bool stap_form = cc_comp_is(pt, 0, "kernel");
	const struct cc_comp *c = &pt->comps[1];
	struct cc_vec hooks = { 0 };
	struct cc_btf *b;
	const char *pat;
	int i, nmatch = 0, r;

	if (pt->ncomps != 2 || (stap_form && (!c->has_arg || !c->arg_is_str || !*c->str)) ||
	    (!stap_form && c->has_arg))
		return point_error(cx, pt, quiet,
				   "is not an LSM probe point (lsm.HOOK, kernel.lsm(\"HOOK\"))");
	pat = stap_form ? c->str : c->name;
	r = cc_ctx_btf(cx, &b);
	if (r < 0)
		return point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "needs the kernel's types (BTF) to find its hook, "
					      "which cannot be read: %s",
					      strerror(-r)));
	cc_btf_func_names(b, LSM_STUB_PREFIX, &hooks);
	for (i = 0; i < hooks.n; i++) {
		const char *h = hooks.v[i];

		if (fnmatch(pat, h, 0) || !is_hook(h))
			continue;
		if (!nmatch && !lsm_works(cx, h))
			return point_error(cx, pt, quiet,
					   cc_sprintf(cx->arena, "is not supported on this kernel: %s",
						      cx->kern.lsm_why));
		if (++nmatch > CC_LSM_MAX_MATCHES)
			return point_error(cx, pt, quiet,
					   cc_sprintf(cx->arena,
						      "matches more than %d hooks: narrow the pattern",
						      CC_LSM_MAX_MATCHES));
		cc_vec_push(cx->arena, out, new_probe(cx, pt, h, stap_form));
	}
	if (!nmatch && !strpbrk(pat, "*?["))
		return point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "names no LSM hook of this kernel: its BTF has no "
					      "%s%s (tap -l 'lsm.*' lists the hooks)",
					      LSM_STUB_PREFIX, pat));
	return nmatch;
}

/* ---- $ctx and $return ----------------------------------------------------------- */

/* What $ctx and $return read (cc_kfunc_arg.idx), codegen_kfunc.c's cg_kfunc_target. */
static const struct cc_kfunc_arg lsm_ctx = { .idx = CC_LSM_CTX, .size = 8 };
static const struct cc_kfunc_arg lsm_ret = { .idx = CC_LSM_RETURN, .size = 4, .is_signed = true };

bool cc_lsm_returns_void(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	struct cc_btf_class rc = { 0 };
	struct cc_btf *b;

	return cc_ctx_btf(cx, &b) == 0 && cc_btf_func_ret(b, NULL, d->func, &rc) == 0 &&
	       rc.kind == CC_BTF_OTHER && rc.size == 0;
}

char *cc_lsm_vars(struct cc_ctx *cx, struct cc_dprobe *d)
{
	return cc_sprintf(cx->arena, "%s $ctx:long%s", cc_kfunc_vars(cx, d),
			  cc_lsm_returns_void(cx, d) ? "" : " $return:long");
}

int cc_lsm_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet)
{
	struct cc_node *t = *np;
	bool ret = !strcmp(t->name, "return");

	if (!ret && strcmp(t->name, "ctx"))
		return -ENOENT;
	if (t->nargs || t->str) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s' is a plain number in %s: read through it with "
				    "kernel_long($ctx + 8 * N) or @cast",
				    t->name, d->pp);
		return -1;
	}
	if (ret && cc_lsm_returns_void(cx, d)) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$return': the LSM hook of %s returns void, it has no verdict",
				    d->pp);
		return -1;
	}
	if (cc_kfunc_nargs(cx, d) < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc, "'$%s': %s has no prototype in the BTF",
				    t->name, d->func);
		return -1;
	}
	if (quiet)
		return 0;
	t->aux = (void *)(ret ? &lsm_ret : &lsm_ctx);
	t->type = TY_LONG;
	if (ret)
		d->verdict = true;
	return 0;
}
