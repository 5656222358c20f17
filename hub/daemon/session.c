// SPDX-License-Identifier: MIT
/*
 * Sessions: what users start and stop.  A session is one guest in a host
 * (its own private host, or a relay host it created or joined), an owner,
 * a name and an id, and maybe a runner: the owner's background tap that
 * runs the guest's user-context probes (begin, end, timers), so native
 * code from a script never runs inside the hub.
 *
 * Lifecycle:
 *   loaded      the guest passed the verifier; if it has user probes, the
 *               hub waits for its runner (RUNNER, then RUNNER_READY after
 *               the begin probes) before attaching, as stap runs begin
 *               before the other probes
 *   recording   attached; the runner's output (OUTPUT) goes into the host
 *               as text records; a runner that dies leaves recording on
 *   stopping    detached; the runner runs end probes, sends their output
 *               and END; without a runner this step is skipped
 *   gone        the guest is unloaded; a private host goes with it
 *
 * All of this runs on the daemon's main thread; the drain threads only
 * raise flags (exit(), errors) that hub_sessions_poll() acts on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "guest-runtime/grt.h"
#include "hub/daemon/internal.h"
#include "relayhost-module/rh.h"

#define MAX_META_BYTES (8u << 20)
#define MAX_OBJ_BYTES (64u << 20)
#define RUNNER_WAIT_S 15 /* a session whose runner never comes attaches anyway */
#define STOP_WAIT_S 15   /* end probes that take longer are abandoned */

int64_t hub_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct hub_session *hub_session_find(struct hub_ctx *hub, const char *name, uint64_t id)
{
	struct hub_session *s;

	for (s = hub->sessions; s; s = s->next)
		if ((name && !strcmp(s->name, name)) || (!name && s->id == id))
			return s;
	return NULL;
}

struct hub_host *hub_host_find(struct hub_ctx *hub, const char *name)
{
	int i;

	for (i = 0; i < hub->nhosts; i++)
		if (!strcmp(rh_host_name(hub->hosts[i]->rh), name))
			return hub->hosts[i];
	return NULL;
}

/* The hub keeps rh (its reference) as a host owned by uid. */
static int host_add(struct hub_ctx *hub, struct rh_host *rh, uid_t owner, bool joinable,
		    struct hub_host **ret)
{
	struct hub_host **n, *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	n = realloc(hub->hosts, sizeof(*n) * (size_t)(hub->nhosts + 1));
	if (!n) {
		free(h);
		return -ENOMEM;
	}
	h->rh = rh;
	h->owner = owner;
	h->joinable = joinable;
	hub->hosts = n;
	hub->hosts[hub->nhosts++] = h;
	if (ret)
		*ret = h;
	return 0;
}

/*
 * A new relay host of the hub's: its classes, its directory in the state
 * dir, its drain thread.  The hub's main loop hears of exit() and errors
 * its drain sees (flag_efd).
 */
static int host_new(struct hub_ctx *hub, const char *name, uid_t owner, bool joinable,
		    const struct hub_class_spec *specs, int n, struct hub_host **ret, char *err,
		    size_t errlen)
{
	struct rh_class_spec cs[TH_MAX_CLASSES] = { 0 };
	struct rh_host_opts ho = {
		.name = name,
		.state_dir = hub->state_dir,
		.pin_root = hub->pin_root,
		.classes = cs,
		.nclasses = n,
		.notify_fd = hub->flag_efd,
	};
	struct rh_host *rh;
	int i, r;

	if (n < 1 || n > TH_MAX_CLASSES || !hub_name_valid(name)) {
		snprintf(err, errlen, "a host needs a valid name and 1 to %d classes", TH_MAX_CLASSES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		snprintf(cs[i].name, sizeof(cs[i].name), "%s", specs[i].name);
		cs[i].size = specs[i].size;
		cs[i].policy = specs[i].policy;
	}
	r = rh_host_create(&ho, &rh, err, errlen);
	if (r)
		return r;
	r = host_add(hub, rh, owner, joinable, ret);
	if (r) {
		rh_host_discard(rh); /* it never recorded anything */
		rh_host_put(rh);
	}
	return r;
}

/* What becomes of a host's directory when the hub lets go of it. */
enum host_fate {
	HOST_REMOVE,     /* --discard: its stores, tables and pins go */
	HOST_KEEP_ENDED, /* its session ended on purpose: kept, not shown again */
};

static void host_drop(struct hub_ctx *hub, struct hub_host *h, enum host_fate fate)
{
	int i;

	for (i = 0; i < hub->nhosts; i++) {
		if (hub->hosts[i] != h)
			continue;
		memmove(&hub->hosts[i], &hub->hosts[i + 1], sizeof(*hub->hosts) * (size_t)(hub->nhosts - i - 1));
		hub->nhosts--;
		break;
	}
	if (fate == HOST_REMOVE)
		rh_host_discard(h->rh); /* at the last put */
	else if (rh_host_mark_ended(h->rh, "ended by tapctl stop"))
		hub_log(hub, "host %s: cannot mark %s as ended: the next hub shows it as recovered",
			rh_host_name(h->rh), rh_host_dir(h->rh));
	hub_host_free(h);
}

void hub_host_free(struct hub_host *h)
{
	if (h->writer) {
		/* everything drained so far goes into the files before they close */
		rh_host_sync(h->rh);
		hub_writer_stop(h->writer);
		h->writer = NULL;
	}
	rh_host_put(h->rh);
	free(h);
}

int hub_host_guests(struct hub_ctx *hub, const struct hub_host *h)
{
	struct hub_session *s;
	int n = 0;

	for (s = hub->sessions; s; s = s->next)
		if (s->host == h && s->guest_loaded)
			n++;
	return n;
}

/* Read a whole (bounded) file a client sent as an fd. */
static void *read_fd(int fd, size_t max, size_t *ret_len)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return buf;
}

