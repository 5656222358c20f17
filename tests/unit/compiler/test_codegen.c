// SPDX-License-Identifier: MIT
/*
 * Unit tests of the shape of the kernel-side C that codegen.c writes for
 * wildcards: handler bodies that differ only in their string literals are
 * shared, with a table of the literals (a row per probe), and big
 * functions become eBPF subprograms (compiled once) within the limits of
 * eBPF calls (5 arguments, 8 frames).  Both are what keeps clang's time
 * for syscall.* scripts in seconds.  timer.profile probes: no tracefs.
 * @variance read in a kernel probe: the CPUs' Welford states merged there,
 * from the slots the adds keep.  A kernel loop on a kernel without
 * iterators: a bpf_loop() callback, its state in the frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "elab.h"

/* The kernel C of text; the caller frees it. */
static char *bpf_c(const char *text)
{
	struct cc_output out = { 0 };
	char *c;

	codegen(text, &out);
	assert_non_null(out.bpf_c);
	c = strdup(out.bpf_c);
	cc_output_free(&out);
	return c;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

static void bodies_share_with_literal_table(void **state)
{
	char *c;

	(void)state;
	/* as syscall.*.return: aliases that differ in a literal, one probe on all */
	c = bpf_c("global n\n"
		  "probe a = timer.profile { s = \"first\" }\n"
		  "probe b = timer.profile { s = \"second\" }\n"
		  "probe c = timer.profile { s = \"third\" }\n"
		  "probe a, b, c { n[s] <<< 1 }\n");
	/* one body, a subprogram, with the literals as a parameter */
	assert_int_equal(count(c, "static __noinline int th_h"), 1);
	assert_int_equal(count(c, "static __always_inline int th_h"), 0);
	assert_non_null(strstr(c, "__u32 hidx, const char (*lits)[7])"));
	/* a row per probe, in probe order, as wide as the longest */
	assert_non_null(strstr(c, "[3][1][7] = {\n\t{ \"first\", },\n\t{ \"second\", },\n"
				  "\t{ \"third\", },\n};"));
	assert_int_equal(count(c, "lits[0]"), 1);
	/* each program passes its own row */
	assert_int_equal(count(c, ", 0, th_lits"), 1);
	assert_non_null(strstr(c, ", 1, th_lits0[1])"));
	assert_non_null(strstr(c, ", 2, th_lits0[2])"));
	free(c);
}

static void same_literals_stay_inline(void **state)
{
	char *c;

	(void)state;
	/* equal bodies with equal literals: shared, the literal in the code */
	c = bpf_c("global n\n"
		  "probe a = timer.profile { s = \"x\" }\n"
		  "probe b = timer.profile { s = \"x\" }\n"
		  "probe a, b { n[s] <<< 1 }\n");
	assert_int_equal(count(c, "static __noinline int th_h"), 1);
	assert_null(strstr(c, "th_lits"));
	assert_null(strstr(c, "(*lits)"));
	assert_non_null(strstr(c, "\"x\""));
	free(c);
	/* a body of its own keeps its literal inline */
	c = bpf_c("global n\nprobe timer.profile { n[\"only\"] <<< 1 }\n");
	assert_int_equal(count(c, "static __always_inline int th_h"), 1);
	assert_null(strstr(c, "th_lits"));
	assert_non_null(strstr(c, "\"only\""));
	free(c);
}

static void long_strings(struct cc_ctx *cx)
{
	assert_int_equal(cc_set_limit(cx, "MAXSTRINGLEN", "4096"), 1);
}

static void literal_tables_are_bounded(void **state)
{
	static char text[400000], lit[4001];
	size_t o = 0;
	char *c;
	int i;

	(void)state;
	/* 70 aliases, each a 4000-byte literal: 280 KB of rows for one body */
	memset(lit, 'a', sizeof(lit) - 1);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "global n\n");
	for (i = 0; i < 70; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "probe a%d = perf.sw.cpu_clock.sample(%d) { s = \"%d%s\" }\n", i,
				      1000 + i, i, lit + 2);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "probe a* { n[s] <<< 1 }\n");
	run_prepare = long_strings;
	c = bpf_c(text);
	run_prepare = NULL;
	/* 256 KB of rows at most: 65 users share one body, the other 5 another */
	assert_int_equal(count(c, "static __noinline int th_h"), 2);
	assert_non_null(strstr(c, "[65][1][4001] = {"));
	assert_non_null(strstr(c, "[5][1][4001] = {"));
	free(c);
}

/* A function whose generated C is long: a chain of 60 ifs. */
static const char *big_body(char *buf, size_t len, const char *name, const char *params,
			    const char *callee)
{
	size_t o = (size_t)snprintf(buf, len, "function %s(%s) {\n", name, params);
	int i;

	for (i = 0; i < 60; i++)
		o += (size_t)snprintf(buf + o, len - o, "\tif (a == %d) return %s(a) + %d\n", i,
				      callee, i);
	snprintf(buf + o, len - o, "\treturn 0\n}\n");
	return buf;
}

