#!/bin/sh
# SPDX-License-Identifier: MIT
# The syscall tapsets (compiler/tapset/syscalls_*.stp, aux_syscalls.stp,
# syscall_any.stp, the generated errno_str): the workload generator makes
# system calls with known arguments (gen sys: one of each kind; gen fork,
# kill, getppid: known counts) and the aliases' variables, argstr and
# retstr must print what SystemTap prints for them.  The expected strings
# are written from stap's tapsets (sysc_*.stp, aux_syscalls.stp), not
# from what tap prints.  Also: tap -l/-L listings and the shipped example
# scripts (syscalls_by_proc, topsys, opensnoop, execsnoop).
. "$(dirname "$0")/lib.sh"
require_kernel

EX=$E2E_DIR/../../sessions/examples

# has NAME BASE LINE: stdout of run BASE has exactly this line
has() {
	if grep -Fxq -- "$3" "$TMP/$2.out"; then
		pass "$1"
	else
		fail "$1" "no line '$3' in stdout" "$(run_details "$2")"
	fi
}

# has_re NAME BASE REGEX: stdout of run BASE has a line matching the ERE
has_re() {
	if grep -Eq -- "$2" "$TMP/$3.out"; then
		pass "$1"
	else
		fail "$1" "no line matching '$2' in stdout" "$(run_details "$3")"
	fi
}

# ---- one call of each kind, with known arguments --------------------------------

