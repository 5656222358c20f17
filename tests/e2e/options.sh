#!/bin/sh
# SPDX-License-Identifier: MIT
# stap's options that scripts' users pass: -T (time limit), -G (a global's
# value), -t (the probe hit report), -w, -q, -d/--ldd/--all-modules,
# --dump-probe-types, --dump-functions; and MAXACTION_INTERRUPTIBLE, the
# loop limit of user-context probes.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- -T SECONDS: the session ends after that long, end probes run ---------------
tap_run T -T 1 -e 'global t0
probe begin { t0 = gettimeofday_ms() }
probe end { printf("end ran\nelapsed=%d\n", gettimeofday_ms() - t0) }'
assert_ok "-T 1 runs and ends" T
assert_grep "-T: the end probe runs" "$TMP/T.out" '^end ran$'
# timerfd's clock and gettimeofday's may differ by a few ms; the upper
# bound only says that -T, not the test's time limit, ended the run
assert_range "-T 1: the session lasts 1 s" "$(value elapsed T)" 990 30000

tap_run Tk -T 0.3 -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { n++ }
probe end { printf("kernel end ran\n") }'
assert_ok "-T 0.3 with a kernel probe" Tk
assert_grep "-T with a kernel probe: the end probe runs" "$TMP/Tk.out" '^kernel end ran$'

# exit() before the time is up still ends it
tap_run Texit -T 30 -e 'probe begin { exit() } probe end { println("early end") }'
assert_eq "-T 30: exit() ends the session first" "$(out Texit)" "early end"

for bad in 0 -1 abc 0.0001; do
	tap_run "Tbad$bad" -T "$bad" -e 'probe begin { exit() }'
	assert_rc "-T $bad is refused" "Tbad$bad" 1
	assert_grep "-T $bad: the error says what -T takes" "$TMP/Tbad$bad.err" \
		"^tap: -T expects a number of seconds"
done

# ---- -G NAME=VALUE: globals set before begin, type-checked ------------------------
tap_run G -G n=42 -G s=hello -G t=7 -G h=0x10 -e 'global n, s, t = "x", h
probe begin { printf("n=%d\ns=%s\nt=%s\nh=%d\n", n, s, t, h); exit() }'
assert_ok "-G runs" G
assert_eq "-G n=42: begin sees the number" "$(value n G)" 42
assert_grep "-G s=hello: begin sees the string" "$TMP/G.out" '^s=hello$'
assert_grep "-G t=7: a string global gets \"7\"" "$TMP/G.out" '^t=7$'
assert_eq "-G h=0x10: hex, as stap's module parameters" "$(value h G)" 16

# kernel probes see it too
tap_run Gk2 -G most=5 -c "$GEN getppid 20" -e 'global most, n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target() && n < most) n++ }
probe end { printf("n=%d\n", n) }'
assert_eq "-G most=5 in a kernel probe" "$(value n Gk2)" 5

tap_run Gnone -G nope=1 -e 'global n probe begin { n = 1; exit() }'
assert_rc "-G of a global the script lacks fails" Gnone 1
assert_grep "-G: the error names the global" "$TMP/Gnone.err" "-G nope=1: the script has no global 'nope'"
tap_run Gtype -G n=abc -e 'global n = 1 probe begin { println(n); exit() }'
assert_rc "-G with a string for a number global fails" Gtype 1
assert_grep "-G: the error says it is not a number" "$TMP/Gtype.err" "'abc' is not a number"

# ---- -t: stap's probe hit report, on stderr ----------------------------------------
# The getppid probe runs for every getppid() on the machine; n counts every
# run, so its hits must equal n, and mine shows gen's 300 are among them.
tap_run t -t -c "$GEN getppid 300" -e 'global n, mine
probe syscall.getppid { n++; if (pid() == target()) mine++ }
probe begin { }
probe end { printf("n=%d\nmine=%d\n", n, mine) }'
assert_ok_report() {
	if [ "$(rc t)" = 0 ] && [ "$(grep -vc -e '^----- probe hit report: $' -e ', hits: ' "$TMP/t.err")" = 0 ]; then
		pass "$1"
	else
		fail "$1" "$(run_details t)"
	fi
}
assert_ok_report "-t runs; stderr is the report"
assert_eq "-t: the events were generated" "$(value mine t)" 300
assert_eq "-t: the report starts with stap's header" "$(head -n 1 "$TMP/t.err")" "----- probe hit report: "
assert_eq "-t: one line per probe that ran" "$(grep -c ', hits: ' "$TMP/t.err")" 3
line=$(grep '^kernel.trace' "$TMP/t.err")
case $line in
'kernel.trace("syscalls:sys_enter_getppid"), (<input>:2:1), hits: '*', nsecs: '*'min/'*'avg/'*'max, variance: '*', from: kernel.trace("syscalls:sys_enter_getppid") from: syscall.getppid, index: 0')
	pass "-t: the kernel probe's line in stap's format" ;;
