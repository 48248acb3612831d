/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_KALLSYMS_H
#define VMPROF_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Symbols from kallsyms / System.map text ("ADDR TYPE NAME [module]"),
 * text symbols only, sorted by address.  A symbol ends where the next
 * one starts; the last one covers 4 KiB.
 */
struct vmprof_ksym {
	uint64_t addr;
	uint64_t end;
	const char *name;
	const char *module;	/* "" for the kernel image */
};

struct vmprof_kallsyms {
	struct vmprof_ksym *syms;
	size_t nr;
	char *text;		/* names point into this copy */
	size_t nr_bad;		/* lines that were not understood */
	size_t nr_text;		/* text symbol lines */
	size_t nr_zero;		/* of which at address 0 (hidden) */
};

/* Parse len bytes of text (no NUL needed); never fails on bad input. */
struct vmprof_kallsyms *vmprof_kallsyms__parse(const char *text, size_t len);
struct vmprof_kallsyms *vmprof_kallsyms__load(const char *path, char *err,
					      size_t errlen);
void vmprof_kallsyms__free(struct vmprof_kallsyms *ks);

const struct vmprof_ksym *vmprof_kallsyms__lookup(
	const struct vmprof_kallsyms *ks, uint64_t addr);
int vmprof_kallsyms__find(const struct vmprof_kallsyms *ks, const char *name,
			  uint64_t *addr);
/* The lowest address of a kernel (not module) function; 0 if any. */
int vmprof_kallsyms__kernel_start(const struct vmprof_kallsyms *ks,
				  uint64_t *addr);

/*
 * Module placement from a copy of /proc/modules ("NAME SIZE REFS DEPS
 * STATE ADDR" lines): the symbols of each [module] end at the module's
 * end, instead of running on to the next symbol.  Returns the modules
 * placed, or -1 with err set when every address is 0 (hidden).
 */
int vmprof_kallsyms__apply_modules(struct vmprof_kallsyms *ks,
				   const char *path, char *err,
				   size_t errlen);

/* True for the symbol types kept (text: t T w W). */
int vmprof_kallsyms__is_text_type(char type);

#endif /* VMPROF_KALLSYMS_H */
