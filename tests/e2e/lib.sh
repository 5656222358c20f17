# SPDX-License-Identifier: MIT
#
# lib.sh - what every end-to-end test file sources.
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
# Environment (run.sh sets it; a file run by hand gets defaults):
#   TAP_E2E_BUILD  the build directory (build/tap, build/tests/e2e/gen);
#                  else the file's first argument, else build/
#   TAPHUB_CACHE   the compile cache; private per run, so compiles are cold
#   E2E_TIMEOUT    seconds a single tap run may take (default 60)
#
# Scripts with expected outputs live in tests/e2e/lang/: NAME.stp, NAME.out
# (exact stdout), optionally NAME.err (exact stderr) and NAME.rc (exit
# status, 0 when missing).  The expected files are written from
# SystemTap's documented semantics, not from what tap prints.

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
. "$E2E_DIR/wait_lib.sh"
LANG_DIR=$E2E_DIR/lang
E2E_FILE=$(basename "$0" .sh)
: "${TAP_E2E_BUILD:=${1:-$E2E_DIR/../../build}}"
TAP_E2E_BUILD=$(cd "$TAP_E2E_BUILD" && pwd)
TAP=$TAP_E2E_BUILD/tap
GEN=$TAP_E2E_BUILD/tests/e2e/gen
: "${E2E_TIMEOUT:=60}"

E2E_PASS=0
E2E_FAIL=0
E2E_XFAIL=0

# Everything a test makes lives in $TMP; child processes started with
# `bg_start` are remembered and killed at exit, on failure too.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tap-e2e-$E2E_FILE.XXXXXX") || exit 1
: "${TAPHUB_CACHE:=$TMP/cache}"
export TAPHUB_CACHE
E2E_PIDS=

e2e_cleanup() {
	for p in $E2E_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $E2E_PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM HUP

skip() {
	echo "SKIP $E2E_FILE: $*"
	exit 77
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

finish() {
	echo "# $E2E_FILE: $E2E_PASS passed, $E2E_FAIL failed, $E2E_XFAIL known bugs"
	[ "$E2E_FAIL" = 0 ]
	exit $?
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

# bg_start CMD...: start a helper in the background ($! is its pid),
# killed at exit
bg_start() {
	"$@" &
	E2E_PIDS="$E2E_PIDS $!"
}
