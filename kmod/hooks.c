// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks on KVM and the scheduler, and the per-CPU view they maintain.
 *
 * Which mechanism, and why (docs/design.md has the measurements):
 *
 *  - kvm:kvm_entry and kvm:kvm_exit tracepoints fire on every guest entry
 *    and exit, fastpath re-entries included, for a static-branch and an
 *    indirect call.  A kprobe there would cost an int3 per exit, and the
 *    functions around VM entry are noinstr.
 *  - sched:sched_switch (found with for_each_kernel_tracepoint) says a
 *    vCPU thread left its CPU.  It does the job of a preempt notifier for
 *    every thread at once; preempt notifiers must be registered by each
 *    thread on itself, which the VMM's threads cannot be asked to do.
 *  - task:task_newtask meets new VMM threads for domain-switch, however
 *    they were created (copy_process(): clone(), and io_uring's and
 *    vhost's workers, which sched_process_fork does not see);
 *    task:task_rename meets the kernel threads a VMM thread creates
 *    (vhost workers before 6.4).
 *  - ftrace callbacks on kvm_wait_lapic_expire() and
 *    kvm_load_host_xsave_state() time VM entry and exit closer to
 *    VMRUN than the tracepoints can, for the software clock's
 *    corrections (sample.c), where KVM has those functions, while a
 *    software-clock session has started.
 *
 * vmprof_pcpu says "task T entered the guest with vCPU V on this CPU, and
 * has not left the CPU since".  kvm_entry sets it, sched_switch clears it.
 * It is only written on its own CPU (both run with interrupts off) and
 * read by the overflow handler on the same CPU, which may interrupt a
 * probe: the task is cleared first and set last so the handler never
 * pairs T with a V that is not T's.  T may have left KVM_RUN since (to
 * its VMM's user space, without a context switch): the handler looks at
 * V only while T is also inside V's vcpu_load() (vmprof_vcpu_loaded()),
 * where T's ioctl holds V's file, so V is alive and loaded here; that is
 * what lets it look at V without a reference on the VM.  Telling that
 * from kvm_userspace_exit instead cost a probe and a tracepoint site at
 * every exit to user space (docs/benchmarks.md).
 *
 * kvm_entry and kvm_exit fire with interrupts off on the kernels vmprof
 * builds for (7.x traces the SVM exit in svm_vcpu_run(), VMX always did),
 * or, on 6.1 SVM, inside the tracepoint's preempt_disable(): either way an
 * RCU read side, which target.c's synchronize_rcu() waits for.  From 7.x
 * on the tracepoint itself no longer disables preemption (SRCU-fast), so
 * probes that may run preemptible (task_newtask, task_rename) take what
 * they need themselves (target.c).
 *
 * vmprof_pcpu also keeps the last target lookup made on its CPU, beyond
 * the exit to user space and the context switch that end T's stay: a
 * guest that exits to its VMM for every port or MMIO access enters again
 * with the same thread and vCPU, and looking its target up each time was
 * most of what the entry probe cost (docs/benchmarks.md).
 *
 * The probes are registered by the first session and stay registered
 * until hooks_linger_ms after the last one ends (see below).
 *
 * Every tracepoint is found by name, in kvm.ko's tracepoint table or, for
 * the scheduler's and a built-in KVM's, the kernel's: none has to be
 * exported (sched_switch never was, and KVM restricts more of its
 * exports to its own modules from 6.18 on).  Each probe is checked at
 * build time against the kernel's own declaration of its tracepoint
 * (compat.h), and vmprof holds a reference on kvm.ko from load to unload,
 * as a link to its symbols would.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "vmprof.h"
#include "compat.h"
#include "guest_exit.h"

/* Declarations only (no CREATE_TRACE_POINTS), for compat.h's type checks. */
#include <trace/events/kvm.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>

DEFINE_PER_CPU(struct vmprof_pcpu, vmprof_pcpu);

/* kvm.ko, referenced from load to unload; NULL if KVM is built in. */
static struct module *vmprof_kvm;
static struct tracepoint *vmprof_tp_kvm_entry;
static struct tracepoint *vmprof_tp_kvm_exit;
static struct tracepoint *vmprof_tp_sched_switch;
static struct tracepoint *vmprof_tp_task_newtask;
static struct tracepoint *vmprof_tp_task_rename;

static DEFINE_MUTEX(vmprof_hooks_lock);
static unsigned int vmprof_hooks_users;

/*
 * Off-CPU time of an exit: from each time the vCPU thread leaves its CPU
 * during the exit (sched_switch) to the time it next gets one, which the
 * scheduler keeps (sched_info.last_arrival, on local_clock()'s clock);
 * the probes see it at the thread's next switch or its next entry.  The
 * rest of the exit's time, on the CPU, is the VMM's work for the guest;
 * off it, the vCPU waits: halted (KVM blocks it until an interrupt),
 * preempted, or blocked in the VMM's user space.
 */
static void vmprof_slot_off_cpu_end(struct vmprof_vcpu_slot *slot,
				    struct task_struct *task)
{
	u64 arrival;

	if (!slot->off_since)
		return;
	arrival = vmprof_task_last_arrival(task);
	if (arrival > slot->off_since)
		slot->offcpu_ns += arrival - slot->off_since;
	slot->off_since = 0;
}

/*
 * The probes run at every exit and entry of every vCPU while any session
 * is attached, and the bench counts their instructions (bench/icount.c):
 * everything is inlined into them but the guest-state read, and each
 * reads the clock once, a stamp (clock.c).
 */
static __always_inline void vmprof_slot_exit_account(struct vmprof_target *t,
						     struct vmprof_vcpu_slot *slot,
						     u32 isa, u32 reason,
						     u64 now)
{
	u32 idx = vmprof_exit_slot(isa, reason);

	this_cpu_ptr(t->exits)->c[idx].count++;
	slot->exit_reason = reason;
	slot->exit_slot = idx;
	slot->exit_stamp = now;
	slot->exit_cpu = raw_smp_processor_id();
	/* off_since and offcpu_ns are 0: the slot is not VMPROF_SLOT_VMM_OFF. */
	WRITE_ONCE(slot->state, VMPROF_SLOT_VMM);
}

static __always_inline void vmprof_slot_exit(struct vmprof_target *t,
					     struct vmprof_vcpu_slot *slot,
					     struct kvm_vcpu *vcpu, u64 now)
{
	/* For the VMM samples charged to it, when stacks are copied. */
	struct vmprof_exit_stack *xs = vmprof_guest_stack_exit_begin(t, slot);
	u32 reason = vmprof_guest_exit_slow(vcpu, &slot->exit_rip,
					    &t->guest_lstar);

	vmprof_slot_exit_account(t, slot, vmprof_isa, reason, now);
	vmprof_guest_stack_exit_end(xs, vcpu, slot->exit_rip);
}

/* The VMM's time on the exit before this entry, into the exit table. */
static __always_inline void vmprof_slot_vmm_time(struct vmprof_target *t,
						 struct vmprof_vcpu_slot *slot,
						 u64 now)
{
	/* Two CPUs' stamps if the thread moved in between (clock.c). */
	if (now > slot->exit_stamp &&
	    (likely(slot->exit_cpu == raw_smp_processor_id()) ||
	     READ_ONCE(vmprof_stamps_synced)))
		this_cpu_ptr(t->exits)->c[slot->exit_slot].vmm_stamps +=
			now - slot->exit_stamp;
}

/*
 * The part of that time the thread spent off its CPU (the slow path
 * only: the thread left its CPU during the exit), at most all of it.
 */
static void vmprof_slot_offcpu_time(struct vmprof_target *t,
				    struct vmprof_vcpu_slot *slot, u64 now)
{
	u64 vmm;

	vmprof_slot_off_cpu_end(slot, current);
	/* As the VMM time: not from two CPUs' stamps unless in sync. */
	if (slot->offcpu_ns && now > slot->exit_stamp &&
	    (slot->exit_cpu == raw_smp_processor_id() ||
	     READ_ONCE(vmprof_stamps_synced))) {
		vmm = vmprof_stamp_to_ns(now - slot->exit_stamp);
		this_cpu_ptr(t->exits)->c[slot->exit_slot].offcpu_ns +=
			min(slot->offcpu_ns, vmm);
	}
	slot->offcpu_ns = 0;
}

/*
 * Does this CPU's last lookup answer for (current, @vcpu)?  It is keyed
 * by the task, the vCPU and its index, and the targets' generation, which
 * changes whenever a target comes or goes.  A slot found is held by its
 * target, and holds the task, so while the generation stands the owner
 * cannot be another task at the same address.  "Not profiled" holds only
 * for the same thread group too: a new process at a dead one's addresses
 * is profiled only through a target made after it, which moved the
 * generation on.
 *
 * The cached slot and target are dereferenced only after the generation
 * matched, within one probe call (preemption disabled, an RCU read side):
 * a target that goes bumps the generation before synchronize_rcu() and
 * its free (target.c), so a cache older than that is never used, and a
 * probe that read the old generation finishes first.  Hooks registered
 * again start from a cleared cache.  The overflow handler reads only
 * task, vcpu and entry_stamp (sample.c).
 */
static __always_inline bool vmprof_pcpu_key(struct vmprof_pcpu *pc,
					    struct kvm_vcpu *vcpu,
					    unsigned long gen)
{
	return pc->owner == current && pc->vcpu == vcpu && pc->gen == gen &&
	       pc->vcpu_idx == vcpu->vcpu_idx;
}

static __always_inline bool vmprof_pcpu_cached(struct vmprof_pcpu *pc,
					       struct kvm_vcpu *vcpu,
					       unsigned long gen)
{
	return vmprof_pcpu_key(pc, vcpu, gen) &&
	       (pc->slot || pc->tgid == task_tgid(current));
}

static void vmprof_pcpu_lookup(struct vmprof_pcpu *pc, struct kvm_vcpu *vcpu,
			       unsigned long gen)
{
	struct vmprof_target *t = NULL;

	/*
	 * @gen was read before the targets are: pairs with the smp_wmb()
	 * in target.c, which bumps it after changing the list.  A target
	 * that goes while we look is found at most with the generation it
	 * had, which no later probe will match.
	 */
	smp_rmb();
	WRITE_ONCE(pc->task, NULL);
	barrier();
	pc->owner = current;
	pc->vcpu = vcpu;
	pc->vcpu_idx = vcpu->vcpu_idx;
	pc->tgid = task_tgid(current);
	pc->slot = vmprof_target_lookup(current, vcpu, &t);
	pc->target = t;
	pc->gen = gen;
	barrier();
}

/*
 * current enters the guest with pc->vcpu, at @stamp (0: not profiled).
 * The stamp goes first: an overflow handler that interrupts us and finds
 * the task set must not pair it with another entry's stamp (sample.c).
 */
static __always_inline void vmprof_pcpu_enter(struct vmprof_pcpu *pc,
					      u64 stamp)
{
	WRITE_ONCE(pc->entry_stamp, stamp);
	barrier();
	WRITE_ONCE(pc->task, current);
}

/*
 * The probes run at every exit and entry.  Their common case is inlined
 * into them and calls nothing, so that they need no registers saved;
 * everything else (a thread this CPU's cache does not know, a first
 * entry, an entry with no exit traced since the last, an exit whose guest
 * state needs more than the inlined read, a host without a TSC) is in the
 * _slow functions, which do the whole job.  These take the probe's own
 * arguments first, as they arrive, and the compiler may not change that
 * (__noipa), so that the common case moves no register for them.  The
 * bench counts them (docs/benchmarks.md).
 *
 * Only profiled VMs pay for the clock read; others never get a held-tick
 * correction.  A stamp (the TSC, clock.c) rather than CLOCK_MONOTONIC:
 * two reads per exit must be cheap wherever the clocksource is not the
 * TSC (the lab's L1 runs on the HPET, an emulated MMIO read each time).
 */
static noinline __noipa void vmprof_kvm_entry_slow(void *data,
						   struct kvm_vcpu *vcpu,
						   unsigned long gen)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_vcpu_slot *slot;
	struct vmprof_target *t;
	u64 now;

	if (!vmprof_pcpu_cached(pc, vcpu, gen))
		vmprof_pcpu_lookup(pc, vcpu, gen);
	slot = pc->slot;
	if (!slot) {
		vmprof_pcpu_enter(pc, 0);
		return;
	}
	t = pc->target;
	now = vmprof_stamp();
	vmprof_pcpu_enter(pc, now);
	switch (slot->state) {
	case VMPROF_SLOT_GUEST:
		/*
		 * Entered again with no kvm_exit in between: 6.1 SVM does
		 * not trace fastpath exits.  The VMCB still holds the code.
		 */
		vmprof_slot_exit(t, slot, vcpu, now);
		fallthrough;
	case VMPROF_SLOT_VMM:
	case VMPROF_SLOT_VMM_OFF:
		vmprof_slot_vmm_time(t, slot, now);
		vmprof_slot_offcpu_time(t, slot, now);
		break;
	}
	WRITE_ONCE(slot->state, VMPROF_SLOT_GUEST);
}

