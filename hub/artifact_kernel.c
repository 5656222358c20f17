// SPDX-License-Identifier: MIT
/*
 * What an artifact needs from the machine that runs it, listed when it is
 * written and checked before anything is loaded, so that a kernel without
 * a feature gets one line naming it instead of a verifier log:
 *
 *   arch NAME EM                 the user-side object's ELF machine
 *   needs tracepoint SUBSYS:EVENT for PP
 *   needs rawtp EVENT for PP     raw tracepoints (and syscall probes)
 *   needs kprobe|kretprobe|kprobe.multi|kretprobe.multi FUNC for PP
 *   needs fentry|fexit FUNC for PP
 *   needs uprobe PATH for PP
 *   needs perf TYPE:CONFIG for PP, needs breakpoint - for PP,
 *   needs netfilter - for PP
 *   needs prog-type NAME ID, needs map-type NAME ID
 *   needs helper NAME ID PROG-TYPE-ID
 *   needs ksym NAME              a kfunc or kernel variable (strong __ksym)
 *   needs btf-field STRUCT.FIELD[.FIELD...], needs btf-type NAME,
 *   needs btf-enumval ENUM.VALUE
 *
 * The probe lines come from the guest's meta (its programs and their probe
 * points), the others from the eBPF object: its programs' and maps' types,
 * the helpers its instructions call, and its CO-RE relocations, read from
 * .BTF.ext (layout: the kernel's Documentation/bpf/btf.rst) and named
 * through the object's own BTF.  Relocations that only ask whether
 * something exists (bpf_core_field_exists() and kin) need nothing: the
 * code has a way for both answers.
 */
#include <dirent.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "guest-runtime/grt.h"
#include "hub/hub.h"
#include "hub/artifact.h"

/* ---- writing: the needs of a compiled guest -------------------------------------- */

/* Lines already written, so a field read at fifty places is listed once. */
struct lines {
	char **v;
	int n, cap;
};

static bool lines_add(struct lines *l, const char *s)
{
	char **nv;
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return false;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		nv = realloc(l->v, sizeof(*nv) * (size_t)l->cap);
		if (!nv)
			return false;
		l->v = nv;
	}
	l->v[l->n] = strdup(s);
	return l->v[l->n] ? (l->n++, true) : false;
}

