/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 entry of the call-graph guest, and its way into long mode.
 *
 * QEMU's -kernel loader takes only 32-bit ELF files, so the 64-bit ELF is
 * also copied into an ELF32 container (objcopy -O elf32-i386, see the
 * Makefile): QEMU loads its segments at their physical addresses and
 * enters _start in 32-bit protected mode, paging off.  _start maps the
 * first GiB one to one with 2 MiB pages, turns on long mode and calls
 * cg_main() in 64-bit mode, so that guest addresses are the link
 * addresses of the ELF, which symbolizes them as it is.
 */

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100
#define PTE_P_W		0x003
#define PDE_2M		0x083		/* present, writable, 2 MiB page */

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl	_start
	.type	_start, @function
_start:
	cli
	movl	%eax, %edi		/* multiboot magic: first argument */
	movl	%ebx, %esi		/* information block: second */
	movl	$cg_pdpt + PTE_P_W, cg_pml4
	movl	$cg_pd + PTE_P_W, cg_pdpt
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PDE_2M, %eax
	movl	%eax, cg_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$512, %ecx
	jne	1b
	movl	$cg_pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	lgdt	cg_gdt_ptr
	ljmp	$0x08, $cg_start64
	.size	_start, . - _start

	.code64
	/* With the C code's CFI, in .debug_frame (the link drops .eh_frame). */
	.cfi_sections .debug_frame
	.type	cg_start64, @function
cg_start64:
	/* The outermost frame: unwinders stop here (CFI and frame pointer). */
	.cfi_startproc
	.cfi_undefined rip
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$cg_stack_top, %rsp
	xorl	%ebp, %ebp
	call	cg_main
1:	cli
	hlt
	jmp	1b
	.cfi_endproc
	.size	cg_start64, . - cg_start64

	.section .rodata
	.balign	8
cg_gdt:
	.quad	0
	.quad	0x00209a0000000000	/* 0x08: 64-bit code */
	.quad	0x0000920000000000	/* 0x10: data */
cg_gdt_end:
cg_gdt_ptr:
	.word	cg_gdt_end - cg_gdt - 1
	.long	cg_gdt

	.bss
	.balign	4096
cg_pml4:
	.skip	4096
cg_pdpt:
	.skip	4096
cg_pd:
	.skip	4096
cg_stack:
	.skip	16384
cg_stack_top:

	.section .note.GNU-stack, "", @progbits
