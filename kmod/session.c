// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open /dev/vmprof.
 *
 * Counting and the switch of the paper's "PMU context" are left to perf:
 * each profiled thread gets a per-task kernel counter, which perf installs
 * and removes as the thread is scheduled, exactly where KVM itself would
 * save and restore a guest's PMU state.  What vmprof adds is attribution
 * (sample.c): was the overflow in the guest, and if not, which exit of
 * which vCPU is the VMM working on.
 *
 *  cpu-switch     events on vCPU threads only.  With a hardware PMU they
 *                 are exclude_host, so they count only in the guest (Intel
 *                 switches PERF_GLOBAL_CTRL atomically at entry and exit,
 *                 AMD honours the GuestOnly bit while SVM is on).  The
 *                 software clock cannot exclude the host; its host samples
 *                 are dropped and counted as filtered.
 *  domain-switch  events on every thread of the VMM, host included, so
 *                 KVM's exit handling, QEMU's emulation on vCPU threads and
 *                 QEMU's other threads are all counted.
 *  system         one event per CPU.
 *
 * Locking: s->lock serialises ioctls and release.  The target's lock
 * protects its session list and every session's thread list, because the
 * target's work item adds threads to sessions.
 */
#include <linux/cpu.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "vmprof.h"

static void vmprof_session_wakeup(struct irq_work *work)
{
	struct vmprof_session *s = container_of(work, struct vmprof_session,
						wakeup);

	wake_up_all(&s->wait);
}

struct vmprof_session *vmprof_session_create(void)
{
	struct vmprof_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	mutex_init(&s->lock);
	/* As perf: pids as the process that opened the session sees them. */
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	INIT_LIST_HEAD(&s->threads);
	INIT_LIST_HEAD(&s->target_node);
	init_irq_work(&s->wakeup, vmprof_session_wakeup);
	init_waitqueue_head(&s->wait);
	atomic_inc(&vmprof_objects.sessions);
	return s;
}

/* Domain-switch and dry runs profile every VMM thread, not only vCPUs. */
static bool vmprof_session_all_threads(struct vmprof_session *s)
{
	return s->attr.mode == VMPROF_MODE_DOMAIN_SWITCH ||
	       (s->attr.flags & VMPROF_ATTACH_DRY_RUN);
}

static void vmprof_fill_attr(struct perf_event_attr *a,
			     const struct vmprof_attach *at)
{
	static const struct {
		u32 type;
		u64 config;
	} ev[] = {
		[VMPROF_EVENT_CYCLES] = { PERF_TYPE_HARDWARE,
					  PERF_COUNT_HW_CPU_CYCLES },
		[VMPROF_EVENT_INSTRUCTIONS] = { PERF_TYPE_HARDWARE,
						PERF_COUNT_HW_INSTRUCTIONS },
		[VMPROF_EVENT_CACHE_MISSES] = { PERF_TYPE_HARDWARE,
						PERF_COUNT_HW_CACHE_MISSES },
		[VMPROF_EVENT_BRANCH_MISSES] = { PERF_TYPE_HARDWARE,
						 PERF_COUNT_HW_BRANCH_MISSES },
		[VMPROF_EVENT_CPU_CLOCK] = { PERF_TYPE_SOFTWARE,
					     PERF_COUNT_SW_CPU_CLOCK },
	};

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = ev[at->event].type;
	a->config = ev[at->event].config;
	if (at->flags & VMPROF_ATTACH_FREQ) {
		a->freq = 1;
		a->sample_freq = at->sample;
	} else {
		a->sample_period = at->sample;
	}
	a->disabled = 1;
	/*
	 * Never exclude_kernel: a software clock tick that interrupts the
	 * guest is taken with host kernel registers.
	 */
	if (a->type == PERF_TYPE_HARDWARE &&
	    at->mode == VMPROF_MODE_CPU_SWITCH)
		a->exclude_host = 1;
}

