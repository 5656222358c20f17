#!/bin/sh
# SPDX-License-Identifier: MIT
# stap options that SystemTap's own tests and users' command lines pass,
# and what tap does with each (docs/tap.md): -u (no elision of unread
# assignments), -P (accepted), --compatible VERSION (systemtap_v),
# --runtime=bpf|kernel and --bpf (accepted), --runtime=dyninst, --dyninst
# and --remote (refused with the reason), -D of SystemTap's kernel-module
# tunables (accepted, one warning), -D NAME without a value, --vp, -E TEXT
# (more script text), -b (bulk mode, accepted), --sysroot=/ and --sysenv
# (accepted; another sysroot refused).
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- -u: an assignment nobody reads is kept, so its failure shows ---------------
# Without -u the unread s is elided (as stap elides it) and the bad read
# never runs; with -u it runs and is a runtime error.
prog='global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) { s = kernel_string(0); n++ } }
probe end { printf("n=%d\n", n) }'
tap_run opt -c "$GEN getppid 3" -e "$prog"
assert_ok "without -u the unread read is elided" opt
assert_eq "without -u every run counts" "$(value n opt)" 3
tap_run unopt -u -c "$GEN getppid 3" -e "$prog"
assert_rc "-u: the read runs and fails" unopt 1
assert_grep "-u: the error is the failed read's" "$TMP/unopt.err" '^ERROR: .*kernel string'
tap_run unoptp3 -u -p3 -e 'probe begin { x = 42 }'
assert_grep "-u -p3: the unread assignment is in the C" "$TMP/unoptp3.out" '42LL'
tap_run optp3 -p3 -e 'probe begin { x = 42 }'
assert_no_grep "-p3 without -u: it is not" "$TMP/optp3.out" '42LL'

# ---- -P: stap's prologue searching, accepted ---------------------------------------
tap_run P -P -e 'probe begin { println("ran"); exit() }'
assert_ok "-P is accepted" P
assert_eq "-P: the script runs" "$(out P)" ran
tap_run wP -wP -e 'probe begin { println("ran"); exit() }'
assert_ok "-wP (stap's bz1027459 test) is accepted" wP

# ---- --compatible VERSION: systemtap_v ----------------------------------------------
v='probe begin { println(%( systemtap_v >= "4.1" %? "new" %: "old" %)); exit() }'
tap_run compat --compatible 4.0 -e "$v"
assert_eq "--compatible 4.0: systemtap_v is 4.0" "$(out compat)" old
tap_run compat2 --compatible=3.3 -e "$v"
assert_eq "--compatible=3.3 (stap's other spelling)" "$(out compat2)" old
tap_run nocompat -e "$v"
assert_eq "without --compatible systemtap_v is taphub's level" "$(out nocompat)" new
tap_run compatnew --compatible 99.0 -e "$v"
assert_rc "--compatible newer than taphub's language is refused" compatnew 1
assert_grep "--compatible 99.0: the error says why" "$TMP/compatnew.err" \
	'compatible 99.0: taphub implements the SystemTap [0-9.]* language, not a later one'
tap_run compatbad --compatible four -e "$v"
assert_rc "--compatible four is refused" compatbad 1
assert_grep "--compatible four: the error says what it takes" "$TMP/compatbad.err" \
	"compatible expects a version like 4.0, not 'four'"

# ---- --runtime ---------------------------------------------------------------------
for r in --runtime=bpf --runtime=kernel --bpf; do
	tap_run rt -e 'probe begin { println("ran"); exit() }' "$r"
	assert_ok "$r is accepted" rt
done
for r in --runtime=dyninst --dyninst; do
	tap_run rtd "$r" -e 'probe begin { exit() }'
	assert_rc "$r is refused" rtd 1
	assert_grep "$r: the error says why" "$TMP/rtd.err" \
		'^tap: --runtime=dyninst is not supported: taphub runs verified eBPF only'
