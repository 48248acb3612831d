// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol demangling through libiberty (Debian: libiberty-dev).  Its
 * headers define macros of their own (ARRAY_SIZE, ...): they stay in
 * this file.
 */
#include <libiberty/demangle.h>

#include "demangle.h"

char *vmprof_demangle(const char *name)
{
	/* _Z: C++ and Rust legacy (Itanium-like); _R: Rust v0. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
