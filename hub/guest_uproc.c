// SPDX-License-Identifier: MIT
/*
 * The loader's part of process lifecycle probes (compiler/probe_uproc.c):
 * filling the guest's th_upfiles and th_upprocs maps from the meta's
 * `uproc` filters (guest-runtime/bpf/grt_bpf_uproc.h reads them).
 *
 * Before the programs attach: each process("PATH") file by the device and
 * inode PATH has now (a cached guest may be older than the file), the
 * pids of process(PID), and the -c/-x target as the root of its tree.
 * After they attach: the processes already running a PATH, from /proc,
 * so that their ends are seen.  A process that starts or exec()s in
 * between is the programs' (th_upfork, th_upexec): the scan ORs its bits
 * into what they wrote (read, then write: an exec in between those two
 * system calls, microseconds, keeps the bits of its old program too).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"

/* the kernel's dev_t, as super_block.s_dev holds it (MKDEV) */
struct th_upfile hub_guest_uproc_file_key(const struct stat *st)
{
	struct th_upfile k = {
		.dev = ((uint64_t)major(st->st_dev) << 20) | minor(st->st_dev),
		.ino = st->st_ino,
	};

	return k;
}

/* th_upprocs[pid] |= bits */
static int merge_proc(int fd, uint32_t pid, uint64_t bits)
{
	uint64_t v = 0;

	if (bpf_map_lookup_elem(fd, &pid, &v) && errno != ENOENT)
		return -errno;
	v |= bits;
	return bpf_map_update_elem(fd, &pid, &v, BPF_ANY) ? -errno : 0;
}

int hub_guest_uproc_seed(const struct grt_meta *m, int files_fd, int procs_fd, int64_t target,
			 bool held, char *err, size_t errlen)
{
	int i, r;

	for (i = 0; i < m->nuprocs; i++) {
		const struct grt_meta_uproc *u = &m->uprocs[i];
		uint64_t bit = 1ULL << u->bit, v = 0;
		struct th_upfile k;
		struct stat st;

		if (files_fd < 0 || procs_fd < 0) {
			snprintf(err, errlen, "the guest has process probes but no maps for them");
			return -EINVAL;
		}
		switch (u->kind) {
		case GRT_UPROC_FILE:
			if (stat(u->path, &st)) {
				r = -errno;
				snprintf(err, errlen, "cannot watch processes of %s: %s", u->path,
					 strerror(errno));
				return r;
			}
			k = hub_guest_uproc_file_key(&st);
			if (bpf_map_lookup_elem(files_fd, &k, &v) && errno != ENOENT)
				return -errno;
			v |= bit;
			if (bpf_map_update_elem(files_fd, &k, &v, BPF_ANY))
				return -errno;
			break;
		case GRT_UPROC_PID:
			r = merge_proc(procs_fd, (uint32_t)u->pid, bit);
			if (r)
				return r;
			break;
		default:
			/* the tree's root; -c's child begins at its exec, not before */
			if (target <= 0)
				break;
			r = merge_proc(procs_fd, (uint32_t)target, bit | (held ? TH_UPROC_HELD : 0));
			if (r)
				return r;
			break;
		}
	}
	return 0;
}

int hub_guest_uproc_scan(const struct grt_meta *m, int files_fd, int procs_fd)
{
	struct dirent *e;
	DIR *dir;
	int i, r = 0;

	for (i = 0; i < m->nuprocs; i++)
		if (m->uprocs[i].kind == GRT_UPROC_FILE)
			break;
	if (i == m->nuprocs)
		return 0;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char path[64];
		struct th_upfile k;
		struct stat st;
		uint64_t bits;
		long pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = strtol(e->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		/* the link's target: kernel threads and processes gone have none */
		if (stat(path, &st))
			continue;
		k = hub_guest_uproc_file_key(&st);
		if (bpf_map_lookup_elem(files_fd, &k, &bits))
			continue;
		r = merge_proc(procs_fd, (uint32_t)pid, bits);
		if (r)
			break;
	}
	closedir(dir);
	return r;
}
