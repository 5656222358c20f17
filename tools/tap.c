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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"
#include "hub/hub.h"

struct opts {
	const char *script;
	const char *text;  /* -e */
	char **extra;      /* -E TEXT: more script text */
	int nextra;
	int last_pass;
	int verbose;
	bool keep;
	const char *outfile;
	uint64_t rot_size;      /* -S SIZE (bytes) */
	int rot_count;          /* -S ,COUNT */
	bool binary;            /* --format=binary */
	int64_t bufsize_mb;
	int64_t target;
	const char *cmd;
	const char *name;
	const char *list;
	bool list_vars;
	bool suppress_errors;
	bool no_time_limits; /* --suppress-time-limits: MAXACTION at its largest */
	char **defines;
	int ndefines;
	char **incdirs;
	int nincdirs;
	char **words;   /* the non-options, in order: [script] arguments */
	int nwords;
	char **args;
	int nargs;
	bool no_warnings;       /* -w */
	bool warn_errors;       /* -W */
	int64_t timeout_ms;     /* -T SECONDS */
	char **gopts;           /* -G NAME=VALUE */
	int ngopts;
	char **symbol_files;    /* -d FILE|MODULE */
	int nsymbol_files;
	bool ldd;               /* --ldd */
	bool timing;            /* -t */
	bool guru;              /* -g */
	bool unoptimized;       /* -u */
	const char *compatible; /* --compatible VERSION */
	int dump;               /* --dump-probe-types, --dump-functions */
	/* hub */
	bool flight;            /* -F */
	const char *attach;     /* -A NAME */
	const char *relay_host;
	const char *relay_guest;
	const char *relay_class;
	char *host_classes[TH_MAX_CLASSES];
	int nhost_classes;
	const char *socket;
	/* artifacts (docs/artifact.md) */
	const char *artifact;   /* --artifact FILE: write the compiled guest into FILE */
	const char *sign_key;   /* --sign-key FILE */
	bool run;               /* --run: the script is an artifact */
	bool require_signature; /* --require-signature */
	char *artifact_name;    /* --run: the artifact's name, -m's default */
};

/* the help text quotes the limits hub.h defines */
#define STR(x) #x
#define XSTR(x) STR(x)

static void usage(FILE *f)
{
	fputs("Usage: tap [OPTIONS] SCRIPT [ARGUMENTS]\n"
	      "       tap [OPTIONS] -e 'SCRIPT TEXT' [ARGUMENTS]\n"
	      "       tap -l PROBE-PATTERN | -L PROBE-PATTERN\n"
	      "       tap -A NAME\n"
	      "\n"
	      "Compile a SystemTap script to eBPF and run it.\n"
	      "\n"
	      "Options go before or after the script, as with stap; the first word\n"
	      "that is not an option is the script (with -e, every such word is an\n"
	      "argument).  '--' ends the options: arguments that begin with '-' go\n"
	      "after it (tap script.stp -o log -- -1).\n"
	      "\n"
	      "  -e TEXT        the script is TEXT\n"
	      "  -E TEXT        more script text, after the script (repeatable)\n"
	      "  -p NUM         stop after pass NUM: 1 parse, 2 elaborate, 3 translate\n"
	      "                 (print the generated C), 4 compile (print the cached\n"
	      "                 object's path), 5 run (the default)\n"
	      "  -v             more verbose: pass timings; twice: compiler commands\n"
	      "  -k             keep the build directory (and do not use the cache)\n"
	      "  -o FILE        write the output to FILE (strftime %-sequences expanded,\n"
	      "                 made absolute); SIGUSR2 switches to the next file\n"
	      "  -S SIZE[,N]    with -o: switch to FILE.0, FILE.1, ... when a file\n"
	      "                 reaches SIZE MB; keep only the newest N files\n"
	      "  --format=text|binary\n"
	      "                 binary: the records as recorded, with their format\n"
	      "                 tables (read with tap-read; docs/trace-format.md)\n"
	      "  --read FILE... print binary traces (runs tap-read)\n"
	      "  -s MB          each class of the session buffers MB megabytes of\n"
	      "                 records: the kernel ring tap reads (rounded up to a\n"
	      "                 power of two); with -F, the flight recorder's class\n"
	      "                 (the newest MB kept).  1 to " XSTR(HUB_BUF_MB_MAX)
	      ", default " XSTR(HUB_BUF_MB_DEFAULT) ".  One\n"
	      "                 buffer per class for all CPUs (stap's -s is per CPU)\n"
	      "  -D NAME=VALUE  set a limit: MAXSTRINGLEN, MAXMAPENTRIES, MAXACTION,\n"
	      "                 MAXACTION_INTERRUPTIBLE, MAXNESTING, MAXTRYLOCK, MAXERRORS;\n"
	      "                 the tunables of SystemTap's kernel module (MAXSKIPPED,\n"
	      "                 STP_NO_OVERLOAD ...) are accepted and do nothing here\n"
	      "  -u             unoptimized: keep assignments no one reads\n"
	      "  --compatible VERSION\n"
	      "                 systemtap_v is VERSION (at most " CC_SYSTEMTAP_V ")\n"
	      "  --runtime=bpf|kernel, --bpf\n"
	      "                 accepted: taphub compiles every script to eBPF\n"
	      "  -P             accepted: stap's prologue searching (no DWARF here)\n"
	      "  -b             accepted: stap's bulk mode; taphub's rings always carry\n"
	      "                 binary records\n"
	      "  --sysroot=/    accepted (only /: taphub compiles for this machine)\n"
	      "  --sysenv=VAR=VALUE\n"
	      "                 accepted: the sysroot's environment is this one\n"
	      "  --vp ABCDE     verbosity per pass (stap's): the highest digit is -v's level\n"
	      "  -w             no warnings\n"
	      "  -W             the compiler's warnings are errors\n"
	      "  -T SECONDS     end the session after SECONDS (end probes run)\n"
	      "  -G NAME=VALUE  set the script's global NAME before begin probes run\n"
	      "  -t             probe timing: a hit report per probe at the end (stderr)\n"
	      "  -g             guru mode: lets a netfilter probe set $verdict (drop packets);\n"
	      "                 embedded C stays refused (taphub runs only verified eBPF)\n"
	      "  -d FILE        symbols of FILE (a binary, a library or a kernel module)\n"
	      "                 for backtraces; -d kernel is implied\n"
	      "  --ldd          also of the shared libraries the -d binaries use\n"
	      "  --all-modules  accepted: kernel symbols come from /proc/kallsyms\n"
	      "  -q             accepted: stap's tapset coverage data; taphub keeps none\n"
	      "  --dump-probe-types  list the built-in probe point types\n"
	      "  --dump-functions    list the functions scripts may call\n"
	      "  -x PID         target() returns PID\n"
	      "  -c CMD         run CMD with the probes active; end when it exits;\n"
	      "                 target() is its pid\n"
	      "  -I DIR         also read tapsets (*.stp) from DIR\n"
	      "  -l PATTERN     list probe points matching PATTERN\n"
	      "  -L PATTERN     list them with their variables\n"
	      "  -m NAME        name the session\n"
	      "  -F             flight recorder: hand the session to taphubd and return;\n"
	      "                 it records (the newest -s MB kept) until tapctl stop NAME\n"
	      "  -A NAME        attach to a session: print what its buffer holds, then\n"
	      "                 the live stream; Ctrl-C or Ctrl-\\ detaches, the session\n"
	      "                 keeps recording\n"
	      "  --relay-host NAME   (-DRELAY_HOST=NAME) with -F: create relay host NAME,\n"
	      "                 a buffer other sessions can write into\n"
	      "  --relay-guest NAME  (-DRELAY_GUEST=NAME) with -F: write into host NAME\n"
	      "  --class NAME   (-DRELAY_CLASS=NAME) the host class this guest writes to;\n"
	      "                 with -A, show only that class\n"
	      "  --host-class NAME=SIZE[:overwrite|:discard]\n"
	      "                 a class of the relay host being created (repeatable)\n"
	      "  --socket PATH  taphubd's control socket\n"
	      "  --suppress-handler-errors\n"
	      "                 count runtime errors silently and keep running\n"
	      "  --suppress-time-limits\n"
	      "                 with -g: MAXACTION and MAXACTION_INTERRUPTIBLE at their\n"
	      "                 largest (1048576, 16777216), as stap lifts them\n"
	      "  --artifact FILE  compile (pass 4) into FILE, one file that runs where\n"
	      "                 there is no compiler (docs/artifact.md)\n"
	      "  --sign-key FILE  sign the artifact with this PEM private key (Ed25519\n"
	      "                 or RSA)\n"
	      "  --run FILE.tapa  run an artifact (so does 'tap FILE.tapa'): checked\n"
	      "                 against this machine's kernel, no compiler needed\n"
	      "  --require-signature\n"
	      "                 with --run: refuse an artifact no trusted key signed\n"
	      "                 ($TAPHUB_CONFDIR/keys/*.pub, else /etc/taphub/keys)\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help     this help\n"
	      "\n"
	      "Ctrl-C or SIGTERM ends the session: end probes run, then tap exits 0.\n"
	      "Exit status: 0, or 1 after an error (a bad option, a script that does\n"
	      "not compile, a probe the kernel refuses, runtime errors, a -c command\n"
	      "that cannot run, the hub refusing a request).\n"
	      "Not available: embedded C, even with -g (taphub runs only verified eBPF),\n"
	      "--runtime=dyninst, --remote.\n",
	      f);
}

