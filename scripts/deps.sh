#!/bin/sh
# Install the Debian packages taphub builds and tests with, and mount the
# kernel filesystems it needs.  Idempotent and quick when all is there.
# With the argument "bench", also the peers the benchmarks alone need.
set -e
PKGS="gcc make clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev
liburcu-dev libssl-dev openssl libcmocka-dev libclang-rt-14-dev systemtap-sdt-dev pkg-config
bpftrace linux-perf valgrind gdb tcl qemu-system-x86 busybox-static kmod libc6-dbg"
# `deps.sh bench`: also what only the benchmarks compare with (bench/marker.sh)
if [ "${1:-}" = bench ]; then
	PKGS="$PKGS liblttng-ust-dev lttng-tools"
fi
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q $missing >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
fi
if [ "$(id -u)" -eq 0 ]; then
	if ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf
	fi
	if ! grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts; then
		mount -t tracefs tracefs /sys/kernel/tracing
	fi
fi
