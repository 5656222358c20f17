#!/bin/sh
# SPDX-License-Identifier: MIT
# Control flow: if/else, while, for, break, continue, next, blocks, in
# user and kernel context; loops are bounded by MAXACTION in both.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang control -c "$GEN getppid 1"

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

# 'next' is for probes only.
tap_run fnext -e 'function f() { next } probe begin { f() exit() }'
assert_rc "next in a function fails" fnext 1

finish
