#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh STAP_SRC [BUILD] - run the SystemTap test scripts that tap
# compiles and that run for a bounded time, and compare what they print
# with what stap's testsuite expects (docs/compat.md).  Needs root and the
# output of classify.sh STAP_SRC BUILD in $OUT (the classes, and what the
# .exp files run: exp.tcl).
#
#   systemtap.base, stap_run with a check string: the script prints
#       "systemtap starting probe" in begin; then it gets SIGINT (its
#       process group, as stap_run does) and must print "systemtap ending
#       probe" and what the check (a regexp, usually "systemtap test
#       success") wants
#   systemtap.base, stap_run2/3 and stap_run_exact: the script ends by
#       itself; stdout then stderr must be the .exp's result_string, line
#       for line
#   systemtap.examples, the .meta's test_installcheck: line: the command
#       (stap is tap there) must exit 0, which is all stap's check.exp
#       asks: the examples have no expected output
#
# Each lands in one result, in $OUT/run.txt (RESULT, suite, file, detail,
# command):
#   matched     printed what stap must print (examples: exited 0)
#   different   ran, printed something else: where it differs
#   failed      did not start, exited with an error, or hit the time limit
#   not-run     not compiled by tap (its class), or the run needs what the
#               .exp builds or computes when it runs (a program, a pid)
#
# Every command runs with a time limit (TAP_RUN_TIMEOUT seconds, default
# 60, plus 20 for the end after SIGINT) in its own process group, which is
# killed when the limit passes.  Environment: TAP_COMPAT_ONLY (a grep -E
# pattern of script paths).

here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: run.sh STAP_SRC [BUILD]}
build=${2:-build}
tap=$(cd "$build" && pwd)/tap
out=${OUT:-/tmp/tap-compat}
limit=${TAP_RUN_TIMEOUT:-60}
ex=$src/testsuite/systemtap.examples
base=$src/testsuite/systemtap.base

[ "$(id -u)" = 0 ] || {
	echo "run.sh: the scripts load eBPF: run as root" >&2
	exit 2
}
[ -x "$tap" ] || {
	echo "run.sh: no $tap (make first)" >&2
	exit 2
}
[ -f "$out/classify.txt" ] && [ -f "$out/exp/exp.tsv" ] || {
	echo "run.sh: no $out/classify.txt (run classify.sh $src $build first)" >&2
	exit 2
}
TAPHUB_CACHE=${TAPHUB_CACHE:-$out/cache}
export TAPHUB_CACHE

