// SPDX-License-Identifier: MIT
/*
 * Artifacts: a compiled guest in one file (.tapa), to run where there is
 * no compiler (docs/artifact.md has the layout).
 *
 *   header   64 bytes: magic, version, sizes, SHA-256 of the member table
 *   table    one 80-byte entry per member: name, offset, size, SHA-256
 *   members  8-aligned, in table order: "manifest" first, then the guest's
 *            files (guest.meta, guest.bpf.o, guest.so) and, when signed,
 *            "manifest.sig" last
 *
 * The header's hash covers the table and each table entry's hash covers its
 * member, so a flipped byte anywhere is found before anything is used.  The
 * manifest repeats each guest file's hash: a signature over the manifest
 * alone (artifact_sign.c) binds every byte that gets loaded.
 *
 * Parsing trusts nothing: every size and offset is checked against the
 * file before it is followed, names must be known and unique, and the
 * manifest is text with a bounded number of lines.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-runtime/grt.h"

#include "hub/hub.h"
#include "hub/artifact.h"

static const char magic[8] = {'T', 'A', 'P', 'A', '\r', '\n', 0x1a, '\n'};

/* The members an artifact may hold, in the order they are written. */
static const char *const member_names[] = {
    HUB_ARTIFACT_MANIFEST, "guest.meta", "guest.bpf.o", "guest.so", HUB_ARTIFACT_SIG,
};
#define NMEMBER_NAMES (sizeof(member_names) / sizeof(member_names[0]))

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

void hub_artifact_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void hub_artifact_hex(const uint8_t d[32], char out[65])
{
	static const char x[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[64] = 0;
}

static int member_index(const char *name)
{
	size_t i;

	for (i = 0; i < NMEMBER_NAMES; i++)
		if (!strcmp(name, member_names[i]))
			return (int)i;
	return -1;
}

/* ---- the manifest --------------------------------------------------------------- */

/*
 * One line is "KEY VALUE"; keys are lower-case words.  Lines are kept as
 * they are: the checks (artifact_kernel.c) read the ones they know, and a
 * newer tap's keys are ignored by an older one unless they are "needs"
 * lines, which an older tap refuses (it cannot check what it does not know).
 */
static int manifest_parse(struct hub_artifact *a, char *err, size_t errlen)
{
	const char *p = a->manifest, *end = a->manifest + a->manifest_len;
	int n = 0;

	if (memchr(p, 0, a->manifest_len))
		return fail(err, errlen, -EINVAL, "the manifest holds a NUL byte");
	if (!a->manifest_len || end[-1] != '\n')
		return fail(err, errlen, -EINVAL, "the manifest does not end with a newline");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (++n > HUB_ARTIFACT_MAX_LINES)
			return fail(err, errlen, -E2BIG, "the manifest has more than %d lines",
				    HUB_ARTIFACT_MAX_LINES);
		p = nl + 1;
	}
	a->lines = calloc((size_t)n, sizeof(*a->lines));
	if (!a->lines)
		return -ENOMEM;
	for (p = a->manifest; p < end; a->nlines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct hub_artifact_line *l = &a->lines[a->nlines];
		const char *sp = memchr(p, ' ', (size_t)(nl - p));

		if (!sp || sp == p || sp + 1 == nl)
			return fail(err, errlen, -EINVAL, "manifest line %d: expected KEY VALUE",
				    a->nlines + 1);
		l->key = strndup(p, (size_t)(sp - p));
		l->value = strndup(sp + 1, (size_t)(nl - sp - 1));
		if (!l->key || !l->value)
			return -ENOMEM;
		p = nl + 1;
	}
	if (strcmp(a->lines[0].key, "taphub-artifact") || strcmp(a->lines[0].value, "1"))
		return fail(err, errlen, -EINVAL,
			    "the manifest does not start with 'taphub-artifact 1'");
	return 0;
}

const char *hub_artifact_get(const struct hub_artifact *a, const char *key)
{
	int i;

	for (i = 0; i < a->nlines; i++)
		if (!strcmp(a->lines[i].key, key))
			return a->lines[i].value;
	return NULL;
}

