#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test of vmprof: builds, the tool's tests on fixtures, DKMS, the
# lab (the module with real KVM guests, AMD SVM under QEMU) and the VMX lab
# (Intel VT-x under Bochs: tests/vmx, one boot of about two minutes).  Each check prints "PASS: name" or
# "FAIL: name: why"; the last line is "N passed, N failed".
#
# usage: tests/run.sh [SUITE...]   suites: build report fuzz unwind dkms lab vmx
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
log=$(mktemp)
set_aside=$(mktemp)	# results of lab boots run again (lab_boot)
boot_why=$(mktemp)	# what L1 said as a lab boot failed (lab_boot)
times=
trap 'rm -f "$log" "$set_aside" "$boot_why"' EXIT
suites=${*:-build report fuzz unwind dkms lab vmx}

# step NAME COMMAND...: run a step; its PASS/FAIL lines count.  A step that
# fails without saying why gets a FAIL line of its own.
step() {
	local name=$1 rc start=$SECONDS
	shift
	echo "== $name"
	"$@" 2>&1 | tee -a "$log.step"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$log.step"; then
		echo "FAIL: $name: exit status $rc" | tee -a "$log.step"
	fi
	cat "$log.step" >> "$log"
	rm -f "$log.step"
	times="$times$(printf '  %5d s  %s' $((SECONDS - start)) "$name")
"
}

# build_module NAME: vmprof.ko for one kernel of scripts/kernels.sh, with
# W=1 and no warning, sparse (C=2) clean, and its KVM tracepoint probes
# checked against that kernel's own prototypes (from its BTF).
build_module() {
	local k=$1 out ko hdr
	out=$(scripts/build-module.sh "$k" 2>&1)
	if [ $? != 0 ]; then
		echo "$out" | grep -v '^ ' | tail -n 20
		echo "FAIL: build $k: module: make failed"
		return
	elif grep -q 'warning:' <<< "$out"; then
		grep 'warning:' <<< "$out"
		echo "FAIL: build $k: module has W=1 warnings"
	else
		echo "PASS: build $k: module with W=1, no warnings"
	fi
	ko=$(tail -n 1 <<< "$out")
	hdr=$(dirname "$ko")/generated/kvm_tracepoints.h
	if grep -q '^#define VMPROF_KVM_TP_FROM_BTF' "$hdr" 2>/dev/null; then
		echo "PASS: build $k: kvm_entry/kvm_exit probes checked against the kernel's BTF"
	else
		sed -n 3p "$hdr" 2>/dev/null
		echo "FAIL: build $k: KVM tracepoint prototypes not read from BTF"
	fi
	# sparse: address spaces (__user, __percpu, __rcu) and locking, over
	# every source file.
	out=$(scripts/build-module.sh --sparse "$k" 2>&1)
	if [ $? != 0 ] ||
	   [ "$(grep -cE '^ +CHECK ' <<< "$out")" != "$(ls kmod/*.c | grep -vc '\.mod\.c$')" ] ||
	   grep -E 'warning:|error:|not found' <<< "$out"; then
		echo "FAIL: build $k: sparse (C=2) reports problems or did not run"
	else
		echo "PASS: build $k: sparse (C=2) clean"
	fi
}

build_modules() {
	local k
	for k in ${KERNELS:-$(scripts/kernels.sh --names)}; do
		build_module "$k"
	done
}

