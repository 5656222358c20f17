#!/bin/sh
# SPDX-License-Identifier: MIT
# Runtime errors, as stap has them: "ERROR: MSG near TOKEN at FILE:L:C",
# the handler ends, the first error (more than MAXERRORS) stops the
# session, and then the error probes run instead of the end probes;
# --suppress-handler-errors only ends the handler, silently.  Also exit().
. "$(dirname "$0")/lib.sh"
require_kernel

# script NAME: the script text on stdin goes to $TMP/NAME.stp
script() {
	cat >"$TMP/$1.stp"
}

# Division by zero in a begin probe.
script divu <<'STP'
global zero
probe begin { printf("before\n"); x = 10 / zero; printf("not reached %d\n", x) }
probe end { printf("end probe\n") }
probe error { printf("error probe\n") }
STP
tap_run divu "$TMP/divu.stp"
assert_eq "division by 0 (user): stdout" "$(out divu)" "$(printf 'before\nerror probe')"
assert_eq "division by 0 (user): the message" "$(grep ERROR "$TMP/divu.err")" \
	"ERROR: division by 0 near operator '/' at $TMP/divu.stp:2:42"
assert_rc "division by 0 (user): exit status" divu 1

# Modulo by zero in a kernel probe; the end probe is skipped.
script modk <<'STP'
global zero
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { printf("before\n"); x = 10 % zero; printf("not reached\n") }
}
probe end { printf("end probe\n") }
probe error { printf("error probe\n") }
STP
tap_run modk -c "$GEN getppid 1" "$TMP/modk.stp"
assert_eq "modulo by 0 (kernel): stdout" "$(out modk)" "$(printf 'before\nerror probe')"
assert_eq "modulo by 0 (kernel): the message" "$(grep ERROR "$TMP/modk.err")" \
	"ERROR: division by 0 near operator '%' at $TMP/modk.stp:3:54"
assert_rc "modulo by 0 (kernel): exit status" modk 1

# error() in both contexts: the message is the script's.
script erru <<'STP'
probe begin { error("user says no"); printf("not reached\n") }
STP
tap_run erru "$TMP/erru.stp"
assert_eq "error() (user)" "$(grep ERROR "$TMP/erru.err")" \
	"ERROR: user says no near identifier 'error' at $TMP/erru.stp:1:15"
assert_eq "error() (user): handler ends" "$(out erru)" ""
script errk <<'STP'
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { error(sprintf("kernel says %d", 42)); printf("not reached\n") }
}
STP
tap_run errk -c "$GEN getppid 1" "$TMP/errk.stp"
assert_eq "error() (kernel)" "$(grep ERROR "$TMP/errk.err")" \
	"ERROR: kernel says 42 near identifier 'error' at $TMP/errk.stp:2:27"
assert_eq "error() (kernel): handler ends" "$(out errk)" ""

# An array past MAXMAPENTRIES, in both contexts.
script fullu <<'STP'
global a
probe begin { for (i = 1; i <= 5; i++) { a[i] = i; printf("stored %d\n", i) } }
STP
tap_run fullu -DMAXMAPENTRIES=4 "$TMP/fullu.stp"
assert_eq "array full (user): 4 stored" "$(out fullu | tr '\n' ' ')" \
	"stored 1 stored 2 stored 3 stored 4 "
assert_eq "array full (user): the message" "$(grep ERROR "$TMP/fullu.err")" \
	"ERROR: Array overflow, check MAXMAPENTRIES near identifier 'a' at $TMP/fullu.stp:2:42"
script fullk <<'STP'
global a, n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { n++; a[n] = n; printf("stored %d\n", n) }
}
STP
tap_run fullk -DMAXMAPENTRIES=4 -c "$GEN getppid 5" "$TMP/fullk.stp"
assert_eq "array full (kernel): 4 stored" "$(out fullk | head -n 4 | tr '\n' ' ')" \
	"stored 1 stored 2 stored 3 stored 4 "
assert_eq "array full (kernel): the message" "$(grep ERROR "$TMP/fullk.err")" \
	"ERROR: Array overflow, check MAXMAPENTRIES near identifier 'a' at $TMP/fullk.stp:3:32"

# MAXERRORS: errors up to it are reported and the session goes on.
script maxerr <<'STP'
global n, zero
probe timer.ms(10) { n++; printf("tick %d\n", n); x = 1 / zero }
probe end { printf("end probe\n") }
probe error { printf("error probe after %d ticks\n", n) }
STP
tap_run maxerr -DMAXERRORS=2 "$TMP/maxerr.stp"
assert_eq "MAXERRORS=2: the third error stops" "$(out maxerr | tr '\n' ' ')" \
	"tick 1 tick 2 tick 3 error probe after 3 ticks "
assert_eq "MAXERRORS=2: each error is reported" "$(grep -c '^ERROR: division by 0' "$TMP/maxerr.err")" 3

# --suppress-handler-errors: the handler ends, nothing is reported, the
# session goes on and ends normally (end probes, unread globals).
script suppk <<'STP'
global n, zero, seen
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { n++; if (n % 2) x = 1 / zero; printf("event %d survived\n", n) }
}
probe begin { seen = 1; x = 1 / zero; seen = 2 }
probe begin { printf("second begin\n") }
probe end { printf("end: n=%d\n", n) }
probe error { printf("error probe\n") }
STP
tap_run suppk --suppress-handler-errors -c "$GEN getppid 4" "$TMP/suppk.stp"
assert_eq "--suppress-handler-errors: handlers end, the session goes on" \
	"$(out suppk | tr '\n' ' ')" "second begin event 2 survived event 4 survived end: n=4 seen=1 "
assert_no_grep "--suppress-handler-errors: nothing reported" "$TMP/suppk.err" '^ERROR'

# exit(): from begin (no kernel probe runs), from a kernel probe.
script exitb <<'STP'
probe begin { printf("begin 1\n"); exit(); printf("rest of begin 1\n") }
probe begin { printf("begin 2\n") }
probe kernel.trace("syscalls:sys_enter_getppid") { printf("never\n") }
probe end { printf("end\n") }
STP
tap_run exitb "$TMP/exitb.stp"
assert_eq "exit() in begin" "$(out exitb | tr '\n' ' ')" "begin 1 rest of begin 1 begin 2 end "
assert_rc "exit() in begin: status 0" exitb 0
script exitk <<'STP'
probe kernel.trace("syscalls:sys_enter_getppid") { if (ppid() == target()) exit() }
probe end { printf("end\n") }
STP
# the command would run 20 s: exit() from the getppid of its child ends
# the session first
t0=$(date +%s)
tap_run exitk -c "sh -c '$GEN getppid 1; exec $GEN sleep 20000'" "$TMP/exitk.stp"
t1=$(date +%s)
assert_eq "exit() in a kernel probe runs the end probes" "$(out exitk)" end
assert_range "exit() in a kernel probe ends the session at once (s)" $((t1 - t0)) 0 5

finish
