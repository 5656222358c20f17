// SPDX-License-Identifier: MIT
/*
 * The programs of process lifecycle probes (probe_uproc.c): at most four
 * for the whole guest, each calling the bodies of the probes its event
 * serves, in the script's order:
 *
 *   th_upfork   sched_process_fork   a new process's bits in th_upprocs:
 *                                    its program's, and the tree's when its
 *                                    parent is in the tree (parent context)
 *   th_upbegin  sys_exit             a new process or thread, in its own
 *                                    context: the child's return of 0 from
 *                                    clone, clone3, fork or vfork
 *   th_upexec   sched_process_exec   .end of the old program, new bits,
 *                                    .begin of the new one (new image)
 *   th_upexit   sched_process_exit   .thread.end, or .end with the last
 *                                    thread (the kernel's group_dead)
 *   th_upfree   sched_process_free   the process's entry goes with its
 *                                    leader, once all its threads are gone
 *
 * Why sys_exit for begins: stap runs a begin probe in the new task (a
 * task_work of its clone report), so pid(), tid(), execname(), the user
 * registers and memory are the child's.  No tracepoint runs in the child
 * before it returns to user space except the exit of its fork syscall;
 * sched_process_fork and task_newtask run in the parent.  The cost is the
 * syscall-exit tracepoint on every system call, as a syscall probe has.
 *
 * One program per event also fixes the order: the end of an old program
 * before the begin of the new, the bits changed between them.
 */
#include <stdio.h>
#include <string.h>

#include "compiler/codegen.h"
#include "taphub/record.h"

/* Bits that stay with a process across exec: all but the program files' and HELD. */
static unsigned long long keep_mask(struct cc_ctx *cx)
{
	unsigned long long m = 0;
	int i;

	for (i = 0; i < cx->uprocs.n; i++)
		if (((struct cc_uproc *)cx->uprocs.v[i])->kind != CC_UPF_FILE)
			m |= 1ULL << i;
	return m;
}

static unsigned long long tree_mask(struct cc_ctx *cx)
{
	int i;

	for (i = 0; i < cx->uprocs.n; i++)
		if (((struct cc_uproc *)cx->uprocs.v[i])->kind == CC_UPF_TREE)
			return 1ULL << i;
	return 0;
}

static bool has_event(struct gen *G, int ev)
{
	int i;

	for (i = 0; i < G->prog->probes.n; i++) {
		struct cc_dprobe *d = G->prog->probes.v[i];

		if (d->kind == PK_UPROC && d->upev == ev)
			return true;
	}
	return false;
}

/* The calls of the bodies of event ev's probes whose filter is in the C expression bits. */
static void calls(struct gen *G, FILE *o, int ev, const char *bits, const char *ind)
{
	int i;

	for (i = 0; i < G->prog->probes.n; i++) {
		struct cc_dprobe *d = G->prog->probes.v[i];

		if (d->kind != PK_UPROC || d->upev != ev)
			continue;
		if (d->upbit < 0)
			fprintf(o, "%s%s;\n", ind, cg_hcall(G, d));
		else
			fprintf(o, "%sif (%s & %#llxULL)\n%s\t%s;\n", ind, bits, 1ULL << d->upbit, ind,
				cg_hcall(G, d));
	}
}

/* Does this kernel's sched_process_exit pass group_dead (6.16+)? */
static bool exit_has_group_dead(struct cc_ctx *cx)
{
	struct cc_tpformat *f;
	bool r = false;
	int i;

	if (cc_tp_load(cc_tracefs(), "sched", "sched_process_exit", &f) < 0)
		return false;
	for (i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, "group_dead"))
			r = true;
	cc_tp_free(f);
	return r;
}

/* A program on the raw tracepoint event, running in the task concerned: t and tgid. */
static void task_program(FILE *o, const char *name, const char *event)
{
	fprintf(o,
		"SEC(\"raw_tp/%s\")\n"
		"int %s(struct bpf_raw_tracepoint_args *ctx)\n{\n"
		"\tstruct task_struct___up *t = (void *)bpf_get_current_task();\n"
		"\t__u32 tgid = bpf_get_current_pid_tgid() >> 32;\n",
		event, name);
}

/* Which programs a script needs: both the object and its meta follow it. */
struct plan {
	bool any;     /* the script has process lifecycle probes */
	bool tracked; /* filters: th_upprocs, kept at fork, exec and free */
	bool begins, execs, exits;
	bool claims; /* no group_dead: the first to see no live threads ends the process */
	bool fork, free;
};

