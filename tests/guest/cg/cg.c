// SPDX-License-Identifier: GPL-2.0
/*
 * cg.c - the call-graph guest: a ground truth for guest call chains.
 *
 * A freestanding multiboot kernel that runs in 64-bit long mode (boot.S)
 * and whose call graph and the time of each chain are known by
 * construction.  All compute time is spent in one function, cg_leaf(), a
 * loop of the same cost per iteration wherever it is called from; who
 * called it, and for how many iterations, is fixed:
 *
 *   chain (root first)                                       iterations
 *   cg_main cg_root_a cg_mid [cg_stage] cg_leaf              4 * scale
 *   cg_main cg_root_b cg_mid [cg_stage] cg_leaf              2 * scale
 *   cg_main cg_root_b cg_side cg_leaf                        2 * scale
 *   cg_main cg_root_c cg_leaf                                1 * scale
 *   cg_main cg_root_d cg_deep (5 deep) cg_leaf               1 * scale
 *   cg_main cg_root_io cg_device_io                          io exits
 *
 * so the compute chains take 40, 20, 20, 10 and 10 % of the compute time
 * on any CPU, under TCG or KVM.  cg_stage() is always inlined into
 * cg_mid(): the return address in cg_mid lies in cg_stage's inlined code,
 * which DWARF names.  cg_deep() calls itself, so a function appears
 * several times in one chain.  Every call is a real call (no sibling-call
 * optimization, no inlining of the functions named above), so every
 * chain has exactly the frames listed.
 *
 * The same source is built twice (tests/guest/Makefile): with frame
 * pointers (cg-fp.elf) and without (cg-nofp.elf); both carry DWARF and
 * its call frame information.  A flat profile of either shows cg_leaf
 * alone; only call chains tell the five callers apart.
 *
 * cg_device_io() does port I/O on the UART's scratch register, as the
 * ground-truth guest does: each access is a VM exit that QEMU emulates.
 *
 * Kernel command line (qemu -append), all optional:
 *   rounds=N   rounds, 0 = forever (default 0)
 *   quiet=1    a round line only for round 1 and every 16th round
 *   scale=N    iterations of the 1-unit chains per round (default 1000000)
 *   io=N       outb+inb pairs per cg_device_io call (default 40)
 *
 * Serial output: "CG start rounds=R scale=S io=I", "CG round N done",
 * "CG done"; then it exits QEMU through isa-debug-exit (status 33), as the
 * ground-truth guest does.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define __noinline	__attribute__((noinline, noclone))
#define __always_inline	inline __attribute__((always_inline))

#define COM1		0x3f8
#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7
#define UART_LSR_THRE	0x20

#define DEBUG_EXIT_PORT	0xf4
#define DEBUG_EXIT_CODE	0x10

#define MB_BOOT_MAGIC	0x2BADB002
#define MB_INFO_CMDLINE	(1u << 2)

struct multiboot_info {
	u32 flags;
	u32 mem_lower;
	u32 mem_upper;
	u32 boot_device;
	u32 cmdline;
};

volatile u32 cg_sink;

static u32 cg_rounds;
static u32 cg_quiet;
static u32 cg_scale = 1000000;
static u32 cg_io = 40;

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

/* The only function that spends time: the same loop as the ground-truth
 * guest's, opaque to the optimizer at each iteration. */
__noinline void cg_leaf(u32 n)
{
	u32 x = cg_sink | 1;

	while (n--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		asm volatile("" : "+r"(x));
	}
	cg_sink = x;
}

static __always_inline void cg_stage(u32 n)
{
	cg_leaf(n);
	cg_sink++;
}

__noinline void cg_mid(u32 n)
{
	cg_stage(n);
	cg_sink++;
}

__noinline void cg_side(u32 n)
{
	cg_leaf(n);
	cg_sink++;
}

__noinline void cg_deep(u32 depth, u32 n)
{
	if (depth)
		cg_deep(depth - 1, n);
	else
		cg_leaf(n);
	cg_sink++;
}

__noinline void cg_root_a(u32 scale)
{
	cg_mid(4 * scale);
	cg_sink++;
}

__noinline void cg_root_b(u32 scale)
{
	cg_mid(2 * scale);
	cg_side(2 * scale);
	cg_sink++;
}

__noinline void cg_root_c(u32 scale)
{
	cg_leaf(scale);
	cg_sink++;
}

__noinline void cg_root_d(u32 scale)
{
	cg_deep(4, scale);
	cg_sink++;
}

/* Every outb and inb here is one VM exit handled in QEMU userspace. */
__noinline void cg_device_io(u32 n)
{
	u8 acc = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		outb(COM1 + UART_SCR, (u8)i);
		acc ^= inb(COM1 + UART_SCR);
	}
	cg_sink ^= acc;
}

__noinline void cg_root_io(u32 n)
{
	cg_device_io(n);
	cg_sink++;
}

static void cg_serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x03);
}

static void cg_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}

static void cg_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			cg_putc('\r');
		cg_putc(*s++);
	}
}

static void cg_putu(u64 n)
{
	char buf[21];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	cg_puts(&buf[i]);
}

static void cg_parse_opt(const char *cmdline, const char *key, u32 *val)
{
	const char *p = cmdline;

	while (*p) {
		const char *k = key, *q = p;

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

static void cg_exit(void)
{
	static const struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	outb(DEBUG_EXIT_PORT, DEBUG_EXIT_CODE);
	asm volatile("lidt %0; int3" : : "m"(no_idt));
}

void cg_main(u32 magic, u32 mbi_addr)
{
	const struct multiboot_info *mbi =
		(const struct multiboot_info *)(u64)mbi_addr;
	u32 round;

	cg_serial_init();
	if (magic == MB_BOOT_MAGIC && (mbi->flags & MB_INFO_CMDLINE)) {
		const char *cmdline = (const char *)(u64)mbi->cmdline;

		cg_parse_opt(cmdline, "rounds=", &cg_rounds);
		cg_parse_opt(cmdline, "scale=", &cg_scale);
		cg_parse_opt(cmdline, "io=", &cg_io);
		cg_parse_opt(cmdline, "quiet=", &cg_quiet);
	}
	cg_puts("CG start rounds=");
	cg_putu(cg_rounds);
	cg_puts(" scale=");
	cg_putu(cg_scale);
	cg_puts(" io=");
	cg_putu(cg_io);
	cg_puts("\n");

	for (round = 1; !cg_rounds || round <= cg_rounds; round++) {
		cg_root_a(cg_scale);
		cg_root_b(cg_scale);
		cg_root_c(cg_scale);
		cg_root_d(cg_scale);
		cg_root_io(cg_io);
		if (!cg_quiet || round == 1 || !(round & 15)) {
			cg_puts("CG round ");
			cg_putu(round);
			cg_puts(" done\n");
		}
	}
	cg_puts("CG done\n");
	cg_exit();
}
