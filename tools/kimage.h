/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_KIMAGE_H
#define VMPROF_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A Linux kernel image as a distribution ships it: /boot/vmlinuz-* (a
 * bzImage whose payload is the kernel ELF, compressed) or the ELF itself
 * (vmlinux, with or without .symtab).  What vmprof needs from it is in
 * the image even when the symbol table is not: the kallsyms tables the
 * kernel prints /proc/kallsyms from, .BTF, and the GNU build-id.
 */
struct vmprof_kimage;

/* One kallsyms entry, as /proc/kallsyms prints it (link addresses). */
struct vmprof_kimage_sym {
	uint64_t addr;
	const char *name;
	char type;		/* 'T', 't', 'D', 'A', ... */
};

struct vmprof_kimage *vmprof_kimage__open(const char *path, char *err,
					  size_t errlen);
void vmprof_kimage__close(struct vmprof_kimage *img);

/* GNU build-id of the kernel ELF; returns its length (0: none). */
int vmprof_kimage__build_id(const struct vmprof_kimage *img,
			    const unsigned char **bid);

/* The kernel ELF itself (unpacked from a vmlinuz), @size bytes. */
const void *vmprof_kimage__elf(const struct vmprof_kimage *img, size_t *size);

/* The kernel ELF has a real symbol table (a vmlinux, not an image). */
bool vmprof_kimage__has_symtab(const struct vmprof_kimage *img);

/* Contents of section @name, or -1 if absent. */
int vmprof_kimage__section(const struct vmprof_kimage *img, const char *name,
			   const void **data, size_t *size, uint64_t *addr);

/*
 * Decode the kallsyms tables of the image (once; later calls return the
 * same table).  The entries are sorted by address, as in the kernel.
 * Returns the number of symbols, or -1 with err set.
 */
long vmprof_kimage__kallsyms(struct vmprof_kimage *img,
			     const struct vmprof_kimage_sym **syms,
			     char *err, size_t errlen);

/* Link address of the first kallsyms symbol named @name. */
int vmprof_kimage__find(struct vmprof_kimage *img, const char *name,
			uint64_t *addr);

/*
 * The decoded kallsyms as /proc/kallsyms text ("ADDR TYPE NAME" lines, at
 * link addresses), malloc'd; NULL if they cannot be decoded.
 */
char *vmprof_kimage__kallsyms_text(struct vmprof_kimage *img, size_t *len,
				   char *err, size_t errlen);

#endif /* VMPROF_KIMAGE_H */
