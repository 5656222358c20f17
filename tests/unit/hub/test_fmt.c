// SPDX-License-Identifier: MIT
/*
 * Tests for hub/fmt.c: what tap-read and recovery show of the records of
 * a source, through the record consumer.  The regression here: a stack
 * record (print_ubacktrace() in a kernel probe) that an attached reader
 * shows was dropped without a word by tap-read and recovery.
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

#include "hub/hub.h"
#include "../guest-runtime/rec_build.h"

static const char meta_text[] =
	"taphub-guest 1\nmaxstr 128\nmaxaction 1000\nmaxmapentries 2048\nbpf 1\nso 0\n"
	"classes 1 default\n"
	"fmt 16 ls \"%d %s\\n\"\n"
	"end\n";

struct fixture {
	char *out, *msgs;
	size_t out_len, msgs_len;
	FILE *fout, *fmsgs;
	struct hub_fmt *fmt;
	int src;
};

static struct fixture *open_fmt(bool json)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct hub_fmt_opts o = { .json = json };
	char err[128] = "";

	assert_non_null(f);
	f->fout = open_memstream(&f->out, &f->out_len);
	f->fmsgs = open_memstream(&f->msgs, &f->msgs_len);
	assert_non_null(f->fout);
	assert_non_null(f->fmsgs);
	o.out = f->fout;
	o.msgs = f->fmsgs;
	assert_int_equal(hub_fmt_new(&o, &f->fmt), 0);
	f->src = hub_fmt_source(f->fmt);
	assert_true(f->src >= 0);
	assert_int_equal(hub_fmt_add_guest(f->fmt, f->src, 1, meta_text, strlen(meta_text), err,
					   sizeof(err)),
			 0);
	hub_fmt_set_class(f->fmt, f->src, 0, "bulk", 4);
	return f;
}

static void close_fmt(struct fixture *f)
{
	hub_fmt_free(f->fmt);
	fclose(f->fout);
	fclose(f->fmsgs);
	free(f->out);
	free(f->msgs);
	free(f);
}

static void put(struct fixture *f, struct rec_build *r)
{
	size_t n = rec_end(r);

	hub_fmt_record(f->fmt, f->src, r->b, n, 0);
	fflush(f->fout);
	fflush(f->fmsgs);
}

static void test_stack_shown(void **state)
{
	struct fixture *f = open_fmt(false);
	struct rec_build r;

	(void)state;
	rec_start(&r, TH_FMT_STACK, 1, 0);
	rec_long(&r, 1);   /* user */
	rec_long(&r, 1);   /* pid */
	rec_long(&r, 2);   /* frames */
	rec_long(&r, 0x401000);
	rec_long(&r, 0x402abc);
	put(f, &r);
	assert_string_equal(f->out, " 0x401000\n 0x402abc\n");
	close_fmt(f);
}

static void test_kinds(void **state)
{
	struct fixture *f = open_fmt(false);
	struct rec_build r;

	(void)state;
	rec_start(&r, TH_FMT_FIRST, 1, 0);
	rec_long(&r, 5);
	rec_str(&r, "abc");
	put(f, &r);
	rec_start(&r, TH_FMT_TEXT, 1, 0);
	rec_str(&r, "runner\n");
	put(f, &r);
	rec_start(&r, TH_FMT_LOST, 0, 0);
	rec_long(&r, 3);
	put(f, &r);
	rec_start(&r, TH_FMT_FIRST, 9, 0); /* no table for guest 9 */
	rec_long(&r, 5);
	rec_str(&r, "abc");
	put(f, &r);
	assert_string_equal(f->out, "5 abc\nrunner\n");
	assert_string_equal(f->msgs, "WARNING: 3 records lost in class bulk\n");
	assert_int_equal(hub_fmt_unformatted(f->fmt), 1);
	close_fmt(f);
}

static void test_json(void **state)
{
	struct fixture *f = open_fmt(true);
	struct rec_build r;

	(void)state;
	rec_start(&r, TH_FMT_TEXT, 1, 0);
	rec_str(&r, "a \"quoted\"\n");
	put(f, &r);
	rec_start(&r, TH_FMT_EXIT, 1, 0);
	put(f, &r);
	assert_string_equal(f->out, "{\"time\":0.000000005,\"cpu\":3,\"class\":\"bulk\",\"guest\":1,"
				    "\"text\":\"a \\\"quoted\\\"\\n\"}\n");
	close_fmt(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_shown),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