/* A value the checks refused: its one line, then exit 1. */
static void refuse(int r, const char *err)
{
	if (r) {
		fprintf(stderr, "tap: %s\n", err);
		exit(1);
	}
}

/* A session, host or class name: what the hub takes, never cut. */
static const char *name_arg(const char *opt, const char *v)
{
	char err[512];

	refuse(hub_check_name(opt, v, err, sizeof(err)), err);
	return v;
}

/* A path or spec: at most max bytes, never cut. */
static const char *len_arg(const char *opt, const char *v, size_t max)
{
	char err[256];

	refuse(hub_check_len(opt, v, max, err, sizeof(err)), err);
	return v;
}

static int64_t parse_num(const char *opt, const char *s, int64_t lo, int64_t hi, const char *unit)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "tap: %s expects a number from %lld to %lld%s, not '%s'\n", opt,
			(long long)lo, (long long)hi, unit, s);
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
	OPT_RELAY_HOST,
	OPT_RELAY_GUEST,
	OPT_CLASS,
	OPT_HOST_CLASS,
	OPT_SOCKET,
	OPT_FORMAT,
	OPT_LDD,
	OPT_ALL_MODULES,
	OPT_DUMP_PROBE_TYPES,
	OPT_DUMP_FUNCTIONS,
	OPT_COMPATIBLE,
	OPT_RUNTIME,
	OPT_BPF,
	OPT_DYNINST,
	OPT_REMOTE,
	OPT_VP,
	OPT_SYSROOT,
	OPT_SYSENV,
	OPT_NO_TIME_LIMITS,
	OPT_ARTIFACT,
	OPT_SIGN_KEY,
	OPT_RUN,
	OPT_REQUIRE_SIGNATURE,
};

/* -T SECONDS, as stap: a decimal number of seconds, at least a millisecond. */
static int64_t parse_timeout(const char *arg)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(arg, &end);
	if (errno || end == arg || *end || !(sec * 1000 >= 1) || sec > 365 * 86400.0) {
		fprintf(stderr, "tap: -T expects a number of seconds (at least 0.001), not '%s'\n",
			arg);
		exit(1);
	}
	return (int64_t)(sec * 1000);
}

/*
 * -d FILE: as stap, a path is made absolute (the symbolizer finds the
 * binary by its canonical path); a plain name is a kernel module, and the
 * kernel's own symbols are always there.
 */
static void add_symbol_file(struct opts *o, const char *arg)
{
	char *path;

	if (!*arg) {
		fputs("tap: -d expects a binary, a library or a kernel module\n", stderr);
		exit(1);
	}
	if (!strcmp(arg, "kernel"))
		return;
	if (!strchr(arg, '/')) {
		push(&o->symbol_files, &o->nsymbol_files, (char *)arg);
		return;
	}
	path = realpath(arg, NULL);
	if (!path) {
		fprintf(stderr, "tap: -d %s: %s\n", arg, strerror(errno));
		exit(1);
	}
	push(&o->symbol_files, &o->nsymbol_files, path);
}

/* -S SIZE[,COUNT]: SIZE in MB, as stap's. */
static void parse_rotation(const char *arg, struct opts *o)
{
	char *end;
	unsigned long long mb;
	long count = 0;

	errno = 0;
	mb = strtoull(arg, &end, 10);
	if (errno || end == arg || mb == 0 || mb > (1ull << 20) || (*end && *end != ',')) {
		fprintf(stderr, "tap: -S expects SIZE[,COUNT] with SIZE in MB (1 to %llu), not '%s'\n",
			1ull << 20, arg);
		exit(1);
	}
	if (*end == ',') {
		const char *c = end + 1;

		count = strtol(c, &end, 10);
		if (end == c || *end || count < 1 || count > 100000) {
			fprintf(stderr, "tap: -S %s: COUNT must be a number from 1 to 100000\n", arg);
			exit(1);
		}
	}
	o->rot_size = (uint64_t)mb << 20;
	o->rot_count = (int)count;
}

/*
 * -D NAME=VALUE: the relay names are options of the session, with stap's
 * spellings (RELAYHOST is its documented one); the rest go to the compiler
 * (apply_defines).
 */
