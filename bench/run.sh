#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/run.sh BUILD_DIR: taphub against bpftrace, perf and ftrace, side by
# side in one run (`make bench`).  Issue 2 section 8; docs/performance.md
# explains the method and the numbers.
#
#   (a) per-event cost of counting getppid calls: tap vs bpftrace
#   (b) per-event cost of printf("%d %d\n", pid, tid) to a file: tap -o vs
#       bpftrace -o vs perf record vs ftrace (trace buffer only)
#   (c) highest rate of records sustained to a file with zero loss
#   (d) start-up: begin/exit, compile (cold cache) and launch to first event
#   (e) verifier: the verifier's cost of every tapset probe and string
#       function (tests/e2e/verifier_cost.sh with VERIFIER_COST_FULL=1)
#   (f) btf: per-switch cost of reading the previous task's comm on
#       sched_switch: tap's $prev->comm (BTF-typed raw tracepoint, CO-RE
#       loads through BTF) vs bpftrace's args->prev_comm (its tracepoint record: bpftrace
#       0.17 reads no tracepoint C arguments) and tap's $prev_comm
#
# Per-event cost: gen (pinned to GEN_CPU) makes BENCH_EVENTS getppid calls
# and prints ns per call; the tracer runs pinned to TRACER_CPU.  Every
# configuration runs BENCH_REPS times, configurations interleaved round by
# round; cost = median(traced) - median(untraced baseline of the same run).
#
# Environment: BENCH_EVENTS (2000000), BENCH_REPS (5), BENCH_STARTUP_REPS
# (10), BENCH_RATE_RECORDS (8000000), BENCH_SWITCHES (N / 10 round trips of
# gen ctxsw), GEN_CPU (last CPU), TRACER_CPU (0), BENCH_ONLY (the sections
# to run, default "events progtime rate startup verifier btf"),
# BENCH_BASELINE (another build dir, e.g. of an older commit: its tap runs
# c++ and printf too, interleaved with this one's, and the summary gives
# this build's cost over the baseline's), BENCH_CONFIGS (the per-event
# configurations to run, default all).
#
# Root only.  Everything started here is stopped by pid; the ftrace instance
# and the temporary directory are removed on exit, also on Ctrl-C.
# $GENCMD is a command line for tap -c, bpftrace -c and perf, and stat's
# output a list of numbers: both split on purpose.
# shellcheck disable=SC2086,SC2046
set -u

O=${1:-build}
N=${BENCH_EVENTS:-2000000}
R=${BENCH_REPS:-5}
SR=${BENCH_STARTUP_REPS:-10}
RATE_RECORDS=${BENCH_RATE_RECORDS:-8000000}
NCPU=$(nproc)
GEN_CPU=${GEN_CPU:-$((NCPU - 1))}
TRACER_CPU=${TRACER_CPU:-0}
ONLY=${BENCH_ONLY:-events progtime rate startup verifier btf}
NS=${BENCH_SWITCHES:-$((N / 10))}
TIMEOUT=600

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, perf, tracefs)"
bench_tools "$O"
PERF=$(command -v perf) || die "perf not installed (make deps)"
TRACEFS=/sys/kernel/tracing
[ -d "$TRACEFS/instances" ] || die "tracefs not mounted at $TRACEFS"
[ "$NCPU" -ge 2 ] || note "one CPU: tracer and generator share it"

BENCH=$(dirname "$(realpath "$0")")
mkdir -p "$O/bench"
${CC:-gcc} -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$O/bench/timeit" \
	"$BENCH/timeit.c" || die "cannot build bench/timeit.c"
TIMEIT=$(realpath "$O/bench/timeit")

# Disk-backed, like a real -o file (not tmpfs).
W=$(mktemp -d /var/tmp/taphub-bench.XXXXXX) || die "mktemp"
FT="$TRACEFS/instances/taphub-bench-$$"
FT_EVENT="$FT/events/syscalls/sys_enter_getppid/enable"
CHILD=""
BPF_STATS_OLD=""

