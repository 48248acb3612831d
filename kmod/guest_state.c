// SPDX-License-Identifier: GPL-2.0
/*
 * Reading guest state that KVM does not export: RIP, CR3, CPL, the exit
 * reason and MSR_LSTAR (the KASLR hint).
 *
 * Callers guarantee the vCPU is loaded on this CPU: either a KVM
 * tracepoint probe running on the vCPU's own thread, or the overflow
 * handler inside KVM's "handling an interrupt from the guest" window
 * (kvm_before_interrupt .. kvm_after_interrupt), which KVM's own perf
 * callbacks rely on in the same way (kvm_guest_get_ip()).
 *
 * AMD (SVM): struct vcpu_svm begins { struct kvm_vcpu vcpu; struct vmcb
 * *vmcb; } in every kernel from 6.1 to 6.19, so the VMCB is the pointer
 * that follows struct kvm_vcpu.  That layout is private to kvm-amd, so it
 * is validated at run time: the pointer must be a page of the direct map
 * and the VMCB's RIP must equal the RIP KVM copied into vcpu->arch.regs at
 * the same exit.  Until one exit validated it, and for good if none does
 * in VMPROF_VMCB_TRIES exits, only vcpu->arch.regs is used (RIP only; CR3
 * and CPL read 0, exit reasons are unknown).
 *
 * Intel (VMX): VMREAD of the current VMCS, the way vmx_get_cpl_no_cache()
 * does since 6.19 to stay out of KVM's register cache from NMI context.
 * VMREAD outside VMX operation raises #UD; the exception-table entry turns
 * that into a failed read instead of an oops.  Inside VMX operation with
 * no current VMCS it fails (VMfailInvalid) and sets CF.  The VMX lab
 * (tests/vmx, Bochs) runs all of this.
 */
#include <asm/processor.h>
#include <asm/svm.h>
#include <asm/vmx.h>
#include <asm/msr-index.h>
#include <asm/asm.h>

#include "vmprof.h"
#include "compat.h"
#include "guest_exit.h"

u32 vmprof_isa;
int vmprof_vmcb_state = VMCB_UNKNOWN;

void vmprof_guest_state_init(void)
{
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		vmprof_isa = VMPROF_ISA_SVM;
		break;
	case X86_VENDOR_INTEL:
	case X86_VENDOR_CENTAUR:
	case X86_VENDOR_ZHAOXIN:
		vmprof_isa = VMPROF_ISA_VMX;
		break;
	default:
		vmprof_isa = VMPROF_ISA_UNKNOWN;
	}
}

DEFINE_PER_CPU(struct vmcb *, vmprof_vmcb_seen);

/*
 * The VMCB of an SVM vCPU, or NULL if the pointer cannot be one.  Remembered
 * as seen only once the layout is validated: the exit probe's fast path
 * (guest_exit.h) takes a VMCB equal to it for a validated one.
 */
static struct vmcb *vmprof_svm_vmcb(struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb = *(struct vmcb **)((char *)vcpu + sizeof(*vcpu));

	if (vmcb && vmcb == this_cpu_read(vmprof_vmcb_seen))
		return vmcb;
	if (!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb))
		return NULL;
	if (READ_ONCE(vmprof_vmcb_state) == VMCB_OK)
		this_cpu_write(vmprof_vmcb_seen, vmcb);
	return vmcb;
}

/*
 * Exits where the two copies of RIP disagree, before the layout is
 * declared unknown.  With the right layout they disagree at an exit KVM's
 * fastpath completed before kvm_exit was traced (6.1 to 6.5 trace it
 * from svm_handle_exit(), after handle_fastpath_set_msr_irqoff() moved
 * RIP past an x2APIC ICR write), rarely many in a row; with a layout we
 * do not know, practically always.  An exit at RIP 0 proves nothing
 * either way (a zeroed page would agree) and is not counted: a real-mode
 * guest may well exit there, over and over.
 */
#define VMPROF_VMCB_TRIES	1024
static atomic_t vmprof_vmcb_misses = ATOMIC_INIT(0);

