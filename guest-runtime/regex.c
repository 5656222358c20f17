// SPDX-License-Identifier: MIT
/*
 * regex.c - running the regular expressions compiler/regex.c builds.
 *
 * grt_regex_test() walks the DFA: one table lookup per byte, stopping at
 * the first state that says "matched" or "cannot match any more".  That is
 * all =~ and !~ need, and it is what the eBPF side does too.
 *
 * grt_regex_exec() finds where the match is and what each subexpression
 * matched, for matched(n).  It runs the NFA program as a Pike VM: a list
 * of threads (program counter + captures) advanced one byte at a time, in
 * priority order, each program counter at most once per position, so it
 * takes O(len * ninsts) steps whatever the pattern.  The match it reports
 * is POSIX's leftmost-longest: threads are seeded at every position until
 * a match is found, earlier seeds come first in the list, and a match
 * replaces the one found before when it starts earlier or ends later.
 * Among the paths making that same match, the first in priority order
 * wins — the one a backtracking matcher trying alternatives left to right
 * and repeating greedily would take — which is also how stap's tagged DFA
 * resolves them.
 *
 * Anchors: ^ holds at position 0; $ holds at the end, and once past a $ a
 * thread may only meet more $ or the end of the pattern (stap treats $ as
 * reading a virtual end byte, so "$^" never matches).  The VM keeps a
 * thread waiting at a $ until the end of the string, then runs what
 * follows it in an "end phase" where ^ fails and every byte test fails.
 *
 * The user-context side of matched() lives here too: grt_re_search()
 * keeps the subject and the captures of the last =~ of a handler run in
 * the run's context (struct grt_uctx), for matched(), matched_str() and
 * ngroups() to read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt_user.h"

int grt_regex_test(const struct grt_regex *re, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t st = 0;

	for (;; p++) {
		uint8_t f = re->flags[st];

		if (f & GRT_RE_ACCEPT)
			return 1;
		if (!*p)
			return (f & GRT_RE_ACCEPT_END) != 0;
		if (f & GRT_RE_DEAD)
			return 0;
		st = re->next[(size_t)st * re->nclasses + re->cls[*p]];
	}
}

/* ---- the Pike VM ---------------------------------------------------------------- */

/*
 * A list of threads: a sparse set of program counters (O(1) membership
 * and clearing) in insertion order, which is priority order, each with
 * its captures.  Every pc the closure passes through is entered, so a
 * second path to it at the same position stops there.
 */
struct vm_list {
	uint32_t n;
	uint32_t *dense;  /* [ninsts]: pcs in order */
	uint32_t *sparse; /* [ninsts]: index into dense */
	int32_t *caps;    /* [ninsts * ncaps]: captures of dense[i] */
};

/* A step of the closure's explicit stack: a pc to visit, or a capture to restore. */
struct vm_todo {
	uint32_t pc; /* VM_RESTORE: put old back into caps[slot] */
	uint32_t slot;
	int32_t old;
};

#define VM_RESTORE UINT32_MAX

struct vm {
	const struct grt_regex *re;
	const unsigned char *s;
	size_t len;
	uint32_t ncaps;
	struct vm_list l[3]; /* current, next, end phase */
	struct vm_todo *todo; /* [2 * ninsts]: one visit and one restore per pc at most */
	int32_t *work;        /* [ncaps]: captures along the path being explored */
};

static bool vm_has(const struct vm_list *l, uint32_t pc)
{
	uint32_t i = l->sparse[pc];

	return i < l->n && l->dense[i] == pc;
}

static bool byte_in(const uint8_t *set, unsigned char c)
{
	return set[c >> 3] & (1u << (c & 7));
}

/*
 * Add pc and everything reachable from it without reading a byte, in
 * priority order, with the captures in vm->work (restored on return).
 * Threads stop at SET and MATCH, and at EOL unless in the end phase.
 */
