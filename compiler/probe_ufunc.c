// SPDX-License-Identifier: MIT
/*
 * Functions of user-space programs and libraries:
 *
 *   process("PATH")[.library("LIB")].function("PAT")[.call][.return]
 *
 * (PATH and LIB as for markers, probe_sdt.c.)  PAT is a shell pattern
 * over the file's symbol table (.symtab, or .dynsym in a stripped file,
 * through libelf); each matching function is a uprobe on its first
 * instruction, or a uretprobe for .return.  .call is the entry too: a
 * symbol is never an inlined copy.  NAME@FILE and .statement need the
 * DWARF line tables, which are not read yet: refused with the reason.
 *
 * $param comes from DWARF (dwarf.c): at the first instruction the calling
 * convention says where each argument is.  In .return, $param is the
 * value at entry (an @entry, as stap gives it) and $return is rax.
 * $$parms is `a=0x1 b=0x2`, as stap prints it; a parameter taphub cannot
 * read (a float, a struct by value) is left out of it and is an error
 * when named, with the reason.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* Functions one pattern may make probes of: each is a uprobe the kernel keeps. */
#define CC_UFUNC_MAX_MATCHES 512

int cc_ufunc_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		     bool quiet, struct cc_vec *out)
{
	const struct cc_comp *fc = &pt->comps[i];
	struct cc_elf_func *v;
	const char *why, *pat;
	bool ret = false;
	int n, k, found = 0;

	if (!fc->has_arg || !fc->arg_is_str)
		return cc_point_error(cx, pt, quiet, "needs a function name: function(\"NAME\")");
	pat = fc->str;
	for (k = i + 1; k < pt->ncomps; k++) {
		if (cc_comp_is(pt, k, "return") && !pt->comps[k].has_arg && k + 1 == pt->ncomps)
			ret = true;
		else if (!cc_comp_is(pt, k, "call") || pt->comps[k].has_arg)
			return cc_point_error(cx, pt, quiet,
					      "has unexpected components (a function probe takes "
					      ".call and .return; .inline, .label and .statement "
					      "need DWARF line tables, not read yet)");
	}
	if (strchr(pat, '@') || strchr(pat, ':'))
		return cc_point_error(cx, pt, quiet,
				      "names a source file or line, which needs the program's "
				      "DWARF line tables: taphub does not read them yet");
	if (cc_elf_funcs(cx->arena, path, &v, &n, &why) < 0)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "cannot read %s: %s", path, why));
	for (k = 0; k < n; k++) {
		struct cc_dprobe *d;

		if (fnmatch(pat, v[k].name, 0))
			continue;
		if (++found > CC_UFUNC_MAX_MATCHES)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "matches more than %d functions of %s: "
							 "narrow the pattern",
							 CC_UFUNC_MAX_MATCHES, path));
		if (quiet)
			continue;
		d = cc_alloc(cx->arena, sizeof(*d));
		d->kind = PK_UPROBE;
		d->kernel = true;
		d->loc = pt->loc;
		d->upath = path;
		d->uoff = v[k].off;
		d->ucheck = cc_file_hex(cx->arena, path, v[k].off);
		d->uret = ret;
		d->func = v[k].name;
		d->nuparams = -1;
		d->pp = cc_sprintf(cx->arena, "process(\"%s\").function(\"%s\")%s", path, v[k].name,
				   ret ? ".return" : "");
		cc_vec_push(cx->arena, out, d);
	}
	if (!found)
		return cc_point_error(
		    cx, pt, quiet,
		    n ? cc_sprintf(cx->arena, "matches no function in the symbol table of %s", path)
		      : cc_sprintf(cx->arena,
				   "matches no function: %s has no function symbols "
				   "(stripped?)",
				   path));
	return found;
}

struct cc_dprobe *cc_ufunc_entry_of(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	struct cc_dprobe *e = cc_alloc(cx->arena, sizeof(*e));
	const char *r;

	*e = *d;
	e->uret = false;
	e->body = NULL;
	memset(&e->locals, 0, sizeof(e->locals));
	r = strstr(d->pp, ".return");
	e->pp = r ? cc_strndup(cx->arena, d->pp, (size_t)(r - d->pp)) : d->pp;
	return e;
}

static void load_params(struct cc_ctx *cx, struct cc_dprobe *d)
{
	if (d->nuparams != -1)
		return;
	if (cc_dwarf_params(cx->arena, d->upath, d->func, &d->uparams, &d->nuparams, &d->uretval,
			    &d->unodwarf) < 0)
		d->nuparams = -2;
}

static const char *param_names(struct cc_ctx *cx, const struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	for (i = 0; i < d->nuparams; i++)
		s = cc_sprintf(cx->arena, "%s%s$%s", s, i ? " " : "", d->uparams[i].name);
	return *s ? s : "none";
}

