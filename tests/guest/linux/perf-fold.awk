# SPDX-License-Identifier: GPL-2.0
#
# perf-fold.awk: fold the call chains of `perf script -F ip,sym` (perf,
# in the Linux guest) or of `vmprof report --format perf-script` (on the
# host) into "COUNT CHAIN" lines, CHAIN the guest kernel frames root
# first, ';'-separated: the same program on both sides, so that the two
# profilers' chains are compared as equals (tests/lab/t-callchain.sh).
#
# A frame is a line "ADDR NAME[+OFF] ..." indented by white space; a blank
# line ends a sample; other lines (vmprof's sample headers) are skipped.
# Only kernel frames count (ADDR in the upper half): user frames are
# unwound differently by the two (perf: user frame pointers; vmprof: the
# kernel's stack only).  A chain the unwinder gave up on (vmprof's
# "[incomplete: WHY]" frame) ends in "[incomplete]".  POSIX awk: busybox's
# runs it in the guest.
function flush() {
	if (chain != "")
		n[chain]++
	chain = ""
}
/^[ \t]*$/ { flush(); next }
/^[ \t]/ {
	addr = $1
	name = $2
	if (name ~ /^\[incomplete/) {
		chain = (chain == "" ? "[incomplete]" : "[incomplete];" chain)
		next
	}
	if (length(addr) != 16 || addr !~ /^ffff/)
		next
	sub(/\+0x[0-9a-f]*$/, "", name)
	chain = (chain == "" ? name : name ";" chain)
}
END {
	flush()
	for (c in n)
		print n[c], c
}
