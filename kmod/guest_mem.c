// SPDX-License-Identifier: GPL-2.0
/*
 * Reading guest memory without KVM's help, safe in NMI context.
 *
 * kvm_read_guest_virt() is not usable where samples are taken: its walker
 * may set accessed and dirty bits (a write to guest memory), its copy may
 * fault and sleep, it needs kvm->srcu (which the vCPU thread drops around
 * guest entry), and from 6.18 KVM exports it to its own modules only.  So
 * vmprof reads the guest the way the guest's own MMU would, and only
 * reads:
 *
 *  - guest-physical to VMM address through a copy of the VM's memslots
 *    (base gfn, pages, userspace address), taken in process context under
 *    kvm->srcu with a short-lived reference on the VM and published with
 *    RCU.  A sample compares the copy's VM and generation with the live
 *    ones (kvm->memslots[0] points into struct kvm itself, alive while
 *    the vCPU runs); when they differ it reads nothing and asks for a new
 *    copy through irq_work and a work item.
 *  - the VMM address is read with copy_from_user_nmi(), which never
 *    faults and refuses when the current mm is not the loaded one.  In a
 *    sample, current is the vCPU thread, whose mm is the VMM's; in
 *    process context the reader adopts the VMM's mm (guest_read.c).
 *  - guest-virtual to guest-physical by walking the guest's page tables
 *    from CR3: 4 or 5 levels, 1 GiB and 2 MiB pages, table addresses from
 *    bits 51:12 only.  Every copy counts against a budget the caller
 *    sets, so a sample's work is bounded whatever the guest's tables say.
 *
 * The copy never keeps the VM alive: the VM is found again through the
 * VMM's file table each time, referenced with kvm_get_kvm_safe() for the
 * copy and put right after.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "vmprof.h"
#include "compat.h"

#define GPTE_PRESENT	BIT_ULL(0)
#define GPTE_LARGE	BIT_ULL(7)
#define GPTE_ADDR	GENMASK_ULL(51, 12)

static int vmprof_memslot_cmp(const void *a, const void *b)
{
	const struct vmprof_memslot *x = a, *y = b;

	return x->base_gfn < y->base_gfn ? -1 : x->base_gfn > y->base_gfn;
}

/* Process context, with a reference on @kvm. */
static struct vmprof_memslots *vmprof_memslots_copy(struct kvm *kvm)
{
	struct kvm_memory_slot *ms;
	struct kvm_memslots *slots;
	struct vmprof_memslots *out;
	int idx, bkt, n = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slots = kvm_memslots(kvm);
	kvm_for_each_memslot(ms, bkt, slots)
		n++;
	out = kzalloc(struct_size(out, slot, n), GFP_KERNEL);
	if (out) {
		out->kvm = kvm;
		out->generation = slots->generation;
		kvm_for_each_memslot(ms, bkt, slots) {
			if (out->nr == n)
				break;
			if ((ms->flags & KVM_MEMSLOT_INVALID) ||
			    vmprof_memslot_private(ms))
				continue;
			out->slot[out->nr].base_gfn = ms->base_gfn;
			out->slot[out->nr].npages = ms->npages;
			out->slot[out->nr].hva = ms->userspace_addr;
			out->nr++;
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);
	if (out)
		sort(out->slot, out->nr, sizeof(out->slot[0]),
		     vmprof_memslot_cmp, NULL);
	return out;
}

struct vmprof_vm_pick {
	struct kvm *prefer;	/* only this VM, if set */
	struct file *file;	/* referenced */
};

/* Runs under files->file_lock: may not sleep. */
static int vmprof_vm_pick_fd(const void *priv, struct file *f, unsigned int fd)
{
	struct vmprof_vm_pick *pick = (struct vmprof_vm_pick *)priv;

	if (!vmprof_file_is_kvm_vm(f))
		return 0;
	if (pick->prefer && f->private_data != pick->prefer)
		return 0;
	pick->file = get_file(f);
	return 1;
}

/*
 * The VM of the VMM @task (@prefer if it has several and one is known),
 * with a reference the caller drops with kvm_put_kvm().  NULL if the VMM
 * has no VM (any more).
 */
struct kvm *vmprof_vm_get(struct task_struct *task, struct kvm *prefer)
{
	struct vmprof_vm_pick pick = { .prefer = prefer };
	struct kvm *kvm = NULL;

