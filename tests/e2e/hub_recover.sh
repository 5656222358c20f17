#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Recovery after a crash (docs/recovery.md): kill -9 of taphubd in the
# middle of a numbered event stream, then tapctl recover from the state
# dir, from the pinned kernel rings and from a core dump; a restarted hub
# shows what was left as a "recovered" session until it is removed.
#
# The probe numbers the events (++n in the kernel), so what is recovered
# can be checked for exactness: the numbers 1..K, minus only what the
# counters say was lost.

. "$(dirname "$0")/hub_lib.sh"
STATE=$HUB_STATE
D=$TMP/out
mkdir -p "$D" "$STATE"
cd "$D" || exit 1
# pins of this state dir (hub_start has them removed at exit)
PINS=$(pins_of "$STATE")

N='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d\n", ++n)
}'

last_of() { grep '^[0-9]' "$1" | tail -1 | sed 's/^0*//'; }
lost_of() { # sum of the "lost before" counters in a recover report
	sed -n 's/.*lost before: \([0-9]*\) overwritten, \([0-9]*\) dropped (store full), \([0-9]*\) dropped (kernel ring full).*/\1 \2 \3/p' "$1" |
		awk '{ s += $1 + $2 + $3 } END { print s + 0 }'
}

# --- 1. kill -9 in the middle of a flood: the stores hold 1..K
hub_start
"$TAP" -F -m fl -s 64 -e "$N" $$ >/dev/null
taskset -c 1 "$GEN" getppid 1000000 &
GP=$!
track_pid $GP
# mid-stream: once the store holds a good part of it
wait_until 20 '[ "$(records_in fl)" -ge 2000 ]'
hub_stop KILL
wait $GP
"$TAPCTL" recover --state-dir "$STATE" >list.txt 2>&1
check "recover lists what the crash left" grep -q "^fl .*left by a crash" list.txt
"$TAPCTL" recover --state-dir "$STATE" fl >fl.txt 2>fl.rep
K=$(last_of fl.txt)
lost=$(lost_of fl.rep)
if [ -n "$K" ] && [ "$K" -gt 1000 ] && [ "$lost" = 0 ] && seq_ok fl.txt 1 "$K"; then
	pass "after kill -9 mid-stream: events 1..$K, none missing, none reported lost"
else
	fail "after kill -9 mid-stream: events 1..K exactly" "K=$K lost=$lost $(cat fl.rep)"
fi

# --- 1b. many kills with records in flight: each record exactly once
# The drain appends a record to the store, then moves the kernel ring's
# consumer position: a hub killed in between leaves it in both, and
# recovery must take it once (the store keeps its ring position).  Each
# run freezes the hub (SIGSTOP) at a random point of a flood, then kills
# it.  The window is a few instructions wide: 260 kills measured never hit
# it, so this is a sanity check of many kill points; the unit test
# tests/unit/relayhost-module/test_drain.c steps through all of the window.
runs=0
empty=0
both=0
fails=""
# until 8 kills found records (a loaded machine starts hubs slowly): at
# most 12 runs or 30 s
until=$(($(date +%s) + 30))
while [ $runs -lt 12 ] && [ $((runs - empty)) -lt 8 ] && [ "$(date +%s)" -lt $until ]; do
	runs=$((runs + 1))
	hub_start
	"$TAP" -F -m lp$runs -s 64 -e "$N" $$ >/dev/null
	taskset -c 1 "$GEN" getppid 50000000 &
	GP=$!
	track_pid $GP
	# 20..280 ms into the flood: a point in time drawn at random, which
	# no condition stands for
	sleep "$(od -An -N1 -tu1 /dev/urandom | awk '{ printf "%.3f", 0.02 + $1 / 1000 }')"
	kill -STOP "$HUBPID"
	hub_stop KILL
	kill $GP
	wait $GP 2>/dev/null
	"$TAPCTL" recover --state-dir "$STATE" lp$runs >lp.txt 2>lp.rep
	K=$(last_of lp.txt)
	lost=$(lost_of lp.rep)
	grep -q "were in the store already" lp.rep && both=$((both + 1))
	if grep -q "^recovered 0 records" lp.rep; then
		empty=$((empty + 1)) # killed before the first event: nothing to check
	elif [ -z "$K" ] || [ "$lost" != 0 ] || ! seq_ok lp.txt 1 "$K" >lp.why; then
		fails="$fails run $runs: K=$K lost=$lost $(cat lp.why) $(tr '\n' ' ' <lp.rep);"
	fi
	rm -rf "$STATE/hosts/lp$runs" "$PINS/lp$runs"
done
if [ -z "$fails" ] && [ $((runs - empty)) -ge 5 ]; then
	pass "$((runs - empty)) kills mid-flood: every record once (in both store and ring in $both)"
else
	fail "$runs kills mid-flood ($empty before any record): every record once" "$fails"
fi

# --- 2. the kernel ring: records the drain never saw come from the pin
hub_start
"$TAP" -F -m rg -e "$N" $$ >/dev/null
taskset -c 1 "$GEN" getppid 3000
wait_until 10 '[ "$(records_in rg)" = 3000 ]'
kill -STOP "$HUBPID"
taskset -c 1 "$GEN" getppid 1000
hub_stop KILL
"$TAPCTL" recover --state-dir "$STATE" rg >rg.txt 2>rg.rep
if grep -q "1000 records were still in the kernel ring" rg.rep && seq_ok rg.txt 1 4000; then
	pass "undrained records are recovered from the pinned kernel ring"
else
	fail "undrained records are recovered from the pinned kernel ring" "$(cat rg.rep)"
