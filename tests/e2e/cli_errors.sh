#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The error paths of tap, tapctl, taphubd and tap-read: every error exits
# non-zero and says what is wrong in its first line of stderr; a value
# too long for where it goes is refused, naming the option and the
# limit, never cut.  One row per path:
#
#   expect NAME STATUS 'FRAGMENT' COMMAND...
#
# (OUT=FILE expect ... sends the command's stdout to FILE: /dev/full for
# the output errors.)  Every command has a time limit, so a path that
# used to hang fails here instead.

. "$(dirname "$0")/hub_lib.sh"
E2E=$E2E_DIR
READ=$TAP_READ
HUBD=$TAPHUBD
D=$TMP/out
mkdir -p "$D"
cd "$D" || exit 1
hub_start
on_exit '"$TAPCTL" stop keep >/dev/null 2>&1'

expect() {
	name=$1 want=$2 frag=$3
	shift 3
	timeout -k 5 60 "$@" >"${OUT:-$D/stdout}" 2>"$D/stderr"
	got=$?
	if [ "$got" = "$want" ] && { [ -z "$frag" ] || head -1 "$D/stderr" | grep -qF -- "$frag"; }; then
		pass "$name"
	else
		fail "$name" "exit $got (want $want), stderr: $(head -3 "$D/stderr")"
	fi
}

long() { # long N CHAR: N times CHAR
	head -c "$1" /dev/zero | tr '\0' "$2"
}
NAME64=$(long 64 a)
NAME63=$(long 63 a)
SPEC5K="big=$(long 5000 0)1M"     # a valid spec, longer than the protocol carries
SPEC4K="c=$(long 4085 0)1M"       # valid and within it; sixteen do not fit a message
P="probe kernel.trace(\"syscalls:sys_enter_getppid\") { if (execname() == \"nobody_\") exit() }"
EXIT='probe begin { exit() }'

# ---- tap: -c, -s ------------------------------------------------------------------------
expect "tap -c /nonexistent: exit 1, says so" 1 "-c: cannot run '/nonexistent'" \
	"$TAP" -c /nonexistent -e 'probe timer.s(30) { exit() }'
for s in 2049 4096 4097; do
	expect "tap -s $s: refused at option parsing" 1 "-s expects a number from 1 to 2048 (MB)" \
		"$TAP" -s $s -e "$P"
	expect "tap -F -s $s: refused at option parsing" 1 "-s expects a number from 1 to 2048 (MB)" \
		"$TAP" -F -m s$s -s $s -e "$P"
done
expect "tap -s 2048 is accepted (-p4)" 0 "" "$TAP" -p4 -s 2048 -e "$P"

# ---- tap: values too long or not names ------------------------------------------------------
expect "tap -F -m (64 characters): refused, not cut" 1 "-m: the name is 64 characters long; the limit is 63" \
	"$TAP" -F -m "$NAME64" -e "$P"
expect "tap -F -m (63 characters) is accepted" 0 "" "$TAP" -F -m "$NAME63" -e "$P"
"$TAPCTL" stop "$NAME63" >/dev/null 2>&1
expect "tap -m 1abc: not a name" 1 "-m: a name is letters, digits and '_'" "$TAP" -m 1abc -e "$EXIT"
expect "tap -A (64 characters)" 1 "-A: the name is 64 characters long; the limit is 63" "$TAP" -A "$NAME64"
expect "tap --class (64 characters)" 1 "--class: the name is 64 characters long" "$TAP" -A x --class "$NAME64"
expect "tap --relay-host bad/name" 1 "--relay-host: a name is letters" "$TAP" -F --relay-host a/b -e "$P"
expect "tap -DRELAYHOST= (64 characters)" 1 "-D RELAY_HOST: the name is 64 characters long" \
	"$TAP" -F -DRELAYHOST="$NAME64" -e "$P"