static void define_arg(struct opts *o, char *d)
{
	static const struct {
		const char *name, *alias;
		size_t off;
	} relay[] = {
		{ "RELAY_HOST", "RELAYHOST", offsetof(struct opts, relay_host) },
		{ "RELAY_GUEST", "RELAYGUEST", offsetof(struct opts, relay_guest) },
		{ "RELAY_CLASS", NULL, offsetof(struct opts, relay_class) },
	};
	const char *eq = strchr(d, '=');
	size_t i, n = eq ? (size_t)(eq - d) : strlen(d);

	for (i = 0; i < sizeof(relay) / sizeof(relay[0]); i++) {
		char opt[32];

		if ((strlen(relay[i].name) != n || strncmp(d, relay[i].name, n)) &&
		    (!relay[i].alias || strlen(relay[i].alias) != n || strncmp(d, relay[i].alias, n)))
			continue;
		snprintf(opt, sizeof(opt), "-D %s", relay[i].name);
		if (!eq) {
			fprintf(stderr, "tap: %s expects a name: %s=NAME\n", opt, relay[i].name);
			exit(1);
		}
		*(const char **)((char *)o + relay[i].off) = name_arg(opt, eq + 1);
		return;
	}
	push(&o->defines, &o->ndefines, d);
}

/*
 * --runtime=MODE: taphub has one runtime, eBPF.  stap's own bpf runtime is
 * that; its default, the kernel module, is what every script without the
 * option asks for, and tap runs those on eBPF too.  dyninst instruments a
 * process from the inside with native code, which taphub never runs.
 */
static void runtime_arg(const char *mode)
{
	if (!strcmp(mode, "bpf") || !strcmp(mode, "kernel"))
		return;
	if (!strcmp(mode, "dyninst")) {
		fputs("tap: --runtime=dyninst is not supported: taphub runs verified eBPF only; "
		      "user-space probes use the kernel's uprobes (process(...) probes)\n",
		      stderr);
		exit(1);
	}
	fprintf(stderr, "tap: --runtime expects bpf or kernel, not '%s'\n", mode);
	exit(1);
}

/*
 * --sysroot DIR: stap compiles for another machine's kernel and binaries
 * found under DIR.  taphub compiles for the running kernel, from its own
 * BTF, and loads the object here: the only sysroot that describes this
 * machine is its own root.
 */
