// SPDX-License-Identifier: MIT
/*
 * Reading a file descriptor to its end into memory, for the files whose
 * size cannot be known first: tracefs files (which say 0), pipes (cpp's
 * output for tools/dtrace).  The buffer doubles until EOF or the caller's
 * bound, which every input a user can point us at needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "compiler/compiler.h"

int cc_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				free(buf);
				return -E2BIG;
			}
			cap = cap ? 2 * cap : 8192;
			if (cap > max)
				cap = max;
			/* one byte more for the NUL */
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}
