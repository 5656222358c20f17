#!/bin/sh
# SPDX-License-Identifier: MIT
# The network tapsets (netdev.*, udp.*, tcp.*) on loopback: datagrams and
# a TCP connection of known sizes between known ports, told apart from
# other traffic by those sizes and ports.
. "$(dirname "$0")/lib.sh"
require_kernel

# ports unlikely to be in use, different for each run
base=$((20000 + $$ % 20000))
N=5

# ---- UDP datagrams of a known size to itself ---------------------------------------
SIZE=777
tap_run udp -c "$GEN udpx $N $base $SIZE" -e 'global snd, rcv, ubad, tx, htx, rx, nrx, s2, r2
probe udp.sendmsg.return { if (pid() == target() && size == $1) { snd++; if (family != 2 || name != "udp.sendmsg") ubad++ } }
probe udp.recvmsg.return { if (pid() == target() && size == $1) { rcv++; if (family != 2 || name != "udp.recvmsg") ubad++ } }
// stap'"'"'s entry names: the same calls, seen when they return
probe udp.sendmsg { if (pid() == target() && size == $1) { s2++; if (family != 2 || name != "udp.sendmsg" || saddr != "") ubad++ } }
probe udp.recvmsg { if (pid() == target() && size == $1) { r2++; if (family != 2 || name != "udp.recvmsg" || dport != 0) ubad++ } }
// on the wire: Ethernet 14 + IPv4 20 + UDP 8 bytes of headers
probe netdev.transmit { if (dev_name == "lo" && length == $1 + 42 && pid() == target()) tx++ }
probe netdev.hard_transmit { if (dev_name == "lo" && length == $1 + 42 && protocol == 0x800) htx++ }
// received: the Ethernet header is gone
probe netdev.receive { if (dev_name == "lo" && length == $1 + 28) rx++ }
probe netdev.rx { if (dev_name == "lo" && length == $1 + 28) nrx++ }
probe end { printf("snd=%d\nrcv=%d\nubad=%d\ntx=%d\nhtx=%d\nrx=%d\nnrx=%d\ns2=%d\nr2=%d\n", snd, rcv, ubad, tx, htx, rx, nrx, s2, r2) }' $SIZE
assert_ok_skips "UDP script runs" udp
assert_eq "udp.sendmsg.return: $N sends of $SIZE bytes" "$(value snd udp)" $N
assert_eq "udp.recvmsg.return: $N receives of $SIZE bytes" "$(value rcv udp)" $N
assert_eq "udp.sendmsg: $N sends of $SIZE bytes" "$(value s2 udp)" $N
assert_eq "udp.recvmsg: $N receives of $SIZE bytes" "$(value r2 udp)" $N
assert_eq "udp.*.return: family AF_INET, name" "$(value ubad udp)" 0
assert_eq "netdev.transmit: $N packets of $((SIZE + 42)) bytes on lo" "$(value tx udp)" $N
assert_eq "netdev.hard_transmit: $N, protocol 0x800" "$(value htx udp)" $N
assert_eq "netdev.receive: $N packets of $((SIZE + 28)) bytes on lo" "$(value rx udp)" $N
assert_eq "netdev.rx: $N" "$(value nrx udp)" $N

# ---- a full receive queue drops datagrams --------------------------------------------
port=$((base + 1))
tap_run drop -c "$GEN udpfull 200 $port" -e 'global n, bad
probe udp.drop {
	if (dport != $1) next
	n++
	if (rc >= 0 || family != 2 || saddr != "127.0.0.1" || daddr != "127.0.0.1" || sport == 0 ||
	    name != "udp.drop") bad++
}
probe end { printf("n=%d\nbad=%d\n", n, bad) }' $port
assert_ok_skips "udp.drop script runs" drop
assert_range "udp.drop: most of 200 datagrams dropped" "$(value n drop)" 100 200
assert_eq "udp.drop: rc < 0, addresses 127.0.0.1, ports" "$(value bad drop)" 0

