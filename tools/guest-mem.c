// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory for 'vmprof record --guest-introspect', read by the
 * module in process context (VMPROF_IOC_GUEST_READ).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <vmprof.h>

#include "guest-mem.h"

#define STRING_CHUNK	64

static long guest_read(struct vmprof_gmem *gm, uint32_t op, uint32_t flags,
		       uint64_t cr3, uint64_t addr, void *buf, uint32_t len,
		       struct vmprof_guest_read *out)
{
	struct vmprof_guest_read r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = op;
	r.pid = gm->pid;
	r.flags = flags;
	r.addr = addr;
	r.cr3 = cr3;
	r.buf = (uintptr_t)buf;
	r.len = len;
	gm->ioctls++;
	if (ioctl(gm->fd, VMPROF_IOC_GUEST_READ, &r))
		return -1;
	if (out)
		*out = r;
	return r.done;
}

long vmprof_gmem__read_phys(struct vmprof_gmem *gm, uint64_t pa, void *buf,
			    uint32_t len)
{
	return guest_read(gm, VMPROF_GUEST_READ_PHYS, 0, 0, pa, buf, len,
			  NULL);
}

long vmprof_gmem__read_virt(struct vmprof_gmem *gm, uint64_t cr3, uint64_t va,
			    void *buf, uint32_t len)
{
	return guest_read(gm, VMPROF_GUEST_READ_VIRT,
			  gm->la57 ? VMPROF_GUEST_READ_LA57 : 0, cr3, va, buf,
			  len, NULL);
}

int vmprof_gmem__kread(struct vmprof_gmem *gm, uint64_t va, void *buf,
		       uint32_t len)
{
	return vmprof_gmem__read_virt(gm, gm->kernel_cr3, va, buf, len) ==
	       (long)len ? 0 : -1;
}

int vmprof_gmem__ku64(struct vmprof_gmem *gm, uint64_t va, uint64_t *v)
{
	return vmprof_gmem__kread(gm, va, v, sizeof(*v));
}

int vmprof_gmem__ku32(struct vmprof_gmem *gm, uint64_t va, uint32_t *v)
{
	return vmprof_gmem__kread(gm, va, v, sizeof(*v));
}

/* In chunks that do not cross a page, so a string near an unmapped page
 * is still read. */
int vmprof_gmem__string(struct vmprof_gmem *gm, uint64_t cr3, uint64_t va,
			char *buf, size_t cap)
{
	size_t used = 0;

	while (used + 1 < cap) {
		uint64_t a = va + used;
		uint32_t n = STRING_CHUNK;
		long got;
		char *nul;

		if (n > 4096 - (a & 4095))
			n = 4096 - (a & 4095);
		if (n > cap - 1 - used)
			n = cap - 1 - used;
		got = vmprof_gmem__read_virt(gm, cr3, a, buf + used, n);
		if (got <= 0)
			return -1;
		nul = memchr(buf + used, 0, got);
		if (nul)
			return 0;
		used += got;
		if ((uint32_t)got < n)
			return -1;
	}
	buf[used] = 0;
	return 0;
}

int vmprof_gmem__find(struct vmprof_gmem *gm, uint64_t from,
		      const void *pattern, const void *mask, uint32_t len,
		      uint64_t *found)
{
	unsigned char pm[2 * VMPROF_GUEST_FIND_MAX];
	struct vmprof_guest_read r;

	if (len > VMPROF_GUEST_FIND_MAX) {
		errno = EINVAL;
		return -1;
	}
	memcpy(pm, pattern, len);
	memcpy(pm + len, mask, len);
	while (from != ~0ULL) {
		if (guest_read(gm, VMPROF_GUEST_FIND_PAGE, 0, 0, from, pm, len,
			       &r) < 0)
			return -1;
		if (r.found != ~0ULL) {
			*found = r.found;
			return 1;
		}
		from = r.next;
	}
	return 0;
}
