#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT.cpio.gz - build the initramfs of vmprof's Linux guest.
#
# The guest kernel is Debian's own /boot/vmlinuz-$KVER-amd64; this initramfs
# holds Debian's static busybox, the NIC driver modules of that same kernel
# (e1000 and its dependencies) and an /init that runs the workload named on
# the kernel command line:
#   vmprof.workload=net|cpu|idle   (default idle)
#   vmprof.seconds=N               (default 5)
# See init.sh beside this script for what each workload does and prints.
#
# Environment:
#   KVER     kernel version whose modules to copy (default: the newest
#            version that has both /boot/vmlinuz-KVER and /lib/modules/KVER)
#   ROOT     root file system holding that kernel's modules (default /)
#   BUSYBOX  static busybox binary (default /bin/busybox, Debian's
#            busybox-static)
#   MODULES  driver modules to include, dependencies are added (default
#            e1000, and virtio_pci and virtio_net for the rx workload)
#   LATE_MODULES modules to include but load only when vmprof.late=N says
#            (default dummy)
#   PROGRAMS more (static) programs to put in /bin
#   PERF     a perf binary to put in /bin with the shared libraries it
#            needs, as this machine's dynamic linker finds them (e.g.
#            /usr/bin/perf, Debian's linux-perf), for vmprof.perf=
set -eu

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
modules=${MODULES:-e1000 virtio_pci virtio_net}
base=${ROOT:-/}

# Never hard-code the kernel version: Debian bumps it with every update.
if [ -z "${KVER:-}" ]; then
	for v in $(ls /lib/modules | sort -V); do
		[ -e "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ] && KVER=$v
	done
fi
if [ -z "${KVER:-}" ]; then
	echo "mkinitramfs.sh: no kernel with modules in /lib/modules (apt-get install linux-image-amd64)" >&2
	exit 1
fi
# The initramfs has no libc: busybox must be the static build.
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs.sh: $busybox is not a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
	 "$root/tmp" "$root/root" "$root/etc" "$root/lib/modules"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/init"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
for p in ${PROGRAMS:-}; do
	cp "$p" "$root/bin/"
done
cp "$here/perf-fold.awk" "$root/lib/perf-fold.awk"
if [ -n "${PERF:-}" ]; then
	cp "$PERF" "$root/bin/perf"
	# Each library (and the dynamic linker) at the path ldd names.
	for lib in $(ldd "$PERF" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi

# Resolve module dependencies depth first, so that each order file lists
# every module after the modules it needs.
seen=" "
add_module() {
	case "$seen" in *" $1 "*) return 0 ;; esac
	seen="$seen$1 "
	deps=$(modinfo -b "$base" -k "$KVER" -F depends "$1" | tr ',' ' ')
	for d in $deps; do
		add_module "$d" "$2"
	done
	path=$(modinfo -b "$base" -k "$KVER" -n "$1")
	case "$path" in
	*builtin*) return 0 ;;
	*.ko) cp "$path" "$root/lib/modules/$1.ko" ;;
	*.ko.xz) xz -dc "$path" >"$root/lib/modules/$1.ko" ;;
	*.ko.zst) zstd -qdc "$path" >"$root/lib/modules/$1.ko" ;;
	*.ko.gz) gzip -dc "$path" >"$root/lib/modules/$1.ko" ;;
	*) echo "mkinitramfs.sh: cannot handle module file $path" >&2; exit 1 ;;
	esac
	echo "$1" >>"$root/lib/modules/$2"
}
: >"$root/lib/modules/load.order"
: >"$root/lib/modules/late.order"
for m in $modules; do
	add_module "$m" load.order
done
for m in ${LATE_MODULES-dummy}; do
	add_module "$m" late.order
done
echo "$KVER" >"$root/etc/vmprof-kver"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs.sh: $out for $KVER with modules: $(tr '\n' ' ' <"$root/lib/modules/load.order")"
