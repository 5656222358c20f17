// SPDX-License-Identifier: MIT
/*
 * Functions of user-space programs and libraries:
 *
 *   process("PATH")[.library("LIB")].function("PAT[@FILE[:LINE]]")[.call|.inline][.return]
 *
 * (PATH and LIB as for markers, probe_sdt.c.)  PAT is a shell pattern
 * over the file's symbol table (.symtab, or .dynsym in a stripped file,
 * through libelf); each matching function is a uprobe on its first
 * instruction, or a uretprobe for .return.  With a source file,
 * NAME@FILE[:LINE] (LINE: where it is declared), the functions come from
 * the DWARF instead.  As in stap, a plain function() is also each inlined
 * copy (DW_TAG_inlined_subroutine, at its entry pc), .inline those alone,
 * .call and .return the functions without them.
 *
 *   process("PATH").plt("PAT")[.return]
 *
 * is a uprobe on each PLT stub the program calls a shared library's PAT
 * through (found from .rela.plt, sdt.c): a call made, whatever library
 * it goes to; $$name is the function's name.  Statements are
 * probe_ustmt.c's.
 *
 * $name is any variable in scope at the probe's address, read where DWARF
 * says it is there (dwarf.c, dwarf_loc.c), with member, pointer and index
 * chains.  In .return, $name is the value at entry (an @entry, as stap
 * gives it) and $return is rax.  $$parms is `a=0x1 b=0x2`, as stap prints
 * it, $$locals the same of the locals, $$vars both; a variable not readable
 * at the address prints as `name=?`, and is an error when named, with
 * where it can be read.  $v$ prints a struct's members, a char array as a
 * quoted string.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* Functions one pattern may make probes of: each is a uprobe the kernel keeps. */
#define CC_UFUNC_MAX_MATCHES 512

/*
 * A uprobe on a user function's entry (or its return) at the link-time
 * address addr; its pp() is process("PATH").function("SPEC")[.inline][.return].
 */
static struct cc_dprobe *func_probe(struct cc_ctx *cx, const struct cc_point *pt, const char *path,
				    uint64_t addr, uint64_t off, const char *name, bool ret,
				    const char *spec, bool inl)
{
	struct cc_dprobe *d = cc_alloc(cx->arena, sizeof(*d));

	d->kind = PK_UPROBE;
	d->kernel = true;
	d->loc = pt->loc;
	d->upath = path;
	d->uoff = off;
	d->ucheck = cc_file_hex(cx->arena, path, off);
	d->uret = ret;
	d->func = name;
	d->uaddr = addr;
	d->pp = cc_sprintf(cx->arena, "process(\"%s\").function(\"%s\")%s%s", path, spec,
			   inl ? ".inline" : "", ret ? ".return" : "");
	return d;
}

/*
 * function("NAME@FILE[:LINE]") and .inline: the functions the DWARF
 * declares there (out of line, or each inlined copy), at their entry pc.
 * base: how many probes the point has already (the bound is on all);
 * without must, no DWARF and no match are 0 probes, not an error.
 */
static int dwarf_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path,
			 const char *pat, bool inl, bool ret, bool must, int base, bool quiet,
			 struct cc_vec *out)
{
	const char *func = pat, *file = NULL, *why;
	int lo = 1, hi = INT32_MAX, n, k;
	struct cc_ufn *v;

	if (strchr(pat, '@') && !cc_ustmt_parse(cx->arena, pat, &func, &file, &lo, &hi, false))
		return cc_point_error(cx, pt, quiet,
				      "names a function as NAME@FILE[:LINE] (LINE: N, N-M or *): "
				      "this is not that");
	if (cc_dwarf_funcs(cx->arena, path, func, file, lo, hi, inl, &v, &n, &why) < 0)
		return !must ? 0
			     : cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena, "cannot be found in %s: %s", path,
							 why));
	if (!n && !must)
		return 0;
	if (!n)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "matches no %s in the DWARF of %s",
						 inl ? "inlined copy of a function" : "function",
						 path));
	if (base + n > CC_UFUNC_MAX_MATCHES)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena,
						 "matches more than %d functions of %s: narrow the "
						 "pattern",
						 CC_UFUNC_MAX_MATCHES, path));
	for (k = 0; k < n; k++) {
		struct cc_dprobe *d;
		uint64_t off;

		if (cc_elf_offset(path, v[k].addr, &off) < 0)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena, "%s is at 0x%llx, in no loadable "
							 "segment of %s", v[k].name,
							 (unsigned long long)v[k].addr, path));
		d = func_probe(cx, pt, path, v[k].addr, off, v[k].name, ret,
			       cc_sprintf(cx->arena, "%s@%s:%d", v[k].name, v[k].file, v[k].line),
			       inl);
		cc_vec_push(cx->arena, out, d);
	}
	return n;
}

