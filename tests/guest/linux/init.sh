#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of vmprof's Linux guest (copied into the initramfs by mkinitramfs.sh).
#
# Kernel command line: vmprof.workload=net|rx|ipi|cpu|two|idle, vmprof.seconds=N,
# vmprof.late=N (load the late modules N seconds into the workload),
# vmprof.kallsyms=TTY (write /proc/kallsyms to /dev/TTY once the modules
# are loaded: tests/unwind/capture.py reads it from a second serial port),
# vmprof.perf=DELAY:SECONDS (net workload, an initramfs with perf: run
# `perf record -g` on every CPU for SECONDS, DELAY seconds into the
# workload, and print its folded kernel call chains at the end).
# Every line meant for the test starts with "VMPROF-GUEST ":
#   VMPROF-GUEST ready kver=.. workload=.. seconds=.. cpus=.. uptime=S.SS
#   VMPROF-GUEST kaslr _text=0x.. entry_SYSCALL_64=0x..    runtime addresses,
#                                   the ground truth for KASLR slide discovery
#   VMPROF-GUEST ksym ADDR TYPE NAME [MODULE]               each module text
#                                                          symbol (kallsyms)
#   VMPROF-GUEST module NAME .text=0x..                    where each loaded
#                                   module's code is, to symbolize samples in it
#   VMPROF-GUEST module-section NAME SECTION 0x..          its code sections
#                                   and ORC unwind tables
#   VMPROF-GUEST workload WL start / VMPROF-GUEST workload WL end elapsed=Ns
#   VMPROF-GUEST late module NAME .text=0x.. modules=N     a late module
#                                   loaded; N modules loaded now
#   VMPROF-GUEST net eth0 tx_packets=.. rx_packets=.. tx_bytes=.. rx_bytes=..
#   VMPROF-GUEST net eth1 ...                              (net workload only)
#   VMPROF-GUEST perf start uptime=S.SS / perf end kernel_samples=N
#   VMPROF-GUEST perf-folded COUNT CHAIN                   perf's guest kernel
#                                   call chains (vmprof.perf), root first,
#                                   the most frequent first
#   VMPROF-GUEST top LINE                                  busybox top's
#                                   output, two frames (two workload only)
#   VMPROF-GUEST done uptime=S.SS
# then the guest powers off (QEMU exits under -no-reboot).
#
# net: the guest has two e1000 NICs on one QEMU hub (see run-guest.sh).  eth1
# is moved into its own network namespace, so traffic from eth0's address to
# eth1's address cannot take the kernel's local shortcut: it leaves through
# eth0's driver, crosses QEMU's hub and comes back in through eth1's driver,
# and the TCP ACKs go the other way.  Nothing leaves QEMU: the hub has no
# other port.  The addresses are from TEST-NET-1 (192.0.2.0/24, RFC 5737),
# which is never routed anywhere.  A TCP connection carrying /dev/zero both
# ways (busybox nc) keeps both drivers' transmit, receive and interrupt paths
# busy.
# rx: the guest's virtio-net NIC (run-guest.sh's caller adds it, e.g. on
# a tap with vhost=on) gets 192.0.2.10/24 and MAC 52:54:00:00:00:10 and
# takes what the host sends it for SECONDS (the host floods it: nothing
# listens, the guest drops it).
#   VMPROF-GUEST net virtio IFACE rx_packets=.. ...   (at the end)
# ipi: on a guest with two CPUs or more, a pipe between a writer on CPU 0
# and a reader on CPU 1: every write wakes the reader across CPUs, an
# inter-processor interrupt (an x2APIC ICR write when the APIC is x2APIC).
# cpu: one md5sum of /dev/zero per CPU: almost all guest user time.
# two: two distinct busy programs, busy-a at nice 0 and busy-b at nice 5
# (CFS gives them about 3:1 of one CPU), and the guest's own view of
# their shares: busybox top, a first frame at once and a second one over
# the next seconds/2 seconds.
# idle: sleep.

PATH=/bin:/sbin
export PATH

