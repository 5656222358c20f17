#!/bin/sh
# Flight-recorder sessions (tap -F / -A, tapctl list/stop): begin probes run
# in the runner before the kernel probes attach; attach shows what the
# buffer holds, twice alike; a detach leaves recording on; stop runs the end
# probes and shows their output; kernel exit() stops the session, so does
# the runner when -T's time is up.
. "$(dirname "$0")/hub_lib.sh"
hub_start

cat >"$TMP/fr.stp" <<'STP'
global n
probe begin { printf("begin ran\n") }
probe kernel.trace("syscalls:sys_enter_getppid") {
	# this test's generators only: other tests or benchmarks may run gen too
	if (execname() == "gen" && ppid() == $1) printf("event %d\n", ++n) }
probe end { printf("end ran, n=%d\n", n) }
STP
out=$("$TAP" -F -m fr1 "$TMP/fr.stp" $$)
case "$out" in
*"Session fr1"*"tap -A fr1"*) pass "tap -F prints the session and how to attach" ;;
*) fail "tap -F prints the session and how to attach" "$out" ;;
esac
# tap -F returns once the probes are in (fr4 below checks that)
"$GEN" getppid 100
list=$("$TAPCTL" list)
case "$list" in
*fr1*recording*"runner alive"*) pass "tapctl list shows the session recording with its runner" ;;
*) fail "tapctl list shows the session recording with its runner" "$list" ;;
esac
attach_until 10 "$TMP/a1" '[ "$(count_of "$TMP/a1" "^event ")" -ge 100 ]' fr1
attach_until 10 "$TMP/a2" '[ "$(count_of "$TMP/a2" "^event ")" -ge 100 ]' fr1
check "attach shows the begin output first" test "$(head -1 "$TMP/a1")" = "begin ran"
n=$(count_of "$TMP/a1" '^event ')
check "attach shows all 100 events" test "$n" -eq 100
check "the events are in order" sh -c "grep '^event ' '$TMP/a1' | awk '{ if (\$2 != NR) exit 1 }'"
check "a second attach shows the same data" cmp -s "$TMP/a1" "$TMP/a2"
# SIGQUIT detaches too, and recording goes on
"$TAP" -A fr1 >"$TMP/q" 2>&1 &
qp=$!
track_pid $qp
wait_until 10 'grep -q "^event 100$" "$TMP/q"'
kill -QUIT $qp
wait $qp
check "SIGQUIT detaches a reader (exit 0)" test $? = 0
"$GEN" getppid 50
attach_until 10 "$TMP/a3" '[ "$(count_of "$TMP/a3" "^event ")" -ge 150 ]' fr1
check "after a SIGQUIT detach the session still records" test "$(count_of "$TMP/a3" '^event ')" -eq 150
stop=$("$TAPCTL" stop fr1 2>/dev/null)
check "tapctl stop shows the end probe's output" test "$stop" = "end ran, n=150"
check "the session is gone after stop" sh -c "! '$TAPCTL' list | grep -q fr1"

# exit() in a kernel probe stops the session
XGEN=$(own_gen xgen)
"$TAP" -F -m fr2 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"xgen$$"'") exit() }' >/dev/null
"$XGEN" getppid 1
wait_until 10 '! "$TAPCTL" list | grep -q fr2'
check "exit() in a kernel probe stops the session" sh -c "! '$TAPCTL' list | grep -q fr2"

# -T: the runner stops the session when the time is up, as exit() would
"$TAP" -F -m fr5 -T 1 -e 'probe begin { } probe end { }' >/dev/null
check "-T 1: the session records at first" sh -c "'$TAPCTL' list | grep -q fr5"
wait_until 10 '! "$TAPCTL" list | grep -q fr5'
check "-T 1: the session is stopped after the time" sh -c "! '$TAPCTL' list | grep -q fr5"
err=$("$TAP" -F -m fr6 -T 1 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { }' 2>&1 >/dev/null)
case "$err" in
*"WARNING: -T is not applied"*) pass "-T without user probes in -F: a warning, not silence" ;;
*) fail "-T without user probes in -F: a warning, not silence" "$err" ;;
esac
"$TAPCTL" stop fr6 >/dev/null 2>&1

# a session name is unique; errors are one clear line
err=$("$TAP" -F -m fr3 -e 'probe begin {}' 2>&1 && "$TAP" -F -m fr3 -e 'probe begin {}' 2>&1)
case "$err" in
*"a session named 'fr3' already exists"*) pass "a duplicate session name is refused" ;;
*) fail "a duplicate session name is refused" "$err" ;;
esac
"$TAPCTL" stop fr3 >/dev/null 2>&1
err=$("$TAPCTL" stop nosuch 2>&1)
case "$err" in
"tapctl: no session 'nosuch'") pass "stopping an unknown session says so" ;;
*) fail "stopping an unknown session says so" "$err" ;;
esac
# tap -F returns once the probes are in, also when a runner must run the
# begin probes first (a slow begin here): events made at once are recorded
FGEN=$(own_gen fgen)
"$TAP" -F -m fr4 -DMAXACTION=100000 -e 'global n, x
	probe begin { for (i = 0; i < 20000; i++) x = sprintf("%d %s", i, x) }
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"fgen$$"'") n++ }
	probe end { printf("fr4 n=%d\n", n) }' >/dev/null 2>"$TMP/fr4.err" || fail "the fr4 session" "$(cat "$TMP/fr4.err")"
"$FGEN" getppid 100
got=$("$TAPCTL" stop fr4 2>&1 | sed -n 's/^fr4 n=//p')
if [ "$got" = 100 ]; then
	pass "events right after tap -F returns are recorded (a runner's slow begin)"
else
	fail "events right after tap -F returns are recorded (a runner's slow begin)" "n=$got"
fi
# a reader of a session that has recorded nothing yet: nothing to merge
# (the sanitized hub of make e2e-san aborted here on qsort's NULL base).
# The reader waits in poll() once the hub has answered its attach.
"$TAP" -F -m empty -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == 1) printf("x\n") }' >/dev/null
"$TAP" -A empty >"$TMP/empty.out" 2>&1 &
ep=$!
track_pid $ep
wait_until 10 "waits_in $ep poll"
check "a reader of a session with no records waits for them" waits_in $ep poll
"$TAPCTL" list >/dev/null # the hub served the attach before it answers this
kill -INT $ep
wait $ep
check "attaching to a session with no records prints nothing" test ! -s "$TMP/empty.out"
"$TAPCTL" stop empty --discard >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
