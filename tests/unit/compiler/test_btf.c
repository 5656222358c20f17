// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/btf.c against the machine's real kernel BTF
 * (/sys/kernel/btf/vmlinux): the layouts change with every kernel build,
 * so names and kinds are checked exactly and offsets against the kernel's
 * own markers (sk_buff's zero-size __cloned_offset and __pkt_type_offset
 * arrays sit where the bitfields after them start) or against a walk of
 * the BTF written here independently.  Skipped only when the machine has
 * no BTF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "compiler/compiler.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

static int setup(void **state)
{
	struct cc_btf *b;

	if (access(VMLINUX, R_OK))
		return 0; /* the tests skip */
	assert_int_equal(cc_btf_open(VMLINUX, &b), 0);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	cc_btf_close(*state);
	return 0;
}

#define NEED_BTF(b)                                                                                \
	do {                                                                                       \
		if (!(b)) {                                                                        \
			skip();                                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static struct cc_btf_type type_of(struct cc_btf *b, const char *name)
{
	struct cc_btf_type t;

	assert_int_equal(cc_btf_find_type(b, name, NULL, &t), 0);
	return t;
}

/* Resolve "a", "b", ... (a number: an index) on base; returns the error. */
static int resolve(struct cc_btf *b, struct cc_btf_type base, struct cc_btf_access *acc, ...)
{
	struct cc_btf_path_elem path[8];
	const char *s;
	va_list ap;
	int n = 0;

	va_start(ap, acc);
	while ((s = va_arg(ap, const char *)) && n < 8) {
		if (s[0] >= '0' && s[0] <= '9')
			path[n++] = (struct cc_btf_path_elem){.index = atoi(s)};
		else
			path[n++] = (struct cc_btf_path_elem){.member = s};
	}
	va_end(ap);
	return cc_btf_resolve(b, base, path, n, acc);
}

/* The byte offset of a member along a chain of struct steps, summed. */
static int64_t offset_sum(const struct cc_btf_access *acc, int from)
{
	int64_t off = 0;
	int i;

	for (i = from; i < acc->nsteps; i++)
		off += acc->steps[i].offset;
	return off;
}

static void test_open(void **state)
{
	struct cc_btf *b = NULL;
	const char *old = getenv("TAPHUB_BTF");

	NEED_BTF(*state);
	assert_int_equal(cc_btf_open("/nonexistent/vmlinux", &b), -ENOENT);
	/* the override the e2e tests and other kernels' BTF use */
	setenv("TAPHUB_BTF", "/nonexistent/vmlinux", 1);
	assert_int_equal(cc_btf_open(NULL, &b), -ENOENT);
	unsetenv("TAPHUB_BTF");
	assert_int_equal(cc_btf_open(NULL, &b), 0);
	cc_btf_close(b);
	if (old)
		setenv("TAPHUB_BTF", old, 1);
	cc_btf_close(NULL);
}

static void test_ctx_lazy(void **state)
{
	struct cc_btf *b1 = NULL, *b2 = NULL;
	struct cc_ctx cx;

	NEED_BTF(*state);
	cc_ctx_init(&cx);
	assert_null(cx.btf);
	assert_int_equal(cc_ctx_btf(&cx, &b1), 0);
	assert_int_equal(cc_ctx_btf(&cx, &b2), 0);
	assert_ptr_equal(b1, b2);
	cc_ctx_release(&cx); /* LeakSanitizer checks it was closed */
}

static void test_sched_switch_args(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_param *p;

	NEED_BTF(b);
	assert_int_equal(cc_btf_tp_args(b, "sched_switch", &p), 4);
	assert_string_equal(p[0].name, "preempt");
	assert_int_equal(p[0].cls.kind, CC_BTF_INT);
	assert_int_equal(p[0].cls.size, 1);
	assert_string_equal(p[0].cls.cname, "bool");
	assert_string_equal(p[1].name, "prev");
	assert_int_equal(p[1].cls.kind, CC_BTF_PTR);
	assert_string_equal(p[1].cls.cname, "struct task_struct*");
	assert_string_equal(p[2].name, "next");
	assert_string_equal(p[2].cls.cname, "struct task_struct*");
	assert_string_equal(p[3].name, "prev_state");
	assert_int_equal(p[3].cls.kind, CC_BTF_INT);
	assert_int_equal(p[3].cls.size, 4);
	assert_false(p[3].cls.is_signed);

	/* an event of a class (sched_process_template's) still has its own names */
	assert_int_equal(cc_btf_tp_args(b, "sched_process_fork", &p), 2);
	assert_string_equal(p[0].name, "parent");
	assert_string_equal(p[1].name, "child");
	assert_string_equal(p[1].cls.cname, "struct task_struct*");

	assert_int_equal(cc_btf_tp_args(b, "no_such_event", &p), -ENOENT);
	assert_string_equal(cc_btf_error(b), "no tracepoint 'no_such_event' in the kernel's BTF");
}

static void test_func_args(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_param *p;

	NEED_BTF(b);
	assert_int_equal(cc_btf_func_args(b, NULL, "vfs_read", &p), 4);
	assert_string_equal(p[0].name, "file");
	assert_string_equal(p[0].cls.cname, "struct file*");
	assert_string_equal(p[1].name, "buf");
	assert_int_equal(p[1].cls.kind, CC_BTF_STRING); /* char __user *: a string candidate */
	assert_string_equal(p[2].name, "count");
	assert_string_equal(p[3].name, "pos");
	assert_string_equal(p[3].cls.cname, "loff_t*");
	assert_int_equal(cc_btf_func_args(b, NULL, "no_such_function_xyz", &p), -ENOENT);
}

static void test_comm(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_param *p;
	struct cc_btf_access acc;
	const struct btf_type *t;
	const struct btf_member *m;
	struct btf *raw;
	int i, id, off = -1;

	NEED_BTF(b);
	assert_int_equal(cc_btf_tp_args(b, "sched_switch", &p), 4);
	/* $prev->comm */
	assert_int_equal(resolve(b, p[1].type, &acc, "comm", NULL), 0);
	assert_int_equal(acc.nsteps, 2);
	assert_int_equal(acc.steps[0].op, CC_BTF_DEREF);
	assert_int_equal(acc.steps[1].op, CC_BTF_MEMBER);
	assert_string_equal(acc.steps[1].owner_name, "struct task_struct");
	assert_string_equal(acc.steps[1].member, "comm");
	assert_false(acc.steps[1].anon);
	assert_int_equal(acc.cls.kind, CC_BTF_STRING);
	assert_int_equal(acc.cls.nelem, 16);
	assert_string_equal(acc.cls.cname, "char[16]");

	/* the offset, from a walk of our own */
	raw = btf__parse(VMLINUX, NULL);
	assert_non_null(raw);
	id = btf__find_by_name_kind(raw, "task_struct", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(raw, (uint32_t)id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(raw, m[i].name_off), "comm"))
			off = (int)(btf_member_bit_offset(t, (uint32_t)i) / 8);
	btf__free(raw);
	assert_true(off > 0);
	assert_int_equal(acc.steps[1].offset, off);

	/* $prev->comm[2]: a char */
	assert_int_equal(resolve(b, p[1].type, &acc, "comm", "2", NULL), 0);
	assert_int_equal(acc.nsteps, 3);
	assert_int_equal(acc.steps[2].op, CC_BTF_INDEX);
	assert_int_equal(acc.steps[2].offset, 2);
	assert_int_equal(acc.cls.kind, CC_BTF_INT);
	assert_int_equal(acc.cls.size, 1);
	assert_int_equal(resolve(b, p[1].type, &acc, "comm", "16", NULL), -EINVAL);
	assert_string_equal(cc_btf_error(b), "index 16 is out of the bounds of char[16]");
}

static void test_mm_arg_start(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_access acc;
	struct cc_btf_type task;

	NEED_BTF(b);
	task = type_of(b, "task_struct");
	/* @cast(p, "task_struct")->mm->arg_start: on the struct itself, then a pointer */
	assert_int_equal(resolve(b, task, &acc, "mm", "arg_start", NULL), 0);
	/* 6.x wraps mm_struct's members in an anonymous struct: 3 steps or more */
	assert_true(acc.nsteps >= 3);
	assert_int_equal(acc.steps[0].op, CC_BTF_MEMBER);
	assert_string_equal(acc.steps[0].member, "mm");
	assert_string_equal(acc.steps[0].owner_name, "struct task_struct");
	assert_string_equal(cc_btf_classify(b, acc.steps[0].type).cname, "struct mm_struct*");
	assert_int_equal(acc.steps[1].op, CC_BTF_DEREF);
	assert_int_equal(acc.steps[2].op, CC_BTF_MEMBER);
	assert_string_equal(acc.steps[2].owner_name, "struct mm_struct");
	assert_int_equal(acc.steps[acc.nsteps - 1].op, CC_BTF_MEMBER);
	assert_string_equal(acc.steps[acc.nsteps - 1].member, "arg_start");
	assert_false(acc.steps[acc.nsteps - 1].anon);
	assert_int_equal(acc.cls.kind, CC_BTF_INT);
	assert_int_equal(acc.cls.size, 8);
	assert_false(acc.cls.is_signed);
	assert_int_equal(acc.bitfield_size, 0);
	/* a member of an integer */
	assert_int_equal(resolve(b, task, &acc, "pid", "x", NULL), -EINVAL);
	assert_string_equal(cc_btf_error(b),
			    "pid_t is not a struct or union: it has no member 'x'");
}

static void test_skb_dev_name(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_access acc;
	int i, derefs = 0;

	NEED_BTF(b);
	/* dev sits in a union in a struct in a union of sk_buff */
	assert_int_equal(resolve(b, type_of(b, "struct sk_buff"), &acc, "dev", "name", NULL), 0);
	for (i = 0; i < acc.nsteps && acc.steps[i].op != CC_BTF_DEREF; i++) {
		assert_int_equal(acc.steps[i].op, CC_BTF_MEMBER);
		assert_true(acc.steps[i].anon == (acc.steps[i].member == NULL));
	}
	assert_true(i >= 2); /* at least one anonymous step before dev */
	assert_true(acc.steps[0].anon);
	assert_string_equal(acc.steps[i - 1].member, "dev");
	assert_false(acc.steps[i - 1].anon);
	for (i = 0; i < acc.nsteps; i++)
		derefs += acc.steps[i].op == CC_BTF_DEREF;
	assert_int_equal(derefs, 1);
	assert_string_equal(acc.steps[acc.nsteps - 1].owner_name, "struct net_device");
	assert_string_equal(acc.steps[acc.nsteps - 1].member, "name");
	assert_int_equal(acc.cls.kind, CC_BTF_STRING);
	assert_int_equal(acc.cls.nelem, 16); /* IFNAMSIZ */
}

static void test_anon_union(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_access a1, a2;
	struct cc_btf_type skb;

	NEED_BTF(b);
	skb = type_of(b, "sk_buff");
	/* union { ktime_t tstamp; u64 skb_mstamp_ns; }: one place, two names */
	assert_int_equal(resolve(b, skb, &a1, "tstamp", NULL), 0);
	assert_int_equal(resolve(b, skb, &a2, "skb_mstamp_ns", NULL), 0);
	assert_int_equal(a1.nsteps, 2);
	assert_true(a1.steps[0].anon);
	assert_null(a1.steps[0].member);
	assert_string_equal(a1.steps[0].owner_name, "struct sk_buff");
	assert_string_equal(a1.steps[1].owner_name, "union (anon)");
	assert_string_equal(a1.steps[1].member, "tstamp");
	assert_int_equal(a1.steps[1].offset, 0);
	assert_int_equal(offset_sum(&a1, 0), offset_sum(&a2, 0));
	assert_int_equal(a1.cls.kind, CC_BTF_INT);
	assert_string_equal(a1.cls.cname, "ktime_t");
	assert_true(a1.cls.is_signed);
	assert_false(a2.cls.is_signed);
}

static void test_bitfield(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_access mark, cloned, nohdr, fclone, ptmark, pkt;
	struct cc_btf_type skb;

	NEED_BTF(b);
	skb = type_of(b, "struct sk_buff");
	/* __u8 __cloned_offset[0]; __u8 cloned:1; __u8 nohdr:1; __u8 fclone:2; */
	assert_int_equal(resolve(b, skb, &mark, "__cloned_offset", NULL), 0);
	assert_int_equal(resolve(b, skb, &cloned, "cloned", NULL), 0);
	assert_int_equal(resolve(b, skb, &nohdr, "nohdr", NULL), 0);
	assert_int_equal(resolve(b, skb, &fclone, "fclone", NULL), 0);
	assert_int_equal(mark.bitfield_size, 0);
	assert_int_equal(mark.cls.kind, CC_BTF_ARRAY);
	assert_int_equal(mark.cls.nelem, 0);
	assert_int_equal(cloned.bitfield_size, 1);
	assert_int_equal(cloned.steps[0].bitfield_size, 1);
	assert_int_equal(cloned.steps[0].offset, mark.steps[0].offset);
	assert_int_equal(cloned.steps[0].bit_offset, 0);
	assert_int_equal(nohdr.steps[0].offset, mark.steps[0].offset);
	assert_int_equal(nohdr.steps[0].bit_offset, 1);
	assert_int_equal(fclone.bitfield_size, 2);
	assert_int_equal(fclone.steps[0].bit_offset, 2);
	assert_int_equal(fclone.cls.kind, CC_BTF_INT);
	assert_false(fclone.cls.is_signed);
	/* a bitfield inside an anonymous struct of an anonymous union */
	assert_int_equal(resolve(b, skb, &ptmark, "__pkt_type_offset", NULL), 0);
	assert_int_equal(resolve(b, skb, &pkt, "pkt_type", NULL), 0);
	assert_int_equal(pkt.bitfield_size, 3);
	assert_true(pkt.nsteps >= 2);
	assert_true(pkt.steps[0].anon);
	assert_int_equal(offset_sum(&pkt, 0), offset_sum(&ptmark, 0));
	assert_int_equal(pkt.steps[pkt.nsteps - 1].bit_offset, 0);
}

static void test_enum(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_class c;

	NEED_BTF(b);
	c = cc_btf_classify(b, type_of(b, "enum pid_type"));
	assert_int_equal(c.kind, CC_BTF_ENUM);
	assert_int_equal(c.size, 4);
	assert_string_equal(c.cname, "enum pid_type");
	c = cc_btf_classify(b, type_of(b, "pid_t"));
	assert_int_equal(c.kind, CC_BTF_INT);
	assert_true(c.is_signed);
	assert_string_equal(c.cname, "pid_t");
	/* a module never loaded: nothing, but a spelling a message can print */
	c = cc_btf_classify(b, (struct cc_btf_type){.mod = 7, .id = 1});
	assert_int_equal(c.kind, CC_BTF_OTHER);
	assert_string_equal(c.cname, "?");
}

/* @enum and @enumname: enum pid_type has kept its values since 4.19 */
static void test_enum_values(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_enumval *v;
	int64_t val = -1;
	int n;

	NEED_BTF(b);
	n = cc_btf_enum_values(b, type_of(b, "enum pid_type"), &v);
	assert_true(n >= 5);
	assert_string_equal(v[0].name, "PIDTYPE_PID");
	assert_int_equal(v[0].value, 0);
	assert_string_equal(v[3].name, "PIDTYPE_SID");
	assert_int_equal(v[3].value, 3);
	assert_int_equal(cc_btf_enum_values(b, type_of(b, "task_struct"), &v), -EINVAL);

	assert_int_equal(cc_btf_enumerator(b, "PIDTYPE_SID", NULL, &val), 0);
	assert_int_equal(val, 3);
	assert_int_equal(cc_btf_enumerator(b, "PIDTYPE_TGID", "kernel<linux/pid.h>", &val), 0);
	assert_int_equal(val, 1);
	assert_int_equal(cc_btf_enumerator(b, "TAPHUB_NO_SUCH_ENUMERATOR", NULL, &val), -ENOENT);
	assert_string_equal(cc_btf_error(b),
			    "no enumerator 'TAPHUB_NO_SUCH_ENUMERATOR' in the BTF of 'kernel'");
	assert_int_equal(cc_btf_enumerator(b, "PIDTYPE_SID", "no_such_mod", &val), -ENOENT);
}

/*
 * Type tags: this machine's BTF has none (gcc-built), so a BTF written
 * here: struct s, pointers to it plain, through __user and __rcu tags,
 * and a typedef of the __user one.
 */
static void test_ptr_tagged(void **state)
{
	char path[] = "/tmp/test_btf_tags.XXXXXX";
	struct btf *w = btf__new_empty();
	int i, s, pu, pr, p, td, fd;
	struct cc_btf *b = NULL;
	const void *raw;
	uint32_t sz;

	(void)state;
	assert_non_null(w);
	i = btf__add_int(w, "int", 4, BTF_INT_SIGNED);
	s = btf__add_struct(w, "s", 4);
	assert_int_equal(btf__add_field(w, "x", i, 0, 0), 0);
	pu = btf__add_ptr(w, btf__add_type_tag(w, "user", s));
	pr = btf__add_ptr(w, btf__add_type_tag(w, "rcu", s));
	p = btf__add_ptr(w, s);
	td = btf__add_typedef(w, "s_user_ptr", pu);
	assert_true(i > 0 && s > 0 && pu > 0 && pr > 0 && p > 0 && td > 0);
	raw = btf__raw_data(w, &sz);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, raw, sz), (ssize_t)sz);
	close(fd);
	assert_int_equal(cc_btf_open(path, &b), 0);
	unlink(path);
	assert_true(cc_btf_ptr_tagged(b, (struct cc_btf_type){ 0, (uint32_t)pu }));
	assert_true(cc_btf_ptr_tagged(b, (struct cc_btf_type){ 0, (uint32_t)td }));
	assert_false(cc_btf_ptr_tagged(b, (struct cc_btf_type){ 0, (uint32_t)pr }));
	assert_false(cc_btf_ptr_tagged(b, (struct cc_btf_type){ 0, (uint32_t)p }));
	assert_false(cc_btf_ptr_tagged(b, (struct cc_btf_type){ 0, (uint32_t)s }));
	cc_btf_close(b);
	btf__free(w);
}