*) fail "-t: the kernel probe's line in stap's format" "$line" ;;
esac
hits=$(echo "$line" | sed -n 's/.*, hits: \([0-9]*\), .*/\1/p')
assert_range "-t: the kernel probe ran for gen's 300 events at least" "$hits" 300 1000000000
# a run in flight on another CPU when the probes detach can count in one
# and not yet in the other (n is read by the end probe, the hits after it)
n=$(value n t)
assert_range "-t: the kernel probe's hits are its runs (± a run per CPU in flight)" "$hits" \
	$((n - $(nproc))) $((n + $(nproc)))
min=$(echo "$line" | sed -n 's/.*nsecs: \([0-9]*\)min\/\([0-9]*\)avg\/\([0-9]*\)max.*/\1 \2 \3/p')
set -- $min
if [ $# = 3 ] && [ "$1" -le "$2" ] && [ "$2" -le "$3" ] && [ "$3" -gt 0 ]; then
	pass "-t: min <= avg <= max, in ns"
else
	fail "-t: min <= avg <= max, in ns" "$line"
fi
assert_grep "-t: begin ran once" "$TMP/t.err" '^begin, (<input>:3:1), hits: 1, nsecs: .*, from: begin, index: 1$'
assert_grep "-t: end ran once" "$TMP/t.err" '^end, (<input>:4:1), hits: 1, nsecs: .*, from: end, index: 2$'
tap_run tnot -c "$GEN getppid 3" -e 'probe syscall.getppid { }'
assert_no_grep "without -t there is no report" "$TMP/tnot.err" 'probe hit report'

# ---- -w: no warnings; -q: accepted (stap's tapset coverage) -------------------------
tap_run warn -e 'probe begin { warn("careful"); println("out"); exit() }'
assert_grep "warn() prints a WARNING" "$TMP/warn.err" '^WARNING: careful$'
tap_run nowarn -w -e 'probe begin { warn("careful"); println("out"); exit() }'
assert_ok "-w: no WARNING on stderr" nowarn
assert_eq "-w: the output is unchanged" "$(out nowarn)" out
tap_run q -q -e 'probe begin { println("same"); exit() }'
assert_ok "-q is accepted" q
assert_eq "-q: the output is unchanged" "$(out q)" same

# ---- -d FILE, --ldd, --all-modules: accepted --------------------------------------
tap_run d -d "$GEN" -d kernel --ldd --all-modules -e 'probe begin { println("ok"); exit() }'
assert_ok "-d FILE -d kernel --ldd --all-modules are accepted" d
assert_eq "-d: the output is unchanged" "$(out d)" ok
tap_run dbad -d /nonexistent/binary -e 'probe begin { exit() }'
assert_rc "-d of a missing file fails" dbad 1
assert_grep "-d: the error names the file" "$TMP/dbad.err" '^tap: -d /nonexistent/binary: No such file'

# ---- --dump-probe-types, --dump-functions --------------------------------------------
tap_run types --dump-probe-types
assert_ok "--dump-probe-types runs" types
assert_grep "--dump-probe-types lists kernel.trace(string)" "$TMP/types.out" '^kernel.trace(string)$'
assert_grep "--dump-probe-types lists timer.ms(number)" "$TMP/types.out" '^timer.ms(number)$'
assert_eq "--dump-probe-types is sorted" "$(out types)" "$(out types | LC_ALL=C sort)"
tap_run funcs --dump-functions
assert_ok "--dump-functions runs" funcs
assert_grep "--dump-functions lists execname:string ()" "$TMP/funcs.out" '^execname:string ()$'
assert_grep "--dump-functions lists tapset functions with their types" "$TMP/funcs.out" \
	'^signal_str:string (num:long)$'
assert_eq "--dump-functions is sorted" "$(out funcs)" "$(out funcs | LC_ALL=C sort)"

# ---- MAXACTION_INTERRUPTIBLE: 10 x MAXACTION in begin, end and timer probes --------
tap_run loop5k -e 'probe begin { for (i = 0; i < 5000; i++) n++; printf("n=%d\n", n); exit() }'
assert_ok "a begin probe may loop 5000 times (MAXACTION_INTERRUPTIBLE 10000)" loop5k
assert_eq "the loop ran to its end" "$(value n loop5k)" 5000
tap_run loop20k -e 'probe end { for (i = 0; i < 20000; i++) n++ } probe begin { exit() }'
assert_rc "20000 iterations exceed it" loop20k 1
assert_grep "the error is stap's" "$TMP/loop20k.err" '^ERROR: MAXACTION exceeded near keyword'
tap_run loopD -DMAXACTION_INTERRUPTIBLE=30000 -e 'probe end { for (i = 0; i < 20000; i++) n++; printf("n=%d\n", n) } probe begin { exit() }'
assert_eq "-DMAXACTION_INTERRUPTIBLE=30000 allows 20000" "$(value n loopD)" 20000
tap_run loopM -DMAXACTION=100 -e 'probe timer.ms(1) { for (i = 0; i < 1500; i++) n++; exit() }'
assert_rc "-DMAXACTION=100: a timer probe gets 1000" loopM 1
assert_grep "-DMAXACTION=100: 1500 iterations in a timer probe exceed it" "$TMP/loopM.err" \
	'^ERROR: MAXACTION exceeded'

finish
