// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof record: sample a KVM guest through /dev/vmprof into a data file.
 *
 * The session itself (attach, rings, statistics) is session.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vmprof.h>

#include "builtin.h"
#include "data.h"
#include "hashmap.h"
#include "introspect.h"
#include "names.h"
#include "procfs.h"
#include "session.h"
#include "util.h"
#include "vmlist.h"

#define DEFAULT_FREQ		1000
#define POLL_TIMEOUT_MS		100
#define STATUS_INTERVAL_NS	250000000ULL
#define INFO_INTERVAL_NS	1000000000ULL

static const char record_usage[] =
"Usage: vmprof record -p PID|NAME [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       vmprof record --vm NAME [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       vmprof record -a [OPTIONS] [-- COMMAND [ARGS...]]\n"
"\n"
"Sample the vCPUs of the KVM guest owned by a VMM (e.g. QEMU) process, or\n"
"the whole host, through /dev/vmprof, and write the samples to a file.\n"
"Recording stops at SIGINT/SIGTERM, when COMMAND exits, after -d\n"
"seconds, or when the VM exits.\n"
"\n"
"Options:\n"
"  -p, --pid PID|NAME      profile the VM of this VMM process, or the VM\n"
"                          of this name ('vmprof list' shows them)\n"
"      --vm NAME           profile the VM of this name\n"
"  -a, --all-cpus          system-wide: every CPU, guest samples tagged\n"
"  -e, --event EVENT       cycles (default), instructions, cache-misses,\n"
"                          branch-misses, cpu-clock; without -e, a host\n"
"                          with no hardware PMU falls back to cpu-clock\n"
"  -F, --freq HZ           sample at this frequency (default: 1000)\n"
"  -c, --count PERIOD      sample every PERIOD events (ns for cpu-clock)\n"
"      --switch cpu|domain accounting: cpu (default) samples the guest\n"
"                          only; domain also samples the VMM's work for\n"
"                          it and charges it to the exiting guest code\n"
"  -o, --output FILE       data file to write (default: vmprof.data);\n"
"                          an existing one is kept as FILE.old;\n"
"                          '-': standard output, e.g. a pipe\n"
"  -d, --duration SECONDS  stop after this many seconds\n"
"      --ring-pages N      data pages per ring, a power of two\n"
"                          (default: the module's, 64)\n"
"  -m, --mmap-pages N|SIZE the same, perf's name; also a size with a\n"
"                          B, K, M or G suffix (e.g. 512K)\n"
"      --guest-introspect  read the guest's memory to learn which guest\n"
"                          process each sample ran, and which kernel,\n"
"                          modules and programs the guest runs, so that\n"
"                          'vmprof report' finds their symbols by itself\n"
"                          (root only: this reads the tenant's memory)\n"
"      --guest-vmlinux PATH  the guest kernel (vmlinuz or vmlinux), for\n"
"                          --guest-introspect and -g; default: found by its\n"
"                          build-id in the build-id cache, --guest-root\n"
"                          or debuginfod\n"
"      --guest-root DIR    a copy of the guest's root file system, where\n"
"                          --guest-introspect and -g look for the kernel\n"
"  -g                      guest call chains: --call-graph orc\n"
"      --call-graph MODE[,SIZE]\n"
"                          copy the guest's registers and up to SIZE\n"
"                          bytes of its stack at each guest sample\n"
"                          (default 8192, at most 65280), for call\n"
"                          chains that 'vmprof report' unwinds with\n"
"                          MODE: orc (the guest kernel's ORC tables),\n"
"                          fp (frame pointers) or dwarf (the DWARF of a\n"
"                          guest vmlinux); this reads the tenant's\n"
"                          memory: root only\n"
"  -q, --quiet             no status line or summary (the status line\n"
"                          shows only on a terminal)\n"
"  -h, --help              show this help\n"
"  -- COMMAND [ARGS...]    run COMMAND and stop when it exits\n"
"\n"
"Opening /dev/vmprof needs CAP_PERFMON or CAP_SYS_ADMIN; profiling a\n"
"process needs the right to ptrace it.\n"
"Exit status: 0 ok, 1 error, 64 usage.\n";

enum {
	OPT_SWITCH = 256,
	OPT_RING_PAGES,
	OPT_VM,
	OPT_GUEST_INTROSPECT,
	OPT_GUEST_VMLINUX,
	OPT_GUEST_ROOT,
	OPT_CALL_GRAPH,
};

/* perf's default --call-graph dwarf size. */
#define DEFAULT_STACK_SIZE	8192
/* Ring pages with guest stacks, unless -m says: samples are larger. */
#define CALL_GRAPH_RING_PAGES	512