static void vm_add(struct vm *vm, struct vm_list *l, uint32_t pc0, size_t pos, bool end)
{
	const struct grt_re_inst *insts = vm->re->insts;
	uint32_t top = 0;

	vm->todo[top++] = (struct vm_todo){ .pc = pc0 };
	while (top) {
		struct vm_todo t = vm->todo[--top];
		uint32_t pc = t.pc;

		if (pc == VM_RESTORE) {
			vm->work[t.slot] = t.old;
			continue;
		}
		for (;;) {
			const struct grt_re_inst *in;

			if (vm_has(l, pc))
				break;
			l->sparse[pc] = l->n;
			l->dense[l->n++] = pc;
			in = &insts[pc];
			if (in->op == GRT_RE_JMP) {
				pc = in->x;
			} else if (in->op == GRT_RE_SPLIT) {
				vm->todo[top++] = (struct vm_todo){ .pc = in->y };
				pc = in->x;
			} else if (in->op == GRT_RE_SAVE) {
				vm->todo[top++] = (struct vm_todo){ .pc = VM_RESTORE,
								    .slot = in->arg,
								    .old = vm->work[in->arg] };
				vm->work[in->arg] = (int32_t)pos;
				pc++;
			} else if (in->op == GRT_RE_BOL && pos == 0 && !end) {
				pc++;
			} else if (in->op == GRT_RE_EOL && end) {
				pc++;
			} else {
				if (in->op != GRT_RE_BOL)
					memcpy(&l->caps[(size_t)(l->n - 1) * vm->ncaps], vm->work,
					       sizeof(int32_t) * vm->ncaps);
				break;
			}
		}
	}
}

static void vm_free(struct vm *vm)
{
	int i;

	for (i = 0; i < 3; i++) {
		free(vm->l[i].dense);
		free(vm->l[i].sparse);
		free(vm->l[i].caps);
	}
	free(vm->todo);
	free(vm->work);
}

static int vm_init(struct vm *vm, const struct grt_regex *re, const char *s, size_t len)
{
	uint32_t n = re->ninsts;
	int i;

	memset(vm, 0, sizeof(*vm));
	vm->re = re;
	vm->s = (const unsigned char *)s;
	vm->len = len;
	vm->ncaps = 2 * re->ngroups;
	for (i = 0; i < 3; i++) {
		vm->l[i].dense = malloc(sizeof(uint32_t) * n);
		/* calloc: sparse entries are read before they are written */
		vm->l[i].sparse = calloc(n, sizeof(uint32_t));
		vm->l[i].caps = malloc(sizeof(int32_t) * n * vm->ncaps);
		if (!vm->l[i].dense || !vm->l[i].sparse || !vm->l[i].caps)
			goto out_free;
	}
	vm->todo = malloc(sizeof(struct vm_todo) * 2 * (n + 1));
	vm->work = malloc(sizeof(int32_t) * vm->ncaps);
	if (!vm->todo || !vm->work)
		goto out_free;
	return 0;
out_free:
	vm_free(vm);
	return -ENOMEM;
}

struct vm_best {
	bool found;
	int32_t *caps;
};

/* A thread at MATCH: keep it when it starts earlier or ends later. */
static void vm_offer(struct vm *vm, struct vm_best *b, const int32_t *caps)
{
	if (b->found && (caps[0] > b->caps[0] || (caps[0] == b->caps[0] && caps[1] <= b->caps[1])))
		return;
	memcpy(b->caps, caps, sizeof(int32_t) * vm->ncaps);
	b->found = true;
}

int grt_regex_exec(const struct grt_regex *re, const char *s, size_t len, int32_t *caps)
{
	struct vm vm;
	struct vm_list *cur, *nxt, *endl;
	struct vm_best best = { .caps = caps };
	size_t pos;
	uint32_t i;
	int32_t *saved = malloc(sizeof(int32_t) * 2 * re->ngroups);

	if (!saved)
		return -ENOMEM;
	if (vm_init(&vm, re, s, len) < 0) {
		free(saved);
		return -ENOMEM;
	}
	/* caps is only written on a match: collect into a copy */
	best.caps = saved;
	cur = &vm.l[0];
	nxt = &vm.l[1];
	endl = &vm.l[2];
	for (pos = 0;; pos++) {
		if (!best.found) {
			for (i = 0; i < vm.ncaps; i++)
				vm.work[i] = -1;
			vm_add(&vm, cur, 0, pos, false);
		}
		nxt->n = 0;
		endl->n = 0;
		for (i = 0; i < cur->n; i++) {
			uint32_t pc = cur->dense[i];
			const struct grt_re_inst *in = &re->insts[pc];
			int32_t *tc = &cur->caps[(size_t)i * vm.ncaps];

			if (in->op != GRT_RE_SET && in->op != GRT_RE_MATCH && in->op != GRT_RE_EOL)
				continue;
			/* a thread that started after the match found cannot beat it */
			if (best.found && tc[0] > best.caps[0])
				continue;
			if (in->op == GRT_RE_MATCH) {
				vm_offer(&vm, &best, tc);
			} else if (in->op == GRT_RE_SET) {
				if (pos < len && byte_in(re->sets[in->arg], vm.s[pos])) {
					memcpy(vm.work, tc, sizeof(int32_t) * vm.ncaps);
					vm_add(&vm, nxt, pc + 1, pos + 1, false);
				}
			} else if (pos == len) {
				uint32_t from = endl->n, j;

				memcpy(vm.work, tc, sizeof(int32_t) * vm.ncaps);
				vm_add(&vm, endl, pc + 1, pos, true);
				for (j = from; j < endl->n; j++)
					if (re->insts[endl->dense[j]].op == GRT_RE_MATCH)
						vm_offer(&vm, &best, &endl->caps[(size_t)j * vm.ncaps]);
			}
		}
		if (pos >= len || (best.found && !nxt->n))
			break;
		{
			struct vm_list *t = cur;

			cur = nxt;
			nxt = t;
		}
	}
	if (best.found)
		memcpy(caps, saved, sizeof(int32_t) * vm.ncaps);
	vm_free(&vm);
	free(saved);
	return best.found;
}

