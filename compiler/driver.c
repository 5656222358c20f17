// SPDX-License-Identifier: MIT
/*
 * The driver: runs the passes (stap's numbering: 1 parse, 2 elaborate,
 * 3 translate, 4 compile) and owns the compile cache.
 *
 * Pass 4 hashes everything that shapes the objects — tap's version, the
 * runtime headers built into tap, the compilers (path, size, mtime), the
 * kernel (release, build string, BTF size) and the generated sources,
 * which already carry the elaborated script, the tapsets it used, the -D
 * values and the limits — and looks the hash up in the cache.  A hit skips
 * clang and cc entirely; where they are not installed, the entry is found
 * through the cache's index of the same hash without the compilers
 * (cache_key()), so a script compiled here earlier still runs.  On a miss, clang (eBPF object) and cc (user
 * shared object) run in parallel in a staging directory that is then
 * published with one rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

extern char **environ;

#define MAX_SCRIPT_BYTES (16u << 20)

void cc_ctx_init(struct cc_ctx *cx)
{
	struct utsname u;
	struct stat st;
	char *dash;

	memset(cx, 0, sizeof(*cx));
	cx->arena = cc_arena_new();
	cx->lim.maxstringlen = 128;
	cx->lim.strlen = 128;
	cx->lim.maxmapentries = 2048;
	cx->lim.maxaction = 1000;
	cx->lim.maxforeach = CC_MAXFOREACH_DEFAULT;
	cx->lim.maxtrylock = 1000;
	cx->lim.maxnesting = 0; /* stap's default, from the call graph */
	cx->lim.maxerrors = 0;
	cx->lim.bufsize_mb = 4;
	if (uname(&u) == 0) {
		snprintf(cx->kern.release, sizeof(cx->kern.release), "%s", u.release);
		snprintf(cx->kern.arch, sizeof(cx->kern.arch), "%.31s", u.machine);
		snprintf(cx->kern.btf_id, sizeof(cx->kern.btf_id), "%.60s", u.version);
	}
	snprintf(cx->kern.version, sizeof(cx->kern.version), "%.63s", cx->kern.release);
	dash = strchr(cx->kern.version, '-');
	if (dash)
		*dash = 0;
	cx->kern.has_kprobes = access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
	cx->kern.has_uprobes = access("/sys/bus/event_source/devices/uprobe", F_OK) == 0;
	cx->kern.has_btf = stat("/sys/kernel/btf/vmlinux", &st) == 0;
	if (cx->kern.has_btf) {
		size_t n = strlen(cx->kern.btf_id);

		snprintf(cx->kern.btf_id + n, sizeof(cx->kern.btf_id) - n, "/%lld",
			 (long long)st.st_size);
	}
}

void cc_ctx_release(struct cc_ctx *cx)
{
	int i;

	for (i = 0; i < cx->tpformats.n; i++)
		cc_tp_free(cx->tpformats.v[i]);
	cc_btf_close(cx->btf);
	cx->btf = NULL;
	cc_diag_release(&cx->diag);
	cc_arena_free(cx->arena);
	cx->arena = NULL;
}

/* The -D limits (MAXSTRINGLEN and friends): where each goes in cc_limits, and its range. */
static const struct {
	const char *name;
	size_t off;
	int64_t min, max;
} lims[] = {
	{ "MAXSTRINGLEN", offsetof(struct cc_limits, maxstringlen), 16, 4096 },
	{ "MAXMAPENTRIES", offsetof(struct cc_limits, maxmapentries), 1, GRT_MAX_MAP_ENTRIES },
	{ "MAXACTION", offsetof(struct cc_limits, maxaction), 1, 1 << 20 },
	/* a snapshot's header (grt_bpf_foreach.h) is a per-CPU map value: 32 KB at most */
	{ "MAXFOREACH", offsetof(struct cc_limits, maxforeach), 1, CC_MAXFOREACH_MAX },
	{ "MAXACTION_INTERRUPTIBLE", offsetof(struct cc_limits, maxaction_interruptible), 1, 1 << 24 },
	{ "MAXTRYLOCK", offsetof(struct cc_limits, maxtrylock), 0, 1 << 30 },
	{ "MAXNESTING", offsetof(struct cc_limits, maxnesting), 1, 1000 },
	{ "MAXERRORS", offsetof(struct cc_limits, maxerrors), 0, 1 << 30 },
};