static void test_did_you_mean(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_param *p;
	struct cc_btf_access acc;

	NEED_BTF(b);
	assert_int_equal(cc_btf_tp_args(b, "sched_switch", &p), 4);
	assert_int_equal(resolve(b, p[1].type, &acc, "coom", NULL), -ENOENT);
	assert_string_equal(cc_btf_error(b),
			    "struct task_struct has no member 'coom'; did you mean 'comm'?");
	/* nothing near: no suggestion */
	assert_int_equal(resolve(b, p[1].type, &acc, "zzqqxxyy", NULL), -ENOENT);
	assert_string_equal(cc_btf_error(b), "struct task_struct has no member 'zzqqxxyy'");
	/* a member of an anonymous member is suggested too */
	assert_int_equal(resolve(b, type_of(b, "sk_buff"), &acc, "tstanp", NULL), -ENOENT);
	assert_string_equal(cc_btf_error(b),
			    "struct sk_buff has no member 'tstanp'; did you mean 'tstamp'?");
}

static void test_find_type(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_type t1, t2;

	NEED_BTF(b);
	assert_int_equal(cc_btf_find_type(b, "task_struct", NULL, &t1), 0);
	assert_int_equal(cc_btf_find_type(b, "struct task_struct", "kernel", &t2), 0);
	assert_int_equal(t1.id, t2.id);
	assert_int_equal(t1.mod, 0);
	assert_int_equal(cc_btf_classify(b, t1).kind, CC_BTF_STRUCT);
	assert_int_equal(cc_btf_find_type(b, "struct sock", "kernel", &t1), 0);
	assert_string_equal(cc_btf_classify(b, t1).cname, "struct sock");
	assert_int_equal(cc_btf_find_type(b, "sock", "kernel<linux/sched.h>", &t2), 0);
	assert_int_equal(t1.id, t2.id);
	/* modules tried in order: one that has no BTF here, then the kernel */
	assert_int_equal(cc_btf_find_type(b, "struct sock", "no_such_mod:kernel", &t2), 0);
	assert_int_equal(t1.id, t2.id);
	assert_int_equal(cc_btf_find_type(b, "struct no_such_type_xyz", NULL, &t1), -ENOENT);
	assert_string_equal(cc_btf_error(b),
			    "type 'struct no_such_type_xyz' not found in the BTF of 'kernel'");
	assert_int_equal(cc_btf_find_type(b, "union task_struct", NULL, &t1), -ENOENT);
	assert_int_equal(cc_btf_find_type(b, "task_struct", "no_such_mod", &t1), -ENOENT);
	assert_int_equal(cc_btf_find_type(b, "task_struct", "../etc", &t1), -ENOENT);
	assert_int_equal(cc_btf_find_type(b, "struct ", NULL, &t1), -EINVAL);
	/* a user-space header (general/sizeof.stp FILE '</usr/include/stdio.h>') */
	/* compiled by clang for its BTF (btf_header.c): a header's type, not the kernel's */
	assert_int_equal(cc_btf_find_type(b, "FILE", "</usr/include/stdio.h>", &t1), 0);
	assert_true(cc_btf_is_header(b, t1));
	assert_int_equal(cc_btf_find_type(b, "no_such_type", "kernel<uapi/linux/no_such.h>", &t1),
			 -EINVAL);
	assert_string_equal(cc_btf_error(b),
			    "type 'no_such_type' of header <uapi/linux/no_such.h> cannot be read: "
			    "'linux/no_such.h' file not found");
	/* a kernel type is still found after a header */
	assert_int_equal(cc_btf_find_type(b, "task_struct", "<stdio.h>:kernel", &t1), 0);
}