# ---- a TCP connection: N messages each way -------------------------------------------
port=$((base + 2))
TSIZE=1000
tap_run tcp -c "$GEN tcp $N $port $TSIZE" -e 'global est, sbad, seg, rbad, snd, rcv, dest, states
probe tcp.set_state {
	if (sport != $1 && dport != $1) next
	states[tcp_sockstate_str(oldstate) . ">" . tcp_sockstate_str(newstate)]++
	if (newstate == 1) est++
	if (saddr != "127.0.0.1" || family != 2 || name != "tcp.set_state" ||
	    (newstate == 1 && daddr != "127.0.0.1")) sbad++
}
probe tcp.receive {
	if (length != $2 || (sport != $1 && dport != $1)) next
	seg++
	if (saddr != "127.0.0.1" || daddr != "127.0.0.1" || family != 2 || protocol != 6 ||
	    snd_cwnd <= 0 || srtt <= 0 || rcv_wnd <= 0 || sock == 0 || name != "tcp.receive") rbad++
}
probe tcp.sendmsg.return { if (pid() == target() && size == $2 && family == 2 && name == "tcp.sendmsg") snd++ }
probe tcp.recvmsg.return { if (pid() == target() && size == $2 && name == "tcp.recvmsg") rcv++ }
probe tcp.destroy_sock { if ((sport == $1 || dport == $1) && saddr == "127.0.0.1") dest++ }
probe end {
	printf("est=%d\nsbad=%d\nseg=%d\nrbad=%d\nsnd=%d\nrcv=%d\ndest=%d\n", est, sbad, seg, rbad, snd, rcv, dest)
	foreach (s in states) printf("state %s\n", s)
}' $port $TSIZE
assert_ok_skips "TCP script runs" tcp
assert_eq "tcp.set_state: both ends reach TCP_ESTABLISHED" "$(value est tcp)" 2
assert_eq "tcp.set_state: addresses 127.0.0.1, family AF_INET" "$(value sbad tcp)" 0
assert_grep "tcp.set_state: the listener" "$TMP/tcp.out" '^state TCP_CLOSE>TCP_LISTEN$'
assert_grep "tcp.set_state: the client connects" "$TMP/tcp.out" '^state TCP_SYN_SENT>TCP_ESTABLISHED$'
assert_grep "tcp.set_state: the server accepts" "$TMP/tcp.out" '^state TCP_SYN_RECV>TCP_ESTABLISHED$'
assert_grep "tcp.set_state: the client closes first" "$TMP/tcp.out" '^state TCP_ESTABLISHED>TCP_FIN_WAIT1$'
assert_eq "tcp.receive: $((2 * N)) segments of $TSIZE bytes" "$(value seg tcp)" $((2 * N))
assert_eq "tcp.receive: addresses, family, protocol, cwnd, srtt, rcv_wnd" "$(value rbad tcp)" 0
assert_eq "tcp.sendmsg.return: $((2 * N)) sends of $TSIZE bytes" "$(value snd tcp)" $((2 * N))
assert_eq "tcp.recvmsg.return: $((2 * N)) receives of $TSIZE bytes" "$(value rcv tcp)" $((2 * N))
assert_range "tcp.destroy_sock: client, server and listener" "$(value dest tcp)" 2 3