bool cc_limit_known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
		if (!strcmp(name, lims[i].name))
			return true;
	return false;
}

int cc_set_limit(struct cc_ctx *cx, const char *name, const char *value)
{
	size_t i;
	char *end;
	long long v;

	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		if (strcmp(name, lims[i].name))
			continue;
		errno = 0;
		v = strtoll(value, &end, 0);
		if (errno || end == value || *end || v < lims[i].min || v > lims[i].max) {
			cc_error(&cx->diag, "-D%s=%s: expected a number from %lld to %lld", name, value,
				 (long long)lims[i].min, (long long)lims[i].max);
			return -EINVAL;
		}
		if (!strcmp(name, "MAXSTRINGLEN")) {
			/*
			 * Strings keep v - 1 bytes; their buffers are the next power
			 * of two, because eBPF bounds checks use masks.
			 */
			long long p = 16;

			while (p < v)
				p <<= 1;
			cx->lim.strlen = v;
			v = p;
		}
		if (!strcmp(name, "MAXFOREACH")) {
			/* the snapshot's row numbers are masked: a power of two */
			long long p = 1;

			while (p < v)
				p <<= 1;
			v = p;
		}
		*(int64_t *)((char *)&cx->lim + lims[i].off) = v;
		return 1;
	}
	return 0;
}

/*
 * The -D names of SystemTap's kernel module (the defaults its runtime/
 * headers define, and stap(1)'s RESOURCE LIMITS): scripts and runbooks
 * pass them, and they tune code taphub never builds, so tap accepts them
 * and says they do nothing here.
 */
static const char *const stap_tunables[] = {
	"MAXSKIPPED", "MAXBACKTRACE", "MAPHASHBIAS", "MINSTACKSPACE", "MAXUPROBES",
	"KRETACTIVE", "INTERRUPTIBLE", "STP_NO_OVERLOAD", "STP_OVERLOAD_THRESHOLD",
	"STP_OVERLOAD_INTERVAL", "STP_NO_VERREL_CHECK", "STP_NO_BUILDID_CHECK",
	"STP_MAXMEMORY", "STP_EXECTRACE", "STP_PROCFS_BUFSIZE", "STP_MAX_PROCFS_FILES",
	"STP_ALIBI", "STP_BULKMODE", "STP_TIMING", "STP_MAXBINARYARGS", "STP_MAX_BUCKETS",
	"STP_BUFFER_SIZE_SHIFT", "STP_CTL_TIMER_INTERVAL", "STP_RELAY_TIMER_INTERVAL",
	"STP_TIMELOCKDELAY", "STP_TIMELOCKTRIES", "STP_TIME_SYNC_INTERVAL",
	"STP_LOG_BUF_LEN", "STP_LOG_BUF_ENTRIES_SHIFT", "STP_USE_DWARF_UNWINDER",
	"STP_PERF_USE_TASK_FINDER", "STP_UTRACE_USE_TASK_WORK_QUEUE", "STP_TF_DEBUG",
	"TASK_FINDER_VMA_ENTRY_ITEMS", "TASK_FINDER_VMA_ENTRY_PATHLEN",
	"TASK_FINDER_MAP_ENTRY_ITEMS", "MAP_STRING_LENGTH", "MAX_CFI", "DEBUG_MEM",
	"DEBUG_UNWIND", "DEBUG_TASK_FINDER", "DEBUG_UPROBES", "DEBUG_REENTRANCY",
};

