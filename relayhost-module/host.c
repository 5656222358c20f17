// SPDX-License-Identifier: MIT
/*
 * Relay hosts: the buffers the hub owns.
 *
 * A host has one to TH_MAX_CLASSES classes.  Each class is a kernel
 * buffer, made and drained through the host's backend (struct
 * rh_backend_ops; backend_maps.c: a BPF ring buffer the host creates and
 * keeps), and a class store (a file under the state dir, see
 * class_store.c).  Guests are loaded by the caller with their ring maps
 * replaced by what the backend gives them (rh_host_ring_fd), so adding or
 * removing a guest never touches the rings, the stores or the drain:
 * recording goes on.  A host made without a state dir (tap's own buffer)
 * has no stores: its records go to the caller's callback.
 *
 * One drain thread per host moves records from the rings to the stores
 * (the stores' only writer), appends the output runners send (injected
 * records), and wakes the host's readers.  It also notices exit() and
 * runtime-error records, flags their guest and tells the owner
 * (notify_fd).  Or the caller drives the drain itself (caller_drains:
 * rh_host_drain on rh_host_wait_fd and rh_host_next_tick_ms's tick).
 *
 * The guest registry maps a guest id to its format table (meta).  Readers
 * format records with it while guests come and go, so it is a liburcu
 * lock-free hash table: lookups take no lock; an entry stays for the
 * host's life (records of a removed guest remain readable), and is freed
 * after a grace period when the host goes.
 *
 * Each host directory under STATE/hosts is locked as the hub locks its
 * state dir (hub/statedir.c), with flock on the directory itself:
 * exclusively while a hub records into it, shared while a hub shows what
 * an earlier one left (read-only) or tapctl recover reads it, exclusively
 * by tapctl recover --delete.  So recover never reads
 * stores a drain is writing, and --delete never deletes what anyone uses,
 * without asking the hub.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <pthread.h>
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "guest-runtime/grt.h"
#include "relayhost-module/rh.h"
#include "taphub/record.h"

/*
 * The drain's idle tick: how late a record that woke no one (its ring
 * under a quarter full) reaches the stores.  An unwatched recorder can
 * wait (a round costs ~40 us of CPU); someone attached is waiting for it.
 */
#define DRAIN_TICK_MS 50
#define DRAIN_TICK_WATCHED_MS 10

struct rh_class {
	struct rh_class_spec spec;
	struct rh_store *store; /* NULL in a host without stores */
};

/* A guest's registry entry: its lock-free table node around what readers see. */
struct reg_entry {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	struct rh_guest g;
	/* the no-trap marker ring of the guest's target (NULL: none); the drain
	 * reads it under rcu_read_lock, rh_host_take_mark_ring waits for that */
	_Atomic(struct rh_mark_ring *) mark;
	atomic_uint_fast64_t mark_lost; /* its losses as the drain last read them */
	/*
	 * Of those, what the store's header may count now: a live ring's
	 * lane drops stay in the ring (its pin keeps them for recovery after
	 * a crash, which would count them twice); a dead session's ring,
	 * gone with its file, is counted at once.
	 */
	atomic_uint_fast64_t mark_stored;
};

struct rh_host {
	char name[64];
	char dir[RH_PATH_MAX]; /* the host's directory under the state dir */
	int nclasses;
	struct rh_class cls[TH_MAX_CLASSES];
	struct cds_lfht *reg; /* guest id -> struct reg_entry */
	atomic_uint next_guest;
	/* the kernel buffers */
	const struct rh_backend_ops *ops;
	struct rh_backend *be;
	/* the drain thread */
	pthread_t drain_th;
	bool drain_started;
	int wake_efd;   /* wakes the drain: injected records, stop */
	int notify_fd;  /* told of exit/error records (rh_host_opts) */
	atomic_bool stopping;
	atomic_int live_readers; /* attached clients (tap -A): the drain ticks faster */
	bool appended;  /* drain thread only */
	pthread_mutex_t inj_mu;
	struct inj *inj_head, *inj_tail;
	/* readers wait for gen to move */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t gen;
	uint64_t rounds; /* drain iterations finished (under mu) */
	atomic_int refs;
	atomic_int nmarks;         /* guests with a marker ring: the drain looks for them */
	struct rh_metas *metas;    /* the guests' format tables, crash-proof */
	char pin_dir[RH_PATH_MAX]; /* bpffs directory of the rings' pins, "" none */
	bool remove;               /* discarded on purpose: its files go with it */
	bool recovered;            /* left by a crashed hub: stores only, read-only */
	int dir_lock;              /* rh_host_dir_lock() on dir while we use it */
};

