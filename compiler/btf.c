// SPDX-License-Identifier: MIT
/*
 * Kernel types from BTF, for target variables ($prev->comm, @cast,
 * $$parms) without debuginfo.  See the btf.c section of compiler.h for
 * the model (CO-RE by name) and docs/btf.md for how stap's syntax maps
 * onto it.
 *
 * vmlinux BTF is opened once per compile; a module's split BTF (a file
 * named for the module beside vmlinux, /sys/kernel/btf/<mod>) only when
 * @cast names the module.  Types are handled as (module, id) pairs and
 * stripped of typedef/const/volatile wherever their meaning is asked;
 * their C spelling is kept unstripped for messages and listings.
 * Everything returned is allocated from the cc_btf's arena.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "compiler/compiler.h"

#define BTF_DEFAULT_PATH "/sys/kernel/btf/vmlinux"
/* vmlinux plus the modules @cast may name: each module is a few hundred KB of BTF */
#define BTF_MAX_MODS 32
/*
 * Bound of the type-graph walks (typedef chains, nested anonymous members,
 * C spellings of pointers to arrays of ...): the kernel's deepest chains
 * are well under ten, so this only guards against a corrupt or cyclic file.
 */
#define BTF_MAX_DEPTH 32
/* Member names longer than this are never suggested (the kernel's are < 64). */
#define BTF_SUGGEST_NAME_MAX 128
/* How many equally near names "did you mean" offers. */
#define BTF_SUGGEST_MAX 3

struct btf_mod {
	const char *name; /* "kernel" for vmlinux */
	struct btf *btf;
	bool header;      /* a C header's types, compiled (btf_header.c): not the kernel's */
};

struct cc_btf {
	struct cc_arena *arena;
	const char *dir; /* where the modules' BTF files are: vmlinux's directory */
	struct btf_mod mods[BTF_MAX_MODS];
	int nmods;
	const char *msg;
};

/* One member found by name: the struct/union it is in and its index there. */
struct member_hit {
	uint32_t owner;
	int idx;
};

