#!/bin/sh
# SPDX-License-Identifier: MIT
#
# kernel.sh STAP_SRC [BUILD] - the scripts classify.sh put in the class
# "kernel" on this host (refused at pass 2: kprobes, fentry, modules),
# compiled again with tap -p4 on the test bed's 6.1 kernel, which has
# them (tests/vm/run).  Prints one line per script ("compiles FILE" or
# "fails FILE: the first error"), then the counts.  Run classify.sh first:
# it reads $OUT/classify.txt (default /tmp/tap-compat).  The guest's /tmp
# is its own, so the test suite is copied under BUILD/vm/stap first.
set -u
src=${1:?usage: kernel.sh STAP_SRC [BUILD]}
build=$(cd "${2:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/tap-compat}
[ -f "$out/classify.txt" ] || {
	echo "kernel.sh: no $out/classify.txt (run classify.sh STAP_SRC first)" >&2
	exit 2
}
rm -rf "$build/vm/stap"
mkdir -p "$build/vm/stap"
cp -r "$src/testsuite" "$build/vm/stap/" || exit 2
awk -F'\t' '$1 == "kernel" { c = $5; sub(/^tap /, "", c); print $2 "\t" $3 "\t" c }' \
	"$out/classify.txt" >"$build/vm/stap/kernel.tsv"

# in the guest: two compiles at a time (two vCPUs), each with a bound
cat >"$build/vm/stap/compile.sh" <<'EOS'
part() { # part I: every other line from I
	i=0
	export TAPHUB_CACHE=/tmp/cache-$1
	while IFS="$(printf '\t')" read -r suite rel cmd; do
		i=$((i + 1))
		[ $((i % 2)) = "$1" ] || continue
		dir=$S/testsuite/$(dirname "$rel")
		[ "$suite" = base ] && dir=$S/testsuite/systemtap.base
		(cd "$dir" && eval "timeout -k 5 200 '$TAP' $cmd") >/tmp/log-$1 2>&1 </dev/null
		if [ $? = 0 ]; then
			echo "compiles $rel"
		else
			echo "fails $rel: $(grep -m1 'error:' /tmp/log-$1 | cut -c1-200)"
		fi
	done <"$S/kernel.tsv"
}
part 0 >/tmp/part0 &
p=$!
part 1 >/tmp/part1
wait $p
cat /tmp/part0 /tmp/part1
EOS
"$here/../vm/run" --timeout "${TAP_COMPAT_VM_TIMEOUT:-2400}" -- env S="$build/vm/stap" TAP="$build/tap" sh "$build/vm/stap/compile.sh" \
	>"$out/kernel.txt" || exit 1
sort -k2 "$out/kernel.txt"
echo "on the test bed (tests/vm/run): $(grep -c '^compiles' "$out/kernel.txt") of $(wc -l <"$out/kernel.txt") scripts refused here compile"
