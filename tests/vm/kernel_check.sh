#!/bin/sh
# SPDX-License-Identifier: MIT
#
# kernel_check.sh BUILD CARRY [ARTIFACT] - what `make check` runs on each kernel of
# the test bed (inside the guest, through tests/vm/check.sh): that the
# bed has what the host lacks (kprobes, fentry, loadable modules, BTF),
# that tap compiles and runs there (a tracepoint script and a syscall
# tapset script, with counts the workload makes known), and that an
# object compiled on another kernel (CARRY: its cache entry, made by
# `tap -p4` on the host) loads and counts right here without a compile,
# and so does ARTIFACT (the same script, `tap -p4 --artifact` on the host)
# with no compiler on $PATH.
#
# Prints PASS/FAIL lines and "kernel RELEASE: N passed, M failed"; exits 1
# when something failed.
set -u
build=$(cd "${1:?usage: kernel_check.sh BUILD CARRY}" && pwd)
carry=${2:?usage: kernel_check.sh BUILD CARRY [ARTIFACT]}
artifact=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
TAP=$build/tap
GEN=$build/tests/e2e/gen
rel=$(uname -r)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kernel-check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
export TAPHUB_CACHE=$tmp/cache
npass=0
nfail=0

pass() {
	npass=$((npass + 1))
	echo "PASS $rel: $1"
}
# fail NAME FILE: FILE's last lines go under the FAIL line
fail() {
	nfail=$((nfail + 1))
	echo "FAIL $rel: $1"
	[ -z "${2:-}" ] || tail -n 20 "$2" | sed 's/^/    /'
}
# expect NAME FILE TEXT: FILE has the line TEXT
expect() {
	if grep -qxF "$3" "$2"; then
		pass "$1"
	else
		fail "$1 (expected the line '$3')" "$2"
	fi
}
# A compile under TCG takes tens of seconds: a generous bound, never a hang.
run() {
	timeout -k 5 300 "$@"
}

# ---- the bed: what this kernel offers that the host's does not ------------

if [ -f /sys/kernel/btf/vmlinux ]; then pass "BTF (/sys/kernel/btf/vmlinux)"; else fail "BTF (/sys/kernel/btf/vmlinux)"; fi
if [ -d /sys/bus/event_source/devices/kprobe ]; then pass "kprobe PMU"; else fail "kprobe PMU"; fi

# bpftrace (the host's) attaches a kprobe and an fentry program (bpftrace
# 0.17 spells fentry "kfunc"; fentry needs the function in BTF, which
# syscall wrappers are not) and counts the target's calls.
run bpftrace -e 'kprobe:__x64_sys_getppid /pid == cpid/ { @n = count(); }' \
	-c "$GEN getppid 100" >"$tmp/kprobe.out" 2>&1
expect "bpftrace: a kprobe counts 100 getppid calls" "$tmp/kprobe.out" "@n: 100"
run bpftrace -e 'kfunc:vfs_write /pid == cpid/ { @n = count(); }' \
	-c "$GEN write 100 1" >"$tmp/fentry.out" 2>&1
expect "bpftrace: an fentry program counts 100 vfs_write calls" "$tmp/fentry.out" "@n: 100"

# A module of the kernel's own package loads and unloads.
if modprobe dummy numdummies=0 >"$tmp/mod.out" 2>&1 && [ -d /sys/module/dummy ] &&
	rmmod dummy >>"$tmp/mod.out" 2>&1; then
	pass "modprobe and rmmod a module (dummy)"
else
	fail "modprobe and rmmod a module (dummy)" "$tmp/mod.out"
fi

# ---- tap compiles and runs here ----------------------------------------------

# A raw tracepoint (sys_enter) and a tracepoint program reading $fields from
# this kernel's record layout.
run "$TAP" -c "$GEN fork 5" -e 'global n, forks
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe kernel.trace("sched:sched_process_fork") { if ($parent_pid == target()) forks++ }
probe end { printf("getppid=%d forks=%d\n", n, forks) }' >"$tmp/tp.out" 2>&1
expect "tracepoints: 5 forks of the target, no getppid" "$tmp/tp.out" "getppid=0 forks=5"
run "$TAP" -c "$GEN getppid 1000" -e 'global n
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe end { printf("getppid=%d\n", n) }' >"$tmp/tp2.out" 2>&1
expect "tracepoints: 1000 getppid calls of the target" "$tmp/tp2.out" "getppid=1000"

# The syscall tapset: an alias with its variables.
echo x >"$tmp/f"
run "$TAP" -c "$GEN open $tmp/f 7" -e 'global n
probe syscall.openat { if (pid() == target() && filename_unquoted == @1) n++ }
probe end { printf("openat=%d\n", n) }' "$tmp/f" >"$tmp/sys.out" 2>&1
expect "syscall tapset: 7 openat of the file" "$tmp/sys.out" "openat=7"

# one regex in a kernel probe: 6.1's verifier checked the DFA walk's callback
# with the start state only and dropped the accepting branch (=~ was always 0)
run "$TAP" -c "$GEN getppid 3" -e 'global n, m, x
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() == target()) { n++; if (execname() =~ "^ge") m++; if (pp() =~ "^ge") x++ }
}
probe end { printf("regex n=%d m=%d x=%d\n", n, m, x) }' >"$tmp/re.out" 2>&1
expect "=~ in a kernel probe (one regex): execname() gen matches ^ge 3 times, pp() never" \
	"$tmp/re.out" "regex n=3 m=3 x=0"

# ---- kernel functions: fentry/fexit, kprobes, wildcards ---------------------

