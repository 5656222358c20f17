// SPDX-License-Identifier: MIT
/*
 * The hub library's messages.  Library code never writes to the terminal:
 * what it must say besides an error return (the setup of an embedded
 * session or a runner failing midway, a format table recovery cannot
 * read) goes to the function the program sets, as libbpf_set_print does,
 * and the program adds its name.
 */
#include <stdarg.h>
#include <stdio.h>

#include "hub/hub.h"

static hub_print_fn print_fn;

hub_print_fn hub_set_print(hub_print_fn fn)
{
	hub_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

void hub_print(const char *fmt, ...)
{
	char msg[4352];
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_fn(msg);
}