cleanup() {
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	if [ -d "$FT" ]; then
		echo 0 >"$FT_EVENT" 2>/dev/null
		rmdir "$FT" 2>/dev/null
	fi
	[ -n "$BPF_STATS_OLD" ] && echo "$BPF_STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export TAPHUB_CACHE="$W/cache"
RES="$W/results"
: >"$RES"

# The generator as a -c command: pinned, made of absolute paths, under
# perf stat for its CPU time (and instructions where there is a PMU).
# The probes run in gen's context (their interrupts included: no
# IRQ_TIME_ACCOUNTING here), so its CPU time per call is the traced
# syscall's cost, and unlike wall time it does not grow when another
# process shares the CPU.
EVENTS=task-clock
INSN=""
if "$PERF" stat -x, -e instructions -- true 2>&1 | grep -q '^[0-9]'; then
	EVENTS=task-clock,instructions
	INSN=1
fi
GENCMD="$PERF stat -x, -e $EVENTS -o $W/gstat -- $TASKSET -c $GEN_CPU $GEN -t getppid $N"

S_COUNT='global c; probe kernel.trace("syscalls:sys_enter_getppid") { c++ }'
B_COUNT='tracepoint:syscalls:sys_enter_getppid { @c = count(); }'
S_PRINTF='probe kernel.trace("syscalls:sys_enter_getppid") { printf("%d %d\n", pid(), tid()) }'
B_PRINTF='tracepoint:syscalls:sys_enter_getppid { printf("%d %d\n", pid, tid); }'
S_EMPTY='probe kernel.trace("syscalls:sys_enter_getppid") { }'
B_EMPTY='tracepoint:syscalls:sys_enter_getppid { }'
S_PRINT0='probe kernel.trace("syscalls:sys_enter_getppid") { printf("x\n") }'

# Count the number of event lines of an output file, and the losses tap
# and bpftrace report.
tap_lost() {
	sed -n 's/^WARNING: \([0-9]*\) records lost.*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}
bt_lost() {
	cat "$@" 2>/dev/null | sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}

# ---- (a), (b) and the anatomy rows: one configuration, one run ----------------

one() {
	cfg=$1
	r=$2
	: >"$W/out"
	: >"$W/err"
	case $cfg in
	base)
		run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err"
		;;
	tap_count | tap_empty)
		s=$S_COUNT
		[ "$cfg" = tap_empty ] && s=$S_EMPTY
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -e "$s" -c "$GENCMD" \
			>"$W/out" 2>"$W/err"
		;;
	bt_count | bt_empty)
		s=$B_COUNT
		[ "$cfg" = bt_empty ] && s=$B_EMPTY
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$BPFTRACE" -e "$s" -c "$GENCMD" \
			>"$W/out" 2>"$W/err"
		;;
	old_count)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$OLD_TAP" -e "$S_COUNT" -c "$GENCMD" \
			>"$W/out" 2>"$W/err"
		;;
	tap_printf | tap_print0 | old_printf)
		s=$S_PRINTF
		[ "$cfg" = tap_print0 ] && s=$S_PRINT0
		t=$TAP
		[ "$cfg" = old_printf ] && t=$OLD_TAP
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$t" -o "$W/file" -e "$s" \
			-c "$GENCMD" >"$W/out" 2>"$W/err"
		rec "$cfg.lost" "$(tap_lost "$W/err")"
		rec "$cfg.lines" "$(wc -l <"$W/file")"
		;;
	bt_printf)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$BPFTRACE" -o "$W/file" \
			-e "$B_PRINTF" -c "$GENCMD" >"$W/out" 2>"$W/err"
		rec "$cfg.lost" "$(bt_lost "$W/file" "$W/err")"
		rec "$cfg.lines" "$(grep -c '^[0-9]* [0-9]*$' "$W/file")"
		;;
	perf_printf)
		# perf record -a writes the raw samples to perf.data (formatting
		# would be `perf script`, later); 4 MB per CPU like tap's -s 4
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$PERF" record -q -a -m 4M \
			-e syscalls:sys_enter_getppid -o "$W/perf.data" -- $GENCMD \
			>"$W/out" 2>"$W/err"
		"$PERF" report -i "$W/perf.data" --stats 2>/dev/null >"$W/stats"
		rec "$cfg.lost" "$(awk '/^Aggregated/ { a = 1 } a && /LOST_SAMPLES events:/ { print $3; exit }' "$W/stats")"
		rec "$cfg.lines" "$(awk '/^Aggregated/ { a = 1 } a && /SAMPLE events:/ && !/LOST/ { print $3; exit }' "$W/stats")"
		rm -f "$W/perf.data"
		;;
	ftrace)
		echo >"$FT/trace"
		echo 1 >"$FT_EVENT"
		run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err"
		echo 0 >"$FT_EVENT"
		# overwrite mode: entries + overrun = events written
		rec "$cfg.lines" "$(awk '/^entries:|^overrun:/ { s += $2 } END { print s + 0 }' \
			"$FT/per_cpu/cpu$GEN_CPU/stats")"
		;;
	esac
	gen_result "$cfg" "$r" || return
	[ -n "$INSN" ] && rec "$cfg.insn" "$(awk -F, -v n="$N" '/instructions/ { printf "%.1f\n", $1 / n }' "$W/gstat")"
	rm -f "$W/file" "$W/gstat"
}

