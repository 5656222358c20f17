#!/bin/sh
# SPDX-License-Identifier: MIT
# system(), printk() and switch_file() of a hub session (tap -F): the
# session's runner runs what its user probes ask, with the owner's
# identity; the hub runs nothing a script names, so what a kernel probe
# asks in a hub session is recorded and not run, and it resolves no user
# stack with a user's files (docs/language.md).
. "$(dirname "$0")/hub_lib.sh"
hub_start
cp "$GEN" "$TMP/fgen"
tag="taphub-e2e-hubfn-$$"


"$TAP" -F -m fn -o "$TMP/out.txt" -e 'global n
	probe begin { system("echo begin > '"$TMP"'/sys.begin") }
	probe timer.ms(100) {
		printf("tick %d\n", ++n)
		if (n == 3) {
			switch_file()
			system("echo timer > '"$TMP"'/sys.timer")
			printk(4, "'"$tag"' runner")
		}
	}
	probe kernel.trace("syscalls:sys_enter_getppid") {
		if (execname() != "fgen") next
		system("echo kernel > '"$TMP"'/sys.kernel")
		printf("kernel probe ran\n")
	}
	probe kernel.trace("syscalls:sys_enter_clock_nanosleep") {
		if (execname() == "fgen") print_ubacktrace()
	}' >/dev/null 2>"$TMP/start.err" || fail "start the session" "$(cat "$TMP/start.err")"

check "the runner runs system() of a begin probe" wait_for 10 test -s "$TMP/sys.begin"
check "... and of a timer probe" wait_for 10 test -s "$TMP/sys.timer"
check "... as the command says" grep -qx timer "$TMP/sys.timer"
check "switch_file() goes on in the next -o file" wait_for 10 test -s "$TMP/out.txt.1"
check "the first file has what came before the switch" grep -qx "tick 1" "$TMP/out.txt"
check "printk() of a user probe reaches the kernel log" wait_for 10 sh -c "dmesg | grep -q '$tag runner'"
"$TMP/fgen" getppid 1
check "the kernel probe ran" wait_for 10 sh -c "timeout -s INT 1 '$TAP' -A fn 2>/dev/null | grep -q 'kernel probe ran'"
check "the hub does not run system() of a kernel probe" test ! -e "$TMP/sys.kernel"
"$TMP/fgen" sleep 300
check "the hub prints user frames hex: it parses no user's files" \
	wait_for 10 sh -c "timeout -s INT 1 '$TAP' -A fn 2>/dev/null | grep -q '^ 0x[0-9a-f]*\$'"
check "stop the session" sh -c "'$TAPCTL' stop fn >/dev/null 2>&1"
check "the hub is still running" hub_alive
finish
