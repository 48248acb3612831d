/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_VMLIST_H
#define VMPROF_VMLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The KVM virtual machines of this host, found in /proc: a process is a
 * VMM when it holds a KVM VM file (readlink of /proc/PID/fd/N is
 * "anon_inode:kvm-vm"), and its vCPUs are its "anon_inode:kvm-vcpu:N"
 * files.  A VM's name is, in this order: libvirt's domain name (the pid
 * files under /run/libvirt/qemu), QEMU's -name (guest=NAME or plain NAME),
 * or the process name.
 */
enum vm_name_source {
	VM_NAME_PROCESS,	/* /proc/PID/comm */
	VM_NAME_QEMU,		/* QEMU's -name */
	VM_NAME_LIBVIRT,	/* libvirt's pid file */
};

struct vm_entry {
	pid_t pid;
	char *name;
	enum vm_name_source name_source;
	char *comm;
	bool kvm;		/* holds a KVM VM file */
	unsigned int nr_vcpus;	/* kvm-vcpu files */
	bool have_memory;
	uint64_t memory;	/* guest RAM in bytes (QEMU's -m) */
	uint64_t rss;		/* resident bytes of the VMM process */
	uint64_t uptime_s;	/* seconds since the VMM process started */
};

struct vm_list {
	struct vm_entry *v;
	size_t nr;
	size_t unreadable;	/* processes whose files we may not read */
};

/*
 * Scan /proc.  With all unset, only VMMs (kvm set); with all set, also
 * processes that hold no KVM VM but carry a VM name (QEMU's -name or a
 * libvirt pid file), e.g. a QEMU running under TCG.  Sorted by PID.
 */
void vm_list__scan(struct vm_list *l, bool all);
void vm_list__free(struct vm_list *l);

const char *vm_name_source__name(enum vm_name_source s);

/*
 * A -p argument: 1 with *pid set when it is a process id, 0 when it is a
 * VM name, -1 when it is a number but no valid process id.
 */
int vm_target__parse_pid(const char *arg, pid_t *pid);

/*
 * A -p ARG (name_only false) or --vm ARG (true) of command cmd: kept in
 * *target and *target_is_name for vm_target__resolve().  Returns -1 after
 * a usage line for a second one, a number that is no process id after
 * -p, or an empty name.
 */
int vm_target__option(const char *cmd, const char *arg, bool name_only,
		      const char **target, bool *target_is_name);

/* The name of the VM that process pid runs (as `vmprof list` names it;
 * free it), or NULL when pid runs no KVM VM. */
char *vm_target__name(pid_t pid);

/*
 * The VMM process a command line names: -p takes a PID or a VM name,
 * --vm a name only (name_only).  Returns 0 with *pid set, or -1 after one
 * "vmprof: error:" line (unknown name, a name that several VMs share, a
 * name whose process runs no KVM VM).  *name gets the VM's name when the
 * process is a VM (free it), else NULL.
 */
int vm_target__resolve(const char *arg, bool name_only, pid_t *pid,
		       char **name);

#endif /* VMPROF_VMLIST_H */
