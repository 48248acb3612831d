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
 *   vm:PID COMM ; vcpuN | vmm-thread ; CONTEXT [; exit:REASON] ; FUNCTION
 *
 * and "host ; CONTEXT ; FUNCTION" for system-wide samples outside any VM.
 * The exit frame is there for VMM samples charged to the guest function
 * that caused the exit (domain-switch).
 */
#define STACK_MAX_FRAMES	5
#define STACK_FRAME_LEN		128

enum stack_frame_kind {
	FRAME_VM,
	FRAME_VCPU,
	FRAME_CONTEXT,
	FRAME_EXIT,
	FRAME_FUNCTION,
};

struct stack {
	unsigned int nr;
	char frame[STACK_MAX_FRAMES][STACK_FRAME_LEN];
	enum stack_frame_kind kind[STACK_MAX_FRAMES];
	/* The function (last frame). */
	struct vmprof_resolved res;
	bool unknown;
	uint64_t addr;
	uint32_t context;	/* of the sample: where the time was spent */
};

void report_stack(struct report *rep, const struct hist_key *key,
		  struct stack *st);

/* The VMM's command name for the process pid, or "" if unknown. */
const char *report_stack__comm(struct report *rep, uint32_t pid, char *buf,
			       size_t len);

/* "a;b;c" into buf; ';' in frames become ':'.  Returns buf. */
char *report_stack__join(const struct stack *st, char *buf, size_t len);

/* Stacks aggregated from the histogram, sorted by their folded text. */
struct folded_stack {
	char *text;		/* "a;b;c" */
	uint64_t samples;
	uint64_t period;
};

struct folded_stack *report_stack__fold(struct report *rep, size_t *nr);
void report_stack__free(struct folded_stack *v, size_t nr);

#endif /* VMPROF_REPORT_STACK_H */