D=$TMP/sys
mkdir -p "$D"
PORT=$((20000 + $$ % 20000))
tap_run sys -c "$GEN sys $D $PORT" -e '
probe syscall.open, syscall.openat, syscall.read, syscall.write, syscall.pread,
	syscall.pwrite, syscall.close, syscall.ioctl, syscall.fsync, syscall.rename,
	syscall.renameat, syscall.renameat2, syscall.unlink, syscall.unlinkat, syscall.mkdir,
	syscall.mkdirat, syscall.stat, syscall.lstat, syscall.fstat, syscall.fstatat,
	syscall.statx, syscall.mmap, syscall.munmap, syscall.brk, syscall.nanosleep,
	syscall.clock_nanosleep, syscall.poll, syscall.ppoll, syscall.epoll_wait,
	syscall.epoll_pwait, syscall.socket, syscall.connect, syscall.accept, syscall.accept4,
	syscall.sendto, syscall.recvfrom, syscall.fork, syscall.vfork, syscall.clone3,
	syscall.wait4, syscall.kill, syscall.futex, syscall.exit_group, syscall.execve,
	syscall.readv, syscall.writev, syscall.send, syscall.recv, syscall.sendmsg, syscall.recvmsg
{
	if (pid() == target())
		printf("%s(%s)\n", name, argstr)
}
probe syscall.open.return, syscall.openat.return, syscall.read.return,
	syscall.write.return, syscall.pread.return, syscall.pwrite.return,
	syscall.mmap.return, syscall.munmap.return, syscall.brk.return,
	syscall.nanosleep.return, syscall.socket.return, syscall.sendto.return,
	syscall.recvfrom.return, syscall.accept.return, syscall.accept4.return,
	syscall.fork.return, syscall.vfork.return, syscall.wait4.return,
	syscall.kill.return, syscall.futex.return, syscall.execve.return,
	syscall.mkdir.return, syscall.unlink.return, syscall.readv.return,
	syscall.writev.return, syscall.send.return, syscall.recv.return,
	syscall.sendmsg.return, syscall.recvmsg.return
{
	if (pid() == target())
		printf("%s = %s %d\n", name, retstr, retval)
}
probe syscall.open {
	if (pid() == target())
		printf("open: filename=%s unquoted=%s flags=%#x flags_str=%s mode=%d\n",
		       filename, filename_unquoted, flags, flags_str, mode)
}
probe syscall.openat {
	if (pid() == target())
		printf("openat: dfd=%d dfd_str=%s filename=%s flags=%d flags_str=%s\n", dfd,
		       dfd_str, filename, flags, flags_str)
}
probe syscall.write {
	if (pid() == target())
		printf("write: fd=%d count=%d buf_str=%s\n", fd, count, buf_str)
}
probe syscall.pread {
	if (pid() == target())
		printf("pread: fd=%d count=%d offset=%d buf=%d\n", fd, count, offset, buf_uaddr != 0)
}
probe syscall.mmap {
	if (pid() == target())
		printf("mmap: start=%d length=%d prot=%d prot_str=%s flags=%#x flags_str=%s fd=%d\n",
		       start, length, prot, prot_str, flags, flags_str, fd)
}
probe syscall.munmap {
	if (pid() == target())
		printf("munmap: start=%#x length=%d\n", start, length)
}
probe syscall.nanosleep {
	if (pid() == target())
		printf("nanosleep: req_str=%s rem=%d\n", req_str, rem_uaddr)
}
probe syscall.socket {
	if (pid() == target())
		printf("socket: family=%d type=%#x protocol=%d %s %s %s\n", family, type, protocol,
		       family_str, type_str, protocol_str)
}
probe syscall.sendto {
	if (pid() == target())
		printf("sendto: len=%d flags_str=%s buf=%s to_str=%s tolen=%d\n", len, flags_str,
		       buf, to_str, tolen)
}
probe syscall.kill {
	if (pid() == target())
		printf("kill: sig=%d sig_name=%s\n", sig, sig_name)
}
probe syscall.wait4 {
	if (pid() == target())
		printf("wait4: options=%d options_str=%s\nwait4: pid=%d\n", options, options_str, pid)
}
probe syscall.clone3 {
	if (pid() == target())
		printf("clone3: thread=%d size=%d\n", (clone_flags & 0x10000) != 0, size)
}
probe syscall.futex {
	if (pid() == target())
		printf("futex: op=%d val=%d\n", op, val)
}
probe syscall.exit_group {
	if (pid() == target())
		printf("exit_group: status=%d\n", status)
}
probe syscall.execve {
	if (pid() == target())
		printf("execve: filename=%s args=%s\n", filename, args)
}
probe syscall.renameat2 {
	if (pid() == target())
		printf("renameat2: flags=%d flags_str=%s new=%s\n", flags, flags_str,
		       newname_str_unquoted)
}
probe syscall.unlinkat {
	if (pid() == target())
		printf("unlinkat: dfd_str=%s pathname_str=%s flag=%#x flag_str=%s\n", dfd_str,
		       pathname_str, flag, flag_str)
}
probe syscall.fstatat {
	if (pid() == target())
		printf("fstatat: dirfd_str=%s path=%s flags_str=%s\n", dirfd_str, path, flags_str)
}
probe syscall.clock_nanosleep {
	if (pid() == target())
		printf("clock_nanosleep: clk_id=%d clk_id_str=%s flags_str=%s req_str=%s\n",
		       clk_id, clk_id_str, flags_str, req_str)
}
'
assert_ok_skips "gen sys under the syscall aliases runs" sys

# files: open with O_CREAT shows its mode in octal, write shows the data
has "open: argstr with the mode" sys "open(\"$D/f\", O_WRONLY|O_CREAT|O_TRUNC, 0640)"
has "open: variables" sys \
	"open: filename=\"$D/f\" unquoted=$D/f flags=0x241 flags_str=O_WRONLY|O_CREAT|O_TRUNC mode=416"