expect "tap --host-class over 4 KB: refused, not dropped" 1 "--host-class: the value is 5006 bytes long; the limit is 4095" \
	"$TAP" -F -m hc --relay-host hc --host-class "$SPEC5K" -e "$P"
set --
for i in $(seq 16); do set -- "$@" --host-class "$(echo "$SPEC4K" | sed "s/^c=/c$i=/")"; done
expect "tap: 16 --host-class of 4 KB do not fit a message: refused" 1 "does not fit in a message to taphubd" \
	"$TAP" -F -m hc16 --relay-host hc16 "$@" -e "$P"
set --
expect "tap --host-class bad spec: refused at option parsing" 1 "class 'x=1': the size must be" \
	"$TAP" -F -m hcx --relay-host hcx --host-class x=1 -e "$P"
expect "tap -o (5000 bytes)" 1 "-o: the value is 5000 bytes long; the limit is 4095" \
	"$TAP" -o "$(long 5000 o)" -e "$EXIT"
expect "tap -I (5000 bytes)" 1 "-I: the value is 5000 bytes long; the limit is 4095" \
	"$TAP" -I "$(long 5000 i)" -e "$EXIT"
expect "tap --socket (120 bytes)" 1 "--socket: the value is 120 bytes long; the limit is 107" \
	"$TAP" --socket "/$(long 119 s)" -A x

# ---- tap: command lines that cannot be meant ---------------------------------------------------
expect "tap -DRELAYHOST=x without -F" 1 "go with -F" "$TAP" -DRELAYHOST=x -e "$EXIT"
expect "tap -DRELAYHOST and -DRELAYGUEST" 1 "creates a relay host or joins one, not both" \
	"$TAP" -F -DRELAYHOST=a -DRELAYGUEST=b -e "$P"
expect "tap -A NAME SCRIPT" 1 "-A NAME attaches to a session: it takes no script" "$TAP" -A x script.stp
expect "tap -e twice" 1 "-e: only one script can be given" "$TAP" -e "$EXIT" -e "$EXIT"
expect "tap SCRIPT -5: an argument with '-' needs --" 1 "invalid option -- '5'" "$TAP" -e "$EXIT" -5

# ---- tap -A, tap-read, tapctl list: output that cannot be written ---------------------------
"$TAP" -F -m keep -e "probe begin { printf(\"line\\n\") } $P" >/dev/null
OUT=/dev/full expect "tap -A NAME >/dev/full: exit 1, not an endless attach" 1 "cannot write the output: No space left" \
	"$TAP" -A keep
OUT=/dev/full expect "tapctl list >/dev/full" 1 "cannot write the output" "$TAPCTL" list
"$TAP" -o t.bin --format=binary -e 'probe begin { printf("x\n"); exit() }' 2>/dev/null
OUT=/dev/full expect "tap-read FILE >/dev/full" 1 "cannot write the output" "$READ" t.bin
expect "tap-read --guest -1" 2 "--guest expects a guest id" "$READ" --guest -1 t.bin
"$TAPCTL" stop keep >/dev/null 2>&1

# ---- tapctl ----------------------------------------------------------------------------------------
expect "tapctl with no command" 1 "no command given" "$TAPCTL"
expect "tapctl frob: unknown, even without a hub" 1 "unknown command 'frob'" \
	"$TAPCTL" --socket /nonexistent.sock frob
expect "tapctl list extra" 1 "list: unexpected argument 'extra'" "$TAPCTL" list extra
expect "tapctl stop (no name)" 1 "stop needs a session name" "$TAPCTL" stop
expect "tapctl stop NAME --force" 1 "stop does not take --force" "$TAPCTL" stop x --force
expect "tapctl attach --guest abc" 1 "--guest expects a guest id" "$TAPCTL" attach x --guest abc
expect "tapctl stop (70 characters)" 1 "stop NAME: the name is 70 characters long; the limit is 63" \
	"$TAPCTL" stop "$(long 70 a)"
