// SPDX-License-Identifier: GPL-2.0
/*
 * hold-keys: keeps L1's hot static keys switched on for a whole lab run,
 * so that tests do not make L1 rewrite its scheduler and KVM code again
 * and again.
 *
 * Under QEMU TCG every such rewrite is costly or dangerous.  With a
 * thread per vCPU, a CPU sometimes kept executing the INT3 that
 * text_poke_bp() plants, after the rewrite was over (a stale translation:
 * L1 froze; docs/reliability.md has the dumps).  With one thread for all
 * vCPUs, which the lab uses, each rewrite's IPIs wait for the other vCPU's
 * turn: starting a guest took minutes when the first VM's creation had to
 * turn preempt notifiers on again.
 *
 * The keys that lab tests flip, and where each flip patches a site that
 * every CPU runs all the time:
 *  - preempt_notifier_key (finish_task_switch, __schedule): on while any
 *    VM exists; every test that starts the first VM or kills the last
 *    flips it (t_lifecycle: twice per round of QEMU killed);
 *  - perf_sched_events (the context switch): on while any per-task perf
 *    event exists, off a second after the last;
 *  - kvm_has_noapic_vcpu and apic_sw_disabled (KVM's entry and exit
 *    paths): per vCPU without an in-kernel APIC, and per vCPU whose APIC
 *    the guest has not enabled yet.
 * This process holds each of them: a per-task cpu-clock counter on
 * itself, a VM with a vCPU and no in-kernel APIC, and a VM with an
 * in-kernel APIC and a vCPU that never runs.  It prints "held" and
 * sleeps until killed.  It does not touch vmprof, whose own probes linger
 * after their last session for the same reason (kmod/hooks.c).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int hold_perf_sched_events(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.disabled = 1;
	return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static int hold_vm(int kvm, int with_apic)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0)
		return -1;
	if (with_apic && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return -1;
	return ioctl(vm, KVM_CREATE_VCPU, 0);
}

int main(void)
{
	int kvm;

	if (hold_perf_sched_events() < 0) {
		perror("hold-keys: perf_event_open");
		return 1;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		perror("hold-keys: /dev/kvm");
		return 1;
	}
	if (hold_vm(kvm, 0) < 0 || hold_vm(kvm, 1) < 0) {
		perror("hold-keys: a VM with a vCPU");
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}
