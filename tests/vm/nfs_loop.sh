# SPDX-License-Identifier: MIT
#
# nfs_loop.sh - sourced by kernel_check.sh inside the guest: an NFSv3
# server and its client on the guest's loopback, for the nfs.* and nfsd.*
# tapsets' counts.
#
#   nfs_loop_start DIR   exports DIR/export (a tmpfs dir) to 127.0.0.1 and
#                        mounts it on DIR/mnt (NFSv3 over TCP, no lock
#                        manager); 0 when mounted, else 1 with the reason
#                        in DIR/nfs.log
#   nfs_loop_stop        unmounts, stops nfsd, stops the daemons it started
#
# The user space (rpcbind, rpc.mountd, rpc.nfsd, exportfs, mount.nfs) is
# Debian 12's, unpacked on the host by tests/vm/nfs-utils.sh into
# $TAPHUB_VM_NFS_UTILS and never installed there: nothing starts on the
# host.  In the guest everything it writes (/etc/passwd's _rpc user that
# rpcbind runs as, /var/lib/nfs, /run) is in the guest's overlay or tmpfs
# and vanishes with it.  The kernel's nfsd and nfs modules are the guest
# kernel's own.  NFSv3 because nfsd.read and nfsd.write are the v3 read
# and write path (an NFSv4 server reads and writes from its COMPOUND
# encoder, not through nfsd_read/nfsd_write), and v3 has no grace period
# to wait out after the server starts.
nfs_pids=
nfs_mnt=

nfs_loop_start() {
	u=${TAPHUB_VM_NFS_UTILS:-}
	d=$1
	log=$d/nfs.log
	mkdir -p "$d" && : >"$log" || return 1
	if [ -z "$u" ] || [ ! -x "$u/usr/sbin/rpc.nfsd" ]; then
		echo "no NFS user space: TAPHUB_VM_NFS_UTILS='$u' (tests/vm/nfs-utils.sh unpacks it)" >>"$log"
		return 1
	fi
	export LD_LIBRARY_PATH="$u/lib/x86_64-linux-gnu:$u/usr/lib/x86_64-linux-gnu"
	mkdir -p "$d/export" "$d/mnt" /var/lib/nfs /run/rpcbind
	ip link set lo up >>"$log" 2>&1
	{ modprobe nfsd && modprobe nfsv3; } >>"$log" 2>&1 || return 1
	grep -q ' /proc/fs/nfsd ' /proc/mounts || mount -t nfsd nfsd /proc/fs/nfsd >>"$log" 2>&1 || return 1
	grep -q '^_rpc:' /etc/passwd || echo '_rpc:x:999:65534::/run/rpcbind:/usr/sbin/nologin' >>/etc/passwd
	# rpcbind and mountd in the foreground, ours to stop by pid
	"$u/sbin/rpcbind" -f >>"$log" 2>&1 &
	nfs_pids="$nfs_pids $!"
	i=0
	while [ ! -S /run/rpcbind.sock ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S /run/rpcbind.sock ] || { echo "rpcbind did not start" >>"$log"; return 1; }
	# fsid: a tmpfs has no UUID for the server to name it by
	"$u/usr/sbin/exportfs" -o rw,no_root_squash,insecure,no_subtree_check,fsid=1 \
		"127.0.0.1:$d/export" >>"$log" 2>&1
	grep -q "^$d/export" /var/lib/nfs/etab || { echo "exportfs did not export" >>"$log"; return 1; }
	"$u/usr/sbin/rpc.mountd" -F >>"$log" 2>&1 &
	nfs_pids="$nfs_pids $!"
	"$u/usr/sbin/rpc.nfsd" 2 >>"$log" 2>&1 || return 1
	# the first mount waits for mountd to register (mount.nfs retries)
	timeout 120 "$u/sbin/mount.nfs" "127.0.0.1:$d/export" "$d/mnt" \
		-o vers=3,proto=tcp,nolock,retry=1 >>"$log" 2>&1 || return 1
	nfs_mnt=$d/mnt
	grep -q " $d/mnt nfs " /proc/mounts
}

nfs_loop_stop() {
	[ -z "$nfs_mnt" ] || umount "$nfs_mnt" 2>/dev/null
	nfs_mnt=
	[ -z "${TAPHUB_VM_NFS_UTILS:-}" ] || "$TAPHUB_VM_NFS_UTILS/usr/sbin/rpc.nfsd" 0 2>/dev/null
	for p in $nfs_pids; do kill "$p" 2>/dev/null; done
	for p in $nfs_pids; do wait "$p" 2>/dev/null; done
	nfs_pids=
}
