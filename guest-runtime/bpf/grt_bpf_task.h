/* SPDX-License-Identifier: MIT */
/*
 * Tasks of kernel probes: task_current() and the task_* functions on a
 * task pointer, through the task_struct___th flavor.
 *
 * Included by grt_bpf.h, in its place there: it uses what comes before.
 */
/* ---- tasks: task_pid(task_current()) and friends ---------------------------------- */

#define TH_MAX_RT_PRIO 100 /* the kernel's MAX_RT_PRIO: stap reports prio - 100 */

static __always_inline __s64 th_task_field(__u64 task, int which)
{
	struct task_struct *t = (struct task_struct *)task;

	if (!t)
		return 0;
	switch (which) {
	case 0:
		return BPF_CORE_READ(t, tgid);
	case 1:
		return BPF_CORE_READ(t, pid);
	case 2:
		return (__s64)(__u64)BPF_CORE_READ(t, real_parent);
	case 3:
		if (bpf_core_field_exists(t->__state))
			return BPF_CORE_READ(t, __state);
		return BPF_CORE_READ((struct task_struct___old *)t, state);
	case 4:
		return BPF_CORE_READ(t, prio) - TH_MAX_RT_PRIO;
	case 5:
		return BPF_CORE_READ(t, static_prio) - TH_MAX_RT_PRIO - 20;
	case 6:
		return BPF_CORE_READ(t, thread_info.cpu);
	case 7:
		return BPF_CORE_READ(t, cred, uid.val);
	default:
		return BPF_CORE_READ(t, cred, gid.val);
	}
}

static __always_inline char *th_task_execname(char *dst, __u64 task)
{
	struct task_struct *t = (struct task_struct *)task;

	dst[0] = 0;
	if (t && bpf_probe_read_kernel_str(dst, TH_MAXSTR < 16 ? TH_MAXSTR : 16,
					   __builtin_preserve_access_index(&t->comm)) < 0)
		dst[0] = 0;
	return dst;
}

/*
 * kernel_int(addr), user_long_error(addr) ...: a bad address is a runtime
 * error at site; user_long(addr) passes site -1 and reads it as 0 (the
 * helpers zero v when they fail).
 */
static __always_inline __u64 th_read_mem(struct th_hctx *H, __u64 addr, int size, bool user,
					 __s64 site)
{
	__u64 v = 0;
	long r;

	if (size == 1)
		r = user ? bpf_probe_read_user(&v, 1, (void *)addr) : bpf_probe_read_kernel(&v, 1, (void *)addr);
	else if (size == 2)
		r = user ? bpf_probe_read_user(&v, 2, (void *)addr) : bpf_probe_read_kernel(&v, 2, (void *)addr);
	else if (size == 4)
		r = user ? bpf_probe_read_user(&v, 4, (void *)addr) : bpf_probe_read_kernel(&v, 4, (void *)addr);
	else
		r = user ? bpf_probe_read_user(&v, 8, (void *)addr) : bpf_probe_read_kernel(&v, 8, (void *)addr);
	if (r && !H->err)
		H->err = site + 1;
	return v;
}

