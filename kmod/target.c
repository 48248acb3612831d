// SPDX-License-Identifier: GPL-2.0
/*
 * Targets: the VMs being profiled.
 *
 * A target is found by the thread-group pid of its VMM, checked to own a
 * KVM VM (file_is_kvm() is not exported to out-of-tree modules from 6.18
 * on, so by the file's name), and shared by all sessions watching it.
 *
 * vCPUs are not enumerated: the kvm_entry probe meets each vCPU thread the
 * first time it enters the guest (that covers vCPUs created after attach)
 * and claims the slot of its vcpu_idx.  A vCPU that another thread runs
 * later (QEMU gives a vCPU that is unplugged and plugged again a new
 * thread) moves its slot to that thread.  Creating perf events sleeps, so
 * the probe only marks the slot and a work item creates them.  New VMM
 * threads (domain-switch mode profiles all of them) are met the same way
 * by the task_newtask probe, and kernel threads that do a VMM's work (the
 * vhost workers before 6.4) when a thread of the VMM names them.
 *
 * The target holds references on the vCPU tasks and the VMM's struct pid,
 * never on struct kvm or a VMM file: the VM and its process die as if
 * vmprof were not there.
 */
#include <linux/fdtable.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vmprof.h"
#include "compat.h"

static DEFINE_MUTEX(vmprof_targets_lock);
static LIST_HEAD(vmprof_targets);
/*
 * Bumped whenever the answer of vmprof_target_lookup() may change for a
 * (task, vCPU) pair: a target comes or goes, a slot changes threads, so
 * that the per-CPU caches of lookups (hooks.c) revalidate: a slot found,
 * or none.  Without the bump a vCPU thread that met the probes before a
 * recording started stays "not profiled" for as long as that cache holds.
 */
unsigned long vmprof_targets_gen;

/*
 * Under vmprof_targets_lock, after the change: the list or the slot,
 * then the generation (pairs with the smp_rmb() of hooks.c's lookup).
 */
static void vmprof_targets_changed(void)
{
	lockdep_assert_held(&vmprof_targets_lock);
	smp_wmb();
	WRITE_ONCE(vmprof_targets_gen, vmprof_targets_gen + 1);
}

u32 vmprof_exit_reason_of_slot(u32 isa, u32 slot)
{
	if (slot < 0x100)
		return slot;
	if (slot < VMPROF_EXIT_OTHER && isa == VMPROF_ISA_SVM)
		return slot - 0x100 + 0x400;
	return U32_MAX;
}

/*
 * KVM's VM file is an anonymous inode named "kvm-vm".  Only kernel code
 * names anonymous inodes, so the pair identifies it on every version;
 * its fops have no owner to compare against (6.1 leaves it NULL).
 */
bool vmprof_file_is_kvm_vm(struct file *f)
{
	return f->f_path.mnt->mnt_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp(f->f_path.dentry->d_name.name, "kvm-vm");
}

struct vmprof_vm_scan {
	bool found;
	bool mediated_pmu;
};

/*
 * Runs under files->file_lock: may not sleep.  The fd table holds the VM
 * file, and the file holds the VM, while we look at it.
 */
static int vmprof_scan_fd(const void *priv, struct file *f, unsigned int fd)
{
	struct vmprof_vm_scan *scan = (struct vmprof_vm_scan *)priv;

	if (!vmprof_file_is_kvm_vm(f))
		return 0;
	scan->found = true;
	scan->mediated_pmu = vmprof_kvm_mediated_pmu(f->private_data);
	return 1;
}

static bool vmprof_task_has_vm(struct task_struct *task,
			       struct vmprof_vm_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	task_lock(task);
	if (task->files)
		iterate_fd(task->files, 0, vmprof_scan_fd, scan);
	task_unlock(task);
	return scan->found;
}

static void vmprof_target_add_thread(struct vmprof_target *t,
				     struct task_struct *task,
				     struct vmprof_vcpu_slot *slot)
{
	struct vmprof_session *s;

