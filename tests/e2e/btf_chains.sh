#!/bin/sh
# SPDX-License-Identifier: MIT
# Target variables through BTF beyond btf_vars.sh: bitfields, runtime
# indexes, arrays of structs, anonymous members, &member, @task and
# task_current(), @defined, char * arguments, a bad pointer, and which
# program a probe gets (issue 12, docs/btf.md).  Values known in advance.
. "$(dirname "$0")/lib.sh"
require_kernel
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
command -v chrt >/dev/null || skip "no chrt (util-linux)"

# gen's own switches, after its exec (before it, tap's child has tap's comm)
CHAIN='global rof, comm, nr, fieldpid, addr, cur, parent, def, undef, pupid, pcomm, done
probe kernel.trace("sched:sched_switch") {
	if (done || $prev->pid != target() || execname() != "gen") next
	rof = $prev->sched_reset_on_fork
	for (i = 0; i < 16; i++) {
		c = $prev->comm[i]
		if (!c) break
		comm .= sprintf("%c", c)
	}
	nr = $prev->thread_pid->numbers[0]->nr
	fieldpid = $prev_pid
	addr = kernel_string(&$prev->comm)
	cur = @task(task_current())->pid == $prev->pid
	parent = task_parent(task_current()) == @cast(task_current(), "task_struct")->real_parent
	def = @defined($prev->comm)
	undef = @defined($prev->coom)
	pupid = $prev->thread_pid->numbers[0]$
	pcomm = $prev->comm$
	done = 1
}
probe end {
	printf("rof=%d\ncomm=%s\nnr=%d\nfieldpid=%d\naddr=%s\n", rof, comm, nr, fieldpid, addr)
	printf("cur=%d\nparent=%d\ndef=%d\nundef=%d\n", cur, parent, def, undef)
	printf("pupid=%s\npcomm=%s\n", pupid, pcomm)
}'

# ---- a bitfield: sched_reset_on_fork is set by chrt -R, clear otherwise ---------------------
tap_run rof -c "chrt -R -o 0 $GEN ctxsw 20" -e "$CHAIN"
assert_ok_skips "chain script runs (chrt -R)" rof
assert_eq "bitfield \$prev->sched_reset_on_fork is 1 under chrt -R" "$(value rof rof)" 1
tap_run plain -c "$GEN ctxsw 20" -e "$CHAIN"
assert_ok_skips "chain script runs" plain
assert_eq "bitfield \$prev->sched_reset_on_fork is 0 without it" "$(value rof plain)" 0

# ---- indexes, arrays of structs, addresses, @task, @defined ----------------------------------
assert_grep "\$prev->comm[i] with a runtime i spells gen" "$TMP/plain.out" '^comm=gen$' 
assert_eq "\$prev->thread_pid->numbers[0]->nr (a flexible array of structs) is \$prev_pid" \
	"$(value nr plain)" "$(value fieldpid plain)"
assert_range "\$prev_pid is gen's (not 0)" "$(value fieldpid plain)" 1 4194304
assert_grep "kernel_string(&\$prev->comm) reads comm at its address" "$TMP/plain.out" '^addr=gen$' 
assert_eq "@task(task_current())->pid is \$prev->pid (current is prev)" "$(value cur plain)" 1
assert_eq "task_parent(task_current()) is @cast(...)->real_parent" "$(value parent plain)" 1
assert_eq "@defined(\$prev->comm) is 1" "$(value def plain)" 1
assert_eq "@defined(\$prev->coom) is 0" "$(value undef plain)" 0

# ---- pretty printing: stap's {.member=value, ...} ---------------------------------------------
pid=$(value fieldpid plain)
assert_grep "\$prev->thread_pid->numbers[0]\$ is {.nr=PID, .ns=0x...}" "$TMP/plain.out" \
	"^pupid={.nr=${pid:-none}, .ns=0x[0-9a-f]*}\$"
assert_grep "\$prev->comm\$ is the quoted string" "$TMP/plain.out" '^pcomm="gen"$'
tap_run pretty -e 'probe kernel.trace("sched:sched_switch") {
	printf("one=%s\ntwo=%s\n", $prev$, $prev->se$$)
	exit()
}'
assert_ok "\$prev\$ and \$prev->se\$\$ run" pretty
assert_grep "\$prev\$ opens task_struct, nested structs as {...}" "$TMP/pretty.out" \
	'^one={\.thread_info={\.\.\.}, \.__state=[0-9]*, '
