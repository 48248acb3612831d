// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks on KVM and the scheduler, and the per-CPU view they maintain.
 *
 * Which mechanism, and why (docs/design.md has the measurements):
 *
 *  - kvm:kvm_entry and kvm:kvm_exit tracepoints, exported by kvm.ko, fire
 *    on every guest entry and exit, fastpath re-entries included, for a
 *    static-branch and an indirect call.  A kprobe there would cost an
 *    int3 per exit, and the functions around VM entry are noinstr.
 *  - kvm:kvm_userspace_exit (not exported: found by name in kvm.ko's
 *    tracepoint table) says a vCPU thread left KVM_RUN.
 *  - sched:sched_switch (found with for_each_kernel_tracepoint) says a
 *    vCPU thread left its CPU.  It does the job of a preempt notifier for
 *    every thread at once; preempt notifiers must be registered by each
 *    thread on itself, which the VMM's threads cannot be asked to do.
 *  - sched:sched_process_fork meets new VMM threads for domain-switch.
 *
 * vmprof_pcpu says "task T is inside KVM_RUN with vCPU V on this CPU, and
 * has not left the CPU since it last entered the guest".  While that
 * holds, T's ioctl holds V's file, so V is alive and loaded here; that is
 * what lets the overflow handler look at V without a reference on the VM.
 * kvm_entry sets it; kvm_userspace_exit and sched_switch clear it.  It is
 * only written on its own CPU, with preemption disabled, and read by the
 * overflow handler on the same CPU, which may interrupt a probe: the task
 * is cleared first and set last so the handler never pairs T with a V
 * that is not T's.
 *
 * The probes are registered while any session is attached.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "vmprof.h"
#include "compat.h"

DEFINE_PER_CPU(struct vmprof_pcpu, vmprof_pcpu);

extern struct tracepoint __tracepoint_kvm_entry;
extern struct tracepoint __tracepoint_kvm_exit;

static struct module *vmprof_kvm;
static struct tracepoint *vmprof_tp_userspace_exit;
static struct tracepoint *vmprof_tp_sched_switch;
static struct tracepoint *vmprof_tp_sched_fork;

static DEFINE_MUTEX(vmprof_hooks_lock);
static unsigned int vmprof_hooks_users;

struct module *vmprof_kvm_module(void)
{
	return vmprof_kvm;
}

static void vmprof_slot_exit(struct vmprof_target *t,
			     struct vmprof_vcpu_slot *slot,
			     struct kvm_vcpu *vcpu, u64 now)
{
	struct vmprof_guest_regs r;
	u32 idx;

	if (!vmprof_guest_read(vcpu, &r, true))
		r.exit_reason = U32_MAX;
	idx = vmprof_exit_slot(vmprof_isa, r.exit_reason);
	this_cpu_ptr(t->exits)->c[idx].count++;
	slot->exit_reason = r.exit_reason;
	slot->exit_slot = idx;
	slot->exit_rip = r.rip;
	slot->exit_ns = now;
	if (r.lstar && r.lstar != READ_ONCE(t->guest_lstar))
		WRITE_ONCE(t->guest_lstar, r.lstar);
	WRITE_ONCE(slot->state, VMPROF_SLOT_VMM);
}

static void vmprof_slot_entry(struct vmprof_target *t,
			      struct vmprof_vcpu_slot *slot,
			      struct kvm_vcpu *vcpu, u64 now)
{
	switch (slot->state) {
	case VMPROF_SLOT_GUEST:
		/*
		 * Entered again with no kvm_exit in between: 6.1 SVM does
		 * not trace fastpath exits.  The VMCB still holds the code.
		 */
		vmprof_slot_exit(t, slot, vcpu, now);
		fallthrough;
	case VMPROF_SLOT_VMM:
		/*
		 * local_clock() of two CPUs if the thread moved in between:
		 * they may disagree by a little, never by a negative time.
		 */
		if (now > slot->exit_ns)
			this_cpu_ptr(t->exits)->c[slot->exit_slot].vmm_ns +=
				now - slot->exit_ns;
		break;
	}
	WRITE_ONCE(slot->state, VMPROF_SLOT_GUEST);
}

static void vmprof_probe_kvm_entry(VMPROF_KVM_ENTRY_PROTO)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	unsigned long gen = READ_ONCE(vmprof_targets_gen);

	if (pc->task != current || pc->vcpu != vcpu || pc->gen != gen) {
		struct vmprof_target *t = NULL;

		WRITE_ONCE(pc->task, NULL);
		barrier();
		pc->vcpu = vcpu;
		pc->slot = vmprof_target_lookup(current, vcpu, &t);
		pc->target = t;
		pc->gen = gen;
		barrier();
		WRITE_ONCE(pc->task, current);
	}
	/*
	 * Only profiled VMs pay for the clock read; others never get a
	 * held-tick correction.  local_clock() (the TSC, per CPU) rather
	 * than CLOCK_MONOTONIC: two reads per exit must be cheap wherever
	 * the clocksource is not the TSC (the lab's L1 runs on the HPET,
	 * an emulated MMIO read each time).
	 */
	if (pc->slot) {
		WRITE_ONCE(pc->entry_ns, local_clock());
		vmprof_slot_entry(pc->target, pc->slot, vcpu, pc->entry_ns);
	} else {
		WRITE_ONCE(pc->entry_ns, 0);
	}
}

