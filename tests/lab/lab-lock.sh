# SPDX-License-Identifier: GPL-2.0
# lab_lock: take the machine-wide lab lock, first come first served.
#
# Only one lab (QEMU or Bochs) runs at a time: two would starve each
# other of the machine's cores.  flock(1) alone lets any waiter win when
# the lock is released, so a run of many short labs can keep a long one
# waiting for hours; waiters here take a ticket (a file named after the
# time they came and their pid) and the oldest live ticket goes next.
# The lock is held on file descriptor 9 until the caller exits.
# LAB_URGENT=1 takes a ticket ahead of the waiting ones.
# Sourced by tests/lab/lab.sh and tests/vmx/bochs.sh.

lab_lock() {
	local lock=${LAB_LOCK:-/tmp/vmprof-lab.lock} queue ticket first pid
	queue=$lock.queue
	mkdir -p "$queue"
	ticket=$(date +%s%N).$$
	# LAB_URGENT=1 goes before every waiting lab (tickets sort by name),
	# not before the one that runs: for the lab that unblocks the others.
	[ "${LAB_URGENT:-0}" = 1 ] && ticket=0.$ticket
	: > "$queue/$ticket"
	exec 9> "$lock"
	while :; do
		first=
		for first in $(ls "$queue" | sort); do
			pid=${first##*.}
			# A ticket whose owner died is dropped.
			kill -0 "$pid" 2>/dev/null && break
			rm -f "$queue/$first"
			first=
		done
		[ "$first" = "$ticket" ] && break
		sleep 1
	done
	# First in line: wait for the lab that runs now (or for one started
	# by a lab.sh that takes no ticket) to end.
	flock 9
	rm -f "$queue/$ticket"
}
