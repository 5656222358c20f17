# SPDX-License-Identifier: MIT
#
# lib.sh - what every end-to-end test file sources (the hub tests through
# hub_lib.sh, which adds a private taphubd).
#
# A test file is a sh script, one per feature, that runs the real `tap`
# against the real kernel and prints one line per named assertion:
#
#   PASS <file>: <name>
#   FAIL <file>: <name>           followed by indented details
#   XFAIL <file>: <name> (<bug>)  a known bug in a part of the tree the
#                                 test does not own; an XPASS is a failure,
#                                 so a fixed bug gets its test promoted
#
# It ends with `finish`, which exits 1 when an assertion failed.  A file
# that cannot run on this machine calls `skip "reason"` (exit 77).
#
# Synchronisation: a test waits for a condition it can see (a line in a
# file, a process blocked in its event loop, a signal taken, the hub's
# answer), with wait_until, never for a fixed time.  A sleep that remains
# says at its line why no condition can stand for it.
#
# Several runs may share the machine (developers run tests while others
# do): a script that selects events system-wide selects this run's own
# (ppid() == $$, or execname() of a gen copy named by own_gen), and what
# is the machine's (a group, a mount's options) is taken under a lock.
#
# Cleanup: every process a test starts in the background is registered
# (bg_start, track_pid) and killed by pid at exit -- on failure, on a
# signal and on the file's time limit too -- never by name; steps of its
# own (umount, userdel) go in with on_exit; $TMP and the paths given to
# cleanup_path are removed last.
#
# Environment (run.sh sets it; a file run by hand gets defaults):
#   TAP_E2E_BUILD     the build directory (build/tap, build/tests/e2e/gen);
#                     else the file's first argument, else build/
#   TAPHUB_CACHE      the compile cache; private per run, so compiles are cold
#   E2E_TIMEOUT       seconds a single tap run may take (default 60)
#   E2E_FILE_TIMEOUT  seconds the whole file may take (default 600): then
#                     it is stopped, and what it started is cleaned up
#
# Scripts with expected outputs live in tests/e2e/lang/: NAME.stp, NAME.out
# (exact stdout), optionally NAME.err (exact stderr) and NAME.rc (exit
# status, 0 when missing).  The expected files are written from
# SystemTap's documented semantics, not from what tap prints.

: "${E2E_FILE_TIMEOUT:=600}"
# The file's time limit: run it again under timeout(1), which makes it a
# process group of its own and, when the time is up, sends SIGTERM to the
# whole group (the trap below cleans up) and SIGKILL 10 s later.
if [ -z "${E2E_LIMITED:-}" ]; then
	E2E_LIMITED=$(date +%s)
	export E2E_LIMITED E2E_FILE_TIMEOUT
	exec timeout -k 10 "$E2E_FILE_TIMEOUT" sh "$0" "$@"
fi

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
. "$E2E_DIR/wait_lib.sh"
LANG_DIR=$E2E_DIR/lang
E2E_FILE=$(basename "$0" .sh)
: "${TAP_E2E_BUILD:=${1:-$E2E_DIR/../../build}}"
TAP_E2E_BUILD=$(cd "$TAP_E2E_BUILD" && pwd)
TAP=$TAP_E2E_BUILD/tap
TAPCTL=$TAP_E2E_BUILD/tapctl
TAPHUBD=$TAP_E2E_BUILD/taphubd
TAP_READ=$TAP_E2E_BUILD/tap-read
GEN=$TAP_E2E_BUILD/tests/e2e/gen
HUBCONN=$TAP_E2E_BUILD/tests/e2e/hubconn
: "${E2E_TIMEOUT:=60}"

E2E_PASS=0
E2E_FAIL=0
E2E_XFAIL=0

# Everything a test makes lives in $TMP.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tap-e2e-$E2E_FILE.XXXXXX") || exit 1
: "${TAPHUB_CACHE:=$TMP/cache}"
export TAPHUB_CACHE
E2E_PIDS=
E2E_ON_EXIT=
E2E_PATHS=
E2E_SHOW_ON_FAIL=

# track_pid PID...: kill PID at exit (a child of this shell)
track_pid() {
	E2E_PIDS="$E2E_PIDS $*"
}

# bg_start CMD...: start a helper in the background ($! is its pid),
# killed at exit
bg_start() {
	"$@" &
	E2E_PIDS="$E2E_PIDS $!"
}

# on_exit 'COMMANDS': run at exit, before the processes are killed (a hub
# still answers), the last registered first
on_exit() {
	E2E_ON_EXIT="$1
$E2E_ON_EXIT"
}

