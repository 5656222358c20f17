#!/bin/sh
# SPDX-License-Identifier: MIT
# Data watchpoints (kernel.data(...).write/.rw: perf breakpoint events):
# a variable of a program (watchprog, no PIE: its address is nm's) written
# W times and read R times, counted in user mode; a kernel variable
# (vm_dirty_ratio) written K times through /proc/sys, where the kernel
# takes breakpoints on kernel addresses and lists data symbols (the 6.1
# test bed), else refused at pass 2 with the kernel's reason (this host);
# the point's errors.
. "$(dirname "$0")/lib.sh"
require_kernel
[ -e /sys/bus/event_source/devices/breakpoint ] || skip "no breakpoint PMU"

PROG=$TAP_E2E_BUILD/tests/e2e/watchprog
ADDR=$(printf 0x%x "0x$(nm "$PROG" | awk '$3 == "th_watched" { print $1 }')")
W=7
R=3

# ---- a program's variable: only its own accesses, in user mode ----------------------
# (exec's loading of the program clears its .bss from the kernel: those
# accesses are the kernel's, told apart with user_mode())
# One watchpoint on an address per run: QEMU's emulated CPU (the test
# beds) reports only one of two debug registers that match an access.
tap_run user -c "$PROG $W $R" -e 'global w
probe kernel.data($1).write { if (pid() == target() && user_mode()) w++ }
probe end { printf("w=%d\n", w) }' "$ADDR"
assert_ok "user: script runs" user
assert_eq "user: .write: $W writes" "$(value w user)" $W
tap_run userrw -c "$PROG $W $R" -e 'global rw, p
probe kernel.data($1).length(4).rw { if (pid() == target() && user_mode()) { rw++; p = pp() } }
probe end { printf("rw=%d\npp=%s\n", rw, p) }' "$ADDR"
assert_ok "userrw: script runs" userrw
assert_eq "userrw: .length(4).rw: $W writes and $R reads" "$(value rw userrw)" $((W + R))
assert_grep "userrw: pp() names the address in hex" "$TMP/userrw.out" \
	"^pp=kernel.data($ADDR).length(4).rw\$"

# ---- a kernel variable --------------------------------------------------------------
K=5
KADDR=0x$(awk '$3 == "vm_dirty_ratio" { print $1 }' /proc/kallsyms)
RATIO=$(cat /proc/sys/vm/dirty_ratio)
# K writes of its own value: nothing changes
SET="sh -c 'for i in \$(seq $K); do echo $RATIO >/proc/sys/vm/dirty_ratio; done'"
tap_run ksym -p2 -e 'probe kernel.data("vm_dirty_ratio").write { }'
if [ "$(rc ksym)" = 0 ]; then
	tap_run kern -c "$SET" -e 'global n
probe kernel.data("vm_dirty_ratio").write { n++ }
probe end { printf("n=%d\n", n) }'
	assert_ok "kern: script runs" kern
	assert_eq "kern: kernel.data(\"vm_dirty_ratio\").write: $K writes" "$(value n kern)" $K
	tap_run kaddr4 -c "$SET" -e 'global a
probe kernel.data($1).length(4).write { a++ }
probe end { printf("a=%d\n", a) }' "$KADDR"
	assert_ok "kaddr4: script runs" kaddr4
	assert_eq "kaddr4: kernel.data($KADDR).length(4).write: $K writes" "$(value a kaddr4)" $K
elif [ "$KADDR" = 0x ]; then
	assert_grep "ksym: refused: kallsyms has no data symbols here" "$TMP/ksym.err" \
		"is not supported on this kernel: 'vm_dirty_ratio' is not in /proc/kallsyms, which lists only functions without CONFIG_KALLSYMS_ALL"
else
	assert_grep "ksym: refused with the kernel's reason" "$TMP/ksym.err" \
		"is not supported on this kernel: it refuses"
fi
# a kernel address (the first function's: aligned) where the kernel refuses them
TADDR=0x$(awk '$2 == "T" || $2 == "t" { print $1; exit }' /proc/kallsyms)
tap_run kaddr -p2 -e "probe kernel.data($TADDR).length(8).write { }"
if [ "$(rc kaddr)" != 0 ]; then
	assert_grep "kaddr: refused with the kernel's reason" "$TMP/kaddr.err" \
		"is not supported on this kernel: it refuses hardware breakpoints on kernel addresses (perf_event_open: "
fi

# ---- errors at pass 2 ---------------------------------------------------------------
refused() { # NAME SCRIPT REGEX
	tap_run "$1" -p2 -e "$2"
	assert_rc "$1: refused" "$1" 1
	assert_grep "$1: the reason" "$TMP/$1.err" "$3"
}
refused len "probe kernel.data($ADDR).length(3).write { }" \
	"^<input>:1:7: error: .* expects .length(N) of 1, 2, 4 or 8 bytes"
refused align "probe kernel.data($(printf 0x%x $((ADDR + 1)))).length(4).write { }" \
	"which is not aligned to its length (4)"
refused access "probe kernel.data($ADDR) { }" "followed by .write or .rw"
refused nosym 'probe kernel.data("th_no_such_symbol").rw { }' "'th_no_such_symbol' is not in /proc/kallsyms"
refused module 'probe module("x").data(4).write { }' "kernel.data(ADDR)"

finish
