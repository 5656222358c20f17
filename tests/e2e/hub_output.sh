#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Output files of hub sessions: taphubd writes -o files for -F sessions
# and relay hosts (all guests' output), with -S rotation, tapctl switch,
# SIGUSR2 to taphubd, binary traces, and errors that reach the user.

. "$(dirname "$0")/hub_lib.sh"
D=$TMP/out
mkdir -p "$D"
chmod 777 "$D"
cd "$D" || exit 1
hub_start

# numbered 100-byte lines; the generator is the only "gen" this test runs,
# and the filter on the numbered ppid of a marker file keeps others out
N='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d %090d\n", ++n, 0)
}'
# gen_n N: N numbered events from a child of this shell
gen_n() { taskset -c 1 "$GEN" getppid "$1"; }

check_seq() { # FROM TO FILES...
	from=$1
	to=$2
	shift 2
	cat "$@" | awk -v from="$from" -v to="$to" '
		/^n=/ || /^end$/ { next }
		length($0) != 99 { print "split or bad line " NR ": " $0; bad = 1; exit }
		{ if ($1 + 0 != from + k) { print "line " NR ": " $1 " where " from + k " was due"; bad = 1; exit } k++ }
		END { if (!bad && from + k - 1 != to) { print "ends at " from + k - 1 ", not " to; bad = 1 } exit bad }'
}

# --- -F -o with rotation: files appear while it records; stop writes the end
"$TAP" -F -m rot -o rot.txt -S 1,2 -e "$N
probe end { println(\"end\") }" $$ >/dev/null 2>err.txt || fail "-F -o starts" "$(cat err.txt)"
gen_n 30000
"$TAPCTL" stop rot >/dev/null 2>&1
n=$(ls rot.txt.* 2>/dev/null | wc -l)
check "-F -o -S 1,2: the hub rotates and keeps 2 files" [ "$n" = 2 ]
files=$(ls rot.txt.* | sort -t. -k3 -n)
first=$(head -1 $(echo "$files" | head -1) | cut -c1-8 | sed 's/^0*//')
if why=$(check_seq "$first" 30000 $files); then pass "the kept files end with the newest event, none split"; else fail "the kept files end with the newest event, none split" "$why"; fi
check "end probe output goes into the file" grep -qx end $(echo "$files" | tail -1)

# --- tapctl switch is exact: what came before it is in the old file
"$TAP" -F -m sw -o sw.txt -e "$N" $$ >/dev/null
gen_n 3000
"$TAPCTL" switch sw
gen_n 3000
"$TAPCTL" switch sw
"$TAPCTL" switch sw # nothing in between: no empty file
gen_n 3000
"$TAPCTL" stop sw >/dev/null 2>&1
if check_seq 1 3000 sw.txt && check_seq 3001 6000 sw.txt.1 && check_seq 6001 9000 sw.txt.2 &&
	[ ! -e sw.txt.3 ]; then
	pass "tapctl switch splits the stream exactly, no empty files"
else
	fail "tapctl switch splits the stream exactly, no empty files" "$(ls sw.txt*)"
fi

# --- SIGUSR2 to taphubd switches every session's file
"$TAP" -F -m u2 -o u2-%Y.txt -e "$N" $$ >/dev/null
gen_n 1000
# the switch is exact once the first 1000 are in the file, the hub took
# the signal and answered a request after it (it switches before it reads
# its next event: hub/daemon.c switch_all)
wait_until 10 '[ "$(count_of u2-$(date +%Y).txt "^[0-9]")" = 1000 ]'
kill -USR2 "$HUBPID"
wait_until 10 "! sig_pending $HUBPID 12"
"$TAPCTL" list >/dev/null
gen_n 1000
"$TAPCTL" stop u2 >/dev/null 2>&1
y=$(date +%Y)
if [ "$(ls u2-$y.txt* | wc -l)" = 2 ] && check_seq 1 2000 u2-$y.txt u2-$y.txt.1; then
	pass "SIGUSR2 to taphubd switches to the next file"
else
	fail "SIGUSR2 to taphubd switches to the next file" "$(ls u2*)"
fi

# --- binary from the hub, with a class and its name
"$TAP" -F -m bin -o bin.trace --format=binary -e "$N" $$ >/dev/null
gen_n 2000
"$TAPCTL" switch bin
gen_n 2000
"$TAPCTL" stop bin >/dev/null 2>&1
if why=$("$TAP_READ" bin.trace bin.trace.1 | check_seq 1 4000); then pass "a hub binary trace set reads back whole"; else fail "a hub binary trace set reads back whole" "$why"; fi
check "records of a hub trace carry the store's sequence" sh -c "'$TAP_READ' --json bin.trace | head -1 | grep -q '\"seq\":1,'"

# --- relay host files: every guest's output; a guest's own file: its own
"$TAP" -F --relay-host rh -o rh.txt -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1) printf("host\n") }' $$ >/dev/null
"$TAP" -F --relay-guest rh -m g1 -o g1.txt -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1) printf("g1\n") }' $$ >/dev/null
"$TAP" -F --relay-guest rh -m g2 -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1) printf("g2\n") }' $$ >/dev/null
gen_n 700
"$TAPCTL" stop g1 >/dev/null 2>&1
"$TAPCTL" stop g2 >/dev/null 2>&1
"$TAPCTL" stop rh >/dev/null 2>&1
got=$(sort rh.txt | uniq -c | awk '{printf "%s=%s ", $2, $1}')
if [ "$got" = "g1=700 g2=700 host=700 " ]; then pass "a relay host's file has all its guests' output"; else fail "a relay host's file has all its guests' output" "$got"; fi
got=$(sort g1.txt | uniq -c | awk '{printf "%s=%s ", $2, $1}')
if [ "$got" = "g1=700 " ]; then pass "a guest's own -o file has its output only"; else fail "a guest's own -o file has its output only" "$got"; fi

# --- errors reach the user, in one line
"$TAP" -F -m e1 -o /nonexistent/x.txt -e 'probe begin {}' >/dev/null 2>e1.txt
if [ $? = 1 ] && grep -q "cannot open output file /nonexistent/x.txt" e1.txt; then pass "-F with an unwritable -o fails at once"; else fail "-F with an unwritable -o fails at once" "$(cat e1.txt)"; fi
check "a refused session is not left behind" sh -c "! '$TAPCTL' list | grep -q '^e1 '"
"$TAP" -F -m e2 -e 'probe begin {}' >/dev/null
"$TAPCTL" switch e2 2>e2.txt
if [ $? = 1 ] && grep -q "has no output file" e2.txt; then pass "tapctl switch of a session without -o says so"; else fail "tapctl switch of a session without -o says so" "$(cat e2.txt)"; fi
"$TAPCTL" stop e2 >/dev/null 2>&1
"$TAPCTL" switch nosuch 2>e3.txt
check "tapctl switch of an unknown session says so" grep -q "no session 'nosuch'" e3.txt

check "taphubd still runs" hub_alive
finish
