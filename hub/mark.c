// SPDX-License-Identifier: MIT
/*
 * A session's no-trap markers (include/taphub/marker.h): the ring a
 * marked process writes into, made for the session's target process with
 * a table entry per marker the guest's meta says the process can serve
 * itself (`mark` lines, compiler/codegen_mark.c).
 *
 * The ring is made before the uprobes are attached: attaching raises the
 * markers' semaphores, and a marker looks for its ring at its first hit
 * after that.  Other processes that map the file find no ring of theirs
 * and take the uprobe, so every process's hits are recorded, as with a
 * plain SDT marker.
 *
 * A ring a dead session left for the process (its records not consumed)
 * is counted by rh_mark_ring_create; hub_mark_stale_note is the one
 * wording of what became of them, for tap and for taphubd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/marker.h"

/* Records a lane holds at least: 64 KB; the -s buffer is shared out between the lanes. */
#define MARK_LANE_MIN (64ull << 10)

int hub_mark_count(const struct grt_meta *m)
{
	int i, n = 0;

	for (i = 0; i < m->nprogs; i++)
		n += m->progs[i].mark_fmt > 0;
	return n;
}

int hub_mark_open(const struct grt_meta *m, pid_t pid, uint32_t guest, uint64_t bytes,
		  const char *pin, struct rh_mark_ring **ret, char *err, size_t errlen)
{
	struct rh_mark_ring_opts o = {.pid = pid, .guest = guest, .pin = pin};
	struct rh_mark_ring *r = NULL;
	char proc[64];
	struct stat st;
	long ncpus;
	int i, e;

	*ret = NULL;
	if (!hub_mark_count(m) || pid <= 0)
		return 0; /* nothing to serve: the markers trap as plain SDT markers */
	for (i = 0; i < m->nprogs; i++) {
		const struct grt_meta_prog *p = &m->progs[i];

		if (p->mark_fmt && (!grt_meta_find_fmt(m, p->mark_fmt) || p->cls >= m->nclasses)) {
			snprintf(err, errlen,
				 "the meta's marker %s:%s names format %d or class %d, "
				 "which it does not have",
				 p->mark_provider, p->mark_name, p->mark_fmt, p->cls);
			return -EINVAL;
		}
	}
	/* the process maps the ring as its own user: the file is its */
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (stat(proc, &st)) {
		e = -errno;
		snprintf(err, errlen, "cannot find process %d for its markers: %s", (int)pid,
			 strerror(errno));
		return e;
	}
	o.uid = st.st_uid;
	o.gid = st.st_gid;
	ncpus = sysconf(_SC_NPROCESSORS_CONF);
	o.nlanes = ncpus < 1 ? 1 : ncpus > TH_MARK_MAX_LANES ? TH_MARK_MAX_LANES : (uint32_t)ncpus;
	o.lane_size = bytes / o.nlanes;
	if (o.lane_size < MARK_LANE_MIN)
		o.lane_size = MARK_LANE_MIN;
	if (o.lane_size > RH_MARK_LANE_MAX)
		o.lane_size = RH_MARK_LANE_MAX;
	o.strmax = m->strlen > 1 ? (uint32_t)(m->strlen - 1) : 0;
	e = rh_mark_ring_create(&o, &r);
	if (e == -EISDIR) {
		rh_mark_ring_path(pid, proc, sizeof(proc));
		snprintf(err, errlen,
			 "cannot make the marker ring of process %d: %s is a directory, not a "
			 "marker ring (remove it)",
			 (int)pid, proc);
		return e;
	}
	if (e) {
		snprintf(err, errlen, "cannot make the marker ring of process %d: %s%s", (int)pid,
			 strerror(-e), e == -EEXIST ? " (another session marks it)" : "");
		return e;
	}
	for (i = 0; i < m->nprogs; i++) {
		const struct grt_meta_prog *p = &m->progs[i];

		if (!p->mark_fmt)
			continue;
		e = rh_mark_ring_enable(r, p->mark_provider, p->mark_name, (uint16_t)p->mark_fmt,
					(uint8_t)p->cls);
		if (e) {
			snprintf(err, errlen, "cannot enable marker %s:%s: %s", p->mark_provider,
				 p->mark_name, strerror(-e));
			rh_mark_ring_close(r);
			return e;
		}
	}
	*ret = r;
	return 0;
}

size_t hub_mark_stale_note(const struct rh_mark_ring *r, pid_t pid, char *buf, size_t len)
{
	const struct rh_mark_stale *s = r ? rh_mark_ring_stale(r) : NULL;
	const struct rh_mark_peek *g = s ? &s->got : NULL;
	const char *cut = "";
	char path[128];
	int n = 0;

	if (!s || s->kind == RH_MARK_STALE_NONE)
		return 0;
	rh_mark_ring_path(pid, path, sizeof(path));
	if (g->uncommitted)
		cut = "; at least: a lane ends in a record reserved and never committed";
	else if (g->lanes_cut)
		cut = "; at least: a lane holds bytes that are no record";
	switch (s->kind) {
	case RH_MARK_STALE_LOST:
		if (!g->records && !g->dropped && !g->lanes_cut)
			return 0; /* the dead session had consumed all of it */
		n = snprintf(buf, len,
			     "WARNING: %llu records lost: the marker ring %s of process %d was "
			     "left by a session that died (%llu written and not consumed, %llu "
			     "dropped on full lanes%s)",
			     (unsigned long long)(g->records + g->dropped), path, (int)pid,
			     (unsigned long long)g->records, (unsigned long long)g->dropped, cut);
		break;
	case RH_MARK_STALE_KEPT:
		n = snprintf(buf, len,
			     "WARNING: the marker ring %s of process %d was left by a hub that "
			     "died: its %llu records not drained (%llu dropped on full lanes%s) are "
			     "kept in %s, for tapctl recover",
			     path, (int)pid, (unsigned long long)g->records,
			     (unsigned long long)g->dropped, cut, s->pin);
		break;
	default:
		n = snprintf(buf, len,
			     "WARNING: %s, left for process %d, is no marker ring to read (%s): "
			     "removed unread; records in it, if any, are not counted",
			     path, (int)pid, s->why ? s->why : "?");
		break;
	}
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}
