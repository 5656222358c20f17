#!/bin/sh
# A flood of connections (docs/hub.md "Limits").
# 1. The hub at its open files limit does not spin: its CPU time stays
#    small while connections wait, and it serves again once clients leave.
# 2. The caps: a non-root uid's connections beyond --max-clients-per-uid,
#    and anyone's beyond --max-clients, get one error line and are closed;
#    root still lists and stops sessions (its reserve); a session's runner
#    gets in over a cap.
. "$(dirname "$0")/hub_lib.sh"
require_cmd prlimit setpriv

# wait until hubconn wrote its summary into FILE (it then holds its connections)
held() { # held FILE
	wait_until 10 "grep -q '^holding$' '$1'"
}

cpu_ticks() { # user + system time of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# clients that went away: once root's list is answered, the hub has seen
# them go (it handles what became ready first, first)
leave() { # leave PID...
	kill "$@" 2>/dev/null
	wait "$@" 2>/dev/null
	"$TAPCTL" list >/dev/null 2>&1
}

# ---- 1. at the open files limit -------------------------------------------
hub_start
NOFILE=32
prlimit --pid "$HUBPID" --nofile=$NOFILE:$NOFILE
# more than the limit leaves; the rest wait in the listen backlog (64)
"$HUBCONN" "$TAPHUB_SOCKET" 60 >"$TMP/fd.out" &
conn=$!
track_pid $conn
held "$TMP/fd.out" || fail "the flood client opened its connections" "$(cat "$TMP/fd.out")"
wait_until 10 'grep -q "cannot accept connections: Too many open files" "$HUB_LOG"'
check "the hub reached its open files limit (logged)" \
	grep -q "cannot accept connections: Too many open files (open files limit $NOFILE)" "$HUB_LOG"
# a client that comes now waits for a free fd rather than being refused
timeout 30 "$TAPCTL" list >"$TMP/waiting.out" 2>&1 &
waiting=$!
track_pid $waiting
# busy-polling the listening socket costs ~a core; waiting costs ~nothing:
# allow 10 % of a core over 2 s, a wide margin on a loaded machine
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks "$HUBPID")
# what is measured is the CPU time the hub takes over a span of time: the
# one place a test waits for time itself
sleep 2
t1=$(cpu_ticks "$HUBPID")
used=$((t1 - t0))
if [ $used -le $((hz * 2 / 10)) ]; then
	pass "the hub at its fd limit does not spin ($used ticks of $((hz * 2)) in 2 s)"
else
	fail "the hub at its fd limit does not spin" "$used ticks of $((hz * 2)) in 2 s"
fi
kill $conn
wait $conn 2>/dev/null
if wait $waiting; then
	pass "a client that came at the limit is served once the others left"
else
	fail "a client that came at the limit is served once the others left" "$(cat "$TMP/waiting.out")"
fi
check "the hub serves again once the clients left" timeout 10 "$TAPCTL" list
check "the hub is still running" hub_alive
hub_stop

# ---- 2. the caps ----------------------------------------------------------
# group nogroup is admitted, so uid nobody (and any uid with gid nogroup) is a member
hub_start --group nogroup --max-clients 12 --max-clients-per-uid 8
# connect N times, each with a HELLO, and hold what the hub served:
# the summary in FILE, $flood the client's pid; as another user with
# a setpriv command line after N
flood() { # flood FILE N [setpriv ...]
	out=$1
	n=$2
	shift 2
	"$@" "$HUBCONN" -H "$TAPHUB_SOCKET" "$n" >"$out" &
	flood=$!
	track_pid $flood
	held "$out"
}
as_nobody="setpriv --reuid nobody --regid nogroup --clear-groups"
as_other="setpriv --reuid 12345 --regid nogroup --clear-groups"
nobody=$(id -u nobody)
FGEN=$(own_gen fgen)
FG=fgen$$
"$TAP" -F -m fl -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$FG"'") printf("x\n") }' >/dev/null ||
	fail "start a session"
flood "$TMP/uid.out" 20 $as_nobody
flood1=$flood
check "a uid gets --max-clients-per-uid connections, the rest are refused" \
	grep -q '^connected 20 served 8 refused 12 failed 0$' "$TMP/uid.out"