/* ---- a session's guest in its host ---------------------------------------------------- */

struct guest_load {
	const struct hub_guest_add *a;
	struct hub_guest *g;
};

/* rh_host_add_guest's loader: the eBPF object into the host's rings. */
static int guest_load(void *arg, const struct rh_guest_load *l, char *err, size_t errlen)
{
	struct guest_load *gl = arg;
	struct hub_guest_opts go = {
		.sz = sizeof(go),
		.meta_text = gl->a->meta_text,
		.meta_len = gl->a->meta_len,
		.obj = gl->a->obj,
		.obj_len = gl->a->obj_len,
		.ring_fds = l->ring_fds,
		.target_pid = gl->a->target_pid,
		.guest_id = l->id,
		.maxerrors = gl->a->maxerrors,
	};

	if (!l->meta->has_bpf)
		return 0; /* begin/end/timer probes only: the runner has them */
	return hub_guest_open(&go, &gl->g, err, errlen);
}

static void guest_unload(void *arg)
{
	struct guest_load *gl = arg;

	hub_guest_close(gl->g);
	gl->g = NULL;
}

/* Load a guest into the host's rings (not attached). */
static int guest_add(struct hub_host *h, const struct hub_guest_add *a, uint32_t *ret_id,
		     struct hub_guest **ret_guest, char *err, size_t errlen)
{
	struct guest_load gl = { .a = a };
	struct rh_guest_opts o = {
		.meta_text = a->meta_text,
		.meta_len = a->meta_len,
		.cls = a->cls,
		.load = guest_load,
		.unload = guest_unload,
		.arg = &gl,
	};
	int r = rh_host_add_guest(h->rh, &o, ret_id, err, errlen);

	if (r)
		return r;
	*ret_guest = gl.g;
	return 0;
}

void hub_host_note_counters(struct hub_host *h, uint32_t id, const struct hub_guest *g)
{
	const struct grt_meta *m;
	struct th_class_counters k;
	int c;

	if (!g)
		return;
	m = hub_guest_meta(g);
	for (c = 0; c < m->nclasses && c < TH_MAX_CLASSES; c++)
		if (hub_guest_counters(g, c, &k) == 0)
			rh_host_set_kernel_drops(h->rh, id, c, k.dropped);
}

/* Detach and unload a guest; its format table stays in the host for its records. */
static void guest_remove(struct hub_host *h, uint32_t id, struct hub_guest *g)
{
	/* its final counts: the records it lost stay counted once it is gone */
	hub_host_note_counters(h, id, g);
	hub_guest_close(g);
	rh_host_remove_guest(h->rh, id);
}

/*
 * The session's marker ring: writers were told to stop (rh_mark_ring_end
 * at the stop); one more drain round takes what they wrote, then the
 * drain lets go of it and it is closed.
 */
static void mark_close(struct hub_host *h, struct hub_session *s)
{
	if (!s->mark)
		return;
	rh_mark_ring_end(s->mark);
	rh_host_sync(h->rh);
	rh_mark_ring_close(rh_host_take_mark_ring(h->rh, s->guest_id));
	s->mark = NULL;
}

static int attach(struct hub_session *s, char *err, size_t errlen)
{
	int r;

	if (!s->guest) {
		s->state = HUB_SS_RECORDING;
		return 0;
	}
	r = hub_guest_attach(s->guest, err, errlen);
	if (r)
		return r;
	s->state = HUB_SS_RECORDING;
	return 0;
}

/*
 * The ring the target's no-trap markers write into, pinned in the host's
 * pin directory so a crash leaves its undrained records to tapctl
 * recover, and handed to the host's drain.  What a dead session left for
 * the target is said to the client and in the log.
 */
static int mark_open(struct hub_ctx *hub, struct hub_host *h, struct hub_session *s,
		     const struct grt_meta *meta, pid_t target, uint64_t bufsize, char *err,
		     size_t errlen)
{
	char pin[RH_PATH_MAX + 64] = "";
	int r;

	if (target > 0 && hub_mark_count(meta) &&
	    rh_host_mark_pin(h->rh, s->guest_id, pin, sizeof(pin)))
		pin[0] = 0;
	r = hub_mark_open(meta, target, s->guest_id, bufsize, pin[0] ? pin : NULL, &s->mark, err,
			  errlen);
	if (r || !s->mark)
		return r;
	if (hub_mark_stale_note(s->mark, target, s->mark_note, sizeof(s->mark_note)))
		hub_log(hub, "session %s: %s", s->name, s->mark_note);
	/* the drain consumes it; pinned, it is described for recovery */
	if (rh_host_set_mark_ring(h->rh, s->guest_id, s->mark) || !rh_mark_ring_pinned(s->mark))
		hub_log(hub, "session %s: the marker ring of process %d is not kept for recovery: "
			     "what it holds undrained at a crash is lost",
			s->name, (int)target);
	return 0;
}

