// SPDX-License-Identifier: MIT
/*
 * Output files an administrator can keep: -o FILE with strftime(3) names,
 * -S SIZE[,COUNT] rotation, switching on demand (SIGUSR2, tapctl switch).
 *
 * Names: the pattern goes through strftime and is made absolute.  Without
 * rotation the output is that one file.  With -S, or once a switch
 * happened, files are numbered: NAME.0, NAME.1, ... — and a pattern with
 * %-sequences is evaluated again for every new file, a number being added
 * only when the time-based name is already taken, so names stay unique.
 * With COUNT only the newest COUNT files are kept: opening a new one
 * removes the oldest.
 *
 * Writes take whole records (the caller formats one record's text at a
 * time), so a record is never split across files: a file switches before
 * a write that would take it past SIZE.  A switch only creates the next
 * file when there is output for it.
 *
 * Writes are gathered in a 64 KB buffer (a binary trace hands over one
 * record at a time: a write() each cost ~1 us per record) that goes out
 * when full, before a switch, and when the caller flushes after each batch.
 *
 * Failures (disk full, an unwritable directory) are reported once through
 * the error callback and the records are counted as lost; every later
 * write tries again, so output resumes when space returns.  Files are
 * created with the identity the caller gives (the hub writes a session's
 * files as the session's owner, with setfsuid on its writer thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hub/hub.h"

#define OUTFILE_MAX_COUNT 100000
#define OUTFILE_BUF (64u << 10)

struct hub_outfile {
	struct hub_outfile_opts o;
	char pattern[PATH_MAX];
	bool numbered;
	bool timed;       /* the pattern has %-sequences */
	int fd;
	char cur[PATH_MAX];
	uint64_t cur_size;
	uint64_t seqno;   /* number of the next numbered file */
	char **kept;      /* names of the files written, oldest first (COUNT) */
	int nkept;
	bool switch_pending;
	bool failed;      /* the last attempt failed: errors are said once */
	bool told;        /* the failure was reported: say when it is over */
	int64_t told_at;  /* when (CLOCK_MONOTONIC s): a disk at its limit flaps */
	_Atomic uint64_t lost_records; /* read by other threads (tapctl list) */
	uint64_t lost_bytes;
	uint64_t files_opened;
	/* written but not yet out: wlen bytes holding wnrec records, whole */
	char *wbuf;
	size_t wlen;
	uint64_t wnrec;
};

static void report(struct hub_outfile *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct hub_outfile *f, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	struct timespec now;

	if (f->failed || !f->o.error)
		return;
	/*
	 * A disk at its limit flaps: a smaller write fits, the next does
	 * not.  One report per minute at most; the lost count says the rest.
	 */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (f->told_at && now.tv_sec - f->told_at < 60)
		return;
	f->told = true;
	f->told_at = now.tv_sec;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->o.error(f->o.arg, msg);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* The user's name is a strftime(3) format by design. */
static size_t expand_time(char *out, size_t len, const char *pattern)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return strftime(out, len, pattern, &tm);
}
#pragma GCC diagnostic pop