bool cc_stap_tunable(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(stap_tunables) / sizeof(stap_tunables[0]); i++)
		if (!strcmp(name, stap_tunables[i]))
			return true;
	return false;
}

int cc_set_compatible(struct cc_ctx *cx, const char *version)
{
	const char *p = version;

	/* stap's form: numbers joined by dots ("4.0", "3.3") */
	while (*p >= '0' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p != '.')
			break;
		p++;
	}
	if (!*version || *p || p[-1] == '.') {
		cc_error(&cx->diag, "--compatible expects a version like 4.0, not '%s'", version);
		return -EINVAL;
	}
	/* as stap: a script cannot ask for a language newer than the one we implement */
	if (cc_version_cmp(version, CC_SYSTEMTAP_V) > 0) {
		cc_error(&cx->diag,
			 "--compatible %s: taphub implements the SystemTap %s language, not a later one",
			 version, CC_SYSTEMTAP_V);
		return -EINVAL;
	}
	cx->compatible = cc_strdup(cx->arena, version);
	return 0;
}

struct cc_srcfile *cc_source_text(struct cc_ctx *cx, const char *name, const char *text)
{
	struct cc_srcfile *f = cc_alloc(cx->arena, sizeof(*f));

	f->name = cc_strdup(cx->arena, name);
	f->text = cc_strdup(cx->arena, text);
	f->len = strlen(text);
	return f;
}

/* -E TEXT number i, a source of its own so that errors name it ("<-E 1>:1:7") */
struct cc_file *cc_parse_extra(struct cc_ctx *cx, int i)
{
	char *name = cc_sprintf(cx->arena, "<-E %d>", i + 1);

	return cc_parse_source(cx, cc_source_text(cx, name, cx->extra_scripts[i]));
}

static void vec_append(struct cc_ctx *cx, struct cc_vec *to, const struct cc_vec *from)
{
	int i;

	for (i = 0; i < from->n; i++)
		cc_vec_push(cx->arena, to, from->v[i]);
}

/*
 * The user's script: src and the -E texts after it, as one file.  stap
 * treats them alike (user files, not tapsets: their probes run, their
 * globals are printed at the end); what two of them both define is a
 * duplicate, as within one file.
 */
struct cc_file *cc_parse_script(struct cc_ctx *cx, struct cc_srcfile *src)
{
	struct cc_file *f = cc_parse_source(cx, src);
	int i;

	for (i = 0; i < cx->nextra_scripts; i++) {
		struct cc_file *e = cc_parse_extra(cx, i);

		vec_append(cx, &f->probes, &e->probes);
		vec_append(cx, &f->globals, &e->globals);
		vec_append(cx, &f->funcs, &e->funcs);
	}
	return f;
}