static struct plan plan_of(struct gen *G)
{
	struct plan p = { .tracked = G->cx->uprocs.n > 0 };

	p.begins = has_event(G, CC_UPROC_BEGIN) || has_event(G, CC_UPROC_TBEGIN);
	p.execs = has_event(G, CC_UPROC_BEGIN) || has_event(G, CC_UPROC_END) || p.tracked;
	p.exits = has_event(G, CC_UPROC_END) || has_event(G, CC_UPROC_TEND) || p.tracked;
	p.any = p.tracked || p.begins || p.exits;
	p.claims = p.exits && !exit_has_group_dead(G->cx);
	p.fork = p.free = p.tracked || p.claims;
	return p;
}

void cg_uproc_programs(struct gen *G, FILE *o)
{
	struct cc_ctx *cx = G->cx;
	struct plan p = plan_of(G);
	bool tracked = p.tracked, claims = p.claims;

	if (!p.any)
		return;
	if (claims)
		fprintf(o, "#define TH_UPROC_CLAIMS 1\n");
	fprintf(o, "#include \"grt_bpf_uproc.h\"\n\n");
	if (p.fork) {
		fprintf(o,
			"SEC(\"raw_tp/sched_process_fork\")\n"
			"int th_upfork(struct bpf_raw_tracepoint_args *ctx)\n{\n"
			"\tstruct task_struct___up *parent = (void *)ctx->args[0];\n"
			"\tstruct task_struct___up *child = (void *)ctx->args[1];\n"
			"\t__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);\n\n"
			"\t/* a thread: its process's entry holds for it */\n"
			"\tif (ptgid == ctgid)\n\t\treturn 0;\n");
		if (claims)
			fprintf(o, "\t/* a pid used again: its last process's claim is stale */\n"
				   "\tbpf_map_delete_elem(&th_upclaims, &ctgid);\n");
		if (tracked)
			fprintf(o, "\tth_up_set(ctgid, th_up_filebits(child) | (th_up_bits(ptgid) & "
				   "%#llxULL));\n",
				tree_mask(cx));
		fprintf(o, "\treturn 0;\n}\n\n");
	}
	if (p.begins) {
		fprintf(o,
			"SEC(\"raw_tp/sys_exit\")\n"
			"int th_upbegin(struct bpf_raw_tracepoint_args *ctx)\n{\n"
			"\t__u64 id, bits;\n\tlong nr;\n\n"
			"\t/* the child's return from its fork: 0; the parent's is the child's pid */\n"
			"\tif (ctx->args[1] != 0)\n\t\treturn 0;\n"
			"\tnr = th_sysnr_exit(ctx);\n"
			"\tif (nr != %d && nr != %d && nr != %d && nr != %d)\n\t\treturn 0;\n"
			"\tif (th_ctl.stop)\n\t\treturn 0;\n"
			"\tid = bpf_get_current_pid_tgid();\n"
			"\tbits = %s;\n"
			"\t(void)bits;\n"
			"\tif ((__u32)id == id >> 32) {\n",
			cc_syscall_nr("clone"), cc_syscall_nr("clone3"), cc_syscall_nr("fork"),
			cc_syscall_nr("vfork"), tracked ? "th_up_bits(id >> 32)" : "0");
		calls(G, o, CC_UPROC_BEGIN, "bits", "\t\t");
		fprintf(o, "\t} else {\n");
		calls(G, o, CC_UPROC_TBEGIN, "bits", "\t\t");
		fprintf(o, "\t}\n\treturn 0;\n}\n\n");
	}
	if (p.execs) {
		task_program(o, "th_upexec", "sched_process_exec");
		fprintf(o,
			"\t__u64 old = %s, now;\n\n"
			"\tif (th_ctl.stop)\n\t\treturn 0;\n"
			"\t/* the -c child held before this exec began nothing yet */\n"
			"\tif (!(old & TH_UPROC_HELD)) {\n",
			tracked ? "th_up_bits(tgid)" : "0");
		calls(G, o, CC_UPROC_END, "old", "\t\t");
		fprintf(o, "\t}\n");
		if (tracked)
			fprintf(o, "\tnow = th_up_filebits(t) | (old & %#llxULL);\n"
				   "\tif (now != old)\n\t\tth_up_set(tgid, now);\n",
				keep_mask(cx));
		else
			fprintf(o, "\tnow = 0;\n");
		calls(G, o, CC_UPROC_BEGIN, "now", "\t");
		fprintf(o, "\t(void)t;\n\t(void)now;\n\treturn 0;\n}\n\n");
	}
	if (p.exits) {
		task_program(o, "th_upexit", "sched_process_exit");
		fprintf(o,
			"\t__u64 bits;\n\tbool dead;\n\n"
			"\tif (!th_up_user(t))\n\t\treturn 0;\n");
		/*
		 * The kernel says whether this is the group's last thread since
		 * 6.16.  Before, the count of live threads is read: the kernel
		 * lowers it well before the tracepoint, and a thread joined by
		 * the last one (pthread_join returns at its exit_mm) often sees
		 * 0 too.  The first to see 0 claims the end (th_up_claim), so a
		 * process ends once, maybe in another of its exiting threads.
		 */
		if (claims)
			fprintf(o, "\tdead = BPF_CORE_READ(t, signal, live.counter) == 0 && "
				   "th_up_claim(tgid);\n");
		else
			fprintf(o, "\tdead = (__u8)ctx->args[1];\n");
		fprintf(o, "\tbits = %s;\n"
			   "\tif (!th_ctl.stop && !(bits & TH_UPROC_HELD)) {\n"
			   "\t\tif (dead) {\n",
			tracked ? "th_up_bits(tgid)" : "0");
		calls(G, o, CC_UPROC_END, "bits", "\t\t\t");
		fprintf(o, "\t\t} else {\n");
		calls(G, o, CC_UPROC_TEND, "bits", "\t\t\t");
		fprintf(o, "\t\t}\n\t}\n");
		fprintf(o, "\treturn 0;\n}\n\n");
	}
	/*
	 * A process's entry (and claim) goes with its leader's task, freed
	 * once every thread is reaped: a thread may pass sched_process_exit
	 * after the one that ended the process (the kernel lowers the count
	 * of live threads well before the tracepoint), and is still the
	 * process's then.
	 */
	if (p.free) {
		fprintf(o,
			"SEC(\"raw_tp/sched_process_free\")\n"
			"int th_upfree(struct bpf_raw_tracepoint_args *ctx)\n{\n"
			"\tstruct task_struct___up *p = (void *)ctx->args[0];\n"
			"\t__u32 tgid = BPF_CORE_READ(p, tgid);\n\n"
			"\tif (BPF_CORE_READ(p, pid) != tgid)\n\t\treturn 0;\n");
		if (tracked)
			fprintf(o, "\tbpf_map_delete_elem(&th_upprocs, &tgid);\n");
		if (claims)
			fprintf(o, "\tbpf_map_delete_elem(&th_upclaims, &tgid);\n");
		fprintf(o, "\treturn 0;\n}\n\n");
	}
}

