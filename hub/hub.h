/* SPDX-License-Identifier: MIT */
/*
 * hub: the client and embedded library — guests loaded into the kernel,
 * the embedded session, a hub session's runner, the control protocol and
 * its client calls, output files, off-line formatting and recovery.  tap,
 * tapctl and tap-read link it; taphubd (hub/daemon/daemon.h) builds on it.
 *
 * Sections, one per file:
 *   guest.c   one compiled guest: its eBPF object loaded, verified and
 *             attached, its maps and rings, its user-side object
 *   local.c   the embedded (no daemon) session: tap runs a guest itself
 *             and prints its output (ARCHITECTURE.md "Embedded default")
 *   proto.c   the control protocol's codec: build, send, receive, validate
 *   artifact*.c  a compiled guest in one file, checked against the kernel
 *
 * Library code never prints; errors come back as -errno plus a one-line
 * reason in a caller's buffer, or, where there is no caller to return to,
 * go to the program's print function (hub_set_print).
 */
#ifndef HUB_H
#define HUB_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "taphub/proto.h"
#include "taphub/record.h"

struct grt_meta;
struct grt_guest_desc;
struct hub_msg;
struct hub_req;

/* ---- sizes and lengths a user chooses ---------------------------------------- */

/*
 * tap -s MB: the buffer of each class of a session, in MB.  Embedded, it
 * is the kernel ring tap reads (rounded up to a power of two); with -F, it
 * is the class that keeps the newest records.  One limit for both, so a
 * command line means the same with and without -F: a BPF ring buffer's
 * size is a power of two held in a u32, so 2048 MB is the largest ring.
 */
#define HUB_BUF_MB_DEFAULT 4
#define HUB_BUF_MB_MAX 2048
#define HUB_BUF_DEFAULT ((uint64_t)HUB_BUF_MB_DEFAULT << 20) /* bytes */
#define HUB_BUF_MAX ((uint64_t)HUB_BUF_MB_MAX << 20)

#define HUB_NAME_MAX 63         /* session, host and class names (hub_name_valid) */
#define HUB_SOCKET_PATH_MAX 107 /* sockaddr_un's sun_path: 108 bytes, NUL included */
/*
 * taphubd --state-dir: the hub names a host's files under it
 * (DIR/hosts/NAME.N/CLASS.store) in HUB_PATH_MAX-byte paths.
 */
#define HUB_STATE_DIR_MAX 768
#define HUB_PATH_MAX 1024

/* ---- print.c: the library's messages --------------------------------------- */

/*
 * What the library says besides its error returns (a session's setup
 * failing midway in hub_run_local or hub_run_runner, a format table
 * recovery cannot read) goes to the function the program sets: one line,
 * without the program's name (the program adds it) and without '\n'.
 * NULL, the default: not said.  Returns the function set before.
 */
typedef void (*hub_print_fn)(const char *msg);
hub_print_fn hub_set_print(hub_print_fn fn);
/* For hub/'s files: a message to the program's function. */
void hub_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- guest.c -------------------------------------------------------------- */

struct hub_guest;

struct hub_guest_opts {
	size_t sz;            /* sizeof(struct hub_guest_opts) */
	const char *dir;      /* compiled guest: guest.meta, guest.bpf.o, guest.so */
	/* or, instead of dir (the hub: objects a client sent) */
	const char *meta_text;
	size_t meta_len;
	const void *obj;
	size_t obj_len;
	uint64_t ring_bytes;  /* per-class ring size; rounded up to a power of two */
	/* a relay host's rings: ring_fds[i] for the guest's class i (NULL: own rings) */
	const int *ring_fds;
	int64_t target_pid;   /* target() */
	bool target_held;     /* target_pid is -c's child, held before its exec */
	uint32_t guest_id;
	int64_t maxerrors;    /* errors before the probes stop themselves; -1: never */
	bool load_so;         /* dlopen the user-side object (runners only) */
	bool skip_bpf;        /* a hub runner: the hub loaded the eBPF part */
	int verbose;
};

int hub_guest_open(const struct hub_guest_opts *o, struct hub_guest **ret, char *err,
		   size_t errlen);
int hub_guest_attach(struct hub_guest *g, char *err, size_t errlen);
void hub_guest_detach(struct hub_guest *g);
void hub_guest_close(struct hub_guest *g);

