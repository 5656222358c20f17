# SPDX-License-Identifier: MIT
#
# markdown.awk classify.txt [run.txt] - the counts, the run results and
# the reasons as Markdown (classify.sh --markdown; docs/compat.md).
# Variables: classes (the class names, in table order).
#
# The reasons are the first error lines with what varies from script to
# script (quoted names, probe points) left out, so the scripts that fail
# for the same reason fall in one group; each script's line keeps the
# first name its error quotes.

function describe(c) {
	if (c == "compiles") return "compiles with `tap -p4`"
	if (c == "refuses") return "refused, as stap refuses it (the .exp expects a parse or semantic error; tests/compat/refused.tsv: stap's testsuite shows it for a script no .exp runs here)"
	if (c == "kernel") return "refused: a probe type this kernel lacks"
	if (c == "user") return "refused: a user-space probe"
	if (c == "module") return "refused: a feature of SystemTap's kernel module"
	if (c == "debuginfo") return "refused: needs the kernel's DWARF (debuginfo), not installed here"
	if (c == "guru") return "refused: embedded C or a write to kernel memory (guru mode)"
	if (c == "harness") return "needs what its .exp builds or computes when it runs"
	if (c == "library") return "not a script: a tapset other scripts include"
	if (c == "gap") return "a gap of taphub: language, tapset or option"
	if (c == "crash") return "crash or time limit"
	return c
}

# the reason of one error line: what varies left out
function reason(c, e,    r) {
	r = e
	if (c == "harness") {
		# the harness's reason, not tap's words about the stand-in
		sub(/; tap: .*$/, "", r)
		sub(/: [^:]*$/, "", r)
		return describe(c) ": " r
	}
	sub(/^.*error: /, "", r)
	sub(/^[^ ]*tap: /, "", r)
	sub(/ \(with stand-ins[^)]*\)$/, "", r)
	gsub(/'[^']*'/, "'…'", r)
	gsub(/"[^"]*"/, "\"…\"", r)
	sub(/ \(its fields:.*$/, "", r)
	sub(/ \(similar:.*$/, "", r)
	sub(/ \(known:.*$/, "", r)
	sub(/ \(built-in:.*$/, "", r)
	sub(/; .*$/, "", r)
	sub(/ \(tap -l .*$/, "", r)
	sub(/ and no tracepoint stands in for it.*$/, " and no tracepoint stands in for it", r)
	gsub(/ \(@define .*%\)\)/, "", r)
	gsub(/[0-9]+/, "N", r)
	if (r == "") r = "(no message)"
	return describe(c) ": " r
}

# what the error names first: the probe point, function or option
function named(e,    s) {
	if (match(e, /'[^']*'/))
		return substr(e, RSTART + 1, RLENGTH - 2)
	return ""
}

# sort KEYS[1..N] by class (the order of the table), then the biggest
# group first (insertion sort: a few dozen groups)
function sort(keys, n, count,    i, j, k) {
	for (i = 2; i <= n; i++) {
		k = keys[i]
		for (j = i - 1; j >= 1 && before(k, keys[j], count); j--)
			keys[j + 1] = keys[j]
		keys[j + 1] = k
	}
}

function before(a, b, count,    ca, cb) {
	ca = rank[gcls[a]]
	cb = rank[gcls[b]]
	if (ca != cb)
		return ca < cb
	return count[a] > count[b]
}

BEGIN {
	nc = split(classes, cl, " ")
	for (i = 1; i <= nc; i++)
		rank[cl[i]] = i
}

FNR == NR {
	n[$1 "\t" $2]++
	total[$2]++
	if ($2 == "examples" && $1 != "compiles" && $1 != "library") {
		r = reason($1, $4)
		gcls[r] = $1
		if (!(r in ex)) order[++nex] = r
		w = named($4)
		f = $3
		sub(/^systemtap\.examples\//, "", f)
		ex[r] = ex[r] sprintf("- `%s`%s\n", f, w == "" ? "" : ": `" w "`")
		exn[r]++
	}
	if ($2 == "base" && ($1 == "gap" || $1 == "harness" || $1 == "crash")) {
		r = reason($1, $4)
		gcls[r] = $1
		if (!(r in bs)) border[++nbs] = r
		f = $3
		sub(/^systemtap.base\//, "", f)
		bs[r] = bs[r] (bs[r] == "" ? "" : ", ") "`" f "`"
		bsn[r]++
	}
	next
}
{
	runs[$1 "\t" $2]++
	nruns++
	if ($1 == "different" || $1 == "failed") {
		f = $3
		sub(/^systemtap\.[a-z]*\//, "", f)
		rlines = rlines sprintf("- %s `%s`: %s\n", $1, f, $4 == "" ? "-" : $4)
	}
}
END {
	print "| class | meaning | examples | base |"
	print "|---|---|---:|---:|"
	for (i = 1; i <= nc; i++)
		printf("| %s | %s | %d | %d |\n", cl[i], describe(cl[i]),
			n[cl[i] "\texamples"], n[cl[i] "\tbase"])
	printf("| total | | %d | %d |\n", total["examples"], total["base"])
	if (nruns) {
		print ""
		print "Run mode (`tests/compat/run.sh`):"
		print ""
		print "| result | examples | base |"
		print "|---|---:|---:|"
		split("matched different failed not-run", rs, " ")
		for (i = 1; i <= 4; i++)
			printf("| %s | %d | %d |\n", rs[i], runs[rs[i] "\texamples"],
				runs[rs[i] "\tbase"])
		if (rlines != "") {
			print ""
			print "The runs that did not match:"
			print ""
			printf("%s", rlines)
		}
	}
	sort(order, nex, exn)
	sort(border, nbs, bsn)
	print ""
	print "### Why each stock example that does not compile cannot work here"
	for (i = 1; i <= nex; i++) {
		print ""
		printf("**%s** (%d)\n\n%s", order[i], exn[order[i]], ex[order[i]])
	}
	print ""
	print "### The base tests that are gaps, by reason"
	print ""
	for (i = 1; i <= nbs; i++)
		printf("- **%s** (%d): %s\n", border[i], bsn[border[i]], bs[border[i]])
}
