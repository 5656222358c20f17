#!/bin/sh
# Classes are isolated: one guest floods class bulk (two generators, as
# fast as the machine goes) while another writes numbered events at 10/s
# into class rare.  When the flood is over, rare holds every one of its
# events, in order, and bulk reports its overwrites.  HUB_FLOOD_SECONDS
# sets the flood length (make bench floods for minutes).
. "$(dirname "$0")/hub_lib.sh"
hub_start
SECS=${HUB_FLOOD_SECONDS:-15}
RARE=$((SECS * 10))

"$TAPCTL" host create iso --class rare=256K:discard --class bulk=4M:overwrite >/dev/null ||
	fail "tapctl host create"
# names of this run's own (other test runs on the machine use the same events)
RG=rare$$
FG=flood$$
own_gen rare >/dev/null
own_gen flood >/dev/null
"$TAP" -F -m rare --relay-guest iso --class rare -e 'global n
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"$RG"'") printf("rare %d\n", ++n) }' \
	>/dev/null || fail "the rare guest"
"$TAP" -F -m bulk --relay-guest iso --class bulk -e '
	probe kernel.trace("syscalls:sys_enter_getpid") { if (execname() == "'"$FG"'") printf("bulk %d %d\n", cpu(), tid()) }' \
	>/dev/null || fail "the bulk guest"
pass "a host with two classes and a guest in each"

"$TMP/$FG" flood $((SECS * 1000)) &
F1=$!
"$TMP/$FG" flood $((SECS * 1000)) &
F2=$!
track_pid "$F1 $F2"
i=0
while [ $i -lt $RARE ]; do
	i=$((i + 1))
	"$TMP/$RG" getppid 1
	# the rate of the rare stream, 10/s through the flood: not a wait
	sleep 0.1
done
wait $F1 $F2
# the last rare events may still be on their way from the kernel ring
wait_until 10 '[ "$(records_in iso rare)" -ge $RARE ]'
list=$("$TAPCTL" list)
bulkw=$(echo "$list" | awk '$1 == "bulk" && $3 == "overwrite" { print $5 }')
bulko=$(echo "$list" | awk '$1 == "bulk" && $3 == "overwrite" { print $6 }')
rarelost=$(echo "$list" | awk '$1 == "rare" && $3 == "discard" { print $7 }')
rarerec=$(echo "$list" | awk '$1 == "rare" && $3 == "discard" { print $5 }')
echo "  flood: $bulkw bulk records in ${SECS}s ($((bulkw / SECS)) per second), $bulko overwritten"
check "bulk reports its overwrites" test "${bulko:-0}" -gt 0
check "rare lost nothing" test "${rarelost:-1}" -eq 0
if [ "${rarerec:-0}" -eq $RARE ]; then pass "rare has its $RARE records"; else fail "rare has its $RARE records" "$rarerec; $list"; fi
attach_until 10 "$TMP/rare" '[ "$(count_of "$TMP/rare" "^rare ")" -ge $RARE ]' rare
n=$(count_of "$TMP/rare" '^rare ')
if [ "$n" -eq $RARE ]; then pass "attaching to the rare guest shows all $RARE events"; else fail "attaching to the rare guest shows all $RARE events" "$n: $(grep '^rare ' "$TMP/rare" | awk '$2 != NR { print "first missing: " NR; exit }')"; fi
check "in order, 1 to $RARE" sh -c "grep '^rare ' '$TMP/rare' | awk '{ if (\$2 != NR) exit 1 }'"
check "and nothing of the bulk guest" sh -c "! grep -q '^bulk ' '$TMP/rare'"
"$TAPCTL" stop bulk >/dev/null 2>&1
"$TAPCTL" stop rare >/dev/null 2>&1
"$TAPCTL" host destroy iso >/dev/null || fail "tapctl host destroy"
check "the hub is still running" hub_alive
finish
