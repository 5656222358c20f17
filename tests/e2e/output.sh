#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Output files of a foreground tap (docs/tap.md, docs/trace-format.md):
# -o with strftime names, -S SIZE,COUNT rotation, SIGUSR2 switching,
# --format=binary read back with tap-read (merge, filters, JSON, damage,
# versions), disk full counted exactly, and the option errors.
#
# The events are numbered: one generator thread pinned to one CPU makes
# getppid() calls and the probe prints ++n, so every file set can be
# checked for gaps, duplicates and split lines.

. "$(dirname "$0")/lib.sh"
require_kernel
READ=$TAP_READ
D=$TMP/out
mkdir -p "$D"
cd "$D" || exit 1

# numbered lines of 100 bytes, of the generator only
NUMBERED='global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target())
		printf("%08d %090d\n", ++n, 0)
}'
gen_n() { # gen_n N: N numbered events
	echo "taskset -c 1 $GEN getppid $1"
}

# check_seq FROM TO FILES...: the lines of FILES are exactly FROM..TO, whole
check_seq() {
	from=$1
	to=$2
	shift 2
	cat "$@" | awk -v from="$from" -v to="$to" '
		/^n=/ { next }
		length($0) != 99 { print "split or bad line " NR ": " $0; bad = 1; exit }
		{ if ($1 + 0 != from + k) { print "line " NR ": " $1 " where " from + k " was due"; bad = 1; exit } k++ }
		END { if (!bad && from + k - 1 != to) { print "ends at " from + k - 1 ", not " to; bad = 1 } exit bad }'
}

# --- plain -o, strftime and made absolute
( cd / && "$TAP" -o "$D/plain-%Y.txt" -e "$NUMBERED" -c "$(gen_n 500)" ) >/dev/null 2>err.txt
f=$D/plain-$(date +%Y).txt
if [ -f "$f" ] && check_seq 1 500 "$f"; then pass "-o FILE with a strftime name"; else fail "-o FILE with a strftime name" "$(cat err.txt)"; fi

"$TAP" -o rel.txt -e 'probe begin { println("hi"); exit() }' >/dev/null 2>&1
check "-o relative to the current directory" grep -qx hi "$D/rel.txt"

# --- -S SIZE,COUNT: 5 MB of 100-byte lines into 1 MB files, 3 kept
"$TAP" -o rot.txt -S 1,3 -e "$NUMBERED" -c "$(gen_n 50000)" >/dev/null 2>err.txt
files=$(ls rot.txt.* 2>/dev/null | sort -t. -k3 -n)
nfiles=$(echo "$files" | wc -w)
if [ "$nfiles" = 3 ]; then pass "-S 1,3 keeps the newest 3 files"; else fail "-S 1,3 keeps the newest 3 files" "$(ls)"; fi
big=0
for x in $files; do
	[ "$(stat -c %s "$x")" -le 1048576 ] || big=1
done
check "-S 1: no file is over 1 MB" [ $big = 0 ]
first=$(head -1 $(echo "$files" | head -1) | cut -c1-8 | sed 's/^0*//')
if check_seq "$first" 50000 $files; then pass "rotated files hold the newest events, whole and in order"; else fail "rotated files hold the newest events, whole and in order"; fi
check "the first of the kept files is not FILE.0" [ ! -e rot.txt.0 ]

# --- SIGUSR2 switches to the next file; a switch without output makes no file
# The generator makes 1000 events, waits for go1, 1000 more, waits for go2,
# 1000 more; each signal is sent once the previous batch is in the file and
# go is given once tap has taken the signal, so the split is exact.  (It
# waits reading a FIFO: `release` writes to it.)
mkfifo "$D/go1" "$D/go2"
waitgo() { echo "read _ <$D/$1"; }
"$TAP" -o usr.txt -e "$(printf "%s\n" "$NUMBERED" | sed 's/pid() == target()/ppid() == target()/')" \
	-c "sh -c '$(gen_n 1000); $(waitgo go1); $(gen_n 1000); $(waitgo go2); $(gen_n 1000)'" >/dev/null 2>err.txt &
TP=$!
track_pid $TP
wait_until 30 '[ "$(wc -l <usr.txt 2>/dev/null)" = 1000 ]'
kill -USR2 $TP
wait_until 10 '! sig_pending $TP 12'
release go1
wait_until 30 '[ "$(wc -l <usr.txt.1 2>/dev/null)" = 1000 ]'
kill -USR2 $TP
wait_until 10 '! sig_pending $TP 12'
kill -USR2 $TP # twice without output in between: one new file
wait_until 10 '! sig_pending $TP 12'
release go2
wait $TP
n=$(ls usr.txt* | wc -l)
if [ "$n" = 3 ]; then pass "SIGUSR2 switches; a switch without output makes no file"; else fail "SIGUSR2 switches; a switch without output makes no file" "$(ls usr.txt*)"; fi
if check_seq 1 3000 usr.txt usr.txt.1 usr.txt.2; then pass "no event lost or doubled across SIGUSR2 switches"; else fail "no event lost or doubled across SIGUSR2 switches"; fi

