#!/bin/sh
# SPDX-License-Identifier: MIT
# Which files a process(...) point names, and the registers of the probed
# thread: wildcards in the path (glob(3): one probe per ELF file, one per
# inode, text files skipped), the multiarch directory for /lib64 and
# /lib*/NAME paths written for other distributions, library("PATTERN")
# over the libraries a program needs, an optional ('?') user-space point,
# register()/u_register() and int_arg(N)/long_arg(N) on a function's entry,
# and what stap's security band-aids use: @var("NAME"), @mm(), raise().
# tests/e2e/sdtprog.c calls sdtprog_add(100 i, -i, name, 7) for i = 1..N.
#
. "$(dirname "$0")/lib.sh"
require_kernel
PROG=$TAP_E2E_BUILD/tests/e2e/sdtprog
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
N=12
SUM=$((N * (N + 1) / 2))

# ---- wildcards: two copies, a hard link to one, a text file, a directory --------
mkdir -p "$TMP/bin1" "$TMP/bin2" "$TMP/bin3/sdtprog-x"
cp "$PROG" "$TMP/bin1/sdtprog-a"
cp "$PROG" "$TMP/bin2/sdtprog-b"
# each copy finds its library through $ORIGIN, as the original does
cp "$(dirname "$PROG")/libsdtprog.so" "$TMP/bin1/"
cp "$(dirname "$PROG")/libsdtprog.so" "$TMP/bin2/"
ln "$TMP/bin1/sdtprog-a" "$TMP/bin1/sdtprog-link"
echo 'not a program' >"$TMP/bin2/sdtprog-text"
tap_run glob -p2 -e 'probe process(@1).function("sdtprog_add") { }' "$TMP/bin*/sdtprog-*"
assert_ok "a path with wildcards compiles" glob
assert_eq "one probe per ELF file, one per inode (2 copies, a link, a text file, a directory)" \
	"$(grep -c 'function("sdtprog_add")' "$TMP/glob.out")" 2
assert_grep "each probe names its file" "$TMP/glob.out" \
	"^process(\"$TMP/bin2/sdtprog-b\").function(\"sdtprog_add\")"
tap_run globrun -c "$TMP/bin2/sdtprog-b $N" -e '
global n, s
probe process(@1).function("sdtprog_add") { n++; s += $a }
probe end { printf("n=%d\ns=%d\n", n, s) }' "$TMP/bin[12]/sdtprog-[ab]"
assert_ok "a probe on a pattern runs" globrun
assert_eq "the matching file's calls are counted: N" "$(value n globrun)" "$N"
assert_eq "with its parameters: 100 (1+...+N)" "$(value s globrun)" $((100 * SUM))
tap_run globnone -p2 -e 'probe process(@1).function("main") { }' "$TMP/bin2/sdtprog-t*"
assert_rc "a pattern matching only a text file is refused" globnone 1
assert_grep "... saying why" "$TMP/globnone.err" "matches no file uprobes can take here.*not an ELF file"
tap_run globnofunc -p2 -e 'probe process(@1).function("no_such_fn") { }' "$TMP/bin*/sdtprog-*"
assert_rc "a function in none of the matches is refused" globnofunc 1
assert_grep "... naming a file it looked in" "$TMP/globnofunc.err" "process(\"$TMP/bin"
tap_run globopt -p2 -e 'probe process(@1).function("no_such_fn") ? { } probe begin { }' \
	"$TMP/bin*/sdtprog-*"
assert_ok "... and skipped when the point is optional" globopt

# ---- the multiarch directory --------------------------------------------------
tap_run lib64 -p2 -e 'probe process("/lib64/libc.so.6").function("getpid") { }'
assert_rc "/lib64/libc.so.6 (a RHEL path) compiles" lib64 0
assert_grep "... on the library of the multiarch directory" "$TMP/lib64.out" \
	'process("/usr/lib/x86_64-linux-gnu/libc.so.6").function("getpid")'
assert_grep "... with a warning that says so" "$TMP/lib64.err" "warning: .*multiarch"
tap_run libstar -p2 -e 'probe process("/lib*/libc.so.6").function("getpid") { }'
assert_rc "/lib*/libc.so.6 compiles" libstar 0
assert_grep "... on the 64-bit libc" "$TMP/libstar.out" \
	'process("/usr/lib/x86_64-linux-gnu/libc.so.6").function("getpid")'

# ---- a function only the debug file names: libc6-dbg's symbol table -----------
LIBC=/usr/lib/x86_64-linux-gnu/libc.so.6
tap_run dbgsym -c "$PROG 3" -e '
global n
probe process(@1).function("_int_malloc") { if (pid() == target()) n++ }
probe end { printf("n=%d\n", n) }' "$LIBC"
assert_ok "_int_malloc (static: in the symbol table of libc's debug file only) is probed" dbgsym
assert_range "... and the program's first malloc() reaches it" "$(value n dbgsym)" 1 1000

