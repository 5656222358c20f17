#!/bin/sh
# Relay hosts: guests are added to and removed from a host 100 times while
# the host records a numbered event stream; the host's stream has no gap,
# and records a removed guest wrote stay readable with its format table.
. "$(dirname "$0")/hub_lib.sh"
hub_start
CYCLES=${HUB_RELAY_CYCLES:-100}

# the host numbers every getppid of seqgen$$ (a name of this run's: other
# tests' generators must not interleave); a big discard class keeps all
SEQGEN=$(own_gen seqgen)
"$TAP" -F -m shbuf --relay-host shbuf --host-class seq=64M:discard --class seq \
	-e 'global n
	    probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"seqgen$$"'") printf("seq %d\n", ++n) }' \
	>/dev/null || { fail "create the relay host"; finish; }
pass "create the relay host"

err=$("$TAP" -F -m lost --relay-guest nosuchhost -e 'probe begin {}' 2>&1)
case "$err" in
*"relay host 'nosuchhost' does not exist"*) pass "a guest naming a missing host is refused" ;;
*) fail "a guest naming a missing host is refused" "$err" ;;
esac

# the stream runs the whole time guests come and go, 200 events at a time
# until told to stop; then it says how many it made
(
	i=0
	while [ ! -e "$TMP/stop" ]; do
		"$SEQGEN" getppid 200
		i=$((i + 1))
		# paced, to leave the machine to the guests coming and going
		sleep 0.01
	done
	echo $((i * 200)) >"$TMP/streamed"
) &
STREAM=$!
track_pid $STREAM

# a format of its own, so reading its records needs its table
GGEN=$(own_gen ggen)
cat >"$TMP/guest.stp" <<STP
probe kernel.trace("syscalls:sys_enter_getpid") { if (execname() == "ggen$$") printf("guest record from %s pid %d\n", execname(), pid()) }
STP
fails=0
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	if ! "$TAP" -F -m g$i --relay-guest shbuf --class seq "$TMP/guest.stp" >/dev/null 2>"$TMP/g.err"; then
		fails=$((fails + 1))
		cat "$TMP/g.err"
		continue
	fi
	[ $i -eq 1 ] && "$GGEN" flood 50
	"$TAPCTL" stop g$i >/dev/null 2>&1 || fails=$((fails + 1))
done
check "$CYCLES guests added and removed while recording" test $fails -eq 0
touch "$TMP/stop"
wait $STREAM
streamed=$(cat "$TMP/streamed")
attach_until 20 "$TMP/all" "grep -q '^seq $streamed\$' '$TMP/all'" shbuf
grep '^seq ' "$TMP/all" | awk '{ print $2 }' >"$TMP/nums"
total=$(wc -l <"$TMP/nums")
check "the host has all $streamed events of the stream" test "$total" = "$streamed"
check "the host recorded a stream during the cycles" test "$total" -gt 500
gaps=$(awk 'NR > 1 && $1 != prev + 1 { g++ } { prev = $1 } END { print g + 0 }' "$TMP/nums")
check "the host's numbered stream has no gap ($total events)" test "$gaps" -eq 0
check "the stream starts at 1" test "$(head -1 "$TMP/nums")" = 1
check "records of the removed first guest stay readable" grep -q "^guest record from ggen$$ pid " "$TMP/all"
list=$("$TAPCTL" list)
case "$list" in
*"seq"*"discard"*) pass "tapctl list shows the host's class" ;;
*) fail "tapctl list shows the host's class" "$list" ;;
esac
check "no guest is left on the host" sh -c "'$TAPCTL' list | grep -q 'guests 1'"
"$TAPCTL" stop shbuf >/dev/null 2>&1
check "the hub is still running" hub_alive
finish
