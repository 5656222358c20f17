#!/bin/sh
# SPDX-License-Identifier: MIT
#
# kernel_check.sh BUILD CARRY - what `make check` runs on each kernel of
# the test bed (inside the guest, through tests/vm/check.sh): that the
# bed has what the host lacks (kprobes, fentry, loadable modules, BTF),
# that tap compiles and runs there (a tracepoint script and a syscall
# tapset script, with counts the workload makes known), and that an
# object compiled on another kernel (CARRY: its cache entry, made by
# `tap -p4` on the host) loads and counts right here without a compile.
#
# Prints PASS/FAIL lines and "kernel RELEASE: N passed, M failed"; exits 1
# when something failed.
set -u
build=$(cd "${1:?usage: kernel_check.sh BUILD CARRY}" && pwd)
carry=${2:?usage: kernel_check.sh BUILD CARRY}
here=$(cd "$(dirname "$0")" && pwd)
TAP=$build/tap
GEN=$build/tests/e2e/gen
rel=$(uname -r)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kernel-check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
export TAPHUB_CACHE=$tmp/cache
npass=0
nfail=0

pass() {
	npass=$((npass + 1))
	echo "PASS $rel: $1"
}
# fail NAME FILE: FILE's last lines go under the FAIL line
fail() {
	nfail=$((nfail + 1))
	echo "FAIL $rel: $1"
	[ -z "${2:-}" ] || tail -n 20 "$2" | sed 's/^/    /'
}
# expect NAME FILE TEXT: FILE has the line TEXT
expect() {
	if grep -qxF "$3" "$2"; then
		pass "$1"
	else
		fail "$1 (expected the line '$3')" "$2"
	fi
}
# A compile under TCG takes tens of seconds: a generous bound, never a hang.
run() {
	timeout -k 5 300 "$@"
}

# ---- the bed: what this kernel offers that the host's does not ------------

if [ -f /sys/kernel/btf/vmlinux ]; then pass "BTF (/sys/kernel/btf/vmlinux)"; else fail "BTF (/sys/kernel/btf/vmlinux)"; fi
if [ -d /sys/bus/event_source/devices/kprobe ]; then pass "kprobe PMU"; else fail "kprobe PMU"; fi

# bpftrace (the host's) attaches a kprobe and an fentry program (bpftrace
# 0.17 spells fentry "kfunc"; fentry needs the function in BTF, which
# syscall wrappers are not) and counts the target's calls.
run bpftrace -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @n = count(); }' \
	-c "$GEN getppid 100" >"$tmp/kprobe.out" 2>&1
expect "bpftrace: a kprobe counts 100 getppid calls" "$tmp/kprobe.out" "@n: 100"
run bpftrace -e 'kfunc:vfs_write /pid == cpid/ { @n = count(); }' \
	-c "$GEN write 100 1" >"$tmp/fentry.out" 2>&1
expect "bpftrace: an fentry program counts 100 vfs_write calls" "$tmp/fentry.out" "@n: 100"

# A module of the kernel's own package loads and unloads.
if modprobe dummy numdummies=0 >"$tmp/mod.out" 2>&1 && [ -d /sys/module/dummy ] &&
	rmmod dummy >>"$tmp/mod.out" 2>&1; then
	pass "modprobe and rmmod a module (dummy)"
else
	fail "modprobe and rmmod a module (dummy)" "$tmp/mod.out"
fi

# ---- tap compiles and runs here ----------------------------------------------

# A raw tracepoint (sys_enter) and a tracepoint program reading $fields from
# this kernel's record layout.
run "$TAP" -c "$GEN fork 5" -e 'global n, forks
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe kernel.trace("sched:sched_process_fork") { if ($parent_pid == target()) forks++ }
probe end { printf("getppid=%d forks=%d\n", n, forks) }' >"$tmp/tp.out" 2>&1
expect "tracepoints: 5 forks of the target, no getppid" "$tmp/tp.out" "getppid=0 forks=5"
run "$TAP" -c "$GEN getppid 1000" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe end { printf("getppid=%d\n", n) }' >"$tmp/tp2.out" 2>&1
expect "tracepoints: 1000 getppid calls of the target" "$tmp/tp2.out" "getppid=1000"

# The syscall tapset: an alias with its variables.
echo x >"$tmp/f"
run "$TAP" -c "$GEN open $tmp/f 7" -e 'global n
probe syscall.openat { if (pid() == target() && filename_unquoted == @1) n++ }
probe end { printf("openat=%d\n", n) }' "$tmp/f" >"$tmp/sys.out" 2>&1
expect "syscall tapset: 7 openat of the file" "$tmp/sys.out" "openat=7"

# ---- an object compiled on another kernel ------------------------------------

# $ret comes from the registers, ppid() from task_struct through CO-RE
# relocations (real_parent->tgid) that libbpf resolves against this
# kernel's BTF: both agree on every call when the relocation is right.
if [ -f "$carry/guest.bpf.o" ]; then
	TAPHUB_CLANG=$here/carry-cc TAPHUB_CC=$here/carry-cc TAPHUB_VM_CARRY=$carry \
		run "$TAP" -c "$GEN getppid 50" -e "$(cat "$here/carry.stp")" >"$tmp/carry.out" 2>&1
	expect "an object compiled on the host loads and counts here" "$tmp/carry.out" "n=50 same=50 btf=50"
else
	fail "an object compiled on the host: no $carry/guest.bpf.o"
fi

echo "kernel $rel: $npass passed, $nfail failed"
[ "$nfail" = 0 ]
