#!/bin/sh
# SPDX-License-Identifier: MIT
#
# classify.sh STAP_SRC [BUILD] - how many of SystemTap's own test scripts
# taphub compiles (docs/compat.md).
# classify.sh --markdown - the counts and the reasons of the last run, as
# the Markdown of docs/compat.md.
#
# STAP_SRC is an extracted SystemTap source tree (it is not part of this
# repository: `git archive` its testsuite/ into /tmp).  Every script of
# testsuite/systemtap.examples is compiled with `tap -p4` and the arguments
# of the `test_check:` line of its .meta file; every script of
# testsuite/systemtap.base with `tap -p4` and the options and arguments of
# the first stap command its .exp runs it with (tests/compat/exp.tcl
# evaluates the .exp files to find them).  Each lands in one class:
#
#   compiles     tap -p4 succeeded
#   refuses      stap refuses it too: the .exp expects a parse or semantic
#                error (or tests/compat/refused.tsv gives stap's testsuite's
#                evidence for a script no .exp runs here), and tap -p4 failed
#   kernel       refused at pass 2: a probe type this kernel lacks
#                (kprobes, fentry, modules), with the point and the reason
#   user         refused at pass 2: a user-space probe taphub does not
#                have yet (process().syscall, a glob in a path ...),
#                or on a program not installed here (or that its .exp
#                builds first), or an application's own tapset (glib.*,
#                stap.*) whose program has no markers here
#   module       refused at pass 2: a feature of SystemTap's kernel module
#                (procfs files, stap-exporter), which taphub never loads
#   debuginfo    refused: needs the kernel's DWARF (a source file or line
#                in a probe point, a kernel @var, inlined instances), and
#                no debuginfo package for the running kernel is installed
#                (stap needs it for the same scripts)
#   guru         refused: embedded C, or a write to kernel memory (guru
#                mode): taphub runs only verified eBPF
#   harness      failed, and the .exp changes the script or computes its
#                arguments when it runs (addresses substituted into it, a
#                pid, a temporary path): the reason is given
#   library      not a script: a tapset other scripts include with -I, or a
#                file without probes (not compiled)
#   gap          any other error, or compiled when stap must refuse it: a
#                language or tapset gap of taphub
#   crash        killed by a signal, a sanitizer report, or the time limit
#
# Output: one line per script (class, suite, file, the first error line,
# the command) in $OUT/classify.txt (default /tmp/tap-compat), then the
# counts per class and suite.  Environment: TAP_COMPAT_JOBS (parallel
# compiles, default 2), TAP_COMPAT_ONLY (a grep -E pattern of script paths
# to run).

here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/tap-compat}
classes="compiles refuses kernel user module debuginfo guru harness library gap crash"

if [ "${1:-}" = --markdown ]; then
	[ -f "$out/classify.txt" ] || {
		echo "classify.sh: no $out/classify.txt (run classify.sh STAP_SRC first)" >&2
		exit 2
	}
	set -- "$out/classify.txt"
	[ ! -f "$out/run.txt" ] || set -- "$@" "$out/run.txt"
	exec awk -F'\t' -v classes="$classes" -f "$here/markdown.awk" "$@"
fi

src=${1:?usage: classify.sh STAP_SRC [BUILD] | classify.sh --markdown}
build=${2:-build}
tap=$(cd "$build" && pwd)/tap
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
command -v tclsh >/dev/null || {
	echo "classify.sh: needs tclsh (apt-get install tcl) to read the .exp files" >&2
	exit 2
}
mkdir -p "$out"
TAPHUB_CACHE=${TAPHUB_CACHE:-$out/cache}
export TAPHUB_CACHE

