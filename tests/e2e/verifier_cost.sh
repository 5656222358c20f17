#!/bin/sh
# SPDX-License-Identifier: MIT
# The verifier's cost of what the tapsets and the string functions make:
# every program is loaded (tap -v prints bpf_prog_info.verified_insns of
# each, "Pass 5: probe PP (PROG): verified N insns ...") and must stay
# under a quarter of the verifier's limit of a million, so a kernel whose
# verifier walks loops a little differently still loads it.
#
#   - every string function, one probe each, at the default MAXSTRINGLEN
#     and at 4096: the costs must not grow with the length; a handler
#     with eight str_replace and one with all the functions must cost no
#     more than the sum of their parts (costs add, they do not multiply);
#   - every tapset probe alias (compiler/tapset/*.stp) but syscalls, every
#     variable read, at both lengths;
#   - every syscall.* and syscall.*.return (hundreds, made from this
#     kernel's tracepoints), every variable read, at the default length,
#     and the hand-written ones (syscalls_*.stp, the decoders) at 4096.
#
# VERIFIER_COST_FULL=1 (make bench) sweeps every syscall at 4096 too and
# prints every program; the default is what fits make check's time (each
# syscall sweep is clang compiling ~720 probes: ~55 s on 2 idle CPUs, and
# the costs do not depend on MAXSTRINGLEN, which the string functions and
# the hand-written syscall decoders check at 4096).
# The probes are only loaded: begin { exit() } ends each run before they
# attach.
. "$(dirname "$0")/lib.sh"
require_kernel

LIMIT=1000000
BUDGET=$((LIMIT / 4))
TAPSETS=$E2E_DIR/../../compiler/tapset
FULL=${VERIFIER_COST_FULL:-0}
# cold compiles of hundreds of probes
E2E_TIMEOUT=$((E2E_TIMEOUT * 5))

# A syscall's tail-call target is named by number ("syscall 59 enter"):
# its alias name comes from the tapsets' own table.
"$TAP" -e 'probe begin { for (i = 0; i < 512; i++) printf("%d %s\n", i, syscall_name(i)); exit() }' \
	>"$TMP/sysnames" 2>/dev/null

# costs BASE: "insns label" per program from the tap -v lines of run BASE
costs() {
	sed -n 's/^Pass 5: probe \(.*\): verified \([0-9]*\) insns.*/\2 \1/p' "$TMP/$1.err" |
		awk 'NR == FNR { name[$1] = $2; next }
			$2 == "syscall" && ($4 == "enter" || $4 == "exit") && ($3 in name) {
				$2 = "syscall." name[$3] ($4 == "exit" ? ".return" : ""); $3 = $4 = ""
				$0 = $0; $1 = $1
			}
			{ print }' "$TMP/sysnames" -
}

# table TITLE FILE [N]: a cost table, costliest first (the first N rows)
table() {
	echo "# $1: $(wc -l <"$2") programs"
	printf '#   %8s %8s  %s\n' insns headroom program
	sort -rn "$2" | head -n "${3:-100000}" |
		awk -v lim=$LIMIT '{ n = $1; $1 = ""; printf "#   %8d %7.1f%% %s\n", n, 100 * (lim - n) / lim, $0 }'
}

# sweep NAME SCRIPT [TAP-OPTIONS...]: load SCRIPT; every program under BUDGET
sweep() {
	_n=$1
	_s=$2
	shift 2
	tap_run "$_n" -v "$@" "$_s"
	costs "$_n" >"$TMP/$_n.costs"
	if [ "$(rc "$_n")" != 0 ] || [ ! -s "$TMP/$_n.costs" ]; then
		fail "$_n: loads" "$(run_details "$_n")"
		return
	fi
	_over=$(awk -v b=$BUDGET '$1 > b' "$TMP/$_n.costs")
	if [ -z "$_over" ]; then
		pass "$_n: every program under $BUDGET insns"
		if [ "$FULL" = 1 ]; then
			table "$_n" "$TMP/$_n.costs"
		else
			table "$_n" "$TMP/$_n.costs" 5
		fi
	else
		fail "$_n: every program under $BUDGET insns" "$(table "$_n" "$TMP/$_n.costs")"
	fi
}

# probes: tap -L lines -> a probe per point that prints each of its
# variables (alias variables nobody reads are not computed)
probes() {
	awk '{
		printf "probe %s {\n", $1
		for (i = 2; i <= NF; i++) {
			split($i, v, ":")
			printf "\tprintf(\"%s\\n\", %s)\n", v[2] == "string" ? "%s" : "%d", v[1]
		}
		print "}"
	}'
	echo 'probe begin { exit() }'
}