int hub_artifact_line(const struct hub_artifact *a, int i, const char **ret_key,
		      const char **ret_value)
{
	if (i < 0 || i >= a->nlines)
		return -ENOENT;
	*ret_key = a->lines[i].key;
	*ret_value = a->lines[i].value;
	return 0;
}

/* ---- parsing ----------------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/* The manifest's "member NAME SHA256" line for name, or NULL. */
static const char *manifest_member(const struct hub_artifact *a, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < a->nlines; i++)
		if (!strcmp(a->lines[i].key, "member") && !strncmp(a->lines[i].value, name, n) &&
		    a->lines[i].value[n] == ' ')
			return a->lines[i].value + n + 1;
	return NULL;
}

static int parse_table(struct hub_artifact *a, char *err, size_t errlen)
{
	const uint8_t *d = a->data, *e;
	uint64_t file_size, prev_end;
	uint32_t version, hsize, nmem;
	uint8_t h[32];
	int i, idx, last = -1;

	if (a->len < HUB_ARTIFACT_HEADER_SIZE || memcmp(d, magic, sizeof(magic)))
		return fail(err, errlen, -EINVAL, "not a taphub artifact (bad magic)");
	version = get32(d + 8);
	hsize = get32(d + 12);
	nmem = get32(d + 16);
	file_size = get64(d + 24);
	if (version != HUB_ARTIFACT_VERSION)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "artifact format version %u, this tap reads version %d", version,
			    HUB_ARTIFACT_VERSION);
	/* flags: none defined yet; a reader refuses what it does not know */
	if (hsize != HUB_ARTIFACT_HEADER_SIZE || !nmem || nmem > NMEMBER_NAMES || get32(d + 20))
		return fail(err, errlen, -EINVAL, "corrupt artifact header");
	if (file_size != a->len)
		return fail(err, errlen, -EINVAL,
			    "artifact truncated or extended: %zu bytes, the header says %llu",
			    a->len, (unsigned long long)file_size);
	if (a->len - hsize < (uint64_t)nmem * HUB_ARTIFACT_ENTRY_SIZE)
		return fail(err, errlen, -EINVAL, "corrupt artifact header");
	hub_artifact_sha256(d + hsize, (size_t)nmem * HUB_ARTIFACT_ENTRY_SIZE, h);
	if (memcmp(h, d + 32, 32))
		return fail(err, errlen, -EBADMSG,
			    "artifact tampered with or corrupt: the member table's SHA-256 "
			    "does not match the header's");
	hub_artifact_hex(d + 32, a->digest);
	prev_end = hsize + (uint64_t)nmem * HUB_ARTIFACT_ENTRY_SIZE;
	for (i = 0; i < (int)nmem; i++) {
		struct hub_artifact_member *m;
		char name[HUB_ARTIFACT_NAME_LEN + 1];
		uint64_t off, size;

		e = d + hsize + (size_t)i * HUB_ARTIFACT_ENTRY_SIZE;
		memcpy(name, e, HUB_ARTIFACT_NAME_LEN);
		name[HUB_ARTIFACT_NAME_LEN] = 0;
		off = get64(e + 32);
		size = get64(e + 40);
		idx = member_index(name);
		/* known names, each once, in the writer's order: no ambiguity */
		if (idx <= last) {
			char *c;

			/* the name is the file's bytes: the message stays one printable line */
			for (c = name; *c; c++)
				if (*c < 0x20 || *c > 0x7e)
					*c = '?';
			return fail(err, errlen, -EINVAL,
				    "artifact member %d: unknown, repeated or "
				    "out of order ('%s')",
				    i, name);
		}
		/*
		 * One layout only: each member at the next 8-aligned offset,
		 * zero padding before it, nothing after the last.  No byte of
		 * the file is outside a hash or a check.
		 */
		if (off != ((prev_end + 7) & ~(uint64_t)7) || off > a->len || size > a->len - off)
			return fail(err, errlen, -EINVAL, "artifact member %s: outside the file",
				    name);
		for (; prev_end < off; prev_end++)
			if (d[prev_end])
				return fail(err, errlen, -EINVAL,
					    "artifact corrupt: padding before "
					    "member %s is not zero",
					    name);
		hub_artifact_sha256(d + off, (size_t)size, h);
		if (memcmp(h, e + 48, 32))
			return fail(err, errlen, -EBADMSG,
				    "artifact tampered with or corrupt: member %s does not match "
				    "its SHA-256",
				    name);
		m = &a->members[a->nmembers++];
		m->name = member_names[idx];
		m->data = d + off;
		m->size = (size_t)size;
		hub_artifact_hex(h, m->sha256);
		prev_end = off + size;
		last = idx;
	}
	if (prev_end != a->len)
		return fail(err, errlen, -EINVAL, "artifact corrupt: bytes after its last member");
	if (a->members[0].name != member_names[0] || !hub_artifact_member(a, "guest.meta", NULL))
		return fail(err, errlen, -EINVAL, "artifact without a manifest or a guest.meta");
	return 0;
}

