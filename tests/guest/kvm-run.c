// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-run - a minimal KVM launcher used as a profiling target by vmprof's lab.
 *
 * It drives /dev/kvm directly, like a tiny QEMU: the process owns a "kvm-vm"
 * anon-inode fd and one "kvm-vcpu:N" fd per vCPU, and each vCPU runs
 * KVM_RUN in its own thread.  Every vCPU executes the same 16-bit real-mode
 * program at a known guest-physical (= guest RIP, CS base 0) range: a
 * two-instruction countdown loop, then an "out" to port 0xE9 that exits to
 * this process (KVM_EXIT_IO), then back to the loop.  A test can therefore
 * check that guest RIPs sampled by the profiler lie in [code_start, code_end)
 * and that port-I/O exits are attributed to io_rip.
 *
 * usage: kvm-run [-n VCPUS] [-s SECONDS] [-i ITERS] [-p] [OPTIONS]
 *   -n  number of vCPUs at start (default 1)
 *   -s  run time; checked at each I/O exit, so it overruns by at most one
 *       loop of ITERS iterations (default 5)
 *   -i  loop iterations between two I/O exits (default 1000000)
 *   -p  print "code_start=0x.. code_end=0x.. io_rip=0x.." (code_end is
 *       exclusive) before running
 *   --hotplug-after S  add one more vCPU and thread S seconds after start
 *   -L  64-bit long mode with 4-level paging, the guest's memory laid out
 *       like Linux's for guest introspection (below); -5: 5-level paging
 *   --replug           at vCPU 0's first I/O exit after a SIGUSR1, hand
 *                      the vCPU to a new thread and end the old one, as
 *                      QEMU does with a vCPU unplugged and plugged again
 *   --rip0             the program starts with the out, at RIP 0 (CS base
 *                      at the code): every I/O exit is at RIP 0
 *   --paging           32-bit protected mode with paging; the program
 *                      switches CR3 between two page directories (-p adds
 *                      "pd_a=0x.. pd_b=0x..") and exits on each switch
 *                      when KVM shadows the page tables
 *   --io-uring         after a SIGUSR2, read /dev/zero through io_uring
 *                      with every request forced to io_uring's worker
 *                      threads (created as the process's threads by
 *                      copy_process(), not clone())
 *   --thread-churn     a thread that creates and ends threads all along
 *   --io-sleep US      sleep US microseconds at each I/O exit: the vCPU
 *                      thread leaves its CPU during the exit (the exit
 *                      table's off-CPU time)
 *   --stack SIZE       with -L or -5: the loop runs SIZE bytes below the
 *                      top of its stack (each vCPU its own), under a
 *                      chain of frame-pointer frames of 256 bytes (SIZE /
 *                      256 calls deep, the rest below the first) that
 *                      the guest wrote itself: a guest stack copy of SIZE
 *                      bytes (vmprof record --call-graph fp,SIZE) has
 *                      SIZE bytes of real stack to copy
 *   --vms 2            with -L or -5: a second VM in the same process,
 *                      laid out and set up alike (KVM counts the same
 *                      memslot generations for both), with VCPUS vCPUs
 *                      of its own and other tasks: tids 2000 + 2 * vCPU
 *                      (+ 1), pid 600 + vCPU, kvmrun-c<vCPU>, kvmrun-d<vCPU>
 * Each vCPU thread prints "kvm-run: vcpu N on tid T" when it starts.  At
 * exit it prints one "vcpu=N io_exits=.. io_rip=0x.." line per vCPU (the
 * RIP KVM reported at that vCPU's first I/O exit) and "io_exits=TOTAL".
 *
 * Where RIP points during a KVM_EXIT_IO depends on KVM's path: the fast PIO
 * path of SVM and of VMX with unrestricted guest leaves RIP on the out
 * (io_rip, seen in the nested-SVM lab), while a fully emulated OUT (VMX real
 * mode without unrestricted guest, or PVM) has already moved RIP past it, to
 * io_rip + 2.  The per-vCPU line shows which one this host's KVM does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE	0x10000		/* 64 KiB of guest RAM at GPA 0 */
#define CODE_GPA	0x1000
#define IO_PORT		0xe9
#define MAX_VCPUS	64
/* Needed by VMX for real mode without unrestricted guest; harmless on SVM. */
#define TSS_ADDR	0xfffbd000

/*
 * The guest program.  EBX holds the iteration count and AL the vCPU id, both
 * set by vcpu_create().  Offsets are relative to CODE_GPA.
 */
static const uint8_t guest_code[] = {
	0x66, 0x89, 0xd9,	/* 0x00: mov  %ebx, %ecx */
	0x66, 0x49,		/* 0x03: dec  %ecx       */
	0x75, 0xfc,		/* 0x05: jnz  0x03       */
	0xe6, IO_PORT,		/* 0x07: out  %al, $0xe9 */
	0xeb, 0xf5,		/* 0x09: jmp  0x00       */
	0xf4,			/* 0x0b: hlt (never reached) */
};
#define IO_OFF		0x07
#define LOOP_END	0x0b

/* Long mode: the same loop, then the switch of the current task. */
static const uint8_t guest_code64[] = {
	0x48, 0x89, 0xd9,	/* 0x00: mov  %rbx, %rcx */
	0x48, 0xff, 0xc9,	/* 0x03: dec  %rcx       */
	0x75, 0xfb,		/* 0x06: jnz  0x03       */
	0xe6, IO_PORT,		/* 0x08: out  %al, $0xe9 */
	0x4d, 0x87, 0xc1,	/* 0x0a: xchg %r8, %r9   */
	/* 0x0d: mov %r8, %gs:CUR_OFF */
	0x65, 0x4c, 0x89, 0x04, 0x25, 0x00, 0x01, 0x00, 0x00,
	0xeb, 0xe8,		/* 0x16: jmp  0x00       */
};
#define IO_OFF64	0x08
#define LOOP_END64	0x18

/*
 * --stack: RDX frames of DEEP_FRAME bytes deep, then the loop.  RSI bytes
 * first (SIZE % DEEP_FRAME); the outermost frame's saved RBP is 0, where
 * a frame-pointer walk ends.  At DEEP_OFF64 in the code page: the jz is
 * relative to the loop at offset 0.
 */
static const uint8_t guest_code64_deep[] = {
	0x48, 0x29, 0xf4,	/* 0x40: sub  %rsi, %rsp */
	0x31, 0xed,		/* 0x43: xor  %ebp, %ebp */
	0xe8, 0x01, 0x00, 0x00, 0x00,	/* 0x45: call 0x4b */
	0xf4,			/* 0x4a: hlt             */
	0x55,			/* 0x4b: push %rbp       */
	0x48, 0x89, 0xe5,	/* 0x4c: mov  %rsp, %rbp */
	/* 0x4f: sub $0xf0, %rsp (a frame: return address, RBP, 240) */
	0x48, 0x81, 0xec, 0xf0, 0x00, 0x00, 0x00,
	0x48, 0x89, 0x14, 0x24,	/* 0x56: mov  %rdx, (%rsp) */
	0x48, 0xff, 0xca,	/* 0x5a: dec  %rdx       */
	0x74, 0xa1,		/* 0x5d: jz   0x00       */
	0xe8, 0xe7, 0xff, 0xff, 0xff,	/* 0x5f: call 0x4b */
	0xf4,			/* 0x64: hlt             */
};
#define DEEP_OFF64	0x40
#define DEEP_FRAME	256

#define LONG_MEM_SIZE	0x400000	/* 4 MiB: two 2 MiB pages */
#define LONG_MAX_VCPUS	16
#define KTEXT		0xffffffff81000000ULL	/* GPA 0, 4 KiB pages */
#define DIRECT_MAP	0xffff888000000000ULL	/* GPA 0, 2 MiB pages */
#define ALIAS_MAP	0xffffc90000000000ULL	/* GPA 0, a 1 GiB page */
#define PML5_GPA	0x10000
#define PML4_GPA	0x11000
#define PDPT_TEXT_GPA	0x12000
#define PD_TEXT_GPA	0x13000
#define PT_TEXT_GPA	0x14000
#define PDPT_DIRECT_GPA	0x15000
#define PD_DIRECT_GPA	0x16000
#define PDPT_ALIAS_GPA	0x17000
#define PERCPU_GPA	0x20000		/* + 0x1000 per vCPU */
#define TASKS_GPA	0x40000		/* + 0x2000 per vCPU: A, then B */
#define CUR_OFF		0x100		/* %gs-relative current task */
/* The stack pointer: 2 MiB of mapped memory above it, all that a guest
 * stack copy (vmprof record -g) may read; the loop pushes nothing.  The
 * VMM's pages of that memory exist only where the guest wrote, so a copy
 * reads nothing above it unless --stack puts frames there.  With --stack,
 * vCPU N's stack top is STACK_GPA + N * STACK_STRIDE. */
#define STACK_GPA	0x200000
#define STACK_STRIDE	0x20000
/* Debian 6.1's offsets in struct task_struct. */
#define TASK_PID	2416
#define TASK_TGID	2420
#define TASK_COMM	2976
#define PTE_P_W		0x3
#define PTE_PS		0x80

/* --rip0: the same loop with the out first, run with CS based at the code. */
static const uint8_t guest_code_rip0[] = {
	0xe6, IO_PORT,		/* 0x00: out  %al, $0xe9 */
	0x66, 0x89, 0xd9,	/* 0x02: mov  %ebx, %ecx */
	0x66, 0x49,		/* 0x05: dec  %ecx       */
	0x75, 0xfc,		/* 0x07: jnz  0x05       */
	0xeb, 0xf5,		/* 0x09: jmp  0x00       */
};

/*
 * --paging: 32-bit code with paging on, two page directories that map the
 * same 4 MiB identically (one PSE entry each), switched every half loop.
 */
#define PD_A		0xa000
#define PD_B		0xb000
static const uint8_t guest_code_paging[] = {
	0xb8, 0x00, PD_A >> 8, 0x00, 0x00,	/* 0x00: mov  $PD_A, %eax */
	0x0f, 0x22, 0xd8,			/* 0x05: mov  %eax, %cr3  */
	0x89, 0xd9,				/* 0x08: mov  %ebx, %ecx  */
	0x49,					/* 0x0a: dec  %ecx        */
	0x75, 0xfd,				/* 0x0b: jnz  0x0a        */
	0xe6, IO_PORT,				/* 0x0d: out  %al, $0xe9  */
	0xb8, 0x00, PD_B >> 8, 0x00, 0x00,	/* 0x0f: mov  $PD_B, %eax */
	0x0f, 0x22, 0xd8,			/* 0x14: mov  %eax, %cr3  */
	0x89, 0xd9,				/* 0x17: mov  %ebx, %ecx  */
	0x49,					/* 0x19: dec  %ecx        */
	0x75, 0xfd,				/* 0x1a: jnz  0x19        */
	0xe6, IO_PORT,				/* 0x1c: out  %al, $0xe9  */
	0xeb, 0xe0,				/* 0x1e: jmp  0x00        */
};
#define PDE_4M		0x83	/* present, writable, 4 MiB page */
#define CR0_PE		0x1
#define CR0_ET		0x10
#define CR0_PG		0x80000000
#define CR4_PSE		0x10

struct vcpu {
	int id, fd;
	struct kvm_run *run;
	pthread_t thread, next_thread;	/* next_thread: after a replug */
	int moved;
	uint64_t io_exits, io_rip;
	int failed;
};

static int kvm_fd, vm_fd, run_size;
static uint32_t iters = 1000000;
static int paging_levels;	/* 0: real mode; 4 or 5: long mode */
static uint8_t *guest_mem;	/* of the VM being set up */
static int nr_vms = 1, vm_index;	/* --vms; the VM being set up */
static struct kvm_cpuid2 *cpuid;
static struct timespec deadline;
static int rip0, paging;
static unsigned int io_sleep_us;
static uint32_t stack_size;	/* --stack */
/* --replug, --io-uring: what SIGUSR1 and SIGUSR2 ask for */
static int replug;
static atomic_int replug_now, uring_now;
static struct timespec start;
static atomic_int stop;
static struct vcpu vcpus[MAX_VCPUS];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static int past_deadline(void)
{
	return past(&deadline);
}

/* start + seconds */
static struct timespec after_start(double seconds)
{
	struct timespec t = start;

	t.tv_sec += (time_t)seconds;
	t.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static void sleep_until(const struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

static void segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
	*seg = (struct kvm_segment) {
		.base = 0, .limit = 0xffffffff, .selector = selector,
		.type = type, .present = 1, .db = 1, .s = 1, .g = 1,
	};
}

static uint64_t *pt(uint64_t gpa)
{
	return (uint64_t *)(guest_mem + gpa);
}

static uint64_t task_gpa(int vcpu, int b)
{
	return TASKS_GPA + (uint64_t)vcpu * 0x2000 + (b ? 0x1000 : 0);
}

/*
 * Thread ids: A = 1000 + 2 * vCPU, B = A + 1; both of process 500 + vCPU;
 * comms kvmrun-a<vCPU>, kvmrun-b<vCPU>.  The second VM's (--vms 2):
 * 2000 + ..., process 600 + vCPU, kvmrun-c and kvmrun-d.
 */
static uint32_t task_tid(int vcpu, int b)
{
	return 1000 * (vm_index + 1) + 2 * vcpu + b;
}

static uint32_t task_pid(int vcpu)
{
	return 500 + 100 * vm_index + vcpu;
}

static char task_letter(int b)
{
	return 'a' + 2 * vm_index + b;
}

static void fake_task(int vcpu, int b)
{
	uint8_t *t = guest_mem + task_gpa(vcpu, b);
	uint32_t tid = task_tid(vcpu, b), pid = task_pid(vcpu);

	memcpy(t + TASK_PID, &tid, 4);
	memcpy(t + TASK_TGID, &pid, 4);
	/* vcpu < LONG_MAX_VCPUS: the comm fits (and GCC sees it does). */
	snprintf((char *)t + TASK_COMM, 16, "kvmrun-%c%u", task_letter(b),
		 (unsigned int)vcpu % LONG_MAX_VCPUS);
}

/* -p: the tasks of the VM being set up. */
static void print_tasks(int nvcpus)
{
	int i, b;

	for (i = 0; i < nvcpus; i++)
		for (b = 0; b < 2; b++)
			printf("task vcpu=%d tid=%u pid=%u comm=kvmrun-%c%d addr=0x%llx\n",
			       i, task_tid(i, b), task_pid(i), task_letter(b),
			       i, (unsigned long long)(ALIAS_MAP +
						       task_gpa(i, b)));
	fflush(stdout);
}

/*
 * Page tables (see the comment at the top) and the per-vCPU areas and
 * tasks, written before any vCPU runs.
 */
static void long_mode_memory(int nvcpus)
{
	int i;

	memcpy(guest_mem + CODE_GPA, guest_code64, sizeof(guest_code64));
	memcpy(guest_mem + CODE_GPA + DEEP_OFF64, guest_code64_deep,
	       sizeof(guest_code64_deep));
	if (paging_levels == 5)
		pt(PML5_GPA)[511] = PML4_GPA | PTE_P_W;
	pt(PML4_GPA)[(KTEXT >> 39) & 511] = PDPT_TEXT_GPA | PTE_P_W;
	pt(PML4_GPA)[(DIRECT_MAP >> 39) & 511] = PDPT_DIRECT_GPA | PTE_P_W;
	pt(PML4_GPA)[(ALIAS_MAP >> 39) & 511] = PDPT_ALIAS_GPA | PTE_P_W;
	pt(PDPT_TEXT_GPA)[(KTEXT >> 30) & 511] = PD_TEXT_GPA | PTE_P_W;
	pt(PD_TEXT_GPA)[(KTEXT >> 21) & 511] = PT_TEXT_GPA | PTE_P_W;
	for (i = 0; i < 16; i++)
		pt(PT_TEXT_GPA)[i] = (uint64_t)i * 0x1000 | PTE_P_W;
	pt(PDPT_DIRECT_GPA)[0] = PD_DIRECT_GPA | PTE_P_W;
	pt(PD_DIRECT_GPA)[0] = 0 | PTE_P_W | PTE_PS;
	pt(PD_DIRECT_GPA)[1] = 0x200000 | PTE_P_W | PTE_PS;
	pt(PDPT_ALIAS_GPA)[0] = 0 | PTE_P_W | PTE_PS;
	for (i = 0; i < nvcpus; i++) {
		uint64_t a = ALIAS_MAP + task_gpa(i, 0);

		fake_task(i, 0);
		fake_task(i, 1);
		memcpy(guest_mem + PERCPU_GPA + (uint64_t)i * 0x1000 + CUR_OFF,
		       &a, 8);
	}
}

static void vcpu_create_long(struct vcpu *v, int id)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 11,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 3,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	/* KVM refuses EFER.LME (and CR4.LA57) the guest's CPUID lacks. */
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.ss = sregs.gs = data;
	sregs.gs.base = DIRECT_MAP + PERCPU_GPA + (uint64_t)id * 0x1000;
	sregs.cr0 = 0x80050033;		/* PG AM WP NE ET MP PE */
	sregs.cr4 = 0x20 | (paging_levels == 5 ? 0x1000 : 0);	/* PAE, LA57 */
	sregs.cr3 = paging_levels == 5 ? PML5_GPA : PML4_GPA;
	sregs.efer = 0x500;		/* LME LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS (long mode)");

	memset(&regs, 0, sizeof(regs));
	regs.rip = KTEXT + CODE_GPA;
	regs.rflags = 0x202;		/* IF: see vcpu_create() */
	regs.rbx = iters;
	regs.rax = (uint64_t)id & 0xff;
	regs.r8 = ALIAS_MAP + task_gpa(id, 0);
	regs.r9 = ALIAS_MAP + task_gpa(id, 1);
	regs.rsp = DIRECT_MAP + STACK_GPA;
	if (stack_size) {
		regs.rip = KTEXT + CODE_GPA + DEEP_OFF64;
		regs.rsp += (uint64_t)id * STACK_STRIDE;
		regs.rdx = stack_size / DEEP_FRAME;
		regs.rsi = stack_size % DEEP_FRAME;
	}
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

static void vcpu_create(struct vcpu *v, int id)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	v->id = id;
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");

	if (paging_levels) {
		vcpu_create_long(v, id);
		return;
	}
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	if (paging) {
		/* Flat 32-bit segments; no GDT needed until one is loaded. */
		segment(&sregs.cs, 0x08, 0xb);	/* code, read, accessed */
		segment(&sregs.ds, 0x10, 0x3);	/* data, RW, accessed */
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
		sregs.cr3 = PD_A;
		sregs.cr4 = CR4_PSE;
		sregs.efer = 0;
	} else {
		/*
		 * Reset state is real mode at F000:FFF0; move CS to base 0,
		 * or to the code with --rip0.
		 */
		sregs.cs.base = rip0 ? CODE_GPA : 0;
		sregs.cs.selector = rip0 ? CODE_GPA >> 4 : 0;
		sregs.ds = sregs.es = sregs.ss = sregs.cs;
		sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
		sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
		sregs.ds.type = sregs.es.type = sregs.ss.type = 3; /* data, RW, accessed */
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip0 ? 0 : CODE_GPA;
	/*
	 * Bit 1 is reserved and must be set.  IF is set although the guest
	 * takes no interrupt (no interrupt controller here: KVM injects
	 * none): under Bochs' VMX, a guest entered with IF clear never exits
	 * for the host's timer (gt-run.c says why), and could never be
	 * sampled between two of its own exits.
	 */
	regs.rflags = 0x202;
	regs.rbx = iters;
	regs.rax = (uint64_t)id & 0xff;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/* A failing vCPU ends the run: the others stop at their next I/O exit. */
static void *vcpu_fail(struct vcpu *v)
{
	v->failed = 1;
	atomic_store(&stop, 1);
	return NULL;
}

static void *vcpu_thread(void *arg);

/*
 * --replug-after: the vCPU goes on in a new thread, and this one ends, as
 * QEMU's vCPU thread does when the vCPU is unplugged (KVM keeps the vCPU)
 * and a new one runs it when it is plugged again.
 */
static int vcpu_replug(struct vcpu *v)
{
	int err;

	v->moved = 1;
	err = pthread_create(&v->next_thread, NULL, vcpu_thread, v);
	if (err) {
		errno = err;
		perror("pthread_create");
		v->moved = 0;
		return 0;
	}
	fprintf(stderr, "kvm-run: vcpu %d leaves tid %ld\n", v->id,
		(long)syscall(SYS_gettid));
	return 1;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;
	struct kvm_regs regs;

	fprintf(stderr, "kvm-run: vcpu %d on tid %ld\n", v->id,
		(long)syscall(SYS_gettid));
	while (!atomic_load(&stop)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "vcpu %d: KVM_RUN: %s\n", v->id, strerror(errno));
			return vcpu_fail(v);
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != IO_PORT) {
				fprintf(stderr, "vcpu %d: unexpected I/O %s port 0x%x\n", v->id,
					run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
					run->io.port);
				return vcpu_fail(v);
			}
			/* RIP still points at the out: KVM completes it on the next KVM_RUN. */
			if (!v->io_exits++ && ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
				v->io_rip = regs.rip;
			if (past_deadline())
				return NULL;
			if (io_sleep_us)
				usleep(io_sleep_us);
			if (replug && v->id == 0 && !v->moved &&
			    atomic_load(&replug_now) && vcpu_replug(v))
				return NULL;
			break;
		case KVM_EXIT_HLT:
			fprintf(stderr, "vcpu %d: guest halted\n", v->id);
			return NULL;
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "vcpu %d: guest shutdown (triple fault)\n", v->id);
			return vcpu_fail(v);
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "vcpu %d: VM entry failed, hardware reason 0x%llx\n",
				v->id, (unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
			return vcpu_fail(v);
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "vcpu %d: KVM internal error, suberror %u\n",
				v->id, run->internal.suberror);
			return vcpu_fail(v);
		default:
			fprintf(stderr, "vcpu %d: unhandled exit reason %u\n",
				v->id, run->exit_reason);
			return vcpu_fail(v);
		}
	}
	return NULL;
}

static void vcpu_start(struct vcpu *v, int id)
{
	int err;

	vcpu_create(v, id);
	err = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (err) {
		errno = err;
		die("pthread_create");
	}
}

/*
 * --io-uring-after: reads of /dev/zero that io_uring must hand to its
 * worker threads (IOSQE_ASYNC), which then do the copying in the kernel.
 */
#define URING_READS	4
#define URING_LEN	(256 << 10)

static void *uring_thread(void *arg)
{
	static char bufs[URING_READS][URING_LEN];
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	uint64_t reads = 0;
	int fd, i, err;

	(void)arg;
	while (!atomic_load(&uring_now)) {
		if (atomic_load(&stop) || past_deadline())
			return NULL;
		usleep(10000);
	}
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/zero");
	err = io_uring_queue_init(URING_READS, &ring, 0);
	if (err) {
		errno = -err;
		die("io_uring_queue_init");
	}
	fprintf(stderr, "kvm-run: io_uring reads start\n");
	while (!atomic_load(&stop) && !past_deadline()) {
		for (i = 0; i < URING_READS; i++) {
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, fd, bufs[i], URING_LEN, 0);
			sqe->flags |= IOSQE_ASYNC;
		}
		err = io_uring_submit_and_wait(&ring, URING_READS);
		if (err < 0) {
			errno = -err;
			die("io_uring_submit_and_wait");
		}
		for (i = 0; i < URING_READS; i++) {
			err = io_uring_wait_cqe(&ring, &cqe);
			if (err || cqe->res != URING_LEN) {
				fprintf(stderr, "kvm-run: io_uring read: %d %d\n",
					err, err ? 0 : cqe->res);
				exit(1);
			}
			io_uring_cqe_seen(&ring, cqe);
			reads++;
		}
	}
	io_uring_queue_exit(&ring);
	close(fd);
	fprintf(stderr, "kvm-run: io_uring reads=%llu\n",
		(unsigned long long)reads);
	return NULL;
}

