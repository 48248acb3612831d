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
# runs it in the guest.  Of a domain-switch recording, the guest chain of
# the exit a VMM sample is charged to counts, as the guest's own perf sees
# the time of its exits.
function flush() {
	if (chain != "" && !vmm)
		n[chain]++
	chain = ""
	vmm = 0
}
/^[ \t]*$/ { flush(); next }
/^[ \t]/ {
	addr = $1
	name = $2
	# vmprof's domain-switch: the VMM's frames come before the exit
	# they are charged to (leaf first), the guest's after it; a VMM
	# sample charged to no exit has no guest frames at all.
	if (addr == "0" && name ~ /^exit:/) {
		chain = ""
		next
	}
	if (addr == "0" && name ~ /^vmm-/) {
		vmm = 1
		next
	}
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
