#!/bin/sh
# SPDX-License-Identifier: MIT
# Target variables of tracepoints from BTF (issue 12): the C arguments
# ($parent, $child, $prev), member chains, $$parms, @cast, and the error
# for an unknown member, checked against values known in advance.
#
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"

# ---- sched_process_fork: a parent of known pid and comm forks a child of known pid -----
# A copy of sh named btfv<pid> (its comm, at most 15 characters) forks
# exactly one child (the background true) and writes both pids; the child
# is counted at the fork, before its exec, so its comm is still the
# parent's.
SHCOPY=$TMP/btfv$$
cp /bin/sh "$SHCOPY" && chmod 755 "$SHCOPY" || fail "copy of sh" "cp /bin/sh failed"
NAME=$(basename "$SHCOPY")
tap_start fork -e 'probe kernel.trace("sched:sched_process_fork") {
	if (execname() != @1) next
	printf("parent_pid=%d\n", $parent->pid)
	printf("parent_comm=%s\n", kernel_string($parent->comm))
	printf("child_pid=%d\n", $child->pid)
	printf("child_comm=%s\n", $child->comm)
	printf("child_tgid=%d\n", $child->tgid)
	printf("fmt_child_pid=%d\n", $child_pid)
	printf("cast_pid=%d\n", @cast($parent, "task_struct")->pid)
	printf("cast_kernel_pid=%d\n", @cast($child, "struct task_struct", "kernel")->pid)
	printf("parms=%s\n", $$parms)
	printf("want=parent=0x%x child=0x%x\n", $parent, $child)
	exit()
}' "$NAME"
# a tap that failed to compile is gone: no need to wait for it to attach
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID" && ! gone "$TAP_PID" &&
	"$SHCOPY" -c 'echo $$ >"$1/parent"; true & echo $! >"$1/child"; wait' sh "$TMP"
tap_wait fork
# "none" when the shell did not run: never equal to a missing value
PARENT=$(cat "$TMP/parent" 2>/dev/null)
PARENT=${PARENT:-none}
CHILD=$(cat "$TMP/child" 2>/dev/null)
CHILD=${CHILD:-none}
assert_ok "sched_process_fork script runs" fork
assert_eq "\$parent->pid is the forking shell's pid" "$(value parent_pid fork)" "$PARENT"
assert_grep "kernel_string(\$parent->comm) is the shell's comm" "$TMP/fork.out" "^parent_comm=$NAME\$"
assert_eq "\$child->pid is the pid \$! names" "$(value child_pid fork)" "$CHILD"
assert_eq "\$child->tgid is its pid (a process, not a thread)" "$(value child_tgid fork)" "$CHILD"
assert_grep "\$child->comm (char[16]) prints as a string: the parent's comm at fork" \
	"$TMP/fork.out" "^child_comm=$NAME\$"
assert_eq "the format field \$child_pid agrees" "$(value fmt_child_pid fork)" "$CHILD"
assert_eq "@cast(\$parent, \"task_struct\")->pid" "$(value cast_pid fork)" "$PARENT"
assert_eq "@cast(\$child, \"struct task_struct\", \"kernel\")->pid" "$(value cast_kernel_pid fork)" "$CHILD"
# stap: $$parms is "name=%#x" of each argument, space separated
want=$(sed -n 's/^want=//p' "$TMP/fork.out")
assert_grep "\$\$parms is parent=0x... child=0x... with the arguments' values" \
	"$TMP/fork.out" "^parms=parent=0x[0-9a-f]* child=0x[0-9a-f]*\$"
assert_eq "\$\$parms shows exactly \$parent and \$child" \
	"$(sed -n 's/^parms=//p' "$TMP/fork.out")" "${want:-no want line}"

