#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/hub.sh BUILD_DIR: the hub and its output files (`make bench`, after
# bench/run.sh).  Issues 4 and 5; docs/performance.md explains the method
# and shows a run.
#
#   guests     per-event cost of a probe writing into a relay host class with
#              0, 1 and 4 other guests attached (and, for reference, the same
#              probe in a foreground tap -o)
#   cycles     gaps in a numbered stream the host records while 100 guests
#              are added and removed; time per add and remove
#   isolation  rare-class loss while another class of the host is flooded
#   addtime    time to add a cached guest to a running host
#   filerate   records/s into rotated files (-o FILE -S 10,3): foreground tap
#              and a -F session (the hub writes), text and binary
#   switch     gaps across 100 file switches (tapctl switch, SIGUSR2 to tap)
#              and time per switch
#   recover    tapctl recover of a 1 GB class store after kill -9 of taphubd
#   store      the class store's stress test for BENCH_STORE_SECONDS: one
#              writer overwriting a 4 KB store, 3 readers checking every
#              record they accept; records checked per second, torn ones (0)
#
# Per-event cost uses bench/run.sh's method: gen pinned to GEN_CPU under
# perf stat -e task-clock, untraced baselines interleaved, medians.
# Everything else counts numbered events exactly (the probe numbers them,
# ++n, so a missing record is a gap) and times with the wall clock.
#
# Environment: BENCH_EVENTS (2000000), BENCH_REPS (5), GEN_CPU (last CPU),
# TRACER_CPU (0; taphubd and tap run there), BENCH_CYCLES (100),
# BENCH_FLOOD_SECONDS (30), BENCH_ADD_REPS (10), BENCH_HUB_RATE_RECORDS
# (8000000), BENCH_SWITCHES (100), BENCH_RECOVER_MB (1024), BENCH_RECOVER_REPS
# (3), BENCH_STORE_SECONDS (60), BENCH_ONLY (the sections to run, default
# all of them: "guests cycles isolation addtime filerate switch recover
# store"; bench/run.sh's names are ignored here).
#
# Root only.  A private taphubd per section (its own socket and state dir in
# a temporary directory); everything started here is stopped by pid, and the
# temporary directory and the bpffs pins of its state dirs are removed on
# any exit, also on Ctrl-C.
# $GENCMD is a command line, stat's output a list of numbers: both split on
# purpose.
# Scripts are in single quotes on purpose ($1 is the script's), and the
# file names listed with ls are this script's own.
# shellcheck disable=SC2086,SC2046,SC2016,SC2012,SC2010
set -u

O=${1:-build}
N=${BENCH_EVENTS:-2000000}
R=${BENCH_REPS:-5}
CYCLES=${BENCH_CYCLES:-100}
FLOOD_S=${BENCH_FLOOD_SECONDS:-30}
ADD_REPS=${BENCH_ADD_REPS:-10}
RATE_RECORDS=${BENCH_HUB_RATE_RECORDS:-8000000}
SWITCHES=${BENCH_SWITCHES:-100}
RECOVER_MB=${BENCH_RECOVER_MB:-1024}
RECOVER_REPS=${BENCH_RECOVER_REPS:-3}
STORE_S=${BENCH_STORE_SECONDS:-60}
NCPU=$(nproc)
GEN_CPU=${GEN_CPU:-$((NCPU - 1))}
TRACER_CPU=${TRACER_CPU:-0}
ALL="guests cycles isolation addtime filerate switch recover store"
ONLY=${BENCH_ONLY:-$ALL}
TIMEOUT=600

. "$(dirname "$0")/lib.sh"

any=""
for s in $ALL; do
	want $s && any=1
done
[ -n "$any" ] || exit 0

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, perf, bpffs)"
B=$(realpath "$O" 2>/dev/null) || die "no $O: run make first"
TAP=$B/tap
TAPCTL=$B/tapctl
TAPREAD=$B/tap-read
HUBD=$B/taphubd
GEN=$B/tests/e2e/gen
for f in "$TAP" "$TAPCTL" "$TAPREAD" "$HUBD" "$GEN"; do
	[ -x "$f" ] || die "no $f: run make first"
done
PERF=$(command -v perf) || die "perf not installed (make deps)"
TASKSET=$(realpath "$(command -v taskset)") || die "taskset not installed"
[ "$NCPU" -ge 2 ] || note "one CPU: tracer and generator share it"

BENCH=$(dirname "$(realpath "$0")")
mkdir -p "$B/bench"
${CC:-gcc} -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$B/bench/timeit" \
	"$BENCH/timeit.c" || die "cannot build bench/timeit.c"

# Disk-backed, like real -o files and stores (not tmpfs).
W=$(mktemp -d /var/tmp/taphub-hbench.XXXXXX) || die "mktemp"
chmod 755 "$W"
CHILD=""
PIDS=""
HUBPID=""
PINDIRS=""

# Runners (tap -F's background processes, re-parented to init) end when
# their hub goes; any left are found by the socket path in their
# environment, which is this run's alone, and stopped by pid.
stop_runners() {
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" = $$ ] && continue
		grep -qzx "TAPHUB_SOCKET=$W/hub.sock" "$e" 2>/dev/null && kill "$p" 2>/dev/null
	done
}

hub_stop() {
	[ -n "$HUBPID" ] || return 0
	kill "$HUBPID" 2>/dev/null
	i=0
	while kill -0 "$HUBPID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$HUBPID" 2>/dev/null
	wait "$HUBPID" 2>/dev/null
	HUBPID=""
}

cleanup() {
	[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	hub_stop
	sleep 0.3
	stop_runners
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for d in $PINDIRS; do
		rm -rf "$d"
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

track() {
	PIDS="$PIDS $*"
}

export TAPHUB_SOCKET="$W/hub.sock"
export TAPHUB_CACHE="$W/cache"
RES="$W/results"
: >"$RES"

# the last value recorded for a key, "-" without one
last() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "-" : v }' "$RES"
}

now_ns() {
	date +%s%N
}
ms_since() { # T0_NS: milliseconds since
	awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.2f\n", (b - a) / 1e6 }'
}