struct cc_srcfile *cc_source_file(struct cc_ctx *cx, const char *path)
{
	struct cc_srcfile *f;
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0) {
		cc_error(&cx->diag, "cannot open script '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		cc_error(&cx->diag, "script '%s' is a directory", path);
		close(fd);
		return NULL;
	}
	buf = cc_alloc(cx->arena, MAX_SCRIPT_BYTES + 1);
	for (;;) {
		ssize_t n = read(fd, buf + got, MAX_SCRIPT_BYTES - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cc_error(&cx->diag, "cannot read script '%s': %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == MAX_SCRIPT_BYTES) {
			cc_error(&cx->diag, "script '%s' is larger than %u MB", path,
				 MAX_SCRIPT_BYTES >> 20);
			close(fd);
			return NULL;
		}
	}
	close(fd);
	buf[got] = 0;
	if (memchr(buf, 0, got)) {
		cc_error(&cx->diag, "script '%s' contains NUL bytes: not a text file", path);
		return NULL;
	}
	f = cc_alloc(cx->arena, sizeof(*f));
	f->name = cc_strdup(cx->arena, strcmp(path, "-") ? path : "<stdin>");
	f->text = buf;
	f->len = got;
	return f;
}

/* ---- compiling ---------------------------------------------------------------------- */

/* Whether prog was found (false: not installed, or not on $PATH). */
static bool hash_file_id(struct cc_sha256 *h, const char *prog)
{
	char path[4096];
	const char *dirs = getenv("PATH");
	struct stat st;
	bool found;

	/* the compiler's identity without running it: where it is, its size and age */
	if (strchr(prog, '/')) {
		snprintf(path, sizeof(path), "%s", prog);
	} else {
		const char *p = dirs ? dirs : "/usr/bin";

		path[0] = 0;
		while (*p) {
			const char *e = strchr(p, ':');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			snprintf(path, sizeof(path), "%.*s/%s", (int)n, p, prog);
			if (access(path, X_OK) == 0)
				break;
			path[0] = 0;
			p += n + (e ? 1 : 0);
		}
	}
	found = path[0] && stat(path, &st) == 0;
	if (found) {
		char id[4200];

		snprintf(id, sizeof(id), "%s:%lld:%lld", path, (long long)st.st_size,
			 (long long)st.st_mtime);
		cc_sha256_update(h, id, strlen(id));
	}
	cc_sha256_update(h, prog, strlen(prog) + 1);
	/* an absolute TAPHUB_CLANG that is not there is as missing as no clang */
	return found;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	const char *p = data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* Runtime headers into DIR/inc so the generated code finds them. */
static int write_headers(const char *dir)
{
	const struct cc_embedded *e;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/inc", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/inc/taphub", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/inc/guest-runtime", dir);
	mkdir(path, 0700);
	for (e = th_embedded; e->name; e++) {
		if (!strncmp(e->name, "tapset/", 7))
			continue;
		snprintf(path, sizeof(path), "%s/inc", dir);
		err = write_file(path, e->name, e->data, e->size);
		if (err)
			return err;
	}
	return 0;
}

static pid_t spawn(struct cc_ctx *cx, char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err, i;

	/* -vv: the command, on the diagnostics' stream */
	if (cx->verbose >= 2 && cx->diag.out) {
		for (i = 0; argv[i]; i++)
			fprintf(cx->diag.out, "%s%s", i ? " " : "", argv[i]);
		fputc('\n', cx->diag.out);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}

static int wait_ok(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void show_log(struct cc_ctx *cx, const char *path, const char *what)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	int n = 0;

	cc_error(&cx->diag, "%s failed (this is a bug in tap: please report it)", what);
	if (!f)
		return;
	while (cx->diag.out && fgets(line, sizeof(line), f) && n++ < 40)
		fputs(line, cx->diag.out);
	fclose(f);
}

static const char *tool(const char *env, const char *dflt)
{
	const char *v = getenv(env);

	return v && *v ? v : dflt;
}

static int compile_objects(struct cc_ctx *cx, const struct cc_output *g, const char *dir)
{
	char inc[4200], src_b[4200], obj_b[4200], src_u[4200], obj_u[4200], log_b[4200], log_u[4200];
	pid_t pb = -1, pu = -1;
	int err = 0, eb = 0, eu = 0;

	snprintf(inc, sizeof(inc), "-I%s/inc", dir);
	snprintf(src_b, sizeof(src_b), "%s/guest.bpf.c", dir);
	snprintf(obj_b, sizeof(obj_b), "%s/guest.bpf.o", dir);
	snprintf(src_u, sizeof(src_u), "%s/guest.user.c", dir);
	snprintf(obj_u, sizeof(obj_u), "%s/guest.so", dir);
	snprintf(log_b, sizeof(log_b), "%s/clang.log", dir);
	snprintf(log_u, sizeof(log_u), "%s/cc.log", dir);
	err = write_headers(dir);
	if (err)
		goto out_err;
	if (g->bpf_c) {
		char *argv[] = {
			(char *)tool("TAPHUB_CLANG", "clang"), "-O2", "-g", "-target", "bpf",
			"-mcpu=v3", "-D__TARGET_ARCH_x86", inc,
			"-I/usr/include/x86_64-linux-gnu", "-Wall", "-Werror",
			"-Wno-unused-variable", "-Wno-unused-function", "-Wno-unused-label",
			"-Wno-unused-value", "-Wno-gnu-statement-expression",
			"-Wno-compare-distinct-pointer-types",
			"-c", src_b, "-o", obj_b, NULL,
		};

		err = write_file(dir, "guest.bpf.c", g->bpf_c, g->bpf_len);
		if (err)
			goto out_err;
		pb = spawn(cx, argv, log_b);
		if (pb < 0) {
			cc_error(&cx->diag, "cannot run %s: %s (install clang)", argv[0],
				 strerror(errno));
			return -errno;
		}
	}
	if (g->user_c) {
		char *argv[] = {
			(char *)tool("TAPHUB_CC", "cc"), "-O1", "-g", "-fPIC", "-shared", inc,
			"-Wall", "-Werror", "-Wno-unused-variable", "-Wno-unused-function",
			"-Wno-unused-label", "-Wno-unused-value", "-Wno-unused-but-set-variable",
			"-o", obj_u, src_u, NULL,
		};

		err = write_file(dir, "guest.user.c", g->user_c, g->user_len);
		if (err)
			goto out_wait;
		pu = spawn(cx, argv, log_u);
		if (pu < 0) {
			err = -errno;
			cc_error(&cx->diag, "cannot run %s: %s (install gcc)", argv[0],
				 strerror(errno));
			goto out_wait;
		}
	}
out_wait:
	if (pb > 0 && (eb = wait_ok(pb)))
		show_log(cx, log_b, "compiling the eBPF object");
	if (pu > 0 && (eu = wait_ok(pu)))
		show_log(cx, log_u, "compiling the user-side object");
	if (err || eb || eu)
		return err ? err : -EIO;
	return write_file(dir, "guest.meta", g->meta, g->meta_len);
out_err:
	cc_error(&cx->diag, "cannot write into '%s': %s", dir, strerror(-err));
	return err;
}

/*
 * Two keys.  The inputs key hashes what the objects are made from: tap's
 * version and runtime headers, the kernel, the generated sources.  The
 * entry's key adds the compilers' identities to it, so a new clang
 * compiles anew.  The cache indexes the entry under the inputs key too:
 * on a machine whose compilers are gone (a production box the script was
 * compiled on earlier, then clang removed), the entry is still found.
 * Returns whether the compilers the guest needs were found.
 */
static bool cache_key(struct cc_ctx *cx, const struct cc_output *g, char ikey[65], char key[65])
{
	struct cc_sha256 h;
	const struct cc_embedded *e;
	uint8_t d[32];
	bool found = true;

	cc_sha256_init(&h);
	cc_sha256_update(&h, "taphub " TAPHUB_VERSION, strlen("taphub " TAPHUB_VERSION) + 1);
	for (e = th_embedded; e->name; e++)
		if (strncmp(e->name, "tapset/", 7))
			cc_sha256_update(&h, e->data, e->size);
	cc_sha256_update(&h, cx->kern.release, strlen(cx->kern.release) + 1);
	cc_sha256_update(&h, cx->kern.btf_id, strlen(cx->kern.btf_id) + 1);
	if (g->bpf_c)
		cc_sha256_update(&h, g->bpf_c, g->bpf_len);
	cc_sha256_update(&h, "\0u", 2);
	if (g->user_c)
		cc_sha256_update(&h, g->user_c, g->user_len);
	cc_sha256_update(&h, "\0m", 2);
	cc_sha256_update(&h, g->meta, g->meta_len);
	cc_sha256_final(&h, d);
	cc_sha256_hex(d, ikey);

	cc_sha256_init(&h);
	cc_sha256_update(&h, ikey, 64);
	if (!hash_file_id(&h, tool("TAPHUB_CLANG", "clang")) && g->bpf_c)
		found = false;
	if (!hash_file_id(&h, tool("TAPHUB_CC", "cc")) && g->user_c)
		found = false;
	cc_sha256_final(&h, d);
	cc_sha256_hex(d, key);
	return found;
}

void cc_artifact_release(struct cc_artifact *a)
{
	free(a->dir);
	a->dir = NULL;
}

/* The script's global NAME, or NULL. */
static struct cc_sym *script_global(struct cc_ctx *cx, const char *name, size_t len)
{
	int i;

	for (i = 0; i < cx->script->globals.n; i++) {
		struct cc_sym *g = cx->script->globals.v[i];

		if (strlen(g->name) == len && !strncmp(g->name, name, len))
			return g;
	}
	return NULL;
}

/*
 * -G NAME=VALUE, before elaboration: the value becomes the global's
 * initializer, so begin probes see it, kernel probes too (it is compiled
 * in, as stap passes it as a module parameter before the module starts).
 * A value that is not a number makes a string; a number stays open until
 * the types are known (gopt_types), as a string global may be given "42".
 */
static int gopt_inits(struct cc_ctx *cx)
{
	int i;

	for (i = 0; i < cx->ngopts; i++) {
		const char *o = cx->gopts[i], *eq = strchr(o, '=');
		struct cc_node *init = cc_alloc(cx->arena, sizeof(*init));
		struct cc_sym *g;
		char *end;

		if (!eq || eq == o) {
			cc_error(&cx->diag, "-G %s: expected NAME=VALUE", o);
			continue;
		}
		g = script_global(cx, o, (size_t)(eq - o));
		if (!g) {
			cc_error(&cx->diag, "-G %s: the script has no global '%.*s'", o, (int)(eq - o),
				 o);
			continue;
		}
		/* an array known only from its uses is refused at its declaration */
		if (g->is_array) {
			cc_error(&cx->diag, "-G %s: '%s' is an array", o, g->name);
			continue;
		}
		init->loc = g->loc;
		init->sort_by = -2;
		errno = 0;
		init->num = strtoll(eq + 1, &end, 0);
		init->kind = eq[1] && !*end && !errno ? N_NUM : N_STR;
		init->str = cc_strdup(cx->arena, eq + 1);
		init->slen = strlen(init->str);
		if (init->kind == N_STR && g->type == TY_LONG) {
			cc_error(&cx->diag, "-G %s: '%s' is a number global, and '%s' is not a number", o,
				 g->name, eq + 1);
			continue;
		}
		init->type = init->kind == N_NUM ? TY_LONG : TY_STRING;
		if (init->kind == N_STR)
			g->type = TY_STRING;
		g->init = init;
	}
	return cx->diag.nerrors ? -EINVAL : 0;
}

/* -G, once the types are known: a string global keeps a number as its text. */
static int gopt_types(struct cc_ctx *cx)
{
	int i;

	for (i = 0; i < cx->ngopts; i++) {
		const char *eq = strchr(cx->gopts[i], '=');
		struct cc_sym *g = script_global(cx, cx->gopts[i], (size_t)(eq - cx->gopts[i]));

		if (g->init && g->init->kind == N_NUM && g->type == TY_STRING) {
			g->init->kind = N_STR;
			g->init->type = TY_STRING;
		}
	}
	return 0;
}

int cc_build(struct cc_ctx *cx, struct cc_srcfile *src, const struct cc_build_opts *bo,
	     struct cc_artifact *art)
{
	struct cc_output g = { 0 };
	struct cc_cache *cache = NULL;
	char *stage = NULL, ikey[65];
	bool have_compilers;
	int err;

	memset(art, 0, sizeof(*art));
	/* pass 1: parse */
	cx->script = cc_parse_script(cx, src);
	if (cx->diag.nerrors)
		return -EINVAL;
	if (bo->last_pass == 1) {
		cc_dump_file(cx, cx->script, bo->out);
		return 0;
	}
	/* pass 2: tapsets, expansion, resolution, types */
	if (gopt_inits(cx) < 0 || cc_load_tapsets(cx) < 0 || cc_elaborate(cx) < 0 ||
	    gopt_types(cx) < 0)
		return -EINVAL;
	if (bo->last_pass == 2) {
		cc_dump_prog(cx, bo->out);
		return 0;
	}
	/* pass 3: C */
	err = cc_codegen(cx, &g);
	if (err)
		return err;
	if (bo->last_pass == 3) {
		if (g.bpf_c)
			fprintf(bo->out, "/* ---- guest.bpf.c ---- */\n%s\n", g.bpf_c);
		if (g.user_c)
			fprintf(bo->out, "/* ---- guest.user.c ---- */\n%s\n", g.user_c);
		fprintf(bo->out, "/* ---- guest.meta ----\n%s*/\n", g.meta);
		goto out;
	}
	/* pass 4: objects, through the cache */
	have_compilers = cache_key(cx, &g, ikey, art->key);
	art->has_bpf = g.bpf_c != NULL;
	art->has_so = g.user_c != NULL;
	if (bo->keep_tmp) {
		char tmpl[] = "/tmp/tapXXXXXX";

		if (!mkdtemp(tmpl)) {
			err = -errno;
			cc_error(&cx->diag, "cannot create a temporary directory: %s", strerror(errno));
			goto out;
		}
		err = compile_objects(cx, &g, tmpl);
		if (cx->diag.out)
			fprintf(cx->diag.out, "Keeping temporary directory \"%s\"\n", tmpl);
		if (!err)
			art->dir = strdup(tmpl);
		goto out;
	}
	err = cc_cache_open(bo->cache_dir, bo->cache_limit, &cache);
	if (err) {
		cc_error(&cx->diag, "cannot use the compile cache '%s': %s",
			 bo->cache_dir ? bo->cache_dir : "~/.cache/taphub", strerror(-err));
		goto out;
	}
	/* no compiler here: the entry compiled last from the same inputs, by any compilers */
	if (!have_compilers && cc_cache_index_get(cache, ikey, art->key) < 0)
		memset(art->key, 0, sizeof(art->key));
	if (art->key[0] && cc_cache_lookup(cache, art->key, &art->dir) == 0) {
		art->cache_hit = true;
		if (cx->verbose && cx->diag.out)
			fprintf(cx->diag.out, "Pass 4: using cached %s\n", art->dir);
		goto out;
	}
	if (!have_compilers)
		cache_key(cx, &g, ikey, art->key); /* compile_objects says what is missing */
	err = cc_cache_stage(cache, &stage);
	if (err) {
		cc_error(&cx->diag, "cannot stage in the compile cache: %s", strerror(-err));
		goto out;
	}
	err = compile_objects(cx, &g, stage);
	if (err) {
		cc_cache_discard(cache, stage);
		goto out;
	}
	err = cc_cache_commit(cache, art->key, stage, &art->dir);
	if (err) {
		cc_error(&cx->diag, "cannot publish into the compile cache: %s", strerror(-err));
		cc_cache_discard(cache, stage);
		goto out;
	}
	/* a failed index costs a compile on a machine without compilers, nothing more */
	cc_cache_index_put(cache, ikey, art->key);
	cc_cache_trim(cache);
out:
	free(stage);
	if (cache)
		cc_cache_close(cache);
	cc_output_free(&g);
	if (!err && bo->last_pass == 4 && art->dir)
		fprintf(bo->out, "%s/%s\n", art->dir,
			art->has_bpf ? "guest.bpf.o" : art->has_so ? "guest.so" : "guest.meta");
	return err;
}
