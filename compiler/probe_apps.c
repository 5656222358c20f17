// SPDX-License-Identifier: MIT
/*
 * Probe families of SystemTap that are tapsets over an application's own
 * SDT markers, shipped with the application, not with stap: glib.* (GLib's
 * glib.stp on the markers of libglib-2.0, when GLib is built with
 * --enable-systemtap) and stap.* (stap_staticmarkers.stp on the markers of
 * the stap binary itself).  taphub ships neither; what it says instead
 * depends on the machine: whether the library has markers at all, whether
 * there is a stap binary, so that the refusal names the real reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compiler.h"

/* Where Debian and others install GLib: the first that exists is the one probed. */
static const char *const glib_paths[] = {
	"/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0",
	"/usr/lib64/libglib-2.0.so.0",
	"/usr/lib/libglib-2.0.so.0",
};

static int refuse(struct cc_ctx *cx, const struct cc_point *pt, bool quiet, const char *why)
{
	if (!quiet)
		cc_error_at(&cx->diag, &pt->loc, "probe point '%s' %s", cc_point_str(cx, pt), why);
	return -1;
}

static int refuse_glib(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	struct cc_sdt_note *notes;
	const char *path = NULL, *err = NULL;
	size_t i;
	int n = 0, r;

	for (i = 0; i < sizeof(glib_paths) / sizeof(glib_paths[0]) && !path; i++)
		if (access(glib_paths[i], R_OK) == 0)
			path = glib_paths[i];
	if (!path)
		return refuse(cx, pt, quiet,
			      "is GLib's tapset on the SDT markers of libglib-2.0, which is not "
			      "installed here");
	r = cc_sdt_read(cx->arena, path, &notes, &n, &err);
	if (r < 0)
		return refuse(cx, pt, quiet,
			      cc_sprintf(cx->arena,
					 "is GLib's tapset on the SDT markers of libglib-2.0, and "
					 "%s cannot be read: %s",
					 path, err ? err : strerror(-r)));
	if (n == 0)
		return refuse(cx, pt, quiet,
			      cc_sprintf(cx->arena,
					 "is GLib's tapset on the SDT markers of libglib-2.0, and "
					 "%s has none (GLib built without --enable-systemtap): "
					 "there is nothing to probe; probe its functions instead "
					 "(process(\"%s\").function(\"g_malloc\"))",
					 path, path));
	return refuse(cx, pt, quiet,
		      cc_sprintf(cx->arena,
				 "is GLib's tapset, which taphub does not ship: probe %s's "
				 "markers directly (process(\"%s\").mark(\"mem__alloc\"))",
				 path, path));
}

static int refuse_stap(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	const char *path = getenv("PATH"), *p, *end;

	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		char *file;

		end = p + strcspn(p, ":");
		file = cc_sprintf(cx->arena, "%.*s/stap", (int)(end - p), p);
		if (end > p && access(file, X_OK) == 0)
			return refuse(cx, pt, quiet,
				      cc_sprintf(cx->arena,
						 "is SystemTap's tapset on the markers of its own "
						 "stap binary, which taphub does not ship: probe "
						 "them directly (process(\"%s\").mark(\"pass0__start\"))",
						 file));
	}
	return refuse(cx, pt, quiet,
		      "is SystemTap's tapset on the markers of its own stap binary, and there "
		      "is no stap in PATH to probe (taphub is not stap)");
}

int cc_apps_resolve(struct cc_ctx *cx, const struct cc_point *pt, bool quiet)
{
	if (cc_comp_is(pt, 0, "glib"))
		return refuse_glib(cx, pt, quiet);
	return refuse_stap(cx, pt, quiet);
}
