#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test of vmprof: builds, the tool's tests on fixtures, DKMS, and the
# lab (the module with real KVM guests).  Each check prints "PASS: name" or
# "FAIL: name: why"; the last line is "N passed, N failed".
#
# usage: tests/run.sh [SUITE...]   suites: build report fuzz dkms lab
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
suites=${*:-build report fuzz dkms lab}

# step NAME COMMAND...: run a step; its PASS/FAIL lines count.  A step that
# fails without saying why gets a FAIL line of its own.
step() {
	local name=$1 rc
	shift
	echo "== $name"
	"$@" 2>&1 | tee -a "$log.step"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$log.step"; then
		echo "FAIL: $name: exit status $rc" | tee -a "$log.step"
	fi
	cat "$log.step" >> "$log"
	rm -f "$log.step"
}

build_module() {
	local out
	out=$(make module V=1 2>&1)
	local rc=$?
	if [ $rc != 0 ]; then
		echo "$out" | tail -n 20
		echo "FAIL: build: module: make failed"
	elif grep -q 'warning:' <<< "$out"; then
		grep 'warning:' <<< "$out"
		echo "FAIL: build: module has W=1 warnings"
	else
		echo "PASS: build: module with W=1, no warnings"
	fi
	# sparse: address spaces (__user, __percpu, __rcu) and locking.
	out=$(make -C "$(make -s -f Makefile print-kdir)" M="$repo" C=2 \
		modules 2>&1)
	if [ $? != 0 ] || ! grep -q 'CHECK' <<< "$out" ||
	   grep -E 'warning:|error:|not found' <<< "$out"; then
		echo "FAIL: build: sparse (C=2) reports problems"
	else
		echo "PASS: build: sparse (C=2) clean"
	fi
}

build_others() {
	if make tools >/dev/null; then
		echo "PASS: build: vmprof tool with -Wall -Wextra -Werror"
	else
		echo "FAIL: build: vmprof tool"
	fi
	if make guests >/dev/null; then
		echo "PASS: build: lab programs and guests"
	else
		echo "FAIL: build: lab programs and guests"
	fi
}

# Two boots: every lab test but t_linux in single-threaded TCG, which
# keeps L1 sound under kernel text patching; t_linux, whose L2 Linux
# guest hangs in early boot there, with a TCG thread per vCPU
# (tests/lab/lab.sh says why).  If L1 hangs, lab.sh prints where it was.
lab_suite() {
	local rc
	LAB_SKIP=t_linux tests/lab/lab.sh --timeout 1500 tests/lab/suite.sh
	rc=$?
	LAB_TCG_THREAD=multi LAB_TESTS=t_linux \
		tests/lab/lab.sh --timeout 600 tests/lab/suite.sh || rc=$?
	return "$rc"
}

for s in $suites; do
	case "$s" in
	(build)
		step "build: module" build_module
		step "build: tool, guests" build_others
		;;
	(report)
		step "report: the tool on fixtures" bash tests/report/run.sh
		;;
	(fuzz)
		step "fuzz: data and symbol files" bash tests/fuzz/run.sh
		;;
	(dkms)
		step "dkms" bash tests/dkms.sh
		;;
	(lab)
		step "lab" lab_suite
		;;
	(*)
		echo "tests/run.sh: unknown suite $s" >&2
		exit 64
		;;
	esac
done

passed=$(grep -c '^PASS: ' "$log")
failed=$(grep -c '^FAIL: ' "$log")
if [ "$failed" != 0 ]; then
	echo
	echo "Failed:"
	grep '^FAIL: ' "$log"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" != 0 ]
