#!/bin/sh
# Who may run what (docs/service.md): every cell of the access matrix.
#
#                        root  taphubdev  taphub  taphubusr  others
#   connect              yes   yes        yes     yes        refused
#   compile and run      yes   yes        yes     refused    refused
#   installed artifact   yes   yes        -       yes        refused
#   artifact elsewhere   -     yes        -       refused    -
#   a relay host         yes   yes        -       refused    -
#   the service          yes   -          -       refused    -
#   own session: stop    -     yes        yes     yes        -
#   another's: stop/attach yes -          -       refused    -
#
# (taphub is taphubdev's old name: one member shows it is admitted and runs
# anything.)  Signed artifacts come with h/artifact: unsigned ones are all
# there is, and only the installed ones run for taphubusr.
. "$(dirname "$0")/hub_lib.sh"
require_cmd useradd groupadd setpriv flock
# the groups and tracefs's mount options are the machine's: one run at a
# time of this file and hub_access.sh (they share the lock)
exec 9>"/run/lock/taphub-e2e-access.lock"
flock -w 120 9 || { fail "another run held the machine's taphub groups for 120 s"; finish; }
made_groups=
for g in taphubdev taphubusr taphub; do
	if ! getent group $g >/dev/null; then
		groupadd $g && made_groups="$made_groups $g"
	fi
done
U_DEV=thdev$$
U_ALIAS=thals$$
U_USR=thusr$$
U_OUT=thout$$
useradd -M -N -g nogroup -G taphubdev "$U_DEV" || fail "useradd $U_DEV"
useradd -M -N -g nogroup -G taphub "$U_ALIAS" || fail "useradd $U_ALIAS"
useradd -M -N -g nogroup -G taphubusr "$U_USR" || fail "useradd $U_USR"
useradd -M -N -g nogroup "$U_OUT" || fail "useradd $U_OUT"
# installed artifacts: root's all the way from / (not under /tmp, which
# anyone may write to)
ART=/run/taphub-e2e-art$$
tracefs_opts=$(awk '$2 == "/sys/kernel/tracing" { print $4 }' /proc/mounts)
# taphubdev compiles tracepoint scripts: it reads the formats
mount -o remount,gid="$(getent group taphubdev | cut -d: -f3)",mode=750 /sys/kernel/tracing
# undone at exit, however the test ends: the users' processes first
on_exit '
	for u in "$U_DEV" "$U_ALIAS" "$U_USR" "$U_OUT"; do pkill -KILL -u "$u" 2>/dev/null; done
	case "$tracefs_opts" in
	*gid=*) ;;
	*) mount -o remount,gid=0,mode=700 /sys/kernel/tracing ;;
	esac
	for u in "$U_DEV" "$U_ALIAS" "$U_USR" "$U_OUT"; do userdel "$u" 2>/dev/null; done
	for g in $made_groups; do groupdel $g 2>/dev/null; done
	rm -rf "$ART"'
for u in "$U_DEV" "$U_ALIAS" "$U_USR" "$U_OUT"; do
	mkdir -p "$TMP/cache-$u" "$TMP/home-$u" && chown "$u" "$TMP/cache-$u" "$TMP/home-$u"
done
# one line of what a command said (the last)
said() { "$@" 2>&1 | tail -n 1; }

GG=grpg$$
GGEN=$(own_gen grpg)
SCRIPT='probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$GG"'") printf("saw %d\n", pid()) }'
# the artifact: compiled by root, installed under $ART (root's, 755)
mkdir -p "$ART/art1"
guest=$("$TAP" -p4 -e "$SCRIPT") || fail "root compiles the artifact"
cp "$(dirname "$guest")"/guest.meta "$(dirname "$guest")"/guest.bpf.o "$ART/art1/"
chmod -R go-w,a+rX "$ART"
# the same files in a directory of the taphubusr user's
mkdir -p "$TMP/home-$U_USR/mine"
cp "$ART/art1/"* "$TMP/home-$U_USR/mine/"
chown -R "$U_USR" "$TMP/home-$U_USR/mine"
chmod -R a+rX "$TMP/home-$U_USR"

hub_start --artifact-dir "$ART"

# ---- connect
check "root connects" "$TAPCTL" list
check "taphubdev connects" as "$U_DEV" "$TAPCTL" list
check "taphub (taphubdev's old name) connects" as "$U_ALIAS" "$TAPCTL" list
check "taphubusr connects" as "$U_USR" "$TAPCTL" list
err=$(said as "$U_OUT" "$TAPCTL" list)
case "$err" in
*"admits root and members of group taphub, taphubdev or taphubusr"*)
	pass "anyone else is refused at the socket" ;;
