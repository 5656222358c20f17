// SPDX-License-Identifier: MIT
/*
 * Unit tests for compiler/cache.c.
 *
 * Every test gets its own mkdtemp() directory under $TMPDIR (or /tmp) and
 * removes it afterwards.  An entry is three files with recognisable
 * contents (one large enough to take several writes), so "complete" can be
 * checked byte for byte.  The race tests fork real processes, as
 * concurrent tap runs would be, release them together through a pipe and
 * collect their verdicts as exit statuses; children never touch cmocka.
 * Ageing is simulated by setting mtimes with utimensat().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compiler/compiler.h"

struct fixture {
	char root[64];
	char dir[96]; /* root/cache */
};

/* clang-format off */
static const struct {
	const char *name;
	size_t size;
} entry_files[] = {
	{ "guest.bpf.o", 300 * 1024 },
	{ "user.so", 4096 },
	{ "meta", 17 },
};
/* clang-format on */

#define ENTRY_BYTES (300 * 1024 + 4096 + 17)

static unsigned char file_byte(const char *name, size_t i)
{
	return (unsigned char)(name[0] + i * 31 + (i >> 9));
}

static int write_file(const char *dir, const char *name, size_t size)
{
	unsigned char buf[4096];
	char path[512];
	size_t off, n, i;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* In small writes, so a reader could catch a partial file. */
	for (off = 0; off < size; off += n) {
		n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = file_byte(name, off + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			ret = -EIO;
			break;
		}
	}
	close(fd);
	return ret;
}

static int fill_entry(const char *dir)
{
	size_t i;
	int ret;

	for (i = 0; i < sizeof(entry_files) / sizeof(entry_files[0]); i++) {
		ret = write_file(dir, entry_files[i].name, entry_files[i].size);
		if (ret)
			return ret;
	}
	return 0;
}

