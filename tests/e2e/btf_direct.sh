#!/bin/sh
# SPDX-License-Identifier: MIT
# Tracepoint C arguments read by a BTF-typed raw tracepoint (tp_btf):
# member chains loaded directly instead of one bpf_probe_read_kernel()
# per step, a NULL pointer still stap's runtime error, a pointer argument
# used as a number still a number, and the events whose arguments the
# verifier would refuse left to raw_tp (issue 12, docs/btf.md).
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"

# ---- the program a chain gets -----------------------------------------------------------------
tap_run p3 -p3 -e 'probe kernel.trace("sched:sched_switch") {
	if ($prev->comm == "zzzz") println($prev->pid)
}'
assert_grep "C arguments of sched_switch: a tp_btf program" "$TMP/p3.out" 'SEC("tp_btf/sched_switch")'
assert_no_grep "and no raw_tp one" "$TMP/p3.out" 'SEC("raw_tp/'
assert_grep "\$prev->pid is a direct load" "$TMP/p3.out" \
	'TH_CORE_LOAD(1, ((struct task_struct___tap \*)a[0-9]*), pid)'
assert_grep "\$prev->comm is copied by loads" "$TMP/p3.out" \
	'th_load_karr(F->t\[[0-9]*\], (const char \*)&((struct task_struct___tap \*)a[0-9]*)->comm, 16)'
assert_grep "each pointer followed is checked for NULL" "$TMP/p3.out" 'if (!a[0-9]*) ({ if (!H->err)'
# kfree_skb passes a void * (its location): 6.1's verifier refuses that argument in tp_btf
tap_run skb -p3 -e 'probe kernel.trace("skb:kfree_skb") { println($skb->len) }'
assert_grep "an event with a void * argument stays raw_tp" "$TMP/skb.out" 'SEC("raw_tp/kfree_skb")'

# ---- values: gen's own switches ---------------------------------------------------------------
tap_run vals -c "$GEN ctxsw 20" -e 'global n, bad, comm, pid
probe kernel.trace("sched:sched_switch") {
	if ($prev->pid != target()) next
	n++
	if ($prev->pid != $prev_pid || $prev->tgid != pid() || $next->pid != $next_pid) bad++
	comm = $prev->comm
	pid = $prev->pid
}
probe end { printf("n=%d\nbad=%d\ncomm=%s\nmepid=%d\n", n, bad, comm, pid == target()) }'
assert_ok_skips "the chain script runs" vals
assert_range "gen switched out" "$(value n vals)" 1 1000000
assert_eq "\$prev->pid, ->tgid, \$next->pid agree with the format's fields on every event" \
	"$(value bad vals)" 0
assert_grep "\$prev->comm (loaded) is gen" "$TMP/vals.out" '^comm=gen$'

# ---- a NULL pointer: stap's error, as with bpf_probe_read_kernel -------------------------------
# The idle task (pid 0) has no mm: ->arg_start behind it is never loaded.
tap_run null -e 'probe kernel.trace("sched:sched_switch") {
	if ($prev->pid == 0) println($prev->mm->arg_start)
}'
assert_rc "a NULL ->mm ends the run" null 1
assert_grep "with stap's runtime error" "$TMP/null.err" "^ERROR: kernel read fault near identifier 'prev'"
assert_no_grep "and nothing is printed" "$TMP/null.out" '^0$'

# ---- a pointer argument used as a number --------------------------------------------------------
# The verifier refuses & on its typed pointer: the argument is read as bytes then.
tap_run num -e 'probe kernel.trace("sched:sched_switch") {
	printf("mask=%d\neq=%d\naddr=%d\n", ($prev & 0xfff) == (task_current() & 0xfff),
	       $prev == task_current(), &$prev->comm - $prev > 0)
	exit()
}'
assert_ok "\$prev & 0xfff and &\$prev->comm load and run" num
assert_eq "\$prev & 0xfff is current's" "$(value mask num)" 1
assert_eq "\$prev is task_current()" "$(value eq num)" 1
assert_eq "&\$prev->comm is inside \$prev" "$(value addr num)" 1

finish