# the scripts run in a copy of the suites made of symbolic links: what
# they write lands there, not in STAP_SRC; `stap` in a .meta command is tap
work=$(mktemp -d "$out/run.XXXXXX")
pid=
cleanup() {
	[ -z "$pid" ] || killgroup KILL
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp -rs "$(cd "$base" && pwd)" "$work/base"
cp -rs "$(cd "$ex" && pwd)" "$work/examples"
mkdir "$work/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$tap" >"$work/bin/stap"
chmod +x "$work/bin/stap"

# class FILE: the class classify.sh gave FILE (relative to testsuite/)
class() {
	awk -F'\t' -v f="$1" '$3 == f { print $1; exit }' "$out/classify.txt"
}

# alive PID: the process has not exited yet (a zombie has exited)
alive() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

# killgroup SIG: signal the process group of the run ($pid leads it);
# procps kill, as the shell's own may not take a negative id
killgroup() {
	env kill -s "$1" -- "-$pid" 2>/dev/null
}

# start CMD: run sh -c CMD in a new process group (pid and group id $pid)
# in $cwd, output in $work/out and $work/err
start() {
	(cd "$cwd" && PATH="$work/bin:$PATH" exec setsid sh -c "$1") \
		>"$work/out" 2>"$work/err" </dev/null &
	pid=$!
}

# finish SECONDS: wait that long for $pid to exit, then kill its group;
# status in $st (124: it was killed)
finish() {
	i=0
	while alive "$pid" && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive "$pid"; then
		killgroup KILL
		wait "$pid"
		st=124
	else
		wait "$pid"
		st=$?
	fi
	# what the command started (-c CMD) goes with it
	killgroup KILL
	pid=
}

firsterr() {
	{
		grep -h -m1 -E 'error|ERROR' "$work/err" "$work/out"
		grep -h -m1 . "$work/err" "$work/out"
	} | head -1 | cut -c1-200
}

# run_base FILE KIND WORDS: one systemtap.base test
run_base() {
	cwd=$work/base
	exp=$out/exp/expect/$(printf '%s' "${1#systemtap.base/}" | tr / %)
	if [ -f "$exp.re" ]; then
		# stap_run: SIGINT once it has started
		start "exec '$tap' $3"
		i=0
		while alive "$pid" && ! grep -q '^systemtap starting probe$' "$work/out" &&
			[ $i -lt $((limit * 10)) ]; do
			sleep 0.1
			i=$((i + 1))
		done
		killgroup INT
		finish 20
		cat "$work/err" >>"$work/out"
		: >"$work/err"
		set -- "$1" re "$exp.re"
	else
		start "exec '$tap' $3"
		finish "$limit"
		set -- "$1" out "$exp.out"
	fi
	if [ $st = 124 ]; then
		result=failed
		detail="no end within the time limit"
	elif detail=$(tclsh "$here/match.tcl" "$2" "$3" "$work/out" "$work/err"); then
		result=matched
		detail=
	elif [ -s "$work/out" ] || [ $st = 0 ]; then
		result=different
	else
		result=failed
		detail="exit status $st: $(firsterr)"
	fi
}

# run_example FILE COMMAND: one .meta test_installcheck command
run_example() {
	cwd=$work/examples/$(dirname "${1#systemtap.examples/}")
	start "$2"
	finish "$limit"
	if [ $st = 0 ]; then
		result=matched
		detail=
	elif [ $st = 124 ]; then
		result=failed
		detail="no end within the time limit"
	else
		result=failed
		detail="exit status $st: $(firsterr)"
	fi
}

report() { # report RESULT SUITE FILE DETAIL COMMAND
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5"
}

only() {
	if [ -n "${TAP_COMPAT_ONLY:-}" ]; then
		grep -E "$TAP_COMPAT_ONLY"
	else
		cat
	fi
}

# (a file, not a pipeline: the loop runs in this shell, whose trap kills
# the process group of a run that is under way)
awk -F'\t' '{ print "systemtap.base/" $1 "\t" $5 }' "$out/exp/exp.tsv" | only >"$work/list"
{
	while IFS='	' read -r file words; do
		exp=$out/exp/expect/$(printf '%s' "${file#systemtap.base/}" | tr / %)
		[ -f "$exp.re" ] || [ -f "$exp.out" ] || [ -f "$exp.harness" ] || continue
		cmd="tap $words"
		cls=$(class "$file")
		if [ "$cls" != compiles ]; then
			report not-run base "$file" "class $cls" "$cmd"
		elif [ -f "$exp.harness" ]; then
			report not-run base "$file" "$(cat "$exp.harness")" "$cmd"
		elif printf '%s' "$words" | grep -q '@RT:'; then
			report not-run base "$file" "needs a value the .exp computes when it runs" "$cmd"
		elif needs=$(printf '%s\n' $words | tr -d "'" | sed 's|^\./||' |
			grep -m1 -xF -f "$out/exp/built.txt"); then
			report not-run base "$file" "needs the program the .exp compiles ($needs)" "$cmd"
		else
			run_base "$file" - "$words"
			report "$result" base "$file" "$detail" "$cmd"
		fi
	done <"$work/list"
	for m in "$ex"/*/*.meta; do
		file=${m#"$src"/testsuite/}
		file=${file%.meta}.stp
		printf '%s\n' "$file" | only | grep -q . || continue
		line=$(sed -n 's/^test_installcheck: //p' "$m" | head -1)
		[ -n "$line" ] || continue
		cls=$(class "$file")
		if [ -z "$cls" ]; then
			report not-run examples "$file" "the .meta runs something else than this script" "$line"
		elif [ "$cls" != compiles ]; then
			report not-run examples "$file" "class $cls" "$line"
		else
			run_example "$file" "$line"
			report "$result" examples "$file" "$detail" "$line"
		fi
	done
} >"$out/run.txt"

printf '%-10s %9s %9s\n' result examples base
for r in matched different failed not-run; do
	printf '%-10s %9d %9d\n' "$r" \
		"$(awk -F'\t' -v r="$r" '$1 == r && $2 == "examples"' "$out/run.txt" | wc -l)" \
		"$(awk -F'\t' -v r="$r" '$1 == r && $2 == "base"' "$out/run.txt" | wc -l)"
done
echo "per script: $out/run.txt"
