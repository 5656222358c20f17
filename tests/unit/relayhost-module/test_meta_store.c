// SPDX-License-Identifier: MIT
/*
 * Unit tests for relayhost-module/meta_store.c and the read-only paths of
 * class_store.c that recovery uses (views over memory, in-place walks).
 *
 * Tables written by a child killed with SIGKILL read back whole; a view
 * over a copy of the file's bytes (as a core dump holds them) reads the
 * same; an entry whose length runs past what was published, a bad magic
 * and a newer version are refused; a full file says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "relayhost-module/rh.h"
#include "taphub/record.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/th-metas-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/guests.metas", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct seen {
	uint32_t ids[16];
	char texts[16][64];
	int n;
};

static int collect(void *arg, uint32_t guest, const char *text, size_t len)
{
	struct seen *s = arg;

	if (s->n == 16)
		return -E2BIG;
	s->ids[s->n] = guest;
	snprintf(s->texts[s->n], sizeof(s->texts[0]), "%.*s", (int)len, text);
	s->n++;
	return 0;
}

static void *read_all(const char *p, size_t *len)
{
	struct stat st;
	void *buf;
	int fd = open(p, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void tables_survive_sigkill(void **state)
{
	struct rh_metas *m;
	struct seen s = { 0 };
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (rh_metas_create(path, 4096, "host1", &m) || rh_metas_add(m, 1, "one", 3) ||
		    rh_metas_add(m, 7, "seven!", 6))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(rh_metas_open(path, &m), 0);
	assert_string_equal(rh_metas_host(m), "host1");
	assert_int_equal(rh_metas_each(m, collect, &s), 2);
	assert_int_equal(s.ids[0], 1);
	assert_string_equal(s.texts[0], "one");
	assert_int_equal(s.ids[1], 7);
	assert_string_equal(s.texts[1], "seven!");
	/* what recovery opened is read-only */
	assert_int_equal(rh_metas_add(m, 9, "x", 1), -EROFS);
	rh_metas_close(m);
	/* never replaced: a crash's tables are kept */
	assert_int_equal(rh_metas_create(path, 4096, "host1", &m), -EEXIST);
}

static void view_of_copied_bytes(void **state)
{
	struct rh_metas *m;
	struct seen s = { 0 };
	size_t len;
	void *bytes;

	(void)state;
	assert_int_equal(rh_metas_create(path, 8192, "h", &m), 0);
	assert_int_equal(rh_metas_add(m, 3, "three", 5), 0);
	rh_metas_close(m);
	bytes = read_all(path, &len);
	assert_int_equal(rh_metas_view(bytes, len, &m), 0);
	assert_int_equal(rh_metas_each(m, collect, &s), 1);
	assert_string_equal(s.texts[0], "three");
	rh_metas_close(m);
	/* a segment cut short before the published end is refused */
	assert_int_equal(rh_metas_view(bytes, 140, &m), -EBADMSG);
	free(bytes);
}

static void damage_is_refused(void **state)
{
	struct rh_metas *m;
	struct seen s = { 0 };
	size_t len;
	uint8_t *bytes;
	uint32_t big = 100000;

	(void)state;
	assert_int_equal(rh_metas_create(path, 4096, "h", &m), 0);
	assert_int_equal(rh_metas_add(m, 1, "abc", 3), 0);
	rh_metas_close(m);
	bytes = read_all(path, &len);
	/* an entry claiming more bytes than were published */
	memcpy(bytes + 128 + 4, &big, 4);
	assert_int_equal(rh_metas_view(bytes, len, &m), 0);
	assert_int_equal(rh_metas_each(m, collect, &s), -EBADMSG);
	rh_metas_close(m);
	/* a newer version, a bad magic */
	bytes[8] = 2;
	assert_int_equal(rh_metas_view(bytes, len, &m), -EPROTONOSUPPORT);
	bytes[0] ^= 0xff;
	assert_int_equal(rh_metas_view(bytes, len, &m), -EBADMSG);
	free(bytes);
}

static void full_says_so(void **state)
{
	struct rh_metas *m;
	char text[1000];

	(void)state;
	memset(text, 'x', sizeof(text));
	assert_int_equal(rh_metas_create(path, 4096, "h", &m), 0);
	assert_int_equal(rh_metas_add(m, 1, text, sizeof(text)), 0);
	assert_int_equal(rh_metas_add(m, 2, text, sizeof(text)), 0);
	assert_int_equal(rh_metas_add(m, 3, text, sizeof(text)), 0);
	assert_int_equal(rh_metas_add(m, 4, text, sizeof(text)), 0);
	assert_int_equal(rh_metas_add(m, 5, text, sizeof(text)), -ENOSPC);
	rh_metas_close(m);
}

/* A store copied into memory walks in place like the file. */
static void store_view_walks(void **state)
{
	struct rh_store_opts o = { .data_size = 4096, .policy = RH_OVERWRITE, .host = "h",
				   .cls = "c" };
	struct { struct th_rec h; uint64_t n; } rec;
	const struct th_rec *r;
	struct rh_store *s;
	char spath[128];
	uint64_t pos, want = 1;
	size_t len;
	void *bytes;
	bool bad;
	int i;

	(void)state;
	snprintf(spath, sizeof(spath), "%s/c.store", dir);
	assert_int_equal(rh_store_create(spath, &o, &s), 0);
	for (i = 1; i <= 300; i++) { /* 300 x 40 bytes: the ring wraps */
		memset(&rec, 0, sizeof(rec));
		rec.h.size = sizeof(rec);
		rec.h.fmt = TH_FMT_FIRST;
		rec.n = (uint64_t)i;
		assert_int_equal(rh_store_append(s, &rec, sizeof(rec)), 0);
	}
	rh_store_close(s);
	bytes = read_all(spath, &len);
	assert_true(rh_store_is(bytes, len));
	assert_int_equal(rh_store_view(bytes, len, &s), 0);
	pos = rh_store_tail(s);
	while ((r = rh_store_next(s, &pos, &bad))) {
		uint64_t n;

		memcpy(&n, (const char *)r + sizeof(*r), 8);
		if (want == 1)
			want = n; /* the oldest kept */
		assert_int_equal(n, want);
		want++;
	}
	assert_false(bad);
	assert_int_equal(want, 301);
	rh_store_close(s);
	free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tables_survive_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(view_of_copied_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(damage_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(full_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(store_view_walks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
