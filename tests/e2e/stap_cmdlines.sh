#!/bin/sh
# SPDX-License-Identifier: MIT
#
# SystemTap's flight-recorder command lines, as its documentation and
# admins' runbooks write them, with taphub's names (stap -> tap, staprun
# -A -> tap -A) and this kernel's probe points:
#
#   stap -F -m NAME script.stp              the session has the name
#   stap -F -o FILE -S 1,2 pfaults.stp      files rotate at 1 MB, 2 kept
#   stap -F ... -s 128 -DRELAYHOST=shbuf    a relay host with a 128 MB class
#   stap -F ... -DRELAYGUEST=shbuf          its records reach the host
#   staprun -A NAME, then Ctrl-\ (SIGQUIT)  attached; detached, still recording
#   staprun -o FILE ..., SIGUSR2            the next output file
#
# and the same with the options after the script, as stap parses them
# (GNU getopt: options anywhere before "--").  Each option's effect is
# checked, so an option taken for a script argument fails here.

. "$(dirname "$0")/hub_lib.sh"
D=$TMP/out
mkdir -p "$D"
chmod 777 "$D"
cd "$D" || exit 1
hub_start
# its sessions, gone however the test ends (hub_start removes the pins)
stop_all() {
	for pass in 1 2; do
		for s in $("$TAPCTL" list 2>/dev/null | awk '$1 == "SESSION" { on = 1; next } on { print $1 }'); do
			"$TAPCTL" stop "$s" >/dev/null 2>&1
		done
	done
}
on_exit stop_all

# the events come from a generator of this run's own name (frgen$$, put in
# the scripts below): other tests and test runs run gen
FRGEN=$(own_gen frgen)

# seq_in FILE A B: FILE's "fr N" lines are exactly A..B
seq_in() {
	awk -v a="$2" -v b="$3" '$1 != "fr" { next } { if ($2 != a + k) exit 1; k++ } END { exit a + k - 1 != b }' "$1"
}


cat >flightrecord.stp <<'STP'
global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "frgen")
		printf("fr %d\n", ++n)
}
STP
# the beginners guide's pfaults.stp, on this kernel's page fault tracepoint:
# numbered 100-byte lines
cat >pfaults.stp <<'STP'
global n
probe kernel.trace("exceptions:page_fault_user") {
	if (execname() == "frgen")
		printf("%08d %090d\n", ++n, $address & 0xffff)
}
STP
cat >args.stp <<'STP'
probe begin { printf("ran %s\n", @1); exit() }
STP
sed -i "s/\"frgen\"/\"frgen$$\"/" flightrecord.stp pfaults.stp

# --- stap -F -m NAME: the session has the name, in either order ---------------
out=$("$TAP" -F flightrecord.stp -m frtrace 2>&1)
case "$out" in
*"Session frtrace "*) pass "tap -F flightrecord.stp -m frtrace: the session is named frtrace" ;;
*) fail "tap -F flightrecord.stp -m frtrace: the session is named frtrace" "$out" ;;
esac
out=$("$TAP" -F -m frdoc flightrecord.stp 2>&1)
case "$out" in
*"Session frdoc "*) pass "tap -F -m frdoc flightrecord.stp: the session is named frdoc" ;;
*) fail "tap -F -m frdoc flightrecord.stp: the session is named frdoc" "$out" ;;
esac
"$TAPCTL" stop frdoc >/dev/null 2>&1
"$FRGEN" getppid 100

# --- staprun -A NAME; Ctrl-\ detaches, the session records on --------------------
"$TAP" -A frtrace >a1 2>a1.err &
APID=$!
track_pid $APID
if wait_until 20 'grep -qx "fr 100" a1'; then
	pass "tap -A frtrace prints what the buffer holds"
else
	fail "tap -A frtrace prints what the buffer holds" "$(cat a1.err)"
fi
kill -QUIT $APID
wait $APID
rc=$?
check "SIGQUIT (Ctrl-\\) detaches the reader: exit 0" [ $rc = 0 ]
"$FRGEN" getppid 50
check "the detached reader saw nothing after it left" sh -c "! grep -q '^fr 101$' a1"
if attach_until 10 a2 'grep -q "^fr 150$" a2' frtrace; then
	check "the session recorded on after the detach (fr 1..150)" seq_in a2 1 150
else
	fail "the session recorded on after the detach (fr 1..150)" "$(tail -3 a2)"