# ---- sched_switch: $prev->pid is $prev_pid on every event ------------------------------
# Every switch of the run, system-wide: whoever else runs on the machine
# only adds events.  gen ctxsw makes sure there are some.
tap_run sw -c "$GEN ctxsw 200" -e 'global n, bad, badnext, badcomm
probe kernel.trace("sched:sched_switch") {
	n++
	if ($prev->pid != $prev_pid) bad++
	if ($next->pid != $next_pid) badnext++
	if (kernel_string($prev->comm) != $prev_comm) badcomm++
}
probe end { printf("n=%d\nbad=%d\nbadnext=%d\nbadcomm=%d\n", n, bad, badnext, badcomm) }'
# The format fields come through a tp/ program that stashes them for the
# raw_tp one; the kernel skips a tp/ program while this CPU's
# bpf_prog_active is held (a map syscall preempted on it), and that run
# is skipped and counted, never run with another event's fields.
assert_ok_skips "sched_switch script runs" sw
assert_range "switches seen (gen ctxsw 200 makes at least 400)" "$(value n sw)" 400 1000000000
assert_eq "\$prev->pid equals \$prev_pid on every event" "$(value bad sw)" 0
assert_eq "\$next->pid equals \$next_pid on every event" "$(value badnext sw)" 0
assert_eq "kernel_string(\$prev->comm) equals \$prev_comm on every event" "$(value badcomm sw)" 0

# ---- pointer chains, arrays, bitfields, unions, enums --------------------------------------
# On gen's own switches (after its exec: before, the child of tap still
# has tap's mm and comm): its mm's arg_start is where its argv starts, so
# user_string at it is the path of gen; comm[0] is 'g'.
tap_run chain -c "$GEN ctxsw 20" -e 'global argv0, c0, done
probe kernel.trace("sched:sched_switch") {
	if (done || $prev->pid != target() || execname() != "gen") next
	argv0 = user_string($prev->mm->arg_start)
	c0 = $prev->comm[0]
	done = 1
}
probe end { printf("argv0=%s\nc0=%d\n", argv0, c0) }'
assert_ok "chain script runs" chain
assert_grep "\$prev->mm->arg_start points to gen's argv[0]" "$TMP/chain.out" "^argv0=$GEN\$"
assert_eq "\$prev->comm[0] is 'g'" "$(value c0 chain)" 103

# ---- pass 2 errors -------------------------------------------------------------------------
tap_run coom -p2 -e 'probe kernel.trace("sched:sched_switch") { println($prev->coom) }'
assert_rc "an unknown member fails at pass 2" coom 1
assert_grep "the message names the type and the nearest member" "$TMP/coom.err" \
	"struct task_struct has no member 'coom'; did you mean 'comm'?"
# (already refused today: it must stay so once $prev is known)
tap_run wr -p2 -e 'probe kernel.trace("sched:sched_switch") { $prev->pid = 1 }'
assert_rc "a write to a target variable is refused" wr 1
assert_grep "the refusal says guru mode" "$TMP/wr.err" "guru"

# ---- tap -L lists the C arguments with their types, as stap does ----------------------------
tap_run list -L 'kernel.trace("sched:sched_switch")'
assert_grep "-L lists \$prev:struct task_struct*" "$TMP/list.out" '\$prev:struct task_struct\*'
assert_grep "-L lists \$preempt:bool" "$TMP/list.out" '\$preempt:bool'

# ---- &@cast(p, "T")->m of a variable p: an address, no read, so in any function ------
# (stap's target_set tapset passes &@cast(uaddr, "struct timespec")->tv_sec to user_long)
tap_run castaddr -c "$GEN getppid 3" -e 'global k, b
function tgid_addr(t) { return &@cast(t, "task_struct")->tgid }
probe begin { b = tgid_addr(1000) == 1000 + @offsetof("task_struct", tgid) }
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target() && kernel_int(tgid_addr(task_current())) == pid()) k++
}
probe end { printf("b=%d\nk=%d\n", b, k) }'
assert_ok "&@cast(p, T)->m in a function called from begin and a kernel probe" castaddr
assert_eq "... is p plus the member's offset" "$(value b castaddr)" 1
assert_eq "... and reads as the member in the kernel probe" "$(value k castaddr)" 3

finish
