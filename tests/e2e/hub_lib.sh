# Shared by the hub tests (sourced): a private taphubd per test, named
# assertions, and cleanup that runs however the test ends.
#
#   . tests/e2e/hub_lib.sh      (with $B = the build dir)
#   hub_start                   a taphubd on $HUBDIR/hub.sock, state in $HUBDIR/state
#   ok NAME / bad NAME WHY      record an assertion
#   finish                      print the summary, exit 0/1
#
# Everything the test starts is registered with track_pid and killed by pid
# at exit; $HUBDIR is removed.

. "$(dirname "$0")/wait_lib.sh"

B=${1:-${B:-build}}
B=$(cd "$B" && pwd)
TAP=$B/tap
TAPCTL=$B/tapctl
GEN=$B/tests/e2e/gen
HUBDIR=$(mktemp -d /tmp/taphub-e2e.XXXXXX)
chmod 755 "$HUBDIR"
export TAPHUB_SOCKET=$HUBDIR/hub.sock
export TAPHUB_CACHE=${TAPHUB_CACHE:-$HUBDIR/cache}
NPASS=0
NFAIL=0
PIDS=""
TEST=$(basename "$0" .sh)

track_pid() {
	PIDS="$PIDS $1"
}

cleanup() {
	# a test's own undo steps (umount ...), set in ON_EXIT
	[ -n "${ON_EXIT:-}" ] && eval "$ON_EXIT"
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "${HUBPID:-}" ]; then
		kill "$HUBPID" 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$HUBPID" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$HUBPID" 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] && echo "kept $HUBDIR" || rm -rf "$HUBDIR"
}
trap cleanup EXIT INT TERM

ok() {
	NPASS=$((NPASS + 1))
	echo "PASS $TEST: $1"
}

bad() {
	NFAIL=$((NFAIL + 1))
	echo "FAIL $TEST: $1${2:+ ($2)}"
}

check() { # check NAME COMMAND...: PASS when the command succeeds
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

hub_start() {
	"$B/taphubd" -f --socket "$TAPHUB_SOCKET" --state-dir "$HUBDIR/state" "$@" \
		>"$HUBDIR/hub.log" 2>&1 &
	HUBPID=$!
	# ready when it answers: a killed hub's socket file may still be there
	for i in $(seq 50); do
		[ -S "$TAPHUB_SOCKET" ] && "$B/tapctl" list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "taphubd did not start:"
	cat "$HUBDIR/hub.log"
	exit 1
}

hub_alive() {
	kill -0 "$HUBPID" 2>/dev/null
}

# attach for SECONDS and save what came to FILE
attach_for() { # attach_for SECONDS FILE NAME [tap options...]
	secs=$1
	file=$2
	shift 2
	timeout -s INT "$secs" "$TAP" -A "$@" >"$file" 2>"$file.err"
	return 0
}

# wait_until SECONDS 'SHELL CONDITION': poll every 20 ms until it holds
wait_until() {
	_t=$(($1 * 50))
	while [ "$_t" -gt 0 ]; do
		eval "$2" && return 0
		sleep 0.02
		_t=$((_t - 1))
	done
	return 1
}

# sig_pending PID SIGNUM: true while PID has SIGNUM pending (it reads its
# signals from a signalfd: pending until the loop takes it)
sig_pending() {
	_m=$(awk '/^(ShdPnd|SigPnd):/ { printf "%s ", $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	for _x in $_m; do
		[ $(((0x$_x >> ($2 - 1)) & 1)) = 1 ] && return 0
	done
	return 1
}

# seq_ok FILE FIRST LAST: FILE's numbered lines are exactly FIRST..LAST
seq_ok() {
	grep '^[0-9]' "$1" | awk -v a="$2" -v b="$3" '
		$1 + 0 != a + NR - 1 { print "line " NR ": " $1 " where " a + NR - 1 " was due"; bad = 1; exit }
		END { if (!bad && a + NR - 1 != b) { print "ends at " a + NR - 1 ", not " b; bad = 1 } exit bad }'
}

# the bpffs directory of a state dir's ring pins (hub/daemon.c setup_crash_state)
pins_of() {
	echo "/sys/fs/bpf/taphub/s$(printf %x "$(stat -c %d "$1")")_$(printf %x "$(stat -c %i "$1")")"
}

finish() {
	echo "$TEST: $NPASS passed, $NFAIL failed"
	if [ $NFAIL -ne 0 ]; then
		echo "--- taphubd log"
		tail -30 "$HUBDIR/hub.log"
		exit 1
	fi
	exit 0
}
