#!/bin/sh
# SPDX-License-Identifier: MIT
# kernel.trace probes and their $fields: integers of each width and sign,
# char[N] strings, __data_loc strings, pointers read with user_string(),
# each checked against what the workload generator did.
. "$(dirname "$0")/lib.sh"
require_kernel

# sched_process_fork: pid_t fields and two __data_loc strings.
tap_run fork -c "$GEN fork 5" -e 'global n, ok, kids
probe kernel.trace("sched:sched_process_fork") {
	if ($parent_pid != target()) next
	n++
	if ($parent_comm == "gen" && $child_comm == "gen" && $child_pid > $parent_pid)
		ok++
	kids[$child_pid] = 1
}
probe end { foreach (k in kids) nk++; printf("n=%d\nok=%d\nkids=%d\n", n, ok, nk) }'
assert_eq "pid_t fields: 5 forks of the target" "$(value n fork)" 5
assert_eq "__data_loc strings: parent and child comm are gen" "$(value ok fork)" 5
assert_eq "pid_t fields: 5 distinct children" "$(value kids fork)" 5

# sched_process_exec: __data_loc filename is the path -c ran.
tap_run exec -c "$GEN getppid 1" -e 'probe kernel.trace("sched:sched_process_exec") {
	if ($pid == target()) printf("%s %d\n", $filename, $old_pid == $pid) }'
assert_eq "__data_loc filename of exec" "$(out exec)" "$GEN 1"

# sched_switch: char[16] comm fields and ints, against context functions.
tap_run switch -c "$GEN ctxsw 200" -e 'global same, differ
probe kernel.trace("sched:sched_switch") {
	if (pid() != target()) next
	if ($prev_comm == execname() && $prev_pid == tid() && $prev_prio >= 0 && strlen($next_comm) < 16)
		same++
	else
		differ++
}
probe end { printf("same=%d\ndiffer=%d\n", same, differ) }'
assert_range "char[16] \$prev_comm is execname() on switches away from the target" \
	"$(value same switch)" 100 100000
assert_eq "no switch event disagrees" "$(value differ switch)" 0

# A pointer field read with user_string(): the path gen opens.
f=$TMP/file-to-open
: >"$f"
tap_run open -c "$GEN open $f 7" -e 'global n, other
probe kernel.trace("syscalls:sys_enter_openat") {
	if (pid() != target()) next
	if (user_string($filename) == @1) n++
	else other++
}
probe end { printf("n=%d\n", n) }' "$f"
assert_eq "user_string(\$filename) of openat" "$(value n open)" 7

# signal_generate: int $sig and char[16] $comm of the receiver.
tap_run sig -c "$GEN kill 6 10" -e 'global n, comm
probe kernel.trace("signal:signal_generate") {
	if (pid() == target() && $sig == 10) { n++; comm[$comm] = 1 }
}
probe end { printf("n=%d\n", n); foreach (c in comm) printf("comm=%s\n", c) }'
assert_eq "\$sig of signal_generate" "$(value n sig)" 6
assert_grep "\$comm of signal_generate" "$TMP/sig.out" '^comm=gen$'

# sys_enter_write: size_t and unsigned int fields.
tap_run write -c "$GEN write 3 123" -e 'global n
probe kernel.trace("syscalls:sys_enter_write") {
	if (pid() == target() && $count == 123 && $fd > 2) n++ }
probe end { printf("n=%d\n", n) }'
assert_eq "size_t \$count of write" "$(value n write)" 3

# A field that does not exist is a compile error listing the fields.
tap_run nofield -e 'probe kernel.trace("sched:sched_process_fork") { println($nosuch) }'
assert_rc "an unknown \$field fails" nofield 1
assert_grep "the error lists the fields" "$TMP/nofield.err" 'child_pid'
tap_run defd -p2 -e 'probe kernel.trace("sched:sched_process_fork") {
	x = @defined($nosuch) ? $nosuch : 0; y = @defined($child_pid) }'
assert_ok "@defined() of a missing field compiles" defd

# ---- kernel.tracepoint("EVENT"): stap's BTF form, C arguments as $arg1 ... ------------
# sched_process_fork(parent, child): 4 forks of the target, seen with the
# arguments' members and pp() as stap writes the point
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
tap_run ktp -c "$GEN fork 4" -e 'global n, kids, p
probe kernel.tracepoint("sched_process_fork") {
	if ($arg1->tgid != target()) next
	n++
	if ($arg2->tgid != $arg1->tgid) kids++
	p = pp()
}
probe end { printf("n=%d\nkids=%d\npp=%s\n", n, kids, p) }'
assert_ok "kernel.tracepoint(\"sched_process_fork\") runs" ktp
assert_eq "... sees the 4 forks of the target (\$arg1->tgid)" "$(value n ktp)" 4
assert_eq "... \$arg2 is each child, another process" "$(value kids ktp)" 4
assert_eq "... pp() is the point as stap writes it" "$(sed -n 's/^pp=//p' "$TMP/ktp.out")" \
	'kernel.tracepoint("sched_process_fork")'
tap_run ktpl -L 'kernel.tracepoint("sched_process_fork")'
assert_eq "-L lists \$arg1 and \$arg2 with their C types" "$(out ktpl)" \
	'kernel.tracepoint("sched_process_fork") $arg1:struct task_struct* $arg2:struct task_struct*'
tap_run ktpname -p2 -e 'probe kernel.tracepoint("sched_process_fork") { println($parent_pid) }'
assert_ok "the event's format fields are there too" ktpname
tap_run ktpsys -l 'kernel.tracepoint("sys_enter*")'
assert_eq "-l: only the kernel's tracepoints, not the syscalls:* events" "$(out ktpsys)" \
	'kernel.tracepoint("sys_enter")'
tap_run ktpmod -p2 -e 'probe module("no_such_mod_x").tracepoint("ev") { }'
assert_rc "module(\"M\").tracepoint() of a module not loaded is refused" ktpmod 1
assert_grep "... saying so" "$TMP/ktpmod.err" "is not supported on this kernel: module 'no_such_mod_x' is not loaded"

finish
