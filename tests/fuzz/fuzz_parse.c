// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the compiler's front and middle end.
 *
 * Each input is a script.  It goes through everything tap does before
 * running clang: lexer, preprocessor, parser (and the -p1 listing),
 * tapset loading, elaboration (aliases, probe points, tracepoint formats
 * from tracefs), type inference (and the -p2 listing) and code generation
 * into memory.  Diagnostics are collected silently
 * (cx.diag.out = NULL).  Nothing here touches the network or spawns a
 * process; the only files read are tracefs, the kernel config and BTF,
 * exactly as a real compile reads them.
 *
 * Oracles besides the sanitizers: a compile that reports no error must
 * produce a meta file that the runtime's own parser (grt_meta_parse, the
 * reader a hub uses on client-sent files) accepts, and a compile that
 * fails must have reported at least one error.
 *
 * Script arguments are fixed so $1/@1, $2/@2 and $# paths are reachable:
 * $1 is a number, $2 a string that lexes as tokens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

/* Inputs above this say nothing new and only slow the fuzzer down. */
#define FUZZ_MAX_INPUT (64u << 10)

/* Where -p1 / -p2 listings go: they are walked, never read. */
static FILE *devnull;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	libbpf_set_print(quiet_print);
	devnull = fopen("/dev/null", "we");
	return devnull ? 0 : -1;
}

static void check_meta(const struct cc_output *out)
{
	struct grt_meta *m = NULL;
	char err[256];

	if (grt_meta_parse(out->meta, out->meta_len, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "generated meta does not parse: %s\n----\n%.*s----\n", err,
			(int)out->meta_len, out->meta);
		abort();
	}
	grt_meta_free(m);
}

/*
 * One compilation as tap does it up to pass 3, with or without the
 * tapsets.  Returns 1 when elaboration failed in a way the tapsets might
 * change (an unknown probe point or function, or a variable no script
 * line gives a type: tapsets define globals too).
 */
static int compile(const uint8_t *data, size_t size, bool tapsets)
{
	static char *args[] = {"42", "foo(1)", NULL};
	struct cc_ctx cx;
	struct cc_srcfile *src;
	char *text;
	int r, again = 0;

	cc_ctx_init(&cx);
	cx.diag.out = NULL;
	cx.argv = args;
	cx.argc = 2;

	/* The driver refuses NUL bytes in scripts; the lexer must cope anyway. */
	text = cc_alloc(cx.arena, size + 1);
	memcpy(text, data, size);
	src = cc_alloc(cx.arena, sizeof(*src));
	src->name = "fuzz.stp";
	src->text = text;
	src->len = size;

	cx.script = cc_parse_source(&cx, src);
	if (cx.diag.nerrors)
		goto out;
	cc_dump_file(&cx, cx.script, devnull);
	if (tapsets && cc_load_tapsets(&cx) < 0)
		goto out;
	r = cc_elaborate(&cx);
	if (r < 0 && !cx.diag.nerrors)
		abort(); /* failed without saying why */
	if (r < 0) {
		const char *e = cx.diag.first ? cx.diag.first : "";

		again = strstr(e, "probe alias") || strstr(e, "unresolved") ||
			strstr(e, "is a function") || strstr(e, "no probes found");
		goto out;
	}
	cc_dump_prog(&cx, devnull);
	{
		struct cc_output out = {0};

		r = cc_codegen(&cx, &out);
		if (r < 0 && !cx.diag.nerrors)
			abort();
		if (r == 0)
			check_meta(&out);
		cc_output_free(&out);
	}
out:
	cc_ctx_release(&cx);
	return again;
}

/*
 * The tapsets are ~100 KB of script: parsing them for every input would
 * make fuzzing twenty times slower.  So an input is compiled without
 * them first, and again with them (as tap always does) when that failed
 * for want of something a tapset may define, or, so that tapset code is
 * exercised anyway, for one input in eight (chosen by content, so a
 * reproducer replays the same way).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	size_t i;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	if (compile(data, size, false) || h % 8 == 0)
		compile(data, size, true);
	return 0;
}