struct inj {
	struct inj *next;
	int cls;
	size_t len;
	uint8_t rec[]; /* a complete record */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the registry ------------------------------------------------------------------ */

static int reg_match(struct cds_lfht_node *node, const void *key)
{
	const struct reg_entry *e = caa_container_of(node, struct reg_entry, node);

	return e->g.id == *(const uint32_t *)key;
}

static unsigned long reg_hash(uint32_t id)
{
	/* a guest id is small and dense: spread it */
	return (unsigned long)(id * 0x9e3779b97f4a7c15ull);
}

const struct rh_guest *rh_host_guest(struct rh_host *h, uint32_t id)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	/* callers are registered RCU readers; entries live as long as the host */
	rcu_read_lock();
	cds_lfht_lookup(h->reg, reg_hash(id), reg_match, &id, &it);
	node = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	return node ? &caa_container_of(node, struct reg_entry, node)->g : NULL;
}

/* ---- the drain thread ------------------------------------------------------------------ */

static void flag_guest(struct rh_host *h, const struct th_rec *r)
{
	struct rh_guest *g = (struct rh_guest *)rh_host_guest(h, r->guest);

	if (!g)
		return;
	if (r->fmt == TH_FMT_EXIT)
		atomic_store(&g->exit_req, true);
	else
		atomic_fetch_add(&g->errors, 1);
	/* the owner looks at the flags when this fires */
	if (h->notify_fd >= 0) {
		uint64_t one = 1;

		(void)!write(h->notify_fd, &one, sizeof(one));
	}
}

static int on_ring_record(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct rh_host *h = arg;
	const struct th_rec *r = rec;

	if (cls < 0 || cls >= h->nclasses || len < sizeof(*r))
		return 0;
	/* with its ring position: recovery then takes it from the store or the ring, once */
	rh_store_append_ring(h->cls[cls].store, rec, len, ring_end);
	h->appended = true;
	if (r->fmt == TH_FMT_EXIT || r->fmt == TH_FMT_ERROR)
		flag_guest(h, r);
	return 0;
}

static void append_injected(struct rh_host *h)
{
	struct inj *list, *next;

	pthread_mutex_lock(&h->inj_mu);
	list = h->inj_head;
	h->inj_head = h->inj_tail = NULL;
	pthread_mutex_unlock(&h->inj_mu);
	for (; list; list = next) {
		next = list->next;
		if (h->cls[list->cls].store) {
			rh_store_append(h->cls[list->cls].store, list->rec, list->len);
			h->appended = true;
		}
		free(list);
	}
}

static void wake_readers(struct rh_host *h, bool appended)
{
	pthread_mutex_lock(&h->mu);
	if (appended)
		h->gen++;
	h->rounds++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* The drain comes back at least this often while records flow. */
#define DRAIN_MIN_TICK_MS 1

static int drain_epoll(struct rh_host *h)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		return -1;
	/*
	 * The rings edge-triggered: one wakeup, one full drain.  Level-triggered,
	 * epoll_wait returns at once while any record is in a ring, so after a
	 * producer's wakeup the drain spun on batches of ~20 records (with an
	 * epoll_wait and a read each) for as long as the flood lasted.
	 */
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, h->ops->wait_fd(h->be), &ev))
		goto fail;
	/* the eventfd level-triggered: it stays readable until the round reads it */
	ev.events = EPOLLIN;
	ev.data.u32 = 2;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, h->wake_efd, &ev))
		goto fail;
	return epfd;
fail:
	close(epfd);
	return -1;
}

/* Sleep until a ring wakes us, a kick, or the tick; reset the kick. */
static void drain_wait(struct rh_host *h, int epfd, int tick_ms)
{
	struct epoll_event evs[2];
	bool kicked = epfd < 0;
	uint64_t v;
	int n, i;

	if (epfd < 0) {
		if (tick_ms)
			usleep((unsigned)tick_ms * 1000);
	} else {
		n = epoll_wait(epfd, evs, 2, tick_ms);
		for (i = 0; i < n; i++)
			kicked |= evs[i].data.u32 == 2;
	}
	/* only when it fired: a read per round is a syscall per round */
	if (kicked)
		(void)!read(h->wake_efd, &v, sizeof(v));
}

struct mark_ctx {
	struct rh_host *h;
	struct reg_entry *e;
};

/* A marker's record: into the store its guest class maps to, as the kernel rings' go. */
static int on_mark_record(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct mark_ctx *m = arg;
	int c = cls >= 0 && cls < TH_MAX_CLASSES ? m->e->g.cls_map[cls] : -1;

	(void)ring_end;
	if (c < 0 || c >= m->h->nclasses || !m->h->cls[c].store)
		return 0;
	rh_store_append(m->h->cls[c].store, rec, len);
	m->h->appended = true;
	return 0;
}

