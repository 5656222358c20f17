#!/bin/sh
# SPDX-License-Identifier: MIT
# The utility functions of stap's tapsets (docs/language.md, "Functions"):
# tokenize, ansi_*, stopwatches, the fp helpers, argv, cmdline_args,
# pexecname, proc_mem_*, task_utime/stime, user_mode/addr/uaddr,
# cpu_clock_*, system/printk/switch_file, and the backtraces, in user
# and kernel probes, with the outputs stap gives.
. "$(dirname "$0")/lib.sh"
require_kernel

# same NAME GOT-FILE WANT-FILE: the files are equal and not empty
same() {
	if [ -s "$3" ] && cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "$(show "$2" got)" "$(show "$3" expected)"
	fi
}

check_lang tapfuncs -- hello world
check_lang tapfuncs_kernel -c "$GEN getppid 1" -- hello world

# ---- refused where a context cannot have them, with the reason --------------

tap_run nostack -p2 -e 'probe begin { print_backtrace() }'
assert_rc "print_backtrace() in a begin probe is refused at pass 2" nostack 1
assert_grep "... saying why" "$TMP/nostack.err" \
	"<input>:1:15: error: function 'print_backtrace' is only available in kernel probes, not in 'begin': begin, end and timer probes run in user space (tap), which has no kernel stack to unwind"
assert_grep "... with a caret" "$TMP/nostack.err" '^ *\^$'
tap_run nofp -p2 -e 'probe timer.profile { print(fp_to_string(0, 1)) }'
assert_grep "fp_to_string() in a kernel probe is refused: eBPF has no floating point" \
	"$TMP/nofp.err" "error: function 'fp_to_string' is not available in kernel probes (timer.profile): eBPF has no floating point"

# ---- kernel stacks: every form agrees with print_backtrace() ----------------

# print_backtrace() and print_stack() resolve in tap (kallsyms),
# sprint_stack() and sprint_backtrace() in the probe (%pS)
tap_run kbt -DMAXSTRINGLEN=4096 -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	print_backtrace(); printf("--\n")
	print_stack(backtrace()); printf("--\n")
	printf("%s--\n%s--\n%s\n", sprint_stack(backtrace()), sprint_backtrace(), backtrace())
}'
assert_ok "kernel backtraces run" kbt
for i in 1 2 3 4 5; do : >"$TMP/kbt.$i"; done
awk 'BEGIN { s = 1 } /^--$/ { s++; next } { print > ("'"$TMP"'/kbt." s) }' "$TMP/kbt.out"
assert_range "print_backtrace() prints the frames" "$(grep -c . "$TMP/kbt.1")" 3 20
assert_no_grep "... as ' 0xADDR : name+0xOFF/0xSIZE [kernel]' lines" "$TMP/kbt.1" \
	-v '^ 0xffffffff[0-9a-f]\{8\} : [A-Za-z_0-9.]*+0x[0-9a-f]*/0x[0-9a-f]* \[kernel\]$'
assert_grep "... up the system call path" "$TMP/kbt.1" ' : do_syscall_64+0x'
assert_no_grep "... without the probe's own eBPF frame" "$TMP/kbt.1" 'bpf_prog_'
same "print_stack(backtrace()) prints what print_backtrace() prints" "$TMP/kbt.2" "$TMP/kbt.1"
same "sprint_stack() in the probe says what tap says" "$TMP/kbt.3" "$TMP/kbt.1"
sed 's/^ 0x[0-9a-f]* : //; s@/0x[0-9a-f]* \[@ [@' "$TMP/kbt.1" >"$TMP/kbt.simple"
same "sprint_backtrace(): 'name+0xOFF [kernel]' lines" "$TMP/kbt.4" "$TMP/kbt.simple"
awk '{ printf "%s ", $1 } END { print "" }' "$TMP/kbt.1" | grep . >"$TMP/kbt.hex"
same "backtrace(): the addresses, each followed by a space" "$TMP/kbt.5" "$TMP/kbt.hex"

