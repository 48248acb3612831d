/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_SYMBOLIZE_H
#define VMPROF_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One ELF file opened for symbolization through libdwfl.  Addresses are
 * link-time addresses of the file (callers undo KASLR or the load bias);
 * separate debuginfo is found the standard way (build-id, debuglink).
 */
struct vmprof_elf;

struct vmprof_elf *vmprof_elf__open(const char *path, char *err,
				    size_t errlen);
void vmprof_elf__close(struct vmprof_elf *e);

/* Build-id of the opened file; returns its length (0: none). */
int vmprof_elf__build_id(struct vmprof_elf *e, const unsigned char **bid);

/* The link addresses the file's module covers. */
void vmprof_elf__range(struct vmprof_elf *e, uint64_t *low, uint64_t *high);

/* Number of symbols the file (or its debuginfo) has. */
int vmprof_elf__nr_symbols(struct vmprof_elf *e);

/* Name of the symbol containing addr, or NULL. */
const char *vmprof_elf__symbol(struct vmprof_elf *e, uint64_t addr);

/* Address of the first function or object symbol called name. */
int vmprof_elf__find_symbol(struct vmprof_elf *e, const char *name,
			    uint64_t *addr);

/*
 * DWARF source line of addr as "file:line" (file's basename) and the
 * inline chain, innermost first, as "a, b".  Returns 0 if a line was
 * found.
 */
int vmprof_elf__srcline(struct vmprof_elf *e, uint64_t addr, char *line,
			size_t line_len, char *inlined, size_t inl_len);

/*
 * The functions inlined at addr, innermost first: at most max names
 * (libdw's strings, valid while e is open).  Returns how many.
 */
int vmprof_elf__inlines(struct vmprof_elf *e, uint64_t addr,
			const char **names, int max);

/* Whether addr (a link address) is in a section of code. */
bool vmprof_elf__is_code(struct vmprof_elf *e, uint64_t addr);

/* The address of the section called name; 0 if found. */
int vmprof_elf__section_addr(struct vmprof_elf *e, const char *name,
			     uint64_t *addr);

/* The link address of file offset off, through the PT_LOAD headers. */
int vmprof_elf__offset_to_vaddr(struct vmprof_elf *e, uint64_t off,
				uint64_t *vaddr);

/* Read the GNU build-id note of an ELF file with libelf; returns its
 * length, 0 if it has none, -1 if the file is not a readable ELF. */
int vmprof_elf__read_build_id(const char *path, unsigned char *buf,
			      size_t cap);

#endif /* VMPROF_SYMBOLIZE_H */
