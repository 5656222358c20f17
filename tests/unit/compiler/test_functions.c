// SPDX-License-Identifier: MIT
/*
 * Unit tests of how the compiler takes the utility functions of stap's
 * tapsets (docs/language.md, "Functions"): functions overloaded by arity
 * (elaborate.c) and their C names, a tapset's own probes joining the
 * program that uses its globals (argv.stp), the contexts a function is
 * refused in and why, kernel_string() of a string (types.c), and the
 * lines of addresses a kernel probe prints (cg_kprintf's record formats).
 * Scripts use begin/end and timer.profile probes: no tracefs needed.
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

static void expect_ok(const char *text)
{
	struct run r;

	run(&r, text);
	if (r.rc)
		fail_msg("unexpected errors:\n%s", r.diag ? r.diag : "(nothing)");
	done(&r);
}

/* The used function of that name and arity, NULL when none. */
static struct cc_func *used(struct run *r, const char *name, int nparams)
{
	int i;

	for (i = 0; i < r->cx.prog->funcs.n; i++) {
		struct cc_func *f = r->cx.prog->funcs.v[i];

		if (!strcmp(f->name, name) && f->nparams == nparams)
			return f;
	}
	return NULL;
}

static void overloads_resolve_by_arity(void **state)
{
	struct run r;

	(void)state;
	run(&r, "function f(a) { return 1 }\nfunction f(a, b) { return \"two\" }\n"
		"function g() { return 3 }\n"
		"probe begin { x = f(1); y = f(1, 2); z = g() }");
	assert_int_equal(r.rc, 0);
	assert_non_null(used(&r, "f", 1));
	assert_non_null(used(&r, "f", 2));
	/* each overload has its own C name; a lone function keeps its name */
	assert_string_equal(cc_func_cname(used(&r, "f", 1)), "f__1");
	assert_string_equal(cc_func_cname(used(&r, "f", 2)), "f__2");
	assert_string_equal(cc_func_cname(used(&r, "g", 0)), "g");
	assert_int_equal(used(&r, "f", 1)->rettype, TY_LONG);
	assert_int_equal(used(&r, "f", 2)->rettype, TY_STRING);
	done(&r);
}

static void overload_errors(void **state)
{
	(void)state;
	expect_error("function f(a) { return 1 }\nfunction f(b) { return 2 }\n"
		     "probe begin { f(1) }",
		     "t.stp:2:10: error: function 'f' is defined twice (first at t.stp:1:10)");
	expect_error("function f(a) { return 1 }\nfunction f(a, b) { return 2 }\n"
		     "probe begin { f(1, 2, 3) }",
		     "function 'f' takes 1 argument, 3 given (defined at t.stp:1:10)");
}

static void tapset_overloads(void **state)
{
	struct run r;

	(void)state;
	/* ansi.stp: ansi_set_color(fg), (fg, bg), (fg, bg, attr) */
	run(&r, "probe begin { ansi_set_color(31); ansi_set_color(31, 42, 1) }");
	assert_int_equal(r.rc, 0);
	assert_non_null(used(&r, "ansi_set_color", 1));
	assert_null(used(&r, "ansi_set_color", 2));
	assert_non_null(used(&r, "ansi_set_color", 3));
	done(&r);
	/* proc_mem.stp: proc_mem_string() and proc_mem_string(pid) */
	expect_ok("probe begin { print(proc_mem_string() . proc_mem_string(1)) }");
}

static void tapset_probes_join_when_used(void **state)
{
	char *args[] = { "hello", "world" };
	struct run r;

	(void)state;
	/* argv.stp's begin probe fills argv[]: it comes with argv */
	run_args(&r, "probe begin { print(argv[1], argc) }", args, 2);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 2);
	done(&r);
	/* and not without */
	run_args(&r, "probe begin { print(1) }", args, 2);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 1);
	done(&r);
}

