// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/host.c, the relay host behind rh.h,
 * with real BPF rings (root only: skipped otherwise).  Records are
 * written into the host's rings by ring_writer.h's program, through the
 * fd a guest's loader gets (rh_host_ring_fd), as a probe writes them.
 *
 * - A host with a drain thread: each record lands in its own class's
 *   store, nowhere else, and a guest's exit() record flags the guest in
 *   the registry and tells the owner (notify_fd).
 * - The registry: a guest's classes are routed to the host's (the default
 *   one to the class asked for); the loader gets the routed rings; a class
 *   the host lacks or a failing loader registers nothing.
 * - Injected records (runner output) reach the store; kernel drops are
 *   summed per class.
 * - Kept and discarded: a host put without rh_host_discard leaves its
 *   directory, closed clean, which rh_host_open_recovered reads back with
 *   its guests' tables; a discarded one leaves nothing.
 * - A host without stores whose caller drains: records go to its
 *   callback, in ring order, and no directory is made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <urcu.h>

#include "relayhost-module/rh.h"
#include "ring_writer.h"
#include "taphub/record.h"

static char state[64], dir[128];
static int progs[TH_MAX_CLASSES];
static int nprogs;

static const char meta2[] = "taphub-guest 1\nbpf 1\nclasses 2 default rare\nend\n";

static int setup(void **st)
{
	snprintf(state, sizeof(state), "/tmp/th-host-%d", getpid());
	snprintf(dir, sizeof(dir), "%s/hosts/h", state);
	mkdir(state, 0700);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	int i;

	for (i = 0; i < nprogs; i++)
		close(progs[i]);
	nprogs = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct rh_class_spec classes[2] = {
	{ .name = "bulk", .size = 1 << 20, .policy = RH_OVERWRITE },
	{ .name = "rare", .size = 1 << 20, .policy = RH_DISCARD },
};

/* A host "h" of two classes in the state dir; skips the test without BPF. */
static struct rh_host *new_host(int notify_fd)
{
	struct rh_host_opts o = {
		.name = "h",
		.state_dir = state,
		.classes = classes,
		.nclasses = 2,
		.notify_fd = notify_fd,
	};
	struct rh_host *h = NULL;
	char err[256];
	int r = rh_host_create(&o, &h, err, sizeof(err));

	if (r == -EPERM || (r && geteuid()))
		skip();
	if (r)
		fail_msg("rh_host_create: %s", err);
	return h;
}

/* A writer program for class cls of h. */
static int writer(struct rh_host *h, int cls)
{
	int p = load_writer(rh_host_ring_fd(h, cls), 40);

	assert_true(p > 0);
	progs[nprogs++] = p;
	return p;
}

struct seen {
	uint64_t n[64];
	int cls[64];
	size_t count;
};

static int note_store(void *arg, const void *rec, size_t len)
{
	struct seen *s = arg;
	const struct th_rec *r = rec;
	uint64_t n;

	assert_true(s->count < 64);
	memcpy(&n, (const uint8_t *)rec + sizeof(*r), sizeof(n));
	s->cls[s->count] = r->cls;
	s->n[s->count++] = r->fmt == TH_FMT_TEXT ? 0 : n;
	return 0;
}

/* What the store of class cls holds. */
static void read_store(struct rh_host *h, int cls, struct seen *s)
{
	uint8_t buf[TH_REC_MAX];
	struct rh_cursor c;

	memset(s, 0, sizeof(*s));
	rh_cursor_init(rh_host_store(h, cls), &c);
	while (rh_store_read(rh_host_store(h, cls), &c, buf, sizeof(buf), note_store, s) > 0)
		;
}

static void records_land_in_their_class(void **st)
{
	struct rh_host *h = new_host(-1);
	int bulk = writer(h, 0), rare = writer(h, 1);
	struct seen s;
	uint32_t i;

	for (i = 1; i <= 10; i++)
		assert_int_equal(write_record(i % 3 ? bulk : rare, i, false, TH_FMT_FIRST, 0), 0);
	assert_int_equal(write_record(bulk, 11, true, TH_FMT_FIRST, 0), 0); /* discarded */
	rh_host_sync(h);
	read_store(h, 0, &s);
	assert_int_equal(s.count, 7);
	for (i = 0; i < s.count; i++)
		assert_true(s.n[i] % 3);
	read_store(h, 1, &s);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.n[0], 3);
	assert_int_equal(s.n[2], 9);
	assert_string_equal(rh_host_name(h), "h");
	assert_string_equal(rh_host_dir(h), dir);
	assert_int_equal(rh_host_nclasses(h), 2);
	assert_string_equal(rh_host_class_spec(h, 1)->name, "rare");
	assert_int_equal(rh_host_class(h, "rare"), 1);
	assert_int_equal(rh_host_class(h, "none"), -1);
	rh_host_put(h);
}

