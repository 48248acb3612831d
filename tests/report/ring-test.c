// SPDX-License-Identifier: GPL-2.0
/*
 * ring-test: drive tools/ring.c over a ring laid out in memory exactly as
 * include/vmprof.h describes the mmap (a control page, then the data
 * pages), acting as the producer the kernel would be.  Checks records
 * that wrap around the end of the data area, data_tail release, and
 * resynchronization on nonsense sizes.  Prints one PASS/FAIL line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define PAGE		4096
#define DATA_PAGES	1
#define STRIDE		(PAGE * (1 + DATA_PAGES))

static unsigned char *area;
static int failures;

static void result(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("PASS: ring: %s\n", name);
	} else {
		printf("FAIL: ring: %s: %s\n", name, why);
		failures++;
	}
}

static struct vmprof_ring_ctl *ctl(int i)
{
	return (struct vmprof_ring_ctl *)(area + (size_t)STRIDE * i);
}

/* Producer: write bytes at position pos, wrapping. */
static void produce(int i, unsigned long long pos, const void *src,
		    size_t len)
{
	unsigned char *data = (unsigned char *)ctl(i) + ctl(i)->data_offset;
	size_t k;

	for (k = 0; k < len; k++)
		data[(pos + k) & (ctl(i)->data_size - 1)] =
			((const unsigned char *)src)[k];
}

static void put_sample(int i, unsigned long long rip)
{
	struct vmprof_sample s;

	memset(&s, 0, sizeof(s));
	s.header.type = VMPROF_RECORD_SAMPLE;
	s.header.size = sizeof(s);
	s.guest_rip = rip;
	s.context = VMPROF_CTX_GUEST_KERNEL;
	produce(i, ctl(i)->data_head, &s, sizeof(s));
	__atomic_store_n(&ctl(i)->data_head, ctl(i)->data_head + sizeof(s),
			 __ATOMIC_RELEASE);
}

static void put_lost(int i, unsigned long long n)
{
	struct vmprof_lost l;

	memset(&l, 0, sizeof(l));
	l.header.type = VMPROF_RECORD_LOST;
	l.header.size = sizeof(l);
	l.lost = n;
	produce(i, ctl(i)->data_head, &l, sizeof(l));
	ctl(i)->data_head += sizeof(l);
}

struct seen {
	unsigned long long rips[256];
	int nr;
	unsigned long long lost;
	int unknown;
};

static int collect(void *ctx, const struct vmprof_ring *r,
		   const struct vmprof_record_header *h)
{
	struct seen *s = ctx;

	(void)r;
	if (h->type == VMPROF_RECORD_SAMPLE && s->nr < 256)
		s->rips[s->nr++] = ((const struct vmprof_sample *)h)->guest_rip;
	else if (h->type == VMPROF_RECORD_LOST)
		s->lost += ((const struct vmprof_lost *)h)->lost;
	else
		s->unknown++;
	return 0;
}

int main(void)
{
	struct vmprof_ring ring;
	struct seen seen;
	unsigned long long start, rip;
	long n;
	int i, ok;
	char why[256];

	area = aligned_alloc(PAGE, STRIDE * 2);
	memset(area, 0, STRIDE * 2);
	for (i = 0; i < 2; i++) {
		ctl(i)->data_offset = PAGE;
		ctl(i)->data_size = PAGE * DATA_PAGES;
		ctl(i)->cpu = i;
	}

	result("init accepts a valid control page",
	       !vmprof_ring__init(&ring, area, STRIDE, 1) && ring.index == 1 &&
	       ring.size == PAGE, "init failed");
	ctl(0)->data_size = 3000;
	result("init rejects a data size that is not a power of two",
	       vmprof_ring__init(&ring, area, STRIDE, 0) != 0, "accepted");
	ctl(0)->data_size = PAGE * 2;
	result("init rejects a data area past the stride",
	       vmprof_ring__init(&ring, area, STRIDE, 0) != 0, "accepted");
	ctl(0)->data_size = PAGE;

	/* Start near the end of the data area so records wrap, with head
	 * and tail far beyond data_size (they are running byte counts). */
	vmprof_ring__init(&ring, area, STRIDE, 0);
	start = 10 * PAGE + PAGE - 3 * sizeof(struct vmprof_sample) - 24;
	ctl(0)->data_head = ctl(0)->data_tail = start;
	for (rip = 1; rip <= 20; rip++)
		put_sample(0, 0xffffffff81000000ULL + rip);
	put_lost(0, 7);
	memset(&seen, 0, sizeof(seen));
	n = vmprof_ring__drain(&ring, collect, &seen);
	ok = n == 21 && seen.nr == 20 && seen.lost == 7;
	for (i = 0; ok && i < 20; i++)
		ok = seen.rips[i] == 0xffffffff81000000ULL + i + 1;
	snprintf(why, sizeof(why), "n=%ld samples=%d lost=%llu", n, seen.nr,
		 seen.lost);
	result("records wrapping around the data area are read in order",
	       ok, why);
	result("data_tail is released up to data_head",
	       ctl(0)->data_tail == ctl(0)->data_head, "tail not advanced");

	memset(&seen, 0, sizeof(seen));
	n = vmprof_ring__drain(&ring, collect, &seen);
	result("an empty ring yields nothing", n == 0 && seen.nr == 0,
	       "records from an empty ring");

	/* A record of a type the tool does not know is handed over. */
	{
		struct { struct vmprof_record_header h; char pad[16]; } u;

		memset(&u, 0, sizeof(u));
		u.h.type = 77;
		u.h.size = sizeof(u);
		produce(0, ctl(0)->data_head, &u, sizeof(u));
		ctl(0)->data_head += sizeof(u);
		put_sample(0, 0x1234);
		memset(&seen, 0, sizeof(seen));
		n = vmprof_ring__drain(&ring, collect, &seen);
		result("unknown record types are passed on and skipped",
		       n == 2 && seen.unknown == 1 && seen.nr == 1 &&
		       seen.rips[0] == 0x1234, "unexpected records");
	}

	/* A record size that is not a multiple of 8: resynchronize. */
	{
		struct vmprof_record_header h = { .type = 1, .size = 12 };

		produce(0, ctl(0)->data_head, &h, sizeof(h));
		ctl(0)->data_head += 16;
		memset(&seen, 0, sizeof(seen));
		n = vmprof_ring__drain(&ring, collect, &seen);
		result("a bad record size resynchronizes the ring",
		       n == 0 && ring.bad == 1 &&
		       ctl(0)->data_tail == ctl(0)->data_head,
		       "not resynchronized");
	}

	/* A tail ahead of the head. */
	ctl(0)->data_tail = ctl(0)->data_head + 64;
	memset(&seen, 0, sizeof(seen));
	n = vmprof_ring__drain(&ring, collect, &seen);
	result("a tail ahead of the head resynchronizes the ring",
	       n == 0 && ring.bad == 2 &&
	       ctl(0)->data_tail == ctl(0)->data_head, "not resynchronized");

	/* A ring filled exactly to data_size. */
	ctl(0)->data_tail = ctl(0)->data_head;
	for (i = 0; i < (int)(PAGE / sizeof(struct vmprof_sample)); i++)
		put_sample(0, i);
	memset(&seen, 0, sizeof(seen));
	n = vmprof_ring__drain(&ring, collect, &seen);
	result("a nearly full ring is drained completely",
	       n == (long)(PAGE / sizeof(struct vmprof_sample)) &&
	       seen.nr == (int)(PAGE / sizeof(struct vmprof_sample)),
	       "records missing");

	free(area);
	return failures ? 1 : 0;
}
