// SPDX-License-Identifier: MIT
/*
 * The control protocol's codec (include/taphub/proto.h): building messages,
 * sending them with their fds, receiving and validating them.
 *
 * Validation is complete before anything is used: hub_msg_decode() checks
 * the header (magic, version, type, length == bytes received), walks every
 * attribute checking it lies inside the message, that its length fits its
 * declared type (u32, u64, NUL-terminated string without inner NULs and at
 * most TH_PROTO_MAX_STR bytes, bytes), and that fd indexes point at fds that
 * really came with the message.  Unknown attribute types are errors: both
 * sides are built from one tree and a version bump covers additions.  The
 * decoder is a libFuzzer target (tests/fuzz/fuzz_proto.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "hub/hub.h"

enum akind { AK_NONE, AK_U32, AK_U64, AK_STR, AK_BYTES };

static const uint8_t attr_kind[TH_A__MAX] = {
	[TH_A_ERRNO] = AK_U32,
	[TH_A_MESSAGE] = AK_STR,
	[TH_A_VERSION_STR] = AK_STR,
	[TH_A_UID] = AK_U32,
	[TH_A_NAME] = AK_STR,
	[TH_A_SESSION_ID] = AK_U64,
	[TH_A_BUFSIZE] = AK_U64,
	[TH_A_OUTPUT] = AK_STR,
	[TH_A_RELAY_HOST] = AK_STR,
	[TH_A_RELAY_GUEST] = AK_STR,
	[TH_A_CLASS] = AK_STR,
	[TH_A_CLASS_SPEC] = AK_STR,
	[TH_A_GUEST] = AK_U32,
	[TH_A_FORCE] = AK_U32,
	[TH_A_TEXT] = AK_BYTES,
	[TH_A_FD_META] = AK_U32,
	[TH_A_FD_BPF] = AK_U32,
	[TH_A_TARGET_PID] = AK_U64,
	[TH_A_OWNER] = AK_U32,
	[TH_A_STATE] = AK_STR,
	[TH_A_RECORDS] = AK_U64,
	[TH_A_LOST] = AK_U64,
	[TH_A_OVERWRITTEN] = AK_U64,
	[TH_A_FILL] = AK_U64,
	[TH_A_POLICY] = AK_STR,
	[TH_A_KIND] = AK_STR,
	[TH_A_SCRIPT] = AK_STR,
	[TH_A_RUNNER_PID] = AK_U32,
	[TH_A_ROTATE_SIZE] = AK_U64,
	[TH_A_ROTATE_COUNT] = AK_U32,
	[TH_A_FORMAT] = AK_STR,
	[TH_A_GID_MAP] = AK_BYTES,
	[TH_A_FD_GLOBALS] = AK_U32,
	[TH_A_STREAM] = AK_U32,
	[TH_A_GUEST_ID] = AK_U32,
	[TH_A_HOST] = AK_STR,
	[TH_A_SUPPRESS] = AK_U32,
	[TH_A_CLASS_ID] = AK_U32,
	[TH_A_SIZE] = AK_U64,
	[TH_A_DISCARD] = AK_U32,
	[TH_A_ERROR] = AK_STR,
	[TH_A_CONFDIR] = AK_STR,
	[TH_A_HASH] = AK_U64,
	[TH_A_UPTIME] = AK_U64,
	[TH_A_ARTIFACT] = AK_STR,
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- building ------------------------------------------------------------ */

int hub_msg_init(struct hub_msg *m, int type, uint32_t seq)
{
	struct th_msg_hdr h = {
		.magic = TH_PROTO_MAGIC,
		.version = TH_PROTO_VERSION,
		.type = (uint16_t)type,
		.len = sizeof(h),
		.seq = seq,
	};

	memset(m, 0, sizeof(*m));
	memcpy(m->buf, &h, sizeof(h));
	m->len = sizeof(h);
	return 0;
}

