// SPDX-License-Identifier: MIT
/*
 * tapctl service: the boot-time service (docs/service.md).
 *
 *   tapctl service compile|start|stop|restart|status [NAME...]
 *   tapctl service reload
 *   tapctl service resume --state-dir DIR     (taphubd runs it at start)
 *
 * The layout (script.d, conf.d, config; hub/service_conf.c) says what to
 * run.  Each script NAME records into a relay host named NAME (its conf's
 * relay_host: that one instead), which holds its classes and its -o
 * files; the script itself is a guest of that host, the session
 * svc_NAME_GEN, started by `tap -F` as the script's owner.  A reload
 * starts the changed script's next generation on the same host before it
 * stops the old one: the two guests overlap, so the host's stream has no
 * gap.  The hub keeps which scripts the service runs (TH_MSG_SERVICE) and
 * brings them back after a restart (tapctl service resume).
 *
 * Compiling is tap's (service_compile: tap -p4, the compile cache), one
 * function, so that precompiled artifacts can take its place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hub/hub.h"
#include "tools/tapctl.h"

#define SESSION_PREFIX "svc_"
#define TAP_ERR_MAX 4096 /* what tap said when it failed, shown whole */

/* What the hub shows of the service's hosts and sessions. */
struct view_session {
	char name[HUB_NAME_MAX + 1], host[HUB_NAME_MAX + 1], state[32], error[256];
	uint64_t uptime;
	int gen;
};
struct view_class {
	char host[HUB_NAME_MAX + 1];
	uint64_t records, lost, overwritten;
};
struct view_record {
	char name[HUB_NAME_MAX + 1], confdir[PATH_MAX];
	uint64_t hash;
};
struct view {
	struct view_session *s;
	int ns;
	struct view_class *c;
	int nc;
	struct view_record *r;
	int nr;
	char (*hosts)[HUB_NAME_MAX + 1];
	int nh;
};

struct svc {
	const char *socket;
	int fd;
	struct hub_service_set set;
	struct view v;
	int failed; /* scripts that could not be done: exit 1 */
};

/* One more zeroed element at the end of *arr (*n of size bytes): its address. */
static void *push(void *arr, int *n, size_t size)
{
	void **p = arr;
	char *q = realloc(*p, size * (size_t)(*n + 1));

	if (!q) {
		fputs("tapctl: out of memory\n", stderr);
		exit(1);
	}
	*p = q;
	memset(q + size * (size_t)*n, 0, size);
	return q + size * (size_t)(*n)++;
}

static void view_free(struct view *v)
{
	free(v->s);
	free(v->c);
	free(v->r);
	free(v->hosts);
	memset(v, 0, sizeof(*v));
}

static void copy(char *dst, size_t len, const struct hub_req *q, int attr)
{
	const char *s = hub_req_str(q, attr);

	snprintf(dst, len, "%s", s ? s : "");
}