static int vmprof_check_attach(const struct vmprof_attach *at)
{
	if (at->reserved0 || memchr_inv(at->reserved, 0, sizeof(at->reserved)))
		return -EINVAL;
	if (at->flags & ~(VMPROF_ATTACH_FREQ | VMPROF_ATTACH_DRY_RUN |
			  VMPROF_ATTACH_GUEST_TASK | VMPROF_ATTACH_GUEST_STACK))
		return -EINVAL;
	if (vmprof_guest_task_check(at) || vmprof_guest_stack_check(at))
		return -EINVAL;
	if ((at->flags & VMPROF_ATTACH_DRY_RUN) &&
	    at->mode == VMPROF_MODE_SYSTEM)
		return -EINVAL;
	if (at->event < VMPROF_EVENT_CYCLES || at->event > VMPROF_EVENT_CPU_CLOCK)
		return -EINVAL;
	if (!at->sample || at->sample > S64_MAX)
		return -EINVAL;
	if ((at->flags & VMPROF_ATTACH_FREQ) && at->sample > INT_MAX)
		return -EINVAL;
	if (at->ring_pages && (!is_power_of_2(at->ring_pages) ||
			       at->ring_pages > VMPROF_RING_PAGES_MAX))
		return -EINVAL;
	switch (at->mode) {
	case VMPROF_MODE_CPU_SWITCH:
	case VMPROF_MODE_DOMAIN_SWITCH:
		return at->pid > 0 ? 0 : -EINVAL;
	case VMPROF_MODE_SYSTEM:
		return at->pid == -1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static void vmprof_thread_free(struct vmprof_thread *th)
{
	if (th->task) {
		put_task_struct(th->task);
		atomic_dec(&vmprof_objects.task_refs);
	}
	kfree(th);
	atomic_dec(&vmprof_objects.threads);
}

static struct vmprof_thread *vmprof_thread_new(struct vmprof_session *s,
					       struct task_struct *task,
					       struct vmprof_vcpu_slot *slot,
					       int cpu)
{
	struct perf_event_attr attr;
	struct vmprof_thread *th;
	struct perf_event *ev;

	th = kzalloc(sizeof(*th), GFP_KERNEL);
	if (!th)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&vmprof_objects.threads);
	th->session = s;
	th->slot = slot;
	if (task) {
		th->task = get_task_struct(task);
		atomic_inc(&vmprof_objects.task_refs);
	}
	vmprof_fill_attr(&attr, &s->attr);
	ev = perf_event_create_kernel_counter(&attr, cpu, task,
					      vmprof_overflow, th);
	if (IS_ERR(ev)) {
		vmprof_thread_free(th);
		return ERR_CAST(ev);
	}
	atomic_inc(&vmprof_objects.events);
	th->event = ev;
	if (READ_ONCE(s->enabled))
		perf_event_enable(ev);
	return th;
}

/*
 * Profile @task in @s, or learn that an already profiled thread is the
 * vCPU of @slot.  Called with the target's lock held.
 */
int vmprof_session_add_thread(struct vmprof_session *s,
			      struct task_struct *task,
			      struct vmprof_vcpu_slot *slot)
{
	struct vmprof_thread *th;

	lockdep_assert_held(&s->target->lock);
	list_for_each_entry(th, &s->threads, node) {
		if (th->task == task) {
			if (slot)
				WRITE_ONCE(th->slot, slot);
			return 0;
		}
	}
	if (!slot && !vmprof_session_all_threads(s))
		return 0;
	th = vmprof_thread_new(s, task, slot, -1);
	if (PTR_ERR_OR_ZERO(th) == -ESRCH)
		return 0;	/* it is exiting: nothing to profile */
	if (IS_ERR(th))
		return PTR_ERR(th);
	list_add_tail(&th->node, &s->threads);
	return 0;
}

/* @task no longer runs the vCPU of @slot.  Called with the target's lock. */
void vmprof_session_forget_slot(struct vmprof_session *s,
				struct task_struct *task,
				struct vmprof_vcpu_slot *slot)
{
	struct vmprof_thread *th;

	lockdep_assert_held(&s->target->lock);
	list_for_each_entry(th, &s->threads, node)
		if (th->task == task && th->slot == slot)
			WRITE_ONCE(th->slot, NULL);
}

/*
 * A kernel thread working in the VMM's address space @mm: a vhost worker
 * before 6.4 (kthread_use_mm() of its owner's mm).  The caller holds @mm,
 * so the pointer cannot be another process's.
 */
static bool vmprof_vmm_kthread(struct task_struct *p, struct mm_struct *mm)
{
	return mm && (p->flags & PF_KTHREAD) && READ_ONCE(p->mm) == mm;
}

/* Fill @tasks (@cap of them) with the VMM's threads; returns how many. */
static int vmprof_vmm_collect(struct pid *tgid, struct mm_struct *mm,
			      struct task_struct **tasks, int cap)
{
	struct task_struct *leader, *p;
	int n = 0;

	rcu_read_lock();
	leader = pid_task(tgid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, p) {
			if (n == cap)
				break;
			n++;
			if (tasks)
				tasks[n - 1] = get_task_struct(p);
		}
	}
	for_each_process(p) {
		if (n == cap)
			break;
		if (!vmprof_vmm_kthread(p, mm))
			continue;
		n++;
		if (tasks)
			tasks[n - 1] = get_task_struct(p);
	}
	rcu_read_unlock();
	return n;
}

