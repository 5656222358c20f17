// SPDX-License-Identifier: MIT
/*
 * The compile cache: compiled guests stored by the SHA-256 of their inputs,
 * shared by every tap process of a user.
 *
 * Layout under DIR:
 *
 *   DIR/lock            flock(2) target ordering lookups against trims
 *   DIR/tmp/stage.XXXXXX staging dirs being built into (cc_cache_stage)
 *   DIR/tmp/trash.XXXXXX entries on their way out (trim)
 *   DIR/<k0k1>/<key>/   published entries, sharded by the key's first byte
 *   DIR/idx/<ikey>      a second name for an entry: its key (cc_cache_index_put)
 *
 * Publishing is one rename(2) of a finished staging dir onto DIR/<k0k1>/<key>,
 * so a reader sees either no entry or a complete one.  The files are
 * fsync'ed first so that a crash cannot leave a published entry whose data
 * never reached the disk.  rename(2) of a directory fails with EEXIST or
 * ENOTEMPTY when the target is a non-empty directory, which is how a lost
 * publish race shows up: the loser returns the winner's entry and deletes
 * its own staging dir (both were built from the same inputs).
 *
 * Removal mirrors publishing: an entry is first renamed into DIR/tmp (onto a
 * fresh empty trash dir, which rename(2) replaces atomically) and only then
 * deleted file by file, so no reader ever finds a half-deleted entry at a
 * published path.
 *
 * The LRU clock is the entry dir's mtime.  A hit refreshes it, a commit sets
 * it, and trim never removes an entry whose mtime is within
 * CC_CACHE_MIN_AGE seconds of now; that is the caller's window to open the
 * files of a path it got from lookup or commit (once open or mapped, their
 * later removal does not matter).  For that window to be real, "touch" and
 * "check age then rename away" must not interleave, so lookup touches under
 * a shared flock of DIR/lock and trim re-checks the age and renames under an
 * exclusive one, one entry at a time.  Lookups never wait for each other and
 * wait for a trim only for one fstatat+rename.  Commit needs no lock: its
 * rename is atomic and its entry starts fresh.
 *
 * Sizes are apparent sizes (st_size of every non-directory), so limits mean
 * the same on every filesystem.  Staging and trash dirs do not count toward
 * the limit; those older than STALE_TMP_AGE (left by crashed processes) are
 * removed by trim.  Concurrent trims may together remove a little more
 * than needed, never a fresh entry.  A struct cc_cache is for one thread
 * and one process: the flock belongs to its open file, which a fork()ed
 * child would share, so a child opens its own.
 *
 * tap runs as root and loads code from here, so the cache dir must belong
 * to the effective user and not be writable by group or others.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* Staging dirs untouched this long belong to dead processes. */
#define STALE_TMP_AGE (24 * 60 * 60)
/* Entries are a few files deep; deeper trees are not ours. */
#define WALK_MAX_DEPTH 32
/* A publish that keeps losing to a racer whose entry keeps being trimmed. */
#define COMMIT_ATTEMPTS 8

struct cc_cache {
	char *dir; /* as given, without trailing slashes */
	int dfd;   /* DIR; every operation is relative to it */
	int lockfd;
	uint64_t limit;
};

/* "<k0k1>/<key>" */
#define REL_LEN (2 + 1 + 64 + 1)

