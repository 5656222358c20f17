#!/bin/sh
# SPDX-License-Identifier: MIT
# The scheduler and process tapsets (scheduler.*, kprocess.*, process.*),
# their variables checked against known workloads: a pinned pair of
# threads switching N times, N forks, a task moved between CPUs;
# cpu_on/cpu_off against ctxswitch on the same switches.
. "$(dirname "$0")/lib.sh"
require_kernel

N=200
CPU=$(($(nproc) - 1))

# ---- a pinned pair: context switches, wakeups, a thread's life ----------------
# Other tests may run gen at the same time: the pair's threads are the
# tids switched out with prev_pid the target, and only switches and
# wakeups between them count.
tap_run pair -c "$GEN pair $N $CPU" -e 'global sw, slept, bad, cpus, wake, wbad, thr, tend, pend, mine
probe scheduler.ctxswitch {
	if (prev_pid != target()) next
	mine[prev_tid] = 1
	if (next_task_name != "gen") next
	sw[prev_tid, next_tid]++
	slept[prev_tid, next_tid] += prevtsk_state == 1
	if (prev_task_name != "gen" || prev_priority != 120 || next_priority != 120 ||
	    nexttsk_state != 0 || next_pid != next_tid || prev_task == 0) bad++
	cpus[cpu()]++
}
probe scheduler.wakeup {
	if (pid() != target() || tsk_name != "gen" || tsk_tid == tid()) next
	wake[tsk_tid]++
	if (tsk_cpu != $1 || task_priority != 120 || tsk_state != 0 || tsk_pid != tsk_tid ||
	    name != "wakeup") wbad++
}
probe kprocess.create {
	if (pid() == target() && new_pid == target() && new_tid != target() &&
	    (clone_flags & 0x10000)) thr++
}
probe process.thread.end { if (pid() == target()) tend++ }
probe process.end { if (pid() == target()) pend++ }
probe end {
	foreach ([a, b] in sw) {
		if (!(b in mine)) continue
		keys++
		if (sw[a, b] < min || !min) min = sw[a, b]
		nslept += slept[a, b]
	}
	foreach (c in cpus) ncpu++
	foreach (t in wake) if (t in mine) nwake += wake[t]
	printf("keys=%d\nmin=%d\nslept=%d\nbad=%d\nncpu=%d\n", keys, min, nslept, bad, ncpu)
	foreach (c in cpus) printf("cpu=%d\n", c)
	printf("wake=%d\nwbad=%d\nthr=%d\ntend=%d\npend=%d\n", nwake, wbad, thr, tend, pend)
}' "$CPU"
assert_ok_skips "ctxswitch/wakeup script runs" pair
assert_eq "ctxswitch: the pair switches between exactly two threads (A->B, B->A)" \
	"$(value keys pair)" 2
# the first round trip may start before the second thread is pinned
assert_range "ctxswitch: each direction about N=$N times or more" "$(value min pair)" $((N - 5)) $((3 * N + 20))
assert_range "ctxswitch: prevtsk_state 1 (sleeping on the pipe) about N times or more" \
	"$(value slept pair)" $((N - 5)) $((3 * N + 20))
assert_eq "ctxswitch: names gen, priorities 120, nexttsk_state 0, next_pid = next_tid" \
	"$(value bad pair)" 0
assert_eq "ctxswitch: all on one CPU" "$(value ncpu pair)" 1
assert_eq "ctxswitch: on the CPU the pair is pinned to" "$(value cpu pair)" "$CPU"
assert_range "wakeup: the other thread is woken about N times or more" "$(value wake pair)" $((N - 5)) $((2 * N + 20))
assert_eq "wakeup: tsk_cpu is the pinned CPU, task_priority 120, tsk_state 0" \
	"$(value wbad pair)" 0
assert_eq "kprocess.create: one thread, new_pid the target, CLONE_THREAD" "$(value thr pair)" 1
# stap's: the last thread of a process ends in process.end, not thread.end
assert_eq "process.thread.end: the thread that is not the last" "$(value tend pair)" 1
assert_eq "process.end: the process once" "$(value pend pair)" 1

