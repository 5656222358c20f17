#!/bin/sh
# SPDX-License-Identifier: MIT
# No-trap markers (include/taphub/marker.h, docs/user-space.md): a marker
# whose probe is one printf of its arguments writes its records into the
# session's shared-memory ring itself, without the uprobe's trap.
# tests/e2e/markprog.c hits taptest:mtick(i, -3i, "m-i") and
# taptest:mbare(i) N times each.
#
#   - -c: exactly N records with exactly the values, and no uprobe hit
#     (-t reports the hits the marker served apart: all N)
#   - a body the marker cannot serve: the same values through the uprobe
#   - a marker not probed stays disabled; no session: nothing written
#   - -x with the session stopped while the program floods: the records
#     that fit plus those counted lost are exactly N
#   - a session killed with -9 leaves its ring; the next one on the same
#     process counts what it held (not consumed, dropped) as lost, exactly,
#     warns, replaces it and gets the records written after it started
#   - garbage, a FIFO or a directory at the ring's path: not read blindly
#   - the markers are SDT markers: -L lists them, bpftrace's usdt: counts them
#
. "$(dirname "$0")/lib.sh"
require_kernel
PROG=$TAP_E2E_BUILD/tests/e2e/markprog
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
N=2000
RINGS="/dev/shm/taphub-mark."

# seq_vals FILE: 0 when FILE's "i -3i m-i" lines are exactly i = 1..N, in order
vals_ok() {
	awk -v n="$2" '/^[0-9]+ -[0-9]+ m-[0-9]+$/ { k++; if ($1 != k || $2 != -3 * k || $3 != "m-" k) bad++ }
		END { exit !(k == n && !bad) }' "$1"
}

# ---- -c: served by the marker itself ------------------------------------------------
tap_run on -t -c "$PROG $N" -e '
probe process(@1).mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }' "$PROG"
assert_rc "a printf of the marker's arguments runs" on 0
if vals_ok "$TMP/on.out" "$N"; then
	pass "the $N records, each with its values, in order"
else
	fail "the $N records, each with its values, in order" "$(run_details on)"
fi
assert_grep "the program ran to its end" "$TMP/on.out" "^hits=$N\$"
assert_grep "its markers wrote into the session's ring" "$TMP/on.out" "^ring=1\$"
assert_grep "-t: every hit written by the marker itself, none through the uprobe" "$TMP/on.err" \
	"mark(\"mtick\"), .*hits: $N ($N written by the marker itself, not timed), from: "
assert_no_grep "nothing lost" "$TMP/on.err" "lost"
assert_eq "the ring is gone with the session" "$(ls "$RINGS$(value pid on)" 2>/dev/null | wc -l)" 0

# ---- a body the marker cannot serve: the uprobe, the same records -------------------
tap_run trap -t -c "$PROG $N" -e '
probe process(@1).mark("mtick") { if ($arg1 > 0) printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }' "$PROG"
assert_rc "a body with a condition runs" trap 0
if vals_ok "$TMP/trap.out" "$N"; then
	pass "through the uprobe: the same $N records"
else
	fail "through the uprobe: the same $N records" "$(run_details trap)"
fi
assert_grep "and the uprobe counted $N hits" "$TMP/trap.err" "mark(\"mtick\"), .*hits: $N,"
assert_grep "no ring for that session" "$TMP/trap.out" "^ring=0\$"

# ---- both kinds in one session: one stream, in time order ----------------------------
# mtick(i) is served by the marker, mbare(i) right after it traps (its body is no plain
# printf of its arguments): the lines alternate when the two streams merge by time
tap_run merge -c "$PROG $N" -e '
probe process(@1).mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }
probe process(@1).mark("mbare") { printf("b %d\n", $arg1 + 0 * pid()) }' "$PROG"
assert_rc "a served marker and a trapping one in one session" merge 0
assert_grep "the served one used the ring" "$TMP/merge.out" "^ring=1\$"
if grep -E ' m-|^b ' "$TMP/merge.out" | awk -v n="$N" 'BEGIN { want = "t" }
	/ m-/ { if (want != "t") bad++; k++; if ($1 != k) bad++; want = "b"; next }
	{ if (want != "b" || $2 != k) bad++; want = "t"; b++ }
	END { exit !(k == n && b == n && !bad) }'; then
	pass "marker and kernel records come out in time order: i, b i, i+1, b i+1 ..."