static void lines_free(struct lines *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void need(FILE *f, struct lines *seen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void need(FILE *f, struct lines *seen, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (lines_add(seen, line))
		fprintf(f, "needs %s\n", line);
}

/* e_machine of an ELF file, -errno when it is not one. */
static int elf_machine(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &eh, sizeof(eh));
	close(fd);
	if (n < (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	return eh.e_machine;
}

static void write_probes(FILE *f, struct lines *seen, const struct grt_meta *m)
{
	int i, j;

	for (i = 0; i < m->nprogs; i++) {
		const struct grt_meta_prog *p = &m->progs[i];
		const char *pp = p->pp ? p->pp : p->name;

		switch (p->kind) {
		case GRT_PROG_SYSCALL:
			need(f, seen, "rawtp %s for %s", p->exit ? "sys_exit" : "sys_enter", pp);
			break;
		case GRT_PROG_RAWTP:
			need(f, seen, "rawtp %s for %s", p->event, pp);
			break;
		case GRT_PROG_TP:
			need(f, seen, "tracepoint %s:%s for %s", p->subsys, p->event, pp);
			break;
		case GRT_PROG_PERF:
			need(f, seen, "perf %d:%lld for %s", p->perf_type,
			     (long long)p->perf_config, pp);
			break;
		case GRT_PROG_KFUNC:
			if (p->nfuncs)
				for (j = 0; j < p->nfuncs; j++)
					need(f, seen, "%s %s for %s", p->subsys, p->funcs[j], pp);
			else
				need(f, seen, "%s %s for %s", p->subsys, p->event, pp);
			break;
		case GRT_PROG_UPROBE:
			need(f, seen, "uprobe %s for %s", p->event, pp);
			break;
		case GRT_PROG_NETFILTER:
			need(f, seen, "netfilter - for %s", pp);
			break;
		case GRT_PROG_BP:
			need(f, seen, "breakpoint - for %s", pp);
			break;
		}
	}
}

/* BPF_FUNC_NAME's NAME from the kernel's own enum bpf_func_id, else "#ID". */
static void helper_name(const struct btf *vm, int id, char *out, size_t len)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int tid, i;

	snprintf(out, len, "#%d", id);
	if (!vm)
		return;
	tid = btf__find_by_name_kind(vm, "bpf_func_id", BTF_KIND_ENUM);
	if (tid <= 0)
		return;
	t = btf__type_by_id(vm, (__u32)tid);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (e[i].val == id) {
			const char *n = btf__name_by_offset(vm, e[i].name_off);

			if (n && !strncmp(n, "BPF_FUNC_", 9))
				snprintf(out, len, "bpf_%s", n + 9);
			return;
		}
}

static void write_object(FILE *f, struct lines *seen, struct bpf_object *obj)
{
	struct btf *vm = btf__load_vmlinux_btf();
	struct bpf_program *prog;
	struct bpf_map *map;
	char name[64];

	bpf_object__for_each_program(prog, obj)
	{
		enum bpf_prog_type pt = bpf_program__type(prog);
		const struct bpf_insn *in = bpf_program__insns(prog);
		size_t i, n = bpf_program__insn_cnt(prog);
		const char *ps = libbpf_bpf_prog_type_str(pt);

		need(f, seen, "prog-type %s %d", ps ? ps : "?", (int)pt);
		for (i = 0; in && i < n; i++)
			if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == 0) {
				helper_name(vm, in[i].imm, name, sizeof(name));
				need(f, seen, "helper %s %d %d", name, in[i].imm, (int)pt);
			}
	}
	bpf_object__for_each_map(map, obj)
	{
		enum bpf_map_type mt = bpf_map__type(map);
		const char *ms = libbpf_bpf_map_type_str(mt);

		need(f, seen, "map-type %s %d", ms ? ms : "?", (int)mt);
	}
	btf__free(vm);
}

/* ---- CO-RE relocations ---------------------------------------------------------- */

/* The kinds that need their target to exist (enum bpf_core_relo_kind). */
static bool relo_needs(uint32_t kind)
{
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
	case BPF_CORE_FIELD_BYTE_SIZE:
	case BPF_CORE_FIELD_SIGNED:
	case BPF_CORE_FIELD_LSHIFT_U64:
	case BPF_CORE_FIELD_RSHIFT_U64:
	case BPF_CORE_TYPE_ID_TARGET:
	case BPF_CORE_TYPE_SIZE:
	case BPF_CORE_ENUMVAL_VALUE:
		return true;
	default:
		return false;
	}
}

static const struct btf_type *skip_mods(const struct btf *b, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(b, id);
	int guard = 0;

	while (t && (btf_is_mod(t) || btf_is_typedef(t)) && guard++ < 64)
		t = btf__type_by_id(b, t->type);
	return t;
}

/* A name's length without its CO-RE flavor ("___suffix"). */
static size_t essential_len(const char *name)
{
	const char *f = strstr(name, "___");

	return f && f != name ? (size_t)(f - name) : strlen(name);
}

/*
 * One relocation as a "needs" line: its root type's name, then the named
 * members its access string ("0:3:1") walks through.  Anonymous members
 * and array indexes add nothing (the check finds fields through anonymous
 * members, as CO-RE does).
 */