/*
 * Every thread of the VMM and every kernel thread working in its address
 * space, referenced; the caller puts them.  Later ones come through the
 * task_newtask and task_rename probes.
 */
static struct task_struct **vmprof_vmm_threads(struct pid *tgid, int *nr)
{
	struct task_struct *leader, **tasks;
	struct mm_struct *mm = NULL;
	int cap;

	leader = get_pid_task(tgid, PIDTYPE_TGID);
	if (!leader)
		return NULL;
	mm = get_task_mm(leader);
	put_task_struct(leader);

	cap = vmprof_vmm_collect(tgid, mm, NULL, INT_MAX) + 16;
	tasks = kcalloc(cap, sizeof(*tasks), GFP_KERNEL);
	if (tasks)
		*nr = vmprof_vmm_collect(tgid, mm, tasks, cap);
	else
		tasks = ERR_PTR(-ENOMEM);
	if (mm)
		mmput(mm);
	return tasks;
}

static int vmprof_attach_vm(struct vmprof_session *s)
{
	struct vmprof_target *t = s->target;
	struct task_struct **tasks;
	int i, nr = 0, err = 0;

	mutex_lock(&t->lock);
	list_add_tail(&s->target_node, &t->sessions);
	if (vmprof_session_all_threads(s)) {
		atomic_inc(&t->domain_sessions);
		tasks = vmprof_vmm_threads(t->tgid, &nr);
		if (IS_ERR(tasks)) {
			err = PTR_ERR(tasks);
			tasks = NULL;
		}
		for (i = 0; i < nr; i++) {
			if (!err)
				err = vmprof_session_add_thread(s, tasks[i],
								NULL);
			put_task_struct(tasks[i]);
		}
		kfree(tasks);
	}
	/* vCPUs the hooks met for an earlier session of this VM. */
	for (i = 0; i < KVM_MAX_VCPUS && !err; i++)
		if (READ_ONCE(t->slots[i].task))
			err = vmprof_session_add_thread(s, t->slots[i].task,
							&t->slots[i]);
	mutex_unlock(&t->lock);
	return err;
}

static int vmprof_attach_system(struct vmprof_session *s)
{
	struct vmprof_thread *th;
	int cpu, err = 0;

	/* CPUs that come online later are not profiled. */
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		th = vmprof_thread_new(s, NULL, NULL, cpu);
		if (IS_ERR(th)) {
			err = PTR_ERR(th);
			break;
		}
		list_add_tail(&th->node, &s->threads);
	}
	cpus_read_unlock();
	return err;
}

/*
 * Does perf refuse @attr only because it counts the guest?  While a VM
 * uses KVM's mediated vPMU (7.x), perf rejects hardware events that do not
 * exclude the guest with -EOPNOTSUPP; the same event excluding the guest
 * is still accepted.
 */
static bool vmprof_pmu_mediated(const struct perf_event_attr *attr)
{
	struct perf_event_attr host_only = *attr;
	struct perf_event *ev;

	host_only.exclude_host = 0;
	host_only.exclude_guest = 1;
	ev = perf_event_create_kernel_counter(&host_only, -1, current, NULL,
					      NULL);
	if (IS_ERR(ev))
		return false;
	perf_event_release_kernel(ev);
	return true;
}

