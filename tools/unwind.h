/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UNWIND_H
#define VMPROF_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmprof.h>

/*
 * Guest call chains, unwound in user space from what a sample captured:
 * the guest's registers and bounded copies of its stacks (the idea of
 * perf's --call-graph dwarf).  Three unwinders share the input and the
 * result: ORC (unwind-orc.c, the guest kernel's own tables), frame
 * pointers (unwind-fp.c) and DWARF CFI (unwind-dwarf.c, libdwfl's
 * unwinder).  An unwind never reads outside the copy: where the chain
 * needs memory that was not captured, it ends and says why.
 */

/* perf's default --max-stack (PERF_MAX_STACK_DEPTH). */
#define UNWIND_MAX_FRAMES	127

/* A stack copy: the bytes at guest-virtual [addr, addr + len). */
struct unwind_seg {
	uint64_t addr;
	const unsigned char *data;
	uint32_t len;
	uint16_t kind;		/* VMPROF_STACK_SEG_* */
	uint16_t end;		/* VMPROF_STACK_END_* */
};

struct unwind_input {
	uint64_t regs_mask;	/* VMPROF_REG_* captured */
	uint64_t regs[VMPROF_REG_NR];
	const struct unwind_seg *segs;
	unsigned int nr_segs;
	bool user;		/* the sample is in guest user mode */
};

/* The frame's address is a return address: its call is just before. */
#define UNWIND_FRAME_RETURN	(1u << 0)
/* A guest user-space address. */
#define UNWIND_FRAME_USER	(1u << 1)

struct unwind_frame {
	uint64_t ip;
	uint32_t flags;		/* UNWIND_FRAME_* */
};

/* How an unwind ended. */
enum unwind_end {
	UNWIND_END_COMPLETE,	/* the outermost frame was reached */
	UNWIND_END_NO_STACK,	/* the sample has no stack */
	UNWIND_END_TRUNCATED,	/* the copy ended before the chain: the
				 * stack size asked for was too small */
	UNWIND_END_UNCAPTURED,	/* the chain goes on in memory that was
				 * not copied (another stack, a bad page) */
	UNWIND_END_NO_INFO,	/* no unwind information for an address */
	UNWIND_END_BAD_INFO,	/* unwind information it cannot follow */
	UNWIND_END_NO_REGISTER,	/* needs a register that was not captured */
	UNWIND_END_BAD_FRAME,	/* the stack does not lead outwards */
	UNWIND_END_DEPTH,	/* UNWIND_MAX_FRAMES reached */
	UNWIND_END_NO_TABLES,	/* nothing to unwind this code with */
	UNWIND_END__MAX
};

struct unwind_result {
	struct unwind_frame frame[UNWIND_MAX_FRAMES];
	unsigned int nr;
	enum unwind_end end;
	uint64_t end_ip;	/* the frame it could not get past */
};

/* A short phrase for a report ("stack copy too small"). */
const char *unwind_end__name(enum unwind_end end);
/* A one-word key for JSON ("truncated"). */
const char *unwind_end__key(enum unwind_end end);

static inline bool unwind_input__has_reg(const struct unwind_input *in,
					 unsigned int reg)
{
	return in->regs_mask & (1ULL << reg);
}

/* Read the 8 bytes at addr from the copy; false if not all copied. */
bool unwind_input__read(const struct unwind_input *in, uint64_t addr,
			uint64_t *val);
/* [addr, addr + len) lies in one copied segment. */
bool unwind_input__has(const struct unwind_input *in, uint64_t addr,
		       size_t len);
/* The segment holding addr, or -1. */
int unwind_input__seg(const struct unwind_input *in, uint64_t addr);
/* Why memory the chain needs is missing: TRUNCATED or UNCAPTURED. */
enum unwind_end unwind_input__missing(const struct unwind_input *in);

void unwind_result__init(struct unwind_result *res);
/* Append a frame; false (and end = DEPTH) when the result is full. */
bool unwind_result__add(struct unwind_result *res, uint64_t ip,
			uint32_t flags);
/* Stop with a reason at ip; returns false for the caller's convenience. */
bool unwind_result__stop(struct unwind_result *res, enum unwind_end end,
			 uint64_t ip);

#endif /* VMPROF_UNWIND_H */
