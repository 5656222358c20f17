#!/bin/sh
# SPDX-License-Identifier: MIT
# Wildcards whose probes share one handler body, each with its own string
# literals (codegen.c: the syscall.*.return aliases differ only in
# `name = "read"`), and big tapset functions compiled once as eBPF
# subprograms (errno_str()): each probe must still see its own literals,
# and the functions give what they gave inlined.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- every syscall return shares a body: each one names its own call ----------------
tap_run ret -c "$GEN getppid 3" -e 'global n
probe syscall.*.return { if (pid() == target()) n[name]++ }
probe end { printf("getppid=%d\n", n["getppid"]) }'
assert_ok "syscall.*.return loads" ret
assert_eq "syscall.*.return: getppid is named getppid, 3 times" "$(value getppid ret)" 3

# three aliases, one body, three rows of literals: each probe its own
tap_run alias -c "$GEN getppid 4" -e 'global n
probe a = kernel.trace("syscalls:sys_enter_getppid") { s = "first" }
probe b = kernel.trace("syscalls:sys_enter_getppid") { s = "second" }
probe c = kernel.trace("syscalls:sys_exit_getppid") { s = "third" }
probe a, b, c { if (pid() == target()) n[s]++ }
probe end { foreach (k+ in n) printf("%s=%d\n", k, n[k]) }'
assert_ok "three aliases sharing a body load" alias
assert_eq "each alias's probe sees its own literal" "$(out alias | tr '\n' ' ')" \
	"first=4 second=4 third=4 "

# ---- errno_str()/errno_p() as subprograms: the same answers -------------------------
tap_run errno -c "$GEN getppid 1" -e 'global s
probe syscall.getppid.return { if (pid() == target())
	s = sprintf("%s %s %d %d %s", errno_str(-2), errno_str(13), errno_p(-22), errno_p(5000), errno_str(5000)) }
probe end { printf("[%s]\n", s) }'
assert_eq "errno_str and errno_p in a kernel probe" "$(out errno)" "[ENOENT EACCES 22 0 ]"

finish
