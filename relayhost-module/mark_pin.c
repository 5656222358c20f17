// SPDX-License-Identifier: MIT
/*
 * A hub's marker rings, kept for recovery after a crash, as its kernel
 * rings are kept by their bpffs pins (docs/recovery.md).
 *
 * A hub session's marker ring (mark_ring.c) gets a second name, a hard
 * link made while the file is still root's (before it is given to the
 * process), at
 *
 *   TH_MARK_RING_DIR/taphub/sDEV_INO/HOSTDIR/mark.GUEST
 *
 * (the state dir's device and inode, as the bpffs pins are named, and the
 * host's directory name): a directory only root writes.  When the hub
 * dies, the records the drain had not taken stay there; the next session
 * for the process removes the ring's well-known name only, and
 * `tapctl recover` reads the pin.  The host's directory keeps a
 * description of each pinned ring (mark.GUEST): its shape and the host
 * class of each format its table enabled, which recovery trusts instead
 * of the ring's own header (the process can write that).  A ring closed
 * by its session loses its pin and its description; a discarded or
 * deleted host loses them all.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"
#include "taphub/marker.h"

#define PIN_ROOT TH_MARK_RING_DIR "/taphub"
#define DESC_MAGIC "taphub-mark-desc 1"
/* A description's bytes at most: a line per format and a few more. */
#define DESC_MAX 8192

/*
 * path is a directory only we (root) write, made if create: what is in it
 * is ours.  /dev/shm is everyone's: a directory another user made there
 * first, or a link, is not.
 */