# --- binary traces
"$TAP" -o tr.bin --format=binary -e "$NUMBERED
probe end { println(\"done\") }" -c "$(gen_n 2000)" >/dev/null 2>err.txt
"$READ" tr.bin >tr.txt 2>tr.err
if head -2000 tr.txt | check_seq 1 2000 && [ "$(sed -n 2001p tr.txt)" = done ]; then
	pass "tap-read prints a binary trace as tap would have"
else
	fail "tap-read prints a binary trace as tap would have" "$(head -3 tr.txt; cat tr.err)"
fi
check "a binary trace starts with the magic" [ "$(head -c 8 tr.bin)" = TAPTRACE ]
"$TAP" --read --json tr.bin >tr.json 2>/dev/null
# every record an object; their texts together are the text output
if [ "$(grep -c '"class":"default"' tr.json)" = "$(wc -l <tr.json)" ] &&
	python3 -c 'import json,sys; print("".join(json.loads(l)["text"] for l in open(sys.argv[1])), end="")' tr.json | cmp -s - tr.txt; then
	pass "tap --read --json: one JSON object per record"
else
	fail "tap --read --json: one JSON object per record" "$(head -2 tr.json)"
fi
check "--class filters by class name" [ "$("$READ" --class nosuch tr.bin | wc -l)" = 0 ]
check "--guest filters by guest" [ "$("$READ" --guest 0 tr.bin | wc -l)" = "$(wc -l <tr.txt)" ] && [ "$("$READ" --guest 7 tr.bin | wc -l)" = 0 ]
check "--to before the first record prints nothing" [ "$("$READ" --to 1 tr.bin | wc -l)" = 0 ]

# binary rotation: every file reads alone, the set merges in order
"$TAP" -o trr.bin --format=binary -S 1 -e "$NUMBERED" -c "$(gen_n 30000)" >/dev/null 2>&1
alone=0
for x in trr.bin.*; do
	"$READ" "$x" >/dev/null 2>&1 || alone=1
done
check "each file of a binary rotation set reads alone" [ $alone = 0 ] && [ "$(ls trr.bin.* | wc -l)" -ge 2 ]
if "$READ" trr.bin.* | check_seq 1 30000; then pass "tap-read merges a rotation set by time"; else fail "tap-read merges a rotation set by time"; fi
# the set shares one clock offset (header bytes 24..31): remeasured per
# file it drifts, and a merge by real time reorders records at the seams
offs=$(for x in trr.bin.*; do od -An -tx8 -j24 -N8 "$x"; done | sort -u | wc -l)
check "the files of a rotation set share one clock offset" [ "$offs" = 1 ]

# damage: truncated in the middle of a record, then a newer major version
size=$(stat -c %s tr.bin)
head -c $((size / 2 + 3)) tr.bin >cut.bin
"$READ" cut.bin >cut.txt 2>cut.err
rc=$?
lines=$(wc -l <cut.txt)
if [ $rc = 1 ] && grep -q "truncated at byte" cut.err && [ "$lines" -gt 500 ] && check_seq 1 "$lines" cut.txt; then
	pass "a truncated trace reads up to the damage and says where"
else
	fail "a truncated trace reads up to the damage and says where" "rc=$rc $(cat cut.err)"
fi
cp tr.bin newer.bin
printf '\143' | dd of=newer.bin bs=1 seek=8 conv=notrunc 2>/dev/null # major 99
"$READ" newer.bin >/dev/null 2>newer.err
if [ $? = 1 ] && grep -q "newer than this reader" newer.err; then
	pass "a newer major version is refused with a clear message"
else
	fail "a newer major version is refused with a clear message" "$(cat newer.err)"
fi
printf 'not a trace at all, just text\n' >junk.bin
"$READ" junk.bin >/dev/null 2>junk.err
check "a file that is not a trace is named as such" grep -q "not a taphub trace" junk.err

# --- disk full: an error once, the loss counted exactly, the session goes on
mkdir -p small
if mount -t tmpfs -o size=256k tmpfs small 2>/dev/null; then
	on_exit "umount '$D/small' 2>/dev/null"
	"$TAP" -o small/o.txt -e "$NUMBERED
probe end { printf(\"end ran\\n\") }" -c "$(gen_n 20000)" >/dev/null 2>full.err
	rc=$?
	written=$(grep -c . small/o.txt)
	lost=$(sed -n 's/^WARNING: \([0-9]*\) lines of output lost.*/\1/p' full.err)
	# 20000 events and the end probe's line (n is not printed at the end:
	# printf's ++n reads it, as stap counts it)
	if [ $rc = 0 ] && [ -n "$lost" ] && [ $((written + lost)) = 20001 ]; then
		pass "disk full: written + counted lost = all ($written + $lost)"
	else
		fail "disk full: written + counted lost = all" "rc=$rc written=$written lost=$lost $(cat full.err)"
	fi
	check "disk full: said once, not per record" [ "$(grep -c 'No space left' full.err)" = 1 ]
	check "disk full: no half line in the file" sh -c "tail -c 1 small/o.txt | od -c | grep -q '\\\\n'"
	umount small
else
	echo "(cannot mount a tmpfs here: disk-full test not run)"
fi

# --- option errors: one line each, exit 1
"$TAP" -S 10 -e 'probe begin { exit() }' >/dev/null 2>e1.txt
check "-S without -o is an error" sh -c "[ $? = 1 ] && grep -q -- '-S needs -o' e1.txt"
"$TAP" -o x -S 0 -e 'probe begin { exit() }' >/dev/null 2>e2.txt
check "-S 0 is an error" grep -q "SIZE\[,COUNT\]" e2.txt
"$TAP" -o x -S 1,0 -e 'probe begin { exit() }' >/dev/null 2>e3.txt
check "-S 1,0 is an error" grep -q "COUNT must be" e3.txt
"$TAP" -o x --format=xml -e 'probe begin { exit() }' >/dev/null 2>e4.txt
check "--format=xml is an error" grep -q "text or binary" e4.txt
"$TAP" -o /nonexistent/dir/x.txt -e 'probe begin { exit() }' >/dev/null 2>e5.txt
if [ $? = 1 ] && grep -q "cannot open output file /nonexistent/dir/x.txt" e5.txt; then pass "an unwritable -o is an error at start"; else fail "an unwritable -o is an error at start" "$(cat e5.txt)"; fi

finish
