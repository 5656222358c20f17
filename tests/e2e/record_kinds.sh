#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One record consumer (docs/architecture.md, "The path of one record"):
# the kinds of records a kernel probe of a hub session stores (a printf, a
# warning, a user stack) are shown alike by an attached reader (tap -A)
# and by recovery after kill -9 of the hub (tapctl recover).  Recovery
# used to drop the stack records without a word.
. "$(dirname "$0")/hub_lib.sh"
STATE=$HUB_STATE
hub_start
cp "$GEN" "$TMP/kgen"

"$TAP" -F -m kinds -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() != "kgen") next
	printf("kinds printf %d\n", 42)
	warn("kinds warning")
	print_ubacktrace()
}' >/dev/null 2>"$TMP/start.err" || fail "start the session" "$(cat "$TMP/start.err")"
"$TMP/kgen" getppid 1

# what an attached reader shows: output on stdout, the warning on stderr
check "an attached reader shows the stack, one hex frame a line" \
	attach_until 10 "$TMP/att.txt" "grep -q '^ 0x[0-9a-f]*\$' '$TMP/att.txt'" kinds
check "... the printf" grep -qx 'kinds printf 42' "$TMP/att.txt"
check "... and the warning" grep -q '^WARNING: kinds warning$' "$TMP/att.txt.err"
frames=$(grep -c '^ 0x[0-9a-f]*$' "$TMP/att.txt")

hub_stop KILL
"$TAPCTL" recover --state-dir "$STATE" kinds >"$TMP/rec.txt" 2>"$TMP/rec.rep"
check "recovery shows the printf" grep -qx 'kinds printf 42' "$TMP/rec.txt"
check "... the warning" grep -q '^WARNING: kinds warning$' "$TMP/rec.rep"
check "... and the stack, as the reader did ($frames frames)" \
	test "$(grep -c '^ 0x[0-9a-f]*$' "$TMP/rec.txt")" = "$frames"
finish