static int own_dir(const char *path, bool create)
{
	struct stat st;

	if (create && mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

int rh_mark_pin_dir(const char *host_dir, bool create, char *buf, size_t len)
{
	char state[RH_PATH_MAX + 8];
	const char *base = strrchr(host_dir, '/');
	struct stat st;
	int r;

	/* host_dir is STATE/hosts/NAME */
	if ((size_t)snprintf(state, sizeof(state), "%s/../..", host_dir) >= sizeof(state))
		return -ENAMETOOLONG;
	if (stat(state, &st))
		return -errno;
	r = own_dir(PIN_ROOT, create);
	if (r)
		return r;
	if ((size_t)snprintf(buf, len, PIN_ROOT "/s%llx_%llx", (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino) >= len)
		return -ENAMETOOLONG;
	r = own_dir(buf, create);
	if (r)
		return r;
	if ((size_t)snprintf(buf, len, PIN_ROOT "/s%llx_%llx/%s", (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino, base ? base + 1 : host_dir) >= len)
		return -ENAMETOOLONG;
	return own_dir(buf, create);
}

int rh_mark_pin_path(const char *host_dir, uint32_t guest, bool create, char *buf, size_t len)
{
	size_t n;
	int r = rh_mark_pin_dir(host_dir, create, buf, len);

	if (r)
		return r;
	n = strlen(buf);
	if ((size_t)snprintf(buf + n, len - n, "/mark.%" PRIu32, guest) >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

/* Name is "mark.N": the guest id N. */
static bool mark_name(const char *name, uint32_t *ret_guest)
{
	char *end;
	unsigned long v;

	if (strncmp(name, "mark.", 5) || name[5] < '0' || name[5] > '9')
		return false;
	errno = 0;
	v = strtoul(name + 5, &end, 10);
	if (*end || errno || v > UINT32_MAX)
		return false;
	*ret_guest = (uint32_t)v;
	return true;
}

/* Walk a directory of ours for the link named mark.N to the file st. */
static int find_in(const char *dir, const struct stat *st, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = -ENOENT;

	if (!d)
		return -errno;
	while (r == -ENOENT && (e = readdir(d))) {
		char path[512];
		struct stat s;
		uint32_t g;

		if (!mark_name(e->d_name, &g) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &s) == 0 && s.st_dev == st->st_dev && s.st_ino == st->st_ino &&
		    (size_t)snprintf(buf, len, "%s", path) < len)
			r = 0;
	}
	closedir(d);
	return r;
}

int rh_mark_pin_find(const struct stat *st, char *buf, size_t len)
{
	DIR *root, *sd;
	struct dirent *e, *h;
	int r = -ENOENT;

	if (own_dir(PIN_ROOT, false) || !(root = opendir(PIN_ROOT)))
		return -ENOENT;
	while (r == -ENOENT && (e = readdir(root))) {
		char sdir[512];

		if (e->d_name[0] != 's' ||
		    (size_t)snprintf(sdir, sizeof(sdir), PIN_ROOT "/%s", e->d_name) >= sizeof(sdir) ||
		    own_dir(sdir, false) || !(sd = opendir(sdir)))
			continue;
		while (r == -ENOENT && (h = readdir(sd))) {
			char hdir[768];

			if (h->d_name[0] == '.' ||
			    (size_t)snprintf(hdir, sizeof(hdir), "%s/%s", sdir, h->d_name) >=
				sizeof(hdir) ||
			    own_dir(hdir, false))
				continue;
			r = find_in(hdir, st, buf, len);
			if (r && r != -ENOENT)
				r = -ENOENT;
		}
		closedir(sd);
	}
	closedir(root);
	return r;
}

/* ---- descriptions, in the host's directory ------------------------------------------- */

int rh_mark_desc_write(const char *host_dir, const struct rh_mark_desc *d)
{
	char path[RH_PATH_MAX + 32], tmp[RH_PATH_MAX + 32];
	FILE *f;
	int i, r = 0;

	if (d->nmarks < 0 || d->nmarks > RH_MARK_MAX_MARKS)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/mark.%" PRIu32, host_dir, d->guest);
	snprintf(tmp, sizeof(tmp), "%s/.mark.%" PRIu32 ".new", host_dir, d->guest);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, DESC_MAGIC "\npid %" PRIu32 "\nguest %" PRIu32 "\ngeom %" PRIu32 " %" PRIu32
		   " %" PRIu64 "\ndrops %d\n",
		d->pid, d->guest, d->geom.hdr_size, d->geom.nlanes, d->geom.lane_size, d->drop_cls);
	for (i = 0; i < d->nmarks; i++)
		fprintf(f, "fmt %u %u\n", d->fmt[i], d->cls[i]);
	if (ferror(f))
		r = -EIO;
	if (fclose(f) && !r)
		r = -errno;
	/* whole or not at all: a crash mid-write leaves the .new file, not half a description */
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

void rh_mark_desc_remove(const char *host_dir, uint32_t guest)
{
	char path[RH_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/mark.%" PRIu32, host_dir, guest);
	unlink(path);
}

/* The description in text, checked line by line; -EBADMSG when it is not one. */
static int desc_parse(char *text, struct rh_mark_desc *d)
{
	char *line, *save = NULL;
	bool geom = false, pid = false, guest = false, drops = false;
	int n = 0;

	memset(d, 0, sizeof(*d));
	line = strtok_r(text, "\n", &save);
	if (!line || strcmp(line, DESC_MAGIC))
		return -EBADMSG;
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned a, b;

		if (sscanf(line, "pid %" SCNu32 "%n", &d->pid, &n) == 1 && !line[n])
			pid = true;
		else if (sscanf(line, "guest %" SCNu32 "%n", &d->guest, &n) == 1 && !line[n])
			guest = true;
		else if (sscanf(line, "geom %" SCNu32 " %" SCNu32 " %" SCNu64 "%n", &d->geom.hdr_size,
				&d->geom.nlanes, &d->geom.lane_size, &n) == 3 && !line[n])
			geom = true;
		else if (sscanf(line, "drops %d%n", &d->drop_cls, &n) == 1 && !line[n] &&
			 d->drop_cls >= 0 && d->drop_cls < TH_MAX_CLASSES)
			drops = true;
		else if (sscanf(line, "fmt %u %u%n", &a, &b, &n) == 2 && !line[n] && a <= UINT16_MAX &&
			 b < TH_MAX_CLASSES && d->nmarks < RH_MARK_MAX_MARKS) {
			d->fmt[d->nmarks] = (uint16_t)a;
			d->cls[d->nmarks++] = (uint8_t)b;
		} else
			return -EBADMSG;
	}
	return pid && guest && geom && drops ? 0 : -EBADMSG;
}

int rh_mark_desc_each(const char *host_dir, rh_mark_desc_fn fn, void *arg)
{
	char path[RH_PATH_MAX + 32], pin[RH_PATH_MAX + 64];
	struct dirent *e;
	DIR *dir = opendir(host_dir);
	int r = 0;

	if (!dir)
		return -errno;
	while (!r && (e = readdir(dir))) {
		struct rh_mark_desc d;
		char text[DESC_MAX + 1];
		uint32_t g;
		size_t n;
		FILE *f;

		if (!mark_name(e->d_name, &g))
			continue;
		snprintf(path, sizeof(path), "%s/%s", host_dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fread(text, 1, DESC_MAX, f);
		fclose(f);
		text[n] = 0;
		if (desc_parse(text, &d) || d.guest != g)
			continue; /* not ours to read: the caller's report has nothing to say of it */
		if (rh_mark_pin_path(host_dir, g, false, pin, sizeof(pin)))
			pin[0] = 0;
		r = fn(arg, &d, pin);
	}
	closedir(dir);
	return r;
}

void rh_mark_pins_remove(const char *host_dir)
{
	char dir[RH_PATH_MAX + 64], path[RH_PATH_MAX + 64 + 300];
	struct dirent *e;
	uint32_t g;
	DIR *d;

	if (rh_mark_pin_dir(host_dir, false, dir, sizeof(dir)) == 0 && (d = opendir(dir))) {
		while ((e = readdir(d)))
			if (mark_name(e->d_name, &g)) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
		rmdir(dir);
		/* the state dir's, once its last host's went (a hub making one retries at its next) */
		*strrchr(dir, '/') = 0;
		rmdir(dir);
	}
	d = opendir(host_dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (mark_name(e->d_name, &g))
			rh_mark_desc_remove(host_dir, g);
	closedir(d);
}