const struct grt_meta *hub_guest_meta(const struct hub_guest *g);
const struct grt_guest_desc *hub_guest_desc(const struct hub_guest *g);
void *hub_guest_globals(const struct hub_guest *g);
const int *hub_guest_map_fds(const struct hub_guest *g); /* per gid, -1 if none */
int hub_guest_globals_fd(const struct hub_guest *g);      /* .data.th_g map, -1 if none */
int hub_guest_timing_fd(const struct hub_guest *g);       /* tap -t: th_timing, -1 if none */
int hub_guest_ring_fd(const struct hub_guest *g, int cls); /* -1 without eBPF */
int hub_guest_ncpus(const struct hub_guest *g);
/* Counters of a class summed over CPUs. */
/* Runs of the guest's probes the kernel skipped (recursion). */
uint64_t hub_guest_skipped(const struct hub_guest *g);
int hub_guest_counters(const struct hub_guest *g, int cls, struct th_class_counters *out);

/*
 * guest_uproc.c, for guest.c: the maps of process lifecycle probes.  Seed
 * before attaching (files, pids, the target: -errno and err), scan the
 * running processes after (-errno).
 */
int hub_guest_uproc_seed(const struct grt_meta *m, int files_fd, int procs_fd, int64_t target,
			 bool held, char *err, size_t errlen);
int hub_guest_uproc_scan(const struct grt_meta *m, int files_fd, int procs_fd);
struct stat;
/* A file's key in th_upfiles (and th_perfexe): the kernel's dev_t and the inode. */
struct th_upfile hub_guest_uproc_file_key(const struct stat *st);

/*
 * guest_perf.c, for guest.c: perf events bound to a process.  The
 * target's threads (malloc'd into *ret; their count, or -errno); a
 * per-task event on thread tid (sample 0: counting; the fd, or -1 and
 * errno); why the kernel refused an event of that type ("" or ": ...");
 * before attaching, th_perfexe and the counters (their fds added to
 * *fds; -errno and err).
 */
int hub_guest_perf_tasks(int64_t target, bool held, pid_t **ret);
int hub_guest_perf_open_task(int type, int64_t config, int64_t sample, bool freq, pid_t tid,
			     bool held);
const char *hub_guest_perf_why(int err, int type);
struct bpf_object;
/*
 * Uprobes through uprobe_multi links where the kernel has them (6.6+;
 * hub/guest_umulti.c): prepare sets the attach type of o's uprobe
 * programs before the load (1: done, 0: not supported, or -errno); link
 * makes one link at the n points pts of one file, with cookies first,
 * first + 1, ... (its fd, or -errno).
 */
struct grt_meta_upoint;
bool hub_umulti_supported(void);
int hub_umulti_prepare(const struct grt_meta *m, struct bpf_object *obj);
int hub_umulti_link(int prog_fd, const struct grt_meta_upoint *pts, int n, int first, bool ret);
int hub_guest_perf_seed(const struct grt_meta *m, struct bpf_object *obj, int64_t target,
			bool held, int **fds, int *nfds, char *err, size_t errlen);

/* The verifier's cost of one loaded program (bpf_prog_info.verified_insns). */
struct hub_prog_cost {
	const char *name; /* in the object: th_pN, th_sysenter, th_seNR ... */
	const char *pp;   /* its probe point; NULL for a syscall's tail-call target */
	int nr;           /* a tail-call target: its syscall number, else -1 */
	bool exit;        /* ... on sys_exit */
	uint32_t insns;   /* instructions processed; 0 when the kernel does not say (< 5.16) */
};

/* Program i (0, 1, ...) of a loaded guest: 0, or -ENOENT past the last. */
int hub_guest_prog_cost(const struct hub_guest *g, int i, struct hub_prog_cost *ret);

/* ---- local.c ---------------------------------------------------------------- */

struct hub_sink;

