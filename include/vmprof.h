/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmprof user/kernel ABI.  This header is the specification.
 *
 * vmprof profiles one KVM virtual machine from the host, chosen by the PID
 * of the QEMU (or other VMM) process that owns it, or the whole host.
 *
 * A session is one open file description of /dev/vmprof.  Opening needs
 * CAP_PERFMON or CAP_SYS_ADMIN (-EPERM otherwise).  A session goes through:
 *
 *   open -> VMPROF_IOC_ATTACH -> mmap -> VMPROF_IOC_ENABLE
 *        -> read samples from the rings, poll() for more
 *        -> VMPROF_IOC_DISABLE -> VMPROF_IOC_GET_STATS -> close
 *
 * Closing the file ends the session at any point; nothing else is needed.
 * A session never keeps the VM alive: if the VMM exits, the session stays
 * readable, poll() reports EPOLLHUP (and wakes its waiters, ABI 1.3), and
 * VMPROF_IOC_GET_STATS reports target_alive = 0.  Pids and tids in samples
 * are those of the pid namespace of the process that opened the session
 * (ABI 1.3; 0 for a task that namespace cannot see), as in perf.
 *
 * Structs passed through ioctls follow the extensible-struct rule of
 * perf_event_attr and clone3: the first field is the caller's sizeof(),
 * older (smaller) structs are accepted and zero-extended, newer (larger)
 * ones are accepted if every byte the kernel does not know is zero
 * (-E2BIG otherwise).  Every field named reserved must be zero (-EINVAL).
 * Unknown ioctl commands fail with -ENOTTY.  All fields are fixed-size and
 * naturally aligned, so 32-bit callers use the same layout.
 *
 * ioctls
 * ------
 * VMPROF_IOC_GET_VERSION  out: struct vmprof_version.
 *     Always succeeds.  A tool that finds a different abi_major must stop.
 *
 * VMPROF_IOC_ATTACH       in: struct vmprof_attach.
 *     Chooses what to profile and allocates the rings.  Events are created
 *     disabled.  Errors:
 *       -EBUSY      the session is already attached
 *       -EINVAL     bad mode, event, flags, ring_pages (not a power of two
 *                   or above VMPROF_RING_PAGES_MAX), sample of 0, or a
 *                   reserved field set; pid given with VMPROF_MODE_SYSTEM
 *       -E2BIG      size larger than known with non-zero tail
 *       -ESRCH      no process with that pid
 *       -ENODEV     the process exists but owns no KVM VM
 *       -EACCES     the caller may not ptrace the process (the same rule
 *                   as perf: same uids and a dumpable target, or
 *                   CAP_SYS_PTRACE)
 *       -ENOENT     the event needs a hardware PMU and there is none
 *                   (the caller may retry with VMPROF_EVENT_CPU_CLOCK)
 *       -EOPNOTSUPP the hardware PMU is there, but perf refuses events
 *                   that count guest execution: a VM on this host uses
 *                   KVM's mediated vPMU (Linux 7.x, kvm_amd or kvm_intel
 *                   enable_mediated_pmu=Y).  VMPROF_EVENT_CPU_CLOCK works.
 *       -ENXIO      (ABI 1.3) guest registers cannot be read on this host:
 *                   VMREAD failed in a vCPU's exit, as it does where KVM
 *                   runs on Hyper-V with its enlightened VMCS (kvm_intel
 *                   enlightened_vmcs=Y); see VMPROF_INFO_GUEST_UNREADABLE
 *       -EPERM      (ABI 1.3) the rings would take the caller's user past
 *                   its locked-memory allowance, as perf's buffers would
 *                   (module parameter ring_mlock_kb per CPU, like
 *                   perf_event_mlock_kb, plus RLIMIT_MEMLOCK), and the
 *                   caller lacks CAP_IPC_LOCK
 *       -EINVAL     (ABI 1.3) also a frequency above the host's
 *                   kernel.perf_event_max_sample_rate, as perf refuses it
 *       -ENOMEM     out of memory
 *       -EPERM      VMPROF_ATTACH_GUEST_TASK (1.2) or
 *                   VMPROF_ATTACH_GUEST_STACK (1.4) without CAP_SYS_ADMIN
 *     A tool built for ABI 1.2 passes the VER1 size, for 1.4 the VER2
 *     size; an older module answers -E2BIG if fields it does not know
 *     are set.
 *
 * VMPROF_IOC_ENABLE / VMPROF_IOC_DISABLE   argument 0:
 *     ioctl(fd, VMPROF_IOC_ENABLE, 0).
 *     Start and stop sampling.  -EINVAL if not attached, or (ABI 1.3) if
 *     the argument is not 0 (a call without one passes whatever is in
 *     its register).  Idempotent.  ENABLE takes the snapshot that exit
 *     statistics are counted from.
 *
 * VMPROF_IOC_GET_INFO     out: struct vmprof_info (size set by caller).
 *     What the session profiles and how to map its rings.  -EINVAL if not
 *     attached.
 *
 * VMPROF_IOC_GET_STATS    in/out: struct vmprof_stats.
 *     Totals since ENABLE and per-exit-reason statistics.  The caller sets
 *     exits to an array of exits_cap struct vmprof_exit_stat; the kernel
 *     fills at most exits_cap entries and sets nr_exits to the number it
 *     has, so a caller whose array was too small can retry.  -EFAULT for a
 *     bad pointer, -EINVAL if not attached.
 *
 * VMPROF_IOC_GUEST_READ   in/out: struct vmprof_guest_read (ABI 1.2).
 *     Reads the memory of the guest of VMM process pid, in the caller's
 *     context (a session need not be attached).  This reads what the
 *     tenant has in its VM: it needs CAP_SYS_ADMIN and, as ATTACH, the
 *     right to ptrace the VMM.  Nothing in the guest or the VMM changes:
 *     no page is faulted in, no accessed or dirty bit is set; a page the
 *     VMM has not got in memory reads as unreadable.  Operations:
 *       VMPROF_GUEST_READ_PHYS  len bytes at guest-physical addr
 *       VMPROF_GUEST_READ_VIRT  len bytes at guest-virtual addr, through
 *                               the guest page tables rooted at the
 *                               guest-physical cr3 (4-level paging, or
 *                               5-level with VMPROF_GUEST_READ_LA57;
 *                               2 MiB and 1 GiB pages)
 *       VMPROF_GUEST_FIND_PAGE  the first page-aligned guest-physical
 *                               address at or after addr whose first len
 *                               bytes (at most 64) equal the first len
 *                               bytes of buf where the second len bytes
 *                               of buf (a mask) have bits set; found is
 *                               that address or ~0, next where to go on
 *                               (~0 when all guest memory was searched)
 *     Reads go into buf and stop at the first page that cannot be read;
 *     done says how many bytes were read.  len is at most
 *     VMPROF_GUEST_READ_MAX.  Errors:
 *       -EPERM      no CAP_SYS_ADMIN
 *       -ESRCH, -EACCES, -ENODEV   as ATTACH
 *       -EIO        the guest's memory is encrypted (SEV, SEV-ES, SEV-SNP,
 *                   TDX): the host cannot read it
 *       -EINVAL     bad op, flags, len or a reserved field set
 *       -EFAULT     bad buf
 *
 * mmap
 * ----
 * After ATTACH, mmap(NULL, info.mmap_size, PROT_READ | PROT_WRITE,
 * MAP_SHARED, fd, 0) maps info.nr_rings rings back to back, ring i for
 * host CPU i, each info.ring_stride bytes: one struct vmprof_ring_ctl page
 * followed by info.ring_pages data pages.  Any other length or offset
 * fails with -EINVAL, and so does a private (MAP_PRIVATE) mapping; mmap
 * before ATTACH fails with -EINVAL.
 *
 * Ring protocol (single producer per ring, the kernel; single consumer):
 *   head = load_acquire(&ctl->data_head);
 *   read records in [ctl->data_tail, head) at data[pos & (data_size - 1)];
 *     a record may wrap around the end of the data area;
 *   store_release(&ctl->data_tail, new_tail);
 * The kernel reads data_tail with acquire before writing and publishes
 * data_head with release after the record is complete.  A tail the kernel
 * cannot make sense of (ahead of head, or more than data_size behind) is
 * treated as a full ring: the kernel drops samples and counts them, it
 * never writes outside the data area.
 *
 * Records start with struct vmprof_record_header; size is the whole record
 * in bytes, a multiple of 8.  Readers skip types they do not know.
 * When a ring is full, samples are dropped and counted; the next record
 * that fits is preceded by a VMPROF_RECORD_LOST with the exact count.
 * ctl->lost is the running total of dropped samples on that ring.
 */
