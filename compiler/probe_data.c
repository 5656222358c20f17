// SPDX-License-Identifier: MIT
/*
 * Data watchpoints: kernel.data(ADDR)[.length(N)].write|.rw and
 * kernel.data("SYMBOL")[.length(N)].write|.rw, as SystemTap writes them.
 *
 * Each is a perf breakpoint event (PERF_TYPE_BREAKPOINT: one of the CPU's
 * debug registers) per CPU, running an eBPF perf_event program, as perf.*
 * probes are (codegen_kernel.c, hub/guest.c).  The event fires after the
 * access, in the task that made it: on a user-space address (stap's own
 * tests watch a variable of their program) only that program's accesses
 * fire it, on a kernel address every access of the kernel.
 *
 * A symbol is looked up in /proc/kallsyms here, to check it, and again by
 * the loader: its address changes with every boot (KASLR), and a compiled
 * guest outlives a boot in the cache.  Data symbols are in kallsyms only
 * with CONFIG_KALLSYMS_ALL.  Whether the kernel takes a breakpoint there
 * is asked here by opening one and closing it at once (this project's
 * host refuses kernel addresses, the 6.1 test bed takes them): a refusal
 * is a pass-2 error with the kernel's reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "compiler/compiler.h"

/* x86-64: addresses from here up are the kernel's */
#define KERNEL_SPACE 0xffff800000000000ULL

/* The address of data symbol name of vmlinux in /proc/kallsyms; 0: none, or hidden (not root). */
static int kallsyms_data(const char *name, uint64_t *ret)
{
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -errno;
	*ret = 0;
	while (fgets(line, sizeof(line), f)) {
		/* "ADDR T NAME[\t[MOD]]": a module's symbols have a 4th field */
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) != 3 || strcmp(sym, name) ||
		    strchr(line, '['))
			continue;
		if (!strchr("dDbBrRvV", type))
			continue;
		*ret = a;
		fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

/*
 * Whether the kernel takes the breakpoint: NULL, or the reason it gives.
 * Not asked without root: an unprivileged compile cannot open one, and
 * the loader (root) then says what the kernel does.
 */
static const char *breakpoint_refused(struct cc_ctx *cx, uint64_t addr, int len, bool rw)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_BREAKPOINT,
		.bp_type = rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W,
		.bp_addr = addr,
		.bp_len = (uint64_t)len,
		.sample_period = 1,
		.disabled = 1,
	};
	int fd;

	if (geteuid() != 0)
		return NULL;
	/* CPU 0: online on every x86-64 machine (it cannot be unplugged there) */
	fd = (int)syscall(__NR_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	switch (errno) {
	case ENOENT:
	case EOPNOTSUPP:
		return "the CPU has no debug registers perf can use (no breakpoint PMU)";
	case ENOSPC:
		return "the CPU's debug registers are all in use";
	case EPERM:
	case EACCES:
		if (addr >= KERNEL_SPACE)
			return cc_sprintf(cx->arena,
					  "it refuses hardware breakpoints on kernel addresses "
					  "(perf_event_open: %s)",
					  strerror(errno));
		/* fall through */
	default:
		return cc_sprintf(cx->arena,
				  "it refuses a breakpoint of %d bytes at 0x%llx (perf_event_open: %s)",
				  len, (unsigned long long)addr, strerror(errno));
	}
}

/*
 * The point as stap prints it: an address in hex (the parser keeps a
 * number, which a kernel address makes negative), the rest as written.
 */
static const char *point_text(struct cc_ctx *cx, const struct cc_point *pt)
{
	const struct cc_comp *at = &pt->comps[1];
	char *s;
	int i;

	if (!at->has_arg || at->arg_is_str)
		return cc_point_str(cx, pt);
	s = cc_sprintf(cx->arena, "kernel.data(0x%llx)", (unsigned long long)at->num);
	for (i = 2; i < pt->ncomps; i++)
		s = cc_sprintf(cx->arena, "%s.%s%s", s, pt->comps[i].name,
			       pt->comps[i].has_arg && !pt->comps[i].arg_is_str
				       ? cc_sprintf(cx->arena, "(%lld)", (long long)pt->comps[i].num)
				       : "");
	return s;
}

