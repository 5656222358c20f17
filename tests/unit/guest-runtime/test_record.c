// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/record.c: the record consumer shows every kind
 * of record, as text and as JSON, with and without the guest's runtime;
 * a format's process addresses resolved (or not: the hub's) to lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-runtime/grt.h"
#include "rec_build.h"

static const char meta_text[] =
	"taphub-guest 1\nmaxstr 128\nmaxaction 1000\nmaxmapentries 2048\nbpf 1\nso 0\n"
	"classes 2 default net\n"
	"fmt 16 ls \"%d %s\\n\"\n"
	"fmt 17 lF \"%d %s\\n\"\n"
	"site 0 1 \"division by 0\" \"operator '/'\" \"t.stp:3:14\"\n"
	"end\n";

struct fixture {
	struct grt_meta *meta;
	struct grt_rt *rt;
	struct grt_out o;
	struct grt_record_ctx c;
	struct rec_build r;
};

/* a function on one line: each of its addresses is that line's */
__attribute__((noinline)) int test_record_marker(int x);
int test_record_marker(int x) { return x * 7 + 1; } enum { RECORD_MARKER_LINE = __LINE__ };

/* user_symbols: the runtime resolves a process's addresses (tap's, not the hub's) */
static int setup_as(void **state, bool user_symbols)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct grt_rt_opts ro = { .sz = sizeof(ro), .write = grt_out_write, .maxerrors = INT64_MAX,
				  .user_symbols = user_symbols };
	char err[128] = "";

	assert_non_null(f);
	assert_int_equal(grt_meta_parse(meta_text, strlen(meta_text), &f->meta, err, sizeof(err)), 0);
	ro.meta = f->meta;
	ro.arg = &f->o;
	assert_int_equal(grt_rt_new(&ro, &f->rt), 0);
	f->c.rt = f->rt;
	f->c.cls = "net";
	f->c.mono_to_real = 1000000000;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_as(state, false);
}

static int setup_symbols(void **state)
{
	return setup_as(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	grt_rt_free(f->rt);
	grt_meta_free(f->meta);
	grt_out_free(&f->o);
	free(f);
	return 0;
}

static int consume(struct fixture *f)
{
	grt_out_reset(&f->o);
	return grt_record_consume(&f->c, f->r.b, rec_end(&f->r), &f->o);
}

static void expect(const struct grt_buf *b, const char *want)
{
	assert_int_equal(b->len, strlen(want));
	if (b->len)
		assert_memory_equal(b->data, want, b->len);
}

/* The record in hand again, as JSON: one line in out, nothing in msg. */
static void expect_json(struct fixture *f, const char *want)
{
	f->c.json = true;
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, want);
	expect(&f->o.msg, "");
}

static void test_guest_format(void **state)
{
	struct fixture *f = *state;

	rec_start(&f->r, TH_FMT_FIRST, 1, 1);
	rec_long(&f->r, 5);
	rec_str(&f->r, "abc");
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, "5 abc\n");
	expect(&f->o.msg, "");

	expect_json(f, "{\"time\":1.000000005,\"cpu\":3,\"class\":\"net\",\"guest\":1,"
		       "\"text\":\"5 abc\\n\"}\n");
}

static void test_no_table(void **state)
{
	struct fixture *f = *state;

	/* a guest format, an error: they need the table */
	f->c.rt = NULL;
	rec_start(&f->r, TH_FMT_FIRST, 1, 0);
	rec_long(&f->r, 5);
	rec_str(&f->r, "abc");
	assert_int_equal(consume(f), -ENOENT);
	expect(&f->o.out, "");
	rec_start(&f->r, TH_FMT_ERROR, 1, 0);
	rec_long(&f->r, 0);
	rec_str(&f->r, "");
	assert_int_equal(consume(f), -ENOENT);
	/* runner text does not */
	rec_start(&f->r, TH_FMT_TEXT, 1, 0);
	rec_str(&f->r, "from the runner\n");
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, "from the runner\n");
}

static void test_error_warn(void **state)
{
	struct fixture *f = *state;

	rec_start(&f->r, TH_FMT_ERROR, 1, 0);
	rec_long(&f->r, 0);
	rec_str(&f->r, "");
	assert_int_equal(consume(f), 0);
	expect(&f->o.msg, "ERROR: division by 0 near operator '/' at t.stp:3:14\n");
	rec_start(&f->r, TH_FMT_WARN, 1, 0);
	rec_str(&f->r, "careful");
	assert_int_equal(consume(f), 0);
	expect(&f->o.msg, "WARNING: careful\n");
	expect_json(f, "{\"time\":1.000000005,\"cpu\":3,\"class\":\"net\",\"guest\":1,"
		       "\"text\":\"\",\"message\":\"WARNING: careful\\n\"}\n");
}

static void test_lost(void **state)
{
	struct fixture *f = *state;

	f->c.rt = NULL; /* a loss is no guest's */
	rec_start(&f->r, TH_FMT_LOST, 0, 1);
	rec_long(&f->r, 7);
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, "");
	expect(&f->o.msg, "WARNING: 7 records lost in class net\n");
	expect_json(f, "{\"time\":1.000000005,\"class\":\"net\",\"lost\":7}\n");
}