/* The meta's lines: the programs cg_uproc_programs wrote, then the filters. */
void cg_uproc_meta(struct gen *G, FILE *o)
{
	struct cc_ctx *cx = G->cx;
	struct plan p = plan_of(G);
	int i;

	if (!p.any)
		return;
	if (p.fork)
		fprintf(o, "prog th_upfork rawtp sched_process_fork 0 \"process lifecycle: fork\"\n");
	if (p.begins)
		fprintf(o, "prog th_upbegin rawtp sys_exit 0 \"process lifecycle: begin\"\n");
	if (p.execs)
		fprintf(o, "prog th_upexec rawtp sched_process_exec 0 \"process lifecycle: exec\"\n");
	if (p.exits)
		fprintf(o, "prog th_upexit rawtp sched_process_exit 0 \"process lifecycle: exit\"\n");
	if (p.free)
		fprintf(o, "prog th_upfree rawtp sched_process_free 0 \"process lifecycle: free\"\n");
	for (i = 0; i < cx->uprocs.n; i++) {
		const struct cc_uproc *f = cx->uprocs.v[i];

		fprintf(o, "uproc %d ", i);
		if (f->kind == CC_UPF_FILE) {
			fprintf(o, "file ");
			cc_fquote(o, f->path, strlen(f->path));
		} else if (f->kind == CC_UPF_PID) {
			fprintf(o, "pid %ld", f->pid);
		} else {
			fprintf(o, "tree");
		}
		fputc('\n', o);
	}
}