static __always_inline void vmprof_kvm_entry(void *data,
					     struct kvm_vcpu *vcpu)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	unsigned long gen = READ_ONCE(vmprof_targets_gen);
	struct vmprof_vcpu_slot *slot;
	u64 now;

	if (unlikely(!vmprof_pcpu_cached(pc, vcpu, gen)))
		return vmprof_kvm_entry_slow(data, vcpu, gen);
	slot = pc->slot;
	if (!slot) {
		vmprof_pcpu_enter(pc, 0);
		return;
	}
	if (unlikely(slot->state != VMPROF_SLOT_VMM ||
		     !static_branch_likely(&vmprof_stamp_tsc)))
		return vmprof_kvm_entry_slow(data, vcpu, gen);
	now = rdtsc();
	vmprof_pcpu_enter(pc, now);
	vmprof_slot_vmm_time(pc->target, slot, now);
	WRITE_ONCE(slot->state, VMPROF_SLOT_GUEST);
}

/*
 * The time of the entry, for the software clock's corrections (sample.c),
 * taken as late
 * as a module can: kvm_wait_lapic_expire() is the last function KVM calls
 * on the way into the guest, in svm_vcpu_run() and vmx_vcpu_run() of
 * every kernel from 6.1 to 7.3, after the kvm_entry tracepoint and with
 * interrupts (and on SVM the GIF) already off; what follows (the
 * SPEC_CTRL switch, VMLOAD, VMRUN or VMLAUNCH) is noinstr.  A software
 * clock tick that expires between the tracepoint and VMRUN is held until
 * the guest is entered and then looks like a guest tick at the RIP the
 * last exit left, a driver's MMIO or port access: for a guest that exits
 * all the time, that stretch is a good part of its wall time.  An ftrace
 * callback on the function's entry costs an indirect call per entry; a
 * kprobe there would cost an int3.  Without it (ftrace unavailable, the
 * function gone) the tracepoint's time stands.
 */