static void sysroot_arg(const char *dir)
{
	char real[PATH_MAX];

	if (realpath(dir, real) && !strcmp(real, "/"))
		return;
	fprintf(stderr, "tap: --sysroot %s is not supported: taphub compiles for the running "
			"kernel and loads the object here (no cross-compiling); only --sysroot=/ "
			"is accepted\n",
		dir);
	exit(1);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/*
 * --artifact stops after pass 4 and writes the file; --run (or a script
 * named *.tapa) runs one, and what was compiled into it cannot change.
 */
static void check_artifact_opts(struct opts *o)
{
	const char *fixed = NULL;

	if (!o->text && o->script && has_suffix(o->script, ".tapa"))
		o->run = true;
	if (o->run) {
		if (!o->script || o->text)
			fixed = "-e";
		else if (o->ndefines)
			fixed = "-D";
		else if (o->ngopts)
			fixed = "-G";
		else if (o->nextra)
			fixed = "-E";
		else if (o->nincdirs)
			fixed = "-I";
		else if (o->guru)
			fixed = "-g";
		else if (o->unoptimized)
			fixed = "-u";
		else if (o->compatible)
			fixed = "--compatible";
		else if (o->last_pass != 5 || o->keep)
			fixed = o->keep ? "-k" : "-p";
		else if (o->artifact || o->sign_key)
			fixed = o->artifact ? "--artifact" : "--sign-key";
		if (fixed && !strcmp(fixed, "-e")) {
			fputs("tap: --run takes an artifact file (FILE.tapa), not -e TEXT\n", stderr);
			exit(1);
		}
		if (fixed) {
			fprintf(stderr, "tap: %s goes with compiling: the artifact %s was compiled "
					"with its options, which --run cannot change\n",
				fixed, o->script);
			exit(1);
		}
		return;
	}
	if (o->require_signature) {
		fputs("tap: --require-signature goes with --run FILE.tapa\n", stderr);
		exit(1);
	}
	if (o->sign_key && !o->artifact) {
		fputs("tap: --sign-key goes with --artifact FILE\n", stderr);
		exit(1);
	}
	if (o->artifact) {
		if (o->last_pass < 4) {
			fprintf(stderr, "tap: --artifact writes pass 4's objects: -p%d stops before\n",
				o->last_pass);
			exit(1);
		}
		if (o->flight || o->attach || o->list) {
			fprintf(stderr, "tap: --artifact compiles only; run the artifact with tap "
					"--run %s\n", o->artifact);
			exit(1);
		}
		o->last_pass = 4;
	}
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS },
		{ "relay-host", required_argument, NULL, OPT_RELAY_HOST },
		{ "relay-guest", required_argument, NULL, OPT_RELAY_GUEST },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "host-class", required_argument, NULL, OPT_HOST_CLASS },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ldd", no_argument, NULL, OPT_LDD },
		{ "all-modules", no_argument, NULL, OPT_ALL_MODULES },
		{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "compatible", required_argument, NULL, OPT_COMPATIBLE },
		{ "runtime", required_argument, NULL, OPT_RUNTIME },
		{ "bpf", no_argument, NULL, OPT_BPF },
		{ "dyninst", no_argument, NULL, OPT_DYNINST },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "vp", required_argument, NULL, OPT_VP },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "sysenv", required_argument, NULL, OPT_SYSENV },
		{ "suppress-time-limits", no_argument, NULL, OPT_NO_TIME_LIMITS },
		{ "artifact", required_argument, NULL, OPT_ARTIFACT },
		{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
		{ "run", no_argument, NULL, OPT_RUN },
		{ "require-signature", no_argument, NULL, OPT_REQUIRE_SIGNATURE },
		{ NULL, 0, NULL, 0 },
	};
	struct hub_class_spec spec;
	char err[512];
	int c;

	o->last_pass = 5;
	o->bufsize_mb = HUB_BUF_MB_DEFAULT;
	/*
	 * As stap: options anywhere before "--", the first other word is the
	 * script, the rest its arguments.  The leading '-' hands us those
	 * words in order (1) rather than having getopt permute argv, which
	 * POSIXLY_CORRECT would turn off.
	 */
	while ((c = getopt_long(argc, argv, "-hVvkgFwWqtubPp:e:E:o:s:S:D:x:c:I:m:l:L:A:T:G:d:", longs, NULL)) !=
	       -1) {
		switch (c) {
		case 1:
			push(&o->words, &o->nwords, optarg);
			break;
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
			/* what guru mode allows that stays verified eBPF: a netfilter verdict */
			o->guru = true;
			break;
		case 'p':
			o->last_pass = (int)parse_num("-p", optarg, 1, 5, "");
			break;
		case 'e':
			if (o->text) {
				fputs("tap: -e: only one script can be given\n", stderr);
				exit(1);
			}
			o->text = optarg;
			break;
		case 'E':
			push(&o->extra, &o->nextra, optarg);
			break;
		case 'o':
			o->outfile = len_arg("-o", optarg, PATH_MAX - 1);
			break;
		case 's':
			o->bufsize_mb = parse_num("-s", optarg, 1, HUB_BUF_MB_MAX, " (MB)");
			break;
		case 'S':
			parse_rotation(optarg, o);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "binary")) {
				fprintf(stderr, "tap: --format expects text or binary, not '%s'\n",
					optarg);
				exit(1);
			}
			o->binary = !strcmp(optarg, "binary");
			break;
		case 'D':
			define_arg(o, optarg);
			break;
		case 'x':
			o->target = parse_num("-x", optarg, 1, INT_MAX, "");
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'I':
			push(&o->incdirs, &o->nincdirs, (char *)len_arg("-I", optarg, PATH_MAX - 1));
			break;
		case 'm':
			o->name = name_arg("-m", optarg);
			break;
		case 'l':
		case 'L':
			o->list = optarg;
			o->list_vars = c == 'L';
			break;
		case OPT_SUPPRESS:
			o->suppress_errors = true;
			break;
		case 'w':
			o->no_warnings = true;
			break;
		case 'W':
			o->warn_errors = true;
			break;
		case 'q':
		case OPT_ALL_MODULES:
		case 'P':
		case OPT_BPF:
		case 'b':
			/*
			 * stap's tapset coverage (-q), module symbols, prologue
			 * searching (-P: DWARF, which taphub does not read), its
			 * eBPF backend and its bulk mode (-b: binary per-CPU
			 * files; taphub's rings already carry binary records,
			 * formatted only when written out): nothing to do here
			 */
			break;
		case OPT_SYSROOT:
			sysroot_arg(optarg);
			break;
		case OPT_SYSENV:
			/* stap's environment of the sysroot's machine: it is this one */
			refuse(!strchr(optarg, '=') || optarg[0] == '=',
			       "--sysenv expects VAR=VALUE (as stap)");
			break;
		case 'u':
			o->unoptimized = true;
			break;
		case OPT_COMPATIBLE:
			o->compatible = optarg;
			break;
		case OPT_NO_TIME_LIMITS:
			o->no_time_limits = true;
			break;
		case OPT_ARTIFACT:
			o->artifact = optarg;
			break;
		case OPT_SIGN_KEY:
			o->sign_key = optarg;
			break;
		case OPT_RUN:
			o->run = true;
			break;
		case OPT_REQUIRE_SIGNATURE:
			o->require_signature = true;
			break;
		case OPT_VP:
			/* stap's per-pass verbosity, a digit a pass: the highest is -v's level */
			refuse(!*optarg || strlen(optarg) > 5 ||
				       strspn(optarg, "0123456789") != strlen(optarg),
			       "--vp takes a digit for each pass, at most 5 of them (as stap)");
			for (const char *d = optarg; *d; d++)
				if (*d - '0' > o->verbose)
					o->verbose = *d - '0';
			break;
		case OPT_RUNTIME:
			runtime_arg(optarg);
			break;
		case OPT_DYNINST:
			runtime_arg("dyninst");
			break;
		case OPT_REMOTE:
			fputs("tap: --remote is not supported: stap's remote runs (stapsh over ssh or a "
			      "unix socket) have no taphub counterpart; run tap on the machine to trace\n",
			      stderr);
			exit(1);
		case 't':
			o->timing = true;
			break;
		case 'T':
			o->timeout_ms = parse_timeout(optarg);
			break;
		case 'G':
			push(&o->gopts, &o->ngopts, optarg);
			break;
		case 'd':
			add_symbol_file(o, optarg);
			break;
		case OPT_LDD:
			o->ldd = true;
			break;
		case OPT_DUMP_PROBE_TYPES:
		case OPT_DUMP_FUNCTIONS:
			o->dump = c;
			break;
		case 'F':
			o->flight = true;
			break;
		case 'A':
			o->attach = name_arg("-A", optarg);
			break;
		case OPT_RELAY_HOST:
			o->relay_host = name_arg("--relay-host", optarg);
			break;
		case OPT_RELAY_GUEST:
			o->relay_guest = name_arg("--relay-guest", optarg);
			break;
		case OPT_CLASS:
			o->relay_class = name_arg("--class", optarg);
			break;
		case OPT_HOST_CLASS:
			if (o->nhost_classes == TH_MAX_CLASSES) {
				fprintf(stderr, "tap: at most %d --host-class\n", TH_MAX_CLASSES);
				exit(1);
			}
			/* the hub parses it again; a spec it would refuse fails here */
			len_arg("--host-class", optarg, TH_PROTO_MAX_STR - 1);
			refuse(hub_class_spec_parse(optarg, &spec, err, sizeof(err)), err);
			o->host_classes[o->nhost_classes++] = optarg;
			break;
		case OPT_SOCKET:
			o->socket = len_arg("--socket", optarg, HUB_SOCKET_PATH_MAX);
			break;
		default:
			fputs("Try 'tap --help' for more information.\n", stderr);
			exit(1);
		}
	}
	/* what follows "--" is all words */
	for (; optind < argc; optind++)
		push(&o->words, &o->nwords, argv[optind]);
	o->args = o->words;
	o->nargs = o->nwords;
	if (o->attach) {
		if (o->text || o->nwords || o->list) {
			fprintf(stderr, "tap: -A NAME attaches to a session: it takes no script%s\n",
				o->nwords ? " or arguments" : "");
			exit(1);
		}
	} else if (!o->text && !o->list && !o->dump) {
		if (!o->nwords && o->nextra) {
			/* stap's words: -E only adds to a script */
			fputs("tap: A script must be specified: -E TEXT adds to a script (a file, "
			      "'-' for stdin, or -e 'TEXT')\n",
			      stderr);
			exit(1);
		}
		if (!o->nwords) {
			fputs("tap: no script given (a file, '-' for stdin, or -e 'TEXT')\n", stderr);
			fputs("Try 'tap --help' for more information.\n", stderr);
			exit(1);
		}
		o->script = o->words[0];
		o->args = o->words + 1;
		o->nargs = o->nwords - 1;
	}
	check_artifact_opts(o);
	if ((o->relay_host || o->relay_guest || o->nhost_classes) && !o->flight) {
		fputs("tap: --relay-host, --relay-guest and --host-class (-DRELAY_HOST, "
		      "-DRELAY_GUEST) go with -F\n",
		      stderr);
		exit(1);
	}
	if (o->relay_host && o->relay_guest) {
		fputs("tap: a session creates a relay host or joins one, not both\n", stderr);
		exit(1);
	}
	if (o->flight && o->cmd) {
		fputs("tap: -F and -c cannot be used together (a -F session outlives tap)\n", stderr);
		exit(1);
	}
	if (o->cmd && o->target) {
		fputs("tap: -c and -x cannot be used together\n", stderr);
		exit(1);
	}
	if (o->rot_size && !o->outfile) {
		fputs("tap: -S needs -o FILE: it rotates output files\n", stderr);
		exit(1);
	}
	if (o->binary && !o->outfile) {
		fputs("tap: --format=binary needs -o FILE (a trace is not for a terminal)\n", stderr);
		exit(1);
	}
	if (o->attach && (o->outfile || o->binary)) {
		fputs("tap: -o and --format go with a session, not with -A\n", stderr);
		exit(1);
	}
	if (o->flight && o->timing) {
		fputs("tap: -t goes with a session tap runs itself, not with -F\n", stderr);
		exit(1);
	}
}

