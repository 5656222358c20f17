#!/bin/sh
# SPDX-License-Identifier: MIT
# Arrays: elements, 'in', delete, foreach with every sort, in user context
# and in kernel probes (a snapshot of MAXFOREACH rows: its limits).
. "$(dirname "$0")/lib.sh"
require_kernel

one="$GEN getppid 1"

check_lang arrays -c "$one"
check_lang foreach
check_lang delete -c "$one"
check_lang wrap -c "$GEN getppid 200"

# ---- foreach in kernel probes ------------------------------------------------

check_lang kforeach -c "$GEN getppid 12"

# The snapshot has MAXFOREACH rows (a power of two): an array with more
# elements is stap's kind of runtime error, never a loop over part of it.
# 40 elements, MAXFOREACH=16: a[i] = (i * 17) % 41, all distinct.
fill='global a, n
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target())
		next
	n++
	a[n] = (n * 17) % 41
	if (n < 40)
		next'
tap_run kfover -D MAXFOREACH=16 -c "$GEN getppid 40" -e "$fill
	foreach (k in a) c++
	printf(\"never %d\\n\", c)
}"
assert_rc "foreach over 40 elements, MAXFOREACH=16: an error" kfover 1
assert_grep "... stap's form, naming the array and the limit" "$TMP/kfover.err" \
	"^ERROR: foreach over more than 16 elements, check MAXFOREACH near identifier 'a' at <input>:9:16$"
assert_no_grep "... and the loop did not run" "$TMP/kfover.out" never
tap_run kfover2 -D MAXFOREACH=16 -c "$GEN getppid 40" -e "$fill
	foreach (k+ in a limit 9) c++
}"
assert_rc "a sorted foreach with a limit over half the rows: an error too" kfover2 1
# limit L <= MAXFOREACH / 2: the snapshot keeps the L first of what it saw
# each time it fills, so it sees every element; the 5 largest values are
# 40 39 38 37 36, at i = 12 24 36 7 19 (i = -29 * (41 - v) mod 41, 29 the
# inverse of 17)
tap_run kftop -D MAXFOREACH=16 -c "$GEN getppid 40" -e "$fill
	foreach (v = [k] in a- limit 5)
		printf(\"%d=%d \", k, v)
	foreach (k- in a limit 3)
		printf(\"%d \", k)
	foreach (k in a limit 8)
		c++
	printf(\"%d\\n\", c)
}"
assert_ok "sorted foreach with limit 5 over 40 elements, MAXFOREACH=16" kftop
assert_eq "... the 5 largest values, then the 3 largest keys, 8 unsorted" "$(out kftop)" \
	"12=40 24=39 36=38 7=37 19=36 40 39 38 8"

# A uprobe's return walks what its entry recorded (as process/ltrace.stp:
# the first key, then break): gen's 5 calls of syscall(SYS_getppid)
# through its PLT, each return finds key 1 first.
tap_run kfplt -c "$GEN getppid 5" -e 'global calls, n, firsts
probe process(@1).plt("syscall") { if (pid() == target()) calls[++n] = n }
probe process(@1).plt("syscall").return {
	if (pid() != target())
		next
	foreach (k+ in calls) {
		if (k == 1)
			firsts++
		break
	}
}
probe end { printf("n=%d firsts=%d\n", n, firsts) }' "$GEN"
assert_ok "foreach in a uprobe return (plt)" kfplt
assert_eq "... each of 5 returns finds the first call" "$(out kfplt)" "n=5 firsts=5"

# What kernel probes cannot do is refused at compile time, with the reason.
# An array a foreach walks may not change in its body (stap's error).
tap_run kfmod -e 'global a
probe kernel.trace("syscalls:sys_enter_getppid") { a[1] = 1; foreach (k in a) delete a[k] }'
assert_rc "changing the array a foreach walks fails" kfmod 1
assert_grep "... with stap's words" "$TMP/kfmod.err" \
	"<input>:2:86: error: variable 'a' modified during 'foreach' iteration"

# target_set_report() (a sorted foreach) from a kernel probe, as stap's
# systemtap.base/target_set.exp runs it: three sleeps in nested
# subshells; each sleep's report is the chain from tap to the sleep, each
# link the only child of its parent (pgrep -P), and the test then ends
# that sleep (with SIGTERM: what a test starts in the background ignores
# SIGINT, which the .exp sends); the end probe's report is empty.  dash runs the last
# subshell's command in the subshell itself, so the third chain is a link
# shorter than the others (stap under dash prints the same).
ts_script='probe begin { printf("%d\n", stp_pid()) }
probe syscall.nanosleep, syscall.clock_nanosleep {
	if (target_set_pid(pid()) && user_long(req_uaddr) == $1)
		target_set_report()
}
probe end { target_set_report() }'
# ts_chain ROUND: the links of report ROUND, "PARENT CHILD" per line
ts_chain() {
	awk -v r="$1" '/^target set:$/ { n++; next } n == r && / begat / { print $1, $3 }' "$TMP/ts.out"
}
# ts_ready ROUND: report ROUND has reached a process with no child
ts_ready() {
	_leaf=$(ts_chain "$1" | tail -n 1 | cut -d' ' -f2)
	[ -n "$_leaf" ] && [ -z "$(pgrep -P "$_leaf")" ]
}
tap_start ts -c '( ( sleep 12345 ) ; ( sleep 12345 ) ; ( sleep 12345 ) )' -e "$ts_script" 12345
ts_ok=1
for round in 1 2 3; do
	if ! wait_until 60 "ts_ready $round"; then
		ts_ok=0
		fail "target_set: report $round" "$(show "$TMP/ts.out" stdout)" "$(show "$TMP/ts.err" stderr)"
		break
	fi
	links=$(ts_chain "$round")
	parent=$(head -n 1 "$TMP/ts.out")
	echo "$links" >"$TMP/ts.links"
	while read -r p c; do
		[ "$p" = "$parent" ] && [ "$(pgrep -P "$p")" = "$c" ] || ts_ok=0
		parent=$c
	done <"$TMP/ts.links"
	[ "$(echo "$links" | wc -l)" -ge 2 ] || ts_ok=0
	kill "$parent"
done
tap_wait ts
[ "$(grep -c '^target set:$' "$TMP/ts.out")" = 4 ] || ts_ok=0
[ "$(ts_chain 4)" = "" ] || ts_ok=0
if [ "$ts_ok" = 1 ] && [ "$(rc ts)" = 0 ]; then
	pass "target_set_report() in a kernel probe: 3 chains as the process tree has them, then none"
else
	fail "target_set_report() in a kernel probe: 3 chains as the process tree has them, then none" \
		"$(run_details ts)"
fi

# An array of declared size takes that many elements, in both contexts.
tap_run sized -c "$one" -e 'global a[3]
probe begin { a[1] = 1; a[2] = 2; a[3] = 3 }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) a[2] = 20 }
probe end { foreach (k+ in a) printf("%d=%d ", k, a[k]); println("") }'
assert_eq "global a[3] holds 3 elements" "$(out sized)" "1=1 2=20 3=3 "

finish
