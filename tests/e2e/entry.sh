#!/bin/sh
# SPDX-License-Identifier: MIT
# @entry(expr) in return probes: expr is evaluated by a probe on the
# call's entry and read by its return, per thread (syscall returns and
# syscall_any.return, counted on real calls).
. "$(dirname "$0")/lib.sh"
require_kernel

# A latency per call: every return sees its own entry's time.
tap_run lat -c "$GEN getppid 5" -e 'global lat
probe syscall.getppid.return {
	if (pid() != target()) next
	lat <<< gettimeofday_ns() - @entry(gettimeofday_ns())
}
probe end { printf("count=%d positive=%d\n", @count(lat), @min(lat) > 0) }'
assert_ok "@entry(gettimeofday_ns()) compiles and runs" lat
assert_eq "@entry(gettimeofday_ns()): a positive latency per return" "$(out lat)" "count=5 positive=1"

# The entry's own context: its tracepoint fields and syscall arguments,
# and strings.  gen open opens the file 3 times (and its libraries first).
tap_run args -c "$GEN open /etc/hostname 3" -e 'global n
probe syscall.openat.return {
	if (pid() != target()) next
	if (user_string(@entry($filename)) == "/etc/hostname" &&
	    user_string(@entry(pointer_arg(2))) == "/etc/hostname" &&
	    @entry(execname()) == execname())
		n++
}
probe end { println(n) }'
assert_eq "@entry(\$field), @entry(pointer_arg(2)) and a string @entry" "$(out args)" 3

# Wildcards: each syscall's return reads its own entry; syscall_any too.
tap_run wild -c "$GEN getppid 4" -e 'global same, any
probe syscall.{getppid,getpid}.return {
	if (pid() == target()) same[name, @entry(pp()) != pp()]++
}
probe syscall_any.return {
	if (pid() == target() && name == "getppid") any[@entry($id) == $id]++
}
probe end {
	foreach ([s, d] in same) printf("%s %d %d\n", s, d, same[s, d])
	foreach (k in any) printf("any %d %d\n", k, any[k])
}'
assert_grep "syscall.{getppid,getpid}.return: each entry paired" "$TMP/wild.out" '^getppid 1 4$'
assert_grep "syscall_any.return: @entry(\$id) is the same call" "$TMP/wild.out" '^any 1 4$'

# Where there is no entry to pair with, the error says so, at the @entry.
tap_run noentry -e 'probe timer.s(1) { println(@entry(1)) }'
assert_rc "@entry in a probe without an entry fails" noentry 1
assert_grep "@entry without an entry is explained" "$TMP/noentry.err" \
	"<input>:1:28: error: '@entry' needs a return probe with an entry to pair with; 'timer.s(1)' has none"

finish
