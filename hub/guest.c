// SPDX-License-Identifier: MIT
/*
 * A guest: one compiled script loaded into the kernel.
 *
 * Opening a guest reads its meta, opens the eBPF object with libbpf, sizes
 * what only the loader knows (frames: one per CPU and handler; rings: the
 * buffer size), writes the read-only configuration (target pid, clock
 * offset, wakeup threshold), and loads it: the verifier checks every
 * program here.  Attaching is separate so a runner can run begin probes
 * between the two, as stap does.  Programs attach where their section
 * says (raw_tp/, tp/); perf programs get one perf event per CPU;
 * netfilter programs a netfilter link each (nf_link, below).
 *
 * The user-side object is dlopen()ed only when asked (load_so): the hub
 * itself never runs native code from a script (ARCHITECTURE.md, Isolation).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "hub/hub.h"

#define MAX_LINKS 4096

struct hub_guest {
	struct grt_meta *meta;
	struct bpf_object *obj;
	void *so;
	const struct grt_guest_desc *desc;
	void *globals;
	size_t globals_len;
	int globals_fd;
	int *map_fds;
	int ring_fds[TH_MAX_CLASSES];
	int counters_fd;
	int ncpus;
	struct bpf_link **links;
	int nlinks;
	int *perf_fds;
	int nperf;
	int *nf_fds; /* netfilter and uprobe_multi links: libbpf 1.1 has no bpf_link for them */
	int nnf;
	bool umulti; /* uprobes through uprobe_multi links (hub/guest_umulti.c) */
	int64_t target_pid;
	bool target_held;
	int verbose;
};

/* libbpf's messages (the verifier log) go to a buffer we show on failure. */
static char *libbpf_log;
static size_t libbpf_log_len;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line = NULL, *p;
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	/*
	 * Whole: libbpf hands the verifier log over as one message, and its
	 * verdict is at the end (a fixed line buffer kept only its start).
	 */
	n = vasprintf(&line, fmt, ap);
	if (n <= 0) {
		free(line);
		return 0;
	}
	p = realloc(libbpf_log, libbpf_log_len + (size_t)n + 1);
	if (!p) {
		free(line);
		return 0;
	}
	memcpy(p + libbpf_log_len, line, (size_t)n + 1);
	libbpf_log = p;
	libbpf_log_len += (size_t)n;
	free(line);
	/* keep the last 64 KB: the verifier's verdict is at the end */
	if (libbpf_log_len > 65536) {
		memmove(libbpf_log, libbpf_log + libbpf_log_len - 65536, 65536 + 1);
		libbpf_log_len = 65536;
	}
	return 0;
}

/* The last lines of the verifier log, for an error message. */
static void log_tail(char *out, size_t outlen)
{
	const char *p;
	int lines = 0;

	if (!libbpf_log || !outlen)
		return;
	p = libbpf_log + libbpf_log_len;
	while (p > libbpf_log && lines < 8) {
		p--;
		if (*p == '\n' && p + 1 < libbpf_log + libbpf_log_len)
			lines++;
	}
	snprintf(out, outlen, "%s", p);
}

static uint64_t pow2_up(uint64_t v)
{
	uint64_t p = (uint64_t)sysconf(_SC_PAGESIZE);

	while (p < v)
		p <<= 1;
	return p;
}

static int64_t realtime_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

/*
 * Netfilter programs (Linux 6.4+): libbpf 1.1 knows neither their type
 * nor their SEC("netfilter"), so the type and the attach type the kernel
 * requires at load are set here, with the kernel's numbers
 * (include/uapi/linux/bpf.h), and the link is made by the bpf(2) call
 * itself (nf_link).
 */
#define NF_PROG_TYPE 32	  /* BPF_PROG_TYPE_NETFILTER */
#define NF_ATTACH_TYPE 45 /* BPF_NETFILTER */

