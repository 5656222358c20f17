#!/bin/sh
# SPDX-License-Identifier: MIT
# SDT markers (<sys/sdt.h>) of user-space programs: process("PATH").mark,
# .provider, .library, process.mark with -c and -x; $argN from registers,
# immediates, memory and %rip-relative operands, $$name, $$provider,
# $$parms; semaphores raised by the kernel while a probe is attached; -L;
# process().function() and .return with parameters from DWARF; and the
# errors.  tests/e2e/sdtprog.c hits each marker N times with
# arguments known in advance (see its header).
#
. "$(dirname "$0")/lib.sh"
require_kernel
PROG=$TAP_E2E_BUILD/tests/e2e/sdtprog
LIB=$TAP_E2E_BUILD/tests/e2e/libsdtprog.so
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
N=50
SUM=$((N * (N + 1) / 2))

# ---- -c: every hit of every marker, with its values --------------------------------
tap_run all -c "$PROG $N" -e '
global ticks, s1, s2, bad_sizes, bad_field, gsum, parms, gpf
probe process(@1).mark("tick") { ticks++; s1 += $arg1; s2 += $arg2
	if ($arg1 == 1) parms = $$parms }
probe process(@1).mark("sizes") {
	i = $arg3
	if ($arg1 != -i || $arg2 != -2 * i || $arg4 != -i * (1 << 33) || $arg5 != 200 ||
	    $arg6 != 10 * i)
		bad_sizes++
}
probe process(@1).provider("taptest").mark("field") {
	if ($arg1 != 1000 - $arg2 || user_string($arg3) != sprintf("tick-%d", -$arg2) ||
	    $$name != "field" || $$provider != "taptest")
		bad_field++
}
probe process(@1).library("libsdtprog.so").mark("guarded") { gsum += $arg1; gpf = probefunc() }
probe end {
	printf("ticks=%d\ns1=%d\ns2=%d\nbad_sizes=%d\nbad_field=%d\ngsum=%d\nparms=%s\ngpf=%s\n",
	       ticks, s1, s2, bad_sizes, bad_field, gsum, parms, gpf)
}' "$PROG"
assert_ok "a script on four markers of a program and its library runs" all
assert_eq "tick: one hit per call" "$(value ticks all)" "$N"
assert_eq "tick: \$arg1 (-4@%edi) sums to 1+...+N" "$(value s1 all)" "$SUM"
assert_eq "tick: \$arg2 (-8@%rax) sums to -(1+...+N)" "$(value s2 all)" "-$SUM"
assert_eq "sizes: 1, 2, 4, 8-byte registers, an immediate, a %rip global: all as passed" \
	"$(value bad_sizes all)" 0
assert_eq "field: struct members through %rip, a string, \$\$name, \$\$provider" \
	"$(value bad_field all)" 0
assert_eq "library(): the marker of the shared library, behind its semaphore" \
	"$(value gsum all)" "$SUM"
assert_grep "probefunc() of a marker: the function around it" "$TMP/all.out" "^gpf=sdtprog_guarded\$"
assert_grep "the program saw its semaphore raised at every call" "$TMP/all.out" "^guarded=$N\$"
assert_grep "\$\$parms as stap prints a marker's" "$TMP/all.out" \
	'^parms=$arg1=0x1 $arg2=0xffffffffffffffff$'

# ---- both ways in: uprobe_multi links (Linux 6.6+, the default where the kernel has
# them: hub/guest_umulti.c) and perf-event uprobes (older kernels; forced here) ----------
for way in multi perf; do
	env_way=; [ $way = perf ] && env_way=perf
	TAPHUB_UPROBE=$env_way tap_run "way_$way" -c "$PROG $N" -e 'global n, g
probe process(@1).mark("tick") { n++ }
probe process(@1).library("libsdtprog.so").mark("guarded") { g += $arg1 }
probe end { printf("n=%d\ng=%d\n", n, g) }' "$PROG"
	assert_ok "uprobes attached as $way run" "way_$way"
	assert_eq "$way: tick seen $N times" "$(value n "way_$way")" "$N"
	assert_eq "$way: the semaphore-guarded marker of the library, every call" \
		"$(value g "way_$way")" "$SUM"
	assert_grep "$way: the program saw its semaphore raised" "$TMP/way_$way.out" "^guarded=$N\$"
	# a wildcard's points share one program per body (the cookie picks the point)
	TAPHUB_UPROBE=$env_way tap_run "wild_$way" -v -c "$PROG $N" -e 'global f, m