/*
 * Fail early when the event cannot count the guest: -ENOENT when it needs
 * a PMU the host lacks, -EOPNOTSUPP when KVM's mediated vPMU holds it.
 */
static int vmprof_probe_event(struct vmprof_session *s)
{
	struct perf_event_attr attr;
	struct perf_event *ev;
	int err;

	vmprof_fill_attr(&attr, &s->attr);
	ev = perf_event_create_kernel_counter(&attr, -1, current, NULL, NULL);
	if (!IS_ERR(ev)) {
		perf_event_release_kernel(ev);
		return 0;
	}
	err = PTR_ERR(ev);
	if (err == -EOPNOTSUPP && attr.type == PERF_TYPE_HARDWARE &&
	    vmprof_pmu_mediated(&attr))
		return -EOPNOTSUPP;
	return err == -EOPNOTSUPP || err == -ENODEV ? -ENOENT : err;
}

int vmprof_session_attach(struct vmprof_session *s,
			  const struct vmprof_attach *attr)
{
	u32 pages;
	int err;

	err = vmprof_check_attach(attr);
	if (err)
		return err;
	mutex_lock(&s->lock);
	if (s->attached) {
		err = -EBUSY;
		goto out;
	}
	s->attr = *attr;
	s->event_used = attr->event;
	s->hw_pmu = attr->event != VMPROF_EVENT_CPU_CLOCK;
	err = vmprof_limits_check_rate(attr);
	if (err)
		goto out;
	/* A VM's exit showed guest registers unreadable here. */
	if (attr->mode != VMPROF_MODE_SYSTEM && vmprof_guest_unreadable()) {
		err = -ENXIO;
		goto out;
	}
	err = vmprof_probe_event(s);
	if (err)
		goto out;
	if (attr->mode != VMPROF_MODE_SYSTEM) {
		err = vmprof_target_get(attr->pid, &s->target);
		if (err)
			goto out;
		s->vmm_pid = pid_nr_ns(s->target->tgid, s->pid_ns);
	}

	pages = attr->ring_pages ?: VMPROF_RING_PAGES_DEFAULT;
	s->rings = vmprof_rings_alloc(pages, attr->watermark);
	if (!s->rings) {
		err = -ENOMEM;
		goto err_target;
	}
	err = vmprof_limits_charge(s, s->rings->size >> PAGE_SHIFT);
	if (err)
		goto err_rings;
	s->exits_base = kcalloc(VMPROF_EXIT_SLOTS, sizeof(*s->exits_base),
				GFP_KERNEL);
	if (!s->exits_base) {
		err = -ENOMEM;
		goto err_rings;
	}
	err = vmprof_guest_task_attach(s);
	if (err)
		goto err_base;
	err = vmprof_guest_stack_attach(s);
	if (err)
		goto err_task;
	if (!(attr->flags & VMPROF_ATTACH_DRY_RUN)) {
		err = vmprof_hooks_get();
		if (err)
			goto err_stack;
		s->hooked = true;
	}
	s->attached = true;	/* from here on, release undoes it all */

	if (attr->mode == VMPROF_MODE_SYSTEM)
		err = vmprof_attach_system(s);
	else
		err = vmprof_attach_vm(s);
	if (err)
		goto out;	/* attached; the tool closes the session */
	mutex_unlock(&s->lock);
	return 0;

err_stack:
	vmprof_guest_stack_free(s);
err_task:
	vmprof_guest_task_free(s);
err_base:
	kfree(s->exits_base);
	s->exits_base = NULL;
err_rings:
	vmprof_limits_uncharge(s);
	vmprof_rings_free(s->rings);
	s->rings = NULL;
err_target:
	if (s->target)
		vmprof_target_put(s->target);
	s->target = NULL;
out:
	mutex_unlock(&s->lock);
	return err;
}

