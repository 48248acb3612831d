// SPDX-License-Identifier: GPL-2.0
/*
 * gt-run - run the ground-truth guest (gt.elf, tests/guest/gt/gt.c) under
 * KVM without QEMU.
 *
 * The VMX lab (tests/vmx) boots its host under Bochs, where QEMU, its
 * firmware and its libraries would cost minutes to load and start.  This
 * launcher does for gt.elf what QEMU's -kernel does for a multiboot v1
 * kernel, and emulates what gt touches of QEMU's machine, in this
 * process, as QEMU would in its own: the 16550 UART at 0x3f8 (the console
 * and the scratch register gt_device_io() writes and reads, so each of
 * those is a port-I/O exit to user space) and the isa-debug-exit port
 * 0xf4.  The guest's construction, and so its expected profile, is gt's.
 *
 * The guest starts in 32-bit protected mode, flat segments, paging off,
 * EAX = the multiboot magic and EBX = a multiboot information block with
 * the command line, at its ELF entry point.  Unlike multiboot, with
 * RFLAGS.IF set: this VM has no interrupt controller, so KVM never
 * injects an interrupt, and the host's interrupts still make VM exits
 * whatever IF is (external-interrupt exiting).  Bochs 2.7 (the VMX lab's
 * CPU) forgets the latter: it works out which interrupts are masked only
 * when IF changes, and its VMLAUNCH/VMRESUME load the guest's RFLAGS
 * before entering guest mode, so a guest entered with IF clear (KVM's
 * host side always runs it with IF clear) never exits for the host's
 * timer and is never sampled between its own exits.
 *
 * usage: gt-run [-m MIB] [--slide BYTES|random] [--wait] ELF [CMDLINE]
 *   -m       guest RAM (default 64 MiB)
 *   --slide  load the guest that many bytes above its link address (a
 *            multiple of 4 KiB), or at a random multiple of 2 MiB from 2
 *            to 32 MiB, as KASLR moves a Linux kernel; gt is position
 *            independent, and with lstar=1 on its command line it tells
 *            the host where it is through MSR_LSTAR, as Linux does
 *   --wait   set the guest up, then wait for SIGUSR1 before running its
 *            first instruction (a profiler can attach first)
 * Prints "gt-run: pid=.. slide=0x.. entry=0x.." first, then the guest's
 * console.  Exits with the guest's debug-exit status as QEMU does (33
 * when gt is done), 1 on errors.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MB_HEADER_MAGIC		0x1BADB002
#define MB_BOOT_MAGIC		0x2BADB002
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_GPA		0x9000	/* below 1 MiB, clear of the image */
#define MB_CMDLINE_GPA		0x9100
#define MB_CMDLINE_MAX		0x0f00

#define COM1			0x3f8
#define UART_THR		0
#define UART_LCR		3
#define UART_LSR		5
#define UART_SCR		7
#define UART_LCR_DLAB		0x80
#define UART_LSR_IDLE		0x60	/* THRE | TEMT: always ready */
#define DEBUG_EXIT_PORT		0xf4

#define SLIDE_ALIGN		(2u << 20)

struct uart {
	uint8_t lcr, scr;
};

