/* SPDX-License-Identifier: MIT */
/*
 * hub/artifact.h: what the artifact files share inside hub/ (artifact.c
 * parses and packs, artifact_write.c builds the manifest, artifact_kernel.c
 * lists and checks the kernel features, artifact_sign.c signs and
 * verifies).  Outside hub/, hub.h's hub_artifact_* functions are the API.
 */
#ifndef TAPHUB_HUB_ARTIFACT_H
#define TAPHUB_HUB_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HUB_ARTIFACT_VERSION 1
#define HUB_ARTIFACT_HEADER_SIZE 64
#define HUB_ARTIFACT_ENTRY_SIZE 80
#define HUB_ARTIFACT_NAME_LEN 32
/* a manifest is a few dozen lines; a thousand "needs" is already absurd */
#define HUB_ARTIFACT_MAX_LINES 4096
#define HUB_ARTIFACT_MANIFEST "manifest"
#define HUB_ARTIFACT_SIG "manifest.sig"

struct hub_artifact_member {
	const char *name; /* one of artifact.c's member_names */
	const uint8_t *data;
	size_t size;
	char sha256[65];
};

struct hub_artifact_line {
	char *key, *value;
};

struct hub_artifact {
	uint8_t *data; /* the whole file */
	size_t len;
	char digest[65]; /* the header's table hash: names this artifact's content */
	struct hub_artifact_member members[8];
	int nmembers;
	const char *manifest; /* members[0], not NUL-terminated */
	size_t manifest_len;
	struct hub_artifact_line *lines;
	int nlines;
};

/* A member to pack: name, bytes. */
struct hub_artifact_blob {
	const char *name;
	const void *data;
	size_t size;
};

/* artifact.c */
void hub_artifact_sha256(const void *data, size_t len, uint8_t out[32]);
void hub_artifact_hex(const uint8_t d[32], char out[65]);
/* A whole regular file of at most HUB_ARTIFACT_MAX_BYTES (-EFBIG), malloc'd. */
int hub_artifact_read(const char *path, uint8_t **ret, size_t *ret_len);
/* The file's bytes; members[0] must be the manifest, the rest in member order. */
int hub_artifact_pack(const struct hub_artifact_blob *members, int n, uint8_t **ret,
		      size_t *ret_len);

/* artifact_kernel.c: "arch" and "needs" lines for the guest in dir, to out */
int hub_artifact_write_needs(FILE *out, const char *dir, char *err, size_t errlen);

/* artifact_sign.c: a detached signature of data with the PEM private key in key_path */
int hub_artifact_sign(const void *data, size_t len, const char *key_path, uint8_t **ret_sig,
		      size_t *ret_len, char *err, size_t errlen);

#endif
