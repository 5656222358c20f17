// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/artifact.c and hub/artifact_sign.c: an artifact packs
 * and parses back; every single flipped byte of a small one is refused
 * (each is covered by some hash or bound); each malformed header, member
 * table and manifest is refused with -EINVAL/-EBADMSG and a line; members
 * extract into a directory; signatures made with Ed25519 and RSA keys
 * verify against the trusted key directory and fail against others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/hub.h"
#include "hub/artifact.h"

static const char meta[] = "taphub-guest 1\nend\n";
static const char obj[] = "\177ELF pretend object";

/* The manifest a writer would make for the two members above. */
static char *manifest_for(const char *extra)
{
	char h1[65], h2[65], *m;
	uint8_t d[32];

	hub_artifact_sha256(meta, sizeof(meta) - 1, d);
	hub_artifact_hex(d, h1);
	hub_artifact_sha256(obj, sizeof(obj) - 1, d);
	hub_artifact_hex(d, h2);
	assert_true(asprintf(&m,
			     "taphub-artifact 1\nname t\narch x86_64 62\nmember guest.meta %s\n"
			     "member guest.bpf.o %s\n%s",
			     h1, h2, extra) > 0);
	return m;
}

static int pack(const char *manifest, uint8_t **ret, size_t *len)
{
	struct hub_artifact_blob b[] = {
	    {"manifest", manifest, strlen(manifest)},
	    {"guest.meta", meta, sizeof(meta) - 1},
	    {"guest.bpf.o", obj, sizeof(obj) - 1},
	};

	return hub_artifact_pack(b, 3, ret, len);
}

static int parse(const uint8_t *d, size_t len, char *err, size_t errlen)
{
	struct hub_artifact *a = NULL;
	int r = hub_artifact_parse(d, len, &a, err, errlen);

	hub_artifact_free(a);
	return r;
}

static void test_roundtrip(void **state)
{
	char *m = manifest_for("needs tracepoint sched:sched_switch for x\n");
	struct hub_artifact *a;
	const char *k, *v;
	char err[256];
	uint8_t *d;
	size_t len, n;
	const void *p;

	assert_int_equal(pack(m, &d, &len), 0);
	assert_int_equal(hub_artifact_parse(d, len, &a, err, sizeof(err)), 0);
	assert_string_equal(hub_artifact_get(a, "name"), "t");
	assert_string_equal(hub_artifact_get(a, "needs"), "tracepoint sched:sched_switch for x");
	assert_null(hub_artifact_get(a, "nothing"));
	assert_int_equal(hub_artifact_line(a, 0, &k, &v), 0);
	assert_string_equal(k, "taphub-artifact");
	assert_int_equal(hub_artifact_line(a, 6, &k, &v), -ENOENT);
	p = hub_artifact_member(a, "guest.bpf.o", &n);
	assert_non_null(p);
	assert_int_equal(n, sizeof(obj) - 1);
	assert_memory_equal(p, obj, n);
	assert_null(hub_artifact_member(a, "guest.so", NULL));
	assert_int_equal(strlen(hub_artifact_digest(a)), 64);
	hub_artifact_free(a);
	free(d);
	free(m);
}

/* Every byte is under a hash or a checked bound: no flip goes unseen. */
static void test_every_flip_refused(void **state)
{
	char *m = manifest_for("");
	char err[256];
	uint8_t *d;
	size_t len, i;
	int bit;

	assert_int_equal(pack(m, &d, &len), 0);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit += 7) {
			d[i] ^= (uint8_t)(1u << bit);
			if (parse(d, len, err, sizeof(err)) == 0)
				fail_msg("flipping bit %d of byte %zu went unseen", bit, i);
			assert_non_null(strchr(err, ' '));
			assert_null(strchr(err, '\n'));
			d[i] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(parse(d, len, err, sizeof(err)), 0);
	free(d);
	free(m);
}