static void die(const char *what)
{
	fprintf(stderr, "gt-run: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "gt-run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/*
 * Copy the PT_LOAD segments of a 32-bit ELF to their physical addresses
 * plus slide; return the entry point plus slide.
 */
static uint32_t load_elf(const char *path, uint8_t *mem, uint64_t mem_size,
			 uint32_t slide)
{
	const Elf32_Ehdr *eh;
	const uint8_t *img;
	struct stat st;
	uint32_t i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die(path);
	close(fd);
	eh = (const Elf32_Ehdr *)img;
	if ((size_t)st.st_size < sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
	    eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) >
	    (uint64_t)st.st_size)
		fail("%s: not a 32-bit x86 ELF", path);
	for (i = 0; i + 12 <= 8192 && i + 12 <= (uint64_t)st.st_size; i += 4) {
		const uint32_t *h = (const uint32_t *)(img + i);

		if (h[0] == MB_HEADER_MAGIC && h[0] + h[1] + h[2] == 0)
			break;
	}
	if (i + 12 > 8192 || i + 12 > (uint64_t)st.st_size)
		fail("%s: no multiboot header in its first 8 KiB", path);
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *ph = (const Elf32_Phdr *)
			(img + eh->e_phoff + i * sizeof(Elf32_Phdr));
		uint64_t at = (uint64_t)ph->p_paddr + slide;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz ||
		    ph->p_offset + (uint64_t)ph->p_filesz > (uint64_t)st.st_size ||
		    at + ph->p_memsz > mem_size || at < 0x100000)
			fail("%s: a segment does not fit in guest RAM", path);
		memcpy(mem + at, img + ph->p_offset, ph->p_filesz);
		memset(mem + at + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	return eh->e_entry + slide;
}

static void set_flat(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = selector;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* The UART as gt uses it; returns the byte an IN reads. */
static uint8_t uart_io(struct uart *u, uint16_t reg, int out, uint8_t val)
{
	switch (reg) {
	case UART_THR:
		if (out && !(u->lcr & UART_LCR_DLAB)) {
			putchar(val);
			if (val == '\n')
				fflush(stdout);
		}
		return 0;
	case UART_LCR:
		if (out)
			u->lcr = val;
		return u->lcr;
	case UART_LSR:
		return UART_LSR_IDLE;
	case UART_SCR:
		if (out)
			u->scr = val;
		return u->scr;
	}
	return 0;		/* IER, FCR, MCR, MSR: accepted, ignored */
}

static uint32_t random_slide(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	srand((unsigned int)(ts.tv_nsec ^ getpid()));
	return (1 + rand() % 16) * SLIDE_ALIGN;
}

static void usage(void)
{
	fprintf(stderr, "usage: gt-run [-m MIB] [--slide BYTES|random] [--wait] ELF [CMDLINE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "slide", required_argument, NULL, 's' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_userspace_memory_region region;
	uint64_t mem_size = 64ull << 20;
	const char *elf, *cmdline = "";
	int kvm_fd, vm_fd, vcpu_fd, run_size, c, wait_start = 0;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct uart uart = { 0 };
	uint32_t slide = 0, entry, *mbi;
	uint8_t *mem;
	char *end;

	while ((c = getopt_long(argc, argv, "m:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mem_size = strtoull(optarg, &end, 0) << 20;
			if (*end || mem_size < (4ull << 20) ||
			    mem_size > (1ull << 31))
				usage();
			break;
		case 's':
			if (!strcmp(optarg, "random")) {
				slide = random_slide();
				break;
			}
			slide = strtoul(optarg, &end, 0);
			if (*end || slide % 4096)
				usage();
			break;
		case 'w':
			wait_start = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	elf = argv[optind];
	if (argc - optind == 2)
		cmdline = argv[optind + 1];
	if (strlen(cmdline) >= MB_CMDLINE_MAX)
		fail("%s", "command line too long");

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("open /dev/kvm");
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	/* Needed by VMX without unrestricted guest; harmless elsewhere. */
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000) < 0)
		die("KVM_SET_TSS_ADDR");
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	entry = load_elf(elf, mem, mem_size, slide);
	mbi = (uint32_t *)(mem + MB_INFO_GPA);
	memset(mbi, 0, 64);
	mbi[0] = MB_INFO_MEMORY | MB_INFO_CMDLINE;
	mbi[1] = 640;				/* mem_lower, KiB */
	mbi[2] = (uint32_t)((mem_size >> 10) - 1024);	/* mem_upper */
	mbi[4] = MB_CMDLINE_GPA;
	strcpy((char *)mem + MB_CMDLINE_GPA, cmdline);

	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu_fd, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	set_flat(&sregs.cs, 0x08, 0xb);		/* code, execute/read, accessed */
	set_flat(&sregs.ds, 0x10, 0x3);		/* data, read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;			/* PE | ET; paging off */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rflags = 0x202;			/* IF: see above */
	regs.rax = MB_BOOT_MAGIC;
	regs.rbx = MB_INFO_GPA;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	printf("gt-run: pid=%d slide=0x%x entry=0x%x\n", getpid(), slide,
	       entry);
	fflush(stdout);
	if (wait_start) {
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("gt-run: waiting for SIGUSR1\n");
		fflush(stdout);
		if (sigwait(&set, &sig))
			die("sigwait");
	}

	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			int out = run->io.direction == KVM_EXIT_IO_OUT;
			uint32_t i;

			if (run->io.port == DEBUG_EXIT_PORT && out) {
				fflush(stdout);
				return (data[0] << 1) | 1;
			}
			if (run->io.port < COM1 || run->io.port > COM1 + 7 ||
			    run->io.size != 1) {
				fprintf(stderr, "gt-run: unexpected %s of size %u at port 0x%x\n",
					out ? "out" : "in", run->io.size,
					run->io.port);
				return 1;
			}
			for (i = 0; i < run->io.count; i++) {
				uint8_t v = uart_io(&uart, run->io.port - COM1,
						    out, data[i]);

				if (!out)
					data[i] = v;
			}
			break;
		}
		case KVM_EXIT_MMIO:
			fprintf(stderr, "gt-run: guest %s unbacked memory at 0x%llx\n",
				run->mmio.is_write ? "wrote" : "read",
				(unsigned long long)run->mmio.phys_addr);
			return 1;
		case KVM_EXIT_HLT:
			fflush(stdout);
			fprintf(stderr, "gt-run: guest halted\n");
			return 1;
		case KVM_EXIT_SHUTDOWN:
			/* gt's way out where there is no debug-exit port. */
			fflush(stdout);
			fprintf(stderr, "gt-run: guest shutdown (triple fault)\n");
			return 1;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "gt-run: VM entry failed, hardware reason 0x%llx\n",
				(unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
			return 1;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "gt-run: KVM internal error, suberror %u\n",
				run->internal.suberror);
			return 1;
		default:
			fprintf(stderr, "gt-run: unhandled exit reason %u\n",
				run->exit_reason);
			return 1;
		}
	}
}