#ifndef _UAPI_VMPROF_H
#define _UAPI_VMPROF_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VMPROF_DEVICE_PATH	"/dev/vmprof"

#define VMPROF_ABI_MAJOR	1
/*
 * 1: VMPROF_INFO_MEDIATED_PMU, -EOPNOTSUPP
 * 2: guest tasks, VMPROF_IOC_GUEST_READ
 * 3: off-CPU time of exits (vmprof_stats.exits_offcpu), counters' enabled
 *    and running times, VMPROF_SAMPLE_WORKER, VMPROF_INFO_GUEST_UNREADABLE
 *    and -ENXIO, perf's limits (sample rate, locked memory), pids in the
 *    opener's namespace, EPOLLHUP wakes waiters, ENABLE and DISABLE take
 *    0 only, ioctl numbers whatever struct size they carry
 * 4: guest stacks (VMPROF_ATTACH_GUEST_STACK)
 */
#define VMPROF_ABI_MINOR	4

/*
 * Not listed in Documentation/userspace-api/ioctl/ioctl-number.rst (as of
 * 6.18: 0xB7 is nsfs's, 0xB8 mshv's, 0xBA liveupdate's), so strace and a
 * mistaken ioctl on another file never take ours for theirs.
 */
#define VMPROF_IOC_MAGIC	0xBD