say() {
	echo "VMPROF-GUEST $*"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

workload=idle
seconds=5
late=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmprof.workload=*) workload=${arg#*=} ;;
	vmprof.seconds=*) seconds=${arg#*=} ;;
	vmprof.late=*) late=${arg#*=} ;;
	vmprof.kallsyms=*) kallsyms_tty=${arg#*=} ;;
	vmprof.perf=*) perf_at=${arg#*=} ;;
	esac
done

up() {
	cut -d' ' -f1 /proc/uptime
}

say "ready kver=$(uname -r) workload=$workload seconds=$seconds cpus=$(nproc) uptime=$(up)"

# Runtime kernel addresses, readable by root while kptr_restrict is 0 or 1.
text=$(grep -m1 ' _text$' /proc/kallsyms | cut -d' ' -f1)
lstar=$(grep -m1 ' entry_SYSCALL_64$' /proc/kallsyms | cut -d' ' -f1)
say "kaslr _text=0x$text entry_SYSCALL_64=0x$lstar"

while read -r mod; do
	insmod "/lib/modules/$mod.ko" || say "error: insmod $mod failed"
	say "module $mod .text=$(cat "/sys/module/$mod/sections/.text" 2>/dev/null)"
	# Its text symbols, in kallsyms format, so the host can symbolize
	# samples in the driver (module addresses are not covered by KASLR's
	# single offset).
	grep " [tT] .*\[$mod\]\$" /proc/kallsyms | sed 's/^/VMPROF-GUEST ksym /'
	for sec in .text .text.unlikely .exit.text .orc_unwind_ip .orc_unwind; do
		[ -e "/sys/module/$mod/sections/$sec" ] &&
			say "module-section $mod $sec $(cat "/sys/module/$mod/sections/$sec")"
	done
done </lib/modules/load.order
[ -n "${kallsyms_tty:-}" ] && cat /proc/kallsyms > "/dev/$kallsyms_tty"

stat_line() {
	# $1: interface; /proc/net/dev on stdin.  /proc/net/dev, not
	# /sys/class/net, because sysfs only shows the namespace it was mounted
	# in.  The ':' may touch a wide byte count, so split on it too.
	sed 's/:/ /' | awk -v ifc="$1" '$1 == ifc {
		printf "tx_packets=%s rx_packets=%s tx_bytes=%s rx_bytes=%s\n",
		       $11, $3, $10, $2 }'
}

