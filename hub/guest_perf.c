// SPDX-License-Identifier: MIT
/*
 * The loader's part of perf events bound to a process
 * (compiler/probe_perf.c), for guest.c:
 *
 * - the threads of the target: -c's child, held before its exec, is one;
 *   -x's are read from /proc/PID/task.  A thread the -x process starts
 *   between that read and the open of its events gets none (those started
 *   later inherit the sampling events of the thread that starts them);
 * - the events: sampling ones per thread, inherited by the threads and
 *   children it makes, for perf...process probes; counting ones per
 *   counter and thread, not inherited (the kernel reads no inherited
 *   event from eBPF), counting from -c's exec on (enable_on_exec);
 * - th_perfexe: the device and inode each program of a
 *   perf...process("PATH") probe has now (a cached guest may be older
 *   than the file);
 * - th_perfctrs and th_perftasks: the counters' fds at slot * counters +
 *   counter, each thread's slot (guest-runtime/bpf/grt_bpf_perf.h).
 *
 * The fds go to the guest's array of perf events (hub_guest_detach closes
 * them; th_perfctrs holds references of its own until the object closes).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"

int hub_guest_perf_tasks(int64_t target, bool held, pid_t **ret)
{
	char path[64];
	struct dirent *e;
	pid_t *tids = NULL, *t;
	int n = 0, cap = 0;
	DIR *dir;

	if (held) {
		tids = malloc(sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		tids[0] = (pid_t)target;
		*ret = tids;
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%lld/task", (long long)target);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(dir))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			t = realloc(tids, sizeof(*tids) * (size_t)cap);
			if (!t) {
				free(tids);
				closedir(dir);
				return -ENOMEM;
			}
			tids = t;
		}
		tids[n++] = (pid_t)strtol(e->d_name, NULL, 10);
	}
	closedir(dir);
	if (!n) {
		free(tids);
		return -ESRCH;
	}
	*ret = tids;
	return n;
}

int hub_guest_perf_open_task(int type, int64_t config, int64_t sample, bool freq, pid_t tid,
			     bool held)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = (uint32_t)type,
		.config = (uint64_t)config,
	};

	/* -c's child counts and samples from its exec on: not in tap's code before */
	a.disabled = held;
	a.enable_on_exec = held;
	if (sample > 0) {
		a.inherit = 1;
		a.freq = freq;
		if (freq)
			a.sample_freq = (uint64_t)sample;
		else
			a.sample_period = (uint64_t)sample;
	}
	return (int)syscall(__NR_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

const char *hub_guest_perf_why(int err, int type)
{
	/* no PMU (a virtual machine's CPU often has none), or no such event on it */
	if ((err == ENOENT || err == EOPNOTSUPP || err == ENODEV) &&
	    (type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE || type == PERF_TYPE_RAW))
		return ": this machine has no hardware performance counter for the event "
		       "(perf.sw events work without one)";
	return "";
}

static int keep_fd(int **fds, int *nfds, int fd)
{
	int *v = realloc(*fds, sizeof(int) * (size_t)(*nfds + 1));

	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	v[(*nfds)++] = fd;
	*fds = v;
	return 0;
}

static int seed_exes(const struct grt_meta *m, struct bpf_object *obj, char *err, size_t errlen)
{
	int fd = bpf_object__find_map_fd_by_name(obj, "th_perfexe"), r;
	uint32_t k;

	if (fd < 0) {
		snprintf(err, errlen,
			 "the guest has perf probes of programs but no th_perfexe map");
		return -EINVAL;
	}
	for (k = 0; k < (uint32_t)m->nperfexes; k++) {
		struct th_upfile v;
		struct stat st;

		/* a program not found when compiled: its zero key matches no file */
		if (!m->perfexes[k][0])
			continue;
		if (stat(m->perfexes[k], &st)) {
			r = -errno;
			snprintf(err, errlen, "cannot sample processes of %s: %s", m->perfexes[k],
				 strerror(errno));
			return r;
		}
		v = hub_guest_uproc_file_key(&st);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			r = -errno;
			snprintf(err, errlen, "cannot fill th_perfexe: %s", strerror(errno));
			return r;
		}
	}
	return 0;
}