/*
 * -D NAME=VALUE: limits go to the compiler; SystemTap's kernel-module
 * tunables (stap(1) "RESOURCE LIMITS" and its runtime's: MAXSKIPPED,
 * STP_NO_OVERLOAD ...) are accepted, with or without a value, as stap
 * passes them to the module's build, and named in one warning; a name we
 * do not know is an error.
 */
static int apply_defines(struct cc_ctx *cx, struct opts *o)
{
	char *tunables = NULL;
	size_t tlen = 0;
	FILE *t = open_memstream(&tunables, &tlen);
	int i, ret = -EINVAL;

	if (!t) {
		fputs("tap: out of memory\n", stderr);
		return -ENOMEM;
	}
	for (i = 0; i < o->ndefines; i++) {
		const char *d = o->defines[i], *eq = strchr(d, '=');
		size_t n = eq ? (size_t)(eq - d) : strlen(d);
		char name[64];
		int r;

		if (n >= sizeof(name)) {
			fprintf(stderr, "tap: -D %s: unknown name\n", d);
			goto out;
		}
		memcpy(name, d, n);
		name[n] = 0;
		if (cc_stap_tunable(name)) {
			fprintf(t, "%s-D %s", ftell(t) ? ", " : "", name);
			continue;
		}
		r = eq ? cc_set_limit(cx, name, eq + 1) : 0;
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (!eq && cc_limit_known(name))
			fprintf(stderr, "tap: -D %s: expected NAME=VALUE\n", d);
		else
			fprintf(stderr,
				"tap: -D %s: unknown name (known: MAXSTRINGLEN, MAXMAPENTRIES, "
				"MAXACTION, MAXACTION_INTERRUPTIBLE, MAXNESTING, MAXTRYLOCK, "
				"MAXERRORS, RELAY_HOST, RELAY_GUEST, RELAY_CLASS, and SystemTap's "
				"kernel-module tunables)\n",
				name);
		goto out;
	}
	/*
	 * stap's --suppress-time-limits lifts MAXACTION and the overload
	 * checks, in guru mode only; an eBPF program still ends (the kernel
	 * bounds its loops), so the limits go to the largest we take
	 */
	if (o->no_time_limits && !o->guru) {
		fprintf(stderr, "tap: --suppress-time-limits needs guru mode (-g), as in stap\n");
		goto out;
	}
	if (o->no_time_limits &&
	    (cc_set_limit(cx, "MAXACTION", "1048576") < 0 ||
	     cc_set_limit(cx, "MAXACTION_INTERRUPTIBLE", "16777216") < 0))
		goto out;
	ret = 0;
out:
	fclose(t);
	if (!ret && tlen && !o->no_warnings)
		fprintf(stderr, "tap: warning: %s tune%s SystemTap's kernel module, which taphub "
				"does not use: ignored\n",
			tunables, strchr(tunables, ',') ? "" : "s");
	free(tunables);
	return ret;
}

/* -F: the hub expands strftime names itself, at each new file; make it absolute here. */
static int absolute_pattern(const char *pattern, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (pattern[0] == '/') {
		if (strlen(pattern) >= len)
			return -ENAMETOOLONG;
		strcpy(out, pattern);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, pattern) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static void output_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "tap: %s\n", msg);
}

/* Out of memory while compiling: the compiler aborts after this. */
static void compiler_oom(void)
{
	fputs("tap: out of memory\n", stderr);
}

/* The hub library's messages (hub_set_print), tap's and its runner's. */
static void print_msg(const char *msg)
{
	fprintf(stderr, "tap: %s\n", msg);
}

static void print_runner_msg(const char *msg)
{
	fprintf(stderr, "tap runner: %s\n", msg);
}

static int open_artifact(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The runner: a background process of the session's owner for its user probes. */
static int start_runner(const struct opts *o, const char *dir, uint64_t id, int64_t maxerrors)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid > 0) {
		/* the middle process exits 1 when it could not fork the runner */
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return -EAGAIN;
		return 0;
	}
	setsid();
	pid = fork();
	if (pid != 0)
		_exit(pid < 0 ? 1 : 0);
	{
		struct hub_runner_opts ro = {
			.sz = sizeof(ro), .socket = o->socket, .dir = dir, .session_id = id,
			.target_pid = o->target, .suppress_errors = o->suppress_errors,
			.maxerrors = maxerrors, .timeout_ms = o->timeout_ms,
		};
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/*
		 * Let go of the terminal and of any pipe the caller reads to EOF
		 * ($(tap -F ...)); the runner's output goes to the hub.
		 */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		hub_set_print(print_runner_msg);
		_exit(hub_run_runner(&ro));
	}
}

/*
 * The session's state as the hub lists it: "starting" while its runner
 * has not run the begin probes (the kernel probes are not attached yet),
 * "recording", ...; NULL when it is not listed (it ended) or on error.
 */
static const char *session_state(int fd, struct hub_msg *m, struct hub_req *q, uint64_t id,
				 char *state, size_t len)
{
	char err[256];
	const char *r = NULL;
	uint64_t sid;

	hub_msg_init(m, TH_MSG_LIST, hub_next_seq());
	if (hub_call(fd, m, q, err, sizeof(err)))
		return NULL;
	while (!hub_msg_recv(fd, q, err, sizeof(err)) && q->h.type != TH_MSG_END) {
		const char *k = hub_req_str(q, TH_A_KIND), *st = hub_req_str(q, TH_A_STATE);

		if (q->h.type != TH_MSG_ENTRY || !k || strcmp(k, "session") || !st ||
		    !hub_req_u64(q, TH_A_SESSION_ID, &sid) || sid != id)
			continue;
		snprintf(state, len, "%s", st);
		r = state;
	}
	return r;
}

/*
 * stap -F returns once the probes are in; so does tap -F.  With user
 * probes the hub attaches the kernel probes when the runner has run the
 * begin probes: wait for that (events made right after tap returns must
 * be recorded), at most 10 s (the hub gives up on a runner after its own
 * timeout and attaches anyway).
 */
static void wait_recording(int fd, struct hub_msg *m, struct hub_req *q, uint64_t id)
{
	char state[32];
	int i;

	for (i = 0; i < 5000; i++) {
		if (!session_state(fd, m, q, id, state, sizeof(state)) || strcmp(state, "starting"))
			return;
		usleep(2000);
	}
	fprintf(stderr, "tap: WARNING: the session's runner has not started after 10 s; "
			"its probes are attached when it does\n");
}

/* tap -F DIR: the installed artifact DIR (realpath), sent to the hub by name */
static const char *installed;