int hub_outfile_name(const char *pattern, char *out, size_t len)
{
	char tmp[PATH_MAX], cwd[PATH_MAX];

	if (!strchr(pattern, '%')) {
		if (strlen(pattern) >= sizeof(tmp))
			return -ENAMETOOLONG;
		strcpy(tmp, pattern);
	} else if (!expand_time(tmp, sizeof(tmp), pattern) || !tmp[0]) {
		return -ENAMETOOLONG;
	}
	if (tmp[0] == '/') {
		if (strlen(tmp) >= len)
			return -ENAMETOOLONG;
		strcpy(out, tmp);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	if (strlen(cwd) + 1 + strlen(tmp) >= len)
		return -ENAMETOOLONG;
	snprintf(out, len, "%s/%s", cwd, tmp);
	return 0;
}

static void forget_oldest(struct hub_outfile *f)
{
	if (!f->o.count)
		return;
	while (f->nkept >= f->o.count) {
		unlink(f->kept[0]);
		free(f->kept[0]);
		memmove(f->kept, f->kept + 1, sizeof(*f->kept) * (size_t)(f->nkept - 1));
		f->nkept--;
	}
}

static void remember(struct hub_outfile *f, const char *name)
{
	char **k;

	if (!f->o.count)
		return;
	k = realloc(f->kept, sizeof(*k) * (size_t)(f->nkept + 1));
	if (!k)
		return;
	f->kept = k;
	f->kept[f->nkept] = strdup(name);
	if (f->kept[f->nkept])
		f->nkept++;
}

/* The name of the next file. */
static int next_name(struct hub_outfile *f, char *out, size_t len)
{
	char base[PATH_MAX];
	struct stat st;
	int r;

	r = hub_outfile_name(f->pattern, base, sizeof(base));
	if (r)
		return r;
	if (!f->numbered) {
		if (strlen(base) >= len)
			return -ENAMETOOLONG;
		strcpy(out, base);
		return 0;
	}
	if (f->timed) {
		/* a new time-based name stands alone; a repeated one gets a number */
		if (strcmp(base, f->cur) && lstat(base, &st) && strlen(base) < len) {
			strcpy(out, base);
			return 0;
		}
	}
	for (; f->seqno < UINT32_MAX; f->seqno++) {
		if ((size_t)snprintf(out, len, "%s.%llu", base, (unsigned long long)f->seqno) >= len)
			return -ENAMETOOLONG;
		/* never clobber a file we did not write in this run */
		if (lstat(out, &st)) {
			f->seqno++;
			return 0;
		}
	}
	return -ENOSPC;
}

static int open_next(struct hub_outfile *f)
{
	char name[PATH_MAX];
	int fd, r;

	r = next_name(f, name, sizeof(name));
	if (r) {
		report(f, "cannot name the output file from '%s': %s", f->o.pattern, strerror(-r));
		return r;
	}
	forget_oldest(f);
	/* -o FILE replaces FILE, as stap does; numbered names are always new */
	fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		report(f, "cannot open output file %s: %s", name, strerror(errno));
		return r;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	snprintf(f->cur, sizeof(f->cur), "%s", name);
	f->cur_size = 0;
	f->files_opened++;
	remember(f, name);
	return 0;
}

int hub_outfile_open(const struct hub_outfile_opts *o, struct hub_outfile **ret, char *err,
		     size_t errlen)
{
	struct hub_outfile *f;
	char name[PATH_MAX];
	int r;

	if (!o || !o->pattern || !*o->pattern) {
		snprintf(err, errlen, "no output file name");
		return -EINVAL;
	}
	if (o->count < 0 || o->count > OUTFILE_MAX_COUNT) {
		snprintf(err, errlen, "-S COUNT must be from 1 to %d", OUTFILE_MAX_COUNT);
		return -EINVAL;
	}
	if (o->count && !o->size_limit) {
		snprintf(err, errlen, "a file count needs a size (-S SIZE,COUNT)");
		return -EINVAL;
	}
	r = hub_outfile_name(o->pattern, name, sizeof(name));
	if (r) {
		snprintf(err, errlen, "-o %s: %s", o->pattern, strerror(-r));
		return r;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->o = *o;
	f->fd = -1;
	/* keep the pattern absolute too: the cwd may change (a daemon's is /) */
	if (o->pattern[0] == '/' || !strchr(o->pattern, '%')) {
		snprintf(f->pattern, sizeof(f->pattern), "%s",
			 o->pattern[0] == '/' ? o->pattern : name);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    (size_t)snprintf(f->pattern, sizeof(f->pattern), "%s/%s", cwd, o->pattern) >=
			    sizeof(f->pattern)) {
			free(f);
			snprintf(err, errlen, "-o %s: name too long", o->pattern);
			return -ENAMETOOLONG;
		}
	}
	f->timed = strchr(o->pattern, '%') != NULL;
	/* a service's files outlive its hub: a restart adds to the set, never replaces */
	f->numbered = o->size_limit > 0 || o->keep_existing;
	/* the first file opens now, so a bad directory is an error at start */
	r = open_next(f);
	if (r) {
		snprintf(err, errlen, "cannot open output file %s: %s", name, strerror(-r));
		hub_outfile_close(f);
		return r;
	}
	if (f->o.opened)
		f->o.opened(f->o.arg, f);
	*ret = f;
	return 0;
}

void hub_outfile_switch(struct hub_outfile *f)
{
	/* the next record opens the next file (none when nothing follows) */
	if (f->cur_size + f->wlen > 0 || f->fd < 0)
		f->switch_pending = true;
	/* the file being left is complete when the switch returns */
	hub_outfile_flush(f);
}

/* Append bytes to the current file now; on failure cut back to whole records. */
static int write_now(struct hub_outfile *f, const void *data, size_t len, uint64_t nrec)
{
	const char *p = data;
	size_t left = len;

	if (f->fd < 0)
		goto lost;
	while (left) {
		ssize_t n = write(f->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			report(f, "cannot write output file %s: %s (records are counted as lost "
				  "until writing works again)",
			       f->cur, strerror(e));
			f->failed = true;
			/* a partial record is cut back out: never half a record */
			if (left != len && ftruncate(f->fd, (off_t)f->cur_size) == 0)
				lseek(f->fd, 0, SEEK_END);
			goto lost;
		}
		p += n;
		left -= (size_t)n;
	}
	f->cur_size += len;
	if (f->failed && f->told && f->o.error) {
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "writing output file %s again (%llu records lost so far)",
			 f->cur, (unsigned long long)f->lost_records);
		f->o.error(f->o.arg, msg);
		f->told = false;
	}
	f->failed = false;
	return 0;
lost:
	f->lost_records += nrec;
	f->lost_bytes += len;
	return -EIO;
}

