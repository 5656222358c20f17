#!/bin/sh
# Access control: a user outside group taphub is refused at the socket (and
# by the hub itself when the socket is opened wider); a member can run and
# stop sessions of their own but cannot see, attach to or stop root's.
. "$(dirname "$0")/hub_lib.sh"
require_cmd useradd setpriv flock
# Group taphub and the tracefs mount's options are the machine's, not this
# run's: one run of this file at a time (another run's exit would take
# them away from under this one)
exec 9>"/run/lock/taphub-e2e-access.lock"
flock -w 120 9 || { fail "another run of hub_access.sh held the machine's group taphub for 120 s"; finish; }
made_group=
if ! getent group taphub >/dev/null; then
	groupadd taphub && made_group=1
fi
# users of this run's own (other test runs on the machine make theirs)
U_OUT=taphub_o$$
U_MEM=taphub_m$$
useradd -M -N -g nogroup "$U_OUT" || fail "useradd $U_OUT"
useradd -M -N -g nogroup -G taphub "$U_MEM" || fail "useradd $U_MEM"
# members compile scripts, so they read tracepoint formats: the group gets
# tracefs read access, as sessions/systemd/taphubd.service arranges
tracefs_opts=$(awk '$2 == "/sys/kernel/tracing" { print $4 }' /proc/mounts)
mount -o remount,gid="$(getent group taphub | cut -d: -f3)",mode=750 /sys/kernel/tracing
# undone at exit, however the test ends: the member's processes (its
# session's runner; a uid of this run only) go first
on_exit '
	pkill -KILL -u "$U_MEM" 2>/dev/null
	case "$tracefs_opts" in
	*gid=*) ;;
	*) mount -o remount,gid=0,mode=700 /sys/kernel/tracing ;;
	esac
	userdel "$U_OUT" 2>/dev/null
	userdel "$U_MEM" 2>/dev/null
	[ -n "$made_group" ] && groupdel taphub 2>/dev/null'
hub_start
"$TAP" -F -m rootsess -e 'probe kernel.trace("syscalls:sys_enter_getppid") { printf("x\n") }' >/dev/null

err=$(as "$U_OUT" "$TAPCTL" list 2>&1)
case "$err" in
*"Permission denied"*) pass "a non-member is refused at the socket" ;;
*) fail "a non-member is refused at the socket" "$err" ;;
esac
chmod 666 "$TAPHUB_SOCKET"
err=$(as "$U_OUT" "$TAPCTL" list 2>&1)
case "$err" in
*"admits root and members of group taphub"*) pass "a non-member is refused by the hub too" ;;
*) fail "a non-member is refused by the hub too" "$err" ;;
esac
chmod 660 "$TAPHUB_SOCKET"

list=$(as "$U_MEM" "$TAPCTL" list 2>&1)
case "$list" in
*rootsess*) fail "a member does not see root's session" "$list" ;;
*) pass "a member does not see root's session" ;;
esac
err=$(as "$U_MEM" "$TAPCTL" stop rootsess 2>&1)
case "$err" in
*"no session 'rootsess'"*) pass "a member cannot stop root's session" ;;
*) fail "a member cannot stop root's session" "$err" ;;
esac
# refused at once; the time limit is for a tap -A that would attach
err=$(as_for 20 "$U_MEM" "$TAP" -A rootsess 2>&1)
case "$err" in
*"no session or host 'rootsess'"*) pass "a member cannot attach to root's session" ;;
*) fail "a member cannot attach to root's session" "$err" ;;
esac
mkdir -p "$TMP/cache-$U_MEM" && chown "$U_MEM" "$TMP/cache-$U_MEM"
AG=agen$$ # this run's own name: other test runs make the same calls
AGEN=$(own_gen agen)
out=$(as "$U_MEM" "$TAP" -F -m memsess -e 'probe begin { printf("member begin\n") }
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$AG"'") printf("member saw %d\n", pid()) }
	probe end { printf("member end\n") }' 2>&1)
case "$out" in
*"Session memsess"*) pass "a member starts a session of their own" ;;
*) fail "a member starts a session of their own" "$out" ;;
esac
# tap -F returned with the probes in
"$AGEN" getppid 3
# the member's tap -A (setpriv execs it: $! is tap), detached (SIGINT,
# sent as root) once it showed the 3
setpriv --reuid "$U_MEM" --regid nogroup --init-groups env HOME="$TMP" TAPHUB_CACHE="$TMP/cache-$U_MEM" \
	TAPHUB_SOCKET="$TAPHUB_SOCKET" "$TAP" -A memsess >"$TMP/m" 2>&1 &
mp=$!
track_pid $mp
wait_until 10 '[ "$(count_of "$TMP/m" "^member saw ")" -ge 3 ]'
kill -INT $mp
wait $mp
check "the member attaches to their session" test "$(count_of "$TMP/m" '^member saw ')" -eq 3
check "the member's runner ran begin" grep -q '^member begin$' "$TMP/m"
list=$("$TAPCTL" list)
case "$list" in
*memsess*) pass "root sees the member's session" ;;
*) fail "root sees the member's session" "$list" ;;
esac
stop=$(as "$U_MEM" "$TAPCTL" stop memsess 2>/dev/null)
check "the member stops their session (end probe output shown)" test "$stop" = "member end"
"$TAPCTL" stop rootsess >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