probe process(@1).function("sdtprog_*") { f[probefunc()]++ }
probe process(@1).mark("*") { m[$$name]++ }
probe end { foreach (k in f) printf("f_%s=%d\n", k, f[k])
	foreach (k in m) printf("m_%s=%d\n", k, m[k]) }' "$PROG"
	assert_rc "$way: wildcards of functions and markers run" "wild_$way" 0
	assert_eq "$way: 3 functions and 3 markers, 2 programs" \
		"$(grep -c 'verified .* insns' "$TMP/wild_$way.err")" 2
	assert_eq "$way: sdtprog_add, by its own probe point" "$(value f_sdtprog_add "wild_$way")" "$N"
	assert_eq "$way: sdtprog_walk" "$(value f_sdtprog_walk "wild_$way")" "$N"
	assert_eq "$way: sdtprog_seen, 3 per walk" "$(value f_sdtprog_seen "wild_$way")" $((3 * N))
	assert_eq "$way: markers tick, sizes, field: each its own" \
		"$(value m_tick "wild_$way") $(value m_sizes "wild_$way") $(value m_field "wild_$way")" \
		"$N $N $N"
done

# ---- a semaphore stays down when its marker is not probed --------------------------
tap_run nosem -c "$PROG 5" -e 'global n; probe process(@1).mark("tick") { n++ }
probe end { printf("n=%d\n", n) }' "$PROG"
assert_ok "a script on tick only runs" nosem
assert_eq "tick seen 5 times" "$(value n nosem)" 5
assert_grep "no probe on guarded: its semaphore stayed 0" "$TMP/nosem.out" "^guarded=0\$"

# ---- process.mark: the program of -c, found through \$PATH --------------------------
tap_run path -c "sdtprog 7" -e 'global n; probe process.mark("tick") { n++ }
probe end { printf("n=%d\n", n) }'
assert_rc "without sdtprog in \$PATH, -c cannot name it" path 1
PATH=$TAP_E2E_BUILD/tests/e2e:$PATH tap_run path -c "sdtprog 7" -e 'global n
probe process.mark("tick") { n++ } probe end { printf("n=%d\n", n) }'
assert_ok "process.mark with -c CMD found through \$PATH" path
assert_eq "it sees the 7 ticks" "$(value n path)" 7

# ---- -x PID: a running process -----------------------------------------------------
"$PROG" 9 "$TMP/go" >"$TMP/x.prog" &
XPID=$!
track_pid $XPID
tap_start x -x "$XPID" -e 'global n, s; probe process.mark("tick") { n++; s += $arg1
	if (n == 9) exit() } probe end { printf("n=%d\ns=%d\ntarget=%d\n", n, s, target()) }'
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID" && touch "$TMP/go"
tap_wait x
assert_ok "-x PID with process.mark runs" x
assert_eq "-x: the 9 ticks of the running process" "$(value n x)" 9
assert_eq "-x: their \$arg1 sum" "$(value s x)" 45
assert_eq "-x: target() is the pid" "$(value target x)" "$XPID"

