// SPDX-License-Identifier: GPL-2.0
/*
 * Sample times: CLOCK_MONOTONIC, read cheaply.
 *
 * ktime_get_mono_fast_ns() is NMI-safe, but on a host whose clocksource
 * is not the TSC (HPET, acpi_pm: a host that marked its TSC unstable, and
 * the lab's L1) every read is a device register access, slower than the
 * rest of a sample put together.  local_clock() is the TSC, per CPU.  So
 * each CPU keeps the difference between the two, measured again when it
 * is older than VMPROF_CLOCK_RESYNC_NS, and stamps samples with
 * local_clock() plus that difference: CLOCK_MONOTONIC to well under a
 * microsecond (the two clocks drift apart by parts per million), and
 * never going backwards on one CPU.
 *
 * Writers are the overflow handler and the ring (hardirq or NMI, on
 * their own CPU).  An NMI may interrupt an update: every field is one
 * 64-bit store of a value that is valid on its own, so the worst outcome
 * is an early resync.
 */
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "vmprof.h"

#define VMPROF_CLOCK_RESYNC_NS	(10 * NSEC_PER_MSEC)

struct vmprof_clock {
	u64 synced_at;		/* local_clock() when offset was measured */
	u64 offset;		/* CLOCK_MONOTONIC - local_clock() */
	u64 last;		/* last time handed out on this CPU */
};

static DEFINE_PER_CPU(struct vmprof_clock, vmprof_clock);

/*
 * CLOCK_MONOTONIC ns, from any context, on the current CPU, for @local,
 * a local_clock() just read on it (the caller may need it too).
 */
u64 vmprof_clock_mono_at(u64 local)
{
	struct vmprof_clock *c = this_cpu_ptr(&vmprof_clock);
	u64 now;

	if (unlikely(!c->synced_at ||
		     local - c->synced_at > VMPROF_CLOCK_RESYNC_NS)) {
		WRITE_ONCE(c->offset, ktime_get_mono_fast_ns() - local);
		WRITE_ONCE(c->synced_at, local);
	}
	now = local + READ_ONCE(c->offset);
	if ((s64)(now - READ_ONCE(c->last)) < 0)
		now = READ_ONCE(c->last);
	WRITE_ONCE(c->last, now);
	return now;
}

u64 vmprof_clock_mono(void)
{
	return vmprof_clock_mono_at(local_clock());
}
