// SPDX-License-Identifier: MIT
/*
 * tap: the stap-compatible front end.
 *
 *   tap [OPTIONS] SCRIPT [ARGS...]      tap [OPTIONS] -e 'TEXT' [ARGS...]
 *   tap -l PATTERN | -L PATTERN
 *
 * Options take stap's letters and meanings.  Everything here is option
 * handling and wiring: the compiler library builds the guest (through the
 * cache), the hub library runs it (embedded mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "compiler/compiler.h"
#include "hub/hub.h"

#define MAX_BUF_MB 4096

struct opts {
	const char *script;
	const char *text;  /* -e */
	int last_pass;
	int verbose;
	bool keep;
	const char *outfile;
	int64_t bufsize_mb;
	int64_t target;
	const char *cmd;
	const char *name;
	const char *list;
	bool list_vars;
	bool suppress_errors;
	char **defines;
	int ndefines;
	char **incdirs;
	int nincdirs;
	char **args;
	int nargs;
};

static void usage(FILE *f)
{
	fputs("Usage: tap [OPTIONS] SCRIPT [ARGUMENTS]\n"
	      "       tap [OPTIONS] -e 'SCRIPT TEXT' [ARGUMENTS]\n"
	      "       tap -l PROBE-PATTERN | -L PROBE-PATTERN\n"
	      "\n"
	      "Compile a SystemTap script to eBPF and run it.\n"
	      "\n"
	      "  -e TEXT        the script is TEXT\n"
	      "  -p NUM         stop after pass NUM: 1 parse, 2 elaborate, 3 translate\n"
	      "                 (print the generated C), 4 compile (print the cached\n"
	      "                 object's path), 5 run (the default)\n"
	      "  -v             more verbose: pass timings; twice: compiler commands\n"
	      "  -k             keep the build directory (and do not use the cache)\n"
	      "  -o FILE        write the output to FILE (strftime %-sequences expanded)\n"
	      "  -s MB          ring buffer size per class in MB (default 4)\n"
	      "  -D NAME=VALUE  set a limit: MAXSTRINGLEN, MAXMAPENTRIES, MAXACTION,\n"
	      "                 MAXNESTING, MAXTRYLOCK, MAXERRORS\n"
	      "  -x PID         target() returns PID\n"
	      "  -c CMD         run CMD with the probes active; end when it exits;\n"
	      "                 target() is its pid\n"
	      "  -I DIR         also read tapsets (*.stp) from DIR\n"
	      "  -l PATTERN     list probe points matching PATTERN\n"
	      "  -L PATTERN     list them with their variables\n"
	      "  -m NAME        name the session\n"
	      "  --suppress-handler-errors\n"
	      "                 report runtime errors but keep running\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help     this help\n"
	      "\n"
	      "Ctrl-C or SIGTERM ends the session: end probes run, then tap exits 0.\n"
	      "Not available: -g (guru mode; taphub runs only verified eBPF).\n",
	      f);
}

static bool valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (i && s[i] >= '0' && s[i] <= '9')))
			return false;
	return i > 0 && i <= 64;
}

static int64_t parse_num(const char *opt, const char *s, int64_t lo, int64_t hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "tap: %s expects a number from %lld to %lld, not '%s'\n", opt,
			(long long)lo, (long long)hi, s);
		exit(1);
	}
	return v;
}

