#!/bin/sh
# SPDX-License-Identifier: MIT
# Functions of SystemTap's tapsets that its example scripts call
# (docs/language.md, "Functions"): the user-memory readers of
# uconversions.stp (plain: 0 for a bad address; _error: a runtime error;
# _warn: a warning and 0), AF_INET/AF_INET6, modname(), umodname(),
# target_set_pid()/target_set_report(), pstrace(), the task path
# functions, addr_to_node(); each against values known in advance.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- user_* readers: gen write 1 16 writes 16 bytes 'x' (0x78), a NUL after ----------
tap_run uread -c "$GEN write 1 16" -e 'probe kernel.trace("syscalls:sys_enter_write") {
	if (pid() == target()) {
		b = $buf
		printf("char=%d\nint8=%d\nuint8=%d\nshort=%d\nint16=%d\nuint16=%d\nushort=%d\n",
			user_char(b), user_int8(b), user_uint8(b), user_short(b), user_int16(b),
			user_uint16(b), user_ushort(b))
		printf("int=%d\nint32=%d\nuint32=%d\nlong=%d\nint64=%d\nuint64=%d\nulong=%d\n",
			user_int(b), user_int32(b), user_uint32(b), user_long(b), user_int64(b),
			user_uint64(b), user_ulong(b))
		printf("tail=%d\nechar=%d\neint64=%d\neuint16=%d\n", user_int32(b + 13),
			user_char_error(b), user_int64_error(b), user_uint16_error(b))
	}
}'
assert_ok "user_* readers run" uread
for k in char int8 uint8; do
	assert_eq "user_$k of 'x'" "$(value $k uread)" 120
done
for k in short int16 uint16 ushort; do
	assert_eq "user_$k of 'xx'" "$(value $k uread)" 30840
done
for k in int int32 uint32; do
	assert_eq "user_$k of 'xxxx'" "$(value $k uread)" 2021161080
done
for k in long int64 uint64 ulong; do
	assert_eq "user_$k of 8 'x'" "$(value $k uread)" 8680820740569200760
done
assert_eq "user_int32 of 'xxx' and the NUL after them" "$(value tail uread)" 7895160
assert_eq "user_char_error reads as user_char" "$(value echar uread)" 120
assert_eq "user_int64_error reads as user_int64" "$(value eint64 uread)" 8680820740569200760
assert_eq "user_uint16_error reads as user_uint16" "$(value euint16 uread)" 30840

# a bad address: 0 from the plain ones, a warning from _warn, an error from _error
tap_run ubad -c "$GEN getppid 2" -e 'global n, s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) {
	n++; s = sprintf("plain=%d\nwarn=%d\n", user_long(0) + user_int(8) + user_uint64(16) + user_char(1),
		user_long_warn(16)) } }
probe end { printf("n=%d\n", n); print(s) }'
assert_rc "user_long(0) and user_long_warn(16) are no errors" ubad 0
assert_eq "a bad address reads as 0" "$(value plain ubad)" 0
assert_eq "user_long_warn of a bad address is 0" "$(value warn ubad)" 0
assert_eq "the probe runs on after them" "$(value n ubad)" 2
assert_grep "user_long_warn warns as stap does" "$TMP/ubad.err" \
	'^WARNING: user long copy fault 0x10 \[man error::fault\]$'
tap_run uerr -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) println(user_uint64_error(0)) }'
assert_rc "user_uint64_error(0) is a runtime error" uerr 1
assert_grep "user_uint64_error: the error names it" "$TMP/uerr.err" \
	"^ERROR: user read fault near identifier 'user_uint64_error'"
tap_run ucatch -c "$GEN getppid 1" -e 'global s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target())
	try { s = sprint(user_int_error(8)) } catch { s = "caught" } }
probe end { println(s) }'
assert_eq "user_int_error's error is caught by try" "$(out ucatch)" caught

# ---- AF_INET, AF_INET6 -----------------------------------------------------------------
tap_run af -e 'probe begin { printf("%d %d\n", AF_INET(), AF_INET6()); exit() }'
assert_eq "AF_INET and AF_INET6" "$(out af)" "2 10"

finish