# A private taphubd, state in $W/NAME, pinned to TRACER_CPU (its drain and
# writer threads with it).
hub_start() {
	HUBSTATE=$W/$1
	mkdir -p "$HUBSTATE"
	PINDIRS="$PINDIRS /sys/fs/bpf/taphub/s$(printf %x "$(stat -c %d "$HUBSTATE")")_$(printf %x "$(stat -c %i "$HUBSTATE")")"
	"$TASKSET" -c "$TRACER_CPU" "$HUBD" -f --socket "$TAPHUB_SOCKET" --state-dir "$HUBSTATE" \
		>>"$W/hub.log" 2>&1 &
	HUBPID=$!
	i=0
	while [ $i -lt 50 ]; do
		[ -S "$TAPHUB_SOCKET" ] && "$TAPCTL" list >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	tail -n 20 "$W/hub.log" >&2
	die "taphubd did not start"
}

# hub CPU time so far, in ms (utime + stime of all its threads)
hub_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1000 / hz }' "/proc/$HUBPID/stat"
}

# cls HOST CLASS FIELD: a class's counter from tapctl --json list
# (size fill records overwritten lost)
cls() {
	"$TAPCTL" --json list 2>/dev/null | awk -v h="\"host\":\"$1\"" -v c="\"name\":\"$2\"" \
		-v f="\"$3\":" 'index($0, "\"kind\":\"class\"") && index($0, h) && index($0, c) {
			i = index($0, f); s = substr($0, i + length(f)); sub(/[,}].*/, "", s); print s; exit }'
}

# tap -F, pinned like the hub (the runner it starts stays there too)
tapf() {
	"$TASKSET" -c "$TRACER_CPU" "$TAP" -F "$@" >/dev/null 2>"$W/tapf.err"
}

# A numbered stream: a subshell that runs `gen getppid CHUNK` (pinned to
# GEN_CPU) over and over, PAUSE seconds apart, from the moment $W/s.go
# exists until $W/s.stop does.  Its pid ($SPID, the parent of every gen it
# runs) is what the probes filter on; the events it made are CHUNK times
# the number of runs (stream_stop sets STREAM_EVENTS).
stream_start() { # CHUNK PAUSE
	rm -f "$W/s.go" "$W/s.stop" "$W/s.n"
	STREAM_CHUNK=$1
	(
		while [ ! -e "$W/s.go" ]; do
			[ -e "$W/s.stop" ] && break
			sleep 0.01
		done
		c=0
		while [ ! -e "$W/s.stop" ]; do
			"$TASKSET" -c "$GEN_CPU" "$GEN" getppid "$1" >/dev/null || break
			c=$((c + 1))
			[ "$2" = 0 ] || sleep "$2"
		done
		echo $c >"$W/s.n"
	) &
	SPID=$!
	track $SPID
}
stream_go() {
	: >"$W/s.go"
}
stream_stop() {
	: >"$W/s.stop"
	wait "$SPID"
	STREAM_EVENTS=$(($(cat "$W/s.n" 2>/dev/null || echo 0) * STREAM_CHUNK))
}

# The numbered probe: every getppid of a gen whose parent is $1
NUMBERED='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d\n", ++n)
}'

# seqcheck FIRST LAST < lines: counts over the lines that are a number
# (first field): "LINES GAPS MISSING LOSTMARKED" -- a gap is a place where
# a number is not the previous one + 1 (the start before FIRST and the end
# after LAST included); missing = LAST - FIRST + 1 - lines; lostmarked =
# the records WARNING lines (LOST markers) say were lost.
seqcheck() {
	awk -v a="$1" -v b="$2" '
		/^WARNING: [0-9]+ records lost/ { lm += $2; next }
		$1 !~ /^[0-9]+$/ { next }
		{
			v = $1 + 0
			if (n == 0) { if (v != a) g++ }
			else if (v != p + 1) g++
			p = v; n++
		}
		END {
			if (n == 0) { print 0, 1, b - a + 1, lm + 0; exit }
			if (p != b) g++
			print n, g + 0, b - a + 1 - n, lm + 0
		}'
}

note "$(uname -r), $NCPU CPUs; generator on CPU $GEN_CPU, taphubd and tap on CPU $TRACER_CPU; sections: $ONLY"
machine_before

# ---- 1. guests: per-event cost in a relay host class, 0/1/4 other guests ----------

GENCMD="$PERF stat -x, -e task-clock -o $W/gstat -- $TASKSET -c $GEN_CPU $GEN -t getppid $N"
# the probe measured: bench/run.sh's printf, into the host's class
S_PROBE='probe kernel.trace("syscalls:sys_enter_getppid") { printf("%d %d\n", pid(), tid()) }'
# other guests: one on a tracepoint that does not fire here (idle), one on
# another system call (its raw_tp/sys_enter program runs on every system
# call, getppid included, and returns at the syscall-number filter)
S_IDLE='probe kernel.trace("sched:sched_process_exec") { printf("exec %s\n", execname()) }'
S_SYS='probe kernel.trace("syscalls:sys_enter_getpid") { if (pid() == 1) printf("%d\n", tid()) }'

guests_one() {
	cfg=$1
	r=$2
	: >"$W/out"
	: >"$W/err"
	rm -f "$W/gstat"
	case $cfg in
	base)
		run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err"
		;;
	fg)
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$TAP" -o "$W/fgfile" -e "$S_PROBE" \
			-c "$GENCMD" >"$W/out" 2>"$W/err"
		rec "$cfg.lines" "$(wc -l <"$W/fgfile")"
		rec "$cfg.lost" "$(sed -n 's/^WARNING: \([0-9]*\) records lost.*/\1/p' "$W/err" | awk '{ s += $1 } END { print s + 0 }')"
		rm -f "$W/fgfile"
		;;
	g* | s*)
		k=${cfg#?}
		other=$S_IDLE
		case $cfg in s*) other=$S_SYS ;; esac
		j=1
		while [ "$j" -le "$k" ]; do
			tapf -m o$j --relay-guest bh -e "$other" || failed "$cfg.add" "round $r"
			j=$((j + 1))
		done
		tapf -m p --relay-guest bh -e "$S_PROBE" || failed "$cfg.add" "round $r"
		w0=$(cls bh default records)
		l0=$(cls bh default lost)
		c0=$(hub_cpu_ms)
		run timeout $TIMEOUT $GENCMD >"$W/out" 2>"$W/err"
		"$TAPCTL" stop p --discard >/dev/null 2>&1
		c1=$(hub_cpu_ms)
		w1=$(cls bh default records)
		l1=$(cls bh default lost)
		j=1
		while [ "$j" -le "$k" ]; do
			"$TAPCTL" stop o$j --discard >/dev/null 2>&1
			j=$((j + 1))
		done
		rec "$cfg.lines" $((w1 - w0))
		rec "$cfg.lost" $((l1 - l0))
		[ "$w1" -gt "$w0" ] && rec "$cfg.hubns" "$(awk -v c=$((c1 - c0)) -v n=$((w1 - w0)) 'BEGIN { printf "%.1f\n", c * 1e6 / n }')"
		;;
	esac
	gen_result "$cfg" "$r"
}

