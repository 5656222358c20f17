#!/bin/sh
# Relay hosts: guests are added to and removed from a host 100 times while
# the host records a numbered event stream; the host's stream has no gap,
# and records a removed guest wrote stay readable with its format table.
. "$(dirname "$0")/hub_lib.sh"
hub_start
CYCLES=${HUB_RELAY_CYCLES:-100}

# the host numbers every getppid of seqgen (a name of its own: other
# tests' generators must not interleave); a big discard class keeps all
cp "$GEN" "$HUBDIR/seqgen"
"$TAP" -F -m shbuf --relay-host shbuf --host-class seq=64M:discard --class seq \
	-e 'global n
	    probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "seqgen") printf("seq %d\n", ++n) }' \
	>/dev/null || { bad "create the relay host"; finish; }
ok "create the relay host"

err=$("$TAP" -F -m lost --relay-guest nosuchhost -e 'probe begin {}' 2>&1)
case "$err" in
*"relay host 'nosuchhost' does not exist"*) ok "a guest naming a missing host is refused" ;;
*) bad "a guest naming a missing host is refused" "$err" ;;
esac

# the stream runs the whole time guests come and go
( while :; do "$HUBDIR/seqgen" getppid 200; sleep 0.01; done ) &
track_pid $!
STREAM=$!

# a format of its own, so reading its records needs its table
cat >"$HUBDIR/guest.stp" <<'STP'
probe kernel.trace("syscalls:sys_enter_getpid") { if (execname() == "gen") printf("guest record from %s pid %d\n", execname(), pid()) }
STP
fails=0
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	if ! "$TAP" -F -m g$i --relay-guest shbuf --class seq "$HUBDIR/guest.stp" >/dev/null 2>"$HUBDIR/g.err"; then
		fails=$((fails + 1))
		cat "$HUBDIR/g.err"
		continue
	fi
	[ $i -eq 1 ] && "$GEN" flood 50
	"$TAPCTL" stop g$i >/dev/null || fails=$((fails + 1))
done
check "$CYCLES guests added and removed while recording" test $fails -eq 0
kill $STREAM 2>/dev/null
wait $STREAM 2>/dev/null
sleep 0.3
attach_for 5 "$HUBDIR/all" shbuf
grep '^seq ' "$HUBDIR/all" | awk '{ print $2 }' >"$HUBDIR/nums"
total=$(wc -l <"$HUBDIR/nums")
check "the host recorded a stream during the cycles" test "$total" -gt 500
gaps=$(awk 'NR > 1 && $1 != prev + 1 { g++ } { prev = $1 } END { print g + 0 }' "$HUBDIR/nums")
check "the host's numbered stream has no gap ($total events)" test "$gaps" -eq 0
check "the stream starts at 1" test "$(head -1 "$HUBDIR/nums")" = 1
check "records of the removed first guest stay readable" grep -q '^guest record from gen pid ' "$HUBDIR/all"
list=$("$TAPCTL" list)
case "$list" in
*"seq"*"discard"*) ok "tapctl list shows the host's class" ;;
*) bad "tapctl list shows the host's class" "$list" ;;
esac
check "no guest is left on the host" sh -c "'$TAPCTL' list | grep -q 'guests 1'"
"$TAPCTL" stop shbuf >/dev/null
check "the hub is still running" hub_alive
finish
