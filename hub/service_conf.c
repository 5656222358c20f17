// SPDX-License-Identifier: MIT
/*
 * The boot-time service's files (docs/service.md): which scripts there
 * are and how each is to run.
 *
 *   CONFDIR/config               global settings          (CONFDIR: $TAPHUB_CONFDIR,
 *   CONFDIR/script.d/NAME.stp    a script to run           else /etc/taphub)
 *   CONFDIR/conf.d/NAME.conf     its options
 *   STAPDIR/...                  the same, SystemTap's     (STAPDIR: $TAPHUB_STAP_CONFDIR,
 *                                                            else /etc/systemtap)
 *
 * The files are shell assignments, as SystemTap's initscript sources them
 * (NAME_OPT="-o /var/log/NAME.log -S 1,5"); they are read here, never run
 * by a shell: quotes and backslashes as sh(1) has them, no expansion, no
 * commands.  The value is then split at blanks, as the initscript's
 * unquoted $NAME_OPT is.  A taphub file with a key this reader does not
 * know is an error (a typo would be silently ignored otherwise); a
 * SystemTap file may hold anything its shell would take, so its unknown
 * keys are ignored.
 *
 * A script of the same name in both directories: taphub's wins, and the
 * service says which one it shadows.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hub/hub.h"

#define DEFAULT_CONFDIR "/etc/taphub"
#define DEFAULT_STAPDIR "/etc/systemtap"

static void __attribute__((format(printf, 3, 4))) say(char *err, size_t errlen,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *hub_service_confdir(void)
{
	const char *e = getenv("TAPHUB_CONFDIR");

	return e && *e ? e : DEFAULT_CONFDIR;
}

const char *hub_service_stapdir(void)
{
	const char *e = getenv("TAPHUB_STAP_CONFDIR");

	return e && *e ? e : DEFAULT_STAPDIR;
}

/* A whole file, NUL-terminated; -ENOENT when it is not there. */
static int read_file(const char *path, char **ret, size_t *ret_len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT)
			say(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > HUB_SERVICE_FILE_MAX) {
		say(err, errlen, "%s: not a regular file of at most %u KB", path,
		    HUB_SERVICE_FILE_MAX >> 10);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	*ret = buf;
	*ret_len = len;
	return 0;
}

/*
 * The next assignment of a shell file: KEY=VALUE with VALUE unquoted (into
 * val), or 0 at the end.  *pos walks the text, *line counts its lines.
 * Returns 1 for an assignment, 0 at the end, -EINVAL with err
 * "FILE:LINE: problem".
 *
 * file  = { blank | comment | assignment } ;
 * assignment = ["export"] KEY "=" { unquoted | "'" any "'" | '"' dq '"' } ;
 */
