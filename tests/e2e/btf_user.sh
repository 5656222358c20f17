#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel memory in user-context probes (begin, timer, end) as stap reads
# it there: task_current() is the runner's task, so what its task_struct
# says is known in advance (its tgid is pid(), its comm "tap", its
# parent's tgid ppid()); @cast chains, task_*(), kernel_long() and
# kernel_string() in user context read through the runner's BPF reader
# (guest-runtime/kread.c), a bad address is stap's runtime error, and a
# function reading kernel memory runs in kernel and user probes alike
# (docs/btf.md).
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"

CHECKS='t = task_current()
	i = 1
	printf("%s tgid=%d pid=%d tid=%d ppid=%d name=%s comm=%s c1=%d uid=%d refs=%d\n", where,
		@cast(t, "task_struct")->tgid == pid() && pid() == stp_pid(),
		task_pid(t) == pid(), task_tid(t) == tid(), task_pid(task_parent(t)) == ppid(),
		task_execname(t), @cast(t, "task_struct", "kernel")->comm,
		@task(t)->comm[i], task_uid(t) == uid(),
		@cast(&@cast(t, "task_struct")->usage, "refcount_t")->refs->counter ==
			@cast(t, "task_struct")->usage->refs->counter)'
tap_run ctx -e "global n
probe begin { where = \"begin\"; $CHECKS }
probe timer.ms(5) { where = \"timer\"; $CHECKS; if (++n == 2) exit() }
probe end { where = \"end\"; $CHECKS }"
assert_ok "task_current(), @cast, @task and task_*() in begin, timer and end run" ctx
for where in begin timer end; do
	assert_grep "$where: the runner's task_struct read through BTF" "$TMP/ctx.out" \
		"^$where tgid=1 pid=1 tid=1 ppid=1 name=tap comm=tap c1=97 uid=1 refs=1\$"
done

# stap's header form of the module, "kernel<linux/sched.h>": the kernel's
# types still (its '/' does not make it a user program's path)
tap_run hdr -e 'probe begin { printf("hdr=%d\n", @cast(task_current(), "task_struct",
	"kernel<linux/sched.h>")->tgid == pid()); exit() }'
assert_grep "@cast(p, \"task_struct\", \"kernel<linux/sched.h>\") is the kernel's type" \
	"$TMP/hdr.out" '^hdr=1$'

# A function reading kernel memory, called from a kernel probe (compiled
# to eBPF) and from end (the runner's reader): the same answers.
tap_run fn -c "$GEN getppid 7" -e 'global k, e
function tg(t) { return @cast(t, "task_struct")->tgid }
function nm(t) { return kernel_string(&@cast(t, "task_struct")->comm[0]) }
probe syscall.getppid { if (pid() == target() && tg(task_current()) == pid() && nm(task_current()) == execname()) k++ }
probe end { e = tg(task_current()) == pid() && nm(task_current()) == "tap"; printf("kernel=%d end=%d\n", k, e) }'
assert_ok "a function reading kernel memory runs in both contexts" fn
assert_grep "7 getppid calls in the kernel probe, and end agrees" "$TMP/fn.out" '^kernel=7 end=1$'

# A bad address is a runtime error, as in a kernel probe; try/catch and
# kernel_string()'s default take it.
tap_run bad -e 'probe begin {
	try { println(kernel_long(8)) } catch (m) { printf("caught: %s\n", m) }
	printf("default=%s\n", kernel_string(0, "none"))
	println(@cast(0, "task_struct")->tgid)
}'
assert_rc "reading address 0 + offset in begin is a runtime error" bad 1
assert_grep "try/catch sees kernel_long()'s fault" "$TMP/bad.out" \
	'^caught: kernel read fault$'
assert_grep "kernel_string(addr, default) gives the default" "$TMP/bad.out" '^default=none$'
assert_grep "an @cast chain through NULL: stap's kernel read fault" "$TMP/bad.err" \
	"^ERROR: kernel read fault near identifier '@cast'"

finish
