// SPDX-License-Identifier: GPL-2.0
/*
 * The perf overflow handler: turn one counter overflow into one sample.
 *
 * It runs in hardirq context (software clock) or NMI context (hardware
 * PMU), on the CPU and, for per-thread events, in the thread the event
 * belongs to.  It takes no lock, allocates nothing, and touches a vCPU
 * only while vmprof_pcpu vouches for it (see hooks.c).
 *
 * Attribution, as KVM's own perf callbacks do it (kvm_arch_pmi_in_guest
 * with the 6.12 strictness): the overflow hit the guest if KVM is handling
 * an interrupt that arrived while the guest ran, and that interrupt is of
 * our kind (an NMI for the PMU, an IRQ for the hrtimer).  KVM sets that
 * window around the host handling of the very exit the interrupt caused,
 * so the guest registers are those of the interrupted guest instruction.
 * Anything else is the VMM (or, system-wide, the rest of the host).
 */
#include <linux/hrtimer.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <asm/ptrace.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "vmprof.h"

static bool vmprof_in_guest_window(struct kvm_vcpu *vcpu)
{
	u8 h = READ_ONCE(vcpu->arch.handling_intr_from_guest);

	return h && (!!in_nmi() == (h == VMPROF_KVM_HANDLING_NMI));
}

/*
 * A software-clock tick that expired before the vCPU entered the guest
 * was held back by the entry path (interrupts are off from before the
 * kvm_entry tracepoint to VMRUN/VMLAUNCH) and makes the guest exit before
 * it runs an instruction: the time it stands for was spent in the host.
 * Without this, host work on the entry path is charged to whatever guest
 * instruction follows the last exit (for an MMIO exit, the driver).  A
 * hardware counter that excludes the host cannot overflow there.
 *
 * The entry time is a stamp (vmprof_stamp(), see vmprof_kvm_entry), the
 * timer's expiry CLOCK_MONOTONIC: compare how late the tick is with how
 * long ago the entry was, each measured on its own clock, now (stamp, and
 * mono_now made of it by vmprof_clock_mono_at(), a microsecond or less
 * off: ticks are late by far more when they were held).  The entry was on
 * this CPU: the task has not left it since.
 */
static bool vmprof_tick_held_at_entry(struct perf_event *event,
				      struct vmprof_pcpu *pc, u64 stamp,
				      u64 mono_now)
{
	u64 entry = READ_ONCE(pc->entry_stamp);
	s64 late;

	if (event->attr.type != PERF_TYPE_SOFTWARE || !entry)
		return false;
	late = mono_now - ktime_to_ns(hrtimer_get_expires(&event->hw.hrtimer));
	return late > (s64)vmprof_stamp_to_ns(stamp - entry);
}

/*
 * KVM opens its interrupt window right after every exit, before handling
 * it, and a software-clock tick that expired on the way there is taken in
 * the window as if the guest had been interrupted: charged to the guest
 * instruction that exited (for a port-I/O or MMIO exit, the driver).  The
 * exit reason tells them apart: interrupts are recognised at instruction
 * boundaries, so a tick that expired while the guest ran makes the guest
 * exit for that interrupt (SVM_EXIT_INTR, EXIT_REASON_EXTERNAL_INTERRUPT);
 * after any other exit, the tick expired in the host.  The VMCB or VMCS
 * still holds the exit's reason in the window on every kernel, whether
 * kvm_exit has been traced yet (6.1 SVM traces it after the window) or not.
 * A hardware counter that excludes the host cannot overflow there.
 */
static bool vmprof_tick_after_exit(struct perf_event *event,
				   const struct vmprof_guest_regs *r)
{
	if (event->attr.type != PERF_TYPE_SOFTWARE ||
	    r->exit_reason == U32_MAX)
		return false;
	switch (vmprof_isa) {
	case VMPROF_ISA_SVM:
		return r->exit_reason != SVM_EXIT_INTR;
	case VMPROF_ISA_VMX:
		return r->exit_reason != EXIT_REASON_EXTERNAL_INTERRUPT;
	}
	return false;
}

static void vmprof_fill_guest(struct vmprof_sample *smp,
			      struct kvm_vcpu *vcpu,
			      const struct vmprof_guest_regs *r)
{
	smp->context = r->cpl == 3 ? VMPROF_CTX_GUEST_USER :
				     VMPROF_CTX_GUEST_KERNEL;
	smp->guest_rip = r->rip;
	smp->guest_cr3 = r->cr3;
	smp->vcpu = vcpu->vcpu_idx;
	smp->pid = task_tgid_nr(current);
	smp->flags |= VMPROF_SAMPLE_VCPU_THREAD;
}

