# SPDX-License-Identifier: GPL-2.0
# What the rows count: Overhead weighted by period as in perf, VMs of a
# system-wide recording kept apart, the VMM function behind a charged
# sample (issue 15, items 4, 5 and 6).
#
# Sourced by tests/report/run.sh (uses run, pass, fail, gen, jget, $T,
# $G and the fixture addresses).

check_period() {
	local got

	# Equal sample counts, periods 1:9 (e.g. -F adapting the period).
	cat <<EOF_SPEC | gen period
info mode=cpu-switch event=cycles isa=svm pid=4242 vcpus=1 freq=1
sample ctx=guest-kernel rip=$A_COMPUTE count=10 period=1000
sample ctx=guest-kernel rip=$A_IO count=10 period=9000
end
EOF_SPEC
	run report -i "$T/period.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '([(r["symbol"], r["samples"], r["period"], r["percent"]) for r in d["rows"]], d["total_period"], d["format_version"])')
	if [ "$RC" = 0 ] && [ "$got" = '[[["do_io", 10, 90000, 90.0], ["do_compute", 10, 10000, 10.0]], 100000, 2]' ]; then
		pass "period: JSON percent is the share of the period, rows by period"
	else
		fail "period: JSON percent is the share of the period, rows by period" "rc=$RC got $got"
	fi
	run report -i "$T/period.data" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] &&
	   grep -qE "^ +90\.00% +10 +do_io " "$T/out" &&
	   grep -qE "^ +10\.00% +10 +do_compute " "$T/out" &&
	   [ "$(grep -nE 'do_io|do_compute' "$T/out" | head -n 1 | grep -c do_io)" = 1 ]; then
		pass "period: text Overhead is weighted by period, Samples stay counts"
	else
		fail "period: text Overhead is weighted by period" "rc=$RC $(grep -E 'do_io|do_compute' "$T/out" | tr '\n' '|')"
	fi
}

# A system-wide recording of two VMs: VMM 101 (qemu-a) runs the guest of
# guest.elf, VMM 202 (fc) the one of plain.elf (low addresses); both
# have a vCPU 0.
spec_two_vms() {
	cat <<EOF_SPEC
info mode=system event=cycles isa=svm pid=-1 vcpus=4
comm pid=101 qemu-a
comm pid=202 fc
sample ctx=guest-kernel rip=$A_COMPUTE count=30 pid=101 tid=111 vcpu=0
sample ctx=guest-kernel rip=$A_IO count=10 pid=101 tid=112 vcpu=1
sample ctx=guest-kernel rip=$(hex "$PCOMPUTE + 2") count=20 pid=202 tid=211 vcpu=0
sample ctx=guest-kernel rip=$(hex "$PIO + 1") count=5 pid=202 tid=212 vcpu=1
sample ctx=host-kernel host-ip=$A_HOST_RUN count=2 vcpu=0xffffffff
end
EOF_SPEC
}