/*
 * A file of an installed artifact (a compiled guest's directory), dir
 * being the path hub_peer_may_run checked: the file too must be root's
 * and writable by root only, or whoever may write it chooses the guest.
 */
static int artifact_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
			(st.st_mode & (S_IWGRP | S_IWOTH)))) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* -o, -S and --format of a request: 0, or -EINVAL with err. */
static int output_check(struct hub_req *q, char *err, size_t errlen)
{
	const char *output = hub_req_str(q, TH_A_OUTPUT);
	const char *format = hub_req_str(q, TH_A_FORMAT);
	uint64_t rot_size = 0;
	uint32_t rot_count = 0;

	hub_req_u64(q, TH_A_ROTATE_SIZE, &rot_size);
	hub_req_u32(q, TH_A_ROTATE_COUNT, &rot_count);
	if ((rot_size || rot_count) && !output) {
		snprintf(err, errlen, "-S needs -o: rotation is of output files");
		return -EINVAL;
	}
	if (format && strcmp(format, "text") && strcmp(format, "binary")) {
		snprintf(err, errlen, "unknown output format '%s' (text or binary)", format);
		return -EINVAL;
	}
	if (output && output[0] != '/') {
		snprintf(err, errlen, "the output file must be an absolute path: %s", output);
		return -EINVAL;
	}
	if (rot_count > 100000) {
		snprintf(err, errlen, "-S count %u is too large", rot_count);
		return -EINVAL;
	}
	return 0;
}

/*
 * The -o writer of a request (output_check'ed) on host h: its guest's
 * records (guest 0: all of the host's), files made as peer.
 */
static int output_start(struct hub_ctx *hub, struct hub_host *h, uint32_t guest,
			const struct hub_peer *peer, struct hub_req *q, const char *session,
			const char *script, bool keep_existing, struct hub_writer **ret, char *err,
			size_t errlen)
{
	const char *format = hub_req_str(q, TH_A_FORMAT);
	uint64_t rot_size = 0;
	uint32_t rot_count = 0;
	struct hub_writer_opts wo = {
		.host = h->rh,
		.guest = guest,
		.uid = peer->uid,
		.gid = peer->gid,
		.hub = hub,
		.sink = {
			.pattern = hub_req_str(q, TH_A_OUTPUT),
			.binary = format && !strcmp(format, "binary"),
			.keep_existing = keep_existing,
		},
	};
	char info[512];
	int r;

	hub_req_u64(q, TH_A_ROTATE_SIZE, &rot_size);
	hub_req_u32(q, TH_A_ROTATE_COUNT, &rot_count);
	wo.sink.size_limit = rot_size;
	wo.sink.count = (int)rot_count;
	snprintf(info, sizeof(info), "session=%s\nhost=%s\nscript=%s\n", session,
		 rh_host_name(h->rh), script ? script : "");
	wo.sink.info = info;
	snprintf(wo.session, sizeof(wo.session), "%s", session);
	rh_host_get(h->rh);
	r = hub_writer_start(&wo, ret, err, errlen);
	if (r)
		rh_host_put(h->rh);
	return r;
}

int hub_session_create(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
		       struct hub_session **ret, char *err, size_t errlen)
{
	const char *name = hub_req_str(q, TH_A_NAME);
	const char *relay_host = hub_req_str(q, TH_A_RELAY_HOST);
	const char *relay_guest = hub_req_str(q, TH_A_RELAY_GUEST);
	const char *cls = hub_req_str(q, TH_A_CLASS);
	const char *script = hub_req_str(q, TH_A_SCRIPT);
	const char *output = hub_req_str(q, TH_A_OUTPUT);
	const char *artifact = hub_req_str(q, TH_A_ARTIFACT);
	bool from_dir = artifact && !peer->root && !peer->dev;
	char real[PATH_MAX] = "";
	struct hub_guest_add ga = { 0 };
	struct hub_session *s = NULL;
	struct hub_host *h = NULL;
	struct grt_meta *meta = NULL;
	void *meta_text = NULL, *obj = NULL;
	size_t meta_len = 0, obj_len = 0;
	uint64_t bufsize = HUB_BUF_DEFAULT, target = 0;
	uint32_t suppress = 0;
	bool own_host = false;
	int fd, r, i;

