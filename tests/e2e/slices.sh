#!/bin/sh
# SPDX-License-Identifier: MIT
# Array slices (a '*' key): delete a[k, *], [*, k] in a and foreach over a
# slice in user context (lang/slices.stp); delete and 'in' with slices,
# and deleting a whole array, in kernel probes (bpf_for_each_map_elem).
. "$(dirname "$0")/lib.sh"
require_kernel

check_lang slices

# Kernel context, six getppid calls: call i adds a[i, "odd"/"even"] and
# a[i, "all"]; call 4 deletes a[*, "odd"], call 6 deletes a[2, *].  After
# each call: is there an [*, "odd"] element, and a [2, *] one?
tap_run kslice -c "$GEN getppid 6" -e 'global a, calls, odd, two
probe syscall.getppid {
	if (pid() != target()) next
	i = ++calls
	a[i, i % 2 ? "odd" : "even"] = i
	a[i, "all"] = i
	if (i == 4) delete a[*, "odd"]
	if (i == 6) delete a[2, *]
	if ([*, "odd"] in a) odd++
	if ([2, *] in a) two++
}
probe end {
	printf("odd=%d two=%d\n", odd, two)
	foreach ([k+, s] in a) printf("%d:%s ", k, s)
	println("")
}'
assert_ok "slices in a kernel probe" kslice
assert_eq "[*, k] in a and [k, *] in a in a kernel probe" "$(out kslice | head -1)" "odd=5 two=4"
assert_eq "delete a[*, k] and a[k, *] in a kernel probe" "$(out kslice | sed -n 2p)" \
	"1:all 3:all 4:all 4:even 5:all 5:odd 6:all 6:even "

# Deleting a whole array in a kernel probe, and a slice of aggregates.
tap_run kclear -c "$GEN getppid 5" -e 'global b, st, calls
probe syscall.getppid {
	if (pid() != target()) next
	i = ++calls
	b[i] = i
	st[i, i % 2] <<< i
	if (i == 3) delete b
	if (i == 4) delete st[*, 1]
}
probe end {
	foreach (k+ in b) printf("b%d ", k)
	foreach ([k+, o] in st) printf("st%d ", k)
	println("")
}'
assert_ok "delete of a whole array in a kernel probe" kclear
assert_eq "delete a and delete st[*, k] in a kernel probe" "$(out kclear)" "b4 b5 st2 st4 st5 "

finish