CFGS="tap_count bt_count tap_printf bt_printf perf_printf ftrace tap_empty bt_empty tap_print0"
OLD_TAP=
if [ -n "${BENCH_BASELINE:-}" ]; then
	OLD_TAP=$(cd "$BENCH_BASELINE" && pwd)/tap
	[ -x "$OLD_TAP" ] || die "BENCH_BASELINE: no tap in $BENCH_BASELINE"
	CFGS="$CFGS old_count old_printf"
fi
# BENCH_CONFIGS: only these (e.g. "tap_count tap_printf old_count old_printf")
CFGS=${BENCH_CONFIGS:-$CFGS}

note "$(uname -r), $NCPU CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)); $($BPFTRACE --version); $($PERF version)"
note "generator on CPU $GEN_CPU, tracers on CPU $TRACER_CPU, $N events per run, $R rounds"
machine_before

section_events() {
mkdir "$FT" || die "cannot create the ftrace instance $FT"
for s in "$S_COUNT" "$S_PRINTF" "$S_EMPTY" "$S_PRINT0"; do
	"$TAP" -p4 -e "$s" >/dev/null || die "tap cannot compile: $s"
	[ -z "$OLD_TAP" ] || "$OLD_TAP" -p4 -e "$s" >/dev/null || die "the baseline tap cannot compile: $s"
done

interleaved one "$CFGS"
rmdir "$FT" 2>/dev/null

[ -n "$INSN" ] || note "no instruction counter here (no PMU in this VM): CPU and wall time only"
}

# ---- the eBPF programs' own run time per event ------------------------------------

