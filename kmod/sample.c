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
#include "compat.h"

static bool vmprof_in_guest_window(struct kvm_vcpu *vcpu)
{
	u8 h = READ_ONCE(vcpu->arch.handling_intr_from_guest);

	return h && (!!in_nmi() == (h == VMPROF_KVM_HANDLING_NMI));
}

/*
 * A software-clock tick is guest time only if it expired while the guest
 * ran, between the VM entry and the exit that delivered it.  One that
 * expired before the entry was held back by the entry path (interrupts
 * are off from before the kvm_entry tracepoint to VMRUN/VMLAUNCH) and
 * makes the guest exit before it runs an instruction; one that expired
 * after the exit (another interrupt, say, made the guest exit, and the
 * tick came due while KVM handled it) was pending in the host.  Both are
 * taken in KVM's interrupt window as if they had interrupted the guest,
 * at the RIP the guest is at: after an MMIO or port-I/O exit, the
 * driver's, so without this host work on the entry and exit paths is
 * charged to the driver even in cpu-switch mode.  A hardware counter that
 * excludes the host cannot overflow there.
 *
 * pc->entry_stamp is the latest and pc->exit_stamp the earliest time the
 * module sees around VMRUN (hooks.c); exit_stamp belongs to this run only
 * if it is later than entry_stamp.  Both are stamps (vmprof_stamp()) of
 * this CPU (the task has not left it since the entry), the timer's expiry
 * CLOCK_MONOTONIC: compare how late the tick is with how long ago the
 * entry and the exit were, each measured on its own clock, now (stamp,
 * and mono_now made of it by vmprof_clock_mono_at(), a microsecond or less
 * off).
 */
enum vmprof_tick_when {
	VMPROF_TICK_GUEST,		/* while the guest ran, as far as seen */
	VMPROF_TICK_BEFORE_ENTRY,
	VMPROF_TICK_AFTER_EXIT,
};

static enum vmprof_tick_when vmprof_tick_when(struct perf_event *event,
					      struct vmprof_pcpu *pc,
					      u64 stamp, u64 mono_now)
{
	u64 entry = READ_ONCE(pc->entry_stamp), exit = READ_ONCE(pc->exit_stamp);
	s64 late;

	if (!entry)
		return VMPROF_TICK_GUEST;
	late = mono_now - ktime_to_ns(hrtimer_get_expires(&event->hw.hrtimer));
	if (late > (s64)vmprof_stamp_to_ns(stamp - entry))
		return VMPROF_TICK_BEFORE_ENTRY;
	if (exit > entry && exit <= stamp &&
	    late < (s64)vmprof_stamp_to_ns(stamp - exit))
		return VMPROF_TICK_AFTER_EXIT;
	return VMPROF_TICK_GUEST;
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
static bool vmprof_tick_after_exit(const struct vmprof_guest_regs *r)
{
	if (r->exit_reason == U32_MAX)
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
			      struct vmprof_session *s,
			      struct kvm_vcpu *vcpu,
			      const struct vmprof_guest_regs *r)
{
	smp->context = r->cpl == 3 ? VMPROF_CTX_GUEST_USER :
				     VMPROF_CTX_GUEST_KERNEL;
	smp->guest_rip = r->rip;
	smp->guest_cr3 = r->cr3;
	smp->vcpu = vcpu->vcpu_idx;
	smp->pid = task_tgid_nr_ns(current, s->pid_ns);
	smp->flags |= VMPROF_SAMPLE_VCPU_THREAD;
}

/*
 * The last exit of this vCPU, which the VMM is working on now.  True if
 * it was read from the vCPU itself (kvm_exit has not told of it yet).
 */
static bool vmprof_fill_exit(struct vmprof_sample *smp,
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
	case VMPROF_SLOT_VMM_OFF:
		smp->exit_reason = slot->exit_reason;
		smp->exit_guest_rip = slot->exit_rip;
		smp->flags |= VMPROF_SAMPLE_EXIT;
		break;
	case VMPROF_SLOT_GUEST:
		/*
		 * Exited, but kvm_exit has not fired yet (6.1 SVM traces it
		 * late).  Still inside KVM_RUN on this CPU: ask the VMCB.
		 */
		if (vcpu && vmprof_guest_read(vcpu, &r, VMPROF_READ_SAMPLE) &&
		    r.exit_reason != U32_MAX) {
			smp->exit_reason = r.exit_reason;
			smp->exit_guest_rip = r.rip;
			smp->flags |= VMPROF_SAMPLE_EXIT;
			return true;
		}
		break;
	}
	return false;
}

/*
 * A VMM sample charged to the guest instruction that exited, with the
 * stack the guest had there when the session copies stacks: read from
 * the vCPU while the exit is not traced yet, else kept by the exit.
 */
static void vmprof_charged_write(struct vmprof_session *s,
				 struct vmprof_vcpu_slot *slot,
				 struct kvm_vcpu *vcpu, bool live,
				 const struct vmprof_sample *smp)
{
	struct vmprof_stack_src src;

	if (live)
		vmprof_guest_stack_src(s, vcpu, smp->exit_guest_rip, &src);
	else if (!vmprof_guest_stack_src_exit(s, slot, vcpu, &src))
		memset(&src, 0, sizeof(src));
	vmprof_sample_group_write(s, NULL, 0, &src, smp);
}

/*
 * Samples on this CPU: the guest's LSTAR is read at every sample while
 * the target has none, then at one in 64 (a guest that reboots gets a new
 * one).  The KASLR hint then comes with a recording's first samples.
 */