static void *churn_child(void *arg)
{
	return arg;
}

/* --thread-churn: threads that live for a moment, all along. */
static void *churn_thread(void *arg)
{
	uint64_t n = 0;
	pthread_t t;

	(void)arg;
	while (!atomic_load(&stop) && !past_deadline()) {
		if (pthread_create(&t, NULL, churn_child, NULL) == 0) {
			pthread_join(t, NULL);
			n++;
		}
	}
	fprintf(stderr, "kvm-run: churned threads=%llu\n",
		(unsigned long long)n);
	return NULL;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		atomic_store(&replug_now, 1);
	else
		atomic_store(&uring_now, 1);
}

/*
 * --vms 2: the second VM, set up as main() set up the first (the same
 * calls in the same order); vm_fd and guest_mem are its own from here.
 */
static void second_vm(int nvcpus, size_t mem_size)
{
	struct kvm_userspace_memory_region region;
	void *mem;

	vm_index = 1;
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		die("KVM_SET_TSS_ADDR");
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	guest_mem = mem;
	long_mode_memory(nvcpus);
	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
}

static void usage(void)
{
	fprintf(stderr, "usage: kvm-run [-n VCPUS] [-s SECONDS] [-i ITERS] [-p] [--hotplug-after SECONDS]\n"
		"               [-L | -5] [--replug] [--rip0] [--paging] [--io-uring] [--thread-churn]\n"
		"               [--vms 2] [--stack SIZE] [--io-sleep US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hotplug-after", required_argument, NULL, 'H' },
		{ "replug", no_argument, NULL, 'R' },
		{ "rip0", no_argument, NULL, '0' },
		{ "paging", no_argument, NULL, 'P' },
		{ "io-uring", no_argument, NULL, 'U' },
		{ "thread-churn", no_argument, NULL, 'C' },
		{ "vms", required_argument, NULL, 'V' },
		{ "stack", required_argument, NULL, 'S' },
		{ "io-sleep", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_userspace_memory_region region;
	double seconds = 5, hotplug_after = -1;
	size_t mem_size;
	int nvcpus = 1, print = 0, churn = 0, uring = 0, total, max, i, c;
	int nthreads;
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t uring_tid, churn_tid;
	int failed = 0;
	const uint8_t *code = guest_code;
	size_t code_size = sizeof(guest_code);
	uint32_t code_end = LOOP_END, io_off = IO_OFF;
	uint64_t io_exits = 0;
	void *mem;

	while ((c = getopt_long(argc, argv, "n:s:i:pL5", longopts, NULL)) != -1) {
		switch (c) {
		case 'L': paging_levels = paging_levels ? paging_levels : 4; break;
		case '5': paging_levels = 5; break;
		case 'n': nvcpus = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'i': iters = strtoul(optarg, NULL, 0); break;
		case 'p': print = 1; break;
		case 'H': hotplug_after = atof(optarg); break;
		case 'R': replug = 1; break;
		case '0': rip0 = 1; break;
		case 'P': paging = 1; break;
		case 'U': uring = 1; break;
		case 'C': churn = 1; break;
		case 'V': nr_vms = atoi(optarg); break;
		case 'S': stack_size = strtoul(optarg, NULL, 0); break;
		case 'W': io_sleep_us = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	total = nvcpus + (hotplug_after >= 0);
	if (optind != argc || nvcpus < 1 || seconds <= 0 || iters < 1 ||
	    total > MAX_VCPUS || (paging_levels && total > LONG_MAX_VCPUS) ||
	    (rip0 + paging + !!paging_levels > 1) || nr_vms < 1 || nr_vms > 2 ||
	    (nr_vms > 1 && (!paging_levels || hotplug_after >= 0 || replug ||
			    uring || churn)) ||
	    (stack_size && (!paging_levels || stack_size % 8 ||
			    stack_size < DEEP_FRAME ||
			    stack_size > STACK_STRIDE)))
		usage();
	if (rip0) {
		code = guest_code_rip0;
		code_size = sizeof(guest_code_rip0);
		code_end = sizeof(guest_code_rip0);
		io_off = 0;
	} else if (paging) {
		code = guest_code_paging;
		code_size = sizeof(guest_code_paging);
		code_end = sizeof(guest_code_paging);
		io_off = 0x0d;
	}

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("open /dev/kvm");
	if (ioctl(kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "kvm-run: unexpected KVM API version\n");
		return 1;
	}
	max = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max > 0 && total > max) {
		fprintf(stderr, "kvm-run: %d vCPUs requested, KVM allows %d\n", total, max);
		return 1;
	}
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		die("KVM_SET_TSS_ADDR");

	mem_size = paging_levels ? LONG_MEM_SIZE : MEM_SIZE;
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	guest_mem = mem;
	if (paging_levels) {
		int n = 256;

		cpuid = calloc(1, sizeof(*cpuid) +
			       n * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			die("calloc");
		cpuid->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
			die("KVM_GET_SUPPORTED_CPUID");
		long_mode_memory(total);
	} else {
		memcpy((uint8_t *)mem + CODE_GPA, code, code_size);
		if (paging) {
			*(uint32_t *)((uint8_t *)mem + PD_A) = PDE_4M;
			*(uint32_t *)((uint8_t *)mem + PD_B) = PDE_4M;
		}
	}
	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	if (print && paging_levels) {
		uint64_t code = KTEXT + CODE_GPA;

		printf("code_start=0x%llx code_end=0x%llx io_rip=0x%llx\n",
		       (unsigned long long)code,
		       (unsigned long long)(code + LOOP_END64),
		       (unsigned long long)(code + IO_OFF64));
		printf("paging_levels=%d cr3=0x%x current_task=0x%x task_pid=%d task_tgid=%d task_comm=%d\n",
		       paging_levels, paging_levels == 5 ? PML5_GPA : PML4_GPA,
		       CUR_OFF, TASK_PID, TASK_TGID, TASK_COMM);
		print_tasks(total);
	} else if (print) {
		/* RIPs are offsets in CS, which --rip0 bases at the code. */
		uint32_t base = rip0 ? 0 : CODE_GPA;

		printf("code_start=0x%x code_end=0x%x io_rip=0x%x",
		       base, base + code_end, base + io_off);
		if (paging)
			printf(" pd_a=0x%x pd_b=0x%x", PD_A, PD_B);
		printf("\n");
		fflush(stdout);
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	deadline = after_start(seconds);
	/* Before any thread, which inherits the mask and the handlers. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL))
		die("sigaction");
	if (uring && pthread_create(&uring_tid, NULL, uring_thread, NULL))
		die("pthread_create");
	if (churn && pthread_create(&churn_tid, NULL, churn_thread, NULL))
		die("pthread_create");
	for (i = 0; i < nvcpus; i++)
		vcpu_start(&vcpus[i], i);
	nthreads = nvcpus;
	if (nr_vms > 1) {
		second_vm(nvcpus, mem_size);
		if (print)
			print_tasks(nvcpus);
		for (i = 0; i < nvcpus; i++)
			vcpu_start(&vcpus[nthreads + i], i);
		nthreads += nvcpus;
	}

	if (hotplug_after >= 0) {
		if (hotplug_after < seconds) {
			struct timespec at = after_start(hotplug_after);

			sleep_until(&at);
			fprintf(stderr, "kvm-run: hotplug vcpu %d\n", nvcpus);
			vcpu_start(&vcpus[nvcpus], nvcpus);
			nvcpus++;
			nthreads++;
		} else {
			fprintf(stderr, "kvm-run: run ends before hotplug, no vcpu added\n");
		}
	}

	for (i = 0; i < nthreads; i++) {
		pthread_join(vcpus[i].thread, NULL);
		if (vcpus[i].moved)
			pthread_join(vcpus[i].next_thread, NULL);
	}
	atomic_store(&stop, 1);
	if (uring)
		pthread_join(uring_tid, NULL);
	if (churn)
		pthread_join(churn_tid, NULL);
	for (i = 0; i < nthreads; i++) {
		printf("vcpu=%d io_exits=%llu io_rip=0x%llx\n", vcpus[i].id,
		       (unsigned long long)vcpus[i].io_exits,
		       (unsigned long long)vcpus[i].io_rip);
		io_exits += vcpus[i].io_exits;
		failed |= vcpus[i].failed;
	}
	printf("io_exits=%llu\n", (unsigned long long)io_exits);
	return failed;
}
