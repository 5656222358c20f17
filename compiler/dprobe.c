// SPDX-License-Identifier: MIT
/*
 * A derived probe made from a probe point: what every resolver of a kind
 * of point (probepoint.c, probe_perf.c, ...) starts its probes with.
 */
#include "compiler/compiler.h"

struct cc_dprobe *cc_new_dprobe(struct cc_ctx *cx, const struct cc_point *pt, int kind,
				bool kernel, struct cc_vec *out)
{
	struct cc_dprobe *d = cc_alloc(cx->arena, sizeof(*d));

	d->kind = kind;
	d->kernel = kernel;
	d->loc = pt->loc;
	d->pp = cc_point_str(cx, pt);
	cc_vec_push(cx->arena, out, d);
	return d;
}
