// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report --format perf-script: every sample in the text format of
 * 'perf script' with call chains, in time order, so that tools which
 * import perf script output (Firefox Profiler, speedscope, FlameGraph's
 * stackcollapse-perf.pl) read vmprof recordings:
 *
 *   COMM PID/TID [CPU] SECONDS.USECS: PERIOD EVENT:
 *   \tADDR FUNCTION (DSO)            <- leaf
 *   \t   0 exit:IOIO ([vmprof])      <- synthetic frames, leaf to root
 *   ...
 *   (empty line)
 *
 * Samples stream from the file (a pass of its own, after the one that
 * checked and counted them): memory does not grow with the recording.
 * The recorder writes each ring's samples in order but interleaves the
 * rings, so samples wait in a heap ordered by time until they are
 * REORDER_NS older than the newest one seen, as perf's ordered events
 * do; one that comes later than that is printed late, and counted.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "report-stack.h"
#include "util.h"

#define REORDER_NS	2000000000ULL	/* the recorder drains every 0.1 s */
#define REORDER_MAX	(1u << 18)	/* samples held at most */

static bool before(const struct report_sample *x, const struct report_sample *y)
{
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns;
	return x->seq < y->seq;
}

static void heap_push(struct report *rep, const struct report_sample *s)
{
	struct report_sample *h;
	size_t i;

	if (rep->nr_window == rep->cap_window) {
		rep->cap_window = rep->cap_window ? rep->cap_window * 2 : 1024;
		rep->window = xrealloc(rep->window, rep->cap_window *
				       sizeof(*rep->window));
	}
	h = rep->window;
	for (i = rep->nr_window++; i && before(s, &h[(i - 1) / 2]);
	     i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = *s;
}

static void heap_pop(struct report *rep, struct report_sample *out)
{
	struct report_sample *h = rep->window, last;
	size_t i = 0, n, c;

	*out = h[0];
	n = --rep->nr_window;
	if (!n)
		return;
	last = h[n];
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
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
	const char *comm = report__comm(rep, pid);
	size_t i;

	if (!comm || !comm[0])
		comm = pid ? "vmm" : "host";
	for (i = 0; comm[i]; i++)
		fputc((unsigned char)comm[i] <= ' ' ? '_' : comm[i], fp);
}

static void print_sample(struct report *rep, FILE *fp,
			 const struct report_sample *s)
{
	const char *event = vmprof_event__name(rep->have_info ?
					       rep->info.event : 0);
	struct stack st;
	int f;

	report_stack(rep, &s->key, &st);
	print_comm(rep, fp, s->key.vm_pid);
	fprintf(fp, " %5u/%-5u [%03u] %5" PRIu64 ".%06" PRIu64 ": %10" PRIu64
		" %s: \n", s->key.vm_pid, s->tid, s->cpu,
		s->time_ns / 1000000000, s->time_ns % 1000000000 / 1000,
		s->period, event);
	for (f = (int)st.nr - 1; f >= 0; f--) {
		const struct stack_frame *fr = &st.frame[f];

		if (stack_frame__is_function(fr)) {
			fprintf(fp, "\t%16" PRIx64 " %s (", fr->addr, fr->name);
			print_dso(fp, fr->res.dso ? fr->res.dso : "[unknown]");
			fputs(")\n", fp);
		} else {
			fprintf(fp, "\t%16x %s ([vmprof])\n", 0, fr->name);
		}
	}
	fputc('\n', fp);
	report_stack__release(&st);
}

void perf_script__sample(struct report *rep,
			 const struct vmprof_file_sample *s,
			 const struct hist_key *key)
{
	struct report_sample k, out;
	struct hist_key shown = *key;

	if (!report_filter__function_key(rep, key))
		return;
	memset(&k, 0, sizeof(k));
	k.time_ns = s->time_ns;
	k.period = s->period;
	k.seq = rep->nr_printed + rep->nr_window;
	k.key = shown;
	k.tid = s->tid;
	k.cpu = s->cpu;
	if (rep->nr_printed && s->time_ns < rep->last_printed_ns)
		rep->late_samples++;
	heap_push(rep, &k);
	while (rep->nr_window &&
	       (rep->nr_window > REORDER_MAX ||
		rep->window[0].time_ns + REORDER_NS < s->time_ns)) {
		heap_pop(rep, &out);
		print_sample(rep, rep->out, &out);
		rep->nr_printed++;
		rep->last_printed_ns = out.time_ns;
	}
}

int perf_script__flush(struct report *rep, FILE *fp)
{
	struct report_sample out;

	while (rep->nr_window) {
		heap_pop(rep, &out);
		print_sample(rep, fp, &out);
		rep->nr_printed++;
	}
	if (rep->late_samples)
		pr_warn("%" PRIu64 " samples came more than %llu s after later ones in the file and are printed out of time order",
			rep->late_samples, REORDER_NS / 1000000000ULL);
	return 0;
}
