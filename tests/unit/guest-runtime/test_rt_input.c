// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/rt.c: the input probes (what tap reads on its
 * stdin runs input.char once per byte and input.line once per line, as
 * stap's runner feeds them) and tap -t's timing of user probes.
 *
 * The guest here is a hand-made descriptor whose probe functions record
 * what they were given; the meta is the smallest one a user-only guest
 * has (MAXSTRINGLEN 16: a line keeps 15 bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "taphub/stat.h"

static const char meta_text[] = "taphub-guest 1\nmaxstr 16\nstrlen 16\nmaxaction 1000\n"
				"maxmapentries 2048\nbpf 0\nso 1\nclasses 1 default\nend\n";

static char chars[256], lines[512];

static void on_char(struct grt_uctx *u)
{
	strncat(chars, u->input, sizeof(chars) - strlen(chars) - 1);
}

static void on_line(struct grt_uctx *u)
{
	strncat(lines, "[", sizeof(lines) - strlen(lines) - 1);
	strncat(lines, u->input, sizeof(lines) - strlen(lines) - 1);
	strncat(lines, "]", sizeof(lines) - strlen(lines) - 1);
	if (strstr(u->input, "stop"))
		grt_exit(u);
}

static void on_begin(struct grt_uctx *u)
{
	/* not an input probe: it has nothing to read */
	assert_null(u->input);
}

static const struct grt_uprobe probes[] = {
	{ .kind = GRT_UP_BEGIN, .fn = on_begin, .pp = "begin" },
	{ .kind = GRT_UP_INPUT, .fn = on_char, .pp = "__stdin" },
	{ .kind = GRT_UP_INPUT, .fn = on_line, .pp = "__stdin.line", .input_line = 1 },
};

static const struct grt_guest_desc desc = {
	.abi = GRT_ABI, .maxstr = 16, .nprobes = 3, .probes = probes,
};

static void discard(void *arg, int stream, const char *data, size_t len)
{
	(void)arg;
	(void)stream;
	(void)data;
	(void)len;
}

static struct grt_rt *new_rt(struct grt_meta **m, bool timing, const struct grt_guest_desc *d)
{
	struct grt_rt_opts o = { .sz = sizeof(o), .desc = d, .write = discard, .timing = timing };
	struct grt_rt *rt = NULL;
	char err[128];

	assert_int_equal(grt_meta_parse(meta_text, strlen(meta_text), m, err, sizeof(err)), 0);
	o.meta = *m;
	assert_int_equal(grt_rt_new(&o, &rt), 0);
	chars[0] = lines[0] = 0;
	return rt;
}

static void bytes_and_lines(void **state)
{
	struct grt_meta *m;
	struct grt_rt *rt = new_rt(&m, false, &desc);

	assert_true(grt_rt_has_input(rt));
	/* lines arrive in any pieces */
	grt_rt_input(rt, "ab\nc", 4);
	grt_rt_input(rt, "d\n\nlast", 8);
	assert_string_equal(chars, "ab\ncd\n\nlast");
	assert_string_equal(lines, "[ab\n][cd\n][\n]");
	/* a last line without its newline never runs input.line; nothing after the end */
	grt_rt_input(rt, NULL, 0);
	grt_rt_input(rt, "x\n", 2);
	assert_string_equal(lines, "[ab\n][cd\n][\n]");
	assert_string_equal(chars, "ab\ncd\n\nlast");
	grt_rt_free(rt);
	grt_meta_free(m);
}

static void long_lines_keep_maxstringlen(void **state)
{
	struct grt_meta *m;
	struct grt_rt *rt = new_rt(&m, false, &desc);

	/* 20 bytes and a newline: the line keeps 15, the newline does not fit */
	grt_rt_input(rt, "0123456789abcdefghij\nok\n", 24);
	assert_string_equal(lines, "[0123456789abcde][ok\n]");
	assert_int_equal(strlen(chars), 24);
	grt_rt_free(rt);
	grt_meta_free(m);
}

static void exit_stops_input(void **state)
{
	struct grt_meta *m;
	struct grt_rt *rt = new_rt(&m, false, &desc);

	grt_rt_input(rt, "a\nstop\nb\nc\n", 11);
	assert_true(grt_rt_exit_requested(rt));
	assert_string_equal(lines, "[a\n][stop\n]");
	grt_rt_free(rt);
	grt_meta_free(m);
}

static void no_input_probes(void **state)
{
	static const struct grt_guest_desc none = { .abi = GRT_ABI, .maxstr = 16, .nprobes = 1,
						    .probes = probes };
	struct grt_meta *m;
	struct grt_rt *rt = new_rt(&m, false, &none);

	assert_false(grt_rt_has_input(rt));
	grt_rt_input(rt, "a\n", 2);
	assert_string_equal(chars, "");
	grt_rt_free(rt);
	grt_meta_free(m);
}

static void user_probe_timing(void **state)
{
	struct grt_meta *m;
	struct grt_rt *rt = new_rt(&m, true, &desc);
	struct th_probe_timing t;

	grt_rt_run_kind(rt, GRT_UP_BEGIN);
	grt_rt_input(rt, "xy\n", 3);
	assert_int_equal(grt_rt_probe_timing(rt, 0, &t), 0);
	assert_int_equal(t.count, 1);
	assert_true(t.min <= t.max && t.sum >= t.max);
	assert_int_equal(grt_rt_probe_timing(rt, 1, &t), 0);
	assert_int_equal(t.count, 3);
	assert_int_equal(grt_rt_probe_timing(rt, 2, &t), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(grt_rt_probe_timing(rt, 3, &t), -ENOENT);
	grt_rt_free(rt);
	grt_meta_free(m);
	/* without -t there is nothing to report */
	rt = new_rt(&m, false, &desc);
	assert_int_equal(grt_rt_probe_timing(rt, 0, &t), -ENOENT);
	grt_rt_free(rt);
	grt_meta_free(m);
}

static void timing_add_and_merge(void **state)
{
	struct th_probe_timing a = { 0 }, b = { 0 }, sum = { 0 };

	th_probe_timing_add(&a, 5);
	th_probe_timing_add(&a, 3);
	th_probe_timing_add(&b, 9);
	th_probe_timing_merge(&sum, &a);
	th_probe_timing_merge(&sum, &(struct th_probe_timing){ 0 });
	th_probe_timing_merge(&sum, &b);
	assert_int_equal(sum.count, 3);
	assert_int_equal(sum.sum, 17);
	assert_int_equal(sum.min, 3);
	assert_int_equal(sum.max, 9);
	assert_int_equal(sum.sumsq, 25 + 9 + 81);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bytes_and_lines),
		cmocka_unit_test(long_lines_keep_maxstringlen),
		cmocka_unit_test(exit_stops_input),
		cmocka_unit_test(no_input_probes),
		cmocka_unit_test(user_probe_timing),
		cmocka_unit_test(timing_add_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
