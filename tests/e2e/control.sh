#!/bin/sh
# SPDX-License-Identifier: MIT
# Control flow: if/else, while, for, break, continue, next, blocks, in
# user and kernel context; loops are bounded by MAXACTION in both.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang control -c "$GEN getppid 1"
check_lang kloops -c "$GEN getppid 1"

# A loop that does not end is stopped by MAXACTION, with stap's message.
tap_run uloop -D MAXACTION=500 -e 'probe begin { while (1) n++ }'
assert_rc "an endless loop in begin fails" uloop 1
assert_grep "an endless loop in begin hits MAXACTION" "$TMP/uloop.err" \
	'^ERROR: MAXACTION exceeded near .* at <input>:1:'
tap_run kloop -D MAXACTION=500 -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) for (;;) n++ }'
assert_rc "an endless loop in a kernel probe fails" kloop 1
assert_grep "an endless loop in a kernel probe hits MAXACTION" "$TMP/kloop.err" \
	'^ERROR: MAXACTION exceeded near .* at <input>:2:'
# MAXACTION counts the passes (iterations and the last test) of all a
# probe's loops, as before loops were iterators: 2 x (49 + 1) fit in 100,
# 2 x 60 do not (the second loop fails)
tap_run kloops2 -D MAXACTION=100 -c "$GEN getppid 1" -e 'global m = 49
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	for (i = 0; i < m; i++) n++
	for (i = 0; i < m; i++) n++
	printf("n=%d\n", n) }'
assert_eq "2 loops of 49 iterations fit in MAXACTION=100" "$(value n kloops2)" 98
tap_run kloops3 -D MAXACTION=100 -c "$GEN getppid 1" -e 'global m = 60
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	for (i = 0; i < m; i++) n++
	while (n < 2 * m) n++
	printf("n=%d\n", n) }'
assert_rc "2 loops of 60 iterations exceed MAXACTION=100" kloops3 1
assert_grep "in the second loop" "$TMP/kloops3.err" \
	"^ERROR: MAXACTION exceeded near keyword 'while' at <input>:5:"

# 'next' is for probes only.
tap_run fnext -e 'function f() { next } probe begin { f() exit() }'
assert_rc "next in a function fails" fnext 1

finish
