// SPDX-License-Identifier: MIT
/*
 * Attached readers (`tap -A NAME`, `tapctl attach NAME`): one thread per
 * reader.  It sends what the host's class stores hold, then the live
 * stream, as text, until the client detaches or goes away.  Reading never
 * removes anything: a second attach sees the same records again.
 *
 * Records of all (or the chosen) classes are merged by timestamp: each
 * class store is in commit order, so each round reads what every class
 * has, sorts that batch by (timestamp, class, sequence) and shows it
 * through the record consumer (guest-runtime/record.c) with the writing
 * guest's format table, found in the host's lock-free registry.  Records the writer overwrote before this reader got to them
 * are reported as a WARNING with their count.
 *
 * A slow client only slows its own thread: the drain never waits for
 * readers (guarantee 1); a reader that falls a whole store behind loses
 * records, and says how many.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/fsuid.h>
#include <sys/socket.h>

#include "guest-runtime/grt.h"
#include "hub/daemon/internal.h"
#include "relayhost-module/rh.h"

#define BATCH_BYTES (1u << 20)
#define SEND_CHUNK 60000
#define MAX_RT 64

struct pending {
	uint64_t ts;
	uint64_t seq;
	int cls;
	size_t off, len; /* into the batch buffer */
};

struct rtcache {
	uint32_t guest;
	struct grt_rt *rt;
};

struct reader {
	struct hub_reader_opts o;
	struct rh_cursor cur[TH_MAX_CLASSES];
	uint8_t *batch;
	size_t batch_len;
	struct pending *pend;
	size_t npend, cap;
	struct grt_out text; /* the text of the records in hand, by stream */
	struct rtcache rts[MAX_RT];
	int nrts;
	uint64_t reported_lost;
	bool dead;
	/* a file writer instead of a socket */
	struct hub_sink *sink;
	struct hub_writer *writer;
	uint64_t lost_cls[TH_MAX_CLASSES];
	uint32_t guests_known[1024];
	int nguests_known;
	uint64_t kdropped[TH_MAX_CLASSES]; /* ring drops already reported */
	uint64_t sdropped[TH_MAX_CLASSES]; /* store drops (discard) already reported */
};

struct hub_writer {
	struct hub_writer_opts o;
	pthread_t th;
	atomic_bool stop;
	/* switches asked for and done: the asker waits, so that what happened
	 * before its request is in the old file and what follows in the new */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t switch_want, switch_done;
	struct reader *R;
};

