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
