#!/bin/sh
# SPDX-License-Identifier: MIT
# LSM hooks (BPF LSM programs): lsm.socket_bind counts the binds of gen's
# sockets with the hook's parameters, $ctx and $return; with -g,
# `$return = -1` makes the bind fail with EPERM in gen, and binds work
# again once the session is gone (the program detached).  AF_ALG "aead"
# binds blocked by SystemTap's cve-2026-31431bpf.stp itself (where its
# testsuite is: STAP_EXAMPLES), where the kernel has AF_ALG.  Without -g a write of $return is refused at pass 2,
# and a kernel that cannot run BPF LSM programs (this project's host) is
# refused at pass 2 with the reason; the compile checks run there with
# TAPHUB_LSM=1 (compile as for a kernel that can).
. "$(dirname "$0")/lib.sh"
require_kernel
[ -e /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
EX=${STAP_EXAMPLES:-/tmp/stap/testsuite/systemtap.examples}
N=5
D=3

COUNT='global n, same
probe lsm.socket_bind {
	if (pid() != target() || $address->sa_family != 2) next
	n++
	// stap'"'"'s $ctx: the hook'"'"'s arguments, 8 bytes each
	same += user_long($ctx + 8) == $address && kernel_int($ctx + 16) == $addrlen && $return == 0
}
probe end { printf("n=%d\nsame=%d\n", n, same) }'
DENY='global n
probe lsm.socket_bind {
	if (pid() != target() || $address->sa_family != 2) next
	if (++n > $1) $return = -1
}
probe end { printf("n=%d\n", n) }'

# ---- pass 2, on any kernel (TAPHUB_LSM=1: as on one with the BPF LSM) ---------------
TAPHUB_LSM=1 tap_run wr -p2 -e "$DENY" 2
assert_rc "\$return = -1 without -g: refused at pass 2" wr 1
assert_grep "the refusal says -g, at the assignment's line and column" "$TMP/wr.err" \
	"^<input>:4:16: error: '\$return' can only be set in guru mode: run tap -g"
assert_grep "with a caret under it" "$TMP/wr.err" '^    	              \^$'
TAPHUB_LSM=1 tap_run p4 -g -p4 -e "$DENY" 2
assert_ok "with -g it compiles (-p4)" p4
TAPHUB_LSM=1 tap_run void -p2 -e 'probe lsm.task_free { println($return) }'
assert_grep "\$return of a hook that returns void: refused" "$TMP/void.err" \
	"'\$return': the LSM hook of lsm.task_free returns void"
TAPHUB_LSM=1 tap_run nohook -p2 -e 'probe lsm.no_such_hook { }'
assert_grep "an unknown hook: refused, naming the stub" "$TMP/nohook.err" \
	"names no LSM hook of this kernel: its BTF has no bpf_lsm_no_such_hook"
TAPHUB_LSM=1 tap_run list -l 'lsm.socket_b*'
assert_eq "tap -l 'lsm.socket_b*': the hooks from BTF" "$(out list)" lsm.socket_bind
TAPHUB_LSM=1 tap_run listv -L 'kernel.lsm("socket_bind")'
assert_eq "tap -L: the parameters, \$ctx and \$return" "$(out listv)" \
	'kernel.lsm("socket_bind") $sock:long $address:long $addrlen:long $ctx:long $return:long'
# SystemTap's example (where its testsuite is): its @cast names a type of
# a header, kernel<uapi/linux/if_alg.h>, compiled for its BTF
BANDAID=$EX/security-band-aids/cve-2026-31431bpf.stp
if [ -f "$BANDAID" ]; then
	TAPHUB_LSM=1 tap_run example -g -p4 "$BANDAID"
	assert_ok "cve-2026-31431bpf.stp compiles (-g -p4)" example
else
	echo "# no $BANDAID: its compile is not checked here"
fi
TAPHUB_LSM=1 tap_run hdr -p2 -e 'probe lsm.socket_bind { println(@cast($address, "no_such_type", "kernel<uapi/linux/no_such.h>")->x) }'
assert_grep "a header that is not installed: refused with clang's reason" "$TMP/hdr.err" \
	"type 'no_such_type' of header <uapi/linux/no_such.h> cannot be read: 'linux/no_such.h' file not found"

# ---- the kernel: can it run BPF LSM programs? ------------------------------------
tap_run can -p2 -e 'probe lsm.socket_bind { }'
if grep -q "is not supported on this kernel" "$TMP/can.err"; then
	# the host: securityfs says bpf is active, yet the program type is refused
	assert_grep "a kernel without BPF LSM programs: refused at pass 2 with the reason" \
		"$TMP/can.err" "probe point 'lsm.socket_bind' is not supported on this kernel: \(this kernel refuses\|the BPF LSM is not active\|the active LSMs cannot be read\)"
	echo "# $(sed -n 1p "$TMP/can.err")"
	finish
fi

# ---- counting: N AF_INET binds, each with its parameters ---------------------------
tap_run count -c "$GEN bind $N" -e "$COUNT"
assert_ok "count: script runs" count
assert_grep "count: gen's $N binds all succeed" "$TMP/count.out" "^bind ok=$N eperm=0 other=0\$"
assert_eq "count: $N binds of AF_INET sockets" "$(value n count)" $N
assert_eq "count: user_long(\$ctx + 8) is \$address, kernel_int(\$ctx + 16) \$addrlen, \$return 0" \
	"$(value same count)" $N

# ---- denying: with -g the binds after the first N - D fail with EPERM --------------
tap_run deny -g -c "$GEN bind $N" -e "$DENY" $((N - D))
assert_ok "deny: script runs" deny
assert_grep "deny: $D of $N binds fail with EPERM in gen" "$TMP/deny.out" \
	"^bind ok=$((N - D)) eperm=$D other=0\$"
assert_eq "deny: the probe saw all $N" "$(value n deny)" $N
# the session is over: its program is detached, binds work again
"$GEN" bind $N >"$TMP/after.out" 2>&1
assert_grep "after the session: $N binds succeed (the program is detached)" "$TMP/after.out" \
	"^bind ok=$N eperm=0 other=0\$"

# ---- AF_ALG: the band-aid's hook, while a session runs and after ------------------
"$GEN" bind 1 alg >"$TMP/alg0.out" 2>&1
if ! grep -q "^bind ok=1 " "$TMP/alg0.out"; then
	# Debian builds AF_ALG's aead and gcm(aes)'s parts as modules (the
	# kernel's own module requests do not reach the test bed's guests)
	for m in algif_aead gcm ctr ghash_generic; do
		modprobe "$m" >/dev/null 2>&1
	done
	"$GEN" bind 1 alg >"$TMP/alg0.out" 2>&1
fi
if grep -q "^bind ok=1 " "$TMP/alg0.out"; then
	# stap's example itself where it is, else the same test of salg_type
	if [ -f "$BANDAID" ]; then
		tap_start alg -g "$BANDAID"
	else
		tap_start alg -g -e 'probe lsm.socket_bind {
	a = user_long($ctx + 8)
	if (kernel_short(a) == 38 && kernel_string(a + 2) == "aead") {
		printf("BLOCKED AF_ALG AEAD bind from %s[%d]\n", execname(), pid())
		$return = -1
	}
}
probe begin { println("Blocking AF_ALG AEAD socket binds") }'
	fi
	wait_until 120 "grep -q Blocking '$TMP/alg.out'"
	"$GEN" bind $D alg >"$TMP/alg1.out" 2>&1
	kill -INT "$TAP_PID" # Ctrl-C: the session ends, its program is detached
	tap_wait alg
	assert_rc "AF_ALG: the session ends on SIGINT" alg 0
	assert_grep "AF_ALG: $D aead binds fail with EPERM while the session runs" "$TMP/alg1.out" \
		"^bind ok=0 eperm=$D other=0\$"
	assert_eq "AF_ALG: the probe said so $D times" \
		"$(grep -c '^BLOCKED AF_ALG AEAD bind from gen\[[0-9]*\]$' "$TMP/alg.out")" $D
	"$GEN" bind $D alg >"$TMP/alg2.out" 2>&1
	assert_grep "AF_ALG: after the session they succeed" "$TMP/alg2.out" \
		"^bind ok=$D eperm=0 other=0\$"
else
	echo "# no AF_ALG aead here ($(head -n 1 "$TMP/alg0.out")): the AF_INET cases above stand for it"
fi
finish