int cc_ufunc_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		     bool quiet, struct cc_vec *out)
{
	const struct cc_comp *fc = &pt->comps[i];
	struct cc_elf_func *v;
	const char *why, *pat;
	bool ret = false, inl = false, call = false, both;
	int n, k, found = 0;

	if (!fc->has_arg || !fc->arg_is_str)
		return cc_point_error(cx, pt, quiet, "needs a function name: function(\"NAME\")");
	pat = fc->str;
	for (k = i + 1; k < pt->ncomps; k++) {
		if (cc_comp_is(pt, k, "return") && !pt->comps[k].has_arg && k + 1 == pt->ncomps)
			ret = true;
		else if (cc_comp_is(pt, k, "inline") && !pt->comps[k].has_arg && !call && !inl)
			inl = true;
		else if (cc_comp_is(pt, k, "call") && !pt->comps[k].has_arg && !call && !inl)
			call = true;
		else
			return cc_point_error(cx, pt, quiet,
					      "has unexpected components (a function probe takes "
					      ".call or .inline, and .return)");
	}
	if (inl && ret)
		return cc_point_error(cx, pt, quiet,
				      "is the return of an inlined copy, which has no return "
				      "instruction to probe");
	/* as stap: a plain function() is the functions and their inlined copies, .call the former */
	both = !call && !inl && !ret;
	if ((inl || strchr(pat, '@')) && !both)
		return dwarf_resolve(cx, pt, path, pat, inl, ret, true, 0, quiet, out);
	if (strchr(pat, '@')) {
		found = dwarf_resolve(cx, pt, path, pat, false, false, false, 0, quiet, out);
		k = found < 0 ? found
			      : dwarf_resolve(cx, pt, path, pat, true, false, false, found, quiet, out);
		if (found < 0 || k < 0)
			return -1;
		/* none of either: the error of the first */
		return found + k ? found + k
				 : dwarf_resolve(cx, pt, path, pat, false, false, true, 0, quiet, out);
	}
	if (strchr(pat, ':'))
		return cc_point_error(cx, pt, quiet,
				      "names a line without a file: function(\"NAME@FILE:LINE\")");
	if (cc_elf_funcs(cx->arena, path, &v, &n, &why) < 0)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "cannot read %s: %s", path, why));
	for (k = 0; k < n; k++) {
		if (fnmatch(pat, v[k].name, 0))
			continue;
		if (++found > CC_UFUNC_MAX_MATCHES)
			return cc_point_error(cx, pt, quiet,
					      cc_sprintf(cx->arena,
							 "matches more than %d functions of %s: "
							 "narrow the pattern",
							 CC_UFUNC_MAX_MATCHES, path));
		cc_vec_push(cx->arena, out,
			    func_probe(cx, pt, path, v[k].addr, v[k].off, v[k].name, ret, v[k].name,
				       false));
	}
	if (both) {
		k = dwarf_resolve(cx, pt, path, pat, true, false, false, found, quiet, out);
		if (k < 0)
			return -1;
		found += k;
	}
	/*
	 * a function the symbol table names otherwise, or not at all: ld.so's
	 * debug file has __GI___tunables_init where its DWARF (and stap) say
	 * __tunables_init
	 */
	if (!found && !inl) {
		k = dwarf_resolve(cx, pt, path, pat, false, ret, false, 0, quiet, out);
		if (k < 0)
			return -1;
		found += k;
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

int cc_uplt_resolve(struct cc_ctx *cx, const struct cc_point *pt, const char *path, int i,
		    bool quiet, struct cc_vec *out)
{
	const struct cc_comp *c = &pt->comps[i];
	const char *pat = "*", *why;
	struct cc_elf_func *v;
	bool ret = false;
	int n, k, found = 0;

	if (c->has_arg && !c->arg_is_str)
		return cc_point_error(cx, pt, quiet, "needs a function name: plt(\"NAME\")");
	if (c->has_arg)
		pat = c->str;
	if (i + 1 < pt->ncomps) {
		if (!cc_comp_is(pt, i + 1, "return") || pt->comps[i + 1].has_arg ||
		    i + 2 != pt->ncomps)
			return cc_point_error(cx, pt, quiet,
					      "has unexpected components (a plt probe takes .return)");
		ret = true;
	}
	if (cc_elf_plt(cx->arena, path, &v, &n, &why) < 0)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "cannot read %s: %s", path, why));
	for (k = 0; k < n; k++) {
		struct cc_dprobe *d;

		if (fnmatch(pat, v[k].name, 0))
			continue;
		found++;
		d = cc_alloc(cx->arena, sizeof(*d));
		d->kind = PK_UPROBE;
		d->kernel = true;
		d->loc = pt->loc;
		d->upath = path;
		d->uoff = v[k].off;
		d->uaddr = v[k].addr;
		d->ucheck = cc_file_hex(cx->arena, path, v[k].off);
		d->uret = ret;
		d->uplt = true;
		d->func = v[k].name;
		d->pp = cc_sprintf(cx->arena, "process(\"%s\").plt(\"%s\")%s", path, v[k].name,
				   ret ? ".return" : "");
		cc_vec_push(cx->arena, out, d);
	}
	if (!found)
		return cc_point_error(cx, pt, quiet,
				      cc_sprintf(cx->arena, "matches no PLT stub of %s%s", path,
						 n ? "" : " (it calls no shared library through a PLT)"));
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

