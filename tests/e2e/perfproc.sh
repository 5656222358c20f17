#!/bin/sh
# SPDX-License-Identifier: MIT
# Perf events of a process (docs/probes.md, "Perf events of a process"):
# counters of the -c/-x target read with @perf over functions doing known
# work (N page faults by touching N fresh pages, MS ms of CPU time), 0 in
# another process; perf...process sampling only the target, while a busy
# copy of the same program runs beside it; perf...process("PATH") sampling
# every process of PATH and no other; statement("FUNC@FILE") on a
# function's entry; the errors: an undefined counter, a counter of a
# program that is not the target, no target, @perf in tap, perf.hw with
# no PMU.  tests/e2e/perfprog.c is built here with -g.
. "$(dirname "$0")/lib.sh"
require_kernel
require_cmd cc
SRC=$(cd "$(dirname "$0")" && pwd)/perfprog.c
PROG=$TMP/perfprog
cc -g -O0 -o "$PROG" "$SRC" 2>"$TMP/cc.err" ||
	fail "setup" "cannot build $SRC" "$(cat "$TMP/cc.err")"
N=1000

# ---- counters: page faults over a function, 0 in another process ----------------
# The delta over perfprog_touch(N) is its N faults and a few of the probes'
# own (the return probe's trampoline page); an empty function makes none.
DELTAS='probe perf.sw.page_faults.counter("pf") {}
probe process(@1).function("perfprog_touch").return {
	printf("touch%d=%d\n", pid() == target(), @perf("pf") - @entry(@perf("pf")))
}
probe process(@1).function("perfprog_empty").return {
	printf("empty=%d\n", @perf("pf") - @entry(@perf("pf")))
}'
tap_run pages -c "$PROG pages $N" -e "$DELTAS" "$PROG"
assert_ok "a page_faults counter of the -c target runs" pages
assert_range "perfprog_touch($N): at least its $N page faults, and few more" \
	"$(value touch1 pages)" $N $((N + 16))
assert_range "an empty function: no page fault" "$(value empty pages)" 0 2

# fork: the parent (the target) touches N pages, then its child does; the
# child has no counter (counters are not inherited): it reads 0
tap_run fork -c "$PROG fork $N" -e "$DELTAS" "$PROG"
assert_ok "a counter read in the target and in its child" fork
assert_range "the target's delta counts its faults" "$(value touch1 fork)" $N $((N + 16))
assert_eq "the child, another process, reads 0" "$(value touch0 fork)" 0

# ---- counters: task_clock over MS ms of CPU, no .process (stap's perf04) ------------
tap_run clock -c "$PROG spin 200" -e 'global main
probe perf.sw.task_clock.counter("t") {}
probe process(@1).function("perfprog_spin").return {
	printf("ms=%d\n", (@perf("t") - @entry(@perf("t"))) / 1000000)
}
probe process(@1).function("main").return { main <<< @perf("t") - @entry(@perf("t")) }
probe end { printf("main=%d\n", @count(main)) }' "$PROG"
assert_ok "a task_clock counter of the target runs" clock
assert_range "perfprog_spin(200): 200 ms of the task's clock" "$(value ms clock)" 200 260
assert_eq "main returned once" "$(value main clock)" 1

# ---- statement("FUNC@FILE"): the function's entry, a counter read there -------------
tap_run stmt -c "$PROG fork 10" -e 'global n, bad
probe perf.sw.page_faults.process(@1).counter("pf") {}
probe process(@1).statement("perfprog_touch@perfprog.c") {
	n++; if (pid() == target() && @perf("pf") <= 0) bad++
}
probe end { printf("n=%d\nbad=%d\n", n, bad) }' "$PROG"
assert_ok "statement(\"FUNC@FILE\") and a counter of process(\"PATH\"), the target" stmt
assert_eq "statement(\"perfprog_touch@perfprog.c\") fires at each call (parent, child)" \
	"$(value n stmt)" 2
assert_eq "the target's counter has counted its faults by then" "$(value bad stmt)" 0

# ---- counters of -x's process --------------------------------------------------------
# perfprog wait calls perfprog_empty every 10 ms: its probe says the
# probes are in; SIGUSR1 then makes it touch N pages
"$PROG" wait $N >"$TMP/wait.prog" &
WPID=$!
track_pid $WPID
tap_start x -x $WPID -e 'global seen
probe perf.sw.page_faults.counter("pf") {}
probe process(@1).function("perfprog_empty") { if (!seen++) println("attached") }
probe process(@1).function("perfprog_touch").return {
	printf("x=%d\n", @perf("pf") - @entry(@perf("pf")))
	exit()
}' "$PROG"
if wait_until 30 "grep -q attached $TMP/x.out"; then
	kill -USR1 $WPID
fi
tap_wait x
assert_ok "a counter of the -x process runs" x
assert_range "its delta counts the faults of perfprog_touch($N)" "$(value x x)" $N $((N + 16))

# ---- sampling: .process (the target) and .process("PATH") ---------------------------
# A busy copy of the program (not the target) and a busy gen run meanwhile.
cp "$PROG" "$TMP/busyprog"
bg_start "$PROG" spin 60000 >/dev/null
BUSY=$!
bg_start "$GEN" spin 60000
BUSYGEN=$!

