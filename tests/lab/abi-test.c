// SPDX-License-Identifier: GPL-2.0
/*
 * abi-test: the /dev/vmprof contract of include/vmprof.h, checked call by
 * call.  Each check prints "PASS: abi: <what>" or "FAIL: abi: <what>: <why>".
 *
 * usage: abi-test VMM_PID OTHER_PID
 *   VMM_PID    a process that runs a KVM VM (kvm-run or QEMU), owned by root
 *   OTHER_PID  a live process that runs no VM
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmprof.h>

/* "abi", or "abi32" for the 32-bit build that goes through compat_ioctl. */
#ifndef ABI_TAG
#define ABI_TAG "abi"
#endif

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

static int failures;

static void check(int ok, const char *what, const char *fmt, long a, long b)
{
	if (ok) {
		printf("PASS: " ABI_TAG ": %s\n", what);
		return;
	}
	printf("FAIL: " ABI_TAG ": %s: ", what);
	printf(fmt, a, b);
	printf("\n");
	failures++;
}

/* ioctl() must fail with @err; */
static void expect_errno(int ret, int err, const char *what)
{
	int e = ret < 0 ? errno : 0;

	check(ret < 0 && e == err, what, "want errno %ld, got %ld", err, e);
}

static int dev_open(void)
{
	int fd = open(VMPROF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("FAIL: " ABI_TAG ": open %s: %s\n", VMPROF_DEVICE_PATH,
		       strerror(errno));
		exit(1);
	}
	return fd;
}

static struct vmprof_attach good_attach(int pid)
{
	struct vmprof_attach at = {
		.size = sizeof(at), .pid = pid,
		.mode = VMPROF_MODE_CPU_SWITCH, .event = VMPROF_EVENT_CPU_CLOCK,
		.flags = VMPROF_ATTACH_FREQ, .sample = 100,
	};
	return at;
}

static void attach_expect(int pid, struct vmprof_attach at, int err,
			  const char *what)
{
	int fd = dev_open();

	(void)pid;
	expect_errno(ioctl(fd, VMPROF_IOC_ATTACH, &at), err, what);
	close(fd);
}

static void test_version(void)
{
	struct vmprof_version v;
	int fd = dev_open();

	memset(&v, 0xff, sizeof(v));
	check(ioctl(fd, VMPROF_IOC_GET_VERSION, &v) == 0 &&
	      v.abi_major == VMPROF_ABI_MAJOR && v.module_version[0] &&
	      memchr(v.module_version, 0, sizeof(v.module_version)),
	      "GET_VERSION reports ABI major and module version",
	      "major %ld, errno %ld", v.abi_major, errno);
	expect_errno(ioctl(fd, _IO(VMPROF_IOC_MAGIC, 0x7f)), ENOTTY,
		     "unknown command is ENOTTY");
	expect_errno(ioctl(fd, _IOR('X', 0, int)), ENOTTY,
		     "foreign magic is ENOTTY");
	expect_errno(ioctl(fd, VMPROF_IOC_ENABLE, 0), EINVAL,
		     "ENABLE before ATTACH is EINVAL");
	check(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap before ATTACH is EINVAL", "errno %ld%ld",
	      errno, 0);
	close(fd);
}

static unsigned long long max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "r");
	unsigned long long rate = 100000;

	if (f) {
		if (fscanf(f, "%llu", &rate) != 1)
			rate = 100000;
		fclose(f);
	}
	return rate;
}

/* A VMPROF_ATTACH_GUEST_STACK attach (ABI 1.4) that the module takes. */
static struct vmprof_attach stack_attach(int pid)
{
	struct vmprof_attach at = good_attach(pid);

	at.flags |= VMPROF_ATTACH_GUEST_STACK;
	at.guest_regs = 1ULL << VMPROF_REG_IP | 1ULL << VMPROF_REG_SP |
			1ULL << VMPROF_REG_BP;
	at.guest_stack_size = 4096;
	return at;
}