int hub_msg_put(struct hub_msg *m, int attr, const void *v, size_t n)
{
	struct th_attr_hdr a = { .type = (uint16_t)attr, .len = (uint16_t)n };
	struct th_msg_hdr *h = (struct th_msg_hdr *)m->buf;

	if (n > UINT16_MAX || m->len + sizeof(a) + pad4(n) > TH_PROTO_MAX_MSG)
		return -EMSGSIZE;
	memcpy(m->buf + m->len, &a, sizeof(a));
	memcpy(m->buf + m->len + sizeof(a), v, n);
	memset(m->buf + m->len + sizeof(a) + n, 0, pad4(n) - n);
	m->len += sizeof(a) + pad4(n);
	h->len = (uint32_t)m->len;
	return 0;
}

int hub_msg_put_u32(struct hub_msg *m, int attr, uint32_t v)
{
	return hub_msg_put(m, attr, &v, sizeof(v));
}

int hub_msg_put_u64(struct hub_msg *m, int attr, uint64_t v)
{
	return hub_msg_put(m, attr, &v, sizeof(v));
}

int hub_msg_put_str(struct hub_msg *m, int attr, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > TH_PROTO_MAX_STR)
		return -ENAMETOOLONG;
	return hub_msg_put(m, attr, s, n);
}

/* The fd travels with the message; the attribute holds its index. */
int hub_msg_put_fd(struct hub_msg *m, int attr, int fd)
{
	if (m->nfds == TH_PROTO_MAX_FDS)
		return -EMFILE;
	m->fds[m->nfds] = fd;
	return hub_msg_put_u32(m, attr, (uint32_t)m->nfds++);
}

int hub_msg_send(int sock, const struct hub_msg *m)
{
	struct iovec iov = { .iov_base = (void *)m->buf, .iov_len = m->len };
	char cbuf[CMSG_SPACE(sizeof(int) * TH_PROTO_MAX_FDS)];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (m->nfds) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)m->nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)m->nfds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * (size_t)m->nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == m->len ? 0 : -EMSGSIZE;
}

/* ---- receiving ------------------------------------------------------------- */

int hub_msg_decode(const uint8_t *data, size_t len, int nfds, struct hub_req *r, char *err,
		   size_t errlen)
{
	struct th_msg_hdr h;
	size_t off;

	memset(r->attrs, 0, sizeof(r->attrs));
	r->nrep = 0;
	if (len < sizeof(h))
		return fail(err, errlen, -EBADMSG, "message shorter than its header (%zu bytes)", len);
	memcpy(&h, data, sizeof(h));
	if (h.magic != TH_PROTO_MAGIC)
		return fail(err, errlen, -EBADMSG, "not a taphub message (bad magic)");
	if (h.version != TH_PROTO_VERSION)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "protocol version %u, this hub speaks %u", h.version, TH_PROTO_VERSION);
	if (h.type == 0 || h.type >= TH_MSG__MAX)
		return fail(err, errlen, -EBADMSG, "unknown message type %u", h.type);
	if (h.len != len)
		return fail(err, errlen, -EBADMSG, "message says %u bytes, %zu arrived", h.len, len);
	r->h = h;
	for (off = sizeof(h); off < len;) {
		struct th_attr_hdr a;
		const uint8_t *v;
		int kind;

		if (len - off < sizeof(a))
			return fail(err, errlen, -EBADMSG, "truncated attribute at byte %zu", off);
		memcpy(&a, data + off, sizeof(a));
		v = data + off + sizeof(a);
		if (a.len > len - off - sizeof(a))
			return fail(err, errlen, -EBADMSG, "attribute %u runs past the message end",
				    a.type);
		kind = a.type > 0 && a.type < TH_A__MAX ? attr_kind[a.type] : AK_NONE;
		switch (kind) {
		case AK_U32:
			if (a.len != 4)
				return fail(err, errlen, -EBADMSG, "attribute %u: expected 4 bytes",
					    a.type);
			break;
		case AK_U64:
			if (a.len != 8)
				return fail(err, errlen, -EBADMSG, "attribute %u: expected 8 bytes",
					    a.type);
			break;
		case AK_STR:
			if (!a.len || a.len > TH_PROTO_MAX_STR || v[a.len - 1] != 0 ||
			    memchr(v, 0, a.len) != v + a.len - 1)
				return fail(err, errlen, -EBADMSG,
					    "attribute %u: not a NUL-terminated string", a.type);
			break;
		case AK_BYTES:
			break;
		default:
			return fail(err, errlen, -EBADMSG, "unknown attribute type %u", a.type);
		}
		if (a.type == TH_A_FD_META || a.type == TH_A_FD_BPF || a.type == TH_A_FD_GLOBALS) {
			uint32_t idx;

			memcpy(&idx, v, 4);
			if (idx >= (uint32_t)nfds)
				return fail(err, errlen, -EBADMSG,
					    "attribute %u names fd %u, %d came with the message",
					    a.type, idx, nfds);
		}
		r->attrs[a.type].v = v;
		r->attrs[a.type].len = a.len;
		r->attrs[a.type].present = true;
		if (r->nrep < HUB_MAX_REPEAT) {
			r->rep[r->nrep].type = a.type;
			r->rep[r->nrep].v = v;
			r->rep[r->nrep].len = a.len;
			r->nrep++;
		} else {
			return fail(err, errlen, -E2BIG, "more than %d attributes", HUB_MAX_REPEAT);
		}
		off += sizeof(a) + pad4(a.len);
		if (off > len)
			off = len; /* the last attribute's padding may be omitted */
	}
	return 0;
}

