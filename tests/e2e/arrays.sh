#!/bin/sh
# SPDX-License-Identifier: MIT
# Arrays: elements, 'in', delete, foreach with every sort, and the limits
# of kernel context (no foreach there).
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang arrays -c "$one"
check_lang foreach
check_lang delete -c "$one"
check_lang wrap -c "$GEN getppid 200"

# What kernel probes cannot do is refused at compile time, with the reason.
tap_run kforeach -e 'global a
probe kernel.trace("syscalls:sys_enter_getppid") { a[1] = 1; foreach (k in a) n++ }'
assert_rc "foreach in a kernel probe fails" kforeach 1
assert_grep "foreach in a kernel probe is explained" "$TMP/kforeach.err" \
	'foreach in a kernel probe (kernel.trace("syscalls:sys_enter_getppid")) is not supported'

# An array of declared size takes that many elements, in both contexts.
tap_run sized -c "$one" -e 'global a[3]
probe begin { a[1] = 1; a[2] = 2; a[3] = 3 }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) a[2] = 20 }
probe end { foreach (k+ in a) printf("%d=%d ", k, a[k]); println("") }'
assert_eq "global a[3] holds 3 elements" "$(out sized)" "1=1 2=20 3=3 "

finish
