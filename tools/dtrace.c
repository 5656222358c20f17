// SPDX-License-Identifier: MIT
/*
 * dtrace (installed as tap-dtrace): SystemTap's `dtrace` for programs that
 * build their SDT markers the DTrace way, from a provider file.
 *
 *   dtrace -h -s provider.d [-o provider.h] [-C [-I DIR] [-D NAME[=V]]]
 *   dtrace -G -s provider.d [-o provider.o] [objects...]
 *
 * -h writes a header of PROVIDER_PROBE(...) and PROVIDER_PROBE_ENABLED()
 * macros; -G compiles the probes' semaphores into an object to link with
 * the program (compiler/provider_emit.c says what both hold).  -C runs
 * the provider file through $CPP (default cpp) with the -I and -D options
 * first; -G compiles with $CC (default gcc), the -D and -I options, -g,
 * $CFLAGS and -fPIC, as SystemTap's dtrace does.  The objects named after
 * -G are not read: <sys/sdt.h> markers need no rewriting of the program's
 * objects, unlike Solaris DTrace's.  -k keeps the preprocessed provider
 * file and the semaphores' C source next to the output; -x OPT, -32, -64,
 * -fpic, -fPIC, --no-pyparsing are accepted and ignored, --types is
 * obsolete (a note), as with stap's.
 *
 * Nothing is written when the provider file has errors: they are printed
 * as file:line:col with the line and a caret, and the status is 1.  The
 * source reaches cpp's output and the compiler through pipes, so there
 * are no temporary files, and two builds in one directory cannot meet.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "compiler/compiler.h"

extern char **environ;

/* The most -I and -D options: far beyond any build's, and bounded */
#define MAX_CPP_OPTS 256
/* A provider file, or cpp's output of it, read into memory: at most 64 MB */
#define MAX_INPUT (64u << 20)

struct opts {
	bool header, object, cpp, keep;
	const char *src, *out;
	char *cpp_opts[MAX_CPP_OPTS]; /* -I and -D, in order, each one word */
	int ncpp;
};

static const char *prog = "dtrace";

static void usage(FILE *o)
{
	fprintf(o,
		"Usage: %s [--help] [-h | -G] [-C [-I<Path>] [-D<NAME>]] -s File.d [-o <File>] "
		"[objects...]\n",
		prog);
}

static void help(void)
{
	usage(stdout);
	puts("  -h       write a header of the provider file's probe macros (default File.h)\n"
	     "  -G       compile an object defining the probes' semaphores (default File.o)\n"
	     "  -s FILE  the provider file (.d)\n"
	     "  -o FILE  the output file\n"
	     "  -C       run the provider file through the C preprocessor ($CPP, default cpp)\n"
	     "  -I DIR, -D NAME[=VALUE]  for the preprocessor, and for the compiler with -G\n"
	     "  -k       keep the preprocessed file and the semaphores' C source\n"
	     "-G compiles with $CC (default gcc) and $CFLAGS.  -x OPT, -32, -64, -fpic, -fPIC\n"
	     "are ignored, as SystemTap's dtrace ignores them.");
}

/* -o FILE and -oFILE: the value, or NULL (said) when it is missing */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (argv[*i][2])
		return argv[*i] + 2;
	if (*i + 1 < argc)
		return argv[++*i];
	fprintf(stderr, "%s: option %s needs a value\n", prog, argv[*i]);
	return NULL;
}

