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
 * Begin a group of records of at most @max bytes on this CPU's ring: a
 * sample and the records that go with it, kept or dropped together.
 * Called with interrupts disabled (hardirq or NMI).  False if the sample
 * was dropped (the ring is full, or another writer is active on it);
 * else the caller puts its records and commits.  The group stays private
 * until vmprof_ring_commit() publishes it: parts of it may be written in
 * any order, and rewritten.
 */
bool vmprof_ring_begin(struct vmprof_session *s, struct vmprof_ring_txn *t,
		       u32 max)
{
	struct vmprof_rings *rings = s->rings;
	struct vmprof_ring *r = &rings->ring[smp_processor_id()];
	long pending;
	u64 need;

	if (local_cmpxchg(&r->busy, 0, 1) != 0) {
		vmprof_ring_drop(r);
		return false;
	}

	pending = local_read(&r->lost_pending);
	need = max + (pending ? sizeof(struct vmprof_lost) : 0);
	t->used = vmprof_ring_used(r);
	if (r->mask + 1 - t->used < need) {
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
	t->s = s;
	t->r = r;
	t->pos = r->head;
	t->end = r->head + max;
	return true;
}

/* Append @len bytes to the group. */
void vmprof_ring_put(struct vmprof_ring_txn *t, const void *src, u32 len)
{
	if (WARN_ON_ONCE(len > t->end - t->pos))
		len = t->end - t->pos;
	vmprof_ring_copy(t->r, t->pos, src, len);
	t->pos += len;
}

/* Rewrite @len bytes at @at, a position of the group written before. */
void vmprof_ring_patch(struct vmprof_ring_txn *t, u64 at, const void *src,
		       u32 len)
{
	if (WARN_ON_ONCE(at < t->r->head || at + len > t->pos))
		return;
	vmprof_ring_copy(t->r, at, src, len);
}

/*
 * Append up to @len bytes that @fill writes straight into the ring (in
 * one or two pieces, the ring wrapping); @fill returns the bytes it
 * wrote, fewer when it could not go on.  Returns the bytes appended.
 */
u32 vmprof_ring_fill(struct vmprof_ring_txn *t, u32 len,
		     u32 (*fill)(void *ctx, void *dst, u32 len), void *ctx)
{
	struct vmprof_ring *r = t->r;
	u32 done = 0;

	if (WARN_ON_ONCE(len > t->end - t->pos))
		len = t->end - t->pos;
	while (done < len) {
		u64 off = t->pos & r->mask;
		u32 n = min_t(u64, len - done, r->mask + 1 - off);
		u32 got = fill(ctx, r->data + off, n);

		t->pos += got;
		done += got;
		if (got < n)
			break;
	}
	return done;
}

/* Publish the group: it counts as one sample written. */
void vmprof_ring_commit(struct vmprof_ring_txn *t)
{
	struct vmprof_ring *r = t->r;
	u64 len = t->pos - r->head;

	r->head = t->pos;
	local_inc(&r->written);
	WRITE_ONCE(r->ctl->written, local_read(&r->written));
	/* Pairs with the reader's load-acquire of data_head. */
	smp_store_release(&r->ctl->data_head, r->head);
	local_set(&r->busy, 0);

	if (t->used + len >= r->watermark)
		irq_work_queue(&t->s->wakeup);
}

/* Write one record on this CPU's ring; false if it was dropped. */
bool vmprof_ring_write(struct vmprof_session *s, const void *rec, u32 len)
{
	struct vmprof_ring_txn t;

	if (!vmprof_ring_begin(s, &t, len))
		return false;
	vmprof_ring_put(&t, rec, len);
	vmprof_ring_commit(&t);
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
