// SPDX-License-Identifier: MIT
/*
 * codegen_hcall.c - the call of a probe's body (th_hN) from the program
 * that runs it: its probe point, its row of literals and, for tap -t, the
 * timing of the run.  Every program writer uses it (codegen_kernel.c,
 * codegen_uproc.c), so it sits below them.
 */
#include <string.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"

const char *cg_hcall_from(struct gen *G, const struct cc_dprobe *d, const char *pp,
			  const char *row, const char *slot)
{
	const char *call = cg_fmt(G, "th_h%d(ctx, %s, %d%s)", d->body_id,
			       pp ? pp : cg_cquote(G, d->pp, strlen(d->pp)), d->hidx,
			       d->lit_row < 0 ? ""
			       : row  ? cg_fmt(G, ", th_lits%d[%s]", d->body_id, row)
				      : cg_fmt(G, ", th_lits%d[%d]", d->body_id, d->lit_row));

	/* tap -t: the handler's run time into its slot of th_timing */
	if (G->cx->timing)
		return cg_fmt(G, "({ __u64 th_t0 = bpf_ktime_get_ns(); th_timed(%s, %s, th_t0); })", call,
			   slot ? slot : cg_num(G, d->index));
	return call;
}

const char *cg_hcall(struct gen *G, const struct cc_dprobe *d)
{
	return cg_hcall_from(G, d, NULL, NULL, NULL);
}
