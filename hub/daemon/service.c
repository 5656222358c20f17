// SPDX-License-Identifier: MIT
/*
 * What the boot-time service runs, kept by the hub (docs/service.md).
 *
 * `tapctl service start NAME` tells the hub, once NAME's session records,
 * that the service runs it (TH_MSG_SERVICE: the layout it came from and a
 * hash of its script and conf); `service stop NAME` tells it the service
 * no longer does.  The hub keeps that in STATE/service/NAME, a small text
 * file, so it survives the hub: a hub stop (SIGTERM, systemctl stop, a
 * reboot) keeps the files, and the next hub, once it listens, runs
 * `tapctl service resume` (the tapctl beside taphubd), which starts every
 * recorded script again from its layout.  Their earlier records are the
 * previous hub's hosts (HOST_recovered); their output files go on in a new
 * file of the set.
 *
 * The hub compiles nothing and runs no script: the resume is tapctl's, as
 * the administrator's own `tapctl service start` would be.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hub/daemon/internal.h"

#define SERVICE_DIR "service"

static int record_path(struct hub_ctx *hub, const char *name, char *out, size_t len)
{
	/* the state dir is at most HUB_STATE_DIR_MAX, a name HUB_NAME_MAX */
	if (strlen(hub->state_dir) > HUB_STATE_DIR_MAX || (name && strlen(name) > HUB_NAME_MAX))
		return -ENAMETOOLONG;
	snprintf(out, len, "%.768s/" SERVICE_DIR "/%.63s", hub->state_dir, name ? name : "");
	return 0;
}

int hub_service_note(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
		     char *err, size_t errlen)
{
	const char *name = hub_req_str(q, TH_A_NAME), *confdir = hub_req_str(q, TH_A_CONFDIR);
	char path[HUB_PATH_MAX], tmp[HUB_PATH_MAX + 8];
	uint64_t hash = 0;
	uint32_t forget = 0;
	FILE *f;
	int fd;

	if (!peer->root && !peer->dev) {
		snprintf(err, errlen, "the service is root's and group taphubdev's");
		return -EPERM;
	}
	if (!name || !hub_name_valid(name)) {
		snprintf(err, errlen, "a service script needs a name of letters, digits and '_'");
		return -EINVAL;
	}
	hub_req_u32(q, TH_A_DISCARD, &forget);
	hub_req_u64(q, TH_A_HASH, &hash);
	if (record_path(hub, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (forget) {
		if (unlink(path) && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (!confdir || confdir[0] != '/' || strchr(confdir, '\n')) {
		snprintf(err, errlen, "a service script needs its layout's absolute path");
		return -EINVAL;
	}
	record_path(hub, NULL, tmp, sizeof(tmp));
	if (mkdir(tmp, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -errno;
	}
	/* written whole, then renamed: a crash leaves the old record or the new */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fprintf(f, "confdir=%s\nhash=%016llx\nuid=%u\n", confdir, (unsigned long long)hash,
		peer->uid);
	/* fclose on every path: it owns fd */
	if (fflush(f) || fsync(fd)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	if (fclose(f) || rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* One record: its layout and hash; false when it is not one. */
static bool record_read(struct hub_ctx *hub, const char *name, char *confdir, size_t len,
			uint64_t *hash)
{
	char path[HUB_PATH_MAX], line[PATH_MAX + 16];

	bool ok = false;
	FILE *f;

	if (record_path(hub, name, path, sizeof(path)) || !(f = fopen(path, "re")))
		return false;
	*hash = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "confdir=", 8) && strlen(line + 8) < len) {
			memcpy(confdir, line + 8, strlen(line + 8) + 1);
			ok = true;
		} else if (!strncmp(line, "hash=", 5)) {
			*hash = strtoull(line + 5, NULL, 16);
		}
	}
	fclose(f);
	return ok;
}

/* Calls fn for every recorded script; returns how many. */
static int records_each(struct hub_ctx *hub,
			void (*fn)(void *arg, const char *name, const char *confdir, uint64_t hash),
			void *arg)
{
	char dir[HUB_PATH_MAX], confdir[PATH_MAX];
	struct dirent *e;
	uint64_t hash;
	int n = 0;
	DIR *d;

	record_path(hub, NULL, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!hub_name_valid(e->d_name) ||
		    !record_read(hub, e->d_name, confdir, sizeof(confdir), &hash))
			continue;
		if (fn)
			fn(arg, e->d_name, confdir, hash);
		n++;
	}
	closedir(d);
	return n;
}

struct list_arg {
	int fd;
	uint32_t seq;
};

static void list_one(void *arg, const char *name, const char *confdir, uint64_t hash)
{
	struct list_arg *a = arg;
	struct hub_msg *m = malloc(sizeof(*m));

	if (!m)
		return;
	hub_msg_init(m, TH_MSG_ENTRY, a->seq);
	hub_msg_put_str(m, TH_A_KIND, "service");
	hub_msg_put_str(m, TH_A_NAME, name);
	hub_msg_put_str(m, TH_A_CONFDIR, confdir);
	hub_msg_put_u64(m, TH_A_HASH, hash);
	hub_msg_send(a->fd, m);
	free(m);
}

void hub_services_list(struct hub_ctx *hub, const struct hub_peer *peer, int fd, uint32_t seq)
{
	struct list_arg a = { .fd = fd, .seq = seq };

	if (peer->root || peer->dev)
		records_each(hub, list_one, &a);
}

/* The tapctl beside this taphubd (an installed pair, or a build dir). */
static int tapctl_path(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	if ((size_t)snprintf(out, len, "%s/tapctl", self) >= len)
		return -ENAMETOOLONG;
	return access(out, X_OK) ? -errno : 0;
}

void hub_services_resume(struct hub_ctx *hub)
{
	char tapctl[PATH_MAX];
	int n = records_each(hub, NULL, NULL), r;
	pid_t pid;

	if (!n)
		return;
	r = tapctl_path(tapctl, sizeof(tapctl));
	if (r) {
		hub_log(hub, "the service ran %d script%s: not resumed, no tapctl beside taphubd (%s)",
			n, n == 1 ? "" : "s", strerror(-r));
		return;
	}
	hub_log(hub, "the service ran %d script%s: resuming %s (tapctl service resume)", n,
		n == 1 ? "" : "s", n == 1 ? "it" : "them");
	/* twice forked: init reaps it, the hub waits for nothing */
	pid = fork();
	if (pid < 0) {
		hub_log(hub, "cannot resume the service's scripts: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	{
		sigset_t none;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* the hub blocks these for its signalfd: tap and tapctl want them back */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		/*
		 * What it says (a script that failed to come back) goes where the
		 * hub's log goes in the foreground (the journal under systemd);
		 * a detached hub logs to syslog, so into a file beside the records.
		 */
		if (!hub->foreground) {
			char log[HUB_PATH_MAX];
			int fd;

			snprintf(log, sizeof(log), "%.900s/service-resume.log", hub->state_dir);
			fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (fd >= 0)
				dup2(fd, 2);
		}
		execl(tapctl, "tapctl", "--socket", hub->sock_path, "service", "resume",
		      "--state-dir", hub->state_dir, (char *)NULL);
		_exit(127);
	}
}