static void write_relo(FILE *f, struct lines *seen, const struct btf *b, uint32_t type_id,
		       const char *acc, uint32_t kind)
{
	const struct btf_type *t = skip_mods(b, type_id);
	const char *root = t ? btf__name_by_offset(b, t->name_off) : NULL;
	char path[512];
	size_t len;
	long idx;
	char *end;

	if (!t || !root || !*root || !relo_needs(kind))
		return;
	if (kind == BPF_CORE_TYPE_ID_TARGET || kind == BPF_CORE_TYPE_SIZE) {
		need(f, seen, "btf-type %.*s", (int)essential_len(root), root);
		return;
	}
	if (kind == BPF_CORE_ENUMVAL_VALUE) {
		idx = strtol(acc, &end, 10);
		if (btf_is_enum(t) && idx >= 0 && idx < btf_vlen(t))
			need(f, seen, "btf-enumval %.*s.%s", (int)essential_len(root), root,
			     btf__name_by_offset(b, btf_enum(t)[idx].name_off));
		return;
	}
	/* CO-RE's "flavors": task_struct___tap is matched as task_struct */
	len = (size_t)snprintf(path, sizeof(path), "%.*s", (int)essential_len(root), root);
	/* the first index steps over the root pointer's array: no member */
	strtol(acc, &end, 10);
	while (*end == ':' && t && len < sizeof(path)) {
		idx = strtol(end + 1, &end, 10);
		if (btf_is_composite(t)) {
			const struct btf_member *mb = btf_members(t);
			const char *mn;

			if (idx < 0 || idx >= btf_vlen(t))
				return;
			mn = btf__name_by_offset(b, mb[idx].name_off);
			if (mn && *mn)
				len += (size_t)snprintf(path + len, sizeof(path) - len, ".%s", mn);
			t = skip_mods(b, mb[idx].type);
		} else if (btf_is_array(t)) {
			t = skip_mods(b, btf_array(t)->type);
		} else {
			return;
		}
	}
	if (strchr(path, '.'))
		need(f, seen, "btf-field %s", path);
}

/* .BTF.ext: header, then the core_relo subsection (Documentation/bpf/btf.rst). */
struct btf_ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len, line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

/*
 * The object's .BTF.ext section, read with libelf: libbpf 1.1 declares
 * btf_ext__raw_data() but its shared library does not export it.
 */
static uint8_t *read_btf_ext(const char *obj_path, size_t *ret_len)
{
	Elf_Data *data = NULL;
	Elf_Scn *scn = NULL;
	uint8_t *out = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *e;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(obj_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			break;
		n = elf_strptr(e, shstrndx, sh.sh_name);
		if (n && !strcmp(n, ".BTF.ext")) {
			data = elf_getdata(scn, NULL);
			break;
		}
	}
	if (data && data->d_buf && data->d_size && (out = malloc(data->d_size))) {
		memcpy(out, data->d_buf, data->d_size);
		*ret_len = data->d_size;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return out;
}

/*
 * The object's strong externs: kfuncs and kernel variables (__ksym) it
 * cannot load without.  Weak ones (__weak __ksym) are optional: the code
 * asks bpf_ksym_exists() first.  The other externs libbpf fills in are
 * kconfig values (CONFIG_*, LINUX_*), which it defaults.
 */
static void write_ksyms(FILE *f, struct lines *seen, const char *obj_path)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf *e;
	size_t i, n;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(obj_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n; i++) {
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx != SHN_UNDEF ||
			    GELF_ST_BIND(sym.st_info) != STB_GLOBAL)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && *name && strncmp(name, "CONFIG_", 7) &&
			    strncmp(name, "LINUX_", 6))
				need(f, seen, "ksym %s", name);
		}
	}
	if (e)
		elf_end(e);
	close(fd);
}

