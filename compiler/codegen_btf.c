// SPDX-License-Identifier: MIT
/*
 * codegen_btf.c - target variables read through BTF ($prev->comm,
 * @cast(p, "task_struct")->pid, &$skb->dev): the read of a resolved chain
 * (struct cc_btf_read, from elaborate_btf.c), the local CO-RE definitions
 * it needs, and the stash a probe reading both format fields and C
 * arguments keeps its fields in.
 *
 * CO-RE by name (docs/btf.md): each struct a chain goes through gets a
 * minimal local definition, struct task_struct___tap { char comm[16]; },
 * with preserve_access_index, holding only the members read.  clang
 * records every access as a relocation and libbpf fixes the offsets (and
 * the sizes and shifts read with __builtin_preserve_field_info) for the
 * kernel the object is loaded on, so an object compiled here reads the
 * right bytes on a kernel whose layouts differ.  Every DEREF is one
 * bpf_probe_read_kernel(); a bad pointer fails it and becomes stap's
 * runtime error ("kernel read fault"), never a verifier rejection.  In a
 * tp_btf program a chain on a C argument is loads instead (cg_btf_tp_direct,
 * cg_btf_read's "direct"), each pointer checked for NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen.h"
#include "compiler/compiler.h"
#include "taphub/record.h"

/* A local definition: the members read, each declared once. */
struct cg_local {
	struct cc_btf_type t; /* stripped */
	const char *name;     /* "struct task_struct___tap" */
	struct cc_vec fields; /* char *: declarations */
	struct cc_vec deps;   /* struct cg_local *: embedded by value, defined first */
	bool done;
};

static struct cc_btf *gen_btf(struct gen *G)
{
	struct cc_btf *b = NULL;

	/* elaboration opened it already: a read was resolved */
	cc_ctx_btf(G->cx, &b);
	return b;
}

static struct cg_local *local_of(struct gen *G, struct cc_btf *b, struct cc_btf_type t)
{
	struct cg_local *l;
	const char *tag;
	bool is_union = false;
	int i;

	t = cc_btf_strip(b, t);
	for (i = 0; i < G->btf_locals.n; i++) {
		l = G->btf_locals.v[i];
		if (l->t.mod == t.mod && l->t.id == t.id)
			return l;
	}
	tag = cc_btf_tag(b, t, &is_union);
	l = cc_alloc(G->cx->arena, sizeof(*l));
	l->t = t;
	/*
	 * libbpf matches a root type by its name without the ___ flavor;
	 * the types of nested members are matched by their shape, so an
	 * anonymous one can take any name
	 */
	if (tag && *tag) {
		l->name = cg_fmt(G, "%s %s___tap", is_union ? "union" : "struct", tag);
		/*
		 * Another type of the same name: a module's split BTF may carry
		 * its own copy of a vmlinux struct (Debian 6.1's nfs has struct
		 * inode, file, folio ... where deduplication against vmlinux
		 * failed).  A second flavor keeps the C definitions apart;
		 * libbpf still matches it by the name before the "___".
		 */
		for (i = 0; i < G->btf_locals.n; i++)
			if (!strcmp(((struct cg_local *)G->btf_locals.v[i])->name, l->name)) {
				l->name = cg_fmt(G, "%s %s___tap_m%d_%u", is_union ? "union" : "struct",
						 tag, t.mod, t.id);
				break;
			}
	} else
		l->name = cg_fmt(G, "%s th_anon%d_%u___tap", is_union ? "union" : "struct", t.mod,
				 t.id);
	cc_vec_push(G->cx->arena, &G->btf_locals, l);
	return l;
}

/* where l is among the locals: a name no other local's member takes */
static int local_index(struct gen *G, const struct cg_local *l)
{
	int i;

	for (i = 0; i < G->btf_locals.n && G->btf_locals.v[i] != l; i++)
		;
	return i;
}