int hub_artifact_parse(const void *data, size_t len, struct hub_artifact **ret, char *err,
		       size_t errlen)
{
	struct hub_artifact *a;
	const char *sha;
	int r, i;

	if (len > HUB_ARTIFACT_MAX_BYTES)
		return fail(err, errlen, -EFBIG, "artifact larger than %u MB",
			    HUB_ARTIFACT_MAX_BYTES >> 20);
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->data = malloc(len ? len : 1);
	if (!a->data) {
		r = -ENOMEM;
		goto out_free;
	}
	memcpy(a->data, data, len);
	a->len = len;
	r = parse_table(a, err, errlen);
	if (r)
		goto out_free;
	a->manifest = (const char *)a->members[0].data;
	a->manifest_len = a->members[0].size;
	r = manifest_parse(a, err, errlen);
	if (r)
		goto out_free;
	/* the manifest names every guest file's hash: the signature covers them */
	for (i = 1; i < a->nmembers; i++) {
		if (!strcmp(a->members[i].name, HUB_ARTIFACT_SIG))
			continue;
		sha = manifest_member(a, a->members[i].name);
		if (!sha || strcmp(sha, a->members[i].sha256)) {
			r = fail(err, errlen, -EBADMSG,
				 "artifact tampered with: member %s does not match the manifest",
				 a->members[i].name);
			goto out_free;
		}
	}
	/* and each member line names a guest file the artifact holds, with its hash */
	for (i = 0; i < a->nlines; i++)
		if (!strcmp(a->lines[i].key, "member")) {
			const struct hub_artifact_member *m = NULL;
			char name[64], hex[80];
			int j;

			if (sscanf(a->lines[i].value, "%63s %79s", name, hex) == 2)
				for (j = 1; j < a->nmembers; j++)
					if (!strcmp(a->members[j].name, name) &&
					    strcmp(name, HUB_ARTIFACT_SIG))
						m = &a->members[j];
			if (!m || strcmp(m->sha256, hex)) {
				r = fail(err, errlen, -EBADMSG,
					 "artifact tampered with: the manifest names a member it "
					 "does not hold");
				goto out_free;
			}
		}
	*ret = a;
	return 0;

out_free:
	hub_artifact_free(a);
	return r;
}

int hub_artifact_read(const char *path, uint8_t **ret, size_t *ret_len)
{
	return grt_read_file(path, HUB_ARTIFACT_MAX_BYTES, (char **)ret, ret_len);
}

int hub_artifact_open(const char *path, struct hub_artifact **ret, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int r;

	r = hub_artifact_read(path, &buf, &len);
	if (r == -EINVAL)
		return fail(err, errlen, r, "%s: not a regular file", path);
	if (r == -EFBIG)
		return fail(err, errlen, r, "%s: larger than %u MB", path,
			    HUB_ARTIFACT_MAX_BYTES >> 20);
	if (r)
		return fail(err, errlen, r, "cannot read %s: %s", path, strerror(-r));
	r = hub_artifact_parse(buf, len, ret, err, errlen);
	free(buf);
	if (r && r != -ENOMEM) {
		/* the file's name in front: the one line a user sees */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
	}
	return r;
}