/* The marker rings of the guests that have one (the drain thread: an RCU reader). */
static int drain_marks(struct rh_host *h)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;
	int n = 0, r;

	rcu_read_lock();
	cds_lfht_for_each_entry(h->reg, &it, e, node) {
		struct rh_mark_ring *ring = atomic_load(&e->mark);
		struct mark_ctx m = { h, e };

		if (!ring)
			continue;
		r = rh_mark_ring_consume(ring, on_mark_record, &m);
		n += r > 0 ? r : 0;
		atomic_store(&e->mark_lost, rh_mark_ring_lost(ring));
	}
	rcu_read_unlock();
	return n;
}

/* A round: drain the rings, append what runners sent, wake the readers. */
static int drain_round(struct rh_host *h)
{
	int n;

	h->appended = false;
	n = h->ops->consume(h->be);
	/* only hub hosts have them: tap's own host drains in an unregistered thread */
	if (atomic_load(&h->nmarks))
		n += drain_marks(h);
	append_injected(h);
	wake_readers(h, h->appended);
	return n;
}

int rh_host_drain(struct rh_host *h)
{
	return drain_round(h);
}

int rh_host_wait_fd(struct rh_host *h)
{
	return h->ops->wait_fd(h->be);
}

int rh_host_next_tick_ms(struct rh_host *h, int min_ms, int idle_ms)
{
	return h->ops->next_tick_ms(h->be, min_ms, idle_ms);
}

int rh_host_ring_fd(struct rh_host *h, int cls)
{
	return h->be ? h->ops->ring_fd_for_guest(h->be, cls) : -1;
}

/*
 * Every iteration is a round (rh_host_sync() counts them): wait, then
 * drain_round.  The round that sees `stopping` does not wait: it is the
 * last, and it empties the rings.
 */