struct hub_local_opts {
	size_t sz;               /* sizeof(struct hub_local_opts) */
	const char *dir;         /* compiled guest */
	uint64_t ring_bytes;
	int64_t target_pid;      /* -x */
	char *const *cmd;        /* -c: argv of a command to run; ends the session */
	int out_fd;              /* output: stdout or an -o file */
	int msg_fd;              /* WARNING and ERROR lines, the -t report (tap: stderr) */
	bool suppress_errors;
	int64_t maxerrors;
	int verbose;
	int poll_ms;             /* drain period when no wakeup comes (default 100) */
	struct hub_sink *sink;   /* -o: the output goes here instead of out_fd */
	/* called once the guest is loaded (verified), before its begin probes */
	void (*on_loaded)(const struct hub_guest *g, void *arg);
	void *on_loaded_arg;
	int64_t timeout_ms;      /* -T: end the session after this long (0: never) */
	bool timing;             /* -t: print the probe hit report at the end */
	bool no_warnings;        /* -w: no WARNING lines */
};

/* Run the session to its end; returns the process exit status for tap. */
int hub_run_local(const struct hub_local_opts *o);

/* ---- mark.c: a session's no-trap markers ---------------------------------------- */

struct grt_meta;
struct rh_mark_ring;

/* Probes of meta a no-trap marker can serve (they want a ring). */
int hub_mark_count(const struct grt_meta *m);
/*
 * The ring process pid's no-trap markers write into, with the markers of
 * meta enabled in it (*ret NULL: meta has none, or pid is 0); bytes shared
 * out between its lanes.  Make it before attaching the uprobes.  pin
 * (NULL: none) is a second name that keeps it after a crash (a hub's
 * host).  A ring a dead session left for pid is counted and replaced:
 * hub_mark_stale_note says what became of its records.
 */
int hub_mark_open(const struct grt_meta *m, pid_t pid, uint32_t guest, uint64_t bytes,
		  const char *pin, struct rh_mark_ring **ret, char *err, size_t errlen);
/* The warning line (no newline) about a dead session's ring, or 0: nothing to say. */
size_t hub_mark_stale_note(const struct rh_mark_ring *r, pid_t pid, char *buf, size_t len);

/* ---- spec.c: names and class specs ------------------------------------------------ */

#define HUB_CLASS_MIN (64ull << 10)
#define HUB_CLASS_MAX (16ull << 30)
/* tap -s MB makes a class of that size: every -s is a valid class */
_Static_assert((1ull << 20) >= HUB_CLASS_MIN && HUB_BUF_MAX <= HUB_CLASS_MAX,
	       "the -s range lies within the class sizes");

struct hub_class_spec {
	char name[HUB_NAME_MAX + 1];
	uint64_t size;
	int policy; /* RH_OVERWRITE / RH_DISCARD */
};

struct rh_host;

/* "NAME=SIZE[:overwrite|:discard]", SIZE with K/M/G */
int hub_class_spec_parse(const char *s, struct hub_class_spec *out, char *err, size_t errlen);
bool hub_name_valid(const char *s);
bool hub_name_valid_n(const char *s, size_t n);

/* ---- where taphubd is ---------------------------------------------------------- */

#define HUB_DEFAULT_SOCKET "/run/taphub/hub.sock"
#define HUB_DEFAULT_STATE_DIR "/var/lib/taphub"

/* ---- statedir.c: who owns a state directory ---------------------------------- */

#define HUB_STATE_PATH_MAX 1100

/* $TAPHUB_STATE_DIR, else HUB_DEFAULT_STATE_DIR. */
const char *hub_state_dir_default(void);
/*
 * Take the state dir's lock for this process's life (*ret_fd); -EBUSY when
 * another process holds it (*ret_holder: its pid, 0 if unknown).
 */
int hub_state_lock(const char *state_dir, int *ret_fd, pid_t *ret_holder);
/* The pid holding a state dir's lock, -1 held by an unknown pid, 0 free. */
pid_t hub_state_lock_holder(const char *state_dir);

/* ---- service_conf.c: the service's scripts and conf files (docs/service.md) ---- */

#define HUB_SERVICE_MAX 256              /* scripts in one layout */
#define HUB_SERVICE_WORDS 64             /* tap options of one script */
#define HUB_SERVICE_FILE_MAX (1u << 20)  /* a config or conf file */
#define HUB_SERVICE_VALUE_MAX 8192       /* one value, unquoted */
/* sessions are svc_NAME_GEN: room for the prefix and a generation */
#define HUB_SERVICE_NAME_MAX (HUB_NAME_MAX - 16)

