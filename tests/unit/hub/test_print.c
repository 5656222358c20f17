// SPDX-License-Identifier: MIT
/*
 * hub/print.c: the library's messages go to the program's function, with
 * no program name in them, and nowhere when none is set; hub/fmt.c
 * writes only to the streams its caller gives.
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

#include "hub/hub.h"

static char said[256];
static int nsaid;

static void catch(const char *msg)
{
	snprintf(said, sizeof(said), "%s", msg);
	nsaid++;
}

static void test_print_goes_to_the_function(void **state)
{
	(void)state;
	nsaid = 0;
	assert_null(hub_set_print(catch));
	hub_print("cannot set up timers: %s", strerror(ENOMEM));
	assert_int_equal(nsaid, 1);
	assert_string_equal(said, "cannot set up timers: Cannot allocate memory");
	/* the previous function comes back; NULL: said nowhere */
	assert_ptr_equal(hub_set_print(NULL), catch);
	hub_print("not said");
	assert_int_equal(nsaid, 1);
}

static void test_fmt_wants_its_stream(void **state)
{
	struct hub_fmt_opts none = { 0 };
	struct hub_fmt *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	/* no stdout chosen for the caller */
	assert_int_equal(hub_fmt_new(&none, &f), -EINVAL);
	assert_null(f);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	{
		struct hub_fmt_opts o = { .out = out };

		assert_int_equal(hub_fmt_new(&o, &f), 0);
	}
	hub_fmt_free(f);
	fclose(out);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_goes_to_the_function),
		cmocka_unit_test(test_fmt_wants_its_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