static int fail(struct cc_btf *b, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct cc_btf *b, int err, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = cc_alloc(b->arena, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->msg = s;
	return err;
}

const char *cc_btf_error(const struct cc_btf *b)
{
	return b && b->msg ? b->msg : "no error";
}

int cc_btf_open(const char *path, struct cc_btf **ret)
{
	struct cc_btf *b;
	struct btf *btf;
	const char *slash;
	int err;

	if (!path)
		path = getenv("TAPHUB_BTF");
	/* libbpf 1.x returns NULL and sets errno on failure */
	btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	if (!btf) {
		err = errno ? -errno : -ENOENT;
		return err;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		btf__free(btf);
		return -ENOMEM;
	}
	b->arena = cc_arena_new();
	if (!path)
		path = BTF_DEFAULT_PATH;
	slash = strrchr(path, '/');
	b->dir = slash ? cc_strndup(b->arena, path, (size_t)(slash - path)) : ".";
	b->mods[0].name = "kernel";
	b->mods[0].btf = btf;
	b->nmods = 1;
	*ret = b;
	return 0;
}

void cc_btf_close(struct cc_btf *b)
{
	int i;

	if (!b)
		return;
	/* modules are split BTF on top of vmlinux: free them first */
	for (i = b->nmods - 1; i >= 0; i--)
		btf__free(b->mods[i].btf);
	cc_arena_free(b->arena);
	free(b);
}

int cc_ctx_btf(struct cc_ctx *cx, struct cc_btf **ret)
{
	int err;

	if (!cx->btf) {
		err = cc_btf_open(NULL, &cx->btf);
		if (err)
			return err;
	}
	*ret = cx->btf;
	return 0;
}

/* Module by name, its split BTF loaded on first use; -errno when it has none. */
static int module_get(struct cc_btf *b, const char *name, size_t len)
{
	struct btf *btf;
	char *path;
	int i;

	for (i = 0; i < b->nmods; i++)
		if (strlen(b->mods[i].name) == len && !strncmp(b->mods[i].name, name, len))
			return i;
	if (b->nmods == BTF_MAX_MODS)
		return -E2BIG;
	if (!len || memchr(name, '/', len) || (len <= 2 && name[0] == '.'))
		return -EINVAL;
	path = cc_sprintf(b->arena, "%s/%.*s", b->dir, (int)len, name);
	btf = btf__parse_split(path, b->mods[0].btf);
	if (!btf)
		return errno ? -errno : -ENOENT;
	b->mods[b->nmods].name = cc_strndup(b->arena, name, len);
	b->mods[b->nmods].btf = btf;
	return b->nmods++;
}

/*
 * The BTF of type in header ("uapi/linux/if_alg.h"), compiled on first
 * use and kept as a module of its own; -errno with the reason in b->msg.
 */
static int header_get(struct cc_btf *b, const char *header, size_t len, const char *type)
{
	const char *name = cc_sprintf(b->arena, "%s<%.*s>", type, (int)len, header);
	const char *hdr = cc_strndup(b->arena, header, len), *why = NULL;
	struct btf *btf;
	int i, r;

	for (i = 0; i < b->nmods; i++)
		if (b->mods[i].header && !strcmp(b->mods[i].name, name))
			return i;
	if (b->nmods == BTF_MAX_MODS)
		return fail(b, -E2BIG, "too many modules and headers");
	r = cc_btf_header_compile(b->arena, hdr, type, &btf, &why);
	if (r)
		return fail(b, r, "type '%s' of header <%s> cannot be read: %s", type, hdr, why);
	b->mods[b->nmods].name = name;
	b->mods[b->nmods].btf = btf;
	b->mods[b->nmods].header = true;
	return b->nmods++;
}

bool cc_btf_is_header(const struct cc_btf *b, struct cc_btf_type t)
{
	return t.mod > 0 && t.mod < b->nmods && b->mods[t.mod].header;
}

static const struct btf *mod_btf(const struct cc_btf *b, int mod)
{
	return mod >= 0 && mod < b->nmods ? b->mods[mod].btf : NULL;
}

/* Skip typedef, const, volatile, restrict and type tags; 0 (void) stays 0. */
static uint32_t strip(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;
	int i;

	for (i = 0; i < BTF_MAX_DEPTH && id; i++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return id;
}

static const char *name_of(const struct btf *btf, const struct btf_type *t)
{
	const char *s = btf__name_by_offset(btf, t->name_off);

	return s ? s : "";
}

/* The C spelling of a type, as stap's listings show it ("struct task_struct*", "char[16]"). */
static const char *cname(struct cc_btf *b, const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t;
	const char *name;

	if (!id)
		return "void";
	t = btf__type_by_id(btf, id);
	if (!t || depth > BTF_MAX_DEPTH)
		return "?";
	name = name_of(btf, t);
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return cc_sprintf(b->arena, "struct %s", *name ? name : "(anon)");
	case BTF_KIND_UNION:
		return cc_sprintf(b->arena, "union %s", *name ? name : "(anon)");
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return cc_sprintf(b->arena, "enum %s", *name ? name : "(anon)");
	case BTF_KIND_FWD:
		return cc_sprintf(b->arena, "%s %s", btf_kflag(t) ? "union" : "struct", name);
	case BTF_KIND_CONST:
		return cc_sprintf(b->arena, "const %s", cname(b, btf, t->type, depth + 1));
	case BTF_KIND_VOLATILE:
		return cc_sprintf(b->arena, "volatile %s", cname(b, btf, t->type, depth + 1));
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return cname(b, btf, t->type, depth + 1);
	case BTF_KIND_PTR: {
		const struct btf_type *to = btf__type_by_id(btf, t->type);

		if (to && btf_is_func_proto(to))
			return cc_sprintf(b->arena, "%s (*)()", cname(b, btf, to->type, depth + 1));
		/* stap's spelling in -L listings: "struct task_struct*", "char**" */
		return cc_sprintf(b->arena, "%s*", cname(b, btf, t->type, depth + 1));
	}
	case BTF_KIND_ARRAY:
		return cc_sprintf(b->arena, "%s[%u]", cname(b, btf, btf_array(t)->type, depth + 1),
				  btf_array(t)->nelems);
	case BTF_KIND_FUNC_PROTO:
		return cc_sprintf(b->arena, "%s ()", cname(b, btf, t->type, depth + 1));
	default: /* int, float, typedef, func */
		return *name ? name : "?";
	}
}

/*
 * Whether id is plain char: only "char" arrays and pointers are strings,
 * as in stap; u8 buffers (unsigned char) stay arrays of numbers.
 */
static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, strip(btf, id));

	return t && btf_is_int(t) && t->size == 1 && !strcmp(name_of(btf, t), "char");
}

