#!/bin/sh
# SPDX-License-Identifier: MIT
# The @operators answered at compile time: @probewrite(var) (does the
# user's body of the probe write var? asked from an alias's epilogue)
# and @const("NAME") (guru mode: the runtime's switches, BTF enumerators).
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang probewrite -c "$GEN getppid 1"
check_lang const -g

finish