static void write_relos(FILE *f, struct lines *seen, const char *obj_path)
{
	struct btf *b = btf__parse_elf(obj_path, NULL);
	struct btf_ext_hdr h;
	size_t size = 0;
	uint8_t *raw = read_btf_ext(obj_path, &size);
	const uint8_t *p, *end;
	uint32_t rec;

	if (libbpf_get_error(b) || !raw || size < 8)
		goto out;
	memset(&h, 0, sizeof(h));
	memcpy(&h, raw, size < sizeof(h) ? size : sizeof(h));
	if (h.magic != 0xeB9F || h.hdr_len < sizeof(h) || h.hdr_len > size ||
	    h.core_relo_off > size - h.hdr_len ||
	    h.core_relo_len > size - h.hdr_len - h.core_relo_off || h.core_relo_len < 4)
		goto out;
	p = raw + h.hdr_len + h.core_relo_off;
	end = p + h.core_relo_len;
	memcpy(&rec, p, 4);
	p += 4;
	if (rec < 16)
		goto out;
	while (end - p >= 8) {
		uint32_t nrec, i;

		memcpy(&nrec, p + 4, 4);
		p += 8;
		for (i = 0; i < nrec && (size_t)(end - p) >= rec; i++, p += rec) {
			uint32_t r[4]; /* insn_off, type_id, access_str_off, kind */
			const char *acc;

			memcpy(r, p, sizeof(r));
			acc = btf__name_by_offset(b, r[2]);
			if (acc)
				write_relo(f, seen, b, r[1], acc, r[3]);
		}
	}
out:
	free(raw);
	if (!libbpf_get_error(b))
		btf__free(b);
}

int hub_artifact_write_needs(FILE *f, const char *dir, char *err, size_t errlen)
{
	struct lines seen = {0};
	struct grt_meta *m = NULL;
	struct bpf_object *obj;
	struct utsname u;
	char path[PATH_MAX];
	int em, r;

	snprintf(path, sizeof(path), "%s/guest.so", dir);
	em = elf_machine(path);
	if (em < 0)
		em = elf_machine("/proc/self/exe");
	if (em < 0) {
		snprintf(err, errlen, "cannot tell this machine's architecture: %s", strerror(-em));
		return em;
	}
	fprintf(f, "arch %s %d\n", uname(&u) == 0 ? u.machine : "?", em);

	snprintf(path, sizeof(path), "%s/guest.meta", dir);
	r = grt_meta_load(path, &m, err, errlen);
	if (r)
		return r;
	write_probes(f, &seen, m);
	snprintf(path, sizeof(path), "%s/guest.bpf.o", dir);
	if (m->has_bpf) {
		obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			r = -errno;
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto out;
		}
		write_object(f, &seen, obj);
		bpf_object__close(obj);
		write_ksyms(f, &seen, path);
		write_relos(f, &seen, path);
	}
out:
	grt_meta_free(m);
	lines_free(&seen);
	return r;
}

/* ---- checking: the running machine --------------------------------------------- */

struct kcheck {
	struct btf *vm; /* NULL: not loaded yet; vm_tried: this kernel has none */
	bool vm_tried;
	char *kallsyms;
	bool kallsyms_tried;
	int fentry;	   /* 0 not asked, 1 works, -1 does not */
	struct btf **mods; /* the modules' BTF, split on vm's, loaded on a first miss */
	int nmods;
	bool mods_tried;
};

/* Modules' BTF files under /sys/kernel/btf: at most this many are read. */
#define MAX_MODULE_BTF 1024

static const struct btf *kc_btf(struct kcheck *k)
{
	if (!k->vm_tried) {
		k->vm_tried = true;
		k->vm = btf__load_vmlinux_btf();
		if (libbpf_get_error(k->vm))
			k->vm = NULL;
	}
	return k->vm;
}

/* tracefs's events/SUB/EV, wherever tracefs is mounted; ev NULL: the subsystem */
static bool event_exists(const char *sub, const char *ev)
{
	static const char *const roots[] = {"/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events"};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", roots[i], sub, ev ? ev : "") >=
		    sizeof(path))
			return false;
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

static bool tracepoint_exists(const char *what)
{
	char sub[256], ev[256];
	const char *colon = strchr(what, ':');

	if (!colon || colon == what || (size_t)(colon - what) >= sizeof(sub))
		return false;
	snprintf(sub, sizeof(sub), "%.*s", (int)(colon - what), what);
	snprintf(ev, sizeof(ev), "%s", colon + 1);
	return event_exists(sub, ev);
}

