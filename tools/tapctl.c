// SPDX-License-Identifier: MIT
/*
 * tapctl: control the hub.
 *
 *   tapctl [--socket PATH] [--json] list
 *   tapctl stop NAME|ID [--discard]
 *   tapctl switch NAME
 *   tapctl recover [--state-dir DIR | --core FILE] [-o FILE] [--format=F] [--json] [NAME]
 *   tapctl attach NAME [--class NAME] [--guest ID]
 *   tapctl host create NAME --class NAME=SIZE[:overwrite|:discard] ...
 *   tapctl host destroy NAME [--force] [--discard]
 *   tapctl recover [--state-dir DIR] --delete NAME
 *   tapctl service compile|start|stop|restart|status|reload [NAME...] (tapctl_service.c)
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"
#include "tools/tapctl.h"

struct opts {
	const char *socket;
	bool json;
	const char *cls;
	uint32_t guest;
	bool guest_set;
	bool force;
	const char *classes[TH_MAX_CLASSES];
	int nclasses;
	const char *state_dir;
	const char *core;
	const char *output;
	bool binary;
	bool discard; /* stop, host destroy: delete what was recorded */
	bool delete;  /* recover: delete the host directory */
};

static void usage(FILE *f)
{
	fputs("Usage: tapctl [--socket PATH] [--json] COMMAND\n"
	      "\n"
	      "  list                          hosts with their classes, sessions\n"
	      "  stop NAME|ID [--discard]      stop a session (its end probes run); what it\n"
	      "                                recorded stays in the state dir unless\n"
	      "                                --discard\n"
	      "  switch NAME                   its -o output goes on in the next file now\n"
	      "  attach NAME [--class C] [--guest ID]\n"
	      "                                print what the session's buffer holds, then\n"
	      "                                the live stream; Ctrl-C or Ctrl-\\ detaches and\n"
	      "                                leaves the session recording\n"
	      "  host create NAME --class NAME=SIZE[:overwrite|:discard] ...\n"
	      "                                a relay host others can join (tap -F\n"
	      "                                -DRELAY_GUEST=NAME); SIZE takes K, M or G\n"
	      "  host destroy NAME [--force] [--discard]\n"
	      "                                refused while guests use it, unless --force;\n"
	      "                                its records stay unless --discard\n"
	      "  recover [--state-dir DIR] [NAME]\n"
	      "  recover --core FILE [NAME]    print the records a crashed taphubd left in\n"
	      "                                its stores, kernel rings or core dump (no\n"
	      "                                hub needed); without NAME, list the hosts;\n"
	      "                                -o FILE [--format=binary], --json\n"
	      "  recover [--state-dir DIR] --delete NAME\n"
	      "                                delete a host directory no hub uses\n"
	      "  service compile|start|stop|restart|status [NAME...], service reload\n"
	      "                                the boot-time service: script.d, conf.d\n"
	      "                                (tapctl service --help)\n",
	      f);
}

static const char *user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%u", uid);
	return buf;
}