/* Called with s->lock held: the thread list may only grow meanwhile. */
static void vmprof_session_for_each_event(struct vmprof_session *s,
					  void (*fn)(struct perf_event *))
{
	struct vmprof_thread *th;

	if (s->target)
		mutex_lock(&s->target->lock);
	list_for_each_entry(th, &s->threads, node)
		fn(th->event);
	if (s->target)
		mutex_unlock(&s->target->lock);
}

int vmprof_session_enable(struct vmprof_session *s, bool on)
{
	int err = 0;

	mutex_lock(&s->lock);
	if (!s->attached) {
		err = -EINVAL;
	} else if (on && !s->enabled) {
		if (s->target)
			vmprof_target_exit_totals(s->target, s->exits_base);
		if (s->hooked && s->attr.event == VMPROF_EVENT_CPU_CLOCK)
			vmprof_hooks_time_vm_switches();
		WRITE_ONCE(s->enabled, true);
		atomic_inc(&vmprof_objects.enabled);
		vmprof_session_for_each_event(s, perf_event_enable);
	} else if (!on && s->enabled) {
		WRITE_ONCE(s->enabled, false);
		atomic_dec(&vmprof_objects.enabled);
		vmprof_session_for_each_event(s, perf_event_disable);
	}
	mutex_unlock(&s->lock);
	return err;
}

bool vmprof_session_target_alive(struct vmprof_session *s)
{
	struct task_struct *leader;
	bool alive;

	if (!s->target)
		return true;
	rcu_read_lock();
	leader = pid_task(s->target->tgid, PIDTYPE_TGID);
	alive = leader && atomic_read(&leader->signal->live) > 0;
	rcu_read_unlock();
	return alive;
}

int vmprof_session_info(struct vmprof_session *s, struct vmprof_info *info)
{
	struct vmprof_rings *r;

	mutex_lock(&s->lock);
	if (!s->attached) {
		mutex_unlock(&s->lock);
		return -EINVAL;
	}
	r = s->rings;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->pid = s->attr.pid;
	info->mode = s->attr.mode;
	info->event = s->event_used;
	info->isa = vmprof_isa;
	info->nr_rings = r->nr;
	info->ring_pages = r->data_pages;
	info->ring_stride = r->stride;
	info->mmap_size = r->size;
	info->sample = s->attr.sample;
	info->attach_flags = s->attr.flags;
	if (s->hw_pmu)
		info->flags |= VMPROF_INFO_HW_PMU;
	info->flags |= vmprof_guest_task_info_flags(s);
	if (vmprof_guest_unreadable())
		info->flags |= VMPROF_INFO_GUEST_UNREADABLE;
	if (s->target) {
		info->nr_vcpus = atomic_read(&s->target->nr_vcpus);
		info->guest_lstar = READ_ONCE(s->target->guest_lstar);
		if (info->guest_lstar)
			info->flags |= VMPROF_INFO_LSTAR;
		if (s->target->mediated_pmu)
			info->flags |= VMPROF_INFO_MEDIATED_PMU;
	}
	mutex_unlock(&s->lock);
	return 0;
}

/*
 * The exit table is gathered under s->lock and copied out after it: a
 * fault on the user's array takes mmap_lock, which mmap() holds while it
 * waits for s->lock.
 */
/*
 * How long the session's counters were enabled and how long they counted,
 * summed over them (perf_event_read_value() sleeps: process context).
 * Called with s->lock held.
 */
static void vmprof_session_times(struct vmprof_session *s, u64 *enabled,
				 u64 *running)
{
	struct vmprof_thread *th;
	u64 e, r;

	*enabled = 0;
	*running = 0;
	if (s->target)
		mutex_lock(&s->target->lock);
	list_for_each_entry(th, &s->threads, node) {
		perf_event_read_value(th->event, &e, &r);
		*enabled += e;
		*running += r;
	}
	if (s->target)
		mutex_unlock(&s->target->lock);
}

/*
 * The exit table is gathered under s->lock and copied out after it: a
 * fault on the user's array takes mmap_lock, which mmap() holds while it
 * waits for s->lock.
 */
