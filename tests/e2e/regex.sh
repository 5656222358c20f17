#!/bin/sh
# SPDX-License-Identifier: MIT
# Regular expressions: =~ and !~ in kernel probes (a DFA walked with
# bpf_loop) on file names a workload opens a known number of times, and in
# user probes with the subexpressions of the last match (matched(n),
# matched_str(), ngroups()); their runtime errors; and the compile-time
# errors: a bad pattern at its character, matched() in a kernel probe.
. "$(dirname "$0")/lib.sh"
require_kernel

# script NAME: the script text on stdin goes to $TMP/NAME.stp
script() {
	cat >"$TMP/$1.stp"
}

check_lang regex

# The workload: openat(2) of four files, 3, 5, 7 and 2 times.
dir=$TMP/d
mkdir -p "$dir"
for f in re12.txt re3.log rex.txt README; do
	: >"$dir/$f"
done
work="sh -c '$GEN open $dir/re12.txt 3 && $GEN open $dir/re3.log 5 && \
$GEN open $dir/rex.txt 7 && $GEN open $dir/README 2'"

# Counted in the kernel probe, each pattern against every name of $dir;
# the names reach the end probe in an array, matched there with groups
# (with no script argument: the run with 4096-byte strings leaves the
# array out, arrays with 4096-byte string keys are another story).
script opens <<STP
global n1, n2, n3, n4, n5, n6
%( \$# == 0 %? global seen %)
probe kernel.trace("syscalls:sys_enter_openat") {
	if (ppid() != target())
		next
	f = user_string(\$filename, "")
	if (!isinstr(f, "$dir/"))
		next
	if (f =~ "/re[0-9]+\\\\.(txt|log)\$") n1++
	if (f =~ "/re[^/]*\\\\.txt\$") n2++
	if (f !~ "\\\\.[a-z]+\$") n3++
	if (f =~ "/[[:upper:]]{6}\$") n4++
	if (execname() =~ "^ge[n]\$") n5++
	if (f =~ "(^|/)rex?[0-9]*\\\\.") n6++
	%( \$# == 0 %? seen[f]++ %)
}
probe end {
	printf("n1=%d n2=%d n3=%d n4=%d n5=%d n6=%d\n", n1, n2, n3, n4, n5, n6)
	%( \$# == 0 %?
	foreach ([f] in seen+)
		if (f =~ "/(re[0-9]*x?)\\\\.(txt|log)\$")
			printf("%s %s %d\n", matched(1), matched(2), seen[f])
	%)
}
STP
want_counts="n1=8 n2=10 n3=2 n4=2 n5=17 n6=15"
want_groups="re12 txt 3
re3 log 5
rex txt 7"

eval "tap_run opens -c \"\$work\" \"\$TMP/opens.stp\""
assert_ok "kernel: the script runs" opens
assert_eq "kernel: =~ and !~ count the opens of each pattern" \
	"$(out opens | head -n 1)" "$want_counts"
assert_eq "user: matched(1) and matched(2) of the names the kernel saw" \
	"$(out opens | sed 1d)" "$want_groups"

# The largest strings: 4096-byte buffers, a 4096-step walk.
eval "tap_run opens4k -DMAXSTRINGLEN=4096 -c \"\$work\" \"\$TMP/opens.stp\" 4k"
assert_ok "kernel, MAXSTRINGLEN=4096: the script runs" opens4k
assert_eq "kernel, MAXSTRINGLEN=4096: the same counts" "$(out opens4k | head -n 1)" \
	"$want_counts"

# The same table of matches in a kernel probe and in a begin probe: each
# check is one bit, the expected bits written from stap's semantics.
# A line: the subject and the pattern as stap string literals, 0 or 1.
checks='"xabcy" "abc" 1
"ab" "abc" 0
"zabc" "^abc" 0
"aabc" "abc$" 1
"abcc" "^abc$" 0
"" "^$" 1
"abc" "a^" 0
"a" ".*^" 1
"a" ".+^" 0
"a" "$.*" 1
"" "$^" 0
"a" "a$$" 1
"b" "(^|x)b" 1
"ab" "(^|x)b" 0
"abbbbc" "ab*bc" 1
"abc" "ab+bc" 0
"xaay" "a{2}" 1
"aaaa" "^a{2,3}$" 0
"abbbbc" "^ab{2}{2}c$" 1
"a]b" "a[]]b" 1
"a]c" "a[^]b]c" 0
"a-c" "a[^-b]c" 0
"01234" "^[[:digit:]]+$" 1
"01234g" "^[[:xdigit:]]*$" 0
"Hello world" "^[[:alnum:][:space:]]*$" 1
"two words" "^[[:graph:]]+$" 0
"\\" "\\\\" 1
"a((b" "a\\(*b" 1
"abc" "a\\.c" 0
":]" "[\\[:alpha:]]" 1
"abcdab" "^(?:ab|cd)+$" 1
"reffgz" "(bc+d$|ef*g.|h?i(j|k))" 1
"effg" "(bc+d$|ef*g.|h?i(j|k))" 0
"b\303\244rfoo" "b.*foo" 1
"\377" "^.$" 1
"xabc)" "abc)" 1
"/a/b.tar.gz" "\\.tar\\.(gz|bz2|xz)$" 1
"AF_UNIX" "AF_INET*" 0'
want=$(printf '%s\n' "$checks" | awk '{ printf "%s", $NF }')
bits=$(printf '%s\n' "$checks" | awk '{ $NF = ""; sub(/ $/, ""); n = index($0, "\" \""); printf "\tb = b . sprint(%s =~ %s)\n", substr($0, 1, n), substr($0, n + 2) }')
script table <<STP
global k
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	b = ""
$bits
	k = b
}
probe end {
	b = ""
$bits
	printf("kernel=%s\nuser=%s\n", k, b)
}
STP
tap_run table -c "$GEN getppid 1" "$TMP/table.stp"
assert_eq "kernel: a table of matches (anchors, brackets, classes, escapes)" \
	"$(out table | sed -n 's/^kernel=//p')" "$want"
assert_eq "user: the same table" "$(out table | sed -n 's/^user=//p')" "$want"

# A string cut at MAXSTRINGLEN - 1 bytes ends there for $, in both contexts.
script cut <<'STP'
global k
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (pid() != target()) next
	s = "0123456789abcdefghij"
	k = (s =~ "^0123456789abcde$") * 10 + (s =~ "f")
}
probe end {
	s = "0123456789abcdefghij"
	printf("kernel=%d user=%d\n", k, (s =~ "^0123456789abcde$") * 10 + (s =~ "f"))
}
STP
tap_run cut -DMAXSTRINGLEN=16 -c "$GEN getppid 1" "$TMP/cut.stp"
assert_eq "MAXSTRINGLEN=16: the pattern sees 15 bytes in both contexts" "$(out cut)" \
	"kernel=10 user=10"