static void test_stack(void **state)
{
	struct fixture *f = *state;

	/* a user stack read back: hex frames, no process's files */
	rec_start(&f->r, TH_FMT_STACK, 1, 0);
	rec_long(&f->r, 1);
	rec_long(&f->r, 1);
	rec_long(&f->r, 2);
	rec_long(&f->r, 0x401000);
	rec_long(&f->r, 0x402abc);
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, " 0x401000\n 0x402abc\n");
}

static void test_silent_kinds(void **state)
{
	struct fixture *f = *state;
	static const uint16_t kinds[] = { TH_FMT_NONE,	 TH_FMT_EXIT,	TH_FMT_META,
					  TH_FMT_INFO,	 TH_FMT_CLASS,	TH_FMT_SWITCH,
					  TH_FMT_FIRST - 1 /* a later special */ };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		f->c.json = i % 2;
		rec_start(&f->r, kinds[i], 1, 0);
		assert_int_equal(consume(f), 0);
		expect(&f->o.out, "");
		expect(&f->o.msg, "");
	}
	/* system() read back: nothing is run, nothing shown (no act callback) */
	rec_start(&f->r, TH_FMT_SYSTEM, 1, 0);
	rec_str(&f->r, "touch /nonexistent/x");
	assert_int_equal(consume(f), 0);
	expect(&f->o.out, "");
	assert_int_equal(consume(f), 0);
}

static void test_short(void **state)
{
	struct fixture *f = *state;

	grt_out_reset(&f->o);
	assert_int_equal(grt_record_consume(&f->c, f->r.b, sizeof(struct th_rec) - 1, &f->o),
			 -EBADMSG);
}

/* usymfileline() printed from a kernel probe: the process id and the address */
static void rec_usym(struct fixture *f, uint64_t addr)
{
	rec_start(&f->r, TH_FMT_FIRST + 1, 1, 0);
	rec_long(&f->r, 7);
	rec_long(&f->r, getpid());
	rec_long(&f->r, (int64_t)addr);
}

static void test_resolved_hex(void **state)
{
	struct fixture *f = *state;
	uint64_t a = (uint64_t)(uintptr_t)&test_record_marker;
	char want[64];

	/* the hub's runtime resolves no process's address: hex, as stap without lines */
	rec_usym(f, a);
	assert_int_equal(consume(f), 0);
	snprintf(want, sizeof(want), "7 0x%" PRIx64 "\n", a);
	expect(&f->o.out, want);
	/* a record cut inside the address is malformed, and said so once */
	rec_start(&f->r, TH_FMT_FIRST + 1, 1, 0);
	rec_long(&f->r, 7);
	rec_long(&f->r, getpid());
	assert_int_equal(consume(f), -EBADMSG);
	assert_non_null(strstr(f->o.msg.data, "malformed record"));
	assert_int_equal(test_record_marker(1), 8);
}

static void test_resolved(void **state)
{
	struct fixture *f = *state;
	uint64_t a = (uint64_t)(uintptr_t)&test_record_marker + 1;
	char want[64];
	const char *line, *at;

	/* tap's: the line of the address, from this test's DWARF (built with -g) */
	rec_usym(f, a);
	assert_int_equal(consume(f), 0);
	assert_non_null(f->o.out.data);
	snprintf(want, sizeof(want), "%s:%d\n", __FILE__, RECORD_MARKER_LINE);
	line = strstr(f->o.out.data, want);
	assert_non_null(line);
	assert_string_equal(line, want);
	assert_memory_equal(f->o.out.data, "7 ", 2);
	/* print_ubacktrace_fileline()'s record: a FULLER frame */
	rec_start(&f->r, TH_FMT_STACK, 1, 0);
	rec_long(&f->r, TH_STACK_USER | TH_STACK_LINES);
	rec_long(&f->r, getpid());
	rec_long(&f->r, 1);
	rec_long(&f->r, (int64_t)a);
	assert_int_equal(consume(f), 0);
	assert_non_null(strstr(f->o.out.data, " : test_record_marker+0x1/0x"));
	at = strstr(f->o.out.data, " at ");
	assert_non_null(at);
	snprintf(want, sizeof(want), "%s:%d [", __FILE__, RECORD_MARKER_LINE);
	assert_non_null(strstr(at, want));
	assert_int_equal(f->o.out.data[f->o.out.len - 1], '\n');
}

/* every test gets a fresh runtime */
#define RECORD_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		RECORD_TEST(test_guest_format), RECORD_TEST(test_no_table), RECORD_TEST(test_error_warn),
		RECORD_TEST(test_lost),		RECORD_TEST(test_stack),    RECORD_TEST(test_silent_kinds),
		RECORD_TEST(test_short),	RECORD_TEST(test_resolved_hex),
		cmocka_unit_test_setup_teardown(test_resolved, setup_symbols, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