/*
 * Called from the kvm_exit probe, on the vCPU thread.  Until one exit
 * shows the VMCB's RIP equal to the one svm_vcpu_run() copied out of it,
 * nothing but RIP is read from the VMCB.
 */
static void vmprof_svm_validate(struct kvm_vcpu *vcpu, struct vmcb *vmcb)
{
	u64 rip = vmprof_vcpu_rip(vcpu);

	if (READ_ONCE(vmprof_vmcb_state) != VMCB_UNKNOWN)
		return;
	if (vmcb && vmcb->save.rip == rip && rip) {
		WRITE_ONCE(vmprof_vmcb_state, VMCB_OK);
		return;
	}
	if (vmcb && (!vmcb->save.rip || !rip))
		return;
	if (atomic_inc_return(&vmprof_vmcb_misses) != VMPROF_VMCB_TRIES)
		return;
	WRITE_ONCE(vmprof_vmcb_state, VMCB_BAD);
	pr_warn("struct vcpu_svm layout not recognised; guest CR3, CPL and exit reasons unavailable\n");
}

static bool vmprof_svm_read(struct kvm_vcpu *vcpu, struct vmprof_guest_regs *r,
			    enum vmprof_read_at at)
{
	struct vmcb *vmcb = vmprof_svm_vmcb(vcpu);

	/* svm_vcpu_run() copies RIP out of the VMCB right after each exit. */
	r->rip = vmprof_vcpu_rip(vcpu);
	if (at == VMPROF_READ_EXIT)
		vmprof_svm_validate(vcpu, vmcb);
	if (READ_ONCE(vmprof_vmcb_state) != VMCB_OK || !vmcb)
		return true;
	r->exit_reason = vmcb->control.exit_code;
	if (at != VMPROF_READ_SAMPLE) {
		/*
		 * The exiting instruction.  KVM may have moved its own copy
		 * of RIP past it by now (a fastpath exit on 6.1, or one
		 * completed before the next entry); the VMCB keeps it until
		 * the next VMRUN.  An exit needs only its reason and RIP.
		 */
		r->rip = vmcb->save.rip;
		return true;
	}
	/*
	 * With shadow paging (kvm_amd npt=0) the VMCB's CR3 is KVM's own
	 * root; the guest's is KVM's copy, current because CR3 writes are
	 * intercepted then (the lab's t_gtask found this).
	 */
	r->cr3 = vmprof_vmcb_misc_ctl(vmcb) & VMPROF_VMCB_NP ?
		 vmcb->save.cr3 : READ_ONCE(vcpu->arch.cr3);
	r->cpl = vmcb->save.cpl;
	return true;
}

/* *val is written only when the read succeeded. */
static bool vmprof_vmread(unsigned long field, u64 *val)
{
	bool ok = false;
	u64 v;

	asm volatile("1: vmread %[field], %[v]\n\t"
		     "seta %[ok]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "=&r"(v), [ok] "+qm"(ok)
		     : [field] "r"(field)
		     : "cc");
	if (ok)
		*val = v;
	return ok;
}

/*
 * The guest's CR3.  While KVM intercepts CR3 loads (shadow paging, ept=0;
 * or EPT without unrestricted guest while the guest's paging is off), the
 * VMCS holds KVM's own page table root, and the guest's value is the one
 * KVM keeps from the intercepted loads: as vmx_cache_reg() decides.
 */
static bool vmprof_vmx_cr3(struct kvm_vcpu *vcpu, u64 *cr3)
{
	u64 exec;

	if (!vmprof_vmread(CPU_BASED_VM_EXEC_CONTROL, &exec))
		return false;
	if (exec & CPU_BASED_CR3_LOAD_EXITING) {
		*cr3 = READ_ONCE(vcpu->arch.cr3);
		return true;
	}
	return vmprof_vmread(GUEST_CR3, cr3);
}

/*
 * Set when VMREAD fails where the VMCS must be current: in a probe on the
 * vCPU's thread, between its VM exit and its next entry.  KVM on Hyper-V
 * with the enlightened VMCS (kvm_intel enlightened_vmcs, used when
 * Hyper-V recommends it) never makes a VMCS current: evmcs_load() only
 * points the VP assist page at it (vmx_onhyperv.h; evmcs.h before 6.6),
 * and every VMREAD then fails.  Guest samples are impossible there; new
 * sessions are refused and running ones told (VMPROF_INFO_GUEST_UNREADABLE)
 * rather than left to record a profile without a guest.
 */