/* 0, 1 (help printed: exit 0) or -EINVAL (said) */
static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "--help")) {
			help();
			return 1;
		} else if (!strcmp(a, "-h")) {
			o->header = true;
		} else if (!strcmp(a, "-G")) {
			o->object = true;
		} else if (!strcmp(a, "-C")) {
			o->cpp = true;
		} else if (!strcmp(a, "-k")) {
			o->keep = true;
		} else if (!strcmp(a, "--types")) {
			fprintf(stderr, "%s: note: obsolete option --types used\n", prog);
		} else if (!strcmp(a, "--no-pyparsing") || !strcmp(a, "-32") || !strcmp(a, "-64") ||
			   !strcmp(a, "-fpic") || !strcmp(a, "-fPIC")) {
			/* what build systems pass to dtrace: nothing here depends on it */
		} else if (!strncmp(a, "-x", 2)) {
			/* -x OPT: DTrace's tunables, meaningless to SDT markers */
			if (!opt_value(argc, argv, &i))
				return -EINVAL;
		} else if (!strncmp(a, "-s", 2) || !strncmp(a, "-o", 2)) {
			v = opt_value(argc, argv, &i);
			if (!v)
				return -EINVAL;
			if (a[1] == 's' && o->src) {
				fprintf(stderr, "%s: one provider file only (-s %s, then -s %s)\n",
					prog, o->src, v);
				return -EINVAL;
			}
			*(a[1] == 's' ? &o->src : &o->out) = v;
		} else if (!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2)) {
			v = opt_value(argc, argv, &i);
			if (!v)
				return -EINVAL;
			if (o->ncpp == MAX_CPP_OPTS) {
				fprintf(stderr, "%s: more than %d -I and -D options\n", prog,
					MAX_CPP_OPTS);
				return -EINVAL;
			}
			/* one word, as the compiler takes it: -Idir, -DNAME=V */
			o->cpp_opts[o->ncpp] = malloc(strlen(v) + 3);
			if (!o->cpp_opts[o->ncpp])
				return -ENOMEM;
			sprintf(o->cpp_opts[o->ncpp++], "-%c%s", a[1], v);
		} else if (a[0] == '-') {
			fprintf(stderr, "%s: invalid option %s\n", prog, a);
			usage(stderr);
			return -EINVAL;
		}
		/* else an object of -G: not read (see the top of the file) */
	}
	if (o->header == o->object || !o->src) {
		fprintf(stderr, "%s: %s\n", prog,
			o->header && o->object ? "-h and -G: one at a time"
			: !o->src	       ? "no provider file: -s File.d"
					       : "nothing to do: -h or -G");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- running cpp and cc ---------------------------------------------------- */

/* words of the environment variable name (default dflt) into we; -errno said */
static int env_words(const char *name, const char *dflt, wordexp_t *we)
{
	const char *v = getenv(name);
	char *s, *p;
	int err;

	s = strdup(v ? v : dflt);
	if (!s)
		return -ENOMEM;
	/* a backslash-newline of a Makefile's CFLAGS is a space (as stap's dtrace) */
	for (p = s; (p = strstr(p, "\\\n")); p += 2)
		p[0] = p[1] = ' ';
	err = wordexp(s, we, WRDE_NOCMD);
	free(s);
	if (err) {
		fprintf(stderr, "%s: $%s cannot be split into words (%s)\n", prog, name,
			err == WRDE_BADCHAR  ? "a character such as | ; < > & ( ) unquoted"
			: err == WRDE_CMDSUB ? "$(...) or `...`"
					     : "quoting");
		return -EINVAL;
	}
	return 0;
}

/*
 * Start argv with its child_fd (0 or 1) on a pipe; *ret_fd is our end.
 * -errno, said.
 */
static int spawn_piped(char **argv, int child_fd, int *ret_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) < 0) {
		err = -errno;
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return err;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[child_fd ? 1 : 0], child_fd);
	err = posix_spawnp(ret_pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[child_fd ? 1 : 0]);
	if (err) {
		close(p[child_fd ? 0 : 1]);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(err));
		return -err;
	}
	*ret_fd = p[child_fd ? 0 : 1];
	return 0;
}

/* 0 when pid exited 0; else -EIO, said, naming what failed */
static int wait_child(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "%s: waiting for %s: %s\n", prog, what, strerror(errno));
			return -errno;
		}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (WIFEXITED(st))
		fprintf(stderr, "%s: %s failed (exit status %d)\n", prog, what, WEXITSTATUS(st));
	else
		fprintf(stderr, "%s: %s killed by signal %d\n", prog, what, WTERMSIG(st));
	return -EIO;
}

