// SPDX-License-Identifier: GPL-2.0
/*
 * gt.c - the ground-truth guest for vmprof's lab.
 *
 * A freestanding multiboot v1 kernel (32-bit protected mode, paging off)
 * whose time split is known by construction, so that a profile of it taken
 * from the host can be checked against numbers that do not come from the
 * profiler itself.
 *
 * Construction
 * ------------
 * Each round runs, in this order:
 *
 *   gt_compute_a()  4 * scale iterations of the inner loop gt_spin()
 *   gt_compute_b()  2 * scale iterations of the same loop
 *   gt_compute_c()  1 * scale iterations of the same loop
 *   gt_device_io()  io iterations of { outb(UART scratch); inb(UART scratch) }
 *
 * gt_spin() is always inlined, so every compute function carries its own
 * copy of the same loop and samples land in that function's own address
 * range.  The loop is a xorshift step whose value is hidden from the
 * optimizer by an empty asm, so the compiler can neither fold it into a
 * closed form nor vectorize it; the compute functions are noinline and
 * noclone so they keep their names.  The loop touches no memory and makes no
 * VM exits, so its cost per iteration is the same in all three functions and
 * their times are in the ratio 4:2:1 on any CPU, under TCG or KVM.
 *
 * gt_device_io() talks to the scratch register (offset 7) of the 16550 UART
 * at 0x3f8.  The UART is emulated in QEMU userspace (KVM has no in-kernel
 * serial device), so each outb and each inb is a VM exit that goes out to
 * QEMU: 2 * io exits per round.  The scratch register has no side effect and
 * prints nothing on the console.
 *
 * Expected shares
 * ---------------
 * cpu-switch accounting (only time the vCPU spends in guest mode is charged):
 *   gt_compute_a : gt_compute_b : gt_compute_c = 4 : 2 : 1 of compute time,
 *   that is 57.1 %, 28.6 %, 14.3 %.  gt_device_io is small: in guest mode it
 *   only executes a handful of instructions per exit.
 * domain-switch accounting (everything done on behalf of the vCPU, including
 *   KVM's exit handling and QEMU's userspace emulation of the port I/O, is
 *   charged to the guest RIP that caused it):
 *   the compute functions keep their 4:2:1 ratio among themselves, and
 *   gt_device_io rises, because the emulation of every outb/inb, the exit to
 *   QEMU and the return to the guest are charged to the in/out instruction in
 *   gt_device_io.
 *
 * The guest measures itself with RDTSC and prints the cycles spent in each
 * phase, so a test can compare profile shares with the guest's own view:
 * under KVM, the TSC keeps running while QEMU emulates an exit, so the
 * device phase's cycles are its domain-switch time.  Printing to the serial
 * console also exits to QEMU; it happens outside the measured phases, in
 * gt_main() and the gt_put*() helpers.
 *
 * Run it (build/gt.elf, linked at 1 MiB, symbols and DWARF included):
 *   qemu-system-x86_64 -accel kvm|tcg -m 64 -nographic -no-reboot \
 *     -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
 *     -kernel build/gt.elf -append "rounds=5"
 * Under TCG a round takes about 0.2 s with the defaults; the first round is
 * often slower than the others (warm-up on the host side) but its phases
 * keep the 4:2:1 ratio, so compare shares within one run.
 *
 * Kernel command line (qemu -append), all optional:
 *   rounds=N   number of rounds, 0 = forever (default 0)
 *   quiet=1    no phase lines, and a round line only for round 1 and
 *              every 16th round (short rounds, little serial output)
 *   scale=N    iterations of gt_compute_c per round (default 10000000)
 *   io=N       outb+inb pairs per gt_device_io call (default 200)
 *   cr3=N      load CR3 with N (decimal) before the first round (paging
 *              stays off, so it changes nothing): a value the host can
 *              read back, as a Linux guest's CR3 names the page tables of
 *              its current task
 *   lstar=1    write the runtime address of entry_SYSCALL_64 (boot.S) to
 *              MSR_LSTAR before the first round, as a Linux kernel does at
 *              boot: a host profiler reads it and finds how far a loader
 *              moved gt from its link address (its "KASLR offset")
 *
 * Serial output (COM1, one line each):
 *   GT start rounds=R scale=S io=I
 *   GT phase compute_a start            (also compute_b, compute_c, device_io)
 *   GT round N done tsc_a=.. tsc_b=.. tsc_c=.. tsc_io=..
 *   GT totals rounds=R tsc_a=.. tsc_b=.. tsc_c=.. tsc_io=..
 *   GT done
 * Then it writes 0x10 to the isa-debug-exit device at 0xf4, which makes QEMU
 * exit with status (0x10 << 1) | 1 = 33.  Without that device it triple-
 * faults, which ends QEMU when it runs with -no-reboot.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define __noinline	__attribute__((noinline, noclone))
#define __always_inline	inline __attribute__((always_inline))

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding register */
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7	/* scratch register: no side effects */
#define UART_LSR_THRE	0x20