int hub_service_assign_next(const char *file, const char *text, size_t *pos, int *line,
			    char *key, size_t keylen, char *val, size_t vallen, char *err,
			    size_t errlen)
{
	size_t i = *pos, k = 0, v = 0;
	int start;

	for (;;) {
		while (text[i] == ' ' || text[i] == '\t')
			i++;
		if (text[i] == '#')
			while (text[i] && text[i] != '\n')
				i++;
		if (text[i] == '\n') {
			(*line)++;
			i++;
			continue;
		}
		break;
	}
	if (!text[i]) {
		*pos = i;
		return 0;
	}
	start = *line;
	if (!strncmp(text + i, "export", 6) && (text[i + 6] == ' ' || text[i + 6] == '\t'))
		for (i += 6; text[i] == ' ' || text[i] == '\t'; i++)
			;
	if (!isalpha((unsigned char)text[i]) && text[i] != '_')
		goto bad_line;
	while (isalnum((unsigned char)text[i]) || text[i] == '_') {
		if (k + 1 >= keylen) {
			say(err, errlen, "%s:%d: a key longer than %zu characters", file, start,
			    keylen - 1);
			return -EINVAL;
		}
		key[k++] = text[i++];
	}
	key[k] = 0;
	if (text[i] != '=')
		goto bad_line;
	i++;
	/* the value: until an unquoted blank, newline or comment */
	while (text[i] && text[i] != '\n' && text[i] != ' ' && text[i] != '\t') {
		char c = text[i], q;

		if (c == '$' || c == '`') {
			say(err, errlen, "%s:%d: '%c' would expand or run something: quote it with "
				 "'...' (this file is read, not run)", file, *line, c);
			return -EINVAL;
		}
		if (c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
		    c == ')') {
			say(err, errlen, "%s:%d: '%c' outside quotes: one assignment per line, "
				 "KEY=\"VALUE\"", file, *line, c);
			return -EINVAL;
		}
		if (c == '\\') {
			if (text[i + 1] == '\n') { /* a continued line */
				(*line)++;
				i += 2;
				continue;
			}
			if (!text[i + 1])
				break;
			c = text[++i];
			i++;
			goto put;
		}
		if (c != '\'' && c != '"') {
			i++;
			goto put;
		}
		q = c;
		for (i++; text[i] && text[i] != q; i++) {
			c = text[i];
			if (c == '\n')
				(*line)++;
			if (q == '"' && (c == '$' || c == '`')) {
				say(err, errlen, "%s:%d: '%c' would expand or run something: quote "
					 "it with '...' (this file is read, not run)", file, *line,
				    c);
				return -EINVAL;
			}
			if (q == '"' && c == '\\' && strchr("\"\\$`\n", text[i + 1])) {
				c = text[++i];
				if (c == '\n') {
					(*line)++;
					continue;
				}
			}
			if (v + 1 >= vallen)
				goto too_long;
			val[v++] = c;
		}
		if (!text[i]) {
			say(err, errlen, "%s:%d: the %s quote opened here is not closed", file,
			    start, q == '"' ? "double" : "single");
			return -EINVAL;
		}
		i++;
		continue;
put:
		if (v + 1 >= vallen)
			goto too_long;
		val[v++] = c;
	}
	val[v] = 0;
	/* after the value: blanks, then a comment or the end of the line */
	while (text[i] == ' ' || text[i] == '\t')
		i++;
	if (text[i] == '#')
		while (text[i] && text[i] != '\n')
			i++;
	if (text[i] && text[i] != '\n') {
		say(err, errlen, "%s:%d: more after %s's value: quote a value with blanks, "
			 "%s=\"...\"", file, *line, key, key);
		return -EINVAL;
	}
	*pos = i;
	return 1;
too_long:
	say(err, errlen, "%s:%d: %s's value is longer than %zu bytes", file, start, key,
	    vallen - 1);
	return -EINVAL;
bad_line:
	say(err, errlen, "%s:%d: expected KEY=VALUE", file, start);
	return -EINVAL;
}

