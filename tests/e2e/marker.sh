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
#     process replaces it and gets every record through it
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

# ---- a session killed with -9 leaves its ring: the next one replaces it -------------
"$PROG" 500 "$TMP/go3" >"$TMP/k.prog" &
KPID=$!
track_pid $KPID
tap_start k1 -x "$KPID" -e 'probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }'
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
kill -9 "$TAP_PID"
wait "$TAP_PID" 2>/dev/null
assert_eq "a killed session leaves the ring behind" "$(ls "$RINGS$KPID" 2>/dev/null)" "$RINGS$KPID"
tap_start k2 -x "$KPID" -e 'probe process.mark("mtick") { printf("%d %d %s\n", $arg1, $arg2, user_string($arg3)) }'
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID"
touch "$TMP/go3"
wait_until 30 "gone $KPID"
kill -INT "$TAP_PID"
tap_wait k2
assert_rc "the next session on that process starts (the dead one's ring replaced)" k2 0
if vals_ok "$TMP/k2.out" 500; then
	pass "and gets the 500 records through its own ring"
else
	fail "and gets the 500 records through its own ring" "$(run_details k2)"
fi
assert_grep "without the trap" "$TMP/k.prog" "^ring=1\$"

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
