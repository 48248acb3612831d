// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report --format perf-script: every sample in the text format of
 * 'perf script' with call chains, in time order, so that tools which
 * import perf script output (Firefox Profiler, speedscope, FlameGraph's
 * stackcollapse-perf.pl) read vmprof recordings:
 *
 *   COMM PID/TID [CPU] SECONDS.USECS: PERIOD EVENT:
 *   \tADDR FUNCTION (DSO)            <- leaf
 *   \t   0 exit:IOIO ([vmprof])      <- the synthetic frames, leaf to root
 *   ...
 *   (empty line)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "report-stack.h"
#include "util.h"

static int sample_cmp(const void *a, const void *b)
{
	const struct report_sample *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Consumers split "FUNCTION (DSO)" at the last " (": no blanks in DSO. */
static void print_dso(FILE *fp, const char *dso)
{
	for (; *dso; dso++)
		fputc(*dso == ' ' || *dso == '(' || *dso == ')' ? '_' : *dso,
		      fp);
}

static void print_comm(struct report *rep, FILE *fp, uint32_t pid)
{
	char buf[64];
	const char *comm = report_stack__comm(rep, pid, buf, sizeof(buf));
	size_t i;

	if (!comm[0])
		comm = pid ? "vmm" : "host";
	for (i = 0; comm[i]; i++)
		fputc((unsigned char)comm[i] <= ' ' ? '_' : comm[i], fp);
}

int print_report_perf_script(struct report *rep, FILE *fp)
{
	const char *event = vmprof_event__name(rep->have_info ?
					       rep->info.event : 0);
	struct stack st;
	size_t i;
	int f;

	if (rep->nr_samples > 1)
		qsort(rep->samples, rep->nr_samples, sizeof(*rep->samples),
		      sample_cmp);
	for (i = 0; i < rep->nr_samples; i++) {
		const struct report_sample *s = &rep->samples[i];

		report_stack(rep, &s->key, &st);
		print_comm(rep, fp, s->key.vm_pid);
		fprintf(fp, " %5u/%-5u [%03u] %5" PRIu64 ".%06" PRIu64
			": %10" PRIu64 " %s: \n",
			s->key.vm_pid, s->tid, s->cpu,
			s->time_ns / 1000000000,
			s->time_ns % 1000000000 / 1000, s->period, event);
		fprintf(fp, "\t%16" PRIx64 " %s (", st.addr,
			st.frame[st.nr - 1]);
		print_dso(fp, st.res.dso ? st.res.dso : "[unknown]");
		fputs(")\n", fp);
		for (f = (int)st.nr - 2; f >= 0; f--)
			fprintf(fp, "\t%16x %s ([vmprof])\n", 0,
				st.frame[f]);
		fputc('\n', fp);
	}
	return 0;
}
