// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM virtual machines of this host, found in /proc, and the VMM
 * process that a "-p PID|NAME" or "--vm NAME" option means.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"
#include "vmlist.h"

/* What KVM names its files (virt/kvm/kvm_main.c: anon_inode_getfile). */
#define KVM_VM_LINK		"anon_inode:kvm-vm"
#define KVM_VCPU_LINK		"anon_inode:kvm-vcpu:"
#define LIBVIRT_RUN_DIR		"/run/libvirt/qemu"
#define QEMU_DEFAULT_RAM	(128ULL << 20)	/* QEMU's -m default */
#define PID_MAX			0x3fffffff

const char *vm_name_source__name(enum vm_name_source s)
{
	switch (s) {
	case VM_NAME_LIBVIRT:
		return "libvirt";
	case VM_NAME_QEMU:
		return "qemu";
	default:
		return "process";
	}
}

/* ---- QEMU's command line ---- */

/*
 * The value of key in a QEMU option string ("a=1,b=2", ",," is a comma);
 * a first parameter without '=' is the value of implied.  The last one
 * wins, as when QEMU merges repeated options.  NULL if absent.
 */
static char *qemu_opt(const char *opts, const char *key,
		      const char *implied)
{
	char *val = NULL, *tok = xmalloc(strlen(opts) + 1);
	const char *p = opts;
	bool first = true;

	while (*p) {
		size_t n = 0;
		char *eq;

		/* One parameter, ",," unescaped. */
		while (*p) {
			if (*p == ',') {
				if (p[1] != ',')
					break;
				p++;
			}
			tok[n++] = *p++;
		}
		tok[n] = 0;
		if (*p == ',')
			p++;
		eq = strchr(tok, '=');
		if (eq) {
			*eq = 0;
			if (!strcmp(tok, key)) {
				free(val);
				val = xstrdup(eq + 1);
			}
		} else if (first && implied && !strcmp(implied, key)) {
			free(val);
			val = xstrdup(tok);
		}
		first = false;
	}
	free(tok);
	return val;
}

/* The argument of QEMU option opt (-opt or --opt), the last one given. */
static const char *qemu_arg(char *const *argv, int argc, const char *opt)
{
	const char *found = NULL;
	int i;

	for (i = 1; i + 1 < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-')
			continue;
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, opt))
			found = argv[++i];
	}
	return found;
}

static char *qemu_name(char *const *argv, int argc)
{
	const char *arg = qemu_arg(argv, argc, "name");
	char *name;

	if (!arg)
		return NULL;
	name = qemu_opt(arg, "guest", "guest");
	if (name && !name[0]) {
		free(name);
		name = NULL;
	}
	return name;
}

/* A QEMU size: a number with an optional B/K/M/G/T/P/E suffix (powers
 * of 1024), MiB without one. */
static bool qemu_size(const char *s, uint64_t *bytes)
{
	static const char suffixes[] = "BKMGTPE";
	const char *unit;
	double v, mul = 1ULL << 20;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || !isfinite(v))
		return false;
	if (*end) {
		unit = strchr(suffixes, toupper((unsigned char)*end));
		if (!unit || end[1])
			return false;
		mul = (double)(1ULL << (10 * (unit - suffixes)));
	}
	if (v * mul >= 18446744073709551615.0)
		return false;
	*bytes = (uint64_t)(v * mul);
	return true;
}

static bool is_qemu(char *const *argv, int argc)
{
	const char *base;

	if (argc < 1)
		return false;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	return !strncmp(base, "qemu", 4);
}

static bool qemu_memory(char *const *argv, int argc, uint64_t *bytes)
{
	const char *arg = qemu_arg(argv, argc, "m");
	char *size;
	bool ok;

	if (!arg) {
		*bytes = QEMU_DEFAULT_RAM;
		return true;
	}
	size = qemu_opt(arg, "size", "size");
	ok = size && qemu_size(size, bytes);
	free(size);
	return ok;
}

/* /proc/PID/cmdline as an argv array (one allocation); argc 0 if none. */
static char **read_argv(pid_t pid, int *argcp)
{
	char path[64], *buf, **argv;
	size_t len, i, n = 0, off;

	*argcp = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf = procfs__read_file(path, &len);
	if (!buf)
		return NULL;
	for (i = 0; i < len; i++)
		n += !buf[i];
	if (len && buf[len - 1])
		n++;
	off = (n + 1) * sizeof(char *);
	argv = xmalloc(off + len + 1);
	memcpy((char *)argv + off, buf, len + 1);
	free(buf);
	buf = (char *)argv + off;
	for (i = 0, n = 0; i < len; i += strlen(buf + i) + 1)
		argv[n++] = buf + i;
	argv[n] = NULL;
	*argcp = n;
	return argv;
}

/* ---- libvirt's pid files ---- */

struct pid_name {
	pid_t pid;
	char *name;
};

struct pid_names {
	struct pid_name *v;
	size_t nr;
};

