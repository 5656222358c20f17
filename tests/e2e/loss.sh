#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Lost-record accounting (docs/hub.md, docs/trace-format.md): every way a
# record can be lost is forced here and its count checked exactly against
# a numbered event stream (++n in the kernel, so a lost record is a
# missing number):
#
#   kernel ring full    tap stopped (SIGSTOP) while a flood fills its ring
#   store full          a hub class with the discard policy
#   overwritten         a hub class with the overwrite policy
#   consumer too slow   an attached reader blocked while the store wraps
#   output file         disk full: tests/e2e/output.sh
#
# Each count must be shown where the issue says: WARNING at the end of the
# session, tapctl list, LOST markers in binary traces.

. "$(dirname "$0")/hub_lib.sh"
D=$HUBDIR/out
mkdir -p "$D"
cd "$D" || exit 1

# $1 the test shell (the generators' parent), @2 padding; n is read at
# the end so it is not printed there: every record is a numbered event
N='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "gen" && ppid() == $1)
		printf("%08d %s\n", ++n, @2)
}
probe end { if (n < 0) println("never") }'
# the local test waits for this line before it stops tap
NREADY="$N
probe begin { println(\"ready\") }"
# missing FILE TOTAL: how many of 1..TOTAL are not in FILE
missing() {
	grep '^[0-9]' "$1" | awk -v t="$2" '{ seen[$1 + 0] = 1 } END { m = 0; for (i = 1; i <= t; i++) if (!seen[i]) m++; print m }'
}
warn_count() { # warn_count FILE PATTERN: the number in "WARNING: N ... PATTERN"
	sed -n "s/^WARNING: \([0-9]*\) .*$2.*/\1/p" "$1" | awk '{ s += $1 } END { print s + 0 }'
}
wait_ready() { # wait_ready FILE
	for i in $(seq 100); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- kernel ring full, text and binary
for fmt in text binary; do
	"$TAP" -s 1 -o ring.$fmt --format=$fmt -e "$NREADY" $$ x >/dev/null 2>ring.$fmt.err &
	TP=$!
	track_pid $TP
	if [ $fmt = text ]; then wait_ready ring.text; else sleep 2; fi
	kill -STOP $TP
	taskset -c 1 "$GEN" getppid 100000
	kill -CONT $TP
	sleep 0.5
	kill -INT $TP
	wait $TP
	if [ $fmt = binary ]; then
		"$B/tap-read" ring.binary >ring.binary.txt 2>ring.binary.warn
		out=ring.binary.txt
		said=$(warn_count ring.binary.warn "records lost in class default")
	else
		out=ring.text
		said=$(warn_count ring.text.err "records lost")
	fi
	miss=$(missing $out 100000)
	if [ "$miss" -gt 0 ] && [ "$miss" = "$said" ]; then
		ok "kernel ring full ($fmt): $said lost, exactly the missing numbers"
	else
		bad "kernel ring full ($fmt): lost count is exact" "missing=$miss said=$said"
	fi
done

hub_start

# --- discard: the store keeps the oldest, counts the rest
"$TAP" -F --relay-host dis --host-class default=64K:discard -e "$N" $$ x >/dev/null
# a reader attached through the flood is told of what it will never see
"$TAP" -A dis >dis.live 2>dis.live.err &
LP=$!
track_pid $LP
sleep 0.5
for i in 1 2 3 4; do
	taskset -c 1 "$GEN" getppid 5000
	sleep 0.2
done
sleep 1 # the hub reads the guests' ring counters on its tick
kill -INT $LP
wait $LP
attach_for 3 dis.out dis
"$TAPCTL" list --json >dis.json
"$TAPCTL" stop dis >/dev/null 2>dis.err
dropped=$(warn_count dis.err "dropped in class default")
kring=$(warn_count dis.err "kernel ring")
held=$(grep -c '^[0-9]' dis.out)
listed=$(python3 -c 'import json,sys; print([e["lost"] for e in json.load(open(sys.argv[1])) if e["kind"] == "class"][0])' dis.json)
if [ "$dropped" -gt 0 ] && [ $((held + dropped + kring)) = 20000 ]; then
	ok "discard: held $held + dropped $dropped + ring $kring = 20000"
else
	bad "discard: held + dropped + ring = 20000" "held=$held dropped=$dropped ring=$kring $(cat dis.err)"
fi
check "discard: tapctl list counts the same loss" [ "$listed" = $((dropped + kring)) ]
live=$(grep -c '^[0-9]' dis.live)
ldropped=$(warn_count dis.live.err "the store was full")
lkring=$(warn_count dis.live.err "the kernel ring was full")
if [ "$live" = "$held" ] && [ "$ldropped" = "$dropped" ] && [ "$lkring" = "$kring" ]; then
	ok "discard: an attached reader saw $live and was told of $ldropped + $lkring lost"
else
	bad "discard: an attached reader is told of the loss" "saw=$live/$held told=$ldropped/$dropped ring=$lkring/$kring $(cat dis.live.err)"
fi

# --- overwrite: the store keeps the newest, counts the rest
"$TAP" -F --relay-host ovw --host-class default=64K:overwrite -e "$N" $$ x >/dev/null
for i in 1 2 3 4; do
	taskset -c 1 "$GEN" getppid 5000
	sleep 0.2
done
attach_for 3 ovw.out ovw
"$TAPCTL" stop ovw >/dev/null 2>ovw.err
over=$(warn_count ovw.err "overwritten in class default")
kring=$(warn_count ovw.err "kernel ring")
held=$(grep -c '^[0-9]' ovw.out)
first=$(grep '^[0-9]' ovw.out | head -1 | cut -c1-8 | sed 's/^0*//')
if [ "$over" -gt 0 ] && [ $((held + over + kring)) = 20000 ] && [ "$kring" != 0 -o "$first" = $((over + 1)) ]; then
	ok "overwrite: held $held + overwritten $over + ring $kring = 20000"
else
	bad "overwrite: held + overwritten + ring = 20000" "held=$held over=$over ring=$kring first=$first $(cat ovw.err)"
fi

# --- a reader too slow: blocked while the store wraps
"$TAP" -F --relay-host slow --host-class default=64K:overwrite -e "$N" $$ \
	xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx >/dev/null
mkfifo slow.fifo
exec 3<>slow.fifo # held open, never read: tap -A starts at once and then blocks
"$TAP" -A slow >slow.fifo 2>slow.err 3>&- &
AP=$!
track_pid $AP
sleep 0.5
for i in 1 2 3 4 5 6 7 8; do
	taskset -c 1 "$GEN" getppid 5000 3>&- # 100-byte lines: the pipe and socket fill
	sleep 0.1
done
sleep 0.5
cat slow.fifo >slow.out 3>&- &
CP=$!
# detach only once the reader has caught up with the last event
for i in $(seq 100); do
	[ "$(tail -1 slow.out | cut -c1-8)" = 00040000 ] && break
	sleep 0.1
done
kill -INT $AP
wait $AP
exec 3>&- # the last writer: cat sees the end
wait $CP
reported=$(warn_count slow.err "overwritten before this reader")
# a burst may also overflow the kernel ring: the reader is told that too
kring=$(warn_count slow.err "the kernel ring was full")
last=$(grep '^[0-9]' slow.out | tail -1 | cut -c1-8 | sed 's/^0*//')
miss=$(missing slow.out "${last:-0}")
if [ "$reported" -gt 0 ] && [ "$last" = 40000 ] && [ "$miss" = $((reported + kring)) ]; then
	ok "a slow reader: $reported records overwritten before it got them (+ $kring in the kernel ring), exactly the gaps"
else
	bad "a slow reader: overwritten count is exact" "reported=$reported kernel=$kring missing=$miss last=$last: $(cat slow.err)"
fi
"$TAPCTL" stop slow >/dev/null 2>&1

check "taphubd still runs" hub_alive
finish
