#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD - run every end-to-end test file (tests/e2e/*.sh but this
# runner and the sourced helpers lib.sh and *_lib.sh) against the binaries
# in BUILD and the real kernel.  `make e2e` calls it as root.
#
# Each file is run as `sh FILE BUILD`, prints PASS/FAIL/XFAIL lines (see
# lib.sh) and exits 0, 1, or 77 when this machine cannot run it (the reason
# is printed); a file that takes longer than E2E_FILE_TIMEOUT seconds
# (default 600) is stopped and fails.  The compile cache is private to the
# run, so the first compile of every script is a cold one.  Exit status: 0
# when nothing failed.
#
# E2E_ONLY="syntax arrays" runs only those files.

build=${1:-build}
[ -d "$build" ] || {
	echo "run.sh: no build directory '$build'" >&2
	exit 2
}
TAP_E2E_BUILD=$(cd "$build" && pwd)
export TAP_E2E_BUILD
dir=$(cd "$(dirname "$0")" && pwd)

TAPHUB_CACHE=$(mktemp -d "${TMPDIR:-/tmp}/tap-e2e-cache.XXXXXX") || exit 2
export TAPHUB_CACHE
log=$(mktemp "${TMPDIR:-/tmp}/tap-e2e-log.XXXXXX") || exit 2
trap 'rm -rf "$TAPHUB_CACHE" "$log"' EXIT
# A file runs in a process group of its own (lib.sh's time limit): pass an
# interrupt on to it, and let it clean up, before leaving.
child=
stop_child() {
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
	exit 130
}
trap stop_child INT TERM HUP

npass=0
nfail=0
nxfail=0
nskip=0
bad=
start=$(date +%s)

for t in "$dir"/*.sh; do
	name=$(basename "$t" .sh)
	case $name in run | lib | *_lib) continue ;; esac
	if [ -n "${E2E_ONLY:-}" ]; then
		case " $E2E_ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	t0=$(date +%s)
	sh "$t" "$TAP_E2E_BUILD" >"$log" 2>&1 &
	child=$!
	wait $child
	st=$?
	child=
	cat "$log"
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	x=$(grep -c '^XFAIL ' "$log")
	npass=$((npass + p))
	nfail=$((nfail + f))
	nxfail=$((nxfail + x))
	case $st in
	0)
		[ "$f" = 0 ] || bad="$bad $name"
		;;
	77)
		nskip=$((nskip + 1))
		;;
	*)
		# a file that failed without saying which assertion (124: its
		# time limit stopped it)
		if [ "$f" = 0 ]; then
			echo "FAIL $name: exited with status $st"
			nfail=$((nfail + 1))
		fi
		bad="$bad $name"
		;;
	esac
	echo "# $name: $(($(date +%s) - t0))s"
done

echo
echo "e2e: $npass passed, $nfail failed, $nxfail known bugs, $nskip files skipped" \
	"in $(($(date +%s) - start))s"
if [ -n "$bad" ]; then
	echo "e2e: failures in:$bad"
	exit 1
fi
exit 0
