// SPDX-License-Identifier: MIT
/*
 * Types from a C header, as stap's @cast(p, "T", "kernel<uapi/linux/if_alg.h>")
 * names them: stap compiles the header for its DWARF; here clang compiles
 * it into an eBPF object whose BTF (clang -g) holds the type, and btf.c
 * reads that BTF as one more module (cc_btf_is_header).  Such a type is
 * the header's, not the running kernel's: the reads of its members use
 * the header's fixed offsets, not CO-RE relocations (codegen_btf.c), which
 * holds for the uapi headers (a stable ABI) this is for.
 *
 * The header is looked up where the system's headers are: a kernel tree
 * path (uapi/linux/x.h, include/uapi/linux/x.h) is linux/x.h of
 * /usr/include (linux-libc-dev); kernel-internal headers are not
 * installed and fail with clang's message.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/btf.h>

#include "compiler/compiler.h"

extern char **environ;

/* The kernel tree's prefixes of a header that /usr/include drops. */
static const char *const tree_prefixes[] = { "include/uapi/", "uapi/", "include/" };

static const char *installed_name(const char *header)
{
	size_t i, n;

	for (i = 0; i < sizeof(tree_prefixes) / sizeof(tree_prefixes[0]); i++) {
		n = strlen(tree_prefixes[i]);
		if (!strncmp(header, tree_prefixes[i], n))
			return header + n;
	}
	return header;
}

/* Run clang on src into obj, its messages into log; 0 or -errno / -EINVAL (clang failed). */
static int run_clang(const char *src, const char *obj, const char *log)
{
	const char *clang = getenv("TAPHUB_CLANG");
	char *argv[] = {
		/*
		 * eBPF for its BTF; as x86_64 for the system's headers (glibc
		 * picks its 64-bit stubs), whose LP64 layouts eBPF shares
		 */
		(char *)(clang && *clang ? clang : "clang"), "-g", "-O0", "-target", "bpf",
		"-D__x86_64__", "-I/usr/include/x86_64-linux-gnu", "-c", (char *)src, "-o",
		(char *)obj, NULL,
	};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EINVAL;
}

/* clang's first error line, for the message */
static const char *first_error(struct cc_arena *a, const char *log)
{
	char line[256];
	FILE *f = fopen(log, "re");
	const char *r = "clang failed";

	while (f && fgets(line, sizeof(line), f)) {
		char *e = strstr(line, "error: ");

		if (e) {
			e[strcspn(e, "\n")] = 0;
			r = cc_strdup(a, e + strlen("error: "));
			break;
		}
	}
	if (f)
		fclose(f);
	return r;
}

int cc_btf_header_compile(struct cc_arena *a, const char *header, const char *type,
			  struct btf **ret, const char **ret_why)
{
	/* the type as a struct, a union, then a typedef: the first that compiles is it */
	static const char *const spellings[] = { "struct ", "union ", "" };
	char dir[] = "/tmp/taphub-header.XXXXXX";
	const char *src, *obj, *log, *why = NULL;
	size_t i;
	int r = -ENOENT;

	*ret = NULL;
	if (!mkdtemp(dir)) {
		*ret_why = cc_sprintf(a, "cannot make a directory to compile it: %s", strerror(errno));
		return -errno;
	}
	src = cc_sprintf(a, "%s/h.c", dir);
	obj = cc_sprintf(a, "%s/h.o", dir);
	log = cc_sprintf(a, "%s/clang.log", dir);
	for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]) && !*ret; i++) {
		FILE *f = fopen(src, "we");

		if (!f) {
			r = -errno;
			why = cc_sprintf(a, "cannot write %s: %s", src, strerror(errno));
			break;
		}
		/* a variable, not a pointer: "struct x *" compiles for any x, complete or not */
		fprintf(f, "#include <%s>\n%s%s th_header_var;\n", installed_name(header),
			spellings[i], type);
		fclose(f);
		r = run_clang(src, obj, log);
		if (r == -EINVAL) {
			if (!why)
				why = first_error(a, log);
			continue;
		}
		if (r) {
			why = cc_sprintf(a, "cannot run clang: %s", strerror(-r));
			break;
		}
		*ret = btf__parse_elf(obj, NULL);
		if (!*ret) {
			r = errno ? -errno : -ENOENT;
			why = cc_sprintf(a, "the object clang made has no BTF: %s", strerror(-r));
		}
	}
	unlink(src);
	unlink(obj);
	unlink(log);
	rmdir(dir);
	if (*ret)
		return 0;
	*ret_why = why ? why : "it does not compile";
	return r ? r : -ENOENT;
}