#define DEBUG_EXIT_PORT	0xf4
#define DEBUG_EXIT_CODE	0x10	/* QEMU exits with (0x10 << 1) | 1 = 33 */

#define MSR_LSTAR	0xc0000082

#define MB_BOOT_MAGIC	0x2BADB002
#define MB_INFO_CMDLINE	(1u << 2)

struct multiboot_info {
	u32 flags;
	u32 mem_lower;
	u32 mem_upper;
	u32 boot_device;
	u32 cmdline;
	/* the rest is not used */
};

/* The compute results go here so that the loops have an observable effect. */
volatile u32 gt_sink;

static u32 gt_rounds;
/* quiet=1: no phase lines, a round line only every 16 rounds. */
static u32 gt_quiet;
static u32 gt_scale = 10000000;
static u32 gt_io = 200;
static u32 gt_lstar;
static u32 gt_cr3;

/* boot.S; hidden, so that its address is computed from the PC. */
extern char entry_SYSCALL_64[] __attribute__((visibility("hidden")));

static __always_inline void outb(u16 port, u8 val)
{
	asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static __always_inline u8 inb(u16 port)
{
	u8 val;

	asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static __always_inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)));
}

static __always_inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/*
 * The one inner loop shared by the three compute functions.  The empty asm
 * makes x opaque to the optimizer at each iteration.
 */
static __always_inline u32 gt_spin(u32 n, u32 x)
{
	while (n--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		asm volatile("" : "+r"(x));
	}
	return x;
}

__noinline void gt_compute_a(u32 scale)
{
	gt_sink = gt_spin(4 * scale, gt_sink | 1);
}

__noinline void gt_compute_b(u32 scale)
{
	gt_sink = gt_spin(2 * scale, gt_sink | 1);
}

__noinline void gt_compute_c(u32 scale)
{
	gt_sink = gt_spin(1 * scale, gt_sink | 1);
}

/* Every outb and inb here is one VM exit handled in QEMU userspace. */
__noinline void gt_device_io(u32 n)
{
	u32 i;
	u8 acc = 0;

	for (i = 0; i < n; i++) {
		outb(COM1 + UART_SCR, (u8)i);
		acc ^= inb(COM1 + UART_SCR);
	}
	gt_sink ^= acc;
}

static void gt_serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* no interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on */
	outb(COM1 + 0, 0x01);		/* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0x07);	/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

static void gt_putc(char c)
{
	/* QEMU's UART is always ready; the poll keeps real 16550s happy. */
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}

static void gt_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			gt_putc('\r');
		gt_putc(*s++);
	}
}

/*
 * 64-bit division by 10 from 32-bit divisions, so that no libgcc helper
 * (__udivdi3) is needed in this freestanding 32-bit build.
 */
static u64 gt_divmod10(u64 n, u32 *rem)
{
	u32 hi = (u32)(n >> 32), lo = (u32)n;
	u32 qhi = hi / 10, r = hi % 10, t, q1, q0;

	t = (r << 16) | (lo >> 16);	/* < 10 << 16: fits */
	q1 = t / 10;
	r = t % 10;
	t = (r << 16) | (lo & 0xffff);
	q0 = t / 10;
	*rem = t % 10;
	return ((u64)qhi << 32) | (q1 << 16) | q0;
}

static void gt_putu(u64 n)
{
	char buf[21];
	int i = sizeof(buf) - 1;
	u32 d;

	buf[i] = '\0';
	do {
		n = gt_divmod10(n, &d);
		buf[--i] = (char)('0' + d);
	} while (n);
	gt_puts(&buf[i]);
}

