/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels vmprof builds against (6.1 and newer).
 * Each entry says which kernel changed what.
 */
#ifndef _VMPROF_COMPAT_H
#define _VMPROF_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "vmprof needs Linux 6.1 or newer"
#endif /* LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) */

/* 6.9 added force_immediate_exit to the kvm_entry tracepoint. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define VMPROF_KVM_ENTRY_PROTO	void *data, struct kvm_vcpu *vcpu, \
				bool force_immediate_exit
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) */
#define VMPROF_KVM_ENTRY_PROTO	void *data, struct kvm_vcpu *vcpu
#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) */

/* 6.3 made vm_flags read-only behind vm_flags_set(). */
static inline void vmprof_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0) */
	vma->vm_flags |= flags;
#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0) */
}


#endif /* _VMPROF_COMPAT_H */
