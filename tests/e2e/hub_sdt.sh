#!/bin/sh
# SPDX-License-Identifier: MIT
# SDT markers and user-space functions in a hub session (tap -F): the hub
# attaches the uprobes (with the marker's semaphore) and records their
# records as any other; a program run after the session started is seen
# whole.  tests/e2e/sdtprog.c: N ticks of $arg1 = 1..N, sdtprog_add().
. "$(dirname "$0")/hub_lib.sh"
PROG=$TAP_E2E_BUILD/tests/e2e/sdtprog
[ -x "$PROG" ] || skip "no $PROG (make all builds it)"
hub_start
N=30

"$TAP" -F -m usdt -o "$TMP/out.txt" -e '
	probe process(@1).mark("tick") { printf("tick %d\n", $arg1) }
	probe process(@1).function("sdtprog_add").return { printf("add %d %d\n", $a, $return) }
	probe process(@1).library("libsdtprog.so").mark("guarded") { printf("guarded %d\n", $arg1) }' \
	"$PROG" >/dev/null 2>"$TMP/start.err" || fail "start the session" "$(cat "$TMP/start.err")"
check "the session is listed" wait_for 10 session_listed usdt
"$PROG" $N >"$TMP/prog.out"
check "every tick reached the session's file" wait_for 10 \
	sh -c "[ \"\$(grep -c '^tick ' '$TMP/out.txt')\" -ge $N ]"
check "ticks 1..N, each once, in order" sh -c \
	"grep '^tick ' '$TMP/out.txt' | cut -d' ' -f2 | tr '\n' ' ' | grep -qx '$(seq -s ' ' 1 $N) '"
check "the function's .return: \$a at entry and \$return" wait_for 10 \
	grep -qx "add $((100 * N)) $((99 * N + 5 + ${#N} + 7))" "$TMP/out.txt"
check "the library's marker fired: the hub raised its semaphore" grep -qx "guarded=$N" "$TMP/prog.out"
check "... and recorded it" wait_for 10 grep -qx "guarded $N" "$TMP/out.txt"
"$TAPCTL" stop usdt >/dev/null 2>&1
check "the stopped session detached: a new run raises no semaphore" \
	sh -c "'$PROG' 3 | grep -qx guarded=0"
finish