struct vmprof_version {
	__u32 abi_major;
	__u32 abi_minor;
	char module_version[24];	/* NUL-terminated, e.g. "0.1.0" */
};

/* Accounting modes (the paper's names). */
#define VMPROF_MODE_CPU_SWITCH		1	/* only execution in the guest */
#define VMPROF_MODE_DOMAIN_SWITCH	2	/* guest plus VMM work for it */
#define VMPROF_MODE_SYSTEM		3	/* every CPU; guest samples tagged */

/* Events. */
#define VMPROF_EVENT_CYCLES		1	/* hardware PMU */
#define VMPROF_EVENT_INSTRUCTIONS	2	/* hardware PMU */
#define VMPROF_EVENT_CACHE_MISSES	3	/* hardware PMU */
#define VMPROF_EVENT_BRANCH_MISSES	4	/* hardware PMU */
#define VMPROF_EVENT_CPU_CLOCK		5	/* hrtimer; sample is in ns */

/* vmprof_attach.flags */
#define VMPROF_ATTACH_FREQ	(1U << 0)	/* sample is a frequency in Hz */
/*
 * Benchmark floor: the same events on every VMM thread at the same rate,
 * but no KVM hooks, and overflows are dropped on arrival.  Samples,
 * rings and statistics stay empty.  Not for system-wide mode.
 */
