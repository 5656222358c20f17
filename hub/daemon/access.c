// SPDX-License-Identifier: MIT
/*
 * Who is on the other end of a control connection, and what they may do
 * (docs/service.md "Who may run what", after SystemTap's stapdev and
 * stapusr).
 *
 * The kernel tells us (SO_PEERCRED: uid, gid, pid; SO_PEERGROUPS: the
 * supplementary groups), so nothing a client says about itself is
 * believed.
 *
 *   root, taphubdev (and taphub, its old name, or taphubd --group):
 *           compile and run any script: root-equivalent, they load kernel
 *           programs of their own making;
 *   taphubusr:
 *           run only an artifact an administrator installed (a directory
 *           under the artifact dir, root's and writable by root only all
 *           the way from /) or one signed with a configured key;
 *   anyone else: refused at the socket.
 *
 * Within the hub a session belongs to its creator: only the owner or root
 * may attach to it, read it, rotate it or stop it, and listings show other
 * users' sessions only to root.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "hub/daemon/internal.h"

gid_t hub_group_gid(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name ? name : "taphub", &gr, buf, sizeof(buf), &res) || !res)
		return (gid_t)-1;
	return res->gr_gid;
}

bool hub_groups_find(struct hub_groups *g, const char *dev_alias)
{
	g->dev = hub_group_gid("taphubdev");
	g->dev_alias = hub_group_gid(dev_alias ? dev_alias : "taphub");
	g->usr = hub_group_gid("taphubusr");
	return g->dev != (gid_t)-1 || g->dev_alias != (gid_t)-1 || g->usr != (gid_t)-1;
}

static bool in(gid_t gid, const gid_t *groups, int n, gid_t want)
{
	int i;

	if (want == (gid_t)-1)
		return false;
	if (gid == want)
		return true;
	for (i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

int hub_peer_get(int sock, const struct hub_groups *g, struct hub_peer *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t small[64], *groups = small;
	socklen_t glen = sizeof(small);
	int n = 0;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	ret->uid = cred.uid;
	ret->gid = cred.gid;
	ret->pid = cred.pid;
	ret->root = cred.uid == 0;
	/* most users have a few groups; the kernel says how many bytes more need */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
		n = (int)(glen / sizeof(gid_t));
	} else if (errno == ERANGE) {
		groups = malloc(glen);
		if (!groups)
			return -ENOMEM;
		if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
			n = (int)(glen / sizeof(gid_t));
	}
	ret->dev = in(cred.gid, groups, n, g->dev) || in(cred.gid, groups, n, g->dev_alias);
	ret->usr = in(cred.gid, groups, n, g->usr);
	if (groups != small)
		free(groups);
	return 0;
}

bool hub_peer_admitted(const struct hub_peer *p)
{
	return p->root || p->dev || p->usr;
}

bool hub_peer_owns(const struct hub_peer *p, uid_t owner)
{
	return p->root || p->uid == owner;
}

/* Every directory from / to path, and path itself: root's, writable by root only. */
static int root_all_the_way(const char *path, char *bad, size_t len)
{
	char p[PATH_MAX], *slash;
	struct stat st;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		if (lstat(p[0] ? p : "/", &st))
			return -errno;
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(bad, len, "%s", p[0] ? p : "/");
			return -EPERM;
		}
		slash = strrchr(p, '/');
		if (!slash || !p[0])
			return 0;
		*slash = 0;
	}
}

int hub_peer_may_run(const struct hub_peer *p, const char *artifact, const char *artifact_dir,
		     char *real, char *err, size_t errlen)
{
	char dir[PATH_MAX], bad[PATH_MAX];
	size_t n;

	if (p->root || p->dev)
		return 0;
	if (!artifact) {
		snprintf(err, errlen, "group taphubusr runs installed artifacts only (tap -F DIR, "
			 "DIR under %s); compiling a script is for root and group taphubdev",
			 artifact_dir);
		return -EPERM;
	}
	if (!realpath(artifact, real)) {
		snprintf(err, errlen, "artifact %s: %s", artifact, strerror(errno));
		return -EPERM;
	}
	if (!realpath(artifact_dir, dir)) {
		snprintf(err, errlen, "artifact %s: there is no artifact dir %s",
			 artifact, artifact_dir);
		return -EPERM;
	}
	n = strlen(dir);
	if (strncmp(real, dir, n) || real[n] != '/') {
		snprintf(err, errlen, "artifact %s is not installed in %s: group "
			 "taphubusr runs only those", artifact, artifact_dir);
		return -EPERM;
	}
	if (root_all_the_way(real, bad, sizeof(bad))) {
		snprintf(err, errlen, "artifact %s: %s is not root's alone", artifact,
			 bad);
		return -EPERM;
	}
	return 0;
}