static bool vmprof_vmx_unreadable;

/*
 * VMX exits on this CPU, for reading LSTAR through KVM: at one exit in 16
 * while the target has none (the guest may not have set it yet), then at
 * one in 1024 (it changes when the guest reboots).
 */
static DEFINE_PER_CPU(unsigned int, vmprof_vmx_lstar_tick);

static bool vmprof_vmx_want_lstar(u64 *lstar)
{
	unsigned int mask = READ_ONCE(*lstar) ? 1023 : 15;

	return (this_cpu_inc_return(vmprof_vmx_lstar_tick) & mask) == 1;
}

bool vmprof_guest_unreadable(void)
{
	return READ_ONCE(vmprof_vmx_unreadable);
}

static bool vmprof_vmx_read(struct kvm_vcpu *vcpu, struct vmprof_guest_regs *r,
			    enum vmprof_read_at at, u64 *lstar)
{
	u64 v;

	if (!vmprof_vmread(GUEST_RIP, &r->rip)) {
		if (at != VMPROF_READ_SAMPLE &&
		    !READ_ONCE(vmprof_vmx_unreadable)) {
			WRITE_ONCE(vmprof_vmx_unreadable, true);
			pr_err("VMREAD fails in a vCPU's exit (KVM on Hyper-V with the enlightened VMCS?): guest registers cannot be read\n");
		}
		return false;
	}
	if (vmprof_vmread(VM_EXIT_REASON, &v))
		r->exit_reason = v & 0xffff;	/* basic exit reason */
	if (at != VMPROF_READ_SAMPLE) {
		/*
		 * Ask KVM, in the probes only (task context, vCPU loaded),
		 * never from the handler; see vmprof_kvm_get_msr().  VMX
		 * exits take the slow path anyway.
		 */
		if (lstar && vmprof_vmx_want_lstar(lstar) &&
		    vmprof_kvm_get_msr(vcpu, MSR_LSTAR, &v) == 0 && v)
			WRITE_ONCE(*lstar, v);
		return true;
	}
	if (vmprof_vmx_cr3(vcpu, &v))
		r->cr3 = v;
	/*
	 * SS.DPL is the CPL, but for real mode, which is CPL 0: without
	 * unrestricted guest KVM runs it in virtual-8086 mode, where SS.DPL
	 * is 3.  CR0.PE is never a guest-owned bit, so KVM's copy is current.
	 */
	if (!(READ_ONCE(vcpu->arch.cr0) & X86_CR0_PE))
		r->cpl = 0;
	else if (vmprof_vmread(GUEST_SS_AR_BYTES, &v))
		r->cpl = (v >> 5) & 3;
	return true;
}

/* VMX (or neither): out of line, with the locals VMREAD needs. */
static noinline u32 vmprof_vmx_exit(struct kvm_vcpu *vcpu, u64 *rip,
				    u64 *lstar)
{
	struct vmprof_guest_regs r = { .exit_reason = U32_MAX };

	if (vmprof_isa != VMPROF_ISA_VMX ||
	    !vmprof_vmx_read(vcpu, &r, VMPROF_READ_EXIT, lstar))
		r.exit_reason = U32_MAX;
	*rip = r.rip;
	return r.exit_reason;
}

/*
 * The exit's reason (U32_MAX if unknown) and the guest RIP into *rip,
 * on the vCPU thread at an exit, in every case: the common one of
 * vmprof_guest_exit_svm() (guest_exit.h) too, a VMCB not yet validated or
 * not yet seen on this CPU, VMX, or state KVM cannot show (SEV-ES, SNP,
 * TDX).  As vmprof_guest_read(.., VMPROF_READ_EXIT).
 */
