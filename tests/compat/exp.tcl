# SPDX-License-Identifier: MIT
#
# exp.tcl BASE_DIR OUT_DIR - what SystemTap's own .exp files do with each
# script of testsuite/systemtap.base, for classify.sh and run.sh
# (docs/compat.md).
#
# The .exp files are Tcl programs written for DejaGnu and expect: the stap
# command lines, the options and arguments, whether stap must refuse the
# script and the output it must print are computed by Tcl (loops over
# subtests, variables, `set result_string ...`).  Reading them with grep
# gets only the simple cases, so each .exp is evaluated here in a safe
# interpreter (no exec, no open for writing, no files made or removed, a
# command and time limit) where every command that would run something is
# a stub that records what it was asked to run:
#
#   stap_run, stap_run2/3, stap_run_exact, stap_run_error, stap_run_batch,
#   run_cmd_2way, spawn, exec    the stap command line (the first word
#                                whose tail is "stap"), the .stp it names
#   is/isnt/like after a command the exit status and stderr pattern the
#                                .exp expects: nonzero with a "parse
#                                error" or "semantic error" pattern means
#                                stap must refuse the script
#   expect {...} after spawn     a "semantic/parse error" pattern whose
#                                action does not fail the test: the same
#   process_template_file        the .exp rewrites the script (addresses
#                                it looks up in a binary it compiled)
#   exec, exp_pid                values known only when the test runs
#
# Predicates the .exp tests the machine with (uprobes_p, min_kernel_vers_p,
# ...) say yes, target_compile says it built what was asked, so the
# evaluation goes down the path that runs stap.
#
# Output, in OUT_DIR:
#   exp.tsv     one line per script, the first command that names it:
#               FILE KIND EXPECT HARNESS WORDS... (tabs; FILE relative to
#               BASE_DIR; KIND the stub; EXPECT ok, refuse (a parse or
#               semantic error), fail (a nonzero exit the .exp wants, not
#               a compile error) or -; HARNESS why the command cannot be
#               run outside the .exp, or -; WORDS the stap arguments, paths
#               under BASE_DIR made relative to it, the script included)
#   include.txt the directories (relative to BASE_DIR) given to -I
#   built.txt   the programs the .exp files compile (names), which a
#               command that runs them needs
#   expect/FILE.re   stap_run's check: a Tcl regexp that the output after
#                    "systemtap ending probe" must match
#   expect/FILE.out  stap_run2/3 and stap_run_exact's exact output
#   expect/FILE.harness  why the expected output is not known here
#               (FILE with / made %)

set base [file normalize [lindex $argv 0]]
set outdir [lindex $argv 1]
set srcdir [file dirname $base]
file mkdir $outdir/expect

set records {}		;# list of dicts, in the order the .exp ran them
array set built {}	;# the programs the .exp files compile
set includes {}
set last_ok 0		;# the last command run was stap on a script: records end

# ---- what the stubs record ------------------------------------------------

# the path of WORD relative to BASE_DIR when it names a script there
# (by path, or by name: the .exp copied it to its working directory)
proc script_of {word} {
	global base
	if {![string match *.stp $word]} {
		return ""
	}
	if {[string first "$base/" $word] == 0} {
		set rel [string range $word [string length "$base/"] end]
		if {[file isfile $base/$rel]} {
			return $rel
		}
	}
	if {[file isfile $base/[file tail $word]]} {
		return [file tail $word]
	}
	return ""
}

# shell-quote one word for the command shown in classify.txt
proc shq {w} {
	if {$w ne "" && [regexp {^[-A-Za-z0-9_./=,:@%+]+$} $w]} {
		return $w
	}
	return "'[string map {' '\\''} $w]'"
}

