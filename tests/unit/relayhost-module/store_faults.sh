#!/bin/sh
# SPDX-License-Identifier: MIT
#
# store_faults.sh BIN...: each BIN is test_class_store built with an
# ordering fault injected (RH_STORE_FAULT in relayhost-module/class_store.c,
# see the Makefile); its stress test must find a torn record (exit 1 and
# say so) within STORE_FAULT_SECONDS (20).  This shows, on a CPU that
# orders stores and loads anyway (x86), that the stress test can fail.
fail=0
for t in "$@"; do
	"$t" stress "${STORE_FAULT_SECONDS:-20}" >"$t.log" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q -e 'torn record' -e 'garbage' "$t.log"; then
		echo "PASS unit $(basename "$t") (the stress test caught the fault)"
	else
		echo "FAIL unit $(basename "$t"): the stress test did not catch the fault (exit $rc)"
		cat "$t.log"
		fail=1
	fi
done
exit $fail
