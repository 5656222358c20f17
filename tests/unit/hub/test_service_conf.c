// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/service_conf.c: shell-style assignments read without
 * a shell (quotes, backslashes, continued lines, comments; expansion and
 * commands refused with FILE:LINE), and the layout: taphub's and
 * SystemTap's directories, NAME_OPT split into tap's options with -o, -S,
 * -s taken out, taphub's keys, a shadowed script, errors kept per script.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hub/hub.h"

static char root[64];

/* Each assignment of text as "KEY=VALUE|", or the error. */
static void assigns(const char *text, char *out, size_t len)
{
	char key[64], val[256], err[256];
	size_t pos = 0;
	int line = 1, r;

	out[0] = 0;
	while ((r = hub_service_assign_next("f", text, &pos, &line, key, sizeof(key), val,
					    sizeof(val), err, sizeof(err))) > 0)
		snprintf(out + strlen(out), len - strlen(out), "%s=%s|", key, val);
	if (r < 0)
		snprintf(out, len, "%s", err);
}

static void shell_quoting(void **state)
{
	char out[1024];

	(void)state;
	assigns("A=1\n# comment\n\n  B='x y'  # trailing\nexport C=\"a \\\"q\\\" \\\\ b\"\n", out,
		sizeof(out));
	assert_string_equal(out, "A=1|B=x y|C=a \"q\" \\ b|");
	assigns("X=a'b c'\"d\"e\\ f\n", out, sizeof(out));
	assert_string_equal(out, "X=ab cde f|");
	/* a value over two lines, in quotes and with a backslash */
	assigns("X=\"one\ntwo\"\nY=three\\\nfour\nZ=z\n", out, sizeof(out));
	assert_string_equal(out, "X=one\ntwo|Y=threefour|Z=z|");
	assigns("E=\n", out, sizeof(out));
	assert_string_equal(out, "E=|");
}

