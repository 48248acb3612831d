#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a test script inside the lab: a Debian kernel booted under QEMU (TCG,
# AMD SVM CPU) as the lab host L1, with kvm_amd loaded, a root file system
# mounted read-only, and the repository at the same path.  The script runs
# as root in a chroot of that root; $LAB_OUT is a writable directory
# shared with the host; $VMPROF_KO is vmprof.ko built for L1's kernel.
# Prints the script's output, exits with its status.  A kernel oops, WARN
# or BUG in L1's dmesg fails the run even if the script passed; a hung lab
# is killed after --timeout seconds.
#
# --kernel NAME picks L1's kernel from scripts/kernels.sh (default 6.1,
# Debian 12's): Debian 12's kernels run with the host's root, Debian 13's
# backports kernel with the trixie root, so that L1's QEMU, perf and
# libraries are Debian 13's (the vmprof program is the same binary).
#
# LAB_PLUGIN=FILE loads a TCG plugin into QEMU with dir=OUT (the output
# directory, shared with L1): bench/icount.c counts L1's instructions.
#
# usage: lab.sh [--timeout SECONDS] [--out DIR] [--kernel NAME] SCRIPT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=600
out=
kernel=${LAB_KERNEL:-6.1}
while [ $# -gt 0 ]; do
	case "$1" in
	(--timeout) timeout=$2; shift 2 ;;
	(--out) out=$2; shift 2 ;;
	(--kernel) kernel=$2; shift 2 ;;
	(*) break ;;
	esac
done
script=$(realpath "$1")
read -r kernel kver root < <("$repo/scripts/kernels.sh" "$kernel")
build="$repo/tests/lab/build"
mkdir -p "$build"
[ -n "$out" ] || out=$(mktemp -d "$build/run.XXXXXX")
mkdir -p "$out"
out=$(realpath "$out")
rm -f "$out/status" "$out/log" "$out/dmesg"

# The module for L1's kernel, and the L2 Linux guest's initramfs with that
# kernel's drivers (the L2 guest runs L1's kernel).
ko_log=$(mktemp)
if ! ko=$("$repo/scripts/build-module.sh" "$kernel" 2>"$ko_log" | tail -n 1) ||
   [ ! -e "$ko" ]; then
	tail -n 20 "$ko_log" >&2
	echo "lab: FAIL: cannot build vmprof.ko for $kver" >&2
	exit 1
fi
rm -f "$ko_log"
guest_initrd=$repo/tests/guest/build/linux-guest-$kver.cpio.gz
guest_programs=$(ls "$repo"/tests/guest/build/busy-[ab] 2>/dev/null)
if [ ! -e "$guest_initrd" ] ||
   [ "$repo/tests/guest/linux/init.sh" -nt "$guest_initrd" ] ||
   [ "$repo/tests/guest/linux/mkinitramfs.sh" -nt "$guest_initrd" ] ||
   [ "$repo/tests/guest/linux/perf-fold.awk" -nt "$guest_initrd" ] ||
   [ -n "$(find $guest_programs -newer "$guest_initrd" 2>/dev/null)" ]; then
	KVER=$kver ROOT=$root PROGRAMS="$guest_programs" \
		sh "$repo/tests/guest/linux/mkinitramfs.sh" \
		"$guest_initrd" >/dev/null
fi
# The same with this machine's perf, for t_linuxcallchain's comparison.
perf_initrd=$repo/tests/guest/build/linux-guest-perf-$kver.cpio.gz
if [ -x /usr/bin/perf ] && { [ ! -e "$perf_initrd" ] ||
   [ "$guest_initrd" -nt "$perf_initrd" ] ||
   [ /usr/bin/perf -nt "$perf_initrd" ]; }; then
	KVER=$kver ROOT=$root PROGRAMS="$guest_programs" PERF=/usr/bin/perf \
		sh "$repo/tests/guest/linux/mkinitramfs.sh" \
		"$perf_initrd" >/dev/null
fi
# The kernel ELF inside L1's vmlinuz, for t_introspect's debuginfod
# server (debuginfod indexes ELF files, not bzImages); unpacked here, as
# xz and zstd are slow in the emulated L1.
if [ -x "$build/kimage-check" ] && [ ! -e "$build/vmlinux-$kver" ]; then
	"$build/kimage-check" extract "${root%/}/boot/vmlinuz-$kver" \
		"$build/vmlinux-$kver.tmp" &&
		mv "$build/vmlinux-$kver.tmp" "$build/vmlinux-$kver"
fi

# LAB_* and VMPROF_* variables reach the script inside.
{
	env | grep -E '^(LAB|VMPROF|GT)_[A-Z_]*=' | grep -v '^VMPROF_KO=' |
		sed "s/'/'\\\\''/g; s/=\(.*\)/='\1'/; s/^/export /"
	echo "export VMPROF_KO='$ko' LAB_KERNEL='$kernel'"
} > "$out/env"

initrd="$build/initrd-$kver.cpio.gz"
if [ ! -e "$initrd" ] || [ "$here/init" -nt "$initrd" ] ||
   [ "$here/mkinitramfs.sh" -nt "$initrd" ]; then
	"$here/mkinitramfs.sh" "$kver" "$initrd" "$root"
fi
# L1 mounts the repository and the output directory at their own paths
# in its root, which must have them.
if [ "$root" != / ]; then
	mkdir -p "$root$repo" "$root$out"
fi

# One lab at a time, machine-wide, in the order they came (lab-lock.sh).
. "$here/lab-lock.sh"
waited=$SECONDS
lab_lock
waited=$((SECONDS - waited))
started=$SECONDS

# A watchdog ends a lab that stops making progress: L1's init touches
# $out/heartbeat every 2 s; when it has not for $stall seconds (L1 frozen),
# or 45 s before the timeout, hang-dump.sh records where L1's vCPUs and
# QEMU's threads are ($out/hang.txt) through QEMU's gdbstub, naming
# functions with the copy of L1's kallsyms that init keeps in $out
# (LAB_DEBUG=0: no copy), and QEMU is killed.
#
# One TCG thread for both of L1's vCPUs, not one each: with a thread per
# vCPU (QEMU 7.2), a CPU sometimes kept running a stale translation of
# kernel code that another CPU had just rewritten (text_poke_bp: static
# keys, static calls, tracepoints), which froze L1 or corrupted it
# (docs/reliability.md).  One thread invalidates translations before the
# other vCPU runs again.  LAB_TCG_THREAD=multi brings a thread per vCPU
# back, for what needs it: an L2 Linux guest hangs in early boot (in a
# spinlock, interrupts off) under single-threaded TCG.
tcg_thread=${LAB_TCG_THREAD:-single}

gdbsock=$(mktemp -u /tmp/vmprof-lab-gdb.XXXXXX)
debug=1
[ "${LAB_DEBUG:-1}" = 0 ] && debug=0
stall=${LAB_STALL:-90}
rm -f "$out/qemu.pid" "$out/hang.txt" "$out/kallsyms" "$out/heartbeat" \
	"$out/stalled" "$out/dump-tasks" "$out/tasks.txt"
(
	start=$SECONDS
	last=$((timeout > 90 ? timeout - 45 : timeout / 2))
	while sleep 5; do
		qpid=$(cat "$out/qemu.pid" 2>/dev/null) || continue
		kill -0 "$qpid" 2>/dev/null || exit 0
		beat=$(stat -c %Y "$out/heartbeat" 2>/dev/null) ||
			beat=$(($(date +%s) - SECONDS + start))
		if [ $(($(date +%s) - beat)) -gt "$stall" ]; then
			echo "no heartbeat from L1 for over ${stall}s" > "$out/stalled"
		elif [ $((SECONDS - start)) -lt "$last" ]; then
			continue
		fi
		if [ ! -e "$out/stalled" ]; then
			# Alive but out of time: what is everyone waiting for?
			: > "$out/dump-tasks"
			for i in $(seq 20); do
				[ -s "$out/tasks.txt" ] && break
				sleep 1
			done
		fi
		"$here/hang-dump.sh" "$qpid" "$gdbsock" "$out"
		kill -KILL "$qpid"
		exit 0
	done
) < /dev/null > /dev/null 2>&1 9>&- &
watchdog=$!
trap 'kill $watchdog 2>/dev/null || true; rm -f "$gdbsock"' EXIT

# LAB_CPU: L1's CPU model; e.g. EPYC,+svm,+npt,+la57 gives L1, and the L2
# guests it starts with -cpu host, 5-level paging.  KVM refuses to load
# on a PREEMPT_RT kernel without a constant TSC ("RT requires
# X86_FEATURE_CONSTANT_TSC"), which Linux sees on AMD through CPUID's
# invariant-TSC bit; QEMU's TCG does not offer it but keeps a constant
# TSC rate, so for such a kernel it is forced on (x-force-features), with
# the features TCG lacks taken off the model so that only it is forced.
cpu=EPYC,+svm,+npt
if grep -q '^CONFIG_PREEMPT_RT=y' "${root%/}/boot/config-$kver" 2>/dev/null; then
	cpu=$cpu,-rdseed,-sha-ni,-fxsr-opt,-misalignsse,-3dnowprefetch,-osvw
	cpu=$cpu,-topoext,-nrip-save,-xsavec,+invtsc,x-force-features=on
fi
plugin=()
[ -z "${LAB_PLUGIN:-}" ] || plugin=(-plugin "$(realpath "$LAB_PLUGIN"),dir=$out")
# QEMU logs why it resets the CPU (a triple fault, with the registers):
# with -no-reboot that is how L1 ends without a word on its console.
qemu_status=0
timeout --signal=KILL "$timeout" qemu-system-x86_64 \
	-d cpu_reset -D "$out/qemu-reset.log" \
	-accel tcg,thread="$tcg_thread" -cpu "${LAB_CPU:-$cpu}" \
	-smp 2 -m 3072 "${plugin[@]}" \
	-kernel "${root%/}/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=1 panic=-1 lab.script=$script lab.out=$out lab.repo=$repo lab.debug=$debug" \
	-pidfile "$out/qemu.pid" -gdb "unix:$gdbsock,server=on,wait=off" \
	-virtfs local,path="$root",mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$repo",mount_tag=repo,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$out",mount_tag=out,security_model=none,multidevs=remap \
	-nographic -no-reboot -monitor none -serial stdio \
	< /dev/null 2> >(grep -v "TCG doesn't support requested feature" >&2) |
	tr -d '\r' | awk '/lab: up in/ { up = 1; next } up { print; fflush() }' ||
	qemu_status=$?

kill $watchdog 2>/dev/null || true
echo "lab: $kernel ($kver): $((SECONDS - started)) s, after $waited s waiting for the lab" >&2
if [ ! -e "$out/status" ]; then
	if [ -e "$out/stalled" ]; then
		echo "lab: FAIL: no verdict: L1 froze ($(cat "$out/stalled"))" >&2
	else
		echo "lab: FAIL: no verdict (timeout after ${timeout}s, or L1 crashed; QEMU's exit status $qemu_status)" >&2
	fi
	if grep -q -i 'triple fault' "$out/qemu-reset.log" 2>/dev/null; then
		echo "lab: L1 triple-faulted; its registers then ($out/qemu-reset.log):" >&2
		grep -i -A 30 'triple fault' "$out/qemu-reset.log" | head -40 >&2
	fi
	if [ -s "$out/hang.txt" ]; then
		echo "lab: where L1 was ($out/hang.txt):" >&2
		cat "$out/hang.txt" >&2
	fi
	if [ -s "$out/tasks.txt" ]; then
		echo "lab: L1's tasks and their kernel stacks: $out/tasks.txt" >&2
	fi
	[ -e "$out/vmprof-used" ] ||
		echo "lab: L1 died before vmprof had its first session (nothing hooked)" >&2
	exit 125
fi
status=$(cat "$out/status")
if grep -E -n 'WARNING: CPU|BUG:|Oops|general protection fault|Call Trace|scheduling while atomic|possible circular locking|UBSAN:|KASAN:|vmprof.*(leak|refcount)|deprecated.*\[vmprof\]' \
	"$out/dmesg" >&2; then
	echo "lab: FAIL: kernel warnings in L1's dmesg ($out/dmesg)" >&2
	[ "$status" = 0 ] && status=124
fi
exit "$status"