fi
"$TAPCTL" stop frtrace >/dev/null 2>&1

# --- stap -F -o FILE -S 1,2 pfaults.stp: files rotate at 1 MB, 2 kept -------------
# the files (each a rotation set of 1 MB files, the newest 2 kept) must end with
# the newest line, with nothing split
rotation_ok() { # PATTERN SIZE_MB COUNT
	files=$(ls "$1".* 2>/dev/null | sort -t. -k3 -n)
	[ "$(echo "$files" | grep -c .)" = "$3" ] || return 1
	for f in $files; do
		[ "$(stat -c %s "$f")" -le $(($2 << 20)) ] || return 1
	done
	# numbered lines, consecutive across the kept files
	cat $files | awk '/^n=/ { next } !p { p = $1 - 1 } { if ($1 != p + 1 || length($0) != 99) exit 1; p = $1 }'
}
for order in doc after; do
	if [ $order = doc ]; then
		"$TAP" -F -m pf_doc -o "$D/pf_doc.log" -S 1,2 pfaults.stp >/dev/null 2>pf.err
	else
		"$TAP" -F pfaults.stp -m pf_after -o "$D/pf_after.log" -S 1,2 >/dev/null 2>pf.err
	fi || fail "tap -F ($order order) -o -S starts" "$(cat pf.err)"
	"$FRGEN" touch 30000
	"$TAPCTL" stop pf_$order >/dev/null 2>&1
	if rotation_ok "$D/pf_$order.log" 1 2; then
		pass "-F -o FILE -S 1,2 ($order the script): 2 files of at most 1 MB kept"
	else
		fail "-F -o FILE -S 1,2 ($order the script): 2 files of at most 1 MB kept" "$(ls -l "$D"/pf_$order.log* 2>&1)"
	fi
done

# --- the same without the hub: tap script.stp -o log -S 2,3 -c CMD --------------
# (a time limit: with -c taken for an argument, this would run on)
timeout -k 5 120 "$TAP" pfaults.stp -o "$D/emb.log" -S 2,3 -c "$FRGEN touch 70000" >emb.out 2>emb.err
rc=$?
check "tap pfaults.stp -o log -S 2,3 -c CMD: exit 0" [ $rc = 0 ]
if rotation_ok "$D/emb.log" 2 3; then
	pass "tap pfaults.stp -o log -S 2,3: 3 files of at most 2 MB kept"
else
	fail "tap pfaults.stp -o log -S 2,3: 3 files of at most 2 MB kept" "$(ls -l "$D"/emb.log* 2>&1; cat emb.err)"
fi
check "-o: nothing went to stdout" [ ! -s emb.out ]

# --- -s 128 -DRELAYHOST=shbuf, then -DRELAYGUEST=shbuf ----------------------------
cat >buffer.stp <<'STP'
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "frgen") printf("host %d\n", pid()) }
STP
cat >guest.stp <<'STP'
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "frgen") printf("guest %d\n", pid()) }
STP
sed -i "s/\"frgen\"/\"frgen$$\"/" buffer.stp guest.stp
"$TAP" -F buffer.stp -s 128 -DRELAYHOST=shbuf >host.out 2>host.err
check "tap -F buffer.stp -s 128 -DRELAYHOST=shbuf: exit 0" [ $? = 0 ]
list=$("$TAPCTL" list)
if printf '%s\n' "$list" | grep -q '^host shbuf ' &&
	printf '%s\n' "$list" | grep -Eq '^ +default +128M +overwrite'; then
	pass "-DRELAYHOST=shbuf -s 128: host shbuf with a 128 MB class"
else
	fail "-DRELAYHOST=shbuf -s 128: host shbuf with a 128 MB class" "$list $(cat host.err)"
fi
"$TAP" -F guest.stp -DRELAYGUEST=shbuf >guest.out 2>guest.err
case "$(cat guest.out)" in
*"recording in host shbuf as a guest"*) pass "tap -F guest.stp -DRELAYGUEST=shbuf joins the host" ;;
*) fail "tap -F guest.stp -DRELAYGUEST=shbuf joins the host" "$(cat guest.out guest.err)" ;;
esac
"$FRGEN" getppid 1 &
gpid=$!
wait $gpid
if attach_until 10 relay.txt "grep -q '^guest $gpid\$' relay.txt && grep -q '^host $gpid\$' relay.txt" shbuf; then
	pass "the relay guest's records appear in the host's output"