static bool yes_no(const char *v, bool *ret)
{
	if (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true"))
		*ret = true;
	else if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false"))
		*ret = false;
	else
		return false;
	return true;
}

/* A global config file (taphub's or SystemTap's): 0, or -EINVAL with err. */
static int config_read(const char *path, bool stap, struct hub_service_set *set, char *err,
		       size_t errlen)
{
	char key[64], val[PATH_MAX], *text;
	size_t len, pos = 0;
	int line = 1, r;

	r = read_file(path, &text, &len, err, errlen);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	while ((r = hub_service_assign_next(path, text, &pos, &line, key, sizeof(key), val,
					    sizeof(val), err, errlen)) > 0) {
		if (!strcmp(key, "SCRIPT_PATH") || !strcmp(key, "CONFIG_PATH")) {
			char *dst = key[0] == 'S' ? (stap ? set->stap_script_dir : set->script_dir)
						  : (stap ? set->stap_conf_dir : set->conf_dir);

			if (val[0] != '/') {
				say(err, errlen, "%s:%d: %s must be an absolute path", path, line,
				    key);
				r = -EINVAL;
				break;
			}
			snprintf(dst, PATH_MAX, "%s", val);
		} else if (!strcmp(key, "DEFAULT_START")) {
			if (!yes_no(val, &set->boot_default)) {
				say(err, errlen, "%s:%d: DEFAULT_START is yes or no, not '%s'", path,
				    line, val);
				r = -EINVAL;
				break;
			}
		} else if (!stap && !strcmp(key, "artifact_dir")) {
			if (val[0] != '/') {
				say(err, errlen, "%s:%d: artifact_dir must be an absolute path", path,
				    line);
				r = -EINVAL;
				break;
			}
			snprintf(set->artifact_dir, sizeof(set->artifact_dir), "%s", val);
		} else if (!stap) {
			say(err, errlen, "%s:%d: unknown key '%s' (SCRIPT_PATH, CONFIG_PATH, "
				 "DEFAULT_START, artifact_dir)", path, line, key);
			r = -EINVAL;
			break;
		}
	}
	free(text);
	return r < 0 ? r : 0;
}

/* FNV-1a: what reload compares to tell a changed script. */
static uint64_t hash_add(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int add_word(struct hub_service *s, const char *w, size_t n)
{
	if (s->nwords == HUB_SERVICE_WORDS)
		return -E2BIG;
	s->words[s->nwords] = strndup(w, n);
	if (!s->words[s->nwords])
		return -ENOMEM;
	s->nwords++;
	return 0;
}

/* w is option opt: -m, -mNAME; --relay-host, --relay-host=H */
static bool refused_opt(const char *w, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(w, opt, n))
		return false;
	return !w[n] || opt[1] != '-' || w[n] == '=';
}

/* tap's own options in a conf's value, word by word; the service's are taken out. */
static int take_options(struct hub_service *s, const char *file, int line, const char *key,
			const char *v, char *err, size_t errlen)
{
	static const char *const refused[] = { "-F", "-A", "-m", "-c", "-e", "-l", "-L", "-p",
					       "-x", "-V", "-h", "--relay-host", "--relay-guest" };
	char *words[HUB_SERVICE_WORDS + 1];
	int n = 0, i, r = 0;
	size_t k;
	const char *p = v;

	while (*p) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t\n");
		if (n == HUB_SERVICE_WORDS) {
			say(err, errlen, "%s:%d: %s has more than %d words", file, line, key,
			    HUB_SERVICE_WORDS);
			r = -E2BIG;
			goto out;
		}
		words[n] = strndup(p, len);
		if (!words[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
		p += len;
	}
	for (i = 0; i < n; i++) {
		const char *w = words[i], *arg = NULL;

		for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
			if (refused_opt(w, refused[k])) {
				say(err, errlen, "%s:%d: %s: the service does not take %s (it names, "
					 "starts and stops the session itself)", file, line, key,
				    refused[k]);
				r = -EINVAL;
				goto out;
			}
		if (!strcmp(w, "-o") || !strcmp(w, "-S") || !strcmp(w, "-s")) {
			if (i + 1 == n) {
				say(err, errlen, "%s:%d: %s: %s needs a value", file, line, key, w);
				r = -EINVAL;
				goto out;
			}
			arg = words[++i];
		} else if (!strncmp(w, "-o", 2) || !strncmp(w, "-S", 2) || !strncmp(w, "-s", 2)) {
			arg = w + 2;
		}
		if (arg && w[1] == 'o') {
			if (arg[0] != '/') {
				say(err, errlen, "%s:%d: %s: -o %s: the service needs an absolute path",
				    file, line, key, arg);
				r = -EINVAL;
				goto out;
			}
			snprintf(s->output, sizeof(s->output), "%s", arg);
		} else if (arg && w[1] == 'S') {
			char *end;
			unsigned long long mb = strtoull(arg, &end, 10);
			long cnt = 0;

			if (end == arg || mb == 0 || mb > 1u << 20 ||
			    (*end && (*end != ',' || (cnt = strtol(end + 1, &end, 10)) <= 0 ||
				      cnt > 100000 || *end))) {
				say(err, errlen, "%s:%d: %s: -S takes SIZE_MB[,COUNT], not '%s'", file,
				    line, key, arg);
				r = -EINVAL;
				goto out;
			}
			s->rot_size = mb << 20;
			s->rot_count = (int)cnt;
		} else if (arg && w[1] == 's') {
			char *end;
			unsigned long mb = strtoul(arg, &end, 10);

			if (end == arg || *end || mb < 1 || mb > HUB_BUF_MB_MAX) {
				say(err, errlen, "%s:%d: %s: -s takes 1 to %d (MB), not '%s'", file,
				    line, key, HUB_BUF_MB_MAX, arg);
				r = -EINVAL;
				goto out;
			}
			s->bufsize = (uint64_t)mb << 20;
		} else if ((r = add_word(s, w, strlen(w)))) {
			say(err, errlen, "%s:%d: %s: more than %d options", file, line, key,
			    HUB_SERVICE_WORDS);
			goto out;
		}
	}
out:
	while (n--)
		free(words[n]);
	return r;
}

static int conf_key(struct hub_service *s, const char *file, int line, const char *key,
		    const char *val, bool stap, char *err, size_t errlen)
{
	char opt[HUB_NAME_MAX + 8];

	snprintf(opt, sizeof(opt), "%s_OPT", s->name);
	if (!strcmp(key, opt) || !strcmp(key, "options"))
		return take_options(s, file, line, key, val, err, errlen);
	if (stap)
		return 0; /* NAME_REQ and the rest: a SystemTap file, its shell's business */
	if (!strcmp(key, "classes")) {
		const char *p = val;

		s->nclasses = 0;
		while (*p) {
			struct hub_class_spec spec;
			char why[256];
			size_t len;

			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			len = strcspn(p, " \t");
			if (s->nclasses == TH_MAX_CLASSES || len >= sizeof(s->classes[0])) {
				say(err, errlen, "%s:%d: classes: at most %d, each NAME=SIZE[:policy]",
				    file, line, TH_MAX_CLASSES);
				return -EINVAL;
			}
			memcpy(s->classes[s->nclasses], p, len);
			s->classes[s->nclasses][len] = 0;
			if (hub_class_spec_parse(s->classes[s->nclasses], &spec, why, sizeof(why))) {
				say(err, errlen, "%s:%d: classes: %.256s", file, line, why);
				return -EINVAL;
			}
			s->nclasses++;
			p += len;
		}
		return 0;
	}
	if (!strcmp(key, "relay_host")) {
		if (*val && !hub_name_valid(val)) {
			say(err, errlen, "%s:%d: relay_host: a host name is letters, digits and '_'",
			    file, line);
			return -EINVAL;
		}
		snprintf(s->relay_host, sizeof(s->relay_host), "%s", val);
		return 0;
	}
	if (!strcmp(key, "output")) {
		if (val[0] != '/') {
			say(err, errlen, "%s:%d: output must be an absolute path", file, line);
			return -EINVAL;
		}
		snprintf(s->output, sizeof(s->output), "%s", val);
		return 0;
	}
	if (!strcmp(key, "start_at_boot") || !strcmp(key, "boot")) {
		if (!yes_no(val, &s->boot)) {
			say(err, errlen, "%s:%d: %s is yes or no, not '%s'", file, line, key, val);
			return -EINVAL;
		}
		s->boot_set = true;
		return 0;
	}
	if (!strcmp(key, "owner")) {
		if (!*val || strlen(val) >= sizeof(s->owner)) {
			say(err, errlen, "%s:%d: owner: a user name", file, line);
			return -EINVAL;
		}
		snprintf(s->owner, sizeof(s->owner), "%s", val);
		return 0;
	}
	say(err, errlen, "%s:%d: unknown key '%s' (%s, options, classes, relay_host, output, "
		 "start_at_boot, owner)", file, line, key, opt);
	return -EINVAL;
}

/* NAME.conf of a script, if there is one: its keys into s; -errno with s->error. */
static int conf_read(struct hub_service *s, const char *conf_dir, bool stap)
{
	char key[HUB_NAME_MAX + 8], *val = NULL, *text = NULL;
	size_t len, pos = 0;
	int line = 1, r;

	if ((size_t)snprintf(s->conf, sizeof(s->conf), "%s/%s.conf", conf_dir, s->name) >=
	    sizeof(s->conf))
		return -ENAMETOOLONG;
	r = read_file(s->conf, &text, &len, s->error, sizeof(s->error));
	if (r == -ENOENT) {
		s->conf[0] = 0;
		return 0;
	}
	if (r)
		return r;
	s->hash = hash_add(s->hash, text, len);
	val = malloc(HUB_SERVICE_VALUE_MAX);
	if (!val) {
		free(text);
		return -ENOMEM;
	}
	while ((r = hub_service_assign_next(s->conf, text, &pos, &line, key, sizeof(key), val,
					    HUB_SERVICE_VALUE_MAX, s->error,
					    sizeof(s->error))) > 0) {
		r = conf_key(s, s->conf, line, key, val, stap, s->error, sizeof(s->error));
		if (r)
			break;
	}
	free(val);
	free(text);
	return r < 0 ? r : 0;
}

static struct hub_service *find(struct hub_service_set *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].name, name))
			return &set->v[i];
	return NULL;
}

