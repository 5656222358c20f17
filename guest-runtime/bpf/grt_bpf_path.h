/* SPDX-License-Identifier: MIT */
/*
 * Paths and modules of kernel probes: modname(addr) (the kernel module
 * of an address), umodname(addr) (the file mapped at a user address of
 * the current process), stap's dentry.stp/task.stp path functions
 * (task_cwd_path, current_exe_file, task_exe_file, task_fd_lookup,
 * fullpath_struct_path, fullpath_struct_file, task_dentry_path), and
 * pstrace(task), the path
 * of a process up its ancestors.
 *
 * The kernel's d_path() is not callable from a tracepoint (bpf_d_path()
 * is allowed only in a few fentry/LSM hooks), so a path is put together
 * here as stap's dentry.stp does it: from the dentry up through the
 * parents to the root of its mount, then on from the mount point in the
 * parent mount, until the task's root.  The names are not locked: a
 * rename racing with the walk can give a mixed path, as in stap.
 *
 * Included by grt_bpf.h, after its helpers, the scratch map and the
 * task_struct___th and mm_struct___th flavors.
 */
#ifndef GRT_BPF_PATH_H
#define GRT_BPF_PATH_H

/* The structures walked, CO-RE relocated (___th flavors: only the fields read). */
struct qstr___th {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct super_block___th;

struct inode___th {
	unsigned long i_ino;
	struct super_block___th *i_sb;
} __attribute__((preserve_access_index));

struct dentry___th {
	struct dentry___th *d_parent;
	struct qstr___th d_name;
	struct inode___th *d_inode;
} __attribute__((preserve_access_index));

struct super_block___th {
	unsigned long s_magic;
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct vfsmount___th {
	struct dentry___th *mnt_root;
	struct super_block___th *mnt_sb;
} __attribute__((preserve_access_index));

struct mount___th {
	struct mount___th *mnt_parent;
	struct dentry___th *mnt_mountpoint;
	struct vfsmount___th mnt;
} __attribute__((preserve_access_index));

struct path___th {
	struct vfsmount___th *mnt;
	struct dentry___th *dentry;
} __attribute__((preserve_access_index));

struct fs_struct___th {
	struct path___th root;
	struct path___th pwd;
} __attribute__((preserve_access_index));

struct file___th {
	struct path___th f_path;
	struct inode___th *f_inode;
} __attribute__((preserve_access_index));

struct fdtable___th {
	unsigned int max_fds;
	struct file___th **fd;
} __attribute__((preserve_access_index));

struct files_struct___th {
	struct fdtable___th *fdt;
} __attribute__((preserve_access_index));

struct vm_area_struct___th {
	struct file___th *vm_file;
} __attribute__((preserve_access_index));

/* The mount a vfsmount is the mnt member of (the kernel's real_mount()). */
static __always_inline struct mount___th *th_real_mount(struct vfsmount___th *m)
{
	return (struct mount___th *)((char *)m - bpf_core_field_offset(struct mount___th, mnt));
}

/* ---- modname ----------------------------------------------------------------------- */

/* The name between the brackets of %pS's "func+0x1/0x2 [module]". */
struct th_modname_ctx {
	const char *s;
	char *dst;
	__u32 o;  /* bytes of the name so far */
	__u32 in; /* 0 before the '[', 1 inside, 2 after the ']' */
};

static long th_modname_cb(__u32 i, void *arg)
{
	struct th_modname_ctx *c = arg;
	char ch = c->s[th_idx(i)];

	if (!ch)
		return 1;
	if (c->in == 0) {
		if (ch == '[')
			c->in = 1;
		return 0;
	}
	if (ch == ']') {
		c->in = 2;
		return 1;
	}
	return !th_putc(c->dst, &c->o, ch);
}

/*
 * modname(addr): the module of a kernel address, "kernel" for the
 * kernel's own; an address no symbol holds (%pS prints it in hex) is
 * stap's runtime error.  tmp: a TH_MAXSTR buffer for the symbol.
 */
static __always_inline char *th_modname(struct th_hctx *H, char *tmp, char *dst, __u64 addr,
					__s64 site)
{
	static const char fS[] = "%pS";
	struct th_modname_ctx c = { .s = tmp, .dst = dst };
	__u64 args[1] = { addr };

	dst[0] = 0;
	if (bpf_snprintf(tmp, TH_STRLEN, fS, args, sizeof(args)) < 0 ||
	    (tmp[0] == '0' && tmp[1] == 'x')) {
		if (!H->err)
			H->err = site + 1;
		return dst;
	}
	bpf_loop(TH_STRLEN, th_modname_cb, &c, 0);
	if (c.in != 2)
		return th_strcpy(dst, "kernel");
	dst[th_idx(c.o)] = 0;
	return dst;
}

/* ---- paths ------------------------------------------------------------------------ */

struct th_path_ctx {
	struct th_scratch *S;
	struct dentry___th *dentry, *root;
	struct vfsmount___th *vfsmnt, *root_mnt;
	struct mount___th *mnt;
	__u32 n;   /* names in S->names */
	bool bad;  /* the dentry is not under its mount's root */
	__u32 o;   /* bytes in S->path */
};

/*
 * One step up: a name kept, a mount crossed, or the end (1).  The
 * context's pointers are copied out first: inside BPF_CORE_READ() a
 * c->field would be taken for a kernel field to relocate.
 */
static long th_path_up_cb(__u32 i, void *arg)
{
	struct th_path_ctx *c = arg;
	struct dentry___th *d = c->dentry, *parent, *mnt_root;
	struct vfsmount___th *vfsmnt = c->vfsmnt;
	struct mount___th *mnt = c->mnt, *up;
	__u32 n;

	if (!d || (d == c->root && vfsmnt == c->root_mnt))
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (d == mnt_root || d == parent) {
		if (d != mnt_root) {
			c->bad = true; /* outside its mount: stap's "<unknown>" */
			return 1;
		}
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (!up || up == mnt)
			return 1; /* the global root */
		c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = up;
		c->vfsmnt = &up->mnt;
		return 0;
	}
	n = TH_UNLINK(c->n);
	if (n >= TH_PATH_DEPTH)
		return 1;
	c->S->names[n] = (__u64)BPF_CORE_READ(d, d_name.name);
	c->n = n + 1;
	c->dentry = parent;
	return 0;
}

/*
 * One name down from the root: "/name", into S->path.  Each name is read
 * whole (TH_STRLEN bytes at most) at an offset below TH_MAXSTR, which the
 * buffer's 2 x TH_MAXSTR bytes hold whatever the offset: the verifier
 * adds the largest offset to the largest size.  What passes TH_STRLEN - 1
 * is cut when the path is copied out.
 */
static long th_path_down_cb(__u32 i, void *arg)
{
	struct th_path_ctx *c = arg;
	__u32 k = TH_UNLINK(c->n) - 1 - i, o = TH_UNLINK(c->o), p;
	long r;

	if (k >= TH_PATH_DEPTH || o >= TH_STRLEN - 1)
		return 1;
	p = th_idx(o);
	c->S->path[p] = '/';
	r = bpf_probe_read_kernel_str(c->S->path + p + 1, TH_STRLEN,
				      (const void *)c->S->names[k & (TH_PATH_DEPTH - 1)]);
	c->o = p + 1 + (r > 1 ? (__u32)r - 1 : 0);
	return 0;
}

/*
 * Files of filesystems never mounted, which the kernel names with d_dname
 * (a function a probe cannot call): pipes, sockets and anonymous inodes,
 * named as stap's dentry.stp names them.  0 for any other dentry.
 */
#define TH_PIPEFS_MAGIC 0x50495045
#define TH_SOCKFS_MAGIC 0x534F434B
#define TH_ANON_INODE_FS_MAGIC 0x09041934

static __always_inline int th_synthetic_name(char *dst, struct dentry___th *dentry,
					     struct vfsmount___th *vfsmnt)
{
	static const char fpipe[] = "pipe:[%lu]", fsock[] = "socket:[%lu]";
	static const char fanon[] = "ANON_INODE:%s";
	unsigned long magic = BPF_CORE_READ(vfsmnt, mnt_sb, s_magic);
	__u64 a[1];

