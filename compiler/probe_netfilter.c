// SPDX-License-Identifier: MIT
/*
 * Netfilter hooks: netfilter.hook("H").pf("P")[.priority("N")], in
 * either order, as SystemTap writes them (its tapset's
 * netfilter.ipv4.local_in ... stand on them, compiler/tapset/netfilter.stp).
 *
 * SystemTap registers a hook function of its kernel module; here the
 * probe is an eBPF netfilter program (BPF_PROG_TYPE_NETFILTER, Linux
 * 6.4+) that the loader links to the hook with a netfilter bpf_link
 * (hub/guest.c).  Its context, struct bpf_nf_ctx, is two pointers: the
 * struct nf_hook_state (slot 0: hook, pf, in, out) and the struct sk_buff
 * (slot 1), which is what stap's $hooknum, $skb, $in and $out are.  The
 * program returns the verdict: NF_ACCEPT, unless the body sets $verdict
 * (codegen_kernel.c).
 *
 * The kernel links eBPF programs to the IPv4 and IPv6 hooks only; ARP and
 * bridge hooks are refused at pass 2 with that reason, as is a kernel
 * whose BTF has no struct bpf_nf_ctx (before 6.4).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* include/uapi/linux/netfilter.h */
enum { NFPROTO_IPV4 = 2, NFPROTO_ARP = 3, NFPROTO_BRIDGE = 7, NFPROTO_IPV6 = 10 };

static const struct {
	const char *name;
	int value;
} nf_protos[] = {
	{ "NFPROTO_IPV4", NFPROTO_IPV4 }, { "NFPROTO_IPV6", NFPROTO_IPV6 },
	{ "NFPROTO_ARP", NFPROTO_ARP },   { "NFPROTO_BRIDGE", NFPROTO_BRIDGE },
};

/*
 * The hooks by name, with the family they belong to (0: IPv4 and IPv6):
 * the kernel's enum nf_inet_hooks and the older per-family names stap's
 * tapset uses (NF_IP6_PRE_ROUTING), which have the same numbers.
 */
static const struct {
	const char *name;
	int value;
	int pf;
} nf_hooks[] = {
	{ "NF_INET_PRE_ROUTING", 0, 0 },  { "NF_INET_LOCAL_IN", 1, 0 },
	{ "NF_INET_FORWARD", 2, 0 },	  { "NF_INET_LOCAL_OUT", 3, 0 },
	{ "NF_INET_POST_ROUTING", 4, 0 }, { "NF_IP_PRE_ROUTING", 0, NFPROTO_IPV4 },
	{ "NF_IP_LOCAL_IN", 1, NFPROTO_IPV4 },	{ "NF_IP_FORWARD", 2, NFPROTO_IPV4 },
	{ "NF_IP_LOCAL_OUT", 3, NFPROTO_IPV4 },	{ "NF_IP_POST_ROUTING", 4, NFPROTO_IPV4 },
	{ "NF_IP6_PRE_ROUTING", 0, NFPROTO_IPV6 }, { "NF_IP6_LOCAL_IN", 1, NFPROTO_IPV6 },
	{ "NF_IP6_FORWARD", 2, NFPROTO_IPV6 },	   { "NF_IP6_LOCAL_OUT", 3, NFPROTO_IPV6 },
	{ "NF_IP6_POST_ROUTING", 4, NFPROTO_IPV6 }, { "NF_ARP_IN", 0, NFPROTO_ARP },
	{ "NF_ARP_OUT", 1, NFPROTO_ARP },	   { "NF_ARP_FORWARD", 2, NFPROTO_ARP },
	{ "NF_BR_PRE_ROUTING", 0, NFPROTO_BRIDGE }, { "NF_BR_LOCAL_IN", 1, NFPROTO_BRIDGE },
	{ "NF_BR_FORWARD", 2, NFPROTO_BRIDGE },	   { "NF_BR_LOCAL_OUT", 3, NFPROTO_BRIDGE },
	{ "NF_BR_POST_ROUTING", 4, NFPROTO_BRIDGE }, { "NF_BR_BROUTING", 5, NFPROTO_BRIDGE },
};

#define NF_INET_NUMHOOKS 5 /* the hooks an eBPF netfilter link takes: 0..4 */

const char cc_nf_var_names[] = "$hooknum $skb $in $out $state $verdict";

/* A component's argument as a number: a decimal string or a number ("-100", 5). */
static bool comp_number(const struct cc_comp *c, long *ret)
{
	char *end;

	if (!c->arg_is_str) {
		if (c->num < INT_MIN || c->num > INT_MAX)
			return false;
		*ret = (long)c->num;
		return true;
	}
	if (!*c->str)
		return false;
	*ret = strtol(c->str, &end, 10);
	return !*end && *ret >= INT_MIN && *ret <= INT_MAX;
}

static int lookup_pf(const struct cc_comp *c)
{
	long v;
	size_t i;

	for (i = 0; c->arg_is_str && i < sizeof(nf_protos) / sizeof(nf_protos[0]); i++)
		if (!strcmp(c->str, nf_protos[i].name))
			return nf_protos[i].value;
	return comp_number(c, &v) && v >= 0 && v < 256 ? (int)v : -1;
}

static int lookup_hook(const struct cc_comp *c, int *pf_of)
{
	long v;
	size_t i;

	*pf_of = 0;
	for (i = 0; c->arg_is_str && i < sizeof(nf_hooks) / sizeof(nf_hooks[0]); i++)
		if (!strcmp(c->str, nf_hooks[i].name)) {
			*pf_of = nf_hooks[i].pf;
			return nf_hooks[i].value;
		}
	return comp_number(c, &v) && v >= 0 && v < 256 ? (int)v : -1;
}

