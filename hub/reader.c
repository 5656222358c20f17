// SPDX-License-Identifier: MIT
/*
 * Attached readers (`tap -A NAME`, `tapctl attach NAME`): one thread per
 * reader.  It sends what the host's class stores hold, then the live
 * stream, as text, until the client detaches or goes away.  Reading never
 * removes anything: a second attach sees the same records again.
 *
 * Records of all (or the chosen) classes are merged by timestamp: each
 * class store is in commit order, so each round reads what every class
 * has, sorts that batch by (timestamp, class, sequence) and formats it
 * with the writing guest's format table, found in the host's lock-free
 * registry.  Records the writer overwrote before this reader got to them
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
#include <sys/socket.h>

#include "guest-runtime/grt.h"
#include "hub/internal.h"
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
	struct grt_buf out, msg;
	struct rtcache rts[MAX_RT];
	int nrts;
	uint64_t reported_lost;
	bool dead;
};

static int send_chunks(struct reader *R, struct grt_buf *b, uint32_t stream)
{
	struct hub_msg *m;
	size_t off = 0;

	if (!b->len)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	while (off < b->len && !R->dead) {
		size_t n = b->len - off > SEND_CHUNK ? SEND_CHUNK : b->len - off;

		hub_msg_init(m, TH_MSG_DATA, R->o.seq);
		hub_msg_put_u32(m, TH_A_STREAM, stream);
		hub_msg_put(m, TH_A_TEXT, b->data + off, n);
		if (hub_msg_send(R->o.fd, m))
			R->dead = true;
		off += n;
	}
	free(m);
	grt_buf_reset(b);
	return R->dead ? -EPIPE : 0;
}

static void sink(void *arg, int stream, const char *data, size_t len)
{
	struct reader *R = arg;

	grt_buf_put(stream == GRT_MSG ? &R->msg : &R->out, data, len);
}

/* The runtime that formats a guest's records; made on first use. */
static struct grt_rt *rt_for(struct reader *R, uint32_t guest)
{
	const struct hub_reg_guest *g;
	struct grt_rt_opts ro = { .sz = sizeof(ro) };
	struct grt_rt *rt;
	int i;

	for (i = 0; i < R->nrts; i++)
		if (R->rts[i].guest == guest)
			return R->rts[i].rt;
	g = hub_host_guest(R->o.host, guest);
	if (!g || R->nrts == MAX_RT)
		return NULL;
	ro.meta = g->meta;
	ro.write = sink;
	ro.arg = R;
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

static void format_one(struct reader *R, const uint8_t *rec, size_t len)
{
	const struct th_rec *r = (const struct th_rec *)rec;
	struct grt_rt *rt;

	if (r->fmt == TH_FMT_TEXT) {
		uint16_t n;

		if (len >= sizeof(*r) + 2) {
			memcpy(&n, rec + sizeof(*r), 2);
			if (sizeof(*r) + 2 + n <= len)
				grt_buf_put(&R->out, rec + sizeof(*r) + 2, n);
		}
		return;
	}
	if (r->fmt == TH_FMT_EXIT)
		return;
	rt = rt_for(R, r->guest);
	if (rt) {
		grt_rt_record(rt, rec, len);
		grt_rt_flush(rt);
	}
}

static int round_robin(struct reader *R)
{
	struct hub_host *h = R->o.host;
	uint8_t buf[TH_REC_MAX];
	uint64_t lost = 0;
	size_t i;
	int c, n = 0;

	R->npend = 0;
	R->batch_len = 0;
	for (c = 0; c < h->nclasses; c++) {
		if (R->o.cls >= 0 && c != R->o.cls)
			continue;
		n += rh_store_read(h->cls[c].store, &R->cur[c], buf, sizeof(buf), collect, R) > 0;
		lost += R->cur[c].lost;
	}
	qsort(R->pend, R->npend, sizeof(*R->pend), by_time);
	for (i = 0; i < R->npend; i++) {
		format_one(R, R->batch + R->pend[i].off, R->pend[i].len);
		if (R->out.len > BATCH_BYTES && send_chunks(R, &R->out, 0))
			return -EPIPE;
	}
	if (lost > R->reported_lost) {
		char line[160];

		snprintf(line, sizeof(line),
			 "WARNING: %llu records lost (overwritten before this reader got them)\n",
			 (unsigned long long)(lost - R->reported_lost));
		grt_buf_puts(&R->msg, line);
		R->reported_lost = lost;
	}
	if (send_chunks(R, &R->out, 0) || send_chunks(R, &R->msg, 1))
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
	struct hub_host *h = R->o.host;
	uint64_t gen = 0;
	int c, i;

	rcu_register_thread();
	for (c = 0; c < h->nclasses; c++)
		R->cur[c].pos = rh_store_tail(h->cls[c].store);
	R->batch = malloc(BATCH_BYTES + TH_REC_MAX);
	if (R->batch) {
		for (;;) {
			int n = round_robin(R);

			if (n < 0 || client_done(R))
				break;
			if (n == 0)
				hub_host_wait(h, &gen, 200);
			if (atomic_load(&h->stopping))
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
	for (i = 0; i < R->nrts; i++)
		grt_rt_free(R->rts[i].rt);
	close(R->o.fd);
	hub_host_put(h);
	free(R->batch);
	free(R->pend);
	grt_buf_free(&R->out);
	grt_buf_free(&R->msg);
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
