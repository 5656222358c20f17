// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/probepoint.c: what the numbers of a probe point
 * turn into, and which of them are refused.
 *
 * Each case parses and elaborates a one-probe script (begin, timers,
 * perf points, process lifecycle points: no tracefs needed) and checks the derived probe's fields,
 * or the error.  The parameters come from the script, so every product
 * of them (periods, randomization) must be computed without overflow,
 * and every value the runtime's loader would refuse (perf type and
 * config) is refused here, at the script's line, instead.
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

/* a fixed tick, whatever the machine's kernel says */
static void hz_250(struct cc_ctx *cx)
{
	cx->config_loaded = true;
	cc_vec_push(cx->arena, &cx->config, "CONFIG_HZ=250");
}

static struct cc_dprobe *dprobe(struct run *r)
{
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->cx.prog->probes.n, 1);
	return r->cx.prog->probes.v[0];
}

static void begin_sequence(void **state)
{
	struct run r;

	run(&r, "probe begin(-9223372036854775808) {}");
	assert_true(dprobe(&r)->seq == INT64_MIN);
	assert_string_equal(dprobe(&r)->pp, "begin(-9223372036854775808)");
	done(&r);

	run(&r, "probe end(18446744073709551615) {}");
	assert_true(dprobe(&r)->seq == -1);
	done(&r);
}

static void timer_periods(void **state)
{
	struct run r;

	run(&r, "probe timer.jiffies(2).randomize(1) {}");
	assert_true(dprobe(&r)->period_ns == 8000000);
	assert_true(dprobe(&r)->jitter_ns == 4000000);
	done(&r);

	run(&r, "probe timer.hz(1000).randomize(0) {}");
	assert_true(dprobe(&r)->period_ns == 1000000);
	done(&r);

	run(&r, "probe timer.s(9223372036) {}");
	assert_true(dprobe(&r)->period_ns == 9223372036000000000LL);
	done(&r);

	/* products that do not fit a long: refused, not wrapped */
	expect_error("probe timer.jiffies(9223372036854775807) {}", "period is too long");
	expect_error("probe timer.jiffies(2305843009214) {}", "period is too long");
	run(&r, "probe timer.jiffies(2305843009213) {}"); /* 4 ms ticks: the last that fits */
	assert_true(dprobe(&r)->period_ns == 9223372036852000000LL);
	done(&r);
	expect_error("probe timer.s(9223372037) {}", "period is too long");
	expect_error("probe timer.ms(10).randomize(9223372036854775807) {}",
		     "randomization must be less than the period");
	expect_error("probe timer.jiffies(1).randomize(4611686018427387904) {}",
		     "randomization must be less than the period");
	expect_error("probe timer.hz(1).randomize(9223372036854775807) {}",
		     "randomization must be less than the period");
	/* the largest randomization below the period still works */
	run(&r, "probe timer.ms(10).randomize(9) {}");
	assert_true(dprobe(&r)->jitter_ns == 9000000);
	done(&r);
	expect_error("probe timer.ms(10).randomize(10) {}",
		     "randomization must be less than the period");
}

static void perf_numbers(void **state)
{
	struct run r;

	run(&r, "probe perf.type(1).config(0).sample(1000) {}");
	assert_int_equal(dprobe(&r)->perf_type, 1);
	assert_true(dprobe(&r)->perf_config == 0);
	done(&r);

	/* config is a 64-bit value: not cut to an int */
	run(&r, "probe perf.type(4).config(0x100000001) {}");
	assert_true(dprobe(&r)->perf_config == 0x100000001LL);
	done(&r);

	expect_error("probe perf.type(6).config(0) {}",
		     "t.stp:1:7: error: probe point 'perf.type(6).config(0)' has a perf type out "
		     "of range 0..5");
	expect_error("probe perf.type(4294967297).config(0) {}", "perf type out of range");
	expect_error("probe perf.type(-1).config(0) {}", "perf type out of range");
	expect_error("probe perf.type(1).config(-1) {}", "has a negative perf config");
}

/* probe_uproc.c: events, filters sharing bits, the canonical points */
static void process_lifecycle(void **state)
{
	struct cc_dprobe *d[4];
	struct run r;
	int i;

	(void)state;
	run(&r, "probe process(\"/bin/sh\").begin {} probe process.thread.end {}\n"
		"probe process(1).end {} probe process(\"//bin/./sh\").thread.begin {}");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 4);
	for (i = 0; i < 4; i++) {
		d[i] = r.cx.prog->probes.v[i];
		assert_int_equal(d[i]->kind, PK_UPROC);
		assert_true(d[i]->kernel);
	}
	assert_int_equal(d[0]->upev, CC_UPROC_BEGIN);
	assert_int_equal(d[1]->upev, CC_UPROC_TEND);
	assert_int_equal(d[2]->upev, CC_UPROC_END);
	assert_int_equal(d[3]->upev, CC_UPROC_TBEGIN);
	/* every process without -c/-x: no filter; one file however spelled: one bit */
	assert_int_equal(d[1]->upbit, -1);
	assert_int_equal(d[0]->upbit, d[3]->upbit);
	assert_int_not_equal(d[0]->upbit, d[2]->upbit);
	assert_int_equal(r.cx.uprocs.n, 2);
	assert_string_equal(d[2]->pp, "process(1).end");
	assert_string_equal(d[1]->pp, "process.thread.end");
	assert_non_null(strstr(d[3]->pp, "\").thread.begin"));
	done(&r);
	expect_error("probe process(2147483646).begin {}", "names no running process: 2147483646");
	expect_error("probe process(\"/nonexistent/x\").end {}", "cannot be opened");
}

