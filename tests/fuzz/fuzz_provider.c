// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for compiler/provider_file.c: cc_provider_file_parse()
 * reads whatever .d file a build hands to tools/dtrace, so any bytes must
 * give providers or -EINVAL with diagnostics, never a crash, a hang or a
 * leak.  Both ways the text is read (as written, as cpp's output with line
 * markers) are tried; what is accepted is checked against the limits the
 * emitters rely on and then written out as -h and -G would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cc_srcfile f = {.name = "fuzz.d", .text = (const char *)data, .len = size};
	struct cc_arena *a = cc_arena_new();
	struct cc_diag d = {0};
	struct cc_vec p = {0};
	FILE *null = fopen("/dev/null", "w");
	int r;

	if (!null)
		abort();
	d.out = null; /* the caret printer runs too */
	r = cc_provider_file_parse(a, &d, &f, size & 1, &p);
	if ((r < 0) != (d.nerrors > 0))
		abort();
	if (!r) {
		for (int i = 0; i < p.n; i++) {
			const struct cc_provider *pv = p.v[i];

			if (!pv->name[0])
				abort();
			for (int j = 0; j < pv->probes.n; j++) {
				const struct cc_provider_probe *pr = pv->probes.v[j];

				if (!pr->name[0] || pr->nargs < 0 || pr->nargs > CC_SDT_MAX_ARGS)
					abort();
			}
		}
		if (cc_provider_emit_header(null, &p, "fuzz.d", "G_H") ||
		    cc_provider_emit_semaphores(null, &p, "fuzz.d"))
			abort();
	}
	fclose(null);
	cc_diag_release(&d);
	cc_arena_free(a);
	return 0;
}
