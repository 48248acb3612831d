// SPDX-License-Identifier: GPL-2.0
/*
 * A session on /dev/vmprof: attach to a VM (or the whole host), map the
 * rings, read them, read the statistics.  Shared by record and top.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "data.h"
#include "names.h"
#include "procfs.h"
#include "session.h"
#include "util.h"

#define EXITS_CAP_START		64

void vmprof_session__init(struct vmprof_session *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->event = VMPROF_EVENT_CYCLES;
	s->freq = true;
}

/*
 * The options record and top share, parsed the same way for both: each
 * returns -1 after one usage line that names the command.
 */
int vmprof_session__set_event(struct vmprof_session *s, const char *cmd,
			      const char *arg)
{
	s->event = vmprof_event__parse(arg);
	if (!s->event) {
		pr_usage(cmd, "unknown event '%s' (events: cycles, instructions, cache-misses, branch-misses, cpu-clock)",
			 arg);
		return -1;
	}
	s->event_given = true;
	return 0;
}

int vmprof_session__set_freq(struct vmprof_session *s, const char *cmd,
			     const char *arg)
{
	uint64_t v;

	if (parse_u64(arg, &v, 10) || !v) {
		pr_usage(cmd, "-F takes a frequency in Hz, not '%s'", arg);
		return -1;
	}
	s->sample = v;
	s->freq = true;
	return 0;
}

int vmprof_session__set_mode(struct vmprof_session *s, const char *cmd,
			     const char *arg)
{
	if (!strcmp(arg, "cpu")) {
		s->mode = VMPROF_MODE_CPU_SWITCH;
	} else if (!strcmp(arg, "domain")) {
		s->mode = VMPROF_MODE_DOMAIN_SWITCH;
	} else {
		pr_usage(cmd, "--switch takes cpu or domain, not '%s'", arg);
		return -1;
	}
	return 0;
}

static int open_device(struct vmprof_session *s)
{
	s->fd = open(VMPROF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s->fd >= 0)
		return 0;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		pr_err("%s not found: the vmprof module is not loaded (try: modprobe vmprof)",
		       VMPROF_DEVICE_PATH);
		break;
	case EPERM:
	case EACCES:
		pr_err("cannot open %s: %s: vmprof needs CAP_PERFMON or CAP_SYS_ADMIN (run it as root, or give it the capability: setcap cap_perfmon+ep)",
		       VMPROF_DEVICE_PATH, strerror(errno));
		break;
	default:
		pr_err("cannot open %s: %s", VMPROF_DEVICE_PATH,
		       strerror(errno));
		break;
	}
	return -1;
}

static int check_version(struct vmprof_session *s)
{
	memset(&s->version, 0, sizeof(s->version));
	if (ioctl(s->fd, VMPROF_IOC_GET_VERSION, &s->version)) {
		pr_err("VMPROF_IOC_GET_VERSION failed: %s", strerror(errno));
		return -1;
	}
	s->version.module_version[sizeof(s->version.module_version) - 1] = 0;
	if (s->version.abi_major != VMPROF_ABI_MAJOR) {
		pr_err("the vmprof module (version %s) speaks ABI %u.%u, this vmprof %s speaks ABI %u.%u: install matching versions of the module and the tool",
		       s->version.module_version, s->version.abi_major,
		       s->version.abi_minor, vmprof_version(),
		       VMPROF_ABI_MAJOR, VMPROF_ABI_MINOR);
		return -1;
	}
	pr_debug("module %s, ABI %u.%u", s->version.module_version,
		 s->version.abi_major, s->version.abi_minor);
	return 0;
}

static int do_attach(struct vmprof_session *s, uint32_t event)
{
	struct vmprof_attach at;

	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.flags = s->freq ? VMPROF_ATTACH_FREQ : 0;
	at.pid = s->system ? -1 : s->pid;
	at.mode = s->mode;
	at.event = event;
	at.ring_pages = s->ring_pages;
	at.sample = s->sample;
	if (s->guest_task) {
		at.flags |= VMPROF_ATTACH_GUEST_TASK;
		at.guest_current_task = s->guest.guest_current_task;
		at.guest_task_pid = s->guest.guest_task_pid;
		at.guest_task_tgid = s->guest.guest_task_tgid;
		at.guest_task_comm = s->guest.guest_task_comm;
	}
	if (s->call_graph) {
		at.flags |= VMPROF_ATTACH_GUEST_STACK;
		at.guest_regs = vmprof_call_graph__regs(s->call_graph);
		at.guest_stack_size = s->stack_size;
		at.guest_top_of_stack = s->guest_top_of_stack;
		at.guest_irq_stack_ptr = s->guest_irq_stack_ptr;
	}
	return ioctl(s->fd, VMPROF_IOC_ATTACH, &at);
}

