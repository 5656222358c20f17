#!/bin/sh
# SPDX-License-Identifier: MIT
#
# initramfs.sh ROOT RELEASE OUT - the initramfs tests/vm/run boots: the
# host's static busybox, the modules the guest needs before it can reach
# the host's files (virtio PCI, 9p, the virtio console for stdout and
# stderr, overlayfs), taken from the unpacked kernel package in ROOT in the
# order modprobe gives (ROOT must have been through `depmod -b`), and
# tests/vm/init.  Uncompressed: unpacking gzip costs more under TCG than
# reading the few extra MB.
set -eu
root=$1
rel=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/taphub-initramfs.XXXXXX")
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev" \
	"$dir/lower" "$dir/upper" "$dir/newroot"
cp "$(command -v busybox)" "$dir/bin/busybox"
ln -s busybox "$dir/bin/sh"
cp "$here/init" "$dir/init"
chmod 755 "$dir/init"

# modprobe prints "insmod PATH" per module, dependencies first; a module
# several asked for comes once, where it is first needed.
i=0
modprobe -d "$root" -S "$rel" --show-depends -a \
	virtio_pci 9pnet_virtio 9p virtio_console overlay |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r ko; do
		i=$((i + 1))
		# busybox's insmod takes plain .ko files: later kernels' packages
		# compress them (6.12: .ko.xz)
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$dir/modules/$(printf '%02d' "$i")-$(basename "$ko" .xz)" ;;
		*) cp "$ko" "$dir/modules/$(printf '%02d' "$i")-$(basename "$ko")" ;;
		esac
	done
[ -n "$(ls "$dir/modules")" ] || {
	echo "initramfs: modprobe found no modules under $root" >&2
	exit 1
}
(cd "$dir" && find . | busybox cpio -o -H newc 2>/dev/null) >"$out"
