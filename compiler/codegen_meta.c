// SPDX-License-Identifier: MIT
/*
 * codegen_meta.c - the meta file, guest.meta: what a loader needs without running native
 * code (docs/guest-meta.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- the meta file ------------------------------------------------------------------------ */

/* A value's letter (docs/guest-meta.md): a type, or an address the reader resolves. */
static char type_letter(int t)
{
	switch (t) {
	case TY_STRING: return 's';
	case TY_STATS: return 'S';
	case CC_FMT_USYM_FILELINE: return 'F';
	case CC_FMT_USYM_FILE: return 'P';
	case CC_FMT_USYM_LINE: return 'N';
	default: return 'l';
	}
}

char *cg_gen_meta(struct gen *G)
{
	struct cc_prog *P = G->prog;
	struct cc_ctx *cx = G->cx;
	char *out;
	size_t n;
	FILE *o = open_memstream(&out, &n);
	int i, j, mf;

	fprintf(o, "taphub-guest 1\n");
	fprintf(o, "maxstr %lld\nstrlen %lld\nmaxaction %lld\nmaxmapentries %lld\n",
		(long long)cx->lim.maxstringlen, (long long)cx->lim.strlen, (long long)cx->lim.maxaction,
		(long long)cx->lim.maxmapentries);
	fprintf(o, "bpf %d\nso %d\n", P->has_kernel, P->has_user);
	{
		int h = 0;

		for (i = 0; i < P->probes.n; i++)
			h += ((struct cc_dprobe *)P->probes.v[i])->kernel;
		/* frames are per (CPU, handler): the loader sizes the map from this */
		fprintf(o, "handlers %d\n", h ? h : 1);
	}
	fprintf(o, "classes %d", P->classes.n);
	for (i = 0; i < P->classes.n; i++)
		fprintf(o, " %s", (char *)P->classes.v[i]);
	fputc('\n', o);
	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];

		fprintf(o, "global %d %s %c %c %c %d ", s->index, s->name, s->used_kernel ? 'k' : 'u',
			s->is_array ? 'a' : 's', type_letter(s->type), s->nkeys);
		if (!s->nkeys)
			fputc('-', o);
		for (j = 0; j < s->nkeys; j++)
			fputc(type_letter(s->keytype[j]), o);
		fprintf(o, " %d %lld %lld %lld %lld %d %d %d\n", s->hist_kind, (long long)s->hist_lo,
			(long long)s->hist_hi, (long long)s->hist_step,
			(long long)(s->maxsize ? s->maxsize : cx->lim.maxmapentries),
			s->written && !s->read, s->wrapped, s->variance ? s->var_shift : -1);
	}
	for (i = 0; i < P->fmts.n; i++) {
		struct cc_fmt *f = P->fmts.v[i];

		fprintf(o, "fmt %d ", f->id);
		if (!f->ntypes)
			fputc('-', o);
		for (j = 0; j < f->ntypes; j++)
			fputc(type_letter(f->types[j]), o);
		fputc(' ', o);
		cc_fquote(o, f->fmt, f->len);
		fputc('\n', o);
	}
	for (i = 0; i < P->sites.n; i++) {
		struct cc_site *s = P->sites.v[i];
		char *where = cc_sprintf(cx->arena, "%s:%d:%d", s->loc.file ? s->loc.file->name : "?",
					 s->loc.line, s->loc.col);

		fprintf(o, "site %d %d ", s->id, s->kind);
		cc_fquote(o, s->msg, strlen(s->msg));
		fputc(' ', o);
		cc_fquote(o, s->near, strlen(s->near));
		fputc(' ', o);
		cc_fquote(o, where, strlen(where));
		fputc('\n', o);
	}
	if (G->sys_dispatch) {
		/* the dispatchers attach; the per-number programs are tail-call targets */
		if (!G->sys[0]->sysexit)
			fprintf(o, "prog th_sysenter rawtp sys_enter 0 \"syscall dispatch (enter)\"\n");
		if (G->sys[G->nsys - 1]->sysexit)
			fprintf(o, "prog th_sysexit rawtp sys_exit 0 \"syscall dispatch (exit)\"\n");
		for (i = 0; i < G->nsys; i++)
			if (!i || G->sys[i - 1]->sysnr != G->sys[i]->sysnr ||
			    G->sys[i - 1]->sysexit != G->sys[i]->sysexit)
				fprintf(o, "tail th_s%c%d %s %d\n", G->sys[i]->sysexit ? 'x' : 'e',
					G->sys[i]->sysnr, G->sys[i]->sysexit ? "exit" : "enter",
					G->sys[i]->sysnr);
	}
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (!d->kernel || (G->sys_dispatch && d->kind == PK_SYSCALL) || d->kfollower ||
		    d->kind == PK_UPROC)
			continue;
		/* before its body's program: the loader attaches in this order (codegen_btf.c) */
		if (d->stash) {
			fprintf(o, "prog th_q%d tp %s %s %d ", d->index, d->subsys, d->event, d->cls);
			cc_fquote(o, d->pp, strlen(d->pp));
			fputc('\n', o);
		}
		fprintf(o, "prog th_p%d ", d->index);
		switch (d->kind) {
		case PK_SYSCALL:
			fprintf(o, "syscall %s %d", d->sysexit ? "exit" : "enter", d->sysnr);
			break;
		case PK_RAWTRACE:
			fprintf(o, "rawtp %s", d->event);
			break;
		case PK_TRACE:
			fprintf(o, "tp %s %s", d->subsys, d->event);
			break;
		case PK_KFUNC:
			fprintf(o, "kfunc %s%s %s", cg_kfunc_way(d), d->kgroup.n ? ".multi" : "",
				d->func);
			break;
		case PK_UPROBE:
			fprintf(o, "%s ", d->uret ? "uretprobe" : "uprobe");
			cc_fquote(o, d->upath, strlen(d->upath));
			fprintf(o, " %llu %llu %s", (unsigned long long)d->uoff,
				(unsigned long long)d->uref, d->ucheck);
			break;
		case PK_NETFILTER:
			fprintf(o, "netfilter %d %d %d", d->nf_pf, d->nf_hook, d->nf_prio);
			break;
		case PK_PERF:
			if (d->perf_type == PERF_TYPE_BREAKPOINT) {
				/* the loader looks a symbol up again: its address changes with each boot */
				fprintf(o, "bp %s %d %llx ", d->bp_rw ? "rw" : "w", d->bp_len,
					(unsigned long long)d->bp_addr);
				cc_fquote(o, d->bp_sym ? d->bp_sym : "", d->bp_sym ? strlen(d->bp_sym) : 0);
				break;
			}
			/* fall through */
		default:
			/* perftask: per-task events on the target (probe_perf.c) */
			fprintf(o, "%s %d %lld %lld %d", d->perf_task ? "perftask" : "perf",
				d->perf_type, (long long)d->perf_config, (long long)d->sample, d->freq);
			break;
		}
		fprintf(o, " %d ", d->cls);
		cc_fquote(o, d->pp, strlen(d->pp));
		fputc('\n', o);
		if (d->kind == PK_UPROBE && (mf = cg_mark_fmt(G, d)) > 0) {
			/* the marker writes these records itself while the program is attached */
			fprintf(o, "mark %d ", mf);
			cc_fquote(o, d->sdt->provider, strlen(d->sdt->provider));
			fputc(' ', o);
			cc_fquote(o, d->sdt->name, strlen(d->sdt->name));
			fputc('\n', o);
		}
		/* a kprobe_multi program's functions, a uprobe group's points: in cookie order */
		for (j = 0; j < d->kgroup.n; j++) {
			const struct cc_dprobe *e = d->kgroup.v[j];

			if (d->kind != PK_UPROBE) {
				fprintf(o, "kfn %s\n", e->func);
				continue;
			}
			fprintf(o, "upt ");
			cc_fquote(o, e->upath, strlen(e->upath));
			fprintf(o, " %llu %llu %s ", (unsigned long long)e->uoff,
				(unsigned long long)e->uref, e->ucheck);
			cc_fquote(o, e->pp, strlen(e->pp));
			fputc('\n', o);
		}
	}
	cg_uproc_meta(G, o);
	cg_perf_meta(G, o);
	if (cx->timing) {
		int nuser = 0;

		/* one per probe in probe order: the report's "index" is the position */
		for (i = 0; i < P->probes.n; i++) {
			struct cc_dprobe *d = P->probes.v[i];

			/* a user probe's slot is its place in th_uprobes (gen_user) */
			fprintf(o, "timing %c %d ", d->kernel ? 'k' : 'u', d->kernel ? d->index : nuser++);
			cc_fquote(o, d->pp, strlen(d->pp));
			fputc(' ', o);
			cc_fquote(o, d->where, strlen(d->where));
			fputc(' ', o);
			cc_fquote(o, d->from, strlen(d->from));
			fputc('\n', o);
		}
	}
	fprintf(o, "end\n");
	fclose(o);
	return out;
}