#define VMPROF_ATTACH_DRY_RUN	(1U << 1)
/*
 * ABI 1.2.  At each guest sample, read which guest task runs (its pid,
 * thread id and comm) from guest memory, with the guest_* fields of the
 * attach, which describe the guest kernel (the tool takes them from its
 * BTF and kallsyms).  Reading tenant memory needs CAP_SYS_ADMIN (-EPERM),
 * and is for a VM (-EINVAL with VMPROF_MODE_SYSTEM).  Guests whose memory
 * is encrypted are profiled as without it (VMPROF_INFO_GUEST_PROTECTED).
 */
#define VMPROF_ATTACH_GUEST_TASK (1U << 2)
/*
 * ABI 1.4.  At each guest sample, and at each VMM sample charged to the
 * guest instruction that exited (domain-switch), copy the guest's
 * registers (guest_regs) and a bounded copy of its stacks (at most
 * guest_stack_size bytes) into a VMPROF_RECORD_GUEST_STACK record right
 * before the sample, for call chains unwound in user space.  In guest
 * user mode the copy is of the user stack from RSP; in the guest kernel
 * of the stack RSP is on, up to its top, and from the interrupt stack on
 * to the interrupted task's stack (guest_top_of_stack and
 * guest_irq_stack_ptr say where those are; without them, bytes from RSP).
 * A copy also stops at the first page that cannot be read; nothing in
 * the guest changes.  This reads what the tenant has in its VM: it needs
 * CAP_SYS_ADMIN (-EPERM), and a VM (-EINVAL with VMPROF_MODE_SYSTEM).
 */
#define VMPROF_ATTACH_GUEST_STACK (1U << 3)

#define VMPROF_RING_PAGES_DEFAULT	64
#define VMPROF_RING_PAGES_MAX		4096

struct vmprof_attach {
	__u32 size;		/* sizeof(struct vmprof_attach) */
	__u32 flags;		/* VMPROF_ATTACH_* */
	__s32 pid;		/* VMM process id; -1 for VMPROF_MODE_SYSTEM */
	__u32 mode;		/* VMPROF_MODE_* */
	__u32 event;		/* VMPROF_EVENT_* */
	__u32 ring_pages;	/* data pages per ring, power of 2; 0: default */
	__u64 sample;		/* period (events, or ns) or frequency (Hz) */
	__u32 watermark;	/* wake poll() at this many bytes; 0: half */
	__u32 reserved0;
	__u64 reserved[4];
	/* VER1 (ABI 1.2), for VMPROF_ATTACH_GUEST_TASK; else zero. */
	__u64 guest_current_task; /* %gs-relative address of the guest's
				   * current task pointer (its per-CPU
				   * current_task, with KASLR applied) */
	__u32 guest_task_pid;	/* offsetof(struct task_struct, pid) */
	__u32 guest_task_tgid;	/* offsetof(struct task_struct, tgid) */
	__u32 guest_task_comm;	/* offsetof(struct task_struct, comm) */
	__u32 guest_reserved0;
	__u64 guest_reserved[2];
	/* VER2 (ABI 1.4), for VMPROF_ATTACH_GUEST_STACK; else zero. */
	__u64 guest_regs;	/* VMPROF_REG_* to copy: IP and SP at least,
				 * general registers, IP and FLAGS only */
	__u32 guest_stack_size;	/* bytes of stack per sample, a multiple of
				 * 8, at most VMPROF_STACK_SIZE_MAX */
	__u32 guest_thread_size; /* the guest kernel's stack size (THREAD_SIZE,
				  * of its interrupt stacks too), a power of
				  * 2 from 4 KiB to 64 KiB; 0: 16 KiB */
	__u64 guest_top_of_stack; /* %gs-relative address of the guest's
				   * per-CPU top of the running task's
				   * kernel stack (cpu_current_top_of_stack,
				   * pcpu_hot.top_of_stack), with KASLR
				   * applied; 0: unknown */
	__u64 guest_irq_stack_ptr; /* %gs-relative address of its per-CPU
				    * hardirq_stack_ptr; 0: unknown */
	__u64 guest_stack_reserved[2];
};
#define VMPROF_ATTACH_SIZE_VER0	72
#define VMPROF_ATTACH_SIZE_VER1	112
#define VMPROF_ATTACH_SIZE_VER2	160