static void notrace vmprof_ftrace_vmenter(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *op,
					  struct ftrace_regs *fregs)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);

	/* Interrupts are off since kvm_entry: pc is this entry's. */
	if (READ_ONCE(pc->task) == current && pc->slot)
		WRITE_ONCE(pc->entry_stamp, vmprof_stamp());
}

/*
 * The time of the exit, the same way: kvm_load_host_xsave_state() is the
 * first function svm_vcpu_run() and vmx_vcpu_run() call after the VM exit
 * (6.1 to 6.12; 7.x makes it part of KVM's common entry code), before
 * KVM's interrupt window.  There 6.1 SVM has not traced kvm_exit yet; the
 * kvm_exit probe gives the time where the function is gone.
 */
static void notrace vmprof_ftrace_vmexit(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *op,
					 struct ftrace_regs *fregs)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);

	if (READ_ONCE(pc->task) == current && pc->slot)
		WRITE_ONCE(pc->exit_stamp, vmprof_stamp());
}

struct vmprof_ftrace_hook {
	char func[32];
	struct ftrace_ops ops;
	bool hooked;
};

/*
 * Neither can recurse: each traces one KVM function and calls none, and
 * both run with interrupts off.  So neither sets FTRACE_OPS_FL_RECURSION,
 * which asks ftrace for recursion protection (ftrace_ops_assist_func()
 * between the trampoline and the callback: about 60 instructions per
 * call, twice per exit, in the bench's counts).
 */
