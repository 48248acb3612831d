/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmprof internals shared between the module's files.
 *
 * Objects and their lifetimes:
 *
 *   session   one open /dev/vmprof.  Owns its rings, its perf events and one
 *             reference on its target.  Freed at release().
 *   target    one profiled VM, keyed by the VMM's thread-group struct pid.
 *             Shared by every session watching that VM (kref).  Holds one
 *             slot per vCPU index with what the hooks learnt about it.
 *             Never holds a reference on struct kvm: the VM is never kept
 *             alive by vmprof.
 *   thread    one profiled host thread of a session, with its perf event.
 *
 * Hot paths (KVM tracepoint probes, the perf overflow handler) only read
 * the per-CPU vmprof_pcpu, the slot of the vCPU that runs on this CPU and
 * the session of the event that fired; they take no lock and allocate
 * nothing.
 */
#ifndef _VMPROF_VMPROF_H
#define _VMPROF_VMPROF_H

#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/perf_event.h>
#include <linux/irq_work.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/kvm_host.h>
#include <linux/sched/clock.h>
#include <asm/local.h>
#include <asm/tsc.h>

#include <vmprof.h>

/* KVM's own value (arch/x86/kvm/x86.h in 6.1), not in public headers. */
#define VMPROF_KVM_HANDLING_NMI		2

/*
 * Exit statistics are kept per CPU in a flat table.  SVM exit codes below
 * 0x100 map to themselves, 0x400.. (NPF, AVIC) to 0x100..; VMX basic exit
 * reasons are all below 0x100.  Everything else lands in the last entry.
 */
#define VMPROF_EXIT_SLOTS	0x120
#define VMPROF_EXIT_OTHER	(VMPROF_EXIT_SLOTS - 1)

struct vmprof_exit_counter {
	u64 count;
	u64 vmm_stamps;			/* vmprof_stamp() units */
	u64 offcpu_ns;			/* the part of it off the CPU:
					 * blocked, preempted (ns) */
};

struct vmprof_exit_table {
	struct vmprof_exit_counter c[VMPROF_EXIT_SLOTS];
};

/* VMM threads a target can note between two runs of its work item. */
#define VMPROF_NEW_THREADS	256

enum vmprof_slot_state {
	VMPROF_SLOT_IDLE = 0,	/* no entry seen yet */
	VMPROF_SLOT_GUEST,	/* entered the guest, no exit seen since */
	VMPROF_SLOT_VMM,	/* exited, the VMM is working for the guest */
	VMPROF_SLOT_VMM_OFF,	/* the same, and the thread has left its CPU
				 * since the exit: only then are off_since
				 * and offcpu_ns other than 0 */
};

/* What the hooks know about one vCPU.  Written only by the vCPU's thread. */
struct vmprof_vcpu_slot {
	struct task_struct *task;	/* the vCPU thread, referenced */
	struct task_struct *next_task;	/* a new thread runs it: the work
					 * item moves the slot; referenced */
	u32 idx;			/* vcpu_idx */
	u32 state;			/* enum vmprof_slot_state */
	u32 exit_reason;		/* raw code of the last exit */
	u32 exit_slot;			/* its index in the exit table */
	u64 exit_rip;			/* guest RIP at the last exit */
	u64 exit_stamp;			/* vmprof_stamp() at the last exit */
	u32 exit_cpu;			/* the CPU it was read on */
	u64 off_since;			/* local_clock() when the thread left
					 * its CPU during this exit, or 0 */
	u64 offcpu_ns;			/* off its CPU so far in this exit */
};

/* A VM's memslots as vmprof copied them (guest_mem.c). */
struct vmprof_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long hva;		/* in the VMM's address space */
};

struct vmprof_memslots {
	struct rcu_head rcu;
	const struct kvm *kvm;		/* the VM copied; compared only */
	u64 generation;			/* KVM's, when copied */
	u32 nr;
	struct vmprof_memslot slot[];	/* sorted by base_gfn */
};

