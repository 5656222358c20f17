#!/bin/sh
# SPDX-License-Identifier: MIT
# Process lifecycle probes: process.begin/.end and .thread.begin/.end,
# whole, of a PATH (by device and inode: a symlink matches, a copy does
# not), of process(PID), with -c and -x, in every process.  `gen procs N
# M` forks N children one after another, each making M threads and
# exiting with status 10 + its number, so every count is known: a
# process begins when it forks or exec()s, and ends when its last thread
# exits or it exec()s another program (stap's utrace semantics).
. "$(dirname "$0")/lib.sh"

N=4
M=3
GEN=$TAP_E2E_BUILD/tests/e2e/gen
[ -x "$GEN" ] || skip "no $GEN (make all builds it)"

# Does sched_process_exit say which thread is the last (6.16+)?  Before,
# a thread joined by the last may take its process's end (docs/probes.md).
GD=0
grep -q group_dead /sys/kernel/tracing/events/sched/sched_process_exit/format 2>/dev/null && GD=1

# ---- -c: the target and what it forks -----------------------------------------------
tap_run c -c "$GEN procs $N $M" -e 'global b, e, tb, te, codes, bad, kids, ends, tids, tdone
probe process.begin {
	b++
	if (tid() != pid() || execname() != "gen") bad++
	if (pid() != target()) {
		kids[pid()] = ppid()
		if (ppid() != target()) bad++
	}
}
probe process.end {
	e++
	ends[pid()] = 1
	codes[@cast(task_current(), "task_struct")->exit_code >> 8]++
}
probe process.thread.begin {
	tb++
	tids[tid()] = pid()
	if (tid() == pid() || !(pid() in kids) || execname() != "gen") bad++
}
probe process.thread.end { te++; if (tids[tid()] == pid()) tdone++ }
probe end {
	foreach (k in kids) if (!(k in ends)) bad++
	foreach (t in tids) nt++
	printf("b=%d\ne=%d\ntb=%d\nte=%d\nbad=%d\nnt=%d\ntdone=%d\n", b, e, tb, te, bad, nt, tdone)
	foreach (c+ in codes) printf("code %d %d\n", c, codes[c])
}'
assert_ok "-c with process.begin/.end/.thread.begin/.thread.end runs" c
assert_eq "-c: begins: the target at its exec and its $N children" "$(value b c)" $((N + 1))
assert_eq "-c: ends: the $N children and the target" "$(value e c)" $((N + 1))
assert_eq "-c: thread.begin: $M per child" "$(value tb c)" $((N * M))
assert_eq "-c: thread.end: $M per child (the last thread is the process's end)" \
	"$(value te c)" $((N * M))
assert_eq "-c: contexts: tid = pid in begin, the new thread's tid in thread.begin, ppid the target" \
	"$(value bad c)" 0
assert_eq "-c: thread.begin saw $((N * M)) distinct tids" "$(value nt c)" $((N * M))
if [ $GD = 1 ]; then
	assert_eq "-c: each of them ended in thread.end, in its process" "$(value tdone c)" $((N * M))
else
	assert_range "-c: each of them ended in thread.end, in its process (or took its end)" \
		"$(value tdone c)" $((N * M - N)) $((N * M))
fi
if [ $GD = 1 ]; then
	assert_eq "-c: exit statuses 10..$((N + 9)) once each, the target's 0" \
		"$(grep '^code' "$TMP/c.out" | tr '\n' ' ')" \
		"code 0 1 code 10 1 code 11 1 code 12 1 code 13 1 "
else
	# a joined thread that took its process's end has status 0
	assert_eq "-c: exit statuses 10..$((N + 9)) or a joined thread's 0, $((N + 1)) in all" \
		"$(awk '$1 == "code" && ($2 == 0 || ($2 >= 10 && $2 < 10 + N)) { n += $3 } END { print n }' \
			N=$N "$TMP/c.out")" $((N + 1))
fi

# ---- -c: a shell's fork and exec: begin, end of the old program, begin --------------
tap_run sh -c "sh -c '$GEN procs 1 0; exit 3'" -e 'global ev
probe process.begin { ev[pid() == target() ? "t" : "k", "b", execname()]++ }
probe process.end { ev[pid() == target() ? "t" : "k", "e", execname()]++ }
probe end { foreach ([w, k, n] in ev) printf("%s %s %s %d\n", w, k, n, ev[w, k, n]) }'
assert_ok "-c sh -c: runs" sh
# the child of sh begins as sh (fork), ends as sh and begins as gen (exec),
# forks one gen (begin, end) and ends; .end at an exec runs in the new program
assert_eq "-c sh -c: fork, exec and exit of each process, in the right context" \
	"$(sort "$TMP/sh.out" | tr '\n' ' ')" \
	"k b gen 2 k b sh 1 k e gen 3 t b sh 1 t e sh 1 "

# ---- process("PATH"): by device and inode -------------------------------------------
OWN=$(own_gen up)
NAME=$(basename "$OWN")
ln -s "$OWN" "$TMP/link"
cp "$OWN" "$TMP/copy"
chmod 755 "$TMP/copy"
tap_run path -c "sh -c '$OWN procs 3 2; $GEN procs 2 2; $TMP/copy procs 2 1; $TMP/link procs 1 1'" \
	-e 'global b, e, tb, te, names