# The target reads /dev/zero 40 times, 123 bytes each: vfs_read sees
# $count 123 and returns 123 exactly 40 times (its other reads, the
# dynamic loader's, have other counts).  Once through BPF trampolines
# (the default here), once through kprobes (TAPHUB_KFUNC=kprobe).
# In .return, $count is the entry's (stap's rule; a kretprobe reads it at
# the entry, fexit has it as it came).
kfunc_script='global c, r, e, p
probe kernel.function("vfs_read") { if (pid() == target() && $count == 123) c++ }
probe kernel.function("vfs_read").return {
	if (pid() == target() && $return == 123) r++
	if (pid() == target() && @entry($count) == 123) e++
	if (pid() == target() && $count == 123) p++
}
probe end { printf("count=%d return=%d entry=%d param=%d\n", c, r, e, p) }'
run "$TAP" -c "$GEN read 40 123" -e "$kfunc_script" >"$tmp/kf.out" 2>&1
expect "kernel.function (fentry/fexit): 40 reads with \$count, \$return, @entry" "$tmp/kf.out" \
	"count=40 return=40 entry=40 param=40"
TAPHUB_KFUNC=kprobe run "$TAP" -c "$GEN read 40 123" -e "$kfunc_script" >"$tmp/kfk.out" 2>&1
expect "kernel.function (kprobe/kretprobe): 40 reads with \$count, \$return, @entry" \
	"$tmp/kfk.out" "count=40 return=40 entry=40 param=40"
run "$TAP" -p3 -e 'probe kernel.function("vfs_read") { }' >"$tmp/kf3.out" 2>&1
expect "kernel.function attaches through fentry where trampolines work" "$tmp/kf3.out" \
	'SEC("fentry/vfs_read")'

# a member chain on a parameter (BTF, CO-RE): the file read is /dev/zero
run "$TAP" -c "$GEN read 5 11" -e 'global n
probe kernel.function("vfs_read") {
	if (pid() == target() && $count == 11 &&
	    kernel_string($file->f_path->dentry->d_name->name) == "zero") n++
}
probe end { printf("zero=%d\n", n) }' >"$tmp/kfm.out" 2>&1
expect "kernel.function: \$file->f_path->dentry->d_name->name is zero, 5 times" "$tmp/kfm.out" \
	"zero=5"

# int_arg()/pointer_arg() as the nd_ tapsets read parameters: the third is
# the count, the first the file (fentry's argument array; kprobe's registers)
args_script='global n, f
probe kernel.function("vfs_read") {
	if (pid() == target() && ulong_arg(3) == 33) { n++; if (pointer_arg(1) == $file) f++ }
}
probe end { printf("args=%d file=%d\n", n, f) }'
run "$TAP" -c "$GEN read 4 33" -e "$args_script" >"$tmp/ka.out" 2>&1
expect "ulong_arg(3), pointer_arg(1) in kernel.function (fentry): 4 reads" "$tmp/ka.out" \
	"args=4 file=4"
TAPHUB_KFUNC=kprobe run "$TAP" -c "$GEN read 4 33" -e "$args_script" >"$tmp/kak.out" 2>&1
expect "ulong_arg(3), pointer_arg(1) in kernel.function (kprobe): 4 reads" "$tmp/kak.out" \
	"args=4 file=4"

# &$param->member: the member's address (futexes2.stp's @entry(&$q->key))
run "$TAP" -c "$GEN read 3 13" -e 'global n
probe kernel.function("vfs_read") {
	if (pid() == target() && $count == 13 && &$file->f_path == $file + @offsetof("file", f_path)) n++
}
probe end { printf("addr=%d\n", n) }' >"$tmp/kad.out" 2>&1
expect "&\$file->f_path is \$file plus the member's offset, 3 times" "$tmp/kad.out" "addr=3"

# $ptr$ of a char *: the string, quoted, as stap prints $filename$
run "$TAP" -c "$GEN open $tmp/f 2" -e 'global n
probe kernel.function("getname") { if (pid() == target() && $filename$ == sprintf("\"%s\"", @1)) n++ }
probe end { printf("quoted=%d\n", n) }' "$tmp/f" >"$tmp/kq.out" 2>&1
expect "\$filename\$ of a char * (a user pointer) is the quoted string: 2 opens" "$tmp/kq.out" \
	"quoted=2"

# kprobe.function is always a kprobe; $$parms as stap prints it
run "$TAP" -c "$GEN read 3 7" -e 'global n, p
probe kprobe.function("vfs_read").return { if (pid() == target() && $return == 7) n++ }
probe kprobe.function("vfs_read") { if (pid() == target() && $count == 7) p = $$parms }
probe end { printf("n=%d %s\n", n, p) }' >"$tmp/kp.out" 2>&1
if grep -qE '^n=3 file=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x7 pos=0x[0-9a-f]+$' "$tmp/kp.out"; then
	pass "kprobe.function: 3 returns of 7, \$\$parms"
else
	fail "kprobe.function: 3 returns of 7, \$\$parms" "$tmp/kp.out"
fi

# A wildcard expands against what this kernel can attach; @defined picks
# the functions that have a $count.
run "$TAP" -c "$GEN read 25 99" -e 'global n
probe kernel.function("vfs_rea*") {
	if (@defined($count)) { if (pid() == target() && $count == 99) n[probefunc()]++ }
}
probe end { foreach (f in n) printf("%s=%d\n", f, n[f]) }' >"$tmp/kw.out" 2>&1
expect "kernel.function(\"vfs_rea*\"): 25 reads in vfs_read" "$tmp/kw.out" "vfs_read=25"
run "$TAP" -l 'kernel.function("vfs_rea*")' >"$tmp/kl.out" 2>&1
expect "tap -l lists the functions a wildcard matches" "$tmp/kl.out" 'kernel.function("vfs_readv")'
if modprobe dummy numdummies=0 >/dev/null 2>&1; then
	run "$TAP" -l 'module("dummy").function("dummy_*")' >"$tmp/km.out" 2>&1
	rmmod dummy 2>/dev/null
	expect "tap -l lists a module's functions" "$tmp/km.out" 'module("dummy").function("dummy_dev_init")'
