#!/bin/sh
# Run libFuzzer targets for a bounded time each.
#
#   sh tests/fuzz/run.sh SECONDS build/fuzz/fuzz_parse build/fuzz/fuzz_meta ...
#
# Target fuzz_NAME starts from tests/fuzz/corpus/NAME/ (copied to a work
# dir, so the checked-in seeds never change); fuzz_parse also from the
# scripts of tests/e2e/errors/.  tests/fuzz/NAME.dict, when there, is the
# target's libFuzzer dictionary.  The run fails when libFuzzer
# reports a crash, leak, timeout, out-of-memory or UBSan finding, and
# prints the reproducer's path and how to replay it.  Work dirs live under
# $FUZZ_WORK (default: the target's directory, e.g. build/fuzz/work/NAME).
# Extra libFuzzer flags can be given in $FUZZ_FLAGS (e.g. -jobs=2);
# FUZZ_RESUME=1 keeps the corpus of the previous run.  `make fuzz` runs
# it for 40 s a target (in make check); `make fuzz-long` for
# FUZZ_LONG_SECONDS (600) a target, resuming, to find what the short run
# would only find by luck.  A reproducer found belongs, minimized
# (TARGET -minimize_crash=1 -runs=10000 FILE), in corpus/NAME/ with a
# regress_ name, so every later run replays it.
set -u

if [ $# -lt 2 ]; then
	echo "usage: sh tests/fuzz/run.sh SECONDS TARGET..." >&2
	exit 2
fi
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
fail=0

# UBSan findings are fatal (libFuzzer then keeps the input); ASan leak
# checks are on by default under libFuzzer.  Options already in the
# environment come last and win (e.g. UBSAN_OPTIONS=suppressions=FILE to
# look past a known, reported finding).
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"

for t in "$@"; do
	name=$(basename "$t")
	short=${name#fuzz_}
	if [ ! -x "$t" ]; then
		echo "FAIL fuzz $name: $t is not built (make $t)"
		fail=1
		continue
	fi
	work=${FUZZ_WORK:-$(dirname "$t")/work}/$short
	# FUZZ_RESUME=1 goes on from the corpus the last run grew
	[ "${FUZZ_RESUME:-0}" = 1 ] || rm -rf "$work"
	rm -rf "$work/artifacts"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$here/corpus/$short" ]; then
		cp -R "$here/corpus/$short/." "$work/corpus/"
	fi
	# the scripts of the error tests seed the parser too: every one of
	# them reaches a different error path
	if [ "$short" = parse ] && [ -d "$here/../e2e/errors" ]; then
		for f in "$here"/../e2e/errors/*.stp; do
			cp "$f" "$work/corpus/err_$(basename "$f")"
		done
	fi
	log=$work/fuzz.log
	dict=
	if [ -f "$here/$short.dict" ]; then
		dict=-dict=$here/$short.dict
	fi
	# -timeout: one input may not take longer (a hang); -rss_limit_mb: nor
	# eat memory; -max_len: scripts and meta files beyond this add nothing.
	# shellcheck disable=SC2086
	"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" $dict ${FUZZ_FLAGS:-} \
		"$work/corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crash=$(ls "$work/artifacts" 2>/dev/null | head -n 1)
	if [ $rc -ne 0 ] || [ -n "$crash" ]; then
		echo "FAIL fuzz $name (exit $rc, ${execs:-?} runs)"
		grep -E 'ERROR: |runtime error:|SUMMARY:|^==[0-9]+==' "$log" | head -n 10
		if [ -n "$crash" ]; then
			echo "reproducer: $work/artifacts/$crash"
			echo "replay:     $t $work/artifacts/$crash"
		fi
		echo "log:        $log"
		fail=1
	else
		echo "PASS fuzz $name (${secs}s, ${execs:-?} runs, corpus $(ls "$work/corpus" | wc -l))"
	fi
done
exit $fail
