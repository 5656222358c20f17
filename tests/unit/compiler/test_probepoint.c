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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(begin_sequence),
		cmocka_unit_test(timer_periods),
		cmocka_unit_test(perf_numbers),
		cmocka_unit_test(process_lifecycle),
	};

	run_prepare = hz_250;

	return cmocka_run_group_tests(tests, NULL, NULL);
}
