#!/bin/sh
# SPDX-License-Identifier: MIT
# The memory tapset (vm.*): kmalloc/kfree of a known size, slab caches,
# page faults of known pages, mmap/munmap/brk; every alias and variable
# must load.
. "$(dirname "$0")/lib.sh"
require_kernel

# ---- kmalloc/kfree: setxattr copies its value into a kmalloc of its size ---------
N=4
SIZE=3333
f=$TMP/xattr-file
: >"$f"
tap_run kmalloc -c "$GEN xattr $N $SIZE $f" -e 'global ptrs, n, bad, freed, fbad, site, ksite, kdata
probe vm.kmalloc {
	if (pid() != target() || bytes_req != $1) next
	n++
	ptrs[ptr] = 1
	site = call_site
	ksite = symname(call_site)
	kdata = symdata(call_site)
	if (caller_function != ksite) bad++
	if (bytes_alloc < bytes_req || ptr == 0 || gfp_flag_name != "GFP_USER" ||
	    gfp_flags != 0x100cc0 || call_site >= 0 || name != "kmalloc") bad++
}
probe vm.kfree {
	if (!(ptr in ptrs)) next
	freed++
	delete ptrs[ptr]
	if (pid() != target() || call_site >= 0 || name != "kfree") fbad++
}
probe end { printf("n=%d\nbad=%d\nfreed=%d\nfbad=%d\nsite %s\nksite %s\ndata %s\nkdata %s\n", n, bad, freed, fbad, symname(site), ksite, symdata(site), kdata) }' $SIZE
assert_ok_skips "kmalloc script runs" kmalloc
assert_eq "vm.kmalloc: $N allocations of bytes_req $SIZE" "$(value n kmalloc)" $N
assert_eq "vm.kmalloc: bytes_alloc >= bytes_req, ptr, GFP_USER, a kernel call_site" \
	"$(value bad kmalloc)" 0
assert_eq "vm.kfree: each pointer freed" "$(value freed kmalloc)" $N
assert_eq "vm.kfree: by the target, from a kernel call_site" "$(value fbad kmalloc)" 0
assert_no_grep "call_site resolves with symname() in user context" "$TMP/kmalloc.out" '^site 0x'
assert_eq "symname() in the kernel names call_site as user context does" \
	"$(sed -n 's/^ksite //p' "$TMP/kmalloc.out")" "$(sed -n 's/^site //p' "$TMP/kmalloc.out")"
assert_eq "symdata() in the kernel: name+offset/size as user context says it" \
	"$(sed -n 's/^kdata //p' "$TMP/kmalloc.out")" "$(sed -n 's/^data //p' "$TMP/kmalloc.out")"

# ---- slab caches: each open() allocates a struct file from "filp" -----------------
O=20
tap_run slab -c "$GEN open $f $O" -e 'global files, n, bad, fr, names, nbad
probe vm.kmem_cache_alloc {
	if (pid() != target()) next
	if (cache_name == "names_cache") {
		names++
		if (bytes_alloc != 4096 || gfp_flag_name != "GFP_KERNEL") nbad++
	}
	if (cache_name != "filp") next
	n++
	files[ptr] = 1
	if (bytes_alloc <= 0 || bytes_alloc < bytes_req || ptr == 0 || call_site >= 0 ||
	    name != "kmem_cache_alloc") bad++
}
probe vm.kmem_cache_free {
	if (cache_name == "filp" && ptr in files && name == "kmem_cache_free") { fr++; delete files[ptr] }
}
probe end { printf("n=%d\nbad=%d\nfr=%d\nnames=%d\nnbad=%d\n", n, bad, fr, names, nbad) }'
assert_ok_skips "slab script runs" slab
# the dynamic loader opens a few files too
assert_range "vm.kmem_cache_alloc: a filp per open()" "$(value n slab)" $O $((O + 20))
assert_eq "vm.kmem_cache_alloc: sizes, ptr, call_site, name" "$(value bad slab)" 0
assert_range "vm.kmem_cache_alloc: a 4096-byte names_cache per path lookup, GFP_KERNEL" \
	"$(value names slab)" $O $((O + 100))