static struct vmprof_ftrace_hook vmprof_ftrace_hooks[] = {
	{
		.func = "kvm_wait_lapic_expire",
		.ops = {
			.func = vmprof_ftrace_vmenter,
		},
	},
	{
		.func = "kvm_load_host_xsave_state",
		.ops = {
			.func = vmprof_ftrace_vmexit,
		},
	},
};

/*
 * Hooking rewrites the start of KVM functions that running vCPUs execute.
 * A real CPU handles that (text_poke_bp); QEMU's multi-threaded TCG, which
 * the lab needs for L2 Linux guests, can run a stale translation of it and
 * freeze (docs/reliability.md): the lab turns the hooks off there.
 */
static bool entry_exit_ftrace = true;
module_param(entry_exit_ftrace, bool, 0644);
MODULE_PARM_DESC(entry_exit_ftrace,
		 "time VM entries and exits with ftrace callbacks on KVM (software clock corrections)");

static void vmprof_ftrace_hook(void)
{
	struct vmprof_ftrace_hook *h;
	int err;

	if (!READ_ONCE(entry_exit_ftrace))
		return;
	for (h = vmprof_ftrace_hooks;
	     h < vmprof_ftrace_hooks + ARRAY_SIZE(vmprof_ftrace_hooks); h++) {
		err = ftrace_set_filter(&h->ops, h->func, strlen(h->func), 1);
		if (!err)
			err = register_ftrace_function(&h->ops);
		h->hooked = !err;
		/* Not worth a warning where KVM has no such function. */
		if (err && err != -EINVAL)
			pr_warn("cannot hook %s (%d): software-clock ticks around VM entry are charged to the guest\n",
				h->func, err);
	}
}

