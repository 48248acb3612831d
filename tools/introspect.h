/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_INTROSPECT_H
#define VMPROF_INTROSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <vmprof.h>

#include "data.h"
#include "guest-layout.h"
#include "guest-mem.h"
#include "symfind.h"
#include "vmcoreinfo.h"

struct vmprof_kimage;

/*
 * 'vmprof record --guest-introspect': learn from guest memory what the
 * guest runs, with nothing installed in the guest and nothing copied
 * out of it by hand.
 *
 *  1. the guest kernel's VMCOREINFO note, found by scanning guest memory
 *     for its header: release, build-id, KASLR offset, paging mode, the
 *     physical address of its page tables;
 *  2. the guest kernel's own image, by build-id (symfind.h): its BTF
 *     gives the struct offsets, its kallsyms where the module list and
 *     the running task are;
 *  3. the module list: name, text address and size, sections, build-id;
 *  4. for each guest process the samples meet: the program it runs
 *     (mm->exe_file), where it is mapped and its build-id.
 */
struct vmprof_introspect {
	struct vmprof_gmem gm;
	struct vmprof_symfind sf;
	struct vmprof_vmcoreinfo vci;
	char *vmcoreinfo;		/* the note's text */
	size_t vmcoreinfo_len;
	struct vmprof_kimage *img;
	char *img_path;
	enum vmprof_sym_source img_src;
	struct vmprof_guest_layout layout;
	bool have_layout;
	uint64_t page_offset_base;	/* runtime value */
	struct introspect_proc *procs;	/* guest processes met */
	size_t nr_procs, cap_procs;
	size_t nr_modules;
	bool module_orc;		/* GUEST_ORC after each GUEST_MODULE */
	struct introspect_mod *mods;	/* the modules written */
	size_t cap_mods;
};

/*
 * Steps 1 and 2.  Returns 0 when the guest kernel was identified (then
 * the GUEST_KERNEL record can be written), -1 otherwise; in both cases
 * what could not be done was said on stderr.
 */
int vmprof_introspect__open(struct vmprof_introspect *in, int fd, pid_t pid,
			    const struct vmprof_symfind *sf,
			    const char *vmlinux);
void vmprof_introspect__close(struct vmprof_introspect *in);

/*
 * For record -g: the %gs-relative addresses of the guest's per-CPU top of
 * the task stack and interrupt stack pointer (0 when unknown), and
 * whether the modules' ORC tables go with the module records.
 */
void vmprof_introspect__stacks(struct vmprof_introspect *in, uint64_t *top,
			       uint64_t *irq);

/* Whether samples can carry guest tasks; fills the attach fields. */
bool vmprof_introspect__attach(struct vmprof_introspect *in,
			       struct vmprof_attach *at);

/*
 * The GUEST_KERNEL record; @lstar (0: not seen yet) is checked against
 * entry_SYSCALL_64 plus the KASLR offset.  Returns the record's flags.
 */
uint32_t vmprof_introspect__write_kernel(struct vmprof_introspect *in,
					 struct vmprof_data_writer *w,
					 uint64_t lstar, bool tasks);

/*
 * Step 3: one GUEST_MODULE record per module not written before (by
 * name and text address), so a module loaded while recording is
 * written by the next walk.  @again: the walk at the end, when the
 * guest may have gone; a list it cannot read is then not worth a note.
 */
void vmprof_introspect__write_modules(struct vmprof_introspect *in,
				      struct vmprof_data_writer *w,
				      bool again);

/* Step 4: note a task the samples met; write what is learnt of it. */
void vmprof_introspect__task(struct vmprof_introspect *in,
			     const struct vmprof_file_guest_task *t);
void vmprof_introspect__write_exes(struct vmprof_introspect *in,
				   struct vmprof_data_writer *w);

#endif /* VMPROF_INTROSPECT_H */
