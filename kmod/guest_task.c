// SPDX-License-Identifier: GPL-2.0
/*
 * Which guest task a guest sample interrupted (VMPROF_ATTACH_GUEST_TASK).
 *
 * The guest kernel keeps its running task in a per-CPU variable
 * (current_task, or pcpu_hot.current_task in 6.2 to 6.14) that it reads
 * %gs-relative.  In the guest kernel GS.base is the per-CPU base; in guest
 * user space (and on kernel entry before SWAPGS) the per-CPU base is in
 * KERNEL_GS_BASE instead.  From the task_struct come pid, tgid and comm,
 * at the offsets the tool read from the guest kernel's BTF.
 *
 * Kernel addresses are translated with the guest's CR3.  With page table
 * isolation a guest in user mode runs on the user copy of its page table,
 * which maps almost nothing of the kernel; the kernel copy is the page
 * below it (PTI allocates the pair 8 KiB aligned), tried when the first
 * walk fails.
 *
 * Output is compact, as perf's COMM records are: a sample carries the
 * guest pid and tid; a VMPROF_RECORD_GUEST_TASK record with the comm
 * goes on the ring before the first sample of a task on that ring, and
 * again when its comm changes (exec, prctl).  The cache of what each ring
 * was told is per session and per CPU, and is only touched by that
 * session's overflow handler on that CPU, which does not nest with itself.
 */
#include <linux/capability.h>
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "vmprof.h"

#define VMPROF_TASK_CACHE	64	/* tasks remembered per CPU */
#define VMPROF_SAMPLE_READS	32	/* guest memory copies per sample */

struct vmprof_task_seen {
	u64 task;
	u32 pid;
	u32 tid;
	char comm[TASK_COMM_LEN];
};

struct vmprof_task_cache {
	struct vmprof_task_seen e[VMPROF_TASK_CACHE];
};

static bool vmprof_guest_kernel_addr(u64 addr)
{
	return (s64)addr < 0;
}

/* The guest fields of an attach: zero unless VMPROF_ATTACH_GUEST_TASK. */
int vmprof_guest_task_check(const struct vmprof_attach *at)
{
	if (at->guest_reserved0 ||
	    memchr_inv(at->guest_reserved, 0, sizeof(at->guest_reserved)))
		return -EINVAL;
	if (!(at->flags & VMPROF_ATTACH_GUEST_TASK))
		return at->guest_current_task || at->guest_task_pid ||
		       at->guest_task_tgid || at->guest_task_comm ?
		       -EINVAL : 0;
	/* A task_struct is a few KiB: anything far beyond is a mistake. */
	if (at->mode == VMPROF_MODE_SYSTEM ||
	    at->guest_task_pid > SZ_64K || at->guest_task_tgid > SZ_64K ||
	    at->guest_task_comm > SZ_64K)
		return -EINVAL;
	return 0;
}

int vmprof_guest_task_attach(struct vmprof_session *s)
{
	const struct vmprof_attach *at = &s->attr;
	int err;

	if (!(at->flags & VMPROF_ATTACH_GUEST_TASK))
		return 0;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	s->task_cache = alloc_percpu(struct vmprof_task_cache);
	if (!s->task_cache)
		return -ENOMEM;
	/*
	 * The first copy of the memslots now, so that the first samples can
	 * be read.  A guest whose memory is encrypted is profiled without
	 * its tasks (VMPROF_INFO_GUEST_PROTECTED); a VM gone meanwhile ends
	 * the session the usual way.
	 */
	err = vmprof_guest_mem_refresh(s->target);
	if (err && err != -EIO && err != -ENODEV) {
		vmprof_guest_task_free(s);
		return err;
	}
	return 0;
}

void vmprof_guest_task_free(struct vmprof_session *s)
{
	free_percpu(s->task_cache);
	s->task_cache = NULL;
}

u32 vmprof_guest_task_info_flags(struct vmprof_session *s)
{
	u32 flags = 0;

	if (s->task_cache)
		flags |= VMPROF_INFO_GUEST_TASK;
	if (s->target && READ_ONCE(s->target->gmem.protected))
		flags |= VMPROF_INFO_GUEST_PROTECTED;
	return flags;
}

/* Read the current task pointer, trying the PTI kernel page table. */
static u64 vmprof_guest_current(struct vmprof_gwalk *w, u64 addr)
{
	u64 task;

	if (vmprof_gva_read(w, addr, &task, sizeof(task)) == sizeof(task))
		return task;
	if (!(w->cr3 & BIT_ULL(PAGE_SHIFT)))
		return 0;
	w->cr3 &= ~BIT_ULL(PAGE_SHIFT);
	w->tlb_size = 0;
	if (vmprof_gva_read(w, addr, &task, sizeof(task)) == sizeof(task))
		return task;
	return 0;
}

static bool vmprof_read_task(struct vmprof_session *s, struct vmprof_gwalk *w,
			     u64 task, struct vmprof_task_seen *out)
{
	const struct vmprof_attach *at = &s->attr;

	out->task = task;
	if (vmprof_gva_read(w, task + at->guest_task_pid, &out->tid, 4) != 4 ||
	    vmprof_gva_read(w, task + at->guest_task_tgid, &out->pid, 4) != 4 ||
	    vmprof_gva_read(w, task + at->guest_task_comm, out->comm,
			    TASK_COMM_LEN) != TASK_COMM_LEN)
		return false;
	out->comm[TASK_COMM_LEN - 1] = 0;
	return true;
}

