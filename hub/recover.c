// SPDX-License-Identifier: MIT
/*
 * Recovery: the records a hub held when it died (docs/recovery.md).
 *
 * Where they are:
 *   the class stores    STATE/hosts/HOST/CLASS.store, file-backed: what
 *                       was drained, up to the last record (the page cache
 *                       keeps a killed process's writes)
 *   the format tables   STATE/hosts/HOST/guests.metas, likewise
 *   the kernel rings    pinned in bpffs (the path is in each store's
 *                       header): what the drain had not consumed yet,
 *                       from the ring position the store says it holds
 *                       up to (a hub killed between the store's append
 *                       and the ring's consumer move leaves a record in
 *                       both: it is taken once)
 *   the marker rings    a hub session's no-trap marker ring is linked into
 *                       TH_MARK_RING_DIR/taphub/... (relayhost-module/
 *                       mark_pin.c), its shape and classes described in
 *                       the host's directory: what the drain had not
 *                       taken (the record it was appending as the hub
 *                       died is the store's last: taken once)
 *   a core dump         the stores and tables are file-backed shared
 *                       mappings, which taphubd asks the kernel to dump
 *                       (coredump_filter); found by their magic at page
 *                       boundaries of the core's PT_LOAD segments
 *
 * Output: the records of all classes merged by time (each class in its
 * own order), as text, JSON lines, or a binary trace, with a LOST marker
 * per class for what the counters say was lost; a report (tapctl: on
 * stderr) says, per class, how many records came from where and what was
 * lost.
 * Nothing here writes to a store, a table or a ring: recovery can be run
 * again, by the hub or by hand, with the same result.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/record.h"

#define RC_MAX_HOSTS 256

struct rc_ring_rec {
	uint8_t *data; /* copies: the ring is not ours to hold */
	size_t len;
};

struct rc_class {
	char name[64];
	struct rh_store *store;
	struct rh_store_stats st;
	uint64_t pos;        /* walking the store */
	bool bad;            /* damage found at pos */
	uint64_t from_store; /* records recovered */
	uint64_t first_seq, last_seq;
	/* records still in the pinned kernel ring */
	int ring_state;      /* 0 no pin recorded, 1 read, -errno could not */
	int ring_pos_state;  /* 0: the store knows its ring position; -ENODATA an older store */
	uint64_t ring_pos;
	struct rh_ring_peek peek;
	struct rc_ring_rec *ring;
	size_t nring, iring;
};

/* A session's no-trap marker ring, pinned when its hub died. */
struct rc_mark {
	struct rh_mark_desc d;
	char pin[HUB_PATH_MAX];
	int state;         /* 1 read, -errno could not (why) */
	const char *why;
	struct rh_mark_peek got;
	uint64_t skipped;  /* in the store already (the hub died appending it) */
	uint64_t unknown;  /* of a format its table did not enable: dropped, counted */
	const struct th_rec *const *last; /* each class store's last record (the host's) */
	struct rc_ring_rec *recs; /* its records in time order, classes the host's */
	size_t n, i;
	bool have_clock; /* clock: for records stamped with the TSC (TH_RECF_TSC) */
	struct rh_clock clock;
};

struct rc_host {
	char name[64];
	char where[HUB_PATH_MAX]; /* the directory, or "core" */
	struct rc_class cls[TH_MAX_CLASSES];
	int ncls;
	struct rc_mark *marks;
	int nmarks;
	const struct th_rec *last[TH_MAX_CLASSES]; /* each store's last record, for marks */
	struct rh_metas *metas;
	int64_t mono_to_real;
	bool clean;
};

struct rc {
	const struct hub_recover_opts *o;
	struct rc_host *hosts[RC_MAX_HOSTS];
	int nhosts;
	/* a core dump, mapped */
	void *core;
	size_t core_len;
	uint64_t total;
};

static struct rc_host *host_named(struct rc *rc, const char *name, const char *where)
{
	struct rc_host *h;
	int i;

	for (i = 0; i < rc->nhosts; i++)
		if (!strcmp(rc->hosts[i]->name, name) && !strcmp(rc->hosts[i]->where, where))
			return rc->hosts[i];
	if (rc->nhosts == RC_MAX_HOSTS)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->where, sizeof(h->where), "%s", where);
	rc->hosts[rc->nhosts++] = h;
	return h;
}