	task_lock(task);
	if (task->files) {
		iterate_fd(task->files, 0, vmprof_vm_pick_fd, &pick);
		if (!pick.file && prefer) {
			pick.prefer = NULL;
			iterate_fd(task->files, 0, vmprof_vm_pick_fd, &pick);
		}
	}
	task_unlock(task);
	if (!pick.file)
		return NULL;
	/* The open file holds the VM; the reference outlives the file. */
	if (kvm_get_kvm_safe(pick.file->private_data))
		kvm = pick.file->private_data;
	fput(pick.file);
	return kvm;
}

/*
 * A fresh copy of @kvm's memslots, or NULL (out of memory, or encrypted
 * guest memory, then *protected is set).  Process context, with a
 * reference on @kvm.
 */
struct vmprof_memslots *vmprof_memslots_get(struct kvm *kvm, bool *protected)
{
	struct kvm_vcpu *vcpu = kvm_get_vcpu(kvm, 0);

	*protected = vcpu && vmprof_guest_memory_protected(vcpu);
	if (*protected)
		return NULL;
	return vmprof_memslots_copy(kvm);
}

static void vmprof_guest_mem_refresh_work(struct work_struct *work)
{
	struct vmprof_guest_mem *gm = container_of(work, struct vmprof_guest_mem,
						   refresh_work);
	struct vmprof_target *t = container_of(gm, struct vmprof_target, gmem);

	vmprof_guest_mem_refresh(t);
}

static void vmprof_guest_mem_refresh_irq(struct irq_work *work)
{
	struct vmprof_guest_mem *gm = container_of(work, struct vmprof_guest_mem,
						   refresh_irq);

	queue_work(vmprof_wq, &gm->refresh_work);
}

void vmprof_guest_mem_init(struct vmprof_target *t)
{
	struct vmprof_guest_mem *gm = &t->gmem;

	mutex_init(&gm->lock);
	gm->last_refresh = jiffies - HZ;
	init_irq_work(&gm->refresh_irq, vmprof_guest_mem_refresh_irq);
	INIT_WORK(&gm->refresh_work, vmprof_guest_mem_refresh_work);
}

void vmprof_guest_mem_uninit(struct vmprof_target *t)
{
	struct vmprof_guest_mem *gm = &t->gmem;

	/* No sample runs any more: nothing queues either of them again. */
	irq_work_sync(&gm->refresh_irq);
	cancel_work_sync(&gm->refresh_work);
	kfree(rcu_dereference_protected(gm->slots, true));
}

/*
 * Take a new copy of the target VM's memslots if they changed, in process
 * context.  Returns 0, -ENODEV if the VMM has no VM, -EIO if its memory
 * is encrypted, -ENOMEM.
 */
int vmprof_guest_mem_refresh(struct vmprof_target *t)
{
	struct vmprof_guest_mem *gm = &t->gmem;
	struct vmprof_memslots *fresh, *old;
	struct task_struct *leader;
	struct kvm *kvm;
	bool protected;
	int err = 0;

	rcu_read_lock();
	leader = pid_task(t->tgid, PIDTYPE_TGID);
	if (leader)
		get_task_struct(leader);
	rcu_read_unlock();
	if (!leader)
		return -ENODEV;
	kvm = vmprof_vm_get(leader, READ_ONCE(gm->kvm));
	put_task_struct(leader);
	if (!kvm)
		return -ENODEV;
	mutex_lock(&gm->lock);
	WRITE_ONCE(gm->last_refresh, jiffies);
	old = rcu_dereference_protected(gm->slots, lockdep_is_held(&gm->lock));
	if (old && old->kvm == kvm &&
	    old->generation == vmprof_kvm_memslots_generation(kvm))
		goto out;
	fresh = vmprof_memslots_get(kvm, &protected);
	WRITE_ONCE(gm->protected, protected);
	if (!fresh) {
		err = protected ? -EIO : -ENOMEM;
		goto out;
	}
	rcu_assign_pointer(gm->slots, fresh);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&gm->lock);
	kvm_put_kvm(kvm);
	return err;
}

/*
 * Sample context, on @vcpu's thread inside KVM_RUN: the memslot copy if
 * it is current for @vcpu's VM, else NULL (and a new copy is asked for).
 */
const struct vmprof_memslots *vmprof_guest_mem_slots(struct vmprof_target *t,
						     struct kvm_vcpu *vcpu)
{
	struct vmprof_guest_mem *gm = &t->gmem;
	const struct vmprof_memslots *slots;
	u64 gen;

