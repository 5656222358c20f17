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
# day, a Sunday, dates before 1970, and (ctime) the ends of what 32-bit
# seconds hold, as stap's ctime.exp; one second beyond either end, and a
# tz_ctime whose local time is beyond (the last second in UTC+9), is
# stap's error
T="0 951782400 1000000000 -1 -86400 -1000000000"
ct='function show(c, t) { printf("%s %d %s|%s\n", c, t, ctime(t), tz_ctime(t)) }
function ends(c) {
	printf("%s max %s\n", c, ctime(2147483647))
	printf("%s min %s\n", c, ctime(-2147483648))
	try { println(ctime(2147483648)) } catch (m) { printf("%s after: %s\n", c, m) }
	try { println(ctime(-2147483649)) } catch (m) { printf("%s before: %s\n", c, m) }
	try { println(tz_ctime(2147483647)) } catch (m) { printf("%s tz after: %s\n", c, m) }
}
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	show("kernel", 0); show("kernel", 951782400); show("kernel", 1000000000)
	show("kernel", -1); show("kernel", -86400); show("kernel", -1000000000)
	ends("kernel")
}
probe begin {
	show("user", 0); show("user", 951782400); show("user", 1000000000)
	show("user", -1); show("user", -86400); show("user", -1000000000)
	ends("user")
}'
TZ=JST-9 tap_run ctime -c "$GEN getppid 1" -e "$ct"
assert_ok "ctime() and tz_ctime() run in both contexts" ctime
for t in $T; do
	want="$(LC_ALL=C TZ=UTC date -d @$t '+%a %b %e %H:%M:%S %Y')|$(LC_ALL=C TZ=JST-9 date -d @$t '+%a %b %e %H:%M:%S %Y %Z')"
	assert_eq "ctime/tz_ctime($t) in the kernel" "$(sed -n "s/^kernel $t //p" "$TMP/ctime.out")" "$want"
	assert_eq "ctime/tz_ctime($t) in user context" "$(sed -n "s/^user $t //p" "$TMP/ctime.out")" "$want"
done
assert_eq "ctime(-1) is stap's 'Wed Dec 31 23:59:59 1969'" \
	"$(sed -n 's/^user -1 \([^|]*\)|.*/\1/p' "$TMP/ctime.out")" "Wed Dec 31 23:59:59 1969"
for c in kernel user; do
	assert_eq "ctime(2^31 - 1) in $c context" "$(sed -n "s/^$c max //p" "$TMP/ctime.out")" \
		"Tue Jan 19 03:14:07 2038"
	assert_eq "ctime(-2^31) in $c context" "$(sed -n "s/^$c min //p" "$TMP/ctime.out")" \
		"Fri Dec 13 20:45:52 1901"
	assert_eq "ctime(2^31) in $c context: stap's error" \
		"$(sed -n "s/^$c after: //p" "$TMP/ctime.out")" "Time too far in the future to be converted"
	assert_eq "ctime(-2^31 - 1) in $c context: stap's error" \
		"$(sed -n "s/^$c before: //p" "$TMP/ctime.out")" "Time too far in the past to be converted"
	assert_eq "tz_ctime(2^31 - 1) in UTC+9, $c context: stap's error" \
		"$(sed -n "s/^$c tz after: //p" "$TMP/ctime.out")" "Time too far in the future to be converted"
done

# ---- stp_pid(): the process running the session (tap), in both contexts ------------
# tap starts the -c command itself, so in the command's probes ppid() is tap
tap_run stppid -c "$GEN getppid 2" -e 'global k, b
probe begin { b = stp_pid() == pid() && stp_pid() > 1 }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target() && stp_pid() == ppid()) k++ }
probe end { printf("b=%d\nk=%d\n", b, k) }'
assert_eq "stp_pid() in begin is tap's pid" "$(value b stppid)" 1
assert_eq "stp_pid() in a kernel probe is tap's pid (the -c command's parent)" "$(value k stppid)" 2

finish
