#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the lab host's (L1's) initramfs: busybox, the 9p and virtio modules
# that let it mount the host's root, and init.  Everything else L1 runs
# comes from the host over 9p, so the image stays small and is rebuilt only
# when the kernel or init changes.
#
# usage: mkinitramfs.sh KVER OUT.cpio.gz [ROOT]
# ROOT holds the kernel's modules (default /).
set -euo pipefail

kver=$1
out=$2
base=${3:-/}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,host,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod +x "$root/init"

# Modules in load order, dependencies first; built-ins need no file.
declare -A seen
order=()
add_module() {
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	for d in $(modinfo -b "$base" -k "$kver" -F depends "$m" | tr ',' ' '); do
		add_module "$d"
	done
	local f
	f=$(modinfo -b "$base" -k "$kver" -n "$m")
	# busybox's insmod takes uncompressed modules only.
	case "$f" in
	(*builtin*|"") return ;;
	(*.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
	(*.ko.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
	(*.ko.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
	(*.ko.gz) gzip -dc "$f" > "$root/lib/modules/$m.ko" ;;
	(*) echo "mkinitramfs.sh: cannot handle module file $f" >&2; exit 1 ;;
	esac
	order+=("$m")
}
for m in virtio_pci 9pnet_virtio 9p; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" > "$root/lib/modules/order"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
