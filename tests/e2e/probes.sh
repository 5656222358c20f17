#!/bin/sh
# SPDX-License-Identifier: MIT
# Probe points: aliases (= and +=) and alias suffixes, several points per
# probe, optional and sufficient points, conditions, tracepoint wildcards
# and pp().
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang aliases -c "$GEN getppid 1"
check_lang points -c "$GEN getppid 5"
check_lang alias_suffixes

# A wildcard expands to every matching tracepoint, each its own probe
# with its own pp().  gen ctxsw starts a thread (wakeup_new) and wakes it
# (waking, wakeup) many times.
tap_run wild -c "$GEN ctxsw 200" -e 'global hits
probe kernel.trace("sched:sched_wak*") { hits[pp()]++ }
probe end { foreach (p+ in hits) println(p) }'
for e in sched_waking sched_wakeup sched_wakeup_new; do
	assert_grep "kernel.trace(\"sched:sched_wak*\") fires $e" "$TMP/wild.out" \
		"^kernel.trace(\"sched:$e\")\$"
done
assert_eq "foreach (k+ in a) sorts the fired points by name" "$(out wild)" "$(out wild | LC_ALL=C sort)"
wanted=$(ls /sys/kernel/tracing/events/sched | grep '^sched_wak' | sort)
n=$(echo "$wanted" | wc -l)
tap_run list -l 'kernel.trace("sched:sched_wak*")'
assert_eq "tap -l lists the wildcard's points" "$(wc -l <"$TMP/list.out")" "$n"

# A point that matches nothing is an error unless it is optional.
tap_run nomatch -e 'probe kernel.trace("nosuch_subsys:nosuch_event") { }'
assert_rc "a point matching nothing fails" nomatch 1
assert_grep "the error names the point" "$TMP/nomatch.err" 'nosuch_subsys:nosuch_event'

# Optional points that resolve to nothing: fine beside one that does;
# when none does, each says why (not only "no probes found").
tap_run optok -e 'probe kernel.trace("nosuch_subsys:x")?, begin { println("ok"); exit() }'
assert_eq "an optional point that fails beside one that works" "$(out optok)" ok
tap_run optnone -e 'probe kernel.trace("nosuch_subsys:x")? { }'
assert_rc "only optional points that fail: an error" optnone 1
assert_grep "only optional points that fail: the reason" "$TMP/optnone.err" \
	"^<input>:1:7: error: probe point 'kernel.trace(\"nosuch_subsys:x\")' names no tracepoint"

# kernel.function on a kernel without kprobes or BPF trampolines (this
# host): -l lists nothing, says why and fails; a script refuses it at
# pass 2 and an optional point beside a working one is skipped.
if [ ! -d /sys/bus/event_source/devices/kprobe ]; then
	tap_run kflist -l 'kernel.function("vfs_*")'
	assert_rc "-l kernel.function without kprobes: fails" kflist 1
	assert_eq "-l kernel.function without kprobes: lists nothing" "$(out kflist)" ""
	assert_grep "-l kernel.function without kprobes: the reason" "$TMP/kflist.err" \
		"^<pattern>:1:1: error: probe point 'kernel.function(\"vfs_\*\")' is not supported on this kernel: it needs kprobes"
	tap_run kfopt -e 'probe kernel.function("vfs_read")?, begin { println("ok"); exit() }'
	assert_eq "an optional kernel.function beside begin" "$(out kfopt)" ok
fi

# pp() of an alias is the point it expanded to.
tap_run aliaspp -e 'probe a = begin { } probe a { println(pp()); exit() }'
assert_eq "pp() in an alias is the real point" "$(out aliaspp)" begin

finish