/* The last exit of this vCPU, which the VMM is working on now. */
static void vmprof_fill_exit(struct vmprof_sample *smp,
			     struct vmprof_vcpu_slot *slot,
			     struct kvm_vcpu *vcpu, bool held)
{
	struct vmprof_guest_regs r;
	u32 state = READ_ONCE(slot->state);

	smp->vcpu = slot->idx;
	smp->flags |= VMPROF_SAMPLE_VCPU_THREAD;
	/* A held tick stands for the work on the exit before this entry. */
	if (held && state == VMPROF_SLOT_GUEST)
		state = VMPROF_SLOT_VMM;
	switch (state) {
	case VMPROF_SLOT_VMM:
		smp->exit_reason = slot->exit_reason;
		smp->exit_guest_rip = slot->exit_rip;
		smp->flags |= VMPROF_SAMPLE_EXIT;
		break;
	case VMPROF_SLOT_GUEST:
		/*
		 * Exited, but kvm_exit has not fired yet (6.1 SVM traces it
		 * late).  Still inside KVM_RUN on this CPU: ask the VMCB.
		 */
		if (vcpu && vmprof_guest_read(vcpu, &r, false) &&
		    r.exit_reason != U32_MAX) {
			smp->exit_reason = r.exit_reason;
			smp->exit_guest_rip = r.rip;
			smp->flags |= VMPROF_SAMPLE_EXIT;
		}
		break;
	}
}

void vmprof_overflow(struct perf_event *event, struct perf_sample_data *data,
		     struct pt_regs *regs)
{
	struct vmprof_thread *th = event->overflow_handler_context;
	struct vmprof_session *s = th->session;
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_sample smp = {
		.header = {
			.type = VMPROF_RECORD_SAMPLE,
			.size = sizeof(smp),
		},
		.vcpu = VMPROF_VCPU_NONE,
	};
	struct vmprof_vcpu_slot *slot = NULL;
	struct kvm_vcpu *vcpu = NULL;
	struct vmprof_guest_regs r;
	bool user, held, in_guest;
	u64 stamp;

	if (!READ_ONCE(s->enabled) || (s->attr.flags & VMPROF_ATTACH_DRY_RUN))
		return;
	if (READ_ONCE(pc->task) == current)
		vcpu = READ_ONCE(pc->vcpu);
	in_guest = vcpu && vmprof_in_guest_window(vcpu);
	/*
	 * cpu-switch keeps guest ticks only.  The rest (most of them, for a
	 * guest that exits a lot) go before any clock is read.
	 */
	if (!in_guest && s->attr.mode == VMPROF_MODE_CPU_SWITCH)
		goto filtered;

	stamp = vmprof_stamp();
	smp.time_ns = vmprof_clock_mono_at(stamp);
	smp.cpu = smp_processor_id();
	smp.tid = task_pid_nr(current);
	smp.period = data->period;

	held = vcpu &&
	       vmprof_tick_held_at_entry(event, pc, stamp, smp.time_ns);
	if (in_guest && !held && vmprof_guest_read(vcpu, &r, false) &&
	    !vmprof_tick_after_exit(event, &r)) {
		vmprof_fill_guest(&smp, vcpu, &r);
		vmprof_guest_sample_write(s, vcpu, &smp);
		return;
	}
	if (s->attr.mode == VMPROF_MODE_CPU_SWITCH)
		goto filtered;

	smp.host_ip = instruction_pointer(regs);
	user = user_mode(regs);
	if (th->task == current)
		slot = READ_ONCE(th->slot);

	if (s->target || vcpu) {
		smp.context = user ? VMPROF_CTX_VMM_USER : VMPROF_CTX_VMM_KERNEL;
		smp.pid = task_tgid_nr(current);
	} else {
		smp.context = user ? VMPROF_CTX_HOST_USER :
				     VMPROF_CTX_HOST_KERNEL;
		smp.pid = current->flags & PF_KTHREAD ? 0 :
						       task_tgid_nr(current);
	}
	if (slot) {
		vmprof_fill_exit(&smp, slot, vcpu, held);
	} else if (vcpu) {
		/* System-wide: a vCPU thread of some VM, inside KVM_RUN. */
		smp.vcpu = vcpu->vcpu_idx;
		smp.flags |= VMPROF_SAMPLE_VCPU_THREAD;
	}
	vmprof_ring_write(s, &smp, sizeof(smp));
	return;

filtered:
	/* Only a software clock gets here: it cannot exclude the host. */
	atomic64_inc(&s->filtered);
}