# kernel.bpf_stats_enabled makes the kernel time every program run (two
# clock reads: ~20 ns more per run here, so never during the runs above).
# Only the programs: not the tracepoint's dispatch, not ftrace or perf.
# While the tracer is still attached, the -c command lists the programs.
# progtime KEY N SCRIPT TRACER...: the tracer's program's run time per
# event while SCRIPT (which makes at least N events, then lists the
# programs) runs under it
progtime() {
	key=$1
	pt_n=$2
	pt_script=$3
	shift 3
	# (never empty: awk's NR == FNR needs a first line)
	{ echo none; bpftool prog show | sed -n 's/^\([0-9]*\):.*/\1/p'; } >"$W/ids0"
	: >"$W/progs"
	run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$@" -c "/bin/sh $pt_script" \
		>/dev/null 2>"$W/err"
	# ours: new since, a tracepoint program (tp_btf ones are "tracing"), run
	# at least once per event (the least-run such program: a tracer of
	# others' would see more)
	v=$(awk -v n="$pt_n" 'NR == FNR { old[$1] = 1; next }
		/^[0-9]+: (raw_tracepoint|tracepoint|tracing) / {
			id = $1; sub(":", "", id)
			ns = cnt = 0
			for (i = 1; i < NF; i++) {
				if ($i == "run_time_ns") ns = $(i + 1)
				if ($i == "run_cnt") cnt = $(i + 1)
			}
			if (!(id in old) && cnt >= n && (best == "" || cnt < bestcnt)) {
				best = ns / cnt; bestcnt = cnt
			}
		}
		END { if (best != "") printf "%.1f\n", best }' "$W/ids0" "$W/progs")
	if [ -n "$v" ]; then rec "$key.prog" "$v"; else failed "$key.prog" bpfstats; fi
}

# kernel.bpf_stats_enabled on (restored by cleanup), or 1 when it cannot be
stats_on() {
	command -v bpftool >/dev/null && [ -w /proc/sys/kernel/bpf_stats_enabled ] || return 1
	BPF_STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
}
stats_off() {
	echo "$BPF_STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	BPF_STATS_OLD=""
}

section_progtime() {
BPFSTAT_N=$((N / 2))
if stats_on; then
	printf '%s\n' "$TASKSET -c $GEN_CPU $GEN getppid $BPFSTAT_N" \
		"bpftool prog show >$W/progs" >"$W/gen-then-list.sh"
	note "eBPF program time per event (kernel.bpf_stats_enabled), $BPFSTAT_N events, 3 runs each"
	g="$W/gen-then-list.sh"
	for i in 1 2 3; do
		progtime tap_empty "$BPFSTAT_N" "$g" "$TAP" -e "$S_EMPTY"
		progtime tap_count "$BPFSTAT_N" "$g" "$TAP" -e "$S_COUNT"
		progtime tap_printf "$BPFSTAT_N" "$g" "$TAP" -o "$W/file" -e "$S_PRINTF"
		progtime bt_empty "$BPFSTAT_N" "$g" "$BPFTRACE" -e "$B_EMPTY"
		progtime bt_count "$BPFSTAT_N" "$g" "$BPFTRACE" -e "$B_COUNT"
		progtime bt_printf "$BPFSTAT_N" "$g" "$BPFTRACE" -o "$W/file" -e "$B_PRINTF"
	done
	rm -f "$W/file"
	stats_off
else
	note "no bpftool or no kernel.bpf_stats_enabled: no program times"
fi
}

# ---- (c) sustained rate to a file with zero loss --------------------------------

# K records per getppid of gen's, filtered on gen's pid so the file must
# hold exactly K * calls lines.  tap's own CPU time (perf stat --no-inherit
# leaves the -c child out) gives its cost per record.
rate_run() {
	k=$1
	s=$2
	calls=$((RATE_RECORDS / k))
	script="probe kernel.trace(\"syscalls:sys_enter_getppid\") { if (pid() == target()) for (i = 0; i < $k; i++) printf(\"%d %d\\n\", pid(), tid()) }"
	: >"$W/out"
	run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$PERF" stat --no-inherit -x, -e task-clock \
		-o "$W/stat" -- "$TAP" -s "$s" -o "$W/file" -e "$script" \
		-c "$TASKSET -c $GEN_CPU $GEN -t getppid $calls" >"$W/out" 2>"$W/err"
	ns=$(gen_ns "$W/out")
	lines=$(wc -l <"$W/file")
	lost=$(tap_lost "$W/err")
	cpu_ms=$(awk -F, '/task-clock/ { print $1 }' "$W/stat")
	rm -f "$W/file"
	[ -n "$ns" ] || {
		failed "rate.k$k" c
		return 1
	}
	RATE=$(awk -v k="$k" -v ns="$ns" 'BEGIN { printf "%.0f", k * 1e9 / ns }')
	TAPNS=$(awk -v ms="$cpu_ms" -v n="$lines" 'BEGIN { printf "%.1f", n ? ms * 1e6 / n : 0 }')
	ok=no
	[ "$lines" -eq $((k * calls)) ] && [ "$lost" -eq 0 ] && ok=yes
	printf '%6d %6d %9d %10s %11s %10d %10s %9s   %s\n' "$k" "$s" "$calls" "$ns" "$RATE" \
		"$lines" "$lost" "$TAPNS" "$ok" >>"$W/rate"
	[ $ok = yes ]
}

BEST_RATE=nan
BEST_S=-
BEST_K=-
: >"$W/rate"
section_rate() {
note "sustained rate: $RATE_RECORDS records per run, K records per getppid"
printf '%6s %6s %9s %10s %11s %10s %10s %9s   %s\n' K "-s MB" calls "ns/call" "records/s" \
	lines lost "tap ns/rec" "zero loss" >"$W/rate"
BEST_RATE=0
for k in 1 2 4 8 16 32; do
	for s in 4 16 64 256; do
		if rate_run "$k" "$s"; then
			if [ "$RATE" -gt "$BEST_RATE" ]; then
				BEST_RATE=$RATE
				BEST_S=$s
				BEST_K=$k
			fi
			rec rate.tapns "$TAPNS"
			break
		fi
	done
done
}

# ---- (d) start-up ------------------------------------------------------------------

S_BEGIN='probe begin { exit() }'
S_FIRST='probe kernel.trace("syscalls:sys_enter_getppid") { printf("hit\n"); exit() }'
B_FIRST='tracepoint:syscalls:sys_enter_getppid { printf("hit\n"); exit(); }'

section_startup() {
if ! "$TAP" -p4 -e "$S_BEGIN" >/dev/null || ! "$TAP" -p4 -e "$S_FIRST" >/dev/null; then
	die "tap cannot compile the start-up scripts"
fi

# timeit prints "MATCH_MS EXIT_MS STATUS": FIELD 1 records the match, 2 the exit.
clock() { # KEY FIELD TIMEIT-ARGS...
	key=$1
	field=$2
	shift 2
	run "$TIMEIT" -t 60 "$@" >"$W/t" 2>"$W/err"
	v=$(awk -v f="$field" '$3 == 0 && $f >= 0 { print $f }' "$W/t")
	if [ -z "$v" ]; then
		failed "$key" startup
		return
	fi
	rec "$key" "$v"
}

note "start-up: $SR runs each"
i=1
while [ $i -le "$SR" ]; do
	clock tap_begin 2 -- "$TAP" -e "$S_BEGIN"
	clock bt_begin 2 -- "$BPFTRACE" -e 'BEGIN { exit(); }'
	clock bt_to_begin 1 -m hit -- "$BPFTRACE" -e 'BEGIN { printf("hit\n"); exit(); }'
	mkdir "$W/cold$i"
	clock tap_cold 1 -g -m hit -- env TAPHUB_CACHE="$W/cold$i" "$TAP" -e "$S_FIRST"
	rm -rf "$W/cold$i"
	clock tap_first 1 -g -m hit -- "$TAP" -e "$S_FIRST"
	clock bt_first 1 -g -m hit -- "$BPFTRACE" -e "$B_FIRST"
	i=$((i + 1))
done
}

# ---- (e) the verifier's cost -------------------------------------------------------------

# The e2e test's full sweep: every syscall at MAXSTRINGLEN 128 and 4096
# too, every program listed (make check loads a subset at 4096).
section_verifier() {
	VERIFIER_COST_FULL=1 run sh "$BENCH/../tests/e2e/verifier_cost.sh" "$O" >"$W/verifier" 2>&1 ||
		note "verifier cost: a program is over the budget or did not load (see the report)"
}

# ---- (f) a kernel member through BTF on sched_switch ------------------------------

# gen ctxsw: two threads of gen on GEN_CPU pass a byte back and forth, NS
# round trips, two switches each.  The probes compare prev's comm with a
# name no task has, so all read it and none writes anything.
S_SW_ARG='global c; probe kernel.trace("sched:sched_switch") { if ($prev->comm == "zzzz") c++ }'
S_SW_FIELD='global c; probe kernel.trace("sched:sched_switch") { if ($prev_comm == "zzzz") c++ }'
B_SW_FIELD='tracepoint:sched:sched_switch { if (args->prev_comm == "zzzz") { @c = count(); } }'

one_sw() {
	cfg=$1
	swcmd="$PERF stat -x, -e $EVENTS -o $W/gstat -- $TASKSET -c $GEN_CPU $GEN -t ctxsw $NS"
	: >"$W/out"
	: >"$W/err"
	case $cfg in
	base) run timeout $TIMEOUT $swcmd >"$W/out" 2>"$W/err" ;;
	sw_tap_arg | sw_tap_field)
		s=$S_SW_ARG
		[ "$cfg" = sw_tap_field ] && s=$S_SW_FIELD
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -e "$s" -c "$swcmd" \
			>"$W/out" 2>"$W/err"
		;;
	sw_bt_field)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$BPFTRACE" -e "$B_SW_FIELD" \
			-c "$swcmd" >"$W/out" 2>"$W/err"
		;;
	esac
	key=$cfg
	[ "$cfg" = base ] && key=sw_base
	wall=$(gen_ns "$W/out")
	cpu=$(awk -F, -v n="$NS" '/task-clock/ { printf "%.1f\n", $1 * 1e6 / n }' "$W/gstat" 2>/dev/null)
	rm -f "$W/gstat"
	if [ -z "$wall" ] || [ -z "$cpu" ]; then
		failed "$key" "round $2"
		return
	fi
	rec "$key" "$cpu"
	rec "$key.wall" "$wall"
	echo "$cfg $cpu" >>"$W/seq"
}

