# SPDX-License-Identifier: MIT
#
# Shared by bench/run.sh and bench/hub.sh (sourced): messages, the section
# filter, running a child so an interrupt stops exactly it, and the
# results file of "KEY VALUE" lines with its statistics.  The caller sets
# ONLY (sections wanted) and RES (the results file) and keeps CHILD for its
# cleanup.

want() {
	case " $ONLY " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

die() {
	echo "bench: $*" >&2
	exit 1
}
note() {
	printf '%s\n' "bench: $*" >&2
}

# bench_tools BUILD: TAP and GEN of the build, BPFTRACE and TASKSET (a
# path: bpftrace -c wants one unambiguous path, not a name found twice on
# PATH), or die saying which is missing.
bench_tools() {
	TAP=$(realpath "$1/tap" 2>/dev/null) || die "no $1/tap: run make first"
	GEN=$(realpath "$1/tests/e2e/gen" 2>/dev/null) || die "no $1/tests/e2e/gen"
	BPFTRACE=$(command -v bpftrace) || die "bpftrace not installed (make deps)"
	TASKSET=$(realpath "$(command -v taskset)") || die "taskset not installed"
}

# Run a command in the background and wait for it, so an interrupt can
# stop exactly it (by its pid) in cleanup.
run() {
	"$@" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	return $rc
}

# Results are "KEY VALUE" lines, several per key.
rec() {
	echo "$1 $2" >>"$RES"
}

# Statistics over the values recorded for a key: median, min, max, count.
stats() {
	awk -v k="$1" '$1 == k { print $2 }' "$RES" | sort -g | awk '
		{ a[NR] = $1 }
		END {
			if (!NR) { print "nan nan nan 0"; exit }
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f %d\n", m, a[1], a[NR], NR
		}'
}
med() {
	stats "$1" | cut -d' ' -f1
}
sum() {
	awk -v k="$1" '$1 == k { s += $2 } END { printf "%d\n", s }' "$RES"
}

# gen's "ns per call" line in a run's standard output.
gen_ns() {
	grep -E '^[0-9]+\.[0-9]$' "$1" | tail -n 1
}

# interleaved RUN "CONFIGS" [LABEL]: $R rounds of the configs in a
# rotating order (so none always follows another), each traced run after
# an untraced one (`RUN base ROUND`): the baseline drifts and is sampled
# as densely as the rest; one more untraced run at the end.  RUN appends
# "CONFIG VALUE" to $W/seq; the paired costs (each run minus the mean of
# the untraced runs either side, a cross-check of median - median) go to
# the results as CONFIG.pair.
interleaved() {
	_il_run=$1
	_il_cfgs=$2
	_il_label=${3:-}
	_il_i=1
	while [ $_il_i -le "$R" ]; do
		set -- $_il_cfgs
		_il_k=1
		while [ $_il_k -lt $_il_i ]; do
			_il_x=$1
			shift
			set -- "$@" "$_il_x"
			_il_k=$((_il_k + 1))
		done
		note "${_il_label}round $_il_i/$R: $*"
		for _il_c in "$@"; do
			"$_il_run" base "$_il_i"
			"$_il_run" "$_il_c" "$_il_i"
		done
		_il_i=$((_il_i + 1))
	done
	"$_il_run" base end
	awk '$1 == "base" {
			for (j = 0; j < np; j++)
				print pc[j] ".pair", pv[j] - (pb[j] + $2) / 2
			np = 0; b = $2; next
		}
		{ pc[np] = $1; pv[np] = $2; pb[np] = b; np++ }' "$W/seq" >>"$RES"
}

# cost KEY [BASEKEY]: median of KEY minus the median of the baseline
cost() {
	m=$(med "$1")
	b=$(med "${2:-base}")
	awk -v m="$m" -v b="$b" 'BEGIN { if (m == "nan" || b == "nan") print "nan"; else printf "%.1f\n", m - b }'
}
# ratio A B: A / B, "-" when either is missing
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.3f\n", a / b }'
}
# verdict SECTION VALUE OP LIMIT: PASS or MISS (OP is <=, == or >=)
verdict() {
	want "$1" || {
		echo "(not run)"
		return
	}
	awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN {
		if (v == "nan" || v == "-" || v == "") { print "MISS (no data)"; exit }
		ok = op == "<=" ? v + 0 <= l + 0 : op == "==" ? v + 0 == l + 0 : v + 0 >= l + 0
		print ok ? "PASS" : "MISS"
	}'
}