assert_grep "\$prev->se\$\$ opens the nested structs one level" "$TMP/pretty.out" \
	'^two={\.load={\.weight=[0-9]*, \.inv_weight=[0-9]*}, '

# ---- a char * argument: sched_process_exec's bprm->filename --------------------------------
tap_run exec -c "$GEN ctxsw 1" -e 'probe kernel.trace("sched:sched_process_exec") {
	if (pid() == target()) printf("fn=%s\n", kernel_string($bprm->filename))
}'
assert_ok "sched_process_exec script runs" exec
assert_grep "kernel_string(\$bprm->filename) (a char *) is the program exec'd" \
	"$TMP/exec.out" "^fn=$GEN\$"

# ---- a bad pointer is a runtime error, not a crash or a verifier rejection -------------------
tap_run bad -e 'probe kernel.trace("sched:sched_switch") { println(@cast(0, "task_struct")->pid) }'
assert_rc "reading through NULL ends the run" bad 1
assert_grep "with stap's runtime error" "$TMP/bad.err" "^ERROR: kernel read fault near identifier '@cast'"

# ---- @cast in a function called from a kernel probe -------------------------------------------
# compiled for the kernel side, it reads as in the probe; stap's cast.stp
# has it in begin (user context), which stays refused (errors/btf_cast_*)
tap_run func -c "$GEN ctxsw 5" -e 'function tgid_of(p) { return @cast(p, "task_struct", "kernel")->tgid }
function comm_of(p) { return kernel_string(@cast(p, "task_struct")->comm) }
function nr_of(p) { return @cast(p, "task_struct")->thread_pid->numbers[0]$ }
probe kernel.trace("sched:sched_switch") {
	# the switches of gen after its exec (before it, the child has the comm of tap)
	if (pid() != target() || execname() != "gen") next
	printf("tgid=%d\ncomm=%s\nnr=%s\n", tgid_of(task_current()) == pid(),
	       comm_of(task_current()), nr_of(task_current()))
	exit()
}'
assert_ok "@cast in functions called from a kernel probe runs" func
assert_eq "@cast(p, \"task_struct\", \"kernel\")->tgid in a function is pid()" "$(value tgid func)" 1
assert_grep "kernel_string(@cast(p, ...)->comm) in a function is gen" "$TMP/func.out" '^comm=gen$'
assert_grep "@cast(...)->...\$ in a function pretty-prints" "$TMP/func.out" '^nr={\.nr=[0-9]*, \.ns=0x[0-9a-f]*}$'
tap_run funcbad -e 'function pid_of(p) { return @cast(p, "task_struct")->pid }
probe kernel.trace("sched:sched_switch") { println(pid_of(0)) }'
assert_rc "a NULL @cast in a function ends the run" funcbad 1
assert_grep "with stap's runtime error" "$TMP/funcbad.err" "^ERROR: kernel read fault near identifier '@cast'"

# ---- $$system and $$name: the tracepoint's subsystem and event ----------------------------------
# one body on two events (its code shared, its literals not): gen's exec,
# and the fork of its second thread
tap_run names -c "$GEN ctxsw 1" -e 'probe kernel.trace("sched:sched_process_exec"),
	kernel.trace("sched:sched_process_fork") {
	if (pid() == target()) printf("%s:%s %s\n", $$system, $$name, pp())
}'
assert_ok "\$\$system and \$\$name run" names
assert_grep "\$\$system:\$\$name of the exec" "$TMP/names.out" \
	'^sched:sched_process_exec kernel.trace("sched:sched_process_exec")$'
assert_grep "and of the fork" "$TMP/names.out" \
	'^sched:sched_process_fork kernel.trace("sched:sched_process_fork")$'

# ---- a pointer field followed by -> is the C argument of its name -------------------------
# timer_expire_entry's format has $timer (the pointer's value) and
# $function; ->function on $timer reads the struct through the C argument.
tap_run timerarg -c "$GEN sleep 50" -e 'probe kernel.trace("timer:timer_expire_entry") {
	printf("%d %d %d\n", $timer->function == $function, &$timer->expires - $timer ==
	       @offsetof("timer_list", expires), $timer != 0)
	exit()
}'
assert_eq "\$timer->function through the C argument equals the field \$function" "$(out timerarg)" "1 1 1"