done
tap_run rtbad --runtime=java -e 'probe begin { exit() }'
assert_grep "--runtime=java: the error names the choices" "$TMP/rtbad.err" \
	"^tap: --runtime expects bpf or kernel, not 'java'"

# ---- --remote ----------------------------------------------------------------------
tap_run remote --remote=stapsh: -e 'probe begin { exit() }'
assert_rc "--remote is refused" remote 1
assert_grep "--remote: the error says why" "$TMP/remote.err" '^tap: --remote is not supported'

# ---- -D: SystemTap's kernel-module tunables ------------------------------------------
tap_run tun -DMAXSKIPPED=9999 -DSTP_NO_OVERLOAD -D STP_OVERLOAD_THRESHOLD=100 \
	-e 'probe begin { println("ran"); exit() }'
assert_rc "-D MAXSKIPPED=9999 -D STP_NO_OVERLOAD ... run" tun 0
assert_eq "-D tunables: the script runs" "$(out tun)" ran
assert_eq "-D tunables: one warning line" "$(wc -l <"$TMP/tun.err")" 1
assert_grep "-D tunables: the warning names them and says why" "$TMP/tun.err" \
	"^tap: warning: -D MAXSKIPPED, -D STP_NO_OVERLOAD, -D STP_OVERLOAD_THRESHOLD tune SystemTap's kernel module, which taphub does not use: ignored$"
tap_run tunw -w -DSTP_NO_VERREL_CHECK -e 'probe begin { println("ran"); exit() }'
assert_ok "-w -DSTP_NO_VERREL_CHECK: no warning" tunw
tap_run tunbad -DMAXSKIPED=1 -e 'probe begin { exit() }'
assert_rc "-D of a misspelt name is still an error" tunbad 1
assert_grep "-D MAXSKIPED: the error names it" "$TMP/tunbad.err" '^tap: -D MAXSKIPED: unknown name'
tap_run novalue -DMAXSTRINGLEN -e 'probe begin { exit() }'
assert_rc "-D MAXSTRINGLEN without a value is an error" novalue 1
assert_grep "-D MAXSTRINGLEN: the error asks for a value" "$TMP/novalue.err" \
	'^tap: -D MAXSTRINGLEN: expected NAME=VALUE$'
tap_run lim -DMAXSTRINGLEN=256 -DMAXSKIPPED=5 -e 'probe begin { printf("n=%d\n", strlen(sprintf("%200s", "x"))); exit() }'
assert_eq "a limit beside a tunable still applies" "$(value n lim)" 200

# ---- --vp: stap's verbosity per pass (its tests pass --vp=0 after the script) ------
tap_run vp0 -p2 -e 'probe begin { }' --vp=0
assert_ok "--vp=0 after the script, as stap's tests pass it" vp0
tap_run vp3 --vp 03 -p4 -e 'probe begin { exit() }'
assert_grep "--vp 03: the highest digit is -v's level (compiler commands)" "$TMP/vp3.err" '^cc .*guest.user.c'
tap_run vpbad --vp 0x -e 'probe begin { exit() }'
assert_rc "--vp 0x is refused" vpbad 1
assert_grep "... in one line naming the option" "$TMP/vpbad.err" '^tap: --vp takes a digit for each pass'

# ---- -W: warnings are errors (stap's perf tests pass it) ------------------------------
tap_run W -W -e 'probe begin { println("ran"); exit() }'
assert_eq "-W is accepted" "$(out W)" ran

# ---- -E TEXT: more script text (stap's additional_scripts.exp) ----------------------
# Kernel events in the -E text count with the script's: 3 getppid calls
# of the -c command, counted by a probe of the first -E, printed by the
# end probe of the second, with the script's own begin and argument.
tap_run E -c "$GEN getppid 3" -e 'global n; probe begin { printf("%s begins\n", @1) }' \
	-E 'probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }' \
	-E 'probe end { printf("n=%d\n", n) }' hello
