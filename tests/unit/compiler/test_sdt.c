// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/sdt.c: the argument specs, every x86-64 operand
 * form GNU as writes into .note.stapsdt (as gcc emits them for <sys/sdt.h>
 * markers: the specs below are copied from `readelf -n` of binaries built
 * here), each with the register offsets of x86_64's struct pt_regs, and
 * the specs it refuses with the reason.  Reading notes out of an ELF file
 * is tested end to end (tests/e2e/sdt.sh) against a program built with
 * <sys/sdt.h>.  And mark("a-b") patterns, which name the marker a__b.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "compiler/compiler.h"

/* pt_regs offsets (arch/x86/include/asm/ptrace.h) */
enum {
	R15 = 0,
	R14 = 8,
	RBP = 32,
	RBX = 40,
	R9 = 64,
	R8 = 72,
	RAX = 80,
	RCX = 88,
	RDX = 96,
	RSI = 104,
	RDI = 112,
	RIP = 128,
	RSP = 152
};

static struct cc_arena *A;

static int setup(void **state)
{
	(void)state;
	A = cc_arena_new();
	return A ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cc_arena_free(A);
	return 0;
}

static int parse(const char *spec, struct cc_sdt_arg *v, const char **err)
{
	*err = NULL;
	return cc_sdt_parse_args(A, spec, v, CC_SDT_MAX_ARGS, err);
}

static void test_registers(void **state)
{
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	const char *err;

	(void)state;
	assert_int_equal(parse("-4@%edi -8@%rax -1@%cl -2@%dx 8@%r9 4@%r15d 1@%sil 1@%ah", v, &err),
			 8);
	assert_int_equal(v[0].kind, CC_SDT_REG);
	assert_int_equal(v[0].reg, RDI);
	assert_int_equal(v[0].size, 4);
	assert_true(v[0].is_signed);
	assert_int_equal(v[1].reg, RAX);
	assert_int_equal(v[1].size, 8);
	assert_int_equal(v[2].reg, RCX);
	assert_int_equal(v[2].size, 1);
	assert_int_equal(v[3].reg, RDX);
	assert_int_equal(v[3].size, 2);
	assert_int_equal(v[4].reg, R9);
	assert_false(v[4].is_signed);
	assert_int_equal(v[5].reg, R15);
	assert_int_equal(v[6].reg, RSI);
	assert_int_equal(v[6].shift, 0);
	/* %ah is bits 8..15 of rax */
	assert_int_equal(v[7].reg, RAX);
	assert_int_equal(v[7].shift, 8);
}

static void test_immediates(void **state)
{
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	const char *err;

	(void)state;
	assert_int_equal(parse("1@$-56 -4@$5 8@$0x10", v, &err), 3);
	assert_int_equal(v[0].kind, CC_SDT_IMM);
	/* the value as written: codegen truncates to the size (200 for 1@$-56) */
	assert_int_equal(v[0].val, -56);
	assert_false(v[0].is_signed);
	assert_int_equal(v[1].val, 5);
	assert_int_equal(v[2].val, 16);
}

static void test_memory(void **state)
{
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	const char *err;

	(void)state;
	assert_int_equal(
	    parse("-4@-20(%rbp) 8@(%rsp) -8@8(%rax,%rdx,8) 2@(,%rbx,2) 4@16(%r8,%rcx)", v, &err),
	    5);
	assert_int_equal(v[0].kind, CC_SDT_MEM);
	assert_int_equal(v[0].reg, RBP);
	assert_int_equal(v[0].val, -20);
	assert_int_equal(v[0].index, -1);
	assert_int_equal(v[1].reg, RSP);
	assert_int_equal(v[1].val, 0);
	assert_int_equal(v[2].reg, RAX);
	assert_int_equal(v[2].index, RDX);
	assert_int_equal(v[2].scale, 8);
	assert_int_equal(v[2].val, 8);
	assert_int_equal(v[3].reg, -1);
	assert_int_equal(v[3].index, RBX);
	assert_int_equal(v[3].scale, 2);
	assert_int_equal(v[4].reg, R8);
	assert_int_equal(v[4].index, RCX);
	assert_int_equal(v[4].scale, 1);
	assert_int_equal(v[4].val, 16);
}

/* globals: gcc writes the symbol, with the offset before or after it */
static void test_rip_relative(void **state)
{
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	const char *err;

	(void)state;
	assert_int_equal(parse("-8@g_value(%rip) -4@8+pr.0(%rip) 4@buf-4(%rip)", v, &err), 3);
	assert_true(v[0].rip);
	assert_int_equal(v[0].reg, RIP);
	assert_string_equal(v[0].sym, "g_value");
	assert_int_equal(v[0].val, 0);
	assert_string_equal(v[1].sym, "pr.0");
	assert_int_equal(v[1].val, 8);
	assert_string_equal(v[2].sym, "buf");
	assert_int_equal(v[2].val, -4);
}

static void test_no_size(void **state)
{
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	const char *err;

	(void)state;
	/* old notes: no size, a long */
	assert_int_equal(parse("%rdi", v, &err), 1);
	assert_int_equal(v[0].size, 8);
	assert_true(v[0].is_signed);
	assert_int_equal(parse("", v, &err), 0);
	assert_int_equal(parse("  ", v, &err), 0);
}

static void test_refused(void **state)
{
	static const struct {
		const char *spec, *why;
	} bad[] = {
	    {"3@%eax", "bad size before '@'"},
	    {"4@%xmm0", "unknown register"},
	    {"4@%rip", "unknown register"},
	    {"8@$sym", "immediate operand is not a number (a symbol's address?)"},
	    {"8@16", "expected '(' in a memory operand"},
	    {"8@16(%rax", "expected ')' in a memory operand"},
	    {"8@(%rax,%rbx,3)", "bad scale"},
	    {"8@sym(%rax)", "a symbol's address is only read relative to %rip"},
	    {"8@8(%rip)", "%rip without a symbol"},
	    {"8@%rax+", "unexpected text after the operand"},
	    {"8@a+b(%rip)", "bad displacement"},
	    {"1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al",
	     "more arguments than SDT markers have (12)"},
	};
	struct cc_sdt_arg v[CC_SDT_MAX_ARGS];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err;

		if (parse(bad[i].spec, v, &err) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].spec);
		assert_non_null(err);
		if (strcmp(err, bad[i].why))
			fail_msg("'%s': '%s', expected '%s'", bad[i].spec, err, bad[i].why);
	}
}

/* process.mark("a-b") finds the marker a__b (compiler/sdt.c) */
static void test_mark_pattern(void **state)
{
	(void)state;
	assert_string_equal(cc_sdt_mark_pattern(A, "request-start"), "request__start");
	assert_string_equal(cc_sdt_mark_pattern(A, "a-b-c*"), "a__b__c*");
	assert_string_equal(cc_sdt_mark_pattern(A, "plain__name"), "plain__name");
	/* a range's '-' is the pattern's */
	assert_string_equal(cc_sdt_mark_pattern(A, "[a-c]-x"), "[a-c]__x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registers), cmocka_unit_test(test_immediates),
	    cmocka_unit_test(test_memory),    cmocka_unit_test(test_rip_relative),
	    cmocka_unit_test(test_no_size),   cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_mark_pattern),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
