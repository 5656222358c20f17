#!/bin/sh
# A flood of connections (docs/hub.md "Limits").
# 1. The hub at its open files limit does not spin: its CPU time stays
#    small while connections wait, and it serves again once clients leave.
. "$(dirname "$0")/hub_lib.sh"
HUBCONN=$B/tests/e2e/hubconn
if ! command -v prlimit >/dev/null; then
	echo "SKIP $TEST: needs prlimit (util-linux)"
	exit 77
fi

# wait until hubconn wrote its summary into FILE (it then holds its connections)
held() { # held FILE
	for i in $(seq 100); do
		grep -q '^holding$' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

cpu_ticks() { # user + system time of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}


# ---- 1. at the open files limit -------------------------------------------
hub_start
NOFILE=32
prlimit --pid "$HUBPID" --nofile=$NOFILE:$NOFILE
# more than the limit leaves; the rest wait in the listen backlog (64)
"$HUBCONN" "$TAPHUB_SOCKET" 60 >"$HUBDIR/fd.out" &
conn=$!
track_pid $conn
held "$HUBDIR/fd.out" || bad "the flood client opened its connections" "$(cat "$HUBDIR/fd.out")"
for i in $(seq 50); do
	grep -q "cannot accept connections: Too many open files" "$HUBDIR/hub.log" && break
	sleep 0.1
done
check "the hub reached its open files limit (logged)" \
	grep -q "cannot accept connections: Too many open files (open files limit $NOFILE)" "$HUBDIR/hub.log"
# a client that comes now waits for a free fd rather than being refused
timeout 30 "$TAPCTL" list >"$HUBDIR/waiting.out" 2>&1 &
waiting=$!
track_pid $waiting
# busy-polling the listening socket costs ~a core; waiting costs ~nothing:
# allow 10 % of a core over 2 s, a wide margin on a loaded machine
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks "$HUBPID")
sleep 2
t1=$(cpu_ticks "$HUBPID")
used=$((t1 - t0))
if [ $used -le $((hz * 2 / 10)) ]; then
	ok "the hub at its fd limit does not spin ($used ticks of $((hz * 2)) in 2 s)"
else
	bad "the hub at its fd limit does not spin" "$used ticks of $((hz * 2)) in 2 s"
fi
kill $conn
wait $conn 2>/dev/null
if wait $waiting; then
	ok "a client that came at the limit is served once the others left"
else
	bad "a client that came at the limit is served once the others left" "$(cat "$HUBDIR/waiting.out")"
fi
check "the hub serves again once the clients left" timeout 10 "$TAPCTL" list
check "the hub is still running" hub_alive
finish
