#!/bin/sh
# SPDX-License-Identifier: MIT
# No-trap markers in a hub session (tap -F -x PID, docs/markers.md): the hub
# makes the target's ring before it attaches, its drain takes the records
# into the session's class store with the kernel rings', and at the stop
# the ring is drained and removed.  tests/e2e/markprog.c hits
# taptest:mtick(i, -3i, "m-i") N times once its go file exists.
. "$(dirname "$0")/hub_lib.sh"
PROG=$TAP_E2E_BUILD/tests/e2e/markprog
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
hub_start
N=3000
RING=/dev/shm/taphub-mark.

"$PROG" $N "$TMP/go" >"$TMP/prog.out" &
XPID=$!
track_pid $XPID
"$TAP" -F -m hmark -x "$XPID" -o "$TMP/out.txt" -e '
	probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }' \
	>/dev/null 2>"$TMP/start.err" || fail "start the session" "$(cat "$TMP/start.err")"
check "the session is listed" wait_for 10 session_listed hmark
check "the hub made the target's ring" test -f "$RING$XPID"
touch "$TMP/go"
check "the program ran to its end" wait_until 30 "gone $XPID"
check "its markers wrote into the hub's ring, not through the trap" grep -qx "ring=1" "$TMP/prog.out"
check "every record reached the session's file" wait_for 10 \
	sh -c "[ \"\$(grep -c ' m-' '$TMP/out.txt')\" -ge $N ]"
check "each with its values, once, in order" awk -v n=$N '
	/^[0-9]+ -[0-9]+ m-[0-9]+$/ { k++; if ($1 != k || $2 != -3 * k || $3 != "m-" k) bad++ }
	END { exit !(k == n && !bad) }' "$TMP/out.txt"
"$TAPCTL" stop hmark >"$TMP/stop.out" 2>&1
check "the stop reports no loss" sh -c "! grep -q lost '$TMP/stop.out'"
check "the stop removed the ring" sh -c "! test -e '$RING$XPID'"
finish