static void *drain_main(void *arg)
{
	struct rh_host *h = arg;
	int epfd = drain_epoll(h), tick_ms = DRAIN_TICK_MS;

	rcu_register_thread();
	rh_host_next_tick_ms(h, DRAIN_MIN_TICK_MS, tick_ms); /* starts the clock */
	for (;;) {
		bool stopping = atomic_load(&h->stopping);

		drain_wait(h, epfd, stopping ? 0 : tick_ms);
		drain_round(h);
		if (stopping)
			break;
		/* paced to the rate (rh_drain_next_tick_ms); quicker while someone watches */
		tick_ms = rh_host_next_tick_ms(h, DRAIN_MIN_TICK_MS,
					       atomic_load(&h->live_readers) ? DRAIN_TICK_WATCHED_MS
									     : DRAIN_TICK_MS);
	}
	if (epfd >= 0)
		close(epfd);
	wake_readers(h, true);
	rcu_unregister_thread();
	return NULL;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

/* Sparse: only the tables written take space. */
#define HOST_METAS_BYTES (16ull << 20)

/*
 * Pin the class rings in bpffs, so that what the drain has not consumed
 * when the hub dies stays readable (relayhost-module/ring_peek.c).  Best
 * effort: without bpffs the stores are still recovered, and the count of
 * undrained records is unknown.
 */
static void pin_rings(struct rh_host *h, const char *root)
{
	const char *base = strrchr(h->dir, '/');
	char path[RH_PATH_MAX + 128];
	int c;

	mkdir(root, 0700);
	if ((size_t)snprintf(h->pin_dir, sizeof(h->pin_dir), "%s/%s", root,
			     base ? base + 1 : h->name) >= sizeof(h->pin_dir) ||
	    (mkdir(h->pin_dir, 0700) && errno != EEXIST)) {
		h->pin_dir[0] = 0;
		return;
	}
	for (c = 0; c < h->nclasses; c++) {
		snprintf(path, sizeof(path), "%s/%s", h->pin_dir, h->cls[c].spec.name);
		h->ops->unpin_ring(path); /* a stale pin of an older host of this directory name */
		if (h->ops->pin_ring(h->be, c, path) == 0)
			rh_store_set_ring_pin(h->cls[c].store, path);
	}
}

static void unpin_rings(struct rh_host *h)
{
	char path[RH_PATH_MAX + 128];
	int c;

	/* the marker rings' pins and descriptions: a crash's, or orphans */
	if (h->dir[0])
		rh_mark_pins_remove(h->dir);
	if (h->recovered) {
		/* the crashed hub's pins, as its stores name them */
		for (c = 0; c < h->nclasses; c++) {
			struct rh_store_stats st;

			rh_store_stats(h->cls[c].store, &st);
			if (!st.ring_pin[0])
				continue;
			h->ops->unpin_ring(st.ring_pin);
			snprintf(path, sizeof(path), "%s", st.ring_pin);
			if (strrchr(path, '/'))
				*strrchr(path, '/') = 0;
			rmdir(path);
		}
		return;
	}
	if (!h->pin_dir[0])
		return;
	for (c = 0; c < h->nclasses; c++) {
		snprintf(path, sizeof(path), "%s/%s", h->pin_dir, h->cls[c].spec.name);
		h->ops->unpin_ring(path);
	}
	rmdir(h->pin_dir);
}

/* A host stopped on purpose leaves nothing behind. */
static void remove_files(struct rh_host *h)
{
	char path[RH_PATH_MAX + 128];
	int c;

	for (c = 0; c < h->nclasses; c++) {
		snprintf(path, sizeof(path), "%s/%s.store", h->dir, h->cls[c].spec.name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/guests.metas", h->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" RH_HOST_ENDED_FILE, h->dir);
	unlink(path);
	/* the hub logs nothing from here: a directory left behind is listed by tapctl recover */
	rmdir(h->dir);
}

int rh_host_mark_ended(struct rh_host *h, const char *why)
{
	char path[RH_PATH_MAX + 32], when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" RH_HOST_ENDED_FILE, h->dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	fprintf(f, "%s at %s\n", why, when);
	if (fclose(f))
		return -errno;
	return 0;
}

int rh_host_create(const struct rh_host_opts *o, struct rh_host **ret, char *err,
		    size_t errlen)
{
	struct rh_host *h;
	char path[RH_PATH_MAX + 128];
	int i, r, gen;

	/* the name is a directory's: the caller checks it is one of letters and digits */
	if (!o || o->nclasses < 1 || o->nclasses > TH_MAX_CLASSES || !o->name || !*o->name ||
	    strlen(o->name) >= sizeof(h->name) || strchr(o->name, '/') || o->name[0] == '.') {
		snprintf(err, errlen, "a host needs a valid name and 1 to %d classes", TH_MAX_CLASSES);
		return -EINVAL;
	}
	for (i = 0; i < o->nclasses; i++) {
		int j;

		for (j = 0; j < i; j++)
			if (!strcmp(o->classes[i].name, o->classes[j].name)) {
				snprintf(err, errlen, "class '%s' is given twice", o->classes[i].name);
				return -EINVAL;
			}
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", o->name);
	h->notify_fd = o->notify_fd;
	h->wake_efd = -1;
	h->dir_lock = -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	pthread_mutex_init(&h->inj_mu, NULL);
	atomic_store(&h->refs, 1);
	atomic_store(&h->next_guest, 1);
	h->ops = o->backend ? o->backend : &rh_backend_maps;
	h->reg = cds_lfht_new(16, 16, 0, CDS_LFHT_AUTO_RESIZE, NULL);
	if (!h->reg) {
		r = -ENOMEM;
		goto out_free;
	}
	/* a fresh directory per host: an older one (a crash) is never reused */
	if (o->state_dir) {
		snprintf(path, sizeof(path), "%s/hosts", o->state_dir);
		mkdir(path, 0700);
	}
	for (gen = 0; o->state_dir; gen++) {
		if (gen)
			snprintf(h->dir, sizeof(h->dir), "%s/hosts/%s.%d", o->state_dir, h->name, gen);
		else
			snprintf(h->dir, sizeof(h->dir), "%s/hosts/%s", o->state_dir, h->name);
		if (mkdir(h->dir, 0700) == 0) {
			/* ours while we record into it: tapctl recover --delete stays away */
			h->dir_lock = rh_host_dir_lock(h->dir, false);
			break;
		}
		if (errno != EEXIST || gen > 10000) {
			r = -errno;
			snprintf(err, errlen, "cannot create %s: %s", h->dir, strerror(errno));
			goto out_free;
		}
	}
	h->nclasses = o->nclasses;
	r = h->ops->create(&h->be);
	if (r) {
		snprintf(err, errlen, "cannot make the host's kernel buffers: %s", strerror(-r));
		goto out_destroy;
	}
	for (i = 0; i < o->nclasses; i++) {
		struct rh_class *c = &h->cls[i];
		struct rh_store_opts so = {
			.data_size = o->classes[i].size,
			.policy = o->classes[i].policy,
			.host = h->name,
			.cls = o->classes[i].name,
		};
		/*
		 * The kernel ring takes what the probes write until the drain moves
		 * it; a quarter of the class (at least 256 KB, at most 256 MB) is
		 * enough for ~50 ms of the drain being busy at millions of events/s.
		 */
		uint64_t ring = o->classes[i].ring_size ? o->classes[i].ring_size
			      : o->classes[i].size / 4 < (256u << 10) ? (256u << 10)
			      : o->classes[i].size / 4 > (256u << 20) ? (256u << 20)
								      : o->classes[i].size / 4;

		c->spec = o->classes[i];
		/* stored, or handed to the caller: no test per record */
		r = h->ops->create_class_ring(h->be, i, ring, o->state_dir ? on_ring_record : o->on_record,
					      o->state_dir ? (void *)h : o->arg);
		if (r) {
			snprintf(err, errlen, "cannot create the kernel ring of class %s: %s", c->spec.name,
				 strerror(-r));
			goto out_destroy;
		}
		if (!o->state_dir)
			continue;
		snprintf(path, sizeof(path), "%s/%s.store", h->dir, c->spec.name);
		r = rh_store_create(path, &so, &c->store);
		if (r) {
			snprintf(err, errlen, "cannot create the store %s: %s", path, strerror(-r));
			goto out_destroy;
		}
	}
	if (o->state_dir) {
		snprintf(path, sizeof(path), "%s/guests.metas", h->dir);
		r = rh_metas_create(path, HOST_METAS_BYTES, h->name, &h->metas);
		if (r) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(-r));
			goto out_destroy;
		}
		if (o->pin_root && *o->pin_root)
			pin_rings(h, o->pin_root);
	}
	h->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_efd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot make the drain's eventfd: %s", strerror(errno));
		goto out_destroy;
	}
	if (o->caller_drains) {
		*ret = h;
		return 0;
	}
	if (pthread_create(&h->drain_th, NULL, drain_main, h)) {
		r = -EAGAIN;
		snprintf(err, errlen, "cannot start the drain thread");
		goto out_destroy;
	}
	h->drain_started = true;
	*ret = h;
	return 0;
out_free:
	if (h->reg)
		cds_lfht_destroy(h->reg, NULL);
	free(h);
	return r;
out_destroy:
	h->remove = true; /* nothing was recorded: leave nothing behind */
	rh_host_put(h);
	return r;
}