static int add_store(struct rc_host *h, struct rh_store *s)
{
	struct rc_class *c;

	if (h->ncls == TH_MAX_CLASSES) {
		rh_store_close(s);
		return -E2BIG;
	}
	c = &h->cls[h->ncls++];
	c->store = s;
	rh_store_stats(s, &c->st);
	memcpy(c->name, c->st.cls, sizeof(c->name)); /* both 64, NUL-terminated */
	c->pos = c->st.tail;
	h->mono_to_real = (int64_t)(c->st.created_ns - c->st.mono_ref_ns);
	h->clean = c->st.clean;
	return 0;
}

/* ---- from the state dir ------------------------------------------------------------- */

/* A pinned marker ring the host's directory describes: read with the rest. */
static int add_mark(void *arg, const struct rh_mark_desc *d, const char *pin)
{
	struct rc_host *h = arg;
	struct rc_mark *m;

	if (h->nmarks % 16 == 0) {
		m = realloc(h->marks, sizeof(*m) * (size_t)(h->nmarks + 16));
		if (!m)
			return -ENOMEM;
		h->marks = m;
	}
	m = &h->marks[h->nmarks++];
	memset(m, 0, sizeof(*m));
	m->d = *d;
	snprintf(m->pin, sizeof(m->pin), "%s", pin);
	return 0;
}

