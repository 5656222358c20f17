// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for hub/artifact.c: hub_artifact_parse() reads files a
 * user hands to tap --run and to the service, which run as root, so any
 * byte string must give either a parsed artifact or an error with one
 * line, never a crash, leak or undefined behaviour.  An accepted artifact
 * is walked the way tap walks it (manifest lines, members, the signature
 * check against an empty key directory) to check that what the parser
 * lets through is safe to use.
 *
 * Each input is parsed twice: as it is (the header, table and bounds
 * checks), and with its hashes made right (rehash()), so that the fuzzer
 * reaches the manifest parser and the member checks behind the hashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "hub/artifact.h"

static volatile uint8_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every member's hash that lies inside the input, then the table's: what a forger would do. */
static void rehash(uint8_t *d, size_t size)
{
	uint32_t n, i;
	uint64_t off, len;

	if (size < HUB_ARTIFACT_HEADER_SIZE)
		return;
	memcpy(&n, d + 16, 4);
	if (n > 8 || size - HUB_ARTIFACT_HEADER_SIZE < (size_t)n * HUB_ARTIFACT_ENTRY_SIZE)
		return;
	for (i = 0; i < n; i++) {
		uint8_t *e = d + HUB_ARTIFACT_HEADER_SIZE + (size_t)i * HUB_ARTIFACT_ENTRY_SIZE;

		memcpy(&off, e + 32, 8);
		memcpy(&len, e + 40, 8);
		if (off <= size && len <= size - off)
			hub_artifact_sha256(d + off, (size_t)len, e + 48);
	}
	hub_artifact_sha256(d + HUB_ARTIFACT_HEADER_SIZE, (size_t)n * HUB_ARTIFACT_ENTRY_SIZE,
			    d + 32);
}

static void one(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"manifest", "guest.meta",	"guest.bpf.o",
					    "guest.so", "manifest.sig", "other"};
	struct hub_artifact *a = NULL;
	const char *k, *v;
	char err[200];
	size_t n, i;
	int r;

	/* One byte of message room too: truncation must stay in bounds. */
	r = hub_artifact_parse(data, size, &a, err, size & 1 ? sizeof(err) : 1);
	if (r < 0) {
		if (a)
			abort(); /* *ret untouched on failure */
		if ((size & 1) && (!memchr(err, 0, sizeof(err)) || strchr(err, '\n')))
			abort(); /* one terminated line */
		return;
	}
	for (i = 0; hub_artifact_line(a, (int)i, &k, &v) == 0; i++)
		if (!*k || !*v || strchr(k, '\n') || strchr(v, '\n'))
			abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const uint8_t *m = hub_artifact_member(a, names[i], &n);

		/* inside what was given: read the first and the last byte (ASan checks) */
		if (m && n)
			fuzz_sink ^= m[0] ^ m[n - 1];
	}
	if (strlen(hub_artifact_digest(a)) != 64 || !hub_artifact_member(a, "guest.meta", NULL))
		abort();
	hub_artifact_get(a, "arch");
	hub_artifact_check_signature(a, "/nonexistent-taphub-keys", false, err, sizeof(err));
	hub_artifact_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	one(data, size);
	if (size > HUB_ARTIFACT_MAX_BYTES || !(copy = malloc(size ? size : 1)))
		return 0;
	memcpy(copy, data, size);
	rehash(copy, size);
	one(copy, size);
	free(copy);
	return 0;
}