/* The hub's listing, the service's part of it. */
static int view_load(struct svc *S, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	struct view *v = &S->v;
	int r;

	view_free(v);
	if (!m || !q) {
		free(m);
		free(q);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	hub_msg_init(m, TH_MSG_LIST, hub_next_seq());
	r = hub_call(S->fd, m, q, err, errlen);
	while (!r) {
		const char *kind;

		r = hub_msg_recv(S->fd, q, err, errlen);
		if (r || q->h.type == TH_MSG_END)
			break;
		kind = hub_req_str(q, TH_A_KIND);
		if (q->h.type != TH_MSG_ENTRY || !kind)
			continue;
		if (!strcmp(kind, "session")) {
			struct view_session *s;
			const char *name = hub_req_str(q, TH_A_NAME), *us;

			if (!name || strncmp(name, SESSION_PREFIX, strlen(SESSION_PREFIX)))
				continue;
			s = push(&v->s, &v->ns, sizeof(*v->s));
			copy(s->name, sizeof(s->name), q, TH_A_NAME);
			copy(s->host, sizeof(s->host), q, TH_A_HOST);
			copy(s->state, sizeof(s->state), q, TH_A_STATE);
			copy(s->error, sizeof(s->error), q, TH_A_ERROR);
			hub_req_u64(q, TH_A_UPTIME, &s->uptime);
			us = strrchr(s->name, '_');
			s->gen = us ? atoi(us + 1) : 0;
		} else if (!strcmp(kind, "class")) {
			struct view_class *c;

			c = push(&v->c, &v->nc, sizeof(*v->c));
			copy(c->host, sizeof(c->host), q, TH_A_HOST);
			hub_req_u64(q, TH_A_RECORDS, &c->records);
			hub_req_u64(q, TH_A_LOST, &c->lost);
			hub_req_u64(q, TH_A_OVERWRITTEN, &c->overwritten);
		} else if (!strcmp(kind, "host")) {
			copy(push(&v->hosts, &v->nh, sizeof(*v->hosts)), sizeof(v->hosts[0]), q,
			     TH_A_NAME);
		} else if (!strcmp(kind, "service")) {
			struct view_record *rec;

			rec = push(&v->r, &v->nr, sizeof(*v->r));
			copy(rec->name, sizeof(rec->name), q, TH_A_NAME);
			copy(rec->confdir, sizeof(rec->confdir), q, TH_A_CONFDIR);
			hub_req_u64(q, TH_A_HASH, &rec->hash);
		}
	}
	free(m);
	free(q);
	return r;
}

static const char *host_of(const struct hub_service *s, const char *name)
{
	return s && s->relay_host[0] ? s->relay_host : name;
}

/* Session name of a script's generation: svc_NAME_GEN. */
static void session_name(const char *name, int gen, char *out, size_t len)
{
	snprintf(out, len, SESSION_PREFIX "%.*s_%d", HUB_SERVICE_NAME_MAX, name, gen);
}

static bool is_session_of(const struct view_session *s, const char *name)
{
	size_t p = strlen(SESSION_PREFIX), n = strlen(name);
	const char *rest = s->name + p + n;

	return !strncmp(s->name + p, name, n) && rest[0] == '_' && rest[1] &&
	       strspn(rest + 1, "0123456789") == strlen(rest + 1);
}

/* The newest generation of NAME's sessions (NULL: not running). */
static struct view_session *running(struct svc *S, const char *name)
{
	struct view_session *best = NULL;
	int i;

	for (i = 0; i < S->v.ns; i++)
		if (is_session_of(&S->v.s[i], name) && (!best || S->v.s[i].gen > best->gen))
			best = &S->v.s[i];
	return best;
}

static struct view_record *record_of(struct svc *S, const char *name)
{
	int i;

	for (i = 0; i < S->v.nr; i++)
		if (!strcmp(S->v.r[i].name, name))
			return &S->v.r[i];
	return NULL;
}

static bool host_exists(struct svc *S, const char *host)
{
	int i;

	for (i = 0; i < S->v.nh; i++)
		if (!strcmp(S->v.hosts[i], host))
			return true;
	return false;
}

/*
 * The compile cache of a script's owner: a service user often has no home
 * (nobody: /nonexistent), so the service gives it one of its own,
 * $TAPHUB_SERVICE_CACHE (default /var/cache/taphub)/owner-NAME, the
 * owner's.  In the child, before it becomes the owner: 0 or -1 (errno).
 */
static int owner_cache(const struct passwd *pw)
{
	const char *base = getenv("TAPHUB_SERVICE_CACHE");
	char dir[PATH_MAX];

	if (!base || !*base)
		base = "/var/cache/taphub";
	if (mkdir(base, 0755) && errno != EEXIST)
		return -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/owner-%s", base, pw->pw_name) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((mkdir(dir, 0700) && errno != EEXIST) || chown(dir, pw->pw_uid, pw->pw_gid))
		return -1;
	return setenv("TAPHUB_CACHE", dir, 1);
}

/*
 * Run tap with args as the script's owner (root: as root); 0 when it
 * succeeded, else -1 with what it said in err.  tap's stdout goes to out
 * (NULL: discarded).
 */
static int run_tap(const struct hub_service *s, char *const *args, char *err, size_t errlen)
{
	char self[PATH_MAX], tap[PATH_MAX + 8];
	int p[2], st;
	ssize_t n, len = 0;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(err, errlen, "cannot find tap: %s", strerror(errno));
		return -1;
	}
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(tap, sizeof(tap), "%s/tap", self);
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 2);
		dup2(p[1], 1);
		if (s->owner[0]) {
			struct passwd *pw = getpwnam(s->owner);

			if (!pw) {
				fprintf(stderr, "owner '%s' (%s): no such user\n", s->owner, s->conf);
				_exit(1);
			}
			if (pw->pw_uid != geteuid() && owner_cache(pw)) {
				fprintf(stderr, "owner '%s': cannot make its compile cache: %s\n",
					s->owner, strerror(errno));
				_exit(1);
			}
			if (pw->pw_uid != geteuid() &&
			    (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
			     setuid(pw->pw_uid))) {
				fprintf(stderr, "cannot run as owner '%s': %s\n", s->owner,
					strerror(errno));
				_exit(1);
			}
			setenv("HOME", pw->pw_dir, 1);
		}
		execv(tap, args);
		fprintf(stderr, "cannot run %s: %s\n", tap, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < (ssize_t)errlen && (n = read(p[0], err + len, errlen - 1 - (size_t)len)) > 0)
		len += n;
	err[len] = 0;
	/* the rest, if it said more than we keep: the pipe must not fill */
	{
		char sink[512];

		while (read(p[0], sink, sizeof(sink)) > 0)
			;
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	while (len && err[len - 1] == '\n')
		err[--len] = 0;
	if (!len)
		snprintf(err, errlen, "tap failed");
	return -1;
}

