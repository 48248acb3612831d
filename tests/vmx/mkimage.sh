#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the boot CD of the VMX lab (tests/vmx/bochs.sh): isolinux, Debian's
# kernel KVER and an initramfs holding everything L1 runs, since Bochs has
# no way to share the host's files.  The initramfs carries busybox, bash,
# the kernel modules (KVM, kvm_intel, and the ATA disk the results leave
# through), vmprof.ko, the lab's programs and guests, and the vmprof tool
# with the shared libraries it and bash link against.  Repository files
# keep their paths under /repo, so that the lab's shell helpers
# (tests/lab/lib.sh) find them as they do in the QEMU lab.
#
# usage: mkimage.sh KVER VMPROF.KO OUT.iso [ENV [CMDLINE]]
#   VMPROF.KO: the module built for KVER (scripts/build-module.sh)
#   ENV: a file of shell exports the suite starts with
#   CMDLINE: more kernel command line
set -euo pipefail

kver=$1
ko=$2
out=$3
env_file=${4:-}
cmdline=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
cd_dir=$work/cd
mkdir -p "$root"/{bin,dev,proc,sys,tmp,out,lib/modules} "$cd_dir/isolinux"

cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod +x "$root/init"

# copy_bin FILE DEST: FILE and the shared libraries it needs, stripped.
copy_bin() {
	local src=$1 dst=$root$2 lib
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
	strip --strip-unneeded "$dst" 2>/dev/null || true
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
		strip --strip-unneeded "$root$lib" 2>/dev/null || true
	done
}

# Modules in load order, dependencies first; built-ins need no file.
declare -A seen
order=()
add_module() {
	local m=$1 d f
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	for d in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do
		add_module "$d"
	done
	f=$(modinfo -k "$kver" -n "$m")
	case "$f" in
	(builtin|"") ;;
	(*.ko.xz) xz -dc "$f" > "$root/lib/modules/$m.ko"; order+=("$m") ;;
	(*) cp "$f" "$root/lib/modules/$m.ko"; order+=("$m") ;;
	esac
}
for m in ata_piix sd_mod kvm_intel; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" > "$root/lib/modules/order"

copy_bin /bin/bash /bin/bash
copy_bin "$repo/tools/vmprof" /repo/tools/vmprof
copy_bin "$repo/tests/lab/build/vmprof-probe" /repo/tests/lab/build/vmprof-probe
for f in kvm-run gt-run; do
	copy_bin "$repo/tests/guest/build/$f" "/repo/tests/guest/build/$f"
done
cp "$repo/tests/guest/build/gt.elf" "$root/repo/tests/guest/build/gt.elf"
mkdir -p "$root/repo/kmod" "$root/repo/tests/lab" "$root/repo/tests/vmx"
strip --strip-debug -o "$root/repo/kmod/vmprof.ko" "$ko"
cp "$repo/tests/lab/lib.sh" "$root/repo/tests/lab/"
cp "$here"/suite.sh "$here"/t-*.sh "$root/repo/tests/vmx/"
# Guest tasks against kvm-run in long mode: the QEMU lab's test, as is.
cp "$repo/tests/lab/t-gtask.sh" "$root/repo/tests/vmx/"
[ -z "$env_file" ] || cp "$env_file" "$root/repo/env"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$cd_dir/initrd.gz"
cp "/boot/vmlinuz-$kver" "$cd_dir/vmlinuz"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
	"$cd_dir/isolinux/"
# mitigations=off: Bochs emulates no speculation, and the mitigations'
# extra instructions cost emulated time on every exit.  tsc_early_khz:
# Bochs' TSC counts emulated instructions, ips of them per emulated second
# (bochs.sh), whatever frequency the CPU model's CPUID claims; believing
# CPUID, L1's clock ran 35 times too slow.
cat > "$cd_dir/isolinux/isolinux.cfg" <<EOF
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0,115200 loglevel=4 mitigations=off panic=-1 $cmdline
EOF
genisoimage -quiet -o "$out.tmp" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table -R -J "$cd_dir"
mv "$out.tmp" "$out"