has "open.return: retstr 3" sys "open = 3 3"
has "write: argstr with the quoted data" sys 'write(3, "hello\n", 6)'
has "write: variables" sys 'write: fd=3 count=6 buf_str="hello\n"'
has "write.return: 6 bytes" sys "write = 6 6"
has "pwrite: data and offset" sys 'pwrite(3, "abc", 3, 100)'
has "fsync: the fd" sys "fsync(3)"
has "close: the fd" sys "close(3)"
has "openat: AT_FDCWD, no mode without O_CREAT" sys "openat(AT_FDCWD, \"$D/f\", O_RDONLY)"
has "openat: variables" sys "openat: dfd=-100 dfd_str=AT_FDCWD filename=\"$D/f\" flags=0 flags_str=O_RDONLY"
has_re "read: fd, buffer address, count" '^read\(3, 0x[0-9a-f]+, 4096\)$' sys
has "read.return: the 103 bytes of the file" sys "read = 103 103"
has_re "pread: fd, buffer, count, offset" '^pread\(3, 0x[0-9a-f]+, 16, 2\)$' sys
has "pread: variables" sys "pread: fd=3 count=16 offset=2 buf=1"
has "pread.return: 16 bytes" sys "pread = 16 16"
has_re "writev: fd, vector, count" '^writev\([0-9]+, 0x[0-9a-f]+, 2\)$' sys
has "writev.return: 4 bytes" sys "writev = 4 4"
has_re "readv: fd, vector, count" '^readv\([0-9]+, 0x[0-9a-f]+, 2\)$' sys
has "readv.return: 6 bytes" sys "readv = 6 6"
has_re "fstat: fd and buffer" '^fstat\(3, 0x[0-9a-f]+\)$' sys
has_re "ioctl: fd, FIONREAD, argp" '^ioctl\(3, 21531, 0x[0-9a-f]+\)$' sys
has "openat of a missing file" sys "openat(AT_FDCWD, \"$D/missing\", O_RDONLY)"
has "openat.return: -2 (ENOENT)" sys "openat = -2 (ENOENT) -2"
has_re "stat: path and buffer" "^stat\(\"$D/f\", 0x[0-9a-f]+\)\$" sys
has_re "lstat: path and buffer" "^lstat\(\"$D/f\", 0x[0-9a-f]+\)\$" sys
has_re "fstatat (newfstatat): AT_SYMLINK_NOFOLLOW" \
	"^fstatat\(AT_FDCWD, \"$D/f\", 0x[0-9a-f]+, AT_SYMLINK_NOFOLLOW\)\$" sys
has "fstatat: variables" sys "fstatat: dirfd_str=AT_FDCWD path=\"$D/f\" flags_str=AT_SYMLINK_NOFOLLOW"
has_re "statx: flags 0x0, mask in hex as stap prints it" \
	"^statx\(AT_FDCWD, \"$D/f\", 0x0, 0x7ff, 0x[0-9a-f]+\)\$" sys
has "mkdir: path and octal mode" sys "mkdir(\"$D/d\", 0750)"
has "mkdir.return: 0" sys "mkdir = 0 0"
has "mkdirat: AT_FDCWD and octal mode" sys "mkdirat(AT_FDCWD, \"$D/d2\", 0700)"
has "rename: both paths" sys "rename(\"$D/f\", \"$D/g\")"
has "renameat: both dfds and paths" sys "renameat(AT_FDCWD, \"$D/g\", AT_FDCWD, \"$D/h\")"
has "renameat2: RENAME_NOREPLACE" sys \
	"renameat2(AT_FDCWD, \"$D/h\", AT_FDCWD, \"$D/x\", RENAME_NOREPLACE)"
has "renameat2: variables" sys "renameat2: flags=1 flags_str=RENAME_NOREPLACE new=$D/x"
has "unlink: the path" sys "unlink(\"$D/x\")"
has "unlink.return: 0" sys "unlink = 0 0"
has "unlinkat: AT_REMOVEDIR" sys "unlinkat(AT_FDCWD, \"$D/d\", AT_REMOVEDIR)"
has "unlinkat: variables" sys "unlinkat: dfd_str=AT_FDCWD pathname_str=\"$D/d2\" flag=0x200 flag_str=AT_REMOVEDIR"

# memory: mmap's retstr is hex, and is what munmap is given
has "mmap: prot and flags decoded" sys \
	"mmap(0x0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
has "mmap: variables" sys \
	"mmap: start=0 length=8192 prot=3 prot_str=PROT_READ|PROT_WRITE flags=0x22 flags_str=MAP_PRIVATE|MAP_ANONYMOUS fd=-1"