	if (hub->shutting_down) {
		snprintf(err, errlen, "taphubd is stopping");
		return -ESHUTDOWN;
	}
	if (!name || !hub_name_valid(name)) {
		snprintf(err, errlen, "a session needs a name of letters, digits and '_'");
		return -EINVAL;
	}
	if (hub_session_find(hub, name, 0)) {
		snprintf(err, errlen, "a session named '%s' already exists", name);
		return -EEXIST;
	}
	if (hub->nsessions >= HUB_MAX_SESSIONS) {
		snprintf(err, errlen, "too many sessions (at most %d)", HUB_MAX_SESSIONS);
		return -EUSERS;
	}
	if (relay_host && relay_guest) {
		snprintf(err, errlen, "a session is a relay host or a relay guest, not both");
		return -EINVAL;
	}
	hub_req_u64(q, TH_A_BUFSIZE, &bufsize);
	if (bufsize < (1u << 20) || bufsize > HUB_BUF_MAX) {
		snprintf(err, errlen, "the buffer size (-s) must be 1 to %d MB", HUB_BUF_MB_MAX);
		return -EINVAL;
	}
	hub_req_u64(q, TH_A_TARGET_PID, &target);
	hub_req_u32(q, TH_A_SUPPRESS, &suppress);
	r = output_check(q, err, errlen);
	if (r)
		return r;
	r = hub_peer_may_run(peer, artifact, hub->artifact_dir, real, err, errlen);
	if (r)
		return r;
	if (relay_host && !peer->root && !peer->dev) {
		snprintf(err, errlen, "relay hosts are made by root and group taphubdev");
		return -EPERM;
	}
	/* taphubusr: the installed files themselves, not what the client sent */
	fd = from_dir ? artifact_open(real, "guest.meta") : hub_req_take_fd(q, TH_A_FD_META);
	if (fd < 0) {
		if (from_dir)
			snprintf(err, errlen, "artifact %s: no guest.meta that root alone may write",
				 artifact);
		else
			snprintf(err, errlen, "the guest's meta file was not sent");
		return -EINVAL;
	}
	meta_text = read_fd(fd, MAX_META_BYTES, &meta_len);
	close(fd);
	if (!meta_text) {
		r = -errno;
		snprintf(err, errlen, "cannot read the guest's meta: %s", strerror(errno));
		goto out;
	}
	r = grt_meta_parse(meta_text, meta_len, &meta, err, errlen);
	if (r)
		goto out;
	fd = from_dir ? artifact_open(real, "guest.bpf.o") : hub_req_take_fd(q, TH_A_FD_BPF);
	if (fd < 0 && meta->has_bpf) {
		if (from_dir)
			snprintf(err, errlen, "artifact %s: no guest.bpf.o that root alone may write",
				 artifact);
		else
			snprintf(err, errlen, "the guest's eBPF object was not sent");
		r = -EINVAL;
		goto out;
	}
	if (fd >= 0) {
		obj = read_fd(fd, MAX_OBJ_BYTES, &obj_len);
		close(fd);
		if (!obj) {
			r = -errno;
			snprintf(err, errlen, "cannot read the guest's eBPF object: %s", strerror(errno));
			goto out;
		}
	}

	if (relay_guest) {
		h = hub_host_find(hub, relay_guest);
		if (!h || !h->joinable) {
			snprintf(err, errlen,
				 "relay host '%s' does not exist (create it with tap -F ... "
				 "-DRELAY_HOST=%s or tapctl host create %s)",
				 relay_guest, relay_guest, relay_guest);
			r = -ENOENT;
			goto out;
		}
	} else {
		struct hub_class_spec specs[TH_MAX_CLASSES];
		int n = 0;

		if (relay_host && hub_host_find(hub, relay_host)) {
			snprintf(err, errlen, "relay host '%s' already exists", relay_host);
			r = -EEXIST;
			goto out;
		}
		for (i = 0; i < q->nrep; i++) {
			if (q->rep[i].type != TH_A_CLASS_SPEC)
				continue;
			if (n == TH_MAX_CLASSES) {
				snprintf(err, errlen, "at most %d classes", TH_MAX_CLASSES);
				r = -E2BIG;
				goto out;
			}
			r = hub_class_spec_parse((const char *)q->rep[i].v, &specs[n++], err, errlen);
			if (r)
				goto out;
		}
		if (!n) {
			/* one class, "default": a flight recorder of the -s size */
			snprintf(specs[0].name, sizeof(specs[0].name), "default");
			specs[0].size = bufsize; /* checked above: within the class limits */
			specs[0].policy = RH_OVERWRITE;
			n = 1;
		}
		/* the guest's own class names become classes of its private host */
		for (i = 1; !relay_host && i < meta->nclasses && n < TH_MAX_CLASSES; i++) {
			int k;

			for (k = 0; k < n; k++)
				if (!strcmp(specs[k].name, meta->classes[i]))
					break;
			if (k == n) {
				specs[n] = specs[0];
				snprintf(specs[n].name, sizeof(specs[n].name), "%s", meta->classes[i]);
				n++;
			}
		}
		if (!relay_host && hub_host_find(hub, name)) {
			snprintf(err, errlen, "a host named '%s' already exists", name);
			r = -EEXIST;
			goto out;
		}
		r = host_new(hub, relay_host ? relay_host : name, peer->uid, relay_host != NULL, specs,
			     n, &h, err, errlen);
		if (r)
			goto out;
		own_host = true;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out_host;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->script, sizeof(s->script), "%s", script ? script : "");
	s->owner = peer->uid;
	s->gid = peer->gid;
	s->host = h;
	s->owns_host = own_host;
	s->is_host_session = relay_host != NULL;
	s->runner_fd = -1;
	s->stop_fd = -1;
	s->suppress_errors = suppress != 0;
	s->has_so = meta->has_so;
	s->started = hub_now_s();
	ga.meta_text = meta_text;
	ga.meta_len = meta_len;
	ga.obj = obj;
	ga.obj_len = obj_len;
	ga.cls = cls;
	ga.target_pid = (int64_t)target;
	ga.maxerrors = suppress ? -1 : 0;
	r = guest_add(h, &ga, &s->guest_id, &s->guest, err, errlen);
	if (r)
		goto out_session;
	s->guest_loaded = true;
	/* before the attach raises the markers' semaphores (hub/mark.c) */
	r = mark_open(hub, h, s, meta, (pid_t)target, bufsize, err, errlen);
	if (r)
		goto out_guest;
	s->id = ++hub->next_session_id;
	if (output) {
		/* a relay host writes all its guests; a guest of another's host, its own */
		r = output_start(hub, h, own_host ? 0 : s->guest_id, peer, q, name, script, false,
				 own_host ? &h->writer : &s->writer, err, errlen);
		if (r)
			goto out_guest;
	}
	if (s->has_so) {
		s->state = HUB_SS_WAIT_RUNNER;
	} else {
		r = attach(s, err, errlen);
		if (r)
			goto out_guest;
	}
	s->next = hub->sessions;
	hub->sessions = s;
	hub->nsessions++;
	*ret = s;
	r = 0;
	goto out;
out_guest:
	mark_close(h, s);
	guest_remove(h, s->guest_id, s->guest);
	hub_writer_stop(s->writer);
out_session:
	free(s);
out_host:
	if (own_host)
		host_drop(hub, h, HOST_REMOVE); /* it never recorded anything */
out:
	grt_meta_free(meta);
	free(meta_text);
	free(obj);
	return r;
}

