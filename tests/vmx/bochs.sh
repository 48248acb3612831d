#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VMX lab: Debian's kernel booted under Bochs with an Intel CPU model
# that has VT-x (EPT, VPID, unrestricted guest), as the lab host L1, with
# kvm_intel loaded; then tests/vmx/suite.sh runs there.  QEMU's TCG, the
# other lab (tests/lab/lab.sh), emulates AMD SVM only.
#
# Bochs cannot share the host's files, so everything L1 needs is packed
# into the boot CD (mkimage.sh) and the results come back as a tar archive
# that L1 writes onto a raw disk.  They land in OUT (default: a new
# directory under tests/vmx/build): log, status, dmesg, serial (L1's
# console), bochs.log, and what the tests saved.  Prints the suite's
# output and exits with its status; a kernel oops, WARN or BUG in L1's
# dmesg fails the run, and so does a run that gives no verdict within
# --timeout seconds (Bochs is killed).
#
# --kernel NAME (or LAB_KERNEL) picks L1's kernel from scripts/kernels.sh
# (default 6.1, Debian 12's); vmprof.ko is built for it
# (scripts/build-module.sh).  BOCHS_CPU picks the CPU model (default
# corei7_haswell_4770, docs/vmx-lab.md says why), BOCHS_APPEND adds to
# L1's command line; LAB_*, VMPROF_* and GT_* variables reach the suite.
#
# usage: bochs.sh [--timeout SECONDS] [--out DIR] [--kernel NAME]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=900
out=
kernel=${LAB_KERNEL:-6.1}
while [ $# -gt 0 ]; do
	case "$1" in
	(--timeout) timeout=$2; shift 2 ;;
	(--out) out=$2; shift 2 ;;
	(--kernel) kernel=$2; shift 2 ;;
	(*) echo "usage: bochs.sh [--timeout SECONDS] [--out DIR] [--kernel NAME]" >&2
	    exit 64 ;;
	esac
done
read -r kernel kver root < <("$repo/scripts/kernels.sh" "$kernel") || exit 125
if [ "$root" != / ]; then
	echo "vmx lab: kernel $kernel lives in $root; the VMX lab boots Debian 12's kernels only" >&2
	exit 125
fi
cpu=${BOCHS_CPU:-corei7_haswell_4770}
build=$repo/tests/vmx/build
mkdir -p "$build"
[ -n "$out" ] || out=$(mktemp -d "$build/run.XXXXXX")
mkdir -p "$out"
out=$(realpath "$out")
rm -rf "$out/result" "$out/serial" "$out/bochs.log"

for f in tools/vmprof tests/lab/build/vmprof-probe tests/guest/build/kvm-run \
	 tests/guest/build/gt-run tests/guest/build/gt.elf; do
	if [ ! -e "$repo/$f" ]; then
		echo "vmx lab: $f is missing: make tools guests" >&2
		exit 125
	fi
done
ko_log=$(mktemp)
if ! ko=$("$repo/scripts/build-module.sh" "$kernel" 2>"$ko_log" | tail -n 1) ||
   [ ! -e "$ko" ]; then
	tail -n 20 "$ko_log" >&2
	echo "vmx lab: FAIL: cannot build vmprof.ko for $kver" >&2
	exit 125
fi
rm -f "$ko_log"

env | grep -E '^(LAB|VMPROF|GT)_[A-Z_]*=' | grep -v '^VMPROF_KO=' |
	sed "s/'/'\\\\''/g; s/=\(.*\)/='\1'/; s/^/export /" > "$out/env" || true
ips=100000000
"$here/mkimage.sh" "$kver" "$ko" "$out/boot.iso" "$out/env" \
	"tsc_early_khz=$((ips / 1000)) ${BOCHS_APPEND:-}"

# The results disk: a flat image of 16 heads x 63 sectors x 130 cylinders
# (64 MiB), a geometry Bochs accepts without asking.
cyl=130
rm -f "$out/disk.img"
truncate -s $((cyl * 16 * 63 * 512)) "$out/disk.img"

# Bochs' settings, and why:
#  - rfb with timeout=0: Debian's bochs has no display-less GUI; this one
#    waits for no VNC client.
#  - ips: emulated instructions per emulated second; with sync=none the
#    guest's clock follows emulated instructions, not the host's clock,
#    so a loaded host slows L1 down but does not make its timers fire in
#    bursts.
#  - ignore_bad_msrs and error: action=ignore: kvm_intel touches MSRs
#    Bochs does not emulate (0x1d9, DEBUGCTL, on every exit); each would
#    log a line.
#  - speaker off: the speaker's ALSA output aborts Bochs without a card.
cat > "$out/bochsrc" <<EOF
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$cpu, count=1, ips=$ips, reset_on_triple_fault=1, ignore_bad_msrs=1
memory: guest=768, host=768
pci: enabled=1, chipset=i440fx
clock: sync=none, time0=local
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path="$out/boot.iso", status=inserted
ata0-slave: type=disk, path="$out/disk.img", mode=flat, cylinders=$cyl, heads=16, spt=63
boot: cdrom
com1: enabled=1, mode=file, dev="$out/serial"
log: $out/bochs.log
panic: action=fatal
error: action=ignore
info: action=report
debug: action=ignore${BOCHS_DEBUG:+, $BOCHS_DEBUG}
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
mouse: enabled=0
EOF
# Debian's bochs has its debugger built in: tell it to run, then quit.
printf 'c\nquit\n' > "$out/dbg.rc"

# One lab at a time, machine-wide, in the order they came.
. "$repo/tests/lab/lab-lock.sh"
lab_lock

start=$(date +%s)
: > "$out/serial"
(cd "$out" && exec timeout --signal=KILL "$timeout" bochs -q -f bochsrc \
	-rc dbg.rc < /dev/null > bochs.out 2>&1) &
bochs=$!
trap 'kill $bochs 2>/dev/null || true' EXIT
# L1's console as it comes, its milestones stamped with the wall time.
tail -n +1 -F --pid=$bochs "$out/serial" 2>/dev/null | sed -u 's/\r$//' |
while IFS= read -r line; do
	case "$line" in
	("vmx: up in"*|"vmx: modules loaded"*|"vmx: tests done"*)
		echo "$line (wall $(($(date +%s) - start))s)" ;;
	(*) printf '%s\n' "$line" ;;
	esac
done
rc=0
wait $bochs || rc=$?
# Bochs exits 1 at L1's poweroff (its ACPI "soft power off" panic).
why=
[ "$rc" = 137 ] && why=", killed at the timeout"
echo "vmx lab: Bochs ran $(($(date +%s) - start)) s$why"

mkdir -p "$out/result"
if ! tar -xf "$out/disk.img" -C "$out/result" 2>/dev/null ||
   [ ! -e "$out/result/status" ]; then
	echo "vmx lab: FAIL: no verdict (timeout after ${timeout}s, or L1 crashed); L1's console: $out/serial, Bochs' log: $out/bochs.log" >&2
	tail -n 30 "$out/serial" >&2
	exit 125
fi
status=$(cat "$out/result/status")
if grep -E -n 'WARNING: CPU|BUG:|Oops|general protection fault|Call Trace|scheduling while atomic|possible circular locking|UBSAN:|KASAN:|vmprof.*(leak|refcount)' \
	"$out/result/dmesg" >&2; then
	echo "vmx lab: FAIL: kernel warnings in L1's dmesg ($out/result/dmesg)" >&2
	[ "$status" = 0 ] && status=124
fi
exit "$status"
