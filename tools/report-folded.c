// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report --format folded: FlameGraph's folded stacks, one line
 * per distinct stack, "frame;frame;frame count", sorted by stack.
 */
#include <inttypes.h>

#include "report-stack.h"

int print_report_folded(struct report *rep, FILE *fp)
{
	struct folded_stack *v;
	size_t i, nr;

	v = report_stack__fold(rep, &nr);
	for (i = 0; i < nr; i++)
		fprintf(fp, "%s %" PRIu64 "\n", v[i].text, v[i].samples);
	report_stack__free(v, nr);
	return 0;
}