const void *hub_artifact_member(const struct hub_artifact *a, const char *name, size_t *ret_size)
{
	int i;

	for (i = 0; i < a->nmembers; i++)
		if (!strcmp(a->members[i].name, name)) {
			if (ret_size)
				*ret_size = a->members[i].size;
			return a->members[i].data;
		}
	return NULL;
}

const char *hub_artifact_digest(const struct hub_artifact *a)
{
	return a->digest;
}

void hub_artifact_free(struct hub_artifact *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->nlines; i++) {
		free(a->lines[i].key);
		free(a->lines[i].value);
	}
	free(a->lines);
	free(a->data);
	free(a);
}

/* ---- extracting ------------------------------------------------------------------- */

static int write_all(int dfd, const char *name, const void *data, size_t len, mode_t mode)
{
	const uint8_t *p = data;
	int fd, r = 0;
	ssize_t n;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int hub_artifact_extract(const struct hub_artifact *a, const char *dir, char *err, size_t errlen)
{
	int dfd, r = 0, i;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(err, errlen, -errno, "cannot open %s: %s", dir, strerror(errno));
	for (i = 1; i < a->nmembers && !r; i++) {
		const struct hub_artifact_member *m = &a->members[i];

		if (!strcmp(m->name, HUB_ARTIFACT_SIG))
			continue;
		/* the .so is dlopen()ed: it needs to be readable, not executable */
		r = write_all(dfd, m->name, m->data, m->size, 0644);
		if (r)
			fail(err, errlen, r, "cannot write %s/%s: %s", dir, m->name, strerror(-r));
	}
	close(dfd);
	return r;
}

/* ---- writing ------------------------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

int hub_artifact_pack(const struct hub_artifact_blob *members, int n, uint8_t **ret,
		      size_t *ret_len)
{
	size_t off, len, i;
	uint8_t *buf, *e;
	int prev = -1, idx;

	if (n <= 0 || (size_t)n > NMEMBER_NAMES)
		return -EINVAL;
	off = HUB_ARTIFACT_HEADER_SIZE + (size_t)n * HUB_ARTIFACT_ENTRY_SIZE;
	len = off;
	for (i = 0; i < (size_t)n; i++) {
		idx = member_index(members[i].name);
		if (idx <= prev || (i == 0 && idx != 0))
			return -EINVAL;
		prev = idx;
		len = ((len + 7) & ~(size_t)7) + members[i].size;
	}
	if (len > HUB_ARTIFACT_MAX_BYTES)
		return -EFBIG;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, magic, sizeof(magic));
	put32(buf + 8, HUB_ARTIFACT_VERSION);
	put32(buf + 12, HUB_ARTIFACT_HEADER_SIZE);
	put32(buf + 16, (uint32_t)n);
	put64(buf + 24, len);
	for (i = 0; i < (size_t)n; i++) {
		off = (off + 7) & ~(size_t)7;
		e = buf + HUB_ARTIFACT_HEADER_SIZE + i * HUB_ARTIFACT_ENTRY_SIZE;
		strncpy((char *)e, members[i].name, HUB_ARTIFACT_NAME_LEN);
		put64(e + 32, off);
		put64(e + 40, members[i].size);
		hub_artifact_sha256(members[i].data, members[i].size, e + 48);
		if (members[i].size)
			memcpy(buf + off, members[i].data, members[i].size);
		off += members[i].size;
	}
	hub_artifact_sha256(buf + HUB_ARTIFACT_HEADER_SIZE, (size_t)n * HUB_ARTIFACT_ENTRY_SIZE,
			    buf + 32);
	*ret = buf;
	*ret_len = len;
	return 0;
}
