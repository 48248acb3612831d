/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_GUEST_MEM_H
#define VMPROF_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Guest memory through VMPROF_IOC_GUEST_READ (include/vmprof.h).  The
 * reads return the bytes read, which are fewer than asked when a page is
 * not mapped or not resident; -1 with errno set when the kernel refused.
 */
struct vmprof_gmem {
	int fd;			/* /dev/vmprof */
	pid_t pid;		/* the VMM */
	uint64_t kernel_cr3;	/* guest-physical root of kernel mappings */
	bool la57;		/* 5-level paging */
	uint64_t ioctls;	/* reads made, for -v */
};

long vmprof_gmem__read_phys(struct vmprof_gmem *gm, uint64_t pa, void *buf,
			    uint32_t len);
long vmprof_gmem__read_virt(struct vmprof_gmem *gm, uint64_t cr3, uint64_t va,
			    void *buf, uint32_t len);
/* Guest kernel memory (kernel_cr3); 0 if all of it was read. */
int vmprof_gmem__kread(struct vmprof_gmem *gm, uint64_t va, void *buf,
		       uint32_t len);
int vmprof_gmem__ku64(struct vmprof_gmem *gm, uint64_t va, uint64_t *v);
int vmprof_gmem__ku32(struct vmprof_gmem *gm, uint64_t va, uint32_t *v);
/* A NUL-terminated string of at most cap - 1 bytes; 0 if one was read. */
int vmprof_gmem__string(struct vmprof_gmem *gm, uint64_t cr3, uint64_t va,
			char *buf, size_t cap);
/*
 * The first guest-physical page at or after @from whose first @len bytes
 * match @pattern where @mask has bits.  1 found (*found set), 0 not found,
 * -1 error (errno).
 */
int vmprof_gmem__find(struct vmprof_gmem *gm, uint64_t from,
		      const void *pattern, const void *mask, uint32_t len,
		      uint64_t *found);

#endif /* VMPROF_GUEST_MEM_H */