wait_for_iface() {
	i=0
	while [ ! -e "/sys/class/net/$1" ] && [ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	[ -e "/sys/class/net/$1" ]
}

workload_net() {
	if ! wait_for_iface eth0 || ! wait_for_iface eth1; then
		say "error: net workload needs two NICs (eth0, eth1)"
		return 1
	fi
	ip link set lo up
	# A process in a new network namespace holds that namespace open.
	unshare -n sleep 100000 &
	peer=$!
	usleep 200000
	ip link set eth1 netns "$peer" || { say "error: cannot move eth1"; return 1; }
	ip addr add 192.0.2.1/24 dev eth0
	ip link set eth0 up
	nsenter -t "$peer" -n sh -c \
		'ip link set lo up; ip addr add 192.0.2.2/24 dev eth1; ip link set eth1 up'

	say "net setup uptime=$(up)"
	# e1000 reports carrier a moment after "up".  Poll carrier instead of
	# pinging blindly: a ping sent too early costs a whole -W timeout.
	i=0
	until ip link show eth0 | grep -q LOWER_UP &&
	      nsenter -t "$peer" -n ip link show eth1 | grep -q LOWER_UP; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			say "error: no carrier on eth0/eth1"
			return 1
		fi
		usleep 100000
	done
	if ! ping -c 1 -W 2 192.0.2.2 >/dev/null 2>&1; then
		say "error: 192.0.2.2 unreachable over eth0"
		return 1
	fi

	# Both ends send zeros, so both drivers transmit and receive at full
	# rate.  The sink's stdin must not be /dev/null (the default for a
	# background job): busybox nc ends the connection at EOF on stdin.
	nsenter -t "$peer" -n nc -l -p 5001 </dev/zero >/dev/null &
	sink=$!
	usleep 200000
	say "workload net start uptime=$(up)"
	t0=$(date +%s)
	if [ -n "${perf_at:-}" ]; then
		perf_record &
		perf_pid=$!
	fi
	timeout "$seconds" nc 192.0.2.2 5001 </dev/zero >/dev/null
	say "workload net end elapsed=$(($(date +%s) - t0))s"
	if [ -n "${perf_at:-}" ]; then
		wait "$perf_pid"
		perf_report
	fi
	kill "$sink" 2>/dev/null
	say "net eth0 $(stat_line eth0 </proc/net/dev)"
	say "net eth1 $(nsenter -t "$peer" -n cat /proc/net/dev | stat_line eth1)"
	say "net irqs $(grep -E 'eth[01]' /proc/interrupts | awk '{ s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; printf "%s=%d ", $NF, s }')"
	kill "$peer" 2>/dev/null
}

workload_rx() {
	v=
	i=0
	while [ -z "$v" ] && [ $i -lt 50 ]; do
		for d in /sys/class/net/*; do
			case "$(readlink "$d/device/driver")" in
			*/virtio_net) v=${d##*/} ;;
			esac
		done
		[ -n "$v" ] || usleep 100000
		i=$((i + 1))
	done
	if [ -z "$v" ]; then
		say "error: rx workload needs a virtio-net NIC"
		return 1
	fi
	ip link set lo up
	ip link set "$v" address 52:54:00:00:00:10
	ip addr add 192.0.2.10/24 dev "$v"
	ip link set "$v" up
	say "workload rx start iface=$v uptime=$(up)"
	t0=$(date +%s)
	sleep "$seconds"
	say "workload rx end elapsed=$(($(date +%s) - t0))s"
	say "net virtio $v $(stat_line "$v" </proc/net/dev)"
}

workload_ipi() {
	if [ "$(nproc)" -lt 2 ]; then
		say "error: ipi workload needs two CPUs"
		return 1
	fi
	say "workload ipi start"
	t0=$(date +%s)
	timeout "$seconds" taskset 1 sh -c 'while :; do echo; done' |
		taskset 2 cat >/dev/null
	say "workload ipi end elapsed=$(($(date +%s) - t0))s"
}

# perf inside the guest, for comparison with what vmprof sees from the
# host: cpu-clock (the guest has no PMU), kernel and user call chains.
# Its chains are folded here (perf-fold.awk, as the host folds vmprof's)
# and only the top ones printed: every console byte is a VM exit.
perf_record() {
	sleep "${perf_at%%:*}"
	say "perf start uptime=$(up)"
	perf record -q --no-buildid -e cpu-clock -F 997 -g -a \
		-o /tmp/perf.data -- sleep "${perf_at#*:}" 2>/tmp/perf.err ||
		say "error: perf record: $(tail -n 1 /tmp/perf.err)"
}

perf_report() {
	perf script -i /tmp/perf.data -F ip,sym 2>/tmp/perf.err |
		awk -f /lib/perf-fold.awk | sort -rn > /tmp/perf.folded
	say "perf end kernel_samples=$(awk '{ s += $1 } END { print s + 0 }' /tmp/perf.folded)"
	head -n 150 /tmp/perf.folded | sed 's/^/VMPROF-GUEST perf-folded /'
}

workload_cpu() {
	say "workload cpu start"
	t0=$(date +%s)
	n=$(nproc)
	while [ "$n" -gt 0 ]; do
		timeout "$seconds" md5sum /dev/zero >/dev/null 2>&1 &
		n=$((n - 1))
	done
	wait
	say "workload cpu end elapsed=$(($(date +%s) - t0))s"
}

workload_two() {
	say "workload two start"
	t0=$(date +%s)
	busy-a &
	a=$!
	# busy-b from another mount (the tmpfs on /tmp): its path crosses it.
	cp /bin/busy-b /tmp/busy-b
	say "busy-b at /tmp/busy-b"
	/tmp/busy-b 5 &
	b=$!
	# Into a file, printed at the end: writing to the serial console
	# while the programs run would take CPU of its own.
	top -b -n 2 -d "$((seconds / 2))" > /tmp/top.out
	sleep "$((seconds - seconds / 2))"
	kill "$a" "$b"
	sed 's/^/VMPROF-GUEST top /' /tmp/top.out
	say "workload two end elapsed=$(($(date +%s) - t0))s"
}

workload_idle() {
	say "workload idle start"
	t0=$(date +%s)
	sleep "$seconds"
	say "workload idle end elapsed=$(($(date +%s) - t0))s"
}

# Modules loaded while a profiler may be watching (vmprof.late=N).
if [ -n "$late" ]; then
	(
		sleep "$late"
		while read -r mod; do
			insmod "/lib/modules/$mod.ko" ||
				say "error: insmod $mod failed"
			say "late module $mod .text=$(cat "/sys/module/$mod/sections/.text" 2>/dev/null) modules=$(wc -l </proc/modules)"
		done </lib/modules/late.order
	) &
fi

case "$workload" in
net) workload_net ;;
rx) workload_rx ;;
ipi) workload_ipi ;;
cpu) workload_cpu ;;
two) workload_two ;;
idle) workload_idle ;;
*) say "error: unknown workload '$workload'" ;;
esac

say "done uptime=$(up)"
poweroff -f