#define VMPROF_STACK_SIZE_MAX	65280

/* vmprof_info.isa */
#define VMPROF_ISA_UNKNOWN	0
#define VMPROF_ISA_VMX		1	/* Intel VT-x: exit reasons are VMX basic reasons */
#define VMPROF_ISA_SVM		2	/* AMD-V: exit reasons are SVM exit codes */

/* vmprof_info.flags */
#define VMPROF_INFO_HW_PMU	(1U << 0)	/* the event counts on a hardware PMU */
#define VMPROF_INFO_LSTAR	(1U << 1)	/* guest_lstar has been seen */
/* The VM uses KVM's mediated vPMU: it owns the PMU while it runs. */
#define VMPROF_INFO_MEDIATED_PMU (1U << 2)
#define VMPROF_INFO_GUEST_TASK	(1U << 3)	/* guest tasks are read (1.2) */
/* The guest's state or memory is encrypted (SEV, SEV-ES, SEV-SNP, TDX):
 * no guest tasks, and VMPROF_IOC_GUEST_READ fails with -EIO (1.2). */
#define VMPROF_INFO_GUEST_PROTECTED (1U << 4)
/*
 * (ABI 1.3) Guest registers cannot be read on this host (VMREAD failed in
 * a vCPU's exit: KVM on Hyper-V with the enlightened VMCS): no guest
 * sample can be taken.  Also in vmprof_stats.flags, for a session that
 * attached before the module found out.
 */
#define VMPROF_INFO_GUEST_UNREADABLE (1U << 5)

struct vmprof_info {
	__u32 size;
	__u32 flags;		/* VMPROF_INFO_* */
	__s32 pid;		/* as attached; -1 for system-wide */
	__u32 mode;
	__u32 event;		/* the event actually counting */
	__u32 isa;		/* VMPROF_ISA_*, once a vCPU has run */
	__u32 nr_rings;		/* one per possible host CPU */
	__u32 ring_pages;	/* data pages per ring */
	__u64 ring_stride;	/* bytes from one ring to the next */
	__u64 mmap_size;	/* bytes to mmap at offset 0 */
	__u64 sample;		/* as attached */
	__u32 attach_flags;	/* as attached */
	__u32 nr_vcpus;		/* vCPUs seen so far */
	__u64 guest_lstar;	/* guest MSR_LSTAR: runtime entry_SYSCALL_64 */
	__u64 reserved[4];
};
#define VMPROF_INFO_SIZE_VER0	104

struct vmprof_exit_stat {
	__u32 reason;		/* raw exit code, see vmprof_info.isa */
	__u32 isa;		/* VMPROF_ISA_* of reason */
	__u64 count;		/* exits since ENABLE */
	__u64 vmm_ns;		/* time from those exits to the next entry */
};

struct vmprof_stats {
	__u32 size;
	__u32 exits_cap;	/* in: entries the exits array holds */
	__u64 exits;		/* in: user pointer to struct vmprof_exit_stat[] */
	__u32 nr_exits;		/* out: entries the kernel has */
	__u32 target_alive;	/* out: 1 while the VMM process lives */
	__u64 samples;		/* out: samples written to the rings */
	__u64 lost;		/* out: samples dropped on full rings */
	__u64 filtered;		/* out: samples outside the guest, not kept
				 * in cpu-switch mode with a software clock */
	__u64 nr_vcpus;		/* out: vCPUs seen */
	__u64 guest_unread;	/* out (1.2): guest samples whose task could
				 * not be read (VMPROF_ATTACH_GUEST_TASK) */
	__u64 reserved[3];
	/* ABI 1.3: */
	__u64 exits_offcpu;	/* in: user pointer to __u64[exits_cap], or 0:
				 * for each entry of exits, the part of its
				 * vmm_ns the vCPU's thread spent off its CPU
				 * (halted, preempted, blocked in user space);
				 * the rest is the VMM's work on the CPU */
	__u64 time_enabled;	/* out: ns the session's counters were
				 * enabled (and their threads on a CPU),
				 * summed over its counters */
	__u64 time_running;	/* out: ns they counted; below time_enabled
				 * when perf multiplexed them (more events
				 * than counters: a vPMU, the NMI watchdog),
				 * and samples stand for that part only */
	__u32 flags;		/* out: VMPROF_INFO_GUEST_UNREADABLE */
	__u32 missed_threads;	/* out: threads of the VMM that started while
				 * attached and are not profiled (more at once
				 * than the module notes between two runs of
				 * its work item) */
};
#define VMPROF_STATS_SIZE_VER0	88
#define VMPROF_STATS_SIZE_VER1	120	/* ABI 1.3 */

