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
static int kprobe_multi = -1;

static void made_up_kernel(struct cc_ctx *cx)
{
	cx->kern.has_kprobes = kprobes;
	cx->kern.has_fentry = -1;
	cx->kern.has_kprobe_multi = kprobe_multi;
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
		     "the function has no prototype in the BTF of module ext4");
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

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

/* The kernel C and the meta of text, with kprobe_multi as k says; the caller frees them. */
static void gen(const char *text, int k, char **ret_c, char **ret_meta)
{
	struct cc_output out = { 0 };
	struct run r;

	kprobe_multi = k;
	run(&r, text);
	kprobe_multi = -1;
	if (r.rc)
		fail_msg("unexpected errors:\n%s", r.diag ? r.diag : "(nothing)");
	assert_int_equal(cc_codegen(&r.cx, &out), 0);
	*ret_c = strdup(out.bpf_c);
	*ret_meta = strdup(out.meta);
	cc_output_free(&out);
	done(&r);
}

/*
 * A wildcard's kprobes: one program on one kprobe_multi link where the
 * kernel has them, its functions in the meta in the order of their
 * cookies, probefunc() and pp() from tables by the cookie; one kprobe
 * each where it has not, and for a plain name.
 */
static void kprobe_multi_link(void **state)
{
	const char *script = "global n probe kernel.function(\"vfs_*\") "
			     "{ n[probefunc(), pp(), ppfunc()]++ }";
	char *c, *meta;

	(void)state;
	gen(script, 1, &c, &meta);
	assert_int_equal(count(c, "SEC(\"kprobe.multi\")"), 1);
	assert_int_equal(count(c, "SEC(\"kprobe/"), 0);
	assert_non_null(strstr(c, "bpf_get_attach_cookie(ctx)"));
	assert_non_null(strstr(c, "\t\"kernel.function(\\\"vfs_readv\\\")\",\n"));
	assert_non_null(strstr(meta, " kfunc kprobe.multi vfs_read 0 \"kernel.function(\\\"vfs_read\\\")\"\n"
				     "kfn vfs_read\nkfn vfs_readv\nkfn vfs_write\n"));
	free(c);
	free(meta);
	/* .return: kretprobe.multi, its entry (for @entry) a kprobe.multi */
	gen("global n probe kernel.function(\"vfs_*\").return { n[probefunc()] = @entry(1) }", 1,
	    &c, &meta);
	assert_int_equal(count(c, "SEC(\"kretprobe.multi\")"), 1);
	assert_int_equal(count(c, "SEC(\"kprobe.multi\")"), 1);
	assert_int_equal(count(meta, "kfn "), 6);
	free(c);
	free(meta);
	/* no kprobe_multi: a kprobe each, as before */
	gen(script, -1, &c, &meta);
	assert_int_equal(count(c, "SEC(\"kprobe/"), 3);
	assert_int_equal(count(c, "kprobe.multi"), 0);
	assert_int_equal(count(meta, "kfn "), 0);
	free(c);
	free(meta);
	/* one function: a kprobe */
	gen("probe kernel.function(\"vfs_read\") {}", 1, &c, &meta);
	assert_int_equal(count(c, "SEC(\"kprobe/vfs_read\")"), 1);
	free(c);
	free(meta);
	/* a module's functions: a kprobe each (a link does not hold a module before 6.5) */
	gen("probe module(\"ext4\").function(\"*\") {}", 1, &c, &meta);
	assert_int_equal(count(c, "SEC(\"kprobe/"), 2);
	free(c);
	free(meta);
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
	/*
	 * a kretprobe reads its parameters at the entry (@entry): only those
	 * its function has, so a wildcard's body may guard one with @defined
	 */
	run(&r, "probe kernel.function(\"vfs_*\").return { if (@defined($count)) "
		"println($count) }");
	if (r.rc)
		fail_msg("unexpected errors:\n%s", r.diag ? r.diag : "(nothing)");
	assert_true(((struct cc_dprobe *)r.cx.prog->probes.v[0])->kprobe);
	done(&r);
}

/* $$parms and $$return: stap's "name=0x%x ..." of the readable parameters (parms.c's) */
static void parms_strings(void **state)
{
	char *c, *meta;

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	gen("probe kernel.function(\"vfs_read\") { println($$parms) } "
	    "probe kernel.function(\"vfs_read\").return { println($$return) }",
	    -1, &c, &meta);
	/* formatted in the kernel with bpf_snprintf, whose %x takes an ll */
	assert_non_null(strstr(c, "\"file=0x%llx buf=0x%llx count=0x%llx pos=0x%llx\""));
	assert_non_null(strstr(c, "\"return=0x%llx\""));
	free(c);
	free(meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wildcards),
		cmocka_unit_test(refusals),
		cmocka_unit_test(parameters),
		cmocka_unit_test(parms_strings),
		cmocka_unit_test(kprobe_multi_link),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