/* True when dir holds exactly the entry files with their full contents. */
static bool entry_complete(const char *dir)
{
	unsigned char buf[4096];
	char path[512];
	size_t i, off, j;
	struct stat st;
	ssize_t n;
	int fd, nfiles = 0;
	struct dirent *de;
	DIR *d;

	for (i = 0; i < sizeof(entry_files) / sizeof(entry_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, entry_files[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		if (fstat(fd, &st) < 0 || (size_t)st.st_size != entry_files[i].size) {
			close(fd);
			return false;
		}
		for (off = 0; (n = read(fd, buf, sizeof(buf))) > 0; off += n)
			for (j = 0; j < (size_t)n; j++)
				if (buf[j] != file_byte(entry_files[i].name, off + j)) {
					close(fd);
					return false;
				}
		close(fd);
		if (n < 0 || off != entry_files[i].size)
			return false;
	}
	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			nfiles++;
	closedir(d);
	return nfiles == (int)(sizeof(entry_files) / sizeof(entry_files[0]));
}

static void make_key(int n, char key[65])
{
	struct cc_sha256 s;
	uint8_t d[32];
	char msg[32];

	snprintf(msg, sizeof(msg), "key-%d", n);
	cc_sha256_init(&s);
	cc_sha256_update(&s, msg, strlen(msg));
	cc_sha256_final(&s, d);
	cc_sha256_hex(d, key);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void set_age(const char *path, time_t age)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

static int count_dir(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Stage, fill and commit the entry for key n; returns the entry path. */
static char *add_entry(struct cc_cache *c, int n)
{
	char key[65], *tmp, *dir;

	make_key(n, key);
	assert_int_equal(cc_cache_stage(c, &tmp), 0);
	assert_int_equal(fill_entry(tmp), 0);
	assert_int_equal(cc_cache_commit(c, key, tmp, &dir), 0);
	free(tmp);
	return dir;
}

static int rm_fn(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/taphub-cache.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/cache", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void test_miss_commit_hit(void **state)
{
	struct fixture *f = *state;
	char key[65], want[256], *tmp, *dir, *hit;
	struct cc_cache *c;
	struct stat st;

	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_string_equal(cc_cache_dir(c), f->dir);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	make_key(1, key);
	hit = (char *)0x1;
	assert_int_equal(cc_cache_lookup(c, key, &hit), -ENOENT);
	assert_ptr_equal(hit, (char *)0x1); /* untouched on failure */

	assert_int_equal(cc_cache_stage(c, &tmp), 0);
	assert_int_equal(stat(tmp, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(fill_entry(tmp), 0);
	assert_int_equal(cc_cache_commit(c, key, tmp, &dir), 0);
	assert_false(exists(tmp));

	snprintf(want, sizeof(want), "%s/%.2s/%s", f->dir, key, key);
	assert_string_equal(dir, want);
	assert_true(entry_complete(dir));
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	*strrchr(want, '/') = '\0';
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(cc_cache_lookup(c, key, &hit), 0);
	assert_string_equal(hit, dir);
	assert_true(entry_complete(hit));

	/* A second handle (another process, in effect) sees it too. */
	free(hit);
	cc_cache_close(c);
	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_int_equal(cc_cache_lookup(c, key, &hit), 0);
	assert_string_equal(hit, dir);

	free(hit);
	free(dir);
	free(tmp);
	cc_cache_close(c);
}

#define RACERS 8
#define READERS 3

/* A committer: build the entry, wait for the start signal, publish. */
static int racer(const char *cachedir, const char *key, int go)
{
	struct cc_cache *c;
	char *tmp, *dir, b;
	int ok;

	if (cc_cache_open(cachedir, 0, &c))
		return 2;
	if (cc_cache_stage(c, &tmp) || fill_entry(tmp))
		return 3;
	if (read(go, &b, 1) != 0)
		return 4;
	if (cc_cache_commit(c, key, tmp, &dir))
		return 5;
	ok = entry_complete(dir) && !exists(tmp);
	free(dir);
	free(tmp);
	cc_cache_close(c);
	return ok ? 0 : 6;
}

/* A reader: look up until a hit; every hit must be complete. */
static int reader(const char *cachedir, const char *key, int go)
{
	struct timespec t0, t;
	struct cc_cache *c;
	char *dir, b;
	int ret;

	if (cc_cache_open(cachedir, 0, &c))
		return 2;
	if (read(go, &b, 1) != 0)
		return 4;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = cc_cache_lookup(c, key, &dir);
		if (ret == 0)
			break;
		if (ret != -ENOENT)
			return 5;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 30)
			return 7;
	}
	ret = entry_complete(dir) ? 0 : 6;
	free(dir);
	cc_cache_close(c);
	return ret;
}

static void test_double_commit_race(void **state)
{
	struct fixture *f = *state;
	pid_t pids[RACERS + READERS];
	char key[65], *dir;
	struct cc_cache *c;
	int go[2], i, status[RACERS + READERS];
	char tmpdir[128];

	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	make_key(42, key);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	for (i = 0; i < RACERS + READERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			_exit(i < RACERS ? racer(f->dir, key, go[0]) : reader(f->dir, key, go[0]));
		}
	}
	close(go[0]);
	close(go[1]); /* everyone reads EOF: go */
	/* Reap them all before judging, so none outlives the fixture. */
	for (i = 0; i < RACERS + READERS; i++)
		assert_int_equal(waitpid(pids[i], &status[i], 0), pids[i]);
	for (i = 0; i < RACERS + READERS; i++) {
		assert_true(WIFEXITED(status[i]));
		assert_int_equal(WEXITSTATUS(status[i]), 0);
	}

	assert_int_equal(cc_cache_lookup(c, key, &dir), 0);
	assert_true(entry_complete(dir));
	/* Every loser removed its staging dir; only trash-free tmp/ remains. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", f->dir);
	assert_int_equal(count_dir(tmpdir), 0);
	free(dir);
	cc_cache_close(c);
}

#define NENTRIES 5

static void test_trim_lru(void **state)
{
	struct fixture *f = *state;
	char *dirs[NENTRIES], key[65], *hit;
	struct cc_cache *c;
	int i;

	/* Room for three entries. */
	assert_int_equal(cc_cache_open(f->dir, 3 * ENTRY_BYTES, &c), 0);
	for (i = 0; i < NENTRIES; i++) {
		dirs[i] = add_entry(c, i);
		/* Entry 0 the least recently used; all beyond the min age. */
		set_age(dirs[i], 10000 - 100 * i);
	}
	assert_int_equal(cc_cache_trim(c), 2 * ENTRY_BYTES);
	for (i = 0; i < NENTRIES; i++) {
		make_key(i, key);
		if (i < 2) {
			assert_false(exists(dirs[i]));
			assert_int_equal(cc_cache_lookup(c, key, &hit), -ENOENT);
		} else {
			assert_true(entry_complete(dirs[i]));
		}
	}
	/* Under the limit now: nothing more goes. */
	assert_int_equal(cc_cache_trim(c), 0);
	for (i = 2; i < NENTRIES; i++)
		assert_true(exists(dirs[i]));

	/* Using the oldest survivor makes entry 3 the one to go next. */
	make_key(2, key);
	assert_int_equal(cc_cache_lookup(c, key, &hit), 0);
	set_age(hit, 50); /* used 50 s ago: recent, but no longer protected */
	free(hit);
	cc_cache_close(c);
	assert_int_equal(cc_cache_open(f->dir, 2 * ENTRY_BYTES, &c), 0);
	assert_int_equal(cc_cache_trim(c), ENTRY_BYTES);
	assert_true(exists(dirs[2]));
	assert_false(exists(dirs[3]));
	assert_true(exists(dirs[4]));

	for (i = 0; i < NENTRIES; i++)
		free(dirs[i]);
	cc_cache_close(c);
}

static void test_trim_min_age(void **state)
{
	struct fixture *f = *state;
	char *dirs[3], key[65], *hit;
	struct cc_cache *c;
	int i;

	assert_int_equal(cc_cache_open(f->dir, 1, &c), 0);
	for (i = 0; i < 3; i++)
		dirs[i] = add_entry(c, i);
	/* Far over the limit, but all just committed. */
	assert_int_equal(cc_cache_trim(c), 0);
	for (i = 0; i < 3; i++)
		assert_true(entry_complete(dirs[i]));

	/* Just inside the protected window, and just outside it. */
	set_age(dirs[0], CC_CACHE_MIN_AGE - 2);
	set_age(dirs[1], CC_CACHE_MIN_AGE + 2);
	/* Old, but a lookup refreshes it. */
	set_age(dirs[2], 100000);
	make_key(2, key);
	assert_int_equal(cc_cache_lookup(c, key, &hit), 0);
	free(hit);

	assert_int_equal(cc_cache_trim(c), ENTRY_BYTES);
	assert_true(entry_complete(dirs[0]));
	assert_false(exists(dirs[1]));
	assert_true(entry_complete(dirs[2]));

	for (i = 0; i < 3; i++)
		free(dirs[i]);
	cc_cache_close(c);
}

#define RACE_KEYS 48

/*
 * Lookups racing a trim that wants everything gone: each entry is either
 * removed (a miss) or touched first and then kept; a hit is always whole.
 */
static void test_lookup_races_trim(void **state)
{
	struct fixture *f = *state;
	char *dirs[RACE_KEYS], key[65], *hit;
	int go[2], i, j, status[READERS], bad;
	pid_t pids[READERS];
	struct cc_cache *c;

	assert_int_equal(cc_cache_open(f->dir, 1, &c), 0);
	for (i = 0; i < RACE_KEYS; i++) {
		dirs[i] = add_entry(c, i);
		set_age(dirs[i], 1000);
	}
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	for (j = 0; j < READERS; j++) {
		pids[j] = fork();
		assert_true(pids[j] >= 0);
		if (pids[j])
			continue;
		/* A handle of its own: flock() locks belong to the open file. */
		close(go[1]);
		if (cc_cache_open(f->dir, 1, &c))
			_exit(2);
		bad = read(go[0], key, 1) != 0;
		for (i = 0; i < RACE_KEYS; i++) {
			/* Readers walk the keys in different orders. */
			make_key(j & 1 ? RACE_KEYS - 1 - i : i, key);
			if (cc_cache_lookup(c, key, &hit) == 0) {
				bad += !entry_complete(hit);
				free(hit);
			}
		}
		cc_cache_close(c);
		_exit(bad ? 1 : 0);
	}
	close(go[0]);
	close(go[1]);
	assert_true(cc_cache_trim(c) >= 0);
	for (j = 0; j < READERS; j++)
		assert_int_equal(waitpid(pids[j], &status[j], 0), pids[j]);
	for (j = 0; j < READERS; j++) {
		assert_true(WIFEXITED(status[j]));
		assert_int_equal(WEXITSTATUS(status[j]), 0);
	}
	/* Whatever survived is whole; nothing is left half-deleted. */
	for (i = 0; i < RACE_KEYS; i++) {
		if (exists(dirs[i]))
			assert_true(entry_complete(dirs[i]));
		free(dirs[i]);
	}
	cc_cache_close(c);
}

static void test_trim_stale_staging(void **state)
{
	struct fixture *f = *state;
	char *stale, *live;
	struct cc_cache *c;

	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_int_equal(cc_cache_stage(c, &stale), 0);
	assert_int_equal(fill_entry(stale), 0);
	set_age(stale, 3 * 24 * 3600); /* a crashed tap's leftovers */
	assert_int_equal(cc_cache_stage(c, &live), 0);
	assert_int_equal(fill_entry(live), 0);

	assert_int_equal(cc_cache_trim(c), ENTRY_BYTES);
	assert_false(exists(stale));
	assert_true(entry_complete(live));

	cc_cache_discard(c, live);
	free(stale);
	free(live);
	cc_cache_close(c);
}

static void test_discard(void **state)
{
	struct fixture *f = *state;
	char outside[128], sneaky[256], *tmp;
	struct cc_cache *c;

	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_int_equal(cc_cache_stage(c, &tmp), 0);
	assert_int_equal(fill_entry(tmp), 0);
	cc_cache_discard(c, tmp);
	assert_false(exists(tmp));
	free(tmp);

	/* Only staging dirs of this cache are ever deleted. */
	snprintf(outside, sizeof(outside), "%s/precious", f->root);
	assert_int_equal(mkdir(outside, 0700), 0);
	assert_int_equal(fill_entry(outside), 0);
	cc_cache_discard(c, outside);
	snprintf(sneaky, sizeof(sneaky), "%s/tmp/../../precious", f->dir);
	cc_cache_discard(c, sneaky);
	cc_cache_discard(c, NULL);
	assert_true(entry_complete(outside));

	cc_cache_close(c);
}

static void test_env(void **state)
{
	struct fixture *f = *state;
	char want[256], *old_home = NULL;
	const char *home = getenv("HOME");
	struct cc_cache *c;
	struct stat st;

	/* Nested and absent: created, privately. */
	snprintf(want, sizeof(want), "%s/from/env", f->root);
	assert_int_equal(setenv("TAPHUB_CACHE", want, 1), 0);
	assert_int_equal(cc_cache_open(NULL, 0, &c), 0);
	assert_string_equal(cc_cache_dir(c), want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	cc_cache_close(c);

	/* An explicit dir wins over the environment. */
	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_string_equal(cc_cache_dir(c), f->dir);
	cc_cache_close(c);

	/* Without it, $HOME/.cache/taphub. */
	if (home)
		old_home = strdup(home);
	unsetenv("TAPHUB_CACHE");
	assert_int_equal(setenv("HOME", f->root, 1), 0);
	assert_int_equal(cc_cache_open(NULL, 0, &c), 0);
	snprintf(want, sizeof(want), "%s/.cache/taphub", f->root);
	assert_string_equal(cc_cache_dir(c), want);
	assert_true(exists(want));
	cc_cache_close(c);

	unsetenv("HOME");
	assert_int_equal(cc_cache_open(NULL, 0, &c), -ENOENT);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
}

static void test_unsafe_dir(void **state)
{
	struct fixture *f = *state;
	struct cc_cache *c = NULL;

	/* Others could plant code that root would load. */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(cc_cache_open(f->dir, 0, &c), -EACCES);
	assert_null(c);
	assert_int_equal(cc_cache_open("", 0, &c), -EINVAL);
}

static void test_bad_key(void **state)
{
	/* clang-format off */
	static const char *const bad[] = {
		"",
		"abc",
		/* upper case */
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		/* 63 and 65 characters */
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
		/* not hex, path tricks */
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"../0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		NULL,
	};
	/* clang-format on */
	struct fixture *f = *state;
	char key[65], *tmp, *dir = NULL;
	struct cc_cache *c;
	size_t i;

	assert_int_equal(cc_cache_open(f->dir, 0, &c), 0);
	assert_int_equal(cc_cache_stage(c, &tmp), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_cache_lookup(c, bad[i], &dir), -EINVAL);
		assert_int_equal(cc_cache_commit(c, bad[i], tmp, &dir), -EINVAL);
	}
	assert_null(dir);
	assert_true(exists(tmp));

	/* A good key with a directory that is not one of our staging dirs. */
	make_key(7, key);
	assert_int_equal(cc_cache_commit(c, key, f->root, &dir), -EINVAL);
	assert_int_equal(cc_cache_commit(c, key, NULL, &dir), -EINVAL);
	assert_null(dir);

	cc_cache_discard(c, tmp);
	free(tmp);
	cc_cache_close(c);
}

/*
 * The index: a second name for an entry, read back; replaced by a later
 * put; a bad key refused; and dropped by a trim that removed its entry.
 */
static void test_index(void **state)
{
	struct fixture *f = *state;
	char ikey[65], key[65], got[65], path[512], *dirs[NENTRIES];
	struct cc_cache *c;
	int i;

	assert_int_equal(cc_cache_open(f->dir, ENTRY_BYTES, &c), 0);
	make_key(100, ikey);
	assert_int_equal(cc_cache_index_get(c, ikey, got), -ENOENT);
	for (i = 0; i < 2; i++) {
		dirs[i] = add_entry(c, i);
		make_key(i, key);
		assert_int_equal(cc_cache_index_put(c, ikey, key), 0);
		assert_int_equal(cc_cache_index_get(c, ikey, got), 0);
		assert_string_equal(got, key);
	}
	assert_int_equal(cc_cache_index_put(c, "nothex", key), -EINVAL);
	assert_int_equal(cc_cache_index_put(c, ikey, "nothex"), -EINVAL);
	assert_int_equal(cc_cache_index_get(c, "nothex", got), -EINVAL);
	/* a torn or foreign index file is a miss */
	snprintf(path, sizeof(path), "%s/idx/%s", f->dir, ikey);
	truncate(path, 10);
	assert_int_equal(cc_cache_index_get(c, ikey, got), -ENOENT);
	assert_int_equal(cc_cache_index_put(c, ikey, key), 0); /* key of entry 1 */

	/* entry 1 (the newest) is trimmed away by a smaller limit: its index goes too */
	set_age(dirs[0], 1000);
	set_age(dirs[1], 2000);
	assert_true(cc_cache_trim(c) > 0);
	assert_false(exists(dirs[1]));
	assert_false(exists(path));
	assert_int_equal(cc_cache_index_get(c, ikey, got), -ENOENT);
	for (i = 0; i < 2; i++)
		free(dirs[i]);
	cc_cache_close(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		T(test_miss_commit_hit),
		T(test_double_commit_race),
		T(test_trim_lru),
		T(test_trim_min_age),
		T(test_lookup_races_trim),
		T(test_trim_stale_staging),
		T(test_discard),
		T(test_env),
		T(test_unsafe_dir),
		T(test_bad_key),
		T(test_index),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
