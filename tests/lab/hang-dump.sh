#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where is a lab that stopped making progress?  Called by lab.sh shortly
# before it kills QEMU for a timeout.  Writes to OUT/hang.txt, in order:
# each L1 vCPU's registers and the kernel text addresses on its stack
# (twice, a second apart, to tell a spinning CPU from a halted one), read
# through QEMU's gdbstub and named with OUT/kallsyms (kept by the lab's
# init); then QEMU's own threads, in case TCG itself is stuck.
#
# usage: hang-dump.sh QEMU_PID GDB_SOCKET OUT
set -u
pid=$1 sock=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
dump="$out/hang.txt"

l1_state() {
	local IFS=$'\n'
	timeout 60 gdb -q -nx -batch \
		-ex 'set pagination off' -ex 'set confirm off' \
		-ex 'set architecture i386:x86-64' \
		-ex "target remote $sock" \
		-ex 'info threads' \
		-ex 'thread apply all info registers rip rsp rbp eflags cs ss' \
		$(for o in 0 256 512 768 1024 1280 1536 1792; do
			printf -- "-ex\nthread apply all x/32gx \$rsp+$o\n"
		done) \
		-ex 'detach' 2>&1
}

{
	echo "== L1 vCPUs (gdbstub)"
	l1_state > "$out/hang-l1.1"
	sleep 1
	l1_state > "$out/hang-l1.2"
	python3 "$here/hang-symbolize.py" "$out/kallsyms" \
		"$out/hang-l1.1" "$out/hang-l1.2"
	echo "== QEMU threads (host)"
	timeout 60 gdb -q -nx -batch -p "$pid" \
		-ex 'set pagination off' -ex 'thread apply all bt 12' 2>&1 |
		grep -E '^(Thread|#)'
} > "$dump" 2>&1
