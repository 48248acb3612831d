// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof-probe: the lab's low-level client of /dev/vmprof.  It attaches,
 * reads every ring for a while and prints what arrived as key=value lines,
 * so that shell tests can check the module's samples against a guest whose
 * code addresses are known.  It is deliberately independent of the vmprof
 * tool: a bug in one should not hide a bug in the other.
 *
 * usage: vmprof-probe [-m cpu|domain|system] [-p PID] [-d SECONDS]
 *                     [-F HZ | -c PERIOD] [-r LO:HI] [-i IO_RIP]
 *                     [-P RING_PAGES] [-T PID] [-C CR3] [-s] [-D]
 *                     [-G CUR:PID:TGID:COMM] [-R GVA:LEN[:5]] [-W SECONDS]
 *   -T  the VMM pid guest samples should carry (system-wide)
 *   -C  the guest CR3 guest samples should carry (cr3_match counts them)
 *   -G  VMPROF_ATTACH_GUEST_TASK: the %gs-relative current task and the
 *       offsets of task_struct's pid, tgid and comm (kvm-run -L prints
 *       them); prints the guest tasks the samples carried ("gtask" lines)
 *       and the GUEST_TASK records ("gtask_record" lines)
 *   -R  at the end, read LEN bytes at guest-virtual GVA through the CR3
 *       of the last guest sample (5-level with ":5"): VMPROF_IOC_GUEST_READ
 *       ("read_done=N read=TEXT", TEXT up to its first NUL)
 *   -s  never read until the end: let the rings overflow
 *   -D  VMPROF_ATTACH_DRY_RUN: the benchmark floor (bench/lab-bench.sh)
 *   -W  between attaching ("attached=1") and enabling, wait until the
 *       file PATH exists (up to 60 s): the test decides when the
 *       session starts, however slow the machine
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <vmprof.h>

#define SVM_EXIT_IOIO		0x7b
#define VMX_EXIT_IO_INSTRUCTION	30