# note KIND WORDS: WORDS is a stap command line after the program name
proc note {kind words} {
	global base records includes
	set file ""
	set out {}
	set harness -
	set prev ""
	foreach w $words {
		# the .exp's loop over runtimes: stap's default is the kernel one
		if {$w eq "--runtime=" || $w eq "--runtime=kernel"} {
			continue
		}
		if {[regexp {@RT:([^@]*)@} $w -> why]} {
			if {$harness eq "-"} {
				set harness "needs a value the .exp computes at run time: [string map {_ { }} $why]"
			}
		}
		set w [string map [list @PWD@ .] $w]
		global built
		if {$prev eq "-d" && [info exists built([file tail $w])]} {
			# symbols of a program the .exp compiles: for backtraces
			# when it runs, which a compile without it still checks
			set out [lrange $out 0 end-1]
			set prev ""
			continue
		}
		if {$prev eq "-I" || [string match -I?* $w]} {
			set dir [expr {$prev eq "-I" ? $w : [string range $w 2 end]}]
			if {[string first "$base/" "$dir/"] == 0} {
				lappend includes [string trimleft \
					[string range $dir [string length $base] end] /]
			}
		}
		if {$file eq ""} {
			set file [script_of $w]
		}
		if {[string first "$base/" $w] == 0} {
			set w [string range $w [string length "$base/"] end]
		} elseif {[script_of $w] ne ""} {
			set w [script_of $w]
		}
		lappend out $w
		set prev $w
	}
	if {$file eq ""} {
		return
	}
	global templates last_ok
	set last_ok 1
	if {[info exists templates([file tail $file])]} {
		set harness "the .exp substitutes addresses into the script (process_template_file)"
	}
	lappend records [dict create file $file kind $kind words $out \
		harness $harness nonzero 0 compile_err 0 zero 0]
}

# modify the last record's expectations
proc expectation {key} {
	global records last_ok
	if {!$last_ok} {
		return
	}
	set r [lindex $records end]
	dict set r $key 1
	lset records end $r
}

# the words of a shell command line; the stap part of it
proc sh_words {cmd} {
	set words {}
	foreach {all sq dq bare} [regexp -all -inline \
			{'([^']*)'|"((?:[^"\\]|\\.)*)"|([^\s'"|;&]+|[|;&])} $cmd] {
		if {$sq ne "" || [string index $all 0] eq "'"} {
			lappend words $sq
		} elseif {[string index $all 0] eq "\""} {
			lappend words $dq
		} else {
			lappend words $bare
		}
	}
	return $words
}

# the stap command in WORDS (a program and its arguments, maybe "sh -c
# CMD"): the words after stap, up to a shell pipe; "" when no word is stap
proc stap_words {words} {
	if {[llength $words] >= 3 && [file tail [lindex $words 0]] in {sh bash} &&
			[lindex $words 1] eq "-c"} {
		set words [sh_words [lindex $words 2]]
	}
	set i 0
	foreach w $words {
		if {[file tail $w] eq "stap"} {
			break
		}
		incr i
	}
	if {$i >= [llength $words]} {
		return ""
	}
	set out {}
	foreach w [lrange $words [expr {$i + 1}] end] {
		if {$w in {| ; && ||}} {
			break
		}
		# exec's redirections (2>@1, 2>/dev/null, < file)
		if {[regexp {^[0-9]?[<>]} $w]} {
			continue
		}
		lappend out $w
	}
	return $out
}

# m_record KIND WORDS: 1 when WORDS ran stap
proc m_record {kind words} {
	global last_ok hypothesis
	set last_ok 0
	set hypothesis 0
	set w [stap_words $words]
	if {$w eq ""} {
		return 0
	}
	note $kind $w
	return 1
}

proc m_record_sh {kind cmd} {
	return [m_record $kind [sh_words $cmd]]
}

# the expected output of a stap_run* call, for run.sh
proc m_save {kind text} {
	global records outdir last_ok fires
	if {!$last_ok || $fires != 1} {
		return
	}
	set r [lindex $records end]
	set f $outdir/expect/[string map {/ %} [dict get $r file]]
	set ext [expr {$kind eq "re" ? "re" : "out"}]
	# the first call that names a script is the one classify.sh uses
	if {[llength [glob -nocomplain $f.*]]} {
		return
	}
	if {[regexp {@RT:([^@]*)@} $text -> why]} {
		set ext harness
		set text "the .exp computes the expected output at run time:\
			[string map {_ { }} $why]"
	}
	set fd [open $f.$ext w]
	fconfigure $fd -translation binary
	puts -nonewline $fd $text
	close $fd
}

