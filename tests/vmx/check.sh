#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-vmx: vmprof on Intel VT-x.  One boot of the VMX lab
# (bochs.sh runs suite.sh in Debian's kernel under Bochs with kvm_intel),
# then, on the host, the reports of the ground-truth guest it recorded,
# checked against gt's construction: the 4:2:1 split in both modes, the
# I/O function's domain-switch share with its IO_INSTRUCTION exits, the
# KASLR offset found from the guest's LSTAR, exit reasons named in VMX
# terms.  Each check prints "PASS: name" or "FAIL: name: why".
#
# usage: tests/vmx/check.sh [--out DIR]   (VMX_TIMEOUT: seconds, default 1200)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=
if [ "${1:-}" = --out ]; then
	out=$2
else
	mkdir -p "$repo/tests/vmx/build"
	out=$(mktemp -d "$repo/tests/vmx/build/run.XXXXXX")
fi
vmprof=$repo/tools/vmprof
gt_elf=$repo/tests/guest/build/gt.elf
checks=$repo/tests/lab/report-checks.py

"$here/bochs.sh" --timeout "${VMX_TIMEOUT:-1200}" --out "$out"
rc=$?
[ "$rc" = 125 ] && exit "$rc"

gt=$out/result/gt
if [ ! -s "$gt/cpu.data" ] || [ ! -s "$gt/dom.data" ]; then
	echo "FAIL: vmx gt: no recordings came back from the lab"
	exit 1
fi
for m in cpu dom; do
	"$vmprof" report -i "$gt/$m.data" --guest-vmlinux "$gt_elf" \
		--format json > "$gt/$m.json" || rc=1
	"$vmprof" report -i "$gt/$m.data" --guest-vmlinux "$gt_elf" \
		--exits > "$gt/$m.txt" || rc=1
	sed 's/^/  /' "$gt/$m.txt" | head -n 30
done
python3 "$checks" gt "$gt/cpu.json" "$gt/dom.json" \
	"$repo/tests/guest/gt/gt.c" || rc=1
slide=$(cat "$gt/slide")
for m in cpu dom; do
	python3 "$checks" kaslr "$gt/$m.json" "$slide" || rc=1
done
python3 "$checks" vmx-exits "$gt/dom.json" || rc=1
exit "$rc"
