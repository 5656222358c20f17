/* SPDX-License-Identifier: MIT */
/*
 * Perf events bound to a process (compiler/probe_perf.c): the filter of
 * perf.*.process("PATH") samples and the reading of the target's counters
 * (@perf).  The loader (hub/guest_perf.c) fills the maps before the
 * programs attach; their layout is include/taphub/record.h's.
 *
 * Included by a generated object after grt_bpf.h, with TH_PERF_NEXES (the
 * programs filtered on) and TH_PERF_NCTRS (the counters) defined when the
 * script has them.
 */
#ifndef GRT_BPF_PERF_H
#define GRT_BPF_PERF_H

#ifdef TH_PERF_NEXES
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TH_PERF_NEXES);
	__type(key, __u32);
	__type(value, struct th_upfile);
} th_perfexe SEC(".maps");

#include "grt_bpf_exe.h"

/*
 * Does the current task run program k?  Its mm->exe_file against the
 * device and inode the loader found at PATH; a kernel thread (no mm) and
 * the idle task never do.
 */
static __always_inline bool th_perf_exe_is(__u32 k)
{
	struct task_struct___th *t = th_current();
	struct th_upfile *want = bpf_map_lookup_elem(&th_perfexe, &k), have;

	if (!want || !th_exe_key(BPF_CORE_READ(t, mm, exe_file), &have))
		return false;
	return have.ino == want->ino && have.dev == want->dev;
}
#endif

#ifdef TH_PERF_NCTRS
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, TH_PERF_NCTRS * TH_PERF_MAX_TASKS);
	__type(key, __u32);
	__type(value, __u32);
} th_perfctrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TH_PERF_MAX_TASKS);
	__type(key, __u32);
	__type(value, __u32);
} th_perftasks SEC(".maps");

/*
 * @perf("NAME"): counter k of the current thread.  The kernel reads only
 * the current task's own event (perf_event_read_local): a thread with no
 * counter of its own, in the target or in another process, reads 0, as
 * does a counter the kernel cannot read now.
 */
static __always_inline __s64 th_perf_read(__u32 k)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *slot = bpf_map_lookup_elem(&th_perftasks, &tid);
	struct bpf_perf_event_value v;

	if (!slot || *slot >= TH_PERF_MAX_TASKS || k >= TH_PERF_NCTRS)
		return 0;
	if (bpf_perf_event_read_value(&th_perfctrs, (__u64)(*slot * TH_PERF_NCTRS + k), &v,
				      sizeof(v)))
		return 0;
	return (__s64)v.counter;
}
#endif

#endif /* GRT_BPF_PERF_H */
