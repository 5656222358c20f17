// SPDX-License-Identifier: MIT
/*
 * Who is on the other end of a control connection, and what they may do.
 *
 * The kernel tells us (SO_PEERCRED: uid, gid, pid; SO_PEERGROUPS: the
 * supplementary groups), so nothing a client says about itself is
 * believed.  Admission: root, or a member of the taphub group (documented
 * as root-equivalent, like SystemTap's stapdev: its members load kernel
 * programs).  Within the hub a session belongs to its creator: only the
 * owner or root may attach to it, read it, rotate it or stop it, and
 * listings show other users' sessions only to root.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hub/daemon/internal.h"

gid_t hub_group_gid(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name ? name : "taphub", &gr, buf, sizeof(buf), &res) || !res)
		return (gid_t)-1;
	return res->gr_gid;
}

int hub_peer_get(int sock, gid_t group, struct hub_peer *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);
	int i;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	ret->uid = cred.uid;
	ret->gid = cred.gid;
	ret->pid = cred.pid;
	ret->root = cred.uid == 0;
	if (group != (gid_t)-1) {
		if (cred.gid == group)
			ret->member = true;
		if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
			for (i = 0; i < (int)(glen / sizeof(gid_t)); i++)
				if (groups[i] == group)
					ret->member = true;
		}
	}
	return 0;
}

bool hub_peer_admitted(const struct hub_peer *p)
{
	return p->root || p->member;
}

bool hub_peer_owns(const struct hub_peer *p, uid_t owner)
{
	return p->root || p->uid == owner;
}
