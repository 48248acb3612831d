// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the ABI's modes, events and sample contexts, as shown by
 * vmprof report and accepted by vmprof record.
 */
#include <string.h>

#include <vmprof.h>

#include "data.h"
#include "names.h"
#include "util.h"

static const char * const mode_names[] = {
	[VMPROF_MODE_CPU_SWITCH]	= "cpu-switch",
	[VMPROF_MODE_DOMAIN_SWITCH]	= "domain-switch",
	[VMPROF_MODE_SYSTEM]		= "system",
};

static const char * const event_names[] = {
	[VMPROF_EVENT_CYCLES]		= "cycles",
	[VMPROF_EVENT_INSTRUCTIONS]	= "instructions",
	[VMPROF_EVENT_CACHE_MISSES]	= "cache-misses",
	[VMPROF_EVENT_BRANCH_MISSES]	= "branch-misses",
	[VMPROF_EVENT_CPU_CLOCK]	= "cpu-clock",
};

static const char * const context_names[] = {
	[VMPROF_CTX_GUEST_KERNEL]	= "guest-kernel",
	[VMPROF_CTX_GUEST_USER]		= "guest-user",
	[VMPROF_CTX_VMM_KERNEL]		= "vmm-kernel",
	[VMPROF_CTX_VMM_USER]		= "vmm-user",
	[VMPROF_CTX_HOST_KERNEL]	= "host-kernel",
	[VMPROF_CTX_HOST_USER]		= "host-user",
};

static const char *lookup(const char * const *t, size_t n, uint32_t v)
{
	if (v < n && t[v])
		return t[v];
	return "unknown";
}

static uint32_t rlookup(const char * const *t, size_t n, const char *name)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (t[i] && !strcmp(t[i], name))
			return i;
	return 0;
}

const char *vmprof_mode__name(uint32_t mode)
{
	return lookup(mode_names, ARRAY_SIZE(mode_names), mode);
}

const char *vmprof_event__name(uint32_t event)
{
	return lookup(event_names, ARRAY_SIZE(event_names), event);
}

const char *vmprof_context__name(uint32_t context)
{
	return lookup(context_names, ARRAY_SIZE(context_names), context);
}

uint32_t vmprof_event__parse(const char *name)
{
	return rlookup(event_names, ARRAY_SIZE(event_names), name);
}

uint32_t vmprof_context__parse(const char *name)
{
	return rlookup(context_names, ARRAY_SIZE(context_names), name);
}

uint32_t vmprof_mode__parse(const char *name)
{
	return rlookup(mode_names, ARRAY_SIZE(mode_names), name);
}

static const char * const call_graph_names[] = {
	[VMPROF_CALL_GRAPH_ORC] = "orc",
	[VMPROF_CALL_GRAPH_FP] = "fp",
	[VMPROF_CALL_GRAPH_DWARF] = "dwarf",
};

uint32_t vmprof_call_graph__parse(const char *name)
{
	uint32_t i;

	for (i = 1; i < ARRAY_SIZE(call_graph_names); i++)
		if (!strcmp(name, call_graph_names[i]))
			return i;
	return 0;
}

const char *vmprof_call_graph__name(uint32_t method)
{
	if (method && method < ARRAY_SIZE(call_graph_names))
		return call_graph_names[method];
	return "none";
}

#define REG(r)	(1ULL << VMPROF_REG_##r)

/*
 * What each unwinder reads from the sampled frame: IP and SP always (and
 * FLAGS, for the interrupt flag); frame pointers BP; ORC BP and the
 * registers its entry code may use as the frame's base (DI, DX, R10,
 * R13); DWARF's CFI may name any general register.
 */
uint64_t vmprof_call_graph__regs(uint32_t method)
{
	uint64_t base = REG(IP) | REG(SP) | REG(FLAGS);

	switch (method) {
	case VMPROF_CALL_GRAPH_ORC:
		return base | REG(BP) | REG(DI) | REG(DX) | REG(R10) |
		       REG(R13);
	case VMPROF_CALL_GRAPH_FP:
		return base | REG(BP);
	case VMPROF_CALL_GRAPH_DWARF:
		return base | REG(AX) | REG(BX) | REG(CX) | REG(DX) |
		       REG(SI) | REG(DI) | REG(BP) | REG(R8) | REG(R9) |
		       REG(R10) | REG(R11) | REG(R12) | REG(R13) | REG(R14) |
		       REG(R15);
	}
	return 0;
}