maddr=$(sed -n 's/^munmap: start=\(0x[0-9a-f]*\) length=8192$/\1/p' "$TMP/sys.out" | tail -n 1)
if [ -n "$maddr" ] && grep -Eq "^mmap = $maddr -?[0-9]+\$" "$TMP/sys.out"; then
	pass "mmap.return: retstr in hex, the address munmap gets"
else
	fail "mmap.return: retstr in hex, the address munmap gets" "munmap start '$maddr'" \
		"$(grep '^mmap = \|^munmap' "$TMP/sys.out")"
fi
has "munmap: address and length" sys "munmap($maddr, 8192)"
has "brk(0)" sys "brk(0x0)"
has_re "brk.return: the break in decimal, as stap prints it" '^brk = [1-9][0-9]+ [1-9][0-9]+$' sys

# waiting: timespecs read from user memory
has "nanosleep: 20 ms" sys "nanosleep([0.020000000], 0x0)"
has "nanosleep: variables" sys "nanosleep: req_str=[0.020000000] rem=0"
has "nanosleep.return: 0" sys "nanosleep = 0 0"
has "clock_nanosleep: clock, flags, 10 ms" sys "clock_nanosleep(CLOCK_MONOTONIC, 0x0, [0.010000000], 0x0)"
has "clock_nanosleep: variables" sys \
	"clock_nanosleep: clk_id=1 clk_id_str=CLOCK_MONOTONIC flags_str=0x0 req_str=[0.010000000]"
has "poll: fds, nfds, timeout" sys "poll(0x0, 0, 5)"
has "ppoll: the timespec" sys "ppoll(0x0, 0, [0.001000000], 0x0, 8)"
has_re "epoll_wait: epfd, events, maxevents, timeout" '^epoll_wait\([0-9]+, 0x[0-9a-f]+, 4, 1\)$' sys
has_re "epoll_pwait: and the sigmask" '^epoll_pwait\([0-9]+, 0x[0-9a-f]+, 4, 1, 0x0, 8\)$' sys

# sockets
has "socket: PF_INET, SOCK_DGRAM|SOCK_CLOEXEC" sys "socket(PF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP)"
has "socket: IPPROTO_UDP" sys "socket(PF_INET, SOCK_DGRAM, IPPROTO_UDP)"
has "socket: SOCK_STREAM|SOCK_NONBLOCK" sys "socket(PF_INET, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_IP)"
has "socket: variables" sys "socket: family=2 type=0x80002 protocol=0 PF_INET SOCK_DGRAM|SOCK_CLOEXEC IPPROTO_IP"
has_re "sendto: data, flags, address" \
	"^sendto\([0-9]+, \"ping\", 4, MSG_DONTWAIT, \{AF_INET, 127\.0\.0\.1, $PORT\}, 16\)\$" sys
has "sendto: variables" sys \
	"sendto: len=4 flags_str=MSG_DONTWAIT buf=\"ping\" to_str={AF_INET, 127.0.0.1, $PORT} tolen=16"
has "sendto.return: 4 bytes" sys "sendto = 4 4"
has_re "recvfrom: buffer, size, flags" '^recvfrom\([0-9]+, 0x[0-9a-f]+, 64, MSG_DONTWAIT, 0x[0-9a-f]+, 0x[0-9a-f]+\)$' sys
has "recvfrom.return: the 4 bytes" sys "recvfrom = 4 4"
has_re "connect: the address" "^connect\([0-9]+, \{AF_INET, 127\.0\.0\.1, $PORT\}, 16\)\$" sys
# send and recv: sendto and recvfrom with no address (x86-64 has no send(2), recv(2))
has_re "send: data, flags" '^send\([0-9]+, "pong", 4, MSG_DONTWAIT\)$' sys
has "send.return: 4 bytes" sys "send = 4 4"
assert_eq "send: only the sendto with no address, entry and return" \
	"$(grep -c '^send[ (]' "$TMP/sys.out")" 2
has_re "recv: buffer, size, flags" '^recv\([0-9]+, 0x[0-9a-f]+, 64, MSG_DONTWAIT\)$' sys
has "recv.return: 4 bytes" sys "recv = 4 4"
assert_eq "recv: only the recvfrom with no address, entry and return" \
	"$(grep -c '^recv[ (]' "$TMP/sys.out")" 2