static const char *int_ctype(int size, bool is_signed)
{
	static const char *const names[2][4] = {
		{ "__u8", "__u16", "__u32", "__u64" },
		{ "__s8", "__s16", "__s32", "__s64" },
	};

	return names[is_signed][size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3];
}

/*
 * The local declaration of a member of type t (declarator: its name, with
 * [N] of the arrays it is in), in the shape libbpf checks: an integer
 * for an integer (any size matches), an enum for an enum, a pointer for
 * a pointer, the element's declaration for an array, a local struct
 * (a dependency of owner) for a struct.
 */
static const char *decl_of(struct gen *G, struct cc_btf *b, struct cg_local *owner,
			   struct cc_btf_type t, const char *declarator, uint32_t bits)
{
	struct cc_btf_class c = cc_btf_classify(b, t);
	struct cg_local *l;

	switch (c.kind) {
	case CC_BTF_INT:
		if (bits)
			return cg_fmt(G, "%s %s : %u", int_ctype(c.size, c.is_signed), declarator, bits);
		return cg_fmt(G, "%s %s", c.size == 1 && !c.is_signed ? "char" : int_ctype(c.size, c.is_signed),
			      declarator);
	case CC_BTF_ENUM: {
		/*
		 * An anonymous local enum matches any enum.  Its enumerator is
		 * named for the struct and the member, not by a counter: the
		 * same member read by two probes is the same declaration (one
		 * field), and enumerators share one C scope across structs.
		 */
		char *en = cg_fmt(G, "th_enum%d_%s", local_index(G, owner), declarator);
		char *ch;

		for (ch = en; *ch; ch++)
			if (*ch == '[' || *ch == ']')
				*ch = '_';
		return cg_fmt(G, "enum { %s } %s%s", en, declarator,
			      bits ? cg_fmt(G, " : %u", bits) : "");
	}
	case CC_BTF_PTR:
		return cg_fmt(G, "void *%s", declarator);
	case CC_BTF_STRING:
		if (!c.nelem && !strchr(c.cname, '['))
			return cg_fmt(G, "void *%s", declarator); /* char * */
		return cg_fmt(G, "char %s[%d]", declarator, c.nelem);
	case CC_BTF_ARRAY:
		return decl_of(G, b, owner, cc_btf_elem(b, t), cg_fmt(G, "%s[%d]", declarator, c.nelem),
			       0);
	case CC_BTF_STRUCT:
	case CC_BTF_UNION: {
		int i;

		l = local_of(G, b, t);
		for (i = 0; i < owner->deps.n && owner->deps.v[i] != l; i++)
			;
		if (i == owner->deps.n)
			cc_vec_push(G->cx->arena, &owner->deps, l);
		return cg_fmt(G, "%s %s", l->name, declarator);
	}
	default:
		return cg_fmt(G, "char %s", declarator); /* not read (elaboration refuses it) */
	}
}

static void add_field(struct gen *G, struct cg_local *l, const char *decl)
{
	int i;

	for (i = 0; i < l->fields.n; i++)
		if (!strcmp(l->fields.v[i], decl))
			return;
	cc_vec_push(G->cx->arena, &l->fields, (void *)decl);
}

static void emit_local(FILE *o, struct cg_local *l, int depth)
{
	int i;

	if (l->done || depth > 64)
		return;
	l->done = true;
	for (i = 0; i < l->deps.n; i++)
		emit_local(o, l->deps.v[i], depth + 1);
	fprintf(o, "%s {\n", l->name);
	for (i = 0; i < l->fields.n; i++)
		fprintf(o, "\t%s;\n", (const char *)l->fields.v[i]);
	fprintf(o, "} __attribute__((preserve_access_index));\n");
}

/*
 * The local definitions the reads need, and the read of a member through
 * them: its size, byte offset and shifts are relocated, as libbpf's
 * BPF_CORE_READ_BITFIELD_PROBED reads them (for a whole member the
 * shifts only drop the bytes above its size).
 */