assert_eq "vm.kmem_cache_alloc: names_cache objects are 4096 bytes, GFP_KERNEL" "$(value nbad slab)" 0
# files are freed after an RCU grace period, maybe after the end
assert_range "vm.kmem_cache_free: the files freed" "$(value fr slab)" 1 $((O + 20))

# ---- page faults, mmap, munmap, brk -----------------------------------------------
P=37
PAGE=$(getconf PAGESIZE)
tap_run fault -c "$GEN touch $P" -e 'global faults, wr, mm, mmlen, unmap, unlen, brk
probe vm.pagefault {
	if (pid() != target() || !user_mode || name != "pagefault") next
	faults[address] = write_access
}
probe vm.mmap {
	if (pid() == target() && length == $1 * $2 && address == 0 && prot == 3 && name == "mmap") mm++
}
probe vm.munmap {
	if (pid() == target() && length == $1 * $2 && name == "munmap") { unmap = address; unlen = length }
}
probe vm.brk { if (pid() == target() && name == "brk") brk++ }
probe end {
	foreach (a in faults)
		if (a >= unmap && a < unmap + unlen) { inside++; wr += faults[a] }
	printf("mm=%d\nunmapped=%d\ninside=%d\nwr=%d\nbrk_ok=%d\n", mm, unlen > 0, inside, wr, brk > 0)
}' $P "$PAGE"
if [ -d /sys/kernel/tracing/events/exceptions ] || [ -d /sys/kernel/debug/tracing/events/exceptions ]; then
	assert_ok_skips "page fault script runs" fault
	assert_eq "vm.mmap: the $P-page anonymous mapping, address 0, PROT_READ|PROT_WRITE" \
		"$(value mm fault)" 1
	assert_eq "vm.munmap: the mapping, its length" "$(value unmapped fault)" 1
	assert_eq "vm.pagefault: one fault per page of the mapping" "$(value inside fault)" $P
	assert_eq "vm.pagefault: write_access 1 for each" "$(value wr fault)" $P
	assert_eq "vm.brk: the C library asks for the break" "$(value brk_ok fault)" 1
else
	echo "# tapset_vm: no exceptions tracepoints (not x86): vm.pagefault not exercised"
fi

# ---- every alias and variable passes the verifier ------------------------------
tap_run all -e 'global acc
probe vm.kmalloc { acc <<< call_site + bytes_req + bytes_alloc + gfp_flags + ptr + node + strlen(gfp_flag_name . name) }
probe vm.kfree { acc <<< call_site + ptr + strlen(name) }
probe vm.kmem_cache_alloc { acc <<< call_site + bytes_req + bytes_alloc + gfp_flags + ptr + node + strlen(gfp_flag_name . cache_name . name) }
probe vm.kmem_cache_free { acc <<< call_site + ptr + strlen(cache_name . name) }
probe vm.pagefault { acc <<< address + write_access + user_mode + ip + error_code + strlen(name) }
probe vm.oom_kill { acc <<< victim_pid + total_vm + strlen(victim_name . name) }
probe vm.mmap { acc <<< address + length + prot + flags + strlen(name) }
probe vm.munmap { acc <<< address + length + strlen(name) }
probe vm.brk { acc <<< address + strlen(name) }
probe timer.ms(200) { exit() }
probe end { printf("ok=%d\n", @count(acc) > 0) }'
assert_ok_skips "all vm.* aliases load with all their variables" all
assert_eq "and fire" "$(value ok all)" 1

# vm.pagefault.return stands on handle_mm_fault's return (kernel.function):
# on a kernel that can probe no function it is refused at pass 2 with the
# reason, not read as vm.pagefault with a .return suffix (the VM checks,
# tests/vm/kernel_check.sh, run it where it works)
tap_run pfret -p2 -e 'probe vm.pagefault.return { }'
if [ -d /sys/bus/event_source/devices/kprobe ]; then
	assert_rc "vm.pagefault.return resolves (kprobes here)" pfret 0
else
	assert_rc "vm.pagefault.return is refused" pfret 1
	assert_grep "vm.pagefault.return: the reason" "$TMP/pfret.err" \
		"^<input>:1:7: error: probe point 'vm.pagefault.return' is not supported on this kernel: taphub builds it on kernel functions.*kprobes"
	assert_grep "vm.pagefault.return: at pass 2" "$TMP/pfret.err" '^Pass 2: failed.$'
fi

finish
