#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms.conf works: add once, then build and install against every kernel
# of the matrix whose headers are installed on this host (6.1, 6.12,
# 6.12-rt: scripts/kernels.sh; the 7.x kernel lives in the Debian 13 root,
# which has no DKMS), from a copy of the tree in /usr/src, then remove.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$repo/dkms.conf")
kvers=$("$repo/scripts/kernels.sh" 6.1 6.12 6.12-rt | awk '$3 == "/" { print $2 }')
src=/usr/src/vmprof-$ver

cleanup() {
	dkms remove -m vmprof -v "$ver" --all >/dev/null 2>&1
	rm -rf "$src"
}
cleanup
trap cleanup EXIT

mkdir -p "$src"
cp -r "$repo"/{Kbuild,Makefile,dkms.conf,include,kmod,scripts} "$src/"
make -C "$src" clean-module >/dev/null

run() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "PASS: dkms: $name"
	else
		echo "$out" | tail -n 30
		echo "FAIL: dkms: $name"
		return 1
	fi
}
run "add" dkms add -m vmprof -v "$ver" || exit 1
for kver in $kvers; do
	run "build -k $kver" dkms build -m vmprof -v "$ver" -k "$kver" || {
		tail -n 30 /var/lib/dkms/vmprof/"$ver"/build/make.log 2>/dev/null
		continue
	}
	run "install -k $kver" dkms install -m vmprof -v "$ver" -k "$kver" --force ||
		continue
	ko=$(find "/lib/modules/$kver/updates" -name 'vmprof.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ] && modinfo "$ko" | grep -q "^version: *$ver"; then
		echo "PASS: dkms: module installed for $kver with version $ver"
	else
		echo "FAIL: dkms: no vmprof.ko of version $ver under /lib/modules/$kver/updates"
	fi
done
