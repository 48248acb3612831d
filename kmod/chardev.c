// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmprof: the file operations.  The ABI they implement is specified
 * in include/vmprof.h; this file only checks and copies arguments.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vmprof.h"
#include "compat.h"

static int vmprof_open(struct inode *inode, struct file *file)
{
	struct vmprof_session *s;

	if (!perfmon_capable())
		return -EPERM;
	s = vmprof_session_create();
	if (!s)
		return -ENOMEM;
	file->private_data = s;
	return stream_open(inode, file);
}

static int vmprof_release(struct inode *inode, struct file *file)
{
	vmprof_session_destroy(file->private_data);
	return 0;
}

static long vmprof_ioctl_version(void __user *uarg)
{
	struct vmprof_version v = {
		.abi_major = VMPROF_ABI_MAJOR,
		.abi_minor = VMPROF_ABI_MINOR,
	};

	strscpy(v.module_version, VMPROF_VERSION, sizeof(v.module_version));
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long vmprof_ioctl_attach(struct vmprof_session *s, void __user *uarg)
{
	struct vmprof_attach at;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < VMPROF_ATTACH_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&at, sizeof(at), uarg, usize);
	if (err)
		return err;
	return vmprof_session_attach(s, &at);
}

static long vmprof_ioctl_info(struct vmprof_session *s, void __user *uarg)
{
	struct vmprof_info info;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < VMPROF_INFO_SIZE_VER0)
		return -EINVAL;
	err = vmprof_session_info(s, &info);
	if (err)
		return err;
	return copy_to_user(uarg, &info, min_t(u32, usize, sizeof(info))) ?
	       -EFAULT : 0;
}

static long vmprof_ioctl_stats(struct vmprof_session *s, void __user *uarg)
{
	struct vmprof_stats st;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < VMPROF_STATS_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&st, sizeof(st), uarg, usize);
	if (err)
		return err;
	if (memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;
	/* exits_offcpu must describe as many entries as exits. */
	if (st.exits_offcpu && !st.exits)
		return -EINVAL;
	err = vmprof_session_stats(s, &st);
	if (err)
		return err;
	st.size = sizeof(st);
	return copy_to_user(uarg, &st, min_t(u32, usize, sizeof(st))) ?
	       -EFAULT : 0;
}

/*
 * A command without its size bits, which say how large the caller's
 * struct was when its header was written: each handler reads the size
 * from the struct itself (include/vmprof.h).
 */
#define vmprof_ioctl_unsized(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long vmprof_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct vmprof_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) == VMPROF_IOC_MAGIC)
		cmd = vmprof_ioctl_unsized(cmd);
	switch (cmd) {
	case vmprof_ioctl_unsized(VMPROF_IOC_GET_VERSION):
		return vmprof_ioctl_version(uarg);
	case vmprof_ioctl_unsized(VMPROF_IOC_ATTACH):
		return vmprof_ioctl_attach(s, uarg);
	case VMPROF_IOC_ENABLE:
	case VMPROF_IOC_DISABLE:
		/* No argument, so none but 0: it may mean something later. */
		if (arg)
			return -EINVAL;
		return vmprof_session_enable(s, cmd == VMPROF_IOC_ENABLE);
	case vmprof_ioctl_unsized(VMPROF_IOC_GET_INFO):
		return vmprof_ioctl_info(s, uarg);
	case vmprof_ioctl_unsized(VMPROF_IOC_GET_STATS):
		return vmprof_ioctl_stats(s, uarg);
	case vmprof_ioctl_unsized(VMPROF_IOC_GUEST_READ):
		return vmprof_guest_read_ioctl(uarg);
	}
	return -ENOTTY;
}

static int vmprof_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vmprof_session *s = file->private_data;
	int err = -EINVAL;

	mutex_lock(&s->lock);
	/* Private mappings would copy pages the kernel keeps writing. */
	if (s->attached && vma->vm_pgoff == 0 && (vma->vm_flags & VM_SHARED) &&
	    vma->vm_end - vma->vm_start == s->rings->size) {
		vmprof_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
		err = remap_vmalloc_range(vma, s->rings->area, 0);
	}
	mutex_unlock(&s->lock);
	return err;
}

static __poll_t vmprof_poll(struct file *file, poll_table *wait)
{
	struct vmprof_session *s = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &s->wait, wait);
	mutex_lock(&s->lock);
	/*
	 * The VMM's end wakes the waiters of its struct pid (pidfd_poll()
	 * waits there too), which the target holds until the session ends.
	 */
	if (s->attached && s->target)
		poll_wait(file, &s->target->tgid->wait_pidfd, wait);
	if (s->attached) {
		if (vmprof_rings_readable(s->rings))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!vmprof_session_target_alive(s))
			mask |= EPOLLHUP;
	}
	mutex_unlock(&s->lock);
	return mask;
}

static const struct file_operations vmprof_fops = {
	.owner = THIS_MODULE,
	.open = vmprof_open,
	.release = vmprof_release,
	.unlocked_ioctl = vmprof_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vmprof_mmap,
	.poll = vmprof_poll,
};

/* Everyone may open; vmprof_open() checks CAP_PERFMON, as perf does. */
static struct miscdevice vmprof_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmprof",
	.fops = &vmprof_fops,
	.mode = 0666,
};

int vmprof_chardev_init(void)
{
	return misc_register(&vmprof_misc);
}

void vmprof_chardev_uninit(void)
{
	misc_deregister(&vmprof_misc);
}