	lockdep_assert_held(&t->lock);
	list_for_each_entry(s, &t->sessions, target_node)
		vmprof_session_add_thread(s, task, slot);
}

/*
 * A new thread runs the vCPU of @slot: give the slot to it, under the
 * target's lock.  The old thread, if it still lives, is no longer that
 * vCPU for the sessions that profile it.
 */
static void vmprof_slot_move(struct vmprof_target *t,
			     struct vmprof_vcpu_slot *slot)
{
	struct task_struct *next = xchg(&slot->next_task, NULL);
	struct task_struct *old = slot->task;
	struct vmprof_session *s;

	lockdep_assert_held(&t->lock);
	if (!next || !old)
		return;	/* (a slot is claimed before it can move) */
	if (next == old) {
		put_task_struct(next);
		atomic_dec(&vmprof_objects.task_refs);
		return;
	}
	WRITE_ONCE(slot->task, next);
	list_for_each_entry(s, &t->sessions, target_node)
		vmprof_session_forget_slot(s, old, slot);
	/* Per-CPU caches said "not profiled" for the new thread. */
	mutex_lock(&vmprof_targets_lock);
	vmprof_targets_changed();
	mutex_unlock(&vmprof_targets_lock);
	put_task_struct(old);
	atomic_dec(&vmprof_objects.task_refs);
}

static void vmprof_target_work(struct work_struct *work)
{
	struct vmprof_target *t = container_of(work, struct vmprof_target,
					       new_vcpu_work);
	struct task_struct *task;
	unsigned long idx;

	mutex_lock(&t->lock);
	for (idx = find_first_bit(t->new_vcpus, KVM_MAX_VCPUS);
	     idx < KVM_MAX_VCPUS;
	     idx = find_next_bit(t->new_vcpus, KVM_MAX_VCPUS, idx + 1)) {
		clear_bit(idx, t->new_vcpus);
		vmprof_slot_move(t, &t->slots[idx]);
		vmprof_target_add_thread(t, t->slots[idx].task, &t->slots[idx]);
	}
	for_each_set_bit(idx, t->new_threads_used, VMPROF_NEW_THREADS) {
		/* Claimed but not filled yet: its probe queues us again. */
		task = xchg(&t->new_threads[idx], NULL);
		if (!task)
			continue;
		clear_bit_unlock(idx, t->new_threads_used);
		vmprof_target_add_thread(t, task, NULL);
		put_task_struct(task);
		atomic_dec(&vmprof_objects.task_refs);
	}
	mutex_unlock(&t->lock);
}

static struct vmprof_target *vmprof_target_alloc(struct pid *tgid)
{
	struct vmprof_target *t;
	u32 i;

	t = kvzalloc(struct_size(t, slots, KVM_MAX_VCPUS), GFP_KERNEL);
	if (!t)
		return NULL;
	t->new_vcpus = bitmap_zalloc(KVM_MAX_VCPUS, GFP_KERNEL);
	t->exits = alloc_percpu(struct vmprof_exit_table);
	if (!t->new_vcpus || !t->exits) {
		bitmap_free(t->new_vcpus);
		free_percpu(t->exits);
		kvfree(t);
		return NULL;
	}
	kref_init(&t->ref);
	mutex_init(&t->lock);
	INIT_LIST_HEAD(&t->sessions);
	INIT_WORK(&t->new_vcpu_work, vmprof_target_work);
	for (i = 0; i < KVM_MAX_VCPUS; i++)
		t->slots[i].idx = i;
	vmprof_guest_mem_init(t);
	t->tgid = get_pid(tgid);
	atomic_inc(&vmprof_objects.targets);
	return t;
}

/*
 * Find or create the target for the VMM process @nr.  Errors are the
 * ABI's: -ESRCH no such process, -EACCES not ours to trace, -ENODEV no VM.
 */