void cg_btf_emit_locals(struct gen *G, FILE *o)
{
	int i;

	if (!G->btf_locals.n)
		return;
	fprintf(o, "/* kernel types read through BTF: CO-RE relocated by name */\n");
	for (i = 0; i < G->btf_locals.n; i++)
		emit_local(o, G->btf_locals.v[i], 0);
	fprintf(o,
		"#define TH_CORE_FI(p, kind) __builtin_preserve_field_info(p, kind)\n"
		"#define TH_CORE_READ(H, site, sgn, base, path) ({ __u64 v_ = 0; \\\n"
		"\tif (bpf_probe_read_kernel(&v_, TH_CORE_FI(base->path, BPF_FIELD_BYTE_SIZE), \\\n"
		"\t\t(const char *)base + TH_CORE_FI(base->path, BPF_FIELD_BYTE_OFFSET)) && \\\n"
		"\t    !H->err) \\\n"
		"\t\tH->err = (site) + 1; \\\n"
		"\tv_ <<= TH_CORE_FI(base->path, BPF_FIELD_LSHIFT_U64); \\\n"
		"\t(sgn) ? (__u64)((__s64)v_ >> TH_CORE_FI(base->path, BPF_FIELD_RSHIFT_U64)) \\\n"
		"\t      : v_ >> TH_CORE_FI(base->path, BPF_FIELD_RSHIFT_U64); })\n");
	/*
	 * tp_btf: the same through a PTR_TO_BTF_ID, by a load of the
	 * relocated size (the verifier sees one constant and explores that
	 * case only, as with libbpf's BPF_CORE_READ_BITFIELD)
	 */
	fprintf(o,
		"#define TH_CORE_LOAD(sgn, base, path) ({ __u64 v_ = 0; \\\n"
		"\tconst void *p_ = (const char *)base + TH_CORE_FI(base->path, BPF_FIELD_BYTE_OFFSET); \\\n"
		"\tswitch (TH_CORE_FI(base->path, BPF_FIELD_BYTE_SIZE)) { \\\n"
		"\tcase 1: v_ = *(const __u8 *)p_; break; \\\n"
		"\tcase 2: v_ = *(const __u16 *)p_; break; \\\n"
		"\tcase 4: v_ = *(const __u32 *)p_; break; \\\n"
		"\tdefault: v_ = *(const __u64 *)p_; break; \\\n"
		"\t} \\\n"
		"\tv_ <<= TH_CORE_FI(base->path, BPF_FIELD_LSHIFT_U64); \\\n"
		"\t(sgn) ? (__u64)((__s64)v_ >> TH_CORE_FI(base->path, BPF_FIELD_RSHIFT_U64)) \\\n"
		"\t      : v_ >> TH_CORE_FI(base->path, BPF_FIELD_RSHIFT_U64); })\n\n");
}

/* "} } ": the end of open NULL checks */
static const char *closers(struct gen *G, int open)
{
	char *c = cg_fmt(G, "%*s", 2 * open, "");
	int i;

	for (i = 0; i < open; i++)
		c[2 * i] = '}';
	return c;
}

/*
 * A tp_btf program (BPF_TRACE_RAW_TP, attached by the event's
 * btf_trace_<event> type; no trampoline: the kernel calls it as it calls
 * a raw_tp one, with the same arguments) is one the verifier knows the
 * arguments of: a pointer to a struct loaded from its ctx is a
 * PTR_TO_BTF_ID, and a load through it at a member's offset is allowed
 * and JITed fault-safe (PROBE_MEM: a fault reads 0).  A member chain then
 * costs loads, not one bpf_probe_read_kernel() call per step.  The
 * verifier checks each argument the program reads against the prototype
 * and refuses a pointer to anything but a struct, a union or an integer
 * (void * too, on 6.1) or a struct passed by value: an event with such an
 * argument stays a raw_tp program.
 */