/* fd to its end into *ret (malloc'd, NUL-terminated); -errno, said */
static int read_all(int fd, const char *what, char **ret, size_t *ret_len)
{
	int err = cc_read_fd(fd, MAX_INPUT, ret, ret_len);

	if (err)
		fprintf(stderr, "%s: reading %s: %s\n", prog, what,
			err == -E2BIG ? "larger than 64 MB" : strerror(-err));
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* the provider file, through $CPP with -C */
static int read_source(const struct opts *o, char **ret, size_t *ret_len)
{
	char *argv[MAX_CPP_OPTS + 64];
	wordexp_t we;
	size_t n = 0, i;
	int fd, err;
	pid_t pid;

	if (!o->cpp) {
		fd = open(o->src, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot open %s: %s\n", prog, o->src, strerror(errno));
			return -errno;
		}
		err = read_all(fd, o->src, ret, ret_len);
		close(fd);
		return err;
	}
	err = env_words("CPP", "cpp", &we);
	if (err)
		return err;
	if (we.we_wordc == 0 || we.we_wordc > 32) {
		fprintf(stderr, "%s: $CPP names no command\n", prog);
		wordfree(&we);
		return -EINVAL;
	}
	for (i = 0; i < we.we_wordc; i++)
		argv[n++] = we.we_wordv[i];
	for (int j = 0; j < o->ncpp; j++)
		argv[n++] = o->cpp_opts[j];
	argv[n++] = (char *)o->src;
	argv[n] = NULL;
	err = spawn_piped(argv, 1, &fd, &pid);
	if (!err) {
		err = read_all(fd, "the preprocessor's output", ret, ret_len);
		close(fd);
		if (wait_child(pid, "the preprocessor") && !err) {
			free(*ret);
			err = -EIO;
		}
	}
	wordfree(&we);
	return err;
}

/* compile src (C text) to o->out: $CC [-D/-I] -g $CFLAGS -fPIC -x c -c - -o OUT */
static int compile(const struct opts *o, const char *src, size_t len)
{
	char *argv[MAX_CPP_OPTS + 512];
	wordexp_t cc, cflags;
	size_t n = 0, i;
	int fd, err;
	pid_t pid;

	err = env_words("CC", "gcc", &cc);
	if (err)
		return err;
	err = env_words("CFLAGS", "", &cflags);
	if (err)
		goto out_cc;
	if (cc.we_wordc == 0 || cc.we_wordc > 32 || cflags.we_wordc > 400) {
		fprintf(stderr, "%s: %s\n", prog,
			cc.we_wordc ? "$CFLAGS has more than 400 words" : "$CC names no command");
		err = -EINVAL;
		goto out_cflags;
	}
	for (i = 0; i < cc.we_wordc; i++)
		argv[n++] = cc.we_wordv[i];
	for (int j = 0; j < o->ncpp; j++)
		argv[n++] = o->cpp_opts[j];
	argv[n++] = "-g";
	for (i = 0; i < cflags.we_wordc; i++)
		argv[n++] = cflags.we_wordv[i];
	/* from stdin: no temporary file, and "<stdin>" in the debug info of every build */
	argv[n++] = "-fPIC";
	argv[n++] = "-x";
	argv[n++] = "c";
	argv[n++] = "-c";
	argv[n++] = "-";
	argv[n++] = "-o";
	argv[n++] = (char *)o->out;
	argv[n] = NULL;
	err = spawn_piped(argv, 0, &fd, &pid);
	if (err)
		goto out_cflags;
	/* a compiler that dies early: EPIPE here, its status said below */
	write_all(fd, src, len);
	close(fd);
	err = wait_child(pid, "the compiler");
out_cflags:
	wordfree(&cflags);
out_cc:
	wordfree(&cc);
	return err;
}

/* ---- outputs ---------------------------------------------------------------- */

/* path without its directory and its last extension */
static char *stem(const char *path, bool keep_dir)
{
	const char *b = keep_dir ? path : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b && !strchr(dot, '/') ? (size_t)(dot - b) : strlen(b);

	return strndup(b, n);
}

/* -k: text kept as STEM.dtrace.SUFFIX beside the output, and said (as stap says it) */
static int keep(const struct opts *o, const char *what, const char *suffix, const char *text,
		size_t len)
{
	char *s = stem(o->out, true), path[4096];
	FILE *f;
	int err = 0;

	if (!s)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s.dtrace.%s", s, suffix);
	free(s);
	f = fopen(path, "we");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		err = -errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return err;
	}
	printf("%s: %s\n", what, path);
	return 0;
}