static const char *comm_of(const struct vmprof_session *s)
{
	return s->comm ? s->comm : "?";
}

/* "kvm_amd.enable_mediated_pmu=Y", the parameter that is on, if any. */
static const char *mediated_pmu_param(void)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel" };
	static char buf[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		char path[96], *val;
		bool on;

		snprintf(path, sizeof(path),
			 "/sys/module/%s/parameters/enable_mediated_pmu",
			 mods[i]);
		val = procfs__read_file(path, NULL);
		on = val && val[0] == 'Y';
		free(val);
		if (on) {
			snprintf(buf, sizeof(buf), "%s.enable_mediated_pmu=Y",
				 mods[i]);
			return buf;
		}
	}
	return "enable_mediated_pmu=Y of kvm_amd or kvm_intel";
}

/*
 * As perf record: a frequency above kernel.perf_event_max_sample_rate is
 * lowered to it (the module, like perf_event_open(), refuses it).
 */
static void limit_frequency(struct vmprof_session *s)
{
	char *val;
	unsigned long long max;

	if (!s->freq)
		return;
	val = procfs__read_file("/proc/sys/kernel/perf_event_max_sample_rate",
				NULL);
	if (!val || sscanf(val, "%llu", &max) != 1 || !max ||
	    s->sample <= max) {
		free(val);
		return;
	}
	free(val);
	pr_note("the frequency %llu Hz is above kernel.perf_event_max_sample_rate: sampling at %llu Hz",
		(unsigned long long)s->sample, max);
	s->sample = max;
}

static int attach(struct vmprof_session *s)
{
	limit_frequency(s);
	if (s->call_graph && s->version.abi_minor < 4) {
		pr_err("the vmprof module (version %s, ABI %u.%u) does not copy guest stacks (ABI 1.4): install the module of this vmprof (%s) for -g",
		       s->version.module_version, s->version.abi_major,
		       s->version.abi_minor, vmprof_version());
		return -1;
	}
	if (!do_attach(s, s->event))
		return 0;
	if (errno == ENOENT && !s->event_given &&
	    s->event == VMPROF_EVENT_CYCLES) {
		pr_note("this host has no hardware PMU: sampling with cpu-clock instead of cycles%s",
			s->period_given ? " (the -c period is now in ns)" : "");
		s->event = VMPROF_EVENT_CPU_CLOCK;
		if (!do_attach(s, s->event))
			return 0;
	}
	switch (errno) {
	case ESRCH:
		pr_err("no process with PID %d", (int)s->pid);
		break;
	case ENODEV:
		pr_err("process %d (%s) is not running a KVM virtual machine",
		       (int)s->pid, comm_of(s));
		break;
	case EACCES:
		pr_err("not allowed to profile process %d (%s): the same rule as ptrace applies: the same user and a dumpable process, or CAP_SYS_PTRACE (run as root?)",
		       (int)s->pid, comm_of(s));
		break;
	case EPERM:
		if (s->guest_task || s->call_graph) {
			pr_err("%s reads the tenant's memory: it needs CAP_SYS_ADMIN (run as root)",
			       s->guest_task ? "--guest-introspect" :
			       "-g/--call-graph");
			break;
		}
		pr_err("the rings (%u pages per CPU) would lock more memory than this user may, as perf's buffers (the vmprof module's ring_mlock_kb per CPU, plus RLIMIT_MEMLOCK): use a smaller --ring-pages, or CAP_IPC_LOCK",
		       s->ring_pages ? s->ring_pages + 1 :
		       VMPROF_RING_PAGES_DEFAULT + 1);
		break;
	case ENOENT:
		pr_err("event %s needs a hardware PMU and this host has none: use -e cpu-clock",
		       vmprof_event__name(s->event));
		break;
	case ENXIO:
		pr_err("guest registers cannot be read on this host (VMREAD fails in the VM's exits, as where KVM runs on Hyper-V with its enlightened VMCS): load kvm_intel with enlightened_vmcs=0 to profile guests here");
		break;
	case EOPNOTSUPP:
		pr_err("event %s cannot count guest execution: KVM's mediated vPMU (%s) gives the PMU to VMs while they run, %s, and perf then refuses host events that count a guest; -e cpu-clock works in every mode, or start the VMs with the mediated vPMU off",
		       vmprof_event__name(s->event), mediated_pmu_param(),
		       s->system ? "on this host" :
		       "to this VM or another one on this host");
		break;
	case EBUSY:
		pr_err("the vmprof session is already attached");
		break;
	case ENOMEM:
		pr_err("the vmprof module is out of memory for the rings (try --ring-pages with a smaller number)");
		break;
	case EINVAL:
	case E2BIG:
		pr_err("the vmprof module rejected the request (%s): check -F/-c, --ring-pages, and that module and tool versions match",
		       strerror(errno));
		break;
	default:
		pr_err("VMPROF_IOC_ATTACH failed: %s", strerror(errno));
		break;
	}
	return -1;
}