# ---- the same over IPv6: addresses in stap's %pI6 form ----------------------------------
if [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6; then
	port=$((base + 3))
	tap_run tcp6 -c "$GEN tcp 2 $port 100 6" -e 'global st, rx
probe tcp.set_state { if (dport == $1 && newstate == 1 && family == 10) st = saddr . " " . daddr }
probe tcp.receive { if (dport == $1 && length == 100 && family == 10) rx = saddr . " " . daddr }
probe end { printf("st %s\nrx %s\n", st, rx) }' $port
	lo6=0000:0000:0000:0000:0000:0000:0000:0001
	assert_grep "tcp.set_state: IPv6 saddr and daddr ::1" "$TMP/tcp6.out" "^st $lo6 $lo6\$"
	assert_grep "tcp.receive: IPv6 saddr and daddr ::1" "$TMP/tcp6.out" "^rx $lo6 $lo6\$"
else
	echo "# tapset_net: no IPv6 loopback: IPv6 addresses not exercised"
fi

# ---- every alias and variable passes the verifier ------------------------------
tap_run all -e 'global acc
probe netdev.transmit, netdev.receive, netdev.rx { acc <<< length + strlen(dev_name) }
probe netdev.hard_transmit { acc <<< length + protocol + strlen(dev_name) }
probe udp.sendmsg.return, udp.recvmsg.return, tcp.sendmsg.return, tcp.recvmsg.return,
      udp.sendmsg, udp.recvmsg {
	acc <<< size + sock + family + strlen(name) }
probe udp.drop { acc <<< rc + family + sport + dport + strlen(saddr . daddr . name) }
probe tcp.receive { acc <<< family + protocol + sport + dport + length + sock + snd_cwnd + ssthresh +
	srtt + snd_wnd + rcv_wnd + snd_nxt + snd_una + strlen(saddr . daddr . name) }
probe tcp.set_state { acc <<< sock + oldstate + newstate + family + sport + dport + strlen(saddr . daddr . name) }
probe tcp.retransmit { acc <<< sock + state + family + sport + dport + strlen(saddr . daddr . name) }
probe tcp.receive_reset, tcp.destroy_sock { acc <<< sock + family + sport + dport + strlen(saddr . daddr . name) }
probe timer.ms(100) { exit() }'
assert_ok_skips "all network aliases load with all their variables" all

# ---- stap's points with no tracepoint here are refused at pass 2, with the reason ----
for p in tcp.disconnect tcp.setsockopt udp.disconnect; do
	tap_run "refused_$p" -p2 -e "probe $p { }"
	assert_rc "$p is refused" "refused_$p" 1
	assert_grep "$p: the reason, at pass 2" "$TMP/refused_$p.err" \
		"^<input>:1:7: error: probe point '$p' is not supported.*no tracepoint stands in for it"
	assert_grep "$p: pass 2 failed" "$TMP/refused_$p.err" '^Pass 2: failed.$'
done
# tcp.sendmsg and tcp.recvmsg stand on kernel.function: refused with its reason
# where the kernel has neither kprobes nor BPF trampolines
if [ ! -d /sys/bus/event_source/devices/kprobe ]; then
	for p in tcp.sendmsg tcp.recvmsg; do
		tap_run "kfunc_$p" -p2 -e "probe $p { }"
		assert_rc "$p without kprobes is refused" "kfunc_$p" 1
		assert_grep "$p without kprobes: the function and the reason" "$TMP/kfunc_$p.err" \
			"^tapset/tcp.stp:[0-9]*:[0-9]*: error: probe point 'kernel.function(\"tcp_${p#tcp.}\")' is not supported on this kernel: it needs kprobes"
	done
fi

# ---- ip.stp's functions on a socket: addresses, ports, family, state ---------------------
port=$((base + 7))
tap_run ipfn -c "$GEN tcp 1 $port 10" -e '
global seen
probe kernel.trace("sock:inet_sock_set_state") {
	/* the client socket as it becomes established (its port is bound then), once */
	if ($newstate != 1 || __tcp_sock_dport($sk) != $1 || seen++) next
	printf("s=%s:%d\nd=%s:%d\nstate=%s\nfam=%d\n",
	       format_ipaddr(__ip_sock_saddr($sk), __ip_sock_family($sk)), __tcp_sock_sport($sk) > 0,
	       format_ipaddr(__ip_sock_daddr($sk), __ip_sock_family($sk)), __tcp_sock_dport($sk),
	       tcp_sockstate_str(tcp_ts_get_info_state($sk)), __ip_sock_family($sk))
	printf("ssthresh=%d\nmss=%d\n", tcp_ts_get_info_snd_ssthresh($sk),
	       tcp_ts_get_info_rcv_mss($sk) > 0)
}' "$port"
assert_ok "__ip_sock_saddr/daddr/family, __tcp_sock_sport/dport, format_ipaddr run" ipfn
assert_grep "the client's local address, a port" "$TMP/ipfn.out" '^s=127\.0\.0\.1:1$'
assert_grep "its peer: 127.0.0.1 and the server's port" "$TMP/ipfn.out" "^d=127\\.0\\.0\\.1:$port\$"
assert_eq "AF_INET" "$(value fam ipfn)" 2
assert_grep "tcp_ts_get_info_state(): a state stap names" "$TMP/ipfn.out" '^state=TCP_[A-Z_]*$'
# a new connection's slow start threshold is the kernel's "infinite" (TCP_INFINITE_SSTHRESH)
assert_eq "tcp_ts_get_info_snd_ssthresh(): not yet set" "$(value ssthresh ipfn)" 2147483647
assert_eq "tcp_ts_get_info_rcv_mss(): a segment size" "$(value mss ipfn)" 1

# ---- the same helpers on nonsense addresses (net-sanity.stp): stap's one error -----------
for v in 0 0xffffffff 0xffffffffffffffff; do
	tap_run "sanity_$v" -e 'probe begin {
		print(__ip6_skb_proto($1) + __get_skb_tcphdr($1) + __get_skb_iphdr($1) +
		      tcp_ts_get_info_snd_ssthresh($1) + tcp_ts_get_info_rcv_mss($1)) }' "$v"
	assert_rc "helpers on address $v: an error" "sanity_$v" 1
	assert_eq "helpers on address $v: one kernel read fault" \
		"$(grep -c '^ERROR: kernel read fault' "$TMP/sanity_$v.err")" 1
done

finish