static const struct option record_options[] = {
	{ "pid",	required_argument,	NULL, 'p' },
	{ "vm",		required_argument,	NULL, OPT_VM },
	{ "all-cpus",	no_argument,		NULL, 'a' },
	{ "event",	required_argument,	NULL, 'e' },
	{ "freq",	required_argument,	NULL, 'F' },
	{ "count",	required_argument,	NULL, 'c' },
	{ "switch",	required_argument,	NULL, OPT_SWITCH },
	{ "output",	required_argument,	NULL, 'o' },
	{ "duration",	required_argument,	NULL, 'd' },
	{ "ring-pages",	required_argument,	NULL, OPT_RING_PAGES },
	{ "mmap-pages",	required_argument,	NULL, 'm' },
	{ "guest-introspect", no_argument,	NULL, OPT_GUEST_INTROSPECT },
	{ "guest-vmlinux", required_argument,	NULL, OPT_GUEST_VMLINUX },
	{ "guest-root",	required_argument,	NULL, OPT_GUEST_ROOT },
	{ "call-graph",	required_argument,	NULL, OPT_CALL_GRAPH },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct record {
	/* options */
	const char *target;	/* -p PID|NAME or --vm NAME */
	bool target_is_name;
	double duration;
	bool quiet;
	const char *output;
	char **command;
	char *cmdline;		/* of vmprof record itself */
	bool introspect;	/* --guest-introspect */
	const char *guest_vmlinux;
	const char *guest_root;

	/* session */
	struct vmprof_session s;
	struct vmprof_data_writer w;
	bool writer_open;
	char *comm;
	char *vm_name;
	int pidfd;
	pid_t child;
	int child_status;

	struct hashmap vms_seen;	/* -a: VMM pids described so far */

	/* --guest-introspect */
	struct vmprof_introspect in;
	bool in_open;		/* the guest kernel was identified */
	uint32_t in_protected;	/* VMPROF_INFO_GUEST_PROTECTED said */

	/* progress */
	uint64_t start_ns;
	uint64_t start_realtime_ns;
	uint64_t samples;
	uint64_t lost;
	uint64_t unknown;
	uint64_t stacks;	/* guest stacks written */
	uint64_t stack_bytes;	/* their bytes */
	uint64_t bad_stacks;	/* malformed ones left out */
	bool status_tty;
	int status_len;		/* of the status line shown, 0: none */
	uint32_t stop_reason;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xmalloc(len);
	s[0] = 0;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* A number of pages, or with sizes allowed (perf's -m) a size with a
 * B, K, M or G suffix, in pages. */
static int parse_pages(const char *arg, bool sizes, uint64_t *pages)
{
	static const char units[] = "BKMG";
	size_t len = strlen(arg);
	const char *u;
	char num[32];
	uint64_t v;
	long psz = sysconf(_SC_PAGESIZE);

	if (!len || len >= sizeof(num))
		return -1;
	u = sizes && (arg[len - 1] & ~0x20) ?
	    strchr(units, arg[len - 1] & ~0x20) : NULL;
	if (!u)
		return parse_u64(arg, pages, 10);
	memcpy(num, arg, len - 1);
	num[len - 1] = 0;
	if (parse_u64(num, &v, 10) || v > (1ULL << 40))
		return -1;
	v <<= 10 * (u - units);
	if (v % psz)
		return -1;
	*pages = v / psz;
	return 0;
}

/* --call-graph MODE[,SIZE], perf's spelling. */
static int parse_call_graph(struct vmprof_session *s, const char *arg)
{
	char *copy = xstrdup(arg), *comma = strchr(copy, ',');
	uint64_t size = DEFAULT_STACK_SIZE;
	int ret = -1;

	if (comma)
		*comma++ = 0;
	s->call_graph = vmprof_call_graph__parse(copy);
	if (!s->call_graph) {
		pr_usage("record",
			 "--call-graph takes orc, fp or dwarf, then ,SIZE, not '%s'",
			 arg);
	} else if (comma && (parse_u64(comma, &size, 10) || size < 8 ||
			     size > VMPROF_STACK_SIZE_MAX)) {
		pr_usage("record",
			 "--call-graph %s,SIZE takes a stack size from 8 to %u bytes, not '%s'",
			 copy, VMPROF_STACK_SIZE_MAX, comma);
	} else {
		/* As perf: rounded up to whole 8-byte words. */
		s->stack_size = (size + 7) & ~7ULL;
		ret = 0;
	}
	free(copy);
	return ret;
}

static int parse_options(struct record *rec, int argc, char **argv)
{
	struct vmprof_session *s = &rec->s;
	bool have_freq = false;
	uint64_t v;
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:ae:F:c:o:d:m:gqh",
				record_options, NULL)) != -1) {
		switch (c) {
		case 'p':
		case OPT_VM:
			if (vm_target__option("record", optarg, c == OPT_VM,
					      &rec->target,
					      &rec->target_is_name))
				return -1;
			break;
		case 'a':
			s->system = true;
			break;
		case 'e':
			if (vmprof_session__set_event(s, "record", optarg))
				return -1;
			break;
		case 'F':
			if (vmprof_session__set_freq(s, "record", optarg))
				return -1;
			have_freq = true;
			break;
		case 'c':
			if (parse_u64(optarg, &v, 10) || !v) {
				pr_usage("record",
					 "-c takes a sample period, not '%s'",
					 optarg);
				return -1;
			}
			s->sample = v;
			s->freq = false;
			s->period_given = true;
			break;
		case OPT_SWITCH:
			if (vmprof_session__set_mode(s, "record", optarg))
				return -1;
			break;
		case 'o':
			rec->output = optarg;
			break;
		case 'd':
			errno = 0;
			rec->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(rec->duration > 0) || !isfinite(rec->duration)) {
				pr_usage("record",
					 "-d takes a number of seconds, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_RING_PAGES:
		case 'm':
			if (parse_pages(optarg, c == 'm', &v) || !v ||
			    (v & (v - 1)) || v > VMPROF_RING_PAGES_MAX) {
				pr_usage("record",
					 "%s takes a power of two up to %u pages%s, not '%s'",
					 c == 'm' ? "-m" : "--ring-pages",
					 VMPROF_RING_PAGES_MAX,
					 c == 'm' ? " or a size (B, K, M, G)" : "",
					 optarg);
				return -1;
			}
			s->ring_pages = v;
			break;
		case 'g':
			if (parse_call_graph(s, "orc"))
				return -1;
			break;
		case OPT_CALL_GRAPH:
			if (parse_call_graph(s, optarg))
				return -1;
			break;
		case 'q':
			rec->quiet = true;
			break;
		case OPT_GUEST_INTROSPECT:
			rec->introspect = true;
			break;
		case OPT_GUEST_VMLINUX:
			rec->guest_vmlinux = optarg;
			break;
		case OPT_GUEST_ROOT:
			rec->guest_root = optarg;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 1;
		default:
			pr_bad_option("record", c, argv);
			return -1;
		}
	}
	if (have_freq && s->period_given) {
		pr_usage("record", "-F and -c cannot be used together");
		return -1;
	}
	if (!!rec->target == s->system) {
		pr_usage("record", rec->target ?
			 "-p/--vm and -a cannot be used together" :
			 "give the VM with -p PID, -p NAME or --vm NAME, or -a for the whole system");
		return -1;
	}
	if (s->system && s->mode) {
		pr_usage("record", "--switch does not apply to -a");
		return -1;
	}
	if (s->system && rec->introspect) {
		pr_usage("record", "--guest-introspect needs a VM: -p or --vm, not -a");
		return -1;
	}
	if (s->system && s->call_graph) {
		pr_usage("record",
			 "-g/--call-graph copies one VM's stacks: give it with -p or --vm, not -a");
		return -1;
	}
	/* Both identify the guest kernel: what -g needs too. */
	if ((rec->guest_vmlinux || rec->guest_root) && !rec->introspect &&
	    !s->call_graph) {
		pr_usage("record",
			 "--guest-vmlinux and --guest-root go with --guest-introspect or -g");
		return -1;
	}
	if (s->call_graph && !s->ring_pages)
		s->ring_pages = CALL_GRAPH_RING_PAGES;
	if (optind < argc)
		rec->command = argv + optind;
	if (!s->mode)
		s->mode = s->system ? VMPROF_MODE_SYSTEM :
			  VMPROF_MODE_CPU_SWITCH;
	return 0;
}

/* ---- data file ---- */

static int write_info(struct record *rec)
{
	struct vmprof_file_info fi;

	vmprof_session__file_info(&rec->s, rec->start_ns,
				  rec->start_realtime_ns, &fi);
	return vmprof_writer__add(&rec->w, VMPROF_REC_INFO, &fi, sizeof(fi),
				  NULL, 0);
}

/* The guest kernel's identity, checked against LSTAR once it is seen. */
static void write_guest_kernel(struct record *rec)
{
	const struct vmprof_info *info = &rec->s.info;

	if (!rec->in_open)
		return;
	vmprof_introspect__write_kernel(&rec->in, &rec->w,
					info->flags & VMPROF_INFO_LSTAR ?
					info->guest_lstar : 0,
					info->flags & VMPROF_INFO_GUEST_TASK);
	if ((info->flags & VMPROF_INFO_GUEST_PROTECTED) &&
	    !rec->in_protected) {
		pr_note("the guest's memory is encrypted (SEV, SEV-ES, SEV-SNP or TDX): samples carry no guest processes");
		rec->in_protected = 1;
	}
}

/*
 * --guest-introspect, before the attach: what the guest kernel is, and
 * the attach fields for its tasks.
 */
static int open_introspect(struct record *rec)
{
	struct vmprof_symfind sf = { .guest_root = rec->guest_root };
	const struct vmprof_version *v = &rec->s.version;

	if (v->abi_minor < 2) {
		pr_err("the vmprof module (version %s, ABI %u.%u) cannot read guest memory: %s needs ABI 1.2; install the module that comes with this vmprof",
		       v->module_version, v->abi_major, v->abi_minor,
		       rec->introspect ? "--guest-introspect" : "-g");
		return -1;
	}
	rec->in_open = !vmprof_introspect__open(&rec->in, rec->s.fd,
						rec->s.pid, &sf,
						rec->guest_vmlinux);
	if (!rec->in_open) {
		vmprof_introspect__close(&rec->in);
		return 0;
	}
	memset(&rec->s.guest, 0, sizeof(rec->s.guest));
	if (rec->introspect)
		rec->s.guest_task = vmprof_introspect__attach(&rec->in,
							      &rec->s.guest);
	if (rec->s.call_graph) {
		vmprof_introspect__stacks(&rec->in, &rec->s.guest_top_of_stack,
					  &rec->s.guest_irq_stack_ptr);
		rec->in.module_orc = rec->s.call_graph ==
				     VMPROF_CALL_GRAPH_ORC;
	}
	return 0;
}

static void write_str(struct record *rec, uint32_t key, const char *s)
{
	if (s)
		vmprof_writer__string(&rec->w, key, s, strlen(s));
}

/*
 * A COMM or VM_NAME record (the same body) of process pid; nothing for a
 * NULL text.  VM_NAME is there so that `report --vm NAME` finds the VM
 * as `record --vm NAME` did.
 */
static void write_pid_text(struct record *rec, uint32_t type, uint32_t pid,
			   const char *text)
{
	struct vmprof_file_comm c = { .pid = pid };

	if (!text)
		return;
	c.len = strlen(text);
	vmprof_writer__add(&rec->w, type, &c, sizeof(c), text, c.len);
}

/* The executable mappings of process pid (MMAP records); -1 if unread. */
static int write_maps(struct record *rec, pid_t pid)
{
	struct procfs_map *maps = NULL;
	size_t nr = 0, i;

	if (procfs__exec_maps(pid, &maps, &nr))
		return -1;
	for (i = 0; i < nr; i++)
		vmprof_writer__add(&rec->w, VMPROF_REC_MMAP, &maps[i].m,
				   sizeof(maps[i].m), maps[i].path,
				   maps[i].m.path_len);
	procfs__free_maps(maps, nr);
	return 0;
}

static void write_metadata(struct record *rec)
{
	struct utsname u;
	size_t len;
	char *ks, *cmd;

	if (!uname(&u)) {
		write_str(rec, VMPROF_STR_HOST_RELEASE, u.release);
		write_str(rec, VMPROF_STR_HOSTNAME, u.nodename);
		write_str(rec, VMPROF_STR_HOST_MACHINE, u.machine);
	}
	write_str(rec, VMPROF_STR_TOOL_VERSION, vmprof_version());
	write_str(rec, VMPROF_STR_MODULE_VERSION,
		  rec->s.version.module_version);
	write_str(rec, VMPROF_STR_COMMAND, rec->cmdline);
	if (!rec->s.system) {
		write_str(rec, VMPROF_STR_VMM_COMM, rec->comm);
		write_pid_text(rec, VMPROF_REC_VM_NAME, rec->s.pid,
			       rec->vm_name);
		cmd = procfs__cmdline(rec->s.pid);
		write_str(rec, VMPROF_STR_VMM_CMDLINE, cmd);
		free(cmd);
		if (write_maps(rec, rec->s.pid)) {
			pr_warn("cannot read /proc/%d/maps: VMM user-space samples will be [unknown]",
				(int)rec->s.pid);
		}
	}
	ks = procfs__text_kallsyms(&len);
	if (ks) {
		struct vmprof_file_kallsyms k = { .len = len };

		vmprof_writer__add(&rec->w, VMPROF_REC_KALLSYMS, &k, sizeof(k),
				   ks, len);
		free(ks);
	} else {
		pr_warn("host kernel symbols are hidden (/proc/sys/kernel/kptr_restrict) or unreadable: host kernel samples will be [unknown]");
	}
}

/* ---- the recording loop ---- */

static bool pid_eq(const void *entry, const void *key)
{
	return *(const uint32_t *)entry == *(const uint32_t *)key;
}

/*
 * System-wide: before the first sample of a VM, its VMM's command name
 * (a COMM record) and executable mappings (MMAP records), so that the
 * report can tell the VMs apart by name and symbolize each VMM.
 */
static void describe_vm(struct record *rec, uint32_t pid)
{
	uint32_t *e;
	bool added;
	char *text;

	if (!rec->s.system || !pid)
		return;
	e = hashmap__insert(&rec->vms_seen, hash_u64(pid), &pid, &added);
	if (!added)
		return;
	*e = pid;
	text = procfs__comm(pid);
	write_pid_text(rec, VMPROF_REC_COMM, pid, text);
	free(text);
	text = vm_target__name(pid);
	write_pid_text(rec, VMPROF_REC_VM_NAME, pid, text);
	free(text);
	write_maps(rec, pid);
}

static int on_ring_record(void *ctx, const struct vmprof_ring *ring,
			  const struct vmprof_record_header *h)
{
	struct record *rec = ctx;

	switch (h->type) {
	case VMPROF_RECORD_SAMPLE: {
		struct vmprof_file_sample s;

		vmprof_ring_sample__to_file(h, &s);
		rec->samples++;
		describe_vm(rec, s.pid);
		return vmprof_writer__add(&rec->w, VMPROF_REC_SAMPLE, &s,
					  sizeof(s), NULL, 0);
	}
	case VMPROF_RECORD_GUEST_STACK: {
		const void *body;
		char msg[128];
		size_t len;

		body = vmprof_ring_guest_stack__body(h, &len, msg, sizeof(msg));
		if (!body) {
			/* Its sample is kept, without a stack. */
			if (!rec->bad_stacks++)
				pr_warn("a guest stack from the module is not well formed (%s): left out",
					msg);
			return 0;
		}
		rec->stack_bytes += len;
		rec->stacks++;
		return vmprof_writer__add(&rec->w, VMPROF_REC_GUEST_STACK,
					  body, len, NULL, 0);
	}
	case VMPROF_RECORD_LOST: {
		struct vmprof_file_lost l;

		vmprof_ring_lost__to_file(ring, h, &l);
		rec->lost += l.lost;
		return vmprof_writer__add(&rec->w, VMPROF_REC_LOST, &l,
					  sizeof(l), NULL, 0);
	}
	case VMPROF_RECORD_GUEST_TASK: {
		struct vmprof_file_guest_task t;

		vmprof_ring_guest_task__to_file(ring, h, &t);
		if (rec->in_open)
			vmprof_introspect__task(&rec->in, &t);
		return vmprof_writer__add(&rec->w, VMPROF_REC_GUEST_TASK, &t,
					  sizeof(t), NULL, 0);
	}
	default:
		rec->unknown++;
		return 0;
	}
}

static int drain_all(struct record *rec)
{
	return vmprof_session__drain(&rec->s, on_ring_record, rec);
}

static const char *target_comm(struct record *rec)
{
	return rec->comm ? rec->comm : "?";
}

/* "12.3 MB" */
static void fmt_file_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < 1000000)
		snprintf(buf, len, "%.1f kB", bytes / 1e3);
	else if (bytes < 1000000000)
		snprintf(buf, len, "%.1f MB", bytes / 1e6);
	else
		snprintf(buf, len, "%.2f GB", bytes / 1e9);
}

