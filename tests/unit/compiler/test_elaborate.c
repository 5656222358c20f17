// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/elaborate.c and compiler/probepoint.c: how
 * probe points expand.  Alias suffixes (stap's alias_suffixes tests, as
 * rules), the other names of the syscall tapset, the input probes, the
 * points refused with their reason, tap -t's names of each probe and the
 * --dump-* listings.  Every script here uses user-context points only, so
 * no kernel and no tracefs are needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "elab.h"

static struct cc_dprobe *probe(struct run *r, int i)
{
	assert_true(i < r->cx.prog->probes.n);
	return r->cx.prog->probes.v[i];
}

/* A local of derived probe i: its type, or -1 when it has none by that name. */
static int local_type(struct run *r, int i, const char *name)
{
	struct cc_dprobe *d = probe(r, i);
	int k;

	for (k = 0; k < d->locals.n; k++) {
		struct cc_sym *s = d->locals.v[k];

		if (!strcmp(s->name, name))
			return s->type;
	}
	return -1;
}

static void alias_suffix_appends_to_the_alias_points(void **state)
{
	struct run r;

	/* third.second: third = first, so first.second, which is end */
	run(&r, "probe first.second = end { x = 1 }\nprobe third = first { }\n"
		"probe third.second { y = x }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 1);
	assert_int_equal(probe(&r, 0)->kind, PK_END);
	assert_int_equal(local_type(&r, 0, "y"), TY_LONG);
	done(&r);
	/* a suffix on every definition of a twice-defined alias */
	run(&r, "probe first.second = begin { }\nprobe first.second = end { }\n"
		"probe third = first { }\nprobe third.second { }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 2);
	assert_int_equal(probe(&r, 0)->kind, PK_BEGIN);
	assert_int_equal(probe(&r, 1)->kind, PK_END);
	done(&r);
	/* a suffix goes to built-in points too: begin.x is not a point */
	expect_error("probe a = begin { }\nprobe a.x { }", "'begin.x' has unexpected components");
}

static void alias_suffix_only_without_a_whole_match(void **state)
{
	struct run r;

	/* third.second is an alias itself: its own expansion, not first.second's */
	run(&r, "probe first.second = begin(2) { }\nprobe third = first { }\n"
		"probe third.second = end { }\nprobe third.second { }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 1);
	assert_int_equal(probe(&r, 0)->kind, PK_END);
	done(&r);
	/* a wildcard matching aliases takes no suffix ... */
	run(&r, "probe first.icecream = error { }\nprobe third.second = begin(1) { }\n"
		"probe third.secret = begin(2) { }\nprobe third = first { }\n"
		"probe third.*ec* { }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 2);
	assert_int_equal(probe(&r, 0)->kind, PK_BEGIN);
	assert_int_equal(probe(&r, 1)->kind, PK_BEGIN);
	done(&r);
	/* ... one matching nothing is a suffix, wildcard and all */
	run(&r, "probe fourth.icecream = error { }\nprobe fourth.sectarian = end(2) { }\n"
		"probe fourth.second = end(3) { }\nprobe fifth = fourth { }\n"
		"probe fifth.*se* { }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 2);
	assert_int_equal(probe(&r, 0)->kind, PK_END);
	assert_int_equal(probe(&r, 1)->kind, PK_END);
	done(&r);
}

static void timer_profile_freq_is_cpu_clock(void **state)
{
	struct run r;

	run(&r, "probe timer.profile.freq.hz(99) { }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 1);
	assert_int_equal(probe(&r, 0)->kind, PK_PERF);
	assert_true(probe(&r, 0)->freq);
	assert_int_equal(probe(&r, 0)->sample, 99);
	assert_string_equal(probe(&r, 0)->pp, "perf.sw.cpu_clock.hz(99)");
	done(&r);
}

static void syscall_families_are_syscall(void **state)
{
	static const char *const names[] = { "nd_syscall", "nd1_syscall", "nd2_syscall",
					     "tp_syscall", "dw_syscall" };
	struct cc_ctx cx;
	struct cc_comp comps[3] = { { .name = NULL }, { .name = "*" }, { .name = "return" } };
	struct cc_point pt = { .comps = comps, .ncomps = 3 }, *p;
	size_t i;

	cc_ctx_init(&cx);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		comps[0].name = (char *)names[i];
		p = cc_point_syscall_family(&cx, &pt);
		assert_non_null(p);
		assert_int_equal(p->ncomps, 3);
		assert_string_equal(p->comps[0].name, "syscall");
		assert_string_equal(p->comps[1].name, "*");
		assert_string_equal(p->comps[2].name, "return");
		/* the point as written is left alone */
		assert_string_equal(comps[0].name, names[i]);
	}
	comps[0].name = "syscall";
	assert_null(cc_point_syscall_family(&cx, &pt));
	comps[0].name = "nd_syscallx";
	assert_null(cc_point_syscall_family(&cx, &pt));
	cc_ctx_release(&cx);
}

static void input_probes(void **state)
{
	struct run r;

	run(&r, "probe input.char { a = char . \"\" }\nprobe input.line { b = line }\n"
		"probe __stdin { c = $value }");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 3);
	assert_int_equal(probe(&r, 0)->kind, PK_INPUT);
	assert_false(probe(&r, 0)->kernel);
	assert_false(probe(&r, 0)->input_line);
	assert_int_equal(local_type(&r, 0, "char"), TY_STRING);
	assert_int_equal(probe(&r, 1)->kind, PK_INPUT);
	assert_true(probe(&r, 1)->input_line);
	assert_int_equal(local_type(&r, 1, "line"), TY_STRING);
	assert_int_equal(local_type(&r, 2, "c"), TY_STRING);
	{
		char *buf;
		size_t len;
		FILE *o = open_memstream(&buf, &len);

		/* -p2 names the kind */
		cc_dump_prog(&r.cx, o);
		fclose(o);
		assert_non_null(strstr(buf, "\n__stdin.line /* input, user context */\n  line:string\n"));
		free(buf);
	}
	done(&r);
	expect_error("probe begin { x = $value }", "only tracepoint probes");
	expect_error("probe __stdin.word { }", "expects __stdin or __stdin.line");
	expect_error("probe __stdin { x = $other }", "'$other' is not available");
}

/*
 * An array may not change under a foreach that walks it (stap's pass-2
 * errors): in the body, through a function at any depth, nested; once
 * per place in the source, however many probes share it.
 */
static void foreach_array_must_not_change(void **state)
{
	struct run r;

	expect_error("global a\nprobe begin { a[1] = 0; foreach (k in a) a[k] = 1 }",
		     "t.stp:2:42: error: variable 'a' modified during 'foreach' iteration");
	expect_error("global a\nprobe begin { a[1] = 0; foreach (k in a) a[k]++ }",
		     "variable 'a' modified during 'foreach' iteration");
	expect_error("global a\nprobe begin { a[1] = 0; foreach (k in a) delete a[k] }",
		     "variable 'a' modified during 'foreach' iteration");
	expect_error("global a\nprobe begin { a[1] = 0; foreach (k in a) delete a }",
		     "variable 'a' modified during 'foreach' iteration");
	expect_error("global a\nprobe begin { a[1] <<< 0; foreach (k in a) a[k] <<< 1 }",
		     "variable 'a' modified during 'foreach' iteration");
	expect_error("global a, b\nprobe begin { a[1] = b[2] = 0; foreach (k in a) foreach (j in b) a[j] = k }",
		     "variable 'a' modified during 'foreach' iteration");
	expect_error("global a\nfunction f() { a[1] = 1 }\nfunction g() { f() }\n"
		     "probe begin { a[1] = 0; foreach (k in a) g() }",
		     "t.stp:4:42: error: function call modifies var 'a' during 'foreach' iteration");
	/* reading it, changing another array, or changing it after the loop: fine */
	run(&r, "global a, b\nfunction f(k) { return a[k] }\n"
		"probe begin { a[1] = 1; foreach (k in a) b[k] = f(k) + a[k]; delete a; a[1] = 2 }\n"
		"probe end { foreach (k in b) if (k in a) n++ }");
	assert_int_equal(r.rc, 0);
	done(&r);
	/* two timers share the body: one error, not two */
	run(&r, "global a\nprobe timer.s(1), timer.s(2) { a[1] = 0; foreach (k in a) a[k] = 1 }");
	assert_int_not_equal(r.rc, 0);
	assert_int_equal(r.cx.diag.nerrors, 1);
	done(&r);
}

static void refused_points_say_why(void **state)
{
	/* stap's kprobe-based tapset points, with no tracepoint here */
	expect_error("probe vm.write_shared { }",
		     "t.stp:1:7: error: probe point 'vm.write_shared' is not supported");
	expect_error("probe vm.write_shared { }", "kprobe of a kernel function");
	expect_error("probe vm.write_shared { }", "(tap -l 'vm.*' lists what taphub has)");
	/*
	 * taphub's aliases on kernel functions, on a kernel that can probe
	 * none (this host's): the point and the reason
	 */
	expect_error("probe vm.pagefault.return { }",
		     "t.stp:1:7: error: probe point 'vm.pagefault.return' is not supported on this "
		     "kernel: taphub builds it on kernel functions, which need kprobes or BPF "
		     "trampolines, and this kernel has neither");
	expect_error("probe vfs.open.return { }", "probe point 'vfs.open.return' is not supported "
						  "on this kernel: taphub builds it on kernel functions");
	expect_error("probe nfsd.proc.entries { }",
		     "'nfsd.proc.entries' is not supported on this kernel: taphub builds it");
	expect_error("probe tcpmib.* { }", "'tcpmib.*' is not supported on this kernel");
	/* optional alone, nothing else to run: still said */
	expect_error("probe vfs.writev ? { }", "'vfs.writev' is not supported on this kernel");
	expect_error("probe tcp.disconnect { }", "probe point 'tcp.disconnect' is not supported");
	expect_error("probe tcp.setsockopt { }",
		     "probe point 'tcp.setsockopt' is not supported");
	expect_error("probe tty.open { }", "no tracepoint stands in for it\n");
	expect_error("probe vfs.lookup { }",
		     "no tracepoint stands in for it (tap -l 'vfs.*' lists what taphub has)");
	/* SystemTap's module features */
	expect_error("probe procfs(\"x\").read { }",
		     "'procfs(\"x\").read' is not supported: procfs probes are files");
	expect_error("probe procfs.write { }", "SystemTap's kernel module");
	expect_error("probe prometheus { }", "'prometheus' is not supported: stap-exporter");
	/* the JSON tapset's macros expand; its probe is a procfs file of stap's module */
	expect_error("probe begin { json_add_array(\"a\", \"\") }\n"
		     "probe json_data {\n"
		     "\t@json_output_data_start\n"
		     "\t@json_output_numeric_value(\"n\", 1)\n"
		     "\t@json_output_string_value(\"s\", \"x\")\n"
		     "\t@json_output_array_numeric_value(\"a\", \"i\", \"m\", 2)\n"
		     "\t@json_output_array_string_value(\"a\", \"i\", \"t\", \"y\")\n"
		     "\t@json_output_data_end\n}",
		     "t.stp:2:7: error: probe point 'json_data' is not supported: SystemTap serves "
		     "json_data as /proc/systemtap/MODULE/data.json");
	/* netfilter hooks: names checked before the kernel is asked */
	expect_error("probe netfilter.hook(\"NF_INET_NOPE\").pf(\"NFPROTO_IPV4\") { }",
		     "t.stp:1:7: error: probe point 'netfilter.hook(\"NF_INET_NOPE\")."
		     "pf(\"NFPROTO_IPV4\")' has an unknown hook");
	expect_error("probe netfilter.hook(\"NF_IP6_LOCAL_IN\").pf(\"NFPROTO_IPV4\") { }",
		     "names a hook of NFPROTO_IPV6 with .pf(\"NFPROTO_IPV4\")");
	expect_error("probe netfilter.pf(\"NFPROTO_IPV4\") { }", "needs both .hook(\"HOOK\") and");
	expect_error("probe netfilter.hook(\"1\").pf(\"2\").pf(\"2\") { }", "each once");
	/* a name nobody has stays a plain unknown point */
	expect_error("probe vm.nosuch { }", "does not match any probe alias");
	/* an optional refused point is quietly nothing */
	{
		struct run r;

		run(&r, "probe tcp.disconnect ?, begin { }");
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.cx.prog->probes.n, 1);
		done(&r);
	}
}

static void timing_names_each_probe(void **state)
{
	struct run r;

	run_opts(&r, "probe begin { }\nprobe a = end { }\n  probe a { }", true);
	assert_int_equal(r.rc, 0);
	assert_string_equal(probe(&r, 0)->where, "t.stp:1:1");
	assert_string_equal(probe(&r, 0)->from, " from: begin");
	assert_string_equal(probe(&r, 1)->where, "t.stp:3:3");
	assert_string_equal(probe(&r, 1)->from, " from: end from: a");
	done(&r);
	/* without -t nothing is named */
	run(&r, "probe begin { }");
	assert_null(probe(&r, 0)->from);
	done(&r);
}

/* g is read, so the assignments of @probewrite to it stay */
#define PW_END "global g\nprobe end { print(g) }"

/* The number @probewrite(v) became in part i of probe 0's body: its first statement, g = ... */
static int64_t probewrite_in(struct run *r, int i)
{
	struct cc_node *st = probe(r, 0)->body->args[i]->args[0];

	assert_int_equal(st->kind, N_EXPR);
	assert_int_equal(st->lhs->kind, N_ASSIGN);
	assert_int_equal(st->lhs->rhs->kind, N_NUM);
	return st->lhs->rhs->num;
}

static void probewrite_asks_about_the_user_body(void **state)
{
	struct run r;

	/* the alias's prologue writes v: only the user's body counts */
	run(&r, "probe a = begin { v = 1 }, { g = @probewrite(v) }\n"
		"probe a { w = 2 }\n" PW_END);
	assert_int_equal(r.rc, 0);
	assert_int_equal(probewrite_in(&r, 2), 0);
	done(&r);
	run(&r, "probe a = begin { }, { g = @probewrite(v) }\nprobe a { v++ }\n" PW_END);
	assert_int_equal(r.rc, 0);
	assert_int_equal(probewrite_in(&r, 2), 1);
	done(&r);
	/* no alias: the probe's body is the user's */
	run(&r, "probe begin { g = @probewrite(v); v = 1 }\n" PW_END);
	assert_int_equal(r.rc, 0);
	assert_int_equal(probewrite_in(&r, 0), 1);
	done(&r);
	expect_error("function f() { return @probewrite(x) } probe begin { f() }",
		     "not in a function");
	expect_error("probe begin { print(@probewrite(1 + 2)) }", "takes one variable");
}

static void const_needs_guru_mode(void **state)
{
	expect_error("probe begin { print(@const(\"STP_SKIP_BADVARS\")) }",
		     "'@const' is not permitted without guru mode (-g)");
}

static void dumps(void **state)
{
	struct cc_ctx cx;
	char *buf;
	size_t len;
	FILE *o = open_memstream(&buf, &len);

	cc_dump_probe_types(o);
	fclose(o);
	/* sorted, one per line, parameters as stap writes them */
	assert_non_null(strstr(buf, "begin\nbegin(number)\nend\nend(number)\nerror\n"));
	assert_non_null(strstr(buf, "\nkernel.trace(string)\nnetfilter.hook(string).pf(string)\n"));
	assert_non_null(strstr(buf, "\nnetfilter.pf(string).hook(string).priority(string)\nnever\n"));
	assert_non_null(strstr(buf, "\ntimer.jiffies(number).randomize(number)\n"));
	assert_non_null(strstr(buf, "\nperf.sw.cpu_clock.hz(number)\n"));
	assert_null(strstr(buf, "input"));
	free(buf);

	cc_ctx_init(&cx);
	assert_int_equal(cc_load_tapsets(&cx), 0);
	o = open_memstream(&buf, &len);
	cc_dump_functions(&cx, false, o);
	fclose(o);
	assert_non_null(strstr(buf, "\nexecname:string ()\n"));
	assert_non_null(strstr(buf, "\nsignal_str:string (num:long)\n"));
	assert_non_null(strstr(buf, "\nsubstr:string (arg1:string, arg2:long, arg3:long)\n"));
	/* internal names only with -v; the print family is not a function */
	assert_null(strstr(buf, "\n_"));
	assert_null(strstr(buf, "printf"));
	free(buf);
	cc_ctx_release(&cx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alias_suffix_appends_to_the_alias_points),
		cmocka_unit_test(alias_suffix_only_without_a_whole_match),
		cmocka_unit_test(timer_profile_freq_is_cpu_clock),
		cmocka_unit_test(syscall_families_are_syscall),
		cmocka_unit_test(input_probes),
		cmocka_unit_test(foreach_array_must_not_change),
		cmocka_unit_test(refused_points_say_why),
		cmocka_unit_test(timing_names_each_probe),
		cmocka_unit_test(probewrite_asks_about_the_user_body),
		cmocka_unit_test(const_needs_guru_mode),
		cmocka_unit_test(dumps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