section_btf() {
	for s in "$S_SW_ARG" "$S_SW_FIELD"; do
		"$TAP" -p4 -e "$s" >/dev/null || die "tap cannot compile: $s"
	done
	# interleaved pairs every run with the "base" runs of $W/seq: this
	# section's own
	[ -f "$W/seq" ] && mv "$W/seq" "$W/seq.events"
	interleaved one_sw "sw_tap_arg sw_tap_field sw_bt_field" "btf: "
	rm -f "$W/seq"
	[ -f "$W/seq.events" ] && mv "$W/seq.events" "$W/seq"
	# the programs' own run time, the same probes interleaved round by
	# round (and the baseline's $prev->comm): what the read itself costs,
	# without the noise of the switch around it
	stats_on || { note "no bpftool or no kernel.bpf_stats_enabled: no program times"; return; }
	printf '%s\n' "$TASKSET -c $GEN_CPU $GEN -t ctxsw $NS >/dev/null" \
		"bpftool prog show >$W/progs" >"$W/ctxsw-then-list.sh"
	for i in $(seq "$R"); do
		note "btf: program time, round $i of $R"
		progtime sw_tap_arg "$NS" "$W/ctxsw-then-list.sh" "$TAP" -e "$S_SW_ARG"
		progtime sw_tap_field "$NS" "$W/ctxsw-then-list.sh" "$TAP" -e "$S_SW_FIELD"
		progtime sw_bt_field "$NS" "$W/ctxsw-then-list.sh" "$BPFTRACE" -e "$B_SW_FIELD"
		[ -z "$OLD_TAP" ] ||
			progtime sw_old_arg "$NS" "$W/ctxsw-then-list.sh" "$OLD_TAP" -e "$S_SW_ARG"
	done
	stats_off
}

