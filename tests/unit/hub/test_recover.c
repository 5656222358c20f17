// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/recover.c's marker rings: a host directory with a
 * class store and a pinned no-trap marker ring, as a hub killed with -9
 * leaves them (relayhost-module/mark_pin.c):
 *
 * - the ring's records the drain had not taken are recovered, and the one
 *   it was appending as it died (in the store and still in the ring) is
 *   taken once;
 * - a pin whose header no longer has the shape its description says, or a
 *   pin that is gone, is not read: the report says its records are lost,
 *   how many unknown;
 * - tapctl recover --delete removes the pin and its description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hub/hub.h"
#include "relayhost-module/rh.h"
#include "taphub/marker.h"

#define FMT TH_FMT_FIRST
#define GUEST 5

static char tmp[64], host[160], pin[RH_PATH_MAX];
static struct rh_store *store;
static struct rh_mark_ring *ring;
static struct th_mark_site site = {.provider = "tprov", .name = "a", .types = "l"};

static int setup(void **state)
{
	struct rh_store_opts so = {
	    .data_size = 1 << 20, .policy = RH_OVERWRITE, .host = "h1", .cls = "default"};
	struct rh_mark_ring_opts o = {.pid = getpid(), .uid = geteuid(), .gid = getegid(),
				      .nlanes = 1, .lane_size = 4096, .guest = GUEST};
	struct rh_mark_desc d;
	char path[256];

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/recover.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(host, sizeof(host), "%s/hosts", tmp);
	mkdir(host, 0700);
	snprintf(host, sizeof(host), "%s/hosts/h1", tmp);
	mkdir(host, 0700);
	snprintf(path, sizeof(path), "%s/default.store", host);
	if (rh_store_create(path, &so, &store))
		return -1;
	/* the ring a hub session made for us, pinned and described for its host */
	if (rh_mark_pin_path(host, GUEST, true, pin, sizeof(pin)))
		return -1;
	o.pin = pin;
	rh_mark_ring_path(getpid(), path, sizeof(path));
	unlink(path);
	if (rh_mark_ring_create(&o, &ring) || rh_mark_ring_enable(ring, "tprov", "a", FMT, 0))
		return -1;
	rh_mark_ring_describe(ring, &d);
	d.drop_cls = 0;
	th_mark_proc_state.next_look_ns = 0;
	return rh_mark_desc_write(host, &d);
}

static int teardown(void **state)
{
	FILE *quiet = fopen("/dev/null", "w");
	char err[256];

	(void)state;
	rh_mark_ring_close(ring);
	ring = NULL;
	rh_store_close(store);
	store = NULL;
	if (quiet) {
		hub_recover_delete(tmp, "h1", quiet, err, sizeof(err));
		fclose(quiet);
	}
	snprintf(host, sizeof(host), "%s/hosts", tmp);
	rmdir(host);
	rmdir(tmp);
	return 0;
}

static int hit(long v)
{
	struct th_mark_arg a[1] = {th_mark_arg_l(v)};

	return th_mark_hit(&site, a, 1);
}

/* the drain's part: into the store */
static int to_store(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	(void)arg;
	(void)cls;
	(void)ring_end;
	return rh_store_append(store, rec, len);
}

/* the drain's part, one record and no more: the next are still to come */
static int to_store_one(void *arg, int cls, const void *rec, size_t len, uint64_t ring_end)
{
	int r = to_store(arg, cls, rec, len, ring_end);

	return r < 0 ? r : -EAGAIN;
}

/*
 * A pinned record as the drain would have stored it: a TSC stamp
 * (clocksource tsc) converted, with a clock of our own here (recovery
 * matches the drain's copy to within a millisecond)
 */
static void as_stored(uint8_t *rec)
{
	struct th_rec *r = (struct th_rec *)rec;
	struct rh_clock c;

	if (!(r->flags & TH_RECF_TSC))
		return;
	rh_clock_init(&c, 1000000);
	r->ts = rh_clock_ns(&c, r->ts);
	r->flags &= (uint8_t)~TH_RECF_TSC;
}

/* What tapctl recover h1 reports. */
static char *recover_report(void);

