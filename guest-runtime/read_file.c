// SPDX-License-Identifier: MIT
/*
 * A whole regular file into memory: the meta a loader reads, the
 * artifacts the hub and tap read.  Bounded by the caller (these are
 * inputs an attacker may have made huge) and never a FIFO or device,
 * which could block or never end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "guest-runtime/grt.h"

int grt_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	buf[got] = 0;
	*ret = buf;
	*ret_len = got;
	return 0;
}