# The README's "Supported kernels" table names every kernel of the matrix,
# and says "lab" for exactly the kernels the lab suite boots.
kernel_table() {
	local table k rows
	table=$(sed -n '/^Supported kernels$/,/^Using vmprof/p' README |
		grep -E '^  [0-9][^ ]* ')
	rows=$(awk '{ print $1 }' <<< "$table" | tr '\n' ' ')
	if [ "$rows" != "$(scripts/kernels.sh --names) " ]; then
		echo "FAIL: build: README's kernel table ($rows) is not scripts/kernels.sh's ($(scripts/kernels.sh --names))"
		return
	fi
	for k in $(scripts/kernels.sh --names); do
		case " $LAB_DEFAULT_KERNELS " in
		(*" $k "*) grep -qE "^  $k .*lab" <<< "$table" || {
			echo "FAIL: build: README says no lab for $k, which the lab suite boots"
			return; } ;;
		(*) ! grep -qE "^  $k .*lab" <<< "$table" || {
			echo "FAIL: build: README claims a lab for $k, which the lab suite does not boot"
			return; } ;;
		esac
	done
	echo "PASS: build: README's kernel table matches the build and lab matrix"
}

build_others() {
	if make tools >/dev/null; then
		echo "PASS: build: vmprof tool with -Wall -Wextra -Werror"
	else
		echo "FAIL: build: vmprof tool"
	fi
	# The same vmprof program serves every kernel: it must find its
	# libraries in every root a lab kernel boots with.
	local name kver root
	while read -r name kver root; do
		if scripts/in-root.sh "$root" "$PWD/tools/vmprof" --version \
			>/dev/null; then
			echo "PASS: build: the vmprof program runs in $name's root ($root)"
		else
			echo "FAIL: build: the vmprof program does not run in $name's root ($root)"
		fi
	done < <(scripts/kernels.sh | sort -u -k3,3)
	if make guests >/dev/null; then
		echo "PASS: build: lab programs and guests"
	else
		echo "FAIL: build: lab programs and guests"
	fi
}

# The first line of a kernel complaint on L1's console: an oops, a BUG or
# WARNING, a panic, a hung task, an RCU stall (a call trace follows each).
KERNEL_COMPLAINT='BUG:|Oops|general protection|WARNING:|Kernel panic|INFO: task|rcu: INFO'

# The lab tests that run an L2 Linux guest, which needs a TCG thread per
# vCPU.
LAB_L2_LINUX="t_linux t_introspect t_vhost t_smp t_linuxcallchain"

