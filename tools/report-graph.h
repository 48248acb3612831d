/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_GRAPH_H
#define VMPROF_REPORT_GRAPH_H

#include <stdio.h>

#include "json.h"
#include "report.h"

/* The call chains of a row, under it (text) or in it (JSON). */
void report_graph__print_row(struct report *rep, FILE *fp,
			     const struct report_row *row);
void report_graph__json_row(struct report *rep, struct json_writer *j,
			    const struct report_row *row);

/* How many chains were unwound to their end, and why the others were
 * not: header lines, and the "call_chains" JSON member. */
void report_graph__print_stats(struct report *rep, FILE *fp);
void report_graph__json_stats(struct report *rep, struct json_writer *j);

#endif /* VMPROF_REPORT_GRAPH_H */
