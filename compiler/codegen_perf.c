// SPDX-License-Identifier: MIT
/*
 * The generated code's part of perf events bound to a process
 * (probe_perf.c): the maps and helpers of grt_bpf_perf.h, sized for the
 * script; the filter at the head of a perf.*.process("PATH") program;
 * and the meta lines from which the loader (hub/guest_perf.c) opens the
 * counters and stats the programs filtered on.
 */
#include <stdio.h>
#include <string.h>

#include "compiler/codegen.h"

void cg_perf_header(struct gen *G, FILE *o)
{
	struct cc_ctx *cx = G->cx;

	if (!cx->perfexes.n && !cx->perfctrs.n)
		return;
	if (cx->perfexes.n)
		fprintf(o, "#define TH_PERF_NEXES %d\n", cx->perfexes.n);
	if (cx->perfctrs.n)
		fprintf(o, "#define TH_PERF_NCTRS %d\n", cx->perfctrs.n);
	fprintf(o, "#include \"grt_bpf_perf.h\"\n\n");
}

const char *cg_perf_filter(struct gen *G, const struct cc_dprobe *d)
{
	if (d->kind != PK_PERF || !d->perf_exe)
		return "";
	/* a sample of another program: not this probe's */
	return cg_fmt(G, "\tif (!th_perf_exe_is(%d))\n\t\treturn 0;\n", d->perf_exe - 1);
}

/*
 * perfexe K "PATH"                          th_perfexe[K]: the file PATH is
 * perfctr K TYPE CONFIG "NAME" "PATH" "PP"  counter K (@perf's argument)
 *                                           of the target; PATH "" or its
 *                                           program; PP its probe point
 */
void cg_perf_meta(struct gen *G, FILE *o)
{
	struct cc_ctx *cx = G->cx;
	int i;

	for (i = 0; i < cx->perfexes.n; i++) {
		const char *p = cx->perfexes.v[i];

		fprintf(o, "perfexe %d ", i);
		cc_fquote(o, p, strlen(p));
		fputc('\n', o);
	}
	for (i = 0; i < cx->perfctrs.n; i++) {
		const struct cc_perfctr *k = cx->perfctrs.v[i];
		const char *p = k->path ? k->path : "";

		fprintf(o, "perfctr %d %d %lld ", i, k->type, (long long)k->config);
		cc_fquote(o, k->name, strlen(k->name));
		fputc(' ', o);
		cc_fquote(o, p, strlen(p));
		fputc(' ', o);
		cc_fquote(o, k->pp, strlen(k->pp));
		fputc('\n', o);
	}
}