for section in events progtime rate startup verifier btf; do
	want $section && section_$section
done

# ---- the report ----------------------------------------------------------------------


echo
echo "== taphub benchmark: $(uname -r), $NCPU CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   gen on CPU $GEN_CPU, tracers on CPU $TRACER_CPU; $N getppid per run, $R interleaved rounds; medians"
machine_report
if want events; then
echo
echo "-- per-event runs: ns per getppid call of gen; cpu = gen's CPU time (perf stat task-clock), the"
echo "   measure used below; wall = gen -t.  cost = median - median of the untraced baseline;"
echo "   paired = median over runs of (run - mean of the untraced runs just before and after it)"
printf '%-12s %-50s %7s %15s %6s %6s %7s %7s %9s %7s\n' config what cpu "min..max" cost \
	paired wall "w.cost" events lost
for c in base tap_empty bt_empty tap_count bt_count tap_print0 tap_printf bt_printf perf_printf ftrace \
	${OLD_TAP:+old_count old_printf}; do
	set -- $(stats "$c")
	case $c in
	base) what="untraced" ;;
	tap_empty) what="tap: empty handler" ;;
	bt_empty) what="bpftrace: empty handler" ;;
	tap_count) what="tap: c++" ;;
	bt_count) what="bpftrace: @c = count()" ;;
	tap_print0) what="tap -o FILE: printf(\"x\\n\")" ;;
	tap_printf) what="tap -o FILE: printf(\"%d %d\\n\", pid(), tid())" ;;
	bt_printf) what="bpftrace -o FILE: printf(\"%d %d\\n\", pid, tid)" ;;
	perf_printf) what="perf record -a -e syscalls:sys_enter_getppid" ;;
	ftrace) what="ftrace: event enabled, trace buffer" ;;
	old_count) what="baseline tap: c++" ;;
	old_printf) what="baseline tap -o FILE: printf(\"%d %d\\n\", pid(), tid())" ;;
	esac
	lines=$(awk -v k="$c.lines" '$1 == k { v = $2 } END { print v == "" ? "-" : v }' "$RES")
	lost=$(awk -v k="$c.lost" '$1 == k { s += $2; n++ } END { print n ? s : "-" }' "$RES")
	cst=$(cost "$c")
	wall=$(med "$c.wall")
	wcst=$(cost "$c.wall" base.wall)
	pair=$(med "$c.pair")
	[ "$c" = base ] && cst=- && wcst=- && pair=-
	fails=$(sum "$c.failed")
	[ "$fails" -gt 0 ] && what="$what [$fails FAILED]"
	printf '%-12s %-50s %7s %15s %6s %6s %7s %7s %9s %7s\n' "$c" "$what" "$1" "$2..$3" "$cst" \
		"$pair" "$wall" "$wcst" "$lines" "$lost"