/* -F: hand the compiled guest to taphubd. */
static int run_flight(const struct opts *o, const struct cc_artifact *art, const char *script,
		      int64_t maxerrors)
{
	struct hub_msg *m = malloc(sizeof(*m));
	struct hub_req *q = malloc(sizeof(*q));
	char err[4096] = "", name[HUB_NAME_MAX + 1], host[256];
	uint64_t id = 0;
	uint32_t guest = 0;
	int fd = -1, mfd = -1, bfd = -1, r = 1, pr = 0, i;

	if (!m || !q) {
		fputs("tap: out of memory\n", stderr);
		goto out;
	}
	if (o->name)
		snprintf(name, sizeof(name), "%s", o->name);
	else if (o->relay_host)
		snprintf(name, sizeof(name), "%s", o->relay_host);
	else
		snprintf(name, sizeof(name), "tap_%d", (int)getpid());
	fd = hub_connect(o->socket, true, NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "tap: %s\n", err);
		goto out;
	}
	mfd = open_artifact(art->dir, "guest.meta");
	bfd = art->has_bpf ? open_artifact(art->dir, "guest.bpf.o") : -1;
	if (mfd < 0 || (art->has_bpf && bfd < 0)) {
		fprintf(stderr, "tap: cannot open the compiled guest in %s\n", art->dir);
		goto out;
	}
	/* every value is checked at option parsing; pr catches what would not fit */
	hub_msg_init(m, TH_MSG_SESSION_CREATE, hub_next_seq());
	pr |= hub_msg_put_str(m, TH_A_NAME, name);
	pr |= hub_msg_put_str(m, TH_A_SCRIPT, script);
	pr |= hub_msg_put_u64(m, TH_A_BUFSIZE, (uint64_t)o->bufsize_mb << 20);
	pr |= hub_msg_put_fd(m, TH_A_FD_META, mfd);
	if (bfd >= 0)
		pr |= hub_msg_put_fd(m, TH_A_FD_BPF, bfd);
	if (installed)
		pr |= hub_msg_put_str(m, TH_A_ARTIFACT, installed);
	if (o->relay_host)
		pr |= hub_msg_put_str(m, TH_A_RELAY_HOST, o->relay_host);
	if (o->relay_guest)
		pr |= hub_msg_put_str(m, TH_A_RELAY_GUEST, o->relay_guest);
	if (o->relay_class)
		pr |= hub_msg_put_str(m, TH_A_CLASS, o->relay_class);
	for (i = 0; i < o->nhost_classes; i++)
		pr |= hub_msg_put_str(m, TH_A_CLASS_SPEC, o->host_classes[i]);
	if (o->target)
		pr |= hub_msg_put_u64(m, TH_A_TARGET_PID, (uint64_t)o->target);
	if (o->suppress_errors)
		pr |= hub_msg_put_u32(m, TH_A_SUPPRESS, 1);
	if (o->outfile) {
		char path[PATH_MAX];

		if (absolute_pattern(o->outfile, path, sizeof(path))) {
			fprintf(stderr, "tap: -o %s: made absolute, the name is longer than %d bytes\n",
				o->outfile, PATH_MAX - 1);
			goto out;
		}
		pr |= hub_msg_put_str(m, TH_A_OUTPUT, path);
		if (o->rot_size)
			pr |= hub_msg_put_u64(m, TH_A_ROTATE_SIZE, o->rot_size);
		if (o->rot_count)
			pr |= hub_msg_put_u32(m, TH_A_ROTATE_COUNT, (uint32_t)o->rot_count);
		pr |= hub_msg_put_str(m, TH_A_FORMAT, o->binary ? "binary" : "text");
	}
	if (pr) {
		fprintf(stderr, "tap: the request does not fit in a message to taphubd (%u KB): "
				"shorten the --host-class specs\n",
			TH_PROTO_MAX_MSG >> 10);
		goto out;
	}
	if (hub_call(fd, m, q, err, sizeof(err))) {
		fprintf(stderr, "tap: %s\n", err);
		goto out;
	}
	hub_req_u64(q, TH_A_SESSION_ID, &id);
	hub_req_u32(q, TH_A_GUEST_ID, &guest);
	if (hub_req_str(q, TH_A_MESSAGE))
		fprintf(stderr, "%s\n", hub_req_str(q, TH_A_MESSAGE)); /* a warning of the hub's */
	snprintf(host, sizeof(host), "%s", hub_req_str(q, TH_A_HOST) ? hub_req_str(q, TH_A_HOST) : "?");
	if (art->has_so) {
		int e = start_runner(o, art->dir, id, maxerrors);

		if (e) {
			fprintf(stderr, "tap: cannot start the runner of session %s: %s; its begin, "
					"timer and end probes do not run (tapctl stop %s)\n",
				name, strerror(-e), name);
			goto out;
		}
		wait_recording(fd, m, q, id); /* reuses m and q */
	} else if (o->timeout_ms) {
		fputs("tap: WARNING: -T is not applied: a session without begin, end or timer "
		      "probes has no runner to end it; stop it with tapctl stop\n",
		      stderr);
	}
	printf("Session %s (id %llu) is recording in host %s%s.\n"
	       "Attach with: tap -A %s   Stop with: tapctl stop %s\n",
	       name, (unsigned long long)id, host, o->relay_guest ? " as a guest" : "", name, name);
	r = 0;
out:
	if (mfd >= 0)
		close(mfd);
	if (bfd >= 0)
		close(bfd);
	if (fd >= 0)
		close(fd);
	free(m);
	free(q);
	return r;
}

static int run_attach(const struct opts *o)
{
	char err[4096];
	int fd = hub_connect(o->socket, false, NULL, err, sizeof(err)), r;

	if (fd < 0) {
		fprintf(stderr, "tap: %s\n", err);
		return 1;
	}
	r = hub_attach(fd, o->attach, o->relay_class, 0, 1, 2, err, sizeof(err));
	close(fd);
	if (r) {
		fprintf(stderr, "tap: %s\n", err);
		return 1;
	}
	return 0;
}

/* tap --read FILE...: tap-read, from beside this tap (or $PATH). */
static int run_read(int argc, char **argv)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);

	argv[1] = "tap-read";
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			strcpy(slash + 1, "tap-read");
			execv(self, argv + 1);
		}
	}
	execvp("tap-read", argv + 1);
	fprintf(stderr, "tap: cannot run tap-read: %s\n", strerror(errno));
	(void)argc;
	return 1;
}

/*
 * The verifier's budget per program (BPF_COMPLEXITY_LIMIT_INSNS, not in
 * the UAPI headers): what -v measures each program's cost against.
 */
#define VERIFIER_INSN_LIMIT 1000000

