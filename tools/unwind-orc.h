/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UNWIND_ORC_H
#define VMPROF_UNWIND_ORC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unwind.h"

/*
 * The guest kernel's ORC unwinder (arch/x86/kernel/unwind_orc.c), run in
 * user space over a stack copy.  Its tables come from the guest kernel's
 * own image (.orc_unwind_ip, .orc_unwind: Debian's vmlinuz has them) and
 * from each module's, as the guest kernel keeps them in its memory.
 *
 * Two entry layouts exist: up to 6.3 {sp_reg:4, bp_reg:4, type:2, end:1}
 * with types CALL, REGS, REGS_PARTIAL; from 6.4 {sp_reg:4, bp_reg:4,
 * type:3, signal:1} with types UNDEFINED, END_OF_STACK, CALL, REGS,
 * REGS_PARTIAL, and an .orc_header section that says so.
 */
struct orc_unwinder;

struct orc_unwinder *orc_unwinder__new(void);
void orc_unwinder__delete(struct orc_unwinder *u);

/* 6.4 and later entries (the image has .orc_header). */
void orc_unwinder__set_format(struct orc_unwinder *u, bool v6_4);

/*
 * A table of code [lo, hi): n entries; ip_data holds the kernel's int32
 * offsets, each relative to its own address (ip_addr + 4 * i), orc_data
 * the 6-byte entries.  Entries need not be sorted.  Addresses are
 * runtime addresses.  Returns 0, or -1 if n is 0 or the range is empty.
 */
int orc_unwinder__add(struct orc_unwinder *u, const char *name, uint64_t lo,
		      uint64_t hi, uint64_t ip_addr, const void *ip_data,
		      const void *orc_data, size_t n);

/*
 * The tables of a kernel image (a vmlinuz, whatever its compression, or
 * a vmlinux: kimage.h), moved by the KASLR offset.  Returns 0, or -1
 * with err set (no ORC tables, not a kernel).
 */
int orc_unwinder__load_elf(struct orc_unwinder *u, const char *path,
			   uint64_t kaslr_offset, char *err, size_t errlen);

/* Whether some table covers ip. */
bool orc_unwinder__covers(const struct orc_unwinder *u, uint64_t ip);

/* Unwind a guest kernel sample.  The first frame is the sample's IP. */
void orc_unwind(const struct orc_unwinder *u, const struct unwind_input *in,
		struct unwind_result *res);

#endif /* VMPROF_UNWIND_ORC_H */
