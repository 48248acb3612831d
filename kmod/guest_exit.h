/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest state an exit needs, read at every exit by the kvm_exit probe:
 * the exit's reason and RIP.  Its common case, SVM with a VMCB already
 * validated and seen on this CPU, is inlined into the probe (the bench
 * counts it: docs/benchmarks.md); everything else, validation included,
 * is guest_state.c's vmprof_guest_exit_slow().  On SVM the guest's
 * MSR_LSTAR is read by samples (vmprof_guest_sample_lstar()), not at exits.
 * Include after compat.h.
 */
#ifndef _VMPROF_GUEST_EXIT_H
#define _VMPROF_GUEST_EXIT_H

#include <asm/svm.h>

#include "vmprof.h"

enum { VMCB_UNKNOWN, VMCB_OK, VMCB_BAD };
extern int vmprof_vmcb_state;
/*
 * The last VMCB pointer seen valid on this CPU, once the layout is
 * validated (VMCB_OK): checked once, not per exit.  Only SVM code sets
 * it, so a VMCB equal to it is a validated VMCB of an SVM vCPU.
 */
DECLARE_PER_CPU(struct vmcb *, vmprof_vmcb_seen);

/* @lstar: the target's guest LSTAR, which VMX exits keep (guest_state.c). */
u32 vmprof_guest_exit_slow(struct kvm_vcpu *vcpu, u64 *rip, u64 *lstar);

/*
 * On an SVM vCPU's thread, at an exit, in the common case: its reason
 * into *reason and the guest RIP into *rip.  False, with nothing read,
 * for any other case: then vmprof_guest_exit_slow() does the job.  Only
 * for SVM hosts (hooks.c registers the probe that calls it there only):
 * on VMX the word after struct kvm_vcpu is no VMCB pointer and might
 * equal this CPU's vmprof_vmcb_seen, NULL.
 */
static __always_inline bool vmprof_guest_exit_svm(struct kvm_vcpu *vcpu,
						  u32 *reason, u64 *rip)
{
	struct vmcb *vmcb = *(struct vmcb **)((char *)vcpu + sizeof(*vcpu));

	/* One compare stands for the layout's validation and the pointer's. */
	if (unlikely(vmcb != this_cpu_read(vmprof_vmcb_seen) ||
		     vcpu->arch.guest_state_protected))
		return false;
	/*
	 * The exiting instruction.  KVM's own copy of RIP may have moved
	 * past it already (an exit 6.1 to 6.5 complete in the fastpath
	 * before tracing it); the VMCB keeps it until the next VMRUN.
	 */
	*rip = vmcb->save.rip;
	*reason = vmcb->control.exit_code;
	return true;
}

#endif /* _VMPROF_GUEST_EXIT_H */