GCFGS="g0 g1 g4 s1 s4 fg"
section_guests() {
	hub_start guests
	"$TAPCTL" host create bh --class default=64M:overwrite >/dev/null || die "tapctl host create"
	# compile everything once (the runs add cached guests)
	for s in "$S_PROBE" "$S_IDLE" "$S_SYS"; do
		tapf -m warm --relay-guest bh -e "$s" || die "tap -F cannot add: $s ($(cat "$W/tapf.err"))"
		"$TAPCTL" stop warm --discard >/dev/null 2>&1
	done
	: >"$W/seq"
	interleaved guests_one "$GCFGS" "guests, "
	"$TAPCTL" host destroy bh --force >/dev/null 2>&1
	hub_stop
}

# ---- 2. cycles: guests added and removed while the host records ---------------------

S_CYCLE='probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("guest %d\n", tid())
}'

section_cycles() {
	hub_start cycles
	# a stream of about 100 k events/s: 1000 getppid, 10 ms apart
	stream_start 1000 0.01
	tapf -m seqh --relay-host seqh --host-class seq=256M:discard --class seq \
		-o "$W/seq.txt" -e "$NUMBERED" "$SPID" || die "the numbered host: $(cat "$W/tapf.err")"
	# one cycle before, so that the guest is in the compile cache
	tapf -m warm --relay-guest seqh --class seq -e "$S_CYCLE" "$SPID" ||
		die "the cycling guest: $(cat "$W/tapf.err")"
	"$TAPCTL" stop warm --discard >/dev/null
	note "cycles: $CYCLES guests added and removed while the host records"
	stream_go
	sleep 0.2
	fails=0
	t0=$(now_ns)
	i=0
	while [ $i -lt "$CYCLES" ]; do
		i=$((i + 1))
		a=$(now_ns)
		if ! tapf -m g$i --relay-guest seqh --class seq -e "$S_CYCLE" "$SPID"; then
			fails=$((fails + 1))
			cat "$W/tapf.err" >&2
			continue
		fi
		rec cyc.add "$(ms_since "$a")"
		a=$(now_ns)
		"$TAPCTL" stop g$i --discard >/dev/null 2>&1 || fails=$((fails + 1))
		rec cyc.rm "$(ms_since "$a")"
	done
	rec cyc.total "$(ms_since "$t0")"
	sleep 0.2
	stream_stop
	sleep 0.3
	rec cyc.lost "$(cls seqh seq lost)"
	"$TAPCTL" stop seqh --discard >/dev/null 2>&1
	set -- $(seqcheck 1 "$STREAM_EVENTS" <"$W/seq.txt")
	rec cyc.events "$STREAM_EVENTS"
	rec cyc.lines "$1"
	rec cyc.gaps "$2"
	rec cyc.missing "$3"
	rec cyc.marked "$4"
	rec cyc.guestrecs "$(grep -c '^guest ' "$W/seq.txt")"
	rec cyc.fails "$fails"
	rm -f "$W/seq.txt"
	hub_stop
}

# ---- 3. isolation: a rare class under a bulk flood ---------------------------------------

section_isolation() {
	hub_start isolation
	"$TAPCTL" host create iso --class rare=256K:discard --class bulk=4M:overwrite >/dev/null ||
		die "tapctl host create iso"
	tapf -m rare --relay-guest iso --class rare -o "$W/rare.txt" -e 'global n
		probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "gen" && ppid() == $1) printf("rare %d\n", ++n) }' $$ ||
		die "the rare guest: $(cat "$W/tapf.err")"
	tapf -m bulk --relay-guest iso --class bulk -e '
		probe kernel.trace("syscalls:sys_enter_getpid") { if (execname() == "gen" && ppid() == $1) printf("bulk %d %d\n", cpu(), tid()) }' $$ ||
		die "the bulk guest: $(cat "$W/tapf.err")"
	note "isolation: two generators flood class bulk for $FLOOD_S s, 10 rare events/s"
	c0=$(hub_cpu_ms)
	"$GEN" -t flood $((FLOOD_S * 1000)) >"$W/f1" &
	F1=$!
	"$GEN" -t flood $((FLOOD_S * 1000)) >"$W/f2" &
	F2=$!
	track $F1 $F2
	nrare=$((FLOOD_S * 10))
	i=0
	while [ $i -lt $nrare ]; do
		i=$((i + 1))
		"$GEN" getppid 1
		sleep 0.1
	done
	wait $F1 $F2
	c1=$(hub_cpu_ms)
	sleep 0.3
	calls=$(cat "$W/f1" "$W/f2" | awk -v ms=$((FLOOD_S * 1000)) '$1 > 0 { s += ms * 1e6 / $1 } END { printf "%.0f\n", s }')
	rec iso.secs "$FLOOD_S"
	rec iso.calls "$calls"
	rec iso.bulk "$(cls iso bulk records)"
	rec iso.bulkover "$(cls iso bulk overwritten)"
	rec iso.bulklost "$(cls iso bulk lost)"
	rec iso.rare "$nrare"
	rec iso.rarerec "$(cls iso rare records)"
	rec iso.rarelost "$(cls iso rare lost)"
	rec iso.hubcpu $((c1 - c0))
	"$TAPCTL" stop bulk --discard >/dev/null 2>&1
	"$TAPCTL" stop rare --discard >/dev/null 2>&1
	set -- $(sed -n 's/^rare //p' "$W/rare.txt" | seqcheck 1 "$nrare")
	rec iso.rarelines "$1"
	rec iso.raregaps "$2"
	rec iso.raremissing "$3"
	"$TAPCTL" host destroy iso --force >/dev/null 2>&1
	hub_stop
}

# ---- 4. addtime: a cached guest joins a running host -------------------------------------

# The clock is bench/timeit under a name of its own (hbtimeit): it calls
# getppid every 100 us, and the guest prints each one with the clock's pid,
# so a reader of the host can tell this run's first record from the
# records earlier runs' guests left in the host.
S_ADD='probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "hbtimeit") printf("hbfirst %d. %d\n", pid(), gettimeofday_ns()) }'

