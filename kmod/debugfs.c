// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmprof/objects: live objects, so that tests can prove
 * that every session, target, thread, event, ring and task reference is
 * gone once the last session is; and how many sessions are sampling, so
 * that they can wait for a recorder to start.  hooks: whether the probes
 * are registered.  vmread: the VMX fault-path self-test.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vmprof.h"

struct vmprof_objects vmprof_objects;
static struct dentry *vmprof_debugfs_dir;

static int vmprof_objects_show(struct seq_file *m, void *v)
{
	seq_printf(m, "sessions %d\n", atomic_read(&vmprof_objects.sessions));
	seq_printf(m, "targets %d\n", atomic_read(&vmprof_objects.targets));
	seq_printf(m, "threads %d\n", atomic_read(&vmprof_objects.threads));
	seq_printf(m, "events %d\n", atomic_read(&vmprof_objects.events));
	seq_printf(m, "rings %d\n", atomic_read(&vmprof_objects.rings));
	seq_printf(m, "task_refs %d\n",
		   atomic_read(&vmprof_objects.task_refs));
	seq_printf(m, "enabled %d\n", atomic_read(&vmprof_objects.enabled));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmprof_objects);

/* Not an object count: the probes outlive sessions by hooks_linger_ms. */
static int vmprof_hooks_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", vmprof_hooks_active());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmprof_hooks);

/*
 * A self-test, not a statistic: each read runs one VMREAD on the reading
 * CPU with no vCPU of ours loaded (guest_state.c says why this is the only
 * way to reach its fault path) and says how it went.  The VMX lab reads
 * it with no VM running, where the VMREAD must fault and be caught.
 */
static int vmprof_vmread_show(struct seq_file *m, void *v)
{
	bool vmxe = false;
	u64 val = 0;
	int ret = vmprof_vmread_selftest(&vmxe, &val);

	if (ret < 0)
		seq_puts(m, "not an Intel VMX host\n");
	else if (ret)
		seq_printf(m, "cr4.vmxe=%d vmread=ok exit_reason=0x%llx\n",
			   vmxe, val);
	else
		seq_printf(m, "cr4.vmxe=%d vmread=failed\n", vmxe);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmprof_vmread);

static int vmprof_guest_task_show(struct seq_file *m, void *v)
{
	vmprof_guest_task_timing_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmprof_guest_task);

void vmprof_debugfs_init(void)
{
	vmprof_debugfs_dir = debugfs_create_dir("vmprof", NULL);
	debugfs_create_file("objects", 0444, vmprof_debugfs_dir, NULL,
			    &vmprof_objects_fops);
	debugfs_create_file("hooks", 0444, vmprof_debugfs_dir, NULL,
			    &vmprof_hooks_fops);
	debugfs_create_file("vmread", 0400, vmprof_debugfs_dir, NULL,
			    &vmprof_vmread_fops);
	debugfs_create_file("guest_task", 0400, vmprof_debugfs_dir, NULL,
			    &vmprof_guest_task_fops);
}

void vmprof_debugfs_uninit(void)
{
	debugfs_remove_recursive(vmprof_debugfs_dir);
}
