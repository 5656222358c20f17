#!/bin/sh
# SPDX-License-Identifier: MIT
# @enum("NAME") and @enumname(value[, "enum type"]) from the kernel's BTF
# (stap's enumname.stp has them on a program's DWARF): constants and
# names known in advance (enum pid_type has kept its values since 4.19),
# in user and kernel probes, and @enumname of an enum-typed target
# variable (docs/btf.md).
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"

SCRIPT='printf("sid=%d\ntgid=%d\npgid=%s\nunknown=%s\ntyped=%s\nbare=%s\n", @enum("PIDTYPE_SID"),
	@enum("PIDTYPE_TGID", "kernel"), @enumname(2, "enum pid_type"), @enumname(99, "enum pid_type"),
	@enumname(@enum("PIDTYPE_PID"), "enum pid_type"), @enumname(1, "pid_type"))
	exit()'
tap_run user -e "probe begin { $SCRIPT }"
tap_run kern -e "probe kernel.trace(\"sched:sched_switch\") { $SCRIPT }"
for where in user kern; do
	assert_ok "@enum and @enumname run ($where)" $where
	assert_eq "@enum(\"PIDTYPE_SID\") ($where)" "$(value sid $where)" 3
	assert_eq "@enum(\"PIDTYPE_TGID\", \"kernel\") ($where)" "$(value tgid $where)" 1
	assert_grep "@enumname(2, \"enum pid_type\") ($where)" "$TMP/$where.out" '^pgid=PIDTYPE_PGID$'
	assert_eq "a value no enumerator has is printed as a number ($where)" "$(value unknown $where)" 99
	assert_grep "@enumname(@enum(...), ...) ($where)" "$TMP/$where.out" '^typed=PIDTYPE_PID$'
	assert_grep "the type without 'enum' ($where)" "$TMP/$where.out" '^bare=PIDTYPE_TGID$'
done

# ---- @enumname of a target variable: kfree_skb's reason is an enum skb_drop_reason -----------
# a datagram to a port nobody listens on is dropped for NO_SOCKET
if grep -q 'enum skb_drop_reason reason' /sys/kernel/tracing/events/skb/kfree_skb/format 2>/dev/null; then
	tap_run reason -c "$GEN udp 3 9" -e 'global r
probe kernel.trace("skb:kfree_skb") { if (pid() == target() && r == "") r = @enumname($reason) }
probe end { printf("reason=%s\n", r) }'
	assert_ok "@enumname(\$reason) runs" reason
	assert_grep "a datagram to a closed port is dropped for NO_SOCKET" "$TMP/reason.out" \
		'^reason=SKB_DROP_REASON_NO_SOCKET$'
fi

finish