/* -v: what the verifier spent on each program, stap-like, at load. */
static void print_costs(const struct hub_guest *g, void *arg)
{
	struct hub_prog_cost c;
	char what[64];
	int i;

	(void)arg;
	for (i = 0; hub_guest_prog_cost(g, i, &c) == 0; i++) {
		if (!c.pp)
			snprintf(what, sizeof(what), "syscall %d %s", c.nr, c.exit ? "exit" : "enter");
		if (!c.insns)
			fprintf(stderr, "Pass 5: probe %s (%s): verified insns not reported by this kernel\n",
				c.pp ? c.pp : what, c.name);
		else
			fprintf(stderr, "Pass 5: probe %s (%s): verified %u insns (%.1f%% of the %d limit)\n",
				c.pp ? c.pp : what, c.name, c.insns, 100.0 * c.insns / VERIFIER_INSN_LIMIT,
				VERIFIER_INSN_LIMIT);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One option the artifact was compiled with: "-D" "MAXSTRINGLEN=256". */
static int push_option(char ***v, int *n, const char *opt, const char *arg)
{
	char *s;

	if (asprintf(&s, "%s%s", opt, arg) < 0)
		return -ENOMEM;
	push(v, n, s);
	return 0;
}

/* --artifact FILE: the compiled guest, what it was compiled from and with, signed if asked. */
static int write_artifact(const struct opts *o, const struct cc_srcfile *src,
			  const struct cc_artifact *art, int64_t maxerrors)
{
	struct hub_artifact_write_opts wo = {
		.dir = art->dir, .name = o->name, .script = src->name,
		.args = (const char *const *)o->args, .nargs = o->nargs,
		.maxerrors = maxerrors, .sign_key = o->sign_key,
	};
	char **opt = NULL, hex[65], err[1024];
	struct cc_sha256 h;
	uint8_t d[32];
	int nopt = 0, i, r = 0;

	/* the script as compiled: its text and every -E after it */
	cc_sha256_init(&h);
	cc_sha256_update(&h, src->text, src->len);
	for (i = 0; i < o->nextra; i++) {
		cc_sha256_update(&h, "\0", 1);
		cc_sha256_update(&h, o->extra[i], strlen(o->extra[i]));
	}
	cc_sha256_final(&h, d);
	cc_sha256_hex(d, hex);
	wo.script_sha256 = hex;
	for (i = 0; i < o->ndefines && !r; i++)
		r = push_option(&opt, &nopt, "-D", o->defines[i]);
	for (i = 0; i < o->ngopts && !r; i++)
		r = push_option(&opt, &nopt, "-G", o->gopts[i]);
	for (i = 0; i < o->nextra && !r; i++)
		r = push_option(&opt, &nopt, "-E", o->extra[i]);
	if (o->guru && !r)
		r = push_option(&opt, &nopt, "-g", "");
	if (o->unoptimized && !r)
		r = push_option(&opt, &nopt, "-u", "");
	if (o->compatible && !r)
		r = push_option(&opt, &nopt, "--compatible=", o->compatible);
	if (r) {
		fputs("tap: out of memory\n", stderr);
		goto out_free;
	}
	wo.options = (const char *const *)opt;
	wo.noptions = nopt;
	r = hub_artifact_write(&wo, o->artifact, err, sizeof(err));
	if (r)
		fprintf(stderr, "tap: %s\n", err);
	else
		printf("%s\n", o->artifact);
out_free:
	for (i = 0; i < nopt; i++)
		free(opt[i]);
	free(opt);
	return r ? 1 : 0;
}

/* --run: the arguments were compiled in; the same ones may be given again, no others. */
static int check_artifact_args(const struct opts *o, const struct hub_artifact *a)
{
	const char *k, *v;
	int i, n = 0;

	if (!o->nargs)
		return 0;
	for (i = 0; hub_artifact_line(a, i, &k, &v) == 0; i++) {
		if (strcmp(k, "arg"))
			continue;
		if (n >= o->nargs || strcmp(o->args[n], v))
			break;
		n++;
	}
	if (n == o->nargs && hub_artifact_line(a, i, &k, &v) != 0)
		return 0;
	fprintf(stderr, "tap: %s: the script's arguments were compiled into the artifact; "
			"compile it again with these (tap --artifact)\n",
		o->script);
	return -EINVAL;
}

/*
 * --run FILE.tapa: hashes, signature, architecture and kernel features
 * checked, then the guest's files extracted into the compile cache, named
 * by the artifact's digest, where it runs from as a compiled entry would
 * (a -F session's runner outlives this tap and reads them there).
 */
static int load_artifact(struct opts *o, struct cc_artifact *art, int64_t *maxerrors)
{
	struct hub_artifact *a = NULL;
	struct cc_cache *cache = NULL;
	char err[2048], keys[PATH_MAX];
	const char *v;
	char *stage = NULL;
	int r;

	r = hub_artifact_open(o->script, &a, err, sizeof(err));
	if (!r)
		r = hub_artifact_check_signature(a, hub_artifact_keydir(keys, sizeof(keys)),
						 o->require_signature, err, sizeof(err));
	if (!r)
		r = hub_artifact_check_kernel(a, err, sizeof(err));
	if (r) {
		if (r == -ENOMEM)
			snprintf(err, sizeof(err), "out of memory");
		fprintf(stderr, "tap: %s%s%s\n", a ? o->script : "", a ? ": " : "", err);
		goto out_free;
	}
	r = check_artifact_args(o, a);
	if (r)
		goto out_free;
	/* -m NAME, else the name it was compiled with (-F's session name) */
	v = hub_artifact_get(a, "name");
	if (!o->name && v && hub_check_name("-m", v, err, sizeof(err)) == 0) {
		o->name = o->artifact_name = strdup(v);
		if (!o->name) {
			r = -ENOMEM;
			fputs("tap: out of memory\n", stderr);
			goto out_free;
		}
	}
	v = hub_artifact_get(a, "maxerrors");
	*maxerrors = v ? strtoll(v, NULL, 10) : 0;
	art->has_bpf = hub_artifact_member(a, "guest.bpf.o", NULL) != NULL;
	art->has_so = hub_artifact_member(a, "guest.so", NULL) != NULL;
	snprintf(art->key, sizeof(art->key), "%s", hub_artifact_digest(a));
	r = cc_cache_open(NULL, 0, &cache);
	if (r) {
		fprintf(stderr, "tap: cannot use the compile cache: %s\n", strerror(-r));
		goto out_free;
	}
	if (cc_cache_lookup(cache, art->key, &art->dir) == 0) {
		art->cache_hit = true;
		goto out_free;
	}
	r = cc_cache_stage(cache, &stage);
	if (!r) {
		r = hub_artifact_extract(a, stage, err, sizeof(err));
		if (r)
			fprintf(stderr, "tap: %s\n", err);
	} else {
		fprintf(stderr, "tap: cannot stage in the compile cache: %s\n", strerror(-r));
	}
	if (!r) {
		r = cc_cache_commit(cache, art->key, stage, &art->dir);
		if (r)
			fprintf(stderr, "tap: cannot publish into the compile cache: %s\n",
				strerror(-r));
	}
	if (r && stage)
		cc_cache_discard(cache, stage);
out_free:
	free(stage);
	cc_cache_close(cache);
	hub_artifact_free(a);
	return r;
}

/* Pass 5 without a hub: tap loads the guest itself and prints its output. */
static int run_local(const struct opts *o, const struct cc_artifact *art, const char *script,
		     int64_t maxerrors)
{
	wordexp_t we = { 0 };
	bool have_we = false;
	int status = 1;
	struct hub_local_opts lo = {
		.sz = sizeof(lo),
		.dir = art->dir,
		.ring_bytes = (uint64_t)o->bufsize_mb << 20,
		.target_pid = o->target,
		.out_fd = 1, .msg_fd = 2,
		.suppress_errors = o->suppress_errors,
		.maxerrors = maxerrors,
		.verbose = o->verbose,
		.on_loaded = o->verbose ? print_costs : NULL,
		.timeout_ms = o->timeout_ms,
		.timing = o->timing,
		.no_warnings = o->no_warnings,
	};

	if (o->cmd) {
		/* stap's: the words of CMD; with a shell's metacharacter (| ; & < > ...) sh -c CMD */
		static char *sh_c[] = { "sh", "-c", NULL, NULL };
		int wr = wordexp(o->cmd, &we, WRDE_NOCMD);

		if (wr == WRDE_BADCHAR) {
			sh_c[2] = (char *)o->cmd; /* exec's argv is not const */
			lo.cmd = sh_c;
		} else if (wr || !we.we_wordc) {
			if (!wr)
				wordfree(&we);
			fprintf(stderr, "tap: cannot parse -c '%s'%s\n", o->cmd,
				wr == WRDE_SYNTAX ? ": unmatched quotes?" : "");
			goto out_free;
		} else {
			have_we = true;
			lo.cmd = we.we_wordv;
		}
	}
	if (o->outfile) {
		struct hub_sink_opts so = {
			.pattern = o->outfile, .size_limit = o->rot_size, .count = o->rot_count,
			.binary = o->binary, .error = output_error,
		};
		char info[PATH_MAX + 64], err[1024];

		snprintf(info, sizeof(info), "session=local\nscript=%s\n", script);
		so.info = info;
		if (hub_sink_open(&so, &lo.sink, err, sizeof(err))) {
			fprintf(stderr, "tap: %s\n", err);
			goto out_free;
		}
	}
	if (o->verbose)
		fprintf(stderr, "Pass 5: starting run.\n");
	status = hub_run_local(&lo);
	hub_sink_close(lo.sink);
out_free:
	if (have_we)
		wordfree(&we);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cc_ctx cx;
	struct cc_srcfile *src;
	struct cc_build_opts bo = { 0 };
	struct cc_artifact art = { 0 };
	double t0 = now_ms();
	int status = 1, r;

	if (argc > 1 && !strcmp(argv[1], "--read"))
		return run_read(argc, argv);
	hub_set_print(print_msg);
	cc_arena_set_oom(compiler_oom);
	parse_opts(argc, argv, &o);
	if (o.attach)
		return run_attach(&o);
	cc_ctx_init(&cx);
	if (o.run) {
		int64_t maxerrors = 0;

		if (load_artifact(&o, &art, &maxerrors))
			goto out;
		if (o.flight)
			status = run_flight(&o, &art, o.script, maxerrors);
		else
			status = run_local(&o, &art, o.script, maxerrors);
		goto out;
	}
	cx.diag.out = stderr;
	cx.verbose = o.verbose;
	cx.argv = o.args;
	cx.argc = o.nargs;
	cx.incdirs = o.incdirs;
	cx.nincdirs = o.nincdirs;
	cx.gopts = o.gopts;
	cx.ngopts = o.ngopts;
	cx.extra_scripts = o.extra;
	cx.nextra_scripts = o.nextra;
	cx.symbol_files = o.symbol_files;
	cx.nsymbol_files = o.nsymbol_files;
	cx.symbol_ldd = o.ldd;
	cx.timing = o.timing;
	cx.guru = o.guru;
	cx.unoptimized = o.unoptimized;
	cx.diag.no_warnings = o.no_warnings;
	cx.diag.warn_errors = o.warn_errors;
	cx.target_pid = (long)o.target;
	if (o.cmd) {
		/* process.mark("...") probes -c's program: its first word */
		size_t b = strspn(o.cmd, " \t");

		cx.target_cmd = cc_strndup(cx.arena, o.cmd + b, strcspn(o.cmd + b, " \t"));
	}
	if (apply_defines(&cx, &o) < 0)
		goto out;
	if (o.compatible && cc_set_compatible(&cx, o.compatible) < 0)
		goto out;
	if (o.dump == OPT_DUMP_PROBE_TYPES) {
		cc_dump_probe_types(stdout);
		status = 0;
		goto out;
	}
	if (o.dump == OPT_DUMP_FUNCTIONS) {
		status = cc_load_tapsets(&cx) < 0 ? 1 : 0;
		if (!status)
			cc_dump_functions(&cx, o.verbose > 0, stdout);
		goto out;
	}

	if (o.list) {
		/* syscall.NAME aliases come from this kernel's tracepoints */
		cx.want_syscall_aliases = strstr(o.list, "syscall") || o.list[0] == '*';
		if (cc_load_tapsets(&cx) < 0)
			goto out;
		r = cc_list_points(&cx, o.list, o.list_vars, stdout);
		status = r < 0 ? 1 : 0;
		goto out;
	}

	if (o.flight && !o.text && o.script) {
		struct stat st;
		char real[PATH_MAX], path[PATH_MAX + 16];

		/*
		 * tap -F DIR: an installed artifact, a compiled guest's directory
		 * (what group taphubusr may run): nothing is compiled, and the hub
		 * reads the files itself.
		 */
		if (stat(o.script, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!realpath(o.script, real)) {
				fprintf(stderr, "tap: %s: %s\n", o.script, strerror(errno));
				goto out;
			}
			snprintf(path, sizeof(path), "%s/guest.meta", real);
			if (access(path, R_OK)) {
				fprintf(stderr, "tap: %s is not a compiled guest (no guest.meta)\n",
					o.script);
				goto out;
			}
			art.dir = strdup(real);
			snprintf(path, sizeof(path), "%s/guest.bpf.o", real);
			art.has_bpf = access(path, R_OK) == 0;
			snprintf(path, sizeof(path), "%s/guest.so", real);
			art.has_so = access(path, R_OK) == 0;
			installed = art.dir;
			status = art.dir ? run_flight(&o, &art, o.script, cx.lim.maxerrors) : 1;
			goto out;
		}
	}
	src = o.text ? cc_source_text(&cx, "<input>", o.text) : cc_source_file(&cx, o.script);
	if (!src)
		goto out;
	/* --artifact: the entry is written into the artifact, not printed */
	bo.last_pass = o.artifact ? 5 : o.last_pass;
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
	if (o.artifact) {
		status = write_artifact(&o, src, &art, cx.lim.maxerrors);
		goto out;
	}
	if (o.last_pass < 5) {
		status = 0;
		goto out;
	}
	if (o.flight) {
		status = run_flight(&o, &art, o.text ? "<input>" : o.script, cx.lim.maxerrors);
		goto out;
	}
	status = run_local(&o, &art, o.text ? "<input>" : o.script, cx.lim.maxerrors);
out:
	cc_artifact_release(&art);
	cc_ctx_release(&cx);
	free(o.artifact_name);
	free(o.defines);
	free(o.incdirs);
	free(o.words);
	free(o.gopts);
	free(o.extra);
	for (r = 0; r < o.nsymbol_files; r++)
		if (o.symbol_files[r][0] == '/')
			free(o.symbol_files[r]); /* realpath()'s */
	free(o.symbol_files);
	return status;
}
