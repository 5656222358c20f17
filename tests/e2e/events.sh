#!/bin/sh
# SPDX-License-Identifier: MIT
# Exact counts: the workload generator makes a known number of kernel
# events in the target process; counters, aggregates (merged over CPUs)
# and printed records must match it exactly.
. "$(dirname "$0")/lib.sh"
require_kernel

tap_run getppid -c "$GEN getppid 1000" -e 'global n, s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) { n++; s <<< 1 } }
probe end { printf("count=%d\nagg=%d\n", n, @count(s)) }'
assert_eq "1000 getppid: counter" "$(value count getppid)" 1000
assert_eq "1000 getppid: aggregate" "$(value agg getppid)" 1000

tap_run getppid_print -c "$GEN getppid 1000" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) printf("event %d\n", ++n) }'
assert_eq "1000 getppid: 1000 records printed, none lost" "$(grep -c '^event ' "$TMP/getppid_print.out")" 1000
assert_eq "1000 getppid: in order" "$(grep '^event ' "$TMP/getppid_print.out" | tail -n 1)" "event 1000"
assert_no_grep "1000 getppid: no loss reported" "$TMP/getppid_print.err" 'lost'

tap_run write -c "$GEN write 50 100" -e 'global bytes
probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) bytes <<< $count }
probe end { printf("count=%d\nsum=%d\nmin=%d\nmax=%d\n", @count(bytes), @sum(bytes),
	@min(bytes), @max(bytes)) }'
assert_eq "50 writes of 100 bytes: @count" "$(value count write)" 50
assert_eq "50 writes of 100 bytes: @sum" "$(value sum write)" 5000
assert_eq "50 writes of 100 bytes: @min" "$(value min write)" 100
assert_eq "50 writes of 100 bytes: @max" "$(value max write)" 100

f=$TMP/opened
: >"$f"
tap_run open -c "$GEN open $f 25" -e 'global n
probe kernel.trace("syscalls:sys_enter_openat") { if (pid() == target() && user_string($filename) == @1) n++ }
probe end { printf("count=%d\n", n) }' "$f"
assert_eq "25 opens of a file" "$(value count open)" 25

tap_run fork -c "$GEN fork 30" -e 'global forks, exits
probe kernel.trace("sched:sched_process_fork") { if (pid() == target()) forks++ }
probe kernel.trace("sched:sched_process_exit") { if (ppid() == target()) exits++ }
probe end { printf("forks=%d\nexits=%d\n", forks, exits) }'
assert_eq "30 forks" "$(value forks fork)" 30
assert_eq "30 child exits" "$(value exits fork)" 30

tap_run kill -c "$GEN kill 40 12" -e 'global n
probe kernel.trace("signal:signal_generate") { if (pid() == target() && $sig == 12) n++ }
probe end { printf("count=%d\n", n) }'
assert_eq "40 signals" "$(value count kill)" 40

# ctxsw: N round trips are N writes by each thread (pid() is the process).
tap_run ctxsw -c "$GEN ctxsw 300" -e 'global w, sw
probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) w++ }
probe kernel.trace("sched:sched_switch") { if (pid() == target()) sw++ }
probe end { printf("writes=%d\nswitches=%d\n", w, sw) }'
assert_eq "300 round trips: 600 writes" "$(value writes ctxsw)" 600
assert_range "300 round trips: at least 300 context switches" "$(value switches ctxsw)" 300 100000

tap_run udp -c "$GEN udp 20 9" -e 'global n, bytes
probe kernel.trace("syscalls:sys_enter_sendto") { if (pid() == target()) { n++; bytes += $len } }
probe end { printf("count=%d\nbytes=%d\n", n, bytes) }'
assert_eq "20 datagrams" "$(value count udp)" 20
assert_eq "20 datagrams of 6 bytes" "$(value bytes udp)" 120

finish
