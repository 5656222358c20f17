#!/bin/sh
# SPDX-License-Identifier: MIT
# Functions of SystemTap's tapsets that its example scripts call
# (docs/language.md, "Functions"): the user-memory readers of
# uconversions.stp (plain: 0 for a bad address; _error: a runtime error;
# _warn: a warning and 0), AF_INET/AF_INET6, modname(), umodname(),
# target_set_pid()/target_set_report(), pstrace(), the task path
# functions, addr_to_node() (errors only, see memory.stp); each against
# values known in advance.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- user_* readers: gen write 1 16 writes 16 bytes 'x' (0x78), a NUL after ----------
tap_run uread -c "$GEN write 1 16" -e 'probe kernel.trace("syscalls:sys_enter_write") {
	if (pid() == target()) {
		b = $buf
		printf("char=%d\nint8=%d\nuint8=%d\nshort=%d\nint16=%d\nuint16=%d\nushort=%d\n",
			user_char(b), user_int8(b), user_uint8(b), user_short(b), user_int16(b),
			user_uint16(b), user_ushort(b))
		printf("int=%d\nint32=%d\nuint32=%d\nlong=%d\nint64=%d\nuint64=%d\nulong=%d\n",
			user_int(b), user_int32(b), user_uint32(b), user_long(b), user_int64(b),
			user_uint64(b), user_ulong(b))
		printf("tail=%d\nechar=%d\neint64=%d\neuint16=%d\n", user_int32(b + 13),
			user_char_error(b), user_int64_error(b), user_uint16_error(b))
	}
}'
assert_ok "user_* readers run" uread
for k in char int8 uint8; do
	assert_eq "user_$k of 'x'" "$(value $k uread)" 120
done
for k in short int16 uint16 ushort; do
	assert_eq "user_$k of 'xx'" "$(value $k uread)" 30840
done
for k in int int32 uint32; do
	assert_eq "user_$k of 'xxxx'" "$(value $k uread)" 2021161080
done
for k in long int64 uint64 ulong; do
	assert_eq "user_$k of 8 'x'" "$(value $k uread)" 8680820740569200760
done
assert_eq "user_int32 of 'xxx' and the NUL after them" "$(value tail uread)" 7895160
assert_eq "user_char_error reads as user_char" "$(value echar uread)" 120
assert_eq "user_int64_error reads as user_int64" "$(value eint64 uread)" 8680820740569200760
assert_eq "user_uint16_error reads as user_uint16" "$(value euint16 uread)" 30840

# a bad address: 0 from the plain ones, a warning from _warn, an error from _error
tap_run ubad -c "$GEN getppid 2" -e 'global n, s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) {
	n++; s = sprintf("plain=%d\nwarn=%d\n", user_long(0) + user_int(8) + user_uint64(16) + user_char(1),
		user_long_warn(16)) } }
probe end { printf("n=%d\n", n); print(s) }'
assert_rc "user_long(0) and user_long_warn(16) are no errors" ubad 0
assert_eq "a bad address reads as 0" "$(value plain ubad)" 0
assert_eq "user_long_warn of a bad address is 0" "$(value warn ubad)" 0
assert_eq "the probe runs on after them" "$(value n ubad)" 2
assert_grep "user_long_warn warns as stap does" "$TMP/ubad.err" \
	'^WARNING: user long copy fault 0x10 \[man error::fault\]$'
tap_run uerr -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) println(user_uint64_error(0)) }'
assert_rc "user_uint64_error(0) is a runtime error" uerr 1
assert_grep "user_uint64_error: the error names it" "$TMP/uerr.err" \
	"^ERROR: user read fault near identifier 'user_uint64_error'"
tap_run ucatch -c "$GEN getppid 1" -e 'global s
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target())
	try { s = sprint(user_int_error(8)) } catch { s = "caught" } }
probe end { println(s) }'
assert_eq "user_int_error's error is caught by try" "$(out ucatch)" caught

# ---- AF_INET, AF_INET6 -----------------------------------------------------------------
tap_run af -e 'probe begin { printf("%d %d\n", AF_INET(), AF_INET6()); exit() }'
assert_eq "AF_INET and AF_INET6" "$(out af)" "2 10"

