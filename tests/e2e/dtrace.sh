#!/bin/sh
# SPDX-License-Identifier: MIT
# dtrace -h / -G (tools/dtrace.c, installed as tap-dtrace): an application
# built the DTrace way, from a provider file, then traced.  app.d declares
# four probes; app.c, using the generated header and linked with the -G
# object, hits each N times with arguments known in advance:
#
#   dtapp:tick(i, -3i)                 two arguments
#   dtapp:request__start("req-<i>", 10i)   a string; probed as "request-start"
#   dtapp:guarded(2i)                  only inside DTAPP_GUARDED_ENABLED():
#                                      fires only while traced
#   dtapp:none()                       no argument
#
# and prints guarded=K, how many times its semaphore was up.  `app N spin GO`
# first waits for the semaphore in a loop with no call (-x PID), then for
# the file GO.  Also: the semaphores' symbols, -L, the header included
# after <sys/sdt.h> (no semaphores, no object), a shared library with its
# own provider, C++, -C with -I/-D, STAP_SDT_V2, -k, the default output
# names, and bad provider files (file:line:col, a caret, status 1, no
# output).
#
. "$(dirname "$0")/lib.sh"
require_kernel
require_cmd cc
DTRACE=$TAP_E2E_BUILD/dtrace
if [ ! -x "$DTRACE" ]; then
	fail "make all builds $DTRACE" "it is not there"
	finish
fi
[ -f /usr/include/x86_64-linux-gnu/sys/sdt.h ] || [ -f /usr/include/sys/sdt.h ] ||
	skip "no <sys/sdt.h> (make deps installs systemtap-sdt-dev)"
N=40
SUM=$((N * (N + 1) / 2))
D=$TMP/app
mkdir -p "$D"

cat >"$D/app.d" <<'EOF'
/* the probes of a small application */
provider dtapp {
	probe tick(int i, long neg);
	probe request__start(const char *name, int len);
	probe guarded(int);  // behind its semaphore
	probe none();
};
EOF
cat >"$D/app.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "app.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, guarded = 0, i;
	long k;
	char name[32];

	/*
	 * "spin": wait for a tracer in a loop without a call, where only a
	 * read of the semaphore each time (volatile) can see it raised
	 */
	for (k = 0; argc > 2 && !DTAPP_GUARDED_ENABLED(); k++)
		if (k == 1L << 36)
			break;
	if (argc > 2)
		printf("spun=%s\n", DTAPP_GUARDED_ENABLED() ? "raised" : "gave up");
	/* then the hits once tap is all in: the test says go (at most 60 s) */
	for (k = 0; argc > 3 && k < 60000 && access(argv[3], F_OK); k++)
		usleep(1000);
	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "req-%d", i);
		DTAPP_TICK(i, -3L * i);
		DTAPP_REQUEST_START(name, 10 * i);
		if (DTAPP_GUARDED_ENABLED()) {
			guarded++;
			DTAPP_GUARDED(2 * i);
		}
		DTAPP_NONE();
	}
	printf("guarded=%d\n", guarded);
	return 0;
}
EOF

# run BASE CMD...: CMD's stdout, stderr, status into $TMP/BASE.out, .err, .rc
run() {
	_b=$TMP/$1
	shift
	"$@" >"$_b.out" 2>"$_b.err"
	echo $? >"$_b.rc"
}

# ---- build it: -h, -G, cc --------------------------------------------------------
run hdr "$DTRACE" -h -s "$D/app.d" -o "$D/app.h"
assert_ok "dtrace -h writes the header" hdr
run obj "$DTRACE" -G -s "$D/app.d" -o "$D/app-probes.o" "$D/app.o"
assert_ok "dtrace -G compiles the semaphores (the objects after it are not read)" obj
run cc cc -Wall -Wextra -Werror -O2 -o "$D/app" "$D/app.c" "$D/app-probes.o"
assert_ok "the application builds with the header and the -G object, warning-free" cc
APP=$D/app

