/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels vmprof builds against (6.1 and newer).
 *
 * Features are detected, not inferred from the version: kmod/Kbuild greps
 * the target kernel's headers and Module.symvers and defines VMPROF_HAVE_*,
 * and scripts/kvm-tracepoints.sh reads KVM's tracepoint prototypes from the
 * kernel's BTF.  LINUX_VERSION_CODE is used only where nothing can be
 * probed, and says so.  Each entry names the kernel that changed it.
 */
#ifndef _VMPROF_COMPAT_H
#define _VMPROF_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/kvm_host.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#ifdef VMPROF_HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif /* VMPROF_HAVE_TASK_EXEC_STATE */

#include "kvm_tracepoints.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "vmprof needs Linux 6.1 or newer"
#endif /* LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) */

/*
 * The probe types of KVM's kvm_entry and kvm_exit tracepoints.  The kernel's
 * own, from BTF, when the build could read it; kmod/hooks.c checks its
 * probes against them, so a changed prototype fails the build instead of
 * calling a probe with the wrong arguments (a kCFI trap at VM entry).
 * Without BTF, by version: 6.9 added force_immediate_exit to kvm_entry
 * (and some distributions backported it, which only BTF can tell).
 */
#ifndef VMPROF_KVM_TP_FROM_BTF
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
typedef void (*vmprof_tp_kvm_entry_t)(void *, struct kvm_vcpu *, bool);
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) */
typedef void (*vmprof_tp_kvm_entry_t)(void *, struct kvm_vcpu *);
#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) */
typedef void (*vmprof_tp_kvm_exit_t)(void *, struct kvm_vcpu *, u32);
#endif /* VMPROF_KVM_TP_FROM_BTF */

/*
 * The probe type a tracepoint declared in a public header (DECLARE_TRACE)
 * expects, taken from its register_trace_NAME() helper, which is never
 * called: vmprof finds these tracepoints by name (not all are exported).
 */
#define vmprof_tp_probe_matches(name, probe)				\
	__same_type(&register_trace_##name,				\
		    int (*)(typeof(&(probe)), void *))

/*
 * The guest RIP KVM keeps for a vCPU.  7.3 moved it out of arch.regs[],
 * which holds the general-purpose registers only since then, into
 * arch.rip.
 */
static inline unsigned long vmprof_vcpu_rip(struct kvm_vcpu *vcpu)
{
#ifdef VMPROF_HAVE_VCPU_ARCH_RIP
	return vcpu->arch.rip;
#else /* VMPROF_HAVE_VCPU_ARCH_RIP */
	return vcpu->arch.regs[VCPU_REGS_RIP];
#endif /* VMPROF_HAVE_VCPU_ARCH_RIP */
}

/*
 * When @task last got a CPU, on the scheduler's clock (rq_clock(),
 * local_clock()'s source), or 0 if the kernel does not keep it
 * (CONFIG_SCHED_INFO, which every distribution kernel sets: schedstats
 * and delay accounting select it).
 */
static inline u64 vmprof_task_last_arrival(const struct task_struct *task)
{
#ifdef CONFIG_SCHED_INFO
	return READ_ONCE(task->sched_info.last_arrival);
#else /* CONFIG_SCHED_INFO */
	return 0;
#endif /* CONFIG_SCHED_INFO */
}

/*
 * Is @task a kernel worker (a thread that runs only kernel code on a
 * process's behalf): a kernel thread, an io_uring worker, or (6.4, where
 * PF_USER_WORKER appeared) a vhost_task?
 */
static inline bool vmprof_task_is_worker(const struct task_struct *task)
{
	unsigned int workers = PF_KTHREAD | PF_IO_WORKER;

#ifdef PF_USER_WORKER
	workers |= PF_USER_WORKER;
#endif /* PF_USER_WORKER */
	return task->flags & workers;
}

/*
 * The workqueue for vmprof's work items, which sleep (perf event creation)
 * and need no particular CPU.  7.x deprecates system_wq (a warning at
 * every queue_work) and names the unbound one system_dfl_wq; older kernels
 * call it system_unbound_wq.
 */
#ifdef VMPROF_HAVE_SYSTEM_DFL_WQ
#define vmprof_wq	system_dfl_wq
#else /* VMPROF_HAVE_SYSTEM_DFL_WQ */
#define vmprof_wq	system_unbound_wq
#endif /* VMPROF_HAVE_SYSTEM_DFL_WQ */

/* 6.3 made vm_flags read-only behind vm_flags_set(); not probed: a
 * static inline of mm.h whose absence only 6.1 and 6.2 show. */
static inline void vmprof_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0) */
	vma->vm_flags |= flags;
#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0) */
}

/*
 * Is @task dumpable by its owner, or does the caller have CAP_SYS_PTRACE
 * in the user namespace @task was exec'd in?  The same test as ptrace's
 * (__ptrace_may_access), which is not exported.  7.3 moved dumpability and
 * that namespace from the mm to task->exec_state.  A task without either
 * (a kernel thread, an exiting task) passes, as in ptrace.
 */
