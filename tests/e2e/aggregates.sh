#!/bin/sh
# SPDX-License-Identifier: MIT
# Aggregates: <<<, the extractors, @hist_log and @hist_linear printed, in
# user and kernel context, per CPU in the kernel and merged when read;
# @variance with its bit shift.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang aggregates -c "$GEN getppid 1"

# An extractor other than @count on an empty aggregate is a runtime error.
tap_run emptymin -e 'global s; probe begin { println(@min(s)); exit() }'
assert_grep "@min of an empty aggregate is an error (user)" "$TMP/emptymin.err" '^ERROR: empty aggregate'
tap_run kemptymin -c "$GEN getppid 1" -e 'global s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) println(@max(s)) }
probe end { s <<< 1 }'
assert_grep "@max of an empty aggregate is an error (kernel)" "$TMP/kemptymin.err" '^ERROR: empty aggregate'

# Aggregates in arrays, added to on every CPU: gen forks children that
# run wherever the scheduler puts them; the merged count is exact.
tap_run percpu -c "$GEN fork 40" -e 'global s
probe kernel.trace("sched:sched_process_fork") { if (pid() == target()) s[cpu() >= 0] <<< 1 }
probe end { printf("count=%d sum=%d\n", @count(s[1]), @sum(s[1])) }'
assert_eq "per-CPU aggregate merges exactly" "$(out percpu)" "count=40 sum=40"

# @variance(s[, shift]): stap's integer Welford and its merge, so the
# numbers are stap's (1..10 without a shift is 48: its running mean
# truncates; with a shift of 3 it is 9, the true 9.17 truncated).
tap_run var -e 'global s, t, a
probe begin {
	for (i = 1; i <= 10; i++) { s <<< i; t <<< i; a[i % 2] <<< i * i }
	printf("%d %d %d %d\n", @variance(s), @variance(t, 3), @variance(a[0]), @variance(a[1]))
	foreach (k in a @variance-) printf("%d ", k)
	println("")
	exit()
}'
assert_eq "@variance in user context" "$(out var | tr '\n' '|')" "48 9 1550 1101|0 1 |"

# Kernel context: one CPU (taskset) so the per-CPU copies are known.
if taskset -c 0 true 2>/dev/null; then
	tap_run kvar -c "taskset -c 0 $GEN getppid 10" -e 'global s, n
probe syscall.getppid { if (pid() == target()) s <<< ++n }
probe end { printf("%d %d\n", @variance(s, 3), @count(s)) }'
	assert_eq "@variance of a kernel aggregate" "$(out kvar)" "9 10"
fi
tap_run kvarread -p4 -e 'global s
probe syscall.getppid { s <<< 1; println(@variance(s)) }'
assert_grep "@variance is read in user context" "$TMP/kvarread.err" \
	"@variance in a kernel probe is not supported: read it in an end or timer probe"

# ---- @hist_linear with few buckets in a kernel probe ------------------------------------
# (0, 200, 50) has 7 buckets: clang proved the bucket in range and dropped
# the check the verifier needs ("unbounded memory access"); 5 writes of 100
# bytes land in the row 100
tap_run klin -c "$GEN write 5 100" -e 'global l
probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) l <<< $count }
probe end { print(@hist_linear(l, 0, 200, 50)) }'
assert_ok "@hist_linear(l, 0, 200, 50) of a kernel probe loads" klin
assert_grep "... and the 5 writes of 100 bytes are in the row 100" "$TMP/klin.out" '^  100 |@@@@@ *5$'

finish
