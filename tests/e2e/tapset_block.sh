#!/bin/sh
# SPDX-License-Identifier: MIT
# The block I/O tapsets (ioblock_trace.*, ioblock.*, ioscheduler*.*) on a
# loop device made for the test: N direct writes and N direct reads of a
# known size at known sectors; and the device naming functions.
. "$(dirname "$0")/lib.sh"
require_kernel

command -v losetup >/dev/null 2>&1 || skip "no losetup: cannot make a loop device"
[ -e /dev/loop-control ] || skip "no loop device support (/dev/loop-control)"

img=$TMP/disk.img
truncate -s 16M "$img" || skip "cannot make a backing file in $TMP"
LOOP=$(losetup -f --show "$img" 2>/dev/null) || skip "losetup cannot attach a loop device"
block_cleanup() {
	losetup -d "$LOOP" 2>/dev/null
	e2e_cleanup
}
trap block_cleanup EXIT
MINOR=${LOOP#/dev/loop}
# An I/O scheduler makes the kernel insert requests (block_rq_insert)
# rather than issue them directly.
sched=/sys/block/loop$MINOR/queue/scheduler
if grep -q mq-deadline "$sched" 2>/dev/null; then
	echo mq-deadline >"$sched" 2>/dev/null
fi

N=4
SIZE=8192
tap_run dio -c "$GEN dio $N $SIZE $LOOP" -e 'global req, rsect, rbad, bbad, ebad2, endc, ebad, rq, ins, iss, cmp, lat, plug, unplug, nxt, fin
probe ioblock_trace.request {
	if (devname != "loop" . @1 || size == 0) next
	req[bio_rw_str(rw), size]++
	if (rw == BIO_WRITE) rsect += sector
	if (MAJOR(dev) != 7 || MINOR(dev) != $1 || name != "ioblock_trace.request" ||
	    bytes_done != size || substr(rwbs, 0, 1) != (rw ? "W" : "R")) rbad++
	if (bdev != dev || bdev_contains != 0) bbad++
}
probe ioblock_trace.end {
	if (devname != "loop" . @1 || size == 0) next
	endc[rw, size]++
	if (err != 0 || name != "ioblock_trace.end") ebad++
	if (bdev != dev || bdev_contains != 0) ebad2++
}
probe ioblock.request { if (devname == "loop" . @1 && size == $2 && name == "ioblock.request") rq++ }
probe ioscheduler.elv_add_request {
	if (disk_major == 7 && disk_minor == $1 && size == $2 && name == "elv_add_request") ins++
}
probe ioscheduler_trace.elv_issue_request {
	if (disk_major != 7 || disk_minor != $1 || size != $2) next
	iss++
	lat[sector] = 1
}
probe ioscheduler_trace.elv_completed_request {
	if (disk_major != 7 || disk_minor != $1 || size != $2 || err != 0) next
	if (sector in lat && devname == "loop" . @1) cmp++
}
probe ioscheduler_trace.plug { if (pid() == target() && name == "plug") plug++ }
probe ioscheduler_trace.unplug_io { if (pid() == target() && nr_rq >= 1) unplug++ }
probe ioscheduler.elv_next_request {
	if (disk_major == 7 && disk_minor == $1 && size == $2 && name == "elv_next_request") nxt++
}
probe ioscheduler.elv_completed_request {
	if (disk_major == 7 && disk_minor == $1 && size == $2 && err == 0 &&
	    name == "elv_completed_request") fin++
}
probe end {
	printf("w=%d\nr=%d\nrsect=%d\nrbad=%d\n", req["W", $2], req["R", $2], rsect, rbad)
	printf("ew=%d\ner=%d\nebad=%d\nrq=%d\n", endc[1, $2], endc[0, $2], ebad, rq)
	printf("bbad=%d\nebad2=%d\n", bbad, ebad2)
	printf("ins=%d\niss=%d\ncmp=%d\nplug=%d\nunplug=%d\n", ins, iss, cmp, plug > 0, unplug > 0)
	printf("nxt=%d\nfin=%d\n", nxt, fin)
}' "$MINOR" $SIZE
assert_ok_skips "block I/O script runs" dio
assert_eq "ioblock_trace.request: $N writes of $SIZE bytes (rw W)" "$(value w dio)" $N
assert_eq "ioblock_trace.request: $N reads of $SIZE bytes (rw R)" "$(value r dio)" $N
# sectors 0, 16, 32, 48 for 8192-byte writes at offsets 0, 8192 ...
assert_eq "ioblock_trace.request: the writes' sectors" "$(value rsect dio)" \
	$((SIZE / 512 * N * (N - 1) / 2))
assert_eq "ioblock_trace.request: dev, devname, name, bytes_done, rwbs" "$(value rbad dio)" 0
# io/mbrwatch.stp compares them: stap on a kernel without bd_contains gives 0
assert_eq "ioblock_trace.request: bdev is the device number, bdev_contains 0" \
	"$(value bbad dio)" 0
assert_eq "ioblock_trace.end: bdev, bdev_contains" "$(value ebad2 dio)" 0
assert_eq "ioblock_trace.end: $N writes completed" "$(value ew dio)" $N
assert_eq "ioblock_trace.end: $N reads completed" "$(value er dio)" $N
assert_eq "ioblock_trace.end: err 0, name" "$(value ebad dio)" 0
assert_eq "ioblock.request: the $((2 * N)) bios" "$(value rq dio)" $((2 * N))
if grep -q '\[mq-deadline\]' "$sched" 2>/dev/null; then
	assert_eq "ioscheduler.elv_add_request: $((2 * N)) requests inserted" "$(value ins dio)" $((2 * N))
fi
assert_eq "ioscheduler_trace.elv_issue_request: $((2 * N)) requests" "$(value iss dio)" $((2 * N))
assert_eq "ioscheduler_trace.elv_completed_request: each, at an issued sector" "$(value cmp dio)" \
	$((2 * N))
assert_eq "ioscheduler_trace.plug: the target plugs" "$(value plug dio)" 1
assert_eq "ioscheduler_trace.unplug_io: and unplugs, nr_rq >= 1" "$(value unplug dio)" 1
# on the tracepoints here (no kprobes); on blk-mq functions in tests/vm/kernel_check.sh
assert_eq "ioscheduler.elv_next_request: $((2 * N)) requests to the driver" "$(value nxt dio)" $((2 * N))
assert_eq "ioscheduler.elv_completed_request: $((2 * N)) completed" "$(value fin dio)" $((2 * N))

# ---- the examples: block I/O size and latency histograms ---------------------------
EXAMPLES=$E2E_DIR/../../sessions/examples
tap_run blksize -c "$GEN dio $N $SIZE $LOOP" "$EXAMPLES/blksize.stp"
assert_ok_skips "example blksize.stp runs" blksize
assert_grep "blksize.stp: the loop device's writes" "$TMP/blksize.out" \
	"^loop$MINOR writes: $N requests, $((N * SIZE)) bytes\$"
assert_grep "blksize.stp: and reads" "$TMP/blksize.out" "^loop$MINOR reads: $N requests, $((N * SIZE)) bytes\$"
assert_grep "blksize.stp: a histogram with $N requests of $SIZE bytes" "$TMP/blksize.out" \
	"^ *$SIZE |@* *$N\$"
tap_run blklat -c "$GEN dio $N $SIZE $LOOP" "$EXAMPLES/blklat.stp"
assert_ok_skips "example blklat.stp runs" blklat
assert_grep "blklat.stp: the loop device's requests and latencies" "$TMP/blklat.out" \
	"^loop$MINOR: [0-9]* requests, latency (us) min [0-9]* avg [0-9]* max [0-9]*\$"
assert_grep "blklat.stp: a histogram" "$TMP/blklat.out" '^ *value |-* count$'

# ---- device numbers and names ------------------------------------------------------
tap_run names -e 'probe begin {
	printf("%s %s %s %s %s %s %s %s %s\n", blkdev_name(MKDEV(8, 0)), blkdev_name(MKDEV(8, 17)),
	       blkdev_name(MKDEV(65, 160)), blkdev_name(MKDEV(8, 256)), blkdev_name(MKDEV(7, 3)),
	       blkdev_name(MKDEV(11, 0)), blkdev_name(MKDEV(9, 1)), blkdev_name(MKDEV(254, 16)),
	       blkdev_name(MKDEV(259, 1)))
	printf("%d %d %d %s %s\n", MAJOR(MKDEV(253, 7)), MINOR(MKDEV(253, 7)), MKDEV(7, 1),
	       bio_rw_str(BIO_READ), bio_rw_str(BIO_WRITE))
	exit()
}'
assert_ok_skips "naming functions run" names
# sd: disk index = major group * 16 + minor / 16, named a..z, aa..; 8,256 is disk 256
assert_eq "blkdev_name, MAJOR, MINOR, MKDEV, bio_rw_str" "$(out names)" \
	"sda sdb1 sdaa sdiw loop3 sr0 md1 254,16 259,1
253 7 7340033 R W"

# ---- every alias and variable passes the verifier ------------------------------
tap_run all -e 'global acc
probe ioblock_trace.request, ioblock.request { acc <<< sector + size + bytes_done + rw + dev + strlen(devname . rwbs . name) }
probe ioblock_trace.end, ioblock.end { acc <<< sector + size + bytes_done + rw + dev + err + strlen(devname . rwbs . name) }
probe ioscheduler.elv_add_request, ioscheduler_trace.elv_issue_request, ioscheduler.elv_next_request {
	acc <<< disk_major + disk_minor + sector + size + rw + strlen(devname . rwbs . name) }
probe ioscheduler_trace.elv_completed_request, ioscheduler.elv_completed_request {
	acc <<< disk_major + disk_minor + sector + size + rw + err + strlen(devname . rwbs . name) }
probe ioscheduler_trace.elv_requeue_request { acc <<< disk_major + disk_minor + sector + size + strlen(devname . rwbs . name) }
probe ioscheduler_trace.plug { acc <<< strlen(name) }
probe ioscheduler_trace.unplug_io { acc <<< nr_rq + strlen(name) }
probe timer.ms(100) { exit() }'
assert_ok_skips "all block aliases load with all their variables" all

finish