# ---- modname, umodname -----------------------------------------------------------------
tap_run mod -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) {
		printf("k=%s\nu=%s\n", modname(addr()), umodname(uaddr()))
		try { println(modname(0)) } catch (e) { printf("kerr=%s\n", e) }
		try { println(umodname(0)) } catch (e) { printf("uerr=%s\n", e) }
	}
}'
assert_ok "modname and umodname in a kernel probe" mod
assert_grep "modname of a kernel address is kernel" "$TMP/mod.out" '^k=kernel$'
libc=$(readlink -f "$(ldd "$GEN" | awk '/libc\.so/ { print $3 }')")
assert_grep "umodname of the syscall's caller is libc's path" "$TMP/mod.out" "^u=$libc\$"
assert_grep "modname(0): stap's error" "$TMP/mod.out" '^kerr=Cannot determine kernel module name$'
assert_grep "umodname(0): stap's error" "$TMP/mod.out" '^uerr=module cannot be found$'
sched=$(awk '$3 == "schedule" { print "0x" $1; exit }' /proc/kallsyms)
tap_run umod -e 'probe begin { printf("k=%s\n", modname($1))
	try { println(umodname(0)) } catch (e) { printf("uerr=%s\n", e) }
	try { println(modname(0)) } catch (e) { printf("kerr=%s\n", e) }
	exit() }' "$sched"
assert_grep "modname in a begin probe (kallsyms)" "$TMP/umod.out" '^k=kernel$'
assert_grep "umodname(0) in a begin probe: the error" "$TMP/umod.out" '^uerr=module cannot be found$'
assert_grep "modname(0) in a begin probe: the error" "$TMP/umod.out" '^kerr=Cannot determine kernel module name$'

# ---- task paths: cwd and exe of the target, as the kernel's own links say ---------------
mkdir -p "$TMP/cwd dir/sub"
(cd "$TMP/cwd dir/sub" && tap_run paths -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) {
		t = task_current()
		printf("cwd=%s\n", fullpath_struct_path(task_cwd_path(t)))
		printf("exe=%s\n", fullpath_struct_file(t, current_exe_file()))
		printf("exe2=%s\n", fullpath_struct_file(t, task_exe_file(t)))
		printf("none=%s\n", task_dentry_path(t, 0, 0))
		try { task_cwd_path(0) } catch (e) { printf("err=%s\n", e) }
	}
}')
assert_ok "the path functions run" paths
assert_grep "task_cwd_path: the target's cwd" "$TMP/paths.out" "^cwd=$(cd "$TMP/cwd dir/sub" && pwd -P)\$"
assert_grep "current_exe_file: the target's binary" "$TMP/paths.out" "^exe=$(readlink -f "$GEN")\$"
assert_grep "task_exe_file(task_current()) is the same" "$TMP/paths.out" "^exe2=$(readlink -f "$GEN")\$"
assert_grep "task_dentry_path of nothing: <unknown>" "$TMP/paths.out" '^none=<unknown>$'
assert_grep "task_cwd_path(0): an error" "$TMP/paths.out" '^err=invalid task_struct pointer$'
# a cwd on another mount (the bpf filesystem): the walk crosses the mount point
(cd /sys/fs/bpf && tap_run pathsmnt -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) printf("cwd=%s\n", fullpath_struct_path(task_cwd_path(task_current()))) }')
assert_eq "task_cwd_path across a mount point" "$(out pathsmnt)" "cwd=/sys/fs/bpf"
# in user context (begin, timer, end): the runner's task through the kernel reader,
# and stap's errors for task 0 and -1 (task_paths.stp)
(cd "$TMP/cwd dir/sub" && tap_run upaths -e 'global n
function show(where) {
	t = task_current()
	printf("%s cwd=%s\n", where, fullpath_struct_path(task_cwd_path(t)))
	printf("%s exe=%s\n", where, fullpath_struct_file(t, current_exe_file()))
}
probe begin {
	show("begin")
	printf("begin exe2=%s\n", fullpath_struct_file(task_current(), task_exe_file(task_current())))
	printf("begin none=%s\n", task_dentry_path(task_current(), 0, 0))
	try { task_cwd_path(0) } catch (e) { printf("err0=%s\n", e) }
	try { println(fullpath_struct_path(task_cwd_path(-1))) } catch (e) { printf("err1=%s\n", e) }
}
probe timer.ms(10) { if (!n++) { show("timer"); exit() } }
probe end { show("end") }')
tap_exe=$(readlink -f "$TAP")
dir=$(cd "$TMP/cwd dir/sub" && pwd -P)
assert_ok "the path functions in user context" upaths
assert_eq "task_cwd_path and current_exe_file in begin, timer, end: tap's own" \
	"$(grep -E '(cwd|exe)=' "$TMP/upaths.out" | grep -v exe2= | tr '\n' '|')" \
	"begin cwd=$dir|begin exe=$tap_exe|timer cwd=$dir|timer exe=$tap_exe|end cwd=$dir|end exe=$tap_exe|"
assert_grep "task_exe_file in begin" "$TMP/upaths.out" "^begin exe2=$tap_exe\$"
assert_grep "task_dentry_path of nothing in begin: <unknown>" "$TMP/upaths.out" '^begin none=<unknown>$'
assert_grep "task_cwd_path(0) in begin: an error" "$TMP/upaths.out" '^err0=invalid task_struct pointer$'
assert_grep "task_cwd_path(-1) in begin: an error" "$TMP/upaths.out" '^err1=invalid task_struct pointer$'
(cd /sys/fs/bpf && tap_run upathsmnt -e 'probe begin {
	printf("cwd=%s\n", fullpath_struct_path(task_cwd_path(task_current()))); exit() }')
assert_eq "task_cwd_path across a mount point in begin" "$(out upathsmnt)" "cwd=/sys/fs/bpf"

# ---- pstrace: the target, tap, timeout, this shell and its ancestors up to init ------------
# (MAXSTRINGLEN 1024: a test run's ancestry may not fit the default 128)
tap_run ps -DMAXSTRINGLEN=1024 -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) printf("%d [%s]\n", target(), pstrace(task_current())) }'
assert_ok "pstrace runs" ps
t=$(out ps | cut -d' ' -f1)
# the processes above timeout: this shell and its ancestors, init left out
depth=0 p=$$
while [ "$p" -gt 1 ]; do
	depth=$((depth + 1))
	p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")
