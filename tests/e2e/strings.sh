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

# A comparison with a short literal in a kernel probe is compared in line
# (codegen_expr.c strcmp_lit): no copy of the literal, no bpf_loop().  Every operator,
# the literal on either side, prefixes and extensions of the string, the
# empty string, a literal past the inline bound (33 bytes: th_strcmp) and
# one longer than MAXSTRINGLEN (cut, so compared as th_strcmp does).
lit33=gen456789012345678901234567890123
tap_run cmplit -c "$one" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	e = execname(); s = ""
	printf("eq %d%d%d%d%d%d%d\n", e == "gen", e == "ge", e == "gen2", e == "", e != "gen",
	       "gen" == e, "ge" != e)
	printf("lt %d%d%d%d%d%d%d%d\n", e < "gen", e < "geo", e > "gem", e > "gen0", "a" < e,
	       "z" < e, e <= "gen", e >= "gen")
	printf("empty %d%d%d\n", s == "", s < "a", "" < e)
	printf("long %d%d\n", e == "'$lit33'", e < "'$lit33'")
	exit()
}'
assert_ok "comparisons with literals run" cmplit
assert_eq "== and != with literals in the kernel" "$(sed -n 's/^eq //p' "$TMP/cmplit.out")" "1000011"
assert_eq "< > <= >= with literals on either side" "$(sed -n 's/^lt //p' "$TMP/cmplit.out")" "01101011"
assert_eq "the empty string against literals" "$(sed -n 's/^empty //p' "$TMP/cmplit.out")" "111"
assert_eq "a literal past the inline bound" "$(sed -n 's/^long //p' "$TMP/cmplit.out")" "01"
tap_run cmplit16 -DMAXSTRINGLEN=16 -c "$one" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	e = execname() . "456789012345"
	printf("%d%d%d\n", e == "gen456789012345", e == "gen4567890123456", e == "gen45678901234")
	exit()
}'
assert_eq "MAXSTRINGLEN=16: a literal past it is cut as the kernel's copy is" "$(out cmplit16)" "110"
tap_run cmplitc -p3 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "gen") exit() }'
assert_grep "a short literal is compared in line" "$TMP/cmplitc.out" '\[0\] != 103 ? '
assert_no_grep "with no copy of the literal" "$TMP/cmplitc.out" 'th_strcpy(F->t\[1\], "gen")'
assert_no_grep "and no bpf_loop() compare" "$TMP/cmplitc.out" 'th_strcmp('

# ---- text_str() and string_quoted() in both contexts, as stap escapes (utf_overlong.exp) ----
# overlong UTF-8 (the encodings of 0 and of the last shorter code point)
# stays octal; the shortest forms of the first and last code points of
# each length are \u and \U escapes; C escapes by letter, the rest octal
esc='function show(c) {
	printf("%s %s\n", c, string_quoted("\300\200 \301\277 \302\200 \337\277"))
	printf("%s %s\n", c, string_quoted("\340\200\200 \340\237\277 \340\240\200 \357\277\277"))
	printf("%s %s\n", c, string_quoted("\360\200\200\200 \360\217\277\277 \360\220\200\200 \364\217\277\277"))
	printf("%s %s\n", c, text_str("a\"b\\c\n\t\001\177\355\240\200"))
}
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) show("kernel") }
probe begin { show("user") }'
tap_run esc -c "$GEN getppid 1" -e "$esc"
assert_ok "text_str and string_quoted run in both contexts" esc
for c in kernel user; do
	assert_eq "string_quoted of 2-byte sequences, $c" "$(sed -n "s/^$c //p" "$TMP/esc.out" | sed -n 1p)" \
		'"\300\200 \301\277 \u0080 \u07FF"'
	assert_eq "... of 3-byte sequences, $c" "$(sed -n "s/^$c //p" "$TMP/esc.out" | sed -n 2p)" \
		'"\340\200\200 \340\237\277 \u0800 \uFFFF"'
	assert_eq "... of 4-byte sequences, $c" "$(sed -n "s/^$c //p" "$TMP/esc.out" | sed -n 3p)" \
		'"\360\200\200\200 \360\217\277\277 \U00010000 \U0010FFFF"'
	assert_eq "text_str: C escapes, octal, a surrogate stays octal, $c" \
		"$(sed -n "s/^$c //p" "$TMP/esc.out" | sed -n 4p)" 'a\"b\\c\n\t\001\177\355\240\200'
done

finish