section_addtime() {
	hub_start addtime
	cp "$B/bench/timeit" "$W/hbtimeit"
	# (b) and (c): the clock (exec'd by sh, so $$ is its pid) runs tap -F
	# adding the guest and, for (b), a reader of the host started at the
	# same moment; for (c), the launch time is written down first
	cat >"$W/addfirst.sh" <<'EOF'
# addfirst.sh reader|fire TIMEIT CACHE TASKSET CPU TAP NAME SCRIPT T0FILE
mode=$1
shift
if [ "$mode" = reader ]; then
	exec "$1" -g -m "hbfirst $$." -t 2 -- sh -c '
		env TAPHUB_CACHE="$1" "$2" -c "$3" "$4" -F -m "$5" --relay-guest ah -e "$6" >/dev/null &
		exec "$4" -A ah' sh "$2" "$3" "$4" "$5" "$6" "$7"
fi
date +%s%N >"$8"
exec "$1" -g -t 5 -- sh -c '
	env TAPHUB_CACHE="$1" "$2" -c "$3" "$4" -F -m "$5" --relay-guest ah -e "$6" >/dev/null
	sleep 0.2' sh "$2" "$3" "$4" "$5" "$6" "$7"
EOF
	# the host records every exec meanwhile
	tapf -m ah --relay-host ah --host-class default=64M:overwrite \
		-e 'probe kernel.trace("sched:sched_process_exec") { printf("exec %s\n", execname()) }' ||
		die "the host: $(cat "$W/tapf.err")"
	note "addtime: $ADD_REPS runs each (the first with an empty compile cache)"
	i=1
	while [ $i -le "$ADD_REPS" ]; do
		cold=""
		[ $i = 1 ] && cold=.cold
		# (a) launch to tap -F's exit: the guest is attached and recording
		run "$W/hbtimeit" -t 30 -- env TAPHUB_CACHE="$W/cache-add" "$TASKSET" -c "$TRACER_CPU" \
			"$TAP" -F -m a$i --relay-guest ah -e "$S_ADD" >"$W/t" 2>"$W/err"
		v=$(awk '$3 == 0 { print $2 }' "$W/t")
		"$TAPCTL" stop a$i --discard >/dev/null 2>&1
		if [ -n "$v" ]; then rec add.exit$cold "$v"; else failed add.exit "run $i"; fi
		# (b) launch to the guest's first record printed by a reader of the
		# host: drained into the host's store and handed to the reader
		run sh "$W/addfirst.sh" reader "$W/hbtimeit" "$W/cache-add2" "$TASKSET" "$TRACER_CPU" \
			"$TAP" b$i "$S_ADD" >"$W/t" 2>"$W/err"
		v=$(awk '$1 >= 0 { print $1 }' "$W/t")
		"$TAPCTL" stop b$i --discard >/dev/null 2>&1
		if [ -n "$v" ]; then rec add.first$cold "$v"; else failed add.first "run $i"; fi
		# (c) launch to the first event the guest recorded: its record's
		# gettimeofday_ns() minus the launch time written down (by a
		# date(1) run just before the clock starts: ~1 ms early)
		run sh "$W/addfirst.sh" fire "$W/hbtimeit" "$W/cache-add3" "$TASKSET" "$TRACER_CPU" \
			"$TAP" c$i "$S_ADD" "$W/t0" >"$W/t" 2>"$W/err"
		timeout -s INT 1 "$TAP" -A c$i >"$W/att" 2>/dev/null
		v=$(awk -v t0="$(cat "$W/t0")" '$1 == "hbfirst" { printf "%.2f\n", ($3 - t0) / 1e6; exit }' "$W/att")
		"$TAPCTL" stop c$i --discard >/dev/null 2>&1
		if [ -n "$v" ]; then rec add.fire$cold "$v"; else failed add.fire "run $i"; fi
		i=$((i + 1))
	done
	"$TAPCTL" stop ah --discard >/dev/null 2>&1
	hub_stop
}

# ---- 5. filerate: records/s into rotated files -----------------------------------------------

# Hard links to every file of a rotated set as it appears, so the files -S
# removes can still be counted: a loop, 100 times a second (at 10 M
# records/s a 10 MB file lives ~75 ms before -S 10,3 removes it).
watch_start() { # DIR
	(
		while [ ! -e "$1/.stop" ]; do
			ln -f "$1"/f.* "$1/keep/" 2>/dev/null
			sleep 0.01
		done
		ln -f "$1"/f.* "$1/keep/" 2>/dev/null
	) &
	WPID=$!
	track $WPID
}
watch_stop() { # DIR
	: >"$1/.stop"
	wait "$WPID"
}

