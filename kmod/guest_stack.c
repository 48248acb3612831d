// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's stack at a sample (VMPROF_ATTACH_GUEST_STACK): its registers
 * and a bounded copy of its stacks, for call chains that user space
 * unwinds later (vmprof report), the idea of perf's --call-graph dwarf.
 * Nothing is unwound here: that needs the guest kernel's unwind tables,
 * which are the tool's business.
 *
 * What is copied depends on where the guest was:
 *  - guest user mode: up to guest_stack_size bytes from RSP;
 *  - guest kernel, on the running task's stack: from RSP to that stack's
 *    top (where the registers of the user space it was entered from
 *    are), at most guest_stack_size bytes;
 *  - guest kernel, on the CPU's interrupt stack: from RSP to its top, and
 *    then the interrupted task's stack from the stack pointer the guest
 *    saved at the interrupt stack's top, because the chain goes on there;
 *    all of it at most guest_stack_size bytes;
 *  - anywhere else (an exception stack, the entry trampoline's stack):
 *    bytes from RSP, at most guest_stack_size.
 * Where the task's stack and the interrupt stack are comes from the guest
 * kernel's per-CPU data, at the %gs-relative addresses the tool found in
 * the guest kernel's BTF (guest_top_of_stack, guest_irq_stack_ptr); a
 * copy also stops at the first page that cannot be read.
 *
 * The bytes go from guest memory straight into the ring, through the
 * reader of guest_mem.c: no fault, no write to the guest, a bounded
 * number of copies (VMPROF_STACK_READS).  The record goes on the ring
 * right before its sample, in the same ring write.
 *
 * A VMM sample charged to the guest instruction that exited (domain
 * switch) gets the stack the guest had at that exit: the registers are
 * kept at each exit (vmprof_guest_stack_exit_begin()) while such a session
 * watches the VM, and its stack is read when the VMM sample comes, the
 * guest not having run since.  Outside KVM_RUN the VM's memslots are not
 * looked at; the copy of them the last guest sample checked is used as
 * it is (a memslot change in between would read VMM memory that is no
 * longer the guest's: never anything but the VMM's own memory).
 */
#include <linux/capability.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "vmprof.h"

/* Copies of guest memory (page tables included) per stack, at most. */
#define VMPROF_STACK_READS	96
/* The guest kernel's THREAD_SIZE when the tool does not say. */
#define VMPROF_GUEST_THREAD_SIZE	SZ_16K
#define VMPROF_STACK_SEGS	2

/* Registers a stack capture may ask for: the general ones, IP, FLAGS. */
#define VMPROF_STACK_REGS_OK	(GENMASK_ULL(VMPROF_REG_FLAGS, 0) | \
				 GENMASK_ULL(VMPROF_REG_R15, VMPROF_REG_R8))

int vmprof_guest_stack_check(const struct vmprof_attach *at)
{
	u32 ts = at->guest_thread_size;

	if (memchr_inv(at->guest_stack_reserved, 0,
		       sizeof(at->guest_stack_reserved)))
		return -EINVAL;
	if (!(at->flags & VMPROF_ATTACH_GUEST_STACK))
		return at->guest_regs || at->guest_stack_size || ts ||
		       at->guest_top_of_stack || at->guest_irq_stack_ptr ?
		       -EINVAL : 0;
	if (at->mode == VMPROF_MODE_SYSTEM ||
	    !(at->guest_regs & BIT_ULL(VMPROF_REG_IP)) ||
	    !(at->guest_regs & BIT_ULL(VMPROF_REG_SP)) ||
	    (at->guest_regs & ~VMPROF_STACK_REGS_OK) ||
	    !at->guest_stack_size ||
	    at->guest_stack_size > VMPROF_STACK_SIZE_MAX ||
	    at->guest_stack_size % 8 ||
	    (ts && (!is_power_of_2(ts) || ts < SZ_4K || ts > SZ_64K)))
		return -EINVAL;
	return 0;
}

/*
 * Process context, at attach: reading the guest's stacks is reading what
 * the tenant has in its VM.  A domain-switch session also has the
 * registers of each exit kept, for the VMM samples charged to it.
 */