/* A new, empty script NAME in the set (found in dir: for the error). */
static int add(struct hub_service_set *set, const char *name, const char *dir,
	       struct hub_service **ret, char *err, size_t errlen)
{
	struct hub_service *n;

	if (set->n == HUB_SERVICE_MAX) {
		say(err, errlen, "%s: more than %d scripts", dir, HUB_SERVICE_MAX);
		return -E2BIG;
	}
	n = realloc(set->v, sizeof(*n) * (size_t)(set->n + 1));
	if (!n)
		return -ENOMEM;
	set->v = n;
	*ret = &set->v[set->n++];
	memset(*ret, 0, sizeof(**ret));
	snprintf((*ret)->name, sizeof((*ret)->name), "%s", name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hub_service *)a)->name, ((const struct hub_service *)b)->name);
}

/* The scripts of one layout (taphub's first: a name already seen is shadowed). */
static int scan(struct hub_service_set *set, const char *script_dir, const char *conf_dir,
		bool stap, char *err, size_t errlen)
{
	DIR *d = opendir(script_dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : (say(err, errlen, "%s: %s", script_dir, strerror(errno)),
					      -errno);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct hub_service *s;
		char *text;
		size_t tlen;

		if (len < 5 || strcmp(e->d_name + len - 4, ".stp") || e->d_name[0] == '.')
			continue;
		if (len - 4 > HUB_SERVICE_NAME_MAX) {
			say(err, errlen, "%s/%s: a service name has at most %d characters",
			    script_dir, e->d_name, HUB_SERVICE_NAME_MAX);
			r = -ENAMETOOLONG;
			break;
		}
		{
			char name[HUB_NAME_MAX + 1];

			memcpy(name, e->d_name, len - 4);
			name[len - 4] = 0;
			s = find(set, name);
			if (s) {
				/* taphub's dir is scanned first: it wins */
				snprintf(s->shadowed, sizeof(s->shadowed), "%s/%s", script_dir,
					 e->d_name);
				continue;
			}
			r = add(set, name, script_dir, &s, err, errlen);
			if (r)
				break;
		}
		s->from_stap = stap;
		s->boot = set->boot_default;
		s->hash = 0xcbf29ce484222325ull;
		snprintf(s->script, sizeof(s->script), "%s/%s", script_dir, e->d_name);
		if (!hub_name_valid(s->name)) {
			say(s->error, sizeof(s->error), "%s: a service name is letters, digits and "
				 "'_' (it names the relay host)", s->script);
			continue;
		}
		if (read_file(s->script, &text, &tlen, s->error, sizeof(s->error)) == 0) {
			s->hash = hash_add(s->hash, text, tlen);
			free(text);
		}
		conf_read(s, conf_dir, stap);
		if (!s->boot_set)
			s->boot = set->boot_default;
	}
	closedir(d);
	return r;
}

