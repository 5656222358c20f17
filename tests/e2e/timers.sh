#!/bin/sh
# SPDX-License-Identifier: MIT
# Timers and sampling: timer.ms/s/hz/jiffies fire at their rate (counted
# over a known time, with a tolerance), timer.profile and
# perf.sw.cpu_clock.sample(N) fire in the context of the running task.
. "$(dirname "$0")/lib.sh"
require_kernel

# gen sleep 2000 bounds the session to 2 s after the probes are armed.
tap_run rates -c "$GEN sleep 2000" -e 'global a, b, c, d, pps
probe timer.ms(100) { a++; pps[pp()] = 1 }
probe timer.s(1) { b++ }
probe timer.hz(50) { c++ }
probe timer.jiffies(5) { d++; pps[pp()] = 1 }
probe end { printf("ms=%d\ns=%d\nhz=%d\njiffies=%d\n", a, b, c, d)
	foreach (p+ in pps) println(p) }'
assert_ok "timers run" rates
assert_range "timer.ms(100) fires 20 times in 2 s" "$(value ms rates)" 17 21
assert_range "timer.s(1) fires twice in 2 s" "$(value s rates)" 1 2
assert_range "timer.hz(50) fires 100 times in 2 s" "$(value hz rates)" 90 101
hz=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')
if [ -n "$hz" ]; then
	want=$((2 * hz / 5))
	assert_range "timer.jiffies(5) fires 2*HZ/5 times in 2 s" "$(value jiffies rates)" \
		$((want * 85 / 100)) $((want + 1))
fi
assert_grep "pp() of timer.ms(100)" "$TMP/rates.out" '^timer.ms(100)$'

# A runner held up (here stopped for a second) still runs every period
# that passed, as stap's hrtimers fire on a busy machine: 200 periods of
# 10 ms in 2 s, of which 100 came due while tap was stopped.
tap_start late -c "$GEN sleep 2000" -e 'global n; probe timer.ms(10) { n++ }
probe end { printf("n=%d\n", n) }'
# the -c command runs gen once the timers are armed
wait_until 30 "[ \"\$(cat /proc/\$(pgrep -P $TAP_PID)/comm)\" = gen ]"
kill -STOP "$TAP_PID"
sleep 1 # the stop itself is what is tested: a second of periods to catch up
kill -CONT "$TAP_PID"
tap_wait late
assert_ok "a stopped and continued tap ends normally" late
assert_range "timer.ms(10): the periods of the stop are run too (about 200 in 2 s)" \
	"$(value n late)" 170 201

assert_grep "pp() of timer.jiffies(5)" "$TMP/rates.out" '^timer.jiffies(5)$'

# A CPU-bound target: sampling probes fire on it, in kernel context.  It
# spins for 0.4 s of wall time; how much CPU it gets depends on the load
# of the machine, so the lower bounds are loose.
tap_run sample -c "$GEN spin 400" -e 'global p, q
probe timer.profile { if (pid() == target()) p++ }
probe perf.sw.cpu_clock.sample(1000000) { if (pid() == target()) q++ }
probe end { printf("profile=%d\ncpu_clock=%d\n", p, q) }'
assert_ok "sampling probes run" sample
if [ -n "$hz" ]; then
	assert_range "timer.profile fires about HZ times a second on the target" \
		"$(value profile sample)" $((hz / 25)) $((hz * 4 / 10 + 5))
else
	assert_range "timer.profile fires on the target" "$(value profile sample)" 1 100000
fi
assert_range "perf.sw.cpu_clock.sample(1000000) fires once per ms of CPU" \
	"$(value cpu_clock sample)" 40 420

finish