# fr_run MODE FORMAT K MB: K numbered records per getppid of gen,
# RATE_RECORDS in all, into -o f -S 10,3; MODE fg (tap -o) or hub (tap -F -o)
fr_run() {
	mode=$1
	fmt=$2
	k=$3
	s=$4
	calls=$((RATE_RECORDS / k))
	total=$((k * calls))
	d=$W/fr
	rm -rf "$d"
	mkdir -p "$d/keep"
	chmod 777 "$d"
	: >"$W/out"
	: >"$W/err"
	if [ $mode = fg ]; then
		filter="pid() == target()"
	else
		# gen runs under timeout(1): its parent is not this shell, so it
		# goes by a name of its own
		filter="execname() == \"frgen\""
	fi
	script="global n
probe kernel.trace(\"syscalls:sys_enter_getppid\") {
	if ($filter)
		for (i = 0; i < $k; i++)
			printf(\"%d %d %d\\n\", ++n, pid(), tid())
}"
	watch_start "$d"
	if [ $mode = fg ]; then
		run timeout $TIMEOUT "$TASKSET" -c "$TRACER_CPU" "$PERF" stat --no-inherit -x, -e task-clock \
			-o "$W/stat" -- "$TAP" -s "$s" -o "$d/f" -S 10,3 --format=$fmt -e "$script" \
			-c "$TASKSET -c $GEN_CPU $GEN -t getppid $calls" >"$W/out" 2>"$W/err"
		cpu_ms=$(awk -F, '/task-clock/ { print $1 }' "$W/stat")
	else
		if ! tapf -m fr -s "$s" -o "$d/f" -S 10,3 --format=$fmt -e "$script" $$; then
			cat "$W/tapf.err" >&2
			watch_stop "$d"
			failed "fr.$mode.$fmt" "K=$k"
			return 1
		fi
		c0=$(hub_cpu_ms)
		cp "$GEN" "$W/frgen"
		run timeout $TIMEOUT "$TASKSET" -c "$GEN_CPU" "$W/frgen" -t getppid $calls >"$W/out" 2>"$W/err"
		"$TAPCTL" stop fr --discard >"$W/stop" 2>&1
		cpu_ms=$(($(hub_cpu_ms) - c0))
		cat "$W/stop" >>"$W/err"
	fi
	watch_stop "$d"
	ns=$(gen_ns "$W/out")
	nfiles=$(ls "$d/keep" | wc -l)
	# the file numbers must run 0..nfiles-1: else the watcher missed one
	lastno=$(ls "$d/keep" | sed 's/.*\.//' | sort -n | tail -n 1)
	files=$(ls "$d/keep" | sort -t. -k2,2n | sed "s|^|$d/keep/|")
	if [ $fmt = text ]; then
		set -- $(cat $files | seqcheck 1 $total)
	else
		set -- $("$TAPREAD" $files 2>&1 | seqcheck 1 $total)
	fi
	lines=$1
	gaps=$2
	missing=$3
	marked=$4
	told=$(sed -n 's/^WARNING: \([0-9]*\) \(records\|lines\).* lost.*/\1/p' "$W/err" | awk '{ s += $1 } END { print s + 0 }')
	rm -rf "$d"
	[ -n "$ns" ] || {
		failed "fr.$mode.$fmt" "K=$k"
		return 1
	}
	RATE=$(awk -v k="$k" -v ns="$ns" 'BEGIN { printf "%.0f", k * 1e9 / ns }')
	NSREC=$(awk -v ms="$cpu_ms" -v n="$total" 'BEGIN { printf "%.1f", ms * 1e6 / n }')
	ok=no
	verified=yes
	[ "${lastno:--1}" -eq $((nfiles - 1)) ] || verified="no (a file went before it was linked)"
	[ "$missing" -eq 0 ] && [ "$gaps" -eq 0 ] && [ "$told" -eq 0 ] && [ "$marked" -eq 0 ] &&
		[ "$verified" = yes ] && ok=yes
	LOSS=$missing
	printf '%-4s %-6s %4d %5d %9d %8s %10s %5d %10d %7d %8d %7s  %-4s %s\n' "$mode" "$fmt" "$k" "$s" \
		"$calls" "$ns" "$RATE" "$nfiles" "$lines" "$missing" "$((told > marked ? told : marked))" \
		"$NSREC" "$ok" "$([ "$verified" = yes ] || echo "unverified: $verified")" >>"$W/frate"
	[ $ok = yes ]
}

section_filerate() {
	hub_start filerate
	note "filerate: $RATE_RECORDS records per run into -o f -S 10,3"
	printf '%-4s %-6s %4s %5s %9s %8s %10s %5s %10s %7s %8s %7s  %s\n' mode format K "-s MB" calls \
		"ns/call" "records/s" files lines missing "lost(c)" "ns/rec" "zero loss" >"$W/frate"
	for mode in fg hub; do
		for fmt in text binary; do
			best=0
			bestk=-
			bests=-
			for k in 1 4 16 32; do
				for s in 4 64 256; do
					note "filerate: $mode $fmt K=$k -s $s"
					if fr_run $mode $fmt $k $s; then
						if [ "$RATE" -gt "$best" ]; then
							best=$RATE
							bestk=$k
							bests=$s
						fi
						rec "fr.$mode.$fmt.nsrec" "$NSREC"
						break
					fi
				done
				# the last rate tried at this K, with its loss
				rec "fr.$mode.$fmt.top" "$RATE"
				rec "fr.$mode.$fmt.toploss" "$LOSS"
			done
			rec "fr.$mode.$fmt.best" "$best"
			rec "fr.$mode.$fmt.bestk" "$bestk"
			rec "fr.$mode.$fmt.bests" "$bests"
		done
	done
	hub_stop
}

# ---- 6. switch: gaps across file switches --------------------------------------------------

# check_files PREFIX COUNT: the numbered stream over PREFIX, PREFIX.1, ...
sw_check() { # KEY DIR NAME
	key=$1
	files=$(ls "$2" | grep "^$3" | sort -t. -k3,3n | sed "s|^|$2/|")
	rec "$key.files" "$(echo "$files" | wc -w)"
	set -- $(cat $files | seqcheck 1 "$STREAM_EVENTS")
	rec "$key.events" "$STREAM_EVENTS"
	rec "$key.lines" "$1"
	rec "$key.gaps" "$2"
	rec "$key.missing" "$3"
	rec "$key.marked" "$4"
}

# NUMBERED, and a line for a getppid of a gen whose parent is $2
S_SWFG='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d\n", ++n)
	else if (execname() == "gen" && ppid() == $2)
		printf("ready\n")
}'

section_switch() {
	hub_start switch
	d=$W/sw
	mkdir -p "$d"
	chmod 777 "$d"
	# a stream at full speed: 20000 getppid a run, back to back
	note "switch: -F session, $SWITCHES x tapctl switch during a numbered stream"
	stream_start 20000 0
	tapf -m sw -o "$d/h.txt" -e "$NUMBERED" "$SPID" || die "the -F session: $(cat "$W/tapf.err")"
	stream_go
	sleep 0.2
	i=0
	t0=$(now_ns)
	while [ $i -lt "$SWITCHES" ]; do
		i=$((i + 1))
		a=$(now_ns)
		"$TAPCTL" switch sw >/dev/null 2>&1 || rec sw.hub.failed 1
		rec sw.hub.ms "$(ms_since "$a")"
		sleep 0.01
	done
	rec sw.hub.total "$(ms_since "$t0")"
	sleep 0.1
	stream_stop
	sleep 0.2
	"$TAPCTL" stop sw --discard >/dev/null 2>&1
	sw_check sw.hub "$d" h.txt

	note "switch: foreground tap -o, $SWITCHES x SIGUSR2 during a numbered stream"
	stream_start 20000 0
	"$TASKSET" -c "$TRACER_CPU" "$TAP" -o "$d/f.txt" -e "$S_SWFG" "$SPID" $$ </dev/null >/dev/null \
		2>"$W/fg.err" &
	TPID=$!
	track $TPID
	# the stream starts when the probe is attached: when a getppid of this
	# shell's shows in the file
	i=0
	while ! grep -q '^ready' "$d/f.txt" 2>/dev/null && [ $i -lt 1000 ]; do
		"$GEN" getppid 1
		sleep 0.01
		i=$((i + 1))
	done
	stream_go
	i=0
	while [ $i -lt "$SWITCHES" ]; do
		i=$((i + 1))
		a=$(now_ns)
		kill -USR2 $TPID
		# the next file exists when tap wrote its first record
		j=0
		while [ ! -e "$d/f.txt.$i" ] && [ $j -lt 5000 ]; do
			sleep 0.001
			j=$((j + 1))
		done
		if [ -e "$d/f.txt.$i" ]; then rec sw.fg.ms "$(ms_since "$a")"; else rec sw.fg.failed 1; fi
		sleep 0.01
	done
	sleep 0.1
	stream_stop
	sleep 0.2
	kill -TERM $TPID
	wait $TPID
	sw_check sw.fg "$d" f.txt
	rm -rf "$d"
	hub_stop
}

