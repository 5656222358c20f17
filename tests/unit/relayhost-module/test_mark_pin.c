// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/mark_pin.c: where a hub's host keeps its
 * marker rings for recovery, and what it writes about them.
 *
 * - a host's pin directory is made root's only, per state dir and host;
 *   one another user made (or a link) is not used;
 * - a description written is read back as it was, one per guest; a
 *   damaged one, or one for another guest's name, is skipped;
 * - removing a host's pins takes the pins, the descriptions and the
 *   directory, and nothing else of the host's directory.
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

#include "relayhost-module/rh.h"

static char tmp[64], host[128];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/markpin.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(host, sizeof(host), "%s/hosts", tmp);
	mkdir(host, 0700);
	snprintf(host, sizeof(host), "%s/hosts/h1", tmp);
	return mkdir(host, 0700);
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	rh_mark_pins_remove(host);
	snprintf(path, sizeof(path), "%s/keep", host);
	unlink(path);
	rmdir(host);
	snprintf(path, sizeof(path), "%s/hosts", tmp);
	rmdir(path);
	rmdir(tmp);
	return 0;
}

static void pin_dir_is_roots_only(void **state)
{
	char dir[RH_PATH_MAX], pin[RH_PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(rh_mark_pin_dir(host, false, dir, sizeof(dir)), -ENOENT);
	assert_int_equal(rh_mark_pin_dir(host, true, dir, sizeof(dir)), 0);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	assert_non_null(strstr(dir, "/h1"));
	assert_int_equal(rh_mark_pin_path(host, 42, false, pin, sizeof(pin)), 0);
	assert_int_equal(strncmp(pin, dir, strlen(dir)), 0);
	assert_string_equal(pin + strlen(dir), "/mark.42");
	/* someone else's directory (made before ours, or given away): not used */
	assert_int_equal(chown(dir, 12345, 12345), 0);
	assert_int_equal(rh_mark_pin_dir(host, true, pin, sizeof(pin)), -EPERM);
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(rh_mark_pin_dir(host, true, pin, sizeof(pin)), -EPERM);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(rh_mark_pin_dir(host, true, pin, sizeof(pin)), 0);
}

struct seen {
	int n;
	struct rh_mark_desc d;
	char pin[RH_PATH_MAX];
};

static int on_desc(void *arg, const struct rh_mark_desc *d, const char *pin)
{
	struct seen *s = arg;

	s->n++;
	s->d = *d;
	snprintf(s->pin, sizeof(s->pin), "%s", pin);
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", host, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void description_round_trip(void **state)
{
	struct rh_mark_desc d = {.pid = 1234, .guest = 3, .drop_cls = 1, .nmarks = 2};
	char pin[RH_PATH_MAX];
	struct seen s = {0};

	(void)state;
	d.geom.hdr_size = 12288;
	d.geom.nlanes = 2;
	d.geom.lane_size = 65536;
	d.fmt[0] = 17;
	d.cls[0] = 1;
	d.fmt[1] = 18;
	d.cls[1] = 2;
	assert_int_equal(rh_mark_pin_path(host, 3, true, pin, sizeof(pin)), 0);
	assert_int_equal(rh_mark_desc_write(host, &d), 0);
	/* damaged, or under another guest's name: skipped */
	write_file("mark.4", "taphub-mark-desc 1\npid 1\nguest 4\ngeom 12288 1 4096\nfmt 17 99\n");
	write_file("mark.5", "taphub-mark-desc 1\npid 1\nguest 6\ngeom 12288 1 4096\ndrops 0\n");
	write_file("mark.x", "not ours");
	write_file("keep", "the host's own file");
	assert_int_equal(rh_mark_desc_each(host, on_desc, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.d.pid, 1234);
	assert_int_equal(s.d.guest, 3);
	assert_int_equal(s.d.geom.hdr_size, 12288);
	assert_int_equal(s.d.geom.nlanes, 2);
	assert_int_equal(s.d.geom.lane_size, 65536);
	assert_int_equal(s.d.drop_cls, 1);
	assert_int_equal(s.d.nmarks, 2);
	assert_int_equal(s.d.fmt[1], 18);
	assert_int_equal(s.d.cls[1], 2);
	assert_string_equal(s.pin, pin);
	rh_mark_desc_remove(host, 3);
	s.n = 0;
	assert_int_equal(rh_mark_desc_each(host, on_desc, &s), 0);
	assert_int_equal(s.n, 0);
}

static void pins_removed_with_their_host(void **state)
{
	struct rh_mark_desc d = {.pid = 1, .guest = 9, .nmarks = 0};
	char pin[RH_PATH_MAX], dir[RH_PATH_MAX], path[256];
	struct stat st;
	int fd;

	(void)state;
	d.geom.hdr_size = 12288;
	d.geom.nlanes = 1;
	d.geom.lane_size = 4096;
	assert_int_equal(rh_mark_pin_path(host, 9, true, pin, sizeof(pin)), 0);
	fd = open(pin, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rh_mark_desc_write(host, &d), 0);
	write_file("keep", "the host's own file");
	assert_int_equal(rh_mark_pin_dir(host, false, dir, sizeof(dir)), 0);
	rh_mark_pins_remove(host);
	assert_int_equal(stat(pin, &st), -1);
	assert_int_equal(stat(dir, &st), -1);
	snprintf(path, sizeof(path), "%s/mark.9", host);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/keep", host);
	assert_int_equal(stat(path, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pin_dir_is_roots_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(description_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(pins_removed_with_their_host, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
