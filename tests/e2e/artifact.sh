#!/bin/sh
# SPDX-License-Identifier: MIT
# Precompiled artifacts (docs/artifact.md): compiled here with
# tap -p4 --artifact, run with no compiler on $PATH and an empty compile
# cache, refused when tampered with, built for another architecture,
# unsigned where a signature is required, or needing what this kernel
# lacks -- each with one line and status 1.  And the compile cache's rule:
# an entry compiled earlier runs where clang and cc are gone.  Last, a
# flight-recorder session (-F) of a private taphubd runs from an artifact.
. "$(dirname "$0")/hub_lib.sh"
require_cmd openssl
EDIT=$TAP_E2E_BUILD/tests/e2e/tapaedit
[ -x "$EDIT" ] || skip "no $EDIT: build it first"

# getppid by the -c target, counted in the kernel; the begin probe makes a
# user-side object (guest.so) the artifact carries too.
script='global n
probe begin { printf("begin\n") }
probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }
probe end { printf("n=%d\n", n) }'
printf '%s\n' "$script" >"$TMP/count.stp"

# No compiler: a $PATH with only timeout(1) on it (tap_run's; tap and gen
# are given by path) and an empty cache, so nothing compiled earlier is
# found either.
nocc=$TMP/nocc-bin
mkdir "$nocc"
ln -s "$(command -v timeout)" "$nocc/timeout"
fresh_cache() {
	rm -rf "$TMP/run-cache"
	mkdir -m 700 "$TMP/run-cache"
}
no_cc() {
	PATH=$nocc TAPHUB_CACHE=$TMP/run-cache "$@"
}
# one_line NAME BASE REGEX: the run failed with one line on stderr, matching REGEX
one_line() {
	if [ "$(rc "$2")" = 1 ] && [ "$(wc -l <"$TMP/$2.err")" = 1 ] && grep -q -- "$3" "$TMP/$2.err"; then
		pass "$1"
	else
		fail "$1" "expected status 1 and one line matching '$3'" "$(run_details "$2")"
	fi
}

tap_run build -p4 -m count --artifact "$TMP/count.tapa" "$TMP/count.stp"
if [ "$(rc build)" = 0 ] && [ -s "$TMP/count.tapa" ] && [ "$(out build)" = "$TMP/count.tapa" ]; then
	pass "tap -p4 --artifact writes the artifact and prints its path"
else
	fail "tap -p4 --artifact writes the artifact and prints its path" "$(run_details build)"
fi

# The machine really has no compiler this way: a script does not compile.
fresh_cache
no_cc tap_run nocc "$TMP/count.stp"
assert_grep "without clang on \$PATH a script does not compile" "$TMP/nocc.err" "cannot run clang"

fresh_cache
no_cc tap_run run --run "$TMP/count.tapa" -c "$GEN getppid 50"
assert_eq "tap --run with no compiler: 50 getppid calls counted" "$(out run)" "begin
n=50"
assert_ok_skips "tap --run: no error" run
fresh_cache
no_cc tap_run byext "$TMP/count.tapa" -c "$GEN getppid 30"
assert_eq "tap FILE.tapa (by its extension): 30 counted" "$(out byext)" "begin
n=30"
# extracted once into the cache, named by the artifact's digest: found again
no_cc tap_run again "$TMP/count.tapa" -c "$GEN getppid 20"
assert_eq "a second run from the extracted entry: 20 counted" "$(out again)" "begin
n=20"

# ---- refused, one line each -----------------------------------------------------