/* tap's argv: tap PRE... OPTIONS... SCRIPT */
static char **tap_args(const struct hub_service *s, const char *const *pre, int npre)
{
	char **a = calloc((size_t)(npre + s->nwords + 3), sizeof(*a));
	int n = 0, i;

	if (!a)
		return NULL;
	a[n++] = "tap";
	for (i = 0; i < npre; i++)
		a[n++] = (char *)pre[i];
	for (i = 0; i < s->nwords; i++)
		a[n++] = s->words[i];
	a[n++] = (char *)s->script;
	return a;
}

/*
 * Compile a script as its owner (tap -p4: into the compile cache, where
 * tap -F finds it).  Where precompiled artifacts come in: one place.
 */
static int service_compile(const struct hub_service *s, char *err, size_t errlen)
{
	static const char *const pre[] = { "-p4" };
	char **a = tap_args(s, pre, 1);
	int r;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = run_tap(s, a, err, errlen);
	free(a);
	return r;
}

/* Its session of generation gen, a guest of its host. */
static int service_launch(struct svc *S, const struct hub_service *s, int gen, char *err,
			  size_t errlen)
{
	char name[HUB_NAME_MAX + 1], size[32];
	const char *pre[12];
	int n = 0, r;
	char **a;

	session_name(s->name, gen, name, sizeof(name));
	pre[n++] = "-F";
	pre[n++] = "-m";
	pre[n++] = name;
	pre[n++] = "--relay-guest";
	pre[n++] = host_of(s, s->name);
	if (S->socket) {
		pre[n++] = "--socket";
		pre[n++] = S->socket;
	}
	/* joining another's host: the output is the script's own */
	if (s->relay_host[0] && s->output[0]) {
		pre[n++] = "-o";
		pre[n++] = s->output;
		if (s->rot_size) {
			snprintf(size, sizeof(size), "%llu%s%.0d",
				 (unsigned long long)(s->rot_size >> 20), s->rot_count ? "," : "",
				 s->rot_count);
			pre[n++] = "-S";
			pre[n++] = size;
		}
	}
	a = tap_args(s, pre, n);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = run_tap(s, a, err, errlen);
	free(a);
	return r;
}

static int call_simple(struct svc *S, struct hub_msg *m, char *err, size_t errlen)
{
	struct hub_req *q = malloc(sizeof(*q));
	int r;

	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	q->nfds = 0;
	r = hub_call(S->fd, m, q, err, errlen);
	hub_req_close_fds(q);
	free(q);
	return r;
}

