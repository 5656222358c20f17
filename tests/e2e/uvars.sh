#!/bin/sh
# SPDX-License-Identifier: MIT
# User-space variables from DWARF at any probe address: process().statement()
# on a source line, locals and parameters through location lists (registers,
# constants, memory), member, pointer and index chains ($it->inner->a,
# $it->vals[$k], $items[2]->id), user_string() on a char * and a char[N],
# $v$ pretty-printing, $$locals, $$parms, $$vars, .return with $return and
# @entry values, -L, and the errors: a variable not readable at the address
# (where it can be), one not in scope, a bad member, a struct as a value, a
# line with no code, a stripped program.  tests/e2e/sdtprog.c calls
# sdtprog_walk() N times over 3 items of values known in advance (see its
# header).
#
. "$(dirname "$0")/lib.sh"
require_kernel
PROG=$TAP_E2E_BUILD/tests/e2e/sdtprog
SRC=$(dirname "$0")/sdtprog.c
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
LINE=$(grep -n '/\* WALK_LINE' "$SRC" | cut -d: -f1)
[ -n "$LINE" ] || fail "setup" "no WALK_LINE in $SRC"
N=20
SUM=$((N * (N + 1) / 2))
SQ=$((N * (N + 1) * (2 * N + 1) / 6))
STMT="process(\"$PROG\").statement(\"sdtprog_walk@sdtprog.c:$LINE\")"

# ---- a statement probe in the loop: every item of every call, with its values ----------
# call i, item k: id 10 i + k, vals {k, 2 k, 3 k + i}, inner {i, -k}; acc is the
# sum of id * vals[2] of the items before k: 0, 10 i^2, 20 i^2 + 31 i + 3
tap_run stmt -c "$PROG $N" -e '
global n, ids, ks, v2, vk, bad, acc, first, locals
probe process(@1).statement(@2) {
	n++; ids += $it->id; ks += $k; v2 += $it->vals[2]; vk += $it->vals[$k]; acc += $acc
	if (user_string($it->label) != sprintf("item-%d", $k) ||
	    user_string($it->tag) != sprintf("t%d", $k) ||
	    $it->inner->a * 10 + $k != $it->id || $it->inner->b != -$k || $n != 3)
		bad++
	if (n == 1) first = $it[0]$
	if (n == 2) locals = $$locals
}
probe end { printf("n=%d\nids=%d\nks=%d\nv2=%d\nvk=%d\nacc=%d\nbad=%d\nfirst=%s\nlocals=%s\n",
	n, ids, ks, v2, vk, acc, bad, first, locals) }' "$PROG" "sdtprog_walk@sdtprog.c:$LINE"
assert_ok "a statement probe on a line of a loop runs" stmt
assert_eq "one hit per item: 3 N" "$(value n stmt)" $((3 * N))
assert_eq "\$it->id (a pointer in a register, a member) sums to 30 (1+...+N) + 3N" \
	"$(value ids stmt)" $((30 * SUM + 3 * N))
assert_eq "\$k (a local in a register the call preserves) sums to 3N" "$(value ks stmt)" $((3 * N))
assert_eq "\$it->vals[2] (a constant index) sums to 9N + 3 (1+...+N)" "$(value v2 stmt)" \
	$((9 * N + 3 * SUM))
assert_eq "\$it->vals[\$k] (an index computed at run time) sums to 8N + (1+...+N)" \
	"$(value vk stmt)" $((8 * N + SUM))
assert_eq "\$acc (a local whose location changes along the function) sums as computed" \
	"$(value acc stmt)" $((30 * SQ + 31 * SUM + 3 * N))
assert_eq "user_string() of a char * and a char[8] member, a nested struct, \$n: all as set" \
	"$(value bad stmt)" 0
assert_grep "\$it[0]\$ prints the struct, its array, string and nested struct" "$TMP/stmt.out" \
	'^first={.id=10, .vals=\[0, 0, 1\], .label=0x[0-9a-f]*, .tag="t0", .inner={.a=1, .b=0}}$'
assert_grep "\$\$locals: the locals in scope, innermost first" "$TMP/stmt.out" \
	'^locals=it=0x[0-9a-f]* acc=0xa k=0x1$'

# ---- main's arrays on its stack: DW_OP_fbreg from the frame base, the CFA of .eh_frame --
CALL=$(grep -n 'sdtprog_walk(items, 3);' "$SRC" | cut -d: -f1)
tap_run frame -c "$PROG $N" -e '
global n, id2, bad
probe process(@1).statement(@2) { n++; id2 += $items[2]->id
	if (user_string($name) != sprintf("tick-%d", $i) || $items[1]->tag$ != "\"t1\"") bad++ }
