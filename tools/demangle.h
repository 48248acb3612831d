/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_DEMANGLE_H
#define VMPROF_DEMANGLE_H

/*
 * The readable name of a C++ or Rust (legacy or v0) symbol, with
 * libiberty's demangler (the one of binutils and GDB): allocated, or NULL
 * when name is not mangled.  VMMs such as Firecracker, cloud-hypervisor
 * and crosvm are written in Rust.
 */
char *vmprof_demangle(const char *name);

#endif /* VMPROF_DEMANGLE_H */
