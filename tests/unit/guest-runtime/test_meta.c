// SPDX-License-Identifier: MIT
/*
 * Tests for guest-runtime/meta.c: the guest meta file reader.
 *
 * A hub reads meta files that clients send, so besides a well-formed file
 * every test here is a hostile one: each must be refused with -EINVAL and
 * a message naming the line, and *ret left alone, without leaks (the unit
 * run has LeakSanitizer on).  The cases are the ones fuzzing found or that
 * a loader would trip over: extreme histogram bounds, names that would
 * become paths, a class index past the class table, repeated lines.
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
#include "taphub/record.h"

#define HEAD "taphub-guest 1\nmaxstr 128\nmaxaction 1000\nmaxmapentries 2048\nbpf 1\nso 1\n"

static const char good[] =
    HEAD "classes 2 default net\n"
	 "global 0 count k s l 0 - 0 0 0 0 2048 1 0\n"
	 "global 1 lat k a S 2 ls 2 0 100 10 512 0 1\n"
	 "fmt 16 ls \"%d %s\\n\"\n"
	 "fmt 17 lFPN \"%d %s %s %s\\n\"\n"
	 "site 0 1 \"division by 0\" \"operator '/'\" \"t.stp:3:14\"\n"
	 "prog th_p0 tp sched sched_switch 1 \"kernel.trace(\\\"sched:sched_switch\\\")\"\n"
	 "prog th_p1 syscall enter 257 0 \"kernel.trace(\\\"syscalls:sys_enter_openat\\\")\"\n"
	 "prog th_p2 rawtp sched_wakeup 0 \"x\"\n"
	 "prog th_p3 perf 1 0 1000000 0 0 \"perf.sw.cpu_clock\"\n"
	 "prog th_p4 kfunc fexit vfs_read 0 \"kernel.function(\\\"vfs_read\\\").return\"\n"
	 "prog th_p5 kfunc kprobe.multi vfs_read 0 \"kernel.function(\\\"vfs_read\\\")\"\n"
	 "kfn vfs_read\nkfn vfs_readv\n"
	 "prog th_p6 uprobe \"/usr/bin/a b\" 4678 12328 90f30f1e 0 \"process(\\\"/usr/bin/a b\\\").mark(\\\"x\\\")\"\n"
	 "upt \"/usr/bin/a b\" 4678 12328 90f30f1e \"p1\"\n"
	 "upt \"/lib/c.so\" 64 0 55 \"p2\"\n"
	 "prog th_p7 netfilter 10 3 -50 0 \"nf\"\n"
	 "prog th_p8 bp rw 4 ffffffff82b4b0c8 \"\" 0 \"kernel.data(0xffffffff82b4b0c8).rw\"\n"
	 "prog th_p9 bp w 1 0 \"vm_dirty_ratio\" 0 \"kernel.data(\\\"vm_dirty_ratio\\\").write\"\n"
	 "end\n";

static void test_good(void **state)
{
	struct grt_meta *m = NULL;
	char err[128] = "";

	assert_int_equal(grt_meta_parse(good, strlen(good), &m, err, sizeof(err)), 0);
	assert_non_null(m);
	assert_int_equal(m->nclasses, 2);
	assert_string_equal(m->classes[1], "net");
	assert_int_equal(m->nglobals, 2);
	assert_true(m->globals[1].array);
	assert_int_equal(m->globals[1].hist.kind, 2);
	assert_int_equal(grt_meta_key_size(m, &m->globals[1]), 8 + 128);
	assert_int_equal(m->nfmts, 2);
	assert_non_null(grt_meta_find_fmt(m, TH_FMT_FIRST));
	assert_null(grt_meta_find_fmt(m, TH_FMT_FIRST + 2));
	/* addresses the reader resolves: strings to the format, in a style each */
	assert_false(m->fmts[0].resolves);
	assert_int_equal(m->fmts[0].usym[1], -1);
	assert_true(m->fmts[1].resolves);
	assert_int_equal(m->fmts[1].types[1], GRT_STRING);
	assert_int_equal(m->fmts[1].usym[0], -1);
	assert_int_equal(m->fmts[1].usym[1], GRT_SYM_FILELINE);
	assert_int_equal(m->fmts[1].usym[2], GRT_SYM_FILE);
	assert_int_equal(m->fmts[1].usym[3], GRT_SYM_LINE);
	assert_int_equal(m->nprogs, 10);
	assert_int_equal(m->progs[7].kind, GRT_PROG_NETFILTER);
	assert_int_equal(m->progs[7].nf_pf, 10);
	assert_int_equal(m->progs[7].nf_hook, 3);
	assert_int_equal(m->progs[7].nf_prio, -50);
	/* a kernel address needs all 64 bits */
	assert_int_equal(m->progs[8].kind, GRT_PROG_BP);
	assert_true(m->progs[8].bp_addr == 0xffffffff82b4b0c8ULL);
	assert_int_equal(m->progs[8].bp_len, 4);
	assert_true(m->progs[8].bp_rw);
	assert_true(m->progs[9].bp_addr == 0);
	assert_string_equal(m->progs[9].event, "vm_dirty_ratio");
	assert_false(m->progs[9].bp_rw);
	assert_int_equal(m->progs[4].nfuncs, 0);
	/* a kprobe_multi program's functions, in the order of their cookies */
	assert_int_equal(m->progs[5].nfuncs, 2);
	assert_string_equal(m->progs[5].funcs[1], "vfs_readv");
	assert_int_equal(m->progs[6].kind, GRT_PROG_UPROBE);
	assert_string_equal(m->progs[6].event, "/usr/bin/a b");
	assert_int_equal(m->progs[6].uoff, 4678);
	assert_int_equal(m->progs[6].uref, 12328);
	assert_int_equal(m->progs[6].nucheck, 4);
	assert_int_equal(m->progs[6].ucheck[0], 0x90);
	assert_int_equal(m->progs[6].ucheck[3], 0x1e);
	assert_false(m->progs[6].exit);
	/* its group's points, in cookie order */
	assert_int_equal(m->progs[6].nupts, 2);
	assert_string_equal(m->progs[6].upts[1].path, "/lib/c.so");
	assert_int_equal(m->progs[6].upts[1].uoff, 64);
	assert_int_equal(m->progs[6].upts[1].nucheck, 1);
	assert_int_equal(m->progs[6].upts[1].ucheck[0], 0x55);
	assert_string_equal(m->progs[6].upts[1].pp, "p2");
	assert_int_equal(m->progs[4].kind, GRT_PROG_KFUNC);
	assert_string_equal(m->progs[4].subsys, "fexit");
	assert_string_equal(m->progs[4].event, "vfs_read");
	assert_int_equal(m->progs[0].cls, 1);
	assert_string_equal(m->progs[0].subsys, "sched");
	assert_int_equal(m->progs[1].nr, 257);
	/* no strlen line: strings keep what their buffer holds */
	assert_int_equal(m->strlen, 128);
	grt_meta_free(m);
}


