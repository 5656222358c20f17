// SPDX-License-Identifier: MIT
/*
 * codegen_user.c - the user file, guest.user.c: user-context probes and functions as a
 * shared object the session's runner loads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "guest-runtime/grt_user.h"
#include "taphub/record.h"
#include "taphub/stat.h"

/* ---- the user file --------------------------------------------------------------------- */

static void user_locals(FILE *o, struct cc_vec *locals, struct unit *u)
{
	int i;

	for (i = 0; locals && i < locals->n; i++) {
		struct cc_sym *s = locals->v[i];

		if (s->type == TY_STRING)
			fprintf(o, "\tchar l_%s[TH_MAXSTR] = \"\";\n", s->name);
		else
			fprintf(o, "\t__s64 l_%s = 0;\n", s->name);
	}
	for (i = 0; i < u->ntemps; i++)
		fprintf(o, "\tchar t%d[TH_MAXSTR];\n", i);
	for (i = 0; i < u->ntables; i++)
		fprintf(o, "\tstruct grt_table T%d = { 0 };\n", i);
}

static void user_tables_free(FILE *o, struct unit *u)
{
	int i;

	for (i = 0; i < u->ntables; i++)
		fprintf(o, "\tgrt_table_free(&T%d);\n", i);
}

static bool needs_globals_ptr(struct gen *G)
{
	int i;

	for (i = 0; i < G->prog->globals.n; i++) {
		struct cc_sym *s = G->prog->globals.v[i];

		if (s->used_kernel && s->used_user && !s->is_array && s->type != TY_STATS)
			return true;
	}
	return false;
}

static void gen_user_func(struct gen *G, FILE *defs, struct cc_func *f)
{
	struct unit u;
	int i;

	cg_unit(G, f, NULL, &u);

	fprintf(defs, "static %s th_uf_%s(struct grt_uctx *U, char *ret%s)\n{\n", cg_ret_type(f),
		cc_func_cname(f), cg_param_list(G, f));
	fprintf(defs, "\t__s64 rv = 0;\n");
	if (needs_globals_ptr(G))
		fprintf(defs, "\tstruct th_globals *TH_G = grt_globals(U->rt);\n");
	for (i = 0; i < f->nparams; i++)
		if (f->params[i]->type == TY_STRING)
			fprintf(defs, "\tchar l_%s[TH_MAXSTR];\n", f->params[i]->name);
	user_locals(defs, &f->locals, &u);
	for (i = 0; i < f->nparams; i++)
		if (f->params[i]->type == TY_STRING)
			fprintf(defs, "\tgrt_str_copy(l_%s, TH_STRLEN, p_%s);\n", f->params[i]->name,
				f->params[i]->name);
	if (f->rettype == TY_STRING)
		fprintf(defs, "\tret[0] = 0;\n");
	{
		int site = cg_add_site(G, TH_ERR_MAXACTION, "MAXNESTING exceeded",
				    cg_fmt(G, "identifier '%s'", f->name), &f->loc);

		fprintf(defs, "\tif (++U->depth > TH_MAXNESTING) {\n\t\t%s;\n\t\tgoto th_out;\n\t}\n",
			cg_err_set(G, site));
	}
	fputs(u.body, defs);
	fprintf(defs, "th_out: __attribute__((unused));\n");
	user_tables_free(defs, &u);
	fprintf(defs, "\tU->depth--;\n\t(void)rv;\n\treturn %s;\n}\n\n",
		f->rettype == TY_STRING ? "ret" : "rv");
}

static void gen_user_probe(struct gen *G, FILE *defs, struct cc_dprobe *d)
{
	struct unit u;

	cg_unit(G, NULL, d, &u);

	fprintf(defs, "/* %s */\nstatic void th_u%d(struct grt_uctx *U)\n{\n", d->pp, d->index);
	if (needs_globals_ptr(G))
		fprintf(defs, "\tstruct th_globals *TH_G = grt_globals(U->rt);\n");
	user_locals(defs, &d->locals, &u);
	fputs(u.body, defs);
	fprintf(defs, "th_err: __attribute__((unused));\n\tif (U->err > 0)\n\t\tgrt_error_report(U);\n");
	fprintf(defs, "th_out: __attribute__((unused));\n");
	user_tables_free(defs, &u);
	fprintf(defs, "}\n\n");
}

/*
 * Written-but-never-read globals are printed at the end, as stap does: in
 * the order the script declares them (tapset globals never), after the
 * end probes.  The formats are stap's: see grt_autoprint_array().
 */