void rh_host_get(struct rh_host *h)
{
	atomic_fetch_add(&h->refs, 1);
}

static void free_reg_entry(struct rcu_head *head)
{
	struct reg_entry *e = caa_container_of(head, struct reg_entry, rcu);

	grt_meta_free(e->g.meta);
	free(e->g.meta_text);
	free(e);
}

void rh_host_put(struct rh_host *h)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct inj *i, *next;
	int c;

	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	if (h->drain_started) {
		uint64_t one = 1;

		atomic_store(&h->stopping, true);
		(void)!write(h->wake_efd, &one, sizeof(one));
		pthread_join(h->drain_th, NULL);
	}
	/* the drain's last round emptied the rings: their pins are not needed;
	 * a recovered host's pins (a crash's) go when the admin removes it */
	if (!h->recovered || h->remove)
		unpin_rings(h);
	if (h->be)
		h->ops->destroy(h->be);
	for (c = 0; c < TH_MAX_CLASSES; c++) {
		if (h->cls[c].store && !h->recovered && !h->remove)
			rh_store_set_clean(h->cls[c].store);
		rh_store_close(h->cls[c].store);
	}
	rh_metas_close(h->metas);
	if (h->remove && h->dir[0])
		remove_files(h);
	if (h->dir_lock >= 0)
		close(h->dir_lock);
	if (h->wake_efd >= 0)
		close(h->wake_efd);
	for (i = h->inj_head; i; i = next) {
		next = i->next;
		free(i);
	}
	if (h->reg) {
		rcu_read_lock();
		cds_lfht_for_each(h->reg, &it, node) {
			struct reg_entry *e = caa_container_of(node, struct reg_entry, node);

			if (!cds_lfht_del(h->reg, node))
				call_rcu(&e->rcu, free_reg_entry);
		}
		rcu_read_unlock();
		/* wait for the frees, then the table (outside any read section) */
		rcu_barrier();
		cds_lfht_destroy(h->reg, NULL);
	}
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->inj_mu);
	free(h);
}

int rh_host_class(const struct rh_host *h, const char *name)
{
	int i;

	for (i = 0; i < h->nclasses; i++)
		if (!strcmp(h->cls[i].spec.name, name))
			return i;
	return -1;
}

/* ---- guests ---------------------------------------------------------------------------------- */

/*
 * Route the guest's classes to the host's (its first, default, class to
 * the one asked for, the others by name), let the caller load its kernel
 * part into the host's rings, then register its format table: in the
 * crash-proof metas first, where a crash cannot take it before the
 * records do, then in the registry readers look up.
 */
