#!/bin/sh
# Malformed control messages: every seed of the fuzz corpus, mutated, and
# raw garbage, sent straight to the socket; each gets refused, the hub
# keeps running, and another session keeps recording throughout.
. "$(dirname "$0")/hub_lib.sh"
require_cmd python3
hub_start
PGEN=$(own_gen pgen)
"$TAP" -F -m keep -s 16 -e 'global n
	probe kernel.trace("syscalls:sys_enter_getppid") { if (execname() == "'"pgen$$"'") printf("n %d\n", ++n) }' >/dev/null
"$PGEN" getppid 10
python3 - "$TAPHUB_SOCKET" "$E2E_DIR/../fuzz/corpus/proto" <<'PY'
import os, random, socket, sys
sock, corpus = sys.argv[1], sys.argv[2]
random.seed(7)
seeds = [open(os.path.join(corpus, f), 'rb').read()[1:] for f in sorted(os.listdir(corpus))]
msgs = [b'', b'x', b'\0' * 15, os.urandom(64), b'THUB' * 100]
for s in seeds:
    for _ in range(20):
        b = bytearray(s)
        for _ in range(random.randint(1, 4)):
            if b:
                b[random.randrange(len(b))] = random.randrange(256)
        msgs.append(bytes(b))
    msgs.append(s[:len(s) // 2])
sent = refused = 0
for m in msgs:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.settimeout(5)
    c.connect(sock)
    try:
        c.send(m)
        sent += 1
        r = c.recv(65536)
        if len(r) >= 8 and r[6] == 1:  # TH_MSG_ERROR
            refused += 1
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    c.close()
print(f"sent {sent} malformed messages, {refused} error replies")
PY
check "the hub survived the malformed messages" hub_alive
"$PGEN" getppid 10
attach_until 10 "$TMP/a" '[ "$(count_of "$TMP/a" "^n ")" -ge 20 ]' keep
check "the other session kept recording (20 events, in order)" sh -c "grep '^n ' '$TMP/a' | awk '{ if (\$2 != NR) exit 1 } END { exit NR != 20 }'"
check "the hub logged the bad messages" grep -q "bad message" "$HUB_LOG"
"$TAPCTL" stop keep >/dev/null 2>&1
finish