static bool vmprof_ftrace_hooked;	/* under vmprof_hooks_lock */

static void vmprof_ftrace_unhook(void)
{
	struct vmprof_ftrace_hook *h;

	vmprof_ftrace_hooked = false;

	for (h = vmprof_ftrace_hooks;
	     h < vmprof_ftrace_hooks + ARRAY_SIZE(vmprof_ftrace_hooks); h++) {
		if (h->hooked)
			unregister_ftrace_function(&h->ops);
		h->hooked = false;
		/*
		 * Reset to no filter: frees the hash ftrace_set_filter()
		 * allocated (ftrace_free_filter() is not exported before
		 * 6.3), which would leak when the module goes.
		 */
		ftrace_set_filter(&h->ops, NULL, 0, 1);
	}
}

/*
 * The probes are notrace: they run at every exit, and ftrace's NOP at
 * their start would be one instruction more each time.
 *
 * kvm_entry before and after 6.9 gave it force_immediate_exit.
 */
static notrace void __maybe_unused
vmprof_probe_kvm_entry2(void *data, struct kvm_vcpu *vcpu)
{
	vmprof_kvm_entry(data, vcpu);
}

static notrace void __maybe_unused
vmprof_probe_kvm_entry3(void *data, struct kvm_vcpu *vcpu,
			bool force_immediate_exit)
{
	vmprof_kvm_entry(data, vcpu);
}

#define vmprof_probe_kvm_entry						\
	__builtin_choose_expr(__same_type(&vmprof_probe_kvm_entry3,	\
					  vmprof_tp_kvm_entry_t),	\
			      vmprof_probe_kvm_entry3, vmprof_probe_kvm_entry2)
static_assert(__same_type(&vmprof_probe_kvm_entry3, vmprof_tp_kvm_entry_t) ||
	      __same_type(&vmprof_probe_kvm_entry2, vmprof_tp_kvm_entry_t),
	      "kvm_entry has a prototype vmprof does not know");

/*
 * The exit's time for this CPU's current run, unless the ftrace callback
 * took it earlier (then it is later than the entry's).  Only while
 * current is the task of that run: 6.1 SVM traces the exit late, maybe
 * on another CPU.
 */
static __always_inline void vmprof_pcpu_exit_stamp(struct vmprof_pcpu *pc,
						   u64 now)
{
	if (pc->task == current && pc->exit_stamp <= pc->entry_stamp)
		WRITE_ONCE(pc->exit_stamp, now);
}

/*
 * 6.1 SVM traces the exit after preemption is enabled again, so the
 * thread may have moved since its entry: then it is looked up.
 */
static noinline __noipa void vmprof_kvm_exit_slow(void *data,
						  struct kvm_vcpu *vcpu)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_target *t = NULL;
	struct vmprof_vcpu_slot *slot;

	if (vmprof_pcpu_cached(pc, vcpu, READ_ONCE(vmprof_targets_gen))) {
		slot = pc->slot;
		t = pc->target;
	} else {
		slot = vmprof_target_lookup(current, vcpu, &t);
	}
	if (slot) {
		u64 now = vmprof_stamp();

		vmprof_pcpu_exit_stamp(pc, now);
		vmprof_slot_exit(t, slot, vcpu, now);
	}
}