/* What samples need to read a target VM's memory. */
struct vmprof_guest_mem {
	struct vmprof_memslots __rcu *slots;	/* RCU; NULL until copied */
	struct kvm *kvm;		/* the VM seen in samples; compared only */
	struct mutex lock;		/* one copy at a time */
	unsigned long last_refresh;	/* jiffies */
	bool protected;			/* encrypted guest memory */
	struct irq_work refresh_irq;	/* a sample asks for a new copy */
	struct work_struct refresh_work;
};

/* A walk of guest page tables, with its budget of copies (guest_mem.c). */
struct vmprof_gwalk {
	const struct vmprof_memslots *slots;
	u64 cr3;			/* guest-physical root */
	bool la57;			/* 5-level paging */
	int budget;			/* copies left */
	u64 tlb_va, tlb_pa, tlb_size;	/* the last translation */
};

struct vmprof_target {
	struct kref ref;
	struct list_head node;		/* vmprof_targets, RCU */
	struct pid *tgid;		/* the VMM thread group, referenced */
	struct mutex lock;		/* sessions, their threads and events */
	struct list_head sessions;
	struct vmprof_exit_table __percpu *exits;
	u64 guest_lstar;		/* guest MSR_LSTAR, 0 until seen */
	bool mediated_pmu;		/* the VM uses KVM's mediated vPMU */
	atomic_t nr_vcpus;
	atomic_t domain_sessions;	/* sessions that want every thread */
	atomic_t missed_threads;	/* new threads not profiled: no
					 * room in new_threads */
	unsigned long *new_vcpus;	/* bitmap: slots that need events */
	/* New VMM threads for the work item: claimed, then filled. */
	DECLARE_BITMAP(new_threads_used, VMPROF_NEW_THREADS);
	struct task_struct *new_threads[VMPROF_NEW_THREADS];
	struct work_struct new_vcpu_work;
	struct vmprof_guest_mem gmem;		/* guest_mem.c */
	/* The guest's state at each vCPU's last exit, by slot, while
	 * stack_sessions domain-switch sessions copy stacks
	 * (guest_stack.c); allocated once, under lock, freed with it. */
	struct vmprof_exit_stack *exit_stacks;
	atomic_t stack_sessions;
	struct vmprof_vcpu_slot slots[];	/* KVM_MAX_VCPUS */
};

struct vmprof_ring {
	struct vmprof_ring_ctl *ctl;	/* user-visible control page */
	void *data;
	u64 head;			/* private copy; ctl->data_head follows */
	u64 mask;
	u64 watermark;
	local_t busy;			/* a writer is active on this CPU */
	local_t lost_pending;		/* dropped, not yet reported in a record */
	local_t lost;			/* dropped in total */
	local_t written;
};

struct vmprof_rings {
	void *area;			/* vmalloc_user, mapped by user space */
	size_t size;
	size_t stride;
	u32 nr;
	u32 data_pages;
	struct vmprof_ring ring[];
};

struct vmprof_thread {
	struct list_head node;		/* session->threads */
	struct vmprof_session *session;
	struct task_struct *task;	/* referenced */
	struct vmprof_vcpu_slot *slot;	/* NULL until known to be a vCPU */
	struct perf_event *event;
};

struct vmprof_session {
	struct mutex lock;		/* attach, enable, release */
	struct pid_namespace *pid_ns;	/* the opener's: pids in samples */
	pid_t vmm_pid;			/* the target's VMM, in pid_ns */
	struct user_struct *locked_user; /* charged for the rings */
	unsigned long locked_pages;
	bool attached;
	bool hooked;			/* holds a vmprof_hooks_get() */
	bool enabled;			/* read locklessly by the handler */
	struct vmprof_attach attr;
	u32 event_used;
	bool hw_pmu;
	struct vmprof_target *target;	/* NULL in system-wide mode */
	struct list_head target_node;	/* target->sessions, target->lock */
	struct list_head threads;	/* target->lock */
	struct perf_event **cpu_events;	/* system-wide: one per CPU */
	struct vmprof_rings *rings;
	struct irq_work wakeup;
	wait_queue_head_t wait;
	atomic64_t filtered;
	struct vmprof_exit_counter *exits_base;	/* snapshot at ENABLE */
	/* VMPROF_ATTACH_GUEST_TASK (guest_task.c); NULL without it. */
	struct vmprof_task_cache __percpu *task_cache;
	bool stack_exits;		/* counted in target->stack_sessions */
	atomic64_t guest_unread;
};

