#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms.conf works: add, build and install against every installed Debian
# kernel's headers, from a copy of the tree in /usr/src, then remove.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$repo/dkms.conf")
kver=$("$repo/scripts/kver.sh")
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
run "build -k $kver" dkms build -m vmprof -v "$ver" -k "$kver" || {
	cat /var/lib/dkms/vmprof/"$ver"/build/make.log 2>/dev/null | tail -n 30
	exit 1
}
run "install -k $kver" dkms install -m vmprof -v "$ver" -k "$kver" --force || exit 1
ko=$(find "/lib/modules/$kver/updates" -name 'vmprof.ko*' 2>/dev/null | head -n 1)
if [ -n "$ko" ] && modinfo "$ko" | grep -q "^version: *$ver"; then
	echo "PASS: dkms: module installed with version $ver ($ko)"
else
	echo "FAIL: dkms: no vmprof.ko of version $ver under /lib/modules/$kver/updates"
fi
