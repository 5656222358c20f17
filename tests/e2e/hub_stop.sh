#!/bin/sh
# SPDX-License-Identifier: MIT
#
# What stops keep (docs/hub.md "Stopping", docs/recovery.md): a clean stop
# of taphubd (SIGTERM, as systemctl stop does) ends the sessions' probes,
# runs their end probes and leaves everything they recorded readable, as a
# crash does; tapctl stop keeps a session's records too, and only
# --discard or tapctl recover --delete deletes them.  One hub per state
# directory: a second refuses to start, naming the first one's pid, and
# tap -F does not start a second hub beside one that does not answer.
# Scripts with only begin/timer/end probes run detached, their runner's
# errors reach the session's output and tapctl list.

. "$(dirname "$0")/hub_lib.sh"
STATE=$HUB_STATE
D=$TMP/out
mkdir -p "$D" "$STATE"
cd "$D" || exit 1
PINS=$(pins_of "$STATE")

N='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d\n", ++n)
}
probe end { printf("end n=%d\n", n) }'

# --- 1. SIGTERM: the sessions end as by tapctl stop, and what they recorded stays
hub_start
"$TAP" -F -m keep1 -e "$N" $$ >/dev/null
"$GEN" getppid 5000
"$TAP" -F -m keep2 -s 1 -e "$N" $$ >/dev/null
"$GEN" getppid 300
hub_stop
if [ -f "$STATE/hosts/keep1/default.store" ] && [ -f "$STATE/hosts/keep2/default.store" ]; then
	pass "SIGTERM keeps every session's store"
else
	fail "SIGTERM keeps every session's store" "$(ls -R "$STATE" 2>&1 | head)"
fi
"$TAPCTL" recover --state-dir "$STATE" keep1 >k1.txt 2>k1.rep
# keep1 saw the 5000 and then keep2's 300 (both match gen's getppid)
if seq_ok k1.txt 1 5300; then
	pass "after SIGTERM, recover gives every record of the session, 1..5300"
else
	fail "after SIGTERM, recover gives every record of the session" "$(seq_ok k1.txt 1 5300; cat k1.rep)"
fi
check "the end probes ran at the hub's stop and their output was kept" grep -qx 'end n=5300' k1.txt
check "recover says the host was closed cleanly" grep -q 'closed cleanly' k1.rep
"$TAPCTL" recover --state-dir "$STATE" >list.txt 2>&1
check "recover lists it as kept when taphubd stopped" grep -q '^keep1 .*kept when taphubd stopped' list.txt
if [ -e "$PINS/keep1" ]; then
	fail "a clean stop drains the kernel rings and removes their pins" "$(ls "$PINS")"
else
	pass "a clean stop drains the kernel rings and removes their pins"
fi

# --- 2. the next hub shows them; tapctl stop forgets, --discard deletes
hub_start
"$TAPCTL" list >l2.txt 2>&1
check "the restarted hub shows them as recovered sessions" grep -q '^keep1_recovered .*recovered' l2.txt
"$TAP" -A keep1_recovered >a2.txt 2>/dev/null
check "tap -A prints what the kept store holds" seq_ok a2.txt 1 5300
"$TAPCTL" stop keep1_recovered >s2.txt 2>&1
st=$?
if [ $st = 0 ] && [ -f "$STATE/hosts/keep1/default.store" ] && grep -q 'tapctl recover --delete keep1' s2.txt; then
	pass "tapctl stop of a recovered session keeps its files and says how to delete them"
else
	fail "tapctl stop of a recovered session keeps its files" "status $st: $(cat s2.txt)"
fi
"$TAPCTL" stop keep2_recovered --discard >/dev/null 2>&1
check "tapctl stop --discard deletes the recorded data" test ! -e "$STATE/hosts/keep2"

# --- 3. tapctl stop keeps a live session's records; recover --delete removes them
"$TAP" -F -m keep3 -e "$N" $$ >/dev/null
"$GEN" getppid 700
"$TAPCTL" recover --state-dir "$STATE" --delete keep3 >del.txt 2>&1
if [ $? -ne 0 ] && grep -q 'in use by taphubd pid' del.txt && [ -d "$STATE/hosts/keep3" ]; then
	pass "recover --delete refuses a directory the running hub holds"
else
	fail "recover --delete refuses a directory the running hub holds" "$(cat del.txt)"
fi
"$TAPCTL" recover --state-dir "$STATE" keep3 >live.txt 2>&1
if [ $? -ne 0 ] && grep -q "in use by taphubd pid $HUBPID: read a live host with tap -A" live.txt; then
	pass "recover refuses a host a hub records into (its stores move)"
else
	fail "recover refuses a host a hub records into" "$(head -3 live.txt)"
fi
"$TAPCTL" stop keep3 >s3.out 2>s3.err
check "tapctl stop prints the end probes' output" grep -qx 'end n=700' s3.out
check "tapctl stop says where the records stay" grep -q "records stay in $STATE/hosts/keep3" s3.err
"$TAPCTL" recover --state-dir "$STATE" keep3 >k3.txt 2>/dev/null
check "a stopped session's records are recoverable" seq_ok k3.txt 1 700
"$TAPCTL" recover --state-dir "$STATE" --delete keep3 >del3.txt 2>&1
check "recover --delete removes an ended session's directory" test ! -e "$STATE/hosts/keep3"
hub_stop
hub_start
"$TAPCTL" list >l4.txt 2>&1
if grep -q keep1_recovered l4.txt; then
	fail "a session ended with tapctl stop is not shown again by the next hub" "$(cat l4.txt)"