/* A counter of PATH on -x's process: it must run PATH (a cached guest may meet another). */
static int check_program(const struct grt_meta_perfctr *c, int64_t target, char *err,
			 size_t errlen)
{
	char exe[64];
	struct stat a, b;

	snprintf(exe, sizeof(exe), "/proc/%lld/exe", (long long)target);
	if (stat(c->path, &b) || stat(exe, &a)) {
		snprintf(err, errlen, "cannot open perf counter '%s': %s: %s", c->name,
			 errno == ENOENT && access(c->path, F_OK) ? c->path : exe, strerror(errno));
		return -ENOENT;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(err, errlen,
			 "cannot open perf counter '%s' (%s): process %lld, the target, does not "
			 "run %s",
			 c->name, c->pp, (long long)target, c->path);
		return -ESRCH;
	}
	return 0;
}

static int open_counters(const struct grt_meta *m, struct bpf_object *obj, int64_t target,
			 bool held, int **fds, int *nfds, char *err, size_t errlen)
{
	int ctrs_fd = bpf_object__find_map_fd_by_name(obj, "th_perfctrs");
	int tasks_fd = bpf_object__find_map_fd_by_name(obj, "th_perftasks");
	pid_t *tids = NULL;
	uint32_t slot = 0;
	int n, i, k, r = 0;

	if (ctrs_fd < 0 || tasks_fd < 0) {
		snprintf(err, errlen, "the guest has perf counters but no maps for them");
		return -EINVAL;
	}
	/* the compiler asked for -c or -x; a cached guest may be run without */
	if (target <= 0) {
		snprintf(err, errlen,
			 "perf counter '%s' (%s) counts in the target process: run with -c CMD or "
			 "-x PID",
			 m->perfctrs[0].name, m->perfctrs[0].pp);
		return -EINVAL;
	}
	for (k = 0; !held && k < m->nperfctrs; k++)
		if (m->perfctrs[k].path[0] && (r = check_program(&m->perfctrs[k], target, err, errlen)))
			return r;
	n = hub_guest_perf_tasks(target, held, &tids);
	if (n < 0) {
		snprintf(err, errlen, "cannot open the perf counters of process %lld: %s",
			 (long long)target, strerror(-n));
		return n;
	}
	if (n > TH_PERF_MAX_TASKS) {
		snprintf(err, errlen,
			 "cannot open the perf counters of process %lld: it has %d threads, and "
			 "counters are opened on at most %d",
			 (long long)target, n, TH_PERF_MAX_TASKS);
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < n; i++) {
		bool any = false;

		for (k = 0; k < m->nperfctrs; k++) {
			const struct grt_meta_perfctr *c = &m->perfctrs[k];
			uint32_t key = slot * (uint32_t)m->nperfctrs + (uint32_t)k;
			int fd = hub_guest_perf_open_task(c->type, c->config, 0, false, tids[i], held);

			if (fd < 0 && errno == ESRCH) {
				/* a thread gone since the list was read: the next takes its slot */
				any = false;
				break;
			}
			if (fd < 0) {
				r = -errno;
				snprintf(err, errlen,
					 "cannot open perf counter '%s' (%s) in thread %d of process "
					 "%lld: %s%s",
					 c->name, c->pp, (int)tids[i], (long long)target,
					 strerror(errno), hub_guest_perf_why(errno, c->type));
				goto out;
			}
			r = keep_fd(fds, nfds, fd);
			if (r)
				goto out;
			if (bpf_map_update_elem(ctrs_fd, &key, &fd, BPF_ANY)) {
				r = -errno;
				snprintf(err, errlen, "cannot put perf counter '%s' in its map: %s",
					 c->name, strerror(errno));
				goto out;
			}
			any = true;
		}
		if (!any)
			continue;
		if (bpf_map_update_elem(tasks_fd, &tids[i], &slot, BPF_ANY)) {
			r = -errno;
			snprintf(err, errlen, "cannot fill th_perftasks: %s", strerror(errno));
			goto out;
		}
		slot++;
	}
out:
	free(tids);
	return r;
}

int hub_guest_perf_seed(const struct grt_meta *m, struct bpf_object *obj, int64_t target,
			bool held, int **fds, int *nfds, char *err, size_t errlen)
{
	int r = 0;

	if (m->nperfexes)
		r = seed_exes(m, obj, err, errlen);
	if (!r && m->nperfctrs)
		r = open_counters(m, obj, target, held, fds, nfds, err, errlen);
	return r;
}