*) fail "anyone else is refused at the socket" "$err" ;;
esac

# ---- compile and run a script; each session counts its own 3 events
count_in() { # count_in SESSION: the session's records, by attaching
	attach_until 10 "$TMP/a.$1" '[ "$(count_of "$TMP/a.$1" "^saw ")" -ge 3 ]' "$1" >/dev/null
	count_of "$TMP/a.$1" "^saw "
}
"$TAP" -F -m g_root -e "$SCRIPT" >/dev/null 2>&1
check "root compiles and runs a script" session_listed g_root recording
out=$(as "$U_DEV" "$TAP" -F -m g_dev -e "$SCRIPT" 2>&1)
check "taphubdev compiles and runs a script" sh -c 'echo "$1" | grep -q "Session g_dev"' - "$out"
out=$(as "$U_ALIAS" "$TAP" -F -m g_alias -e 'probe begin { printf("alias begin\n") }' 2>&1)
check "taphub compiles and runs a script" sh -c 'echo "$1" | grep -q "Session g_alias"' - "$out"
# (a script that needs no tracefs: only the hub can refuse it)
BEGIN='probe begin { printf("begin\n") }'
err=$(said as "$U_USR" "$TAP" -F -m g_usr -e "$BEGIN")
case "$err" in
*"group taphubusr runs installed artifacts only"*)
	pass "taphubusr may not compile and run a script" ;;
*) fail "taphubusr may not compile and run a script" "$err" ;;
esac
err=$(said as "$U_OUT" "$TAP" -F -m g_out -e "$BEGIN")
case "$err" in
*"permission denied"*) pass "anyone else may not run a script" ;;
*) fail "anyone else may not run a script" "$err" ;;
esac

# ---- artifacts
out=$(as "$U_USR" "$TAP" -F -m g_usr_art "$ART/art1" 2>&1)
check "taphubusr runs an installed artifact" sh -c 'echo "$1" | grep -q "Session g_usr_art"' \
	- "$out"
out=$("$TAP" -F -m g_root_art "$ART/art1" 2>&1)
check "root runs an installed artifact" sh -c 'echo "$1" | grep -q "Session g_root_art"' - "$out"
out=$(as "$U_DEV" "$TAP" -F -m g_dev_art "$TMP/home-$U_USR/mine" 2>&1)
check "taphubdev runs an artifact from anywhere" \
	sh -c 'echo "$1" | grep -q "Session g_dev_art"' - "$out"
err=$(said as "$U_USR" "$TAP" -F -m g_usr_mine "$TMP/home-$U_USR/mine")
case "$err" in
*"is not installed in $ART"*)
	pass "taphubusr may not run an unsigned artifact of its own" ;;
*) fail "taphubusr may not run an unsigned artifact of its own" "$err" ;;
esac
# an installed directory someone else may write to is not an installed one
mkdir -p "$ART/open" && cp "$ART/art1/"* "$ART/open/" && chmod 777 "$ART/open"
err=$(said as "$U_USR" "$TAP" -F -m g_usr_open "$ART/open")
case "$err" in
*"is not root's alone"*) pass "taphubusr may not run an artifact others may change" ;;
*) fail "taphubusr may not run an artifact others may change" "$err" ;;
esac
# a file of it others may write, in a directory root alone may write
mkdir -p "$ART/gw" && cp "$ART/art1/"* "$ART/gw/" && chmod 775 "$ART/gw" && chmod g+w "$ART/gw/guest.meta"
chmod 755 "$ART/gw"
err=$(said as "$U_USR" "$TAP" -F -m g_usr_gw "$ART/gw")
case $err in
*"no guest.meta that root alone may write"*)
	pass "taphubusr may not run an artifact whose file others may change" ;;
*) fail "taphubusr may not run an artifact whose file others may change" "$err" ;;
esac
err=$(said as "$U_OUT" "$TAP" -F -m g_out_art "$ART/art1")
case "$err" in
*"permission denied"*) pass "anyone else may not run an installed artifact" ;;
*) fail "anyone else may not run an installed artifact" "$err" ;;
esac
# the kernel probes are really in: each session records the 3 events
"$GGEN" getppid 3
check "root's script records the 3 events" test "$(count_in g_root)" -eq 3
check "taphubdev's script records the 3 events" test "$(count_in g_dev)" -eq 3
# the user's own tap -A (setpriv execs it: $! is tap), detached by root with SIGINT
setpriv --reuid "$U_USR" --regid nogroup --init-groups env HOME="$TMP" \
	TAPHUB_SOCKET="$TAPHUB_SOCKET" "$TAP" -A g_usr_art >"$TMP/usr.attach" 2>&1 &