int rh_host_add_guest(struct rh_host *h, const struct rh_guest_opts *o, uint32_t *ret_id,
		      char *err, size_t errlen)
{
	struct rh_guest_load l = { 0 };
	struct reg_entry *e;
	struct grt_meta *meta = NULL;
	int ring_fds[TH_MAX_CLASSES];
	bool named = o->cls && *o->cls;
	int i, r;

	r = grt_meta_parse(o->meta_text, o->meta_len, &meta, err, errlen);
	if (r)
		return r;
	e = calloc(1, sizeof(*e));
	if (!e) {
		r = -ENOMEM;
		goto out_meta;
	}
	for (i = 0; i < TH_MAX_CLASSES; i++)
		e->g.cls_map[i] = -1;
	for (i = 0; i < meta->nclasses; i++) {
		const char *want = i == 0 && named ? o->cls : meta->classes[i];
		int c = rh_host_class(h, want);

		if (c < 0 && i == 0 && !named)
			c = 0; /* a guest's "default" lands in the host's first class */
		if (c < 0) {
			snprintf(err, errlen, "host '%s' has no class '%s'", h->name, want);
			r = -ENOENT;
			goto out_entry;
		}
		e->g.cls_map[i] = c;
		ring_fds[i] = h->ops->ring_fd_for_guest(h->be, c);
	}
	if (e->g.cls_map[0] < 0)
		e->g.cls_map[0] = 0;
	l.id = atomic_fetch_add(&h->next_guest, 1);
	l.meta = meta;
	l.ring_fds = ring_fds;
	if (o->load) {
		r = o->load(o->arg, &l, err, errlen);
		if (r)
			goto out_entry;
	}
	e->g.id = l.id;
	e->g.meta = meta;
	e->g.meta_text = malloc(o->meta_len + 1);
	if (e->g.meta_text) {
		memcpy(e->g.meta_text, o->meta_text, o->meta_len);
		e->g.meta_text[o->meta_len] = 0;
		e->g.meta_len = o->meta_len;
	}
	r = h->metas ? rh_metas_add(h->metas, l.id, o->meta_text, o->meta_len) : 0;
	if (r) {
		snprintf(err, errlen, "cannot keep the guest's format table: %s", strerror(-r));
		free(e->g.meta_text);
		if (o->unload)
			o->unload(o->arg);
		goto out_entry;
	}
	cds_lfht_node_init(&e->node);
	rcu_read_lock();
	cds_lfht_add(h->reg, reg_hash(l.id), &e->node);
	rcu_read_unlock();
	*ret_id = l.id;
	return 0;
out_entry:
	free(e);
out_meta:
	grt_meta_free(meta);
	return r;
}

static void store_kernel_lost(struct rh_host *h, int c);

int rh_host_mark_pin(struct rh_host *h, uint32_t id, char *buf, size_t len)
{
	if (!h->dir[0])
		return -ENOENT;
	return rh_mark_pin_path(h->dir, id, true, buf, len);
}

/*
 * What recovery needs of a pinned ring beside the pin: its shape and the
 * host class of each of its formats (the guest's classes routed as the
 * drain routes them).
 */
static int describe_ring(struct rh_host *h, const struct reg_entry *e, struct rh_mark_ring *r)
{
	struct rh_mark_desc d;
	int i, c;

	rh_mark_ring_describe(r, &d);
	d.drop_cls = e->g.cls_map[0];
	for (i = 0; i < d.nmarks; i++) {
		c = e->g.cls_map[d.cls[i]];
		d.cls[i] = (uint8_t)(c >= 0 ? c : d.drop_cls);
	}
	return rh_mark_desc_write(h->dir, &d);
}

int rh_host_set_mark_ring(struct rh_host *h, uint32_t id, struct rh_mark_ring *r)
{
	struct reg_entry *e;
	const struct rh_guest *g = rh_host_guest(h, id);
	int err = 0;

	if (!g)
		return -ENOENT;
	e = caa_container_of(g, struct reg_entry, g);
	if (atomic_load(&e->mark))
		return -EBUSY;
	/* a pin without its description is not recovered: say so, record anyway */
	if (h->dir[0] && rh_mark_ring_pinned(r))
		err = describe_ring(h, e, r);
	atomic_store(&e->mark_stored, rh_mark_ring_stale_lost(r));
	atomic_store(&e->mark_lost, rh_mark_ring_lost(r));
	store_kernel_lost(h, e->g.cls_map[0]);
	atomic_fetch_add(&h->nmarks, 1);
	atomic_store(&e->mark, r);
	return err;
}

struct rh_mark_ring *rh_host_take_mark_ring(struct rh_host *h, uint32_t id)
{
	const struct rh_guest *g = rh_host_guest(h, id);
	struct rh_mark_ring *r;
	struct reg_entry *e;

	if (!g)
		return NULL;
	e = caa_container_of(g, struct reg_entry, g);
	r = atomic_exchange(&e->mark, NULL);
	if (!r)
		return NULL;
	/* the drain may be in it: wait until no reader section that saw it is left */
	synchronize_rcu();
	atomic_store(&e->mark_lost, rh_mark_ring_lost(r));
	/* consumed whole: its losses go into the store, then the pin may go */
	atomic_store(&e->mark_stored, atomic_load(&e->mark_lost));
	store_kernel_lost(h, e->g.cls_map[0]);
	if (h->dir[0])
		rh_mark_desc_remove(h->dir, id);
	atomic_fetch_sub(&h->nmarks, 1);
	return r;
}

