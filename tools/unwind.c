// SPDX-License-Identifier: GPL-2.0
/*
 * What the unwinders share: reading the stack copy of a sample, and the
 * result with the reason it ended.
 */
#include <string.h>

#include "unwind.h"

static const struct {
	const char *key;
	const char *name;
} unwind_ends[UNWIND_END__MAX] = {
	[UNWIND_END_COMPLETE]	 = { "complete", "complete" },
	[UNWIND_END_NO_STACK]	 = { "no_stack", "no stack captured" },
	[UNWIND_END_TRUNCATED]	 = { "truncated",
				     "stack copy too small (raise the size: --call-graph MODE,SIZE)" },
	[UNWIND_END_UNCAPTURED]	 = { "uncaptured",
				     "caller's stack not captured" },
	[UNWIND_END_NO_INFO]	 = { "no_info",
				     "no unwind information for an address" },
	[UNWIND_END_BAD_INFO]	 = { "bad_info",
				     "unwind information that cannot be followed" },
	[UNWIND_END_NO_REGISTER] = { "no_register",
				     "needs a register that was not captured" },
	[UNWIND_END_BAD_FRAME]	 = { "bad_frame",
				     "stack does not lead to a caller" },
	[UNWIND_END_DEPTH]	 = { "depth", "more frames than the maximum" },
	[UNWIND_END_NO_TABLES]	 = { "no_tables",
				     "no unwind tables for the code" },
};

const char *unwind_end__name(enum unwind_end end)
{
	return end < UNWIND_END__MAX ? unwind_ends[end].name : "?";
}

const char *unwind_end__key(enum unwind_end end)
{
	return end < UNWIND_END__MAX ? unwind_ends[end].key : "?";
}

int unwind_input__seg(const struct unwind_input *in, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < in->nr_segs; i++)
		if (addr - in->segs[i].addr < in->segs[i].len)
			return i;
	return -1;
}

bool unwind_input__has(const struct unwind_input *in, uint64_t addr,
		       size_t len)
{
	int i = unwind_input__seg(in, addr);

	return i >= 0 && len <= in->segs[i].len &&
	       addr - in->segs[i].addr <= in->segs[i].len - len;
}

bool unwind_input__read(const struct unwind_input *in, uint64_t addr,
			uint64_t *val)
{
	int i = unwind_input__seg(in, addr);

	if (i < 0 || !unwind_input__has(in, addr, sizeof(*val)))
		return false;
	memcpy(val, in->segs[i].data + (addr - in->segs[i].addr),
	       sizeof(*val));
	return true;
}

/*
 * Memory the chain needs but the copy lacks: when the copy stopped at the
 * size asked for, that size was too small (the rest of that stack, or the
 * stack it switched from, would have come next); otherwise the chain went
 * to memory that was not copied at all (the stack of an exception, a page
 * the guest had not mapped).
 */
enum unwind_end unwind_input__missing(const struct unwind_input *in)
{
	unsigned int i;

	for (i = 0; i < in->nr_segs; i++)
		if (in->segs[i].end == VMPROF_STACK_END_SIZE)
			return UNWIND_END_TRUNCATED;
	return UNWIND_END_UNCAPTURED;
}

void unwind_result__init(struct unwind_result *res)
{
	res->nr = 0;
	res->end = UNWIND_END_COMPLETE;
	res->end_ip = 0;
}

bool unwind_result__add(struct unwind_result *res, uint64_t ip,
			uint32_t flags)
{
	if (res->nr == UNWIND_MAX_FRAMES)
		return unwind_result__stop(res, UNWIND_END_DEPTH, ip);
	res->frame[res->nr].ip = ip;
	res->frame[res->nr].flags = flags;
	res->nr++;
	return true;
}

bool unwind_result__stop(struct unwind_result *res, enum unwind_end end,
			 uint64_t ip)
{
	res->end = end;
	res->end_ip = ip;
	return false;
}
