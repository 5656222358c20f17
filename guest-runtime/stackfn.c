// SPDX-License-Identifier: MIT
/*
 * stackfn.c - the script functions on stacks and user symbols that run in
 * user-context probes: print_stack(), sprint_stack() (and their u- forms),
 * usymname(), usymdata(), usymfileline() ... of this process.  They print
 * through the probe's output (grt_printf) and cut at MAXSTRINGLEN, so they
 * sit above rt.c; the symbols themselves come from backtrace.c, below both.
 */
#include <unistd.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"

void grt_print_stack(struct grt_uctx *u, const char *stk, int user)
{
	struct grt_buf b = { 0 };
	struct grt_arg a = { .type = GRT_STRING };

	grt_stack_lines(&b, stk, 0, user);
	if (!b.len)
		return;
	/* through printf's path, so it lands in order with the probe's output */
	a.s = b.data;
	a.slen = b.len;
	grt_printf(u, "%s", &a, 1);
	grt_buf_free(&b);
}

void grt_sprint_stack(struct grt_uctx *u, char *dst, const char *stk, int user)
{
	struct grt_buf b = { 0 };
	size_t max = (size_t)grt_rt_maxstr(u->rt);

	grt_stack_lines(&b, stk, max - 1, user);
	grt_str_copy(dst, max, b.data ? b.data : "");
	grt_buf_free(&b);
}

void grt_usym(struct grt_uctx *u, char *dst, uint64_t addr, int style)
{
	grt_sym_user(dst, (size_t)grt_rt_maxstr(u->rt), getpid(), addr, style);
}