check_vms() {
	local got syms="--guest-vmlinux 101=$G --guest-vmlinux 202=$T/plain.elf"

	spec_two_vms | gen twovms
	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms --sort vm,sym --format json
	got=$(jget "$T/out" '[(r["vm"], r["symbol"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[[101, "do_compute", 30], [202, "do_compute", 20], [101, "do_io", 10], [202, "do_io", 5], [null, "[unknown]", 2]]' ]; then
		pass "vm: --sort vm keeps the VMs apart; per-VM --guest-vmlinux PID=PATH symbolizes each"
	else
		fail "vm: --sort vm keeps the VMs apart; per-VM --guest-vmlinux PID=PATH" "rc=$RC got $got $(head -c 300 "$T/err")"
	fi
	got=$(jget "$T/out" '[(v["pid"], v["comm"], v["samples"]) for v in d["vms"]]')
	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms
	if [ "$got" = '[[101, "qemu-a", 40], [202, "fc", 25]]' ] &&
	   grep -qx "# vms: 101 qemu-a (40 samples), 202 fc (25 samples)" "$T/out"; then
		pass "vm: the header lists the VMs with their names and samples"
	else
		fail "vm: the header lists the VMs" "json $got text $(grep '^# vms' "$T/out")"
	fi
	run report -i "$T/twovms.data" --guest-vmlinux "$G"
	if [ "$RC" = 1 ] && grep -q "none of the 25 guest kernel samples" "$T/err"; then
		pass "vm: one guest's symbols for both VMs is the error of the VM they do not fit"
	else
		fail "vm: one guest's symbols for both VMs" "rc=$RC $(head -c 300 "$T/err")"
	fi

	local bad="" a
	for a in "--vm 202" "--pid 202" "--comm fc"; do
		# shellcheck disable=SC2086
		run report -i "$T/twovms.data" $syms $a --format json
		got=$(jget "$T/out" '(d["total_samples"], [(r["symbol"], r["samples"]) for r in d["rows"]])')
		[ "$RC" = 0 ] && [ "$got" = '[25, [["do_compute", 20], ["do_io", 5]]]' ] ||
			bad="$bad [$a: rc=$RC $got]"
	done
	if [ -z "$bad" ]; then
		pass "vm: --vm, --pid and --comm keep one VM's samples"
	else
		fail "vm: --vm, --pid and --comm keep one VM's samples" "$bad"
	fi

	# VM names (VM_NAME records, as `vmprof list` names the VMs): --vm
	# takes them as record --vm does, or process ids.
	spec_two_vms | sed '/^comm pid=202/a vm-name pid=202 web-b' | gen named
	bad=""
	for a in "--vm web-b" "--vm 202" "--vm web-b,202"; do
		# shellcheck disable=SC2086
		run report -i "$T/named.data" $syms $a --format json
		got=$(jget "$T/out" '(d["total_samples"], [(v["pid"], v["name"]) for v in d["vms"]])')
		[ "$RC" = 0 ] && [ "$got" = '[25, [[202, "web-b"]]]' ] ||
			bad="$bad [$a: rc=$RC $got]"
	done
	# shellcheck disable=SC2086
	run report -i "$T/named.data" $syms --vm qemu-a --format json
	got=$(jget "$T/out" 'd["total_samples"]')
	[ "$RC" = 0 ] && [ "$got" = 40 ] || bad="$bad [a VM with no name by its comm: rc=$RC $got]"
	# shellcheck disable=SC2086
	run report -i "$T/named.data" $syms
	grep -qx "# vms: 101 qemu-a (40 samples), 202 web-b (fc, 25 samples)" "$T/out" ||
		bad="$bad [header: $(grep '^# vms' "$T/out")]"
	if [ -z "$bad" ]; then
		pass "vm: --vm takes VM names (as record --vm) or process ids; the header names the VMs"
	else
		fail "vm: --vm takes VM names or process ids" "$bad"
	fi
	# shellcheck disable=SC2086
	run report -i "$T/named.data" $syms --vm web-c
	if [ "$RC" = 1 ] && [ ! -s "$T/out" ] &&
	   grep -qx "vmprof: error: $T/named.data: no VM named 'web-c' has samples in the recording (its VMs: qemu-a (pid 101), web-b (pid 202))" "$T/err"; then
		pass "vm: --vm with a name no VM has is an error that lists the VMs, not an empty profile"
	else
		fail "vm: --vm with an unknown name" "rc=$RC $(head -c 300 "$T/err") out=$(head -c 100 "$T/out")"
	fi
	run report -i "$T/named.data" --pid web-b
	if [ "$RC" = 64 ] && grep -q -- "--pid takes process ids, not 'web-b'" "$T/err"; then
		pass "vm: --pid takes process ids only (perf's meaning)"
	else
		fail "vm: --pid takes process ids only" "rc=$RC $(head -c 300 "$T/err")"
	fi

	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms --vcpu 0
	if [ "$RC" = 1 ] && grep -q -- "--vcpu 0: the recording has 2 VMs (VMM pids 101, 202): give one of them with --vm" "$T/err"; then
		pass "vm: --vcpu on a recording of several VMs asks for --vm"
	else
		fail "vm: --vcpu on a recording of several VMs asks for --vm" "rc=$RC $(head -c 300 "$T/err")"
	fi
	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms --vcpu 0 --vm 101 --format json
	got=$(jget "$T/out" '[(r["symbol"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[["do_compute", 30]]' ]; then
		pass "vm: --vcpu with --vm is that VM's vCPU only"
	else
		fail "vm: --vcpu with --vm is that VM's vCPU only" "rc=$RC got $got"
	fi
	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms --sort vcpu --format json
	got=$(jget "$T/out" '(d["sort"], sorted((r["vm"], r["vcpu"], r["samples"]) for r in d["rows"] if r["vm"]))')
	if [ "$RC" = 0 ] && [ "$got" = '[["vm", "vcpu"], [[101, 0, 30], [101, 1, 10], [202, 0, 20], [202, 1, 5]]]' ]; then
		pass "vm: --sort vcpu on several VMs adds the vm key: vCPU 0 of each VM is its own row"
	else
		fail "vm: --sort vcpu on several VMs adds the vm key" "rc=$RC got $got"
	fi
	# shellcheck disable=SC2086
	run report -i "$T/twovms.data" $syms --format folded
	if [ "$RC" = 0 ] && grep -qx "vm:101 qemu-a;guest-kernel;do_compute 30" "$T/out" &&
	   grep -qx "vm:202 fc;guest-kernel;do_compute 20" "$T/out"; then
		pass "vm: stacks name each VM by its COMM record"
	else
		fail "vm: stacks name each VM by its COMM record" "rc=$RC $(head -n 4 "$T/out" | tr '\n' '|')"
	fi
}