	if (magic == TH_PIPEFS_MAGIC || magic == TH_SOCKFS_MAGIC) {
		a[0] = BPF_CORE_READ(dentry, d_inode, i_ino);
		if (bpf_snprintf(dst, TH_STRLEN, magic == TH_PIPEFS_MAGIC ? fpipe : fsock, a,
				 sizeof(a)) < 0)
			dst[0] = 0;
		return 1;
	}
	if (magic == TH_ANON_INODE_FS_MAGIC) {
		a[0] = (__u64)BPF_CORE_READ(dentry, d_name.name);
		if (bpf_snprintf(dst, TH_STRLEN, fanon, a, sizeof(a)) < 0)
			dst[0] = 0;
		return 1;
	}
	return 0;
}

/*
 * The path of dentry in vfsmnt as task sees it (up to its root), into dst:
 * "/usr/bin/true", "/" for the root itself, "<unknown>" for a dentry not
 * under its mount or a NULL one.
 */
static __always_inline char *th_dentry_path(char *dst, struct task_struct___th *task,
					    struct dentry___th *dentry,
					    struct vfsmount___th *vfsmnt)
{
	struct th_scratch *S = th_scratch_get();
	struct th_path_ctx c = {
		.S = S,
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.root = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
	};

	dst[0] = 0;
	if (!S)
		return dst;
	if (!dentry || !vfsmnt)
		return th_strcpy(dst, "<unknown>");
	if (th_synthetic_name(dst, dentry, vfsmnt))
		return dst;
	c.mnt = th_real_mount(vfsmnt);
	c.n = S->zero;
	c.o = S->zero;
	bpf_loop(TH_PATH_DEPTH * 2, th_path_up_cb, &c, 0);
	if (c.bad)
		return th_strcpy(dst, "<unknown>");
	if (!c.n)
		return th_strcpy(dst, "/");
	bpf_loop(TH_UNLINK(c.n), th_path_down_cb, &c, 0);
	S->path[th_idx(c.o)] = 0;
	return th_strcpy(dst, S->path);
}

static __always_inline struct task_struct___th *th_task_arg(__s64 task)
{
	return (struct task_struct___th *)(__u64)task;
}

/* task_cwd_path(task): the address of its fs->pwd, a struct path (0: error) */
static __always_inline __s64 th_task_cwd_path(struct th_hctx *H, __s64 task, __s64 site)
{
	struct fs_struct___th *fs = task ? BPF_CORE_READ(th_task_arg(task), fs) : NULL;

	if (!fs) {
		if (!H->err)
			H->err = site + 1;
		return 0;
	}
	return (__s64)(__u64)&fs->pwd;
}

/* task_exe_file(task), current_exe_file(): its mm->exe_file (0 for a kernel thread) */
static __always_inline __s64 th_task_exe_file(__s64 task)
{
	if (!task)
		task = (__s64)bpf_get_current_task();
	return (__s64)(__u64)BPF_CORE_READ(th_task_arg(task), mm, exe_file);
}

/*
 * task_fd_lookup(task, fd): the struct file of a task's descriptor, read
 * without the files' lock as stap reads it (the pointer may go stale);
 * no file there is stap's error.
 */
static __always_inline __s64 th_task_fd_lookup(struct th_hctx *H, __s64 task, __s64 fd,
					       __s64 site)
{
	struct files_struct___th *files = task ? BPF_CORE_READ(th_task_arg(task), files) : NULL;
	struct fdtable___th *fdt = files ? BPF_CORE_READ(files, fdt) : NULL;
	struct file___th *f = NULL, **fds;

	if (fdt && fd >= 0 && (__u64)fd < BPF_CORE_READ(fdt, max_fds)) {
		fds = BPF_CORE_READ(fdt, fd);
		if (bpf_probe_read_kernel(&f, sizeof(f), fds + fd) < 0)
			f = NULL;
	}
	if (!f && !H->err)
		H->err = site + 1;
	return (__s64)(__u64)f;
}

/* fullpath_struct_path(path): as the current task sees it */
static __always_inline char *th_fullpath_path(char *dst, __s64 path)
{
	struct path___th *p = (struct path___th *)(__u64)path;

	if (!p)
		return th_strcpy(dst, "<unknown>");
	return th_dentry_path(dst, (struct task_struct___th *)bpf_get_current_task(),
			      BPF_CORE_READ(p, dentry), BPF_CORE_READ(p, mnt));
}

/* fullpath_struct_file(task, file) */
static __always_inline char *th_fullpath_file(char *dst, __s64 task, __s64 file)
{
	struct file___th *f = (struct file___th *)(__u64)file;

	if (!f)
		return th_strcpy(dst, "<unknown>");
	return th_dentry_path(dst, th_task_arg(task), BPF_CORE_READ(f, f_path.dentry),
			      BPF_CORE_READ(f, f_path.mnt));
}

/* task_dentry_path(task, dentry, vfsmnt) */
static __always_inline char *th_task_dentry_path(char *dst, __s64 task, __s64 dentry,
						 __s64 vfsmnt)
{
	return th_dentry_path(dst, th_task_arg(task), (struct dentry___th *)(__u64)dentry,
			      (struct vfsmount___th *)(__u64)vfsmnt);
}

/* ---- umodname ----------------------------------------------------------------------- */

struct vm_area_struct; /* bpf_find_vma()'s callback gets the kernel's */

static long th_vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *arg)
{
	*(__u64 *)arg = (__u64)BPF_CORE_READ((struct vm_area_struct___th *)vma, vm_file);
	return 0;
}

/*
 * umodname(addr): the path of the file mapped at addr in the current
 * process (bpf_find_vma(), Linux 5.17); an address no file is mapped at
 * (or the mm busy: find_vma only trylocks it) is stap's runtime error.
 */
static __always_inline char *th_umodname(struct th_hctx *H, char *dst, __u64 addr, __s64 site)
{
	__u64 file = 0;

	dst[0] = 0;
	if (bpf_find_vma(bpf_get_current_task_btf(), addr, th_vma_file_cb, &file, 0) < 0 ||
	    !file) {
		if (!H->err)
			H->err = site + 1;
		return dst;
	}
	return th_fullpath_file(dst, (__s64)bpf_get_current_task(), (__s64)file);
}

/* ---- pstrace ----------------------------------------------------------------------- */

#define TH_PSTRACE_DEPTH 64 /* ancestors looked at */

struct th_pstrace_ctx {
	struct th_scratch *S;
	struct task_struct *t;
	__u32 o; /* bytes in S->path */
};

/* " name(pid)" of one process, then on to its parent; 1 at init or a full string */
static long th_pstrace_cb(__u32 i, void *arg)
{
	static const char f[] = " %s(%d)";
	struct th_pstrace_ctx *c = arg;
	struct task_struct *t = c->t;
	__u32 o = TH_UNLINK(c->o);
	__u64 a[2];
	long r;

	if (!t || o >= TH_STRLEN - 1)
		return 1;
	a[1] = (__u64)BPF_CORE_READ(t, tgid);
	if ((__s64)(int)a[1] <= 1)
		return 1;
	/* %s reads the kernel's comm itself, as probe_read_kernel_str would */
	a[0] = (__u64)__builtin_preserve_access_index(&t->comm);
	/* at an offset below TH_MAXSTR: the 2 x TH_MAXSTR buffer holds any (th_path_down_cb) */
	o = th_idx(o);
	r = bpf_snprintf(c->S->path + o, TH_STRLEN, f, a, sizeof(a));
	c->o = o + (r > 1 ? (__u32)r - 1 : 0);
	c->t = BPF_CORE_READ(t, real_parent);
	return 0;
}

/*
 * pstrace(task): " bash(1234) sshd(1200)": task and its ancestors, name
 * and pid, up to (without) init and the kernel's threads, as stap's
 * pstrace.stp; a bpf_loop(), so the verifier checks one step.
 */
static __always_inline char *th_pstrace(char *dst, __s64 task)
{
	struct th_scratch *S = th_scratch_get();
	struct th_pstrace_ctx c = { .S = S, .t = (struct task_struct *)(__u64)task };

	dst[0] = 0;
	if (!S)
		return dst;
	c.o = S->zero;
	bpf_loop(TH_PSTRACE_DEPTH, th_pstrace_cb, &c, 0);
	/*
	 * The last step may have run past the string's room (bpf_snprintf
	 * returns the length it wanted): cut there, not at the offset masked
	 * into the buffer, which would cut a long trace to its first bytes.
	 */
	if (c.o > TH_STRLEN - 1)
		c.o = TH_STRLEN - 1;
	S->path[th_idx(c.o)] = 0;
	return th_strcpy(dst, S->path);
}

#endif /* GRT_BPF_PATH_H */
