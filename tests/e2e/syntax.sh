#!/bin/sh
# SPDX-License-Identifier: MIT
# Syntax: comments, the preprocessor, macros and script arguments, each in
# a begin probe (user context) and a tracepoint probe (kernel context).
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang comments -c "$one"
check_lang preprocessor -c "$one"
check_lang macros -c "$one"
check_lang args -c "$one" -- 42 -7 word

# @# is the argument count as a string literal (stap(1): "a quoted number")
tap_run atcount -e 'probe begin { printf("%s|\n", @# . "") exit() }' a b
assert_eq "@# is a string" "$(out atcount)" "2|"

# The machine-dependent conditions, against what uname says.
release=$(uname -r)
version=${release%%-*}
machine=$(uname -m)
case $machine in
i?86) arch=i386 ;;
aarch64) arch=arm64 ;;
*) arch=$machine ;;
esac
tap_run pp_machine -e "probe begin {
	println(%( kernel_vr == \"$release\" %? \"vr\" %: \"no-vr\" %))
	println(%( kernel_v == \"$version\" %? \"v\" %: \"no-v\" %))
	println(%( kernel_v == \"$release\" %? \"v-has-suffix\" %: \"v-plain\" %))
	println(%( kernel_v > \"$version\" || kernel_v < \"$version\" %? \"ordered-wrong\" %: \"ordered\" %))
	println(%( arch == \"$arch\" %? \"arch\" %: \"no-arch\" %))
	exit()
}"
assert_eq "preprocessor: kernel_vr, kernel_v and arch match uname" \
	"$(out pp_machine | tr '\n' ' ')" "vr v v-plain ordered arch "

# A missing argument is a compile error naming the index, as in stap.
tap_run noarg -e 'probe begin { println($1) exit() }'
assert_rc "missing \$1 fails" noarg 1
assert_grep "missing \$1 error names it" "$TMP/noarg.err" 'argument index 1 out of range'
tap_run noarg_at -e 'probe begin { println(@2) exit() }' one
assert_grep "missing @2 error names it" "$TMP/noarg_at.err" 'argument index 2 out of range'

# An unterminated comment and a bad preprocessor condition are diagnosed.
tap_run badcomment -e 'probe begin { exit() } /* no end'
assert_rc "unterminated comment fails" badcomment 1
tap_run badcond -e 'probe begin { println(%( nosuchvar == "1" %? "a" %: "b" %)) exit() }'
assert_rc "unknown preprocessor variable fails" badcond 1

finish
