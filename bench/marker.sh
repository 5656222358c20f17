#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/marker.sh BUILD_DIR: the per-event cost of a no-trap marker
# (include/taphub/marker.h) disabled and enabled, against LTTng-UST's
# tracepoint on the same program in the same run (issue 14):
#
#   none     bench/markgen.c without a marker: the loop and the call alone
#   tap_off  TAPHUB_MARK(bench, hit, i, -i), no session
#   lt_off   tracepoint(bench, hit, i, -i), no LTTng session
#   tap_on   tap --format=binary -o FILE -s 256 -e 'probe process(P).mark("hit") {
#            printf("%d %d\n", $arg1, $arg2) }': the marker writes its records
#            into tap's ring itself, tap writes them to the file unformatted
#            (as LTTng's consumer writes its buffers)
#   lt_on    an LTTng session with bench:hit enabled (discard mode)
#   clock    clock_gettime(CLOCK_MONOTONIC) in place of the marker: the
#            time stamp both take, the floor of an enabled marker here
#
# markgen (pinned to GEN_CPU) calls a function with the marker
# BENCH_EVENTS times and prints its wall ns per call; tap, or LTTng's
# consumer daemon, takes the records on the other CPU.  Rounds interleave
# the configurations with an unmarked run before each; cost =
# median(config) - median(none).  Records a ring dropped (tap's "records
# lost", LTTng's "discarded events") are reported: a dropped record costs
# the writer less than a written one.
#
# Both rings hold all of a run's records (tap: 256 MB, shared by the
# lanes; LTTng: 8 sub-buffers of 4 MB per CPU, which its consumer empties
# as they fill), so neither drops on a machine shared with other work.
#
# Environment: BENCH_EVENTS (2000000), BENCH_REPS (5), GEN_CPU (last
# CPU), TRACER_CPU (0).  Root only (tap's uprobes, LTTng's session
# daemon, started here and stopped by pid).
# shellcheck disable=SC2086
set -u

O=${1:-build}
N=${BENCH_EVENTS:-2000000}
R=${BENCH_REPS:-5}
NCPU=$(nproc)
GEN_CPU=${GEN_CPU:-$((NCPU - 1))}
TRACER_CPU=${TRACER_CPU:-0}
ONLY=marker
TIMEOUT=600
HERE=$(dirname "$0")

. "$HERE/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, LTTng's session daemon)"
TAP=$(realpath "$O/tap" 2>/dev/null) || die "no $O/tap: run make first"
TASKSET=$(realpath "$(command -v taskset)") || die "taskset not installed"
command -v lttng >/dev/null && command -v lttng-sessiond >/dev/null &&
	[ -e /usr/include/x86_64-linux-gnu/lttng/tracepoint.h ] ||
	die "LTTng-UST not installed (apt-get install liblttng-ust-dev lttng-tools)"

W=$(mktemp -d "${TMPDIR:-/tmp}/taphub-marker.XXXXXX") || die "mktemp"
CHILD=""
SESSIOND=""
cleanup() {
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	if [ -n "$SESSIOND" ]; then
		LTTNG_HOME=$W lttng destroy -a >/dev/null 2>&1
		kill "$SESSIOND" 2>/dev/null
		wait "$SESSIOND" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CFLAGS="-std=gnu11 -O2 -Wall -Wextra -Werror -I$HERE/../include -I$HERE"
${CC:-gcc} $CFLAGS -o "$W/none" "$HERE/markgen.c" || die "cannot build bench/markgen.c"
${CC:-gcc} $CFLAGS -DMARKGEN_CLOCK -o "$W/clock" "$HERE/markgen.c" || die "cannot build bench/markgen.c"
${CC:-gcc} $CFLAGS -DMARKGEN_TAPHUB -o "$W/tap" "$HERE/markgen.c" ||
	die "cannot build bench/markgen.c with taphub/marker.h"
${CC:-gcc} $CFLAGS -DMARKGEN_LTTNG -o "$W/lt" "$HERE/markgen.c" -llttng-ust -ldl ||
	die "cannot build bench/markgen.c with LTTng-UST"

export TAPHUB_CACHE="$W/cache"
RES="$W/results"
: >"$RES"
S_MARK="probe process(\"$W/tap\").mark(\"hit\") { printf(\"%d %d\\n\", \$arg1, \$arg2) }"

# LTTng's session daemon of our own (its home in $W), on the tracer's CPU
export LTTNG_HOME=$W
"$TASKSET" -c "$TRACER_CPU" lttng-sessiond >"$W/sessiond.log" 2>&1 &
SESSIOND=$!
i=0
until lttng list >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 250 ] || die "lttng-sessiond did not start: $(tail -n 3 "$W/sessiond.log")"
	kill -0 "$SESSIOND" 2>/dev/null || die "lttng-sessiond died: $(tail -n 3 "$W/sessiond.log")"
	sleep 0.02 # no event says it listens: poll its client socket
