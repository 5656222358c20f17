#!/bin/sh
# SPDX-License-Identifier: MIT
# Context functions in user and kernel context: pp(), execname(), pid(),
# tid(), ppid(), uid(), cpu(), gettimeofday_*().
. "$(dirname "$0")/lib.sh"
require_kernel

prog='probe begin {
	printf("begin pp=%s exec=%s pid=%d tid=%d uid=%d cpu_ok=%d\n", pp(), execname(), pid(),
	       tid(), uid(), cpu() >= 0 && cpu() < num_online_cpus())
	printf("begin time %d %d %d %d\n", gettimeofday_s(), gettimeofday_ms(), gettimeofday_us(),
	       gettimeofday_ns())
}
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	printf("kernel pp=%s exec=%s pid=%d tid=%d ppid=%d uid=%d cpu_ok=%d ppfunc=[%s]\n", pp(),
	       execname(), pid(), tid(), ppid(), uid(), cpu() >= 0 && cpu() < num_online_cpus(),
	       ppfunc())
	printf("kernel time %d %d %d %d\n", gettimeofday_s(), gettimeofday_ms(), gettimeofday_us(),
	       gettimeofday_ns())
}'

now=$(date +%s)
tap_run ctx -c "$GEN getppid 1" -e "$prog"
assert_ok "context functions run" ctx
# field VALUE-NAME LINE-PREFIX: NAME=VALUE on the line starting with PREFIX
field() { sed -n "s/^$2.* $1=\\([^ ]*\\).*/\\1/p" "$TMP/ctx.out"; }

assert_eq "pp() in begin" "$(field pp begin)" begin
assert_eq "pp() in a tracepoint probe" "$(field pp kernel)" 'kernel.trace("syscalls:sys_enter_getppid")'
assert_eq "ppfunc() in a tracepoint probe: no function" "$(field ppfunc kernel)" '[]'
assert_eq "execname() in begin is the runner" "$(field exec begin)" tap
assert_eq "execname() in the kernel is the target's" "$(field exec kernel)" gen
assert_eq "tid() is pid() in begin" "$(field tid begin)" "$(field pid begin)"
assert_eq "tid() is pid() of a single-threaded target" "$(field tid kernel)" "$(field pid kernel)"
assert_eq "ppid() of the target is the runner, pid() in begin" "$(field ppid kernel)" \
	"$(field pid begin)"
assert_eq "uid() in begin" "$(field uid begin)" "$(id -u)"
assert_eq "uid() in the kernel" "$(field uid kernel)" "$(id -u)"
assert_eq "cpu() is an online CPU (user)" "$(field cpu_ok begin)" 1
assert_eq "cpu() is an online CPU (kernel)" "$(field cpu_ok kernel)" 1

# gettimeofday_*: now, and the four agree with each other.
for ctx in begin kernel; do
	set -- $(sed -n "s/^$ctx time //p" "$TMP/ctx.out")
	assert_range "gettimeofday_s() is now ($ctx)" "${1:-0}" "$now" $((now + 5))
	assert_range "gettimeofday_ms() agrees with _s ($ctx)" "$((${2:-0} / 1000 - ${1:-0}))" 0 1
	assert_range "gettimeofday_us() agrees with _ms ($ctx)" "$((${3:-0} / 1000 - ${2:-0}))" 0 1
	assert_range "gettimeofday_ns() agrees with _us ($ctx)" "$((${4:-0} / 1000 - ${3:-0}))" 0 1
done

# uid() of another user's process.
if command -v setpriv >/dev/null 2>&1; then
	tap_run uid -c "setpriv --reuid=65534 --regid=65534 --clear-groups $GEN getppid 1" \
		-e 'probe kernel.trace("syscalls:sys_enter_getppid") {
			if (pid() == target()) printf("uid=%d\n", uid()) }'
	assert_eq "uid() of a process running as nobody" "$(value uid uid)" 65534
fi

# ctime()/tz_ctime() in both contexts, against date(1): the epoch, a leap
# day, a Sunday, the last second of 2099, and before 1970
T="0 951782400 1000000000 4102444799"
ct='probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	t = 0; printf("kernel %d %s|%s\n", t, ctime(t), tz_ctime(t))
	t = 951782400; printf("kernel %d %s|%s\n", t, ctime(t), tz_ctime(t))
	t = 1000000000; printf("kernel %d %s|%s\n", t, ctime(t), tz_ctime(t))
	t = 4102444799; printf("kernel %d %s|%s\n", t, ctime(t), tz_ctime(t))
	printf("kernel -1 %s\n", ctime(-1))
}
global ts
probe begin {
	ts[0] = 1; ts[951782400] = 1; ts[1000000000] = 1; ts[4102444799] = 1
	foreach (t in ts) printf("user %d %s|%s\n", t, ctime(t), tz_ctime(t))
	printf("user -1 %s\n", ctime(-1))
}'
TZ=JST-9 tap_run ctime -c "$GEN getppid 1" -e "$ct"
assert_ok "ctime() and tz_ctime() run in both contexts" ctime
for t in $T; do
	want="$(LC_ALL=C TZ=UTC date -d @$t '+%a %b %e %H:%M:%S %Y')|$(LC_ALL=C TZ=JST-9 date -d @$t '+%a %b %e %H:%M:%S %Y %Z')"
	assert_eq "ctime/tz_ctime($t) in the kernel" "$(sed -n "s/^kernel $t //p" "$TMP/ctime.out")" "$want"
	assert_eq "ctime/tz_ctime($t) in user context" "$(sed -n "s/^user $t //p" "$TMP/ctime.out")" "$want"
done
assert_eq "ctime() before 1970, kernel" "$(sed -n 's/^kernel -1 //p' "$TMP/ctime.out")" "a long, long time ago..."
assert_eq "ctime() before 1970, user" "$(sed -n 's/^user -1 //p' "$TMP/ctime.out")" "a long, long time ago..."

finish