fi

# A wildcard on kprobes (TAPHUB_KFUNC=kprobe, or functions fentry cannot
# take): where the kernel has kprobe_multi (fprobe: 6.1 as Debian builds
# it has not, 6.12 has), the functions of a body share one program on one
# kprobe_multi link, and the link's cookie names the function for
# probefunc(), ppfunc() and pp(); elsewhere a kprobe each.  ksys_read is the only
# ksys_* function the target calls with a count of 123, 40 times.
kmulti_script='global n, r, p
probe kernel.function("ksys_*") {
	if (@defined($count)) { if (pid() == target() && $count == 123) {
		n[probefunc()]++
		if (pp() == "kernel.function(\"ksys_read\")" && ppfunc() == "ksys_read") p++
	} }
}
probe kernel.function("ksys_*").return {
	if (@defined($count)) { if (pid() == target() && $count == 123 && $return == 123) r[probefunc()]++ }
}
probe end {
	foreach (f in n) printf("%s=%d\n", f, n[f])
	foreach (f in r) printf("%s.return=%d\n", f, r[f])
	printf("pp=%d\n", p)
}'
TAPHUB_KFUNC=kprobe run "$TAP" -p3 -e "$kmulti_script" >"$tmp/km3.out" 2>&1
if grep -qw register_fprobe /proc/kallsyms; then
	if grep -qF 'SEC("kprobe.multi")' "$tmp/km3.out" && grep -qF 'SEC("kretprobe.multi")' "$tmp/km3.out" &&
		! grep -qF 'SEC("kprobe/ksys_read")' "$tmp/km3.out"; then
		pass "kernel.function(\"ksys_*\") on kprobes: kprobe_multi programs, none per function"
	else
		fail "kernel.function(\"ksys_*\") on kprobes: kprobe_multi programs, none per function" "$tmp/km3.out"
	fi
	TAPHUB_KFUNC=kprobe TAPHUB_KPROBE_MULTI=0 run "$TAP" -c "$GEN read 40 123" -e "$kmulti_script" >"$tmp/km1.out" 2>&1
	if grep -qxF "ksys_read=40" "$tmp/km1.out" && grep -qxF "ksys_read.return=40" "$tmp/km1.out" &&
		grep -qxF "pp=40" "$tmp/km1.out" && [ "$(wc -l <"$tmp/km1.out")" = 3 ]; then
		pass "kernel.function(\"ksys_*\") without kprobe_multi (TAPHUB_KPROBE_MULTI=0): 40 reads"
	else
		fail "kernel.function(\"ksys_*\") without kprobe_multi (TAPHUB_KPROBE_MULTI=0): 40 reads" "$tmp/km1.out"
	fi
	# tap -t: each function's runs in its own line of the report, though
	# one program runs them all (the cookie picks the slot)
	TAPHUB_KFUNC=kprobe run "$TAP" -t -c "$GEN read 40 123" -e 'probe kernel.function("ksys_*") { }' \
		>"$tmp/kmt.out" 2>&1
	h=$(sed -n 's/^kernel\.function("ksys_read").*, hits: \([0-9]*\),.*/\1/p' "$tmp/kmt.out")
	if [ "${h:-0}" -ge 40 ] && ! grep -q '^kernel\.function("ksys_read")\.return' "$tmp/kmt.out"; then
		pass "tap -t with kprobe_multi: ksys_read has its own hits ($h)"
	else
		fail "tap -t with kprobe_multi: ksys_read has its own hits (at least 40)" "$tmp/kmt.out"
	fi
else
	if grep -qF 'SEC("kprobe/ksys_read")' "$tmp/km3.out" && ! grep -qF '.multi")' "$tmp/km3.out"; then
		pass "kernel.function(\"ksys_*\") on kprobes: a kprobe each (no kprobe_multi here)"
	else
		fail "kernel.function(\"ksys_*\") on kprobes: a kprobe each (no kprobe_multi here)" "$tmp/km3.out"
	fi
fi
TAPHUB_KFUNC=kprobe run "$TAP" -c "$GEN read 40 123" -e "$kmulti_script" >"$tmp/km.out" 2>&1
if grep -qxF "ksys_read=40" "$tmp/km.out" && grep -qxF "ksys_read.return=40" "$tmp/km.out" &&
	grep -qxF "pp=40" "$tmp/km.out" && [ "$(wc -l <"$tmp/km.out")" = 3 ]; then
	pass "kernel.function(\"ksys_*\") on kprobes: 40 reads, probefunc() and pp() ksys_read"
else
	fail "kernel.function(\"ksys_*\") on kprobes: 40 reads, probefunc() and pp() ksys_read" "$tmp/km.out"
fi

# A module's function with its parameters from the module's split BTF
# (/sys/kernel/btf/dummy): each `ip link add ... type dummy` calls
# dummy_setup (before the device has its name) and dummy_dev_init (with
# it) once with the new device.
if modprobe dummy numdummies=0 >/dev/null 2>&1; then
	run "$TAP" -c "sh -c 'for i in 1 2 3 4 5; do ip link add tapk\$i type dummy; done; for i in 1 2 3 4 5; do ip link del tapk\$i; done'" -e 'global n, i, r