struct cc_btf_class cc_btf_classify(struct cc_btf *b, struct cc_btf_type ty)
{
	struct cc_btf_class c = {.kind = CC_BTF_OTHER, .cname = "?"};
	const struct btf *btf = mod_btf(b, ty.mod);
	const struct btf_type *t;
	uint32_t id;
	long sz;

	if (!btf)
		return c;
	c.cname = cname(b, btf, ty.id, 0);
	id = strip(btf, ty.id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return c;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		c.kind = CC_BTF_INT;
		c.size = (int)t->size;
		c.is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		c.kind = CC_BTF_ENUM;
		c.size = (int)t->size;
		c.is_signed = btf_kflag(t);
		break;
	case BTF_KIND_PTR:
		c.kind = is_char(btf, t->type) ? CC_BTF_STRING : CC_BTF_PTR;
		c.size = (int)btf__pointer_size(btf);
		break;
	case BTF_KIND_ARRAY:
		sz = btf__resolve_size(btf, id);
		c.size = sz > 0 ? (int)sz : 0;
		c.nelem = (int)btf_array(t)->nelems;
		if (is_char(btf, btf_array(t)->type)) {
			c.kind = CC_BTF_STRING;
		} else {
			c.kind = CC_BTF_ARRAY;
			sz = btf__resolve_size(btf, btf_array(t)->type);
			c.elem_size = sz > 0 ? (int)sz : 0;
		}
		break;
	case BTF_KIND_STRUCT:
		c.kind = CC_BTF_STRUCT;
		c.size = (int)t->size;
		break;
	case BTF_KIND_UNION:
		c.kind = CC_BTF_UNION;
		c.size = (int)t->size;
		break;
	default:
		break;
	}
	return c;
}

/* ---- members -------------------------------------------------------------------- */

/*
 * Find name among the members of struct/union sid, looking through
 * anonymous struct/union members as C does.  Fills hits[] outermost
 * first; returns how many (0: not there).
 */
static int find_member(const struct btf *btf, uint32_t sid, const char *name,
		       struct member_hit *hits, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid), *mt;
	const struct btf_member *m;
	int i, n;

	if (!t || !btf_is_composite(t) || depth >= BTF_MAX_DEPTH)
		return 0;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		const char *mname = btf__name_by_offset(btf, m[i].name_off);

		hits[depth] = (struct member_hit){.owner = sid, .idx = i};
		if (mname && *mname) {
			if (!strcmp(mname, name))
				return depth + 1;
			continue;
		}
		mt = btf__type_by_id(btf, strip(btf, m[i].type));
		if (mt && btf_is_composite(mt)) {
			n = find_member(btf, strip(btf, m[i].type), name, hits, depth + 1);
			if (n)
				return n;
		}
	}
	return 0;
}

/* The names a script can write after sid->, anonymous members flattened, in order. */
static void member_names(struct cc_btf *b, const struct btf *btf, uint32_t sid, struct cc_vec *out,
			 int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid), *mt;
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth >= BTF_MAX_DEPTH)
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		const char *mname = btf__name_by_offset(btf, m[i].name_off);

		if (mname && *mname) {
			cc_vec_push(b->arena, out, (void *)mname);
			continue;
		}
		/* an unnamed bitfield is padding; an unnamed struct/union is flattened */
		mt = btf__type_by_id(btf, strip(btf, m[i].type));
		if (mt && btf_is_composite(mt))
			member_names(b, btf, strip(btf, m[i].type), out, depth + 1);
	}
}

