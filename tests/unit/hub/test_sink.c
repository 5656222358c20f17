// SPDX-License-Identifier: MIT
/*
 * Unit tests for hub/sink.c's text output: a batch of text bigger than
 * the -S size (what a hub writer that fell behind sends at once) still
 * leaves no file over the size, every line whole and in order; and a loss
 * marker's line is the record consumer's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hub/hub.h"

#define MB (1u << 20)
#define LINE 100 /* bytes a line, newline included */

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/th-sink-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return chdir(dir);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (chdir("/"))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Lines "%08d" padded to LINE bytes, numbered from first. */
static char *lines(int first, int n)
{
	char *b = malloc((size_t)n * LINE + 1), *p = b;
	int i;

	assert_non_null(b);
	for (i = 0; i < n; i++, p += LINE) {
		snprintf(p, LINE + 1, "%08d %0*d\n", first + i, LINE - 10, 0);
	}
	return b;
}

static void test_big_batch_rotates(void **state)
{
	struct hub_sink_opts o = { .pattern = "out.txt", .size_limit = MB, .count = 0 };
	struct hub_sink *s;
	char err[256], name[64], *b;
	int f, next = 1, n, k;
	struct stat st;

	(void)state;
	assert_int_equal(hub_sink_open(&o, &s, err, sizeof(err)), 0);
	/* a little first, then a batch of 1.5 MB in one call */
	b = lines(next, 10);
	assert_int_equal(hub_sink_text(s, b, 10 * LINE), 0);
	free(b);
	next += 10;
	n = 3 * MB / 2 / LINE;
	b = lines(next, n);
	assert_int_equal(hub_sink_text(s, b, (size_t)n * LINE), 0);
	free(b);
	next += n;
	hub_sink_close(s);

	/* -S numbers the files from the first, as stap: out.txt.0, .1, ...: none over 1 MB, lines 1.. in order */
	k = 1;
	for (f = 0;; f++) {
		FILE *in;
		char line[LINE + 2];

		snprintf(name, sizeof(name), "out.txt.%d", f);
		if (stat(name, &st))
			break;
		assert_true(st.st_size <= MB);
		in = fopen(name, "r");
		assert_non_null(in);
		while (fgets(line, sizeof(line), in)) {
			assert_int_equal(strlen(line), LINE);
			assert_int_equal(atoi(line), k);
			k++;
		}
		fclose(in);
	}
	assert_true(f >= 2); /* two files at least */
	assert_int_equal(k, next);
}

static void test_lost_line(void **state)
{
	struct hub_sink_opts o = { .pattern = "lost.txt" };
	struct hub_sink *s;
	char err[256], text[256] = "";
	FILE *in;

	(void)state;
	assert_int_equal(hub_sink_open(&o, &s, err, sizeof(err)), 0);
	assert_int_equal(hub_sink_add_class(s, 1, "bulk"), 0);
	assert_int_equal(hub_sink_lost(s, 1, 12, 5), 0);
	assert_int_equal(hub_sink_lost(s, 2, 3, 5), 0); /* a class without a name */
	hub_sink_close(s);
	in = fopen("lost.txt", "r");
	assert_non_null(in);
	assert_int_equal(fread(text, 1, sizeof(text) - 1, in) > 0, 1);
	fclose(in);
	assert_string_equal(text, "WARNING: 12 records lost in class bulk\n"
				  "WARNING: 3 records lost in class ?\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_big_batch_rotates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_line, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