# ---- N forks: fork, wakeup_new, exec, exit, wait, free, create, release --------
F=5
tap_run fork -c "$GEN fork $F" -e 'global kids, f, fbad, wn, wnbad, ex, exbad, wt, wtbad, fr, frbad
global pe, pebad, cr, crbad, cpids, kx, kxbad, rel, pb, pbname, kex, kexc
probe scheduler.process_fork {
	if (parent_pid != target()) next
	f++
	kids[child_pid] = 1
	if (child_tid != child_pid || parent_tid != target() || child_name != "gen" ||
	    name != "process_fork") fbad++
}
probe scheduler.wakeup_new {
	if (pid() != target()) next
	wn++
	if (!(tsk_pid in kids) || tsk_name != "gen" || task_priority != 120) wnbad++
}
probe scheduler.process_exec {
	if (tsk_pid != target()) next
	ex++
	if (filename != @1 || old_tid != tsk_tid || tsk_tid != target()) exbad++
}
probe scheduler.process_exit {
	if (execname() != "gen" || !(tsk_pid in kids)) next
	pe++
	if (tsk_tid != tsk_pid || group_dead != 1 || priority != 120) pebad++
}
probe scheduler.process_wait {
	if (pid() != target()) next
	wt++
	if (!(tsk_pid in kids)) wtbad++
}
probe scheduler.process_free {
	if (tsk_name != "gen" || !(tsk_pid in kids)) next
	fr++
	if (tsk_tid != tsk_pid || priority != 120) frbad++
}
probe kprocess.create {
	if (pid() != target()) next
	cr++
	cpids[new_pid] = 1 // before process_fork: checked against kids at the end
	if (new_pid != new_tid || (clone_flags & 0x10000)) crbad++
}
probe kprocess.exit { if (pid() in kids) { kx++; if (group_dead != 1) kxbad++ } }
probe kprocess.release { if (released_pid in kids && released_tid == released_pid) rel++ }
probe kprocess.exec { if (pid() == target() && name == "execve" && filename == "\"" . @1 . "\"") kex++ }
probe kprocess.exec_complete { if (pid() == target() && errno == 0 && success == 1) kexc++ }
probe process.begin { if (pid() == target()) { pb++; pbname = execname() } }
probe end {
	foreach (k in kids) nk++
	foreach (k in cpids) if (!(k in kids)) crbad++
	printf("f=%d\nkids=%d\nfbad=%d\nwn=%d\nwnbad=%d\nex=%d\nexbad=%d\n", f, nk, fbad, wn, wnbad, ex, exbad)
	printf("pe=%d\npebad=%d\nwt=%d\nwtbad=%d\nfr=%d\nfrbad=%d\n", pe, pebad, wt, wtbad, fr, frbad)
	printf("cr=%d\ncrbad=%d\nkx=%d\nkxbad=%d\nrel=%d\n", cr, crbad, kx, kxbad, rel)
	printf("kex=%d\nkexc=%d\npb=%d\npbname %s\n", kex, kexc, pb, pbname)
}' "$GEN"
assert_ok_skips "fork script runs" fork
assert_eq "process_fork: $F forks with parent_pid the target" "$(value f fork)" $F
assert_eq "process_fork: $F distinct child_pid" "$(value kids fork)" $F
assert_eq "process_fork: child_tid, parent_tid, child_name, name" "$(value fbad fork)" 0
assert_eq "wakeup_new: $F, in the parent" "$(value wn fork)" $F
assert_eq "wakeup_new: tsk_pid is a child, tsk_name gen, priority 120" "$(value wnbad fork)" 0
assert_eq "process_exec: once for the target" "$(value ex fork)" 1
assert_eq "process_exec: filename is the program, old_tid = tsk_tid" "$(value exbad fork)" 0
assert_eq "process_exit: each child" "$(value pe fork)" $F
assert_eq "process_exit: tsk_tid = tsk_pid, group_dead 1, priority 120" "$(value pebad fork)" 0
assert_eq "process_wait: one wait per child" "$(value wt fork)" $F
assert_eq "process_wait: tsk_pid is the child waited for" "$(value wtbad fork)" 0
# Freeing waits for an RCU grace period: the last may come after the end.
assert_range "process_free: the children freed" "$(value fr fork)" 1 $F
assert_eq "process_free: tsk_tid = tsk_pid, priority 120" "$(value frbad fork)" 0
assert_eq "kprocess.create: $F processes" "$(value cr fork)" $F
assert_eq "kprocess.create: new_pid = new_tid = the child, no CLONE_THREAD" "$(value crbad fork)" 0
assert_eq "kprocess.exit: each child" "$(value kx fork)" $F
assert_eq "kprocess.exit: group_dead 1" "$(value kxbad fork)" 0
assert_range "kprocess.release: released_pid of the children" "$(value rel fork)" 1 $F
assert_eq "kprocess.exec: name execve, filename quoted" "$(value kex fork)" 1
assert_eq "kprocess.exec_complete: errno 0, success 1" "$(value kexc fork)" 1
assert_eq "process.begin: once for the target" "$(value pb fork)" 1
assert_grep "process.begin: in the new program's context" "$TMP/fork.out" '^pbname gen$'

