/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_CALLCHAIN_H
#define VMPROF_REPORT_CALLCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "unwind.h"

/*
 * vmprof report: the guest call chains of a recording made with
 * 'record --call-graph'.  Each SAMPLE of the guest (and, in
 * domain-switch, each VMM sample charged to a guest instruction) follows
 * a GUEST_STACK record; the stack is unwound when the sample is read,
 * with the unwinder the recording asked for, and the chain kept once per
 * distinct chain: samples only carry its number (hist_key.chain).
 */

/* An unwound chain, innermost frame first. */
struct report_chain {
	uint32_t vm;		/* the VM whose symbols name its frames */
	uint16_t end;		/* enum unwind_end */
	uint16_t cut;		/* frames dropped by --max-stack */
	uint32_t nr;
	struct unwind_frame *frame;
};

/* How the chains of one kind of sample ended. */
struct report_unwind_stats {
	uint64_t samples;	/* samples that should have a stack */
	uint64_t no_record;	/* ... but had no GUEST_STACK record */
	uint64_t ends[UNWIND_END__MAX];
};

/* Kinds of samples with guest stacks. */
enum report_stack_class {
	STACK_CLASS_KERNEL,	/* guest kernel samples */
	STACK_CLASS_USER,	/* guest user samples */
	STACK_CLASS_CHARGED,	/* VMM work charged to a guest instruction */
	STACK_CLASS__MAX,
};

struct report_callchains;

struct report_callchains *report_callchains__new(void);
void report_callchains__delete(struct report_callchains *cc);

/* A GUEST_ORC record: a guest module's ORC tables. */
void report_callchains__orc(struct report *rep,
			    const struct vmprof_file_guest_orc *o,
			    const char *name, const void *ip,
			    const void *orc);

/* A GUEST_STACK record: kept for the SAMPLE record that follows. */
void report_callchains__stack(struct report *rep,
			      const struct vmprof_guest_stack_view *v);
/*
 * The chain of the sample whose key is being made (0 if it has none),
 * from the stack kept for it, which is then dropped.  charged: the key
 * charges VMM work to the guest instruction.
 */
uint32_t report_callchains__sample(struct report *rep,
				   const struct vmprof_file_sample *s,
				   uint32_t vm, bool charged);
/* Forget a stack kept for a sample that is not counted. */
void report_callchains__drop(struct report *rep);

/*
 * Samples with a stack read before the guest LSTAR gave the KASLR offset
 * that their unwinding needs wait (up to a bound, then they are unwound
 * as they are); replay calls fn for each with its stack kept again.
 */
bool report_callchains__defer(struct report *rep,
			      const struct vmprof_file_sample *s, uint32_t vm);
int report_callchains__replay(struct report *rep,
			      int (*fn)(void *rep,
					const struct vmprof_file_sample *s));

const struct report_chain *report_callchains__get(const struct report *rep,
						  uint32_t id);
const struct report_unwind_stats *
report_callchains__stats(const struct report *rep,
			 enum report_stack_class cls);
/* The unwinder in use, for the header ("orc", "fp", "dwarf"). */
const char *report_callchains__method(const struct report *rep);

/*
 * A frame of a chain as shown: resolved (the call instruction of a
 * return address, so that a call at the end of a function is not named
 * after the next), and with the functions inlined there, innermost
 * first, when the symbols have DWARF.
 */
#define REPORT_FRAME_INLINES	8
struct report_frame {
	uint64_t addr;		/* as unwound */
	uint32_t flags;		/* UNWIND_FRAME_* */
	uint32_t context;	/* VMPROF_CTX_GUEST_KERNEL or _USER */
	struct vmprof_resolved res;	/* the function */
	const char *inlines[REPORT_FRAME_INLINES];
	int nr_inlines;
};

void report_callchains__frame(struct report *rep,
			      const struct report_chain *c, unsigned int i,
			      struct report_frame *f);

/* The name of the frame put where a chain stopped short,
 * "[incomplete: truncated]"; NULL for a complete chain. */
const char *report_callchains__end_frame(const struct report_chain *c);

#endif /* VMPROF_REPORT_CALLCHAIN_H */