/*
 * A module's split BTF, on a kernel that has modules loaded (the 6.1 test
 * kernel; the host has none, and skips): a struct only the module
 * defines is found through the module's name, not in vmlinux.
 */
static void test_module(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_type t, base;
	const struct btf_type *bt;
	struct btf *vm, *mod = NULL;
	const char *name = NULL, *modname = NULL;
	struct dirent *de;
	char path[512];
	uint32_t id;
	DIR *d;

	NEED_BTF(b);
	vm = btf__parse(VMLINUX, NULL);
	assert_non_null(vm);
	d = opendir("/sys/kernel/btf");
	assert_non_null(d);
	while (!name && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		btf__free(mod);
		mod = btf__parse_split(path, vm);
		if (!mod)
			continue;
		for (id = btf__type_cnt(vm); id < btf__type_cnt(mod); id++) {
			bt = btf__type_by_id(mod, id);
			if (btf_is_struct(bt) && bt->name_off &&
			    btf__find_by_name_kind(vm, btf__name_by_offset(mod, bt->name_off),
						   BTF_KIND_STRUCT) < 0) {
				name = strdup(btf__name_by_offset(mod, bt->name_off));
				modname = strdup(de->d_name);
				break;
			}
		}
	}
	closedir(d);
	btf__free(mod);
	btf__free(vm);
	if (!name) {
		skip(); /* no module with BTF of its own loaded */
		return;
	}
	assert_int_equal(cc_btf_find_type(b, name, modname, &t), 0);
	assert_int_not_equal(t.mod, 0);
	assert_int_equal(cc_btf_classify(b, t).kind, CC_BTF_STRUCT);
	assert_int_equal(cc_btf_find_type(b, name, "kernel", &base), -ENOENT);
	/* loaded once: the second lookup names the same module */
	snprintf(path, sizeof(path), "kernel:%s", modname);
	assert_int_equal(cc_btf_find_type(b, name, path, &base), 0);
	assert_int_equal(base.mod, t.mod);
	assert_int_equal(base.id, t.id);
	free((void *)name);
	free((void *)modname);
}