	if (READ_ONCE(gm->kvm) != vcpu->kvm)
		WRITE_ONCE(gm->kvm, vcpu->kvm);
	slots = rcu_dereference_sched(gm->slots);
	gen = vmprof_kvm_memslots_generation(vcpu->kvm);
	/*
	 * Generations are per VM: two VMs of one VMM set up alike count the
	 * same, and one's copy would send the other's reads to its memory.
	 */
	if (slots && slots->kvm == vcpu->kvm && slots->generation == gen)
		return slots;
	/*
	 * Not while KVM installs new memslots (ask again at the next
	 * sample), nor for a guest whose memory cannot be read, nor more
	 * than ten times a second if copies keep failing.
	 */
	if (!(gen & KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS) &&
	    !READ_ONCE(gm->protected) &&
	    time_after(jiffies, READ_ONCE(gm->last_refresh) + HZ / 10))
		irq_work_queue(&gm->refresh_irq);
	return NULL;
}

/* Bytes of guest-physical @gpa readable in one piece, and where. */
static u32 vmprof_gpa_to_hva(const struct vmprof_memslots *slots, u64 gpa,
			     u32 len, unsigned long *hva)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	u32 lo = 0, hi = slots->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct vmprof_memslot *s = &slots->slot[mid];

		if (gfn < s->base_gfn) {
			hi = mid;
		} else if (gfn >= s->base_gfn + s->npages) {
			lo = mid + 1;
		} else {
			u64 off = gpa - (s->base_gfn << PAGE_SHIFT);
			u64 left = (s->npages << PAGE_SHIFT) - off;

			*hva = s->hva + off;
			return min_t(u64, len, left);
		}
	}
	return 0;
}

/* Read guest-physical memory; returns the bytes read (from the start). */
u32 vmprof_gpa_read(struct vmprof_gwalk *w, u64 gpa, void *dst, u32 len)
{
	u32 done = 0;

	while (done < len) {
		unsigned long hva;
		u32 n = vmprof_gpa_to_hva(w->slots, gpa + done, len - done,
					  &hva);

		if (!n || w->budget <= 0)
			break;
		w->budget--;
		if (copy_from_user_nmi((char *)dst + done,
				       (const void __user *)hva, n))
			break;
		done += n;
	}
	return done;
}

static bool vmprof_canonical(u64 gva, bool la57)
{
	unsigned int bits = la57 ? 57 : 48;

	return ((s64)(gva << (64 - bits)) >> (64 - bits)) == (s64)gva;
}

/*
 * Translate @gva through the tables at w->cr3; sets *gpa and *left, the
 * bytes from there to the end of the page.  Returns 0 or -EFAULT.
 */
static int vmprof_gwalk_translate(struct vmprof_gwalk *w, u64 gva, u64 *gpa,
				  u64 *left)
{
	int level = w->la57 ? 5 : 4;
	u64 table = w->cr3 & GPTE_ADDR;

	if (!vmprof_canonical(gva, w->la57))
		return -EFAULT;
	for (; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (level - 1);
		u64 pte, size = 1ULL << shift;

		if (vmprof_gpa_read(w, table + ((gva >> shift) & 511) * 8,
				    &pte, sizeof(pte)) != sizeof(pte))
			return -EFAULT;
		if (!(pte & GPTE_PRESENT))
			return -EFAULT;
		if (level == 1 ||
		    ((level == 2 || level == 3) && (pte & GPTE_LARGE))) {
			/* Bit 12 of a large page entry is PAT: masked. */
			*gpa = (pte & GPTE_ADDR & ~(size - 1)) |
			       (gva & (size - 1));
			*left = size - (gva & (size - 1));
			return 0;
		}
		table = pte & GPTE_ADDR;
	}
	return -EFAULT;
}

/*
 * Read guest-virtual memory; returns the bytes read (from the start).
 * The last translation is remembered: the fields of one task_struct are
 * mostly on one page.
 */
u32 vmprof_gva_read(struct vmprof_gwalk *w, u64 gva, void *dst, u32 len)
{
	u32 done = 0;

	while (done < len) {
		u64 va = gva + done, gpa, left;
		u32 n, got;

		if (w->tlb_size && va - w->tlb_va < w->tlb_size) {
			gpa = w->tlb_pa + (va - w->tlb_va);
			left = w->tlb_size - (va - w->tlb_va);
		} else if (!vmprof_gwalk_translate(w, va, &gpa, &left)) {
			w->tlb_va = va;
			w->tlb_pa = gpa;
			w->tlb_size = left;
		} else {
			break;
		}
		n = min_t(u64, len - done, left);
		got = vmprof_gpa_read(w, gpa, (char *)dst + done, n);
		done += got;
		if (got != n)
			break;
	}
	return done;
}
