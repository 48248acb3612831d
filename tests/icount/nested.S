/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The icount plugin's test guest (tests/icount/run.sh): a multiboot
 * program that QEMU TCG runs as "L1" and that runs a nested guest of its
 * own with AMD SVM, so that every number the plugin reports is known
 * exactly from the code below.
 *
 * L1 does RUNS rounds of: call fn (a countdown of FN_ITERS), point the
 * guest's RIP at l2_code, VMRUN.  The nested guest (L2) counts down
 * L2_ITERS and exits with VMMCALL, which L1 intercepts.  Then a REP MOVSB
 * of REP_BYTES, and QEMU is left through isa-debug-exit (port 0xf4).
 * Every 8th round calls swfn, which run.sh calls the context switch: the
 * plugin counts only exit windows without one.  Before the rounds, once,
 * a call that tail-jumps into fn2, which takes a software interrupt
 * (int $0x80, handler isr): a region entered by a jump, with an interrupt
 * inside.  Hardware interrupts stay off throughout.  The symbols below (fn, l2_code, ...)
 * give run.sh its ranges and regions, and the instruction counts follow
 * from the translation blocks QEMU makes of this code: a block ends at
 * every jump, call, return, VMRUN and REP string instruction.
 */
#define RUNS		100
#define FN_ITERS	50
#define L2_ITERS	30
#define REP_BYTES	4096

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000

#define MSR_EFER	0xc0000080
#define EFER_SVME	0x1000
#define MSR_VM_HSAVE_PA	0xc0010117

/* VMCB offsets (AMD APM vol. 2, appendix B) */
#define INTERCEPT_INSN2	0x010	/* bit 0 VMRUN, bit 1 VMMCALL */
#define ASID		0x058
#define SAVE_ES		0x400
#define SAVE_CS		0x410
#define SAVE_SS		0x420
#define SAVE_DS		0x430
#define SAVE_EFER	0x4d0
#define SAVE_CR0	0x558
#define SAVE_RFLAGS	0x570
#define SAVE_RIP	0x578
#define SAVE_RSP	0x5d8

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

/* seg OFF SEL ATTRIB: a flat 4 GiB segment of the guest's state */
.macro seg off, sel, attrib
	movw	$\sel, vmcb + \off
	movw	$\attrib, vmcb + \off + 2
	movl	$0xffffffff, vmcb + \off + 4
.endm

	.text
	.code32
	.globl	_start
_start:
	cli
	movl	$stack_top, %esp
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_SVME, %eax
	wrmsr
	movl	$MSR_VM_HSAVE_PA, %ecx
	movl	$hsave, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$3, vmcb + INTERCEPT_INSN2
	movl	$1, vmcb + ASID
	seg	SAVE_CS, 0x08, 0xc9b
	seg	SAVE_DS, 0x10, 0xc93
	seg	SAVE_ES, 0x10, 0xc93
	seg	SAVE_SS, 0x10, 0xc93
	movl	$EFER_SVME, vmcb + SAVE_EFER
	movl	$0x11, vmcb + SAVE_CR0
	movl	$0x2, vmcb + SAVE_RFLAGS
	movl	$l2_stack_top, vmcb + SAVE_RSP
	/* IDT vector 0x80: a 32-bit interrupt gate to isr */
	movl	$isr, %eax
	movw	%ax, idt + 0x80 * 8
	movw	%cs, %ax
	movw	%ax, idt + 0x80 * 8 + 2
	movw	$0x8e00, idt + 0x80 * 8 + 4
	movl	$isr, %eax
	shrl	$16, %eax
	movw	%ax, idt + 0x80 * 8 + 6
	lidt	idtr
	call	tramp
	movl	$RUNS, %esi
	.globl	loop
loop:
	call	fn
	testl	$7, %esi
	jnz	1f
	call	swfn		/* "switches tasks" every 8th round */
1:	movl	$l2_code, vmcb + SAVE_RIP
	movl	$vmcb, %eax
	vmrun
	.globl	resume
resume:
	decl	%esi
	jnz	loop
	.globl	copy
copy:
	movl	$src, %esi
	movl	$dst, %edi
	movl	$REP_BYTES, %ecx
	rep movsb
	.globl	finish
finish:
	movb	$0, %al
	outb	%al, $0xf4
	hlt
	.globl	text_end
text_end:

	.globl	tramp
tramp:
	jmp	fn2
	.globl	fn2
fn2:
	movl	$5, %eax
	int	$0x80
	ret
	.globl	isr
isr:
	nop
	nop
	iret
	.globl	swfn
swfn:
	ret

	.globl	fn
fn:
	movl	$FN_ITERS, %eax
1:	decl	%eax
	jnz	1b
	ret
	.globl	fn_end
fn_end:

	.globl	l2_code
l2_code:
	movl	$L2_ITERS, %ecx
1:	decl	%ecx
	jnz	1b
	vmmcall
	/*
	 * VMMCALL exits from inside its translation block, which is counted
	 * whole when it starts: end the block here, one instruction on.
	 */
	jmp	l2_code
	.globl	l2_end
l2_end:

	.data
idtr:	.word	0x80 * 8 + 7
	.long	idt

	.bss
	.balign	4096
vmcb:	.skip	4096
hsave:	.skip	4096
src:	.skip	REP_BYTES
dst:	.skip	REP_BYTES
idt:	.skip	0x81 * 8
	.balign	16
	.skip	4096
stack_top:
	.skip	256
l2_stack_top:
