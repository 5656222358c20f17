#!/bin/sh
# SPDX-License-Identifier: MIT
# Grammar: probe oneshot, braces in probe points (counted on real
# syscalls), adjacent string literals in a point's parameter (@1 "..."),
# and the smaller forms of lang/grammar.stp.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang grammar

# SystemTap's helloworld.stp: the body once, then the session ends.
tap_run oneshot -e 'probe oneshot { println("hello world") } probe end { println("end") }'
assert_ok "probe oneshot runs" oneshot
assert_eq "probe oneshot runs its body once, then ends the session" "$(out oneshot | tr '\n' '|')" \
	"hello world|end|"

# syscall.{getppid,getppid.return}: two points from one, each firing 4 times;
# the condition after the braces applies to both.
tap_run braces -c "$GEN getppid 4" -e 'global n
probe syscall.{getppid,getppid.return} if (1) { if (pid() == target()) n[pp()]++ }
probe end { foreach (p+ in n) printf("%s %d\n", p, n[p]) }'
assert_ok "braces in a probe point" braces
assert_eq "braces expand to both points" "$(out braces | tr '\n' '|')" \
	'kernel.trace("syscalls:sys_enter_getppid") 4|kernel.trace("syscalls:sys_exit_getppid") 4|'

# Nested braces and '?' inside them: a missing tracepoint is optional.
tap_run nested -c "$GEN getppid 3" -e 'global n
probe kernel.{trace("syscalls:sys_enter_nosuch")?, trace("syscalls:sys_enter_getppid")} {
	if (pid() == target()) n++ }
probe end { println(n) }'
assert_eq "an optional alternative in braces may match nothing" "$(out nested)" 3

# @1 "suffix": a script argument glued to a literal names the tracepoint.
tap_run concat -c "$GEN getppid 2" -e 'global n
probe kernel.trace(@1 "_getppid") { if (pid() == target()) n++ }
probe end { println(n) }' syscalls:sys_enter
assert_eq "adjacent literals in a probe point parameter" "$(out concat)" 2

finish