# is/isnt NAME GOT EXPECTED on an exit code
proc m_exit {op expected} {
	if {$expected ne "0"} {
		return
	}
	expectation [expr {$op eq "isnt" ? "nonzero" : "zero"}]
}

# like NAME GOT REGEX: a compile error stap must print
proc m_like {regex} {
	if {[regexp {parse error|semantic error} $regex]} {
		expectation compile_err
	}
}

# expect's patterns after a spawn: when one of them is stap refusing the
# script, its action is run as if stap had refused it, and the pass or
# fail that follows says whether the .exp wanted the refusal.  The .exp
# files are evaluated twice, the action run once then twice (a .exp may
# count the error messages it wants: regrediag wants two); either pass
# makes the refusal expected.
set hypothesis 0
set fires 1
proc m_expect {args} {
	global last_ok hypothesis
	if {[llength $args] == 1} {
		set args [lindex $args 0]
	}
	set n [llength $args]
	set first ""
	for {set i 0} {$i < $n} {incr i} {
		set w [lindex $args $i]
		switch -- $w {
			-timeout - -i { incr i; continue }
			-re - -gl - -ex - -nocase - -notransfer - -indices { continue }
		}
		set action [lindex $args [expr {$i + 1}]]
		incr i
		if {$last_ok && [regexp {parse error|semantic error} $w]} {
			global fires
			set hypothesis 1
			return [list $fires $action]
		}
		if {$first eq "" && $w ni {timeout eof default full_buffer}} {
			set first $action
		}
	}
	# another program the .exp asks about the machine (eu-readelf
	# finding a build id, ...): its first pattern, the answer it hopes for
	if {!$last_ok && $first ne ""} {
		return [list 1 $first]
	}
	return ""
}

# pass or fail after a hypothesis
proc m_verdict {what} {
	global hypothesis
	if {!$hypothesis} {
		return
	}
	set hypothesis 0
	if {$what eq "pass"} {
		expectation nonzero
		expectation compile_err
	}
}

# the programs the .exp compiles before it runs stap
proc m_built {dest} {
	global built
	set built([file tail $dest]) 1
	return ""
}

proc m_template {file} {
	global templates
	set templates([file tail $file]) 1
	return 1
}

# read-only access to the testsuite's own files; what the .exp writes
# (scripts, C sources it generates) goes to /dev/null
proc m_open {slave name {mode r} args} {
	global srcdir
	if {[string match |* $name]} {
		# a pipe's output: a marker that what is made of it is unknown
		lassign [chan pipe] rd wr
		puts -nonewline $wr "@RT:the_output_of_[lindex [split [string range $name 1 end]] 0]@"
		close $wr
		interp transfer {} $rd $slave
		return $rd
	}
	set name [file normalize $name]
	if {$mode ni {r rb RDONLY}} {
		set fd [open /dev/null w]
	} elseif {[string first "$srcdir/" $name] == 0} {
		set fd [open $name r]
	} else {
		return -code error "exp.tcl: open $name refused"
	}
	interp transfer {} $fd $slave
	return $fd
}

# what exec returns: stap runs are recorded; a few questions about the
# machine get a plausible answer; anything else a marker that a stap
# argument made from it cannot be known here
proc m_exec {args} {
	set w0 [file tail [lindex $args 0]]
	switch -- $w0 {
		id { return 0 }
		whoami { return root }
		uname { return [exec uname {*}[lrange $args 1 end]] }
		which { return /usr/bin/[lindex $args end] }
	}
	return "@RT:the_output_of_${w0}@"
}

proc m_source {slave name} {
	global srcdir
	set name [file normalize $name]
	if {[string first "$srcdir/" $name] != 0 || ![file isfile $name]} {
		return ""
	}
	set fd [open $name r]
	set text [read $fd]
	close $fd
	return [$slave eval $text]
}

