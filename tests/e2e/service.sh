#!/bin/sh
# The boot-time service (docs/service.md): a layout of two scripts, one
# with stap's NAME_OPT="-o ... -S ...", the other with taphub's keys;
# tapctl service start, status, a hub restart (SIGTERM) that brings both
# back with their earlier records intact, a reload that swaps a changed
# script in without a gap in its host's numbered stream, stop NAME that
# stops that one only, and bad input refused with one line while the
# others record on.
. "$(dirname "$0")/hub_lib.sh"
require_cmd python3

CONF=$TMP/conf
STAP=$TMP/stap
mkdir -p "$CONF/script.d" "$CONF/conf.d" "$STAP/script.d" "$STAP/conf.d" "$TMP/log"
TAPHUB_CONFDIR=$CONF
TAPHUB_STAP_CONFDIR=$STAP
export TAPHUB_CONFDIR TAPHUB_STAP_CONFDIR
SG=svcg$$
SGEN=$(own_gen svcg)

cat >"$CONF/script.d/alpha.stp" <<EOF
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "$SG") printf("alpha %d\n", pid()) }
EOF
cat >"$CONF/script.d/beta.stp" <<EOF
probe kernel.trace("syscalls:sys_enter_write") { if (execname() == "$SG") printf("beta v1 %d\n", \$count) }
EOF
# SystemTap's spelling, with a comment and quotes as its initscript's shell takes them
cat >"$CONF/conf.d/alpha.conf" <<EOF
# alpha's options
alpha_OPT="-o $TMP/log/alpha.log -S 1,5"
EOF
cat >"$CONF/conf.d/beta.conf" <<EOF
output='$TMP/log/beta.log'   # taphub's keys
start_at_boot=yes
classes="default=8M:overwrite"
EOF
# a script in SystemTap's layout of the same name: taphub's wins, status says so
cp "$CONF/script.d/beta.stp" "$STAP/script.d/beta.stp"
# and one of SystemTap's own, with its conf as stap's initscript has it
cat >"$STAP/script.d/sgamma.stp" <<EOF
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "$SG") printf("sgamma %d\n", pid()) }
EOF
cat >"$STAP/conf.d/sgamma.conf" <<EOF
sgamma_OPT="-o $TMP/log/sgamma.log"
sgamma_REQ="alpha"
EOF

hub_start
on_exit '"$TAPCTL" service stop >/dev/null 2>&1'

# lines_in FILES PATTERN: lines matching PATTERN in the files (none: 0)
lines_in() {
	cat $1 2>/dev/null | grep -c "$2"
}

out=$("$TAPCTL" service start 2>&1)
check "service start starts the three" \
	test "$(echo "$out" | grep -c ': recording (session svc_')" -eq 3
"$SGEN" getppid 7
"$SGEN" seqwrite 5 0
wait_until 10 '[ "$(lines_in "$TMP/log/alpha.log.*" "^alpha ")" -ge 7 ] &&
	[ "$(lines_in "$TMP/log/beta.log.*" "^beta v1 ")" -ge 5 ]'
check "alpha records into its -o file (7 events)" \
	test "$(lines_in "$TMP/log/alpha.log.*" "^alpha ")" -eq 7
check "beta records into its output file (5 events)" \
	test "$(lines_in "$TMP/log/beta.log.*" "^beta v1 ")" -eq 5
wait_until 10 '[ "$(lines_in "$TMP/log/sgamma.log.*" "^sgamma ")" -ge 7 ]'
check "SystemTap's script runs with its NAME_OPT (7 events)" \
	test "$(lines_in "$TMP/log/sgamma.log.*" "^sgamma ")" -eq 7
out=$("$TAPCTL" service stop sgamma 2>&1)
check "SystemTap's script stops" sh -c 'echo "$1" | grep -q "^sgamma: stopped"' - "$out"
st=$("$TAPCTL" service status)
check "status shows alpha recording, its 7 records and its file" \
	sh -c 'echo "$1" | grep -q "^alpha: recording .* records 7 .*svc_alpha_1" &&
		echo "$1" | grep -q "output .*alpha.log.0"' - "$st"
check "status shows beta recording and the SystemTap script it shadows" \
	sh -c 'echo "$1" | grep -q "^beta: recording .* records 5 " &&
		echo "$1" | grep -q "shadows $2/script.d/beta.stp"' - "$st" "$STAP"

# a hub stop, as systemctl stop or a reboot: the next hub resumes both
hub_stop TERM
hub_start
wait_until 30 '"$TAPCTL" service status | grep -q "^alpha: recording" &&
	"$TAPCTL" service status | grep -q "^beta: recording"'