probe end { printf("n=%d\nid2=%d\nbad=%d\n", n, id2, bad) }' "$PROG" "main@sdtprog.c:$CALL"
assert_ok "a statement probe in main runs" frame
assert_eq "once per call of sdtprog_walk" "$(value n frame)" "$N"
assert_eq "\$items[2]->id (an array at the frame base, through the CFA) sums to 10 (1+...+N) + 2N" \
	"$(value id2 frame)" $((10 * SUM + 2 * N))
assert_eq "user_string(\$name) (a char[32] on the stack) and \$items[1]->tag\$ as set" \
	"$(value bad frame)" 0

# ---- a line of a shared library (position-independent): a parameter, a global ----------
tap_run lib -c "$PROG $N" -e '
global si, sem
probe process(@1).library("libsdtprog.so").statement("sdtprog_guarded@sdtprog_sem.c:16") {
	si += $i; sem += @var("taptest_guarded_semaphore@*") }
probe process(@1).library("libsdtprog.so").mark("guarded") { }
probe end { printf("si=%d\nsem=%d\n", si, sem) }' "$PROG"
assert_ok "a statement probe in a library runs" lib
assert_eq "\$i sums to 1+...+N" "$(value si lib)" "$SUM"
assert_eq "@var of the library's semaphore, raised while its marker is probed: 1 at each call" \
	"$(value sem lib)" "$N"

# ---- function entry and return: parameters, pointers followed, @entry -------------------
# sdtprog_walk returns 30 i^2 + 93 i + 15 for call i
tap_run func -c "$PROG $N" -e '
global n, lbl, rv, e2, parms, g, ge, cast
probe process(@1).function("sdtprog_walk") { n++; g += @var("g_value@sdtprog.c")
	p = $items; cast += @cast(p, "struct item", @1)[1]->id + @cast(p, "item", @1)[2]->vals[$n - 1]
	if (user_string($items[1]->label) == "item-1" && $n == 3) lbl++
	if (n == 1) parms = $$parms }
probe process(@1).function("sdtprog_walk").return { rv += $return; e2 += $items[2]->id
	ge += @entry(@var("g_value@*")) }
probe end { printf("n=%d\nlbl=%d\nrv=%d\ne2=%d\nparms=%s\ng=%d\nge=%d\ncast=%d\n", n, lbl, rv, e2,
	parms, g, ge, cast) }' "$PROG"
assert_ok "entry and return probes with pointer chains run" func
assert_eq "\$items[1]->label (an index on a pointer parameter) at every entry" "$(value lbl func)" "$N"
assert_eq ".return: \$return sums to 30 (1^2+...+N^2) + 93 (1+...+N) + 15N" "$(value rv func)" \
	$((30 * SQ + 93 * SUM + 15 * N))
assert_eq ".return: \$items[2]->id is read at the entry (10 (1+...+N) + 2N)" "$(value e2 func)" \
	$((10 * SUM + 2 * N))
assert_eq "@var(\"g_value@sdtprog.c\"): the program's global (10 i at call i)" "$(value g func)" \
	$((10 * SUM))
assert_eq "@entry(@var(\"g_value@*\")) in .return" "$(value ge func)" $((10 * SUM))
assert_eq "@cast(p, \"struct item\", PATH)[1]->id + ...[2]->vals[\$n - 1]: 10 (1+...+N) + N + 6N + (1+...+N)" \
	"$(value cast func)" $((11 * SUM + 7 * N))
assert_grep "\$\$parms at the entry" "$TMP/func.out" '^parms=items=0x[0-9a-f]* n=0x3$'

# int_arg(N) in a .return: the argument registers are the return's there
# (garbage), so with N a number it is read at the entry, as @entry(...);
# n is 3 at every call, items the pointer the entry saw
tap_run rarg -c "$PROG $N" -e '
global n, p
probe process(@1).function("sdtprog_walk").return {
	n += int_arg(2); p += pointer_arg(1) == @entry(pointer_arg(1)) && ulong_arg(1) == $items }
probe end { printf("n=%d\np=%d\n", n, p) }' "$PROG"
assert_eq "int_arg(2) in a .return is the entry's (3 at each of N calls)" "$(value n rarg)" $((3 * N))
assert_eq "pointer_arg(1), ulong_arg(1) in a .return are the entry's" "$(value p rarg)" "$N"
tap_run rargvar -p4 -e '
probe process(@1).function("sdtprog_walk").return { i = 2; println(int_arg(i)) }' "$PROG"
assert_rc "int_arg(i) in a .return (not a number: unknown at the entry) is refused" rargvar 1
assert_grep "... saying to write @entry(int_arg(N))" "$TMP/rargvar.err" \
	"^<input>:2:68: error: int_arg() in the return probe .* write @entry(int_arg(N)), or int_arg(N) with N a number"