static DEFINE_PER_CPU(unsigned int, vmprof_lstar_tick);

static __always_inline void vmprof_sample_lstar(struct vmprof_session *s,
						struct kvm_vcpu *vcpu)
{
	struct vmprof_target *t = s->target;

	/* System-wide sessions have no target and record no LSTAR. */
	if (t && (!READ_ONCE(t->guest_lstar) ||
		  !(this_cpu_inc_return(vmprof_lstar_tick) & 63)))
		vmprof_guest_sample_lstar(t, vcpu);
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
	bool cpu_switch = s->attr.mode == VMPROF_MODE_CPU_SWITCH;
	struct vmprof_vcpu_slot *slot = NULL;
	struct kvm_vcpu *vcpu = NULL;
	struct vmprof_guest_regs r;
	bool user, held, in_guest, sw_clock, live;
	enum vmprof_tick_when when;
	u64 stamp;

	if (!READ_ONCE(s->enabled) || (s->attr.flags & VMPROF_ATTACH_DRY_RUN))
		return;
	/*
	 * The vCPU current entered the guest with on this CPU, if it is
	 * still inside that vCPU's ioctl (not back in its VMM's user space).
	 */
	if (READ_ONCE(pc->task) == current) {
		vcpu = READ_ONCE(pc->vcpu);
		if (vcpu && !vmprof_vcpu_loaded(vcpu))
			vcpu = NULL;
	}
	in_guest = vcpu && vmprof_in_guest_window(vcpu);
	/*
	 * A hardware counter that excludes the host (cpu-switch) counted
	 * the guest, wherever its PMI lands.  One that overflows just before
	 * an exit for another reason is taken after it, outside KVM's
	 * window: AMD opens the window only for SVM_EXIT_NMI (the NMI is
	 * held by GIF until stgi() in svm_vcpu_run()), and on Intel the PMI
	 * may skid past the exit.  Such a sample belongs to the guest
	 * instruction that exited, which the VMCB or VMCS still holds while
	 * the vCPU is loaded here; dropping it would bias the profile
	 * against exit-heavy code.
	 */
	if (!in_guest && vcpu && cpu_switch && s->hw_pmu)
		in_guest = true;
	/*
	 * cpu-switch keeps guest samples only.  The software clock's host
	 * ticks (most of them, for a guest that exits a lot) go before any
	 * clock is read.
	 */
	if (!in_guest && cpu_switch)
		goto filtered;

	stamp = vmprof_stamp();
	smp.time_ns = vmprof_clock_mono_at(stamp);
	smp.cpu = smp_processor_id();
	smp.tid = task_pid_nr_ns(current, s->pid_ns);
	smp.period = data->period;

	/*
	 * The software clock's own corrections.  Not by event->attr.type:
	 * from 6.8 perf gives a cpu-clock event the type of its own PMU
	 * (perf_cpu_clock.type), not PERF_TYPE_SOFTWARE.
	 */
	sw_clock = !s->hw_pmu;
	when = sw_clock && vcpu ?
	       vmprof_tick_when(event, pc, stamp, smp.time_ns) :
	       VMPROF_TICK_GUEST;
	held = when == VMPROF_TICK_BEFORE_ENTRY;
	if (in_guest && when == VMPROF_TICK_GUEST &&
	    vmprof_guest_read(vcpu, &r, VMPROF_READ_SAMPLE) &&
	    !(sw_clock && vmprof_tick_after_exit(&r))) {
		vmprof_sample_lstar(s, vcpu);
		vmprof_fill_guest(&smp, s, vcpu, &r);
		vmprof_guest_sample_write(s, vcpu, &smp);
		return;
	}
	if (cpu_switch)
		goto filtered;

	smp.host_ip = instruction_pointer(regs);
	user = user_mode(regs);
	if (th->task == current)
		slot = READ_ONCE(th->slot);

	if (s->target) {
		/* Its kernel workers (vhost-PID before 6.4) are other tasks. */
		smp.context = user ? VMPROF_CTX_VMM_USER : VMPROF_CTX_VMM_KERNEL;
		smp.pid = s->vmm_pid;
		if (vmprof_task_is_worker(current))
			smp.flags |= VMPROF_SAMPLE_WORKER;
	} else if (vcpu) {
		smp.context = user ? VMPROF_CTX_VMM_USER : VMPROF_CTX_VMM_KERNEL;
		smp.pid = task_tgid_nr_ns(current, s->pid_ns);
	} else {
		smp.context = user ? VMPROF_CTX_HOST_USER :
				     VMPROF_CTX_HOST_KERNEL;
		smp.pid = current->flags & PF_KTHREAD ? 0 :
			  task_tgid_nr_ns(current, s->pid_ns);
	}
	if (slot) {
		if (vcpu)
			vmprof_sample_lstar(s, vcpu);
		live = vmprof_fill_exit(&smp, slot, vcpu, held);
		if ((s->attr.flags & VMPROF_ATTACH_GUEST_STACK) &&
		    (smp.flags & VMPROF_SAMPLE_EXIT)) {
			vmprof_charged_write(s, slot, vcpu, live, &smp);
			return;
		}
	} else if (vcpu) {
		/* System-wide: a vCPU thread of some VM, inside KVM_RUN. */
		smp.vcpu = vcpu->vcpu_idx;
		smp.flags |= VMPROF_SAMPLE_VCPU_THREAD;
	}
	vmprof_ring_write(s, &smp, sizeof(smp));
	return;

filtered:
	/* Host time of a software clock, which cannot exclude the host. */
	atomic64_inc(&s->filtered);
}
