#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/user.sh BUILD_DIR: the per-event cost of a user-space probe, tap
# against bpftrace on the same program in the same run (issue 14):
#
#   tap_mark    process(P).mark("hit") { c++ }          an SDT marker
#   bt_usdt     usdt:P:bench:hit { @c = count(); }
#   tap_func    process(P).function("usergen_hit") { c++ }
#   bt_uprobe   uprobe:P:usergen_hit { @c = count(); }
#
# bench/usergen.c (pinned to GEN_CPU) calls a function with a marker
# BENCH_EVENTS times and prints its wall ns per call; the tracer runs
# pinned to TRACER_CPU.  Rounds interleave the configurations with an
# untraced run before each; cost = median(traced) - median(untraced).
# Each probe is a uprobe: a breakpoint trap per hit, which dominates.
#
# Environment: BENCH_EVENTS (500000), BENCH_REPS (5), GEN_CPU (last CPU),
# TRACER_CPU (0).  Root only; what it starts is stopped by pid.
# shellcheck disable=SC2086
set -u

O=${1:-build}
N=${BENCH_EVENTS:-500000}
R=${BENCH_REPS:-5}
NCPU=$(nproc)
GEN_CPU=${GEN_CPU:-$((NCPU - 1))}
TRACER_CPU=${TRACER_CPU:-0}
ONLY=user
TIMEOUT=600

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF)"
bench_tools "$O"

bench_workdir user
P=$W/usergen
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$P" "$(dirname "$0")/usergen.c" ||
	die "cannot build bench/usergen.c"
GENCMD="$TASKSET -c $GEN_CPU $P $N"
S_MARK="global c; probe process(\"$P\").mark(\"hit\") { c++ }"
S_FUNC="global c; probe process(\"$P\").function(\"usergen_hit\") { c++ }"

one() {
	cfg=$1
	: >"$W/out"
	: >"$W/err"
	case $cfg in
	base) run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err" ;;
	tap_mark | tap_func)
		s=$S_MARK
		[ "$cfg" = tap_func ] && s=$S_FUNC
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -e "$s" -c "$GENCMD" \
			>"$W/out" 2>"$W/err"
		;;
	bt_uprobe)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$BPFTRACE" \
			-e "uprobe:$P:usergen_hit { @c = count(); }" -c "$GENCMD" >"$W/out" 2>"$W/err"
		;;
	bt_usdt)
		# bpftrace -c looks the marker up in its child before the exec: the
		# child must be the program itself, so it inherits its CPU from
		# bpftrace (which sleeps while it counts in a map)
		run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$BPFTRACE" \
			-e "usdt:$P:bench:hit { @c = count(); }" -c "$P $N" >"$W/out" 2>"$W/err"
		;;
	esac
	gen_wall "$cfg" "$2"
}

note "$(uname -r), $NCPU CPUs; $($BPFTRACE --version); $N calls per run, $R rounds"
# compile once, so no run pays for clang
"$TAP" -p4 -e "$S_MARK" >/dev/null || die "tap cannot compile: $S_MARK"
"$TAP" -p4 -e "$S_FUNC" >/dev/null || die "tap cannot compile: $S_FUNC"
interleaved one "tap_mark bt_usdt tap_func bt_uprobe"

echo "user-space probes { count }, wall ns per call of usergen_hit() ($(uname -r)):"
echo "   untraced call: $(med base) ns"
cost_lines tap_mark bt_usdt tap_func bt_uprobe
echo "   SDT marker: tap / bpftrace usdt = $(ratio "$(cost tap_mark)" "$(cost bt_usdt)")"
echo "   function entry: tap / bpftrace uprobe = $(ratio "$(cost tap_func)" "$(cost bt_uprobe)")"
[ "$(sum tap_mark.failed)$(sum tap_func.failed)" = 00 ] || exit 1