int vmprof_target_get(pid_t nr, struct vmprof_target **out)
{
	struct vmprof_target *t, *found = NULL;
	struct vmprof_vm_scan scan;
	struct task_struct *task;
	int err;

	err = vmprof_profilable_task_get(nr, &task);
	if (err)
		return err;
	if (!vmprof_task_has_vm(task, &scan)) {
		err = -ENODEV;
		goto out;
	}

	mutex_lock(&vmprof_targets_lock);
	list_for_each_entry(t, &vmprof_targets, node) {
		if (t->tgid == task_tgid(task) && kref_get_unless_zero(&t->ref)) {
			found = t;
			break;
		}
	}
	if (!found) {
		found = vmprof_target_alloc(task_tgid(task));
		if (found) {
			list_add_rcu(&found->node, &vmprof_targets);
			/* vCPUs the probes met before must meet it too. */
			vmprof_targets_changed();
		} else {
			err = -ENOMEM;
		}
	}
	mutex_unlock(&vmprof_targets_lock);
	if (found)
		WRITE_ONCE(found->mediated_pmu, scan.mediated_pmu);
	*out = found;
out:
	put_task_struct(task);
	return err;
}

static void vmprof_target_release(struct kref *ref)
{
	struct vmprof_target *t = container_of(ref, struct vmprof_target, ref);

	lockdep_assert_held(&vmprof_targets_lock);
	list_del_rcu(&t->node);
	vmprof_targets_changed();
}

static void vmprof_target_free(struct vmprof_target *t)
{
	struct task_struct *task;
	u32 i;

	/* No probe can find it any more, nor hold a slot of it. */
	synchronize_rcu();
	cancel_work_sync(&t->new_vcpu_work);
	vmprof_guest_mem_uninit(t);
	for (i = 0; i < VMPROF_NEW_THREADS; i++) {
		task = xchg(&t->new_threads[i], NULL);
		if (task) {
			put_task_struct(task);
			atomic_dec(&vmprof_objects.task_refs);
		}
	}
	for (i = 0; i < KVM_MAX_VCPUS; i++) {
		if (t->slots[i].task) {
			put_task_struct(t->slots[i].task);
			atomic_dec(&vmprof_objects.task_refs);
		}
		if (t->slots[i].next_task) {
			put_task_struct(t->slots[i].next_task);
			atomic_dec(&vmprof_objects.task_refs);
		}
	}
	put_pid(t->tgid);
	free_percpu(t->exits);
	bitmap_free(t->new_vcpus);
	kvfree(t->exit_stacks);
	kvfree(t);
	atomic_dec(&vmprof_objects.targets);
}

void vmprof_target_put(struct vmprof_target *t)
{
	bool last;

	mutex_lock(&vmprof_targets_lock);
	last = kref_put(&t->ref, vmprof_target_release);
	mutex_unlock(&vmprof_targets_lock);
	if (last)
		vmprof_target_free(t);
}

static struct vmprof_target *vmprof_target_of(struct task_struct *task)
{
	struct pid *tgid = task_tgid(task);
	struct vmprof_target *t;

	list_for_each_entry_rcu(t, &vmprof_targets, node)
		if (t->tgid == tgid)
			return t;
	return NULL;
}

/*
 * Probe context (preemption disabled, on @task == current): the slot of
 * @vcpu if its VM is profiled, claiming it on first sight.
 */
struct vmprof_vcpu_slot *vmprof_target_lookup(struct task_struct *task,
					      struct kvm_vcpu *vcpu,
					      struct vmprof_target **tp)
{
	struct vmprof_target *t = vmprof_target_of(task);
	struct vmprof_vcpu_slot *slot;
	u32 idx = vcpu->vcpu_idx;

