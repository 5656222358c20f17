// SPDX-License-Identifier: MIT
/*
 * The meta store: a host's guest format tables, kept where a crash cannot
 * take them.  Records in a class store are useless without the table of
 * the guest that wrote them, so the tables live beside the stores in one
 * file per host, mapped shared like the stores: after a kill -9 they are
 * in the file, and in a core dump of the hub they are in the dump (the hub
 * asks for file-backed shared mappings in its cores: coredump_filter).
 *
 * Layout: a 128-byte header, then entries back to back, each 8-byte
 * aligned: u32 guest id, u32 length, the guest.meta text, zero padding.
 * The file is created sparse at its full capacity, so space is used only
 * as tables are added.  Entries are appended by one writer (the hub's main
 * thread) and published by storing `used` with release order after their
 * bytes; a reader trusts only [header end, used) and checks every entry
 * against it.  A guest id may appear once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "relayhost-module/rh.h"

struct rh_metas_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t capacity;      /* bytes for entries */
	_Atomic uint64_t used;  /* bytes of entries published */
	char host[64];
	uint8_t reserved[32];
};

_Static_assert(sizeof(struct rh_metas_hdr) == 128, "the metas header is 128 bytes");

struct rh_metas {
	int fd;
	uint8_t *map;
	size_t maplen;
	struct rh_metas_hdr *h;
	bool owned; /* mapped here (not a view of someone's memory) */
	bool readonly;
};

int rh_metas_create(const char *path, uint64_t capacity, const char *host, struct rh_metas **ret)
{
	struct rh_metas *m;
	int fd, err;

	if (capacity < 4096 || capacity > RH_METAS_MAX_BYTES)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
	m->maplen = sizeof(struct rh_metas_hdr) + capacity;
	if (ftruncate(fd, (off_t)m->maplen) < 0) {
		err = -errno;
		goto out;
	}
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m->map == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	m->fd = fd;
	m->owned = true;
	m->h = (struct rh_metas_hdr *)m->map;
	m->h->version = 1;
	m->h->hdr_size = sizeof(struct rh_metas_hdr);
	m->h->capacity = capacity;
	snprintf(m->h->host, sizeof(m->h->host), "%s", host ? host : "");
	atomic_thread_fence(memory_order_release);
	m->h->magic = RH_METAS_MAGIC;
	*ret = m;
	return 0;
out:
	unlink(path);
	close(fd);
	free(m);
	return err;
}

/* Check a header found in a file or in memory; len is what is there. */
static int check(const struct rh_metas_hdr *h, size_t len)
{
	uint64_t used;

	if (len < sizeof(*h) || h->magic != RH_METAS_MAGIC)
		return -EBADMSG;
	if (h->version != 1)
		return -EPROTONOSUPPORT;
	used = atomic_load_explicit(&((struct rh_metas_hdr *)h)->used, memory_order_acquire);
	if (h->hdr_size != sizeof(*h) || used > h->capacity || used > len - sizeof(*h))
		return -EBADMSG;
	return 0;
}

int rh_metas_open(const char *path, struct rh_metas **ret)
{
	struct rh_metas *m = calloc(1, sizeof(*m));
	struct stat st;
	int err;

	if (!m)
		return -ENOMEM;
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
	if (fstat(m->fd, &st) < 0 || (size_t)st.st_size < sizeof(struct rh_metas_hdr)) {
		err = -EBADMSG;
		goto out;
	}
	m->maplen = (size_t)st.st_size;
	m->map = mmap(NULL, m->maplen, PROT_READ, MAP_SHARED, m->fd, 0);
	if (m->map == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	m->owned = true;
	m->readonly = true;
	m->h = (struct rh_metas_hdr *)m->map;
	err = check(m->h, m->maplen);
	if (err) {
		munmap(m->map, m->maplen);
		goto out;
	}
	*ret = m;
	return 0;
out:
	close(m->fd);
	free(m);
	return err;
}

int rh_metas_view(const void *mem, size_t len, struct rh_metas **ret)
{
	struct rh_metas *m;
	int err = check(mem, len);

	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = -1;
	m->map = (uint8_t *)mem;
	m->maplen = len;
	m->h = (struct rh_metas_hdr *)m->map;
	m->readonly = true;
	*ret = m;
	return 0;
}

void rh_metas_close(struct rh_metas *m)
{
	if (!m)
		return;
	if (m->owned)
		munmap(m->map, m->maplen);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

int rh_metas_add(struct rh_metas *m, uint32_t guest, const char *text, size_t len)
{
	uint64_t used = atomic_load_explicit(&m->h->used, memory_order_relaxed);
	uint64_t need = (8 + (uint64_t)len + 7) & ~7ull;
	uint8_t *p;
	uint32_t n = (uint32_t)len;

	if (m->readonly)
		return -EROFS;
	if (len > UINT32_MAX || need > m->h->capacity - used)
		return -ENOSPC;
	p = m->map + sizeof(*m->h) + used;
	memcpy(p, &guest, 4);
	memcpy(p + 4, &n, 4);
	memcpy(p + 8, text, len);
	memset(p + 8 + len, 0, need - 8 - len);
	/* publish: the entry's bytes before the new end */
	atomic_store_explicit(&m->h->used, used + need, memory_order_release);
	return 0;
}

int rh_metas_each(const struct rh_metas *m, rh_metas_fn fn, void *arg)
{
	uint64_t used = atomic_load_explicit(&m->h->used, memory_order_acquire), off = 0;
	const uint8_t *base = m->map + sizeof(*m->h);
	int n = 0, r;

	while (off + 8 <= used) {
		uint32_t guest, len;

		memcpy(&guest, base + off, 4);
		memcpy(&len, base + off + 4, 4);
		if (len > used - off - 8)
			return -EBADMSG;
		r = fn(arg, guest, (const char *)base + off + 8, len);
		if (r)
			return r;
		n++;
		off += (8 + (uint64_t)len + 7) & ~7ull;
	}
	return n;
}

const char *rh_metas_host(const struct rh_metas *m)
{
	return m->h->host;
}

size_t rh_metas_size(const struct rh_metas *m)
{
	return sizeof(*m->h) + (size_t)m->h->capacity;
}
