// SPDX-License-Identifier: MIT
/*
 * The strings $$parms, $$vars, $$locals, $$return and $v$ are, built as
 * script code: sprintf("a=0x%x b=0x%x", $a, $b), one piece at a time, so
 * that each value is an ordinary target variable the probe's own
 * resolution reads (a kernel function's parameter, a marker's argument, a
 * user variable from DWARF) and the formatting happens where every
 * sprintf does.  probe_kfunc.c, probe_sdt.c and probe_ufunc.c build theirs
 * with it; a piece may be text alone ("items=?" for a value not readable).
 */
#include <string.h>

#include "compiler/compiler.h"

/*
 * Values one string prints: a record carries each (the 64 format
 * fields of the widest tracepoints fit); past them, " ..." says so.
 */
#define CC_PARMS_MAX_ARGS 64

void cc_parms_init(struct cc_parms *p, struct cc_ctx *cx, const struct cc_loc *loc)
{
	memset(p, 0, sizeof(*p));
	p->cx = cx;
	p->loc = *loc;
	p->fmt = cc_strdup(cx->arena, "");
}

void cc_parms_add(struct cc_parms *p, const char *sep, const char *label, const char *conv,
		  struct cc_node *arg)
{
	if (p->args.n == CC_PARMS_MAX_ARGS) {
		p->more = true;
		return;
	}
	p->fmt = cc_sprintf(p->cx->arena, "%s%s%s%s", p->fmt, *p->fmt ? sep : "", label, conv);
	if (arg)
		cc_vec_push(p->cx->arena, &p->args, arg);
}

void cc_parms_target(struct cc_parms *p, const char *label, const char *name, const char *conv)
{
	struct cc_node *a = cc_node_new(p->cx, N_TARGET, &p->loc);

	a->name = (char *)name;
	cc_parms_add(p, " ", cc_sprintf(p->cx->arena, "%s=", label), conv, a);
}

struct cc_node *cc_parms_call(struct cc_parms *p)
{
	struct cc_node *call = cc_node_new(p->cx, N_CALL, &p->loc);
	int i;

	call->name = "sprintf";
	if (p->more)
		p->fmt = cc_sprintf(p->cx->arena, "%s ...", p->fmt);
	call->args = cc_alloc(p->cx->arena, sizeof(*call->args) * (size_t)(p->args.n + 1));
	call->args[0] = cc_node_new(p->cx, N_STR, &p->loc);
	call->args[0]->str = p->fmt;
	call->args[0]->slen = strlen(p->fmt);
	for (i = 0; i < p->args.n; i++)
		call->args[i + 1] = p->args.v[i];
	call->nargs = p->args.n + 1;
	return call;
}

int cc_parms_no_return(struct cc_ctx *cx, const char *pp, const struct cc_loc *loc, bool twice,
		       bool quiet)
{
	if (quiet)
		return -1;
	if (twice)
		cc_error_at(&cx->diag, loc, "'$$return' is only available in .return probes");
	else
		cc_error_at(&cx->diag, loc,
			    "'$return' is only available in .return probes ('%s' is an entry)", pp);
	return -1;
}