has_re "sendmsg: fd, msghdr, flags" '^sendmsg\([0-9]+, 0x[0-9a-f]+, MSG_DONTWAIT\)$' sys
has "sendmsg.return: 4 bytes" sys "sendmsg = 4 4"
has_re "recvmsg: fd, msghdr, flags" '^recvmsg\([0-9]+, 0x[0-9a-f]+, MSG_DONTWAIT\)$' sys
has "recvmsg.return: 4 bytes" sys "recvmsg = 4 4"
has_re "accept: NULL address" '^accept\([0-9]+, 0x0, 0x0\)$' sys
has "accept.return: -11 (EAGAIN)" sys "accept = -11 (EAGAIN) -11"
has_re "accept4: SOCK_CLOEXEC" '^accept4\([0-9]+, 0x0, 0x0, SOCK_CLOEXEC\)$' sys

# processes: fork and vfork return the child's pid, which wait4 is given
for call in fork vfork; do
	child=$(sed -n "s/^$call = \([1-9][0-9]*\) [0-9]*\$/\1/p" "$TMP/sys.out" | head -n 1)
	has "$call: argstr empty" sys "$call()"
	if [ -n "$child" ] && grep -Eq "^wait4\($child, 0x[0-9a-f]+, 0x0, 0x0\)\$" "$TMP/sys.out" &&
		grep -Fxq "wait4: pid=$child" "$TMP/sys.out" &&
		grep -Fxq "wait4 = $child $child" "$TMP/sys.out"; then
		pass "$call.return: the child's pid, waited for by wait4"
	else
		fail "$call.return: the child's pid, waited for by wait4" "child '$child'" \
			"$(grep "^$call\|^wait4" "$TMP/sys.out")"
	fi
done
has "wait4: options" sys "wait4: options=0 options_str=0x0"
has "clone3 (pthread_create): CLONE_THREAD, size 88" sys "clone3: thread=1 size=88"
has_re "clone3: flags decoded" '^clone3\(\{flags=CLONE_VM\|CLONE_FS\|' sys
has_re "kill: pid and SIG_0" '^kill\([1-9][0-9]*, SIG_0\)$' sys
has "kill: variables" sys "kill: sig=0 sig_name=SIG_0"
has "kill.return: 0" sys "kill = 0 0"
has_re "futex: FUTEX_WAKE_PRIVATE, short form" '^futex\(0x[0-9a-f]+, FUTEX_WAKE_PRIVATE, 1\)$' sys
has_re "futex: FUTEX_WAIT with its timeout" '^futex\(0x[0-9a-f]+, FUTEX_WAIT, 1, \[0\.000001000\]\)$' sys
has "futex.return: -11 (EAGAIN)" sys "futex = -11 (EAGAIN) -11"
has "futex: variables" sys "futex: op=0 val=1"
has "exit_group: status 0" sys "exit_group(0)"
has "exit_group: variables" sys "exit_group: status=0"
has "execve: filename and argv" sys "execve: filename=\"$GEN\" args=[\"$GEN\", \"sys\", \"$D\", \"$PORT\"]"
has_re "execve: argstr starts with filename, argv" "^execve\(\"$GEN\", \[\"$GEN\", \"sys\"" sys
has "execve.return: 0" sys "execve = 0 0"

# ---- data cut at stap's 50 characters; unread variables cost nothing ------------

tap_run long -c "$GEN write 1 100" -e 'probe syscall.write { if (pid() == target()) println(argstr) }'
has "write of 100 bytes: cut at 45 characters, marked ..." long \
	"3, \"$(printf '%045d' 0 | tr 0 x)\"..., 100"

tap_run elide -p3 -e 'global n probe syscall.write, syscall.execve { n++ }'
assert_no_grep "an unread buf_str or argv is not computed" "$TMP/elide.out" \
	'user_buffer_quoted\|__get_argv'