static void push(char ***v, int *n, char *s)
{
	char **nv = realloc(*v, sizeof(char *) * (size_t)(*n + 2));

	if (!nv) {
		fputs("tap: out of memory\n", stderr);
		exit(1);
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
}

enum {
	OPT_SUPPRESS = 1000,
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->last_pass = 5;
	o->bufsize_mb = 4;
	/* "+": options end at the script name; what follows are script arguments */
	while ((c = getopt_long(argc, argv, "+hVvkgp:e:o:s:D:x:c:I:m:l:L:", longs, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("taphub tap %s (SystemTap language, eBPF backend)\n", TAPHUB_VERSION);
			exit(0);
		case 'v':
			o->verbose++;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'g':
			fputs("tap: guru mode (-g) is not supported: taphub runs only verified eBPF, "
			      "never native code in the kernel\n",
			      stderr);
			exit(1);
		case 'p':
			o->last_pass = (int)parse_num("-p", optarg, 1, 5);
			break;
		case 'e':
			o->text = optarg;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 's':
			o->bufsize_mb = parse_num("-s", optarg, 1, MAX_BUF_MB);
			break;
		case 'D':
			push(&o->defines, &o->ndefines, optarg);
			break;
		case 'x':
			o->target = parse_num("-x", optarg, 1, INT_MAX);
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'I':
			push(&o->incdirs, &o->nincdirs, optarg);
			break;
		case 'm':
			if (!valid_name(optarg)) {
				fprintf(stderr, "tap: -m expects a name of letters, digits and '_', "
						"not '%s'\n",
					optarg);
				exit(1);
			}
			o->name = optarg;
			break;
		case 'l':
		case 'L':
			o->list = optarg;
			o->list_vars = c == 'L';
			break;
		case OPT_SUPPRESS:
			o->suppress_errors = true;
			break;
		default:
			fputs("Try 'tap --help' for more information.\n", stderr);
			exit(1);
		}
	}
	if (!o->text && !o->list) {
		if (optind >= argc) {
			fputs("tap: no script given (a file, '-' for stdin, or -e 'TEXT')\n", stderr);
			fputs("Try 'tap --help' for more information.\n", stderr);
			exit(1);
		}
		o->script = argv[optind++];
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->cmd && o->target) {
		fputs("tap: -c and -x cannot be used together\n", stderr);
		exit(1);
	}
}

/* -D NAME=VALUE: limits go to the compiler; a name we do not know is an error. */
static int apply_defines(struct cc_ctx *cx, const struct opts *o)
{
	int i;

	for (i = 0; i < o->ndefines; i++) {
		char *d = strdup(o->defines[i]), *eq = strchr(d, '=');
		int r;

		if (!eq) {
			fprintf(stderr, "tap: -D %s: expected NAME=VALUE\n", d);
			free(d);
			return -EINVAL;
		}
		*eq = 0;
		r = cc_set_limit(cx, d, eq + 1);
		if (r == 0)
			fprintf(stderr,
				"tap: -D %s: unknown name (known: MAXSTRINGLEN, MAXMAPENTRIES, "
				"MAXACTION, MAXNESTING, MAXTRYLOCK, MAXERRORS)\n",
				d);
		free(d);
		if (r <= 0)
			return -EINVAL;
	}
	return 0;
}

/* The user's -o name is a strftime(3) format by design. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t strftime_user(char *s, size_t max, const char *fmt, const struct tm *tm)
{
	return strftime(s, max, fmt, tm);
}
#pragma GCC diagnostic pop

static int open_output(const char *pattern)
{
	char path[PATH_MAX], abs[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	localtime_r(&now, &tm);
	if (!strchr(pattern, '%'))
		snprintf(path, sizeof(path), "%s", pattern);
	else if (!strftime_user(path, sizeof(path), pattern, &tm)) {
		fprintf(stderr, "tap: -o %s: the name is too long after strftime\n", pattern);
		return -1;
	}
	if (path[0] != '/' && getcwd(abs, sizeof(abs)) &&
	    strlen(abs) + strlen(path) + 2 < sizeof(abs)) {
		strcat(abs, "/");
		strcat(abs, path);
		snprintf(path, sizeof(path), "%s", abs);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "tap: cannot open output file '%s': %s\n", path, strerror(errno));
	return fd;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cc_ctx cx;
	struct cc_srcfile *src;
	struct cc_build_opts bo = { 0 };
	struct cc_artifact art = { 0 };
	wordexp_t we = { 0 };
	bool have_we = false;
	double t0 = now_ms();
	int status = 1, r;

	parse_opts(argc, argv, &o);
	cc_ctx_init(&cx);
	cx.verbose = o.verbose;
	cx.argv = o.args;
	cx.argc = o.nargs;
	cx.incdirs = o.incdirs;
	cx.nincdirs = o.nincdirs;
	if (apply_defines(&cx, &o) < 0)
		goto out;

	if (o.list) {
		if (cc_load_tapsets(&cx) < 0)
			goto out;
		r = cc_list_points(&cx, o.list, o.list_vars, stdout);
		status = r < 0 ? 1 : 0;
		goto out;
	}

	src = o.text ? cc_source_text(&cx, "<input>", o.text) : cc_source_file(&cx, o.script);
	if (!src)
		goto out;
	bo.last_pass = o.last_pass;
	bo.out = stdout;
	bo.keep_tmp = o.keep;
	r = cc_build(&cx, src, &bo, &art);
	if (o.verbose)
		fprintf(stderr, "Pass 1-4: %s in %.1f ms%s\n", r ? "failed" : "done", now_ms() - t0,
			art.cache_hit ? " (cache hit)" : "");
	if (r || cx.diag.nerrors) {
		fprintf(stderr, "Pass %d: failed.\n", cx.prog ? 2 : 1);
		goto out;
	}
	if (o.last_pass < 5) {
		status = 0;
		goto out;
	}
	{
		struct hub_local_opts lo = {
			.sz = sizeof(lo),
			.dir = art.dir,
			.ring_bytes = (uint64_t)o.bufsize_mb << 20,
			.target_pid = o.target,
			.out_fd = 1,
			.suppress_errors = o.suppress_errors,
			.maxerrors = cx.lim.maxerrors,
			.verbose = o.verbose,
		};

		if (o.cmd) {
			if (wordexp(o.cmd, &we, WRDE_NOCMD) || !we.we_wordc) {
				fprintf(stderr, "tap: cannot parse -c '%s'\n", o.cmd);
				goto out;
			}
			have_we = true;
			lo.cmd = we.we_wordv;
		}
		if (o.outfile) {
			lo.out_fd = open_output(o.outfile);
			if (lo.out_fd < 0)
				goto out;
		}
		if (o.verbose)
			fprintf(stderr, "Pass 5: starting run.\n");
		status = hub_run_local(&lo);
		if (lo.out_fd != 1)
			close(lo.out_fd);
	}
out:
	if (have_we)
		wordfree(&we);
	cc_artifact_release(&art);
	cc_ctx_release(&cx);
	free(o.defines);
	free(o.incdirs);
	return status;
}