/*
 * One status line on the terminal, rewritten in place: a carriage return
 * and spaces over what is left of the previous one, which every terminal
 * understands.  At the end it is blanked, so the summary takes its place.
 */
static void show_status(struct record *rec, bool final)
{
	double secs = (now_ns(CLOCK_MONOTONIC) - rec->start_ns) / 1e9;
	char line[512], size[32];
	int n;

	if (!rec->status_tty)
		return;
	if (final) {
		if (rec->status_len)
			fprintf(stderr, "\r%*s\r", rec->status_len, "");
		rec->status_len = 0;
		return;
	}
	fmt_file_size(size, sizeof(size), rec->w.offset + rec->w.len);
	if (rec->s.system)
		n = snprintf(line, sizeof(line),
			     "vmprof: recording system-wide: ");
	else if (rec->vm_name && strcmp(rec->vm_name, target_comm(rec)))
		n = snprintf(line, sizeof(line),
			     "vmprof: recording VM %s (pid %d): ",
			     rec->vm_name, (int)rec->s.pid);
	else
		n = snprintf(line, sizeof(line),
			     "vmprof: recording pid %d (%s): ",
			     (int)rec->s.pid, target_comm(rec));
	n += snprintf(line + n, sizeof(line) - n,
		      "%.1f s, %llu samples, %llu lost, %s", secs,
		      (unsigned long long)rec->samples,
		      (unsigned long long)rec->lost, size);
	fprintf(stderr, "\r%s%*s", line,
		rec->status_len > n ? rec->status_len - n : 0, "");
	fflush(stderr);
	rec->status_len = n;
}