probe module("dummy").function("dummy_setup") { if (execname() == "ip" && $dev) n++ }
probe module("dummy").function("dummy_dev_init") { if (substr($dev->name, 0, 4) == "tapk") i++ }
probe module("dummy").function("dummy_dev_init").return {
	if (substr($dev->name, 0, 4) == "tapk" && $return == 0) r++
}
probe end { printf("setup=%d init=%d return=%d\n", n, i, r) }' >"$tmp/kmod.out" 2>&1
	rmmod dummy 2>/dev/null
	expect "module(\"dummy\").function: \$dev->name from the module's BTF, 5 devices" "$tmp/kmod.out" \
		"setup=5 init=5 return=5"
else
	fail "module(\"dummy\").function: modprobe dummy"
fi

# netdev.* on kernel functions: a dummy device registered once and its MTU
# set once from 1500 to 1400
if modprobe dummy numdummies=0 >/dev/null 2>&1; then
	run "$TAP" -c "sh -c 'ip link add tapn0 type dummy && ip link set tapn0 mtu 1400 && ip link del tapn0'" -e 'global r, m
probe netdev.register { if (dev_name == "tapn0") r++ }
probe netdev.change_mtu { if (dev_name == "tapn0" && old_mtu == 1500 && new_mtu == 1400) m++ }
probe end { printf("register=%d change_mtu=%d\n", r, m) }' >"$tmp/netdev.out" 2>&1
	rmmod dummy 2>/dev/null
	expect "netdev.register, netdev.change_mtu: one device, one MTU change" "$tmp/netdev.out" \
		"register=1 change_mtu=1"
fi

# The tapsets on kernel.function: vfs.* (no tracepoint), tcp.sendmsg and
# tcp.recvmsg (6.1 lacks sock:sock_send_length: .return falls back to
# the function's return).
run "$TAP" -c "$GEN read 30 77" -e 'global r, rr, rv, w, ww
probe vfs.read { if (pid() == target() && bytes_to_read == 77) r++ }
probe vfs.read.return { if (pid() == target() && bytes_read == 77 && !error) rr++
	if (pid() == target() && returnval() == 77) rv++ }
probe vfs.write { if (pid() == target()) w++ }
probe vfs.write.return { if (pid() == target()) ww++ }
probe end { printf("read=%d read.return=%d returnval=%d write=%d\n", r, rr, rv, w + ww) }' >"$tmp/vfs.out" 2>&1
expect "vfs.read, vfs.read.return (and returnval(), as traceio.stp has it): 30 reads of 77 bytes" \
	"$tmp/vfs.out" "read=30 read.return=30 returnval=30 write=0"
# dev, devname, ino: the file's, from its inode (a tmpfs file: no block device)
head -c 100 /dev/zero >"$tmp/vf"
run "$TAP" -c "$GEN read 10 7 $tmp/vf" -e 'global n
probe vfs.read {
	if (pid() == target() && bytes_to_read == 7 && ino == $1 && dev == $2 && devname == "N/A") n++
}
probe end { printf("vfs.read=%d\n", n) }' "$(stat -c %i "$tmp/vf")" "$(stat -c %d "$tmp/vf")" >"$tmp/vfs2.out" 2>&1
expect "vfs.read: ino, dev and devname of the file, 10 reads" "$tmp/vfs2.out" "vfs.read=10"
# The other tapsets on kernel functions, several aliases per compile (a
# compile takes tens of seconds here).  One run of gen each: 12 writev of
# 10+23 bytes to a file, 9 readv of 7+5 bytes from /dev/zero, 6 opens of
# another file (its path, inode and device checked against stat), then 50
# fresh anonymous pages written once each: 50 minor faults, which
# vm.pagefault (the exceptions tracepoint) and vm.pagefault.return
# (handle_mm_fault's return) both see at the same addresses.
echo x >"$tmp/of"
run "$TAP" -c "sh -c '$GEN writev 12 10 23 $tmp/wv && $GEN readv 9 7 5 && $GEN open $tmp/of 6 && $GEN touch 50'" -e 'global wv, wvr, rv, rvr, op, opr, pf, pfr, lo, hi
probe vfs.writev { if (execname() == "gen" && bytes_to_write == 33 && vlen == 2) wv++ }
probe vfs.writev.return { if (execname() == "gen" && bytes_written == 33 && pathname == @1) wvr++ }
probe vfs.readv { if (execname() == "gen" && bytes_to_read == 12 && devname == "N/A") rv++ }
probe vfs.readv.return { if (execname() == "gen" && bytes_read == 12 && !error) rvr++ }
probe vfs.open { if (execname() == "gen" && pathname == @2 && ino == $3 && dev == $4 && devname == "N/A") op++ }
probe vfs.open.return { if (execname() == "gen" && pathname == @2 && ret == 0 && error_str == "") opr++ }
probe vm.pagefault { if (execname() == "gen" && write_access) pf[address & ~4095]++ }
probe vm.pagefault.return {
	if (execname() == "gen" && write_access && vm_fault_contains(fault_type, VM_FAULT_MINOR) &&
	    !vm_fault_contains(fault_type, VM_FAULT_MAJOR))
		pfr[address & ~4095]++
}
probe vm.munmap { if (execname() == "gen" && length == 50 * 4096) { lo = address; hi = address + length } }
probe end {
	foreach (a in pf) if (a >= lo && a < hi) f += pf[a]
	foreach (a in pfr) if (a >= lo && a < hi) r += pfr[a]
	printf("writev=%d/%d readv=%d/%d open=%d/%d pagefault=%d/%d\n", wv, wvr, rv, rvr, op, opr, f, r)
}' "$tmp/wv" "$tmp/of" "$(stat -c %i "$tmp/of")" "$(stat -c %d "$tmp/of")" >"$tmp/vfs3.out" 2>&1
expect "vfs.writev, vfs.readv, vfs.open (path, inode, device), vm.pagefault.return: 12, 9, 6, 50" \
	"$tmp/vfs3.out" "writev=12/12 readv=9/9 open=6/6 pagefault=50/50"