static void test_guest_stack_args(int vmm)
{
	struct vmprof_attach at;
	int fd;

	at = good_attach(vmm);
	at.guest_stack_size = 4096;
	attach_expect(vmm, at, EINVAL,
		      "guest stack fields without VMPROF_ATTACH_GUEST_STACK are EINVAL");
	at = stack_attach(vmm);
	at.guest_regs = 1ULL << VMPROF_REG_BP;
	attach_expect(vmm, at, EINVAL, "guest stack without IP and SP is EINVAL");
	at = stack_attach(vmm);
	at.guest_regs |= 1ULL << 10;	/* CS: not a register copied */
	attach_expect(vmm, at, EINVAL, "a segment register is EINVAL");
	at = stack_attach(vmm);
	at.guest_stack_size = 0;
	attach_expect(vmm, at, EINVAL, "a guest stack size of 0 is EINVAL");
	at = stack_attach(vmm);
	at.guest_stack_size = VMPROF_STACK_SIZE_MAX + 8;
	attach_expect(vmm, at, EINVAL,
		      "a guest stack size above VMPROF_STACK_SIZE_MAX is EINVAL");
	at = stack_attach(vmm);
	at.guest_stack_size = 4100;
	attach_expect(vmm, at, EINVAL,
		      "a guest stack size not a multiple of 8 is EINVAL");
	at = stack_attach(vmm);
	at.guest_thread_size = 12288;
	attach_expect(vmm, at, EINVAL,
		      "a guest thread size not a power of 2 is EINVAL");
	at = stack_attach(vmm);
	at.guest_stack_reserved[1] = 1;
	attach_expect(vmm, at, EINVAL, "non-zero guest_stack_reserved is EINVAL");
	at = stack_attach(-1);
	at.mode = VMPROF_MODE_SYSTEM;
	attach_expect(-1, at, EINVAL, "guest stacks system-wide are EINVAL");
	at = stack_attach(vmm);
	fd = dev_open();
	check(ioctl(fd, VMPROF_IOC_ATTACH, &at) == 0,
	      "a VM's guest stacks attach (root)", "errno %ld%ld", errno, 0);
	close(fd);
}

static void test_attach_args(int vmm, int other)
{
	struct vmprof_attach at;
	struct {
		struct vmprof_attach at;
		uint64_t tail;
	} big;

	at = good_attach(vmm);
	at.size = VMPROF_ATTACH_SIZE_VER0 - 8;
	attach_expect(vmm, at, EINVAL, "attach size below VER0 is EINVAL");
	at = good_attach(vmm);
	at.reserved[2] = 1;
	attach_expect(vmm, at, EINVAL, "non-zero reserved is EINVAL");
	at = good_attach(vmm);
	at.reserved0 = 1;
	attach_expect(vmm, at, EINVAL, "non-zero reserved0 is EINVAL");
	at = good_attach(vmm);
	at.flags = 0x80;
	attach_expect(vmm, at, EINVAL, "unknown flag is EINVAL");
	at = good_attach(vmm);
	at.mode = 9;
	attach_expect(vmm, at, EINVAL, "unknown mode is EINVAL");
	at = good_attach(vmm);
	at.event = 0;
	attach_expect(vmm, at, EINVAL, "unknown event is EINVAL");
	at = good_attach(vmm);
	at.sample = 0;
	attach_expect(vmm, at, EINVAL, "zero sample is EINVAL");
	at = good_attach(vmm);
	at.ring_pages = 3;
	attach_expect(vmm, at, EINVAL, "ring_pages not a power of 2 is EINVAL");
	at = good_attach(vmm);
	at.mode = VMPROF_MODE_SYSTEM;
	attach_expect(vmm, at, EINVAL, "system-wide with a pid is EINVAL");
	at = good_attach(vmm);
	at.sample = max_sample_rate() + 1;
	attach_expect(vmm, at, EINVAL,
		      "a frequency above perf_event_max_sample_rate is EINVAL");
	test_guest_stack_args(vmm);

	memset(&big, 0, sizeof(big));
	big.at = good_attach(vmm);
	big.at.size = sizeof(big);
	big.tail = 1;
	/*
	 * The ioctl must see the tail: attach_expect() would pass a copy of
	 * big.at alone, and the module would read whatever follows it.
	 */
	{
		int fd = dev_open();

		expect_errno(ioctl(fd, VMPROF_IOC_ATTACH, &big), E2BIG,
			     "larger struct with non-zero tail is E2BIG");
		close(fd);
	}

	at = good_attach(other);
	attach_expect(other, at, ENODEV, "process without a VM is ENODEV");
	at = good_attach(999999);
	attach_expect(999999, at, ESRCH, "missing process is ESRCH");
}

