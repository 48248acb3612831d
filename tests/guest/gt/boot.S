/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 entry of the ground-truth guest.
 *
 * QEMU's -kernel loader recognises the header below in the first 8 KiB of
 * an ELF32 file, loads the PT_LOAD segments at their physical addresses and
 * jumps to the ELF entry point in 32-bit protected mode with flat 4 GiB code
 * and data segments (base 0), paging off and interrupts disabled.  Because
 * the segment base is 0 and paging is off, a guest RIP sampled by the host is
 * exactly the link-time address in gt.elf, so the ELF symbolizes samples
 * without any relocation.
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
	cli
	movl	$gt_stack_top, %esp
	/* A zero frame pointer ends the frame chain for stack unwinders. */
	xorl	%ebp, %ebp
	pushl	%ebx			/* multiboot information block */
	pushl	%eax			/* 0x2BADB002 if loaded by multiboot */
	call	gt_main
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	.bss
	.balign	16
gt_stack:
	.skip	16384
gt_stack_top:

	/* The guest's stack is not executable; this also silences ld. */
	.section .note.GNU-stack, "", @progbits
