// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/tpformat.c.
 *
 * The embedded samples are real format files copied from a 6.18 kernel's
 * tracefs (plus one synthetic event gathering the odd field kinds), so
 * parsing is checked without depending on the machine.  Malformed inputs,
 * every prefix of a real file and single-byte mutations at every position
 * check that bad text gives -EINVAL and never a crash (ASan watches).
 * cc_tp_list() runs against a fake tracefs tree built in a temp dir, then
 * both cc_tp_load() and cc_tp_list() run against the live tracefs, which is
 * skipped only when the machine has none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* clang-format off */
#define COMMON_FIELDS                                                                      \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"             \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"             \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"     \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"                         \
	"\n"

static const char softirq_entry[] =
	"name: softirq_entry\n"
	"ID: 223\n"
	"format:\n" COMMON_FIELDS
	"\tfield:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"vec=%u [action=%s]\", REC->vec, __print_symbolic(REC->vec, "
	"{ 0, \"HI\" }, { 1, \"TIMER\" })\n";

static const char sched_switch[] =
	"name: sched_switch\n"
	"ID: 372\n"
	"format:\n" COMMON_FIELDS
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> "
	"next_comm=%s next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, "
	"REC->prev_prio, (REC->prev_state & 0xff) ? \"S\" : \"R\", \"\", REC->next_comm, "
	"REC->next_pid, REC->next_prio\n";

