// SPDX-License-Identifier: MIT
/*
 * Writing an artifact: the manifest (what was compiled, from what, for
 * which machine, needing which kernel features), the guest's files from
 * its compile-cache entry, a signature when a key is given; packed by
 * artifact.c and put in place with one rename, so a reader never sees a
 * half-written artifact.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hub/hub.h"
#include "hub/artifact.h"

/* The guest's files, in member order; guest.meta is the one always there. */
static const char *const guest_files[] = {"guest.meta", "guest.bpf.o", "guest.so"};
#define NGUEST_FILES (sizeof(guest_files) / sizeof(guest_files[0]))

static int read_file(const char *dir, const char *name, uint8_t **ret, size_t *ret_len)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return hub_artifact_read(path, ret, ret_len);
}

/* A value on one manifest line: newlines would start another line. */
static void put_value(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s ", key);
	for (; *v; v++)
		fputc(*v == '\n' ? ' ' : *v, f);
	fputc('\n', f);
}

static int build_manifest(const struct hub_artifact_write_opts *o,
			  const struct hub_artifact_blob *b, int nb, char **ret, size_t *ret_len,
			  char *err, size_t errlen)
{
	struct utsname u;
	size_t len = 0;
	char *text = NULL, hex[65];
	uint8_t d[32];
	FILE *f;
	int i, r;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fputs("taphub-artifact 1\n", f);
	fprintf(f, "tap-version %s\n", TAPHUB_VERSION);
	if (o->name)
		put_value(f, "name", o->name);
	put_value(f, "script", o->script ? o->script : "<input>");
	if (o->script_sha256)
		put_value(f, "script-sha256", o->script_sha256);
	if (uname(&u) == 0) {
		put_value(f, "built-on", u.release);
	}
	for (i = 0; i < o->noptions; i++)
		put_value(f, "option", o->options[i]);
	for (i = 0; i < o->nargs; i++)
		put_value(f, "arg", o->args[i]);
	fprintf(f, "maxerrors %lld\n", (long long)o->maxerrors);
	for (i = 1; i < nb; i++) {
		hub_artifact_sha256(b[i].data, b[i].size, d);
		hub_artifact_hex(d, hex);
		fprintf(f, "member %s %s\n", b[i].name, hex);
	}
	r = hub_artifact_write_needs(f, o->dir, err, errlen);
	if (fclose(f) && !r)
		r = -ENOMEM;
	if (r) {
		free(text);
		return r;
	}
	*ret = text;
	*ret_len = len;
	return 0;
}

static int write_atomic(const char *path, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, r = 0;
	ssize_t n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return r;
	}
	while (len && !r) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else {
			data += n;
			len -= (size_t)n;
		}
	}
	if (!r && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

int hub_artifact_write(const struct hub_artifact_write_opts *o, const char *path, char *err,
		       size_t errlen)
{
	struct hub_artifact_blob b[NGUEST_FILES + 2];
	uint8_t *files[NGUEST_FILES] = {0}, *sig = NULL, *out = NULL;
	size_t flen[NGUEST_FILES], siglen = 0, outlen = 0, mlen = 0;
	char *manifest = NULL;
	int nb = 1, r = 0;
	size_t i;

	for (i = 0; i < NGUEST_FILES; i++) {
		r = read_file(o->dir, guest_files[i], &files[i], &flen[i]);
		if (r == -ENOENT && i > 0) {
			r = 0;
			continue;
		}
		if (r) {
			snprintf(err, errlen, "cannot read %s/%s: %s", o->dir, guest_files[i],
				 strerror(-r));
			goto out_free;
		}
		b[nb].name = guest_files[i];
		b[nb].data = files[i];
		b[nb].size = flen[i];
		nb++;
	}
	r = build_manifest(o, b, nb, &manifest, &mlen, err, errlen);
	if (r)
		goto out_free;
	b[0].name = HUB_ARTIFACT_MANIFEST;
	b[0].data = manifest;
	b[0].size = mlen;
	if (o->sign_key) {
		r = hub_artifact_sign(manifest, mlen, o->sign_key, &sig, &siglen, err, errlen);
		if (r)
			goto out_free;
		b[nb].name = HUB_ARTIFACT_SIG;
		b[nb].data = sig;
		b[nb].size = siglen;
		nb++;
	}
	r = hub_artifact_pack(b, nb, &out, &outlen);
	if (r) {
		snprintf(err, errlen, "cannot pack the artifact: %s", strerror(-r));
		goto out_free;
	}
	r = write_atomic(path, out, outlen, err, errlen);
out_free:
	for (i = 0; i < NGUEST_FILES; i++)
		free(files[i]);
	free(manifest);
	free(sig);
	free(out);
	return r;
}