# lab_boot KERNEL TCG TIMEOUT TESTS...: one lab boot of KERNEL running the
# lab tests TESTS ("all-but-linux": every one but those of LAB_L2_LINUX),
# its PASS and FAIL lines tagged with the kernel.  A boot that fails
# without a FAIL line (a hang: lab.sh prints where L1 was) gets one.
lab_boot() {
	local k=$1 tcg=$2 timeout=$3 rc out start=$SECONDS took waited try
	shift 3
	out=$(mktemp)
	# Multi-threaded TCG froze L1 while vmprof hooked KVM's functions
	# with ftrace (a vCPU in kvm_wait_lapic_expire at the int3 of the
	# patch): those boots run without the hooks (kmod/hooks.c).
	[ "$tcg" = multi ] && export LAB_VMPROF_ARGS=entry_exit_ftrace=0
	[ "$tcg" = multi ] || unset LAB_VMPROF_ARGS
	# Up to three boots: in one full run 7.x's t_linux froze (a lost
	# IPI: a CPU halted with interrupts on never ran perf's cross-call)
	# and, booted again, triple-faulted, both before any result.
	for try in 1 2 3; do
		if [ "$*" = all-but-linux ]; then
			LAB_SKIP="$LAB_L2_LINUX" LAB_TCG_THREAD=$tcg \
				tests/lab/lab.sh \
				--kernel "$k" --timeout "$timeout" tests/lab/suite.sh
		else
			LAB_TESTS="$*" LAB_TCG_THREAD=$tcg tests/lab/lab.sh \
				--kernel "$k" --timeout "$timeout" tests/lab/suite.sh
		fi 2>&1 | sed -u "s/^\(PASS\|FAIL\): /\1: [$k] /" | tee "$out"
		rc=${PIPESTATUS[0]}
		# Under multi-threaded TCG, L1 now and then crashes in its own
		# boot, before any test and without vmprof (an int3 of a
		# static key's patch executed after the patch: a stale
		# translation, docs/reliability.md).  That is the emulator's,
		# not a test result: one more boot, said so.
		[ "$rc" != 0 ] && [ "$try" != 3 ] || break
		if ! grep -q '^== t_' "$out"; then
			echo "lab: [$k] L1 died in its own boot, before the first test: booting it again"
			continue
		fi
		# It also ended, rarely, in the middle of an L2 Linux guest's
		# test without a word from its kernel (no oops, no panic: a
		# triple fault or QEMU itself, lab.sh says which), or with the
		# mark of a stale translation: an oops on an INT3, which only
		# text_poke_bp() plants and which a CPU meets after the patch
		# only under this emulator.  Any other oops, and any failure
		# before, is a result.  The boot's results so far are set
		# aside, not counted, and it runs again.
		# So is a death of L1, whatever its kernel said, before vmprof
		# had its first session: until then the module hooks nothing
		# (seen: "corrupted stack end" in the L2 guest's QEMU while that
		# guest still booted).
		[ "$rc" = 125 ] && [ "$tcg" = multi ] &&
		! grep -q '^FAIL: ' "$out" &&
		{ grep -q '^lab: L1 died before vmprof had its first session' "$out" ||
		  ! grep -E "$KERNEL_COMPLAINT" "$out" |
			grep -vEq 'Oops: int3|panic - not syncing: Fatal exception'; } ||
			break
		grep -E '^(PASS|FAIL): ' "$out" >> "$set_aside"
		echo "lab: [$k] L1 ended with no verdict under multi-threaded TCG, silently, on an INT3 oops or before vmprof's first session: its $(grep -cE '^(PASS|FAIL): ' "$out") results above are set aside; booting it again"
	done
	if [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$out"; then
		echo "FAIL: [$k] lab boot ($*): exit status $rc"
	fi
	# The end of the log is what a reader of CI sees first: the boot's
	# own verdict and the kernel's first complaint go there too.
	if [ "$rc" != 0 ]; then
		{
			echo "[$k] lab boot ($*), exit status $rc:"
			grep '^lab: ' "$out"
			awk -v complaint="$KERNEL_COMPLAINT" '
			     $0 ~ complaint && !seen { seen = 1; n = 25 }
			     n > 0 { print; n-- }' "$out"
		} | head -n 60 | sed 's/^/  /' >> "$boot_why"
	fi
	# The boot's own time, without the wait for the lab lock (lab.sh).
	read -r took waited < <(sed -n 's/^lab: .*: \([0-9]*\) s, after \([0-9]*\) s waiting.*/\1 \2/p' "$out" | tail -n 1)
	printf 'TIME: %5d s    lab %s, %s TCG: %s (%s s waiting for the lab)\n' \
		"${took:-$((SECONDS - start))}" "$k" "$tcg" "$*" "${waited:-?}"
	rm -f "$out"
}

# lab_boots_multi KERNEL TIMEOUT TESTS...: a boot with a TCG thread per
# vCPU for each test: under it, L1 froze or crashed (a stale translation
# of patched kernel text, docs/reliability.md) more often the more times
# one boot loaded the module and registered its probes.
lab_boots_multi() {
	local k=$1 timeout=$2 t
	shift 2
	for t in "$@"; do
		lab_boot "$k" multi "$timeout" "$t"
	done
}

# Each kernel boots once for every lab test but those with an L2 Linux
# guest, in single-threaded TCG, which keeps L1 sound under kernel text
# patching, and once for each of those (their L2 Linux guest hangs in
# early boot there) with a TCG thread per vCPU (tests/lab/lab.sh says
# why).  By default Debian 12's 6.1 runs
# every test and the other kernels the essential ones (the module tests,
# the ground-truth guest in both modes, a Linux guest; on 6.12 and 7.x
# also which threads are profiled, guest call chains
# (LAB_CALLCHAIN=quick: what depends on the host kernel) and the vhost
# datapath, whose worker changed kind in 6.4; on 6.12 the guest-task
# reader and, with 5-level paging, the introspection of that Linux guest);
# LAB_KERNELS="6.12 7.x" runs every test on the kernels it names.
LAB_DEFAULT_KERNELS="6.1 6.12 6.12-rt 7.x"
LAB_CPU_LA57=EPYC,+svm,+npt,+la57
lab_suite() {
	local k
	if [ -n "${LAB_KERNELS:-}" ]; then
		for k in $LAB_KERNELS; do
			lab_boot "$k" single 1800 all-but-linux
			lab_boots_multi "$k" 900 $LAB_L2_LINUX
		done
		return
	fi
	lab_boot 6.1 single 1800 all-but-linux
	lab_boots_multi 6.1 900 $LAB_L2_LINUX
	# 6.12's Linux guests run 5-level paging (L1's CPU has la57, L2 gets
	# -cpu host): the introspection in both paging modes, and on a second
	# guest kernel layout (pcpu_hot.current_task).
	LAB_CALLCHAIN=quick lab_boot 6.12 single 1200 t_module t_gt t_threads \
		t_gtask t_callchain
	LAB_CPU=$LAB_CPU_LA57 lab_boots_multi 6.12 900 t_linux t_introspect \
		t_vhost
	# 6.12-rt shares 6.12's KVM and perf code: what differs is
	# preemption (the probes and the overflow handler under PREEMPT_RT).
	# (t_threads took 5 minutes there, against 1 on 6.1.)
	lab_boot 6.12-rt single 900 t_module t_gt
	lab_boots_multi 6.12-rt 900 t_linux
	LAB_CALLCHAIN=quick lab_boot 7.x single 900 t_module t_gt t_threads \
		t_callchain
	lab_boots_multi 7.x 900 t_linux t_vhost
}

for s in $suites; do
	case "$s" in
	(build)
		step "build: module, every kernel" build_modules
		step "build: supported kernels table" kernel_table
		step "build: tool, guests" build_others
		step "build: the bench's instruction-counting QEMU plugin" \
			bash tests/icount/run.sh
		;;
	(report)
		step "report: the tool on fixtures" bash tests/report/run.sh
		;;
	(fuzz)
		step "fuzz: data and symbol files" bash tests/fuzz/run.sh
		;;
	(unwind)
		step "unwind: guest stacks copied through QEMU's gdbstub" \
			bash tests/unwind/run.sh
		;;
	(dkms)
		step "dkms" bash tests/dkms.sh
		;;
	(lab)
		step "lab" lab_suite
		;;
	(vmx)
		step "vmx: Intel VT-x under Bochs" tests/vmx/check.sh
		;;
	(*)
		echo "tests/run.sh: unknown suite $s" >&2
		exit 64
		;;
	esac
done

passed=$(($(grep -c '^PASS: ' "$log") - $(grep -c '^PASS: ' "$set_aside")))
failed=$(($(grep -c '^FAIL: ' "$log") - $(grep -c '^FAIL: ' "$set_aside")))
if [ "$failed" != 0 ]; then
	echo
	echo "Failed:"
	# Each set-aside line once, not the same line of the boot after it.
	# (FILENAME, not NR == FNR: the set-aside file is most often empty.)
	awk 'FILENAME == ARGV[1] { aside[$0]++; next }
	     /^FAIL: / { if (aside[$0]-- > 0) next; print }' "$set_aside" "$log"
fi
if [ -s "$boot_why" ]; then
	echo
	echo "Lab boots that failed, in L1's words:"
	cat "$boot_why"
fi
if [ -s "$set_aside" ]; then
	echo
	echo "Set aside (a lab boot that ended with no verdict, booted again):"
	sed 's/^/  /' "$set_aside"
fi
echo
echo "How long each part took:"
printf '%s' "$times"
grep '^TIME: ' "$log" | sed 's/^TIME://'
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" != 0 ]