/* NAME's own host: its classes, its -o set (kept across restarts). */
static int host_create(struct svc *S, const struct hub_service *s, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	char spec[64];
	int r = 0, i;

	if (!m)
		return -ENOMEM;
	hub_msg_init(m, TH_MSG_HOST_CREATE, hub_next_seq());
	r |= hub_msg_put_str(m, TH_A_NAME, s->name);
	r |= hub_msg_put_str(m, TH_A_CONFDIR, S->set.confdir);
	for (i = 0; i < s->nclasses; i++)
		r |= hub_msg_put_str(m, TH_A_CLASS_SPEC, s->classes[i]);
	if (!s->nclasses) {
		snprintf(spec, sizeof(spec), "default=%lluM:overwrite",
			 (unsigned long long)((s->bufsize ? s->bufsize : HUB_BUF_DEFAULT) >> 20));
		r |= hub_msg_put_str(m, TH_A_CLASS_SPEC, spec);
	}
	if (s->output[0]) {
		r |= hub_msg_put_str(m, TH_A_OUTPUT, s->output);
		r |= hub_msg_put_str(m, TH_A_FORMAT, "text");
		if (s->rot_size)
			r |= hub_msg_put_u64(m, TH_A_ROTATE_SIZE, s->rot_size);
		if (s->rot_count)
			r |= hub_msg_put_u32(m, TH_A_ROTATE_COUNT, (uint32_t)s->rot_count);
	}
	if (r) {
		snprintf(err, errlen, "the host's settings do not fit in a message");
		r = -EMSGSIZE;
	} else {
		r = call_simple(S, m, err, errlen);
	}
	free(m);
	return r;
}

static int host_destroy(struct svc *S, const char *host, bool discard, char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	hub_msg_init(m, TH_MSG_HOST_DESTROY, hub_next_seq());
	hub_msg_put_str(m, TH_A_NAME, host);
	hub_msg_put_u32(m, TH_A_FORCE, 1);
	if (discard)
		hub_msg_put_u32(m, TH_A_DISCARD, 1);
	r = call_simple(S, m, err, errlen);
	free(m);
	return r;
}

/* Tell the hub the service runs s (forget: no longer runs name). */
static int note(struct svc *S, const struct hub_service *s, const char *name, bool forget,
		char *err, size_t errlen)
{
	struct hub_msg *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	hub_msg_init(m, TH_MSG_SERVICE, hub_next_seq());
	hub_msg_put_str(m, TH_A_NAME, name);
	if (forget) {
		hub_msg_put_u32(m, TH_A_DISCARD, 1);
	} else {
		hub_msg_put_str(m, TH_A_CONFDIR, S->set.confdir);
		hub_msg_put_u64(m, TH_A_HASH, s->hash);
	}
	r = call_simple(S, m, err, errlen);
	free(m);
	return r;
}

static void failed(struct svc *S, const char *name, const char *why)
{
	if (name)
		fprintf(stderr, "tapctl: %s: %s\n", name, why);
	else
		fprintf(stderr, "tapctl: %s\n", why);
	S->failed++;
}

/* A script of the layout by name, or one line on why not. */
static struct hub_service *lookup(struct svc *S, const char *name)
{
	struct hub_service *s = hub_service_find(&S->set, name);
	char why[PATH_MAX * 2 + 128];

	if (!s) {
		snprintf(why, sizeof(why), "no script %s.stp in %s or %s", name, S->set.script_dir,
			 S->set.stap_script_dir);
		failed(S, name, why);
		return NULL;
	}
	if (s->error[0]) {
		failed(S, NULL, s->error);
		return NULL;
	}
	return s;
}

static int start_one(struct svc *S, struct hub_service *s)
{
	char err[TAP_ERR_MAX];
	bool made_host = false;

	if (running(S, s->name)) {
		printf("%s: already recording\n", s->name);
		return 0;
	}
	if (!s->relay_host[0] && !host_exists(S, s->name)) {
		int r = host_create(S, s, err, sizeof(err));

		/* -EEXIST: made since we looked (the hub's resume and systemd's start race) */
		if (r && r != -EEXIST) {
			failed(S, s->name, err);
			return -1;
		}
		made_host = !r;
	}
	if (service_launch(S, s, 1, err, sizeof(err))) {
		char why[256];

		/* started since we looked: as good as started by us */
		if (!made_host && !view_load(S, why, sizeof(why)) && running(S, s->name)) {
			printf("%s: already recording\n", s->name);
			return 0;
		}
		failed(S, s->name, err);
		/* a host that never had a guest: nothing recorded to keep */
		if (made_host)
			host_destroy(S, s->name, true, err, sizeof(err));
		return -1;
	}
	if (note(S, s, s->name, false, err, sizeof(err)))
		fprintf(stderr, "tapctl: %s: WARNING: the hub did not record it, so it will not "
				"come back after a restart: %s\n", s->name, err);
	printf("%s: recording (session " SESSION_PREFIX "%s_1, host %s)\n", s->name, s->name,
	       host_of(s, s->name));
	return 0;
}

