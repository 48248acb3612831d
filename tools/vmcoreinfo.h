/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_VMCOREINFO_H
#define VMPROF_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The VMCOREINFO note a Linux kernel keeps in its memory for crash dump
 * tools (kernel/crash_core.c, arch_crash_save_vmcoreinfo()): "KEY=VALUE"
 * lines.  What vmprof uses of it.
 */
struct vmprof_vmcoreinfo {
	char release[65];		/* OSRELEASE */
	unsigned char build_id[32];	/* BUILD-ID */
	int build_id_size;
	bool have_kaslr;
	uint64_t kaslr_offset;		/* KERNELOFFSET */
	int l5;				/* NUMBER(pgtable_l5_enabled), -1 */
	bool have_phys_base;
	uint64_t phys_base;		/* NUMBER(phys_base) */
	uint64_t init_top_pgt;		/* SYMBOL(init_top_pgt), runtime */
	uint64_t sme_mask;		/* NUMBER(sme_mask) */
};

/* Parse @len bytes of note text; 0 if it has at least OSRELEASE. */
int vmprof_vmcoreinfo__parse(const char *text, size_t len,
			     struct vmprof_vmcoreinfo *v);

/* The guest-physical address of the kernel's top page table. */
bool vmprof_vmcoreinfo__kernel_cr3(const struct vmprof_vmcoreinfo *v,
				   uint64_t *cr3);

#endif /* VMPROF_VMCOREINFO_H */
