#!/bin/sh
# SPDX-License-Identifier: MIT
# The printing of written-but-unread globals at the end of a session.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang autoprint -c "$GEN getppid 3"

# A session stopped by an error skips them, as it skips the end probes.
tap_run stopped -e 'global x, zero; probe begin { x = 1; x = x / zero }'
assert_eq "no printing of globals after an error stop" "$(out stopped)" ""

# -e scripts and a global only written in a kernel probe.
tap_run konly -c "$GEN getppid 2" -e 'global hits
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) hits[execname()]++ }'
assert_eq "array written by a kernel probe" "$(out konly)" 'hits["gen"]=0x2'

finish