static void vmprof_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);
	struct vmprof_vcpu_slot *slot;
	struct vmprof_target *t = NULL;

	/*
	 * 6.1 SVM traces the exit after preemption is enabled again, so
	 * the thread may have moved since its entry: then look it up.
	 */
	if (pc->task == current && pc->vcpu == vcpu &&
	    pc->gen == READ_ONCE(vmprof_targets_gen)) {
		slot = pc->slot;
		t = pc->target;
	} else {
		slot = vmprof_target_lookup(current, vcpu, &t);
	}
	if (slot)
		vmprof_slot_exit(t, slot, vcpu, local_clock());
}

static void vmprof_pcpu_leave(struct task_struct *task)
{
	struct vmprof_pcpu *pc = this_cpu_ptr(&vmprof_pcpu);

	if (pc->task == task)
		WRITE_ONCE(pc->task, NULL);
}

static void vmprof_probe_userspace_exit(void *data, __u32 reason, int err)
{
	vmprof_pcpu_leave(current);
}

static void vmprof_probe_sched_switch(void *data, bool preempt,
				      struct task_struct *prev,
				      struct task_struct *next,
				      unsigned int prev_state)
{
	vmprof_pcpu_leave(prev);
}

static void vmprof_probe_sched_fork(void *data, struct task_struct *parent,
				    struct task_struct *child)
{
	vmprof_target_fork(child);
}

static void vmprof_find_core_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		vmprof_tp_sched_switch = tp;
	else if (!strcmp(tp->name, "sched_process_fork"))
		vmprof_tp_sched_fork = tp;
	else if (!strcmp(tp->name, "kvm_userspace_exit"))
		vmprof_tp_userspace_exit = tp;	/* KVM built in */
}

static struct tracepoint *vmprof_find_module_tp(struct module *mod,
						const char *name)
{
	unsigned int i;

	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp =
			tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		if (!strcmp(tp->name, name))
			return tp;
	}
	return NULL;
}

struct vmprof_hook {
	struct tracepoint **tp;
	void *probe;
};

static struct tracepoint *vmprof_tp_kvm_entry = &__tracepoint_kvm_entry;
static struct tracepoint *vmprof_tp_kvm_exit = &__tracepoint_kvm_exit;

static const struct vmprof_hook vmprof_hooks[] = {
	{ &vmprof_tp_sched_switch, vmprof_probe_sched_switch },
	{ &vmprof_tp_userspace_exit, vmprof_probe_userspace_exit },
	{ &vmprof_tp_sched_fork, vmprof_probe_sched_fork },
	{ &vmprof_tp_kvm_exit, vmprof_probe_kvm_exit },
	{ &vmprof_tp_kvm_entry, vmprof_probe_kvm_entry },
};

static void vmprof_pcpu_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&vmprof_pcpu, cpu), 0,
		       sizeof(struct vmprof_pcpu));
}

static void vmprof_hooks_unregister(int n)
{
	while (n--)
		tracepoint_probe_unregister(*vmprof_hooks[n].tp,
					    vmprof_hooks[n].probe, NULL);
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

	vmprof_pcpu_reset();
	for (i = 0; i < ARRAY_SIZE(vmprof_hooks); i++) {
		err = tracepoint_probe_register(*vmprof_hooks[i].tp,
						vmprof_hooks[i].probe, NULL);
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
		mod_delayed_work(system_wq, &vmprof_hooks_linger,
				 msecs_to_jiffies(READ_ONCE(hooks_linger_ms)));
	mutex_unlock(&vmprof_hooks_lock);
}

/* For debugfs: 1 while the probes are registered. */
bool vmprof_hooks_active(void)
{
	return READ_ONCE(vmprof_hooks_registered);
}

/*
 * __module_address() is not exported; the tracepoint module notifier walks
 * the modules that have tracepoints when it is registered.
 */
static int vmprof_tp_module_cb(struct notifier_block *nb, unsigned long val,
			       void *data)
{
	struct tp_module *tp_mod = data;
	struct tracepoint *tp;

	if (val != MODULE_STATE_COMING || vmprof_tp_userspace_exit)
		return NOTIFY_OK;
	tp = vmprof_find_module_tp(tp_mod->mod, "kvm_userspace_exit");
	if (tp && vmprof_find_module_tp(tp_mod->mod, "kvm_entry") ==
		  &__tracepoint_kvm_entry) {
		vmprof_tp_userspace_exit = tp;
		vmprof_kvm = tp_mod->mod;
	}
	return NOTIFY_OK;
}

static struct notifier_block vmprof_tp_module_nb = {
	.notifier_call = vmprof_tp_module_cb,
};

int vmprof_hooks_init(void)
{
	/* Our link to kvm.ko's symbols pins kvm.ko while we are loaded. */
	if (!register_tracepoint_module_notifier(&vmprof_tp_module_nb))
		unregister_tracepoint_module_notifier(&vmprof_tp_module_nb);
	for_each_kernel_tracepoint(vmprof_find_core_tp, NULL);
	if (!vmprof_tp_userspace_exit || !vmprof_tp_sched_switch ||
	    !vmprof_tp_sched_fork) {
		pr_err("tracepoints missing: kvm_userspace_exit %d, sched_switch %d, sched_process_fork %d\n",
		       !!vmprof_tp_userspace_exit, !!vmprof_tp_sched_switch,
		       !!vmprof_tp_sched_fork);
		return -ENOENT;
	}
	return 0;
}

void vmprof_hooks_uninit(void)
{
	/* No session is left (they pin the module): end the linger now. */
	WARN_ON(vmprof_hooks_users);
	mod_delayed_work(system_wq, &vmprof_hooks_linger, 0);
	flush_delayed_work(&vmprof_hooks_linger);
}