/* The kvm_exit probe of other hosts (VMX, or no TSC): all out of line. */
static notrace void vmprof_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu,
					  u32 isa)
{
	vmprof_kvm_exit_slow(data, vcpu);
}

/*
 * The kvm_exit probe of an SVM host with TSC stamps, chosen when the hooks
 * are registered so that no exit tests either: its common case reads the
 * VMCB inline.
 */
static notrace void vmprof_probe_kvm_exit_svm(void *data,
					      struct kvm_vcpu *vcpu, u32 isa)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_vcpu_slot *slot;
	struct vmprof_target *t;
	u32 reason;
	u64 now;

	if (unlikely(!vmprof_pcpu_key(pc, vcpu, READ_ONCE(vmprof_targets_gen))))
		return vmprof_kvm_exit_slow(data, vcpu);
	slot = pc->slot;
	if (!slot) {
		/* Not profiled, unless the thread group is not the same. */
		if (unlikely(pc->tgid != task_tgid(current)))
			return vmprof_kvm_exit_slow(data, vcpu);
		return;
	}
	t = pc->target;
	/* A session that copies stacks keeps each exit's registers. */
	if (unlikely(atomic_read(&t->stack_sessions) ||
		     !vmprof_guest_exit_svm(vcpu, &reason, &slot->exit_rip)))
		return vmprof_kvm_exit_slow(data, vcpu);
	now = rdtsc();
	vmprof_pcpu_exit_stamp(pc, now);
	vmprof_slot_exit_account(t, slot, VMPROF_ISA_SVM, reason, now);
}

/*
 * @prev leaves this CPU.  If it is a vCPU thread in an exit (in KVM or in
 * its VMM's user space: this CPU's lookup is still its own), the exit's
 * off-CPU time starts.  Called with interrupts off: pc stays this CPU's.
 */
static notrace void vmprof_probe_sched_switch(void *data, bool preempt,
					      struct task_struct *prev,
					      struct task_struct *next,
					      unsigned int prev_state)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_vcpu_slot *slot;

	if (pc->task == prev)
		WRITE_ONCE(pc->task, NULL);
	if (pc->owner != prev || pc->gen != READ_ONCE(vmprof_targets_gen))
		return;
	slot = pc->slot;
	if (!slot || READ_ONCE(slot->task) != prev)
		return;
	switch (READ_ONCE(slot->state)) {
	case VMPROF_SLOT_VMM_OFF:
		vmprof_slot_off_cpu_end(slot, prev);
		fallthrough;
	case VMPROF_SLOT_VMM:
		slot->off_since = local_clock();
		WRITE_ONCE(slot->state, VMPROF_SLOT_VMM_OFF);
		break;
	}
}

/* task_newtask's clone_flags became u64 in 6.18. */
static void __maybe_unused vmprof_probe_newtask_ul(void *data,
						   struct task_struct *task,
						   unsigned long clone_flags)
{
	vmprof_target_new_task(task);
}

static void __maybe_unused vmprof_probe_newtask_u64(void *data,
						    struct task_struct *task,
						    u64 clone_flags)
{
	vmprof_target_new_task(task);
}

#define vmprof_probe_task_newtask					\
	__builtin_choose_expr(vmprof_tp_probe_matches(task_newtask,	\
					vmprof_probe_newtask_u64),	\
			      vmprof_probe_newtask_u64, vmprof_probe_newtask_ul)

static void vmprof_probe_task_rename(void *data, struct task_struct *task,
				     const char *comm)
{
	vmprof_target_named_task(task);
}

static_assert(__same_type(&vmprof_probe_kvm_exit, vmprof_tp_kvm_exit_t) &&
	      __same_type(&vmprof_probe_kvm_exit_svm, vmprof_tp_kvm_exit_t),
	      "kvm_exit has a prototype vmprof does not know");
static_assert(vmprof_tp_probe_matches(sched_switch, vmprof_probe_sched_switch),
	      "sched_switch has a prototype vmprof does not know");
static_assert(vmprof_tp_probe_matches(task_newtask, vmprof_probe_newtask_u64) ||
	      vmprof_tp_probe_matches(task_newtask, vmprof_probe_newtask_ul),
	      "task_newtask has a prototype vmprof does not know");