/* Lower-case only, so one key has one spelling and one entry. */
static bool lower_hex(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static bool key_valid(const char *key)
{
	return key && lower_hex(key, 64);
}

static bool shard_valid(const char *name)
{
	return lower_hex(name, 2);
}

static void entry_rel(const char *key, char rel[REL_LEN])
{
	rel[0] = key[0];
	rel[1] = key[1];
	rel[2] = '/';
	memcpy(rel + 3, key, 65);
}

/*
 * Path of a staging dir relative to DIR ("tmp/stage.XXXXXX"), or NULL when
 * tmpdir is not a direct child of DIR/tmp: discard deletes what it is given,
 * so it must be something this cache handed out.
 */
static const char *staging_rel(const struct cc_cache *c, const char *tmpdir)
{
	size_t n = strlen(c->dir);
	const char *base;

	if (!tmpdir || strncmp(tmpdir, c->dir, n) || strncmp(tmpdir + n, "/tmp/", 5))
		return NULL;
	base = tmpdir + n + 5;
	if (!*base || strchr(base, '/') || !strcmp(base, ".") || !strcmp(base, ".."))
		return NULL;
	return tmpdir + n + 1;
}

/* ---- tree walking ---------------------------------------------------------- */

typedef int (*walk_fn)(int dfd, const char *name, const struct stat *st, void *arg);

/*
 * Call fn on name (relative to dfd) and everything below it, children
 * before their directory, never following symlinks.  Things that vanish
 * under us were removed by a concurrent trim and are skipped.
 */
static int walk_at(int dfd, const char *name, int depth, walk_fn fn, void *arg)
{
	struct dirent *de;
	struct stat st;
	int fd, ret = 0;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		if (depth >= WALK_MAX_DEPTH)
			return -ELOOP;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : -errno;
		d = fdopendir(fd);
		if (!d) {
			ret = -errno;
			close(fd);
			return ret;
		}
		for (;;) {
			errno = 0;
			de = readdir(d);
			if (!de) {
				ret = -errno;
				break;
			}
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			ret = walk_at(fd, de->d_name, depth + 1, fn, arg);
			if (ret < 0)
				break;
		}
		closedir(d);
		if (ret < 0)
			return ret;
	}
	return fn(dfd, name, &st, arg);
}

