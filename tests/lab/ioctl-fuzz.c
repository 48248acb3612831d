// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl-fuzz: hostile user space against /dev/vmprof, for the lab.
 *
 * Worker threads share a pool of session fds and mappings and, in random
 * order, send every VMPROF_IOC_* command and random ones (foreign magics,
 * wrong sizes and directions) with random and mutated struct bytes, bad
 * user pointers (NULL, kernel addresses, PROT_NONE and read-only pages,
 * structs straddling into unmapped memory), attach to the guests given
 * with -p and to other, dead, zero, negative and huge PIDs, read their
 * guest memory at random physical and virtual addresses through random
 * page-table roots (VMPROF_IOC_GUEST_READ); they mmap
 * with random lengths, offsets, protections and flags, munmap, mremap,
 * mprotect and madvise the rings, scribble over the control pages
 * (data_tail and data_head to random values) while sampling is enabled,
 * close, dup and reopen fds, and fork children that do the same on what
 * they inherited.  Faults our own scribbling causes (SIGSEGV/SIGBUS on a
 * ring we unmapped or zapped) are caught and counted: they are the user's
 * business, not the kernel's.
 *
 * Whether the kernel survived is for the caller to judge (dmesg, debugfs
 * objects, a normal session afterwards); this program only fails if a
 * well-formed session stops working while it runs (a sanity probe every
 * few seconds), or on an unexpected signal.
 *
 * usage: ioctl-fuzz -p PID [-p PID...] [-s SEED] [-t SECONDS] [-j THREADS]
 * Prints "seed=N" first: rerun with -s N to replay the same choices (the
 * interleaving of threads and the guests' state are not replayed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vmprof.h>

#define POOL		8	/* session fds shared by the workers */
#define MAPS		16	/* mappings shared by the workers */
#define MAX_PIDS	64
#define MAX_THREADS	8
#define PAGE		4096UL

/*
 * A mapping slot.  Whoever swaps addr to MAP_BUSY owns (addr, len) until
 * it stores an address back: no thread unmaps memory another one is
 * scribbling on, and len always belongs to addr (a stale len would make
 * munmap() take our own heap or libc with it).
 */
#define MAP_BUSY	((uintptr_t)1)

struct map {
	_Atomic(uintptr_t) addr;	/* 0: free slot */
	size_t len;
};

static _Atomic int pool[POOL];
static struct map maps[MAPS];
static int pids[MAX_PIDS], nr_pids;
static void *noaccess, *rdonly, *edge;	/* bad-pointer targets */
static volatile int deadline_hit;
static double t_end;
static _Atomic unsigned long nr_ops, nr_faults, nr_forks,
	nr_attached, nr_mapped, nr_enabled, nr_scribbles;

static __thread uint64_t rng;
static __thread double next_fork;
static int is_child;
static __thread sigjmp_buf fault_jmp;
static __thread volatile int fault_armed;

static uint64_t rnd(void)
{
	/* xorshift64*: the choices replay from the seed. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int one_in(int n)
{
	return below(n) == 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_fault(int sig)
{
	(void)sig;
	if (fault_armed)
		siglongjmp(fault_jmp, 1);
	/* Not in a guarded write: a real bug of ours, die loudly. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* An interesting 64-bit value: boundaries, small, huge or random. */
static uint64_t value(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 63, 64, 4095, 4096, 4097, 65536, 1 << 20,
		INT32_MAX, (uint64_t)INT32_MAX + 1, UINT32_MAX,
		(uint64_t)UINT32_MAX + 1, INT64_MAX, (uint64_t)INT64_MAX + 1,
		UINT64_MAX, UINT64_MAX - 7, UINT64_MAX - 4095,
	};

	switch (below(4)) {
	case 0:
		return rnd();
	case 1:
		return below(256);
	default:
		return v[below(sizeof(v) / sizeof(v[0]))];
	}
}

static int pick_pid(void)
{
	static const int v[] = {
		0, -1, -2, 1, 2, INT32_MAX, INT32_MIN, 4194304, 4194305,
	};

	if (nr_pids && below(3))
		return pids[below(nr_pids)];
	if (one_in(3))
		return getpid();
	return one_in(2) ? (int)rnd() : v[below(sizeof(v) / sizeof(v[0]))];
}

/* A user pointer: good, NULL, kernel, unmapped, read-only or an edge. */
static void *pick_ptr(void *good, size_t len)
{
	switch (below(12)) {
	case 0:
		return NULL;
	case 1:
		return (void *)8;
	case 2:
		return (void *)0xffff888000000000ULL;
	case 3:
		return (void *)(uintptr_t)rnd();
	case 4:
		return noaccess;
	case 5:
		return rdonly;
	case 6:	/* the struct runs off the end of a mapping */
		return (char *)edge + PAGE - (len ? below(len) + 1 : 1);
	default:
		return good;
	}
}

static int take_fd(void)
{
	return atomic_load(&pool[below(POOL)]);
}

static void put_fd(int fd)
{
	int i = below(POOL);
	int old = atomic_exchange(&pool[i], fd);

	if (old >= 0)
		close(old);
}

static void op_open(void)
{
	static const int flags[] = {
		O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK, O_RDWR | O_CLOEXEC,
	};
	int fd = open(VMPROF_DEVICE_PATH, flags[below(5)]);

	if (fd >= 0)
		put_fd(fd);
}

static void op_close(void)
{
	int fd = atomic_exchange(&pool[below(POOL)], -1);

	if (fd >= 0)
		close(fd);
}

static void op_dup(void)
{
	int fd = take_fd();

	if (fd >= 0) {
		int d = dup(fd);

		if (d >= 0)
			put_fd(d);
	}
}

static void fill_attach(struct vmprof_attach *at)
{
	static const uint32_t sizes[] = {
		0, 4, 8, VMPROF_ATTACH_SIZE_VER0 - 8, VMPROF_ATTACH_SIZE_VER0,
		VMPROF_ATTACH_SIZE_VER0 + 8, 128, 4096, UINT32_MAX,
	};
	static const uint32_t pages[] = { 0, 1, 2, 3, 4, 16, 64, 256, 4096,
					  8192, 1U << 31, UINT32_MAX };

	memset(at, 0, sizeof(*at));
	at->size = one_in(3) ? sizes[below(9)] : sizeof(*at);
	at->pid = pick_pid();
	at->mode = below(5);
	at->event = one_in(3) ? VMPROF_EVENT_CPU_CLOCK : below(7);
	at->flags = one_in(4) ? (uint32_t)rnd() : below(4);
	/* Huge rings are allowed but rare: memory is not what we test. */
	at->ring_pages = one_in(8) ? pages[below(12)] : pages[below(6)];
	if (at->flags & VMPROF_ATTACH_FREQ)
		at->sample = one_in(3) ? value() : 10 + below(20000);
	else
		at->sample = one_in(3) ? value() : 20000 + below(10000000);
	at->watermark = one_in(3) ? (uint32_t)value() : 0;
	if (one_in(6))
		at->reserved0 = rnd();
	if (one_in(6))
		at->reserved[below(4)] = rnd();
	if (one_in(10))
		at->mode = (uint32_t)rnd();
	if (one_in(10))
		at->event = (uint32_t)rnd();
}

static void op_attach(void)
{
	/* Room for a larger struct with a (maybe) non-zero tail. */
	static __thread union {
		struct vmprof_attach at;
		unsigned char b[8192];
	} u;
	int fd = take_fd();
	uint32_t size;

	if (fd < 0)
		return;
	fill_attach(&u.at);
	size = u.at.size;
	memset(u.b + sizeof(u.at), 0, sizeof(u.b) - sizeof(u.at));
	if (size > sizeof(u.at) && size < sizeof(u.b) && one_in(2))
		u.b[sizeof(u.at) + below(size - sizeof(u.at))] = rnd() | 1;
	if (ioctl(fd, VMPROF_IOC_ATTACH, one_in(10) ?
		  pick_ptr(&u, size) : (void *)&u) == 0)
		nr_attached++;
}

static void op_enable(void)
{
	int fd = take_fd();

	if (fd < 0)
		return;
	/* Mostly the argument they take (0), sometimes garbage (EINVAL). */
	if (below(3)) {
		if (ioctl(fd, VMPROF_IOC_ENABLE,
			  one_in(4) ? (unsigned long)rnd() : 0UL) == 0)
			nr_enabled++;
	} else {
		ioctl(fd, VMPROF_IOC_DISABLE,
		      one_in(4) ? (unsigned long)rnd() : 0UL);
	}
}

static void op_info(void)
{
	static __thread union {
		struct vmprof_info info;
		unsigned char b[PAGE];
	} u;
	int fd = take_fd();

	if (fd < 0)
		return;
	for (size_t i = 0; i < 64; i++)
		u.b[i] = rnd();
	u.info.size = one_in(2) ? sizeof(u.info) : (uint32_t)value();
	ioctl(fd, VMPROF_IOC_GET_INFO, pick_ptr(&u, sizeof(u.info)));
}

static void op_stats(void)
{
	static __thread struct vmprof_exit_stat exits[512];
	static __thread union {
		struct vmprof_stats st;
		unsigned char b[256];
	} u;
	int fd = take_fd();

	if (fd < 0)
		return;
	memset(&u, 0, sizeof(u));
	if (one_in(4))
		for (size_t i = 0; i < sizeof(u.st); i++)
			u.b[i] = rnd();
	u.st.size = one_in(3) ? (uint32_t)value() : sizeof(u.st);
	u.st.exits_cap = one_in(2) ? below(513) : (uint32_t)value();
	u.st.exits = (uintptr_t)pick_ptr(exits, sizeof(exits[0]) *
					 (u.st.exits_cap % 512));
	ioctl(fd, VMPROF_IOC_GET_STATS, pick_ptr(&u, sizeof(u.st)));
}

/* Every command number, known or not, with random arguments. */
static void op_raw_ioctl(void)
{
	static const unsigned long known[] = {
		VMPROF_IOC_GET_VERSION, VMPROF_IOC_ATTACH, VMPROF_IOC_ENABLE,
		VMPROF_IOC_DISABLE, VMPROF_IOC_GET_INFO, VMPROF_IOC_GET_STATS,
		VMPROF_IOC_GUEST_READ,
	};
	static __thread unsigned char buf[PAGE];
	unsigned long cmd;
	int fd = take_fd();

	if (fd < 0)
		return;
	for (size_t i = 0; i < 256; i++)
		buf[i] = rnd();
	switch (below(5)) {
	case 0:
		cmd = known[below(7)];
		break;
	case 1:	/* our magic, another number, direction or size */
		cmd = _IOC(below(4), VMPROF_IOC_MAGIC, below(16), below(512));
		break;
	case 2: {	/* foreign magics: KVM's, perf's, tty's */
		static const int magic[] = { 0xAE, '$', 'T', 'X' };
		int m = magic[below(4)];

		cmd = _IOC(below(4), m, below(256), below(256));
		break;
	}
	case 3:	/* a known command with a mangled size field */
		cmd = (known[below(7)] & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      ((below(1 << 14)) << _IOC_SIZESHIFT);
		break;
	default:
		cmd = (unsigned int)rnd();
		break;
	}
	ioctl(fd, cmd, one_in(2) ? (void *)buf : pick_ptr(buf, 256));
}

/*
 * Guest memory: any op, flags, address, page-table root and length, the
 * guests given with -p and other PIDs.  A search of all guest memory is
 * rare: it is the slow one.
 */
static void op_guest_read(void)
{
	static __thread union {
		struct vmprof_guest_read r;
		unsigned char b[256];
	} u;
	static __thread unsigned char buf[1 << 16];
	int fd = take_fd();

	if (fd < 0)
		return;
	memset(&u, 0, sizeof(u));
	u.r.size = one_in(4) ? (uint32_t)value() : sizeof(u.r);
	u.r.op = one_in(8) ? VMPROF_GUEST_FIND_PAGE :
		 one_in(4) ? (uint32_t)value() : 1 + below(2);
	u.r.pid = pick_pid();
	u.r.flags = one_in(4) ? (uint32_t)rnd() : below(2);
	u.r.addr = value();
	u.r.cr3 = one_in(2) ? value() : below(1 << 20) << 12;
	u.r.len = one_in(4) ? (uint32_t)value() : below(sizeof(buf)) + 1;
	if (u.r.op == VMPROF_GUEST_FIND_PAGE)
		u.r.len = one_in(4) ? (uint32_t)value() : 1 + below(64);
	u.r.buf = (uintptr_t)pick_ptr(buf, u.r.len < sizeof(buf) ?
				      u.r.len : sizeof(buf));
	if (u.r.len > sizeof(buf) && u.r.buf == (uintptr_t)buf)
		u.r.len = sizeof(buf);
	if (one_in(8))
		u.r.reserved[below(2)] = rnd();
	ioctl(fd, VMPROF_IOC_GUEST_READ, pick_ptr(&u, sizeof(u.r)));
}

/* Own a slot's mapping, or NULL if it has none or another thread has it. */
static uintptr_t take_map(int i, size_t *len)
{
	uintptr_t a = atomic_load(&maps[i].addr);

	if (a <= MAP_BUSY ||
	    !atomic_compare_exchange_strong(&maps[i].addr, &a, MAP_BUSY))
		return 0;
	*len = maps[i].len;
	return a;
}

/* Give a mapping to a slot; whatever the slot held is unmapped. */
static void add_map(void *a, size_t len)
{
	int i = below(MAPS);
	uintptr_t old = atomic_load(&maps[i].addr);
	size_t old_len;

	if (old == MAP_BUSY ||
	    !atomic_compare_exchange_strong(&maps[i].addr, &old, MAP_BUSY)) {
		munmap(a, len);
		return;
	}
	old_len = maps[i].len;
	maps[i].len = len;
	atomic_store(&maps[i].addr, (uintptr_t)a);
	if (old)
		munmap((void *)old, old_len);
}

/* Put back a mapping taken with take_map() into its own slot. */
static void put_map(int i, uintptr_t a, size_t len)
{
	maps[i].len = len;
	atomic_store(&maps[i].addr, a);
}

static void op_mmap(void)
{
	struct vmprof_info info = { .size = sizeof(info) };
	int fd = take_fd(), prot, flags;
	size_t len;
	off_t off = 0;
	void *a;

	if (fd < 0)
		return;
	if (ioctl(fd, VMPROF_IOC_GET_INFO, &info))
		info.mmap_size = PAGE * (1 + below(64));
	len = info.mmap_size;
	if (one_in(3)) {
		static const long d[] = { -8192, -4096, -1, 1, 4096, 8192 };

		len += d[below(6)];
	}
	if (one_in(10))
		len = one_in(2) ? 0 : value();
	if (one_in(5))
		off = one_in(2) ? (off_t)(PAGE * below(8)) : (off_t)(value() & ~(PAGE - 1));
	prot = below(3) ? PROT_READ | PROT_WRITE : below(8);
	flags = below(4) ? MAP_SHARED : MAP_PRIVATE;
	if (one_in(8))
		flags |= MAP_POPULATE;
	if (one_in(8))
		flags |= MAP_LOCKED;
	a = mmap(NULL, len, prot, flags, fd, off);
	if (a != MAP_FAILED) {
		nr_mapped++;
		add_map(a, len);
	}
}

static void op_unmap(void)
{
	int i = below(MAPS);
	size_t len;
	uintptr_t a = take_map(i, &len);

	if (!a)
		return;
	switch (below(5)) {
	case 0:	/* keep only the first page: the session lives on */
		if (len > 2 * PAGE) {
			munmap((void *)(a + PAGE), len - PAGE);
			put_map(i, a, PAGE);
			return;
		}
		break;
	case 1: {	/* grow (refused) or move */
		size_t n_len = one_in(2) ? len + PAGE : len;
		void *n = mremap((void *)a, len, n_len, MREMAP_MAYMOVE);

		if (n != MAP_FAILED) {
			put_map(i, (uintptr_t)n, n_len);
			return;
		}
		break;
	}
	case 2:
		mprotect((void *)a, len, below(8));
		put_map(i, a, len);
		return;
	case 3: {
		static const int adv[] = {
			MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WILLNEED,
			MADV_REMOVE, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
		};

		madvise((void *)a, len, adv[below(8)]);
		put_map(i, a, len);
		return;
	}
	}
	munmap((void *)a, len);
	put_map(i, 0, 0);
}

/* Garbage into a control page, or a reader that consumes for real. */
static void op_scribble(void)
{
	int i = below(MAPS);
	size_t len;
	uintptr_t a = take_map(i, &len);
	struct vmprof_ring_ctl *ctl;

	if (!a)
		return;
	if (len < PAGE) {
		put_map(i, a, len);
		return;
	}
	/* Control pages are at multiples of the stride; any page will do. */
	ctl = (void *)(a + PAGE * below(len / PAGE));
	fault_armed = 1;
	if (sigsetjmp(fault_jmp, 1)) {
		fault_armed = 0;
		nr_faults++;
		put_map(i, a, len);
		return;
	}
	switch (below(6)) {
	case 0:
		ctl->data_tail = value();
		break;
	case 1:
		ctl->data_head = value();
		break;
	case 2:	/* behind head, by more than the ring holds */
		ctl->data_tail = ctl->data_head - ctl->data_size - 8 * below(4);
		break;
	case 3:	/* a proper reader */
		__atomic_store_n(&ctl->data_tail,
				 __atomic_load_n(&ctl->data_head, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		break;
	case 4:
		ctl->data_size = value();
		ctl->data_offset = value();
		ctl->lost = value();
		ctl->written = value();
		break;
	default:
		memset(ctl, (int)rnd(), PAGE);
		break;
	}
	fault_armed = 0;
	nr_scribbles++;
	put_map(i, a, len);
}

static void op_misc(void)
{
	char buf[64];
	int fd = take_fd();

	if (fd < 0)
		return;
	switch (below(4)) {
	case 0: {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		poll(&p, 1, below(3));
		break;
	}
	case 1:
		if (read(fd, buf, sizeof(buf)) < 0)
			break;
		break;
	case 2:
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
		break;
	default:
		lseek(fd, value(), SEEK_SET);
		break;
	}
}

static void one_op(void);

/*
 * A child that works on what it inherited for a moment.  No malloc, no
 * stdio: another thread may have held their locks at fork().
 */
static void op_fork(void)
{
	pid_t p;
	int i;

	/* At most one child every 20 ms per thread: no fork bomb. */
	if (is_child || now() < next_fork)
		return;
	next_fork = now() + 0.02;
	p = fork();
	if (p == 0) {
		is_child = 1;
		rng ^= (uint64_t)getpid() << 32;
		for (i = 0; i < 200; i++)
			one_op();
		_exit(0);
	}
	if (p > 0)
		nr_forks++;
}

static void one_op(void)
{
	nr_ops++;
	switch (below(20)) {
	case 0:
	case 1:
		op_open();
		break;
	case 2:
		op_close();
		break;
	case 3:
		op_dup();
		break;
	case 4:
	case 5:
	case 6:
		op_attach();
		break;
	case 7:
	case 8:
		op_enable();
		break;
	case 9:
		op_info();
		break;
	case 10:
		op_stats();
		break;
	case 11:
		op_raw_ioctl();
		break;
	case 12:
		op_guest_read();
		break;
	case 13:
	case 14:
		op_mmap();
		break;
	case 15:
		op_unmap();
		break;
	case 16:
	case 17:
		op_scribble();
		break;
	case 18:
		op_misc();
		break;
	default:
		op_fork();
		break;
	}
}

static void *worker(void *arg)
{
	rng = (uint64_t)(uintptr_t)arg;
	while (!deadline_hit) {
		int i;

		for (i = 0; i < 64; i++)
			one_op();
		if (now() >= t_end)
			deadline_hit = 1;
	}
	return NULL;
}

/*
 * A well-formed session on the first guest while the fuzzer runs: it must
 * attach, map and see the ring control page consistent.  Returns 0 if so.
 */
static int sanity(int pid)
{
	struct vmprof_attach at = {
		.size = sizeof(at), .pid = pid, .mode = VMPROF_MODE_CPU_SWITCH,
		.event = VMPROF_EVENT_CPU_CLOCK, .flags = VMPROF_ATTACH_FREQ,
		.sample = 1000,
	};
	struct vmprof_info info = { .size = sizeof(info) };
	struct vmprof_ring_ctl *ctl;
	int fd = open(VMPROF_DEVICE_PATH, O_RDWR | O_CLOEXEC), ret = -1;
	void *m;

	if (fd < 0)
		return -1;
	if (ioctl(fd, VMPROF_IOC_ATTACH, &at) ||
	    ioctl(fd, VMPROF_IOC_GET_INFO, &info))
		goto out;
	m = mmap(NULL, info.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		goto out;
	ctl = m;
	if (ioctl(fd, VMPROF_IOC_ENABLE, 0) == 0 &&
	    ctl->data_size == info.ring_pages * PAGE &&
	    ctl->data_offset == PAGE && ctl->data_head <= ctl->data_size)
		ret = 0;
	munmap(m, info.mmap_size);
out:
	close(fd);
	return ret;
}

/* Thread ids of the guests, PIDs that are not processes. */
static void add_tids(int pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)) && nr_pids < MAX_PIDS)
		if (d->d_name[0] != '.' && atoi(d->d_name) != pid)
			pids[nr_pids++] = atoi(d->d_name);
	closedir(dir);
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	uint64_t seed = 0;
	double seconds = 10, next_sanity;
	int c, i, nthreads = 2, first = 0, bad = 0, nguests;
	struct sigaction sa;

	while ((c = getopt(argc, argv, "p:s:t:j:")) != -1) {
		switch (c) {
		case 'p':
			if (nr_pids < MAX_PIDS)
				pids[nr_pids++] = atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'j':
			nthreads = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: ioctl-fuzz -p PID [-p PID...] [-s SEED] [-t SECONDS] [-j THREADS]\n");
			return 64;
		}
	}
	if (!nr_pids || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: ioctl-fuzz -p PID [-p PID...] [-s SEED] [-t SECONDS] [-j THREADS]\n");
		return 64;
	}
	if (!seed)
		seed = ((uint64_t)time(NULL) << 20) ^ getpid();
	printf("seed=%llu\n", (unsigned long long)seed);
	fflush(stdout);
	first = pids[0];
	nguests = nr_pids;
	for (i = 0; i < nguests; i++)
		add_tids(pids[i]);

	for (i = 0; i < POOL; i++)
		pool[i] = -1;
	noaccess = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	rdonly = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (noaccess == MAP_FAILED || rdonly == MAP_FAILED ||
	    edge == MAP_FAILED) {
		perror("ioctl-fuzz: mmap");
		return 1;
	}
	munmap((char *)edge + PAGE, PAGE);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Children are reaped automatically. */
	signal(SIGCHLD, SIG_IGN);

	t_end = now() + seconds;
	next_sanity = now() + 2;
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker,
			       (void *)(uintptr_t)(seed * (i + 1) | 1));
	while (!deadline_hit) {
		usleep(100000);
		if (now() >= t_end)
			deadline_hit = 1;
		if (now() >= next_sanity) {
			next_sanity = now() + 3;
			if (kill(first, 0) == 0 && sanity(first)) {
				printf("FAIL: fuzz: a well-formed session on pid %d failed meanwhile: %s\n",
				       first, strerror(errno));
				bad = 1;
			}
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < POOL; i++)
		if (pool[i] >= 0)
			close(pool[i]);
	for (i = 0; i < MAPS; i++)
		if (maps[i].addr > MAP_BUSY)
			munmap((void *)maps[i].addr, maps[i].len);
	printf("ops=%lu forks=%lu attached=%lu enabled=%lu mapped=%lu scribbles=%lu user_faults=%lu\n",
	       nr_ops, nr_forks, nr_attached, nr_enabled, nr_mapped,
	       nr_scribbles, nr_faults);
	return bad;
}
