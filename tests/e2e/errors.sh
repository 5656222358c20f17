#!/bin/sh
# Error-case tests: scripts tap must refuse, with the message a user needs.
#
#   sh tests/e2e/errors.sh [BUILD_DIR] [NAME...]
#
# For each tests/e2e/errors/NAME.stp, tap runs from that directory as
#
#   tap OPTS NAME.stp ARGS
#
# where OPTS is NAME.opts if it exists (e.g. "-p4" for errors only a later
# pass finds, "-g -p2"), else "-p2", and ARGS is NAME.args (script
# arguments) if it exists.  Named assertions, each of which fails the case:
#
#   exit-1       tap exits with status 1 (not 0, not a signal, not a hang:
#                it is killed after 20 s)
#   no-sanitizer stderr has no ASan/UBSan/LSan report (TAP may name a
#                sanitizer build of tap)
#   first-line   stderr's first line is exactly NAME.err
#   source-line  for a located error (NAME.stp:L:C: ...), the next line is
#                line L of the script, indented by four spaces
#   caret        and the line after is a caret, indented to column C
#   pass-failed  stderr ends with "Pass N: failed."
#
# Set ERRORS_UPDATE=1 to (re)write NAME.err from tap's current output
# instead of checking it: review the diff before committing it.
set -u

build=${1:-build}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/errors
tap=${TAP:-$(cd "$build" 2>/dev/null && pwd)/tap}
if [ ! -x "$tap" ]; then
	echo "errors.sh: $tap is not built" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/tap-errors.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
failed_names=

# Exact text of the expected caret line: four spaces, then the script
# line's first C-1 characters with every non-tab turned into a space.
caret_for() {
	awk -v L="$1" -v C="$2" 'NR == L {
		s = "    "
		for (i = 1; i < C && i <= length($0); i++)
			s = s (substr($0, i, 1) == "\t" ? "\t" : " ")
		print s "^"
		exit
	}' "$3"
}

check() {
	name=$1
	stp=$dir/$name.stp
	opts=-p2
	args=
	[ -f "$dir/$name.opts" ] && opts=$(cat "$dir/$name.opts")
	[ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
	out=$tmp/$name.out
	err=$tmp/$name.stderr
	# shellcheck disable=SC2086
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1 timeout -k 5 20 "$tap" $opts "$name.stp" \
		$args >"$out" 2>"$err")
	rc=$?
	why=
	if [ "${ERRORS_UPDATE:-0}" = 1 ]; then
		head -n 1 "$err" >"$dir/$name.err"
	fi
	if [ ! -f "$dir/$name.err" ]; then
		why="missing $name.err"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		why="exit-1: tap hung (killed after 20 s)"
	elif [ $rc -gt 128 ]; then
		why="exit-1: tap died of signal $((rc - 128))"
	elif [ $rc -ne 1 ]; then
		why="exit-1: tap exited $rc"
	elif grep -qE 'Sanitizer|runtime error:' "$err"; then
		why="no-sanitizer: $(grep -m1 -E 'Sanitizer|runtime error:' "$err")"
	else
		want=$(cat "$dir/$name.err")
		got=$(head -n 1 "$err")
		if [ "$got" != "$want" ]; then
			why="first-line:
	want: $want
	got:  $got"
		else
			loc=$(printf '%s\n' "$want" | sed -n "s/^$name\.stp:\([0-9]*\):\([0-9]*\): error: .*/\1 \2/p")
			if [ -n "$loc" ]; then
				set -- $loc
				src=$(sed -n "${1}p" "$stp")
				if [ "$(sed -n 2p "$err")" != "    $src" ]; then
					why="source-line: line 2 of stderr is not line $1 of $name.stp"
				elif [ "$(sed -n 3p "$err")" != "$(caret_for "$1" "$2" "$stp")" ]; then
					why="caret: line 3 of stderr is not a caret under column $2"
				fi
			fi
			if [ -z "$why" ] && [ -n "$loc" ] &&
				! tail -n 1 "$err" | grep -qE '^Pass [0-9]: failed\.$'; then
				why="pass-failed: stderr does not end with 'Pass N: failed.'"
			fi
		fi
	fi
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "PASS errors: $name"
	else
		fail=$((fail + 1))
		failed_names="$failed_names $name"
		echo "FAIL errors: $name: $why"
		sed 's/^/	| /' "$err" | head -n 12
	fi
}

if [ $# -gt 0 ]; then
	for n in "$@"; do
		check "$(basename "$n" .stp)"
	done
else
	for stp in "$dir"/*.stp; do
		check "$(basename "$stp" .stp)"
	done
fi
echo "errors: $pass passed, $fail failed${failed_names:+ (}${failed_names# }${failed_names:+)}"
[ $fail -eq 0 ]