# ---- 7. recover: a 1 GB store after kill -9 --------------------------------------------------

section_recover() {
	hub_start recover
	"$TAPCTL" host create rc --class default=${RECOVER_MB}M:overwrite >/dev/null ||
		die "tapctl host create rc (${RECOVER_MB}M)"
	tapf -m rcg --relay-guest rc -e 'probe kernel.trace("syscalls:sys_enter_getpid") {
		if (execname() == "gen" && ppid() == $1) printf("%d %d\n", pid(), tid()) }' $$ ||
		die "the filling guest: $(cat "$W/tapf.err")"
	note "recover: filling a ${RECOVER_MB} MB class (two gen flood)"
	t0=$(now_ns)
	i=0
	while [ $i -lt 60 ]; do
		"$GEN" flood 5000 &
		F1=$!
		"$GEN" flood 5000 &
		F2=$!
		track $F1 $F2
		wait $F1 $F2
		sleep 0.2
		[ "$(cls rc default overwritten)" -gt 0 ] && break
		i=$((i + 1))
	done
	rec rcv.fillsecs "$(awk -v ms="$(ms_since "$t0")" 'BEGIN { printf "%.1f\n", ms / 1e3 }')"
	rec rcv.fill "$(cls rc default fill)"
	rec rcv.held "$(cls rc default records)"
	sleep 0.3
	kill -9 "$HUBPID"
	wait "$HUBPID" 2>/dev/null
	HUBPID=""
	st=$HUBSTATE
	store=$(ls "$st"/hosts/rc*/default.store 2>/dev/null | head -n 1)
	rec rcv.storebytes "$(stat -c %s "$store" 2>/dev/null || echo 0)"
	# recover RUNS KEY ARGS...: wall seconds of tapctl recover, records it said
	recover() {
		key=$1
		shift
		a=$(now_ns)
		"$TAPCTL" recover --state-dir "$st" "$@" >/dev/null 2>"$W/rep"
		rc=$?
		ms=$(ms_since "$a")
		n=$(sed -n 's/^recovered \([0-9]*\) records.*/\1/p' "$W/rep")
		if [ $rc -ne 0 ] || [ -z "$n" ]; then
			failed "$key" recover
			cat "$W/rep" >&2
			return
		fi
		rec "$key" "$(awk -v ms="$ms" 'BEGIN { printf "%.2f\n", ms / 1e3 }')"
		rec "$key.records" "$n"
		rm -f "$W/rc.trace"*
	}
	# cold: the store written back and dropped from the page cache first
	uncache() {
		sync "$store" "$st"/hosts/rc*/guests.metas
		for f in "$store" "$st"/hosts/rc*/guests.metas; do
			dd if="$f" iflag=nocache count=0 status=none
		done
	}
	note "recover: $RECOVER_REPS warm runs each, then one from a cold page cache"
	i=0
	while [ $i -lt "$RECOVER_REPS" ]; do
		recover rcv.text rc
		recover rcv.bin -o "$W/rc.trace" --format=binary rc
		i=$((i + 1))
	done
	uncache
	recover rcv.text.cold rc
	uncache
	recover rcv.bin.cold -o "$W/rc.trace" --format=binary rc
	rec rcv.report "$(head -n 3 "$W/rep" | tr '\n' '|' | tr ' ' '_')"
	rm -rf "$st"
	for d in $PINDIRS; do
		rm -rf "$d"
	done
}

# ---- 8. store: the class store's stress test, longer ------------------------------------------

# tests/unit/relayhost-module/test_class_store.c, optimised and without
# sanitizers; it prints "KEY VALUE" lines for the counts, exits 1 on a
# torn record.
section_store() {
	bin=$B/bench/store_stress
	${CC:-gcc} -std=gnu11 -O2 -D_GNU_SOURCE -I"$BENCH/../include" -I"$BENCH/.." -o "$bin" \
		"$BENCH/../tests/unit/relayhost-module/test_class_store.c" \
		"$BENCH/../relayhost-module/class_store.c" -lcmocka -lpthread ||
		die "cannot build the class store's stress test"
	note "store: the stress test for $STORE_S s"
	run "$bin" stress "$STORE_S" >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -gt 1 ]; then
		failed store "the stress test, exit $rc"
		return
	fi
	rec store.torn "$rc"
	for k in checked appended lost; do
		rec store.$k "$(sed -n "s/^store_$k //p" "$W/out")"
	done
	[ $rc = 0 ] || cat "$W/out" >&2
}

for section in $ALL; do
	want $section && section_$section
done

# ---- the report ----------------------------------------------------------------------------------

row() {
	printf '%-50s %12s  %-16s %-24s %s\n' "$@"
}

echo
echo "== taphub hub benchmark: $(uname -r), $NCPU CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   gen on CPU $GEN_CPU; taphubd, tap -F and foreground tap on CPU $TRACER_CPU"
machine_report