static int stop_sessions(struct svc *S, const char *name, int below_gen)
{
	char err[1024];
	int i, n = 0;

	for (i = 0; i < S->v.ns; i++) {
		struct view_session *v = &S->v.s[i];

		if (!is_session_of(v, name) || (below_gen && v->gen >= below_gen))
			continue;
		fflush(stdout);
		if (hub_stop(S->fd, v->name, false, 1, err, sizeof(err)))
			failed(S, name, err);
		else
			n++;
	}
	return n;
}

static void stop_one(struct svc *S, const char *name)
{
	struct hub_service *s = hub_service_find(&S->set, name);
	struct view_session *v = running(S, name);
	char host[sizeof(v->host)];
	char err[1024];
	int n;

	/*
	 * Its own host goes with it, a shared one (relay_host) stays.  A script
	 * gone from the layout says neither: its running session's host does,
	 * and with none running, no host is destroyed (its records stay).
	 */
	snprintf(host, sizeof(host), "%s", s ? host_of(s, name) : v ? v->host : "");
	n = stop_sessions(S, name, 0);
	if ((s ? !s->relay_host[0] : !strcmp(host, name)) && host_exists(S, host)) {
		if (host_destroy(S, host, false, err, sizeof(err)))
			failed(S, name, err);
		else
			n++;
	}
	note(S, NULL, name, true, err, sizeof(err));
	printf("%s: %s\n", name, n ? "stopped" : "not running");
}

/* The next generation beside the running one, then the old one goes: no gap. */
static int swap_one(struct svc *S, struct hub_service *s, struct view_session *old)
{
	char err[TAP_ERR_MAX];
	int gen = old->gen + 1;

	if (service_launch(S, s, gen, err, sizeof(err))) {
		failed(S, s->name, err);
		fprintf(stderr, "tapctl: %s: the running version records on\n", s->name);
		return -1;
	}
	stop_sessions(S, s->name, gen);
	note(S, s, s->name, false, err, sizeof(err));
	printf("%s: reloaded (session " SESSION_PREFIX "%s_%d, host %s)\n", s->name, s->name, gen,
	       host_of(s, s->name));
	return 0;
}

static void print_outputs(const char *pattern)
{
	char pat[PATH_MAX + 4];
	glob_t g;
	size_t i;
	bool any = false;

	for (int k = 0; k < 2; k++) {
		snprintf(pat, sizeof(pat), k ? "%s.*" : "%s", pattern);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (i = 0; i < g.gl_pathc; i++) {
			printf("%s%s", any ? " " : "  output ", g.gl_pathv[i]);
			any = true;
		}
		globfree(&g);
	}
	if (any)
		putchar('\n');
	else
		printf("  output %s (nothing written yet)\n", pattern);
}

static void status_one(struct svc *S, const char *name)
{
	struct hub_service *s = hub_service_find(&S->set, name);
	struct view_session *v = running(S, name);
	const char *host = host_of(s, name);
	uint64_t records = 0, lost = 0, over = 0;
	int i;

	if (!s && !v && !record_of(S, name)) {
		lookup(S, name); /* says there is no such script */
		return;
	}

	for (i = 0; i < S->v.nc; i++)
		if (!strcmp(S->v.c[i].host, host)) {
			records += S->v.c[i].records;
			lost += S->v.c[i].lost;
			over += S->v.c[i].overwritten;
		}
	if (v)
		printf("%s: %s  uptime %llus  records %llu  lost %llu  overwritten %llu  session "
		       "%s  host %s\n",
		       name, v->state, (unsigned long long)v->uptime, (unsigned long long)records,
		       (unsigned long long)lost, (unsigned long long)over, v->name, host);
	else if (s && s->error[0])
		printf("%s: refused  %s\n", name, s->error);
	else
		printf("%s: stopped%s\n", name, s && !s->boot ? "  (start_at_boot no)" : "");
	if (s && s->script[0]) {
		printf("  script %s (%s)", s->script, s->from_stap ? "SystemTap's layout" : "taphub's");
		if (s->shadowed[0])
			printf(", shadows %s", s->shadowed);
		putchar('\n');
		if (s->output[0])
			print_outputs(s->output);
	} else if (!s) {
		printf("  no longer in the layout (tapctl service reload stops it)\n");
	}
	if (v && v->error[0])
		printf("  last error: %s\n", v->error);
}