/* The runner connected: it gets the guest's maps and then runs begin probes. */
int hub_session_runner(struct hub_ctx *hub, struct hub_session *s, int fd, pid_t pid,
		       struct hub_msg *reply)
{
	const struct grt_meta *m;
	const int *fds;
	uint32_t pairs[2 * TH_PROTO_MAX_FDS];
	int n = 0, i;

	if (s->runner_fd >= 0 || s->state == HUB_SS_RECOVERED)
		return -EBUSY;
	/* a script with only begin/timer/end probes has no kernel part: no maps */
	m = s->guest ? hub_guest_meta(s->guest) : NULL;
	fds = s->guest ? hub_guest_map_fds(s->guest) : NULL;
	if (s->guest && hub_guest_globals_fd(s->guest) >= 0)
		hub_msg_put_fd(reply, TH_A_FD_GLOBALS, hub_guest_globals_fd(s->guest));
	for (i = 0; m && i < m->nglobals; i++) {
		if (fds[i] < 0)
			continue;
		if (reply->nfds == TH_PROTO_MAX_FDS)
			return -E2BIG;
		pairs[2 * n] = (uint32_t)i;
		pairs[2 * n + 1] = (uint32_t)reply->nfds;
		reply->fds[reply->nfds++] = fds[i];
		n++;
	}
	if (n)
		hub_msg_put(reply, TH_A_GID_MAP, pairs, sizeof(uint32_t) * 2 * (size_t)n);
	hub_msg_put_u32(reply, TH_A_GUEST_ID, s->guest_id);
	hub_msg_put_u64(reply, TH_A_SESSION_ID, s->id);
	s->runner_fd = fd;
	s->runner_pid = pid;
	s->runner_seen = true;
	(void)hub;
	return 0;
}

int hub_session_runner_ready(struct hub_session *s, char *err, size_t errlen)
{
	if (s->state != HUB_SS_WAIT_RUNNER)
		return 0;
	return attach(s, err, errlen);
}

void hub_session_runner_gone(struct hub_ctx *hub, struct hub_session *s)
{
	s->runner_fd = -1;
	s->runner_gone = true;
	/* gone before a stop asked it to finish: its probes' output is lost */
	if (s->state != HUB_SS_STOPPING && !s->runner_died)
		s->runner_died = time(NULL);
	if (s->state == HUB_SS_WAIT_RUNNER) {
		char err[256];

		/* begin probes will not run; record anyway rather than lose events */
		if (attach(s, err, sizeof(err)))
			hub_log(hub, "session %s: cannot attach: %s", s->name, err);
	}
	if (s->state == HUB_SS_STOPPING)
		hub_session_finish(hub, s);
}

void hub_session_runner_error(struct hub_session *s, const char *msg)
{
	char line[sizeof(s->last_error) + 32];
	const struct rh_guest *g;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	snprintf(s->last_error, sizeof(s->last_error), "%.*s", (int)n, msg);
	/* in the session's output too, where its other messages are */
	if (strncmp(s->last_error, "ERROR", 5))
		n = (size_t)snprintf(line, sizeof(line), "ERROR: %s\n", s->last_error);
	else
		n = (size_t)snprintf(line, sizeof(line), "%s\n", s->last_error);
	g = rh_host_guest(s->host->rh, s->guest_id);
	rh_host_inject(s->host->rh, g ? g->cls_map[0] : 0, s->guest_id, line,
			n < sizeof(line) ? n : sizeof(line) - 1);
}

/* Stop: detach now, let the runner run end probes, finish when it is done. */
int hub_session_stop(struct hub_ctx *hub, struct hub_session *s, int waiter_fd, uint32_t seq,
		     bool discard)
{
	if (s->state == HUB_SS_STOPPING)
		return -EALREADY;
	s->discard = discard;
	if (s->guest)
		hub_guest_detach(s->guest);
	rh_mark_ring_end(s->mark); /* the markers stop writing too */
	/* what the probes wrote up to the detach goes into the store first */
	rh_host_kick(s->host->rh);
	s->stop_fd = waiter_fd;
	s->stop_seq = seq;
	s->state = HUB_SS_STOPPING;
	s->stop_deadline = hub_now_s() + STOP_WAIT_S;
	if (s->runner_fd >= 0) {
		struct hub_msg *m = malloc(sizeof(*m));

		if (m) {
			hub_msg_init(m, TH_MSG_SESSION_STOP, 0);
			hub_msg_put_u64(m, TH_A_SESSION_ID, s->id);
			if (hub_msg_send(s->runner_fd, m) == 0) {
				free(m);
				return 0; /* hub_session_finish when the runner says END */
			}
			free(m);
		}
	}
	hub_session_finish(hub, s);
	return 0;
}