/*
 * Per-CPU view of which vCPU, if any, is inside KVM_RUN on this CPU, and
 * the last target lookup made here (hooks.c).
 */
struct vmprof_pcpu {
	struct task_struct *task;	/* current while valid, else NULL */
	struct kvm_vcpu *vcpu;
	/* The lookup: what (owner, vcpu, vcpu_idx, gen) found. */
	struct task_struct *owner;	/* compared only, never dereferenced */
	u32 vcpu_idx;
	struct pid *tgid;		/* owner's thread group, compared only */
	struct vmprof_vcpu_slot *slot;	/* of a profiled VM, or NULL */
	struct vmprof_target *target;
	unsigned long gen;		/* vmprof_targets_gen at lookup */
	u64 entry_stamp;		/* vmprof_stamp() at the last entry */
	u64 exit_stamp;			/* vmprof_stamp() at the exit after it,
					 * if later than entry_stamp */
};
DECLARE_PER_CPU(struct vmprof_pcpu, vmprof_pcpu);

/*
 * Is current between vcpu_load(@vcpu) and vcpu_put(@vcpu), inside one of
 * the vCPU's ioctls (KVM_RUN's for the most part)?  vcpu_load() registers
 * the vCPU's preempt notifier on current and vcpu_put() removes it; only
 * KVM registers preempt notifiers, one vCPU at a time, so it is first on
 * current's list exactly then.  A vCPU loaded by current is alive (the
 * ioctl holds its file) and loaded on this CPU (current runs here).  Only
 * addresses are compared, @vcpu may be long gone: NMI-safe, as current's
 * list changes only in current's own context, one store to its head.
 * KVM selects PREEMPT_NOTIFIERS.
 */
static __always_inline bool vmprof_vcpu_loaded(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(current->preempt_notifiers.first) ==
	       &vcpu->preempt_notifier.link;
}

/* Live-object counters, checked by the tests through debugfs. */
struct vmprof_objects {
	atomic_t sessions;
	atomic_t targets;
	atomic_t threads;
	atomic_t events;
	atomic_t rings;
	atomic_t task_refs;
	atomic_t enabled;		/* sessions sampling now */
};
extern struct vmprof_objects vmprof_objects;

/* chardev.c */
int vmprof_chardev_init(void);
void vmprof_chardev_uninit(void);

/* session.c */
struct vmprof_session *vmprof_session_create(void);
void vmprof_session_destroy(struct vmprof_session *s);
int vmprof_session_attach(struct vmprof_session *s,
			  const struct vmprof_attach *attr);
int vmprof_session_enable(struct vmprof_session *s, bool on);
int vmprof_session_info(struct vmprof_session *s, struct vmprof_info *info);
int vmprof_session_stats(struct vmprof_session *s, struct vmprof_stats *st);
int vmprof_session_add_thread(struct vmprof_session *s,
			      struct task_struct *task,
			      struct vmprof_vcpu_slot *slot);
void vmprof_session_forget_slot(struct vmprof_session *s,
				struct task_struct *task,
				struct vmprof_vcpu_slot *slot);
bool vmprof_session_target_alive(struct vmprof_session *s);

/* target.c */
extern unsigned long vmprof_targets_gen;
int vmprof_target_get(pid_t pid, struct vmprof_target **out);
void vmprof_target_put(struct vmprof_target *t);
struct vmprof_vcpu_slot *vmprof_target_lookup(struct task_struct *task,
					      struct kvm_vcpu *vcpu,
					      struct vmprof_target **tp);
void vmprof_target_new_task(struct task_struct *task);
void vmprof_target_named_task(struct task_struct *task);
void vmprof_target_exit_totals(struct vmprof_target *t,
			       struct vmprof_exit_counter *sum);