# tapset functions name their locals __x: a script's globals keep their values
tap_run globals -c "$GEN write 2 10" -e 'global s = "kept", n = 7, i = 3, f = 5
probe syscall.write { if (pid() == target()) { a = argstr; m = _mmap_flags(0x22) } }
probe end { printf("%s %d %d %d\n", s, n, i, f) }'
has "a script's globals s, n, i, f untouched by the tapset functions" globals "kept 7 3 5"

# ---- counts: N forks (clone from libc), N signals to a known child -----------------

tap_run fork -c "$GEN fork 5" -e 'global n, parent, child, flags
probe syscall.clone { if (pid() == target()) { n++; flags[argstr]++ } }
probe syscall.clone.return {
	if (pid() == target() && retval > 0) parent++
	if (ppid() == target() && retval == 0) child++
}
probe end {
	printf("clones=%d\nparent=%d\nchild=%d\n", n, parent, child)
	foreach (a in flags) printf("argstr %s\n", a)
}'
assert_eq "5 forks: 5 clone calls" "$(value clones fork)" 5
assert_eq "5 forks: clone.return in the parent, retval > 0" "$(value parent fork)" 5
assert_eq "5 forks: clone.return in the child, retval 0" "$(value child fork)" 5
assert_grep "5 forks: libc's fork flags" "$TMP/fork.out" \
	'^argstr CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, 0x0, 0x0, 0x'

# the child's pid is not known before the run: match argstr by pattern instead
tap_run kill2 -c "$GEN kill 4 10" -e 'global n, k
probe syscall.kill { if (pid() == target()) { n[argstr]++; k[sig, sig_name]++ } }
probe end { foreach ([a] in n) printf("%s x%d\n", a, n[a]); foreach ([s, nm] in k) printf("sig %d %s x%d\n", s, nm, k[s, nm]) }'
assert_grep "4 SIGUSR1 to the child: argstr" "$TMP/kill2.out" '^[1-9][0-9]*, SIGUSR1 x4$'
assert_grep "4 SIGUSR1 to the child: sig, sig_name" "$TMP/kill2.out" '^sig 10 SIGUSR1 x4$'
assert_grep "then SIGKILL" "$TMP/kill2.out" '^sig 9 SIGKILL x1$'

# int_arg() in a return probe reads the call's arguments, as stap's
# tp_syscall.*.return do (lwtools/killsnoop-nd.stp): the same pid and signal
tap_run killret -c "$GEN kill 4 10" -e 'global pid, same, diff
probe nd_syscall.kill { if (pid() == target()) pid[tid()] = int_arg(1) }
probe nd_syscall.kill.return {
	if (pid() != target()) next
	if (int_arg(1) == pid[tid()] && int_arg(1) > 0 && uint_arg(2) == (int_arg(2) == 10 ? 10 : 9) &&
	    retval == 0)
		same++
	else
		diff++
}
probe end { printf("same=%d\ndiff=%d\n", same, diff) }'
assert_eq "int_arg(1), uint_arg(2) at the return of 5 kill calls: their pid and signal" \
	"$(value same killret)" 5
assert_eq "and no other value" "$(value diff killret)" 0

# ---- syscall_any, errno_str and return_str in both contexts -------------------------

tap_run any -c "$GEN getppid 7" -e 'global n, r, a
probe syscall_any { if (pid() == target() && name == "getppid") { n++; a = argstr } }
probe syscall_any.return {
	if (pid() == target() && name == "getppid" && retval == ppid() && retstr == sprint(ppid())) r++
}
probe end { printf("enter=%d\nreturn=%d\nargstr %s\n", n, r, a) }'
assert_eq "syscall_any: 7 getppid by name" "$(value enter any)" 7
assert_eq "syscall_any.return: retval and retstr" "$(value return any)" 7
assert_grep "syscall_any: six raw arguments" "$TMP/any.out" '^argstr 0x[0-9a-f]*, 0x[0-9a-f]*, 0x[0-9a-f]*, 0x[0-9a-f]*, 0x[0-9a-f]*, 0x[0-9a-f]*$'

