#!/bin/sh
# Run the cmocka unit test binaries given as arguments (built with ASan and
# UBSan); fail when any fails.  Leak checking is on (LeakSanitizer).
fail=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$@"; do
	if "$t" >"$t.log" 2>&1; then
		echo "PASS unit $(basename "$t") ($(grep -c '^\[       OK \]' "$t.log") cases)"
	else
		echo "FAIL unit $(basename "$t")"
		cat "$t.log"
		fail=1
	fi
done
exit $fail