# ---- library("PATTERN"): the libraries the program needs ----------------------
tap_run libpat -c "$PROG 3" -e '
global n
probe process(@1).library("libc.so*").function("printf") { if (pid() == target()) n++ }
probe end { printf("n=%d\n", n) }' "$PROG"
assert_ok "library(\"libc.so*\") runs" libpat
assert_eq "... and sees the program's one call of printf() in libc" "$(value n libpat)" 1
tap_run libnone -p2 -e 'probe process(@1).library("libnosuch*").function("f") { }' "$PROG"
assert_rc "a library pattern matching none of the program's is refused" libnone 1
assert_grep "... saying how many it needs" "$TMP/libnone.err" "none of the [1-9][0-9]* that"

# ---- optional points ---------------------------------------------------------
tap_run optional -c "$PROG $N" -e '
global n
probe process(@1).function("sdtprog_add") ? { n++ }
probe process(@1).function("no_such_function") ? { n += 1000 }
probe end { printf("n=%d\n", n) }' "$PROG"
assert_ok "an optional user-space point runs" optional
assert_eq "... its probe fires (it produced no probe at all before)" "$(value n optional)" "$N"

# ---- registers and arguments --------------------------------------------------
tap_run regs -c "$PROG $N" -e '
global n, a1, a2, r, e, u, c, bad
probe process(@1).function("sdtprog_add") {
	n++; a1 += long_arg(1); a2 += int_arg(2); r += register("rdi")
	e += register("esi"); u += u_register("esi"); c += int_arg(4)
	if (register("rip") != uaddr() || long_arg(7) != 0) bad++
	if (probing_32bit_app() != 0 || uarch_bytes() != 8 || arch_bytes() != 8) bad++
}
probe end { printf("n=%d\na1=%d\na2=%d\nr=%d\ne=%d\nu=%d\nc=%d\nbad=%d\n", n, a1, a2, r, e, u, c, bad) }' \
	"$PROG"
assert_ok "register() and int_arg() in a function probe run" regs
assert_eq "long_arg(1): the first parameter (a long), 100 (1+...+N)" "$(value a1 regs)" $((100 * SUM))
assert_eq "int_arg(2): the second (an int), -(1+...+N)" "$(value a2 regs)" $((-SUM))
assert_eq "register(\"rdi\"): the first again" "$(value r regs)" $((100 * SUM))
assert_eq "register(\"esi\"): the second's low 32 bits, sign-extended" "$(value e regs)" $((-SUM))
assert_eq "u_register(\"esi\"): the same, not sign-extended" "$(value u regs)" \
	$((N * 4294967296 - SUM))
assert_eq "int_arg(4): the fourth, 7 each time" "$(value c regs)" $((7 * N))
assert_eq "register(\"rip\") is the probed address; long_arg(7) (the stack) reads 0; a 64-bit program (probing_32bit_app(), uarch_bytes())" \
	"$(value bad regs)" 0
tap_run regbad -p4 -e 'probe process(@1).function("sdtprog_add") { print(register("xmm0")) }' "$PROG"
assert_rc "an unknown register is refused" regbad 1
assert_grep "... by name, at the name" "$TMP/regbad.err" "unknown register 'xmm0'"
tap_run regtp -p4 -e 'probe kernel.trace("sched:sched_switch") { print(register("rax")) }'
assert_rc "register() in a tracepoint probe is refused" regtp 1
assert_grep "... saying where it works" "$TMP/regtp.err" "reads the registers of a process(...) probe"

# ---- what stap's security band-aids use -----------------------------------------
# @var("NAME") of the probed file (any source file's global), @mm(), raise() (-g)
tap_run bandaid -c "$PROG $N" -e '
global n, gv, env
probe process(@1).function("sdtprog_add") {
	n++; gv += @var("g_value")
	mm = @task(task_current())->mm
	env = @mm(mm)->env_end > @mm(mm)->env_start
}
probe end { printf("n=%d\ngv=%d\nenv=%d\n", n, gv, env) }' "$PROG"
assert_ok "@var(\"g_value\") without a file, @mm(ptr)->env_start run" bandaid
assert_eq "@var(\"g_value\"): the global as the program set it, 10 (1+...+N)" \
	"$(value gv bandaid)" $((10 * SUM))
assert_eq "@mm(mm)->env_end > env_start: the process has an environment" "$(value env bandaid)" 1
tap_run raise -g -c "sh -c '$PROG $N; echo status=\$?'" -e '
probe process(@1).function("sdtprog_add") { if ($a == 300) raise(9) }' "$PROG"
assert_grep "raise(9) under -g kills the thread at the third call (status 137)" "$TMP/raise.out" \
	'^status=137$'
tap_run raiseng -p4 -e 'probe process(@1).function("sdtprog_add") { raise(9) }' "$PROG"
assert_rc "raise() without -g is refused" raiseng 1
assert_grep "... naming guru mode" "$TMP/raiseng.err" "raise() sends a signal.*guru mode (-g)"
# ld.so's __tunables_init: its debug file's symbol table says __GI___tunables_init
LDSO=/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
tap_run dwname -p2 -e 'probe process(@1).function("__tunables_init") { }' "$LDSO"
assert_ok "a function only the DWARF names so (ld.so's __tunables_init) is found" dwname
assert_grep "... at its address" "$TMP/dwname.out" 'function("__tunables_init@'

finish