cat >"$TMP/errno.stp" <<'EOF'
function show(where) {
	printf("%s %s %s %s [%s] %s %s %s %d\n", where, errno_str(2), errno_str(-13),
	       errno_str(133), errno_str(3333), return_str(1, -2), return_str(2, 4096),
	       return_str(3, 420), errno_p(-22))
}
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) show("kernel") }
probe end { show("user") }
EOF
tap_run errno -c "$GEN getppid 1" "$TMP/errno.stp"
has "errno_str, return_str in a kernel probe" errno \
	"kernel ENOENT EACCES EHWPOISON [] -2 (ENOENT) 0x1000 0644 22"
has "errno_str, return_str in a user probe" errno \
	"user ENOENT EACCES EHWPOISON [] -2 (ENOENT) 0x1000 0644 22"

tap_run aux -e 'probe begin {
	println(_sys_open_flag_str(0x1000))
	println(_sys_open_flag_str(0x4000c2))
	println(_mmap_flags(0))
	println(_mprotect_prot_str(0))
	println(__fork_flags(0x11))
	println(_signal_name(16))
	println(_signal_name(29))
	println(_sock_type_str(0x10))
	println(_wait_status_str(0x700))
	println(_wait_status_str(9))
	println(_futex_op_str(0x109))
	exit()
}'
assert_eq "flag and enum decoding as stap does it" "$(out aux | tr '\n' ' ')" \
	"O_RDONLY|O_SYNC O_RDWR|O_CREAT|O_EXCL|0x400000 0x0 PROT_NONE 0x0|SIGCHLD 0x10 SIGIO/SIGPOLL 0x10 WEXITSTATUS=7 WTERMSIG=SIGKILL 0x109 "

# ---- stap's other names of the syscall tapset: nd_syscall.*, nd1_, nd2_, tp_, dw_ -------

tap_run nd -c "$GEN getppid 9" -e 'global e, r, t, bad
probe nd_syscall.getppid { if (pid() == target()) { e++; if (name != "getppid" || argstr != "") bad++ } }
probe nd_syscall.getppid.return { if (pid() == target()) { r++; if (retval != ppid() || retstr != sprint(ppid())) bad++ } }
probe tp_syscall.getppid, nd2_syscall.getppid.return { if (pid() == target()) t++ }
probe end { printf("e=%d\nr=%d\nt=%d\nbad=%d\n", e, r, t, bad) }'
assert_ok "nd_syscall script runs" nd
assert_eq "nd_syscall.getppid: 9 calls" "$(value e nd)" 9
assert_eq "nd_syscall.getppid.return: 9 returns" "$(value r nd)" 9
assert_eq "tp_syscall.getppid and nd2_syscall.getppid.return: 9 each" "$(value t nd)" 18
assert_eq "nd_syscall.*: syscall.*'s name, argstr, retval, retstr" "$(value bad nd)" 0
tap_run ndlist -L 'nd_syscall.read*'
has "tap -L nd_syscall.read: syscall.read's variables under its name" ndlist \
	"nd_syscall.read name:string fd:long buf_uaddr:long count:long argstr:string"

# ---- listings ------------------------------------------------------------------------

tap_run list -l 'syscall.*'
has "tap -l lists syscall.openat" list "syscall.openat"
has "tap -l lists stap's syscall.stat" list "syscall.stat"
has "tap -l lists a generated alias (syscall.getppid)" list "syscall.getppid"
assert_no_grep "tap -l 'syscall.*' lists no .return" "$TMP/list.out" '\.return$'
tap_run listv -L 'syscall.open*'
has "tap -L shows openat's variables" listv \
	"syscall.openat name:string dfd:long dfd_str:string filename_unquoted:string filename:string flags:long flags_str:string mode:long argstr:string"
has "tap -L shows open's variables" listv \
	"syscall.open name:string filename_unquoted:string filename:string flags:long flags_str:string mode:long argstr:string"
