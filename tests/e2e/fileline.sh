#!/bin/sh
# SPDX-License-Identifier: MIT
# Source lines of addresses (docs/language.md, "Source lines of addresses"):
# usymfileline(), usymfile(), usymline() printed from a uprobe and
# print_ubacktrace_fileline(), checked against what addr2line says of the
# same addresses; the fallbacks: a stripped program (the address; FULL
# frames), a value kept in a variable (the probe's hex), the kernel's
# lines (its DWARF is not read: the address, and print_backtrace()'s
# frames), user context; a binary trace keeps the lines as text.
# tests/e2e/lineprog.c is built here with -g, and stripped.
. "$(dirname "$0")/lib.sh"
require_kernel
require_cmd cc addr2line nm strip
SRC=$(cd "$(dirname "$0")" && pwd)/lineprog.c
PROG=$TMP/lineprog
STRIPPED=$TMP/lineprog.stripped
# -rdynamic: the stripped copy keeps the functions' names (.dynsym) to probe
cc -g -O0 -fno-omit-frame-pointer -rdynamic -o "$PROG" "$SRC" 2>"$TMP/cc.err" ||
	fail "setup" "cannot build $SRC" "$(cat "$TMP/cc.err")"
strip -o "$STRIPPED" "$PROG" || fail "setup" "cannot strip $PROG"
N=2

# The script: N hits of lineprog_leaf (called through lineprog_mid, from
# main), then exit(); tap ends the program, which waited with its files
# mapped until then.
SCRIPT='global n
probe process(@1).function("lineprog_leaf") {
	printf("fl=%s\n", usymfileline(uaddr()))
	printf("file=%s line=%s\n", usymfile(uaddr()), usymline(uaddr()))
	printf("ua=%x\n", uaddr())
	s = usymfileline(uaddr())
	println("var=", s)
	print_ubacktrace_fileline()
	printf("--\n")
	if (++n == '$N') exit()
}'

# where BASE: the link-time address of a run-time one of PROG in run BASE,
# from where lineprog_leaf was (printed by the program) and is (nm)
bias() {
	_rt=$(sed -n 's/^pid=[0-9]* leaf=0x\([0-9a-f]*\)$/\1/p' "$TMP/$1.out" | head -n 1)
	_lt=$(nm "$PROG" | sed -n 's/^\([0-9a-f]*\) T lineprog_leaf$/\1/p')
	printf '%d' $((0x$_rt - 0x$_lt))
}

# a2l ADDR-HEX BIAS: what addr2line says of the run-time address ADDR
a2l() {
	addr2line -e "$PROG" "$(printf '0x%x' $((0x$1 - $2)))" | sed 's/ (discriminator [0-9]*)$//'
}

# ---- a program with its DWARF: the lines addr2line gives ----------------------------
tap_run lines -c "$PROG $N" -e "$SCRIPT" "$PROG"
assert_ok "usymfileline() and print_ubacktrace_fileline() in a uprobe run" lines
assert_grep "the program called lineprog_leaf $N times" "$TMP/lines.out" "^sum=$((N * N))\$"
assert_eq "one line per hit" "$(grep -c '^fl=' "$TMP/lines.out")" "$N"
B=$(bias lines)
UA=$(sed -n 's/^ua=//p' "$TMP/lines.out" | head -n 1)
WANT=$(a2l "$UA" "$B")
case $WANT in
*lineprog.c:[0-9]*) pass "addr2line names a line of lineprog.c for uaddr() ($WANT)" ;;
*) fail "addr2line names a line of lineprog.c for uaddr()" "it says '$WANT'" ;;
esac
assert_eq "usymfileline(uaddr()): 'file:line', as addr2line says" \
	"$(sed -n 's/^fl=//p' "$TMP/lines.out" | sort -u)" "$WANT"
assert_eq "usymfile() and usymline(): the two halves" \
	"$(sed -n 's/^file=//p' "$TMP/lines.out" | sort -u)" "${WANT%:*} line=${WANT##*:}"
assert_eq "a value kept in a variable is the probe's: the address in hex" \
	"$(sed -n 's/^var=//p' "$TMP/lines.out" | sort -u)" "0x$UA"
# print_ubacktrace_fileline(): " 0xADDR : name+0xOFF/0xSIZE at FILE:LINE [PROG]"
grep " \[$PROG\]\$" "$TMP/lines.out" | head -n 3 >"$TMP/frames"
assert_eq "a hit's stack has 3 frames in the program" "$(grep -c . "$TMP/frames")" 3
assert_grep "the first frame is the probe's: lineprog_leaf at its line" "$TMP/frames" \
	"^ 0x$UA : lineprog_leaf+0x0/0x[0-9a-f]* at $WANT \[$PROG\]\$"