/* The chain of t ($v->a[i]) as dwarf.c takes it; runtime indexes left in t's args. */
static struct cc_uchain *chain_of(struct cc_ctx *cx, struct cc_node *t, int *n, bool keep)
{
	int first = (int)t->num, k, i, nidx = 0;
	struct cc_uchain *c;

	*n = t->nargs - first;
	c = cc_alloc(cx->arena, sizeof(*c) * (size_t)(*n ? *n : 1));
	for (i = 0; i < *n; i++) {
		struct cc_node *a = t->args[first + i];

		c[i].idx = -1;
		if (a->kind == N_STR && a->op && !strcmp(a->op, "->"))
			c[i].member = a->str;
		else if (a->kind == N_NUM)
			c[i].index = a->num;
		else
			c[i].idx = nidx++;
	}
	if (keep)
		return c;
	/* the node keeps only what codegen evaluates: the runtime indexes */
	for (i = k = 0; i < *n; i++) {
		struct cc_node *a = t->args[first + i];

		if (!(a->kind == N_STR && a->op && !strcmp(a->op, "->")) && a->kind != N_NUM)
			t->args[k++] = a;
	}
	t->nargs = k;
	t->num = 0;
	return c;
}

/* Elements of an array $v$ prints; a longer one is [...]. */
#define UFUNC_PRETTY_MAX_ELEMS 16

/* $name->member (or $name[index] when member is NULL and index >= 0): a copy of t with one more step */
static struct cc_node *with_step(struct cc_ctx *cx, const struct cc_node *t, const char *name,
				 const char *member, int64_t index)
{
	struct cc_node *v = cc_node_clone(cx, t), *m;

	v->name = (char *)name;
	v->str = NULL;
	v->args = cc_alloc(cx->arena, sizeof(*v->args) * (size_t)(t->nargs + 1));
	memcpy(v->args, t->args, sizeof(*v->args) * (size_t)t->nargs);
	if (member) {
		m = cc_node_new(cx, N_STR, &t->loc);
		m->op = "->";
		m->str = (char *)member;
		m->slen = strlen(member);
		v->args[v->nargs++] = m;
	} else if (index >= 0) {
		m = cc_node_new(cx, N_NUM, &t->loc);
		m->num = index;
		v->args[v->nargs++] = m;
	}
	return v;
}

static struct cc_node *with_member(struct cc_ctx *cx, const struct cc_node *t, const char *name,
				   const char *member)
{
	return with_step(cx, t, name, member, -1);
}

static struct cc_node *str_node(struct cc_ctx *cx, const struct cc_loc *loc, const char *s)
{
	struct cc_node *n = cc_node_new(cx, N_STR, loc);

	n->str = (char *)s;
	n->slen = strlen(s);
	return n;
}

/* f(arg) */
static struct cc_node *call1(struct cc_ctx *cx, const char *f, struct cc_node *arg)
{
	struct cc_node *c = cc_node_new(cx, N_CALL, &arg->loc);

	c->name = (char *)f;
	c->args = cc_alloc(cx->arena, sizeof(*c->args) * 2);
	c->args[0] = arg;
	c->args[1] = str_node(cx, &arg->loc, "?");
	c->nargs = 2;
	return c;
}

/*
 * The pretty form of t ($v$): a number in decimal, a pointer in hex, a
 * char array quoted, a struct's members in braces (depth levels of them;
 * deeper ones as {...}).  NULL when t cannot be read.
 */