check_vmm_sym() {
	local got

	spec_domain auto | gen vmmsym
	run report -i "$T/vmmsym.data" --guest-vmlinux "$G" --sort sym,vmm_sym --format json
	got=$(jget "$T/out" '[(r["vmm_symbol"], r["vmm_dso"], r["samples"], r["vmm_samples"]) for r in d["rows"] if r["symbol"] == "do_io"]')
	if [ "$RC" = 0 ] && [ "$got" = '[["kernel_pio", "[kernel.kallsyms]", 20, 20], [null, null, 10, 0], ["vmm_handle_pio", "fake-vmm", 5, 5], ["svm_handle_exit", "[kvm_amd]", 1, 1]]' ]; then
		pass "vmm_sym: charged samples keep the VMM function that did the work (--sort sym,vmm_sym)"
	else
		fail "vmm_sym: charged samples keep the VMM function that did the work" "rc=$RC got $got"
	fi
	run report -i "$T/vmmsym.data" --guest-vmlinux "$G" --sort sym,vmm_sym
	if grep -qE "^ +[0-9.]+% +20 +20 +IOIO:20 +do_io +guest.elf +guest-kernel +kernel_pio \(\[kernel.kallsyms\]\)" "$T/out"; then
		pass "vmm_sym: the text column shows the VMM function and its dso"
	else
		fail "vmm_sym: the text column shows the VMM function and its dso" "$(grep do_io "$T/out" | head -n 3 | tr '\n' '|')"
	fi
	run report -i "$T/vmmsym.data" --guest-vmlinux "$G" --format folded
	if [ "$RC" = 0 ] &&
	   grep -qx "vm:4242;guest-kernel;do_io;exit:IOIO;kernel_pio 20" "$T/out" &&
	   grep -qx "vm:4242;guest-kernel;do_io;exit:IOIO;vmm_handle_pio 5" "$T/out" &&
	   grep -qx "vm:4242;guest-kernel;do_io 10" "$T/out"; then
		pass "vmm_sym: stacks are VM, guest function, exit reason, VMM function"
	else
		fail "vmm_sym: stacks are VM, guest function, exit reason, VMM function" "$(grep do_io "$T/out" | tr '\n' '|')"
	fi
}

# Many vCPUs running the same function: one wide frame for it, not one
# per vCPU, unless --split-vcpu.
check_svg_order() {
	local n

	{
		echo "info mode=cpu-switch event=cycles isa=svm pid=4242 vcpus=64"
		for n in $(seq 0 63); do
			echo "sample ctx=guest-kernel rip=$A_COMPUTE count=10 vcpu=$n"
		done
		echo end
	} | gen manyvcpus
	run report -i "$T/manyvcpus.data" --guest-vmlinux "$G" --format svg
	n=$(grep -c 'data-n="do_compute" data-s="0" data-v="640"' "$T/out")
	run report -i "$T/manyvcpus.data" --guest-vmlinux "$G" --format svg --split-vcpu
	if [ "$n" = 1 ] && [ "$(grep -c 'data-n="do_compute"' "$T/out")" = 64 ] &&
	   [ "$(grep -c 'data-n="vcpu[0-9]*"' "$T/out")" = 64 ]; then
		pass "svg: 64 vCPUs in one function: one frame of 640 samples; --split-vcpu: 64 frames"
	else
		fail "svg: 64 vCPUs in one function: one frame" "unsplit $n, split $(grep -c 'data-n="do_compute"' "$T/out")"
	fi
}

