// SPDX-License-Identifier: GPL-2.0
/*
 * Ring consumer: load-acquire data_head, copy records out of
 * [data_tail, data_head) honoring wrap-around, store-release data_tail.
 */
#include <string.h>

#include "ring.h"

#define RING_RECORD_MAX	65536	/* header.size is a __u16 */

int vmprof_ring__init(struct vmprof_ring *r, void *base, uint64_t stride,
		      uint32_t index)
{
	struct vmprof_ring_ctl *ctl =
		(void *)((unsigned char *)base + stride * index);
	uint64_t off = ctl->data_offset, size = ctl->data_size;

	memset(r, 0, sizeof(*r));
	if (!size || (size & (size - 1)))
		return -1;
	if (off < sizeof(*ctl) || off > stride || size > stride - off)
		return -1;
	r->ctl = ctl;
	r->data = (const unsigned char *)ctl + off;
	r->size = size;
	r->index = index;
	return 0;
}

static void copy_out(const struct vmprof_ring *r, uint64_t pos, void *dst,
		     size_t len)
{
	uint64_t off = pos & (r->size - 1);
	size_t first = r->size - off < len ? r->size - off : len;

	memcpy(dst, r->data + off, first);
	if (first < len)
		memcpy((unsigned char *)dst + first, r->data, len - first);
}

long vmprof_ring__drain(struct vmprof_ring *r, vmprof_ring_fn fn, void *ctx)
{
	/* 8-byte aligned bounce buffer for one record. */
	static uint64_t rec[RING_RECORD_MAX / sizeof(uint64_t)];
	struct vmprof_record_header h;
	uint64_t head, tail;
	long n = 0;
	int ret = 0;

	head = __atomic_load_n(&r->ctl->data_head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&r->ctl->data_tail, __ATOMIC_RELAXED);
	if (head - tail > r->size) {
		/* Tail ahead of head, or more than a ring behind. */
		r->bad++;
		tail = head;
	}
	while (tail != head) {
		uint64_t avail = head - tail;

		if (avail < sizeof(h)) {
			r->bad++;
			tail = head;
			break;
		}
		copy_out(r, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size % 8 || h.size > avail) {
			r->bad++;
			tail = head;
			break;
		}
		copy_out(r, tail, rec, h.size);
		ret = fn(ctx, r, (const struct vmprof_record_header *)rec);
		if (ret)
			break;
		tail += h.size;
		n++;
	}
	__atomic_store_n(&r->ctl->data_tail, tail, __ATOMIC_RELEASE);
	return ret ? -1 : n;
}