static int data_error(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why)
{
	if (!quiet)
		cc_error_at(&cx->diag, &pt->loc, "probe point '%s' %s", point_text(cx, pt), why);
	return -1;
}

int cc_data_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, struct cc_vec *out)
{
	const struct cc_comp *at = &pt->comps[1];
	struct cc_dprobe *d;
	const char *why;
	uint64_t addr = 0;
	int i = 2, len = 1, r;
	bool rw;

	if (!at->has_arg || (at->arg_is_str && !*at->str))
		return data_error(cx, pt, quiet,
				   "expects an address or a symbol: kernel.data(ADDR) or "
				   "kernel.data(\"SYMBOL\")");
	if (cc_comp_is(pt, i, "length")) {
		const struct cc_comp *c = &pt->comps[i];

		if (!c->has_arg || c->arg_is_str ||
		    (c->num != 1 && c->num != 2 && c->num != 4 && c->num != 8))
			return data_error(cx, pt, quiet,
					   "expects .length(N) of 1, 2, 4 or 8 bytes (what a debug "
					   "register of x86-64 watches)");
		len = (int)c->num;
		i++;
	}
	if (i != pt->ncomps - 1 || pt->comps[i].has_arg ||
	    (!cc_comp_is(pt, i, "write") && !cc_comp_is(pt, i, "rw")))
		return data_error(cx, pt, quiet,
				   "expects kernel.data(...)[.length(N)] followed by .write or .rw");
	rw = cc_comp_is(pt, i, "rw");
	if (at->arg_is_str) {
		r = kallsyms_data(at->str, &addr);
		if (r < 0)
			return data_error(cx, pt, quiet,
					   cc_sprintf(cx->arena, "cannot be looked up: /proc/kallsyms: %s",
						      strerror(-r)));
		if (r == 0) {
			const char *all = cc_kconfig(cx, "CONFIG_KALLSYMS_ALL");

			if (!all || !*all)
				return data_error(
					cx, pt, quiet,
					cc_sprintf(cx->arena,
						   "is not supported on this kernel: '%s' is not in "
						   "/proc/kallsyms, which lists only functions without "
						   "CONFIG_KALLSYMS_ALL (give the address: "
						   "kernel.data(ADDR))",
						   at->str));
			return data_error(cx, pt, quiet,
					   cc_sprintf(cx->arena,
						      "names no kernel data symbol: '%s' is not in "
						      "/proc/kallsyms",
						      at->str));
		}
	} else {
		addr = (uint64_t)at->num;
	}
	/* addr 0: a symbol whose address kallsyms hides (not root); the loader looks again */
	if (addr && addr % (uint64_t)len)
		return data_error(cx, pt, quiet,
				   cc_sprintf(cx->arena,
					      "watches 0x%llx, which is not aligned to its length "
					      "(%d): a debug register watches aligned bytes only",
					      (unsigned long long)addr, len));
	why = addr ? breakpoint_refused(cx, addr, len, rw) : NULL;
	if (why)
		return data_error(cx, pt, quiet,
				   cc_sprintf(cx->arena, "is not supported on this kernel: %s", why));
	d = cc_alloc(cx->arena, sizeof(*d));
	d->kind = PK_PERF;
	d->kernel = true;
	d->loc = pt->loc;
	d->pp = (char *)point_text(cx, pt);
	d->perf_type = PERF_TYPE_BREAKPOINT;
	d->sample = 1;
	d->bp_addr = at->arg_is_str ? 0 : addr;
	d->bp_sym = at->arg_is_str ? at->str : NULL;
	d->bp_len = len;
	d->bp_rw = rw;
	cc_vec_push(cx->arena, out, d);
	return 1;
}