int vmprof_session__get_info(struct vmprof_session *s,
			     struct vmprof_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(s->fd, VMPROF_IOC_GET_INFO, info)) {
		pr_err("VMPROF_IOC_GET_INFO failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int map_rings(struct vmprof_session *s)
{
	const struct vmprof_info *info = &s->info;
	uint32_t i;

	if (!info->nr_rings || !info->ring_stride ||
	    info->mmap_size / info->ring_stride < info->nr_rings) {
		pr_err("the vmprof module reports an unusable ring layout (%u rings, stride %llu, %llu bytes)",
		       info->nr_rings, (unsigned long long)info->ring_stride,
		       (unsigned long long)info->mmap_size);
		return -1;
	}
	s->map = mmap(NULL, info->mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, s->fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		pr_err("cannot mmap the vmprof rings (%llu bytes): %s",
		       (unsigned long long)info->mmap_size, strerror(errno));
		return -1;
	}
	s->nr_rings = info->nr_rings;
	s->rings = xcalloc(s->nr_rings, sizeof(*s->rings));
	for (i = 0; i < s->nr_rings; i++) {
		if (vmprof_ring__init(&s->rings[i], s->map,
				      info->ring_stride, i)) {
			pr_err("ring %u has an inconsistent control page", i);
			return -1;
		}
	}
	return 0;
}

int vmprof_session__open(struct vmprof_session *s)
{
	return open_device(s) || check_version(s) ? -1 : 0;
}

int vmprof_session__start(struct vmprof_session *s)
{
	return vmprof_session__open(s) || vmprof_session__attach(s) ? -1 : 0;
}

int vmprof_session__attach(struct vmprof_session *s)
{
	if (attach(s) || vmprof_session__get_info(s, &s->info) ||
	    map_rings(s))
		return -1;
	if ((s->info.flags & VMPROF_INFO_MEDIATED_PMU) && !s->system)
		pr_note("process %d (%s) runs its VM with KVM's mediated vPMU: the VM's own PMU use is its own, vmprof samples with %s",
			(int)s->pid, comm_of(s), vmprof_event__name(s->event));
	return 0;
}

int vmprof_session__enable(struct vmprof_session *s)
{
	if (ioctl(s->fd, VMPROF_IOC_ENABLE, 0)) {
		pr_err("VMPROF_IOC_ENABLE failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void vmprof_session__disable(struct vmprof_session *s)
{
	if (ioctl(s->fd, VMPROF_IOC_DISABLE, 0))
		pr_warn("VMPROF_IOC_DISABLE failed: %s", strerror(errno));
}

int vmprof_session__drain(struct vmprof_session *s, vmprof_ring_fn fn,
			  void *ctx)
{
	uint32_t i;

	for (i = 0; i < s->nr_rings; i++) {
		uint64_t bad = s->rings[i].bad;

		if (vmprof_ring__drain(&s->rings[i], fn, ctx) < 0)
			return -1;
		if (s->rings[i].bad != bad)
			pr_warn("ring %u was inconsistent and was resynchronized: some samples were skipped",
				i);
	}
	return 0;
}

/* Does the module know the fields of ABI 1.@minor? */
static bool abi_has(const struct vmprof_session *s, uint32_t minor)
{
	return s->version.abi_major == VMPROF_ABI_MAJOR &&
	       s->version.abi_minor >= minor;
}

int vmprof_session__stats(struct vmprof_session *s, struct vmprof_stats *st,
			  struct vmprof_exit_stat **exits, uint64_t **offcpu)
{
	uint32_t cap = EXITS_CAP_START;
	/* A module before ABI 1.3 refuses the field (not zero: -E2BIG). */
	bool want_offcpu = offcpu && abi_has(s, 3);

	*exits = NULL;
	if (offcpu)
		*offcpu = NULL;
	for (;;) {
		*exits = xrealloc(*exits, cap * sizeof(**exits));
		memset(st, 0, sizeof(*st));
		st->size = sizeof(*st);
		st->exits_cap = cap;
		st->exits = (uintptr_t)*exits;
		if (want_offcpu) {
			*offcpu = xrealloc(*offcpu, cap * sizeof(**offcpu));
			st->exits_offcpu = (uintptr_t)*offcpu;
		}
		if (ioctl(s->fd, VMPROF_IOC_GET_STATS, st))
			return -1;
		if (st->nr_exits <= cap)
			return 0;
		cap = st->nr_exits;
	}
}

void vmprof_session__close(struct vmprof_session *s)
{
	if (s->map)
		munmap(s->map, s->info.mmap_size);
	s->map = NULL;
	free(s->rings);
	s->rings = NULL;
	s->nr_rings = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void vmprof_session__file_info(const struct vmprof_session *s,
			       uint64_t start_ns, uint64_t start_realtime_ns,
			       struct vmprof_file_info *fi)
{
	const struct vmprof_info *info = &s->info;

	memset(fi, 0, sizeof(*fi));
	fi->mode = info->mode;
	fi->event = info->event;
	fi->isa = info->isa;
	fi->info_flags = info->flags;
	fi->attach_flags = info->attach_flags;
	fi->pid = info->pid;
	fi->sample = info->sample;
	fi->nr_vcpus = info->nr_vcpus;
	fi->nr_rings = info->nr_rings;
	fi->guest_lstar = info->guest_lstar;
	fi->start_ns = start_ns;
	fi->start_realtime_ns = start_realtime_ns;
	fi->abi_major = s->version.abi_major;
	fi->abi_minor = s->version.abi_minor;
	fi->call_graph = s->call_graph;
	fi->stack_size = s->call_graph ? s->stack_size : 0;
}

const void *vmprof_ring_guest_stack__body(const struct vmprof_record_header *h,
					  size_t *len, char *msg,
					  size_t msglen)
{
	struct vmprof_guest_stack_view v;
	const void *body = h + 1;

	*len = h->size - sizeof(*h);
	if (h->size < sizeof(struct vmprof_guest_stack)) {
		snprintf(msg, msglen, "GUEST_STACK record of %u bytes",
			 h->size);
		return NULL;
	}
	if (vmprof_guest_stack__parse(body, *len, &v, msg, msglen))
		return NULL;
	return body;
}

void vmprof_ring_sample__to_file(const struct vmprof_record_header *h,
				 struct vmprof_file_sample *s)
{
	struct vmprof_sample tmp;

	memset(&tmp, 0, sizeof(tmp));
	memcpy(&tmp, h, h->size < sizeof(tmp) ? h->size : sizeof(tmp));
	memset(s, 0, sizeof(*s));
	s->time_ns = tmp.time_ns;
	s->guest_rip = tmp.guest_rip;
	s->guest_cr3 = tmp.guest_cr3;
	s->host_ip = tmp.host_ip;
	s->exit_guest_rip = tmp.exit_guest_rip;
	s->period = tmp.period;
	s->exit_reason = tmp.exit_reason;
	s->cpu = tmp.cpu;
	s->pid = tmp.pid;
	s->tid = tmp.tid;
	s->vcpu = tmp.vcpu;
	s->context = tmp.context;
	s->flags = tmp.flags;
	s->guest_pid = tmp.guest_pid;
	s->guest_tid = tmp.guest_tid;
}

void vmprof_ring_lost__to_file(const struct vmprof_ring *ring,
			       const struct vmprof_record_header *h,
			       struct vmprof_file_lost *l)
{
	struct vmprof_lost tmp;

	memset(&tmp, 0, sizeof(tmp));
	memcpy(&tmp, h, h->size < sizeof(tmp) ? h->size : sizeof(tmp));
	memset(l, 0, sizeof(*l));
	l->lost = tmp.lost;
	l->time_ns = tmp.time_ns;
	l->cpu = ring->index;
}

void vmprof_ring_guest_task__to_file(const struct vmprof_ring *ring,
				     const struct vmprof_record_header *h,
				     struct vmprof_file_guest_task *t)
{
	struct vmprof_guest_task tmp;

	memset(&tmp, 0, sizeof(tmp));
	memcpy(&tmp, h, h->size < sizeof(tmp) ? h->size : sizeof(tmp));
	memset(t, 0, sizeof(*t));
	t->time_ns = tmp.time_ns;
	t->task = tmp.task;
	t->pid = tmp.pid;
	t->tid = tmp.tid;
	t->vcpu = tmp.vcpu;
	t->cpu = ring->index;
	memcpy(t->comm, tmp.comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = 0;
}
