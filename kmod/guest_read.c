// SPDX-License-Identifier: GPL-2.0
/*
 * VMPROF_IOC_GUEST_READ: guest memory for the recorder, in process
 * context (include/vmprof.h has the ABI).
 *
 * The tool learns from guest memory what the guest kernel is (its
 * VMCOREINFO note), which modules it loaded and which programs its
 * processes run.  The reads use the same walker and the same
 * non-faulting copies as samples (guest_mem.c), from a worker that
 * adopts the VMM's address space for the duration (kthread_use_mm()):
 * guest pages the VMM never touched, or that the host swapped out, read
 * as unreadable rather than being faulted in.  The VM is referenced only
 * while its memslots are copied; the VMM's mm, which holds the guest's
 * memory, only until the read is done.
 */
#include <linux/capability.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vmprof.h"
#include "compat.h"

/* Pages one FIND looks at before it returns (1 GiB of guest memory). */
#define VMPROF_FIND_PAGES	(1U << 18)

struct vmprof_read_job {
	struct work_struct work;
	struct mm_struct *mm;
	struct vmprof_memslots *slots;
	const struct vmprof_guest_read *req;
	u8 *buf;		/* len bytes; FIND: pattern, then mask */
	u32 done_bytes;
	u64 found;
	u64 next;
};

static bool vmprof_page_matches(const u8 *page, const u8 *pattern,
				const u8 *mask, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if ((page[i] ^ pattern[i]) & mask[i])
			return false;
	return true;
}

static void vmprof_find_page(struct vmprof_read_job *job)
{
	const struct vmprof_guest_read *req = job->req;
	struct vmprof_gwalk w = { .slots = job->slots, .budget = INT_MAX };
	u8 head[VMPROF_GUEST_FIND_MAX];
	u32 i, pages = 0;

	job->found = ~0ULL;
	job->next = ~0ULL;
	for (i = 0; i < job->slots->nr; i++) {
		const struct vmprof_memslot *s = &job->slots->slot[i];
		u64 gpa = s->base_gfn << PAGE_SHIFT;
		u64 end = (s->base_gfn + s->npages) << PAGE_SHIFT;

		if (req->addr > gpa)
			gpa = PAGE_ALIGN(req->addr);
		for (; gpa < end; gpa += PAGE_SIZE) {
			if (pages++ == VMPROF_FIND_PAGES) {
				job->next = gpa;
				return;
			}
			if (!(pages & 1023))
				cond_resched();
			if (vmprof_gpa_read(&w, gpa, head, req->len) != req->len)
				continue;
			if (vmprof_page_matches(head, job->buf,
						job->buf + req->len, req->len)) {
				job->found = gpa;
				job->next = gpa + PAGE_SIZE;
				return;
			}
		}
	}
}

static void vmprof_read_work(struct work_struct *work)
{
	struct vmprof_read_job *job = container_of(work, struct vmprof_read_job,
						   work);
	const struct vmprof_guest_read *req = job->req;
	struct vmprof_gwalk w = {
		.slots = job->slots,
		.cr3 = req->cr3,
		.la57 = req->flags & VMPROF_GUEST_READ_LA57,
		.budget = INT_MAX,
	};

	kthread_use_mm(job->mm);
	switch (req->op) {
	case VMPROF_GUEST_READ_PHYS:
		job->done_bytes = vmprof_gpa_read(&w, req->addr, job->buf,
						  req->len);
		break;
	case VMPROF_GUEST_READ_VIRT:
		job->done_bytes = vmprof_gva_read(&w, req->addr, job->buf,
						  req->len);
		break;
	case VMPROF_GUEST_FIND_PAGE:
		vmprof_find_page(job);
		break;
	}
	kthread_unuse_mm(job->mm);
}

static int vmprof_guest_read_check(const struct vmprof_guest_read *req)
{
	if (memchr_inv(req->reserved, 0, sizeof(req->reserved)))
		return -EINVAL;
	switch (req->op) {
	case VMPROF_GUEST_READ_PHYS:
		return !req->flags && req->len &&
		       req->len <= VMPROF_GUEST_READ_MAX ? 0 : -EINVAL;
	case VMPROF_GUEST_READ_VIRT:
		return !(req->flags & ~VMPROF_GUEST_READ_LA57) && req->len &&
		       req->len <= VMPROF_GUEST_READ_MAX ? 0 : -EINVAL;
	case VMPROF_GUEST_FIND_PAGE:
		return !req->flags && req->len &&
		       req->len <= VMPROF_GUEST_FIND_MAX ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* The VMM's mm and a copy of its VM's memslots, as ATTACH finds a VM. */
static int vmprof_guest_read_open(pid_t nr, struct mm_struct **mm,
				  struct vmprof_memslots **slots)
{
	struct task_struct *task;
	struct kvm *kvm;
	bool protected;
	int err;

	err = vmprof_profilable_task_get(nr, &task);
	if (err)
		return err;
	kvm = vmprof_vm_get(task, NULL);
	put_task_struct(task);
	if (!kvm)
		return -ENODEV;
	*slots = vmprof_memslots_get(kvm, &protected);
	if (!*slots)
		err = protected ? -EIO : -ENOMEM;
	else if (!mmget_not_zero(kvm->mm))
		err = -ESRCH;
	else
		*mm = kvm->mm;
	kvm_put_kvm(kvm);
	if (err)
		kfree(*slots);
	return err;
}

long vmprof_guest_read_ioctl(void __user *uarg)
{
	struct vmprof_read_job job = { };
	struct vmprof_guest_read req;
	void __user *ubuf;
	u32 usize, blen;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < VMPROF_GUEST_READ_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = vmprof_guest_read_check(&req);
	if (err)
		return err;
	ubuf = u64_to_user_ptr(req.buf);
	blen = req.op == VMPROF_GUEST_FIND_PAGE ? 2 * req.len : req.len;
	job.buf = kvzalloc(blen, GFP_KERNEL);
	if (!job.buf)
		return -ENOMEM;
	if (req.op == VMPROF_GUEST_FIND_PAGE &&
	    copy_from_user(job.buf, ubuf, blen)) {
		err = -EFAULT;
		goto out;
	}
	err = vmprof_guest_read_open(req.pid, &job.mm, &job.slots);
	if (err)
		goto out;
	job.req = &req;
	INIT_WORK_ONSTACK(&job.work, vmprof_read_work);
	queue_work(vmprof_wq, &job.work);
	flush_work(&job.work);
	destroy_work_on_stack(&job.work);
	mmput(job.mm);
	kfree(job.slots);

	req.done = job.done_bytes;
	req.found = job.found;
	req.next = job.next;
	req.size = sizeof(req);
	if (req.op != VMPROF_GUEST_FIND_PAGE &&
	    copy_to_user(ubuf, job.buf, req.done)) {
		err = -EFAULT;
		goto out;
	}
	if (copy_to_user(uarg, &req, min_t(u32, usize, sizeof(req))))
		err = -EFAULT;
out:
	kvfree(job.buf);
	return err;
}
