#!/bin/sh
# SPDX-License-Identifier: MIT
# Netfilter hooks (eBPF netfilter programs, Linux 6.4+) on loopback:
# datagrams and TCP connections of known sizes between known ports, over
# 127.0.0.1 and ::1, seen at each hook with stap's tapset variables and
# the raw $skb/$in/$out/$hooknum; the packets still arrive (the verdict is
# NF_ACCEPT: gen fails when a datagram it sends itself is lost); the
# points the kernel cannot link are refused at pass 2 with the reason.
. "$(dirname "$0")/lib.sh"
require_kernel
[ -e /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
nf_check=$("$TAP" -p2 -e 'probe netfilter.ipv4.local_in { }' 2>&1 >/dev/null)
case $nf_check in
*"this kernel's BTF has no struct bpf_nf_ctx"*) skip "no eBPF netfilter programs (Linux 6.4+)" ;;
esac

# ports unlikely to be in use, different for each run
base=$((30000 + $$ % 20000))
N=5
SIZE=333

# ---- UDP over 127.0.0.1: each datagram passes the four local hooks once ---------------
# LOCAL_OUT and POST_ROUTING on the way out, PRE_ROUTING and LOCAL_IN on
# the way back in, all on lo; skb->len is the IP packet: 20 + 8 + SIZE.
UDP='global out, post, pre, inn, raw, bad, saw
@define check(h, want_in, want_out) %(
	if (dport != $1 || protocol != 17) next
	if (sport != $1 || saddr != @2 || daddr != @2 || length != $3 + $4 || pf != @5 ||
	    family != $6 || indev_name != @want_in || outdev_name != @want_out) {
		bad++
		printf("bad %s: %s:%d > %s:%d len %d pf %s in %s out %s\n", @h, saddr, sport, daddr,
		       dport, length, pf, indev_name, outdev_name)
	}
	saw[@h] = data_hex
%)
probe netfilter.ipvX.local_out { @check("out", "", "lo"); out++ }
probe netfilter.ipvX.post_routing { @check("post", "", "lo"); post++ }
probe netfilter.ipvX.pre_routing { @check("pre", "lo", ""); pre++ }
probe netfilter.ipvX.local_in { @check("in", "lo", ""); inn++ }
// the raw point, at a priority of its own: $hooknum, the devices, the skb
probe netfilter.hook("NF_INET_LOCAL_IN").pf("NFPROTO_IPVX").priority("-50") {
	if ($skb->len != $3 + $4) next
	if ($hooknum != 1 || $out != 0 || $in->name != "lo" || $skb->dev != $in) bad++
	raw++
}
probe end { printf("out=%d\npost=%d\npre=%d\nin=%d\nraw=%d\nbad=%d\n", out, post, pre, inn, raw, bad)
	printf("hex=%s\n", saw["in"]) }'

udp_case() { # NAME V ADDR HDR PF FAMILY PORT [6]
	_s=$(printf '%s' "$UDP" | sed "s/ipvX/ipv$2/g; s/NFPROTO_IPVX/NFPROTO_IPV$2/")
	tap_run "$1" -c "$GEN udpx $N $7 $SIZE $8" -e "$_s" "$7" "$3" "$SIZE" "$4" "$5" "$6"
	assert_ok_skips "$1: script runs, every datagram delivered" "$1"
	for h in out post pre in raw; do
		assert_eq "$1: $h: $N datagrams of $SIZE bytes to port $7" "$(value $h "$1")" $N
	done
	assert_eq "$1: addresses $3, ports, length $(($4 + SIZE)), pf, family, devices" \
		"$(value bad "$1")" 0
}
udp_case udp4 4 127.0.0.1 28 ipv4 2 "$base"
# the IPv4 header of the first datagram: version 4, length 20 + 8 + SIZE
assert_grep "udp4: data_hex: the IPv4 header (45, total length $((28 + SIZE)))" "$TMP/udp4.out" \
	"^hex=4500$(printf '%04x' $((28 + SIZE)))"