bool cg_btf_tp_direct(struct gen *G, const struct cc_dprobe *d)
{
	struct cc_btf_param *p;
	struct cc_btf *b;
	int i, n;

	if (d->kind != PK_RAWTRACE || !d->uses_args || !(b = gen_btf(G)))
		return false;
	n = cc_btf_tp_args(b, d->event, &p);
	if (n < 0)
		return false;
	for (i = 0; i < n; i++) {
		struct cc_btf_class to;

		switch (p[i].cls.kind) {
		case CC_BTF_INT:
		case CC_BTF_ENUM:
			if (p[i].cls.size > 8)
				return false;
			continue;
		case CC_BTF_STRING:
			if (p[i].cls.nelem) /* char[N]: an array by value */
				return false;
			continue;
		case CC_BTF_PTR:
			to = cc_btf_classify(b, cc_btf_elem(b, p[i].type));
			if (to.kind == CC_BTF_STRUCT || to.kind == CC_BTF_UNION || to.kind == CC_BTF_INT)
				continue;
			return false;
		default:
			return false;
		}
	}
	return true;
}

/*
 * The base of a chain on C argument r->argi.  In a tp_btf program a
 * pointer to a struct loaded from ctx is a PTR_TO_BTF_ID: a chain that
 * only loads through it (members, pointers followed, no address taken)
 * keeps it so and loads directly (*direct).  Any other use makes it a
 * number, and the verifier refuses a PTR_TO_BTF_ID in arithmetic but +
 * and - ($prev & 0xfff): that one is read as bytes (th_rawarg_num).
 */
static const char *arg_base(struct gen *G, struct cc_btf *b, const struct cc_btf_read *r,
			    bool *direct)
{
	struct cc_btf_class bc = cc_btf_classify(b, r->base);
	bool btf_ptr = G->probe && G->probe->tpbtf && bc.kind == CC_BTF_PTR &&
		       cc_btf_tag(b, cc_btf_elem(b, r->base), &(bool){ false });

	*direct = btf_ptr && r->acc.nsteps && r->acc.steps[0].op == CC_BTF_DEREF &&
		  r->mode != CC_BTF_READ_ADDR && !cc_btf_ptr_tagged(b, r->base);
	return cg_fmt(G, "%s(ctx, %d)", btf_ptr && !*direct ? "th_rawarg_num" : "th_rawarg",
		      r->argi);
}

/*
 * The read of chain r on the value base (a C expression of the base, a
 * pointer or, for @cast, the address of the struct; NULL: the C argument
 * r->argi of the probe's program), for any caller: a tracepoint's C
 * argument, @cast's pointer, a function's parameter.  n gives the runtime
 * indexes (its args) and the place of its errors.
 *
 * The walk keeps the address of the current object (a) and, while
 * members are taken, the local type of the object a points to (root),
 * the one that gets the next member (cur) and the C path from root
 * (".se.vruntime"): a member of an embedded struct is one relocated
 * access from the root.  A DEREF loads the pointer at the path and
 * starts again from what it points to; an INDEX moves a by the index
 * times the element's size on this kernel (array elements keep their
 * size across kernels; their members do not, and stay relocated).
 *
 * direct (arg_base): a is a PTR_TO_BTF_ID, loaded through, while the
 * objects followed are structs and no INDEX came (the verifier refuses a
 * load at a variable offset; a pointer to an integer loads a number).
 * A fault there reads 0 instead of failing, so each pointer followed is
 * checked for NULL first: the common bad pointer stays stap's "kernel
 * read fault", and the loads after it are not run (on kernels that mark
 * an argument maybe-NULL the verifier requires that check).  The value
 * is built in v (or the string temporary t) inside those checks.
 */
const char *cg_btf_read(struct gen *G, const char *base, const struct cc_btf_read *r,
			struct cc_node *n)
{
	struct cc_btf *b = gen_btf(G);
	const struct cc_btf_access *acc = &r->acc;
	struct cc_btf_class bc = cc_btf_classify(b, r->base);
	struct cg_local *root = NULL, *cur = NULL;
	struct cc_btf_type ptype = r->base; /* the pointer the next DEREF follows */
	const char *path = "", *t = NULL, *val;
	char *code;
	int u = cg_uniq(G), i, k = 0, ai = 0, site, open = 0;
	bool loaded = false, direct = false;