struct hub_service {
	char name[HUB_NAME_MAX + 1];
	char script[PATH_MAX];
	char conf[PATH_MAX];      /* its NAME.conf ("" none) */
	bool from_stap;           /* found in SystemTap's layout */
	char shadowed[PATH_MAX];  /* SystemTap's script of the same name, not used ("" none) */
	char *words[HUB_SERVICE_WORDS]; /* options for tap (-D, -G, -g, --class ...) */
	int nwords;
	char classes[TH_MAX_CLASSES][HUB_NAME_MAX + 32]; /* NAME=SIZE[:policy] of its host */
	int nclasses;
	char relay_host[HUB_NAME_MAX + 1]; /* join this host ("": a host of its own, NAME) */
	char output[PATH_MAX];             /* -o / output ("" none) */
	uint64_t rot_size;                 /* -S SIZE (bytes), 0 none */
	int rot_count;                     /* -S ,COUNT */
	uint64_t bufsize;                  /* -s (bytes), 0: the default */
	bool boot, boot_set;               /* start_at_boot */
	char owner[64];                    /* run as this user ("": whoever starts it) */
	uint64_t hash;                     /* of script and conf: reload's "changed" */
	char error[1024];                  /* why it cannot run: "FILE:LINE: problem" */
};

struct hub_service_set {
	struct hub_service *v; /* by name */
	int n;
	char confdir[PATH_MAX];
	char script_dir[PATH_MAX], conf_dir[PATH_MAX];
	char stap_script_dir[PATH_MAX], stap_conf_dir[PATH_MAX];
	char artifact_dir[PATH_MAX];
	bool boot_default; /* DEFAULT_START */
};

/* $TAPHUB_CONFDIR, else /etc/taphub; $TAPHUB_STAP_CONFDIR, else /etc/systemtap. */
const char *hub_service_confdir(void);
const char *hub_service_stapdir(void);
/*
 * Every script of both layouts; a script whose conf is bad is in the set
 * with its error.  -errno with err when the layout itself is unusable (a
 * bad config file).
 */
int hub_service_load(struct hub_service_set *set, char *err, size_t errlen);
struct hub_service *hub_service_find(struct hub_service_set *set, const char *name);
void hub_service_set_free(struct hub_service_set *set);
/*
 * One KEY=VALUE of a shell-style file, VALUE unquoted as sh would (nothing
 * expanded): 1, 0 at the end, -EINVAL with err "FILE:LINE: problem".
 */
int hub_service_assign_next(const char *file, const char *text, size_t *pos, int *line,
			    char *key, size_t keylen, char *val, size_t vallen, char *err,
			    size_t errlen);

/* ---- artifact*.c: a compiled guest in one file (docs/artifact.md) ---------------- */

/*
 * tap -p4 --artifact FILE writes one; tap --run FILE (and the service)
 * opens, verifies and extracts it, then runs the extracted guest like a
 * cache entry.  No compiler, cc or tapset is needed on that side.
 */
#define HUB_ARTIFACT_MAX_BYTES (256u << 20)
/* where trusted public keys are: $TAPHUB_CONFDIR/keys, else this */
#define HUB_ARTIFACT_KEYDIR "/etc/taphub/keys"

struct hub_artifact;

struct hub_artifact_write_opts {
	const char *dir;           /* the compiled guest: guest.meta, guest.bpf.o, guest.so */
	const char *name;          /* -m NAME, or NULL */
	const char *script;        /* the script's name as given ("<input>" for -e) */
	const char *script_sha256; /* hex SHA-256 of the script's text */
	const char *const *options; /* what shaped the compile: "-DMAXSTRINGLEN=256", "-g" */
	int noptions;
	const char *const *args;   /* the script's arguments ($1 ...), compiled in */
	int nargs;
	int64_t maxerrors;         /* -DMAXERRORS: the runtime applies it */
	const char *sign_key;      /* PEM private key (Ed25519 or RSA), or NULL */
};

/* Write path (replaced atomically, 0644). */
int hub_artifact_write(const struct hub_artifact_write_opts *o, const char *path, char *err,
		       size_t errlen);
/*
 * Read and parse path, checking every hash: a tampered or corrupt file is
 * -EBADMSG/-EINVAL with one line in err.  parse: the same on bytes in memory.
 */
int hub_artifact_open(const char *path, struct hub_artifact **ret, char *err, size_t errlen);
int hub_artifact_parse(const void *data, size_t len, struct hub_artifact **ret, char *err,
		       size_t errlen);