# the guest boots with its loopback down
ip link set lo up 2>/dev/null
# family, addresses and ports come from the socket (BTF), on both ways
# of .return.
run "$TAP" -c "$GEN tcp 20 7341 55" -e 'global s, sr, r, rr, f, a
probe tcp.sendmsg { if (pid() == target() && size == 55) { s++; if (family == AF_INET()) f++ } }
probe tcp.sendmsg.return { if (pid() == target() && size == 55) sr++ }
probe tcp.recvmsg { if (pid() == target()) r++ }
probe tcp.recvmsg.return {
	if (pid() == target() && size == 55) {
		rr++
		if (family == AF_INET() && saddr == "127.0.0.1" && daddr == "127.0.0.1" &&
		    (sport == 7341) != (dport == 7341)) a++
	}
}
probe end { printf("sendmsg=%d return=%d recvmsg.return=%d family=%d addr=%d\n", s, sr, rr, f, a) }' \
	>"$tmp/tcp.out" 2>&1
expect "tcp.sendmsg, .return: 40 sends of 55 bytes; tcp.recvmsg.return 40, with family, addresses, ports" \
	"$tmp/tcp.out" "sendmsg=40 return=40 recvmsg.return=40 family=40 addr=40"

# tcpmib.*: one connection to port 7341 (the script keys on it) opens
# once actively and once passively, enters ESTABLISHED twice (the two
# ends), and moves segments both ways; nothing fails or is retransmitted.
run "$TAP" -c "$GEN tcp 5 7341 55" -e 'global up
function tcpmib_filter_key:long(sk:long, op:long) {
	return tcpmib_local_port(sk) == 7341 || tcpmib_remote_port(sk) == 7341
}
probe tcpmib.* { }
probe tcpmib.CurrEstab { if (key && op == 1) up++ }
probe end {
	printf("active=%d passive=%d estab=%d/%d segs=%d/%d fails=%d retrans=%d\n", ActiveOpens[1],
	       PassiveOpens[1], up, CurrEstab[1], InSegs[1] > 0, OutSegs[1] > 0, AttemptFails[1],
	       RetransSegs[1])
}' >"$tmp/tcpmib.out" 2>&1
expect "tcpmib.*: one connection, opened actively and passively, established on both ends" \
	"$tmp/tcpmib.out" "active=1 passive=1 estab=2/0 segs=1/1 fails=0 retrans=0"

# nfsd.*: on functions of the nfsd module, typed from its split BTF once
# it is loaded; no NFS client here, so the probes load, attach and see
# nothing.
if modprobe nfsd >/dev/null 2>&1; then
	run "$TAP" -e 'global n
probe nfsd.dispatch, nfsd.proc.entries, nfsd.proc.return, nfsd.entries, nfsd.return {
	if (name != "" && client_ip != "") n++
}
probe timer.ms(100) { exit() }
probe end { printf("nfsd=%d\n", n) }' >"$tmp/nfsd.out" 2>&1
	expect "nfsd.dispatch, nfsd.proc.*, nfsd.* load on the nfsd module's functions" \
		"$tmp/nfsd.out" "nfsd=0"
else
	fail "nfsd.*: modprobe nfsd"
fi

# nfs.* and nfsd.* end to end: an NFSv3 server and its client on the
# loopback (nfs_loop.sh), every family of both tapsets attached at once
# (nfsv4 loaded: its aliases attach too, and see nothing), and a known
# workload: 5 O_DIRECT writes of 4096 bytes to f, an fdatasync, 5
# O_DIRECT reads (each one READ or WRITE RPC, one call of nfsd_read or
# nfsd_write), f read through the page cache (one readahead of its 5
# pages, one READ of 20480 bytes), f renamed to g (mv tries renameat2
# with RENAME_NOREPLACE first, which the client refuses: two nfs_rename,
# one RENAME), 3 buffered writes of 4096 bytes to h (3 pages written back
# at the close: one WRITE of 12288), g removed.  Lookups are counted by
# name: 6.1 looks f and h up before creating them, 6.12 does not.
# The mount and the 130-function script take 3 to 5 minutes a kernel
# under TCG: make check-kernels runs them (VM_NFS=1), make check does not.
if [ "${TAPHUB_VM_NFS:-0}" = 1 ]; then
	. "$here/nfs_loop.sh"
	if nfs_loop_start "$tmp/nfs"; then
		modprobe nfsv4 >/dev/null 2>&1
		m=$tmp/nfs/mnt
		# some 130 functions in one script: its compile and load take minutes under TCG
		timeout -k 5 900 "$TAP" -c "sh -c '$GEN dio 5 4096 $m/f && cat $m/f >/dev/null && mv $m/f $m/g && $GEN write 3 4096 $m/h && rm $m/g'" \
			"$here/nfs.stp" >"$tmp/nfs.out" 2>&1
		nfs_loop_stop
		expect "nfs.fop.*: 7 reads, 8 writes, 3 opens, flushes and releases, 1 fsync" "$tmp/nfs.out" \
			"fop read=7 write=8 open=3 flush=3 fsync=1 release=3"
		expect "nfs.aop.*: 1 readahead, 3 pages written back, 3 write_begin/end, pages dirtied" "$tmp/nfs.out" \
			"aop readahead=1 writepage=3 write_begin=3 write_end=3 dirty=1"
		expect "nfs.proc.*: 6 READ and 6 WRITE set up and done, 2 creates, 1 remove, 1 RENAME, 3 opens" \
			"$tmp/nfs.out" "proc read=6/6 write=6/6 create=2 remove=1 rename=2/1/1 open=3"
		expect "nfsd.*: the same 6 READs (nfsd.read), 6 WRITEs, 2 creates, 1 remove, 1 rename" \
			"$tmp/nfs.out" "nfsd read=6/6 write=6/6 create=2 remove=1/1 rename=1/1"
		expect "nfs.*, nfsd.*: bytes read and written, server_ip, prot, version, client_ip" "$tmp/nfs.out" \
			"bytes read=40960/40960 written=32768/32768/32768 bad=0"
		for l in "nfs.proc.rename f>g=2" "nfs.proc3.create f=1" "nfs.proc3.create h=1" \
			"nfs.proc3.lookup g=1" "nfs.proc3.remove g=1" "nfsd.proc3.create h=1" \
			"nfsd.proc3.lookup g=1" "nfsd.proc3.remove g=1" "nfsd.proc3.rename f>g=1"; do
			expect "nfs.proc.*, nfsd.proc.*: file names ($l)" "$tmp/nfs.out" "$l"
		done
	else
		nfs_loop_stop
		fail "nfs.*, nfsd.*: a loopback NFSv3 mount (tests/vm/nfs_loop.sh)" "$tmp/nfs/nfs.log"
	fi
