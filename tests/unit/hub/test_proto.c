// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/proto.c: messages round-trip over a real
 * SOCK_SEQPACKET socketpair with their fds, and every kind of malformed
 * message is refused with a reason before anything in it is used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "hub/hub.h"

static struct hub_msg *new_msg(int type, uint32_t seq)
{
	struct hub_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	hub_msg_init(m, type, seq);
	return m;
}

static void roundtrip_with_fds(void **state)
{
	struct hub_msg *m = new_msg(TH_MSG_SESSION_CREATE, 42);
	struct hub_req *r = malloc(sizeof(*r));
	int sp[2], p[2];
	uint64_t v64;
	uint32_t v32;
	char err[256], buf[8] = "";
	int fd;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(hub_msg_put_str(m, TH_A_NAME, "flight"), 0);
	assert_int_equal(hub_msg_put_u64(m, TH_A_BUFSIZE, 128ull << 20), 0);
	assert_int_equal(hub_msg_put_str(m, TH_A_CLASS_SPEC, "rare=1M:discard"), 0);
	assert_int_equal(hub_msg_put_str(m, TH_A_CLASS_SPEC, "bulk=64M:overwrite"), 0);
	assert_int_equal(hub_msg_put_fd(m, TH_A_FD_META, p[0]), 0);
	assert_int_equal(hub_msg_send(sp[0], m), 0);
	assert_int_equal(hub_msg_recv(sp[1], r, err, sizeof(err)), 0);
	assert_int_equal(r->h.type, TH_MSG_SESSION_CREATE);
	assert_int_equal(r->h.seq, 42);
	assert_string_equal(hub_req_str(r, TH_A_NAME), "flight");
	assert_true(hub_req_u64(r, TH_A_BUFSIZE, &v64));
	assert_int_equal(v64, 128ull << 20);
	assert_false(hub_req_u32(r, TH_A_BUFSIZE, &v32)); /* wrong width asked */
	assert_null(hub_req_str(r, TH_A_OUTPUT));
	/* repeated attributes keep their order */
	assert_int_equal(r->nrep, 5);
	assert_int_equal(r->rep[2].type, TH_A_CLASS_SPEC);
	assert_string_equal((const char *)r->rep[2].v, "rare=1M:discard");
	assert_string_equal((const char *)r->rep[3].v, "bulk=64M:overwrite");
	/* the fd that arrived is the pipe's read end */
	fd = hub_req_take_fd(r, TH_A_FD_META);
	assert_true(fd >= 0);
	assert_int_equal(write(p[1], "ok", 2), 2);
	assert_int_equal(read(fd, buf, 2), 2);
	assert_string_equal(buf, "ok");
	assert_int_equal(hub_req_take_fd(r, TH_A_FD_META), -EBADF); /* taken once */
	close(fd);
	hub_req_close_fds(r);
	close(p[0]);
	close(p[1]);
	close(sp[0]);
	close(sp[1]);
	free(m);
	free(r);
}

static int decode(const void *data, size_t len, int nfds, char *err)
{
	struct hub_req *r = malloc(sizeof(*r));
	int e;

	assert_non_null(r);
	e = hub_msg_decode(data, len, nfds, r, err, 256);
	free(r);
	return e;
}

static void refuses_malformed(void **state)
{
	struct hub_msg *m = new_msg(TH_MSG_HELLO, 1);
	struct th_msg_hdr *h = (struct th_msg_hdr *)m->buf;
	uint8_t bad[64];
	char err[256];

	hub_msg_put_str(m, TH_A_VERSION_STR, "1");
	assert_int_equal(decode(m->buf, m->len, 0, err), 0);

	assert_int_equal(decode(m->buf, 10, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "shorter than its header"));

	memcpy(bad, m->buf, m->len);
	((struct th_msg_hdr *)bad)->magic = 0x12345678;
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "magic"));

	memcpy(bad, m->buf, m->len);
	((struct th_msg_hdr *)bad)->version = 99;
	assert_int_equal(decode(bad, m->len, 0, err), -EPROTONOSUPPORT);

	memcpy(bad, m->buf, m->len);
	((struct th_msg_hdr *)bad)->type = 999;
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "unknown message type"));

	/* length field disagrees with what arrived */
	memcpy(bad, m->buf, m->len);
	((struct th_msg_hdr *)bad)->len = (uint32_t)m->len + 4;
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);

	/* an attribute longer than the message */
	memcpy(bad, m->buf, m->len);
	((struct th_attr_hdr *)(bad + sizeof(*h)))->len = 200;
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "past the message end"));

	/* a string without its NUL */
	memcpy(bad, m->buf, m->len);
	bad[sizeof(*h) + sizeof(struct th_attr_hdr) + 1] = 'x';
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "NUL-terminated"));

	/* an unknown attribute type */
	memcpy(bad, m->buf, m->len);
	((struct th_attr_hdr *)(bad + sizeof(*h)))->type = 500;
	assert_int_equal(decode(bad, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "unknown attribute"));
	free(m);
}

static void refuses_wrong_widths_and_fd_indexes(void **state)
{
	struct hub_msg *m = new_msg(TH_MSG_SESSION_CREATE, 1);
	char err[256];
	uint8_t two[2] = { 1, 2 };

	hub_msg_put(m, TH_A_SESSION_ID, two, 2); /* a u64 of 2 bytes */
	assert_int_equal(decode(m->buf, m->len, 0, err), -EBADMSG);
	assert_non_null(strstr(err, "expected 8 bytes"));
	free(m);

	m = new_msg(TH_MSG_SESSION_CREATE, 1);
	hub_msg_put_u32(m, TH_A_FD_BPF, 3);
	assert_int_equal(decode(m->buf, m->len, 2, err), -EBADMSG);
	assert_non_null(strstr(err, "names fd 3"));
	free(m);
}

static void building_is_bounded(void **state)
{
	struct hub_msg *m = new_msg(TH_MSG_OUTPUT, 1);
	char *big = malloc(TH_PROTO_MAX_STR + 10);
	int i, r = 0;

	memset(big, 'a', TH_PROTO_MAX_STR + 9);
	big[TH_PROTO_MAX_STR + 9] = 0;
	assert_int_equal(hub_msg_put_str(m, TH_A_NAME, big), -ENAMETOOLONG);
	/* fill up: the builder refuses rather than overflow */
	for (i = 0; i < 100 && !r; i++)
		r = hub_msg_put(m, TH_A_TEXT, big, 4000);
	assert_int_equal(r, -EMSGSIZE);
	assert_true(m->len <= TH_PROTO_MAX_MSG);
	for (i = 0; i < TH_PROTO_MAX_FDS; i++)
		assert_int_equal(hub_msg_put_fd(m, TH_A_FD_META, 0), 0);
	assert_int_equal(hub_msg_put_fd(m, TH_A_FD_META, 0), -EMFILE);
	free(big);
	free(m);
}

static void eof_and_truncation(void **state)
{
	struct hub_req *r = malloc(sizeof(*r));
	int sp[2];
	char err[256];
	uint8_t junk[16] = { 0 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(send(sp[0], junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_int_equal(hub_msg_recv(sp[1], r, err, sizeof(err)), -EBADMSG);
	close(sp[0]);
	assert_int_equal(hub_msg_recv(sp[1], r, err, sizeof(err)), -ECONNRESET);
	close(sp[1]);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_with_fds),
		cmocka_unit_test(refuses_malformed),
		cmocka_unit_test(refuses_wrong_widths_and_fd_indexes),
		cmocka_unit_test(building_is_bounded),
		cmocka_unit_test(eof_and_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