static void gt_put_kv(const char *key, u64 val)
{
	gt_puts(key);
	gt_putu(val);
}

/* Parse "key=N" anywhere in the command line; leaves *val alone if absent. */
static void gt_parse_opt(const char *cmdline, const char *key, u32 *val)
{
	const char *p = cmdline;

	while (*p) {
		const char *k = key, *q = p;

		/* options start the line or follow a space */
		if (p == cmdline || p[-1] == ' ') {
			while (*k && *q == *k) {
				k++;
				q++;
			}
			if (!*k && *q >= '0' && *q <= '9') {
				u32 n = 0;

				while (*q >= '0' && *q <= '9')
					n = n * 10 + (u32)(*q++ - '0');
				*val = n;
				return;
			}
		}
		p++;
	}
}

static void gt_exit(void)
{
	static const struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	outb(DEBUG_EXIT_PORT, DEBUG_EXIT_CODE);
	/*
	 * No isa-debug-exit device: fault with an empty IDT.  The resulting
	 * triple fault resets the machine, and QEMU exits under -no-reboot.
	 */
	asm volatile("lidt %0; int3" : : "m"(no_idt));
}

/* Run one phase between two timestamps and return the cycles it took. */
static u64 gt_timed(const char *name, void (*fn)(u32), u32 arg)
{
	u64 t0;

	if (!gt_quiet) {
		gt_puts("GT phase ");
		gt_puts(name);
		gt_puts(" start\n");
	}
	t0 = rdtsc();
	fn(arg);
	return rdtsc() - t0;
}

void gt_main(u32 magic, const struct multiboot_info *mbi)
{
	u64 tot_a = 0, tot_b = 0, tot_c = 0, tot_io = 0;
	u64 ta, tb, tc, tio;
	u32 round;

	gt_serial_init();
	if (magic == MB_BOOT_MAGIC && (mbi->flags & MB_INFO_CMDLINE)) {
		const char *cmdline = (const char *)mbi->cmdline;

		gt_parse_opt(cmdline, "rounds=", &gt_rounds);
		gt_parse_opt(cmdline, "scale=", &gt_scale);
		gt_parse_opt(cmdline, "io=", &gt_io);
		gt_parse_opt(cmdline, "quiet=", &gt_quiet);
		gt_parse_opt(cmdline, "lstar=", &gt_lstar);
		gt_parse_opt(cmdline, "cr3=", &gt_cr3);
	}
	if (gt_cr3)
		asm volatile("mov %0, %%cr3" : : "r"(gt_cr3) : "memory");
	if (gt_lstar)
		wrmsr(MSR_LSTAR, (u32)entry_SYSCALL_64);
	gt_put_kv("GT start rounds=", gt_rounds);
	gt_put_kv(" scale=", gt_scale);
	gt_put_kv(" io=", gt_io);
	if (gt_lstar)
		gt_put_kv(" entry_SYSCALL_64=", (u32)entry_SYSCALL_64);
	gt_puts("\n");

	for (round = 1; !gt_rounds || round <= gt_rounds; round++) {
		/* Prints sit between the timestamps, never inside a phase. */
		ta = gt_timed("compute_a", gt_compute_a, gt_scale);
		tb = gt_timed("compute_b", gt_compute_b, gt_scale);
		tc = gt_timed("compute_c", gt_compute_c, gt_scale);
		tio = gt_timed("device_io", gt_device_io, gt_io);
		tot_a += ta;
		tot_b += tb;
		tot_c += tc;
		tot_io += tio;
		/*
		 * Serial output exits to QEMU too; short rounds would drown
		 * the profile in it.
		 */
		if (gt_quiet && round != 1 && round % 16)
			continue;
		gt_put_kv("GT round ", round);
		gt_put_kv(" done tsc_a=", ta);
		gt_put_kv(" tsc_b=", tb);
		gt_put_kv(" tsc_c=", tc);
		gt_put_kv(" tsc_io=", tio);
		gt_puts("\n");
	}

	gt_put_kv("GT totals rounds=", gt_rounds);
	gt_put_kv(" tsc_a=", tot_a);
	gt_put_kv(" tsc_b=", tot_b);
	gt_put_kv(" tsc_c=", tot_c);
	gt_put_kv(" tsc_io=", tot_io);
	gt_puts("\nGT done\n");
	gt_exit();
}
