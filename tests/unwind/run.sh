#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest call-chain unwinders of 'vmprof report' on real guest stacks,
# without the lab: guests run under QEMU (TCG) on this machine and their
# stacks are copied through QEMU's gdbstub at random moments and at
# breakpoints, as the kernel module copies them (capture.py says how).
#
#   - the call-graph guest (tests/guest/cg), whose call graph is known by
#     construction, built with and without frame pointers: frame-pointer
#     and DWARF unwinding give its chains, no others; frame pointers on
#     the build without them end early and say why;
#   - Debian's 6.1 kernel under network load (tests/guest/linux): ORC
#     unwinding through the e1000 module's own tables, interrupt frames,
#     the interrupt stack and the system call entry, to the user program.
#
# Output: "PASS: name" / "FAIL: name: why" lines.  Takes the lab's lock
# (QEMU runs: one at a time on the machine, tests/lab/lab-lock.sh).
#
#   bash tests/unwind/run.sh
#   UNWIND_PARTS=linux bash tests/unwind/run.sh     only some: cg linux
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vmprof-unwind-test.XXXXXX")
# UNWIND_KEEP=1 keeps the captures and reports for a look.
[ "${UNWIND_KEEP:-0}" = 1 ] && echo "unwind: files in $T" ||
	trap 'rm -rf "$T"' EXIT
VMPROF=$TOP/tools/vmprof
npass=0
nfail=0

pass() { echo "PASS: unwind: $1"; npass=$((npass + 1)); }
fail() { echo "FAIL: unwind: $1: $2"; nfail=$((nfail + 1)); }

if ! make -s -C "$TOP/tools" >"$T/build.log" 2>&1 ||
   ! make -s -C "$TOP/tests/guest" BUILD="$T/guest" cg >>"$T/build.log" 2>&1; then
	fail "build" "$(tail -n 5 "$T/build.log" | tr '\n' ' ')"
	echo "$npass passed, $nfail failed"
	exit 1
fi

# One lab at a time, machine-wide, in the order they came.
. "$TOP/tests/lab/lab-lock.sh"
lab_lock

PARTS=" ${UNWIND_PARTS:-cg linux} "

# ---- the call-graph guest -------------------------------------------------

# The chains of cg.c, root first, as folded stacks name them.
CG_CHAINS="cg_start64;cg_main;cg_root_a;cg_mid;cg_stage;cg_leaf
cg_start64;cg_main;cg_root_b;cg_mid;cg_stage;cg_leaf
cg_start64;cg_main;cg_root_b;cg_side;cg_leaf
cg_start64;cg_main;cg_root_c;cg_leaf
cg_start64;cg_main;cg_root_d;cg_deep;cg_deep;cg_deep;cg_deep;cg_deep;cg_leaf
cg_start64;cg_main;cg_root_io;cg_device_io;outb
cg_start64;cg_main;cg_root_io;cg_device_io;inb"

# cg_main's printing of a round line, inlined into it: DWARF names some of
# the inlined functions, in this order, and the port I/O.  The one chain
# of cg.c that is not in CG_CHAINS.
CG_MAIN_PRINTING='cg_start64;cg_main(;cg_putu)?(;cg_puts)?(;cg_putc)?(;(inb|outb))?'

# folded_chains: the chains of a folded report, without the VM, the
# context and the count.
folded_chains() {
	sed 's/^vm:[0-9]*;guest-kernel;//; s/ [0-9]*$//'
}

# cg_check NAME DATA ELF: every chain of the folded report is (the start
# of) a chain of cg.c, and the five compute chains are there, complete.
cg_check() {
	local name=$1 data=$2 elf=$3 out bad
	out=$("$VMPROF" report -i "$data" --guest-vmlinux "$elf" \
		--format folded 2>"$T/err") ||
		{ fail "$name: report" "$(cat "$T/err")"; return; }
	bad=$(folded_chains <<< "$out" | grep -vxE "$CG_MAIN_PRINTING" |
		while read -r chain; do
			grep -qxF -- "$chain" <(while read -r c; do
				echo "$c"
				while [[ $c == *";"* ]]; do
					c=${c%;*}
					echo "$c"
				done
			done <<< "$CG_CHAINS") || echo "$chain"
		done)
	if [ -n "$bad" ]; then
		fail "$name: only chains of cg.c" "$(head -n 3 <<< "$bad" | tr '\n' ' ')"
	else
		pass "$name: only chains of cg.c"
	fi
	local missing=
	while read -r c; do
		case $c in *device_io*) continue ;; esac
		grep -qF ";$c " <<< "$out" || missing="$missing $c"
	done <<< "$CG_CHAINS"
	if [ -n "$missing" ]; then
		fail "$name: every compute chain" "missing:$missing"
	else
		pass "$name: every compute chain, root to leaf"
	fi
}

