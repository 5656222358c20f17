#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/kfunc.sh BUILD_DIR: the per-event cost of a probe on a hot kernel
# function, tap's kernel.function against bpftrace's fentry (kfunc:) and
# kprobe: on the same function in the same run.  This host's kernel has
# neither, so it runs on the test bed's 6.1 kernel (`make bench-vm`:
# tests/vm/run -- sh bench/kfunc.sh BUILD); docs/performance.md has the
# figures.
#
#   tap_fentry   kernel.function("vfs_read") { c++ }   (fentry: the default)
#   tap_kprobe   the same with TAPHUB_KFUNC=kprobe      (a kprobe)
#   bt_fentry    kfunc:vfs_read { @c = count(); }
#   bt_kprobe    kprobe:vfs_read { @c = count(); }
#
# gen (pinned to GEN_CPU) reads one byte from /dev/zero BENCH_EVENTS times
# and prints its wall ns per read; the tracer runs pinned to TRACER_CPU.
# Rounds interleave the configurations with an untraced run before each;
# cost = median(traced) - median(untraced).  Under QEMU's TCG every
# instruction is translated: absolute costs are ~20x a real machine's,
# the ratios between tracers are what this measures.
#
# Environment: BENCH_EVENTS (400000), BENCH_REPS (5), GEN_CPU (last CPU),
# TRACER_CPU (0).  Root only; what it starts is stopped by pid.
# shellcheck disable=SC2086
set -u

O=${1:-build}
N=${BENCH_EVENTS:-400000}
R=${BENCH_REPS:-5}
NCPU=$(nproc)
GEN_CPU=${GEN_CPU:-$((NCPU - 1))}
TRACER_CPU=${TRACER_CPU:-0}
ONLY=kfunc
TIMEOUT=600

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF)"
bench_tools "$O"
[ -d /sys/bus/event_source/devices/kprobe ] ||
	die "this kernel has no kprobes: run it on the test bed (make bench-vm)"

bench_workdir kfunc
GENCMD="$TASKSET -c $GEN_CPU $GEN -t read $N 1"
S_COUNT='global c; probe kernel.function("vfs_read") { c++ }'

one() {
	cfg=$1
	: >"$W/out"
	: >"$W/err"
	case $cfg in
	base) run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err" ;;
	tap_fentry)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -e "$S_COUNT" -c "$GENCMD" \
			>"$W/out" 2>"$W/err"
		;;
	tap_kprobe)
		TAPHUB_KFUNC=kprobe run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" \
			-e "$S_COUNT" -c "$GENCMD" >"$W/out" 2>"$W/err"
		;;
	bt_fentry | bt_kprobe)
		p=kfunc
		[ "$cfg" = bt_kprobe ] && p=kprobe
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$BPFTRACE" \
			-e "$p:vfs_read { @c = count(); }" -c "$GENCMD" >"$W/out" 2>"$W/err"
		;;
	esac
	gen_wall "$cfg" "$2"
}

note "$(uname -r), $NCPU CPUs; $($BPFTRACE --version); $N reads per run, $R rounds"
# compile both ways once, so no run pays for clang
"$TAP" -p4 -e "$S_COUNT" >/dev/null || die "tap cannot compile: $S_COUNT"
TAPHUB_KFUNC=kprobe "$TAP" -p4 -e "$S_COUNT" >/dev/null || die "tap cannot compile (kprobe)"
"$TAP" -p3 -e "$S_COUNT" | grep -q 'SEC("fentry/vfs_read")' ||
	note "WARNING: tap does not attach vfs_read through fentry here"
interleaved one "tap_fentry bt_fentry tap_kprobe bt_kprobe"

echo "kernel.function(\"vfs_read\") { count }, ns per read of 1 byte from /dev/zero ($(uname -r), TCG):"
echo "   untraced read: $(med base) ns"
cost_lines tap_fentry bt_fentry tap_kprobe bt_kprobe
echo "   fentry: tap / bpftrace = $(ratio "$(cost tap_fentry)" "$(cost bt_fentry)")"
echo "   kprobe: tap / bpftrace = $(ratio "$(cost tap_kprobe)" "$(cost bt_kprobe)")"
echo "   tap: kprobe / fentry = $(ratio "$(cost tap_kprobe)" "$(cost tap_fentry)")"
[ "$(sum tap_fentry.failed)$(sum bt_fentry.failed)" = 00 ] || exit 1