/* Names given, or every script of the layout (only_boot: those started at boot). */
static int each_name(struct svc *S, int argc, char **argv, bool only_boot,
		     int (*fn)(struct svc *, struct hub_service *))
{
	int i;

	if (argc) {
		for (i = 0; i < argc; i++) {
			struct hub_service *s = lookup(S, argv[i]);

			if (s)
				fn(S, s);
		}
		return 0;
	}
	for (i = 0; i < S->set.n; i++) {
		struct hub_service *s = &S->set.v[i];

		if (s->error[0]) {
			failed(S, NULL, s->error);
			continue;
		}
		if (!only_boot || s->boot)
			fn(S, s);
	}
	return 0;
}

/*
 * Names given, else every script the layout has and every one the hub
 * records that it no longer has (only_active: of the layout's, those
 * running or recorded).
 */
static void each_known(struct svc *S, int argc, char **argv, bool only_active,
		       void (*fn)(struct svc *, const char *))
{
	int i;

	for (i = 0; i < argc; i++)
		fn(S, argv[i]);
	for (i = 0; !argc && i < S->set.n; i++)
		if (!only_active || running(S, S->set.v[i].name) || record_of(S, S->set.v[i].name))
			fn(S, S->set.v[i].name);
	for (i = 0; !argc && i < S->v.nr; i++)
		if (!hub_service_find(&S->set, S->v.r[i].name))
			fn(S, S->v.r[i].name);
}

static int compile_one(struct svc *S, struct hub_service *s)
{
	char err[TAP_ERR_MAX];

	if (service_compile(s, err, sizeof(err))) {
		failed(S, s->name, err);
		return -1;
	}
	printf("%s: compiled\n", s->name);
	return 0;
}

static void reload(struct svc *S)
{
	int i;

	/* removed: recorded or running, no longer in the layout */
	for (i = 0; i < S->v.nr; i++)
		if (!hub_service_find(&S->set, S->v.r[i].name))
			stop_one(S, S->v.r[i].name);
	for (i = 0; i < S->set.n; i++) {
		struct hub_service *s = &S->set.v[i];
		struct view_session *v = running(S, s->name);
		struct view_record *rec = record_of(S, s->name);

		if (s->error[0]) {
			failed(S, NULL, s->error);
			if (v)
				fprintf(stderr, "tapctl: %s: the running version records on\n", s->name);
			continue;
		}
		if (!v) {
			if (s->boot)
				start_one(S, s); /* added */
			continue;
		}
		if (rec && rec->hash == s->hash) {
			printf("%s: unchanged\n", s->name);
			continue;
		}
		swap_one(S, s, v);
	}
}

/* After a hub restart: every script the last hub's service ran, from its layout. */
static void resume(struct svc *S, const char *state_dir)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], line[PATH_MAX + 16], err[1024];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/service", state_dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char confdir[PATH_MAX] = "";
		struct hub_service *s;
		FILE *f;

		if (!hub_name_valid(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "confdir=", 8)) {
				line[strcspn(line, "\n")] = 0;
				snprintf(confdir, sizeof(confdir), "%.4000s", line + 8);
			}
		fclose(f);
		if (!confdir[0])
			continue;
		setenv("TAPHUB_CONFDIR", confdir, 1);
		hub_service_set_free(&S->set);
		if (hub_service_load(&S->set, err, sizeof(err))) {
			failed(S, e->d_name, err);
			continue;
		}
		s = lookup(S, e->d_name);
		if (s && !view_load(S, err, sizeof(err)))
			start_one(S, s);
	}
	closedir(d);
}