/*
 * The size bits of these numbers are frozen at the struct sizes of ABI
 * 1.2, so that this header's callers work with a 1.2 module: a struct
 * grows (its size field says how much of it the caller knows), its number
 * stays.  The module (ABI 1.3) matches a command's type, number and
 * direction, not its size, so that callers built against ABI 1.1, whose
 * ATTACH carried the VER0 size, work too.
 */
#define VMPROF_IOC_GET_VERSION	_IOR(VMPROF_IOC_MAGIC, 0, struct vmprof_version)
#define VMPROF_IOC_ATTACH	_IOC(_IOC_WRITE, VMPROF_IOC_MAGIC, 1, \
				     VMPROF_ATTACH_SIZE_VER1)
#define VMPROF_IOC_ENABLE	_IO(VMPROF_IOC_MAGIC, 2)
#define VMPROF_IOC_DISABLE	_IO(VMPROF_IOC_MAGIC, 3)
#define VMPROF_IOC_GET_INFO	_IOC(_IOC_READ | _IOC_WRITE, VMPROF_IOC_MAGIC, \
				     4, VMPROF_INFO_SIZE_VER0)
#define VMPROF_IOC_GET_STATS	_IOC(_IOC_READ | _IOC_WRITE, VMPROF_IOC_MAGIC, \
				     5, VMPROF_STATS_SIZE_VER0)
#define VMPROF_IOC_GUEST_READ	_IOC(_IOC_READ | _IOC_WRITE, VMPROF_IOC_MAGIC, \
				     6, VMPROF_GUEST_READ_SIZE_VER0)

/* vmprof_guest_read.op */
#define VMPROF_GUEST_READ_PHYS	1
#define VMPROF_GUEST_READ_VIRT	2
#define VMPROF_GUEST_FIND_PAGE	3

/* vmprof_guest_read.flags */
#define VMPROF_GUEST_READ_LA57	(1U << 0)	/* VIRT: 5-level paging */

#define VMPROF_GUEST_READ_MAX	(1U << 20)
#define VMPROF_GUEST_FIND_MAX	64

struct vmprof_guest_read {
	__u32 size;		/* sizeof(struct vmprof_guest_read) */
	__u32 op;		/* VMPROF_GUEST_READ_* / _FIND_PAGE */
	__s32 pid;		/* the VMM process */
	__u32 flags;		/* VMPROF_GUEST_READ_LA57 */
	__u64 addr;		/* guest-physical or guest-virtual address */
	__u64 cr3;		/* VIRT: guest-physical page-table root */
	__u64 buf;		/* user pointer: the bytes read; FIND: the
				 * pattern then its mask */
	__u32 len;		/* bytes to read; FIND: pattern length */
	__u32 done;		/* out: bytes read */
	__u64 found;		/* out, FIND: matching page or ~0 */
	__u64 next;		/* out, FIND: address to search on from, ~0
				 * when the search covered all guest memory */
	__u64 reserved[2];
};
#define VMPROF_GUEST_READ_SIZE_VER0	80