static const char *pf_name(struct cc_ctx *cx, int pf)
{
	size_t i;

	for (i = 0; i < sizeof(nf_protos) / sizeof(nf_protos[0]); i++)
		if (nf_protos[i].value == pf)
			return nf_protos[i].name;
	return cc_sprintf(cx->arena, "protocol family %d", pf);
}

/* Whether this kernel has eBPF netfilter programs: their context type is in its BTF. */
static bool kernel_has_nf(struct cc_ctx *cx)
{
	struct cc_btf_type t;
	struct cc_btf *b;

	return cx->kern.has_btf && !cc_ctx_btf(cx, &b) &&
	       !cc_btf_find_type(b, "struct bpf_nf_ctx", NULL, &t);
}

int cc_nf_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	const struct cc_comp *hook = NULL, *pf = NULL, *prio = NULL;
	struct cc_dprobe *d;
	int i, h, p, hook_pf;
	long pr = 0;

	for (i = 1; i < pt->ncomps; i++) {
		const struct cc_comp *c = &pt->comps[i];
		const struct cc_comp **slot = !strcmp(c->name, "hook")	   ? &hook
					      : !strcmp(c->name, "pf")	   ? &pf
					      : !strcmp(c->name, "priority") ? &prio
								       : NULL;

		if (!slot || *slot || !c->has_arg)
			return cc_point_error(cx, pt, quiet,
					   "expects netfilter.hook(\"HOOK\").pf(\"PF\") and "
					   "optionally .priority(\"N\"), each once");
		*slot = c;
	}
	if (!hook || !pf)
		return cc_point_error(cx, pt, quiet,
				   "needs both .hook(\"HOOK\") and .pf(\"PF\"), e.g. netfilter."
				   "hook(\"NF_INET_LOCAL_IN\").pf(\"NFPROTO_IPV4\")");
	p = lookup_pf(pf);
	if (p < 0)
		return cc_point_error(cx, pt, quiet,
				   "has an unknown protocol family (NFPROTO_IPV4, NFPROTO_IPV6, "
				   "NFPROTO_ARP, NFPROTO_BRIDGE or a number)");
	h = lookup_hook(hook, &hook_pf);
	if (h < 0)
		return cc_point_error(cx, pt, quiet,
				   "has an unknown hook (NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, "
				   "NF_INET_FORWARD, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, the "
				   "NF_IP_, NF_IP6_, NF_ARP_ and NF_BR_ names, or a number)");
	if (hook_pf && hook_pf != p)
		return cc_point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena, "names a hook of %s with .pf(\"%s\")",
					      pf_name(cx, hook_pf), pf_name(cx, p)));
	if (prio && !comp_number(prio, &pr))
		return cc_point_error(cx, pt, quiet, "expects a number: .priority(\"N\")");
	/* the kernel keeps the first and last places (NF_IP_PRI_FIRST/LAST) for itself */
	if (pr == INT_MIN || pr == INT_MAX)
		return cc_point_error(cx, pt, quiet,
				   "has a priority the kernel refuses to eBPF hooks (INT_MIN and "
				   "INT_MAX are NF_IP_PRI_FIRST and NF_IP_PRI_LAST)");
	if (!kernel_has_nf(cx))
		return cc_point_error(cx, pt, quiet,
				   "is not supported on this kernel: netfilter hooks are eBPF "
				   "netfilter programs (BPF_PROG_TYPE_NETFILTER), which came in Linux "
				   "6.4, and this kernel's BTF has no struct bpf_nf_ctx");
	if (p != NFPROTO_IPV4 && p != NFPROTO_IPV6)
		return cc_point_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "is not supported on this kernel: it links eBPF "
					      "netfilter programs to the IPv4 and IPv6 hooks only, "
					      "not to %s's",
					      pf_name(cx, p)));
	if (h >= NF_INET_NUMHOOKS)
		return cc_point_error(cx, pt, quiet,
				   "is not supported: an eBPF netfilter program takes the five "
				   "NF_INET_ hooks (0 to 4) only");
	d = cc_alloc(cx->arena, sizeof(*d));
	d->kind = PK_NETFILTER;
	d->kernel = true;
	d->loc = pt->loc;
	d->pp = cc_point_str(cx, pt);
	d->nf_pf = p;
	d->nf_hook = h;
	d->nf_prio = (int)pr;
	cc_vec_push(cx->arena, out, d);
	return 1;
}

int cc_nf_var(struct cc_ctx *cx, const char *name, int *ret_slot, struct cc_btf_type *ret_struct,
	      const char **ret_member)
{
	static const struct {
		const char *name;
		int slot;
		const char *member;
	} vars[] = {
		{ "skb", 1, NULL },	   { "state", 0, NULL }, { "hooknum", 0, "hook" },
		{ "in", 0, "in" },	   { "out", 0, "out" },
	};
	struct cc_btf *b;
	size_t i;
	int r;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i].name, name))
			break;
	if (i == sizeof(vars) / sizeof(vars[0]))
		return -ENOENT;
	r = cc_ctx_btf(cx, &b);
	if (r < 0)
		return r;
	r = cc_btf_find_type(b, vars[i].slot ? "struct sk_buff" : "struct nf_hook_state", NULL,
			     ret_struct);
	if (r < 0)
		return r;
	*ret_slot = vars[i].slot;
	*ret_member = vars[i].member;
	return 0;
}
