// SPDX-License-Identifier: MIT
/*
 * Artifact signatures, through OpenSSL: the "manifest.sig" member is a
 * detached signature of the manifest's bytes (which carry the SHA-256 of
 * every other member).  Ed25519 keys sign the bytes themselves (PureEdDSA);
 * RSA and EC keys sign their SHA-256.  Keys are PEM files: the private one
 * given to tap --sign-key, the public ones trusted when they are in the key
 * directory as *.pub ($TAPHUB_CONFDIR/keys, else /etc/taphub/keys).
 *
 * A trusted key must not be writable by anyone but its owner, and its
 * owner must be root or us: whoever can write a key there can make any
 * artifact pass.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/hub.h"
#include "hub/artifact.h"

/* at most this many trusted keys are tried: a directory of keys, not a key store */
#define MAX_KEYS 64

/* Ed25519 and Ed448 sign the message itself; the others its SHA-256. */
static const EVP_MD *key_md(EVP_PKEY *k)
{
	int id = EVP_PKEY_get_base_id(k);

	return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

int hub_artifact_sign(const void *data, size_t len, const char *key_path, uint8_t **ret_sig,
		      size_t *ret_len, char *err, size_t errlen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	FILE *f;
	int r = -EINVAL;

	f = fopen(key_path, "re");
	if (!f) {
		r = -errno;
		snprintf(err, errlen, "--sign-key %s: %s", key_path, strerror(errno));
		return r;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		snprintf(err, errlen, "--sign-key %s: not a PEM private key (Ed25519 or RSA)",
			 key_path);
		return -EINVAL;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		r = -ENOMEM;
		goto out_free;
	}
	if (EVP_DigestSignInit(ctx, NULL, key_md(k), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1) {
		snprintf(err, errlen, "--sign-key %s: this key cannot sign", key_path);
		goto out_free;
	}
	sig = malloc(siglen);
	if (!sig) {
		r = -ENOMEM;
		goto out_free;
	}
	if (EVP_DigestSign(ctx, sig, &siglen, data, len) != 1) {
		snprintf(err, errlen, "--sign-key %s: signing failed", key_path);
		free(sig);
		goto out_free;
	}
	*ret_sig = sig;
	*ret_len = siglen;
	r = 0;
out_free:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

const char *hub_artifact_keydir(char *buf, size_t len)
{
	const char *conf = getenv("TAPHUB_CONFDIR");

	if (!conf || !*conf)
		return HUB_ARTIFACT_KEYDIR;
	snprintf(buf, len, "%s/keys", conf);
	return buf;
}

/* 1 verified, 0 not by this key, -errno when the key cannot be used. */
static int verify_with(const char *path, const void *data, size_t len, const uint8_t *sig,
		       size_t siglen, char *err, size_t errlen)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY *k;
	struct stat st;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f)
		return 0; /* vanished, or not readable by us: not a key we trust */
	if (fstat(fileno(f), &st) < 0 || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 022)) {
		fclose(f);
		snprintf(err, errlen,
			 "trusted key %s is writable by others or not owned by root: "
			 "refused",
			 path);
		return -EPERM;
	}
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		snprintf(err, errlen, "trusted key %s: not a PEM public key", path);
		return -EINVAL;
	}
	ctx = EVP_MD_CTX_new();
	r = ctx && EVP_DigestVerifyInit(ctx, NULL, key_md(k), NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

int hub_artifact_check_signature(const struct hub_artifact *a, const char *keydir, bool require,
				 char *err, size_t errlen)
{
	const uint8_t *sig;
	size_t siglen, n;
	struct dirent *de;
	int nkeys = 0, r = 0;
	char path[PATH_MAX];
	DIR *d;

	sig = hub_artifact_member(a, HUB_ARTIFACT_SIG, &siglen);
	d = opendir(keydir);
	/* no key dir is no keys; one that cannot be read is not "no keys" */
	if (!d && errno != ENOENT) {
		snprintf(err, errlen, "cannot read the trusted keys in %s: %s", keydir,
			 strerror(errno));
		return -errno;
	}
	while (d && (de = readdir(d)) && r <= 0) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".pub") || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", keydir, de->d_name) >=
		    sizeof(path))
			continue;
		if (++nkeys > MAX_KEYS) {
			snprintf(err, errlen, "more than %d trusted keys in %s", MAX_KEYS, keydir);
			r = -E2BIG;
			break;
		}
		if (!sig)
			continue;
		r = verify_with(path, a->manifest, a->manifest_len, sig, siglen, err, errlen);
		if (r < 0)
			break;
	}
	if (d)
		closedir(d);
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	if (!sig) {
		if (!require && !nkeys)
			return 0;
		snprintf(err, errlen, "artifact is not signed, and %s",
			 nkeys ? "trusted keys are configured" : "a signature is required");
		return -ENOKEY;
	}
	if (!nkeys) {
		snprintf(err, errlen,
			 "artifact is signed, but no trusted key is in %s to check it "
			 "against",
			 keydir);
		return require ? -ENOKEY : 0;
	}
	snprintf(err, errlen, "artifact's signature is not from a trusted key (%s)", keydir);
	return -EKEYREJECTED;
}