# The share of each compute chain among the compute samples, against
# cg.c's 4:2:2:1:1: the stops are random in time, so within 10 points.
cg_shares() {
	local name=$1 data=$2 elf=$3
	"$VMPROF" report -i "$data" --guest-vmlinux "$elf" --format folded |
	python3 -c '
import sys
want = {"cg_root_a;cg_mid": 40, "cg_root_b;cg_mid": 20, "cg_root_b;cg_side": 20,
        "cg_root_c;cg_leaf": 10, "cg_root_d": 10}
got = dict.fromkeys(want, 0)
for line in sys.stdin:
    chain, n = line.rsplit(" ", 1)
    if not chain.endswith(";cg_leaf"):
        continue
    for k in want:
        if ";" + k + ";" in chain + ";":
            got[k] += int(n)
total = sum(got.values())
bad = [k for k in want if total == 0 or abs(100.0 * got[k] / total - want[k]) > 10]
print(" ".join("%s=%.1f%%" % (k, 100.0 * got[k] / max(total, 1)) for k in want))
sys.exit(1 if bad else 0)' > "$T/shares" 2>&1
	if [ $? = 0 ]; then
		pass "$name: chain shares within 10 points of 40/20/20/10/10 ($(cat "$T/shares"))"
	else
		fail "$name: chain shares" "$(cat "$T/shares")"
	fi
}

[[ $PARTS == *" cg "* ]] && for build in fp nofp; do
	python3 "$HERE/capture.py" cg "$T/guest/cg-$build.boot" 400 \
		"$T/cg-$build" >"$T/cap.log" 2>&1 ||
		{ fail "cg-$build: capture" "$(tail -n 5 "$T/cap.log")"; continue; }
	cg_check "cg-$build: dwarf" "$T/cg-$build-dwarf.data" \
		"$T/guest/cg-$build.elf"
	cg_shares "cg-$build: dwarf" "$T/cg-$build-dwarf.data" \
		"$T/guest/cg-$build.elf"
done
cg_views() {
cg_check "cg-fp: frame pointers" "$T/cg-fp-fp.data" "$T/guest/cg-fp.elf"

# Frame pointers where there are none: chains end early, and say why.
out=$("$VMPROF" report -i "$T/cg-nofp-fp.data" --guest-vmlinux \
	"$T/guest/cg-nofp.elf" --header-only 2>&1)
if grep -q 'guest kernel samples: [0-9]*, complete chains 0 (0.00%), ended early [0-9]*: stack does not lead to a caller' <<< "$out" &&
   ! "$VMPROF" report -i "$T/cg-nofp-fp.data" --guest-vmlinux \
	"$T/guest/cg-nofp.elf" --format folded | grep -v '\[incomplete: bad_frame\]' | grep -q .; then
	pass "cg-nofp: frame pointers: every chain ends early, as [incomplete: bad_frame]"
else
	fail "cg-nofp: frame pointers" "$(grep 'call chains\|samples:' <<< "$out" | tr '\n' ' ')"
fi

# The views: perf's caller/callee trees, --max-stack, JSON, perf-script.
d=$T/cg-fp-dwarf.data e=$T/guest/cg-fp.elf
out=$("$VMPROF" report -i "$d" --guest-vmlinux "$e" --no-children)
if grep -q '^# Overhead' <<< "$out" && grep -q -- '--cg_stage$' <<< "$out" &&
   awk '/cg_leaf/ { f = 1 } f && /cg_root_a$/ { print; exit }' <<< "$out" | grep -q .; then
	pass "text --no-children: callers under cg_leaf, callee first"
else
	fail "text --no-children" "$(head -n 30 <<< "$out" | tr '\n' '|')"
fi
out=$("$VMPROF" report -i "$d" --guest-vmlinux "$e")
if grep -q '^# Children *Self' <<< "$out" &&
   grep -Eq '^ +100\.00% +[0-9.]+% .* cg_main ' <<< "$out" &&
   grep -Eq '^ +[0-9.]+% +0\.00% .* cg_root_a ' <<< "$out"; then
	pass "text --children (default): callers get rows, cg_main 100% Children"
else
	fail "text --children" "$(head -n 20 <<< "$out" | tr '\n' '|')"
fi
# Two unwound frames: the sampled function and its caller (with what is
# inlined at the call: cg_stage in cg_mid).  A capture may land in
# cg_main's own printing, the one chain that names cg_main whole.
out=$("$VMPROF" report -i "$d" --guest-vmlinux "$e" --format folded --max-stack 2)
if grep -q ';cg_mid;cg_stage;cg_leaf ' <<< "$out" &&
   ! folded_chains <<< "$out" | grep -vxE "$CG_MAIN_PRINTING" |
	grep -Eq 'cg_main|cg_root_[abd]'; then
	pass "folded --max-stack 2: the sampled function and its caller"
else
	fail "folded --max-stack 2" "$(head -n 3 <<< "$out" | tr '\n' '|')"
fi
if "$VMPROF" report -i "$d" --guest-vmlinux "$e" --format json |
   python3 -c '
import json, sys
r = json.load(sys.stdin)
cc = r["call_chains"]["guest_kernel"]
leaf = [x for x in r["rows"] if x["symbol"] == "cg_leaf"][0]
ok = cc["samples"] == cc["ends"]["complete"] and cc["samples"] > 300 and \
     any(c["frames"][:3] == ["cg_start64", "cg_main", "cg_root_a"] for c in leaf["callchains"])
sys.exit(0 if ok else 1)'; then
	pass "json: call_chains counts, rows' callchains root first"
else
	fail "json" "call_chains or callchains not as expected"
fi
out=$("$VMPROF" report -i "$d" --guest-vmlinux "$e" --format perf-script)
if awk '/cg_leaf/ { l = NR } /cg_mid/ && l == NR - 2 { f = 1 } END { exit !f }' <<< "$out"; then
	pass "perf-script: the chain under each sample, leaf first"
else
	fail "perf-script" "$(head -n 12 <<< "$out" | tr '\n' '|')"
fi

}
[[ $PARTS == *" cg "* ]] && cg_views

