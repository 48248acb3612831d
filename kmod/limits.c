// SPDX-License-Identifier: GPL-2.0
/*
 * The limits perf puts on its own users, kept for vmprof's sessions too:
 * perf_event_create_kernel_counter() applies none of those that
 * perf_event_open() and perf_mmap() check.
 *
 *  - Sampling frequency: perf_event_open() refuses attr.sample_freq above
 *    kernel.perf_event_max_sample_rate, a sysctl perf itself lowers when
 *    its interrupts take too long.  It is not exported, so it is read
 *    where user space reads it.
 *  - Locked memory: perf_mmap() charges ring buffers to the user
 *    (user_struct.locked_vm) and refuses, without CAP_IPC_LOCK, to go past
 *    perf_event_mlock_kb per online CPU plus RLIMIT_MEMLOCK.  vmprof's
 *    rings are vmalloc'ed and mapped into the recorder just the same; its
 *    allowance is the module parameter ring_mlock_kb, perf's default.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>

#include "vmprof.h"

/* perf's DEFAULT_MAX_SAMPLE_RATE, if the sysctl cannot be read. */
#define VMPROF_DEFAULT_MAX_SAMPLE_RATE	100000

static unsigned int ring_mlock_kb = 512 + (PAGE_SIZE / 1024);
module_param(ring_mlock_kb, uint, 0644);
MODULE_PARM_DESC(ring_mlock_kb,
		 "ring memory a user may lock per online CPU without CAP_IPC_LOCK, beyond RLIMIT_MEMLOCK (KiB; perf_event_mlock_kb's default)");

/* kernel.perf_event_max_sample_rate, now. */
static u64 vmprof_max_sample_rate(void)
{
	char buf[24] = "";
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	u64 rate;

	f = filp_open("/proc/sys/kernel/perf_event_max_sample_rate",
		      O_RDONLY, 0);
	if (IS_ERR(f))
		return VMPROF_DEFAULT_MAX_SAMPLE_RATE;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0 || kstrtou64(strim(buf), 10, &rate))
		return VMPROF_DEFAULT_MAX_SAMPLE_RATE;
	return rate;
}

/* Called in ATTACH, process context: -EINVAL as perf_event_open(). */
int vmprof_limits_check_rate(const struct vmprof_attach *at)
{
	if ((at->flags & VMPROF_ATTACH_FREQ) &&
	    at->sample > vmprof_max_sample_rate())
		return -EINVAL;
	return 0;
}

/*
 * Charge @pages of rings to the calling user, as perf_mmap() would;
 * -EPERM past the allowance without CAP_IPC_LOCK.
 */
int vmprof_limits_charge(struct vmprof_session *s, unsigned long pages)
{
	struct user_struct *user = get_current_user();
	unsigned long allowed, locked;

	allowed = (READ_ONCE(ring_mlock_kb) >> (PAGE_SHIFT - 10)) *
		  num_online_cpus() + (rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT);
	locked = atomic_long_add_return(pages, &user->locked_vm);
	if (locked > allowed && !capable(CAP_IPC_LOCK)) {
		atomic_long_sub(pages, &user->locked_vm);
		free_uid(user);
		return -EPERM;
	}
	s->locked_user = user;
	s->locked_pages = pages;
	return 0;
}

void vmprof_limits_uncharge(struct vmprof_session *s)
{
	if (!s->locked_user)
		return;
	atomic_long_sub(s->locked_pages, &s->locked_user->locked_vm);
	free_uid(s->locked_user);
	s->locked_user = NULL;
}