/*
 * ABI 1.2: the counters' enabled and running times (equal for a software
 * clock, which perf never multiplexes) and off-CPU times of exits.
 */
static void test_stats_times(int fd)
{
	struct vmprof_exit_stat exits[64];
	uint64_t offcpu[64];
	struct vmprof_stats st;
	unsigned int i, n;
	int ok = 1;

	ioctl(fd, VMPROF_IOC_ENABLE, 0);
	usleep(300000);
	ioctl(fd, VMPROF_IOC_DISABLE, 0);
	memset(&st, 0, sizeof(st));
	memset(offcpu, 0xff, sizeof(offcpu));
	st.size = sizeof(st);
	st.exits = (uintptr_t)exits;
	st.exits_offcpu = (uintptr_t)offcpu;
	st.exits_cap = 64;
	check(ioctl(fd, VMPROF_IOC_GET_STATS, &st) == 0 && st.time_enabled &&
	      st.time_running == st.time_enabled,
	      "GET_STATS: counters' enabled and running times",
	      "enabled %ld running %ld", st.time_enabled, st.time_running);
	n = st.nr_exits < 64 ? st.nr_exits : 64;
	for (i = 0; i < n; i++)
		ok &= offcpu[i] <= exits[i].vmm_ns;
	check(n > 0 && ok, "GET_STATS: an off-CPU time for each exit reason",
	      "%ld exit reasons, consistent %ld", n, ok);
	st.exits = 0;
	expect_errno(ioctl(fd, VMPROF_IOC_GET_STATS, &st), EINVAL,
		     "GET_STATS: off-CPU times without exits are EINVAL");
}

static void test_session(int vmm)
{
	struct vmprof_attach at = good_attach(vmm);
	struct vmprof_info info = { .size = sizeof(info) };
	struct vmprof_stats st = { .size = sizeof(st) };
	struct {
		struct vmprof_attach at;
		uint64_t tail;
	} big;
	void *map;
	int fd = dev_open();

	memset(&big, 0, sizeof(big));
	big.at = at;
	big.at.size = sizeof(big);
	check(ioctl(fd, VMPROF_IOC_ATTACH, &big) == 0,
	      "larger struct with zero tail attaches", "errno %ld%ld", errno, 0);
	expect_errno(ioctl(fd, VMPROF_IOC_ATTACH, &at), EBUSY,
		     "second ATTACH on a session is EBUSY");
	check(ioctl(fd, VMPROF_IOC_GET_INFO, &info) == 0 &&
	      info.nr_rings > 0 && info.mmap_size ==
	      info.nr_rings * info.ring_stride && info.pid == vmm,
	      "GET_INFO describes the rings", "errno %ld rings %ld", errno,
	      info.nr_rings);
	check(mmap(NULL, info.mmap_size - 4096, PROT_READ, MAP_SHARED, fd, 0) ==
	      MAP_FAILED && errno == EINVAL, "mmap of a wrong length is EINVAL",
	      "errno %ld%ld", errno, 0);
	check(mmap(NULL, info.mmap_size - 4096, PROT_READ, MAP_SHARED, fd,
		   4096) == MAP_FAILED && errno == EINVAL,
	      "mmap at an offset is EINVAL", "errno %ld%ld", errno, 0);
	check(mmap(NULL, info.mmap_size, PROT_READ, MAP_PRIVATE, fd, 0) ==
	      MAP_FAILED && errno == EINVAL, "private mmap is EINVAL",
	      "errno %ld%ld", errno, 0);
	map = mmap(NULL, info.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	check(map != MAP_FAILED, "mmap of mmap_size works", "errno %ld%ld",
	      errno, 0);
	check(ioctl(fd, VMPROF_IOC_ENABLE, 0) == 0 &&
	      ioctl(fd, VMPROF_IOC_ENABLE, 0) == 0 &&
	      ioctl(fd, VMPROF_IOC_DISABLE, 0) == 0 &&
	      ioctl(fd, VMPROF_IOC_DISABLE, 0) == 0,
	      "ENABLE and DISABLE are idempotent", "errno %ld%ld", errno, 0);
	expect_errno(ioctl(fd, VMPROF_IOC_ENABLE, 1UL), EINVAL,
		     "ENABLE with an argument is EINVAL");
	expect_errno(ioctl(fd, VMPROF_IOC_DISABLE, 1UL), EINVAL,
		     "DISABLE with an argument is EINVAL");
	test_stats_times(fd);
	st.exits = 0;
	st.exits_cap = 0;
	check(ioctl(fd, VMPROF_IOC_GET_STATS, &st) == 0 && st.target_alive == 1,
	      "GET_STATS with no exit array", "errno %ld alive %ld", errno,
	      st.target_alive);
	st.exits = 8;	/* a bad user pointer */
	st.exits_cap = 4;
	st.nr_exits = 0;
	if (ioctl(fd, VMPROF_IOC_GET_STATS, &st) == 0)
		check(st.nr_exits == 0, "GET_STATS with a bad pointer",
		      "nr_exits %ld%ld", st.nr_exits, 0);
	else
		expect_errno(-1, EFAULT, "GET_STATS with a bad pointer is EFAULT");
	st.exits = 0;
	st.reserved[0] = 1;
	expect_errno(ioctl(fd, VMPROF_IOC_GET_STATS, &st), EINVAL,
		     "GET_STATS with non-zero reserved is EINVAL");
	if (map != MAP_FAILED) {
		/* A hostile tail must not hurt the kernel. */
		struct vmprof_ring_ctl *ctl = map;

		ctl->data_tail = ~0ULL;
		ctl->data_head = 12345;
		ioctl(fd, VMPROF_IOC_ENABLE, 0);
		usleep(200000);
		ioctl(fd, VMPROF_IOC_DISABLE, 0);
		munmap(map, info.mmap_size);
	}
	close(fd);
}

static void drop_to(uid_t uid, int keep_perfmon)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };

	prctl(PR_SET_KEEPCAPS, 1);
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		exit(3);
	if (keep_perfmon) {
		d[CAP_PERFMON / 32].effective = 1u << (CAP_PERFMON % 32);
		d[CAP_PERFMON / 32].permitted = 1u << (CAP_PERFMON % 32);
	}
	if (syscall(SYS_capset, &h, d))
		exit(4);
}

