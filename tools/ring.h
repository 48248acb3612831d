/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_RING_H
#define VMPROF_RING_H

#include <stddef.h>
#include <stdint.h>

#include <vmprof.h>

/* The consumer side of one mmap'ed vmprof ring (see include/vmprof.h). */
struct vmprof_ring {
	struct vmprof_ring_ctl *ctl;
	const unsigned char *data;
	uint64_t size;		/* data_size, a power of two */
	uint32_t index;		/* ring number (host CPU) */
	uint64_t bad;		/* times the ring had to be resynchronized */
};

/* One record, copied out of the ring (wrap-around undone) into an
 * 8-byte aligned buffer of hdr->size bytes. */
typedef int (*vmprof_ring_fn)(void *ctx, const struct vmprof_ring *ring,
			      const struct vmprof_record_header *rec);

/*
 * Set up ring index of a mapping; base is the start of the mmap, stride
 * info.ring_stride.  Returns -1 if the control page is inconsistent.
 */
int vmprof_ring__init(struct vmprof_ring *r, void *base, uint64_t stride,
		      uint32_t index);

/*
 * Read every complete record in [data_tail, data_head) and hand it to fn,
 * then release the space.  Returns the number of records, or -1 if fn
 * failed (the records before it are consumed).  A ring whose head/tail or
 * record sizes make no sense is resynchronized to its head (r->bad++).
 */
long vmprof_ring__drain(struct vmprof_ring *r, vmprof_ring_fn fn, void *ctx);

#endif /* VMPROF_RING_H */