assert_grep "... then lineprog_mid" "$TMP/frames" "^ 0x[0-9a-f]* : lineprog_mid+0x[0-9a-f]*/0x[0-9a-f]* at "
assert_grep "... then main" "$TMP/frames" "^ 0x[0-9a-f]* : main+0x[0-9a-f]*/0x[0-9a-f]* at "
bad=0
while read -r addr _ _ _ file _; do
	[ "$file" = "$(a2l "${addr#0x}" "$B")" ] || bad=$((bad + 1))
done <"$TMP/frames"
assert_eq "each frame's line is what addr2line says of its address" "$bad" 0
assert_no_grep "no frame of the program without its line" "$TMP/lines.out" \
	"^ 0x[0-9a-f]* : [a-z_]*+0x[0-9a-f]*/0x[0-9a-f]* \[$PROG\]\$"

# ---- a stripped copy: the fallbacks -------------------------------------------------
tap_run stripped -c "$STRIPPED $N" -e "$SCRIPT" "$STRIPPED"
assert_ok "the same script on a stripped copy runs" stripped
UA=$(sed -n 's/^ua=//p' "$TMP/stripped.out" | head -n 1)
assert_eq "usymfileline() without DWARF: the address, as stap's" \
	"$(sed -n 's/^fl=//p' "$TMP/stripped.out" | sort -u)" "0x$UA"
assert_eq "usymfile() and usymline() too" \
	"$(sed -n 's/^file=//p' "$TMP/stripped.out" | sort -u)" "0x$UA line=0x$UA"
assert_grep "print_ubacktrace_fileline(): print_ubacktrace()'s frames, names from .dynsym" \
	"$TMP/stripped.out" "^ 0x$UA : lineprog_leaf+0x0/0x[0-9a-f]* \[$STRIPPED\]\$"
assert_no_grep "... without a line" "$TMP/stripped.out" " at .*\[$STRIPPED\]\$"

# ---- a binary trace keeps the lines as text: the process is gone when it is read -----
tap_run bin -o "$TMP/t.bin" --format=binary -c "$PROG $N" -e "$SCRIPT" "$PROG"
assert_ok "the script writes a binary trace" bin
"$TAP_READ" "$TMP/t.bin" >"$TMP/read.out" 2>"$TMP/read.err"
B=$(bias bin)
UA=$(sed -n 's/^ua=//p' "$TMP/read.out" | head -n 1)
assert_eq "tap-read shows the lines resolved while the process ran" \
	"$(sed -n 's/^fl=//p' "$TMP/read.out" | sort -u)" "$(a2l "$UA" "$B")"
assert_grep "... and the frames" "$TMP/read.out" \
	"^ 0x$UA : lineprog_leaf+0x0/0x[0-9a-f]* at .*lineprog.c:[0-9]* \[$PROG\]\$"

# ---- the kernel's lines: its DWARF is not read ---------------------------------------
tap_run kern -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	print_backtrace(); printf("--\n"); print_backtrace_fileline(); printf("--\n")
	printf("k=%s|%s|%s\n", symfileline(0xffffffff81000010), symfile(0xffffffff81000010),
	       symline(0xffffffff81000010))
}
probe begin {
	printf("u=%s|%s|%s|%s\n", symfileline(0xffffffff81000010), symfile(0xffffffff81000010),
	       symline(0xffffffff81000010), usymfileline(16))
}'
assert_ok "symfileline() and print_backtrace_fileline() run" kern
awk 'BEGIN { s = 1 } /^--$/ { s++; next } /^ 0x/ { print > ("'"$TMP"'/kern." s) }' "$TMP/kern.out"
assert_range "print_backtrace_fileline() prints the frames" "$(grep -c . "$TMP/kern.2")" 3 20
if cmp -s "$TMP/kern.1" "$TMP/kern.2"; then
	pass "... as print_backtrace() does: stap's form without the kernel's debuginfo"
else
	fail "... as print_backtrace() does" "$(show "$TMP/kern.2" got)" "$(show "$TMP/kern.1" expected)"
fi
x=0xffffffff81000010
assert_grep "symfileline(), symfile(), symline() in a kernel probe: the address" "$TMP/kern.out" \
	"^k=$x|$x|$x\$"
assert_grep "... and in a begin probe (usymfileline() of an address nothing maps too)" \
	"$TMP/kern.out" "^u=$x|$x|$x|0x10\$"

finish
