// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof: profile KVM guests from the host.  Module init and exit only;
 * vmprof.h maps the rest.
 */
#include <linux/module.h>

#include "vmprof.h"
#include "compat.h"

static int __init vmprof_init(void)
{
	int err;

	vmprof_guest_state_init();
	vmprof_clock_init();
	err = vmprof_hooks_init();
	if (err)
		return err;
	vmprof_debugfs_init();
	err = vmprof_chardev_init();
	if (err)
		goto err_debugfs;
	pr_info("version %s, ABI %d.%d, %s\n", VMPROF_VERSION,
		VMPROF_ABI_MAJOR, VMPROF_ABI_MINOR,
		vmprof_isa == VMPROF_ISA_SVM ? "AMD SVM" :
		vmprof_isa == VMPROF_ISA_VMX ? "Intel VMX" : "no VMX/SVM");
	return 0;

err_debugfs:
	vmprof_debugfs_uninit();
	vmprof_hooks_uninit();
	return err;
}

static void __exit vmprof_exit(void)
{
	/* Open sessions pin the module through fops.owner: none is left. */
	vmprof_chardev_uninit();
	vmprof_debugfs_uninit();
	vmprof_hooks_uninit();
}

module_init(vmprof_init);
module_exit(vmprof_exit);

MODULE_DESCRIPTION("Profile KVM guests from the host, down to guest functions");
MODULE_AUTHOR("vmprof developers");
MODULE_LICENSE("GPL");
/* KVM's tracepoints are found by name, not linked: have modprobe load it. */
MODULE_SOFTDEP("pre: kvm");
MODULE_VERSION(VMPROF_VERSION);