# MAXSTRINGLEN=128: sprint_stack keeps whole lines, sprint_backtrace cuts
tap_run kbt128 -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	printf("%s--\n%d\n", sprint_stack(backtrace()), strlen(sprint_backtrace()))
}'
sed -n '/^--$/q; p' "$TMP/kbt128.out" >"$TMP/kbt128.lines"
head -n "$(grep -c . "$TMP/kbt128.lines")" "$TMP/kbt.1" >"$TMP/kbt128.want"
same "sprint_stack() keeps the lines that fit whole" "$TMP/kbt128.lines" "$TMP/kbt128.want"
assert_range "... as many as fit in 127 bytes" "$(wc -c <"$TMP/kbt128.lines")" 60 127
assert_eq "sprint_backtrace() is cut at MAXSTRINGLEN - 1 bytes" "$(tail -n 1 "$TMP/kbt128.out")" 127

# ---- user stacks: resolved with the process's files, while it runs ---------

tap_run ubt -c "$GEN sleep 400" -e 'probe kernel.trace("syscalls:sys_enter_clock_nanosleep") {
	if (pid() != target()) next
	print_ubacktrace()
	printf("u=%s|\ns=%s|\n", ubacktrace(), sprint_ubacktrace())
	printf("--\n"); print_usyms(ubacktrace()); printf("--\n%s", sprint_ustack(ubacktrace()))
}'
assert_ok "user backtraces run" ubt
assert_grep "print_ubacktrace(): the system call's libc function, from libc's .dynsym" "$TMP/ubt.out" \
	'^ 0x[0-9a-f]* : clock_nanosleep+0x[0-9a-f]*/0x[0-9a-f]* \[/.*libc\.so\.6\]$'
first=$(sed -n 's/^ \(0x[0-9a-f]*\) : clock_nanosleep.*/\1/p' "$TMP/ubt.out" | head -n 1)
assert_grep "ubacktrace(): hex addresses, the first the same" "$TMP/ubt.out" "^u=$first \(0x[0-9a-f]* \)*|\$"
assert_grep "sprint_ubacktrace() in a probe: hex lines (the symbols are in the process's files)" \
	"$TMP/ubt.out" "^s=$first\$"
sed -n '/^ 0x/p; /^u=/q' "$TMP/ubt.out" >"$TMP/ubt.print"
sed -n '/^--$/,/^--$/{ /^--$/d; p }' "$TMP/ubt.out" >"$TMP/ubt.usyms"
same "print_usyms(ubacktrace()) prints what print_ubacktrace() prints" "$TMP/ubt.usyms" "$TMP/ubt.print"
assert_eq "sprint_ustack() in a probe: ' ADDR : ADDR' (usymdata is hex there)" \
	"$(sed -n '/^--$/h; $p' "$TMP/ubt.out")" " $first : $first"

# ---- user_mode(), addr(), uaddr() of perf samples ----------------------------

tap_run mode -c "$GEN spin 300" -e 'global u, ue, k, kn
probe timer.profile {
	if (pid() != target()) next
	if (user_mode()) { u++; ue += addr() == uaddr() && addr() > 0 }
	else { k++; kn += addr() < 0 }
}
probe end { printf("u=%d ue=%d k=%d kn=%d\n", u, ue, k, kn) }'
assert_ok "timer.profile with user_mode() runs" mode
u=$(sed -n 's/^u=\([0-9]*\) ue=.*/\1/p' "$TMP/mode.out")
assert_range "a spinning process is sampled in user mode" "$u" 10 100000
assert_grep "... where addr() is uaddr(), a user address, and kernel samples have kernel addresses" \
	"$TMP/mode.out" "^u=$u ue=$u k=\([0-9]*\) kn=\1\$"

# ---- task_utime(), task_stime() ----------------------------------------------

tap_run cputime -c "$GEN spin 300" -e 'probe kernel.trace("sched:sched_process_exit") {
	if (pid() != target()) next
	printf("ut=%d\nst=%d\n", task_utime() / 1000000, task_stime() / 1000000)
}'
assert_range "task_utime(): the CPU time of 300 ms of spinning (a busy machine gives it less), in ms" "$(value ut cputime)" 20 3000
assert_range "task_stime() of it" "$(value st cputime)" 0 100

# ---- proc_mem_*: the kernel's counters and /proc agree ----------------------