static struct cc_node *pretty(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node *t,
			      const char *name, int depth)
{
	struct cc_parms f;
	struct cc_uchain *c;
	struct cc_uread rd;
	const char *why, **mem;
	int n, nm, i;

	cc_parms_init(&f, cx, &t->loc);
	c = chain_of(cx, t, &n, true);
	if (cc_dwarf_read(cx->arena, d->upath, d->uaddr, name, c, n, &rd, &why) < 0)
		return NULL;
	if (rd.kind == CC_UREAD_STRING) {
		cc_parms_add(&f, "", "", "\"%s\"", call1(cx, "user_string", with_member(cx, t, name, NULL)));
	} else if (rd.kind == CC_UREAD_VALUE && rd.nelem > 0) {
		if (rd.nelem > UFUNC_PRETTY_MAX_ELEMS || depth == 0) {
			cc_parms_add(&f, "", "", "[...]", NULL);
		} else {
			f.fmt = cc_strdup(cx->arena, "[");
			for (i = 0; i < rd.nelem; i++) {
				struct cc_node *m = pretty(cx, d, with_step(cx, t, name, NULL, i), name,
							   depth - 1);

				f.fmt = cc_sprintf(cx->arena, "%s%s%s", f.fmt, i ? ", " : "",
						   m ? "%s" : "?");
				if (m)
					cc_vec_push(cx->arena, &f.args, m);
			}
			f.fmt = cc_sprintf(cx->arena, "%s]", f.fmt);
		}
	} else if (rd.kind == CC_UREAD_VALUE) {
		cc_parms_add(&f, "", "", rd.is_ptr ? "%#x" : "%d", with_member(cx, t, name, NULL));
	} else if (depth == 0 ||
		   cc_dwarf_members(cx->arena, d->upath, d->uaddr, name, c, n, &mem, &nm, &why) < 0) {
		cc_parms_add(&f, "", "", "{...}", NULL);
	} else {
		f.fmt = cc_strdup(cx->arena, "{");
		for (i = 0; i < nm; i++) {
			struct cc_node *m = pretty(cx, d, with_member(cx, t, name, mem[i]), name, depth - 1);

			f.fmt = cc_sprintf(cx->arena, "%s%s.%s=", f.fmt, i ? ", " : "", mem[i]);
			if (!m) {
				f.fmt = cc_sprintf(cx->arena, "%s?", f.fmt);
				continue;
			}
			f.fmt = cc_sprintf(cx->arena, "%s%%s", f.fmt);
			cc_vec_push(cx->arena, &f.args, m);
		}
		f.fmt = cc_sprintf(cx->arena, "%s}", f.fmt);
	}
	return cc_parms_call(&f);
}

/* $$parms, $$locals, $$vars: "name=0x1 ...", name=? for one not readable here */
static struct cc_node *vars_call(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node *t,
				 bool parms, bool locals)
{
	struct cc_parms f;
	struct cc_uvar *v;
	struct cc_uread rd;
	const char *why;
	int n = 0, i;

	cc_parms_init(&f, cx, &t->loc);
	cc_dwarf_vars(cx->arena, d->upath, d->uaddr, &v, &n, &why);
	for (i = 0; i < n; i++) {
		if (v[i].param ? !parms : !locals)
			continue;
		if (cc_dwarf_read(cx->arena, d->upath, d->uaddr, v[i].name, NULL, 0, &rd, &why) < 0 ||
		    rd.kind == CC_UREAD_STRUCT) {
			cc_parms_add(&f, " ", v[i].name, "=?", NULL);
			continue;
		}
		cc_parms_target(&f, v[i].name, v[i].name, "%#x");
	}
	return cc_parms_call(&f);
}