static int set_nf_types(struct hub_guest *g, char *err, size_t errlen)
{
	int i, r;

	for (i = 0; i < g->meta->nprogs; i++) {
		const struct grt_meta_prog *p = &g->meta->progs[i];
		struct bpf_program *prog;

		if (p->kind != GRT_PROG_NETFILTER)
			continue;
		prog = bpf_object__find_program_by_name(g->obj, p->name);
		if (!prog) {
			snprintf(err, errlen, "program %s for %s is missing", p->name, p->pp);
			return -ENOENT;
		}
		r = bpf_program__set_type(prog, (enum bpf_prog_type)NF_PROG_TYPE);
		if (!r)
			r = bpf_program__set_expected_attach_type(prog,
								  (enum bpf_attach_type)NF_ATTACH_TYPE);
		if (r) {
			snprintf(err, errlen, "cannot set the type of %s: %s", p->pp, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int load_bpf(struct hub_guest *g, const struct hub_guest_opts *o, char *err,
		    size_t errlen)
{
	char path[4096], name[32], tail[2048] = "";
	struct bpf_map *map;
	struct th_config cfg = { 0 };
	size_t sz;
	uint64_t ring = pow2_up(o->ring_bytes ? o->ring_bytes : HUB_BUF_DEFAULT);
	int i, r, nh = g->meta->nhandlers > 0 ? (int)g->meta->nhandlers : 1;

	libbpf_set_print(print_libbpf);
	if (o->obj) {
		LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "th_guest");

		snprintf(path, sizeof(path), "guest %u", o->guest_id);
		g->obj = bpf_object__open_mem(o->obj, o->obj_len, &oo);
	} else {
		snprintf(path, sizeof(path), "%s/guest.bpf.o", o->dir);
		g->obj = bpf_object__open_file(path, NULL);
	}
	if (!g->obj) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	map = bpf_object__find_map_by_name(g->obj, "th_frames");
	if (!map || bpf_map__set_max_entries(map, (uint32_t)(g->ncpus * nh))) {
		snprintf(err, errlen, "%s: no frame map", path);
		return -EINVAL;
	}
	for (i = 0; i < g->meta->nclasses; i++) {
		snprintf(name, sizeof(name), "th_ring%d", i);
		map = bpf_object__find_map_by_name(g->obj, name);
		/* a relay guest writes into its host's rings: same maps, no copies */
		if (!map || (o->ring_fds ? bpf_map__reuse_fd(map, o->ring_fds[i])
					 : bpf_map__set_max_entries(map, (uint32_t)ring))) {
			snprintf(err, errlen, "%s: no ring for class %d", path, i);
			return -EINVAL;
		}
	}
	map = bpf_object__find_map_by_name(g->obj, ".rodata.th_cfg");
	if (!map || !bpf_map__initial_value(map, &sz) || sz != sizeof(cfg)) {
		snprintf(err, errlen, "%s: no configuration section", path);
		return -EINVAL;
	}
	cfg.target_pid = (uint64_t)o->target_pid;
	cfg.realtime_off = realtime_offset();
	cfg.ncpus = (uint32_t)g->ncpus;
	cfg.guest_id = o->guest_id;
	cfg.maxerrors = o->maxerrors;
	cfg.loader_pid = (uint64_t)getpid();
	{
		time_t now = time(NULL);
		struct tm tm;

		/* tz_ctime() in a probe: the zone at load time */
		localtime_r(&now, &tm);
		cfg.tz_off = tm.tm_gmtoff;
		snprintf(cfg.tz_name, sizeof(cfg.tz_name), "%s", tm.tm_zone ? tm.tm_zone : "");
	}
	r = bpf_map__set_initial_value(map, &cfg, sizeof(cfg));
	if (r) {
		snprintf(err, errlen, "%s: cannot set the configuration: %s", path, strerror(-r));
		return r;
	}

	r = set_nf_types(g, err, errlen);
	if (r)
		return r;
	r = hub_umulti_prepare(g->meta, g->obj);
	if (r < 0) {
		snprintf(err, errlen, "cannot set the attach type of the uprobes: %s", strerror(-r));
		return r;
	}
	g->umulti = r > 0;
	r = bpf_object__load(g->obj);
	if (r) {
		log_tail(tail, sizeof(tail));
		if (r == -EPERM)
			snprintf(err, errlen,
				 "loading eBPF programs needs root (or CAP_BPF and CAP_PERFMON)");
		else
			snprintf(err, errlen, "the kernel refused the eBPF object: %s%s%s",
				 strerror(-r), *tail ? "\n" : "", tail);
		return r;
	}
	for (i = 0; i < g->meta->nclasses; i++) {
		snprintf(name, sizeof(name), "th_ring%d", i);
		g->ring_fds[i] = bpf_object__find_map_fd_by_name(g->obj, name);
	}
	g->counters_fd = bpf_object__find_map_fd_by_name(g->obj, "th_counters");
	for (i = 0; i < g->meta->nglobals; i++) {
		snprintf(name, sizeof(name), "th_m%d", i);
		if (g->meta->globals[i].kernel)
			g->map_fds[i] = bpf_object__find_map_fd_by_name(g->obj, name);
	}
	map = bpf_object__find_map_by_name(g->obj, ".data.th_g");
	if (map) {
		/*
		 * The kernel-shared scalars: map the array's value.  libbpf only
		 * remaps its own image onto the map for skeletons, so we map the fd.
		 */
		size_t len = (bpf_map__value_size(map) + (size_t)sysconf(_SC_PAGESIZE) - 1) &
			     ~((size_t)sysconf(_SC_PAGESIZE) - 1);
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);

		if (p == MAP_FAILED) {
			r = -errno;
			snprintf(err, errlen, "cannot map the globals: %s", strerror(errno));
			return r;
		}
		g->globals = p;
		g->globals_len = len;
		g->globals_fd = bpf_map__fd(map);
	}
	return 0;
}

static int load_so(struct hub_guest *g, const char *dir, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/guest.so", dir);
	g->so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!g->so) {
		snprintf(err, errlen, "cannot load %s: %s", path, dlerror());
		return -ENOEXEC;
	}
	g->desc = (const struct grt_guest_desc *)dlsym(g->so, "th_guest");
	if (!g->desc || g->desc->abi != GRT_ABI || g->desc->maxstr != g->meta->maxstr) {
		snprintf(err, errlen, "%s was built by another tap version", path);
		return -ENOEXEC;
	}
	return 0;
}

int hub_guest_open(const struct hub_guest_opts *o, struct hub_guest **ret, char *err,
		   size_t errlen)
{
	struct hub_guest *g;
	char path[4096];
	int r, i;

	if (!o || o->sz < sizeof(*o) || (!o->dir && (!o->meta_text || (o->load_so))))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->verbose = o->verbose;
	g->target_pid = o->target_pid;
	g->target_held = o->target_held;
	g->counters_fd = -1;
	g->globals_fd = -1;
	for (i = 0; i < TH_MAX_CLASSES; i++)
		g->ring_fds[i] = -1;
	g->ncpus = libbpf_num_possible_cpus();
	if (g->ncpus <= 0)
		g->ncpus = 1;
	if (o->meta_text) {
		r = grt_meta_parse(o->meta_text, o->meta_len, &g->meta, err, errlen);
	} else {
		snprintf(path, sizeof(path), "%s/guest.meta", o->dir);
		r = grt_meta_load(path, &g->meta, err, errlen);
	}
	if (r)
		goto out_free;
	g->map_fds = malloc(sizeof(int) * (size_t)(g->meta->nglobals + 1));
	if (!g->map_fds) {
		r = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i <= g->meta->nglobals; i++)
		g->map_fds[i] = -1;
	if (g->meta->has_bpf && !o->skip_bpf) {
		r = load_bpf(g, o, err, errlen);
		if (r)
			goto out_free;
	}
	if (g->meta->has_so && o->load_so) {
		r = load_so(g, o->dir, err, errlen);
		if (r)
			goto out_free;
	}
	*ret = g;
	return 0;
out_free:
	hub_guest_close(g);
	return r;
}

/*
 * A watchpoint's symbol (kernel.data("SYM")), looked up now: its address
 * changes with every boot, and the guest may have been compiled before
 * this one.  0: not there (or hidden: kallsyms shows zeros to non-root).
 */
static uint64_t kallsyms_data(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "re");
	uint64_t r = 0;

	if (!f)
		return 0;
	while (!r && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name) &&
		    !strchr(line, '[') && strchr("dDbBrRvV", type))
			r = a;
	fclose(f);
	return r;
}