proc m_file {sub args} {
	switch -- $sub {
		tail - dirname - rootname - extension - join - split -
		exists - isfile - isdirectory - readable - executable -
		normalize - nativename - pathtype {
			return [file $sub {*}$args]
		}
	}
	# mkdir, copy, delete, ...: nothing is made or removed here
	return ""
}

proc m_glob {args} {
	return [glob -nocomplain {*}[lsearch -all -inline -not $args -nocomplain]]
}

# ---- the stubs, in the safe interpreter ------------------------------------

set stubs {
	set all_pass_string "systemtap test success\r\n"
	set verbose 0
	set spawn_id exp1
	set probe_errors 0
	set skipped_probes 0
	set GCC_Version 12.2
	set tcl_platform(machine) x86_64
	set tcl_platform(os) Linux
	array set env {SYSTEMTAP_PATH /usr/bin HOME /root PATH /usr/bin:/bin}
	# an environment variable the harness would set reads as empty
	proc env_read {name elem op} {
		if {![info exists ::env($elem)]} { set ::env($elem) "" }
	}
	trace add variable env read env_read
	set objdir @PWD@
	proc unknown {args} { return 1 }
	proc installtest_p {} { return 1 }
	proc base_microtest_skip_p {args} { return 0 }
	proc get_runtime_list {} { return [list ""] }
	proc dyninst_p {} { return 0 }
	proc bpf_p {} { return 0 }
	proc java_p {} { return 0 }
	proc pwd {} { return @PWD@ }
	proc cd {args} { return "" }
	proc exit {args} { return -code return }
	proc target_compile {src dest args} { __built $dest; return "" }
	proc target_link {args} { return "" }
	proc exp_pid {args} { return @RT:a_process_id@ }
	proc wait {args} { return {0 0 0 0} }
	proc kill {args} { return "" }
	proc fconfigure {args} { return "" }
	proc process_template_file {tmpl out bin errvar} {
		return [__template $tmpl]
	}
	proc exec {args} {
		if {[__record exec $args]} { return "" }
		return [__exec {*}$args]
	}
	proc spawn {args} {
		while {[string match -* [lindex $args 0]]} {
			set args [lrange $args 1 end]
		}
		__record spawn $args
		uplevel 1 {set spawn_id exp1}
		return 1
	}
	proc run_cmd_2way {cmd outvar errvar} {
		upvar 1 $outvar out $errvar err
		set out ""
		set err ""
		__record_sh run_cmd_2way $cmd
		return 0
	}
	proc run_cmd_2way_as_root {cmd outvar errvar} {
		upvar 1 $outvar out $errvar err
		set out ""
		set err ""
		__record_sh run_cmd_2way $cmd
		return 0
	}
	proc stap_run {name {load ""} {check ""} args} {
		__record stap_run [concat stap $args]
		__save re $check
	}
	proc stap_run2 {file args} {
		__record stap_run2 [concat stap $file $args]
		__save out $::result_string
	}
	proc stap_run3 {name args} {
		__record stap_run2 [concat stap $args]
		__save out $::result_string
	}
	proc stap_run_exact {name file args} {
		__record stap_run_exact [concat stap $args $file]
		__save out $::result_string
	}
	proc stap_run_error {name experr errstr check args} {
		__record stap_run_error [concat stap $args]
		if {$experr} { __exit isnt 0 }
	}
	proc stap_run_batch {file args} {
		set words [list stap]
		if {[file readable $file]} {
			set fd [open $file]
			set first [gets $fd]
			close $fd
			if {[regexp {^#! *stap (.*)} $first -> opts]} {
				set words [concat $words $opts]
			}
		}
		__record stap_run_batch [concat $words $file $args]
	}
	proc is {name got expected} {
		if {[string match "*exit code*" $name]} { __exit is $expected }
	}
	proc isnt {name got expected} {
		if {[string match "*exit code*" $name]} { __exit isnt $expected }
	}
	proc like {name got regex args} {
		if {[string match "*stderr*" $name]} { __like $regex }
	}
	proc expect {args} {
		foreach k {0 1 2 3 4 5 6 7 8 9} {
			uplevel 1 [list set expect_out($k,string) @RT:what_expect_matched@]
		}
		uplevel 1 [list set expect_out(buffer) @RT:what_expect_matched@]
		lassign [__expect {*}$args] n action
		# what the .exp does when stap refused, or when another
		# program said yes
		for {set k 0} {$k < $n} {incr k} {
			catch {uplevel 1 $action}
		}
		return ""
	}
	proc pass {args} { __verdict pass }
	proc fail {args} { __verdict fail }
	foreach p {xfail xpass kfail kpass untested unsupported
			unresolved verbose send_log send_user note warning
			perror sleep after exp_internal exp_match_max
			log_user send expect_after expect_before interact
			close wait_n_secs wait_5_secs setup_kfail
			setup_xfail clear_xfail print_system_info
			stap_compile} {
		proc $p {args} { return "" }
	}
	proc exp_continue {args} { return "" }
}

# evaluate every .exp; the records in $records
proc evaluate {} {
	global base srcdir stubs env records
	set records {}
	foreach exp [lsort [glob -nocomplain $base/*.exp]] {
		set slave [interp create -safe]
		interp alias $slave __record {} m_record
		interp alias $slave __record_sh {} m_record_sh
		interp alias $slave __save {} m_save
		interp alias $slave __exit {} m_exit
		interp alias $slave __like {} m_like
		interp alias $slave __expect {} m_expect
		interp alias $slave __template {} m_template
		interp alias $slave __exec {} m_exec
		interp alias $slave __verdict {} m_verdict
		interp alias $slave __built {} m_built
		interp alias $slave open {} m_open $slave
		interp alias $slave source {} m_source $slave
		interp alias $slave file {} m_file
		interp alias $slave glob {} m_glob
		$slave eval $stubs
		$slave eval [list set srcdir $srcdir]
		$slave eval [list set subdir [file tail $base]]
		$slave eval [list info script $exp]
		# a .exp that loops on expect (or forever) stops at these limits
		interp limit $slave command -value \
			[expr {[$slave eval info cmdcount] + 2000000}]
		interp limit $slave time -seconds [expr {[clock seconds] + 10}]
		set fd [open $exp r]
		set text [read $fd]
		close $fd
		# an error in one .exp (a stub it did not expect) keeps what it
		# recorded before
		if {[catch {$slave eval $text} err] == 1 && [info exists env(EXP_TCL_DEBUG)]} {
			puts stderr "[file tail $exp]: $err"
		}
		interp delete $slave
	}
}

evaluate
set first $records
set fires 2
evaluate
# a refusal expected when the error fires twice (the first record of
# each script in both passes)
set twice [dict create]
foreach r $records {
	set f [dict get $r file]
	if {![dict exists $twice $f]} {
		dict set twice $f $r
	}
}
set records {}
set seen [dict create]
foreach r $first {
	set f [dict get $r file]
	if {![dict exists $seen $f] && [dict exists $twice $f]} {
		set r2 [dict get $twice $f]
		if {[dict get $r2 nonzero] && [dict get $r2 compile_err]} {
			dict set r nonzero 1
			dict set r compile_err 1
		}
	}
	dict set seen $f 1
	lappend records $r
}

# ---- output ---------------------------------------------------------------

set fd [open $outdir/exp.tsv w]
set seen [dict create]
foreach r $records {
	set f [dict get $r file]
	if {[dict exists $seen $f]} {
		continue
	}
	dict set seen $f 1
	if {[dict get $r nonzero] && [dict get $r compile_err]} {
		set exp refuse
	} elseif {[dict get $r nonzero]} {
		set exp fail
	} elseif {[dict get $r zero]} {
		set exp ok
	} else {
		set exp -
	}
	set words {}
	foreach w [dict get $r words] {
		lappend words [shq $w]
	}
	puts $fd [join [list $f [dict get $r kind] $exp [dict get $r harness] \
		[join $words " "]] "\t"]
}
close $fd

set fd [open $outdir/include.txt w]
foreach d [lsort -unique $includes] {
	puts $fd $d
}
close $fd

set fd [open $outdir/built.txt w]
foreach p [lsort [array names built]] {
	puts $fd $p
}
close $fd
