/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_RESOLVE_H
#define VMPROF_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "symfind.h"

struct vmprof_elf;

/*
 * The address spaces of a recording: the guest kernel (vmlinux and/or a
 * System.map / kallsyms text, with the KASLR offset undone), the host
 * kernel (kallsyms saved in the data file) and the VMM's mappings (ELF
 * files checked against their recorded build-ids).
 */
struct vmprof_guest_opts {
	const char *vmlinux;
	const char *system_map;
	const char *kallsyms;
	bool have_kaslr_offset;
	uint64_t kaslr_offset;
};

enum vmprof_kaslr_source {
	VMPROF_KASLR_NONE,	/* offset 0: no hint, or nothing to match */
	VMPROF_KASLR_LSTAR,	/* guest_lstar - entry_SYSCALL_64 */
	VMPROF_KASLR_USER,	/* --kaslr-offset */
	VMPROF_KASLR_VMCOREINFO, /* the guest's own, recorded */
};

struct vmprof_resolved {
	const char *symbol;	/* NULL: unknown */
	const char *dso;	/* never NULL */
	struct vmprof_elf *elf;	/* for source lines, or NULL */
	uint64_t elf_addr;	/* addr in elf's link addresses */
};

struct vmprof_resolver;

struct vmprof_resolver *vmprof_resolver__new(void);
void vmprof_resolver__delete(struct vmprof_resolver *r);

/* Load the guest symbol sources; err is set and -1 returned when a given
 * file cannot be used. */
/* For the VM of VMM process pid, or with pid 0 for every VM that has no
 * symbols of its own. */
int vmprof_resolver__set_guest(struct vmprof_resolver *r, uint32_t pid,
			       const struct vmprof_guest_opts *opts,
			       bool have_lstar, uint64_t lstar,
			       char *err, size_t errlen);
bool vmprof_resolver__has_guest(const struct vmprof_resolver *r);
/*
 * A live session learns the guest's LSTAR after it started: whether the
 * guest symbols of VM pid could undo KASLR from it (they have
 * entry_SYSCALL_64) but have no offset yet, and the late LSTAR itself
 * (-1 with err set when the offset it gives does not fit the symbols).
 */
bool vmprof_resolver__needs_lstar(const struct vmprof_resolver *r,
				  uint32_t pid);
int vmprof_resolver__set_lstar(struct vmprof_resolver *r, uint32_t pid,
			       uint64_t lstar, char *err, size_t errlen);
/* --guest-modules: place the module symbols of the guest kallsyms. */
int vmprof_resolver__guest_modules(struct vmprof_resolver *r,
				   const char *path, char *err,
				   size_t errlen);
bool vmprof_resolver__has_guest_for(const struct vmprof_resolver *r,
				    uint32_t pid);
/* The guest symbol file given for the VM pid, for messages. */
const char *vmprof_resolver__guest_desc(const struct vmprof_resolver *r,
					uint32_t pid);
/* True if the VM's guest symbols are only an ELF whose code is all in
 * the user half of the address space; its range in *low, *high. */
bool vmprof_resolver__guest_user_elf(const struct vmprof_resolver *r,
				     uint32_t pid, uint64_t *low,
				     uint64_t *high);
uint64_t vmprof_resolver__kaslr_offset(const struct vmprof_resolver *r,
				       uint32_t pid,
				       enum vmprof_kaslr_source *src);
/*
 * The guest kernel file of the VM pid, for its unwind tables: the one
 * given (--guest-vmlinux), else the one found by the recorded build-id;
 * and the offset its link addresses move by in the guest.  NULL if there
 * is none.
 */
const char *vmprof_resolver__guest_vmlinux(struct vmprof_resolver *r,
					   uint32_t pid, uint64_t *offset);

/*
 * What 'vmprof record --guest-introspect' learnt of the guest (one VM),
 * for symbols found by build-id (symfind.h) for a VM that the command
 * line gives no symbols of.
 */
void vmprof_resolver__set_symfind(struct vmprof_resolver *r,
				  const struct vmprof_symfind *sf);
void vmprof_resolver__set_guest_kernel(struct vmprof_resolver *r,
				       const struct vmprof_file_guest_kernel *k,
				       const char *release);
void vmprof_resolver__add_guest_module(struct vmprof_resolver *r,
				       const struct vmprof_file_guest_module *m,
				       const char *name,
				       const struct vmprof_file_guest_section *s,
				       const char *names, const char *symbols);
void vmprof_resolver__add_guest_exe(struct vmprof_resolver *r,
				    const struct vmprof_file_guest_exe *e,
				    const char *path);
/* Where the automatic guest kernel symbols came from, or NULL. */
const char *vmprof_resolver__guest_kernel_file(struct vmprof_resolver *r,
					       enum vmprof_sym_source *src);

void vmprof_resolver__set_host_kallsyms(struct vmprof_resolver *r,
					const char *text, size_t len);
void vmprof_resolver__add_mmap(struct vmprof_resolver *r,
			       const struct vmprof_file_mmap *m,
			       const char *path, size_t path_len);

void vmprof_resolver__guest(struct vmprof_resolver *r, uint32_t pid,
			    uint64_t addr, struct vmprof_resolved *out);
/* A guest user address of guest process @pid (--guest-introspect). */
void vmprof_resolver__guest_user(struct vmprof_resolver *r, uint32_t pid,
				 uint64_t addr, struct vmprof_resolved *out);
void vmprof_resolver__host_kernel(struct vmprof_resolver *r, uint64_t addr,
				  struct vmprof_resolved *out);
void vmprof_resolver__host_user(struct vmprof_resolver *r, uint32_t pid,
				uint64_t addr, struct vmprof_resolved *out);

/*
 * The functions inlined at a resolved address, innermost first (up to
 * max, names valid while the resolver lives); 0 when the symbols have
 * no DWARF.
 */
int vmprof_resolver__inlines(const struct vmprof_resolved *res,
			     const char **names, int max);

/* "file:line" and inline chain for a resolved address; 0 if found. */
int vmprof_resolver__srcline(const struct vmprof_resolved *res, char *line,
			     size_t line_len, char *inlined, size_t inl_len);

#endif /* VMPROF_RESOLVE_H */