done

ns_of() {
	grep -E '^[0-9]+\.[0-9]+$' "$1" | tail -n 1
}

one() {
	cfg=$1
	: >"$W/out"
	: >"$W/err"
	case $cfg in
	base) run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/none" $N >"$W/out" 2>"$W/err" ;;
	clock) run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/clock" $N >"$W/out" 2>"$W/err" ;;
	tap_off) run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/tap" $N >"$W/out" 2>"$W/err" ;;
	lt_off) run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/lt" $N >"$W/out" 2>"$W/err" ;;
	tap_on)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -s 256 --format=binary \
			-o "$W/tap.trace" -e "$S_MARK" -c "$TASKSET -c $GEN_CPU $W/tap $N" \
			>"$W/out" 2>"$W/err"
		l=$(sed -n 's/^WARNING: \([0-9]*\) records lost$/\1/p' "$W/err")
		rec tap_on.lost "${l:-0}"
		rm -f "$W"/tap.trace*
		;;
	lt_on)
		rm -rf "$W/lt.trace"
		{ lttng create bench --output="$W/lt.trace" &&
			lttng enable-channel -u --subbuf-size=4M --num-subbuf=8 ch &&
			lttng enable-event -u -c ch bench:hit && lttng start; } >"$W/lt.log" 2>&1 ||
			die "lttng cannot make a session: $(tail -n 3 "$W/lt.log")"
		run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/lt" $N >"$W/out" 2>"$W/err"
		lttng stop >"$W/lt.stop" 2>&1
		l=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) events* discarded.*/\1/p' "$W/lt.stop" | head -n 1)
		rec lt_on.lost "${l:-0}"
		lttng destroy >/dev/null 2>&1
		rm -rf "$W/lt.trace"
		;;
	esac
	v=$(ns_of "$W/out")
	if [ -z "$v" ]; then
		failed "$cfg" "round $2"
		return
	fi
	rec "$cfg" "$v"
	echo "$cfg $v" >>"$W/seq"
}

note "$(uname -r), $NCPU CPUs; $(lttng --version | head -n 1); $N calls per run, $R rounds"
"$TAP" -p4 -e "$S_MARK" >/dev/null || die "tap cannot compile: $S_MARK"
interleaved one "tap_off lt_off tap_on lt_on clock"

echo "no-trap marker, wall ns per call of markgen_hit() ($(uname -r)):"
echo "   unmarked call: $(med base) ns"
for c in tap_off lt_off tap_on lt_on clock; do
	echo "   $c: cost $(cost "$c") ns (paired $(med "$c.pair"))"
done
echo "   records lost over all rounds: tap $(sum tap_on.lost), LTTng $(sum lt_on.lost), of $(((N + 1) * R))"
echo "   disabled, whole call: tap / LTTng-UST = $(ratio "$(med tap_off)" "$(med lt_off)")"
echo "   disabled: tap / LTTng-UST = $(ratio "$(cost tap_off)" "$(cost lt_off)")" \
	"(target <= 2 ns: $(verdict marker "$(cost tap_off)" "<=" 2))"
echo "   enabled: tap / LTTng-UST = $(ratio "$(cost tap_on)" "$(cost lt_on)")" \
	"(target <= 50 ns: $(verdict marker "$(cost tap_on)" "<=" 50))"
[ "$(sum tap_on.failed)$(sum lt_on.failed)$(sum tap_off.failed)$(sum lt_off.failed)" = 0000 ] || exit 1