/* Replace the first line starting with `prefix` in good[] by `line`, parse, expect refusal. */
static void expect_bad(const char *prefix, const char *line, const char *msg)
{
	char text[4096], err[200] = "";
	struct grt_meta *m = (struct grt_meta *)&m; /* must stay untouched */
	const char *at = strstr(good, prefix);
	size_t head;
	const char *tail;

	assert_non_null(at);
	head = (size_t)(at - good);
	tail = strchr(at, '\n') + 1;
	snprintf(text, sizeof(text), "%.*s%s%s", (int)head, good, line, tail);
	assert_int_equal(grt_meta_parse(text, strlen(text), &m, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(m, (struct grt_meta *)&m);
	if (!strstr(err, msg))
		fail_msg("for '%s': message '%s', want '%s'", line, err, msg);
}

static void test_hostile(void **state)
{
	/* extreme linear histogram bounds: hi - lo does not fit a signed long */
	expect_bad("global 1",
		   "global 1 lat k a S 2 ls 2 -9223372036854775808 "
		   "9223372036854775807 1 512 0 1\n",
		   "line 9: bad linear histogram");
	expect_bad("global 1", "global 1 lat k a S 2 ls 2 -10 9223372036854775807 1 512 0 1\n",
		   "bad linear histogram");
	/* names that a loader turns into paths or attach points */
	expect_bad("classes", "classes 2 default ../../etc/x\n", "line 7: bad class name");
	expect_bad("classes", "classes 2 default default\n", "class default given twice");
	expect_bad("prog th_p0", "prog th_p0 tp ../.. passwd 0 \"x\"\n", "bad tracepoint name");
	expect_bad("prog th_p2", "prog th_p2 rawtp a/b 0 \"x\"\n", "bad event name");
	expect_bad("prog th_p7", "prog th_p7 netfilter 2 256 0 0 \"x\"\n", "bad number");
	expect_bad("prog th_p8", "prog th_p8 bp x 4 1000 \"\" 0 \"x\"\n", "bad breakpoint type");
	expect_bad("prog th_p8", "prog th_p8 bp w 3 1000 \"\" 0 \"x\"\n", "bad breakpoint length");
	expect_bad("prog th_p8", "prog th_p8 bp w 4 10000000000000000 \"\" 0 \"x\"\n",
		   "bad breakpoint address");
	expect_bad("prog th_p9", "prog th_p9 bp w 4 0 \"../x\" 0 \"x\"\n", "bad breakpoint symbol");
	expect_bad("prog th_p2", "prog th_pX rawtp a 0 \"x\"\n", "bad program name");
	expect_bad("prog th_p4", "prog th_p4 kfunc uprobe vfs_read 0 \"x\"\n",
		   "bad kernel function program");
	expect_bad("prog th_p4", "prog th_p4 kfunc kprobe ../x 0 \"x\"\n",
		   "bad kernel function program");
	/* kfn lines: only after a kprobe_multi program, names only, at least one */
	expect_bad("kfn vfs_read", "kfn ../x\n", "bad kernel function name");
	expect_bad("prog th_p5", "prog th_p5 kfunc kprobe vfs_read 0 \"x\"\n",
		   "kfn without a kprobe_multi program before it");
	expect_bad("kfn vfs_read", "end\n", "program th_p5 has no functions");
	expect_bad("prog th_p6", "prog th_p6 uprobe \"/bin/x\" 1 0 9 0 \"x\"\n",
		   "bad uprobe check bytes");
	/* upt lines: only after a uprobe program, each point as the program's own */
	expect_bad("upt \"/lib", "upt \"lib/c.so\" 64 0 55 \"p2\"\n", "uprobe path is not absolute");
	expect_bad("upt \"/lib", "upt \"/lib/c.so\" 64 0 5 \"p2\"\n", "bad uprobe check bytes");
	expect_bad("prog th_p6", "prog th_p6 kfunc kprobe vfs_read 0 \"x\"\n",
		   "upt without a uprobe program before it");
	expect_bad("prog th_p6", "prog th_p6 uprobe \"/bin/x\" 1 0 0011223344556677889 0 \"x\"\n",
		   "bad uprobe check bytes");
	expect_bad("prog th_p6", "prog th_p6 uprobe \"bin/x\" 1 0 90 0 \"x\"\n",
		   "uprobe path is not absolute");
	expect_bad("prog th_p6", "prog th_p6 uprobe \"/bin/x\" -1 0 90 0 \"x\"\n",
		   "bad number '-1'");
	expect_bad("global 0", "global 0 co\033[2J k s l 0 - 0 0 0 0 2048 1 0\n",
		   "bad global name");
	/* a class index past the table */
	expect_bad("prog th_p0", "prog th_p0 tp sched sched_switch 2 \"x\"\n",
		   "program th_p0 uses class 2 of 2");
	/* repeated classes line: refused, and the first one not leaked */
	expect_bad("global 0", "classes 1 other\n", "line 8: classes given twice");
	/* out-of-order ids, bad numbers, truncation */
	expect_bad("global 1", "global 2 lat k a S 2 ls 2 0 100 10 512 0 1\n",
		   "global id 2 out of order");
	expect_bad("fmt 16", "fmt 16 l \"%s\"\n", "format value 1 has the wrong type");
	/* a resolved address is a string, and only a format's */
	expect_bad("fmt 17", "fmt 17 F \"%d\"\n", "format value 1 has the wrong type");
	expect_bad("global 1", "global 1 lat k a S 2 lF 2 0 100 10 512 0 1\n", "bad type list");
	expect_bad("global 0", "global 0 count k s F 0 - 0 0 0 0 2048 1 0\n", "bad value type");
	expect_bad("site 0", "site 0 1 \"unterminated\n", "unterminated string");
	expect_bad("end", "", "truncated: no 'end' line");
	expect_bad("end", "\n", "line 27: missing field");
}

/* Every prefix of a good file is refused, up to its "end" (the last newline is optional). */
/* MAXSTRINGLEN=20: buffers (and key layouts) of 32, strings cut at 19 */
static void test_strlen(void **state)
{
	char text[4096], err[128] = "";
	struct grt_meta *m = NULL;
	const char *at = strstr(good, "maxstr 128\n");

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*smaxstr 32\nstrlen 20\n%s", (int)(at - good), good,
		 at + strlen("maxstr 128\n"));
	assert_int_equal(grt_meta_parse(text, strlen(text), &m, err, sizeof(err)), 0);
	assert_int_equal(m->maxstr, 32);
	assert_int_equal(m->strlen, 20);
	assert_int_equal(grt_meta_key_size(m, &m->globals[1]), 8 + 32);
	grt_meta_free(m);
	expect_bad("maxstr", "maxstr 128\nstrlen 200\n", "strlen 200 is larger than maxstr 128");
	expect_bad("maxstr", "maxstr 128\nstrlen 1\n", "line 3: bad number");
}

static void test_prefixes(void **state)
{
	size_t n, len = strlen(good);

	for (n = 0; n <= len; n++) {
		struct grt_meta *m = NULL;
		char err[64];
		int r = grt_meta_parse(good, n, &m, err, sizeof(err));

		if (n >= len - 1) {
			assert_int_equal(r, 0);
			grt_meta_free(m);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_null(m);
		}
	}
}

/* tap -t: one timing line per probe, kernel or user, with its names. */
static void test_timing(void **state)
{
	char text[4096], err[128] = "";
	struct grt_meta *m = NULL;
	const char *at = strstr(good, "end\n");

	snprintf(text, sizeof(text),
		 "%.*stiming k 0 \"kernel.trace(\\\"sched:sched_switch\\\")\" \"t.stp:2:1\" "
		 "\" from: scheduler.ctxswitch\"\ntiming u 3 \"begin\" \"t.stp:1:1\" \" from: begin\"\n"
		 "end\n",
		 (int)(at - good), good);
	assert_int_equal(grt_meta_parse(text, strlen(text), &m, err, sizeof(err)), 0);
	assert_int_equal(m->ntimings, 2);
	assert_true(m->timings[0].kernel);
	assert_int_equal(m->timings[0].slot, 0);
	assert_string_equal(m->timings[0].pp, "kernel.trace(\"sched:sched_switch\")");
	assert_string_equal(m->timings[0].where, "t.stp:2:1");
	assert_string_equal(m->timings[0].from, " from: scheduler.ctxswitch");
	assert_false(m->timings[1].kernel);
	assert_int_equal(m->timings[1].slot, 3);
	grt_meta_free(m);
	expect_bad("end", "timing x 0 \"a\" \"b\" \"c\"\nend\n", "bad timing kind");
	expect_bad("end", "timing u -1 \"a\" \"b\" \"c\"\nend\n", "bad number");
	expect_bad("end", "timing u 0 \"a\" \"b\"\nend\n", "expected a quoted string");
}

/* Process lifecycle probes: their programs, and the filters the loader fills. */
static void test_uproc(void **state)
{
	char text[4096], err[128] = "";
	struct grt_meta *m = NULL;
	const char *at = strstr(good, "end\n");

	snprintf(text, sizeof(text),
		 "%.*sprog th_upbegin rawtp sys_exit 0 \"process lifecycle: begin\"\n"
		 "uproc 0 file \"/usr/bin/a b\"\nuproc 1 pid 1234\nuproc 62 tree\nend\n",
		 (int)(at - good), good);
	assert_int_equal(grt_meta_parse(text, strlen(text), &m, err, sizeof(err)), 0);
	assert_string_equal(m->progs[m->nprogs - 1].name, "th_upbegin");
	assert_int_equal(m->nuprocs, 3);
	assert_int_equal(m->uprocs[0].kind, GRT_UPROC_FILE);
	assert_string_equal(m->uprocs[0].path, "/usr/bin/a b");
	assert_int_equal(m->uprocs[1].kind, GRT_UPROC_PID);
	assert_int_equal(m->uprocs[1].pid, 1234);
	assert_int_equal(m->uprocs[2].kind, GRT_UPROC_TREE);
	assert_int_equal(m->uprocs[2].bit, 62);
	grt_meta_free(m);
	/* bit 63 is TH_UPROC_HELD, the loader's; a bit is one filter's */
	expect_bad("end", "uproc 63 tree\nend\n", "bad number");
	expect_bad("end", "uproc 1 tree\nuproc 1 pid 5\nend\n", "uproc bit 1 given twice");
	expect_bad("end", "uproc 0 file \"rel/path\"\nend\n", "uproc path is not absolute");
	expect_bad("end", "uproc 0 pid 0\nend\n", "bad number");
	expect_bad("end", "uproc 0 cgroup\nend\n", "unknown uproc filter 'cgroup'");
	expect_bad("end", "prog th_upwhat rawtp sys_exit 0 \"x\"\nend\n", "bad program name");
}

/* Perf events of a process: per-task programs, the programs filtered on, the counters. */
static void test_perf(void **state)
{
	char text[4096], err[128] = "";
	struct grt_meta *m = NULL;
	const char *at = strstr(good, "end\n");

	snprintf(text, sizeof(text),
		 "%.*sprog th_p7 perftask 1 1 1000000 0 0 \"perf.sw.task_clock.process\"\n"
		 "prog th_p8 perf 1 1 100 1 0 \"perf.sw.task_clock.process(\\\"/bin/x\\\").hz(100)\"\n"
		 "perfexe 0 \"/bin/x\"\nperfexe 1 \"\"\n"
		 "perfctr 0 1 2 \"pf\" \"\" \"perf.sw.page_faults.counter(\\\"pf\\\")\"\n"
		 "perfctr 1 0 1 \"i\" \"/bin/x\" \"p\"\nend\n",
		 (int)(at - good), good);
	assert_int_equal(grt_meta_parse(text, strlen(text), &m, err, sizeof(err)), 0);
	assert_int_equal(m->progs[m->nprogs - 2].kind, GRT_PROG_PERF);
	assert_true(m->progs[m->nprogs - 2].task);
	assert_false(m->progs[m->nprogs - 1].task);
	assert_true(m->progs[m->nprogs - 1].freq);
	assert_int_equal(m->nperfexes, 2);
	assert_string_equal(m->perfexes[0], "/bin/x");
	assert_string_equal(m->perfexes[1], "");
	assert_int_equal(m->nperfctrs, 2);
	assert_string_equal(m->perfctrs[0].name, "pf");
	assert_int_equal(m->perfctrs[0].type, 1);
	assert_int_equal(m->perfctrs[0].config, 2);
	assert_string_equal(m->perfctrs[0].path, "");
	assert_string_equal(m->perfctrs[0].pp, "perf.sw.page_faults.counter(\"pf\")");
	assert_string_equal(m->perfctrs[1].path, "/bin/x");
	grt_meta_free(m);
	expect_bad("end", "perfexe 1 \"/bin/x\"\nend\n", "perfexe 1 out of order");
	expect_bad("end", "perfexe 0 \"x\"\nend\n", "perfexe path is not absolute");
	expect_bad("end", "perfexe 16 \"/x\"\nend\n", "bad number");
	expect_bad("end", "perfctr 0 6 0 \"a\" \"\" \"p\"\nend\n", "bad number");
	expect_bad("end", "perfctr 0 1 0 \"a\" \"x\" \"p\"\nend\n", "perfctr path is not absolute");
	expect_bad("end", "perfctr 0 1 0 \"a\" \"\"\nend\n", "expected a quoted string");
	expect_bad("end", "perfctr 2 1 0 \"a\" \"\" \"p\"\nend\n", "perfctr 2 out of order");
}

/* A message buffer of one byte, or none, is fine. */
static void test_small_err(void **state)
{
	struct grt_meta *m = NULL;
	char err[1] = {'x'};

	assert_int_equal(grt_meta_parse("bogus", 5, &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(err[0], 0);
	assert_int_equal(grt_meta_parse("bogus", 5, &m, NULL, 0), -EINVAL);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_strlen),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_small_err),
	    cmocka_unit_test(test_timing),
	    cmocka_unit_test(test_uproc),
	    cmocka_unit_test(test_perf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