bool vmprof_file_is_kvm_vm(struct file *f);
u32 vmprof_exit_reason_of_slot(u32 isa, u32 slot);

/* The exit table's entry for an exit reason (see VMPROF_EXIT_SLOTS). */
static inline u32 vmprof_exit_slot(u32 isa, u32 reason)
{
	if (reason < 0x100)
		return reason;
	if (isa == VMPROF_ISA_SVM && reason >= 0x400 &&
	    reason - 0x400 < VMPROF_EXIT_OTHER - 0x100)
		return 0x100 + reason - 0x400;
	return VMPROF_EXIT_OTHER;
}

/* hooks.c */
int vmprof_hooks_init(void);
void vmprof_hooks_uninit(void);
int vmprof_hooks_get(void);
void vmprof_hooks_put(void);
void vmprof_hooks_time_vm_switches(void);
bool vmprof_hooks_active(void);

/* clock.c */
u64 vmprof_clock_mono(void);
u64 vmprof_clock_mono_at(u64 stamp);
DECLARE_STATIC_KEY_TRUE(vmprof_stamp_tsc);
extern bool vmprof_stamps_synced;
void vmprof_clock_init(void);
void vmprof_clock_check(void);
u64 vmprof_stamp_to_ns(u64 stamps);

/* The probes' clock: TSC cycles, or local_clock() (clock.c). */
static __always_inline u64 vmprof_stamp(void)
{
	return static_branch_likely(&vmprof_stamp_tsc) ? rdtsc() : local_clock();
}

/* guest_state.c */
extern u32 vmprof_isa;
struct vmprof_guest_regs {
	u64 rip;
	u64 cr3;
	u32 cpl;
	u32 exit_reason;
};
enum vmprof_read_at {
	VMPROF_READ_SAMPLE,	/* overflow handler, in KVM's window */
	VMPROF_READ_EXIT,	/* kvm_exit probe */
	VMPROF_READ_ENTRY,	/* kvm_entry probe, for an exit not traced */
};
void vmprof_guest_state_init(void);
bool vmprof_guest_read(struct kvm_vcpu *vcpu, struct vmprof_guest_regs *r,
		       enum vmprof_read_at at);
int vmprof_vmread_selftest(bool *vmxe, u64 *val);
void vmprof_guest_sample_lstar(struct vmprof_target *t,
			       struct kvm_vcpu *vcpu);
struct vmprof_guest_paging {
	u64 cr3;
	u64 gs_base;
	u64 kernel_gs_base;
	u32 cpl;
	bool long_mode;
	bool la57;
};
bool vmprof_guest_read_paging(struct kvm_vcpu *vcpu,
			      struct vmprof_guest_paging *p);
bool vmprof_guest_memory_protected(struct kvm_vcpu *vcpu);

/* guest_mem.c */
void vmprof_guest_mem_init(struct vmprof_target *t);
void vmprof_guest_mem_uninit(struct vmprof_target *t);
int vmprof_guest_mem_refresh(struct vmprof_target *t);
const struct vmprof_memslots *vmprof_guest_mem_slots(struct vmprof_target *t,
						     struct kvm_vcpu *vcpu);
struct kvm *vmprof_vm_get(struct task_struct *task, struct kvm *prefer);
struct vmprof_memslots *vmprof_memslots_get(struct kvm *kvm, bool *protected);
u32 vmprof_gpa_read(struct vmprof_gwalk *w, u64 gpa, void *dst, u32 len);
u32 vmprof_gva_read(struct vmprof_gwalk *w, u64 gva, void *dst, u32 len);

/* guest_read.c */
long vmprof_guest_read_ioctl(void __user *uarg);

/* guest_state.c, for guest_stack.c and guest_task.c */
u64 vmprof_guest_read_gprs(struct kvm_vcpu *vcpu, u64 rip, u64 *regs);
u64 vmprof_guest_percpu_base(const struct vmprof_guest_paging *p);

/* The guest's state a stack is copied in (guest_stack.c). */
struct vmprof_stack_src {
	const struct vmprof_memslots *slots;	/* NULL: memory unreadable */
	struct vmprof_guest_paging p;
	bool paging_ok;
	u64 regs_mask;				/* VMPROF_REG_* in regs */
	u64 regs[VMPROF_REG_NR];
};