/*
 * What the session lost, per class and kind, as stap warns at the end:
 * the kernel ring was full (its guest's counters), the store overwrote
 * (flight recorder) or refused (discard) records, the -o files could not
 * take them.  Relay guests share their host's store: its counts are the
 * host's, reported by the host's own session.
 */
static size_t loss_report(struct hub_session *s, char *buf, size_t len)
{
	struct hub_host *h = s->host;
	size_t n = 0;
	int c;

	/*
	 * Not a record count: the kernel probes kept recording, what is
	 * missing is whatever the timers and end probes would have printed.
	 */
	if (s->runner_died) {
		struct tm tm;
		char when[32];

		localtime_r(&s->runner_died, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		n += (size_t)snprintf(buf, len,
				      "WARNING: the session's runner died at %s: its begin/timer/end "
				      "probes did not run after that (kernel records are all kept)\n",
				      when);
	}
	for (c = 0; c < rh_host_nclasses(h->rh) && n < len; c++) {
		uint32_t g = s->is_host_session ? 0 : s->guest_id;
		uint64_t mk = rh_host_mark_lost(h->rh, c, g), k = rh_host_kdropped(h->rh, c, g) - mk;

		if (k)
			n += (size_t)snprintf(buf + n, len - n,
					      "WARNING: %llu records lost in class %s: the kernel ring "
					      "was full\n",
					      (unsigned long long)k, rh_host_class_spec(h->rh, c)->name);
		if (mk && n < len)
			n += (size_t)snprintf(buf + n, len - n,
					      "WARNING: %llu records lost in class %s: no-trap marker "
					      "rings (full lanes, or a dead session's ring)\n",
					      (unsigned long long)mk, rh_host_class_spec(h->rh, c)->name);
	}
	for (c = 0; s->owns_host && c < rh_host_nclasses(h->rh) && n < len; c++) {
		const char *name = rh_host_class_spec(h->rh, c)->name;
		struct rh_store_stats st;

		rh_store_stats(rh_host_store(h->rh, c), &st);
		if (st.overwritten && n < len)
			n += (size_t)snprintf(buf + n, len - n,
					      "WARNING: %llu records overwritten in class %s: it keeps "
					      "the newest %llu bytes\n",
					      (unsigned long long)st.overwritten, name,
					      (unsigned long long)st.data_size);
		if (st.dropped && n < len)
			n += (size_t)snprintf(buf + n, len - n,
					      "WARNING: %llu records dropped in class %s: its store was "
					      "full (discard policy)\n",
					      (unsigned long long)st.dropped, name);
	}
	{
		uint64_t w = hub_writer_lost(s->writer ? s->writer : s->owns_host ? h->writer : NULL);

		if (w && n < len)
			n += (size_t)snprintf(buf + n, len - n,
					      "WARNING: %llu lines of output lost: the output file "
					      "could not be written\n",
					      (unsigned long long)w);
	}
	return n < len ? n : len;
}

void hub_session_finish(struct hub_ctx *hub, struct hub_session *s)
{
	enum { FATE_NONE, FATE_REMOVE, FATE_ENDED } fate = FATE_NONE;
	char note[3 * HUB_PATH_MAX + 256] = ""; /* the dir and its name twice */
	bool recovered = s->recovered;
	struct hub_session **pp;
	struct hub_host *h = s->host;

	mark_close(h, s);
	if (s->guest_loaded)
		guest_remove(h, s->guest_id, s->guest);
	s->guest = NULL;
	s->guest_loaded = false;
	if (s->stop_fd >= 0 && !recovered) {
		struct hub_msg *m = malloc(sizeof(*m));
		char rep[2048];
		size_t n;

		/* the drain has what the guest wrote: the counts are final */
		rh_host_sync(h->rh);
		n = loss_report(s, rep, sizeof(rep));
		if (m && n) {
			hub_msg_init(m, TH_MSG_DATA, s->stop_seq);
			hub_msg_put_u32(m, TH_A_STREAM, 1);
			hub_msg_put(m, TH_A_TEXT, rep, n);
			hub_msg_send(s->stop_fd, m);
		}
		free(m);
	}
	if (s->writer) {
		rh_host_sync(h->rh);
		hub_writer_stop(s->writer);
		s->writer = NULL;
	}
	/*
	 * What happens to the records: a session's own host (a relay host once
	 * its last guest left) stays on disk unless the stop said --discard;
	 * while the hub stops, every host stays, shown again at the next start.
	 */
	if (recovered)
		fate = s->discard ? FATE_REMOVE : hub->shutting_down ? FATE_NONE : FATE_ENDED;
	else if (s->owns_host && (!s->is_host_session || hub_host_guests(hub, h) == 0))
		fate = s->discard ? FATE_REMOVE : hub->shutting_down ? FATE_NONE : FATE_ENDED;
	if (s->stop_fd >= 0 && fate == FATE_ENDED) {
		const char *dir = rh_host_dir(h->rh);
		const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;

		snprintf(note, sizeof(note),
			 "Session %s ended; its records stay in %s: tapctl recover %s prints them, "
			 "tapctl recover --delete %s deletes them.\n",
			 s->name, dir, base, base);
	}
	if (s->runner_fd >= 0)
		hub_client_close_fd(hub, s->runner_fd);
	for (pp = &hub->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	hub->nsessions--;
	hub_log(hub, "session %s (id %llu) stopped%s", s->name, (unsigned long long)s->id,
		fate == FATE_REMOVE ? ", its records deleted (--discard)"
		: fate == FATE_ENDED ? ", its records kept"
				     : "");
	if (fate == FATE_REMOVE)
		host_drop(hub, h, HOST_REMOVE);
	else if (fate == FATE_ENDED)
		host_drop(hub, h, HOST_KEEP_ENDED);
	/* FATE_NONE: a relay host others still use, or the hub stops (kept for the next) */
	/* the stopper hears of the end once the files are gone or marked (readers aside) */
	if (s->stop_fd >= 0) {
		struct hub_msg *m = malloc(sizeof(*m));

		if (m && note[0]) {
			hub_msg_init(m, TH_MSG_DATA, s->stop_seq);
			hub_msg_put_u32(m, TH_A_STREAM, 1);
			hub_msg_put(m, TH_A_TEXT, note, strlen(note));
			hub_msg_send(s->stop_fd, m);
		}
		if (m) {
			hub_msg_init(m, TH_MSG_OK, s->stop_seq);
			hub_msg_put_str(m, TH_A_NAME, s->name);
			hub_msg_send(s->stop_fd, m);
			free(m);
		}
	}
	free(s);
}

int hub_host_create_cmd(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
			char *err, size_t errlen)
{
	const char *name = hub_req_str(q, TH_A_NAME);
	struct hub_class_spec specs[TH_MAX_CLASSES];
	struct hub_host *h;
	int i, n = 0, r;

	if (!peer->root && !peer->dev) {
		snprintf(err, errlen, "relay hosts are made by root and group taphubdev");
		return -EPERM;
	}
	if (!name || !hub_name_valid(name)) {
		snprintf(err, errlen, "a host needs a name of letters, digits and '_'");
		return -EINVAL;
	}
	if (hub_host_find(hub, name)) {
		snprintf(err, errlen, "host '%s' already exists", name);
		return -EEXIST;
	}
	for (i = 0; i < q->nrep; i++) {
		if (q->rep[i].type != TH_A_CLASS_SPEC)
			continue;
		if (n == TH_MAX_CLASSES) {
			snprintf(err, errlen, "at most %d classes", TH_MAX_CLASSES);
			return -E2BIG;
		}
		r = hub_class_spec_parse((const char *)q->rep[i].v, &specs[n++], err, errlen);
		if (r)
			return r;
	}
	if (!n) {
		snprintf(specs[0].name, sizeof(specs[0].name), "default");
		specs[0].size = HUB_BUF_DEFAULT;
		specs[0].policy = RH_OVERWRITE;
		n = 1;
	}
	r = output_check(q, err, errlen);
	if (r)
		return r;
	r = host_new(hub, name, peer->uid, true, specs, n, &h, err, errlen);
	if (r || !hub_req_str(q, TH_A_OUTPUT))
		return r;
	/*
	 * The host's own -o takes every guest's records.  A service's host
	 * (tapctl service) outlives its guests and its hub: its files are a
	 * set a restart adds to.
	 */
	r = output_start(hub, h, 0, peer, q, name, "", hub_req_has(q, TH_A_CONFDIR), &h->writer,
			 err, errlen);
	if (r)
		host_drop(hub, h, HOST_REMOVE); /* it never recorded anything */
	return r;
}

int hub_host_destroy_cmd(struct hub_ctx *hub, const struct hub_peer *peer, struct hub_req *q,
			 char *err, size_t errlen)
{
	const char *name = hub_req_str(q, TH_A_NAME);
	struct hub_host *h = name ? hub_host_find(hub, name) : NULL;
	struct hub_session *s, *next;
	uint32_t force = 0, discard = 0;
	int n;

	if (!h) {
		snprintf(err, errlen, "no host named '%s'", name ? name : "");
		return -ENOENT;
	}
	if (!hub_peer_owns(peer, h->owner)) {
		snprintf(err, errlen, "host '%s' belongs to another user", name);
		return -EPERM;
	}
	if (rh_host_is_recovered(h->rh)) {
		snprintf(err, errlen, "host '%s' holds what a previous hub left: tapctl stop %s "
			 "[--discard]", name, name);
		return -EINVAL;
	}
	hub_req_u32(q, TH_A_FORCE, &force);
	hub_req_u32(q, TH_A_DISCARD, &discard);
	n = hub_host_guests(hub, h);
	if (n && !force) {
		snprintf(err, errlen, "host '%s' has %d guest%s; stop them or use --force", name, n,
			 n == 1 ? "" : "s");
		return -EBUSY;
	}
	for (s = hub->sessions; s; s = next) {
		next = s->next;
		if (s->host == h) {
			s->owns_host = false; /* dropped below, once */
			hub_guest_detach(s->guest);
			hub_session_finish(hub, s);
		}
	}
	host_drop(hub, h, discard ? HOST_REMOVE : HOST_KEEP_ENDED);
	return 0;
}

/* Act on what the drain threads flagged (exit(), errors) and on timeouts. */
void hub_sessions_poll(struct hub_ctx *hub)
{
	struct hub_session *s, *next;
	int64_t now = hub_now_s();

	for (s = hub->sessions; s; s = next) {
		const struct rh_guest *g;

		next = s->next;
		if (s->state == HUB_SS_WAIT_RUNNER && now - s->started > RUNNER_WAIT_S &&
		    !s->runner_seen) {
			hub_log(hub, "session %s: no runner after %d s; recording without user probes",
				s->name, RUNNER_WAIT_S);
			hub_session_runner_gone(hub, s);
			continue;
		}
		if (s->state == HUB_SS_STOPPING) {
			if (now > s->stop_deadline)
				hub_session_finish(hub, s);
			continue;
		}
		g = s->guest_loaded ? rh_host_guest(s->host->rh, s->guest_id) : NULL;
		if (!g)
			continue;
		/* writers turn ring-full drops into lost markers from these */
		hub_host_note_counters(s->host, s->guest_id, s->guest);
		if (atomic_load(&((struct rh_guest *)g)->exit_req) ||
		    (!s->suppress_errors && atomic_load(&((struct rh_guest *)g)->errors))) {
			hub_log(hub, "session %s: %s", s->name,
				atomic_load(&((struct rh_guest *)g)->exit_req) ? "exit() called"
										     : "runtime error");
			hub_session_stop(hub, s, -1, 0, false);
		}
	}
}

/* ---- what a previous hub left -------------------------------------------------------- */

/* NAME or NAME.N (a directory) -> NAME_recovered, NAME_N_recovered ... unique */
static void recovered_name(struct hub_ctx *hub, const char *dir, char *out, size_t len)
{
	char base[40];
	size_t i;
	int k;

	snprintf(base, sizeof(base), "%.39s", dir);
	for (i = 0; base[i]; i++)
		if (!(base[i] == '_' || (base[i] >= 'a' && base[i] <= 'z') ||
		      (base[i] >= 'A' && base[i] <= 'Z') || (base[i] >= '0' && base[i] <= '9')))
			base[i] = '_';
	for (k = 0; k < 1000; k++) {
		if (k)
			snprintf(out, len, "%s_recovered%d", base, k);
		else
			snprintf(out, len, "%s_recovered", base);
		if (!hub_session_find(hub, out, 0) && !hub_host_find(hub, out))
			return;
	}
}

void hub_sessions_recover(struct hub_ctx *hub)
{
	char path[HUB_PATH_MAX + 16], dir[HUB_PATH_MAX + 300], name[64], err[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/hosts", hub->state_dir);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct hub_session *s;
		struct hub_host *h = NULL;
		struct rh_host *rh;

		if (e->d_name[0] == '.' || hub->nsessions >= HUB_MAX_SESSIONS)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/" RH_HOST_ENDED_FILE, path, e->d_name);
		/* ended on purpose (tapctl stop): on disk for tapctl recover, not a session */
		if (access(dir, F_OK) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", path, e->d_name);
		recovered_name(hub, e->d_name, name, sizeof(name));
		if (rh_host_open_recovered(dir, name, &rh, err, sizeof(err))) {
			hub_log(hub, "cannot recover %s: %s (left as it is)", dir, err);
			continue;
		}
		s = calloc(1, sizeof(*s));
		/* root's: the state dir is root's, so is what it held */
		if (!s || host_add(hub, rh, 0, false, &h)) {
			free(s);
			rh_host_put(rh);
			continue;
		}
		snprintf(s->name, sizeof(s->name), "%s", name);
		snprintf(s->script, sizeof(s->script), "(recovered from %.100s)", e->d_name);
		s->owner = 0; /* the state dir is root's: so is what it held */
		s->host = h;
		s->owns_host = true;
		s->is_host_session = true;
		s->state = HUB_SS_RECOVERED;
		s->recovered = true;
		s->runner_fd = -1;
		s->stop_fd = -1;
		s->started = hub_now_s();
		s->id = ++hub->next_session_id;
		s->next = hub->sessions;
		hub->sessions = s;
		hub->nsessions++;
		hub_log(hub, "recovered %s as session %s: tap -A %s shows it, tapctl stop %s "
			     "--discard deletes it (tapctl recover %s also reads its kernel and marker rings)",
			dir, name, name, name, e->d_name);
	}
	closedir(d);
}

/* ---- a hub stop -------------------------------------------------------------------- */

void hub_sessions_shutdown(struct hub_ctx *hub)
{
	struct hub_session *s, *next;

	if (hub->shutting_down)
		return;
	hub->shutting_down = true;
	hub->shutdown_deadline = hub_now_s() + STOP_WAIT_S;
	for (s = hub->sessions; s; s = next) {
		next = s->next; /* a session without a runner finishes at once */
		if (s->state != HUB_SS_RECOVERED && s->state != HUB_SS_STOPPING)
			hub_session_stop(hub, s, -1, 0, false);
	}
}

int hub_sessions_stopping(struct hub_ctx *hub)
{
	struct hub_session *s;
	int n = 0;

	for (s = hub->sessions; s; s = s->next)
		n += s->state == HUB_SS_STOPPING;
	return n;
}