void hub_artifact_free(struct hub_artifact *a);
/* The manifest's first value for key, or NULL; line i's key and value (-ENOENT past the end). */
const char *hub_artifact_get(const struct hub_artifact *a, const char *key);
int hub_artifact_line(const struct hub_artifact *a, int i, const char **ret_key,
		      const char **ret_value);
/* A member's bytes ("guest.meta", "guest.bpf.o", "guest.so", "manifest"), or NULL. */
const void *hub_artifact_member(const struct hub_artifact *a, const char *name, size_t *ret_size);
/* 64 hex digits naming the artifact's content (a cache key for its extraction). */
const char *hub_artifact_digest(const struct hub_artifact *a);

/* $TAPHUB_CONFDIR/keys, else HUB_ARTIFACT_KEYDIR. */
const char *hub_artifact_keydir(char *buf, size_t len);
/*
 * The signature against the public keys (*.pub, PEM) in keydir: 0 when one
 * of them verifies it; -ENOKEY when the artifact is unsigned and either
 * require is set or keydir holds keys; -EKEYREJECTED when no key verifies
 * it.  An unsigned artifact with no keys configured and !require is 0.
 */
int hub_artifact_check_signature(const struct hub_artifact *a, const char *keydir, bool require,
				 char *err, size_t errlen);
/*
 * The running machine against the manifest: architecture, probe types,
 * tracepoints, kernel functions, BTF types and fields, map types and
 * helpers.  -ENOTSUP (-EXDEV for the architecture) and one line naming
 * what is missing: "artifact needs kprobes (kernel.function(...)), which
 * this kernel lacks".
 */
int hub_artifact_check_kernel(const struct hub_artifact *a, char *err, size_t errlen);
/* Write the guest's files (guest.meta, guest.bpf.o, guest.so) into dir, which exists. */
int hub_artifact_extract(const struct hub_artifact *a, const char *dir, char *err, size_t errlen);

/* ---- client.c ------------------------------------------------------------------ */

/*
 * Connect to taphubd (path NULL: $TAPHUB_SOCKET or the default).  With
 * start, root starts one (taphubd beside this program) when none listens.
 */
int hub_connect(const char *path, bool start, const char *state_dir, char *err, size_t errlen);
uint32_t hub_next_seq(void);
/*
 * Option values bound for the hub, checked where they are given, so a
 * value that would be cut or refused later is an error naming the option
 * (opt, e.g. "-m") and its limit.  0, or -EINVAL with err set.
 */
int hub_check_name(const char *opt, const char *s, char *err, size_t errlen);
int hub_check_len(const char *opt, const char *s, size_t max, char *err, size_t errlen);
/* Send a request and wait for its reply (OK); an ERROR reply is -errno + message. */
int hub_call(int fd, struct hub_msg *req, struct hub_req *reply, char *err, size_t errlen);

/*
 * Stop a session; the output of its end probes is copied to out_fd.  Its
 * records stay in the state dir unless discard.
 */
int hub_stop(int fd, const char *name, bool discard, int out_fd, char *err, size_t errlen);
/* Attach: copy a session's stream until it ends or a signal detaches us. */
int hub_attach(int fd, const char *name, const char *cls, uint32_t guest, int out_fd,
	       int msg_fd, char *err, size_t errlen);

/* ---- runner.c: a hub session's user-context probes, in the owner's process ---- */

struct hub_runner_opts {
	size_t sz;
	const char *socket;
	const char *dir;     /* the compiled guest (guest.so, guest.meta) */
	uint64_t session_id;
	int64_t target_pid;
	bool suppress_errors;
	int64_t maxerrors;
	int64_t timeout_ms;  /* -T: stop the session after this long (0: never) */
};

/* Connect as the session's runner, run it to its end; returns an exit status. */
int hub_run_runner(const struct hub_runner_opts *o);

/* ---- outfile.c: -o files, strftime names, -S rotation, switching ------------ */

struct hub_outfile;

struct hub_outfile_opts {
	const char *pattern;  /* -o FILE, a strftime(3) pattern */
	uint64_t size_limit;  /* -S SIZE in bytes; 0: no rotation */
	int count;            /* -S ,COUNT: keep the newest COUNT files; 0: all */
	bool keep_existing;   /* numbered from the start: a restart adds NAME.N+1 (service) */
	/* told once per failure (disk full ...) and when writing works again */
	void (*error)(void *arg, const char *msg);
	/* a new file was opened: write what it must start with (write_start) */
	void (*opened)(void *arg, struct hub_outfile *f);
	void *arg;
};

