// SPDX-License-Identifier: MIT
/*
 * What users name and size: session, host and class names, and class
 * specs (NAME=SIZE[:overwrite|:discard]) as tap, tapctl and the hub's
 * protocol give them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "relayhost-module/rh.h"

/* ---- class specs: NAME=SIZE[:overwrite|:discard] ----------------------------- */

int hub_class_spec_parse(const char *s, struct hub_class_spec *out, char *err, size_t errlen)
{
	const char *eq = strchr(s, '=');
	char *end;
	double v;
	uint64_t mult = 1;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->policy = RH_OVERWRITE;
	if (!eq || eq == s) {
		snprintf(err, errlen, "class '%s': expected NAME=SIZE[:overwrite|:discard]", s);
		return -EINVAL;
	}
	n = (size_t)(eq - s);
	if (n >= sizeof(out->name) || !hub_name_valid_n(s, n)) {
		snprintf(err, errlen, "class '%.*s': a name of letters, digits and '_' (at most 63)",
			 (int)n, s);
		return -EINVAL;
	}
	memcpy(out->name, s, n);
	errno = 0;
	v = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || v <= 0) {
		snprintf(err, errlen, "class '%s': bad size", s);
		return -EINVAL;
	}
	switch (*end) {
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	default: break;
	}
	out->size = (uint64_t)(v * (double)mult);
	if (*end == ':') {
		if (!strcmp(end + 1, "overwrite"))
			out->policy = RH_OVERWRITE;
		else if (!strcmp(end + 1, "discard"))
			out->policy = RH_DISCARD;
		else {
			snprintf(err, errlen, "class '%s': the policy is overwrite or discard", s);
			return -EINVAL;
		}
	} else if (*end) {
		snprintf(err, errlen, "class '%s': bad size suffix (K, M or G)", s);
		return -EINVAL;
	}
	if (out->size < HUB_CLASS_MIN || out->size > HUB_CLASS_MAX) {
		snprintf(err, errlen, "class '%s': the size must be from 64K to %lluG", s,
			 (unsigned long long)(HUB_CLASS_MAX >> 30));
		return -ERANGE;
	}
	return 0;
}

bool hub_name_valid_n(const char *s, size_t n)
{
	size_t i;

	if (!n || n > HUB_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (i && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

bool hub_name_valid(const char *s)
{
	return s && hub_name_valid_n(s, strlen(s));
}