/* The guest's probes are gone; its format table stays for its records. */
void rh_host_remove_guest(struct rh_host *h, uint32_t id)
{
	struct rh_guest *g = (struct rh_guest *)rh_host_guest(h, id);

	if (g)
		atomic_store(&g->gone, true);
	/* what the guest wrote before it went is drained with everything else */
	if (h->wake_efd >= 0) {
		uint64_t one = 1;

		(void)!write(h->wake_efd, &one, sizeof(one));
	}
}

int rh_host_inject(struct rh_host *h, int cls, uint32_t guest, const char *text, size_t len)
{
	while (len) {
		size_t chunk = len > 60000 ? 60000 : len;
		size_t size = (sizeof(struct th_rec) + 2 + chunk + 7) & ~(size_t)7;
		struct inj *i = calloc(1, sizeof(*i) + size);
		struct th_rec *r;
		uint16_t n = (uint16_t)chunk;

		if (!i)
			return -ENOMEM;
		i->cls = cls >= 0 && cls < h->nclasses ? cls : 0;
		i->len = size;
		r = (struct th_rec *)i->rec;
		r->size = (uint32_t)size;
		r->fmt = TH_FMT_TEXT;
		r->cls = (uint8_t)i->cls;
		r->guest = guest;
		r->ts = mono_ns();
		memcpy(i->rec + sizeof(*r), &n, 2);
		memcpy(i->rec + sizeof(*r) + 2, text, chunk);
		pthread_mutex_lock(&h->inj_mu);
		if (h->inj_tail)
			h->inj_tail->next = i;
		else
			h->inj_head = i;
		h->inj_tail = i;
		pthread_mutex_unlock(&h->inj_mu);
		text += chunk;
		len -= chunk;
	}
	{
		uint64_t one = 1;

		(void)!write(h->wake_efd, &one, sizeof(one));
	}
	return 0;
}

/* Wait until the drain appended something after *gen (or timeout). */
void rh_host_wait(struct rh_host *h, uint64_t *gen, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)timeout_ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&h->mu);
	while (h->gen == *gen && !atomic_load(&h->stopping))
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts))
			break;
	*gen = h->gen;
	pthread_mutex_unlock(&h->mu);
}

/* Make the drain run now (e.g. before reading the stores at a stop). */
void rh_host_kick(struct rh_host *h)
{
	uint64_t one = 1;

	(void)!write(h->wake_efd, &one, sizeof(one));
}

void rh_host_sync(struct rh_host *h)
{
	uint64_t want;
	int waited = 0;

	if (!h->drain_started)
		return; /* a recovered host: nothing moves */
	pthread_mutex_lock(&h->mu);
	/* the round running now may have started before the call: wait for two */
	want = h->rounds + 2;
	pthread_mutex_unlock(&h->mu);
	rh_host_kick(h);
	pthread_mutex_lock(&h->mu);
	while (h->rounds < want && !atomic_load(&h->stopping) && waited < 50) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts))
			waited++;
	}
	pthread_mutex_unlock(&h->mu);
}

void rh_host_set_kernel_drops(struct rh_host *h, uint32_t id, int cls, uint64_t n)
{
	struct rh_guest *g = (struct rh_guest *)rh_host_guest(h, id);

	if (!g || cls < 0 || cls >= TH_MAX_CLASSES)
		return;
	atomic_store(&g->kdropped[cls], n);
	/* into the stores too: recovery after a crash reports them */
	store_kernel_lost(h, g->cls_map[cls]);
}

enum lost_kind { LOST_ALL, LOST_MARK, LOST_STORED };

/* Host class cls's drops of one guest (0: all): all, the marker rings', the store's part. */
static uint64_t kdropped(struct rh_host *h, int cls, uint32_t guest, enum lost_kind k)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;
	uint64_t n = 0;
	int c;

	rcu_read_lock();
	cds_lfht_for_each_entry(h->reg, &it, e, node) {
		if (guest && e->g.id != guest)
			continue;
		for (c = 0; k != LOST_MARK && c < TH_MAX_CLASSES; c++)
			if (e->g.cls_map[c] == cls)
				n += atomic_load(&e->g.kdropped[c]);
		/* a marker ring's lanes do not tell classes apart: the guest's first */
		if (e->g.cls_map[0] == cls)
			n += atomic_load(k == LOST_STORED ? &e->mark_stored : &e->mark_lost);
	}
	rcu_read_unlock();
	return n;
}

/* Into the store's header: recovery after a crash reports it. */
static void store_kernel_lost(struct rh_host *h, int c)
{
	if (c >= 0 && c < h->nclasses && h->cls[c].store)
		rh_store_set_kernel_lost(h->cls[c].store, kdropped(h, c, 0, LOST_STORED));
}

uint64_t rh_host_kdropped(struct rh_host *h, int cls, uint32_t guest)
{
	return kdropped(h, cls, guest, LOST_ALL);
}

uint64_t rh_host_mark_lost(struct rh_host *h, int cls, uint32_t guest)
{
	return kdropped(h, cls, guest, LOST_MARK);
}

