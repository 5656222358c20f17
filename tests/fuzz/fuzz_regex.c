// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the regular expression compiler (compiler/regex.c)
 * and the matchers that run its tables (guest-runtime/regex.c).
 *
 * An input is a pattern (its first line) and subject strings (the other
 * lines).  Oracles besides the sanitizers:
 *
 *  - a refused pattern says why (-EINVAL or -E2BIG, a message, an offset
 *    inside the pattern or SIZE_MAX for the whole);
 *  - a compiled one has consistent tables (every transition to a state,
 *    start state 0), and on every subject the DFA (grt_regex_test) and the
 *    Pike VM (grt_regex_exec) agree on whether it matches;
 *  - a match lies inside the subject and every group that took part lies
 *    inside the match.
 *
 * The compile is also bounded in time by the CC_REGEX_MAX_* limits: a
 * pattern that makes libFuzzer's -timeout fire is a finding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "guest-runtime/grt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tables(const struct grt_regex *re)
{
	size_t i, n = (size_t)re->nstates * re->nclasses;

	if (!re->nstates || re->nstates > CC_REGEX_MAX_STATES || !re->ngroups)
		abort();
	for (i = 0; i < 256; i++)
		if (re->cls[i] >= re->nclasses)
			abort();
	for (i = 0; i < n; i++)
		if (re->next[i] >= re->nstates)
			abort();
}

static void check_subject(const struct grt_regex *re, const char *s, size_t len)
{
	int32_t caps[2 * CC_REGEX_MAX_GROUPS];
	int dfa = grt_regex_test(re, s), vm = grt_regex_exec(re, s, len, caps);
	uint32_t g;

	if (vm < 0)
		return; /* out of memory: not a finding */
	if (dfa != vm) {
		fprintf(stderr, "DFA says %d, Pike VM %d\n", dfa, vm);
		abort();
	}
	if (!vm)
		return;
	if (caps[0] < 0 || caps[0] > caps[1] || (size_t)caps[1] > len)
		abort();
	for (g = 1; g < re->ngroups; g++) {
		int32_t a = caps[2 * g], b = caps[2 * g + 1];

		if (a == -1 && b == -1)
			continue;
		if (a < caps[0] || a > b || b > caps[1])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t plen = nl ? (size_t)(nl - text) : size;
	struct cc_arena *a = cc_arena_new();
	struct grt_regex *re = NULL;
	char err[256] = "";
	size_t off = 0, pos;
	int rc = cc_regex_compile(a, text, plen, &re, err, sizeof(err), &off);

	if (rc) {
		if ((rc != -EINVAL && rc != -E2BIG) || !err[0] || (off > plen && off != SIZE_MAX))
			abort();
		goto out;
	}
	check_tables(re);
	/* each further line is a subject; strings end at a NUL, so they have none */
	for (pos = nl ? plen + 1 : size; pos <= size;) {
		const char *end = memchr(text + pos, '\n', size - pos);
		size_t len = end ? (size_t)(end - (text + pos)) : size - pos;
		char *s = malloc(len + 1);
		size_t i, n = 0;

		if (!s)
			break;
		for (i = 0; i < len; i++)
			if (text[pos + i])
				s[n++] = text[pos + i];
		s[n] = 0;
		check_subject(re, s, n);
		free(s);
		pos += len + 1;
	}
out:
	cc_arena_free(a);
	return 0;
}
