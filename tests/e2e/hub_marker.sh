#!/bin/sh
# SPDX-License-Identifier: MIT
# No-trap markers in a hub session (tap -F -x PID, docs/markers.md): the hub
# makes the target's ring before it attaches, its drain takes the records
# into the session's class store with the kernel rings', and at the stop
# the ring is drained and removed.  tests/e2e/markprog.c hits
# taptest:mtick(i, -3i, "m-i") N times once its go file exists.
#
# A hub killed with -9 while the ring holds records its drain has not
# taken: the ring is kept (pinned for its host), tapctl recover gives
# every record once (the store's and the ring's), the next session on the
# process says they are kept (not lost) and records on, and discarding the
# recovered host removes the pin.  A hub session after a local tap killed
# with -9 counts that one's unread records as lost: at its start, in
# tapctl list, at its stop.
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
# the marker rings' pins of this state dir (relayhost-module/mark_pin.c)
PINS=/dev/shm/taphub/$(basename "$(pins_of "$HUB_STATE")")
cleanup_path "$PINS"
check "and its pin, drained: nothing is left for a recovery" sh -c "! test -e '$PINS/hmark'"

# ---- the hub killed with -9 with records in the ring ----------------------------------
MTICK='probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }'
"$PROG" -s "$TMP/c1" 300 "$TMP/c2" 2000 "$TMP/c3" 100 >"$TMP/c.prog" &
CPID=$!
track_pid $CPID
"$TAP" -F -m hcrash -x "$CPID" -e "$MTICK" >/dev/null 2>"$TMP/c.err" ||
	fail "start the session" "$(cat "$TMP/c.err")"
check "the ring is pinned for its host" wait_for 10 sh -c "ls '$PINS'/hcrash/mark.* >/dev/null"
touch "$TMP/c1"
check "the hub drained the first 300 records" wait_until 30 '[ "$(records_in hcrash)" = 300 ]'
kill -STOP "$HUBPID"
touch "$TMP/c2"
check "the program wrote 2000 more into the ring, the drain frozen" \
	wait_until 30 "grep -qx hits=2300 '$TMP/c.prog'"
hub_stop KILL
PIN=$(ls "$PINS"/hcrash/mark.* 2>/dev/null)
check "the pin outlives the hub" test -f "$PIN"
"$TAPCTL" recover --state-dir "$HUB_STATE" hcrash >"$TMP/rec.txt" 2>"$TMP/rec.err"
if seq_ok "$TMP/rec.txt" 1 2300 && [ "$(grep -c ' m-' "$TMP/rec.txt")" = 2300 ]; then
	pass "recover gives the 2300 records once each, in order: the store's then the ring's"
else
	fail "recover gives the 2300 records once each, in order: the store's then the ring's" \
		"$(cat "$TMP/rec.err")" "$(head -n 3 "$TMP/rec.txt")"
fi
check "and says where they were" grep -Eq \
	"marker ring of process $CPID \(guest [0-9]+\): [0-9]+ records were still in it, not drained: recovered from $PIN" \
	"$TMP/rec.err"
hub_start
"$TAP" -F -m hnext -x "$CPID" -o "$TMP/next.txt" -e "$MTICK" >/dev/null 2>"$TMP/next.err" ||
	fail "a session on the process after the crash starts" "$(cat "$TMP/next.err")"
check "it says the dead hub's ring is kept for recovery, not lost" grep -Eq \
	"^WARNING: the marker ring $RING$CPID of process $CPID was left by a hub that died: its [0-9]+ records not drained .* are kept in $PIN, for tapctl recover\$" \
	"$TMP/next.err"
touch "$TMP/c3"
check "the program ran to its end" wait_until 30 "gone $CPID"
check "the new session gets the 100 records written after it started" wait_for 10 \
	sh -c "[ \"\$(grep -c ' m-' '$TMP/next.txt')\" = 100 ]"
check "2301..2400" seq_ok "$TMP/next.txt" 2301 2400
"$TAPCTL" stop hnext >"$TMP/nstop.out" 2>&1
check "its stop reports no loss" sh -c "! grep -q lost '$TMP/nstop.out'"
"$TAPCTL" recover --state-dir "$HUB_STATE" hcrash >"$TMP/rec2.txt" 2>/dev/null
check "the crash's records are still all there (the pin, not the ring's name, keeps them)" \
	cmp -s "$TMP/rec.txt" "$TMP/rec2.txt"
"$TAPCTL" stop hcrash_recovered --discard >/dev/null 2>&1
check "discarding the recovered host removes the pin" sh -c "! test -e '$PIN'"

# ---- a local tap killed with -9 with 500 records unread, then a hub session -----------
"$PROG" -s "$TMP/l1" 500 "$TMP/l2" 10 >"$TMP/l.prog" &
LPID=$!
track_pid $LPID
"$TAP" -x "$LPID" -e "$MTICK" >"$TMP/l.out" 2>"$TMP/l.err" &
LTAP=$!
track_pid $LTAP
wait_until 30 "tap_attached $LTAP || gone $LTAP"
kill -STOP "$LTAP"
touch "$TMP/l1"
check "the program wrote 500 records the frozen tap did not read" \
	wait_until 30 "grep -qx hits=500 '$TMP/l.prog'"
kill -9 "$LTAP"
wait "$LTAP" 2>/dev/null
"$TAP" -F -m hlost -x "$LPID" -e "$MTICK" >/dev/null 2>"$TMP/hl.err" ||
	fail "a hub session on the process starts" "$(cat "$TMP/hl.err")"
check "the hub session says the dead one's 500 records are lost" grep -qx \
	"WARNING: 500 records lost: the marker ring $RING$LPID of process $LPID was left by a session that died (500 written and not consumed, 0 dropped on full lanes)" \
	"$TMP/hl.err"
check "tapctl list counts them in its class's losses" \
	wait_until 10 '[ "$(_class_count hlost default "e[\"lost\"]")" = 500 ]'
touch "$TMP/l2"
check "the program ran to its end" wait_until 30 "gone $LPID"
check "the session gets the 10 written after it started" wait_until 10 '[ "$(records_in hlost)" = 10 ]'
"$TAPCTL" stop hlost >"$TMP/hl.stop" 2>&1
check "its stop reports the 500 as the marker ring's loss" grep -qx \
	"WARNING: 500 records lost in class default: no-trap marker rings (full lanes, or a dead session's ring)" \
	"$TMP/hl.stop"
check "and no other loss" sh -c "[ \"\$(grep -c 'records lost' '$TMP/hl.stop')\" = 1 ]"
finish