/* ---- what the host's users read ---------------------------------------------------------- */

const char *rh_host_name(const struct rh_host *h)
{
	return h->name;
}

const char *rh_host_dir(const struct rh_host *h)
{
	return h->dir;
}

int rh_host_nclasses(const struct rh_host *h)
{
	return h->nclasses;
}

const struct rh_class_spec *rh_host_class_spec(const struct rh_host *h, int cls)
{
	return &h->cls[cls].spec;
}

struct rh_store *rh_host_store(const struct rh_host *h, int cls)
{
	return h->cls[cls].store;
}

bool rh_host_is_recovered(const struct rh_host *h)
{
	return h->recovered;
}

bool rh_host_stopping(struct rh_host *h)
{
	return atomic_load(&h->stopping);
}

void rh_host_watch(struct rh_host *h, bool on)
{
	atomic_fetch_add(&h->live_readers, on ? 1 : -1);
	if (on)
		rh_host_kick(h); /* the drain picks the faster tick now */
}

void rh_host_discard(struct rh_host *h)
{
	h->remove = true;
}

/* ---- recovered hosts ------------------------------------------------------------------- */

static int recovered_guest(void *arg, uint32_t id, const char *text, size_t len)
{
	struct rh_host *h = arg;
	struct reg_entry *e;
	char err[256];
	int i;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (grt_meta_parse(text, len, &e->g.meta, err, sizeof(err))) {
		free(e);
		return 0; /* its records will show as unformatted */
	}
	e->g.id = id;
	e->g.meta_text = strndup(text, len);
	e->g.meta_len = e->g.meta_text ? len : 0;
	for (i = 0; i < TH_MAX_CLASSES; i++)
		e->g.cls_map[i] = -1;
	atomic_store(&e->g.gone, true);
	cds_lfht_node_init(&e->node);
	rcu_read_lock();
	cds_lfht_add(h->reg, reg_hash(id), &e->node);
	rcu_read_unlock();
	return 0;
}

/*
 * A host a crashed (or stopped) hub left in dir: its stores opened
 * read-only and its guests' tables, so readers can show what it held.
 * Nothing drains into it and nothing is written to its files.
 */
int rh_host_open_recovered(const char *dir, const char *name, struct rh_host **ret, char *err,
		       size_t errlen)
{
	char path[RH_PATH_MAX + 300];
	struct rh_host *h;
	struct dirent *e;
	DIR *d;
	int r = 0;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->dir, sizeof(h->dir), "%s", dir);
	h->recovered = true;
	h->wake_efd = -1;
	/* shared: tapctl recover may read it too, --delete must wait */
	h->dir_lock = rh_host_dir_lock(dir, true);
	if (h->dir_lock < 0) {
		r = h->dir_lock;
		snprintf(err, errlen, "%s: %s", dir,
			 r == -EBUSY ? "being deleted by another process" : strerror(-r));
		free(h);
		return r;
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	pthread_mutex_init(&h->inj_mu, NULL);
	atomic_store(&h->refs, 1);
	h->ops = &rh_backend_maps; /* whose pins its stores name */
	r = 0;
	h->reg = cds_lfht_new(16, 16, 0, CDS_LFHT_AUTO_RESIZE, NULL);
	d = opendir(dir);
	if (!h->reg || !d) {
		snprintf(err, errlen, "%s: %s", dir, d ? "out of memory" : strerror(errno));
		r = -ENOENT;
		goto out;
	}
	while ((e = readdir(d)) && h->nclasses < TH_MAX_CLASSES) {
		size_t n = strlen(e->d_name);
		struct rh_class *c = &h->cls[h->nclasses];
		struct rh_store_stats st;

		if (n < 7 || strcmp(e->d_name + n - 6, ".store"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = rh_store_open(path, false, &c->store);
		if (r) {
			snprintf(err, errlen, "%s: %s", path,
				 r == -EBADMSG ? "not a class store" : strerror(-r));
			break;
		}
		rh_store_stats(c->store, &st);
		snprintf(c->spec.name, sizeof(c->spec.name), "%.63s", st.cls);
		c->spec.size = st.data_size;
		c->spec.policy = st.policy;
		h->nclasses++;
	}
	closedir(d);
	if (!r && !h->nclasses) {
		snprintf(err, errlen, "%s holds no class store", dir);
		r = -ENOENT;
	}
	if (r)
		goto out;
	snprintf(path, sizeof(path), "%s/guests.metas", dir);
	if (rh_metas_open(path, &h->metas) == 0)
		rh_metas_each(h->metas, recovered_guest, h);
	*ret = h;
	return 0;
out:
	rh_host_put(h);
	return r;
}

/* ---- the host directory's lock ---------------------------------------------------------- */

int rh_host_dir_lock(const char *dir, bool shared)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return r;
	}
	return fd;
}
