# SPDX-License-Identifier: MIT
# Sourced by lib.sh and hub_lib.sh: waiting on a condition, never for a
# fixed time.

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (status 0), or
# give up after SECONDS (status 1)
wait_for() {
	_wt=$1
	shift
	_wi=0
	while [ $_wi -lt $((_wt * 20)) ]; do
		"$@" && return 0
		sleep 0.05
		_wi=$((_wi + 1))
	done
	return 1
}