/* The guest's state at a vCPU's last exit (guest_stack.c). */
struct vmprof_exit_stack {
	u32 seq;				/* odd while written */
	struct vmprof_stack_src src;		/* without slots */
};

/* guest_stack.c */
int vmprof_guest_stack_check(const struct vmprof_attach *at);
int vmprof_guest_stack_attach(struct vmprof_session *s);
void vmprof_guest_stack_free(struct vmprof_session *s);
struct vmprof_exit_stack *
vmprof_guest_stack_exit_begin(struct vmprof_target *t,
			      struct vmprof_vcpu_slot *slot);
void vmprof_guest_stack_exit_end(struct vmprof_exit_stack *xs,
				 struct kvm_vcpu *vcpu, u64 rip);
void vmprof_guest_stack_src(struct vmprof_session *s, struct kvm_vcpu *vcpu,
			    u64 rip, struct vmprof_stack_src *src);
bool vmprof_guest_stack_src_exit(struct vmprof_session *s,
				 struct vmprof_vcpu_slot *slot,
				 struct kvm_vcpu *vcpu,
				 struct vmprof_stack_src *src);
bool vmprof_sample_group_write(struct vmprof_session *s, const void *pre,
			       u32 pre_len, const struct vmprof_stack_src *src,
			       const struct vmprof_sample *smp);

/* guest_task.c */
int vmprof_guest_task_check(const struct vmprof_attach *at);
int vmprof_guest_task_attach(struct vmprof_session *s);
void vmprof_guest_task_free(struct vmprof_session *s);
u32 vmprof_guest_task_info_flags(struct vmprof_session *s);
void vmprof_guest_sample_write(struct vmprof_session *s, struct kvm_vcpu *vcpu,
			       struct vmprof_sample *smp);
struct seq_file;
void vmprof_guest_task_timing_show(struct seq_file *m);
bool vmprof_guest_unreadable(void);

/* sample.c */
void vmprof_overflow(struct perf_event *event, struct perf_sample_data *data,
		     struct pt_regs *regs);

/* ring.c */
struct vmprof_rings *vmprof_rings_alloc(u32 data_pages, u32 watermark);
void vmprof_rings_free(struct vmprof_rings *rings);
bool vmprof_ring_write(struct vmprof_session *s, const void *rec, u32 len);

/* A group of records being written on this CPU's ring (ring.c). */
struct vmprof_ring_txn {
	struct vmprof_session *s;
	struct vmprof_ring *r;
	u64 pos;			/* next byte of the group */
	u64 end;			/* the group's room ends here */
	u64 used;			/* bytes unread when it began */
};

bool vmprof_ring_begin(struct vmprof_session *s, struct vmprof_ring_txn *t,
		       u32 max);
void vmprof_ring_put(struct vmprof_ring_txn *t, const void *src, u32 len);
void vmprof_ring_patch(struct vmprof_ring_txn *t, u64 at, const void *src,
		       u32 len);
u32 vmprof_ring_fill(struct vmprof_ring_txn *t, u32 len,
		     u32 (*fill)(void *ctx, void *dst, u32 len), void *ctx);
void vmprof_ring_commit(struct vmprof_ring_txn *t);
bool vmprof_rings_readable(struct vmprof_rings *rings);
void vmprof_rings_totals(struct vmprof_rings *rings, u64 *written, u64 *lost);

/* limits.c */
int vmprof_limits_check_rate(const struct vmprof_attach *at);
int vmprof_limits_charge(struct vmprof_session *s, unsigned long pages);
void vmprof_limits_uncharge(struct vmprof_session *s);

/* perm.c */
bool vmprof_may_profile(struct task_struct *task);
int vmprof_profilable_task_get(pid_t nr, struct task_struct **out);

/* debugfs.c */
void vmprof_debugfs_init(void);
void vmprof_debugfs_uninit(void);

#endif /* _VMPROF_VMPROF_H */
