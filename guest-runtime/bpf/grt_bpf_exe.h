/* SPDX-License-Identifier: MIT */
/*
 * The program file a task runs, as the loader keys files (struct
 * th_upfile: the kernel's dev_t of the file's super block and its inode
 * number): what process("PATH") filters compare, for the process
 * lifecycle probes (grt_bpf_uproc.h) and perf...process("PATH") samples
 * (grt_bpf_perf.h).  Included by those after grt_bpf.h.
 */
#ifndef GRT_BPF_EXE_H
#define GRT_BPF_EXE_H

/*
 * The types read are grt_bpf_path.h's CO-RE views (file___th, inode___th,
 * super_block___th), which grt_bpf.h includes: one set for every header.
 */

/* The key of f, a task's mm->exe_file; false: no file (a kernel thread has no mm). */
static __always_inline bool th_exe_key(struct file___th *f, struct th_upfile *k)
{
	if (!f)
		return false;
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	return true;
}

#endif /* GRT_BPF_EXE_H */
