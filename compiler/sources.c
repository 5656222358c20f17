// SPDX-License-Identifier: MIT
/*
 * Where tapset and macro library files come from: the ones built into tap
 * (scripts/embed.sh) and the -I directories, read into struct cc_srcfile.
 * The tapset loader (tapsets.c) parses the .stp files; the preprocessor
 * (preprocess.c) reads the .stpm macro libraries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* Largest tapset file read from an -I directory. */
#define TAPSET_MAX_BYTES (4u << 20)

const struct cc_embedded *cc_embedded_find(const char *name)
{
	const struct cc_embedded *e;

	for (e = th_embedded; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static char *read_small_file(struct cc_ctx *cx, const char *path, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > TAPSET_MAX_BYTES)
		goto out_close;
	buf = cc_alloc(cx->arena, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	*ret_len = got;
out_close:
	close(fd);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir ending in suffix, read, in name order, into out (struct cc_srcfile *). */
int cc_dir_sources(struct cc_ctx *cx, const char *dir, const char *suffix, struct cc_vec *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct cc_vec names = { 0 };
	size_t sl = strlen(suffix);
	int i;

	if (!d) {
		cc_error(&cx->diag, "cannot read tapset directory '%s': %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > sl && !strcmp(de->d_name + n - sl, suffix))
			cc_vec_push(cx->arena, &names, cc_strdup(cx->arena, de->d_name));
	}
	closedir(d);
	/* a stable order makes diagnostics and the cache key reproducible */
	if (names.n)
		qsort(names.v, (size_t)names.n, sizeof(void *), cmp_str);
	for (i = 0; i < names.n; i++) {
		struct cc_srcfile *src = cc_alloc(cx->arena, sizeof(*src));
		char *path = cc_sprintf(cx->arena, "%s/%s", dir, (char *)names.v[i]);

		src->name = path;
		src->is_tapset = true;
		src->text = read_small_file(cx, path, &src->len);
		if (!src->text) {
			cc_error(&cx->diag, "cannot read tapset '%s'", path);
			continue;
		}
		cc_vec_push(cx->arena, out, src);
	}
	return 0;
}

/* The built-in tapset/NAME files ending in suffix, into out (struct cc_srcfile *). */
void cc_embedded_sources(struct cc_ctx *cx, const char *suffix, struct cc_vec *out)
{
	const struct cc_embedded *e;
	size_t sl = strlen(suffix);

	for (e = th_embedded; e->name; e++) {
		size_t n = strlen(e->name);
		struct cc_srcfile *src;

		if (strncmp(e->name, "tapset/", 7) || n < sl || strcmp(e->name + n - sl, suffix))
			continue;
		src = cc_alloc(cx->arena, sizeof(*src));
		src->name = e->name;
		src->text = e->data;
		src->len = e->size;
		src->is_tapset = true;
		cc_vec_push(cx->arena, out, src);
	}
}

/*
 * Macro libraries: the built-in tapset/NAME.stpm files, then those of the -I
 * dirs, as stap reads its tapsets' *.stpm.  Their @defines are visible
 * to every script and tapset (preprocess.c loads them on first need).
 */
int cc_macro_sources(struct cc_ctx *cx, struct cc_vec *out)
{
	int i;

	cc_embedded_sources(cx, ".stpm", out);
	for (i = 0; i < cx->nincdirs; i++)
		if (cc_dir_sources(cx, cx->incdirs[i], ".stpm", out) < 0)
			return -EINVAL;
	return 0;
}