# what the .exp files run (exp.tsv) and the -I directories of the .exp
# files and the .meta files: the libraries
rm -rf "$out/exp"
mkdir -p "$out/exp"
tclsh "$here/exp.tcl" "$base" "$out/exp" || exit 2
{
	sed 's|^|systemtap.base/|' "$out/exp/include.txt"
	for m in "$ex"/*/*.meta; do
		d=$(dirname "${m#"$src"/testsuite/}")
		sed -n 's/^test_check: stap //p' "$m" | tr ' ' '\n' |
			sed -n 's|^-I\(..*\)|\1|p' | sed "s|^|$d/|; s|/*$||"
	done
} | sort -u >"$out/libdirs"

# one script: "CLASS<TAB>SUITE<TAB>FILE<TAB>first error<TAB>command"
classify_one() { # classify_one SUITE FILE
	suite=$1
	f=$2
	rel=${f#"$src"/testsuite/}
	dir=$(dirname "$f")
	name=$(basename "$f")
	expect=-
	harness=-
	rec=
	if awk -v f="$rel" 'index(f, $0 "/") == 1 { found = 1 } END { exit !found }' \
		"$out/libdirs"; then
		printf 'library\t%s\t%s\t%s\t%s\n' "$suite" "$rel" \
			"a tapset: other scripts include its directory with -I" -
		return
	fi
	cmd="-p4 '$name'"
	if [ "$suite" = examples ] && [ -f "${f%.stp}.meta" ]; then
		# test_check: stap -p4 [OPTIONS] name.stp [ARGS]: the same words, in order
		line=$(sed -n "s/^test_check: stap //p" "${f%.stp}.meta" | head -1)
		# always to pass 4: security-band-aids' "-gp1" is "-g" (stap's own
		# check stops after parsing; this classification asks for more)
		case $line in
		*"$name"*) cmd="-p4 $(printf '%s' "$line" |
			sed -E 's/(^| )-([a-zA-Z]*)p ?[0-5]([a-zA-Z]*)( |$)/\1-\2\3\4/g; s/(^| )-( |$)/\1/g')" ;;
		esac
		case $line in
		*'`'*) harness="its .meta computes an argument with a shell command on this machine" ;;
		esac
	elif [ "$suite" = examples ]; then
		# no .meta: the options of its "#! /usr/bin/stap -g ..." line, as
		# ./NAME.stp runs it (security-bandaid-template.stp is a skeleton
		# for guru-mode scripts, not a script stap parses)
		opts=$(sed -n '1s|^#! *[^ ]*/stap \(.*[^ ]\) *$|\1|p' "$f")
		# a word there that is neither an option nor an option's
		# argument (cve-2016-0728-templatized.stp's "-g v -m NAME")
		# would be taken as the script by stap too: classify the file
		opts=$(printf '%s\n' $opts | awk '
			/^-/ { print; arg = /^-[mocDIxGTsSdrB]$/; next }
			arg { print; arg = 0 }' | tr '\n' ' ')
		if grep -q '{\.\.\.}' "$f"; then
			printf 'library\t%s\t%s\t%s\t%s\n' "$suite" "$rel" \
				"a template: its probe bodies are '{...}' placeholders" -
			return
		fi
		[ -n "$opts" ] && cmd="-p4 $opts '$name'"
	fi
	if [ "$suite" = base ]; then
		# FILE KIND EXPECT HARNESS WORDS (relative to systemtap.base)
		rec=$(awk -F'\t' -v f="${rel#systemtap.base/}" '$1 == f' "$out/exp/exp.tsv")
		if [ -n "$rec" ]; then
			expect=$(printf '%s' "$rec" | cut -f3)
			harness=$(printf '%s' "$rec" | cut -f4)
			# -p4 whatever pass the .exp stopped at
			cmd="-p4 $(printf '%s' "$rec" | cut -f5- |
				sed -E 's/(^| )-p ?[0-5]( |$)/ /g; s/^ +//')"
		elif awk -F'\t' -v f="${rel#systemtap.base/}" '$1 == f { found = 1 } END { exit !found }' \
			"$here/refused.tsv"; then
			# no .exp runs it here, and stap's testsuite shows stap refuses it
			expect=refuse
		fi
		dir=$base
	fi
	log=$(mktemp "$out/log.XXXXXX")
	compile "$cmd"
	if [ "$expect" = refuse ]; then
		case $cls in
		compiles)
			cls=gap
			err="compiles, but stap refuses it: the .exp expects a parse or semantic error"
			;;
		crash) ;;
		*) cls=refuses ;;
		esac
	elif [ "$cls" = gap ] && { [ "$harness" != - ] || { { [ "$suite$rec" = base ] ||
		[ ! -f "${f%.stp}.meta" ]; } && grep -q 'command line argument index .* out of range' "$log"; }; }; then
		# the .exp changes the script or computes arguments when it runs
		# (a pid, a temporary path, a program it builds); without a
		# record, tcl that exp.tcl does not follow to the end
		if [ "$harness" = - ] && [ "$suite" = base ]; then
			harness="needs the arguments its .exp computes when it runs"
		elif [ "$harness" = - ]; then
			harness="needs arguments, and no .meta gives them"
		fi
		why="$harness; tap: $err"
		# what tap does with it does not depend on their values: try
		# with stand-ins (a pid, a path, an address)
		case $harness in
		*process_template_file*)
			# $^ADDR_sym: a symbol's address in the program the .exp
			# builds; $^PWD: its directory
			dir=$(mktemp -d "$out/tmpl.XXXXXX")
			sed 's/\$^ADDR_[A-Za-z_0-9]*/1000/g; s|\$^PWD|/tmp|g' "$f" >"$dir/$name"
			compile "$cmd"
			rm -rf "$dir"
			;;
		*)
			# 1: a pid, a number for $N, a string for @N, an address
			compile "$(printf '%s' "$cmd" | sed -E 's/@RT:[^@]*@/1/g; s/`[^`]*`/1000/g') 1 1 1"
			;;
		esac
		if [ "$cls" = gap ] && ! printf '%s' "$err" |
			grep -qE "command line argument index|hexadecimal number without|^argument \\\$|expects a number|No such file|found number '\\\$"; then
			# an error of its own, whatever the .exp would give
			err="$err (with stand-ins for what the test harness computes)"
		elif [ "$cls" = gap ] || [ "$cls" = library ]; then
			cls=harness
			err=$why
		else
			err="${err:+$err }(with stand-ins for what the test harness computes)"
		fi
	fi
	rm -f "$log"
	printf '%s\t%s\t%s\t%s\ttap %s\n' "$cls" "$suite" "$rel" "$err" "$cmd"
}

