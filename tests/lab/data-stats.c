// SPDX-License-Identifier: GPL-2.0
/*
 * data-stats: what a vmprof.data file holds, counted record by record
 * with the tool's reader but none of the report's logic, as key=value:
 *   status=ok|truncated|corrupt|io|aborted  sample_records=N
 *   lost_records=N (sum of LOST record counts)  has_stats=0|1
 *   stats_samples=N stats_lost=N (the module's VMPROF_IOC_GET_STATS at the
 *   end of the recording)  end=0|1 stop_reason=N
 * The accounting test compares these with 'vmprof report --format json'.
 *
 * usage: data-stats FILE
 */
#include <stdio.h>
#include <string.h>

#include "data.h"

struct counts {
	unsigned long long samples, lost, stats_samples, stats_lost;
	int has_stats, end, stop_reason;
};

static int on_sample(void *ctx, const struct vmprof_file_sample *s)
{
	(void)s;
	((struct counts *)ctx)->samples++;
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

	if (argc != 2) {
		fprintf(stderr, "usage: data-stats FILE\n");
		return 64;
	}
	memset(&c, 0, sizeof(c));
	vmprof_data__read_file(argv[1], &ops, &c, &res);
	printf("status=%s sample_records=%llu lost_records=%llu has_stats=%d stats_samples=%llu stats_lost=%llu end=%d stop_reason=%d\n",
	       names[res.status], c.samples, c.lost, c.has_stats,
	       c.stats_samples, c.stats_lost, c.end, c.stop_reason);
	return res.status > 1;
}