static int perf_open(const struct grt_meta_prog *p, int cpu)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = (uint32_t)p->perf_type,
		.config = (uint64_t)p->perf_config,
		.freq = p->freq,
	};

	if (p->kind == GRT_PROG_BP) {
		/* every access, by any task on this CPU (stap's kernel.data) */
		a.type = PERF_TYPE_BREAKPOINT;
		a.config = 0;
		a.bp_type = p->bp_rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W;
		a.bp_addr = p->bp_addr ? p->bp_addr : kallsyms_data(p->event);
		a.bp_len = (uint64_t)p->bp_len;
		a.sample_period = 1;
		if (!a.bp_addr) {
			errno = ENOENT;
			return -1;
		}
		return (int)syscall(__NR_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (p->freq)
		a.sample_freq = (uint64_t)p->sample;
	else
		a.sample_period = (uint64_t)p->sample;
	return (int)syscall(__NR_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int add_link(struct hub_guest *g, struct bpf_link *l)
{
	if (!g->links) {
		g->links = calloc(MAX_LINKS, sizeof(*g->links));
		if (!g->links)
			return -ENOMEM;
	}
	if (g->nlinks == MAX_LINKS)
		return -E2BIG;
	g->links[g->nlinks++] = l;
	return 0;
}

static int keep_perf_fd(struct hub_guest *g, int pfd)
{
	int *fds = realloc(g->perf_fds, sizeof(int) * (size_t)(g->nperf + 1));

	if (!fds) {
		close(pfd);
		return -ENOMEM;
	}
	g->perf_fds = fds;
	g->perf_fds[g->nperf++] = pfd;
	return 0;
}

/*
 * perf...process: an event on each thread of the target, inherited by
 * the threads and processes it starts (guest_perf.c).
 */
static int attach_task_perf(struct hub_guest *g, struct bpf_program *prog,
			    const struct grt_meta_prog *p, char *err, size_t errlen)
{
	pid_t *tids = NULL;
	struct bpf_link *l;
	int n, i, r = 0;

	if (g->target_pid <= 0) {
		snprintf(err, errlen, "%s samples the target process: run with -c CMD or -x PID",
			 p->pp);
		return -EINVAL;
	}
	n = hub_guest_perf_tasks(g->target_pid, g->target_held, &tids);
	if (n < 0) {
		snprintf(err, errlen, "cannot attach %s to process %lld: %s", p->pp,
			 (long long)g->target_pid, strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		int pfd = hub_guest_perf_open_task(p->perf_type, p->perf_config, p->sample, p->freq,
						   tids[i], g->target_held);

		if (pfd < 0 && errno == ESRCH)
			continue; /* a thread gone since the list was read */
		if (pfd < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot open the perf event of %s in thread %d: %s%s",
				 p->pp, (int)tids[i], strerror(errno),
				 hub_guest_perf_why(errno, p->perf_type));
			break;
		}
		r = keep_perf_fd(g, pfd);
		if (r)
			break;
		l = bpf_program__attach_perf_event(prog, pfd);
		if (!l) {
			r = -errno;
			snprintf(err, errlen, "cannot attach %s in thread %d: %s", p->pp, (int)tids[i],
				 strerror(errno));
			break;
		}
		r = add_link(g, l);
		if (r)
			break;
		/*
		 * libbpf enabled it: -c's child, held before its exec, samples
		 * from the exec on (enable_on_exec), not in tap's code before.
		 */
		if (g->target_held && ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0)) {
			r = -errno;
			snprintf(err, errlen, "cannot hold %s until the exec: %s", p->pp,
				 strerror(errno));
			break;
		}
	}
	free(tids);
	return r;
}

/* Syscall dispatch: each tail-call slot gets the program of its number. */
static int fill_tails(struct hub_guest *g, char *err, size_t errlen)
{
	int i, enter_fd, exit_fd;

	if (!g->meta->ntails)
		return 0;
	enter_fd = bpf_object__find_map_fd_by_name(g->obj, "th_systab_enter");
	exit_fd = bpf_object__find_map_fd_by_name(g->obj, "th_systab_exit");
	for (i = 0; i < g->meta->ntails; i++) {
		const struct grt_meta_tail *t = &g->meta->tails[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(g->obj, t->name);
		uint32_t key = (uint32_t)t->nr;
		int fd = prog ? bpf_program__fd(prog) : -1;

		if (fd < 0 || bpf_map_update_elem(t->exit ? exit_fd : enter_fd, &key, &fd, BPF_ANY)) {
			snprintf(err, errlen, "cannot install the program of syscall %d: %s", t->nr,
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/*
 * A uprobe's offset comes from the file as it was when the script was
 * compiled, with the bytes it held then (an SDT marker's nop, a function's
 * first instruction).  A file rebuilt or replaced since has something else
 * there, and a breakpoint in the middle of an instruction would corrupt
 * every program that runs it: refuse.
 */
static int check_uprobe(const struct grt_meta_upoint *u, int fd, char *err, size_t errlen)
{
	unsigned char b[8] = {0};

	if (pread(fd, b, (size_t)u->nucheck, (off_t)u->uoff) != u->nucheck ||
	    memcmp(b, u->ucheck, (size_t)u->nucheck)) {
		snprintf(err, errlen,
			 "cannot attach %s: %s changed since the script was compiled (offset %lld "
			 "holds other bytes): compile it again",
			 u->pp, u->path, (long long)u->uoff);
		return -ESTALE;
	}
	return 0;
}

/* Every point of pts[0..n) against its file, each file opened once. */
static int check_uprobes(const struct grt_meta_upoint *pts, int n, char *err, size_t errlen)
{
	int i, fd = -1, r = 0;

	for (i = 0; i < n && !r; i++) {
		if (!i || strcmp(pts[i].path, pts[i - 1].path)) {
			if (fd >= 0)
				close(fd);
			fd = open(pts[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				r = -errno;
				snprintf(err, errlen, "cannot attach %s: %s: %s", pts[i].pp,
					 pts[i].path, strerror(errno));
				break;
			}
		}
		r = check_uprobe(&pts[i], fd, err, errlen);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * A wildcard's kprobes as one kprobe_multi link: the kernel resolves the
 * names, and each function's cookie is its place in the list, which the
 * program turns into its probe point (codegen_kernel.c).
 */
static struct bpf_link *attach_kmulti(struct bpf_program *prog, const struct grt_meta_prog *p)
{
	__u64 *cookies = calloc((size_t)p->nfuncs, sizeof(*cookies));
	struct bpf_link *l;
	int i;

	if (!cookies) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < p->nfuncs; i++)
		cookies[i] = (__u64)i;
	{
		LIBBPF_OPTS(bpf_kprobe_multi_opts, o, .syms = (const char **)p->funcs,
			    .cookies = cookies, .cnt = (size_t)p->nfuncs,
			    .retprobe = !strcmp(p->subsys, "kretprobe.multi"));

		l = bpf_program__attach_kprobe_multi_opts(prog, NULL, &o);
	}
	free(cookies);
	return l;
}

/*
 * The link of a netfilter program to its hook: BPF_LINK_CREATE with the
 * netfilter part of union bpf_attr's link_create (pf, hooknum, priority,
 * flags after the prog fd, target fd, attach type and flags), which
 * libbpf 1.1's bpf_link_create() does not fill.  The kernel zero-fills
 * the attr past the size given.  Closing the fd unlinks the program.
 */
struct nf_link_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint32_t pf;
	uint32_t hooknum;
	int32_t priority;
	uint32_t nf_flags;
};

/* Room for one more link fd in g->nf_fds. */
static int reserve_fd(struct hub_guest *g)
{
	int *fds = realloc(g->nf_fds, sizeof(int) * (size_t)(g->nnf + 1));

	if (!fds)
		return -ENOMEM;
	g->nf_fds = fds;
	return 0;
}

static int nf_link(struct hub_guest *g, struct bpf_program *prog, const struct grt_meta_prog *p,
		   char *err, size_t errlen)
{
	struct nf_link_attr a = {
		.prog_fd = (uint32_t)bpf_program__fd(prog),
		.attach_type = NF_ATTACH_TYPE,
		.pf = (uint32_t)p->nf_pf,
		.hooknum = (uint32_t)p->nf_hook,
		.priority = p->nf_prio,
	};
	int fd, r;

	r = reserve_fd(g);
	if (r)
		return r;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot link %s to its netfilter hook: %s", p->pp,
			 strerror(errno));
		return r;
	}
	g->nf_fds[g->nnf++] = fd;
	return 0;
}

/*
 * A uprobe program at its points: its group's (codegen_kernel.c's
 * gather; the cookie of each is its place in the group), or its
 * own.  Through one uprobe_multi link per run of points in one file where
 * the kernel has them, else a perf event per point.  Every process that
 * maps the file (pid -1), as stap's process() probes; the kernel raises
 * the semaphore while a point is attached.
 */
static int attach_uprobes(struct hub_guest *g, struct bpf_program *prog,
			  const struct grt_meta_prog *p, char *err, size_t errlen)
{
	struct grt_meta_upoint own = { .path = p->event, .pp = p->pp, .uoff = p->uoff,
				       .uref = p->uref, .nucheck = p->nucheck };
	const struct grt_meta_upoint *pts = p->nupts ? p->upts : &own;
	int n = p->nupts ? p->nupts : 1, i, j, fd, r;
	struct bpf_link *l;

	memcpy(own.ucheck, p->ucheck, sizeof(own.ucheck));
	r = check_uprobes(pts, n, err, errlen);
	if (r)
		return r;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; g->umulti && j < n && !strcmp(pts[j].path, pts[i].path); j++)
			;
		if (g->umulti) {
			r = reserve_fd(g);
			if (r)
				return r;
			fd = hub_umulti_link(bpf_program__fd(prog), pts + i, j - i, i, p->exit);
			if (fd < 0) {
				snprintf(err, errlen, "cannot attach %s%s at offset %lld of %s: %s",
					 pts[i].pp, j - i > 1 ? " and the points after it" : "",
					 (long long)pts[i].uoff, pts[i].path, strerror(-fd));
				return fd;
			}
			g->nf_fds[g->nnf++] = fd;
			continue;
		}
		{
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .ref_ctr_offset = (size_t)pts[i].uref,
				    .retprobe = p->exit, .bpf_cookie = (__u64)i);

			l = bpf_program__attach_uprobe_opts(prog, -1, pts[i].path,
							    (size_t)pts[i].uoff, &uo);
		}
		if (!l) {
			r = -errno;
			snprintf(err, errlen, "cannot attach %s at offset %lld of %s: %s", pts[i].pp,
				 (long long)pts[i].uoff, pts[i].path, strerror(errno));
			return r;
		}
		r = add_link(g, l);
		if (r)
			return r;
	}
	return 0;
}

int hub_guest_attach(struct hub_guest *g, char *err, size_t errlen)
{
	int i, cpu, r, upfiles_fd = -1, upprocs_fd = -1;

	r = fill_tails(g, err, errlen);
	if (r)
		return r;
	if (g->meta->nuprocs) {
		upfiles_fd = bpf_object__find_map_fd_by_name(g->obj, "th_upfiles");
		upprocs_fd = bpf_object__find_map_fd_by_name(g->obj, "th_upprocs");
		err[0] = 0;
		r = hub_guest_uproc_seed(g->meta, upfiles_fd, upprocs_fd, g->target_pid,
					 g->target_held, err, errlen);
		if (r) {
			if (!*err)
				snprintf(err, errlen, "cannot fill the process maps: %s", strerror(-r));
			return r;
		}
	}
	/* the counters and filters the programs read, before they run */
	r = hub_guest_perf_seed(g->meta, g->obj, g->target_pid, g->target_held, &g->perf_fds,
				&g->nperf, err, errlen);
	if (r)
		return r;
	for (i = 0; i < g->meta->nprogs; i++) {
		const struct grt_meta_prog *p = &g->meta->progs[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(g->obj, p->name);
		struct bpf_link *l;

		if (!prog) {
			snprintf(err, errlen, "program %s for %s is missing", p->name, p->pp);
			return -ENOENT;
		}
		if (p->kind == GRT_PROG_UPROBE) {
			r = attach_uprobes(g, prog, p, err, errlen);
			if (r)
				return r;
			continue;
		}
		if (p->kind == GRT_PROG_NETFILTER) {
			r = nf_link(g, prog, p, err, errlen);
			if (r)
				return r;
			continue;
		}
		if (p->nfuncs) {
			l = attach_kmulti(prog, p);
			if (!l) {
				r = -errno;
				snprintf(err, errlen, "cannot attach %s (%d functions through kprobe_multi): %s",
					 p->pp, p->nfuncs, strerror(errno));
				return r;
			}
			r = add_link(g, l);
			if (r)
				return r;
			continue;
		}
		if (p->kind == GRT_PROG_PERF && p->task) {
			r = attach_task_perf(g, prog, p, err, errlen);
			if (r)
				return r;
			continue;
		}
		if (p->kind != GRT_PROG_PERF && p->kind != GRT_PROG_BP) {
			l = bpf_program__attach(prog);
			if (!l) {
				r = -errno;
				snprintf(err, errlen, "cannot attach %s: %s", p->pp, strerror(errno));
				return r;
			}
			r = add_link(g, l);
			if (r)
				return r;
			continue;
		}
		for (cpu = 0; cpu < g->ncpus; cpu++) {
			int pfd = perf_open(p, cpu);

			/* a breakpoint the kernel refuses is refused on CPU 0 too: no skipping it */
			if (pfd < 0 && p->kind == GRT_PROG_BP && errno == ENOENT && !p->bp_addr) {
				snprintf(err, errlen, "cannot attach %s: '%s' is not in /proc/kallsyms",
					 p->pp, p->event);
				return -ENOENT;
			}
			if (pfd < 0) {
				if ((errno == ENODEV || errno == EINVAL) && (cpu || p->kind != GRT_PROG_BP))
					continue; /* offline or impossible CPU */
				r = -errno;
				snprintf(err, errlen, "cannot open the perf event of %s on CPU %d: %s%s",
					 p->pp, cpu, strerror(errno),
					 hub_guest_perf_why(errno, p->kind == GRT_PROG_BP
									   ? PERF_TYPE_BREAKPOINT
									   : p->perf_type));
				return r;
			}
			r = keep_perf_fd(g, pfd);
			if (r)
				return r;
			l = bpf_program__attach_perf_event(prog, pfd);
			if (!l) {
				r = -errno;
				snprintf(err, errlen, "cannot attach %s on CPU %d: %s", p->pp, cpu,
					 strerror(errno));
				return r;
			}
			r = add_link(g, l);
			if (r)
				return r;
		}
	}
	if (g->meta->nuprocs) {
		r = hub_guest_uproc_scan(g->meta, upfiles_fd, upprocs_fd);
		if (r) {
			snprintf(err, errlen, "cannot scan the running processes: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

void hub_guest_detach(struct hub_guest *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; i < g->nlinks; i++)
		bpf_link__destroy(g->links[i]);
	g->nlinks = 0;
	for (i = 0; i < g->nperf; i++)
		close(g->perf_fds[i]);
	g->nperf = 0;
	for (i = 0; i < g->nnf; i++)
		close(g->nf_fds[i]);
	g->nnf = 0;
}

void hub_guest_close(struct hub_guest *g)
{
	if (!g)
		return;
	hub_guest_detach(g);
	free(g->links);
	free(g->perf_fds);
	free(g->nf_fds);
	if (g->so)
		dlclose(g->so);
	if (g->globals)
		munmap(g->globals, g->globals_len);
	bpf_object__close(g->obj);
	grt_meta_free(g->meta);
	free(g->map_fds);
	free(g);
}

const struct grt_meta *hub_guest_meta(const struct hub_guest *g)
{
	return g->meta;
}

const struct grt_guest_desc *hub_guest_desc(const struct hub_guest *g)
{
	return g->desc;
}

void *hub_guest_globals(const struct hub_guest *g)
{
	return g->globals;
}

int hub_guest_globals_fd(const struct hub_guest *g)
{
	return g->globals_fd;
}

int hub_guest_timing_fd(const struct hub_guest *g)
{
	struct bpf_map *map = g->obj ? bpf_object__find_map_by_name(g->obj, "th_timing") : NULL;

	return map ? bpf_map__fd(map) : -1;
}

const int *hub_guest_map_fds(const struct hub_guest *g)
{
	return g->map_fds;
}

int hub_guest_ring_fd(const struct hub_guest *g, int cls)
{
	return cls >= 0 && cls < TH_MAX_CLASSES ? g->ring_fds[cls] : -1;
}

int hub_guest_ncpus(const struct hub_guest *g)
{
	return g->ncpus;
}

/*
 * Probe runs the kernel skipped: a program that would have run inside
 * itself on one CPU (a tracepoint hit from within its own handler) is not
 * run, and counted in the program's recursion_misses.  stap reports its
 * own equivalent as "skipped probes".  The guest counts its own skips in
 * the classes' counters (a probe whose format fields were not stashed).
 */
uint64_t hub_guest_skipped(const struct hub_guest *g)
{
	struct th_class_counters c;
	struct bpf_program *p;
	uint64_t n = 0;
	int i;

	if (!g->obj)
		return 0;
	for (i = 0; i < g->meta->nclasses; i++)
		if (hub_guest_counters(g, i, &c) == 0)
			n += c.skipped;
	bpf_object__for_each_program(p, g->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		/* a stash program's miss is its probe's skip, counted above */
		if (!strncmp(bpf_program__name(p), "th_q", 4))
			continue;
		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += info.recursion_misses;
	}
	return n;
}

/*
 * What the verifier spent on program i: the meta's attached programs
 * first, then the syscall tail-call targets.  verified_insns (Linux 5.16)
 * is the count the verifier holds against its limit of a million; tap -v
 * prints it so a program near the limit is seen before a kernel whose
 * verifier walks loops differently refuses it.
 */
int hub_guest_prog_cost(const struct hub_guest *g, int i, struct hub_prog_cost *ret)
{
	const struct grt_meta *m = g->meta;
	struct hub_prog_cost c = { .nr = -1 };
	struct bpf_program *prog;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd;

	if (i < 0 || !g->obj || i >= m->nprogs + m->ntails)
		return -ENOENT;
	if (i < m->nprogs) {
		c.name = m->progs[i].name;
		c.pp = m->progs[i].pp;
	} else {
		c.name = m->tails[i - m->nprogs].name;
		c.nr = m->tails[i - m->nprogs].nr;
		c.exit = m->tails[i - m->nprogs].exit;
	}
	prog = bpf_object__find_program_by_name(g->obj, c.name);
	fd = prog ? bpf_program__fd(prog) : -1;
	if (fd < 0)
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	/* an older kernel fills less of the struct: the count stays 0 */
	c.insns = info.verified_insns;
	*ret = c;
	return 0;
}

int hub_guest_counters(const struct hub_guest *g, int cls, struct th_class_counters *out)
{
	struct th_class_counters *v;
	uint32_t key = (uint32_t)cls;
	int i;

	memset(out, 0, sizeof(*out));
	if (g->counters_fd < 0)
		return 0;
	v = calloc((size_t)g->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(g->counters_fd, &key, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < g->ncpus; i++) {
		out->written += v[i].written;
		out->dropped += v[i].dropped;
		out->errors += v[i].errors;
		out->skipped += v[i].skipped;
	}
	free(v);
	return 0;
}