readelf -SW "$D/app-probes.o" >"$TMP/sections.out"
assert_grep "the -G object has a .probes section" "$TMP/sections.out" '\] \.probes  *PROGBITS'
readelf -sW "$D/app-probes.o" >"$TMP/syms.out"
for p in tick request__start guarded none; do
	assert_grep "semaphore dtapp_${p}_semaphore: 2 bytes, hidden" "$TMP/syms.out" \
		" 2 OBJECT  GLOBAL HIDDEN .* dtapp_${p}_semaphore\$"
done
readelf -nW "$APP" >"$TMP/notes.out"
assert_eq "every marker's note names its semaphore" \
	"$(grep -c 'Semaphore: 0x0*[1-9a-f]' "$TMP/notes.out")" 4

# ---- tap -L: the markers and their arguments --------------------------------------
tap_run list -L "process(\"$APP\").mark(\"*\")"
assert_ok "-L on the markers of the application" list
assert_eq "-L lists the four markers with their argument counts" "$(out list)" \
	"process(\"$APP\").mark(\"guarded\") \$arg1:long
process(\"$APP\").mark(\"none\")
process(\"$APP\").mark(\"request__start\") \$arg1:long \$arg2:long
process(\"$APP\").mark(\"tick\") \$arg1:long \$arg2:long"

# ---- tap -c: every hit with its values; the guarded marker fires -------------------
tap_run all -c "$APP $N" -e '
global ticks, s1, s2, reqs, bad_req, rname, g, gsum, none
probe process(@1).mark("tick") { ticks++; s1 += $arg1; s2 += $arg2 }
probe process(@1).mark("request-start") { reqs++; rname = $$name
	if (user_string($arg1) != sprintf("req-%d", $arg2 / 10)) bad_req++ }
probe process(@1).provider("dtapp").mark("guarded") { g++; gsum += $arg1 }
probe process(@1).mark("none") { none++ }
probe end { printf("ticks=%d\ns1=%d\ns2=%d\nreqs=%d\nbad_req=%d\nrname=%s\ng=%d\ngsum=%d\nnone=%d\n",
	ticks, s1, s2, reqs, bad_req, rname, g, gsum, none) }' "$APP"
assert_ok "a script on the four markers runs" all
assert_eq "tick: one hit per iteration" "$(value ticks all)" "$N"
assert_eq "tick: \$arg1 sums to 1+...+N" "$(value s1 all)" "$SUM"
assert_eq "tick: \$arg2 sums to -3(1+...+N)" "$(value s2 all)" "$((-3 * SUM))"
assert_eq "mark(\"request-start\") finds request__start, as DTrace names it" \
	"$(value reqs all)" "$N"
assert_eq "request__start: the string and the int as passed" "$(value bad_req all)" 0
assert_grep "\$\$name is the name in the note" "$TMP/all.out" '^rname=request__start$'
assert_eq "guarded: fires at every iteration while probed" "$(value g all)" "$N"
assert_eq "guarded: \$arg1 sums to 2(1+...+N)" "$(value gsum all)" "$((2 * SUM))"
assert_grep "the application saw DTAPP_GUARDED_ENABLED() true each time" "$TMP/all.out" \
	"^guarded=$N\$"
assert_eq "none: a marker without arguments" "$(value none all)" "$N"

tap_run nog -c "$APP $N" -e 'global n; probe process(@1).mark("tick") { n++ }
probe end { printf("n=%d\n", n) }' "$APP"
assert_ok "a script on tick only runs" nog
assert_eq "tick seen N times" "$(value n nog)" "$N"
assert_grep "guarded not probed: DTAPP_GUARDED_ENABLED() stayed false" "$TMP/nog.out" \
	'^guarded=0$'
run untraced "$APP" 5
assert_grep "untraced, the semaphore is down" "$TMP/untraced.out" '^guarded=0$'

# ---- -x PID: a running program in a tight loop sees its semaphore raised --------------
"$APP" "$N" spin "$TMP/go" >"$TMP/spin.prog" &
SPID=$!
track_pid $SPID
# -x names the program the process runs: the app's once the shell's fork has exec'd it
wait_until 10 "[ \"\$(readlink /proc/$SPID/exe)\" = '$APP' ]"
tap_start spin -x "$SPID" -e 'global n, s
probe process.mark("guarded") { n++; s += $arg1; if (n == $1) exit() }
probe end { printf("n=%d\ns=%d\n", n, s) }' "$N"
# the semaphore goes up before the program's breakpoint has its eBPF
# program: hits at once would be lost, so they wait for tap to be all in
wait_until 30 "tap_attached $TAP_PID || gone $TAP_PID" && touch "$TMP/go"
tap_wait spin
# tap gone without attaching: the program would spin on for a minute
[ "$(rc spin)" = 0 ] || kill "$SPID" 2>/dev/null
assert_ok "-x PID on the guarded marker of a program spinning on its semaphore" spin
wait_until 30 "gone $SPID"
assert_grep "the loop saw the semaphore raised (a volatile read each time)" "$TMP/spin.prog" \
	'^spun=raised$'
assert_eq "-x: the N guarded hits" "$(value n spin)" "$N"
assert_eq "-x: their \$arg1 sum" "$(value s spin)" "$((2 * SUM))"
assert_grep "the program saw _ENABLED() true at each of them" "$TMP/spin.prog" "^guarded=$N\$"

# ---- the header after <sys/sdt.h>: no semaphores, no -G object, _ENABLED() is 1 ----
{
	echo '#include <sys/sdt.h>'
	cat "$D/app.c"
} >"$D/nosem.c"
run nosem_cc cc -Wall -Wextra -Werror -O2 -o "$D/nosem" "$D/nosem.c"
assert_ok "after <sys/sdt.h>, the header needs no -G object" nosem_cc
run nosem "$D/nosem" 7
assert_grep "and _ENABLED() is 1" "$TMP/nosem.out" '^guarded=7$'
readelf -nW "$D/nosem" >"$TMP/nosem_notes.out"
assert_eq "its markers have no semaphore" "$(grep -c 'Semaphore: 0x0*$' "$TMP/nosem_notes.out")" 4
tap_run nosem_tap -c "$D/nosem 7" -e 'global n; probe process(@1).mark("guarded") { n += $arg1 }
probe end { printf("n=%d\n", n) }' "$D/nosem"
assert_eq "its guarded marker is traced like any" "$(value n nosem_tap)" 56

# ---- a shared library with its own provider and -G object ---------------------------
cat >"$D/lib.d" <<'EOF'
provider dtlib { probe call(int i); };
EOF
cat >"$D/lib.c" <<'EOF'
#include "lib.h"

int dtlib_call(int i);
int dtlib_call(int i)
{
	if (!DTLIB_CALL_ENABLED())
		return 0;
	DTLIB_CALL(i);
	return 1;
}
EOF
cat >"$D/libmain.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int dtlib_call(int i);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, called = 0, i;

	for (i = 1; i <= n; i++)
		called += dtlib_call(i);
	printf("called=%d\n", called);
	return 0;
}
EOF
run lib_h "$DTRACE" -h -s "$D/lib.d" -o "$D/lib.h"
run lib_o "$DTRACE" -G -s "$D/lib.d" -o "$D/lib-probes.o"
run lib_cc cc -Wall -Wextra -Werror -O2 -fPIC -shared -o "$D/libdtlib.so" "$D/lib.c" "$D/lib-probes.o"
assert_ok "a shared library builds with its header and its -G object" lib_cc
run lib_main cc -Wall -Wextra -Werror -O2 -o "$D/libmain" "$D/libmain.c" -L"$D" -ldtlib \
	-Wl,-rpath,"$D"
assert_ok "and a program with it" lib_main
readelf --dyn-syms -W "$D/libdtlib.so" >"$TMP/libdyn.out"
assert_no_grep "the library's semaphore is its own: not exported" "$TMP/libdyn.out" \
	dtlib_call_semaphore
tap_run lib -c "$D/libmain $N" -e 'global n, s
probe process(@1).library(@2).mark("call") { n++; s += $arg1 }
probe end { printf("n=%d\ns=%d\n", n, s) }' "$D/libmain" "$D/libdtlib.so"
assert_ok "library().mark() on the library's guarded marker runs" lib
assert_eq "the library's marker: N hits" "$(value n lib)" "$N"
assert_eq "with their values" "$(value s lib)" "$SUM"
assert_grep "the library saw its semaphore raised at each call" "$TMP/lib.out" "^called=$N\$"

# ---- C++ ---------------------------------------------------------------------------
if command -v c++ >/dev/null 2>&1; then
	run cxx c++ -Wall -Wextra -Werror -O2 -x c++ -o "$D/appxx" "$D/app.c" -x none "$D/app-probes.o"
	assert_ok "the header and the object build a C++ program" cxx
	tap_run cxx_tap -c "$D/appxx 9" -e 'global n; probe process(@1).mark("guarded") { n++ }
probe end { printf("n=%d\n", n) }' "$D/appxx"
	assert_eq "its guarded marker fires while traced" "$(value n cxx_tap)" 9
	assert_grep "and its semaphore was seen up" "$TMP/cxx_tap.out" '^guarded=9$'
fi

# ---- -C, -I, -D; -k; default output names; STAP_SDT_V2 -----------------------------
mkdir -p "$D/inc" "$D/cwd"
echo '#define COUNT_T unsigned long' >"$D/inc/types.h"
cat >"$D/pp.d" <<'EOF'
#include "types.h"
provider pp {
	probe count(COUNT_T, NAME_T);
};
EOF
(cd "$D/cwd" && run pp "$DTRACE" -C -I"$D/inc" -D NAME_T='const char *' -h -s ../pp.d -k)
assert_rc "-C -I -D -h, no -o" pp 0
assert_grep "the types after cpp, in the macro's comment" "$D/cwd/pp.h" \
	'^/\* PP_COUNT(unsigned long, const char \*): marker pp:count \*/$'
assert_grep "-k keeps cpp's output and says where" "$TMP/pp.out" '^cpp: pp\.dtrace\.d$'
[ -s "$D/cwd/pp.dtrace.d" ] && pass "the kept file is there" || fail "the kept file is there" \
	"no $D/cwd/pp.dtrace.d"
(cd "$D/cwd" && run ppo "$DTRACE" -G -s ../app.d)
assert_ok "-G without -o" ppo
[ -s "$D/cwd/app.o" ] && pass "writes File.o in the current directory" ||
	fail "writes File.o in the current directory" "no $D/cwd/app.o"
run v2 "$DTRACE" -G -DSTAP_SDT_V2 -s "$D/app.d" -o "$D/v2.o"
assert_ok "-G -DSTAP_SDT_V2" v2
readelf -sW "$D/v2.o" >"$TMP/v2syms.out"
assert_grep "STAP_SDT_V2: the semaphores are exported, as they were then" "$TMP/v2syms.out" \
	" 2 OBJECT  GLOBAL DEFAULT .* dtapp_tick_semaphore\$"
run kept "$DTRACE" -G -k -s "$D/app.d" -o "$D/kept.o"
assert_grep "-G -k keeps the semaphores' source" "$TMP/kept.out" "^source: $D/kept\\.dtrace\\.c\$"
assert_grep "which defines them in .probes" "$D/kept.dtrace.c" \
	'__attribute__((section(".probes"))) TAPHUB_DTRACE_VISIBILITY = 0;'
mkdir -p "$D/x"
run xopts "$DTRACE" -x nolibs -64 -fPIC --no-pyparsing -h -s "$D/app.d" -o "$D/x/app.h"
assert_ok "-x OPT, -64, -fPIC, --no-pyparsing: accepted and ignored" xopts
cmp -s "$D/x/app.h" "$D/app.h" && pass "with the same header" || fail "with the same header" \
	"$(diff "$D/app.h" "$D/x/app.h" | head)"

# ---- warnings: translators, pragmas ---------------------------------------------------
cat >"$D/warn.d" <<'EOF'
#pragma D attributes Evolving/Evolving/Common provider w provider
typedef struct conn { int fd; } conn_t;
translator conninfo_t < conn_t *c > { ci_fd = c->fd; };
provider w { probe conv(conn_t *c) : (conninfo_t *c); };
EOF
run warn "$DTRACE" -h -s "$D/warn.d" -o "$D/warn.h"
assert_rc "a file with a translator and a pragma is accepted" warn 0
assert_grep "the pragma is ignored with a warning" "$TMP/warn.err" \
	"^$D/warn.d:1:1: warning: #pragma ignored"
assert_grep "and the translator" "$TMP/warn.err" "^$D/warn.d:3:1: warning: translator ignored"
assert_grep "the probe is there with its native type" "$D/warn.h" '^#define W_CONV(arg1) STAP_PROBE1(w, conv, arg1)$'

# ---- errors ---------------------------------------------------------------------------
printf 'provider bad {\n\tprobe ok(int);\n\tprobe nope int);\n};\n' >"$D/bad.d"
run bad "$DTRACE" -h -s "$D/bad.d" -o "$D/bad.h"
assert_rc "a bad provider file: status 1" bad 1
assert_grep "the error says file:line:col" "$TMP/bad.err" \
	"^$D/bad.d:3:13: error: expected '(' and the probe's argument types, found 'int'\$"
assert_grep "with the line" "$TMP/bad.err" '^    	probe nope int);$'
assert_grep "and a caret under the column" "$TMP/bad.err" '^    	           ^$'
[ -e "$D/bad.h" ] && fail "no header is written" "$D/bad.h exists" || pass "no header is written"
run badg "$DTRACE" -G -s "$D/bad.d" -o "$D/bad.o"
assert_rc "-G: status 1 too" badg 1
[ -e "$D/bad.o" ] && fail "no object is written" "$D/bad.o exists" || pass "no object is written"

printf '#define T int\nprovider dup {\n\tprobe a(T);\n\tprobe a(long);\n};\n' >"$D/dup.d"
run dup "$DTRACE" -C -h -s "$D/dup.d" -o "$D/dup.h"
assert_rc "a probe declared twice: status 1" dup 1
assert_grep "-C: the location is the provider file's, through cpp's line markers" "$TMP/dup.err" \
	"^$D/dup.d:4:8: error: probe 'a' of provider 'dup' declared twice (first at $D/dup.d:3:8)\$"
run toomany "$DTRACE" -h -s "$D/nothere.d" -o "$D/n.h"
assert_rc "a missing provider file: status 1" toomany 1
assert_grep "said" "$TMP/toomany.err" "^dtrace: cannot open $D/nothere.d: No such file or directory\$"
run badopt "$DTRACE" -h -q -s "$D/app.d"
assert_rc "an unknown option: status 1" badopt 1
assert_grep "named" "$TMP/badopt.err" '^dtrace: invalid option -q$'
run nos "$DTRACE" -h
assert_rc "no -s: status 1" nos 1
assert_grep "said" "$TMP/nos.err" '^dtrace: no provider file: -s File.d$'
run both "$DTRACE" -h -G -s "$D/app.d"
assert_rc "-h and -G together: status 1" both 1
CC=false run ccfail "$DTRACE" -G -s "$D/app.d" -o "$D/f.o"
assert_rc "-G with a compiler that fails: status 1" ccfail 1
assert_grep "said" "$TMP/ccfail.err" '^dtrace: the compiler failed (exit status 1)$'
finish