else
	echo "SKIP nfs.*, nfsd.* end to end on a loopback NFSv3 mount: make check-kernels runs it (VM_NFS=1)"
fi

# ioscheduler.elv_next_request and elv_completed_request stand on blk-mq
# functions here (the host takes their tracepoints): a loop device with
# mq-deadline, N direct writes and N direct reads of SIZE bytes, each one
# request taken by the driver and completed; elevator_name (set only by
# the kernel-function variants) says which way they went.
: >"$tmp/losetup.err"
if modprobe loop >/dev/null 2>&1 && truncate -s 16M "$tmp/disk.img" &&
	loopdev=$(losetup -f --show "$tmp/disk.img" 2>"$tmp/losetup.err"); then
	lminor=${loopdev#/dev/loop}
	echo mq-deadline >"/sys/block/loop$lminor/queue/scheduler" 2>/dev/null
	run "$TAP" -c "$GEN dio 4 8192 $loopdev" -e 'global nx, fin, ins, bad
probe ioscheduler.elv_next_request {
	if (disk_major != 7 || disk_minor != $1 || size != 8192) next
	nx++
	if (elevator_name != "mq-deadline" || devname != "loop" . @1 || !rq || q != @cast(rq, "request")->q) bad++
}
probe ioscheduler.elv_completed_request {
	if (disk_major == 7 && disk_minor == $1 && size == 8192 && err == 0 && elevator_name == "mq-deadline") fin++
}
probe ioscheduler.elv_add_request { if (disk_major == 7 && disk_minor == $1 && size == 8192) ins++ }
probe ioscheduler.elv_add_request.kp, ioscheduler.elv_next_request.return { if (!rq) bad++ }
probe end { printf("next=%d completed=%d added=%d bad=%d\n", nx, fin, ins, bad) }' "$lminor" >"$tmp/iosched.out" 2>&1
	losetup -d "$loopdev" 2>/dev/null
	expect "ioscheduler.elv_next_request, elv_completed_request on blk-mq functions (mq-deadline): 8, 8" \
		"$tmp/iosched.out" "next=8 completed=8 added=8 bad=0"
else
	fail "ioscheduler.*: a loop device (modprobe loop, losetup)" "$tmp/losetup.err"
fi

# A module's tracepoint: its C arguments come from the module's split BTF
# (9pnet's, which carries the guest's root file system: every file read
# makes 9p requests on a client whose msize is at least 4 KiB).
run "$TAP" -c "cat /etc/hostname" -e 'global n, m
probe kernel.trace("9p:9p_client_req") { n++; if ($clnt->msize >= 4096) m++ }
probe end { printf("requests=%d msize=%d\n", n > 0, m == n) }' >"$tmp/modtp.out" 2>&1
expect "a module's tracepoint (9p:9p_client_req): \$clnt->msize through the module's BTF" \
	"$tmp/modtp.out" "requests=1 msize=1"

# ---- kernel memory in user context: the runner's BPF reader ------------------

# task_current() in begin is tap's task: its tgid is pid(), its comm "tap"
# (BPF_PROG_TYPE_SYSCALL run by BPF_PROG_TEST_RUN, guest-runtime/kread.c)
run "$TAP" -e 'probe begin { t = task_current()
	printf("tgid=%d comm=%s parent=%d\n", @cast(t, "task_struct")->tgid == pid(),
		@task(t)->comm, task_pid(task_parent(t)) == ppid()); exit() }' >"$tmp/kread.out" 2>&1
expect "@cast and task_*() in a begin probe read the runner's task" "$tmp/kread.out" \
	"tgid=1 comm=tap parent=1"
# the path functions walk this kernel's dentries and mounts at its BTF's
# offsets (guest-runtime/kpath.c): tap's own cwd and executable
(cd /sys/fs/bpf && run "$TAP" -e 'probe begin { t = task_current()
	printf("cwd=%s exe=%s\n", fullpath_struct_path(task_cwd_path(t)),
		fullpath_struct_file(t, current_exe_file())); exit() }') >"$tmp/kpath.out" 2>&1
expect "task_cwd_path and current_exe_file in a begin probe" "$tmp/kpath.out" \
	"cwd=/sys/fs/bpf exe=$(readlink -f "$TAP")"

# ---- user space: SDT markers and functions through uprobes -------------------