/* The first page of every ring. */
struct vmprof_ring_ctl {
	__u64 data_head;	/* kernel: bytes written, store-release */
	__u64 data_tail;	/* user: bytes consumed, store-release */
	__u64 data_offset;	/* bytes from this page to the data area */
	__u64 data_size;	/* bytes in the data area, a power of 2 */
	__u64 lost;		/* kernel: samples dropped on this ring */
	__u64 written;		/* kernel: samples written on this ring */
	__u32 cpu;		/* host CPU of this ring */
	__u32 reserved0;
};

#define VMPROF_RECORD_SAMPLE	1
#define VMPROF_RECORD_LOST	2
#define VMPROF_RECORD_GUEST_TASK 3	/* ABI 1.2 */
#define VMPROF_RECORD_GUEST_STACK 4	/* ABI 1.4 */

struct vmprof_record_header {
	__u32 type;		/* VMPROF_RECORD_* */
	__u16 misc;		/* type-specific */
	__u16 size;		/* whole record, bytes, multiple of 8 */
};

/* Where a sample was taken (vmprof_sample.context). */
#define VMPROF_CTX_GUEST_KERNEL	1	/* guest CPL 0-2 */
#define VMPROF_CTX_GUEST_USER	2	/* guest CPL 3 */
#define VMPROF_CTX_VMM_KERNEL	3	/* host kernel on a VMM thread */
#define VMPROF_CTX_VMM_USER	4	/* VMM user space (QEMU) */
#define VMPROF_CTX_HOST_KERNEL	5	/* system-wide: host kernel, no VM */
#define VMPROF_CTX_HOST_USER	6	/* system-wide: host user, no VM */

/* vmprof_sample.flags */
#define VMPROF_SAMPLE_VCPU_THREAD (1U << 0)	/* taken on a vCPU thread */
#define VMPROF_SAMPLE_EXIT	  (1U << 1)	/* exit_* fields are valid */
#define VMPROF_SAMPLE_GUEST_TASK  (1U << 2)	/* guest_pid/tid are valid */
/*
 * Taken on a kernel worker doing the VMM's work (ABI 1.3): a vhost worker
 * (a kernel thread vhost-PID before Linux 6.4, a thread of the VMM from
 * 6.4), an io_uring worker, KVM's own threads of the VM.  Domain-switch
 * only; context is VMPROF_CTX_VMM_KERNEL and pid the VMM's.
 */
#define VMPROF_SAMPLE_WORKER	  (1U << 3)

#define VMPROF_VCPU_NONE	0xffffffffU	/* not a vCPU thread */

struct vmprof_sample {
	struct vmprof_record_header header;	/* type SAMPLE, misc 0 */
	__u64 time_ns;		/* CLOCK_MONOTONIC, to under 1 us */
	__u64 guest_rip;	/* guest samples: guest RIP */
	__u64 guest_cr3;	/* guest samples: guest CR3 */
	__u64 host_ip;		/* VMM and host samples: host IP */
	__u64 exit_guest_rip;	/* guest RIP at the last VM exit */
	__u64 period;		/* events (or ns) this sample stands for */
	__u32 exit_reason;	/* last VM exit of this vCPU, raw */
	__u32 cpu;		/* host CPU */
	__u32 pid;		/* VMM process (tgid) of the VM, 0 if none */
	__u32 tid;		/* host thread */
	__u32 vcpu;		/* vCPU index or VMPROF_VCPU_NONE */
	__u16 context;		/* VMPROF_CTX_* */
	__u16 flags;		/* VMPROF_SAMPLE_* */
	/* ABI 1.2: 88 bytes; 1.1 and older wrote 80 (readers zero-extend). */
	__u32 guest_pid;	/* guest task's process (tgid) */
	__u32 guest_tid;	/* guest task's thread id (pid) */
};
#define VMPROF_SAMPLE_SIZE_VER0	80