int vmprof_guest_stack_attach(struct vmprof_session *s)
{
	struct vmprof_target *t = s->target;
	struct vmprof_exit_stack *xs;
	int err;

	if (!(s->attr.flags & VMPROF_ATTACH_GUEST_STACK))
		return 0;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = vmprof_guest_mem_refresh(t);
	if (err == -ENOMEM)
		return err;
	if (s->attr.mode != VMPROF_MODE_DOMAIN_SWITCH)
		return 0;
	mutex_lock(&t->lock);
	if (!t->exit_stacks) {
		xs = kvcalloc(KVM_MAX_VCPUS, sizeof(*xs), GFP_KERNEL);
		if (!xs) {
			mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		/* The exit hook reads it once the count below says so. */
		smp_store_release(&t->exit_stacks, xs);
	}
	atomic_inc(&t->stack_sessions);
	mutex_unlock(&t->lock);
	s->stack_exits = true;
	return 0;
}

/* Undo vmprof_guest_stack_attach(); the array lives as long as @t. */
void vmprof_guest_stack_free(struct vmprof_session *s)
{
	if (s->stack_exits)
		atomic_dec(&s->target->stack_sessions);
	s->stack_exits = false;
}

/*
 * At each exit of a vCPU of a VM that a domain-switch session copies the
 * stacks of (kvm_exit probe, on the vCPU's thread): the guest's
 * registers and paging, for the VMM samples that come until the next
 * entry.  @seq is odd from before the slot takes the new exit's reason
 * and RIP (vmprof_guest_stack_exit_begin()) until its registers are all
 * written (vmprof_guest_stack_exit_end()): a sample that interrupts the
 * probe in between takes nothing, where it would have put the new exit's
 * RIP on the old exit's stack pointers.
 */
struct vmprof_exit_stack *
vmprof_guest_stack_exit_begin(struct vmprof_target *t,
			      struct vmprof_vcpu_slot *slot)
{
	struct vmprof_exit_stack *xs;

	if (!atomic_read(&t->stack_sessions))
		return NULL;
	xs = smp_load_acquire(&t->exit_stacks);
	if (!xs)
		return NULL;
	xs = &xs[slot->idx];
	WRITE_ONCE(xs->seq, xs->seq + 1);
	barrier();
	return xs;
}

void vmprof_guest_stack_exit_end(struct vmprof_exit_stack *xs,
				 struct kvm_vcpu *vcpu, u64 rip)
{
	if (!xs)
		return;
	xs->src.regs_mask = vmprof_guest_read_gprs(vcpu, rip, xs->src.regs);
	xs->src.paging_ok = vmprof_guest_read_paging(vcpu, &xs->src.p);
	barrier();
	WRITE_ONCE(xs->seq, xs->seq + 1);
}

/*
 * The guest's state at a guest sample, or at a VMM sample inside KVM_RUN
 * (same contract as vmprof_guest_read()); @rip as that read it.
 */
void vmprof_guest_stack_src(struct vmprof_session *s, struct kvm_vcpu *vcpu,
			    u64 rip, struct vmprof_stack_src *src)
{
	memset(src, 0, sizeof(*src));
	src->regs_mask = vmprof_guest_read_gprs(vcpu, rip, src->regs);
	src->paging_ok = vmprof_guest_read_paging(vcpu, &src->p);
	if (current->mm == vcpu->kvm->mm)
		src->slots = vmprof_guest_mem_slots(s->target, vcpu);
}

/*
 * A tick held back at entry is charged to the exit before that entry,
 * whose registers were kept; but the guest has been entered since, and by
 * the time the tick is taken it may have run (an emulated CPU was seen to
 * run on for millions of instructions first), so its memory may no longer
 * be that exit's.  The stack still is, as far as a chain goes, while the
 * guest is at the same stack pointer and at most one instruction past
 * the exit's (which KVM may have completed): its callers' frames are what
 * they were.  The frame pointer must not have moved either: a guest that
 * returned and came back down another call path to the same stack
 * pointer and instruction (a polling loop reached from two callers)
 * would give a chain of the old frames' registers over the new frames'
 * bytes.  Read in KVM's window for the interrupt that stopped it.
 */
static bool vmprof_guest_unmoved(struct kvm_vcpu *vcpu,
				 const struct vmprof_stack_src *kept)
{
	struct vmprof_guest_regs r;
	u64 now[VMPROF_REG_NR];

	if (!vcpu || !vmprof_guest_read(vcpu, &r, VMPROF_READ_SAMPLE) ||
	    !(vmprof_guest_read_gprs(vcpu, r.rip, now) &
	      BIT_ULL(VMPROF_REG_SP)))
		return false;
	return now[VMPROF_REG_SP] == kept->regs[VMPROF_REG_SP] &&
	       now[VMPROF_REG_BP] == kept->regs[VMPROF_REG_BP] &&
	       r.rip - kept->regs[VMPROF_REG_IP] < 16;
}

/*
 * The guest's state at the last exit of @slot's vCPU, for a VMM sample on
 * its thread, inside KVM_RUN or not.  The VM's memslots are not looked at
 * (outside KVM_RUN nothing says the VM is still there): the last copy is
 * used as it is.  False if the exit's registers were not kept, or if the
 * guest has been entered since and moved on (@vcpu: the sample's vCPU,
 * when it is inside KVM_RUN on this CPU).
 */
bool vmprof_guest_stack_src_exit(struct vmprof_session *s,
				 struct vmprof_vcpu_slot *slot,
				 struct kvm_vcpu *vcpu,
				 struct vmprof_stack_src *src)
{
	struct vmprof_target *t = s->target;
	struct vmprof_exit_stack *xs;
	u32 seq;

	xs = t ? smp_load_acquire(&t->exit_stacks) : NULL;
	if (!xs || !s->stack_exits)
		return false;
	xs = &xs[slot->idx];
	seq = READ_ONCE(xs->seq);
	barrier();
	*src = xs->src;
	barrier();
	if ((seq & 1) || seq != READ_ONCE(xs->seq) || !seq)
		return false;
	/*
	 * Kept at another exit: one that the probes' fast path took while
	 * no session copied stacks (between two sessions).
	 */
	if (src->regs[VMPROF_REG_IP] != READ_ONCE(slot->exit_rip))
		return false;
	if (READ_ONCE(slot->state) == VMPROF_SLOT_GUEST &&
	    !vmprof_guest_unmoved(vcpu, src))
		return false;
	src->slots = rcu_dereference_sched(t->gmem.slots);
	return true;
}

/* The bytes of the record before its segments' data. */
static u32 vmprof_stack_head_len(const struct vmprof_session *s)
{
	return sizeof(struct vmprof_guest_stack) +
	       8 * hweight64(s->attr.guest_regs) +
	       VMPROF_STACK_SEGS * sizeof(struct vmprof_stack_seg);
}

/* The most a GUEST_STACK record of this session takes on the ring. */
static u32 vmprof_guest_stack_max(const struct vmprof_session *s)
{
	return vmprof_stack_head_len(s) + s->attr.guest_stack_size +
	       VMPROF_STACK_SEGS * 8;
}

struct vmprof_stack_fill {
	struct vmprof_gwalk *w;
	u64 gva;
};

static u32 vmprof_stack_fill(void *ctx, void *dst, u32 len)
{
	struct vmprof_stack_fill *f = ctx;
	u32 got = vmprof_gva_read(f->w, f->gva, dst, len);

	f->gva += got;
	return got;
}

static bool vmprof_gva_u64(struct vmprof_gwalk *w, u64 gva, u64 *val)
{
	return vmprof_gva_read(w, gva, val, sizeof(*val)) == sizeof(*val);
}

/*
 * Copy [addr, top) of guest memory (top 0: no top) into the group, at most
 * *left bytes, padded to 8; fill in @seg.
 */
static void vmprof_stack_copy(struct vmprof_ring_txn *t,
			      struct vmprof_gwalk *w, u64 addr, u64 top,
			      u32 *left, u16 kind,
			      struct vmprof_stack_seg *seg)
{
	static const u64 zero;
	struct vmprof_stack_fill f = { .w = w, .gva = addr };
	u32 want = *left, got;

	seg->addr = addr;
	seg->kind = kind;
	seg->end = VMPROF_STACK_END_SIZE;
	if (top && top - addr <= want) {
		want = top - addr;
		seg->end = VMPROF_STACK_END_TOP;
	}
	got = vmprof_ring_fill(t, want, vmprof_stack_fill, &f);
	if (got < want)
		seg->end = VMPROF_STACK_END_FAULT;
	seg->len = got;
	*left -= got;
	if (got % 8)
		vmprof_ring_put(t, &zero, 8 - got % 8);
}

/* Guest kernel addresses are in the upper half. */
static bool vmprof_gk_addr(u64 addr)
{
	return (s64)addr < 0;
}

/*
 * The stacks of a guest kernel sample: @rsp on the interrupt stack (two
 * segments) or on the task's stack (one), else one of bytes from @rsp.
 */
static unsigned int vmprof_kernel_stacks(struct vmprof_session *s,
					 struct vmprof_ring_txn *t,
					 struct vmprof_gwalk *w,
					 const struct vmprof_guest_paging *p,
					 u64 rsp, struct vmprof_stack_seg *segs)
{
	const struct vmprof_attach *at = &s->attr;
	u64 ts = at->guest_thread_size ?: VMPROF_GUEST_THREAD_SIZE;
	u64 percpu = vmprof_guest_percpu_base(p), top = 0, irq = 0, prev;
	u32 left = at->guest_stack_size;

	if (percpu && at->guest_top_of_stack &&
	    (!vmprof_gva_u64(w, percpu + at->guest_top_of_stack, &top) ||
	     !vmprof_gk_addr(top)))
		top = 0;
	if (percpu && at->guest_irq_stack_ptr &&
	    (!vmprof_gva_u64(w, percpu + at->guest_irq_stack_ptr, &irq) ||
	     !vmprof_gk_addr(irq)))
		irq = 0;
	/* hardirq_stack_ptr is the top slot, which holds the saved RSP. */
	if (irq && rsp - (irq + 8 - ts) < ts) {
		vmprof_stack_copy(t, w, rsp, irq + 8, &left,
				  VMPROF_STACK_SEG_IRQ, &segs[0]);
		if (segs[0].end != VMPROF_STACK_END_TOP || !left || !top ||
		    !vmprof_gva_u64(w, irq, &prev) || prev - (top - ts) >= ts)
			return 1;
		vmprof_stack_copy(t, w, prev, top, &left,
				  VMPROF_STACK_SEG_TASK, &segs[1]);
		return 2;
	}
	if (top && rsp - (top - ts) < ts) {
		vmprof_stack_copy(t, w, rsp, top, &left,
				  VMPROF_STACK_SEG_TASK, &segs[0]);
		return 1;
	}
	vmprof_stack_copy(t, w, rsp, 0, &left, VMPROF_STACK_SEG_OTHER,
			  &segs[0]);
	return 1;
}

/*
 * Put the GUEST_STACK record of a sample into the group @t: the
 * registers the session asked for, of those @src has, and the guest's
 * stacks in the state @src says.  Never fails: a stack that cannot be
 * read is a record with no bytes and VMPROF_STACK_UNREAD.
 */
static void vmprof_guest_stack_put(struct vmprof_session *s,
				   struct vmprof_ring_txn *t,
				   const struct vmprof_stack_src *src)
{
	const struct vmprof_guest_paging *p = &src->p;
	struct vmprof_stack_seg segs[VMPROF_STACK_SEGS] = { };
	struct vmprof_gwalk w = {
		.slots = src->slots,
		.cr3 = p->cr3,
		.la57 = p->la57,
		.budget = VMPROF_STACK_READS,
	};
	struct vmprof_guest_stack rec = {
		.header.type = VMPROF_RECORD_GUEST_STACK,
		.regs_mask = s->attr.guest_regs & src->regs_mask,
	};
	u64 start = t->pos, rsp = src->regs[VMPROF_REG_SP], word;
	unsigned int r, nr = 0;

	if (src->paging_ok && p->cpl == 3)
		rec.flags |= VMPROF_STACK_USER;
	/* Header, registers and segment table now, the table again later. */
	vmprof_ring_put(t, &rec, sizeof(rec));
	for (r = 0; r < VMPROF_REG_NR; r++)
		if (rec.regs_mask & BIT_ULL(r))
			vmprof_ring_put(t, &src->regs[r], sizeof(src->regs[r]));
	vmprof_ring_put(t, segs, sizeof(segs));
	if (!src->slots || !src->paging_ok || !p->long_mode ||
	    !(rec.regs_mask & BIT_ULL(VMPROF_REG_SP))) {
		rec.flags |= VMPROF_STACK_UNREAD;
	} else if (p->cpl == 3) {
		u32 left = s->attr.guest_stack_size;

		vmprof_stack_copy(t, &w, rsp, 0, &left, VMPROF_STACK_SEG_USER,
				  &segs[0]);
		nr = 1;
	} else {
		/*
		 * With page table isolation the kernel is entered on the
		 * user copy of its page table; the kernel copy is the page
		 * below it.
		 */
		if (!vmprof_gva_u64(&w, rsp, &word) &&
		    (w.cr3 & BIT_ULL(PAGE_SHIFT))) {
			w.cr3 &= ~BIT_ULL(PAGE_SHIFT);
			w.tlb_size = 0;
		}
		nr = vmprof_kernel_stacks(s, t, &w, p, rsp, segs);
	}
	if (!nr || !segs[0].len)
		rec.flags |= VMPROF_STACK_UNREAD;
	/* Unused segments stay in the table, with no bytes. */
	rec.nr_segs = VMPROF_STACK_SEGS;
	rec.header.size = t->pos - start;
	vmprof_ring_patch(t, start, &rec, sizeof(rec));
	vmprof_ring_patch(t, start + sizeof(rec) +
			  8 * hweight64(rec.regs_mask), segs, sizeof(segs));
}

/*
 * Write a sample as one group on this CPU's ring: @pre (a record that
 * goes with it, or NULL), its GUEST_STACK record when @src is given, and
 * @smp.  False if the ring had no room (the sample is counted lost).
 */
bool vmprof_sample_group_write(struct vmprof_session *s, const void *pre,
			       u32 pre_len, const struct vmprof_stack_src *src,
			       const struct vmprof_sample *smp)
{
	struct vmprof_ring_txn t;
	u32 max = pre_len + sizeof(*smp);

	if (src)
		max += vmprof_guest_stack_max(s);
	if (!vmprof_ring_begin(s, &t, max))
		return false;
	if (pre)
		vmprof_ring_put(&t, pre, pre_len);
	if (src)
		vmprof_guest_stack_put(s, &t, src);
	vmprof_ring_put(&t, smp, sizeof(*smp));
	vmprof_ring_commit(&t);
	return true;
}
