/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_NAMES_H
#define VMPROF_NAMES_H

#include <stdint.h>

/* Names of the ABI's modes, events and sample contexts. */
const char *vmprof_mode__name(uint32_t mode);
const char *vmprof_event__name(uint32_t event);
const char *vmprof_context__name(uint32_t context);

/* record --call-graph: VMPROF_CALL_GRAPH_* by name ("orc", "fp",
 * "dwarf"), 0 unknown; its name; the guest registers it needs. */
uint32_t vmprof_call_graph__parse(const char *name);
const char *vmprof_call_graph__name(uint32_t method);
uint64_t vmprof_call_graph__regs(uint32_t method);

/* Reverse lookups; return 0 when unknown. */
uint32_t vmprof_event__parse(const char *name);
uint32_t vmprof_context__parse(const char *name);
uint32_t vmprof_mode__parse(const char *name);

#endif /* VMPROF_NAMES_H */