# ---- functions by source file, inlined copies, PLT stubs ---------------------------------
# main's atoi(argv[1]) is glibc's inline wrapper of strtol (stdlib.h), inlined at -O2
tap_run where -c "$PROG $N" -e '
global f, fl, inl, arg, plt, snp, pret, pn, plain
probe process(@1).function("sdtprog_walk@sdtprog.c") { f++; pn = pp() }
probe process(@1).function("atoi") { plain++ }
probe process(@1).function(@2) { fl++ }
probe process(@1).function("atoi").inline { inl++; arg = user_string($__nptr) }
probe process(@1).plt("sdtprog_guarded") { plt++ }
probe process(@1).plt("snprintf") { if ($$name == "snprintf") snp++ }
probe process(@1).plt("sdtprog_guarded").return { pret++ }
probe end { printf("f=%d\nfl=%d\ninl=%d\narg=%s\nplt=%d\nsnp=%d\npret=%d\npn=%s\nplain=%d\n", f, fl,
	inl, arg, plt, snp, pret, pn, plain) }' "$PROG" "*@sdtprog.c:$((LINE - 16))-$((LINE - 5))"
assert_ok "function(NAME@FILE), .inline and .plt run" where
assert_eq "function(\"sdtprog_walk@sdtprog.c\"): one hit per call" "$(value f where)" "$N"
assert_grep "its pp() names the line it is declared on" "$TMP/where.out" \
	"^pn=process(\"$PROG\").function(\"sdtprog_walk@sdtprog.c:[0-9]*\")\$"
assert_eq "function(\"*@sdtprog.c:A-B\"): the functions declared on those lines (sdtprog_seen, sdtprog_walk)" \
	"$(value fl where)" $((4 * N))
assert_eq "function(\"atoi\").inline: its one inlined copy, once" "$(value inl where)" 1
assert_eq "with its parameter, main's argv[1]" "$(value arg where)" "$N"
assert_eq "function(\"atoi\"), as stap, is its out-of-line copies (none here) and its inlined one" \
	"$(value plain where)" 1
assert_eq "plt(\"sdtprog_guarded\"): the library call's stub, once per call" "$(value plt where)" "$N"
assert_eq "plt(\"snprintf\"): 4 calls per loop, \$\$name is its name" "$(value snp where)" $((4 * N))
assert_eq "plt(...).return" "$(value pret where)" "$N"

# ---- glibc's own debug file (libc6-dbg: found by build id under /usr/lib/debug) ----------
# main's atoi(argv[1]) calls strtol(argv[1], NULL, 10) once
LIBC=$(ldd "$PROG" | sed -n 's|.*libc\.so\.6 => \([^ ]*\) .*|\1|p')
if [ -n "$LIBC" ] && "$TAP_E2E_BUILD/tap" -L "process(\"$LIBC\").function(\"strtol\")" 2>/dev/null |
	grep -q '\$nptr'; then
	tap_run libc -c "$PROG $N" -e '
global n, ok
probe process(@1).function("strtol") { if (pid() == target()) { n++
	if (user_string($nptr) == @2 && $base == 10) ok++ } }
probe end { printf("n=%d\nok=%d\n", n, ok) }' "$LIBC" "$N"
	assert_ok "a libc function with its parameters from the separate debug file" libc
	assert_eq "strtol: once, from atoi, with argv[1] and base 10" "$(value n libc)/$(value ok libc)" "1/1"
else
	echo "# uvars: no debug file for $LIBC (libc6-dbg): its part not run"
fi

# ---- -L ---------------------------------------------------------------------------------
tap_run list -L "$STMT"
assert_eq "-L lists the line with its variables and their types" "$(out list)" \
	"$STMT \$items:struct item* \$n:long \$it:struct item* \$acc:long \$k:long"
tap_run lines -L "process(\"$PROG\").statement(\"sdtprog_walk@sdtprog.c:*\")"
assert_grep "-L with line * lists the function's lines, this one among them" "$TMP/lines.out" \
	"^process(\"$PROG\").statement(\"sdtprog_walk@sdtprog.c:$LINE\") "
assert_no_grep "and no line of another function" "$TMP/lines.out" "sdtprog_add\|main@"