/* The include guard: TAPHUB_DTRACE_ and the output's name in capitals. */
static void guard_of(const char *out, char *g, size_t size)
{
	const char *b = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	size_t n = (size_t)snprintf(g, size, "TAPHUB_DTRACE_");

	for (; *b && n + 1 < size; b++)
		g[n++] = isalnum((unsigned char)*b) ? (char)toupper((unsigned char)*b) : '_';
	g[n] = '\0';
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");
	struct stat st;

	if (f && fwrite(text, 1, len, f) == len && !fclose(f))
		return 0;
	fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
	if (f)
		fclose(f);
	/* no half header left for make to take as up to date (but /dev/null) */
	if (!stat(path, &st) && S_ISREG(st.st_mode))
		unlink(path);
	return -EIO;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct cc_diag diag = {.out = stderr};
	struct cc_srcfile src = {0};
	struct cc_vec providers = {0};
	struct cc_arena *a = NULL;
	char *text = NULL, *out_name = NULL, *gen = NULL, guard[512];
	size_t len = 0, gen_len = 0;
	FILE *g;
	int err;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	/* a compiler gone before reading its input: EPIPE, not death */
	signal(SIGPIPE, SIG_IGN);
	err = parse_args(argc, argv, &o);
	if (err)
		goto out;
	if (!o.out) {
		/* as stap's: File.d gives File.h or File.o in this directory */
		char *s = stem(o.src, false);

		if (!s || asprintf(&out_name, "%s.%c", s, o.header ? 'h' : 'o') < 0) {
			free(s);
			err = -ENOMEM;
			goto out;
		}
		free(s);
		o.out = out_name;
	}
	err = read_source(&o, &text, &len);
	if (err)
		goto out;
	if (o.keep && o.cpp) {
		err = keep(&o, "cpp", "d", text, len);
		if (err)
			goto out_text;
	}
	a = cc_arena_new();
	src = (struct cc_srcfile){.name = o.src, .text = text, .len = len};
	err = cc_provider_file_parse(a, &diag, &src, o.cpp, &providers);
	if (err)
		goto out_arena;

	g = open_memstream(&gen, &gen_len);
	if (!g) {
		err = -ENOMEM;
		goto out_arena;
	}
	if (o.header) {
		guard_of(o.out, guard, sizeof(guard));
		err = cc_provider_emit_header(g, &providers, o.src, guard);
	} else {
		err = cc_provider_emit_semaphores(g, &providers, o.src);
	}
	if (fclose(g) && !err)
		err = -EIO;
	if (err) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out_gen;
	}
	if (o.header) {
		err = write_file(o.out, gen, gen_len);
	} else {
		err = o.keep ? keep(&o, "source", "c", gen, gen_len) : 0;
		if (!err)
			err = compile(&o, gen, gen_len);
	}
out_gen:
	free(gen);
out_arena:
	cc_arena_free(a);
	cc_diag_release(&diag);
out_text:
	free(text);
out:
	for (int i = 0; i < o.ncpp; i++)
		free(o.cpp_opts[i]);
	free(out_name);
	return err > 0 ? 0 : err ? 1 : 0;
}
