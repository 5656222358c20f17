#!/bin/sh
# SPDX-License-Identifier: MIT
# Operators: arithmetic with stap's 64-bit semantics (wrapping, division
# truncating toward zero), bitwise, shifts, comparisons, logical and
# ternary operators, string operators, every assignment operator and
# ++/--, on locals, globals and array elements, in user and kernel context;
# the 64-bit edges of literals (INT64_MIN written anywhere, 2^64 - 1 as
# -1, INT64_MIN / -1).
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang operators -c "$GEN getppid 1"
check_lang assign -c "$GEN getppid 1"
check_lang literals -c "$GEN getppid 1" -- -1 -9223372036854775808
check_lang void_logic -c "$GEN getppid 1"

finish