# sdtprog 25 hits each marker 25 times (i = 1..25) and calls sdtprog_add(100i,
# -i, "tick-<i>", 7), which returns 99i + len + 7.  The marker with a
# semaphore in libsdtprog.so fires only while the kernel's reference counter
# (ref_ctr_offset, 4.20+) holds it up.
SDTPROG=$build/tests/e2e/sdtprog
run "$TAP" -c "$SDTPROG 25" -e 'global t, sum, g, a, r, ok
probe process("'"$SDTPROG"'").mark("tick") { t++; sum += $arg1 + $arg2 * 2 }
probe process("'"$SDTPROG"'").library("libsdtprog.so").mark("guarded") { g++ }
probe process("'"$SDTPROG"'").function("sdtprog_add") { a += $a }
probe process("'"$SDTPROG"'").function("sdtprog_add").return {
	r++
	if ($return == 99 * @entry($a) / 100 + strlen(user_string(@entry($s))) + 7) ok++
}
probe end { printf("tick=%d sum=%d guarded=%d add=%d return=%d ok=%d\n", t, sum, g, a, r, ok) }' \
	>"$tmp/sdt.out" 2>&1
expect "uprobes: 25 markers with their arguments, a semaphore's marker, a function and its return" \
	"$tmp/sdt.out" "tick=25 sum=-325 guarded=25 add=32500 return=25 ok=25"

# ---- process lifecycle, netfilter and LSM hooks --------------------------------

# gen procs 4 2: the target forks 4 children one after another, each with
# 2 threads besides its first, exiting 10+k.  Kernels before 6.16 do not
# say which exiting thread is the last (docs/probes.md): the counts of
# begins, ends and new threads hold on both guests.
run "$TAP" -c "$GEN procs 4 2" -e 'global b, e, tb
probe process.begin { if (pid() != target()) b++ }
probe process.end { if (pid() != target()) e++ }
probe process.thread.begin { tb++ }
probe end { printf("begin=%d end=%d thread.begin=%d\n", b, e, tb) }' >"$tmp/uproc.out" 2>&1
expect "process.begin, .end, .thread.begin: 4 children of 3 threads" "$tmp/uproc.out" \
	"begin=4 end=4 thread.begin=8"

# Netfilter programs came in 6.4: 6.12 counts 5 datagrams at local_out
# (127.0.0.1, loopback up above), 6.1 refuses at pass 2 saying why.
run "$TAP" -c "$GEN udp 5 7342" -e 'global n
probe netfilter.ipv4.local_out { if (pid() == target() && dport == 7342) n++ }
probe end { printf("local_out=%d\n", n) }' >"$tmp/nf.out" 2>&1
case $rel in
6.1.*)
	if grep -q "netfilter" "$tmp/nf.out" && grep -q "6.4" "$tmp/nf.out"; then
		pass "netfilter hooks: refused on $rel, which has no netfilter programs (6.4+)"
	else
		fail "netfilter hooks: refused on $rel, which has no netfilter programs (6.4+)" "$tmp/nf.out"
	fi
	;;
*) expect "netfilter.ipv4.local_out: 5 datagrams to port 7342" "$tmp/nf.out" "local_out=5" ;;
esac

# LSM hooks: both guests boot with the BPF LSM active (Debian's CONFIG_LSM
# lists bpf), which the host cannot run.  lsm.socket_bind counts gen's 5
# AF_INET binds; with -g, `$return = -1` after the first 2 makes the last
# 3 fail with EPERM in gen, and once the session is gone all 5 bind again.
run "$TAP" -g -c "$GEN bind 5" -e 'global n
probe lsm.socket_bind {
	if (pid() != target() || $address->sa_family != 2) next
	if (++n > 2 && user_long($ctx + 8) == $address) $return = -1
}
probe end { printf("binds=%d\n", n) }' >"$tmp/lsm.out" 2>&1
"$GEN" bind 5 >>"$tmp/lsm.out" 2>&1
expect "lsm.socket_bind: 5 binds seen" "$tmp/lsm.out" "binds=5"
expect "lsm.socket_bind with -g: 3 of 5 binds fail with EPERM" "$tmp/lsm.out" \
	"bind ok=2 eperm=3 other=0"
expect "lsm.socket_bind: after the session all 5 bind" "$tmp/lsm.out" "bind ok=5 eperm=0 other=0"

# foreach in a kernel probe: 6.12 walks the rows with an open-coded
# iterator, 6.1 (no iterators: 6.4+) with a plain loop the verifier checks
# once per row, up to MAXFOREACH (docs/language.md): the same snapshot,
# sort and order on both.  10 getppid calls fill a[i] = (i * 7) % 11; the
# last one walks it sorted by value down (limit 3), by key up, unsorted.
run "$TAP" -c "$GEN getppid 10" -e 'global a, n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target())
		next
	n++
	a[n] = (n * 7) % 11
	if (n < 10)
		next
	foreach (v = [k] in a- limit 3)
		printf("%d=%d ", k, v)
	foreach (k+ in a)
		s = s * 10 + a[k] % 10
	foreach (k in a)
		c++
	printf("s=%d c=%d\n", s, c)
}' >"$tmp/kfe.out" 2>&1
expect "foreach in a kernel probe: sorted, limited, unsorted" "$tmp/kfe.out" \
	"3=10 6=9 9=8 s=7306295184 c=10"

# ---- loops, @variance and arguments in kernel.function probes ----------------