static_assert(vmprof_tp_probe_matches(task_rename, vmprof_probe_task_rename),
	      "task_rename has a prototype vmprof does not know");

/* KVM's tracepoints, in kvm.ko's table or (KVM built in) the kernel's. */
static void vmprof_match_kvm_tp(struct tracepoint *tp)
{
	if (!strcmp(tp->name, "kvm_entry"))
		vmprof_tp_kvm_entry = tp;
	else if (!strcmp(tp->name, "kvm_exit"))
		vmprof_tp_kvm_exit = tp;
}

static void vmprof_find_core_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		vmprof_tp_sched_switch = tp;
	else if (!strcmp(tp->name, "task_newtask"))
		vmprof_tp_task_newtask = tp;
	else if (!strcmp(tp->name, "task_rename"))
		vmprof_tp_task_rename = tp;
	else
		vmprof_match_kvm_tp(tp);
}

struct vmprof_hook {
	struct tracepoint **tp;
	void *probe;
	void *probe_svm;	/* instead of probe on an SVM host with TSC
				 * stamps, if set */
};

static const struct vmprof_hook vmprof_hooks[] = {
	{ &vmprof_tp_sched_switch, vmprof_probe_sched_switch },
	{ &vmprof_tp_task_newtask, vmprof_probe_task_newtask },
	{ &vmprof_tp_task_rename, vmprof_probe_task_rename },
	{ &vmprof_tp_kvm_exit, vmprof_probe_kvm_exit,
	  vmprof_probe_kvm_exit_svm },
	{ &vmprof_tp_kvm_entry, vmprof_probe_kvm_entry },
};

/*
 * vmprof_isa and vmprof_stamp_tsc are set once at load: registration and
 * removal agree.
 */
static void *vmprof_hook_probe(const struct vmprof_hook *h)
{
	return vmprof_isa == VMPROF_ISA_SVM && h->probe_svm &&
	       static_branch_likely(&vmprof_stamp_tsc) ? h->probe_svm :
							 h->probe;
}

static void vmprof_pcpu_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&vmprof_pcpu, cpu), 0,
		       sizeof(struct vmprof_pcpu));
}

static void vmprof_hooks_unregister(int n)
{
	vmprof_ftrace_unhook();
	while (n--)
		tracepoint_probe_unregister(*vmprof_hooks[n].tp,
					    vmprof_hook_probe(&vmprof_hooks[n]),
					    NULL);
	/* No probe runs, or holds a per-CPU pointer, after this. */
	tracepoint_synchronize_unregister();
	vmprof_pcpu_reset();
}

/*
 * Registering or removing a probe rewrites the call sites of hot
 * tracepoints (static keys and static calls: text_poke_bp, three IPIs to
 * every CPU per batch).  A user who records again and again, or a tool
 * that attaches briefly, would do that on every session.  So the probes
 * stay registered for hooks_linger_ms after the last session ends, as
 * perf defers turning off its own scheduler hooks (perf_sched_events).
 * Idle probes cost a per-CPU compare per context switch and a cached
 * lookup per VM exit.
 *
 * (The churn also froze the lab: QEMU TCG with a thread per vCPU ran a
 * stale translation of a rewritten site; docs/reliability.md.)
 */
static unsigned int hooks_linger_ms = 10000;
module_param(hooks_linger_ms, uint, 0644);
MODULE_PARM_DESC(hooks_linger_ms,
		 "keep the KVM and scheduler probes this long after the last session (ms)");

static bool vmprof_hooks_registered;

static void vmprof_hooks_linger_end(struct work_struct *work)
{
	mutex_lock(&vmprof_hooks_lock);
	if (!vmprof_hooks_users && vmprof_hooks_registered) {
		vmprof_hooks_unregister(ARRAY_SIZE(vmprof_hooks));
		vmprof_hooks_registered = false;
	}
	mutex_unlock(&vmprof_hooks_lock);
}
static DECLARE_DELAYED_WORK(vmprof_hooks_linger, vmprof_hooks_linger_end);

static int vmprof_hooks_register(void)
{
	int i, err;

	vmprof_clock_check();
	vmprof_pcpu_reset();
	for (i = 0; i < ARRAY_SIZE(vmprof_hooks); i++) {
		err = tracepoint_probe_register(*vmprof_hooks[i].tp,
						vmprof_hook_probe(&vmprof_hooks[i]),
						NULL);
		if (err) {
			pr_err("cannot hook tracepoint %s: %d\n",
			       (*vmprof_hooks[i].tp)->name, err);
			vmprof_hooks_unregister(i);
			return err;
		}
	}
	return 0;
}