static const struct cc_btf_param *field(const struct cc_btf_param *p, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	return NULL;
}

static void test_pretty_plan(void **state)
{
	struct cc_btf *b = *state;
	struct cc_btf_param *args, *p;
	const struct cc_btf_param *f;
	int n;

	NEED_BTF(b);
	assert_int_equal(cc_btf_tp_args(b, "sched_switch", &args), 4);
	/* $prev$: through the pointer */
	n = cc_btf_pretty_plan(b, args[1].type, &p);
	assert_true(n > 50);
	assert_non_null(f = field(p, n, "pid"));
	assert_int_equal(f->cls.kind, CC_BTF_INT);
	assert_int_equal(f->cls.size, 4);
	assert_true(f->cls.is_signed);
	assert_int_equal(f->acc.nsteps, 1);
	assert_non_null(f = field(p, n, "comm"));
	assert_int_equal(f->cls.kind, CC_BTF_STRING);
	assert_non_null(f = field(p, n, "mm"));
	assert_int_equal(f->cls.kind, CC_BTF_PTR);
	/* in declaration order: pid before comm */
	assert_true(field(p, n, "pid") < field(p, n, "comm"));

	/* sk_buff: anonymous members flattened, and reached through them */
	n = cc_btf_pretty_plan(b, type_of(b, "sk_buff"), &p);
	assert_true(n > 20);
	assert_non_null(f = field(p, n, "dev"));
	assert_true(f->acc.steps[0].anon);
	assert_non_null(f = field(p, n, "tstamp"));
	assert_non_null(f = field(p, n, "cloned"));
	assert_int_equal(f->acc.bitfield_size, 1);

	assert_int_equal(cc_btf_pretty_plan(b, args[0].type, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open),
	    cmocka_unit_test(test_ctx_lazy),
	    cmocka_unit_test(test_sched_switch_args),
	    cmocka_unit_test(test_func_args),
	    cmocka_unit_test(test_comm),
	    cmocka_unit_test(test_mm_arg_start),
	    cmocka_unit_test(test_skb_dev_name),
	    cmocka_unit_test(test_anon_union),
	    cmocka_unit_test(test_bitfield),
	    cmocka_unit_test(test_enum),
	    cmocka_unit_test(test_enum_values),
	    cmocka_unit_test(test_ptr_tagged),
	    cmocka_unit_test(test_did_you_mean),
	    cmocka_unit_test(test_find_type),
	    cmocka_unit_test(test_module),
	    cmocka_unit_test(test_pretty_plan),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