static void shell_refusals(void **state)
{
	char out[1024];

	(void)state;
	assigns("A=1\nB=\"unclosed\n", out, sizeof(out));
	assert_string_equal(out, "f:2: the double quote opened here is not closed");
	assigns("\nA=$HOME\n", out, sizeof(out));
	assert_non_null(strstr(out, "f:2: '$' would expand"));
	assigns("A=\"`id`\"\n", out, sizeof(out));
	assert_non_null(strstr(out, "f:1: '`' would expand"));
	assigns("A=1; B=2\n", out, sizeof(out));
	assert_non_null(strstr(out, "f:1: ';' outside quotes"));
	assigns("A=1 B=2\n", out, sizeof(out));
	assert_non_null(strstr(out, "f:1: more after A's value"));
	assigns("echo hi\n", out, sizeof(out));
	assert_string_equal(out, "f:1: expected KEY=VALUE");
	assigns("A='x\n\n", out, sizeof(out));
	assert_string_equal(out, "f:1: the single quote opened here is not closed");
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	static const char *const dirs[] = { "taphub", "taphub/script.d", "taphub/conf.d",
					     "stap", "stap/script.d", "stap/conf.d" };
	char p[256];
	size_t i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_service_conf.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		if (mkdir(p, 0755))
			return -1;
	}
	snprintf(p, sizeof(p), "%s/taphub", root);
	setenv("TAPHUB_CONFDIR", p, 1);
	snprintf(p, sizeof(p), "%s/stap", root);
	setenv("TAPHUB_STAP_CONFDIR", p, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void layout(void **state)
{
	struct hub_service_set set;
	struct hub_service *s;
	char err[512];

	(void)state;
	put("taphub/script.d/alpha.stp", "probe begin { exit() }\n");
	put("taphub/conf.d/alpha.conf",
	    "alpha_OPT=\"-o /var/log/alpha.log -S 1,5 -DMAXACTION=10 -s 8 --suppress-handler-errors\"\n"
	    "classes='rare=1M:discard bulk=2M'\nstart_at_boot=no\nowner=nobody\n");
	put("taphub/script.d/beta.stp", "probe begin { exit() }\n");
	put("taphub/conf.d/beta.conf", "beta_OPT=\"-m mine\"\n");
	put("taphub/script.d/bad-name.stp", "probe begin { exit() }\n");
	put("stap/script.d/alpha.stp", "probe begin { exit() }\n");
	put("stap/script.d/gamma.stp", "probe begin { exit() }\n");
	/* SystemTap's conf: its other variables are its shell's business */
	put("stap/conf.d/gamma.conf", "gamma_OPT='-G x=1'\ngamma_REQ=alpha\n");
	put("taphub/conf.d/orphan.conf", "orphan_OPT=-g\n");
	put("stap/config", "DEFAULT_START=yes\nLOG_FILE=/var/log/x\n");
	put("taphub/config", "# ours\nartifact_dir=/opt/arts\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 5); /* alpha, bad-name, beta, gamma, orphan */
	assert_string_equal(set.artifact_dir, "/opt/arts");

	s = hub_service_find(&set, "alpha");
	assert_non_null(s);
	assert_string_equal(s->error, "");
	assert_false(s->from_stap);
	assert_non_null(strstr(s->shadowed, "stap/script.d/alpha.stp"));
	assert_string_equal(s->output, "/var/log/alpha.log");
	assert_int_equal(s->rot_size, 1ull << 20);
	assert_int_equal(s->rot_count, 5);
	assert_int_equal(s->bufsize, 8ull << 20);
	assert_int_equal(s->nwords, 2);
	assert_string_equal(s->words[0], "-DMAXACTION=10");
	assert_string_equal(s->words[1], "--suppress-handler-errors");
	assert_int_equal(s->nclasses, 2);
	assert_string_equal(s->classes[1], "bulk=2M");
	assert_false(s->boot);
	assert_string_equal(s->owner, "nobody");

	s = hub_service_find(&set, "beta");
	assert_non_null(s);
	assert_non_null(strstr(s->error, "beta.conf:1: beta_OPT: the service does not take -m"));

	s = hub_service_find(&set, "bad-name");
	assert_non_null(s);
	assert_non_null(strstr(s->error, "a service name is letters, digits and '_'"));

	s = hub_service_find(&set, "gamma");
	assert_non_null(s);
	assert_true(s->from_stap);
	assert_true(s->boot);
	assert_int_equal(s->nwords, 2);
	assert_string_equal(s->words[1], "x=1");
	s = hub_service_find(&set, "orphan");
	assert_non_null(s);
	assert_non_null(strstr(s->error, "orphan.conf: no script orphan.stp in "));
	hub_service_set_free(&set);

	/* a taphub conf's unknown key is an error of that script only */
	put("taphub/conf.d/beta.conf", "\nbeta_OTP=-g\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), 0);
	s = hub_service_find(&set, "beta");
	assert_non_null(strstr(s->error, "beta.conf:2: unknown key 'beta_OTP'"));
	hub_service_set_free(&set);

	/* a bad global config: the layout is unusable, said with its line */
	put("taphub/config", "artifact_dir=/opt/arts\nDEFAULT_START=maybe\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "taphub/config:2: DEFAULT_START is yes or no, not 'maybe'"));
}

static void changed_hash(void **state)
{
	struct hub_service_set set;
	char err[512];
	uint64_t h1, h2, h3;

	(void)state;
	put("taphub/config", "\n");
	put("taphub/script.d/delta.stp", "probe begin { exit() }\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), 0);
	h1 = hub_service_find(&set, "delta")->hash;
	hub_service_set_free(&set);
	put("taphub/conf.d/delta.conf", "delta_OPT=-g\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), 0);
	h2 = hub_service_find(&set, "delta")->hash;
	hub_service_set_free(&set);
	put("taphub/script.d/delta.stp", "probe begin { exit(); }\n");
	assert_int_equal(hub_service_load(&set, err, sizeof(err)), 0);
	h3 = hub_service_find(&set, "delta")->hash;
	hub_service_set_free(&set);
	assert_true(h1 != h2 && h2 != h3 && h1 != h3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shell_quoting),
		cmocka_unit_test(shell_refusals),
		cmocka_unit_test(layout),
		cmocka_unit_test(changed_hash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
