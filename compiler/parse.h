// SPDX-License-Identifier: MIT
/*
 * parse.h - what the parser's files share: the parser's state and its
 * token helpers (ps_).  Private to compiler/.
 */
#ifndef TAPHUB_COMPILER_PARSE_H
#define TAPHUB_COMPILER_PARSE_H

#include <setjmp.h>
#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

struct parser {
	struct cc_ctx *cx;
	struct cc_token *t;
	struct cc_file *file;
	jmp_buf recover; /* back to the top level after an error */
	int depth;	 /* expression/statement nesting, bounded */
};

/* Deeper nesting than this is refused instead of overflowing the stack. */
#define PARSE_MAX_DEPTH 500
/* Parameters of one function (checked pairwise for duplicates). */
#define PARSE_MAX_PARAMS 64

/* parse.c */
__attribute__((noreturn)) void ps_fail(struct parser *ps, const struct cc_token *t,
				       const char *what);
__attribute__((noreturn)) void ps_fail_msg(struct parser *ps, const struct cc_loc *loc,
					   const char *msg);
bool ps_is(struct parser *ps, const char *op);
bool ps_is_kw(const struct cc_token *t, const char *kw);
bool ps_accept(struct parser *ps, const char *op);
struct cc_token *ps_expect(struct parser *ps, const char *op);
struct cc_token *ps_expect_close(struct parser *ps, const char *op, const struct cc_token *open);
struct cc_token *ps_expect_list_close(struct parser *ps, const char *op,
				      const struct cc_token *open);
struct cc_token *ps_expect_ident(struct parser *ps, const char *what);
struct cc_token *ps_expect_name(struct parser *ps, const char *what);
void ps_enter(struct parser *ps);
struct cc_node *ps_new_node(struct parser *ps, int kind, const struct cc_token *at);
bool ps_is_reserved(const char *s);
char *ps_string_run(struct parser *ps, size_t *ret_len);
struct cc_node *ps_value(struct parser *ps);
struct cc_node *ps_expr(struct parser *ps);
struct cc_node *ps_block(struct parser *ps);

#endif
