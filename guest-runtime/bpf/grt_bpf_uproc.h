/* SPDX-License-Identifier: MIT */
/*
 * Process lifecycle probes (compiler/probe_uproc.c): the tracking maps
 * and what the generated programs (compiler/codegen_uproc.c) read of a
 * task: its program file, whether it is a user task.
 *
 * th_upfiles and th_upprocs are filled by the loader before it attaches
 * (hub/guest.c) and by the programs after; their layout is
 * include/taphub/record.h's.  Included by a generated object after
 * grt_bpf.h, only when the script has such probes.
 */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TH_UPROC_MAX_FILES);
	__type(key, struct th_upfile);
	__type(value, __u64);
} th_upfiles SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TH_UPROC_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u64);
} th_upprocs SEC(".maps");

#ifdef TH_UPROC_CLAIMS
/*
 * Kernels before 6.16 do not say which exiting thread is its group's
 * last: tgid -> 1 once one of them took the process's end
 * (codegen_uproc.c), until its leader is freed (th_upfree); LRU, so
 * that a free not seen (the session started after the exit) leaves no
 * claim that blocks the map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TH_UPROC_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u8);
} th_upclaims SEC(".maps");

static __always_inline bool th_up_claim(__u32 tgid)
{
	__u8 one = 1;

	return bpf_map_update_elem(&th_upclaims, &tgid, &one, BPF_NOEXIST) == 0;
}
#endif

#include "grt_bpf_exe.h"

/* what is read, by CO-RE: the names before ___ are the kernel's types */
struct signal_struct___up {
	struct {
		int counter;
	} live;
} __attribute__((preserve_access_index));

struct task_struct___up {
	unsigned int flags;
	int pid;
	int tgid;
	struct mm_struct___th *mm;
	struct signal_struct___up *signal;
} __attribute__((preserve_access_index));

/* include/linux/sched.h: tasks that never run user code of their own */
#define TH_PF_IO_WORKER 0x00000010u   /* io_uring's workers */
#define TH_PF_USER_WORKER 0x00004000u /* vhost's and others' (6.4+; unused bit before) */
#define TH_PF_KTHREAD 0x00200000u

/* The filter bits of t's program file: its device and inode in th_upfiles. */
static __always_inline __u64 th_up_filebits(struct task_struct___up *t)
{
	struct th_upfile k;
	__u64 *v;

	if (!th_exe_key(BPF_CORE_READ(t, mm, exe_file), &k))
		return 0;
	v = bpf_map_lookup_elem(&th_upfiles, &k);
	return v ? *v : 0;
}

static __always_inline __u64 th_up_bits(__u32 tgid)
{
	__u64 *v = bpf_map_lookup_elem(&th_upprocs, &tgid);

	return v ? *v : 0;
}

/*
 * A process's bits: none is no entry.  A full map loses the process (its
 * end will not be seen): counted as a skipped run of class 0.
 */
static __always_inline void th_up_set(__u32 tgid, __u64 bits)
{
	if (!bits)
		bpf_map_delete_elem(&th_upprocs, &tgid);
	else if (bpf_map_update_elem(&th_upprocs, &tgid, &bits, BPF_ANY))
		th_count(0, 3);
}

static __always_inline bool th_up_user(struct task_struct___up *t)
{
	return !(BPF_CORE_READ(t, flags) & (TH_PF_IO_WORKER | TH_PF_USER_WORKER | TH_PF_KTHREAD));
}