/* A raw tracepoint has a btf_trace_NAME typedef in BTF; without BTF, look in tracefs. */
static bool rawtp_exists(struct kcheck *k, const char *ev)
{
	const struct btf *b = kc_btf(k);
	struct dirent *de;
	char name[PATH_MAX];
	bool found = false;
	DIR *d;

	if (b) {
		if ((size_t)snprintf(name, sizeof(name), "btf_trace_%s", ev) >= sizeof(name))
			return false;
		return btf__find_by_name_kind(b, name, BTF_KIND_TYPEDEF) > 0;
	}
	d = opendir("/sys/kernel/tracing/events");
	if (!d)
		d = opendir("/sys/kernel/debug/tracing/events");
	while (d && !found && (de = readdir(d)))
		found = de->d_name[0] != '.' && event_exists(de->d_name, ev);
	if (d)
		closedir(d);
	return found;
}

/* fn in /proc/kallsyms: a function (T, t), or with any, any symbol (kfuncs, ksym variables). */
static bool ksym_exists(struct kcheck *k, const char *fn, bool any)
{
	size_t n = strlen(fn), len = 0, cap = 0;
	const char *p;
	ssize_t got;
	int fd;

	if (!k->kallsyms_tried) {
		k->kallsyms_tried = true;
		fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
		for (;;) {
			if (fd < 0)
				break;
			if (len + 65536 + 1 > cap) {
				char *nb = realloc(k->kallsyms, cap = 2 * cap + 65536 + 1);

				if (!nb)
					break;
				k->kallsyms = nb;
			}
			got = read(fd, k->kallsyms + len, cap - len - 1);
			if (got <= 0)
				break;
			len += (size_t)got;
		}
		if (fd >= 0)
			close(fd);
		if (k->kallsyms)
			k->kallsyms[len] = 0;
	}
	if (!k->kallsyms)
		return true; /* cannot tell: the attach says */
	/* "ADDR T NAME\n" or "ADDR t NAME\t[module]\n" */
	for (p = strstr(k->kallsyms, fn); p; p = strstr(p + 1, fn))
		if (p > k->kallsyms + 2 && p[-1] == ' ' && (any || p[-2] == 'T' || p[-2] == 't') &&
		    (p[n] == '\n' || p[n] == '\t' || p[n] == 0))
			return true;
	return false;
}

/* BPF trampolines attach here: an empty fentry program on fn, loaded and attached. */
static bool fentry_works(struct kcheck *k, const char *fn)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int id, pfd, lfd;

	if (k->fentry)
		return k->fentry > 0;
	k->fentry = -1;
	id = libbpf_find_vmlinux_btf_id(fn, BPF_TRACE_FENTRY);
	if (id <= 0)
		id = libbpf_find_vmlinux_btf_id("vfs_read", BPF_TRACE_FENTRY);
	if (id <= 0)
		return false;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)id);

		pfd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "th_fentry_probe", "GPL", insns, 2, &o);
	}
	if (pfd < 0)
		return false;
	lfd = bpf_raw_tracepoint_open(NULL, pfd);
	if (lfd >= 0) {
		k->fentry = 1;
		close(lfd);
	}
	close(pfd);
	return k->fentry > 0;
}

/* A module's BTF is split on vmlinux's: look only at its own types. */
static int first_own_type(const struct btf *b)
{
	const struct btf *base = btf__base_btf(b);

	return base ? (int)btf__type_cnt(base) : 1;
}

/* A member named name in the struct or union t, looking through anonymous members too. */
static const struct btf_type *find_member(const struct btf *b, const struct btf_type *t,
					  const char *name, int depth)
{
	const struct btf_member *m;
	const struct btf_type *mt, *r;
	int i;

	if (!t || !btf_is_composite(t) || depth > 8)
		return NULL;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(b, m[i].name_off);

		mt = skip_mods(b, m[i].type);
		if (mn && !strcmp(mn, name))
			return mt ? mt : t;
		if ((!mn || !*mn) && (r = find_member(b, mt, name, depth + 1)))
			return r;
	}
	return NULL;
}