static void read_pid_dir(struct pid_names *names, const char *dir)
{
	struct dirent *ent;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		char path[4096], *text;
		uint64_t pid;

		if (len <= 4 || strcmp(ent->d_name + len - 4, ".pid"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		text = procfs__read_file(path, NULL);
		if (!text)
			continue;
		text[strcspn(text, " \t\n")] = 0;
		if (!parse_u64(text, &pid, 10) && pid && pid <= PID_MAX) {
			names->v = xrealloc(names->v, (names->nr + 1) *
					    sizeof(*names->v));
			names->v[names->nr].pid = pid;
			names->v[names->nr].name = xstrndup(ent->d_name,
							    len - 4);
			names->nr++;
		}
		free(text);
	}
	closedir(d);
}

/* The system daemon's and the user's session daemon's pid files. */
static void read_libvirt_names(struct pid_names *names)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[4096];

	read_pid_dir(names, LIBVIRT_RUN_DIR);
	if (xdg && xdg[0]) {
		snprintf(dir, sizeof(dir), "%s/libvirt/qemu/run", xdg);
		read_pid_dir(names, dir);
	}
}

static const char *libvirt_name(const struct pid_names *names, pid_t pid)
{
	size_t i;

	for (i = 0; i < names->nr; i++)
		if (names->v[i].pid == pid)
			return names->v[i].name;
	return NULL;
}

static void free_pid_names(struct pid_names *names)
{
	size_t i;

	for (i = 0; i < names->nr; i++)
		free(names->v[i].name);
	free(names->v);
}

/* ---- one process ---- */

/* Count the KVM files of a process; -1 if its fds cannot be read. */
static int scan_fds(pid_t pid, bool *kvm, unsigned int *vcpus)
{
	char path[64], link[64];
	struct dirent *ent;
	DIR *d;

	*kvm = false;
	*vcpus = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((ent = readdir(d))) {
		ssize_t n;

		if (ent->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), ent->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, KVM_VM_LINK))
			*kvm = true;
		else if (!strncmp(link, KVM_VCPU_LINK, strlen(KVM_VCPU_LINK)))
			(*vcpus)++;
	}
	closedir(d);
	return 0;
}

static double read_uptime(void)
{
	char *s = procfs__read_file("/proc/uptime", NULL);
	double up = 0;

	if (s) {
		up = strtod(s, NULL);
		free(s);
	}
	return up;
}

/* Seconds since boot when the process started, from /proc/PID/stat. */
static bool process_start(pid_t pid, double *start)
{
	char path[64], *s, *p;
	unsigned long long ticks;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	s = procfs__read_file(path, NULL);
	if (!s)
		return false;
	/* After "pid (comm)" come fields 3, 4, ...; starttime is 22. */
	p = strrchr(s, ')');
	for (field = 2; p && field < 22; field++) {
		p = strchr(p + 1, ' ');
	}
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1) {
		free(s);
		return false;
	}
	free(s);
	*start = (double)ticks / sysconf(_SC_CLK_TCK);
	return true;
}

static uint64_t process_rss(pid_t pid)
{
	char path[64], *s;
	unsigned long long size, resident = 0;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	s = procfs__read_file(path, NULL);
	if (s) {
		if (sscanf(s, "%llu %llu", &size, &resident) != 2)
			resident = 0;
		free(s);
	}
	return (uint64_t)resident * sysconf(_SC_PAGESIZE);
}

static void entry_free(struct vm_entry *e)
{
	free(e->name);
	free(e->comm);
}

/*
 * Fill e for process pid.  Returns 1 when it belongs in the list (a VMM,
 * or with all a named non-KVM process), 0 when not, -1 when its files
 * cannot be read.
 */
static int read_entry(pid_t pid, const struct pid_names *names, bool all,
		      double uptime, struct vm_entry *e)
{
	const char *lv;
	char **argv;
	double start;
	int argc;

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	if (scan_fds(pid, &e->kvm, &e->nr_vcpus))
		return errno == ENOENT ? 0 : -1;
	if (!e->kvm && !all)
		return 0;
	argv = read_argv(pid, &argc);
	lv = libvirt_name(names, pid);
	if (lv) {
		e->name = xstrdup(lv);
		e->name_source = VM_NAME_LIBVIRT;
	} else if (argv) {
		e->name = qemu_name(argv, argc);
		if (e->name)
			e->name_source = VM_NAME_QEMU;
	}
	if (!e->kvm && !e->name) {
		free(argv);
		return 0;
	}
	e->comm = procfs__comm(pid);
	if (!e->comm) {
		free(argv);
		entry_free(e);
		return 0;	/* gone */
	}
	if (!e->name) {
		e->name = xstrdup(e->comm);
		e->name_source = VM_NAME_PROCESS;
	}
	if (argv && is_qemu(argv, argc))
		e->have_memory = qemu_memory(argv, argc, &e->memory);
	free(argv);
	e->rss = process_rss(pid);
	if (process_start(pid, &start) && uptime > start)
		e->uptime_s = (uint64_t)(uptime - start);
	return 1;
}

