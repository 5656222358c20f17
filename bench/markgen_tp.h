/* SPDX-License-Identifier: MIT */
/*
 * The LTTng-UST tracepoint bench/markgen.c hits when built with
 * -DMARKGEN_LTTNG: bench:hit with two integer fields, the payload of the
 * taphub marker it is compared with.
 */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER bench

#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./markgen_tp.h"

#if !defined(MARKGEN_TP_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define MARKGEN_TP_H

#include <lttng/tracepoint.h>

TRACEPOINT_EVENT(bench, hit, TP_ARGS(long, a, long, b),
		 TP_FIELDS(ctf_integer(long, a, a) ctf_integer(long, b, b)))

#endif

#include <lttng/tracepoint-event.h>
