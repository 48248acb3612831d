// SPDX-License-Identifier: GPL-2.0
/*
 * Frame-pointer unwinding of a guest stack copy.
 */
#include "unwind-fp.h"

/*
 * A return address: user space has the lower half of the address space;
 * code running at CPL 0 is normally in the upper half, but need not be
 * (a guest kernel that runs where it is loaded): any canonical address.
 */
static bool code_addr(uint64_t addr, bool user)
{
	if (user)
		return addr && addr < 0x0000800000000000ULL;
	return addr < 0x0000800000000000ULL || addr >= 0xffff800000000000ULL;
}

void fp_unwind(const struct unwind_input *in,
	       const struct unwind_fp_opts *opts, struct unwind_result *res)
{
	uint32_t uflag = in->user ? UNWIND_FRAME_USER : 0;
	uint64_t ip = in->regs[VMPROF_REG_IP];
	uint64_t sp = in->regs[VMPROF_REG_SP];
	uint64_t bp = in->regs[VMPROF_REG_BP];
	uint64_t at_sp = 0, next, ret;
	bool have_at_sp = false;

	unwind_result__init(res);
	unwind_result__add(res, ip, uflag);
	if (!in->nr_segs) {
		unwind_result__stop(res, UNWIND_END_NO_STACK, ip);
		return;
	}
	if (!unwind_input__has_reg(in, VMPROF_REG_BP)) {
		unwind_result__stop(res, UNWIND_END_NO_REGISTER, ip);
		return;
	}
	if (opts && opts->is_text && unwind_input__read(in, sp, &at_sp)) {
		uint64_t above;

		/*
		 * Right after the prologue's push %rbp, [RSP] is the
		 * caller's RBP, still in RBP too, and the return address is
		 * the word above it.
		 */
		if (bp && at_sp == bp &&
		    unwind_input__read(in, sp + 8, &above) &&
		    code_addr(above, in->user) &&
		    opts->is_text(opts->ctx, above))
			at_sp = above;
		if (code_addr(at_sp, in->user) &&
		    opts->is_text(opts->ctx, at_sp)) {
			have_at_sp = true;
			if (!unwind_result__add(res, at_sp,
						UNWIND_FRAME_RETURN | uflag))
				return;
		}
	}
	/*
	 * A zero frame pointer marks the outermost frame; in the sampled
	 * frame itself it rather means code that keeps no frame pointers
	 * (and never wrote RBP): not a chain of one frame.
	 */
	if (!bp) {
		unwind_result__stop(res, UNWIND_END_BAD_FRAME, ip);
		return;
	}
	for (;;) {
		if (!bp) {
			unwind_result__stop(res, UNWIND_END_COMPLETE, ip);
			return;
		}
		/* A frame lies above the stack pointer of the sample. */
		if (bp < sp) {
			unwind_result__stop(res, UNWIND_END_BAD_FRAME, ip);
			return;
		}
		if (!unwind_input__read(in, bp, &next) ||
		    !unwind_input__read(in, bp + 8, &ret)) {
			unwind_result__stop(res, unwind_input__missing(in), ip);
			return;
		}
		if (!ret) {
			unwind_result__stop(res, UNWIND_END_COMPLETE, ip);
			return;
		}
		if (!code_addr(ret, in->user) || (next && next <= bp)) {
			unwind_result__stop(res, UNWIND_END_BAD_FRAME, ip);
			return;
		}
		/* The caller [RSP] named is the first frame's return. */
		if (have_at_sp && ret == at_sp && res->nr == 2) {
			have_at_sp = false;
		} else if (!unwind_result__add(res, ret,
					       UNWIND_FRAME_RETURN | uflag)) {
			return;
		}
		ip = ret;
		bp = next;
	}
}