/* Levenshtein distance, or INT32_MAX when a name is too long to compare. */
static int edit_distance(const char *a, const char *b)
{
	int row[BTF_SUGGEST_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;
	int diag, up;

	if (la > BTF_SUGGEST_NAME_MAX || lb > BTF_SUGGEST_NAME_MAX)
		return INT32_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* "struct task_struct has no member 'coom'; did you mean 'comm'?" */
static int no_member(struct cc_btf *b, const struct btf *btf, uint32_t sid, const char *owner,
		     const char *name)
{
	struct cc_vec names = {0};
	const char *best[BTF_SUGGEST_MAX];
	int i, d, nbest = 0, bestd = INT32_MAX;
	/* farther than a third of the name (at least 2 edits) is another name, not a typo */
	int limit = (int)strlen(name) / 3 > 2 ? (int)strlen(name) / 3 : 2;
	const char *hint = "";

	member_names(b, btf, sid, &names, 0);
	for (i = 0; i < names.n; i++) {
		d = edit_distance(name, names.v[i]);
		if (d > limit || d > bestd)
			continue;
		if (d < bestd) {
			bestd = d;
			nbest = 0;
		}
		if (nbest < BTF_SUGGEST_MAX)
			best[nbest++] = names.v[i];
	}
	for (i = 0; i < nbest; i++)
		hint = cc_sprintf(b->arena, "%s%s'%s'", hint,
				  i == 0	   ? "; did you mean "
				  : i == nbest - 1 ? " or "
						   : ", ",
				  best[i]);
	return fail(b, -ENOENT, "%s has no member '%s'%s%s", owner, name, hint, nbest ? "?" : "");
}

int cc_btf_resolve(struct cc_btf *b, struct cc_btf_type base, const struct cc_btf_path_elem *path,
		   int npath, struct cc_btf_access *ret)
{
	const struct btf *btf = mod_btf(b, base.mod);
	struct member_hit hits[BTF_MAX_DEPTH];
	struct cc_btf_step *steps, *s;
	const struct btf_type *t;
	uint32_t cur = base.id, id, bitfield = 0;
	int k, j, n, nsteps = 0;
	long esz;

	if (!btf)
		return fail(b, -EINVAL, "no BTF for module #%d", base.mod);
	/* at most a deref, a member chain as deep as the anonymous nesting, per element */
	steps =
	    cc_alloc(b->arena, sizeof(*steps) * (size_t)(npath ? npath : 1) * (BTF_MAX_DEPTH + 1));
	for (k = 0; k < npath; k++) {
		bool deref = false;

		id = strip(btf, cur);
		t = id ? btf__type_by_id(btf, id) : NULL;
		if (t && btf_is_ptr(t)) {
			deref = true;
			s = &steps[nsteps++];
			*s = (struct cc_btf_step){.op = CC_BTF_DEREF,
						  .owner = {base.mod, id},
						  .type = {base.mod, t->type}};
			cur = t->type;
			id = strip(btf, cur);
			t = id ? btf__type_by_id(btf, id) : NULL;
		}
		/*
		 * p[i] on a pointer: the i-th object it points to; on a struct
		 * base before any step (@cast(p, "T")[i]) the same, as p were
		 * a T * (&@cast(0, "T")[1] is its size)
		 */
		if (!path[k].member &&
		    (deref || (!nsteps && t && btf_is_composite(t)))) {
			esz = btf__resolve_size(btf, cur);
			if (esz <= 0)
				return fail(b, -EINVAL, "cannot index %s: it has no size",
					    cname(b, btf, cur, 0));
			steps[nsteps++] = (struct cc_btf_step){.op = CC_BTF_INDEX,
							       .owner = {base.mod, id},
							       .index = path[k].index,
							       .type = {base.mod, cur},
							       .offset = path[k].index * esz};
			bitfield = 0;
			continue;
		}
		if (!path[k].member) {
			if (!t || !btf_is_array(t))
				return fail(b, -EINVAL,
					    "%s is not an array or pointer: cannot index it",
					    cname(b, btf, cur, 0));
			n = (int)btf_array(t)->nelems;
			/* nelems 0 is a flexible array member: its length is not in the type */
			if (path[k].index < 0 || (n && path[k].index >= n))
				return fail(b, -EINVAL, "index %lld is out of the bounds of %s",
					    (long long)path[k].index, cname(b, btf, cur, 0));
			esz = btf__resolve_size(btf, btf_array(t)->type);
			if (esz <= 0)
				return fail(b, -EINVAL,
					    "cannot index %s: its elements have no size",
					    cname(b, btf, cur, 0));
			s = &steps[nsteps++];
			*s = (struct cc_btf_step){.op = CC_BTF_INDEX,
						  .owner = {base.mod, id},
						  .index = path[k].index,
						  .type = {base.mod, btf_array(t)->type},
						  .offset = path[k].index * esz};
			cur = btf_array(t)->type;
			bitfield = 0;
			continue;
		}
		if (!t || !btf_is_composite(t))
			return fail(b, -EINVAL,
				    "%s is not a struct or union: it has no member '%s'",
				    cname(b, btf, cur, 0), path[k].member);
		n = find_member(btf, id, path[k].member, hits, 0);
		if (!n)
			return no_member(b, btf, id, cname(b, btf, id, 0), path[k].member);
		for (j = 0; j < n; j++) {
			const struct btf_type *ot = btf__type_by_id(btf, hits[j].owner);
			const struct btf_member *m = btf_members(ot) + hits[j].idx;
			uint32_t bits = btf_member_bit_offset(ot, (uint32_t)hits[j].idx);

			bitfield = btf_member_bitfield_size(ot, (uint32_t)hits[j].idx);
			s = &steps[nsteps++];
			*s = (struct cc_btf_step){
			    .op = CC_BTF_MEMBER,
			    .owner = {base.mod, hits[j].owner},
			    .owner_name = cname(b, btf, hits[j].owner, 0),
			    .member = j == n - 1 ? path[k].member : NULL,
			    .anon = j < n - 1,
			    .type = {base.mod, m->type},
			    .offset = bits / 8,
			    /* little-endian: bits counted from the byte's lowest */
			    .bit_offset = bitfield ? bits % 8 : 0,
			    .bitfield_size = bitfield};
			cur = m->type;
		}
	}
	memset(ret, 0, sizeof(*ret));
	ret->steps = steps;
	ret->nsteps = nsteps;
	ret->type = (struct cc_btf_type){base.mod, cur};
	ret->cls = cc_btf_classify(b, ret->type);
	ret->bitfield_size = bitfield;
	return 0;
}

int cc_btf_pretty_plan(struct cc_btf *b, struct cc_btf_type ty, struct cc_btf_param **ret)
{
	const struct btf *btf = mod_btf(b, ty.mod);
	const struct btf_type *t;
	struct cc_vec names = {0};
	struct cc_btf_param *p;
	struct cc_btf_path_elem e;
	uint32_t id;
	int i, err;

	if (!btf)
		return fail(b, -EINVAL, "no BTF for module #%d", ty.mod);
	id = strip(btf, ty.id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (t && btf_is_ptr(t)) {
		id = strip(btf, t->type);
		t = id ? btf__type_by_id(btf, id) : NULL;
	}
	if (!t || !btf_is_composite(t))
		return fail(b, -EINVAL, "%s is not a struct or union: nothing to pretty-print",
			    cname(b, btf, ty.id, 0));
	member_names(b, btf, id, &names, 0);
	p = cc_alloc(b->arena, sizeof(*p) * (size_t)(names.n ? names.n : 1));
	for (i = 0; i < names.n; i++) {
		e = (struct cc_btf_path_elem){.member = names.v[i]};
		err = cc_btf_resolve(b, (struct cc_btf_type){ty.mod, id}, &e, 1, &p[i].acc);
		if (err)
			return err;
		p[i].name = names.v[i];
		p[i].type = p[i].acc.type;
		p[i].cls = p[i].acc.cls;
	}
	*ret = p;
	return names.n;
}

/* ---- functions and tracepoints --------------------------------------------------- */

/*
 * The parameters of proto (in module mod's BTF) from skip on; names from
 * named (a proto of the same shape) if any.
 */
static int params(struct cc_btf *b, int mod, uint32_t proto, uint32_t named, int skip,
		  struct cc_btf_param **ret)
{
	const struct btf *btf = b->mods[mod].btf;
	const struct btf_type *t = btf__type_by_id(btf, proto);
	const struct btf_type *nt = named ? btf__type_by_id(btf, named) : NULL;
	const struct btf_param *pa, *na;
	struct cc_btf_param *p;
	int i, n, vlen;

	if (!t || !btf_is_func_proto(t))
		return fail(b, -EINVAL, "type %u is not a function prototype", proto);
	vlen = btf_vlen(t);
	/* a variadic proto ends with a param of type 0: not an argument */
	if (vlen && !btf_params(t)[vlen - 1].type)
		vlen--;
	if (nt && (!btf_is_func_proto(nt) || btf_vlen(nt) != btf_vlen(t)))
		nt = NULL;
	pa = btf_params(t);
	na = nt ? btf_params(nt) : NULL;
	n = vlen > skip ? vlen - skip : 0;
	p = cc_alloc(b->arena, sizeof(*p) * (size_t)(n ? n : 1));
	for (i = 0; i < n; i++) {
		const char *name = btf__name_by_offset(btf, pa[skip + i].name_off);

		if ((!name || !*name) && na)
			name = btf__name_by_offset(btf, na[skip + i].name_off);
		/* no name anywhere: stap's $argN spelling of unnamed parameters */
		p[i].name = name && *name ? name : cc_sprintf(b->arena, "arg%d", i + 1);
		p[i].type = (struct cc_btf_type){mod, pa[skip + i].type};
		p[i].cls = cc_btf_classify(b, p[i].type);
	}
	*ret = p;
	return n;
}

static uint32_t func_proto(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;

	return t ? t->type : 0;
}

/*
 * The module a tracepoint of no vmlinux BTF is defined in: the one
 * /proc/kallsyms puts its __traceiter_<event> in ("... t __traceiter_x
 * [mod]"); -ENOENT when none.
 */
static int tp_module(struct cc_btf *b, const char *event)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], *want = cc_sprintf(b->arena, " __traceiter_%s\t[", event);
	int mod = -ENOENT;

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want), *e;

		if (!p)
			continue;
		p += strlen(want);
		e = strchr(p, ']');
		if (e)
			mod = module_get(b, p, (size_t)(e - p));
		break;
	}
	fclose(f);
	return mod;
}