/* as tap -c "/bin/sh -c true" */
static void hz_250_target(struct cc_ctx *cx)
{
	hz_250(cx);
	cx->target_cmd = "/bin/sh";
}

/* probe_perf.c: .process, .process("PATH"), .counter, @perf */
static void perf_process(void **state)
{
	struct cc_perfctr *k;
	struct cc_dprobe *d;
	struct run r;

	(void)state;
	run_prepare = hz_250_target;
	run(&r, "probe perf.sw.task_clock.process.sample(1000) {}");
	d = dprobe(&r);
	assert_true(d->perf_task);
	assert_int_equal(d->perf_exe, 0);
	assert_true(d->sample == 1000);
	done(&r);
	/* .hz before .process("PATH"); two spellings of one file: one filter */
	run(&r, "probe perf.sw.cpu_clock.hz(99).process(\"/bin/sh\") {}\n"
		"probe perf.sw.cpu_clock.process(\"//bin/./sh\") {}");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cx.prog->probes.n, 2);
	d = r.cx.prog->probes.v[0];
	assert_false(d->perf_task);
	assert_int_equal(d->perf_exe, 1);
	assert_true(d->freq && d->sample == 99);
	assert_int_equal(((struct cc_dprobe *)r.cx.prog->probes.v[1])->perf_exe, 1);
	assert_int_equal(r.cx.perfexes.n, 1);
	done(&r);
	/* a counter is no probe: it is in cx->perfctrs, and @perf reads it */
	run(&r, "probe perf.type(1).config(2).process(\"/bin/sh\").counter(\"pf\") {}\n"
		"probe perf.sw.task_clock.counter(\"t\") {}\n"
		"probe kernel.trace(\"sched:sched_switch\")? { println(@perf(\"t\")) }");
	assert_int_equal(r.cx.perfctrs.n, 2);
	k = r.cx.perfctrs.v[0];
	assert_string_equal(k->name, "pf");
	assert_int_equal(k->type, 1);
	assert_true(k->config == 2);
	assert_non_null(k->path);
	assert_null(((struct cc_perfctr *)r.cx.perfctrs.v[1])->path);
	for (int i = 0; i < r.cx.prog->probes.n; i++)
		assert_int_not_equal(((struct cc_dprobe *)r.cx.prog->probes.v[i])->kind, PK_PERF);
	done(&r);
	expect_error("probe perf.sw.page_faults.counter(\"a\").sample(10) {}",
		     "has components after .counter(\"NAME\")");
	expect_error("probe perf.sw.page_faults.sample(10).counter(\"a\") {}",
		     "is a counter: it counts and does not sample");
	expect_error("probe perf.sw.page_faults.process.process {}", "expects one .process");
	expect_error("probe perf.sw.page_faults.sample(1).hz(2) {}",
		     "expects one .sample(N) or .hz(N), N > 0");
	expect_error("probe perf.sw.page_faults.counter(\"\") {}", "expects .counter(\"NAME\")");
	expect_error("probe perf.sw.page_faults.cgroup(\"x\") {}",
		     "expects .sample(N) or .hz(N), .process[(\"PATH\")] and .counter(\"NAME\")");
	expect_error("probe perf.sw.page_faults.process(\"/bin/true\").counter(\"a\") {}",
		     "which is not the target");
	expect_error("probe perf.sw.page_faults.counter(\"a\") {}\n"
		     "probe perf.sw.page_faults.counter(\"b\") {}\n"
		     "probe perf.sw.page_faults.counter(\"a\") {}",
		     "t.stp:3:7: error: probe point 'perf.sw.page_faults.counter(\"a\")' defines perf "
		     "counter 'a' again (first at t.stp:1:7)");
	expect_error("probe begin { println(@perf(\"a\", 1)) }",
		     "'@perf' expects a counter's name: @perf(\"NAME\")");
	run_prepare = hz_250;
	expect_error("probe perf.sw.page_faults.counter(\"a\") {}",
		     "is a counter of the target process: run with -c CMD or -x PID");
	expect_error("probe perf.sw.page_faults.process {}",
		     "samples the target process: run with -c CMD or -x PID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(begin_sequence),
		cmocka_unit_test(timer_periods),
		cmocka_unit_test(perf_numbers),
		cmocka_unit_test(process_lifecycle),
		cmocka_unit_test(perf_process),
	};

	run_prepare = hz_250;

	return cmocka_run_group_tests(tests, NULL, NULL);
}