int cc_ufunc_target(struct cc_ctx *cx, struct cc_dprobe *d, struct cc_node **np, bool quiet)
{
	struct cc_node *t = *np;
	size_t nl = strlen(t->name);
	bool want_pretty = t->str != NULL;
	struct cc_uchain *chain;
	struct cc_uread *rd;
	const char *name, *why;
	int n, r;

	while (nl && t->name[nl - 1] == '$') { /* $var$ / $$parms$ */
		want_pretty = true;
		nl--;
	}
	name = cc_strndup(cx->arena, t->name, nl);
	if (d->uplt && !strcmp(name, "$name") && !t->nargs) {
		/* a PLT stub's: the function it calls */
		if (quiet)
			return 0;
		*np = str_node(cx, &t->loc, d->func);
		return 1;
	}
	if (!strcmp(name, "$locals") || !strcmp(name, "$vars") || !strcmp(name, "$parms") ||
	    !strcmp(name, "$return")) {
		if (!strcmp(name, "$return") && !d->uret)
			return cc_parms_no_return(cx, d->pp, &t->loc, true, quiet);
		if (quiet)
			return 0;
		if (!strcmp(name, "$return")) {
			struct cc_parms f;

			cc_parms_init(&f, cx, &t->loc);
			cc_parms_target(&f, "return", "return", "%#x");
			*np = cc_parms_call(&f);
		} else {
			*np = vars_call(cx, d, t, strcmp(name, "$locals"), strcmp(name, "$parms"));
		}
		return 1;
	}
	if (!strcmp(name, "return") && !d->uret)
		return cc_parms_no_return(cx, d->pp, &t->loc, false, quiet);
	if (strchr(name, '@') && d->uret) {
		/* a link-time address is found from regs->ip, the caller's in a uretprobe */
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'@var(\"%s\")' in a .return probe: read it at the entry, "
				    "@entry(@var(\"%s\"))",
				    name, name);
		return -1;
	}
	rd = cc_alloc(cx->arena, sizeof(*rd));
	chain = chain_of(cx, t, &n, true);
	r = cc_dwarf_read(cx->arena, d->upath, d->uaddr, name, chain, n, rd, &why);
	if (r == -ESRCH) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "unable to find target variable '$%s' in %s (its variables: %s)",
				    name, d->pp, why);
		return -1;
	}
	if (r < 0) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc, strchr(name, '@') ? "'@var(\"%s\")' in %s: %s"
									 : "'$%s' in %s: %s",
				    name, d->pp, why);
		return -1;
	}
	if (want_pretty) {
		if (quiet)
			return 0;
		*np = pretty(cx, d, t, name, 2);
		return 1;
	}
	if (rd->kind == CC_UREAD_STRUCT) {
		if (!quiet)
			cc_error_at(&cx->diag, &t->loc,
				    "'%s' is a %s, not a value: read one of its members, or print "
				    "it with '%s$'",
				    rd->text, rd->type, rd->text);
		return -1;
	}
	if (quiet)
		return 0;
	chain_of(cx, t, &n, false);
	t->name = (char *)name;
	t->aux = rd;
	t->type = TY_LONG;
	return 0;
}

char *cc_ufunc_vars(struct cc_ctx *cx, struct cc_dprobe *d)
{
	char *s = cc_strdup(cx->arena, "");
	struct cc_uvar *v;
	struct cc_uread rd;
	const char *why;
	int n, i;

	if (cc_dwarf_vars(cx->arena, d->upath, d->uaddr, &v, &n, &why) < 0)
		return s;
	for (i = 0; i < n; i++)
		if (!d->uret || v[i].param)
			s = cc_sprintf(cx->arena, "%s $%s:%s", s, v[i].name, v[i].type);
	if (d->uret && cc_dwarf_read(cx->arena, d->upath, d->uaddr, "return", NULL, 0, &rd, &why) == 0)
		s = cc_sprintf(cx->arena, "%s $return:%s", s, rd.type);
	return s;
}

int cc_ucast(struct cc_ctx *cx, struct cc_node **np)
{
	struct cc_node *t = *np;
	struct cc_uread *rd = cc_alloc(cx->arena, sizeof(*rd));
	const char *why, *path = t->args[2]->str;
	struct cc_uchain *chain;
	char *real;
	int n;

	if (t->str) {
		cc_error_at(&cx->diag, &t->loc,
			    "'@cast(...)$' of a user-space type: print its members one by one");
		return -1;
	}
	real = realpath(path, NULL);
	if (!real) {
		cc_error_at(&cx->diag, &t->args[2]->loc, "@cast's file '%s': %s", path,
			    strerror(errno));
		return -1;
	}
	path = cc_strdup(cx->arena, real);
	free(real);
	chain = chain_of(cx, t, &n, true);
	if (cc_dwarf_cast(cx->arena, path, t->args[1]->str, chain, n, rd, &why) < 0) {
		cc_error_at(&cx->diag, &t->loc, "@cast(..., \"%s\", \"%s\"): %s", t->args[1]->str,
			    path, why);
		return -1;
	}
	if (rd->kind == CC_UREAD_STRUCT) {
		cc_error_at(&cx->diag, &t->loc,
			    "'%s' is a %s, not a value: read one of its members", rd->text, rd->type);
		return -1;
	}
	t->lhs = t->args[0];
	chain_of(cx, t, &n, false);
	t->kind = N_TARGET;
	t->name = "@cast";
	t->aux = rd;
	t->type = TY_LONG;
	return 0;
}