V6=0000:0000:0000:0000:0000:0000:0000:0001
udp_case udp6 6 "$V6" 48 ipv6 10 $((base + 1)) 6
# IPv6: version 6, then after the flow label the payload length 8 + SIZE
assert_grep "udp6: data_hex: the IPv6 header (6, payload length $((8 + SIZE)))" "$TMP/udp6.out" \
	"^hex=6.......$(printf '%04x' $((8 + SIZE)))11"

# ---- TCP over 127.0.0.1 and ::1: handshake, N messages each way, close -------------
# At LOCAL_OUT (each segment once): one SYN to the port, one SYN-ACK from
# it, N segments of SIZE bytes each way (TCP_NODELAY), a FIN from each
# end.  The payload is the length less the IP and TCP headers.
TCP='global n_syn, n_synack, fin_c, fin_s, data_c, data_s, bad
probe netfilter.ip.local_out {
	if (protocol != 6 || (dport != $1 && sport != $1)) next
	if (saddr != @2 || daddr != @2 || family != $3) bad++
	/* ip.stp/netfilter.stp helpers: the transport protocol past the IPv6 header */
	if (family == 10 && __ip6_skb_proto($skb) != 6) bad++
	payload = length - (family == 2 ? 20 : 40) - @cast(tcphdr, "tcphdr")->doff * 4
	if (syn && !ack && dport == $1) n_syn++
	if (syn && ack && sport == $1) n_synack++
	if (fin && dport == $1) fin_c++
	if (fin && sport == $1) fin_s++
	if (payload == $4 && dport == $1 && psh) data_c++
	if (payload == $4 && sport == $1 && psh) data_s++
}
probe end { printf("syn=%d\nsynack=%d\nfin_c=%d\nfin_s=%d\ndata_c=%d\ndata_s=%d\nbad=%d\n",
		   n_syn, n_synack, fin_c, fin_s, data_c, data_s, bad) }'

tcp_case() { # NAME ADDR FAMILY PORT [6]
	tap_run "$1" -c "$GEN tcp $N $4 $SIZE $5" -e "$TCP" "$4" "$2" "$3" "$SIZE"
	assert_ok_skips "$1: script runs, the connection works" "$1"
	assert_eq "$1: one SYN to port $4" "$(value syn "$1")" 1
	assert_eq "$1: one SYN-ACK from it" "$(value synack "$1")" 1
	assert_eq "$1: one FIN from the client" "$(value fin_c "$1")" 1
	assert_eq "$1: one FIN from the server" "$(value fin_s "$1")" 1
	assert_eq "$1: $N segments of $SIZE bytes to the server" "$(value data_c "$1")" $N
	assert_eq "$1: $N segments of $SIZE bytes back" "$(value data_s "$1")" $N
	assert_eq "$1: addresses $2, family $3" "$(value bad "$1")" 0
}
tcp_case tcp4 127.0.0.1 2 $((base + 2))
tcp_case tcp6 "$V6" 10 $((base + 3)) 6

# ---- the sender's context: who_sent_it.stp's probe --------------------------------
port=$((base + 4))
tap_run who -c "$GEN udpx $N $port $SIZE" -e 'probe netfilter.ip.local_out {
	if (dport == $1) printf("%s[%d] sent packet to %s:%d\n", execname(), tid(), daddr, dport)
}' $port
assert_ok_skips "who: script runs" who
assert_eq "who: $N lines naming gen and 127.0.0.1:$port" \
	"$(grep -c "^gen\[[0-9]*\] sent packet to 127.0.0.1:$port\$" "$TMP/who.out")" $N