int cc_btf_tp_args(struct cc_btf *b, const char *event, struct cc_btf_param **ret)
{
	const struct btf *btf = b->mods[0].btf;
	const char *tname = cc_sprintf(b->arena, "btf_trace_%s", event);
	const struct btf_type *t;
	uint32_t proto, named;
	int id, mod = 0;

	id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id <= 0) {
		/* a module's event: its split BTF has the typedef (and finds vmlinux's types too) */
		mod = tp_module(b, event);
		btf = mod_btf(b, mod);
		id = btf ? btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF) : -ENOENT;
	}
	if (id <= 0)
		return fail(b, -ENOENT, "no tracepoint '%s' in the kernel's BTF", event);
	/* typedef void (*btf_trace_<event>)(void *ctx, args...) */
	t = btf__type_by_id(btf, strip(btf, (uint32_t)id));
	if (!t || !btf_is_ptr(t) || !(t = btf__type_by_id(btf, t->type)) || !btf_is_func_proto(t))
		return fail(b, -EINVAL, "btf_trace_%s is not a pointer to a function", event);
	proto = btf__type_by_id(btf, strip(btf, (uint32_t)id))->type;
	/*
	 * The typedef's parameters have no names.  __traceiter_<event> takes
	 * the same (void *__data, args...) and has them; __bpf_trace_<event>
	 * too, for events that are their own class.
	 */
	named = func_proto(btf, cc_sprintf(b->arena, "__traceiter_%s", event));
	if (!named)
		named = func_proto(btf, cc_sprintf(b->arena, "__bpf_trace_%s", event));
	return params(b, mod, proto, named, 1, ret);
}

