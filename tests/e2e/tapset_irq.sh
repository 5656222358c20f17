#!/bin/sh
# SPDX-License-Identifier: MIT
# The interrupt tapset (irq_handler.*, softirq.*): direct disk I/O makes
# device interrupts; each interrupt seen must be one /proc/interrupts
# lists under the same number and name, and each exit must follow its
# entry on the same CPU.  (The probes attach one after the other, so the
# first and last events on a CPU may lack their other half.)
. "$(dirname "$0")/lib.sh"
require_kernel

# O_DIRECT needs a disk-backed file system: $TMP, else the build tree.
dir=$TMP
case $(stat -f -c %T "$dir" 2>/dev/null) in tmpfs | ramfs) dir=$TAP_E2E_BUILD ;; esac
f=$dir/tapset-irq.$$
tap_run irq -c "$GEN dio 32 4096 $f" -e 'global ent, inirq, paired, bad, soft, insoft, spaired, sx, sbad, raise
probe irq_handler.entry { ent[irq, dev_name]++; inirq[cpu()] = irq + 1 }
probe irq_handler.exit {
	if (inirq[cpu()] == irq + 1) paired++
	inirq[cpu()] = 0
	if (ret < 0 || ret > 2) bad++
}
probe softirq.entry { soft[softirq_name(vec_nr)]++; insoft[cpu()] = vec_nr + 1 }
probe softirq.exit {
	sx++
	if (insoft[cpu()] == vec_nr + 1) spaired++
	insoft[cpu()] = 0
	if (vec_nr > 9) sbad++
}
probe softirq.raise { raise++ }
probe end {
	foreach ([i, n] in ent) {
		printf("irq %d %s\n", i, n)
		total += ent[i, n]
	}
	foreach (s in soft) stotal += soft[s]
	printf("total=%d\npaired_half=%d\nbad=%d\n", total, paired > 0 && 2 * paired >= total, bad)
	printf("stotal=%d\nspaired_half=%d\nsbad=%d\nraise=%d\n", stotal,
	       spaired > 0 && 2 * spaired >= stotal && 2 * spaired >= sx, sbad, raise > 0)
}'
rm -f "$f"
assert_ok_skips "irq script runs" irq
total=$(value total irq)
if [ "${total:-0}" -gt 0 ]; then
	pass "irq_handler.entry: interrupts during direct disk I/O"
else
	fail "irq_handler.entry: interrupts during direct disk I/O" "none seen" \
		"$(show "$TMP/irq.out" stdout)"
fi
# each (irq, dev_name) seen is a line of /proc/interrupts: "  36: ... virtio1-req.0"
unknown=
while read -r _ num name; do
	grep -Eq "^ *$num:.* $name\$" /proc/interrupts || unknown="$unknown $num:$name"
done <<EOF
$(grep '^irq ' "$TMP/irq.out")
EOF
assert_eq "irq_handler.entry: irq and dev_name as /proc/interrupts lists them" "$unknown" ""
assert_eq "irq_handler.exit: follows its entry (same irq, same CPU)" "$(value paired_half irq)" 1
assert_eq "irq_handler.exit: ret 0-2" "$(value bad irq)" 0
assert_range "softirq.entry: softirqs ran" "$(value stotal irq)" 1 100000000
assert_eq "softirq.exit: follows its entry (same vec_nr, same CPU)" "$(value spaired_half irq)" 1
assert_eq "softirq.exit: vec_nr 0-9" "$(value sbad irq)" 0
assert_eq "softirq.raise: softirqs raised" "$(value raise irq)" 1

# ---- the example: interrupt counts ----------------------------------------------
EXAMPLES=$E2E_DIR/../../sessions/examples
tap_run irqcount -c "$GEN dio 32 4096 $f" "$EXAMPLES/irqcount.stp"
rm -f "$f"
assert_ok_skips "example irqcount.stp runs" irqcount
assert_grep "irqcount.stp: the interrupt table" "$TMP/irqcount.out" '^  IRQ DEVICE  *COUNT  *TIME_US$'
assert_grep "irqcount.stp: an interrupt with its count and time" "$TMP/irqcount.out" \
	'^ *[0-9][0-9]* [^ ][^ ]*  *[1-9][0-9]*  *[0-9][0-9]*$'
assert_grep "irqcount.stp: the softirq table" "$TMP/irqcount.out" '^SOFTIRQ  *COUNT  *TIME_US$'
assert_grep "irqcount.stp: softirqs by name" "$TMP/irqcount.out" \
	'^\(HI\|TIMER\|NET_TX\|NET_RX\|BLOCK\|IRQ_POLL\|TASKLET\|SCHED\|HRTIMER\|RCU\)  *[1-9][0-9]*  *[0-9][0-9]*$'

tap_run names -e 'probe begin {
	for (i = 0; i <= 10; i++) printf("%s ", softirq_name(i))
	printf("\n")
	exit()
}'
assert_eq "softirq_name names the vectors as the kernel does" "$(out names)" \
	"HI TIMER NET_TX NET_RX BLOCK IRQ_POLL TASKLET SCHED HRTIMER RCU 10 "

finish
