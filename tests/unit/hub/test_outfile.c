// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/outfile.c: names (strftime, absolute), size rotation
 * that never splits a record, COUNT keeping the newest files, switching
 * that creates a file only when output follows, and a full disk: a real
 * tiny tmpfs (as root) fills up, the error is said once, records are
 * counted lost, and writing resumes when space returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "hub/hub.h"

static char dir[64];
static int nerrors;
static char lasterr[512];

static void on_error(void *arg, const char *msg)
{
	(void)arg;
	nerrors++;
	snprintf(lasterr, sizeof(lasterr), "%s", msg);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/th-out-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return chdir(dir);
}

static int teardown(void **state)
{
	char cmd[128];

	if (chdir("/"))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static off_t size_of(const char *name)
{
	struct stat st;

	return stat(name, &st) ? -1 : st.st_size;
}

static int count_files(const char *prefix)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static void names_are_strftime_and_absolute(void **state)
{
	char name[PATH_MAX], want[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;

	assert_int_equal(hub_outfile_name("plain.log", name, sizeof(name)), 0);
	snprintf(want, sizeof(want), "%s/plain.log", dir);
	assert_string_equal(name, want);
	localtime_r(&now, &tm);
	assert_int_equal(hub_outfile_name("io-%Y.log", name, sizeof(name)), 0);
	snprintf(want, sizeof(want), "%s/io-%d.log", dir, tm.tm_year + 1900);
	assert_string_equal(name, want);
	assert_int_equal(hub_outfile_name("/abs/x", name, sizeof(name)), 0);
	assert_string_equal(name, "/abs/x");
}

static void rotation_never_splits_a_record(void **state)
{
	struct hub_outfile_opts o = { .pattern = "rot", .size_limit = 100 };
	struct hub_outfile *f;
	char err[256], rec[40];
	int i;

	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), 0);
	memset(rec, 'r', sizeof(rec) - 1);
	rec[sizeof(rec) - 1] = '\n';
	/* 40-byte records, 100-byte files: two per file, never 2.5 */
	for (i = 0; i < 10; i++)
		assert_int_equal(hub_outfile_write(f, rec, sizeof(rec)), 0);
	hub_outfile_close(f);
	assert_int_equal(count_files("rot."), 5);
	for (i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rot.%d", i);
		assert_int_equal(size_of(name), 80);
	}
	assert_int_equal(count_files("rot"), 5); /* no unnumbered "rot" */
}

static void count_keeps_the_newest(void **state)
{
	struct hub_outfile_opts o = { .pattern = "keep", .size_limit = 10, .count = 3 };
	struct hub_outfile *f;
	char err[256], rec[32];
	int i;

	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), 0);
	for (i = 0; i < 8; i++) {
		snprintf(rec, sizeof(rec), "record %d\n", i);
		assert_int_equal(hub_outfile_write(f, rec, strlen(rec)), 0);
	}
	hub_outfile_close(f);
	assert_int_equal(count_files("keep."), 3);
	assert_int_equal(size_of("keep.5"), 9);
	assert_int_equal(size_of("keep.7"), 9);
	assert_int_equal(size_of("keep.4"), -1);
}

static void switching(void **state)
{
	struct hub_outfile_opts o = { .pattern = "sw.log" };
	struct hub_outfile *f;
	char err[256];

	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), 0);
	assert_int_equal(hub_outfile_write(f, "one\n", 4), 0);
	hub_outfile_switch(f);
	hub_outfile_switch(f); /* twice with nothing between: one switch */
	assert_int_equal(count_files("sw.log"), 1); /* not created before output */
	assert_int_equal(hub_outfile_write(f, "two\n", 4), 0);
	hub_outfile_switch(f);
	assert_int_equal(hub_outfile_write(f, "three\n", 6), 0);
	hub_outfile_close(f);
	assert_int_equal(size_of("sw.log"), 4);
	assert_int_equal(size_of("sw.log.1"), 4);
	assert_int_equal(size_of("sw.log.2"), 6);
	assert_int_equal(count_files("sw.log"), 3);
}

static void unwritable_dir_is_an_error_at_open(void **state)
{
	struct hub_outfile_opts o = { .pattern = "/nonexistent-dir/x.log" };
	struct hub_outfile *f;
	char err[256];

	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
	o.pattern = "c";
	o.count = 2;
	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), -EINVAL);
}

static void disk_full_counts_and_resumes(void **state)
{
	struct hub_outfile_opts o = { .pattern = "full/out.log", .error = on_error };
	struct hub_outfile *f;
	char err[256], rec[1000];
	int i, lost = 0, ok = 0;

	if (getuid() != 0 || mkdir("full", 0700) ||
	    mount("tmpfs", "full", "tmpfs", 0, "size=64k")) {
		skip();
		return;
	}
	nerrors = 0;
	memset(rec, 'x', sizeof(rec));
	assert_int_equal(hub_outfile_open(&o, &f, err, sizeof(err)), 0);
	/* writes are buffered: failures show at the flushes, in whole buffers */
	for (i = 0; i < 200; i++)
		hub_outfile_write(f, rec, sizeof(rec));
	hub_outfile_flush(f);
	/* the file holds only whole records, and every other one is counted */
	assert_int_equal(size_of("full/out.log") % (off_t)sizeof(rec), 0);
	ok = (int)(size_of("full/out.log") / (off_t)sizeof(rec));
	lost = 200 - ok;
	assert_true(ok > 0 && ok < 200);
	assert_int_equal(hub_outfile_lost(f), lost);
	assert_int_equal(nerrors, 1); /* said once, not for every buffer */
	assert_non_null(strstr(lasterr, "No space left"));
	/* space returns: writing goes on by itself */
	assert_int_equal(truncate("full/out.log", 0), 0);
	assert_int_equal(hub_outfile_write(f, rec, sizeof(rec)), 0);
	assert_int_equal(hub_outfile_flush(f), 0);
	assert_int_equal(size_of("full/out.log"), (off_t)sizeof(rec));
	assert_int_equal(nerrors, 2); /* "writing again" */
	hub_outfile_close(f);
	umount("full");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_strftime_and_absolute),
		cmocka_unit_test(rotation_never_splits_a_record),
		cmocka_unit_test(count_keeps_the_newest),
		cmocka_unit_test(switching),
		cmocka_unit_test(unwritable_dir_is_an_error_at_open),
		cmocka_unit_test(disk_full_counts_and_resumes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