	if (!G->kernel) /* @cast in a begin, end or timer probe */
		return cg_kread_chain(G, base, r, n);
	if (!base)
		base = arg_base(G, b, r, &direct);
	site = cg_add_site(G, TH_ERR_STRREAD, "kernel read fault",
			   cg_fmt(G, "identifier '%s'", n->name ? n->name : "$"), &n->loc);
	code = cg_fmt(G, "({ __u64 a%d = (__u64)(%s); ", u, base);
	if (!acc->nsteps)
		return cg_fmt(G, "%s%sa%d; })", code, cg_int_cast(bc.size, bc.is_signed), u);
	if (direct && r->mode == CC_BTF_READ_STRING) {
		t = cg_temp(G);
		code = cg_fmt(G, "%s%s[0] = 0; ", code, t);
	} else if (direct) {
		code = cg_fmt(G, "%s__s64 v%d = 0; ", code, u);
	}
	if (bc.kind == CC_BTF_STRUCT || bc.kind == CC_BTF_UNION) {
		/* @cast(p, "task_struct"): p is the struct's address */
		if (!cc_btf_is_header(b, r->base))
			root = cur = local_of(G, b, r->base);
		loaded = true;
	}
	for (i = 0; i < acc->nsteps; i++) {
		const struct cc_btf_step *s = &acc->steps[i];

		switch (s->op) {
		case CC_BTF_DEREF:
			direct = direct && !cc_btf_ptr_tagged(b, ptype);
			if (loaded && *path && direct)
				code = cg_fmt(G, "%sa%d = (__u64)((%s *)a%d)->%s; ", code, u, root->name, u,
					      path + 1);
			else if (loaded && *path)
				code = cg_fmt(G, "%sa%d = TH_CORE_READ(H, %d, 0, ((%s *)a%d), %s); ", code, u,
					      site, root->name, u, path + 1);
			else if (loaded) /* a pointer that is an array's element */
				code = cg_fmt(G, "%sa%d = th_read_mem(H, a%d, 8, false, %d); ", code, u, u,
					      site);
			if (direct) {
				code = cg_fmt(G, "%sif (!a%d) %s; else { ", code, u, cg_err_set(G, site));
				open++;
			}
			loaded = true;
			root = cur = NULL;
			path = "";
			if (cc_btf_tag(b, s->type, &(bool){ false }) && !cc_btf_is_header(b, s->type))
				root = cur = local_of(G, b, s->type);
			else
				direct = false; /* a pointer to a number: the verifier loads a number */
			break;
		case CC_BTF_MEMBER:
			/*
			 * A header's type (btf_header.c) is not the kernel's: no
			 * relocation finds it there, and its layout is the
			 * header's ABI, so its member is at the header's offset
			 * (an anonymous parent's too)
			 */
			if (cc_btf_is_header(b, s->owner)) {
				if (s->bitfield_size)
					cc_error_at(&G->cx->diag, &n->loc,
						    "'%s' is a bitfield of a header's type, which "
						    "taphub does not read",
						    s->member ? s->member : "(anonymous)");
				code = cg_fmt(G, "%sa%d += %lld; ", code, u, (long long)s->offset);
				ptype = s->type;
				break;
			}
			if (s->anon)
				break; /* libbpf finds a member through its anonymous parents */
			add_field(G, cur, decl_of(G, b, cur, s->type, s->member, s->bitfield_size));
			path = cg_fmt(G, "%s.%s", path, s->member);
			ptype = s->type;
			if (cc_btf_tag(b, s->type, &(bool){ false }))
				cur = local_of(G, b, s->type);
			break;
		case CC_BTF_INDEX: {
			/* a runtime index is the node's next arg (elaboration resolved them there) */
			struct cc_node *ix = r->idx && r->idx[k] ? n->args[ai++] : NULL;
			struct cc_btf_type et = s->type;
			struct cc_btf_class ec = cc_btf_classify(b, et);
			struct cc_btf_class ac = cc_btf_classify(b, s->owner);
			const char *iv = ix ? cg_ex(G, ix) : cg_num(G, s->index);

			k++;
			direct = false;
			if (*path)
				code = cg_fmt(G, "%sa%d = (__u64)&((%s *)a%d)->%s; ", code, u, root->name, u,
					      path + 1);
			if (ix && ac.kind != CC_BTF_PTR && ac.nelem > 0) {
				int bs = cg_add_site(G, TH_ERR_STRREAD, "index out of bounds",
						     cg_fmt(G, "identifier '%s'", n->name), &n->loc);

				code = cg_fmt(G,
					      "%s{ __s64 i%d = %s; if (i%d < 0 || i%d >= %d) { %s; a%d = 0; } "
					      "else a%d += (__u64)i%d * %d; } ",
					      code, u, iv, u, u, ac.nelem, cg_err_set(G, bs), u, u, u,
					      ec.size);
			} else {
				code = cg_fmt(G, "%sa%d += (__u64)(%s) * %d; ", code, u, iv, ec.size);
			}
			path = "";
			root = cur = NULL;
			if (cc_btf_tag(b, et, &(bool){ false }) && !cc_btf_is_header(b, et))
				root = cur = local_of(G, b, et);
			break;
		}
		}
	}
	switch (r->mode) {
	case CC_BTF_READ_ADDR:
		if (*path)
			return cg_fmt(G, "%s(__s64)&((%s *)a%d)->%s; })", code, root->name, u, path + 1);
		return cg_fmt(G, "%s(__s64)a%d; })", code, u);
	case CC_BTF_READ_STRING: {
		int ss = cg_add_site(G, TH_ERR_STRREAD, "kernel string copy fault",
				     cg_fmt(G, "identifier '%s'", n->name), &n->loc);

		if (direct && *path && acc->cls.nelem > 0 && acc->cls.nelem <= G->cx->lim.strlen)
			/* a char[N] of the object: its bytes loaded, no fault to report */
			return cg_fmt(G, "%sth_load_karr(%s, (const char *)&((%s *)a%d)->%s, %d); %s%s; })",
				      code, t, root->name, u, path + 1, acc->cls.nelem,
				      closers(G, open), t);
		if (!t)
			t = cg_temp(G);
		if (*path)
			code = cg_fmt(G, "%sa%d = (__u64)&((%s *)a%d)->%s; ", code, u, root->name, u,
				      path + 1);
		/* a char[N] that fits a string: read whole (th_read_karr) */
		if (acc->cls.nelem > 0 && acc->cls.nelem <= G->cx->lim.strlen)
			code = cg_fmt(G, "%sif (!th_read_karr(%s, a%d, %d)) %s; ", code, t, u,
				      acc->cls.nelem, cg_err_set(G, ss));
		else
			code = cg_fmt(G, "%sif (!th_read_str(%s, a%d, %d, false)) %s; ", code, t, u,
				      acc->cls.nelem ? acc->cls.nelem - 1 : 0, cg_err_set(G, ss));
		return cg_fmt(G, "%s%s%s; })", code, closers(G, open), t);
	}
	default:
		if (direct && *path && acc->cls.kind != CC_BTF_PTR && acc->cls.kind != CC_BTF_STRING)
			val = cg_fmt(G, "(__s64)TH_CORE_LOAD(%d, ((%s *)a%d), %s)", acc->cls.is_signed,
				     root->name, u, path + 1);
		else if (*path)
			val = cg_fmt(G, "(__s64)TH_CORE_READ(H, %d, %d, ((%s *)a%d), %s)", site,
				     acc->cls.is_signed, root->name, u, path + 1);
		else
			val = cg_fmt(G, "%sth_read_mem(H, a%d, %d, false, %d)",
				     cg_int_cast(acc->cls.size, acc->cls.is_signed), u, acc->cls.size, site);
		if (!open)
			return cg_fmt(G, "%s%s; })", code, val);
		return cg_fmt(G, "%sv%d = %s; %sv%d; })", code, u, val, closers(G, open), u);
	}
}

