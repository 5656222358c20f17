#!/bin/sh
# SPDX-License-Identifier: MIT
# try/catch and abort(): errors caught with their message in user and
# kernel context, what a catch does not stop (abort(), MAXACTION), and
# abort() ending the session at once without an error.
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang trycatch -c "$GEN getppid 1"

# Kernel context, counted: of 6 getppid calls, 3 divide by zero (n even)
# and 2 more raise error() in a function (n = 3, 5); every one is caught.
tap_run kcount -c "$GEN getppid 6" -e 'global n, caught, msgs
function big(x) { if (x > 2) error(sprintf("big %d", x)); return x }
probe syscall.getppid {
	if (pid() != target()) next
	n++
	try { y = 10 / (n % 2); big(n) } catch (m) { caught++; msgs[m]++ }
}
probe end { printf("n=%d caught=%d\n", n, caught); foreach (m+ in msgs) printf("%s: %d\n", m, msgs[m]) }'
assert_ok "errors caught in a kernel probe are not errors" kcount
assert_eq "errors caught in a kernel probe, counted" "$(out kcount | tr '\n' '|')" \
	"n=6 caught=5|big 3: 1|big 5: 1|division by 0: 3|"

# MAXACTION is not catchable (stap neither): the handler ends in error.
tap_run maxaction -D MAXACTION=100 -e 'probe begin { try { while (1) n++ } catch { println("caught") } }'
assert_rc "MAXACTION inside try still fails" maxaction 1
assert_no_grep "MAXACTION is not caught" "$TMP/maxaction.out" caught
assert_grep "MAXACTION inside try is reported" "$TMP/maxaction.err" '^ERROR: MAXACTION exceeded'

# abort(): the handler stops at once, the session ends as after exit()
# (end probes run), nothing is reported and no catch stops it.
tap_run abort -e 'function f() { println("enter f"); abort(); println("leave f") }
probe begin { try { f() } catch { println("caught") } println("after") }
probe end { println("end") }'
assert_ok "abort() is not an error" abort
assert_eq "abort() stops the handler, not the end probes" "$(out abort | tr '\n' '|')" "enter f|end|"

# In a kernel probe: the third getppid aborts; no handler runs after it
# (gen calls getppid one after the other, so none is running meanwhile).
tap_run kabort -c "$GEN getppid 10" -e 'global n, m
probe syscall.getppid { if (pid() != target()) next; n++; if (n == 3) abort(); m++ }
probe end { printf("n=%d m=%d\n", n, m) }'
assert_ok "abort() in a kernel probe is not an error" kabort
assert_eq "abort() in a kernel probe stops that run and the session" "$(out kabort)" "n=3 m=2"

# An uncaught error in a catch block is reported where it is.
tap_run uncaught -e 'probe begin { try { error("a") } catch (m) { error(m . "!") } }'
assert_rc "an error in a catch block fails" uncaught 1
assert_grep "an error in a catch block is reported with its text" "$TMP/uncaught.err" \
	'^ERROR: a! near identifier .error. at <input>:1:'

finish