struct probe {
	uint64_t lo, hi, io_rip;
	uint64_t samples, lost_records, ctx[8];
	uint64_t in_range, out_range, exit_samples, exit_io_at_rip;
	uint64_t exit_io_other_rip, pid_match, bad_records;
	uint64_t cr3, cr3_match, other_cr3;
	uint32_t pid;
	uint32_t vcpus[64];
	uint32_t isa;
	uint64_t out_rips[4];	/* the first distinct ones, for a failure */
	/* -G: samples per guest tid, and the GUEST_TASK records */
	uint64_t gtask_samples, gtask_none, last_cr3;
	struct { uint32_t tid, pid; uint64_t n; } gtask[64];
	struct { uint32_t tid, pid, vcpu; char comm[16]; } grec[64];
	unsigned int nr_gtask, nr_grec;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note_out_of_range(struct probe *p, uint64_t rip)
{
	unsigned int i;

	p->out_range++;
	for (i = 0; i < 4 && p->out_rips[i] != rip; i++) {
		if (!p->out_rips[i]) {
			p->out_rips[i] = rip;
			break;
		}
	}
}

static void on_guest_task(struct probe *p, const struct vmprof_sample *s)
{
	unsigned int i;

	if (!(s->flags & VMPROF_SAMPLE_GUEST_TASK)) {
		p->gtask_none++;
		return;
	}
	p->gtask_samples++;
	for (i = 0; i < p->nr_gtask; i++)
		if (p->gtask[i].tid == s->guest_tid &&
		    p->gtask[i].pid == s->guest_pid)
			break;
	if (i == p->nr_gtask) {
		if (i == 64)
			return;
		p->gtask[i].tid = s->guest_tid;
		p->gtask[i].pid = s->guest_pid;
		p->nr_gtask++;
	}
	p->gtask[i].n++;
}

static void on_guest_task_record(struct probe *p,
				 const struct vmprof_guest_task *t)
{
	unsigned int i;

	for (i = 0; i < p->nr_grec; i++)
		if (p->grec[i].tid == t->tid && p->grec[i].pid == t->pid &&
		    !memcmp(p->grec[i].comm, t->comm, 16))
			return;
	if (i == 64)
		return;
	p->grec[i].tid = t->tid;
	p->grec[i].pid = t->pid;
	p->grec[i].vcpu = t->vcpu;
	memcpy(p->grec[i].comm, t->comm, 16);
	p->nr_grec++;
}

static void on_sample(struct probe *p, const struct vmprof_sample *s)
{
	uint32_t io = p->isa == VMPROF_ISA_SVM ? SVM_EXIT_IOIO :
						 VMX_EXIT_IO_INSTRUCTION;

	p->samples++;
	if (s->context < 8)
		p->ctx[s->context]++;
	if (s->pid == p->pid)
		p->pid_match++;
	if (s->vcpu < 64)
		p->vcpus[s->vcpu]++;
	if (s->context == VMPROF_CTX_GUEST_KERNEL ||
	    s->context == VMPROF_CTX_GUEST_USER) {
		if (s->guest_rip >= p->lo && s->guest_rip < p->hi)
			p->in_range++;
		else
			note_out_of_range(p, s->guest_rip);
		if (s->guest_cr3 == p->cr3)
			p->cr3_match++;
		else
			p->other_cr3 = s->guest_cr3;
		p->last_cr3 = s->guest_cr3;
		on_guest_task(p, s);
	}
	if (s->flags & VMPROF_SAMPLE_EXIT) {
		p->exit_samples++;
		if (s->exit_reason == io && s->exit_guest_rip == p->io_rip)
			p->exit_io_at_rip++;
		else if (s->exit_reason == io)
			p->exit_io_other_rip++;
	}
}

/* Consume one ring; the protocol of include/vmprof.h. */
static void drain(struct probe *p, struct vmprof_ring_ctl *ctl)
{
	const uint8_t *data = (const uint8_t *)ctl + ctl->data_offset;
	uint64_t mask = ctl->data_size - 1;
	uint64_t head = __atomic_load_n(&ctl->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = ctl->data_tail;
	union {
		struct vmprof_record_header h;
		struct vmprof_sample s;
		struct vmprof_lost l;
		struct vmprof_guest_task g;
		uint8_t b[65536];
	} rec;

	while (tail < head) {
		uint64_t i, size;

		for (i = 0; i < sizeof(rec.h); i++)
			rec.b[i] = data[(tail + i) & mask];
		size = rec.h.size;
		if (size < sizeof(rec.h) || size % 8 || tail + size > head) {
			p->bad_records++;
			tail = head;
			break;
		}
		for (i = 0; i < size; i++)
			rec.b[i] = data[(tail + i) & mask];
		if (rec.h.type == VMPROF_RECORD_SAMPLE &&
		    size >= sizeof(rec.s))
			on_sample(p, &rec.s);
		else if (rec.h.type == VMPROF_RECORD_LOST)
			p->lost_records += rec.l.lost;
		else if (rec.h.type == VMPROF_RECORD_GUEST_TASK &&
			 size >= sizeof(rec.g))
			on_guest_task_record(p, &rec.g);
		tail += size;
	}
	__atomic_store_n(&ctl->data_tail, tail, __ATOMIC_RELEASE);
}

static int mode_of(const char *s)
{
	if (!strcmp(s, "cpu"))
		return VMPROF_MODE_CPU_SWITCH;
	if (!strcmp(s, "domain"))
		return VMPROF_MODE_DOMAIN_SWITCH;
	if (!strcmp(s, "system"))
		return VMPROF_MODE_SYSTEM;
	fprintf(stderr, "vmprof-probe: bad mode %s\n", s);
	exit(64);
}

int main(int argc, char **argv)
{
	struct vmprof_attach at = {
		.size = sizeof(at), .pid = -1, .mode = VMPROF_MODE_CPU_SWITCH,
		.event = VMPROF_EVENT_CPU_CLOCK, .flags = VMPROF_ATTACH_FREQ,
		.sample = 1000,
	};
	struct vmprof_info info = { .size = sizeof(info) };
	struct vmprof_exit_stat exits[512];
	struct vmprof_stats st = { .size = sizeof(st) };
	struct probe p = { 0 };
	double secs = 2, end;
	const char *start_file = NULL;
	int c, fd, stall = 0, la57 = 0;
	uint64_t read_gva = 0;
	uint32_t read_len = 0;
	uint32_t i, n;
	uint8_t *map;

	while ((c = getopt(argc, argv, "m:p:d:F:c:r:i:P:T:C:sDG:R:W:")) != -1) {
		switch (c) {
		case 'm': at.mode = mode_of(optarg); break;
		case 'p': at.pid = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'W': start_file = optarg; break;
		case 'F': at.sample = strtoull(optarg, NULL, 0); break;
		case 'c': at.sample = strtoull(optarg, NULL, 0);
			  at.flags &= ~VMPROF_ATTACH_FREQ; break;
		case 'r': sscanf(optarg, "%lx:%lx", &p.lo, &p.hi); break;
		case 'i': p.io_rip = strtoull(optarg, NULL, 0); break;
		case 'P': at.ring_pages = atoi(optarg); break;
		case 'T': p.pid = atoi(optarg); break;
		case 'C': p.cr3 = strtoull(optarg, NULL, 0); break;
		case 's': stall = 1; break;
		case 'D': at.flags |= VMPROF_ATTACH_DRY_RUN; break;
		case 'G':
			at.flags |= VMPROF_ATTACH_GUEST_TASK;
			/* offsets of task_struct's pid (the tid), tgid, comm */
			if (sscanf(optarg, "%llx:%u:%u:%u",
				   (unsigned long long *)&at.guest_current_task,
				   &at.guest_task_pid, &at.guest_task_tgid,
				   &at.guest_task_comm) != 4)
				return 64;
			break;
		case 'R':
			if (sscanf(optarg, "%lx:%u:%d", &read_gva, &read_len,
				   &la57) < 2 || read_len > 4096)
				return 64;
			la57 = la57 == 5;
			break;
		default: return 64;
		}
	}
	if (!p.pid)
		p.pid = at.pid;
	fd = open(VMPROF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, VMPROF_IOC_ATTACH, &at) ||
	    ioctl(fd, VMPROF_IOC_GET_INFO, &info)) {
		printf("error=%s\n", strerror(errno));
		return 1;
	}
	p.isa = info.isa;
	map = mmap(NULL, info.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (start_file) {
		struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
		double give_up = now() + 60;

		printf("attached=1\n");
		fflush(stdout);
		while (access(start_file, F_OK) && now() < give_up)
			nanosleep(&tick, NULL);
	}
	if (map == MAP_FAILED || ioctl(fd, VMPROF_IOC_ENABLE, 0)) {
		printf("error=%s\n", strerror(errno));
		return 1;
	}
	/* Tests wait for this line before they hurt the session. */
	printf("enabled=1\n");
	fflush(stdout);
	end = now() + secs;
	while (now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		if (pfd.revents & POLLHUP)
			printf("hup=1\n");
		if (pfd.revents & POLLHUP)
			break;
		for (i = 0; i < info.nr_rings && !stall; i++)
			drain(&p, (void *)(map + i * info.ring_stride));
	}
	ioctl(fd, VMPROF_IOC_DISABLE, 0);
	for (i = 0; i < info.nr_rings; i++)
		drain(&p, (void *)(map + i * info.ring_stride));
	st.exits = (uintptr_t)exits;
	st.exits_cap = 512;
	if (ioctl(fd, VMPROF_IOC_GET_STATS, &st)) {
		printf("error=%s\n", strerror(errno));
		return 1;
	}
	ioctl(fd, VMPROF_IOC_GET_INFO, &info);

	printf("samples=%lu lost_records=%lu bad_records=%lu\n", p.samples,
	       p.lost_records, p.bad_records);
	printf("stats_samples=%llu stats_lost=%llu filtered=%llu alive=%u nr_vcpus=%llu\n",
	       st.samples, st.lost, st.filtered, st.target_alive,
	       st.nr_vcpus);
	printf("guest_kernel=%lu guest_user=%lu vmm_kernel=%lu vmm_user=%lu host_kernel=%lu host_user=%lu\n",
	       p.ctx[1], p.ctx[2], p.ctx[3], p.ctx[4], p.ctx[5], p.ctx[6]);
	printf("in_range=%lu out_range=%lu pid_match=%lu\n", p.in_range,
	       p.out_range, p.pid_match);
	if (p.out_range)
		printf("out_rips=%#lx,%#lx,%#lx,%#lx\n", p.out_rips[0],
		       p.out_rips[1], p.out_rips[2], p.out_rips[3]);
	printf("cr3_match=%lu other_cr3=%#lx\n", p.cr3_match, p.other_cr3);
	printf("exit_samples=%lu exit_io_at_rip=%lu exit_io_other_rip=%lu\n",
	       p.exit_samples, p.exit_io_at_rip, p.exit_io_other_rip);
	for (i = 0, n = 0; i < 64; i++)
		n += !!p.vcpus[i];
	printf("sample_vcpus=%u isa=%u lstar=0x%llx\n", n, info.isa,
	       info.guest_lstar);
	for (i = 0; i < st.nr_exits && i < st.exits_cap; i++)
		printf("exit reason=0x%x count=%llu vmm_ns=%llu\n",
		       exits[i].reason, exits[i].count, exits[i].vmm_ns);
	if (at.flags & VMPROF_ATTACH_GUEST_TASK) {
		printf("gtask_samples=%lu gtask_none=%lu guest_unread=%llu info_flags=0x%x\n",
		       p.gtask_samples, p.gtask_none, st.guest_unread,
		       info.flags);
		for (i = 0; i < p.nr_gtask; i++)
			printf("gtask tid=%u pid=%u samples=%lu\n",
			       p.gtask[i].tid, p.gtask[i].pid, p.gtask[i].n);
		for (i = 0; i < p.nr_grec; i++)
			printf("gtask_record tid=%u pid=%u vcpu=%u comm=%.16s\n",
			       p.grec[i].tid, p.grec[i].pid, p.grec[i].vcpu,
			       p.grec[i].comm);
	}
	if (read_len) {
		char buf[4097] = "";
		struct vmprof_guest_read r = {
			.size = sizeof(r), .op = VMPROF_GUEST_READ_VIRT,
			.pid = at.pid, .flags = la57 ? VMPROF_GUEST_READ_LA57 : 0,
			.addr = read_gva, .cr3 = p.last_cr3,
			.buf = (uintptr_t)buf, .len = read_len,
		};

		if (ioctl(fd, VMPROF_IOC_GUEST_READ, &r))
			printf("read_error=%s cr3=%#lx\n", strerror(errno),
			       p.last_cr3);
		else
			printf("read_done=%u cr3=%#lx read=%s\n", r.done,
			       p.last_cr3, buf);
	}
	munmap(map, info.mmap_size);
	close(fd);
	return 0;
}
