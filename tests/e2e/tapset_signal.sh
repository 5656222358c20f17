#!/bin/sh
# SPDX-License-Identifier: MIT
# The signal tapset: signal.send, signal.handle/deliver and the kill
# syscalls, checked against known signals sent to a known child, and the
# signal naming functions.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- a child that handles SIGUSR1: N by kill, one by tkill, one by tgkill --------
N=5
tap_run sigh -c "$GEN sigh $N 10" -e 'global child, snd, sbad, tk, kill9, dl, dbad, hd, sk, skbad, stk, stg
probe signal.send {
	if (pid() != target()) next
	if (sig == 9) { kill9 = sig_name; next }
	if (sig != 10) next
	snd++
	if (!child) child = sig_pid
	if (sig_pid != child || sig_pid == target() || sig_name != "SIGUSR1" ||
	    pid_name != "gen" || send_result != 0 || name != "signal_generate") sbad++
	if (si_code == "SI_USER" && shared == 1) sk++
	if (si_code == "SI_TKILL" && shared == 0) tk++
}
probe signal.deliver {
	if (sig != 10 || pid() != child) next
	dl++
	if (sig_pid != child || pid_name != "gen" || sig_name != "SIGUSR1" || sig_code > 0 ||
	    sig_mode != "User Mode Signal" || sa_handler <= 1 ||
	    !isinstr(sa_flags_str(sa_flags), "RESTORER") || name != "deliver") dbad++
}
probe signal.handle { if (sig == 10 && pid() == child && name == "handle") hd++ }
probe signal.syskill {
	if (pid() != target()) next
	// kill(2) enters before signal.send names the child
	if (sig == 10) skpid[sig_pid]++
	if (name == "syskill") skill[sig_name]++
}
probe signal.systkill { if (pid() == target() && sig_pid == child && sig == 10) stk++ }
probe signal.systgkill { if (pid() == target() && sig_pid == child && tgid == child && sig == 10) stg++ }
global skill, skpid
probe end {
	foreach (p in skpid) if (p != child) skbad++
	printf("snd=%d\nsbad=%d\nsk=%d\ntk=%d\nkill9 %s\n", snd, sbad, sk, tk, kill9)
	printf("dl=%d\ndbad=%d\nhd=%d\n", dl, dbad, hd)
	printf("skill_usr1=%d\nskill_kill=%d\nskbad=%d\nstk=%d\nstg=%d\n", skill["SIGUSR1"],
	       skill["SIGKILL"], skbad, stk, stg)
}'
assert_ok_skips "signal script runs" sigh
assert_eq "signal.send: $N + 2 SIGUSR1 from the target" "$(value snd sigh)" $((N + 2))
assert_eq "signal.send: sig_pid the child, sig_name, pid_name gen, send_result 0" "$(value sbad sigh)" 0
assert_eq "signal.send: si_code SI_USER, shared 1 for kill(2)" "$(value sk sigh)" $N
assert_eq "signal.send: si_code SI_TKILL, shared 0 for tkill/tgkill" "$(value tk sigh)" 2
assert_grep "signal.send: the final SIGKILL" "$TMP/sigh.out" '^kill9 SIGKILL$'
assert_eq "signal.deliver: each SIGUSR1 in the child" "$(value dl sigh)" $((N + 2))
assert_eq "signal.deliver: sig_pid, sig_code, sig_mode, sa_handler, sa_flags" "$(value dbad sigh)" 0
assert_eq "signal.handle: each SIGUSR1" "$(value hd sigh)" $((N + 2))
assert_eq "signal.syskill: $N SIGUSR1" "$(value skill_usr1 sigh)" $N
assert_eq "signal.syskill: one SIGKILL" "$(value skill_kill sigh)" 1
assert_eq "signal.syskill: sig_pid the child" "$(value skbad sigh)" 0
assert_eq "signal.systkill: one, to the child" "$(value stk sigh)" 1
assert_eq "signal.systgkill: one, to the child and its group" "$(value stg sigh)" 1

