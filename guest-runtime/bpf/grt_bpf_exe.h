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

/* what is read, by CO-RE: the names before ___ are the kernel's types */
struct super_block___up {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode___up {
	unsigned long i_ino;
	struct super_block___up *i_sb;
} __attribute__((preserve_access_index));

struct file___up {
	struct inode___up *f_inode;
} __attribute__((preserve_access_index));

struct mm_struct___up {
	struct file___up *exe_file;
} __attribute__((preserve_access_index));

/* The key of f, a task's mm->exe_file; false: no file (a kernel thread has no mm). */
static __always_inline bool th_exe_key(struct file___up *f, struct th_upfile *k)
{
	if (!f)
		return false;
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	return true;
}

#endif /* GRT_BPF_EXE_H */