# A run failed: say so (it is never silently dropped from a median).
failed() { # KEY WHAT
	note "$1 failed ($2):"
	tail -n 5 "$W/err" "$W/out" >&2 2>/dev/null
	rec "$1.failed" 1
}

# gen_result CONFIG ROUND: gen's CPU time per call (perf stat in $W/gstat,
# $N calls) and its own wall time per call ($W/out) go to the results and
# to $W/seq (for the paired costs); a run without them failed.
gen_result() {
	_gr_wall=$(gen_ns "$W/out")
	_gr_cpu=$(awk -F, -v n="$N" '/task-clock/ { printf "%.1f\n", $1 * 1e6 / n }' "$W/gstat" 2>/dev/null)
	if [ -z "$_gr_wall" ] || [ -z "$_gr_cpu" ]; then
		failed "$1" "round $2"
		return 1
	fi
	rec "$1" "$_gr_cpu"
	rec "$1.wall" "$_gr_wall"
	echo "$1 $_gr_cpu" >>"$W/seq"
}

# Tracers left by others run on every traced syscall, the baseline's too:
# say so, before and after (the report repeats it).
foreign_tracing() {
	{
		command -v bpftool >/dev/null &&
			bpftool prog show 2>/dev/null |
			sed -n 's/^\([0-9]*\): \(raw_tracepoint\|tracepoint\|tracing\|kprobe\|perf_event\) .*name \([^ ]*\).*/\2:\3(id \1)/p'
		sed 's/^/ftrace:/' /sys/kernel/tracing/set_event 2>/dev/null
	} | tr '\n' ' '
}

# The machine before a run (LOAD0, FOREIGN0), noted when it is not quiet.
machine_before() {
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	case $LOAD0 in
	0.[0-4]*) ;;
	*) note "load average $LOAD0: other work on this machine will make the numbers noisy" ;;
	esac
	FOREIGN0=$(foreign_tracing)
	[ -n "$FOREIGN0" ] && note "WARNING: other tracing is active, every run pays for it: $FOREIGN0"
	return 0
}

# The report's lines on the machine: load before and after, others' tracing.
machine_report() {
	echo "   load average before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	FOREIGN1=$(foreign_tracing)
	[ -n "$FOREIGN0$FOREIGN1" ] &&
		echo "   WARNING: tracing by other processes was active (before: ${FOREIGN0:-none}; after: ${FOREIGN1:-none})"
	return 0
}

# bench_workdir NAME: the work directory $W (removed on exit, with the
# child a run left), its own compile cache and the results file $RES, for
# the small benchmarks (kfunc.sh, user.sh) that need no other cleanup.
bench_workdir() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/taphub-$1.XXXXXX") || die "mktemp"
	CHILD=""
	trap bench_workdir_cleanup EXIT
	trap 'exit 130' INT TERM
	export TAPHUB_CACHE="$W/cache"
	RES="$W/results"
	: >"$RES"
}
bench_workdir_cleanup() {
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	rm -rf "$W"
}

# gen_wall CONFIG ROUND: the wall ns per call a run printed ($W/out) goes
# to the results and to $W/seq (for the paired costs); none means it failed.
gen_wall() {
	_gw=$(gen_ns "$W/out")
	if [ -z "$_gw" ]; then
		failed "$1" "round $2"
		return 1
	fi
	rec "$1" "$_gw"
	echo "$1 $_gw" >>"$W/seq"
}

# cost_lines CONFIG...: each config's cost over the baseline, and the
# cross-check of the paired costs.
cost_lines() {
	for _cl in "$@"; do
		echo "   $_cl: cost $(cost "$_cl") ns (paired $(med "$_cl.pair"))"
	done
}
