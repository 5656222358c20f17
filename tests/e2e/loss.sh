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
require_cmd python3
D=$TMP/out
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
# missing FILE TOTAL: how many of 1..TOTAL are not in FILE
missing() {
	grep '^[0-9]' "$1" | awk -v t="$2" '{ seen[$1 + 0] = 1 } END { m = 0; for (i = 1; i <= t; i++) if (!seen[i]) m++; print m }'
}
warn_count() { # warn_count FILE PATTERN: the number in "WARNING: N ... PATTERN"
	sed -n "s/^WARNING: \([0-9]*\) .*$2.*/\1/p" "$1" | awk '{ s += $1 } END { print s + 0 }'
}
# wait_arrived NAME N: until N records came to host NAME's class default
# (kept, or counted lost), so that the next burst finds the kernel ring
# drained
wait_arrived() {
	wait_until 10 "[ \"\$(arrived_in $1)\" -ge $2 ]"
}

# --- kernel ring full, text and binary
for fmt in text binary; do
	"$TAP" -s 1 -o ring.$fmt --format=$fmt -e "$N" $$ x >/dev/null 2>ring.$fmt.err &
	TP=$!
	track_pid $TP
	# stopped once its probes are in; at the end it drains what the ring holds
	wait_until 30 "tap_attached $TP"
	kill -STOP $TP
	taskset -c 1 "$GEN" getppid 100000
	kill -CONT $TP
	kill -INT $TP
	wait $TP
	if [ $fmt = binary ]; then
		"$TAP_READ" ring.binary >ring.binary.txt 2>ring.binary.warn
		out=ring.binary.txt
		said=$(warn_count ring.binary.warn "records lost in class default")
	else
		out=ring.text
		said=$(warn_count ring.text.err "records lost")
	fi
	miss=$(missing $out 100000)
	if [ "$miss" -gt 0 ] && [ "$miss" = "$said" ]; then
		pass "kernel ring full ($fmt): $said lost, exactly the missing numbers"
	else
		fail "kernel ring full ($fmt): lost count is exact" "missing=$miss said=$said"
	fi
done

hub_start

# --- discard: the store keeps the oldest, counts the rest
"$TAP" -F --relay-host dis --host-class default=64K:discard -e "$N" $$ x >/dev/null
# a reader attached through the flood is told of what it will never see
# (it waits in poll() once the hub took it on)
"$TAP" -A dis >dis.live 2>dis.live.err &
LP=$!
track_pid $LP
wait_until 10 "waits_in $LP poll"
for i in 1 2 3 4; do
	taskset -c 1 "$GEN" getppid 5000
	wait_arrived dis $((i * 5000))
done
# the reader has all that is kept, and was told of the rest
kept=$(records_in dis)
gave=$(($(arrived_in dis) - kept))
wait_until 10 '[ "$(count_of dis.live "^[0-9]")" -ge $kept ] &&
	[ $(($(warn_count dis.live.err "the store was full") + $(warn_count dis.live.err "the kernel ring was full"))) -ge $gave ]'
kill -INT $LP
wait $LP
attach_until 10 dis.out '[ "$(count_of dis.out "^[0-9]")" -ge $kept ]' dis
"$TAPCTL" list --json >dis.json
"$TAPCTL" stop dis >/dev/null 2>dis.err
dropped=$(warn_count dis.err "dropped in class default")
kring=$(warn_count dis.err "kernel ring")
held=$(grep -c '^[0-9]' dis.out)
listed=$(python3 -c 'import json,sys; print([e["lost"] for e in json.load(open(sys.argv[1])) if e["kind"] == "class"][0])' dis.json)
if [ "$dropped" -gt 0 ] && [ $((held + dropped + kring)) = 20000 ]; then
	pass "discard: held $held + dropped $dropped + ring $kring = 20000"
else
	fail "discard: held + dropped + ring = 20000" "held=$held dropped=$dropped ring=$kring $(cat dis.err)"
fi
check "discard: tapctl list counts the same loss" [ "$listed" = $((dropped + kring)) ]
live=$(grep -c '^[0-9]' dis.live)
ldropped=$(warn_count dis.live.err "the store was full")
lkring=$(warn_count dis.live.err "the kernel ring was full")
if [ "$live" = "$held" ] && [ "$ldropped" = "$dropped" ] && [ "$lkring" = "$kring" ]; then
	pass "discard: an attached reader saw $live and was told of $ldropped + $lkring lost"
else
	fail "discard: an attached reader is told of the loss" "saw=$live/$held told=$ldropped/$dropped ring=$lkring/$kring $(cat dis.live.err)"
fi

# --- overwrite: the store keeps the newest, counts the rest
"$TAP" -F --relay-host ovw --host-class default=64K:overwrite -e "$N" $$ x >/dev/null
for i in 1 2 3 4; do
	taskset -c 1 "$GEN" getppid 5000
	wait_arrived ovw $((i * 5000))
done
kept=$(records_in ovw)
attach_until 10 ovw.out '[ "$(count_of ovw.out "^[0-9]")" -ge $kept ]' ovw
"$TAPCTL" stop ovw >/dev/null 2>ovw.err
over=$(warn_count ovw.err "overwritten in class default")
kring=$(warn_count ovw.err "kernel ring")
held=$(grep -c '^[0-9]' ovw.out)
first=$(grep '^[0-9]' ovw.out | head -1 | cut -c1-8 | sed 's/^0*//')
if [ "$over" -gt 0 ] && [ $((held + over + kring)) = 20000 ] && [ "$kring" != 0 -o "$first" = $((over + 1)) ]; then
	pass "overwrite: held $held + overwritten $over + ring $kring = 20000"
else
	fail "overwrite: held + overwritten + ring = 20000" "held=$held over=$over ring=$kring first=$first $(cat ovw.err)"
fi

# --- a reader too slow: blocked while the store wraps
"$TAP" -F --relay-host slow --host-class default=64K:overwrite -e "$N" $$ \
	xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx >/dev/null
mkfifo slow.fifo
exec 3<>slow.fifo # held open, never read: tap -A starts at once and then blocks
"$TAP" -A slow >slow.fifo 2>slow.err 3>&- &
AP=$!
track_pid $AP
wait_until 10 "waits_in $AP poll"
for i in 1 2 3 4 5 6 7 8; do
	taskset -c 1 "$GEN" getppid 5000 3>&- # 100-byte lines: the pipe and socket fill
	wait_arrived slow $((i * 5000))
done
cat slow.fifo >slow.out 3>&- &
CP=$!
track_pid $CP
# detach only once the reader has caught up with the last event
wait_until 10 '[ "$(tail -1 slow.out | cut -c1-8)" = 00040000 ]'
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
	pass "a slow reader: $reported records overwritten before it got them (+ $kring in the kernel ring), exactly the gaps"
else
	fail "a slow reader: overwritten count is exact" "reported=$reported kernel=$kring missing=$miss last=$last: $(cat slow.err)"
fi
"$TAPCTL" stop slow >/dev/null 2>&1

check "taphubd still runs" hub_alive
finish
