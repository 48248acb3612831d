/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UNWIND_DWARF_H
#define VMPROF_UNWIND_DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "unwind.h"

/*
 * DWARF call frame information (.debug_frame, .eh_frame) of a guest
 * image with debuginfo, followed by elfutils' unwinder (libdwfl's
 * dwfl_getthread_frames()) over the stack copy: the guest's own view of
 * its frames, where no ORC tables or frame pointers are.
 */
struct dwarf_unwinder;

/*
 * The ELF at path, loaded where the guest runs it: bias is the runtime
 * address minus the link address (the KASLR offset of a guest kernel, 0
 * for code that runs at its link address).  NULL with err set if the file
 * cannot be used.
 */
struct dwarf_unwinder *dwarf_unwinder__new(const char *path, uint64_t bias,
					   char *err, size_t errlen);
void dwarf_unwinder__delete(struct dwarf_unwinder *u);

void dwarf_unwind(struct dwarf_unwinder *u, const struct unwind_input *in,
		  struct unwind_result *res);

#endif /* VMPROF_UNWIND_DWARF_H */