up=$!
track_pid $up
wait_until 10 '[ "$(count_of "$TMP/usr.attach" "^saw ")" -ge 3 ]'
kill -INT $up
wait $up
check "taphubusr's installed artifact records the 3 events" \
	test "$(count_of "$TMP/usr.attach" "^saw ")" -eq 3

# ---- relay hosts, the service
check "taphubdev creates a relay host" as "$U_DEV" "$TAPCTL" host create g_host_dev
err=$(said as "$U_USR" "$TAPCTL" host create g_host_usr)
case "$err" in
*"relay hosts are made by root and group taphubdev"*)
	pass "taphubusr may not create a relay host" ;;
*) fail "taphubusr may not create a relay host" "$err" ;;
esac
err=$(said as "$U_USR" "$TAP" -F -m g_usr_host --relay-host g_usr_host "$ART/art1")
case "$err" in
*"relay hosts are made by root and group taphubdev"*)
	pass "taphubusr may not make its session a relay host" ;;
*) fail "taphubusr may not make its session a relay host" "$err" ;;
esac
mkdir -p "$TMP/conf/script.d"
printf '%s\n' "$SCRIPT" >"$TMP/conf/script.d/g_svc.stp"
err=$(TAPHUB_CONFDIR=$TMP/conf TAPHUB_STAP_CONFDIR=$TMP/none said as "$U_USR" "$TAPCTL" service start g_svc)
case "$err" in
*"relay hosts are made by root and group taphubdev"*)
	pass "taphubusr may not start the service's scripts" ;;
*) fail "taphubusr may not start the service's scripts" "$err" ;;
esac
# run as a user of the conf's (owner=): its session is that user's
mkdir -p "$TMP/conf/conf.d"
echo "owner=$U_DEV" >"$TMP/conf/conf.d/g_svc.conf"
out=$(TAPHUB_CONFDIR=$TMP/conf TAPHUB_STAP_CONFDIR=$TMP/none TAPHUB_SERVICE_CACHE=$TMP/svccache \
	"$TAPCTL" service start g_svc 2>&1)
check "root starts the service's scripts" sh -c 'echo "$1" | grep -q "g_svc: recording"' - "$out"
check "the service runs a script as its conf's owner" \
	sh -c '"$1" list | grep -q "^svc_g_svc_1 .* $2 "' - "$TAPCTL" "$U_DEV"
"$TAPCTL" service stop g_svc >/dev/null 2>&1

# ---- sessions: one's own, another's
err=$(said as "$U_USR" "$TAPCTL" stop g_dev)
case "$err" in
*"no session 'g_dev'"*) pass "taphubusr may not stop another's session" ;;
*) fail "taphubusr may not stop another's session" "$err" ;;
esac
err=$(said as_for 10 "$U_USR" "$TAP" -A g_root)
case "$err" in
*"no session or host 'g_root'"*) pass "taphubusr may not attach to another's session" ;;
*) fail "taphubusr may not attach to another's session" "$err" ;;
esac
list=$(as "$U_USR" "$TAPCTL" list 2>&1)
case "$list" in
*g_dev*|*g_root*) fail "taphubusr does not see others' sessions" "$list" ;;
*) pass "taphubusr does not see others' sessions" ;;
esac
err=$(said as "$U_DEV" "$TAPCTL" stop g_usr_art)
case "$err" in
*"no session 'g_usr_art'"*) pass "taphubdev may not stop another user's session" ;;
*) fail "taphubdev may not stop another user's session" "$err" ;;
esac
check "taphubusr stops its own session" as "$U_USR" "$TAPCTL" stop g_usr_art
check "taphubdev stops its own session" as "$U_DEV" "$TAPCTL" stop g_dev
check "taphub stops its own session" as "$U_ALIAS" "$TAPCTL" stop g_alias
check "root stops another user's session" "$TAPCTL" stop g_dev_art
"$TAPCTL" stop g_root >/dev/null 2>&1
"$TAPCTL" stop g_root_art >/dev/null 2>&1
"$TAPCTL" host destroy g_host_dev >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