# ---- functions: process().function(), .return, library(), from the symbol table and DWARF
# sdtprog_add(100 i, -i, "tick-i", 7) returns 99 i + strlen("tick-i") + 7
LENS=0
for i in $(seq 1 $N); do LENS=$((LENS + ${#i} + 5)); done
tap_run func -c "$PROG $N" -e '
global n, sb, ra, rv, bad_str, parms, rparms, pf, gret
probe process(@1).function("sdtprog_add") { n++; sb += $b
	if (user_string($s) != sprintf("tick-%d", -$b) || $c != 7) bad_str++
	if ($b == -1) { parms = $$parms; pf = probefunc() } }
probe process(@1).function("sdtprog_add").return { ra += $a; rv += $return
	if ($b == -1) rparms = $$return }
probe process(@1).library("libsdtprog.so").function("sdtprog_guarded").return { gret += $return }
probe process(@1).library("libsdtprog.so").mark("guarded") { }
probe end { printf("n=%d\nsb=%d\nra=%d\nrv=%d\nbad_str=%d\nparms=%s\nrparms=%s\npf=%s\ngret=%d\n",
	n, sb, ra, rv, bad_str, parms, rparms, pf, gret) }' "$PROG"
assert_ok "function entry and return probes on a program and its library run" func
assert_eq "function(): one hit per call" "$(value n func)" "$N"
assert_eq "\$b (an int in esi) sums to -(1+...+N)" "$(value sb func)" "-$SUM"
assert_eq "\$s (a char *) reads with user_string(), \$c (an unsigned char) is 7" \
	"$(value bad_str func)" 0
assert_grep "\$\$parms: each parameter as stap prints it" "$TMP/func.out" \
	'^parms=a=0x64 b=0xffffffffffffffff s=0x[0-9a-f]* c=0x7$'
assert_grep "probefunc() names the function" "$TMP/func.out" '^pf=sdtprog_add$'
assert_eq ".return: \$a is its value at entry" "$(value ra func)" "$((100 * SUM))"
assert_eq ".return: \$return sums to 99(1+...+N) + the name lengths + 7N" "$(value rv func)" \
	"$((99 * SUM + LENS + 7 * N))"
assert_grep ".return: \$\$return" "$TMP/func.out" "^rparms=return=0x$(printf %x $((99 + 6 + 7)))\$"
assert_eq "library().function().return: 1 per call while the marker's semaphore is up" \
	"$(value gret func)" "$N"

tap_run flist -L "process(\"$PROG\").function(\"sdtprog_a*\").return"
assert_eq "-L lists a function with its parameters and \$return" "$(out flist)" \
	"process(\"$PROG\").function(\"sdtprog_add\").return \$a:long \$b:long \$s:long \$c:long \$return:long"
tap_run fnone -p2 -e "probe process(\"$PROG\").function(\"nope*\") { }"
assert_grep "a pattern that matches no function is a pass-2 error" "$TMP/fnone.err" \
	"matches no function in the symbol table of $PROG"
cp "$PROG" "$TMP/sdtprog-stripped" && strip "$TMP/sdtprog-stripped" || fail "strip" "strip failed"
tap_run fparam -p2 -e "probe process(\"$PROG\").function(\"sdtprog_add\") { print(\$zz) }"
assert_grep "an unknown variable lists those in scope" "$TMP/fparam.err" \
	"unable to find target variable '\$zz' in process(\"$PROG\").function(\"sdtprog_add\") (its variables: \$a \$b \$s \$c \$n)"
tap_run fret -p2 -e "probe process(\"$PROG\").function(\"sdtprog_add\") { print(\$return) }"
assert_grep "\$return in an entry probe is an error" "$TMP/fret.err" \
	"'\$return' is only available in .return probes"
tap_run fline -p2 -e "probe process(\"$TMP/sdtprog-stripped\").function(\"main@sdtprog.c\") { }"
assert_grep "a source file needs DWARF: a stripped program says so" "$TMP/fline.err" \
	"cannot be found in $TMP/sdtprog-stripped: the program has no DWARF"

# ---- -L: the markers and their arguments --------------------------------------------
tap_run list -L "process(\"$PROG\").mark(\"*\")"
assert_ok "-L on the markers" list
cat >"$TMP/list.want" <<EOF2
process("$PROG").mark("field") \$arg1:long \$arg2:long \$arg3:long
process("$PROG").mark("guarded") \$arg1:long
process("$PROG").mark("sizes") \$arg1:long \$arg2:long \$arg3:long \$arg4:long \$arg5:long \$arg6:long
process("$PROG").mark("tick") \$arg1:long \$arg2:long
EOF2
# guarded is the library's: the program's own notes have the three others
grep -v guarded "$TMP/list.want" >"$TMP/list.want3"
assert_eq "-L lists each marker of the program once, with its arguments" \
	"$(out list)" "$(cat "$TMP/list.want3")"
tap_run listlib -L "process(\"$LIB\").mark(\"g*\")"
assert_eq "-L on the library" "$(out listlib)" "$(grep guarded "$TMP/list.want" | sed "s|$PROG|$LIB|")"

# ---- errors --------------------------------------------------------------------------
tap_run nomatch -p2 -e "probe process(\"$PROG\").mark(\"nope\") { }"
assert_rc "a marker that is not there is a pass-2 error" nomatch 1
assert_grep "the error lists the markers there are" "$TMP/nomatch.err" \
	"matches no SDT marker of $PROG (its markers: taptest:tick, taptest:sizes, taptest:field)"
assert_grep "with file:line:col" "$TMP/nomatch.err" "^<input>:1:7: error: "
tap_run range -p2 -e "probe process(\"$PROG\").mark(\"tick\") { print(\$arg3) }"
assert_rc "\$arg3 of a two-argument marker is an error" range 1
assert_grep "naming the arguments there are" "$TMP/range.err" \
	"unable to find target variable '\$arg3' in process(\"$PROG\").mark(\"tick\") (its arguments: \$arg1..\$arg2)"
tap_run notelf -p2 -e 'probe process("/etc/hostname").mark("x") { }'
assert_rc "a file that is not ELF" notelf 1
assert_grep "is named as such" "$TMP/notelf.err" "cannot read /etc/hostname: not an ELF file"
tap_run nocmd -p2 -e 'probe process.mark("tick") { }'
assert_grep "process.mark without -c or -x says what it needs" "$TMP/nocmd.err" \
	"names no program: give a path, or run with -c CMD or -x PID"

# A stripped copy keeps its notes but not the local symbol %rip operands name
cp "$PROG" "$TMP/stripped" && strip "$TMP/stripped" && cp "$LIB" "$TMP/" ||
	fail "strip" "strip failed"
tap_run stripped -c "$TMP/stripped 4" -e "global n; probe process(\"$TMP/stripped\").mark(\"tick\") { n++ }
probe end { printf(\"n=%d\\n\", n) }"
assert_ok "a stripped program: markers with register operands work" stripped
assert_eq "its 4 ticks" "$(value n stripped)" 4
tap_run strfield -p2 -e "probe process(\"$TMP/stripped\").mark(\"field\") { }"
assert_rc "a marker whose operand names a stripped symbol is a pass-2 error" strfield 1
assert_grep "naming the symbol" "$TMP/strfield.err" "symbol 'pr.0' of argument 1 is not in the symbol table"
tap_run sfunc -p2 -e "probe process(\"$TMP/stripped\").function(\"sdtprog_add\") { }"
assert_grep "a stripped program's own functions are gone: said so" "$TMP/sfunc.err" \
	"matches no function: $TMP/stripped has no function symbols (stripped?)"
strip "$TMP/libsdtprog.so"
tap_run slib -p2 -e "probe process(\"$TMP/libsdtprog.so\").function(\"sdtprog_guarded\") { print(\$i) }"
assert_grep "a stripped library's exported function without DWARF: \$i needs debuginfo" \
	"$TMP/slib.err" "'\$i' in process(\"$TMP/libsdtprog.so\").function(\"sdtprog_guarded\"): the program has no DWARF"
tap_run slib2 -p2 -e "probe process(\"$TMP/libsdtprog.so\").function(\"sdtprog_guarded\") { print(probefunc()) }"
assert_ok "but the function itself is probed (its .dynsym symbol)" slib2

# ---- returnval(), returnstr(): stap's register guesses, here the function's $return
tap_run retval -c "$PROG $N" -e '
global n, same, str, hex
probe process(@1).function("sdtprog_add").return { n++
	if (returnval() == $return) same++
	if (returnstr(1) == sprint($return)) str++
	if (returnstr(2) == sprintf("0x%x", $return)) hex++ }
probe end { printf("n=%d\nsame=%d\nstr=%d\nhex=%d\n", n, same, str, hex) }' "$PROG"
assert_eq "returnval() is \$return in each .return" "$(value n retval) $(value same retval)" "$N $N"
assert_eq "returnstr(1) decimal, returnstr(2) hex" "$(value str retval) $(value hex retval)" "$N $N"
tap_run retbad -p2 -e "probe process(\"$PROG\").function(\"sdtprog_add\") { print(returnval()) }"
assert_grep "returnval() in an entry probe is an error naming the probe" "$TMP/retbad.err" \
	"'returnval()' reads a function's return value: only in the .return probe of a kernel or user-space function (process(\"$PROG\").function(\"sdtprog_add\"))"
finish