# ---- the string functions -------------------------------------------------------

# One function per probe, each on a tracepoint of its own so that tap -v
# names it (funcs.map: function, tracepoint); the operands are made at run
# time (the optimizer folds constants).  Outside a syscall entry
# pointer_arg() is 0; the functions that read memory also get a syscall
# probe each (openat, read), with addresses a program passed, and all the
# functions share one (write).
S='s = execname(); t = sprint(pid()); u = kernel_string(pointer_arg(1), "b")'
FUNCS="strlen:printf(\"%d\\n\", strlen(s))
substr:printf(\"%s\\n\", substr(s, strlen(t), 3))
isinstr:printf(\"%d\\n\", isinstr(s, t))
strtol:printf(\"%d\\n\", strtol(t, 10) + strtol(s, 0))
str_replace:printf(\"%s\\n\", str_replace(s, t, u))
stringat:printf(\"%d\\n\", stringat(s, 1))
concat:printf(\"%s\\n\", s . t)
append:s .= t; printf(\"%s\\n\", s)
compare:printf(\"%d %d %d\\n\", s == t, s < t, s >= u)
sprintf:printf(\"%s\\n\", sprintf(\"%s-%d-%5s\", s, strlen(t), t))
sprint:printf(\"%s\\n\", sprintln(s, t))
kernel_string:printf(\"%s\\n\", kernel_string(pointer_arg(2), \"x\") . kernel_string_n(pointer_arg(2), 4))
user_string:printf(\"%s\\n\", user_string(pointer_arg(2), \"x\") . user_string_n(pointer_arg(2), 4, \"x\"))
execname:printf(\"%s %s\\n\", execname(), task_execname(task_current()))
cmdline_str:printf(\"%s\\n\", cmdline_str())
ctime:printf(\"%s %s\\n\", ctime(strlen(s)), tz_ctime(gettimeofday_s()))
symname:printf(\"%s %s\\n\", symname(pointer_arg(1)), symdata(pointer_arg(1)))
pp:printf(\"%s\\n\", pp())
string_array:a[s, t] = u; printf(\"%s\\n\", a[s, t])
str_replace_x8:printf(\"%s\\n\", str_replace(str_replace(str_replace(str_replace(str_replace(str_replace(str_replace(str_replace(s, t, u), u, t), \"a\", t), t, \"bc\"), s, u), u, s), \"x\", \"yz\"), t, s))"
ALL='printf("%d %s %d %d %s %d\n", strlen(s), substr(s, 1, 2), isinstr(s, t), strtol(t, 10), str_replace(s, t, u), stringat(s, 0))
	printf("%s %d %s %s\n", s . t, s < t, sprintf("%s-%d", s, 1), sprintln(s, t))
	printf("%s %s %s\n", kernel_string(pointer_arg(2), "x"), user_string(pointer_arg(2), "x"), task_execname(task_current()))
	printf("%s %s %s %s\n", cmdline_str(), ctime(strlen(s)), symname(pointer_arg(1)), pp())
	a[s, t] = u; printf("%s\n", a[s, t])'

TPS=$(grep -E '^(sched|irq|timer|workqueue|signal|task|rcu|power):' \
	/sys/kernel/tracing/available_events 2>/dev/null ||
	grep -E '^(sched|irq|timer|workqueue|signal|task|rcu|power):' \
		/sys/kernel/debug/tracing/available_events)
strings_script() {
	echo "global a"
	printf '%s\n' "$FUNCS" | {
		i=1
		while IFS= read -r line; do
			tp=$(echo "$TPS" | sed -n "${i}p")
			[ -n "$tp" ] || break
			echo "${line%%:*} $tp" >>"$TMP/funcs.map"
			printf 'probe kernel.trace("%s") { %s; %s }\n' "$tp" "$S" "${line#*:}" |
				sed 's/pointer_arg([0-9])/0/g'
			i=$((i + 1))
		done
	}
	printf 'probe kernel.trace("syscalls:sys_enter_openat") { %s; %s }\n' "$S" \
		"$(printf '%s\n' "$FUNCS" | sed -n 's/^kernel_string://p')"
	printf 'probe kernel.trace("syscalls:sys_enter_read") { %s; %s }\n' "$S" \
		"$(printf '%s\n' "$FUNCS" | sed -n 's/^user_string://p')"
	printf 'probe kernel.trace("syscalls:sys_enter_write") { %s\n\t%s }\n' "$S" "$ALL"
	echo 'probe begin { exit() }'
}
: >"$TMP/funcs.map"
strings_script >"$TMP/strings.stp"
assert_eq "a tracepoint for each string function" "$(wc -l <"$TMP/funcs.map")" \
	"$(printf '%s\n' "$FUNCS" | wc -l)"

# cost_of RUN LABEL: the cost of the one program whose pp is LABEL
cost_of() {
	awk -v l="$2" '{ c = $1; $1 = ""; sub(/^ /, ""); sub(/ \(th_[a-z0-9]*\)$/, "") }
		$0 == l { print c; exit }' "$TMP/$1.costs"
}

# function names for the tracepoints, in a table of their own
strings_table() {
	echo "# string functions, $1: insns per probe"
	while read -r f tp; do
		printf '#   %-16s %8s\n' "$f" "$(cost_of "$2" "kernel.trace(\"$tp\")")"
	done <"$TMP/funcs.map"
	printf '#   %-16s %8s\n' "all of them" "$(cost_of "$2" 'kernel.trace("syscalls:sys_enter_write")')"
}

for len in default 4096; do
	run=strings_$len
	opt=
	[ $len = default ] || opt=-DMAXSTRINGLEN=$len
	# shellcheck disable=SC2086
	sweep "$run" "$TMP/strings.stp" $opt
	[ -s "$TMP/$run.costs" ] || continue
	strings_table "MAXSTRINGLEN $len" "$run"
	# the costs add up: eight str_replace in one handler, all functions in one
	one=$(cost_of "$run" "kernel.trace(\"$(sed -n 's/^str_replace //p' "$TMP/funcs.map")\")")
	eight=$(cost_of "$run" "kernel.trace(\"$(sed -n 's/^str_replace_x8 //p' "$TMP/funcs.map")\")")
	assert_range "$run: eight str_replace cost at most 8 x one ($one)" "$eight" 1 $((8 * one))
	sum=$(while read -r f tp; do
		case $f in str_replace_x8) continue ;; esac
		cost_of "$run" "kernel.trace(\"$tp\")"
	done <"$TMP/funcs.map" | awk '{ s += $1 } END { print s }')
	all=$(cost_of "$run" 'kernel.trace("syscalls:sys_enter_write")')
	assert_range "$run: all functions in one handler cost at most their sum ($sum)" "$all" 1 "$sum"
done
# the same functions at 16x the length: at most a quarter more insns
sum() { awk '{ s += $1 } END { print s + 0 }' "$TMP/$1.costs"; }
if [ -s "$TMP/strings_default.costs" ] && [ -s "$TMP/strings_4096.costs" ]; then
	d=$(sum strings_default)
	assert_range "string functions at MAXSTRINGLEN 4096 cost what they cost at the default ($d)" \
		"$(sum strings_4096)" 1 $((d + d / 4))
fi

# ---- the tapsets ------------------------------------------------------------------

# every alias but the syscalls', by name from the tapset sources
FAMILIES=$(sed -n 's/^probe \([a-z_][a-z_0-9.]*\)[ =].*/\1/p' "$TAPSETS"/*.stp | grep -v '^syscall\.' | sort -u)
# (less those on kernel functions, on a kernel that cannot probe them,
# and the netfilter hooks the kernel links no eBPF program to (ARP,
# bridge): refused for that reason and no other)
for p in $FAMILIES; do
	if "$TAP" -p2 -e "probe $p { }" 2>&1 >/dev/null |
		grep -Eq "^<input>:1:7: error: probe point '$p' is not supported on this kernel: taphub builds it on kernel functions|^tapset/.*error: probe point '(kernel.function\(.*it needs kprobes, and this kernel has none|netfilter.*it links eBPF netfilter programs to the IPv4 and IPv6 hooks only)"; then
		continue
	fi
	"$TAP" -L "$p"
done | probes >"$TMP/families.stp"
sweep tapsets_default "$TMP/families.stp"
sweep tapsets_4096 "$TMP/families.stp" -DMAXSTRINGLEN=4096

# every syscall alias, and the hand-written ones
{
	"$TAP" -L 'syscall.*'
	"$TAP" -L 'syscall.*.return'
} | probes >"$TMP/syscalls.stp"
sed -n 's/^probe \(syscall\.[a-z_0-9.]*\)[ =].*/\1/p' "$TAPSETS"/syscalls_*.stp | sort -u |
	while read -r p; do "$TAP" -L "$p"; done | probes >"$TMP/syscalls_tapset.stp"
sweep syscalls_default "$TMP/syscalls.stp"
if [ "$FULL" = 1 ]; then
	sweep syscalls_4096 "$TMP/syscalls.stp" -DMAXSTRINGLEN=4096
else
	sweep syscalls_tapset_4096 "$TMP/syscalls_tapset.stp" -DMAXSTRINGLEN=4096
fi

finish