static void big_functions_become_subprograms(void **state)
{
	static char text[65536], f[4][8192];
	char *c;

	(void)state;
	snprintf(text, sizeof(text),
		 "function leaf(a) { return a + 1 }\n"
		 "%s%s%s%s"
		 "function small(a) { return a * 2 }\n"
		 "global x\n"
		 "probe timer.profile { x += big(cpu()) + small(cpu()) + wide(cpu(), 1, 2) + "
		 "deep(cpu()) }\n"
		 "probe timer.profile { x += big(cpu() + 1) }\n",
		 big_body(f[0], sizeof(f[0]), "big", "a", "leaf"),
		 big_body(f[1], sizeof(f[1]), "wide", "a, b, c", "leaf"),
		 big_body(f[2], sizeof(f[2]), "mid", "a", "big"),
		 big_body(f[3], sizeof(f[3]), "deep", "a", "mid"));
	c = bpf_c(text);
	/* long, 1 parameter, 2 deep (big -> leaf): compiled once */
	assert_non_null(strstr(c, "static __noinline __s64 th_kf_big("));
	/* short: inlined */
	assert_non_null(strstr(c, "static __always_inline __s64 th_kf_small("));
	assert_non_null(strstr(c, "static __always_inline __s64 th_kf_leaf("));
	/* 3 parameters + H, FF, ret: more than an eBPF call passes */
	assert_non_null(strstr(c, "static __always_inline __s64 th_kf_wide("));
	/* mid -> big -> leaf is 3 deep: still a subprogram; deep is 4: inlined */
	assert_non_null(strstr(c, "static __noinline __s64 th_kf_mid("));
	assert_non_null(strstr(c, "static __always_inline __s64 th_kf_deep("));
	/* the prototypes say the same as the definitions */
	assert_int_equal(count(c, "__noinline __s64 th_kf_big("), 2);
	free(c);
}

/* The call in c that starts with prefix, up to its first ')', into buf. */
static const char *call_of(const char *c, const char *prefix, char *buf, size_t len)
{
	const char *p = strstr(c, prefix), *e;

	assert_non_null(p);
	e = strchr(p, ')');
	assert_non_null(e);
	assert_true((size_t)(e - p) < len);
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = 0;
	return buf;
}

static void variance_in_kernel_probes(void **state)
{
	char call[256], *c;

	(void)state;
	/* s: no histogram, its @variance slots first (4); h: after 128 log buckets (132) */
	c = bpf_c("global s, h, x\n"
		  "probe timer.profile { s <<< cpu(); h[1] <<< cpu(); print(@hist_log(h[1]))\n"
		  "\tx = @variance(s, 3) + @variance(h[1])\n"
		  "\tforeach (k in h @variance-) x++ }\n");
	assert_int_equal(count(c, "th_stat_var_add("), 2);
	assert_int_equal(count(c, ", 4, 3);"), 1);
	assert_int_equal(count(c, ", 132, 0);"), 1);
	/* read where it is, with the same slots and shifts */
	assert_int_equal(count(c, "th_stat_variance(H, &"), 2);
	assert_non_null(strstr(call_of(c, "th_stat_variance(H, &th_m0,", call, sizeof(call)),
			       ", 4, 3, "));
	assert_non_null(strstr(call_of(c, "th_stat_variance(H, &th_m1,", call, sizeof(call)),
			       ", 132, 0, "));
	/* the sort word of a foreach by @variance */
	assert_int_equal(count(c, "th_stat_var_merged(&"), 1);
	assert_non_null(strstr(call_of(c, "th_stat_var_merged(&th_m1,", call, sizeof(call)),
			       ", 132, 0, "));
	free(c);
}

static void no_iterators(struct cc_ctx *cx)
{
	/* as Debian's 6.1 to the code generator: no bpf_iter_num (has_iter_num) */
	cx->kern.has_btf = false;
}

static void loops_become_callbacks(void **state)
{
	char *c, *def, *cb;

	(void)state;
	run_prepare = no_iterators;
	c = bpf_c("global g, n\n"
		  "function f(a) { for (i = 0; i < a; i++) { while (g) { g--; while (n) n-- }\n"
		  "\tif (i == 3) continue; if (i > 5) break; n += i }; return n }\n"
		  "function h(a) { while (a > 0) a--; return a }\n"
		  "probe timer.profile { for (k = 0; k < 2; k++) n += f(k) + h(k) }\n");
	run_prepare = NULL;
	/* f's loop and the one in it, not the third level */
	assert_int_equal(count(c, "static long th_kloop_f_"), 2);
	assert_int_equal(count(c, "bpf_loop(TH_MAXACTION + 1, th_kloop_f_"), 2);
	/* each unit's callbacks named for it: their C names start again at each */
	assert_int_equal(count(c, "static long th_kloop_h_"), 1);
	/* the probe's, its frame type filled in as its body's */
	assert_int_equal(count(c, "static long th_kloop_p"), 1);
	assert_null(strstr(c, "pFRAME"));
	assert_null(strstr(c, "pLITS"));
	/* defined before the function, its state in the function's frame */
	cb = strstr(c, "static long th_kloop_f_");
	def = strstr(c, "__s64 th_kf_f(struct th_hctx *H, struct th_ffall *FF, char *ret, __s64 l_a)\n{");
	assert_non_null(def);
	assert_true(cb < def);
	/* rv, a, i: after H->actions and how */
	assert_non_null(strstr(c, "\t__s64 kl"));
	assert_non_null(strstr(cb, "__s64 l_a = F->kl"));
	assert_non_null(strstr(cb, "__s64 l_i = F->kl"));
	assert_non_null(strstr(cb, "__s64 rv = F->kl"));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bodies_share_with_literal_table),
		cmocka_unit_test(same_literals_stay_inline),
		cmocka_unit_test(literal_tables_are_bounded),
		cmocka_unit_test(big_functions_become_subprograms),
		cmocka_unit_test(variance_in_kernel_probes),
		cmocka_unit_test(loops_become_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