/* strftime + absolute: the name -o PATTERN gives now. */
int hub_outfile_name(const char *pattern, char *out, size_t len);
int hub_outfile_open(const struct hub_outfile_opts *o, struct hub_outfile **ret, char *err,
		     size_t errlen);
/* Write whole records: a record never straddles two files.  -EIO: counted lost. */
int hub_outfile_write(struct hub_outfile *f, const void *data, size_t len);
/* The same for nrec records at once (text: lines), counted so when lost. */
int hub_outfile_write_n(struct hub_outfile *f, const void *data, size_t len, uint64_t nrec);
/* Write at the start of a file, from the opened callback (no rotation check). */
int hub_outfile_write_start(struct hub_outfile *f, const void *data, size_t len);
/* Go on in a new file with the next record (SIGUSR2, tapctl switch). */
void hub_outfile_switch(struct hub_outfile *f);
/* Write out what is buffered (after each batch; switch and close do it too). */
int hub_outfile_flush(struct hub_outfile *f);
uint64_t hub_outfile_lost(const struct hub_outfile *f);
const char *hub_outfile_current(const struct hub_outfile *f);
uint64_t hub_outfile_files(const struct hub_outfile *f);
void hub_outfile_close(struct hub_outfile *f);

/* ---- sink.c: a session's output: text or binary trace, rotated ---------------- */

struct hub_sink;

struct hub_sink_opts {
	const char *pattern;   /* -o */
	uint64_t size_limit;   /* -S SIZE (bytes) */
	int count;             /* -S ,COUNT */
	bool binary;           /* --format=binary */
	bool keep_existing;    /* hub_outfile_opts' */
	const char *info;      /* binary: "key=value" lines for the INFO record */
	void (*error)(void *arg, const char *msg);
	void *arg;
};

int hub_sink_open(const struct hub_sink_opts *o, struct hub_sink **ret, char *err, size_t errlen);
void hub_sink_close(struct hub_sink *s);
int hub_sink_add_class(struct hub_sink *s, int cls, const char *name);
/* A guest's format table (its meta text): binary traces carry it. */
int hub_sink_add_guest(struct hub_sink *s, uint32_t guest, const char *meta, size_t len);
/* Formatted output (in a binary trace: as TEXT records). */
int hub_sink_text(struct hub_sink *s, const char *data, size_t len);
/* A record as it came from a ring (binary traces only). */
int hub_sink_record(struct hub_sink *s, const void *rec, size_t len);
/*
 * What a binary trace does with a record of kind fmt of the guest of meta
 * m (its writers, the embedded tap and the hub's, ask this one place).
 * m NULL: the formats that resolve a process's addresses stay raw (the
 * hub, which resolves none, shows them in hex whenever they are read).
 */
enum hub_sink_take {
	HUB_SINK_RAW,      /* as it is, and nothing more */
	HUB_SINK_RAW_SHOW, /* as it is, and the consumer still sees it (exit, errors act now) */
	HUB_SINK_TEXT,     /* the text the consumer makes of it (hub_sink_text) */
};
enum hub_sink_take hub_sink_take(const struct grt_meta *m, uint16_t fmt);
int hub_sink_lost(struct hub_sink *s, int cls, uint64_t count, uint64_t ts);
void hub_sink_switch(struct hub_sink *s);
/* Out to the file what the last batch left buffered. */
int hub_sink_flush(struct hub_sink *s);
/* Records the files could not take (text: lines). */
uint64_t hub_sink_lost_writes(const struct hub_sink *s);
bool hub_sink_binary(const struct hub_sink *s);

/* ---- fmt.c: records to text away from their session (tap-read, recover) ------ */

struct hub_fmt;

struct hub_fmt_opts {
	bool json;  /* one JSON object per record */
	FILE *out;  /* the text or JSON (tap-read: stdout) */
	FILE *msgs; /* ERROR/WARNING lines (text mode; tap-read: stderr); NULL: none */
};

