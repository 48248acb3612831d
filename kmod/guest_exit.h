/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest state an exit needs, read at every exit by the kvm_exit probe:
 * the exit's reason and RIP, now and then MSR_LSTAR.  Its common case,
 * SVM with a VMCB already validated and seen on this CPU, is inlined into
 * the probe (the bench counts it: docs/benchmarks.md); everything else,
 * validation included, is guest_state.c's vmprof_guest_exit_slow().
 * Include after compat.h.
 */
#ifndef _VMPROF_GUEST_EXIT_H
#define _VMPROF_GUEST_EXIT_H

#include <asm/svm.h>

#include "vmprof.h"

enum { VMCB_UNKNOWN, VMCB_OK, VMCB_BAD };
extern int vmprof_vmcb_state;
/* The last VMCB pointer seen valid on this CPU: checked once, not per exit. */
DECLARE_PER_CPU(struct vmcb *, vmprof_vmcb_seen);
/* Exits on this CPU: LSTAR is read at the first and then one in 1024. */
DECLARE_PER_CPU(unsigned int, vmprof_lstar_tick);

u32 vmprof_guest_exit_slow(struct kvm_vcpu *vcpu, u64 *rip, u64 *lstar);

/* LSTAR changes once per guest boot: no need to read it at every exit. */
static __always_inline bool vmprof_want_lstar(void)
{
	return (this_cpu_inc_return(vmprof_lstar_tick) & 1023) == 1;
}

/* A new guest LSTAR (the KASLR hint) for the target. */
static __always_inline void vmprof_note_lstar(u64 *lstar, u64 v)
{
	if (v && v != READ_ONCE(*lstar))
		WRITE_ONCE(*lstar, v);
}

/*
 * On the vCPU thread, at an exit, in the common case: its reason into
 * *reason, the guest RIP into *rip, and now and then the guest's MSR_LSTAR
 * into *lstar if it changed.  False, with nothing read, for any other
 * case: then vmprof_guest_exit_slow() does the job.
 */
static __always_inline bool vmprof_guest_exit_fast(struct kvm_vcpu *vcpu,
						   u32 *reason, u64 *rip,
						   u64 *lstar)
{
	struct vmcb *vmcb = *(struct vmcb **)((char *)vcpu + sizeof(*vcpu));

	if (unlikely(vmprof_isa != VMPROF_ISA_SVM ||
		     READ_ONCE(vmprof_vmcb_state) != VMCB_OK ||
		     vmcb != this_cpu_read(vmprof_vmcb_seen) ||
		     vcpu->arch.guest_state_protected))
		return false;
	/*
	 * The exiting instruction.  KVM's own copy of RIP may have moved
	 * past it already (an exit 6.1 to 6.5 complete in the fastpath
	 * before tracing it); the VMCB keeps it until the next VMRUN.
	 */
	*rip = vmcb->save.rip;
	if (unlikely(vmprof_want_lstar()))
		vmprof_note_lstar(lstar, vmcb->save.lstar);
	*reason = vmcb->control.exit_code;
	return true;
}

/*
 * On the vCPU thread, at an exit: its reason (U32_MAX if unknown), the
 * guest RIP into *rip, and now and then the guest's MSR_LSTAR into *lstar
 * if it changed.
 */
static __always_inline u32 vmprof_guest_exit(struct kvm_vcpu *vcpu, u64 *rip,
					     u64 *lstar)
{
	u32 reason;

	if (vmprof_guest_exit_fast(vcpu, &reason, rip, lstar))
		return reason;
	return vmprof_guest_exit_slow(vcpu, rip, lstar);
}

#endif /* _VMPROF_GUEST_EXIT_H */
