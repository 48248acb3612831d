/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 entry of the ground-truth guest.
 *
 * QEMU's -kernel loader recognises the header below in the first 8 KiB of
 * an ELF32 file, loads the PT_LOAD segments at their physical addresses and
 * jumps to the ELF entry point in 32-bit protected mode with flat 4 GiB code
 * and data segments (base 0), paging off and interrupts disabled.  Because
 * the segment base is 0 and paging is off, a guest RIP sampled by the host is
 * exactly the address in gt.elf plus where the loader moved it: nothing,
 * for QEMU.  The code is position independent (no absolute address in it),
 * so a loader may also put it elsewhere, as KASLR moves a Linux kernel
 * (tests/guest/gt-run.c --slide); gt.c's lstar=1 then tells the host where.
 */

#define MB_MAGIC	0x1BADB002
/* bit 0: page-align modules, bit 1: we want mem_* in the info block */
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.globl	_start
	.type	_start, @function
_start:
	/*
	 * Interrupts stay as the loader left them: multiboot loaders clear
	 * IF, gt-run sets it (gt-run.c says why) and never delivers one.
	 * The stack's runtime address, not its link address, from the
	 * address the call pushes.  Multiboot leaves ESP undefined, so the
	 * call pushes onto 0x7bfc, in the conventional memory every PC
	 * leaves free below the boot sector's address.
	 */
	movl	$0x7c00, %esp
	call	1f
1:	popl	%esp
	addl	$(gt_stack_top - 1b), %esp
	/* A zero frame pointer ends the frame chain for stack unwinders. */
	xorl	%ebp, %ebp
	pushl	%ebx			/* multiboot information block */
	pushl	%eax			/* 0x2BADB002 if loaded by multiboot */
	call	gt_main
2:	cli
	hlt
	jmp	2b
	.size	_start, . - _start

/*
 * Named after Linux's system call entry, whose runtime address a Linux
 * kernel writes to MSR_LSTAR at boot and from which vmprof's report
 * finds how far the guest kernel was moved (its KASLR offset).  gt never
 * makes a system call (it cannot, in 32-bit mode); gt.c writes this
 * address to MSR_LSTAR when asked (lstar=1), for the same purpose.
 */
	.globl	entry_SYSCALL_64
	.hidden	entry_SYSCALL_64
	.type	entry_SYSCALL_64, @function
entry_SYSCALL_64:
	cli
	hlt
	jmp	entry_SYSCALL_64
	.size	entry_SYSCALL_64, . - entry_SYSCALL_64

	.bss
	.balign	16
gt_stack:
	.skip	16384
gt_stack_top:

	/* The guest's stack is not executable; this also silences ld. */
	.section .note.GNU-stack, "", @progbits