if want guests; then
	echo
	printf '%s\n' "-- 1. per-event cost of printf(\"%d %d\\n\", pid(), tid()) on getppid in relay host class"
	echo "   default=64M:overwrite, ns per getppid call of gen ($N per run, $R interleaved rounds);"
	echo "   cpu = gen's CPU time (perf stat task-clock); cost = median - median of the untraced"
	echo "   baseline; paired = median of (run - mean of the untraced runs either side)"
	printf '%-6s %-48s %7s %15s %6s %6s %7s %9s %6s %7s\n' config what cpu "min..max" cost paired \
		wall records lost "hub ns"
	for c in base g0 g1 g4 s1 s4 fg; do
		set -- $(stats "$c")
		case $c in
		base) what="untraced" ;;
		g0) what="guest in host bh, no other guest" ;;
		g1) what="... + 1 idle guest (sched_process_exec)" ;;
		g4) what="... + 4 idle guests" ;;
		s1) what="... + 1 guest on sys_enter_getpid (filtered)" ;;
		s4) what="... + 4 guests on sys_enter_getpid" ;;
		fg) what="foreground tap -o FILE (bench/run.sh tap_printf)" ;;
		esac
		cst=$(cost "$c")
		pair=$(med "$c.pair")
		[ "$c" = base ] && cst=- && pair=-
		fails=$(sum "$c.failed")
		[ "$fails" -gt 0 ] && what="$what [$fails FAILED]"
		lost=$(awk -v k="$c.lost" '$1 == k { s += $2; n++ } END { print n ? s : "-" }' "$RES")
		hubns=$(med "$c.hubns")
		[ "$hubns" = nan ] && hubns=-
		printf '%-6s %-48s %7s %15s %6s %6s %7s %9s %6s %7s\n' "$c" "$what" "$1" "$2..$3" "$cst" \
			"$pair" "$(med "$c.wall")" "$(last "$c.lines")" "$lost" "$hubns"
	done
	echo "   records: what the class took during the last run (every process's getppid; fg: lines"
	echo "   in its file); lost: all runs; hub ns: taphubd's CPU time per record (drain; 10 ms ticks)."
	set -- $(stats base)
	NOISE=$(awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.0f", (m > 0) ? 100 * (hi - lo) / m : 0 }')
	[ "$NOISE" -gt 15 ] &&
		echo "   NOISY: the untraced baseline ranged over $NOISE% of its median across runs;" &&
		echo "   differences of a few tens of ns are within the noise."
fi

if want cycles; then
	echo
	echo "-- 2. $CYCLES guests added and removed (tap -F --relay-guest, tapctl stop) while host"
	echo "   seqh (class seq=256M:discard, -o FILE) records a numbered stream (~100 k events/s);"
	echo "   each guest also writes a record per event into the same class"
	echo "   stream events $(last cyc.events), numbered records in the host's file $(last cyc.lines)," \
		"gaps $(last cyc.gaps), missing $(last cyc.missing), lost (class counter) $(last cyc.lost)"
	echo "   guest records $(last cyc.guestrecs); failed add/remove: $(last cyc.fails)"
	echo "   add (tap -F, cached) median $(med cyc.add) ms [$(stats cyc.add | cut -d' ' -f2-3 | tr ' ' '-')]," \
		"remove (tapctl stop) median $(med cyc.rm) ms [$(stats cyc.rm | cut -d' ' -f2-3 | tr ' ' '-')]"
	echo "   whole loop $(last cyc.total) ms: $(awk -v t="$(last cyc.total)" -v n="$CYCLES" 'BEGIN { printf "%.1f", t / n }') ms per add+remove cycle"
fi

if want isolation; then
	echo
	echo "-- 3. host iso: rare=256K:discard (10 numbered events/s), bulk=4M:overwrite flooded by"
	echo "   two gen flood (getpid, both CPUs) for $FLOOD_S s"
	secs=$(last iso.secs)
	echo "   rare: sent $(last iso.rare), stored $(last iso.rarerec), lost (class counter)" \
		"$(last iso.rarelost); in its file $(last iso.rarelines), gaps $(last iso.raregaps)," \
		"missing $(last iso.raremissing)"
	echo "   bulk: getpid calls $(last iso.calls) ($(awk -v n="$(last iso.calls)" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')/s)," \
		"stored $(last iso.bulk) ($(awk -v n="$(last iso.bulk)" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')/s)," \
		"overwritten $(last iso.bulkover), lost (kernel ring full) $(last iso.bulklost)"
	echo "   taphubd CPU during the flood: $(last iso.hubcpu) ms in $secs s"
fi

if want addtime; then
	echo
	echo "-- 4. adding a guest to a running host (median of $((ADD_REPS - 1)) cached runs; run 1 cold)"
	echo "   (a) launch of tap -F --relay-guest to its exit (guest attached, recording):" \
		"cached $(med add.exit) ms [$(stats add.exit | cut -d' ' -f2-3 | tr ' ' '-')], cold $(last add.exit.cold) ms"
	echo "   (c) launch to the guest's first event (the timestamp, gettimeofday_ns(), of its first record):" \
		"cached $(med add.fire) ms [$(stats add.fire | cut -d' ' -f2-3 | tr ' ' '-')], cold $(last add.fire.cold) ms"
	echo "   (b) launch to the guest's first record printed by a reader of the host (tap -A, started"
	echo "       at the same moment; bench/timeit makes a getppid every 100 us):" \
		"cached $(med add.first) ms [$(stats add.first | cut -d' ' -f2-3 | tr ' ' '-')], cold $(last add.first.cold) ms"
fi

if want filerate; then
	echo
	echo "-- 5. records/s into rotated files: -o f -S 10,3, K numbered records per getppid of gen"
	printf '%s\n' "   (printf(\"%d %d %d\\n\", ++n, pid(), tid())), $RATE_RECORDS records per run; every file"
	echo "   is hard-linked as it appears so the removed ones are counted too; -s grows 4 -> 64 -> 256"
	echo "   on loss.  ns/rec: tap's CPU time (fg) or taphubd's (hub) per record"
	cat "$W/frate"
	echo "   missing: numbered records not in any file; lost(c): what tap, tapctl stop or LOST markers"
	echo "   reported.  records/s: K / gen's wall time per call (the producer's rate)."
fi

if want switch; then
	echo
	echo "-- 6. $SWITCHES file switches during a numbered stream at full speed"
	echo "   -F session, tapctl switch: $(last sw.hub.files) files, events $(last sw.hub.events)," \
		"in files $(last sw.hub.lines), gaps $(last sw.hub.gaps), missing $(last sw.hub.missing);" \
		"switch (tapctl, waits for the drain) median $(med sw.hub.ms) ms [$(stats sw.hub.ms | cut -d' ' -f2-3 | tr ' ' '-')]"
	echo "   foreground tap, SIGUSR2: $(last sw.fg.files) files, events $(last sw.fg.events)," \
		"in files $(last sw.fg.lines), gaps $(last sw.fg.gaps), missing $(last sw.fg.missing);" \
		"signal to the new file's creation median $(med sw.fg.ms) ms [$(stats sw.fg.ms | cut -d' ' -f2-3 | tr ' ' '-')] (1-2 ms polling)"
fi

if want recover; then
	echo
	echo "-- 7. tapctl recover of a ${RECOVER_MB} MB overwrite class after kill -9 of taphubd"
	echo "   filled in $(last rcv.fillsecs) s by two gen flood; class fill $(last rcv.fill) bytes, store file" \
		"$(last rcv.storebytes) bytes; records written $(last rcv.held)"
	echo "   recover report: $(last rcv.report | tr '_|' ' \n' | sed '2,$s/^/     /')"
	for k in rcv.text rcv.bin rcv.text.cold rcv.bin.cold; do
		case $k in
		rcv.text) what="> /dev/null (text), warm" ;;
		rcv.bin) what="-o F --format=binary, warm" ;;
		rcv.text.cold) what="> /dev/null, store not in page cache" ;;
		rcv.bin.cold) what="-o F --format=binary, not in page cache" ;;
		esac
		s=$(med $k)
		n=$(last $k.records)
		printf '   %-42s %7s s  %9s records  %10s records/s\n' "$what" "$s" "$n" \
			"$(awk -v s="$s" -v n="$n" 'BEGIN { if (s + 0 > 0) printf "%.0f", n / s; else print "-" }')"
	done
	echo "   warm: median of $RECOVER_REPS runs; cold: one run after sync and dd iflag=nocache of the store"