static struct cc_node *parms_call(struct cc_ctx *cx, const struct cc_dprobe *d,
				  const struct cc_node *t, bool ret)
{
	struct cc_node *call = cc_node_new(cx, N_CALL, &t->loc);
	char *fmt = cc_strdup(cx->arena, "");
	int i, n = 1;

	call->name = "sprintf";
	call->args = cc_alloc(cx->arena, sizeof(*call->args) * (size_t)(d->nuparams + 2));
	for (i = 0; !ret && i < d->nuparams; i++) {
		struct cc_node *a;

		if (d->uparams[i].reg < 0)
			continue;
		fmt =
		    cc_sprintf(cx->arena, "%s%s%s=%%#x", fmt, *fmt ? " " : "", d->uparams[i].name);
		a = cc_node_new(cx, N_TARGET, &t->loc);
		a->name = (char *)d->uparams[i].name;
		call->args[n++] = a;
	}
	if (ret) {
		struct cc_node *a = cc_node_new(cx, N_TARGET, &t->loc);

		fmt = "return=%#x";
		a->name = "return";
		call->args[n++] = a;
	}
	call->args[0] = cc_node_new(cx, N_STR, &t->loc);
	call->args[0]->str = fmt;
	call->args[0]->slen = strlen(fmt);
	call->nargs = n;
	return call;
}

/* The register a parameter or the return value is read from, as an SDT argument. */
static struct cc_sdt_arg *reg_arg(struct cc_ctx *cx, const struct cc_uparam *p)
{
	struct cc_sdt_arg *a = cc_alloc(cx->arena, sizeof(*a));

	a->kind = CC_SDT_REG;
	a->reg = p->reg;
	a->index = -1;
	a->size = p->size;
	a->is_signed = p->is_signed;
	return a;
}

int cc_ufunc_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet)
{
	struct cc_node *t = *np;
	size_t nl = strlen(t->name);
	const struct cc_uparam *p = NULL;
	const char *name;
	int i;

	while (nl && t->name[nl - 1] == '$') /* $var$ / $$parms$: the same values here */
		nl--;
	name = cc_strndup(cx->arena, t->name, nl);
	load_params(cx, d);
	if (d->nuparams == -2) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc, "'$%s' in %s: %s", name, d->pp,
				    d->unodwarf);
		return -1;
	}
	if (t->nargs) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'$%s' is a plain value here: member and index access on a "
				    "user-space variable are not supported yet (use user_int(), "
				    "user_string() on its address)",
				    name);
		return -1;
	}
	if (!strcmp(name, "$locals") || !strcmp(name, "$vars") || !strcmp(name, "$parms") ||
	    !strcmp(name, "$return")) {
		if (!strcmp(name, "$return") && !d->uret) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    "'$$return' is only available in .return probes");
			return -1;
		}
		if (quiet)
			return 0;
		if (!strcmp(name, "$locals")) {
			/* locals are not read: an empty string, as stap with none */
			t->kind = N_STR;
			t->str = "";
			t->slen = 0;
			t->type = TY_STRING;
			return 0;
		}
		*np = parms_call(cx, d, t, !strcmp(name, "$return"));
		return 1;
	}
	if (!strcmp(name, "return")) {
		if (!d->uret || !d->uretval.size) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    d->uret
						? "'$return': %s returns void"
						: "'$return' is only available in .return probes "
						  "('%s' is an entry)",
					    d->uret ? d->func : d->pp);
			return -1;
		}
		p = &d->uretval;
	} else {
		for (i = 0; i < d->nuparams; i++)
			if (!strcmp(d->uparams[i].name, name))
				p = &d->uparams[i];
		if (!p) {
			if (!quiet)
				cc_error_at(&cx->diag, &t->loc,
					    "unable to find target variable '$%s' in %s (its "
					    "parameters: %s)",
					    name, d->pp, param_names(cx, d));
			return -1;
		}
	}
	if (p->reg < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc, "'$%s' of %s cannot be read: %s", name,
				    d->func, p->why);
		return -1;
	}
	if (quiet)
		return 0;
	t->name = (char *)name;
	t->aux = reg_arg(cx, p);
	t->type = TY_LONG;
	return 0;
}

char *cc_ufunc_vars(struct cc_ctx *cx, struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	int i;

	load_params(cx, d);
	for (i = 0; i < d->nuparams; i++)
		if (d->uparams[i].reg >= 0)
			s = cc_sprintf(cx->arena, "%s $%s:long", s, d->uparams[i].name);
	if (d->uret && d->uretval.reg >= 0)
		s = cc_sprintf(cx->arena, "%s $return:long", s);
	return s;
}