else
	fail "the relay guest's records appear in the host's output" "$(cat relay.txt)"
fi
stop_all

# --- staprun -o FILE; SIGUSR2 starts the next file (no hub) ------------------------
# an openat of frgen's says the probes are attached; its getppids are numbered
cat >usr2.stp <<'STP'
global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "frgen") printf("fr %d\n", ++n) }
probe kernel.trace("syscalls:sys_enter_openat") { if (execname() == "frgen") printf("ready\n") }
STP
sed -i "s/\"frgen\"/\"frgen$$\"/" usr2.stp
"$TAP" usr2.stp -o "$D/foo" 2>foo.err &
TPID=$!
track_pid $TPID
wait_until 30 '"$FRGEN" open /dev/null 1; grep -q "^ready" "$D/foo"'
"$FRGEN" getppid 100
wait_until 10 'grep -qx "fr 100" foo'
kill -USR2 $TPID
"$FRGEN" getppid 100
wait_until 10 'grep -qx "fr 200" foo.1'
kill -INT $TPID
wait $TPID
rc=$?
if [ $rc = 0 ] && seq_in foo 1 100 && seq_in foo.1 101 200; then
	pass "SIGUSR2 to tap usr2.stp -o foo: the next events go to foo.1"
else
	fail "SIGUSR2 to tap usr2.stp -o foo: the next events go to foo.1" "rc=$rc $(ls foo* 2>&1) $(cat foo.err)"
fi

# --- -s MB after the script, without the hub: the kernel ring's size ------------
# (read from the ring buffer map's fdinfo: map_type 27 is BPF_MAP_TYPE_RINGBUF)
ring_size() {
	for f in /proc/$1/fdinfo/*; do
		awk '$1 == "map_type:" && $2 == 27 { r = 1 } $1 == "max_entries:" && r { print $2; exit }' "$f"
	done 2>/dev/null | head -1
}
"$TAP" flightrecord.stp -s 8 >/dev/null 2>s8.err &
TPID=$!
track_pid $TPID
wait_until 30 '[ -n "$(ring_size $TPID)" ]'
size=$(ring_size $TPID)
kill -INT $TPID
wait $TPID
check "tap flightrecord.stp -s 8: an 8 MB kernel ring (got ${size:-none})" [ "$size" = $((8 << 20)) ]

# --- -e, --, -p, -x: the first non-option is the script ------------------------------
"$TAP" -e 'probe begin { printf("%s %s\n", @1, @2); exit() }' one -o "$D/e.out" two >e.stdout 2>&1
check "-e TEXT one -o FILE two: both words are arguments, -o is an option" \
	sh -c "[ \"\$(cat '$D/e.out')\" = 'one two' ] && [ ! -s e.stdout ]"
out=$("$TAP" -e 'probe begin { printf("%s %s\n", @1, @2); exit() }' -- -x -5 2>&1)
check "after --, words that begin with '-' are arguments" [ "$out" = "-x -5" ]
out=$("$TAP" args.stp -- -1 2>&1)
check "tap args.stp -- -1: @1 is -1" [ "$out" = "ran -1" ]
out=$("$TAP" args.stp first.stp 2>&1)
check "the first non-option is the script, the next an argument" [ "$out" = "ran first.stp" ]
out=$(timeout -k 5 60 "$TAP" args.stp one -p4 2>&1)
check "tap args.stp one -p4: stops after pass 4 (prints the object)" sh -c "[ -f '$out' ]"
cat >target.stp <<'STP'
probe begin { printf("target %d\n", target()); exit() }
STP
out=$("$TAP" target.stp -x $$ 2>&1)
if [ "$out" = "target $$" ]; then pass "tap target.stp -x PID: target() is PID"; else
	fail "tap target.stp -x PID: target() is PID" "$out"; fi
"$TAP" args.stp 2>noarg.err >/dev/null
check "a missing @1 is still a compile error" [ $? = 1 ]
out=$("$TAP" -l 'kernel.trace("exceptions:page_fault_u*")' 2>&1)
check "-l PATTERN lists the probe point" [ "$out" = 'kernel.trace("exceptions:page_fault_user")' ]
out=$("$TAP" -L 'kernel.trace("exceptions:page_fault_user")' 2>&1)
case "$out" in
*'$address'*) pass "-L PATTERN lists its variables" ;;
*) fail "-L PATTERN lists its variables" "$out" ;;
esac

stop_all
check "the hub is still running" hub_alive
finish