fi

if want store; then
	echo
	echo "-- 8. the class store's stress test: 1 writer overwriting a 4 KB store, 3 readers, $STORE_S s"
	echo "   records appended $(last store.appended), checked by the readers $(last store.checked)" \
		"(each against what was written for its seq), overwritten before a reader got them" \
		"$(last store.lost); torn records accepted: $(last store.torn)"
fi

G0=$(cost g0)
G1=$(cost g1)
G4=$(cost g4)
S1=$(cost s1)
S4=$(cost s4)
FG=$(cost fg)
r1=$(ratio "$G1" "$G0")
r4=$(ratio "$G4" "$G0")
rs4=$(ratio "$S4" "$G0")
rfg=$(ratio "$G0" "$FG")
ADDF=$(med add.first)
ADDX=$(med add.exit)
SWH=$(med sw.hub.ms)
SWF=$(med sw.fg.ms)

echo
echo "-- summary"
row measure value target result "note"
row "(1) probe cost in a host class, ns/event" "$G0" "-" "(info)" "foreground tap -o: $FG (ratio $rfg)"
row "(1) ... with 1 idle guest / none" "$r1" "ratio <= 1.10" "$(verdict guests "$r1" '<=' 1.1)" "cost $G1 ns"
row "(1) ... with 4 idle guests / none" "$r4" "ratio <= 1.10" "$(verdict guests "$r4" '<=' 1.1)" "cost $G4 ns"
row "(1) ... with 4 getpid guests / none" "$rs4" "-" "(info)" "cost $S4 ns (1 guest: $S1)"
row "(2) gaps in $CYCLES add/remove cycles" "$(last cyc.gaps)" "0" "$(verdict cycles "$(last cyc.gaps)" '==' 0)" \
	"$(last cyc.lines) of $(last cyc.events) records"
row "(2) ms per add+remove cycle" "$(awk -v t="$(last cyc.total)" -v n="$CYCLES" 'BEGIN { if (t == "-") print "-"; else printf "%.1f", t / n }')" \
	"-" "(info)" "add $(med cyc.add), remove $(med cyc.rm)"
ISO_LOST=$(awk -v a="$(last iso.raremissing)" -v b="$(last iso.rarelost)" -v n="$(last iso.rare)" \
	-v r="$(last iso.rarerec)" 'BEGIN { if (a == "-" || b == "-") { print "-"; exit }
		m = a > b ? a : b; if (n - r > m) m = n - r; print m }')
row "(3) rare records lost under a bulk flood" "$ISO_LOST" \
	"0" "$(verdict isolation "$ISO_LOST" '==' 0)" \
	"bulk $(awk -v n="$(last iso.bulk)" -v s="$(last iso.secs)" 'BEGIN { if (s + 0) printf "%.0f/s", n / s; else print "-" }'), overwritten $(last iso.bulkover)"
row "(4) add a cached guest: launch to 1st record, ms" "$ADDF" "<= 50 ms" "$(verdict addtime "$ADDF" '<=' 50)" \
	"reader of the host sees it"
row "(4) add a cached guest: launch to 1st event, ms" "$(med add.fire)" "-" "(info)" \
	"the probe fired (record timestamp)"
row "(4) add a cached guest: launch to tap -F exit, ms" "$ADDX" "<= 50 ms" "$(verdict addtime "$ADDX" '<=' 50)" \
	"guest attached"
for m in fg hub; do
	for f in text binary; do
		row "(5) $m $f: records/s to rotated files, no loss" "$(last fr.$m.$f.best)" "-" "(info)" \
			"K=$(last fr.$m.$f.bestk) -s $(last fr.$m.$f.bests); at K=32: $(awk -v k="fr.$m.$f.top" '$1 == k { v = $2 } END { print v }' "$RES")/s, missing $(last fr.$m.$f.toploss)"
	done
done
row "(6) gaps across $SWITCHES tapctl switch (-F)" "$(last sw.hub.gaps)" "0" "$(verdict switch "$(last sw.hub.gaps)" '==' 0)" \
	"$SWH ms per switch"
row "(6) gaps across $SWITCHES SIGUSR2 (foreground)" "$(last sw.fg.gaps)" "0" "$(verdict switch "$(last sw.fg.gaps)" '==' 0)" \
	"$SWF ms to the new file"
row "(7) recover ${RECOVER_MB} MB store > /dev/null, s" "$(med rcv.text)" "-" "(info)" \
	"$(awk -v s="$(med rcv.text)" -v n="$(last rcv.text.records)" 'BEGIN { if (s + 0 > 0) printf "%.0f records/s", n / s }')"
row "(7) recover -o F --format=binary, s" "$(med rcv.bin)" "-" "(info)" \
	"$(awk -v s="$(med rcv.bin)" -v n="$(last rcv.bin.records)" 'BEGIN { if (s + 0 > 0) printf "%.0f records/s", n / s }')"
per_s() { # KEY: its last value per second of the store stress
	awk -v n="$(last "$1")" -v s="$STORE_S" 'BEGIN { if (n == "-" || !s) print "-"; else printf "%.0f", n / s }'
}
row "(8) store stress: torn records accepted" "$(last store.torn)" "0" "$(verdict store "$(last store.torn)" '==' 0)" \
	"$(per_s store.checked) records checked/s, $(per_s store.appended) appended/s"
