#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh KERNEL INITRD WORKLOAD SECONDS ACCEL [EXTRA QEMU ARGS...]
#
# Start vmprof's Linux guest: Debian's kernel with the initramfs made by
# mkinitramfs.sh, on the serial console (-nographic: the console is this
# script's stdin/stdout), powering off by itself at the end of the workload.
#   KERNEL    e.g. /boot/vmlinuz-$KVER; "" picks the newest /boot/vmlinuz-*
#   INITRD    the .cpio.gz from mkinitramfs.sh
#   WORKLOAD  net | cpu | idle
#   SECONDS   workload duration
#   ACCEL     kvm (with -cpu host) | tcg
# Environment: SMP (default 1), MEM (MiB, default 512), CPU (overrides the
# -cpu model), APPEND (more kernel command line).  EXTRA QEMU ARGS come last.
#
# The guest always gets the two e1000 NICs of the net workload, so all
# workloads run on the same virtual hardware.  Both sit on QEMU hub 0 and the
# hub has no other port: no user-mode networking, no host network, no packet
# leaves QEMU.  KASLR stays on, as on a real Debian guest (no nokaslr).
# QEMU is exec'd, so a caller's `timeout` bounds it directly.
set -eu

if [ $# -lt 5 ]; then
	echo "usage: run-guest.sh KERNEL INITRD WORKLOAD SECONDS kvm|tcg [QEMU ARGS...]" >&2
	exit 2
fi
kernel=$1
initrd=$2
workload=$3
seconds=$4
accel=$5
shift 5

if [ -z "$kernel" ]; then
	kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
fi

case "$accel" in
kvm) cpu=${CPU:-host} ;;
tcg) cpu=${CPU:-qemu64} ;;
*) echo "run-guest.sh: ACCEL must be kvm or tcg" >&2; exit 2 ;;
esac

# Under the lab's TCG (L1 emulated, this guest L2 with -cpu host), the
# guest kernel finds CPUID's XSAVE size inconsistent with the features it
# enabled ("XSAVE consistency problem: size 832 != kernel_size 576"),
# warns and disables XSAVE; 7.x kernels then oops in early boot
# (fpstate_reset on a NULL FPU, fpu__init_system_xstate), 6.x ones carry
# on.  noxsave keeps 7.x guests on FXSAVE from the start.
xsave=
case $(basename "$kernel") in
vmlinuz-[1-6].*) ;;
*) xsave=noxsave ;;
esac

exec qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" \
	-smp "${SMP:-1}" -m "${MEM:-512}" \
	-nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet vmprof.workload=$workload vmprof.seconds=$seconds $xsave ${APPEND:-}" \
	-nic none \
	-netdev hubport,id=vmprof0,hubid=0 \
	-device e1000,netdev=vmprof0,mac=52:54:00:00:00:01 \
	-netdev hubport,id=vmprof1,hubid=0 \
	-device e1000,netdev=vmprof1,mac=52:54:00:00:00:02 \
	"$@"
