// SPDX-License-Identifier: MIT
/*
 * elaborate.h - what the elaborator's files share: its state, scopes and
 * alias chains.  Private to compiler/.
 */
#ifndef TAPHUB_COMPILER_ELABORATE_H
#define TAPHUB_COMPILER_ELABORATE_H

#include "compiler/compiler.h"
#include "taphub/record.h"

/* derived probes clone their alias bodies: a bound on the nodes cloned */
#define CC_MAX_CLONED_NODES 1000000

#define MAX_ALIAS_DEPTH 16

struct chain {
	/* two per level: an alias may have a prologue and an epilogue */
	struct cc_node *body[2 * MAX_ALIAS_DEPTH];
	bool epilogue[2 * MAX_ALIAS_DEPTH];
	struct cc_node *cond[MAX_ALIAS_DEPTH + 1];
	const struct cc_point *pts[MAX_ALIAS_DEPTH]; /* the points expanded, by depth */
	const char *pn; /* pn(): the alias the script's point names, with its suffix */
	int n, ncond;
};

struct scope {
	struct cc_dprobe *probe; /* NULL inside a function */
	struct cc_func *func;
	struct cc_vec *locals;
};

struct elab {
	struct cc_ctx *cx;
	struct cc_prog *prog;
	struct btf *btf; /* vmlinux BTF, loaded on first need */
	int cur_probe;   /* the script probe being expanded */
	int cur_cls;     /* its class: .class("NAME") on its probe point, else 0 */
	int point_first; /* first derived probe of the probe point being expanded */
	bool slice_ok;   /* the N_INDEX being resolved may have '*' keys */
	bool too_big;    /* the clone limit was reported */
	bool btf_tried;
	/*
	 * The nodes resolved to the address of a kernel struct (a pointer
	 * read through BTF, &...->member, &@cast(p, "T")) since the
	 * assignment being resolved began, each a struct elab_typed: when
	 * its right side is one, the local gets that struct as its autocast
	 */
	struct cc_vec typed;
};

struct elab_typed {
	const struct cc_node *node;
	struct cc_btf_type type;
};

/* elaborate_expand.c */
void elab_expand_probe(struct elab *E, struct cc_probe *p, bool loud);
bool elab_has_raw_tracepoint(struct elab *E, const char *event);

/* elaborate_probewrite.c: each @probewrite(var) in body becomes 0 or 1: does user_body write var? */
void elab_probewrite_resolve(struct cc_ctx *cx, struct cc_node *body, struct cc_node *user_body);

/* elaborate_const.c: @const("NAME") becomes a number; false: an error (said) */
bool elab_const(struct elab *E, struct cc_node *n);

/* elaborate_foreach.c: an array changed while a foreach walks it is an error, as in stap */
void elab_foreach_check(struct elab *E);

/* elaborate_btf.c: a read's runtime indexes (args) and @cast's pointer (lhs) are left to resolve */
int elab_btf_tp_args(struct elab *E, const struct cc_dprobe *d, struct cc_btf_param **ret);
bool elab_btf_target(struct elab *E, struct scope *S, struct cc_node **np, const char *name,
		     bool want_addr, bool quiet);
const char *elab_btf_arg_names(struct elab *E, const struct cc_dprobe *d);
/* want_addr: &$param->chain, the last member's address */
bool elab_btf_chain(struct elab *E, struct cc_node *t, struct cc_node *base_val,
		    struct cc_btf_type base, bool want_addr, bool quiet);
bool elab_btf_cast(struct elab *E, struct scope *S, struct cc_node **np, bool want_addr,
		   bool quiet);
/* t is the address of a struct (addr: of a value of type ty; else ty is t's pointer type) */
void elab_btf_note_typed(struct elab *E, const struct cc_node *t, struct cc_btf_type ty, bool addr);
/* v->chain of a local v holding the address of a struct of type base (stap's autocast) */
bool elab_btf_autocast(struct elab *E, struct cc_node *t, struct cc_btf_type base, bool want_addr,
		       bool quiet);
/* @enum becomes a number, @enumname a call (its value resolved first); false: an error */
bool elab_btf_enum(struct elab *E, struct cc_node *n);

#endif