# ---- errors -----------------------------------------------------------------------------
tap_run gone -p2 -e "probe $STMT { print(\$items) }"
assert_rc "a parameter its caller's register held, gone on the line, is a pass-2 error" gone 1
assert_grep "saying why and where it can be read" "$TMP/gone.err" \
	"'\$items' in $STMT: it is known only as a value its caller passed (DW_OP_entry_value), which is gone at the address; it can be read at sdtprog.c:[0-9]* (0x"
tap_run nosuch -p2 -e "probe $STMT { print(\$nope) }"
assert_grep "a name not in scope lists those that are" "$TMP/nosuch.err" \
	"unable to find target variable '\$nope' in $STMT (its variables: \$it \$items \$n \$acc \$k)"
tap_run inner -p2 -e "probe process(\"$PROG\").function(\"sdtprog_walk\") { print(\$it) }"
assert_grep "a block's local is not in scope at the entry" "$TMP/inner.err" \
	"unable to find target variable '\$it' in process(\"$PROG\").function(\"sdtprog_walk\")"
tap_run member -p2 -e "probe $STMT { print(\$it->nope) }"
assert_grep "a member the struct lacks" "$TMP/member.err" "'nope' is not a member of struct item"
tap_run struct -p2 -e "probe $STMT { print(\$it->inner) }"
assert_grep "a struct is not a value" "$TMP/struct.err" \
	"'\$it->inner' is a struct pair, not a value: read one of its members, or print it with '\$it->inner\$'"
tap_run varret -p2 -e "probe process(\"$PROG\").function(\"sdtprog_walk\").return { print(@var(\"g_value@sdtprog.c\")) }"
assert_grep "@var in a .return probe points to @entry" "$TMP/varret.err" \
	"'@var(\"g_value@sdtprog.c\")' in a .return probe: read it at the entry, @entry(@var(\"g_value@sdtprog.c\"))"
tap_run novar -p2 -e "probe $STMT { print(@var(\"nope@sdtprog.c\")) }"
assert_grep "@var of a name no file defines" "$TMP/novar.err" \
	"no variable nope is defined at the top of a source file sdtprog.c"
tap_run inlret -p2 -e "probe process(\"$PROG\").function(\"atoi\").inline.return { }"
assert_grep "an inlined copy has no return to probe" "$TMP/inlret.err" \
	"is the return of an inlined copy, which has no return instruction to probe"
tap_run noinl -p2 -e "probe process(\"$PROG\").function(\"sdtprog_add\").inline { }"
assert_grep "a function never inlined has no .inline" "$TMP/noinl.err" \
	"matches no inlined copy of a function in the DWARF of $PROG"
tap_run call -p2 -e "probe process(\"$PROG\").function(\"atoi\").call { }"
assert_grep ".call leaves the inlined copies out" "$TMP/call.err" \
	"function(\"atoi\").call' matches no function in the symbol table of $PROG"
tap_run noplt -p2 -e "probe process(\"$PROG\").plt(\"nope\") { }"
assert_grep "a PLT stub that is not there" "$TMP/noplt.err" "matches no PLT stub of $PROG"
tap_run notype -p2 -e "probe $STMT { print(@cast(\$it, \"struct nope\", \"$PROG\")->id) }"
assert_grep "@cast of a type the DWARF lacks" "$TMP/notype.err" \
	"@cast(..., \"struct nope\", \"$PROG\"): no type 'struct nope' is defined in the DWARF"
tap_run noline -p2 -e "probe process(\"$PROG\").statement(\"sdtprog_walk@sdtprog.c:$((LINE - 5))\") { }"
assert_rc "a line with no code is a pass-2 error" noline 1
assert_grep "naming the lines near it with code" "$TMP/noline.err" \
	"names no line with code in $PROG (lines near it with code: .*$LINE"
tap_run badspec -p2 -e "probe process(\"$PROG\").statement(\"sdtprog_walk\") { }"
assert_grep "a statement needs FUNC@FILE[:LINE]" "$TMP/badspec.err" \
	"needs a function and a file, and maybe a line: statement(\"FUNC@FILE\[:LINE\]\")"
cp "$PROG" "$TMP/stripped" && strip "$TMP/stripped" || fail "strip" "strip failed"
tap_run stripped -p2 -e "probe process(\"$TMP/stripped\").statement(\"sdtprog_walk@sdtprog.c:$LINE\") { }"
assert_grep "a stripped program has no line table: said so" "$TMP/stripped.err" \
	"the program has no DWARF (build it with -g, or install its debug symbols)"
finish