void hub_req_close_fds(struct hub_req *r)
{
	int i;

	for (i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->nfds = 0;
}

int hub_msg_recv(int sock, struct hub_req *r, char *err, size_t errlen)
{
	char cbuf[CMSG_SPACE(sizeof(int) * TH_PROTO_MAX_FDS)];
	struct iovec iov = { .iov_base = r->buf, .iov_len = sizeof(r->buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int e;

	r->nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)), i;
			int fds[TH_PROTO_MAX_FDS];

			if (k > TH_PROTO_MAX_FDS)
				k = TH_PROTO_MAX_FDS;
			memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)k);
			for (i = 0; i < k; i++) {
				if (r->nfds < TH_PROTO_MAX_FDS)
					r->fds[r->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	if (n == 0) {
		hub_req_close_fds(r);
		return -ECONNRESET;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		hub_req_close_fds(r);
		return fail(err, errlen, -EMSGSIZE, "message larger than %u bytes or too many fds",
			    TH_PROTO_MAX_MSG);
	}
	e = hub_msg_decode(r->buf, (size_t)n, r->nfds, r, err, errlen);
	if (e)
		hub_req_close_fds(r);
	return e;
}

/* ---- reading a decoded message ----------------------------------------------------- */

bool hub_req_has(const struct hub_req *r, int attr)
{
	return attr > 0 && attr < TH_A__MAX && r->attrs[attr].present;
}

bool hub_req_u32(const struct hub_req *r, int attr, uint32_t *out)
{
	if (!hub_req_has(r, attr) || attr_kind[attr] != AK_U32)
		return false;
	memcpy(out, r->attrs[attr].v, 4);
	return true;
}

bool hub_req_u64(const struct hub_req *r, int attr, uint64_t *out)
{
	if (!hub_req_has(r, attr) || attr_kind[attr] != AK_U64)
		return false;
	memcpy(out, r->attrs[attr].v, 8);
	return true;
}

const char *hub_req_str(const struct hub_req *r, int attr)
{
	if (!hub_req_has(r, attr) || attr_kind[attr] != AK_STR)
		return NULL;
	return (const char *)r->attrs[attr].v;
}

const void *hub_req_bytes(const struct hub_req *r, int attr, size_t *len)
{
	if (!hub_req_has(r, attr))
		return NULL;
	*len = r->attrs[attr].len;
	return r->attrs[attr].v;
}

int hub_req_take_fd(struct hub_req *r, int attr)
{
	uint32_t idx;
	int fd;

	if (!hub_req_u32(r, attr, &idx) || idx >= (uint32_t)r->nfds)
		return -EBADF;
	fd = r->fds[idx];
	r->fds[idx] = -1;
	return fd < 0 ? -EBADF : fd;
}

int hub_reply_error(int sock, uint32_t seq, int errnum, const char *fmt, ...)
{
	struct hub_msg *m = malloc(sizeof(*m));
	char text[512];
	va_list ap;
	int r;

	if (!m)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	hub_msg_init(m, TH_MSG_ERROR, seq);
	hub_msg_put_u32(m, TH_A_ERRNO, (uint32_t)errnum);
	hub_msg_put_str(m, TH_A_MESSAGE, text);
	r = hub_msg_send(sock, m);
	free(m);
	return r;
}