static const char sched_process_exec[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
	"format:\n" COMMON_FIELDS
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, "
	"REC->old_pid\n";

static const char sys_enter_openat[] =
	"name: sys_enter_openat\n"
	"ID: 782\n"
	"format:\n" COMMON_FIELDS
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", "
	"((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), "
	"((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))\n";

static const char raw_sys_enter[] =
	"name: sys_enter\n"
	"ID: 443\n"
	"format:\n" COMMON_FIELDS
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
	"\n"
	"print fmt: \"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], "
	"REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->args[5]\n";

/* Synthetic: every odd case in one event, spelled as various kernels do. */
static const char oddities[] =
	"name: oddities\n"
	"ID: 7\n"
	"format:\n" COMMON_FIELDS
	"\tfield:__data_loc u64[] addrs;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:12;\tsize:0;\tsigned:0;\n"
	"\tfield:u8 mac[6];\toffset:12;\tsize:6;\tsigned:0;\n"
	"\tfield:unsigned char addr[6];\toffset:18;\tsize:6;\tsigned:0;\n"
	"\tfield:struct ftrace_graph_ent ent;\toffset:24;\tsize:16;\tsigned:0;\n"
	"\tfield:__rel_loc char[] rel;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\tfield:bool ok;\toffset:44;\tsize:1;\tsigned:0;\n"
	"\tfield:const char *const * argv;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:s16 delta;\toffset:56;\tsize:2;\tsigned:1;\n"
	"\tfield:const char name[8];\toffset:58;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc const char[] path;\toffset:68;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long long big;\toffset:72;\tsize:8;\tsigned:0;\n"
	/* A key we do not know, and no signed: both tolerated. */
	"\tfield:int future;\toffset:80;\tsize:4;\talign:4;\n"
	"\tfield:void *caller[8];\toffset:88;\tsize:64;\tsigned:0;\n"
	"\tfield:char comm[TASK_COMM_LEN];\toffset:152;\tsize:16;\tsigned:0;\n"
	"\n"
	"print fmt: \"\"\n";

/* clang-format on */

struct want {
	const char *name, *type;
	int offset, size;
	bool is_signed;
	int kind;
};

static struct cc_tpformat *parse_ok(const char *text)
{
	struct cc_tpformat *f = NULL;

	assert_int_equal(cc_tp_parse(text, strlen(text), &f), 0);
	assert_non_null(f);
	return f;
}

static void check_fields(const struct cc_tpformat *f, const struct want *w, int n)
{
	int i;

	assert_int_equal(f->nfields, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(f->fields[i].name, w[i].name);
		assert_string_equal(f->fields[i].type, w[i].type);
		assert_int_equal(f->fields[i].offset, w[i].offset);
		assert_int_equal(f->fields[i].size, w[i].size);
		assert_int_equal(f->fields[i].is_signed, w[i].is_signed);
		assert_int_equal(f->fields[i].kind, w[i].kind);
	}
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_int_only(void **state)
{
	/* clang-format off */
	static const struct want w[] = {
		{ "vec", "unsigned int", 8, 4, false, CC_TPF_INT },
	};
	/* clang-format on */
	struct cc_tpformat *f = parse_ok(softirq_entry);

	assert_string_equal(f->event, "softirq_entry");
	assert_string_equal(f->subsys, ""); /* only the path knows it */
	assert_int_equal(f->id, 223);
	check_fields(f, w, N(w));
	cc_tp_free(f);
}

static void test_sched_switch(void **state)
{
	/* clang-format off */
	static const struct want w[] = {
		{ "prev_comm", "char[16]", 8, 16, false, CC_TPF_CHARARRAY },
		{ "prev_pid", "pid_t", 24, 4, true, CC_TPF_INT },
		{ "prev_prio", "int", 28, 4, true, CC_TPF_INT },
		{ "prev_state", "long", 32, 8, true, CC_TPF_INT },
		{ "next_comm", "char[16]", 40, 16, false, CC_TPF_CHARARRAY },
		{ "next_pid", "pid_t", 56, 4, true, CC_TPF_INT },
		{ "next_prio", "int", 60, 4, true, CC_TPF_INT },
	};
	/* clang-format on */
	struct cc_tpformat *f = parse_ok(sched_switch);

	assert_string_equal(f->event, "sched_switch");
	assert_int_equal(f->id, 372);
	check_fields(f, w, N(w));
	cc_tp_free(f);
}

static void test_data_loc(void **state)
{
	/* clang-format off */
	static const struct want w[] = {
		{ "filename", "__data_loc char[]", 8, 4, false, CC_TPF_DATALOC_STR },
		{ "pid", "pid_t", 12, 4, true, CC_TPF_INT },
		{ "old_pid", "pid_t", 16, 4, true, CC_TPF_INT },
	};
	/* clang-format on */
	struct cc_tpformat *f = parse_ok(sched_process_exec);

	assert_string_equal(f->event, "sched_process_exec");
	check_fields(f, w, N(w));
	cc_tp_free(f);
}

static void test_syscall_pointers(void **state)
{
	/* clang-format off */
	static const struct want w[] = {
		{ "__syscall_nr", "int", 8, 4, true, CC_TPF_INT },
		{ "dfd", "int", 16, 8, false, CC_TPF_INT },
		{ "filename", "const char *", 24, 8, false, CC_TPF_PTR },
		{ "flags", "int", 32, 8, false, CC_TPF_INT },
		{ "mode", "umode_t", 40, 8, false, CC_TPF_INT },
	};
	/* clang-format on */
	struct cc_tpformat *f = parse_ok(sys_enter_openat);

	assert_int_equal(f->id, 782);
	check_fields(f, w, N(w));
	cc_tp_free(f);
}

static void test_other_kinds(void **state)
{
	/* clang-format off */
	static const struct want raw[] = {
		{ "id", "long", 8, 8, true, CC_TPF_INT },
		{ "args", "unsigned long[6]", 16, 48, false, CC_TPF_OTHER },
	};
	/* clang-format on */
	/* clang-format off */
	static const struct want odd[] = {
		{ "addrs", "__data_loc u64[]", 8, 4, false, CC_TPF_OTHER },
		{ "buf", "char[]", 12, 0, false, CC_TPF_OTHER },
		{ "mac", "u8[6]", 12, 6, false, CC_TPF_OTHER },
		{ "addr", "unsigned char[6]", 18, 6, false, CC_TPF_OTHER },
		{ "ent", "struct ftrace_graph_ent", 24, 16, false, CC_TPF_OTHER },
		{ "rel", "__rel_loc char[]", 40, 4, false, CC_TPF_OTHER },
		{ "ok", "bool", 44, 1, false, CC_TPF_INT },
		{ "argv", "const char *const *", 48, 8, false, CC_TPF_PTR },
		{ "delta", "s16", 56, 2, true, CC_TPF_INT },
		{ "name", "const char[8]", 58, 8, false, CC_TPF_CHARARRAY },
		{ "path", "__data_loc const char[]", 68, 4, false, CC_TPF_DATALOC_STR },
		{ "big", "unsigned long long", 72, 8, false, CC_TPF_INT },
		{ "future", "int", 80, 4, false, CC_TPF_INT },
		{ "caller", "void *[8]", 88, 64, false, CC_TPF_OTHER },
		{ "comm", "char[TASK_COMM_LEN]", 152, 16, false, CC_TPF_CHARARRAY },
	};
	/* clang-format on */
	struct cc_tpformat *f;

	f = parse_ok(raw_sys_enter);
	check_fields(f, raw, N(raw));
	cc_tp_free(f);
	f = parse_ok(oddities);
	check_fields(f, odd, N(odd));
	cc_tp_free(f);
}

#define HDR "name: e\nID: 1\nformat:\n"
#define FLD(decl) "\tfield:" decl ";\toffset:8;\tsize:4;\tsigned:0;\n"
#define END "\nprint fmt: \"\"\n"

static void test_malformed(void **state)
{
	/* clang-format off */
	static const char *const bad[] = {
		"",
		"\n",
		"print fmt: \"\"\n",
		/* header lines missing, out of order or malformed */
		"ID: 1\nformat:\n" END,
		"name: e\nformat:\n" END,
		"name: e\nID: 1\n" END,
		"format:\nname: e\nID: 1\n" END,
		"name:\nID: 1\nformat:\n" END,
		"name: a b\nID: 1\nformat:\n" END,
		"name: a/b\nID: 1\nformat:\n" END,
		"name: e\nID: x\nformat:\n" END,
		"name: e\nID: -1\nformat:\n" END,
		"name: e\nID: 1x\nformat:\n" END,
		"name: e\nID: 99999999999999999999\nformat:\n" END,
		"name: e\nID: 1\nformat: x\n" END,
		/* no print fmt: truncated */
		HDR FLD("int x"),
		/* field lines */
		HDR "\tfield:int x\toffset:8;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:8;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:-8;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:8x;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:8\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:99999999999;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:2147483647;\tsize:4;\tsigned:0;\n" END,
		HDR "\tfield:int x;\toffset:8;\tsize:4;\tsigned:2;\n" END,
		HDR "\tfield:int x;\toffset:8;\tsize:4;\t:0;\n" END,
		HDR "\tfield:int x;\toffset:8;\tsize:4;\tsigned\n" END,
		HDR FLD("") END,
		HDR FLD("x") END,
		HDR FLD("int") END,
		HDR FLD("int 9x") END,
		HDR FLD("int *") END,
		HDR FLD("char x[16") END,
		HDR FLD("char x]") END,
		HDR FLD("char x[1]]") END,
		HDR FLD("char [16]") END,
		/* char[N] must have size N */
		HDR "\tfield:char x[16];\toffset:8;\tsize:8;\tsigned:0;\n" END,
		/* junk between fields */
		HDR FLD("int x") "junk\n" END,
		HDR "field int x;\n" END,
	};
	/* clang-format on */
	struct cc_tpformat *f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = (struct cc_tpformat *)0x1;
		if (cc_tp_parse(bad[i], strlen(bad[i]), &f) != -EINVAL)
			fail_msg("accepted bad input %zu: \"%s\"", i, bad[i]);
		assert_ptr_equal(f, (struct cc_tpformat *)0x1); /* untouched */
	}

	/* An embedded NUL, and a NULL text. */
	assert_int_equal(cc_tp_parse(softirq_entry, sizeof(softirq_entry), &f), -EINVAL);
	assert_int_equal(cc_tp_parse(NULL, 5, &f), -EINVAL);
	assert_int_equal(cc_tp_parse(NULL, 0, &f), -EINVAL);
	/* The text need not be NUL-terminated: only len bytes are read. */
	f = NULL;
	assert_int_equal(cc_tp_parse(softirq_entry, sizeof(softirq_entry) - 1, &f), 0);
	cc_tp_free(f);
	cc_tp_free(NULL);
}

/* Whatever parses must be self-consistent. */
static void check_sane(const struct cc_tpformat *f)
{
	int i;

	assert_non_null(f->event);
	assert_non_null(f->subsys);
	for (i = 0; i < f->nfields; i++) {
		assert_true(f->fields[i].name[0] != '\0');
		assert_true(f->fields[i].type[0] != '\0');
		assert_true(f->fields[i].offset >= 0 && f->fields[i].size >= 0);
		assert_true(f->fields[i].kind >= CC_TPF_INT && f->fields[i].kind <= CC_TPF_OTHER);
	}
}

static void test_truncated(void **state)
{
	const char *texts[] = {sched_switch, sched_process_exec, oddities};
	size_t cut, t, len;
	struct cc_tpformat *f;
	char *copy;
	int ret;

	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		len = strlen(texts[t]);
		for (cut = 0; cut < len; cut++) {
			/* An exact-size heap copy, so ASan sees any overread. */
			copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, texts[t], cut);
			ret = cc_tp_parse(copy, cut, &f);
			if (ret == 0) {
				/* Only cuts inside the print fmt line can parse. */
				assert_non_null(strstr(texts[t], "print fmt:"));
				assert_true(cut >
					    (size_t)(strstr(texts[t], "print fmt:") - texts[t]));
				check_sane(f);
				cc_tp_free(f);
			} else {
				assert_int_equal(ret, -EINVAL);
			}
			free(copy);
		}
	}
}