int hub_outfile_flush(struct hub_outfile *f)
{
	int r;

	if (!f || !f->wlen)
		return 0;
	r = write_now(f, f->wbuf, f->wlen, f->wnrec);
	f->wlen = 0;
	f->wnrec = 0;
	return r;
}

/* Into the buffer; what does not fit goes out first, a big write directly. */
static int raw_write(struct hub_outfile *f, const void *data, size_t len, uint64_t nrec)
{
	int r = 0;

	if (f->fd < 0 || (!f->wbuf && !(f->wbuf = malloc(OUTFILE_BUF))))
		return write_now(f, data, len, nrec);
	if (f->wlen + len > OUTFILE_BUF)
		r = hub_outfile_flush(f);
	if (len >= OUTFILE_BUF)
		return write_now(f, data, len, nrec) ? -EIO : r;
	memcpy(f->wbuf + f->wlen, data, len);
	f->wlen += len;
	f->wnrec += nrec;
	return r;
}

int hub_outfile_write(struct hub_outfile *f, const void *data, size_t len)
{
	return hub_outfile_write_n(f, data, len, 1);
}

int hub_outfile_write_n(struct hub_outfile *f, const void *data, size_t len, uint64_t nrec)
{
	if (!len)
		return 0;
	if (f->switch_pending || (f->o.size_limit && f->cur_size + f->wlen > 0 &&
				  f->cur_size + f->wlen + len > f->o.size_limit) ||
	    f->fd < 0) {
		/* what was written before goes in the file being left */
		hub_outfile_flush(f);
		if ((f->switch_pending || f->o.size_limit) && !f->numbered) {
			/* FILE, then FILE.1, FILE.2 ... */
			f->numbered = true;
			if (!f->seqno)
				f->seqno = 1;
		}
		f->switch_pending = false;
		if (open_next(f)) {
			f->failed = true;
			f->lost_records += nrec;
			f->lost_bytes += len;
			return -EIO;
		}
		/* what every file must start with (a binary trace's header) */
		if (f->o.opened)
			f->o.opened(f->o.arg, f);
	}
	return raw_write(f, data, len, nrec);
}

int hub_outfile_write_start(struct hub_outfile *f, const void *data, size_t len)
{
	return raw_write(f, data, len, 0);
}

uint64_t hub_outfile_lost(const struct hub_outfile *f)
{
	return f->lost_records;
}

const char *hub_outfile_current(const struct hub_outfile *f)
{
	return f->cur;
}

uint64_t hub_outfile_files(const struct hub_outfile *f)
{
	return f->files_opened;
}

void hub_outfile_close(struct hub_outfile *f)
{
	int i;

	if (!f)
		return;
	hub_outfile_flush(f);
	if (f->fd >= 0)
		close(f->fd);
	free(f->wbuf);
	for (i = 0; i < f->nkept; i++)
		free(f->kept[i]);
	free(f->kept);
	free(f);
}