# ---- cpu_off / cpu_on: sched_switch seen from the task leaving and the one coming -
# Both stand on the event ctxswitch stands on: their counts over the same
# switches are equal whatever else runs on the machine.
# a name of this run's own: other gens on the machine switch in too, and a
# run of one probe the kernel skips (counted) would tip an exact comparison
PG=pair$$
cp "$GEN" "$TMP/$PG"
tap_run cpu -c "$TMP/$PG pair $N $CPU" -e 'global sw_out, sw_in, off, on, offbad, onbad
probe scheduler.ctxswitch {
	if (prev_pid == target()) sw_out++
	if (next_task_name == "'"$PG"'") sw_in++
}
probe scheduler.cpu_off {
	if (pid() != target()) next
	off++
	if (idle || task_prev != task_current() || task_next != 0 || name != "cpu_off") offbad++
}
probe scheduler.cpu_on {
	if (idle != (next_tid == 0) || task_prev != task_current() || name != "cpu_on") onbad++
	if (next_task_name == "'"$PG"'") on++
}
probe end { printf("sw_out=%d\noff=%d\nsw_in=%d\non=%d\noffbad=%d\nonbad=%d\n", sw_out, off, sw_in, on, offbad, onbad) }'
assert_ok_skips "cpu_on/cpu_off script runs" cpu
assert_range "cpu_off: the pair leaves the CPU about 2N times" "$(value off cpu)" $((2 * N - 10)) $((6 * N + 40))
assert_eq "cpu_off: once per switch of the target out (ctxswitch)" "$(value off cpu)" "$(value sw_out cpu)"
assert_eq "cpu_on: once per switch of a gen in (ctxswitch)" "$(value on cpu)" "$(value sw_in cpu)"
assert_eq "cpu_off: idle 0 for the pair, task_prev is current, name" "$(value offbad cpu)" 0
assert_eq "cpu_on: idle when the idle task comes in, task_prev, name" "$(value onbad cpu)" 0

# ---- kprocess.start: a new task's first return to user space, in its context -------
tap_run start -c "$GEN fork 5" -e 'global st, stbad
probe kprocess.start {
	if (ppid() != target()) next
	st++
	if (execname() != "gen" || pid() != tid()) stbad++
}
probe end { printf("st=%d\nstbad=%d\n", st, stbad) }'
assert_ok_skips "kprocess.start script runs" start
assert_eq "kprocess.start: each of the 5 children, in its own context" "$(value st start)" 5
assert_eq "kprocess.start: execname gen, pid = tid" "$(value stbad start)" 0
tap_run tstart -c "$GEN pair 5 $CPU" -e 'global st
probe kprocess.start { if (pid() == target() && tid() != target()) st++ }
probe end { printf("st=%d\n", st) }'
assert_eq "kprocess.start: the pair's second thread" "$(value st tstart)" 1

# ---- a task moved between CPUs ---------------------------------------------------
if [ "$(nproc)" -ge 2 ]; then
	M=6
	tap_run migrate -c "$GEN migrate $M" -e 'global n, bad