static void contexts_and_reasons(void **state)
{
	(void)state;
	expect_error("probe begin { print_backtrace() }",
		     "function 'print_backtrace' is only available in kernel probes, not in "
		     "'begin': begin, end and timer probes run in user space (tap), which has no "
		     "kernel stack to unwind");
	expect_error("probe end { print(ubacktrace()) }",
		     "there is no user stack to unwind");
	expect_error("probe end { print_ubacktrace_fileline() }",
		     "there is no user stack to unwind");
	expect_error("probe begin { print_backtrace_fileline() }",
		     "which has no kernel stack to unwind");
	expect_error("probe timer.profile { print(fp_to_string(string_to_fp(\"1.5\"), 2)) }",
		     "function 'fp_to_string' is not available in kernel probes "
		     "(timer.profile): eBPF has no floating point");
	/* the rest work in both */
	expect_ok("probe timer.profile { print(tokenize(\"a b\", \" \"), tokenize(\" \"), "
		  "user_mode(), task_utime(), proc_mem_rss(), pexecname(), cpu_clock_ms(0), "
		  "cmdline_args(0, -1, \" \"), sprint_backtrace(), usymname(uaddr())); "
		  "system(\"true\"); printk(4, \"x\"); switch_file(); print_ubacktrace() }");
	expect_ok("probe timer.profile { print(usymfileline(uaddr()), usymfile(1), usymline(1), "
		  "symfileline(addr()), symfile(1), symline(1)); print_ubacktrace_fileline(); "
		  "print_backtrace_fileline() }");
	expect_ok("probe begin { print(usymfileline(1), usymfile(1), usymline(1), symfileline(1), "
		  "symfile(1), symline(1)) }");
	expect_ok("probe begin { print(tokenize(\"a b\", \" \"), user_mode(), task_stime(), "
		  "proc_mem_size(1), pexecname(), cpu_clock_s(), cmdline_arg(0), "
		  "sprint_stack(\"0x1\"), usymdata(0), fp_to_string(long_to_fp(3), 1)); "
		  "system(\"true\"); print_stack(\"0x1\"); start_stopwatch(\"w\") }");
}

/* The first call of name in a tree, NULL when none. */
static const struct cc_node *find_call(const struct cc_node *n, const char *name)
{
	const struct cc_node *kids[] = { n ? n->lhs : NULL, n ? n->rhs : NULL,
					 n ? n->body : NULL };
	const struct cc_node *f;
	int i;

	if (!n)
		return NULL;
	if (n->kind == N_CALL && !strcmp(n->name, name))
		return n;
	for (i = 0; i < 3; i++)
		if ((f = find_call(kids[i], name)))
			return f;
	for (i = 0; i < n->nargs; i++)
		if ((f = find_call(n->args[i], name)))
			return f;
	return NULL;
}

/* The first call of name in text's first probe is to built-in id. */
static void expect_builtin(const char *text, const char *name, int id)
{
	struct run r;
	const struct cc_dprobe *d;
	const struct cc_node *call;

	run(&r, text);
	assert_int_equal(r.rc, 0);
	d = r.cx.prog->probes.v[0];
	call = find_call(d->body, name);
	assert_non_null(call);
	assert_int_equal(call->builtin, id);
	done(&r);
}

static void kernel_string_of_a_string(void **state)
{
	(void)state;
	/* a string given to kernel_string is the string, in any context */
	expect_builtin("probe begin { print(kernel_string(\"abc\")) }", "kernel_string",
		       B_KERNEL_STRING_S);
	/* a user address needs a probe in a traced process (the kernel's are read anywhere) */
	expect_error("probe begin { print(user_string(0)) }",
		     "function 'user_string' reads kernel or process memory");
	expect_error("probe begin { s = tokenize(1, \" \") }",
		     "type mismatch: argument 1 of tokenize() is long, expected string");
	/* kernel_string_n() of a string (a char[N] member): its first n bytes */
	expect_builtin("probe begin { print(kernel_string_n(\"abc\", 2)) }", "kernel_string_n",
		       B_KERNEL_STRING_NS);
	expect_error("probe begin { print(kernel_string_n(\"abc\", \"x\")) }",
		     "argument 2 of kernel_string_n() is string, expected long");
}

/* The meta of text (compiled to C); the caller frees it. */
static char *meta_of(const char *text)
{
	struct cc_output out = { 0 };
	char *m;

	codegen(text, &out);
	m = strdup(out.meta);
	cc_output_free(&out);
	return m;
}

static void lines_printed_by_the_reader(void **state)
{
	char *m;

	(void)state;
	/*
	 * usymfileline() and co. printed straight from a kernel probe: the
	 * record carries the process and the address (F, P, N), the reader
	 * makes the text; through a variable, the probe's hex (a string)
	 */
	m = meta_of("probe timer.profile { printf(\"%d %s\\n\", 1, usymfileline(uaddr())); "
		    "println(usymfile(uaddr()), usymline(uaddr())); s = usymfileline(uaddr()); "
		    "println(s) }");
	assert_non_null(strstr(m, "fmt 16 lF \"%d %s\\n\""));
	assert_non_null(strstr(m, "fmt 17 PN \"%s%s\\n\""));
	assert_non_null(strstr(m, "fmt 18 s \"%s\\n\""));
	free(m);
	/* user context resolves in tap itself: no record */
	m = meta_of("probe begin { println(usymfileline(1)) }");
	assert_null(strstr(m, "fmt 16"));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overloads_resolve_by_arity),
		cmocka_unit_test(overload_errors),
		cmocka_unit_test(tapset_overloads),
		cmocka_unit_test(tapset_probes_join_when_used),
		cmocka_unit_test(contexts_and_reasons),
		cmocka_unit_test(kernel_string_of_a_string),
		cmocka_unit_test(lines_printed_by_the_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