/* ---- tracepoint probes reading format fields and C arguments --------------------------- */

/*
 * Bytes of the trace record a stash keeps: the fixed part and, when a
 * string field (__data_loc) is there, a string's worth after it.
 */
static int stash_bytes(const struct gen *G, const struct cc_dprobe *d)
{
	int i, n = 8;
	bool dl = false;

	for (i = 0; i < d->tpf->nfields; i++) {
		const struct cc_tpfield *f = &d->tpf->fields[i];

		if (f->offset + f->size > n)
			n = f->offset + f->size;
		dl |= f->kind == CC_TPF_DATALOC_STR;
	}
	if (dl)
		n += (int)G->cx->lim.maxstringlen;
	return (n + 7) & ~7;
}

/*
 * A probe that reads both is two programs on its event (docs/btf.md):
 * th_qN, a tp/ program attached first, copies the record into a per-CPU
 * stash and marks it valid; th_pN, the raw_tp program attached after it,
 * runs the body, which takes the stash (cg_btf_stash_take).  The
 * tracepoint calls its callbacks in priority order and, at equal
 * priority (both are registered with TRACEPOINT_DEFAULT_PRIO), in the
 * order they were registered (kernel/tracepoint.c func_add() inserts a
 * new probe after those of the same priority): the perf callback of the
 * tp/ program is registered when it attaches, before the raw_tp one.
 */