static int send_chunks(struct reader *R, struct grt_buf *b, uint32_t stream)
{
	struct hub_msg *m;
	size_t off = 0;

	if (!b->len)
		return 0;
	if (R->sink) {
		/*
		 * A file.  Text: output and messages alike (the admin reads both
		 * there).  Binary: messages came from ERROR/WARN records, which
		 * are in the trace as they are.
		 */
		if (!stream || !hub_sink_binary(R->sink))
			hub_sink_text(R->sink, b->data, b->len);
		grt_buf_reset(b);
		return 0;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	while (off < b->len && !R->dead) {
		size_t n = b->len - off > SEND_CHUNK ? SEND_CHUNK : b->len - off;

		int r;

		hub_msg_init(m, TH_MSG_DATA, R->o.seq);
		hub_msg_put_u32(m, TH_A_STREAM, stream);
		hub_msg_put(m, TH_A_TEXT, b->data + off, n);
		/*
		 * The connection is non-blocking (the main loop accepted it): a
		 * slow client makes us wait here, while the store may overwrite
		 * what we have not read yet (counted when we get there), until
		 * it reads, detaches or goes away.
		 */
		while ((r = hub_msg_send(R->o.fd, m)) == -EAGAIN) {
			struct pollfd p = { .fd = R->o.fd, .events = POLLOUT };

			if (poll(&p, 1, 200) < 0 && errno != EINTR)
				break;
			if (p.revents & (POLLHUP | POLLERR) || rh_host_stopping(R->o.host))
				break;
		}
		if (r)
			R->dead = true;
		off += n;
	}
	free(m);
	grt_buf_reset(b);
	return R->dead ? -EPIPE : 0;
}

/* The runtime that formats a guest's records; made on first use. */
static struct grt_rt *rt_for(struct reader *R, uint32_t guest)
{
	const struct rh_guest *g;
	struct grt_rt_opts ro = { .sz = sizeof(ro) };
	struct grt_rt *rt;
	int i;

	for (i = 0; i < R->nrts; i++)
		if (R->rts[i].guest == guest)
			return R->rts[i].rt;
	g = rh_host_guest(R->o.host, guest);
	if (!g || R->nrts == MAX_RT)
		return NULL;
	ro.meta = g->meta;
	ro.write = grt_out_write;
	ro.arg = &R->text;
	/* a reader only formats: no maps, no user probes; errors are shown, never stop it */
	ro.maxerrors = INT64_MAX;
	if (grt_rt_new(&ro, &rt))
		return NULL;
	R->rts[R->nrts].guest = guest;
	R->rts[R->nrts].rt = rt;
	R->nrts++;
	return rt;
}

static int collect(void *arg, const void *rec, size_t len)
{
	struct reader *R = arg;
	const struct th_rec *r = rec;
	struct pending *p;

	if (R->o.guest && r->guest != R->o.guest)
		return 0;
	if (R->batch_len + len > BATCH_BYTES)
		return 1; /* batch full: the rest next round */
	if (R->npend == R->cap) {
		size_t cap = R->cap ? R->cap * 2 : 1024;
		struct pending *np = realloc(R->pend, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		R->pend = np;
		R->cap = cap;
	}
	p = &R->pend[R->npend++];
	p->ts = r->ts;
	p->seq = r->seq;
	p->cls = r->cls;
	p->off = R->batch_len;
	p->len = len;
	memcpy(R->batch + R->batch_len, rec, len);
	R->batch_len += len;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Binary traces: the record as it is, after its guest's format table. */
static void write_raw(struct reader *R, const uint8_t *rec, size_t len)
{
	const struct th_rec *r = (const struct th_rec *)rec;
	int i;

	for (i = 0; i < R->nguests_known; i++)
		if (R->guests_known[i] == r->guest)
			break;
	if (i == R->nguests_known) {
		const struct rh_guest *g = rh_host_guest(R->o.host, r->guest);

		if (g && g->meta_text)
			hub_sink_add_guest(R->sink, r->guest, g->meta_text, g->meta_len);
		if (R->nguests_known < 1024)
			R->guests_known[R->nguests_known++] = r->guest;
	}
	hub_sink_record(R->sink, rec, len);
}

static void format_one(struct reader *R, const uint8_t *rec, size_t len)
{
	const struct th_rec *r = (const struct th_rec *)rec;
	struct grt_record_ctx c = { 0 };

	if (R->sink && hub_sink_binary(R->sink)) {
		enum hub_sink_take take = hub_sink_take(NULL, r->fmt);

		if (take != HUB_SINK_TEXT)
			write_raw(R, rec, len);
		if (take == HUB_SINK_RAW)
			return;
	}
	c.rt = rt_for(R, r->guest);
	c.cls = r->cls < rh_host_nclasses(R->o.host) ? rh_host_class_spec(R->o.host, r->cls)->name :
						       "default";
	/* a guest that left the registry before we read its records: nothing to show them with */
	grt_record_consume(&c, rec, len, &R->text);
}

/*
 * Drops that leave no gap for the cursor to see: ring-full drops the
 * guests counted (the session tick brings them in) and records a
 * discarding store refused (those only when reading every guest: the
 * store does not count them per guest).  Marked in a file, a WARNING to
 * an attached client.
 */
static void note_drops(struct reader *R, bool init)
{
	struct rh_host *h = R->o.host;
	char line[256];
	int c;

	for (c = 0; c < rh_host_nclasses(h); c++) {
		uint64_t k = rh_host_kdropped(h, c, R->o.guest), n[2] = { 0, 0 };
		const char *name = rh_host_class_spec(h, c)->name;
		struct rh_store_stats st;

		if (R->o.cls >= 0 && c != R->o.cls)
			continue;
		rh_store_stats(rh_host_store(h, c), &st);
		if (R->o.guest)
			st.dropped = 0;
		if (!init) {
			n[0] = k > R->kdropped[c] ? k - R->kdropped[c] : 0;
			n[1] = st.dropped > R->sdropped[c] ? st.dropped - R->sdropped[c] : 0;
		}
		R->kdropped[c] = k;
		R->sdropped[c] = st.dropped;
		if (R->sink) {
			if (n[0] + n[1])
				hub_sink_lost(R->sink, c, n[0] + n[1], 0);
			continue;
		}
		if (n[0]) {
			snprintf(line, sizeof(line),
				 "WARNING: %llu records lost in class %s: the kernel ring was full\n",
				 (unsigned long long)n[0], name);
			grt_buf_puts(&R->text.msg, line);
		}
		if (n[1]) {
			snprintf(line, sizeof(line),
				 "WARNING: %llu records lost in class %s: the store was full (discard)\n",
				 (unsigned long long)n[1], name);
			grt_buf_puts(&R->text.msg, line);
		}
	}
}

static int round_robin(struct reader *R)
{
	struct rh_host *h = R->o.host;
	uint8_t buf[TH_REC_MAX];
	uint64_t lost = 0;
	size_t i;
	int c, n = 0;

	R->npend = 0;
	R->batch_len = 0;
	for (c = 0; c < rh_host_nclasses(h); c++) {
		if (R->o.cls >= 0 && c != R->o.cls)
			continue;
		n += rh_store_read(rh_host_store(h, c), &R->cur[c], buf, sizeof(buf), collect, R) > 0;
		lost += R->cur[c].lost;
		if (R->sink && R->cur[c].lost > R->lost_cls[c]) {
			/* overwritten before we wrote them: a marker where they were */
			hub_sink_lost(R->sink, c, R->cur[c].lost - R->lost_cls[c], 0);
			R->lost_cls[c] = R->cur[c].lost;
		}
	}
	/* qsort's base may not be NULL, even for 0 elements (C11 7.22.5) */
	if (R->npend > 1)
		qsort(R->pend, R->npend, sizeof(*R->pend), by_time);
	for (i = 0; i < R->npend; i++) {
		format_one(R, R->batch + R->pend[i].off, R->pend[i].len);
		if (R->text.out.len > BATCH_BYTES && send_chunks(R, &R->text.out, 0))
			return -EPIPE;
	}
	if (lost > R->reported_lost && !R->sink) {
		char line[160];

		snprintf(line, sizeof(line),
			 "WARNING: %llu records lost (overwritten before this reader got them)\n",
			 (unsigned long long)(lost - R->reported_lost));
		grt_buf_puts(&R->text.msg, line);
		R->reported_lost = lost;
	}
	if (send_chunks(R, &R->text.out, 0) || send_chunks(R, &R->text.msg, 1))
		return -EPIPE;
	return (int)R->npend;
}

/* The client asked to detach (or hung up). */
static bool client_done(struct reader *R)
{
	struct pollfd p = { .fd = R->o.fd, .events = POLLIN };
	char buf[64];

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	/* any message (DETACH) ends the attachment */
	return recv(R->o.fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0;
}

static void *reader_main(void *arg)
{
	struct reader *R = arg;
	struct rh_host *h = R->o.host;
	uint64_t gen = 0;
	int c, i;

	rcu_register_thread();
	for (c = 0; c < rh_host_nclasses(h); c++)
		rh_cursor_init(rh_host_store(h, c), &R->cur[c]);
	/* drops before the attachment: tapctl list and the session's end say them */
	note_drops(R, true);
	rh_host_watch(h, true);
	R->batch = malloc(BATCH_BYTES + TH_REC_MAX);
	if (R->batch) {
		for (;;) {
			int n;

			note_drops(R, false);
			n = round_robin(R);

			if (n < 0 || client_done(R))
				break;
			/* nothing will come after what a recovered host holds */
			if (n == 0 && rh_host_is_recovered(h))
				break;
			if (n == 0)
				rh_host_wait(h, &gen, 200);
			if (rh_host_stopping(h))
				break;
		}
	}
	if (!R->dead) {
		struct hub_msg *m = malloc(sizeof(*m));

		if (m) {
			hub_msg_init(m, TH_MSG_END, R->o.seq);
			hub_msg_send(R->o.fd, m);
			free(m);
		}
	}
	rh_host_watch(h, false);
	for (i = 0; i < R->nrts; i++)
		grt_rt_free(R->rts[i].rt);
	close(R->o.fd);
	hub_conn_release(R->o.hub, R->o.uid);
	rh_host_put(h);
	free(R->batch);
	free(R->pend);
	grt_out_free(&R->text);
	pthread_mutex_lock(&R->o.hub->readers_mu);
	R->o.hub->nreaders--;
	pthread_mutex_unlock(&R->o.hub->readers_mu);
	free(R);
	rcu_unregister_thread();
	return NULL;
}

int hub_reader_start(const struct hub_reader_opts *o)
{
	struct reader *R = calloc(1, sizeof(*R));
	pthread_attr_t attr;
	pthread_t th;
	int r;

	if (!R)
		return -ENOMEM;
	R->o = *o;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&o->hub->readers_mu);
	o->hub->nreaders++;
	pthread_mutex_unlock(&o->hub->readers_mu);
	r = pthread_create(&th, &attr, reader_main, R);
	pthread_attr_destroy(&attr);
	if (r) {
		pthread_mutex_lock(&o->hub->readers_mu);
		o->hub->nreaders--;
		pthread_mutex_unlock(&o->hub->readers_mu);
		free(R);
		return -r;
	}
	return 0;
}

/* ---- the -o writer -------------------------------------------------------------------- */

static void *writer_main(void *arg)
{
	struct hub_writer *w = arg;
	struct reader *R = w->R;
	struct rh_host *h = w->o.host;
	uint64_t gen = 0, want, done = 0;

	rcu_register_thread();
	/*
	 * Rotation creates and removes the owner's files: do it as the owner.
	 * setfsuid/setfsgid are per thread on Linux (glibc does not broadcast
	 * them), so only this thread changes.
	 */
	setfsgid(w->o.gid);
	setfsuid(w->o.uid);
	for (;;) {
		bool stopping = atomic_load(&w->stop);
		int n;

		pthread_mutex_lock(&w->mu);
		want = w->switch_want;
		pthread_mutex_unlock(&w->mu);
		if (want != done) {
			/* what happened before the switch goes in the file being closed */
			rh_host_sync(h);
			while (round_robin(R) > 0)
				;
			hub_sink_switch(R->sink);
			done = want;
			pthread_mutex_lock(&w->mu);
			w->switch_done = done;
			pthread_cond_broadcast(&w->cv);
			pthread_mutex_unlock(&w->mu);
		}
		note_drops(R, false);
		n = round_robin(R);
		hub_sink_flush(R->sink);
		/* after a stop, everything stored is written before we leave */
		if (stopping && n <= 0)
			break;
		if (n == 0)
			rh_host_wait(h, &gen, 100);
	}
	rcu_unregister_thread();
	return NULL;
}

static void writer_error(void *arg, const char *msg)
{
	struct hub_writer *w = arg;

	hub_log(w->o.hub, "session %s: output: %s", w->o.session, msg);
}

static void writer_free(struct hub_writer *w)
{
	struct reader *R = w->R;
	int i;

	hub_sink_close(R->sink);
	for (i = 0; i < R->nrts; i++)
		grt_rt_free(R->rts[i].rt);
	free(R->batch);
	free(R->pend);
	grt_out_free(&R->text);
	free(R);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int hub_writer_start(const struct hub_writer_opts *o, struct hub_writer **ret, char *err,
		     size_t errlen)
{
	struct hub_writer *w = calloc(1, sizeof(*w));
	struct rh_host *h = o->host;
	struct reader *R;
	int r, c;

	if (!w)
		return -ENOMEM;
	w->o = *o;
	w->o.sink.info = NULL; /* the caller's: used while opening only */
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	R = w->R = calloc(1, sizeof(*w->R));
	if (!R) {
		free(w);
		return -ENOMEM;
	}
	R->o.host = h;
	R->o.guest = o->guest;
	R->o.cls = -1;
	R->o.fd = -1;
	R->o.hub = o->hub;
	R->writer = w;
	R->batch = malloc(BATCH_BYTES + TH_REC_MAX);
	if (!R->batch) {
		writer_free(w);
		return -ENOMEM;
	}
	/* the first file is made now, as the owner, so that errors reach the user */
	w->o.sink.error = writer_error;
	w->o.sink.arg = w;
	{
		struct hub_sink_opts so = w->o.sink;

		so.info = o->sink.info;
		setfsgid(o->gid);
		setfsuid(o->uid);
		r = hub_sink_open(&so, &R->sink, err, errlen);
		setfsuid(0);
		setfsgid(0);
	}
	if (r) {
		writer_free(w);
		return r;
	}
	for (c = 0; c < rh_host_nclasses(h); c++) {
		rh_cursor_init(rh_host_store(h, c), &R->cur[c]);
		R->lost_cls[c] = 0;
		hub_sink_add_class(R->sink, c, rh_host_class_spec(h, c)->name);
	}
	/* drops before the session are not its loss */
	note_drops(R, true);
	r = pthread_create(&w->th, NULL, writer_main, w);
	if (r) {
		snprintf(err, errlen, "cannot start the output writer: %s", strerror(r));
		writer_free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

void hub_writer_switch(struct hub_writer *w)
{
	struct timespec ts;
	uint64_t want;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	want = ++w->switch_want;
	pthread_mutex_unlock(&w->mu);
	rh_host_kick(w->o.host);
	/* a drain round and a write: milliseconds; a stuck disk does not hold us */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&w->mu);
	while (w->switch_done < want)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts))
			break;
	pthread_mutex_unlock(&w->mu);
}

uint64_t hub_writer_lost(const struct hub_writer *w)
{
	return w ? hub_sink_lost_writes(w->R->sink) : 0;
}

void hub_writer_stop(struct hub_writer *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	rh_host_kick(w->o.host);
	pthread_join(w->th, NULL);
	rh_host_put(w->o.host);
	writer_free(w);
}
