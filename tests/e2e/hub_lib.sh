# SPDX-License-Identifier: MIT
#
# hub_lib.sh - lib.sh, and a private taphubd for the tests of the hub:
#
#   . "$(dirname "$0")/hub_lib.sh"
#   hub_start [OPTIONS]      a taphubd on $TAPHUB_SOCKET, state in $HUB_STATE,
#                            log in $HUB_LOG; returns once it answers
#   hub_stop [SIGNAL]        signal it (TERM) and wait for it to exit
#   attach_until SECS FILE 'CONDITION' NAME [tap -A options]
#                            tap -A NAME into FILE until CONDITION holds
#   as USER COMMAND...       COMMAND as USER (setpriv), on this hub
#   as_for SECS USER CMD...  the same, ended (SIGINT) after SECS
#   records_in NAME [CLASS]  the records class CLASS (default) of host or
#                            session NAME holds, from tapctl list
#   arrived_in NAME [CLASS]  every record that came to it: kept,
#                            overwritten or lost
#
# and lib.sh's assertions (pass, fail, check, finish), waits (wait_until)
# and cleanup: the hub is killed by pid at exit like any process the test
# started, its kernel ring pins under /sys/fs/bpf are removed, and its log
# is shown when an assertion failed.

. "$(dirname "$0")/lib.sh"
require_kernel
[ -x "$TAPHUBD" ] || skip "no $TAPHUBD: build it first"

# members of group taphub (hub_access.sh) reach the socket in $TMP
chmod 755 "$TMP"
TAPHUB_SOCKET=$TMP/hub.sock
export TAPHUB_SOCKET
HUB_STATE=$TMP/state
HUB_LOG=$TMP/hub.log
HUBPID=
E2E_SHOW_ON_FAIL="$E2E_SHOW_ON_FAIL $HUB_LOG"

# pins_of STATE_DIR: the bpffs directory of a state dir's kernel ring pins
# (hub/daemon.c setup_crash_state)
pins_of() {
	echo "/sys/fs/bpf/taphub/s$(printf %x "$(stat -c %d "$1")")_$(printf %x "$(stat -c %i "$1")")"
}

hub_start() {
	"$TAPHUBD" -f --socket "$TAPHUB_SOCKET" --state-dir "$HUB_STATE" "$@" >"$HUB_LOG" 2>&1 &
	HUBPID=$!
	track_pid $HUBPID
	# ready when it answers: a killed hub's socket file may still be there
	if ! wait_until 10 '[ -S "$TAPHUB_SOCKET" ] && "$TAPCTL" list >/dev/null 2>&1'; then
		fail "taphubd starts" "$(tail -n 30 "$HUB_LOG")"
		finish
	fi
	case " $E2E_PATHS " in
	*" $(pins_of "$HUB_STATE") "*) ;;
	*) cleanup_path "$(pins_of "$HUB_STATE")" ;;
	esac
}

# hub_stop [SIGNAL]: TERM is a clean stop, as systemctl stop does; KILL a crash
hub_stop() {
	kill -"${1:-TERM}" "$HUBPID"
	wait_until 30 "gone $HUBPID" || kill -9 "$HUBPID"
	wait "$HUBPID" 2>/dev/null
	HUBPID=
}

# as USER COMMAND...: run COMMAND as USER (group nogroup and USER's own
# groups), with a compile cache of its own in $TMP, on this hub's socket
as() {
	_as_u=$1
	shift
	setpriv --reuid "$_as_u" --regid nogroup --init-groups env HOME="$TMP" \
		TAPHUB_CACHE="$TMP/cache-$_as_u" TAPHUB_SOCKET="$TAPHUB_SOCKET" "$@"
}

# as_for SECONDS USER COMMAND...: as, ended by SIGINT after SECONDS.
# timeout runs as root around setpriv: a timeout of another user's making
# could signal this shell's process group
as_for() {
	_as_s=$1 _as_u=$2
	shift 2
	timeout -s INT "$_as_s" setpriv --reuid "$_as_u" --regid nogroup --init-groups \
		env HOME="$TMP" TAPHUB_CACHE="$TMP/cache-$_as_u" TAPHUB_SOCKET="$TAPHUB_SOCKET" "$@"
}

hub_alive() {
	[ -n "$HUBPID" ] && ! gone "$HUBPID"
}

# attach_until SECONDS FILE 'CONDITION' NAME [tap -A options]: attach to
# NAME, its output in FILE (stderr in FILE.err), until the shell CONDITION
# holds; then detach (SIGINT).  Fails (1) when SECONDS pass first.
attach_until() {
	_au_secs=$1 _au_file=$2 _au_cond=$3
	shift 3
	"$TAP" -A "$@" >"$_au_file" 2>"$_au_file.err" &
	_au_pid=$!
	track_pid $_au_pid
	wait_until "$_au_secs" "$_au_cond"
	_au_st=$?
	kill -INT "$_au_pid" 2>/dev/null
	wait "$_au_pid"
	return $_au_st
}

# records_in NAME [CLASS]: how many records class CLASS (default) of host
# NAME (a session is a host of its own) holds, from tapctl list (RECORDS
# counts the overwritten too); arrived_in: every record that came to it,
# kept, overwritten or lost (the hub adds the kernel ring's losses on its
# tick)
records_in() {
	_class_count "$1" "${2:-default}" 'e["records"] - e["overwritten"]'
}
arrived_in() {
	_class_count "$1" "${2:-default}" 'e["records"] + e["lost"]'
}
_class_count() {
	"$TAPCTL" --json list 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["kind"] == "class" and e["host"] == sys.argv[1] and e["name"] == sys.argv[2]:
        print(eval(sys.argv[3]))' "$@"
}

# session_listed NAME REGEX: tapctl list has session NAME's line and it
# matches REGEX ('recording', 'runner gone')
session_listed() {
	"$TAPCTL" list 2>/dev/null | grep -q "^$1 .*$2"
}
