// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for guest-runtime/meta.c: grt_meta_parse() reads meta
 * files that clients send to a hub, so any byte string must give either a
 * well-formed struct or -EINVAL with a message, never a crash, leak or
 * undefined behaviour.  An accepted meta is then walked the way a loader
 * walks it (format lookups, key and value sizes) so that what the parser
 * lets through is checked to be safe to use.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"
#include "taphub/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grt_meta *m = NULL;
	char err[200];
	int i, r;

	/* One byte of message room too: truncation must stay in bounds. */
	r = grt_meta_parse((const char *)data, size, &m, err, size & 1 ? sizeof(err) : 1);
	if (r < 0) {
		if (m)
			abort(); /* *ret untouched on failure */
		if ((size & 1) && !memchr(err, 0, sizeof(err)))
			abort(); /* message not terminated */
		return 0;
	}
	if (!m || m->nclasses < 1)
		abort();
	for (i = 0; i < m->nglobals; i++) {
		size_t k = grt_meta_key_size(m, &m->globals[i]);
		size_t v = grt_meta_val_size(m, &m->globals[i]);

		if (m->globals[i].gid != i || (m->globals[i].array && !k) || !v)
			abort();
	}
	for (i = 0; i < m->nfmts; i++)
		if (grt_meta_find_fmt(m, TH_FMT_FIRST + i) != &m->fmts[i])
			abort();
	if (grt_meta_find_fmt(m, TH_FMT_FIRST + m->nfmts) || grt_meta_find_fmt(m, -1))
		abort();
	for (i = 0; i < m->nprogs; i++)
		if (!m->progs[i].name || !m->progs[i].pp || m->progs[i].cls >= m->nclasses)
			abort(); /* a loader indexes classes[] with it */
	grt_meta_free(m);
	return 0;
}