/* The guest task of this sample, in @t; false if it cannot be read. */
static bool vmprof_guest_task_read(struct vmprof_session *s,
				   struct kvm_vcpu *vcpu,
				   struct vmprof_task_seen *t)
{
	struct vmprof_guest_paging p;
	struct vmprof_gwalk w = { .budget = VMPROF_SAMPLE_READS };
	u64 base, task;

	if (current->mm != vcpu->kvm->mm ||
	    !vmprof_guest_read_paging(vcpu, &p) || !p.long_mode)
		return false;
	w.slots = vmprof_guest_mem_slots(s->target, vcpu);
	if (!w.slots)
		return false;
	w.cr3 = p.cr3;
	w.la57 = p.la57;
	base = vmprof_guest_percpu_base(&p);
	if (!base)
		return false;
	task = vmprof_guest_current(&w, base + s->attr.guest_current_task);
	return vmprof_guest_kernel_addr(task) &&
	       vmprof_read_task(s, &w, task, t);
}

/*
 * Overflow handler, inside KVM's guest window on @vcpu's thread: write
 * the guest sample @smp, with its guest task when the session reads
 * them, preceded by a GUEST_TASK record when this ring has not heard of
 * the task as it is now, and by the guest's stack when the session
 * copies stacks (guest_stack.c).  They go in one ring write, so that
 * they are kept or dropped together and the ring counts one sample.
 * Bounded: at most VMPROF_SAMPLE_READS copies of guest memory for the
 * task.
 */
/*
 * What reading the guest's task costs, for the benchmark (bench/
 * lab-bench.sh, part gtask): with guest_task_timing set, every read is
 * timed with local_clock() and counted; debugfs vmprof/guest_task shows
 * the totals.  Off by default: two clock reads per sample.
 */
static bool guest_task_timing;
module_param(guest_task_timing, bool, 0600);
MODULE_PARM_DESC(guest_task_timing,
		 "time the guest-task read of each sample (debugfs vmprof/guest_task)");
static atomic64_t vmprof_gtask_reads, vmprof_gtask_ns;

void vmprof_guest_task_timing_show(struct seq_file *m)
{
	seq_printf(m, "timing=%d reads=%lld ns=%lld\n",
		   READ_ONCE(guest_task_timing),
		   (long long)atomic64_read(&vmprof_gtask_reads),
		   (long long)atomic64_read(&vmprof_gtask_ns));
}

static bool vmprof_guest_task_read_timed(struct vmprof_session *s,
					 struct kvm_vcpu *vcpu,
					 struct vmprof_task_seen *t)
{
	u64 t0;
	bool ok;

	if (!READ_ONCE(guest_task_timing))
		return vmprof_guest_task_read(s, vcpu, t);
	t0 = local_clock();
	ok = vmprof_guest_task_read(s, vcpu, t);
	atomic64_add(local_clock() - t0, &vmprof_gtask_ns);
	atomic64_inc(&vmprof_gtask_reads);
	return ok;
}

void vmprof_guest_sample_write(struct vmprof_session *s, struct kvm_vcpu *vcpu,
			       struct vmprof_sample *smp)
{
	struct vmprof_stack_src src, *stack = NULL;
	struct vmprof_guest_task rec;
	struct vmprof_task_seen t, *e;

	BUILD_BUG_ON(VMPROF_TASK_CACHE != 1 << 6);
	if (s->attr.flags & VMPROF_ATTACH_GUEST_STACK) {
		vmprof_guest_stack_src(s, vcpu, smp->guest_rip, &src);
		stack = &src;
	}
	if (!s->task_cache) {
		vmprof_sample_group_write(s, NULL, 0, stack, smp);
		return;
	}
	if (!vmprof_guest_task_read_timed(s, vcpu, &t)) {
		atomic64_inc(&s->guest_unread);
		vmprof_sample_group_write(s, NULL, 0, stack, smp);
		return;
	}
	smp->guest_pid = t.pid;
	smp->guest_tid = t.tid;
	smp->flags |= VMPROF_SAMPLE_GUEST_TASK;
	e = &this_cpu_ptr(s->task_cache)->e[hash_32(t.tid, 6)];
	if (e->task == t.task && e->tid == t.tid && e->pid == t.pid &&
	    !memcmp(e->comm, t.comm, TASK_COMM_LEN)) {
		vmprof_sample_group_write(s, NULL, 0, stack, smp);
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.header.type = VMPROF_RECORD_GUEST_TASK;
	rec.header.size = sizeof(rec);
	rec.time_ns = smp->time_ns;
	rec.task = t.task;
	rec.pid = t.pid;
	rec.tid = t.tid;
	rec.vcpu = smp->vcpu;
	memcpy(rec.comm, t.comm, TASK_COMM_LEN);
	if (vmprof_sample_group_write(s, &rec, sizeof(rec), stack, smp))
		*e = t;
}