# What the module says of its own accounting since ABI 1.2: the off-CPU
# part of each exit reason's VMM time, the counters' enabled and running
# times (perf multiplexing them), samples of the VMM's kernel workers
# (vhost, io_uring), threads not profiled, guest registers unreadable.
check_module_accounting() {
	local got

	cat <<EOF_SPEC | gen acct
info mode=domain-switch event=cycles isa=svm pid=4242 vcpus=1
sample ctx=guest-kernel rip=$A_COMPUTE count=60
sample ctx=vmm-kernel host-ip=$A_HOST_RUN count=30 pid=4242 vcpu=0xffffffff flags=worker
sample ctx=vmm-kernel host-ip=$A_HOST_RUN count=10 pid=4242 vcpu=0xffffffff
exit isa=svm reason=0x78 count=100 ns=900000000 offcpu=850000000
exit isa=svm reason=0x7b count=5000 ns=20000000 offcpu=0
exit-stats
stats samples=100 vcpus=1 alive=1 enabled=2000000000 running=1000000000 missed=3
end
EOF_SPEC
	run report -i "$T/acct.data" --guest-vmlinux "$G" --exits
	if [ "$RC" = 0 ] &&
	   grep -qE '^  HLT +0x78 +100 +900\.000 ms +850\.000 ms +9\.000 ms' "$T/out" &&
	   grep -qE '^  IOIO +0x7b +5000 +20\.000 ms +0 ns ' "$T/out" &&
	   grep -q '^# vmm workers: 30\.00% (30): kernel threads doing the VMM' "$T/out" &&
	   grep -q '^# WARNING: the counters counted 50\.0% of the time they were enabled' "$T/out" &&
	   grep -q '^# WARNING: 3 VMM threads started while recording were not profiled' "$T/out"; then
		pass "accounting: off-CPU column, VMM workers, multiplexed counters, missed threads"
	else
		fail "accounting: off-CPU column, VMM workers, multiplexed counters, missed threads" "rc=$RC $(grep -E '^#|HLT|IOIO' "$T/out" | tr '\n' '|')"
	fi
	run report -i "$T/acct.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '(d["worker_samples"], d["time_enabled_ns"], d["time_running_ns"], [(e["reason"], e["vmm_ns"], e["offcpu_ns"]) for e in d["exits"]])')
	if [ "$RC" = 0 ] && [ "$got" = '[30, 2000000000, 1000000000, [["IOIO", 20000000, 0], ["HLT", 900000000, 850000000]]]' ]; then
		pass "accounting: JSON worker_samples, time_enabled_ns, time_running_ns, exits[].offcpu_ns"
	else
		fail "accounting: JSON worker_samples, time_enabled_ns, time_running_ns, exits[].offcpu_ns" "rc=$RC got $got"
	fi

	# A recording of vmprof 0.1: none of it, and no false warning.
	cat <<EOF_SPEC | gen acct0
info mode=domain-switch event=cycles isa=svm pid=4242 vcpus=1
sample ctx=guest-kernel rip=$A_COMPUTE count=60
exit isa=svm reason=0x78 count=100 ns=900000000
exit-stats
stats samples=60 vcpus=1 alive=1 v0=1
end
EOF_SPEC
	run report -i "$T/acct0.data" --guest-vmlinux "$G" --exits
	if [ "$RC" = 0 ] &&
	   grep -qE '^  HLT +0x78 +100 +900\.000 ms +- +9\.000 ms' "$T/out" &&
	   ! grep -qE 'WARNING|vmm workers' "$T/out"; then
		pass "accounting: a vmprof 0.1 file reads, its off-CPU time unknown"
	else
		fail "accounting: a vmprof 0.1 file reads, its off-CPU time unknown" "rc=$RC $(grep -E '^#|HLT' "$T/out" | tr '\n' '|')"
	fi
	run report -i "$T/acct0.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '(d["worker_samples"], d["time_enabled_ns"], [e["offcpu_ns"] for e in d["exits"]])')
	if [ "$RC" = 0 ] && [ "$got" = '[0, null, [null]]' ]; then
		pass "accounting: a vmprof 0.1 file in JSON: nulls for what it does not hold"
	else
		fail "accounting: a vmprof 0.1 file in JSON: nulls" "rc=$RC got $got"
	fi

	# The module could not read guest registers.
	cat <<EOF_SPEC | gen unreadable
info mode=cpu-switch event=cycles isa=vmx pid=4242 vcpus=1
stats samples=0 vcpus=1 alive=1 flags=32
end
EOF_SPEC
	run report -i "$T/unreadable.data"
	if [ "$RC" = 0 ] && grep -q '^# WARNING: guest registers could not be read on the host' "$T/out"; then
		pass "accounting: the report says when guest registers were unreadable"
	else
		fail "accounting: the report says when guest registers were unreadable" "rc=$RC $(grep '^#' "$T/out" | tr '\n' '|')"
	fi
}
