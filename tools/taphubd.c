// SPDX-License-Identifier: MIT
/*
 * taphubd: the hub daemon.  One per machine; owns relay hosts (shared
 * buffers), loads guests into them and serves the control socket.
 *
 *   taphubd [--socket PATH] [--state-dir DIR] [--group NAME] [--foreground]
 *           [--max-clients N] [--max-clients-per-uid N]
 *
 * Without --foreground it detaches and logs to syslog (the journal);
 * with it, it logs to stderr, as systemd units prefer.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/hub.h"

/* --max-clients N: 1 to HUB_MAX_CLIENTS_LIMIT, else -1 */
static int parse_cap(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > HUB_MAX_CLIENTS_LIMIT)
		return -1;
	return (int)v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: taphubd [--socket PATH] [--state-dir DIR] [--group NAME] [--foreground]\n"
		"               [--max-clients N] [--max-clients-per-uid N]\n"
		"\n"
	      "The taphub hub: shared trace buffers (relay hosts) with event classes,\n"
	      "sessions that keep recording after tap returns (tap -F), attach/detach.\n"
	      "\n"
		"  --socket PATH     control socket (default " HUB_DEFAULT_SOCKET ")\n"
		"  --state-dir DIR   class stores and guest metadata (default $TAPHUB_STATE_DIR,\n"
		"                    else " HUB_DEFAULT_STATE_DIR "); one hub per directory\n"
		"  --group NAME      group admitted besides root (default taphub;\n"
		"                    its members can load kernel probes: root-equivalent)\n"
		"  -f, --foreground  stay in the foreground and log to stderr\n"
		"  --max-clients N   connections at once, attached readers and runners\n"
		"                    included (default %d); root may open %d more\n"
		"  --max-clients-per-uid N\n"
		"                    connections at once of one user but root (default %d)\n"
		"\n"
		"A connection over a cap is told so (\"too many connections from uid U\n"
		"(at most N)\") and closed; a session's runner is never refused.\n",
		HUB_MAX_CLIENTS, HUB_ROOT_RESERVE, HUB_MAX_CLIENTS_PER_UID);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "max-clients-per-uid", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hub_daemon_opts o = { .ready_fd = -1 };
	int c;

	while ((c = getopt_long(argc, argv, "fhV", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'r':
			o.ready_fd = atoi(optarg);
			break;
		case 'm':
		case 'u': {
			int v = parse_cap(optarg);

			if (v < 0) {
				fprintf(stderr, "taphubd: --%s %s: not a number from 1 to %d\n",
					c == 'm' ? "max-clients" : "max-clients-per-uid", optarg,
					HUB_MAX_CLIENTS_LIMIT);
				return 1;
			}
			if (c == 'm')
				o.max_clients = v;
			else
				o.max_clients_per_uid = v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("taphubd %s\n", TAPHUB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "taphubd: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (geteuid() != 0) {
		fputs("taphubd: must run as root (it loads eBPF programs for its clients)\n", stderr);
		return 1;
	}
	if (!o.foreground) {
		const char *dir = o.state_dir ? o.state_dir : hub_state_dir_default();
		pid_t pid = hub_state_lock_holder(dir);

		/* said here, where the caller sees it: the daemon logs to syslog */
		if (pid) {
			fprintf(stderr, "taphubd: the state directory %s is in use by taphubd pid %d\n",
				dir, (int)pid);
			return 1;
		}
		pid = fork();
		int null;

		if (pid < 0) {
			perror("taphubd: fork");
			return 1;
		}
		if (pid > 0)
			_exit(0);
		setsid();
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		if (chdir("/"))
			_exit(1);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
	return hub_daemon_run(&o);
}
