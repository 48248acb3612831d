// SPDX-License-Identifier: GPL-2.0
/*
 * A freestanding "guest kernel" for the report tests.  It is never run:
 * the tests link it at a kernel-like address, write samples whose RIPs
 * point into it, and check how vmprof report symbolizes them.
 */

#ifndef NO_SYSCALL_ENTRY
/* What the guest's MSR_LSTAR points at, as in Linux. */
__asm__(".text\n"
	".globl entry_SYSCALL_64\n"
	".type entry_SYSCALL_64, @function\n"
	"entry_SYSCALL_64:\n"
	"	swapgs\n"
	"	sysretq\n"
	".size entry_SYSCALL_64, . - entry_SYSCALL_64\n");
#endif

/* Data with a symbol: an address in it is no code (call chains). */
unsigned long guest_ticks[4];

static inline __attribute__((always_inline)) unsigned long
mix_step(unsigned long x, unsigned long i)
{
	x ^= x << 13;
	x ^= x >> 7;
	x += i * 0x9e3779b97f4a7c15UL;
	return x;
}

unsigned long do_compute(unsigned long n)
{
	unsigned long acc = 1, i;

	for (i = 0; i < n; i++)
		acc = mix_step(acc, i);
	return acc;
}

void do_io(unsigned short port, unsigned char val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

void __attribute__((noreturn)) idle_loop(void)
{
	for (;;)
		__asm__ volatile("hlt");
}

void __attribute__((noreturn)) _start(void)
{
	do_io(0x3f8, (unsigned char)do_compute(1000));
	idle_loop();
}