u32 vmprof_guest_exit_slow(struct kvm_vcpu *vcpu, u64 *rip, u64 *lstar)
{
	struct vmcb *vmcb;

	if (unlikely(vcpu->arch.guest_state_protected)) {
		*rip = 0;
		return U32_MAX;
	}
	if (vmprof_isa != VMPROF_ISA_SVM)
		return vmprof_vmx_exit(vcpu, rip, lstar);
	vmcb = vmprof_svm_vmcb(vcpu);
	/* svm_vcpu_run() copies RIP out of the VMCB right after each exit. */
	*rip = vmprof_vcpu_rip(vcpu);
	vmprof_svm_validate(vcpu, vmcb);
	if (READ_ONCE(vmprof_vmcb_state) != VMCB_OK || !vmcb)
		return U32_MAX;
	/* The exiting instruction: see vmprof_guest_exit_svm(). */
	*rip = vmcb->save.rip;
	return vmcb->control.exit_code;
}

/*
 * Read what is available.  At an exit (the kvm_exit probe) or at an entry
 * that follows an exit kvm_exit did not trace (task context on the vCPU
 * thread): RIP of the exiting instruction and the exit reason.  For a
 * sample (the overflow handler): RIP, CR3, CPL and the exit reason.
 */
bool vmprof_guest_read(struct kvm_vcpu *vcpu, struct vmprof_guest_regs *r,
		       enum vmprof_read_at at)
{
	memset(r, 0, sizeof(*r));
	r->exit_reason = U32_MAX;	/* unknown until read */
	if (vcpu->arch.guest_state_protected)
		return false;	/* SEV-ES/SNP: the guest's state is sealed */
	switch (vmprof_isa) {
	case VMPROF_ISA_SVM:
		return vmprof_svm_read(vcpu, r, at);
	case VMPROF_ISA_VMX:
		return vmprof_vmx_read(vcpu, r, at, NULL);
	}
	return false;
}

/*
 * The guest's MSR_LSTAR (the KASLR hint the tool relocates guest kernel
 * symbols with) for @t, from the overflow handler with @vcpu loaded on
 * this CPU (vmprof_guest_read()'s contract), at a guest sample or a VMM
 * sample inside the vCPU's ioctl.  Read at samples rather than at exits:
 * an exit is far more frequent than a sample, and a guest that seldom
 * exits still has samples.  SVM keeps it in the VMCB, one load.  Not a
 * nested guest's (L2's VMCB holds L2's), nor sealed state.  VMX keeps the
 * guest's in vcpu_vmx's user-return MSRs, which only KVM reads, and not
 * from NMI context: its exits read it (vmprof_vmx_read()).
 */
void vmprof_guest_sample_lstar(struct vmprof_target *t, struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb;
	u64 v;

	if (vmprof_isa != VMPROF_ISA_SVM || vcpu->arch.guest_state_protected ||
	    (vcpu->arch.hflags & HF_GUEST_MASK))
		return;
	vmcb = vmprof_svm_vmcb(vcpu);
	if (READ_ONCE(vmprof_vmcb_state) != VMCB_OK || !vmcb)
		return;
	v = vmcb->save.lstar;
	if (v && v != READ_ONCE(t->guest_lstar))
		WRITE_ONCE(t->guest_lstar, v);
}

/*
 * The debugfs self-test of the VMX lab (debugfs.c: vmread): one VMREAD
 * on this CPU outside any vCPU, as the overflow handler and the probes
 * never do (hooks.c makes sure), which is why this is the only way to run
 * the fault path on purpose.  With no VMX operation on this CPU
 * (CR4.VMXE clear: kvm_intel not loaded, or 6.1 with no VM) VMREAD raises
 * #UD and the fixup must catch it; in VMX operation it fails or, when a
 * vCPU ran here last and KVM left its VMCS current, reads that vCPU's
 * exit reason.  Returns -ENODEV on a host without VMX, 0 if the read
 * failed, 1 if it read *val.
 */
int vmprof_vmread_selftest(bool *vmxe, u64 *val)
{
	int ret;

	if (vmprof_isa != VMPROF_ISA_VMX)
		return -ENODEV;
	preempt_disable();
	*vmxe = !!(__read_cr4() & X86_CR4_VMXE);
	ret = vmprof_vmread(VM_EXIT_REASON, val);
	preempt_enable();
	return ret;
}