probe scheduler.migrate {
	// exec may move the task before it is named gen
	if (tsk_tid != target() || tsk_name != "gen") next
	n++
	if (cpu_from == cpu_to || cpu_to > 1 || tsk_pid != tsk_tid || priority != 120 ||
	    name != "migrate") bad++
}
probe end { printf("n=%d\nbad=%d\n", n, bad) }'
	assert_ok_skips "migrate script runs" migrate
	assert_range "migrate: $M moves" "$(value n migrate)" $M $((M + 2))
	assert_eq "migrate: cpu_from != cpu_to, priority 120, name" "$(value bad migrate)" 0
else
	echo "# tapset_sched: one CPU, scheduler.migrate not exercised"
fi

# ---- thread_indent() and friends, in kernel and user context -----------------------
f=$TMP/indent-file
: >"$f"
tap_run indent -c "$GEN open $f 2" -e 'probe begin {
	printf("%s-> a\n", thread_indent(1))
	printf("%s-> b\n", thread_indent(1))
	printf("%s<- b\n", thread_indent(-1))
	printf("%s<- a %d\n", thread_indent(-1), thread_indent_depth(0))
	printf("[%s] %d %d %d\n", indent(1), indent_depth(1), indent_depth(-1), indent_depth(-1))
}
probe kernel.trace("syscalls:sys_enter_openat") { if (pid() == target()) printf("%s-> openat\n", thread_indent(1)) }
probe kernel.trace("syscalls:sys_exit_openat") { if (pid() == target()) printf("%s<- openat\n", thread_indent(-1)) }
probe kernel.trace("syscalls:sys_enter_close") { if (pid() == target()) printf("%s-> close\n", thread_indent(1)) }
probe kernel.trace("syscalls:sys_exit_close") { if (pid() == target()) printf("%s<- close\n", thread_indent(-1)) }'
assert_ok_skips "thread_indent script runs" indent
# the times vary: keep their 6-column shape, not their value
sed 's/^ *[0-9]\{1,6\} /N /; s/tap([0-9]*)/tap(PID)/; s/gen([0-9]*)/gen(PID)/' \
	"$TMP/indent.out" >"$TMP/indent.shape"
assert_eq "thread_indent, thread_indent_depth, indent, indent_depth in user context" \
	"$(head -n 5 "$TMP/indent.shape")" "N tap(PID):-> a
N tap(PID): -> b
N tap(PID): <- b
N tap(PID):<- a 0
[     0 :] 1 1 0"
# the dynamic loader opens and closes two files, gen two more
assert_eq "thread_indent in kernel context: each call at the outer level" \
	"$(sed -n '6,$p' "$TMP/indent.shape" | sort | uniq -c | sed 's/^ *//')" "4 N gen(PID):-> close
4 N gen(PID):-> openat
4 N gen(PID):<- close
4 N gen(PID):<- openat"
assert_eq "thread_indent: time 0, right-aligned in 6 columns, when the outer level begins" \
	"$(grep -c '^     0 gen([0-9]*):-> ' "$TMP/indent.out")" 8

# ---- the examples: off-CPU time and wakeup latency histograms -------------------------
EXAMPLES=$E2E_DIR/../../sessions/examples
tap_run offcpu -c "$GEN pair 100 $CPU" "$EXAMPLES/offcpu.stp"
assert_ok_skips "example offcpu.stp runs" offcpu
assert_grep "offcpu.stp: its title" "$TMP/offcpu.out" '^off-CPU time (us) of [0-9]* context switches:$'
# the value column is as wide as the widest bucket label (an outlier of seven digits)
assert_grep "offcpu.stp: a histogram" "$TMP/offcpu.out" '^ *value |-* count$'
assert_grep "offcpu.stp: the table" "$TMP/offcpu.out" '^THREAD  *TID  *SWITCHES$'
assert_grep "offcpu.stp: the pair's threads switched out ~100 times" "$TMP/offcpu.out" \
	'^gen  *[0-9][0-9]*  *[1-9][0-9][0-9]$'
