/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_STACK_H
#define VMPROF_REPORT_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/*
 * The frames the stack formats (folded, svg, perf-script, pprof) give a
 * sample, root first (docs/formats.md):
 *
 *   vm:PID COMM [; vcpuN | vmm-thread] ; CONTEXT [; [incomplete: WHY]]
 *          [; CALLER...] ; FUNCTION [; exit:REASON ; VMM_FUNCTION]
 *
 * The callers are the guest call chain of a recording made with
 * --call-graph (outermost first, functions inlined at a frame after it);
 * a chain that could not be unwound to its end starts with a frame that
 * says why.
 * and "host ; CONTEXT ; FUNCTION" for system-wide samples outside any VM.
 * The vCPU frame is there with --split-vcpu.  A VMM sample charged to the
 * guest instruction that caused the exit (domain-switch) stands on the
 * guest function, CONTEXT being the guest's: the function's width is its
 * own time plus the VMM's work for it, split by exit reason and by the
 * VMM function that did the work.
 */
enum stack_frame_kind {
	FRAME_VM,
	FRAME_VCPU,
	FRAME_CONTEXT,
	FRAME_FUNCTION,		/* guest, host or VMM function of the sample,
				 * and its guest callers */
	FRAME_EXIT,
	FRAME_VMM_FUNCTION,	/* the VMM's function of a charged sample */
	FRAME_INCOMPLETE,	/* the chain ends early: why */
};

struct stack_frame {
	char *name;		/* printable UTF-8, no ';', any length */
	enum stack_frame_kind kind;
	uint32_t context;	/* where the time of this frame was spent */
	/* Function frames: the address and where it resolved. */
	uint64_t addr;
	struct vmprof_resolved res;
};

struct stack {
	unsigned int nr;
	unsigned int cap;
	struct stack_frame *frame;
};

/* Fill st for key; release it with report_stack__release(). */
void report_stack(struct report *rep, const struct hist_key *key,
		  struct stack *st);
void report_stack__release(struct stack *st);

static inline bool stack_frame__is_function(const struct stack_frame *f)
{
	return f->kind == FRAME_FUNCTION || f->kind == FRAME_VMM_FUNCTION;
}

/* The VMM's command name for the process pid, or "" if unknown. */
const char *report_stack__comm(struct report *rep, uint32_t pid, char *buf,
			       size_t len);

/* "a;b;c", allocated. */
char *report_stack__join(const struct stack *st);

/* Stacks aggregated from the histogram, sorted by their folded text. */
struct folded_stack {
	char *text;		/* "a;b;c" */
	uint64_t samples;
	uint64_t period;
};

struct folded_stack *report_stack__fold(struct report *rep, size_t *nr);
void report_stack__free(struct folded_stack *v, size_t nr);

#endif /* VMPROF_REPORT_STACK_H */