assert_ok "-e TEXT -E TEXT -E TEXT ARG runs" E
assert_grep "-E: the script's begin probe ran, with its argument" "$TMP/E.out" '^hello begins$'
assert_eq "-E: the -E probes saw the 3 getppid calls" "$(value n E)" 3
printf 'global m\nprobe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) m++ }\n' \
	>"$TMP/Efile.stp"
tap_run Efile "$TMP/Efile.stp" -c "$GEN getppid 2" -E 'probe end { printf("m=%d\n", m) }'
assert_eq "a script file and -E (the -E after it): m=2" "$(value m Efile)" 2
tap_run Eonly -p4 -E 'probe timer.s(15) { exit() }'
assert_rc "-E without a script is an error" Eonly 1
assert_grep "-E alone: stap's words" "$TMP/Eonly.err" '^tap: A script must be specified'
tap_run Ebad -p2 -e 'probe begin { exit() }' -E 'probe pppppppp.begin { exit(); }'
assert_rc "an -E text that does not elaborate fails the script" Ebad 1
assert_grep "... and the error names the -E text and the point" "$TMP/Ebad.err" \
	"^<-E 1>:1:7: error: probe point 'pppppppp.begin'"
tap_run Edup -p2 -e 'function f() { return 1 } probe begin { exit() }' -E 'function f() { return 2 }'
assert_rc "a function the script and -E both define is a duplicate" Edup 1
tap_run El -l pb -E 'probe pb = kernel.trace("syscalls:sys_enter_getppid") { } probe end { }' \
	-E 'probe pppppppp.begin { exit(); }'
assert_ok "-l PATTERN -E TEXT (a bad -E beside it) lists" El
assert_eq "-l pb lists the alias the -E text defines" "$(out El)" pb

# ---- -b: stap's bulk mode, accepted (stap's flightrec3.exp passes it) ----------------
tap_run b -b -c "$GEN getppid 2" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe end { printf("n=%d\n", n) }'
assert_eq "-b: the session runs and counts as without it" "$(value n b)" 2

# ---- --sysroot / --sysenv (stap's sysroot_sysenv.exp) ---------------------------------
tap_run sysroot --sysroot=/ --sysenv=PATH=/usr/bin:/bin -e 'probe begin { println("ran"); exit() }'
assert_eq "--sysroot=/ --sysenv=PATH=... are accepted" "$(out sysroot)" ran
tap_run sysroot2 --sysroot /usr/.. -e 'probe begin { println("ran"); exit() }'
assert_eq "--sysroot /usr/.. is the root too" "$(out sysroot2)" ran
tap_run sysrootx --sysroot="$TMP" -e 'probe begin { exit() }'
assert_rc "another --sysroot is refused" sysrootx 1
assert_eq "... in one line" "$(wc -l <"$TMP/sysrootx.err")" 1
assert_grep "... naming the reason" "$TMP/sysrootx.err" \
	"^tap: --sysroot $TMP is not supported: taphub compiles for the running kernel"
tap_run sysenvbad --sysenv=PATH -e 'probe begin { exit() }'
assert_rc "--sysenv without =VALUE is refused" sysenvbad 1

# ---- --suppress-time-limits (stap's suppress-time-limit.exp): MAXACTION lifted, -g only ----
LOOP='probe begin { for (i = 0; i < 200000; i++) n++; printf("n=%d\n", n); exit() }'
tap_run ntl -g --suppress-time-limits -e "$LOOP"
assert_eq "--suppress-time-limits -g: 200000 iterations run, past the default MAXACTION" \
	"$(value n ntl)" 200000
tap_run ntl0 -e "$LOOP"
assert_rc "... which stops the same loop without it" ntl0 1
assert_grep "... with stap's error" "$TMP/ntl0.err" "^ERROR: MAXACTION exceeded"
tap_run ntlg --suppress-time-limits -e "$LOOP"
assert_rc "--suppress-time-limits without -g is refused" ntlg 1
assert_eq "... in one line naming -g" "$(cat "$TMP/ntlg.err")" \
	"tap: --suppress-time-limits needs guru mode (-g), as in stap"

finish
