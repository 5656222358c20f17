# SPDX-License-Identifier: MIT
#
# match.tcl re|out EXPECTED OUTPUT [STDERR] - does tap's output of a
# systemtap.base test pass the check its .exp makes (run.sh)?
#
#   re   stap_run: the output (stdout and stderr as one stream, as a pty
#        gives them) must begin "systemtap starting probe", then
#        "systemtap ending probe", then match EXPECTED, a Tcl regexp
#        against lines ending \r\n ($all_pass_string is "systemtap test
#        success\r\n").  The warnings stap_run skips are skipped.
#   out  stap_run2/3, stap_run_exact: stdout then stderr, less one final
#        newline, must be EXPECTED, less one final newline too, line for
#        line (stap's harness reads the output with exec, which drops the
#        final newline, and counts the lines of a result_string written
#        with a newline after its last one without it).
#
# Exit 0 when it passes; else 1 and one line saying where it differs.

lassign $argv mode expfile outfile errfile

proc slurp {path} {
	if {$path eq "" || ![file exists $path]} {
		return ""
	}
	set fd [open $path r]
	fconfigure $fd -encoding utf-8 -translation binary
	set text [read $fd]
	close $fd
	return $text
}

# a line for the report: control characters shown, at most 120 bytes
proc show {s} {
	set s [string map {\r \\r \n \\n \t \\t} $s]
	if {[string length $s] > 120} {
		set s "[string range $s 0 116]..."
	}
	return "'$s'"
}

set expected [slurp $expfile]
set out [slurp $outfile]

if {$mode eq "re"} {
	regsub -all -line {^WARNING: (Number of errors|Child process exited)[^\n]*\n} \
		$out "" out
	set crlf [string map [list \n \r\n] $out]
	if {[regexp -- "^systemtap starting probe\r\nsystemtap ending probe\r\n$expected" $crlf]} {
		exit 0
	}
	set lines [split $out \n]
	if {[lindex $lines 0] ne "systemtap starting probe"} {
		puts "line 1: expected 'systemtap starting probe', got [show [lindex $lines 0]]"
	} elseif {[lindex $lines 1] ne "systemtap ending probe"} {
		puts "line 2: expected 'systemtap ending probe', got [show [lindex $lines 1]]"
	} else {
		puts "after 'systemtap ending probe': expected /[show $expected]/, got\
			[show [join [lrange $lines 2 4] \n]]"
	}
	exit 1
}

set res "$out[slurp $errfile]"
regsub {\n$} $res {} res
set got [split $res \n]
regsub {\n$} $expected {} expected
set want [split $expected \n]
set n [expr {max([llength $got], [llength $want])}]
for {set i 0} {$i < $n} {incr i} {
	set g [lindex $got $i]
	set w [lindex $want $i]
	if {$i >= [llength $got]} {
		puts "line [expr {$i + 1}]: expected [show $w], got no more output"
		exit 1
	}
	if {$i >= [llength $want]} {
		puts "line [expr {$i + 1}]: expected no more output, got [show $g]"
		exit 1
	}
	if {$g ne $w} {
		puts "line [expr {$i + 1}]: expected [show $w], got [show $g]"
		exit 1
	}
}
exit 0