/*
 * The BTF a function is in: vmlinux's, or (module not NULL) the module's
 * split BTF, whose ids continue vmlinux's and which finds both.
 */
static int func_mod(struct cc_btf *b, const char *module)
{
	int mod = module ? module_get(b, module, strlen(module)) : 0;

	if (mod < 0)
		return fail(b, mod, "no BTF for module '%s' (%s/%s: %s)", module, b->dir, module,
			    strerror(-mod));
	return mod;
}

int cc_btf_func_args(struct cc_btf *b, const char *module, const char *func,
		     struct cc_btf_param **ret)
{
	int mod = func_mod(b, module);
	uint32_t proto = mod < 0 ? 0 : func_proto(b->mods[mod].btf, func);

	if (mod < 0)
		return mod;
	if (!proto)
		return fail(b, -ENOENT, "no function '%s' in the BTF of %s", func,
			    module ? module : "the kernel");
	return params(b, mod, proto, 0, 0, ret);
}

int cc_btf_func_ret(struct cc_btf *b, const char *module, const char *func,
		    struct cc_btf_class *ret)
{
	int mod = func_mod(b, module);
	const struct btf *btf = mod < 0 ? NULL : b->mods[mod].btf;
	uint32_t proto = btf ? func_proto(btf, func) : 0;
	const struct btf_type *t = proto ? btf__type_by_id(btf, proto) : NULL;

	if (mod < 0)
		return mod;
	if (!t || !btf_is_func_proto(t))
		return fail(b, -ENOENT, "no function '%s' in the BTF of %s", func,
			    module ? module : "the kernel");
	*ret = cc_btf_classify(b, (struct cc_btf_type){mod, t->type});
	return 0;
}

int cc_btf_func_names(struct cc_btf *b, const char *prefix, struct cc_vec *out)
{
	const struct btf *btf = b->mods[0].btf;
	size_t plen = strlen(prefix);
	uint32_t id, n = btf__type_cnt(btf);
	int found = 0;

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = t && btf_is_func(t) ? name_of(btf, t) : NULL;

		if (name && !strncmp(name, prefix, plen) && name[plen]) {
			cc_vec_push(b->arena, out, (void *)(name + plen));
			found++;
		}
	}
	return found;
}

