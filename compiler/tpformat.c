// SPDX-License-Identifier: MIT
/*
 * Tracepoint formats: the layout of a trace event's record as the kernel
 * describes it in tracefs, events/SUBSYS/EVENT/format:
 *
 *   name: sched_switch
 *   ID: 372
 *   format:
 *   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
 *   	...
 *
 *   	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
 *   	field:__data_loc char[] filename;	offset:8;	size:4;	signed:0;
 *   	field:const char * filename;	offset:24;	size:8;	signed:0;
 *
 *   print fmt: "prev_comm=%s ...", REC->prev_comm, ...
 *
 * cc_tp_parse() checks the header lines in that order, reads every field
 * line up to "print fmt:" (whose text we do not need; its presence shows
 * the text is not truncated) and drops the common_* fields every event
 * shares.  A declaration is split the way the kernel built it: the name is
 * the last identifier, an array suffix stays with the type, so the type of
 * prev_comm is "char[16]" and that of filename "__data_loc char[]".  The
 * text is untrusted (it is fuzzed): it is copied and NUL-terminated once,
 * every number is range-checked, and anything unexpected is -EINVAL.
 *
 * The kind decides what the code generator may do with a field; see
 * classify().  __rel_loc fields (offset relative to the field's end) and
 * flexible arrays ("char buf[]", size 0) are CC_TPF_OTHER: reading them
 * needs more than the record and the field's own offset.
 *
 * cc_tp_parse() cannot know the subsystem, which only the path carries; it
 * leaves subsys "" and cc_tp_load() fills it in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* Real format files are a few KiB; anything this big is not one. */