# ---- an ignored signal: generated, never delivered ------------------------------
tap_run ign -c "$GEN kill 4 12" -e 'global ign, dl, child
probe signal.send {
	if (pid() == target() && sig == 12 && send_result == 1 && sig_name == "SIGUSR2") { ign++; child = sig_pid }
}
probe signal.deliver { if (sig == 12 && pid() == child) dl++ }
probe end { printf("ign=%d\ndl=%d\n", ign, dl) }'
assert_eq "signal.send: send_result 1 for an ignored SIGUSR2" "$(value ign ign)" 4
assert_eq "signal.deliver: an ignored signal is not delivered" "$(value dl ign)" 0

# ---- the example: a signal monitor -------------------------------------------------------
EXAMPLES=$E2E_DIR/../../sessions/examples
tap_run sigmon -c "$GEN sigh 3 10" "$EXAMPLES/sigmon.stp"
assert_ok_skips "example sigmon.stp runs" sigmon
assert_grep "sigmon.stp: its header" "$TMP/sigmon.out" \
	'^SPID     SENDER           RPID     RECEIVER         SIGNUM SIGNAL     CODE$'
assert_eq "sigmon.stp: a line per SIGUSR1 sent by kill(2)" \
	"$(grep -c '^[0-9][0-9]* *gen  *[0-9][0-9]* *gen  *10  *SIGUSR1  *SI_USER$' "$TMP/sigmon.out")" 3
assert_eq "sigmon.stp: and by tkill(2) and tgkill(2)" \
	"$(grep -c '^[0-9][0-9]* *gen  *[0-9][0-9]* *gen  *10  *SIGUSR1  *SI_TKILL$' "$TMP/sigmon.out")" 2
assert_grep "sigmon.stp: the summary: sent and delivered" "$TMP/sigmon.out" '^SIGUSR1  *5  *5$'
tap_run sigmon1 -c "$GEN sigh 3 10" "$EXAMPLES/sigmon.stp" SIGKILL
assert_eq "sigmon.stp SIGKILL: only that signal" \
	"$(grep -c '^[0-9]' "$TMP/sigmon1.out") $(grep -c 'SIGKILL' "$TMP/sigmon1.out")" "1 2"

# ---- naming functions ------------------------------------------------------------
tap_run names -e 'probe begin {
	printf("%s %s %s %s %s %s\n", signal_str(1), signal_str(10), signal_str(16), signal_str(29),
	       signal_str(34), signal_str(99))
	printf("%s %s %s %s\n", sa_handler_str(0), sa_handler_str(1), sa_handler_str(-1),
	       sa_handler_str(0x401000))
	printf("[%s] [%s]\n", sa_flags_str(0), sa_flags_str(0x14000004))
	printf("%s %s\n", _signal_name(15), _signal_name(9))
	exit()
}'
assert_ok_skips "naming functions run" names
assert_eq "signal_str, sa_handler_str, sa_flags_str, _signal_name" "$(out names)" \
	"HUP USR1 STKFLT IO/POLL RTMIN+2 
default ignored error 0x401000
[] [SIGINFO|RESTART|RESTORER]
SIGTERM SIGKILL"

# ---- every alias and variable passes the verifier ------------------------------
tap_run all -e 'global acc
probe signal.send { acc <<< sig + sig_pid + shared + send_result + strlen(sig_name . pid_name . si_code . name) }
probe signal.handle { acc <<< sig + sig_code + sa_handler + sa_flags + strlen(sig_name . sig_mode . name) }
probe signal.deliver { acc <<< sig + sig_pid + sig_code + sa_handler + sa_flags +
	strlen(sig_name . pid_name . sig_mode . name . sa_handler_str(sa_handler) . sa_flags_str(sa_flags) . signal_str(sig)) }
probe signal.syskill, signal.systkill { acc <<< sig + sig_pid + strlen(sig_name . name) }
probe signal.systgkill { acc <<< sig + sig_pid + tgid + strlen(sig_name . name) }
probe timer.ms(100) { exit() }'
assert_ok_skips "all signal aliases load with all their variables" all

# A script global named like a local of a tapset function leaves it alone
# (the tapset functions name their locals __x).
tap_run sglobal -p2 -e 'global s; probe begin { s <<< 1; println(_signal_name(9)) }'
assert_ok_skips "a script's global s leaves _signal_name() alone" sglobal

finish