tap_run mem -c "$GEN sleep 1000" -e 'global pm
probe kernel.trace("syscalls:sys_enter_clock_nanosleep") {
	if (pid() != target() || pm) next
	pm = pid()
	printf("k %d %d %d %d %d %d\n", proc_mem_size(), proc_mem_rss(), proc_mem_shr(),
	       proc_mem_txt(), proc_mem_data(), proc_mem_size(1))
}
probe timer.ms(200) {
	if (!pm) next
	printf("u %d %d %d %d %d\ns %s\n", proc_mem_size(pm), proc_mem_rss(pm), proc_mem_shr(pm),
	       proc_mem_txt(pm), proc_mem_data(pm), proc_mem_string(pm))
	exit()
}'
assert_ok "proc_mem_* run in both contexts" mem
# shellcheck disable=SC2046 # the numbers are words
set -- $(sed -n 's/^k //p' "$TMP/mem.out") $(sed -n 's/^u //p' "$TMP/mem.out") x x x x x x x x x x x
assert_eq "size, txt and data: the kernel's and /proc's are the same" "$1 $4 $5" "$7 ${10} ${11}"
assert_range "... and they are pages: size over 100" "$1" 100 100000000
rss=$(echo "$8" | tr -cd 0-9)
assert_range "rss: the kernel's per-CPU counters lag /proc's sum a little" "$2" $((${rss:-0} / 2)) "${rss:-0}"
assert_eq "a probe reads 0 for another process" "$6" 0
assert_grep "proc_mem_string(): stap's words" "$TMP/mem.out" \
	'^s size: [ 0-9.]*[KMG], rss: [ 0-9.]*[KMG], shr: [ 0-9.]*[KMG], txt: [ 0-9.]*K, data: [ 0-9.]*[KMG]$'

# ---- cpu_clock_*(cpu) of a CPU that is not there -------------------------------

tap_run cpuerr -e 'probe begin { printf("%d\n", cpu_clock_us(-1)) }'
assert_rc "cpu_clock_us(-1) in user context is a runtime error" cpuerr 1
assert_grep "... as stap says it" "$TMP/cpuerr.err" \
	"^ERROR: cpu is not online near identifier 'cpu_clock_us' at <input>:1:30\$"
tap_run kcpuerr -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) printf("%d\n", cpu_clock_ms(100000)) }'
assert_grep "... and in a kernel probe" "$TMP/kcpuerr.err" \
	"^ERROR: cpu is not online near identifier 'cpu_clock_ms' at <input>:2:40\$"

# ---- system(), printk(), switch_file() ----------------------------------------

tag="taphub-e2e-functions-$$"
tap_run sys -c "$GEN getppid 1" -e 'probe begin { system("echo begin > '"$TMP"'/sys.begin"); printk(6, "'"$tag"' user") }
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	system("echo kernel $PPID > '"$TMP"'/sys.kernel")
	printk(4, "'"$tag"' kernel")
}'
assert_ok "system() and printk() run" sys
if wait_for 10 test -s "$TMP/sys.begin"; then pass "system() of a begin probe ran"; else fail "system() of a begin probe ran"; fi
if wait_for 10 test -s "$TMP/sys.kernel"; then pass "system() of a kernel probe ran"; else fail "system() of a kernel probe ran"; fi
assert_grep "... with sh -c, in the background (its parent is not tap)" "$TMP/sys.kernel" '^kernel [0-9]*$'
assert_no_grep "... not a child of tap" "$TMP/sys.kernel" "^kernel $$\$"
dmesg -x 2>/dev/null | grep "$tag" >"$TMP/dmesg"
assert_grep "printk(6, msg) of a user probe: the kernel log at level 6 (info)" "$TMP/dmesg" \
	"^user *:info *: .*$tag user\$"
assert_grep "printk(4, msg) of a kernel probe: level 4 (warn)" "$TMP/dmesg" "^user *:warn *: .*$tag kernel\$"

tap_run sw -o "$TMP/sw.out" -e 'global n
probe timer.ms(50) { printf("tick %d\n", ++n); if (n == 2) switch_file(); if (n == 4) exit() }'
assert_ok "switch_file() runs" sw
assert_eq "switch_file(): what came before stays in the -o file" "$(cat "$TMP/sw.out")" "tick 1
tick 2"
assert_eq "... the rest goes to the next one" "$(cat "$TMP/sw.out.1" 2>/dev/null)" "tick 3
tick 4"

tap_run ksw -o "$TMP/ksw.out" -c "$GEN getppid 2" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	if (n++) switch_file()
	printf("call %d\n", n)
}'
assert_ok "switch_file() of a kernel probe runs" ksw
assert_eq "... what the probe printed before it is in the -o file" "$(cat "$TMP/ksw.out")" "call 1"
assert_eq "... what it printed after, in the next one" "$(cat "$TMP/ksw.out.1" 2>/dev/null)" "call 2"

finish
