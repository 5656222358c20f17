#!/bin/sh
# SPDX-License-Identifier: MIT
#
# nfs-utils.sh - the NFS user space of the test bed's loopback NFS server
# (tests/vm/nfs_loop.sh): Debian 12's nfs-kernel-server, nfs-common and
# rpcbind, with the two libraries of theirs a build machine may lack
# (libwrap0, libnfsidmap1), fetched with `apt-get download` and unpacked
# once into $TAPHUB_VM_CACHE/nfs-utils/root (default /var/cache/taphub-vm),
# as tests/vm/run fetches the kernels.  Prints that directory.
#
# The packages are never installed on the host: no maintainer script
# runs, no service (rpcbind, nfs-server) is enabled or started, nothing
# under /etc changes.  The guest runs the binaries from the cache with
# LD_LIBRARY_PATH pointing into it.  Delete the directory to fetch the
# current packages again.
set -eu
cache=${TAPHUB_VM_CACHE:-/var/cache/taphub-vm}
dir=$cache/nfs-utils
die() {
	echo "nfs-utils: $*" >&2
	exit 1
}
if [ ! -f "$dir/ready" ]; then
	[ "$(id -u)" = 0 ] || die "must run as root (apt-get, the cache)"
	mkdir -p "$cache"
	exec 9>"$cache/lock"
	flock 9
	if [ ! -f "$dir/ready" ]; then
		rm -rf "$dir.new"
		mkdir -p "$dir.new"
		# apt's sandbox user (_apt) may not write into root's directories
		(cd "$dir.new" && apt-get download -q -o APT::Sandbox::User=root \
			nfs-kernel-server nfs-common rpcbind libwrap0 libnfsidmap1 >/dev/null) ||
			{ rm -rf "$dir.new"; die "apt-get download failed (a Debian 12 archive is needed)"; }
		for f in "$dir.new"/*.deb; do
			dpkg-deb -x "$f" "$dir.new/root"
		done
		rm -f "$dir.new"/*.deb
		touch "$dir.new/ready"
		rm -rf "$dir"
		mv "$dir.new" "$dir"
	fi
	exec 9>&-
fi
echo "$dir/root"