else
	pass "a session ended with tapctl stop is not shown again by the next hub"
fi
"$TAPCTL" recover --state-dir "$STATE" >l5.txt 2>&1
check "... but recover still lists it" grep -q '^keep1 .*ended by tapctl stop' l5.txt
"$TAPCTL" stop keep9 --discard >/dev/null 2>&1
hub_stop
"$TAPCTL" recover --state-dir "$STATE" --delete keep1 >/dev/null 2>&1
check "recover --delete works once no hub runs" test ! -e "$STATE/hosts/keep1"

# --- 4. one hub per state directory
hub_start
"$TAP" -F -m live -e "$N" $$ >/dev/null
"$GEN" getppid 100
timeout -k 1 10 "$TAPHUBD" -f --socket "$TMP/hub2.sock" --state-dir "$STATE" >h2.out 2>&1 &
HUB2=$!
track_pid $HUB2
wait $HUB2
st=$?

if [ $st -ne 0 ] && grep -q "state directory $STATE is in use by taphubd pid $HUBPID" h2.out; then
	pass "a second hub on the state dir refuses to start, naming the first one's pid"
else
	fail "a second hub on the state dir refuses to start" "status $st: $(cat h2.out)"
fi
"$GEN" getppid 100
"$TAP" -A live >a4.txt 2>/dev/null &
AP=$!
track_pid $AP
wait_until 10 'grep -q "^00000200" a4.txt'
kill -INT $AP 2>/dev/null
wait $AP 2>/dev/null
check "the first hub's session records on, untouched" seq_ok a4.txt 1 200
TAPHUB_SOCKET=$TMP/dead.sock TAPHUB_STATE_DIR=$STATE "$TAP" -F -m other -e "$N" $$ >f5.out 2>&1
st=$?
if [ $st -ne 0 ] && grep -q "taphubd pid $HUBPID holds the state directory $STATE" f5.out &&
	[ ! -S "$TMP/dead.sock" ]; then
	pass "tap -F does not start a second hub beside one that holds the state dir"
else
	fail "tap -F does not start a second hub beside one that holds the state dir" \
		"status $st: $(cat f5.out)"
fi
"$TAPCTL" stop live --discard >/dev/null 2>&1

# --- 5. a detached script with only user probes; its runner's errors
U='global t
probe begin { printf("begin ran\n") }
probe timer.ms(20) { if (++t == 3) printf("timer ran 3 times\n") }
probe end { printf("end ran after %d\n", t) }'
"$TAP" -F -m user -e "$U" >u.out 2>&1
st=$?
check "tap -F takes a script with only begin/timer/end probes" test $st = 0
"$TAPCTL" list >u.list 2>&1
check "its runner is alive" grep -q '^user .*runner alive' u.list
attach_until 10 u.a 'grep -qx "timer ran 3 times" u.a' user
check "its begin probe's output is in the session" grep -qx 'begin ran' u.a
check "its timer probe's output is in the session" grep -qx 'timer ran 3 times' u.a
"$TAPCTL" stop user --discard >u.stop 2>&1
check "its end probe runs at tapctl stop" grep -q '^end ran after [0-9]' u.stop

E='probe begin { printf("before\n") }
probe timer.ms(10) { x = 0; printf("%d\n", 1 / x) }'
"$TAP" -F -m uerr -DMAXERRORS=1000 -e "$E" >/dev/null 2>&1
wait_until 10 '"$TAPCTL" list | grep -q "last error: ERROR: division by 0"'
"$TAPCTL" list >e.list 2>&1
check "a runtime error of a user probe shows in tapctl list" grep -q 'last error: ERROR: division by 0' e.list
attach_until 10 e.a 'grep -q "ERROR: division by 0" e.a e.a.err' uerr
cat e.a.err >>e.a
check "... and in the session's output" grep -q 'ERROR: division by 0' e.a
"$TAPCTL" stop uerr --discard >/dev/null 2>&1

R='probe begin { printf("host begin\n") }'
G='probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "gen" && ppid() == $1) printf("guest %d\n", pid()) }'
"$TAP" -F -m uhost --relay-host uhost -e "$R" >/dev/null 2>&1
"$TAP" -F -m uguest --relay-guest uhost -e "$G" $$ >/dev/null 2>&1
"$GEN" getppid 3
attach_until 10 h.a '[ "$(count_of h.a "^guest")" -ge 3 ]' uhost
if grep -qx 'host begin' h.a && [ "$(grep -c '^guest' h.a)" = 3 ]; then
	pass "a relay host made from a user-probe-only script takes guests"
else
	fail "a relay host made from a user-probe-only script takes guests" "$(cat h.a)"
fi
"$TAPCTL" stop uguest --discard >/dev/null 2>&1
"$TAPCTL" stop uhost --discard >/dev/null 2>&1

finish