static void test_privilege(int vmm)
{
	int status, fd, ret;
	pid_t child;

	child = fork();
	if (!child) {
		drop_to(65534, 0);
		fd = open(VMPROF_DEVICE_PATH, O_RDWR);
		exit(fd < 0 && errno == EPERM ? 0 : 1);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged open is EPERM", "child status %ld%ld", status, 0);

	child = fork();
	if (!child) {
		struct vmprof_attach at = good_attach(vmm);

		drop_to(65534, 1);
		fd = open(VMPROF_DEVICE_PATH, O_RDWR);
		if (fd < 0)
			exit(10 + errno);
		ret = ioctl(fd, VMPROF_IOC_ATTACH, &at);
		exit(ret < 0 && errno == EACCES ? 0 : 2);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "CAP_PERFMON without ptrace right over the VMM is EACCES",
	      "child exit %ld%ld", WEXITSTATUS(status), 0);
}

/*
 * A VMM owned by uid 65534: creates a VM as root, then becomes 65534 with
 * no capabilities.  Changing uid made it non-dumpable; @dumpable sets it
 * back (as a VMM started by that user would be).  Returns its pid; it
 * lives until @release is closed.
 */
static pid_t user_vmm(int dumpable, int *release)
{
	int ready[2], hold[2], kvm, vm;
	pid_t child;
	char c;

	if (pipe(ready) || pipe(hold))
		return -1;
	child = fork();
	if (!child) {
		close(ready[0]);
		close(hold[1]);
		kvm = open("/dev/kvm", O_RDWR);
		vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0)
			exit(5);
		drop_to(65534, 0);
		prctl(PR_SET_DUMPABLE, dumpable);
		if (write(ready[1], "r", 1) != 1)
			exit(6);
		/* Until the parent closes its end. */
		while (read(hold[0], &c, 1) > 0)
			;
		exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(hold[1]);
		waitpid(child, NULL, 0);
		return -1;
	}
	close(ready[0]);
	*release = hold[1];
	return child;
}

/*
 * As uid 65534 with CAP_PERFMON only: attach to @vmm.  Exits 0 if ATTACH,
 * ENABLE and GET_STATS work, 100 + errno of the first failure.
 */
