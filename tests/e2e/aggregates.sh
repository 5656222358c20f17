#!/bin/sh
# SPDX-License-Identifier: MIT
# Aggregates: <<<, the extractors, @hist_log and @hist_linear printed, in
# user and kernel context, per CPU in the kernel and merged when read.
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

finish
