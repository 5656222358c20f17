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
assert_eq "array written by a kernel probe" "$(out konly)" 'hits["gen"]=2'

# A ++/-- whose value is used reads the global (stap's abort_6.stp):
# `id = rest--` leaves nothing to print; `hits++` alone does not read.
tap_run used -e 'global rest = 3, hits
probe begin { id = rest--; hits++; printf("%d\n", id); exit() }'
assert_eq "a used ++/-- reads its global, a bare one does not" "$(out used | tr '\n' '|')" \
	"3|hits=1|"

# A global assigned where its own right side assigns it too: the right
# side first, as stap evaluates it (stap's global_end_var.stp; the user
# side's C had two unsequenced stores and did not compile).
tap_run seq -e 'global g, h = 6
probe begin { g = 3 & (g = h + 1); g2 = 1; g2 = (g2 += 4) * 2; printf("%d %d\n", g, g2); exit() }'
assert_eq "g = a & (g = b): the inner assignment first" "$(out seq)" "3 10"

finish