check "after a hub restart both record again" \
	sh -c '"$1" service status | grep -q "^alpha: recording" &&
		"$1" service status | grep -q "^beta: recording"' - "$TAPCTL"
"$SGEN" getppid 3
wait_until 10 '[ "$(lines_in "$TMP/log/alpha.log.1" "^alpha ")" -ge 3 ]'
check "alpha goes on in a new file of its set (3 new events)" \
	test "$(lines_in "$TMP/log/alpha.log.1" "^alpha ")" -eq 3
check "alpha's earlier file is intact (7 events)" \
	test "$(lines_in "$TMP/log/alpha.log.0" "^alpha ")" -eq 7
check "beta's earlier file is intact (5 events)" \
	test "$(lines_in "$TMP/log/beta.log.0" "^beta v1 ")" -eq 5
check "the earlier records stay in the last hub's hosts (alpha_recovered: 7)" \
	test "$(records_in alpha_recovered)" = 7
check "the stopped sgamma did not come back" \
	sh -c '"$1" service status sgamma | grep -q "^sgamma: stopped"' - "$TAPCTL"
# tapctl switch HOST: the next file of the set, now
check "tapctl switch alpha" "$TAPCTL" switch alpha
"$SGEN" getppid 2
wait_until 10 '[ "$(lines_in "$TMP/log/alpha.log.2" "^alpha ")" -ge 2 ]'
check "after the switch alpha writes its 2 new events into alpha.log.2" \
	test "$(lines_in "$TMP/log/alpha.log.2" "^alpha ")" -eq 2

# reload after editing beta: v2 joins beta's host before v1 leaves it.  A
# numbered stream (writes of 1, 2, ... N bytes) runs across the swap: the
# host's file must hold every number.
N=1500
sed -i 's/beta v1/beta v2/' "$CONF/script.d/beta.stp"
"$TAP" -p4 "$CONF/script.d/beta.stp" >/dev/null 2>&1 # compiled ahead: the swap is quick
"$SGEN" seqwrite $N 2000 &
gp=$!
track_pid $gp
wait_until 10 '[ "$(lines_in "$TMP/log/beta.log.1" "^beta v1 ")" -ge 50 ]'
out=$("$TAPCTL" service reload 2>&1)
check "reload swaps beta and leaves alpha" \
	sh -c 'echo "$1" | grep -q "^beta: reloaded (session svc_beta_2" &&
		echo "$1" | grep -q "^alpha: unchanged"' - "$out"
