#!/bin/sh
# SPDX-License-Identifier: MIT
# Variables and functions: globals (initializers, sizes, private, shared
# between user and kernel probes), locals, function signatures, recursion.
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang globals -c "$one"
check_lang functions -c "$one"

# Recursion is refused in kernel probes, with the reason.
tap_run krec -e 'function f(n) { return n ? f(n - 1) : 0 }
probe kernel.trace("syscalls:sys_enter_getppid") { println(f(3)) }'
assert_rc "recursion in a kernel probe fails" krec 1
assert_grep "recursion in a kernel probe is explained" "$TMP/krec.err" \
	"recursive call of 'f' from a kernel probe"

# User-side recursion deeper than MAXNESTING is a runtime error.
tap_run deep -D MAXNESTING=5 -e 'function f(n) { return n ? f(n - 1) : 0 }
probe begin { println(f(3)); println(f(10)); exit() }'
assert_eq "recursion within MAXNESTING" "$(out deep | head -n 1)" 0
assert_grep "recursion beyond MAXNESTING is an error" "$TMP/deep.err" 'ERROR: MAXNESTING exceeded'

# Without -D, MAXNESTING is stap's: the deepest chain of calls (2 for f
# calling f), plus 1, plus 10 for recursion: f(12) nests 13 deep, f(13) 14.
tap_run nestdef -e 'function f(n) { return n ? f(n - 1) : 0 }
probe begin { println(f(12)); println(f(13)); exit() }'
assert_eq "recursion within stap's default MAXNESTING (13 here)" "$(out nestdef | head -n 1)" 0
assert_grep "one level more is an error" "$TMP/nestdef.err" 'ERROR: MAXNESTING exceeded'

# The default is worked out once per function, not once per path: 30
# functions each calling the next twice (2^30 paths) give 31 at once.
{
	i=1
	while [ $i -le 30 ]; do
		echo "function f$i() { return f$((i + 1))() + f$((i + 1))() }"
		i=$((i + 1))
	done
	echo 'function f31() { return 1 }'
	echo 'probe begin { println(f1()) exit() }'
} >"$TMP/deep.stp"
tap_run deepdef -p3 "$TMP/deep.stp"
assert_grep "MAXNESTING of a 31-deep chain with 2^30 paths" "$TMP/deepdef.out" \
	'^#define TH_MAXNESTING 31$'

# Type errors are reported with both places.
tap_run typeerr -e 'global x; probe begin { x = 1; x = "s"; exit() }'
assert_rc "a variable used as long and string fails" typeerr 1
assert_grep "the type error names the variable" "$TMP/typeerr.err" "'x'"

# Locals are per probe run: they do not keep values between firings.
tap_run locals -c "$GEN getppid 3" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { l++; s .= "x"; printf("%d %s\n", l, s) } }'
assert_eq "kernel locals start fresh each firing" "$(out locals | tr '\n' ' ')" "1 x 1 x 1 x "

finish