/*
 * A NAME.conf without its script: in the set with that error, so that
 * start and status say so rather than pass over it.
 */
static int orphans(struct hub_service_set *set, const char *conf_dir, const char *script_dir,
		   char *err, size_t errlen)
{
	DIR *d = opendir(conf_dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char name[HUB_NAME_MAX + 1];
		struct hub_service *s;

		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") || e->d_name[0] == '.' ||
		    len - 5 > HUB_SERVICE_NAME_MAX)
			continue;
		memcpy(name, e->d_name, len - 5);
		name[len - 5] = 0;
		if (find(set, name))
			continue;
		r = add(set, name, conf_dir, &s, err, errlen);
		if (r)
			break;
		snprintf(s->conf, sizeof(s->conf), "%s/%s", conf_dir, e->d_name);
		say(s->error, sizeof(s->error), "%s: no script %s.stp in %s", s->conf, name,
		    script_dir);
	}
	closedir(d);
	return r;
}

int hub_service_load(struct hub_service_set *set, char *err, size_t errlen)
{
	const char *root = hub_service_confdir(), *stap = hub_service_stapdir();
	char path[PATH_MAX];
	int r;

	memset(set, 0, sizeof(*set));
	set->boot_default = true;
	snprintf(set->confdir, sizeof(set->confdir), "%s", root);
	snprintf(set->script_dir, sizeof(set->script_dir), "%s/script.d", root);
	snprintf(set->conf_dir, sizeof(set->conf_dir), "%s/conf.d", root);
	snprintf(set->stap_script_dir, sizeof(set->stap_script_dir), "%s/script.d", stap);
	snprintf(set->stap_conf_dir, sizeof(set->stap_conf_dir), "%s/conf.d", stap);
	snprintf(set->artifact_dir, sizeof(set->artifact_dir), "%s/artifacts", root);
	/* SystemTap's config first, so that taphub's settings win */
	snprintf(path, sizeof(path), "%s/config", stap);
	r = config_read(path, true, set, err, errlen);
	if (!r) {
		snprintf(path, sizeof(path), "%s/config", root);
		r = config_read(path, false, set, err, errlen);
	}
	if (!r)
		r = scan(set, set->script_dir, set->conf_dir, false, err, errlen);
	if (!r)
		r = scan(set, set->stap_script_dir, set->stap_conf_dir, true, err, errlen);
	if (!r)
		r = orphans(set, set->conf_dir, set->script_dir, err, errlen);
	if (!r)
		r = orphans(set, set->stap_conf_dir, set->stap_script_dir, err, errlen);
	if (r) {
		hub_service_set_free(set);
		return r;
	}
	if (set->n) /* qsort(NULL, 0, ...) is undefined */
		qsort(set->v, (size_t)set->n, sizeof(set->v[0]), by_name);
	return 0;
}

struct hub_service *hub_service_find(struct hub_service_set *set, const char *name)
{
	return find(set, name);
}

void hub_service_set_free(struct hub_service_set *set)
{
	int i, k;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		for (k = 0; k < set->v[i].nwords; k++)
			free(set->v[i].words[k]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