/* ---- the registry ---------------------------------------------------------------------- */

struct load {
	int calls, fail;
	uint32_t id;
	int ring_fds[2];
	bool unloaded;
};

static int load(void *arg, const struct rh_guest_load *l, char *err, size_t errlen)
{
	struct load *ld = arg;

	ld->calls++;
	if (ld->fail) {
		snprintf(err, errlen, "refused");
		return -EPERM;
	}
	ld->id = l->id;
	ld->ring_fds[0] = l->ring_fds[0];
	ld->ring_fds[1] = l->ring_fds[1];
	return 0;
}

static void unload(void *arg)
{
	((struct load *)arg)->unloaded = true;
}

static void guests_are_routed(void **st)
{
	struct rh_host *h = new_host(-1);
	struct load ld = { 0 };
	struct rh_guest_opts o = {
		.meta_text = meta2,
		.meta_len = strlen(meta2),
		.cls = "rare",
		.load = load,
		.unload = unload,
		.arg = &ld,
	};
	const struct rh_guest *g;
	uint32_t id = 0;
	char err[256];

	rcu_register_thread();
	/* its default class into "rare"; its class "rare" is the host's "rare" */
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), 0);
	assert_int_equal(ld.calls, 1);
	assert_int_equal(ld.id, id);
	assert_int_equal(ld.ring_fds[0], rh_host_ring_fd(h, 1));
	assert_int_equal(ld.ring_fds[1], rh_host_ring_fd(h, 1));
	g = rh_host_guest(h, id);
	assert_non_null(g);
	assert_int_equal(g->cls_map[0], 1);
	assert_int_equal(g->cls_map[1], 1);
	assert_int_equal(g->cls_map[2], -1);
	assert_int_equal(g->meta_len, strlen(meta2));
	/* without a class asked for: default to the first, "rare" by name */
	o.cls = NULL;
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), 0);
	assert_int_equal(ld.ring_fds[0], rh_host_ring_fd(h, 0));
	assert_int_equal(rh_host_guest(h, id)->cls_map[0], 0);
	/* a class the host lacks: refused before the loader */
	o.cls = "nosuch";
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "host 'h' has no class 'nosuch'");
	assert_int_equal(ld.calls, 2);
	/* a loader that fails: nothing registered */
	o.cls = NULL;
	ld.fail = 1;
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), -EPERM);
	assert_null(rh_host_guest(h, ld.id + 1));
	assert_false(ld.unloaded);
	/* kernel drops, per host class, of one guest or all */
	rh_host_set_kernel_drops(h, 1, 0, 5);
	rh_host_set_kernel_drops(h, 2, 0, 7);
	assert_int_equal(rh_host_kdropped(h, 1, 0), 5);
	assert_int_equal(rh_host_kdropped(h, 0, 0), 7);
	assert_int_equal(rh_host_kdropped(h, 0, 1), 0);
	rh_host_remove_guest(h, 1);
	assert_true(atomic_load(&rh_host_guest(h, 1)->gone));
	rh_host_put(h);
	rcu_unregister_thread();
}

static void exit_flags_the_guest(void **st)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct rh_host *h = new_host(efd);
	struct rh_guest_opts o = { .meta_text = meta2, .meta_len = strlen(meta2) };
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint32_t id;
	char err[256];
	int w;

	rcu_register_thread();
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), 0);
	w = writer(h, 0);
	assert_false(atomic_load(&rh_host_guest(h, id)->exit_req));
	assert_int_equal(write_record(w, 1, false, TH_FMT_EXIT, id), 0);
	assert_int_equal(write_record(w, 2, false, TH_FMT_ERROR, id), 0);
	rh_host_sync(h);
	assert_true(atomic_load(&rh_host_guest(h, id)->exit_req));
	assert_int_equal(atomic_load(&rh_host_guest(h, id)->errors), 1);
	assert_int_equal(poll(&p, 1, 0), 1);
	rh_host_put(h);
	close(efd);
	rcu_unregister_thread();
}

/* ---- injected records, kept and discarded hosts ------------------------------------------ */