static void gen_autoprint(struct gen *G, FILE *defs)
{
	struct cc_vec *decl = &G->cx->script->globals;
	int i;

	fprintf(defs, "static void th_autoprint(struct grt_uctx *U)\n{\n");
	if (needs_globals_ptr(G))
		fprintf(defs, "\tstruct th_globals *TH_G = grt_globals(U->rt);\n");
	fprintf(defs, "\t(void)U;\n");
	G->probe = NULL;
	G->func = NULL;
	G->kernel = false;
	for (i = 0; i < decl->n; i++) {
		struct cc_sym *s = decl->v[i];

		/* declared but never used: not in the program, never written */
		if (!s->written || s->read)
			continue;
		if (!s->is_array && s->type == TY_LONG) {
			fprintf(defs, "\t{ struct grt_arg a = { .type = GRT_LONG, "
				      ".l = %s }; grt_printf(U, \"%s=%%d\\n\", &a, 1); }\n",
				cg_var_ref(G, s), s->name);
		} else if (!s->is_array && s->type == TY_STRING) {
			fprintf(defs, "\t{ struct grt_arg a = { .type = "
				      "GRT_STRING, .s = %s, .slen = strlen(%s) }; grt_printf(U, "
				      "\"%s=\\\"%%s\\\"\\n\", &a, 1); }\n",
				cg_var_ref(G, s), cg_var_ref(G, s), s->name);
		} else if (!s->is_array && s->type == TY_STATS) {
			fprintf(defs, "\tgrt_autoprint_stat(U, %d, \"%s\");\n", s->index, s->name);
		} else if (s->is_array) {
			fprintf(defs, "\tgrt_autoprint_array(U, %d, \"%s\");\n", s->index, s->name);
		}
	}
	fprintf(defs, "}\n\n");
}

static const char *upkind(int kind)
{
	switch (kind) {
	case PK_BEGIN: return "GRT_UP_BEGIN";
	case PK_END: return "GRT_UP_END";
	case PK_ERROR: return "GRT_UP_ERROR";
	case PK_TIMER: return "GRT_UP_TIMER";
	case PK_INPUT: return "GRT_UP_INPUT";
	default: return "GRT_UP_NEVER";
	}
}

char *cg_gen_user(struct gen *G)
{
	struct cc_prog *P = G->prog;
	char *defs_b, *out;
	size_t defs_n, out_n;
	FILE *defs = open_memstream(&defs_b, &defs_n);
	FILE *o;
	int i, nup = 0;
	bool any_kscalar = false;

	G->kernel = false;
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		if (f->used_user)
			fprintf(defs, "static %s th_uf_%s(struct grt_uctx *U, char *ret%s);\n",
				cg_ret_type(f), cc_func_cname(f), cg_param_list(G, f));
	}
	for (i = 0; i < P->funcs.n; i++) {
		struct cc_func *f = P->funcs.v[i];

		if (f->used_user)
			gen_user_func(G, defs, f);
	}
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (!d->kernel) {
			gen_user_probe(G, defs, d);
			nup++;
		}
	}
	gen_autoprint(G, defs);
	fclose(defs);

	o = open_memstream(&out, &out_n);
	fprintf(o, "/* generated by tap %s: user-context probes */\n", TAPHUB_VERSION);
	cg_gen_common_defines(G, o);
	/*
	 * stap gives the probes that run where they may be interrupted (begin,
	 * end ...) MAXACTION_INTERRUPTIBLE; every user-context probe runs so,
	 * in the runner process.
	 */
	fprintf(o, "#define TH_MAXACTION %lld\n",
		(long long)(G->cx->lim.maxaction_interruptible ? G->cx->lim.maxaction_interruptible
							    : 10 * G->cx->lim.maxaction));
	fprintf(o, "#define TH_MAXNESTING %lld\n",
		(long long)(G->cx->lim.maxnesting ? G->cx->lim.maxnesting
						  : cc_default_maxnesting(G->prog)));
	fprintf(o, "#include \"grt_user.h\"\n\n");
	cc_regex_emit_user(G->cx, o);
	/* the kernel-shared scalars, laid out exactly as in the eBPF object */
	cg_gen_globals_struct(G, o);
	any_kscalar = cg_any_kernel_scalar(G);
	for (i = 0; i < P->globals.n; i++) {
		struct cc_sym *s = P->globals.v[i];

		if (s->used_kernel || s->is_array || s->type == TY_STATS)
			continue;
		if (s->type == TY_STRING)
			fprintf(o, "static char ug_%s[TH_MAXSTR] = %s;\n", s->name,
				s->init ? cg_strlit(G, s->init->str, s->init->slen) : "\"\"");
		else
			fprintf(o, "static __s64 ug_%s = %s;\n", s->name,
				cg_num(G, s->init ? s->init->num : 0));
	}
	fprintf(o, "\n%s", defs_b);
	fprintf(o, "static const struct grt_uprobe th_uprobes[] = {\n");
	for (i = 0; i < P->probes.n; i++) {
		struct cc_dprobe *d = P->probes.v[i];

		if (d->kernel)
			continue;
		fprintf(o, "\t{ .kind = %s, .seq = %s, .period_ns = %s, .jitter_ns = %s, "
			   ".fn = th_u%d, .pp = %s%s },\n",
			upkind(d->kind), cg_num(G, d->seq), cg_num(G, d->period_ns), cg_num(G, d->jitter_ns),
			d->index, cg_cquote(G, d->pp, strlen(d->pp)),
			d->input_line ? ", .input_line = 1" : "");
	}
	fprintf(o, "\t{ 0 }\n};\n\n");
	fprintf(o, "const struct grt_guest_desc th_guest = {\n\t.abi = GRT_ABI,\n\t.maxstr = TH_MAXSTR,\n"
		   "\t.globals_size = %s,\n\t.nprobes = %d,\n\t.probes = th_uprobes,\n"
		   "\t.autoprint = th_autoprint,\n};\n",
		any_kscalar ? "sizeof(struct th_globals)" : "0", nup);
	fclose(o);
	free(defs_b);
	return out;
}