static void test_truncated(void **state)
{
	char *m = manifest_for("");
	char err[256];
	uint8_t *d;
	size_t len, i;

	assert_int_equal(pack(m, &d, &len), 0);
	for (i = 0; i < len; i++)
		assert_int_not_equal(parse(d, i, err, sizeof(err)), 0);
	free(d);
	free(m);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

/* Rewrite the table hash after an edit of the table: only the edit is judged. */
static void rehash_table(uint8_t *d, int n)
{
	hub_artifact_sha256(d + HUB_ARTIFACT_HEADER_SIZE, (size_t)n * HUB_ARTIFACT_ENTRY_SIZE,
			    d + 32);
}

static void test_bad_table(void **state)
{
	char *m = manifest_for("");
	uint8_t *d, *c;
	size_t len;
	char err[256];
	uint8_t *e1, *e2;

	assert_int_equal(pack(m, &d, &len), 0);
	c = malloc(len);
	e1 = c + HUB_ARTIFACT_HEADER_SIZE + HUB_ARTIFACT_ENTRY_SIZE;
	e2 = e1 + HUB_ARTIFACT_ENTRY_SIZE;

	/* a member past the end of the file */
	memcpy(c, d, len);
	put64(e2 + 40, len);
	rehash_table(c, 3);
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outside the file"));
	/* misaligned */
	memcpy(c, d, len);
	put64(e1 + 32, le64toh(*(uint64_t *)(e1 + 32)) + 1);
	rehash_table(c, 3);
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	/* overlapping the one before */
	memcpy(c, d, len);
	memcpy(e2 + 32, e1 + 32, 8);
	rehash_table(c, 3);
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	/* an unknown name, and two in the wrong order */
	memcpy(c, d, len);
	memcpy(e1, "guest.evil", 11);
	rehash_table(c, 3);
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown, repeated or out of order"));
	memcpy(c, d, len);
	memcpy(e1, "guest.bpf.o", 12);
	memcpy(e2, "guest.meta\0", 12);
	rehash_table(c, 3);
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	/* no members, too many members */
	memcpy(c, d, len);
	c[16] = 0;
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	memcpy(c, d, len);
	c[16] = 200;
	assert_int_equal(parse(c, len, err, sizeof(err)), -EINVAL);
	/* another version */
	memcpy(c, d, len);
	c[8] = 2;
	assert_int_equal(parse(c, len, err, sizeof(err)), -EPROTONOSUPPORT);
	free(c);
	free(d);
	free(m);
}

static void expect_manifest_refused(const char *manifest, int want, const char *msg)
{
	char err[256];
	uint8_t *d;
	size_t len;

	assert_int_equal(pack(manifest, &d, &len), 0);
	assert_int_equal(parse(d, len, err, sizeof(err)), want);
	if (!strstr(err, msg))
		fail_msg("expected '%s' in '%s'", msg, err);
	free(d);
}

static void test_bad_manifest(void **state)
{
	char *m = manifest_for(""), *n;
	char *lines;
	size_t i;

	expect_manifest_refused("taphub-artifact 2\n", -EINVAL, "taphub-artifact 1");
	expect_manifest_refused("", -EINVAL, "newline");
	n = strdup(m);
	n[strlen(n) - 1] = 0;
	expect_manifest_refused(n, -EINVAL, "newline");
	free(n);
	assert_true(asprintf(&n, "%sbadline\n", m) > 0);
	expect_manifest_refused(n, -EINVAL, "KEY VALUE");
	free(n);
	/* a member the manifest does not vouch for, and one it names but lacks */
	n = strdup(m);
	*strstr(n, "member guest.bpf.o") = 'x';
	expect_manifest_refused(n, -EBADMSG, "guest.bpf.o does not match the manifest");
	free(n);
	assert_true(asprintf(&n, "%smember guest.so 00\n", m) > 0);
	expect_manifest_refused(n, -EBADMSG, "does not hold");
	free(n);
	lines = malloc(HUB_ARTIFACT_MAX_LINES * 4 + 1);
	for (i = 0; i < HUB_ARTIFACT_MAX_LINES; i++)
		memcpy(lines + 4 * i, "a b\n", 4);
	lines[4 * i] = 0;
	assert_true(asprintf(&n, "%s%s", m, lines) > 0);
	expect_manifest_refused(n, -E2BIG, "lines");
	free(n);
	free(lines);
	free(m);
}

static void test_extract(void **state)
{
	char *m = manifest_for(""), dir[] = "/tmp/test-artifact.XXXXXX", path[256], buf[64];
	struct hub_artifact *a;
	char err[256];
	uint8_t *d;
	size_t len;
	int fd;
	ssize_t n;

	assert_int_equal(pack(m, &d, &len), 0);
	assert_int_equal(hub_artifact_parse(d, len, &a, err, sizeof(err)), 0);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hub_artifact_extract(a, dir, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/guest.meta", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, sizeof(meta) - 1);
	assert_memory_equal(buf, meta, (size_t)n);
	/* no overwriting what is there */
	assert_int_equal(hub_artifact_extract(a, dir, err, sizeof(err)), -EEXIST);
	unlink(path);
	snprintf(path, sizeof(path), "%s/guest.bpf.o", dir);
	unlink(path);
	rmdir(dir);
	hub_artifact_free(a);
	free(d);
	free(m);
}

/* A key pair of type (ED25519, RSA) as PEM files: priv and dir/name.pub */
static void make_key(const char *type, const char *priv, const char *pub)
{
	EVP_PKEY *k = strcmp(type, "RSA") ? EVP_PKEY_Q_keygen(NULL, NULL, type)
					  : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	FILE *f;

	assert_non_null(k);
	f = fopen(priv, "w");
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	f = fopen(pub, "w");
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	chmod(pub, 0644);
	EVP_PKEY_free(k);
}

static int signed_artifact(const char *m, const char *key, struct hub_artifact **a)
{
	struct hub_artifact_blob b[] = {
	    {"manifest", m, strlen(m)},
	    {"guest.meta", meta, sizeof(meta) - 1},
	    {"guest.bpf.o", obj, sizeof(obj) - 1},
	    {"manifest.sig", NULL, 0},
	};
	uint8_t *sig = NULL, *d;
	size_t siglen, len;
	char err[256];
	int r;

	assert_int_equal(hub_artifact_sign(m, strlen(m), key, &sig, &siglen, err, sizeof(err)), 0);
	b[3].data = sig;
	b[3].size = siglen;
	assert_int_equal(hub_artifact_pack(b, 4, &d, &len), 0);
	r = hub_artifact_parse(d, len, a, err, sizeof(err));
	free(d);
	free(sig);
	return r;
}

static void test_signatures(void **state)
{
	char dir[] = "/tmp/test-artifact-keys.XXXXXX", keys[128], p[256];
	char ed[256], rsa[256], other[256], edpub[256], rsapub[256], otherpub[256];
	char *m = manifest_for("");
	struct hub_artifact *a, *b, *u;
	char err[256];
	uint8_t *d;
	size_t len;

	assert_non_null(mkdtemp(dir));
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	mkdir(keys, 0755);
	snprintf(ed, sizeof(ed), "%s/ed.pem", dir);
	snprintf(rsa, sizeof(rsa), "%s/rsa.pem", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	snprintf(edpub, sizeof(edpub), "%s/ed.pub", keys);
	snprintf(rsapub, sizeof(rsapub), "%s/rsa.pub", keys);
	snprintf(otherpub, sizeof(otherpub), "%s/other.pub", dir); /* not trusted */
	make_key("ED25519", ed, edpub);
	make_key("RSA", rsa, rsapub);
	make_key("ED25519", other, otherpub);

	assert_int_equal(signed_artifact(m, ed, &a), 0);
	assert_int_equal(hub_artifact_check_signature(a, keys, true, err, sizeof(err)), 0);
	assert_int_equal(signed_artifact(m, rsa, &b), 0);
	assert_int_equal(hub_artifact_check_signature(b, keys, true, err, sizeof(err)), 0);
	hub_artifact_free(b);
	assert_int_equal(signed_artifact(m, other, &b), 0);
	assert_int_equal(hub_artifact_check_signature(b, keys, false, err, sizeof(err)),
			 -EKEYREJECTED);
	assert_non_null(strstr(err, "not from a trusted key"));

	/* unsigned: fine with no keys and no requirement, refused otherwise */
	assert_int_equal(pack(m, &d, &len), 0);
	assert_int_equal(hub_artifact_parse(d, len, &u, err, sizeof(err)), 0);
	assert_int_equal(hub_artifact_check_signature(u, "/nonexistent", false, err, sizeof(err)),
			 0);
	assert_int_equal(hub_artifact_check_signature(u, "/nonexistent", true, err, sizeof(err)),
			 -ENOKEY);
	assert_int_equal(hub_artifact_check_signature(u, keys, false, err, sizeof(err)), -ENOKEY);
	/* signed, no key to check it: accepted unless required */
	assert_int_equal(hub_artifact_check_signature(a, "/nonexistent", false, err, sizeof(err)),
			 0);
	assert_int_equal(hub_artifact_check_signature(a, "/nonexistent", true, err, sizeof(err)),
			 -ENOKEY);
	/* a trusted key others may write is no trust at all */
	chmod(edpub, 0666);
	assert_int_equal(hub_artifact_check_signature(a, keys, false, err, sizeof(err)), -EPERM);
	chmod(edpub, 0644);
	/* a private key that is not one */
	assert_int_not_equal(hub_artifact_sign("x", 1, edpub, &d, &len, err, sizeof(err)), 0);

	hub_artifact_free(a);
	hub_artifact_free(b);
	hub_artifact_free(u);
	free(d);
	free(m);
	unlink(ed);
	unlink(rsa);
	unlink(other);
	unlink(edpub);
	unlink(rsapub);
	unlink(otherpub);
	rmdir(keys);
	rmdir(dir);
	(void)p;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),	 cmocka_unit_test(test_every_flip_refused),
	    cmocka_unit_test(test_truncated),	 cmocka_unit_test(test_bad_table),
	    cmocka_unit_test(test_bad_manifest), cmocka_unit_test(test_extract),
	    cmocka_unit_test(test_signatures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
