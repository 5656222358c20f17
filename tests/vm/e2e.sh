#!/bin/sh
# SPDX-License-Identifier: MIT
#
# e2e.sh BUILD - inside a guest of the test bed (tests/vm/check.sh
# --e2e): the whole e2e suite, then "kernel RELEASE: N passed, M failed".
# A cold compile under TCG takes 10 to 40 s, so one tap run may take up to
# 300 s (e2e's default bound is 60).
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/vm-e2e.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
E2E_TIMEOUT=${E2E_TIMEOUT:-300} sh "$here/../e2e/run.sh" "$1" | tee "$log"
sum=$(grep '^e2e: [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
n=$(echo "$sum" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p')
if [ -z "$n" ]; then
	echo "kernel $(uname -r): the e2e suite did not finish"
	exit 1
fi
set -- $n
echo "kernel $(uname -r): $1 passed, $2 failed"
[ "$2" = 0 ] && ! grep -q '^e2e: failures in:' "$log"
