/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UNWIND_FP_H
#define VMPROF_UNWIND_FP_H

#include <stdbool.h>
#include <stdint.h>

#include "unwind.h"

/*
 * Frame pointers: each frame saves its caller's RBP at [RBP] and returns
 * to [RBP + 8].  The walk stays on the stack copy, goes only outwards,
 * and ends at a zero frame pointer (the outermost frame sets RBP to 0).
 *
 * A frame pointer walk cannot see the caller of a function sampled
 * before it set up its frame, or of a leaf that sets up none (common in
 * optimized code): RBP is still the caller's frame, so the walk skips the
 * caller.  When is_text is given, the word at [RSP] is taken for that
 * caller if it is an address in the code is_text knows: at such points
 * it is the return address; or the word above it, when [RSP] holds RBP
 * (the caller's frame pointer, just pushed by the prologue).
 */
struct unwind_fp_opts {
	/* Is addr code of the sampled program?  NULL: unknown. */
	bool (*is_text)(void *ctx, uint64_t addr);
	void *ctx;
};

void fp_unwind(const struct unwind_input *in,
	       const struct unwind_fp_opts *opts, struct unwind_result *res);

#endif /* VMPROF_UNWIND_FP_H */