static void usage_service(FILE *f)
{
	fputs("Usage: tapctl [--socket PATH] service COMMAND [NAME...]\n"
	      "\n"
	      "  compile [NAME...]   compile the scripts (tap -p4, as their owners)\n"
	      "  start [NAME...]     start them (no NAME: those with start_at_boot yes)\n"
	      "  stop [NAME...]      stop them (no NAME: every one running); records stay\n"
	      "  restart [NAME...]   stop, then start\n"
	      "  status [NAME...]    state, uptime, records, lost, output files, last error\n"
	      "  reload              start added scripts, stop removed ones, swap changed\n"
	      "                      ones in without a gap in their relay host\n"
	      "\n"
	      "Layout: $TAPHUB_CONFDIR (/etc/taphub)/script.d/NAME.stp, conf.d/NAME.conf,\n"
	      "config; SystemTap's /etc/systemtap too ($TAPHUB_STAP_CONFDIR). See\n"
	      "docs/service.md.\n",
	      f);
}

int tapctl_service(const char *socket, int argc, char **argv)
{
	struct svc S = { .socket = socket, .fd = -1 };
	const char *cmd, *state_dir = NULL;
	char err[4096];
	int i;

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage_service(argc < 1 ? stderr : stdout);
		return argc < 1 ? 1 : 0;
	}
	cmd = argv[0];
	argc--;
	argv++;
	if (!strcmp(cmd, "resume")) {
		if (argc != 2 || strcmp(argv[0], "--state-dir")) {
			fputs("tapctl: service resume --state-dir DIR (taphubd runs it)\n", stderr);
			return 1;
		}
		state_dir = argv[1];
		argc = 0;
	} else if (strcmp(cmd, "compile") && strcmp(cmd, "start") && strcmp(cmd, "stop") &&
		   strcmp(cmd, "restart") && strcmp(cmd, "status") && strcmp(cmd, "reload")) {
		fprintf(stderr, "tapctl: service: unknown command '%s' (compile, start, stop, "
				"restart, status, reload)\n", cmd);
		return 1;
	}
	if (!strcmp(cmd, "reload") && argc) {
		fprintf(stderr, "tapctl: service reload takes no names: it compares the whole "
				"layout\n");
		return 1;
	}
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-' || !hub_name_valid(argv[i]) ||
		    strlen(argv[i]) > HUB_SERVICE_NAME_MAX) {
			fprintf(stderr, "tapctl: service %s: '%s' is not a script name (letters, "
					"digits, '_', at most %d)\n", cmd, argv[i],
				HUB_SERVICE_NAME_MAX);
			return 1;
		}
	if (!state_dir && hub_service_load(&S.set, err, sizeof(err))) {
		fprintf(stderr, "tapctl: %s\n", err);
		return 1;
	}
	if (!strcmp(cmd, "compile")) {
		each_name(&S, argc, argv, false, compile_one);
		goto out;
	}
	S.fd = hub_connect(socket, false, NULL, err, sizeof(err));
	if (S.fd < 0 || view_load(&S, err, sizeof(err))) {
		fprintf(stderr, "tapctl: %s\n", err);
		S.failed++;
		goto out;
	}
	if (state_dir) {
		resume(&S, state_dir);
	} else if (!strcmp(cmd, "start")) {
		each_name(&S, argc, argv, true, start_one);
	} else if (!strcmp(cmd, "stop") || !strcmp(cmd, "restart")) {
		each_known(&S, argc, argv, true, stop_one);
		if (!strcmp(cmd, "restart") && !view_load(&S, err, sizeof(err)))
			each_name(&S, argc, argv, true, start_one);
	} else if (!strcmp(cmd, "status")) {
		each_known(&S, argc, argv, false, status_one);
	} else {
		reload(&S);
	}
out:
	if (S.fd >= 0)
		close(S.fd);
	view_free(&S.v);
	hub_service_set_free(&S.set);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tapctl: cannot write the output\n");
		return 1;
	}
	return S.failed ? 1 : 0;
}