/* STRUCT.a.b: some struct or union STRUCT has a, whose type has b; arrays are stepped over. */
static bool field_exists(const struct btf *b, const char *path)
{
	char buf[PATH_MAX], *seg, *save = NULL;
	const struct btf_type *t;
	int n = (int)btf__type_cnt(b), i;
	bool ok = false;

	for (i = first_own_type(b); i < n && !ok; i++) {
		t = btf__type_by_id(b, (__u32)i);
		snprintf(buf, sizeof(buf), "%s", path);
		seg = strtok_r(buf, ".", &save);
		if (!btf_is_composite(t) || strcmp(btf__name_by_offset(b, t->name_off), seg))
			continue;
		ok = true;
		while (ok && (seg = strtok_r(NULL, ".", &save))) {
			while (t && btf_is_array(t))
				t = skip_mods(b, btf_array(t)->type);
			t = find_member(b, t, seg, 0);
			ok = t != NULL;
		}
	}
	return ok;
}

static bool type_exists(const struct btf *b, const char *name)
{
	int n = (int)btf__type_cnt(b), i;

	for (i = first_own_type(b); i < n; i++) {
		const struct btf_type *t = btf__type_by_id(b, (__u32)i);
		const char *tn = btf__name_by_offset(b, t->name_off);

		if (tn && !strcmp(tn, name) && !btf_is_func(t) && !btf_is_var(t))
			return true;
	}
	return false;
}

static bool enumval_exists(const struct btf *b, const char *what)
{
	const char *dot = strchr(what, '.');
	char en[256];
	int n = (int)btf__type_cnt(b), i, j;

	if (!dot || (size_t)(dot - what) >= sizeof(en))
		return false;
	snprintf(en, sizeof(en), "%.*s", (int)(dot - what), what);
	for (i = first_own_type(b); i < n; i++) {
		const struct btf_type *t = btf__type_by_id(b, (__u32)i);

		if (!btf_is_enum(t) || strcmp(btf__name_by_offset(b, t->name_off), en))
			continue;
		for (j = 0; j < btf_vlen(t); j++)
			if (!strcmp(btf__name_by_offset(b, btf_enum(t)[j].name_off), dot + 1))
				return true;
	}
	return false;
}

/*
 * Program types that attach to a kernel object (tracing: fentry, tp_btf;
 * lsm; ext; struct_ops) cannot be loaded empty to ask: the probe lines
 * check them (fentry, rawtp) and BPF LSM is asked of the LSM list.
 */
static bool prog_type_works(int type)
{
	char lsm[512] = "";
	ssize_t n;
	int fd;

	switch (type) {
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_EXT:
	case BPF_PROG_TYPE_STRUCT_OPS:
		return true;
	case BPF_PROG_TYPE_LSM:
		fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return true; /* securityfs not mounted: cannot tell */
		n = read(fd, lsm, sizeof(lsm) - 1);
		close(fd);
		lsm[n > 0 ? n : 0] = 0;
		return strstr(lsm, "bpf") != NULL;
	default:
		/* < 0: cannot ask (no privilege): the load will tell */
		return libbpf_probe_bpf_prog_type(type, NULL) != 0;
	}
}

/*
 * pred in vmlinux's BTF, else in a loaded module's: CO-RE relocates
 * against both (a type a module defines, as libbpf looks it up).
 */