/*
 * What reading guest memory needs, for the overflow handler inside KVM's
 * guest window (same contract as vmprof_guest_read()).  SVM: KVM saves
 * the guest's GS bases with VMSAVE into the VMCB right after each exit;
 * with shadow paging (no NPT) the VMCB's CR3 is KVM's own table and the
 * guest's is vcpu->arch.cr3, which every guest CR3 write updates.  VMX:
 * VMREADs, and MSR_KERNEL_GS_BASE holds the guest's while KVM has the
 * guest's MSRs loaded, which it has in that window
 * (vmx_prepare_switch_to_guest() .. vmx_prepare_switch_to_host()).
 * A nested guest's (L2's) registers are not the VM's: not read.
 */
static bool vmprof_svm_read_paging(struct kvm_vcpu *vcpu,
				   struct vmprof_guest_paging *p)
{
	struct vmcb *vmcb = vmprof_svm_vmcb(vcpu);
	u64 misc;

	if (READ_ONCE(vmprof_vmcb_state) != VMCB_OK || !vmcb)
		return false;
	misc = vmprof_vmcb_misc_ctl(vmcb);
	if (misc & VMPROF_VMCB_SEV)
		return false;
	p->cr3 = misc & VMPROF_VMCB_NP ? vmcb->save.cr3 :
		 READ_ONCE(vcpu->arch.cr3);
	p->long_mode = vmcb->save.efer & EFER_LMA;
	p->la57 = vmcb->save.cr4 & X86_CR4_LA57;
	p->cpl = vmcb->save.cpl;
	p->gs_base = vmcb->save.gs.base;
	p->kernel_gs_base = vmcb->save.kernel_gs_base;
	return true;
}

static bool vmprof_vmx_read_paging(struct kvm_vcpu *vcpu,
				   struct vmprof_guest_paging *p)
{
	u64 entry, ss_ar;

	if (!vmprof_vmread(VM_ENTRY_CONTROLS, &entry) ||
	    !vmprof_vmread(GUEST_SS_AR_BYTES, &ss_ar) ||
	    !vmprof_vmread(GUEST_GS_BASE, &p->gs_base))
		return false;
	if (!vmprof_vmx_cr3(vcpu, &p->cr3))
		return false;
	p->long_mode = entry & VM_ENTRY_IA32E_MODE;
	/*
	 * CR4.LA57 is never a guest-owned bit: KVM's copy is current (the
	 * VMCS's is KVM's choice under shadow paging).
	 */
	p->la57 = READ_ONCE(vcpu->arch.cr4) & X86_CR4_LA57;
	p->cpl = (ss_ar >> 5) & 3;
	vmprof_rdmsr64(MSR_KERNEL_GS_BASE, p->kernel_gs_base);
	return true;
}

bool vmprof_guest_read_paging(struct kvm_vcpu *vcpu,
			      struct vmprof_guest_paging *p)
{
	memset(p, 0, sizeof(*p));
	if (vcpu->arch.guest_state_protected ||
	    (vcpu->arch.hflags & HF_GUEST_MASK))
		return false;
	switch (vmprof_isa) {
	case VMPROF_ISA_SVM:
		return vmprof_svm_read_paging(vcpu, p);
	case VMPROF_ISA_VMX:
		return vmprof_vmx_read_paging(vcpu, p);
	}
	return false;
}

/*
 * Process context, with a reference on the VM: is the guest's memory
 * encrypted?  SEV-ES, SEV-SNP and TDX protect the vCPU state (which KVM
 * says); plain SEV encrypts only memory, which the VMCB says.  The VMCB
 * is the vCPU's own page for the vCPU's life; its pointer is checked as
 * in samples, but not against RIP (no exit to compare with here).
 */
bool vmprof_guest_memory_protected(struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb;

	if (vcpu->arch.guest_state_protected)
		return true;
	if (vmprof_isa != VMPROF_ISA_SVM ||
	    READ_ONCE(vmprof_vmcb_state) == VMCB_BAD)
		return false;
	vmcb = *(struct vmcb **)((char *)vcpu + sizeof(*vcpu));
	if (!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb))
		return false;
	return vmprof_vmcb_misc_ctl(vmcb) & VMPROF_VMCB_SEV;
}

