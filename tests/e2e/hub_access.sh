#!/bin/sh
# Access control: a user outside group taphub is refused at the socket (and
# by the hub itself when the socket is opened wider); a member can run and
# stop sessions of their own but cannot see, attach to or stop root's.
. "$(dirname "$0")/hub_lib.sh"
if ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
	echo "SKIP $TEST: needs useradd and setpriv"
	exit 77
fi
made_group=
if ! getent group taphub >/dev/null; then
	groupadd taphub && made_group=1
fi
U_OUT=taphub_t_out
U_MEM=taphub_t_mem
userdel "$U_OUT" 2>/dev/null
userdel "$U_MEM" 2>/dev/null
# leftovers of an interrupted run would make useradd fail
pkill -u "$U_MEM" 2>/dev/null
useradd -M -N -g nogroup "$U_OUT"
useradd -M -N -g nogroup -G taphub "$U_MEM"
# members compile scripts, so they read tracepoint formats: the group gets
# tracefs read access, as sessions/systemd/taphubd.service arranges
tracefs_opts=$(awk '$2 == "/sys/kernel/tracing" { print $4 }' /proc/mounts)
mount -o remount,gid="$(getent group taphub | cut -d: -f3)",mode=750 /sys/kernel/tracing
access_cleanup() {
	pkill -u "$U_MEM" 2>/dev/null
	case "$tracefs_opts" in
	*gid=*) ;;
	*) mount -o remount,gid=0,mode=700 /sys/kernel/tracing ;;
	esac
	userdel "$U_OUT" 2>/dev/null
	userdel "$U_MEM" 2>/dev/null
	[ -n "$made_group" ] && groupdel taphub 2>/dev/null
	cleanup
}
trap access_cleanup EXIT INT TERM
as() { # as USER COMMAND...
	u=$1
	shift
	setpriv --reuid "$u" --regid nogroup --init-groups env HOME="$HUBDIR" \
		TAPHUB_CACHE="$HUBDIR/cache-$u" TAPHUB_SOCKET="$TAPHUB_SOCKET" "$@"
}
# timeout runs as root around setpriv: a timeout of another user's making
# could signal this shell's process group
as_for() { # as_for SECONDS USER COMMAND...
	secs=$1
	u=$2
	shift 2
	timeout -s INT "$secs" setpriv --reuid "$u" --regid nogroup --init-groups env HOME="$HUBDIR" \
		TAPHUB_CACHE="$HUBDIR/cache-$u" TAPHUB_SOCKET="$TAPHUB_SOCKET" "$@"
}
hub_start
"$TAP" -F -m rootsess -e 'probe kernel.trace("syscalls:sys_enter_getppid") { printf("x\n") }' >/dev/null

err=$(as "$U_OUT" "$TAPCTL" list 2>&1)
case "$err" in
*"Permission denied"*) ok "a non-member is refused at the socket" ;;
*) bad "a non-member is refused at the socket" "$err" ;;
esac
chmod 666 "$TAPHUB_SOCKET"
err=$(as "$U_OUT" "$TAPCTL" list 2>&1)
case "$err" in
*"admits root and members of group taphub"*) ok "a non-member is refused by the hub too" ;;
*) bad "a non-member is refused by the hub too" "$err" ;;
esac
chmod 660 "$TAPHUB_SOCKET"

list=$(as "$U_MEM" "$TAPCTL" list 2>&1)
case "$list" in
*rootsess*) bad "a member does not see root's session" "$list" ;;
*) ok "a member does not see root's session" ;;
esac
err=$(as "$U_MEM" "$TAPCTL" stop rootsess 2>&1)
case "$err" in
*"no session 'rootsess'"*) ok "a member cannot stop root's session" ;;
*) bad "a member cannot stop root's session" "$err" ;;
esac
err=$(as_for 2 "$U_MEM" "$TAP" -A rootsess 2>&1)
case "$err" in
*"no session or host 'rootsess'"*) ok "a member cannot attach to root's session" ;;
*) bad "a member cannot attach to root's session" "$err" ;;
esac
mkdir -p "$HUBDIR/cache-$U_MEM" && chown "$U_MEM" "$HUBDIR/cache-$U_MEM"
AG=agen$$ # this run's own name: other test runs make the same calls
cp "$GEN" "$HUBDIR/$AG" && chmod 755 "$HUBDIR/$AG"
out=$(as "$U_MEM" "$TAP" -F -m memsess -e 'probe begin { printf("member begin\n") }
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$AG"'") printf("member saw %d\n", pid()) }
	probe end { printf("member end\n") }' 2>&1)
case "$out" in
*"Session memsess"*) ok "a member starts a session of their own" ;;
*) bad "a member starts a session of their own" "$out" ;;
esac
sleep 0.5
"$HUBDIR/$AG" getppid 3
sleep 0.5
as_for 1 "$U_MEM" "$TAP" -A memsess >"$HUBDIR/m" 2>&1
check "the member attaches to their session" test "$(grep -c '^member saw ' "$HUBDIR/m")" -eq 3
check "the member's runner ran begin" grep -q '^member begin$' "$HUBDIR/m"
list=$("$TAPCTL" list)
case "$list" in
*memsess*taphub_t_mem*|*memsess*) ok "root sees the member's session" ;;
*) bad "root sees the member's session" "$list" ;;
esac
stop=$(as "$U_MEM" "$TAPCTL" stop memsess 2>/dev/null)
check "the member stops their session (end probe output shown)" test "$stop" = "member end"
"$TAPCTL" stop rootsess >/dev/null
check "the hub is still running" hub_alive
finish