void cg_btf_stash_decl(struct gen *G, FILE *o, const struct cc_dprobe *d)
{
	(void)G;
	fprintf(o,
		"struct th_stash_p%d { __u64 valid; char rec[%d]; };\n"
		"struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, 1);\n"
		"\t__type(key, __u32);\n\t__type(value, struct th_stash_p%d);\n} th_stash%d "
		"SEC(\".maps\");\n\n",
		d->index, stash_bytes(G, d), d->index, d->index);
}

void cg_btf_stash_prog(struct gen *G, FILE *o, const struct cc_dprobe *d)
{
	fprintf(o,
		"SEC(\"tp/%s/%s\")\nint th_q%d(void *ctx)\n{\n\t__u32 k = 0;\n"
		"\tstruct th_stash_p%d *s = bpf_map_lookup_elem(&th_stash%d, &k);\n\n"
		"\tif (!s)\n\t\treturn 0;\n"
		"\t/* the record ends inside the per-CPU perf trace buffer: the copy cannot fault */\n"
		"\tbpf_probe_read_kernel(s->rec, sizeof(s->rec), ctx);\n"
		"\ts->valid = 1;\n\treturn 0;\n}\n\n",
		d->subsys, d->event, d->index, d->index, d->index);
	(void)G;
}

/*
 * The body's first statement: take the stash, once.  A stash that is not
 * valid means the tp/ program did not run for this event: the kernel
 * skips a perf tracepoint's program while a BPF program or a map update
 * from user space holds this CPU's bpf_prog_active (such a switch is
 * common on a busy machine), or an event nested in another took it.  The
 * run is then skipped and counted (stap's "skipped probes"), never run
 * with another event's fields.
 */
void cg_btf_stash_take(struct gen *G, struct cc_dprobe *d)
{
	cg_emit(G, "__u32 th_k0 = 0;\n");
	cg_emit(G, "struct th_stash_p%d *th_st = bpf_map_lookup_elem(&th_stash%d, &th_k0);\n",
		d->index, d->index);
	cg_emit(G, "if (!th_st || !th_st->valid) {\n");
	cg_emit(G, "\tth_count(%d, 3);\n\treturn 0;\n}\n", d->cls);
	cg_emit(G, "th_st->valid = 0;\n");
	cg_emit(G, "const char *th_rec = th_st->rec;\n");
}