tap_run listr -L 'syscall.read.return'
has "tap -L of a return alias" listr "syscall.read.return name:string retval:long retstr:string"
tap_run lista -L 'syscall_any'
has "tap -L syscall_any" lista "syscall_any syscall_nr:long name:string argstr:string"
tap_run listar -L 'syscall_any.return'
has "tap -L syscall_any.return" listar \
	"syscall_any.return syscall_nr:long name:string retval:long retstr:string"

# ---- known compiler bugs that the tapsets cannot work around -------------------------

# syscall.* pulls in generated aliases whose variables are named like
# builtins (pid = $pid for kill, tkill, ...; uid, gid, cpu), and the
# script's global n must not be captured by prologues with n = $n
tap_run anysys -c "$GEN getppid 5" -e 'global n; probe syscall.* { if (pid() == target()) n[name]++ }
probe end { printf("%d\n", n["getppid"]) }'
assert_eq "syscall.* compiles and counts into the script's global" "$(out anysys)" "5"

# ---- the shipped examples --------------------------------------------------------------

tap_run byproc -c "$GEN getppid 300" "$EX/syscalls_by_proc.stp"
assert_ok_skips "syscalls_by_proc.stp runs" byproc
assert_grep "syscalls_by_proc: header" "$TMP/byproc.out" '^PROCESS *PID *SYSCALLS$'
assert_grep "syscalls_by_proc: gen made >= 300 calls" "$TMP/byproc.out" \
	'^gen  *[0-9][0-9]*  *\(3[0-9][0-9]\|[4-9][0-9][0-9]\|[0-9]\{4,\}\)$'

# a name of its own: other tests may run gen at the same time
cp "$GEN" "$TMP/topgen"
tap_run topsys -c "$TMP/topgen getppid 500" "$EX/topsys.stp" 1
assert_ok_skips "topsys.stp runs" topsys
assert_grep "topsys: header" "$TMP/topsys.out" '^PROCESS *SYSCALL *CALLS$'
assert_grep "topsys: 500 getppid by topgen" "$TMP/topsys.out" '^topgen *getppid *500$'

f=$TMP/snooped
: >"$f"
tap_run opensnoop -c "sh -c '$GEN open $f 3; $GEN open $TMP/missing 1'" "$EX/opensnoop.stp"
assert_ok_skips "opensnoop.stp runs" opensnoop
assert_grep "opensnoop: header" "$TMP/opensnoop.out" '^ *PID  *COMM  *FD  *FLAGS  *PATH$'
assert_eq "opensnoop: the 3 opens of the file" \
	"$(grep -c "^ *[0-9][0-9]*  *gen  *[0-9][0-9]*  *O_RDONLY|O_CLOEXEC  *$f\$" "$TMP/opensnoop.out")" 3
assert_grep "opensnoop: a failed open shows its error" "$TMP/opensnoop.out" \
	'^ *[0-9][0-9]*  *[^ ]*  *-2 (ENOENT)  *'

tap_run execsnoop -c "sh -c '/bin/true one two; exit 0'" "$EX/execsnoop.stp"
assert_ok_skips "execsnoop.stp runs" execsnoop
assert_grep "execsnoop: header" "$TMP/execsnoop.out" '^ *PID  *PPID  *RET  *ARGS$'
assert_grep "execsnoop: /bin/true with its arguments" "$TMP/execsnoop.out" \
	'^ *[0-9][0-9]*  *[0-9][0-9]*  *0  *"/bin/true", "one", "two"$'

# ---- a generic alias (from the tracepoint's format): a char * argument is the string ----
tap_run generic -c "python3 -c 'import ctypes; ctypes.CDLL(None).swapon(b\"/nonexistent/swapfile\", 0)'" -e '
probe syscall.swapon { if (pid() == target()) printf("file=%s\nargstr=%s\n", specialfile, argstr) }'
assert_ok "syscall.swapon (a generic alias) runs" generic
assert_grep "a generic alias gives a char * argument as the quoted string" "$TMP/generic.out" \
	'^file="/nonexistent/swapfile"$'
assert_grep "... in argstr too" "$TMP/generic.out" '^argstr="/nonexistent/swapfile", 0$'

finish
