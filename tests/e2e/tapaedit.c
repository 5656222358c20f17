// SPDX-License-Identifier: MIT
/*
 * tapaedit: what a test needs to forge an artifact (tests/e2e/artifact.sh,
 * tests/vm/kernel_check.sh): the manifest changed, every hash made right
 * again, so that only the change itself is refused (an architecture, a
 * kernel feature), not the tampering.
 *
 *   tapaedit IN OUT OLD-LINE NEW-LINE [SIGN-KEY]
 *
 * Replaces the manifest line OLD-LINE by NEW-LINE (OLD-LINE "": NEW-LINE
 * is appended), drops the signature, and signs again with SIGN-KEY (a PEM
 * private key) when it is given; SIGN-KEY "keep" keeps the old signature
 * (of the old manifest: what only the signature check can refuse).  Exits 1 with a line when IN does not
 * open (it is checked as tap checks it) or has no such line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "hub/artifact.h"

static const char *const guest_files[] = {"guest.meta", "guest.bpf.o", "guest.so"};

int main(int argc, char **argv)
{
	struct hub_artifact_blob b[5];
	struct hub_artifact *a;
	char err[1024], *text = NULL;
	size_t len = 0, mlen, outlen, siglen;
	const char *k, *v;
	uint8_t *out, *sig = NULL;
	bool found = false;
	int nb = 1, i;
	FILE *f;

	if (argc < 5 || argc > 6) {
		fputs("usage: tapaedit IN OUT OLD-LINE NEW-LINE [SIGN-KEY]\n", stderr);
		return 2;
	}
	if (hub_artifact_open(argv[1], &a, err, sizeof(err))) {
		fprintf(stderr, "tapaedit: %s\n", err);
		return 1;
	}
	f = open_memstream(&text, &len);
	for (i = 0; hub_artifact_line(a, i, &k, &v) == 0; i++) {
		char line[8192];

		snprintf(line, sizeof(line), "%s %s", k, v);
		if (*argv[3] && !strcmp(line, argv[3])) {
			fprintf(f, "%s\n", argv[4]);
			found = true;
		} else {
			fprintf(f, "%s\n", line);
		}
	}
	if (!*argv[3]) {
		fprintf(f, "%s\n", argv[4]);
		found = true;
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "tapaedit: no manifest line '%s' in %s\n", argv[3], argv[1]);
		return 1;
	}
	b[0].name = "manifest";
	b[0].data = text;
	b[0].size = len;
	for (i = 0; i < 3; i++) {
		const void *m = hub_artifact_member(a, guest_files[i], &mlen);

		if (!m)
			continue;
		b[nb].name = guest_files[i];
		b[nb].data = m;
		b[nb].size = mlen;
		nb++;
	}
	if (argc == 6 && !strcmp(argv[5], "keep")) {
		const uint8_t *old = hub_artifact_member(a, "manifest.sig", &siglen);

		if (!old) {
			fputs("tapaedit: IN has no signature to keep\n", stderr);
			return 1;
		}
		b[nb].name = "manifest.sig";
		b[nb].data = old;
		b[nb].size = siglen;
		nb++;
	} else if (argc == 6) {
		if (hub_artifact_sign(text, len, argv[5], &sig, &siglen, err, sizeof(err))) {
			fprintf(stderr, "tapaedit: %s\n", err);
			return 1;
		}
		b[nb].name = "manifest.sig";
		b[nb].data = sig;
		b[nb].size = siglen;
		nb++;
	}
	if (hub_artifact_pack(b, nb, &out, &outlen)) {
		fputs("tapaedit: cannot pack\n", stderr);
		return 1;
	}
	f = fopen(argv[2], "we");
	if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f)) {
		perror(argv[2]);
		return 1;
	}
	free(out);
	free(sig);
	free(text);
	hub_artifact_free(a);
	return 0;
}
