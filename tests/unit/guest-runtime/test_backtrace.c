// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/backtrace.c: addresses to symbols in
 * SystemTap's forms (runtime/sym.c): this process's own functions and
 * libc's, resolved through /proc/self/maps and the files' ELF symbol
 * tables; kernel addresses through /proc/kallsyms (when it shows them:
 * root); addresses nothing maps stay hex; stack lines as
 * print_backtrace() prints them; source lines from this test's own DWARF
 * (it is built with -g).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-runtime/grt.h"

/* a function of this program with a known name (and a body, so a size) */
__attribute__((noinline)) int test_backtrace_marker(int x);
__attribute__((noinline)) int test_backtrace_marker(int x)
{
	return x * 3 + 1;
}

/* a function on one line: each of its addresses is that line's */
__attribute__((noinline)) int test_lines_marker(int x);
int test_lines_marker(int x) { return x * 5 + 2; } enum { LINES_MARKER_LINE = __LINE__ };

static void self_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	assert_true(n > 0);
	buf[n] = 0;
}

static void test_own_function(void **state)
{
	uint64_t a = (uint64_t)(uintptr_t)&test_backtrace_marker;
	char out[PATH_MAX + 256], want[PATH_MAX + 256], exe[PATH_MAX], hex[32];
	const char *base;

	(void)state;
	self_path(exe, sizeof(exe));
	base = strrchr(exe, '/') + 1;
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_NAME);
	assert_string_equal(out, "test_backtrace_marker");
	grt_sym_user(out, sizeof(out), getpid(), a + 2, GRT_SYM_DATA);
	snprintf(want, sizeof(want), "test_backtrace_marker+0x2/0x");
	assert_memory_equal(out, want, strlen(want));
	snprintf(want, sizeof(want), " [%s]", exe);
	assert_string_equal(out + strlen(out) - strlen(want), want);
	/* SIMPLE: no size, the file's base name */
	grt_sym_user(out, sizeof(out), getpid(), a + 2, GRT_SYM_SIMPLE);
	snprintf(want, sizeof(want), "test_backtrace_marker+0x2 [%s]", base);
	assert_string_equal(out, want);
	/* FULL: " 0xADDR : " first */
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_FULL);
	snprintf(hex, sizeof(hex), " 0x%" PRIx64 " : ", a);
	assert_memory_equal(out, hex, strlen(hex));
	assert_memory_equal(out + strlen(hex), "test_backtrace_marker+0x0/0x", 28);
	assert_int_equal(test_backtrace_marker(1), 4);
}

static void test_libc_function(void **state)
{
	uint64_t a = (uint64_t)(uintptr_t)&getppid;
	char out[1024];

	(void)state;
	/* libc is stripped: its .dynsym names it */
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_DATA);
	assert_memory_equal(out, "getppid+0x0/0x", 14);
	assert_non_null(strstr(out, "libc.so.6]"));
}

static void test_unknown(void **state)
{
	char out[256];

	(void)state;
	/* nothing maps page 0 */
	grt_sym_user(out, sizeof(out), getpid(), 0x10, GRT_SYM_DATA);
	assert_string_equal(out, "0x10");
	grt_sym_user(out, sizeof(out), getpid(), 0x10, GRT_SYM_FULL);
	assert_string_equal(out, " 0x10");
	/* a process that is gone */
	grt_sym_user(out, sizeof(out), INT32_MAX, 0x401000, GRT_SYM_NAME);
	assert_string_equal(out, "0x401000");
	/* cut to the buffer */
	grt_sym_user(out, 4, getpid(), 0x1234, GRT_SYM_NAME);
	assert_string_equal(out, "0x1");
}

/* The address of a kernel text symbol from /proc/kallsyms, 0 when hidden. */
static uint64_t kallsyms_addr(const char *want)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned long long a;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 && !strcmp(name, want)) {
			fclose(f);
			return a;
		}
	}
	fclose(f);
	return 0;
}

static void test_kernel(void **state)
{
	uint64_t a = kallsyms_addr("do_syscall_64");
	char out[512];
	struct grt_buf b = { 0 };
	uint64_t ips[2];
	char want[128];

	(void)state;
	if (!a)
		skip(); /* not root: kallsyms shows no addresses */
	grt_sym_kernel(out, sizeof(out), a, GRT_SYM_NAME);
	assert_string_equal(out, "do_syscall_64");
	grt_sym_kernel(out, sizeof(out), a + 0x10, GRT_SYM_DATA);
	assert_memory_equal(out, "do_syscall_64+0x10/0x", 21);
	assert_string_equal(out + strlen(out) - 9, " [kernel]");
	grt_sym_kernel(out, sizeof(out), a + 0x10, GRT_SYM_SIMPLE);
	assert_string_equal(out, "do_syscall_64+0x10 [kernel]");
	/* print_backtrace()'s lines */
	ips[0] = a + 1;
	ips[1] = 0x10;
	assert_int_equal(grt_stack_print(&b, false, true, GRT_SYM_FULL, 0, ips, 2), 0);
	snprintf(want, sizeof(want), " 0x%" PRIx64 " : do_syscall_64+0x1/0x", a + 1);
	assert_memory_equal(b.data, want, strlen(want));
	assert_non_null(strstr(b.data, " [kernel]\n 0x10\n"));
	assert_int_equal(b.data[b.len - 1], '\n');
	grt_buf_free(&b);
}