	if (!t || idx >= KVM_MAX_VCPUS)
		return NULL;
	slot = &t->slots[idx];
	if (!READ_ONCE(slot->task) && !cmpxchg(&slot->task, NULL, task)) {
		get_task_struct(task);
		atomic_inc(&vmprof_objects.task_refs);
		atomic_inc(&t->nr_vcpus);
		set_bit(idx, t->new_vcpus);
		queue_work(vmprof_wq, &t->new_vcpu_work);
	}
	if (READ_ONCE(slot->task) == task) {
		*tp = t;
		return slot;
	}
	/*
	 * Another thread runs this vCPU now (KVM lets one thread at a time
	 * run it): the work item moves the slot, and bumps the generation
	 * so that this thread looks again.  Until then it is not profiled.
	 */
	if (!READ_ONCE(slot->next_task) &&
	    !cmpxchg(&slot->next_task, NULL, task)) {
		get_task_struct(task);
		atomic_inc(&vmprof_objects.task_refs);
		set_bit(idx, t->new_vcpus);
		queue_work(vmprof_wq, &t->new_vcpu_work);
	}
	return NULL;
}

/*
 * Probe context: profile @task for the domain-switch sessions of @t.  No
 * allocation (PREEMPT_RT forbids it with preemption off, as the probes
 * run): a slot of the target's fixed array is claimed, filled, and the
 * work item takes it.  A VMM that starts more threads than that between
 * two runs of the work item loses some, and the session says how many.
 */
static void vmprof_target_queue_thread(struct vmprof_target *t,
				       struct task_struct *task)
{
	unsigned long idx;

	if (!atomic_read(&t->domain_sessions))
		return;
	do {
		idx = find_first_zero_bit(t->new_threads_used,
					  VMPROF_NEW_THREADS);
		if (idx >= VMPROF_NEW_THREADS) {
			atomic_inc(&t->missed_threads);
			return;
		}
	} while (test_and_set_bit_lock(idx, t->new_threads_used));
	atomic_inc(&vmprof_objects.task_refs);
	/* Filled after the claim; the work item skips it until then. */
	xchg(&t->new_threads[idx], get_task_struct(task));
	queue_work(vmprof_wq, &t->new_vcpu_work);
}

/*
 * Probe context: @task was just created (copy_process(), before it first
 * runs).  A thread of a profiled VMM, whichever way it was made: clone(),
 * and also create_io_thread() (io_uring's workers) and vhost_task_create()
 * (vhost workers from 6.4, KVM's own VM threads from 6.13), which do not
 * go through kernel_clone() and its sched_process_fork tracepoint.
 */
void vmprof_target_new_task(struct task_struct *task)
{
	struct vmprof_target *t;

	/*
	 * From 7.x on, tracepoints call their probes under SRCU-fast, with
	 * preemption enabled, and task_newtask fires in preemptible code:
	 * the RCU read side that vmprof_target_free() waits for is ours to
	 * take.
	 */
	rcu_read_lock();
	t = vmprof_target_of(task);
	if (t)
		vmprof_target_queue_thread(t, task);
	rcu_read_unlock();
}

/*
 * Probe context: the current task names @task.  A kernel thread that a
 * thread of a profiled VMM creates (kthread_create() names it in the
 * creator's context) does that VMM's work: the vhost-PID workers before
 * 6.4, KVM's per-VM threads before 6.13.  Domain-switch counts them.
 */
void vmprof_target_named_task(struct task_struct *task)
{
	struct vmprof_target *t;

	if (task == current || !(task->flags & PF_KTHREAD))
		return;
	rcu_read_lock();	/* as vmprof_target_new_task() */
	t = vmprof_target_of(current);
	if (t)
		vmprof_target_queue_thread(t, task);
	rcu_read_unlock();
}

void vmprof_target_exit_totals(struct vmprof_target *t,
			       struct vmprof_exit_counter *sum)
{
	int cpu;
	u32 i;

	memset(sum, 0, sizeof(*sum) * VMPROF_EXIT_SLOTS);
	for_each_possible_cpu(cpu) {
		struct vmprof_exit_counter *c = per_cpu_ptr(t->exits, cpu)->c;

		for (i = 0; i < VMPROF_EXIT_SLOTS; i++) {
			sum[i].count += READ_ONCE(c[i].count);
			sum[i].vmm_stamps += READ_ONCE(c[i].vmm_stamps);
			sum[i].offcpu_ns += READ_ONCE(c[i].offcpu_ns);
		}
	}
}
