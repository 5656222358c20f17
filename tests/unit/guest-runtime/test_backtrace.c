// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/backtrace.c: addresses to symbols in
 * SystemTap's forms (runtime/sym.c): this process's own functions and
 * libc's, resolved through /proc/self/maps and the files' ELF symbol
 * tables; kernel addresses through /proc/kallsyms (when it shows them:
 * root); addresses nothing maps stay hex; stack lines as
 * print_backtrace() prints them.
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
	assert_int_equal(grt_stack_print(&b, false, true, 0, ips, 2), 0);
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
	assert_int_equal(grt_stack_print(&b, true, false, getpid(), ips, 1), 0);
	snprintf(want, sizeof(want), " 0x%" PRIx64 "\n", ips[0]);
	assert_string_equal(b.data, want);
	grt_buf_reset(&b);
	assert_int_equal(grt_stack_print(&b, true, true, getpid(), ips, 1), 0);
	assert_non_null(strstr(b.data, " : test_backtrace_marker+0x0/0x"));
	grt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_libc_function),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_user_stack_unresolved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