wait $gp
wait_until 10 '[ "$(grep -c " '"$N"'\$" "$TMP/log/beta.log.1")" -ge 1 ]'
got=$(awk '$1 == "beta" { print $3 }' "$TMP/log/beta.log.1" | sort -n -u | awk -v n=$N '
	$1 >= 1 && $1 <= n { k++ } END { print k + 0 }')
check "beta's stream across the reload has no gap ($N of $N numbers)" test "$got" -eq $N
check "both versions wrote into the host during the swap" \
	sh -c 'grep -q "^beta v1 " "$1" && grep -q "^beta v2 " "$1"' - "$TMP/log/beta.log.1"

# a change that does not compile: reload says so, the running version records on
cp "$CONF/script.d/beta.stp" "$TMP/beta.good"
echo 'probe nosuch.point { }' >>"$CONF/script.d/beta.stp"
err=$("$TAPCTL" service reload 2>&1)
rc=$?
check "a reload whose script does not compile fails and keeps the running version" \
	sh -c '[ "$1" -eq 1 ] && echo "$2" | grep -q "beta.stp:2:" &&
		echo "$2" | grep -q "^tapctl: beta: the running version records on" &&
		"$3" service status beta | grep -q "^beta: recording .*svc_beta_2"' \
	- "$rc" "$err" "$TAPCTL"
cp "$TMP/beta.good" "$CONF/script.d/beta.stp"

# bad input: one line each, exit 1, the others record on
printf 'gamma_OPT="-o /tmp/x\n' >"$CONF/conf.d/gamma.conf"
echo 'probe begin { }' >"$CONF/script.d/gamma.stp"
err=$("$TAPCTL" service start gamma 2>&1)
rc=$?
check "a conf with a syntax error is refused with one line FILE:LINE" \
	sh -c '[ "$1" -eq 1 ] && [ "$(echo "$2" | wc -l)" -eq 1 ] &&
		echo "$2" | grep -q "gamma.conf:1: the double quote opened here is not closed"' \
	- "$rc" "$err"
rm "$CONF/script.d/gamma.stp" "$CONF/conf.d/gamma.conf"
err=$("$TAPCTL" service start delta 2>&1)
rc=$?
check "a missing script is refused with one line" \
	sh -c '[ "$1" -eq 1 ] && [ "$(echo "$2" | wc -l)" -eq 1 ] &&
		echo "$2" | grep -q "^tapctl: delta: no script delta.stp in "' - "$rc" "$err"
echo 'gamma_OPT="-m other"' >"$CONF/conf.d/gamma.conf"
echo 'probe begin { }' >"$CONF/script.d/gamma.stp"
err=$("$TAPCTL" service start gamma 2>&1)
check "an option the service sets itself is refused with one line" \
	sh -c '[ "$(echo "$1" | wc -l)" -eq 1 ] && echo "$1" | grep -q "gamma.conf:1: .*-m"' \
	- "$err"
rm "$CONF/script.d/gamma.stp" "$CONF/conf.d/gamma.conf"
check "after the refusals both still record" \
	sh -c '"$1" service status | grep -q "^alpha: recording" &&
		"$1" service status | grep -q "^beta: recording"' - "$TAPCTL"

# stop NAME stops that one only
out=$("$TAPCTL" service stop alpha 2>&1)
check "stop alpha says so" sh -c 'echo "$1" | grep -q "^alpha: stopped"' - "$out"
st=$("$TAPCTL" service status)
check "only alpha stopped" \
	sh -c 'echo "$1" | grep -q "^alpha: stopped" && echo "$1" | grep -q "^beta: recording"' \
	- "$st"
before=$(lines_in "$TMP/log/alpha.log.*" "^alpha ")
b12=$(grep -c '^beta v2 [12]$' "$TMP/log/beta.log.1")
"$SGEN" getppid 4
"$SGEN" seqwrite 2 0
wait_until 10 '[ "$(grep -c "^beta v2 [12]\$" "$TMP/log/beta.log.1")" -ge $((b12 + 2)) ]'
check "beta records on (its 2 new events)" \
	test "$(grep -c '^beta v2 [12]$' "$TMP/log/beta.log.1")" -eq $((b12 + 2))
check "alpha records no more (still $before lines)" \
	test "$(lines_in "$TMP/log/alpha.log.*" "^alpha ")" -eq "$before"
# alpha stopped on purpose: the next hub does not bring it back
hub_stop TERM
hub_start
wait_until 30 '"$TAPCTL" service status | grep -q "^beta: recording"'
check "after a restart the stopped alpha stays stopped, beta is back" \
	sh -c '"$1" service status | grep -q "^alpha: stopped" &&
		"$1" service status | grep -q "^beta: recording"' - "$TAPCTL"
# relay_host: a script joins an existing host (an admin's shared recorder)
# and leaves it as it found it; start_at_boot no: started by name only
"$TAPCTL" host create shared --class main=4M:overwrite >/dev/null
cat >"$CONF/script.d/delta.stp" <<EOF
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "$SG") printf("delta %d\n", pid()) }
EOF
printf 'relay_host=shared\nstart_at_boot=no\n' >"$CONF/conf.d/delta.conf"
out=$("$TAPCTL" service start 2>&1)
check "start without names leaves a start_at_boot no script alone" \
	sh -c '! echo "$1" | grep -q "^delta:"' - "$out"
out=$("$TAPCTL" service start delta 2>&1)
check "a relay_host script joins that host" \
	sh -c 'echo "$1" | grep -q "^delta: recording (session svc_delta_1, host shared)"' - "$out"
"$SGEN" getppid 4
wait_until 10 '[ "$(records_in shared main)" -ge 4 ]'
check "its 4 events are in the shared host" test "$(records_in shared main)" -eq 4
"$TAPCTL" service stop delta >/dev/null 2>&1
check "stopping it leaves the shared host" sh -c '"$1" list | grep -q "^host shared "' - "$TAPCTL"
"$TAPCTL" host destroy shared >/dev/null 2>&1
rm "$CONF/script.d/delta.stp" "$CONF/conf.d/delta.conf"

out=$("$TAPCTL" service restart beta 2>&1)
check "restart beta stops and starts it" \
	sh -c 'echo "$1" | grep -q "^beta: stopped" && echo "$1" | grep -q "^beta: recording"' \
	- "$out"
# a crash (kill -9): the next hub resumes the service's scripts all the same
hub_stop KILL
hub_start
wait_until 30 '"$TAPCTL" service status | grep -q "^beta: recording"'
check "after a crash of the hub beta records again" \
	sh -c '"$1" service status beta | grep -q "^beta: recording"' - "$TAPCTL"
err=$("$TAPCTL" service status nosuch 2>&1)
check "status of a script that does not exist says so, one line" \
	sh -c '[ "$(echo "$1" | wc -l)" -eq 1 ] && echo "$1" | grep -q "nosuch: no script nosuch.stp"' \
	- "$err"
"$TAPCTL" service stop >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