static int load_dir(struct rc *rc, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[HUB_PATH_MAX + 300];
	struct rc_host *h;
	struct dirent *e;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	h = host_named(rc, name, dir);
	if (!h) {
		closedir(d);
		return -ENOMEM;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct rh_store *s;

		if (n < 7 || strcmp(e->d_name + n - 6, ".store"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = rh_store_open(path, false, &s);
		if (r) {
			snprintf(err, errlen, "%s: %s", path,
				 r == -EBADMSG ? "not a class store (or damaged header)"
				 : r == -EPROTONOSUPPORT ? "a store of another version"
							 : strerror(-r));
			break;
		}
		r = add_store(h, s);
		if (r) {
			snprintf(err, errlen, "%s: more than %d classes", dir, TH_MAX_CLASSES);
			break;
		}
	}
	closedir(d);
	if (r)
		return r;
	if (!h->ncls) {
		snprintf(err, errlen, "%s holds no class store", dir);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/guests.metas", dir);
	r = rh_metas_open(path, &h->metas);
	if (r)
		fprintf(rc->o->report, "%s: no format tables (%s): records cannot be formatted\n",
			path, strerror(-r));
	/* the marker rings its sessions had when the hub died */
	rh_mark_desc_each(dir, add_mark, h);
	return 0;
}

/* ---- from a core dump ------------------------------------------------------------- */

/* Stores and tables sit at page boundaries of the dumped file mappings. */
static void scan_segment(struct rc *rc, const uint8_t *p, size_t len)
{
	size_t page = 4096, off;

	for (off = 0; off + page <= len; off += page) {
		const uint8_t *at = p + off;
		struct rh_store *s;
		struct rh_metas *m;

		if (rh_store_is(at, len - off) && rh_store_view(at, len - off, &s) == 0) {
			struct rh_store_stats st;
			struct rc_host *h;

			rh_store_stats(s, &st);
			h = host_named(rc, st.host, "core");
			if (!h || add_store(h, s))
				rh_store_close(s);
			off += ((rh_store_file_size(s) + page - 1) & ~(page - 1)) - page;
			continue;
		}
		if (len - off >= 8 && *(const uint64_t *)at == RH_METAS_MAGIC &&
		    rh_metas_view(at, len - off, &m) == 0) {
			struct rc_host *h = host_named(rc, rh_metas_host(m), "core");

			if (h && !h->metas)
				h->metas = m;
			else
				rh_metas_close(m);
		}
	}
}

static int load_core(struct rc *rc, const char *path, char *err, size_t errlen)
{
	struct stat st;
	Elf *e = NULL;
	GElf_Ehdr eh;
	size_t n, i;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = -errno;
		goto out;
	}
	rc->core_len = (size_t)st.st_size;
	rc->core = mmap(NULL, rc->core_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (rc->core == MAP_FAILED) {
		rc->core = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = -errno;
		goto out;
	}
	elf_version(EV_CURRENT);
	e = elf_memory(rc->core, rc->core_len);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_type != ET_CORE) {
		snprintf(err, errlen, "%s: not an ELF core file", path);
		r = -EINVAL;
		goto out;
	}
	if (elf_getphdrnum(e, &n)) {
		snprintf(err, errlen, "%s: %s", path, elf_errmsg(-1));
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		/* a truncated core: scan what is there */
		if (ph.p_offset >= rc->core_len)
			continue;
		if (ph.p_filesz > rc->core_len - ph.p_offset)
			ph.p_filesz = rc->core_len - ph.p_offset;
		scan_segment(rc, (const uint8_t *)rc->core + ph.p_offset, ph.p_filesz);
	}
	if (!rc->nhosts) {
		snprintf(err, errlen,
			 "%s: no class store in this core (not a taphubd core, or dumped "
			 "without file-backed shared mappings: see coredump_filter in core(5))",
			 path);
		r = -ENOENT;
	}
out:
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- the kernel rings -------------------------------------------------------------- */

static int keep_ring_rec(void *arg, const void *rec, size_t len)
{
	struct rc_class *c = arg;
	struct rc_ring_rec *n;

	if (c->nring % 1024 == 0) {
		n = realloc(c->ring, sizeof(*n) * (c->nring + 1024));
		if (!n)
			return -ENOMEM;
		c->ring = n;
	}
	c->ring[c->nring].data = malloc(len);
	if (!c->ring[c->nring].data)
		return -ENOMEM;
	memcpy(c->ring[c->nring].data, rec, len);
	c->ring[c->nring].len = len;
	c->nring++;
	return 0;
}

static void read_ring(struct rc_class *c)
{
	int r;

	if (!c->st.ring_pin[0]) {
		c->ring_state = 0;
		return;
	}
	/* the ring's records before this position are in the store already */
	c->ring_pos_state = rh_store_ring_pos(c->store, &c->ring_pos);
	r = rh_ring_peek(c->st.ring_pin, c->ring_pos_state ? 0 : c->ring_pos, keep_ring_rec, c,
			 &c->peek);
	c->ring_state = r ? r : 1;
}

/* ---- the marker rings -------------------------------------------------------------- */

/*
 * The same record, but for what the drain sets (seq, class, guest, and the
 * time it converted from the TSC: ours, converted now, is within a few
 * microseconds of it)?
 */
static bool same_record(const struct th_rec *a, uint64_t ts, bool tsc, const struct th_rec *b,
			size_t len)
{
	uint64_t d;

	if (!b)
		return false;
	d = ts > b->ts ? ts - b->ts : b->ts - ts;
	return b->size == len && a->fmt == b->fmt && (tsc ? d < 1000000 : d == 0) &&
	       a->cpu == b->cpu && !memcmp(a + 1, b + 1, len - sizeof(*a));
}

static int keep_mark_rec(void *arg, const struct th_rec *rec, size_t len, bool lane_first)
{
	struct rc_mark *m = arg;
	struct rc_ring_rec *n;
	struct th_rec *copy;
	int i, cls = -1;
	bool tsc = rec->flags & TH_RECF_TSC;
	uint64_t ts;

	for (i = 0; i < m->d.nmarks; i++)
		if (m->d.fmt[i] == rec->fmt)
			cls = m->d.cls[i];
	if (cls < 0) {
		m->unknown++; /* as the drain counts it: broken, lost */
		return 0;
	}
	/* the drain appends before it gives the record back: the store may have it */
	/*
	 * A writer's TSC stamp, as the session would have converted it: the
	 * rate from 50 ms of this machine's clock (below a ppm off), the
	 * order exact, the time off by NTP's slew since the crash at most
	 */
	if (tsc && !m->have_clock) {
		rh_clock_init(&m->clock, 50000000);
		m->have_clock = true;
	}
	ts = tsc ? rh_clock_ns(&m->clock, rec->ts) : rec->ts;
	if (lane_first && cls < TH_MAX_CLASSES && same_record(rec, ts, tsc, m->last[cls], len)) {
		m->skipped++;
		return 0;
	}
	if (m->n % 1024 == 0) {
		n = realloc(m->recs, sizeof(*n) * (m->n + 1024));
		if (!n)
			return -ENOMEM;
		m->recs = n;
	}
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec, len);
	copy->ts = ts;
	copy->flags &= (uint8_t)~TH_RECF_TSC;
	/* as the drain would have stored it: the host's class, the session's guest */
	copy->cls = (uint8_t)cls;
	copy->guest = m->d.guest;
	copy->seq = 0;
	m->recs[m->n].data = (uint8_t *)copy;
	m->recs[m->n++].len = len;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct rc_ring_rec *x = a, *y = b;
	uint64_t tx = ((const struct th_rec *)x->data)->ts, ty = ((const struct th_rec *)y->data)->ts;

	/* a lane's records in their order when times tie: the copies were made in it */
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->data < y->data ? -1 : x->data > y->data;
}

/* The last record of each class store: a pinned ring's first may be it. */
static void store_lasts(struct rc_host *h, const struct th_rec **last)
{
	int c;

	for (c = 0; c < h->ncls; c++) {
		uint64_t pos = h->cls[c].st.tail;
		const struct th_rec *r;
		bool bad;

		last[c] = NULL;
		while ((r = rh_store_next(h->cls[c].store, &pos, &bad)))
			last[c] = r;
	}
}

static void read_mark(struct rc_host *h, struct rc_mark *m)
{
	int fd, r;

	m->last = h->last;
	fd = open(m->pin, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		m->state = -errno;
		m->why = strerror(errno);
		return;
	}
	/* the ring's header is the process's: the shape is the description's */
	r = rh_mark_peek_fd(fd, &m->d.geom, keep_mark_rec, m, &m->got, &m->why);
	close(fd);
	if (r) {
		m->state = r;
		return;
	}
	m->state = 1;
	qsort(m->recs, m->n, sizeof(*m->recs), by_time);
}

/* ---- output ------------------------------------------------------------------------ */

struct rc_out {
	struct hub_fmt *fmt;   /* text and JSON */
	struct hub_sink *sink; /* binary traces */
	FILE *text;            /* text into -o FILE */
	int src;
};

static int add_table(void *arg, uint32_t guest, const char *text, size_t len)
{
	struct rc_out *o = arg;
	char err[256];

	if (o->sink)
		hub_sink_add_guest(o->sink, guest, text, len);
	if (o->fmt && hub_fmt_add_guest(o->fmt, o->src, guest, text, len, err, sizeof(err)))
		hub_print("format table of guest %u: %s", guest, err);
	return 0;
}

/* The class's next record: from its store, then from its kernel ring. */
static const struct th_rec *peek_class(struct rc_class *c, bool *from_ring)
{
	uint64_t pos = c->pos;
	const struct th_rec *r;
	bool bad;

	*from_ring = false;
	if (!c->bad) {
		r = rh_store_next(c->store, &pos, &bad);
		if (r)
			return r;
		c->bad = bad;
	}
	*from_ring = true;
	if (c->iring < c->nring)
		return (const struct th_rec *)c->ring[c->iring].data;
	return NULL;
}

static void advance_class(struct rc_class *c, const struct th_rec *r, bool from_ring)
{
	bool bad;

	if (from_ring) {
		c->iring++;
		return;
	}
	rh_store_next(c->store, &c->pos, &bad);
	c->from_store++;
	if (!c->first_seq)
		c->first_seq = r->seq;
	c->last_seq = r->seq;
}

static void emit(struct rc_out *o, struct rc_host *h, int ci, const struct th_rec *r)
{
	/* the host's class index: what the guest wrote was routed there */
	struct th_rec copy;
	const void *rec = r;
	uint8_t *buf = NULL;

	if (r->cls != ci) {
		buf = malloc(r->size);
		if (!buf)
			return;
		memcpy(buf, r, r->size);
		memcpy(&copy, buf, sizeof(copy));
		copy.cls = (uint8_t)ci;
		memcpy(buf, &copy, sizeof(copy));
		rec = buf;
	}
	if (o->sink)
		hub_sink_record(o->sink, rec, r->size);
	else
		hub_fmt_record(o->fmt, o->src, rec, r->size, h->mono_to_real);
	free(buf);
}

/* Markers first: the loss happened before what the stores hold now. */
static void lost_markers(struct rc_out *o, struct rc_host *h)
{
	int c;

	for (c = 0; c < h->ncls; c++) {
		const struct rh_store_stats *st = &h->cls[c].st;
		uint64_t lost = st->overwritten + st->dropped + st->kernel_lost;
		uint8_t buf[64];
		size_t n;
		int k;

		for (k = 0; k < h->nmarks; k++)
			if (h->marks[k].state == 1 && h->marks[k].d.drop_cls == c)
				lost += h->marks[k].got.dropped + h->marks[k].unknown;

		if (!lost)
			continue;
		n = rh_trace_lost(buf, sizeof(buf), c, lost, 1);
		if (o->sink)
			hub_sink_record(o->sink, buf, n);
		else
			hub_fmt_record(o->fmt, o->src, buf, n, h->mono_to_real);
	}
}

static void merge(struct rc_out *o, struct rc_host *h)
{
	for (;;) {
		const struct th_rec *best = NULL;
		bool best_ring = false;
		int c, bc = -1, k, bm = -1;

		for (c = 0; c < h->ncls; c++) {
			bool ring;
			const struct th_rec *r = peek_class(&h->cls[c], &ring);

			if (r && (!best || r->ts < best->ts)) {
				best = r;
				best_ring = ring;
				bc = c;
			}
		}
		/* the marker rings' records go by time among them */
		for (k = 0; k < h->nmarks; k++) {
			struct rc_mark *m = &h->marks[k];
			const struct th_rec *r =
			    m->i < m->n ? (const struct th_rec *)m->recs[m->i].data : NULL;

			if (r && r->cls < h->ncls && (!best || r->ts < best->ts)) {
				best = r;
				bm = k;
			}
			if (r && r->cls >= h->ncls)
				m->i++; /* a class this host lacks: the description is damaged */
		}
		if (!best)
			break;
		if (bm >= 0) {
			emit(o, h, best->cls, best);
			h->marks[bm].i++;
			continue;
		}
		emit(o, h, bc, best);
		advance_class(&h->cls[bc], best, best_ring);
	}
}

static void report_mark(struct rc *rc, const struct rc_mark *m)
{
	FILE *f = rc->o->report;

	fprintf(f, "  marker ring of process %" PRIu32 " (guest %" PRIu32 "): ", m->d.pid, m->d.guest);
	if (m->state != 1) {
		fprintf(f, "%s: %s: records it held when the hub died are lost, how many is "
			   "unknown\n",
			m->pin[0] ? m->pin : "no pin", m->why ? m->why : "?");
		return;
	}
	fprintf(f, "%zu records were still in it, not drained: recovered from %s; lost before: %" PRIu64
		   " dropped (lane full)\n",
		m->n, m->pin, m->got.dropped);
	if (m->skipped)
		fprintf(f, "  marker ring of process %" PRIu32 ": %" PRIu64 " more were in the store "
			   "already (drained as the hub died): not repeated\n",
			m->d.pid, m->skipped);
	if (m->unknown)
		fprintf(f, "  marker ring of process %" PRIu32 ": %" PRIu64 " records of formats "
			   "its session did not enable: counted lost\n",
			m->d.pid, m->unknown);
	if (m->got.lanes_cut)
		fprintf(f, "  marker ring of process %" PRIu32 ": %" PRIu32 " lane%s could not be "
			   "read to the end (%s): more records may have been there\n",
			m->d.pid, m->got.lanes_cut, m->got.lanes_cut == 1 ? "" : "s",
			m->got.uncommitted ? "a record reserved and never committed"
					   : "bytes that are no record");
	rc->total += m->n;
}

static void report(struct rc *rc, struct rc_host *h)
{
	FILE *f = rc->o->report;
	int c;

	fprintf(f, "host %s (%s%s)\n", h->name, h->where,
		h->clean ? ", closed cleanly by the hub" : ", left by a crash");
	for (c = 0; c < h->ncls; c++) {
		struct rc_class *k = &h->cls[c];

		fprintf(f, "  class %s: %" PRIu64 " records from the store", k->name, k->from_store);
		if (k->from_store)
			fprintf(f, " (seq %" PRIu64 "..%" PRIu64 ")", k->first_seq, k->last_seq);
		fprintf(f, "; lost before: %" PRIu64 " overwritten, %" PRIu64 " dropped (store full), %" PRIu64
			   " dropped (kernel ring full)\n",
			k->st.overwritten, k->st.dropped, k->st.kernel_lost);
		if (k->bad)
			fprintf(f, "  class %s: the store is damaged after the records above\n", k->name);
		if (k->ring_state == 1) {
			fprintf(f, "  class %s: %" PRIu64 " records were still in the kernel ring, not "
				   "drained: recovered from %s%s\n",
				k->name, k->peek.records, k->st.ring_pin,
				k->peek.busy ? " (some reserved and never committed)" : "");
			if (k->peek.skipped)
				fprintf(f, "  class %s: %" PRIu64 " more in the kernel ring were in the "
					   "store already (drained as the hub died): not repeated\n",
					k->name, k->peek.skipped);
			if (k->ring_pos_state)
				fprintf(f, "  class %s: the store is from before ring positions were "
					   "kept: a record drained as the hub died may appear twice\n",
					k->name);
			else if (k->peek.mismatch)
				fprintf(f, "  class %s: the store's ring position %" PRIu64 " is not one "
					   "of this ring's: records in both may appear twice\n",
					k->name, k->ring_pos);
		} else if (k->ring_state < 0 && !h->clean)
			fprintf(f, "  class %s: the kernel ring is gone (%s: %s): records it held "
				   "when the hub died are lost, how many is unknown\n",
				k->name, k->st.ring_pin, strerror(-k->ring_state));
		else if (k->ring_state == 0 && !h->clean)
			fprintf(f, "  class %s: the kernel ring was not pinned: records it held when "
				   "the hub died are lost, how many is unknown\n",
				k->name);
		rc->total += k->from_store + k->nring;
	}
	for (c = 0; c < h->nmarks; c++)
		report_mark(rc, &h->marks[c]);
}

static int write_out(struct rc *rc, char *err, size_t errlen)
{
	const struct hub_recover_opts *o = rc->o;
	struct rc_out out = { 0 };
	int i, c, r = 0;

	if (o->output) {
		struct hub_sink_opts so = {
			.pattern = o->output, .binary = o->binary, .info = "recovered=1\n",
		};

		r = hub_sink_open(&so, &out.sink, err, errlen);
		if (r)
			return r;
		if (!o->binary) {
			/* text into a file: format, then the sink takes the lines */
			hub_sink_close(out.sink);
			out.sink = NULL;
			out.text = fopen(o->output, "we");
			if (!out.text) {
				snprintf(err, errlen, "%s: %s", o->output, strerror(errno));
				return -errno;
			}
		}
	} else if (o->binary) {
		snprintf(err, errlen, "a binary trace needs -o FILE");
		return -EINVAL;
	}
	if (!out.sink) {
		struct hub_fmt_opts fo = { .json = o->json, .out = out.text ? out.text : o->out,
					   .msgs = o->report };

		r = hub_fmt_new(&fo, &out.fmt);
		if (r)
			goto done;
	}
	for (i = 0; i < rc->nhosts; i++) {
		struct rc_host *h = rc->hosts[i];

		if (out.fmt)
			out.src = hub_fmt_source(out.fmt);
		for (c = 0; c < h->ncls; c++) {
			if (out.sink)
				hub_sink_add_class(out.sink, c, h->cls[c].name);
			if (out.fmt)
				hub_fmt_set_class(out.fmt, out.src, c, h->cls[c].name,
						  strlen(h->cls[c].name));
			read_ring(&h->cls[c]);
		}
		if (h->nmarks)
			store_lasts(h, h->last);
		for (c = 0; c < h->nmarks; c++)
			read_mark(h, &h->marks[c]);
		if (h->metas)
			rh_metas_each(h->metas, add_table, &out);
		lost_markers(&out, h);
		merge(&out, h);
		if (out.text)
			fflush(out.text);
		if (o->out)
			fflush(o->out);
		report(rc, h);
	}
	if (out.fmt && hub_fmt_unformatted(out.fmt))
		fprintf(o->report, "%" PRIu64 " records could not be formatted: their guest's "
				   "format table is missing\n",
			hub_fmt_unformatted(out.fmt));
	fprintf(o->report, "recovered %" PRIu64 " records\n", rc->total);
done:
	hub_fmt_free(out.fmt);
	hub_sink_close(out.sink);
	if (out.text && fclose(out.text)) {
		snprintf(err, errlen, "%s: %s", o->output, strerror(errno));
		r = -EIO;
	}
	return r;
}

static void rc_free(struct rc *rc)
{
	int i, c;
	size_t k;

	for (i = 0; i < rc->nhosts; i++) {
		struct rc_host *h = rc->hosts[i];

		for (c = 0; c < h->ncls; c++) {
			rh_store_close(h->cls[c].store);
			for (k = 0; k < h->cls[c].nring; k++)
				free(h->cls[c].ring[k].data);
			free(h->cls[c].ring);
		}
		for (c = 0; c < h->nmarks; c++) {
			for (k = 0; k < h->marks[c].n; k++)
				free(h->marks[c].recs[k].data);
			free(h->marks[c].recs);
		}
		free(h->marks);
		rh_metas_close(h->metas);
		free(h);
	}
	if (rc->core)
		munmap(rc->core, rc->core_len);
}

/* "taphubd pid N" (or "a taphubd"): who holds a state dir, for messages */
static const char *holder_name(const char *state_dir, char *buf, size_t len)
{
	pid_t pid = hub_state_lock_holder(state_dir);

	if (pid > 0)
		snprintf(buf, len, "taphubd pid %d", (int)pid);
	else
		snprintf(buf, len, "a taphubd");
	return buf;
}

int hub_recover(const struct hub_recover_opts *o, char *err, size_t errlen)
{
	struct rc rc = { .o = o };
	int r, lock = -1;

	if (o->core) {
		r = load_core(&rc, o->core, err, errlen);
		if (!r && o->name) {
			/* only the host asked for */
			int i, k = 0;

			for (i = 0; i < rc.nhosts; i++) {
				if (!strcmp(rc.hosts[i]->name, o->name)) {
					rc.hosts[k++] = rc.hosts[i];
					continue;
				}
				rc.hosts[i]->ncls = 0; /* views: nothing to close but them */
				rh_metas_close(rc.hosts[i]->metas);
				free(rc.hosts[i]);
			}
			rc.nhosts = k;
			if (!k) {
				snprintf(err, errlen, "%s: no host '%s' in this core", o->core, o->name);
				r = -ENOENT;
			}
		}
	} else {
		char dir[HUB_PATH_MAX + 128];

		if (!o->name || !*o->name || strchr(o->name, '/') || !strcmp(o->name, "..")) {
			snprintf(err, errlen, "name the host to recover (a directory of %s/hosts)",
				 o->state_dir);
			return -EINVAL;
		}
		snprintf(dir, sizeof(dir), "%s/hosts/%s", o->state_dir, o->name);
		/*
		 * Not a directory a hub records into: its stores move under us
		 * and its rings are being consumed (the hub locks each host it
		 * uses). Held while reading, so a hub starting meanwhile leaves
		 * it alone.
		 */
		lock = rh_host_dir_lock(dir, true);
		if (lock == -EBUSY) {
			char who[64];

			snprintf(err, errlen,
				 "%s is in use by %s: read a live host with tap -A, not tapctl "
				 "recover",
				 dir, holder_name(o->state_dir, who, sizeof(who)));
			return -EBUSY;
		}
		r = load_dir(&rc, dir, o->name, err, errlen);
	}
	if (!r)
		r = write_out(&rc, err, errlen);
	rc_free(&rc);
	if (lock >= 0)
		close(lock);
	return r;
}

/* In use by a hub, ended on purpose, kept at a hub stop, or left by a crash. */
static const char *host_status(const char *state_dir, const char *dir, bool clean, char *buf,
			       size_t len)
{
	char path[HUB_PATH_MAX + 700];
	int fd = rh_host_dir_lock(dir, true);
	char who[64];
	FILE *f;

	/* exclusive elsewhere: a hub records into it */
	if (fd == -EBUSY) {
		snprintf(buf, len, "in use by %s", holder_name(state_dir, who, sizeof(who)));
		return buf;
	}
	if (fd >= 0)
		close(fd);
	/* shared elsewhere: a hub shows it as recovered */
	fd = rh_host_dir_lock(dir, false);
	if (fd == -EBUSY) {
		snprintf(buf, len, "%s, shown by %s", clean ? "kept when taphubd stopped"
						     : "left by a crash",
			 holder_name(state_dir, who, sizeof(who)));
		return buf;
	}
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/" RH_HOST_ENDED_FILE, dir);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, (int)len, f))
			snprintf(buf, len, "ended by tapctl stop");
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
		return buf;
	}
	return clean ? "kept when taphubd stopped" : "left by a crash";
}

/*
 * tapctl recover --delete NAME: the explicit command that deletes what a
 * host recorded (its stores, tables, markers and kernel-ring pins).  Not a
 * directory a running hub uses: the hub locks those (rh_host_dir_lock).
 */
int hub_recover_delete(const char *state_dir, const char *name, FILE *report, char *err,
		       size_t errlen)
{
	char dir[HUB_PATH_MAX + 300], path[HUB_PATH_MAX + 600];
	struct dirent *e;
	DIR *d;
	int lock, r = 0, n = 0;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(err, errlen, "name the host to delete (a directory of %s/hosts)", state_dir);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/hosts/%s", state_dir, name);
	lock = rh_host_dir_lock(dir, false);
	if (lock == -EBUSY) {
		char who[64];

		snprintf(err, errlen,
			 "%s is in use by %s: delete it through the hub, with tapctl stop "
			 "SESSION --discard (tapctl list names the session; one it recovered "
			 "is %s_recovered)",
			 dir, holder_name(state_dir, who, sizeof(who)), name);
		return -EBUSY;
	}
	if (lock < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(-lock));
		return lock;
	}
	d = opendir(dir);
	if (!d) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct rh_store *st;

		if (len < 7 || strcmp(e->d_name + len - 6, ".store"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* the class's kernel ring pin (a crash's undrained records) goes too */
		if (rh_store_open(path, false, &st) == 0) {
			struct rh_store_stats ss;

			rh_store_stats(st, &ss);
			rh_store_close(st);
			if (ss.ring_pin[0] && unlink(ss.ring_pin) == 0) {
				char *slash = strrchr(ss.ring_pin, '/');

				if (slash) {
					*slash = 0;
					rmdir(ss.ring_pin); /* the host's pin dir, once empty */
				}
			}
		}
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	/* the marker rings' pins (a crash's undrained records) and their descriptions */
	rh_mark_pins_remove(dir);
	snprintf(path, sizeof(path), "%s/guests.metas", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" RH_HOST_ENDED_FILE, dir);
	unlink(path);
	if (rmdir(dir)) {
		r = -errno;
		snprintf(err, errlen, "%s: %s (files taphub does not know are left there)", dir,
			 strerror(errno));
		goto out;
	}
	fprintf(report, "deleted %s (%d class store%s)\n", dir, n, n == 1 ? "" : "s");
out:
	close(lock);
	return r;
}

/* What a state dir holds: one line per host directory. */
int hub_recover_list(const char *state_dir, FILE *out, FILE *report, char *err, size_t errlen)
{
	char path[HUB_PATH_MAX + 300];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/hosts", state_dir);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		struct rc rc = { 0 };
		struct hub_recover_opts ro = { .report = report };
		char dir[HUB_PATH_MAX + 600], e2[512];
		uint64_t held = 0;
		int c;

		if (e->d_name[0] == '.')
			continue;
		rc.o = &ro;
		snprintf(dir, sizeof(dir), "%s/%s", path, e->d_name);
		if (load_dir(&rc, dir, e->d_name, e2, sizeof(e2))) {
			fprintf(out, "%-24s (unreadable: %s)\n", e->d_name, e2);
			rc_free(&rc);
			continue;
		}
		for (c = 0; c < rc.hosts[0]->ncls; c++)
			held += rc.hosts[0]->cls[c].st.written - rc.hosts[0]->cls[c].st.overwritten;
		fprintf(out, "%-24s %d class%s, %" PRIu64 " records held, %s\n", e->d_name,
			rc.hosts[0]->ncls, rc.hosts[0]->ncls == 1 ? "" : "es", held,
			host_status(state_dir, dir, rc.hosts[0]->clean, e2, sizeof(e2)));
		rc_free(&rc);
		n++;
	}
	closedir(d);
	return n;
}