static void test_user_stack_unresolved(void **state)
{
	uint64_t ips[1] = { (uint64_t)(uintptr_t)&test_backtrace_marker };
	struct grt_buf b = { 0 };
	char want[64];

	(void)state;
	/* the hub's readers leave user frames hex: they parse no user's files */
	assert_int_equal(grt_stack_print(&b, true, false, GRT_SYM_FULL, getpid(), ips, 1), 0);
	snprintf(want, sizeof(want), " 0x%" PRIx64 "\n", ips[0]);
	assert_string_equal(b.data, want);
	grt_buf_reset(&b);
	assert_int_equal(grt_stack_print(&b, true, true, GRT_SYM_FULL, getpid(), ips, 1), 0);
	assert_non_null(strstr(b.data, " : test_backtrace_marker+0x0/0x"));
	grt_buf_free(&b);
}

/* s ends with this file's name as the compiler was given it, after a '/' or whole */
static void assert_this_file(const char *s, size_t n)
{
	size_t f = strlen(__FILE__);

	assert_true(n >= f);
	assert_memory_equal(s + n - f, __FILE__, f);
	assert_true(n == f || s[n - f - 1] == '/');
}

static void test_lines(void **state)
{
	uint64_t a = (uint64_t)(uintptr_t)&test_lines_marker + 1;
	char out[PATH_MAX + 256], want[64], hex[32];
	const char *colon, *at;

	(void)state;
	/* this test is built with -g: its own DWARF */
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_FILELINE);
	colon = strrchr(out, ':');
	assert_non_null(colon);
	assert_this_file(out, (size_t)(colon - out));
	snprintf(want, sizeof(want), ":%d", LINES_MARKER_LINE);
	assert_string_equal(colon, want);
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_FILE);
	assert_this_file(out, strlen(out));
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_LINE);
	assert_int_equal(atoi(out), LINES_MARKER_LINE);
	/* FULLER: FULL with " at file:line" before the module */
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_FULLER);
	snprintf(hex, sizeof(hex), " 0x%" PRIx64 " : ", a);
	assert_memory_equal(out, hex, strlen(hex));
	assert_memory_equal(out + strlen(hex), "test_lines_marker+0x1/0x", 24);
	at = strstr(out, " at ");
	assert_non_null(at);
	colon = strrchr(out, ':');
	assert_this_file(at + 4, (size_t)(colon - at - 4));
	snprintf(want, sizeof(want), ":%d [", LINES_MARKER_LINE);
	assert_memory_equal(colon, want, strlen(want));
	assert_int_equal(test_lines_marker(1), 7);
}

static void test_no_lines(void **state)
{
	uint64_t a = (uint64_t)(uintptr_t)&getppid;
	char out[1024], full[1024];

	(void)state;
	/* nothing maps page 0, and a process that is gone: the address */
	grt_sym_user(out, sizeof(out), getpid(), 0x10, GRT_SYM_FILELINE);
	assert_string_equal(out, "0x10");
	grt_sym_user(out, sizeof(out), INT32_MAX, 0x401000, GRT_SYM_LINE);
	assert_string_equal(out, "0x401000");
	grt_sym_user(out, sizeof(out), getpid(), 0x10, GRT_SYM_FULLER);
	assert_string_equal(out, " 0x10");
	/* the kernel's lines are not read: its address, and FULLER is FULL */
	grt_sym_kernel(out, sizeof(out), 0xffffffff81000010ULL, GRT_SYM_FILE);
	assert_string_equal(out, "0xffffffff81000010");
	grt_sym_kernel(out, sizeof(out), 0xffffffff81000010ULL, GRT_SYM_FULLER);
	grt_sym_kernel(full, sizeof(full), 0xffffffff81000010ULL, GRT_SYM_FULL);
	assert_string_equal(out, full);
	/* libc without its debug file: FULLER is FULL (with one, a line follows) */
	grt_sym_user(out, sizeof(out), getpid(), a, GRT_SYM_FULLER);
	grt_sym_user(full, sizeof(full), getpid(), a, GRT_SYM_FULL);
	if (!strstr(out, " at "))
		assert_string_equal(out, full);
	/* cut to the buffer */
	grt_sym_user(out, 4, getpid(), (uint64_t)(uintptr_t)&test_lines_marker, GRT_SYM_FILELINE);
	assert_int_equal(strlen(out), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_libc_function),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_user_stack_unresolved),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_no_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