# ---- guru mode: $verdict = nf_drop drops the packet --------------------------------
# The first D of N datagrams are dropped at LOCAL_IN (priority 0): a hook
# of a later priority (100) sees only the N - D others; all N went out.
port=$((base + 5))
D=3
tap_run drop -g -c "$GEN udp $N $port" -e 'global sent, seen, later, v
probe netfilter.ipv4.local_out { if (protocol == 17 && dport == $1) sent++ }
probe netfilter.ipv4.local_in {
	if (protocol != 17 || dport != $1) next
	v = $verdict
	if (++seen <= $2) $verdict = nf_drop
}
probe netfilter.hook("NF_INET_LOCAL_IN").pf("NFPROTO_IPV4").priority("100") {
	if (@cast($skb, "sk_buff")->len == 34 && $skb->protocol == 8) later++
}
probe end { printf("sent=%d\nseen=%d\nlater=%d\nv=%d\n", sent, seen, later, v) }' $port $D
assert_ok_skips "drop: script runs with -g" drop
assert_eq "drop: $N datagrams sent" "$(value sent drop)" $N
assert_eq "drop: $N seen at LOCAL_IN" "$(value seen drop)" $N
assert_eq "drop: \$verdict reads NF_ACCEPT (1) before it is set" "$(value v drop)" 1
assert_eq "drop: the first $D dropped: $((N - D)) reach a later hook" "$(value later drop)" $((N - D))

# the preprocessor's guru_mode follows -g
GM='probe begin { printf("gm=%d\n", %( guru_mode == 1 %? 1 %: 0 %)); exit() }'
tap_run gm1 -g -e "$GM"
tap_run gm0 -e "$GM"
assert_eq "guru_mode is 1 with -g, 0 without" "$(value gm gm1) $(value gm gm0)" "1 0"

# ---- refusals at pass 2 ----------------------------------------------------------------
refused() { # NAME SCRIPT REGEX
	tap_run "$1" -p2 -e "$2"
	assert_rc "$1: refused" "$1" 1
	assert_grep "$1: the reason" "$TMP/$1.err" "$3"
}
refused arp 'probe netfilter.arp.in { }' \
	"error: probe point 'netfilter.hook(\"NF_ARP_IN\").pf(\"NFPROTO_ARP\")' is not supported on this kernel: it links eBPF netfilter programs to the IPv4 and IPv6 hooks only, not to NFPROTO_ARP's"
refused bridge 'probe netfilter.bridge.* { }' "IPv4 and IPv6 hooks only, not to NFPROTO_BRIDGE's"
refused hookname 'probe netfilter.hook("NF_INET_LOCAL_INN").pf("NFPROTO_IPV4") { }' \
	"^<input>:1:7: error: probe point .* has an unknown hook"
refused mixed 'probe netfilter.hook("NF_IP6_LOCAL_IN").pf("NFPROTO_IPV4") { }' \
	"names a hook of NFPROTO_IPV6 with .pf(\"NFPROTO_IPV4\")"
refused nopf 'probe netfilter.hook("NF_INET_LOCAL_IN") { }' "needs both .hook(\"HOOK\") and .pf(\"PF\")"
refused prio 'probe netfilter.hook("1").pf("2").priority("2147483647") { }' \
	"a priority the kernel refuses"
refused var 'probe netfilter.ipv4.local_in { print($okfn) }' \
	"unable to find target variable '\$okfn' in .* (its variables: \$hooknum \$skb \$in \$out \$state \$verdict)"
refused member 'probe netfilter.ipv4.local_in { print($in->nosuch) }' "nosuch"
refused verdict 'probe netfilter.ipv4.local_in { $verdict = 0 }' \
	"'\$verdict' can only be set in guru mode: run tap -g"
refused skbwrite 'probe netfilter.ipv4.local_in { $skb->mark = 1 }' "cannot be written"
tap_run guru_c -g -p2 -e 'probe begin { %{ 1 %} }'
assert_rc "guru_c: embedded C refused with -g" guru_c 1
assert_grep "guru_c: the reason" "$TMP/guru_c.err" "embedded C .* even in guru mode (-g)"

finish