#define TP_MAX_TEXT (1 << 20)
/* Trace records fit in a ring-buffer page; allow for large pages. */
#define TP_MAX_RECORD (1 << 20)
/* Event and subsystem names are short identifiers. */
#define TP_MAX_NAME 256

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static char *skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Trim trailing blanks of [s, end) in place; returns the new end. */
static char *trim_end(char *s, char *end)
{
	while (end > s && is_space(end[-1]))
		end--;
	return end;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* A decimal number in [0, max] at *p; *p moves past it. */
static int parse_uint(char **p, int max, int *ret)
{
	char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*p = s;
	*ret = (int)v;
	return 0;
}

/*
 * Whether the n bytes at s are "char" with nothing else but const and
 * volatile qualifiers: "unsigned char" and "u8" arrays are bytes, not text.
 */
static bool is_plain_char(const char *s, size_t n)
{
	const char *end = s + n, *w;
	int nchar = 0;
	size_t len;

	while (s < end) {
		while (s < end && is_space(*s))
			s++;
		for (w = s; s < end && !is_space(*s); s++)
			;
		len = s - w;
		if (!len)
			break;
		if (len == 4 && !memcmp(w, "char", 4))
			nchar++;
		else if (!(len == 5 && !memcmp(w, "const", 5)) &&
			 !(len == 8 && !memcmp(w, "volatile", 8)))
			return false;
	}
	return nchar == 1;
}

/*
 * Kind of a field from its type and size:
 *   "__data_loc char[]", size 4         -> CC_TPF_DATALOC_STR
 *   "char[N]", size N > 0               -> CC_TPF_CHARARRAY
 *   with a '*', not an array, size 4/8  -> CC_TPF_PTR
 *   other scalars of size 1, 2, 4 or 8  -> CC_TPF_INT
 *   everything else                     -> CC_TPF_OTHER
 * Returns -EINVAL when the text contradicts itself (char[16] of size 8).
 */
static int classify(const char *type, int size)
{
	const char *lb = strchr(type, '['), *elem;
	char *end;
	long n;

	if (starts_with(type, "__data_loc") && is_space(type[10])) {
		elem = type + 11;
		if (lb && !strcmp(lb, "[]") && is_plain_char(elem, lb - elem) && size == 4)
			return CC_TPF_DATALOC_STR;
		return CC_TPF_OTHER;
	}
	if (starts_with(type, "__rel_loc"))
		return CC_TPF_OTHER;
	if (lb) {
		if (!is_plain_char(type, lb - type) || size == 0)
			return CC_TPF_OTHER;
		/* The kernel prints the length as a number; older ones may print a macro. */
		n = strtol(lb + 1, &end, 10);
		if (end != lb + 1 && !strcmp(end, "]") && n != size)
			return -EINVAL;
		return CC_TPF_CHARARRAY;
	}
	if (strchr(type, '*'))
		return size == 4 || size == 8 ? CC_TPF_PTR : CC_TPF_OTHER;
	if (starts_with(type, "struct ") || starts_with(type, "union "))
		return CC_TPF_OTHER;
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return CC_TPF_INT;
	return CC_TPF_OTHER;
}

/*
 * Split a declaration into name and type:
 *   "char prev_comm[16]"         -> "prev_comm", "char[16]"
 *   "__data_loc char[] filename" -> "filename", "__data_loc char[]"
 *   "const char * filename"      -> "filename", "const char *"
 * decl is NUL-terminated and trimmed.
 */
static int split_decl(const char *decl, char **ret_name, char **ret_type)
{
	const char *end = decl + strlen(decl), *suffix = end, *name, *lb;
	char *tname, *ttype;
	size_t tlen;

	if (end > decl && end[-1] == ']') {
		lb = strrchr(decl, '[');
		if (!lb || strchr(lb + 1, ']') != end - 1)
			return -EINVAL;
		suffix = lb;
		end = lb;
		while (end > decl && is_space(end[-1]))
			end--;
	}
	for (name = end; name > decl && is_ident(name[-1]); name--)
		;
	if (name == end || (*name >= '0' && *name <= '9') || end - name >= TP_MAX_NAME)
		return -EINVAL;
	for (tlen = name - decl; tlen && is_space(decl[tlen - 1]); tlen--)
		;
	if (!tlen)
		return -EINVAL;

	tname = strndup(name, end - name);
	ttype = malloc(tlen + strlen(suffix) + 1);
	if (!tname || !ttype) {
		free(tname);
		free(ttype);
		return -ENOMEM;
	}
	memcpy(ttype, decl, tlen);
	strcpy(ttype + tlen, suffix);
	*ret_name = tname;
	*ret_type = ttype;
	return 0;
}

/*
 * One field line, from just after "field:":
 *   DECL;	offset:N;	size:N;	signed:N;
 * offset and size are required, signed defaults to 0, unknown keys are
 * skipped so that a kernel adding one does not break us.
 */
static int parse_field(char *s, struct cc_tpfield *fld)
{
	int offset = -1, size = -1, sign = 0, *dst, max, ret;
	char *semi, *key, *decl;

	semi = strchr(s, ';');
	if (!semi)
		return -EINVAL;
	decl = skip_space(s);
	*trim_end(decl, semi) = '\0';

	for (s = semi + 1;;) {
		s = skip_space(s);
		if (!*s)
			break;
		key = s;
		while (is_ident(*s))
			s++;
		if (*s != ':' || s == key)
			return -EINVAL;
		*s++ = '\0';
		if (!strcmp(key, "offset")) {
			dst = &offset;
			max = TP_MAX_RECORD;
		} else if (!strcmp(key, "size")) {
			dst = &size;
			max = TP_MAX_RECORD;
		} else if (!strcmp(key, "signed")) {
			dst = &sign;
			max = 1;
		} else {
			dst = NULL;
		}
		if (dst) {
			ret = parse_uint(&s, max, dst);
			if (ret)
				return ret;
		} else {
			s += strcspn(s, ";");
		}
		s = skip_space(s);
		if (*s != ';')
			return -EINVAL;
		s++;
	}
	if (offset < 0 || size < 0 || offset + size > TP_MAX_RECORD)
		return -EINVAL;

	ret = split_decl(decl, &fld->name, &fld->type);
	if (ret)
		return ret;
	fld->offset = offset;
	fld->size = size;
	fld->is_signed = sign;
	ret = classify(fld->type, size);
	if (ret < 0) {
		free(fld->name);
		free(fld->type);
		return ret;
	}
	fld->kind = ret;
	return 0;
}

/* "KEY: value" header line: the value, trimmed, or NULL. */
static char *header_value(char *line, const char *key)
{
	char *v;

	if (!starts_with(line, key))
		return NULL;
	v = skip_space(line + strlen(key));
	*trim_end(v, v + strlen(v)) = '\0';
	return v;
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	return n && n < TP_MAX_NAME && !strpbrk(s, " \t/");
}

enum parse_state {
	WANT_NAME,
	WANT_ID,
	WANT_FORMAT,
	IN_FIELDS,
	DONE,
};

int cc_tp_parse(const char *text, size_t len, struct cc_tpformat **ret)
{
	enum parse_state st = WANT_NAME;
	struct cc_tpformat *f;
	struct cc_tpfield fld, *nf;
	char *buf, *line, *next, *v;
	int cap = 0, err = 0;

	if (len > TP_MAX_TEXT)
		return -E2BIG;
	if ((!text && len) || (len && memchr(text, '\0', len)))
		return -EINVAL;
	buf = malloc(len + 1);
	f = calloc(1, sizeof(*f));
	if (!buf || !f) {
		err = -ENOMEM;
		goto out_free;
	}
	if (len)
		memcpy(buf, text, len);
	buf[len] = '\0';
	f->subsys = strdup("");
	if (!f->subsys) {
		err = -ENOMEM;
		goto out_free;
	}

	for (line = buf; line && st != DONE; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		switch (st) {
		case WANT_NAME:
			v = header_value(line, "name:");
			if (!v || !name_valid(v)) {
				err = -EINVAL;
				goto out_free;
			}
			f->event = strdup(v);
			if (!f->event) {
				err = -ENOMEM;
				goto out_free;
			}
			st = WANT_ID;
			break;
		case WANT_ID:
			v = header_value(line, "ID:");
			if (!v || parse_uint(&v, INT_MAX, &f->id) || *v) {
				err = -EINVAL;
				goto out_free;
			}
			st = WANT_FORMAT;
			break;
		case WANT_FORMAT:
			v = header_value(line, "format:");
			if (!v || *v) {
				err = -EINVAL;
				goto out_free;
			}
			st = IN_FIELDS;
			break;
		case IN_FIELDS:
			line = skip_space(line);
			if (!*line)
				break;
			if (starts_with(line, "print fmt:")) {
				st = DONE;
				break;
			}
			if (!starts_with(line, "field:")) {
				err = -EINVAL;
				goto out_free;
			}
			err = parse_field(line + 6, &fld);
			if (err)
				goto out_free;
			if (starts_with(fld.name, "common_")) {
				free(fld.name);
				free(fld.type);
				break;
			}
			if (f->nfields == cap) {
				cap = cap ? 2 * cap : 8;
				nf = realloc(f->fields, cap * sizeof(*nf));
				if (!nf) {
					free(fld.name);
					free(fld.type);
					err = -ENOMEM;
					goto out_free;
				}
				f->fields = nf;
			}
			f->fields[f->nfields++] = fld;
			break;
		case DONE:
			break;
		}
	}
	if (st != DONE) {
		err = -EINVAL;
		goto out_free;
	}
	free(buf);
	*ret = f;
	return 0;

out_free:
	cc_tp_free(f);
	free(buf);
	return err;
}

void cc_tp_free(struct cc_tpformat *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].type);
	}
	free(f->fields);
	free(f->subsys);
	free(f->event);
	free(f);
}