int vmprof_session_stats(struct vmprof_session *s, struct vmprof_stats *st)
{
	struct vmprof_exit_stat __user *uexits = u64_to_user_ptr(st->exits);
	u64 __user *uoffcpu = u64_to_user_ptr(st->exits_offcpu);
	struct vmprof_exit_counter *sum;
	struct vmprof_exit_stat *out;
	u64 *offcpu;
	u32 i, n = 0;
	int err = 0;

	sum = kcalloc(VMPROF_EXIT_SLOTS, sizeof(*sum), GFP_KERNEL);
	out = kcalloc(VMPROF_EXIT_SLOTS, sizeof(*out), GFP_KERNEL);
	offcpu = kcalloc(VMPROF_EXIT_SLOTS, sizeof(*offcpu), GFP_KERNEL);
	if (!sum || !out || !offcpu) {
		err = -ENOMEM;
		goto out;
	}
	mutex_lock(&s->lock);
	if (!s->attached) {
		mutex_unlock(&s->lock);
		err = -EINVAL;
		goto out;
	}
	vmprof_rings_totals(s->rings, &st->samples, &st->lost);
	st->filtered = atomic64_read(&s->filtered);
	st->guest_unread = atomic64_read(&s->guest_unread);
	st->target_alive = vmprof_session_target_alive(s);
	vmprof_session_times(s, &st->time_enabled, &st->time_running);
	st->flags = vmprof_guest_unreadable() ?
		    VMPROF_INFO_GUEST_UNREADABLE : 0;
	if (s->target) {
		st->nr_vcpus = atomic_read(&s->target->nr_vcpus);
		st->missed_threads = atomic_read(&s->target->missed_threads);
		vmprof_target_exit_totals(s->target, sum);
		for (i = 0; i < VMPROF_EXIT_SLOTS; i++) {
			struct vmprof_exit_counter *base = &s->exits_base[i];
			u64 count = sum[i].count - base->count;

			if (!count)
				continue;
			out[n].reason = vmprof_exit_reason_of_slot(vmprof_isa, i);
			out[n].isa = vmprof_isa;
			out[n].count = count;
			out[n].vmm_ns = vmprof_stamp_to_ns(sum[i].vmm_stamps -
							   base->vmm_stamps);
			offcpu[n] = min(sum[i].offcpu_ns - base->offcpu_ns,
					out[n].vmm_ns);
			n++;
		}
	}
	mutex_unlock(&s->lock);
	st->nr_exits = n;
	n = min(n, st->exits_cap);
	if (copy_to_user(uexits, out, n * sizeof(*out)) ||
	    (uoffcpu && copy_to_user(uoffcpu, offcpu, n * sizeof(*offcpu))))
		err = -EFAULT;
out:
	kfree(sum);
	kfree(out);
	kfree(offcpu);
	return err;
}

void vmprof_session_destroy(struct vmprof_session *s)
{
	struct vmprof_thread *th, *next;
	LIST_HEAD(threads);

	if (s->enabled)
		atomic_dec(&vmprof_objects.enabled);
	WRITE_ONCE(s->enabled, false);
	if (s->target) {
		mutex_lock(&s->target->lock);
		list_del(&s->target_node);
		if (vmprof_session_all_threads(s))
			atomic_dec(&s->target->domain_sessions);
		list_splice_init(&s->threads, &threads);
		mutex_unlock(&s->target->lock);
	} else {
		list_splice_init(&s->threads, &threads);
	}
	list_for_each_entry(th, &threads, node) {
		perf_event_release_kernel(th->event);
		atomic_dec(&vmprof_objects.events);
	}
	/* Overflow handlers that were running have returned. */
	synchronize_rcu();
	irq_work_sync(&s->wakeup);
	vmprof_guest_task_free(s);
	vmprof_guest_stack_free(s);
	list_for_each_entry_safe(th, next, &threads, node)
		vmprof_thread_free(th);
	if (s->target)
		vmprof_target_put(s->target);
	if (s->hooked)
		vmprof_hooks_put();
	vmprof_limits_uncharge(s);
	vmprof_rings_free(s->rings);
	kfree(s->exits_base);
	put_pid_ns(s->pid_ns);
	kfree(s);
	atomic_dec(&vmprof_objects.sessions);
}