int vmprof_hooks_get(void)
{
	int err = 0;

	mutex_lock(&vmprof_hooks_lock);
	if (!vmprof_hooks_registered) {
		err = vmprof_hooks_register();
		vmprof_hooks_registered = !err;
	}
	if (!err)
		vmprof_hooks_users++;
	mutex_unlock(&vmprof_hooks_lock);
	return err;
}

void vmprof_hooks_put(void)
{
	mutex_lock(&vmprof_hooks_lock);
	if (!--vmprof_hooks_users)
		mod_delayed_work(vmprof_wq, &vmprof_hooks_linger,
				 msecs_to_jiffies(READ_ONCE(hooks_linger_ms)));
	mutex_unlock(&vmprof_hooks_lock);
}

/*
 * The ftrace hooks time VM entries and exits for the software clock's
 * corrections only: a hardware counter needs none, and the hooks would
 * add two calls through ftrace to every exit (about as many instructions
 * as the tracepoint probes; docs/benchmarks.md).  So they come with the
 * first software-clock session to start and go with the tracepoint
 * probes.  Called by a session that holds a vmprof_hooks_get().
 */
void vmprof_hooks_time_vm_switches(void)
{
	mutex_lock(&vmprof_hooks_lock);
	if (vmprof_hooks_registered && !vmprof_ftrace_hooked) {
		vmprof_ftrace_hook();
		vmprof_ftrace_hooked = true;
	}
	mutex_unlock(&vmprof_hooks_lock);
}

/* For debugfs: 1 while the probes are registered. */
bool vmprof_hooks_active(void)
{
	return READ_ONCE(vmprof_hooks_registered);
}

/*
 * kvm.ko's tracepoints.  The tracepoint module notifier, when registered,
 * is called for every module that has tracepoints and is already live
 * (__module_address() and find_module() are not exported).  kvm.ko is
 * taken with a reference so that its tracepoints outlive our probes.
 */
static int vmprof_tp_module_cb(struct notifier_block *nb, unsigned long val,
			       void *data)
{
	struct tp_module *tp_mod = data;
	struct module *mod = tp_mod->mod;
	unsigned int i;

	if (val != MODULE_STATE_COMING || vmprof_kvm ||
	    strcmp(mod->name, "kvm") || !try_module_get(mod))
		return NOTIFY_OK;
	vmprof_kvm = mod;
	for (i = 0; i < mod->num_tracepoints; i++)
		vmprof_match_kvm_tp(tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]));
	return NOTIFY_OK;
}

static struct notifier_block vmprof_tp_module_nb = {
	.notifier_call = vmprof_tp_module_cb,
};

int vmprof_hooks_init(void)
{
	if (!register_tracepoint_module_notifier(&vmprof_tp_module_nb))
		unregister_tracepoint_module_notifier(&vmprof_tp_module_nb);
	for_each_kernel_tracepoint(vmprof_find_core_tp, NULL);
	if (!vmprof_tp_kvm_entry || !vmprof_tp_kvm_exit) {
		pr_err("KVM is not loaded (no kvm_entry, kvm_exit tracepoints): load kvm_intel or kvm_amd first\n");
		goto err;
	}
	if (!vmprof_tp_sched_switch || !vmprof_tp_task_newtask ||
	    !vmprof_tp_task_rename) {
		pr_err("tracepoints missing: sched_switch %d, task_newtask %d, task_rename %d\n",
		       !!vmprof_tp_sched_switch, !!vmprof_tp_task_newtask,
		       !!vmprof_tp_task_rename);
		goto err;
	}
	return 0;
err:
	if (vmprof_kvm)
		module_put(vmprof_kvm);
	vmprof_kvm = NULL;
	return -ENOENT;
}

void vmprof_hooks_uninit(void)
{
	/* No session is left (they pin the module): end the linger now. */
	WARN_ON(vmprof_hooks_users);
	mod_delayed_work(vmprof_wq, &vmprof_hooks_linger, 0);
	flush_delayed_work(&vmprof_hooks_linger);
	if (vmprof_kvm)
		module_put(vmprof_kvm);
}
