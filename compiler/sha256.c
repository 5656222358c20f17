// SPDX-License-Identifier: MIT
/*
 * SHA-256 as specified by FIPS 180-4, used to key the compile cache.
 *
 * The state is the eight 32-bit working hash words (section 5.3.3), a count
 * of bytes hashed so far and a buffer holding the tail of the message that
 * does not yet fill a 64-byte block.  cc_sha256_update() tops up that
 * buffer, then compresses whole blocks straight from the caller's memory;
 * cc_sha256_final() appends the padding of section 5.1.1 (a 1 bit, zeros,
 * and the message length in bits as a big-endian 64-bit number) and writes
 * the hash words out big-endian.  Everything is byte-oriented, so the result
 * does not depend on host endianness or on the alignment of the input.
 */
#include <string.h>

#include "compiler/compiler.h"

/* Section 4.2.2: the first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. */
/* clang-format off */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};
/* clang-format on */

static inline uint32_t rotr(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

/* Section 4.1.2, functions (4.2) to (4.7). */
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Section 6.2.2: one 512-bit block into the hash state. */
static void compress(uint32_t h[8], const uint8_t block[64])
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (t = 16; t < 64; t++)
		w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];

	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	f = h[5];
	g = h[6];
	hh = h[7];
	for (t = 0; t < 64; t++) {
		t1 = hh + BSIG1(e) + CH(e, f, g) + K[t] + w[t];
		t2 = BSIG0(a) + MAJ(a, b, c);
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void cc_sha256_init(struct cc_sha256 *s)
{
	/* Section 5.3.3: fractional parts of the square roots of the first 8 primes. */
	/* clang-format off */
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	/* clang-format on */

	memcpy(s->h, h0, sizeof(h0));
	s->nbytes = 0;
	s->nbuf = 0;
}

void cc_sha256_update(struct cc_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	/* Also keeps a NULL data with len 0 away from memcpy(). */
	if (!len)
		return;
	s->nbytes += len;
	if (s->nbuf) {
		n = sizeof(s->buf) - s->nbuf;
		if (n > len)
			n = len;
		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += n;
		p += n;
		len -= n;
		if (s->nbuf < sizeof(s->buf))
			return;
		compress(s->h, s->buf);
		s->nbuf = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(s->h, p);
	if (len) {
		memcpy(s->buf, p, len);
		s->nbuf = len;
	}
}

void cc_sha256_final(struct cc_sha256 *s, uint8_t out[32])
{
	/* The length must be taken before the padding is fed through update. */
	uint64_t nbits = s->nbytes * 8;
	static const uint8_t pad[64] = {0x80};
	uint8_t len_be[8];
	int i;

	/* 0x80, then zeros up to 56 mod 64, leaving room for the length. */
	cc_sha256_update(s, pad, 1 + (119 - s->nbuf) % 64);
	for (i = 0; i < 8; i++)
		len_be[i] = nbits >> (56 - 8 * i);
	cc_sha256_update(s, len_be, sizeof(len_be));

	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
}

void cc_sha256_hex(const uint8_t digest[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
}