expect "tapctl host create --class over 4 KB: refused, not dropped" 1 "--class: the value is 5006 bytes long; the limit is 4095" \
	"$TAPCTL" host create hbig --class "$SPEC5K"
expect "tapctl --socket (120 bytes)" 1 "--socket: the value is 120 bytes long; the limit is 107" \
	"$TAPCTL" --socket "/$(long 119 s)" list
expect "tapctl recover --state-dir (800 bytes)" 1 "--state-dir: the value is 800 bytes long; the limit is 768" \
	"$TAPCTL" recover --state-dir "/$(long 799 d)"

# ---- taphubd ---------------------------------------------------------------------------------------
# (-f and a time limit where an unfixed taphubd would run on)
expect "taphubd beside a running one: exit 1, says so" 1 "another taphubd is listening on $TAPHUB_SOCKET" \
	"$HUBD" --socket "$TAPHUB_SOCKET" --state-dir "$TMP/state2"
expect "taphubd that cannot start, detached: exit 1, says why" 1 "taphubd: cannot create the state dir /proc/nonexistent/state" \
	"$HUBD" --socket "$TMP/h3.sock" --state-dir /proc/nonexistent/state
expect "taphubd --group with no such group" 1 "--group: no group named 'nosuchgroup_'" \
	"$HUBD" -f --socket "$TMP/h4.sock" --state-dir "$TMP/state4" --group nosuchgroup_
expect "taphubd --ready-fd abc" 1 "--ready-fd expects an open file descriptor" \
	"$HUBD" -f --socket "$TMP/h5.sock" --state-dir "$TMP/state5" --ready-fd abc
expect "taphubd --socket (120 bytes)" 1 "--socket: the value is 120 bytes long; the limit is 107" \
	"$HUBD" -f --socket "/$(long 119 s)" --state-dir "$TMP/state6"
expect "taphubd --state-dir (800 bytes)" 1 "--state-dir: the value is 800 bytes long; the limit is 768" \
	"$HUBD" -f --socket "$TMP/h7.sock" --state-dir "/$(long 799 d)"

# ---- the hub checks -s in the protocol too ----------------------------------------------------------
for mb in 2049 4097; do
	r=$(python3 - "$TAPHUB_SOCKET" "$E2E/../../include/taphub/proto.h" $mb <<'PY'
import re, socket, struct, sys
sock, hdr, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(hdr).read()
def enum(name):
    body = re.search(r'enum ' + name + r' \{(.*?)\};', text, re.S).group(1)
    vals, v = {}, 0
    for m in re.finditer(r'^\s*(TH_\w+)(?:\s*=\s*(\d+))?,', body, re.M):
        v = int(m.group(2)) if m.group(2) else v + 1
        vals[m.group(1)] = v
    return vals
M, A = enum('th_msg_type'), enum('th_attr_type')
magic = int(re.search(r'TH_PROTO_MAGIC (0x[0-9a-fA-F]+)', text).group(1), 16)
version = int(re.search(r'TH_PROTO_VERSION (\d+)', text).group(1))
def attr(t, v):
    return struct.pack('<HH', t, len(v)) + v + b'\0' * (-len(v) % 4)
body = attr(A['TH_A_NAME'], b'bufs\0') + attr(A['TH_A_BUFSIZE'], struct.pack('<Q', mb << 20))
msg = struct.pack('<IHHII', magic, version, M['TH_MSG_SESSION_CREATE'], 16 + len(body), 7) + body
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(sock)
c.send(msg)
print(c.recv(65536)[16:].decode('latin1'))
PY
)
	case "$r" in
	*"the buffer size (-s) must be 1 to 2048 MB"*) pass "the hub refuses a $mb MB buffer from the protocol" ;;
	*) fail "the hub refuses a $mb MB buffer from the protocol" "$r" ;;
	esac
done

check "the hub is still running" hub_alive
finish