struct vmprof_lost {
	struct vmprof_record_header header;	/* type LOST */
	__u64 lost;		/* samples dropped just before this record */
	__u64 time_ns;		/* when this record was written */
};

/*
 * ABI 1.2: which guest task a guest_tid stands for, written on a ring
 * before the first sample of that task on that ring, and again before the
 * first sample after its comm (or pid) changed there.  A reader resolves
 * a sample's guest_tid with the last GUEST_TASK record of the same ring.
 */
struct vmprof_guest_task {
	struct vmprof_record_header header;	/* type GUEST_TASK */
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u64 task;		/* guest address of its task_struct */
	__u32 pid;		/* tgid */
	__u32 tid;		/* pid */
	__u32 vcpu;		/* vCPU it was seen on */
	__u32 reserved;
	char comm[16];		/* as the guest has it, NUL-padded */
};

/*
 * Guest registers, as the bits of vmprof_guest_stack.regs_mask and the
 * order of its regs[]: perf's x86-64 numbering (PERF_REG_X86_*), so that
 * tools that know perf's sample_regs_user know these.
 */
#define VMPROF_REG_AX		0
#define VMPROF_REG_BX		1
#define VMPROF_REG_CX		2
#define VMPROF_REG_DX		3
#define VMPROF_REG_SI		4
#define VMPROF_REG_DI		5
#define VMPROF_REG_BP		6
#define VMPROF_REG_SP		7
#define VMPROF_REG_IP		8
#define VMPROF_REG_FLAGS	9
#define VMPROF_REG_R8		16
#define VMPROF_REG_R9		17
#define VMPROF_REG_R10		18
#define VMPROF_REG_R11		19
#define VMPROF_REG_R12		20
#define VMPROF_REG_R13		21
#define VMPROF_REG_R14		22
#define VMPROF_REG_R15		23
#define VMPROF_REG_NR		24	/* non-ABI */

/*
 * ABI 1.4: the guest's registers and stacks at a sample
 * (VMPROF_ATTACH_GUEST_STACK), on the ring right before the SAMPLE
 * record it belongs to, in the same ring write.  Then __u64 regs[], one
 * per bit of regs_mask in VMPROF_REG_* order; nr_segs struct
 * vmprof_stack_seg (a segment of len 0 is unused); each segment's len
 * bytes, padded to 8.  header.size covers it all.
 */
struct vmprof_guest_stack {
	struct vmprof_record_header header;	/* type GUEST_STACK */
	__u64 regs_mask;	/* VMPROF_REG_* */
	__u16 nr_segs;
	__u16 flags;		/* VMPROF_STACK_* */
	__u32 reserved;
};

/* Flags of a guest stack capture. */
#define VMPROF_STACK_USER	(1U << 0)	/* the guest was in user mode */
#define VMPROF_STACK_UNREAD	(1U << 1)	/* its memory could not be read */

/* vmprof_stack_seg.kind: which guest stack a segment was copied from. */
#define VMPROF_STACK_SEG_TASK	1	/* the guest task's kernel stack */
#define VMPROF_STACK_SEG_IRQ	2	/* the guest CPU's interrupt stack */
#define VMPROF_STACK_SEG_USER	3	/* the guest task's user stack */
#define VMPROF_STACK_SEG_OTHER	4	/* another one (exception, entry) */

/* vmprof_stack_seg.end: why the copy of a segment stops where it does. */
#define VMPROF_STACK_END_TOP	1	/* it reached the top of that stack */
#define VMPROF_STACK_END_SIZE	2	/* the bytes asked for were copied */
#define VMPROF_STACK_END_FAULT	3	/* the next page cannot be read */

struct vmprof_stack_seg {
	__u64 addr;		/* guest-virtual address of its first byte */
	__u32 len;		/* bytes copied */
	__u16 kind;		/* VMPROF_STACK_SEG_* */
	__u16 end;		/* VMPROF_STACK_END_* */
};

#endif /* _UAPI_VMPROF_H */
