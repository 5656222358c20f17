/* SPDX-License-Identifier: MIT */
/*
 * =~ and !~ in kernel probes: a walk of a regular expression's DFA over
 * the bytes of a string, included by grt_bpf.h.
 *
 * The generated code defines the tables before it includes grt_bpf.h
 * (compiler/regex.c, cc_regex_emit_bpf): every regex of the kernel probes
 * in one set of read-only arrays, in .rodata, with their sizes as
 * constants so each index is checked against a constant the verifier
 * knows:
 *
 *   th_re_cls[TH_RE_NCLS]      byte -> class, 256 entries per regex
 *   th_re_flags[TH_RE_NSTATES] GRT_RE_ACCEPT / _ACCEPT_END / _DEAD per state
 *   th_re_row[TH_RE_NSTATES]   where a state's row starts in th_re_next
 *   th_re_next[TH_RE_NNEXT]    next state, numbered within its regex
 *
 * A regex's states start at its TH_RE<id>_BASE, its class map at
 * TH_RE<id>_CLS; its start state is 0.  The walk is one bpf_loop() step
 * per byte (state = next[row[state] + cls[byte]]), so the verifier checks
 * the step once, whatever the string's length, and a match site costs a
 * few dozen verified instructions.  It stops at the NUL, at an accepting
 * state (the DFA searches, so a match anywhere is a yes) or at a state
 * from which no match can come.
 */
#ifndef GRT_BPF_REGEX_H
#define GRT_BPF_REGEX_H

#ifdef TH_RE_NSTATES

/* must agree with enum grt_re_flag (guest-runtime/grt.h) */
#define TH_RE_ACCEPT 1
#define TH_RE_ACCEPT_END 2
#define TH_RE_DEAD 4

struct th_re_walk {
	const char *s;
	__u32 base; /* the regex's first state in th_re_flags / th_re_row */
	__u32 cls;  /* its class map in th_re_cls */
	__u32 st;   /* the current state, within the regex */
	__s32 res;  /* 1 matched, 0 not */
};

static long th_re_step(__u64 i, void *arg)
{
	struct th_re_walk *w = arg;
	__u32 g = w->base + w->st, c, k;
	unsigned char b = (unsigned char)w->s[i & (TH_MAXSTR - 1)];
	__u8 f;

	if (g >= TH_RE_NSTATES)
		return 1;
	f = th_re_flags[g];
	if (f & TH_RE_ACCEPT) {
		w->res = 1;
		return 1;
	}
	/* the string's end: its NUL, or the last byte a buffer can hold */
	if (!b || i >= TH_STRLEN - 1) {
		w->res = (f & TH_RE_ACCEPT_END) != 0;
		return 1;
	}
	if (f & TH_RE_DEAD)
		return 1;
	c = w->cls + b;
	if (c >= TH_RE_NCLS)
		return 1;
	k = th_re_row[g] + th_re_cls[c];
	if (k >= TH_RE_NNEXT)
		return 1;
	w->st = th_re_next[k];
	return 0;
}

static __always_inline __s64 th_re_match(const char *s, __u32 base, __u32 cls)
{
	struct th_scratch *S = th_scratch_get();
	struct th_re_walk w = { .s = s, .base = base, .cls = cls };

	/*
	 * The walk starts from a 0 the verifier cannot see through (the
	 * scratch's zero).  From a constant 0, a kernel that checks a
	 * bpf_loop() callback with its first state only (Debian's 6.1) reads
	 * the start state's flags as the constants they are there, finds
	 * the accepting branch never taken, and removes it as dead code: a
	 * script whose regexes all start alike matched nothing on 6.1.
	 */
	if (S)
		w.st = S->zero;
	bpf_loop(TH_MAXSTR, th_re_step, &w, 0);
	return w.res;
}

#endif /* TH_RE_NSTATES */
#endif /* GRT_BPF_REGEX_H */