check "the refused get the cap's error line" \
	grep -qx "error too many connections from uid $nobody (at most 8)" "$TMP/uid.out"
err=$($as_nobody "$TAPCTL" list 2>&1)
check "the uid's tapctl says why" test "$err" = "tapctl: too many connections from uid $nobody (at most 8)"
check "root lists during the flood" sh -c "'$TAPCTL' list | grep -q ' fl '"
# another uid fills the total; root still gets in
flood "$TMP/all.out" 10 $as_other
check "all uids together get --max-clients connections" \
	grep -q '^connected 10 served 4 refused 6 failed 0$' "$TMP/all.out"
check "beyond it, the total cap's error line" \
	grep -qx "error too many connections to taphubd (at most 12)" "$TMP/all.out"
check "root lists with the hub full (its reserve)" sh -c "'$TAPCTL' list | grep -q ' fl '"
check "root stops a session with the hub full" sh -c "'$TAPCTL' stop fl >/dev/null 2>&1"
n=$(grep -c "refused uid" "$TMP/hub.log")
check "the refusals are logged once, not once each ($n lines)" test "$n" -le 2
leave $flood1 $flood
# the refused left nothing counted: the uid gets its 8 again
flood "$TMP/again.out" 8 $as_nobody
check "connections are uncounted when they close" \
	grep -q '^connected 8 served 8 refused 0 failed 0$' "$TMP/again.out"
leave $flood

# a session's runner gets in over a cap: root fills the total and its
# reserve but one, which tap -F takes; the runner connects over the cap
flood "$TMP/root.out" 19
rootconn=$flood
check "root gets --max-clients and its reserve" \
	grep -q '^connected 19 served 19 refused 0 failed 0$' "$TMP/root.out"
out=$("$TAP" -F -m rn -e 'probe begin { printf("begin ran\n") }
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$FG"'") printf("x\n") }' 2>&1)
case "$out" in
*WARNING*) fail "tap -F with the hub full returns with the session recording" "$out" ;;
*"Session rn"*) pass "tap -F with the hub full returns with the session recording" ;;
*) fail "tap -F with the hub full returns with the session recording" "$out" ;;
esac
err=$("$TAPCTL" list 2>&1)
check "the runner is counted (root is over the cap now)" \
	test "$err" = "tapctl: too many connections to taphubd (at most 12, and 8 more for root)"
leave $rootconn
list=$("$TAPCTL" list 2>&1)
case "$list" in
*" rn "*"runner alive"*) pass "the runner is the session's" ;;
*) fail "the runner is the session's" "$list" ;;
esac
attach_until 10 "$TMP/rn.out" 'grep -qx "begin ran" "$TMP/rn.out"' rn
check "the runner ran the begin probe" grep -qx "begin ran" "$TMP/rn.out"
check "the session stops" sh -c "'$TAPCTL' stop rn >/dev/null 2>&1"

# all 20 of root's connections are served once nothing holds one: rn's
# runner leaves a moment after its session stopped, a reader's thread a
# moment after its tap detached
all_served() {
	flood "$TMP/rd2.out" 20
	leave $flood
	grep -q '^connected 20 served 20 refused 0 failed 0$' "$TMP/rd2.out"
}
wait_until 10 all_served

# attached readers leave the main loop for threads of their own: counted
# until their threads end
"$TAP" -F -m rd -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$FG"'") printf("fgen\n") }' \
	>/dev/null || fail "start a session to attach to"
"$FGEN" getppid 1
readers=
for i in 1 2 3 4; do
	"$TAP" -A rd >"$TMP/rd$i.out" 2>&1 &
	readers="$readers $!"
	track_pid $!
done
wait_until 10 '[ "$(cat "$TMP"/rd?.out | grep -c "^fgen$")" -eq 4 ]'
flood "$TMP/rd.out" 20
check "attached readers are counted" grep -q '^connected 20 served 16 refused 4 failed 0$' "$TMP/rd.out"
leave $flood
kill -INT $readers
wait $readers
wait_until 10 all_served
check "detached readers are uncounted" grep -q '^connected 20 served 20 ' "$TMP/rd2.out"
"$TAPCTL" stop rd >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
