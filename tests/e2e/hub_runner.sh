#!/bin/sh
# Runner death: kill -9 the runner of a session; the kernel probes keep
# recording, tapctl list shows the runner as gone, and stop still works.
# Also: user probes read the globals the kernel probes write (through the
# maps the hub passes to the runner).
. "$(dirname "$0")/hub_lib.sh"
hub_start
cp "$GEN" "$HUBDIR/rgen"
"$TAP" -F -m rs -e 'global n, seen
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "rgen") { n++; seen[execname()]++; printf("k %d\n", n) } }
	probe timer.ms(100) { if (n) printf("timer sees n=%d seen=%d\n", n, seen["rgen"]) }' >/dev/null ||
	bad "start the session"
sleep 0.5
"$HUBDIR/rgen" getppid 10
sleep 0.5
attach_for 1 "$HUBDIR/a1" rs
check "the runner's timer reads the kernel's scalar and array" grep -q '^timer sees n=10 seen=10$' "$HUBDIR/a1"
rpid=$("$TAPCTL" --json list | sed -n 's/.*"name":"rs".*/&/p' | head -1)
runner=$(pgrep -f "tap -F -m rs" | head -1)
check "the runner is a process of its own" test -n "$runner"
kill -9 "$runner"
sleep 0.5
list=$("$TAPCTL" list)
case "$list" in
*rs*recording*"runner gone"*) ok "tapctl list shows the runner gone, the session recording" ;;
*) bad "tapctl list shows the runner gone, the session recording" "$list" ;;
esac
"$HUBDIR/rgen" getppid 5
sleep 0.5
attach_for 1 "$HUBDIR/a2" rs
check "kernel probes kept recording after the runner died" test "$(grep -c '^k ' "$HUBDIR/a2")" -eq 15
check "stop works without a runner" sh -c "'$TAPCTL' stop rs 2>'$HUBDIR/stop.err'"
check "stop warns that the runner's probes stopped with it" \
	grep -q "^WARNING: the session's runner died at .*kernel records are all kept" "$HUBDIR/stop.err"
check "the session is gone" sh -c "! '$TAPCTL' list | grep -q ' rs '"
check "the hub is still running" hub_alive
finish
