# SPDX-License-Identifier: GPL-2.0
# vmprof on Intel VT-x, inside the VMX lab (tests/vmx/bochs.sh: Bochs, an
# Intel CPU model with EPT and unrestricted guest, kvm_intel): the VMREAD
# fault path, samples and exit statistics against kvm-run guests, and the
# ground-truth guest gt.elf (run by gt-run, moved by a random slide and
# telling it through MSR_LSTAR) recorded with the real vmprof tool in both
# modes.  The recordings go back to the host in $LAB_OUT/gt, where
# tests/vmx/check.sh reports them and checks the reports.  Sourced by
# tests/vmx/suite.sh.

GT_RUN=$GUEST_BUILD/gt-run
VMREAD_TEST=/sys/kernel/debug/vmprof/vmread
# VMX basic exit reasons (Intel SDM vol. 3, appendix C).
VMX_EXIT_EXTERNAL_INTERRUPT=0x1
VMX_EXIT_IO_INSTRUCTION=0x1e

t_vmx() {
	echo "  $(grep -m 1 '^model name' /proc/cpuinfo)"
	echo "  $(grep -m 1 '^vmx flags' /proc/cpuinfo)"
	local p params=
	for p in ept unrestricted_guest enable_shadow_vmcs nested; do
		params="$params $p=$(cat /sys/module/kvm_intel/parameters/$p 2>/dev/null)"
	done
	echo "  kvm_intel:$params"
	check "vmx: kvm_intel loaded" test -d /sys/module/kvm_intel
	check "vmx: insmod vmprof" insmod "$VMPROF_KO"
	check "vmx: the module found Intel VMX" \
		bash -c "dmesg | grep -q 'vmprof: version .* Intel VMX'"
	t_vmx_vmread "no VM yet"
	t_vmx_kvm_run
	t_vmx_gt
	t_vmx_cr3 "EPT"
	t_vmx_vmread "every VM gone"
	t_vmx_shadow
	check "vmx: objects all zero" wait_objects_zero
	check "vmx: rmmod vmprof" rmmod vmprof
}

# t_vmx_vmread WHEN: the debugfs self-test runs one VMREAD on this CPU
# with no vCPU loaded by vmprof.  With no VM, the CPU is outside VMX
# operation on 6.1 (KVM enters it when the first VM is created), so the
# VMREAD raises #UD: the exception fixup must turn that into a failed read;
# kernels that enter VMX operation at load fail it without a fault.
t_vmx_vmread() {
	local out
	out=$(cat "$VMREAD_TEST")
	echo "  vmread self-test, $1: $out"
	check "vmread self-test, $1: VMREAD failed and was caught ($out)" \
		grep -q 'vmread=failed' <<< "$out"
}

# The checks of t_module (tests/lab/t-module.sh) that depend on the ISA,
# against a kvm-run guest: its real-mode loop is the only guest code, and
# its OUT the only port-I/O exit.
t_vmx_kvm_run() {
	local out range n
	start_kvm_run g -s 600 -i 200000
	range="$g_code_start:$g_code_end"

	out=$("$PROBE" -m cpu -p "$g_pid" -d 2 -r "$range" -i "$g_io_rip")
	echo "$out" | sed 's/^/  cpu: /'
	n=$(kv samples "$out")
	check "vmx cpu-switch: samples arrive ($n)" test "${n:-0}" -gt 50
	check "vmx cpu-switch: the recording says ISA VMX" \
		test "$(kv isa "$out")" = 1
	check "vmx cpu-switch: every guest RIP (VMREAD GUEST_RIP) in the guest's loop" \
		test "$(kv in_range "$out")" = "$n" -a "$(kv out_range "$out")" = 0
	check "vmx cpu-switch: no VMM samples" \
		test "$(kv vmm_kernel "$out")" = 0 -a "$(kv vmm_user "$out")" = 0
	check "vmx cpu-switch: exit statistics count IO_INSTRUCTION exits" \
		grep -Eq "exit reason=$VMX_EXIT_IO_INSTRUCTION count=[1-9][0-9]* vmm_ns=[1-9]" <<< "$out"
	check "vmx cpu-switch: exit statistics count EXTERNAL_INTERRUPT exits (the host's timer)" \
		grep -Eq "exit reason=$VMX_EXIT_EXTERNAL_INTERRUPT count=[1-9]" <<< "$out"

	# The VMREAD test while a VM runs on this (only) CPU: KVM leaves the
	# vCPU's VMCS current when its thread sleeps, so the read may succeed
	# and see that vCPU's last exit: what vmprof's hooks rule out by
	# reading only on the vCPU's own thread (kmod/hooks.c).  Shown, not
	# checked; the kernel must not mind either way.
	echo "  vmread self-test, a VM running: $(cat "$VMREAD_TEST")"

	out=$("$PROBE" -m domain -p "$g_pid" -d 2 -r "$range" -i "$g_io_rip")
	echo "$out" | sed 's/^/  domain: /'
	check "vmx domain-switch: VMM samples arrive" \
		test $(( $(kv vmm_kernel "$out") + $(kv vmm_user "$out") )) -gt 5
	check "vmx domain-switch: IO_INSTRUCTION exits charged to the out instruction" \
		test "$(kv exit_io_at_rip "$out")" -gt 0
	check "vmx domain-switch: no IO_INSTRUCTION exit at another RIP" \
		test "$(kv exit_io_other_rip "$out")" = 0
	check "vmx domain-switch: guest RIPs still in the loop" \
		test "$(kv out_range "$out")" = 0

	out=$("$PROBE" -m system -d 1 -r "$range" -T "$g_pid")
	echo "$out" | sed 's/^/  system: /'
	check "vmx system-wide: guest samples in the loop" \
		test "$(kv guest_kernel "$out")" -gt 10 -a "$(kv out_range "$out")" = 0
	# The guest holds Bochs's only CPU nearly all the time: the host's
	# share is a dozen samples a second, in its kernel or in the probe.
	check "vmx system-wide: host samples too" \
		test $(( $(kv host_kernel "$out") + $(kv host_user "$out") )) -gt 0
	kill -9 "$g_pid"
	wait "$g_pid" 2>/dev/null
}

