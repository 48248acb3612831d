#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The icount plugin (bench/icount.c) against a guest whose every count is
# known: tests/icount/nested.S under real QEMU TCG with an SVM CPU, with
# the control file written before QEMU starts.  Checks, exactly: VMRUNs,
# the nested guest's instructions, a region's calls and instructions (its
# return found by the shadow stack, also when it was entered by a jump),
# an interrupt (from its entry to IRET, not counted in the region it
# interrupted), ranges (nested ranges: the smallest counts), the
# exit-round-trip windows (those with a task switch apart) and a REP
# string instruction counted once.  One
# PASS/FAIL line per check.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$repo/bench" >/dev/null && make -s -C "$repo/tests/icount" >/dev/null ||
	{ echo "FAIL: icount: build"; exit 1; }
elf=$repo/tests/icount/build/nested.elf
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# The constants of nested.S.
runs=100 fn_iters=50 l2_iters=30 rep_bytes=4096
sym() { nm "$elf" | awk -v s="$1" '$3 == s { print $1 }'; }
{
	echo "range outer $(sym _start) $(sym l2_end)"
	echo "range fn $(sym fn) $(sym fn_end)"
	echo "range l2 $(sym l2_code) $(sym l2_end)"
	echo "range tail $(sym tramp) $(sym fn)"
	echo "region fn $(sym fn)"
	echo "region fn2 $(sym fn2)"
	echo "irqentry $(sym isr)"
	echo "switch $(sym swfn)"
} > "$d/icount.ctl"

timeout 60 qemu-system-x86_64 -accel tcg -cpu EPYC,+svm -m 32 -nographic \
	-no-reboot -monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-plugin "$repo/bench/build/icount.so,dir=$d" -kernel "$elf" \
	> "$d/log" 2>&1 < /dev/null
rc=$?
if [ "$rc" != 1 ]; then	# isa-debug-exit: (0 << 1) | 1
	echo "FAIL: icount: QEMU ended with status $rc, not through the guest's exit"
	cat "$d/log"
	exit 1
fi
line=$(grep '^snap [0-9]* exit vcpu=0 ' "$d/icount.out")
if [ -z "$line" ]; then
	echo "FAIL: icount: no exit snapshot"
	cat "$d/icount.out"
	exit 1
fi
get() { tr ' ' '\n' <<< "$line" | sed -n "s/^$1=//p"; }

# The instructions of the prologue, _start up to loop: a straight line.
prologue=$(objdump -d --start-address=0x"$(sym _start)" \
	--stop-address=0x"$(sym loop)" "$elf" |
	grep -cE '^ *[0-9a-f]+:	[0-9a-f ]+	[a-z]')
fn=$((2 * fn_iters + 2))	# mov dec jnz | (dec jnz) x iters-1 | ret
# mov dec jnz | (dec jnz) x iters-1 | vmmcall jmp (the jmp never runs: a
# block that an exception leaves in the middle counts whole)
l2=$((2 * l2_iters + 3))
# The rounds that call swfn ("switch tasks"): ESI a multiple of 8.
switched=$((runs / 8))
# An exit window, from one VMRUN's exit to the next VMRUN: dec jnz | call |
# fn | test jnz | movl mov vmrun.  Those that called swfn do not count,
# nor does the last, which ends with QEMU, not with a VMRUN.
wins=$((runs - 1 - switched))
window=$((wins * (2 + 1 + fn + 2 + 3)))
# In L1 outside fn: per round call | test jnz | movl mov vmrun | dec jnz,
# the calls of swfn; then the copy and the exit.  REP MOVSB counts once:
# were its 4096 iterations instructions, they would be in this range.
outer=$((prologue + runs * (1 + 2 + 3 + 2) + switched + 4 + 3))

check() {
	local name=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then
		echo "PASS: icount: $name ($got)"
	else
		echo "FAIL: icount: $name: $got, expected $want"
	fi
}
check "VMRUNs counted" "$(get exits)" "$runs"
check "nested guest's instructions" "$(get l2)" "$((runs * l2))"
check "region: calls and instructions of fn" "$(get g.fn)" \
	"$runs,$((runs * fn))"
check "range fn, nested in outer (all, in exit windows)" "$(get r.fn)" \
	"$((runs * fn)),$((wins * fn))"
check "range outer: L1 outside fn" "$(get r.outer | cut -d, -f1)" "$outer"
check "range l2: the nested guest's code is not L1's" "$(get r.l2)" "0,0"
check "exit windows: without a task switch, with one" \
	"$(get wins),$(get swins)" "$wins,$switched"
# Every window runs code below the kernel's addresses: "user space".
check "exit windows that ran user space, their kernel instructions" \
	"$(get uwins),$(get uk)" "$wins,0"
check "exit round-trip window" "$(get wu),$(get wk),$(get wirq)" "$window,0,0"
rep=$(get rep)
check "REP MOVSB's further iterations apart" \
	"$([ "$rep" -ge $((rep_bytes - 1)) ] && echo yes || echo "no, $rep")" yes
# fn2, entered by a jump: mov int | ret; the interrupt not counted in it.
check "region entered by a tail jump, its interrupt apart" "$(get g.fn2)" "1,3"
check "interrupt: entry to IRET" "$(get irq)" 3
check "range tail: jmp, fn2, isr and swfn" "$(get r.tail)" \
	"$((7 + switched)),0"
check "no region dropped" "$(get aborts),$(get nostack)" "0,0"
