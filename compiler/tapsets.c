// SPDX-License-Identifier: MIT
/*
 * Tapsets: library scripts of probe aliases, functions and globals that a
 * user script may use without declaring them.  The built-in ones are
 * compiled into tap (the .stp files of compiler/tapset/, embedded by scripts/embed.sh)
 * so an installed tap is self-contained and the compile cache key covers
 * them through the elaborated program; -I DIR adds a directory of *.stp
 * files, as stap's -I does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

struct cc_file *cc_parse_source(struct cc_ctx *cx, struct cc_srcfile *src)
{
	struct cc_token *toks = cc_lex(cx, src);

	toks = cc_preprocess(cx, toks);
	return cc_parse(cx, toks, src);
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

static int load_dir(struct cc_ctx *cx, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct cc_vec names = { 0 };
	int i;

	if (!d) {
		cc_error(&cx->diag, "cannot read tapset directory '%s': %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".stp"))
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
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, src));
	}
	return 0;
}

int cc_load_tapsets(struct cc_ctx *cx)
{
	const struct cc_embedded *e;
	int i;

	for (e = th_embedded; e->name; e++) {
		struct cc_srcfile *src;

		if (strncmp(e->name, "tapset/", 7))
			continue;
		src = cc_alloc(cx->arena, sizeof(*src));
		src->name = e->name;
		src->text = e->data;
		src->len = e->size;
		src->is_tapset = true;
		cc_vec_push(cx->arena, &cx->tapsets, cc_parse_source(cx, src));
	}
	for (i = 0; i < cx->nincdirs; i++)
		load_dir(cx, cx->incdirs[i]);
	return cx->diag.nerrors ? -EINVAL : 0;
}

int cc_syscall_nr(const char *name)
{
	const struct cc_syscall *s;

	for (s = cc_syscalls; s->name; s++)
		if (!strcmp(s->name, name))
			return s->nr;
	return -1;
}
