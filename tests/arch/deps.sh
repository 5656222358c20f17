#!/bin/sh
# The dependency rules of docs/architecture.md ("Dependencies"), checked:
#
#   - across modules: every #include of another module's file names one of
#     its public headers, and every module used, by an #include or by a
#     call (an undefined symbol of an object defined in another module's
#     objects, from nm), is one the block lets it use; "(headers)" allows
#     the headers only, no call;
#   - no circle: between modules, between the files of a module (which
#     file calls which, from nm on the objects; the files of a "recursive:"
#     line count as one), between headers (their #include lines);
#   - libraries do not print: no object of a library refers to stdout,
#     stderr, printf, perror ... (nm), but the files the block's "print:"
#     line names;
#
# and on a failure prints the rule broken or the circle.  Run by make check
# after the build: sh tests/arch/deps.sh BUILD_DIR (default build).
set -u
O=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
doc=docs/architecture.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/taphub-deps.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# The block: "module: public headers -> modules it may use".
sed -n '/^```deps$/,/^```$/p' "$doc" | sed '1d;$d' | grep -v '^#' | grep . >"$tmp/block"
grep -v '^print:' "$tmp/block" | grep -v '^recursive:' >"$tmp/rules"
may_print=$(sed -n 's/^print://p' "$tmp/block")
# each "recursive:" line: files that are one recursive walker, split for
# size; calls among them go both ways, so they count as one file for circles
sed -n 's/^recursive: *//p' "$tmp/block" >"$tmp/groups"
if [ ! -s "$tmp/rules" ]; then
	echo "FAIL deps: no \`\`\`deps block in $doc"
	exit 1
fi
modules=$(sed 's/:.*//' "$tmp/rules")
# module header, one a line; module used [headers]
sed 's/ *->.*//' "$tmp/rules" | awk -F': *' '{ n = split($2, h, " "); for (i = 1; i <= n; i++) print $1 "/" h[i] }' \
	>"$tmp/public"
sed -n 's/^\([^:]*\):.*-> *\(.*\)$/\1 \2/p' "$tmp/rules" |
	awk '{ for (i = 2; i <= NF; i++) { h = sub(/\(headers\)$/, "", $i); print $1, $i, (h ? "headers" : "all") } }' \
		>"$tmp/allowed"

# The module of a path: the longest module that is a prefix of it.
module_of() {
	best=
	for m in $modules; do
		case $1 in
		"$m"/*) [ ${#m} -gt ${#best} ] && best=$m ;;
		esac
	done
	echo "$best"
}

# Files of a module: its own directory only (hub/ without hub/daemon/).
files_of() {
	for f in "$1"/*.c "$1"/*.h "$1"/*/*.h; do
		[ -f "$f" ] && [ "$(module_of "$f")" = "$1" ] && echo "$f"
	done
}

# Detect circles in "from to" lines on stdin; print each as a -> b -> a.
circles() {
	awk '
	{ n[$1]++; adj[$1, n[$1]] = $2; node[$1] = 1; node[$2] = 1 }
	function visit(v,   i, w, k, s) {
		state[v] = 1
		path[++depth] = v
		for (i = 1; i <= n[v]; i++) {
			w = adj[v, i]
			if (state[w] == 1) {
				s = ""
				for (k = 1; k <= depth; k++)
					if (s != "" || path[k] == w)
						s = s path[k] " -> "
				print s w
			} else if (!state[w])
				visit(w)
		}
		depth--
		state[v] = 2
	}
	END { for (v in node) if (!state[v]) visit(v) }'
}