static void test_mutations(void **state)
{
	static const char subst[] = {';', ':', '\n', '\t', ' ', '[', ']', '*', '9', 'x', '_', '\0'};
	const char *texts[] = {sched_switch, oddities};
	size_t pos, t, s, len;
	struct cc_tpformat *f;
	char *copy;
	int ret;

	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		len = strlen(texts[t]);
		copy = malloc(len);
		assert_non_null(copy);
		for (pos = 0; pos < len; pos++) {
			for (s = 0; s < sizeof(subst); s++) {
				memcpy(copy, texts[t], len);
				copy[pos] = subst[s];
				ret = cc_tp_parse(copy, len, &f);
				if (ret == 0) {
					check_sane(f);
					cc_tp_free(f);
				} else {
					assert_int_equal(ret, -EINVAL);
				}
			}
		}
		free(copy);
	}
}

/* ---- cc_tp_list on a fake tracefs ------------------------------------------- */

static int rm_fn(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void touch(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "we");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void test_list_fake(void **state)
{
	char root[] = "/tmp/taphub-tracefs.XXXXXX";
	char **v = (char **)0x1, *old_env;
	int n;

	assert_non_null(mkdtemp(root));
	mkdirs(root, "events");
	touch(root, "events/enable", "0\n");
	touch(root, "events/header_page", "");
	touch(root, "events/header_event", "");
	mkdirs(root, "events/sched");
	touch(root, "events/sched/enable", "0\n");
	touch(root, "events/sched/filter", "none\n");
	mkdirs(root, "events/sched/sched_wakeup");
	touch(root, "events/sched/sched_wakeup/format", softirq_entry);
	mkdirs(root, "events/sched/sched_switch");
	touch(root, "events/sched/sched_switch/format", sched_switch);
	mkdirs(root, "events/sched/sched_exec");
	touch(root, "events/sched/sched_exec/format", sched_process_exec);
	mkdirs(root, "events/sched/not_an_event"); /* no format */
	mkdirs(root, "events/syscalls");
	mkdirs(root, "events/syscalls/sys_enter_openat");
	touch(root, "events/syscalls/sys_enter_openat/format", sys_enter_openat);
	mkdirs(root, "events/irq");
	mkdirs(root, "events/irq/softirq_entry");
	touch(root, "events/irq/softirq_entry/format", softirq_entry);
	/* ftrace's own record types: not tracepoints, never listed */
	mkdirs(root, "events/ftrace");
	mkdirs(root, "events/ftrace/bprint");
	touch(root, "events/ftrace/bprint/format", softirq_entry);

	n = cc_tp_list(root, "sched", "sched_*", &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "sched:sched_exec");
	assert_string_equal(v[1], "sched:sched_switch");
	assert_string_equal(v[2], "sched:sched_wakeup");
	assert_null(v[3]);
	cc_strv_free(v);

	/* Patterns apply to subsys and event separately. */
	n = cc_tp_list(root, "s*", "*", &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[3], "syscalls:sys_enter_openat");
	cc_strv_free(v);
	n = cc_tp_list(root, NULL, NULL, &v);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], "irq:softirq_entry");
	cc_strv_free(v);
	n = cc_tp_list(root, "*", "*_s*", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "sched:sched_switch");
	cc_strv_free(v);
	n = cc_tp_list(root, "ftrace", "*", &v);
	assert_int_equal(n, 0);
	cc_strv_free(v);
	/* "enable" and "header_page" are not subsystems nor events. */
	n = cc_tp_list(root, "*e*", "enable", &v);
	assert_int_equal(n, 0);
	assert_null(v[0]);
	cc_strv_free(v);

	/* Loading through the fake tree, and TAPHUB_TRACEFS. */
	old_env = getenv("TAPHUB_TRACEFS") ? strdup(getenv("TAPHUB_TRACEFS")) : NULL;
	assert_int_equal(setenv("TAPHUB_TRACEFS", root, 1), 0);
	assert_string_equal(cc_tracefs(), root);
	{
		struct cc_tpformat *f;

		assert_int_equal(cc_tp_load(NULL, "sched", "sched_switch", &f), 0);
		assert_string_equal(f->subsys, "sched");
		assert_string_equal(f->event, "sched_switch");
		assert_int_equal(f->nfields, 7);
		cc_tp_free(f);
		f = (struct cc_tpformat *)0x1;
		assert_int_equal(cc_tp_load(NULL, "sched", "nope", &f), -ENOENT);
		assert_int_equal(cc_tp_load(NULL, "sched", "not_an_event", &f), -ENOENT);
		assert_int_equal(cc_tp_load(NULL, "..", "sched_switch", &f), -EINVAL);
		assert_int_equal(cc_tp_load(NULL, "sched/../sched", "sched_switch", &f), -EINVAL);
		assert_int_equal(cc_tp_load(NULL, "sched", "", &f), -EINVAL);
		assert_int_equal(cc_tp_load(NULL, NULL, "x", &f), -EINVAL);
		assert_ptr_equal(f, (struct cc_tpformat *)0x1);
	}
	if (old_env)
		setenv("TAPHUB_TRACEFS", old_env, 1);
	else
		unsetenv("TAPHUB_TRACEFS");
	free(old_env);

	v = (char **)0x1;
	assert_int_equal(cc_tp_list("/nonexistent", "*", "*", &v), -ENOENT);
	assert_ptr_equal(v, (char **)0x1);
	cc_strv_free(NULL);

	nftw(root, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- against the live tracefs ------------------------------------------------- */

static const char *live_tracefs(void)
{
	const char *t = cc_tracefs();
	char path[256];

	snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", t);
	if (access(path, R_OK) == 0)
		return t;
	print_message("SKIP: no tracefs with sched:sched_switch at %s "
		      "(mount -t tracefs tracefs /sys/kernel/tracing)\n",
		      t);
	return NULL;
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	fp = fopen(path, "re");
	if (!fp)
		return NULL;
	n = getdelim(&buf, &cap, '\0', fp);
	fclose(fp);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_live_sched_switch(void **state)
{
	const char *t = live_tracefs();
	struct cc_tpformat *f;
	char path[256], *text, *line, *sp;
	int i = 0, off, size, sign;
	char decl[256];

	if (!t) {
		skip();
		return;
	}
	assert_int_equal(cc_tp_load(t, "sched", "sched_switch", &f), 0);
	assert_string_equal(f->subsys, "sched");
	assert_string_equal(f->event, "sched_switch");
	assert_true(f->id > 0);

	/* Read the file independently, with sscanf, and compare field by field. */
	snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", t);
	text = slurp(path);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &sp); line; line = strtok_r(NULL, "\n", &sp)) {
		if (sscanf(line, " field:%255[^;]; offset:%d; size:%d; signed:%d;", decl, &off,
			   &size, &sign) != 4 ||
		    strstr(decl, " common_"))
			continue;
		assert_true(i < f->nfields);
		assert_non_null(strstr(decl, f->fields[i].name));
		assert_int_equal(f->fields[i].offset, off);
		assert_int_equal(f->fields[i].size, size);
		assert_int_equal(f->fields[i].is_signed, sign);
		if (strstr(decl, "_comm["))
			assert_int_equal(f->fields[i].kind, CC_TPF_CHARARRAY);
		else
			assert_int_equal(f->fields[i].kind, CC_TPF_INT);
		i++;
	}
	assert_int_equal(i, f->nfields);
	assert_true(f->nfields >= 7);
	free(text);
	cc_tp_free(f);
}

