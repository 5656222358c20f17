// SPDX-License-Identifier: MIT
/*
 * Paths of kernel objects in user context: task_cwd_path(), task_exe_file()
 * and current_exe_file(), fullpath_struct_path(), fullpath_struct_file()
 * and task_dentry_path() in begin, end, error and timer probes.
 *
 * The walk is the one kernel probes make (bpf/grt_bpf_path.h): from the
 * dentry up through its parents to the root of its mount, on from the
 * mount point in the parent mount, until the task's root; then the names
 * down again.  Here every load is one run of the runner's kernel reader
 * (kread.c), at the offsets the compiler read from this kernel's BTF
 * (struct grt_kpath_layout).  Nothing is locked, as in stap and in the
 * eBPF walk: a rename racing with the walk gives a mixed path.  A load
 * that faults inside the walk ends it as the eBPF side's reads of 0 do;
 * only a bad task (task_cwd_path) is the runtime error stap gives.
 */
#include <stdio.h>
#include <string.h>

#include "guest-runtime/rt_internal.h"

#define KPATH_DEPTH 64 /* names kept from the file up, as the eBPF side's TH_PATH_DEPTH */

/* Filesystems never mounted, whose files the kernel names with d_dname (as stap names them) */
#define KPATH_PIPEFS_MAGIC 0x50495045
#define KPATH_SOCKFS_MAGIC 0x534F434B
#define KPATH_ANON_INODE_FS_MAGIC 0x09041934

/* A pointer at addr; 0 when it cannot be read (no error: the walk's end) */
static uint64_t kpath_ptr(struct grt_uctx *u, uint64_t addr)
{
	return addr ? (uint64_t)grt_kread_int(u, addr, 8, 0, -1) : 0;
}

static char *kpath_put(struct grt_uctx *u, char *dst, const char *s)
{
	size_t cap = u->rt->meta->maxstr;

	snprintf(dst, cap, "%s", s);
	return dst;
}

int64_t grt_task_cwd_path(struct grt_uctx *u, const struct grt_kpath_layout *L, int64_t task,
			  int64_t site)
{
	uint64_t fs = task ? kpath_ptr(u, (uint64_t)task + L->task_fs) : 0;

	if (!fs) {
		if (!u->err)
			u->err = site + 1;
		return 0;
	}
	return (int64_t)(fs + L->fs_pwd);
}

int64_t grt_task_exe_file(struct grt_uctx *u, const struct grt_kpath_layout *L, int64_t task)
{
	uint64_t mm;

	if (!task)
		task = grt_task_current(u);
	mm = kpath_ptr(u, (uint64_t)task + L->task_mm);
	return (int64_t)kpath_ptr(u, mm ? mm + L->mm_exe_file : 0);
}

/* "pipe:[ino]", "socket:[ino]", "ANON_INODE:name"; false for any other dentry */
static bool kpath_synthetic(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			    uint64_t dentry, uint64_t vfsmnt)
{
	uint64_t sb = kpath_ptr(u, vfsmnt + L->vfsmount_sb);
	uint64_t magic = sb ? kpath_ptr(u, sb + L->sb_magic) : 0;
	size_t cap = u->rt->meta->maxstr;
	char name[256];

	if (magic == KPATH_PIPEFS_MAGIC || magic == KPATH_SOCKFS_MAGIC) {
		uint64_t inode = kpath_ptr(u, dentry + L->dentry_inode);

		snprintf(dst, cap, "%s:[%llu]", magic == KPATH_PIPEFS_MAGIC ? "pipe" : "socket",
			 (unsigned long long)kpath_ptr(u, inode ? inode + L->inode_ino : 0));
		return true;
	}
	if (magic == KPATH_ANON_INODE_FS_MAGIC) {
		if (!grt_kread_str(u, name, kpath_ptr(u, dentry + L->dentry_name), sizeof(name) - 1))
			name[0] = 0;
		snprintf(dst, cap, "ANON_INODE:%s", name);
		return true;
	}
	return false;
}

char *grt_task_dentry_path(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			   int64_t task, int64_t dentry, int64_t vfsmnt)
{
	uint64_t fs = kpath_ptr(u, (uint64_t)task + L->task_fs);
	uint64_t root = kpath_ptr(u, fs ? fs + L->fs_root + L->path_dentry : 0);
	uint64_t root_mnt = kpath_ptr(u, fs ? fs + L->fs_root + L->path_mnt : 0);
	uint64_t d = (uint64_t)dentry, vm = (uint64_t)vfsmnt, names[KPATH_DEPTH];
	size_t cap = u->rt->meta->maxstr, o = 0;
	int n = 0, steps;

	if (!d || !vm)
		return kpath_put(u, dst, "<unknown>");
	if (kpath_synthetic(u, L, dst, d, vm))
		return dst;
	/* up: a name kept, or a mount crossed, as many steps as the eBPF walk takes */
	for (steps = 0; steps < 2 * KPATH_DEPTH && d && !(d == root && vm == root_mnt); steps++) {
		uint64_t parent = kpath_ptr(u, d + L->dentry_parent);
		uint64_t mnt_root = kpath_ptr(u, vm + L->vfsmount_root);

		if (d == mnt_root || d == parent) {
			uint64_t mnt = vm - L->mount_mnt, up;

			if (d != mnt_root) /* outside its mount */
				return kpath_put(u, dst, "<unknown>");
			up = kpath_ptr(u, mnt + L->mount_parent);
			if (!up || up == mnt)
				break; /* the global root */
			d = kpath_ptr(u, mnt + L->mount_mountpoint);
			vm = up + L->mount_mnt;
			continue;
		}
		if (n == KPATH_DEPTH)
			break;
		names[n++] = kpath_ptr(u, d + L->dentry_name);
		d = parent;
	}
	if (!n)
		return kpath_put(u, dst, "/");
	/* down: "/name" from the root, cut at MAXSTRINGLEN as every string */
	dst[0] = 0;
	while (n-- > 0 && o + 2 < cap) {
		dst[o++] = '/';
		if (!grt_kread_str(u, dst + o, names[n], (int64_t)(cap - 1 - o)))
			dst[o] = 0;
		o += strlen(dst + o);
	}
	dst[o] = 0;
	return dst;
}

char *grt_fullpath_path(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			int64_t path)
{
	if (!path)
		return kpath_put(u, dst, "<unknown>");
	return grt_task_dentry_path(u, L, dst, grt_task_current(u),
				    (int64_t)kpath_ptr(u, (uint64_t)path + L->path_dentry),
				    (int64_t)kpath_ptr(u, (uint64_t)path + L->path_mnt));
}

char *grt_fullpath_file(struct grt_uctx *u, const struct grt_kpath_layout *L, char *dst,
			int64_t task, int64_t file)
{
	uint64_t p = (uint64_t)file + L->file_f_path;

	if (!file)
		return kpath_put(u, dst, "<unknown>");
	return grt_task_dentry_path(u, L, dst, task, (int64_t)kpath_ptr(u, p + L->path_dentry),
				    (int64_t)kpath_ptr(u, p + L->path_mnt));
}