done
assert_grep "pstrace starts with the task, then tap, then timeout" "$TMP/ps.out" \
	"^$t \[ gen($t) tap([0-9]*) timeout([0-9]*) "
assert_eq "pstrace has every ancestor but init" \
	"$(out ps | sed 's/^[0-9]* \[//; s/\]$//' | tr ' ' '\n' | grep -c .)" $((depth + 3))
assert_no_grep "pstrace leaves init out" "$TMP/ps.out" '(1)\]'
# a trace longer than MAXSTRINGLEN is cut there, not at its first bytes
tap_run pscut -DMAXSTRINGLEN=32 -c "$GEN getppid 1" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) printf("[%s]\n", pstrace(task_current())) }'
assert_grep "a long pstrace is cut at MAXSTRINGLEN" "$TMP/pscut.out" '^\[ gen([0-9]*) tap([0-9]*) '
assert_eq "... to MAXSTRINGLEN - 1 bytes" "$(out pscut | sed 's/^\[//; s/\]$//' | tr -d '\n' | wc -c)" 31

# ---- target_set: the target and what it forks ------------------------------------------
tap_run ts -c "$GEN fork 3" -e 'global n
probe kprocess.exit { if (target_set_pid(pid())) n++ }
probe end { printf("n=%d\ninit=%d\n", n, target_set_pid(1)) }'
assert_ok "target_set_pid runs" ts
assert_eq "the target and its 3 children end in the target set" "$(value n ts)" 4
assert_eq "init is not in the target set" "$(value init ts)" 0
tap_run tsr -c "sh -c 'sleep 1 & sleep 1 & wait'" -e 'global n
probe process.begin { if (target_set_pid(pid())) n++ }
probe timer.ms(20) { if (n >= 2) { printf("target=%d\n", target()); target_set_report(); exit() } }'
assert_ok "target_set_report runs" tsr
t=$(value target tsr)
assert_eq "target_set_report: a line per member, by pid" \
	"$(sed -n 's/^\([0-9]*\) begat \([0-9]*\)$/\1 \2/p' "$TMP/tsr.out" | awk -v t="$t" '
		NR == 1 && $2 == t { ok++ } NR > 1 && $1 == t && $2 > t { ok++ } END { print NR, ok }')" "3 3"
assert_grep "target_set_report: stap's header" "$TMP/tsr.out" '^target set:$'

# ---- addr_to_node: stap's error for a user address, and for a kernel one here ------------
tap_run a2n -c "$GEN write 1 16" -e 'global ue, ke, n
probe vm.pagefault { if (pid() == target() && !n++) try { addr_to_node(address) } catch (e) { ue = e } }
probe begin { try { addr_to_node(0xffff888000000000) } catch (e) { ke = e } }
probe end { printf("u=%s\nk=%s\n", ue, ke) }'
assert_ok "addr_to_node's errors are caught" a2n
assert_grep "addr_to_node of a user address: stap's error" "$TMP/a2n.out" \
	'^u=invalid kernel virtual address 0x[0-9a-f]*$'
assert_grep "addr_to_node of a kernel address: why not" "$TMP/a2n.out" \
	'^k=addr_to_node: the NUMA node of a kernel address cannot be read from eBPF$'

# ---- pn(): the probe as the script names it, wildcards expanded -----------------------------
tap_run pn -c "$GEN getppid 2" -e 'global c
probe syscall.getpp*, syscall.getppi*.return, kernel.trace("sched:sched_process_exi*") {
	if (pid() == target()) c[pn()]++ }
probe begin { println(pn()) }
probe end { foreach (k+ in c) printf("%s=%d\n", k, c[k]) }'
assert_ok "pn() runs" pn
assert_eq "pn() of each probe" "$(out pn | tr '\n' ' ')" \
	"begin kernel.trace(\"sched:sched_process_exit\")=1 syscall.getppid=2 syscall.getppid.return=2 "