/* ctime(): seconds since the epoch as "Wed Jun 30 21:49:08 1993", in eBPF */
/* 8 and 16 entries: the indexes are masked, for the verifier's sake */
static const TH_RO char th_wdays[8][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed", "?" };
static const TH_RO char th_months[16][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static __always_inline char *th_ctime(struct th_hctx *H, char *dst, __s64 secs, const char *zone,
				      __s64 past, __s64 future)
{
	static const char fmt[] = "%s %s %2d %02d:%02d:%02d %d";
	static const char zfmt[] = "%s %s %2d %02d:%02d:%02d %d %s";
	__u64 args[8];
	/* unsigned: eBPF has no signed division, and clang may not prove signs */
	__u64 days, sod, z, era, doe, yoe, y, doy, mp, d, m, wd, mi, back = 0;

	/*
	 * stap converts what 32-bit seconds hold (1901-12-13 to 2038-01-19)
	 * and refuses the rest with an error (at site past or future)
	 */
	dst[0] = 0;
	if (secs < -2147483648LL || secs > 2147483647LL) {
		if (!H->err)
			H->err = (secs < 0 ? past : future) + 1;
		return dst;
	}
	if (secs < 0) {
		/*
		 * 400 years later, and back: 146097 days, a whole number of
		 * weeks, so the weekday and the calendar stay the same
		 */
		secs += 146097LL * 86400;
		back = 400;
	}
	days = (__u64)secs / 86400;
	sod = (__u64)secs % 86400;
	/* civil_from_days (H. Hinnant), for days >= 0 */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	y -= back;
	/*
	 * The verifier does not bound a modulo: mask the indexes, behind an
	 * empty asm so clang cannot drop the mask as redundant.
	 */
	wd = days % 7;
	mi = m - 1; /* m is 1..12 */
	asm volatile("" : "+r"(wd), "+r"(mi));
	args[0] = (__u64)th_wdays[wd & 7];
	args[1] = (__u64)th_months[mi & 15];
	args[2] = (__u64)d;
	args[3] = (__u64)(sod / 3600);
	args[4] = (__u64)(sod / 60 % 60);
	args[5] = (__u64)(sod % 60);
	args[6] = (__u64)y;
	args[7] = (__u64)zone;
	/* volatile: zone is th_cfg's, which clang would read as its {} initializer */
	if ((zone && *(const volatile char *)zone ? bpf_snprintf(dst, TH_STRLEN, zfmt, args, sizeof(args))
			     : bpf_snprintf(dst, TH_STRLEN, fmt, args, sizeof(args) - 8)) < 0)
		dst[0] = 0;
	return dst;
}

/*
 * symname()/symdata() of a kernel address: the kernel's own %ps/%pS
 * ("name", "name+0x10/0x80 [module]"), or the address in hex when no
 * symbol holds it.
 */
static __always_inline char *th_symbol(char *dst, __u64 addr, int with_offset)
{
	static const char fs[] = "%ps";
	static const char fS[] = "%pS";
	__u64 args[1] = { addr };
	long r;

	/* two calls: the format must be a constant the verifier can read */
	if (with_offset)
		r = bpf_snprintf(dst, TH_STRLEN, fS, args, sizeof(args));
	else
		r = bpf_snprintf(dst, TH_STRLEN, fs, args, sizeof(args));
	if (r < 0)
		dst[0] = 0;
	return dst;
}

/* cmdline_str(): the current task's argv, joined by spaces */
struct th_cmdline_ctx {
	char *buf;
	__u32 len;
};

static long th_cmdline_cb(__u32 i, void *arg)
{
	struct th_cmdline_ctx *c = arg;

	if (i + 1 >= c->len)
		return 1;
	if (!c->buf[i & (TH_MAXSTR - 1)])
		c->buf[i & (TH_MAXSTR - 1)] = ' ';
	return 0;
}

static __always_inline char *th_cmdline(char *dst)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	__u32 len = end > start ? (__u32)(end - start) : 0;
	struct th_cmdline_ctx c = { .buf = dst };

	dst[0] = 0;
	if (len > TH_STRLEN - 1)
		len = TH_STRLEN - 1;
	if (!len || bpf_probe_read_user(dst, len & (TH_MAXSTR - 1), (void *)start))
		return dst;
	dst[len & (TH_MAXSTR - 1)] = 0;
	/* argv's NULs become spaces; the last one ends the string */
	c.len = len;
	bpf_loop(TH_MAXSTR, th_cmdline_cb, &c, 0);
	return dst;
}

static __always_inline char *th_execname(char *dst)
{
	if (bpf_get_current_comm(dst, TH_MAXSTR < 16 ? TH_MAXSTR : 16))
		dst[0] = 0;
	return dst;
}