probe process("'"$TMP"'/link").begin { b++; names[execname()]++ }
probe process("'"$TMP"'/.//link").end { e++ }
probe process("'"$TMP"'/link").thread.begin { tb++; names[execname()]++ }
probe process("'"$OWN"'").thread.end { te++ }
probe end {
	printf("b=%d\ne=%d\ntb=%d\nte=%d\n", b, e, tb, te)
	foreach (n in names) printf("name %s\n", n)
}'
assert_ok "process(\"PATH\") probes run" path
# $OWN: its exec and 3 forks; through the link: its exec and 1 fork
assert_eq "PATH: begins of the file's processes only, however the path is spelled" \
	"$(value b path)" 6
assert_eq "PATH: their ends" "$(value e path)" 6
assert_eq "PATH: thread.begin: 3 x 2 + 1 x 1" "$(value tb path)" 7
assert_eq "PATH: thread.end" "$(value te path)" 7
# execname() is the name it was run by: the link's for the second
assert_eq "PATH: only the file's processes (not gen, not a copy of the file)" \
	"$(grep '^name' "$TMP/path.out" | sort | tr '\n' ' ')" "name link name $NAME "

# ---- -x PID and process(PID): a running shell that then execs gen ----
# (tap attaches after a cold compile: slow under TCG, hence E2E_TIMEOUT)---------------
mkfifo "$TMP/go"
sh -c 'read _ <"$1"; exec "$2" procs 3 2' sh "$TMP/go" "$GEN" &
XPID=$!
track_pid $XPID
tap_start x -x "$XPID" -e 'global b, e, tb, te, last
probe process.begin { b++ }
probe process.end { if (++e == 5) exit() }
probe process.thread.begin { tb++ }
probe process.thread.end { te++ }
probe process('"$XPID"').begin { last = 1 }
probe process('"$XPID"').end { last = 2 }
probe process('"$XPID"').thread.begin { last = 3 }
probe end { printf("b=%d\ne=%d\ntb=%d\nte=%d\ntarget=%d\nlast=%d\n", b, e, tb, te, target(), last) }'
wait_until "$E2E_TIMEOUT" "tap_attached $TAP_PID || gone $TAP_PID" && release "$TMP/go"
tap_wait x
assert_ok "-x PID with process probes runs" x
assert_eq "-x: target() is the pid" "$(value target x)" "$XPID"
# the shell that runs already began before the session: no begin for it
assert_eq "-x: begins: gen at the exec, its 3 children" "$(value b x)" 4
assert_eq "-x: ends: sh at the exec, the children, gen" "$(value e x)" 5
assert_eq "-x: thread.begin and .end of the children's threads" \
	"$(value tb x) $(value te x)" "6 6"
assert_eq "process(PID): its end last (the children are not PID)" "$(value last x)" 2

# ---- every process, without -c or -x -------------------------------------------------
tap_start all -e 'global b, e, tb, te
probe process.begin { if (execname() == "'"$NAME"'") b++ }
probe process.thread.begin { if (execname() == "'"$NAME"'") tb++ }
probe process.thread.end { if (execname() == "'"$NAME"'") te++ }
probe process.end {
	if (execname() == "'"$NAME"'" && ++e == 4)
		exit()
}
probe end { printf("b=%d\ne=%d\ntb=%d\nte=%d\n", b, e, tb, te) }'
wait_until "$E2E_TIMEOUT" "tap_attached $TAP_PID || gone $TAP_PID" && "$OWN" procs 2 2
tap_wait all
assert_ok "process.* in every process runs" all
# the shell's child ends its sh at the exec, in the new program's context
assert_eq "every process: begins (exec, 2 forks), ends (exec, 2 children, itself)" \
	"$(value b all) $(value e all)" "3 4"
assert_eq "every process: thread.begin and .end" "$(value tb all) $(value te all)" "4 4"

# ---- listing ---------------------------------------------------------------------------
tap_run list -l 'process.*'
assert_eq "tap -l 'process.*' lists begin and end" "$(out list | tr '\n' ' ')" \
	"process.begin process.end "
tap_run tlist -l 'process("'"$OWN"'").thread.*'
assert_eq "tap -l of a file's thread points" "$(out tlist | tr '\n' ' ')" \
	"process(\"$OWN\").thread.begin process(\"$OWN\").thread.end "

# ---- errors --------------------------------------------------------------------------
tap_run nopid -p2 -e 'probe process(2147483646).begin { }'
assert_rc "process(PID) of no process fails" nopid 1
assert_grep "... and says so" "$TMP/nopid.err" "names no running process: 2147483646"
tap_run nofile -p2 -e 'probe process("/nonexistent/prog").end { }'
assert_rc "process(\"PATH\") of no file fails" nofile 1
assert_grep "... and says so" "$TMP/nofile.err" "'/nonexistent/prog'.*cannot be opened"
tap_run nokind -p2 -e 'probe process.thread.start { }'
assert_rc "an unknown process point fails" nokind 1
assert_grep "... at its place" "$TMP/nokind.err" "^<input>:1:7: error"
tap_run novar -p2 -e 'probe process.begin { println($foo) }'
assert_rc "a target variable in process.begin fails" novar 1

finish