static int rm_fn(int dfd, const char *name, const struct stat *st, void *arg)
{
	if (unlinkat(dfd, name, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int du_fn(int dfd, const char *name, const struct stat *st, void *arg)
{
	if (!S_ISDIR(st->st_mode))
		*(uint64_t *)arg += (uint64_t)st->st_size;
	return 0;
}

static int fsync_fn(int dfd, const char *name, const struct stat *st, void *arg)
{
	int fd, ret = 0;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int rm_rf_at(int dfd, const char *name)
{
	return walk_at(dfd, name, 0, rm_fn, NULL);
}

/* ---- locking ------------------------------------------------------------------- */

static int cache_lock(struct cc_cache *c, int op)
{
	while (flock(c->lockfd, op) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void cache_unlock(struct cc_cache *c)
{
	flock(c->lockfd, LOCK_UN);
}

/* ---- open/close ------------------------------------------------------------------ */

/* mkdir -p, every directory it creates private to the user. */
static int mkdir_p(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* $TAPHUB_CACHE, else $HOME/.cache/taphub. */
static int default_dir(char **ret)
{
	const char *env = getenv("TAPHUB_CACHE");

	if (env && *env) {
		*ret = strdup(env);
		return *ret ? 0 : -ENOMEM;
	}
	env = getenv("HOME");
	if (!env || !*env)
		return -ENOENT;
	return asprintf(ret, "%s/.cache/taphub", env) < 0 ? -ENOMEM : 0;
}

int cc_cache_open(const char *dir, uint64_t limit_bytes, struct cc_cache **ret)
{
	struct cc_cache *c;
	struct stat st;
	size_t n;
	int err;

	if (dir && !*dir)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->dfd = -1;
	c->lockfd = -1;
	c->limit = limit_bytes ? limit_bytes : CC_CACHE_DEFAULT_LIMIT;
	if (dir) {
		c->dir = strdup(dir);
		err = c->dir ? 0 : -ENOMEM;
	} else {
		err = default_dir(&c->dir);
	}
	if (err)
		goto out_free;
	for (n = strlen(c->dir); n > 1 && c->dir[n - 1] == '/'; n--)
		c->dir[n - 1] = '\0';

	err = mkdir_p(c->dir);
	if (err)
		goto out_free;
	c->dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dfd < 0) {
		err = -errno;
		goto out_free;
	}
	if (fstat(c->dfd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		err = -EACCES;
		goto out_close;
	}
	if (mkdirat(c->dfd, "tmp", 0700) < 0 && errno != EEXIST) {
		err = -errno;
		goto out_close;
	}
	/* O_RDONLY is enough for flock and works in a read-only cache. */
	c->lockfd = openat(c->dfd, "lock", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c->lockfd < 0) {
		err = -errno;
		goto out_close;
	}
	*ret = c;
	return 0;

out_close:
	close(c->dfd);
out_free:
	free(c->dir);
	free(c);
	return err;
}

void cc_cache_close(struct cc_cache *c)
{
	if (!c)
		return;
	if (c->lockfd >= 0)
		close(c->lockfd);
	if (c->dfd >= 0)
		close(c->dfd);
	free(c->dir);
	free(c);
}

const char *cc_cache_dir(const struct cc_cache *c)
{
	return c->dir;
}

/* ---- lookup/stage/commit/discard ------------------------------------------------------ */

int cc_cache_lookup(struct cc_cache *c, const char *key, char **ret_dir)
{
	char rel[REL_LEN], *path;
	struct stat st;
	int ret;

	if (!key_valid(key))
		return -EINVAL;
	entry_rel(key, rel);
	if (asprintf(&path, "%s/%s", c->dir, rel) < 0)
		return -ENOMEM;

	/*
	 * The touch is what protects the entry from trim for MIN_AGE; the
	 * shared lock makes it land either before trim's age check (trim
	 * then keeps the entry) or after its rename (we then miss).
	 */
	ret = cache_lock(c, LOCK_SH);
	if (ret)
		goto out_free;
	if (utimensat(c->dfd, rel, NULL, AT_SYMLINK_NOFOLLOW) < 0)
		ret = errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	else if (fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		ret = -ENOENT;
	cache_unlock(c);
	if (ret)
		goto out_free;
	*ret_dir = path;
	return 0;

out_free:
	free(path);
	return ret;
}

int cc_cache_stage(struct cc_cache *c, char **ret_tmpdir)
{
	char *path;
	int err;

	if (asprintf(&path, "%s/tmp/stage.XXXXXX", c->dir) < 0)
		return -ENOMEM;
	/* mkdtemp() creates it 0700.  Recreate tmp/ if someone deleted it. */
	if (!mkdtemp(path)) {
		err = -errno;
		if (err != -ENOENT)
			goto out_free;
		if (mkdirat(c->dfd, "tmp", 0700) < 0 && errno != EEXIST) {
			err = -errno;
			goto out_free;
		}
		strcpy(path + strlen(path) - 6, "XXXXXX");
		if (!mkdtemp(path)) {
			err = -errno;
			goto out_free;
		}
	}
	*ret_tmpdir = path;
	return 0;

out_free:
	free(path);
	return err;
}

int cc_cache_commit(struct cc_cache *c, const char *key, const char *tmpdir, char **ret_dir)
{
	char rel[REL_LEN], *path, *winner;
	const char *src;
	int ret, i;

	if (!key_valid(key))
		return -EINVAL;
	src = staging_rel(c, tmpdir);
	if (!src)
		return -EINVAL;
	entry_rel(key, rel);
	if (asprintf(&path, "%s/%s", c->dir, rel) < 0)
		return -ENOMEM;

	rel[2] = '\0';
	ret = mkdirat(c->dfd, rel, 0700) < 0 && errno != EEXIST ? -errno : 0;
	rel[2] = '/';
	if (ret)
		goto out_free;
	ret = walk_at(c->dfd, src, 0, fsync_fn, NULL);
	if (ret)
		goto out_free;
	/* Staging may have taken a while; the entry starts its life fresh. */
	if (utimensat(c->dfd, src, NULL, 0) < 0) {
		ret = -errno;
		goto out_free;
	}

	for (i = 0; i < COMMIT_ATTEMPTS; i++) {
		if (renameat(c->dfd, src, c->dfd, rel) == 0) {
			*ret_dir = path;
			return 0;
		}
		if (errno != EEXIST && errno != ENOTEMPTY) {
			ret = -errno;
			goto out_free;
		}
		/* Lost to a racer with the same inputs: use its entry. */
		ret = cc_cache_lookup(c, key, &winner);
		if (ret == 0) {
			rm_rf_at(c->dfd, src);
			free(path);
			*ret_dir = winner;
			return 0;
		}
		/* -ENOENT: a trim removed it before we could touch it; retry. */
		if (ret != -ENOENT)
			goto out_free;
	}
	ret = -EAGAIN;

out_free:
	free(path);
	return ret;
}

void cc_cache_discard(struct cc_cache *c, const char *tmpdir)
{
	const char *src = staging_rel(c, tmpdir);

	if (src)
		rm_rf_at(c->dfd, src);
}

/* ---- the index -------------------------------------------------------------------------- */

#define IDX_REL_LEN (4 + 64 + 1)

int cc_cache_index_put(struct cc_cache *c, const char *ikey, const char *key)
{
	char rel[IDX_REL_LEN], tmp[IDX_REL_LEN + 8], line[66];
	int fd, ret = 0;

	if (!key_valid(ikey) || !key_valid(key))
		return -EINVAL;
	if (mkdirat(c->dfd, "idx", 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(rel, sizeof(rel), "idx/%s", ikey);
	snprintf(tmp, sizeof(tmp), "%s.%d", rel, (int)getpid());
	snprintf(line, sizeof(line), "%s\n", key);
	/* written aside and renamed: a reader sees the old key or the new one */
	fd = openat(c->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, line, 65) != 65)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && renameat(c->dfd, tmp, c->dfd, rel) < 0)
		ret = -errno;
	if (ret)
		unlinkat(c->dfd, tmp, 0);
	return ret;
}

int cc_cache_index_get(struct cc_cache *c, const char *ikey, char key[65])
{
	char rel[IDX_REL_LEN], line[66];
	ssize_t n;
	int fd;

	if (!key_valid(ikey))
		return -EINVAL;
	snprintf(rel, sizeof(rel), "idx/%s", ikey);
	fd = openat(c->dfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	n = read(fd, line, sizeof(line));
	close(fd);
	if (n != 65 || line[64] != '\n')
		return -ENOENT;
	line[64] = 0;
	if (!key_valid(line))
		return -ENOENT;
	memcpy(key, line, 65);
	return 0;
}

/* Index names whose entry is gone (trimmed): removed with it, so idx/ stays small. */
static void trim_index(struct cc_cache *c)
{
	char rel[REL_LEN], key[65];
	struct dirent *de;
	struct stat st;
	int fd;
	DIR *d;

	fd = openat(c->dfd, "idx", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!key_valid(de->d_name))
			continue;
		if (cc_cache_index_get(c, de->d_name, key) == 0) {
			entry_rel(key, rel);
			if (fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
		}
		unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
}

/* ---- trim ---------------------------------------------------------------------------- */

struct victim {
	char rel[REL_LEN];
	struct timespec mtime;
	uint64_t size;
};

enum evict_result {
	EVICT_KEPT, /* used recently: left in place */
	EVICT_GONE, /* already removed by someone else */
	EVICT_DONE, /* removed by us */
};

/*
 * Remove rel (relative to DIR) unless its mtime is within min_age seconds
 * of now.  Returns an enum evict_result or -errno.
 */
static int evict(struct cc_cache *c, const char *rel, time_t min_age)
{
	struct timespec now;
	struct stat st;
	char *trash;
	int ret;

	if (asprintf(&trash, "%s/tmp/trash.XXXXXX", c->dir) < 0)
		return -ENOMEM;
	if (!mkdtemp(trash)) {
		ret = -errno;
		goto out_free;
	}
	ret = cache_lock(c, LOCK_EX);
	if (ret)
		goto out_rm;
	clock_gettime(CLOCK_REALTIME, &now);
	/*
	 * Compared in whole seconds, rounding towards keeping: an entry
	 * touched at 100.9 is kept at 160.5.
	 */
	if (fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		ret = errno == ENOENT ? EVICT_GONE : -errno;
	else if (st.st_mtim.tv_sec + min_age >= now.tv_sec)
		ret = EVICT_KEPT;
	else if (renameat(c->dfd, rel, c->dfd, trash + strlen(c->dir) + 1) < 0)
		ret = errno == ENOENT ? EVICT_GONE : -errno;
	else
		ret = EVICT_DONE;
	cache_unlock(c);
out_rm:
	/* The entry, or the still empty trash dir if we kept it. */
	rm_rf_at(c->dfd, trash + strlen(c->dir) + 1);
out_free:
	free(trash);
	return ret;
}

static int victim_cmp(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static int add_victim(struct victim **v, size_t *n, size_t *cap, const char *rel,
		      const struct stat *st, uint64_t size)
{
	struct victim *nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	snprintf((*v)[*n].rel, REL_LEN, "%s", rel);
	(*v)[*n].mtime = st->st_mtim;
	(*v)[*n].size = size;
	(*n)++;
	return 0;
}

/* Collect DIR/<k0k1>/<key> entries with their sizes into *v. */
static int scan_entries(struct cc_cache *c, struct victim **v, size_t *n, uint64_t *total)
{
	size_t cap = 0;
	struct dirent *de, *ke;
	char rel[REL_LEN];
	struct stat st;
	DIR *top, *shard;
	uint64_t size;
	int fd, ret = 0;

	fd = openat(c->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	top = fdopendir(fd);
	if (!top) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (ret == 0) {
		errno = 0;
		de = readdir(top);
		if (!de) {
			ret = -errno;
			break;
		}
		if (!shard_valid(de->d_name))
			continue;
		fd = openat(c->dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
			continue;
		}
		shard = fdopendir(fd);
		if (!shard) {
			ret = -errno;
			close(fd);
			break;
		}
		while (ret == 0) {
			errno = 0;
			ke = readdir(shard);
			if (!ke) {
				ret = -errno;
				break;
			}
			if (!key_valid(ke->d_name) || memcmp(ke->d_name, de->d_name, 2))
				continue;
			entry_rel(ke->d_name, rel);
			if (fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				ret = errno == ENOENT ? 0 : -errno;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				continue;
			size = 0;
			ret = walk_at(c->dfd, rel, 0, du_fn, &size);
			if (ret == 0)
				ret = add_victim(v, n, &cap, rel, &st, size);
			*total += size;
		}
		closedir(shard);
	}
	closedir(top);
	return ret;
}

/* Remove staging and trash dirs that crashed processes left behind. */
static int64_t trim_tmp(struct cc_cache *c)
{
	struct dirent *de;
	char rel[4 + 256];
	int64_t removed = 0;
	uint64_t size;
	int fd, ret = 0;
	DIR *d;

	fd = openat(c->dfd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (ret >= 0) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(rel, sizeof(rel), "tmp/%s", de->d_name);
		size = 0;
		ret = walk_at(c->dfd, rel, 0, du_fn, &size);
		if (ret == 0)
			ret = evict(c, rel, STALE_TMP_AGE);
		if (ret == EVICT_DONE)
			removed += size;
	}
	closedir(d);
	return ret < 0 ? ret : removed;
}

int64_t cc_cache_trim(struct cc_cache *c)
{
	struct victim *v = NULL;
	uint64_t total = 0;
	int64_t removed;
	size_t n = 0, i;
	int ret;

	removed = trim_tmp(c);
	if (removed < 0)
		return removed;
	ret = scan_entries(c, &v, &n, &total);
	if (ret)
		goto out_free;

	if (n)
		qsort(v, n, sizeof(*v), victim_cmp);
	for (i = 0; i < n && total > c->limit; i++) {
		ret = evict(c, v[i].rel, CC_CACHE_MIN_AGE);
		if (ret < 0)
			goto out_free;
		if (ret == EVICT_KEPT)
			continue;
		total -= v[i].size;
		if (ret == EVICT_DONE)
			removed += v[i].size;
	}
	ret = 0;
	if (removed)
		trim_index(c);

out_free:
	free(v);
	return ret < 0 ? ret : removed;
}
