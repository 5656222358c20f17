#!/bin/sh
# SPDX-License-Identifier: MIT
# input.char and input.line (compiler/tapset/input.stp): what tap reads on
# its stdin runs them in user context, one byte or one line per run, as
# stap's runner feeds them: from a pipe, from a file, with a kernel probe
# alongside, with -c (the command's stdin is then /dev/null), and exit()
# from an input probe.
. "$(dirname "$0")/lib.sh"
require_kernel

# tap_in BASE INPUT-FILE TAP-ARGS...: tap_run with stdin from a file
tap_in() {
	_b=$TMP/$1
	_in=$2
	shift 2
	timeout -k 5 "$E2E_TIMEOUT" "$TAP" "$@" <"$_in" >"$_b.out" 2>"$_b.err"
	echo $? >"$_b.rc"
}

printf 'first line\nsecond\n\nno newline at the end' >"$TMP/in.txt"

# ---- from a pipe ----------------------------------------------------------------------
printf 'first line\nsecond\n\nno newline at the end' |
	timeout -k 5 "$E2E_TIMEOUT" "$TAP" -T 1 -e 'global c, l, nl
probe input.char { c++; if (char == "\n") nl++ }
probe input.line { l++; printf("line %d: [%s]\n", l, line) }
probe end { printf("c=%d\nl=%d\nnl=%d\n", c, l, nl) }' >"$TMP/pipe.out" 2>"$TMP/pipe.err"
echo $? >"$TMP/pipe.rc"
assert_ok "input probes read a pipe" pipe
assert_eq "input.char: once per byte" "$(value c pipe)" "$(wc -c <"$TMP/in.txt")"
assert_eq "input.char: char is the byte" "$(value nl pipe)" 3
assert_eq "input.line: once per line; a last line without newline is not seen" "$(value l pipe)" 3
assert_eq "input.line: line has its newline" "$(sed -n '1,6p' "$TMP/pipe.out")" "line 1: [first line
]
line 2: [second
]
line 3: [
]"

# ---- from a file (which epoll cannot watch), and exit() from an input probe ---------
tap_in file "$TMP/in.txt" -e 'probe input.line { printf("%s", line); if (line == "second\n") exit() }
probe end { println("end ran") }'
assert_ok "input probes read a file" file
assert_eq "exit() in input.line ends the session; end probes run" "$(out file)" "first line
second
end ran"

# ---- with a kernel probe; -c gets no stdin: input probes read it ------------------------
seq 1 100 >"$TMP/nums.txt"
tap_in kern "$TMP/nums.txt" -T 2 -c "$GEN getppid 5" -e 'global sum, n
probe input.line { sum += strtol(line, 10) }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe end { printf("sum=%d\nn=%d\n", sum, n) }'
assert_ok "input probes with a kernel probe and -c" kern
assert_eq "input.line: all 100 lines, summed" "$(value sum kern)" 5050
assert_eq "the kernel probe counts -c's events" "$(value n kern)" 5

printf 'for tap\n' >"$TMP/one.txt"
tap_in child "$TMP/one.txt" -c "sh -c 'cat >$TMP/child-read; echo done'" -e 'global l
probe input.line { l++ }
probe end { printf("l=%d\n", l) }'
assert_grep "-c runs" "$TMP/child.out" '^done$'
assert_eq "-c's command reads nothing when input probes read stdin" "$(wc -c <"$TMP/child-read")" 0
assert_eq "the input probe got the line" "$(value l child)" 1

# without input probes tap leaves stdin to the command, as stap does
tap_in child2 "$TMP/one.txt" -c "sh -c 'cat >$TMP/child2-read'" -e 'probe begin { }'
assert_eq "without input probes -c's command reads stdin" "$(cat "$TMP/child2-read")" "for tap"

finish