# compile CMD: run tap CMD in $dir into $log; set cls and err
compile() {
	# shellcheck disable=SC2086 # the .meta's arguments are words
	(cd "$dir" && eval "timeout -k 5 120 '$tap' $1") >"$log" 2>&1 </dev/null
	st=$?
	err=
	if [ $st != 0 ]; then
		err=$(grep -m1 -E 'error:|ERROR|runtime error|AddressSanitizer' "$log" | cut -c1-300)
		[ -n "$err" ] || err=$(grep -m1 . "$log" | cut -c1-300)
	fi
	if [ $st = 0 ]; then
		cls=compiles
	elif [ $st -ge 124 ] || grep -qE 'AddressSanitizer|runtime error:|Segmentation' "$log"; then
		cls=crash
		case $st in
		124 | 137) err="no end within the time limit (120 s)" ;;
		*) [ -n "$err" ] || err="exit status $st" ;;
		esac
	elif grep -q 'is not supported on this kernel' "$log"; then
		cls=kernel
	elif grep -qE "is a user-space probe|error: probe point 'process|tapset on the (SDT )?markers of|@cast's file '[^']*': No such file" "$log"; then
		# a form not built yet, or a program not installed here (or one
		# its .exp builds first)
		cls=user
	elif grep -q 'taphub loads no kernel module' "$log"; then
		cls=module
	elif grep -qE "needs (the kernel's|kernel) (DWARF|debuginfo)" "$log"; then
		cls=debuginfo
	elif grep -qE 'guru mode \(-g\) is not supported|embedded C|cannot be written \(guru mode only in stap\)' "$log"; then
		cls=guru
	elif grep -q 'no probes found' "$log"; then
		# functions, globals and aliases only (private.stp is copied,
		# then included with -I .): stap finds no probes in it either
		cls=library
	else
		cls=gap
	fi
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
for c in $classes; do
	printf '%-10s %9d %9d\n' "$c" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "examples"' "$out/classify.txt" | wc -l)" \
		"$(awk -F'\t' -v c="$c" '$1 == c && $2 == "base"' "$out/classify.txt" | wc -l)"
done
printf '%-10s %9d %9d\n' total \
	"$(awk -F'\t' '$2 == "examples"' "$out/classify.txt" | wc -l)" \
	"$(awk -F'\t' '$2 == "base"' "$out/classify.txt" | wc -l)"
echo "per script: $out/classify.txt"
