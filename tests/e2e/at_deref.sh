#!/bin/sh
# SPDX-License-Identifier: MIT
# stap's @kderef(SIZE, ADDR), @uderef(SIZE, ADDR) and @enum("NAME") (its
# base tests at_deref, task_dentry_path): sized reads of kernel and user
# memory, and an enumerator's value from the kernel's BTF, checked on
# openat calls of known number against values known in advance.
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"

# gen opens FILE 3 times; only those openat calls name it
FILE=$TMP/at_deref_file
: >"$FILE"
tap_run deref -c "$GEN open $FILE 3" -e 'global n, u1, u4, u8, k4, k8, e
probe kernel.trace("syscalls:sys_enter_openat") {
	if (pid() != target() || user_string($filename) != @1) next
	n++
	/* the path starts with "/" (47); the wider reads are the read functions'"'"' */
	if (@uderef(1, $filename) == 47) u1++
	if (@uderef(4, $filename) == user_uint32($filename)) u4++
	if (@uderef(8, $filename) == user_uint64($filename)) u8++
	t = task_current()
	if (@kderef(4, &@cast(t, "task_struct")->tgid) == pid()) k4++
	if (@kderef(8, &@cast(t, "task_struct")->real_parent) == @cast(t, "task_struct")->real_parent) k8++
	/* a UAPI enumerator: its value is fixed */
	if (@enum("BPF_MAP_TYPE_RINGBUF") == 27) e++
}
probe end { printf("n=%d\nu1=%d\nu4=%d\nu8=%d\nk4=%d\nk8=%d\ne=%d\n", n, u1, u4, u8, k4, k8, e) }' "$FILE"
assert_ok "@uderef, @kderef and @enum in a tracepoint probe" deref
assert_eq "the 3 openat calls of FILE are seen" "$(value n deref)" 3
assert_eq "@uderef(1, \$filename) is '/' each time" "$(value u1 deref)" 3
assert_eq "@uderef(4, ...) is user_uint32(...)" "$(value u4 deref)" 3
assert_eq "@uderef(8, ...) is user_uint64(...)" "$(value u8 deref)" 3
assert_eq "@kderef(4, &task->tgid) is pid()" "$(value k4 deref)" 3
assert_eq "@kderef(8, &task->real_parent) is the pointer" "$(value k8 deref)" 3
assert_eq "@enum(\"BPF_MAP_TYPE_RINGBUF\") is 27" "$(value e deref)" 3

# @kderef zero-extends: the low byte of pid() read as 1 byte is pid() & 255
tap_run zext -c "$GEN getppid 1" -e 'global z
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target() && @kderef(1, &@cast(task_current(), "task_struct")->tgid) == (pid() & 255)) z++
}
probe end { printf("z=%d\n", z) }'
assert_eq "@kderef(1, ...) is the low byte, zero-extended" "$(value z zext)" 1

# @enum is a constant: it works in begin probes (user space) too
tap_run enumb -e 'probe begin { printf("%d\n", @enum("BPF_MAP_TYPE_RINGBUF", "kernel")); exit() }'
assert_eq "@enum(NAME, \"kernel\") in a begin probe" "$(out enumb)" 27

tap_run enumbad -p2 -e 'probe begin { x = @enum("NO_SUCH_ENUMERATOR_X") }'
assert_rc "@enum of an unknown name is an error" enumbad 1
assert_grep "... naming it" "$TMP/enumbad.err" \
	"error: no enumerator 'NO_SUCH_ENUMERATOR_X' in the BTF of 'kernel'"
tap_run derefbad -p2 -e 'probe begin { x = @uderef(3, 0) }'
assert_rc "@uderef of 3 bytes is an error" derefbad 1
assert_grep "... saying what sizes are" "$TMP/derefbad.err" 'expected a size of 1, 2, 4 or 8 (bytes)'

finish