# A loop in a function over a filter table, with map lookups and
# conditions in its body (tcpipstat.stp's filter_key): 6.1 verified it
# once per iteration up to MAXACTION and gave up ("The sequence of 8193
# jumps is too complex"); as a bpf_loop() callback it is checked once.
# One loopback connection to port 7342: filters 1-3 (local ports 1, 2, 3)
# reject it, filter 4 (local port 7342, any remote) takes the server's
# end, which sends 20 messages of 55 bytes.
run "$TAP" -c "$GEN tcp 20 7342 55" -e 'global filter, nf, sent, msgs, which
probe begin {
	nf = 4
	for (i = 1; i <= nf; i++) {
		j = i * 6
		filter[j] = 0; filter[j + 1] = 0; filter[j + 2] = i < 4 ? i : 7342
		filter[j + 3] = 0; filter[j + 4] = 0; filter[j + 5] = 0xffff
	}
}
function key(laddr, raddr, lport, rport) { return (laddr ^ raddr) * 65536 * 65536 + lport * 65536 + rport }
function filter_key:long (laddr:long, raddr:long, lport:long, rport:long)
{
	for (i = 1; i <= nf; i++) {
		j = i * 6
		l = r = 0
		if ((laddr & filter[j + 1]) == filter[j] && (filter[j + 2] == 0xffff || lport == filter[j + 2]))
			l = 1
		if ((raddr & filter[j + 4]) == filter[j + 3] && (filter[j + 5] == 0xffff || rport == filter[j + 5]))
			r = 1
		if (l && r) {
			which = i
			return key(laddr, raddr, lport, rport)
		}
	}
	return 0
}
probe tcp.sendmsg {
	if (pid() == target()) {
		k = filter_key(tcpmib_local_addr($sk), tcpmib_remote_addr($sk),
			       tcpmib_local_port($sk), tcpmib_remote_port($sk))
		if (k) { sent[k] += size; msgs[k]++ }
	}
}
probe end { foreach (k in sent) printf("lport=%d sent=%d msgs=%d filter=%d\n", (k >> 16) & 0xffff, sent[k], msgs[k], which) }' \
	>"$tmp/kloop.out" 2>&1
expect "a loop over filters in a function (tcpipstat.stp's shape) loads; one socket's 20 sends of 55 bytes" \
	"$tmp/kloop.out" "lport=7342 sent=1100 msgs=20 filter=4"

# @variance read in a kernel.function probe (fntimes.stp): 1..10 on one
# CPU is 48 (stap's truncating mean), 9 with a shift of 3
run "$TAP" -c "taskset -c 0 $GEN write 10 1" -e 'global s, t, n, v, v3
probe kernel.function("vfs_write") { if (pid() == target()) { s <<< ++n; t <<< n } }
probe kernel.function("vfs_write").return { if (pid() == target() && n > 1) { v = @variance(s); v3 = @variance(t, 3) } }
probe end { printf("variance=%d shifted=%d\n", v, v3) }' >"$tmp/kvar.out" 2>&1
expect "@variance in kernel.function probes: 48, and 9 with a shift of 3" "$tmp/kvar.out" "variance=48 shifted=9"

# ulong_arg(3) in a .return through a kretprobe (TAPHUB_KFUNC=kprobe):
# the registers there are the return's, so it is read at the entry
TAPHUB_KFUNC=kprobe run "$TAP" -c "$GEN write 5 100" -e 'global s, c
probe kernel.function("vfs_write").return { if (pid() == target()) { s += ulong_arg(3); c++ } }
probe end { printf("calls=%d count=%d\n", c, s) }' >"$tmp/kretarg.out" 2>&1
expect "ulong_arg(3) in a kretprobe .return is the entry's: 5 writes of 100 bytes" \
	"$tmp/kretarg.out" "calls=5 count=500"

# ---- an object compiled on another kernel ------------------------------------

# $ret comes from the registers, ppid() from task_struct through CO-RE
# relocations (real_parent->tgid) that libbpf resolves against this
# kernel's BTF: both agree on every call when the relocation is right.
if [ -f "$carry/guest.bpf.o" ]; then
	TAPHUB_CLANG=$here/carry-cc TAPHUB_CC=$here/carry-cc TAPHUB_VM_CARRY=$carry \
		run "$TAP" -c "$GEN getppid 50" -e "$(cat "$here/carry.stp")" >"$tmp/carry.out" 2>&1
	expect "an object compiled on the host loads and counts here" "$tmp/carry.out" "n=50 same=50 btf=50 tpbtf=1"
else
	fail "an object compiled on the host: no $carry/guest.bpf.o"
fi

# The artifact: its manifest checked against this kernel (tracepoints,
# raw tracepoints, helpers, map types, the BTF fields its CO-RE
# relocations need), extracted, loaded, with nothing on $PATH but
# timeout(1) -- no clang, no cc -- and an empty cache.
if [ -n "$artifact" ]; then
	mkdir "$tmp/nocc-bin"
	ln -s "$(command -v timeout)" "$tmp/nocc-bin/timeout"
	mkdir -m 700 "$tmp/art-cache"
	PATH=$tmp/nocc-bin TAPHUB_CACHE=$tmp/art-cache \
		run "$TAP" --run "$artifact" -c "$GEN getppid 50" >"$tmp/art.out" 2>&1
	expect "an artifact built on the host runs here with no compiler" "$tmp/art.out" \
		"n=50 same=50 btf=50 tpbtf=1"
	# This kernel has kprobes (checked above): an artifact needing them
	# passes the check, where the host refuses it.
	"$build/tests/e2e/tapaedit" "$artifact" "$tmp/kp.tapa" "" \
		'needs kprobe vfs_read for kernel.function("vfs_read")' >"$tmp/kp.out" 2>&1 &&
		PATH=$tmp/nocc-bin TAPHUB_CACHE=$tmp/art-cache \
			run "$TAP" --run "$tmp/kp.tapa" -c "$GEN getppid 7" >>"$tmp/kp.out" 2>&1
	expect "an artifact needing kprobes passes the feature check here" "$tmp/kp.out" \
		"n=7 same=7 btf=7 tpbtf=1"
fi

echo "kernel $rel: $npass passed, $nfail failed"
[ "$nfail" = 0 ]