# ---- includes ------------------------------------------------------------------
: >"$tmp/inc_modules"
: >"$tmp/inc_headers"
for m in $modules; do
	for f in $(files_of "$m"); do
		sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
			case $h in
			taphub/*) continue ;; # include/taphub/: the ABI, everyone's
			esac
			case $f in
			*.h) echo "$f $h" >>"$tmp/inc_headers" ;;
			esac
			hm=$(module_of "$h")
			[ -z "$hm" ] || [ "$hm" = "$m" ] && continue
			echo "$m $hm" >>"$tmp/inc_modules"
			if ! grep -qx "$h" "$tmp/public"; then
				echo "FAIL deps: $f includes $h, not a public header of $hm"
				echo 1 >"$tmp/failed"
			fi
		done
	done
done

# ---- calls: from the objects ----------------------------------------------------
# Each module's objects are those of its sources (not stale ones in $O).
: >"$tmp/defs"
for m in $modules; do
	[ "$m" = tools ] && continue # programs: objects removed after linking
	for c in $(files_of "$m" | grep '\.c$'); do
		o=$O/obj/${c%.c}.o
		if [ ! -f "$o" ]; then
			echo "FAIL deps: $o missing (make all first)"
			exit 1
		fi
		echo "$o" >>"$tmp/objs.$(echo "$m" | tr / -)"
		nm -g --defined-only "$o" | awk -v m="$m" -v f="$c" 'NF == 3 { print $3, m, f }' >>"$tmp/defs"
	done
done
sort -k1,1 "$tmp/defs" >"$tmp/defs.s"
: >"$tmp/call_modules"
for m in $modules; do
	list=$tmp/objs.$(echo "$m" | tr / -)
	[ -f "$list" ] || continue
	: >"$tmp/call_files"
	while read -r o; do
		c=${o#"$O"/obj/}
		c=${c%.o}.c
		case " $may_print " in
		*" $c "*) ;;
		*)
			nm -u "$o" | awk -v f="$c" -v failed="$tmp/failed" '
			$NF ~ /^(stdout|stderr|printf|vprintf|__printf_chk|__vprintf_chk|puts|putchar|perror|psignal|warnx?|errx?|vwarnx?|verrx?|syslog|vsyslog)$/ {
				print "FAIL deps: " f " prints (" $NF "): a library returns errors, only tools/ print"
				print 1 > failed
			}'
			;;
		esac
		nm -u "$o" | awk '{ print $NF }' | sort -u | join - "$tmp/defs.s" |
			awk -v m="$m" -v f="$c" -v calls="$tmp/call_modules" '
			$2 != m { print m, $2, $1 >> calls; next }
			$3 != f { print f, $3 }' >>"$tmp/call_files"
	done <"$list"
	sort -u "$tmp/call_files" |
		awk 'NR == FNR { for (i = 1; i <= NF; i++) g[$i] = "{" $0 "}"; next }
		{ a = ($1 in g) ? g[$1] : $1; b = ($2 in g) ? g[$2] : $2; if (a != b) print a, b }' \
			"$tmp/groups" - | sort -u | circles >"$tmp/c"
	if [ -s "$tmp/c" ]; then
		sed "s|^|FAIL deps: circle between files of $m: |" "$tmp/c"
		fail=1
	fi
done

# ---- the direction -------------------------------------------------------------
sort -u "$tmp/inc_modules" | while read -r a b; do
	if ! grep -q "^$a $b " "$tmp/allowed"; then
		echo "FAIL deps: $a includes $b's header; $doc does not let $a use $b"
		echo 1 >"$tmp/failed"
	fi
done
sort -u -k1,2 "$tmp/call_modules" | while read -r a b sym; do
	if ! grep -q "^$a $b all$" "$tmp/allowed"; then
		echo "FAIL deps: $a calls $b ($sym ...); $doc does not let $a call $b"
		echo 1 >"$tmp/failed"
	fi
done
cat "$tmp/inc_modules" "$tmp/call_modules" | awk '{ print $1, $2 }' | sort -u | circles >"$tmp/c"
if [ -s "$tmp/c" ]; then
	sed 's/^/FAIL deps: circle between modules: /' "$tmp/c"
	fail=1
fi
sort -u "$tmp/inc_headers" | circles >"$tmp/c"
if [ -s "$tmp/c" ]; then
	sed 's/^/FAIL deps: circle of #includes: /' "$tmp/c"
	fail=1
fi

[ -f "$tmp/failed" ] && fail=1
if [ $fail = 0 ]; then
	echo "PASS deps: $(echo $modules | wc -w) modules, no circle, every use as $doc says, no library prints"
fi
exit $fail
