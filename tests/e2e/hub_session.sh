#!/bin/sh
# Flight-recorder sessions (tap -F / -A, tapctl list/stop): begin probes run
# in the runner before the kernel probes attach; attach shows what the
# buffer holds, twice alike; a detach leaves recording on; stop runs the end
# probes and shows their output; kernel exit() stops the session, so does
# the runner when -T's time is up.
. "$(dirname "$0")/hub_lib.sh"
hub_start

cat >"$HUBDIR/fr.stp" <<'STP'
global n
probe begin { printf("begin ran\n") }
probe kernel.trace("syscalls:sys_enter_getppid") {
	# this test's generators only: other tests or benchmarks may run gen too
	if (execname() == "gen" && ppid() == $1) printf("event %d\n", ++n) }
probe end { printf("end ran, n=%d\n", n) }
STP
out=$("$TAP" -F -m fr1 "$HUBDIR/fr.stp" $$)
case "$out" in
*"Session fr1"*"tap -A fr1"*) ok "tap -F prints the session and how to attach" ;;
*) bad "tap -F prints the session and how to attach" "$out" ;;
esac
sleep 0.5
"$GEN" getppid 100
sleep 0.5
list=$("$TAPCTL" list)
case "$list" in
*fr1*recording*"runner alive"*) ok "tapctl list shows the session recording with its runner" ;;
*) bad "tapctl list shows the session recording with its runner" "$list" ;;
esac
attach_for 1.5 "$HUBDIR/a1" fr1
attach_for 1.5 "$HUBDIR/a2" fr1
check "attach shows the begin output first" test "$(head -1 "$HUBDIR/a1")" = "begin ran"
n=$(grep -c '^event ' "$HUBDIR/a1")
check "attach shows all 100 events" test "$n" -eq 100
check "the events are in order" sh -c "grep '^event ' '$HUBDIR/a1' | awk '{ if (\$2 != NR) exit 1 }'"
check "a second attach shows the same data" cmp -s "$HUBDIR/a1" "$HUBDIR/a2"
# SIGQUIT detaches too, and recording goes on
timeout -s QUIT 1 "$TAP" -A fr1 >/dev/null 2>&1
"$GEN" getppid 50
sleep 0.5
attach_for 1.5 "$HUBDIR/a3" fr1
check "after a SIGQUIT detach the session still records" test "$(grep -c '^event ' "$HUBDIR/a3")" -eq 150
stop=$("$TAPCTL" stop fr1)
check "tapctl stop shows the end probe's output" test "$stop" = "end ran, n=150"
check "the session is gone after stop" sh -c "! '$TAPCTL' list | grep -q fr1"

# exit() in a kernel probe stops the session
"$TAP" -F -m fr2 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "gen") exit() }' >/dev/null
"$GEN" getppid 1
for i in $(seq 30); do
	"$TAPCTL" list | grep -q fr2 || break
	sleep 0.1
done
check "exit() in a kernel probe stops the session" sh -c "! '$TAPCTL' list | grep -q fr2"

# -T: the runner stops the session when the time is up, as exit() would
"$TAP" -F -m fr5 -T 1 -e 'probe begin { } probe end { }' >/dev/null
check "-T 1: the session records at first" sh -c "'$TAPCTL' list | grep -q fr5"
for i in $(seq 100); do
	"$TAPCTL" list | grep -q fr5 || break
	sleep 0.1
done
check "-T 1: the session is stopped after the time" sh -c "! '$TAPCTL' list | grep -q fr5"
err=$("$TAP" -F -m fr6 -T 1 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { }' 2>&1 >/dev/null)
case "$err" in
*"WARNING: -T is not applied"*) ok "-T without user probes in -F: a warning, not silence" ;;
*) bad "-T without user probes in -F: a warning, not silence" "$err" ;;
esac
"$TAPCTL" stop fr6 >/dev/null

# a session name is unique; errors are one clear line
err=$("$TAP" -F -m fr3 -e 'probe begin {}' 2>&1 && "$TAP" -F -m fr3 -e 'probe begin {}' 2>&1)
case "$err" in
*"a session named 'fr3' already exists"*) ok "a duplicate session name is refused" ;;
*) bad "a duplicate session name is refused" "$err" ;;
esac
"$TAPCTL" stop fr3 >/dev/null
err=$("$TAPCTL" stop nosuch 2>&1)
case "$err" in
"tapctl: no session 'nosuch'") ok "stopping an unknown session says so" ;;
*) bad "stopping an unknown session says so" "$err" ;;
esac
# tap -F returns once the probes are in, also when a runner must run the
# begin probes first (a slow begin here): events made at once are recorded
cp "$GEN" "$HUBDIR/fgen"
"$TAP" -F -m fr4 -DMAXACTION=100000 -e 'global n, x
	probe begin { for (i = 0; i < 20000; i++) x = sprintf("%d %s", i, x) }
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "fgen") n++ }
	probe end { printf("fr4 n=%d\n", n) }' >/dev/null 2>"$HUBDIR/fr4.err" || bad "the fr4 session" "$(cat "$HUBDIR/fr4.err")"
"$HUBDIR/fgen" getppid 100
got=$("$TAPCTL" stop fr4 2>&1 | sed -n 's/^fr4 n=//p')
if [ "$got" = 100 ]; then
	ok "events right after tap -F returns are recorded (a runner's slow begin)"
else
	bad "events right after tap -F returns are recorded (a runner's slow begin)" "n=$got"
fi
# a reader of a session that has recorded nothing yet: nothing to merge
# (the sanitized hub of make e2e-san aborted here on qsort's NULL base)
"$TAP" -F -m empty -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == 1) printf("x\n") }' >/dev/null
timeout -s INT 1 "$TAP" -A empty >"$HUBDIR/empty.out" 2>&1
check "attaching to a session with no records prints nothing" test ! -s "$HUBDIR/empty.out"
"$TAPCTL" stop empty --discard >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
