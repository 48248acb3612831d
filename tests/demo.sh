#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the lab, profile a Linux guest in both modes, print the
# reports.  The full reports stay in tests/lab/build/demo/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
echo "vmprof demo: booting the lab (Debian's kernel under QEMU with AMD SVM, about 10 s)"
out=$repo/tests/lab/build/demo
rm -rf "$out"
# The demo's Linux guest needs a TCG thread per vCPU (tests/lab/lab.sh).
LAB_TCG_THREAD=${LAB_TCG_THREAD:-multi} exec "$repo/tests/lab/lab.sh" --timeout 300 --out "$out" "$repo/tests/lab/demo.sh"
