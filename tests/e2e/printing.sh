#!/bin/sh
# SPDX-License-Identifier: MIT
# Output: the printf family in user and kernel context, -o FILE, and what
# kernel-context sprintf cannot do being refused at compile time.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang printing -c "$GEN getppid 1"

# A format and its arguments must agree, at compile time.
tap_run fmtcount -e 'probe begin { printf("%d %d\n", 1) exit() }'
assert_rc "printf with too few arguments fails" fmtcount 1
assert_grep "printf argument count error" "$TMP/fmtcount.err" 'expects 2 arguments, 1 given'
tap_run fmttype -e 'probe begin { printf("%d\n", "str") exit() }'
assert_rc "printf %d of a string fails" fmttype 1

# sprintf in a kernel probe is bpf_snprintf: what it lacks is refused early.
tap_run ksprintf_o -e 'probe kernel.trace("syscalls:sys_enter_getppid") { println(sprintf("%o", 8)) }'
assert_rc "kernel sprintf %o fails at compile time" ksprintf_o 1
assert_grep "kernel sprintf %o is explained" "$TMP/ksprintf_o.err" "cannot format '%o'"

# -o FILE: the output goes to the file, errors stay on stderr.
tap_run tofile -o "$TMP/out.txt" -c "$GEN getppid 2" -e 'probe begin { println("from begin") }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) println("from kernel") }
probe end { println("from end") }'
assert_ok "-o FILE run" tofile
assert_eq "-o FILE: stdout is empty" "$(out tofile)" ""
assert_eq "-o FILE: the file has all output" "$(cat "$TMP/out.txt" 2>/dev/null | tr '\n' ' ')" \
	"from begin from kernel from kernel from end "

finish
