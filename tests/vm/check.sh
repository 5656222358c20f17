#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check.sh [--e2e] BUILD - the tests that run on the test bed's other
# kernels (VM_KERNELS, default "debian-6.1 debian-6.12"), one guest each:
#
#   check.sh BUILD        kernel_check.sh (`make check`: the bed's features,
#                         a tracepoint and a syscall tapset script, kernel
#                         functions and their tapsets, and an object and an
#                         artifact compiled here carried over; with VM_NFS=1,
#                         as make check-kernels runs it, a loopback NFS mount
#                         too, 3 to 5 minutes more a kernel), VM_TIMEOUT
#                         (default 1500 s) a kernel
#   check.sh --e2e BUILD  the whole e2e suite (`make check-kernels`), hours
#                         under TCG
#
# Each kernel ends with "kernel RELEASE: N passed, M failed".  A guest that
# does not run (no QEMU, no kernel package to fetch) is a failure, said
# loudly: the kernels this bed stands for are not to be skipped silently.
set -u
e2e=0
if [ "${1:-}" = --e2e ]; then
	e2e=1
	shift
fi
build=$(cd "${1:?usage: check.sh [--e2e] BUILD}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bad=

if [ "$e2e" = 0 ]; then
	# The object to carry: compiled here, on the host's kernel, into a
	# cache the guest reaches through the shared root (the guest's /tmp
	# is its own).
	rm -rf "$build/vm/carry-cache"
	mkdir -p "$build/vm"
	obj=$(TAPHUB_CACHE=$build/vm/carry-cache "$build/tap" -p4 "$here/carry.stp") || {
		echo "FAIL vm: tap -p4 $here/carry.stp on the host"
		exit 1
	}
	# The same script as an artifact (docs/artifact.md), run there with
	# no compiler on $PATH.
	rm -f "$build/vm/carry.tapa"
	TAPHUB_CACHE=$build/vm/carry-cache "$build/tap" -p4 -m carry \
		--artifact "$build/vm/carry.tapa" "$here/carry.stp" >/dev/null || {
		echo "FAIL vm: tap -p4 --artifact $here/carry.stp on the host"
		exit 1
	}
	set -- sh "$here/kernel_check.sh" "$build" "$(dirname "$obj")" "$build/vm/carry.tapa"
	# The loopback NFS server's user space, unpacked (never installed)
	# here; the guest reaches it through the shared root.  Without it the
	# NFS checks fail and say why.
	# VM_NFS=1 (make check-kernels): also the NFS mount's checks, minutes more
	if [ "${VM_NFS:-0}" = 1 ]; then
		TAPHUB_VM_NFS_UTILS=$(sh "$here/nfs-utils.sh") || TAPHUB_VM_NFS_UTILS=
		TAPHUB_VM_NFS=1
		export TAPHUB_VM_NFS_UTILS TAPHUB_VM_NFS
	fi
else
	# Under TCG a cold compile takes 10 to 40 s, past e2e's default bound
	set -- sh "$here/e2e.sh" "$build"
fi

for k in ${VM_KERNELS:-debian-6.1 debian-6.12}; do
	echo "# kernel $k"
	(cd "$top" && "$here/run" --kernel "$k" --timeout "${VM_TIMEOUT:-1500}" -- "$@")
	st=$?
	# 1 is the checks' own verdict (they printed it); anything else means
	# the guest did not run them to the end
	case $st in
	0) ;;
	1) bad="$bad $k" ;;
	*)
		echo "FAIL kernel $k: the guest did not run to the end (status $st, see above)"
		bad="$bad $k"
		;;
	esac
done
if [ -n "$bad" ]; then
	echo "vm: failures on:$bad"
	exit 1
fi
