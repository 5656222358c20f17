/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between clients (tap, tapctl, runners) and taphubd.
 *
 * Transport: a SOCK_SEQPACKET unix socket (default /run/taphub/hub.sock),
 * so every message arrives whole, with the file descriptors it carries
 * (SCM_RIGHTS: compiled objects, BPF maps).  A message is a fixed header
 * and a sequence of attributes, netlink style:
 *
 *   header   magic, version, type, total length, sequence number
 *   attr     u16 type, u16 length (of the value), value, padded to 4 bytes
 *
 * Integers are little endian.  Strings carry their NUL and must not
 * contain another.  A receiver checks the magic, the version (major must
 * match), the length against what arrived, every attribute against the
 * message end and its declared type, and the limits below — before using
 * anything.  A bad message gets an error reply and the connection closes.
 */
#ifndef TAPHUB_PROTO_H
#define TAPHUB_PROTO_H

#include <stdint.h>

#define TH_PROTO_MAGIC 0x42554854u /* "THUB" */
#define TH_PROTO_VERSION 1
#define TH_PROTO_MAX_MSG (64u << 10) /* the largest message on the socket */
#define TH_PROTO_MAX_FDS 64
#define TH_PROTO_MAX_STR 4096        /* the longest string attribute, NUL included */

struct th_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len; /* header included */
	uint32_t seq; /* chosen by the requester, echoed by the reply */
};

struct th_attr_hdr {
	uint16_t type;
	uint16_t len; /* of the value, without padding */
};

enum th_msg_type {
	TH_MSG_ERROR = 1,      /* reply: ERRNO, MESSAGE */
	TH_MSG_OK,             /* reply: attributes depend on the request */
	TH_MSG_HELLO,          /* VERSION_STR; reply: VERSION_STR, UID */
	TH_MSG_SESSION_CREATE, /* NAME, options, fds: meta, bpf.o; reply: SESSION_ID */
	TH_MSG_SESSION_STOP,   /* NAME or SESSION_ID */
	TH_MSG_LIST,           /* reply: OK, then ENTRY messages, then END */
	TH_MSG_ENTRY,          /* one row of a listing */
	TH_MSG_END,            /* end of a listing or a stream */
	TH_MSG_ATTACH,         /* NAME, CLASS?, GUEST?; reply: OK, then DATA ... */
	TH_MSG_DATA,           /* TEXT: formatted output of an attached session */
	TH_MSG_DETACH,
	TH_MSG_HOST_CREATE,    /* NAME, CLASS_SPEC... */
	TH_MSG_HOST_DESTROY,   /* NAME, FORCE? */
	TH_MSG_RUNNER,         /* SESSION_ID: become the session's runner; reply: fds of its maps */
	TH_MSG_OUTPUT,         /* TEXT from a runner into its session's output */
	TH_MSG_SWITCH,         /* NAME: switch the session's output file now */
	TH_MSG_RUNNER_READY,   /* runner: begin probes have run; attach the kernel probes */
	TH_MSG_SERVICE,        /* NAME, CONFDIR, HASH: the service runs NAME (DISCARD: no more) */
	TH_MSG__MAX,
};

enum th_attr_type {
	TH_A_ERRNO = 1,     /* u32 */
	TH_A_MESSAGE,       /* str */
	TH_A_VERSION_STR,   /* str */
	TH_A_UID,           /* u32 */
	TH_A_NAME,          /* str: session or host name */
	TH_A_SESSION_ID,    /* u64 */
	TH_A_BUFSIZE,       /* u64: bytes */
	TH_A_OUTPUT,        /* str: -o path pattern */
	TH_A_RELAY_HOST,    /* str: create this host */
	TH_A_RELAY_GUEST,   /* str: join this host */
	TH_A_CLASS,         /* str: class name (routing, filters) */
	TH_A_CLASS_SPEC,    /* str: NAME=SIZE[:overwrite|:discard] */
	TH_A_GUEST,         /* u32: guest id (filters) */
	TH_A_FORCE,         /* u32: 0/1 */
	TH_A_TEXT,          /* bytes */
	TH_A_FD_META,       /* u32: index into the message's fds */
	TH_A_FD_BPF,        /* u32: index into the message's fds */
	TH_A_TARGET_PID,    /* u64 */
	TH_A_OWNER,         /* u32: uid of a listed session */
	TH_A_STATE,         /* str: a listed session's state */
	TH_A_RECORDS,       /* u64 */
	TH_A_LOST,          /* u64 */
	TH_A_OVERWRITTEN,   /* u64 */
	TH_A_FILL,          /* u64: bytes held */
	TH_A_POLICY,        /* str: overwrite | discard */
	TH_A_KIND,          /* str: session | host | class | guest */
	TH_A_SCRIPT,        /* str: the script's name, for listings */
	TH_A_RUNNER_PID,    /* u32 */
	TH_A_ROTATE_SIZE,   /* u64: -S size in bytes */
	TH_A_ROTATE_COUNT,  /* u32: -S count */
	TH_A_FORMAT,        /* str: text | binary */
	TH_A_GID_MAP,       /* u32 pairs: global id -> fd index (runner replies) */
	TH_A_FD_GLOBALS,    /* u32: fd index of the kernel-shared scalars' map */
	TH_A_STREAM,        /* u32: 0 output, 1 messages (ERROR/WARNING lines) */
	TH_A_GUEST_ID,      /* u32: the guest a session runs as */
	TH_A_HOST,          /* str: the host a listed session/guest belongs to */
	TH_A_SUPPRESS,      /* u32: --suppress-handler-errors */
	TH_A_CLASS_ID,      /* u32 */
	TH_A_SIZE,          /* u64: class size */
	TH_A_DISCARD,       /* u32: 0/1: delete what the session or host recorded */
	TH_A_ERROR,         /* str: a session's last error (its runner's) */
	TH_A_CONFDIR,       /* str: the service layout a service script came from */
	TH_A_HASH,          /* u64: a service script's script and conf (reload compares) */
	TH_A_UPTIME,        /* u64: seconds a listed session has been running */
	TH_A_ARTIFACT,      /* str: run the installed artifact at this path (taphubusr) */
	TH_A__MAX,
};

#endif /* TAPHUB_PROTO_H */