tap_run wakeuplat -c "$GEN pair 100 $CPU" "$EXAMPLES/wakeuplat.stp"
assert_ok_skips "example wakeuplat.stp runs" wakeuplat
assert_grep "wakeuplat.stp: its title" "$TMP/wakeuplat.out" '^wakeup latency (us) of [0-9]* wakeups:$'
assert_grep "wakeuplat.stp: a histogram" "$TMP/wakeuplat.out" '^ *value |-* count$'
assert_grep "wakeuplat.stp: min, avg, max" "$TMP/wakeuplat.out" '^min [0-9]* us, avg [0-9]* us, max [0-9]* us$'
assert_grep "wakeuplat.stp: the worst by command" "$TMP/wakeuplat.out" '^gen  *[0-9][0-9]*$'

# ---- every alias and variable passes the verifier ------------------------------
tap_run all -e 'global acc
probe scheduler.ctxswitch { acc <<< prev_pid + prev_tid + prev_task + prev_priority + prevtsk_state + next_pid +
	next_tid + next_priority + nexttsk_state + strlen(prev_task_name . next_task_name . name) }
probe scheduler.wakeup, scheduler.wakeup_new { acc <<< tsk_pid + tsk_tid + task_priority + tsk_cpu + tsk_state + strlen(tsk_name . name) }
probe scheduler.migrate { acc <<< tsk_pid + tsk_tid + priority + cpu_from + cpu_to + strlen(tsk_name . name) }
probe scheduler.process_fork { acc <<< parent_pid + parent_tid + child_pid + child_tid + strlen(child_name . name) }
probe scheduler.process_exec { acc <<< tsk_pid + tsk_tid + old_tid + strlen(filename . name) }
probe scheduler.process_exit { acc <<< tsk_pid + tsk_tid + priority + group_dead + strlen(name) }
probe scheduler.process_free { acc <<< tsk_pid + tsk_tid + priority + strlen(tsk_name . name) }
probe scheduler.process_wait { acc <<< tsk_pid + strlen(name) }
probe scheduler.wait_task { acc <<< tsk_pid + task_priority + strlen(name) }
probe scheduler.kthread_stop { acc <<< thread_pid + strlen(thread_name . name) }
probe scheduler.kthread_stop.return { acc <<< return_value + strlen(name) }
probe kprocess.create { acc <<< new_pid + new_tid + clone_flags }
probe kprocess.exec { acc <<< strlen(filename . name) }
probe kprocess.exec_complete { acc <<< errno + success + strlen(name) }
probe kprocess.exit { acc <<< group_dead }
probe kprocess.release { acc <<< released_pid + released_tid }
probe scheduler.cpu_off { acc <<< task_prev + task_next + idle + next_tid + strlen(next_task_name . name) }
probe scheduler.cpu_on { acc <<< task_prev + idle + next_tid + strlen(next_task_name . name) }
probe kprocess.start { acc <<< pid() }
probe process.begin, process.end, process.thread.end { acc <<< pid() }
probe timer.ms(100) { exit() }
probe end { printf("ok=%d\n", @count(acc) > 0) }'
assert_ok_skips "all scheduler, kprocess and process aliases load with all their variables" all
assert_eq "and fire" "$(value ok all)" 1

# ---- listing ------------------------------------------------------------------------
tap_run list -L 'scheduler.*'
assert_grep "tap -L lists ctxswitch with stap's variables" "$TMP/list.out" \
	'^scheduler.ctxswitch name:string prev_pid:long .*prev_task_name:string prev_priority:long prevtsk_state:long next_pid:long'
assert_grep "tap -L lists process_fork" "$TMP/list.out" \
	'^scheduler.process_fork name:string parent_pid:long .*child_pid:long'

# stap's spellings, named like functions: locals may shadow them
tap_run stapnames -c "$GEN pair 20 1" -e 'probe scheduler.wakeup { if (task_pid == tsk_pid && task_cpu == tsk_cpu) ok++ else bad++ } global ok, bad
probe end { printf("%d %d\n", ok > 0, bad) }'
assert_eq "stap's task_pid and task_cpu name the same values as tsk_*" "$(out stapnames)" "1 0"

finish
