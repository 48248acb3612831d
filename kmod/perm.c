// SPDX-License-Identifier: GPL-2.0
/*
 * May the caller profile this process?  perf asks ptrace_may_access(task,
 * PTRACE_MODE_READ_REALCREDS), which is not exported to modules; this is
 * the same rule without the LSM hook (Yama, SELinux): the caller's real
 * ids match all of the target's ids and the target is dumpable, or the
 * caller has CAP_SYS_PTRACE over the target's user namespace.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/capability.h>

#include "vmprof.h"
#include "compat.h"

static bool vmprof_same_ids(const struct cred *c, const struct cred *t)
{
	return uid_eq(c->uid, t->euid) && uid_eq(c->uid, t->suid) &&
	       uid_eq(c->uid, t->uid) && gid_eq(c->gid, t->egid) &&
	       gid_eq(c->gid, t->sgid) && gid_eq(c->gid, t->gid);
}

bool vmprof_may_profile(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	if (same_thread_group(task, current))
		return true;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = vmprof_same_ids(cred, tcred);
	if (!ok)
		ok = ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok && vmprof_task_dump_allowed(task);
}

/*
 * The process @nr with a reference the caller puts, if the caller may
 * profile it: -ESRCH there is none, -EACCES not the caller's to profile
 * (the ABI's errors for ATTACH and GUEST_READ).
 */
int vmprof_profilable_task_get(pid_t nr, struct task_struct **out)
{
	struct task_struct *task;
	struct pid *pid;

	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return -ESRCH;
	if (!vmprof_may_profile(task)) {
		put_task_struct(task);
		return -EACCES;
	}
	*out = task;
	return 0;
}
