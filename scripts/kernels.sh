#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernels vmprof is built and tested against, one line each:
#
#   NAME KVER ROOT
#
# NAME is what LAB_KERNELS= and KERNELS= take; KVER the kernel release;
# ROOT the root file system that holds its image, modules and headers and
# its compiler: / for Debian 12's own kernels, the trixie root (made by
# "scripts/install-deps --trixie DIR") for Debian 13's backports kernel.
#
#   6.1      Debian 12's default kernel (linux-image-amd64)
#   6.12     Debian 12's 6.12 (linux-image-6.12-amd64)
#   6.12-rt  its PREEMPT_RT flavour (linux-image-6.12-rt-amd64)
#   7.x      the newest kernel of Debian 13's backports, in the trixie root
#
# usage: kernels.sh [NAME...]   (default: all of them)
#        kernels.sh --names    the names only, installed or not
# A kernel that is asked for and not installed is an error (exit 1).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
trixie=${VMPROF_TRIXIE_ROOT:-$repo/build/trixie}

# kver_of ADMINDIR PACKAGE: the kernel release a Debian metapackage pulls.
kver_of() {
	dpkg-query --admindir="$1" -W -f='${Depends}' "$2" 2>/dev/null |
		sed -n 's/.*linux-image-\([0-9][^ ,]*\).*/\1/p'
}

line() {
	local name=$1 kver root=/
	case "$name" in
	(6.1) kver=$(kver_of /var/lib/dpkg linux-image-amd64) ;;
	(6.12) kver=$(kver_of /var/lib/dpkg linux-image-6.12-amd64) ;;
	(6.12-rt) kver=$(kver_of /var/lib/dpkg linux-image-6.12-rt-amd64) ;;
	(7.x)
		root=$trixie
		kver=$(kver_of "$root/var/lib/dpkg" linux-image-amd64)
		;;
	(*)
		echo "kernels.sh: unknown kernel $name (known: 6.1 6.12 6.12-rt 7.x)" >&2
		return 1
		;;
	esac
	if [ -z "$kver" ] || [ ! -e "${root%/}/boot/vmlinuz-$kver" ] ||
	   [ ! -d "${root%/}/lib/modules/$kver/build" ]; then
		echo "kernels.sh: kernel $name is not installed (make deps)" >&2
		return 1
	fi
	echo "$name $kver $root"
}

names="6.1 6.12 6.12-rt 7.x"
if [ "${1:-}" = --names ]; then
	echo "$names"
	exit 0
fi
rc=0
for name in ${*:-$names}; do
	line "$name" || rc=1
done
exit $rc
