#!/bin/sh
# Runner death: kill -9 the runner of a session; the kernel probes keep
# recording, tapctl list shows the runner as gone, and stop still works.
# Also: user probes read the globals the kernel probes write (through the
# maps the hub passes to the runner).
. "$(dirname "$0")/hub_lib.sh"
hub_start
RGEN=$(own_gen rgen)
# The runner is forked by tap -F and leaves its session: it is found by a
# variable of this run in its environment, which it inherits from tap
MARK=TAP_E2E_RUNNER=$$
env "$MARK" "$TAP" -F -m rs -e 'global n, seen
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"rgen$$"'") { n++; seen[execname()]++; printf("k %d\n", n) } }
	probe timer.ms(100) { if (n) printf("timer sees n=%d seen=%d\n", n, seen["'"rgen$$"'"]) }' >/dev/null ||
	fail "start the session"
"$RGEN" getppid 10
attach_until 10 "$TMP/a1" 'grep -q "^timer sees n=10 seen=10$" "$TMP/a1"' rs
check "the runner's timer reads the kernel's scalar and array" grep -q '^timer sees n=10 seen=10$' "$TMP/a1"
runner=
for p in /proc/[0-9]*; do
	if tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "$MARK"; then
		runner=${p#/proc/}
		break
	fi
done
check "the runner is a process of its own" test -n "$runner"
[ -n "$runner" ] && kill -9 "$runner"
wait_until 10 'session_listed rs "recording *runner gone"'
list=$("$TAPCTL" list)
case "$list" in
*rs*recording*"runner gone"*) pass "tapctl list shows the runner gone, the session recording" ;;
*) fail "tapctl list shows the runner gone, the session recording" "$list" ;;
esac
"$RGEN" getppid 5
attach_until 10 "$TMP/a2" '[ "$(count_of "$TMP/a2" "^k ")" -ge 15 ]' rs
check "kernel probes kept recording after the runner died" test "$(count_of "$TMP/a2" '^k ')" -eq 15
check "stop works without a runner" sh -c "'$TAPCTL' stop rs 2>'$TMP/stop.err'"
check "stop warns that the runner's probes stopped with it" \
	grep -q "^WARNING: the session's runner died at .*kernel records are all kept" "$TMP/stop.err"
check "the session is gone" sh -c "! '$TAPCTL' list | grep -q ' rs '"
check "the hub is still running" hub_alive
finish