# ---- Debian's kernel: ORC ---------------------------------------------------

kver=
[[ $PARTS == *" linux "* ]] &&
	{ read -r _ kver _ < <("$TOP/scripts/kernels.sh" 6.1) ||
	  { fail "linux" "Debian's 6.1 kernel is not installed"; kver=; }; }
if [ -n "$kver" ]; then
	KVER=$kver sh "$TOP/tests/guest/linux/mkinitramfs.sh" \
		"$T/linux.cpio.gz" >/dev/null &&
	python3 "$HERE/capture.py" linux "$kver" "$T/linux.cpio.gz" 150 \
		"$T/linux" e1000_xmit_frame e1000_clean __x64_sys_write \
		>"$T/cap.log" 2>&1 ||
		{ fail "linux: capture" "$(tail -n 5 "$T/cap.log")"; kver=; }
fi
if [ -n "$kver" ]; then
	opts=(--guest-vmlinux "/boot/vmlinuz-$kver" --guest-kallsyms "$T/linux.kallsyms")
	hdr=$("$VMPROF" report -i "$T/linux-orc.data" "${opts[@]}" --header-only)
	pct=$(sed -n 's/.*guest kernel samples: [0-9]*, complete chains [0-9]* (\([0-9.]*\)%).*/\1/p' <<< "$hdr")
	if [ -n "$pct" ] && awk -v p="$pct" 'BEGIN { exit !(p >= 95) }'; then
		pass "linux: ORC: $pct% of the guest kernel chains complete (bar: 95%)"
	else
		fail "linux: ORC complete chains" "$(grep -A3 'call chains' <<< "$hdr" | tr '\n' ' ')"
	fi
	folded=$("$VMPROF" report -i "$T/linux-orc.data" "${opts[@]}" --format folded)
	for want in "dev_hard_start_xmit;e1000_xmit_frame" \
		    "entry_SYSCALL_64_after_hwframe;do_syscall_64;" \
		    "__napi_poll;e1000_clean" "ksys_write;vfs_write"; do
		if grep -qF -- "$want" <<< "$folded"; then
			pass "linux: ORC: a chain with $want"
		else
			fail "linux: ORC: a chain with $want" "not in the folded stacks"
		fi
	done
	# The entry from user space ends the chain at the user program.
	if grep -E 'guest-kernel;[^;]*;entry_SYSCALL_64_after_hwframe;do_syscall_64;' <<< "$folded" |
	   grep -qv incomplete; then
		pass "linux: ORC: system calls end in the user program's frame"
	else
		fail "linux: ORC: user frame" "no chain from the user frame through entry_SYSCALL_64"
	fi
	hdr=$("$VMPROF" report -i "$T/linux-orc-1024.data" "${opts[@]}" --header-only)
	if grep -q 'stack copy too small' <<< "$hdr" &&
	   "$VMPROF" report -i "$T/linux-orc-1024.data" "${opts[@]}" --format folded |
	   grep -q '\[incomplete: truncated\]'; then
		pass "linux: 1024-byte copies: chains cut short say so"
	else
		fail "linux: 1024-byte copies" "$(grep -A3 'call chains' <<< "$hdr" | tr '\n' ' ')"
	fi
	# Debian builds its kernel without frame pointers.
	hdr=$("$VMPROF" report -i "$T/linux-fp.data" "${opts[@]}" --header-only)
	pct=$(sed -n 's/.*guest kernel samples: [0-9]*, complete chains [0-9]* (\([0-9.]*\)%).*/\1/p' <<< "$hdr")
	if [ -n "$pct" ] && awk -v p="$pct" 'BEGIN { exit !(p < 50) }'; then
		pass "linux: frame pointers on a kernel without them: $pct% complete, the rest counted"
	else
		fail "linux: frame pointers" "$(grep -A3 'call chains' <<< "$hdr" | tr '\n' ' ')"
	fi
fi

echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