/* ---- matched() and friends in user context ------------------------------------------ */

/* The last =~ of a handler run, what matched(n) reads. */
struct grt_rematch {
	bool ok;                      /* it matched */
	const struct grt_regex *re;
	char *subject;                /* a copy: the script may change the string */
	int32_t *caps;                /* 2 * re->ngroups */
};

void grt_rematch_free(struct grt_rematch *m)
{
	if (!m)
		return;
	free(m->subject);
	free(m->caps);
	free(m);
}

/* Raise a runtime error at site, unless one is pending: true when the caller words it. */
static bool re_error(struct grt_uctx *u, int64_t site)
{
	if (u->err)
		return false;
	u->err = site + 1;
	return true;
}

int64_t grt_re_search(struct grt_uctx *u, const struct grt_regex *re, const char *s,
		      int64_t site)
{
	struct grt_rematch *m = u->rematch;
	size_t len = strlen(s);
	char *copy;
	int32_t *caps;
	int r;

	if (!grt_regex_test(re, s)) {
		if (m)
			m->ok = false;
		return 0;
	}
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			goto out_nomem;
		u->rematch = m;
	}
	m->ok = false;
	copy = malloc(len + 1);
	caps = malloc(sizeof(int32_t) * 2 * re->ngroups);
	if (!copy || !caps) {
		free(copy);
		free(caps);
		goto out_nomem;
	}
	r = grt_regex_exec(re, s, len, caps);
	if (r <= 0) {
		free(copy);
		free(caps);
		if (r < 0)
			goto out_nomem;
		/* the two disagree: a bug (fuzz_regex looks for it); =~ keeps the DFA's yes */
		return 1;
	}
	memcpy(copy, s, len + 1);
	free(m->subject);
	free(m->caps);
	m->subject = copy;
	m->caps = caps;
	m->re = re;
	m->ok = true;
	return 1;
out_nomem:
	if (re_error(u, site))
		snprintf(u->errmsg, sizeof(u->errmsg), "out of memory matching a regular expression");
	return 0;
}

void grt_re_matched(struct grt_uctx *u, char *dst, size_t maxlen, int64_t n, int64_t site)
{
	struct grt_rematch *m = u->rematch;
	int32_t a, b;

	if (maxlen)
		dst[0] = 0;
	if (!m || !m->ok) {
		if (re_error(u, site))
			snprintf(u->errmsg, sizeof(u->errmsg),
				 "Attempted to get subexpression %lld from failed match", (long long)n);
		return;
	}
	if (n < 0 || (uint64_t)n >= m->re->ngroups) {
		if (re_error(u, site))
			snprintf(u->errmsg, sizeof(u->errmsg),
				 "Attempted to get nonexistent subexpression %lld", (long long)n);
		return;
	}
	a = m->caps[2 * n];
	b = m->caps[2 * n + 1];
	/* a group that took no part in the match reads as "", as in stap */
	if (a < 0 || b < a)
		return;
	grt_str_substr(dst, maxlen, m->subject, a, b - a);
}

int64_t grt_re_ngroups(struct grt_uctx *u, int64_t site)
{
	struct grt_rematch *m = u->rematch;

	if (!m || !m->ok) {
		if (re_error(u, site))
			snprintf(u->errmsg, sizeof(u->errmsg),
				 "Attempted to get subexpression count from failed match");
		return 0;
	}
	return m->re->ngroups;
}