fi
"$TAPCTL" recover --state-dir "$STATE" rg >rg2.txt 2>/dev/null
check "recovery reads, never consumes: a second run gives the same" cmp -s rg.txt rg2.txt
# a store from before ring positions: its header flags (u32 at byte 28) are 0
printf '\0\0\0\0' | dd of="$STATE/hosts/rg/default.store" bs=1 seek=28 conv=notrunc status=none
"$TAPCTL" recover --state-dir "$STATE" rg >rg3.txt 2>rg3.rep
if grep -q "from before ring positions were kept" rg3.rep && cmp -s rg.txt rg3.txt; then
	pass "a store from before ring positions is recovered, and the report says it cannot dedupe"
else
	fail "a store from before ring positions is recovered, and the report says it cannot dedupe" "$(cat rg3.rep)"
fi

# --- 3. an overwriting store: what was overwritten is counted exactly
hub_start
"$TAP" -F --relay-host ow --host-class default=64K:overwrite -e "$N" $$ >/dev/null
taskset -c 1 "$GEN" getppid 20000
# all of them kept, overwritten or counted lost in the kernel ring
wait_until 10 '[ "$(arrived_in ow)" -ge 20000 ]'
hub_stop KILL
"$TAPCTL" recover --state-dir "$STATE" ow >ow.txt 2>ow.rep
first=$(grep '^[0-9]' ow.txt | head -1 | sed 's/^0*//')
lost=$(lost_of ow.rep)
if [ -n "$first" ] && [ "$lost" -gt 0 ] && [ "$first" = $((lost + 1)) ] && seq_ok ow.txt "$first" 20000; then
	pass "overwritten records are exactly the ones missing ($lost)"
else
	fail "overwritten records are exactly the ones missing" "first=$first lost=$lost $(cat ow.rep)"
fi

# --- 4. binary: the same records as a trace
"$TAPCTL" recover --state-dir "$STATE" -o ow.trace --format=binary ow 2>/dev/null
"$TAP_READ" ow.trace >ow.read 2>/dev/null
check "recover --format=binary reads back to the same text" cmp -s ow.txt ow.read

# --- 5. a core dump of the hub, with the state dir gone
# (not of a sanitized hub: gcore would dump ASan's terabytes of shadow mappings)
if [ -n "${E2E_SANITIZED:-}" ]; then
	echo "(the sanitized hub is not dumped: the core dump test runs in the plain e2e run)"
elif command -v gcore >/dev/null 2>&1; then
	hub_start
	"$TAP" -F -m cr -e "$N" $$ >/dev/null
	taskset -c 1 "$GEN" getppid 5000
	wait_until 10 '[ "$(records_in cr)" = 5000 ]'
	gcore -o "$D/hub.core" "$HUBPID" >/dev/null 2>&1
	hub_stop KILL
	core=$(ls "$D"/hub.core* 2>/dev/null | head -1)
	mv "$STATE/hosts/cr" "$D/cr.moved"
	"$TAPCTL" recover --core "$core" cr >cr.txt 2>cr.rep
	if [ -n "$core" ] && seq_ok cr.txt 1 5000; then
		pass "the stores are recovered from a core dump (gcore)"
	else
		fail "the stores are recovered from a core dump (gcore)" "$(cat cr.rep)"
	fi
	mv "$D/cr.moved" "$STATE/hosts/cr"
	rm -f "$D"/hub.core*
	printf 'not a core\n' >notcore
	"$TAPCTL" recover --core notcore 2>nc.err
	check "a file that is not a core is named as such" grep -q "not an ELF core file" nc.err
else
	echo "(no gcore: the core dump test is not run)"
fi

# --- 6. a restarted hub shows what was left, keeps it, and removes it on request
hub_start
list=$("$TAPCTL" list)
case "$list" in
*fl_recovered*recovered*) pass "a restarted hub lists the crash's hosts as recovered sessions" ;;
*) fail "a restarted hub lists the crash's hosts as recovered sessions" "$list" ;;
esac
timeout 20 "$TAP" -A fl_recovered >att.txt 2>/dev/null
nstore=$(sed -n 's/.*class default: \([0-9]*\) records from the store.*/\1/p' fl.rep)
head -n "$nstore" fl.txt >fl.store.txt
check "tap -A of a recovered session prints what the store held, then ends" cmp -s att.txt fl.store.txt
"$TAP" -F -m fl -e "$N" $$ >/dev/null
taskset -c 1 "$GEN" getppid 10
"$TAPCTL" stop fl --discard >/dev/null
check "a new session of the same name leaves the old store alone" sh -c "'$TAPCTL' recover --state-dir '$STATE' fl 2>/dev/null | cmp -s - fl.txt"
for s in fl rg ow cr; do
	"$TAPCTL" stop ${s}_recovered --discard >/dev/null 2>&1
done
check "tapctl stop --discard of a recovered session removes its files" [ -z "$(ls "$STATE/hosts")" ]
check "... and its kernel ring pins" [ -z "$(ls "$PINS" 2>/dev/null)" ]

# --- errors are one line
"$TAPCTL" recover --state-dir "$STATE" nosuch 2>ns.err
if [ $? = 1 ] && [ "$(wc -l <ns.err)" = 1 ] && grep -q "hosts/nosuch" ns.err; then pass "recovering an unknown host is one clear line"; else fail "recovering an unknown host is one clear line" "$(cat ns.err)"; fi
"$TAPCTL" recover --state-dir "$STATE" --format=binary x 2>fb.err
check "--format=binary without -o is refused" grep -q "needs -o" fb.err

finish
