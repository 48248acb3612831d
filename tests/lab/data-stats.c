// SPDX-License-Identifier: GPL-2.0
/*
 * data-stats: what a vmprof.data file holds, counted record by record
 * with the tool's reader but none of the report's logic, as key=value:
 *   status=ok|truncated|corrupt|io|aborted  sample_records=N
 *   lost_records=N (sum of LOST record counts)  has_stats=0|1
 *   stats_samples=N stats_lost=N (the module's VMPROF_IOC_GET_STATS at the
 *   end of the recording)  end=0|1 stop_reason=N
 *   guest_cr3s=CR3:N,... (the guest CR3s of guest samples, and how many
 *   samples each, in order of first appearance; "none" without any)
 * The accounting test compares these with 'vmprof report --format json'.
 *
 * usage: data-stats FILE
 */
#include <stdio.h>
#include <string.h>

#include "data.h"

#define MAX_CR3S	16

struct counts {
	unsigned long long samples, lost, stats_samples, stats_lost;
	int has_stats, end, stop_reason;
	unsigned long long cr3[MAX_CR3S], cr3_samples[MAX_CR3S];
	int nr_cr3;
};

static int on_sample(void *ctx, const struct vmprof_file_sample *s)
{
	struct counts *c = ctx;
	int i;

	c->samples++;
	if (s->context != VMPROF_CTX_GUEST_KERNEL &&
	    s->context != VMPROF_CTX_GUEST_USER)
		return 0;
	for (i = 0; i < c->nr_cr3 && c->cr3[i] != s->guest_cr3; i++)
		;
	if (i == c->nr_cr3) {
		if (i == MAX_CR3S)
			return 0;	/* more than anyone asks about */
		c->cr3[c->nr_cr3++] = s->guest_cr3;
	}
	c->cr3_samples[i]++;
	return 0;
}

static int on_lost(void *ctx, const struct vmprof_file_lost *l)
{
	((struct counts *)ctx)->lost += l->lost;
	return 0;
}

static int on_stats(void *ctx, const struct vmprof_file_stats *st)
{
	struct counts *c = ctx;

	c->has_stats = 1;
	c->stats_samples = st->samples;
	c->stats_lost = st->lost;
	return 0;
}

static int on_end(void *ctx, const struct vmprof_file_end *e)
{
	struct counts *c = ctx;

	c->end = 1;
	c->stop_reason = e->stop_reason;
	return 0;
}

static const struct vmprof_data_ops ops = {
	.sample = on_sample,
	.lost = on_lost,
	.stats = on_stats,
	.end = on_end,
};

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"ok", "truncated", "corrupt", "io", "aborted",
	};
	struct vmprof_data_result res;
	struct counts c;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: data-stats FILE\n");
		return 64;
	}
	memset(&c, 0, sizeof(c));
	vmprof_data__read_file(argv[1], &ops, &c, &res);
	printf("status=%s sample_records=%llu lost_records=%llu has_stats=%d stats_samples=%llu stats_lost=%llu end=%d stop_reason=%d guest_cr3s=",
	       names[res.status], c.samples, c.lost, c.has_stats,
	       c.stats_samples, c.stats_lost, c.end, c.stop_reason);
	for (i = 0; i < c.nr_cr3; i++)
		printf("%s0x%llx:%llu", i ? "," : "", c.cr3[i],
		       c.cr3_samples[i]);
	printf("%s\n", c.nr_cr3 ? "" : "none");
	return res.status > 1;
}