# matched() reads the last =~ of the run: after a failed one, an error.
script failed <<'STP'
probe begin { if ("abc" =~ "(b)") print(matched(1)); if ("abc" =~ "z(.)") print("no"); print(matched(1)) }
STP
tap_run failed "$TMP/failed.stp"
assert_eq "matched() after a failed match: the message" "$(cat "$TMP/failed.err" | grep ERROR)" \
	"ERROR: Attempted to get subexpression 1 from failed match near identifier 'matched' at $TMP/failed.stp:1:94"
assert_eq "matched() after a failed match: what printed before" "$(out failed)" "b"
assert_rc "matched() after a failed match: exit status" failed 1

script nogroup <<'STP'
probe begin { if ("abc" =~ "(b)") printf("%d\n", ngroups()); print(matched(2)) }
STP
tap_run nogroup "$TMP/nogroup.stp"
assert_eq "matched(n) past the last group" "$(grep ERROR "$TMP/nogroup.err")" \
	"ERROR: Attempted to get nonexistent subexpression 2 near identifier 'matched' at $TMP/nogroup.stp:1:68"
assert_eq "ngroups() counts the whole match" "$(out nogroup)" "2"

script nomatch <<'STP'
probe begin { printf("%d\n", ngroups()) }
STP
tap_run nomatch "$TMP/nomatch.stp"
assert_eq "ngroups() before any match" "$(grep ERROR "$TMP/nomatch.err")" \
	"ERROR: Attempted to get subexpression count from failed match near identifier 'ngroups' at $TMP/nomatch.stp:1:30"

# Compile time: a bad pattern is reported at pass 2, at its character.
tap_run badre -p2 -e 'probe begin { print("abc" =~ "a[b-d}+") }'
assert_eq "a bad pattern: file:line:col, the line, a caret" "$(err badre)" \
	"<input>:1:32: error: bad regular expression: unclosed bracket expression: '[' needs a ']'
    probe begin { print(\"abc\" =~ \"a[b-d}+\") }
                                   ^
Pass 2: failed."
assert_rc "a bad pattern: exit status" badre 1

tap_run bigre -p2 -e 'probe begin { print("ab" =~ "a(a|b){12}$") }'
assert_grep "a pattern over the state bound names it" "$TMP/bigre.err" \
	"needs 8192 DFA states, more than 1024 (CC_REGEX_MAX_STATES)"

# The kernel's tables of all patterns together are bounded: 40 patterns
# of 513 states x 64 byte classes are more than CC_REGEX_MAX_KERNEL_BYTES.
alt=$(echo c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O \
	P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 | tr ' ' '|')
{
	echo 'probe kernel.trace("syscalls:sys_enter_getppid") {'
	for i in $(seq 1 40); do
		echo "	if (execname() =~ \"a(a|b){8}\$|$alt|x$i\") print($i)"
	done
	echo '}'
} >"$TMP/tables.stp"
tap_run tables -p3 "$TMP/tables.stp"
assert_eq "the kernel's regex tables: being over the bound is said once" "$(grep -c error: "$TMP/tables.err")" 1
assert_grep "the kernel's regex tables are bounded, the limit named" "$TMP/tables.err" \
	"tables.stp:33:20: error: the regular expressions of the kernel probes need [0-9]* bytes of tables with this one, more than 2097152 (CC_REGEX_MAX_KERNEL_BYTES)"

tap_run notlit -p1 -e 'probe begin { r = "a"; print("abc" =~ r) }'
assert_grep "the pattern must be a literal (pass 1)" "$TMP/notlit.err" \
	"<input>:1:39: error: the right side of '=~' must be a string literal"

tap_run kmatched -p2 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() =~ "(g)en") print(matched(1)) }'
assert_grep "matched() in a kernel probe is refused at pass 2, named" "$TMP/kmatched.err" \
	"error: function 'matched' is not available in kernel probes (kernel.trace(\"syscalls:sys_enter_getppid\")): the subexpressions"

# A one-state pattern's tables are 4 to 32 bytes: clang puts such constants
# in mergeable .rodata.cstN sections with .rodata's BTF offsets, and the
# kernel refused the object ("missing btf func_info") until they were
# placed in .rodata by name.
tap_run small -c "$GEN getppid 3" -e 'global n, m
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) { if (execname() !~ "zz") n++; if (execname() =~ "e") m++ } }
probe end { printf("n=%d m=%d\n", n, m) }'
assert_ok "a kernel probe with one-state patterns loads" small
assert_eq "... and matches" "$(out small)" "n=3 m=3"

finish
