#!/bin/sh
# SPDX-License-Identifier: MIT
#
# classify.sh STAP_SRC [BUILD] - how many of SystemTap's own test scripts
# taphub compiles (docs/compat.md).
#
# STAP_SRC is an extracted SystemTap source tree (it is not part of this
# repository: `git archive` its testsuite/ into /tmp).  Every script of
# testsuite/systemtap.examples is compiled with `tap -p4` and the arguments
# of the `test_check:` line of its .meta file; every script of
# testsuite/systemtap.base with `tap -p4` alone.  Each lands in one class:
#
#   compiles     tap -p4 succeeded
#   kernel       refused at pass 2: a probe type this kernel lacks
#                (kprobes, fentry, modules), with the point and the reason
#   user         refused at pass 2: a user-space probe (process(...) ...)
#   gap          any other error: a language or tapset gap of taphub
#   crash        killed by a signal, a sanitizer report, or the time limit
#
# Output: one line per script (class, file, the first error line) in
# $OUT/classify.txt (default /tmp/tap-compat), then the counts per class
# and suite.  Environment: TAP_COMPAT_JOBS (parallel compiles, default 2),
# TAP_COMPAT_ONLY (a grep -E pattern of script paths to run).

src=${1:?usage: classify.sh STAP_SRC [BUILD]}
build=${2:-build}
tap=$(cd "$build" && pwd)/tap
out=${OUT:-/tmp/tap-compat}
jobs=${TAP_COMPAT_JOBS:-2}
ex=$src/testsuite/systemtap.examples
base=$src/testsuite/systemtap.base
[ -d "$ex" ] && [ -d "$base" ] || {
	echo "classify.sh: $src has no testsuite/systemtap.examples and systemtap.base" >&2
	exit 2
}
[ -x "$tap" ] || {
	echo "classify.sh: no $tap (make first)" >&2
	exit 2
}
mkdir -p "$out"
TAPHUB_CACHE=${TAPHUB_CACHE:-$out/cache}
export TAPHUB_CACHE

# one script: "CLASS<TAB>FILE<TAB>first error line"
classify_one() { # classify_one SUITE FILE
	suite=$1
	f=$2
	dir=$(dirname "$f")
	name=$(basename "$f")
	opts=
	args=
	if [ "$suite" = examples ] && [ -f "${f%.stp}.meta" ]; then
		# test_check: stap OPTS -p4 name.stp ARGS: stap's options before the
		# script, the script's arguments after it
		line=$(sed -n "s/^test_check: stap //p" "${f%.stp}.meta" | head -1)
		case $line in
		*"$name"*)
			opts=$(printf '%s' "${line%%"$name"*}" | sed "s|-p4||")
			args=${line#*"$name"}
			;;
		esac
	fi
	log=$(mktemp "$out/log.XXXXXX")
	# shellcheck disable=SC2086 # the .meta's options and arguments are words
	(cd "$dir" && eval "timeout -k 5 120 '$tap' -p4 $opts '$name' $args") >"$log" 2>&1 </dev/null
	st=$?
	err=$(grep -m1 -E 'error:|ERROR|runtime error|AddressSanitizer' "$log" | cut -c1-300)
	if [ $st = 0 ]; then
		cls=compiles
	elif [ $st -ge 124 ] || grep -qE 'AddressSanitizer|runtime error:|Segmentation' "$log"; then
		cls=crash
		[ -n "$err" ] || err="exit status $st"
	elif grep -q 'is not supported on this kernel' "$log"; then
		cls=kernel
	elif grep -q 'is a user-space probe' "$log"; then
		cls=user
	else
		cls=gap
		[ -n "$err" ] || err=$(head -1 "$log" | cut -c1-300)
	fi
	rm -f "$log"
	printf '%s\t%s\t%s\t%s\n' "$cls" "$suite" "${f#"$src"/testsuite/}" "$err"
}

list() {
	find "$ex" -name '*.stp' | sort | sed 's/^/examples /'
	find "$base" -name '*.stp' | sort | sed 's/^/base /'
}

set --
list | { [ -n "${TAP_COMPAT_ONLY:-}" ] && grep -E "$TAP_COMPAT_ONLY" || cat; } | {
	while read -r suite f; do
		# at most $jobs at once: wait for the oldest when the pool is full
		classify_one "$suite" "$f" &
		set -- "$@" $!
		if [ $# -ge "$jobs" ]; then
			wait "$1"
			shift
		fi
	done
	# the jobs are this subshell's children: wait here, before counting
	wait
} >"$out/classify.txt"
sort -o "$out/classify.txt" "$out/classify.txt"

printf '%-10s %9s %9s\n' class examples base
for c in compiles kernel user gap crash; do
	printf '%-10s %9d %9d\n' "$c" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "examples"' "$out/classify.txt" | wc -l)" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "base"' "$out/classify.txt" | wc -l)"
done
printf '%-10s %9d %9d\n' total \
	"$(awk -F'\t' '$2 == "examples"' "$out/classify.txt" | wc -l)" \
	"$(awk -F'\t' '$2 == "base"' "$out/classify.txt" | wc -l)"
echo "per script: $out/classify.txt"