/* A single path component we may put between slashes. */
static bool component_valid(const char *s)
{
	return s && name_valid(s) && strcmp(s, ".") && strcmp(s, "..");
}

int cc_tp_load(const char *tracefs, const char *subsys, const char *event, struct cc_tpformat **ret)
{
	struct cc_tpformat *f;
	/* Set by cc_read_fd() only on success, which gcc -O2 cannot see. */
	char *path, *text = NULL;
	size_t len = 0;
	int fd, err;

	if (!component_valid(subsys) || !component_valid(event))
		return -EINVAL;
	if (!tracefs)
		tracefs = cc_tracefs();
	if (asprintf(&path, "%s/events/%s/%s/format", tracefs, subsys, event) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -errno;
	/* tracefs files report size 0: read until EOF */
	err = cc_read_fd(fd, TP_MAX_TEXT, &text, &len);
	close(fd);
	if (err)
		return err;
	err = cc_tp_parse(text, len, &f);
	free(text);
	if (err)
		return err;

	free(f->subsys);
	f->subsys = strdup(subsys);
	if (!f->subsys) {
		cc_tp_free(f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

static bool has_events(const char *dir)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/events", dir);
	return access(path, F_OK) == 0;
}

const char *cc_tracefs(void)
{
	const char *env = getenv("TAPHUB_TRACEFS");

	if (env && *env)
		return env;
	/* Without tracefs mounted, /sys/kernel/tracing is an empty dir. */
	if (has_events("/sys/kernel/tracing"))
		return "/sys/kernel/tracing";
	if (has_events("/sys/kernel/debug/tracing"))
		return "/sys/kernel/debug/tracing";
	return "/sys/kernel/tracing";
}

static int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strv {
	char **v;
	size_t n, cap;
};

/* Append "subsys:event", keeping v NULL-terminated. */
static int strv_add(struct strv *sv, const char *subsys, const char *event)
{
	char **nv, *s;
	size_t cap;

	/* Room for the new string and the NULL after it. */
	if (sv->n + 2 > sv->cap) {
		cap = sv->cap < 32 ? 64 : 2 * sv->cap;
		nv = realloc(sv->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		sv->v = nv;
		sv->cap = cap;
	}
	if (asprintf(&s, "%s:%s", subsys, event) < 0)
		return -ENOMEM;
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

/* Events of one subsystem dir (fd, consumed) matching pat. */
static int list_subsys(int fd, const char *subsys, const char *pat, struct strv *sv)
{
	struct dirent *de;
	char rel[TP_MAX_NAME + 8];
	int ret = 0;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (de->d_name[0] == '.' || fnmatch(pat, de->d_name, 0))
			continue;
		/* Only event dirs have a format; "enable" and "filter" are files. */
		if (snprintf(rel, sizeof(rel), "%s/format", de->d_name) >= (int)sizeof(rel) ||
		    faccessat(fd, rel, F_OK, 0))
			continue;
		ret = strv_add(sv, subsys, de->d_name);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

int cc_tp_list(const char *tracefs, const char *subsys_pat, const char *event_pat, char ***ret)
{
	struct strv sv = {0};
	struct dirent *de;
	char *path;
	int fd, sfd, err = 0;
	DIR *d;

	if (!tracefs)
		tracefs = cc_tracefs();
	if (!subsys_pat)
		subsys_pat = "*";
	if (!event_pat)
		event_pat = "*";
	if (asprintf(&path, "%s/events", tracefs) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	/* An empty list is still a NULL-terminated array. */
	sv.v = calloc(1, sizeof(*sv.v));
	if (!sv.v) {
		err = -ENOMEM;
		goto out_close;
	}
	sv.cap = 1;

	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		/*
		 * events/ftrace/ holds the record types of ftrace's own buffer
		 * (function, print, bprint, ...), not tracepoints: perf and BPF
		 * cannot attach to them (ENOENT), and stap does not list them
		 */
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "ftrace") ||
		    fnmatch(subsys_pat, de->d_name, 0))
			continue;
		/* "enable", "header_page" and friends are files: ENOTDIR. */
		sfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0) {
			if (errno == ENOTDIR || errno == ENOENT)
				continue;
			err = -errno;
			break;
		}
		err = list_subsys(sfd, de->d_name, event_pat, &sv);
		if (err)
			break;
	}
	if (err)
		goto out_close;

	if (sv.n > 1)
		qsort(sv.v, sv.n, sizeof(*sv.v), strv_cmp);
	closedir(d);
	*ret = sv.v;
	return (int)sv.n;

out_close:
	closedir(d);
	cc_strv_free(sv.v);
	return err;
}

void cc_strv_free(char **v)
{
	char **p;

	if (!v)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}
