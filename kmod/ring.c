// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU sample rings, shared with user space through mmap.
 *
 * The writer is the perf overflow handler, which runs in hardirq (software
 * clock) or NMI (hardware PMU) context on the CPU that owns the ring.  So
 * the writer may take no lock and must never wait: when the ring is full
 * the sample is dropped and counted, and a LOST record with the exact
 * count goes in front of the next sample that fits.  A writer that finds
 * another one active on the same ring (an NMI over the hrtimer of another
 * event of the same session, which the design does not produce but which
 * must not corrupt anything) drops its sample the same way.
 *
 * The reader is user space.  Nothing it writes into the mapping can make
 * the kernel write outside the data area: the head is kept privately and
 * only published, and a tail that makes no sense is treated as a full
 * ring.
 */
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/log2.h>

#include "vmprof.h"

struct vmprof_rings *vmprof_rings_alloc(u32 data_pages, u32 watermark)
{
	struct vmprof_rings *rings;
	size_t stride = (size_t)(data_pages + 1) * PAGE_SIZE;
	u32 nr = nr_cpu_ids;
	u32 i;

	rings = kzalloc(struct_size(rings, ring, nr), GFP_KERNEL);
	if (!rings)
		return NULL;
	rings->nr = nr;
	rings->stride = stride;
	rings->size = stride * nr;
	rings->data_pages = data_pages;
	rings->area = vmalloc_user(rings->size);
	if (!rings->area) {
		kfree(rings);
		return NULL;
	}
	for (i = 0; i < nr; i++) {
		struct vmprof_ring *r = &rings->ring[i];
		u64 size = (u64)data_pages * PAGE_SIZE;

		r->ctl = rings->area + i * stride;
		r->data = (void *)r->ctl + PAGE_SIZE;
		r->mask = size - 1;
		r->watermark = watermark && watermark < size ? watermark
							      : size / 2;
		local_set(&r->busy, 0);
		local_set(&r->lost_pending, 0);
		local_set(&r->lost, 0);
		local_set(&r->written, 0);
		r->ctl->data_offset = PAGE_SIZE;
		r->ctl->data_size = size;
		r->ctl->cpu = i;
	}
	atomic_inc(&vmprof_objects.rings);
	return rings;
}

void vmprof_rings_free(struct vmprof_rings *rings)
{
	if (!rings)
		return;
	vfree(rings->area);
	kfree(rings);
	atomic_dec(&vmprof_objects.rings);
}

static void vmprof_ring_copy(struct vmprof_ring *r, u64 pos, const void *src,
			     u32 len)
{
	u64 off = pos & r->mask;
	u64 first = min_t(u64, len, r->mask + 1 - off);

	memcpy(r->data + off, src, first);
	if (first < len)
		memcpy(r->data, src + first, len - first);
}

/* Bytes the reader has not consumed; a nonsensical tail reads as full. */
static u64 vmprof_ring_used(struct vmprof_ring *r)
{
	u64 tail = smp_load_acquire(&r->ctl->data_tail);
	u64 used = r->head - tail;

	return used > r->mask + 1 ? r->mask + 1 : used;
}

static void vmprof_ring_drop(struct vmprof_ring *r)
{
	local_inc(&r->lost_pending);
	local_inc(&r->lost);
	WRITE_ONCE(r->ctl->lost, local_read(&r->lost));
}

/*
 * Write one record on this CPU's ring.  Called with interrupts disabled
 * (hardirq or NMI).  Returns false if the record was dropped.
 */
bool vmprof_ring_write(struct vmprof_session *s, const void *rec, u32 len)
{
	struct vmprof_rings *rings = s->rings;
	struct vmprof_ring *r = &rings->ring[smp_processor_id()];
	long pending;
	u64 need, used;

	if (local_cmpxchg(&r->busy, 0, 1) != 0) {
		vmprof_ring_drop(r);
		return false;
	}

	pending = local_read(&r->lost_pending);
	need = len + (pending ? sizeof(struct vmprof_lost) : 0);
	used = vmprof_ring_used(r);
	if (r->mask + 1 - used < need) {
		vmprof_ring_drop(r);
		local_set(&r->busy, 0);
		return false;
	}

	if (pending) {
		struct vmprof_lost lost = {
			.header = {
				.type = VMPROF_RECORD_LOST,
				.size = sizeof(lost),
			},
			.lost = pending,
			.time_ns = vmprof_clock_mono(),
		};

		vmprof_ring_copy(r, r->head, &lost, sizeof(lost));
		r->head += sizeof(lost);
		/* An NMI may have added to it meanwhile: keep the rest. */
		local_sub(pending, &r->lost_pending);
	}
	vmprof_ring_copy(r, r->head, rec, len);
	r->head += len;
	local_inc(&r->written);
	WRITE_ONCE(r->ctl->written, local_read(&r->written));
	/* Pairs with the reader's load-acquire of data_head. */
	smp_store_release(&r->ctl->data_head, r->head);
	local_set(&r->busy, 0);

	if (used + need >= r->watermark)
		irq_work_queue(&s->wakeup);
	return true;
}

bool vmprof_rings_readable(struct vmprof_rings *rings)
{
	u32 i;

	for (i = 0; i < rings->nr; i++) {
		struct vmprof_ring *r = &rings->ring[i];
		u64 head = smp_load_acquire(&r->ctl->data_head);
		u64 tail = READ_ONCE(r->ctl->data_tail);

		if (head - tail >= r->watermark)
			return true;
	}
	return false;
}

void vmprof_rings_totals(struct vmprof_rings *rings, u64 *written, u64 *lost)
{
	u32 i;

	*written = 0;
	*lost = 0;
	for (i = 0; i < rings->nr; i++) {
		*written += local_read(&rings->ring[i].written);
		*lost += local_read(&rings->ring[i].lost);
	}
}