# gt.elf under gt-run, recorded by the vmprof tool.  The domain-switch
# recording starts before the guest's first instruction (gt-run --wait),
# so that it sees the EPT violations of the guest's first touch of each
# page and the MSR write of LSTAR too.  scale=200000 makes a round about
# 0.15 s of Bochs; io=400 (800 exits to gt-run, about 33 us each) makes
# the I/O function's exits about a seventh of it, so that its
# domain-switch share stands out (with the QEMU lab's io=40 it was 1.6%).
t_vmx_gt() {
	local d=$LAB_OUT/gt log pid rec freq=${GT_FREQ:-4000}
	local secs=${GT_SECONDS:-5}
	mkdir -p "$d"
	log=$d/gt-run.log
	"$GT_RUN" --slide random --wait "$GT_ELF" \
		"rounds=0 scale=${GT_SCALE:-200000} io=${GT_IO:-400} quiet=1 lstar=1" \
		> "$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" 'waiting for SIGUSR1' 100; then
		fail "gt: gt-run did not start: $(cat "$log")"
		return
	fi
	sed -n 's/.*slide=\(0x[0-9a-f]*\).*/\1/p' "$log" > "$d/slide"
	"$VMPROF" record -q -p "$pid" -F "$freq" -d "$secs" --switch domain \
		-o "$d/dom.data" > "$d/dom.out" 2>&1 &
	rec=$!
	if wait_for_line "$OBJECTS" '^enabled 1' 300; then
		pass "gt: domain-switch recording enabled before the guest runs"
	else
		fail "gt: the recorder did not start: $(cat "$d/dom.out")"
	fi
	kill -USR1 "$pid"
	check "gt: record domain-switch (from the guest's first instruction)" \
		wait "$rec"
	check "gt: the guest runs its rounds" \
		wait_for_line "$log" 'GT round 1 done' 300
	check "gt: record cpu-switch" "$VMPROF" record -q -p "$pid" -F "$freq" \
		-d "$secs" -o "$d/cpu.data"
	check "gt: gt-run still running after both recordings" kill -0 "$pid"
	kill "$pid"
	wait "$pid" 2>/dev/null
	head -n 3 "$log" | sed 's/^/  /'
}

# t_vmx_cr3 LABEL: gt loads a CR3 of its own (cr3=), which every guest
# sample must carry.  With EPT the VMCS holds the guest's CR3; with shadow
# paging it holds KVM's page table root, and the guest's value is KVM's
# copy (kmod/guest_state.c).
t_vmx_cr3() {
	local out log pid n cr3=0x5a5a5000
	log=$(mktemp)
	"$GT_RUN" "$GT_ELF" "rounds=0 scale=20000 io=4 quiet=1 cr3=$((cr3))" \
		> "$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" 'GT round 1 done' 300; then
		fail "cr3, $1: gt did not start: $(cat "$log")"
		kill "$pid"
		return
	fi
	out=$("$PROBE" -m cpu -p "$pid" -d 2 -C "$cr3")
	echo "$out" | grep -E 'samples|cr3' | sed "s/^/  cr3, $1: /"
	n=$(kv guest_kernel "$out")
	check "cr3, $1: every guest sample carries the guest's CR3 ($(kv cr3_match "$out") of $n)" \
		test "${n:-0}" -gt 20 -a "$(kv cr3_match "$out")" = "$n"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# kvm_intel again with ept=0: shadow paging, and no unrestricted guest, so
# KVM runs kvm-run's real-mode code in virtual-8086 mode.
t_vmx_shadow() {
	local out n
	check "shadow paging: rmmod kvm_intel" rmmod kvm_intel
	check "shadow paging: insmod kvm_intel ept=0" \
		insmod /lib/modules/kvm_intel.ko ept=0
	echo "  kvm_intel: ept=$(cat /sys/module/kvm_intel/parameters/ept) unrestricted_guest=$(cat /sys/module/kvm_intel/parameters/unrestricted_guest)"
	t_vmx_cr3 "shadow paging"
	start_kvm_run s -s 600 -i 200000
	out=$("$PROBE" -m cpu -p "$s_pid" -d 2 -r "$s_code_start:$s_code_end")
	echo "$out" | sed 's/^/  shadow: /'
	n=$(kv samples "$out")
	check "shadow paging: kvm-run's samples in its loop ($(kv in_range "$out") of $n)" \
		test "${n:-0}" -gt 20 -a "$(kv in_range "$out")" = "$n"
	check "shadow paging: real mode is guest kernel, not user" \
		test "$(kv guest_user "$out")" = 0
	kill -9 "$s_pid"
	wait "$s_pid" 2>/dev/null
}
