# SPDX-License-Identifier: GPL-2.0
# Which guest task each sample ran, against a ground truth: kvm-run in
# long mode (-L; -5 too when L1's CPU has la57) lays its memory out like
# Linux's (a kernel text address on 4 KiB pages, %gs at a per-CPU area in
# a direct map of 2 MiB pages, a current-task pointer that switches
# between two fake task structs, reached through a 1 GiB page, after every
# I/O exit).  vmprof-probe attaches with VMPROF_ATTACH_GUEST_TASK and the
# offsets kvm-run prints: every guest sample must carry one of its vCPU's
# two tasks, every task must be met, each with a GUEST_TASK record of its
# comm, and VMPROF_IOC_GUEST_READ must read a comm back through the
# guest's page tables.  Then two VMs in one VMM (kvm-run --vms 2), whose
# samples must each carry a task of their own VM.  With nested paging,
# then with shadow paging (kvm_amd npt=0, kvm_intel ept=0).  No Linux guest: it runs in the
# single-threaded TCG boot, and in the VMX lab (tests/vmx/mkimage.sh packs
# it).

# gtask_check LEVELS PROBE-OUTPUT KVM-RUN-OUTPUT
gtask_check() {
	local lv=$1 out=$2 kout=$3 n g none tid pid vcpu b comm ok=1 want
	n=$(kv guest_kernel "$out")
	g=$(kv gtask_samples "$out")
	none=$(kv gtask_none "$out")
	check "gtask $lv: guest samples arrive ($n)" test "${n:-0}" -gt 50
	check "gtask $lv: every guest RIP in the loop" \
		test "$(kv out_range "$out")" = 0
	# The first samples of a vCPU can come before the exit that lets
	# vmprof trust its VMCB (AMD): allow 2%.
	check "gtask $lv: guest samples carry a guest task ($g of $n, $none without)" \
		test "${g:-0}" -ge $(( n - n / 50 )) -a "${g:-0}" -gt 0
	check "gtask $lv: the session says it reads guest tasks" \
		test $(( $(kv info_flags "$out") & 8 )) = 8
	# Each vCPU v runs tid 1000+2v and 1001+2v of process 500+v.
	while read -r _ vcpu tid pid comm _; do
		vcpu=${vcpu#vcpu=}; tid=${tid#tid=}; pid=${pid#pid=}
		comm=${comm#comm=}
		if ! grep -q "^gtask tid=$tid pid=$pid samples=[1-9]" <<< "$out"; then
			ok=0; echo "  no samples of task $tid (process $pid)"
		fi
		if ! grep -q "^gtask_record tid=$tid pid=$pid vcpu=$vcpu comm=$comm\$" <<< "$out"; then
			ok=0; echo "  no GUEST_TASK record of $tid as $comm on vCPU $vcpu"
		fi
	done < <(grep '^task ' "$kout")
	want=$(grep -c '^task ' "$kout")
	check "gtask $lv: all $want tasks met, with their pids and comms" \
		test "$ok" = 1
	check "gtask $lv: no other task" \
		test "$(grep -c '^gtask tid=' <<< "$out")" = "$want"
	b=$(kv read "$out")
	check "gtask $lv: GUEST_READ reads a comm through the page tables ($b)" \
		test "$b" = kvmrun-a0
}

# gtask_two_vms WHAT: two VMs in one VMM (kvm-run --vms 2), laid out and
# set up alike, so that KVM counts the same memslot generations for both;
# each has its own tasks.  Samples of each VM must carry its own tasks:
# one VM's read through the other's memslot copy would carry the other's.
# Domain-switch: a cpu-switch session follows one thread per vCPU index.
gtask_two_vms() {
	local what=$1 out line ok=1 vcpu tid pid comm want
	start_kvm_run gk -L --vms 2 -n 1 -s 600 -i 20000
	if ! kill -0 "$gk_pid" 2>/dev/null; then
		fail "gtask two VMs, $what: kvm-run did not start: $(cat "$gk_out")"
		return
	fi
	line=$(sed -n 2p "$gk_out")
	eval "$(sed 's/\([a-z_0-9]*\)=/gk_\1=/g' <<< "$line")"
	out=$("$PROBE" -m domain -p "$gk_pid" -d 3 \
		-r "$gk_code_start:$gk_code_end" \
		-G "$gk_current_task:$gk_task_pid:$gk_task_tgid:$gk_task_comm")
	echo "$out" | grep -E '^(samples|guest_kernel|gtask|error)' |
		sed "s/^/  two VMs, $what: /"
	check "gtask two VMs, $what: guest samples arrive ($(kv guest_kernel "$out"))" \
		test "$(kv guest_kernel "$out")" -gt 50
	while read -r _ vcpu tid pid comm _; do
		vcpu=${vcpu#vcpu=}; tid=${tid#tid=}; pid=${pid#pid=}
		comm=${comm#comm=}
		if ! grep -q "^gtask tid=$tid pid=$pid samples=[1-9]" <<< "$out" ||
		   ! grep -q "^gtask_record tid=$tid pid=$pid vcpu=$vcpu comm=$comm\$" <<< "$out"; then
			ok=0; echo "  no samples or no GUEST_TASK record of $tid ($comm)"
		fi
	done < <(grep '^task ' "$gk_out")
	want=$(grep -c '^task ' "$gk_out")
	check "gtask two VMs, $what: each VM's $want tasks met, with their pids and comms" \
		test "$ok" = 1
	check "gtask two VMs, $what: no other task" \
		test "$(grep -c '^gtask tid=' <<< "$out")" = "$want"
	kill "$gk_pid"
	wait "$gk_pid" 2>/dev/null
}

# gtask_pass WHAT: insmod, the long-mode guest in each paging mode L1's CPU
# has, two VMs in one VMM, rmmod.
gtask_pass() {
	local what=$1 opts lv out line addr
	insmod "$VMPROF_KO" || { fail "gtask, $what: insmod"; return; }
	for opts in -L $(grep -qw la57 /proc/cpuinfo && echo -5); do
		start_kvm_run gk "$opts" -n 2 -s 600 -i 20000
		if ! kill -0 "$gk_pid" 2>/dev/null; then
			fail "gtask $opts, $what: kvm-run did not start: $(cat "$gk_out")"
			continue
		fi
		line=$(sed -n 2p "$gk_out")
		eval "$(sed 's/\([a-z_0-9]*\)=/gk_\1=/g' <<< "$line")"
		lv="$gk_paging_levels-level, $what"
		addr=$(sed -n 's/^task vcpu=0 tid=1000 .* addr=\(0x[0-9a-f]*\)$/\1/p' "$gk_out")
		addr=$(printf '0x%x' $(( addr + gk_task_comm )))
		out=$("$PROBE" -m cpu -p "$gk_pid" -d 3 \
			-r "$gk_code_start:$gk_code_end" \
			-G "$gk_current_task:$gk_task_pid:$gk_task_tgid:$gk_task_comm" \
			-R "$addr:16:$gk_paging_levels")
		echo "$out" | grep -E '^(samples|guest_kernel|gtask|read|error)' |
			sed "s/^/  $lv: /"
		check "gtask $lv: the guest's page-table root in samples" \
			grep -q "cr3=$(printf '%#x' "$gk_cr3") read" <<< "$out"
		gtask_check "$lv" "$out" "$gk_out"
		kill "$gk_pid"
		wait "$gk_pid" 2>/dev/null
	done
	gtask_two_vms "$what"
	check "gtask, $what: objects all zero" wait_objects_zero
	check "gtask, $what: rmmod" rmmod vmprof
}

t_gtask() {
	local np
	gtask_pass "nested paging"
	# Shadow paging: the guest's CR3 is KVM's copy, not the VMCB's or
	# the VMCS's.
	if [ -d /sys/module/kvm_amd ]; then np=npt; else np=ept; fi
	if kvm_vendor_reload "$np=0"; then
		gtask_pass "shadow paging"
		check "gtask: $np back on" kvm_vendor_reload
	else
		fail "gtask: cannot reload KVM with $np=0"
	fi
	grep -qw la57 /proc/cpuinfo ||
		echo "  (L1's CPU has no la57: 5-level not run; lab.sh LAB_CPU=EPYC,+svm,+npt,+la57)"
}