/* The report says each of the three things. */
static void rep_check(const char *a, const char *b, const char *c)
{
	char *rep = recover_report();

	bool ok = strstr(rep, a) && strstr(rep, b) && strstr(rep, c);

	if (!ok)
		print_error("the report misses '%s', '%s' or '%s':\n%s", a, b, c, rep);
	free(rep);
	assert_true(ok);
}

static char *recover_report(void)
{
	struct hub_recover_opts o = {.state_dir = tmp, .name = "h1"};
	char err[256], *text = NULL;
	size_t len = 0;

	o.out = fopen("/dev/null", "w");
	o.report = open_memstream(&text, &len);
	assert_non_null(o.out);
	assert_non_null(o.report);
	assert_int_equal(hub_recover(&o, err, sizeof(err)), 0);
	fclose(o.out);
	fclose(o.report);
	return text;
}

/* the oldest record the pin holds, as the drain stores it */
static int first_rec(void *arg, const struct th_rec *rec, size_t len, bool lane_first)
{
	struct th_rec *copy = arg;

	if (lane_first && len <= 64) {
		memcpy(copy, rec, len);
		copy->cls = 0;
		copy->guest = GUEST;
	}
	return 0;
}

/* The oldest record the pin holds (as the drain stores it), and how many. */
static uint64_t pin_first(uint8_t *rec)
{
	struct rh_mark_peek got;
	const char *why;
	int fd = open(pin, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(rh_mark_peek_fd(fd, NULL, first_rec, rec, &got, &why), 0);
	close(fd);
	return got.records;
}

static void undrained_records_once(void **state)
{
	uint8_t rec[64];
	long i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(hit(i), 1);
	/* the drain took 3, one at a time: into the store, then given back */
	for (i = 0; i < 3; i++) {
		assert_int_equal(pin_first(rec), 10 - i);
		assert_int_equal(rh_mark_ring_consume(ring, to_store_one, NULL), -EAGAIN);
	}
	/* then died appending the 4th: in the store, still in the ring */
	assert_int_equal(pin_first(rec), 7);
	as_stored(rec);
	assert_int_equal(rh_store_append(store, rec, ((struct th_rec *)rec)->size), 0);

	rep_check("6 records were still in it, not drained", "1 more were in the store already",
		  "recovered 10 records");
}

static void damaged_or_gone_pin_not_read(void **state)
{
	uint64_t sizes[3] = {8192, TH_MARK_LANE_HDR + 8192, 0};
	struct th_mark_ring h;
	int fd;

	(void)state;
	assert_int_equal(hit(1), 1);
	/*
	 * The process rewrote its ring's header, a ring of another shape
	 * whole: the description, not the header, says what to read.
	 */
	fd = open(pin, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	sizes[2] = h.hdr_size + sizes[1];
	assert_int_equal(pwrite(fd, sizes, sizeof(sizes), offsetof(struct th_mark_ring, lane_size)),
			 (ssize_t)sizeof(sizes));
	close(fd);
	rep_check("marker ring of process", "its sizes are not those its session made",
		  "records it held when the hub died are lost, how many is unknown");
	unlink(pin);
	rep_check("marker ring of process", "No such file or directory",
		  "records it held when the hub died are lost, how many is unknown");
}

static void delete_removes_pin(void **state)
{
	FILE *quiet = fopen("/dev/null", "w");
	char err[256], path[256];
	struct stat st;

	(void)state;
	assert_non_null(quiet);
	rh_mark_ring_close(ring); /* its lock; the pin stays as a crash leaves it */
	ring = NULL;
	rh_store_close(store);
	store = NULL;
	/* (close unlinks the pin: put it back as the crash would have left it) */
	assert_int_equal(close(open(pin, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
	assert_int_equal(hub_recover_delete(tmp, "h1", quiet, err, sizeof(err)), 0);
	fclose(quiet);
	assert_int_equal(stat(pin, &st), -1);
	assert_int_equal(stat(host, &st), -1);
	snprintf(path, sizeof(path), "%s/mark.%d", host, GUEST);
	assert_int_equal(stat(path, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(undrained_records_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(damaged_or_gone_pin_not_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(delete_removes_pin, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