done
echo "   $R runs each (base: before each traced run and once at the end).  events: lines in the"
echo "   last run's file (tap, bpftrace), samples (perf), entries + overrun (ftrace); lost: all runs."
echo "   All tracers are system-wide, so other processes' getppid calls count too."
set -- $(stats base)
NOISE=$(awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.0f", (m > 0) ? 100 * (hi - lo) / m : 0 }')
[ "$NOISE" -gt 15 ] &&
	echo "   NOISY: the untraced baseline ranged over $NOISE% of its median across runs (another" &&
	echo "   load on the machine or its host); costs of a few tens of ns are within the noise."
if [ -n "$INSN" ]; then
	echo "   instructions per getppid call:" \
		"base $(med base.insn), tap c++ $(med tap_count.insn), bpftrace count $(med bt_count.insn)," \
		"tap printf $(med tap_printf.insn), ftrace $(med ftrace.insn)"
fi
fi
if want progtime; then
	echo
	echo "-- eBPF program run time per event, ns (kernel.bpf_stats_enabled, median of 3 runs of"
	echo "   $((N / 2)) calls; the kernel's two clock reads per run included; not the dispatch)"
	echo "   tap:      empty $(med tap_empty.prog), c++ $(med tap_count.prog), printf $(med tap_printf.prog)"
	echo "   bpftrace: empty $(med bt_empty.prog), count $(med bt_count.prog), printf $(med bt_printf.prog)"
fi

if want rate; then
echo
echo "-- sustained rate to a file (tap -o, K printf records per getppid, $RATE_RECORDS records per run)"
cat "$W/rate"
RATE_TAPNS=$(med rate.tapns)
echo "   tap ns/rec: tap's own CPU time (drain, formatting, write) per record; one core drains"
echo "   at most ~$(awk -v n="$RATE_TAPNS" 'BEGIN { printf "%.1f", (n > 0) ? 1e3 / n : 0 }') M records/s at the median ($RATE_TAPNS ns)"
fi

TAP_COUNT=$(cost tap_count)
BT_COUNT=$(cost bt_count)
TAP_PRINTF=$(cost tap_printf)
BT_PRINTF=$(cost bt_printf)
PERF_PRINTF=$(cost perf_printf)
FTRACE=$(cost ftrace)
TB=$(med tap_begin)
BB=$(med bt_begin)
BTB=$(med bt_to_begin)
TC=$(med tap_cold)
TF=$(med tap_first)
BF=$(med bt_first)

r_count=$(ratio "$TAP_COUNT" "$BT_COUNT")
r_ftrace=$(ratio "$TAP_PRINTF" "$FTRACE")
r_bt=$(ratio "$TAP_PRINTF" "$BT_PRINTF")
r_perf=$(ratio "$TAP_PRINTF" "$PERF_PRINTF")
r_begin=$(ratio "$TB" "$BB")
r_cold=$(ratio "$TC" "$BF")
r_first=$(ratio "$TF" "$BF")
r_tobegin=$(ratio "$TF" "$BTB")

echo
echo "-- summary (ratio = taphub / peer)"
printf '%-44s %10s  %-32s %10s %8s  %-14s %s\n' measure taphub peer "peer" ratio target result
row() {
	printf '%-44s %10s  %-32s %10s %8s  %-14s %s\n' "$@"
}
row "(a) count c++, ns/event over baseline" "$TAP_COUNT" "bpftrace @c = count()" "$BT_COUNT" \
	"$r_count" "ratio <= 0.80" "$(verdict events "$r_count" '<=' 0.8)"
row "(b) printf to a file, ns/event" "$TAP_PRINTF" "ftrace (trace buffer)" "$FTRACE" \
	"$r_ftrace" "ratio <= 1.50" "$(verdict events "$r_ftrace" '<=' 1.5)"
row "(b) printf to a file, ns/event" "$TAP_PRINTF" "bpftrace printf -o" "$BT_PRINTF" \
	"$r_bt" "ratio <= 0.05" "$(verdict events "$r_bt" '<=' 0.05)"
row "(b) printf to a file, ns/event" "$TAP_PRINTF" "perf record -a" "$PERF_PRINTF" \
	"$r_perf" "-" "(info)"
if [ -n "$OLD_TAP" ]; then
	OLD_COUNT=$(cost old_count)
	OLD_PRINTF=$(cost old_printf)
	row "count c++, this build / baseline" "$TAP_COUNT" "baseline tap ($BENCH_BASELINE)" \
		"$OLD_COUNT" "$(ratio "$TAP_COUNT" "$OLD_COUNT")" "-" "(info)"
	row "printf to a file, this build / baseline" "$TAP_PRINTF" "baseline tap ($BENCH_BASELINE)" \
		"$OLD_PRINTF" "$(ratio "$TAP_PRINTF" "$OLD_PRINTF")" "-" "(info)"
fi
row "(c) records/s to a file, zero loss" "$BEST_RATE" "(K=$BEST_K, tap -s $BEST_S)" "-" "-" \
	">= 2000000" "$(verdict rate "$BEST_RATE" '>=' 2000000)"
row "(d) cached begin/exit, launch to exit, ms" "$TB" "bpftrace BEGIN { exit(); }" "$BB" \
	"$r_begin" "tap <= 50 ms" "$(verdict startup "$TB" '<=' 50)"
row "(d) cold compile to first event, ms" "$TC" "bpftrace launch to first event" "$BF" \
	"$r_cold" "tap <= 1000 ms" "$(verdict startup "$TC" '<=' 1000)"
row "(d) cached launch to first event, ms" "$TF" "bpftrace launch to first event" "$BF" \
	"$r_first" "-" "(info)"
row "(d) cached launch to first event, ms" "$TF" "bpftrace launch to BEGIN" "$BTB" \
	"$r_tobegin" "-" "(info)"
if want startup; then
	echo
	echo "   start-up: median of $SR runs; cold = empty TAPHUB_CACHE (clang, libbpf and the"
	echo "   kernel's BTF in the page cache); first event = a getppid() the clock process makes"
	echo "   every 100 us, printed by the tracer; begin/exit and BEGIN have no output to wait for."
fi

if want btf; then
	SW_ARG=$(cost sw_tap_arg sw_base)
	SW_FIELD=$(cost sw_tap_field sw_base)
	SW_BT=$(cost sw_bt_field sw_base)
	r_sw=$(ratio "$SW_ARG" "$SW_BT")
	echo
	echo "-- (f) sched_switch reading prev's comm: gen ctxsw on CPU $GEN_CPU, $NS round trips (two"
	echo "   switches each) per run; ns of gen's CPU time per round trip, cost over the untraced base"
	printf '%-14s %-58s %7s %15s %7s %7s\n' config what cpu "min..max" cost paired
	for c in sw_base sw_tap_arg sw_tap_field sw_bt_field; do
		set -- $(stats "$c")
		case $c in
		sw_base) what="untraced" ;;
		sw_tap_arg) what="tap: \$prev->comm (tp_btf, CO-RE loads through BTF)" ;;
		sw_tap_field) what="tap: \$prev_comm (tp/ record)" ;;
		sw_bt_field) what="bpftrace: args->prev_comm (tracepoint record)" ;;
		esac
		cst=$(cost "$c" sw_base)
		pair=$(med "$c.pair")
		[ "$c" = sw_base ] && cst=- && pair=-
		printf '%-14s %-58s %7s %15s %7s %7s\n' "$c" "$what" "$1" "$2..$3" "$cst" "$pair"
	done
	row "(f) \$prev->comm on sched_switch, ns/round trip" "$SW_ARG" "bpftrace args->prev_comm" "$SW_BT" \
		"$r_sw" "ratio <= 1.00" "$(verdict btf "$r_sw" '<=' 1.0)"
	# the paired costs, a cross-check when the baseline drifts
	SWP_ARG=$(med sw_tap_arg.pair)
	SWP_BT=$(med sw_bt_field.pair)
	row "(f) the same, paired" "$SWP_ARG" "bpftrace args->prev_comm" "$SWP_BT" \
		"$(ratio "$SWP_ARG" "$SWP_BT")" "-" "(info)"
	echo "-- (f) the programs' run time per switch, ns (kernel.bpf_stats_enabled, median of $R runs"
	old=""
	[ -z "$OLD_TAP" ] || old=", baseline's tap \$prev->comm $(med sw_old_arg.prog)"
	echo "   of $NS round trips, interleaved): tap \$prev->comm $(med sw_tap_arg.prog)," \
		"tap \$prev_comm $(med sw_tap_field.prog), bpftrace args->prev_comm $(med sw_bt_field.prog)$old"
	SWT_ARG=$(med sw_tap_arg.prog)
	SWT_BT=$(med sw_bt_field.prog)
	row "(f) \$prev->comm, program ns/switch" "$SWT_ARG" "bpftrace args->prev_comm" "$SWT_BT" \
		"$(ratio "$SWT_ARG" "$SWT_BT")" "ratio <= 1.00" "$(verdict btf "$(ratio "$SWT_ARG" "$SWT_BT")" '<=' 1.0)"
fi

if want verifier; then
	echo
	echo "-- (e) verifier cost: insns the verifier processed per program, and the headroom to its"
	echo "   limit of 1000000; a FAIL is a program over 250000 (tests/e2e/verifier_cost.sh)"
	grep -E '^(#|PASS|FAIL|    )' "$W/verifier"
fi
