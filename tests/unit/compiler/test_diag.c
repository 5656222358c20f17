// SPDX-License-Identifier: MIT
/*
 * Unit tests of compiler/diag.c: -w counts warnings without printing them,
 * -W makes each one an error (counted, so the pass fails, and printed as
 * "error").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"

/* What one warning prints and counts under the given flags. */
static char *warn_once(bool no_warnings, bool warn_errors, struct cc_diag *d)
{
	struct cc_srcfile src = { .name = "t.stp", .text = "probe begin { }\n", .len = 16 };
	struct cc_loc loc = { .file = &src, .line = 1, .col = 7, .off = 6 };
	char *buf = NULL;
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	d->no_warnings = no_warnings;
	d->warn_errors = warn_errors;
	d->out = open_memstream(&buf, &len);
	assert_non_null(d->out);
	cc_warn_at(d, &loc, "something odd in %s", "begin");
	fclose(d->out);
	d->out = NULL;
	return buf;
}

static void a_warning_is_a_warning(void **state)
{
	struct cc_diag d;
	char *out = warn_once(false, false, &d);

	(void)state;
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.nerrors, 0);
	assert_non_null(strstr(out, "t.stp:1:7: warning: something odd in begin"));
	free(out);
	cc_diag_release(&d);
}

static void w_silences_it(void **state)
{
	struct cc_diag d;
	char *out = warn_once(true, false, &d);

	(void)state;
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.nerrors, 0);
	assert_string_equal(out, "");
	free(out);
	cc_diag_release(&d);
}

static void W_makes_it_an_error(void **state)
{
	struct cc_diag d;
	char *out = warn_once(true, true, &d); /* -w -W: the error still shows */

	(void)state;
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(out, "t.stp:1:7: error: something odd in begin"));
	free(out);
	cc_diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_warning_is_a_warning),
		cmocka_unit_test(w_silences_it),
		cmocka_unit_test(W_makes_it_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
