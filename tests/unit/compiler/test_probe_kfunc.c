// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/probe_kfunc.c: what kernel.function,
 * module().function and kprobe.function points expand to, against a
 * made-up kernel.
 *
 * The kernel is a temporary tracefs (TAPHUB_TRACEFS) whose
 * available_filter_functions lists a few functions, a module's and a
 * compiler clone among them, and a context that says the kernel has
 * kprobes and no BPF trampolines (so nothing is asked of the real
 * kernel).  Parameters come from this machine's BTF when it has one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"
#include "elab.h"

static char tracefs[] = "/tmp/test_probe_kfunc.XXXXXX";
static bool kprobes = true;

static void made_up_kernel(struct cc_ctx *cx)
{
	cx->kern.has_kprobes = kprobes;
	cx->kern.has_fentry = -1;
}

static int setup(void **state)
{
	char path[sizeof(tracefs) + 40];
	FILE *f;

	(void)state;
	if (!mkdtemp(tracefs))
		return -1;
	snprintf(path, sizeof(path), "%s/available_filter_functions", tracefs);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("vfs_read\nvfs_readv\nvfs_write\nvfs_read.isra.0\nshow_map\nshow_map\n"
	      "ext4_file_read_iter [ext4]\next4_sync_fs [ext4]\nxfs_sync_fs [xfs]\n",
	      f);
	fclose(f);
	setenv("TAPHUB_TRACEFS", tracefs, 1);
	run_prepare = made_up_kernel;
	return 0;
}

static int teardown(void **state)
{
	char path[sizeof(tracefs) + 40];

	(void)state;
	snprintf(path, sizeof(path), "%s/available_filter_functions", tracefs);
	unlink(path);
	rmdir(tracefs);
	return 0;
}

/* The derived probes' points, one per line, in order. */
static char *pps(struct run *r)
{
	static char buf[1024];
	int i;

	buf[0] = 0;
	assert_int_equal(r->rc, 0);
	for (i = 0; i < r->cx.prog->probes.n; i++) {
		struct cc_dprobe *d = r->cx.prog->probes.v[i];

		assert_int_equal(d->kind, PK_KFUNC);
		strncat(buf, d->pp, sizeof(buf) - strlen(buf) - 2);
		strcat(buf, "\n");
	}
	return buf;
}

static void wildcards(void **state)
{
	struct run r;

	(void)state;
	/* vmlinux's only: no module's, no clone, each name once */
	run(&r, "probe kernel.function(\"vfs_*\") {}");
	assert_string_equal(pps(&r), "kernel.function(\"vfs_read\")\nkernel.function(\"vfs_readv\")\n"
				     "kernel.function(\"vfs_write\")\n");
	done(&r);
	run(&r, "probe kernel.function(\"show_*\").return {}");
	assert_string_equal(pps(&r), "kernel.function(\"show_map\").return\n");
	done(&r);
	run(&r, "probe module(\"ext4\").function(\"*\") {}");
	assert_string_equal(pps(&r), "module(\"ext4\").function(\"ext4_file_read_iter\")\n"
				     "module(\"ext4\").function(\"ext4_sync_fs\")\n");
	done(&r);
	run(&r, "probe module(\"*\").function(\"*_sync_fs\") {}");
	assert_string_equal(pps(&r), "module(\"ext4\").function(\"ext4_sync_fs\")\n"
				     "module(\"xfs\").function(\"xfs_sync_fs\")\n");
	done(&r);
	/* a clone by its own name; kprobe.* is a kprobe */
	run(&r, "probe kprobe.function(\"vfs_read.isra.0\").return {}");
	assert_string_equal(pps(&r), "kprobe.function(\"vfs_read.isra.0\").return\n");
	assert_true(((struct cc_dprobe *)r.cx.prog->probes.v[0])->kprobe);
	assert_true(((struct cc_dprobe *)r.cx.prog->probes.v[0])->kret);
	done(&r);
	/* a pattern that matches nothing here: an error unless optional */
	run(&r, "probe kernel.function(\"nosuch_*\") ?, begin {}");
	assert_int_equal(r.rc, 0);
	done(&r);
}

static void refusals(void **state)
{
	(void)state;
	expect_error("probe kernel.function(\"nosuch\") {}",
		     "names no function this kernel can probe: 'nosuch' is not in");
	expect_error("probe kernel.function(\"vfs_read@fs/read_write.c:450\") {}",
		     "names a source file or line, which needs the kernel's DWARF");
	expect_error("probe kernel.function(\"vfs_read\").inline {}",
		     "needs the kernel's DWARF (debuginfo) to find inlined");
	expect_error("probe kernel.statement(\"vfs_read@fs/read_write.c:450\") {}",
		     "needs the kernel's DWARF line tables");
	expect_error("probe kprobe.function(\"vfs_read\").call {}", "has unexpected components");
	expect_error("probe kernel.function(\"vfs_read\").return.call {}",
		     "has unexpected components");
	expect_error("probe kernel.function(\"vfs_read\") { println($return) }",
		     "'$return' is only available in .return probes");
	expect_error("probe module(\"ext4\").function(\"ext4_sync_fs\") { println($sb) }",
		     "the function has no prototype in the kernel's BTF");
	expect_error("probe begin { println(@entry(1)) }", "has none (taphub pairs system call "
							    "and kernel function returns");
	/* the kernel without kprobes or trampolines: the refusal as it always was */
	kprobes = false;
	expect_error("probe kernel.function(\"vfs_read\") {}",
		     "probe point 'kernel.function(\"vfs_read\")' is not supported on this kernel: "
		     "it needs kprobes, and this kernel has none (CONFIG_KPROBES is not set); use "
		     "a tracepoint instead (tap -l 'kernel.trace(\"*\")' lists them)");
	kprobes = true;
}

/* $parameters from this machine's BTF, when it has one */
static void parameters(void **state)
{
	struct run r;

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	run(&r, "probe kernel.function(\"vfs_read\").return { println($count + $return) }");
	assert_int_equal(r.rc, 0);
	done(&r);
	expect_error("probe kernel.function(\"vfs_read\") { println($nosuch) }",
		     "unable to find target variable '$nosuch' in kernel.function(\"vfs_read\") "
		     "(its parameters: $file $buf $count $pos)");
	/* member chains on a parameter, through BTF (elaborate_btf.c) */
	run(&r, "probe kernel.function(\"vfs_read\") { println($file->f_pos + "
		"$file->f_path->dentry->d_inode->i_ino) }");
	assert_int_equal(r.rc, 0);
	done(&r);
	expect_error("probe kernel.function(\"vfs_read\") { println($file->f_nosuch) }",
		     "f_nosuch");
	run(&r, "probe kernel.function(\"vfs_read\") { println(@defined($count) + "
		"@defined($nosuch)) }");
	assert_int_equal(r.rc, 0);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wildcards),
		cmocka_unit_test(refusals),
		cmocka_unit_test(parameters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
