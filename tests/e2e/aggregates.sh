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

# Read in the kernel probe itself, the CPUs' copies merged there as user
# space merges them.  1..5 on CPU 0 and 6..10 on CPU 1: each copy's mean
# is 1 and 6 (stap's truncating Welford), its M2 30; the mean of the whole
# 5, so (5 * 16 + 5 * 1 + 2 * 4 * (30 / 4)) / 9 = 15.  t[0], the even
# ones with a shift of 3 (values times 8), 2, 4 and 6, 8, 10: means 24
# and 64, M2s 128 and 512, mean 48, (1920 + 640) / 4 >> 6 = 10.
# The end probe reads the same through user space.
if taskset -c 1 true 2>/dev/null; then
	tap_run kvarread -c "sh -c 'taskset -c 0 $GEN getppid 5; taskset -c 1 $GEN getppid 5'" \
		-e 'global s, t, n, kv, kt
probe syscall.getppid {
	if (ppid() == target()) { s <<< ++n; t[n % 2] <<< n; if (n > 1) { kv = @variance(s); kt = @variance(t[0], 3) } }
}
probe end { printf("%d %d %d %d %d\n", kv, @variance(s), kt, @variance(t[0], 3), @count(s)) }'
	assert_eq "@variance read in a kernel probe merges two CPUs as stap" "$(out kvarread)" "15 15 10 10 10"
fi
# sorted by @variance in the kernel (1..10 squared, even and odd: 1550, 1101)
tap_run kvarsort -c "$GEN getppid 10" -e 'global a, n
probe syscall.getppid {
	if (pid() == target() && ++n <= 10) {
		a[n % 2] <<< n * n
		if (n == 10) { foreach (k in a @variance+) printf("%d:%d ", k, @variance(a[k])); println("") }
	}
}'
assert_eq "foreach sorted by @variance in a kernel probe" "$(out kvarsort)" "1:1101 0:1550 "
tap_run kvarempty -c "$GEN getppid 1" -e 'global s
probe syscall.getppid { if (pid() == target()) println(@variance(s)) }'
assert_grep "@variance of an empty aggregate in a kernel probe is an error" "$TMP/kvarempty.err" \
	'^ERROR: empty aggregate'

# ---- @hist_linear with few buckets in a kernel probe ------------------------------------
# (0, 200, 50) has 7 buckets: clang proved the bucket in range and dropped
# the check the verifier needs ("unbounded memory access"); 5 writes of 100
# bytes land in the row 100
tap_run klin -c "$GEN write 5 100" -e 'global l
probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) l <<< $count }
probe end { print(@hist_linear(l, 0, 200, 50)) }'
assert_ok "@hist_linear(l, 0, 200, 50) of a kernel probe loads" klin
assert_grep "... and the 5 writes of 100 bytes are in the row 100" "$TMP/klin.out" '^  100 |@@@@@ *5$'

# ---- foreach over a histogram's buckets, @hist_*(x)[i] (stap's foreach_value.stp) ------
# 5 writes of 100 bytes: log bucket 71 (64 + 1 + floor(log2 100)), linear
# (0, 200, 50) bucket 3 (the row 100); the walk visits every bucket, 128
# of a log histogram, (200 - 0) / 50 + 3 = 7 of this linear one
tap_run hwalk -c "$GEN write 5 100" -e 'global s, l, t
probe kernel.trace("syscalls:sys_enter_write") {
	if (pid() == target()) { s <<< $count; l <<< $count; t[$fd] <<< $count }
}
probe end {
	foreach (n = i in @hist_log(s)) { walked++; if (n) printf("log %d %d\n", i, n) }
	foreach (i in @hist_linear(l, 0, 200, 50)) {
		lin++
		if (@hist_linear(l, 0, 200, 50)[i]) printf("linear %d %d\n", i, @hist_linear(l, 0, 200, 50)[i])
	}
	foreach (fd in t) foreach (n = i in @hist_log(t[fd])) if (n) printf("keyed %d %d\n", i, n)
	printf("walked=%d\nlin=%d\nat71=%d\n", walked, lin, @hist_log(s)[71])
	try { println(@hist_log(s)[128]) } catch (m) { printf("out: %s\n", m) }
}'
assert_ok "foreach over @hist_log and @hist_linear in an end probe" hwalk
assert_eq "the log walk visits the 128 buckets" "$(value walked hwalk)" 128
assert_eq "the linear walk visits its 7 buckets" "$(value lin hwalk)" 7
assert_eq "the only non-empty log bucket: 71, with the 5 writes" "$(grep '^log ' "$TMP/hwalk.out")" "log 71 5"
assert_eq "the only non-empty linear bucket: 3, with the 5 writes" \
	"$(grep '^linear ' "$TMP/hwalk.out")" "linear 3 5"
assert_eq "a keyed aggregate's histogram, walked in a foreach over its keys" \
	"$(grep '^keyed ' "$TMP/hwalk.out")" "keyed 71 5"
assert_eq "@hist_log(s)[71] is the bucket's count" "$(value at71 hwalk)" 5
assert_eq "@hist_log(s)[128] is stap's error" "$(sed -n 's/^out: //p' "$TMP/hwalk.out")" \
	"histogram index out of range"
tap_run hwalkk -p2 -e 'global s
probe kernel.trace("syscalls:sys_enter_getppid") { s <<< 1; foreach (n = i in @hist_log(s)) x += n }'
assert_rc "a histogram walk in a kernel probe is refused" hwalkk 1
assert_grep "... saying where to read it" "$TMP/hwalkk.err" \
	"a histogram's buckets (@hist_log(x)\[i\], foreach over @hist_log(x)) in a kernel probe"

finish
