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
 * usage: kvm-run [-n VCPUS] [-s SECONDS] [-i ITERS] [-p] [--hotplug-after S]
 *   -n  number of vCPUs at start (default 1)
 *   -s  run time; checked at each I/O exit, so it overruns by at most one
 *       loop of ITERS iterations (default 5)
 *   -i  loop iterations between two I/O exits (default 1000000)
 *   -p  print "code_start=0x.. code_end=0x.. io_rip=0x.." (code_end is
 *       exclusive) before running
 *   --hotplug-after S  add one more vCPU and thread S seconds after start
 * At exit it prints one "vcpu=N io_exits=.. io_rip=0x.." line per vCPU (the
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
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

struct vcpu {
	int id, fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t io_exits, io_rip;
	int failed;
};

static int kvm_fd, vm_fd, run_size;
static uint32_t iters = 1000000;
static struct timespec deadline;
static atomic_int stop;
static struct vcpu vcpus[MAX_VCPUS];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
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

	/* Reset state is real mode at F000:FFF0; move CS to base 0. */
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds = sregs.es = sregs.ss = sregs.cs;
	sregs.ds.type = sregs.es.type = sregs.ss.type = 3; /* data, RW, accessed */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
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

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;
	struct kvm_regs regs;

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

static void usage(void)
{
	fprintf(stderr, "usage: kvm-run [-n VCPUS] [-s SECONDS] [-i ITERS] [-p] [--hotplug-after SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hotplug-after", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_userspace_memory_region region;
	double seconds = 5, hotplug_after = -1;
	int nvcpus = 1, print = 0, total, max, i, c, failed = 0;
	struct timespec start;
	uint64_t io_exits = 0;
	void *mem;

	while ((c = getopt_long(argc, argv, "n:s:i:p", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': nvcpus = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'i': iters = strtoul(optarg, NULL, 0); break;
		case 'p': print = 1; break;
		case 'H': hotplug_after = atof(optarg); break;
		default: usage();
		}
	}
	total = nvcpus + (hotplug_after >= 0);
	if (optind != argc || nvcpus < 1 || seconds <= 0 || iters < 1 || total > MAX_VCPUS)
		usage();

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

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy((uint8_t *)mem + CODE_GPA, guest_code, sizeof(guest_code));
	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	if (print) {
		printf("code_start=0x%x code_end=0x%x io_rip=0x%x\n",
		       CODE_GPA, CODE_GPA + LOOP_END, CODE_GPA + IO_OFF);
		fflush(stdout);
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	deadline = start;
	deadline.tv_sec += (time_t)seconds;
	deadline.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < nvcpus; i++)
		vcpu_start(&vcpus[i], i);

	if (hotplug_after >= 0) {
		if (hotplug_after < seconds) {
			struct timespec at = start;

			at.tv_sec += (time_t)hotplug_after;
			at.tv_nsec += (long)((hotplug_after - (time_t)hotplug_after) * 1e9);
			if (at.tv_nsec >= 1000000000L) {
				at.tv_sec++;
				at.tv_nsec -= 1000000000L;
			}
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
				;
			fprintf(stderr, "kvm-run: hotplug vcpu %d\n", nvcpus);
			vcpu_start(&vcpus[nvcpus], nvcpus);
			nvcpus++;
		} else {
			fprintf(stderr, "kvm-run: run ends before hotplug, no vcpu added\n");
		}
	}

	for (i = 0; i < nvcpus; i++)
		pthread_join(vcpus[i].thread, NULL);
	for (i = 0; i < nvcpus; i++) {
		printf("vcpu=%d io_exits=%llu io_rip=0x%llx\n", i,
		       (unsigned long long)vcpus[i].io_exits,
		       (unsigned long long)vcpus[i].io_rip);
		io_exits += vcpus[i].io_exits;
		failed |= vcpus[i].failed;
	}
	printf("io_exits=%llu\n", (unsigned long long)io_exits);
	return failed;
}