/* ---- the list ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct vm_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

void vm_list__scan(struct vm_list *l, bool all)
{
	struct pid_names names = { 0 };
	struct dirent *ent;
	double uptime = read_uptime();
	pid_t self = getpid();
	DIR *d;

	memset(l, 0, sizeof(*l));
	read_libvirt_names(&names);
	d = opendir("/proc");
	if (!d) {
		free_pid_names(&names);
		return;
	}
	while ((ent = readdir(d))) {
		struct vm_entry e;
		uint64_t pid;

		if (parse_u64(ent->d_name, &pid, 10) || !pid ||
		    pid > PID_MAX || (pid_t)pid == self)
			continue;
		switch (read_entry(pid, &names, all, uptime, &e)) {
		case 1:
			l->v = xrealloc(l->v, (l->nr + 1) * sizeof(*l->v));
			l->v[l->nr++] = e;
			break;
		case -1:
			l->unreadable++;
			break;
		}
	}
	closedir(d);
	free_pid_names(&names);
	if (l->nr > 1)
		qsort(l->v, l->nr, sizeof(*l->v), entry_cmp);
}

void vm_list__free(struct vm_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		entry_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- -p PID|NAME, --vm NAME ---- */

/* "1234, 5678" for the messages. */
static void pid_list(char *buf, size_t len, const struct vm_entry **v,
		     size_t nr)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < nr && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d", i ? ", " : "",
				(int)v[i]->pid);
}

static const char *root_hint(const struct vm_list *l)
{
	if (l->unreadable && geteuid() != 0)
		return "; the files of some processes could not be read: run as root to see every VM";
	return "";
}

static int resolve_name(const char *arg, pid_t *pid, char **name)
{
	const struct vm_entry **kvm, **other;
	size_t i, nr_kvm = 0, nr_other = 0;
	struct vm_list l;
	char pids[256];
	int ret = -1;

	vm_list__scan(&l, true);
	kvm = xcalloc(l.nr + 1, sizeof(*kvm));
	other = xcalloc(l.nr + 1, sizeof(*other));
	for (i = 0; i < l.nr; i++) {
		if (strcmp(l.v[i].name, arg))
			continue;
		if (l.v[i].kvm)
			kvm[nr_kvm++] = &l.v[i];
		else
			other[nr_other++] = &l.v[i];
	}
	if (nr_kvm == 1) {
		*pid = kvm[0]->pid;
		*name = xstrdup(kvm[0]->name);
		ret = 0;
	} else if (nr_kvm > 1) {
		pid_list(pids, sizeof(pids), kvm, nr_kvm);
		pr_err("%zu virtual machines are named '%s' (PIDs %s): give one with -p PID",
		       nr_kvm, arg, pids);
	} else if (nr_other) {
		pid_list(pids, sizeof(pids), other, nr_other);
		pr_err("'%s' is the name of process %s (%s), which runs no KVM virtual machine (it holds no KVM VM file: an emulator such as QEMU's TCG?)",
		       arg, pids, other[0]->comm);
	} else {
		pr_err("no virtual machine named '%s' ('vmprof list' shows the VMs of this host)%s",
		       arg, root_hint(&l));
	}
	free(kvm);
	free(other);
	vm_list__free(&l);
	return ret;
}

char *vm_target__name(pid_t pid)
{
	struct pid_names names = { 0 };
	struct vm_entry e;
	char *name = NULL;

	read_libvirt_names(&names);
	if (read_entry(pid, &names, false, 0, &e) == 1) {
		name = e.name;
		e.name = NULL;
		entry_free(&e);
	}
	free_pid_names(&names);
	return name;
}

int vm_target__parse_pid(const char *arg, pid_t *pid)
{
	uint64_t v;

	if (!arg[0] || strspn(arg, "0123456789") != strlen(arg))
		return 0;
	if (parse_u64(arg, &v, 10) || !v || v > PID_MAX)
		return -1;
	*pid = v;
	return 1;
}

int vm_target__option(const char *cmd, const char *arg, bool name_only,
		      const char **target, bool *target_is_name)
{
	pid_t pid;

	if (*target) {
		pr_usage(cmd, "give one VM: -p or --vm, once");
		return -1;
	}
	if (!name_only && vm_target__parse_pid(arg, &pid) < 0) {
		pr_usage(cmd, "-p takes a process id or a VM name, not '%s'",
			 arg);
		return -1;
	}
	if (!arg[0]) {
		pr_usage(cmd, "an empty VM name");
		return -1;
	}
	*target = arg;
	*target_is_name = name_only;
	return 0;
}

int vm_target__resolve(const char *arg, bool name_only, pid_t *pid,
		       char **name)
{
	*name = NULL;
	if (!name_only) {
		switch (vm_target__parse_pid(arg, pid)) {
		case 1:
			*name = vm_target__name(*pid);
			return 0;
		case -1:
			pr_err("%s is not a process id", arg);
			return -1;
		}
	}
	if (!arg[0]) {
		pr_err("an empty VM name");
		return -1;
	}
	return resolve_name(arg, pid, name);
}
