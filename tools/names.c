// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the ABI's modes, events and sample contexts, as shown by
 * vmprof report and accepted by vmprof record.
 */
#include <string.h>

#include <vmprof.h>

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