size=$(stat -c %s "$TMP/count.tapa")
flip() { # flip FILE OFFSET: one byte of FILE inverted
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((255 - _b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp "$TMP/count.tapa" "$TMP/flip-obj.tapa"
flip "$TMP/flip-obj.tapa" $((size - 200))
tap_run flipobj --run "$TMP/flip-obj.tapa" -c "$GEN getppid 1"
one_line "a flipped byte in a member is refused" flipobj "tampered with or corrupt: member guest\.so does not match its SHA-256"
cp "$TMP/count.tapa" "$TMP/flip-tab.tapa"
flip "$TMP/flip-tab.tapa" 100
tap_run fliptab --run "$TMP/flip-tab.tapa" -c "$GEN getppid 1"
one_line "a flipped byte in the member table is refused" fliptab "tampered with or corrupt: the member table"
head -c $((size - 1)) "$TMP/count.tapa" >"$TMP/short.tapa"
tap_run short --run "$TMP/short.tapa"
one_line "a truncated artifact is refused" short "truncated"
tap_run notapa --run "$TMP/count.stp"
one_line "a script given to --run is refused" notapa "not a taphub artifact"

"$EDIT" "$TMP/count.tapa" "$TMP/arm.tapa" "arch $(uname -m) 62" "arch aarch64 183" 2>"$TMP/edit.err" ||
	fail "tapaedit: the arch line" "$(cat "$TMP/edit.err")"
tap_run arch --run "$TMP/arm.tapa" -c "$GEN getppid 1"
one_line "an artifact for another architecture is refused" arch "artifact is for aarch64 (ELF machine 183), this machine is"

"$EDIT" "$TMP/count.tapa" "$TMP/notp.tapa" "" \
	'needs tracepoint nosuch:no_such_event for kernel.trace("nosuch:no_such_event")'
tap_run notp --run "$TMP/notp.tapa"
one_line "an artifact needing a tracepoint this kernel lacks is refused, naming it" notp \
	'artifact needs tracepoint nosuch:no_such_event (kernel.trace("nosuch:no_such_event")), which this kernel lacks'
"$EDIT" "$TMP/count.tapa" "$TMP/nofield.tapa" "" 'needs btf-field task_struct.no_such_field'
tap_run nofield --run "$TMP/nofield.tapa"
one_line "an artifact needing a BTF field this kernel lacks is refused, naming it" nofield \
	'artifact needs BTF field task_struct.no_such_field, which this kernel lacks'
"$EDIT" "$TMP/count.tapa" "$TMP/noksym.tapa" "" 'needs ksym no_such_kfunc_of_taphub'
tap_run noksym --run "$TMP/noksym.tapa"
one_line "an artifact needing a kfunc this kernel lacks is refused, naming it" noksym \
	'artifact needs kernel symbol no_such_kfunc_of_taphub'
if [ ! -d /sys/bus/event_source/devices/kprobe ]; then
	"$EDIT" "$TMP/count.tapa" "$TMP/kp.tapa" "" 'needs kprobe vfs_read for kernel.function("vfs_read")'
	tap_run kp --run "$TMP/kp.tapa"
	one_line "an artifact needing kprobes on a kernel without them is refused" kp \
		'artifact needs kprobes (kernel.function("vfs_read")), which this kernel lacks'
fi
"$EDIT" "$TMP/count.tapa" "$TMP/future.tapa" "" 'needs teleport now'
tap_run future --run "$TMP/future.tapa"
one_line "a need this tap does not know is refused" future "artifact needs 'teleport now', which this tap"

tap_run dopt --run "$TMP/count.tapa" -DMAXSTRINGLEN=64
one_line "-D with --run is refused" dopt "^tap: -D goes with compiling"
tap_run args --run "$TMP/count.tapa" extra-arg
one_line "arguments other than the compiled-in ones are refused" args "arguments were compiled into the artifact"

# ---- signatures -----------------------------------------------------------------

conf=$TMP/conf
mkdir -p "$conf/keys"
openssl genpkey -algorithm ed25519 -out "$TMP/ed.pem" 2>/dev/null &&
	openssl pkey -in "$TMP/ed.pem" -pubout -out "$conf/keys/ed.pub" 2>/dev/null &&
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$TMP/rsa.pem" 2>/dev/null &&
	openssl pkey -in "$TMP/rsa.pem" -pubout -out "$conf/keys/rsa.pub" 2>/dev/null &&
	openssl genpkey -algorithm ed25519 -out "$TMP/other.pem" 2>/dev/null ||
	fail "openssl makes the test keys"
chmod 644 "$conf/keys/"*.pub

tap_run sign -p4 --artifact "$TMP/signed.tapa" --sign-key "$TMP/ed.pem" "$TMP/count.stp"
assert_rc "tap --artifact --sign-key (Ed25519)" sign 0
tap_run signrsa -p4 --artifact "$TMP/rsa.tapa" --sign-key "$TMP/rsa.pem" "$TMP/count.stp"
tap_run signother -p4 --artifact "$TMP/other.tapa" --sign-key "$TMP/other.pem" "$TMP/count.stp"

fresh_cache
TAPHUB_CONFDIR=$conf no_cc tap_run signed --run "$TMP/signed.tapa" -c "$GEN getppid 40"
assert_eq "an Ed25519-signed artifact runs against the trusted keys: 40 counted" "$(out signed)" "begin
n=40"
fresh_cache
TAPHUB_CONFDIR=$conf no_cc tap_run rsa --run --require-signature "$TMP/rsa.tapa" -c "$GEN getppid 10"
assert_eq "an RSA-signed artifact runs with --require-signature: 10 counted" "$(out rsa)" "begin
n=10"
TAPHUB_CONFDIR=$conf tap_run unsigned --run "$TMP/count.tapa"
one_line "an unsigned artifact is refused when trusted keys are configured" unsigned \
	"artifact is not signed, and trusted keys are configured"
TAPHUB_CONFDIR=$TMP/noconf tap_run required --run --require-signature "$TMP/count.tapa"
one_line "an unsigned artifact is refused with --require-signature" required \
	"artifact is not signed, and a signature is required"
TAPHUB_CONFDIR=$conf tap_run other --run "$TMP/other.tapa"
one_line "an artifact signed by an untrusted key is refused" other \
	"signature is not from a trusted key"
# the manifest changed and its hashes made right, the old signature kept: only the key can tell
"$EDIT" "$TMP/signed.tapa" "$TMP/forged.tapa" "" "option -g"
TAPHUB_CONFDIR=$conf tap_run forged --run "$TMP/forged.tapa"
one_line "a re-hashed manifest without a valid signature is refused" forged "not signed"
"$EDIT" "$TMP/signed.tapa" "$TMP/keptsig.tapa" "" "option -g" keep
TAPHUB_CONFDIR=$conf tap_run keptsig --run "$TMP/keptsig.tapa"
one_line "a changed manifest under its old, trusted signature is refused" keptsig \
	"signature is not from a trusted key"
"$EDIT" "$TMP/signed.tapa" "$TMP/resigned.tapa" "" "option -g" "$TMP/other.pem"
TAPHUB_CONFDIR=$conf tap_run resigned --run "$TMP/resigned.tapa"
one_line "a manifest re-signed by an untrusted key is refused" resigned "not from a trusted key"
chmod 666 "$conf/keys/ed.pub"
TAPHUB_CONFDIR=$conf tap_run wkey --run "$TMP/signed.tapa"
one_line "a trusted key writable by others is refused" wkey "writable by others"
chmod 644 "$conf/keys/ed.pub"
# a key dir that cannot be read is not "no keys configured"
mkdir -p "$TMP/badconf" && : >"$TMP/badconf/keys"
TAPHUB_CONFDIR=$TMP/badconf tap_run badkeys --run "$TMP/count.tapa"
one_line "an unreadable trusted-key dir is refused, not taken for none" badkeys \
	"cannot read the trusted keys"

# ---- the compile cache without a compiler ------------------------------------------

# Compiled (and so cached) with clang and cc; then run from the same cache
# with neither on $PATH.
rm -rf "$TMP/cc-cache"
TAPHUB_CACHE=$TMP/cc-cache tap_run cached -p4 "$TMP/count.stp"
assert_rc "compiled into the cache" cached 0
PATH=$nocc TAPHUB_CACHE=$TMP/cc-cache tap_run hit -v "$TMP/count.stp" -c "$GEN getppid 25"
assert_eq "a cached script runs without clang or cc: 25 counted" "$(out hit)" "begin
n=25"
assert_grep "... from the cache" "$TMP/hit.err" "cache hit"

# ---- -F: a hub session from an artifact, its argument compiled in ------------------

F='global n
probe begin { printf("begin\n") }
probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "gen" && ppid() == $1) n++ }
probe end { printf("n=%d\n", n) }'
tap_run fbuild -p4 -m artf --artifact "$TMP/flight.tapa" -e "$F" $$
hub_start
fresh_cache
no_cc tap_run flight --run -F -o "$TMP/artf.txt" "$TMP/flight.tapa" $$
assert_rc "tap --run -F with no compiler starts a hub session" flight 0
assert_grep "... named as it was compiled (-m artf)" "$TMP/flight.out" "^Session artf "
"$GEN" getppid 60
"$TAPCTL" stop artf >"$TMP/stop.txt" 2>&1
if wait_until 10 'grep -qx "n=60" "$TMP/artf.txt"'; then
	pass "the session's runner ran from the extracted artifact: begin, 60 counted, end"
else
	fail "the session's runner ran from the extracted artifact" "$(cat "$TMP/artf.txt" "$TMP/stop.txt" 2>&1)" \
		"$(run_details flight)"
fi


# ---- a probed program changed since the artifact was built --------------------------
# the loader compares the bytes at each uprobe's offset with what they were
cp "$TAP_E2E_BUILD/tests/e2e/sdtprog" "$TMP/up"
tap_run upbuild -p4 --artifact "$TMP/up.tapa" -e "probe process(\"$TMP/up\").function(\"sdtprog_*\") { }"
assert_rc "an artifact of uprobes on a program builds" upbuild 0
"$TAP_E2E_BUILD/tests/e2e/sdtprog" 1 >/dev/null # the same program still runs...
cp "$GEN" "$TMP/up"                            # ...until another takes its path
tap_run upstale --run "$TMP/up.tapa"
one_line "an artifact whose probed program changed is refused, not attached mid-instruction" \
	upstale "changed since the script was compiled"

finish