# cleanup_path PATH...: remove at exit, once the processes are gone
cleanup_path() {
	E2E_PATHS="$E2E_PATHS $*"
}

# ours PID: PID is a child of this shell that has not been reaped.  A pid
# the test already waited for may belong to anyone by now: never signal it.
ours() {
	[ "$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "/proc/$1/stat" 2>/dev/null)" = $$ ]
}

# gone PID: PID has exited (a zombie counts: it runs no more)
gone() {
	! grep -q '^State:[[:space:]]*[^Z]' "/proc/$1/status" 2>/dev/null
}

# tree PID: PID and its descendants, parents first
tree() {
	echo "$1"
	for _t in /proc/$1/task/*/children; do
		for _c in $(cat "$_t" 2>/dev/null); do
			tree "$_c"
		done
	done
}

# stop_pids SECONDS PID...: SIGTERM to each PID that is a child of this
# shell, and to what it started in turn (a subshell's commands outlive
# it); SECONDS for them to exit, then SIGKILL; the children are reaped.
stop_pids() {
	_sp_secs=$1
	shift
	_sp= _st=
	for _p; do
		ours "$_p" && _sp="$_sp $_p" && _st="$_st $(tree "$_p")"
	done
	[ -n "$_sp" ] || return 0
	kill $_st 2>/dev/null
	for _p in $_st; do
		wait_until "$_sp_secs" "gone $_p" >/dev/null || kill -9 "$_p" 2>/dev/null
	done
	wait $_sp 2>/dev/null
	return 0
}

e2e_cleanup() {
	trap - EXIT INT TERM HUP
	eval "$E2E_ON_EXIT"
	stop_pids 5 $E2E_PIDS
	rm -rf "$TMP" $E2E_PATHS
}
trap e2e_cleanup EXIT
# A signal ends the file (the EXIT trap cleans up).  SIGTERM is also what
# timeout(1) sends when the file's time is up: say so.
e2e_signal() {
	if [ "$1" = TERM ] && [ $(($(date +%s) - E2E_LIMITED)) -ge "$E2E_FILE_TIMEOUT" ]; then
		echo "FAIL $E2E_FILE: the file did not finish in its ${E2E_FILE_TIMEOUT} s (E2E_FILE_TIMEOUT)"
	fi
	exit 130
}
trap 'e2e_signal INT' INT
trap 'e2e_signal TERM' TERM
trap 'e2e_signal HUP' HUP

skip() {
	echo "SKIP $E2E_FILE: $*"
	exit 77
}

# require_cmd CMD...: skip unless every CMD is installed
require_cmd() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 || skip "needs $_c"
	done
}

# The machine must be able to run eBPF at all: root and a tracefs.
require_kernel() {
	[ "$(id -u)" = 0 ] || skip "needs root (loads eBPF programs)"
	[ -x "$TAP" ] || skip "no $TAP: build it first"
	[ -d /sys/kernel/tracing/events ] || [ -d /sys/kernel/debug/tracing/events ] ||
		skip "no tracefs mounted (mount -t tracefs none /sys/kernel/tracing)"
}

pass() {
	E2E_PASS=$((E2E_PASS + 1))
	echo "PASS $E2E_FILE: $1"
}

# fail NAME [DETAIL...]: details are indented under the FAIL line.
fail() {
	E2E_FAIL=$((E2E_FAIL + 1))
	echo "FAIL $E2E_FILE: $1"
	shift
	for d in "$@"; do
		printf '%s\n' "$d" | sed 's/^/    /'
	done
}

# xfail NAME BUG CONDITION...: CONDITION is a command that succeeds when
# the feature works.  Known-broken features owned elsewhere are recorded
# here with a one-line reason instead of failing the run.
xfail() {
	_n=$1
	_bug=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		fail "$_n" "XPASS: the known bug is fixed ($_bug): make this a plain assertion"
	else
		E2E_XFAIL=$((E2E_XFAIL + 1))
		echo "XFAIL $E2E_FILE: $_n ($_bug)"
	fi
}

# check NAME COMMAND...: PASS when the command succeeds
check() {
	_n=$1
	shift
	if "$@"; then
		pass "$_n"
	else
		fail "$_n" "this failed: $*"
	fi
}

finish() {
	echo "# $E2E_FILE: $E2E_PASS passed, $E2E_FAIL failed, $E2E_XFAIL known bugs"
	if [ "$E2E_FAIL" != 0 ]; then
		for _f in $E2E_SHOW_ON_FAIL; do
			[ -s "$_f" ] && echo "--- the last lines of $_f:" && tail -n 30 "$_f"
		done
		exit 1
	fi
	exit 0
}

# Show a file in failure details, at most 40 lines.
show() {
	if [ -s "$1" ]; then
		echo "--- $2:"
		head -n 40 "$1"
	fi
}

# tap_run BASE TAP-ARGS...: run tap with a time limit; stdout, stderr and
# the exit status go to $TMP/BASE.out, .err and .rc.
tap_run() {
	_b=$TMP/$1
	shift
	timeout -k 5 "$E2E_TIMEOUT" "$TAP" "$@" >"$_b.out" 2>"$_b.err"
	echo $? >"$_b.rc"
}

# tap_start BASE TAP-ARGS...: tap_run in the background; TAP_PID is tap's
# pid (tap_attached $TAP_PID: its probes are in)
tap_start() {
	_b=$TMP/$1
	shift
	"$TAP" "$@" >"$_b.out" 2>"$_b.err" &
	TAP_PID=$!
	track_pid $TAP_PID
}

# tap_wait BASE: wait for the tap of tap_start BASE to end (E2E_TIMEOUT
# seconds at most, then it is killed); its status goes to BASE.rc
tap_wait() {
	wait_until "$E2E_TIMEOUT" "gone $TAP_PID" || kill -9 "$TAP_PID" 2>/dev/null
	wait "$TAP_PID"
	echo $? >"$TMP/$1.rc"
}

# out/err/rc of the last run of BASE
out() { cat "$TMP/$1.out"; }
err() { cat "$TMP/$1.err"; }
rc() { cat "$TMP/$1.rc"; }

# The details for a failed run: status, stderr, stdout.
run_details() {
	echo "exit status $(rc "$1")"
	show "$TMP/$1.err" stderr
	show "$TMP/$1.out" stdout
}

# check_lang NAME [TAP-OPTIONS...] [-- SCRIPT-ARGS...]: run lang/NAME.stp
# and compare with lang/NAME.out (and .err, .rc when present).
check_lang() {
	_name=$1
	shift
	# tap's options, then "--" (the script's arguments may begin with '-',
	# as in stap), the script and its arguments
	_cmd=
	_placed=0
	for _a; do
		if [ $_placed = 0 ] && [ "$_a" = -- ]; then
			_cmd="$_cmd -- $(_q "$LANG_DIR/$_name.stp")"
			_placed=1
			continue
		fi
		_cmd="$_cmd $(_q "$_a")"
	done
	[ $_placed = 0 ] && _cmd="$_cmd -- $(_q "$LANG_DIR/$_name.stp")"
	eval "tap_run $(_q "$_name") $_cmd"

	_want_rc=0
	[ -f "$LANG_DIR/$_name.rc" ] && _want_rc=$(cat "$LANG_DIR/$_name.rc")
	_why=
	if ! cmp -s "$TMP/$_name.out" "$LANG_DIR/$_name.out"; then
		_why="stdout differs (- expected, + got):
$(diff -u "$LANG_DIR/$_name.out" "$TMP/$_name.out" | sed 1,2d | head -n 60)"
	fi
	if [ -f "$LANG_DIR/$_name.err" ] && ! cmp -s "$TMP/$_name.err" "$LANG_DIR/$_name.err"; then
		_why="$_why
stderr differs (- expected, + got):
$(diff -u "$LANG_DIR/$_name.err" "$TMP/$_name.err" | sed 1,2d | head -n 30)"
	fi
	if [ "$(rc "$_name")" != "$_want_rc" ]; then
		_why="$_why
exit status $(rc "$_name"), expected $_want_rc"
	fi
	if [ -z "$_why" ]; then
		pass "$_name"
	else
		fail "$_name" "$_why" "$(show "$TMP/$_name.err" stderr)"
	fi
}

# shell-quote one word
_q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# assert_eq NAME GOT WANT
assert_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', expected '$3'"
	fi
}

# assert_range NAME GOT LO HI: an integer in [LO, HI]
assert_range() {
	case $2 in
	'' | *[!0-9-]*)
		fail "$1" "got '$2', expected a number in [$3, $4]"
		return
		;;
	esac
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		pass "$1"
	else
		fail "$1" "got $2, expected a number in [$3, $4]"
	fi
}

# assert_grep NAME FILE REGEX: FILE has a line matching the basic regex
assert_grep() {
	if grep -q -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "no line matching '$3' in $(basename "$2")" "$(show "$2" "$(basename "$2")")"
	fi
}

# assert_no_grep NAME FILE REGEX
assert_no_grep() {
	if grep -q -- "$3" "$2"; then
		fail "$1" "unexpected line matching '$3':" "$(grep -- "$3" "$2" | head -n 5)"
	else
		pass "$1"
	fi
}

# assert_ok NAME BASE: the run BASE exited 0 with an empty stderr
assert_ok() {
	if [ "$(rc "$2")" = 0 ] && [ ! -s "$TMP/$2.err" ]; then
		pass "$1"
	else
		fail "$1" "$(run_details "$2")"
	fi
}

# assert_ok_skips NAME BASE: as assert_ok, but stderr may say that some
# probes were skipped.  For system-wide probes on events that also fire in
# interrupts (slab frees in softirq): one that interrupts the program on
# its CPU is skipped by the kernel, and tap says so, as stap does.
assert_ok_skips() {
	if [ "$(rc "$2")" = 0 ] &&
		! grep -qv '^WARNING: Number of errors: 0, skipped probes: [0-9]*$' "$TMP/$2.err"; then
		pass "$1"
	else
		fail "$1" "$(run_details "$2")"
	fi
}

# assert_rc NAME BASE WANT: exit status of run BASE
assert_rc() {
	if [ "$(rc "$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected exit status $3" "$(run_details "$2")"
	fi
}

# value KEY BASE: the number after "KEY=" on stdout of run BASE
value() {
	sed -n "s/^$1=\\(-\\{0,1\\}[0-9][0-9]*\\)\$/\\1/p" "$TMP/$2.out" | head -n 1
}

# ---- waiting for a condition ------------------------------------------------

# wait_until SECONDS 'CONDITION': evaluate the shell CONDITION until it
# holds (status 0) or SECONDS have passed (status 1, and a line saying what
# was waited for, for how long).  Its stderr is dropped: a file it reads
# may not exist yet.  Expand the caller's own $1.. before passing them.
wait_until() {
	_wait_until "$(($(date +%s) + $1))" "$@"
}
# END SECONDS CONDITION (positional parameters: a condition may wait too)
_wait_until() {
	while ! eval "$3" 2>/dev/null; do
		if [ "$(date +%s)" -gt "$1" ]; then
			echo "# waited $2 s in vain for: $3"
			return 1
		fi
		# The harness's one polling interval: the conditions are files,
		# /proc and the hub's answers, which nothing signals to a shell.
		sleep 0.02
	done
}

# sig_pending PID SIGNUM: true while PID has SIGNUM pending (it reads its
# signals from a signalfd: pending until its loop takes it)
sig_pending() {
	_m=$(awk '/^(ShdPnd|SigPnd):/ { printf "%s ", $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	for _x in $_m; do
		[ $(((0x$_x >> ($2 - 1)) & 1)) = 1 ] && return 0
	done
	return 1
}

# waits_in PID WHAT: PID sleeps in the kernel in WHAT, a regex of kernel
# function names (/proc/PID/wchan): 'poll' for poll(2), 'epoll' for
# epoll_wait(2); what a loop does when it has nothing to do
waits_in() {
	case $2 in
	epoll) set -- "$1" 'ep_poll|do_epoll_wait' ;;
	poll) set -- "$1" 'do_sys_poll|do_poll|poll_schedule_timeout' ;;
	esac
	grep -Eq "^($2)" "/proc/$1/wchan" 2>/dev/null
}

# tap_attached PID: the foreground tap PID has attached its probes: it
# runs its begin probes, attaches, then waits for events in epoll_wait,
# which it calls nowhere before (hub/local.c)
tap_attached() {
	waits_in "$1" epoll
}

# count_of FILE REGEX: how many lines of FILE match (0 when it is missing)
count_of() {
	_c=$(grep -c -- "$2" "$1" 2>/dev/null)
	echo "${_c:-0}"
}

# seq_ok FILE FIRST LAST: FILE's numbered lines are exactly FIRST..LAST
seq_ok() {
	grep '^[0-9]' "$1" | awk -v a="$2" -v b="$3" '
		$1 + 0 != a + NR - 1 { print "line " NR ": " $1 " where " a + NR - 1 " was due"; bad = 1; exit }
		END { if (!bad && a + NR - 1 != b) { print "ends at " a + NR - 1 ", not " b; bad = 1 } exit bad }'
}

# own_gen NAME: a copy of gen named NAME$$ in $TMP; prints its path.  A
# script that selects its events by execname() counts only this run's:
# other test runs on the machine run gen too.  (execname() is at most 15
# characters.)
own_gen() {
	cp "$GEN" "$TMP/$1$$" && chmod 755 "$TMP/$1$$" && echo "$TMP/$1$$"
}

# release FIFO: let go a process waiting in `read _ <FIFO` (10 s at most
# for it to open the FIFO)
release() {
	timeout 10 sh -c 'echo go >"$1"' sh "$1"
}