static bool btf_has(struct kcheck *k, bool (*pred)(const struct btf *, const char *),
		    const char *what)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct btf *m, **nv;
	DIR *d;
	int i;

	if (pred(k->vm, what))
		return true;
	if (!k->mods_tried) {
		k->mods_tried = true;
		d = opendir("/sys/kernel/btf");
		while (d && (de = readdir(d)) && k->nmods < MAX_MODULE_BTF) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
			m = btf__parse_split(path, k->vm);
			if (libbpf_get_error(m))
				continue;
			nv = realloc(k->mods, sizeof(*nv) * (size_t)(k->nmods + 1));
			if (!nv) {
				btf__free(m);
				break;
			}
			k->mods = nv;
			k->mods[k->nmods++] = m;
		}
		if (d)
			closedir(d);
	}
	for (i = 0; i < k->nmods; i++)
		if (pred(k->mods[i], what))
			return true;
	return false;
}

#define LACKS(...) (snprintf(err, errlen, __VA_ARGS__), -ENOTSUP)

/* One "needs" value: "KIND WHAT[ for PP]". */
static int check_need(struct kcheck *k, const char *v, char *err, size_t errlen)
{
	char kind[32], what[PATH_MAX], for_pp[PATH_MAX + 16] = "";
	const char *pp = strstr(v, " for "), *sp;
	const struct btf *b;
	int a1 = 0, a2 = 0;
	char tn[64];

	sp = strchr(v, ' ');
	if (!sp || (size_t)(sp - v) >= sizeof(kind))
		return LACKS("artifact's manifest has a bad needs line: %s", v);
	snprintf(kind, sizeof(kind), "%.*s", (int)(sp - v), v);
	snprintf(what, sizeof(what), "%.*s", (int)(pp ? pp - sp - 1 : (long)strlen(sp + 1)),
		 sp + 1);
	if (pp)
		snprintf(for_pp, sizeof(for_pp), " (%s)", pp + 5);

	if (!strcmp(kind, "tracepoint")) {
		if (!tracepoint_exists(what))
			return LACKS("artifact needs tracepoint %s%s, which this kernel lacks",
				     what, for_pp);
	} else if (!strcmp(kind, "rawtp")) {
		if (!rawtp_exists(k, what))
			return LACKS("artifact needs raw tracepoint %s%s, which this kernel lacks",
				     what, for_pp);
	} else if (!strncmp(kind, "kprobe", 6) || !strncmp(kind, "kretprobe", 9)) {
		if (access("/sys/bus/event_source/devices/kprobe", F_OK))
			return LACKS("artifact needs kprobes%s, which this kernel lacks", for_pp);
		if (!ksym_exists(k, what, false))
			return LACKS("artifact needs kernel function %s%s, which this kernel lacks",
				     what, for_pp);
	} else if (!strcmp(kind, "ksym")) {
		if (!ksym_exists(k, what, true))
			return LACKS("artifact needs kernel symbol %s (a kfunc or ksym it calls or "
				     "reads), which this kernel lacks",
				     what);
	} else if (!strcmp(kind, "fentry") || !strcmp(kind, "fexit")) {
		b = kc_btf(k);
		if (!b || btf__find_by_name_kind(b, what, BTF_KIND_FUNC) <= 0)
			return LACKS(
			    "artifact needs kernel function %s in BTF%s, which this kernel "
			    "lacks",
			    what, for_pp);
		if (!fentry_works(k, what))
			return LACKS("artifact needs BPF trampolines (fentry)%s, which this kernel "
				     "lacks",
				     for_pp);
	} else if (!strcmp(kind, "uprobe")) {
		if (access("/sys/bus/event_source/devices/uprobe", F_OK))
			return LACKS("artifact needs uprobes%s, which this kernel lacks", for_pp);
		if (access(what, F_OK))
			return LACKS("artifact needs the file %s%s, which this machine lacks", what,
				     for_pp);
	} else if (!strcmp(kind, "perf")) {
		if (access("/proc/sys/kernel/perf_event_paranoid", F_OK))
			return LACKS("artifact needs perf events%s, which this kernel lacks",
				     for_pp);
		if (!strncmp(what, "0:", 2) && access("/sys/bus/event_source/devices/cpu", F_OK))
			return LACKS("artifact needs hardware perf counters%s, which this machine "
				     "lacks",
				     for_pp);
	} else if (!strcmp(kind, "breakpoint")) {
		if (access("/sys/bus/event_source/devices/breakpoint", F_OK))
			return LACKS(
			    "artifact needs hardware breakpoints%s, which this kernel lacks",
			    for_pp);
	} else if (!strcmp(kind, "netfilter")) {
		b = kc_btf(k);
		if (!b || btf__find_by_name_kind(b, "bpf_nf_ctx", BTF_KIND_STRUCT) <= 0)
			return LACKS("artifact needs eBPF netfilter programs%s, which this kernel "
				     "lacks",
				     for_pp);
	} else if (!strcmp(kind, "prog-type")) {
		if (sscanf(what, "%63s %d", tn, &a1) == 2 && !prog_type_works(a1))
			return LACKS("artifact needs eBPF %s programs, which this kernel lacks",
				     tn);
	} else if (!strcmp(kind, "map-type")) {
		if (sscanf(what, "%63s %d", tn, &a1) == 2 &&
		    libbpf_probe_bpf_map_type(a1, NULL) == 0)
			return LACKS("artifact needs eBPF %s maps, which this kernel lacks", tn);
	} else if (!strcmp(kind, "helper")) {
		char hn[64];

		/* < 0: libbpf cannot ask for this program type; the load will say */
		if (sscanf(what, "%63s %d %d", hn, &a1, &a2) == 3 &&
		    libbpf_probe_bpf_helper(a2, a1, NULL) == 0)
			return LACKS("artifact needs eBPF helper %s, which this kernel lacks", hn);
	} else if (!strncmp(kind, "btf-", 4)) {
		bool (*has)(const struct btf *, const char *) =
		    !strcmp(kind, "btf-field")	   ? field_exists
		    : !strcmp(kind, "btf-type")	   ? type_exists
		    : !strcmp(kind, "btf-enumval") ? enumval_exists
						   : NULL;

		if (!has)
			return LACKS("artifact needs '%s', which this tap (%s) cannot check", v,
				     TAPHUB_VERSION);
		if (!kc_btf(k))
			return LACKS(
			    "artifact needs kernel BTF (/sys/kernel/btf/vmlinux), which this "
			    "kernel lacks");
		if (!btf_has(k, has, what))
			return LACKS("artifact needs BTF %s %s, which this kernel lacks", kind + 4,
				     what);
	} else {
		return LACKS("artifact needs '%s', which this tap (%s) cannot check", v,
			     TAPHUB_VERSION);
	}
	return 0;
}