static const char *size_str(uint64_t v, char *buf, size_t len)
{
	if (v >= (1ull << 30) && !(v % (1ull << 30)))
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= (1ull << 20) && !(v % (1ull << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= 1024 && !(v % 1024))
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* A JSON string, escaped as every JSON writer of taphub does (guest-runtime/escape.c). */
static void json_str(const char *s)
{
	struct grt_buf b = { 0 };

	s = s ? s : "";
	if (grt_json_str(&b, s, strlen(s)) == 0)
		fwrite(b.data, 1, b.len, stdout);
	else
		fputs("\"\"", stdout); /* out of memory: the document stays JSON */
	grt_buf_free(&b);
}

static const char *s_or(const struct hub_req *q, int attr)
{
	const char *s = hub_req_str(q, attr);

	return s ? s : "";
}

static uint64_t u64_of(const struct hub_req *q, int attr)
{
	uint64_t v = 0;

	hub_req_u64(q, attr, &v);
	return v;
}

static uint32_t u32_of(const struct hub_req *q, int attr)
{
	uint32_t v = 0;

	hub_req_u32(q, attr, &v);
	return v;
}

static void print_entry(const struct opts *o, const struct hub_req *q, bool *first)
{
	const char *kind = s_or(q, TH_A_KIND);
	char a[64], b[64];

	if (o->json) {
		printf("%s{\"kind\":", *first ? "" : ",\n");
		json_str(kind);
		if (!strcmp(kind, "host")) {
			printf(",\"name\":");
			json_str(s_or(q, TH_A_NAME));
			printf(",\"owner\":");
			json_str(user_name(u32_of(q, TH_A_OWNER), a, sizeof(a)));
			printf(",\"guests\":%u}", u32_of(q, TH_A_GUEST));
		} else if (!strcmp(kind, "service")) {
			printf(",\"name\":");
			json_str(s_or(q, TH_A_NAME));
			printf(",\"confdir\":");
			json_str(s_or(q, TH_A_CONFDIR));
			printf("}");
		} else if (!strcmp(kind, "class")) {
			printf(",\"host\":");
			json_str(s_or(q, TH_A_HOST));
			printf(",\"name\":");
			json_str(s_or(q, TH_A_CLASS));
			printf(",\"size\":%llu,\"policy\":", (unsigned long long)u64_of(q, TH_A_SIZE));
			json_str(s_or(q, TH_A_POLICY));
			printf(",\"fill\":%llu,\"records\":%llu,\"overwritten\":%llu,\"lost\":%llu}",
			       (unsigned long long)u64_of(q, TH_A_FILL),
			       (unsigned long long)u64_of(q, TH_A_RECORDS),
			       (unsigned long long)u64_of(q, TH_A_OVERWRITTEN),
			       (unsigned long long)u64_of(q, TH_A_LOST));
		} else {
			printf(",\"name\":");
			json_str(s_or(q, TH_A_NAME));
			printf(",\"id\":%llu,\"owner\":", (unsigned long long)u64_of(q, TH_A_SESSION_ID));
			json_str(user_name(u32_of(q, TH_A_OWNER), a, sizeof(a)));
			printf(",\"host\":");
			json_str(s_or(q, TH_A_HOST));
			printf(",\"guest\":%u,\"state\":", u32_of(q, TH_A_GUEST_ID));
			json_str(s_or(q, TH_A_STATE));
			printf(",\"runner\":");
			json_str(s_or(q, TH_A_MESSAGE));
			printf(",\"script\":");
			json_str(s_or(q, TH_A_SCRIPT));
			printf(",\"error\":");
			json_str(s_or(q, TH_A_ERROR));
			printf(",\"output_lost\":%llu}", (unsigned long long)u64_of(q, TH_A_LOST));
		}
		*first = false;
		return;
	}
	if (!strcmp(kind, "host")) {
		printf("host %-16s owner %-10s guests %u\n", s_or(q, TH_A_NAME),
		       user_name(u32_of(q, TH_A_OWNER), a, sizeof(a)), u32_of(q, TH_A_GUEST));
		printf("  %-12s %8s %-9s %10s %12s %12s %10s\n", "CLASS", "SIZE", "POLICY", "FILL",
		       "RECORDS", "OVERWRITTEN", "LOST");
	} else if (!strcmp(kind, "service")) {
		/* the scripts the service runs (tapctl service status tells more) */
		printf("service script %s, from %s\n", s_or(q, TH_A_NAME), s_or(q, TH_A_CONFDIR));
	} else if (!strcmp(kind, "class")) {
		printf("  %-12s %8s %-9s %10s %12llu %12llu %10llu\n", s_or(q, TH_A_CLASS),
		       size_str(u64_of(q, TH_A_SIZE), a, sizeof(a)), s_or(q, TH_A_POLICY),
		       size_str(u64_of(q, TH_A_FILL), b, sizeof(b)),
		       (unsigned long long)u64_of(q, TH_A_RECORDS),
		       (unsigned long long)u64_of(q, TH_A_OVERWRITTEN),
		       (unsigned long long)u64_of(q, TH_A_LOST));
	} else {
		if (*first)
			printf("%-16s %5s %-10s %-16s %5s %-10s %-20s %s\n", "SESSION", "ID", "OWNER",
			       "HOST", "GUEST", "STATE", "RUNNER", "SCRIPT");
		*first = false;
		printf("%-16s %5llu %-10s %-16s %5u %-10s %-20s %s\n", s_or(q, TH_A_NAME),
		       (unsigned long long)u64_of(q, TH_A_SESSION_ID),
		       user_name(u32_of(q, TH_A_OWNER), a, sizeof(a)), s_or(q, TH_A_HOST),
		       u32_of(q, TH_A_GUEST_ID), s_or(q, TH_A_STATE),
		       *s_or(q, TH_A_MESSAGE) ? s_or(q, TH_A_MESSAGE) : "-", s_or(q, TH_A_SCRIPT));
		/* under its session: the last thing that went wrong in its runner */
		if (*s_or(q, TH_A_ERROR))
			printf("  last error: %s\n", s_or(q, TH_A_ERROR));
	}
}

static int do_list(int fd, const struct opts *o, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	bool first_json = true, first_session = true;
	int r;

	if (!m || !q) {
		free(m);
		free(q);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	hub_msg_init(m, TH_MSG_LIST, hub_next_seq());
	r = hub_call(fd, m, q, err, errlen);
	if (o->json && !r)
		printf("[\n");
	while (!r) {
		r = hub_msg_recv(fd, q, err, errlen);
		if (r || q->h.type == TH_MSG_END)
			break;
		if (q->h.type != TH_MSG_ENTRY)
			continue;
		if (!strcmp(s_or(q, TH_A_KIND), "session"))
			print_entry(o, q, o->json ? &first_json : &first_session);
		else
			print_entry(o, q, &first_json);
	}
	if (o->json && !r)
		printf("\n]\n");
	free(m);
	free(q);
	return r;
}

static int simple(int fd, int type, const char *name, const struct opts *o, char *err,
		  size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	char *end;
	unsigned long long id;
	int r, i;

	if (!m || !q) {
		free(m);
		free(q);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	q->nfds = 0; /* closed below, even when no reply came */
	hub_msg_init(m, type, hub_next_seq());
	id = strtoull(name, &end, 10);
	if (type == TH_MSG_SESSION_STOP && *name && !*end)
		r = hub_msg_put_u64(m, TH_A_SESSION_ID, id);
	else
		r = hub_msg_put_str(m, TH_A_NAME, name);
	if (o->force)
		r |= hub_msg_put_u32(m, TH_A_FORCE, 1);
	if (o->discard)
		r |= hub_msg_put_u32(m, TH_A_DISCARD, 1);
	for (i = 0; i < o->nclasses; i++)
		r |= hub_msg_put_str(m, TH_A_CLASS_SPEC, o->classes[i]);
	/* each value was checked; together they may still not fit */
	if (r) {
		snprintf(err, errlen, "the request does not fit in a message to taphubd (%u KB)",
			 TH_PROTO_MAX_MSG >> 10);
		r = -EMSGSIZE;
	} else {
		r = hub_call(fd, m, q, err, errlen);
	}
	hub_req_close_fds(q);
	free(m);
	free(q);
	return r;
}

/* Offline: reads the state dir or a core, never talks to a hub. */
static int do_recover(const struct opts *o, const char *name)
{
	struct hub_recover_opts ro = {
		.state_dir = o->state_dir ? o->state_dir : hub_state_dir_default(),
		.name = name, .core = o->core, .output = o->output, .binary = o->binary,
		.json = o->json, .out = stdout, .report = stderr,
	};
	char err[4096] = "";
	int r;

	if (o->binary && !o->output) {
		fputs("tapctl: --format=binary needs -o FILE\n", stderr);
		return 1;
	}
	if (o->delete) {
		if (!name || o->core) {
			fputs("tapctl: recover --delete NAME deletes one host directory of the state "
			      "dir\n",
			      stderr);
			return 1;
		}
		r = hub_recover_delete(ro.state_dir, name, stdout, err, sizeof(err));
		if (r) {
			fprintf(stderr, "tapctl: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (!name && !o->core) {
		r = hub_recover_list(ro.state_dir, stdout, stderr, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "tapctl: %s\n", err);
			return 1;
		}
		if (!r)
			printf("nothing to recover in %s\n", ro.state_dir);
		return 0;
	}
	r = hub_recover(&ro, err, sizeof(err));
	if (r) {
		fprintf(stderr, "tapctl: %s\n", err);
		return 1;
	}
	return 0;
}

static void refuse(int r, const char *err)
{
	if (r) {
		fprintf(stderr, "tapctl: %s\n", err);
		exit(1);
	}
}

/* A session or host named on the command line (a stop may give an id). */
static void check_name_arg(const char *cmd, const char *name)
{
	char opt[32], err[512];

	snprintf(opt, sizeof(opt), "%s NAME", cmd);
	refuse(hub_check_name(opt, name, err, sizeof(err)), err);
}

/* A command line tapctl cannot take: one line, the pointer to --help, exit 1. */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("tapctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tapctl --help' for more information.\n", stderr);
	exit(1);
}

/*
 * What each command takes: how many words after it, and which options
 * (an option given to a command that ignores it is an error).
 */
enum { O_CLASS = 1, O_GUEST = 2, O_FORCE = 4, O_RECOVER = 8, O_JSON = 16, O_DISCARD = 32,
       O_DELETE = 64 };

static const struct command {
	const char *name;
	int min, max; /* words after the command */
	int opts;
} commands[] = {
	{ "list", 0, 0, O_JSON },
	{ "stop", 1, 1, O_DISCARD },
	{ "switch", 1, 1, 0 },
	{ "attach", 1, 1, O_CLASS | O_GUEST },
	{ "host", 2, 2, O_CLASS | O_FORCE | O_DISCARD },
	{ "recover", 0, 1, O_RECOVER | O_JSON | O_DELETE },
};

static void check_command(const struct command *c, const struct opts *o, int nwords,
			  char **words)
{
	char err[512];
	int i;

	if (nwords < c->min && c->min == 2)
		fail("host needs: create NAME --class ... | destroy NAME [--force]");
	if (nwords < c->min)
		fail("%s needs a session name", c->name);
	if (nwords > c->max)
		fail("%s: unexpected argument '%s'", c->name, words[c->max]);
	{
		const struct {
			bool given;
			int kind;
			const char *name;
		} given[] = {
			{ o->nclasses > 0, O_CLASS, "--class" }, { o->guest_set, O_GUEST, "--guest" },
			{ o->force, O_FORCE, "--force" },        { o->json, O_JSON, "--json" },
			{ !!o->state_dir, O_RECOVER, "--state-dir" }, { !!o->core, O_RECOVER, "--core" },
			{ !!o->output, O_RECOVER, "-o" },        { o->binary, O_RECOVER, "--format" },
			{ o->discard, O_DISCARD, "--discard" },  { o->delete, O_DELETE, "--delete" },
		};

		for (i = 0; i < (int)(sizeof(given) / sizeof(given[0])); i++)
			if (given[i].given && !(c->opts & given[i].kind))
				fail("%s does not take %s", c->name, given[i].name);
	}
	if (!strcmp(c->name, "host")) {
		struct hub_class_spec spec;
		bool create = !strcmp(words[0], "create");

		if (!create && strcmp(words[0], "destroy"))
			fail("host needs: create NAME --class ... | destroy NAME [--force]");
		check_name_arg(words[0], words[1]);
		if ((create && (o->force || o->discard)) || (!create && o->nclasses))
			fail("host %s does not take %s", words[0],
			     !create ? "--class" : o->force ? "--force" : "--discard");
		for (i = 0; i < o->nclasses; i++) {
			refuse(hub_check_len("--class", o->classes[i], TH_PROTO_MAX_STR - 1, err,
					     sizeof(err)),
			       err);
			refuse(hub_class_spec_parse(o->classes[i], &spec, err, sizeof(err)), err);
		}
		return;
	}
	if (!strcmp(c->name, "attach")) {
		if (o->nclasses > 1)
			fail("attach shows one class: give --class once");
		if (o->nclasses)
			refuse(hub_check_name("--class", o->cls, err, sizeof(err)), err);
	}
	if (!strcmp(c->name, "recover")) {
		/* a host's directory: NAME or NAME.N */
		if (nwords)
			refuse(hub_check_len("recover NAME", words[0], HUB_NAME_MAX + 8, err,
					     sizeof(err)),
			       err);
		return;
	}
	if (nwords && !(!strcmp(c->name, "stop") && strspn(words[0], "0123456789") == strlen(words[0])))
		check_name_arg(c->name, words[0]);
}

/* The hub library's messages (hub_set_print). */
static void print_msg(const char *msg)
{
	fprintf(stderr, "tapctl: %s\n", msg);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "class", required_argument, NULL, 'c' },
		{ "guest", required_argument, NULL, 'G' },
		{ "force", no_argument, NULL, 'F' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "core", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "discard", no_argument, NULL, 'D' },
		{ "delete", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	const struct command *cmd = NULL;
	char err[4096] = "";
	size_t k;
	int c, fd, r = 0;

	/* options may follow the command: tapctl host create X --class ... */
	hub_set_print(print_msg);
	/* tapctl [--socket PATH] service ...: its own words and options */
	{
		int i = 1;

		if (i + 1 < argc && !strcmp(argv[i], "--socket"))
			i += 2;
		if (i < argc && !strcmp(argv[i], "service")) {
			if (i == 3)
				refuse(hub_check_len("--socket", argv[2], HUB_SOCKET_PATH_MAX, err,
						     sizeof(err)),
				       err);
			return tapctl_service(i == 3 ? argv[2] : NULL, argc - i - 1, argv + i + 1);
		}
	}
	while ((c = getopt_long(argc, argv, "ho:", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			refuse(hub_check_len("--socket", optarg, HUB_SOCKET_PATH_MAX, err, sizeof(err)),
			       err);
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'c':
			if (o.nclasses == TH_MAX_CLASSES) {
				fprintf(stderr, "tapctl: at most %d classes\n", TH_MAX_CLASSES);
				return 1;
			}
			o.classes[o.nclasses++] = optarg;
			o.cls = optarg;
			break;
		case 'G': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || !v ||
			    v > UINT32_MAX) {
				fprintf(stderr, "tapctl: --guest expects a guest id (1 to %u), not '%s'\n",
					UINT32_MAX, optarg);
				return 1;
			}
			o.guest = (uint32_t)v;
			o.guest_set = true;
			break;
		}
		case 'F':
			o.force = true;
			break;
		case 'S':
			refuse(hub_check_len("--state-dir", optarg, HUB_STATE_DIR_MAX, err,
					     sizeof(err)),
			       err);
			o.state_dir = optarg;
			break;
		case 'C':
			refuse(hub_check_len("--core", optarg, PATH_MAX - 1, err, sizeof(err)), err);
			o.core = optarg;
			break;
		case 'o':
			refuse(hub_check_len("-o", optarg, PATH_MAX - 1, err, sizeof(err)), err);
			o.output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "binary")) {
				fprintf(stderr, "tapctl: --format expects text or binary, not '%s'\n",
					optarg);
				return 1;
			}
			o.binary = !strcmp(optarg, "binary");
			break;
		case 'D':
			o.discard = true;
			break;
		case 'X':
			o.delete = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("Try 'tapctl --help' for more information.\n", stderr);
			return 1;
		}
	}
	if (optind >= argc)
		fail("no command given");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[optind], commands[k].name))
			cmd = &commands[k];
	if (!cmd)
		fail("unknown command '%s'", argv[optind]);
	optind++;
	check_command(cmd, &o, argc - optind, argv + optind);
	if (!strcmp(cmd->name, "recover"))
		return do_recover(&o, optind < argc ? argv[optind] : NULL);
	fd = hub_connect(o.socket, false, NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "tapctl: %s\n", err);
		return 1;
	}
	err[0] = 0;
	if (!strcmp(cmd->name, "list")) {
		r = do_list(fd, &o, err, sizeof(err));
	} else if (!strcmp(cmd->name, "stop")) {
		fflush(stdout);
		r = hub_stop(fd, argv[optind], o.discard, 1, err, sizeof(err));
	} else if (!strcmp(cmd->name, "attach")) {
		r = hub_attach(fd, argv[optind], o.nclasses ? o.cls : NULL, o.guest, 1, 2, err,
			       sizeof(err));
	} else if (!strcmp(cmd->name, "switch")) {
		r = simple(fd, TH_MSG_SWITCH, argv[optind], &o, err, sizeof(err));
	} else {
		const char *verb = argv[optind], *name = argv[optind + 1];

		r = simple(fd, !strcmp(verb, "create") ? TH_MSG_HOST_CREATE : TH_MSG_HOST_DESTROY,
			   name, &o, err, sizeof(err));
		if (!r)
			printf("%s host %s\n", !strcmp(verb, "create") ? "created" : "destroyed", name);
	}
	close(fd);
	if (!r && (fflush(stdout) || ferror(stdout))) {
		r = errno ? -errno : -EIO;
		snprintf(err, sizeof(err), "cannot write the output: %s", strerror(-r));
	}
	if (r)
		fprintf(stderr, "tapctl: %s\n", err[0] ? err : strerror(-r));
	return r ? 1 : 0;
}