static void kept_and_read_back(void **st)
{
	struct rh_host *h = new_host(-1), *r;
	struct rh_guest_opts o = { .meta_text = meta2, .meta_len = strlen(meta2) };
	struct rh_store_stats sst;
	char err[256], path[256];
	struct seen s;
	uint32_t id;

	rcu_register_thread();
	assert_int_equal(rh_host_add_guest(h, &o, &id, err, sizeof(err)), 0);
	assert_int_equal(write_record(writer(h, 1), 1, false, TH_FMT_FIRST, id), 0);
	assert_int_equal(rh_host_inject(h, 1, id, "hello\n", 6), 0);
	rh_host_sync(h);
	read_store(h, 1, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.n[0], 1);
	assert_int_equal(s.n[1], 0); /* the text */
	assert_int_equal(rh_host_mark_ended(h, "ended by a test"), 0);
	/* another process may not take the directory while the host uses it */
	assert_int_equal(rh_host_dir_lock(dir, false), -EBUSY);
	rh_host_put(h);
	/* kept, closed clean, with its table and marker */
	snprintf(path, sizeof(path), "%s/" RH_HOST_ENDED_FILE, dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(rh_host_open_recovered(dir, "h_recovered", &r, err, sizeof(err)), 0);
	assert_true(rh_host_is_recovered(r));
	assert_int_equal(rh_host_nclasses(r), 2);
	rh_store_stats(rh_host_store(r, rh_host_class(r, "rare")), &sst);
	assert_true(sst.clean);
	assert_int_equal(sst.written, 2);
	assert_non_null(rh_host_guest(r, id));
	assert_true(atomic_load(&rh_host_guest(r, id)->gone));
	/* read by this hub: a delete must wait */
	assert_int_equal(rh_host_dir_lock(dir, false), -EBUSY);
	rh_host_discard(r);
	rh_host_put(r);
	assert_int_equal(access(dir, F_OK), -1);
	rcu_unregister_thread();
}

static void discarded_leaves_nothing(void **st)
{
	struct rh_host *h = new_host(-1);

	assert_int_equal(write_record(writer(h, 0), 1, false, TH_FMT_FIRST, 0), 0);
	rh_host_discard(h);
	rh_host_put(h);
	assert_int_equal(access(dir, F_OK), -1);
}

/* ---- a host without stores, drained by its caller ----------------------------------------- */

static int note_ring(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	struct seen *s = arg;

	note_store(s, rec, len);
	s->cls[s->count - 1] = cls; /* the ring's class, not the header's */
	return 0;
}

static void caller_drains_without_stores(void **st)
{
	struct rh_class_spec cs[2] = { { .name = "default", .ring_size = 8192 },
				       { .name = "net", .ring_size = 8192 } };
	struct seen s = { 0 };
	struct rh_host_opts o = {
		.name = "tap",
		.on_record = note_ring,
		.arg = &s,
		.classes = cs,
		.nclasses = 2,
		.caller_drains = true,
		.notify_fd = -1,
	};
	struct pollfd p = { .events = POLLIN };
	struct rh_host *h;
	char err[256];
	int w0, w1, r;

	r = rh_host_create(&o, &h, err, sizeof(err));
	if (r == -EPERM || (r && geteuid()))
		skip();
	assert_int_equal(r, 0);
	assert_string_equal(rh_host_dir(h), "");
	assert_null(rh_host_store(h, 0));
	w0 = writer(h, 0);
	w1 = writer(h, 1);
	assert_int_equal(rh_host_drain(h), 0);
	assert_int_equal(write_record(w1, 1, false, TH_FMT_FIRST, 0), 0);
	assert_int_equal(write_record(w0, 2, false, TH_FMT_FIRST, 0), 0);
	assert_int_equal(write_record(w0, 3, false, TH_FMT_FIRST, 0), 0);
	/* the writer commits with a wakeup: the caller's wait fd polls readable */
	p.fd = rh_host_wait_fd(h);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(rh_host_drain(h), 3);
	assert_int_equal(s.count, 3);
	/* class by class, each in ring order */
	assert_int_equal(s.cls[0], 0);
	assert_int_equal(s.n[0], 2);
	assert_int_equal(s.n[1], 3);
	assert_int_equal(s.cls[2], 1);
	assert_int_equal(s.n[2], 1);
	assert_int_equal(rh_host_drain(h), 0);
	rh_host_put(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(records_land_in_their_class, setup, teardown),
		cmocka_unit_test_setup_teardown(guests_are_routed, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_flags_the_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(kept_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(discarded_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(caller_drains_without_stores, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