static int check_arch(const struct hub_artifact *a, char *err, size_t errlen)
{
	const char *v = hub_artifact_get(a, "arch");
	char name[64];
	struct utsname u;
	int em, here;

	if (!v || sscanf(v, "%63s %d", name, &em) != 2) {
		snprintf(err, errlen, "artifact's manifest does not name its architecture");
		return -EINVAL;
	}
	here = elf_machine("/proc/self/exe");
	if (here >= 0 && here != em) {
		snprintf(err, errlen,
			 "artifact is for %s (ELF machine %d), this machine is %s (%d)", name, em,
			 uname(&u) == 0 ? u.machine : "?", here);
		return -EXDEV;
	}
	return 0;
}

int hub_artifact_check_kernel(const struct hub_artifact *a, char *err, size_t errlen)
{
	struct kcheck k = {0};
	const char *key, *val;
	int i, r;

	r = check_arch(a, err, errlen);
	for (i = 0; !r && hub_artifact_line(a, i, &key, &val) == 0; i++)
		if (!strcmp(key, "needs"))
			r = check_need(&k, val, err, errlen);
	for (i = 0; i < k.nmods; i++)
		btf__free(k.mods[i]);
	free(k.mods);
	btf__free(k.vm);
	free(k.kallsyms);
	return r;
}
