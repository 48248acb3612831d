/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_EXIT_REASONS_H
#define VMPROF_EXIT_REASONS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Name of a raw exit code for an ISA (VMPROF_ISA_*): the Linux macro name
 * without its prefix, e.g. "IOIO", "NPF", "HLT" for SVM exit codes and
 * "IO_INSTRUCTION", "EPT_VIOLATION", "HLT" for VMX basic exit reasons.
 * Writes "UNKNOWN_0x%x" when the code has no name.  Returns buf.
 */
const char *vmprof_exit__name(uint32_t isa, uint32_t reason, char *buf,
			      size_t len);

/* The same, or NULL when the code has no name. */
const char *vmprof_exit__lookup(uint32_t isa, uint32_t reason);

const char *vmprof_isa__name(uint32_t isa);

#endif /* VMPROF_EXIT_REASONS_H */
