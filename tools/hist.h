/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_HIST_H
#define VMPROF_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

#define HIST_NO_EXIT	0xffffffffU

/*
 * Samples aggregated by address (and the few other fields that can make
 * two samples land in different rows), so that each distinct address is
 * symbolized once and samples need not be kept.
 */
struct hist_key {
	uint64_t addr;		/* guest RIP, host IP or exit guest RIP */
	uint64_t vmm_addr;	/* host IP of a charged sample, when kept */
	uint32_t exit_reason;	/* HIST_NO_EXIT unless charged */
	uint32_t vcpu;		/* 0 unless rows or stacks split by vCPU */
	uint32_t pid;		/* VMM pid for user-space host IPs, guest
				 * pid for guest user IPs, else 0 */
	uint16_t context;	/* VMPROF_CTX_* of the sample */
	uint16_t charged;	/* VMM sample charged to a guest address */
	uint32_t vm_pid;	/* the VM (VMM pid) of the sample, 0 none */
	uint32_t task;		/* guest task (report's table), 0: none */
	uint32_t chain;		/* its guest call chain (report's table),
				 * 0: none or not shown */
	uint32_t reserved;	/* 0 */
};

struct hist_entry {
	struct hist_key key;
	uint64_t samples;
	uint64_t period;
};

struct hist {
	struct hashmap map;	/* of struct hist_entry */
};

void hist__init(struct hist *h);
void hist__exit(struct hist *h);
/* key must be fully initialized, padding included (memset it). */
void hist__add(struct hist *h, const struct hist_key *key, uint64_t period);

/*
 * Multiply every entry's samples and period by num/den (< 1), rounding
 * down, and drop the entries that reach zero: the decaying window of a
 * live view (perf top decays its histogram the same way).
 */
void hist__decay(struct hist *h, unsigned int num, unsigned int den);
/* Drop every entry. */
void hist__clear(struct hist *h);

static inline size_t hist__nr(const struct hist *h)
{
	return h->map.nr;
}

/* for (pos = 0; (e = hist__next(h, &pos)); ) ... */
static inline const struct hist_entry *hist__next(const struct hist *h,
						  size_t *pos)
{
	return hashmap__next(&h->map, pos);
}

#endif /* VMPROF_HIST_H */