else
	fail "marker and kernel records come out in time order: i, b i, i+1, b i+1 ..." \
		"$(run_details merge)"
fi

# ---- a marker not probed stays disabled; both kinds in one session -------------------
tap_run bare -c "$PROG $N" -e '
probe process(@1).mark("mbare") { printf("b %d\n", $arg1) }' "$PROG"
assert_ok "a session on mbare only runs" bare
assert_eq "mbare: $N records" "$(count_of "$TMP/bare.out" '^b [0-9]*$')" "$N"
assert_eq "mbare: each i once" "$(awk '/^b / { s += $2 } END { print s }' "$TMP/bare.out")" \
	"$((N * (N + 1) / 2))"
assert_eq "mtick, not probed, wrote nothing" "$(count_of "$TMP/bare.out" ' m-')" 0

# ---- no session at all ---------------------------------------------------------------
"$PROG" "$N" >"$TMP/alone.out" 2>"$TMP/alone.err"
echo $? >"$TMP/alone.rc"
assert_ok "without a session the program runs as it would without markers" alone
assert_grep "to its end" "$TMP/alone.out" "^hits=$N\$"
assert_grep "and found no ring" "$TMP/alone.out" "^ring=0\$"
assert_eq "and makes no ring" "$(ls "$RINGS$(value pid alone)" 2>/dev/null | wc -l)" 0

# ---- -x, the session stopped while the program floods: loss counted exactly ----------
M=100000
"$PROG" $M "$TMP/go" >"$TMP/x.prog" &
XPID=$!
track_pid $XPID
tap_start x -s 1 -x "$XPID" -e '
probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }'
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
assert_eq "-x: the ring of the running process is made" "$(ls "$RINGS$XPID" 2>/dev/null)" "$RINGS$XPID"
kill -STOP "$TAP_PID"
touch "$TMP/go"
wait_until 30 "gone $XPID"
kill -CONT "$TAP_PID"
kill -INT "$TAP_PID"
tap_wait x
assert_rc "-x: the session ends on SIGINT" x 0
got=$(count_of "$TMP/x.out" ' m-')
lost=$(sed -n 's/^WARNING: \([0-9]*\) records lost$/\1/p' "$TMP/x.err")
assert_range "-x: a full ring drops records (1 MB for $M)" "${lost:-0}" 1 "$M"
assert_eq "-x: records written + records counted lost = the $M hits" "$((got + ${lost:-0}))" "$M"
assert_eq "-x: the ring is removed at the end" "$(ls "$RINGS$XPID" 2>/dev/null | wc -l)" 0

# ---- a session killed with -9: what its ring held is counted, never lost silently ----
# the program writes 300 records the first session takes, 20000 while it is frozen (a
# 1 MB ring: some fit, a full lane drops the rest), then, after it was killed and the
# next session started, 100 more
MTICK='probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }'
"$PROG" -s "$TMP/k1" 300 "$TMP/k2" 20000 "$TMP/k3" 100 >"$TMP/k.prog" &
KPID=$!
track_pid $KPID
tap_start k1 -s 1 -x "$KPID" -e "$MTICK"
K1=$TAP_PID
wait_until 30 "tap_attached $K1 || gone $K1"
touch "$TMP/k1"
wait_until 30 "[ \$(count_of '$TMP/k1.out' ' m-') -ge 300 ]"
assert_eq "the first session took the first 300 records" "$(count_of "$TMP/k1.out" ' m-')" 300
kill -STOP "$K1"
touch "$TMP/k2"
wait_until 30 "grep -qx hits=20300 '$TMP/k.prog'"
kill -9 "$K1"
wait "$K1" 2>/dev/null
assert_eq "a killed session leaves the ring behind" "$(ls "$RINGS$KPID" 2>/dev/null)" "$RINGS$KPID"
tap_start k2 -x "$KPID" -e "$MTICK"
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
assert_grep "the next session says at its start that the dead one's 20000 records are lost" \
	"$TMP/k2.err" "^WARNING: 20000 records lost: the marker ring $RINGS$KPID of process $KPID was left by a session that died ([0-9]* written and not consumed, [0-9]* dropped on full lanes)\$"