# ---- $$parms$: the pointers to structs pretty-printed ---------------------------------------
# prev's members from the first ({.thread_info={...}, .__state=...}), cut
# at MAXSTRINGLEN; plain $$parms keeps the addresses.
tap_run parmsp -c "$GEN ctxsw 5" -e 'probe kernel.trace("sched:sched_switch") {
	if ($prev->pid != target() || execname() != "gen") next
	println($$parms$)
	println($$parms)
	exit()
}'
assert_grep "\$\$parms\$ prints prev's struct" "$TMP/parmsp.out" '^preempt=0x[01] prev={\.[a-z_]*='
assert_grep "\$\$parms keeps the addresses" "$TMP/parmsp.out" '^preempt=0x[01] prev=0xf[0-9a-f]* next=0xf[0-9a-f]* prev_state=0x'
# @cast(...)$ prints as the chain to the same struct does; many reads of
# one argument in a program load (the argument is read from ctx itself,
# th_rawarg: clang once kept &ctx->args[1], which the verifier refused)
tap_run castp -c "$GEN ctxsw 5" -e 'probe kernel.trace("sched:sched_switch") {
	if ($prev->pid != target() || execname() != "gen") next
	println(@cast($prev, "task_struct")->comm$)
	println(@cast($prev, "task_struct")->se$ == $prev->se$)
	println(@cast(&$prev->se, "sched_entity")$ == $prev->se$)
	println($$parms$ != "")
	exit()
}'
assert_ok "@cast(...)\$ and many reads of prev load" castp
assert_eq "@cast(...)\$ prints as the chain does" "$(out castp | tr '\n' ' ')" '"gen" 1 1 1 '

# ---- the type macros (compiler/tapset/macros.stpm) ------------------------------------------
# Sizes and offsets are constants, in a user-context probe too; struct
# sembuf is three shorts on every kernel.  In a kernel probe they agree
# with the addresses of the members read, @container_of finds prev back
# from its member se, and task_parent() is real_parent.
tap_run macros_user -e 'probe begin {
	printf("%d %d%d%d%d %d\n", @cast_sizeof("struct sembuf"),
	       @type_member_defined("struct sock", sk_timer), @type_member_defined("struct sock", sk_nope),
	       @type_defined("struct sock"), @type_defined("struct nope_nope"),
	       @cast_module_sizeof("kernel", "struct sembuf") == @offsetof("struct sembuf", sem_flg) + 2)
	exit()
}'
assert_eq "@cast_sizeof, @type_member_defined, @offsetof in begin" "$(out macros_user)" "6 1010 1"
tap_run macros_kernel -c "$GEN ctxsw 20" -e 'global done
probe kernel.trace("sched:sched_switch") {
	if (done || $prev->pid != target() || execname() != "gen") next
	done = 1
	se = &$prev->se
	printf("off=%d\n", &$prev->comm - $prev == @offsetof("task_struct", comm))
	printf("size=%d\n", &@cast($prev, "task_struct")[1] - $prev == @cast_sizeof("struct task_struct"))
	printf("self=%d\n", &@cast($prev, "task_struct") == $prev)
	printf("container=%d\n", &@container_of(se, "struct task_struct", se) == $prev)
	printf("chain=%d %s\n", @module_container_of(se, "kernel", "task_struct", se)->pid == target(),
	       @container_of(se, "task_struct", se)->comm)
	printf("parent=%d\n", task_parent($prev) == $prev->real_parent && task_parent($prev) != 0)
}'
assert_ok "the macros in a kernel probe" macros_kernel
assert_eq "they agree with the members' addresses" "$(grep -v chain "$TMP/macros_kernel.out" | tr '\n' ' ')" \
	"off=1 size=1 self=1 container=1 parent=1 "
assert_grep "@container_of(...)->member reads the container" "$TMP/macros_kernel.out" '^chain=1 gen$'

