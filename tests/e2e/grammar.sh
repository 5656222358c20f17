#!/bin/sh
# SPDX-License-Identifier: MIT
# Grammar: probe oneshot, braces in probe points (counted on real
# syscalls), adjacent string literals in a point's parameter (@1 "..."),
# the library macros (@this1, @choose_defined, @try_assign, -I *.stpm)
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

# Alias suffixes: a suffix after an alias's name goes onto each of its
# points, syscall.getppid.return here (and syscall.getpid.return, which
# this gen never calls).
tap_run suffix -c "$GEN getppid 3" -e 'global n
probe mine = syscall.{getppid,getpid} { }
probe mine.return { if (pid() == target()) n[name, retval == ppid()]++ }
probe end { foreach ([s, ok] in n) printf("%s %d %d\n", s, ok, n[s, ok]) }'
assert_ok "an alias with a suffix" suffix
assert_eq "mine.return expands to the aliased points' .return" "$(out suffix)" "getppid 1 3"

# The library macros (tapset *.stpm): @this1 hands a value from an entry
# probe to its return, per thread; @choose_defined picks a field this
# tracepoint has; @try_assign falls back on an error.
tap_run macros -c "$GEN getppid 3" -e 'global n, fb
probe syscall.getppid { @this1 = gettimeofday_ns() }
probe syscall.getppid.return { if (pid() == target() && gettimeofday_ns() > @this1) n++ }
probe kernel.trace("sched:sched_process_exec") {
	if (pid() == target()) fb = @choose_defined($nosuch_field, 7) + @choose_defined($pid, 0) - pid()
}
probe end { @try_assign(x, 10 / (n - 3), -1); printf("n=%d fb=%d x=%d\n", n, fb, x) }'
assert_ok "library macros" macros
assert_eq "@this1, @choose_defined and @try_assign" "$(out macros)" "n=3 fb=7 x=-1"

# A macro library of the script's own, from an -I directory.
mkdir -p "$TMP/lib"
printf '@define twice(x) %%( (2 * (@x)) %%)\n' >"$TMP/lib/mine.stpm"
tap_run libdir -I "$TMP/lib" -e 'probe oneshot { println(@twice(21)) }'
assert_eq "a *.stpm of an -I directory defines macros" "$(out libdir)" 42

finish