unread=$(sed -n 's/.*(\([0-9]*\) written and not consumed, \([0-9]*\) dropped.*/\1/p' "$TMP/k2.err")
dropped=$(sed -n 's/.*(\([0-9]*\) written and not consumed, \([0-9]*\) dropped.*/\2/p' "$TMP/k2.err")
assert_range "some were in the ring unconsumed" "${unread:-0}" 1 19999
assert_range "the rest a full lane had dropped" "${dropped:-0}" 1 19999
touch "$TMP/k3"
wait_until 30 "gone $KPID"
kill -INT "$TAP_PID"
tap_wait k2
assert_rc "the next session on that process runs (the dead one's ring replaced)" k2 0
if grep ' m-' "$TMP/k2.out" | awk '{ k++; if ($1 != 20300 + k || $3 != "m-" $1) bad++ }
	END { exit !(k == 100 && !bad) }'; then
	pass "and gets the 100 records written after it started, through its own ring"
else
	fail "and gets the 100 records written after it started, through its own ring" \
		"$(run_details k2)"
fi
assert_grep "its end report counts the 20000 with its losses" "$TMP/k2.err" \
	'^WARNING: 20000 records lost$'
assert_grep "the process wrote through the ring, not the trap" "$TMP/k.prog" "^ring=1\$"
assert_eq "the ring is removed at the end" "$(ls "$RINGS$KPID" 2>/dev/null | wc -l)" 0

# ---- something else at the ring's path: never read blindly ----------------------------
"$PROG" -s "$TMP/g1" 50 >"$TMP/g.prog" &
GPID=$!
track_pid $GPID
head -c 20000 /dev/urandom >"$RINGS$GPID"
tap_start g -x "$GPID" -e "$MTICK"
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
assert_grep "garbage there: removed unread, and said so" "$TMP/g.err" \
	"^WARNING: $RINGS$GPID, left for process $GPID, is no marker ring to read (no marker ring's magic): removed unread"
touch "$TMP/g1"
wait_until 30 "gone $GPID"
kill -INT "$TAP_PID"
tap_wait g
assert_rc "the session runs with its own ring" g 0
assert_eq "and gets the 50 records" "$(count_of "$TMP/g.out" ' m-')" 50
"$PROG" -s "$TMP/f1" 50 >"$TMP/f.prog" &
FPID=$!
track_pid $FPID
mkfifo "$RINGS$FPID"
tap_start f -x "$FPID" -e "$MTICK"
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
assert_grep "a FIFO there: not opened (no hang), removed" "$TMP/f.err" \
	"is no marker ring to read (not a regular file): removed unread"
touch "$TMP/f1"
wait_until 30 "gone $FPID"
kill -INT "$TAP_PID"
tap_wait f
assert_eq "and the session gets the 50 records" "$(count_of "$TMP/f.out" ' m-')" 50
"$PROG" -s "$TMP/d1" 1 >"$TMP/d.prog" &
DPID=$!
track_pid $DPID
mkdir "$RINGS$DPID"
cleanup_path "$RINGS$DPID"
tap_run dir -x "$DPID" -e "$MTICK"
assert_rc "a directory there: the session refuses to start" dir 1
assert_grep "and says what is in the way" "$TMP/dir.err" \
	"cannot make the marker ring of process $DPID: $RINGS$DPID is a directory, not a marker ring (remove it)"
rmdir "$RINGS$DPID"
touch "$TMP/d1"

# ---- SDT markers for every tool -------------------------------------------------------
tap_run list -L "process(\"$PROG\").mark(\"*\")"
assert_eq "-L lists both markers and their arguments" "$(out list)" \
"process(\"$PROG\").mark(\"mbare\") \$arg1:long
process(\"$PROG\").mark(\"mtick\") \$arg1:long \$arg2:long \$arg3:long"
if command -v bpftrace >/dev/null 2>&1; then
	timeout -k 5 "$E2E_TIMEOUT" bpftrace -e "usdt:$PROG:taptest:mtick { @n = count(); }" \
		-c "$PROG 77" >"$TMP/bt.out" 2>"$TMP/bt.err"
	assert_grep "bpftrace's usdt: sees the marker (semaphore raised) 77 times" "$TMP/bt.out" \
		'^@n: 77$'

fi
finish
