#!/bin/sh
# SPDX-License-Identifier: MIT
# Strings: the string functions and MAXSTRINGLEN truncation, in user and
# kernel context.
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang strings -c "$one"
check_lang maxstringlen -DMAXSTRINGLEN=16 -c "$one"

# At MAXSTRINGLEN=4096 (string buffers of 4096 bytes) the kernel's string
# helpers load and give the same answers: their verifier cost does not
# grow with the length (tests/e2e/verifier_cost.sh measures it).
tap_run strings4096 -DMAXSTRINGLEN=4096 -c "$one" "$LANG_DIR/strings.stp"
if [ "$(rc strings4096)" = 0 ] && cmp -s "$TMP/strings4096.out" "$LANG_DIR/strings.out"; then
	pass "strings at MAXSTRINGLEN=4096"
else
	fail "strings at MAXSTRINGLEN=4096" \
		"$(diff -u "$LANG_DIR/strings.out" "$TMP/strings4096.out" | sed 1,2d | head -n 30)" \
		"$(run_details strings4096)"
fi

# Kernel array keys of two strings at MAXSTRINGLEN=4096: 8 KB to zero
# before the strings go in, more than clang's eBPF target zeroes inline.
tap_run keys4096 -DMAXSTRINGLEN=4096 -c "$GEN getppid 3" -e 'global a
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) a[execname(), "k"]++ }
probe end { foreach ([x, y] in a) printf("%s %s %d\n", x, y, a[x, y]) }'
assert_ok "two string keys at MAXSTRINGLEN=4096 run" keys4096
assert_eq "two string keys at MAXSTRINGLEN=4096 count" "$(out keys4096)" "gen k 3"

# MAXSTRINGLEN need not be a power of two: -DMAXSTRINGLEN=20 keeps 19
# bytes of every string, made in either context: literals, concatenation,
# sprintf, and what the kernel hands to user probes through a global.
long=0123456789abcdefghijklmnop
tap_run max20 -DMAXSTRINGLEN=20 -c "$one" -e 'global k, kc
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	x = "'$long'"; y = "ab" . x; z = sprintf("%s-%s", "ab", x)
	printf("kernel %s %d %s %d %s %d\n", x, strlen(x), y, strlen(y), z, strlen(z))
	k = x
	kc = "ab" . x
}
probe end {
	x = "'$long'"; y = "ab" . x; z = sprintf("%s-%s", "ab", x)
	printf("user %s %d %s %d %s %d\n", x, strlen(x), y, strlen(y), z, strlen(z))
	printf("global %s %s\n", k, kc)
}'
assert_ok "MAXSTRINGLEN=20 runs" max20
x=$(echo "$long" | cut -c1-19)
y=$(echo "ab$long" | cut -c1-19)
z=$(echo "ab-$long" | cut -c1-19)
assert_eq "MAXSTRINGLEN=20 keeps 19 bytes in the kernel" "$(sed -n 's/^kernel //p' "$TMP/max20.out")" "$x 19 $y 19 $z 19"
assert_eq "MAXSTRINGLEN=20 keeps 19 bytes in user context" "$(sed -n 's/^user //p' "$TMP/max20.out")" "$x 19 $y 19 $z 19"
assert_eq "kernel strings reach user probes cut at 19 bytes" "$(sed -n 's/^global //p' "$TMP/max20.out")" "$x $y"

finish
