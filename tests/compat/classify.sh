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
#   module       refused at pass 2: a feature of SystemTap's kernel module
#                (procfs files, stap-exporter), which taphub never loads
#   guru         refused: embedded C or -g (guru mode): taphub runs only
#                verified eBPF
#   gap          any other error: a language or tapset gap of taphub
#   crash        killed by a signal, a sanitizer report, or the time limit
#
# Output: one line per script (class, suite, file, the first error line,
# the command) in
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

# exp_args DIR TEST: "-p4 [OPTIONS] TEST.stp [ARGS]": the words around the
# script in the first stap run line of TEST.exp that runs it (as $test.stp
# or by name), else of another .exp that names it
exp_args() {
	{ exp_line "$1/$2.exp" "$2" generic || exp_line "$1"/*.exp "$2" named; } 2>/dev/null ||
		echo "-p4 '$2.stp'"
}

exp_line() { # exp_line FILES... TEST generic|named
	eval "_t=\${$(($# - 1))} _how=\${$#}"
	set -- $(printf '%s\n' "$@" | head -n $(($# - 2)))
	awk -v t="$_t" -v how="$_how" '
		# a tcl word stops the line: what it stands for is not known here
		function plain(w) { return w !~ /[][$"{}]/ }
		/stap_run|stap_run2|stap_run_batch|exec stap|spawn stap/ &&
		(index($0, t ".stp") || (how == "generic" && index($0, "$test.stp"))) {
			pre = ""; post = ""; seen = 0
			for (i = 1; i <= NF; i++) {
				w = $i
				if (index(w, ".stp")) { seen = 1; continue }
				if (!seen) {
					if (w ~ /^-[gDuw]/ && plain(w)) pre = pre " " w
				} else {
					if (!plain(w)) {
						# an option whose value was that word goes too
						sub(/ -[cxIdTGoSsmAepD]$/, "", post)
						break
					}
					post = post " " w
				}
			}
			print "-p4" pre " '\''" t ".stp'\''" post
			found = 1
			exit
		}
		END { exit !found }' "$@"
}

# one script: "CLASS<TAB>FILE<TAB>first error line"
classify_one() { # classify_one SUITE FILE
	suite=$1
	f=$2
	dir=$(dirname "$f")
	name=$(basename "$f")
	cmd="-p4 '$name'"
	if [ "$suite" = examples ] && [ -f "${f%.stp}.meta" ]; then
		# test_check: stap -p4 [OPTIONS] name.stp [ARGS]: the same words, in order
		line=$(sed -n "s/^test_check: stap //p" "${f%.stp}.meta" | head -1)
		case $line in
		*"$name"*) cmd=$line ;;
		esac
	fi
	if [ "$suite" = base ]; then
		# the words around the script in the .exp's first stap_run line that
		# names it (tcl variables and what follows them are left out)
		cmd=$(exp_args "$dir" "${name%.stp}")
	fi
	log=$(mktemp "$out/log.XXXXXX")
	# shellcheck disable=SC2086 # the .meta's arguments are words
	(cd "$dir" && eval "timeout -k 5 120 '$tap' $cmd") >"$log" 2>&1 </dev/null
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
	elif grep -q 'taphub loads no kernel module' "$log"; then
		cls=module
	elif grep -qE 'guru mode \(-g\) is not supported|embedded C' "$log"; then
		cls=guru
	else
		cls=gap
		[ -n "$err" ] || err=$(head -1 "$log" | cut -c1-300)
	fi
	rm -f "$log"
	printf '%s\t%s\t%s\t%s\ttap %s\n' "$cls" "$suite" "${f#"$src"/testsuite/}" "$err" "$cmd"
}

list() {
	find "$ex" -name '*.stp' | sort | sed 's/^/examples /'
	find "$base" -name '*.stp' | sort | sed 's/^/base /'
}

set --
list | { [ -n "${TAP_COMPAT_ONLY:-}" ] && grep -E "$TAP_COMPAT_ONLY" || cat; } |
	{
		while read -r suite f; do
			# at most $jobs at once: wait for the oldest when the pool is full
			classify_one "$suite" "$f" &
			set -- "$@" $!
			if [ $# -ge "$jobs" ]; then
				wait "$1"
				shift
			fi
		done
		# the last ones run in this subshell of the pipeline: wait for them here
		wait
	} >"$out/classify.txt"
sort -o "$out/classify.txt" "$out/classify.txt"

printf '%-10s %9s %9s\n' class examples base
for c in compiles kernel user module guru gap crash; do
	printf '%-10s %9d %9d\n' "$c" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "examples"' "$out/classify.txt" | wc -l)" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "base"' "$out/classify.txt" | wc -l)"
done
printf '%-10s %9d %9d\n' total \
	"$(awk -F'\t' '$2 == "examples"' "$out/classify.txt" | wc -l)" \
	"$(awk -F'\t' '$2 == "base"' "$out/classify.txt" | wc -l)"
echo "per script: $out/classify.txt"