int hub_fmt_new(const struct hub_fmt_opts *o, struct hub_fmt **ret);
void hub_fmt_free(struct hub_fmt *f);
/* A source of records (a file, a host): returns its index. */
int hub_fmt_source(struct hub_fmt *f);
int hub_fmt_add_guest(struct hub_fmt *f, int src, uint32_t id, const char *meta, size_t len,
		      char *err, size_t errlen);
void hub_fmt_set_class(struct hub_fmt *f, int src, int cls, const char *name, size_t len);
const char *hub_fmt_class(const struct hub_fmt *f, int src, int cls);
/* Print one record; -ENOENT when its guest has no table (counted). */
int hub_fmt_record(struct hub_fmt *f, int src, const void *rec, size_t len, int64_t mono_to_real);
uint64_t hub_fmt_unformatted(const struct hub_fmt *f);

/* ---- recover.c: what a crashed hub left (docs/recovery.md) ------------------- */

struct hub_recover_opts {
	const char *state_dir; /* the hub's state dir */
	const char *name;      /* the host (a directory of STATE/hosts); with core: a filter */
	const char *core;      /* read an ELF core of taphubd instead */
	const char *output;    /* -o FILE (NULL: to out, text only) */
	FILE *out;             /* the text without -o (tapctl: stdout) */
	bool binary;           /* --format=binary */
	bool json;             /* --json */
	/* what came from where, what was lost; in text, the records' ERROR/WARNING lines */
	FILE *report;          /* tapctl: stderr */
};

int hub_recover(const struct hub_recover_opts *o, char *err, size_t errlen);
/* One line per host directory of a state dir to out; returns how many. */
int hub_recover_list(const char *state_dir, FILE *out, FILE *report, char *err, size_t errlen);
/* Delete a host directory no hub uses (tapctl recover --delete NAME). */
int hub_recover_delete(const char *state_dir, const char *name, FILE *report, char *err,
		       size_t errlen);

/* ---- proto.c ------------------------------------------------------------------ */

/* A message being built (include/taphub/proto.h). */
struct hub_msg {
	uint8_t buf[TH_PROTO_MAX_MSG];
	size_t len;
	int fds[TH_PROTO_MAX_FDS];
	int nfds;
};

int hub_msg_init(struct hub_msg *m, int type, uint32_t seq);
int hub_msg_put(struct hub_msg *m, int attr, const void *v, size_t n);
int hub_msg_put_u32(struct hub_msg *m, int attr, uint32_t v);
int hub_msg_put_u64(struct hub_msg *m, int attr, uint64_t v);
int hub_msg_put_str(struct hub_msg *m, int attr, const char *s);
int hub_msg_put_fd(struct hub_msg *m, int attr, int fd); /* fd stays the caller's */
int hub_msg_send(int sock, const struct hub_msg *m);

#define HUB_MAX_REPEAT 256

/* A received message, validated. */
struct hub_req {
	struct th_msg_hdr h;
	struct {
		const uint8_t *v;
		uint16_t len;
		bool present;
	} attrs[TH_A__MAX]; /* the last occurrence of each type */
	struct {
		uint16_t type;
		uint16_t len;
		const uint8_t *v;
	} rep[HUB_MAX_REPEAT]; /* all attributes in order (repeated ones) */
	int nrep;
	int fds[TH_PROTO_MAX_FDS]; /* owned until taken or closed */
	int nfds;
	uint8_t buf[TH_PROTO_MAX_MSG];
};

/* Validate bytes as a message; nfds is how many fds came with it. */
int hub_msg_decode(const uint8_t *data, size_t len, int nfds, struct hub_req *r, char *err,
		   size_t errlen);
/* recvmsg + decode; -ECONNRESET at EOF; on error no fd is left open. */
int hub_msg_recv(int sock, struct hub_req *r, char *err, size_t errlen);
void hub_req_close_fds(struct hub_req *r);
bool hub_req_has(const struct hub_req *r, int attr);
bool hub_req_u32(const struct hub_req *r, int attr, uint32_t *out);
bool hub_req_u64(const struct hub_req *r, int attr, uint64_t *out);
const char *hub_req_str(const struct hub_req *r, int attr);
const void *hub_req_bytes(const struct hub_req *r, int attr, size_t *len);
int hub_req_take_fd(struct hub_req *r, int attr); /* the caller owns the fd */
int hub_reply_error(int sock, uint32_t seq, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* HUB_H */