/* ---- @cast ------------------------------------------------------------------------ */

/* name in one module, trying the kinds its prefix allows. */
static int find_in(struct cc_btf *b, int mod, const char *name, const int *kinds, int nkinds,
		   struct cc_btf_type *ret)
{
	int i, id;

	for (i = 0; i < nkinds; i++) {
		id = btf__find_by_name_kind(b->mods[mod].btf, name, (uint32_t)kinds[i]);
		if (id > 0) {
			*ret = (struct cc_btf_type){mod, (uint32_t)id};
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The next module of a stap module list from *spec ("kernel",
 * "kernel<include/linux/sched.h>", "mod1:mod2", tried in order): its
 * index, or -errno for one whose BTF cannot be read (skipped); *spec
 * moves past it.
 */
static int module_next(struct cc_btf *b, const char **spec)
{
	const char *m = *spec, *end = strchr(m, ':');
	size_t len;

	if (!end)
		end = m + strlen(m);
	len = (size_t)(end - m);
	*spec = *end ? end + 1 : end;
	if (len >= 6 && !strncmp(m, "kernel", 6) && (len == 6 || m[6] == '<'))
		return 0;
	return module_get(b, m, len);
}

int cc_btf_find_type(struct cc_btf *b, const char *name, const char *module,
		     struct cc_btf_type *ret)
{
	static const int any[] = {BTF_KIND_STRUCT, BTF_KIND_UNION,  BTF_KIND_TYPEDEF,
				  BTF_KIND_ENUM,   BTF_KIND_ENUM64, BTF_KIND_INT};
	static const int st[] = {BTF_KIND_STRUCT};
	static const int un[] = {BTF_KIND_UNION};
	static const int en[] = {BTF_KIND_ENUM, BTF_KIND_ENUM64};
	const int *kinds = any;
	int nkinds = sizeof(any) / sizeof(any[0]);
	const char *bare = name, *m, *header = NULL;
	size_t len;
	int mod;

	while (*bare == ' ')
		bare++;
	if (!strncmp(bare, "struct ", 7)) {
		kinds = st, nkinds = 1, bare += 7;
	} else if (!strncmp(bare, "union ", 6)) {
		kinds = un, nkinds = 1, bare += 6;
	} else if (!strncmp(bare, "enum ", 5)) {
		kinds = en, nkinds = 2, bare += 5;
	}
	while (*bare == ' ')
		bare++;
	len = strlen(bare);
	while (len && bare[len - 1] == ' ')
		len--;
	bare = cc_strndup(b->arena, bare, len);
	if (!*bare)
		return fail(b, -EINVAL, "@cast: empty type name");
	if (!module || !*module)
		module = "kernel";
	/* stap: "kernel", "kernel<include/linux/sched.h>", "mod1:mod2", tried in order */
	for (m = module; *m;) {
		const char *lt = m + strcspn(m, "<:");

		if (*lt == '<' && !header) /* "kernel<linux/x.h>": the header is the fallback */
			header = lt;
		if (*m == '<') {
			/* stap compiles a user-space header for its DWARF: no BTF here */
			header = m;
			m += strcspn(m, ":");
			if (*m)
				m++;
			continue;
		}
		if ((mod = module_next(b, &m)) >= 0 && !find_in(b, mod, bare, kinds, nkinds, ret))
			return 0;
	}
	/* not the kernel's: the header's own, compiled as stap compiles it (btf_header.c) */
	if (header) {
		size_t hlen = strcspn(header + 1, ">:");

		mod = header_get(b, header + 1, hlen, bare);
		if (mod < 0)
			return mod;
		if (!find_in(b, mod, bare, kinds, nkinds, ret))
			return 0;
		return fail(b, -ENOENT, "type '%s' not found in the header <%.*s>", name, (int)hlen,
			    header + 1);
	}
	return fail(b, -ENOENT, "type '%s' not found in the BTF of '%s'", name, module);
}

/* ---- codegen's local definitions ----------------------------------------------------- */

struct cc_btf_type cc_btf_strip(struct cc_btf *b, struct cc_btf_type t)
{
	const struct btf *btf = mod_btf(b, t.mod);

	if (btf)
		t.id = strip(btf, t.id);
	return t;
}

const char *cc_btf_tag(struct cc_btf *b, struct cc_btf_type t, bool *is_union)
{
	const struct btf *btf = mod_btf(b, t.mod);
	const struct btf_type *bt = btf ? btf__type_by_id(btf, strip(btf, t.id)) : NULL;

	if (!bt || !btf_is_composite(bt))
		return NULL;
	*is_union = btf_is_union(bt);
	return name_of(btf, bt);
}

/*
 * A clang-built kernel's BTF tags pointers: __user, __percpu (and
 * __rcu, which changes nothing for a load).  The verifier refuses a load
 * through a user or per-CPU pointer, so codegen follows one with the helper.
 */
bool cc_btf_ptr_tagged(struct cc_btf *b, struct cc_btf_type t)
{
	const struct btf *btf = mod_btf(b, t.mod);
	const struct btf_type *bt = btf ? btf__type_by_id(btf, strip(btf, t.id)) : NULL;
	uint32_t id;
	int i;

	if (!bt || !btf_is_ptr(bt))
		return false;
	for (id = bt->type, i = 0; i < BTF_MAX_DEPTH && id; i++) {
		bt = btf__type_by_id(btf, id);
		if (!bt)
			return false;
		if (btf_is_type_tag(bt) && strcmp(name_of(btf, bt), "rcu"))
			return true;
		if (!btf_is_mod(bt) && !btf_is_typedef(bt) && !btf_is_type_tag(bt))
			return false;
		id = bt->type;
	}
	return false;
}

struct cc_btf_type cc_btf_elem(struct cc_btf *b, struct cc_btf_type t)
{
	const struct btf *btf = mod_btf(b, t.mod);
	const struct btf_type *bt = btf ? btf__type_by_id(btf, strip(btf, t.id)) : NULL;
	struct cc_btf_type e = { 0, 0 };

	if (bt && btf_is_array(bt))
		e = (struct cc_btf_type){ t.mod, btf_array(bt)->type };
	else if (bt && btf_is_ptr(bt))
		e = (struct cc_btf_type){ t.mod, bt->type };
	return e;
}

/* ---- enums: @enum, @enumname ----------------------------------------------------------- */

/* The index of module's BTF: "kernel" (or NULL) is vmlinux; -ENOENT: none here. */
static int module_index(struct cc_btf *b, const char *module)
{
	if (!module || !*module || (!strncmp(module, "kernel", 6) && (!module[6] || module[6] == '<')))
		return 0;
	return module_get(b, module, strlen(module));
}

int cc_btf_enum_values(struct cc_btf *b, struct cc_btf_type t, struct cc_btf_enumval **ret)
{
	const struct btf *btf = mod_btf(b, t.mod);
	const struct btf_type *bt = btf ? btf__type_by_id(btf, strip(btf, t.id)) : NULL;
	struct cc_btf_enumval *v;
	int i, n;

	if (!bt || !btf_is_any_enum(bt))
		return fail(b, -EINVAL, "not an enum");
	n = btf_vlen(bt);
	v = cc_alloc(b->arena, sizeof(*v) * (size_t)(n ? n : 1));
	for (i = 0; i < n; i++) {
		if (btf_is_enum(bt)) {
			const struct btf_enum *e = btf_enum(bt) + i;

			v[i].name = btf__name_by_offset(btf, e->name_off);
			v[i].value = btf_kflag(bt) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(bt) + i;

			v[i].name = btf__name_by_offset(btf, e->name_off);
			v[i].value = (int64_t)btf_enum64_value(e);
		}
	}
	*ret = v;
	return n;
}

/*
 * Enumerators have no index of their own in BTF: every enum of the
 * module is walked (vmlinux has a few thousand; one @enum per name).
 */
int cc_btf_enumerator(struct cc_btf *b, const char *name, const char *module, int64_t *ret)
{
	int mod = module_index(b, module);
	const struct btf *btf;
	uint32_t id, n;

	if (mod < 0)
		return fail(b, -ENOENT, "no BTF for module '%s'", module);
	btf = mod_btf(b, mod);
	n = btf__type_cnt(btf);
	/* a module's split BTF: its own types only, after vmlinux's */
	for (id = mod ? btf__type_cnt(b->mods[0].btf) : 1; id < n; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		struct cc_btf_enumval *v;
		int i, k;

		if (!btf_is_any_enum(bt))
			continue;
		k = cc_btf_enum_values(b, (struct cc_btf_type){ mod, id }, &v);
		for (i = 0; i < k; i++)
			if (!strcmp(v[i].name, name)) {
				*ret = v[i].value;
				return 0;
			}
	}
	return fail(b, -ENOENT, "no enumerator '%s' in the BTF of '%s'", name,
		    module && *module ? module : "kernel");
}
