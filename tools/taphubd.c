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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/daemon/daemon.h"

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
		"  --group NAME      another name of group taphubdev (default taphub): its\n"
		"                    members compile and load kernel probes: root-equivalent\n"
		"  --artifact-dir DIR\n"
		"                    group taphubusr runs the artifacts installed here\n"
		"                    (default: artifact_dir of $TAPHUB_CONFDIR/config, else\n"
		"                    $TAPHUB_CONFDIR/artifacts; TAPHUB_CONFDIR: /etc/taphub)\n"
		"  -f, --foreground  stay in the foreground and log to stderr\n"
		"  --max-clients N   connections at once, attached readers and runners\n"
		"                    included (default %d); root may open %d more\n"
		"  --max-clients-per-uid N\n"
		"                    connections at once of one user but root (default %d)\n"
		"\n"
		"A connection over a cap is told so (\"too many connections from uid U\n"
		"(at most N)\") and closed; a session's runner is never refused.\n"
		"\n"
		"Exit status: 0 once it listens (it detaches then) or after a clean stop;\n"
		"1 when it cannot start: the reason is printed, or with a detached\n"
		"taphubd that failed later on, logged to the system log.\n",
		HUB_MAX_CLIENTS, HUB_ROOT_RESERVE, HUB_MAX_CLIENTS_PER_UID);
}

static void refuse(int r, const char *err)
{
	if (r) {
		fprintf(stderr, "taphubd: %s\n", err);
		exit(1);
	}
}

/*
 * Detach: the first process stays until the daemon listens, so the exit
 * status says whether taphubd started.  The daemon writes one byte to a
 * pipe when it listens (its ready fd); EOF means it gave up, its reason in
 * the system log.  A caller's own --ready-fd is told after us.
 */
static void daemonize(struct hub_daemon_opts *o)
{
	char why[1024];
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		perror("taphubd: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("taphubd: fork");
		exit(1);
	}
	if (pid > 0) {
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], why, sizeof(why) - 1);
		while (n < 0 && errno == EINTR);
		/* "r": it listens; "e" and the reason: it gave up (hub_daemon_run) */
		if (n >= 1 && why[0] == 'r') {
			if (o->ready_fd >= 0)
				(void)!write(o->ready_fd, "r", 1);
			_exit(0);
		}
		if (n > 1 && why[0] == 'e') {
			why[n] = 0;
			/* a caller waiting on --ready-fd says it itself */
			if (o->ready_fd >= 0)
				(void)!write(o->ready_fd, why, (size_t)n);
			else
				fprintf(stderr, "taphubd: %s\n", why + 1);
		} else {
			fputs("taphubd: it did not start; the reason is in the system log "
			      "(ident taphubd)\n",
			      stderr);
		}
		_exit(1);
	}
	close(p[0]);
	if (o->ready_fd >= 0)
		close(o->ready_fd);
	o->ready_fd = p[1];
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

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' },
		{ "artifact-dir", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "max-clients-per-uid", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hub_daemon_opts o = { .ready_fd = -1 };
	char err[512];
	int c, fd;

	while ((c = getopt_long(argc, argv, "fhV", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			refuse(hub_check_len("--socket", optarg, HUB_SOCKET_PATH_MAX, err,
					     sizeof(err)),
			       err);
			o.socket = optarg;
			break;
		case 'd':
			refuse(hub_check_len("--state-dir", optarg, HUB_STATE_DIR_MAX, err,
					     sizeof(err)),
			       err);
			o.state_dir = optarg;
			break;
		case 'g':
			/* the default group may be missing (root only); a named one may not */
			if (hub_group_gid(optarg) == (gid_t)-1) {
				fprintf(stderr, "taphubd: --group: no group named '%s'\n", optarg);
				return 1;
			}
			o.group = optarg;
			break;
		case 'a':
			refuse(hub_check_len("--artifact-dir", optarg, PATH_MAX - 1, err, sizeof(err)),
			       err);
			if (optarg[0] != '/') {
				fprintf(stderr, "taphubd: --artifact-dir needs an absolute path\n");
				return 1;
			}
			o.artifact_dir = optarg;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'r': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > INT_MAX ||
			    fcntl((int)v, F_GETFD) < 0) {
				fprintf(stderr, "taphubd: --ready-fd expects an open file descriptor, "
						"not '%s'\n",
					optarg);
				return 1;
			}
			o.ready_fd = (int)v;
			break;
		}
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
	/* said here, where the caller sees it, rather than in the daemon's log */
	{
		const char *dir = o.state_dir ? o.state_dir : hub_state_dir_default();
		pid_t pid = hub_state_lock_holder(dir);

		if (pid) {
			fprintf(stderr, "taphubd: the state directory %s is in use by taphubd pid %d\n",
				dir, (int)pid);
			return 1;
		}
	}
	/* the commonest reason not to start, said here rather than in a log */
	if (!o.socket)
		o.socket = HUB_DEFAULT_SOCKET; /* not $TAPHUB_SOCKET: that is for clients */
	fd = hub_connect(o.socket, false, NULL, err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "taphubd: another taphubd is listening on %s\n", o.socket);
		return 1;
	}
	/* taphubusr's installed artifacts: --artifact-dir, else the service's config */
	if (!o.artifact_dir) {
		static struct hub_service_set set;
		char cerr[1024];

		static char dflt[PATH_MAX];

		/*
		 * A bad script or conf of the service must not keep the hub from
		 * starting at boot: say it, and take the default dir
		 */
		if (hub_service_load(&set, cerr, sizeof(cerr))) {
			snprintf(dflt, sizeof(dflt), "%s/artifacts", hub_service_confdir());
			fprintf(stderr, "taphubd: warning: %s; taphubusr's artifacts are read from %s\n",
				cerr, dflt);
			o.artifact_dir = dflt;
		} else {
			o.artifact_dir = set.artifact_dir; /* the set's, kept for the daemon's life */
			hub_service_set_free(&set);
		}
	}
	if (!o.foreground)
		daemonize(&o);
	return hub_daemon_run(&o);
}