# ---- task_fd_lookup: the target's descriptors, named: a pipe, the output file, none ---------
tap_run fds -c "sh -c 'echo | $GEN getppid 1'" -e 'probe kernel.trace("syscalls:sys_enter_getppid") {
	if (target_set_pid(pid()) && execname() == "gen") {
		t = task_current()
		for (i = 0; i < 4; i++)
			try { printf("%d: %s\n", i, fullpath_struct_file(t, task_fd_lookup(t, i))) }
			catch (e) { printf("%d: %s\n", i, e) }
	}
}'
assert_ok "task_fd_lookup runs" fds
assert_grep "fd 0, a pipe: pipe:[inode] as stap names it" "$TMP/fds.out" '^0: pipe:\[[0-9][0-9]*\]$'
assert_grep "fd 1: tap's output file" "$TMP/fds.out" "^1: $(readlink -f "$TMP/fds.out")\$"
assert_grep "fd 3: none, stap's error" "$TMP/fds.out" '^3: cannot find file in task$'

# ---- prometheus.stpm's label quoting ---------------------------------------------------
tap_run promq -e 'probe begin { println(_prom_quote("a\"b\\c\nd")); exit() }'
assert_eq "_prom_quote escapes \\, \" and newlines" "$(out promq)" '"a\"b\\c\nd"'

# ---- json.stp: the metrics' descriptions (its json_data probe is refused) ----------
tap_run json -e 'probe begin {
	printf("%d %d %d %d %d %d\n", json_set_prefix("p"), json_add_numeric_metric("n", "a number", "s"),
	       json_add_string_metric("s", ""), json_add_array("a", "an array"),
	       json_add_array_numeric_metric("a", "m", "", ""), json_add_array_string_metric("a", "t", ""))
	printf("%s %s %s %s %s\n", __json_metric_type["n"], __json_metric_type["s"], __json_metric_type["a"],
	       __json_array_metric_type["a", "__id"], __json_array_metric_type["a", "m"])
	try { json_add_string_metric("n", "") } catch (e) { println(e) }
	try { json_add_array_numeric_metric("s", "x", "", "") } catch (e) { println(e) }
	try { json_add_array_string_metric("a", "m", "") } catch (e) { println(e) }
	exit()
}'
assert_ok "json_add_* run" json
assert_eq "json_add_*: what each metric is, errors for a second name and a missing array" \
	"$(out json)" "0 0 0 0 0 0
integer string array string integer
Metric 'n' already exists
Array 's' does not exist
Array metric 'm' already exists in array a"

# ---- task.stp's file handles and limit, dev.stp's usrdev2kerndev, assert() -------------
# the target: a shell that set its limit to 777 and opened fds 5 and 6 (or not), then
# exec'd gen; what the test's environment left open is in both, the difference is 2
TF='probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target() || execname() != "gen") next /* not the shell, which calls it too */
	t = task_current()
	printf("open=%d\nnofile=%d\nmaxok=%d\n", task_open_file_handles(t), task_rlimit_nofile(t),
	       task_max_file_handles(t) >= 64)
	printf("dev=%d\n", usrdev2kerndev(0x10803) == MKDEV(0x108, 3))
	try { assert(0, "boom") } catch (e) { printf("caught=%s\n", e) }
	try { assert(1 == 2) } catch (e) { printf("caught1=%s\n", e) }
	assert(1)
	printf("after=1\n")
}'
tap_run taskfiles -c "sh -c 'ulimit -n 777; exec 5</dev/null 6</dev/null; exec $GEN getppid 1'" -e "$TF"
tap_run taskfiles0 -c "sh -c 'ulimit -n 777; exec $GEN getppid 1'" -e "$TF"
assert_ok "task_open_file_handles(), task_rlimit_nofile(), assert() run" taskfiles
assert_eq "task_open_file_handles(): the shell's fds 5 and 6 count 2 more" \
	"$(($(value open taskfiles) - $(value open taskfiles0)))" 2
assert_range "... of 3 at least (0, 1 and 2)" "$(value open taskfiles0)" 3 64
assert_eq "task_rlimit_nofile(): the shell's ulimit -n 777" "$(value nofile taskfiles)" 777
assert_eq "task_max_file_handles(): the table holds 64 at least" "$(value maxok taskfiles)" 1
assert_eq "usrdev2kerndev(0x10803): major 0x108, minor 3" "$(value dev taskfiles)" 1
assert_grep "assert(0, msg) is error(msg), caught" "$TMP/taskfiles.out" '^caught=boom$'
assert_grep "assert(0) says 'Assertion failed'" "$TMP/taskfiles.out" '^caught1=Assertion failed$'
assert_eq "assert(1) goes on" "$(value after taskfiles)" 1

finish