# task_clock samples by an hrtimer of the task's CPU time; one that fires
# late (a loaded machine: the test bed's QEMU guest beside) skips the
# periods it missed, so the lower bounds are loose, the upper ones not.
tap_run target -c "$PROG spin 300" -e 'global n
probe perf.sw.task_clock.process.sample(1000000) { n[pid() == target()]++ }
probe end { printf("target=%d\nother=%d\n", n[1], n[0]) }'
assert_ok "perf.sw.task_clock.process samples the -c target" target
assert_range "at most one sample per ms of its 300 ms of CPU" "$(value target target)" 60 320
assert_eq "no sample of another process (a busy copy of it runs)" "$(value other target)" 0

tap_run path -c "$PROG spin 300" -e 'global n
probe perf.sw.task_clock.process(@1).sample(1000000) {
	n[pid() == target() ? "target" : pid() == '$BUSY' ? "busy" : "other"]++
}
probe end { printf("target=%d\nbusy=%d\nother=%d\n", n["target"], n["busy"], n["other"]) }' \
	"$PROG"
assert_ok "perf.sw.task_clock.process(\"PATH\") samples processes of PATH" path
assert_range "the target's samples: at most one per ms of CPU" "$(value target path)" 60 320
assert_range "the busy process of PATH is sampled too" "$(value busy path)" 1 100000
assert_eq "no other process is (gen is busy meanwhile)" "$(value other path)" 0
kill $BUSY $BUSYGEN 2>/dev/null

# A program found nowhere: as stap, the probe fires in no process
tap_run nowhere -c "$PROG spin 10" -e 'global n
probe perf.sw.task_clock.process("taphub-no-such-program") { n++ }
probe end { printf("n=%d\n", n) }'
assert_rc "a perf probe of a program found nowhere runs" nowhere 0
assert_eq "and never fires" "$(value n nowhere)" 0
assert_grep "with a warning" "$TMP/nowhere.err" \
	'warning: process("taphub-no-such-program") is not in $PATH'

# ---- errors ---------------------------------------------------------------------------
printf 'probe perf.sw.page_faults.counter("pf") {}\nprobe process(@1).function("perfprog_empty") { println(@perf("nope")) }\n' \
	>"$TMP/undef.stp"
tap_run undef -p2 -c "$PROG pages 1" "$TMP/undef.stp" "$PROG"
assert_rc "@perf of an undefined counter fails at pass 2" undef 1
assert_grep "file:line:col of the counter's name" "$TMP/undef.err" \
	"undef.stp:2:62: error: no perf counter 'nope' is defined"

tap_run other -p2 -c "$PROG pages 1" -e 'probe perf.sw.page_faults.process("/bin/true").counter("c") {}'
assert_rc "a counter of a program that is not the target fails at pass 2" other 1
assert_grep "saying which program the target runs" "$TMP/other.err" \
	"counts in process(\"/bin/true\"), which is not the target (it runs $PROG)"

tap_run notarget -p2 -e 'probe perf.sw.page_faults.counter("c") {}'
assert_grep "a counter needs -c or -x" "$TMP/notarget.err" \
	"is a counter of the target process: run with -c CMD or -x PID"
tap_run notarget2 -p2 -e 'probe perf.sw.task_clock.process {}'
assert_grep ".process sampling needs -c or -x" "$TMP/notarget2.err" \
	"samples the target process: run with -c CMD or -x PID"

tap_run inbegin -p2 -c "$PROG pages 1" \
	-e 'probe perf.sw.page_faults.counter("c") {} probe begin { println(@perf("c")) }'
assert_grep "@perf in tap's own probes is refused" "$TMP/inbegin.err" \
	"function '@perf' is only available in kernel probes, not in 'begin'"

tap_run twice -p2 -c "$PROG pages 1" \
	-e 'probe perf.sw.page_faults.counter("c") {} probe perf.sw.task_clock.counter("c") {}'
assert_grep "a counter defined twice" "$TMP/twice.err" "defines perf counter 'c' again"

# perf.hw: with a PMU the counter counts; without one (a VM, this test bed)
# the run fails at attach naming the event, and the target is not run
HW='probe perf.hw.instructions.counter("i") {}
probe process(@1).function("perfprog_spin").return {
	printf("insns=%d\n", @perf("i") - @entry(@perf("i")))
}'
tap_run hw -c "$PROG spin 20" -e "$HW" "$PROG"
if ls -d /sys/bus/event_source/devices/cpu* /sys/bus/event_source/devices/armv* >/dev/null 2>&1; then
	assert_ok "a perf.hw counter runs on a machine with a PMU" hw
	assert_range "it counts the instructions of perfprog_spin(20)" "$(value insns hw)" 1000 \
		1000000000000
else
	assert_rc "a perf.hw counter with no PMU is a run-time error" hw 1
	assert_grep "naming the counter and the event" "$TMP/hw.err" \
		"cannot open perf counter 'i' (perf.hw.instructions.counter(\"i\")) in thread [0-9]* of process [0-9]*: No such file or directory: this machine has no hardware performance counter for the event"
	assert_no_grep "the target did not run" "$TMP/hw.out" "^spun"
fi

finish
