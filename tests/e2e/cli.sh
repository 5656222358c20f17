#!/bin/sh
# SPDX-License-Identifier: MIT
# The stap-compatible command line: -p1..-p4 stop after a pass and print
# what it made, -e, -c CMD with target(), -x PID.
. "$(dirname "$0")/lib.sh"
require_kernel

prog='global g
probe begin { g = 1; printf("ran\n") }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) printf("k\n") }'

tap_run p1 -p1 -e "$prog"
assert_ok "-p1 succeeds" p1
assert_grep "-p1 prints the parse tree" "$TMP/p1.out" '^probe kernel.trace("syscalls:sys_enter_getppid")'
assert_no_grep "-p1 does not run" "$TMP/p1.out" '^ran$'

tap_run p2 -p2 -e "$prog"
assert_ok "-p2 succeeds" p2
assert_grep "-p2 lists the typed globals" "$TMP/p2.out" '^g:long'
assert_grep "-p2 lists the probes" "$TMP/p2.out" 'kernel.trace("syscalls:sys_enter_getppid")'

tap_run p3 -p3 -e "$prog"
assert_ok "-p3 succeeds" p3
assert_grep "-p3 prints the eBPF C" "$TMP/p3.out" 'SEC("raw_tp/sys_enter")'
assert_grep "-p3 prints the user C" "$TMP/p3.out" 'th_guest'

tap_run p4 -p4 -e "$prog"
assert_ok "-p4 succeeds" p4
p4=$(out p4)
if [ -n "$p4" ] && [ -f "$p4" ]; then pass "-p4 prints the path of the built object"; else
	fail "-p4 prints the path of the built object" "got '$p4'"; fi
assert_no_grep "-p4 does not run" "$TMP/p4.out" '^ran$'

tap_run p3bad -p3 -e 'probe begin { x = 1; x = "s" }'
assert_rc "-p3 of a bad script fails" p3bad 1

# -c CMD: target() is its pid, the session ends when it exits, its output
# is ours.
tap_run target -c "$GEN getppid 1" -e 'probe begin { printf("begin %d\n", target()) }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) printf("kernel %d\n", pid()) }'
b=$(sed -n 's/^begin //p' "$TMP/target.out")
k=$(sed -n 's/^kernel //p' "$TMP/target.out")
assert_eq "-c: target() is the same in begin and in the kernel" "$b" "$k"
assert_range "-c: target() is a pid" "${b:-0}" 2 4194304
tap_run cout -c "echo from the command" -e 'probe end { println("end") }'
assert_eq "-c: the command's output and the end probe" "$(out cout | tr '\n' ' ')" "from the command end "
# As stap: a command with a shell's metacharacters runs under sh -c
# (stap's examples pass 'cat /proc/sys/vm/* || true'); target() is the sh.
tap_run csh -c "$GEN getppid 2 && $GEN getppid 3 || true" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (ppid() == target()) n++ }
probe end { printf("n=%d\n", n) }'
assert_eq "-c 'A && B || true': run by sh, its children are target()'s" "$(value n csh)" 5
tap_run cquote -c "echo 'x" -e 'probe begin { }'
assert_rc "-c with an unmatched quote is refused" cquote 1
assert_grep "... saying so" "$TMP/cquote.err" "^tap: cannot parse -c 'echo 'x': unmatched quotes?"

# -x PID: target() is PID; events of that process are seen.  The process
# makes them once tap's probes are in (it waits on a FIFO until then).
mkfifo "$TMP/go"
bg_start sh -c "read _ <'$TMP/go'; exec '$GEN' getppid 5"
xpid=$!
tap_start x -x "$xpid" -e 'global n
probe begin { printf("target %d\n", target()) }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe timer.ms(2500) { exit() }
probe end { printf("n=%d\n", n) }'
wait_until 30 "tap_attached $TAP_PID"
release "$TMP/go"
tap_wait x
wait "$xpid" 2>/dev/null
assert_eq "-x: target() is the pid" "$(sed -n 's/^target //p' "$TMP/x.out")" "$xpid"
assert_eq "-x: the process's events are counted" "$(value n x)" 5

tap_run version -V
assert_ok "-V" version
assert_grep "-V names tap" "$TMP/version.out" 'tap'
tap_run badopt --no-such-option
assert_rc "an unknown option fails" badopt 1

# A program the verifier refuses after a long log: the error ends with the
# verifier's verdict.  (The trigger: 22 branches on an unknown value, each
# adding its bit to x, then a test of x against a constant, which makes
# x's exact value matter on every one of the 4 million paths.  A loop of
# a million iterations was the trigger until loops became iterators the
# verifier checks once.  The log runs to megabytes; a 4 KB line buffer
# once kept only its start, so users saw no reason.)
{
	echo 'probe kernel.trace("syscalls:sys_enter_getppid") {'
	echo '	if (pid() != target()) next'
	echo '	p = pid() + tid() + ppid()'
	k=0
	while [ $k -lt 22 ]; do
		echo "	if (p & $((1 << k))) { x += $((1 << k)); printf(\"$k\") }"
		k=$((k + 1))
	done
	printf '%s\n' '	if (x == 12345) printf("x\n")'
	echo '}'
} >"$TMP/refused.stp"
tap_run refused -c "$GEN getppid 1" "$TMP/refused.stp"
if [ "$(rc refused)" = 0 ]; then
	fail "a refused program: tap says why" "the verifier took 4 million paths: pick another trigger"
else
	assert_grep "a refused program: tap says why" "$TMP/refused.err" 'the kernel refused the eBPF object'
	assert_grep "... and shows the verifier's verdict" "$TMP/refused.err" '^processed [0-9]* insns'
fi

finish