static void test_live_list(void **state)
{
	const char *t = live_tracefs();
	char **v;
	int n, i;
	bool seen = false;

	if (!t) {
		skip();
		return;
	}
	n = cc_tp_list(t, "sched", "sched_*", &v);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_non_null(v[i]);
		assert_true(!strncmp(v[i], "sched:sched_", 12));
		if (i)
			assert_true(strcmp(v[i - 1], v[i]) < 0);
		seen |= !strcmp(v[i], "sched:sched_switch");
	}
	assert_null(v[n]);
	assert_true(seen);
	cc_strv_free(v);

	/* Every event of every subsystem parses. */
	n = cc_tp_list(t, "*", "*", &v);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		char *colon = strchr(v[i], ':');
		struct cc_tpformat *f;
		int ret;

		assert_non_null(colon);
		*colon = '\0';
		ret = cc_tp_load(t, v[i], colon + 1, &f);
		if (ret)
			fail_msg("%s:%s: %s", v[i], colon + 1, strerror(-ret));
		check_sane(f);
		cc_tp_free(f);
	}
	cc_strv_free(v);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_only),
		cmocka_unit_test(test_sched_switch),
		cmocka_unit_test(test_data_loc),
		cmocka_unit_test(test_syscall_pointers),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_list_fake),
		cmocka_unit_test(test_live_sched_switch),
		cmocka_unit_test(test_live_list),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