/* KVM's index in vcpu->arch.regs of each general register, plus one. */
static const u8 vmprof_kvm_gpr[VMPROF_REG_NR] = {
	[VMPROF_REG_AX] = VCPU_REGS_RAX + 1,
	[VMPROF_REG_BX] = VCPU_REGS_RBX + 1,
	[VMPROF_REG_CX] = VCPU_REGS_RCX + 1,
	[VMPROF_REG_DX] = VCPU_REGS_RDX + 1,
	[VMPROF_REG_SI] = VCPU_REGS_RSI + 1,
	[VMPROF_REG_DI] = VCPU_REGS_RDI + 1,
	[VMPROF_REG_BP] = VCPU_REGS_RBP + 1,
	[VMPROF_REG_R8] = VCPU_REGS_R8 + 1,
	[VMPROF_REG_R9] = VCPU_REGS_R9 + 1,
	[VMPROF_REG_R10] = VCPU_REGS_R10 + 1,
	[VMPROF_REG_R11] = VCPU_REGS_R11 + 1,
	[VMPROF_REG_R12] = VCPU_REGS_R12 + 1,
	[VMPROF_REG_R13] = VCPU_REGS_R13 + 1,
	[VMPROF_REG_R14] = VCPU_REGS_R14 + 1,
	[VMPROF_REG_R15] = VCPU_REGS_R15 + 1,
};

/*
 * The guest's registers for a stack capture, in VMPROF_REG_* order, with
 * the same contract as vmprof_guest_read() (@rip is what it read).  KVM
 * saved the general registers into vcpu->arch.regs when the guest
 * exited, RSP too on SVM (svm_vcpu_run() copies it from the VMCB); on VMX
 * RSP stays in the VMCS, as RFLAGS, and on SVM RFLAGS is the VMCB's.
 * Returns the registers read (VMPROF_REG_* bits).
 */
u64 vmprof_guest_read_gprs(struct kvm_vcpu *vcpu, u64 rip, u64 *regs)
{
	u64 mask = BIT_ULL(VMPROF_REG_IP), v;
	struct vmcb *vmcb;
	unsigned int r;

	if (vcpu->arch.guest_state_protected)
		return 0;
	for (r = 0; r < VMPROF_REG_NR; r++) {
		if (!vmprof_kvm_gpr[r])
			continue;
		regs[r] = vcpu->arch.regs[vmprof_kvm_gpr[r] - 1];
		mask |= BIT_ULL(r);
	}
	regs[VMPROF_REG_IP] = rip;
	switch (vmprof_isa) {
	case VMPROF_ISA_SVM:
		regs[VMPROF_REG_SP] = vcpu->arch.regs[VCPU_REGS_RSP];
		mask |= BIT_ULL(VMPROF_REG_SP);
		vmcb = vmprof_svm_vmcb(vcpu);
		if (READ_ONCE(vmprof_vmcb_state) == VMCB_OK && vmcb) {
			regs[VMPROF_REG_FLAGS] = vmcb->save.rflags;
			mask |= BIT_ULL(VMPROF_REG_FLAGS);
		}
		break;
	case VMPROF_ISA_VMX:
		if (vmprof_vmread(GUEST_RSP, &v)) {
			regs[VMPROF_REG_SP] = v;
			mask |= BIT_ULL(VMPROF_REG_SP);
		}
		if (vmprof_vmread(GUEST_RFLAGS, &v)) {
			regs[VMPROF_REG_FLAGS] = v;
			mask |= BIT_ULL(VMPROF_REG_FLAGS);
		}
		break;
	}
	return mask;
}

/* The guest's per-CPU base: KERNEL_GS_BASE unless GS.base is it. */
u64 vmprof_guest_percpu_base(const struct vmprof_guest_paging *p)
{
	if (p->cpl == 0 && (s64)p->gs_base < 0)
		return p->gs_base;
	if ((s64)p->kernel_gs_base < 0)
		return p->kernel_gs_base;
	return (s64)p->gs_base < 0 ? p->gs_base : 0;
}