static int perfmon_attach(pid_t vmm, unsigned int ring_pages)
{
	int status, fd;
	pid_t child;

	child = fork();
	if (!child) {
		struct vmprof_attach at = good_attach(vmm);
		struct vmprof_stats st = { .size = sizeof(st) };

		at.ring_pages = ring_pages;

		drop_to(65534, 1);
		fd = open(VMPROF_DEVICE_PATH, O_RDWR);
		if (fd < 0)
			exit(10 + errno);
		if (ioctl(fd, VMPROF_IOC_ATTACH, &at) ||
		    ioctl(fd, VMPROF_IOC_ENABLE, 0) ||
		    ioctl(fd, VMPROF_IOC_GET_STATS, &st))
			exit(100 + errno);
		exit(st.target_alive == 1 ? 0 : 3);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * As uid 65534 with CAP_PERFMON only, allowed to profile @vmm: reading
 * the guest's memory is still refused.  Exits 0 if VMPROF_ATTACH_GUEST_TASK
 * and VMPROF_IOC_GUEST_READ both fail with EPERM, 100 + errno (or 99 for
 * a success) of the first that does not.
 */
static int perfmon_introspect(pid_t vmm)
{
	int status, fd;
	pid_t child;

	child = fork();
	if (!child) {
		struct vmprof_attach at = good_attach(vmm);
		char buf[16];
		struct vmprof_guest_read r = {
			.size = sizeof(r), .op = VMPROF_GUEST_READ_PHYS,
			.pid = vmm, .buf = (uintptr_t)buf, .len = sizeof(buf),
		};

		at.flags |= VMPROF_ATTACH_GUEST_TASK;
		drop_to(65534, 1);
		fd = open(VMPROF_DEVICE_PATH, O_RDWR);
		if (fd < 0)
			exit(10 + errno);
		if (!ioctl(fd, VMPROF_IOC_ATTACH, &at))
			exit(99);
		if (errno != EPERM)
			exit(100 + errno);
		close(fd);
		fd = open(VMPROF_DEVICE_PATH, O_RDWR);
		if (fd < 0)
			exit(10 + errno);
		if (!ioctl(fd, VMPROF_IOC_GUEST_READ, &r))
			exit(99);
		exit(errno == EPERM ? 0 : 100 + errno);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The other side of the ptrace rule: a user may profile its own VMM. */
static void test_privilege_owner(void)
{
	int release, rc;
	pid_t vmm;

	vmm = user_vmm(1, &release);
	if (vmm < 0) {
		check(0, "CAP_PERFMON user attaches to its own VMM",
		      "could not start a VMM as uid 65534%ld%ld", 0, 0);
		return;
	}
	rc = perfmon_attach(vmm, 0);
	check(rc == 0, "CAP_PERFMON user attaches to its own VMM",
	      "child exit %ld (100 + errno, 10 + errno at open)%ld", rc, 0);
	/* 16 MiB a CPU: past ring_mlock_kb per CPU and RLIMIT_MEMLOCK. */
	rc = perfmon_attach(vmm, VMPROF_RING_PAGES_MAX);
	check(rc == 100 + EPERM,
	      "rings past the locked-memory allowance without CAP_IPC_LOCK are EPERM",
	      "child exit %ld, want %ld", rc, 100 + EPERM);
	/* Guest memory is the tenant's: root only, even for the VMM's owner. */
	rc = perfmon_introspect(vmm);
	check(rc == 0,
	      "CAP_PERFMON user's own VMM: guest tasks and GUEST_READ are EPERM",
	      "child exit %ld (100 + errno, 99 allowed)%ld", rc, 0);
	close(release);
	waitpid(vmm, NULL, 0);

	vmm = user_vmm(0, &release);
	if (vmm < 0)
		return;
	rc = perfmon_attach(vmm, 0);
	check(rc == 100 + EACCES,
	      "CAP_PERFMON user's own non-dumpable VMM is EACCES",
	      "child exit %ld, want %ld", rc, 100 + EACCES);
	close(release);
	waitpid(vmm, NULL, 0);
}

int main(int argc, char **argv)
{
	int vmm, other;

	if (argc != 3) {
		fprintf(stderr, "usage: abi-test VMM_PID OTHER_PID\n");
		return 64;
	}
	/*
	 * Line by line even into a pipe: the privilege tests fork children
	 * that exit(), which would print a full buffer a second time.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	vmm = atoi(argv[1]);
	other = atoi(argv[2]);
	test_version();
	test_attach_args(vmm, other);
	test_session(vmm);
	test_privilege(vmm);
	test_privilege_owner();
	return failures ? 1 : 0;
}
