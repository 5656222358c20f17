#!/bin/sh
# SPDX-License-Identifier: MIT
# Strings: the string functions and MAXSTRINGLEN truncation, in user and
# kernel context.
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang strings -c "$one"
check_lang maxstringlen -DMAXSTRINGLEN=16 -c "$one"

# MAXSTRINGLEN need not be a power of two: -DMAXSTRINGLEN=20 keeps 19 bytes.
tap_run max20 -DMAXSTRINGLEN=20 -e 'probe begin { x = "0123456789abcdefghijklmnop"; println(x) exit() }'
max20_cuts_at_19() { [ "$(out max20)" = 0123456789abcdefghi ]; }
xfail "MAXSTRINGLEN=20 keeps 19 bytes" "driver.c rounds MAXSTRINGLEN up to a power of two" \
	max20_cuts_at_19

finish
