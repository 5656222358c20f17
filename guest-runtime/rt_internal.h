/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime's private state (struct grt_rt), shared by the files
 * that make up the runtime: rt.c (records, user probes, context values)
 * and globals.c (arrays, aggregates, auto-printing).  Not a public header:
 * only guest-runtime/ includes it.
 */
#ifndef GRT_RT_INTERNAL_H
#define GRT_RT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-runtime/grt.h"
#include "guest-runtime/grt_user.h"
#include "guest-runtime/fmt_cache.h"

#define OUT_FLUSH_BYTES (64u << 10)
/* system()/printk() requests one user probe run may queue (MAXACTION bounds loops) */
#define MAX_ACTIONS 1024

/* A request of a user probe, done once the probe has returned. */
struct action {
	int kind;   /* TH_FMT_SYSTEM, TH_FMT_PRINTK, TH_FMT_SWITCH */
	char *text; /* the command, or the kmsg line */
};

struct grt_rt {
	struct grt_rt_opts o;
	const struct grt_meta *meta;
	const struct grt_guest_desc *desc;
	struct grt_assoc **uarr; /* per gid: user-only arrays */
	int64_t **ustat;         /* per gid: user-only scalar aggregates */
	struct grt_buf out;
	struct grt_fmt_cache fmts; /* printf formats of the user side, compiled once */
	bool exit_req;
	bool error_stop; /* errors exceeded MAXERRORS: error probes replace end */
	int64_t errors;
	int64_t bad_records; /* records that did not parse */
	uint64_t rand;
	struct th_probe_timing *timing; /* tap -t: per desc->probes index */
	char *line;      /* input.line: the line read so far (MAXSTRINGLEN bytes) */
	size_t line_len;
	bool input_done; /* stdin ended */
	struct grt_tokenizer tok;
	struct action acts[MAX_ACTIONS];
	int nacts;
	bool acts_dropped; /* said once: more requests than MAX_ACTIONS in one run */
	struct grt_kread *kread; /* kernel reads of user-context code (kread.c), made on first use */
};

void grt_kread_free(struct grt_kread *k);

static inline void flush(struct grt_rt *rt)
{
	if (rt->out.len) {
		rt->o.write(rt->o.arg, GRT_OUT, rt->out.data, rt->out.len);
		grt_buf_reset(&rt->out);
	}
}

static inline void maybe_flush(struct grt_rt *rt)
{
	if (rt->out.len >= OUT_FLUSH_BYTES)
		flush(rt);
}

static inline const struct grt_meta_global *global(struct grt_rt *rt, int gid)
{
	return gid >= 0 && gid < rt->meta->nglobals ? &rt->meta->globals[gid] : NULL;
}

#endif /* GRT_RT_INTERNAL_H */
