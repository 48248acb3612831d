#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build vmprof.ko for one of the kernels of scripts/kernels.sh, with W=1,
# in a copy of the module's sources under build/kernels/KVER/ (several
# kernels cannot share one Kbuild output directory), and with that
# kernel's own compiler: the trixie root's for the 7.x kernel, run in it
# with the repository bind-mounted at its own path.
#
# usage: build-module.sh [--sparse] NAME
#   --sparse   also run sparse over every source (C=2)
# Prints the build's output; the last line is the path of vmprof.ko.
# Exit status: make's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sparse=
if [ "${1:-}" = --sparse ]; then
	sparse=1
	shift
fi
read -r name kver root < <("$repo/scripts/kernels.sh" "$1")
dir=$repo/build/kernels/$kver
mkdir -p "$dir"
# cp -a keeps the times, so that an unchanged source is not rebuilt.
cp -a "$repo"/{Kbuild,Makefile,dkms.conf,include,kmod,scripts} "$dir/"

in_root() {
	"$repo/scripts/in-root.sh" "$root" "$@"
}

in_root make -C "$dir" KVER="$kver" V=1 module
# KBUILD_CHECKSRC=2 is C=2 set so that it sticks: from 7.x the kernel's
# Makefile turns the check off when its scripts/checker-valid.sh, which
# Debian's header packages do not ship, does not vouch for sparse.
# scripts/sparse.sh is sparse made able to read 7.x headers.
if [ -n "$sparse" ]; then
	in_root make -C "/lib/modules/$kver/build" M="$dir" KBUILD_CHECKSRC=2 \
		CHECK="$repo/scripts/sparse.sh" modules 2>&1 |
		grep -v 'specified, but .* is not available or not up to date'
fi
echo "$dir/kmod/vmprof.ko"
