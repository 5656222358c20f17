// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the hub's control message decoder (hub/proto.c), which
 * sees every byte a client sends before anything else does.  The input is
 * one message; the first byte (mod 4) is how many fds "came with it", so
 * the fd-index checks are exercised too.  Every accessor is then run over
 * whatever the decoder accepted, as the daemon would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hub_req r;
	char err[256];
	int nfds, a, i;

	if (!size || size > TH_PROTO_MAX_MSG + 1)
		return 0;
	nfds = data[0] % 4;
	if (hub_msg_decode(data + 1, size - 1, nfds, &r, err, sizeof(err)))
		return 0;
	/* no real fds: mark them closed so nothing is taken */
	r.nfds = 0;
	for (a = 1; a < TH_A__MAX; a++) {
		uint32_t u32;
		uint64_t u64;
		size_t n;
		const char *s = hub_req_str(&r, a);

		if (s && strlen(s) >= TH_PROTO_MAX_STR)
			abort();
		hub_req_u32(&r, a, &u32);
		hub_req_u64(&r, a, &u64);
		hub_req_bytes(&r, a, &n);
	}
	for (i = 0; i < r.nrep; i++)
		if (r.rep[i].v < data || r.rep[i].v + r.rep[i].len > data + size)
			abort();
	return 0;
}
