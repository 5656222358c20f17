#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Per-probe classes: PROBEPOINT.class("NAME") sends one probe's records to
# a class of its own (docs/hub.md), locally and in a relay host, where the
# guest's default class follows --class and the named one the host's class
# of that name.  Errors: a user-context probe, a class the host lacks.

. "$(dirname "$0")/hub_lib.sh"
D=$TMP/out
mkdir -p "$D"
cd "$D" || exit 1

S='probe kernel.trace("syscalls:sys_enter_getppid").class("rare") {
	if (execname() == "gen" && ppid() == $1) printf("rare\n") }
probe kernel.trace("syscalls:sys_enter_close") {
	if (execname() == "gen" && ppid() == $1) printf("default\n") }'

# locally: two rings, both drained; a binary trace names the classes
"$TAP" -o local.bin --format=binary -c "$GEN getppid 7" -e "$(printf '%s\n' "$S" |
	sed 's/execname() == "gen" && ppid() == $1/pid() == target()/')" >/dev/null 2>&1
"$TAP_READ" --class rare local.bin >rare.txt
if [ "$(sort -u rare.txt)" = rare ] && [ "$(wc -l <rare.txt)" = 7 ]; then
	pass "a local session writes a .class(\"rare\") probe to its own class"
else
	fail "a local session writes a .class(\"rare\") probe to its own class" "$(cat rare.txt)"
fi
check "the other probe stays in class default" sh -c "'$TAP_READ' --class default local.bin | grep -qx default"

hub_start
"$TAPCTL" host create hh --class rare=64K:discard --class bulk=1M >/dev/null
"$TAP" -F -m gg --relay-guest hh --class bulk -e "$S" $$ >/dev/null
"$GEN" getppid 5
"$GEN" getppid 5
attach_until 10 rare.hub '[ "$(count_of rare.hub "^rare$")" -ge 10 ]' hh --class rare
attach_until 10 bulk.hub 'grep -q "^default$" bulk.hub' hh --class bulk
if [ "$(count_of rare.hub '^rare$')" = 10 ] && ! grep -q default rare.hub; then
	pass "in a relay host, .class(\"rare\") lands in the host's class rare"
else
	fail "in a relay host, .class(\"rare\") lands in the host's class rare" "$(sort rare.hub | uniq -c)"
fi
check "the guest's default class follows --class (bulk)" sh -c "grep -q '^default$' bulk.hub && ! grep -q '^rare$' bulk.hub"
check "tap -A of a host made by tapctl host create works" test -s rare.hub
"$TAPCTL" stop gg >/dev/null 2>&1

err=$("$TAP" -F -m g2 --relay-guest hh -e 'probe kernel.trace("syscalls:sys_enter_getppid").class("nosuch") { printf("x\n") }' 2>&1)
case "$err" in
*"host 'hh' has no class 'nosuch'"*) pass "a class the host lacks is refused" ;;
*) fail "a class the host lacks is refused" "$err" ;;
esac
err=$("$TAP" -p2 -e 'probe timer.s(1).class("rare") { }' 2>&1)
case "$err" in
*"applies to kernel probes"*) pass "a user-context probe with .class() is refused" ;;
*) fail "a user-context probe with .class() is refused" "$err" ;;
esac
err=$("$TAP" -p2 -e 'probe kernel.trace("syscalls:sys_enter_getppid").class("a-b") { }' 2>&1)
case "$err" in
*"'a-b' is not a class name"*) pass "a bad class name is refused" ;;
*) fail "a bad class name is refused" "$err" ;;
esac
"$TAPCTL" host destroy hh >/dev/null
check "taphubd still runs" hub_alive
finish
