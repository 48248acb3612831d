// SPDX-License-Identifier: GPL-2.0
/*
 * Sample times: CLOCK_MONOTONIC, read cheaply; and the probes' stamps.
 *
 * ktime_get_mono_fast_ns() is NMI-safe, but on a host whose clocksource
 * is not the TSC (HPET, acpi_pm: a host that marked its TSC unstable, and
 * the lab's L1) every read is a device register access, slower than the
 * rest of a sample put together.  A stamp (below) is the TSC.  So each
 * CPU keeps the difference between the two, measured again when it is
 * older than VMPROF_CLOCK_RESYNC_NS, and stamps samples with the stamp in
 * nanoseconds plus that difference: CLOCK_MONOTONIC to well under a
 * microsecond (the two clocks drift apart by parts per million), never
 * going backwards on one CPU, and in a fifth of local_clock()'s
 * instructions where the kernel does not trust the TSC.
 *
 * Writers are the overflow handler and the ring (hardirq or NMI, on
 * their own CPU).  An NMI may interrupt an update: every field is one
 * 64-bit store of a value that is valid on its own, so the worst outcome
 * is an early resync.
 */
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>

#include "vmprof.h"

#define VMPROF_CLOCK_RESYNC_NS	(10 * NSEC_PER_MSEC)

struct vmprof_clock {
	u64 synced_at;		/* the stamp when offset was measured */
	u64 offset;		/* CLOCK_MONOTONIC - the stamp in ns */
	u64 last;		/* last time handed out on this CPU */
};

static DEFINE_PER_CPU(struct vmprof_clock, vmprof_clock);
/* VMPROF_CLOCK_RESYNC_NS in stamps. */
static u64 vmprof_clock_resync __read_mostly = VMPROF_CLOCK_RESYNC_NS;

/*
 * CLOCK_MONOTONIC ns, from any context, on the current CPU, for @stamp,
 * a vmprof_stamp() just read on it (the caller may need it too).
 */
u64 vmprof_clock_mono_at(u64 stamp)
{
	struct vmprof_clock *c = this_cpu_ptr(&vmprof_clock);
	u64 ns = vmprof_stamp_to_ns(stamp), now;

	if (unlikely(!c->synced_at ||
		     stamp - c->synced_at > vmprof_clock_resync)) {
		WRITE_ONCE(c->offset, ktime_get_mono_fast_ns() - ns);
		WRITE_ONCE(c->synced_at, stamp);
		/* The kernel may find the TSCs apart at any time. */
		vmprof_clock_check();
	}
	now = ns + READ_ONCE(c->offset);
	if ((s64)(now - READ_ONCE(c->last)) < 0)
		now = READ_ONCE(c->last);
	WRITE_ONCE(c->last, now);
	return now;
}

u64 vmprof_clock_mono(void)
{
	return vmprof_clock_mono_at(vmprof_stamp());
}

/*
 * Stamps: what the KVM probes read at every exit and entry, to time the
 * VMM's work on each exit (its interval on one CPU, in the exit table)
 * and to tell a tick held back at entry (sample.c).  That is two reads per
 * round trip through the VMM, which must cost next to nothing: the TSC,
 * read directly, in cycles, converted to nanoseconds only when a total is
 * asked for.  local_clock() is the TSC too, scaled and, where the kernel
 * does not trust the TSC, filtered into the tick's window on every read:
 * about 100 instructions a read in the lab, where that made the two reads
 * cost the round trip 4.8% (docs/benchmarks.md).  The intervals are a
 * thread's, from an exit to its next entry, nearly always on one CPU.
 * Where the kernel found the CPUs' TSCs unsynchronized (the lab's L1 is
 * such a host), an exit whose entry is on another CPU counts no VMM time
 * (hooks.c): two CPUs' TSCs could be any distance apart.  Without a TSC,
 * stamps are local_clock()'s nanoseconds.
 */
DEFINE_STATIC_KEY_TRUE(vmprof_stamp_tsc);
bool vmprof_stamps_synced __read_mostly;
static u32 vmprof_stamp_khz __read_mostly;

void vmprof_clock_init(void)
{
	if (boot_cpu_has(X86_FEATURE_TSC) && tsc_khz) {
		vmprof_stamp_khz = tsc_khz;
		vmprof_clock_resync = (u64)tsc_khz *
				      (VMPROF_CLOCK_RESYNC_NS / NSEC_PER_MSEC);
	} else {
		static_branch_disable(&vmprof_stamp_tsc);
	}
	vmprof_clock_check();
}

/*
 * Whether stamps of two CPUs compare; the kernel may find out late (any
 * context: called at each resync above, written only when it changes).
 */
void vmprof_clock_check(void)
{
	bool synced = !static_branch_likely(&vmprof_stamp_tsc) ||
		      !check_tsc_unstable();

	if (READ_ONCE(vmprof_stamps_synced) != synced)
		WRITE_ONCE(vmprof_stamps_synced, synced);
}

u64 vmprof_stamp_to_ns(u64 stamps)
{
	if (!static_branch_likely(&vmprof_stamp_tsc))
		return stamps;
	return mul_u64_u32_div(stamps, NSEC_PER_MSEC, vmprof_stamp_khz);
}