static inline bool vmprof_task_dump_allowed(struct task_struct *task)
{
	bool ok = true;
#ifdef VMPROF_HAVE_TASK_EXEC_STATE
	struct task_exec_state *es;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	if (es && es->dumpable != TASK_DUMPABLE_OWNER &&
	    !ns_capable(es->user_ns, CAP_SYS_PTRACE))
		ok = false;
	rcu_read_unlock();
#else /* VMPROF_HAVE_TASK_EXEC_STATE */
	struct mm_struct *mm;

	task_lock(task);
	mm = task->mm;
	if (mm && get_dumpable(mm) != SUID_DUMP_USER &&
	    !ns_capable(mm->user_ns, CAP_SYS_PTRACE))
		ok = false;
	task_unlock(task);
#endif /* VMPROF_HAVE_TASK_EXEC_STATE */
	return ok;
}

/*
 * The guest's MSR_LSTAR on VMX lives in vcpu_vmx's private user-return
 * MSR array; only KVM can read it.  6.18 exports kvm_get_msr() to
 * kvm-intel and kvm-amd only.
 */
static inline int vmprof_kvm_get_msr(struct kvm_vcpu *vcpu, u32 msr, u64 *val)
{
#ifdef VMPROF_HAVE_KVM_GET_MSR
	return kvm_get_msr(vcpu, msr, val);
#else /* VMPROF_HAVE_KVM_GET_MSR */
	return -EOPNOTSUPP;
#endif /* VMPROF_HAVE_KVM_GET_MSR */
}

/*
 * KVM's mediated vPMU (7.x; kvm_amd/kvm_intel enable_mediated_pmu=Y) gives
 * a VM the PMU while it runs; perf then refuses host events that count
 * guest execution.  Does @kvm use it?
 */
static inline bool vmprof_kvm_mediated_pmu(struct kvm *kvm)
{
#ifdef VMPROF_HAVE_MEDIATED_PMU
	return READ_ONCE(kvm->arch.created_mediated_pmu);
#else /* VMPROF_HAVE_MEDIATED_PMU */
	return false;
#endif /* VMPROF_HAVE_MEDIATED_PMU */
}

/*
 * Since 5.17 kvm->memslots[] points into struct kvm itself (__memslots),
 * so its generation can be read wherever the VM is known to be alive,
 * NMI context included, without kvm->srcu.  6.8 renamed the address
 * space count (KVM_MAX_NR_ADDRESS_SPACES); address space 0 is the same.
 */
static inline u64 vmprof_kvm_memslots_generation(struct kvm *kvm)
{
	return READ_ONCE(rcu_dereference_raw(kvm->memslots[0])->generation);
}

/* 6.8 added guest_memfd: its private pages are not at userspace_addr. */
static inline bool vmprof_memslot_private(const struct kvm_memory_slot *ms)
{
#ifdef KVM_MEM_GUEST_MEMFD
	return ms->flags & KVM_MEM_GUEST_MEMFD;
#else /* KVM_MEM_GUEST_MEMFD */
	return false;
#endif /* KVM_MEM_GUEST_MEMFD */
}

/*
 * The VMCB's nested paging and SEV enables: control.nested_ctl with
 * SVM_NESTED_CTL_* bits until 7.x renamed them control.misc_ctl and
 * SVM_MISC_ENABLE_*.  The caller includes asm/svm.h.
 */
#ifdef VMPROF_HAVE_VMCB_MISC_CTL
#define vmprof_vmcb_misc_ctl(vmcb)	READ_ONCE((vmcb)->control.misc_ctl)
#define VMPROF_VMCB_NP			SVM_MISC_ENABLE_NP
#define VMPROF_VMCB_SEV			(SVM_MISC_ENABLE_SEV | \
					 SVM_MISC_ENABLE_SEV_ES)
#else /* VMPROF_HAVE_VMCB_MISC_CTL */
#define vmprof_vmcb_misc_ctl(vmcb)	READ_ONCE((vmcb)->control.nested_ctl)
#define VMPROF_VMCB_NP			SVM_NESTED_CTL_NP_ENABLE
#define VMPROF_VMCB_SEV			(SVM_NESTED_CTL_SEV_ENABLE | \
					 SVM_NESTED_CTL_SEV_ES_ENABLE)
#endif /* VMPROF_HAVE_VMCB_MISC_CTL */

/* 6.16 renamed rdmsrl() rdmsrq(); 7.x dropped the old name. */
#ifdef VMPROF_HAVE_RDMSRQ
#define vmprof_rdmsr64(msr, val)	rdmsrq(msr, val)
#else /* VMPROF_HAVE_RDMSRQ */
#define vmprof_rdmsr64(msr, val)	rdmsrl(msr, val)
#endif /* VMPROF_HAVE_RDMSRQ */

#endif /* _VMPROF_COMPAT_H */