# ---- a char[N] string read whole ----------------------------------------------------------
# $prev->comm is one bpf_probe_read_kernel() of the 16 bytes and a NUL at
# the last (th_read_karr), not a byte-wise string copy.  A copy of gen
# with a name past 15 characters has a comm of 15, the array's longest
# string: no byte past the NUL, none missing.
cp "$GEN" "$TMP/btfc0123456789abcdef"
tap_run comm15 -c "$TMP/btfc0123456789abcdef ctxsw 50" -e 'global done
probe kernel.trace("sched:sched_switch") {
	if (done || $prev->pid != target() || $prev->comm != "btfc0123456789a") next
	done = 1
	printf("[%s] %d\n", $prev->comm, strlen($prev->comm))
}'
assert_ok "a comm of 15 characters is read" comm15
assert_eq "\$prev->comm keeps all 15 and no more" "$(out comm15)" "[btfc0123456789a] 15"
tap_run karr -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev->comm) }'
assert_grep "char[16] is read whole" "$TMP/karr.out" 'th_load_karr(F->t\[[0-9]*\], .*->comm, 16)'

# ---- the programs a probe gets --------------------------------------------------------------
# A name that is a format field and a C argument (prev_state) is the
# field: the probe stays a tp/ program.  C arguments alone: a BTF-typed
# raw tracepoint only (tp_btf, btf_direct.sh).
tap_run st -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev_state) }'
assert_grep "\$prev_state is the format field: a tp/ program" "$TMP/st.out" 'SEC("tp/sched/sched_switch")'
assert_no_grep "and no raw tracepoint" "$TMP/st.out" 'SEC("\(raw_tp\|tp_btf\)/'
tap_run raw -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev->pid) }'
assert_grep "C arguments alone: a tp_btf program" "$TMP/raw.out" 'SEC("tp_btf/sched_switch")'
assert_no_grep "and no tp/ one" "$TMP/raw.out" 'SEC("tp/'
assert_grep "read through a CO-RE local definition" "$TMP/raw.out" \
	'^struct task_struct___tap {$'
tap_run both -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev->pid - $prev_pid) }'
assert_grep "both: a tp/ program stashes the fields" "$TMP/both.out" '^prog th_q0 tp sched sched_switch'
assert_grep "before the tp_btf body (attach order)" "$TMP/both.out" '^prog th_p0 rawtp sched_switch'

# ---- $$parms leaves out an argument that is no value ---------------------------------------
# tmigr_group_set_cpu_active passes a union by value (union tmigr_state):
# $$parms lists the others (it crashed the compiler once)
if [ -d /sys/kernel/tracing/events/timer_migration/tmigr_group_set_cpu_active ]; then
	tap_run union -p2 -e 'probe kernel.trace("timer_migration:tmigr_group_set_cpu_active") {
		println($$parms)
	}'
	assert_ok "\$\$parms with a union passed by value compiles" union
fi

# ---- $$vars is $$parms, $$locals is empty (a tracepoint has no locals) ----------------------
tap_run vars -e 'probe kernel.trace("sched:sched_switch") {
	printf("vars=%s\nparms=%s\nlocals=[%s]\n", $$vars, $$parms, $$locals)
	exit()
}'
assert_ok "\$\$vars script runs" vars
assert_grep "\$\$parms are the C arguments" "$TMP/vars.out" \
	'^parms=preempt=0x[01] prev=0x[0-9a-f]* next=0x[0-9a-f]* prev_state=0x[0-9a-f]*$'
assert_eq "\$\$vars is \$\$parms" "$(value vars vars)" "$(value parms vars)"
assert_grep "\$\$locals is empty" "$TMP/vars.out" '^locals=\[\]$'

# ---- stap's autocast: a local assigned a kernel pointer reads its members ----------------
# (a parameter-like C argument, a pointer member, &member of an array of
# structs; docs/language.md)
tap_run autocast -c "$GEN ctxsw 20" -e 'global prev, par, upid, done
probe kernel.trace("sched:sched_switch") {
	if (done || $prev->pid != target() || execname() != "gen") next
	p = $prev
	q = p->real_parent
	u = &$prev->thread_pid->numbers[0]
	prev = p->pid == $prev_pid
	par = q->tgid == @cast(task_current(), "task_struct")->real_parent->tgid
	upid = u->nr == $prev_pid
	done = 1
}
probe end { printf("prev=%d par=%d upid=%d\n", prev, par, upid) }'
assert_ok_skips "autocast script runs" autocast
assert_grep "p = \$prev; p->pid, p->real_parent->tgid, (&...numbers[0])->nr" "$TMP/autocast.out" \
	'^prev=1 par=1 upid=1$'

finish