static bool target_gone(struct record *rec)
{
	if (rec->s.system)
		return false;
	if (rec->pidfd >= 0) {
		struct pollfd p = { .fd = rec->pidfd, .events = POLLIN };

		return poll(&p, 1, 0) > 0;
	}
	return kill(rec->s.pid, 0) && errno == ESRCH;
}

static int start_command(struct record *rec)
{
	int pipefd[2];
	int err = 0;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC)) {
		pr_err("pipe: %s", strerror(errno));
		return -1;
	}
	rec->child = fork();
	if (rec->child < 0) {
		pr_err("fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (!rec->child) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pipefd[0]);
		execvp(rec->command[0], rec->command);
		err = errno;
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	do {
		n = read(pipefd[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(err)) {
		pr_err("cannot run %s: %s", rec->command[0], strerror(err));
		waitpid(rec->child, NULL, 0);
		rec->child = 0;
		return -1;
	}
	return 0;
}

static bool child_exited(struct record *rec)
{
	pid_t p;

	if (rec->child <= 0)
		return false;
	p = waitpid(rec->child, &rec->child_status, WNOHANG);
	if (p == rec->child) {
		rec->child = 0;
		return true;
	}
	return false;
}

static void stop_child(struct record *rec)
{
	if (rec->child <= 0)
		return;
	kill(rec->child, SIGTERM);
	waitpid(rec->child, &rec->child_status, 0);
	rec->child = 0;
}

static int record_loop(struct record *rec)
{
	uint64_t deadline = 0, last_status = 0, last_info;
	struct pollfd pfd[2];
	int nfds;

	if (rec->duration > 0)
		deadline = rec->start_ns + (uint64_t)(rec->duration * 1e9);
	last_info = rec->start_ns;
	for (;;) {
		uint64_t now;
		int n;

		nfds = 0;
		pfd[nfds].fd = rec->s.fd;
		pfd[nfds].events = POLLIN;
		pfd[nfds++].revents = 0;
		if (rec->pidfd >= 0) {
			pfd[nfds].fd = rec->pidfd;
			pfd[nfds].events = POLLIN;
			pfd[nfds++].revents = 0;
		}
		n = poll(pfd, nfds, POLL_TIMEOUT_MS);
		if (n < 0 && errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			rec->stop_reason = VMPROF_STOP_ERROR;
			return -1;
		}
		if (drain_all(rec)) {
			rec->stop_reason = VMPROF_STOP_ERROR;
			return -1;
		}
		if (rec->in_open)
			vmprof_introspect__write_exes(&rec->in, &rec->w);
		if (vmprof_writer__flush(&rec->w)) {
			rec->stop_reason = VMPROF_STOP_ERROR;
			return -1;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (now - last_status >= STATUS_INTERVAL_NS) {
			show_status(rec, false);
			last_status = now;
		}
		/* Save the guest LSTAR (KASLR hint) as soon as it is seen,
		 * so that even an interrupted recording has it. */
		if (!(rec->s.info.flags & VMPROF_INFO_LSTAR) &&
		    now - last_info >= INFO_INTERVAL_NS) {
			struct vmprof_info info;

			last_info = now;
			if (!vmprof_session__get_info(&rec->s, &info) &&
			    (info.flags & VMPROF_INFO_LSTAR)) {
				rec->s.info = info;
				write_info(rec);
				write_guest_kernel(rec);
			}
		}
		if (stop_signal) {
			rec->stop_reason = VMPROF_STOP_SIGNAL;
			break;
		}
		if (child_exited(rec)) {
			rec->stop_reason = VMPROF_STOP_COMMAND;
			break;
		}
		if (deadline && now >= deadline) {
			rec->stop_reason = VMPROF_STOP_DURATION;
			break;
		}
		if ((nfds && (pfd[0].revents & (POLLHUP | POLLERR))) ||
		    target_gone(rec)) {
			rec->stop_reason = VMPROF_STOP_VM_EXIT;
			break;
		}
	}
	return 0;
}

static int finish(struct record *rec)
{
	struct vmprof_stats st;
	struct vmprof_exit_stat *exits = NULL;
	uint64_t *offcpu = NULL;
	struct vmprof_file_stats fst;
	struct vmprof_file_end end;
	struct vmprof_info info;
	int ret = 0;

	vmprof_session__disable(&rec->s);
	memset(&end, 0, sizeof(end));
	end.end_ns = now_ns(CLOCK_MONOTONIC);
	end.end_realtime_ns = now_ns(CLOCK_REALTIME);
	end.stop_reason = rec->stop_reason;
	if (drain_all(rec))
		ret = -1;
	if (rec->in_open) {
		vmprof_introspect__write_exes(&rec->in, &rec->w);
		vmprof_introspect__write_modules(&rec->in, &rec->w, true);
	}
	if (!vmprof_session__get_info(&rec->s, &info)) {
		rec->s.info = info;
		write_info(rec);
		write_guest_kernel(rec);
	}
	if (vmprof_session__stats(&rec->s, &st, &exits, &offcpu)) {
		pr_warn("VMPROF_IOC_GET_STATS failed: %s: the file has no totals or exit statistics",
			strerror(errno));
	} else {
		struct vmprof_file_exit_stats h = { .nr = st.nr_exits };
		size_t n = st.nr_exits * sizeof(*exits);

		/* The off-CPU times follow the entries (data-format.md). */
		if (offcpu) {
			exits = xrealloc(exits, n + st.nr_exits * sizeof(*offcpu));
			memcpy((char *)exits + n, offcpu,
			       st.nr_exits * sizeof(*offcpu));
			n += st.nr_exits * sizeof(*offcpu);
		}
		vmprof_writer__add(&rec->w, VMPROF_REC_EXIT_STATS, &h,
				   sizeof(h), exits, n);
		memset(&fst, 0, sizeof(fst));
		fst.samples = st.samples;
		fst.lost = st.lost;
		fst.filtered = st.filtered;
		fst.nr_vcpus = st.nr_vcpus;
		fst.target_alive = st.target_alive;
		fst.time_enabled = st.time_enabled;
		fst.time_running = st.time_running;
		fst.flags = st.flags;
		fst.missed_threads = st.missed_threads;
		if (rec->s.guest_task)
			pr_debug("guest samples whose task could not be read: %llu",
				 (unsigned long long)st.guest_unread);
		vmprof_writer__add(&rec->w, VMPROF_REC_STATS, &fst,
				   sizeof(fst), NULL, 0);
		if (st.lost > rec->lost)
			rec->lost = st.lost;
		if (st.flags & VMPROF_INFO_GUEST_UNREADABLE) {
			pr_err("guest registers cannot be read on this host (VMREAD fails in the VM's exits, as where KVM runs on Hyper-V with its enlightened VMCS): the recording holds no guest sample; load kvm_intel with enlightened_vmcs=0 to profile guests here");
			ret = -1;
		}
		if (st.missed_threads)
			pr_warn("%u threads the VMM started while recording were not profiled (more at once than the module could note)",
				st.missed_threads);
	}
	free(exits);
	free(offcpu);
	vmprof_writer__add(&rec->w, VMPROF_REC_END, &end, sizeof(end), NULL,
			   0);
	return ret;
}

static void cleanup(struct record *rec)
{
	if (rec->in_open)
		vmprof_introspect__close(&rec->in);
	vmprof_session__close(&rec->s);
	if (rec->pidfd >= 0)
		close(rec->pidfd);
	free(rec->comm);
	free(rec->vm_name);
	free(rec->cmdline);
	hashmap__exit(&rec->vms_seen);
}

static void open_pidfd(struct record *rec)
{
	rec->pidfd = -1;
	if (rec->s.system)
		return;
#ifdef SYS_pidfd_open
	rec->pidfd = syscall(SYS_pidfd_open, rec->s.pid, 0);
	if (rec->pidfd < 0)
		rec->pidfd = -1;
#endif
}

int cmd_record(int argc, char **argv)
{
	struct record rec = {
		.output = "vmprof.data",
		.pidfd = -1,
	};
	struct sigaction sa;
	int ret = VMPROF_EXIT_ERROR, err;

	vmprof_session__init(&rec.s);
	rec.s.sample = DEFAULT_FREQ;
	hashmap__init(&rec.vms_seen, sizeof(uint32_t), pid_eq);
	switch (parse_options(&rec, argc, argv)) {
	case 1:
		hashmap__exit(&rec.vms_seen);
		return VMPROF_EXIT_OK;
	case -1:
		hashmap__exit(&rec.vms_seen);
		return VMPROF_EXIT_USAGE;
	}
	if (rec.target && vm_target__resolve(rec.target, rec.target_is_name,
					     &rec.s.pid, &rec.vm_name)) {
		hashmap__exit(&rec.vms_seen);
		return VMPROF_EXIT_ERROR;
	}
	rec.cmdline = join_args(argc, argv);
	/* The process is the user's mistake more often than the module. */
	if (!rec.s.system && kill(rec.s.pid, 0) && errno == ESRCH) {
		pr_err("no process with PID %d", (int)rec.s.pid);
		goto out;
	}
	if (!rec.s.system)
		rec.comm = procfs__comm(rec.s.pid);
	rec.s.comm = rec.comm;
	rec.status_tty = !rec.quiet && isatty(STDERR_FILENO);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (vmprof_session__open(&rec.s))
		goto out;
	/* Call chains need the guest kernel too: its stacks, its modules. */
	if ((rec.introspect || rec.s.call_graph) && open_introspect(&rec))
		goto out;
	if (vmprof_session__attach(&rec.s))
		goto out;
	open_pidfd(&rec);

	if (!strcmp(rec.output, "-")) {
		/* A pipe: 'vmprof report -i -' reads it as it comes. */
		int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);

		if (fd < 0 || vmprof_writer__open_fd(&rec.w, fd)) {
			pr_err("cannot write to standard output: %s",
			       strerror(fd < 0 ? errno : rec.w.err));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	} else if (vmprof_data__keep_old(rec.output)) {
		pr_err("cannot rename %s to %s.old: %s", rec.output,
		       rec.output, strerror(errno));
		goto out;
	} else if (vmprof_writer__open(&rec.w, rec.output)) {
		pr_err("cannot write %s: %s", rec.output, strerror(rec.w.err));
		goto out;
	}
	rec.writer_open = true;
	write_metadata(&rec);
	if (rec.in_open) {
		write_guest_kernel(&rec);
		vmprof_introspect__write_modules(&rec.in, &rec.w, false);
	}

	if (vmprof_session__enable(&rec.s))
		goto out;
	rec.start_ns = now_ns(CLOCK_MONOTONIC);
	rec.start_realtime_ns = now_ns(CLOCK_REALTIME);
	write_info(&rec);
	if (vmprof_writer__flush(&rec.w))
		goto out;
	if (rec.command && start_command(&rec)) {
		rec.stop_reason = VMPROF_STOP_ERROR;
		finish(&rec);
		goto out;
	}

	ret = VMPROF_EXIT_OK;
	if (record_loop(&rec))
		ret = VMPROF_EXIT_ERROR;
	stop_child(&rec);
	if (finish(&rec))
		ret = VMPROF_EXIT_ERROR;
	if (rec.unknown)
		pr_debug("skipped %llu ring records of unknown types",
			 (unsigned long long)rec.unknown);
out:
	show_status(&rec, true);
	if (rec.writer_open) {
		uint64_t size;

		vmprof_writer__flush(&rec.w);
		size = rec.w.offset;
		err = vmprof_writer__close(&rec.w);
		if (err) {
			pr_err("writing %s: %s: recording stopped; the file keeps the %llu bytes written before",
			       rec.output, strerror(err),
			       (unsigned long long)size);
			ret = VMPROF_EXIT_ERROR;
		} else if (ret == VMPROF_EXIT_OK && !rec.quiet) {
			fprintf(stderr,
				"vmprof: wrote %s (%.3f MB): %llu samples, %llu lost\n",
				strcmp(rec.output, "-") ? rec.output :
				"the recording to standard output", size / 1e6,
				(unsigned long long)rec.samples,
				(unsigned long long)rec.lost);
			if (rec.s.call_graph)
				fprintf(stderr,
					"vmprof: %llu guest stacks, %.0f bytes each on average\n",
					(unsigned long long)rec.stacks,
					rec.stacks ? (double)rec.stack_bytes /
						     rec.stacks : 0.0);
		}
	}
	stop_child(&rec);
	cleanup(&rec);
	return ret;
}
